/*
 * scenarios.c - the named experiments the kernel can run.
 *
 * A scenario calls checkpoint(its name) once the state it wants to show
 * is in place (a debugger looks there), then makes its access, checks
 * the outcome inside the kernel, and says in words what happened.  To
 * add one: write a function returning NULL on pass or a short reason,
 * and add a row to the table at the end.
 */
#include "kernel.h"
#include "paging.h"

#define UNMAPPED_ADDR 0xdeadbeafull

/*
 * scenario_expect_fault compares the fault caught by the last fault_try
 * with VECTOR, CR2 and ERROR, prints the verdict under NAME, and returns
 * NULL if all three match, else a short reason.
 */
const char *scenario_expect_fault(const char *name, uint64_t vector,
				  uint64_t cr2, uint64_t error)
{
	const struct fault_info *f = fault_last();

	if (f->vector == vector && f->cr2 == cr2 && f->error == error) {
		kprintf("%s: got the expected fault\n", name);
		return NULL;
	}
	kprintf("%s: expected %s cr2=0x%lx err=0x%lx, got %s cr2=0x%lx "
		"err=0x%lx\n", name, trap_name(vector), cr2, error,
		trap_name(f->vector), f->cr2, f->error);
	return "the fault was not the expected one";
}

/* boot: nothing beyond the kernel's own layout. */
static const char *sc_boot(const struct scenario *sc)
{
	checkpoint(sc->name);
	return NULL;
}

/* pf-unmapped: a supervisor read of an address nothing maps. */
static const char *sc_pf_unmapped(const struct scenario *sc)
{
	volatile uint8_t *p = (volatile uint8_t *)UNMAPPED_ADDR;

	if (paging_translate(UNMAPPED_ADDR, NULL, NULL, NULL))
		return "0xdeadbeaf is mapped";
	checkpoint(sc->name);
	if (fault_try() == 0) {
		(void)*p;
		fault_disarm();
		return "reading 0xdeadbeaf did not fault";
	}
	return scenario_expect_fault(sc->name, T_PF, UNMAPPED_ADDR, 0);
}

/*
 * pf-write-code: a supervisor write to a kernel text page.  With CR0.WP
 * set, a read-only page stops ring 0 too.  The byte written is the one
 * already there, so the code stays intact even if the write went through.
 */
static const char *sc_pf_write_code(const struct scenario *sc)
{
	uint64_t target = (uint64_t)(uintptr_t)sc_pf_write_code;
	volatile uint8_t *p = (volatile uint8_t *)target;
	uint64_t pte;

	if (!paging_translate(target, NULL, &pte, NULL) || (pte & PTE_RW))
		return "the text page is not mapped read-only";
	checkpoint(sc->name);
	if (fault_try() == 0) {
		uint8_t v = *p;
		*p = v;
		fault_disarm();
		return "writing to kernel text did not fault";
	}
	return scenario_expect_fault(sc->name, T_PF, target, PF_P | PF_W);
}

/*
 * overflow recurses with a 256-byte frame until the stack runs out; the
 * bound only exists so the compiler sees an end.  The volatile array
 * read after the call keeps it a real recursion, not a loop.
 */
static noinline_fn uint64_t overflow(uint64_t depth)
{
	volatile uint8_t frame[256];

	frame[0] = (uint8_t)depth;
	if (depth > (1u << 20))
		return 0;
	return overflow(depth + 1) + frame[0];
}

/*
 * stack-overflow: run the kernel stack into its unmapped guard page.
 * The #PF cannot push its frame on a stack that is not there, so the CPU
 * raises #DF, which runs on its own IST1 stack and is caught here.
 */
static const char *sc_stack_overflow(const struct scenario *sc)
{
	uint64_t guard = (uint64_t)boot_stack_guard;
	const struct fault_info *f = fault_last();

	if (paging_translate(guard, NULL, NULL, NULL))
		return "the stack guard page is mapped";
	checkpoint(sc->name);
	if (fault_try() == 0) {
		overflow(0);
		fault_disarm();
		return "the recursion returned without a fault";
	}
	if (f->vector != T_DF) {
		kprintf("%s: expected #DF, got %s\n", sc->name,
			trap_name(f->vector));
		return "the overflow did not raise #DF";
	}
	if (f->cr2 < guard || f->cr2 >= guard + PAGE_SIZE) {
		kprintf("%s: cr2=0x%lx is outside the guard page 0x%lx-0x%lx\n",
			sc->name, f->cr2, guard, guard + PAGE_SIZE);
		return "the #DF did not come from the guard page";
	}
	kprintf("%s: the stack ran into the guard page 0x%lx-0x%lx "
		"(cr2=0x%lx); #DF caught on the IST1 stack\n", sc->name, guard,
		guard + PAGE_SIZE, f->cr2);
	return NULL;
}

/*
 * Descriptions are printed before the checkpoint, so they name faults in
 * words: a mnemonic such as "#PF" in the log means a fault was reported.
 */
static const struct scenario scenarios[] = {
	{ "boot", sc_boot,
	  "the kernel's own layout, nothing more", true },
	{ "pf-unmapped", sc_pf_unmapped,
	  "read unmapped 0xdeadbeaf: page fault, not-present read",
	  true },
	{ "pf-write-code", sc_pf_write_code,
	  "write to kernel text: page fault, present write (CR0.WP)",
	  true },
	{ "stack-overflow", sc_stack_overflow,
	  "recurse into the stack guard page: double fault on IST1", true },
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
		"every scenario that recovers from its faults, in this order");
}

/*
 * scenario_run runs the scenario NAME, or with "all" every one marked
 * in_all (going on after a failure, to show them all).  Returns NULL if
 * it passed, else the reason for the first failure.
 */
const char *scenario_run(const char *name)
{
	static char why[128];

	if (kstrcmp(name, "all") == 0) {
		const char *first = NULL;
		for (size_t i = 0; i < ARRAY_LEN(scenarios); i++) {
			if (!scenarios[i].in_all)
				continue;
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
