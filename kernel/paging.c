/*
 * paging.c - build and edit the kernel's own 4- or 5-level page tables.
 *
 * Table pages come from a bump allocator over FRAME_POOL_START..END,
 * which both the boot tables and ours map at virtual == physical, so a
 * table's physical address is also the pointer used to edit it.
 * Allocation order is fixed, so every boot gets the same table frames.
 */
#include "paging.h"

uint64_t paging_root;
int paging_levels = 4;

static uint64_t frame_next = FRAME_POOL_START;
static uint64_t frame_end = FRAME_POOL_END;
static uint64_t ram_limit; /* end of RAM, 0 if the loader did not say */

/* frame_alloc returns the physical address of a zeroed 4 KiB frame from
 * the pool; panics when the pool is exhausted. */
uint64_t frame_alloc(void)
{
	if (frame_next >= frame_end)
		panic("frame_alloc: frame pool exhausted at 0x%lx", frame_next);
	uint64_t pa = frame_next;
	frame_next += PAGE_SIZE;
	memset((void *)pa, 0, PAGE_SIZE);
	return pa;
}

/* Table pages are identity mapped (see above). */
static uint64_t *table_at(uint64_t pa)
{
	return (uint64_t *)(pa & PTE_ADDR_4K);
}

/* paging_table returns a pointer through which the table at physical PA
 * (a frame from the pool, or the frame an entry points at) is edited. */
uint64_t *paging_table(uint64_t pa)
{
	return table_at(pa);
}

/* The frame-address mask of a leaf entry at LEVEL. */
static uint64_t leaf_addr_mask(int level)
{
	switch (level) {
	case 1:
		return PTE_ADDR_4K;
	case 2:
		return PTE_ADDR_2M;
	default:
		return PTE_ADDR_1G;
	}
}

/*
 * walk returns a pointer to the entry that maps VA at LEVEL in the tables
 * under ROOT, creating the
 * tables above it when CREATE is set (NULL when absent and !CREATE).
 * A large page met on the way is an error for the caller to handle: walk
 * returns NULL and sets *large to the level that holds it.
 * Table entries are always present, writable and executable; the leaf
 * alone decides the rights, except that US is added on the way down for
 * a user leaf, since a user access needs US at every level.
 */
static uint64_t *walk(uint64_t root, uint64_t va, int level, bool create,
		      uint64_t leaf, int *large)
{
	uint64_t *table = table_at(root);

	*large = 0;
	for (int l = paging_levels; l > level; l--) {
		uint64_t *e = &table[PX(l, va)];
		if (!(*e & PTE_P)) {
			if (!create)
				return NULL;
			*e = frame_alloc() | PTE_P | PTE_RW | PTE_A;
		} else if (l <= PAGING_1G && (*e & PTE_PS)) {
			*large = l;
			return NULL;
		}
		if ((leaf & PTE_US) && !(*e & PTE_US)) {
			*e |= PTE_US;
			invlpg(va);
		}
		table = table_at(*e);
	}
	return &table[PX(level, va)];
}

/* paging_canonical reports whether VA is canonical: bits 63 down to the
 * top bit of the top level's index (47, or 56 with LA57) all equal. */
bool paging_canonical(uint64_t va)
{
	int unused = 64 - (PX_SHIFT(paging_levels) + 9);

	return (int64_t)(va << unused) >> unused == (int64_t)va;
}

/* paging_noncanonical returns the lowest address above the canonical
 * lower half: 0x800000000000, or 0x100000000000000 with LA57. */
uint64_t paging_noncanonical(void)
{
	return UINT64_C(1) << (PX_SHIFT(paging_levels) + 8);
}

/*
 * paging_recursive_pte_va returns where the PTE for VA appears through
 * the recursive slot: index 511 at the top level, then VA's own indexes
 * shifted down one level, so the PT holding the PTE is the "page" and
 * the PTE's index times 8 the offset.
 */
uint64_t paging_recursive_pte_va(uint64_t va)
{
	int top = PX_SHIFT(paging_levels);
	uint64_t base = (uint64_t)RECURSIVE_SLOT << top;
	uint64_t index_bits = (UINT64_C(1) << top) - 1;

	base |= ~((UINT64_C(1) << (top + 9)) - 1); /* sign-extend */
	return base | ((va >> 9) & index_bits & ~UINT64_C(7));
}

/* check_va panics unless VA is canonical, outside the recursive slot and
 * aligned to SIZE; WHO names the caller in the message. */
static void check_va(const char *who, uint64_t va, uint64_t size)
{
	if (!paging_canonical(va))
		panic("%s: non-canonical address 0x%lx", who, va);
	if (PX(paging_levels, va) == RECURSIVE_SLOT)
		panic("%s: 0x%lx is in the recursive slot", who, va);
	if (va & (size - 1))
		panic("%s: 0x%lx not aligned to 0x%lx", who, va, size);
}

/* check_flags panics if FLAGS carry bits of a level-LEVEL leaf's frame
 * address; WHO names the caller in the message. */
static void check_flags(const char *who, uint64_t flags, int level)
{
	if (flags & leaf_addr_mask(level))
		panic("%s: flags 0x%lx overlap the frame address", who, flags);
}

/*
 * paging_map maps the SIZE page at VA to PA with leaf bits FLAGS (P is
 * implied, PS added for large pages; a large page's PAT is
 * PTE_PAT_LARGE).  Panics on a misaligned address, on an existing
 * mapping, or on a 4 KiB page inside an existing large one.
 */
void paging_map(uint64_t va, uint64_t pa, uint64_t flags,
		enum paging_size size)
{
	paging_map_in(paging_root, va, pa, flags, size);
}

/* paging_map_in is paging_map into the tables under ROOT, which need not
 * be the ones in CR3. */
void paging_map_in(uint64_t root, uint64_t va, uint64_t pa, uint64_t flags,
		   enum paging_size size)
{
	int level = (int)size;
	uint64_t bytes = LEVEL_SIZE(level);
	int large;

	if (level < PAGING_4K || level > PAGING_1G)
		panic("paging_map: bad page size %d", level);
	check_va("paging_map", va, bytes);
	if (pa & (bytes - 1))
		panic("paging_map: pa 0x%lx not aligned to 0x%lx", pa, bytes);
	if (pa & ~leaf_addr_mask(level))
		panic("paging_map: pa 0x%lx beyond 52 bits", pa);
	check_flags("paging_map", flags, level);
	if (level == PAGING_1G) {
		uint32_t r[4];
		cpuid(0x80000001, 0, r);
		if (!(r[3] & (1u << 26)))
			panic("paging_map: this CPU has no 1 GiB pages");
	}

	uint64_t *e = walk(root, va, level, true, flags, &large);
	if (e == NULL)
		panic("paging_map: 0x%lx lies in a level-%d large page", va,
		      large);
	if (*e & PTE_P)
		panic("paging_map: remap of 0x%lx (entry 0x%lx)", va, *e);
	if (level > 1)
		flags |= PTE_PS;
	*e = pa | flags | PTE_P;
	invlpg(va);
}

/* find_leaf returns the present leaf entry mapping VA and its level, or
 * NULL if VA is not mapped. */
static uint64_t *find_leaf(uint64_t va, int *level)
{
	uint64_t *table = table_at(paging_root);

	for (int l = paging_levels; l >= 1; l--) {
		uint64_t *e = &table[PX(l, va)];
		if (!(*e & PTE_P))
			return NULL;
		if (l == 1 || (l <= PAGING_1G && (*e & PTE_PS))) {
			*level = l;
			return e;
		}
		table = table_at(*e);
	}
	return NULL;
}

/*
 * paging_entry returns a pointer to the empty level-LEVEL entry for VA,
 * creating the tables above it; for a caller that installs a table it
 * built itself.  Panics if the entry is in use or a large page covers VA.
 */
uint64_t *paging_entry(uint64_t va, int level)
{
	int large;

	if (level < 1 || level > paging_levels)
		panic("paging_entry: no level %d in %d-level paging", level,
		      paging_levels);
	check_va("paging_entry", va, LEVEL_SIZE(level));
	uint64_t *e = walk(paging_root, va, level, true, 0, &large);
	if (e == NULL)
		panic("paging_entry: 0x%lx lies in a level-%d large page", va,
		      large);
	if (*e & PTE_P)
		panic("paging_entry: the level-%d entry for 0x%lx is in use "
		      "(0x%lx)", level, va, *e);
	return e;
}

/*
 * paging_leaf returns a pointer to the present leaf entry mapping VA and
 * sets *level, or returns NULL.  A caller that edits the entry owns the
 * consequences for the TLB: no INVLPG is done for it.
 */
uint64_t *paging_leaf(uint64_t va, int *level)
{
	check_va("paging_leaf", va, 1);
	return find_leaf(va, level);
}

/* paging_unmap removes the leaf (of any size) mapping VA and returns the
 * old entry, or 0 if VA was not mapped.  Emptied tables are kept. */
uint64_t paging_unmap(uint64_t va)
{
	int level;

	check_va("paging_unmap", va, 1);
	uint64_t *e = find_leaf(va, &level);
	if (e == NULL)
		return 0;
	uint64_t old = *e;
	*e = 0;
	invlpg(va);
	return old;
}

/*
 * paging_protect replaces the leaf bits of the page mapping VA with FLAGS
 * (same meaning as for paging_map; frame and size are kept) and returns
 * the old entry.  Panics if VA is not mapped.
 */
uint64_t paging_protect(uint64_t va, uint64_t flags)
{
	int level;

	check_va("paging_protect", va, 1);
	uint64_t *e = find_leaf(va, &level);
	if (e == NULL)
		panic("paging_protect: 0x%lx is not mapped", va);
	check_flags("paging_protect", flags, level);
	uint64_t old = *e;
	if (level > 1)
		flags |= PTE_PS;
	*e = (old & leaf_addr_mask(level)) | flags | PTE_P;
	invlpg(va);
	return old;
}

/*
 * paging_translate walks the tables for VA; returns false if it is not
 * mapped, else true with the physical address in *pa, the leaf entry in
 * *leaf and its level in *level (any pointer may be NULL).
 */
bool paging_translate(uint64_t va, uint64_t *pa, uint64_t *leaf, int *level)
{
	int l;

	if (!paging_canonical(va))
		return false;
	uint64_t *e = find_leaf(va, &l);
	if (e == NULL)
		return false;
	if (pa)
		*pa = (*e & leaf_addr_mask(l)) | (va & (LEVEL_SIZE(l) - 1));
	if (leaf)
		*leaf = *e;
	if (level)
		*level = l;
	return true;
}

/*
 * frame_pool_grow makes at least BYTES more frames available to
 * frame_alloc by mapping the RAM after the pool at virtual == physical
 * in 2 MiB pages (RW, NX); returns the new end of the pool.  Panics if
 * RAM ends first.
 */
uint64_t frame_pool_grow(uint64_t bytes)
{
	uint64_t end = (frame_end + bytes + PAGE_SIZE_2M - 1) &
		       ~(PAGE_SIZE_2M - 1);

	if (ram_limit != 0 && end > ram_limit)
		panic("frame_pool_grow: need RAM up to 0x%lx, have 0x%lx", end,
		      ram_limit);
	for (uint64_t a = frame_end; a < end; a += PAGE_SIZE_2M)
		paging_map(a, a, PAGE_KERNEL_RW, PAGING_2M);
	frame_end = end;
	return end;
}

/* map_range maps [start, end) at virtual == physical in 4 KiB pages. */
static void map_range(uint64_t start, uint64_t end, uint64_t flags)
{
	for (uint64_t a = start; a < end; a += PAGE_SIZE)
		paging_map(a, a, flags, PAGING_4K);
}

/*
 * paging_init builds the kernel's layout in fresh tables and loads CR3;
 * RAM_END (0 if unknown) is checked to hold the frame pool.
 *
 *   0xb8000 .. 0xb9000        VGA text buffer     RW NX
 *   text                      kernel code         R  X
 *   rodata                    constants           R  NX
 *   data, bss                 variables, stacks   RW NX
 *     boot_stack_guard        one page            unmapped
 *   FRAME_POOL (2 MiB)        table frames        RW NX, one 2 MiB page
 *   PML4[511] (PML5[511])     the top table       RW NX (recursive)
 *
 * Everything else, page 0 included, is unmapped.
 */
void paging_init(uint64_t ram_end)
{
	uint64_t guard = (uint64_t)boot_stack_guard;

	if (ram_end != 0 && ram_end < FRAME_POOL_END)
		panic("paging_init: %lu KiB of RAM, need at least %lu",
		      ram_end >> 10, FRAME_POOL_END >> 10);
	if ((uint64_t)__kernel_end > FRAME_POOL_START)
		panic("paging_init: kernel image overlaps the frame pool");
	ram_limit = ram_end;

	paging_levels = boot_la57 ? 5 : 4;
	paging_root = frame_alloc();

	map_range(0xb8000, 0xb9000, PAGE_KERNEL_RW);
	map_range((uint64_t)__text_start, (uint64_t)__text_end, PAGE_KERNEL_RX);
	map_range((uint64_t)__rodata_start, (uint64_t)__rodata_end,
		  PAGE_KERNEL_RO);
	map_range((uint64_t)__data_start, guard, PAGE_KERNEL_RW);
	map_range(guard + PAGE_SIZE, (uint64_t)__bss_end, PAGE_KERNEL_RW);
	paging_map(FRAME_POOL_START, FRAME_POOL_START, PAGE_KERNEL_RW,
		   PAGING_2M);

	/* A top-table entry is valid at every level (bit 7 must be 0 in
	 * it), so the top table can serve as every lower table of its own
	 * slot: the table for any address is at a computable address. */
	uint64_t *top = table_at(paging_root);
	top[RECURSIVE_SLOT] = paging_root | PTE_P | PTE_RW | PTE_A | PTE_NX;

	/* Supervisor writes to read-only pages must fault too. */
	write_cr0(read_cr0() | CR0_WP);
	write_cr3(paging_root);

	uint64_t self = *(volatile uint64_t *)(RECURSIVE_TOP_VA +
					       8 * RECURSIVE_SLOT);
	if ((self & PTE_ADDR_4K) != paging_root)
		panic("paging_init: recursive slot reads 0x%lx", self);

	kprintf("paging: %d-level, cr3=0x%lx, %lu table pages\n",
		paging_levels, paging_root,
		(frame_next - FRAME_POOL_START) / PAGE_SIZE);
	kprintf("paging:   text   0x%lx-0x%lx r-x\n",
		(uint64_t)__text_start, (uint64_t)__text_end);
	kprintf("paging:   rodata 0x%lx-0x%lx r--\n",
		(uint64_t)__rodata_start, (uint64_t)__rodata_end);
	kprintf("paging:   data   0x%lx-0x%lx rw- (guard page 0x%lx unmapped)\n",
		(uint64_t)__data_start, (uint64_t)__bss_end, guard);
	kprintf("paging:   pool   0x%lx-0x%lx rw- (one 2 MiB page)\n",
		FRAME_POOL_START, FRAME_POOL_END);
	kprintf("paging:   PML%d[%d] recursive, PML%d at 0x%lx\n",
		paging_levels, RECURSIVE_SLOT, paging_levels, RECURSIVE_TOP_VA);
}
