/*
 * fmt_map.h - a picture of an address space (`map`): one self-contained
 * SVG document, or an HTML page around it where a click on a range shows
 * its walk.  The canonical address space is drawn left to right in rows;
 * every range and every hole between ranges gets a box, ranges by the
 * logarithm of their size and holes at a fixed width, so a 4 KiB page
 * stays visible beside a terabyte of nothing.  Colour says the
 * effective rights (W+X red), a dashed outline user pages, a dark strip
 * at the bottom large pages, a dot global ones; each box's tooltip is
 * its `dump` line.  Nothing here reads the target.
 */
#ifndef PTDUMP_FMT_MAP_H
#define PTDUMP_FMT_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "fmt.h"

enum map_format {
	MAP_SVG,
	MAP_HTML,
};

struct map_range {
	struct fmt_range r;
	char *line;		/* its `dump` line, without the newline */
	char *walk;		/* HTML: the walk of its first address */
};

struct fmt_map {
	struct map_range *v;
	size_t n, cap;
	bool oom;		/* a range could not be kept */
};

/* The colours, as CSS takes them (tests look for the W+X one). */
#define FMT_MAP_WX "#d62728"
#define FMT_MAP_RX "#1f77b4"
#define FMT_MAP_RW "#2ca02c"
#define FMT_MAP_R "#8c8c8c"

void fmt_map_init(struct fmt_map *m);

/* A fmt_dump_collect function: keeps r and its dump line (m->oom when
 * memory runs out). */
void fmt_map_add(void *ctx, const struct fmt_range *r);

void fmt_map_free(struct fmt_map *m);

/*
 * Write the picture of m's ranges: r and root for its title, st to say
 * where a walk cut short stopped.
 */
void fmt_map_write(FILE *f, enum map_format format, const struct fmt_map *m,
    const struct fmt_regs *r, uint64_t root, const struct walk_stats *st);

#endif
