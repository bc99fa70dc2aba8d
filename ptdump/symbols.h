/*
 * symbols.h - a symbol table: names for addresses and addresses for names.
 *
 * Symbols come from ELF files (.symtab, else .dynsym; read with libelf)
 * and from System.map / /proc/kallsyms text ("HEXADDR TYPE NAME
 * [module]"); the kind is told by the ELF magic.  Every address of a file
 * is shifted by an offset (KASLR, PIE).  The table never prints.
 */
#ifndef PTDUMP_SYMBOLS_H
#define PTDUMP_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "args.h"
#include "err.h"

#define SYM_MAX (1u << 22)		/* symbols per table */
#define SYM_NAME_MAX 4096		/* longer names are skipped */
#define SYM_POOL_MAX (256u << 20)	/* bytes of names per table */
#define SYM_SEC_MAX (1u << 16)		/* ELF sections per table */
#define SYM_TEXT_MAX (256u << 20)	/* bytes read from a text map */
#define SYM_EXPR_MAX 1024		/* bytes in an address expression */
#define SYM_MAP_SPAN (1u << 20)		/* reach of a System.map symbol */

struct sym_table;

/* An empty table; NULL with `err` when out of memory. */
struct sym_table *sym_new(struct pt_err *err);

void sym_free(struct sym_table *t);

/* Forget every file loaded so far (and release their memory). */
void sym_clear(struct sym_table *t);

/*
 * Add the symbols of PATH, each address plus `offset` (wrapping, so a
 * negative shift is its two's complement).  ELF: FUNC, OBJECT and NOTYPE
 * symbols with a name, not undefined, common or '$'-named, with their
 * sizes, plus the file's SHF_ALLOC sections.  Text: every line that
 * parses, size unknown; other lines are skipped.  Returns the number
 * added (an ELF symbol table may hold none) or -1 with `err` and nothing
 * added: PT_EXIT_USAGE, naming PATH, when it cannot be read, is not ELF
 * nor text, has no symbol table (ELF), or has no line that parses or
 * only zero addresses, as kallsyms shows them without privilege (text).
 */
long sym_add_file(struct sym_table *t, const char *path, uint64_t offset,
    struct pt_err *err);

size_t sym_count(const struct sym_table *t);

/*
 * The address of the NAMELEN bytes at NAME: 0, or -1 when unknown.  Of
 * equal names a global (ELF GLOBAL or WEAK, map type in upper case) wins
 * over a local, then the one loaded first.
 */
int sym_lookup(const struct sym_table *t, const char *name, size_t namelen,
    uint64_t *addr);

/*
 * Of the symbols at the highest address <= ADDR, the best that covers
 * ADDR, and ADDR's offset into it; NULL if none.  A symbol covers its
 * own address and then: its size when known; else up to the end of its
 * ELF section; nothing more when absolute (ELF SHN_ABS, map type A);
 * else, from a System.map, SYM_MAP_SPAN bytes.  Best is a global, then
 * a FUNC (map types T/t), then one with a size, then the one loaded
 * first.  A symbol nested in a bigger one hides the bigger one past its
 * own end.
 */
const char *sym_at(const struct sym_table *t, uint64_t addr, uint64_t *off);

/*
 * "name" or "name+0x1c" for ADDR into BUF (truncated to LEN); false with
 * BUF "" when no symbol covers ADDR.
 */
bool sym_format(const struct sym_table *t, uint64_t addr, char *buf,
    size_t len);

/* The name of the ELF section holding ADDR (the innermost), or NULL. */
const char *sym_section_at(const struct sym_table *t, uint64_t addr);

/*
 * Completion: the I-th distinct name (from 0, in strcmp order) that
 * starts with PREFIX, or NULL past the last.  O(log n) per call.
 */
const char *sym_complete(const struct sym_table *t, const char *prefix,
    size_t i);

/*
 * An address expression: NUMBER (as args_u64 reads it), NAME,
 * NAME+NUMBER or NAME-NUMBER.  A word starting with a digit is a number;
 * a whole word that names a symbol wins over a split at its last '+' or
 * '-'.  T may be NULL (numbers only).  Errors (PT_EXIT_USAGE): "no symbol
 * 'foo'", with a hint to load one when T is NULL or empty; a result
 * outside 0 .. 2^64-1.
 */
int sym_eval(const struct sym_table *t, const char *expr, uint64_t *out,
    struct pt_err *err);

/*
 * A range as args_range reads one, where START, END and LEN may be
 * address expressions: START-END (END exclusive, END 0 = to the top),
 * START+LEN, or one expression (a one-byte range).  The range operator is
 * the LAST '-' or '+' whose two sides both evaluate, so `_text-_etext`,
 * `isr_14+16`, `foo+8-bar` and `0x1000-0x2000` read as expected, and
 * `foo-16` is the range foo..16 (an error unless foo < 16): write
 * `foo-16+1` for the one byte below foo.  On failure the error is that
 * of the rightmost split tried, wrapped as "bad range 'EXPR'".
 */
int sym_eval_range(const struct sym_table *t, const char *expr,
    struct args_range *out, struct pt_err *err);

#endif
