/* args.h - command-line words: splitting, numbers and address ranges. */
#ifndef PTDUMP_ARGS_H
#define PTDUMP_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define ARGS_MAX 64

/*
 * Split `line` in place into at most ARGS_MAX words: blanks separate,
 * '…' and "…" quote, backslash escapes one character, '#' at the start
 * of a word begins a comment.  Returns the word count or -1 with `err`.
 */
int args_split(char *line, char **argv, int max, struct pt_err *err);

/*
 * Parse an unsigned 64-bit number: 0x hex, 0b binary, 0 octal is NOT
 * special (addresses are decimal or hex); '_' and '`' may separate
 * digits (0xffff_8000_0000_0000).  Rejects overflow and trailing junk.
 */
int args_u64(const char *s, uint64_t *out, struct pt_err *err);

/*
 * Parse an address range: "START-END" (END exclusive; END 0 means up to
 * the top of the address space), "START+LEN", or a single address (a
 * one-byte range).
 */
struct args_range {
	uint64_t start;
	uint64_t last;	/* inclusive, so the whole space fits */
};
int args_range(const char *s, struct args_range *out, struct pt_err *err);

/*
 * The range of START a and, after op, END ('-', exclusive; 0 is the top)
 * or LEN ('+'); `text` names it in errors.  Returns 0 or -1 with err.
 */
int args_make_range(const char *text, char op, uint64_t a, uint64_t b,
    struct args_range *out, struct pt_err *err);

#endif
