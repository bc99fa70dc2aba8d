/*
 * gdbremote.h - a target (target.h) over a GDB remote stub, e.g. QEMU's
 * gdbstub: registers by their target-description names, guest-physical
 * and guest-virtual reads, monitor commands, vCPU selection.
 *
 * Attaching to QEMU pauses a running guest.  Closing puts things back:
 * the physical-memory mode is restored, and the guest is resumed (`D`)
 * only if it was running when we attached.  `k`/`vKill` are never sent.
 */
#ifndef PTDUMP_GDBREMOTE_H
#define PTDUMP_GDBREMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "rsp.h"
#include "target.h"

/* What close does with the guest. */
enum gdbremote_resume {
	GDBREMOTE_RESUME_AUTO,		/* resume iff it was running at attach */
	GDBREMOTE_RESUME_ALWAYS,	/* always detach with `D` */
	GDBREMOTE_RESUME_NEVER,		/* leave it stopped */
};

/* How guest-physical memory is read (--ram-access). */
enum gdbremote_ram {
	GDBREMOTE_RAM_AUTO,	/* straight from QEMU's memory when it is
				 * local and readable, else `m` packets */
	GDBREMOTE_RAM_DIRECT,	/* straight from QEMU's memory, or fail */
	GDBREMOTE_RAM_RSP,	/* `m` packets only */
};

struct gdbremote_opts {
	int connect_timeout_ms;	/* 0: default; < 0: the system's limit */
	int reply_timeout_ms;	/* per read; 0: default; < 0: forever */
	size_t max_packet;	/* largest packet accepted; 0: default */
	enum gdbremote_resume resume;
	enum gdbremote_ram ram;
	const char *guest_ram;	/* QEMU's shared memory-backend file; NULL:
				 * find QEMU's process (/proc/PID/mem) */
	rsp_trace_fn trace;	/* sees every packet; may be NULL */
	void *trace_ctx;
};

#define GDBREMOTE_CONNECT_MS 3000
#define GDBREMOTE_REPLY_MS 5000
#define GDBREMOTE_MAX_PACKET (1u << 20)

/* Fill `o` with the defaults. */
void gdbremote_opts_init(struct gdbremote_opts *o);

/*
 * Connect to `spec` (see net.h), handshake, read the target description
 * and fill `out`.  opts may be NULL for the defaults.  Returns 0, or -1
 * with err set: PT_EXIT_USAGE for a malformed spec, PT_EXIT_TARGET for
 * everything else.  A guest paused by the attempt is resumed on failure.
 */
int gdbremote_open(const char *spec, const struct gdbremote_opts *opts,
    struct target *out, struct pt_err *err);

/*
 * Close like out->ops->close, but report what went wrong while restoring
 * the guest.  The target is freed either way.
 */
int gdbremote_close(struct target *t, struct pt_err *err);

/* True if `t` was made by gdbremote_open. */
bool gdbremote_is(const struct target *t);

/* False once the connection is lost (the stub hung up, framing lost). */
bool gdbremote_alive(const struct target *t);

/*
 * A thread id as RSP writes it: `p1.2` (multiprocess) or `2`.  QEMU
 * makes one thread per vCPU, numbered from 1.  -1 means all, 0 any.
 */
struct gdbremote_thread {
	int64_t pid;		/* 0 when the id had no `p` part */
	int64_t tid;
};

/*
 * Parse a thread id at s (`p01.01`, `01`, `p1.-1`, `-1`); *end is set
 * past it if end is not NULL.  Returns 0 or -1 if it is not one.
 */
int gdbremote_parse_thread(const char *s, const char **end,
    struct gdbremote_thread *th);

/* Write th as the stub expects it into buf (at least 40 bytes). */
void gdbremote_format_thread(const struct gdbremote_thread *th,
    bool multiprocess, char *buf, size_t size);

/*
 * List the stub's threads (qfThreadInfo/qsThreadInfo) into a malloc'd
 * array the caller frees.  Returns 0 or -1 with err set.
 */
int gdbremote_threads(struct target *t, struct gdbremote_thread **list,
    size_t *n, struct pt_err *err);

/* Make `th` the vCPU whose registers and virtual memory we read (Hg). */
int gdbremote_select_cpu(struct target *t, const struct gdbremote_thread *th,
    struct pt_err *err);

/* What the handshake found, for `info`-style output and tests. */
struct gdbremote_info {
	size_t packet_size;	/* the stub's PacketSize (after our cap) */
	size_t mem_chunk;	/* bytes per `m` request */
	bool multiprocess;
	bool noack;		/* QStartNoAckMode in force */
	bool phymem;		/* qqemu.PhyMemMode available */
	bool was_running;	/* the guest ran until we attached */
	size_t nregs;
	char arch[32];		/* <architecture>, e.g. i386:x86-64 */
	char stop_reply[64];	/* the `?` answer */
	struct gdbremote_thread thread;	/* current vCPU */
	char ram_access[96];	/* how RAM is read: "rsp", "direct (FILE)" or
				 * "not chosen yet" */
};

/* Fill `info`; returns 0, or -1 if t is not a gdbremote target. */
int gdbremote_get_info(const struct target *t, struct gdbremote_info *info);

/*
 * Look up a register of the target description: its number and width.
 * Returns 0 or -1 with err set.
 */
int gdbremote_find_reg(const struct target *t, const char *name,
    unsigned *regnum, unsigned *bits, struct pt_err *err);

#endif
