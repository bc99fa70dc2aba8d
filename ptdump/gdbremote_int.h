/*
 * gdbremote_int.h - what the gdbremote*.c files share: the connection
 * state and the request helpers.  Not for other modules.
 *
 *   gdbremote.c   connection, handshake, registers, memory, open/close
 *   gdbqemu.c     QEMU's extensions: PhyMemMode, monitor commands, E22
 *   gdbrun.c      run control, stop replies, break/watchpoints, vCPUs
 *   gdbmem.c      guest memory through `m` packets, pipelined or not
 *   gdbdirect.c   guest RAM read straight from QEMU's memory
 */
#ifndef PTDUMP_GDBREMOTE_INT_H
#define PTDUMP_GDBREMOTE_INT_H

#include "gdbremote.h"
#include "hostmem.h"
#include "memmap.h"
#include "net.h"
#include "tdesc.h"

#define GR_MAX_POINTS 256
/* Requests in flight at most. */
#define GR_WINDOW 32
/* While the stub is not known to answer requests in flight, how long a
 * batch waits for each reply before going one request at a time (at
 * most half the reply timeout, so the redo fits in the rest). */
#define GR_PROBE_MS 1000

struct gr_regval {
	bool known;		/* read since the last stop / Hg */
	uint64_t value;
};

/* A break- or watchpoint we inserted: removed again before we leave. */
struct gr_point {
	enum target_point type;
	uint64_t addr;
	unsigned len;
};

/* Reading guest RAM straight from QEMU (gdbdirect.c). */
enum gr_direct {
	GR_DIRECT_UNTRIED,	/* not set up yet */
	GR_DIRECT_UNVERIFIED,	/* set up; no read compared with `m` yet */
	GR_DIRECT_ON,
	GR_DIRECT_OFF,		/* `m` packets only */
	GR_DIRECT_FAILED,	/* --ram-access direct could not: direct_err */
};

/* Does the stub answer `m` requests in flight, in order (gdbmem.c)? */
enum gr_pipe {
	GR_PIPE_UNKNOWN,	/* not probed yet */
	GR_PIPE_YES,
	GR_PIPE_NO,
};

struct gr {
	int fd;
	struct rsp_conn rsp;
	struct net_addr addr;
	struct gdbremote_opts opt;
	struct target *tgt;	/* the target we fill; for stop_gen */

	size_t packet_size;	/* the stub's PacketSize, capped */
	size_t mem_chunk;	/* bytes per `m`: PacketSize/2 (hex doubles) */
	bool multiprocess, xfer_features, phymem, noack_offered;

	/*
	 * Run state.  `found_running`: the guest ran when we attached, or
	 * was started behind our back since (a monitor `cont`): close
	 * resumes it.  `running`: we resumed it and saw no stop yet.
	 */
	bool found_running;
	bool running;
	unsigned long strays;	/* stop replies that answered nothing */

	int phymem_orig;	/* mode found at attach; -1 not yet asked */
	int phymem_cur;		/* what the stub is set to now */
	bool regs_synced;	/* `g` sent since the last stop / Hg */

	struct gdbremote_thread thread;	/* whose registers we read (Hg) */
	struct gdbremote_thread *threads;	/* the vCPUs, in stub order */
	size_t nthreads;
	char stop_reply[64];

	struct tdesc td;
	char *tdesc_first;	/* target.xml's first piece, asked with the
				 * handshake; NULL once used */
	struct gr_regval *vals;	/* one per td.regs */

	struct gr_point points[GR_MAX_POINTS];
	size_t npoints;

	struct memmap map;	/* `info mtree -f`, once per settle */
	bool map_known;
	struct hostmem ram;	/* QEMU's memory, when direct */
	enum gr_direct direct;
	struct pt_err direct_err;	/* why, when GR_DIRECT_FAILED */
	enum gr_pipe pipe;
};

/* ---- gdbremote.c ---- */

/*
 * One request, one reply (valid until the next exchange).  Stop replies
 * that come first mean the stub stopped a guest someone else had
 * started (QEMU stops a running guest on any byte we send): they are
 * noted and skipped, as is console output.  Refused while the guest
 * runs.
 */
int gr_cmd(struct gr *g, const char *req, const char **reply, size_t *len,
    struct pt_err *err);
/* A request whose only good answer is OK. */
int gr_cmd_ok(struct gr *g, const char *req, struct pt_err *err);
/*
 * Several requests, in flight unless the stub is known not to take
 * them (g->pipe), else one at a time; fn sees each reply as
 * rsp_pipeline says.  A batch in flight whose reply fn refuses, or
 * that times out before the stub has shown it takes requests in flight,
 * turns pipelining off and is asked again one at a time, so fn must not
 * mind seeing a request's reply twice.  Once it has shown that, a
 * timeout is the stub's failure.
 */
int gr_batch(struct gr *g, const struct rsp_req *req, size_t n,
    rsp_reply_fn fn, void *ctx, struct pt_err *err);
/* How long a batch waits for a reply while pipelining is untried. */
int gr_probe_ms(const struct gr *g);
/*
 * Is this reply not the answer to the request but a stop reply (the
 * request stopped a guest someone else had started: noted) or console
 * output?
 */
bool gr_stray(struct gr *g, const char *r, size_t n);
/* Registers and cached guest memory are stale (the guest ran or
 * another vCPU was chosen). */
void gr_forget_regs(struct gr *g);
void gr_guest_changed(struct gr *g);
/* `T05…`/`S05`: a stop reply.  `O`+hex: console output. */
bool gr_is_stop_reply(const char *r, size_t n);
bool gr_is_console(const char *r, size_t n);
bool gr_is_hexdigit(char c);

/* ---- gdbmem.c ---- */

/* `m` reads, physical (PhyMemMode) or virtual; 0 or -1 with err set. */
int gr_read_mem(struct gr *g, bool phys, uint64_t addr, void *buf,
    size_t len, struct pt_err *err);
int gr_read_phys(void *ctx, uint64_t pa, void *buf, size_t len,
    struct pt_err *err);
int gr_read_virt(void *ctx, uint64_t va, void *buf, size_t len,
    struct pt_err *err);
int gr_read_phys_many(void *ctx, struct target_read *r, size_t n,
    struct pt_err *err);

/* Is r (n bytes) all `ask` bytes an `m` asked for?  Then they are in out. */
bool gr_mem_reply_whole(const char *r, size_t n, void *out, size_t ask);

/* ---- gdbqemu.c ---- */

/* Put the stub in physical (1) or virtual (0) mode for `m`. */
int gr_set_phymem(struct gr *g, int want, struct pt_err *err);
int gr_monitor(void *ctx, const char *cmd, char **out, struct pt_err *err);
/*
 * Several monitor commands asked together; out[i] gets each one's
 * malloc'd output.  0, or -1 with err set (and no output kept).
 */
int gr_monitor_many(struct gr *g, const char *const *cmd, size_t n,
    char **out, struct pt_err *err);
/*
 * The same, followed in the same exchange by `nmore` other requests whose
 * replies go to fn (ctx, their index in `more`, ...).
 */
int gr_monitor_many_then(struct gr *g, const char *const *cmd, size_t n,
    char **out, const struct rsp_req *more, size_t nmore, rsp_reply_fn fn,
    void *ctx, struct pt_err *err);
int gr_settle(void *ctx, struct pt_err *err);
/*
 * Is reply r (n bytes) to an `m` read of `ask` bytes QEMU's E22, "too
 * long"?  Then the read size is halved and true returned: ask again.
 */
bool gr_qemu_too_long(struct gr *g, const char *r, size_t n, size_t ask);

/* ---- gdbdirect.c ---- */

/* The guest-physical memory map, read once until gr_direct_reset. */
int gr_memmap(void *ctx, const struct memmap **map, struct pt_err *err);
/*
 * Read guest-physical memory straight from QEMU's: 0 when done, 1 when
 * `m` packets must do it (not chosen, not RAM), -1 with err set.
 */
int gr_direct_read(struct gr *g, uint64_t pa, void *buf, size_t len,
    struct pt_err *err);
/* Forget the map and how RAM is reached (a monitor command may have
 * changed them); gr_direct_free also closes the file. */
void gr_direct_reset(struct gr *g);
void gr_direct_free(struct gr *g);
/* "rsp", "direct (/proc/PID/mem)"...: for `info target` and --trace. */
void gr_direct_describe(const struct gr *g, char *buf, size_t size);

/* ---- gdbrun.c ---- */

/* Record a stop reply: the current thread, and not running any more. */
void gr_note_stop(struct gr *g, const char *r, size_t n);
/*
 * Fill the vCPU list (qfThreadInfo, qsThreadInfo...); the first
 * `ngiven` replies may have been asked already.  0 or -1 with err set.
 */
int gr_load_threads(struct gr *g, char *const *given, size_t ngiven,
    struct pt_err *err);
/* Stop a guest we resumed and remove our points; for close. */
int gr_run_cleanup(struct gr *g, struct pt_err *err);

int gr_resume(void *ctx, bool step, struct pt_err *err);
int gr_wait(void *ctx, int timeout_ms, target_cancel_fn cancel,
    void *cancel_ctx, struct target_stop *st, struct pt_err *err);
int gr_interrupt(void *ctx, struct pt_err *err);
bool gr_running(void *ctx);
int gr_insert_point(void *ctx, enum target_point type, uint64_t addr,
    unsigned len, struct pt_err *err);
int gr_remove_point(void *ctx, enum target_point type, uint64_t addr,
    unsigned len, struct pt_err *err);
int gr_cpu_count(void *ctx, unsigned *n, struct pt_err *err);
int gr_cpu_current(void *ctx);
int gr_select_cpu(void *ctx, unsigned cpu, struct pt_err *err);
int gr_poll_fd(void *ctx);

#endif
