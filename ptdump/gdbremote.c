/*
 * gdbremote.c - a target over a GDB remote stub (see gdbremote.h): the
 * connection, the handshake, registers and memory.  QEMU's extensions
 * are in gdbqemu.c, run control and vCPUs in gdbrun.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deadline.h"
#include "gdbremote_int.h"

static const struct target_ops gr_ops;

static ssize_t
gr_io_read(void *ctx, void *buf, size_t len, int timeout_ms)
{
	return net_read(*(int *)ctx, buf, len, timeout_ms);
}

static int
gr_io_write(void *ctx, const void *buf, size_t len, int timeout_ms)
{
	return net_write(*(int *)ctx, buf, len, timeout_ms);
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
		/* A stop reply: our packet stopped a guest that ran
		 * behind our back; it must run again when we leave. */
		if (!gr_stray(g, *reply, *len))
			return 0;
	}
}

bool
gr_stray(struct gr *g, const char *r, size_t n)
{
	if (gr_is_stop_reply(r, n)) {
		g->found_running = true;
		g->strays++;
		gr_note_stop(g, r, n);
		return true;
	}
	return gr_is_console(r, n);
}

/* gr_batch one request at a time. */
static int
batch_serial(struct gr *g, const struct rsp_req *req, size_t n,
    rsp_reply_fn fn, void *ctx, struct pt_err *err)
{
	const char *r;
	size_t len;
	unsigned strays;
	int rc;

	for (size_t i = 0; i < n; i++) {
		if (rsp_send(&g->rsp, req[i].payload, req[i].len, err) < 0)
			return -1;
		/* fn bounds what it keeps; console output may run long. */
		strays = 0;
		do {
			if (rsp_recv(&g->rsp, &r, &len, err) < 0 ||
			    (rc = fn(ctx, i, r, len, err)) < 0)
				return -1;
			if (rc == RSP_REPLY_STRAY &&
			    ++strays > RSP_MAX_UNSOLICITED)
				return pt_err_set(err, PT_EXIT_TARGET, "the "
				    "target sent %d packets nobody asked for "
				    "while we waited", RSP_MAX_UNSOLICITED);
		} while (rc != RSP_REPLY_DONE);
	}
	return 0;
}

int
gr_probe_ms(const struct gr *g)
{
	int half = g->opt.reply_timeout_ms / 2;

	return half >= 0 && half < GR_PROBE_MS ? half : GR_PROBE_MS;
}

int
gr_batch(struct gr *g, const struct rsp_req *req, size_t n,
    rsp_reply_fn fn, void *ctx, struct pt_err *err)
{
	struct pt_err why;

	if (g->running)
		return pt_err_set(err, PT_EXIT_USAGE, "the guest is running; "
		    "'interrupt' stops it");
	if (n <= 1 || g->pipe == GR_PIPE_NO)
		return batch_serial(g, req, n, fn, ctx, err);
	if (rsp_pipeline(&g->rsp, req, n, GR_WINDOW, g->pipe == GR_PIPE_YES ?
	    -1 : gr_probe_ms(g), fn, ctx, &why) == 0)
		return 0;
	if (g->rsp.timed_out && g->pipe == GR_PIPE_YES)
		g->rsp.dead = true;	/* out of step for good */
	if (g->rsp.dead) {
		*err = why;
		return -1;
	}
	g->pipe = GR_PIPE_NO;
	rsp_note(&g->rsp, "requests in flight went wrong (%s); one at a time "
	    "from now on", why.msg);
	if (rsp_drain(&g->rsp, GR_PROBE_MS / 4, err) < 0)
		return -1;
	return batch_serial(g, req, n, fn, ctx, err);
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
first_fail(const struct gr *g, struct pt_err *err)
{
	/* Not a byte: QEMU keeps a second debugger waiting in silence. */
	if (strncmp(err->msg, "timed out", 9) == 0 && g->rsp.n_bytes == 0)
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
		return first_fail(g, err);
	for (i = 0;; i++) {
		if (rsp_recv(&g->rsp, &r, &n, err) < 0)
			return first_fail(g, err);
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
	return 0;
}

/* ---- the rest of the handshake, in one exchange ------------------------ */

/*
 * The stop state, QEMU's extensions and its physical-memory mode (what
 * close puts back; a stub without it answers nothing), the vCPUs and the
 * first piece of the target description do not depend on each other:
 * they are asked together.
 */
enum {
	HELLO_STOP, HELLO_QEMU, HELLO_PHYMEM, HELLO_QF, HELLO_QS, HELLO_TDESC,
	HELLO_N
};

struct hello {
	struct gr *g;
	char *reply[HELLO_N];
};

/* The length asked of each qXfer piece: QEMU answers at most this much
 * (its packet size less the framing, halved for escapes). */
static size_t
xfer_ask(const struct gr *g)
{
	return g->packet_size > 69 ? (g->packet_size - 5) / 2 : 32;
}

/* Keep a copy of reply r in *slot; 0 or -1 with err set. */
static int
keep_reply(char **slot, const char *r, size_t n, struct pt_err *err)
{
	char *copy = malloc(n + 1);

	if (copy == NULL)
		return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
	memcpy(copy, r, n);
	copy[n] = '\0';
	free(*slot);
	*slot = copy;
	return 0;
}

/* Does r look like an answer to qXfer or q*ThreadInfo (m.., l.., E..)? */
static bool
is_listing(const char *r, size_t n)
{
	return n == 0 || r[0] == 'm' || r[0] == 'l' || r[0] == 'E';
}

static int
hello_reply(void *ctx, size_t i, const char *r, size_t n, struct pt_err *err)
{
	struct hello *h = ctx;

	if (i == HELLO_STOP) {
		/* Its answer is a stop reply (or the end of the guest). */
		if (gr_is_console(r, n))
			return RSP_REPLY_STRAY;
		if (!gr_is_stop_reply(r, n) && !(n > 0 && (r[0] == 'W' ||
		    r[0] == 'X')))
			return pt_err_set(err, PT_EXIT_TARGET, "unexpected "
			    "reply '%.40s' to '?'", r);
	} else if (gr_stray(h->g, r, n)) {
		return RSP_REPLY_STRAY;
	} else if (i != HELLO_QEMU && i != HELLO_PHYMEM && !is_listing(r, n)) {
		return pt_err_set(err, PT_EXIT_TARGET, "unexpected reply "
		    "'%.40s'", r);
	}
	return keep_reply(&h->reply[i], r, n, err);
}

static int
hello(struct gr *g, struct pt_err *err)
{
	struct hello h = { .g = g };
	struct rsp_req req[HELLO_N];
	char tdesc[64];
	const char *stop;
	int rc = -1;

	req[HELLO_STOP] = (struct rsp_req){ "?", 1 };
	req[HELLO_QEMU] = (struct rsp_req){ "qqemu.Supported", 15 };
	req[HELLO_PHYMEM] = (struct rsp_req){ "qqemu.PhyMemMode", 16 };
	req[HELLO_QF] = (struct rsp_req){ "qfThreadInfo", 12 };
	req[HELLO_QS] = (struct rsp_req){ "qsThreadInfo", 12 };
	snprintf(tdesc, sizeof tdesc, "qXfer:features:read:target.xml:0,%zx",
	    xfer_ask(g));
	req[HELLO_TDESC] = (struct rsp_req){ tdesc, strlen(tdesc) };
	if (gr_batch(g, req, g->xfer_features ? HELLO_N : HELLO_TDESC,
	    hello_reply, &h, err) < 0) {
		pt_err_wrap(err, "reading the stop state and the vCPUs");
		goto out;
	}
	stop = h.reply[HELLO_STOP];
	if (stop[0] == 'W' || stop[0] == 'X') {
		pt_err_set(err, PT_EXIT_TARGET, "the target has exited "
		    "('%.20s')", stop);
		goto out;
	}
	gr_note_stop(g, stop, strlen(stop));
	g->phymem = strstr(h.reply[HELLO_QEMU], "PhyMemMode") != NULL;
	if (g->phymem && (strcmp(h.reply[HELLO_PHYMEM], "0") == 0 ||
	    strcmp(h.reply[HELLO_PHYMEM], "1") == 0))
		g->phymem_orig = g->phymem_cur = h.reply[HELLO_PHYMEM][0] - '0';
	/* A stub without threads still works for everything else. */
	if (gr_load_threads(g, &h.reply[HELLO_QF], 2, err) < 0) {
		if (g->rsp.dead)
			goto out;
		g->nthreads = 0;
	}
	g->tdesc_first = h.reply[HELLO_TDESC];
	h.reply[HELLO_TDESC] = NULL;
	rc = 0;
out:
	for (size_t i = 0; i < HELLO_N; i++)
		free(h.reply[i]);
	return rc;
}

/* ---- target description ----------------------------------------------- */

/* Pieces of an annex asked at once, at consecutive offsets. */
#define XFER_AHEAD 4

struct xfer {
	struct gr *g;
	char *reply[XFER_AHEAD];
};

static int
xfer_reply(void *ctx, size_t i, const char *r, size_t n, struct pt_err *err)
{
	struct xfer *x = ctx;

	if (gr_stray(x->g, r, n))
		return RSP_REPLY_STRAY;
	if (!is_listing(r, n))
		return pt_err_set(err, PT_EXIT_TARGET, "unexpected reply "
		    "'%.20s'", r);
	return keep_reply(&x->reply[i], r, n, err);
}

/* Ask for the next XFER_AHEAD pieces of `annex` from offset `at`. */
static int
xfer_ahead(struct xfer *x, const char *annex, size_t at, size_t ask,
    struct pt_err *err)
{
	char text[XFER_AHEAD][160];
	struct rsp_req req[XFER_AHEAD];

	for (size_t i = 0; i < XFER_AHEAD; i++) {
		snprintf(text[i], sizeof text[i], "qXfer:features:read:%s:"
		    "%zx,%zx", annex, at + i * ask, ask);
		req[i] = (struct rsp_req){ text[i], strlen(text[i]) };
	}
	return gr_batch(x->g, req, XFER_AHEAD, xfer_reply, x, err);
}

/*
 * Fetch a whole qXfer:features:read annex into a malloc'd string.  The
 * pieces after the first are asked before it comes back (QEMU's
 * i386-64bit.xml takes four); a short piece that is not the last means
 * the ones asked after it start in the wrong place, so they are asked
 * again from where it ended.
 */
static int
xfer_read(void *ctx, const char *annex, char **out, size_t *outlen,
    struct pt_err *err)
{
	struct gr *g = ctx;
	struct xfer x = { .g = g };
	size_t len = 0, ask = xfer_ask(g), k, n;
	char *buf = NULL, *p;
	bool done = false;
	const char *r;

	while (!done) {
		for (size_t i = 0; i < XFER_AHEAD; i++) {
			free(x.reply[i]);
			x.reply[i] = NULL;
		}
		if (len == 0 && g->tdesc_first != NULL &&
		    strcmp(annex, "target.xml") == 0) {
			x.reply[0] = g->tdesc_first;
			g->tdesc_first = NULL;
			k = 1;
		} else if (xfer_ahead(&x, annex, len, ask, err) < 0) {
			goto fail;
		} else {
			k = XFER_AHEAD;
		}
		for (size_t i = 0; i < k && !done; i++) {
			r = x.reply[i];
			n = strlen(r);
			if (rsp_reply_error(r, n, err) < 0)
				goto fail;
			if (n == 0) {
				pt_err_set(err, PT_EXIT_TARGET, "not supported");
				goto fail;
			}
			if (len + n > TDESC_MAX_BYTES) {
				pt_err_set(err, PT_EXIT_TARGET, "larger than %u "
				    "bytes", TDESC_MAX_BYTES);
				goto fail;
			}
			if ((p = realloc(buf, len + n)) == NULL) {
				pt_err_set(err, PT_EXIT_TARGET, "out of memory");
				goto fail;
			}
			buf = p;
			memcpy(buf + len, r + 1, n - 1);
			len += n - 1;
			done = r[0] == 'l';
			if (!done && n == 1) {
				pt_err_set(err, PT_EXIT_TARGET, "empty 'm' "
				    "chunk");
				goto fail;
			}
			if (n - 1 != ask)
				break;	/* short: ask again from here */
		}
	}
	for (size_t i = 0; i < XFER_AHEAD; i++)
		free(x.reply[i]);
	if ((p = realloc(buf, len + 1)) == NULL) {
		free(buf);
		return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
	}
	p[len] = '\0';
	*out = p;
	*outlen = len;
	return 0;
fail:
	for (size_t i = 0; i < XFER_AHEAD; i++)
		free(x.reply[i]);
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
 * A `p` reply for register idx, into g->vals; 0 or -1 with err set.
 * Registers wider than 64 bits cannot be read.
 */
static int
parse_reg(struct gr *g, long idx, const char *r, size_t n, struct pt_err *err)
{
	const struct tdesc_reg *reg = &g->td.regs[idx];
	size_t i, nbytes = (reg->bits + 7) / 8;
	uint8_t bytes[8];
	uint64_t val = 0;

	if (nbytes > sizeof bytes)
		return pt_err_set(err, PT_EXIT_TARGET, "register %s is %u "
		    "bits wide; only up to 64 can be read", reg->name,
		    reg->bits);
	if (rsp_reply_error(r, n, err) < 0)
		return pt_err_wrap(err, "reading register %s", reg->name);
	if (n == 0)
		return pt_err_set(err, PT_EXIT_TARGET, "reading register %s: "
		    "the target does not answer 'p'", reg->name);
	if (memchr(r, 'x', n) != NULL)
		return pt_err_set(err, PT_EXIT_TARGET, "register %s is "
		    "unavailable", reg->name);
	if (n != 2 * nbytes || rsp_hex_decode(r, bytes, nbytes) < 0)
		return pt_err_set(err, PT_EXIT_TARGET, "reading register %s: "
		    "unexpected reply '%.40s'", reg->name, r);
	for (i = nbytes; i-- > 0;)	/* target byte order: little-endian */
		val = val << 8 | bytes[i];
	g->vals[idx].value = val;
	g->vals[idx].known = true;
	return 0;
}

/* What paging needs, and what a stop shows: asked with the first `g`. */
static const char *const sync_names[] = {
	"cr0", "cr2", "cr3", "cr4", "efer", "rip",
};
#define SYNC_MAX (1 + sizeof sync_names / sizeof *sync_names)

struct sync {
	struct gr *g;
	long idx[SYNC_MAX];	/* request i reads register idx[i]; -1: `g` */
};

static int
sync_reply(void *ctx, size_t i, const char *r, size_t n, struct pt_err *err)
{
	struct sync *sy = ctx;
	struct pt_err ignored;

	if (gr_stray(sy->g, r, n))
		return RSP_REPLY_STRAY;
	if (sy->idx[i] < 0)
		return rsp_reply_error(r, n, err) < 0 ?
		    pt_err_wrap(err, "reading all registers (g)") : 0;
	/* One that fails is asked again, alone, when it is wanted. */
	parse_reg(sy->g, sy->idx[i], r, n, &ignored);
	return 0;
}

/*
 * QEMU under KVM copies registers out of the vCPU only for `g`, so a `p`
 * before any `g` may see stale values: send one `g` per stop (and per
 * Hg), with the registers nearly every command reads right behind it.
 */
static int
sync_regs(struct gr *g, struct pt_err *err)
{
	struct sync sy = { .g = g };
	struct rsp_req req[SYNC_MAX];
	char text[SYNC_MAX][16];
	size_t n = 0;

	if (g->regs_synced)
		return 0;
	sy.idx[n] = -1;
	req[n++] = (struct rsp_req){ "g", 1 };
	for (size_t i = 0; i < SYNC_MAX - 1; i++) {
		long idx = tdesc_find(&g->td, sync_names[i]);

		if (idx < 0 || g->vals[idx].known || g->td.regs[idx].bits > 64)
			continue;
		snprintf(text[n], sizeof text[n], "p%x", g->td.regs[idx].regnum);
		sy.idx[n] = idx;
		req[n] = (struct rsp_req){ text[n], strlen(text[n]) };
		n++;
	}
	for (int round = 0; round < 2; round++) {
		unsigned long strays = g->strays;

		if (gr_batch(g, req, n, sync_reply, &sy, err) < 0)
			return -1;
		if (g->strays == strays)
			break;
		/* The guest ran behind our back and was stopped by this
		 * batch: a `p` answered before its `g` may be stale. */
		for (size_t i = 0; i < g->td.nregs; i++)
			g->vals[i].known = false;
	}
	g->regs_synced = true;
	return 0;
}

static int
gr_read_reg(void *ctx, const char *name, uint64_t *val, struct pt_err *err)
{
	struct gr *g = ctx;
	long idx = tdesc_find(&g->td, name);
	char req[32];
	const char *r;
	size_t n;

	if (idx < 0)
		return pt_err_set(err, PT_EXIT_TARGET, g->td.nregs == 0 ?
		    "no register '%s': the target offers no description" :
		    "no register '%s' in the target description", name);
	if (!g->vals[idx].known) {
		if (sync_regs(g, err) < 0)
			return -1;
	}
	if (!g->vals[idx].known) {
		snprintf(req, sizeof req, "p%x", g->td.regs[idx].regnum);
		if (gr_cmd(g, req, &r, &n, err) < 0)
			return pt_err_wrap(err, "reading register %s",
			    g->td.regs[idx].name);
		if (parse_reg(g, idx, r, n, err) < 0)
			return -1;
	}
	*val = g->vals[idx].value;
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
	struct pt_err ignored;

	trace_stats(g);
	/* QEMU keeps its last packet until an ack comes. */
	if (g->fd >= 0 && !g->rsp.dead)
		(void)rsp_send_acks(&g->rsp, &ignored);
	if (g->fd >= 0)
		close(g->fd);
	gr_direct_free(g);
	free(g->tdesc_first);
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

	/*
	 * The handshake as a whole gets three replies' time: room for the
	 * probes of requests in flight to time out (half a reply's time
	 * each) and be asked again one at a time, no more.
	 */
	g->rsp.limit = g->opt.reply_timeout_ms < 0 ? DEADLINE_NONE :
	    deadline_in(g->opt.reply_timeout_ms > INT_MAX / 3 ? INT_MAX :
	    3 * g->opt.reply_timeout_ms);
	if (handshake(g, err) < 0 || hello(g, err) < 0)
		goto fail;
	if (g->xfer_features && load_tdesc(g, err) < 0)
		goto fail;
	g->rsp.limit = DEADLINE_NONE;

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
