/*
 * gdbmem.c - guest memory through `m` packets: one request at a time,
 * or many in flight when the stub has shown it answers them in order.
 *
 * RSP does not promise that a stub takes a packet while it still owes
 * the reply to the one before.  QEMU does (it reads and handles packets
 * in arrival order), but a stub could drop bytes while busy, or answer
 * out of turn.  So the first batch of a connection starts with a probe:
 * three reads of different lengths, sent together.  Only if the replies
 * come, in order, with those lengths, do later batches keep a window of
 * requests in flight; otherwise everything goes one at a time.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdbremote_int.h"

int
gr_read_mem(struct gr *g, bool phys, uint64_t addr, void *buf, size_t len,
    struct pt_err *err)
{
	const char *kind = phys ? "physical" : "virtual";
	uint8_t *out = buf;
	char req[48];
	const char *r;
	size_t n, ask, got;

	if (len > 0 && addr + (len - 1) < addr)
		return pt_err_set(err, PT_EXIT_TARGET, "reading %zu bytes at "
		    "0x%" PRIx64 ": wraps past the top of memory", len, addr);
	if (gr_set_phymem(g, phys ? 1 : 0, err) < 0)
		return -1;
	while (len > 0) {
		ask = len < g->mem_chunk ? len : g->mem_chunk;
		snprintf(req, sizeof req, "m%" PRIx64 ",%zx", addr, ask);
		if (gr_cmd(g, req, &r, &n, err) < 0)
			return pt_err_wrap(err, "cannot read %s memory at "
			    "0x%" PRIx64, kind, addr);
		if (gr_qemu_too_long(g, r, n, ask))
			continue;
		if (rsp_reply_error(r, n, err) < 0)
			return pt_err_wrap(err, "cannot read %s memory at "
			    "0x%" PRIx64, kind, addr);
		if (n == 0)
			return pt_err_set(err, PT_EXIT_TARGET, "cannot read "
			    "%s memory: the target does not answer 'm'", kind);
		got = n / 2;
		if (n % 2 != 0 || got > ask ||
		    rsp_hex_decode(r, out, got) < 0)
			return pt_err_set(err, PT_EXIT_TARGET, "cannot read "
			    "%s memory at 0x%" PRIx64 ": unexpected reply "
			    "'%.20s'", kind, addr, r);
		/* A short answer is allowed: go on from where it ended. */
		out += got;
		addr += got;
		len -= got;
	}
	return 0;
}


int
gr_read_phys(void *ctx, uint64_t pa, void *buf, size_t len,
    struct pt_err *err)
{
	struct gr *g = ctx;
	int rc = gr_direct_read(g, pa, buf, len, err);

	if (rc <= 0)
		return rc;
	return gr_read_mem(g, true, pa, buf, len, err);
}

int
gr_read_virt(void *ctx, uint64_t va, void *buf, size_t len,
    struct pt_err *err)
{
	return gr_read_mem(ctx, false, va, buf, len, err);
}

bool
gr_mem_reply_whole(const char *r, size_t n, void *out, size_t ask)
{
	return n == 2 * ask && rsp_hex_decode(r, out, ask) == 0;
}

/* One `m` request of a batch: its bytes go to `out`. */
struct chunk {
	char req[48];
	size_t ask;
	uint8_t *out;
	struct target_read *piece;	/* NULL for the probe */
	bool ok;
};

struct batch {
	struct gr *g;
	struct chunk *c;
};

/* A reply of the batch: bytes, an error for its piece, or not yet one. */
static int
on_reply(void *ctx, size_t i, const char *r, size_t n, struct pt_err *err)
{
	struct batch *b = ctx;
	struct chunk *c = &b->c[i];

	(void)err;
	if (gr_stray(b->g, r, n))
		return RSP_REPLY_STRAY;
	/* Errors, E22 and short answers are left to a serial read. */
	c->ok = gr_mem_reply_whole(r, n, c->out, c->ask);
	return 0;
}

/*
 * Ask for `n` chunks as one gr_batch: in flight unless the stub is known
 * not to take that, and asked again one by one if the batch goes wrong
 * (which turns pipelining off).  0, or -1 with err set.
 */
static int
run_batch(struct gr *g, struct chunk *c, size_t n, struct pt_err *err)
{
	struct rsp_req *req = malloc((n > 0 ? n : 1) * sizeof *req);
	struct batch b = { g, c };
	int rc;

	if (req == NULL)
		return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
	for (size_t i = 0; i < n; i++) {
		req[i].payload = c[i].req;
		req[i].len = strlen(c[i].req);
	}
	rc = gr_batch(g, req, n, on_reply, &b, err);
	free(req);
	return rc;
}

/*
 * Three reads sent before any reply, of three different lengths: the
 * replies must come whole and in order.  When the piece is a table page
 * (4 KiB, 2 KiB to a read) the reads are its 2048, 2032 and 16 bytes,
 * so the probe costs nothing; otherwise 1, 2 and 3 bytes at its start,
 * which must agree.  Any other outcome (a timeout too, which gr_batch
 * turns into one request at a time) turns pipelining off for the
 * connection.  Sets piece->rc 0 when it read the piece.
 */
static int
probe(struct gr *g, struct target_read *piece, struct pt_err *err)
{
	uint8_t got[3][3];
	struct chunk c[3];
	size_t first = g->mem_chunk, second = piece->len - 16 - first;
	bool whole = piece->len > first + 16 && second < first &&
	    second != 16, good;

	memset(c, 0, sizeof c);
	for (size_t i = 0; i < 3; i++) {
		size_t at = whole ? (i == 0 ? 0 : i == 1 ? first :
		    first + second) : 0;

		c[i].ask = whole ? (i == 0 ? first : i == 1 ? second : 16) :
		    i + 1;
		c[i].out = whole ? (uint8_t *)piece->buf + at : got[i];
		snprintf(c[i].req, sizeof c[i].req, "m%" PRIx64 ",%zx",
		    piece->pa + at, c[i].ask);
	}
	if (run_batch(g, c, 3, err) < 0)
		return -1;
	good = c[0].ok && c[1].ok && c[2].ok;
	if (g->pipe == GR_PIPE_NO) {
		/* gr_batch saw it go wrong, said why, asked one by one. */
		if (whole && good)
			piece->rc = 0;
		return 0;
	}
	if (good && (whole || (got[0][0] == got[1][0] &&
	    got[1][0] == got[2][0] && got[1][1] == got[2][1]))) {
		if (whole)
			piece->rc = 0;
		g->pipe = GR_PIPE_YES;
		rsp_note(&g->rsp, "pipelined reads: the stub answers them in "
		    "order; up to %d in flight", GR_WINDOW);
		return 0;
	}
	g->pipe = GR_PIPE_NO;
	rsp_note(&g->rsp, "pipelined reads: the stub does not answer them "
	    "in order; one at a time from now on");
	return rsp_drain(&g->rsp, GR_PROBE_MS / 4, err);
}

/* The pieces that need `m` packets, as chunks; NULL when out of memory. */
static struct chunk *
make_chunks(struct gr *g, struct target_read *r, size_t n, size_t *count)
{
	struct chunk *c;
	size_t k = 0;

	*count = 0;
	for (size_t i = 0; i < n; i++)
		if (r[i].rc > 0)
			k += (r[i].len + g->mem_chunk - 1) / g->mem_chunk;
	if ((c = calloc(k > 0 ? k : 1, sizeof *c)) == NULL)
		return NULL;
	k = 0;
	for (size_t i = 0; i < n; i++) {
		for (size_t off = 0; r[i].rc > 0 && off < r[i].len;
		    off += g->mem_chunk, k++) {
			c[k].ask = r[i].len - off < g->mem_chunk ?
			    r[i].len - off : g->mem_chunk;
			c[k].out = (uint8_t *)r[i].buf + off;
			c[k].piece = &r[i];
			snprintf(c[k].req, sizeof c[k].req, "m%" PRIx64 ",%zx",
			    r[i].pa + off, c[k].ask);
		}
	}
	*count = k;
	return c;
}

/* Pieces still to do are not read: read_phys will say why. */
static void
unread(struct target_read *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (r[i].rc > 0)
			r[i].rc = -1;
}

int
gr_read_phys_many(void *ctx, struct target_read *r, size_t n,
    struct pt_err *err)
{
	struct gr *g = ctx;
	struct chunk *c;
	size_t k, todo = 0;
	int rc;

	if (g->running)
		return pt_err_set(err, PT_EXIT_USAGE, "the guest is running; "
		    "'interrupt' stops it");
	/* rc: 0 read, -1 failed (read_phys will say why), 1 to do.  Until
	 * the direct path is on (set up and checked), one at a time. */
	for (k = 0; k < n && g->direct != GR_DIRECT_ON; k++) {
		r[k].rc = gr_direct_read(g, r[k].pa, r[k].buf, r[k].len, err);
		if (r[k].rc < 0 && g->rsp.dead)
			return -1;
	}
	if (k < n && g->direct == GR_DIRECT_ON) {
		/* Left unread: read_phys reads them, by `m` if not RAM. */
		hostmem_read_many(&g->ram, r + k, n - k);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		todo += r[i].rc > 0;
	if (todo == 0)
		return 0;
	if (gr_set_phymem(g, 1, err) < 0) {
		unread(r, n);
		return g->rsp.dead ? -1 : 0;
	}
	if (g->pipe == GR_PIPE_UNKNOWN && g->mem_chunk >= 64) {
		for (size_t i = 0; i < n && g->pipe == GR_PIPE_UNKNOWN; i++)
			if (r[i].rc > 0 && probe(g, &r[i], err) < 0)
				return -1;
	}
	if (g->pipe != GR_PIPE_YES) {
		for (size_t i = 0; i < n; i++) {
			if (r[i].rc <= 0)
				continue;
			r[i].rc = gr_read_mem(g, true, r[i].pa, r[i].buf,
			    r[i].len, err);
			if (r[i].rc < 0 && g->rsp.dead)
				return -1;
		}
		return 0;
	}
	if ((c = make_chunks(g, r, n, &k)) == NULL)
		return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
	rc = run_batch(g, c, k, err);
	for (size_t i = 0; i < k && rc == 0; i++)
		if (!c[i].ok)
			c[i].piece->rc = -1;
	free(c);
	if (rc < 0) {
		unread(r, n);
		return g->rsp.dead ? -1 : 0;
	}
	for (size_t i = 0; i < n; i++)
		if (r[i].rc > 0)
			r[i].rc = 0;
	return 0;
}
