/*
 * scenarios.c - the table of scenarios, the runner, and the helpers the
 * scenarios share (see scenario.h for what a scenario must do).
 *
 * To add one: write its function in the module it belongs to, declare
 * it in scenario.h and add a row to the table below.
 */
#include "scenario.h"

uint64_t scenario_scale_gib = 1;

/* ---- verdicts -------------------------------------------------------- */

/*
 * sc_expect compares fault F (NULL: the access did not fault) with
 * VECTOR, ERROR and, for a #PF, CR2 (other faults leave CR2 alone),
 * prints the verdict under NAME and returns NULL if they match, else a
 * short reason.
 */
const char *sc_expect(const char *name, const struct fault_info *f,
		      uint64_t vector, uint64_t cr2, uint64_t error)
{
	if (f == NULL) {
		kprintf("%s: expected %s, but the access went through\n", name,
			trap_name(vector));
		return "the access did not fault";
	}
	if (f->vector == vector && f->error == error &&
	    (vector != T_PF || f->cr2 == cr2)) {
		kprintf("%s: got the expected fault\n", name);
		return NULL;
	}
	kprintf("%s: expected %s cr2=0x%lx err=0x%lx, got %s cr2=0x%lx "
		"err=0x%lx\n", name, trap_name(vector), cr2, error,
		trap_name(f->vector), f->cr2, f->error);
	return "the fault was not the expected one";
}

/* sc_expect_value returns NULL if GOT equals WANT, else prints what WHAT
 * read under NAME and returns a short reason. */
const char *sc_expect_value(const char *name, const char *what,
			    uint64_t got, uint64_t want)
{
	if (got == want)
		return NULL;
	kprintf("%s: %s: read 0x%lx, want 0x%lx\n", name, what, got, want);
	return "a read returned the wrong value";
}

/* sc_skip prints why NAME cannot run on this CPU and returns NULL: a
 * scenario whose feature is missing passes as skipped.  Its checkpoint
 * must already be behind it (sc_lacks does both). */
const char *sc_skip(const char *name, struct cpu_feature f)
{
	kprintf("%s: skipped: this CPU does not offer %s (CPUID leaf 0x%x "
		"%s bit %u is clear)\n", name, f.name, f.leaf,
		(const char *[]){ "EAX", "EBX", "ECX", "EDX" }[f.reg & 3],
		f.bit);
	return NULL;
}

/* sc_lacks reports whether the CPU lacks feature F; if so, SC stops at
 * its checkpoint (nothing set up) and says it is skipped, so the caller
 * just returns NULL. */
bool sc_lacks(const struct scenario *sc, struct cpu_feature f)
{
	if (cpu_has(f))
		return false;
	checkpoint(sc->name);
	sc_skip(sc->name, f);
	return true;
}

/* ---- frames and mappings --------------------------------------------- */

/* sc_frame returns a fresh frame whose quadwords all read FILL. */
uint64_t sc_frame(uint64_t fill)
{
	uint64_t pa = frame_alloc();
	uint64_t *q = (uint64_t *)pa;

	for (size_t i = 0; i < PAGE_SIZE / 8; i++)
		q[i] = fill;
	return pa;
}

/* sc_map_new maps a fresh frame filled with FILL at VA with FLAGS and
 * returns its physical address. */
uint64_t sc_map_new(uint64_t va, uint64_t flags, uint64_t fill)
{
	uint64_t pa = sc_frame(fill);

	paging_map(va, pa, flags, PAGING_4K);
	return pa;
}

/*
 * sc_user_code maps, at BASE, a user page (R+X) holding a copy of
 * user_probe and, right after it, a user stack page; returns BASE, the
 * code's address for sc_ring3_load.
 */
uint64_t sc_user_code(uint64_t base)
{
	uint64_t pa = sc_frame(0);

	memcpy((void *)pa, user_probe, (size_t)(user_probe_end - user_probe));
	paging_map(base, pa, PAGE_USER_RX, PAGING_4K);
	sc_map_new(base + PAGE_SIZE, PAGE_USER_RW, 0);
	return base;
}

/* ---- accesses that may fault ----------------------------------------- */

/* sc_load reads the quadword at VA; a fault there is not expected. */
uint64_t sc_load(uint64_t va)
{
	return *(volatile uint64_t *)va;
}

/* sc_try_load reads the quadword at VA into *OUT and returns NULL, or
 * returns the fault the read raised. */
const struct fault_info *sc_try_load(uint64_t va, uint64_t *out)
{
	if (fault_try() == 0) {
		*out = *(volatile uint64_t *)va;
		fault_disarm();
		return NULL;
	}
	return fault_last();
}

/* sc_try_store writes VALUE to the quadword at VA and returns NULL, or
 * returns the fault the write raised. */
const struct fault_info *sc_try_store(uint64_t va, uint64_t value)
{
	if (fault_try() == 0) {
		*(volatile uint64_t *)va = value;
		fault_disarm();
		return NULL;
	}
	return fault_last();
}

/* sc_try_call calls the code at VA as uint64_t f(uint64_t ARG), in ring
 * 0; returns NULL with its result in *RET, or the fault it raised. */
const struct fault_info *sc_try_call(uint64_t va, uint64_t arg,
				     uint64_t *ret)
{
	if (fault_try() == 0) {
		*ret = ((uint64_t(*)(uint64_t))va)(arg);
		fault_disarm();
		return NULL;
	}
	return fault_last();
}

/*
 * sc_ring3_load runs the probe that sc_user_code put at CODE in ring 3,
 * loading the quadword at VA.  The probe always ends in an exception:
 * #UD (its UD2) with the value in rax if the load worked, else the
 * load's fault.  Returns that exception.  The IRETQ to ring 3 nulled DS
 * and ES (their DPL is 0); they are loaded again, as idt_init left them.
 */
const struct fault_info *sc_ring3_load(uint64_t code, uint64_t va)
{
	if (fault_try() == 0)
		user_enter(code, code + 2 * PAGE_SIZE, va);
	__asm__ volatile("movw %w0, %%ds\n\tmovw %w0, %%es"
			 :
			 : "r"(GDT_KDATA));
	return fault_last();
}

/* ---- the table ------------------------------------------------------- */

/* boot: nothing beyond the kernel's own layout. */
static const char *sc_boot(const struct scenario *sc)
{
	checkpoint(sc->name);
	return NULL;
}

/*
 * Descriptions are printed before the checkpoint, so they name faults in
 * words: a mnemonic such as "#PF" in the log means a fault was reported.
 */
static const struct scenario scenarios[] = {
	{ "boot", sc_boot, "the kernel's own layout, nothing more" },
	{ "pages-4k", sc_pages_4k, "four 4 KiB pages, each on its own frame" },
	{ "pages-2m", sc_pages_2m, "one 2 MiB page (PS in a PDE)" },
	{ "pages-1g", sc_pages_1g, "one 1 GiB page (PS in a PDPTE)" },
	{ "ro", sc_ro, "a read-only page, read" },
	{ "nx", sc_nx, "a no-execute data page, read" },
	{ "user", sc_user,
	  "user pages read from ring 3, a supervisor page among them" },
	{ "wp", sc_wp,
	  "supervisor write to a read-only page with CR0.WP clear, then set" },
	{ "cache", sc_cache,
	  "write-through and uncached pages (PWT, PCD); VGA uncached" },
	{ "pat", sc_pat,
	  "IA32_PAT programmed; the PAT bit in a 4 KiB and a 2 MiB entry" },
	{ "alias", sc_alias, "one frame at two addresses, RW and RO" },
	{ "recursive", sc_recursive,
	  "the top table and a PTE read through the recursive slot" },
	{ "global", sc_global, "global pages with CR4.PGE" },
	{ "pcid", sc_pcid,
	  "two address spaces with PCIDs, switched with and without no-flush" },
	{ "tlb-stale", sc_tlb_stale,
	  "a PTE changed without INVLPG: the TLB keeps the old frame" },
	{ "demand", sc_demand,
	  "a not-present read mapped by the page-fault handler" },
	{ "wx", sc_wx, "a page both writable and executable, run" },
	{ "pf-unmapped", sc_pf_unmapped,
	  "read unmapped 0xdeadbeaf: page fault, not-present read" },
	{ "pf-write-ro", sc_pf_write_ro,
	  "write to a read-only data page: page fault, present write" },
	{ "pf-write-code", sc_pf_write_code,
	  "write to kernel text: page fault, present write (CR0.WP)" },
	{ "pf-exec-nx", sc_pf_exec_nx,
	  "call into a no-execute page: page fault, instruction fetch" },
	{ "pf-user-super", sc_pf_user_super,
	  "ring 3 reads a supervisor page: page fault, user read" },
	{ "pf-rsvd", sc_pf_rsvd,
	  "a reserved address bit in a PTE: page fault with RSVD" },
	{ "gp-noncanonical", sc_gp_noncanonical,
	  "read a non-canonical address: general protection, not page fault" },
	{ "smep", sc_smep,
	  "ring 0 runs code on a user page under CR4.SMEP" },
	{ "smap", sc_smap,
	  "ring 0 reads a user page under CR4.SMAP, then with STAC" },
	{ "stack-overflow", sc_stack_overflow,
	  "recurse into the stack guard page: double fault on IST1" },
	{ "scale", sc_scale,
	  "scale=N GiB (1 by default) of 4 KiB pages over a few frames" },
	{ "hostile", sc_hostile,
	  "a table cycle, a table past RAM, an all-ones entry, MMIO as a "
	  "table" },
	{ "hostile-fanout", sc_hostile_fanout,
	  "one table that names itself in every entry: 512^3 pages" },
};

/* run_one runs SC and prints its verdict; returns NULL or the reason. */
static const char *run_one(const struct scenario *sc)
{
	kprintf("scenario %s: %s\n", sc->name, sc->desc);
	return sc->run(sc);
}

/* list prints every scenario with its description. */
static void list(void)
{
	kprintf("known scenarios:\n");
	for (size_t i = 0; i < ARRAY_LEN(scenarios); i++)
		kprintf("  %-16s %s\n", scenarios[i].name, scenarios[i].desc);
	kprintf("  %-16s %s\n", "all",
		"every scenario above, in this order");
	kprintf("before long mode (legacy.S; not in \"all\"):\n"
		"  paging32: 32-bit paging, 4 KiB and 4 MiB pages, PSE-36\n"
		"  pae: PAE paging, 2 MiB pages, NX, four PDPTEs\n");
}

/*
 * scenario_run runs the scenario NAME, or with "all" every one in turn
 * (going on after a failure, to show them all).  Returns NULL if it
 * passed, else the reason for the first failure.
 */
const char *scenario_run(const char *name)
{
	static char why[128];

	if (kstrcmp(name, "all") == 0) {
		const char *first = NULL;
		for (size_t i = 0; i < ARRAY_LEN(scenarios); i++) {
			const char *r = run_one(&scenarios[i]);
			if (r != NULL && first == NULL) {
				ksnprintf(why, sizeof(why), "%s: %s",
					  scenarios[i].name, r);
				first = why;
			}
		}
		return first;
	}
	for (size_t i = 0; i < ARRAY_LEN(scenarios); i++) {
		if (kstrcmp(name, scenarios[i].name) == 0) {
			const char *r = run_one(&scenarios[i]);
			if (r == NULL)
				return NULL;
			ksnprintf(why, sizeof(why), "%s: %s", name, r);
			return why;
		}
	}
	kprintf("unknown scenario \"%s\"\n", name);
	list();
	ksnprintf(why, sizeof(why), "unknown scenario \"%s\"", name);
	return why;
}
