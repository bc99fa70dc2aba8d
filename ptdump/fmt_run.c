/* fmt_run.c - stops, points, vCPUs and faults in text and JSON. */
#include <inttypes.h>
#include <string.h>

#include "fmt.h"
#include "fmt_run.h"
#include "symbols.h"

const char *
fmt_sym(const struct sym_table *syms, uint64_t addr, char *buf, size_t len)
{
	char name[256];

	if (syms == NULL || !sym_format(syms, addr, name, sizeof name)) {
		buf[0] = '\0';
		return buf;
	}
	snprintf(buf, len, " <%s>", name);
	return buf;
}

/* ,"symbol":"name+0x1c" when there is one. */
static void
json_sym(FILE *f, const char *key, const struct sym_table *syms,
    uint64_t addr)
{
	char name[256];

	if (syms == NULL || !sym_format(syms, addr, name, sizeof name))
		return;
	fprintf(f, ",\"%s\":", key);
	fmt_json_str(f, name);
}

static const char *
access_word(enum target_point type)
{
	switch (type) {
	case TARGET_WATCH_READ:
		return "read of";
	case TARGET_WATCH_ACCESS:
		return "access to";
	default:
		return "write to";
	}
}

static const char *const reason_names[] = {
	[RUN_STOP_BREAK] = "breakpoint",
	[RUN_STOP_WATCH] = "watchpoint",
	[RUN_STOP_CATCH] = "catchpoint",
	[RUN_STOP_STEP] = "step",
	[RUN_STOP_INTERRUPT] = "interrupt",
	[RUN_STOP_SIGNAL] = "signal",
	[RUN_STOP_EXITED] = "exited",
};

static void
text_stop(FILE *f, const struct run_stop *st, const struct run_point *p,
    const struct sym_table *syms)
{
	const struct x86fault_vector *v;
	char sym[300], sym2[300], words[160];

	if (st->reason == RUN_STOP_EXITED) {
		fprintf(f, "the guest exited (status %d)\n", st->exit_status);
		return;
	}
	fprintf(f, "cpu %d stopped at 0x%016" PRIx64 "%s: ", st->cpu, st->rip,
	    fmt_sym(syms, st->rip, sym, sizeof sym));
	switch (st->reason) {
	case RUN_STOP_BREAK:
		fprintf(f, "breakpoint %u%s\n", st->num, st->temp_deleted ?
		    " (temporary: deleted)" : "");
		break;
	case RUN_STOP_WATCH:
		if (p != NULL && p->kind == RUN_WATCH_PTE)
			fprintf(f, "watchpoint %u, write to the %s of 0x%" PRIx64
			    " (at 0x%" PRIx64 ", physical 0x%" PRIx64 ")\n",
			    st->num, x86pt_level_name(p->pte_level), p->pte_va,
			    st->data_addr, p->pte_pa);
		else
			fprintf(f, "watchpoint %u, %s 0x%" PRIx64 "%s\n", st->num,
			    access_word(st->watch_type), st->data_addr,
			    fmt_sym(syms, st->data_addr, sym2, sizeof sym2));
		break;
	case RUN_STOP_CATCH:
		v = x86fault_vector(st->vector);
		fprintf(f, "catchpoint %u, #%s %s from 0x%" PRIx64 "%s",
		    st->num, v->mnemonic, v->name, st->frame.rip,
		    fmt_sym(syms, st->frame.rip, sym2, sizeof sym2));
		if (st->vector == 14) {
			x86fault_errcode_words(st->frame.errcode, words,
			    sizeof words);
			fprintf(f, ", cr2 0x%" PRIx64 ", error 0x%" PRIx64 " (%s)",
			    st->cr2, st->frame.errcode, words);
		} else if (st->frame.has_errcode) {
			fprintf(f, ", error 0x%" PRIx64, st->frame.errcode);
		}
		fputc('\n', f);
		break;
	case RUN_STOP_STEP:
		fprintf(f, "step\n");
		break;
	case RUN_STOP_INTERRUPT:
		fprintf(f, "interrupted\n");
		break;
	default:
		fprintf(f, "signal %d\n", st->signal);
		break;
	}
}

static void
json_stop(FILE *f, const struct run_stop *st, const struct run_point *p,
    const struct sym_table *syms)
{
	fprintf(f, "{\"stop\":{\"reason\":\"%s\"", reason_names[st->reason]);
	if (st->reason == RUN_STOP_EXITED) {
		fprintf(f, ",\"status\":%d}}\n", st->exit_status);
		return;
	}
	fprintf(f, ",\"cpu\":%d,\"rip\":\"0x%" PRIx64 "\"", st->cpu, st->rip);
	json_sym(f, "symbol", syms, st->rip);
	if (st->reason == RUN_STOP_BREAK || st->reason == RUN_STOP_WATCH ||
	    st->reason == RUN_STOP_CATCH)
		fprintf(f, ",\"number\":%u", st->num);
	if (st->reason == RUN_STOP_WATCH) {
		fprintf(f, ",\"data\":\"0x%" PRIx64 "\"", st->data_addr);
		if (p != NULL && p->kind == RUN_WATCH_PTE)
			fprintf(f, ",\"pte_of\":\"0x%" PRIx64 "\",\"pte_pa\":\"0x%"
			    PRIx64 "\"", p->pte_va, p->pte_pa);
	}
	if (st->reason == RUN_STOP_CATCH) {
		fprintf(f, ",\"vector\":%u,\"fault_rip\":\"0x%" PRIx64 "\"",
		    st->vector, st->frame.rip);
		json_sym(f, "fault_symbol", syms, st->frame.rip);
		if (st->frame.has_errcode)
			fprintf(f, ",\"error_code\":\"0x%" PRIx64 "\"",
			    st->frame.errcode);
		if (st->vector == 14)
			fprintf(f, ",\"cr2\":\"0x%" PRIx64 "\"", st->cr2);
	}
	if (st->reason == RUN_STOP_SIGNAL)
		fprintf(f, ",\"signal\":%d", st->signal);
	fprintf(f, "}}\n");
}

static const char *
kind_name(const struct run_point *p)
{
	switch (p->kind) {
	case RUN_BREAK:
		return p->type == TARGET_BREAK_HW ? "hw-breakpoint" :
		    "breakpoint";
	case RUN_WATCH:
		return p->type == TARGET_WATCH_READ ? "read-watchpoint" :
		    p->type == TARGET_WATCH_ACCESS ? "acc-watchpoint" :
		    "watchpoint";
	case RUN_CATCH:
		return "catchpoint";
	default:
		return "watch-pte";
	}
}

static void
text_points(FILE *f, const struct run_state *r, const struct sym_table *syms)
{
	char sym[300];
	unsigned i, j;

	if (r->npt == 0) {
		fprintf(f, "no break-, watch- or catchpoints\n");
		return;
	}
	fprintf(f, "%-4s %-15s %-6s %-5s %-18s %s\n", "num", "type", "disp",
	    "hits", "address", "what");
	for (i = 0; i < r->npt; i++) {
		const struct run_point *p = &r->pt[i];

		fprintf(f, "%-4u %-15s %-6s %-5u 0x%016" PRIx64 " ", p->num,
		    kind_name(p), p->temp ? "del" : "keep", p->hits, p->addr[0]);
		switch (p->kind) {
		case RUN_WATCH:
			fprintf(f, "%u byte%s at %s%s\n", p->len,
			    p->len == 1 ? "" : "s", p->where,
			    fmt_sym(syms, p->addr[0], sym, sizeof sym));
			break;
		case RUN_WATCH_PTE:
			fprintf(f, "the %s of %s, physical 0x%" PRIx64,
			    x86pt_level_name(p->pte_level), p->where, p->pte_pa);
			for (j = 1; j < p->naddr; j++)
				fprintf(f, ", also at 0x%" PRIx64, p->addr[j]);
			fputc('\n', f);
			break;
		default:
			fprintf(f, "%s%s\n", p->where,
			    fmt_sym(syms, p->addr[0], sym, sizeof sym));
			break;
		}
	}
}

static void
json_points(FILE *f, const struct run_state *r, const struct sym_table *syms)
{
	unsigned i, j;

	fprintf(f, "{\"points\":[");
	for (i = 0; i < r->npt; i++) {
		const struct run_point *p = &r->pt[i];

		fprintf(f, "%s{\"number\":%u,\"type\":\"%s\",\"temporary\":%s,"
		    "\"hits\":%u,\"addresses\":[", i ? "," : "", p->num,
		    kind_name(p), p->temp ? "true" : "false", p->hits);
		for (j = 0; j < p->naddr; j++)
			fprintf(f, "%s\"0x%" PRIx64 "\"", j ? "," : "",
			    p->addr[j]);
		fprintf(f, "],\"what\":");
		fmt_json_str(f, p->where);
		json_sym(f, "symbol", syms, p->addr[0]);
		if (p->kind == RUN_WATCH || p->kind == RUN_WATCH_PTE)
			fprintf(f, ",\"length\":%u", p->len);
		if (p->kind == RUN_CATCH)
			fprintf(f, ",\"vector\":%u", p->vector);
		if (p->kind == RUN_WATCH_PTE)
			fprintf(f, ",\"pte_pa\":\"0x%" PRIx64 "\",\"level\":%d",
			    p->pte_pa, (int)p->pte_level);
		fputc('}', f);
	}
	fprintf(f, "]}\n");
}

static void
text_cpus(FILE *f, const struct fmt_cpu *c, unsigned n)
{
	unsigned i;

	fprintf(f, "  %-4s %-18s %-18s %s\n", "cpu", "rip", "cr3", "mode");
	for (i = 0; i < n; i++) {
		fprintf(f, "%c %-4u 0x%016" PRIx64 " 0x%016" PRIx64 " %s",
		    c[i].current ? '*' : ' ', c[i].index, c[i].rip, c[i].cr3,
		    x86pt_mode_name(c[i].mode));
		if (c[i].same_root_as >= 0)
			fprintf(f, "  (same root as cpu %d)", c[i].same_root_as);
		fputc('\n', f);
	}
}

static void
json_cpus(FILE *f, const struct fmt_cpu *c, unsigned n)
{
	unsigned i;

	fprintf(f, "{\"cpus\":[");
	for (i = 0; i < n; i++) {
		fprintf(f, "%s{\"cpu\":%u,\"current\":%s,\"rip\":\"0x%" PRIx64
		    "\",\"cr3\":\"0x%" PRIx64 "\",\"mode\":\"%s\"", i ? "," : "",
		    c[i].index, c[i].current ? "true" : "false", c[i].rip,
		    c[i].cr3, x86pt_mode_name(c[i].mode));
		if (c[i].same_root_as >= 0)
			fprintf(f, ",\"same_root_as\":%d", c[i].same_root_as);
		fputc('}', f);
	}
	fprintf(f, "]}\n");
}

static void
text_fault(FILE *f, const struct fmt_fault *ff, const struct sym_table *syms)
{
	const struct x86fault_vector *v = x86fault_vector(ff->vector);
	char words[160], sym[300];

	if (ff->caught)
		fprintf(f, "#%s %s (vector %u) caught on cpu %d\n", v->mnemonic,
		    v->name, ff->vector, ff->cpu);
	if (ff->has_cr2)
		fprintf(f, "  cr2    0x%016" PRIx64 "\n", ff->cr2);
	if (ff->has_errcode) {
		if (ff->vector == 14)
			x86fault_errcode_words(ff->errcode, words, sizeof words);
		else
			snprintf(words, sizeof words, "%s", ff->errcode == 0 ?
			    "not about a segment" : "a segment selector index");
		fprintf(f, "  error  0x%016" PRIx64 "  %s\n", ff->errcode,
		    words);
	}
	if (ff->has_rip)
		fprintf(f, "  rip    0x%016" PRIx64 "%s\n", ff->rip,
		    fmt_sym(syms, ff->rip, sym, sizeof sym));
	if (ff->has_walk)
		fmt_text_walk(f, &ff->walk);
	if (ff->has_verdict)
		fprintf(f, "%s: %s\n", ff->caught ? "cause" : "verdict",
		    ff->verdict.why);
	if (ff->note[0] != '\0')
		fprintf(f, "note: %s\n", ff->note);
}

static void
json_fault(FILE *f, const struct fmt_fault *ff, const struct sym_table *syms)
{
	const struct x86fault_vector *v = x86fault_vector(ff->vector);
	char words[160];

	fprintf(f, "{\"vector\":%u,\"name\":\"%s\",\"caught\":%s", ff->vector,
	    v->name, ff->caught ? "true" : "false");
	if (ff->caught)
		fprintf(f, ",\"cpu\":%d", ff->cpu);
	if (ff->has_cr2)
		fprintf(f, ",\"cr2\":\"0x%" PRIx64 "\"", ff->cr2);
	if (ff->has_errcode) {
		fprintf(f, ",\"error_code\":\"0x%" PRIx64 "\"", ff->errcode);
		if (ff->vector == 14) {
			x86fault_errcode_words(ff->errcode, words, sizeof words);
			fprintf(f, ",\"error\":\"%s\"", words);
		}
	}
	if (ff->has_rip) {
		fprintf(f, ",\"rip\":\"0x%" PRIx64 "\"", ff->rip);
		json_sym(f, "symbol", syms, ff->rip);
	}
	if (ff->has_walk) {
		fprintf(f, ",\"walk\":");
		fmt_json_walk_obj(f, &ff->walk);
	}
	if (ff->has_verdict) {
		fprintf(f, ",\"faults\":%s,\"cause\":\"%s\",\"level\":%d,"
		    "\"why\":", ff->verdict.faults ? "true" : "false",
		    x86fault_cause_name(ff->verdict.cause),
		    (int)ff->verdict.level);
		fmt_json_str(f, ff->verdict.why);
	}
	if (ff->note[0] != '\0') {
		fprintf(f, ",\"note\":");
		fmt_json_str(f, ff->note);
	}
	fprintf(f, "}\n");
}

static const struct fmt_run_sink text_sink = {
	text_stop, text_points, text_cpus, text_fault,
};
static const struct fmt_run_sink json_sink = {
	json_stop, json_points, json_cpus, json_fault,
};

const struct fmt_run_sink *
fmt_run_sink(enum out_format format)
{
	return format == OUT_JSON ? &json_sink : &text_sink;
}
