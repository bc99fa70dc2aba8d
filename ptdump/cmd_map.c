/*
 * cmd_map.c - `map`: the address space as a picture (fmt_map.h), SVG or
 * an HTML page whose ranges show their walk when clicked.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_impl.h"
#include "fmt_map.h"
#include "walk.h"

static int
no_note(void *cookie, const struct walk_note *n)
{
	(void)cookie;
	(void)n;
	return 0;
}

static void
print_walk(FILE *f, const struct walk_trace *t)
{
	fmt_text_walk(f, t);
}

/* The HTML page's walks: one of each range's first address. */
static int
add_walks(struct walk_ctx *w, struct fmt_map *m, struct pt_err *err)
{
	for (size_t i = 0; i < m->n; i++) {
		struct walk_trace t;
		size_t len = 0;
		FILE *f;

		if (walk_va(w, m->v[i].r.va, &t, err) < 0)
			return -1;
		if ((f = open_memstream(&m->v[i].walk, &len)) == NULL)
			return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
		print_walk(f, &t);
		if (fclose(f) != 0)
			return pt_err_set(err, PT_EXIT_TARGET, "out of memory");
	}
	return 0;
}

int
cmd_map(struct session *s, int argc, char **argv, struct pt_err *err)
{
	enum map_format format = MAP_SVG;
	const char *path = NULL;
	struct fmt_regs r;
	struct fmt_dump d;
	struct fmt_map m;
	struct walk_ctx w;
	FILE *out;
	int rc = -1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
			i++;
			if (strcmp(argv[i], "svg") == 0)
				format = MAP_SVG;
			else if (strcmp(argv[i], "html") == 0)
				format = MAP_HTML;
			else
				return pt_err_set(err, PT_EXIT_USAGE, "map "
				    "--format: svg or html");
		} else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
			path = argv[++i];
		} else {
			return cmd_usage(cmd_find("map"), err);
		}
	}
	if (cmd_prepare_walk(s, NULL, &r, &w, err) < 0)
		return -1;
	fmt_map_init(&m);
	fmt_dump_collect(&d, fmt_map_add, &m);
	w.note = no_note;
	if (walk_range(&w, 0, UINT64_MAX, fmt_dump_leaf, &d, err) < 0) {
		pt_err_wrap(err, "map");
		goto done;
	}
	fmt_dump_end(&d, &w.stats);
	if (m.oom) {
		pt_err_set(err, PT_EXIT_TARGET, "map: out of memory");
		goto done;
	}
	if (format == MAP_HTML && add_walks(&w, &m, err) < 0) {
		pt_err_wrap(err, "map");
		goto done;
	}
	out = s->out;
	if (path != NULL && (out = fopen(path, "w")) == NULL) {
		pt_err_set(err, PT_EXIT_USAGE, "map: %s: %s", path,
		    strerror(errno));
		goto done;
	}
	fmt_map_write(out, format, &m, &r, x86pt_root(w.pt.mode, w.cr3,
	    w.pt.maxphyaddr), &w.stats);
	rc = PT_EXIT_OK;
	if (out != s->out && (ferror(out) | fclose(out)) != 0)
		rc = pt_err_set(err, PT_EXIT_TARGET, "map: writing %s: %s",
		    path, strerror(errno));
done:
	fmt_map_free(&m);
	return rc;
}
