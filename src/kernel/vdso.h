/* The vDSO mapped as [vdso], and the data it reads in [vvar] (see vdso.c). */
#ifndef VMLAB_KERNEL_VDSO_H
#define VMLAB_KERNEL_VDSO_H
#include <stddef.h>
#include <stdint.h>

#include "hw/physmem.h"

struct task;

/* Fills img (size bytes: the [vdso] pages) with the image. */
void vdso_build_image(uint8_t *img, size_t size);
/* Writes the clock data into a new [vvar] page at physical address pa (offsets 0). */
void vdso_init_data(struct physmem *pm, phys_addr_t pa);
/* Before t returns to user mode: brings its mm's [vvar] up to date with the time that
 * passed without instructions (t's sleeps, the machine's idle time), so the vDSO's
 * clocks read what the system calls would. */
void vdso_update_data(struct task *t);
#endif
