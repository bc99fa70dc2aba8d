/*
 * walk.h - walking the page tables of a target.
 *
 * The walker reads tables through target->ops->read_phys (one whole
 * 4 KiB page per table, cached for the current stop; PAE's four PDPTEs
 * are read with the page that holds them) and reports what it finds
 * through callbacks; it never prints.  The shape of the tables (entries,
 * their size, bits of address per level) comes from the paging mode.  Coalescing, filtering and
 * output belong to the sinks.
 */
#ifndef PTDUMP_WALK_H
#define PTDUMP_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "target.h"
#include "x86pt.h"

#define WALK_DEFAULT_MAX_ENTRIES (1ull << 20)	/* leaves per walk */
#define WALK_DEFAULT_MAX_TABLES (1ull << 16)	/* table visits per walk */
#define WALK_CACHE_DEFAULT_PAGES 4096		/* 16 MiB at most */

/* ---- table cache --------------------------------------------------- */

/*
 * Table pages keyed by physical address, valid while target->stop_gen
 * (and the target) stay the same.  When `max_pages` are held the cache
 * starts over, so its memory is bounded.
 */
struct walk_cache;

struct walk_cache_stats {
	uint64_t reads;		/* read_phys calls */
	uint64_t hits;
	uint64_t flushes;	/* stop_gen changes and overflows */
	size_t pages;		/* held now */
};

/* A new, empty cache of at most `max_pages` (0: the default); NULL and
 * `err` set when out of memory. */
struct walk_cache *walk_cache_new(size_t max_pages, struct pt_err *err);

void walk_cache_free(struct walk_cache *c);

/* Forget every page (e.g. after writing guest memory). */
void walk_cache_flush(struct walk_cache *c);

void walk_cache_stats(const struct walk_cache *c, struct walk_cache_stats *out);

/*
 * The 512 entries of the table page at `pa` (4 KiB aligned), in host
 * byte order, read whole on a miss.  *entries stays valid until the next
 * call on `c`.  Returns 0, or -1 with `err` set when the read fails.
 */
int walk_cache_table(struct walk_cache *c, struct target *t, uint64_t pa,
    const uint64_t **entries, struct pt_err *err);

/*
 * Read the table pages at pa[0..n) into the cache in one batch, if the
 * target can (read_phys_many) and the cache has room; pages that fail
 * are left for walk_cache_table to read and report.  Returns -1 with
 * err set only if the target is lost.
 */
int walk_cache_prefetch(struct walk_cache *c, struct target *t,
    const uint64_t *pa, size_t n, struct pt_err *err);

/* How many more pages walk_cache_prefetch would take now (0 when the
 * target reads as fast one at a time). */
size_t walk_cache_room(const struct walk_cache *c);

/* ---- a set of table pages ------------------------------------------ */

/*
 * The table pages a walk visits (WALK_NOTE_TABLE notes), each once after
 * walk_pages_finish(): a recursive slot reaches some twice.
 */
struct walk_pages {
	uint64_t *pa;
	size_t n, cap;
	size_t max;		/* 0: no limit */
	bool capped;		/* more than max, or out of memory */
};

/* Add one; -1 (and `capped`) when over max or out of memory. */
int walk_pages_add(struct walk_pages *s, uint64_t pa);

/* Sort and drop repeats. */
void walk_pages_finish(struct walk_pages *s);

void walk_pages_free(struct walk_pages *s);

/* ---- walker -------------------------------------------------------- */

/* A present leaf: one page mapping. */
struct walk_leaf {
	uint64_t va;		/* canonical, aligned to page_size */
	uint64_t page_size;	/* 4 KiB, 2 MiB, 4 MiB or 1 GiB */
	enum x86pt_level level;	/* of the leaf entry */
	uint64_t raw;		/* the leaf entry */
	uint64_t entry_pa;	/* where the leaf entry lives */
	uint64_t pa;		/* the page frame */
	uint32_t flags;		/* X86PT_F_* of the leaf entry */
	unsigned pkey;
	unsigned memtype;	/* X86PT_MT_* via PAT */
	const char *memtype_name;
	struct x86pt_eff eff;	/* rights combined over every level */
	/*
	 * Reserved bits set on the path (ORed over every level; any makes
	 * an access fault), and the highest level that has some (0: none).
	 */
	uint64_t rsvd;
	unsigned rsvd_level;
	/*
	 * A=1 at every level, leaf included.  The CPU sets A when it
	 * caches a translation, so A=0 anywhere on the path means it is not
	 * cached since that bit was last cleared.
	 */
	bool accessed;
	const struct x86pt_entry *entry;	/* decoded leaf, for the rest */
};

/* Findings other than leaves. */
enum walk_note_kind {
	WALK_NOTE_RSVD,		/* an entry has reserved bits: accesses fault;
				   a table below it is still walked */
	WALK_NOTE_PAST_RAM,	/* a table address at or above ram_limit:
				   not walked */
	WALK_NOTE_RECURSIVE,	/* points to a table on its own path (a
				   recursive slot): walked as the CPU would */
	WALK_NOTE_HOLE,		/* non-present entry (only with `holes`) */
	WALK_NOTE_TRUNCATED,	/* a budget ran out; `va` is where the walk
				   stopped */
	WALK_NOTE_TABLE,	/* a table page, before its entries (only
				   with `tables`): level, va it covers from,
				   table_pa */
};

struct walk_note {
	enum walk_note_kind kind;
	enum x86pt_level level;	/* of the entry */
	uint64_t va;		/* first address the entry covers */
	uint64_t size;		/* bytes the entry covers */
	uint64_t entry_pa;	/* where the entry lives */
	uint64_t raw;
	uint64_t rsvd;		/* WALK_NOTE_RSVD: the reserved bits set */
	uint64_t table_pa;	/* PAST_RAM, RECURSIVE: the table pointed at */
};

/*
 * Callbacks return 0 to go on, WALK_STOP to end the walk early (not an
 * error), or -1 to fail it; a failing sink may fill the walk's pt_err
 * (held through its cookie) first, else a generic message is set.
 */
#define WALK_STOP 1
typedef int (*walk_leaf_fn)(void *cookie, const struct walk_leaf *leaf);
typedef int (*walk_note_fn)(void *cookie, const struct walk_note *note);

/* Which budget cut a walk short. */
enum walk_budget {
	WALK_BUDGET_NONE,
	WALK_BUDGET_ENTRIES,	/* max_entries leaves */
	WALK_BUDGET_TABLES,	/* max_tables table visits */
};

struct walk_stats {
	uint64_t leaves;	/* reported */
	uint64_t tables;	/* table visits, revisits included */
	uint64_t notes;		/* findings, reported or not */
	bool truncated;		/* a budget ran out, `cancel` said so or the
				 * walk failed ... */
	uint64_t resume_va;	/* ... and this is the first VA not walked */
	enum walk_budget budget;	/* the budget that ran out, if one did */
	bool stopped;		/* a callback returned WALK_STOP */
	bool cancelled;		/* `cancel` cut the walk (truncated too) */
	bool failed;		/* walk_range returned -1 (truncated too) */
};

/* The option that raises the budget that cut st's walk short. */
const char *walk_budget_option(const struct walk_stats *st);

/* Why st's walk stopped short, for a message: "interrupted", "raise
 * --max-entries" or "raise --max-tables". */
const char *walk_cut_why(const struct walk_stats *st);

struct walk_ctx {
	struct target *tgt;
	struct walk_cache *cache;	/* required; may be shared */
	struct x86pt_ctx pt;	/* CR0/CR4/EFER, MAXPHYADDR, PAT */
	uint64_t cr3;		/* the root; PCID and flag bits are ignored */
	uint64_t ram_limit;	/* 0: unknown, every table is walked */
	uint64_t max_entries;	/* leaves per walk_range(); 0: default */
	uint64_t max_tables;	/* table visits per walk_range(); 0: default */
	bool holes;		/* report non-present entries */
	bool tables;		/* report each table page visited */
	walk_note_fn note;	/* NULL: findings are only counted */
	/* Asked before each table and leaf; true cuts the walk short like
	 * a budget (e.g. on Ctrl-C).  NULL: never. */
	bool (*cancel)(void *ctx);
	void *cancel_ctx;
	struct walk_stats stats;	/* of the last walk_range() */
};

/*
 * Return 0 if the walker can walk `mode` (32-bit, PAE, 4-level or
 * 5-level paging), else -1 with `err` saying why (paging off).
 */
int walk_check_mode(enum x86pt_mode mode, struct pt_err *err);

/* Set up a walk of the tables under `cr3`, with default budgets. */
void walk_ctx_init(struct walk_ctx *w, struct target *t,
    struct walk_cache *c, const struct x86pt_ctx *pt, uint64_t cr3);

/*
 * walk_ctx_init() from the target's cr0, cr3, cr4 and efer registers
 * (default MAXPHYADDR and PAT: adjust w->pt afterwards).  Returns 0 or -1
 * with `err` set.
 */
int walk_ctx_load(struct walk_ctx *w, struct target *t,
    struct walk_cache *c, struct pt_err *err);

/*
 * Report every present leaf that overlaps [va_start, va_last] (canonical
 * addresses in long mode, the non-canonical hole in between skipped;
 * outside it, the range ends at 4 GiB) in ascending address order, and the findings on the way to them, as the CPU would
 * translate: shared and recursive tables are walked once per path.  A
 * leaf is reported whole even if the range cuts it.  Stops when a budget
 * runs out (w->stats.truncated) or a callback says so.  Returns 0, or -1
 * with `err` set (read failure, unsupported paging mode, CR3 past RAM, a
 * failing callback).
 */
int walk_range(struct walk_ctx *w, uint64_t va_start, uint64_t va_last,
    walk_leaf_fn cb, void *cookie, struct pt_err *err);

/* Why a translation ends. */
enum walk_stop {
	WALK_OK,		/* translated: pa, page_size, eff are set */
	WALK_NONCANONICAL,	/* no step taken */
	WALK_NOT_PRESENT,	/* the last step's entry has P clear */
	WALK_RESERVED,		/* the last step's entry has reserved bits */
	WALK_PAST_RAM,		/* the last step points to a table past RAM */
};

/* "translated", "non-canonical address", "not present", ... */
const char *walk_stop_name(enum walk_stop stop);

struct walk_step {
	enum x86pt_level level;
	unsigned index;
	uint64_t table_pa;
	uint64_t entry_pa;
	bool recursive;		/* points to a table already on the path */
	struct x86pt_entry e;	/* decoded; e.raw is the entry */
};

struct walk_trace {
	uint64_t va;
	uint64_t root;		/* the top table, from CR3 */
	enum x86pt_mode mode;
	unsigned nsteps;	/* top level first */
	struct walk_step step[5];
	enum walk_stop stop;
	enum x86pt_level stop_level;	/* level of the last step */
	uint64_t pa;		/* WALK_OK: the translation of va */
	uint64_t page_size;
	struct x86pt_eff eff;	/* over the steps taken */
};

/*
 * Whether the walk of t stopped because, outside long mode, its address
 * lies past the 4 GiB of linear addresses (WALK_NONCANONICAL, no step).
 */
bool walk_trace_past_4g(const struct walk_trace *t);

/* Why the walk of t ended, as walk_stop_name says, but "past 4 GiB"
 * where walk_trace_past_4g. */
const char *walk_trace_result(const struct walk_trace *t);

/*
 * Translate `va` step by step as the CPU would.  A translation that ends
 * early is not an error (see out->stop).  Returns 0, or -1 with `err`
 * set (read failure, unsupported paging mode, CR3 past RAM).
 */
int walk_va(struct walk_ctx *w, uint64_t va, struct walk_trace *out,
    struct pt_err *err);

#endif
