/*
 * gdbrun.c - run control over RSP: resuming, stop replies, interrupts,
 * break- and watchpoints (Z0-Z4), and the vCPUs (QEMU makes one thread
 * per vCPU).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deadline.h"
#include "gdbremote_int.h"

#define THREADS_MAX 4096
#define WAIT_SLICE_MS 100	/* how often a wait looks at `cancel` */

int
gdbremote_parse_thread(const char *s, const char **end,
    struct gdbremote_thread *th)
{
	uint64_t v;

	th->pid = 0;
	if (*s == 'p') {
		s++;
		if (strncmp(s, "-1", 2) == 0) {
			th->pid = -1;
			s += 2;
		} else if (rsp_parse_hex(&s, &v) < 0 || v > INT64_MAX) {
			return -1;
		} else {
			th->pid = (int64_t)v;
		}
		if (*s != '.') {
			th->tid = -1;	/* `pN` alone: all of its threads */
			goto done;
		}
		s++;
	}
	if (strncmp(s, "-1", 2) == 0) {
		th->tid = -1;
		s += 2;
	} else if (rsp_parse_hex(&s, &v) < 0 || v > INT64_MAX) {
		return -1;
	} else {
		th->tid = (int64_t)v;
	}
done:
	if (end != NULL)
		*end = s;
	return 0;
}

static void
fmt_id(int64_t v, char *buf, size_t size)
{
	if (v < 0)
		snprintf(buf, size, "-1");
	else
		snprintf(buf, size, "%" PRIx64, (uint64_t)v);
}

void
gdbremote_format_thread(const struct gdbremote_thread *th,
    bool multiprocess, char *buf, size_t size)
{
	char p[20], t[20];

	fmt_id(th->pid, p, sizeof p);
	fmt_id(th->tid, t, sizeof t);
	if (multiprocess)
		snprintf(buf, size, "p%s.%s", th->pid == 0 ? "1" : p, t);
	else
		snprintf(buf, size, "%s", t);
}

/* Index of `th` in the vCPU list, or -1. */
static int
thread_index(const struct gr *g, const struct gdbremote_thread *th)
{
	size_t i;

	for (i = 0; i < g->nthreads; i++)
		if (g->threads[i].tid == th->tid &&
		    (th->pid <= 0 || g->threads[i].pid <= 0 ||
		    g->threads[i].pid == th->pid))
			return (int)i;
	return -1;
}

void
gr_note_stop(struct gr *g, const char *r, size_t n)
{
	const char *f;

	snprintf(g->stop_reply, sizeof g->stop_reply, "%.*s", (int)n, r);
	if (r[0] == 'T' && (f = strstr(r, "thread:")) != NULL)
		gdbremote_parse_thread(f + 7, NULL, &g->thread);
	g->running = false;
	gr_guest_changed(g);
}

/*
 * Parse a stop reply into *st: `T05thread:p01.02;watch:1000;` or `S05`,
 * or `W00`/`X09` for a guest that is gone.
 */
static void
parse_stop(const struct gr *g, const char *r, size_t n,
    struct target_stop *st)
{
	static const struct {
		const char *key;
		enum target_point type;
	} watches[] = {
		{ "watch", TARGET_WATCH_WRITE },
		{ "rwatch", TARGET_WATCH_READ },
		{ "awatch", TARGET_WATCH_ACCESS },
	};
	struct gdbremote_thread th;
	const char *p, *colon, *semi;
	uint64_t v;
	size_t i, klen;

	memset(st, 0, sizeof *st);
	st->cpu = -1;
	snprintf(st->reply, sizeof st->reply, "%.*s", (int)n, r);
	if (n < 3)
		return;
	p = r + 1;
	if (rsp_parse_hex(&p, &v) == 0)
		st->signal = (int)(v & 0xff);
	if (r[0] == 'W' || r[0] == 'X') {
		st->exited = true;
		st->exit_status = st->signal;
		return;
	}
	p = r + 3;
	while (r[0] == 'T' && *p != '\0') {
		colon = strchr(p, ':');
		semi = strchr(p, ';');
		if (colon == NULL || (semi != NULL && semi < colon))
			break;
		klen = (size_t)(colon - p);
		if (klen == 6 && strncmp(p, "thread", 6) == 0 &&
		    gdbremote_parse_thread(colon + 1, NULL, &th) == 0)
			st->cpu = thread_index(g, &th);
		for (i = 0; i < sizeof watches / sizeof watches[0]; i++) {
			const char *a = colon + 1;

			if (klen == strlen(watches[i].key) &&
			    strncmp(p, watches[i].key, klen) == 0 &&
			    rsp_parse_hex(&a, &v) == 0) {
				st->watch = true;
				st->watch_type = watches[i].type;
				st->watch_addr = v;
			}
		}
		if (semi == NULL)
			break;
		p = semi + 1;
	}
	if (st->cpu < 0)
		st->cpu = thread_index(g, &g->thread);
}

int
gr_resume(void *ctx, bool step, struct pt_err *err)
{
	struct gr *g = ctx;
	char req[64], th[40];

	if (g->running)
		return pt_err_set(err, PT_EXIT_USAGE, "the guest is already "
		    "running");
	if (g->rsp.dead)
		return pt_err_set(err, PT_EXIT_TARGET, "connection to target "
		    "lost after an earlier error");
	/*
	 * vCont names the vCPU to step; the others stay stopped while it
	 * steps (QEMU), and all run on a continue.
	 */
	gdbremote_format_thread(&g->thread, g->multiprocess, th, sizeof th);
	if (step)
		snprintf(req, sizeof req, "vCont;s:%s", th);
	else
		snprintf(req, sizeof req, "vCont;c");
	if (rsp_send_str(&g->rsp, req, err) < 0)
		return pt_err_wrap(err, "%s", req);
	/* A stop reply ahead of the ack ended a run someone else had
	 * started (our first byte stopped it), not the one we begin. */
	while (g->rsp.n_early > 0 && gr_is_stop_reply(g->rsp.early[0].data,
	    g->rsp.early[0].len)) {
		const char *r;
		size_t n;

		if (rsp_recv(&g->rsp, &r, &n, err) < 0)
			return pt_err_wrap(err, "%s", req);
		g->found_running = true;
		gr_note_stop(g, r, n);
	}
	g->running = true;
	gr_guest_changed(g);
	return 0;
}

int
gr_wait(void *ctx, int timeout_ms, target_cancel_fn cancel,
    void *cancel_ctx, struct target_stop *st, struct pt_err *err)
{
	struct gr *g = ctx;
	long long deadline = deadline_in(timeout_ms);
	long long stop_by = -1;	/* after an interrupt: its stop's deadline */
	const char *r;
	size_t n;
	int ready;

	if (!g->running)
		return pt_err_set(err, PT_EXIT_USAGE, "the guest is not "
		    "running");
	for (;;) {
		if (rsp_pending(&g->rsp)) {
			ready = 1;
		} else {
			ready = net_poll_in(g->fd, WAIT_SLICE_MS);
			if (ready < 0)
				return pt_err_set(err, PT_EXIT_TARGET,
				    "waiting for the guest to stop: %s",
				    strerror(errno));
		}
		if (ready > 0) {
			if (rsp_recv(&g->rsp, &r, &n, err) < 0)
				return pt_err_wrap(err, "waiting for the guest "
				    "to stop");
			if (n > 0 && (r[0] == 'W' || r[0] == 'X')) {
				parse_stop(g, r, n, st);
				gr_note_stop(g, r, n);	/* close sees W/X */
				g->found_running = false;
				g->rsp.dead = true;	/* nothing left to talk to */
				return 1;
			}
			if (gr_is_stop_reply(r, n)) {
				gr_note_stop(g, r, n);
				parse_stop(g, r, n, st);
				return 1;
			}
			/* Console output goes on to the checks below: a
			 * flood of it must not hold us past the deadline. */
			if (!gr_is_console(r, n))
				return pt_err_set(err, PT_EXIT_TARGET,
				    "unexpected packet '%.40s' while the guest "
				    "ran", r);
		}
		if (stop_by < 0 && cancel != NULL && cancel(cancel_ctx)) {
			if (gr_interrupt(g, err) < 0)
				return -1;
			stop_by = deadline_now() + (g->opt.reply_timeout_ms > 0 ?
			    g->opt.reply_timeout_ms : GDBREMOTE_REPLY_MS);
		}
		if (stop_by >= 0 && deadline_now() > stop_by) {
			g->rsp.dead = true;
			return pt_err_set(err, PT_EXIT_TARGET, "the guest did "
			    "not stop after an interrupt");
		}
		if (stop_by < 0 && deadline >= 0 && deadline_now() >= deadline)
			return 0;
	}
}

int
gr_interrupt(void *ctx, struct pt_err *err)
{
	struct gr *g = ctx;

	if (!g->running)
		return pt_err_set(err, PT_EXIT_USAGE, "the guest is not "
		    "running");
	return rsp_interrupt(&g->rsp, err);
}

bool
gr_running(void *ctx)
{
	return ((struct gr *)ctx)->running;
}

/* Send Z or z for one point. */
static int
point_packet(struct gr *g, char op, enum target_point type, uint64_t addr,
    unsigned len, struct pt_err *err)
{
	char req[64];
	const char *r;
	size_t n;

	/* For breakpoints the last field is a "kind"; 1 is x86's int3. */
	snprintf(req, sizeof req, "%c%d,%" PRIx64 ",%x", op, (int)type, addr,
	    type <= TARGET_BREAK_HW ? 1 : len);
	if (gr_cmd(g, req, &r, &n, err) < 0)
		return -1;
	if (n == 2 && memcmp(r, "OK", 2) == 0)
		return 0;
	if (n == 0)
		return pt_err_set(err, PT_EXIT_TARGET, "the gdbstub does not "
		    "support %s", type <= TARGET_BREAK_HW ? "this breakpoint "
		    "kind" : "this watchpoint kind");
	if (rsp_reply_error(r, n, err) < 0)
		return pt_err_wrap(err, "%s", req);
	return pt_err_set(err, PT_EXIT_TARGET, "%s: unexpected reply "
	    "'%.20s'", req, r);
}

int
gr_insert_point(void *ctx, enum target_point type, uint64_t addr,
    unsigned len, struct pt_err *err)
{
	struct gr *g = ctx;

	if (g->npoints == GR_MAX_POINTS)
		return pt_err_set(err, PT_EXIT_USAGE, "too many break- and "
		    "watchpoints (%d)", GR_MAX_POINTS);
	if (point_packet(g, 'Z', type, addr, len, err) < 0)
		return -1;
	g->points[g->npoints++] = (struct gr_point){ type, addr, len };
	return 0;
}

int
gr_remove_point(void *ctx, enum target_point type, uint64_t addr,
    unsigned len, struct pt_err *err)
{
	struct gr *g = ctx;
	size_t i;

	for (i = 0; i < g->npoints; i++)
		if (g->points[i].type == type && g->points[i].addr == addr &&
		    g->points[i].len == len)
			break;
	if (point_packet(g, 'z', type, addr, len, err) < 0)
		return -1;
	if (i < g->npoints)
		g->points[i] = g->points[--g->npoints];
	return 0;
}

int
gr_run_cleanup(struct gr *g, struct pt_err *err)
{
	struct target_stop st;
	int rc = 0;

	if (g->running) {
		if (gr_interrupt(g, err) < 0 ||
		    gr_wait(g, g->opt.reply_timeout_ms, NULL, NULL, &st,
		    err) < 0) {
			/* QEMU ended (the guest ran to its end): nothing is
			 * left to put back. */
			if (g->rsp.closed) {
				g->running = g->found_running = false;
				return 0;
			}
			return pt_err_wrap(err, "stopping the guest");
		}
		if (g->running) {
			g->rsp.dead = true;
			return pt_err_set(err, PT_EXIT_TARGET, "the guest did "
			    "not stop after an interrupt");
		}
		if (g->rsp.dead)	/* it exited meanwhile */
			return 0;
	}
	while (g->npoints > 0 && !g->rsp.dead) {
		struct gr_point p = g->points[g->npoints - 1];

		if (gr_remove_point(g, p.type, p.addr, p.len, err) < 0) {
			rc = pt_err_wrap(err, "removing a breakpoint");
			g->npoints--;
		}
	}
	return rc;
}

int
gr_poll_fd(void *ctx)
{
	return ((struct gr *)ctx)->fd;
}

/* ---- vCPUs ------------------------------------------------------------- */

int
gr_load_threads(struct gr *g, char *const *given, size_t ngiven,
    struct pt_err *err)
{
	struct gdbremote_thread *v = NULL, *nv;
	size_t n = 0, cap = 0, len, k;
	const char *r, *req = "qfThreadInfo";

	for (k = 0;; k++) {
		if (k < ngiven && given[k] != NULL) {
			r = given[k];
			len = strlen(r);
		} else if (gr_cmd(g, req, &r, &len, err) < 0) {
			goto fail;
		}
		if (rsp_reply_error(r, len, err) < 0)
			goto fail;
		if (len > 0 && r[0] == 'l')
			break;
		if (len < 2 || r[0] != 'm') {
			pt_err_set(err, PT_EXIT_TARGET, "unexpected reply "
			    "'%.20s'", r);
			goto fail;
		}
		for (r++;;) {
			if (n == cap) {
				cap = cap ? 2 * cap : 16;
				if (cap > THREADS_MAX || (nv = realloc(v,
				    cap * sizeof *v)) == NULL) {
					pt_err_set(err, PT_EXIT_TARGET,
					    "too many threads");
					goto fail;
				}
				v = nv;
			}
			if (gdbremote_parse_thread(r, &r, &v[n]) < 0) {
				pt_err_set(err, PT_EXIT_TARGET,
				    "bad thread id");
				goto fail;
			}
			n++;
			if (*r != ',')
				break;
			r++;
		}
		req = "qsThreadInfo";
	}
	free(g->threads);
	g->threads = v;
	g->nthreads = n;
	return 0;
fail:
	free(v);
	return pt_err_wrap(err, "listing threads");
}

int
gdbremote_threads(struct target *t, struct gdbremote_thread **list,
    size_t *count, struct pt_err *err)
{
	struct gr *g;

	*list = NULL;
	*count = 0;
	if (!gdbremote_is(t))
		return pt_err_set(err, PT_EXIT_TARGET, "not a gdbstub target");
	g = t->ctx;
	if (gr_load_threads(g, NULL, 0, err) < 0)
		return -1;
	if (g->nthreads == 0)
		return 0;
	if ((*list = malloc(g->nthreads * sizeof **list)) == NULL)
		return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
	memcpy(*list, g->threads, g->nthreads * sizeof **list);
	*count = g->nthreads;
	return 0;
}

int
gdbremote_select_cpu(struct target *t, const struct gdbremote_thread *th,
    struct pt_err *err)
{
	char req[64];
	struct gr *g;

	if (!gdbremote_is(t))
		return pt_err_set(err, PT_EXIT_TARGET, "not a gdbstub target");
	g = t->ctx;
	memcpy(req, "Hg", 2);
	gdbremote_format_thread(th, g->multiprocess, req + 2, sizeof req - 2);
	if (gr_cmd_ok(g, req, err) < 0)
		return pt_err_wrap(err, "selecting thread %s", req + 2);
	g->thread = *th;
	gr_forget_regs(g);
	return 0;
}

/* The vCPU list, read once: QEMU's vCPUs do not come and go. */
static int
threads_known(struct gr *g, struct pt_err *err)
{
	if (g->nthreads > 0)
		return 0;
	if (gr_load_threads(g, NULL, 0, err) < 0)
		return -1;
	if (g->nthreads == 0)
		return pt_err_set(err, PT_EXIT_TARGET, "the gdbstub lists no "
		    "threads (vCPUs)");
	return 0;
}

int
gr_cpu_count(void *ctx, unsigned *n, struct pt_err *err)
{
	struct gr *g = ctx;

	if (threads_known(g, err) < 0)
		return -1;
	*n = (unsigned)g->nthreads;
	return 0;
}

int
gr_cpu_current(void *ctx)
{
	struct gr *g = ctx;

	return thread_index(g, &g->thread);
}

int
gr_select_cpu(void *ctx, unsigned cpu, struct pt_err *err)
{
	struct gr *g = ctx;

	if (threads_known(g, err) < 0)
		return -1;
	if (cpu >= g->nthreads)
		return pt_err_set(err, PT_EXIT_USAGE, "no vCPU %u (the guest "
		    "has %zu)", cpu, g->nthreads);
	return gdbremote_select_cpu(g->tgt, &g->threads[cpu], err);
}
