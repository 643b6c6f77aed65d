/*
 * The virtual clock. Time in the guest is derived from retired instructions: one
 * nanosecond per instruction (a 1 GHz machine, matching RDTSC's one tick per instruction),
 * plus the time the program asked to sleep (nanosleep & co. advance the clock instead of
 * waiting). The machine "boots" when the program starts: CLOCK_MONOTONIC and /proc/uptime
 * start at 0, and CLOCK_REALTIME starts at VMLAB_EPOCH.
 */
#ifndef VMLAB_KERNEL_SYS_TIME_H
#define VMLAB_KERNEL_SYS_TIME_H
#include <stdbool.h>
#include <stdint.h>

struct task;

#define VMLAB_EPOCH 1735689600ull /* 2025-01-01 00:00:00 UTC */
#define VMLAB_NS_PER_INSN 1ull
#define USER_HZ 100

/* Nanoseconds since boot (CLOCK_MONOTONIC, CLOCK_BOOTTIME). */
uint64_t vclock_monotonic_ns(const struct task *t);
/* The part of t's monotonic clock no instruction counted: idle time and t's own sleeps
 * (what the kernel publishes in [vvar] for the vDSO, vdso.c). */
uint64_t vclock_monotonic_offset_ns(const struct task *t);
/* CPU time of the process (CLOCK_PROCESS_CPUTIME_ID): instructions only, no sleep. */
uint64_t vclock_cputime_ns(const struct task *t);
/* Nanoseconds since the Unix epoch (CLOCK_REALTIME). */
uint64_t vclock_realtime_ns(const struct task *t);
/* The guest's struct timespec (old_timespec32, or __kernel_timespec when time64) at uaddr as
 * nanoseconds, INT64_MAX when too far: 0, or -EFAULT / -EINVAL (tv_nsec out of range,
 * negative seconds). */
int get_timespec(struct task *t, uint32_t uaddr, int64_t *ns, bool time64);
/* ns (0 to INT64_MAX) written there as the same struct: 0, or nonzero when it faults. */
int put_timespec(struct task *t, uint32_t uaddr, int64_t ns, bool time64);
#endif
