/* fmt_summary.c - dump --summary: see fmt_summary.h. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "fmt_summary.h"

static unsigned
size_index(uint64_t page_size)
{
	return page_size == (1u << 12) ? 0 : page_size == (1u << 21) ? 1 :
	    page_size == (1u << 22) ? 2 : 3;
}

int
fmt_summary_leaf(void *cookie, const struct walk_leaf *l)
{
	struct fmt_summary *s = cookie;
	unsigned r = (unsigned)l->eff.write | (unsigned)l->eff.exec << 1 |
	    (unsigned)l->eff.user << 2;

	s->leaves++;
	s->bytes += l->page_size;
	s->size_n[size_index(l->page_size)]++;
	s->size_b[size_index(l->page_size)] += l->page_size;
	s->rights_n[r]++;
	s->rights_b[r] += l->page_size;
	s->mt_n[l->memtype & 7]++;
	s->mt_b[l->memtype & 7] += l->page_size;
	return 0;
}

void
fmt_summary_init(struct fmt_summary *s)
{
	memset(s, 0, sizeof *s);
	s->tables.max = FMT_SUMMARY_MAX_TABLES;
}

int
fmt_summary_note(void *cookie, const struct walk_note *n)
{
	struct fmt_summary *s = cookie;

	/* Past the cap the totals go on; the table count says so. */
	if (n->kind == WALK_NOTE_TABLE)
		walk_pages_add(&s->tables, n->table_pa);
	return 0;
}

static const char *const size_names[4] = { "4K", "2M", "4M", "1G" };

/* Whether `mode` has pages of size_names[i]: 4K and 4M in 32-bit paging,
 * 4K and 2M in PAE, 4K, 2M and 1G in long mode. */
static bool
mode_has_size(enum x86pt_mode mode, unsigned i)
{
	switch (mode) {
	case X86PT_MODE_32:	return i == 0 || i == 2;
	case X86PT_MODE_PAE:	return i <= 1;
	default:		return i != 2;
	}
}

static void
rights_name(unsigned r, char *buf)
{
	snprintf(buf, 12, "r%c%c %s", (r & 1) ? 'w' : '-', (r & 2) ? 'x' : '-',
	    (r & 4) ? "user" : "super");
}

void
fmt_summary_print(FILE *f, enum out_format format, struct fmt_summary *s,
    const struct fmt_regs *r, uint64_t root)
{
	size_t nt;
	char a[16], b[16], name[12];
	unsigned i;
	bool first = true;

	walk_pages_finish(&s->tables);
	nt = s->tables.n;
	if (format == OUT_JSON) {
		fputc('{', f);
		fmt_head(f, format, r, root);
		fprintf(f, "\"leaves\":%" PRIu64 ",\"bytes\":%" PRIu64
		    ",\"page_sizes\":{", s->leaves, s->bytes);
		for (i = 0; i < 4; i++) {
			if (!mode_has_size(r->mode, i))
				continue;
			fprintf(f, "%s\"%s\":{\"entries\":%" PRIu64 ",\"bytes\":%"
			    PRIu64 "}", i ? "," : "", size_names[i], s->size_n[i],
			    s->size_b[i]);
		}
		fprintf(f, "},\"rights\":{");
		for (i = 0; i < 8; i++) {
			if (s->rights_n[i] == 0)
				continue;
			rights_name(i, name);
			fprintf(f, "%s\"%s\":{\"entries\":%" PRIu64 ",\"bytes\":%"
			    PRIu64 "}", first ? "" : ",", name, s->rights_n[i],
			    s->rights_b[i]);
			first = false;
		}
		fprintf(f, "},\"memtypes\":{");
		first = true;
		for (i = 0; i < 8; i++) {
			if (s->mt_n[i] == 0)
				continue;
			fprintf(f, "%s\"%s\":{\"entries\":%" PRIu64 ",\"bytes\":%"
			    PRIu64 "}", first ? "" : ",", x86pt_memtype_name(i),
			    s->mt_n[i], s->mt_b[i]);
			first = false;
		}
		fprintf(f, "},\"table_pages\":%zu,\"table_bytes\":%zu%s}\n", nt,
		    nt * 4096, s->tables.capped ? ",\"tables_capped\":true" : "");
	} else {
		fmt_size(a, sizeof a, s->bytes);
		fmt_head(f, format, r, root);
		fprintf(f, "# %" PRIu64 " entries map %s\n", s->leaves,
		    s->leaves ? a : "0");
		fprintf(f, "%-10s %10s %8s\n", "page", "entries", "bytes");
		for (i = 0; i < 4; i++) {
			if (!mode_has_size(r->mode, i))
				continue;
			fmt_size(a, sizeof a, s->size_b[i]);
			fprintf(f, "%-10s %10" PRIu64 " %8s\n", size_names[i],
			    s->size_n[i], s->size_b[i] ? a : "0");
		}
		fprintf(f, "%-10s %10s %8s\n", "rights", "entries", "bytes");
		for (i = 0; i < 8; i++) {
			if (s->rights_n[i] == 0)
				continue;
			rights_name(i, name);
			fmt_size(a, sizeof a, s->rights_b[i]);
			fprintf(f, "%-10s %10" PRIu64 " %8s\n", name,
			    s->rights_n[i], a);
		}
		fprintf(f, "%-10s %10s %8s\n", "memtype", "entries", "bytes");
		for (i = 0; i < 8; i++) {
			if (s->mt_n[i] == 0)
				continue;
			fmt_size(a, sizeof a, s->mt_b[i]);
			fprintf(f, "%-10s %10" PRIu64 " %8s\n",
			    x86pt_memtype_name(i), s->mt_n[i], a);
		}
		fmt_size(b, sizeof b, (uint64_t)nt * 4096);
		fprintf(f, "table pages %zu (%s)%s\n", nt, nt ? b : "0",
		    s->tables.capped ? ", more not counted" : "");
	}
	walk_pages_free(&s->tables);
}
