/*
 * symbols.c - a symbol table: see symbols.h.  The readers that fill it
 * are in sym_read.c, address expressions in sym_expr.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symbols_int.h"

/* ---- building ------------------------------------------------------ */

struct sym_table *
sym_new(struct pt_err *err)
{
	struct sym_table *t = calloc(1, sizeof *t);

	if (t == NULL)
		pt_err_set(err, PT_EXIT_TARGET, "out of memory");
	return t;
}

void
sym_clear(struct sym_table *t)
{
	if (t == NULL)
		return;
	free(t->ents);
	free(t->by_addr);
	free(t->by_name);
	free(t->uniq);
	free(t->names);
	free(t->secs);
	free(t->sec_maxlast);
	memset(t, 0, sizeof *t);
}

void
sym_free(struct sym_table *t)
{
	sym_clear(t);
	free(t);
}

/*
 * P (of *CAP elements of SIZE) grown to hold NEED, at most MAX: the new
 * pointer, or NULL with P untouched.
 */
static void *
grow(void *p, size_t *cap, size_t need, size_t size, size_t max)
{
	size_t ncap = *cap ? *cap : 1024;
	void *q;

	if (need == 0)
		need = 1;	/* so that NULL only means failure */
	if (need <= *cap)
		return p;
	if (need > max)
		return NULL;
	while (ncap < need)
		ncap *= 2;
	if (ncap > max)
		ncap = max;
	if ((q = realloc(p, ncap * size)) != NULL)
		*cap = ncap;
	return q;
}

void
sym_reserve(struct sym_table *t, size_t nsym, size_t nbytes)
{
	struct sym_ent *e;
	char *q;

	if (nsym > SYM_MAX - t->n)
		nsym = SYM_MAX - t->n;
	if (nbytes > SYM_POOL_MAX - t->nlen)
		nbytes = SYM_POOL_MAX - t->nlen;
	if ((e = grow(t->ents, &t->cap, t->n + nsym, sizeof *e, SYM_MAX)))
		t->ents = e;
	if ((q = grow(t->names, &t->ncap, t->nlen + nbytes, 1, SYM_POOL_MAX)))
		t->names = q;
}

/* Copy NAME (LEN bytes) into the pool; its offset, or -1. */
static long
pool_add(struct sym_table *t, const char *name, size_t len,
    struct pt_err *err)
{
	size_t at = t->nlen;
	char *q = grow(t->names, &t->ncap, at + len + 1, 1, SYM_POOL_MAX);

	if (q == NULL)
		return pt_err_set(err, PT_EXIT_USAGE,
		    "too many symbol names (over %u MiB)", SYM_POOL_MAX >> 20);
	t->names = q;
	memcpy(t->names + at, name, len);
	t->names[at + len] = '\0';
	t->nlen = at + len + 1;
	return (long)at;
}

int
sym_add_ent(struct sym_table *t, const char *name, size_t len,
    uint64_t addr, uint64_t span, unsigned flags, struct pt_err *err)
{
	struct sym_ent *q = grow(t->ents, &t->cap, t->n + 1, sizeof *q,
	    SYM_MAX);
	long off;

	if (q == NULL)
		return pt_err_set(err, PT_EXIT_USAGE,
		    "too many symbols (at most %u)", SYM_MAX);
	t->ents = q;
	if ((off = pool_add(t, name, len, err)) < 0)
		return -1;
	t->ents[t->n++] = (struct sym_ent){ .addr = addr, .span = span,
	    .name = (uint32_t)off, .flags = (uint8_t)flags };
	return 0;
}

int
sym_add_sec(struct sym_table *t, const char *name, uint64_t addr,
    uint64_t size, struct pt_err *err)
{
	struct sym_sec *q = grow(t->secs, &t->seccap, t->nsec + 1, sizeof *q,
	    SYM_SEC_MAX);
	long off;

	if (q == NULL)
		return pt_err_set(err, PT_EXIT_USAGE,
		    "too many sections (at most %u)", SYM_SEC_MAX);
	t->secs = q;
	if ((off = pool_add(t, name, strnlen(name, SYM_NAME_MAX - 1),
	    err)) < 0)
		return -1;
	t->secs[t->nsec++] = (struct sym_sec){ addr, size, (uint32_t)off };
	return 0;
}

/* Lower is better: global, then FUNC, then sized. */
static unsigned
rank(const struct sym_ent *e)
{
	return (e->flags & SYM_F_GLOBAL ? 0 : 4) |
	    (e->flags & SYM_F_FUNC ? 0 : 2) | (e->flags & SYM_F_SIZED ? 0 : 1);
}

static int
cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

/*
 * A sort key, small as the sorts touch a few MiB of them.  By address:
 * the address, then rank.  By name: the name, then the local bit.  The
 * index, that is the load order, is the last tie-break.
 */
struct sym_key {
	union {
		uint64_t addr;
		const char *name;
	} u;
	uint64_t order;		/* preference << 32 | index */
};

static struct sym_key
key(const struct sym_table *t, uint32_t i, bool by_name)
{
	const struct sym_ent *e = &t->ents[i];
	struct sym_key k;

	if (by_name) {
		k.u.name = t->names + e->name;
		k.order = (uint64_t)!(e->flags & SYM_F_GLOBAL) << 32 | i;
	} else {
		k.u.addr = e->addr;
		k.order = (uint64_t)rank(e) << 32 | i;
	}
	return k;
}

static int
cmp_key(const struct sym_key *a, const struct sym_key *b, bool by_name)
{
	int c = by_name ? strcmp(a->u.name, b->u.name) :
	    cmp_u64(a->u.addr, b->u.addr);

	return c ? c : cmp_u64(a->order, b->order);
}

/* Pass -1 sorts by rank, passes 0..7 by the address's bytes. */
static unsigned
digit(const struct sym_key *k, int pass)
{
	if (pass < 0)
		return (unsigned)(k->order >> 32);
	return (unsigned)(k->u.addr >> 8 * pass) & 0xff;
}

/*
 * LSD radix sort of K[0..n) by address, then rank, through TMP: each
 * pass is stable, so the load order stays the last tie-break.  A byte
 * all keys share (a kernel's top four) costs one count.  qsort took
 * four times as long on a kernel's symbols.
 */
static void
sort_addrs(struct sym_key *k, struct sym_key *tmp, size_t n)
{
	struct sym_key *src = k, *dst = tmp, *x;
	size_t cnt[256], i, sum, c;
	int pass;
	unsigned b;

	for (pass = -1; n > 0 && pass < 8; pass++) {
		memset(cnt, 0, sizeof cnt);
		for (i = 0; i < n; i++)
			cnt[digit(&src[i], pass)]++;
		if (cnt[digit(&src[0], pass)] == n)
			continue;
		for (sum = 0, b = 0; b < 256; b++) {
			c = cnt[b];
			cnt[b] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[cnt[digit(&src[i], pass)]++] = src[i];
		x = src;
		src = dst;
		dst = x;
	}
	if (src != k)
		memcpy(k, src, n * sizeof *k);
}

static void
swap_key(struct sym_key *a, struct sym_key *b)
{
	struct sym_key x = *a;

	*a = *b;
	*b = x;
}

/* Insertion sort of K[0..n), whose names agree on their first D bytes. */
static void
sort_few(struct sym_key *k, size_t n, size_t d)
{
	size_t i, j;

	for (i = 1; i < n; i++)
		for (j = i; j > 0; j--) {
			int c = strcmp(k[j - 1].u.name + d, k[j].u.name + d);

			if (c < 0 || (c == 0 && k[j - 1].order < k[j].order))
				break;
			swap_key(&k[j - 1], &k[j]);
		}
}

static int
cmp_order(const void *pa, const void *pb)
{
	const struct sym_key *a = pa, *b = pb;

	return cmp_u64(a->order, b->order);
}

/* Keys K[0..n) whose names agree on their first D bytes. */
struct sym_run {
	struct sym_key *k;
	size_t n, d;
};

/*
 * Multikey quicksort (Bentley and Sedgewick) of K[0..n) by name, whose
 * names agree on their first D bytes: comparing one byte at a time, in
 * place, it takes half the time of qsort on a kernel's names.  It
 * recurses only into runs of at most n/2 keys: the stack is O(log n).
 */
static void
sort_names(struct sym_key *k, size_t n, size_t d)
{
	while (n > 16) {
		struct sym_run part[3], *big;
		size_t lt = 0, i = 0, gt = n, m;
		unsigned char a = (unsigned char)k[0].u.name[d];
		unsigned char b = (unsigned char)k[n / 2].u.name[d];
		unsigned char c = (unsigned char)k[n - 1].u.name[d], p;

		p = a < b ? (b < c ? b : a < c ? c : a) :
		    (a < c ? a : b < c ? c : b);	/* median of three */
		while (i < gt) {
			unsigned char x = (unsigned char)k[i].u.name[d];

			if (x < p)
				swap_key(&k[lt++], &k[i++]);
			else if (x > p)
				swap_key(&k[i], &k[--gt]);
			else
				i++;
		}
		part[0] = (struct sym_run){ k, lt, d };
		part[1] = (struct sym_run){ k + lt, gt - lt, d + 1 };
		part[2] = (struct sym_run){ k + gt, n - gt, d };
		if (p == 0) {	/* the names in the middle run are equal */
			qsort(part[1].k, part[1].n, sizeof *k, cmp_order);
			part[1].n = 0;
		}
		big = &part[0];
		for (m = 1; m < 3; m++)
			if (part[m].n > big->n)
				big = &part[m];
		for (m = 0; m < 3; m++)
			if (&part[m] != big)
				sort_names(part[m].k, part[m].n, part[m].d);
		k = big->k;
		n = big->n;
		d = big->d;
	}
	sort_few(k, n, d);
}

/*
 * Sort the keys of ents[n0..n) in K (room for twice as many), then
 * merge them with OLD (the N0 indexes sorted before) into OUT.
 */
static void
merge(const struct sym_table *t, const uint32_t *old, size_t n0,
    struct sym_key *k, uint32_t *out, bool by_name)
{
	size_t nk = t->n - n0, i = 0, j, o = 0;

	for (j = 0; j < nk; j++)
		k[j] = key(t, (uint32_t)(n0 + j), by_name);
	if (by_name)
		sort_names(k, nk, 0);
	else
		sort_addrs(k, k + nk, nk);
	for (j = 0; i < n0 || j < nk;) {
		bool take_old = j == nk;

		if (i < n0 && j < nk) {
			struct sym_key ko = key(t, old[i], by_name);

			take_old = cmp_key(&ko, &k[j], by_name) < 0;
		}
		out[o++] = take_old ? old[i++] : (uint32_t)k[j++].order;
	}
}

/* Larger first at one address, so walking back meets the inner one. */
static int
cmp_sec(const void *pa, const void *pb)
{
	const struct sym_sec *a = pa, *b = pb;
	int c = cmp_u64(a->addr, b->addr);

	if (c == 0)
		c = cmp_u64(b->size, a->size);
	return c ? c : cmp_u64(a->name, b->name);
}

int
sym_commit(struct sym_table *t, size_t n0, struct pt_err *err)
{
	size_t i, n = t->n, sz = (n ? n : 1) * sizeof(uint32_t);
	struct sym_key *k = malloc(2 * (n - n0 + 1) * sizeof *k);
	uint32_t *ba = malloc(sz), *bn = malloc(sz), *un = malloc(sz);
	uint64_t *ml = malloc((t->nsec ? t->nsec : 1) * sizeof *ml);

	if (k == NULL || ba == NULL || bn == NULL || un == NULL || ml == NULL) {
		free(k);
		free(ba);
		free(bn);
		free(un);
		free(ml);
		return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
	}
	merge(t, t->by_addr, n0, k, ba, false);
	merge(t, t->by_name, n0, k, bn, true);
	free(k);
	t->nuniq = 0;
	for (i = 0; i < n; i++)
		if (i == 0 || strcmp(t->names + t->ents[bn[i]].name,
		    t->names + t->ents[bn[i - 1]].name) != 0)
			un[t->nuniq++] = bn[i];
	free(t->by_addr);
	free(t->by_name);
	free(t->uniq);
	free(t->sec_maxlast);
	t->by_addr = ba;
	t->by_name = bn;
	t->uniq = un;
	t->sec_maxlast = ml;
	if (t->nsec > 0)	/* qsort's pointer must not be NULL, even for 0 */
		qsort(t->secs, t->nsec, sizeof *t->secs, cmp_sec);
	for (i = 0; i < t->nsec; i++) {
		const struct sym_sec *s = &t->secs[i];
		uint64_t last = s->addr + (s->size - 1);

		if (last < s->addr)	/* wrapped by the offset */
			last = UINT64_MAX;
		ml[i] = i > 0 && ml[i - 1] > last ? ml[i - 1] : last;
	}
	return 0;
}

/* ---- queries -------------------------------------------------------- */

size_t
sym_count(const struct sym_table *t)
{
	return t ? t->n : 0;
}

static const char *
ent_name(const struct sym_table *t, uint32_t i)
{
	return t->names + t->ents[i].name;
}

/* strcmp of a stored name against the LEN bytes at KEY. */
static int
cmp_name(const char *stored, const char *key, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char a = (unsigned char)stored[i];
		unsigned char b = (unsigned char)key[i];

		/* A NUL in KEY must not walk past the stored name's end. */
		if (a == '\0' || a != b)
			return a <= b ? -1 : 1;
	}
	return stored[len] != '\0';
}

/* First position in IDX[0..n) whose name is not below KEY. */
static size_t
name_lower(const struct sym_table *t, const uint32_t *idx, size_t n,
    const char *key, size_t len)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_name(ent_name(t, idx[mid]), key, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int
sym_lookup(const struct sym_table *t, const char *name, size_t namelen,
    uint64_t *addr)
{
	size_t i;

	if (t == NULL || t->n == 0)
		return -1;
	i = name_lower(t, t->by_name, t->n, name, namelen);
	if (i == t->n || cmp_name(ent_name(t, t->by_name[i]), name,
	    namelen) != 0)
		return -1;
	*addr = t->ents[t->by_name[i]].addr;
	return 0;
}

/* First index of ents whose address is above ADDR (or >= with ge). */
static size_t
addr_bound(const struct sym_table *t, uint64_t addr, bool ge)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t a = t->ents[t->by_addr[mid]].addr;

		if (ge ? a < addr : a <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const char *
sym_at(const struct sym_table *t, uint64_t addr, uint64_t *off)
{
	size_t i, hi;

	if (t == NULL || (hi = addr_bound(t, addr, false)) == 0)
		return NULL;
	/* The group at the nearest address, best first. */
	i = addr_bound(t, t->ents[t->by_addr[hi - 1]].addr, true);
	for (; i < hi; i++) {
		const struct sym_ent *e = &t->ents[t->by_addr[i]];
		uint64_t d = addr - e->addr;

		if (d < e->span) {
			*off = d;
			return t->names + e->name;
		}
	}
	return NULL;
}

bool
sym_format(const struct sym_table *t, uint64_t addr, char *buf, size_t len)
{
	uint64_t off;
	const char *name = sym_at(t, addr, &off);

	if (len == 0)
		return name != NULL;
	if (name == NULL)
		buf[0] = '\0';
	else if (off == 0)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%s+0x%" PRIx64, name, off);
	return name != NULL;
}

const char *
sym_section_at(const struct sym_table *t, uint64_t addr)
{
	size_t lo = 0, hi;

	if (t == NULL)
		return NULL;
	hi = t->nsec;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->secs[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Back over sections starting lower while one may still reach. */
	while (lo-- > 0 && t->sec_maxlast[lo] >= addr) {
		const struct sym_sec *s = &t->secs[lo];

		if (addr - s->addr < s->size)
			return t->names + s->name;
	}
	return NULL;
}

const char *
sym_complete(const struct sym_table *t, const char *prefix, size_t i)
{
	size_t plen = strlen(prefix), at;
	const char *name;

	if (t == NULL)
		return NULL;
	at = name_lower(t, t->uniq, t->nuniq, prefix, plen);
	/* Names with the prefix follow it, one run. */
	if (i >= t->nuniq - at)
		return NULL;
	name = ent_name(t, t->uniq[at + i]);
	return strncmp(name, prefix, plen) == 0 ? name : NULL;
}
