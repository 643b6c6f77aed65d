/*
 * What the kernel keeps in page 0 of [vvar] for the vDSO's clock functions: Linux's
 * struct vdso_data in spirit. The vDSO's "TSC" is RDTSC, which counts retired
 * instructions (the virtual clock, kernel/sys_time.h), so the kernel needs to publish only
 * what RDTSC cannot know: the time that passed while no instruction ran (sleeps, idle).
 * Shared by the kernel (vdso.c) and the vDSO itself (vclock_gettime.c, built with -m32),
 * so fixed-size fields only.
 */
#ifndef VMLAB_KERNEL_VDSO32_VDSO_DATA_H
#define VMLAB_KERNEL_VDSO32_VDSO_DATA_H
#include <stdint.h>

#define VDSO_DATA_OFFSET 0x80u /* Linux's x86 vvar page keeps its vdso_data at 128 too */
#define VDSO_CLOCKMODE_TSC 1

struct vdso_data {
	uint32_t seq;		 /* even: the data is stable (one CPU: the kernel never writes it
				  * while a guest instruction runs) */
	int32_t clock_mode;	 /* VDSO_CLOCKMODE_TSC */
	uint32_t ns_per_tsc;	 /* VMLAB_NS_PER_INSN */
	uint32_t jiffy_ns;	 /* the coarse clocks' resolution (CONFIG_HZ 250: 4 ms) */
	uint64_t mono_offset_ns; /* CLOCK_MONOTONIC = TSC * ns_per_tsc + this */
	uint64_t real_offset_ns; /* CLOCK_REALTIME = CLOCK_MONOTONIC + this */
	int32_t tz_minuteswest;	 /* gettimeofday's struct timezone */
	int32_t tz_dsttime;
};
#endif
