/* fmt.c - the dump sink: coalescing leaves into ranges, shared helpers. */
#include <inttypes.h>
#include <string.h>

#include "fmt.h"

const struct fmt_bit fmt_cr0_bits[] = {
	{ "PG", 31 }, { "CD", 30 }, { "NW", 29 }, { "WP", 16 }, { "PE", 0 },
	{ NULL, 0 },
};
const struct fmt_bit fmt_cr4_bits[] = {
	{ "PAE", 5 }, { "PSE", 4 }, { "PGE", 7 }, { "PCIDE", 17 },
	{ "SMEP", 20 }, { "SMAP", 21 }, { "PKE", 22 }, { "PKS", 24 },
	{ "LA57", 12 }, { NULL, 0 },
};
const struct fmt_bit fmt_efer_bits[] = {
	{ "LME", 8 }, { "LMA", 10 }, { "NXE", 11 }, { NULL, 0 },
};

void
fmt_size(char *buf, size_t len, uint64_t bytes)
{
	static const char unit[] = "KMGTPE";
	uint64_t v = bytes;
	int u = -1;

	if (bytes == 0 || bytes % 1024 != 0) {
		snprintf(buf, len, "%" PRIu64, bytes);
		return;
	}
	while (v % 1024 == 0 && u < 5) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%" PRIu64 "%c", v, unit[u]);
}

void
fmt_end(char *buf, size_t len, uint64_t last, bool pad)
{
	/*
	 * The top page ends at 2^64.  Text keeps its 16-digit column and
	 * shows the end modulo 2^64, as 64-bit arithmetic (and Linux's
	 * page-table dump) do; JSON spells the exact value.
	 */
	if (last == UINT64_MAX && !pad)
		snprintf(buf, len, "0x10000000000000000");
	else if (pad)
		snprintf(buf, len, "0x%016" PRIx64, last + 1);
	else
		snprintf(buf, len, "0x%" PRIx64, last + 1);
}

void
fmt_dump_begin(struct fmt_dump *d, FILE *f, enum out_format format,
    bool pages, bool color, const struct fmt_regs *r, uint64_t root)
{
	memset(d, 0, sizeof *d);
	d->f = f;
	d->format = format;
	d->pages = pages;
	d->color = color && format == OUT_TEXT;
	if (format == OUT_JSON) {
		if (r->cpu >= 0)
			fprintf(f, "{\"cpu\":%d,", r->cpu);
		else
			fprintf(f, "{\"cpu\":null,");
		fprintf(f, "\"cr3\":\"0x%" PRIx64 "\",\"mode\":\"%s\","
		    "\"ranges\":[", root, x86pt_mode_name(r->mode));
		return;
	}
	fprintf(f, "# ");
	if (r->cpu >= 0)
		fprintf(f, "cpu %d, ", r->cpu);
	fprintf(f, "cr3 0x%" PRIx64 ", %s paging\n", root,
	    x86pt_mode_name(r->mode));
	if ((r->cr0 & X86PT_CR0_PG) && !(r->cr0 & X86PT_CR0_WP))
		fprintf(f, "# CR0.WP=0: ring 0 ignores RW and may write the "
		    "read-only pages too\n");
	fprintf(f, "%-18s %-19s %7s %4s %-3s %-5s %1s %-3s %-2s %s\n",
	    "# start", "end", "size", "page", "rwx", "priv", "G", "mem", "ad",
	    "physical");
}

static void
flush(struct fmt_dump *d)
{
	if (!d->have)
		return;
	if (d->format == OUT_JSON)
		fmt_json_range(d->f, &d->cur, d->nranges == 0);
	else
		fmt_text_range(d->f, &d->cur, d->color);
	d->nranges++;
	d->have = false;
}

/* Can `l` extend the range in `r`?  Same attributes, contiguous VA and PA. */
static bool
extends(const struct fmt_range *r, const struct walk_leaf *l)
{
	return r->last != UINT64_MAX && l->va == r->last + 1 &&
	    l->pa == r->pa + (l->va - r->va) &&
	    l->page_size == r->page_size && l->flags == r->flags &&
	    l->eff.write == r->eff.write && l->eff.user == r->eff.user &&
	    l->eff.exec == r->eff.exec &&
	    strcmp(l->memtype_name, r->memtype) == 0 && l->rsvd == r->rsvd;
}

int
fmt_dump_leaf(void *cookie, const struct walk_leaf *l)
{
	struct fmt_dump *d = cookie;

	if (!d->pages && d->have && extends(&d->cur, l)) {
		d->cur.last = l->va + (l->page_size - 1);
		return 0;
	}
	flush(d);
	d->cur.va = l->va;
	d->cur.last = l->va + (l->page_size - 1);
	d->cur.pa = l->pa;
	d->cur.page_size = l->page_size;
	d->cur.level = l->level;
	d->cur.flags = l->flags;
	d->cur.eff = l->eff;
	d->cur.memtype = l->memtype_name;
	d->cur.rsvd = l->rsvd;
	d->have = true;
	/* Output that cannot be written (a closed pipe, a full disk) ends
	 * the walk; the command reports it once. */
	return ferror(d->f) ? WALK_STOP : 0;
}

int
fmt_dump_note(void *cookie, const struct walk_note *n)
{
	struct fmt_dump *d = cookie;

	/* Findings are text-only for now: JSON carries the ranges alone. */
	if (d->format == OUT_JSON || n->kind == WALK_NOTE_HOLE)
		return 0;
	flush(d);
	fmt_text_note(d->f, n);
	d->nnotes++;
	return 0;
}

int
fmt_dump_end(struct fmt_dump *d, const struct walk_stats *st)
{
	flush(d);
	if (d->format == OUT_JSON) {
		fprintf(d->f, "],\"truncated\":%s",
		    st->truncated ? "true" : "false");
		if (st->truncated)
			fprintf(d->f, ",\"resume_va\":\"0x%" PRIx64 "\"",
			    st->resume_va);
		fprintf(d->f, "}\n");
	} else if (st->cancelled) {
		fprintf(d->f, "... interrupted after %" PRIu64 " entries: the "
		    "rest, from 0x%016" PRIx64 ", is not shown\n", st->leaves,
		    st->resume_va);
	} else if (st->truncated) {
		fprintf(d->f, "... stopped after %" PRIu64 " entries: the rest, "
		    "from 0x%016" PRIx64 ", is not shown (raise --max-entries or "
		    "narrow the range)\n", st->leaves, st->resume_va);
	} else if (d->nranges == 0) {
		fprintf(d->f, "# nothing mapped in this range\n");
	}
	fflush(d->f);
	return ferror(d->f) ? -1 : 0;
}
