/*
 * exec: an i386 ELF executable (static, PIE, static-pie, or dynamically linked with its
 * PT_INTERP interpreter) loaded into a fresh address space with binfmt_elf's semantics
 * (fs/binfmt_elf.c load_elf_binary, load_elf_interp, create_elf_tables; fs/exec.c
 * setup_arg_pages).
 */
#ifndef VMLAB_KERNEL_EXEC_H
#define VMLAB_KERNEL_EXEC_H
#include <stddef.h>
#include <stdint.h>

struct task;
struct mm_layout_config;

/* The i386 GDT (arch/x86/include/asm/segment.h). */
#define GDT_ENTRIES 32
#define GDT_ENTRY_TLS_MIN 6
#define GDT_ENTRY_KERNEL_CS 12
#define GDT_ENTRY_KERNEL_DS 13
#define GDT_ENTRY_DEFAULT_USER_CS 14
#define GDT_ENTRY_DEFAULT_USER_DS 15
#define __USER_CS 0x73
#define __USER_DS 0x7b

/* The vDSO entries at these offsets of [vdso]: __kernel_vsyscall ("int $0x80; ret"), and the
 * signal-return trampolines a handler returns to when its sigaction has no SA_RESTORER (as
 * Linux's arch/x86/kernel/signal.c picks them: the vDSO's, never code on the stack, which a
 * non-executable stack under PAE/NX could not run). */
#define VDSO_KERNEL_VSYSCALL 0x570
#define VDSO_KERNEL_SIGRETURN 0x590    /* popl %eax; movl $__NR_sigreturn, %eax; int $0x80 */
#define VDSO_KERNEL_RT_SIGRETURN 0x5a0 /* movl $__NR_rt_sigreturn, %eax; int $0x80 */

/*
 * Replaces t's address space with the program opened by the caller as host_fd: guest_path
 * is its absolute path inside the guest (what /proc/self/maps shows), filename the name
 * execve was given (AT_EXECFN). Its interpreter, if any, is opened through t's sandbox and
 * checked first: until then t's address space is untouched (t->mm unchanged means the old
 * program goes on). Sets the registers (eip, esp, eflags; segment registers are
 * the caller's: run.c). Returns 0, or -errno with a message in err naming the problem.
 * t->comm points into filename, which must outlive the task.
 */
int exec_binary(struct task *t, int host_fd, const char *guest_path, const char *filename,
		int argc, char *const argv[], char *const envp[],
		const struct mm_layout_config *cfg, char *err, size_t errlen);
#endif
