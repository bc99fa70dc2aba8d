/*
 * paging.h - the kernel's page tables and the frames they live in.
 *
 * One address space, rooted at paging_root: 4-level, or 5-level when
 * boot.S turned on LA57.  Every change to an entry is
 * followed by INVLPG for the virtual address it maps, so the TLB never
 * holds a stale translation unless a scenario asks for one on purpose.
 */
#ifndef PAGING_H
#define PAGING_H

#include "kernel.h"

/*
 * Entry bits.  Bit 7 is PS in a PDPTE/PDE but PAT in a PTE; a large
 * page keeps its PAT bit at 12 instead, inside what would be the frame
 * address of a 4 KiB page.
 */
#define PTE_P (UINT64_C(1) << 0)
#define PTE_RW (UINT64_C(1) << 1)
#define PTE_US (UINT64_C(1) << 2)
#define PTE_PWT (UINT64_C(1) << 3)
#define PTE_PCD (UINT64_C(1) << 4)
#define PTE_A (UINT64_C(1) << 5)
#define PTE_D (UINT64_C(1) << 6)
#define PTE_PS (UINT64_C(1) << 7)
#define PTE_PAT (UINT64_C(1) << 7)
#define PTE_G (UINT64_C(1) << 8)
#define PTE_PAT_LARGE (UINT64_C(1) << 12)
#define PTE_NX (UINT64_C(1) << 63)

#define PTE_ADDR_4K UINT64_C(0x000ffffffffff000)
#define PTE_ADDR_2M UINT64_C(0x000fffffffe00000)
#define PTE_ADDR_1G UINT64_C(0x000fffffc0000000)

/*
 * Rights for the kernel's own mappings.  A and D are set up front, as
 * Linux does for its kernel mappings: the CPU then never writes them, so
 * a dump of the tables is the same on every boot whatever ran before it.
 */
#define PAGE_KERNEL_RX (PTE_P | PTE_A)
#define PAGE_KERNEL_RO (PTE_P | PTE_A | PTE_NX)
#define PAGE_KERNEL_RW (PTE_P | PTE_RW | PTE_A | PTE_D | PTE_NX)
#define PAGE_KERNEL_RWX (PTE_P | PTE_RW | PTE_A | PTE_D)
#define PAGE_USER_RX (PTE_P | PTE_US | PTE_A)
#define PAGE_USER_RO (PTE_P | PTE_US | PTE_A | PTE_NX)
#define PAGE_USER_RW (PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D | PTE_NX)

/* Page sizes, named by the level of the leaf entry that maps them. */
enum paging_size {
	PAGING_4K = 1,
	PAGING_2M = 2,
	PAGING_1G = 3,
};

/* Physical address of the top table (PML4, or PML5 with LA57) that
 * paging_init loaded into CR3, and how many levels the tables have. */
extern uint64_t paging_root;
extern int paging_levels;

void paging_init(uint64_t ram_end);
void paging_map(uint64_t va, uint64_t pa, uint64_t flags,
		enum paging_size size);
void paging_map_in(uint64_t root, uint64_t va, uint64_t pa, uint64_t flags,
		   enum paging_size size);
uint64_t paging_unmap(uint64_t va);
uint64_t paging_protect(uint64_t va, uint64_t flags);
bool paging_translate(uint64_t va, uint64_t *pa, uint64_t *leaf, int *level);
uint64_t *paging_leaf(uint64_t va, int *level);
uint64_t *paging_entry(uint64_t va, int level);
uint64_t *paging_table(uint64_t pa);
bool paging_canonical(uint64_t va);
uint64_t paging_noncanonical(void);
uint64_t paging_recursive_pte_va(uint64_t va);

uint64_t frame_alloc(void);
uint64_t frame_pool_grow(uint64_t bytes);

#endif
