/* fmt.c - the dump sink: coalescing leaves into ranges, shared helpers. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "fmt.h"
#include "symbols.h"

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

/*
 * The 8 hex digits of a 32-bit x, most significant first, as the bytes
 * of a 64-bit word in memory order: each nibble spread to its own byte,
 * then 0-9 and a-f made ASCII all at once (a big dump is mostly hex).
 */
static uint64_t
hex8(uint32_t x)
{
	uint64_t t = x;

	t = (t | t << 16) & 0x0000ffff0000ffffull;
	t = (t | t << 8) & 0x00ff00ff00ff00ffull;
	t = (t | t << 4) & 0x0f0f0f0f0f0f0f0full;	/* byte k: nibble k */
	/* +'0' for each digit, and 'a' - '0' - 10 more where it is >= 10 */
	t += 0x3030303030303030ull +
	    (((t + 0x0606060606060606ull) >> 4) & 0x0101010101010101ull) *
	    ('a' - '0' - 10);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	t = __builtin_bswap64(t);	/* nibble 7 first in memory */
#endif
	return t;
}

/* 16 lowercase hex digits of v at p; returns the end. */
char *
fmt_put_hex16(char *p, uint64_t v)
{
	uint64_t hi = hex8((uint32_t)(v >> 32)), lo = hex8((uint32_t)v);

	memcpy(p, &hi, 8);
	memcpy(p + 8, &lo, 8);
	return p + 16;
}

char *
fmt_put_str(char *p, const char *s)
{
	while (*s != '\0')
		*p++ = *s++;
	return p;
}

/* s right-aligned (w > 0) or left-aligned (w < 0) in |w| columns. */
char *
fmt_put_pad(char *p, const char *s, int w)
{
	int n = (int)strlen(s), pad = (w < 0 ? -w : w) - n;

	if (w > 0)
		while (pad-- > 0)
			*p++ = ' ';
	p = fmt_put_str(p, s);
	if (w < 0)
		while (pad-- > 0)
			*p++ = ' ';
	return p;
}

/* The last m (1 to 8) digits of hex8()'s word moved to its first bytes. */
static uint64_t
last_digits(uint64_t t, int m)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return t >> (8 * (8 - m));
#else
	return t << (8 * (8 - m));
#endif
}

char *
fmt_put_hex(char *p, uint64_t v)
{
	/* As many digits as v needs; whole words stored, each over the
	 * last one's unused bytes (hence room for 16). */
	int n = (64 - __builtin_clzll(v | 1) + 3) / 4;
	uint64_t lo = hex8((uint32_t)v), hi;

	if (n <= 8) {
		lo = last_digits(lo, n);
		memcpy(p, &lo, 8);
	} else {
		hi = last_digits(hex8((uint32_t)(v >> 32)), n - 8);
		memcpy(p, &hi, 8);
		memcpy(p + n - 8, &lo, 8);
	}
	return p + n;
}

char *
fmt_put_dec(char *p, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		*p++ = tmp[--n];
	return p;
}

void
fmt_size(char *buf, size_t len, uint64_t bytes)
{
	static const char unit[] = "KMGTPE";
	char tmp[24];
	uint64_t v = bytes;
	int u = -1, n = 0;
	size_t i;

	if (bytes != 0 && bytes % 1024 == 0)
		while (v % 1024 == 0 && u < 5) {
			v /= 1024;
			u++;
		}
	/* By hand: a dump formats two sizes a line. */
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	if (len == 0)
		return;
	for (i = 0; n > 0 && i + 1 < len; i++)
		buf[i] = tmp[--n];
	if (u >= 0 && i + 1 < len)
		buf[i++] = unit[u];
	buf[i] = '\0';
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

static void
text_range(struct fmt_dump *d, const struct fmt_range *r)
{
	fmt_text_range(d->f, r, d->color);
}

static void
json_range(struct fmt_dump *d, const struct fmt_range *r)
{
	fmt_json_range(d->f, r, d->nranges == 0, &d->jtail);
}

static void
text_note(struct fmt_dump *d, const struct walk_note *n)
{
	fmt_text_note(d->f, n);
}

/* JSON notes follow the ranges: keep them until the tail. */
static void
json_note(struct fmt_dump *d, const struct walk_note *n)
{
	if (d->nbuf < FMT_MAX_NOTES)
		d->notes[d->nbuf++] = *n;
	else
		d->notes_dropped++;
}

static const struct fmt_sink fmt_text_sink = {
	fmt_text_regs, fmt_text_walk, fmt_text_entry, fmt_text_dump_head,
	text_range, text_note, fmt_text_dump_tail,
};

static const struct fmt_sink fmt_json_sink = {
	fmt_json_regs, fmt_json_walk, fmt_json_entry, fmt_json_dump_head,
	json_range, json_note, fmt_json_dump_tail,
};

const struct fmt_sink *
fmt_sink(enum out_format format)
{
	return format == OUT_JSON ? &fmt_json_sink : &fmt_text_sink;
}

void
fmt_head(FILE *f, enum out_format format, const struct fmt_regs *r,
    uint64_t root)
{
	if (format == OUT_JSON) {
		if (r->cpu >= 0)
			fprintf(f, "\"cpu\":%d,", r->cpu);
		else
			fprintf(f, "\"cpu\":null,");
		fprintf(f, "\"cr3\":\"0x%" PRIx64 "\",\"mode\":\"%s\",", root,
		    x86pt_mode_name(r->mode));
		return;
	}
	fprintf(f, "# ");
	if (r->cpu >= 0)
		fprintf(f, "cpu %d, ", r->cpu);
	fprintf(f, "cr3 0x%" PRIx64 ", %s paging\n", root,
	    x86pt_mode_name(r->mode));
	if (r->mode == X86PT_MODE_PAE)
		fprintf(f, "%s\n", fmt_pae_caveat);
}

const char fmt_pae_caveat[] = "# the four PDPTEs are read from memory; "
    "the CPU uses the copies it loaded when CR3 was last written";

void
fmt_dump_begin(struct fmt_dump *d, FILE *f, enum out_format format,
    bool pages, bool color, const struct fmt_regs *r, uint64_t root)
{
	memset(d, 0, sizeof *d);
	d->f = f;
	d->sink = fmt_sink(format);
	d->pages = pages;
	d->color = color && format == OUT_TEXT;
	d->wp0 = (r->cr0 & X86PT_CR0_PG) && !(r->cr0 & X86PT_CR0_WP);
	d->sink->dump_head(f, r, root);
}

void
fmt_dump_collect(struct fmt_dump *d,
    void (*fn)(void *ctx, const struct fmt_range *r), void *ctx)
{
	memset(d, 0, sizeof *d);
	d->sink = fmt_sink(OUT_TEXT);
	d->collect = fn;
	d->collect_ctx = ctx;
}

/* dump --symbols: the section and the symbol that `va` is in. */
static void
annotate(const struct fmt_dump *d, struct fmt_range *r)
{
	const char *sec;

	r->sym[0] = r->section[0] = '\0';
	if (d->syms == NULL)
		return;
	sym_format(d->syms, r->va, r->sym, sizeof r->sym);
	if ((sec = sym_section_at(d->syms, r->va)) != NULL)
		snprintf(r->section, sizeof r->section, "%s", sec);
}

static void
flush(struct fmt_dump *d)
{
	if (!d->have)
		return;
	annotate(d, &d->cur);
	if (d->collect != NULL)
		d->collect(d->collect_ctx, &d->cur);
	else
		d->sink->range(d, &d->cur);
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
	    l->eff.exec == r->eff.exec && (l->memtype_name == r->memtype ||
	    strcmp(l->memtype_name, r->memtype) == 0) && l->rsvd == r->rsvd;
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
	 * the walk; the command reports it once, with this errno. */
	if (d->f == NULL || !ferror(d->f))
		return 0;
	if (d->io_errno == 0)
		d->io_errno = errno;
	return WALK_STOP;
}

int
fmt_dump_note(void *cookie, const struct walk_note *n)
{
	struct fmt_dump *d = cookie;

	if (n->kind == WALK_NOTE_HOLE || n->kind == WALK_NOTE_TABLE ||
	    n->kind == WALK_NOTE_TRUNCATED || d->collect != NULL)
		return 0;
	flush(d);
	d->sink->note(d, n);
	d->nnotes++;
	return 0;
}

int
fmt_dump_fail(struct fmt_dump *d, const struct walk_stats *st,
    const struct pt_err *err)
{
	struct walk_stats cut = *st;

	/* A failure the walk did not record (one before it) cut it all. */
	if (!cut.failed) {
		cut.failed = cut.truncated = true;
		cut.resume_va = 0;
	}
	d->error = err->msg;
	fmt_dump_end(d, &cut);
	return -1;
}

int
fmt_dump_end(struct fmt_dump *d, const struct walk_stats *st)
{
	flush(d);
	if (d->collect != NULL)
		return 0;
	d->sink->dump_tail(d, st);
	if (fflush(d->f) == EOF && d->io_errno == 0)
		d->io_errno = errno;
	return ferror(d->f) ? -1 : 0;
}
