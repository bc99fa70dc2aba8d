/*
 * x86fault.h - x86-64 exceptions and page faults, explained in words:
 * the exception vectors, the #PF error code, and why the page tables
 * make an access fault (Intel SDM vol. 3A, 4.6 "Access rights" and 4.7
 * "Page-fault exceptions"; AMD APM vol. 2, 5.6).
 *
 * Pure functions over values, like x86pt.h: no I/O, no allocation, no
 * state beyond the caller's structs.
 */
#ifndef PTDUMP_X86FAULT_H
#define PTDUMP_X86FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "walk.h"
#include "x86pt.h"

/* EFLAGS.AC, which SMAP looks at (CR4.SMEP and SMAP are in x86pt.h). */
#define X86FAULT_RFLAGS_AC	(1ull << 18)

/* ---- exception vectors --------------------------------------------- */

#define X86FAULT_NVECTORS	32u

struct x86fault_vector {
	const char *mnemonic;	/* "PF" (the SDM writes #PF); "" if none */
	const char *name;	/* "page fault"; "reserved" if unused */
	bool errcode;		/* the CPU pushes an error code */
};

/* Vector `vec` (0..31), or NULL past the exceptions. */
const struct x86fault_vector *x86fault_vector(unsigned vec);

/*
 * The vector a word names: a mnemonic with or without '#' ("pf", "#PF"),
 * a name without blanks, dashes or underscores ("pagefault",
 * "page-fault"), or a number 0..31 in decimal or 0x hex ("14", "0xe").
 * Case-insensitive.  Returns 0 with *vec set, or -1.
 */
int x86fault_vector_by_word(const char *w, unsigned *vec);

/* ---- the #PF error code -------------------------------------------- */

#define X86FAULT_PF_P		(1ull << 0)	/* 0: not present */
#define X86FAULT_PF_W		(1ull << 1)
#define X86FAULT_PF_U		(1ull << 2)
#define X86FAULT_PF_RSVD	(1ull << 3)
#define X86FAULT_PF_ID		(1ull << 4)	/* instruction fetch */
#define X86FAULT_PF_PK		(1ull << 5)
#define X86FAULT_PF_SS		(1ull << 6)	/* shadow stack */
#define X86FAULT_PF_HLAT	(1ull << 7)
#define X86FAULT_PF_SGX		(1ull << 15)

struct x86fault_errcode {
	bool present;		/* P: a protection violation, not a missing page */
	bool write;
	bool user;		/* CPL 3 */
	bool rsvd;
	bool fetch;
	bool pkey;
	bool shstk;
	bool hlat;
	bool sgx;
	uint64_t other;		/* set bits without a meaning above */
};

void x86fault_errcode_decode(uint64_t ec, struct x86fault_errcode *out);

/*
 * The error code in words, P, W/R and U/S always, then every other set
 * bit: "not present, read, supervisor", "protection violation, write,
 * user, reserved bit, instruction fetch, protection key, shadow stack,
 * HLAT, SGX", "bit 9" for bits without a meaning.  buf is always
 * NUL-terminated when len > 0; returns the length the full text needs.
 */
size_t x86fault_errcode_words(uint64_t ec, char *buf, size_t len);

/* ---- why an access faults ------------------------------------------ */

enum x86fault_kind { X86FAULT_READ, X86FAULT_WRITE, X86FAULT_EXEC };

struct x86fault_access {
	uint64_t va;
	enum x86fault_kind kind;
	bool user;		/* CPL 3 */
	bool ac;		/* EFLAGS.AC of the access */
	bool ac_known;
};

/*
 * Build an access from a #PF error code, CR2 and the RFLAGS of the
 * exception frame (whose AC is the faulting context's).
 */
void x86fault_access_from_errcode(uint64_t ec, uint64_t cr2, uint64_t rflags,
    struct x86fault_access *a);

enum x86fault_cause {
	X86FAULT_CAUSE_NONE,		/* the tables allow the access */
	X86FAULT_CAUSE_NONCANONICAL,	/* #GP (#SS), not a page fault */
	X86FAULT_CAUSE_NOT_PRESENT,
	X86FAULT_CAUSE_RESERVED,
	X86FAULT_CAUSE_USER_SUPERVISOR,	/* CPL 3 to a supervisor page */
	X86FAULT_CAUSE_READ_ONLY,	/* a write meets RW=0 */
	X86FAULT_CAUSE_NX,
	X86FAULT_CAUSE_SMEP,
	X86FAULT_CAUSE_SMAP,
	X86FAULT_CAUSE_SMAP_AC_UNKNOWN,	/* EFLAGS.AC decides */
	X86FAULT_CAUSE_PKEY_UNKNOWN,	/* PKRU or PKRS decides */
	X86FAULT_CAUSE_PAST_RAM,	/* a table past RAM: cannot tell */
};

/* "none", "non-canonical", "not present", ...; "?" when out of range. */
const char *x86fault_cause_name(enum x86fault_cause cause);

struct x86fault_verdict {
	bool faults;		/* would this access fault? (false if unknown) */
	enum x86fault_cause cause;
	enum x86pt_level level;	/* the entry that decides; 0: none */
	unsigned bit;		/* lowest reserved bit, for CAUSE_RESERVED */
	char why[256];		/* one sentence */
};

/*
 * Judge access `a` by the walk `t` of a->va under the registers in `c`,
 * checking in the order the CPU does: canonical address, present and
 * reserved bits level by level, then rights (US, RW with CR0.WP, NX with
 * EFER.NXE, SMEP, SMAP with EFLAGS.AC, protection keys).  The sentence
 * names the highest level that denies the access.  Returns 0, or -1 with
 * only v->why set when `t` is not a 4- or 5-level walk of a->va under
 * the mode of `c`.
 */
int x86fault_explain(const struct x86pt_ctx *c, const struct walk_trace *t,
    const struct x86fault_access *a, struct x86fault_verdict *v);

/*
 * Hold the tables' verdict `v` (for the access the error code `ec`
 * describes) against `ec` itself.  Writes one sentence to buf (always
 * NUL-terminated when len > 0) and returns true when they disagree,
 * e.g. the tables allow the access now, or the error code says P=1 where
 * the walk finds no translation.  QEMU TCG reports a reserved-bit fault
 * as 0x8 without P: that agrees.
 */
bool x86fault_compare(const struct x86fault_verdict *v, uint64_t ec,
    char *buf, size_t len);

#endif
