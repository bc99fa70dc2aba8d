/* memmap.c - parse QEMU's flat memory map (`info mtree -f`). */
#include <stdlib.h>
#include <string.h>

#include "memmap.h"

/*
 * "  0000000000100000-0000000007ffffff (prio 0, ram): pc.ram @0000000000100000"
 * Fills `r` from a region line of kind ram or rom; false for others.
 */
static bool
parse_region(const char *line, struct memmap_region *r)
{
	const char *kind, *name;
	char *end;
	size_t len;

	while (*line == ' ')
		line++;
	r->start = strtoull(line, &end, 16);
	if (end == line || *end != '-')
		return false;
	line = end + 1;
	r->last = strtoull(line, &end, 16);
	if (end == line || *end != ' ' || r->last < r->start)
		return false;
	if ((kind = strstr(end, ", ")) == NULL ||
	    (name = strstr(kind, "): ")) == NULL)
		return false;
	kind += 2;
	if ((size_t)(name - kind) != 3 ||
	    (memcmp(kind, "ram", 3) != 0 && memcmp(kind, "rom", 3) != 0))
		return false;
	r->rom = kind[1] == 'o';
	name += 3;
	len = strcspn(name, " \r\n");
	if (len == 0 || len >= sizeof r->block)
		return false;
	memcpy(r->block, name, len);
	r->block[len] = '\0';
	r->block_off = 0;
	name += len;
	if (strncmp(name, " @", 2) == 0)
		r->block_off = strtoull(name + 2, NULL, 16);
	return true;
}

/* Does the flat view starting at `view` list the system address space? */
static bool
view_is_system(const char *view)
{
	const char *next = strstr(view + 1, "FlatView #");
	const char *as = strstr(view, " AS \"memory\",");

	return as != NULL && (next == NULL || as < next);
}

int
memmap_parse(const char *text, struct memmap *m, struct pt_err *err)
{
	const char *p = text, *view;
	size_t cap = 0;
	bool only_system = false;

	memset(m, 0, sizeof *m);
	m->guest = -1;
	for (view = strstr(text, "FlatView #"); view != NULL;
	    view = strstr(view + 1, "FlatView #"))
		if (view_is_system(view)) {
			p = view;
			only_system = true;
			break;
		}
	for (; *p != '\0'; p += strcspn(p, "\n"), p += *p == '\n') {
		struct memmap_region r;

		if (only_system && p != view &&
		    strncmp(p, "FlatView #", 10) == 0)
			break;
		if (!parse_region(p, &r))
			continue;
		if (m->n == cap) {
			struct memmap_region *nr;

			cap = cap ? 2 * cap : 16;
			if ((nr = realloc(m->r, cap * sizeof *nr)) == NULL) {
				memmap_free(m);
				return pt_err_set(err, PT_EXIT_TARGET,
				    "memory map: out of memory");
			}
			m->r = nr;
		}
		if (r.start == 0 && !r.rom && m->guest < 0)
			m->guest = (int)m->n;
		m->r[m->n++] = r;
	}
	return 0;
}

void
memmap_free(struct memmap *m)
{
	free(m->r);
	m->r = NULL;
	m->n = 0;
	m->guest = -1;
}

bool
memmap_guest_ram(const struct memmap *m, size_t i)
{
	const char *b = m->r[i].block;

	if (m->guest >= 0)
		return strcmp(b, m->r[m->guest].block) == 0;
	/* "pc.ram", "microvm.ram", "ram-above-4g"...: not "vga.vram". */
	return strstr(b, "ram") != NULL && strstr(b, "vram") == NULL;
}

uint64_t
memmap_ram_end(const struct memmap *m)
{
	uint64_t top = 0;

	for (size_t i = 0; i < m->n; i++)
		if (memmap_guest_ram(m, i) && !m->r[i].rom &&
		    m->r[i].last + 1 > top)
			top = m->r[i].last + 1;
	return top;
}
