/*
 * snapshot.h - the leaves of an address space and the registers that
 * decide paging, kept to compare later (diff.h), in memory and as a
 * versioned JSON file:
 *
 *   {"format":"ptdump-snapshot","version":1,"name":"...","cpu":0,
 *    "mode":"4-level","cr0":"0x..","cr3":"0x..","cr4":"0x..","efer":"0x..",
 *    "leaves":[{"va":"0x..","pa":"0x..","size":4096,"level":1,
 *               "raw":"0x..","w":true,"u":false,"x":false,"memtype":6,
 *               "a":true}, ...]}
 *
 * "raw" is the leaf entry; w/u/x the effective rights; memtype the
 * IA32_PAT type number; a whether A=1 at every level of the path.
 */
#ifndef PTDUMP_SNAPSHOT_H
#define PTDUMP_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "walk.h"

#define SNAPSHOT_FORMAT "ptdump-snapshot"
#define SNAPSHOT_VERSION 1
#define SNAPSHOT_MAX_LEAVES (1u << 24)

struct snap_leaf {
	uint64_t va, pa, size, raw;
	unsigned level, memtype;
	bool w, u, x, accessed;
};

struct snapshot {
	char name[64];
	int cpu;
	uint64_t cr0, cr3, cr4, efer;
	enum x86pt_mode mode;
	struct snap_leaf *leaves;	/* in address order */
	size_t n, cap;
};

/* walk_leaf_fn over a struct snapshot: appends. */
int snapshot_leaf(void *cookie, const struct walk_leaf *l);

void snapshot_free(struct snapshot *s);

/* Write s as JSON; 0, or -1 with err (errno says why). */
int snapshot_write(const struct snapshot *s, FILE *f, struct pt_err *err);

/*
 * Read a snapshot file into s (zeroed first).  Refuses a file of another
 * format or version, or one that is not well formed, naming the file.
 * 0, or -1 with err (PT_EXIT_USAGE).
 */
int snapshot_read(struct snapshot *s, const char *path, struct pt_err *err);

#endif
