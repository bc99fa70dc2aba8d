/*
 * sc_fault.c - deliberate faults: each scenario makes one access the
 * paging rules forbid and checks the vector, CR2 and error code the CPU
 * reports (the exception handler prints them in words).  `wp` and
 * `demand` also show the access succeeding when the rules allow it.
 */
#include "scenario.h"

#define UNMAPPED_ADDR UINT64_C(0xdeadbeaf)

/* A supervisor variable for ring 3 to reach for, at the start of .data
 * (0x160000, see linker.ld) so that tests can name its page. */
static volatile uint64_t kernel_secret
	__attribute__((section(".data.fixed"))) = SC_MAGIC | 0x5ec;

/*
 * wp: with CR0.WP clear, ring 0 may write to a read-only page (the
 * rights then bind only ring 3); with WP set the same write faults.
 */
const char *sc_wp(const struct scenario *sc)
{
	uint64_t cr0 = read_cr0();
	const char *r;

	sc_map_new(SC_WP, PAGE_KERNEL_RO, SC_MAGIC | 0x50);
	write_cr0(cr0 & ~CR0_WP);
	checkpoint(sc->name);
	const struct fault_info *f = sc_try_store(SC_WP, SC_MAGIC | 0x51);
	if (f != NULL) {
		write_cr0(cr0);
		kprintf("%s: the write with CR0.WP=0 raised %s\n", sc->name,
			trap_name(f->vector));
		return "a supervisor write with WP=0 faulted";
	}
	r = sc_expect_value(sc->name, "after the WP=0 write", sc_load(SC_WP),
			    SC_MAGIC | 0x51);
	if (r == NULL) {
		kprintf("%s: with CR0.WP=0 the write to read-only 0x%lx went "
			"through; now with WP=1:\n", sc->name, SC_WP);
		write_cr0(cr0 | CR0_WP);
		r = sc_expect(sc->name, sc_try_store(SC_WP, 0), T_PF, SC_WP,
			      PF_P | PF_W);
	}
	write_cr0(cr0);
	return r;
}

/* The demand region: 16 pages, none mapped until touched. */
#define DEMAND_PAGES 16
static unsigned demand_faults;

/* demand_fill maps a fresh frame for a not-present fault inside the
 * demand region; any other fault is not its business. */
static bool demand_fill(uint64_t cr2, uint64_t error)
{
	if ((error & PF_P) || cr2 < SC_DEMAND ||
	    cr2 >= SC_DEMAND + DEMAND_PAGES * PAGE_SIZE)
		return false;
	uint64_t page = PAGE_DOWN(cr2);
	uint64_t pa = sc_map_new(page, PAGE_KERNEL_RW, SC_MAGIC | 0xde);
	demand_faults++;
	kprintf("demand: mapped frame 0x%lx at 0x%lx; retrying the access\n",
		pa, page);
	return true;
}

/* demand: a read of an unmapped page in the demand region faults once;
 * the handler maps a frame and the read resumes and gets its value. */
const char *sc_demand(const struct scenario *sc)
{
	uint64_t va = SC_DEMAND + PAGE_SIZE + 8;
	uint64_t v = 0;

	demand_faults = 0;
	trap_set_pf_hook(demand_fill);
	checkpoint(sc->name);
	const struct fault_info *f = sc_try_load(va, &v);
	trap_set_pf_hook(NULL);
	if (f != NULL) {
		kprintf("%s: the read ended in %s\n", sc->name,
			trap_name(f->vector));
		return "the demand fault was not resolved";
	}
	const char *r = sc_expect_value(sc->name, "demand page", v,
					SC_MAGIC | 0xde);
	if (r != NULL)
		return r;
	if (demand_faults != 1) {
		kprintf("%s: %u faults, want 1\n", sc->name, demand_faults);
		return "the handler ran the wrong number of times";
	}
	kprintf("%s: the read of 0x%lx faulted once, was mapped, and resumed "
		"with 0x%lx\n", sc->name, va, v);
	return NULL;
}

/* pf-unmapped: a supervisor read of an address nothing maps. */
const char *sc_pf_unmapped(const struct scenario *sc)
{
	uint64_t v;

	if (paging_translate(UNMAPPED_ADDR, NULL, NULL, NULL))
		return "0xdeadbeaf is mapped";
	checkpoint(sc->name);
	return sc_expect(sc->name, sc_try_load(UNMAPPED_ADDR, &v), T_PF,
			 UNMAPPED_ADDR, 0);
}

/* pf-write-ro: a supervisor write to a present, read-only data page. */
const char *sc_pf_write_ro(const struct scenario *sc)
{
	sc_map_new(SC_PF_WRITE_RO, PAGE_KERNEL_RO, SC_MAGIC | 0x60);
	checkpoint(sc->name);
	return sc_expect(sc->name, sc_try_store(SC_PF_WRITE_RO, 0), T_PF,
			 SC_PF_WRITE_RO, PF_P | PF_W);
}

/*
 * pf-write-code: a supervisor write to the first page of kernel text.
 * With CR0.WP set, a read-only page stops ring 0 too.  The value written
 * is the one already there, so the code stays intact even if the write
 * went through.
 */
const char *sc_pf_write_code(const struct scenario *sc)
{
	uint64_t target = (uint64_t)__text_start;
	uint64_t pte;

	if (!paging_translate(target, NULL, &pte, NULL) || (pte & PTE_RW))
		return "the text page is not mapped read-only";
	checkpoint(sc->name);
	return sc_expect(sc->name, sc_try_store(target, sc_load(target)), T_PF,
			 target, PF_P | PF_W);
}

/* pf-exec-nx: a call into a no-execute page that holds a RET. */
const char *sc_pf_exec_nx(const struct scenario *sc)
{
	uint64_t pa = sc_map_new(SC_PF_EXEC_NX, PAGE_KERNEL_RW, 0);
	uint64_t ret;

	*(uint8_t *)pa = 0xc3;
	checkpoint(sc->name);
	return sc_expect(sc->name, sc_try_call(SC_PF_EXEC_NX, 0, &ret), T_PF,
			 SC_PF_EXEC_NX, PF_P | PF_I);
}

/* pf-user-super: ring 3 reads a kernel variable on a supervisor page. */
const char *sc_pf_user_super(const struct scenario *sc)
{
	uint64_t code = sc_user_code(SC_PF_USER_SUPER);
	uint64_t target = (uint64_t)&kernel_secret;

	checkpoint(sc->name);
	return sc_expect(sc->name, sc_ring3_load(code, target), T_PF, target,
			 PF_P | PF_U);
}

/*
 * pf-rsvd: a PTE with its lowest reserved address bit (bit MAXPHYADDR)
 * set.  The CPU checks reserved bits only in present entries it walks,
 * so hardware reports P and RSVD (error code 0x9 for a read).  QEMU's
 * TCG reports RSVD alone (0x8); that is accepted and said.  The bit is
 * cleared afterwards.
 */
const char *sc_pf_rsvd(const struct scenario *sc)
{
	unsigned m = cpu_maxphyaddr();
	uint64_t v;
	int level;

	if (m >= 52) {
		checkpoint(sc->name);
		kprintf("%s: skipped: MAXPHYADDR is 52, no address bit is "
			"reserved\n", sc->name);
		return NULL;
	}
	sc_map_new(SC_PF_RSVD, PAGE_KERNEL_RW, SC_MAGIC | 0x70);
	uint64_t *pte = paging_leaf(SC_PF_RSVD, &level);
	*pte |= UINT64_C(1) << m;
	invlpg(SC_PF_RSVD);
	kprintf("%s: MAXPHYADDR is %u; PTE of 0x%lx has bit %u set: 0x%lx\n",
		sc->name, m, SC_PF_RSVD, m, *pte);
	checkpoint(sc->name);
	const struct fault_info *f = sc_try_load(SC_PF_RSVD, &v);
	uint64_t want = PF_P | PF_RSVD;
	if (cpu_is_tcg() && f != NULL && f->vector == T_PF &&
	    f->error == PF_RSVD) {
		kprintf("%s: the error code lacks P, as QEMU's TCG reports it; "
			"hardware sets P with RSVD\n", sc->name);
		want = PF_RSVD;
	}
	const char *r = sc_expect(sc->name, f, T_PF, SC_PF_RSVD, want);
	*pte &= ~(UINT64_C(1) << m);
	invlpg(SC_PF_RSVD);
	return r;
}

/* gp-noncanonical: an address outside both canonical halves (the
 * lowest one above the lower half: 0x800000000000, or 0x100000000000000
 * with LA57) is refused before any table is walked: #GP with error code
 * 0, and no CR2. */
const char *sc_gp_noncanonical(const struct scenario *sc)
{
	uint64_t v;

	checkpoint(sc->name);
	return sc_expect(sc->name, sc_try_load(paging_noncanonical(), &v),
			 T_GP, 0, 0);
}

/*
 * smep: with CR4.SMEP, ring 0 may not fetch from a user page.  The call
 * faults; with SMEP cleared the same call runs the probe (which ends in
 * UD2), so SMEP alone made the difference.
 */
const char *sc_smep(const struct scenario *sc)
{
	uint64_t cr4 = read_cr4(), ret;
	const char *r;

	if (sc_lacks(sc, CPU_SMEP))
		return NULL;
	uint64_t code = sc_user_code(SC_SMEP);
	sc_map_new(SC_SMEP + 2 * PAGE_SIZE, PAGE_USER_RO, SC_MAGIC | 0x80);
	write_cr4(cr4 | CR4_SMEP);
	checkpoint(sc->name);
	r = sc_expect(sc->name, sc_try_call(code, SC_SMEP + 2 * PAGE_SIZE, &ret),
		      T_PF, code, PF_P | PF_I);
	write_cr4(cr4);
	if (r != NULL)
		return r;
	const struct fault_info *f =
		sc_try_call(code, SC_SMEP + 2 * PAGE_SIZE, &ret);
	if ((r = sc_expect(sc->name, f, T_UD, 0, 0)) != NULL)
		return r;
	kprintf("%s: with SMEP off the same call ran the user code up to its "
		"UD2\n", sc->name);
	return sc_expect_value(sc->name, "user data read by the probe", f->rax,
			       SC_MAGIC | 0x80);
}

/* smap: with CR4.SMAP, ring 0 may not read a user page unless RFLAGS.AC
 * is set (STAC); the plain read faults, the one after STAC works. */
const char *sc_smap(const struct scenario *sc)
{
	uint64_t cr4 = read_cr4(), v = 0;
	const char *r;

	if (sc_lacks(sc, CPU_SMAP))
		return NULL;
	sc_map_new(SC_SMAP, PAGE_USER_RW, SC_MAGIC | 0x81);
	write_cr4(cr4 | CR4_SMAP);
	checkpoint(sc->name);
	r = sc_expect(sc->name, sc_try_load(SC_SMAP, &v), T_PF, SC_SMAP, PF_P);
	if (r == NULL) {
		__asm__ volatile("stac" ::: "memory");
		const struct fault_info *f = sc_try_load(SC_SMAP, &v);
		__asm__ volatile("clac" ::: "memory");
		if (f != NULL) {
			kprintf("%s: the read after STAC raised %s\n",
				sc->name, trap_name(f->vector));
			r = "the read after STAC faulted";
		} else if ((r = sc_expect_value(sc->name, "read after STAC", v,
					      SC_MAGIC | 0x81)) == NULL)
			kprintf("%s: after STAC the read of 0x%lx returned "
				"0x%lx\n", sc->name, SC_SMAP, v);
	}
	write_cr4(cr4);
	return r;
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
const char *sc_stack_overflow(const struct scenario *sc)
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
