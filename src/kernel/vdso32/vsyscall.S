/*
 * The vDSO's fixed entry points, at the offsets vmlab's kernel names in exec.h (the
 * linker script places each section): __kernel_vsyscall, which AT_SYSINFO points to and
 * glibc calls for every system call, and the signal-return trampolines a handler returns
 * to when its sigaction has no SA_RESTORER (signal_frame.c writes the same bytes into
 * the frame's retcode, as Linux does).
 */
	.section .text.vsyscall, "ax"
	.globl __kernel_vsyscall
	.type __kernel_vsyscall, @function
__kernel_vsyscall:
	int $0x80
	ret
	.size __kernel_vsyscall, . - __kernel_vsyscall

	.section .text.sigreturn, "ax"
	.globl __kernel_sigreturn
	.type __kernel_sigreturn, @function
__kernel_sigreturn:
	popl %eax
	movl $119, %eax /* __NR_sigreturn */
	int $0x80
	.size __kernel_sigreturn, . - __kernel_sigreturn

	.section .text.rt_sigreturn, "ax"
	.globl __kernel_rt_sigreturn
	.type __kernel_rt_sigreturn, @function
__kernel_rt_sigreturn:
	movl $173, %eax /* __NR_rt_sigreturn */
	int $0x80
	.size __kernel_rt_sigreturn, . - __kernel_rt_sigreturn

	.section .note.GNU-stack, "", @progbits
