/*
 * sc_hostile.c - tables no sane kernel builds, for a debugger to survive:
 * a cycle through two tables, a table past RAM, all-ones entries, MMIO
 * in place of a table, and (alone, since no walker can list what it
 * maps) a fan-out bomb.  The CPU never touches these addresses: the
 * tables are only there to be walked from outside.  Each scenario takes
 * its entries out again after its checkpoint.
 */
#include "scenario.h"

/* Where: top-table entries of their own, above the scale scenario's. */
#define HOSTILE_CYCLE UINT64_C(0x0000018000000000)	/* top entry 3 */
#define HOSTILE_PAST_RAM UINT64_C(0x0000020000000000)	/* 4 */
#define HOSTILE_ONES UINT64_C(0x0000028000000000)	/* 5 */
#define HOSTILE_MMIO UINT64_C(0x0000030000000000)	/* 6 */
#define HOSTILE_FANOUT UINT64_C(0x00007f8000000000)	/* 255 */

/* Past the end of any RAM this kernel boots with, below MAXPHYADDR. */
#define PAST_RAM_PA UINT64_C(0x0000007ff0000000)
/* The local APIC's registers. */
#define APIC_PA UINT64_C(0xfee00000)

static const uint64_t tflags = PTE_P | PTE_RW | PTE_A;

const char *sc_hostile(const struct scenario *sc)
{
	uint64_t a = frame_alloc(), b = frame_alloc();
	uint64_t past = frame_alloc(), ones = frame_alloc();
	uint64_t mmio = frame_alloc();
	uint64_t *top[4];

	/* A cycle: A is the PDPT, B its PD, and B's entry 0 names A as
	 * the page table, whose entry 0 (B) maps B as a 4 KiB page. */
	paging_table(a)[0] = b | tflags;
	paging_table(b)[0] = a | tflags;
	/* A PDPT whose entry 0 names a page directory past RAM. */
	paging_table(past)[0] = PAST_RAM_PA | tflags;
	/* A PDPT whose entry 0 has every bit set: a 1 GiB page with
	 * reserved bits, NX, PAT, protection key 15. */
	paging_table(ones)[0] = ~UINT64_C(0);
	/* A PDPT whose entry 0 names the local APIC as a page directory. */
	paging_table(mmio)[0] = APIC_PA | tflags;

	top[0] = paging_entry(HOSTILE_CYCLE, 4);
	*top[0] = a | tflags;
	top[1] = paging_entry(HOSTILE_PAST_RAM, 4);
	*top[1] = past | tflags;
	top[2] = paging_entry(HOSTILE_ONES, 4);
	*top[2] = ones | tflags;
	top[3] = paging_entry(HOSTILE_MMIO, 4);
	*top[3] = mmio | tflags;
	kprintf("%s: a table cycle at 0x%lx (tables 0x%lx, 0x%lx), a table "
		"past RAM (0x%lx) at 0x%lx, an all-ones entry at 0x%lx, the "
		"APIC (0x%lx) as a table at 0x%lx\n", sc->name, HOSTILE_CYCLE,
		a, b, PAST_RAM_PA, HOSTILE_PAST_RAM, HOSTILE_ONES, APIC_PA,
		HOSTILE_MMIO);
	checkpoint(sc->name);
	for (int i = 0; i < 4; i++)
		*top[i] = 0;
	kprintf("%s: taken out again\n", sc->name);
	return NULL;
}

const char *sc_hostile_fanout(const struct scenario *sc)
{
	uint64_t t = frame_alloc(), *e;

	/* Every entry of the one table names it: as PDPT, PD and PT, so
	 * 512^3 4 KiB pages, every one of them this table. */
	for (int i = 0; i < 512; i++)
		paging_table(t)[i] = t | tflags;
	e = paging_entry(HOSTILE_FANOUT, 4);
	*e = t | tflags;
	kprintf("%s: table 0x%lx names itself in all 512 entries, under "
		"0x%lx: 512^3 pages\n", sc->name, t, HOSTILE_FANOUT);
	checkpoint(sc->name);
	*e = 0;
	kprintf("%s: taken out again\n", sc->name);
	return NULL;
}
