/*
 * Unit tests for x86fault.c: exception vectors, #PF error codes, and the
 * verdict on an access, judged from real walk_va() traces over page
 * tables laid out in a byte array (as in test_walk.c).  Expected causes
 * and levels are worked out by hand from SDM vol. 3A 4.6 and 4.7.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "walk.h"
#include "x86fault.h"

#include "fake_target.c"

#define MEM_SIZE	0x20000u

/* Tables of the layout below. */
#define PML4	0x1000u
#define PDPT	0x2000u
#define PD	0x3000u
#define PT	0x4000u
#define PDPT_HI	0x5000u
#define PML5	0x6000u
#define PML4_B	0x7000u
#define PT_SUP	0x8000u		/* reached through a PDE with US=0 */
#define PT_RO	0x9000u		/* reached through a PDE with RW=0 */
#define PT_NX	0xa000u		/* reached through a PDE with NX */

#define NX	0x8000000000000000ull
#define PK(k)	((uint64_t)(k) << 59)

struct fake {
	struct fake_target ft;
	struct walk_cache *cache;
	struct walk_ctx w;
	struct pt_err err;
};

/*
 * One layout for every case; MAXPHYADDR is 40 (QEMU TCG's default), so
 * bits 40..51 are reserved.  US/RW/NX as written; every table RW US
 * unless said.
 *
 *   PML5[0]  -> PML4 (5-level only)     PML5[1] -> PML4_B (empty)
 *   PML5[3]  -> PML4 with US=0          PML5[4] has PS (reserved)
 *   PML4[0]  -> PDPT   PML4[2] has PS (reserved)
 *   PML4[3]  -> 0x200000, past RAM      PML4[511] -> PDPT_HI, US=0
 *   PDPT[1]  1 GiB  user RW             va 0x40000000
 *   PDPT[2]  -> PD with bit 51          va 0x80000000
 *   PDPT[3]  1 GiB  bits 13, 14 set     va 0xc0000000
 *   PDPT[4]  1 GiB  super RW NX         va 0x100000000
 *   PDPT[5]  1 GiB  user RW key 5       va 0x140000000
 *   PDPT[6]  1 GiB  super RW key 3      va 0x180000000
 *   PDPT[7]  1 GiB  user RO             va 0x1c0000000
 *   PD[1]    2 MiB  super RW            va 0x200000
 *   PD[2]    2 MiB  user RW NX          va 0x400000
 *   PD[3]    -> PT_SUP (US=0), [0] user RW         va 0x600000
 *   PD[4]    2 MiB  bit 13 set          va 0x800000
 *   PD[5]    -> PT_RO (RW=0), [0] user RW, [1] RO  va 0xa00000
 *   PD[6]    -> PT_NX (NX), [0] user RW            va 0xc00000
 *   PT[1]    user RW     va 0x1000      PT[2] user RO     va 0x2000
 *   PT[3]    super RO    va 0x3000      PT[4] user RO NX  va 0x4000
 *   PT[5]    not present va 0x5000
 *   PDPT_HI[510] 1 GiB super RW G       va 0xffffffff80000000
 */
static void
layout(struct fake *f)
{
	fake_put(&f->ft, PML5, 0, PML4 | 0x7);
	fake_put(&f->ft, PML5, 1, PML4_B | 0x7);
	fake_put(&f->ft, PML5, 3, PML4 | 0x3);
	fake_put(&f->ft, PML5, 4, PML4 | 0x87);
	fake_put(&f->ft, PML4, 0, PDPT | 0x7);
	fake_put(&f->ft, PML4, 2, PDPT | 0x87);
	fake_put(&f->ft, PML4, 3, 0x200000 | 0x7);
	fake_put(&f->ft, PML4, 511, PDPT_HI | 0x3);
	fake_put(&f->ft, PDPT_HI, 510, 0x183);
	fake_put(&f->ft, PDPT, 0, PD | 0x7);
	fake_put(&f->ft, PDPT, 1, 0x40000000 | 0x87);
	fake_put(&f->ft, PDPT, 2, (1ull << 51) | PD | 0x7);
	fake_put(&f->ft, PDPT, 3, 0xc0000000 | 0x6000 | 0x87);
	fake_put(&f->ft, PDPT, 4, NX | 0x100000000ull | 0x83);
	fake_put(&f->ft, PDPT, 5, PK(5) | 0x140000000ull | 0x87);
	fake_put(&f->ft, PDPT, 6, PK(3) | 0x180000000ull | 0x83);
	fake_put(&f->ft, PDPT, 7, 0x1c0000000ull | 0x85);
	fake_put(&f->ft, PD, 0, PT | 0x7);
	fake_put(&f->ft, PD, 1, 0x200000 | 0x83);
	fake_put(&f->ft, PD, 2, NX | 0x400000 | 0x87);
	fake_put(&f->ft, PD, 3, PT_SUP | 0x3);
	fake_put(&f->ft, PT_SUP, 0, 0x300000 | 0x7);
	fake_put(&f->ft, PD, 4, 0x800000 | 0x2000 | 0x87);
	fake_put(&f->ft, PD, 5, PT_RO | 0x5);
	fake_put(&f->ft, PT_RO, 0, 0x301000 | 0x7);
	fake_put(&f->ft, PT_RO, 1, 0x302000 | 0x5);
	fake_put(&f->ft, PD, 6, NX | PT_NX | 0x7);
	fake_put(&f->ft, PT_NX, 0, 0x303000 | 0x7);
	fake_put(&f->ft, PT, 1, 0x100000 | 0x7);
	fake_put(&f->ft, PT, 2, 0x101000 | 0x5);
	fake_put(&f->ft, PT, 3, 0x102000 | 0x1);
	fake_put(&f->ft, PT, 4, NX | 0x103000 | 0x5);
}

/* Environments: what differs from long mode with CR0.WP and EFER.NXE. */
#define E_LA57	(1u << 0)
#define E_NOWP	(1u << 1)
#define E_NONXE	(1u << 2)
#define E_SMEP	(1u << 3)
#define E_SMAP	(1u << 4)
#define E_PKE	(1u << 5)
#define E_PKS	(1u << 6)

static void
setup_env(struct fake *f, unsigned env)
{
	uint64_t cr0 = X86PT_CR0_PG | 1, cr4 = X86PT_CR4_PAE;
	uint64_t efer = X86PT_EFER_LME | X86PT_EFER_LMA;
	struct x86pt_ctx pt;

	if (!(env & E_NOWP))
		cr0 |= X86PT_CR0_WP;
	if (!(env & E_NONXE))
		efer |= X86PT_EFER_NXE;
	if (env & E_LA57)
		cr4 |= X86PT_CR4_LA57;
	if (env & E_SMEP)
		cr4 |= X86PT_CR4_SMEP;
	if (env & E_SMAP)
		cr4 |= X86PT_CR4_SMAP;
	if (env & E_PKE)
		cr4 |= X86PT_CR4_PKE;
	if (env & E_PKS)
		cr4 |= X86PT_CR4_PKS;
	x86pt_ctx_init(&pt, cr0, cr4, efer);
	assert_true(x86pt_ctx_set_maxphyaddr(&pt, 40));
	walk_ctx_init(&f->w, &f->ft.tgt, f->cache, &pt,
	    (env & E_LA57) ? PML5 : PML4);
	f->w.ram_limit = MEM_SIZE;
}

static int
setup(void **state)
{
	struct fake *f = calloc(1, sizeof *f);

	if (f == NULL || fake_init(&f->ft, MEM_SIZE) < 0 ||
	    (f->cache = walk_cache_new(0, &f->err)) == NULL)
		return -1;
	layout(f);
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

/* ---- the verdict, case by case -------------------------------------- */

enum { AC0, AC1, AC_UNKNOWN };

struct fcase {
	const char *name;
	unsigned env;
	uint64_t va;
	enum x86fault_kind kind;
	bool user;
	int ac;
	bool faults;
	enum x86fault_cause cause;
	unsigned level;
	unsigned bit;
	const char *why;	/* NULL: not checked */
};

#define R	X86FAULT_READ
#define W	X86FAULT_WRITE
#define X	X86FAULT_EXEC
#define SUP	false
#define USR	true
#define C(x)	X86FAULT_CAUSE_##x
#define ALLOWED	"the tables allow this access"

static const struct fcase cases[] = {
	/* Non-canonical: no walk at all. */
	{ "noncanonical 4-level", 0, 0x0000800000000000ull, R, SUP, AC0,
	  true, C(NONCANONICAL), 0, 0, "not a page fault: a non-canonical "
	  "address raises #GP (#SS for a stack access)" },
	{ "noncanonical 5-level", E_LA57, 0x0100000000000000ull, W, USR, AC0,
	  true, C(NONCANONICAL), 0, 0, NULL },
	/* Not present, at every level. */
	{ "4-level hole is mapped space in 5-level", E_LA57,
	  0x0000800000000000ull, R, SUP, AC0, true, C(NOT_PRESENT), 4, 0,
	  "supervisor read from 0x800000000000 faulted: the level-4 entry "
	  "(PML4E) at index 256 is not present" },
	{ "PML4E 0 not present", E_LA57, 0x1000000000000ull, R, SUP, AC0,
	  true, C(NOT_PRESENT), 4, 0, "supervisor read from 0x1000000000000 "
	  "faulted: the level-4 entry (PML4E) at index 0 is not present" },
	{ "PML5E not present", E_LA57, 0x2000000000000ull, X, USR, AC0,
	  true, C(NOT_PRESENT), 5, 0, "user instruction fetch from "
	  "0x2000000000000 faulted: the level-5 entry (PML5E) at index 2 is "
	  "not present" },
	{ "PML4E 1 not present", 0, 0x8000000000ull, W, USR, AC0,
	  true, C(NOT_PRESENT), 4, 0, NULL },
	{ "PTE not present", 0, 0x5000, W, SUP, AC0, true, C(NOT_PRESENT),
	  1, 0, "supervisor write to 0x5000 faulted: the level-1 entry (PTE) "
	  "at index 5 is not present" },
	{ "PTE not present, 5-level", E_LA57, 0x5000, R, USR, AC0,
	  true, C(NOT_PRESENT), 1, 0, NULL },
	/* Reserved bits, before any right. */
	{ "bit 51 in a PDPTE", 0, 0x80000000, R, SUP, AC0, true, C(RESERVED),
	  3, 51, "supervisor read from 0x80000000 faulted: reserved bit 51 is "
	  "set in the level-3 entry (PDPTE) at index 2 (MAXPHYADDR is 40)" },
	{ "two bits in a 1 GiB page", 0, 0xc0000000, R, USR, AC0,
	  true, C(RESERVED), 3, 13, "user read from 0xc0000000 faulted: 2 "
	  "reserved bits are set in the level-3 entry (PDPTE) at index 3, the "
	  "lowest bit 13 (the 1 GiB page address is not aligned)" },
	{ "bit 13 in a 2 MiB page", 0, 0x800000, X, SUP, AC0,
	  true, C(RESERVED), 2, 13, "supervisor instruction fetch from "
	  "0x800000 faulted: reserved bit 13 is set in the level-2 entry "
	  "(PDE) at index 4 (the 2 MiB page address is not aligned)" },
	{ "PS in a PML4E", 0, 0x10000000000ull, R, USR, AC0,
	  true, C(RESERVED), 4, 7, "user read from 0x10000000000 faulted: "
	  "reserved bit 7 is set in the level-4 entry (PML4E) at index 2 (PS "
	  "is reserved in a PML4E)" },
	{ "PS in a PML5E", E_LA57, 0x4000000000000ull, W, SUP, AC0,
	  true, C(RESERVED), 5, 7, NULL },
	{ "NX in a PTE with NXE=0", E_NONXE, 0x4000, R, USR, AC0,
	  true, C(RESERVED), 1, 63, "user read from 0x4000 faulted: reserved "
	  "bit 63 is set in the level-1 entry (PTE) at index 4 (NX while "
	  "EFER.NXE=0)" },
	{ "NX in a PDE with NXE=0", E_NONXE, 0xc00000, X, SUP, AC0,
	  true, C(RESERVED), 2, 63, NULL },
	{ "a table past RAM", 0, 0x18000000000ull, R, SUP, AC0,
	  false, C(PAST_RAM), 4, 0, "cannot tell: the level-4 entry (PML4E) "
	  "at index 3 points to a table at 0x200000, past the end of RAM" },
	/* User access to a supervisor page: the highest level with US=0. */
	{ "user read of a supervisor 2 MiB page", 0, 0x200000, R, USR, AC0,
	  true, C(USER_SUPERVISOR), 2, 0, "user read from 0x200000 faulted: "
	  "the level-2 entry (PDE) at index 1 has US=0" },
	{ "US=0 in a PDE over a user PTE", 0, 0x600000, W, USR, AC0,
	  true, C(USER_SUPERVISOR), 2, 0, NULL },
	{ "user fetch from the kernel", 0, 0xffffffff80001000ull, X, USR, AC0,
	  true, C(USER_SUPERVISOR), 4, 0, "user instruction fetch from "
	  "0xffffffff80001000 faulted: the level-4 entry (PML4E) at index 511 "
	  "has US=0" },
	{ "US=0 in a PML5E", E_LA57, 0x3000000001000ull, R, USR, AC0,
	  true, C(USER_SUPERVISOR), 5, 0, NULL },
	{ "supervisor read of a supervisor page", 0, 0x200000, R, SUP, AC0,
	  false, C(NONE), 2, 0, ALLOWED },
	{ "kernel write", 0, 0xffffffff80001000ull, W, SUP, AC0,
	  false, C(NONE), 3, 0, ALLOWED },
	/* Writes and RW=0, with CR0.WP on and off. */
	{ "user write, RW=0", 0, 0x2000, W, USR, AC0, true, C(READ_ONLY),
	  1, 0, "user write to 0x2000 faulted: the level-1 entry (PTE) at "
	  "index 2 has RW=0" },
	{ "user write, RW=0, WP=0", E_NOWP, 0x2000, W, USR, AC0,
	  true, C(READ_ONLY), 1, 0, NULL },
	{ "supervisor write, RW=0, WP=1", 0, 0x3000, W, SUP, AC0,
	  true, C(READ_ONLY), 1, 0, "supervisor write to 0x3000 faulted: the "
	  "level-1 entry (PTE) at index 3 has RW=0 and CR0.WP=1" },
	{ "supervisor write, RW=0, WP=0", E_NOWP, 0x3000, W, SUP, AC0,
	  false, C(NONE), 1, 0, ALLOWED " (CR0.WP=0 lets a supervisor write "
	  "ignore RW=0)" },
	{ "RW=0 in the PDE and the PTE", 0, 0xa01000, W, USR, AC0,
	  true, C(READ_ONLY), 2, 0, "user write to 0xa01000 faulted: the "
	  "level-2 entry (PDE) at index 5 has RW=0" },
	{ "RW=0 in the PDE only", 0, 0xa00000, W, USR, AC0,
	  true, C(READ_ONLY), 2, 0, NULL },
	{ "user read, RW=0", 0, 0x2000, R, USR, AC0, false, C(NONE), 1, 0,
	  ALLOWED },
	{ "supervisor write to a read-only 1 GiB user page", 0, 0x1c0000000ull,
	  W, SUP, AC1, true, C(READ_ONLY), 3, 0, NULL },
	{ "supervisor write, RW=0, 5-level", E_LA57, 0x2000, W, SUP, AC0,
	  true, C(READ_ONLY), 1, 0, NULL },
	{ "user write, 5-level", E_LA57, 0x1000, W, USR, AC0, false, C(NONE),
	  1, 0, ALLOWED },
	/* Fetches and NX, with EFER.NXE on and off. */
	{ "NX in a PDE over a PTE", 0, 0xc00000, X, USR, AC0, true, C(NX), 2, 0,
	  "user instruction fetch from 0xc00000 faulted: the level-2 entry "
	  "(PDE) at index 6 has NX=1 and EFER.NXE=1" },
	{ "NX in a 2 MiB page", 0, 0x400000, X, SUP, AC0, true, C(NX), 2, 0,
	  NULL },
	{ "NX in a 2 MiB page, 5-level", E_LA57, 0x400000, X, USR, AC0,
	  true, C(NX), 2, 0, NULL },
	{ "NX in a 1 GiB page", 0, 0x100000000ull, X, SUP, AC0, true, C(NX),
	  3, 0, NULL },
	{ "NX in a PTE", 0, 0x4000, X, USR, AC0, true, C(NX), 1, 0, NULL },
	{ "read of an NX page", 0, 0x4000, R, USR, AC0, false, C(NONE), 1, 0,
	  ALLOWED },
	{ "fetch with NXE=0", E_NONXE, 0x1000, X, USR, AC0, false, C(NONE),
	  1, 0, ALLOWED },
	/* SMEP. */
	{ "supervisor fetch from a user page", 0, 0x1000, X, SUP, AC0,
	  false, C(NONE), 1, 0, ALLOWED },
	{ "SMEP", E_SMEP, 0x1000, X, SUP, AC0, true, C(SMEP), 1, 0,
	  "supervisor instruction fetch from 0x1000 faulted: the page is a "
	  "user page (US=1 at every level) and CR4.SMEP=1" },
	{ "SMEP, 1 GiB page", E_SMEP, 0x40000000, X, SUP, AC0, true, C(SMEP),
	  3, 0, NULL },
	{ "SMEP, supervisor page", E_SMEP, 0x200000, X, SUP, AC0,
	  false, C(NONE), 2, 0, ALLOWED },
	{ "SMEP, US=0 in a PDE", E_SMEP, 0x600000, X, SUP, AC0,
	  false, C(NONE), 1, 0, ALLOWED },
	{ "SMEP after NX", E_SMEP, 0x400000, X, SUP, AC0, true, C(NX), 2, 0,
	  NULL },
	{ "SMEP, user fetch", E_SMEP, 0x1000, X, USR, AC0, false, C(NONE),
	  1, 0, ALLOWED },
	/* SMAP, with EFLAGS.AC clear, set and unknown. */
	{ "supervisor read of a user page", 0, 0x1000, R, SUP, AC0,
	  false, C(NONE), 1, 0, ALLOWED },
	{ "SMAP, AC=0", E_SMAP, 0x1000, R, SUP, AC0, true, C(SMAP), 1, 0,
	  "supervisor read from 0x1000 faulted: the page is a user page (US=1 "
	  "at every level), CR4.SMAP=1 and EFLAGS.AC=0" },
	{ "SMAP, AC=1", E_SMAP, 0x1000, W, SUP, AC1, false, C(NONE), 1, 0,
	  ALLOWED },
	{ "SMAP, AC unknown", E_SMAP, 0x40000000, R, SUP, AC_UNKNOWN,
	  false, C(SMAP_AC_UNKNOWN), 3, 0, "supervisor read from 0x40000000 "
	  "touches a user page with CR4.SMAP=1: EFLAGS.AC decides (0: it "
	  "faults, 1: it is allowed)" },
	{ "SMAP, 1 GiB page, 5-level", E_LA57 | E_SMAP, 0x40000000, W, SUP,
	  AC0, true, C(SMAP), 3, 0, NULL },
	{ "SMAP leaves fetches alone", E_SMAP, 0x1000, X, SUP, AC0,
	  false, C(NONE), 1, 0, ALLOWED },
	{ "SMAP leaves user accesses alone", E_SMAP, 0x1000, R, USR,
	  AC_UNKNOWN, false, C(NONE), 1, 0, ALLOWED },
	{ "SMAP, supervisor page", E_SMAP, 0x200000, R, SUP, AC0,
	  false, C(NONE), 2, 0, ALLOWED },
	{ "SMAP, AC=1, RW=0, WP=1", E_SMAP, 0x2000, W, SUP, AC1,
	  true, C(READ_ONLY), 1, 0, NULL },
	{ "SMAP, AC=1, RW=0, WP=0", E_SMAP | E_NOWP, 0x2000, W, SUP, AC1,
	  false, C(NONE), 1, 0, NULL },
	{ "SMAP, AC=0, RW=0, WP=0", E_SMAP | E_NOWP, 0x1c0000000ull, W, SUP,
	  AC0, true, C(SMAP), 3, 0, NULL },
	/* Protection keys: PKRU/PKRS are out of sight. */
	{ "PKE, key 5, user write", E_PKE, 0x140000000ull, W, USR, AC0,
	  false, C(PKEY_UNKNOWN), 3, 0, "user write to 0x140000000 is allowed "
	  "by the tables, but the page has protection key 5 and CR4.PKE=1: "
	  "PKRU decides, and the gdbstub does not expose it" },
	{ "PKE, key 5, supervisor read", E_PKE, 0x140000000ull, R, SUP, AC0,
	  false, C(PKEY_UNKNOWN), 3, 0, NULL },
	{ "PKE, key 5, 5-level", E_LA57 | E_PKE, 0x140000000ull, R, USR, AC0,
	  false, C(PKEY_UNKNOWN), 3, 0, NULL },
	{ "PKE, key 5, fetch", E_PKE, 0x140000000ull, X, USR, AC0,
	  false, C(NONE), 3, 0, ALLOWED },
	{ "PKE, key 0", E_PKE, 0x1000, R, USR, AC0, false, C(NONE), 1, 0,
	  ALLOWED " (protection key 0, assumed open in PKRU)" },
	{ "key bits without PKE", 0, 0x140000000ull, W, USR, AC0,
	  false, C(NONE), 3, 0, ALLOWED },
	{ "PKE, supervisor page", E_PKE, 0x180000000ull, W, SUP, AC0,
	  false, C(NONE), 3, 0, ALLOWED },
	{ "PKS, key 3", E_PKS, 0x180000000ull, W, SUP, AC0,
	  false, C(PKEY_UNKNOWN), 3, 0, "supervisor write to 0x180000000 is "
	  "allowed by the tables, but the page has protection key 3 and "
	  "CR4.PKS=1: IA32_PKRS decides, and the gdbstub does not expose it" },
	{ "PKS, user page", E_PKS, 0x140000000ull, R, USR, AC0,
	  false, C(NONE), 3, 0, ALLOWED },
	{ "PKS after US", E_PKS, 0x180000000ull, R, USR, AC0,
	  true, C(USER_SUPERVISOR), 3, 0, NULL },
	{ "PKE after SMAP", E_PKE | E_SMAP, 0x140000000ull, R, SUP, AC0,
	  true, C(SMAP), 3, 0, NULL },
};

static void
run_case(struct fake *f, const struct fcase *k)
{
	struct x86fault_access a = {
		.va = k->va, .kind = k->kind, .user = k->user,
		.ac = k->ac == AC1, .ac_known = k->ac != AC_UNKNOWN,
	};
	struct x86fault_verdict v;
	struct walk_trace t;

	setup_env(f, k->env);
	if (walk_va(&f->w, k->va, &t, &f->err) != 0)
		fail_msg("%s: walk_va: %s", k->name, f->err.msg);
	if (x86fault_explain(&f->w.pt, &t, &a, &v) != 0)
		fail_msg("%s: explain failed: %s", k->name, v.why);
	if (v.faults != k->faults || v.cause != k->cause ||
	    (unsigned)v.level != k->level || v.bit != k->bit ||
	    (k->why != NULL && strcmp(v.why, k->why) != 0))
		fail_msg("%s:\n  got  faults=%d cause=%s level=%u bit=%u\n"
		    "       \"%s\"\n  want faults=%d cause=%s level=%u bit=%u\n"
		    "       \"%s\"", k->name, v.faults,
		    x86fault_cause_name(v.cause), (unsigned)v.level, v.bit,
		    v.why, k->faults, x86fault_cause_name(k->cause), k->level,
		    k->bit, k->why != NULL ? k->why : "(any)");
	if (v.why[0] == '\0' || strlen(v.why) >= sizeof v.why - 1)
		fail_msg("%s: sentence empty or cut: \"%s\"", k->name, v.why);
}

static void
test_explain_cases(void **state)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		run_case(*state, &cases[i]);
}

/* Every cause has at least one case above. */
static void
test_every_cause_covered(void **state)
{
	bool seen[X86FAULT_CAUSE_PAST_RAM + 1] = { false };

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		seen[cases[i].cause] = true;
	for (unsigned c = 0; c <= X86FAULT_CAUSE_PAST_RAM; c++)
		if (!seen[c])
			fail_msg("no case for cause %s",
			    x86fault_cause_name((enum x86fault_cause)c));
}

static void
test_explain_rejects(void **state)
{
	struct fake *f = *state;
	struct x86fault_access a = { .va = 0x1000, .kind = R };
	struct x86fault_verdict v;
	struct walk_trace t, bad;
	struct x86pt_ctx pae;

	setup_env(f, 0);
	assert_int_equal(walk_va(&f->w, 0x1000, &t, &f->err), 0);
	assert_int_equal(x86fault_explain(&f->w.pt, &t, &a, &v), 0);

	x86pt_ctx_init(&pae, 1, X86PT_CR4_PAE, 0);
	bad = t;
	bad.mode = X86PT_MODE_NONE;
	assert_int_equal(x86fault_explain(&pae, &bad, &a, &v), -1);
	assert_string_equal(v.why, "paging is off: there is nothing to explain");
	assert_false(v.faults);

	/* The registers must be the walk's. */
	setup_env(f, E_LA57);
	assert_int_equal(x86fault_explain(&f->w.pt, &t, &a, &v), -1);
	assert_string_equal(v.why, "the walk was made in another paging mode");
	setup_env(f, 0);

	a.va = 0x2000;
	assert_int_equal(x86fault_explain(&f->w.pt, &t, &a, &v), -1);
	assert_string_equal(v.why, "the walk is of another address");

	a.va = 0x1000;
	bad = t;
	bad.nsteps = 0;
	assert_int_equal(x86fault_explain(&f->w.pt, &bad, &a, &v), -1);
	assert_string_equal(v.why, "the walk took no step");
}

/* The verdict on one access in the current walk context. */
static struct x86fault_verdict
judge(struct fake *f, uint64_t va, enum x86fault_kind kind, bool user)
{
	struct x86fault_access a = { .va = va, .kind = kind, .user = user };
	struct x86fault_verdict v;
	struct walk_trace t;

	assert_int_equal(walk_va(&f->w, va, &t, &f->err), 0);
	assert_int_equal(x86fault_explain(&f->w.pt, &t, &a, &v), 0);
	return v;
}

/*
 * PAE paging, CR0.WP and EFER.NXE: PDPTEs carry no RW or US, so they
 * never decide.  CR3 0x10020 (the PDPTEs 32 bytes into their page):
 *   PDPT[0] -> PD 0x11000 (P only)
 *   PD[0]   -> PT 0x12000 user RW      PD[1] 2 MiB super RW   va 0x200000
 *   PT[1]   user RO   va 0x1000        PT[2] user RW NX       va 0x2000
 */
static void
test_explain_pae(void **state)
{
	struct fake *f = *state;
	struct x86pt_ctx pt;
	struct x86fault_verdict v;

	fake_put(&f->ft, 0x10000, 4, 0x11000 | 0x1);
	fake_put(&f->ft, 0x11000, 0, 0x12000 | 0x7);
	fake_put(&f->ft, 0x11000, 1, 0x200000 | 0x83);
	fake_put(&f->ft, 0x12000, 1, 0x100000 | 0x5);
	fake_put(&f->ft, 0x12000, 2, NX | 0x101000 | 0x7);
	x86pt_ctx_init(&pt, X86PT_CR0_PG | X86PT_CR0_WP | 1, X86PT_CR4_PAE,
	    X86PT_EFER_NXE);
	walk_ctx_init(&f->w, &f->ft.tgt, f->cache, &pt, 0x10020);

	v = judge(f, 0x1000, R, true);
	assert_false(v.faults);
	v = judge(f, 0x1000, W, true);
	assert_true(v.faults);
	assert_int_equal(v.cause, X86FAULT_CAUSE_READ_ONLY);
	assert_int_equal(v.level, X86PT_L1);
	v = judge(f, 0x1000, W, false);
	assert_int_equal(v.cause, X86FAULT_CAUSE_READ_ONLY);
	assert_int_equal(v.level, X86PT_L1);
	v = judge(f, 0x2000, X, true);
	assert_int_equal(v.cause, X86FAULT_CAUSE_NX);
	assert_int_equal(v.level, X86PT_L1);
	v = judge(f, 0x200000, R, true);
	assert_int_equal(v.cause, X86FAULT_CAUSE_USER_SUPERVISOR);
	assert_int_equal(v.level, X86PT_L2);
	v = judge(f, 0x40000000, R, false);
	assert_int_equal(v.cause, X86FAULT_CAUSE_NOT_PRESENT);
	assert_int_equal(v.level, X86PT_L3);

	/* RW in a PDPTE is reserved: a real CPU refuses it at the MOV to
	 * CR3 (#GP); memory holding it now changed since, or the MMU is
	 * QEMU's.  Bits 52-62 are reserved with PAE. */
	fake_put(&f->ft, 0x10000, 5, 0x11000 | 0x3);
	walk_cache_flush(f->cache);
	v = judge(f, 0x40000000, R, false);
	assert_int_equal(v.cause, X86FAULT_CAUSE_RESERVED);
	assert_int_equal(v.level, X86PT_L3);
	assert_int_equal(v.bit, 1);
	assert_non_null(strstr(v.why, "(a CPU checks a PDPTE as CR3 loads "
	    "it: #GP then)"));
	fake_put(&f->ft, 0x11000, 2, (1ull << 55) | 0x400000 | 0x83);
	walk_cache_flush(f->cache);
	v = judge(f, 0x400000, R, false);
	assert_int_equal(v.cause, X86FAULT_CAUSE_RESERVED);
	assert_int_equal(v.bit, 55);
	assert_non_null(strstr(v.why, "(reserved with PAE paging)"));
}

/*
 * 32-bit paging: no NX, so nothing faults for execution; CR3 0x13000:
 *   PD[0] -> PT 0x14000 user RW        PT[1] user RO   va 0x1000
 */
static void
test_explain_32bit(void **state)
{
	struct fake *f = *state;
	struct x86pt_ctx pt;
	struct x86fault_verdict v;

	fake_put32(&f->ft, 0x13000, 0, 0x14000 | 0x7);
	fake_put32(&f->ft, 0x14000, 1, 0x100000 | 0x5);
	x86pt_ctx_init(&pt, X86PT_CR0_PG | X86PT_CR0_WP | 1, 0, 0);
	walk_ctx_init(&f->w, &f->ft.tgt, f->cache, &pt, 0x13000);

	v = judge(f, 0x1000, X, true);
	assert_false(v.faults);
	v = judge(f, 0x1000, W, true);
	assert_int_equal(v.cause, X86FAULT_CAUSE_READ_ONLY);
	assert_int_equal(v.level, X86PT_L1);
	v = judge(f, 0x400000, R, true);
	assert_int_equal(v.cause, X86FAULT_CAUSE_NOT_PRESENT);
	assert_int_equal(v.level, X86PT_L2);
	/* With CR4.PSE, bit 21 of a 4 MiB PDE is reserved (bits 13-20 are
	 * PSE-36 address bits). */
	x86pt_ctx_init(&pt, X86PT_CR0_PG | X86PT_CR0_WP | 1, X86PT_CR4_PSE, 0);
	walk_ctx_init(&f->w, &f->ft.tgt, f->cache, &pt, 0x13000);
	fake_put32(&f->ft, 0x13000, 1, 0x400000 | 0x200000 | 0x83);
	walk_cache_flush(f->cache);
	v = judge(f, 0x400000, R, true);
	assert_int_equal(v.cause, X86FAULT_CAUSE_RESERVED);
	assert_int_equal(v.bit, 21);
	assert_non_null(strstr(v.why, "(reserved in a 4 MiB PDE, above its "
	    "PSE-36 address bits)"));
	v = judge(f, 0x100000000ull, R, false);
	assert_true(v.faults);
	assert_int_equal(v.cause, X86FAULT_CAUSE_NONCANONICAL);
	assert_string_equal(v.why, "not a linear address: 32-bit paging has "
	    "4 GiB of them");
}

/* ---- a real fault: error code + CR2 + RFLAGS in, verdict and check out */

struct e2e {
	unsigned env;
	uint64_t ec, cr2, rflags;
	enum x86fault_cause cause;
	bool disagree;
};

static void
test_from_errcode_end_to_end(void **state)
{
	static const struct e2e e[] = {
		{ 0, 0x7, 0x2000, 0, C(READ_ONLY), false },
		{ 0, 0x4, 0x5000, 0, C(NOT_PRESENT), false },
		{ 0, 0x9, 0x80000000, 0, C(RESERVED), false },
		/* QEMU TCG: RSVD without P. */
		{ 0, 0x8, 0x80000000, 0, C(RESERVED), false },
		{ 0, 0x15, 0xc00000, 0, C(NX), false },
		{ E_SMEP, 0x11, 0x1000, 0, C(SMEP), false },
		{ E_SMAP, 0x1, 0x1000, 0x2, C(SMAP), false },
		/* AC=1 in the frame: SMAP allows it, so the tables do. */
		{ E_SMAP, 0x1, 0x1000, 0x40002, C(NONE), true },
		/* Present in the error code, gone from the tables. */
		{ 0, 0x7, 0x5000, 0, C(NOT_PRESENT), true },
		{ E_PKE, 0x27, 0x140000000ull, 0, C(PKEY_UNKNOWN), false },
	};
	struct fake *f = *state;

	for (size_t i = 0; i < sizeof e / sizeof e[0]; i++) {
		struct x86fault_access a;
		struct x86fault_verdict v;
		struct walk_trace t;
		char why[256];

		setup_env(f, e[i].env);
		x86fault_access_from_errcode(e[i].ec, e[i].cr2, e[i].rflags, &a);
		assert_int_equal(walk_va(&f->w, a.va, &t, &f->err), 0);
		assert_int_equal(x86fault_explain(&f->w.pt, &t, &a, &v), 0);
		if (v.cause != e[i].cause ||
		    x86fault_compare(&v, e[i].ec, why, sizeof why) !=
		    e[i].disagree)
			fail_msg("#%zu: ec 0x%llx: %s / %s", i,
			    (unsigned long long)e[i].ec, v.why, why);
	}
}

/* ---- the verdict against the error code ----------------------------- */

#define CHANGED "the tables allow this access now: they changed after the " \
	"fault, or the TLB held a stale translation"
#define AGREES "the error code agrees"

static void
test_compare(void **state)
{
	static const struct {
		enum x86fault_cause cause;
		bool faults;
		unsigned level;
		uint64_t ec;
		bool disagree;
		const char *text;	/* NULL: not checked */
	} k[] = {
		{ C(NONE), false, 1, 0x7, true, CHANGED },
		{ C(NONE), false, 1, 0x1, true, CHANGED },
		{ C(NONE), false, 1, 0x6, true, "the error code says not "
		  "present (P=0) but the walk finds a translation: the tables "
		  "changed after the fault" },
		{ C(NONE), false, 1, 0x25, false, "the error code says a "
		  "protection key denied the access: PKRU or IA32_PKRS, not "
		  "the tables" },
		{ C(NONE), false, 1, 0x47, false, NULL },
		{ C(NONE), false, 1, 0x87, false, NULL },
		{ C(NONE), false, 1, 0x8001, false, "the error code agrees: "
		  "the EPCM, not paging, denied the access (SGX)" },
		{ C(PKEY_UNKNOWN), false, 3, 0x27, false, NULL },
		{ C(PKEY_UNKNOWN), false, 3, 0x7, true, CHANGED },
		{ C(NOT_PRESENT), true, 4, 0x0, false, AGREES ": not present" },
		{ C(NOT_PRESENT), true, 1, 0x1, true, "the error code says P=1 "
		  "(a translation existed) but the walk finds the level-1 entry "
		  "(PTE) not present: the tables changed after the fault" },
		{ C(NOT_PRESENT), true, 2, 0x9, true, NULL },
		{ C(RESERVED), true, 3, 0x9, false, AGREES ": a reserved bit" },
		{ C(RESERVED), true, 3, 0x8, false, AGREES ": a reserved bit" },
		{ C(RESERVED), true, 3, 0x19, false, NULL },
		{ C(RESERVED), true, 3, 0x1, true, "the error code has no RSVD "
		  "but the walk finds reserved bits: the tables changed after "
		  "the fault" },
		{ C(RESERVED), true, 3, 0x0, true, NULL },
		{ C(READ_ONLY), true, 1, 0x3, false, AGREES },
		{ C(READ_ONLY), true, 1, 0x7, false, AGREES },
		{ C(READ_ONLY), true, 1, 0x27, false, AGREES },
		{ C(READ_ONLY), true, 1, 0x1, true, "the error code describes "
		  "another access (read/write, user/supervisor or fetch) than "
		  "the one explained" },
		{ C(READ_ONLY), true, 1, 0x2, true, NULL },
		{ C(READ_ONLY), true, 1, 0xb, true, "the error code says a "
		  "reserved bit but the walk finds none: the tables changed "
		  "after the fault" },
		{ C(READ_ONLY), true, 1, 0x8003, true, NULL },
		{ C(USER_SUPERVISOR), true, 2, 0x5, false, AGREES },
		{ C(USER_SUPERVISOR), true, 2, 0x1, true, NULL },
		{ C(NX), true, 2, 0x11, false, AGREES },
		{ C(NX), true, 2, 0x15, false, AGREES },
		{ C(NX), true, 2, 0x1, true, NULL },
		{ C(SMEP), true, 1, 0x11, false, AGREES },
		{ C(SMEP), true, 1, 0x15, true, NULL },
		{ C(SMAP), true, 1, 0x1, false, AGREES },
		{ C(SMAP), true, 1, 0x3, false, AGREES },
		{ C(SMAP), true, 1, 0x5, true, NULL },
		{ C(SMAP_AC_UNKNOWN), false, 3, 0x3, false, "the error code "
		  "agrees if EFLAGS.AC was 0 (SMAP)" },
		{ C(SMAP_AC_UNKNOWN), false, 3, 0x2, true, NULL },
		{ C(NONCANONICAL), true, 0, 0x0, true, "a non-canonical address "
		  "raises #GP, not #PF: this error code is not for this "
		  "address" },
		{ C(PAST_RAM), false, 4, 0x7, false, "cannot compare: a table "
		  "lies past the end of RAM" },
	};
	char buf[256];

	(void)state;
	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
		struct x86fault_verdict v = {
			.faults = k[i].faults, .cause = k[i].cause,
			.level = (enum x86pt_level)k[i].level,
		};
		bool got = x86fault_compare(&v, k[i].ec, buf, sizeof buf);

		if (got != k[i].disagree ||
		    (k[i].text != NULL && strcmp(buf, k[i].text) != 0))
			fail_msg("#%zu %s ec 0x%llx: got %d \"%s\"", i,
			    x86fault_cause_name(k[i].cause),
			    (unsigned long long)k[i].ec, got, buf);
	}

	/* No room: the answer still comes. */
	{
		struct x86fault_verdict v = { .cause = C(NONE) };

		assert_true(x86fault_compare(&v, 0x7, NULL, 0));
		assert_true(x86fault_compare(&v, 0x7, buf, 5));
		assert_string_equal(buf, "the ");
	}
}

/* ---- the error code ------------------------------------------------- */

static void
test_errcode_words(void **state)
{
	static const struct {
		uint64_t ec;
		const char *words;
	} k[] = {
		{ 0x0, "not present, read, supervisor" },
		{ 0x2, "not present, write, supervisor" },
		{ 0x7, "protection violation, write, user" },
		{ 0x8, "not present, read, supervisor, reserved bit" },
		{ 0x9, "protection violation, read, supervisor, reserved bit" },
		{ 0x11, "protection violation, read, supervisor, instruction "
		  "fetch" },
		{ 0x20, "not present, read, supervisor, protection key" },
		{ 0x8000, "not present, read, supervisor, SGX" },
		{ 0x807f, "protection violation, write, user, reserved bit, "
		  "instruction fetch, protection key, shadow stack, SGX" },
		{ 0x80, "not present, read, supervisor, HLAT" },
		{ 0x8000000000000201ull, "protection violation, read, "
		  "supervisor, bit 9, bit 63" },
	};
	char buf[160];

	(void)state;
	for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
		size_t n = x86fault_errcode_words(k[i].ec, buf, sizeof buf);

		assert_string_equal(buf, k[i].words);
		assert_int_equal(n, strlen(k[i].words));
	}
	/* Cut short, NUL-terminated, the full length returned. */
	assert_int_equal(x86fault_errcode_words(0, buf, 8), 29);
	assert_string_equal(buf, "not pre");
	assert_int_equal(x86fault_errcode_words(0x807f, NULL, 0), 101);
}

static void
test_errcode_decode(void **state)
{
	struct x86fault_errcode d;

	(void)state;
	x86fault_errcode_decode(0, &d);
	assert_false(d.present || d.write || d.user || d.rsvd || d.fetch ||
	    d.pkey || d.shstk || d.hlat || d.sgx);
	assert_int_equal(d.other, 0);

	x86fault_errcode_decode(0x80ff, &d);
	assert_true(d.present && d.write && d.user && d.rsvd && d.fetch &&
	    d.pkey && d.shstk && d.hlat && d.sgx);
	assert_int_equal(d.other, 0);

	x86fault_errcode_decode(0x10015, &d);
	assert_true(d.present && d.user && d.fetch);
	assert_false(d.write || d.rsvd || d.pkey);
	assert_int_equal(d.other, 0x10000);
}

static void
test_access_from_errcode(void **state)
{
	struct x86fault_access a;

	(void)state;
	x86fault_access_from_errcode(0x7, 0xdead000, 0x40202, &a);
	assert_int_equal(a.va, 0xdead000);
	assert_int_equal(a.kind, X86FAULT_WRITE);
	assert_true(a.user);
	assert_true(a.ac && a.ac_known);

	x86fault_access_from_errcode(0x0, 0x1000, 0x202, &a);
	assert_int_equal(a.kind, X86FAULT_READ);
	assert_false(a.user);
	assert_false(a.ac);
	assert_true(a.ac_known);

	x86fault_access_from_errcode(0x11, 0x1000, 0, &a);
	assert_int_equal(a.kind, X86FAULT_EXEC);
	assert_false(a.user);
}

/* ---- exception vectors ---------------------------------------------- */

static void
test_vectors(void **state)
{
	static const unsigned with_code[] = { 8, 10, 11, 12, 13, 14, 17, 21,
	    29, 30 };
	const struct x86fault_vector *x;
	unsigned n = 0;

	(void)state;
	for (unsigned v = 0; v < X86FAULT_NVECTORS; v++) {
		bool want = false;

		x = x86fault_vector(v);
		assert_non_null(x);
		assert_non_null(x->mnemonic);
		assert_non_null(x->name);
		for (size_t i = 0; i < sizeof with_code / sizeof with_code[0]; i++)
			want = want || with_code[i] == v;
		assert_int_equal(x->errcode, want);
		n += x->errcode;
	}
	assert_int_equal(n, 10);
	assert_null(x86fault_vector(32));

	x = x86fault_vector(0);
	assert_string_equal(x->mnemonic, "DE");
	assert_string_equal(x->name, "divide error");
	x = x86fault_vector(1);
	assert_string_equal(x->mnemonic, "DB");
	x = x86fault_vector(14);
	assert_string_equal(x->mnemonic, "PF");
	assert_string_equal(x->name, "page fault");
	x = x86fault_vector(21);
	assert_string_equal(x->mnemonic, "CP");
	assert_string_equal(x->name, "control protection");
	assert_string_equal(x86fault_vector(13)->name, "general protection");
	assert_string_equal(x86fault_vector(8)->name, "double fault");
}

static void
test_vector_by_word(void **state)
{
	static const struct {
		const char *w;
		unsigned vec;
	} good[] = {
		{ "pagefault", 14 }, { "pf", 14 }, { "#PF", 14 }, { "PF", 14 },
		{ "page fault", 14 }, { "Page-Fault", 14 }, { "page_fault", 14 },
		{ "gp", 13 }, { "#gp", 13 }, { "GeneralProtection", 13 },
		{ "df", 8 }, { "doublefault", 8 }, { "14", 14 }, { "0xe", 14 },
		{ "0XE", 14 }, { "0", 0 }, { "#DE", 0 }, { "divideerror", 0 },
		{ "nmi", 2 }, { "ud", 6 }, { "cp", 21 },
		{ "control-protection", 21 }, { "stacksegmentfault", 12 },
		{ "vc", 29 }, { "31", 31 }, { "0x1f", 31 }, { "09", 9 },
	};
	static const char *const bad[] = {
		"", "#", "32", "0x20", "0x", "pff", "page", "fault",
		"reserved", "-1", "1x", "0x1g", "x14", "##pf", "#14 pf",
		"99999999999999999999",
	};
	unsigned vec;

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		vec = 99;
		if (x86fault_vector_by_word(good[i].w, &vec) != 0 ||
		    vec != good[i].vec)
			fail_msg("\"%s\": got %u, want %u", good[i].w, vec,
			    good[i].vec);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		vec = 99;
		if (x86fault_vector_by_word(bad[i], &vec) != -1 || vec != 99)
			fail_msg("\"%s\" was taken as %u", bad[i], vec);
	}
	assert_int_equal(x86fault_vector_by_word(NULL, &vec), -1);

	/* Every named vector is found by its mnemonic and by its name. */
	for (unsigned v = 0; v < X86FAULT_NVECTORS; v++) {
		const struct x86fault_vector *x = x86fault_vector(v);

		if (strcmp(x->name, "reserved") == 0)
			continue;
		assert_int_equal(x86fault_vector_by_word(x->name, &vec), 0);
		assert_int_equal(vec, v);
		if (x->mnemonic[0] == '\0')
			continue;
		assert_int_equal(x86fault_vector_by_word(x->mnemonic, &vec), 0);
		assert_int_equal(vec, v);
	}
}

static void
test_cause_names(void **state)
{
	(void)state;
	for (unsigned a = 0; a <= X86FAULT_CAUSE_PAST_RAM; a++) {
		const char *na = x86fault_cause_name((enum x86fault_cause)a);

		assert_string_not_equal(na, "?");
		for (unsigned b = 0; b < a; b++)
			assert_string_not_equal(na,
			    x86fault_cause_name((enum x86fault_cause)b));
	}
	assert_string_equal(x86fault_cause_name((enum x86fault_cause)99), "?");
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_explain_cases),
		T(test_every_cause_covered),
		T(test_explain_pae),
		T(test_explain_32bit),
		T(test_explain_rejects),
		T(test_from_errcode_end_to_end),
		T(test_compare),
		T(test_errcode_words),
		T(test_errcode_decode),
		T(test_access_from_errcode),
		T(test_vectors),
		T(test_vector_by_word),
		T(test_cause_names),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
