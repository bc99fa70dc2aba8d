/*
 * run.h - running and stopping the guest: breakpoints, watchpoints,
 * catchpoints on exception vectors, and what a stop means.
 *
 * The target inserts and removes points and reports raw stops; this
 * module numbers the points as the user sees them, steps over a
 * breakpoint before continuing from it, and turns a raw stop into a
 * reason (breakpoint 2, a watchpoint on an address, a caught #PF with
 * its exception frame).  It never prints.
 */
#ifndef PTDUMP_RUN_H
#define PTDUMP_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "target.h"
#include "x86pt.h"

#define RUN_MAX_POINTS 64
#define RUN_MAX_ADDRS 8		/* addresses one watch-pte may watch */

struct session;

enum run_kind {
	RUN_BREAK,		/* break, tbreak, hbreak */
	RUN_WATCH,		/* watch, rwatch, awatch */
	RUN_CATCH,		/* catch VECTOR: a breakpoint on its handler */
	RUN_WATCH_PTE,		/* watch-pte: writes to a page-table entry */
};

struct run_point {
	unsigned num;
	enum run_kind kind;
	enum target_point type;
	uint64_t addr[RUN_MAX_ADDRS];	/* where it is inserted */
	unsigned naddr;
	unsigned len;		/* watchpoints: bytes watched */
	bool temp;		/* tbreak: deleted when hit */
	unsigned vector;	/* RUN_CATCH ... */
	bool user_only;		/* ... only from CPL 3 (the frame's CS) */
	bool cr2_filter;	/* ... only with CR2 in [cr2_lo, cr2_hi] */
	uint64_t cr2_lo, cr2_hi;
	unsigned skipped;	/* stops that did not match, run through */
	uint64_t pte_va;	/* RUN_WATCH_PTE: whose entry ... */
	uint64_t pte_pa;	/* ... lives here ... */
	enum x86pt_level pte_level;	/* ... at this level */
	unsigned hits;
	char where[80];		/* the location as the user wrote it */
};

enum run_reason {
	RUN_STOP_BREAK,
	RUN_STOP_WATCH,
	RUN_STOP_CATCH,
	RUN_STOP_STEP,
	RUN_STOP_INTERRUPT,
	RUN_STOP_SIGNAL,	/* any other stop the target reported */
	RUN_STOP_EXITED,	/* the guest (QEMU) is gone */
};

/* The exception frame a catchpoint stop finds at RSP. */
struct run_frame {
	bool has_errcode;
	uint64_t errcode;
	uint64_t rip, cs, rflags, rsp;
};

struct run_stop {
	enum run_reason reason;
	int cpu;
	uint64_t rip;
	unsigned num;		/* the point's number (break, watch, catch) */
	bool temp_deleted;	/* a tbreak, gone now */
	enum target_point watch_type;
	uint64_t data_addr;	/* RUN_STOP_WATCH */
	int signal;
	int exit_status;
	unsigned vector;	/* RUN_STOP_CATCH ... */
	bool have_frame;
	struct run_frame frame;
	uint64_t cr2;		/* read at the stop */
	uint64_t gen;		/* target stop_gen of this stop */
	bool skip;		/* a filtered catchpoint that did not match */
};

struct run_state {
	struct run_point pt[RUN_MAX_POINTS];
	unsigned npt;
	unsigned next_num;
	bool have_stop;
	struct run_stop last;
};

/* Points and stops are forgotten (a new connection). */
void run_reset(struct run_state *r);

/*
 * Add a point; *num gets its number.  break/tbreak/hbreak take type
 * TARGET_BREAK_SW/HW; watch/rwatch/awatch a TARGET_WATCH_* and len.
 * Returns 0 or -1 with err set.
 */
int run_add_break(struct session *s, enum target_point type, uint64_t addr,
    bool temp, const char *where, unsigned *num, struct pt_err *err);
int run_add_watch(struct session *s, enum target_point type, uint64_t addr,
    unsigned len, const char *where, unsigned *num, struct pt_err *err);

/*
 * catch VECTOR: read IDTR (from the monitor's `info registers`) and gate
 * VECTOR through the current tables, and break on its handler.  With a
 * filter (f may be NULL), stops that do not match it (a fault from ring
 * 0, CR2 elsewhere) are run through, as GDB runs through a breakpoint
 * whose condition is false.
 */
struct run_catch_filter {
	bool user_only;
	bool cr2;
	uint64_t cr2_lo, cr2_hi;	/* inclusive */
};
int run_add_catch(struct session *s, unsigned vector,
    const struct run_catch_filter *f, unsigned *num, struct pt_err *err);

/*
 * watch-pte VA: the entry that maps VA (the leaf, or the entry where
 * the walk ends) is found by a walk; every virtual address that maps
 * that entry's physical address in the current address space (up to
 * RUN_MAX_ADDRS) gets a write watchpoint.  Fails, saying so, when none
 * maps it.
 */
int run_add_watch_pte(struct session *s, uint64_t va, unsigned *num,
    struct pt_err *err);

/* Delete point `num`, or all of them (num 0).  -1 if there is no such. */
int run_delete(struct session *s, unsigned num, struct pt_err *err);

/* The point numbered `num`, or NULL. */
const struct run_point *run_find(const struct run_state *r, unsigned num);

/*
 * Run the guest until it stops: `count` single steps, or a continue
 * (count 0).  A breakpoint at the current RIP is stepped over first.
 * The wait ends at a stop, or at a signal (sig.h), which interrupts the
 * guest.  With `background`, a continue returns at once and the stop is
 * collected later by run_poll.  Returns 0 with *stop filled (1 for
 * background: no stop yet), or -1 with err set.
 */
int run_go(struct session *s, unsigned count, bool background,
    struct run_stop *stop, struct pt_err *err);

/*
 * For a guest running in the background: 1 with *stop filled once it
 * stopped, 0 while it runs, -1 with err set.  timeout_ms as target wait.
 */
int run_poll(struct session *s, int timeout_ms, struct run_stop *stop,
    struct pt_err *err);

/* Is the guest running (in the background)? */
bool run_running(struct session *s);

#endif
