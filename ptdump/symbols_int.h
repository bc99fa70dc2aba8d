/*
 * symbols_int.h - what symbols.c and sym_read.c share: the table's
 * layout and the calls that fill it.  Not for other modules.
 *
 *   symbols.c    the table: building, indexing (the sorts), queries
 *   sym_read.c   the readers: ELF via libelf, System.map / kallsyms text
 *   sym_expr.c   address expressions, on the public calls alone
 */
#ifndef PTDUMP_SYMBOLS_INT_H
#define PTDUMP_SYMBOLS_INT_H

#include "symbols.h"

/* sym_ent.flags: what makes one symbol better than another (sym_at). */
#define SYM_F_GLOBAL 1u
#define SYM_F_FUNC 2u
#define SYM_F_SIZED 4u

struct sym_ent {
	uint64_t addr;
	uint64_t span;		/* bytes covered from addr, at least 1 */
	uint32_t name;		/* offset in names */
	uint8_t flags;
};

struct sym_sec {
	uint64_t addr;
	uint64_t size;
	uint32_t name;
};

/*
 * ents stays in load order, so an index is also the load order.
 * by_addr and by_name index it sorted (best first among equals); uniq
 * holds the first of each distinct name, for completion.  A file is
 * appended, sorted alone and merged into the indexes.
 */
struct sym_table {
	struct sym_ent *ents;
	size_t n, cap;
	uint32_t *by_addr, *by_name, *uniq;
	size_t nuniq;
	char *names;
	size_t nlen, ncap;
	struct sym_sec *secs;
	uint64_t *sec_maxlast;	/* highest last byte of secs[0..i] */
	size_t nsec, seccap;
};

/*
 * Make room for about NSYM more symbols and NBYTES of names at once: a
 * growing realloc copies and faults the same pages in again.  Failure
 * is no error here; adding reports it.
 */
void sym_reserve(struct sym_table *t, size_t nsym, size_t nbytes);

/*
 * Append a symbol, NAME being LEN bytes and FLAGS SYM_F_*, not yet
 * indexed: 0, or -1 with `err` when the table or its pool of names is full.
 */
int sym_add_ent(struct sym_table *t, const char *name, size_t len,
    uint64_t addr, uint64_t span, unsigned flags, struct pt_err *err);

/*
 * Append a section, not yet indexed: 0, or -1 with `err` when there are
 * too many sections or names.
 */
int sym_add_sec(struct sym_table *t, const char *name, uint64_t addr,
    uint64_t size, struct pt_err *err);

/*
 * Index the symbols appended since N0 and all sections; -1 when out of
 * memory, with the table unchanged: every allocation comes first.
 */
int sym_commit(struct sym_table *t, size_t n0, struct pt_err *err);

#endif
