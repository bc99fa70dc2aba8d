/* walk.c - page-table walker and table cache: see walk.h. */
#define _DEFAULT_SOURCE		/* MAP_ANONYMOUS, MAP_POPULATE */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "walk.h"

/* Physical address bits lo..maxphyaddr-1. */
/* ---- table cache --------------------------------------------------- */

struct cache_slot {
	uint64_t pa;
	uint64_t *entries;	/* NULL: empty slot */
};

/*
 * Pages come from slabs mapped (and faulted in) whole, and a flush hands
 * them all back at once: a big dump touches thousands of fresh pages,
 * and a page fault apiece costs more than reading them.  Slabs double,
 * from 32 pages to 256, so that a small guest's few dozen tables do not
 * fault in a megabyte.
 */
#define CACHE_SLAB_FIRST 32
#define CACHE_SLAB_MAX 256

/* The pages of slab i. */
static size_t
slab_pages(size_t i)
{
	return i >= 3 ? CACHE_SLAB_MAX : (size_t)CACHE_SLAB_FIRST << i;
}

struct walk_cache {
	struct cache_slot *slot;
	size_t nslots;		/* a power of two, at least 2 * pages held */
	size_t max_pages;
	const struct target *tgt;	/* whose pages these are ... */
	uint64_t gen;			/* ... and at which stop */
	struct walk_cache_stats st;

	uint64_t **slab;	/* room for max_pages, slab_pages(i) each */
	size_t nslab, max_slab;
	size_t cur, cur_used;	/* since the flush, pages handed out up to
				 * cur_used of slab cur */
	uint64_t *free_list;	/* pages given back; linked by word 0 */
	bool lazy;		/* the target reads as fast one at a time */
};

/* A page for the cache, or NULL when every slab page is out. */
static uint64_t *
page_alloc(struct walk_cache *c)
{
	uint64_t *p = c->free_list;

	if (p != NULL) {
		memcpy(&c->free_list, p, sizeof c->free_list);
		return p;
	}
	if (c->cur_used == slab_pages(c->cur)) {
		c->cur++;
		c->cur_used = 0;
	}
	if (c->cur == c->max_slab)
		return NULL;
	if (c->cur == c->nslab) {
		void *m = mmap(NULL, slab_pages(c->cur) * X86PT_PAGE_SIZE,
		    PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

		if (m == MAP_FAILED)
			return NULL;
		c->slab[c->nslab++] = m;
	}
	p = c->slab[c->cur] + c->cur_used * X86PT_ENTRIES;
	c->cur_used++;
	return p;
}

/* Give back a page that did not make it into the cache. */
static void
page_free(struct walk_cache *c, uint64_t *p)
{
	memcpy(p, &c->free_list, sizeof c->free_list);
	c->free_list = p;
}

/*
 * The slots start few and double as pages come: a dump of a small guest
 * touches a page or two of them, not the room for max_pages (each fresh
 * page a fault).
 */
#define CACHE_MIN_SLOTS 256

struct walk_cache *
walk_cache_new(size_t max_pages, struct pt_err *err)
{
	struct walk_cache *c;
	size_t n = CACHE_MIN_SLOTS;

	if (max_pages == 0)
		max_pages = WALK_CACHE_DEFAULT_PAGES;
	c = calloc(1, sizeof *c);
	if (c != NULL) {
		for (size_t room = 0; room < max_pages; c->max_slab++)
			room += slab_pages(c->max_slab);
		c->slot = calloc(n, sizeof *c->slot);
		c->slab = calloc(c->max_slab, sizeof *c->slab);
	}
	if (c == NULL || c->slot == NULL || c->slab == NULL) {
		if (c != NULL) {
			free(c->slot);
			free(c->slab);
		}
		free(c);
		pt_err_set(err, PT_EXIT_TARGET, "table cache: out of memory");
		return NULL;
	}
	c->nslots = n;
	c->max_pages = max_pages;
	return c;
}

void
walk_cache_flush(struct walk_cache *c)
{
	if (c->cur == 0 && c->cur_used == 0)
		return;
	memset(c->slot, 0, c->nslots * sizeof *c->slot);
	c->cur = c->cur_used = 0;
	c->free_list = NULL;
	if (c->st.pages == 0)
		return;
	c->st.pages = 0;
	c->st.flushes++;
}

void
walk_cache_free(struct walk_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nslab; i++)
		munmap(c->slab[i], slab_pages(i) * X86PT_PAGE_SIZE);
	free(c->slab);
	free(c->slot);
	free(c);
}

void
walk_cache_stats(const struct walk_cache *c, struct walk_cache_stats *out)
{
	*out = c->st;
}

/* The slot holding `pa`, or the empty slot where it belongs. */
static struct cache_slot *
cache_probe(struct walk_cache *c, uint64_t pa)
{
	/* Fibonacci hashing spreads the page numbers over the slots. */
	size_t i = (size_t)(((pa >> 12) * 0x9e3779b97f4a7c15ull) >> 32) &
	    (c->nslots - 1);

	/* At most half the slots are used, so an empty one comes. */
	while (c->slot[i].entries != NULL && c->slot[i].pa != pa)
		i = (i + 1) & (c->nslots - 1);
	return &c->slot[i];
}

/*
 * Room in the slots for `more` pages beyond those held: at most half the
 * slots in use.  false when that takes memory there is none of.
 */
static bool
cache_reserve(struct walk_cache *c, size_t more)
{
	size_t want = c->nslots, old = c->nslots;
	struct cache_slot *slot, *from = c->slot;

	while (want / 2 < c->st.pages + more)
		want *= 2;
	if (want == old)
		return true;
	if ((slot = calloc(want, sizeof *slot)) == NULL)
		return false;
	c->slot = slot;
	c->nslots = want;
	for (size_t i = 0; i < old; i++)
		if (from[i].entries != NULL)
			*cache_probe(c, from[i].pa) = from[i];
	free(from);
	return true;
}

/* Start over if the cache belongs to another target or stop. */
static void
cache_check_gen(struct walk_cache *c, struct target *t)
{
	if (c->tgt != t || c->gen != t->stop_gen) {
		walk_cache_flush(c);
		c->tgt = t;
		c->gen = t->stop_gen;
		c->lazy = false;
	}
}

/*
 * Keep the page read at `pa` (in slot s): `page` holds its bytes as the
 * guest has them and becomes the entries, in place.
 */
static uint64_t *
cache_insert(struct walk_cache *c, struct cache_slot *s, uint64_t pa,
    uint64_t *page)
{
	/* Guest entries are little-endian whatever the host is. */
	for (size_t i = 0; i < X86PT_ENTRIES; i++) {
		unsigned char b[8];

		memcpy(b, &page[i], 8);
		page[i] = (uint64_t)b[0] | (uint64_t)b[1] << 8 |
		    (uint64_t)b[2] << 16 | (uint64_t)b[3] << 24 |
		    (uint64_t)b[4] << 32 | (uint64_t)b[5] << 40 |
		    (uint64_t)b[6] << 48 | (uint64_t)b[7] << 56;
	}
	s->pa = pa;
	s->entries = page;
	c->st.pages++;
	return page;
}

int
walk_cache_table(struct walk_cache *c, struct target *t, uint64_t pa,
    const uint64_t **entries, struct pt_err *err)
{
	struct cache_slot *s;
	uint64_t *page;

	cache_check_gen(c, t);
	s = cache_probe(c, pa);
	if (s->entries != NULL) {
		c->st.hits++;
		*entries = s->entries;
		return 0;
	}
	if (c->st.pages >= c->max_pages || !cache_reserve(c, 1) ||
	    (page = page_alloc(c)) == NULL) {
		walk_cache_flush(c);
		if ((page = page_alloc(c)) == NULL)
			return pt_err_set(err, PT_EXIT_TARGET,
			    "table cache: out of memory");
	}
	s = cache_probe(c, pa);	/* the slots may have moved */
	c->st.reads++;
	if (t->ops->read_phys(t->ctx, pa, page, X86PT_PAGE_SIZE, err) < 0) {
		page_free(c, page);
		return pt_err_wrap(err, "reading the table at 0x%llx",
		    (unsigned long long)pa);
	}
	*entries = cache_insert(c, s, pa, page);
	return 0;
}

size_t
walk_cache_room(const struct walk_cache *c)
{
	return c->lazy ? 0 : c->max_pages - c->st.pages;
}

int
walk_cache_prefetch(struct walk_cache *c, struct target *t,
    const uint64_t *pa, size_t n, struct pt_err *err)
{
	struct target_read *r;
	size_t k = 0, room;
	int rc = 0;

	if (t->ops->read_phys_many == NULL || n == 0)
		return 0;
	cache_check_gen(c, t);
	if (c->lazy)
		return 0;
	room = c->max_pages - c->st.pages;
	if (n > room)
		n = room;
	if (!cache_reserve(c, n) ||
	    (r = calloc(n > 0 ? n : 1, sizeof *r)) == NULL)
		return 0;	/* a hint only: the walk reads them itself */
	for (size_t i = 0; i < n; i++) {
		if (cache_probe(c, pa[i])->entries != NULL)
			continue;
		if ((r[k].buf = page_alloc(c)) == NULL)
			break;
		r[k].pa = pa[i];
		r[k].len = X86PT_PAGE_SIZE;
		k++;
	}
	if (k > 0 && t->ops->read_phys_many(t->ctx, r, k, err) < 0)
		rc = -1;
	/* All left for read_phys: no use asking again until the next stop. */
	c->lazy = rc == 0 && k > 0;
	for (size_t i = 0; i < k && c->lazy; i++)
		c->lazy = r[i].rc == 1;
	for (size_t i = 0; i < k; i++) {
		struct cache_slot *s = cache_probe(c, r[i].pa);

		/* A repeat in `pa` was filled by its first copy. */
		if (rc < 0 || r[i].rc != 0 || s->entries != NULL) {
			page_free(c, r[i].buf);
			continue;
		}
		c->st.reads++;
		cache_insert(c, s, r[i].pa, r[i].buf);
	}
	free(r);
	return rc;
}

/* ---- walker -------------------------------------------------------- */

void
walk_ctx_init(struct walk_ctx *w, struct target *t, struct walk_cache *c,
    const struct x86pt_ctx *pt, uint64_t cr3)
{
	memset(w, 0, sizeof *w);
	w->tgt = t;
	w->cache = c;
	w->pt = *pt;
	w->cr3 = cr3;
	w->max_entries = WALK_DEFAULT_MAX_ENTRIES;
	w->max_tables = WALK_DEFAULT_MAX_TABLES;
}

int
walk_ctx_load(struct walk_ctx *w, struct target *t, struct walk_cache *c,
    struct pt_err *err)
{
	static const char *const name[] = { "cr0", "cr3", "cr4", "efer" };
	uint64_t v[4];
	struct x86pt_ctx pt;

	for (size_t i = 0; i < 4; i++)
		if (t->ops->read_reg(t->ctx, name[i], &v[i], err) < 0)
			return pt_err_wrap(err, "reading %s", name[i]);
	x86pt_ctx_init(&pt, v[0], v[2], v[3]);
	walk_ctx_init(w, t, c, &pt, v[1]);
	return 0;
}

int
walk_check_mode(enum x86pt_mode mode, struct pt_err *err)
{
	if (mode == X86PT_MODE_NONE)
		return pt_err_set(err, PT_EXIT_TARGET,
		    "paging is off (CR0.PG clear): virtual addresses are "
		    "physical");
	if (x86pt_mode_levels(mode) == 0)
		return pt_err_set(err, PT_EXIT_TARGET, "unknown paging mode");
	return 0;
}

/* The level of the table CR3 points to. */
static enum x86pt_level
top_level(const struct walk_ctx *w)
{
	return (enum x86pt_level)x86pt_mode_levels(w->pt.mode);
}

/*
 * The entries of the table at `table`, of `level`, as 64-bit values in
 * *out: the cached page itself, or `copy` (room for X86PT_MAX_ENTRIES)
 * when `keep` asks for entries that outlive the next cache call, or when
 * 32-bit paging's 4-byte entries are widened.  PAE's top table is 32
 * bytes inside its page.  Returns 0, or -1 with `err` set.
 */
static int
table_entries(struct walk_ctx *w, enum x86pt_level level, uint64_t table,
    uint64_t *copy, bool keep, const uint64_t **out, struct pt_err *err)
{
	unsigned n = x86pt_entries(w->pt.mode, level);
	const uint64_t *page;

	if (walk_cache_table(w->cache, w->tgt, table & ~0xfffull, &page,
	    err) < 0)
		return -1;
	if (x86pt_entry_size(w->pt.mode) == 4) {
		for (unsigned i = 0; i < n / 2; i++) {
			copy[2 * i] = page[i] & 0xffffffffull;
			copy[2 * i + 1] = page[i] >> 32;
		}
		*out = copy;
		return 0;
	}
	page += (table & 0xfffu) / 8u;
	if (keep) {
		memcpy(copy, page, n * sizeof *copy);
		page = copy;
	}
	*out = page;
	return 0;
}

/* The top table from CR3, or -1 with `err` set if it lies past RAM. */
static int
root_table(const struct walk_ctx *w, uint64_t *root, struct pt_err *err)
{
	*root = x86pt_root(w->pt.mode, w->cr3, w->pt.maxphyaddr);
	if (w->ram_limit != 0 && *root >= w->ram_limit)
		return pt_err_set(err, PT_EXIT_TARGET,
		    "CR3 0x%llx points past the end of RAM (0x%llx)",
		    (unsigned long long)w->cr3,
		    (unsigned long long)w->ram_limit);
	return 0;
}

/* One walk_range() call. */
struct run {
	struct walk_ctx *w;
	walk_leaf_fn cb;
	void *cookie;
	struct pt_err *err;
	uint64_t start, last;
	enum x86pt_level top;
	uint64_t max_entries, max_tables;
	uint64_t path[X86PT_L5 + 1];	/* path[L]: the table at level L */
	bool ahead;		/* prefetch_levels asked for every table */
};

/* Map a callback's answer: 0 go on, WALK_STOP, or -1 with err set. */
static int
cb_result(struct run *r, int rc)
{
	if (rc == 0)
		return 0;
	if (rc > 0) {
		r->w->stats.stopped = true;
		return WALK_STOP;
	}
	if (r->err != NULL && r->err->msg[0] == '\0')
		pt_err_set(r->err, PT_EXIT_TARGET, "walk: output failed");
	return -1;
}

static int
note(struct run *r, enum walk_note_kind kind, enum x86pt_level level,
    uint64_t va, uint64_t entry_pa, const struct x86pt_entry *e)
{
	struct walk_note n = {
		.kind = kind, .level = level, .va = va,
		.size = 1ull << x86pt_shift(r->w->pt.mode, level),
		.entry_pa = entry_pa,
		.raw = e != NULL ? e->raw : 0,
		.rsvd = e != NULL ? e->rsvd : 0,
		.table_pa = e != NULL && !e->is_leaf ? e->addr : 0,
	};

	r->w->stats.notes++;
	if (r->w->note == NULL)
		return 0;
	return cb_result(r, r->w->note(r->cookie, &n));
}

/* Did the caller ask to stop?  Remembered, so the sink can say why. */
static bool
cancelled(struct walk_ctx *w)
{
	if (w->cancel == NULL || !w->cancel(w->cancel_ctx))
		return false;
	w->stats.cancelled = true;
	return true;
}

/* A budget ran out at `va` (or `cancel` said so): record where and
 * why, tell the sink, stop. */
static int
truncate_at(struct run *r, enum walk_budget budget, enum x86pt_level level,
    uint64_t va, uint64_t entry_pa)
{
	int rc;

	if (va < r->start)
		va = r->start;
	r->w->stats.truncated = true;
	r->w->stats.resume_va = va;
	if (!r->w->stats.cancelled)
		r->w->stats.budget = budget;
	rc = note(r, WALK_NOTE_TRUNCATED, level, va, entry_pa, NULL);
	return rc < 0 ? -1 : WALK_STOP;
}

/*
 * The walk failed (a read, a sink) at `va`: the first address it leaves
 * unwalked, for the sink to say.  The innermost failure comes first and
 * is kept.  Returns -1.
 */
static int
fail_at(struct run *r, uint64_t va)
{
	struct walk_stats *st = &r->w->stats;

	if (!st->failed) {
		st->failed = st->truncated = true;
		st->resume_va = va < r->start ? r->start : va;
	}
	return -1;
}

const char *
walk_budget_option(const struct walk_stats *st)
{
	return st->budget == WALK_BUDGET_TABLES ? "--max-tables" :
	    "--max-entries";
}

const char *
walk_cut_why(const struct walk_stats *st)
{
	if (st->cancelled)
		return "interrupted";
	return st->budget == WALK_BUDGET_TABLES ? "raise --max-tables" :
	    "raise --max-entries";
}

/* What the path above a table carries down into it. */
struct path_state {
	struct x86pt_eff eff;
	uint64_t rsvd;
	unsigned rsvd_level;
	bool accessed;		/* A=1 at every level so far */
};

static int walk_table(struct run *r, enum x86pt_level level,
    uint64_t table, uint64_t base, const struct path_state *above);

/* A leaf for the sink: the budget first, and `cancel` every 64 leaves
 * (a call through a pointer, a leaf's largest cost after the sink's). */
static int
give_leaf(struct run *r, const struct walk_leaf *leaf)
{
	struct walk_ctx *w = r->w;

	if (w->stats.leaves >= r->max_entries ||
	    (w->stats.leaves % 64 == 0 && cancelled(w)))
		return truncate_at(r, WALK_BUDGET_ENTRIES, leaf->level,
		    leaf->va, leaf->entry_pa);
	w->stats.leaves++;
	return cb_result(r, r->cb(r->cookie, leaf));
}

/*
 * One present entry of a table at `level`, covering `va`.  A leaf given
 * to the sink is also left in *out.
 */
static int
walk_entry(struct run *r, const struct x86pt_entry *e, uint64_t va,
    uint64_t entry_pa, const struct path_state *above, struct walk_leaf *out)
{
	struct walk_ctx *w = r->w;
	enum x86pt_level level = e->level;
	struct path_state ps = *above;
	int rc;

	x86pt_eff_add(&ps.eff, &w->pt, e);
	if (x86pt_level_has_rights(w->pt.mode, level))
		ps.accessed = ps.accessed && (e->flags & X86PT_F_A);
	if (e->rsvd != 0) {
		ps.rsvd |= e->rsvd;
		if (ps.rsvd_level == 0)
			ps.rsvd_level = level;
		if ((rc = note(r, WALK_NOTE_RSVD, level, va, entry_pa, e)) != 0)
			return rc;
	}
	if (!e->is_leaf) {
		if (w->ram_limit != 0 && e->addr >= w->ram_limit)
			return note(r, WALK_NOTE_PAST_RAM, level, va, entry_pa, e);
		if (w->stats.tables >= r->max_tables || cancelled(w))
			return truncate_at(r, WALK_BUDGET_TABLES, level, va,
			    entry_pa);
		for (unsigned l = level; l <= r->top; l++) {
			if (r->path[l] != e->addr)
				continue;
			if ((rc = note(r, WALK_NOTE_RECURSIVE, level, va,
			    entry_pa, e)) != 0)
				return rc;
			break;
		}
		return walk_table(r, level - 1, e->addr, va, &ps);
	}

	*out = (struct walk_leaf){
		.va = va, .page_size = e->page_size, .level = level,
		.raw = e->raw, .entry_pa = entry_pa, .pa = e->addr,
		.flags = e->flags, .pkey = e->pkey, .memtype = e->memtype,
		.memtype_name = e->memtype_name, .eff = ps.eff,
		.rsvd = ps.rsvd, .rsvd_level = ps.rsvd_level, .entry = e,
		.accessed = ps.accessed,
	};
	return give_leaf(r, out);
}

/* A table to fetch: where it is and the first address it maps. */
struct table_at {
	uint64_t pa, base;
};

/*
 * The first address that entry `i` of a table at `level` maps, the
 * table's first being `base`, its entries spanning 1 << `shift` bytes
 * (at the top, where long mode's addresses are sign-extended, `base` is
 * ignored).  Inline: the walk asks once per entry.
 */
static inline uint64_t
entry_va(const struct run *r, enum x86pt_level level, unsigned shift,
    uint64_t base, unsigned i)
{
	if (level == r->top)
		return x86pt_canonical((uint64_t)i << shift, r->w->pt.la57);
	return base + ((uint64_t)i << shift);
}

/*
 * The tables below the one at `level` holding `ent` (first address
 * `base`) that the walk will visit, from entry `from` on, within the
 * range: appended to out[*n] (room for X86PT_MAX_ENTRIES more).
 * Neighbours often share a table (aliases, a recursive slot): those
 * count once.
 */
static void
children(const struct run *r, enum x86pt_level level, uint64_t base,
    const uint64_t *ent, unsigned from, struct table_at *out, size_t *n)
{
	const struct walk_ctx *w = r->w;
	unsigned shift = x86pt_shift(w->pt.mode, level);
	uint64_t span = 1ull << shift;
	unsigned nent = x86pt_entries(w->pt.mode, level);
	size_t first = *n;

	for (unsigned i = from; i < nent; i++) {
		uint64_t va = entry_va(r, level, shift, base, i), pa;

		if (va > r->last)
			break;
		if (va + (span - 1) < r->start || !(ent[i] & X86PT_E_P) ||
		    !x86pt_table_below(&w->pt, level, ent[i], &pa))
			continue;
		if ((w->ram_limit != 0 && pa >= w->ram_limit) ||
		    (*n > first && out[*n - 1].pa == pa))
			continue;
		out[(*n)++] = (struct table_at){ pa, va };
	}
}

/* The first entry of a table (of `level`, at `base`) in the range. */
static unsigned
first_index(const struct run *r, enum x86pt_level level, uint64_t base)
{
	if (level != r->top && r->start > base)
		return (unsigned)((r->start - base) >>
		    x86pt_shift(r->w->pt.mode, level));
	return 0;
}

/* Fetch the tables of `list` into the cache in one batch. */
static int
fetch(struct run *r, const struct table_at *list, size_t n)
{
	uint64_t *pa = malloc((n > 0 ? n : 1) * sizeof *pa);
	int rc;

	if (pa == NULL)
		return 0;	/* a hint only: the walk reads them itself */
	/* PAE's top table is 32 bytes of its page. */
	for (size_t i = 0; i < n; i++)
		pa[i] = list[i].pa & ~0xfffull;
	rc = walk_cache_prefetch(r->w->cache, r->w->tgt, pa, n, r->err);
	free(pa);
	return rc;
}

/*
 * Ask for all the tables below this one that the walk will visit, in
 * one batch: over a gdbstub that keeps requests in flight, a round trip
 * each costs far more than this.
 */
static int
prefetch(struct run *r, enum x86pt_level level, uint64_t base,
    const uint64_t *ent, unsigned from)
{
	struct table_at kids[X86PT_MAX_ENTRIES];
	size_t n = 0;

	/* No decoding for nothing: every table was asked for already, or
	 * the cache takes no more now. */
	if (r->ahead || r->w->tgt->ops->read_phys_many == NULL ||
	    walk_cache_room(r->w->cache) == 0)
		return 0;
	children(r, level, base, ent, from, kids, &n);
	return fetch(r, kids, n);
}

/* Sort by address, for dropping repeats. */
static int
by_pa(const void *a, const void *b)
{
	const struct table_at *x = a, *y = b;

	return (x->pa > y->pa) - (x->pa < y->pa);
}

/*
 * Before the walk, fetch the tables a level at a time: every table of a
 * level in one batch, so that a walk costs a batch per level rather than
 * one per table.  Stops where the next level would not fit in the cache
 * (the walk then asks table by table) or when the target reads as fast
 * one at a time.
 */
static int
prefetch_levels(struct run *r, uint64_t root)
{
	struct walk_ctx *w = r->w;
	struct table_at *cur, *next = NULL, *grown;
	uint64_t copy[X86PT_MAX_ENTRIES];
	size_t ncur = 1, nnext, cap;
	enum x86pt_level level = r->top;
	int rc = 0;

	if (w->tgt->ops->read_phys_many == NULL ||
	    (cur = malloc(sizeof *cur)) == NULL)
		return 0;
	cur[0] = (struct table_at){ root, 0 };
	/* The root too: its two requests go out together. */
	rc = fetch(r, cur, 1);
	for (; level > X86PT_L1 && rc == 0; level--) {
		nnext = cap = 0;
		next = NULL;
		for (size_t i = 0; i < ncur && rc == 0; i++) {
			const uint64_t *ent;

			if (nnext + X86PT_MAX_ENTRIES > cap) {
				cap = 2 * cap + X86PT_MAX_ENTRIES;
				if ((grown = realloc(next, cap * sizeof *next))
				    == NULL)
					break;
				next = grown;
			}
			rc = table_entries(w, level, cur[i].pa, copy, false,
			    &ent, r->err);
			if (rc == 0)
				children(r, level, cur[i].base, ent,
				    first_index(r, level, cur[i].base), next,
				    &nnext);
		}
		free(cur);
		cur = next;
		ncur = 0;
		/* Recursive slots bring a table back at the next level. */
		if (cur != NULL)
			qsort(cur, nnext, sizeof *cur, by_pa);
		for (size_t i = 0; i < nnext; i++)
			if (ncur == 0 || cur[ncur - 1].pa != cur[i].pa)
				cur[ncur++] = cur[i];
		if (rc < 0 || ncur == 0 || ncur > walk_cache_room(w->cache))
			break;	/* the walk asks table by table from here */
		rc = fetch(r, cur, ncur);
	}
	/* All asked for, down to the last level or to no table at all (a
	 * table not read comes later, alone, when the walk wants it). */
	r->ahead = rc == 0 && (level == X86PT_L1 || ncur == 0);
	free(cur);
	return rc;
}

/*
 * Walk the table at `table`, of `level`, whose first entry covers `base`
 * (ignored at the top, where addresses are sign-extended).  Returns 0,
 * WALK_STOP or -1.
 */
static int
walk_table(struct run *r, enum x86pt_level level, uint64_t table,
    uint64_t base, const struct path_state *above)
{
	struct walk_ctx *w = r->w;
	uint64_t copy[X86PT_MAX_ENTRIES];
	unsigned shift = x86pt_shift(w->pt.mode, level);
	uint64_t span = 1ull << shift;
	unsigned nent = x86pt_entries(w->pt.mode, level);
	unsigned esize = x86pt_entry_size(w->pt.mode);
	const uint64_t *ent;
	/* Frame address bits: 12 up to MAXPHYADDR. */
	uint64_t frame = ((1ull << w->pt.maxphyaddr) - 1) & ~0xfffull;
	struct x86pt_entry last = { .present = false };
	struct walk_leaf leaf;
	bool again = false;	/* `leaf` is last's, and so is the next one */
	unsigned i = 0;
	int rc;

	w->stats.tables++;
	if (w->tables && w->note != NULL) {
		struct walk_note n = { .kind = WALK_NOTE_TABLE, .level = level,
		    .va = base, .size = span * nent,
		    .entry_pa = table, .table_pa = table };

		if ((rc = cb_result(r, w->note(r->cookie, &n))) != 0)
			return rc;
	}
	/* Walking the subtables may evict this page: above the last level
	 * the walk works on a copy. */
	if (table_entries(w, level, table, copy, level > X86PT_L1, &ent,
	    r->err) < 0)
		return fail_at(r, level == r->top ? r->start : base);
	r->path[level] = table & ~0xfffull;	/* PAE's root is in its page */

	i = first_index(r, level, base);
	if (level > X86PT_L1 && prefetch(r, level, base, ent, i) < 0)
		return fail_at(r, level == r->top ? r->start : base);
	for (; i < nent; i++) {
		uint64_t va = entry_va(r, level, shift, base, i);
		uint64_t entry_pa = table + (uint64_t)esize * i;
		struct x86pt_entry e;

		if (va > r->last)
			break;
		if (va + (span - 1) < r->start)
			continue;
		if (!(ent[i] & X86PT_E_P)) {
			if (w->holes) {
				e = x86pt_decode(&w->pt, level, ent[i]);
				rc = note(r, WALK_NOTE_HOLE, level, va,
				    entry_pa, &e);
				if (rc != 0)
					return rc < 0 ? fail_at(r, va) : rc;
			}
			continue;
		}
		/*
		 * Decoding is table-driven and neighbours usually differ
		 * only in the frame: a 4 KiB page or a table whose other
		 * bits equal the last entry's decodes the same.  (A large
		 * page keeps reserved bits among the frame's.)
		 */
		if (last.present && ((ent[i] ^ last.raw) & ~frame) == 0 &&
		    (level == X86PT_L1 || !last.is_leaf)) {
			last.raw = ent[i];
			last.addr = ent[i] & frame;
		} else {
			last = x86pt_decode(&w->pt, level, ent[i]);
			again = false;
		}
		/*
		 * A 4 KiB page like the last one but for its frame: the same
		 * leaf, at another address.  (Reserved bits make notes, and
		 * are never taken this way.)  Most of a big dump's leaves.
		 */
		if (again) {
			leaf.va = va;
			leaf.raw = last.raw;
			leaf.entry_pa = entry_pa;
			leaf.pa = last.addr;
			rc = give_leaf(r, &leaf);
		} else {
			rc = walk_entry(r, &last, va, entry_pa, above, &leaf);
			again = rc == 0 && last.is_leaf && last.rsvd == 0 &&
			    level == X86PT_L1;
		}
		if (rc != 0)
			return rc < 0 ? fail_at(r, va) : rc;
	}
	return 0;
}

int
walk_range(struct walk_ctx *w, uint64_t va_start, uint64_t va_last,
    walk_leaf_fn cb, void *cookie, struct pt_err *err)
{
	struct run r = {
		.w = w, .cb = cb, .cookie = cookie, .err = err,
		.start = va_start, .last = va_last,
	};
	struct path_state top = { .rsvd = 0, .accessed = true };
	uint64_t root;

	if (err != NULL)
		pt_err_clear(err);
	memset(&w->stats, 0, sizeof w->stats);
	/* Without long mode, linear addresses end at 4 GiB. */
	if (va_last > x86pt_va_max(w->pt.mode))
		r.last = va_last = x86pt_va_max(w->pt.mode);
	if (va_start > va_last)
		return walk_check_mode(w->pt.mode, err);
	if (walk_check_mode(w->pt.mode, err) < 0 || root_table(w, &root, err) < 0)
		return fail_at(&r, va_start);
	x86pt_eff_init(&top.eff);
	r.max_entries = w->max_entries != 0 ? w->max_entries :
	    WALK_DEFAULT_MAX_ENTRIES;
	r.max_tables = w->max_tables != 0 ? w->max_tables :
	    WALK_DEFAULT_MAX_TABLES;
	r.top = top_level(w);
	if (prefetch_levels(&r, root) < 0)
		return fail_at(&r, va_start);
	return walk_table(&r, r.top, root, 0, &top) < 0 ? -1 : 0;
}

const char *
walk_stop_name(enum walk_stop stop)
{
	switch (stop) {
	case WALK_OK:		return "translated";
	case WALK_NONCANONICAL:	return "non-canonical address";
	case WALK_NOT_PRESENT:	return "not present";
	case WALK_RESERVED:	return "reserved bits set";
	case WALK_PAST_RAM:	return "table past the end of RAM";
	}
	return "?";
}

bool
walk_trace_past_4g(const struct walk_trace *t)
{
	return t->stop == WALK_NONCANONICAL &&
	    x86pt_va_max(t->mode) == 0xffffffffull;
}

const char *
walk_trace_result(const struct walk_trace *t)
{
	return walk_trace_past_4g(t) ? "past 4 GiB" : walk_stop_name(t->stop);
}

int
walk_va(struct walk_ctx *w, uint64_t va, struct walk_trace *out,
    struct pt_err *err)
{
	uint64_t table, copy[X86PT_MAX_ENTRIES];

	memset(out, 0, sizeof *out);
	out->va = va;
	out->mode = w->pt.mode;
	x86pt_eff_init(&out->eff);
	if (walk_check_mode(w->pt.mode, err) < 0 || root_table(w, &table, err) < 0)
		return -1;
	out->root = table;
	if (!x86pt_is_canonical(va, w->pt.la57) ||
	    va > x86pt_va_max(w->pt.mode)) {
		out->stop = WALK_NONCANONICAL;
		return 0;
	}
	for (unsigned level = top_level(w); level >= X86PT_L1; level--) {
		struct walk_step *s = &out->step[out->nsteps++];
		const uint64_t *ent;

		if (table_entries(w, level, table, copy, false, &ent, err) < 0)
			return -1;
		s->level = level;
		s->index = x86pt_index(w->pt.mode, va, level);
		s->table_pa = table;
		s->entry_pa = table +
		    (uint64_t)x86pt_entry_size(w->pt.mode) * s->index;
		s->e = x86pt_decode(&w->pt, level, ent[s->index]);
		out->stop_level = level;
		if (!s->e.present) {
			out->stop = WALK_NOT_PRESENT;
			return 0;
		}
		x86pt_eff_add(&out->eff, &w->pt, &s->e);
		if (s->e.rsvd != 0) {
			out->stop = WALK_RESERVED;
			return 0;
		}
		if (s->e.is_leaf) {
			out->stop = WALK_OK;
			out->page_size = s->e.page_size;
			out->pa = s->e.addr | (va & (s->e.page_size - 1));
			return 0;
		}
		for (unsigned k = 0; k < out->nsteps; k++)
			if ((out->step[k].table_pa & ~0xfffull) == s->e.addr)
				s->recursive = true;
		if (w->ram_limit != 0 && s->e.addr >= w->ram_limit) {
			out->stop = WALK_PAST_RAM;
			return 0;
		}
		table = s->e.addr;
	}
	/* Not reached: a PTE is always a leaf. */
	return pt_err_set(err, PT_EXIT_TARGET, "walk: no leaf below 0x%llx",
	    (unsigned long long)va);
}

/* ---- a set of table pages ------------------------------------------ */

int
walk_pages_add(struct walk_pages *s, uint64_t pa)
{
	uint64_t *p;

	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;

		if ((s->max != 0 && s->n >= s->max) ||
		    (p = realloc(s->pa, cap * sizeof *p)) == NULL) {
			s->capped = true;
			return -1;
		}
		s->pa = p;
		s->cap = cap;
	}
	s->pa[s->n++] = pa;
	return 0;
}

static int
cmp_pa(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

void
walk_pages_finish(struct walk_pages *s)
{
	size_t i, u = 0;

	if (s->n > 1)
		qsort(s->pa, s->n, sizeof *s->pa, cmp_pa);
	for (i = 0; i < s->n; i++)
		if (u == 0 || s->pa[i] != s->pa[u - 1])
			s->pa[u++] = s->pa[i];
	s->n = u;
}

void
walk_pages_free(struct walk_pages *s)
{
	free(s->pa);
	memset(s, 0, sizeof *s);
}
