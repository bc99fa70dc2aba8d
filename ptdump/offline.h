/*
 * offline.h - a guest that is no longer running: QEMU's ELF core
 * (`dump-guest-memory FILE`: a PT_LOAD per RAM range, physical addresses
 * in p_paddr, a "QEMU" note per vCPU with its registers) or a raw image
 * of physical memory from address 0 (`pmemsave 0 SIZE FILE`), opened
 * behind the target interface.  Everything that only reads works on it;
 * it cannot run, and has no monitor.
 *
 * QEMU's note holds CR0, CR2, CR3 and CR4 but not EFER.  For a core,
 * EFER is taken as LME|LMA|NXE with CR0.PG and CR4.PAE in an x86-64
 * core (QEMU writes one when the first vCPU is in long mode, an i386
 * core otherwise), NXE with CR0.PG and CR4.PAE in an i386 core (kernels
 * set NXE where the CPU has it), else 0; `efer` in the options overrides
 * it.  An image has only the registers the options give.
 */
#ifndef PTDUMP_OFFLINE_H
#define PTDUMP_OFFLINE_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "target.h"

struct offline_opts {
	const char *core;	/* an ELF core, or NULL */
	const char *image;	/* raw physical memory, or NULL */
	/* Registers: given (have_*) or, for a core, from its notes. */
	bool have_cr3, have_cr4, have_efer;
	uint64_t cr3, cr4, efer;
};

/* Open the core or image of `o` as *out.  0, or -1 with err set
 * (PT_EXIT_TARGET for a file that is not one, PT_EXIT_USAGE for
 * options that do not fit). */
int offline_open(const struct offline_opts *o, struct target *out,
    struct pt_err *err);

/* Is t an offline target? */
bool offline_is(const struct target *t);

#endif
