/*
 * System-call dispatch. Each handler is `long sys_NAME(struct task *t, const uint32_t *a)`
 * (a[0..5] = ebx, ecx, edx, esi, edi, ebp) returning a value or -errno, and lives in the
 * file of its subsystem. Handlers are declared weak here, so a call vmlab does not implement
 * is visible as a missing handler: -ENOSYS, reported once on stderr.
 */
#ifndef VMLAB_KERNEL_SYSCALLS_SYSCALL_H
#define VMLAB_KERNEL_SYSCALLS_SYSCALL_H
#include <stdint.h>

struct task;
typedef long (*syscall_fn)(struct task *t, const uint32_t *a);

#define SYSCALL(nr, name) long sys_##name(struct task *t, const uint32_t *a) __attribute__((weak));
#include "kernel/syscalls/syscalls.def"
#undef SYSCALL

#define NR_SYSCALLS 451

/* A 64-bit argument in two registers, low word first (pread64, truncate64 ...). */
static inline uint64_t syscall_arg_u64(const uint32_t *a, int lo)
{
	return (uint64_t)a[lo] | (uint64_t)a[lo + 1] << 32;
}

/* The name of system call nr, or NULL. */
const char *syscall_name(uint32_t nr);
/* Runs system call nr; unimplemented ones return -ENOSYS after one report per run. */
long syscall_dispatch(struct task *t, uint32_t nr, const uint32_t *a);
#endif
