/*
 * fmt_run.h - printers for the debugger: stops, the points table, the
 * vCPUs and fault explanations.  A command picks its sink once, by
 * format, and calls through it.
 */
#ifndef PTDUMP_FMT_RUN_H
#define PTDUMP_FMT_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "run.h"
#include "session.h"
#include "walk.h"
#include "x86fault.h"

struct sym_table;

/* One vCPU for `info cpus`. */
struct fmt_cpu {
	unsigned index;
	bool current;
	uint64_t rip, cr3;
	enum x86pt_mode mode;
	int same_root_as;	/* a lower vCPU with the same root, or -1 */
};

/* What `fault` found out. */
struct fmt_fault {
	bool caught;		/* about a stop at a catchpoint */
	unsigned vector;
	int cpu;
	bool has_errcode;
	uint64_t errcode;
	bool has_cr2;
	uint64_t cr2;
	bool has_rip;
	uint64_t rip;		/* the faulting instruction */
	bool has_walk;
	struct walk_trace walk;
	bool has_verdict;
	struct x86fault_access access;
	struct x86fault_verdict verdict;
	char note[512];		/* a second sentence, or "" */
};

struct fmt_run_sink {
	void (*stop)(FILE *f, const struct run_stop *st,
	    const struct run_point *p, const struct sym_table *syms);
	void (*points)(FILE *f, const struct run_state *r,
	    const struct sym_table *syms);
	void (*cpus)(FILE *f, const struct fmt_cpu *c, unsigned n);
	void (*fault)(FILE *f, const struct fmt_fault *ff,
	    const struct sym_table *syms);
};

const struct fmt_run_sink *fmt_run_sink(enum out_format format);

/* " <name+0x1c>" for addr, or "" without a symbol; buf of len bytes. */
const char *fmt_sym(const struct sym_table *syms, uint64_t addr, char *buf,
    size_t len);

#endif
