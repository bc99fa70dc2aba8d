/*
 * sc_map.c - scenarios about what a mapping is: page sizes, rights,
 * memory types, aliases, the recursive slot, global pages, and a large
 * address space for benchmarks.  None of them faults on purpose except
 * `alias`, whose read-only view refuses a write.
 */
#include "scenario.h"

/* A value the 1 GiB page reads back through the physical address. */
static const uint64_t pages_1g_marker = SC_MAGIC | 0x1971;

/*
 * pages-4k: four 4 KiB pages on four frames, mapped in reverse order so
 * their frames are not contiguous and a dump shows four separate ranges.
 */
const char *sc_pages_4k(const struct scenario *sc)
{
	uint64_t pa[4];

	for (int i = 0; i < 4; i++)
		pa[i] = sc_frame(SC_MAGIC | (uint64_t)i);
	for (int i = 0; i < 4; i++)
		paging_map(SC_PAGES_4K + (uint64_t)i * PAGE_SIZE, pa[3 - i],
			   PAGE_KERNEL_RW, PAGING_4K);
	checkpoint(sc->name);
	for (int i = 0; i < 4; i++) {
		uint64_t va = SC_PAGES_4K + (uint64_t)i * PAGE_SIZE;
		const char *r = sc_expect_value(sc->name, "4 KiB page",
						sc_load(va + 8),
						SC_MAGIC | (uint64_t)(3 - i));
		if (r != NULL)
			return r;
	}
	kprintf("%s: read 0x%lx-0x%lx: each 4 KiB page gave its own frame's "
		"value (frames 0x%lx down to 0x%lx)\n", sc->name, SC_PAGES_4K,
		SC_PAGES_4K + 4 * PAGE_SIZE, pa[3], pa[0]);
	return NULL;
}

/*
 * pages-2m: one 2 MiB page over the frame pool, read only.  The pool
 * holds the page tables, so the top table's recursive entry must read back
 * through it.
 */
const char *sc_pages_2m(const struct scenario *sc)
{
	uint64_t *top = paging_table(paging_root);
	uint64_t off = paging_root - FRAME_POOL_START + 8 * RECURSIVE_SLOT;

	paging_map(SC_PAGES_2M, FRAME_POOL_START, PAGE_KERNEL_RO, PAGING_2M);
	checkpoint(sc->name);
	const char *r = sc_expect_value(sc->name, "top[511] through 2 MiB",
					sc_load(SC_PAGES_2M + off),
					top[RECURSIVE_SLOT]);
	if (r != NULL)
		return r;
	kprintf("%s: 0x%lx maps 2 MiB at 0x%lx; PML%d[511] read through it "
		"is 0x%lx, as written\n", sc->name, SC_PAGES_2M,
		FRAME_POOL_START, paging_levels, top[RECURSIVE_SLOT]);
	return NULL;
}

/* pages-1g: one 1 GiB page over physical 0..1 GiB, read only; a kernel
 * constant reads back at its physical address plus the page's base. */
const char *sc_pages_1g(const struct scenario *sc)
{
	uint64_t pa = (uint64_t)&pages_1g_marker;

	if (sc_lacks(sc, CPU_1G))
		return NULL;
	paging_map(SC_PAGES_1G, 0, PAGE_KERNEL_RO, PAGING_1G);
	checkpoint(sc->name);
	const char *r = sc_expect_value(sc->name, "constant through 1 GiB",
					sc_load(SC_PAGES_1G + pa),
					pages_1g_marker);
	if (r != NULL)
		return r;
	kprintf("%s: 0x%lx maps 1 GiB at physical 0; the constant at "
		"physical 0x%lx reads 0x%lx through it\n", sc->name,
		SC_PAGES_1G, pa, pages_1g_marker);
	return NULL;
}

/* map_and_read maps a fresh page filled with FILL at VA with FLAGS,
 * stops at SC's checkpoint, then reads the page back; returns NULL or the
 * reason it read something else. */
static const char *map_and_read(const struct scenario *sc, uint64_t va,
				uint64_t flags, uint64_t fill)
{
	sc_map_new(va, flags, fill);
	checkpoint(sc->name);
	return sc_expect_value(sc->name, "page", sc_load(va), fill);
}

/* ro: a read-only, no-execute kernel page: reading it works. */
const char *sc_ro(const struct scenario *sc)
{
	const char *r = map_and_read(sc, SC_RO, PAGE_KERNEL_RO, SC_MAGIC | 0x20);

	if (r == NULL)
		kprintf("%s: read 0x%lx from the read-only page 0x%lx\n",
			sc->name, SC_MAGIC | 0x20, SC_RO);
	return r;
}

/* nx: a writable, no-execute page: data reads and writes work. */
const char *sc_nx(const struct scenario *sc)
{
	const char *r = map_and_read(sc, SC_NX, PAGE_KERNEL_RW, SC_MAGIC | 0x30);

	if (r != NULL)
		return r;
	*(volatile uint64_t *)(SC_NX + 8) = SC_MAGIC | 0x31;
	r = sc_expect_value(sc->name, "no-execute page after a write",
			    sc_load(SC_NX + 8), SC_MAGIC | 0x31);
	if (r == NULL)
		kprintf("%s: read and wrote data on the no-execute page "
			"0x%lx\n", sc->name, SC_NX);
	return r;
}

/*
 * user: at SC_USER a user page (RW), a supervisor page, and a user page
 * (RO), then the ring-3 probe's code and stack.  Ring 3 reads both user
 * pages; ring 0 reads the supervisor page between them.  pf-user-super
 * is the ring-3 read that must fail.
 */
const char *sc_user(const struct scenario *sc)
{
	uint64_t urw = SC_USER, sup = SC_USER + PAGE_SIZE;
	uint64_t uro = SC_USER + 2 * PAGE_SIZE;
	const struct fault_info *f;
	const char *r;

	sc_map_new(urw, PAGE_USER_RW, SC_MAGIC | 0x40);
	sc_map_new(sup, PAGE_KERNEL_RW, SC_MAGIC | 0x41);
	sc_map_new(uro, PAGE_USER_RO, SC_MAGIC | 0x42);
	uint64_t code = sc_user_code(SC_USER + 3 * PAGE_SIZE);
	checkpoint(sc->name);

	f = sc_ring3_load(code, urw);
	if ((r = sc_expect(sc->name, f, T_UD, 0, 0)) != NULL ||
	    (r = sc_expect_value(sc->name, "ring 3, user RW page", f->rax,
				 SC_MAGIC | 0x40)) != NULL)
		return r;
	f = sc_ring3_load(code, uro);
	if ((r = sc_expect(sc->name, f, T_UD, 0, 0)) != NULL ||
	    (r = sc_expect_value(sc->name, "ring 3, user RO page", f->rax,
				 SC_MAGIC | 0x42)) != NULL)
		return r;
	r = sc_expect_value(sc->name, "ring 0, supervisor page",
			    sc_load(sup), SC_MAGIC | 0x41);
	if (r == NULL)
		kprintf("%s: ring 3 read both user pages (its UD2 brought it "
			"back); ring 0 read the supervisor page 0x%lx\n",
			sc->name, sup);
	return r;
}

/*
 * cache: pages with PWT (write-through), PCD (uncached, UC-) and both
 * (UC) under the power-on PAT, and the VGA text buffer remapped UC, as a
 * frame buffer should be.  QEMU does not model caches, so the check is
 * that every mapping still reads back what was written.
 */
const char *sc_cache(const struct scenario *sc)
{
	static const uint64_t bits[3] = { PTE_PWT, PTE_PCD, PTE_PCD | PTE_PWT };

	for (int i = 0; i < 3; i++)
		sc_map_new(SC_CACHE + (uint64_t)i * PAGE_SIZE,
			   PAGE_KERNEL_RW | bits[i], 0);
	paging_protect(0xb8000, PAGE_KERNEL_RW | PTE_PCD | PTE_PWT);
	/* The frames were filled, and VGA written, through WB mappings. */
	wbinvd();
	checkpoint(sc->name);
	for (int i = 0; i < 3; i++) {
		uint64_t va = SC_CACHE + (uint64_t)i * PAGE_SIZE;
		*(volatile uint64_t *)va = SC_MAGIC | 0x90 | (uint64_t)i;
		const char *r = sc_expect_value(sc->name, "cache-typed page",
						sc_load(va),
						SC_MAGIC | 0x90 | (uint64_t)i);
		if (r != NULL)
			return r;
	}
	kprintf("%s: wrote and read back pages typed WT (PWT), UC- (PCD) "
		"and UC (PCD PWT); this line went through a UC VGA buffer\n",
		sc->name);
	return NULL;
}

/*
 * IA32_PAT as Linux programs it: entry N is the type of a page whose
 * PAT, PCD, PWT bits read N.  Power-on is WB WT UC- UC, twice.
 */
#define PAT_SCENARIO UINT64_C(0x0407050600070106) /* WB WC UC- UC WB WP UC- WT */

/* pat_write loads IA32_PAT with V, emptying the caches and the TLB on
 * both sides of the write as the SDM asks (11.12.4). */
static void pat_write(uint64_t v)
{
	wbinvd();
	write_cr3(read_cr3());
	wrmsr(MSR_PAT, v);
	wbinvd();
	write_cr3(read_cr3());
}

/*
 * pat: with the PAT above, a 4 KiB page with PWT is WC, a 4 KiB page
 * with PAT and PWT is WP (PAT is bit 7 in a PTE), and a read-only 2 MiB
 * page over the frame pool with PAT, PCD and PWT is WT (PAT is bit 12
 * in a PDE).  The WT page aliases the pool's WB identity map: it is
 * only read, after the caches were emptied.  A debugger cannot read
 * IA32_PAT: `set pat` tells ptdump.  The old PAT is put back at the end.
 */
const char *sc_pat(const struct scenario *sc)
{
	uint64_t *top = paging_table(paging_root);
	uint64_t big = SC_PAT + PAGE_SIZE_2M, old_pat;
	const char *r;

	if (sc_lacks(sc, CPU_PAT))
		return NULL;
	old_pat = rdmsr(MSR_PAT);
	sc_map_new(SC_PAT, PAGE_KERNEL_RW | PTE_PWT, SC_MAGIC | 0xa0);
	sc_map_new(SC_PAT + PAGE_SIZE, PAGE_KERNEL_RW | PTE_PAT | PTE_PWT,
		   SC_MAGIC | 0xa1);
	paging_map(big, FRAME_POOL_START,
		   PAGE_KERNEL_RO | PTE_PAT_LARGE | PTE_PCD | PTE_PWT,
		   PAGING_2M);
	pat_write(PAT_SCENARIO);
	kprintf("%s: IA32_PAT = 0x%lx (WB WC UC- UC WB WP UC- WT), was "
		"0x%lx\n", sc->name, PAT_SCENARIO, old_pat);
	checkpoint(sc->name);

	if ((r = sc_expect_value(sc->name, "IA32_PAT", rdmsr(MSR_PAT),
				 PAT_SCENARIO)) != NULL ||
	    (r = sc_expect_value(sc->name, "WC page", sc_load(SC_PAT),
				 SC_MAGIC | 0xa0)) != NULL ||
	    (r = sc_expect_value(sc->name, "WP page",
				 sc_load(SC_PAT + PAGE_SIZE),
				 SC_MAGIC | 0xa1)) != NULL ||
	    (r = sc_expect_value(sc->name, "WT 2 MiB page",
				 sc_load(big + paging_root - FRAME_POOL_START +
					 8 * RECURSIVE_SLOT),
				 top[RECURSIVE_SLOT])) != NULL)
		goto out;
	kprintf("%s: read the WC and WP 4 KiB pages and the WT 2 MiB page\n",
		sc->name);
out:
	pat_write(old_pat);
	return r;
}

/* alias: one frame at SC_ALIAS (RW) and at SC_ALIAS + 64 KiB (RO). */
const char *sc_alias(const struct scenario *sc)
{
	uint64_t rw = SC_ALIAS, ro = SC_ALIAS + 0x10000;
	uint64_t pa = sc_map_new(rw, PAGE_KERNEL_RW, 0);
	const char *r;

	paging_map(ro, pa, PAGE_KERNEL_RO, PAGING_4K);
	checkpoint(sc->name);
	*(volatile uint64_t *)rw = SC_MAGIC | 0xb0;
	r = sc_expect_value(sc->name, "read-only alias", sc_load(ro),
			    SC_MAGIC | 0xb0);
	if (r != NULL)
		return r;
	kprintf("%s: frame 0x%lx: written at 0x%lx, the same value read at "
		"0x%lx\n", sc->name, pa, rw, ro);
	return sc_expect(sc->name, sc_try_store(ro, 0), T_PF, ro, PF_P | PF_W);
}

/*
 * recursive: entry 511 of the top table points at the top table, so the
 * top table appears at 0xfffffffffffff000 and the PTE for VA at the
 * address paging_recursive_pte_va gives (0xffffff8000000000 plus VA's
 * bits 47..12 times 8, under 4-level paging).  Both must read what the
 * identity view holds.
 */
const char *sc_recursive(const struct scenario *sc)
{
	uint64_t *top = paging_table(paging_root);
	uint64_t text = (uint64_t)__text_start;
	uint64_t pte_va = paging_recursive_pte_va(text);
	int level;
	const char *r;

	checkpoint(sc->name);
	if ((r = sc_expect_value(sc->name, "top[511] via the window",
				 sc_load(RECURSIVE_TOP_VA +
					 8 * RECURSIVE_SLOT),
				 top[RECURSIVE_SLOT])) != NULL ||
	    (r = sc_expect_value(sc->name, "text PTE via the window",
				 sc_load(pte_va),
				 *paging_leaf(text, &level))) != NULL)
		return r;
	kprintf("%s: PML%d[511] at 0x%lx reads 0x%lx; the PTE of 0x%lx at "
		"0x%lx reads 0x%lx\n", sc->name, paging_levels,
		RECURSIVE_TOP_VA + 8 * RECURSIVE_SLOT, top[RECURSIVE_SLOT],
		text, pte_va, sc_load(pte_va));
	return NULL;
}

/* global: two global pages (G) and a plain one, with CR4.PGE set. */
const char *sc_global(const struct scenario *sc)
{
	uint64_t cr4 = read_cr4();
	const char *r = NULL;

	if (sc_lacks(sc, CPU_PGE))
		return NULL;
	for (int i = 0; i < 3; i++)
		sc_map_new(SC_GLOBAL + (uint64_t)i * PAGE_SIZE,
			   PAGE_KERNEL_RW | (i < 2 ? PTE_G : 0),
			   SC_MAGIC | 0xc0 | (uint64_t)i);
	write_cr4(cr4 | CR4_PGE);
	checkpoint(sc->name);
	for (int i = 0; i < 3 && r == NULL; i++)
		r = sc_expect_value(sc->name, "page",
				    sc_load(SC_GLOBAL + (uint64_t)i * PAGE_SIZE),
				    SC_MAGIC | 0xc0 | (uint64_t)i);
	if (r == NULL)
		kprintf("%s: CR4.PGE on; read the global pages 0x%lx-0x%lx "
			"and the plain page after them\n", sc->name, SC_GLOBAL,
			SC_GLOBAL + 2 * PAGE_SIZE);
	write_cr4(cr4); /* clearing PGE flushes the global entries */
	return r;
}

/* wx: a page that is both writable and executable: write code into it
 * (mov $42, %eax; ret) and run it. */
const char *sc_wx(const struct scenario *sc)
{
	static const uint8_t code[] = { 0xb8, 0x2a, 0, 0, 0, 0xc3 };
	uint64_t ret = 0;

	sc_map_new(SC_WX, PAGE_KERNEL_RWX, 0);
	checkpoint(sc->name);
	memcpy((void *)SC_WX, code, sizeof(code));
	const struct fault_info *f = sc_try_call(SC_WX, 0, &ret);
	if (f != NULL) {
		kprintf("%s: calling the W+X page raised %s\n", sc->name,
			trap_name(f->vector));
		return "the W+X page did not run";
	}
	const char *r = sc_expect_value(sc->name, "code's result", ret, 42);
	if (r == NULL)
		kprintf("%s: wrote code into the writable, executable page "
			"0x%lx and ran it: it returned 42\n", sc->name, SC_WX);
	return r;
}

/*
 * scale: scale=N GiB at SC_SCALE with 4 KiB pages, page i on frame i % 4,
 * read only, in tables built here directly (one PD and 512 PTs per GiB)
 * because mapping 262144 pages one by one is slow under emulation.
 */
#define SCALE_FRAMES 4
#define SCALE_MAX_GIB 64

const char *sc_scale(const struct scenario *sc)
{
	uint64_t gib = scenario_scale_gib, frame[SCALE_FRAMES];
	uint64_t tables = 1 + gib * (1 + 512);
	const uint64_t tflags = PTE_P | PTE_RW | PTE_A;

	if (gib < 1 || gib > SCALE_MAX_GIB) {
		kprintf("%s: scale=%lu is out of range 1..%d\n", sc->name, gib,
			SCALE_MAX_GIB);
		return "bad scale=N";
	}
	frame_pool_grow((tables + SCALE_FRAMES) * PAGE_SIZE);
	for (int i = 0; i < SCALE_FRAMES; i++)
		frame[i] = sc_frame(SC_MAGIC | 0xd0 | (uint64_t)i);

	uint64_t pdpt = frame_alloc();
	for (uint64_t g = 0; g < gib; g++) {
		uint64_t pd = frame_alloc();
		for (int d = 0; d < 512; d++) {
			uint64_t pt = frame_alloc(), *pte = paging_table(pt);
			for (int t = 0; t < 512; t++)
				pte[t] = frame[t % SCALE_FRAMES] |
					 PAGE_KERNEL_RO;
			paging_table(pd)[d] = pt | tflags;
		}
		paging_table(pdpt)[g] = pd | tflags;
	}
	*paging_entry(SC_SCALE, 4) = pdpt | tflags;
	kprintf("%s: mapped %lu GiB at 0x%lx with %lu 4 KiB pages over %d "
		"frames, in %lu table pages\n", sc->name, gib, SC_SCALE,
		gib << 18, SCALE_FRAMES, tables);
	checkpoint(sc->name);

	uint64_t last = SC_SCALE + (gib << 30) - PAGE_SIZE;
	uint64_t probes[3] = { SC_SCALE, SC_SCALE + 5 * PAGE_SIZE, last };
	for (int i = 0; i < 3; i++) {
		uint64_t page = (probes[i] - SC_SCALE) / PAGE_SIZE;
		const char *r = sc_expect_value(
			sc->name, "scaled page", sc_load(probes[i]),
			SC_MAGIC | 0xd0 | (page % SCALE_FRAMES));
		if (r != NULL)
			return r;
	}
	kprintf("%s: the first, sixth and last pages read their frames' "
		"values\n", sc->name);
	return NULL;
}
