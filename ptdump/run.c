/* run.c - breakpoints, watchpoints, catchpoints and stops: see run.h. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"
#include "session.h"
#include "sig.h"
#include "walk.h"
#include "x86fault.h"

void
run_reset(struct run_state *r)
{
	memset(r, 0, sizeof *r);
	r->next_num = 1;
}

const struct run_point *
run_find(const struct run_state *r, unsigned num)
{
	unsigned i;

	for (i = 0; i < r->npt; i++)
		if (r->pt[i].num == num)
			return &r->pt[i];
	return NULL;
}

/* The connected target, able to run, and stopped. */
static struct target *
stopped_target(struct session *s, struct pt_err *err)
{
	struct target *t = session_target(s, err);

	if (t == NULL)
		return NULL;
	if (t->ops->resume == NULL || t->ops->insert_point == NULL) {
		pt_err_set(err, PT_EXIT_USAGE, "this target cannot run");
		return NULL;
	}
	if (t->ops->running(t->ctx)) {
		pt_err_set(err, PT_EXIT_USAGE, "the guest is running; "
		    "'interrupt' stops it");
		return NULL;
	}
	return t;
}

/* Insert every address of `p`; on failure remove what was inserted. */
static int
insert_all(struct target *t, const struct run_point *p, struct pt_err *err)
{
	struct pt_err ignored;
	unsigned i;

	for (i = 0; i < p->naddr; i++) {
		if (t->ops->insert_point(t->ctx, p->type, p->addr[i], p->len,
		    err) < 0) {
			while (i-- > 0)
				t->ops->remove_point(t->ctx, p->type,
				    p->addr[i], p->len, &ignored);
			return -1;
		}
	}
	return 0;
}

/* Insert `p` and give it the next number. */
static int
add_point(struct session *s, struct target *t, struct run_point *p,
    unsigned *num, struct pt_err *err)
{
	struct run_state *r = &s->run;

	if (r->npt == RUN_MAX_POINTS)
		return pt_err_set(err, PT_EXIT_USAGE, "too many break-, watch- "
		    "and catchpoints (%d)", RUN_MAX_POINTS);
	if (insert_all(t, p, err) < 0)
		return -1;
	p->num = r->next_num++;
	r->pt[r->npt++] = *p;
	*num = p->num;
	return 0;
}

int
run_add_break(struct session *s, enum target_point type, uint64_t addr,
    bool temp, const char *where, unsigned *num, struct pt_err *err)
{
	struct target *t = stopped_target(s, err);
	struct run_point p = { .kind = RUN_BREAK, .type = type, .temp = temp,
	    .naddr = 1, .addr = { addr } };

	if (t == NULL)
		return -1;
	snprintf(p.where, sizeof p.where, "%s", where);
	return add_point(s, t, &p, num, err);
}

int
run_add_watch(struct session *s, enum target_point type, uint64_t addr,
    unsigned len, const char *where, unsigned *num, struct pt_err *err)
{
	struct target *t = stopped_target(s, err);
	struct run_point p = { .kind = RUN_WATCH, .type = type, .len = len,
	    .naddr = 1, .addr = { addr } };

	if (t == NULL)
		return -1;
	if (len == 0 || len > 8 || (len & (len - 1)) != 0 ||
	    (addr & (len - 1)) != 0)
		return pt_err_set(err, PT_EXIT_USAGE, "a watchpoint covers 1, "
		    "2, 4 or 8 bytes at an address aligned to its length");
	snprintf(p.where, sizeof p.where, "%s", where);
	return add_point(s, t, &p, num, err);
}

/*
 * IDTR from the monitor's `info registers`: "IDT=     BASE LIMIT".  The
 * gdbstub has no packet for it.
 */
static int
read_idtr(struct target *t, uint64_t *base, uint64_t *limit,
    struct pt_err *err)
{
	char *out, *p, *end;

	if (t->ops->monitor == NULL)
		return pt_err_set(err, PT_EXIT_TARGET, "cannot read IDTR: the "
		    "target has no monitor");
	if (t->ops->monitor(t->ctx, "info registers", &out, err) < 0)
		return pt_err_wrap(err, "reading IDTR");
	p = strstr(out, "IDT=");
	if (p != NULL) {
		*base = strtoull(p + 4, &end, 16);
		if (end != p + 4)
			*limit = strtoull(end, &p, 16);
		if (end == p + 4 || p == end)
			p = NULL;
	}
	free(out);
	if (p == NULL)
		return pt_err_set(err, PT_EXIT_TARGET, "cannot read IDTR: no "
		    "'IDT=' in the monitor's 'info registers'");
	return 0;
}

int
run_add_catch(struct session *s, unsigned vector,
    const struct run_catch_filter *f, unsigned *num, struct pt_err *err)
{
	const struct x86fault_vector *v = x86fault_vector(vector);
	struct target *t = stopped_target(s, err);
	struct run_point p = { .kind = RUN_CATCH, .type = TARGET_BREAK_HW,
	    .vector = vector, .naddr = 1 };
	uint64_t base = 0, limit = 0, gate[2], handler, efer, cr4;

	if (t == NULL)
		return -1;
	if (v == NULL)
		return pt_err_set(err, PT_EXIT_USAGE, "catch: vector %u is not "
		    "an exception (0 to 31)", vector);
	if (t->ops->read_reg(t->ctx, "efer", &efer, err) < 0 ||
	    t->ops->read_reg(t->ctx, "cr4", &cr4, err) < 0)	/* LA57: bit 12 */
		return -1;
	if (!(efer & (1u << 10)))	/* EFER.LMA */
		return pt_err_set(err, PT_EXIT_USAGE, "catch: the guest is not "
		    "in long mode yet (EFER.LMA=0), so it has no 64-bit IDT; "
		    "stop it later, once it has set one up");
	if (read_idtr(t, &base, &limit, err) < 0)
		return -1;
	if (limit < vector * 16 + 15)
		return pt_err_set(err, PT_EXIT_TARGET, "catch: the IDT (limit "
		    "0x%" PRIx64 ") has no gate %u yet; stop the guest later, "
		    "once it has set up its IDT", limit, vector);
	if (t->ops->read_virt(t->ctx, base + vector * 16, gate, sizeof gate,
	    err) < 0)
		return pt_err_wrap(err, "catch: reading IDT gate %u", vector);
	/* A 64-bit gate: offset 15:0, 31:16 and 63:32; type in bits 43:40
	 * (0xE interrupt, 0xF trap gate); P is bit 47. */
	if (!(gate[0] >> 47 & 1))
		return pt_err_set(err, PT_EXIT_TARGET, "catch: IDT gate %u is "
		    "not present", vector);
	if ((gate[0] >> 40 & 0xe) != 0xe)
		return pt_err_set(err, PT_EXIT_TARGET, "catch: IDT gate %u "
		    "(0x%016" PRIx64 "%016" PRIx64 ") is not an interrupt or "
		    "trap gate", vector, gate[1], gate[0]);
	handler = (gate[0] & 0xffff) | (gate[0] >> 48 & 0xffff) << 16 |
	    (gate[1] & 0xffffffffull) << 32;
	/* A real-mode IVT left in IDTR reads as garbage gates. */
	if (!x86pt_is_canonical(handler, (cr4 & (1u << 12)) != 0))
		return pt_err_set(err, PT_EXIT_TARGET, "catch: IDT gate %u "
		    "points to 0x%" PRIx64 ", not a canonical address: the IDT "
		    "(base 0x%" PRIx64 ") is not set up yet; stop the guest later",
		    vector, handler, base);
	p.addr[0] = handler;
	if (f != NULL) {
		p.user_only = f->user_only;
		p.cr2_filter = f->cr2;
		p.cr2_lo = f->cr2_lo;
		p.cr2_hi = f->cr2_hi;
	}
	snprintf(p.where, sizeof p.where, "#%s %s%s", v->mnemonic, v->name,
	    p.user_only ? ", ring 3" : "");
	if (p.cr2_filter)
		snprintf(p.where + strlen(p.where), sizeof p.where -
		    strlen(p.where), ", cr2 0x%" PRIx64 "-0x%" PRIx64, p.cr2_lo,
		    p.cr2_hi);
	return add_point(s, t, &p, num, err);
}

/* The virtual addresses whose pages hold one physical address. */
struct ptov {
	uint64_t pa;
	uint64_t va[RUN_MAX_ADDRS];
	unsigned n;
};

static int
ptov_leaf(void *cookie, const struct walk_leaf *l)
{
	struct ptov *p = cookie;

	if (p->pa < l->pa || p->pa - l->pa >= l->page_size)
		return 0;
	p->va[p->n++] = l->va + (p->pa - l->pa);
	return p->n == RUN_MAX_ADDRS ? WALK_STOP : 0;
}

int
run_add_watch_pte(struct session *s, uint64_t va, unsigned *num,
    struct pt_err *err)
{
	struct run_point p = { .kind = RUN_WATCH_PTE,
	    .type = TARGET_WATCH_WRITE, .len = 8 };
	struct walk_trace tr;
	struct walk_ctx w;
	struct ptov pv;
	struct target *t = stopped_target(s, err);
	const struct walk_step *st;

	if (t == NULL || session_walk_ctx(s, &w, err) < 0 ||
	    walk_va(&w, va, &tr, err) < 0)
		return -1;
	if (tr.nsteps == 0)
		return pt_err_set(err, PT_EXIT_USAGE, "watch-pte: 0x%" PRIx64
		    " is not a linear address (non-canonical, or past 4 GiB "
		    "outside long mode): no entry maps it", va);
	st = &tr.step[tr.nsteps - 1];
	memset(&pv, 0, sizeof pv);
	pv.pa = st->entry_pa;
	if (walk_range(&w, 0, UINT64_MAX, ptov_leaf, &pv, err) < 0)
		return pt_err_wrap(err, "watch-pte");
	if (w.stats.cancelled)
		return pt_err_set(err, PT_EXIT_USAGE, "watch-pte: interrupted");
	if (pv.n == 0)
		return pt_err_set(err, PT_EXIT_TARGET, "watch-pte: no virtual "
		    "address maps the %s of 0x%" PRIx64 " (at physical 0x%"
		    PRIx64 ") in this address space, and the gdbstub watches "
		    "only virtual addresses", x86pt_level_name(st->level), va,
		    st->entry_pa);
	memcpy(p.addr, pv.va, sizeof pv.va);
	p.naddr = pv.n;
	p.len = x86pt_entry_size(w.pt.mode);	/* 4 bytes in 32-bit paging */
	p.pte_va = va;
	p.pte_pa = st->entry_pa;
	p.pte_level = st->level;
	snprintf(p.where, sizeof p.where, "0x%" PRIx64, va);
	return add_point(s, t, &p, num, err);
}

/* Remove every address of `p` from the target. */
static int
remove_all(struct target *t, const struct run_point *p, struct pt_err *err)
{
	unsigned i;
	int rc = 0;

	for (i = 0; i < p->naddr; i++)
		if (t->ops->remove_point(t->ctx, p->type, p->addr[i], p->len,
		    err) < 0)
			rc = -1;
	return rc;
}

static void
drop_index(struct run_state *r, unsigned i)
{
	memmove(&r->pt[i], &r->pt[i + 1], (r->npt - i - 1) * sizeof r->pt[0]);
	r->npt--;
}

int
run_delete(struct session *s, unsigned num, struct pt_err *err)
{
	struct run_state *r = &s->run;
	struct target *t;
	unsigned i;
	int rc = 0;

	if (num != 0 && run_find(r, num) == NULL)
		return pt_err_set(err, PT_EXIT_USAGE, "no break-, watch- or "
		    "catchpoint %u", num);
	if ((t = stopped_target(s, err)) == NULL)
		return -1;
	for (i = r->npt; i-- > 0;) {
		if (num != 0 && r->pt[i].num != num)
			continue;
		if (remove_all(t, &r->pt[i], err) < 0)
			rc = -1;
		drop_index(r, i);
	}
	return rc;
}

/* The point of kind break/catch inserted at `addr`, or -1. */
static int
code_point_at(const struct run_state *r, uint64_t addr)
{
	unsigned i;

	for (i = 0; i < r->npt; i++)
		if ((r->pt[i].kind == RUN_BREAK ||
		    r->pt[i].kind == RUN_CATCH) && r->pt[i].addr[0] == addr)
			return (int)i;
	return -1;
}

/* The watch or watch-pte point that covers data address `a`, or -1. */
static int
watch_point_at(const struct run_state *r, uint64_t a)
{
	unsigned i, j;

	for (i = 0; i < r->npt; i++) {
		const struct run_point *p = &r->pt[i];

		if (p->kind != RUN_WATCH && p->kind != RUN_WATCH_PTE)
			continue;
		for (j = 0; j < p->naddr; j++)
			if (a >= p->addr[j] && a - p->addr[j] < p->len)
				return (int)i;
	}
	return -1;
}

/* The frame the CPU pushed for `vector`, read at RSP. */
static int
read_frame(struct target *t, unsigned vector, struct run_frame *f,
    struct pt_err *err)
{
	const struct x86fault_vector *v = x86fault_vector(vector);
	uint64_t rsp, w[6];
	unsigned o;

	memset(f, 0, sizeof *f);
	if (t->ops->read_reg(t->ctx, "rsp", &rsp, err) < 0 ||
	    t->ops->read_virt(t->ctx, rsp, w, sizeof w, err) < 0)
		return pt_err_wrap(err, "reading the exception frame");
	f->has_errcode = v != NULL && v->errcode;
	o = f->has_errcode ? 1 : 0;
	f->errcode = f->has_errcode ? w[0] : 0;
	f->rip = w[o];
	f->cs = w[o + 1];
	f->rflags = w[o + 2];
	f->rsp = w[o + 3];
	return 0;
}

/* Turn a raw stop into a reason; `stepped`: the guest was single-stepped. */
static int
classify(struct session *s, struct target *t, const struct target_stop *ts,
    bool stepped, struct run_stop *st, struct pt_err *err)
{
	struct run_state *r = &s->run;
	int i;

	memset(st, 0, sizeof *st);
	st->cpu = ts->cpu;
	st->signal = ts->signal;
	st->gen = t->stop_gen;
	if (ts->exited) {
		st->reason = RUN_STOP_EXITED;
		st->exit_status = ts->exit_status;
		return 0;
	}
	if (t->ops->read_reg(t->ctx, "rip", &st->rip, err) < 0)
		return pt_err_wrap(err, "after the stop");
	if (ts->watch && (i = watch_point_at(r, ts->watch_addr)) >= 0) {
		st->reason = RUN_STOP_WATCH;
		st->num = r->pt[i].num;
		st->watch_type = ts->watch_type;
		st->data_addr = ts->watch_addr;
		r->pt[i].hits++;
	} else if (ts->signal == 5 && (i = code_point_at(r, st->rip)) >= 0) {
		struct run_point *p = &r->pt[i];

		p->hits++;
		st->num = p->num;
		if (p->kind == RUN_CATCH) {
			st->reason = RUN_STOP_CATCH;
			st->vector = p->vector;
			if (read_frame(t, p->vector, &st->frame, err) < 0 ||
			    t->ops->read_reg(t->ctx, "cr2", &st->cr2, err) < 0)
				return -1;
			st->have_frame = true;
			/* The RPL of the interrupted CS is the CPL it ran at. */
			if ((p->user_only && (st->frame.cs & 3) != 3) ||
			    (p->cr2_filter && (st->cr2 < p->cr2_lo ||
			    st->cr2 > p->cr2_hi))) {
				p->hits--;
				p->skipped++;
				st->skip = true;
			}
		} else {
			st->reason = RUN_STOP_BREAK;
			if (p->temp) {
				if (remove_all(t, p, err) < 0)
					return -1;
				drop_index(r, (unsigned)i);
				st->temp_deleted = true;
			}
		}
	} else if (stepped && ts->signal == 5) {
		st->reason = RUN_STOP_STEP;
	} else if (ts->signal == 2) {
		st->reason = RUN_STOP_INTERRUPT;
	} else {
		st->reason = RUN_STOP_SIGNAL;
	}
	return 0;
}

/* Resume (step or continue) and wait for the stop. */
static int
go_once(struct target *t, bool step, struct target_stop *ts,
    struct pt_err *err)
{
	if (t->ops->resume(t->ctx, step, err) < 0)
		return -1;
	return t->ops->wait(t->ctx, -1, sig_cancel_cb, NULL, ts, err) < 0 ?
	    -1 : 0;
}

/*
 * A breakpoint where the vCPU stands would stop it again at once: step
 * over it with the point lifted, as gdb does.  *moved says whether the
 * step happened (then *ts holds its stop).
 */
static int
step_over(struct session *s, struct target *t, bool *moved,
    struct target_stop *ts, struct pt_err *err)
{
	struct pt_err e2;
	struct run_point *p;
	uint64_t rip;
	int i, rc;

	*moved = false;
	if (t->ops->read_reg(t->ctx, "rip", &rip, err) < 0)
		return -1;
	if ((i = code_point_at(&s->run, rip)) < 0)
		return 0;
	p = &s->run.pt[i];
	if (t->ops->remove_point(t->ctx, p->type, rip, p->len, err) < 0)
		return -1;
	rc = go_once(t, true, ts, err);
	/* *ts is only filled by a wait that succeeded.  A guest that exited
	 * has nothing to put back, and its exit is the stop to report. */
	if (rc == 0 && ts->exited) {
		*moved = true;
		return 0;
	}
	if (t->ops->insert_point(t->ctx, p->type, rip, p->len,
	    rc < 0 ? &e2 : err) < 0 && rc == 0)
		return -1;
	*moved = rc == 0;
	return rc;
}

static int go_one(struct session *s, unsigned count, bool background,
    struct run_stop *stop, struct pt_err *err);

int
run_go(struct session *s, unsigned count, bool background,
    struct run_stop *stop, struct pt_err *err)
{
	int rc;

	/* Run through the stops of filtered catchpoints that do not match,
	 * unless asked to stop.  A step ends where it ends: stopped at such
	 * a catchpoint, that is a step, not one more round of steps. */
	while ((rc = go_one(s, count, background, stop, err)) == 0 &&
	    stop->skip && count == 0 && !sig_pending())
		;
	if (rc == 0 && stop->skip && count > 0) {
		stop->reason = RUN_STOP_STEP;
		stop->skip = false;
		s->run.last = *stop;
	}
	return rc;
}

static int
go_one(struct session *s, unsigned count, bool background,
    struct run_stop *stop, struct pt_err *err)
{
	struct target *t = stopped_target(s, err);
	struct target_stop ts;
	bool moved, step = count > 0;
	unsigned i;

	if (t == NULL)
		return -1;
	if (step_over(s, t, &moved, &ts, err) < 0)
		return -1;
	if (moved) {
		count = count > 0 ? count - 1 : 0;
		/* The step stopped for something else, or it was the only
		 * one asked for, or Ctrl-C came: report it. */
		if (ts.signal != 5 || ts.watch || ts.exited ||
		    (step && count == 0) || sig_pending())
			goto stopped;
		if (!step && !background && go_once(t, false, &ts, err) < 0)
			return -1;
		if (!step && !background)
			goto stopped;
	}
	if (background && !step) {
		if (t->ops->resume(t->ctx, false, err) < 0)
			return -1;
		return 1;
	}
	if (!step) {
		if (go_once(t, false, &ts, err) < 0)
			return -1;
		goto stopped;
	}
	for (i = 0; i < count; i++) {
		if (go_once(t, true, &ts, err) < 0)
			return -1;
		if (ts.signal != 5 || ts.watch || ts.exited || sig_pending())
			break;
	}
stopped:
	if (classify(s, t, &ts, step, stop, err) < 0)
		return -1;
	s->run.last = *stop;
	s->run.have_stop = true;
	return 0;
}

int
run_poll(struct session *s, int timeout_ms, struct run_stop *stop,
    struct pt_err *err)
{
	struct target *t = session_target(s, err);
	struct target_stop ts;
	int rc;

	if (t == NULL)
		return -1;
	if (t->ops->running == NULL || !t->ops->running(t->ctx))
		return pt_err_set(err, PT_EXIT_USAGE, "the guest is not "
		    "running");
	rc = t->ops->wait(t->ctx, timeout_ms, sig_cancel_cb, NULL, &ts, err);
	if (rc <= 0)
		return rc;
	if (classify(s, t, &ts, false, stop, err) < 0)
		return -1;
	if (stop->skip && !sig_pending()) {
		/* Not the fault asked for: on, past the handler's point. */
		rc = go_one(s, 0, true, stop, err);
		if (rc != 0)
			return rc < 0 ? -1 : 0;
	}
	s->run.last = *stop;
	s->run.have_stop = true;
	return 1;
}

bool
run_running(struct session *s)
{
	return s->connected && s->tgt.ops->running != NULL &&
	    s->tgt.ops->running(s->tgt.ctx);
}
