/* fmt_text.c - text printers: one line per range, stable columns. */
#include <inttypes.h>
#include <string.h>

#include "fmt.h"

#define RED "\033[31m"
#define YELLOW "\033[33m"
#define OFF "\033[0m"

/*
 * One range, as the format "0x%016x %-19s %7s %4s %s %-5s %c %-3s %c%c
 * 0x%016x" would print it, but built by hand into one buffer and written
 * at once: a dump of a large address space is mostly this line.
 */
void
fmt_text_range(FILE *f, const struct fmt_range *r, bool color)
{
	char line[160], size[16], psize[16], *p = line;
	bool wx = r->eff.write && r->eff.exec;

	fmt_size(size, sizeof size, r->last - r->va + 1);
	fmt_size(psize, sizeof psize, r->page_size);
	/* A range past 2^64 cannot be sized in 64 bits: print it from pages. */
	if (r->va == 0 && r->last == UINT64_MAX)
		memcpy(size, "16E", 4);
	p = fmt_put_hex16(FMT_PUT_LIT(p, "0x"), r->va);
	/* The end is exclusive; the top page's wraps to 0 (fmt_end). */
	p = fmt_put_hex16(FMT_PUT_LIT(p, " 0x"), r->last + 1);
	p = fmt_put_pad(FMT_PUT_LIT(p, "  "), size, 7);
	p = fmt_put_pad(FMT_PUT_LIT(p, " "), psize, 4);
	*p++ = ' ';
	if (color && wx)
		p = FMT_PUT_LIT(p, RED);
	*p++ = 'r';
	*p++ = r->eff.write ? 'w' : '-';
	*p++ = r->eff.exec ? 'x' : '-';
	if (color && wx)
		p = FMT_PUT_LIT(p, OFF);
	*p++ = ' ';
	if (color && r->eff.user)
		p = FMT_PUT_LIT(p, YELLOW);
	p = fmt_put_pad(p, r->eff.user ? "user" : "super", -5);
	if (color && r->eff.user)
		p = FMT_PUT_LIT(p, OFF);
	*p++ = ' ';
	*p++ = (r->flags & X86PT_F_G) ? 'G' : '-';
	*p++ = ' ';
	p = fmt_put_pad(p, r->memtype, -3);
	*p++ = ' ';
	*p++ = (r->flags & X86PT_F_A) ? 'A' : '-';
	*p++ = (r->flags & X86PT_F_D) ? 'D' : '-';
	p = fmt_put_hex16(FMT_PUT_LIT(p, " 0x"), r->pa);
	if (r->rsvd == 0 && r->section[0] == '\0' && r->sym[0] == '\0') {
		*p++ = '\n';
		fwrite(line, 1, (size_t)(p - line), f);
		return;
	}
	fwrite(line, 1, (size_t)(p - line), f);
	if (r->rsvd != 0)
		fprintf(f, " RSVD=0x%" PRIx64, r->rsvd);
	if (r->section[0] != '\0' || r->sym[0] != '\0')
		fputc(' ', f);
	if (r->section[0] != '\0')
		fprintf(f, " [%s]", r->section);
	if (r->sym[0] != '\0')
		fprintf(f, " <%s>", r->sym);
	fputc('\n', f);
}

void
fmt_text_note(FILE *f, const struct walk_note *n)
{
	const char *lv = x86pt_level_name(n->level);

	switch (n->kind) {
	case WALK_NOTE_RSVD:
		fprintf(f, "! %s at 0x%" PRIx64 " = 0x%016" PRIx64 " has reserved "
		    "bits 0x%" PRIx64 ": accesses to 0x%016" PRIx64 "+0x%" PRIx64
		    " fault\n", lv, n->entry_pa, n->raw, n->rsvd, n->va, n->size);
		break;
	case WALK_NOTE_PAST_RAM:
		fprintf(f, "! %s at 0x%" PRIx64 " = 0x%016" PRIx64 " points to a "
		    "table at 0x%" PRIx64 ", past RAM: not walked\n", lv,
		    n->entry_pa, n->raw, n->table_pa);
		break;
	case WALK_NOTE_RECURSIVE:
		fprintf(f, "# %s at 0x%" PRIx64 " points back to table 0x%" PRIx64
		    " (recursive): 0x%016" PRIx64 "+0x%" PRIx64 " maps tables\n",
		    lv, n->entry_pa, n->table_pa, n->va, n->size);
		break;
	case WALK_NOTE_HOLE:
	case WALK_NOTE_TABLE:
	case WALK_NOTE_TRUNCATED:
		/* holes are not printed; truncation is said at the end */
		break;
	}
}

static void
print_bits(FILE *f, uint64_t v, const struct fmt_bit *b)
{
	for (; b->name != NULL; b++)
		fprintf(f, " %s=%u", b->name, (unsigned)(v >> b->bit) & 1);
}

void
fmt_text_regs(FILE *f, const struct fmt_regs *r)
{
	if (r->cpu >= 0)
		fprintf(f, "cpu  %d\n", r->cpu);
	fprintf(f, "cr0  0x%016" PRIx64 " ", r->cr0);
	print_bits(f, r->cr0, fmt_cr0_bits);
	fprintf(f, "\ncr2  0x%016" PRIx64 "\n", r->cr2);
	fprintf(f, "cr3  0x%016" PRIx64 "  table=0x%" PRIx64, r->cr3,
	    x86pt_root(r->mode, r->cr3, 52));
	if (r->cr4 & X86PT_CR4_PCIDE)
		fprintf(f, " PCID=%u", (unsigned)(r->cr3 & 0xfff));
	else
		fprintf(f, " PWT=%u PCD=%u", (unsigned)(r->cr3 >> 3) & 1,
		    (unsigned)(r->cr3 >> 4) & 1);
	fprintf(f, "\ncr4  0x%016" PRIx64 " ", r->cr4);
	print_bits(f, r->cr4, fmt_cr4_bits);
	fprintf(f, "\nefer 0x%016" PRIx64 " ", r->efer);
	print_bits(f, r->efer, fmt_efer_bits);
	fprintf(f, "\nmode %s\n", x86pt_mode_name(r->mode));
}

static void
entry_line(FILE *f, const struct x86pt_entry *e)
{
	char flags[96];

	x86pt_format_flags(e->flags, flags, sizeof flags);
	fprintf(f, "0x%016" PRIx64 "  %s", e->raw, e->present ? flags : "not present");
	if (e->present && e->pkey != 0)
		fprintf(f, " PK=%u", e->pkey);
	if (e->rsvd != 0)
		fprintf(f, " RSVD=0x%" PRIx64, e->rsvd);
}

void
fmt_text_walk(FILE *f, const struct walk_trace *t)
{
	char psize[16];
	unsigned i;

	fprintf(f, "walk 0x%016" PRIx64 " (cr3 table 0x%" PRIx64 ", %s)\n",
	    t->va, t->root, x86pt_mode_name(t->mode));
	for (i = 0; i < t->nsteps; i++) {
		const struct walk_step *s = &t->step[i];

		/* 32-bit paging's indexes go to 1023. */
		fprintf(f, "  %-5s %*u at 0x%012" PRIx64 " = ",
		    x86pt_level_name(s->level), t->mode == X86PT_MODE_32 ? 4 : 3,
		    s->index, s->entry_pa);
		entry_line(f, &s->e);
		if (s->e.present && s->e.is_leaf)
			fprintf(f, "  -> page 0x%" PRIx64, s->e.addr);
		else if (s->e.present)
			fprintf(f, "  -> table 0x%" PRIx64 "%s", s->e.addr,
			    s->recursive ? " (recursive)" : "");
		fputc('\n', f);
		if (t->mode == X86PT_MODE_PAE && s->level == X86PT_L3)
			fprintf(f, "  %s\n", fmt_pae_caveat);
	}
	if (t->stop == WALK_OK) {
		fmt_size(psize, sizeof psize, t->page_size);
		fprintf(f, "  => 0x%016" PRIx64 "  %s page, r%c%c %s, %s%s\n",
		    t->pa, psize, t->eff.write ? 'w' : '-',
		    t->eff.exec ? 'x' : '-', t->eff.user ? "user" : "super",
		    t->nsteps ? t->step[t->nsteps - 1].e.memtype_name : "?",
		    !t->eff.write && t->eff.sup_write ?
		    " (ring 0 may write it: CR0.WP=0)" : "");
	} else if (walk_trace_past_4g(t)) {
		fprintf(f, "  => no translation: past the 4 GiB of linear "
		    "addresses that %s paging has\n", x86pt_mode_name(t->mode));
	} else if (t->stop == WALK_NONCANONICAL) {
		fprintf(f, "  => no translation: non-canonical address "
		    "(an access raises #GP, not #PF)\n");
	} else {
		fprintf(f, "  => no translation: %s at %s\n",
		    walk_stop_name(t->stop), x86pt_level_name(t->stop_level));
	}
}

void
fmt_text_entry(FILE *f, const struct x86pt_ctx *c, const struct x86pt_entry *e)
{
	char psize[16];

	(void)c;
	fprintf(f, "%s ", x86pt_level_name(e->level));
	entry_line(f, e);
	fputc('\n', f);
	if (!e->present)
		return;
	if (e->is_leaf) {
		fmt_size(psize, sizeof psize, e->page_size);
		fprintf(f, "  maps a %s page at 0x%" PRIx64 ", memory type %s "
		    "(PAT index %u)\n", psize, e->addr, e->memtype_name,
		    e->pat_index);
	} else {
		fprintf(f, "  points to a table at 0x%" PRIx64 "\n", e->addr);
	}
	if (e->avl != 0)
		fprintf(f, "  software bits 0x%" PRIx64 "\n", e->avl);
	if (e->rsvd != 0)
		fprintf(f, "  reserved bits 0x%" PRIx64 " are set: an access "
		    "through this entry faults with RSVD\n", e->rsvd);
}

void
fmt_text_dump_head(FILE *f, const struct fmt_regs *r, uint64_t root)
{
	fmt_head(f, OUT_TEXT, r, root);
	if ((r->cr0 & X86PT_CR0_PG) && !(r->cr0 & X86PT_CR0_WP))
		fprintf(f, "# CR0.WP=0: ring 0 ignores RW and may write the "
		    "read-only pages too\n");
	fprintf(f, "%-18s %-19s %7s %4s %-3s %-5s %1s %-3s %-2s %s\n",
	    "# start", "end", "size", "page", "rwx", "priv", "G", "mem", "ad",
	    "physical");
}

void
fmt_text_dump_tail(const struct fmt_dump *d, const struct walk_stats *st)
{
	if (st->failed)
		fprintf(d->f, "# truncated: %s: the rest, from 0x%016" PRIx64
		    ", is not shown\n", d->error != NULL ? d->error :
		    "the walk failed", st->resume_va);
	else if (st->cancelled)
		fprintf(d->f, "... interrupted after %" PRIu64 " entries: the "
		    "rest, from 0x%016" PRIx64 ", is not shown\n", st->leaves,
		    st->resume_va);
	else if (st->truncated)
		fprintf(d->f, "... stopped after %" PRIu64 " entries: the rest, "
		    "from 0x%016" PRIx64 ", is not shown (raise %s or "
		    "narrow the range)\n", st->leaves, st->resume_va,
		    walk_budget_option(st));
	else if (d->nranges == 0)
		fprintf(d->f, "# nothing mapped in this range\n");
}
