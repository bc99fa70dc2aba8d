/*
 * target.h - where guest state comes from.
 *
 * The walker and the commands see only this interface, so the same code
 * runs over a live gdbstub (gdbremote.c), a memory image, or a test's
 * byte array.  Every operation returns 0 on success or -1 with `err` set.
 */
#ifndef PTDUMP_TARGET_H
#define PTDUMP_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "memmap.h"

/* Break- and watchpoint kinds, numbered as RSP's Z packets number them. */
enum target_point {
	TARGET_BREAK_SW = 0,
	TARGET_BREAK_HW = 1,
	TARGET_WATCH_WRITE = 2,
	TARGET_WATCH_READ = 3,
	TARGET_WATCH_ACCESS = 4,
};

/* Why the guest stopped, as the target reported it. */
struct target_stop {
	int signal;		/* 5 (SIGTRAP): break, step, watch; 2: interrupt */
	int cpu;		/* index in the vCPU list, from 0; -1 unknown */
	bool watch;		/* a watchpoint fired ... */
	enum target_point watch_type;
	uint64_t watch_addr;	/* ... on this data address */
	bool exited;		/* the guest is gone (RSP W/X) */
	int exit_status;
	char reply[64];		/* the stop reply as received, for --trace */
};

/* Cancel callback for waits: true asks the target to stop the guest. */
typedef bool (*target_cancel_fn)(void *ctx);

/* One piece of a read_phys_many. */
struct target_read {
	uint64_t pa;
	void *buf;
	size_t len;
	int rc;			/* out: 0 read, -1 failed, 1 left for
				 * read_phys (as fast one at a time) */
};

struct target_ops {
	/* Read guest-physical memory.  Past-RAM reads may return zeros. */
	int (*read_phys)(void *ctx, uint64_t pa, void *buf, size_t len,
	    struct pt_err *err);
	/*
	 * Read many pieces at once (a walker's next tables), faster than
	 * one by one.  A piece that cannot be read gets rc -1; read_phys
	 * tells why when asked again.  Returns -1 with err set only when
	 * the target is lost.  May be NULL.  When single reads cost no
	 * round trip, pieces may be left unread (rc 1): read when wanted,
	 * they are still in the CPU's cache.
	 */
	int (*read_phys_many)(void *ctx, struct target_read *r, size_t n,
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
	/*
	 * After something that may have changed anything behind our back (a
	 * user's monitor command): forget what was read, and find out
	 * whether the guest now runs.  May be NULL.
	 */
	int (*settle)(void *ctx, struct pt_err *err);
	/* Leave the guest as it was found and free the target. */
	void (*close)(void *ctx);

	/*
	 * Run control.  These may be NULL: a memory image cannot run.
	 *
	 * resume: let the guest run (step: one instruction on the current
	 * vCPU) and return at once.
	 */
	int (*resume)(void *ctx, bool step, struct pt_err *err);
	/*
	 * Wait for a stop: 1 with *st filled, 0 if the guest still runs
	 * after timeout_ms (< 0: no limit), -1 with err set.  Once
	 * cancel(cancel_ctx) says true, the guest is interrupted and the
	 * wait goes on for that stop.
	 */
	int (*wait)(void *ctx, int timeout_ms, target_cancel_fn cancel,
	    void *cancel_ctx, struct target_stop *st, struct pt_err *err);
	/* Ask a running guest to stop; the stop comes through wait. */
	int (*interrupt)(void *ctx, struct pt_err *err);
	/* Is the guest running (resumed and no stop seen yet)? */
	bool (*running)(void *ctx);
	/* Insert or remove a break- or watchpoint at a virtual address. */
	int (*insert_point)(void *ctx, enum target_point type, uint64_t addr,
	    unsigned len, struct pt_err *err);
	int (*remove_point)(void *ctx, enum target_point type, uint64_t addr,
	    unsigned len, struct pt_err *err);
	/* vCPUs: how many, which one registers come from, and choosing. */
	int (*cpu_count)(void *ctx, unsigned *n, struct pt_err *err);
	int (*cpu_current)(void *ctx);
	int (*select_cpu)(void *ctx, unsigned cpu, struct pt_err *err);
	/* A descriptor that becomes readable when the target has news (a
	 * stop), for a poll loop; -1 if none. */
	int (*poll_fd)(void *ctx);
	/* The guest-physical memory map (RAM regions); may be NULL. */
	int (*memmap)(void *ctx, const struct memmap **map,
	    struct pt_err *err);
};

struct target {
	const struct target_ops *ops;
	void *ctx;
	/*
	 * Bumped whenever the guest may have run or changed (continue,
	 * stepi, a monitor command): caches of guest memory keyed on it
	 * are stale once it changes.
	 */
	uint64_t stop_gen;
};

#endif
