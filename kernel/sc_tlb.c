/*
 * sc_tlb.c - scenarios where the TLB and the tables disagree on purpose.
 *
 * The CPU caches translations; the tables in memory are only consulted
 * again after an INVLPG, a CR3 write (which spares global pages), or a
 * switch to a PCID whose entries were flushed.  A dump shows the tables,
 * so these are the cases where a dump and the CPU disagree.
 */
#include "scenario.h"

#define OLD_VALUE (SC_MAGIC | 0xe0)
#define NEW_VALUE (SC_MAGIC | 0xe1)

/*
 * The three pages of tlb-stale.  QEMU's TLB is direct-mapped, indexed by
 * the low 6 to 8 bits of the page number, with a small victim cache.
 * Pages ending in 0x91..0x93 share those bits only with pages the kernel
 * never touches here: 0x111.. (past the text in use), 0x151.. (past the
 * rodata), 0x191.. (past the bss in use), 0x211.. (past the frames the
 * scenario takes).  So no access of the kernel's evicts them early.
 */
#define STALE_INVLPG (SC_TLB + 0x91000) /* plain; fixed by INVLPG */
#define STALE_GLOBAL (SC_TLB + 0x92000) /* global */
#define STALE_PLAIN (SC_TLB + 0x93000)  /* plain; fixed by a CR3 write */

/* retarget points the PTE of VA at frame PA, keeping its flags, without
 * INVLPG: the TLB may still hold the old frame. */
static void retarget(uint64_t va, uint64_t pa)
{
	int level;
	uint64_t *pte = paging_leaf(va, &level);

	*pte = (*pte & ~PTE_ADDR_4K) | pa;
}

/*
 * tlb-stale: three pages on frame A are read (so the TLB holds them),
 * then their PTEs are pointed at frame B without INVLPG.  At the
 * checkpoint the tables say B.  A CPU may still translate to A until
 * INVLPG, or may have dropped the entry: which one happened is reported
 * (QEMU keeps it; the test of the serial log pins that).  After INVLPG
 * the read must see B, and after a CR3 write so must the other plain
 * page.  Whether the global page survives the CR3 write is reported:
 * the architecture lets a CPU keep it, QEMU's TCG flushes its whole TLB
 * on every CR3 write.
 */
const char *sc_tlb_stale(const struct scenario *sc)
{
	uint64_t cr4 = read_cr4();
	uint64_t a = sc_frame(OLD_VALUE), b = sc_frame(NEW_VALUE);
	bool pge = cpu_has(CPU_PGE);
	const char *r;

	paging_map(STALE_INVLPG, a, PAGE_KERNEL_RO, PAGING_4K);
	paging_map(STALE_GLOBAL, a, PAGE_KERNEL_RO | (pge ? PTE_G : 0),
		   PAGING_4K);
	paging_map(STALE_PLAIN, a, PAGE_KERNEL_RO, PAGING_4K);
	if (pge)
		write_cr4(cr4 | CR4_PGE);
	(void)sc_load(STALE_INVLPG);
	(void)sc_load(STALE_GLOBAL);
	(void)sc_load(STALE_PLAIN);
	retarget(STALE_INVLPG, b);
	retarget(STALE_GLOBAL, b);
	retarget(STALE_PLAIN, b);
	kprintf("%s: PTEs of 0x%lx, 0x%lx (global) and 0x%lx now point at "
		"frame 0x%lx instead of 0x%lx; no INVLPG\n", sc->name,
		STALE_INVLPG, STALE_GLOBAL, STALE_PLAIN, b, a);
	checkpoint(sc->name);

	if (sc_load(STALE_INVLPG) == OLD_VALUE)
		kprintf("%s: 0x%lx still reads the old frame: the TLB kept the "
			"stale translation\n", sc->name, STALE_INVLPG);
	else
		kprintf("%s: 0x%lx already reads the new frame: this CPU "
			"dropped the TLB entry before INVLPG\n", sc->name,
			STALE_INVLPG);
	invlpg(STALE_INVLPG);
	if ((r = sc_expect_value(sc->name, "after INVLPG", sc_load(STALE_INVLPG),
				 NEW_VALUE)) != NULL)
		goto out;
	kprintf("%s: after INVLPG it reads the new frame\n", sc->name);

	write_cr3(read_cr3());
	if ((r = sc_expect_value(sc->name, "plain page after a CR3 write",
				 sc_load(STALE_PLAIN), NEW_VALUE)) != NULL)
		goto out;
	kprintf("%s: a CR3 write flushed the plain page 0x%lx\n", sc->name,
		STALE_PLAIN);
	if (!pge)
		kprintf("%s: no PGE, so no global page to keep\n", sc->name);
	else if (sc_load(STALE_GLOBAL) == OLD_VALUE)
		kprintf("%s: the global page 0x%lx survived the CR3 write and "
			"still reads the old frame\n", sc->name, STALE_GLOBAL);
	else
		kprintf("%s: the global page 0x%lx was flushed by the CR3 write "
			"too: QEMU's TCG flushes its whole TLB on a CR3 write, "
			"where a CPU may keep global entries\n", sc->name,
			STALE_GLOBAL);
out:
	write_cr4(cr4);
	return r;
}

/* pcid_read_as loads CR3 with ROOT and PCID (NOFLUSH or 0) and reads
 * SC_PCID. */
static uint64_t pcid_read_as(uint64_t root, uint64_t pcid, uint64_t noflush)
{
	write_cr3(root | pcid | noflush);
	return sc_load(SC_PCID);
}

/*
 * pcid: address space A (the kernel's own tables, PCID 1) maps SC_PCID
 * to a frame reading 0xa; a copy B (PCID 2) maps it to a frame reading
 * 0xb.  Switching with and without the no-flush bit must show each
 * space its own frame; then A's PTE is moved to a third frame without
 * INVLPG, and a no-flush round trip through B tells whether A's entry
 * was kept under its PCID.  QEMU 7.2's TCG offers no PCID: the scenario
 * builds both spaces, then says so and passes as skipped.
 */
const char *sc_pcid(const struct scenario *sc)
{
	uint64_t fa = sc_frame(SC_MAGIC | 0xa), fb = sc_frame(SC_MAGIC | 0xb);
	uint64_t fc = sc_frame(SC_MAGIC | 0xc);
	uint64_t a = paging_root, b = frame_alloc();
	uint64_t *topb = paging_table(b), cr4 = read_cr4();
	const char *r = NULL;

	/* B shares every table of A but its own recursive slot and the
	 * top-table entry for SC_PCID, which the two maps below create
	 * apart. */
	memcpy(topb, paging_table(a), PAGE_SIZE);
	topb[RECURSIVE_SLOT] = b | PTE_P | PTE_RW | PTE_A | PTE_NX;
	paging_map_in(a, SC_PCID, fa, PAGE_KERNEL_RO, PAGING_4K);
	paging_map_in(b, SC_PCID, fb, PAGE_KERNEL_RO, PAGING_4K);
	kprintf("%s: space A cr3=0x%lx, space B cr3=0x%lx; 0x%lx maps frame "
		"0x%lx in A and 0x%lx in B\n", sc->name, a, b, SC_PCID, fa, fb);
	checkpoint(sc->name);
	if (!cpu_has(CPU_PCID))
		return sc_skip(sc->name, CPU_PCID);

	/* Setting PCIDE needs CR3[11:0] == 0: the root is a bare frame. */
	write_cr4(cr4 | CR4_PCIDE);
	struct {
		uint64_t root, pcid, noflush, want;
		const char *what;
	} steps[] = {
		{ a, 1, 0, SC_MAGIC | 0xa, "A, PCID 1, flushed" },
		{ b, 2, 0, SC_MAGIC | 0xb, "B, PCID 2, flushed" },
		{ a, 1, CR3_NOFLUSH, SC_MAGIC | 0xa, "A, PCID 1, no-flush" },
		{ b, 2, CR3_NOFLUSH, SC_MAGIC | 0xb, "B, PCID 2, no-flush" },
	};
	for (size_t i = 0; i < ARRAY_LEN(steps) && r == NULL; i++)
		r = sc_expect_value(sc->name, steps[i].what,
				    pcid_read_as(steps[i].root, steps[i].pcid,
						 steps[i].noflush),
				    steps[i].want);
	if (r != NULL)
		goto out;
	kprintf("%s: each space read its own frame, with and without "
		"no-flush\n", sc->name);

	(void)pcid_read_as(a, 1, CR3_NOFLUSH);
	retarget(SC_PCID, fc); /* A's tables, which CR3 holds now */
	(void)pcid_read_as(b, 2, CR3_NOFLUSH);
	uint64_t back = pcid_read_as(a, 1, CR3_NOFLUSH);
	kprintf("%s: A's PTE moved to frame 0x%lx without INVLPG; back in A "
		"with no-flush it reads %s\n", sc->name, fc,
		back == (SC_MAGIC | 0xa) ? "the old frame: PCID 1 kept its entry" :
					   "the new frame: the entry was dropped");
	r = sc_expect_value(sc->name, "A after a flushing switch",
			    pcid_read_as(a, 1, 0), SC_MAGIC | 0xc);
out:
	write_cr3(a); /* PCID 0 again before PCIDE goes: no entry is left
			 * tagged with a PCID the kernel no longer uses */
	write_cr4(cr4);
	return r;
}
