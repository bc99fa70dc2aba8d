/*
 * gdbremote.c - a target over a GDB remote stub (see gdbremote.h): the
 * connection, the handshake, registers and memory.  QEMU's extensions
 * are in gdbqemu.c, run control and vCPUs in gdbrun.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gdbremote_int.h"

static const struct target_ops gr_ops;

static ssize_t
gr_io_read(void *ctx, void *buf, size_t len, int timeout_ms)
{
	return net_read(*(int *)ctx, buf, len, timeout_ms);
}

static int
gr_io_write(void *ctx, const void *buf, size_t len)
{
	return net_write(*(int *)ctx, buf, len);
}

bool
gr_is_hexdigit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

bool
gr_is_stop_reply(const char *r, size_t n)
{
	return n >= 3 && (r[0] == 'T' || r[0] == 'S') &&
	    gr_is_hexdigit(r[1]) && gr_is_hexdigit(r[2]);
}

bool
gr_is_console(const char *r, size_t n)
{
	size_t i;

	if (n < 3 || r[0] != 'O' || n % 2 == 0)
		return false;
	for (i = 1; i < n; i++)
		if (!gr_is_hexdigit(r[i]))
			return false;
	return true;
}

void
gr_forget_regs(struct gr *g)
{
	size_t i;

	g->regs_synced = false;
	for (i = 0; i < g->td.nregs; i++)
		g->vals[i].known = false;
}

void
gr_guest_changed(struct gr *g)
{
	gr_forget_regs(g);
	if (g->tgt != NULL)
		g->tgt->stop_gen++;
}

int
gr_cmd(struct gr *g, const char *req, const char **reply, size_t *len,
    struct pt_err *err)
{
	int i;

	if (g->running)
		return pt_err_set(err, PT_EXIT_USAGE, "the guest is running; "
		    "'interrupt' stops it");
	if (rsp_send_str(&g->rsp, req, err) < 0)
		return -1;
	for (i = 0;; i++) {
		if (rsp_recv(&g->rsp, reply, len, err) < 0)
			return -1;
		if (i >= 16)
			return 0;
		if (gr_is_stop_reply(*reply, *len)) {
			/* Our packet stopped a guest that ran behind our
			 * back: it must run again when we leave. */
			g->found_running = true;
			gr_note_stop(g, *reply, *len);
			continue;
		}
		if (!gr_is_console(*reply, *len))
			return 0;
	}
}

int
gr_cmd_ok(struct gr *g, const char *req, struct pt_err *err)
{
	const char *r;
	size_t n;

	if (gr_cmd(g, req, &r, &n, err) < 0)
		return -1;
	if (n == 2 && memcmp(r, "OK", 2) == 0)
		return 0;
	if (rsp_reply_error(r, n, err) < 0)
		return -1;
	if (n == 0)
		return pt_err_set(err, PT_EXIT_TARGET, "not supported");
	return pt_err_set(err, PT_EXIT_TARGET, "unexpected reply '%.40s'",
	    r);
}

/* ---- handshake -------------------------------------------------------- */

static bool
is_word(const char *p, size_t n, const char *word)
{
	return n == strlen(word) && memcmp(p, word, n) == 0;
}

static int
parse_supported(struct gr *g, const char *r, struct pt_err *err)
{
	const char *p = r, *semi;
	uint64_t size = 0;

	while (*p != '\0') {
		size_t n;

		semi = strchr(p, ';');
		n = semi != NULL ? (size_t)(semi - p) : strlen(p);
		if (n > 11 && strncmp(p, "PacketSize=", 11) == 0) {
			const char *v = p + 11;

			if (rsp_parse_hex(&v, &size) < 0 || v != p + n)
				return pt_err_set(err, PT_EXIT_TARGET,
				    "bad PacketSize in '%.60s'", r);
		} else if (is_word(p, n, "qXfer:features:read+")) {
			g->xfer_features = true;
		} else if (is_word(p, n, "multiprocess+")) {
			g->multiprocess = true;
		} else if (is_word(p, n, "QStartNoAckMode+")) {
			g->noack_offered = true;
		}
		p += n;
		if (*p == ';')
			p++;
	}
	/* gdb's assumption when a stub does not say. */
	if (size == 0)
		size = 400;
	if (size < 32)
		return pt_err_set(err, PT_EXIT_TARGET,
		    "PacketSize %" PRIu64 " is too small", size);
	if (size > g->opt.max_packet)
		size = g->opt.max_packet;
	g->packet_size = (size_t)size;
	return 0;
}

/*
 * QEMU serves one debugger at a time: while another is attached, our
 * connection waits in its listen queue, unanswered.
 */
static int
first_fail(struct pt_err *err)
{
	if (strncmp(err->msg, "timed out", 9) == 0)
		return pt_err_wrap(err, "no answer to qSupported: another "
		    "debugger seems to hold the gdbstub (QEMU serves one at a "
		    "time).  When it leaves, QEMU takes up this abandoned "
		    "connection, which pauses the guest ('cont' in QEMU's "
		    "monitor resumes it)");
	return pt_err_wrap(err, "qSupported");
}

/*
 * qSupported.  QEMU pauses a running guest when a debugger connects and
 * sends a stop reply (T02) at that moment, before it reads anything from
 * us; a guest that was already stopped (-S, `stop`, a breakpoint) gets no
 * such packet.  So a stop reply that arrives ahead of the qSupported
 * answer means "it was running", and waiting for that answer is the
 * whole drain: no guessing with timeouts.  (`info status` cannot tell:
 * it says "paused" both after our own pause and after a user's `stop`.)
 * That stop predates multiprocess, so its id may be bare: thread:01.
 */
static int
handshake(struct gr *g, struct pt_err *err)
{
	static const char req[] =
	    "qSupported:multiprocess+;swbreak+;hwbreak+;vContSupported+";
	const char *r;
	size_t n, rx;
	int i;

	if (rsp_send_str(&g->rsp, req, err) < 0)
		return first_fail(err);
	for (i = 0;; i++) {
		if (rsp_recv(&g->rsp, &r, &n, err) < 0)
			return first_fail(err);
		if (i < 16 && gr_is_stop_reply(r, n)) {
			g->found_running = true;
			gr_note_stop(g, r, n);
			continue;
		}
		if (i < 16 && gr_is_console(r, n))
			continue;
		break;
	}
	if (parse_supported(g, r, err) < 0)
		return -1;
	g->mem_chunk = g->packet_size / 2;
	/* Replies may exceed PacketSize (it bounds what the stub takes),
	 * so leave generous room, within the caller's cap. */
	rx = 2 * g->packet_size + 1024;
	if (rx < 64 * 1024)
		rx = 64 * 1024;
	if (rx > g->opt.max_packet)
		rx = g->opt.max_packet;
	if (rsp_set_rx_max(&g->rsp, rx, err) < 0)
		return -1;
	if (g->noack_offered && gr_cmd_ok(g, "QStartNoAckMode", err) == 0)
		g->rsp.ack = false;
	else if (g->rsp.dead)
		return pt_err_wrap(err, "QStartNoAckMode");

	/* Its answer is a stop reply, which gr_cmd would skip. */
	if (rsp_command(&g->rsp, "?", &r, &n, err) < 0)
		return pt_err_wrap(err, "reading the stop state (?)");
	if (n > 0 && (r[0] == 'W' || r[0] == 'X'))
		return pt_err_set(err, PT_EXIT_TARGET,
		    "the target has exited ('%.20s')", r);
	if (!gr_is_stop_reply(r, n))
		return pt_err_set(err, PT_EXIT_TARGET, "unexpected reply "
		    "'%.40s' to '?'", r);
	gr_note_stop(g, r, n);
	return 0;
}

/* ---- target description ----------------------------------------------- */

/* Fetch a whole qXfer:features:read annex into a malloc'd string. */
static int
xfer_read(void *ctx, const char *annex, char **out, size_t *outlen,
    struct pt_err *err)
{
	struct gr *g = ctx;
	char req[160];
	char *buf = NULL, *p;
	size_t len = 0, cap = 0, ask, n;
	const char *r;

	ask = g->packet_size > 64 ? g->packet_size - 32 : 32;
	for (;;) {
		snprintf(req, sizeof req, "qXfer:features:read:%s:%zx,%zx",
		    annex, len, ask);
		if (gr_cmd(g, req, &r, &n, err) < 0)
			goto fail;
		if (rsp_reply_error(r, n, err) < 0)
			goto fail;
		if (n == 0 || (r[0] != 'm' && r[0] != 'l')) {
			pt_err_set(err, PT_EXIT_TARGET, "unexpected reply "
			    "'%.20s'", r);
			goto fail;
		}
		if (len + n > TDESC_MAX_BYTES) {
			pt_err_set(err, PT_EXIT_TARGET, "larger than %u bytes",
			    TDESC_MAX_BYTES);
			goto fail;
		}
		if (len + n > cap) {
			cap = (len + n) * 2;
			if ((p = realloc(buf, cap)) == NULL) {
				pt_err_set(err, PT_EXIT_TARGET,
				    "out of memory");
				goto fail;
			}
			buf = p;
		}
		memcpy(buf + len, r + 1, n - 1);
		len += n - 1;
		if (r[0] == 'l')
			break;
		if (n == 1) {
			pt_err_set(err, PT_EXIT_TARGET, "empty 'm' chunk");
			goto fail;
		}
	}
	if (buf == NULL && (buf = malloc(1)) == NULL)
		return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
fail:
	free(buf);
	return pt_err_wrap(err, "reading %s", annex);
}

static int
load_tdesc(struct gr *g, struct pt_err *err)
{
	if (tdesc_load(&g->td, "target.xml", xfer_read, g, err) < 0)
		return -1;
	if (g->td.nregs > 0 &&
	    (g->vals = calloc(g->td.nregs, sizeof *g->vals)) == NULL)
		return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
	return 0;
}

/* ---- target operations ------------------------------------------------ */

/*
 * QEMU under KVM copies registers out of the vCPU only for `g`, so a `p`
 * before any `g` may see stale values: send one `g` per stop (and per
 * Hg).  It is one round trip.
 */
static int
sync_regs(struct gr *g, struct pt_err *err)
{
	const char *r;
	size_t n;

	if (g->regs_synced)
		return 0;
	if (gr_cmd(g, "g", &r, &n, err) < 0)
		return -1;
	if (rsp_reply_error(r, n, err) < 0)
		return pt_err_wrap(err, "reading all registers (g)");
	g->regs_synced = true;
	return 0;
}

static int
gr_read_reg(void *ctx, const char *name, uint64_t *val, struct pt_err *err)
{
	struct gr *g = ctx;
	long idx = tdesc_find(&g->td, name);
	const struct tdesc_reg *reg;
	struct gr_regval *v;
	char req[32];
	uint8_t bytes[8];
	const char *r;
	size_t n, i, nbytes;

	if (idx < 0)
		return pt_err_set(err, PT_EXIT_TARGET, g->td.nregs == 0 ?
		    "no register '%s': the target offers no description" :
		    "no register '%s' in the target description", name);
	reg = &g->td.regs[idx];
	v = &g->vals[idx];
	nbytes = (reg->bits + 7) / 8;
	if (nbytes > sizeof bytes)
		return pt_err_set(err, PT_EXIT_TARGET, "register %s is %u "
		    "bits wide; only up to 64 can be read", reg->name,
		    reg->bits);
	if (v->known) {
		*val = v->value;
		return 0;
	}
	if (sync_regs(g, err) < 0)
		return -1;
	snprintf(req, sizeof req, "p%x", reg->regnum);
	if (gr_cmd(g, req, &r, &n, err) < 0 || rsp_reply_error(r, n, err) < 0)
		return pt_err_wrap(err, "reading register %s", reg->name);
	if (n == 0)
		return pt_err_set(err, PT_EXIT_TARGET, "reading register %s: "
		    "the target does not answer 'p'", reg->name);
	if (strchr(r, 'x') != NULL)
		return pt_err_set(err, PT_EXIT_TARGET, "register %s is "
		    "unavailable", reg->name);
	if (n != 2 * nbytes || rsp_hex_decode(r, bytes, nbytes) < 0)
		return pt_err_set(err, PT_EXIT_TARGET, "reading register %s: "
		    "unexpected reply '%.40s'", reg->name, r);
	*val = 0;
	for (i = nbytes; i-- > 0;)	/* target byte order: little-endian */
		*val = *val << 8 | bytes[i];
	v->value = *val;
	v->known = true;
	return 0;
}

/*
 * Put the guest back as found.  A guest we resumed is stopped, and the
 * points we inserted are removed, before anything else; then the
 * physical-memory mode (global in QEMU, it outlives us); then `D` if
 * the guest ran when found (or runs now).  Closing without `D` leaves
 * QEMU's guest paused.  Never `k`: it ends QEMU.
 */
static int
gr_detach(struct gr *g, struct pt_err *err)
{
	struct pt_err e2;
	int rc = 0;
	bool resume, exited;
	char req[32];

	/* A guest that ended (W/X), or a QEMU that closed the stream, has
	 * nothing left to put back. */
	exited = g->stop_reply[0] == 'W' || g->stop_reply[0] == 'X';
	if (g->rsp.dead)
		return exited || g->rsp.closed ? 0 : pt_err_set(err,
		    PT_EXIT_TARGET, "connection lost; the guest stays as the "
		    "gdbstub left it");
	resume = g->running;
	if (gr_run_cleanup(g, err) < 0)
		rc = -1;
	exited = g->stop_reply[0] == 'W' || g->stop_reply[0] == 'X';
	if ((g->rsp.closed || exited) && rc == 0)
		return 0;	/* QEMU exited while the guest ran */
	if (g->rsp.dead)
		return rc < 0 ? -1 : pt_err_set(err, PT_EXIT_TARGET,
		    "connection lost; the guest stays as the gdbstub left it");
	if (g->phymem && g->phymem_orig >= 0 &&
	    g->phymem_cur != g->phymem_orig &&
	    gr_set_phymem(g, g->phymem_orig, rc < 0 ? &e2 : err) < 0 &&
	    rc == 0)
		rc = pt_err_wrap(err, "restoring the physical-memory mode");
	resume = resume || g->opt.resume == GDBREMOTE_RESUME_ALWAYS ||
	    (g->opt.resume == GDBREMOTE_RESUME_AUTO && g->found_running);
	if (g->opt.resume == GDBREMOTE_RESUME_NEVER)
		resume = false;
	if (resume && !g->rsp.dead) {
		if (g->multiprocess)
			snprintf(req, sizeof req, "D;%" PRIx64,
			    (uint64_t)(g->thread.pid > 0 ? g->thread.pid : 1));
		else
			snprintf(req, sizeof req, "D");
		if (gr_cmd_ok(g, req, rc < 0 ? &e2 : err) < 0 && rc == 0)
			rc = pt_err_wrap(err, "resuming the guest (%s)", req);
	}
	return rc;
}

/* --trace ends with what the connection cost. */
static void
trace_stats(struct gr *g)
{
	char buf[160];
	int n;

	if (g->opt.trace == NULL)
		return;
	n = snprintf(buf, sizeof buf, "sent %lu, received %lu, round trips "
	    "%lu, direct reads %" PRIu64, g->rsp.n_sent, g->rsp.n_recv,
	    g->rsp.n_rtt, g->ram.reads);
	g->opt.trace(g->opt.trace_ctx, RSP_TRACE_STATS, buf, (size_t)n);
}

static void
gr_free(struct gr *g)
{
	trace_stats(g);
	if (g->fd >= 0)
		close(g->fd);
	gr_direct_free(g);
	rsp_free(&g->rsp);
	tdesc_free(&g->td);
	free(g->vals);
	free(g->threads);
	free(g);
}

static void
gr_close(void *ctx)
{
	struct pt_err err;

	gr_detach(ctx, &err);
	gr_free(ctx);
}

static const struct target_ops gr_ops = {
	.read_phys = gr_read_phys,
	.read_phys_many = gr_read_phys_many,
	.read_virt = gr_read_virt,
	.read_reg = gr_read_reg,
	.monitor = gr_monitor,
	.settle = gr_settle,
	.close = gr_close,
	.resume = gr_resume,
	.wait = gr_wait,
	.interrupt = gr_interrupt,
	.running = gr_running,
	.insert_point = gr_insert_point,
	.remove_point = gr_remove_point,
	.cpu_count = gr_cpu_count,
	.cpu_current = gr_cpu_current,
	.select_cpu = gr_select_cpu,
	.poll_fd = gr_poll_fd,
	.memmap = gr_memmap,
};

/* ---- public ----------------------------------------------------------- */

void
gdbremote_opts_init(struct gdbremote_opts *o)
{
	memset(o, 0, sizeof *o);
	o->connect_timeout_ms = GDBREMOTE_CONNECT_MS;
	o->reply_timeout_ms = GDBREMOTE_REPLY_MS;
	o->max_packet = GDBREMOTE_MAX_PACKET;
	o->resume = GDBREMOTE_RESUME_AUTO;
}

int
gdbremote_open(const char *spec, const struct gdbremote_opts *opts,
    struct target *out, struct pt_err *err)
{
	struct rsp_io io;
	struct gr *g;
	const char *r;
	size_t n;

	if ((g = calloc(1, sizeof *g)) == NULL)
		return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
	g->fd = -1;
	g->ram.fd = -1;
	g->phymem_orig = g->phymem_cur = -1;
	gdbremote_opts_init(&g->opt);
	if (opts != NULL) {
		g->opt = *opts;
		if (g->opt.connect_timeout_ms == 0)
			g->opt.connect_timeout_ms = GDBREMOTE_CONNECT_MS;
		if (g->opt.reply_timeout_ms == 0)
			g->opt.reply_timeout_ms = GDBREMOTE_REPLY_MS;
		if (g->opt.max_packet < 4096)
			g->opt.max_packet = g->opt.max_packet == 0 ?
			    GDBREMOTE_MAX_PACKET : 4096;
	}
	if (net_parse(spec, &g->addr, err) < 0) {
		free(g);
		return -1;
	}
	if ((g->fd = net_connect(&g->addr, g->opt.connect_timeout_ms,
	    err)) < 0) {
		free(g);
		return -1;
	}
	io.read = gr_io_read;
	io.write = gr_io_write;
	io.ctx = &g->fd;
	if (rsp_init(&g->rsp, &io, 16 * 1024, g->opt.reply_timeout_ms,
	    err) < 0)
		goto fail;
	g->rsp.trace = g->opt.trace;
	g->rsp.trace_ctx = g->opt.trace_ctx;

	if (handshake(g, err) < 0)
		goto fail;
	if (g->xfer_features && load_tdesc(g, err) < 0)
		goto fail;
	if (gr_cmd(g, "qqemu.Supported", &r, &n, err) < 0)
		goto fail;
	g->phymem = strstr(r, "PhyMemMode") != NULL;
	/* The vCPUs, so that stops can name theirs; a stub without
	 * threads still works for everything else. */
	if (gr_load_threads(g, err) < 0) {
		if (g->rsp.dead)
			goto fail;
		g->nthreads = 0;
	}

	out->ops = &gr_ops;
	out->ctx = g;
	out->stop_gen = 0;
	g->tgt = out;
	return 0;
fail:
	pt_err_wrap(err, "%s", g->addr.text);
	if (!g->rsp.dead) {
		struct pt_err ignored;

		gr_detach(g, &ignored);
	} else if (g->found_running) {
		char msg[sizeof err->msg];

		memcpy(msg, err->msg, sizeof msg);
		pt_err_set(err, err->kind, "%s (the guest, paused by our "
		    "connecting, may stay paused)", msg);
	}
	gr_free(g);
	return -1;
}

bool
gdbremote_is(const struct target *t)
{
	return t != NULL && t->ops == &gr_ops;
}

bool
gdbremote_alive(const struct target *t)
{
	struct gr *g;

	if (!gdbremote_is(t))
		return false;
	g = t->ctx;
	if (g->rsp.dead || g->running)
		return !g->rsp.dead;	/* a running guest's news is for wait */
	/*
	 * A stopped QEMU says nothing unasked, but when it ends it sends
	 * W or X (and then the end of the stream): either means it is gone.
	 */
	if (rsp_pending(&g->rsp) || net_poll_in(g->fd, 0) > 0) {
		const char *r;
		size_t n;
		struct pt_err e;

		if (!net_hung_up(g->fd) && rsp_recv(&g->rsp, &r, &n, &e) == 0) {
			if (n > 0 && (r[0] == 'W' || r[0] == 'X'))
				g->rsp.dead = g->rsp.closed = true;
			else if (gr_is_stop_reply(r, n))
				gr_note_stop(g, r, n);
		}
	}
	if (!g->rsp.dead && net_hung_up(g->fd))
		g->rsp.dead = g->rsp.closed = true;
	return !g->rsp.dead;
}

int
gdbremote_close(struct target *t, struct pt_err *err)
{
	int rc;

	if (!gdbremote_is(t))
		return pt_err_set(err, PT_EXIT_TARGET, "not a gdbstub target");
	rc = gr_detach(t->ctx, err);
	gr_free(t->ctx);
	t->ops = NULL;
	t->ctx = NULL;
	return rc;
}

int
gdbremote_get_info(const struct target *t, struct gdbremote_info *info)
{
	const struct gr *g;

	if (!gdbremote_is(t))
		return -1;
	g = t->ctx;
	memset(info, 0, sizeof *info);
	info->packet_size = g->packet_size;
	info->mem_chunk = g->mem_chunk;
	info->multiprocess = g->multiprocess;
	info->noack = !g->rsp.ack;
	info->phymem = g->phymem;
	info->was_running = g->found_running;
	info->nregs = g->td.nregs;
	memcpy(info->arch, g->td.arch, sizeof info->arch);
	memcpy(info->stop_reply, g->stop_reply, sizeof info->stop_reply);
	info->thread = g->thread;
	gr_direct_describe(g, info->ram_access, sizeof info->ram_access);
	return 0;
}

int
gdbremote_find_reg(const struct target *t, const char *name,
    unsigned *regnum, unsigned *bits, struct pt_err *err)
{
	const struct gr *g;
	long i;

	if (!gdbremote_is(t))
		return pt_err_set(err, PT_EXIT_TARGET, "not a gdbstub target");
	g = t->ctx;
	if ((i = tdesc_find(&g->td, name)) < 0)
		return pt_err_set(err, PT_EXIT_TARGET,
		    "no register '%s' in the target description", name);
	*regnum = g->td.regs[i].regnum;
	*bits = g->td.regs[i].bits;
	return 0;
}
