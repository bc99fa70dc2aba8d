/*
 * Unit tests for audit.c, the findings of `check`: leaves and notes are
 * fed by hand as the walker would report them, then audit_finish() and
 * the findings and summary are compared with values worked out by hand
 * (the comments say how where it is not plain from the leaves).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "audit.h"

#define K4 0x1000ull
#define M2 0x200000ull
#define G1 0x40000000ull

#define NITEMS(a) (sizeof (a) / sizeof (a)[0])

/* Effective rights of a leaf; 0 is a read-only supervisor NX page. */
#define RW 1u
#define RX 2u
#define RU 4u

#define LVL(size) ((size) == G1 ? X86PT_L3 : (size) == M2 ? X86PT_L2 : \
	X86PT_L1)

/* A leaf with these effective rights and memory type (WB, UC, ...). */
#define LEAF(va_, pa_, size_, r_, mt_) { .va = (va_), .pa = (pa_), \
	.page_size = (size_), .level = LVL(size_), \
	.memtype = X86PT_MT_##mt_, .memtype_name = #mt_, \
	.eff = { .write = ((r_) & RW) != 0, .sup_write = ((r_) & RW) != 0, \
	.user = ((r_) & RU) != 0, .exec = ((r_) & RX) != 0 } }

/* What a walk with w->tables reports before a table's entries. */
#define TABLE(pa_) { .kind = WALK_NOTE_TABLE, .level = X86PT_L1, \
	.table_pa = (pa_) }
#define RSVD(va_, size_, lv_, epa_, raw_, bits_) { .kind = WALK_NOTE_RSVD, \
	.level = (lv_), .va = (va_), .size = (size_), .entry_pa = (epa_), \
	.raw = (raw_), .rsvd = (bits_) }
#define PAST(va_, size_, lv_, epa_, tpa_) { .kind = WALK_NOTE_PAST_RAM, \
	.level = (lv_), .va = (va_), .size = (size_), .entry_pa = (epa_), \
	.table_pa = (tpa_) }

static struct walk_leaf
leaf(uint64_t va, uint64_t pa, uint64_t size, unsigned r)
{
	struct walk_leaf l = LEAF(va, pa, size, r, WB);

	return l;
}

/* The audit under test, freed by teardown when an assertion jumps out
 * before done(): a failure reports no leaks of its own. */
static struct audit *live;

static struct audit *
new_audit(const struct audit_opts *o)
{
	struct pt_err err = { 0 };

	assert_null(live);
	if ((live = audit_new(o, &err)) == NULL)
		fail_msg("audit_new: %s", err.msg);
	return live;
}

static void
done(struct audit *a)
{
	assert_ptr_equal(a, live);
	audit_free(a);
	live = NULL;
}

static int
teardown(void **state)
{
	(void)state;
	audit_free(live);
	live = NULL;
	return 0;
}

static void
finish(struct audit *a)
{
	struct pt_err err = { 0 };

	if (audit_finish(a, &err) != 0)
		fail_msg("audit_finish: %s", err.msg);
}

static void
feed_leaf(struct audit *a, struct walk_leaf l)
{
	assert_int_equal(audit_leaf(a, &l), 0);
}

/* ---- each kind, found and not found, one case at a time ------------- */

struct want {
	enum audit_kind kind;
	uint64_t va, last, pa;
	const char *detail;	/* NULL: not checked */
};

struct acase {
	const char *name;
	struct audit_opts o;
	struct walk_note n[4];	/* up to the first with level 0 */
	struct walk_leaf l[5];	/* up to the first with page_size 0 */
	struct want w[4];	/* sorted; up to the first with last 0 */
	uint64_t ranges;	/* 0: not checked */
	uint64_t ignored;
};

#define O_STRICT	{ .strict = true }
#define O_SMEP		{ .smep = true }
#define O_LA57		{ .la57 = true }
#define O_RAM(x)	{ .ram_limit = (x) }
#define O_ONLY(m)	{ .only = (m) }
#define BIT(k)		(1u << (k))
#define HI		0xffff800000000000ull	/* upper half, 4-level */

static const struct acase cases[] = {
	/* ---- wx ---- */
	{ "wx: one W+X range is wx and no alias with itself", { 0 }, { { 0 } },
	  { LEAF(0x1000, 0x5000, K4, RW | RX, WB),
	    LEAF(0x2000, 0x6000, K4, RW | RX, WB),
	    LEAF(0x8000, 0x9000, K4, 0, WB) },
	  { { AUDIT_WX, 0x1000, 0x2fff, 0x5000,
	      "writable and executable (supervisor)" } }, 2, 0 },
	{ "wx: user W+X says user", O_SMEP, { { 0 } },
	  { LEAF(0x1000, 0x5000, K4, RW | RX | RU, WB) },
	  { { AUDIT_WX, 0x1000, 0x1fff, 0x5000,
	      "writable and executable (user)" } }, 1, 0 },
	{ "wx: W and X on separate pages: none", { 0 }, { { 0 } },
	  { LEAF(0x1000, 0x5000, K4, RW, WB),
	    LEAF(0x3000, 0x7000, K4, RX, WB) }, { { 0 } }, 2, 0 },

	/* ---- coalescing: one finding per range ---- */
	{ "coalesce: contiguous in VA and PA", { 0 }, { { 0 } },
	  { LEAF(0x1000, 0x5000, K4, RW | RX, WB),
	    LEAF(0x2000, 0x6000, K4, RW | RX, WB),
	    LEAF(0x3000, 0x7000, K4, RW | RX, WB) },
	  { { AUDIT_WX, 0x1000, 0x3fff, 0x5000, NULL } }, 1, 0 },
	{ "coalesce: a break in PA", { 0 }, { { 0 } },
	  { LEAF(0x1000, 0x5000, K4, RW | RX, WB),
	    LEAF(0x2000, 0x7000, K4, RW | RX, WB) },
	  { { AUDIT_WX, 0x1000, 0x1fff, 0x5000, NULL },
	    { AUDIT_WX, 0x2000, 0x2fff, 0x7000, NULL } }, 2, 0 },
	{ "coalesce: a change of rights", { 0 }, { { 0 } },
	  { LEAF(0x1000, 0x5000, K4, RW | RX, WB),
	    LEAF(0x2000, 0x6000, K4, RW, WB),
	    LEAF(0x3000, 0x7000, K4, RW | RX, WB) },
	  { { AUDIT_WX, 0x1000, 0x1fff, 0x5000, NULL },
	    { AUDIT_WX, 0x3000, 0x3fff, 0x7000, NULL } }, 3, 0 },
	{ "coalesce: a change of page size", { 0 }, { { 0 } },
	  { LEAF(0x1ff000, 0x1ff000, K4, RW | RX, WB),
	    LEAF(0x200000, 0x200000, M2, RW | RX, WB) },
	  { { AUDIT_WX, 0x1ff000, 0x1fffff, 0x1ff000, NULL },
	    { AUDIT_WX, 0x200000, 0x3fffff, 0x200000, NULL } }, 2, 0 },
	{ "coalesce: a change of memory type", { 0 }, { { 0 } },
	  { LEAF(0x1000, 0x5000, K4, RW | RX, WB),
	    LEAF(0x2000, 0x6000, K4, RW | RX, UC) },
	  { { AUDIT_WX, 0x1000, 0x1fff, 0x5000, NULL },
	    { AUDIT_WX, 0x2000, 0x2fff, 0x6000, NULL } }, 2, 0 },
	/* 0xfffffffffffff000 + 4K wraps to 0, and 0x5000 + (0 - that va)
	 * to 0x6000: "contiguous" modulo 2^64, but not a range. */
	{ "coalesce: never across the top of the address space", { 0 },
	  { { 0 } },
	  { LEAF(0xfffffffffffff000, 0x5000, K4, RW | RX, WB),
	    LEAF(0x0, 0x6000, K4, RW | RX, WB) },
	  { { AUDIT_WX, 0x0, 0xfff, 0x6000, NULL },
	    { AUDIT_WX, 0xfffffffffffff000, UINT64_MAX, 0x5000, NULL } },
	  2, 0 },

	/* ---- user-tables, writable-tables ---- */
	{ "user-tables: user read-only map of a table page", { 0 },
	  { TABLE(0x9000) }, { LEAF(0x400000, 0x9000, K4, RU, WB) },
	  { { AUDIT_USER_TABLES, 0x400000, 0x400fff, 0x9000,
	      "maps page-table page 0x9000 user-accessible" } }, 1, 0 },
	{ "user-tables: user map of a data page: none", { 0 },
	  { TABLE(0x9000) }, { LEAF(0x400000, 0xa000, K4, RU, WB) },
	  { { 0 } }, 1, 0 },
	{ "user-tables: supervisor read-only map of a table: none", O_STRICT,
	  { TABLE(0x9000) }, { LEAF(HI + 0x9000, 0x9000, K4, 0, WB) },
	  { { 0 } }, 1, 0 },
	/* Tables at 0x1ff000 and 0x400000 sit just outside [0x200000,
	 * 0x400000); 0x201000 and 0x3ff000 inside, the first is named. */
	{ "user-tables: 2M page, tables inside and at its edges", { 0 },
	  { TABLE(0x1ff000), TABLE(0x3ff000), TABLE(0x201000),
	    TABLE(0x400000) },
	  { LEAF(0x200000, 0x200000, M2, RU, WB) },
	  { { AUDIT_USER_TABLES, 0x200000, 0x3fffff, 0x200000,
	      "maps page-table page 0x201000 (and more) user-accessible" } },
	  1, 0 },
	{ "user-tables: tables just outside a 2M page: none", { 0 },
	  { TABLE(0x1ff000), TABLE(0x400000) },
	  { LEAF(0x200000, 0x200000, M2, RU, WB) }, { { 0 } }, 1, 0 },
	{ "writable-tables: off by default", { 0 },
	  { TABLE(0x9000) }, { LEAF(HI + 0x9000, 0x9000, K4, RW, WB) },
	  { { 0 } }, 1, 0 },
	{ "writable-tables: --strict", O_STRICT,
	  { TABLE(0x9000) }, { LEAF(HI + 0x9000, 0x9000, K4, RW, WB) },
	  { { AUDIT_WRITABLE_TABLES, HI + 0x9000, HI + 0x9fff, 0x9000,
	      "maps page-table page 0x9000 writable" } }, 1, 0 },
	{ "writable-tables: user and writable is user-tables alone",
	  O_STRICT, { TABLE(0x9000) },
	  { LEAF(0x400000, 0x9000, K4, RU | RW, WB) },
	  { { AUDIT_USER_TABLES, 0x400000, 0x400fff, 0x9000, NULL } }, 1, 0 },

	/* ---- user-high: bit 47, or 56 with LA57 ---- */
	{ "user-high: 4-level, first upper page", { 0 }, { { 0 } },
	  { LEAF(HI, 0x5000, K4, RU, WB) },
	  { { AUDIT_USER_HIGH, HI, HI + 0xfff, 0x5000,
	      "user-accessible (US=1 at every level) in the supervisor "
	      "half" } }, 1, 0 },
	{ "user-high: 4-level, last lower page: none", { 0 }, { { 0 } },
	  { LEAF(0x00007ffffffff000, 0x5000, K4, RU, WB) }, { { 0 } }, 1, 0 },
	{ "user-high: 4-level, supervisor upper page: none", { 0 },
	  { { 0 } }, { LEAF(HI, 0x5000, K4, 0, WB) }, { { 0 } }, 1, 0 },
	/* Bit 47 set, bit 56 clear: 5-level user space. */
	{ "user-high: la57, bit 47 alone is the lower half: none", O_LA57,
	  { { 0 } }, { LEAF(0x0000800000000000, 0x5000, K4, RU, WB) },
	  { { 0 } }, 1, 0 },
	{ "user-high: la57, first upper page", O_LA57, { { 0 } },
	  { LEAF(0xff00000000000000, 0x5000, K4, RU, WB) },
	  { { AUDIT_USER_HIGH, 0xff00000000000000, 0xff00000000000fff,
	      0x5000, NULL } }, 1, 0 },
	/* Bit 56 set, bit 47 clear: not canonical in 4-level paging, so
	 * the walker never reports it; here only to show bit 47 decides. */
	{ "user-high: 4-level ignores bit 56", { 0 }, { { 0 } },
	  { LEAF(0xff00000000000000, 0x5000, K4, RU, WB) }, { { 0 } }, 1, 0 },

	/* ---- user-exec: SMEP ---- */
	{ "user-exec: SMEP off", { 0 }, { { 0 } },
	  { LEAF(0x400000, 0x5000, K4, RU | RX, WB) },
	  { { AUDIT_USER_EXEC, 0x400000, 0x400fff, 0x5000,
	      "a user page that ring 0 may execute: CR4.SMEP=0" } }, 1, 0 },
	{ "user-exec: SMEP on: none", O_SMEP, { { 0 } },
	  { LEAF(0x400000, 0x5000, K4, RU | RX, WB) }, { { 0 } }, 1, 0 },
	{ "user-exec: SMEP off, user NX: none", { 0 }, { { 0 } },
	  { LEAF(0x400000, 0x5000, K4, RU, WB) }, { { 0 } }, 1, 0 },
	{ "user-exec: SMEP off, supervisor X: none", { 0 }, { { 0 } },
	  { LEAF(0xffffffff80000000, 0x5000, K4, RX, WB) }, { { 0 } }, 1, 0 },
	/* In the upper half it is user-high already; not said twice. */
	{ "user-exec: SMEP off, upper half is user-high alone", { 0 },
	  { { 0 } }, { LEAF(HI, 0x5000, K4, RU | RX, WB) },
	  { { AUDIT_USER_HIGH, HI, HI + 0xfff, 0x5000, NULL } }, 1, 0 },
	{ "user-exec: sorted after wx on the same range", { 0 }, { { 0 } },
	  { LEAF(0x400000, 0x5000, K4, RU | RW | RX, WB) },
	  { { AUDIT_WX, 0x400000, 0x400fff, 0x5000, NULL },
	    { AUDIT_USER_EXEC, 0x400000, 0x400fff, 0x5000, NULL } }, 1, 0 },

	/* Same VA: by kind, whatever order they were found in (rsvd
	 * during the walk, wx at the end; user-tables after user-high). */
	{ "sorted by kind at one VA: wx before rsvd", { 0 },
	  { RSVD(0x200000, M2, X86PT_L2, 0x3008, 0, 1ull << 51) },
	  { LEAF(0x200000, 0x200000, M2, RW | RX, WB) },
	  { { AUDIT_WX, 0x200000, 0x3fffff, 0x200000, NULL },
	    { AUDIT_RSVD, 0x200000, 0x3fffff, 0x3008, NULL } }, 1, 0 },
	{ "sorted by kind at one VA: user-tables before user-high", { 0 },
	  { TABLE(0x9000) }, { LEAF(HI, 0x9000, K4, RU, WB) },
	  { { AUDIT_USER_TABLES, HI, HI + 0xfff, 0x9000, NULL },
	    { AUDIT_USER_HIGH, HI, HI + 0xfff, 0x9000, NULL } }, 1, 0 },

	/* ---- rsvd ---- */
	/* A PDE covers 2 MiB: 0x40000000 + 0x1fffff. */
	{ "rsvd: a note covers what its entry maps", { 0 },
	  { RSVD(0x40000000, M2, X86PT_L2, 0x3008, 0x0008000000200083ull,
	      0x0008000000000000ull) }, { { 0 } },
	  { { AUDIT_RSVD, 0x40000000, 0x401fffff, 0x3008,
	      "the PDE at 0x3008 = 0x0008000000200083 has reserved bits "
	      "0x8000000000000: accesses fault" } }, 0, 0 },
	{ "rsvd: reserved bits on a leaf alone are no finding", { 0 },
	  { { 0 } }, { { .va = 0x1000, .pa = 0x5000, .page_size = K4,
	      .level = X86PT_L1, .memtype = X86PT_MT_WB, .memtype_name = "WB",
	      .rsvd = 1ull << 51, .rsvd_level = 1 } }, { { 0 } }, 1, 0 },

	/* ---- past-ram ---- */
	{ "past-ram: RAM size unknown: none", O_RAM(0), { { 0 } },
	  { LEAF(0x1000, 0x100000000, K4, 0, WB) }, { { 0 } }, 1, 0 },
	{ "past-ram: a WB page past RAM", O_RAM(0x10000000), { { 0 } },
	  { LEAF(0x1000, 0x10000000, K4, 0, WB) },
	  { { AUDIT_PAST_RAM, 0x1000, 0x1fff, 0x10000000,
	      "a write-back mapping of 0x10000000, past RAM (0x10000000)" } },
	  1, 0 },
	{ "past-ram: a WB page ending at the limit: none", O_RAM(0x10000000),
	  { { 0 } }, { LEAF(0x1000, 0x0ffff000, K4, 0, WB) }, { { 0 } }, 1, 0 },
	{ "past-ram: UC past RAM is MMIO: none", O_RAM(0x10000000),
	  { { 0 } }, { LEAF(0x1000, 0xfee00000, K4, 0, UC) }, { { 0 } }, 1, 0 },
	/* [0xfe00000, 0x10000000) crosses 0xff00000: the part past RAM
	 * starts at the limit, and the detail names that. */
	{ "past-ram: a 2M WB page across the limit", O_RAM(0x0ff00000),
	  { { 0 } }, { LEAF(0x200000, 0x0fe00000, M2, 0, WB) },
	  { { AUDIT_PAST_RAM, 0x200000, 0x3fffff, 0x0fe00000,
	      "a write-back mapping of 0xff00000, past RAM (0xff00000)" } },
	  1, 0 },
	{ "past-ram: a table past RAM (note)", O_RAM(0x10000000),
	  { PAST(0, G1, X86PT_L3, 0x2000, 0x20000000) }, { { 0 } },
	  { { AUDIT_PAST_RAM, 0, 0x3fffffff, 0x20000000,
	      "the PDPTE at 0x2000 points to a table at 0x20000000, past RAM "
	      "(0x10000000)" } }, 0, 0 },

	/* ---- alias, alias-memtype ---- */
	{ "alias: writable at two addresses: none", { 0 }, { { 0 } },
	  { LEAF(0x1000, 0x5000, K4, RW, WB),
	    LEAF(0x3000, 0x5000, K4, RW, WB) }, { { 0 } }, 2, 0 },
	{ "alias: read-only at two addresses: none", { 0 }, { { 0 } },
	  { LEAF(0x1000, 0x5000, K4, 0, WB),
	    LEAF(0x3000, 0x5000, K4, 0, WB) }, { { 0 } }, 2, 0 },
	{ "alias: read-only and executable, nothing writable: none", { 0 },
	  { { 0 } }, { LEAF(0x1000, 0x5000, K4, 0, WB),
	    LEAF(0x3000, 0x5000, K4, RX, WB) }, { { 0 } }, 2, 0 },
	{ "alias: writable here, read-only there", { 0 }, { { 0 } },
	  { LEAF(0x1000, 0x5000, K4, RW, WB),
	    LEAF(0x3000, 0x5000, K4, 0, WB) },
	  { { AUDIT_ALIAS, 0x1000, 0x1fff, 0x5000,
	      "frame 0x5000+0x1000 is writable here and read-only at "
	      "0x3000" } }, 2, 0 },
	{ "alias: read-only first in VA, found at the writable one", { 0 },
	  { { 0 } }, { LEAF(0x1000, 0x5000, K4, 0, WB),
	    LEAF(0x3000, 0x5000, K4, RW, WB) },
	  { { AUDIT_ALIAS, 0x3000, 0x3fff, 0x5000,
	      "frame 0x5000+0x1000 is writable here and read-only at "
	      "0x1000" } }, 2, 0 },
	{ "alias: writable here, executable there", { 0 }, { { 0 } },
	  { LEAF(0x1000, 0x5000, K4, RW, WB),
	    LEAF(0x3000, 0x5000, K4, RX, WB) },
	  { { AUDIT_ALIAS, 0x1000, 0x1fff, 0x5000,
	      "frame 0x5000+0x1000 is writable here and executable at "
	      "0x3000" } }, 2, 0 },
	{ "alias: W+X here, read-only there", { 0 }, { { 0 } },
	  { LEAF(0x1000, 0x5000, K4, RW | RX, WB),
	    LEAF(0x3000, 0x5000, K4, 0, WB) },
	  { { AUDIT_WX, 0x1000, 0x1fff, 0x5000, NULL },
	    { AUDIT_ALIAS, 0x1000, 0x1fff, 0x5000,
	      "frame 0x5000+0x1000 is writable here and read-only at "
	      "0x3000" } }, 2, 0 },
	/* Writable at 0x3000 and executable at 0x1000: the finding is at
	 * the writable-only address, the W+X one is "there". */
	{ "alias: W+X here, writable there", { 0 }, { { 0 } },
	  { LEAF(0x1000, 0x5000, K4, RW | RX, WB),
	    LEAF(0x3000, 0x5000, K4, RW, WB) },
	  { { AUDIT_WX, 0x1000, 0x1fff, 0x5000, NULL },
	    { AUDIT_ALIAS, 0x3000, 0x3fff, 0x5000,
	      "frame 0x5000+0x1000 is writable here and executable at "
	      "0x1000" } }, 2, 0 },
	/* W maps [0x5000, 0x7000) at 0x1000; RO maps 0x6000 at 0x10000.
	 * Shared: 0x6000, which W maps at 0x1000 + 0x1000. */
	{ "alias: only the shared part of a range", { 0 }, { { 0 } },
	  { LEAF(0x1000, 0x5000, K4, RW, WB),
	    LEAF(0x2000, 0x6000, K4, RW, WB),
	    LEAF(0x10000, 0x6000, K4, 0, WB) },
	  { { AUDIT_ALIAS, 0x2000, 0x2fff, 0x6000,
	      "frame 0x6000+0x1000 is writable here and read-only at "
	      "0x10000" } }, 2, 0 },
	{ "alias: touching frames are no alias", { 0 }, { { 0 } },
	  { LEAF(0x1000, 0x5000, K4, RW | RX, WB),
	    LEAF(0x3000, 0x6000, K4, 0, WB) },
	  { { AUDIT_WX, 0x1000, 0x1fff, 0x5000, NULL } }, 2, 0 },
	/* RO maps [0x4000, 0x6000) at 0x20000, so on [0x5000, 0x6000) it
	 * is active before W and X: executable still wins over read-only. */
	{ "alias: executable named before read-only", { 0 }, { { 0 } },
	  { LEAF(0x20000, 0x4000, K4, 0, WB),
	    LEAF(0x21000, 0x5000, K4, 0, WB),
	    LEAF(0x1000, 0x5000, K4, RW, WB),
	    LEAF(0x30000, 0x5000, K4, RX, WB) },
	  { { AUDIT_ALIAS, 0x1000, 0x1fff, 0x5000,
	      "frame 0x5000+0x1000 is writable here and executable at "
	      "0x30000" } }, 3, 0 },
	/* As above, with UC for the second: on [0x6000, 0x7000) the WB
	 * range was active first, so it is "here". */
	{ "alias-memtype: WB here, UC there", { 0 }, { { 0 } },
	  { LEAF(0x1000, 0x5000, K4, 0, WB),
	    LEAF(0x2000, 0x6000, K4, 0, WB),
	    LEAF(0x10000, 0x6000, K4, 0, UC) },
	  { { AUDIT_ALIAS_MEMTYPE, 0x2000, 0x2fff, 0x6000,
	      "frame 0x6000+0x1000 is WB here and UC at 0x10000 (undefined "
	      "behaviour, SDM 11.12.4)" } }, 2, 0 },
	{ "alias-memtype: and alias, both on one stretch", { 0 }, { { 0 } },
	  { LEAF(0x1000, 0x5000, K4, RW, WB),
	    LEAF(0x3000, 0x5000, K4, 0, WC) },
	  { { AUDIT_ALIAS, 0x1000, 0x1fff, 0x5000, NULL },
	    { AUDIT_ALIAS_MEMTYPE, 0x1000, 0x1fff, 0x5000, NULL } }, 2, 0 },

	/* ---- --only ---- */
	{ "--only alias: no wx", O_ONLY(BIT(AUDIT_ALIAS)), { { 0 } },
	  { LEAF(0x1000, 0x5000, K4, RW | RX, WB),
	    LEAF(0x3000, 0x5000, K4, 0, WB) },
	  { { AUDIT_ALIAS, 0x1000, 0x1fff, 0x5000, NULL } }, 2, 0 },
	{ "--only wx: no alias", O_ONLY(BIT(AUDIT_WX)), { { 0 } },
	  { LEAF(0x1000, 0x5000, K4, RW | RX, WB),
	    LEAF(0x3000, 0x5000, K4, 0, WB) },
	  { { AUDIT_WX, 0x1000, 0x1fff, 0x5000, NULL } }, 2, 0 },
	{ "--only alias-memtype: no alias", O_ONLY(BIT(AUDIT_ALIAS_MEMTYPE)),
	  { { 0 } }, { LEAF(0x1000, 0x5000, K4, RW, WB),
	    LEAF(0x3000, 0x5000, K4, 0, UC) },
	  { { AUDIT_ALIAS_MEMTYPE, 0x1000, 0x1fff, 0x5000, NULL } }, 2, 0 },
	{ "--only writable-tables needs no --strict",
	  O_ONLY(BIT(AUDIT_WRITABLE_TABLES)), { TABLE(0x9000) },
	  { LEAF(HI + 0x9000, 0x9000, K4, RW | RX, WB) },
	  { { AUDIT_WRITABLE_TABLES, HI + 0x9000, HI + 0x9fff, 0x9000,
	      NULL } }, 1, 0 },
	/* The man page: "the same through any writable mapping"; a user
	 * one is writable too, and user-tables was not asked for. */
	{ "--only writable-tables: a user writable mapping too",
	  O_ONLY(BIT(AUDIT_WRITABLE_TABLES)), { TABLE(0x9000) },
	  { LEAF(0x400000, 0x9000, K4, RU | RW, WB) },
	  { { AUDIT_WRITABLE_TABLES, 0x400000, 0x400fff, 0x9000,
	      "maps page-table page 0x9000 writable" } }, 1, 0 },
	{ "--only writable-tables: a user read-only mapping: none",
	  O_ONLY(BIT(AUDIT_WRITABLE_TABLES)), { TABLE(0x9000) },
	  { LEAF(0x400000, 0x9000, K4, RU, WB) }, { { 0 } }, 1, 0 },
	/* Both asked: one finding for the range, the user one. */
	{ "--only user-tables,writable-tables: user wins",
	  O_ONLY(BIT(AUDIT_USER_TABLES) | BIT(AUDIT_WRITABLE_TABLES)),
	  { TABLE(0x9000) }, { LEAF(0x400000, 0x9000, K4, RU | RW, WB) },
	  { { AUDIT_USER_TABLES, 0x400000, 0x400fff, 0x9000, NULL } },
	  1, 0 },
	{ "--only user-high,rsvd", O_ONLY(BIT(AUDIT_USER_HIGH) |
	      BIT(AUDIT_RSVD)),
	  { RSVD(0x40000000, M2, X86PT_L2, 0x3008, 0, 1ull << 51) },
	  { LEAF(0x1000, 0x5000, K4, RU | RW | RX, WB),
	    LEAF(HI, 0x6000, K4, RU | RW | RX, WB) },
	  { { AUDIT_RSVD, 0x40000000, 0x401fffff, 0x3008, NULL },
	    { AUDIT_USER_HIGH, HI, HI + 0xfff, 0x6000, NULL } }, 2, 0 },

	/* ---- --ignore: only findings wholly inside, counted ---- */
	{ "--ignore: a finding wholly inside is dropped",
	  { .nignore = 1, .ignore = { { 0x1000, 0x1fff } } }, { { 0 } },
	  { LEAF(0x1000, 0x5000, K4, RW | RX, WB),
	    LEAF(0x3000, 0x7000, K4, RW | RX, WB) },
	  { { AUDIT_WX, 0x3000, 0x3fff, 0x7000, NULL } }, 2, 1 },
	{ "--ignore: a finding partly inside stays",
	  { .nignore = 1, .ignore = { { 0x1000, 0x1fff } } }, { { 0 } },
	  { LEAF(0x1000, 0x5000, K4, RW | RX, WB),
	    LEAF(0x2000, 0x6000, K4, RW | RX, WB) },
	  { { AUDIT_WX, 0x1000, 0x2fff, 0x5000, NULL } }, 1, 0 },
	/* Two findings (wx, user-exec) on one range both go. */
	{ "--ignore: the second of two ranges, every kind",
	  { .nignore = 2, .ignore = { { 0x100000, 0x1fffff },
	      { 0x3000, 0x3fff } } }, { { 0 } },
	  { LEAF(0x1000, 0x5000, K4, RW | RX, WB),
	    LEAF(0x3000, 0x7000, K4, RU | RW | RX, WB) },
	  { { AUDIT_WX, 0x1000, 0x1fff, 0x5000, NULL } }, 2, 2 },
	{ "--ignore: an alias, by its writable address",
	  { .nignore = 1, .ignore = { { 0x1000, 0x1fff } } }, { { 0 } },
	  { LEAF(0x1000, 0x5000, K4, RW, WB),
	    LEAF(0x3000, 0x5000, K4, 0, WB) }, { { 0 } }, 2, 1 },
	{ "--ignore: the read-only side does not hide an alias",
	  { .nignore = 1, .ignore = { { 0x3000, 0x3fff } } }, { { 0 } },
	  { LEAF(0x1000, 0x5000, K4, RW, WB),
	    LEAF(0x3000, 0x5000, K4, 0, WB) },
	  { { AUDIT_ALIAS, 0x1000, 0x1fff, 0x5000, NULL } }, 2, 0 },
	{ "--ignore: an unwanted kind is not counted",
	  { .only = BIT(AUDIT_WX), .nignore = 1,
	    .ignore = { { 0x1000, 0x1fff } } }, { { 0 } },
	  { LEAF(0x1000, 0x5000, K4, RW, WB),
	    LEAF(0x3000, 0x5000, K4, 0, WB) }, { { 0 } }, 2, 0 },
};

static void
print_findings(const struct audit_finding *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		print_message("  got  %-15s 0x%016llx-0x%016llx pa 0x%llx: %s\n",
		    audit_kind_name(f[i].kind), (unsigned long long)f[i].va,
		    (unsigned long long)f[i].last, (unsigned long long)f[i].pa,
		    f[i].detail);
}

static void
run_case(const struct acase *k)
{
	struct audit *a = new_audit(&k->o);
	const struct audit_finding *f;
	struct audit_summary s;
	uint64_t count[AUDIT_NKINDS] = { 0 };
	size_t nf, nw, i;

	for (i = 0; i < NITEMS(k->n) && k->n[i].level != 0; i++)
		assert_int_equal(audit_note(a, &k->n[i]), 0);
	for (i = 0; i < NITEMS(k->l) && k->l[i].page_size != 0; i++)
		assert_int_equal(audit_leaf(a, &k->l[i]), 0);
	finish(a);
	f = audit_findings(a, &nf);
	audit_summary(a, &s);
	for (nw = 0; nw < NITEMS(k->w) && k->w[nw].last != 0; nw++)
		count[k->w[nw].kind]++;
	if (nf != nw) {
		print_findings(f, nf);
		fail_msg("%s: %zu findings, want %zu", k->name, nf, nw);
	}
	for (i = 0; i < nw; i++) {
		const struct want *w = &k->w[i];

		if (f[i].kind != w->kind || f[i].va != w->va ||
		    f[i].last != w->last || f[i].pa != w->pa ||
		    (w->detail != NULL && strcmp(f[i].detail, w->detail) != 0)) {
			print_findings(f, nf);
			fail_msg("%s: finding %zu, want %s 0x%llx-0x%llx pa "
			    "0x%llx: %s", k->name, i, audit_kind_name(w->kind),
			    (unsigned long long)w->va,
			    (unsigned long long)w->last,
			    (unsigned long long)w->pa,
			    w->detail != NULL ? w->detail : "(any)");
		}
	}
	for (i = 0; i < AUDIT_NKINDS; i++)
		if (s.count[i] != count[i])
			fail_msg("%s: count[%s] = %llu, want %llu", k->name,
			    audit_kind_name((enum audit_kind)i),
			    (unsigned long long)s.count[i],
			    (unsigned long long)count[i]);
	if (k->ranges != 0 && s.ranges != k->ranges)
		fail_msg("%s: %llu ranges, want %llu", k->name,
		    (unsigned long long)s.ranges,
		    (unsigned long long)k->ranges);
	if (s.ignored != k->ignored)
		fail_msg("%s: %llu ignored, want %llu", k->name,
		    (unsigned long long)s.ignored,
		    (unsigned long long)k->ignored);
	if (s.capped)
		fail_msg("%s: capped", k->name);
	done(a);
}

static void
test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < NITEMS(cases); i++)
		run_case(&cases[i]);
}

/* Every kind is found by at least one case above. */
static void
test_every_kind_covered(void **state)
{
	bool seen[AUDIT_NKINDS] = { false };

	(void)state;
	for (size_t i = 0; i < NITEMS(cases); i++)
		for (size_t j = 0; j < NITEMS(cases[i].w) &&
		    cases[i].w[j].last != 0; j++)
			seen[cases[i].w[j].kind] = true;
	for (unsigned k = 0; k < AUDIT_NKINDS; k++)
		if (!seen[k])
			fail_msg("no case finds %s",
			    audit_kind_name((enum audit_kind)k));
}

/* ---- names and wanted kinds ------------------------------------------ */

static void
test_kind_names(void **state)
{
	enum audit_kind k;

	(void)state;
	for (unsigned i = 0; i < AUDIT_NKINDS; i++) {
		const char *name = audit_kind_name((enum audit_kind)i);

		assert_non_null(name);
		assert_int_equal(audit_kind_by_name(name, &k), 0);
		assert_int_equal(k, i);
	}
	assert_string_equal(audit_kind_name(AUDIT_WX), "wx");
	assert_string_equal(audit_kind_name(AUDIT_ALIAS_MEMTYPE),
	    "alias-memtype");
	assert_null(audit_kind_name(AUDIT_NKINDS));
	assert_int_equal(audit_kind_by_name("aliases", &k), -1);
	assert_int_equal(audit_kind_by_name("", &k), -1);
}

static void
test_wanted(void **state)
{
	struct audit_opts o = { 0 };
	struct audit *a;
	unsigned k;

	(void)state;
	a = new_audit(&o);
	for (k = 0; k < AUDIT_NKINDS; k++)
		assert_int_equal(audit_wanted(a, (enum audit_kind)k),
		    k != AUDIT_WRITABLE_TABLES);
	done(a);

	o.strict = true;
	a = new_audit(&o);
	for (k = 0; k < AUDIT_NKINDS; k++)
		assert_true(audit_wanted(a, (enum audit_kind)k));
	done(a);

	/* --only wins over --strict both ways. */
	o.only = BIT(AUDIT_RSVD) | BIT(AUDIT_WRITABLE_TABLES);
	for (int strict = 0; strict < 2; strict++) {
		o.strict = strict;
		a = new_audit(&o);
		for (k = 0; k < AUDIT_NKINDS; k++)
			assert_int_equal(audit_wanted(a, (enum audit_kind)k),
			    k == AUDIT_RSVD || k == AUDIT_WRITABLE_TABLES);
		done(a);
	}
}

/* ---- tables, recursive slots ----------------------------------------- */

/* A table reached on two paths (a shared or recursive table) is one
 * table page, and one finding for the mapping in front of it. */
static void
test_tables_counted_once(void **state)
{
	static const struct walk_note n[] = {
		TABLE(0x1000), TABLE(0x9000), TABLE(0x2000), TABLE(0x9000),
		TABLE(0x1000), TABLE(0x9000),
	};
	struct audit_opts o = { 0 };
	struct audit *a = new_audit(&o);
	const struct audit_finding *f;
	struct audit_summary s;
	size_t nf;

	(void)state;
	for (size_t i = 0; i < NITEMS(n); i++)
		assert_int_equal(audit_note(a, &n[i]), 0);
	feed_leaf(a, leaf(0x400000, 0x9000, K4, RU));
	finish(a);
	audit_summary(a, &s);
	assert_int_equal(s.tables, 3);	/* 0x1000, 0x2000, 0x9000 */
	assert_int_equal(s.ranges, 1);
	assert_int_equal(s.count[AUDIT_USER_TABLES], 1);
	f = audit_findings(a, &nf);
	assert_int_equal(nf, 1);
	/* One table in the page: no "(and more)" though it came thrice. */
	assert_string_equal(f[0].detail,
	    "maps page-table page 0x9000 user-accessible");
	done(a);
}

static void
test_recursive_named_not_flagged(void **state)
{
	const struct walk_note n = {
		.kind = WALK_NOTE_RECURSIVE, .level = X86PT_L4,
		.va = 0xffffff0000000000, .size = 0x8000000000,
		.entry_pa = 0x1ff0, .raw = 0x1003, .table_pa = 0x1000,
	};
	const struct walk_note hole = {
		.kind = WALK_NOTE_HOLE, .level = X86PT_L1, .va = 0x1000,
		.size = K4, .entry_pa = 0x4008,
	};
	struct audit_opts o = { 0 };
	struct audit *a = new_audit(&o);
	const struct walk_note *r;
	struct audit_summary s;
	size_t nf;

	(void)state;
	assert_int_equal(audit_note(a, &n), 0);
	assert_int_equal(audit_note(a, &hole), 0);
	finish(a);
	audit_summary(a, &s);
	assert_int_equal(s.recursive, 1);
	assert_int_equal(s.tables, 0);
	r = audit_recursive(a, 0);
	assert_non_null(r);
	assert_memory_equal(r, &n, sizeof n);
	assert_null(audit_recursive(a, 1));
	audit_findings(a, &nf);
	assert_int_equal(nf, 0);
	for (unsigned k = 0; k < AUDIT_NKINDS; k++)
		assert_int_equal(s.count[k], 0);
	done(a);
}

/* ---- order ------------------------------------------------------------ */

/* Findings come from notes (during the walk), ranges and the sweep (at
 * the end, by PA); they are listed by VA all the same, and by kind at
 * one VA. */
static void
test_findings_sorted(void **state)
{
	static const struct walk_note rsvd = RSVD(0x200000, M2, X86PT_L2,
	    0x3008, 0, 1ull << 51);
	static const struct want w[] = {
		{ AUDIT_ALIAS, 0x1000, 0x1fff, 0x9000, NULL },
		{ AUDIT_WX, 0x5000, 0x5fff, 0x8000, NULL },
		{ AUDIT_USER_EXEC, 0x5000, 0x5fff, 0x8000, NULL },
		{ AUDIT_RSVD, 0x200000, 0x3fffff, 0x3008, NULL },
		{ AUDIT_USER_HIGH, HI, HI + 0xfff, 0x7000, NULL },
	};
	struct audit_opts o = { 0 };
	struct audit *a = new_audit(&o);
	const struct audit_finding *f;
	size_t nf;

	(void)state;
	assert_int_equal(audit_note(a, &rsvd), 0);
	/* The alias is found last (by the sweep) but has the lowest VA. */
	feed_leaf(a, leaf(0x1000, 0x9000, K4, RW));
	feed_leaf(a, leaf(0x3000, 0x9000, K4, 0));
	feed_leaf(a, leaf(0x5000, 0x8000, K4, RU | RW | RX));
	feed_leaf(a, leaf(HI, 0x7000, K4, RU));
	finish(a);
	f = audit_findings(a, &nf);
	assert_int_equal(nf, NITEMS(w));
	for (size_t i = 0; i < nf; i++) {
		if (f[i].kind != w[i].kind || f[i].va != w[i].va ||
		    f[i].last != w[i].last || f[i].pa != w[i].pa) {
			print_findings(f, nf);
			fail_msg("finding %zu: want %s at 0x%llx", i,
			    audit_kind_name(w[i].kind),
			    (unsigned long long)w[i].va);
		}
	}
	done(a);
}

/* ---- the cap ----------------------------------------------------------- */

/*
 * `pairs` frames, each writable at one address and read-only at another
 * (strides of 8K in VA so nothing coalesces): one alias per frame.
 */
static struct audit *
alias_pairs(unsigned pairs)
{
	struct audit_opts o = { 0 };
	struct audit *a = new_audit(&o);

	for (unsigned i = 0; i < pairs; i++)
		feed_leaf(a, leaf(0x10000000 + 2 * K4 * i, K4 * i, K4, RW));
	for (unsigned i = 0; i < pairs; i++)
		feed_leaf(a, leaf(0x20000000 + 2 * K4 * i, K4 * i, K4, 0));
	finish(a);
	return a;
}

static void
test_cap_exactly_full(void **state)
{
	struct audit *a = alias_pairs(AUDIT_MAX_FINDINGS);
	struct audit_summary s;
	size_t nf;

	(void)state;
	audit_findings(a, &nf);
	audit_summary(a, &s);
	assert_int_equal(nf, AUDIT_MAX_FINDINGS);
	assert_int_equal(s.count[AUDIT_ALIAS], AUDIT_MAX_FINDINGS);
	assert_int_equal(s.ranges, 2 * AUDIT_MAX_FINDINGS);
	assert_false(s.capped);
	done(a);
}

/* One past the cap: listed up to it, counted in full, and sorted. */
static void
test_cap_overflow(void **state)
{
	struct audit *a = alias_pairs(AUDIT_MAX_FINDINGS + 1);
	const struct audit_finding *f;
	struct audit_summary s;
	size_t nf;

	(void)state;
	f = audit_findings(a, &nf);
	audit_summary(a, &s);
	assert_int_equal(nf, AUDIT_MAX_FINDINGS);
	assert_int_equal(s.count[AUDIT_ALIAS], AUDIT_MAX_FINDINGS + 1);
	assert_true(s.capped);
	for (size_t i = 0; i < nf; i++) {
		assert_int_equal(f[i].kind, AUDIT_ALIAS);
		/* The sweep goes by PA, which here rises with the VA of the
		 * writable side: the first 10000 frames are listed. */
		assert_int_equal(f[i].va, 0x10000000 + 2 * K4 * i);
		assert_int_equal(f[i].pa, K4 * i);
	}
	done(a);
}

/* ---- the sweep: many ranges on one frame ------------------------------ */

#define SHARED 20000u

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * SHARED ranges on frame 0x5000 (consecutive VAs, so contiguous in VA
 * but not in PA: no coalescing), with `extra` (rights) also on it at
 * 0x1000 unless ~0u; with `mt`, every other one is UC.  Returns the
 * finished audit and the seconds it took (a quadratic sweep would take
 * minutes under ASan: 2e8 pairs).
 */
static struct audit *
shared_frame(unsigned rights, unsigned extra, const char *mt, double *secs)
{
	struct audit_opts o = { 0 };
	struct audit *a = new_audit(&o);
	double t0 = now();

	if (extra != ~0u)
		feed_leaf(a, leaf(0x1000, 0x5000, K4, extra));
	for (unsigned i = 0; i < SHARED; i++) {
		struct walk_leaf l = leaf(0x100000 + K4 * i, 0x5000, K4,
		    rights);

		if (mt != NULL && i % 2 == 1) {
			l.memtype = X86PT_MT_UC;
			l.memtype_name = mt;
		}
		feed_leaf(a, l);
	}
	finish(a);
	*secs = now() - t0;
	return a;
}

static void
test_sweep_shared_read_only(void **state)
{
	struct audit_summary s;
	double secs;
	struct audit *a = shared_frame(0, ~0u, NULL, &secs);
	size_t nf;

	(void)state;
	audit_findings(a, &nf);
	audit_summary(a, &s);
	assert_int_equal(nf, 0);
	assert_int_equal(s.ranges, SHARED);
	if (secs >= 1.0)
		fail_msg("%u read-only ranges on one frame took %.2fs", SHARED,
		    secs);
	done(a);
}

/* One writable mapping among them: one alias (one stretch), at it. */
static void
test_sweep_shared_one_writable(void **state)
{
	const struct audit_finding *f;
	double secs;
	struct audit *a = shared_frame(0, RW, NULL, &secs);
	size_t nf;

	(void)state;
	f = audit_findings(a, &nf);
	assert_int_equal(nf, 1);
	assert_int_equal(f[0].kind, AUDIT_ALIAS);
	assert_int_equal(f[0].va, 0x1000);
	assert_int_equal(f[0].pa, 0x5000);
	if (secs >= 1.0)
		fail_msg("took %.2fs", secs);
	done(a);
}

/* Mixed types and all writable: one alias-memtype, no alias. */
static void
test_sweep_shared_writable_memtypes(void **state)
{
	const struct audit_finding *f;
	struct audit_summary s;
	double secs;
	struct audit *a = shared_frame(RW, ~0u, "UC", &secs);
	size_t nf;

	(void)state;
	f = audit_findings(a, &nf);
	audit_summary(a, &s);
	assert_int_equal(nf, 1);
	assert_int_equal(f[0].kind, AUDIT_ALIAS_MEMTYPE);
	assert_int_equal(f[0].pa, 0x5000);
	assert_int_equal(s.count[AUDIT_ALIAS], 0);
	if (secs >= 1.0)
		fail_msg("took %.2fs", secs);
	done(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_cases, teardown),
		cmocka_unit_test_teardown(test_every_kind_covered, teardown),
		cmocka_unit_test_teardown(test_kind_names, teardown),
		cmocka_unit_test_teardown(test_wanted, teardown),
		cmocka_unit_test_teardown(test_tables_counted_once, teardown),
		cmocka_unit_test_teardown(test_recursive_named_not_flagged, teardown),
		cmocka_unit_test_teardown(test_findings_sorted, teardown),
		cmocka_unit_test_teardown(test_cap_exactly_full, teardown),
		cmocka_unit_test_teardown(test_cap_overflow, teardown),
		cmocka_unit_test_teardown(test_sweep_shared_read_only, teardown),
		cmocka_unit_test_teardown(test_sweep_shared_one_writable, teardown),
		cmocka_unit_test_teardown(test_sweep_shared_writable_memtypes, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
