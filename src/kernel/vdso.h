/* The vDSO image mapped as [vdso] (see vdso.c). */
#ifndef VMLAB_KERNEL_VDSO_H
#define VMLAB_KERNEL_VDSO_H
#include <stddef.h>
#include <stdint.h>

/* Fills img (size bytes: the [vdso] pages) with the image. */
void vdso_build_image(uint8_t *img, size_t size);
#endif
