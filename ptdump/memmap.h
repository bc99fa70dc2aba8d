/*
 * memmap.h - the guest-physical memory map, as QEMU's monitor prints it
 * (`info mtree -f`): which address ranges are RAM, and which RAM block
 * (and offset in it) backs each.
 *
 * It tells where guest RAM ends (tables past it are bogus) and lets RAM
 * be read straight from QEMU's process or its memory-backend file.
 */
#ifndef PTDUMP_MEMMAP_H
#define PTDUMP_MEMMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct memmap_region {
	uint64_t start, last;	/* guest-physical, inclusive */
	bool rom;		/* read-only to the guest, still host memory */
	char block[48];		/* the RAM block, e.g. "pc.ram" */
	uint64_t block_off;	/* offset of `start` in the block */
};

/* The RAM and ROM regions of the system address space, by address. */
struct memmap {
	struct memmap_region *r;
	size_t n;
	int guest;		/* index of a region of guest RAM's block; -1 */
};

/*
 * Parse the monitor's `info mtree -f` output.  Only the flat view of
 * the system address space ("memory") counts; if no view names it, all
 * do.  Devices' RAM (vga.vram) is listed too: memmap_guest_ram tells it
 * apart.  Returns 0, or -1 with err set (out of memory).
 */
int memmap_parse(const char *text, struct memmap *m, struct pt_err *err);

void memmap_free(struct memmap *m);

/*
 * Is region i part of guest RAM, i.e. of the block that backs guest
 * address 0 ("pc.ram", or a memory backend's id)?  Without a region at
 * 0, blocks whose names hold "ram" but not "vram" count.
 */
bool memmap_guest_ram(const struct memmap *m, size_t i);

/* The end of guest RAM (one past its highest byte); 0 if none found. */
uint64_t memmap_ram_end(const struct memmap *m);

#endif
