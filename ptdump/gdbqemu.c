/*
 * gdbqemu.c - QEMU's own gdbstub extensions and habits: the physical-
 * memory mode (Qqemu.PhyMemMode), monitor commands (qRcmd), and E22 for
 * a read longer than it takes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdbremote_int.h"

#define MONITOR_MAX_BYTES (16u << 20)

struct phymem {
	struct gr *g;
	bool query;		/* request 0 asks the mode, 1 sets it */
	int found;		/* the mode before we set it; -1 unknown */
	bool set;		/* the set was answered OK */
};

static int
phymem_reply(void *ctx, size_t i, const char *r, size_t n, struct pt_err *err)
{
	struct phymem *pm = ctx;

	if (gr_stray(pm->g, r, n))
		return RSP_REPLY_STRAY;
	if (i == 0 && pm->query) {
		if (n != 1 || (r[0] != '0' && r[0] != '1'))
			return pt_err_set(err, PT_EXIT_TARGET, "unexpected "
			    "reply '%.20s' to qqemu.PhyMemMode", r);
		pm->found = r[0] - '0';
		return 0;
	}
	if (n == 2 && memcmp(r, "OK", 2) == 0)
		pm->set = true;
	else if (rsp_reply_error(r, n, err) == 0)
		pt_err_set(err, PT_EXIT_TARGET, "unexpected reply '%.20s'", r);
	return 0;
}

/*
 * Put the stub in physical (1) or virtual (0) mode for `m`.  The first
 * time, the mode found is asked together with the change: it is what
 * close puts back.
 */
int
gr_set_phymem(struct gr *g, int want, struct pt_err *err)
{
	struct phymem pm = { .g = g, .found = -1 };
	struct rsp_req req[2];
	char set[32];
	int rc;

	if (!g->phymem) {
		if (want == 0)
			return 0;	/* a stub without the mode reads virtual */
		return pt_err_set(err, PT_EXIT_TARGET, "the gdbstub cannot "
		    "read physical memory (no qqemu.PhyMemMode; QEMU 4.1 or "
		    "later has it)");
	}
	if (g->phymem_cur == want)
		return 0;
	snprintf(set, sizeof set, "Qqemu.PhyMemMode:%d", want);
	req[0] = (struct rsp_req){ "qqemu.PhyMemMode", 16 };
	req[1] = (struct rsp_req){ set, strlen(set) };
	pt_err_clear(err);
	pm.query = g->phymem_orig < 0;
	if (pm.query)
		rc = gr_batch(g, req, 2, phymem_reply, &pm, err);
	else
		rc = gr_batch(g, &req[1], 1, phymem_reply, &pm, err);
	if (rc < 0)
		return pt_err_wrap(err, "%s", pm.query ? req[0].payload : set);
	if (g->phymem_orig < 0 && pm.found >= 0)
		g->phymem_orig = g->phymem_cur = pm.found;
	if (!pm.set)
		return pt_err_wrap(err, "%s", set);
	g->phymem_cur = want;
	return 0;
}

/* The output of one monitor command, as it comes (O packets, then OK). */
struct monitor_out {
	char *text;
	size_t len, cap;
	struct pt_err err;	/* the stub's error, if it gave one */
	bool failed;
};

struct monitor_batch {
	struct gr *g;
	struct monitor_out *out;
	size_t n;		/* monitor commands, then other requests: */
	rsp_reply_fn more_fn;	/* their replies (indexed from 0) */
	void *more_ctx;
};

/* Append hex-encoded output (checked as it is decoded); 0 or -1 with
 * err set. */
static int
monitor_append(struct monitor_out *o, const char *hex, size_t n,
    struct pt_err *err)
{
	char *p;

	if (n % 2 != 0)
		return pt_err_set(err, PT_EXIT_TARGET, "unexpected reply "
		    "'%.20s'", hex);
	if (o->len + n / 2 + 1 > MONITOR_MAX_BYTES)
		return pt_err_set(err, PT_EXIT_TARGET, "output over %u MiB, "
		    "more than ptdump keeps (QEMU's own monitor, -monitor "
		    "stdio, shows all of it)", MONITOR_MAX_BYTES >> 20);
	if (o->len + n / 2 + 1 > o->cap) {
		size_t cap = 2 * (o->len + n / 2 + 1);

		if ((p = realloc(o->text, cap)) == NULL)
			return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
		o->text = p;
		o->cap = cap;
	}
	if (rsp_hex_decode(hex, o->text + o->len, n / 2) < 0) {
		o->text[o->len] = '\0';
		return pt_err_set(err, PT_EXIT_TARGET, "unexpected reply "
		    "'%.20s'", hex);
	}
	o->len += n / 2;
	o->text[o->len] = '\0';
	return 0;
}

static int
monitor_reply(void *ctx, size_t i, const char *r, size_t n,
    struct pt_err *err)
{
	struct monitor_batch *b = ctx;
	struct monitor_out *o = &b->out[i];

	/* Our packet stopped a guest someone else had started (see
	 * gr_cmd): not the answer. */
	if (gr_is_stop_reply(r, n) && gr_stray(b->g, r, n))
		return RSP_REPLY_STRAY;
	if (n == 2 && memcmp(r, "OK", 2) == 0)
		return 0;
	if (rsp_reply_error(r, n, &o->err) < 0) {
		o->failed = true;
		return 0;
	}
	if (n == 0) {
		pt_err_set(&o->err, PT_EXIT_TARGET, "the gdbstub does not run "
		    "monitor commands (qRcmd)");
		o->failed = true;
		return 0;
	}
	/* `O`+hex is partial output; bare hex is the final one.  (The hex
	 * is checked once, as monitor_append decodes it.) */
	if (n >= 3 && r[0] == 'O')
		return monitor_append(o, r + 1, n - 1, err) < 0 ? -1 :
		    RSP_REPLY_MORE;
	return monitor_append(o, r, n, err);
}

/* A reply in a batch of monitor commands and other requests. */
static int
batch_reply(void *ctx, size_t i, const char *r, size_t n, struct pt_err *err)
{
	struct monitor_batch *b = ctx;

	if (i < b->n)
		return monitor_reply(b, i, r, n, err);
	return b->more_fn(b->more_ctx, i - b->n, r, n, err);
}

int
gr_monitor_many(struct gr *g, const char *const *cmd, size_t n, char **out,
    struct pt_err *err)
{
	return gr_monitor_many_then(g, cmd, n, out, NULL, 0, NULL, NULL, err);
}

int
gr_monitor_many_then(struct gr *g, const char *const *cmd, size_t n,
    char **out, const struct rsp_req *more, size_t nmore, rsp_reply_fn fn,
    void *ctx, struct pt_err *err)
{
	struct monitor_out *o = calloc(n > 0 ? n : 1, sizeof *o);
	struct monitor_batch b = { g, o, n, fn, ctx };
	struct rsp_req *req = calloc(n + nmore > 0 ? n + nmore : 1,
	    sizeof *req);
	char **text = calloc(n > 0 ? n : 1, sizeof *text);
	size_t i;
	int rc = -1;

	if (o == NULL || req == NULL || text == NULL) {
		pt_err_set(err, PT_EXIT_TARGET, "out of memory");
		goto done;
	}
	for (i = 0; i < n; i++) {
		size_t clen = strlen(cmd[i]);

		out[i] = NULL;
		if (6 + 2 * clen + 8 > g->packet_size) {
			pt_err_set(err, PT_EXIT_TARGET, "monitor %s: command "
			    "too long", cmd[i]);
			goto done;
		}
		if ((text[i] = malloc(6 + 2 * clen + 1)) == NULL) {
			pt_err_set(err, PT_EXIT_TARGET, "out of memory");
			goto done;
		}
		memcpy(text[i], "qRcmd,", 6);
		rsp_hex_encode(cmd[i], clen, text[i] + 6);
		req[i] = (struct rsp_req){ text[i], 6 + 2 * clen };
	}
	for (i = 0; i < nmore; i++)
		req[n + i] = more[i];
	if (gr_batch(g, req, n + nmore, batch_reply, &b, err) < 0) {
		pt_err_wrap(err, "monitor %s", n > 0 ? cmd[0] : "");
		goto done;
	}
	for (i = 0; i < n; i++) {
		if (o[i].failed) {
			*err = o[i].err;
			pt_err_wrap(err, "monitor %s", cmd[i]);
			goto done;
		}
	}
	for (i = 0; i < n; i++) {
		out[i] = o[i].text != NULL ? o[i].text : strdup("");
		o[i].text = NULL;
		if (out[i] == NULL) {
			pt_err_set(err, PT_EXIT_TARGET, "out of memory");
			goto done;
		}
	}
	rc = 0;
done:
	for (i = 0; i < n; i++) {
		if (o != NULL)
			free(o[i].text);
		if (text != NULL)
			free(text[i]);
		if (rc < 0 && out[i] != NULL) {
			free(out[i]);
			out[i] = NULL;
		}
	}
	free(o);
	free(req);
	free(text);
	return rc;
}

bool
gr_qemu_too_long(struct gr *g, const char *r, size_t n, size_t ask)
{
	/* E22 is QEMU's "too long": trust the stub over PacketSize. */
	if (n != 3 || memcmp(r, "E22", 3) != 0 || ask <= 256)
		return false;
	g->mem_chunk = ask / 2;
	return true;
}

int
gr_monitor(void *ctx, const char *cmd, char **out, struct pt_err *err)
{
	struct gr *g = ctx;

	if (g->running)
		return pt_err_set(err, PT_EXIT_USAGE, "the guest is running; "
		    "'interrupt' stops it");
	return gr_monitor_many(g, &cmd, 1, out, err);
}

/*
 * A monitor command may change anything: registers, memory, and whether
 * the guest runs (`cont`, `stop`, `system_reset`, `loadvm`).  QEMU's
 * stub sends nothing when a guest starts, but stops a running one on
 * the next byte we send and says so (T02) instead of answering.  So
 * after a user's command one cheap request shows the run state: a stop
 * reply in front of its answer means the command started the guest,
 * which then runs again, as the user asked.
 */
int
gr_settle(void *ctx, struct pt_err *err)
{
	struct gr *g = ctx;
	bool found = g->found_running;
	const char *r;
	size_t n;

	if (g->running)
		return 0;
	gr_guest_changed(g);
	gr_direct_reset(g);
	g->found_running = false;
	if (gr_cmd(g, "qAttached", &r, &n, err) < 0) {
		/* `quit`, or a guest that ran to its end: QEMU is gone, the
		 * command did what it was asked. */
		if (g->rsp.dead) {
			g->found_running = false;
			return 0;
		}
		g->found_running = found;
		return pt_err_wrap(err, "reading the run state");
	}
	if (g->found_running) {
		/* The command started the guest: let it run, and remember
		 * to stop it again before we leave. */
		g->found_running = found;
		if (gr_resume(g, false, err) < 0)
			return pt_err_wrap(err, "resuming");
		return 0;
	}
	g->found_running = found;
	return 0;
}
