/*
 * audit.h - `check`: what in the tables deserves a second look.
 *
 * A walk's leaves and notes go in (audit_leaf, audit_note are walker
 * callbacks); audit_finish() then finds what needs the whole picture
 * (one frame at several addresses, page-table pages behind a mapping)
 * and the findings come out sorted by address.  Nothing here reads the
 * target or prints.
 */
#ifndef PTDUMP_AUDIT_H
#define PTDUMP_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "args.h"
#include "err.h"
#include "walk.h"

enum audit_kind {
	AUDIT_WX,		/* writable and executable (effective rights) */
	AUDIT_USER_TABLES,	/* a page-table page behind a user mapping */
	AUDIT_WRITABLE_TABLES,	/* ... behind a writable one (--strict) */
	AUDIT_USER_HIGH,	/* US=1 in the supervisor (upper) half */
	AUDIT_USER_EXEC,	/* a user page ring 0 may execute (SMEP off) */
	AUDIT_RSVD,		/* reserved bits on a path: accesses fault */
	AUDIT_PAST_RAM,		/* a table, or a WB page, past guest RAM */
	AUDIT_ALIAS,		/* one frame writable here, executable or
				   read-only there */
	AUDIT_ALIAS_MEMTYPE,	/* one frame with two memory types */
	AUDIT_NKINDS
};

#define AUDIT_MAX_IGNORE 32
#define AUDIT_MAX_FINDINGS 10000

struct audit_opts {
	bool strict;		/* writable-tables too */
	uint32_t only;		/* 1 << kind for each kind wanted; 0: all
				   but writable-tables (unless strict) */
	struct args_range ignore[AUDIT_MAX_IGNORE];	/* VA ranges */
	unsigned nignore;
	bool smep;		/* CR4.SMEP */
	bool la57;		/* where the upper half starts */
	uint64_t ram_limit;	/* 0: unknown */
};

struct audit_finding {
	enum audit_kind kind;
	uint64_t va, last;	/* the range (inclusive) */
	uint64_t pa;
	char detail[200];
};

struct audit;

/* "wx", "user-tables", ...; NULL out of range. */
const char *audit_kind_name(enum audit_kind k);

/* The kind named `name`: 0, or -1 if there is none. */
int audit_kind_by_name(const char *name, enum audit_kind *k);

/* Does this audit look for kind k (--only, --strict)? */
bool audit_wanted(const struct audit *a, enum audit_kind k);

/* A new audit; NULL with err set when out of memory. */
struct audit *audit_new(const struct audit_opts *o, struct pt_err *err);
void audit_free(struct audit *a);

/* Walker callbacks over a struct audit cookie (set w->tables). */
int audit_leaf(void *cookie, const struct walk_leaf *l);
int audit_note(void *cookie, const struct walk_note *n);

/* The findings that need every leaf; then sort.  0 or -1 with err. */
int audit_finish(struct audit *a, struct pt_err *err);

/* The findings, sorted by address; valid until audit_free. */
const struct audit_finding *audit_findings(const struct audit *a,
    size_t *n);

struct audit_summary {
	uint64_t ranges;	/* coalesced ranges checked */
	uint64_t tables;	/* table pages visited */
	uint64_t count[AUDIT_NKINDS];
	uint64_t ignored;	/* findings dropped by --ignore */
	unsigned recursive;	/* recursive slots seen (not findings) */
	bool capped;		/* more than AUDIT_MAX_FINDINGS */
};

void audit_summary(const struct audit *a, struct audit_summary *s);

/* The end of guest RAM the audit used (0: unknown). */
uint64_t audit_ram_limit(const struct audit *a);

/* A recursive slot the walk met: named, not flagged.  i from 0. */
const struct walk_note *audit_recursive(const struct audit *a, unsigned i);

#endif
