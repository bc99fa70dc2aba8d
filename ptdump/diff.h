/*
 * diff.h - what changed between two snapshots (snapshot.h), page by
 * page, and what the TLB may still hold of it.
 *
 * A page present in A and gone or different in B whose path had A=1
 * throughout may still be cached: the CPU keeps it until INVLPG or a
 * CR3 write; a global one (G, with CR4.PGE) survives CR3 writes too;
 * with PCIDs, under A's PCID.
 */
#ifndef PTDUMP_DIFF_H
#define PTDUMP_DIFF_H

#include <stdbool.h>
#include <stdint.h>

#include "snapshot.h"

enum diff_kind { DIFF_ADDED, DIFF_REMOVED, DIFF_CHANGED };

struct diff_rec {
	enum diff_kind kind;
	const struct snap_leaf *a, *b;	/* NULL on the side it is not on */
	char what[160];		/* CHANGED: what changed */
	char hazard[200];	/* may the CPU still use A's translation? */
};

/* Called per record in address order; non-zero stops. */
typedef int (*diff_fn)(void *cookie, const struct diff_rec *r);

/* Compare a and b; returns the number of records, or what fn returned
 * if it stopped the run (negative). */
long diff_run(const struct snapshot *a, const struct snapshot *b,
    diff_fn fn, void *cookie);

#endif
