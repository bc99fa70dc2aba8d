/*
 * session.h - what one ptdump invocation knows: options, the output
 * stream, and the target (connected on first use).
 */
#ifndef PTDUMP_SESSION_H
#define PTDUMP_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "gdbremote.h"
#include "offline.h"
#include "rsp.h"
#include "run.h"
#include "snapshot.h"
#include "target.h"

enum out_format {
	OUT_TEXT,
	OUT_JSON,
};

struct session_opts {
	const char *target;	/* HOST:PORT, :PORT, [v6]:PORT or unix:PATH */
	int timeout_ms;		/* connect and per-reply timeout */
	enum out_format format;
	bool color;
	uint64_t max_entries;	/* walker budget, leaves per command */
	uint64_t max_tables;	/* walker budget, table visits per command */
	unsigned maxphyaddr;	/* physical address width, bits */
	uint64_t pat;		/* IA32_PAT; QEMU does not expose it */
	rsp_trace_fn trace;	/* sees every RSP packet; NULL: none */
	void *trace_ctx;
	int cpu;		/* vCPU to select on connect; -1: as found */
	enum gdbremote_ram ram_access;	/* --ram-access */
	const char *guest_ram;	/* --guest-ram FILE, or NULL */
	bool target_given;	/* -t on the command line */
	struct offline_opts offline;	/* --core or --image: no gdbstub */
};

struct walk_cache;
struct sym_table;

#define SESSION_MAX_SNAPSHOTS 16

struct session {
	struct session_opts opt;
	FILE *out;
	struct target tgt;
	bool connected;
	struct walk_cache *cache;
	struct run_state run;	/* points and the last stop */
	struct sym_table *syms;	/* NULL until `symbols` */
	struct snapshot snaps[SESSION_MAX_SNAPSHOTS];	/* `snapshot save` */
	unsigned nsnaps;
	bool interactive;	/* the readline shell runs the commands */
	char target_buf[400];	/* `target HOST:PORT` keeps its spec here */
	uint64_t ram_limit;	/* end of guest RAM; 0: unknown */
	bool ram_known;		/* ram_limit read since connect / monitor */
	bool quit;		/* set by `quit` */
	bool out_closed;	/* the reader of our output went away */
	int out_errno;		/* why this command's output failed, or 0 */
	int source_depth;	/* nesting of `source` */
};

#define SESSION_DEFAULT_TARGET "127.0.0.1:1234"
#define SESSION_DEFAULT_TIMEOUT_MS 5000

/* Fill `s` with defaults; `out` receives all command output. */
void session_init(struct session *s, FILE *out);

/* Connect on first use; returns the target or NULL with `err` set. */
struct target *session_target(struct session *s, struct pt_err *err);

/*
 * Let go of the target, leaving the guest as it was found; the next
 * command connects again.  Returns 0, or -1 with `err` set when
 * restoring the guest failed.
 */
int session_disconnect(struct session *s, struct pt_err *err);

struct walk_ctx;
/*
 * Set up a walk of the current vCPU's tables with the session's settings
 * (MAXPHYADDR, PAT, budget; Ctrl-C cuts it short).  Returns 0, or -1
 * with `err` set (no target, paging off or a mode not walked).
 */
int session_walk_ctx(struct session *s, struct walk_ctx *w,
    struct pt_err *err);

/* What session_walk_ctx sets beyond the registers: MAXPHYADDR, PAT, the
 * budget, Ctrl-C, the end of RAM; for a walk set up otherwise. */
void session_walk_settings(struct session *s, struct walk_ctx *w);

/*
 * The end of guest RAM, from the monitor's flat memory map (read once
 * per connection, and again after a user's monitor command, which may
 * add RAM); 0 when unknown.
 */
uint64_t session_ram_limit(struct session *s);

/* The vCPU commands read (-1 when not connected or not known). */
int session_cpu(struct session *s);

/*
 * Leave the guest as it was found and release everything.  Returns 0, or
 * -1 with `err` set when restoring the guest failed.
 */
int session_close(struct session *s, struct pt_err *err);

#endif
