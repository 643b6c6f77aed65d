/*
 * vmlab's vDSO: linux-gate.so.1, built from src/kernel/vdso32 with gcc -m32 as Linux builds
 * arch/x86/entry/vdso/vdso32, and embedded (vdso_image.S). It holds __kernel_vsyscall, the
 * signal-return trampolines and the clock functions glibc calls instead of system calls
 * (__vdso_clock_gettime & co.). Those read RDTSC, which counts retired instructions, and
 * the offsets the kernel keeps in [vvar]: they give what the system calls give at the
 * same instruction, without entering the kernel, as on Linux.
 */
#include "kernel/vdso.h"

#include <stddef.h>
#include <string.h>

#include "kernel/mm/kmem.h"
#include "kernel/mm/mmap.h"
#include "kernel/sched.h"
#include "kernel/sys_time.h"
#include "kernel/task.h"
#include "kernel/vdso32/vdso_data.h"

extern const uint8_t vdso32_image[], vdso32_image_end[];

/* the same layout for the -m32 vDSO and this 64-bit host */
_Static_assert(offsetof(struct vdso_data, mono_offset_ns) == 16, "vdso_data layout");
_Static_assert(offsetof(struct vdso_data, tz_minuteswest) == 32, "vdso_data layout");
_Static_assert(sizeof(struct vdso_data) == 40, "vdso_data layout");

#define NSEC 1000000000ull
#define JIFFY_NS 4000000u /* CONFIG_HZ=250, as sys_time.c */

void vdso_build_image(uint8_t *img, size_t size)
{
	size_t n = (size_t)(vdso32_image_end - vdso32_image);
	memset(img, 0, size);
	memcpy(img, vdso32_image, n < size ? n : size); /* scripts/check-vdso.sh: n <= size */
}

void vdso_init_data(struct physmem *pm, phys_addr_t pa)
{
	struct vdso_data vd = {
	    .clock_mode = VDSO_CLOCKMODE_TSC,
	    .ns_per_tsc = (uint32_t)VMLAB_NS_PER_INSN,
	    .jiffy_ns = JIFFY_NS,
	    .real_offset_ns = VMLAB_EPOCH * NSEC,
	};
	physmem_write_buf(pm, pa + VDSO_DATA_OFFSET, &vd, sizeof vd);
}

void vdso_update_data(struct task *t)
{
	struct mm_struct *mm = t->mm;
	if (!mm || !mm->vvar_pfn)
		return;
	uint64_t off = vclock_monotonic_offset_ns(t);
	if (off == mm->vvar_mono_offset_ns)
		return;
	mm->vvar_mono_offset_ns = off;
	physmem_write_buf(t->km->pm,
			  (mm->vvar_pfn << PAGE_SHIFT) + VDSO_DATA_OFFSET +
			      offsetof(struct vdso_data, mono_offset_ns),
			  &off, sizeof off);
}
