/* cmd_pt.c - the paging commands: regs, dump, walk, decode, monitor. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cmd_impl.h"
#include "filter.h"
#include "fmt.h"
#include "fmt_summary.h"
#include "sig.h"
#include "symbols.h"
#include "walk.h"
#include "x86pt.h"

/* What a command's own options said. */
struct cmd_opts {
	enum out_format format;
	bool pages;
	bool syms;		/* dump --symbols */
	bool summary;		/* dump --summary */
	bool have_filter;
	struct filter filter;	/* dump --filter */
	bool have_cr3;
	uint64_t cr3;
	bool have_level;
	uint64_t level;
	const char *mode;	/* decode --mode */
	int npos;
	char *pos[4];		/* the words that are not options */
};

/* Which options a command takes. */
enum {
	OPT_FORMAT = 1 << 0,
	OPT_PAGES = 1 << 1,
	OPT_CR3 = 1 << 2,
	OPT_LEVEL = 1 << 3,
	OPT_SYMS = 1 << 4,
	OPT_FILTER = 1 << 5,	/* --filter EXPR and --summary */
	OPT_MODE = 1 << 6,
};

/*
 * Split argv[1..] into options (--name VALUE or --name=VALUE) allowed by
 * `allowed` and at most `maxpos` positional words.
 */
static int
parse_opts(struct session *s, int argc, char **argv, unsigned allowed,
    int maxpos, struct cmd_opts *o, struct pt_err *err)
{
	int i;

	memset(o, 0, sizeof *o);
	o->format = s->opt.format;
	for (i = 1; i < argc; i++) {
		char *a = argv[i], *val = NULL, *eq;
		size_t n;

		if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
			if (o->npos == maxpos || o->npos == 4)
				return pt_err_set(err, PT_EXIT_USAGE,
				    "%s: unexpected argument '%s'", argv[0], a);
			o->pos[o->npos++] = a;
			continue;
		}
		eq = strchr(a, '=');
		n = eq ? (size_t)(eq - a) : strlen(a);
#define IS(name) (n == strlen(name) && strncmp(a, name, n) == 0)
		if (IS("--pages") && (allowed & OPT_PAGES) && eq == NULL) {
			o->pages = true;
			continue;
		}
		if (IS("--symbols") && (allowed & OPT_SYMS) && eq == NULL) {
			o->syms = true;
			continue;
		}
		if (IS("--summary") && (allowed & OPT_FILTER) && eq == NULL) {
			o->summary = true;
			continue;
		}
		if (!(IS("--format") && (allowed & OPT_FORMAT)) &&
		    !(IS("--filter") && (allowed & OPT_FILTER)) &&
		    !(IS("--cr3") && (allowed & OPT_CR3)) &&
		    !(IS("--level") && (allowed & OPT_LEVEL)) &&
		    !(IS("--mode") && (allowed & OPT_MODE)))
			return pt_err_set(err, PT_EXIT_USAGE,
			    "%s: unknown option '%s'", argv[0], a);
		if (eq != NULL)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else
			return pt_err_set(err, PT_EXIT_USAGE,
			    "%s: %.*s needs a value", argv[0], (int)n, a);
		if (IS("--format")) {
			if (strcmp(val, "text") == 0)
				o->format = OUT_TEXT;
			else if (strcmp(val, "json") == 0)
				o->format = OUT_JSON;
			else
				return pt_err_set(err, PT_EXIT_USAGE,
				    "%s: --format takes text or json", argv[0]);
		} else if (IS("--filter")) {
			if (filter_parse(val, &o->filter, err) < 0)
				return pt_err_wrap(err, "%s", argv[0]);
			o->have_filter = true;
		} else if (IS("--cr3")) {
			if (args_u64(val, &o->cr3, err) < 0)
				return pt_err_wrap(err, "%s --cr3", argv[0]);
			o->have_cr3 = true;
		} else if (IS("--mode")) {
			o->mode = val;
		} else {
			if (args_u64(val, &o->level, err) < 0)
				return pt_err_wrap(err, "%s --level", argv[0]);
			o->have_level = true;
		}
#undef IS
	}
	return 0;
}

/* Read the registers that decide paging, and whose they are. */
static int
read_regs(struct session *s, struct target *t, struct fmt_regs *r,
    struct pt_err *err)
{
	r->cpu = session_cpu(s);
	if (t->ops->read_reg(t->ctx, "cr0", &r->cr0, err) < 0 ||
	    t->ops->read_reg(t->ctx, "cr2", &r->cr2, err) < 0 ||
	    t->ops->read_reg(t->ctx, "cr3", &r->cr3, err) < 0 ||
	    t->ops->read_reg(t->ctx, "cr4", &r->cr4, err) < 0 ||
	    t->ops->read_reg(t->ctx, "efer", &r->efer, err) < 0)
		return -1;
	r->mode = x86pt_mode(r->cr0, r->cr4, r->efer);
	return 0;
}

/* The decoder context of `decode`: no guest, the session's settings. */
static void
pt_ctx(const struct session *s, struct x86pt_ctx *c)
{
	x86pt_ctx_init_default(c);
	x86pt_ctx_set_maxphyaddr(c, s->opt.maxphyaddr);
	x86pt_ctx_set_pat(c, s->opt.pat);
}

int
cmd_prepare_walk(struct session *s, const uint64_t *cr3, struct fmt_regs *r,
    struct walk_ctx *w, struct pt_err *err)
{
	struct target *t = session_target(s, err);
	struct x86pt_ctx c;

	/* Refuse before any output, rather than print half a dump. */
	if (t == NULL || read_regs(s, t, r, err) < 0 ||
	    walk_check_mode(r->mode, err) < 0)
		return -1;
	x86pt_ctx_init(&c, r->cr0, r->cr4, r->efer);
	walk_ctx_init(w, t, s->cache, &c, cr3 != NULL ? *cr3 : r->cr3);
	session_walk_settings(s, w);
	return 0;
}

/* Connect, read registers, and set up a walk of the chosen root. */
static int
prepare_walk(struct session *s, const struct cmd_opts *o, struct fmt_regs *r,
    struct walk_ctx *w, struct pt_err *err)
{
	return cmd_prepare_walk(s, o->have_cr3 ? &o->cr3 : NULL, r, w, err);
}

int
cmd_regs(struct session *s, int argc, char **argv, struct pt_err *err)
{
	struct cmd_opts o;
	struct fmt_regs r;
	struct target *t;

	if (parse_opts(s, argc, argv, OPT_FORMAT, 0, &o, err) < 0)
		return -1;
	t = session_target(s, err);
	if (t == NULL || read_regs(s, t, &r, err) < 0)
		return -1;
	fmt_sink(o.format)->regs(s->out, &r);
	return PT_EXIT_OK;
}

/* A leaf and note sink behind dump --filter. */
struct filtered {
	const struct filter *f;
	walk_leaf_fn leaf;
	walk_note_fn note;
	void *cookie;
};

static int
filtered_leaf(void *cookie, const struct walk_leaf *l)
{
	struct filtered *x = cookie;

	return filter_match(x->f, l) ? x->leaf(x->cookie, l) : 0;
}

static int
filtered_note(void *cookie, const struct walk_note *n)
{
	struct filtered *x = cookie;

	return x->note(x->cookie, n);
}

/* dump --summary: totals after the usual first line. */
static int
dump_summary(struct session *s, const struct cmd_opts *o,
    const struct fmt_regs *r, struct walk_ctx *w,
    const struct args_range *range, struct pt_err *err)
{
	struct fmt_summary sum;
	struct filtered x = { &o->filter, fmt_summary_leaf, fmt_summary_note,
	    &sum };
	uint64_t root = x86pt_root(w->pt.mode, w->cr3, w->pt.maxphyaddr);

	fmt_summary_init(&sum);
	w->tables = true;
	w->note = o->have_filter ? filtered_note : fmt_summary_note;
	if (walk_range(w, range->start, range->last, o->have_filter ?
	    filtered_leaf : fmt_summary_leaf, o->have_filter ? (void *)&x :
	    (void *)&sum, err) < 0) {
		walk_pages_free(&sum.tables);
		return -1;
	}
	if (w->stats.truncated) {
		walk_pages_free(&sum.tables);
		return pt_err_set(err, PT_EXIT_TARGET, "dump --summary: the walk "
		    "stopped at 0x%" PRIx64 " (%s): no totals for part of an "
		    "address space", w->stats.resume_va, walk_cut_why(&w->stats));
	}
	fmt_summary_print(s->out, o->format, &sum, r, root);
	return PT_EXIT_OK;
}

int
cmd_dump(struct session *s, int argc, char **argv, struct pt_err *err)
{
	struct args_range range = { 0, UINT64_MAX };
	struct cmd_opts o;
	struct fmt_regs r;
	struct fmt_dump d;
	struct walk_ctx w;
	struct filtered x;

	if (parse_opts(s, argc, argv, OPT_FORMAT | OPT_PAGES | OPT_CR3 |
	    OPT_SYMS | OPT_FILTER, 1, &o, err) < 0)
		return -1;
	if (o.syms && s->syms == NULL)
		return pt_err_set(err, PT_EXIT_USAGE, "dump --symbols: no symbols "
		    "loaded ('symbols FILE' or --symbols FILE)");
	if (o.npos == 1 && sym_eval_range(s->syms, o.pos[0], &range, err) < 0)
		return -1;
	if (prepare_walk(s, &o, &r, &w, err) < 0)
		return -1;
	if (o.summary)
		return dump_summary(s, &o, &r, &w, &range, err);
	w.note = o.have_filter ? filtered_note : fmt_dump_note;
	fmt_dump_begin(&d, s->out, o.format, o.pages, s->opt.color, &r,
	    x86pt_root(w.pt.mode, w.cr3, w.pt.maxphyaddr));
	if (o.syms)
		d.syms = s->syms;
	x = (struct filtered){ &o.filter, fmt_dump_leaf, fmt_dump_note, &d };
	if (walk_range(&w, range.start, range.last, o.have_filter ?
	    filtered_leaf : fmt_dump_leaf, o.have_filter ? (void *)&x :
	    (void *)&d, err) < 0) {
		/* Close what was printed so the output stays well formed. */
		return fmt_dump_fail(&d, &w.stats, err);
	}
	/* A failed write is reported once, for every command, by
	 * cmd_exec_argv (a reader that went away is no error). */
	fmt_dump_end(&d, &w.stats);
	s->out_errno = d.io_errno;
	return PT_EXIT_OK;
}

/* ptov: leaves that hold [pa, pa + len) go on to the dump sink. */
struct ptov {
	uint64_t pa, last;	/* inclusive */
	struct fmt_dump *d;
	uint64_t found;
};

static int
ptov_leaf(void *cookie, const struct walk_leaf *l)
{
	struct ptov *p = cookie;

	if (l->pa > p->last || l->pa + (l->page_size - 1) < p->pa)
		return 0;
	p->found++;
	return fmt_dump_leaf(p->d, l);
}

static int
ptov_note(void *cookie, const struct walk_note *n)
{
	(void)cookie;
	(void)n;
	return 0;	/* the notes belong to dump */
}

int
cmd_ptov(struct session *s, int argc, char **argv, struct pt_err *err)
{
	struct cmd_opts o;
	struct fmt_regs r;
	struct fmt_dump d;
	struct walk_ctx w;
	struct ptov p;
	uint64_t len = 1;

	if (parse_opts(s, argc, argv, OPT_FORMAT | OPT_CR3, 2, &o, err) < 0)
		return -1;
	if (o.npos < 1)
		return cmd_usage(cmd_find("ptov"), err);
	memset(&p, 0, sizeof p);
	if (args_u64(o.pos[0], &p.pa, err) < 0 ||
	    (o.npos == 2 && args_u64(o.pos[1], &len, err) < 0))
		return pt_err_wrap(err, "ptov");
	if (len == 0 || p.pa + (len - 1) < p.pa)
		return pt_err_set(err, PT_EXIT_USAGE, "ptov: LEN must be 1 or "
		    "more, within 64 bits");
	p.last = p.pa + (len - 1);
	if (prepare_walk(s, &o, &r, &w, err) < 0)
		return -1;
	w.note = ptov_note;
	fmt_dump_begin(&d, s->out, o.format, true, s->opt.color, &r,
	    x86pt_root(w.pt.mode, w.cr3, w.pt.maxphyaddr));
	p.d = &d;
	if (walk_range(&w, 0, UINT64_MAX, ptov_leaf, &p, err) < 0)
		return fmt_dump_fail(&d, &w.stats, err);
	fmt_dump_end(&d, &w.stats);
	s->out_errno = d.io_errno;
	/* Nothing maps it: a finding, as grep finding nothing is. */
	return p.found > 0 ? PT_EXIT_OK : PT_EXIT_FINDINGS;
}

int
cmd_walk(struct session *s, int argc, char **argv, struct pt_err *err)
{
	struct walk_trace tr;
	struct cmd_opts o;
	struct fmt_regs r;
	struct walk_ctx w;
	uint64_t va;

	if (parse_opts(s, argc, argv, OPT_FORMAT | OPT_CR3, 1, &o, err) < 0)
		return -1;
	if (o.npos != 1)
		return cmd_usage(cmd_find("walk"), err);
	if (cmd_addr(s, o.pos[0], &va, err) < 0)
		return pt_err_wrap(err, "walk");
	if (prepare_walk(s, &o, &r, &w, err) < 0 ||
	    walk_va(&w, va, &tr, err) < 0)
		return -1;
	fmt_sink(o.format)->walk(s->out, &tr);
	/* Like grep finding nothing: not mapped is a finding, not an error. */
	return tr.stop == WALK_OK ? PT_EXIT_OK : PT_EXIT_FINDINGS;
}

/* decode --mode: the context of 32-bit, PAE, 4-level or 5-level paging. */
static int
decode_mode(struct x86pt_ctx *c, const char *mode, unsigned level,
    struct pt_err *err)
{
	uint64_t cr0 = X86PT_CR0_PG | X86PT_CR0_WP;
	uint64_t lm = X86PT_EFER_LME | X86PT_EFER_LMA | X86PT_EFER_NXE;
	unsigned bits = c->maxphyaddr;
	uint64_t pat = c->pat;

	if (strcmp(mode, "32-bit") == 0)
		x86pt_ctx_init(c, cr0, X86PT_CR4_PSE, 0);
	else if (strcmp(mode, "pae") == 0 || strcmp(mode, "PAE") == 0)
		x86pt_ctx_init(c, cr0, X86PT_CR4_PAE, X86PT_EFER_NXE);
	else if (strcmp(mode, "4-level") == 0)
		x86pt_ctx_init(c, cr0, X86PT_CR4_PAE, lm);
	else if (strcmp(mode, "5-level") == 0)
		x86pt_ctx_init(c, cr0, X86PT_CR4_PAE | X86PT_CR4_LA57, lm);
	else
		return pt_err_set(err, PT_EXIT_USAGE, "decode: --mode takes "
		    "32-bit, pae, 4-level or 5-level");
	x86pt_ctx_set_maxphyaddr(c, bits);
	x86pt_ctx_set_pat(c, pat);
	if (level > x86pt_mode_levels(c->mode))
		return pt_err_set(err, PT_EXIT_USAGE, "decode: %s paging has "
		    "%u levels", x86pt_mode_name(c->mode),
		    x86pt_mode_levels(c->mode));
	return 0;
}

int
cmd_decode(struct session *s, int argc, char **argv, struct pt_err *err)
{
	struct x86pt_entry e;
	struct x86pt_ctx c;
	struct cmd_opts o;
	uint64_t raw;

	if (parse_opts(s, argc, argv, OPT_FORMAT | OPT_LEVEL | OPT_MODE, 1, &o,
	    err) < 0)
		return -1;
	if (o.npos != 1 || !o.have_level)
		return cmd_usage(cmd_find("decode"), err);
	if (o.level < X86PT_L1 || o.level > X86PT_L5)
		return pt_err_set(err, PT_EXIT_USAGE,
		    "decode: --level takes 1 (PTE), 2 (PDE), 3 (PDPTE), "
		    "4 (PML4E) or 5 (PML5E)");
	if (args_u64(o.pos[0], &raw, err) < 0)
		return pt_err_wrap(err, "decode");
	/* Offline: long mode with NXE and WP, as a 64-bit kernel runs (a
	 * PML5E decodes like a PML4E), unless --mode says 32-bit paging
	 * (with CR4.PSE) or PAE (with NXE). */
	pt_ctx(s, &c);
	if (o.mode != NULL && decode_mode(&c, o.mode, (unsigned)o.level,
	    err) < 0)
		return -1;
	e = x86pt_decode(&c, (enum x86pt_level)o.level, raw);
	fmt_sink(o.format)->entry(s->out, &c, &e);
	return PT_EXIT_OK;
}

int
cmd_monitor(struct session *s, int argc, char **argv, struct pt_err *err)
{
	char line[1024], *out = NULL;
	struct target *t;
	size_t n = 0;
	int i;

	if (argc < 2)
		return cmd_usage(cmd_find("monitor"), err);
	line[0] = '\0';
	for (i = 1; i < argc; i++) {
		size_t len = strlen(argv[i]);

		if (n + len + 2 > sizeof line)
			return pt_err_set(err, PT_EXIT_USAGE,
			    "monitor: command too long");
		if (i > 1)
			line[n++] = ' ';
		memcpy(line + n, argv[i], len + 1);
		n += len;
	}
	t = session_target(s, err);
	if (t == NULL || t->ops->monitor(t->ctx, line, &out, err) < 0)
		return -1;
	/* It may have changed anything: registers, memory, the run state,
	 * even the RAM (hotplug). */
	s->ram_known = false;
	if (t->ops->settle != NULL && t->ops->settle(t->ctx, err) < 0) {
		free(out);
		return pt_err_wrap(err, "monitor %s", line);
	}
	/* The monitor ends lines with CR LF; print them the Unix way. */
	for (char *p = out; *p != '\0'; p++)
		if (!(p[0] == '\r' && p[1] == '\n'))
			fputc(*p, s->out);
	free(out);
	return PT_EXIT_OK;
}
