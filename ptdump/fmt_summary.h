/*
 * fmt_summary.h - `dump --summary`: totals instead of ranges, per page
 * size, per rights and per memory type, with the page-table pages the
 * walk went through.  Walker callbacks in, one report out.
 */
#ifndef PTDUMP_FMT_SUMMARY_H
#define PTDUMP_FMT_SUMMARY_H

#include <stdint.h>
#include <stdio.h>

#include "fmt.h"
#include "session.h"
#include "walk.h"

#define FMT_SUMMARY_MAX_TABLES (1u << 16)

struct fmt_summary {
	uint64_t leaves, bytes;
	uint64_t size_n[4], size_b[4];	/* 4K, 2M, 4M, 1G */
	uint64_t rights_n[8], rights_b[8];	/* index w | x << 1 | user << 2 */
	uint64_t mt_n[8], mt_b[8];	/* by memory type */
	struct walk_pages tables;	/* max FMT_SUMMARY_MAX_TABLES */
};

/* walk_leaf_fn / walk_note_fn over a struct fmt_summary that
 * fmt_summary_init() set up. */
void fmt_summary_init(struct fmt_summary *s);
int fmt_summary_leaf(void *cookie, const struct walk_leaf *l);
int fmt_summary_note(void *cookie, const struct walk_note *n);

/* Print the totals after the dump's first line (fmt_head); frees. */
void fmt_summary_print(FILE *f, enum out_format format,
    struct fmt_summary *s, const struct fmt_regs *r, uint64_t root);

#endif
