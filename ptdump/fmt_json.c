/* fmt_json.c - JSON printers (DESIGN contract: hex strings for addresses). */
#include <inttypes.h>
#include <string.h>

#include "fmt.h"

static const char *
jbool(bool b)
{
	return b ? "true" : "false";
}

/* The raw flag names of `flags`, as a JSON array, at p. */
static char *
put_flags(char *p, uint32_t flags)
{
	bool first = true;

	*p++ = '[';
	/* Set bits only, lowest first. */
	for (uint32_t m = flags & ((1u << X86PT_F_COUNT) - 1); m != 0;
	    m &= m - 1) {
		uint32_t bit = m & -m;

		if (!first)
			*p++ = ',';
		*p++ = '"';
		p = fmt_put_str(p, x86pt_flag_name(bit));
		*p++ = '"';
		first = false;
	}
	*p++ = ']';
	return p;
}

/* The attributes of r, from its page size to its memory type, at p. */
static char *
put_tail(char *p, const struct fmt_range *r)
{
	p = fmt_put_dec(FMT_PUT_LIT(p, "\",\"page_size\":"), r->page_size);
	p = fmt_put_dec(FMT_PUT_LIT(p, ",\"level\":"), (uint64_t)r->level);
	p = put_flags(FMT_PUT_LIT(p, ",\"flags\":"), r->flags);
	p = fmt_put_str(FMT_PUT_LIT(p, ",\"eff\":{\"write\":"),
	    jbool(r->eff.write));
	p = fmt_put_str(FMT_PUT_LIT(p, ",\"user\":"), jbool(r->eff.user));
	p = fmt_put_str(FMT_PUT_LIT(p, ",\"exec\":"), jbool(r->eff.exec));
	p = fmt_put_str(FMT_PUT_LIT(p, "},\"memtype\":\""), r->memtype);
	*p++ = '"';
	return p;
}

static bool
same_tail(const struct fmt_json_tail *t, const struct fmt_range *r)
{
	return t->len > 0 && t->page_size == r->page_size &&
	    t->level == r->level && t->flags == r->flags &&
	    t->eff.write == r->eff.write && t->eff.user == r->eff.user &&
	    t->eff.exec == r->eff.exec && t->memtype == r->memtype;
}

/* Built by hand into one buffer: JSON dumps of large spaces are mostly
 * ranges (the format the printf calls had is pinned by test_fmt). */
void
fmt_json_range(FILE *f, const struct fmt_range *r, bool first,
    struct fmt_json_tail *tail)
{
	char line[512], *p = line;

	if (!first)
		*p++ = ',';
	p = fmt_put_hex(FMT_PUT_LIT(p, "\n{\"va\":\"0x"), r->va);
	p = FMT_PUT_LIT(p, "\",\"end\":\"0x");
	p = r->last == UINT64_MAX ? FMT_PUT_LIT(p, "10000000000000000") :
	    fmt_put_hex(p, r->last + 1);
	p = fmt_put_hex(FMT_PUT_LIT(p, "\",\"pa\":\"0x"), r->pa);
	if (tail == NULL) {
		p = put_tail(p, r);
	} else {
		if (!same_tail(tail, r)) {
			tail->page_size = r->page_size;
			tail->level = r->level;
			tail->flags = r->flags;
			tail->eff = r->eff;
			tail->memtype = r->memtype;
			tail->len = (size_t)(put_tail(tail->text, r) -
			    tail->text);
		}
		memcpy(p, tail->text, tail->len);
		p += tail->len;
	}
	if (r->rsvd == 0 && r->section[0] == '\0' && r->sym[0] == '\0') {
		*p++ = '}';
		fwrite(line, 1, (size_t)(p - line), f);
		return;
	}
	fwrite(line, 1, (size_t)(p - line), f);
	if (r->rsvd != 0)
		fprintf(f, ",\"rsvd\":\"0x%" PRIx64 "\"", r->rsvd);
	if (r->section[0] != '\0') {
		fprintf(f, ",\"section\":");
		fmt_json_str(f, r->section);
	}
	if (r->sym[0] != '\0') {
		fprintf(f, ",\"symbol\":");
		fmt_json_str(f, r->sym);
	}
	fputc('}', f);
}

static void
json_bits(FILE *f, uint64_t v, const struct fmt_bit *b)
{
	bool first = true;

	fputc('{', f);
	for (; b->name != NULL; b++, first = false)
		fprintf(f, "%s\"%s\":%s", first ? "" : ",", b->name,
		    jbool((v >> b->bit) & 1));
	fputc('}', f);
}

void
fmt_json_regs(FILE *f, const struct fmt_regs *r)
{
	if (r->cpu >= 0)
		fprintf(f, "{\"cpu\":%d,", r->cpu);
	else
		fprintf(f, "{\"cpu\":null,");
	fprintf(f, "\"cr0\":\"0x%" PRIx64 "\",\"cr2\":\"0x%" PRIx64 "\","
	    "\"cr3\":\"0x%" PRIx64 "\",\"cr4\":\"0x%" PRIx64 "\","
	    "\"efer\":\"0x%" PRIx64 "\",\"mode\":\"%s\",\"bits\":{\"cr0\":",
	    r->cr0, r->cr2, r->cr3, r->cr4, r->efer, x86pt_mode_name(r->mode));
	json_bits(f, r->cr0, fmt_cr0_bits);
	fprintf(f, ",\"cr4\":");
	json_bits(f, r->cr4, fmt_cr4_bits);
	fprintf(f, ",\"efer\":");
	json_bits(f, r->efer, fmt_efer_bits);
	fprintf(f, "}}\n");
}

static void
json_entry_fields(FILE *f, const struct x86pt_entry *e)
{
	fprintf(f, "\"level\":%d,\"raw\":\"0x%" PRIx64 "\",\"present\":%s",
	    (int)e->level, e->raw, jbool(e->present));
	if (!e->present)
		return;
	fprintf(f, ",\"leaf\":%s,\"addr\":\"0x%" PRIx64 "\",\"flags\":",
	    jbool(e->is_leaf), e->addr);
	{
		char buf[256];

		fwrite(buf, 1, (size_t)(put_flags(buf, e->flags) - buf), f);
	}
	if (e->is_leaf)
		fprintf(f, ",\"page_size\":%" PRIu64 ",\"memtype\":\"%s\"",
		    e->page_size, e->memtype_name);
	fprintf(f, ",\"pkey\":%u,\"avl\":\"0x%" PRIx64 "\",\"rsvd\":\"0x%"
	    PRIx64 "\"", e->pkey, e->avl, e->rsvd);
}

void
fmt_json_walk(FILE *f, const struct walk_trace *t)
{
	fmt_json_walk_obj(f, t);
	fputc('\n', f);
}

void
fmt_json_walk_obj(FILE *f, const struct walk_trace *t)
{
	unsigned i;

	fprintf(f, "{\"va\":\"0x%" PRIx64 "\",\"cr3\":\"0x%" PRIx64 "\","
	    "\"mode\":\"%s\",\"steps\":[", t->va, t->root,
	    x86pt_mode_name(t->mode));
	for (i = 0; i < t->nsteps; i++) {
		const struct walk_step *s = &t->step[i];

		fprintf(f, "%s{\"index\":%u,\"entry_pa\":\"0x%" PRIx64 "\","
		    "\"recursive\":%s,", i ? "," : "", s->index, s->entry_pa,
		    jbool(s->recursive));
		json_entry_fields(f, &s->e);
		fputc('}', f);
	}
	fprintf(f, "],\"result\":\"%s\"", walk_trace_result(t));
	if (t->stop == WALK_OK)
		fprintf(f, ",\"pa\":\"0x%" PRIx64 "\",\"page_size\":%" PRIu64
		    ",\"eff\":{\"write\":%s,\"user\":%s,\"exec\":%s}", t->pa,
		    t->page_size, jbool(t->eff.write), jbool(t->eff.user),
		    jbool(t->eff.exec));
	else if (t->stop != WALK_NONCANONICAL)
		fprintf(f, ",\"stop_level\":%d", (int)t->stop_level);
	fputc('}', f);
}

void
fmt_json_entry(FILE *f, const struct x86pt_ctx *c, const struct x86pt_entry *e)
{
	(void)c;
	fputc('{', f);
	json_entry_fields(f, e);
	fprintf(f, "}\n");
}

void
fmt_json_dump_head(FILE *f, const struct fmt_regs *r, uint64_t root)
{
	fputc('{', f);
	fmt_head(f, OUT_JSON, r, root);
	fprintf(f, "\"ranges\":[");
}

static const char *const note_kinds[] = {
	[WALK_NOTE_RSVD] = "rsvd",
	[WALK_NOTE_PAST_RAM] = "past_ram",
	[WALK_NOTE_RECURSIVE] = "recursive",
};

/* One note, on a line of its own; the addresses as "at", "from". */
static void
json_note(FILE *f, const struct walk_note *n, bool first)
{
	fprintf(f, "%s\n{\"kind\":\"%s\",\"level\":%d,\"entry_pa\":\"0x%"
	    PRIx64 "\",\"raw\":\"0x%" PRIx64 "\",\"from\":\"0x%" PRIx64 "\","
	    "\"size\":\"0x%" PRIx64 "\"", first ? "" : ",",
	    note_kinds[n->kind], (int)n->level, n->entry_pa, n->raw, n->va,
	    n->size);
	if (n->kind == WALK_NOTE_RSVD)
		fprintf(f, ",\"rsvd\":\"0x%" PRIx64 "\"", n->rsvd);
	else
		fprintf(f, ",\"table\":\"0x%" PRIx64 "\"", n->table_pa);
	fputc('}', f);
}

void
fmt_json_dump_tail(const struct fmt_dump *d, const struct walk_stats *st)
{
	unsigned i;

	fprintf(d->f, "],\"truncated\":%s", st->truncated ? "true" : "false");
	if (st->truncated)
		fprintf(d->f, ",\"resume_va\":\"0x%" PRIx64 "\"", st->resume_va);
	if (st->failed && d->error != NULL) {
		fprintf(d->f, ",\"error\":");
		fmt_json_str(d->f, d->error);
	}
	fprintf(d->f, ",\"notes\":[");
	if (d->wp0)
		fprintf(d->f, "\n{\"kind\":\"cr0_wp0\",\"detail\":\"ring 0 "
		    "ignores RW and may write the read-only pages too\"}");
	for (i = 0; i < d->nbuf; i++)
		json_note(d->f, &d->notes[i], i == 0 && !d->wp0);
	fprintf(d->f, "]");
	if (d->notes_dropped)
		fprintf(d->f, ",\"notes_dropped\":%" PRIu64, d->notes_dropped);
	fprintf(d->f, "}\n");
}

void
fmt_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}
