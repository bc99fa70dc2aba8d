/*
 * cmd_sess.c - commands about the session rather than the tables:
 * info breakpoints|cpus, cpu, symbols, target.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cmd_impl.h"
#include "fmt_run.h"
#include "symbols.h"
#include "x86pt.h"

/* What `info cpus` shows of one vCPU (which must be selected). */
static int
cpu_row(struct target *t, unsigned i, struct fmt_cpu *c, struct pt_err *err)
{
	uint64_t cr0, cr4, efer;

	c->index = i;
	c->same_root_as = -1;
	if (t->ops->read_reg(t->ctx, "rip", &c->rip, err) < 0 ||
	    t->ops->read_reg(t->ctx, "cr0", &cr0, err) < 0 ||
	    t->ops->read_reg(t->ctx, "cr3", &c->cr3, err) < 0 ||
	    t->ops->read_reg(t->ctx, "cr4", &cr4, err) < 0 ||
	    t->ops->read_reg(t->ctx, "efer", &efer, err) < 0)
		return pt_err_wrap(err, "cpu %u", i);
	c->mode = x86pt_mode(cr0, cr4, efer);
	return 0;
}

static int
info_cpus(struct session *s, struct pt_err *err)
{
	struct target *t = session_target(s, err);
	struct fmt_cpu *c;
	struct pt_err e2;
	unsigned n, i, j;
	int cur, rc = 0;

	if (t == NULL)
		return -1;
	if (t->ops->cpu_count == NULL)
		return pt_err_set(err, PT_EXIT_USAGE, "this target has no vCPUs");
	if (t->ops->cpu_count(t->ctx, &n, err) < 0)
		return -1;
	cur = t->ops->cpu_current(t->ctx);
	if ((c = calloc(n, sizeof *c)) == NULL)
		return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
	for (i = 0; i < n && rc == 0; i++) {
		if (t->ops->select_cpu(t->ctx, i, err) < 0 ||
		    cpu_row(t, i, &c[i], err) < 0)
			rc = -1;
		c[i].current = (int)i == cur;
		for (j = 0; j < i && rc == 0; j++)
			if (c[j].mode == c[i].mode &&
			    x86pt_root(c[j].mode, c[j].cr3, 52) ==
			    x86pt_root(c[i].mode, c[i].cr3, 52)) {
				c[i].same_root_as = (int)j;
				break;
			}
	}
	/* Put the choice back: registers are read from it. */
	if (cur >= 0 && t->ops->select_cpu(t->ctx, (unsigned)cur,
	    rc < 0 ? &e2 : err) < 0)
		rc = -1;
	if (rc == 0)
		fmt_run_sink(s->opt.format)->cpus(s->out, c, n);
	free(c);
	return rc < 0 ? -1 : PT_EXIT_OK;
}

int
cmd_info(struct session *s, int argc, char **argv, struct pt_err *err)
{
	if (argc != 2)
		return cmd_usage(cmd_find("info"), err);
	if (strcmp(argv[1], "breakpoints") == 0 || strcmp(argv[1], "b") == 0 ||
	    strcmp(argv[1], "break") == 0) {
		fmt_run_sink(s->opt.format)->points(s->out, &s->run, s->syms);
		return PT_EXIT_OK;
	}
	if (strcmp(argv[1], "cpus") == 0)
		return info_cpus(s, err);
	return pt_err_set(err, PT_EXIT_USAGE, "info: 'breakpoints' or 'cpus'");
}

int
cmd_cpu(struct session *s, int argc, char **argv, struct pt_err *err)
{
	struct target *t;
	struct fmt_cpu c;
	uint64_t n;
	unsigned count;
	char sym[300];
	int cur;

	if (argc > 2)
		return cmd_usage(cmd_find("cpu"), err);
	if ((t = session_target(s, err)) == NULL)
		return -1;
	if (t->ops->select_cpu == NULL)
		return pt_err_set(err, PT_EXIT_USAGE, "this target has no vCPUs");
	if (argc == 2) {
		if (args_u64(argv[1], &n, err) < 0)
			return pt_err_wrap(err, "cpu");
		if (t->ops->cpu_count(t->ctx, &count, err) < 0)
			return -1;
		if (n >= count)
			return pt_err_set(err, PT_EXIT_USAGE, "cpu: no vCPU %"
			    PRIu64 " (the guest has %u: 0 to %u)", n, count,
			    count - 1);
		if (t->ops->select_cpu(t->ctx, (unsigned)n, err) < 0)
			return -1;
		s->opt.cpu = (int)n;
	}
	if ((cur = t->ops->cpu_current(t->ctx)) < 0 &&
	    t->ops->cpu_count(t->ctx, &count, err) == 0)
		cur = t->ops->cpu_current(t->ctx);
	if (cur < 0)
		return pt_err_set(err, PT_EXIT_TARGET, "cpu: the gdbstub does "
		    "not say which vCPU is current");
	if (cpu_row(t, (unsigned)cur, &c, err) < 0)
		return -1;
	fprintf(s->out, "cpu %d: rip 0x%016" PRIx64 "%s, cr3 0x%" PRIx64
	    ", %s\n", cur, c.rip, fmt_sym(s->syms, c.rip, sym, sizeof sym),
	    c.cr3, x86pt_mode_name(c.mode));
	return PT_EXIT_OK;
}

int
cmd_symbols(struct session *s, int argc, char **argv, struct pt_err *err)
{
	const char *path = NULL;
	uint64_t off = 0;
	long n;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--offset") == 0 && i + 1 < argc) {
			const char *v = argv[++i];
			bool neg = v[0] == '-';

			if (args_u64(v + neg, &off, err) < 0)
				return pt_err_wrap(err, "symbols --offset");
			if (neg)
				off = -off;
		} else if (strcmp(argv[i], "--clear") == 0 && argc == 2) {
			if (s->syms != NULL)
				sym_clear(s->syms);
			fprintf(s->out, "symbols cleared\n");
			return PT_EXIT_OK;
		} else if (argv[i][0] != '-' && path == NULL) {
			path = argv[i];
		} else {
			return cmd_usage(cmd_find("symbols"), err);
		}
	}
	if (path == NULL) {
		if (argc != 1)
			return cmd_usage(cmd_find("symbols"), err);
		fprintf(s->out, "%zu symbols loaded\n",
		    s->syms != NULL ? sym_count(s->syms) : (size_t)0);
		return PT_EXIT_OK;
	}
	if (s->syms == NULL && (s->syms = sym_new(err)) == NULL)
		return -1;
	if ((n = sym_add_file(s->syms, path, off, err)) < 0)
		return -1;
	fprintf(s->out, "%ld symbols from %s\n", n, path);
	return PT_EXIT_OK;
}

int
cmd_target(struct session *s, int argc, char **argv, struct pt_err *err)
{
	struct pt_err e2;

	if (argc > 2)
		return cmd_usage(cmd_find("target"), err);
	if (argc == 1) {
		fprintf(s->out, "%s (%s)\n", s->opt.target, s->connected ?
		    "connected" : "not connected");
		return PT_EXIT_OK;
	}
	if (strlen(argv[1]) >= sizeof s->target_buf)
		return pt_err_set(err, PT_EXIT_USAGE, "target: too long");
	/* Leave the old one as found, even if the new one fails. */
	if (session_disconnect(s, &e2) < 0)
		fprintf(stderr, "warning: %s\n", e2.msg);
	memcpy(s->target_buf, argv[1], strlen(argv[1]) + 1);
	s->opt.target = s->target_buf;
	if (session_target(s, err) == NULL)
		return -1;
	fprintf(s->out, "connected to %s\n", s->opt.target);
	return PT_EXIT_OK;
}
