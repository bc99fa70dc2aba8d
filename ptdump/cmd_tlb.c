/*
 * cmd_tlb.c - `tlb`: what the CPU may still hold of the tables.
 *
 * The tables are what a walk reads now; the TLB is what the CPU read
 * earlier.  The CPU sets A in every entry of a translation it caches, so
 * a page with A=0 anywhere on its path is not cached since that bit was
 * last cleared, and one with A=1 throughout may be.  Global pages (G,
 * with CR4.PGE) survive CR3 writes; with CR4.PCIDE each address space
 * keeps its translations under its PCID.
 */
#include <inttypes.h>
#include <string.h>

#include "cmd_impl.h"
#include "fmt.h"
#include "walk.h"

struct tlb_count {
	uint64_t cached, cached_bytes, uncached, global;
};

static int
count_leaf(void *cookie, const struct walk_leaf *l)
{
	struct tlb_count *c = cookie;

	if (l->accessed) {
		c->cached++;
		c->cached_bytes += l->page_size;
	} else {
		c->uncached++;
	}
	if (l->flags & X86PT_F_G)
		c->global++;
	return 0;
}

static int
global_leaf(void *cookie, const struct walk_leaf *l)
{
	return (l->flags & X86PT_F_G) ? fmt_dump_leaf(cookie, l) : 0;
}

static int
no_note(void *cookie, const struct walk_note *n)
{
	(void)cookie;
	(void)n;
	return 0;
}

int
cmd_tlb(struct session *s, int argc, char **argv, struct pt_err *err)
{
	enum out_format format = s->opt.format;
	struct tlb_count c = { 0 };
	struct fmt_regs r;
	struct fmt_dump d;
	struct walk_ctx w;
	bool pge, pcide;
	char size[16];

	if (argc == 3 && strcmp(argv[1], "--format") == 0 &&
	    (strcmp(argv[2], "json") == 0 || strcmp(argv[2], "text") == 0))
		format = argv[2][0] == 'j' ? OUT_JSON : OUT_TEXT;
	else if (argc != 1)
		return cmd_usage(cmd_find("tlb"), err);
	if (cmd_prepare_walk(s, NULL, &r, &w, err) < 0)
		return -1;
	w.note = no_note;
	if (walk_range(&w, 0, UINT64_MAX, count_leaf, &c, err) < 0)
		return pt_err_wrap(err, "tlb");
	if (w.stats.truncated)
		return pt_err_set(err, PT_EXIT_TARGET, "tlb: the walk stopped at "
		    "0x%" PRIx64 " (%s): no totals for part of an address "
		    "space", w.stats.resume_va, walk_cut_why(&w.stats));
	pge = (r.cr4 & X86PT_CR4_PGE) != 0;
	pcide = (r.cr4 & X86PT_CR4_PCIDE) != 0;
	fmt_size(size, sizeof size, c.cached_bytes);
	if (format == OUT_JSON) {
		fprintf(s->out, "{\"pge\":%s,\"pcide\":%s,", pge ? "true" :
		    "false", pcide ? "true" : "false");
		if (pcide)
			fprintf(s->out, "\"pcid\":%u,", (unsigned)(r.cr3 & 0xfff));
		else
			fprintf(s->out, "\"pcid\":null,");
		fprintf(s->out, "\"cached\":{\"pages\":%" PRIu64 ",\"bytes\":%"
		    PRIu64 "},\"uncached\":{\"pages\":%" PRIu64 "},"
		    "\"global\":{\"pages\":%" PRIu64 ",\"dump\":", c.cached,
		    c.cached_bytes, c.uncached, c.global);
	} else {
		/* With global pages, their dump's header says it below. */
		if (c.global == 0)
			fmt_head(s->out, OUT_TEXT, &r,
			    x86pt_root(w.pt.mode, r.cr3, w.pt.maxphyaddr));
		if (pcide)
			fprintf(s->out, "PCID %u (CR4.PCIDE=1): the CPU keeps "
			    "translations per PCID; a CR3 write with bit 63 set "
			    "flushes none (a read of CR3 never shows bit 63)\n",
			    (unsigned)(r.cr3 & 0xfff));
		else
			fprintf(s->out, "no PCID (CR4.PCIDE=0): a CR3 write "
			    "flushes every translation but global ones\n");
		fprintf(s->out, "may be cached (A=1 at every level): %" PRIu64
		    " page%s, %s\n", c.cached, c.cached == 1 ? "" : "s",
		    c.cached ? size : "0");
		fprintf(s->out, "not cached since their A bit was cleared: %"
		    PRIu64 " page%s\n", c.uncached, c.uncached == 1 ? "" : "s");
		fprintf(s->out, "global: %" PRIu64 " page%s%s\n", c.global,
		    c.global == 1 ? "" : "s", c.global == 0 ? "" : pge ?
		    ", kept across CR3 writes:" :
		    " (G is ignored while CR4.PGE=0):");
	}
	if (format == OUT_JSON || c.global > 0) {
		fmt_dump_begin(&d, s->out, format, false, s->opt.color, &r,
		    x86pt_root(w.pt.mode, r.cr3, w.pt.maxphyaddr));
		if (walk_range(&w, 0, UINT64_MAX, global_leaf, &d, err) < 0) {
			pt_err_wrap(err, "tlb");
			return fmt_dump_fail(&d, &w.stats, err);
		}
		fmt_dump_end(&d, &w.stats);
		s->out_errno = d.io_errno;
	}
	if (format == OUT_JSON)
		fprintf(s->out, "}}\n");
	return PT_EXIT_OK;
}
