/*
 * cmd_run.c - the run-control commands: continue, stepi, interrupt,
 * break/tbreak/hbreak, delete, watch/rwatch/awatch, watch-pte, catch.
 */
#include <inttypes.h>
#include <string.h>

#include "args.h"
#include "cmd_impl.h"
#include "fmt_run.h"
#include "sig.h"
#include "symbols.h"
#include "x86fault.h"

/* An address expression: a number or a symbol (+/- offset). */
int
cmd_addr(struct session *s, const char *word, uint64_t *addr,
    struct pt_err *err)
{
	return sym_eval(s->syms, word, addr, err);
}

/* Print a stop through the session's sink. */
void
cmd_print_stop(struct session *s, const struct run_stop *st)
{
	const struct run_point *p = run_find(&s->run, st->num);

	fmt_run_sink(s->opt.format)->stop(s->out, st, p, s->syms);
}

/* Run, print the stop; shared by continue and stepi. */
static int
go(struct session *s, unsigned count, bool background, struct pt_err *err)
{
	struct run_stop st;
	struct pt_err ignored;
	int rc;

	rc = run_go(s, count, background, &st, err);
	if (rc < 0)
		return cmd_target_lost(s, err);
	if (rc == 1) {
		fprintf(s->out, "the guest runs; 'interrupt' (or Ctrl-C) "
		    "stops it\n");
		return PT_EXIT_OK;
	}
	cmd_print_stop(s, &st);
	if (st.reason == RUN_STOP_EXITED)
		session_disconnect(s, &ignored);
	return PT_EXIT_OK;
}

int
cmd_continue(struct session *s, int argc, char **argv, struct pt_err *err)
{
	bool bg = false;

	if (argc == 2 && strcmp(argv[1], "&") == 0)
		bg = true;
	else if (argc != 1)
		return cmd_usage(cmd_find(argv[0]), err);
	if (bg && !s->interactive)
		return pt_err_set(err, PT_EXIT_USAGE, "continue &: only in the "
		    "shell (a batch waits for each stop)");
	return go(s, 0, bg, err);
}

int
cmd_stepi(struct session *s, int argc, char **argv, struct pt_err *err)
{
	uint64_t n = 1;

	if (argc > 2)
		return cmd_usage(cmd_find(argv[0]), err);
	if (argc == 2 && (args_u64(argv[1], &n, err) < 0 || n == 0 ||
	    n > 1000000))
		return pt_err_set(err, PT_EXIT_USAGE, "stepi: a count from 1 "
		    "to 1000000");
	return go(s, (unsigned)n, false, err);
}

int
cmd_interrupt(struct session *s, int argc, char **argv, struct pt_err *err)
{
	struct target *t;
	struct run_stop st;

	(void)argv;
	if (argc != 1)
		return cmd_usage(cmd_find("interrupt"), err);
	if (!run_running(s))
		return pt_err_set(err, PT_EXIT_USAGE, "the guest is not "
		    "running");
	t = &s->tgt;
	if (t->ops->interrupt(t->ctx, err) < 0)
		return cmd_target_lost(s, err);
	if (run_poll(s, -1, &st, err) < 0)
		return cmd_target_lost(s, err);
	cmd_print_stop(s, &st);
	return PT_EXIT_OK;
}

int
cmd_break(struct session *s, int argc, char **argv, struct pt_err *err)
{
	enum target_point type = strcmp(argv[0], "hbreak") == 0 ?
	    TARGET_BREAK_HW : TARGET_BREAK_SW;
	bool temp = strcmp(argv[0], "tbreak") == 0;
	char sym[300];
	uint64_t addr;
	unsigned num;

	if (argc != 2)
		return cmd_usage(cmd_find(argv[0]), err);
	if (cmd_addr(s, argv[1], &addr, err) < 0 ||
	    run_add_break(s, type, addr, temp, argv[1], &num, err) < 0)
		return pt_err_wrap(err, "%s", argv[0]);
	fprintf(s->out, "%s %u at 0x%016" PRIx64 "%s\n", temp ?
	    "temporary breakpoint" : type == TARGET_BREAK_HW ?
	    "hardware breakpoint" : "breakpoint", num, addr,
	    fmt_sym(s->syms, addr, sym, sizeof sym));
	return PT_EXIT_OK;
}

int
cmd_delete(struct session *s, int argc, char **argv, struct pt_err *err)
{
	uint64_t n = 0;

	if (argc > 2)
		return cmd_usage(cmd_find("delete"), err);
	if (argc == 2 && (args_u64(argv[1], &n, err) < 0 || n == 0 ||
	    n > 0xffffffffu))
		return pt_err_set(err, PT_EXIT_USAGE, "delete: a point number");
	if (run_delete(s, (unsigned)n, err) < 0)
		return -1;
	return PT_EXIT_OK;
}

int
cmd_watch(struct session *s, int argc, char **argv, struct pt_err *err)
{
	enum target_point type = argv[0][0] == 'r' ? TARGET_WATCH_READ :
	    argv[0][0] == 'a' ? TARGET_WATCH_ACCESS : TARGET_WATCH_WRITE;
	uint64_t addr, len = 8;
	unsigned num;

	if (argc < 2 || argc > 3)
		return cmd_usage(cmd_find(argv[0]), err);
	if (cmd_addr(s, argv[1], &addr, err) < 0 ||
	    (argc == 3 && args_u64(argv[2], &len, err) < 0))
		return pt_err_wrap(err, "%s", argv[0]);
	if (len > 8)
		return pt_err_set(err, PT_EXIT_USAGE, "%s: a watchpoint covers "
		    "1, 2, 4 or 8 bytes", argv[0]);
	if (run_add_watch(s, type, addr, (unsigned)len, argv[1], &num,
	    err) < 0)
		return pt_err_wrap(err, "%s", argv[0]);
	fprintf(s->out, "watchpoint %u: %s of %u byte%s at 0x%016" PRIx64 "\n",
	    num, type == TARGET_WATCH_READ ? "reads" :
	    type == TARGET_WATCH_ACCESS ? "accesses" : "writes",
	    (unsigned)len, len == 1 ? "" : "s", addr);
	return PT_EXIT_OK;
}

int
cmd_watch_pte(struct session *s, int argc, char **argv, struct pt_err *err)
{
	const struct run_point *p;
	uint64_t va;
	unsigned num, i;

	if (argc != 2)
		return cmd_usage(cmd_find("watch-pte"), err);
	if (cmd_addr(s, argv[1], &va, err) < 0)
		return pt_err_wrap(err, "watch-pte");
	if (run_add_watch_pte(s, va, &num, err) < 0)
		return -1;
	p = run_find(&s->run, num);
	fprintf(s->out, "watchpoint %u: writes to the %s of 0x%" PRIx64 " at "
	    "physical 0x%" PRIx64 ", watched at", num,
	    x86pt_level_name(p->pte_level), va, p->pte_pa);
	for (i = 0; i < p->naddr; i++)
		fprintf(s->out, "%s 0x%" PRIx64, i ? "," : "", p->addr[i]);
	fprintf(s->out, "\n");
	return PT_EXIT_OK;
}

int
cmd_catch(struct session *s, int argc, char **argv, struct pt_err *err)
{
	struct run_catch_filter f = { 0 };
	const struct x86fault_vector *v;
	const struct run_point *p;
	struct args_range r;
	const char *word = NULL;
	char sym[300];
	unsigned vec, num;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--user") == 0) {
			f.user_only = true;
		} else if (strcmp(argv[i], "--cr2") == 0 && i + 1 < argc) {
			if (sym_eval_range(s->syms, argv[++i], &r, err) < 0)
				return pt_err_wrap(err, "catch --cr2");
			f.cr2 = true;
			f.cr2_lo = r.start;
			f.cr2_hi = r.last;
		} else if (argv[i][0] != '-' && word == NULL) {
			word = argv[i];
		} else {
			return cmd_usage(cmd_find("catch"), err);
		}
	}
	if (word == NULL)
		return cmd_usage(cmd_find("catch"), err);
	if (x86fault_vector_by_word(word, &vec) < 0)
		return pt_err_set(err, PT_EXIT_USAGE, "catch: '%s' is not an "
		    "exception (pagefault, gp, df, a mnemonic such as ud, or "
		    "a vector 0 to 31)", word);
	if (f.cr2 && vec != 14)
		return pt_err_set(err, PT_EXIT_USAGE, "catch: --cr2 is for page "
		    "faults");
	if (run_add_catch(s, vec, &f, &num, err) < 0)
		return -1;
	v = x86fault_vector(vec);
	p = run_find(&s->run, num);
	fprintf(s->out, "catchpoint %u: #%s %s (vector %u)%s", num,
	    v->mnemonic, v->name, vec, f.user_only ? " from ring 3" : "");
	if (f.cr2)
		fprintf(s->out, " with cr2 in 0x%" PRIx64 "-0x%" PRIx64, f.cr2_lo,
		    f.cr2_hi);
	fprintf(s->out, ", handler at 0x%016" PRIx64 "%s\n", p->addr[0],
	    fmt_sym(s->syms, p->addr[0], sym, sizeof sym));
	return PT_EXIT_OK;
}
