/*
 * fuzz_walk.c - the walker and the dump printers over any guest: the
 * input's first 32 bytes are CR0, CR3, CR4 and EFER, the rest is guest
 * RAM from address 0 (64 KiB at most; past it reads return zeros, as
 * QEMU's do past RAM).  Every mode, flag, reserved bit, loop and table
 * past RAM a guest could set up goes through walk_va, walk_range and an
 * output format (bits of the input choose which, and the options).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "walk.h"
#include "../unit/fake_target.c"

#define MEM (64u * 1024)

/* The dump sink, counting what passes through it. */
struct counted {
	struct fmt_dump d;
	uint64_t leaves;
};

static uint64_t
le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static int
count_leaf(void *cookie, const struct walk_leaf *l)
{
	struct counted *c = cookie;

	c->leaves++;
	return fmt_dump_leaf(&c->d, l);
}

static int
count_note(void *cookie, const struct walk_note *n)
{
	return fmt_dump_note(&((struct counted *)cookie)->d, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	static struct walk_cache *cache;
	/* One fake for every input too, reset for each. */
	static struct fake_target ft;
	static bool have_fake;
	struct walk_ctx w;
	struct walk_trace t;
	struct counted c;
	struct fmt_regs r;
	struct x86pt_ctx pt;
	struct pt_err e;
	uint64_t cr0, cr3, cr4, efer;

	if (size < 32)
		return 0;
	if (null == NULL && (null = fopen("/dev/null", "w")) == NULL)
		abort();
	/* One cache for every input (setting one up costs more than most
	 * walks), emptied for each. */
	if (cache == NULL && (cache = walk_cache_new(0, &e)) == NULL)
		abort();
	walk_cache_flush(cache);
	cr0 = le64(data);
	cr3 = le64(data + 8);
	cr4 = le64(data + 16);
	efer = le64(data + 24);
	if (!have_fake && fake_init(&ft, MEM) < 0)
		abort();
	have_fake = true;
	fake_reset(&ft);
	memcpy(ft.mem, data + 32, size - 32 < MEM ? size - 32 : MEM);
	x86pt_ctx_init(&pt, cr0, cr4, efer);
	walk_ctx_init(&w, &ft.tgt, cache, &pt, cr3);
	/* Small budgets: one walk per input, many inputs a second. */
	w.max_entries = 256;
	w.max_tables = 16;
	w.ram_limit = data[31] & 1 ? MEM : 0;
	w.holes = data[30] & 1;
	walk_va(&w, cr3 ^ cr4, &t, &e);

	r = (struct fmt_regs){ .cpu = 0, .cr0 = cr0, .cr3 = cr3, .cr4 = cr4,
	    .efer = efer, .mode = pt.mode };
	memset(&c, 0, sizeof c);
	fmt_dump_begin(&c.d, null, data[29] & 2 ? OUT_JSON : OUT_TEXT,
	    data[29] & 1, false, &r, x86pt_cr3_root(cr3, pt.maxphyaddr));
	w.note = count_note;
	if (walk_range(&w, 0, UINT64_MAX, count_leaf, &c, &e) < 0) {
		fmt_dump_fail(&c.d, &w.stats, &e);
	} else {
		fmt_dump_end(&c.d, &w.stats);
		if (w.stats.leaves != c.leaves)
			abort();	/* every leaf counted is one reported */
	}
	return 0;
}
