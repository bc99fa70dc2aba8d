/*
 * idt.c - GDT with a TSS, the IDT, the common exception handler, and the
 * "expect a fault" mechanism the scenarios use.
 *
 * Only the 32 exception vectors have handlers; interrupts stay disabled
 * for the kernel's whole life.  #DF runs on its own stack (TSS IST1), so
 * a kernel stack that overflows into its guard page is reported instead
 * of escalating to a triple fault and a reset.
 */
#include "kernel.h"
#include "paging.h"

/* 64-bit TSS: only the IST slots matter here. */
struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} packed_struct;

struct idt_gate {
	uint16_t off_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type; /* P, DPL, gate type */
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t reserved;
} packed_struct;

struct table_ptr {
	uint16_t limit;
	uint64_t base;
} packed_struct;

#define IDT_INTERRUPT_GATE 0x8e /* present, DPL 0, IF cleared on entry */
#define DF_IST 1
#define IST_STACK_SIZE 8192
#define RING0_STACK_SIZE 8192

/*
 * Segment descriptors carry their accessed bit already, so loading them
 * never makes the CPU write to the GDT; user segments are for the
 * scenarios that drop to ring 3.
 */
static uint64_t gdt[7] = {
	0,
	0x00209b0000000000ull, /* 0x08 kernel code: L, P, DPL 0 */
	0x0000930000000000ull, /* 0x10 kernel data */
	0x0000f30000000000ull, /* 0x18 user data: DPL 3 */
	0x0020fb0000000000ull, /* 0x20 user code: L, DPL 3 */
	0, 0,                  /* 0x28 TSS, 16 bytes, filled in below */
};

static struct tss tss;
static struct idt_gate idt[256] __attribute__((aligned(4096)));
static uint8_t df_stack[IST_STACK_SIZE] __attribute__((aligned(4096)));
/* Where the CPU switches to (TSS.RSP0) on an exception in ring 3. */
static uint8_t ring0_stack[RING0_STACK_SIZE] __attribute__((aligned(4096)));

/* isr.S: one entry stub per exception vector. */
extern const uint64_t isr_stub_table[32];

/* The context fault_try saved (isr.S writes it; offsets fixed there). */
struct fault_jmp {
	uint64_t rip, rsp, rbx, rbp, r12, r13, r14, r15;
};
struct fault_jmp fault_jmp;
volatile int fault_armed;
static struct fault_info fault_caught;
static trap_pf_hook_fn pf_hook;

_Static_assert(offsetof(struct fault_jmp, r15) == 56, "isr.S offsets");
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "isr.S frame");

static const char *const names[32][2] = {
	{ "#DE", "divide error" },
	{ "#DB", "debug" },
	{ "NMI", "non-maskable interrupt" },
	{ "#BP", "breakpoint" },
	{ "#OF", "overflow" },
	{ "#BR", "bound range exceeded" },
	{ "#UD", "invalid opcode" },
	{ "#NM", "device not available" },
	{ "#DF", "double fault" },
	{ "#CSO", "coprocessor segment overrun" },
	{ "#TS", "invalid TSS" },
	{ "#NP", "segment not present" },
	{ "#SS", "stack-segment fault" },
	{ "#GP", "general protection" },
	{ "#PF", "page fault" },
	{ "#15", "reserved vector 15" },
	{ "#MF", "x87 floating-point error" },
	{ "#AC", "alignment check" },
	{ "#MC", "machine check" },
	{ "#XM", "SIMD floating-point error" },
	{ "#VE", "virtualization exception" },
	{ "#CP", "control protection" },
	{ "#22", "reserved vector 22" },
	{ "#23", "reserved vector 23" },
	{ "#24", "reserved vector 24" },
	{ "#25", "reserved vector 25" },
	{ "#26", "reserved vector 26" },
	{ "#27", "reserved vector 27" },
	{ "#HV", "hypervisor injection" },
	{ "#VC", "VMM communication" },
	{ "#SX", "security exception" },
	{ "#31", "reserved vector 31" },
};

/* trap_name returns the mnemonic of exception VECTOR ("#PF"). */
const char *trap_name(uint64_t vector)
{
	return vector < 32 ? names[vector][0] : "#??";
}

/* set_gate points IDT entry VEC at HANDLER, on IST stack IST (0: none). */
static void set_gate(int vec, uint64_t handler, uint8_t ist)
{
	idt[vec] = (struct idt_gate){
		.off_lo = (uint16_t)handler,
		.selector = GDT_KCODE,
		.ist = ist,
		.type = IDT_INTERRUPT_GATE,
		.off_mid = (uint16_t)(handler >> 16),
		.off_hi = (uint32_t)(handler >> 32),
	};
}

/* idt_init loads the GDT (with the TSS), reloads every segment register,
 * loads the task register and installs the 32 exception gates. */
void idt_init(void)
{
	uint64_t base = (uint64_t)&tss;
	uint64_t limit = sizeof(tss) - 1;

	tss.ist[DF_IST - 1] = (uint64_t)df_stack + sizeof(df_stack);
	tss.rsp[0] = (uint64_t)ring0_stack + sizeof(ring0_stack);
	tss.iomap_base = sizeof(tss); /* no I/O bitmap */
	gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		 (0x89ull << 40) | /* present, 64-bit TSS, available */
		 (((limit >> 16) & 0xf) << 48) | ((base >> 24) & 0xff) << 56;
	gdt[6] = base >> 32;

	struct table_ptr gp = { sizeof(gdt) - 1, (uint64_t)gdt };
	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w2, %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movw %%ax, %%fs\n\t"
			 "movw %%ax, %%gs\n\t"
			 "ltr %w3"
			 :
			 : "m"(gp), "i"(GDT_KCODE), "r"(GDT_KDATA),
			   "r"(GDT_TSS)
			 : "rax", "memory");

	for (int v = 0; v < 32; v++)
		set_gate(v, isr_stub_table[v], v == T_DF ? DF_IST : 0);
	struct table_ptr ip = { sizeof(idt) - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" : : "m"(ip) : "memory");
}

/* fault_disarm cancels the catch point of the last fault_try. */
void fault_disarm(void)
{
	fault_armed = 0;
	__asm__ volatile("" : : : "memory");
}

/* fault_last returns the fault that the last armed fault_try caught. */
const struct fault_info *fault_last(void)
{
	return &fault_caught;
}

/* trap_set_pf_hook installs FN (NULL: none) as the #PF hook. */
void trap_set_pf_hook(trap_pf_hook_fn fn)
{
	pf_hook = fn;
}

/* in_guard reports whether ADDR lies in the kernel stack's guard page. */
static bool in_guard(uint64_t addr)
{
	uint64_t g = (uint64_t)boot_stack_guard;

	return addr >= g && addr < g + PAGE_SIZE;
}

/* describe prints the one-line report of an exception: its name, where,
 * the error code, and for #PF and #DF what CR2 and the code mean. */
static void describe(const struct trap_frame *tf, uint64_t cr2)
{
	uint64_t e = tf->error;

	kprintf("%s at rip=0x%lx", trap_name(tf->vector), tf->rip);
	if (tf->vector == T_PF) {
		kprintf(" cr2=0x%lx err=0x%lx (%s, %s, %s%s%s%s)\n", cr2, e,
			e & PF_P ? "present" : "not-present",
			e & PF_I ? "instruction-fetch" :
			e & PF_W ? "write" : "read",
			e & PF_U ? "user" : "supervisor",
			e & PF_RSVD ? ", reserved-bit" : "",
			e & PF_PK ? ", protection-key" : "",
			e & PF_SS ? ", shadow-stack" : "");
		if (in_guard(cr2))
			kprintf("  cr2 is in the kernel stack guard page\n");
	} else if (tf->vector == T_DF) {
		kprintf(" err=0x%lx cr2=0x%lx (on the IST%d stack)\n", e, cr2,
			DF_IST);
		if (in_guard(cr2))
			kprintf("  cr2 is in the kernel stack guard page "
				"0x%lx-0x%lx: kernel stack overflow\n",
				(uint64_t)boot_stack_guard,
				(uint64_t)boot_stack_guard + PAGE_SIZE);
	} else if (tf->vector == T_GP || tf->vector == T_TS ||
		   tf->vector == T_NP || tf->vector == T_SS) {
		if (e == 0)
			kprintf(" err=0x0 (no selector: e.g. a non-canonical "
				"address or a privileged instruction)\n");
		else
			kprintf(" err=0x%lx (%s selector index %lu%s)\n", e,
				e & 2 ? "IDT" : e & 4 ? "LDT" : "GDT",
				(e >> 3) & 0x1fff, e & 1 ? ", external" : "");
	} else {
		kprintf(" err=0x%lx (%s)\n", e, names[tf->vector & 31][1]);
	}
}

/* dump_regs prints the interrupted register state, for an unexpected
 * exception. */
static void dump_regs(const struct trap_frame *tf, uint64_t cr2)
{
	kprintf("  rax=%016lx rbx=%016lx rcx=%016lx rdx=%016lx\n", tf->rax,
		tf->rbx, tf->rcx, tf->rdx);
	kprintf("  rsi=%016lx rdi=%016lx rbp=%016lx rsp=%016lx\n", tf->rsi,
		tf->rdi, tf->rbp, tf->rsp);
	kprintf("  r8 =%016lx r9 =%016lx r10=%016lx r11=%016lx\n", tf->r8,
		tf->r9, tf->r10, tf->r11);
	kprintf("  r12=%016lx r13=%016lx r14=%016lx r15=%016lx\n", tf->r12,
		tf->r13, tf->r14, tf->r15);
	kprintf("  rip=%016lx cs=%lx rflags=%lx ss=%lx\n", tf->rip, tf->cs,
		tf->rflags, tf->ss);
	kprintf("  cr0=%lx cr2=%lx cr3=%lx cr4=%lx\n", read_cr0(), cr2,
		read_cr3(), read_cr4());
}

/*
 * trap_handler is called by isr.S for every exception.  It reports the
 * exception and offers a #PF to the hook, which may resolve it.  Else, if
 * a fault_try is armed, it records the fault and rewrites the frame so
 * that iretq resumes in fault_try's caller, in ring 0 even if the fault
 * came from ring 3, with fault_try returning 1.  Otherwise the run ends
 * with FAIL.
 */
void trap_handler(struct trap_frame *tf)
{
	uint64_t cr2 = read_cr2();

	describe(tf, cr2);
	if (tf->vector == T_PF && pf_hook != NULL && pf_hook(cr2, tf->error))
		return;
	if (fault_armed) {
		fault_armed = 0;
		fault_caught = (struct fault_info){ tf->vector, tf->error, cr2,
						    tf->rip, tf->rax };
		tf->cs = GDT_KCODE;
		tf->ss = GDT_KDATA;
		tf->rip = fault_jmp.rip;
		tf->rsp = fault_jmp.rsp;
		tf->rbx = fault_jmp.rbx;
		tf->rbp = fault_jmp.rbp;
		tf->r12 = fault_jmp.r12;
		tf->r13 = fault_jmp.r13;
		tf->r14 = fault_jmp.r14;
		tf->r15 = fault_jmp.r15;
		tf->rax = 1;
		return;
	}
	kprintf("unexpected %s (%s, vector %lu): nothing was expecting it\n",
		trap_name(tf->vector), names[tf->vector & 31][1], tf->vector);
	dump_regs(tf, cr2);
	kprintf("FAIL: unexpected %s at rip=0x%lx\n", trap_name(tf->vector),
		tf->rip);
	kexit(false);
}
