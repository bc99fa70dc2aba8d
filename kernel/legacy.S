/*
 * legacy.S - the scenarios that never leave 32-bit protected mode.
 *
 *   paging32  32-bit paging: 4 KiB pages, 4 MiB pages (CR4.PSE), one of
 *             them above 4 GiB through PSE-36 where the CPU has it, a
 *             global page, and a recursive slot at the top
 *   pae       PAE paging: 4 KiB and 2 MiB pages, NX (EFER.NXE), a
 *             global page, a PDE with a reserved bit, and the four
 *             PDPTEs 64 bytes into their page, behind decoys
 *
 * boot.S calls legacy_start first thing; it returns at once unless the
 * command line's last `scenario=` names one of these.  Then it builds
 * the tables, turns paging on, checks that an alias reads what the
 * identity mapping does, and prints `checkpoint NAME`; with `halt` on
 * the command line it stops there (cli; hlt) like the long-mode
 * scenarios, else it reports PASS to isa-debug-exit.  Nothing here runs
 * C: kmain is 64-bit code.
 *
 * The tables have fixed homes at the end of the kernel's .bss (see
 * linker.ld), zeroed by the loader, so the golden dumps do not move.
 */

#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PSE (1 << 4)
#define CR4_PAE (1 << 5)
#define CR4_PGE (1 << 7)
#define MSR_EFER 0xc0000080
#define EFER_NXE (1 << 11)
#define CPUID_PSE (1 << 3)	/* leaf 1, EDX */
#define CPUID_PAE (1 << 6)
#define CPUID_PGE (1 << 13)
#define CPUID_PSE36 (1 << 17)
#define CPUID_NX (1 << 20)	/* leaf 0x80000001, EDX */

#define DEBUG_EXIT_PASS 0x10
#define MB1_MAGIC_WORD 0x1badb002	/* the first word of the image */

/* Entry bits. */
#define P 0x1
#define RW 0x2
#define US 0x4
#define PWT 0x8
#define PCD 0x10
#define PS 0x80
#define PAT4K 0x80
#define G 0x100
#define NX_HI 0x80000000	/* bit 63, in an entry's high word */
#define RSVD62_HI 0x40000000	/* bit 62: reserved (above MAXPHYADDR) */

/* The tables (physical = virtual below 2 MiB). */
#define PD32 legacy_tables
#define PT32 (legacy_tables + 0x1000)
#define PT32_HI (legacy_tables + 0x2000)
#define PDPT_PAGE (legacy_tables + 0x3000)
#define PDPT (PDPT_PAGE + 0x40)
#define PD_LO (legacy_tables + 0x4000)
#define PT_LO (legacy_tables + 0x5000)
#define PD_HI (legacy_tables + 0x6000)
#define PT_HI (legacy_tables + 0x7000)

	/* After the C code (linker.ld): this code may grow without moving
	 * the addresses that the fault goldens print. */
	.section .text32, "ax"
	.code32

/*
 * legacy_start: return if the command line asks for no 32-bit scenario;
 * otherwise run it and never return.  Clobbers every register but ESP.
 */
	.globl legacy_start
	.type legacy_start, @function
legacy_start:
	/* The loader's information is not mapped once paging is on: read
	 * the command line now. */
	movl $word_halt, %ebx
	xorl %ecx, %ecx
	call cmdline_last
	movl %eax, legacy_halt
	movl $word_scenario, %ebx
	movl $1, %ecx
	call cmdline_last
	testl %eax, %eax
	jz 9f
	leal 9(%eax), %esi		/* past "scenario=" */
	movl $name_paging32, %ebx
	xorl %ecx, %ecx			/* the whole word */
	call word_match
	testl %eax, %eax
	jnz paging32
	movl $name_pae, %ebx
	call word_match
	testl %eax, %eax
	jnz pae
9:	ret
	.size legacy_start, . - legacy_start

/*
 * fill: ECX entries from EDI on, 4 bytes apart (ESI = 4) or 8 (ESI =
 * 8, high words zero but for EDX), the first EAX, each the next page.
 */
fill:
1:	movl %eax, (%edi)
	cmpl $8, %esi
	jne 2f
	movl %edx, 4(%edi)
2:	addl $0x1000, %eax
	addl %esi, %edi
	loop 1b
	ret

/* ---- paging32 ------------------------------------------------------- */

/*
 * PD32[0]    -> PT32                 P RW
 *   PT32[0xb8]         VGA text      P RW PWT          0xb8000
 *   PT32[0x100-0x13f]  text          P                 0x100000
 *   PT32[0x140-0x15f]  rodata        P                 0x140000
 *   PT32[0x160-0x1ff]  data, bss     P RW              0x160000
 * PD32[1]    4 MiB at 0x400000       P RW PS           0x400000
 * PD32[2]    4 MiB at 0x800000       P RW US PS G      0x800000
 * PD32[768]  4 MiB at 0x100000000    P RW PS           0xc0000000
 *            (PSE-36; at 0xc00000 on a CPU without it)
 * PD32[769]  -> PT32_HI              P RW US           0xc0400000
 *   PT32_HI[0]  the image's first page   P US          0xc0400000
 *   PT32_HI[1]  VGA text                 P RW PCD      0xc0401000
 *   PT32_HI[2]  data                     P RW PAT      0xc0402000
 * PD32[1023] -> PD32 (recursive)     P RW              0xffc00000
 */
paging32:
	movl $1, %eax
	cpuid
	movl %edx, %ebx
	movl $msg_no_pse, %esi
	testl $CPUID_PSE, %ebx
	jz die32
	movl $msg_no_pge, %esi
	testl $CPUID_PGE, %ebx
	jz die32

	movl $0xb8000 | P | RW | PWT, PT32 + 0xb8 * 4
	movl $0x100000 | P, %eax
	movl $PT32 + 0x100 * 4, %edi
	movl $0x60, %ecx
	movl $4, %esi
	call fill
	movl $0x160000 | P | RW, %eax
	movl $0xa0, %ecx
	call fill
	movl $PT32 + P + RW, PD32
	movl $0x400000 | P | RW | PS, PD32 + 1 * 4
	movl $0x800000 | P | RW | US | PS | G, PD32 + 2 * 4
	/* PSE-36: PDE bit 13 is physical address bit 32. */
	movl $0xc00000 | P | RW | PS, %eax
	testl $CPUID_PSE36, %ebx
	jz 1f
	movl $0x2000 | P | RW | PS, %eax
1:	movl %eax, PD32 + 768 * 4
	movl $PT32_HI + P + RW + US, PD32 + 769 * 4
	movl $0x100000 | P | US, PT32_HI
	movl $0xb8000 | P | RW | PCD, PT32_HI + 1 * 4
	movl $0x160000 | P | RW | PAT4K, PT32_HI + 2 * 4
	movl $PD32 + P + RW, PD32 + 1023 * 4

	movl %cr4, %eax
	andl $~CR4_PAE, %eax
	orl $(CR4_PSE | CR4_PGE), %eax
	movl %eax, %cr4
	movl $PD32, %eax
	movl %eax, %cr3
	movl %cr0, %eax
	orl $(CR0_PG | CR0_WP), %eax
	movl %eax, %cr0
	jmp 2f
2:	/* The image's first word, read through PT32_HI. */
	movl $msg_paging32_alias, %esi
	cmpl $MB1_MAGIC_WORD, 0xc0400000
	jne die32
	movl $name_paging32, %edi
	jmp arrived

/* ---- pae ------------------------------------------------------------ */

/*
 * CR3 = PDPT, 64 bytes into PDPT_PAGE, whose first four entries are
 * decoys (each P, to PD_HI) that a walker reading from the page's start
 * would take for the PDPTEs.
 * PDPT[0]   -> PD_LO                 P                 0
 *   PD_LO[0] -> PT_LO                P RW
 *     PT_LO[0xb8]        VGA text    P RW PWT NX       0xb8000
 *     PT_LO[0x100-0x13f] text        P                 0x100000
 *     PT_LO[0x140-0x15f] rodata      P NX              0x140000
 *     PT_LO[0x160-0x1ff] data, bss   P RW NX           0x160000
 *   PD_LO[1] 2 MiB at 0x200000       P RW PS NX        0x200000
 *   PD_LO[2] 2 MiB at 0x400000       P US PS           0x400000
 * PDPT[3]   -> PD_HI                 P                 0xc0000000
 *   PD_HI[0] 2 MiB at 0              P RW PS G         0xc0000000
 *   PD_HI[1] -> PT_HI                P RW US           0xc0200000
 *     PT_HI[0]    the image's first page  P US         0xc0200000
 *     PT_HI[1]    VGA text                P RW PCD NX  0xc0201000
 *   PD_HI[2] 2 MiB at 0x600000  P RW PS, bit 62 (reserved)  0xc0400000
 *   PD_HI[510] -> PD_HI (recursive)  P RW              0xffc00000
 */
pae:
	movl $1, %eax
	cpuid
	movl $msg_no_pae, %esi
	testl $CPUID_PAE, %edx
	jz die32
	movl $msg_no_pge, %esi
	testl $CPUID_PGE, %edx
	jz die32
	movl $0x80000000, %eax
	cpuid
	movl $msg_no_nx, %esi
	cmpl $0x80000001, %eax
	jb die32
	movl $0x80000001, %eax
	cpuid
	testl $CPUID_NX, %edx
	jz die32

	movl $PDPT_PAGE, %edi		/* the decoys */
	movl $4, %ecx
1:	movl $PD_HI + P, (%edi)
	addl $8, %edi
	loop 1b
	movl $PD_LO + P, PDPT
	movl $PD_HI + P, PDPT + 3 * 8

	movl $PT_LO + P + RW, PD_LO
	movl $0xb8000 | P | RW | PWT, PT_LO + 0xb8 * 8
	movl $NX_HI, PT_LO + 0xb8 * 8 + 4
	movl $8, %esi
	movl $0x100000 | P, %eax
	movl $PT_LO + 0x100 * 8, %edi
	movl $0x40, %ecx
	xorl %edx, %edx
	call fill
	movl $0x140000 | P, %eax
	movl $0x20, %ecx
	movl $NX_HI, %edx
	call fill
	movl $0x160000 | P | RW, %eax
	movl $0xa0, %ecx
	call fill
	movl $0x200000 | P | RW | PS, PD_LO + 1 * 8
	movl $NX_HI, PD_LO + 1 * 8 + 4
	movl $0x400000 | P | US | PS, PD_LO + 2 * 8

	movl $0 | P | RW | PS | G, PD_HI
	movl $PT_HI + P + RW + US, PD_HI + 1 * 8
	movl $0x100000 | P | US, PT_HI
	movl $0xb8000 | P | RW | PCD, PT_HI + 1 * 8
	movl $NX_HI, PT_HI + 1 * 8 + 4
	movl $0x600000 | P | RW | PS, PD_HI + 2 * 8
	movl $RSVD62_HI, PD_HI + 2 * 8 + 4
	movl $PD_HI + P + RW, PD_HI + 510 * 8

	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_NXE, %eax
	wrmsr
	movl %cr4, %eax
	andl $~CR4_PSE, %eax
	orl $(CR4_PAE | CR4_PGE), %eax
	movl %eax, %cr4
	movl $PDPT, %eax
	movl %eax, %cr3
	movl %cr0, %eax
	orl $(CR0_PG | CR0_WP), %eax
	movl %eax, %cr0			/* paging on: loads the four PDPTEs */
	jmp 2f
2:	/* The image's first word, through the 2 MiB page and PT_HI. */
	movl $msg_pae_alias, %esi
	cmpl $MB1_MAGIC_WORD, 0xc0100000
	jne die32
	cmpl $MB1_MAGIC_WORD, 0xc0200000
	jne die32
	movl $name_pae, %edi
	/* fall through */

/* ---- the checkpoint ------------------------------------------------- */

/*
 * arrived: print `checkpoint NAME` (EDI: NAME) and stop there with
 * `halt` on the command line, as main.c's checkpoint() does; else PASS.
 */
arrived:
	pushl %edi
	movl $msg_checkpoint, %esi
	call serial32_puts
	movl (%esp), %esi
	call serial32_puts
	movl $msg_newline, %esi
	call serial32_puts
	cmpl $0, legacy_halt
	je 1f
	movl $msg_halt, %esi
	call serial32_puts
	movl (%esp), %esi
	call serial32_puts
	movl $msg_halt_end, %esi
	call serial32_puts
	jmp stop32
1:	movl $msg_pass, %esi
	call serial32_puts
	movl $DEBUG_EXIT_PASS, %eax
	jmp halt32

/* stop32: halt for a debugger, without telling isa-debug-exit. */
stop32:
	cli
	hlt
	jmp stop32

	.section .rodata
word_scenario:
	.asciz "scenario="
word_halt:
	.asciz "halt"
name_paging32:
	.asciz "paging32"
name_pae:
	.asciz "pae"
msg_checkpoint:
	.asciz "checkpoint "
msg_newline:
	.asciz "\n"
msg_halt:
	.asciz "halt: stopped at checkpoint "
msg_halt_end:
	.asciz " (cli; hlt); attach a debugger\n"
msg_pass:
	.asciz "PASS\n"
msg_no_pse:
	.asciz "FAIL: paging32 needs 4 MiB pages (CPUID 1 EDX bit 3, PSE)\n"
msg_no_pge:
	.asciz "FAIL: this scenario needs global pages (CPUID 1 EDX bit 13, PGE)\n"
msg_no_pae:
	.asciz "FAIL: pae needs PAE (CPUID 1 EDX bit 6)\n"
msg_no_nx:
	.asciz "FAIL: pae needs the NX bit (CPUID 0x80000001 EDX bit 20)\n"
msg_paging32_alias:
	.asciz "FAIL: paging32: 0xc0400000 does not read the image's first word\n"
msg_pae_alias:
	.asciz "FAIL: pae: 0xc0100000 or 0xc0200000 does not read the image's first word\n"

	/* linker.ld puts these at a fixed place at the end of .bss. */
	.section .bss_legacy, "aw", @nobits
	.balign 4096
legacy_halt:
	.skip 4			/* nonzero: `halt` is on the command line */
	.balign 4096
	.globl legacy_tables
legacy_tables:
	.skip 8 * 4096

	.section .note.GNU-stack, "", @progbits
