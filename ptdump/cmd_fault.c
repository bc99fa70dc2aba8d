/*
 * cmd_fault.c - `fault`: the exception a catchpoint caught, or an access
 * that has not happened, explained from the live tables.
 */
#include <inttypes.h>
#include <string.h>

#include "args.h"
#include "cmd_impl.h"
#include "fmt_run.h"
#include "walk.h"
#include "x86fault.h"

/* Walk `a->va` and judge the access; fills the walk and verdict of ff. */
static int
judge(struct session *s, const struct x86fault_access *a,
    struct fmt_fault *ff, struct pt_err *err)
{
	struct walk_ctx w;

	if (session_walk_ctx(s, &w, err) < 0 ||
	    walk_va(&w, a->va, &ff->walk, err) < 0)
		return -1;
	ff->has_walk = true;
	ff->access = *a;
	if (x86fault_explain(&w.pt, &ff->walk, a, &ff->verdict) < 0)
		return pt_err_set(err, PT_EXIT_TARGET, "fault: %s",
		    ff->verdict.why);
	ff->has_verdict = true;
	return 0;
}

/* The access has not happened: "... faulted: why" becomes "... would
 * fault: why". */
static void
tense(char *why, size_t size)
{
	static const char past[] = " faulted: ", future[] = " would fault: ";
	char *p = strstr(why, past);
	size_t tail;

	if (p == NULL)
		return;
	tail = strlen(p + sizeof past - 1);
	if ((size_t)(p - why) + sizeof future + tail > size)
		return;
	memmove(p + sizeof future - 1, p + sizeof past - 1, tail + 1);
	memcpy(p, future, sizeof future - 1);
}

/* fault VA --access read|write|exec [--user] */
static int
hypothetical(struct session *s, int argc, char **argv, struct fmt_fault *ff,
    struct pt_err *err)
{
	struct x86fault_access a = { .kind = X86FAULT_READ };
	struct target *t;
	uint64_t rflags;
	bool have_kind = false, have_va = false;
	int i;

	for (i = 1; i < argc; i++) {
		const char *k = NULL;

		if (strcmp(argv[i], "--user") == 0) {
			a.user = true;
		} else if (strncmp(argv[i], "--access=", 9) == 0) {
			k = argv[i] + 9;
		} else if (strcmp(argv[i], "--access") == 0 && i + 1 < argc) {
			k = argv[++i];
		} else if (argv[i][0] != '-' && !have_va) {
			if (cmd_addr(s, argv[i], &a.va, err) < 0)
				return pt_err_wrap(err, "fault");
			have_va = true;
		} else {
			return cmd_usage(cmd_find("fault"), err);
		}
		if (k == NULL)
			continue;
		if (strcmp(k, "read") == 0)
			a.kind = X86FAULT_READ;
		else if (strcmp(k, "write") == 0)
			a.kind = X86FAULT_WRITE;
		else if (strcmp(k, "exec") == 0)
			a.kind = X86FAULT_EXEC;
		else
			return pt_err_set(err, PT_EXIT_USAGE, "fault: --access "
			    "takes read, write or exec");
		have_kind = true;
	}
	if (!have_va || !have_kind)
		return cmd_usage(cmd_find("fault"), err);
	/* SMAP looks at the AC flag of the access: take the current one. */
	if ((t = session_target(s, err)) == NULL)
		return -1;
	if (t->ops->read_reg(t->ctx, "eflags", &rflags, err) == 0) {
		a.ac = (rflags & X86FAULT_RFLAGS_AC) != 0;
		a.ac_known = true;
	}
	if (judge(s, &a, ff, err) < 0)
		return -1;
	tense(ff->verdict.why, sizeof ff->verdict.why);
	return 0;
}


/*
 * The CPU saw a reserved bit that the walk, with the session's
 * MAXPHYADDR, does not: the gdbstub cannot tell the CPU's physical
 * width (CPUID), so name the address bit that would explain it.
 */
static void
width_hint(const struct session *s, const struct walk_trace *t, char *note,
    size_t size)
{
	unsigned i, top = 0, level = 0, b;

	for (i = 0; i < t->nsteps; i++) {
		uint64_t a = t->step[i].e.raw & 0x000ffffffffff000ull;

		for (b = 51; b >= 32 && a != 0; b--)
			if (a >> b & 1) {
				if (b > top) {
					top = b;
					level = t->step[i].level;
				}
				break;
			}
	}
	if (top == 0 || top >= s->opt.maxphyaddr)
		return;
	snprintf(note, size, "the error code reports a reserved bit, but none "
	    "is set with MAXPHYADDR %u.  Address bit %u of the level-%u entry "
	    "is reserved if the CPU's physical width is %u or less (the "
	    "gdbstub does not tell it: 'set maxphyaddr N'; QEMU's -cpu max "
	    "has 40)", s->opt.maxphyaddr, top, level, top);
}

/* The exception the last stop caught. */
static int
caught(struct session *s, struct fmt_fault *ff, struct pt_err *err)
{
	const struct run_stop *st = &s->run.last;
	struct x86fault_access a;
	struct target *t;

	if ((t = session_target(s, err)) == NULL)
		return -1;
	if (!s->run.have_stop || st->reason != RUN_STOP_CATCH ||
	    st->gen != t->stop_gen)
		return pt_err_set(err, PT_EXIT_USAGE, "fault: the guest is not "
		    "stopped at a caught exception ('catch pagefault', then "
		    "'continue'); 'fault VA --access read|write|exec' explains "
		    "an access that has not happened");
	ff->caught = true;
	ff->vector = st->vector;
	ff->cpu = st->cpu;
	ff->has_errcode = st->frame.has_errcode;
	ff->errcode = st->frame.errcode;
	ff->has_rip = true;
	ff->rip = st->frame.rip;
	switch (st->vector) {
	case 14:
		ff->has_cr2 = true;
		ff->cr2 = st->cr2;
		x86fault_access_from_errcode(st->frame.errcode, st->cr2,
		    st->frame.rflags, &a);
		if (judge(s, &a, ff, err) < 0)
			return -1;
		if (!x86fault_compare(&ff->verdict, st->frame.errcode,
		    ff->note, sizeof ff->note))
			ff->note[0] = '\0';	/* they agree: nothing to add */
		else if (st->frame.errcode & X86FAULT_PF_RSVD)
			width_hint(s, &ff->walk, ff->note, sizeof ff->note);
		break;
	case 8:
		/* A fault while delivering another; a #PF that could not
		 * push its frame (a stack overflow) leaves its CR2. */
		ff->has_cr2 = true;
		ff->cr2 = st->cr2;
		a = (struct x86fault_access){ .va = st->cr2,
		    .kind = X86FAULT_WRITE };
		if (judge(s, &a, ff, err) < 0)
			return -1;
		ff->has_verdict = false;
		tense(ff->verdict.why, sizeof ff->verdict.why);
		snprintf(ff->note, sizeof ff->note, "a double fault is an "
		    "exception raised while the CPU delivered another.  If a "
		    "page fault led to it, CR2 is its address, and a %s",
		    ff->verdict.why);
		break;
	case 13:
		snprintf(ff->note, sizeof ff->note, "#GP does not say which "
		    "address it was about; a non-canonical address (bits 63 "
		    "down to the top of the virtual width not all equal) "
		    "raises #GP, not #PF: 'walk' the address the instruction "
		    "at rip used");
		break;
	default:
		break;
	}
	return 0;
}

int
cmd_fault(struct session *s, int argc, char **argv, struct pt_err *err)
{
	struct fmt_fault ff;

	memset(&ff, 0, sizeof ff);
	ff.vector = 14;
	ff.cpu = -1;
	if ((argc > 1 ? hypothetical(s, argc, argv, &ff, err) :
	    caught(s, &ff, err)) < 0)
		return -1;
	fmt_run_sink(s->opt.format)->fault(s->out, &ff, s->syms);
	/* An access that would fault is a finding, as walk's no-match is. */
	return !ff.caught && ff.verdict.faults ? PT_EXIT_FINDINGS : PT_EXIT_OK;
}
