/*
 * Unit tests for walk.c: walking tables laid out in a byte array that
 * stands in for guest memory (reads past its end return zeros, as
 * QEMU's do).  Expected leaves are worked out by hand from the layouts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "walk.h"

#include "fake_target.c"

#define MEM_SIZE	0x20000u
#define CR0_LONG	(X86PT_CR0_PG | X86PT_CR0_WP | 1)
#define CR4_LONG	X86PT_CR4_PAE
#define EFER_LONG	(X86PT_EFER_LME | X86PT_EFER_LMA | X86PT_EFER_NXE)

/* Tables of the layouts below. */
#define PML4	0x1000u
#define PDPT	0x2000u
#define PD	0x3000u
#define PT	0x4000u
#define PDPT_HI	0x5000u
#define PML5	0x6000u
#define PML4_HI	0x7000u
#define PDPT_57	0x8000u

#define KiB4	0x1000ull
#define MiB2	0x200000ull
#define GiB1	0x40000000ull

struct fake {
	struct fake_target ft;
	struct walk_cache *cache;
	struct walk_ctx w;
	struct pt_err err;
};

/* (Re)initialise the walker with these registers. */
static void
setup_walk(struct fake *f, uint64_t cr0, uint64_t cr4, uint64_t efer,
    uint64_t cr3)
{
	struct x86pt_ctx pt;

	x86pt_ctx_init(&pt, cr0, cr4, efer);
	walk_ctx_init(&f->w, &f->ft.tgt, f->cache, &pt, cr3);
}

static int
setup(void **state)
{
	struct fake *f = calloc(1, sizeof *f);

	if (f == NULL || fake_init(&f->ft, MEM_SIZE) < 0 ||
	    (f->cache = walk_cache_new(0, &f->err)) == NULL)
		return -1;
	setup_walk(f, CR0_LONG, CR4_LONG, EFER_LONG, PML4);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fake *f = *state;

	walk_cache_free(f->cache);
	fake_free(&f->ft);
	free(f);
	return 0;
}

/*
 * The basic layout:
 *   PML4[0]   -> PDPT            P RW US
 *   PDPT[0]   -> PD              P RW US
 *   PDPT[1]   1 GiB @0x80000000  P RW US PS       va 0x40000000
 *   PD[0]     -> PT              P RW US
 *   PD[1]     2 MiB @0x200000    P RW PS          va 0x200000
 *   PT[1]     4 KiB @0x100000    P RW             va 0x1000
 *   PT[2]     4 KiB @0x101000    P NX             va 0x2000
 *   PML4[511] -> PDPT_HI         P RW
 *   PDPT_HI[510] 1 GiB @0        P RW PS G        va 0xffffffff80000000
 */
static void
basic_layout(struct fake *f)
{
	fake_put(&f->ft, PML4, 0, PDPT | 0x7);
	fake_put(&f->ft, PDPT, 0, PD | 0x7);
	fake_put(&f->ft, PDPT, 1, 0x80000000 | 0x87);
	fake_put(&f->ft, PD, 0, PT | 0x7);
	fake_put(&f->ft, PD, 1, 0x200000 | 0x83);
	fake_put(&f->ft, PT, 1, 0x100000 | 0x3);
	fake_put(&f->ft, PT, 2, 0x8000000000101001ull);
	fake_put(&f->ft, PML4, 511, PDPT_HI | 0x3);
	fake_put(&f->ft, PDPT_HI, 510, 0x183);
}

/* ---- a sink that records what it is told ---------------------------- */

#define LOG_MAX 64

struct event {
	bool is_note;
	struct walk_leaf leaf;
	struct walk_note note;
};

struct log {
	struct event ev[LOG_MAX];
	size_t nev;
	uint64_t leaves;
	uint64_t notes[WALK_NOTE_TRUNCATED + 1];
	struct walk_note last_note[WALK_NOTE_TRUNCATED + 1];
	uint64_t hole_l4;
	uint64_t last_va;
	bool ascending;
	uint64_t stop_after;	/* WALK_STOP after this many leaves */
	bool fail_leaf, fail_note;
};

static void
log_init(struct log *g)
{
	memset(g, 0, sizeof *g);
	g->ascending = true;
}

static int
log_leaf(void *cookie, const struct walk_leaf *l)
{
	struct log *g = cookie;

	if (g->leaves > 0 && l->va <= g->last_va)
		g->ascending = false;
	g->last_va = l->va;
	if (g->nev < LOG_MAX) {
		g->ev[g->nev].is_note = false;
		g->ev[g->nev].leaf = *l;
		g->ev[g->nev].leaf.entry = NULL;	/* valid during the call */
		g->nev++;
	}
	g->leaves++;
	if (g->fail_leaf)
		return -1;
	if (g->stop_after != 0 && g->leaves >= g->stop_after)
		return WALK_STOP;
	return 0;
}

static int
log_note(void *cookie, const struct walk_note *n)
{
	struct log *g = cookie;

	g->notes[n->kind]++;
	g->last_note[n->kind] = *n;
	if (n->kind == WALK_NOTE_HOLE && n->level == X86PT_L4)
		g->hole_l4++;
	if (g->nev < LOG_MAX) {
		g->ev[g->nev].is_note = true;
		g->ev[g->nev].note = *n;
		g->nev++;
	}
	return g->fail_note ? -1 : 0;
}

static int
walk_all(struct fake *f, struct log *g)
{
	log_init(g);
	f->w.note = log_note;
	return walk_range(&f->w, 0, ~0ull, log_leaf, g, &f->err);
}

/* The n-th leaf event (notes skipped). */
static const struct walk_leaf *
nth_leaf(const struct log *g, size_t n)
{
	for (size_t i = 0; i < g->nev; i++)
		if (!g->ev[i].is_note && n-- == 0)
			return &g->ev[i].leaf;
	fail_msg("no leaf #%zu", n);
	return NULL;
}

static const struct walk_note *
nth_note(const struct log *g, enum walk_note_kind kind, size_t n)
{
	for (size_t i = 0; i < g->nev; i++)
		if (g->ev[i].is_note && g->ev[i].note.kind == kind && n-- == 0)
			return &g->ev[i].note;
	fail_msg("no note #%zu of kind %d", n, (int)kind);
	return NULL;
}

static void
assert_leaf(const struct walk_leaf *l, uint64_t va, uint64_t pa,
    enum x86pt_level level, uint64_t entry_pa)
{
	assert_int_equal(l->va, va);
	assert_int_equal(l->pa, pa);
	assert_int_equal(l->level, level);
	assert_int_equal(l->page_size, X86PT_SPAN(level));
	assert_int_equal(l->entry_pa, entry_pa);
}

static void
assert_flag_names(uint32_t flags, const char *want)
{
	char buf[128];

	x86pt_format_flags(flags, buf, sizeof buf);
	assert_string_equal(buf, want);
}

/* ---- tests ---------------------------------------------------------- */

static void
test_pages_of_every_size(void **state)
{
	struct fake *f = *state;
	const struct walk_leaf *l;
	struct log g;

	basic_layout(f);
	assert_int_equal(walk_all(f, &g), 0);
	assert_int_equal(g.leaves, 5);
	assert_true(g.ascending);

	l = nth_leaf(&g, 0);
	assert_leaf(l, 0x1000, 0x100000, X86PT_L1, PT + 8);
	assert_int_equal(l->raw, 0x100003);
	assert_flag_names(l->flags, "P RW");
	assert_true(l->eff.write);
	assert_false(l->eff.user);	/* the PTE lacks US */
	assert_true(l->eff.exec);
	assert_string_equal(l->memtype_name, "WB");
	assert_int_equal(l->rsvd, 0);
	assert_int_equal(l->rsvd_level, 0);

	l = nth_leaf(&g, 1);
	assert_leaf(l, 0x2000, 0x101000, X86PT_L1, PT + 16);
	assert_flag_names(l->flags, "P NX");
	assert_false(l->eff.write);
	assert_false(l->eff.exec);

	l = nth_leaf(&g, 2);
	assert_leaf(l, 0x200000, 0x200000, X86PT_L2, PD + 8);
	assert_flag_names(l->flags, "P RW PS");
	assert_true(l->eff.write);
	assert_false(l->eff.user);
	assert_true(l->eff.exec);

	l = nth_leaf(&g, 3);
	assert_leaf(l, 0x40000000, 0x80000000, X86PT_L3, PDPT + 8);
	assert_flag_names(l->flags, "P RW US PS");
	assert_true(l->eff.write && l->eff.user && l->eff.exec);

	l = nth_leaf(&g, 4);
	assert_leaf(l, 0xffffffff80000000ull, 0, X86PT_L3, PDPT_HI + 510 * 8);
	assert_flag_names(l->flags, "P RW PS G");
	assert_false(l->eff.user);	/* PML4[511] lacks US */

	assert_int_equal(f->w.stats.leaves, 5);
	assert_int_equal(f->w.stats.tables, 5);
	assert_false(f->w.stats.truncated);
	assert_false(f->w.stats.stopped);
	assert_int_equal(f->w.stats.notes, 0);
	assert_int_equal(f->ft.reads, 5);
	assert_false(f->ft.bad_read);
}

static void
test_subranges(void **state)
{
	struct fake *f = *state;
	struct log g;

	basic_layout(f);
	log_init(&g);
	assert_int_equal(walk_range(&f->w, 0x2000, 0x3fffffff, log_leaf, &g,
	    &f->err), 0);
	assert_int_equal(g.leaves, 2);
	assert_int_equal(nth_leaf(&g, 0)->va, 0x2000);
	assert_int_equal(nth_leaf(&g, 1)->va, 0x200000);

	/* A range inside a large page gets the whole page. */
	log_init(&g);
	assert_int_equal(walk_range(&f->w, 0x201000, 0x201fff, log_leaf, &g,
	    &f->err), 0);
	assert_int_equal(g.leaves, 1);
	assert_leaf(nth_leaf(&g, 0), 0x200000, 0x200000, X86PT_L2, PD + 8);

	log_init(&g);
	assert_int_equal(walk_range(&f->w, 0x3000, 0x1fffff, log_leaf, &g,
	    &f->err), 0);
	assert_int_equal(g.leaves, 0);

	log_init(&g);
	assert_int_equal(walk_range(&f->w, 0xffffffff80000005ull, ~0ull,
	    log_leaf, &g, &f->err), 0);
	assert_int_equal(g.leaves, 1);
	assert_int_equal(nth_leaf(&g, 0)->va, 0xffffffff80000000ull);

	/* An empty range is no error. */
	log_init(&g);
	assert_int_equal(walk_range(&f->w, 0x2000, 0x1000, log_leaf, &g,
	    &f->err), 0);
	assert_int_equal(g.leaves, 0);
}

static void
test_walk_va(void **state)
{
	struct fake *f = *state;
	struct walk_trace t;

	basic_layout(f);
	assert_int_equal(walk_va(&f->w, 0x1234, &t, &f->err), 0);
	assert_int_equal(t.stop, WALK_OK);
	assert_int_equal(t.root, PML4);
	assert_int_equal(t.mode, X86PT_MODE_4LEVEL);
	assert_int_equal(t.nsteps, 4);
	assert_int_equal(t.step[0].level, X86PT_L4);
	assert_int_equal(t.step[0].index, 0);
	assert_int_equal(t.step[0].table_pa, PML4);
	assert_int_equal(t.step[0].entry_pa, PML4);
	assert_int_equal(t.step[0].e.raw, PDPT | 0x7);
	assert_int_equal(t.step[1].level, X86PT_L3);
	assert_int_equal(t.step[1].table_pa, PDPT);
	assert_int_equal(t.step[1].e.raw, PD | 0x7);
	assert_int_equal(t.step[2].table_pa, PD);
	assert_int_equal(t.step[2].e.addr, PT);
	assert_int_equal(t.step[3].level, X86PT_L1);
	assert_int_equal(t.step[3].index, 1);
	assert_int_equal(t.step[3].entry_pa, PT + 8);
	assert_int_equal(t.step[3].e.raw, 0x100003);
	assert_flag_names(t.step[3].e.flags, "P RW");
	assert_false(t.step[0].recursive);
	assert_int_equal(t.pa, 0x100234);
	assert_int_equal(t.page_size, 4096);
	assert_true(t.eff.write);
	assert_false(t.eff.user);
	assert_true(t.eff.exec);
	assert_string_equal(walk_stop_name(t.stop), "translated");

	/* 1 GiB: two steps, a 30-bit offset. */
	assert_int_equal(walk_va(&f->w, 0x40123456, &t, &f->err), 0);
	assert_int_equal(t.stop, WALK_OK);
	assert_int_equal(t.nsteps, 2);
	assert_int_equal(t.pa, 0x80123456);
	assert_int_equal(t.page_size, GiB1);

	/* 2 MiB: three steps. */
	assert_int_equal(walk_va(&f->w, 0x3fffff, &t, &f->err), 0);
	assert_int_equal(t.nsteps, 3);
	assert_int_equal(t.pa, 0x3fffff);
	assert_int_equal(t.page_size, MiB2);

	assert_int_equal(walk_va(&f->w, 0x2fff, &t, &f->err), 0);
	assert_int_equal(t.pa, 0x101fff);
	assert_false(t.eff.exec);
	assert_false(t.eff.write);

	assert_int_equal(walk_va(&f->w, 0xffffffff80123456ull, &t, &f->err), 0);
	assert_int_equal(t.stop, WALK_OK);
	assert_int_equal(t.nsteps, 2);
	assert_int_equal(t.step[0].index, 511);
	assert_int_equal(t.step[0].entry_pa, PML4 + 511 * 8);
	assert_int_equal(t.step[1].index, 510);
	assert_int_equal(t.step[1].entry_pa, PDPT_HI + 510 * 8);
	assert_int_equal(t.pa, 0x123456);

	/* Not present at the PTE. */
	assert_int_equal(walk_va(&f->w, 0x3000, &t, &f->err), 0);
	assert_int_equal(t.stop, WALK_NOT_PRESENT);
	assert_int_equal(t.stop_level, X86PT_L1);
	assert_int_equal(t.nsteps, 4);
	assert_false(t.step[3].e.present);
	assert_string_equal(walk_stop_name(t.stop), "not present");

	/* Not present at the PML4E. */
	assert_int_equal(walk_va(&f->w, 0xffff800000000000ull, &t, &f->err), 0);
	assert_int_equal(t.stop, WALK_NOT_PRESENT);
	assert_int_equal(t.stop_level, X86PT_L4);
	assert_int_equal(t.nsteps, 1);
	assert_int_equal(t.step[0].index, 256);
	assert_int_equal(t.step[0].entry_pa, PML4 + 256 * 8);

	/* Non-canonical: no step at all. */
	assert_int_equal(walk_va(&f->w, 0x0000800000000000ull, &t, &f->err), 0);
	assert_int_equal(t.stop, WALK_NONCANONICAL);
	assert_int_equal(t.nsteps, 0);
	assert_string_equal(walk_stop_name(t.stop), "non-canonical address");
	assert_string_equal(walk_trace_result(&t), "non-canonical address");
	assert_int_equal(walk_va(&f->w, 0xffff7fffffffffffull, &t, &f->err), 0);
	assert_int_equal(t.stop, WALK_NONCANONICAL);
}

static void
test_nx_disabled(void **state)
{
	struct fake *f = *state;
	const struct walk_leaf *l;
	const struct walk_note *n;
	struct walk_trace t;
	struct log g;

	basic_layout(f);
	setup_walk(f, CR0_LONG, CR4_LONG, X86PT_EFER_LME | X86PT_EFER_LMA,
	    PML4);
	assert_int_equal(walk_all(f, &g), 0);
	assert_int_equal(g.leaves, 5);
	assert_int_equal(g.notes[WALK_NOTE_RSVD], 1);
	n = nth_note(&g, WALK_NOTE_RSVD, 0);
	assert_int_equal(n->level, X86PT_L1);
	assert_int_equal(n->va, 0x2000);
	assert_int_equal(n->size, 4096);
	assert_int_equal(n->entry_pa, PT + 16);
	assert_int_equal(n->rsvd, 0x8000000000000000ull);
	/* The finding comes right before the leaf it is about. */
	assert_true(g.ev[1].is_note);
	l = nth_leaf(&g, 1);
	assert_int_equal(l->va, 0x2000);
	assert_int_equal(l->rsvd, 0x8000000000000000ull);
	assert_int_equal(l->rsvd_level, X86PT_L1);
	assert_true(l->eff.exec);	/* bit 63 is not NX here */
	assert_flag_names(l->flags, "P");
	assert_int_equal(nth_leaf(&g, 0)->rsvd, 0);

	assert_int_equal(walk_va(&f->w, 0x2000, &t, &f->err), 0);
	assert_int_equal(t.stop, WALK_RESERVED);
	assert_int_equal(t.stop_level, X86PT_L1);
	assert_int_equal(t.nsteps, 4);
	assert_int_equal(t.step[3].e.rsvd, 0x8000000000000000ull);
	assert_string_equal(walk_stop_name(t.stop), "reserved bits set");
}

static void
test_cr0_wp(void **state)
{
	struct fake *f = *state;
	const struct walk_leaf *l;
	struct log g;

	basic_layout(f);
	assert_int_equal(walk_all(f, &g), 0);
	l = nth_leaf(&g, 1);	/* the read-only PTE at 0x2000 */
	assert_false(l->eff.write);
	assert_false(l->eff.sup_write);

	setup_walk(f, X86PT_CR0_PG | 1, CR4_LONG, EFER_LONG, PML4);
	assert_int_equal(walk_all(f, &g), 0);
	l = nth_leaf(&g, 1);
	assert_false(l->eff.write);
	assert_true(l->eff.sup_write);
	l = nth_leaf(&g, 0);
	assert_true(l->eff.write && l->eff.sup_write);
}

static void
test_reserved_above_maxphyaddr(void **state)
{
	struct fake *f = *state;
	const struct walk_note *n;
	struct walk_trace t;
	struct log g;

	basic_layout(f);
	/* Bit 45 in the PDE that points to the PT, bit 44 in a PTE. */
	fake_put(&f->ft, PD, 0, 0x0000200000000000ull | PT | 0x7);
	fake_put(&f->ft, PT, 1, 0x0000100000100003ull);
	assert_true(x86pt_ctx_set_maxphyaddr(&f->w.pt, 40));
	assert_int_equal(walk_all(f, &g), 0);
	assert_int_equal(g.notes[WALK_NOTE_RSVD], 2);
	n = nth_note(&g, WALK_NOTE_RSVD, 0);
	assert_int_equal(n->level, X86PT_L2);
	assert_int_equal(n->va, 0);
	assert_int_equal(n->size, MiB2);
	assert_int_equal(n->entry_pa, PD);
	assert_int_equal(n->rsvd, 0x0000200000000000ull);
	/* The table below is still shown, each leaf marked. */
	assert_int_equal(g.leaves, 5);
	n = nth_note(&g, WALK_NOTE_RSVD, 1);
	assert_int_equal(n->level, X86PT_L1);
	assert_int_equal(n->rsvd, 0x0000100000000000ull);
	/* The leaf shows both; the level is the highest one. */
	assert_int_equal(nth_leaf(&g, 0)->va, 0x1000);
	assert_int_equal(nth_leaf(&g, 0)->pa, 0x100000);
	assert_int_equal(nth_leaf(&g, 0)->rsvd, 0x0000300000000000ull);
	assert_int_equal(nth_leaf(&g, 0)->rsvd_level, X86PT_L2);
	assert_int_equal(nth_leaf(&g, 1)->rsvd, 0x0000200000000000ull);
	assert_int_equal(nth_leaf(&g, 1)->rsvd_level, X86PT_L2);
	assert_int_equal(nth_leaf(&g, 2)->rsvd, 0);
	assert_int_equal(nth_leaf(&g, 2)->rsvd_level, 0);

	assert_int_equal(walk_va(&f->w, 0x1000, &t, &f->err), 0);
	assert_int_equal(t.stop, WALK_RESERVED);
	assert_int_equal(t.stop_level, X86PT_L2);
	assert_int_equal(t.nsteps, 3);
}

static void
test_ps_in_pml4e_is_reserved(void **state)
{
	struct fake *f = *state;
	const struct walk_note *n;
	struct walk_trace t;
	struct log g;

	basic_layout(f);
	fake_put(&f->ft, PML4, 1, PDPT | 0x87);
	log_init(&g);
	f->w.note = log_note;
	assert_int_equal(walk_range(&f->w, 0x8000000000ull, 0xffffffffffull,
	    log_leaf, &g, &f->err), 0);
	assert_int_equal(g.notes[WALK_NOTE_RSVD], 1);
	n = nth_note(&g, WALK_NOTE_RSVD, 0);
	assert_int_equal(n->level, X86PT_L4);
	assert_int_equal(n->va, 0x8000000000ull);
	assert_int_equal(n->size, 1ull << 39);
	assert_int_equal(n->rsvd, 0x80);
	assert_int_equal(n->table_pa, PDPT);
	/* Walked as a table pointer, the PDPT's leaves appear 512 GiB up. */
	assert_int_equal(g.leaves, 4);
	assert_leaf(nth_leaf(&g, 0), 0x8000001000ull, 0x100000, X86PT_L1,
	    PT + 8);
	assert_leaf(nth_leaf(&g, 3), 0x8040000000ull, 0x80000000, X86PT_L3,
	    PDPT + 8);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(nth_leaf(&g, i)->rsvd, 0x80);
		assert_int_equal(nth_leaf(&g, i)->rsvd_level, X86PT_L4);
	}

	assert_int_equal(walk_va(&f->w, 0x8000001000ull, &t, &f->err), 0);
	assert_int_equal(t.stop, WALK_RESERVED);
	assert_int_equal(t.stop_level, X86PT_L4);
	assert_int_equal(t.nsteps, 1);
}

/* The chain PML4[0] -> PDPT -> PD -> PT, PT[1] -> 0x100000, all P RW. */
static void
chain_layout(struct fake *f)
{
	fake_put(&f->ft, PML4, 0, PDPT | 0x3);
	fake_put(&f->ft, PDPT, 0, PD | 0x3);
	fake_put(&f->ft, PD, 0, PT | 0x3);
	fake_put(&f->ft, PT, 1, 0x100000 | 0x3);
}

static void
test_recursive_slot_511(void **state)
{
	struct fake *f = *state;
	const struct walk_note *n;
	struct walk_trace t;
	struct log g;

	chain_layout(f);
	fake_put(&f->ft, PML4, 511, PML4 | 0x3);
	assert_int_equal(walk_all(f, &g), 0);
	/*
	 * Through slot 511 each table is seen one level lower: PML4[511]
	 * read as a PTE maps the PML4 page itself at 0xfffffffffffff000,
	 * PML4[0] as a PTE maps the PDPT, PDPT[0] the PD, PD[0] the PT.
	 */
	assert_int_equal(g.leaves, 5);
	assert_true(g.ascending);
	assert_leaf(nth_leaf(&g, 0), 0x1000, 0x100000, X86PT_L1, PT + 8);
	assert_leaf(nth_leaf(&g, 1), 0xffffff8000000000ull, PT, X86PT_L1, PD);
	assert_leaf(nth_leaf(&g, 2), 0xffffffffc0000000ull, PD, X86PT_L1,
	    PDPT);
	assert_leaf(nth_leaf(&g, 3), 0xffffffffffe00000ull, PDPT, X86PT_L1,
	    PML4);
	assert_leaf(nth_leaf(&g, 4), 0xfffffffffffff000ull, PML4, X86PT_L1,
	    PML4 + 511 * 8);
	assert_int_equal(nth_leaf(&g, 4)->raw, PML4 | 0x3);
	assert_true(nth_leaf(&g, 4)->eff.write);

	/* Three entries point back up the path: PML4[511] at L4, L3, L2. */
	assert_int_equal(g.notes[WALK_NOTE_RECURSIVE], 3);
	n = nth_note(&g, WALK_NOTE_RECURSIVE, 0);
	assert_int_equal(n->level, X86PT_L4);
	assert_int_equal(n->va, 0xffffff8000000000ull);
	assert_int_equal(n->entry_pa, PML4 + 511 * 8);
	assert_int_equal(n->table_pa, PML4);
	n = nth_note(&g, WALK_NOTE_RECURSIVE, 1);
	assert_int_equal(n->level, X86PT_L3);
	assert_int_equal(n->va, 0xffffffffc0000000ull);
	n = nth_note(&g, WALK_NOTE_RECURSIVE, 2);
	assert_int_equal(n->level, X86PT_L2);
	assert_int_equal(n->va, 0xffffffffffe00000ull);

	/* Every table is read once, though visited more often. */
	assert_int_equal(f->ft.reads, 4);
	assert_int_equal(f->w.stats.tables, 10);

	assert_int_equal(walk_va(&f->w, 0xfffffffffffff010ull, &t, &f->err), 0);
	assert_int_equal(t.stop, WALK_OK);
	assert_int_equal(t.nsteps, 4);
	assert_int_equal(t.pa, PML4 + 0x10);
	assert_true(t.step[0].recursive);
	assert_true(t.step[1].recursive);
	assert_true(t.step[2].recursive);
	assert_false(t.step[3].recursive);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(t.step[i].table_pa, PML4);
		assert_int_equal(t.step[i].index, 511);
	}
}

static void
test_recursive_slot_510(void **state)
{
	struct fake *f = *state;
	struct walk_trace t;
	struct log g;

	chain_layout(f);
	fake_put(&f->ft, PML4, 510, PML4 | 0x3);
	assert_int_equal(walk_all(f, &g), 0);
	assert_int_equal(g.leaves, 5);
	assert_leaf(nth_leaf(&g, 1), 0xffffff0000000000ull, PT, X86PT_L1, PD);
	assert_leaf(nth_leaf(&g, 2), 0xffffff7f80000000ull, PD, X86PT_L1,
	    PDPT);
	assert_leaf(nth_leaf(&g, 3), 0xffffff7fbfc00000ull, PDPT, X86PT_L1,
	    PML4);
	/* Indexes 510/510/510/510: the PML4 frame. */
	assert_leaf(nth_leaf(&g, 4), 0xffffff7fbfdfe000ull, PML4, X86PT_L1,
	    PML4 + 510 * 8);

	assert_int_equal(walk_va(&f->w, 0xffffff7fbfdfe008ull, &t, &f->err), 0);
	assert_int_equal(t.stop, WALK_OK);
	assert_int_equal(t.pa, PML4 + 8);
	/* And the PTE page of va 0 through the slot: the PT. */
	assert_int_equal(walk_va(&f->w, 0xffffff0000000008ull, &t, &f->err), 0);
	assert_int_equal(t.pa, PT + 8);
}

static void
test_shared_subtables(void **state)
{
	struct fake *f = *state;
	struct log g;

	basic_layout(f);
	fake_put(&f->ft, PML4, 1, PDPT | 0x7);
	assert_int_equal(walk_all(f, &g), 0);
	assert_int_equal(g.leaves, 9);
	assert_true(g.ascending);
	assert_leaf(nth_leaf(&g, 0), 0x1000, 0x100000, X86PT_L1, PT + 8);
	assert_leaf(nth_leaf(&g, 3), 0x40000000, 0x80000000, X86PT_L3,
	    PDPT + 8);
	/* The same tables again, 512 GiB up: same entries, same frames. */
	assert_leaf(nth_leaf(&g, 4), 0x8000001000ull, 0x100000, X86PT_L1,
	    PT + 8);
	assert_leaf(nth_leaf(&g, 5), 0x8000002000ull, 0x101000, X86PT_L1,
	    PT + 16);
	assert_leaf(nth_leaf(&g, 6), 0x8000200000ull, 0x200000, X86PT_L2,
	    PD + 8);
	assert_leaf(nth_leaf(&g, 7), 0x8040000000ull, 0x80000000, X86PT_L3,
	    PDPT + 8);
	assert_int_equal(nth_leaf(&g, 8)->va, 0xffffffff80000000ull);
	assert_int_equal(g.notes[WALK_NOTE_RECURSIVE], 0);
	assert_int_equal(f->w.stats.tables, 8);
	assert_int_equal(f->ft.reads, 5);
}

static void
test_table_past_ram(void **state)
{
	struct fake *f = *state;
	const struct walk_note *n;
	struct walk_trace t;
	struct log g;

	basic_layout(f);
	fake_put(&f->ft, PML4, 2, 0x200000 | 0x3);
	f->w.ram_limit = MEM_SIZE;
	assert_int_equal(walk_all(f, &g), 0);
	assert_int_equal(g.leaves, 5);
	assert_int_equal(g.notes[WALK_NOTE_PAST_RAM], 1);
	n = nth_note(&g, WALK_NOTE_PAST_RAM, 0);
	assert_int_equal(n->level, X86PT_L4);
	assert_int_equal(n->va, 0x10000000000ull);
	assert_int_equal(n->entry_pa, PML4 + 16);
	assert_int_equal(n->table_pa, 0x200000);
	assert_int_equal(n->raw, 0x200003);
	/* Reported, not read. */
	assert_int_equal(f->ft.reads, 5);
	/* Leaves still come in order around the finding. */
	assert_true(g.ev[4].is_note);
	assert_int_equal(g.ev[5].leaf.va, 0xffffffff80000000ull);

	assert_int_equal(walk_va(&f->w, 0x10000000123ull, &t, &f->err), 0);
	assert_int_equal(t.stop, WALK_PAST_RAM);
	assert_int_equal(t.stop_level, X86PT_L4);
	assert_int_equal(t.nsteps, 1);
	assert_int_equal(t.step[0].e.addr, 0x200000);

	/* Without a limit the table is read (zeros: nothing there). */
	f->w.ram_limit = 0;
	assert_int_equal(walk_all(f, &g), 0);
	assert_int_equal(g.leaves, 5);
	assert_int_equal(g.notes[WALK_NOTE_PAST_RAM], 0);

	/* A root past RAM is an error. */
	f->w.ram_limit = MEM_SIZE;
	f->w.cr3 = 0x40000;
	assert_int_equal(walk_all(f, &g), -1);
	assert_string_equal(f->err.msg,
	    "CR3 0x40000 points past the end of RAM (0x20000)");
	assert_int_equal(f->err.kind, PT_EXIT_TARGET);
	assert_int_equal(walk_va(&f->w, 0x1000, &t, &f->err), -1);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
test_fanout_bomb_truncates(void **state)
{
	struct fake *f = *state;
	const struct walk_note *n;
	struct log g;
	double t0;

	/* Every entry of the one table points to the table itself. */
	for (unsigned i = 0; i < 512; i++)
		fake_put(&f->ft, PML4, i, PML4 | 0x7);
	t0 = now();
	assert_int_equal(walk_all(f, &g), 0);
	assert_true(now() - t0 < 1.0);
	/*
	 * 2^36 pages are mapped; the first 2^20 are (0, 0..3, *, *), so the
	 * walk stops at (0, 4, 0, 0) = 4 GiB.
	 */
	assert_int_equal(g.leaves, WALK_DEFAULT_MAX_ENTRIES);
	assert_true(g.ascending);
	assert_int_equal(g.last_va, 0xfffff000ull);
	assert_true(f->w.stats.truncated);
	assert_int_equal(f->w.stats.resume_va, 0x100000000ull);
	assert_int_equal(g.notes[WALK_NOTE_TRUNCATED], 1);
	n = &g.last_note[WALK_NOTE_TRUNCATED];
	assert_int_equal(n->va, 0x100000000ull);
	assert_int_equal(n->level, X86PT_L1);
	/* PML4, one PDPT, five PDs, 4 * 512 + 1 PTs: one read. */
	assert_int_equal(f->w.stats.tables, 1 + 1 + 5 + 4 * 512 + 1);
	assert_int_equal(f->ft.reads, 1);
	/* Every level points back up. */
	assert_true(g.notes[WALK_NOTE_RECURSIVE] > 0);

	assert_int_equal(f->w.stats.budget, WALK_BUDGET_ENTRIES);
	assert_string_equal(walk_cut_why(&f->w.stats), "raise --max-entries");
	assert_false(f->w.stats.failed);

	/* A smaller budget stops sooner. */
	f->w.max_entries = 1000;
	assert_int_equal(walk_all(f, &g), 0);
	assert_int_equal(g.leaves, 1000);
	assert_int_equal(f->w.stats.resume_va, 1000ull * 4096);
}

static void
test_empty_fanout_bomb_truncates(void **state)
{
	struct fake *f = *state;
	struct log g;
	double t0;

	/* 512^3 paths to one empty page table: 2^27 tables to visit. */
	for (unsigned i = 0; i < 512; i++) {
		fake_put(&f->ft, PML4, i, PDPT | 0x3);
		fake_put(&f->ft, PDPT, i, PD | 0x3);
		fake_put(&f->ft, PD, i, PT | 0x3);
	}
	t0 = now();
	assert_int_equal(walk_all(f, &g), 0);
	assert_true(now() - t0 < 1.0);
	assert_int_equal(g.leaves, 0);
	assert_true(f->w.stats.truncated);
	assert_int_equal(f->w.stats.tables, WALK_DEFAULT_MAX_TABLES);
	/*
	 * PML4 + PDPT, then 513 visits per PD: 127 PDs whole, then PD 127
	 * and its PTs 0..381; PT 382 is the first one not walked.
	 */
	assert_int_equal(f->w.stats.resume_va, (127ull << 30) + (382ull << 21));
	assert_int_equal(f->ft.reads, 4);
	/* The table budget stopped it, and the advice says so. */
	assert_int_equal(f->w.stats.budget, WALK_BUDGET_TABLES);
	assert_string_equal(walk_cut_why(&f->w.stats), "raise --max-tables");
	assert_string_equal(walk_budget_option(&f->w.stats), "--max-tables");

	/* And raising (here lowering) it is what changes where. */
	f->w.max_tables = 2 + 513;
	assert_int_equal(walk_all(f, &g), 0);
	assert_int_equal(f->w.stats.tables, 2 + 513);
	assert_int_equal(f->w.stats.resume_va, 1ull << 30);
}

static void
test_ascending_across_the_canonical_hole(void **state)
{
	struct fake *f = *state;
	struct log g;

	fake_put(&f->ft, PML4, 0, 0x4000 | 0x3);
	fake_put(&f->ft, 0x4000, 0, 0xc0000083);
	fake_put(&f->ft, PML4, 255, 0x2000 | 0x3);
	fake_put(&f->ft, 0x2000, 511, 0x40000083);
	fake_put(&f->ft, PML4, 256, 0x3000 | 0x3);
	fake_put(&f->ft, 0x3000, 0, 0x80000083);
	assert_int_equal(walk_all(f, &g), 0);
	assert_int_equal(g.leaves, 3);
	assert_true(g.ascending);
	assert_leaf(nth_leaf(&g, 0), 0, 0xc0000000, X86PT_L3, 0x4000);
	assert_leaf(nth_leaf(&g, 1), 0x00007fffc0000000ull, 0x40000000,
	    X86PT_L3, 0x2000 + 511 * 8);
	assert_leaf(nth_leaf(&g, 2), 0xffff800000000000ull, 0x80000000,
	    X86PT_L3, 0x3000);

	/* A start in the hole begins at the high half ... */
	log_init(&g);
	assert_int_equal(walk_range(&f->w, 0x0000800000000000ull, ~0ull,
	    log_leaf, &g, &f->err), 0);
	assert_int_equal(g.leaves, 1);
	assert_int_equal(nth_leaf(&g, 0)->va, 0xffff800000000000ull);
	/* ... an end in the hole ends with the low half ... */
	log_init(&g);
	assert_int_equal(walk_range(&f->w, 0x00007fffc0000000ull,
	    0x0000900000000000ull, log_leaf, &g, &f->err), 0);
	assert_int_equal(g.leaves, 1);
	assert_int_equal(nth_leaf(&g, 0)->va, 0x00007fffc0000000ull);
	/* ... and the hole itself maps nothing. */
	log_init(&g);
	assert_int_equal(walk_range(&f->w, 0x0000800000000000ull,
	    0xffff7fffffffffffull, log_leaf, &g, &f->err), 0);
	assert_int_equal(g.leaves, 0);
}

/*
 * 5-level paging (CR4.LA57): PML5[0] holds the basic layout's PML4, so
 * its pages keep their addresses; PML5[256] starts the upper half,
 * sign-extended from bit 56, where PML4_HI[0] -> PDPT_57[0] maps 1 GiB.
 */
static void
five_level_layout(struct fake *f)
{
	basic_layout(f);
	fake_put(&f->ft, PML5, 0, PML4 | 0x7);
	fake_put(&f->ft, PML5, 256, PML4_HI | 0x3);
	fake_put(&f->ft, PML4_HI, 0, PDPT_57 | 0x3);
	fake_put(&f->ft, PDPT_57, 0, 0xc0000000 | 0x83);
	setup_walk(f, CR0_LONG, CR4_LONG | X86PT_CR4_LA57, EFER_LONG, PML5);
}

static void
test_five_levels(void **state)
{
	struct fake *f = *state;
	struct walk_trace t;
	struct log g;

	five_level_layout(f);
	assert_int_equal(walk_all(f, &g), 0);
	assert_int_equal(g.leaves, 6);
	assert_true(g.ascending);
	assert_leaf(nth_leaf(&g, 0), 0x1000, 0x100000, X86PT_L1, PT + 8);
	assert_leaf(nth_leaf(&g, 3), 0x40000000, 0x80000000, X86PT_L3,
	    PDPT + 8);
	/* PML4[511] is no longer the top of the address space: 47 bits. */
	assert_leaf(nth_leaf(&g, 4), 0x0000ffff80000000ull, 0, X86PT_L3,
	    PDPT_HI + 510 * 8);
	assert_leaf(nth_leaf(&g, 5), 0xff00000000000000ull, 0xc0000000,
	    X86PT_L3, PDPT_57);

	/* A 4 KiB page: five steps, PML5E to PTE. */
	assert_int_equal(walk_va(&f->w, 0x1234, &t, &f->err), 0);
	assert_int_equal(t.stop, WALK_OK);
	assert_int_equal(t.nsteps, 5);
	assert_int_equal(t.step[0].level, X86PT_L5);
	assert_int_equal(t.step[0].table_pa, PML5);
	assert_int_equal(t.step[1].table_pa, PML4);
	assert_int_equal(t.step[4].level, X86PT_L1);
	assert_int_equal(t.step[4].index, 1);
	assert_int_equal(t.pa, 0x100234);

	assert_int_equal(walk_va(&f->w, 0xff00000000001234ull, &t, &f->err), 0);
	assert_int_equal(t.stop, WALK_OK);
	assert_int_equal(t.nsteps, 3);
	assert_int_equal(t.step[0].level, X86PT_L5);
	assert_int_equal(t.step[0].index, 256);
	assert_int_equal(t.step[0].table_pa, PML5);
	assert_int_equal(t.pa, 0xc0001234);
	/* The 4-level hole is mapped space now; 57 bits bound the halves. */
	assert_int_equal(walk_va(&f->w, 0x0000800000000000ull, &t, &f->err), 0);
	assert_int_equal(t.stop, WALK_NOT_PRESENT);
	assert_int_equal(t.stop_level, X86PT_L4);
	assert_int_equal(walk_va(&f->w, 0x0100000000000000ull, &t, &f->err), 0);
	assert_int_equal(t.stop, WALK_NONCANONICAL);
	assert_int_equal(walk_va(&f->w, 0x00ffffffffffffffull, &t, &f->err), 0);
	assert_int_equal(t.stop, WALK_NOT_PRESENT);
	assert_int_equal(t.stop_level, X86PT_L5);
	assert_int_equal(walk_va(&f->w, 0xfeffffffffffffffull, &t, &f->err), 0);
	assert_int_equal(t.stop, WALK_NONCANONICAL);

	/* A range that starts inside the upper half's first 1 GiB page. */
	log_init(&g);
	assert_int_equal(walk_range(&f->w, 0xff00000000001000ull, ~0ull,
	    log_leaf, &g, &f->err), 0);
	assert_int_equal(g.leaves, 1);
	assert_int_equal(nth_leaf(&g, 0)->va, 0xff00000000000000ull);
}

/* PML5[511] pointing at the PML5: the recursive note comes at level 5,
 * and the tables appear from 0xffff000000000000 (2^48 of them). */
static void
test_five_levels_recursive(void **state)
{
	struct fake *f = *state;
	const struct walk_note *n;
	struct walk_trace t;
	struct log g;

	five_level_layout(f);
	fake_put(&f->ft, PML5, 511, PML5 | 0x3);
	assert_int_equal(walk_all(f, &g), 0);
	n = nth_note(&g, WALK_NOTE_RECURSIVE, 0);
	assert_int_equal(n->level, X86PT_L5);
	assert_int_equal(n->va, 0xffff000000000000ull);
	assert_int_equal(n->size, 1ull << 48);
	assert_int_equal(n->entry_pa, PML5 + 511 * 8);
	assert_int_equal(n->table_pa, PML5);

	/* The PTE of 0x1000, through the window: PT + 8. */
	assert_int_equal(walk_va(&f->w, 0xffff000000000008ull, &t, &f->err), 0);
	assert_int_equal(t.stop, WALK_OK);
	assert_int_equal(t.nsteps, 5);
	assert_true(t.step[0].recursive);
	assert_int_equal(t.pa, PT + 8);
}

static void
test_cache_reads_each_table_once(void **state)
{
	struct fake *f = *state;
	struct walk_cache_stats st;
	struct walk_trace t;
	struct log g;

	basic_layout(f);
	assert_int_equal(walk_all(f, &g), 0);
	assert_int_equal(f->ft.reads, 5);
	assert_int_equal(walk_all(f, &g), 0);
	assert_int_equal(walk_va(&f->w, 0x1234, &t, &f->err), 0);
	assert_int_equal(f->ft.reads, 5);
	walk_cache_stats(f->cache, &st);
	assert_int_equal(st.reads, 5);
	assert_int_equal(st.hits, 5 + 4);
	assert_int_equal(st.pages, 5);
	assert_false(f->ft.bad_read);

	/* The guest ran: everything is read again, once. */
	f->ft.tgt.stop_gen++;
	fake_put(&f->ft, PT, 1, 0x300000 | 0x3);
	assert_int_equal(walk_all(f, &g), 0);
	assert_int_equal(f->ft.reads, 10);
	assert_int_equal(nth_leaf(&g, 0)->pa, 0x300000);
	walk_cache_stats(f->cache, &st);
	assert_int_equal(st.flushes, 1);

	/* So is it after an explicit flush. */
	walk_cache_flush(f->cache);
	assert_int_equal(walk_va(&f->w, 0x1234, &t, &f->err), 0);
	assert_int_equal(f->ft.reads, 14);
	assert_int_equal(t.pa, 0x300234);
}

/*
 * The cache's slots grow as pages come: 600 pages (past its first few
 * hundred slots, more than once) are all still there, each its own.
 */
static void
test_cache_grows_and_keeps_pages(void **state)
{
	struct fake *f = *state;
	struct fake_target big;
	struct walk_cache_stats st;
	const uint64_t *e;
	const size_t n = 600;

	(void)f;
	assert_int_equal(fake_init(&big, n * KiB4), 0);
	for (size_t i = 0; i < n; i++)
		fake_put(&big, i * KiB4, 7, i);
	for (size_t round = 0; round < 2; round++)
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(walk_cache_table(f->cache, &big.tgt,
			    i * KiB4, &e, &f->err), 0);
			assert_int_equal(e[7], i);
		}
	walk_cache_stats(f->cache, &st);
	assert_int_equal(big.reads, n);
	assert_int_equal(st.reads, n);
	assert_int_equal(st.pages, n);
	assert_int_equal(st.hits, n);
	assert_int_equal(st.flushes, 0);
	fake_free(&big);
}

static void
test_small_cache_stays_bounded(void **state)
{
	struct fake *f = *state;
	struct walk_cache_stats st;
	struct walk_cache *small;
	struct log g;

	basic_layout(f);
	small = walk_cache_new(2, &f->err);
	assert_non_null(small);
	f->w.cache = small;
	assert_int_equal(walk_all(f, &g), 0);
	assert_int_equal(g.leaves, 5);
	assert_leaf(nth_leaf(&g, 1), 0x2000, 0x101000, X86PT_L1, PT + 16);
	assert_leaf(nth_leaf(&g, 4), 0xffffffff80000000ull, 0, X86PT_L3,
	    PDPT_HI + 510 * 8);
	walk_cache_stats(small, &st);
	assert_true(st.pages <= 2);
	assert_int_equal(st.reads, 5);
	assert_int_equal(st.flushes, 2);
	walk_cache_free(small);
}

static void
test_callbacks_stop_and_fail(void **state)
{
	struct fake *f = *state;
	struct log g;

	basic_layout(f);
	log_init(&g);
	g.stop_after = 2;
	assert_int_equal(walk_range(&f->w, 0, ~0ull, log_leaf, &g, &f->err),
	    0);
	assert_int_equal(g.leaves, 2);
	assert_true(f->w.stats.stopped);
	assert_false(f->w.stats.truncated);

	log_init(&g);
	g.fail_leaf = true;
	assert_int_equal(walk_range(&f->w, 0, ~0ull, log_leaf, &g, &f->err),
	    -1);
	assert_int_equal(g.leaves, 1);
	assert_string_equal(f->err.msg, "walk: output failed");

	/* A note sink that fails ends the walk too. */
	fake_put(&f->ft, PML4, 1, PDPT | 0x87);
	walk_cache_flush(f->cache);	/* memory changed behind its back */
	log_init(&g);
	g.fail_note = true;
	f->w.note = log_note;
	assert_int_equal(walk_range(&f->w, 0, ~0ull, log_leaf, &g, &f->err),
	    -1);
	assert_int_equal(g.leaves, 4);
	assert_int_equal(g.notes[WALK_NOTE_RSVD], 1);

	/* Without a note sink findings are only counted. */
	log_init(&g);
	f->w.note = NULL;
	assert_int_equal(walk_range(&f->w, 0, ~0ull, log_leaf, &g, &f->err),
	    0);
	assert_int_equal(f->w.stats.notes, 1);
	assert_int_equal(g.leaves, 9);
}

static void
test_read_failure(void **state)
{
	struct fake *f = *state;
	struct walk_trace t;
	struct log g;

	basic_layout(f);
	f->ft.fail_pa = PD;
	assert_int_equal(walk_all(f, &g), -1);
	assert_string_equal(f->err.msg, "reading the table at 0x3000: fake: E14");
	assert_int_equal(f->err.kind, PT_EXIT_TARGET);
	assert_int_equal(g.leaves, 0);
	assert_int_equal(walk_va(&f->w, 0x1000, &t, &f->err), -1);
	assert_true(f->w.stats.failed && f->w.stats.truncated);
	assert_int_equal(f->w.stats.resume_va, 0);
	/* Failed reads are not cached. */
	f->ft.fail_pa = 0;
	assert_int_equal(walk_all(f, &g), 0);
	assert_int_equal(g.leaves, 5);
	assert_false(f->w.stats.failed || f->w.stats.truncated);

	/* Half-way: the low half is reported, the rest is said to be cut
	 * from the first address of the table that failed. */
	walk_cache_flush(f->w.cache);
	f->ft.fail_pa = PDPT_HI;
	assert_int_equal(walk_all(f, &g), -1);
	assert_int_equal(g.leaves, 4);
	assert_true(f->w.stats.failed && f->w.stats.truncated);
	assert_int_equal(f->w.stats.budget, WALK_BUDGET_NONE);
	assert_int_equal(f->w.stats.resume_va, 0xffffff8000000000ull);
}

static void
test_paging_off(void **state)
{
	struct fake *f = *state;
	struct walk_trace t;
	struct log g;

	basic_layout(f);
	setup_walk(f, 1, 0, 0, PML4);
	assert_int_equal(walk_all(f, &g), -1);
	assert_string_equal(f->err.msg, "paging is off (CR0.PG clear): "
	    "virtual addresses are physical");
	assert_int_equal(walk_va(&f->w, 0x1000, &t, &f->err), -1);
	assert_string_equal(f->err.msg, "paging is off (CR0.PG clear): "
	    "virtual addresses are physical");
	assert_int_equal(f->ft.reads, 0);
}

/*
 * 32-bit paging, CR4.PSE, MAXPHYADDR 36 (CR3's PCD and PWT are not
 * address bits):
 *   PD[0]    -> PT 0x2000           P RW US
 *   PT[1]    4 KiB @0x100000        P RW A       va 0x1000
 *   PT[1023] 4 KiB @0x5000          P            va 0x3ff000
 *   PD[1]    4 MiB @0x400000        P RW PS      va 0x400000
 *   PD[768]  4 MiB @0x100c00000     P RW PS G    va 0xc0000000 (PSE-36:
 *                                   bit 13 is physical address bit 32)
 *   PD[1023] -> PD itself           P RW         va 0xffc00000: the
 *            PD's entries read as PTEs
 */
static void
layout32(struct fake *f, uint64_t cr4)
{
	fake_put32(&f->ft, 0x1000, 0, 0x2000 | 0x7);
	fake_put32(&f->ft, 0x2000, 1, 0x100000 | 0x23);
	fake_put32(&f->ft, 0x2000, 1023, 0x5000 | 0x1);
	fake_put32(&f->ft, 0x1000, 1, 0x400000 | 0x83);
	fake_put32(&f->ft, 0x1000, 768, 0x00c00000 | 0x2000 | 0x183);
	fake_put32(&f->ft, 0x1000, 1023, 0x1000 | 0x3);
	setup_walk(f, CR0_LONG, cr4, 0, 0x1018);
	x86pt_ctx_set_maxphyaddr(&f->w.pt, 36);
}

static void
test_32bit_paging(void **state)
{
	struct fake *f = *state;
	const struct walk_leaf *l;
	struct walk_trace t;
	struct log g;

	layout32(f, X86PT_CR4_PSE);
	assert_int_equal(walk_all(f, &g), 0);
	assert_true(g.ascending);
	/* 3 below 8 MiB, 1 at 3 GiB, 4 through the recursive slot. */
	assert_int_equal(g.leaves, 8);
	assert_int_equal(g.notes[WALK_NOTE_RECURSIVE], 1);
	assert_int_equal(g.notes[WALK_NOTE_RSVD], 0);

	l = nth_leaf(&g, 0);
	assert_int_equal(l->va, 0x1000);
	assert_int_equal(l->pa, 0x100000);
	assert_int_equal(l->page_size, KiB4);
	assert_int_equal(l->level, X86PT_L1);
	assert_int_equal(l->entry_pa, 0x2000 + 4);
	assert_true(l->eff.write && !l->eff.user && l->eff.exec);
	assert_false(l->accessed);	/* the PDE's A is clear */
	l = nth_leaf(&g, 1);
	assert_int_equal(l->va, 0x3ff000);
	assert_int_equal(l->entry_pa, 0x2000 + 4 * 1023);
	assert_false(l->eff.write);
	l = nth_leaf(&g, 2);
	assert_int_equal(l->va, 0x400000);
	assert_int_equal(l->pa, 0x400000);
	assert_int_equal(l->page_size, 4ull << 20);
	assert_int_equal(l->level, X86PT_L2);
	assert_int_equal(l->entry_pa, 0x1004);
	l = nth_leaf(&g, 3);
	assert_int_equal(l->va, 0xc0000000);
	assert_int_equal(l->pa, 0x100c00000ull);
	assert_int_equal(l->entry_pa, 0x1000 + 4 * 768);
	assert_flag_names(l->flags, "P RW PS G");
	/* The PD read as a page table: PD[1]'s bit 7 is a PTE's PAT. */
	assert_int_equal(nth_note(&g, WALK_NOTE_RECURSIVE, 0)->va,
	    0xffc00000);
	l = nth_leaf(&g, 4);
	assert_int_equal(l->va, 0xffc00000);
	assert_int_equal(l->pa, 0x2000);
	l = nth_leaf(&g, 5);
	assert_int_equal(l->va, 0xffc01000);
	assert_int_equal(l->pa, 0x400000);
	assert_flag_names(l->flags, "P RW PAT");
	l = nth_leaf(&g, 6);
	assert_int_equal(l->va, 0xfff00000);
	assert_int_equal(l->pa, 0xc02000);
	l = nth_leaf(&g, 7);
	assert_int_equal(l->va, 0xfffff000);
	assert_int_equal(l->pa, 0x1000);

	/* Two steps; 10-bit indexes, 4-byte entries. */
	assert_int_equal(walk_va(&f->w, 0x3ff123, &t, &f->err), 0);
	assert_int_equal(t.stop, WALK_OK);
	assert_int_equal(t.mode, X86PT_MODE_32);
	assert_int_equal(t.root, 0x1000);
	assert_int_equal(t.nsteps, 2);
	assert_int_equal(t.step[0].level, X86PT_L2);
	assert_int_equal(t.step[0].index, 0);
	assert_int_equal(t.step[1].index, 1023);
	assert_int_equal(t.step[1].entry_pa, 0x2000 + 4 * 1023);
	assert_int_equal(t.pa, 0x5123);
	assert_int_equal(walk_va(&f->w, 0xc0123456, &t, &f->err), 0);
	assert_int_equal(t.nsteps, 1);
	assert_int_equal(t.step[0].entry_pa, 0x1000 + 4 * 768);
	assert_int_equal(t.pa, 0x100d23456ull);
	assert_int_equal(t.page_size, 4ull << 20);
	/* Past 4 GiB there is nothing to translate. */
	assert_int_equal(walk_va(&f->w, 0x100000000ull, &t, &f->err), 0);
	assert_int_equal(t.stop, WALK_NONCANONICAL);
	assert_int_equal(t.nsteps, 0);
	assert_string_equal(walk_trace_result(&t), "past 4 GiB");

	/* Without CR4.PSE bit 7 of a PDE is ignored: PD[1] and PD[768]
	 * name page tables (zeros here). */
	layout32(f, 0);
	assert_int_equal(walk_all(f, &g), 0);
	assert_int_equal(g.leaves, 2 + 4);
	assert_int_equal(nth_leaf(&g, 2)->va, 0xffc00000);
}

/*
 * PAE paging with EFER.NXE.  CR3 points 32 bytes into its page, where
 * the four PDPTEs are; the page's first four entries are not a PDPT.
 *   PDPT[0] -> PD 0x2000            P
 *   PDPT[1] -> 0x5000               P RW: RW is reserved in a PDPTE
 *   PDPT[3] -> PD 0x3000            P
 *   PD[0]   -> PT 0x4000            P RW US A
 *   PT[1]   4 KiB @0x100000         P RW A       va 0x1000
 *   PT[2]   4 KiB @0x101000         P NX         va 0x2000
 *   PD[1]   2 MiB @0x200000         P RW PS      va 0x200000
 *   PD_HI[511] 2 MiB @0x600000      P RW PS G    va 0xffe00000
 */
static void
test_pae_paging(void **state)
{
	struct fake *f = *state;
	const struct walk_leaf *l;
	struct walk_trace t;
	struct log g;

	fake_put(&f->ft, 0x1000, 0, 0x6000 | 0x7);	/* not a PDPTE */
	fake_put(&f->ft, 0x1000, 4, 0x2000 | 0x1);
	fake_put(&f->ft, 0x1000, 5, 0x5000 | 0x3);
	fake_put(&f->ft, 0x1000, 7, 0x3000 | 0x1);
	fake_put(&f->ft, 0x2000, 0, 0x4000 | 0x27);
	fake_put(&f->ft, 0x4000, 1, 0x100000 | 0x23);
	fake_put(&f->ft, 0x4000, 2, 0x8000000000101001ull);
	fake_put(&f->ft, 0x2000, 1, 0x200000 | 0x83);
	fake_put(&f->ft, 0x3000, 511, 0x600000 | 0x183);
	fake_put(&f->ft, 0x6000, 0, 0x7000 | 0x83);
	setup_walk(f, CR0_LONG, X86PT_CR4_PAE, X86PT_EFER_NXE, 0x1020);

	assert_int_equal(walk_all(f, &g), 0);
	assert_true(g.ascending);
	assert_int_equal(g.leaves, 4);
	assert_int_equal(g.notes[WALK_NOTE_RSVD], 1);
	assert_int_equal(nth_note(&g, WALK_NOTE_RSVD, 0)->level, X86PT_L3);
	assert_int_equal(nth_note(&g, WALK_NOTE_RSVD, 0)->entry_pa, 0x1028);
	assert_int_equal(nth_note(&g, WALK_NOTE_RSVD, 0)->va, 0x40000000);
	assert_int_equal(nth_note(&g, WALK_NOTE_RSVD, 0)->size, GiB1);

	l = nth_leaf(&g, 0);
	assert_leaf(l, 0x1000, 0x100000, X86PT_L1, 0x4008);
	/* A PDPTE has neither RW, US nor A: it limits nothing. */
	assert_true(l->eff.write && !l->eff.user && l->eff.exec);
	assert_true(l->accessed);
	l = nth_leaf(&g, 1);
	assert_leaf(l, 0x2000, 0x101000, X86PT_L1, 0x4010);
	assert_false(l->eff.exec);
	assert_false(l->eff.write);
	assert_leaf(nth_leaf(&g, 2), 0x200000, 0x200000, X86PT_L2, 0x2008);
	l = nth_leaf(&g, 3);
	assert_leaf(l, 0xffe00000, 0x600000, X86PT_L2, 0x3000 + 8 * 511);
	assert_flag_names(l->flags, "P RW PS G");

	/* Three steps; the top has four entries, indexed by bits 30-31. */
	assert_int_equal(walk_va(&f->w, 0xffe01234, &t, &f->err), 0);
	assert_int_equal(t.stop, WALK_OK);
	assert_int_equal(t.mode, X86PT_MODE_PAE);
	assert_int_equal(t.root, 0x1020);
	assert_int_equal(t.nsteps, 2);
	assert_int_equal(t.step[0].level, X86PT_L3);
	assert_int_equal(t.step[0].index, 3);
	assert_int_equal(t.step[0].entry_pa, 0x1038);
	assert_int_equal(t.step[1].index, 511);
	assert_int_equal(t.pa, 0x601234);
	assert_true(t.eff.write);
	assert_int_equal(walk_va(&f->w, 0x1234, &t, &f->err), 0);
	assert_int_equal(t.nsteps, 3);
	assert_int_equal(t.pa, 0x100234);
	assert_int_equal(walk_va(&f->w, 0x40000000, &t, &f->err), 0);
	assert_int_equal(t.stop, WALK_RESERVED);
	assert_int_equal(t.stop_level, X86PT_L3);
	assert_int_equal(walk_va(&f->w, 0x80000000, &t, &f->err), 0);
	assert_int_equal(t.stop, WALK_NOT_PRESENT);
	assert_int_equal(walk_va(&f->w, 0x100000000ull, &t, &f->err), 0);
	assert_int_equal(t.stop, WALK_NONCANONICAL);
	assert_string_equal(walk_trace_result(&t), "past 4 GiB");

	/* A range that reaches past 4 GiB ends there; a leaf it cuts is
	 * reported whole. */
	log_init(&g);
	assert_int_equal(walk_range(&f->w, 0x1fff, 0xffffffffffull, log_leaf,
	    &g, &f->err), 0);
	assert_int_equal(g.leaves, 4);
	assert_int_equal(nth_leaf(&g, 0)->va, 0x1000);
	assert_int_equal(nth_leaf(&g, 3)->va, 0xffe00000);
	log_init(&g);
	assert_int_equal(walk_range(&f->w, 0x100000000ull, ~0ull, log_leaf,
	    &g, &f->err), 0);
	assert_int_equal(g.leaves, 0);
}

/*
 * A PAE PDE naming the page that holds the PDPTEs (CR3 0x1020, the page
 * 0x1000) walks that page as a page table, as the CPU would, and is
 * noted as recursive, by the walk and by walk_va.
 */
static void
test_pae_recursive_root_page(void **state)
{
	struct fake *f = *state;
	struct walk_trace t;
	struct log g;

	fake_put(&f->ft, 0x1000, 4, 0x2000 | 0x1);	/* PDPT[0] -> PD */
	fake_put(&f->ft, 0x2000, 3, 0x1000 | 0x3);	/* PD[3] -> 0x1000 */
	setup_walk(f, CR0_LONG, X86PT_CR4_PAE, X86PT_EFER_NXE, 0x1020);
	assert_int_equal(walk_all(f, &g), 0);
	assert_int_equal(g.notes[WALK_NOTE_RECURSIVE], 1);
	assert_int_equal(nth_note(&g, WALK_NOTE_RECURSIVE, 0)->va, 0x600000);
	/* The PDPTE, read as a PTE, maps the PD at 0x604000. */
	assert_int_equal(g.leaves, 1);
	assert_int_equal(nth_leaf(&g, 0)->va, 0x604000);
	assert_int_equal(nth_leaf(&g, 0)->pa, 0x2000);
	assert_int_equal(walk_va(&f->w, 0x604000, &t, &f->err), 0);
	assert_int_equal(t.nsteps, 3);
	assert_true(t.step[1].recursive);
	assert_int_equal(t.pa, 0x2000);
}

static void
test_holes(void **state)
{
	struct fake *f = *state;
	struct log g;

	basic_layout(f);
	f->w.holes = true;
	log_init(&g);
	f->w.note = log_note;
	assert_int_equal(walk_range(&f->w, 0, 0x3fff, log_leaf, &g, &f->err),
	    0);
	assert_int_equal(g.nev, 4);
	assert_true(g.ev[0].is_note);
	assert_int_equal(g.ev[0].note.kind, WALK_NOTE_HOLE);
	assert_int_equal(g.ev[0].note.level, X86PT_L1);
	assert_int_equal(g.ev[0].note.va, 0);
	assert_int_equal(g.ev[0].note.size, 4096);
	assert_int_equal(g.ev[0].note.entry_pa, PT);
	assert_int_equal(g.ev[1].leaf.va, 0x1000);
	assert_int_equal(g.ev[2].leaf.va, 0x2000);
	assert_int_equal(g.ev[3].note.kind, WALK_NOTE_HOLE);
	assert_int_equal(g.ev[3].note.va, 0x3000);
	assert_int_equal(g.ev[3].note.entry_pa, PT + 24);

	/* Over everything: 510 empty PML4 slots. */
	assert_int_equal(walk_all(f, &g), 0);
	assert_int_equal(g.hole_l4, 510);
	assert_int_equal(g.leaves, 5);
	/* 510 of the PT + 510 of the PD + 510 + 511 of the PDPTs. */
	assert_int_equal(g.notes[WALK_NOTE_HOLE], 510 + 510 + 510 + 510 + 511);
}

static void
test_memtype_and_pkey_in_leaves(void **state)
{
	struct fake *f = *state;
	const struct walk_leaf *l;
	struct log g;

	chain_layout(f);
	/* PWT: PAT entry 1, WT at power-on, WC in the PAT below. */
	fake_put(&f->ft, PT, 2, 0x102000 | 0x9);
	/* PAT (bit 7) + PCD: entry 6; key 5. */
	fake_put(&f->ft, PT, 3, 0x2800000000103091ull);
	setup_walk(f, CR0_LONG, CR4_LONG | X86PT_CR4_PKE, EFER_LONG, PML4);
	assert_int_equal(walk_all(f, &g), 0);
	assert_string_equal(nth_leaf(&g, 1)->memtype_name, "WT");
	assert_int_equal(nth_leaf(&g, 1)->memtype, X86PT_MT_WT);

	assert_true(x86pt_ctx_set_pat(&f->w.pt, 0x0001050400070106ull));
	assert_int_equal(walk_all(f, &g), 0);
	assert_int_equal(g.leaves, 3);
	assert_string_equal(nth_leaf(&g, 0)->memtype_name, "WB");
	assert_string_equal(nth_leaf(&g, 1)->memtype_name, "WC");
	l = nth_leaf(&g, 2);
	assert_string_equal(l->memtype_name, "WC");
	assert_int_equal(l->pkey, 5);
	assert_flag_names(l->flags, "P PCD PAT");
}

static void
test_ctx_load(void **state)
{
	struct fake *f = *state;
	struct walk_ctx w;
	struct walk_trace t;

	basic_layout(f);
	fake_set_reg(&f->ft, "cr0", CR0_LONG);
	/* CR3's PWT/PCD are not address. */
	fake_set_reg(&f->ft, "cr3", PML4 | 0x18);
	fake_set_reg(&f->ft, "cr4", CR4_LONG);
	fake_set_reg(&f->ft, "efer", EFER_LONG);
	assert_int_equal(walk_ctx_load(&w, &f->ft.tgt, f->cache, &f->err), 0);
	assert_int_equal(w.pt.mode, X86PT_MODE_4LEVEL);
	assert_true(w.pt.nxe);
	assert_int_equal(w.cr3, PML4 | 0x18);
	assert_int_equal(w.max_entries, WALK_DEFAULT_MAX_ENTRIES);
	assert_int_equal(w.max_tables, WALK_DEFAULT_MAX_TABLES);
	assert_int_equal(walk_va(&w, 0x1234, &t, &f->err), 0);
	assert_int_equal(t.root, PML4);
	assert_int_equal(t.pa, 0x100234);

	f->ft.fail_reg = "efer";
	assert_int_equal(walk_ctx_load(&w, &f->ft.tgt, f->cache, &f->err), -1);
	assert_string_equal(f->err.msg, "reading efer: fake: no register efer");
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_pages_of_every_size),
		T(test_subranges),
		T(test_walk_va),
		T(test_nx_disabled),
		T(test_cr0_wp),
		T(test_reserved_above_maxphyaddr),
		T(test_ps_in_pml4e_is_reserved),
		T(test_recursive_slot_511),
		T(test_recursive_slot_510),
		T(test_shared_subtables),
		T(test_table_past_ram),
		T(test_fanout_bomb_truncates),
		T(test_empty_fanout_bomb_truncates),
		T(test_ascending_across_the_canonical_hole),
		T(test_five_levels),
		T(test_five_levels_recursive),
		T(test_cache_reads_each_table_once),
		T(test_cache_grows_and_keeps_pages),
		T(test_small_cache_stays_bounded),
		T(test_callbacks_stop_and_fail),
		T(test_read_failure),
		T(test_paging_off),
		T(test_32bit_paging),
		T(test_pae_paging),
		T(test_pae_recursive_root_page),
		T(test_holes),
		T(test_memtype_and_pkey_in_leaves),
		T(test_ctx_load),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
