/*
 * cmd_snap.c - `snapshot save|load|list` and `diff`: address spaces kept
 * (snapshot.h) and compared (diff.h), with what the TLB may still hold.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cmd_impl.h"
#include "diff.h"
#include "fmt.h"
#include "walk.h"

/* The leaves and registers of the live guest, named `name`. */
static int
take(struct session *s, const char *name, struct snapshot *sn,
    struct pt_err *err)
{
	struct walk_ctx w;

	memset(sn, 0, sizeof *sn);
	if (session_walk_ctx(s, &w, err) < 0)
		return -1;
	snprintf(sn->name, sizeof sn->name, "%s", name);
	sn->cpu = session_cpu(s);
	sn->cr0 = w.pt.cr0;
	sn->cr3 = w.cr3;
	sn->cr4 = w.pt.cr4;
	sn->efer = w.pt.efer;
	sn->mode = w.pt.mode;
	if (walk_range(&w, 0, UINT64_MAX, snapshot_leaf, sn, err) < 0) {
		snapshot_free(sn);
		return pt_err_wrap(err, "snapshot");
	}
	if (w.stats.truncated) {
		snapshot_free(sn);
		return pt_err_set(err, PT_EXIT_TARGET, "snapshot: the walk "
		    "stopped at 0x%" PRIx64 " (%s): nothing kept of an address "
		    "space seen in part", w.stats.resume_va, walk_cut_why(&w.stats));
	}
	return 0;
}

static struct snapshot *
find(struct session *s, const char *name)
{
	unsigned i;

	for (i = 0; i < s->nsnaps; i++)
		if (strcmp(s->snaps[i].name, name) == 0)
			return &s->snaps[i];
	return NULL;
}

/* Keep sn under its name, replacing one of the same name. */
static int
keep(struct session *s, struct snapshot *sn, struct pt_err *err)
{
	struct snapshot *old = find(s, sn->name);

	if (old != NULL) {
		snapshot_free(old);
		*old = *sn;
		return 0;
	}
	if (s->nsnaps == SESSION_MAX_SNAPSHOTS) {
		snapshot_free(sn);
		return pt_err_set(err, PT_EXIT_USAGE, "snapshot: %d kept already",
		    SESSION_MAX_SNAPSHOTS);
	}
	s->snaps[s->nsnaps++] = *sn;
	return 0;
}

static bool
good_name(const char *n)
{
	size_t len = strspn(n, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");

	return len > 0 && len < 64 && n[len] == '\0';
}

int
cmd_snapshot(struct session *s, int argc, char **argv, struct pt_err *err)
{
	struct snapshot sn;
	FILE *f;
	unsigned i;

	if (argc >= 3 && argc <= 4 && strcmp(argv[1], "save") == 0) {
		if (!good_name(argv[2]))
			return pt_err_set(err, PT_EXIT_USAGE, "snapshot: a name is "
			    "letters, digits, '.', '_' and '-'");
		if (take(s, argv[2], &sn, err) < 0)
			return -1;
		if (argc == 4) {
			if ((f = fopen(argv[3], "w")) == NULL) {
				snapshot_free(&sn);
				return pt_err_set(err, PT_EXIT_USAGE, "cannot "
				    "write %s: %s", argv[3], strerror(errno));
			}
			if (snapshot_write(&sn, f, err) < 0) {
				fclose(f);
				snapshot_free(&sn);
				return -1;
			}
			fclose(f);
		}
		fprintf(s->out, "snapshot %s: %zu pages, cr3 0x%" PRIx64 "%s%s\n",
		    sn.name, sn.n, sn.cr3, argc == 4 ? ", written to " : "",
		    argc == 4 ? argv[3] : "");
		return keep(s, &sn, err) < 0 ? -1 : PT_EXIT_OK;
	}
	if (argc >= 3 && argc <= 4 && strcmp(argv[1], "load") == 0) {
		if (snapshot_read(&sn, argv[2], err) < 0)
			return -1;
		if (argc == 4) {
			if (!good_name(argv[3])) {
				snapshot_free(&sn);
				return pt_err_set(err, PT_EXIT_USAGE, "snapshot: "
				    "a name is letters, digits, '.', '_' and '-'");
			}
			snprintf(sn.name, sizeof sn.name, "%s", argv[3]);
		}
		fprintf(s->out, "snapshot %s: %zu pages, cr3 0x%" PRIx64 ", from "
		    "%s\n", sn.name, sn.n, sn.cr3, argv[2]);
		return keep(s, &sn, err) < 0 ? -1 : PT_EXIT_OK;
	}
	if (argc == 2 && strcmp(argv[1], "list") == 0) {
		for (i = 0; i < s->nsnaps; i++)
			fprintf(s->out, "%-16s cpu %d, cr3 0x%" PRIx64 ", %s, %zu "
			    "pages\n", s->snaps[i].name, s->snaps[i].cpu,
			    s->snaps[i].cr3, x86pt_mode_name(s->snaps[i].mode),
			    s->snaps[i].n);
		if (s->nsnaps == 0)
			fprintf(s->out, "no snapshots\n");
		return PT_EXIT_OK;
	}
	return cmd_usage(cmd_find("snapshot"), err);
}

struct diff_out {
	FILE *f;
	enum out_format format;
	long n;			/* lines printed */
	long pages;		/* pages that differ */
	bool have;		/* `cur` waits to be extended or printed */
	struct diff_rec cur;
	struct snap_leaf ca, cb;	/* cur's leaves, grown as it extends */
	uint64_t len;		/* bytes cur covers */
};

static const char *const kind_word[] = { "added", "removed", "changed" };

/* One leaf, or a leaf that continues the other by `d` in VA and PA. */
static bool
continues(const struct snap_leaf *x, const struct snap_leaf *y, uint64_t d)
{
	return y->va == x->va + d && y->pa == x->pa + d &&
	    y->size == x->size && y->w == x->w && y->u == x->u &&
	    y->x == x->x && y->memtype == x->memtype &&
	    y->accessed == x->accessed &&
	    (y->raw & 0xfff) == (x->raw & 0xfff);
}

/* Does r carry on the run in o->cur, as dump would coalesce it? */
static bool
extends(const struct diff_out *o, const struct diff_rec *r)
{
	if (!o->have || r->kind != o->cur.kind ||
	    strcmp(r->hazard, o->cur.hazard) != 0)
		return false;
	if ((r->a != NULL && !continues(&o->ca, r->a, o->len)) ||
	    (r->b != NULL && !continues(&o->cb, r->b, o->len)))
		return false;
	/* A change extends only the same kind of change. */
	return r->kind != DIFF_CHANGED ||
	    (r->a->pa - o->ca.pa == r->b->pa - o->cb.pa &&
	    strchr(r->what, ';') == strchr(o->cur.what, ';'));
}

static void
print_cur(struct diff_out *o)
{
	const struct diff_rec *r = &o->cur;
	const struct snap_leaf *l = r->a != NULL ? &o->ca : &o->cb;
	char size[16];

	if (!o->have)
		return;
	fmt_size(size, sizeof size, o->len);
	if (o->format == OUT_JSON) {
		fprintf(o->f, "%s\n{\"kind\":\"%s\",\"va\":\"0x%" PRIx64 "\","
		    "\"size\":%" PRIu64 ",\"page_size\":%" PRIu64, o->n ? "," :
		    "", kind_word[r->kind], l->va, o->len, l->size);
		if (r->a != NULL)
			fprintf(o->f, ",\"from\":\"0x%" PRIx64 "\"", o->ca.pa);
		if (r->b != NULL)
			fprintf(o->f, ",\"to\":\"0x%" PRIx64 "\"", o->cb.pa);
		if (r->what[0] != '\0') {
			fprintf(o->f, ",\"what\":");
			fmt_json_str(o->f, r->what);
		}
		if (r->hazard[0] != '\0') {
			fprintf(o->f, ",\"hazard\":");
			fmt_json_str(o->f, r->hazard);
		}
		fputc('}', o->f);
	} else {
		fprintf(o->f, "%c 0x%016" PRIx64 " %4s ", r->kind == DIFF_ADDED ?
		    '+' : r->kind == DIFF_REMOVED ? '-' : '~', l->va, size);
		if (r->kind == DIFF_CHANGED)
			fprintf(o->f, "%s", r->what);
		else
			fprintf(o->f, "pa 0x%" PRIx64 " r%c%c %s %s", l->pa,
			    l->w ? 'w' : '-', l->x ? 'x' : '-', l->u ? "user" :
			    "super", x86pt_memtype_name(l->memtype));
		if (r->hazard[0] != '\0')
			fprintf(o->f, ": %s", r->hazard);
		fputc('\n', o->f);
	}
	o->n++;
	o->have = false;
}

/* Coalesce runs of pages that differ alike, as dump coalesces ranges;
 * a changed line names the first page's frames. */
static int
print_rec(void *cookie, const struct diff_rec *r)
{
	struct diff_out *o = cookie;
	const struct snap_leaf *l = r->a != NULL ? r->a : r->b;

	o->pages++;
	if (extends(o, r)) {
		o->len += l->size;
		return 0;
	}
	print_cur(o);
	o->cur = *r;
	if (r->a != NULL)
		o->ca = *r->a;
	if (r->b != NULL)
		o->cb = *r->b;
	o->len = l->size;
	o->have = true;
	return 0;
}

int
cmd_diff(struct session *s, int argc, char **argv, struct pt_err *err)
{
	struct diff_out o = { .f = s->out, .format = s->opt.format };
	struct snapshot *a, *b, live;
	bool have_live = false;
	int i, npos = 0;
	char *pos[2];

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc &&
		    (strcmp(argv[i + 1], "json") == 0 ||
		    strcmp(argv[i + 1], "text") == 0)) {
			o.format = argv[++i][0] == 'j' ? OUT_JSON : OUT_TEXT;
		} else if (npos < 2 && argv[i][0] != '-') {
			pos[npos++] = argv[i];
		} else {
			return cmd_usage(cmd_find("diff"), err);
		}
	}
	if (npos == 0)
		return cmd_usage(cmd_find("diff"), err);
	if ((a = find(s, pos[0])) == NULL)
		return pt_err_set(err, PT_EXIT_USAGE, "diff: no snapshot '%s' "
		    "('snapshot list')", pos[0]);
	if (npos == 2) {
		if ((b = find(s, pos[1])) == NULL)
			return pt_err_set(err, PT_EXIT_USAGE, "diff: no snapshot "
			    "'%s' ('snapshot list')", pos[1]);
	} else {
		if (take(s, "now", &live, err) < 0)
			return -1;
		b = &live;
		have_live = true;
	}
	if (o.format == OUT_JSON)
		fprintf(s->out, "{\"from\":\"%s\",\"to\":\"%s\",\"changes\":[",
		    a->name, b->name);
	else
		fprintf(s->out, "# diff %s (cr3 0x%" PRIx64 ") -> %s (cr3 0x%"
		    PRIx64 ")\n", a->name, a->cr3, b->name, b->cr3);
	diff_run(a, b, print_rec, &o);
	print_cur(&o);
	if (o.format == OUT_JSON)
		fprintf(s->out, "],\"pages\":%ld}\n", o.pages);
	else
		fprintf(s->out, "# %ld page%s differ%s\n", o.pages,
		    o.pages == 1 ? "" : "s", o.pages == 1 ? "s" : "");
	if (have_live)
		snapshot_free(&live);
	return o.pages > 0 ? PT_EXIT_FINDINGS : PT_EXIT_OK;
}
