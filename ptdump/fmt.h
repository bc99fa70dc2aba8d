/*
 * fmt.h - output sinks.  The walker reports leaves and findings; the dump
 * sink coalesces them into ranges and hands each to the text or JSON
 * printer.  Nothing here reads the target.
 */
#ifndef PTDUMP_FMT_H
#define PTDUMP_FMT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "session.h"
#include "walk.h"
#include "x86pt.h"

/* One output range: leaves contiguous in VA and PA with equal attributes. */
struct fmt_range {
	uint64_t va;
	uint64_t last;		/* inclusive: the top page ends at 2^64 */
	uint64_t pa;
	uint64_t page_size;
	enum x86pt_level level;
	uint32_t flags;
	struct x86pt_eff eff;
	const char *memtype;
	uint64_t rsvd;		/* reserved bits on the path: accesses fault */
	char sym[128];		/* dump --symbols: the symbol at va, or "" */
	char section[32];	/* ... and the ELF section, or "" */
};

struct fmt_sink;
struct sym_table;

/*
 * A JSON range's attributes, from "page_size" to "memtype", as text:
 * kept for the next range with the same ones (a page dump's neighbours
 * mostly differ in their addresses alone).
 */
struct fmt_json_tail {
	uint64_t page_size;
	enum x86pt_level level;
	uint32_t flags;
	struct x86pt_eff eff;
	const char *memtype;
	size_t len;		/* 0: nothing kept yet */
	char text[320];
};

#define FMT_MAX_NOTES 256	/* JSON notes kept for one dump */

struct fmt_dump {
	FILE *f;
	const struct fmt_sink *sink;	/* chosen once, by format */
	const struct sym_table *syms;	/* annotate ranges; NULL: no */
	bool pages;		/* one record per leaf, no coalescing */
	bool color;
	bool have;		/* `cur` holds a range not yet printed */
	struct fmt_range cur;
	uint64_t nranges, nnotes;
	int io_errno;		/* errno of the first failed write, or 0 */
	const char *error;	/* why the walk failed (fmt_dump_fail) */
	/* fmt_dump_collect: ranges go here, and nothing is printed. */
	void (*collect)(void *ctx, const struct fmt_range *r);
	void *collect_ctx;
	bool wp0;		/* CR0.WP=0 with paging on: said once */
	/* JSON prints its notes after the ranges: they wait here. */
	struct walk_note notes[FMT_MAX_NOTES];
	unsigned nbuf;
	uint64_t notes_dropped;
	struct fmt_json_tail jtail;
};

/* The registers that decide paging, read once per command. */
struct fmt_regs {
	int cpu;		/* the vCPU they are of; -1 unknown */
	uint64_t cr0, cr2, cr3, cr4, efer;
	enum x86pt_mode mode;
};

/* The printers of one format, chosen once per command. */
struct fmt_sink {
	void (*regs)(FILE *f, const struct fmt_regs *r);
	void (*walk)(FILE *f, const struct walk_trace *t);
	void (*entry)(FILE *f, const struct x86pt_ctx *c,
	    const struct x86pt_entry *e);
	void (*dump_head)(FILE *f, const struct fmt_regs *r, uint64_t root);
	void (*range)(struct fmt_dump *d, const struct fmt_range *r);
	void (*note)(struct fmt_dump *d, const struct walk_note *n);
	void (*dump_tail)(const struct fmt_dump *d, const struct walk_stats *st);
};

const struct fmt_sink *fmt_sink(enum out_format format);

/* Start a dump: prints the header (text) or opens the object (JSON). */
void fmt_dump_begin(struct fmt_dump *d, FILE *f, enum out_format format,
    bool pages, bool color, const struct fmt_regs *r, uint64_t root);

/*
 * Start a dump whose ranges (coalesced as for printing) go to fn, with
 * ctx, instead of a printer; fmt_dump_end then only hands over the last.
 */
void fmt_dump_collect(struct fmt_dump *d,
    void (*fn)(void *ctx, const struct fmt_range *r), void *ctx);

/* walk_leaf_fn and walk_note_fn over a struct fmt_dump cookie. */
int fmt_dump_leaf(void *cookie, const struct walk_leaf *leaf);
int fmt_dump_note(void *cookie, const struct walk_note *note);

/* Flush and close; returns 0, or -1 if writing failed (errno says why). */
int fmt_dump_end(struct fmt_dump *d, const struct walk_stats *st);

/*
 * Close a dump whose walk failed (err says why): what was printed stays
 * well formed and says it is cut short, where, and why.  Returns -1.
 */
int fmt_dump_fail(struct fmt_dump *d, const struct walk_stats *st,
    const struct pt_err *err);

/*
 * The first line of a dump, for whatever follows it: text "# cpu N, cr3
 * 0x..., 4-level paging" and a newline (with PAE paging, a second line:
 * fmt_pae_caveat); JSON the members "cpu", "cr3" and "mode", each
 * followed by a comma.
 */
void fmt_head(FILE *f, enum out_format format, const struct fmt_regs *r,
    uint64_t root);

/* "# the four PDPTEs are read from memory; ...": what PAE's tables in
 * memory may not say. */
extern const char fmt_pae_caveat[];

/* Printers, one pair per format (the sinks call them). */
void fmt_text_dump_head(FILE *f, const struct fmt_regs *r, uint64_t root);
void fmt_json_dump_head(FILE *f, const struct fmt_regs *r, uint64_t root);
void fmt_text_dump_tail(const struct fmt_dump *d, const struct walk_stats *st);
void fmt_json_dump_tail(const struct fmt_dump *d, const struct walk_stats *st);
void fmt_text_range(FILE *f, const struct fmt_range *r, bool color);
/* `tail` (NULL: none) keeps the last range's attributes as text. */
void fmt_json_range(FILE *f, const struct fmt_range *r, bool first,
    struct fmt_json_tail *tail);
void fmt_text_note(FILE *f, const struct walk_note *n);
void fmt_text_regs(FILE *f, const struct fmt_regs *r);
void fmt_json_regs(FILE *f, const struct fmt_regs *r);
void fmt_text_walk(FILE *f, const struct walk_trace *t);
void fmt_json_walk(FILE *f, const struct walk_trace *t);
/* The walk's object alone, without a newline, to embed in another. */
void fmt_json_walk_obj(FILE *f, const struct walk_trace *t);
void fmt_text_entry(FILE *f, const struct x86pt_ctx *c,
    const struct x86pt_entry *e);
void fmt_json_entry(FILE *f, const struct x86pt_ctx *c,
    const struct x86pt_entry *e);

/* Shared helpers. */
/*
 * Writers for lines built by hand (the hot paths of a dump): each puts
 * its text at p, unterminated, and returns the end.  hex16: 16 digits;
 * hex: as %x (p needs room for 16: it stores whole words); dec: as %u;
 * pad: s right- (w > 0) or left-aligned (w < 0) in |w| columns.
 */
char *fmt_put_hex16(char *p, uint64_t v);
char *fmt_put_hex(char *p, uint64_t v);
char *fmt_put_dec(char *p, uint64_t v);
char *fmt_put_str(char *p, const char *s);
char *fmt_put_pad(char *p, const char *s, int w);
/* A string literal at p, copied whole (its length is known). */
#define FMT_PUT_LIT(p, lit) \
	((char *)memcpy((p), (lit), sizeof(lit) - 1) + sizeof(lit) - 1)
/* A JSON string, quoted and escaped. */
void fmt_json_str(FILE *f, const char *s);
/* "4K", "2M", "1G", "12K", "3G": exact, never rounded. */
void fmt_size(char *buf, size_t len, uint64_t bytes);
/* An exclusive end as hex.  Padded (text): 16 digits, the top page's end
 * wrapping to 0x0000000000000000; unpadded (JSON): exact, so the top
 * page ends at "0x10000000000000000". */
void fmt_end(char *buf, size_t len, uint64_t last, bool pad);
/* Named control-register bits, for regs. */
struct fmt_bit {
	const char *name;
	unsigned bit;
};
extern const struct fmt_bit fmt_cr0_bits[], fmt_cr4_bits[], fmt_efer_bits[];

#endif
