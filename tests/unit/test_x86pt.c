/*
 * Unit tests for x86pt.c: paging modes, entry decoding at every level,
 * reserved bits, memory types, effective rights, canonical addresses.
 * Expected values are worked out by hand from the SDM's entry formats.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "x86pt.h"

#define CR0_LONG	(X86PT_CR0_PG | X86PT_CR0_WP | 1)
#define CR4_LONG	X86PT_CR4_PAE
#define EFER_LONG	(X86PT_EFER_LME | X86PT_EFER_LMA | X86PT_EFER_NXE)

static struct x86pt_ctx
long_ctx(void)
{
	struct x86pt_ctx c;

	x86pt_ctx_init(&c, CR0_LONG, CR4_LONG, EFER_LONG);
	return c;
}

static void
assert_flags(uint32_t flags, const char *want)
{
	char buf[128];

	x86pt_format_flags(flags, buf, sizeof buf);
	assert_string_equal(buf, want);
}

static void
test_modes(void **state)
{
	(void)state;
	assert_int_equal(x86pt_mode(0x11, CR4_LONG, EFER_LONG),
	    X86PT_MODE_NONE);
	assert_int_equal(x86pt_mode(X86PT_CR0_PG | 1, X86PT_CR4_PSE, 0),
	    X86PT_MODE_32);
	assert_int_equal(x86pt_mode(X86PT_CR0_PG | 1, X86PT_CR4_PAE, 0),
	    X86PT_MODE_PAE);
	/* LME alone (paging not yet on in long mode) is still PAE. */
	assert_int_equal(x86pt_mode(CR0_LONG, CR4_LONG, X86PT_EFER_LME),
	    X86PT_MODE_PAE);
	assert_int_equal(x86pt_mode(CR0_LONG, CR4_LONG, EFER_LONG),
	    X86PT_MODE_4LEVEL);
	assert_int_equal(x86pt_mode(CR0_LONG, CR4_LONG | X86PT_CR4_LA57,
	    EFER_LONG), X86PT_MODE_5LEVEL);

	assert_string_equal(x86pt_mode_name(X86PT_MODE_NONE), "none");
	assert_string_equal(x86pt_mode_name(X86PT_MODE_32), "32-bit");
	assert_string_equal(x86pt_mode_name(X86PT_MODE_PAE), "pae");
	assert_string_equal(x86pt_mode_name(X86PT_MODE_4LEVEL), "4-level");
	assert_string_equal(x86pt_mode_name(X86PT_MODE_5LEVEL), "5-level");
	assert_int_equal(x86pt_mode_levels(X86PT_MODE_4LEVEL), 4);
	assert_int_equal(x86pt_mode_levels(X86PT_MODE_NONE), 0);

	assert_string_equal(x86pt_level_name(X86PT_L1), "PTE");
	assert_string_equal(x86pt_level_name(X86PT_L2), "PDE");
	assert_string_equal(x86pt_level_name(X86PT_L3), "PDPTE");
	assert_string_equal(x86pt_level_name(X86PT_L4), "PML4E");
	assert_string_equal(x86pt_level_name((enum x86pt_level)9), "?");
}

static void
test_ctx_defaults_and_setters(void **state)
{
	struct x86pt_ctx c;

	(void)state;
	x86pt_ctx_init_default(&c);
	assert_int_equal(c.mode, X86PT_MODE_4LEVEL);
	assert_true(c.wp);
	assert_true(c.nxe);
	assert_false(c.pk);
	assert_false(c.la57);
	assert_int_equal(c.maxphyaddr, 52);
	assert_int_equal(c.pat, 0x0007040600070406ull);

	assert_false(x86pt_ctx_set_maxphyaddr(&c, 31));
	assert_false(x86pt_ctx_set_maxphyaddr(&c, 53));
	assert_int_equal(c.maxphyaddr, 52);
	assert_true(x86pt_ctx_set_maxphyaddr(&c, 46));
	assert_int_equal(c.maxphyaddr, 46);

	/* Type 2 in entry 3 is reserved; so is anything above 7. */
	assert_false(x86pt_ctx_set_pat(&c, 0x0000000002000000ull));
	assert_false(x86pt_ctx_set_pat(&c, 0x0800000000000000ull));
	assert_int_equal(c.pat, X86PT_PAT_DEFAULT);
	assert_true(x86pt_ctx_set_pat(&c, 0x0001050400070106ull));
	assert_int_equal(c.pat, 0x0001050400070106ull);
}

static void
test_pte_4k(void **state)
{
	struct x86pt_ctx c = long_ctx();
	struct x86pt_entry e;

	(void)state;
	/* 0x67 = P RW US A D; bit 63 NX; frame 0x12345000. */
	e = x86pt_decode(&c, X86PT_L1, 0x8000000012345067ull);
	assert_true(e.present);
	assert_true(e.is_leaf);
	assert_int_equal(e.level, X86PT_L1);
	assert_int_equal(e.page_size, 4096);
	assert_int_equal(e.addr, 0x12345000);
	assert_int_equal(e.rsvd, 0);
	assert_int_equal(e.avl, 0);
	assert_int_equal(e.flags, X86PT_F_P | X86PT_F_RW | X86PT_F_US |
	    X86PT_F_A | X86PT_F_D | X86PT_F_NX);
	assert_flags(e.flags, "P RW US A D NX");
	assert_int_equal(e.pat_index, 0);
	assert_int_equal(e.memtype, X86PT_MT_WB);
	assert_string_equal(e.memtype_name, "WB");

	/* The highest frame bit MAXPHYADDR=52 allows is bit 51. */
	e = x86pt_decode(&c, X86PT_L1, 0x000ffffffffff001ull);
	assert_int_equal(e.addr, 0x000ffffffffff000ull);
	assert_int_equal(e.rsvd, 0);
}

static void
test_every_flag(void **state)
{
	struct x86pt_ctx c = long_ctx();
	struct x86pt_entry e;

	(void)state;
	/* Bits 0..8 of a PTE: bit 7 is PAT here, not PS. */
	e = x86pt_decode(&c, X86PT_L1, 0x80000000000011ffull);
	assert_int_equal(e.flags, X86PT_F_P | X86PT_F_RW | X86PT_F_US |
	    X86PT_F_PWT | X86PT_F_PCD | X86PT_F_A | X86PT_F_D | X86PT_F_G |
	    X86PT_F_PAT | X86PT_F_NX);
	assert_flags(e.flags, "P RW US PWT PCD A D G PAT NX");
	assert_int_equal(e.addr, 0x1000);
	/* PAT=1 PCD=1 PWT=1: entry 7 of the power-on PAT is UC. */
	assert_int_equal(e.pat_index, 7);
	assert_string_equal(e.memtype_name, "UC");

	/* A 2 MiB PDE with everything: PS at 7, PAT moves to 12. */
	e = x86pt_decode(&c, X86PT_L2, 0x80000000002011ffull);
	assert_true(e.is_leaf);
	assert_int_equal(e.flags, X86PT_F_P | X86PT_F_RW | X86PT_F_US |
	    X86PT_F_PWT | X86PT_F_PCD | X86PT_F_A | X86PT_F_D | X86PT_F_PS |
	    X86PT_F_G | X86PT_F_PAT | X86PT_F_NX);
	assert_flags(e.flags, "P RW US PWT PCD A D PS G PAT NX");
	assert_int_equal(e.addr, 0x200000);
	assert_int_equal(e.rsvd, 0);

	assert_string_equal(x86pt_flag_name(X86PT_F_NX), "NX");
	assert_string_equal(x86pt_flag_name(X86PT_F_PAT), "PAT");
	assert_null(x86pt_flag_name(1u << 20));
}

static void
test_pde_2m_and_table(void **state)
{
	struct x86pt_ctx c = long_ctx();
	struct x86pt_entry e;

	(void)state;
	/* 2 MiB at 0x40200000, PAT (bit 12) set: PAT index 4 = WB. */
	e = x86pt_decode(&c, X86PT_L2, 0x0000000040201083ull);
	assert_true(e.present);
	assert_true(e.is_leaf);
	assert_int_equal(e.page_size, 2u << 20);
	assert_int_equal(e.addr, 0x40200000);
	assert_int_equal(e.rsvd, 0);
	assert_flags(e.flags, "P RW PS PAT");
	assert_int_equal(e.pat_index, 4);
	assert_string_equal(e.memtype_name, "WB");

	/* Bits 13..20 of a 2 MiB leaf are reserved. */
	e = x86pt_decode(&c, X86PT_L2, 0x0000000040302083ull);
	assert_int_equal(e.rsvd, 0x102000);
	assert_int_equal(e.addr, 0x40200000);

	/* Without PS, bit 12 is an address bit and D/G are ignored. */
	e = x86pt_decode(&c, X86PT_L2, 0x0000000000203143ull);
	assert_true(e.present);
	assert_false(e.is_leaf);
	assert_int_equal(e.page_size, 0);
	assert_int_equal(e.addr, 0x203000);
	assert_flags(e.flags, "P RW");
	assert_int_equal(e.avl, 0x140);
	assert_int_equal(e.rsvd, 0);
}

static void
test_pdpte_1g(void **state)
{
	struct x86pt_ctx c = long_ctx();
	struct x86pt_entry e;

	(void)state;
	e = x86pt_decode(&c, X86PT_L3, 0x00000001c0000087ull);
	assert_true(e.is_leaf);
	assert_int_equal(e.level, X86PT_L3);
	assert_int_equal(e.page_size, 1u << 30);
	assert_int_equal(e.addr, 0x1c0000000ull);
	assert_flags(e.flags, "P RW US PS");
	assert_int_equal(e.rsvd, 0);

	/* Bits 13..29 are reserved; bit 12 is PAT; bit 30 is address. */
	e = x86pt_decode(&c, X86PT_L3, 0x00000000e0003083ull);
	assert_int_equal(e.addr, 0xc0000000ull);
	assert_int_equal(e.rsvd, 0x20002000);
	assert_flags(e.flags, "P RW PS PAT");

	/* A PDPTE pointing to a page directory. */
	e = x86pt_decode(&c, X86PT_L3, 0x0000000000005023ull);
	assert_false(e.is_leaf);
	assert_int_equal(e.addr, 0x5000);
	assert_flags(e.flags, "P RW A");
}

static void
test_pml4e_ps_is_reserved(void **state)
{
	struct x86pt_ctx c = long_ctx();
	struct x86pt_entry e;

	(void)state;
	e = x86pt_decode(&c, X86PT_L4, 0x0000000000002083ull);
	assert_true(e.present);
	assert_false(e.is_leaf);
	assert_int_equal(e.rsvd, 0x80);
	assert_int_equal(e.addr, 0x2000);
	assert_int_equal(e.page_size, 0);
	assert_flags(e.flags, "P RW");

	/* Bits 6 and 8 of a PML4E are ignored. */
	e = x86pt_decode(&c, X86PT_L4, 0x0000000000002147ull);
	assert_int_equal(e.rsvd, 0);
	assert_int_equal(e.avl, 0x140);
	assert_flags(e.flags, "P RW US");

	/* A PML5E has the PML4E's format: PS reserved, always a table. */
	e = x86pt_decode(&c, X86PT_L5, 0x8000000000003087ull);
	assert_true(e.present);
	assert_false(e.is_leaf);
	assert_int_equal(e.rsvd, 0x80);
	assert_int_equal(e.addr, 0x3000);
	assert_flags(e.flags, "P RW US NX");
	assert_string_equal(x86pt_level_name(X86PT_L5), "PML5E");
}

static void
test_nx_disabled_makes_bit63_reserved(void **state)
{
	struct x86pt_ctx c;
	struct x86pt_entry e;

	(void)state;
	x86pt_ctx_init(&c, CR0_LONG, CR4_LONG,
	    X86PT_EFER_LME | X86PT_EFER_LMA);
	assert_false(c.nxe);
	for (unsigned l = X86PT_L1; l <= X86PT_L4; l++) {
		e = x86pt_decode(&c, l, 0x8000000000001003ull);
		assert_int_equal(e.rsvd, 0x8000000000000000ull);
		assert_false(e.flags & X86PT_F_NX);
	}
	c = long_ctx();
	e = x86pt_decode(&c, X86PT_L1, 0x8000000000001003ull);
	assert_int_equal(e.rsvd, 0);
	assert_true(e.flags & X86PT_F_NX);
}

static void
test_reserved_above_maxphyaddr(void **state)
{
	struct x86pt_ctx c = long_ctx();
	struct x86pt_entry e;

	(void)state;
	assert_true(x86pt_ctx_set_maxphyaddr(&c, 40));
	/* Bit 40 is reserved, bit 39 is the top address bit. */
	e = x86pt_decode(&c, X86PT_L1, 0x0000018000001003ull);
	assert_int_equal(e.rsvd, 0x0000010000000000ull);
	assert_int_equal(e.addr, 0x0000008000001000ull);
	/* Same at every level, bit 51 included. */
	e = x86pt_decode(&c, X86PT_L4, 0x0008000000003003ull);
	assert_int_equal(e.rsvd, 0x0008000000000000ull);
	assert_int_equal(e.addr, 0x3000);
	e = x86pt_decode(&c, X86PT_L3, 0x00000f0040000083ull);
	assert_int_equal(e.rsvd, 0x00000f0000000000ull);
	assert_int_equal(e.addr, 0x40000000);
	/* Bits 52..58 are never reserved: software may use them. */
	e = x86pt_decode(&c, X86PT_L1, 0x07f0000000001001ull);
	assert_int_equal(e.rsvd, 0);
	assert_int_equal(e.avl, 0x07f0000000000000ull);
}

static void
test_avl_and_protection_keys(void **state)
{
	struct x86pt_ctx c = long_ctx();
	struct x86pt_entry e;

	(void)state;
	e = x86pt_decode(&c, X86PT_L1, 0x0010000000000e01ull);
	assert_int_equal(e.avl, 0x0010000000000e00ull);
	assert_int_equal(e.addr, 0);
	assert_flags(e.flags, "P");

	/* Bits 62..59 = 1011b: key 11 with CR4.PKE, ignored without. */
	e = x86pt_decode(&c, X86PT_L1, 0x5800000000001005ull);
	assert_int_equal(e.pkey, 0);
	assert_int_equal(e.avl, 0x5800000000000000ull);

	x86pt_ctx_init(&c, CR0_LONG, CR4_LONG | X86PT_CR4_PKE, EFER_LONG);
	assert_true(c.pk);
	e = x86pt_decode(&c, X86PT_L1, 0x5800000000001005ull);
	assert_int_equal(e.pkey, 11);
	assert_int_equal(e.avl, 0);
	assert_int_equal(e.rsvd, 0);
	e = x86pt_decode(&c, X86PT_L2, 0xf800000000200085ull);
	assert_int_equal(e.pkey, 15);
	assert_true(e.flags & X86PT_F_NX);
	/* Keys live in leaves only. */
	e = x86pt_decode(&c, X86PT_L2, 0x5800000000003003ull);
	assert_int_equal(e.pkey, 0);
	assert_int_equal(e.avl, 0x5800000000000000ull);
	/* CR4.PKS (supervisor keys) also gives the bits meaning. */
	x86pt_ctx_init(&c, CR0_LONG, CR4_LONG | X86PT_CR4_PKS, EFER_LONG);
	e = x86pt_decode(&c, X86PT_L1, 0x0800000000001001ull);
	assert_int_equal(e.pkey, 1);
}

static void
test_not_present(void **state)
{
	struct x86pt_ctx c = long_ctx();
	struct x86pt_entry e;

	(void)state;
	/* P clear: every other bit is the OS's business. */
	e = x86pt_decode(&c, X86PT_L1, 0xfffffffffffffffeull);
	assert_false(e.present);
	assert_false(e.is_leaf);
	assert_int_equal(e.raw, 0xfffffffffffffffeull);
	assert_int_equal(e.flags, 0);
	assert_int_equal(e.rsvd, 0);
	assert_int_equal(e.addr, 0);
	e = x86pt_decode(&c, (enum x86pt_level)0, 0x1003);
	assert_false(e.present);
	e = x86pt_decode(&c, (enum x86pt_level)6, 0x1003);
	assert_false(e.present);
}

static void
test_memtypes_from_custom_pat(void **state)
{
	/* Entries 0..7: WB WC UC- UC WT WP WC UC. */
	static const char *const want[8] = {
		"WB", "WC", "UC-", "UC", "WT", "WP", "WC", "UC",
	};
	struct x86pt_ctx c = long_ctx();
	struct x86pt_entry e;

	(void)state;
	assert_true(x86pt_ctx_set_pat(&c, 0x0001050400070106ull));
	for (unsigned i = 0; i < 8; i++) {
		uint64_t raw = 0x1001;

		if (i & 1)
			raw |= X86PT_E_PWT;
		if (i & 2)
			raw |= X86PT_E_PCD;
		if (i & 4)
			raw |= X86PT_E_PAT4K;
		e = x86pt_decode(&c, X86PT_L1, raw);
		assert_int_equal(e.pat_index, i);
		assert_string_equal(e.memtype_name, want[i]);
	}
	/* 1 GiB with PAT (bit 12) and PWT: index 5 = WP. */
	e = x86pt_decode(&c, X86PT_L3, 0x0000000040001089ull);
	assert_int_equal(e.pat_index, 5);
	assert_int_equal(e.memtype, X86PT_MT_WP);
	/* A table pointer's PCD/PWT select the type its table is read
	 * with; bit 7 there is PS (0), never PAT.  PCD: index 2 = UC-. */
	e = x86pt_decode(&c, X86PT_L2, 0x0000000000003013ull);
	assert_int_equal(e.pat_index, 2);
	assert_string_equal(e.memtype_name, "UC-");

	assert_string_equal(x86pt_memtype_name(2), "rsvd");
	assert_string_equal(x86pt_memtype_name(0x17), "rsvd");
	assert_true(x86pt_pat_valid(X86PT_PAT_DEFAULT));
	assert_false(x86pt_pat_valid(0x0300000000000000ull));
}

static void
test_effective_rights(void **state)
{
	struct x86pt_ctx c = long_ctx();
	struct x86pt_entry e[4];
	struct x86pt_eff eff;

	(void)state;
	x86pt_eff_init(&eff);
	assert_true(eff.write && eff.sup_write && eff.user && eff.exec);

	/* PML4E RW US, PDPTE RW, PDE RW US, PTE US NX. */
	e[0] = x86pt_decode(&c, X86PT_L4, 0x2007);
	e[1] = x86pt_decode(&c, X86PT_L3, 0x3003);
	e[2] = x86pt_decode(&c, X86PT_L2, 0x4007);
	e[3] = x86pt_decode(&c, X86PT_L1, 0x8000000000005005ull);
	for (int i = 0; i < 4; i++)
		x86pt_eff_add(&eff, &c, &e[i]);
	assert_false(eff.write);
	assert_false(eff.sup_write);	/* CR0.WP=1 */
	assert_false(eff.user);
	assert_false(eff.exec);

	/* RW everywhere but one level still means read-only ... */
	e[0] = x86pt_decode(&c, X86PT_L4, 0x2007);
	e[1] = x86pt_decode(&c, X86PT_L3, 0x3005);
	e[2] = x86pt_decode(&c, X86PT_L2, 0x4007);
	e[3] = x86pt_decode(&c, X86PT_L1, 0x5007);
	x86pt_eff_init(&eff);
	for (int i = 0; i < 4; i++)
		x86pt_eff_add(&eff, &c, &e[i]);
	assert_false(eff.write);
	assert_false(eff.sup_write);
	assert_true(eff.user);
	assert_true(eff.exec);

	/* ... except for the supervisor when CR0.WP is clear. */
	x86pt_ctx_init(&c, X86PT_CR0_PG | 1, CR4_LONG, EFER_LONG);
	assert_false(c.wp);
	x86pt_eff_init(&eff);
	for (int i = 0; i < 4; i++)
		x86pt_eff_add(&eff, &c, &e[i]);
	assert_false(eff.write);
	assert_true(eff.sup_write);

	/* NX at a table level alone forbids execution. */
	c = long_ctx();
	x86pt_eff_init(&eff);
	e[0] = x86pt_decode(&c, X86PT_L4, 0x8000000000002007ull);
	e[1] = x86pt_decode(&c, X86PT_L3, 0x40000087);
	x86pt_eff_add(&eff, &c, &e[0]);
	x86pt_eff_add(&eff, &c, &e[1]);
	assert_false(eff.exec);
	assert_true(eff.write && eff.user);

	/* Without EFER.NXE bit 63 is reserved, not NX. */
	x86pt_ctx_init(&c, CR0_LONG, CR4_LONG, X86PT_EFER_LME | X86PT_EFER_LMA);
	x86pt_eff_init(&eff);
	e[0] = x86pt_decode(&c, X86PT_L1, 0x8000000000005007ull);
	x86pt_eff_add(&eff, &c, &e[0]);
	assert_true(eff.exec);

	/* A non-present entry changes nothing. */
	e[0] = x86pt_decode(&c, X86PT_L1, 0);
	x86pt_eff_add(&eff, &c, &e[0]);
	assert_true(eff.exec && eff.write && eff.user);
}

static void
test_indexes_and_canonical(void **state)
{
	(void)state;
	for (unsigned l = X86PT_L1; l <= X86PT_L4; l++)
		assert_int_equal(x86pt_index(X86PT_MODE_4LEVEL, 0xffffff7fbfdfe000ull, l), 510);
	assert_int_equal(x86pt_index(X86PT_MODE_4LEVEL, 0x00007fffffffffffull, X86PT_L4), 255);
	assert_int_equal(x86pt_index(X86PT_MODE_4LEVEL, 0xffff800000000000ull, X86PT_L4), 256);
	assert_int_equal(x86pt_index(X86PT_MODE_4LEVEL, 0x0000000040201000ull, X86PT_L3), 1);
	assert_int_equal(x86pt_index(X86PT_MODE_4LEVEL, 0x0000000040201000ull, X86PT_L2), 1);
	assert_int_equal(x86pt_index(X86PT_MODE_4LEVEL, 0x0000000040201000ull, X86PT_L1), 1);
	assert_int_equal(X86PT_SPAN(X86PT_L3), 1ull << 30);
	assert_int_equal(X86PT_SPAN(X86PT_L4), 1ull << 39);

	assert_int_equal(x86pt_canonical(0x0000800000000000ull, false),
	    0xffff800000000000ull);
	assert_int_equal(x86pt_canonical(0xffff7fffffffffffull, false),
	    0x00007fffffffffffull);
	assert_int_equal(x86pt_canonical(0x0000ff8000000000ull, false),
	    0xffffff8000000000ull);
	assert_true(x86pt_is_canonical(0x00007fffffffffffull, false));
	assert_true(x86pt_is_canonical(0xffff800000000000ull, false));
	assert_false(x86pt_is_canonical(0x0000800000000000ull, false));
	assert_false(x86pt_is_canonical(0xfff0000000000000ull, false));
	/* 57-bit: sign bit 56. */
	assert_true(x86pt_is_canonical(0x0000800000000000ull, true));
	assert_int_equal(x86pt_canonical(0x0100000000000000ull, true),
	    0xff00000000000000ull);
	assert_false(x86pt_is_canonical(0x0100000000000000ull, true));
}

static void
test_format_is_bounded(void **state)
{
	char buf[5];
	uint32_t f = X86PT_F_P | X86PT_F_RW | X86PT_F_US;

	(void)state;
	memset(buf, 'x', sizeof buf);
	assert_int_equal(x86pt_format_flags(f, buf, sizeof buf), 7);
	assert_string_equal(buf, "P RW");
	assert_int_equal(x86pt_format_flags(f, NULL, 0), 7);
	assert_int_equal(x86pt_format_flags(0, buf, sizeof buf), 0);
	assert_string_equal(buf, "");
	assert_int_equal(x86pt_format_flags(X86PT_F_NX, buf, 1), 2);
	assert_string_equal(buf, "");
}

/*
 * 32-bit paging (CR4.PAE clear): 4-byte entries, two levels; 4 MiB pages
 * with CR4.PSE, whose bits 13..20 are physical address bits 32..39
 * (PSE-36), bit 12 PAT and bit 21 reserved.  Values worked by hand from
 * the SDM's formats (Tables 4-4 to 4-6).
 */
static void
test_32bit_paging(void **state)
{
	struct x86pt_ctx c, nopse;
	struct x86pt_entry e;

	(void)state;
	x86pt_ctx_init(&c, X86PT_CR0_PG | X86PT_CR0_WP, X86PT_CR4_PSE, 0);
	x86pt_ctx_init(&nopse, X86PT_CR0_PG | X86PT_CR0_WP, 0, 0);
	assert_int_equal(c.mode, X86PT_MODE_32);
	assert_int_equal(x86pt_mode_levels(c.mode), 2);

	/* A PTE: frame 0x1234000, RW, D, PAT (bit 7), G; the high half of
	 * the 64-bit value is not part of a 4-byte entry. */
	e = x86pt_decode(&c, X86PT_L1, 0xdead0000012341c3ull);
	assert_true(e.present && e.is_leaf);
	assert_int_equal(e.raw, 0x012341c3);
	assert_int_equal(e.addr, 0x1234000);
	assert_int_equal(e.page_size, 4096);
	assert_int_equal(e.flags, X86PT_F_P | X86PT_F_RW | X86PT_F_D |
	    X86PT_F_G | X86PT_F_PAT);
	assert_int_equal(e.rsvd, 0);
	assert_int_equal(e.pat_index, 4);

	/* A PDE pointing to a table: D and G mean nothing there. */
	e = x86pt_decode(&c, X86PT_L2, 0x00345147);
	assert_true(e.present && !e.is_leaf);
	assert_int_equal(e.addr, 0x345000);
	assert_int_equal(e.flags, X86PT_F_P | X86PT_F_RW | X86PT_F_US);

	/* A 4 MiB page at 0x3_00c00000: bits 31..22 = 0x003, bits 13..20
	 * = 0x03 (address bits 32..33); PAT at bit 12. */
	e = x86pt_decode(&c, X86PT_L2, 0x00c07083);
	assert_true(e.is_leaf);
	assert_int_equal(e.page_size, 4u << 20);
	assert_int_equal(e.addr, 0x300c00000ull);
	assert_int_equal(e.flags, X86PT_F_P | X86PT_F_RW | X86PT_F_PS |
	    X86PT_F_PAT);
	assert_int_equal(e.rsvd, 0);
	/* Bit 21 is reserved, and so are the PSE-36 bits past MAXPHYADDR. */
	e = x86pt_decode(&c, X86PT_L2, 0x00200083);
	assert_int_equal(e.rsvd, 0x200000);
	assert_true(x86pt_ctx_set_maxphyaddr(&c, 36));
	e = x86pt_decode(&c, X86PT_L2, 0x0003e083);
	assert_int_equal(e.addr, 0xf00000000ull);
	assert_int_equal(e.rsvd, 0x20000);

	/* Without CR4.PSE, PS is ignored: a table pointer. */
	e = x86pt_decode(&nopse, X86PT_L2, 0x00c07083);
	assert_false(e.is_leaf);
	assert_int_equal(e.addr, 0xc07000);

	/* No third level, and bit 31 of a PTE is address, not NX. */
	assert_false(x86pt_decode(&c, X86PT_L3, 0x1003).present);
	e = x86pt_decode(&c, X86PT_L1, 0x80000001);
	assert_int_equal(e.addr, 0x80000000);
	assert_int_equal(e.rsvd, 0);
}

/*
 * PAE paging: a PDPTE holds P, PWT and PCD only (bits 1-2 and 6-8 are
 * reserved; 5 too in the SDM, but QEMU sets it as A); PDEs and PTEs are 64-bit, with bits 62..MAXPHYADDR reserved
 * (no protection keys) and NX only with EFER.NXE (SDM Tables 4-8 to
 * 4-11).
 */
static void
test_pae_paging(void **state)
{
	struct x86pt_ctx c, nonx;
	struct x86pt_entry e;

	(void)state;
	x86pt_ctx_init(&c, X86PT_CR0_PG, X86PT_CR4_PAE | X86PT_CR4_PKE,
	    X86PT_EFER_NXE);
	x86pt_ctx_init(&nonx, X86PT_CR0_PG, X86PT_CR4_PAE, 0);
	assert_int_equal(c.mode, X86PT_MODE_PAE);
	assert_int_equal(x86pt_mode_levels(c.mode), 3);

	e = x86pt_decode(&c, X86PT_L3, 0x5019);
	assert_true(e.present && !e.is_leaf);
	assert_int_equal(e.addr, 0x5000);
	assert_int_equal(e.flags, X86PT_F_P | X86PT_F_PWT | X86PT_F_PCD);
	assert_int_equal(e.rsvd, 0);
	/* RW, US, PS: reserved in a PDPTE; so is NX.  A is shown, not
	 * reserved: QEMU sets it. */
	e = x86pt_decode(&c, X86PT_L3, 0x80000000000050a7ull);
	assert_int_equal(e.rsvd, 0x8000000000000086ull);
	assert_int_equal(e.flags, X86PT_F_P | X86PT_F_A);
	assert_false(x86pt_decode(&c, X86PT_L4, 0x5001).present);

	/* A 2 MiB page, NX. */
	e = x86pt_decode(&c, X86PT_L2, 0x8000000000600083ull);
	assert_true(e.is_leaf);
	assert_int_equal(e.page_size, 2u << 20);
	assert_int_equal(e.addr, 0x600000);
	assert_int_equal(e.flags, X86PT_F_P | X86PT_F_RW | X86PT_F_PS |
	    X86PT_F_NX);
	assert_int_equal(e.rsvd, 0);
	/* Bits 62..59 are a protection key in 4-level paging, reserved in
	 * PAE (even with CR4.PKE), as are the ignored 58..52. */
	e = x86pt_decode(&c, X86PT_L1, 0x7810000000001003ull);
	assert_int_equal(e.rsvd, 0x7810000000000000ull);
	assert_int_equal(e.pkey, 0);
	assert_int_equal(e.avl, 0);
	/* Without NXE, bit 63 is reserved too. */
	e = x86pt_decode(&nonx, X86PT_L1, 0x8000000000001003ull);
	assert_int_equal(e.rsvd, 0x8000000000000000ull);
}

static void
test_flag_table_is_consistent(void **state)
{
	uint32_t seen = 0;

	(void)state;
	/* Every decoded flag has a row, and rows name bits in one place. */
	for (size_t i = 0; i < x86pt_flag_table_len; i++) {
		const struct x86pt_flag_desc *d = &x86pt_flag_table[i];

		assert_non_null(d->name);
		assert_true(d->mask != 0);
		assert_true((d->levels & ~X86PT_LV_ALL) == 0);
		if (d->field == X86PT_FIELD_FLAG) {
			assert_true(d->flag != 0 && (d->flag & (d->flag - 1)) == 0);
			/* A one-bit flag is one bit of the entry. */
			assert_true((d->mask & (d->mask - 1)) == 0);
			seen |= d->flag;
		}
	}
	assert_int_equal(seen, (1u << X86PT_F_COUNT) - 1);
}

/*
 * x86pt_table_below says what x86pt_decode says of tables below (present,
 * not a leaf, their address), in every mode, at every level, for entries
 * with every bit pattern a 64-bit mixing function gives, and with P and
 * PS forced each way.
 */
static void
test_table_below_agrees_with_decode(void **state)
{
	static const struct {
		uint64_t cr4, efer;
	} modes[] = {
		{ 0, 0 },				/* 32-bit, no PSE */
		{ X86PT_CR4_PSE, 0 },			/* 32-bit, PSE */
		{ X86PT_CR4_PAE, X86PT_EFER_NXE },	/* PAE */
		{ CR4_LONG, EFER_LONG },		/* 4-level */
		{ CR4_LONG | X86PT_CR4_LA57, EFER_LONG },	/* 5-level */
	};
	uint64_t x = 0x243f6a8885a308d3ull;
	unsigned agree = 0;

	(void)state;
	for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
		struct x86pt_ctx c;

		x86pt_ctx_init(&c, CR0_LONG, modes[m].cr4, modes[m].efer);
		for (unsigned n = 0; n < 4000; n++) {
			/* splitmix64 */
			uint64_t z = (x += 0x9e3779b97f4a7c15ull);

			z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
			z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
			z ^= z >> 31;
			if (n & 1)
				z |= X86PT_E_P;
			z = n & 2 ? z | X86PT_E_PS : z & ~X86PT_E_PS;
			for (int l = X86PT_L1; l <= X86PT_L5; l++) {
				struct x86pt_entry e = x86pt_decode(&c,
				    (enum x86pt_level)l, z);
				uint64_t t = 0;
				bool below = x86pt_table_below(&c,
				    (enum x86pt_level)l, z, &t);

				assert_int_equal(below, e.present && !e.is_leaf);
				if (below)
					assert_int_equal(t, e.addr);
				agree += below;
			}
		}
	}
	assert_true(agree > 1000);	/* tables were among them */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_table_below_agrees_with_decode),
		cmocka_unit_test(test_ctx_defaults_and_setters),
		cmocka_unit_test(test_pte_4k),
		cmocka_unit_test(test_every_flag),
		cmocka_unit_test(test_pde_2m_and_table),
		cmocka_unit_test(test_pdpte_1g),
		cmocka_unit_test(test_pml4e_ps_is_reserved),
		cmocka_unit_test(test_nx_disabled_makes_bit63_reserved),
		cmocka_unit_test(test_reserved_above_maxphyaddr),
		cmocka_unit_test(test_avl_and_protection_keys),
		cmocka_unit_test(test_not_present),
		cmocka_unit_test(test_memtypes_from_custom_pat),
		cmocka_unit_test(test_effective_rights),
		cmocka_unit_test(test_indexes_and_canonical),
		cmocka_unit_test(test_format_is_bounded),
		cmocka_unit_test(test_32bit_paging),
		cmocka_unit_test(test_pae_paging),
		cmocka_unit_test(test_flag_table_is_consistent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
