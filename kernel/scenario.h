/*
 * scenario.h - the named experiments and the helpers they share.
 *
 * A scenario sets up its mappings, calls checkpoint(its name) once the
 * state it wants to show is in place (a debugger looks there), then makes
 * its access, checks the outcome inside the kernel, and says in words
 * what happened.  It returns NULL on pass or a short reason for the FAIL
 * line.  It recovers from its own faults and leaves CR0, CR3, CR4,
 * IA32_PAT and the #PF hook as it found them, so `scenario=all` can run
 * the next one.
 */
#ifndef SCENARIO_H
#define SCENARIO_H

#include "kernel.h"
#include "paging.h"

struct scenario {
	const char *name;
	const char *(*run)(const struct scenario *sc);
	const char *desc;
};

/*
 * Where the scenarios map things.  Each has its own 1 GiB slot of the
 * PDPT under PML4 entry 0 (slot N starts at N GiB), so no two share a
 * page directory and a dump shows one scenario's pages together.  Slot 0
 * is the kernel's; slot 3 holds 0xdeadbeaf and stays empty.
 */
#define SC_SLOT(n) ((uint64_t)(n) << 30)
#define SC_PAGES_4K SC_SLOT(1)
#define SC_PAGES_2M SC_SLOT(2)
#define SC_PAGES_1G SC_SLOT(4)
#define SC_RO SC_SLOT(5)
#define SC_NX SC_SLOT(6)
#define SC_USER SC_SLOT(7)
#define SC_WP SC_SLOT(8)
#define SC_CACHE SC_SLOT(9)
#define SC_PAT SC_SLOT(10)
#define SC_ALIAS SC_SLOT(11)
#define SC_GLOBAL SC_SLOT(12)
#define SC_TLB SC_SLOT(13)
#define SC_DEMAND SC_SLOT(14)
#define SC_WX SC_SLOT(15)
#define SC_PF_WRITE_RO SC_SLOT(16)
#define SC_PF_EXEC_NX SC_SLOT(17)
#define SC_PF_USER_SUPER SC_SLOT(18)
#define SC_PF_RSVD SC_SLOT(19)
#define SC_SMEP SC_SLOT(20)
#define SC_SMAP SC_SLOT(21)
/* scale needs a PML4 entry of its own (entry 1); pcid a top-table
 * entry (entry 2: 0x10000000000, or 0x2000000000000 with LA57). */
#define SC_SCALE UINT64_C(0x0000008000000000)
#define SC_PCID ((uint64_t)2 << PX_SHIFT(paging_levels))

/* A page's worth of quadwords that tell whose frame a read came from. */
#define SC_MAGIC UINT64_C(0x5ca1ab1e00000000)

/* ---- scenarios.c: shared helpers ------------------------------------ */

const char *sc_expect(const char *name, const struct fault_info *f,
		      uint64_t vector, uint64_t cr2, uint64_t error);
const char *sc_expect_value(const char *name, const char *what,
			    uint64_t got, uint64_t want);
const char *sc_skip(const char *name, struct cpu_feature f);
bool sc_lacks(const struct scenario *sc, struct cpu_feature f);
uint64_t sc_frame(uint64_t fill);
uint64_t sc_map_new(uint64_t va, uint64_t flags, uint64_t fill);
uint64_t sc_user_code(uint64_t base);
uint64_t sc_load(uint64_t va);
const struct fault_info *sc_try_load(uint64_t va, uint64_t *out);
const struct fault_info *sc_try_store(uint64_t va, uint64_t value);
const struct fault_info *sc_try_call(uint64_t va, uint64_t arg,
				     uint64_t *ret);
const struct fault_info *sc_ring3_load(uint64_t code, uint64_t va);

/* ---- the scenarios, by module -------------------------------------- */

#define SC_DECLARE(fn) const char *fn(const struct scenario *sc)

/* sc_map.c: page sizes, rights, caching, aliases, the recursive slot */
SC_DECLARE(sc_pages_4k);
SC_DECLARE(sc_pages_2m);
SC_DECLARE(sc_pages_1g);
SC_DECLARE(sc_ro);
SC_DECLARE(sc_nx);
SC_DECLARE(sc_user);
SC_DECLARE(sc_cache);
SC_DECLARE(sc_pat);
SC_DECLARE(sc_alias);
SC_DECLARE(sc_recursive);
SC_DECLARE(sc_global);
SC_DECLARE(sc_wx);
SC_DECLARE(sc_scale);

/* sc_fault.c: deliberate faults and what the CPU reports for them */
SC_DECLARE(sc_wp);
SC_DECLARE(sc_demand);
SC_DECLARE(sc_pf_unmapped);
SC_DECLARE(sc_pf_write_ro);
SC_DECLARE(sc_pf_write_code);
SC_DECLARE(sc_pf_exec_nx);
SC_DECLARE(sc_pf_user_super);
SC_DECLARE(sc_pf_rsvd);
SC_DECLARE(sc_gp_noncanonical);
SC_DECLARE(sc_smep);
SC_DECLARE(sc_smap);
SC_DECLARE(sc_stack_overflow);

/* sc_hostile.c: tables a debugger must survive */
SC_DECLARE(sc_hostile);
SC_DECLARE(sc_hostile_fanout);

/* sc_tlb.c: translations the TLB keeps after the tables change */
SC_DECLARE(sc_tlb_stale);
SC_DECLARE(sc_pcid);

#endif
