/*
 * target.h - where guest state comes from.
 *
 * The walker and the commands see only this interface, so the same code
 * runs over a live gdbstub (gdbremote.c), a memory image, or a test's
 * byte array.  Every operation returns 0 on success or -1 with `err` set.
 */
#ifndef PTDUMP_TARGET_H
#define PTDUMP_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct target_ops {
	/* Read guest-physical memory.  Past-RAM reads may return zeros. */
	int (*read_phys)(void *ctx, uint64_t pa, void *buf, size_t len,
	    struct pt_err *err);
	/* Read guest-virtual memory through the current vCPU's translation. */
	int (*read_virt)(void *ctx, uint64_t va, void *buf, size_t len,
	    struct pt_err *err);
	/* Read a register by its target-description name ("cr3", "efer"). */
	int (*read_reg)(void *ctx, const char *name, uint64_t *val,
	    struct pt_err *err);
	/* Run a monitor command; *out is malloc'd text the caller frees. */
	int (*monitor)(void *ctx, const char *cmd, char **out,
	    struct pt_err *err);
	/* Leave the guest as it was found and free the target. */
	void (*close)(void *ctx);
};

struct target {
	const struct target_ops *ops;
	void *ctx;
	/*
	 * Bumped whenever the guest may have run (continue, stepi):
	 * caches of guest memory keyed on it are stale once it changes.
	 */
	uint64_t stop_gen;
};

#endif
