/*
 * boot.S - Multiboot headers, the 32-bit entry, and the switch to long
 * mode.
 *
 * The image carries two headers so that both ways of booting it work:
 *
 *  - Multiboot2, for GRUB 2 (`multiboot2 /boot/kernel.elf` from the ISO).
 *    GRUB loads the ELF's segments itself.
 *  - Multiboot1 with the a.out kludge (flag bit 16), for QEMU's -kernel.
 *    QEMU's Multiboot loader refuses 64-bit ELF files, but with this flag
 *    it ignores the ELF headers and copies the file's bytes from the
 *    header's file offset to load_addr.. as the address fields say.  That
 *    only works because linker.ld lays the file out exactly like memory
 *    from 1 MiB up to the end of .data; .bss is zeroed up to bss_end.
 *
 * Either loader enters _start32 in 32-bit protected mode, paging off,
 * EAX = its magic, EBX = the physical address of its information.
 */

#define MB1_MAGIC 0x1badb002
#define MB1_FLAGS ((1 << 0) | (1 << 1) | (1 << 16)) /* align, mem, a.out */
#define MB2_MAGIC 0xe85250d6

#define CR0_PE (1 << 0)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define CR4_LA57 (1 << 12)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

#define CPUID_LM (1 << 29)
#define CPUID_NX (1 << 20)
#define CPUID7_LA57 (1 << 16) /* leaf 7, ECX */

#define MB1_BOOT_MAGIC 0x2badb002
#define MB2_BOOT_MAGIC 0x36d76289
#define MB1_INFO_CMDLINE (1 << 2)
#define MB2_TAG_CMDLINE 1

#define COM1 0x3f8
#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_FAIL 0x11
#define BOOT_PD_COUNT 4 /* 4 x 512 x 2 MiB = the low 4 GiB */

	.section .multiboot, "a"
	.balign 4
mb1_header:
	.long MB1_MAGIC
	.long MB1_FLAGS
	.long 0x100000000 - (MB1_MAGIC + MB1_FLAGS)
	.long mb1_header	/* header_addr */
	.long __kernel_start	/* load_addr */
	.long __data_load_end	/* load_end_addr: file bytes end here */
	.long __bss_end		/* bss_end_addr: zeroed up to here */
	.long _start32		/* entry_addr */

	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long 0			/* architecture: i386 protected mode */
	.long mb2_end - mb2_header
	.long 0x100000000 - (MB2_MAGIC + (mb2_end - mb2_header))
	.short 0, 0		/* end tag */
	.long 8
mb2_end:

	.section .text.boot, "ax"
	.code32
	.globl _start32
	.type _start32, @function
_start32:
	cli
	cld
	movl $boot_stack_top, %esp
	movl %eax, boot_magic
	movl %ebx, boot_info

	/* The scenarios that stay in 32-bit mode (legacy.S) go now. */
	call legacy_start

	/* Long mode and NX both show in CPUID 0x80000001 EDX. */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	testl $CPUID_LM, %edx
	jz no_long_mode
	testl $CPUID_NX, %edx
	jz no_nx

	/* 5-level paging, if the command line asks for it (`la57`). */
	movl $word_la57, %ebx
	xorl %ecx, %ecx
	call cmdline_last
	testl %eax, %eax
	jz 3f
	movl $1, boot_la57
	xorl %eax, %eax
	cpuid
	cmpl $7, %eax
	jb no_la57
	movl $7, %eax
	xorl %ecx, %ecx
	cpuid
	testl $CPUID7_LA57, %ecx
	jz no_la57
3:
	/*
	 * Boot tables: the low 4 GiB identity mapped with 2 MiB pages, so the
	 * kernel, the loader's information (below 4 GiB by definition) and
	 * the frame pool are reachable until paging_init replaces them.  With
	 * LA57 a PML5 sits on top, its entry 0 pointing at the PML4.  The
	 * tables are in .bss, which the loader zeroed.
	 */
	movl $boot_pml4 + 3, boot_pml5		/* P | RW */
	movl $boot_pdpt + 3, boot_pml4
	movl $boot_pd + 3, %eax
	movl $boot_pdpt, %edi
	movl $BOOT_PD_COUNT, %ecx
1:	movl %eax, (%edi)
	addl $0x1000, %eax
	addl $8, %edi
	loop 1b
	movl $0x83, %eax			/* P | RW | PS */
	movl $boot_pd, %edi
	movl $512 * BOOT_PD_COUNT, %ecx
2:	movl %eax, (%edi)
	addl $0x200000, %eax			/* wraps to 0 at the end: fine */
	addl $8, %edi
	loop 2b

	/*
	 * CR4.LA57 can only change while long mode is off: set it now, or
	 * clear it, since a loader may hand over with any CR4.
	 */
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	andl $~CR4_LA57, %eax
	movl $boot_pml4, %edx
	cmpl $0, boot_la57
	je 4f
	orl $CR4_LA57, %eax
	movl $boot_pml5, %edx
4:	movl %eax, %cr4
	movl %edx, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $(EFER_LME | EFER_NXE), %eax
	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_WP | CR0_PE), %eax
	movl %eax, %cr0			/* long mode is now active */
	lgdt boot_gdt_ptr
	ljmp $0x08, $long_entry

no_long_mode:
	movl $msg_no_lm, %esi
	jmp die32
no_nx:
	movl $msg_no_nx, %esi
	jmp die32
no_la57:
	movl $msg_no_la57, %esi
	/* fall through */

/*
 * die32: print the string at ESI on COM1 and on the first VGA line
 * (white on red), report failure to QEMU's isa-debug-exit (a no-op
 * without the device), then halt.
 */
	.globl die32
die32:
	pushl %esi
	call serial32_puts
	popl %esi
	movl $0xb8000, %edi
3:	movb (%esi), %bl
	testb %bl, %bl
	jz 5f
	cmpb $'\n', %bl
	je 6f
	movb %bl, (%edi)
	movb $0x4f, 1(%edi)
	addl $2, %edi
6:	incl %esi
	jmp 3b
5:	movl $DEBUG_EXIT_FAIL, %eax
	/* fall through */

/* halt32: EAX to QEMU's isa-debug-exit (QEMU exits with 2*EAX+1), then
 * stop with interrupts off. */
	.globl halt32
halt32:
	movw $DEBUG_EXIT_PORT, %dx
	outl %eax, %dx
8:	cli
	hlt
	jmp 8b
	.size _start32, . - _start32

	/* The helpers of the 32-bit stage go after the C code (linker.ld),
	 * with legacy.S's scenarios. */
	.section .text32, "ax"

/*
 * serial32_puts: print the NUL-terminated string at ESI on COM1, which
 * it sets to 115200 8N1 first (console.c has not run).  Clobbers EAX,
 * EBX, EDX, ESI.
 */
	.globl serial32_puts
	.type serial32_puts, @function
serial32_puts:
	movw $COM1 + 1, %dx
	xorb %al, %al
	outb %al, %dx		/* no interrupts */
	movw $COM1 + 3, %dx
	movb $0x80, %al
	outb %al, %dx		/* DLAB */
	movw $COM1, %dx
	movb $1, %al
	outb %al, %dx		/* divisor 1 */
	movw $COM1 + 1, %dx
	xorb %al, %al
	outb %al, %dx
	movw $COM1 + 3, %dx
	movb $3, %al
	outb %al, %dx		/* 8N1 */
1:	movb (%esi), %bl
	testb %bl, %bl
	jz 3f
	movw $COM1 + 5, %dx
2:	inb %dx, %al
	testb $0x20, %al
	jz 2b
	movw $COM1, %dx
	movb %bl, %al
	outb %al, %dx
	incl %esi
	jmp 1b
3:	ret
	.size serial32_puts, . - serial32_puts

/*
 * cmdline_bounds: the loader's command line, found through boot_magic
 * and boot_info: ESI = its first byte, EBP = where it must end at the
 * latest (it may end before, at a NUL), EAX = 1; EAX = 0 if there is
 * none.  Like main.c it reads the first Multiboot2 command-line tag.
 * Multiboot2 data is read only inside the information's stated size, the
 * string only inside its tag; a bad size means no command line.
 * Clobbers EBX, ECX, EDX.
 */
	.type cmdline_bounds, @function
cmdline_bounds:
	movl boot_info, %ebx
	cmpl $MB1_BOOT_MAGIC, boot_magic
	je 1f
	cmpl $MB2_BOOT_MAGIC, boot_magic
	je 2f
	jmp 9f
1:	testl $MB1_INFO_CMDLINE, (%ebx)		/* Multiboot1: flags */
	jz 9f
	movl 16(%ebx), %esi
	movl $0xffffffff, %ebp			/* NUL-terminated, no bound */
	jmp 8f
2:	movl %ebx, %ecx				/* Multiboot2: walk the tags */
	addl (%ebx), %ecx			/* ECX = end of the information */
	jc 9f
	leal 8(%ebx), %edx
3:	leal 8(%edx), %eax
	cmpl %ecx, %eax
	ja 9f
	movl 4(%edx), %ebp			/* tag size, at least its header */
	cmpl $8, %ebp
	jb 9f
	addl %edx, %ebp				/* EBP = end of this tag */
	jc 9f
	cmpl %ecx, %ebp
	ja 9f
	movl (%edx), %eax			/* tag type; 0 ends the list */
	testl %eax, %eax
	jz 9f
	cmpl $MB2_TAG_CMDLINE, %eax
	je 4f
	addl $7, %ebp				/* next tag: padded to 8 */
	jc 9f
	andl $~7, %ebp
	movl %ebp, %edx
	jmp 3b
4:	leal 8(%edx), %esi
8:	movl $1, %eax
	ret
9:	xorl %eax, %eax
	ret
	.size cmdline_bounds, . - cmdline_bounds

/*
 * word_match: EAX = 1 if the command-line word at ESI (bounded by EBP)
 * is the NUL-terminated pattern at EBX, or with ECX nonzero begins with
 * it; else 0.  Words end at a space, a tab, a NUL or the bound.  Clobbers
 * EDX.
 */
	.globl word_match
	.type word_match, @function
word_match:
	pushl %esi
	pushl %ebx
1:	movb (%ebx), %dl
	testb %dl, %dl
	jz 3f
	cmpl %ebp, %esi
	jae 2f
	cmpb (%esi), %dl	/* a pattern has no NUL, space or tab */
	jne 2f
	incl %esi
	incl %ebx
	jmp 1b
3:	movl $1, %eax
	testl %ecx, %ecx
	jnz 4f
	cmpl %ebp, %esi		/* the whole word: it must end here */
	jae 4f
	movb (%esi), %dl
	testb %dl, %dl
	jz 4f
	cmpb $' ', %dl
	je 4f
	cmpb $'\t', %dl
	je 4f
2:	xorl %eax, %eax
4:	popl %ebx
	popl %esi
	ret
	.size word_match, . - word_match

/*
 * cmdline_last: EAX = the address of the last word of the command line
 * that is the pattern at EBX (with ECX nonzero: that begins with it),
 * or 0; EBP = the bound of the command line.  Words are separated by
 * spaces or tabs, as main.c splits them.  Clobbers EBX, ECX, EDX, ESI,
 * EDI.
 */
	.globl cmdline_last
	.type cmdline_last, @function
cmdline_last:
	pushl %ebx
	pushl %ecx
	call cmdline_bounds
	popl %ecx
	popl %ebx
	xorl %edi, %edi				/* EDI: the last match */
	testl %eax, %eax
	jz 9f
1:	cmpl %ebp, %esi				/* between words */
	jae 9f
	movb (%esi), %al
	testb %al, %al
	jz 9f
	cmpb $' ', %al
	je 3f
	cmpb $'\t', %al
	je 3f
	call word_match				/* a word starts here */
	testl %eax, %eax
	jz 2f
	movl %esi, %edi
2:	cmpl %ebp, %esi				/* to the end of the word */
	jae 9f
	movb (%esi), %al
	testb %al, %al
	jz 9f
	cmpb $' ', %al
	je 3f
	cmpb $'\t', %al
	je 3f
	incl %esi
	jmp 2b
3:	incl %esi
	jmp 1b
9:	movl %edi, %eax
	ret
	.size cmdline_last, . - cmdline_last

	.section .text.boot, "ax"
	.code64
	.cfi_sections .debug_frame
long_entry:
	.cfi_startproc
	.cfi_undefined rip	/* the outermost frame: backtraces stop here */
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movq $boot_stack_top, %rsp
	xorl %ebp, %ebp		/* ends the frame-pointer chain for debuggers */
	movl boot_magic, %edi
	movl boot_info, %esi
	call kmain
7:	cli
	hlt
	jmp 7b
	.cfi_endproc

	.section .rodata
msg_no_lm:
	.asciz "FAIL: this CPU has no long mode (CPUID 0x80000001 EDX bit 29); the kernel needs an x86-64 CPU\n"
msg_no_nx:
	.asciz "FAIL: this CPU has no NX bit (CPUID 0x80000001 EDX bit 20); the kernel's layout needs it\n"
msg_no_la57:
	.asciz "FAIL: la57 asks for 5-level paging, but this CPU has no LA57 (CPUID 7 ECX bit 16)\n"
word_la57:
	.asciz "la57"

	/* Just enough GDT to enter 64-bit code; idt.c loads the real one. */
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00209b0000000000	/* 0x08: 64-bit code, accessed */
	.quad 0x0000930000000000	/* 0x10: data, accessed */
boot_gdt_end:
boot_gdt_ptr:
	.short boot_gdt_end - boot_gdt - 1
	.long boot_gdt

	.section .bss
	.balign 4
boot_magic:
	.skip 4
boot_info:
	.skip 4
	.globl boot_la57
boot_la57:
	.skip 4			/* 1: CR4.LA57 was set, 5-level paging */

	/* linker.ld puts this first in .bss, at a fixed place. */
	.section .bss.stack, "aw", @nobits
	.balign 4096
	.globl boot_stack_guard, boot_stack_bottom, boot_stack_top
boot_stack_guard:
	.skip 4096		/* left unmapped by paging_init */
boot_stack_bottom:
	.skip 16384
boot_stack_top:

	.section .bss.pagetables, "aw", @nobits
	.balign 4096
boot_pml5:
	.skip 4096
boot_pml4:
	.skip 4096
boot_pdpt:
	.skip 4096
boot_pd:
	.skip 4096 * BOOT_PD_COUNT

	.section .note.GNU-stack, "", @progbits
