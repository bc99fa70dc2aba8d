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
#include "rsp.h"
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
	unsigned maxphyaddr;	/* physical address width, bits */
	uint64_t pat;		/* IA32_PAT; QEMU does not expose it */
	rsp_trace_fn trace;	/* sees every RSP packet; NULL: none */
	void *trace_ctx;
};

struct walk_cache;

struct session {
	struct session_opts opt;
	FILE *out;
	struct target tgt;
	bool connected;
	struct walk_cache *cache;
	bool quit;		/* set by `quit` */
	int source_depth;	/* nesting of `source` */
};

#define SESSION_DEFAULT_TARGET "127.0.0.1:1234"
#define SESSION_DEFAULT_TIMEOUT_MS 5000

/* Fill `s` with defaults; `out` receives all command output. */
void session_init(struct session *s, FILE *out);

/* Connect on first use; returns the target or NULL with `err` set. */
struct target *session_target(struct session *s, struct pt_err *err);

/*
 * Leave the guest as it was found and release everything.  Returns 0, or
 * -1 with `err` set when restoring the guest failed.
 */
int session_close(struct session *s, struct pt_err *err);

#endif
