/* fmt_map.c - a picture of an address space: see fmt_map.h. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt_map.h"

/* Geometry, in pixels. */
#define MAP_WIDTH 1200
#define MAP_MARGIN 12
#define MAP_ROW 46		/* a row: its address label and its bar */
#define MAP_LABEL 12		/* the label's height above the bar */
#define MAP_BAR 26
#define MAP_HOLE 14		/* a hole, whatever its size */
#define MAP_TOP 40		/* the title */
#define MAP_LEGEND 70

void
fmt_map_init(struct fmt_map *m)
{
	memset(m, 0, sizeof *m);
}

/* f's text as a string without its last newline; NULL if out of memory. */
static char *
text_of(void (*print)(FILE *, const void *), const void *what)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	print(f, what);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	if (len > 0 && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	return buf;
}

static void
print_range(FILE *f, const void *r)
{
	fmt_text_range(f, r, false);
}

void
fmt_map_add(void *ctx, const struct fmt_range *r)
{
	struct fmt_map *m = ctx;
	struct map_range *v;

	if (m->oom)
		return;
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 256;

		if ((v = realloc(m->v, cap * sizeof *v)) == NULL) {
			m->oom = true;
			return;
		}
		m->v = v;
		m->cap = cap;
	}
	v = &m->v[m->n];
	memset(v, 0, sizeof *v);
	v->r = *r;
	if ((v->line = text_of(print_range, r)) == NULL) {
		m->oom = true;
		return;
	}
	m->n++;
}

void
fmt_map_free(struct fmt_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].line);
		free(m->v[i].walk);
	}
	free(m->v);
	memset(m, 0, sizeof *m);
}

/* s with XML's special characters escaped, newlines as character refs. */
static void
xml(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\n': fputs("&#10;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* A box of the picture: range i, or a hole between ranges. */
struct item {
	bool hole;
	size_t i;
	uint64_t va, last;	/* a hole's addresses */
	int x, y, w;
};

static unsigned
log2u(uint64_t v)
{
	unsigned n = 0;

	while (v >>= 1)
		n++;
	return n;
}

/* A range's width: 6 px for 4 KiB, 4 px more each time it doubles. */
static int
width_of(const struct fmt_range *r)
{
	uint64_t pages = ((r->last - r->va) >> 12) + 1;

	return 6 + 4 * (int)log2u(pages);
}

static const char *
rights_class(const struct fmt_range *r)
{
	if (r->eff.write && r->eff.exec)
		return "wx";
	if (r->eff.exec)
		return "rx";
	return r->eff.write ? "rw" : "r";
}

/* Lay the boxes out in rows; their count in *n, the rows in *rows. */
static struct item *
layout(const struct fmt_map *m, size_t *n, int *rows)
{
	struct item *it = calloc(2 * m->n + 1, sizeof *it);
	int x = MAP_MARGIN, y = MAP_TOP;
	uint64_t next = 0;
	bool past_top = false;
	size_t k = 0;

	if (it == NULL)
		return NULL;
	for (size_t i = 0; i < m->n; i++) {
		const struct fmt_range *r = &m->v[i].r;

		if (!past_top && r->va > next)
			it[k++] = (struct item){ .hole = true, .va = next,
			    .last = r->va - 1, .w = MAP_HOLE };
		it[k++] = (struct item){ .i = i, .w = width_of(r) };
		past_top = r->last == UINT64_MAX;
		next = r->last + 1;
	}
	if (!past_top)
		it[k++] = (struct item){ .hole = true, .va = next,
		    .last = UINT64_MAX, .w = MAP_HOLE };
	for (size_t j = 0; j < k; j++) {
		if (x + it[j].w > MAP_WIDTH - MAP_MARGIN && x > MAP_MARGIN) {
			x = MAP_MARGIN;
			y += MAP_ROW;
		}
		it[j].x = x;
		it[j].y = y;
		x += it[j].w + 1;
	}
	*n = k;
	*rows = k == 0 ? 0 : (y - MAP_TOP) / MAP_ROW + 1;
	return it;
}

static void
style(FILE *f)
{
	fprintf(f, "<style>\n"
	    "text { font: 11px monospace; fill: #222; }\n"
	    ".title { font-size: 14px; }\n"
	    ".wx { fill: " FMT_MAP_WX "; } .rx { fill: " FMT_MAP_RX "; }\n"
	    ".rw { fill: " FMT_MAP_RW "; } .r { fill: " FMT_MAP_R "; }\n"
	    ".range { stroke: #fff; stroke-width: 0.5; }\n"
	    ".user { fill-opacity: 0.55; stroke: #111; stroke-width: 1.2; "
	    "stroke-dasharray: 3 2; }\n"
	    ".rsvd { stroke: #000; stroke-width: 2; stroke-dasharray: 1 1; }\n"
	    ".hole { fill: #f2f2f2; stroke: #bbb; stroke-dasharray: 2 2; }\n"
	    ".big { fill: #000; fill-opacity: 0.45; pointer-events: none; }\n"
	    ".g { fill: #fff; stroke: #000; pointer-events: none; }\n"
	    "</style>\n");
}

static void
box(FILE *f, const struct fmt_map *m, const struct item *it)
{
	const struct fmt_range *r;

	if (it->hole) {
		fprintf(f, "<rect class=\"hole\" x=\"%d\" y=\"%d\" width=\"%d\" "
		    "height=\"%d\"><title>not mapped: 0x%016" PRIx64 " - "
		    "0x%016" PRIx64 "</title></rect>\n", it->x,
		    it->y + MAP_LABEL, it->w, MAP_BAR, it->va, it->last);
		return;
	}
	r = &m->v[it->i].r;
	fprintf(f, "<rect class=\"range %s%s%s\" x=\"%d\" y=\"%d\" width=\"%d\" "
	    "height=\"%d\" data-va=\"0x%" PRIx64 "\"", rights_class(r),
	    r->eff.user ? " user" : "", r->rsvd != 0 ? " rsvd" : "",
	    it->x, it->y + MAP_LABEL, it->w, MAP_BAR, r->va);
	if (m->v[it->i].walk != NULL) {
		fputs(" data-walk=\"", f);
		xml(f, m->v[it->i].walk);
		fputc('"', f);
	}
	fputs("><title>", f);
	xml(f, m->v[it->i].line);
	fputs("</title></rect>\n", f);
	if (r->page_size > 4096)
		fprintf(f, "<rect class=\"big\" x=\"%d\" y=\"%d\" width=\"%d\" "
		    "height=\"%d\"/>\n", it->x, it->y + MAP_LABEL + MAP_BAR -
		    (r->page_size >= (1u << 30) ? 8 : 4), it->w,
		    r->page_size >= (1u << 30) ? 8 : 4);
	if (r->flags & X86PT_F_G)
		fprintf(f, "<circle class=\"g\" cx=\"%d\" cy=\"%d\" r=\"2.5\"/>\n",
		    it->x + 4, it->y + MAP_LABEL + 5);
}

static void
legend(FILE *f, int y)
{
	static const struct {
		const char *cls, *text;
	} k[] = {
		{ "range wx", "writable and executable" },
		{ "range rx", "executable" },
		{ "range rw", "writable" },
		{ "range r", "read-only" },
		{ "range rw user", "user (dashed)" },
		{ "hole", "not mapped (any size)" },
	};
	int x = MAP_MARGIN;

	for (size_t i = 0; i < sizeof k / sizeof *k; i++) {
		fprintf(f, "<rect class=\"%s legend\" x=\"%d\" y=\"%d\" "
		    "width=\"14\" height=\"14\"/><text x=\"%d\" y=\"%d\">%s"
		    "</text>\n", k[i].cls, x, y, x + 18, y + 11, k[i].text);
		x += 190;
	}
	y += 24;
	fprintf(f, "<text x=\"%d\" y=\"%d\">width: 6 px for 4 KiB, 4 px "
	    "more each time the size doubles; dark strip: 2 or 4 MiB pages (thin), "
	    "1 GiB pages (thick); white dot: global; dotted outline: "
	    "reserved bits (accesses fault)</text>\n", MAP_MARGIN, y + 11);
}

static void
svg(FILE *f, const struct fmt_map *m, const struct fmt_regs *r,
    uint64_t root, const struct walk_stats *st)
{
	size_t n = 0;
	int rows = 0, height;
	struct item *it = layout(m, &n, &rows);

	height = MAP_TOP + rows * MAP_ROW + MAP_LEGEND;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
	    "height=\"%d\" viewBox=\"0 0 %d %d\">\n", MAP_WIDTH, height,
	    MAP_WIDTH, height);
	style(f);
	fprintf(f, "<text class=\"title\" x=\"%d\" y=\"22\">", MAP_MARGIN);
	if (r->cpu >= 0)
		fprintf(f, "cpu %d, ", r->cpu);
	fprintf(f, "cr3 0x%" PRIx64 ", %s paging: %zu ranges", root,
	    x86pt_mode_name(r->mode), m->n);
	if (st->truncated)
		fprintf(f, "; the walk stopped at 0x%" PRIx64 ", the rest is "
		    "not drawn", st->resume_va);
	fputs("</text>\n", f);
	for (size_t j = 0; it != NULL && j < n; j++) {
		/* Each row says where it starts. */
		if (j == 0 || it[j].y != it[j - 1].y)
			fprintf(f, "<text x=\"%d\" y=\"%d\">0x%016" PRIx64
			    "</text>\n", it[j].x, it[j].y + 10, it[j].hole ?
			    it[j].va : m->v[it[j].i].r.va);
		box(f, m, &it[j]);
	}
	legend(f, MAP_TOP + rows * MAP_ROW + 10);
	fputs("</svg>\n", f);
	free(it);
}

void
fmt_map_write(FILE *f, enum map_format format, const struct fmt_map *m,
    const struct fmt_regs *r, uint64_t root, const struct walk_stats *st)
{
	if (format == MAP_SVG) {
		fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
		svg(f, m, r, root, st);
		return;
	}
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n<title>ptdump map: cr3 0x%" PRIx64
	    "</title>\n<style>\nbody { font-family: monospace; margin: 16px; }\n"
	    ".range { cursor: pointer; }\n"
	    "#walk { border: 1px solid #ccc; padding: 8px; min-height: 7em; "
	    "white-space: pre; }\n</style>\n</head>\n<body>\n", root);
	svg(f, m, r, root, st);
	fputs("<div id=\"walk\">Click a range to see its walk.</div>\n"
	    "<script>\n\"use strict\";\n"
	    "for (const r of document.querySelectorAll(\".range[data-walk]\"))\n"
	    "  r.addEventListener(\"click\", () => {\n"
	    "    document.getElementById(\"walk\").textContent = r.dataset.walk;\n"
	    "  });\n</script>\n</body>\n</html>\n", f);
}
