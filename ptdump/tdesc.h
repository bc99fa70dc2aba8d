/*
 * tdesc.h - a GDB target description (target.xml and the files it
 * xi:includes) read into a register map.
 *
 * Registers are numbered as gdb numbers them: by regnum= where given,
 * else one past the previous register, counting across included files
 * in document order.  Files come through a fetch callback, so the
 * parser runs on strings in tests and over qXfer on a live stub.
 */
#ifndef PTDUMP_TDESC_H
#define PTDUMP_TDESC_H

#include <stddef.h>

#include "err.h"

#define TDESC_MAX_BYTES (1u << 20)	/* one file */
#define TDESC_MAX_DEPTH 8		/* nested xi:include */
#define TDESC_MAX_FILES 32
#define TDESC_MAX_REGS 4096

struct tdesc_reg {
	char name[32];
	unsigned regnum;
	unsigned bits;
};

struct tdesc {
	struct tdesc_reg *regs;
	size_t nregs, cap;
	char arch[32];		/* <architecture>, e.g. i386:x86-64 */
	unsigned next_regnum;
	int files;
};

/*
 * Fetch the file `annex` into a malloc'd, NUL-terminated *text of *len
 * bytes.  Returns 0, or -1 with err set.
 */
typedef int (*tdesc_fetch_fn)(void *ctx, const char *annex, char **text,
    size_t *len, struct pt_err *err);

/*
 * Read `annex` (normally "target.xml") and what it includes into `d`,
 * which must be zeroed.  Returns 0, or -1 with err set (PT_EXIT_TARGET);
 * `d` then holds what was read so far and must still be freed.
 */
int tdesc_load(struct tdesc *d, const char *annex, tdesc_fetch_fn fetch,
    void *ctx, struct pt_err *err);

void tdesc_free(struct tdesc *d);

/* The register called `name` (case-insensitive), or -1. */
long tdesc_find(const struct tdesc *d, const char *name);

#endif
