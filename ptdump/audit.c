/* audit.c - `check`'s findings from a walk: see audit.h. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

static const char *const kind_names[AUDIT_NKINDS] = {
	[AUDIT_WX] = "wx",
	[AUDIT_USER_TABLES] = "user-tables",
	[AUDIT_WRITABLE_TABLES] = "writable-tables",
	[AUDIT_USER_HIGH] = "user-high",
	[AUDIT_USER_EXEC] = "user-exec",
	[AUDIT_RSVD] = "rsvd",
	[AUDIT_PAST_RAM] = "past-ram",
	[AUDIT_ALIAS] = "alias",
	[AUDIT_ALIAS_MEMTYPE] = "alias-memtype",
};

#define AUDIT_MAX_RECURSIVE 16

/* Leaves contiguous in VA and PA with equal attributes, as dump shows. */
struct arange {
	uint64_t va, last, pa, page_size;
	bool w, x, user;
	unsigned memtype;
	const char *mt;
	uint64_t rsvd;
};

struct audit {
	struct audit_opts o;
	struct arange *r;
	size_t nr, rcap;
	struct walk_pages tables;	/* table pages visited */
	struct walk_note rec[AUDIT_MAX_RECURSIVE];
	unsigned nrec;
	struct audit_finding *f;
	size_t nf, fcap;
	struct audit_summary sum;
	bool oom;
};

const char *
audit_kind_name(enum audit_kind k)
{
	return (unsigned)k < AUDIT_NKINDS ? kind_names[k] : NULL;
}

int
audit_kind_by_name(const char *name, enum audit_kind *k)
{
	unsigned i;

	for (i = 0; i < AUDIT_NKINDS; i++)
		if (strcmp(kind_names[i], name) == 0) {
			*k = (enum audit_kind)i;
			return 0;
		}
	return -1;
}

struct audit *
audit_new(const struct audit_opts *o, struct pt_err *err)
{
	struct audit *a = calloc(1, sizeof *a);

	if (a == NULL) {
		pt_err_set(err, PT_EXIT_TARGET, "out of memory");
		return NULL;
	}
	a->o = *o;
	return a;
}

void
audit_free(struct audit *a)
{
	if (a == NULL)
		return;
	free(a->r);
	walk_pages_free(&a->tables);
	free(a->f);
	free(a);
}

/* Grow *p (of *cap elements of size sz) to hold one more; false on OOM. */
static bool
grow(void **p, size_t *cap, size_t n, size_t sz)
{
	size_t c;
	void *q;

	if (n < *cap)
		return true;
	c = *cap ? 2 * *cap : 256;
	if ((q = realloc(*p, c * sz)) == NULL)
		return false;
	*p = q;
	*cap = c;
	return true;
}

bool
audit_wanted(const struct audit *a, enum audit_kind k)
{
	if (a->o.only != 0)
		return (a->o.only >> k) & 1;
	return k != AUDIT_WRITABLE_TABLES || a->o.strict;
}

/* Record a finding, unless unwanted or inside an --ignore range. */
static void
add(struct audit *a, enum audit_kind k, uint64_t va, uint64_t last,
    uint64_t pa, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static void
add(struct audit *a, enum audit_kind k, uint64_t va, uint64_t last,
    uint64_t pa, const char *fmt, ...)
{
	struct audit_finding *f;
	va_list ap;
	unsigned i;

	if (!audit_wanted(a, k))
		return;
	for (i = 0; i < a->o.nignore; i++)
		if (va >= a->o.ignore[i].start && last <= a->o.ignore[i].last) {
			a->sum.ignored++;
			return;
		}
	a->sum.count[k]++;
	if (a->nf == AUDIT_MAX_FINDINGS) {
		a->sum.capped = true;
		return;
	}
	if (!grow((void **)&a->f, &a->fcap, a->nf, sizeof *a->f)) {
		a->oom = true;
		return;
	}
	f = &a->f[a->nf++];
	f->kind = k;
	f->va = va;
	f->last = last;
	f->pa = pa;
	va_start(ap, fmt);
	vsnprintf(f->detail, sizeof f->detail, fmt, ap);
	va_end(ap);
}

int
audit_leaf(void *cookie, const struct walk_leaf *l)
{
	struct audit *a = cookie;
	struct arange *c = a->nr ? &a->r[a->nr - 1] : NULL;

	if (c != NULL && c->last != UINT64_MAX && l->va == c->last + 1 &&
	    l->pa == c->pa + (l->va - c->va) && l->page_size == c->page_size &&
	    l->eff.write == c->w && l->eff.exec == c->x &&
	    l->eff.user == c->user && l->memtype == c->memtype &&
	    l->rsvd == c->rsvd) {
		c->last = l->va + (l->page_size - 1);
		return 0;
	}
	if (!grow((void **)&a->r, &a->rcap, a->nr, sizeof *a->r)) {
		a->oom = true;
		return -1;
	}
	a->r[a->nr++] = (struct arange){
		.va = l->va, .last = l->va + (l->page_size - 1), .pa = l->pa,
		.page_size = l->page_size, .w = l->eff.write, .x = l->eff.exec,
		.user = l->eff.user, .memtype = l->memtype,
		.mt = l->memtype_name, .rsvd = l->rsvd,
	};
	return 0;
}

int
audit_note(void *cookie, const struct walk_note *n)
{
	struct audit *a = cookie;
	const char *lv = x86pt_level_name(n->level);

	switch (n->kind) {
	case WALK_NOTE_TABLE:
		if (walk_pages_add(&a->tables, n->table_pa) < 0) {
			a->oom = true;
			return -1;
		}
		break;
	case WALK_NOTE_RSVD:
		add(a, AUDIT_RSVD, n->va, n->va + (n->size - 1), n->entry_pa,
		    "the %s at 0x%" PRIx64 " = 0x%016" PRIx64 " has reserved "
		    "bits 0x%" PRIx64 ": accesses fault", lv, n->entry_pa, n->raw,
		    n->rsvd);
		break;
	case WALK_NOTE_PAST_RAM:
		add(a, AUDIT_PAST_RAM, n->va, n->va + (n->size - 1),
		    n->table_pa, "the %s at 0x%" PRIx64 " points to a table at "
		    "0x%" PRIx64 ", past RAM (0x%" PRIx64 ")", lv, n->entry_pa,
		    n->table_pa, a->o.ram_limit);
		break;
	case WALK_NOTE_RECURSIVE:
		if (a->nrec < AUDIT_MAX_RECURSIVE)
			a->rec[a->nrec++] = *n;
		break;
	default:
		break;
	}
	return 0;
}

/* Table pages in [pa, pa+len): how many, and the first. */
static size_t
tables_in(const struct audit *a, uint64_t pa, uint64_t len, uint64_t *first)
{
	const struct walk_pages *t = &a->tables;
	size_t lo = 0, hi = t->n, n = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->pa[mid] < pa)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < t->n && t->pa[lo] - pa < len)
		*first = t->pa[lo];
	while (lo + n < t->n && t->pa[lo + n] - pa < len)
		n++;
	return n;
}

static bool
upper_half(const struct audit *a, uint64_t va)
{
	return (va >> (a->o.la57 ? 56 : 47)) & 1;
}

/* The checks one range decides alone. */
static void
check_range(struct audit *a, const struct arange *r)
{
	uint64_t len = r->last - r->va + 1, t = 0;
	size_t nt;

	if (r->w && r->x)
		add(a, AUDIT_WX, r->va, r->last, r->pa, "writable and "
		    "executable (%s)", r->user ? "user" : "supervisor");
	if (r->user && upper_half(a, r->va))
		add(a, AUDIT_USER_HIGH, r->va, r->last, r->pa, "user-accessible "
		    "(US=1 at every level) in the supervisor half");
	if (r->user && r->x && !upper_half(a, r->va) && !a->o.smep)
		add(a, AUDIT_USER_EXEC, r->va, r->last, r->pa, "a user page "
		    "that ring 0 may execute: CR4.SMEP=0");
	if (a->o.ram_limit != 0 && r->memtype == X86PT_MT_WB &&
	    r->pa + len > a->o.ram_limit)
		add(a, AUDIT_PAST_RAM, r->va, r->last, r->pa, "a write-back "
		    "mapping of 0x%" PRIx64 ", past RAM (0x%" PRIx64 ")",
		    r->pa + len > a->o.ram_limit && r->pa < a->o.ram_limit ?
		    a->o.ram_limit : r->pa, a->o.ram_limit);
	if ((r->user || r->w) && (nt = tables_in(a, r->pa, len, &t)) > 0) {
		/* User and writable is user-tables, unless only
		 * writable-tables was asked for. */
		if (r->user && audit_wanted(a, AUDIT_USER_TABLES))
			add(a, AUDIT_USER_TABLES, r->va, r->last, r->pa, "maps "
			    "page-table page 0x%" PRIx64 "%s user-accessible", t,
			    nt > 1 ? " (and more)" : "");
		else if (r->w)
			add(a, AUDIT_WRITABLE_TABLES, r->va, r->last, r->pa,
			    "maps page-table page 0x%" PRIx64 "%s writable", t,
			    nt > 1 ? " (and more)" : "");
	}
}

/* ---- aliases: one sweep over the ranges sorted by physical address ---- */

struct event {
	uint64_t pa;
	size_t idx;
	bool end;
};

static int
cmp_event(const void *x, const void *y)
{
	const struct event *a = x, *b = y;

	if (a->pa != b->pa)
		return a->pa < b->pa ? -1 : 1;
	return (int)b->end - (int)a->end;	/* ends first */
}

struct sweep {
	size_t *act, *pos;	/* the ranges covering the point, and where */
	size_t nact;
	unsigned nw, nx, nwx, nmt[8];
};

/* VA in range i of physical address pa. */
static uint64_t
va_of(const struct audit *a, size_t i, uint64_t pa)
{
	return a->r[i].va + (pa - a->r[i].pa);
}

/*
 * Name the conflicts on [pa, end) among the active ranges: a frame
 * writable at one address and executable at another (W^X undone), or
 * read-only at another (that protection undone), or with two memory
 * types.
 */
static void
conflicts(struct audit *a, const struct sweep *s, uint64_t pa, uint64_t end)
{
	size_t i, w = SIZE_MAX, o = SIZE_MAX, m1 = SIZE_MAX, m2 = SIZE_MAX;
	bool by_x = s->nw && s->nx && !(s->nw == 1 && s->nx == 1 &&
	    s->nwx == 1);
	bool by_ro = s->nw && s->nw < s->nact;
	unsigned types = 0, t;

	for (t = 0; t < 8; t++)
		types += s->nmt[t] != 0;
	if (!by_x && !by_ro && types < 2)
		return;
	for (i = 0; i < s->nact; i++) {
		size_t k = s->act[i];
		const struct arange *r = &a->r[k];

		if (r->w && (w == SIZE_MAX || !r->x))
			w = k;
		if (m1 == SIZE_MAX)
			m1 = k;
		else if (r->memtype != a->r[m1].memtype)
			m2 = k;
	}
	/* The other side: executable if any is, else read-only. */
	for (i = 0; i < s->nact && w != SIZE_MAX; i++) {
		size_t k = s->act[i];

		if (k != w && (a->r[k].x || (o == SIZE_MAX && !a->r[k].w)))
			o = k;
		if (o != SIZE_MAX && a->r[o].x)
			break;
	}
	if (w != SIZE_MAX && o != SIZE_MAX && (by_x || by_ro))
		add(a, AUDIT_ALIAS, va_of(a, w, pa), va_of(a, w, end - 1), pa,
		    "frame 0x%" PRIx64 "+0x%" PRIx64 " is writable here and "
		    "%s at 0x%" PRIx64, pa, end - pa, a->r[o].x ? "executable" :
		    "read-only", va_of(a, o, pa));
	if (m2 != SIZE_MAX)
		add(a, AUDIT_ALIAS_MEMTYPE, va_of(a, m1, pa),
		    va_of(a, m1, end - 1), pa, "frame 0x%" PRIx64 "+0x%" PRIx64
		    " is %s here and %s at 0x%" PRIx64 " (undefined behaviour, "
		    "SDM 11.12.4)", pa, end - pa, a->r[m1].mt, a->r[m2].mt,
		    va_of(a, m2, pa));
}

static void
sweep_update(struct sweep *s, const struct arange *r, size_t idx, bool end)
{
	int d = end ? -1 : 1;

	if (end) {
		size_t p = s->pos[idx], last = s->act[--s->nact];

		s->act[p] = last;
		s->pos[last] = p;
	} else {
		s->pos[idx] = s->nact;
		s->act[s->nact++] = idx;
	}
	s->nw += (unsigned)(r->w ? d : 0);
	s->nx += (unsigned)(r->x ? d : 0);
	s->nwx += (unsigned)(r->w && r->x ? d : 0);
	s->nmt[r->memtype & 7] += (unsigned)d;
}

static int
find_aliases(struct audit *a, struct pt_err *err)
{
	struct event *ev;
	struct sweep s = { 0 };
	size_t i, n = 2 * a->nr;

	if (a->nr < 2 || (!audit_wanted(a, AUDIT_ALIAS) &&
	    !audit_wanted(a, AUDIT_ALIAS_MEMTYPE)))
		return 0;
	ev = malloc(n * sizeof *ev);
	s.act = malloc(a->nr * sizeof *s.act);
	s.pos = malloc(a->nr * sizeof *s.pos);
	if (ev == NULL || s.act == NULL || s.pos == NULL) {
		free(ev);
		free(s.act);
		free(s.pos);
		return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
	}
	for (i = 0; i < a->nr; i++) {
		ev[2 * i] = (struct event){ a->r[i].pa, i, false };
		ev[2 * i + 1] = (struct event){ a->r[i].pa +
		    (a->r[i].last - a->r[i].va) + 1, i, true };
	}
	qsort(ev, n, sizeof *ev, cmp_event);
	for (i = 0; i < n; i++) {
		sweep_update(&s, &a->r[ev[i].idx], ev[i].idx, ev[i].end);
		/* The stretch up to the next event is covered alike. */
		if (i + 1 < n && ev[i + 1].pa > ev[i].pa && s.nact > 1)
			conflicts(a, &s, ev[i].pa, ev[i + 1].pa);
	}
	free(ev);
	free(s.act);
	free(s.pos);
	return 0;
}

static int
cmp_finding(const void *x, const void *y)
{
	const struct audit_finding *a = x, *b = y;

	if (a->va != b->va)
		return a->va < b->va ? -1 : 1;
	return (int)a->kind - (int)b->kind;
}

int
audit_finish(struct audit *a, struct pt_err *err)
{
	size_t i;

	if (a->oom)
		return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
	/* A table on several paths (a recursive slot) counts once. */
	walk_pages_finish(&a->tables);
	for (i = 0; i < a->nr; i++)
		check_range(a, &a->r[i]);
	if (find_aliases(a, err) < 0)
		return -1;
	if (a->oom)
		return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
	if (a->nf > 1)
		qsort(a->f, a->nf, sizeof *a->f, cmp_finding);
	a->sum.ranges = a->nr;
	a->sum.tables = a->tables.n;
	a->sum.recursive = a->nrec;
	return 0;
}

const struct audit_finding *
audit_findings(const struct audit *a, size_t *n)
{
	*n = a->nf;
	return a->f;
}

void
audit_summary(const struct audit *a, struct audit_summary *s)
{
	*s = a->sum;
}

const struct walk_note *
audit_recursive(const struct audit *a, unsigned i)
{
	return i < a->nrec ? &a->rec[i] : NULL;
}

uint64_t
audit_ram_limit(const struct audit *a)
{
	return a->o.ram_limit;
}
