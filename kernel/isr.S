/*
 * isr.S - exception entry stubs and fault_try.
 *
 * Each stub makes the stack look the same whether or not the CPU pushed
 * an error code (a 0 stands in), pushes its vector, and joins isr_common,
 * which saves the general registers as a struct trap_frame (kernel.h)
 * and calls trap_handler.  Whatever trap_handler leaves in the frame is
 * what iretq resumes with; fault recovery relies on that.
 */

	.text
	.code64

/* The CPU pushed an error code: just add the vector. */
.macro ISR_ERR vec
isr_\vec:
	pushq $\vec
	jmp isr_common
.endm

/* No error code from the CPU: push a 0 so the frame layout is fixed. */
.macro ISR_NOERR vec
isr_\vec:
	pushq $0
	pushq $\vec
	jmp isr_common
.endm

ISR_NOERR 0
ISR_NOERR 1
ISR_NOERR 2
ISR_NOERR 3
ISR_NOERR 4
ISR_NOERR 5
ISR_NOERR 6
ISR_NOERR 7
ISR_ERR   8
ISR_NOERR 9
ISR_ERR   10
ISR_ERR   11
ISR_ERR   12
ISR_ERR   13
ISR_ERR   14
ISR_NOERR 15
ISR_NOERR 16
ISR_ERR   17
ISR_NOERR 18
ISR_NOERR 19
ISR_NOERR 20
ISR_ERR   21
ISR_NOERR 22
ISR_NOERR 23
ISR_NOERR 24
ISR_NOERR 25
ISR_NOERR 26
ISR_NOERR 27
ISR_NOERR 28
ISR_ERR   29
ISR_ERR   30
ISR_NOERR 31

/*
 * The CPU aligned RSP to 16 before pushing its 5-word frame; with the
 * error code, the vector and 15 registers that is 22 words, so RSP is
 * still 16-byte aligned at the call, as the ABI wants.
 */
isr_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
	movq %rsp, %rdi
	call trap_handler
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp		/* vector and error code */
	iretq

/*
 * int fault_try(void): save what the caller needs to continue as if
 * fault_try had just returned (return address, stack pointer after the
 * return, callee-saved registers) in fault_jmp, arm the catch, return 0.
 * trap_handler later returns "1" into that context instead.
 */
	.globl fault_try
	.type fault_try, @function
fault_try:
	leaq fault_jmp(%rip), %rax
	movq (%rsp), %rdx
	movq %rdx, 0(%rax)	/* rip */
	leaq 8(%rsp), %rdx
	movq %rdx, 8(%rax)	/* rsp */
	movq %rbx, 16(%rax)
	movq %rbp, 24(%rax)
	movq %r12, 32(%rax)
	movq %r13, 40(%rax)
	movq %r14, 48(%rax)
	movq %r15, 56(%rax)
	movl $1, fault_armed(%rip)
	xorl %eax, %eax
	ret
	.size fault_try, . - fault_try

/*
 * void user_enter(rip, rsp, arg): build the frame iretq pops to change
 * privilege (SS, RSP, RFLAGS, CS, RIP) and drop to ring 3 with RDI = arg.
 * RFLAGS is 0x2 (only the always-one bit): interrupts stay off.
 */
#define GDT_UDATA 0x18
#define GDT_UCODE 0x20
	.globl user_enter
	.type user_enter, @function
user_enter:
	pushq $(GDT_UDATA | 3)
	pushq %rsi
	pushq $0x2
	pushq $(GDT_UCODE | 3)
	pushq %rdi
	movq %rdx, %rdi
	iretq
	.size user_enter, . - user_enter

/* Copied into user pages, never run in place: load [RDI], then UD2. */
	.globl user_probe, user_probe_end
user_probe:
	movq (%rdi), %rax
	ud2
user_probe_end:

	.section .rodata
	.balign 8
	.globl isr_stub_table
isr_stub_table:
	.irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad isr_\vec
	.endr

	.section .note.GNU-stack, "", @progbits
