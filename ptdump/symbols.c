/* symbols.c - a symbol table: see symbols.h. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <limits.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symbols.h"

#define SYM_LINE_MAX (SYM_NAME_MAX + 256)
#define SYM_READ_CHUNK (64u << 10)

#define SYM_F_GLOBAL 1u
#define SYM_F_FUNC 2u
#define SYM_F_SIZED 4u

struct sym_ent {
	uint64_t addr;
	uint64_t span;		/* bytes covered from addr, at least 1 */
	uint32_t name;		/* offset in names */
	uint8_t flags;
};

struct sym_sec {
	uint64_t addr;
	uint64_t size;
	uint32_t name;
};

/*
 * ents stays in load order, so an index is also the load order.
 * by_addr and by_name index it sorted (best first among equals); uniq
 * holds the first of each distinct name, for completion.  A file is
 * appended, sorted alone and merged into the indexes.
 */
struct sym_table {
	struct sym_ent *ents;
	size_t n, cap;
	uint32_t *by_addr, *by_name, *uniq;
	size_t nuniq;
	char *names;
	size_t nlen, ncap;
	struct sym_sec *secs;
	uint64_t *sec_maxlast;	/* highest last byte of secs[0..i] */
	size_t nsec, seccap;
};

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

/*
 * Make room for about NSYM more symbols and NBYTES of names at once: a
 * growing realloc copies and faults the same pages in again.  Failure
 * is no error here; adding reports it.
 */
static void
reserve(struct sym_table *t, size_t nsym, size_t nbytes)
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

static int
add_sym(struct sym_table *t, const char *name, size_t len, uint64_t addr,
    uint64_t span, unsigned flags, struct pt_err *err)
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

static int
add_sec(struct sym_table *t, const char *name, uint64_t addr, uint64_t size,
    struct pt_err *err)
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

/*
 * Index the symbols appended since N0 and all sections; -1 when out of
 * memory, with the table unchanged: every allocation comes first.
 */
static int
commit(struct sym_table *t, size_t n0, struct pt_err *err)
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

/* ---- ELF ------------------------------------------------------------ */

struct elf_bounds {
	uint64_t addr, size;
};

/* Bytes an unsized symbol at V in section B covers: to the section's end. */
static uint64_t
sec_span(const struct elf_bounds *b, uint64_t v)
{
	if (v >= b->addr && v - b->addr < b->size)
		return b->size - (v - b->addr);
	return 1;	/* an end marker such as _etext: only itself */
}

static int
elf_syms(struct sym_table *t, Elf *e, Elf_Scn *symscn, Elf_Scn *xscn,
    const struct elf_bounds *bounds, size_t shnum, uint64_t offset,
    struct pt_err *err)
{
	Elf_Data *d = elf_getdata(symscn, NULL), *xd = NULL;
	Elf_Scn *strscn;
	GElf_Shdr sh, strsh;
	size_t i, nsyms, entsz = gelf_fsize(e, ELF_T_SYM, 1, EV_CURRENT);

	if (gelf_getshdr(symscn, &sh) == NULL || d == NULL || entsz == 0)
		return pt_err_set(err, PT_EXIT_USAGE, "bad symbol table: %s",
		    elf_errmsg(-1));
	if (xscn != NULL && (xd = elf_getdata(xscn, NULL)) == NULL)
		return pt_err_set(err, PT_EXIT_USAGE,
		    "bad extended section indexes: %s", elf_errmsg(-1));
	nsyms = d->d_size / entsz;
	if (nsyms > (size_t)INT_MAX)	/* gelf indexes with an int */
		nsyms = (size_t)INT_MAX;
	strscn = elf_getscn(e, sh.sh_link);
	reserve(t, nsyms, strscn && gelf_getshdr(strscn, &strsh) ?
	    strsh.sh_size : 0);
	for (i = 1; i < nsyms; i++) {	/* 0 is the null symbol */
		GElf_Sym s;
		Elf32_Word xndx = 0;
		const char *name;
		size_t shndx, len;
		unsigned type, bind, flags = 0;
		uint64_t span;

		if ((xd ? gelf_getsymshndx(d, xd, (int)i, &s, &xndx) :
		    gelf_getsym(d, (int)i, &s)) == NULL)
			return pt_err_set(err, PT_EXIT_USAGE,
			    "bad symbol %zu: %s", i, elf_errmsg(-1));
		type = GELF_ST_TYPE(s.st_info);
		bind = GELF_ST_BIND(s.st_info);
		if (type != STT_NOTYPE && type != STT_OBJECT && type != STT_FUNC)
			continue;
		shndx = s.st_shndx == SHN_XINDEX ? xndx : s.st_shndx;
		/* Undefined and common symbols have no address yet. */
		if (shndx == SHN_UNDEF || (s.st_shndx != SHN_XINDEX &&
		    s.st_shndx >= SHN_LORESERVE && s.st_shndx != SHN_ABS))
			continue;
		name = elf_strptr(e, sh.sh_link, s.st_name);
		if (name == NULL || name[0] == '\0' || name[0] == '$' ||
		    (len = strnlen(name, SYM_NAME_MAX)) == SYM_NAME_MAX)
			continue;
		if (bind != STB_LOCAL)
			flags |= SYM_F_GLOBAL;
		if (type == STT_FUNC)
			flags |= SYM_F_FUNC;
		if (s.st_size != 0) {
			flags |= SYM_F_SIZED;
			span = s.st_size;
		} else if (s.st_shndx == SHN_ABS || shndx >= shnum) {
			span = 1;	/* a value, not a place */
		} else {
			span = sec_span(&bounds[shndx], s.st_value);
		}
		if (add_sym(t, name, len, s.st_value + offset, span, flags,
		    err) < 0)
			return -1;
	}
	return 0;
}

/* Load FD (an ELF file) into T; the symbols added, or -1. */
static long
load_elf(struct sym_table *t, int fd, uint64_t offset, struct pt_err *err)
{
	Elf *e;
	Elf_Scn *scn = NULL, *symtab = NULL, *dynsym = NULL, *xscn = NULL;
	size_t shnum, shstrndx, symndx = 0;
	struct elf_bounds *bounds = NULL;
	GElf_Ehdr eh;
	size_t n0 = t->n;
	int rc = -1;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return pt_err_set(err, PT_EXIT_USAGE, "libelf: %s",
		    elf_errmsg(-1));
	if ((e = elf_begin(fd, ELF_C_READ_MMAP, NULL)) == NULL)
		return pt_err_set(err, PT_EXIT_USAGE, "bad ELF file: %s",
		    elf_errmsg(-1));
	if (elf_kind(e) != ELF_K_ELF || gelf_getehdr(e, &eh) == NULL ||
	    elf_getshdrnum(e, &shnum) != 0 ||
	    elf_getshdrstrndx(e, &shstrndx) != 0) {
		pt_err_set(err, PT_EXIT_USAGE, "bad ELF file: %s",
		    elf_errmsg(-1));
		goto out;
	}
	if (shnum > SYM_MAX) {
		pt_err_set(err, PT_EXIT_USAGE, "too many sections (%zu)", shnum);
		goto out;
	}
	if ((bounds = calloc(shnum ? shnum : 1, sizeof *bounds)) == NULL) {
		pt_err_set(err, PT_EXIT_TARGET, "out of memory");
		goto out;
	}
	while ((scn = elf_nextscn(e, scn)) != NULL) {
		size_t i = elf_ndxscn(scn);
		const char *name;
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) == NULL || i >= shnum) {
			pt_err_set(err, PT_EXIT_USAGE, "bad section %zu: %s",
			    i, elf_errmsg(-1));
			goto out;
		}
		bounds[i] = (struct elf_bounds){ sh.sh_addr, sh.sh_size };
		if (sh.sh_type == SHT_SYMTAB)
			symtab = scn;
		else if (sh.sh_type == SHT_DYNSYM)
			dynsym = scn;
		/*
		 * Relocatable files have no addresses yet, and .tbss takes
		 * no address space (it overlaps what follows it).
		 */
		if (!(sh.sh_flags & SHF_ALLOC) || sh.sh_size == 0 ||
		    eh.e_type == ET_REL || ((sh.sh_flags & SHF_TLS) &&
		    sh.sh_type == SHT_NOBITS))
			continue;
		name = elf_strptr(e, shstrndx, sh.sh_name);
		if (add_sec(t, name ? name : "?", sh.sh_addr + offset,
		    sh.sh_size, err) < 0)
			goto out;
	}
	if (symtab == NULL)
		symtab = dynsym;
	if (symtab == NULL) {
		pt_err_set(err, PT_EXIT_USAGE, "no symbol table (stripped?)");
		goto out;
	}
	symndx = elf_ndxscn(symtab);
	while ((scn = elf_nextscn(e, scn)) != NULL) {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) != NULL &&
		    sh.sh_type == SHT_SYMTAB_SHNDX && sh.sh_link == symndx)
			xscn = scn;
	}
	if (elf_syms(t, e, symtab, xscn, bounds, shnum, offset, err) == 0)
		rc = 0;
out:
	free(bounds);
	elf_end(e);
	return rc < 0 ? -1 : (long)(t->n - n0);
}

/* ---- System.map and /proc/kallsyms -------------------------------- */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Next blank-separated word of *P (advanced); its length, 0 at the end. */
static size_t
word(const char **p, const char **w)
{
	const char *s = *p;
	size_t n = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	*w = s;
	while (s[n] != '\0' && s[n] != ' ' && s[n] != '\t')
		n++;
	*p = s + n;
	return n;
}

/*
 * One line "HEXADDR TYPE NAME [module]": 1 if it parses (and is added
 * unless undefined), 0 if not, -1 on error.  *ADDR0 tells whether its
 * address was 0, as every one is in kallsyms read without privilege.
 */
static int
map_line(struct sym_table *t, const char *line, uint64_t offset,
    bool *addr0, struct pt_err *err)
{
	const char *p = line, *w[5];
	size_t len[5], i;
	uint64_t addr = 0, span = SYM_MAP_SPAN;
	unsigned flags = 0;
	char type;

	for (i = 0; i < 5; i++)
		len[i] = word(&p, &w[i]);
	if (len[0] == 0 || len[0] > 16 || len[1] != 1 || len[2] == 0 ||
	    len[4] != 0 || (len[3] != 0 && (w[3][0] != '[' ||
	    w[3][len[3] - 1] != ']')))
		return 0;
	for (i = 0; i < len[0]; i++) {
		int d = hexval(w[0][i]);

		if (d < 0)
			return 0;
		addr = addr << 4 | (uint64_t)d;
	}
	type = w[1][0];
	if (!((type >= 'a' && type <= 'z') || (type >= 'A' && type <= 'Z')))
		return 0;
	*addr0 = addr == 0;
	if (type == 'U' || w[2][0] == '$' || len[2] >= SYM_NAME_MAX)
		return 1;
	if (type >= 'A' && type <= 'Z')
		flags |= SYM_F_GLOBAL;
	if (type == 'T' || type == 't')
		flags |= SYM_F_FUNC;
	/*
	 * No size and no section: without SYM_MAP_SPAN all of user space
	 * would be named after the last per-cpu symbol (near 0x2c000).
	 */
	if (type == 'A' || type == 'a')
		span = 1;	/* a value, not a place */
	if (add_sym(t, w[2], len[2], addr + offset, span, flags, err) < 0)
		return -1;
	return 1;
}

/* Load FD (not ELF) as a symbol map; the symbols added, or -1. */
static long
load_map(struct sym_table *t, int fd, off_t size, uint64_t offset,
    struct pt_err *err)
{
	char *buf = malloc(SYM_READ_CHUNK), line[SYM_LINE_MAX];
	size_t ll = 0, total = 0, parsed = 0, nonzero = 0, n0 = t->n;
	bool overlong = false, eof = false;
	long rc = -1;

	if (buf == NULL)
		return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
	/* A line of a 64-bit map takes at least 21 bytes. */
	if (size > 0 && size <= (off_t)SYM_TEXT_MAX)
		reserve(t, (size_t)size / 20, (size_t)size / 2);
	while (!eof) {
		ssize_t got = read(fd, buf, SYM_READ_CHUNK);
		size_t i = 0;

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			pt_err_set(err, PT_EXIT_USAGE, "%s", strerror(errno));
			goto out;
		}
		if (got == 0) {
			eof = true;
			buf[0] = '\n';	/* ends a last line without one */
			got = ll > 0 ? 1 : 0;
		} else if (memchr(buf, '\0', (size_t)got) != NULL) {
			pt_err_set(err, PT_EXIT_USAGE, "not an ELF file nor a "
			    "symbol map (binary data)");
			goto out;
		} else if ((total += (size_t)got) > SYM_TEXT_MAX) {
			pt_err_set(err, PT_EXIT_USAGE, "longer than %u MiB",
			    SYM_TEXT_MAX >> 20);
			goto out;
		}
		while (i < (size_t)got) {
			char *nl = memchr(buf + i, '\n', (size_t)got - i);
			size_t seg = (nl ? (size_t)(nl - buf) : (size_t)got) - i;
			bool z = false;
			int r;

			if (ll + seg >= sizeof line) {
				overlong = true;	/* skipped as junk */
			} else {
				memcpy(line + ll, buf + i, seg);
				ll += seg;
			}
			i += seg;
			if (nl == NULL)
				break;
			i++;
			if (ll > 0 && line[ll - 1] == '\r')
				ll--;
			line[ll] = '\0';
			r = overlong ? 0 : map_line(t, line, offset, &z, err);
			if (r < 0)
				goto out;
			parsed += (size_t)r;
			nonzero += r > 0 && !z;
			ll = 0;
			overlong = false;
		}
	}
	if (total == 0)
		pt_err_set(err, PT_EXIT_USAGE, "empty file");
	else if (parsed == 0)
		pt_err_set(err, PT_EXIT_USAGE, "not an ELF file nor a symbol "
		    "map (no line reads 'ADDRESS TYPE NAME')");
	else if (nonzero == 0 && parsed > 1)
		pt_err_set(err, PT_EXIT_USAGE, "every address is 0 (kallsyms "
		    "read without privilege? see kernel.kptr_restrict)");
	else
		rc = (long)(t->n - n0);
out:
	free(buf);
	return rc;
}

long
sym_add_file(struct sym_table *t, const char *path, uint64_t offset,
    struct pt_err *err)
{
	size_t n0 = t->n, nlen0 = t->nlen, nsec0 = t->nsec;
	unsigned char magic[4] = { 0 };
	struct stat st;
	off_t size = 0;
	ssize_t got;
	long added;
	int fd;

	do {
		fd = open(path, O_RDONLY | O_CLOEXEC);
	} while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return pt_err_set(err, PT_EXIT_USAGE, "%s: %s", path,
		    strerror(errno));
	if (fstat(fd, &st) < 0)
		memset(&st, 0, sizeof st);	/* then read what comes */
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return pt_err_set(err, PT_EXIT_USAGE, "%s: %s", path,
		    strerror(EISDIR));
	}
	/* A size to reserve room for; /proc files say 0. */
	if (S_ISREG(st.st_mode))
		size = st.st_size;
	/* pread leaves the offset at 0 for libelf or the text reader. */
	do {
		got = pread(fd, magic, sizeof magic, 0);
	} while (got < 0 && errno == EINTR);
	if (got < 0)
		added = pt_err_set(err, PT_EXIT_USAGE, "%s", strerror(errno));
	else if (got == 4 && memcmp(magic, ELFMAG, SELFMAG) == 0)
		added = load_elf(t, fd, offset, err);
	else
		added = load_map(t, fd, size, offset, err);
	close(fd);
	if (added < 0 || commit(t, n0, err) < 0) {
		t->n = n0;
		t->nlen = nlen0;
		t->nsec = nsec0;
		return pt_err_wrap(err, "%s", path);
	}
	return added;
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

/* ---- address expressions ------------------------------------------ */

static int
no_symbol(const struct sym_table *t, const char *s, size_t n,
    struct pt_err *err)
{
	if (sym_count(t) == 0)
		return pt_err_set(err, PT_EXIT_USAGE, "no symbol '%.*s' (no "
		    "symbols loaded: try 'symbols FILE')", (int)n, s);
	return pt_err_set(err, PT_EXIT_USAGE, "no symbol '%.*s'", (int)n, s);
}

/* args_u64 of the N bytes at S. */
static int
number(const char *s, size_t n, uint64_t *out, struct pt_err *err)
{
	char buf[200];

	if (n >= sizeof buf)
		return pt_err_set(err, PT_EXIT_USAGE, "'%.*s' is not a number",
		    (int)n, s);
	memcpy(buf, s, n);
	buf[n] = '\0';
	return args_u64(buf, out, err);
}

/* NUMBER | NAME | NAME+NUMBER | NAME-NUMBER in the N bytes at S. */
static int
eval(const struct sym_table *t, const char *s, size_t n, uint64_t *out,
    struct pt_err *err)
{
	uint64_t base, d;
	size_t p;

	if (n == 0)
		return pt_err_set(err, PT_EXIT_USAGE, "missing address");
	if (s[0] >= '0' && s[0] <= '9')
		return number(s, n, out, err);
	if (sym_lookup(t, s, n, out) == 0)
		return 0;
	for (p = n - 1; p > 0 && s[p] != '+' && s[p] != '-'; p--)
		;
	if (p == 0)
		return no_symbol(t, s, n, err);
	if (sym_lookup(t, s, p, &base) < 0)
		return no_symbol(t, s, p, err);
	if (number(s + p + 1, n - p - 1, &d, err) < 0)
		return pt_err_wrap(err, "bad address '%.*s'", (int)n, s);
	if (s[p] == '+' ? d > UINT64_MAX - base : d > base)
		return pt_err_set(err, PT_EXIT_USAGE, "bad address '%.*s': "
		    "outside 0..2^64-1", (int)n, s);
	*out = s[p] == '+' ? base + d : base - d;
	return 0;
}

int
sym_eval(const struct sym_table *t, const char *expr, uint64_t *out,
    struct pt_err *err)
{
	size_t n = strnlen(expr, SYM_EXPR_MAX + 1);

	if (n > SYM_EXPR_MAX)
		return pt_err_set(err, PT_EXIT_USAGE,
		    "address expression longer than %d bytes", SYM_EXPR_MAX);
	return eval(t, expr, n, out, err);
}

/* A..B as args_range reads "A-B" or "A+B" (OP). */
static int
make_range(const char *expr, char op, uint64_t a, uint64_t b,
    struct args_range *out, struct pt_err *err)
{
	if (op == '+') {
		if (b == 0)
			return pt_err_set(err, PT_EXIT_USAGE,
			    "bad range '%s': empty", expr);
		if (b - 1 > UINT64_MAX - a)
			return pt_err_set(err, PT_EXIT_USAGE, "bad range '%s': "
			    "runs past the top of the address space", expr);
		out->start = a;
		out->last = a + (b - 1);
		return 0;
	}
	/* START-END with END exclusive; END 0 means "to the top". */
	if (b != 0 && b <= a)
		return pt_err_set(err, PT_EXIT_USAGE,
		    "bad range '%s': end is not above start", expr);
	out->start = a;
	out->last = b - 1;
	return 0;
}

int
sym_eval_range(const struct sym_table *t, const char *expr,
    struct args_range *out, struct pt_err *err)
{
	size_t n = strnlen(expr, SYM_EXPR_MAX + 1), p;
	struct pt_err first = { 0 }, e;
	bool tried = false;
	uint64_t a, b;

	if (n > SYM_EXPR_MAX)
		return pt_err_set(err, PT_EXIT_USAGE,
		    "address expression longer than %d bytes", SYM_EXPR_MAX);
	for (p = n; p-- > 1;) {
		if (expr[p] != '+' && expr[p] != '-')
			continue;
		if (eval(t, expr, p, &a, &e) == 0 &&
		    eval(t, expr + p + 1, n - p - 1, &b, &e) == 0)
			return make_range(expr, expr[p], a, b, out, err);
		if (!tried)
			first = e;
		tried = true;
	}
	if (eval(t, expr, n, &a, &e) == 0) {
		out->start = out->last = a;
		return 0;
	}
	/* The rightmost split names the part the user most likely meant. */
	if (err != NULL)
		*err = tried ? first : e;
	return pt_err_wrap(err, "bad range '%s'", expr);
}
