/*
 * kernel.h - declarations shared by the test-bed kernel's subsystems.
 *
 * The kernel runs at virtual == physical addresses below 4 MiB, with one
 * extra region: entry 511 of the top table points back at the top table
 * itself, so the paging structures appear in the top of the address
 * space.  A 48-bit virtual address under 4-level paging:
 *
 *    63      48 47     39 38     30 29     21 20     12 11          0
 *   +----------+---------+---------+---------+---------+-------------+
 *   | copies   |  PML4   |  PDPT   |   PD    |   PT    |   offset    |
 *   | of bit 47|  index  |  index  |  index  |  index  |  in page    |
 *   +----------+---------+---------+---------+---------+-------------+
 *                level 4   level 3   level 2   level 1
 *
 * With `la57` on the command line the kernel runs 5-level paging: a PML5
 * index (level 5) takes bits 56..48 and bits 63..57 copy bit 56.
 *
 * The index for level L (1..5) is bits 12+9(L-1) .. 20+9(L-1).  A leaf at
 * level 2 maps 2 MiB (bits 0..20 are the offset), at level 3 1 GiB.
 */
#ifndef KERNEL_H
#define KERNEL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define noreturn_fn __attribute__((noreturn))
#define noinline_fn __attribute__((noinline))
#define packed_struct __attribute__((packed))
#define printf_like(f, a) __attribute__((format(printf, f, a)))

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- address arithmetic ------------------------------------------- */

#define PAGE_SIZE UINT64_C(4096)
#define PAGE_SIZE_2M (UINT64_C(1) << 21)
#define PAGE_SIZE_1G (UINT64_C(1) << 30)

#define PX_SHIFT(level) (12 + 9 * ((level) - 1))
#define PX(level, va) (((uint64_t)(va) >> PX_SHIFT(level)) & 0x1ff)
#define LEVEL_SIZE(level) (UINT64_C(1) << PX_SHIFT(level))

#define PAGE_DOWN(a) ((uint64_t)(a) & ~(PAGE_SIZE - 1))
#define PAGE_UP(a) PAGE_DOWN((uint64_t)(a) + PAGE_SIZE - 1)

/* The slot whose top-table entry points at the top table (paging.c). */
#define RECURSIVE_SLOT 511
/* Where the top table itself (PML4, or PML5 with LA57) shows up through
 * the recursive slot: index 511 at every level. */
#define RECURSIVE_TOP_VA UINT64_C(0xfffffffffffff000)

/* Physical frames for page tables (and scenario data) come from here.
 * It sits right after the kernel image and is mapped by one 2 MiB page. */
#define FRAME_POOL_START UINT64_C(0x200000)
#define FRAME_POOL_END UINT64_C(0x400000)

/* Linker-script symbols (linker.ld); every one is 4 KiB aligned. */
extern char __kernel_start[], __kernel_end[];
extern char __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[];
extern char __bss_start[], __bss_end[];

/* boot.S: the kernel stack, with an unmapped guard page just below it. */
extern char boot_stack_guard[], boot_stack_bottom[], boot_stack_top[];
/* boot.S: 1 if it turned on 5-level paging (CR4.LA57). */
extern uint32_t boot_la57;

/* ---- CPU access ---------------------------------------------------- */

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

#define CR_READ(name)                                                \
	static inline uint64_t read_##name(void)                     \
	{                                                            \
		uint64_t v;                                          \
		__asm__ volatile("mov %%" #name ", %0" : "=r"(v));   \
		return v;                                            \
	}
CR_READ(cr0)
CR_READ(cr2)
CR_READ(cr3)
CR_READ(cr4)
#undef CR_READ

static inline void write_cr0(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

static inline void write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline void write_cr4(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

/* wbinvd writes back and empties every cache: needed before memory is
 * seen through a mapping of another memory type (SDM 11.12.4). */
static inline void wbinvd(void)
{
	__asm__ volatile("wbinvd" : : : "memory");
}

static inline void invlpg(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr"
			 :
			 : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			 : "memory");
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

#define CR0_WP (UINT64_C(1) << 16)
#define CR4_PGE (UINT64_C(1) << 7)
#define CR4_PCIDE (UINT64_C(1) << 17)
#define CR4_SMEP (UINT64_C(1) << 20)
#define CR4_SMAP (UINT64_C(1) << 21)
#define CR3_NOFLUSH (UINT64_C(1) << 63)
#define MSR_EFER 0xc0000080u
#define EFER_NXE (UINT64_C(1) << 11)
#define MSR_PAT 0x277u

/* CPU features the scenarios need, as {CPUID leaf, register, bit}. */
struct cpu_feature {
	uint32_t leaf;
	uint8_t reg; /* 0..3: EAX, EBX, ECX, EDX */
	uint8_t bit;
	const char *name;
};
#define CPU_PGE ((struct cpu_feature){ 1, 3, 13, "PGE" })
#define CPU_PAT ((struct cpu_feature){ 1, 3, 16, "PAT" })
#define CPU_PCID ((struct cpu_feature){ 1, 2, 17, "PCID" })
#define CPU_SMEP ((struct cpu_feature){ 7, 1, 7, "SMEP" })
#define CPU_SMAP ((struct cpu_feature){ 7, 1, 20, "SMAP" })
#define CPU_1G ((struct cpu_feature){ 0x80000001, 3, 26, "pdpe1gb" })

/* cpu_has reports whether the CPU offers feature F (CPUID leaf 7 is read
 * with subleaf 0; a leaf above the maximum reads as absent). */
static inline bool cpu_has(struct cpu_feature f)
{
	uint32_t r[4];

	cpuid(f.leaf & 0x80000000u, 0, r);
	if (r[0] < f.leaf)
		return false;
	cpuid(f.leaf, 0, r);
	return (r[f.reg] >> f.bit) & 1;
}

/* cpu_is_tcg reports whether the CPU is QEMU's TCG emulator: the
 * hypervisor bit, and "TCGTCGTCGTCG" as the hypervisor's CPUID name. */
static inline bool cpu_is_tcg(void)
{
	uint32_t r[4];

	cpuid(1, 0, r);
	if (!(r[2] & (1u << 31)))
		return false;
	cpuid(0x40000000u, 0, r);
	return r[1] == 0x54474354u && r[2] == 0x43544743u &&
	       r[3] == 0x47435447u; /* "TCGT" "CGTC" "GTCG" */
}

/* cpu_maxphyaddr returns the physical-address width, CPUID 0x80000008. */
static inline unsigned cpu_maxphyaddr(void)
{
	uint32_t r[4];

	cpuid(0x80000000u, 0, r);
	if (r[0] < 0x80000008u)
		return 36;
	cpuid(0x80000008u, 0, r);
	return r[0] & 0xff;
}

/* ---- console.c ----------------------------------------------------- */

void console_init(void);
void kputs(const char *s);
void kprintf(const char *fmt, ...) printf_like(1, 2);
void kvprintf(const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t cap, const char *fmt, ...) printf_like(3, 4);

/* ---- main.c -------------------------------------------------------- */

void kmain(uint32_t magic, uint32_t info);
void checkpoint(const char *name);
noreturn_fn void kexit(bool pass);
noreturn_fn void panic(const char *fmt, ...) printf_like(1, 2);
noreturn_fn void halt_forever(void);
int kstrcmp(const char *a, const char *b);
size_t kstrlen(const char *s);
/* gcc may emit calls to these for struct copies and clears. */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);

/* ---- idt.c (+ isr.S) ----------------------------------------------- */

/* Exception vectors the scenarios check for. */
enum {
	T_DE = 0, T_DB = 1, T_NMI = 2, T_BP = 3, T_OF = 4, T_BR = 5,
	T_UD = 6, T_NM = 7, T_DF = 8, T_TS = 10, T_NP = 11, T_SS = 12,
	T_GP = 13, T_PF = 14, T_MF = 16, T_AC = 17, T_MC = 18, T_XM = 19,
	T_VE = 20, T_CP = 21,
};

/* #PF error code bits. */
#define PF_P (1u << 0)    /* 1: protection violation, 0: not present */
#define PF_W (1u << 1)    /* write access */
#define PF_U (1u << 2)    /* CPL 3 access */
#define PF_RSVD (1u << 3) /* a reserved bit was set in an entry */
#define PF_I (1u << 4)    /* instruction fetch */
#define PF_PK (1u << 5)   /* protection key */
#define PF_SS (1u << 6)   /* shadow stack */

/* Saved by isr.S, lowest address first; isr.S pushes in reverse. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	/* pushed by the CPU */
	uint64_t rip, cs, rflags, rsp, ss;
};

/* What the last caught fault looked like; rax is the interrupted RAX,
 * how code that ran in ring 3 hands a value back. */
struct fault_info {
	uint64_t vector, error, cr2, rip, rax;
};

#define GDT_KCODE 0x08
#define GDT_KDATA 0x10
#define GDT_UDATA 0x18
#define GDT_UCODE 0x20
#define GDT_TSS 0x28

void idt_init(void);
void trap_handler(struct trap_frame *tf);
const char *trap_name(uint64_t vector);
/*
 * fault_try arms a catch point and returns 0; if an exception then
 * happens before fault_disarm(), execution resumes here a second time
 * with a nonzero return, as longjmp would, and fault_last() says what
 * happened.  The caller's frame must still be live when the fault hits.
 */
int fault_try(void) __attribute__((returns_twice));
void fault_disarm(void);
const struct fault_info *fault_last(void);
/*
 * A #PF hook runs before the catch point: if it returns true the fault
 * was dealt with (say, a page was mapped) and the access is retried.
 */
typedef bool (*trap_pf_hook_fn)(uint64_t cr2, uint64_t error);
void trap_set_pf_hook(trap_pf_hook_fn fn);

/* isr.S: drop to ring 3 at RIP with stack RSP and RDI = ARG, interrupts
 * off.  It never returns: only an exception, caught by an armed
 * fault_try, brings the CPU back to ring 0. */
noreturn_fn void user_enter(uint64_t rip, uint64_t rsp, uint64_t arg);
/* isr.S: position-independent code to copy into a user page: it loads
 * the quadword at RDI into RAX, then executes UD2 to come back. */
extern const char user_probe[], user_probe_end[];

/* ---- scenarios.c (see scenario.h) -------------------------------- */

/* scale=N on the command line: GiB mapped by the `scale` scenario. */
extern uint64_t scenario_scale_gib;
const char *scenario_run(const char *name);

#endif
