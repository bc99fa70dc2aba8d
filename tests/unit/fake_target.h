/*
 * fake_target.h - a `struct target` for unit tests: guest-physical
 * memory is a byte array, registers are numbers by name, and the guest
 * "runs" by a script of stops.
 *
 * What it stands for:
 *   - read_phys: the array; reads past its end return zeros, as QEMU's do.
 *   - read_reg: cr0 cr2 cr3 cr4 efer rip rsp eflags, per vCPU.
 *   - read_virt: through the fake's own page tables (the current vCPU's
 *     cr0/cr3/cr4/efer, translated by the real walker), or va = pa with
 *     `identity`.
 *   - monitor: "info registers" answers, QEMU-style with CR LF, with an
 *     "IDT=     <base16> <limit8>" line; other commands get
 *     `monitor_reply` or fail.
 *   - run control: each resume takes the next scripted stop (fake_script);
 *     with none left a step stops `step_len` bytes further on, and a
 *     continue runs until interrupted.  Inserts, removes, resumes,
 *     interrupts and vCPU choices are logged as words (see `log`).
 * While the guest runs, every access fails as the gdbstub target's do:
 * "the guest is running; 'interrupt' stops it".  After an exit the fake
 * is gone: everything fails.
 *
 * The Makefile builds a test from its one file, so a test takes the fake
 * as source: #include "fake_target.c".
 */
#ifndef PTDUMP_TESTS_FAKE_TARGET_H
#define PTDUMP_TESTS_FAKE_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "target.h"

#define FAKE_MAX_CPUS	4
#define FAKE_MAX_STOPS	16	/* scripted stops not yet taken */
#define FAKE_MAX_POINTS	128	/* points inserted at once */
#define FAKE_LOG_SIZE	2048

/* Registers, in this order in `reg`. */
enum fake_reg {
	FAKE_CR0, FAKE_CR2, FAKE_CR3, FAKE_CR4, FAKE_EFER, FAKE_RIP,
	FAKE_RSP, FAKE_EFLAGS, FAKE_NREGS,
};

/* One stop the guest will make; zero fields mean "as it was". */
struct fake_stop {
	int signal;		/* 5 SIGTRAP, 2 SIGINT, ... */
	unsigned cpu;		/* the vCPU that stops (becomes current) */
	uint64_t rip;		/* its RIP at the stop; 0: unchanged */
	uint64_t rsp, cr2;	/* its RSP and CR2 at the stop; 0: unchanged */
	bool watch;		/* a watchpoint hit ... */
	enum target_point watch_type;
	uint64_t watch_addr;	/* ... on this data address */
	bool exited;		/* the guest is gone, with exit_status */
	int exit_status;
	bool runs;		/* no stop: it runs until interrupted */
};

#define FAKE_TRAP(a)	{ .signal = 5, .rip = (a) }
#define FAKE_WATCH(a, type, data) \
	{ .signal = 5, .rip = (a), .watch = true, .watch_type = (type), \
	  .watch_addr = (data) }
#define FAKE_EXIT(status) { .exited = true, .exit_status = (status) }
#define FAKE_RUNS	{ .runs = true }

struct fake_point {
	enum target_point type;
	uint64_t addr;
	unsigned len;
};

struct fake_target {
	struct target tgt;	/* the fake's, unless fake_bind chose another */
	struct target *bound;	/* whose stop_gen the fake bumps */

	unsigned char *mem;
	size_t mem_size;
	unsigned reads;		/* read_phys calls */
	bool bad_read;		/* a read_phys not of one aligned 4 KiB page */
	uint64_t fail_pa;	/* read_phys of this page fails; 0: none */

	uint64_t reg[FAKE_MAX_CPUS][FAKE_NREGS];
	const char *fail_reg;	/* reads of this register fail */
	unsigned ncpus;		/* 1 after fake_init */
	unsigned cur;		/* the current vCPU */

	bool identity;		/* read_virt: va = pa, no tables */
	struct walk_cache *vcache;	/* read_virt's own table cache */

	bool no_idt;		/* "info registers" without an IDT= line */
	uint64_t idt_base;
	uint64_t idt_limit;
	const char *monitor_reply;	/* answer to any other command */
	char monitor_last[128];
	unsigned monitor_calls;

	struct fake_stop script[FAKE_MAX_STOPS];
	unsigned nscript;
	uint64_t step_len;	/* RIP advance of an unscripted step; 1 */
	bool running;
	bool pending;		/* a stop waits to be collected ... */
	struct fake_stop next;	/* ... this one */
	bool gone;		/* exited: nothing works any more */
	bool fail_resume;	/* resume fails */
	uint64_t fail_insert;	/* inserting a point here fails; 0: none */
	unsigned closed;	/* close calls */

	struct fake_point pt[FAKE_MAX_POINTS];	/* inserted now */
	unsigned npt;

	/*
	 * What the run-control ops were asked, one word group per call,
	 * blank-separated: "+sw 0x9000" / "-hw 0x9000" (insert / remove a
	 * break), "+write 0x6000/8" (read, access: other watch kinds),
	 * "step", "cont", "intr", "cpu 1".  A failed call ends in '!'.
	 */
	char log[FAKE_LOG_SIZE];
	bool log_full;
};

/* A fake with `mem_size` zero bytes, one vCPU, all registers 0.
 * Returns 0, or -1 when out of memory. */
int fake_init(struct fake_target *f, size_t mem_size);

void fake_free(struct fake_target *f);

/* Back to what fake_init left (zero memory, registers, no points nor
 * stops), keeping the memory it allocated. */
void fake_reset(struct fake_target *f);

/* Make `t` this fake (ops, ctx, stop_gen 1): a session holds its own
 * struct target, and the fake bumps that one's stop_gen. */
void fake_bind(struct fake_target *f, struct target *t);

/* Store the little-endian 8-byte entry `index` of the table at `table`. */
void fake_put(struct fake_target *f, uint64_t table, unsigned index,
    uint64_t val);

/* Store the 4-byte entry `index` of a 32-bit paging table at `table`. */
void fake_put32(struct fake_target *f, uint64_t table, unsigned index,
    uint32_t val);

/* Set a register of the current vCPU, or of vCPU `cpu`; names as
 * read_reg takes them.  An unknown name aborts (a broken test). */
void fake_set_reg(struct fake_target *f, const char *name, uint64_t val);
void fake_set_cpu_reg(struct fake_target *f, unsigned cpu, const char *name,
    uint64_t val);
uint64_t fake_reg(const struct fake_target *f, const char *name);

/* 4-level paging as a 64-bit kernel runs: CR0.PG|WP|PE, CR4.PAE,
 * EFER.LME|LMA|NXE, and this CR3, on every vCPU. */
void fake_long_mode(struct fake_target *f, uint64_t cr3);

/* Append a stop to the script; aborts when the script is full. */
void fake_script(struct fake_target *f, const struct fake_stop *st);

/* Forget the logged calls. */
void fake_clear_log(struct fake_target *f);

/* Is a point of this type inserted at addr? */
bool fake_has_point(const struct fake_target *f, enum target_point type,
    uint64_t addr);

#endif
