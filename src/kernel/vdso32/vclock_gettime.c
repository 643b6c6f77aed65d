/*
 * The vDSO's clock functions (Linux's vdso32/vclock_gettime.c and lib/vdso/gettimeofday.c
 * in role): guest code, built with -m32 into linux-gate.so.1, which glibc finds through
 * AT_SYSINFO_EHDR and calls instead of entering the kernel. Each reads RDTSC (retired
 * instructions) and the kernel's offsets in [vvar]; the values equal what the system calls
 * return at the same instruction (kernel/sys_time.c). Clocks it does not serve (CPU-time
 * clocks, alarm clocks, invalid ids) fall back to the system call, as Linux's do.
 * Freestanding: no libgcc, so 64-bit division is done with two 32-bit DIVs.
 */
#include <stdint.h>

#include "kernel/vdso32/vdso_data.h"

#define NSEC 1000000000u

enum {
	NR_time = 13,
	NR_gettimeofday = 78,
	NR_clock_gettime = 265,
	NR_clock_getres = 266,
	NR_clock_gettime64 = 403,
};

extern const uint8_t vvar_page[] __attribute__((visibility("hidden")));

struct old_timespec32 {
	int32_t tv_sec, tv_nsec;
};
struct kernel_timespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};
struct old_timeval32 {
	int32_t tv_sec, tv_usec;
};
struct kernel_timezone {
	int32_t tz_minuteswest, tz_dsttime;
};

/* the prototypes exist only for -Wmissing-prototypes' sake: glibc finds these by name */
int __vdso_clock_gettime(int32_t id, struct old_timespec32 *ts);
int __vdso_clock_gettime64(int32_t id, struct kernel_timespec *ts);
int __vdso_gettimeofday(struct old_timeval32 *tv, struct kernel_timezone *tz);
int32_t __vdso_time(int32_t *t);
int __vdso_clock_getres(int32_t id, struct old_timespec32 *res);

static const volatile struct vdso_data *vdso_data(void)
{
	return (const volatile struct vdso_data *)(vvar_page + VDSO_DATA_OFFSET);
}

static long syscall2(long nr, long a, long b)
{
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "0"(nr), "b"(a), "c"(b) : "memory");
	return r;
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* n / d with the remainder in *rem, for a 32-bit d: DIV of the high half, then of the
 * remainder and the low half (which cannot overflow, the remainder being below d) */
static uint64_t div_u64_rem(uint64_t n, uint32_t d, uint32_t *rem)
{
	uint32_t hi = (uint32_t)(n >> 32), lo = (uint32_t)n, qhi = hi / d, r = hi % d, qlo;
	__asm__("divl %4" : "=a"(qlo), "=d"(*rem) : "0"(lo), "1"(r), "rm"(d));
	return (uint64_t)qhi << 32 | qlo;
}

enum {
	CLOCK_REALTIME = 0,
	CLOCK_MONOTONIC = 1,
	CLOCK_MONOTONIC_RAW = 4,
	CLOCK_REALTIME_COARSE = 5,
	CLOCK_MONOTONIC_COARSE = 6,
	CLOCK_BOOTTIME = 7,
	CLOCK_TAI = 11,
};

/* A clock's reading in ns; 0 with *served false for the clocks left to the kernel. */
static uint64_t clock_ns(int32_t id, int *served)
{
	const volatile struct vdso_data *vd = vdso_data();
	*served = vd->clock_mode == VDSO_CLOCKMODE_TSC;
	uint64_t mono = rdtsc() * vd->ns_per_tsc + vd->mono_offset_ns;
	uint32_t rem;
	switch (id) {
	case CLOCK_REALTIME: return mono + vd->real_offset_ns;
	case CLOCK_TAI: return mono + vd->real_offset_ns + 37ull * NSEC;
	case CLOCK_REALTIME_COARSE:
		mono += vd->real_offset_ns;
		div_u64_rem(mono, vd->jiffy_ns, &rem);
		return mono - rem;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_BOOTTIME: return mono;
	case CLOCK_MONOTONIC_COARSE: div_u64_rem(mono, vd->jiffy_ns, &rem); return mono - rem;
	default: *served = 0; return 0;
	}
}

int __vdso_clock_gettime(int32_t id, struct old_timespec32 *ts)
{
	int served;
	uint64_t ns = clock_ns(id, &served);
	if (!served)
		return (int)syscall2(NR_clock_gettime, id, (long)ts);
	uint32_t nsec;
	ts->tv_sec = (int32_t)div_u64_rem(ns, NSEC, &nsec);
	ts->tv_nsec = (int32_t)nsec;
	return 0;
}

int __vdso_clock_gettime64(int32_t id, struct kernel_timespec *ts)
{
	int served;
	uint64_t ns = clock_ns(id, &served);
	if (!served)
		return (int)syscall2(NR_clock_gettime64, id, (long)ts);
	uint32_t nsec;
	ts->tv_sec = (int64_t)div_u64_rem(ns, NSEC, &nsec);
	ts->tv_nsec = nsec;
	return 0;
}

int __vdso_gettimeofday(struct old_timeval32 *tv, struct kernel_timezone *tz)
{
	int served;
	uint64_t ns = clock_ns(CLOCK_REALTIME, &served);
	if (!served)
		return (int)syscall2(NR_gettimeofday, (long)tv, (long)tz);
	if (tv) {
		uint32_t nsec;
		tv->tv_sec = (int32_t)div_u64_rem(ns, NSEC, &nsec);
		tv->tv_usec = (int32_t)(nsec / 1000);
	}
	if (tz) {
		tz->tz_minuteswest = vdso_data()->tz_minuteswest;
		tz->tz_dsttime = vdso_data()->tz_dsttime;
	}
	return 0;
}

int32_t __vdso_time(int32_t *t)
{
	int served;
	uint64_t ns = clock_ns(CLOCK_REALTIME, &served);
	if (!served)
		return (int32_t)syscall2(NR_time, (long)t, 0);
	uint32_t nsec;
	int32_t s = (int32_t)div_u64_rem(ns, NSEC, &nsec);
	if (t)
		*t = s;
	return s;
}

int __vdso_clock_getres(int32_t id, struct old_timespec32 *res)
{
	int served;
	clock_ns(id, &served);
	if (!served)
		return (int)syscall2(NR_clock_getres, id, (long)res);
	if (res) {
		res->tv_sec = 0;
		res->tv_nsec = id == CLOCK_REALTIME_COARSE || id == CLOCK_MONOTONIC_COARSE
				   ? (int32_t)vdso_data()->jiffy_ns
				   : 1;
	}
	return 0;
}
