/*
 * filter.h - `dump --filter`: keep the leaves whose effective rights,
 * flags and memory type match every term of a comma-separated list.
 *
 *   w x user super global ro nx wx a d rsvd   and a memory type:
 *   wb wt wc wp uc uc-                         '!' before a term negates
 *
 * `ro` is !w, `nx` is !x, `super` is !user, `wx` is w and x.
 */
#ifndef PTDUMP_FILTER_H
#define PTDUMP_FILTER_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "walk.h"

struct filter {
	uint32_t want, deny;	/* FILTER_* bits that must be set / clear */
	uint32_t mt_want;	/* 1 << memtype: one of these (0: any) */
	uint32_t mt_deny;	/* 1 << memtype: none of these */
};

/* Parse `expr` into *f.  0, or -1 with err (PT_EXIT_USAGE). */
int filter_parse(const char *expr, struct filter *f, struct pt_err *err);

/* Does leaf `l` pass? */
bool filter_match(const struct filter *f, const struct walk_leaf *l);

#endif
