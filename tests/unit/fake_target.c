/* fake_target.c - the unit tests' fake target: see fake_target.h. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_target.h"
#include "walk.h"

#define GONE "fake: the guest exited"

static const char *const fake_reg_names[FAKE_NREGS] = {
	"cr0", "cr2", "cr3", "cr4", "efer", "rip", "rsp", "eflags",
};

static int
fake_reg_index(const char *name)
{
	for (int i = 0; i < FAKE_NREGS; i++)
		if (strcmp(name, fake_reg_names[i]) == 0)
			return i;
	return -1;
}

/* Append one call to the log. */
static void fake_log(struct fake_target *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
fake_log(struct fake_target *f, const char *fmt, ...)
{
	size_t n = strlen(f->log);
	va_list ap;
	int w;

	if (n > 0 && n + 1 < sizeof f->log)
		f->log[n++] = ' ';
	va_start(ap, fmt);
	w = vsnprintf(f->log + n, sizeof f->log - n, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= sizeof f->log - n)
		f->log_full = true;
}

/* Mark the last logged call as failed. */
static void
fake_log_failed(struct fake_target *f)
{
	size_t n = strlen(f->log);

	if (n + 1 < sizeof f->log) {
		f->log[n] = '!';
		f->log[n + 1] = '\0';
	}
}

/* A stopped guest that is still there, as every access needs. */
static int
fake_check(const struct fake_target *f, struct pt_err *err)
{
	if (f->gone)
		return pt_err_set(err, PT_EXIT_TARGET, GONE);
	if (f->running)
		return pt_err_set(err, PT_EXIT_USAGE, "the guest is running; "
		    "'interrupt' stops it");
	return 0;
}

/* A running guest that is still there, as interrupt and wait need. */
static int
fake_check_running(const struct fake_target *f, struct pt_err *err)
{
	if (f->gone)
		return pt_err_set(err, PT_EXIT_TARGET, GONE);
	if (!f->running)
		return pt_err_set(err, PT_EXIT_USAGE, "the guest is not "
		    "running");
	return 0;
}

static void
fake_copy(const struct fake_target *f, uint64_t pa, void *buf, size_t len)
{
	unsigned char *out = buf;

	for (size_t i = 0; i < len; i++)
		out[i] = pa + i < f->mem_size ? f->mem[pa + i] : 0;
}

static int
fake_read_phys(void *ctx, uint64_t pa, void *buf, size_t len,
    struct pt_err *err)
{
	struct fake_target *f = ctx;

	if (fake_check(f, err) < 0)
		return -1;
	f->reads++;
	if (len != 4096 || pa % 4096 != 0)
		f->bad_read = true;
	if (f->fail_pa != 0 && pa == f->fail_pa)
		return pt_err_set(err, PT_EXIT_TARGET, "fake: E14");
	fake_copy(f, pa, buf, len);
	return 0;
}

/* The physical address of `va` through the current vCPU's tables. */
static int
fake_translate(struct fake_target *f, uint64_t va, uint64_t *pa,
    struct pt_err *err)
{
	const uint64_t *r = f->reg[f->cur];
	struct x86pt_ctx pt;
	struct walk_trace t;
	struct walk_ctx w;

	if (f->identity || x86pt_mode(r[FAKE_CR0], r[FAKE_CR4],
	    r[FAKE_EFER]) == X86PT_MODE_NONE) {
		*pa = va;
		return 0;
	}
	x86pt_ctx_init(&pt, r[FAKE_CR0], r[FAKE_CR4], r[FAKE_EFER]);
	walk_ctx_init(&w, f->bound, f->vcache, &pt, r[FAKE_CR3]);
	walk_cache_flush(f->vcache);	/* tests edit memory between reads */
	if (walk_va(&w, va, &t, err) < 0)
		return -1;
	if (t.stop != WALK_OK)
		return pt_err_set(err, PT_EXIT_TARGET, "fake: cannot read "
		    "0x%" PRIx64 ": %s", va, walk_stop_name(t.stop));
	*pa = t.pa;
	return 0;
}

static int
fake_read_virt(void *ctx, uint64_t va, void *buf, size_t len,
    struct pt_err *err)
{
	struct fake_target *f = ctx;
	unsigned char *out = buf;

	if (fake_check(f, err) < 0)
		return -1;
	while (len > 0) {
		size_t n = 4096 - (size_t)(va & 0xfff);
		uint64_t pa;

		if (n > len)
			n = len;
		if (fake_translate(f, va, &pa, err) < 0)
			return -1;
		fake_copy(f, pa, out, n);
		out += n;
		va += n;
		len -= n;
	}
	return 0;
}

static int
fake_read_reg(void *ctx, const char *name, uint64_t *val, struct pt_err *err)
{
	struct fake_target *f = ctx;
	int i = fake_reg_index(name);

	if (fake_check(f, err) < 0)
		return -1;
	if (i < 0 || (f->fail_reg != NULL && strcmp(name, f->fail_reg) == 0))
		return pt_err_set(err, PT_EXIT_TARGET, "fake: no register %s",
		    name);
	*val = f->reg[f->cur][i];
	return 0;
}

static int
fake_monitor(void *ctx, const char *cmd, char **out, struct pt_err *err)
{
	struct fake_target *f = ctx;
	const uint64_t *r = f->reg[f->cur];
	char buf[512];

	if (fake_check(f, err) < 0)
		return -1;
	f->monitor_calls++;
	snprintf(f->monitor_last, sizeof f->monitor_last, "%s", cmd);
	if (strcmp(cmd, "info registers") == 0) {
		char idt[64] = "";

		if (!f->no_idt)
			snprintf(idt, sizeof idt, "IDT=     %016" PRIx64 " %08"
			    PRIx64 "\r\n", f->idt_base, f->idt_limit);
		snprintf(buf, sizeof buf, "RIP=%016" PRIx64 " RFL=%08" PRIx64
		    "\r\nGDT=     0000000000001000 0000002f\r\n%sCR0=%08" PRIx64
		    " CR2=%016" PRIx64 " CR3=%016" PRIx64 " CR4=%08" PRIx64
		    "\r\nEFER=%016" PRIx64 "\r\n", r[FAKE_RIP], r[FAKE_EFLAGS],
		    idt, r[FAKE_CR0], r[FAKE_CR2], r[FAKE_CR3], r[FAKE_CR4],
		    r[FAKE_EFER]);
	} else if (f->monitor_reply != NULL) {
		snprintf(buf, sizeof buf, "%s", f->monitor_reply);
	} else {
		return pt_err_set(err, PT_EXIT_TARGET, "fake: unknown monitor "
		    "command '%s'", cmd);
	}
	if ((*out = strdup(buf)) == NULL)
		return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
	/* As the gdbstub target: a monitor command may change the guest. */
	f->bound->stop_gen++;
	return 0;
}

static void
fake_close(void *ctx)
{
	struct fake_target *f = ctx;

	f->closed++;
}

static int
fake_resume(void *ctx, bool step, struct pt_err *err)
{
	struct fake_target *f = ctx;

	if (f->gone)
		return pt_err_set(err, PT_EXIT_TARGET, GONE);
	if (f->running)
		return pt_err_set(err, PT_EXIT_USAGE, "the guest is already "
		    "running");
	fake_log(f, "%s", step ? "step" : "cont");
	if (f->fail_resume) {
		fake_log_failed(f);
		return pt_err_set(err, PT_EXIT_TARGET, "fake: resume refused");
	}
	f->running = true;
	f->bound->stop_gen++;
	if (f->nscript > 0) {
		f->next = f->script[0];
		memmove(&f->script[0], &f->script[1],
		    --f->nscript * sizeof f->script[0]);
		f->pending = !f->next.runs;
	} else if (step) {
		f->next = (struct fake_stop){ .signal = 5, .cpu = f->cur,
		    .rip = f->reg[f->cur][FAKE_RIP] + f->step_len };
		f->pending = true;
	} else {
		f->pending = false;	/* runs until interrupted */
	}
	return 0;
}

/* Hand the pending stop over: the guest stops as it says. */
static void
fake_deliver(struct fake_target *f, struct target_stop *st)
{
	const struct fake_stop *s = &f->next;

	memset(st, 0, sizeof *st);
	f->pending = false;
	f->running = false;
	if (s->exited) {
		f->gone = true;
		st->exited = true;
		st->exit_status = s->exit_status;
		st->cpu = -1;
		snprintf(st->reply, sizeof st->reply, "W%02x",
		    (unsigned)s->exit_status & 0xff);
		return;
	}
	if (s->cpu >= f->ncpus)
		abort();	/* a broken script */
	f->cur = s->cpu;
	if (s->rip != 0)
		f->reg[f->cur][FAKE_RIP] = s->rip;
	if (s->rsp != 0)
		f->reg[f->cur][FAKE_RSP] = s->rsp;
	if (s->cr2 != 0)
		f->reg[f->cur][FAKE_CR2] = s->cr2;
	st->signal = s->signal;
	st->cpu = (int)f->cur;
	st->watch = s->watch;
	st->watch_type = s->watch_type;
	st->watch_addr = s->watch_addr;
	snprintf(st->reply, sizeof st->reply, "T%02x", (unsigned)s->signal);
	f->bound->stop_gen++;
}

static int
fake_interrupt(void *ctx, struct pt_err *err)
{
	struct fake_target *f = ctx;

	if (fake_check_running(f, err) < 0)
		return -1;
	fake_log(f, "%s", "intr");
	if (!f->pending) {
		f->next = (struct fake_stop){ .signal = 2, .cpu = f->cur };
		f->pending = true;
	}
	return 0;
}

static int
fake_wait(void *ctx, int timeout_ms, target_cancel_fn cancel,
    void *cancel_ctx, struct target_stop *st, struct pt_err *err)
{
	struct fake_target *f = ctx;

	if (fake_check_running(f, err) < 0)
		return -1;
	if (!f->pending && cancel != NULL && cancel(cancel_ctx) &&
	    fake_interrupt(f, err) < 0)
		return -1;
	if (!f->pending) {
		if (timeout_ms >= 0)
			return 0;
		/* A real wait would hang here: fail the test instead. */
		return pt_err_set(err, PT_EXIT_TARGET, "fake: the guest runs "
		    "and no stop is scripted");
	}
	fake_deliver(f, st);
	return 1;
}

static bool
fake_running(void *ctx)
{
	return ((struct fake_target *)ctx)->running;
}

static void
fake_log_point(struct fake_target *f, char op, enum target_point type,
    uint64_t addr, unsigned len)
{
	static const char *const names[] = {
		[TARGET_BREAK_SW] = "sw", [TARGET_BREAK_HW] = "hw",
		[TARGET_WATCH_WRITE] = "write", [TARGET_WATCH_READ] = "read",
		[TARGET_WATCH_ACCESS] = "access",
	};

	if (type <= TARGET_BREAK_HW)
		fake_log(f, "%c%s 0x%" PRIx64, op, names[type], addr);
	else
		fake_log(f, "%c%s 0x%" PRIx64 "/%u", op, names[type], addr,
		    len);
}

static int
fake_insert_point(void *ctx, enum target_point type, uint64_t addr,
    unsigned len, struct pt_err *err)
{
	struct fake_target *f = ctx;

	if (fake_check(f, err) < 0)
		return -1;
	fake_log_point(f, '+', type, addr, len);
	if (f->fail_insert != 0 && addr == f->fail_insert) {
		fake_log_failed(f);
		return pt_err_set(err, PT_EXIT_TARGET, "fake: E22");
	}
	if (f->npt == FAKE_MAX_POINTS) {
		fake_log_failed(f);
		return pt_err_set(err, PT_EXIT_TARGET, "fake: too many points");
	}
	f->pt[f->npt++] = (struct fake_point){ type, addr, len };
	return 0;
}

static int
fake_remove_point(void *ctx, enum target_point type, uint64_t addr,
    unsigned len, struct pt_err *err)
{
	struct fake_target *f = ctx;
	unsigned i;

	if (fake_check(f, err) < 0)
		return -1;
	fake_log_point(f, '-', type, addr, len);
	for (i = 0; i < f->npt; i++)
		if (f->pt[i].type == type && f->pt[i].addr == addr &&
		    f->pt[i].len == len)
			break;
	if (i == f->npt) {
		fake_log_failed(f);
		return pt_err_set(err, PT_EXIT_TARGET, "fake: no such point");
	}
	memmove(&f->pt[i], &f->pt[i + 1], (f->npt - i - 1) * sizeof f->pt[0]);
	f->npt--;
	return 0;
}

static int
fake_cpu_count(void *ctx, unsigned *n, struct pt_err *err)
{
	struct fake_target *f = ctx;

	if (f->gone)
		return pt_err_set(err, PT_EXIT_TARGET, GONE);
	*n = f->ncpus;
	return 0;
}

static int
fake_cpu_current(void *ctx)
{
	return (int)((struct fake_target *)ctx)->cur;
}

static int
fake_select_cpu(void *ctx, unsigned cpu, struct pt_err *err)
{
	struct fake_target *f = ctx;

	if (fake_check(f, err) < 0)
		return -1;
	fake_log(f, "cpu %u", cpu);
	if (cpu >= f->ncpus) {
		fake_log_failed(f);
		return pt_err_set(err, PT_EXIT_USAGE, "no vCPU %u (the guest "
		    "has %u)", cpu, f->ncpus);
	}
	f->cur = cpu;
	return 0;
}

static int
fake_poll_fd(void *ctx)
{
	(void)ctx;
	return -1;
}

static const struct target_ops fake_ops = {
	.read_phys = fake_read_phys,
	.read_virt = fake_read_virt,
	.read_reg = fake_read_reg,
	.monitor = fake_monitor,
	.close = fake_close,
	.resume = fake_resume,
	.wait = fake_wait,
	.interrupt = fake_interrupt,
	.running = fake_running,
	.insert_point = fake_insert_point,
	.remove_point = fake_remove_point,
	.cpu_count = fake_cpu_count,
	.cpu_current = fake_cpu_current,
	.select_cpu = fake_select_cpu,
	.poll_fd = fake_poll_fd,
};

int
fake_init(struct fake_target *f, size_t mem_size)
{
	struct pt_err err;

	memset(f, 0, sizeof *f);
	f->mem = calloc(1, mem_size);
	f->vcache = walk_cache_new(16, &err);
	if (f->mem == NULL || f->vcache == NULL) {
		fake_free(f);
		return -1;
	}
	f->mem_size = mem_size;
	fake_reset(f);
	return 0;
}

void
fake_reset(struct fake_target *f)
{
	unsigned char *mem = f->mem;
	struct walk_cache *vcache = f->vcache;
	size_t mem_size = f->mem_size;

	memset(f, 0, sizeof *f);
	memset(mem, 0, mem_size);
	walk_cache_flush(vcache);
	f->mem = mem;
	f->mem_size = mem_size;
	f->vcache = vcache;
	f->ncpus = 1;
	f->step_len = 1;
	fake_bind(f, &f->tgt);
}

void
fake_free(struct fake_target *f)
{
	free(f->mem);
	f->mem = NULL;
	walk_cache_free(f->vcache);
	f->vcache = NULL;
}

void
fake_bind(struct fake_target *f, struct target *t)
{
	t->ops = &fake_ops;
	t->ctx = f;
	t->stop_gen = 1;
	f->bound = t;
}

/* Entry `index` of `size` bytes in the table at `table`, little-endian. */
static void
put_entry(struct fake_target *f, uint64_t table, unsigned index,
    unsigned size, uint64_t val)
{
	uint64_t pa = table + (uint64_t)size * index;

	if (pa + size > f->mem_size)
		abort();	/* a layout that does not fit */
	for (unsigned b = 0; b < size; b++)
		f->mem[pa + b] = (unsigned char)(val >> (8 * b));
}

void
fake_put(struct fake_target *f, uint64_t table, unsigned index,
    uint64_t val)
{
	put_entry(f, table, index, 8, val);
}

void
fake_put32(struct fake_target *f, uint64_t table, unsigned index,
    uint32_t val)
{
	put_entry(f, table, index, 4, val);
}

void
fake_set_cpu_reg(struct fake_target *f, unsigned cpu, const char *name,
    uint64_t val)
{
	int i = fake_reg_index(name);

	if (i < 0 || cpu >= FAKE_MAX_CPUS) {
		fprintf(stderr, "fake: no register %s of cpu %u\n", name, cpu);
		abort();
	}
	f->reg[cpu][i] = val;
}

void
fake_set_reg(struct fake_target *f, const char *name, uint64_t val)
{
	fake_set_cpu_reg(f, f->cur, name, val);
}

uint64_t
fake_reg(const struct fake_target *f, const char *name)
{
	int i = fake_reg_index(name);

	if (i < 0) {
		fprintf(stderr, "fake: no register %s\n", name);
		abort();
	}
	return f->reg[f->cur][i];
}

void
fake_long_mode(struct fake_target *f, uint64_t cr3)
{
	for (unsigned c = 0; c < FAKE_MAX_CPUS; c++) {
		fake_set_cpu_reg(f, c, "cr0", X86PT_CR0_PG | X86PT_CR0_WP | 1);
		fake_set_cpu_reg(f, c, "cr4", X86PT_CR4_PAE);
		fake_set_cpu_reg(f, c, "efer", X86PT_EFER_LME |
		    X86PT_EFER_LMA | X86PT_EFER_NXE);
		fake_set_cpu_reg(f, c, "cr3", cr3);
	}
}

void
fake_script(struct fake_target *f, const struct fake_stop *st)
{
	if (f->nscript == FAKE_MAX_STOPS)
		abort();
	f->script[f->nscript++] = *st;
}

void
fake_clear_log(struct fake_target *f)
{
	f->log[0] = '\0';
	f->log_full = false;
}

bool
fake_has_point(const struct fake_target *f, enum target_point type,
    uint64_t addr)
{
	for (unsigned i = 0; i < f->npt; i++)
		if (f->pt[i].type == type && f->pt[i].addr == addr)
			return true;
	return false;
}
