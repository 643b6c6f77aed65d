/*
 * vmlab's vDSO image: a minimal ELF shared object, like Linux's linux-gate.so.1 in shape
 * (ET_DYN linked at 0, one PT_LOAD, a read-only PT_DYNAMIC with an empty symbol hash and the
 * soname), whose only code is __kernel_vsyscall (int $0x80; ret) and the two signal-return
 * trampolines (__kernel_sigreturn, __kernel_rt_sigreturn). It exports no symbols, so
 * glibc finds no __vdso_clock_gettime and makes those calls with int $0x80: every system
 * call reaches the kernel model, where the virtual clock lives.
 */
#include <string.h>

#include "kernel/exec.h"
#include "kernel/signal_frame.h"
#include "kernel/vdso.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

enum { DYN_OFF = 0x100, HASH_OFF = 0x200, SYM_OFF = 0x220, STR_OFF = 0x240, STR_SIZE = 0x20 };

void vdso_build_image(uint8_t *img, size_t size)
{
	memset(img, 0, size);
	static const uint8_t ident[16] = {0x7f, 'E', 'L', 'F', 1, 1, 1, 0};
	memcpy(img, ident, 16);
	put16(img + 16, 3);                   /* ET_DYN */
	put16(img + 18, 3);                   /* EM_386 */
	put32(img + 20, 1);                   /* EV_CURRENT */
	put32(img + 24, VDSO_KERNEL_VSYSCALL); /* e_entry */
	put32(img + 28, 52);                  /* e_phoff */
	put16(img + 40, 52);                  /* e_ehsize */
	put16(img + 42, 32);                  /* e_phentsize */
	put16(img + 44, 2);                   /* e_phnum */
	put16(img + 46, 40);                  /* e_shentsize */
	/* PT_LOAD: the whole image, r-x */
	uint8_t *ph = img + 52;
	put32(ph, 1);
	put32(ph + 16, (uint32_t)size);
	put32(ph + 20, (uint32_t)size);
	put32(ph + 24, 5);
	put32(ph + 28, 0x1000);
	/* PT_DYNAMIC, read-only */
	ph += 32;
	put32(ph, 2);
	put32(ph + 4, DYN_OFF);
	put32(ph + 8, DYN_OFF);
	put32(ph + 12, DYN_OFF);
	put32(ph + 16, 7 * 8);
	put32(ph + 20, 7 * 8);
	put32(ph + 24, 4);
	put32(ph + 28, 4);
	static const uint32_t dyn[] = {
		4,  HASH_OFF, /* DT_HASH */
		5,  STR_OFF,  /* DT_STRTAB */
		6,  SYM_OFF,  /* DT_SYMTAB */
		10, STR_SIZE, /* DT_STRSZ */
		11, 16,       /* DT_SYMENT */
		14, 1,        /* DT_SONAME */
		0,  0,        /* DT_NULL */
	};
	for (size_t i = 0; i < sizeof dyn / sizeof dyn[0]; i++)
		put32(img + DYN_OFF + 4 * i, dyn[i]);
	/* DT_HASH: one bucket, one chain, both empty (symbol 0 is STN_UNDEF) */
	put32(img + HASH_OFF, 1);
	put32(img + HASH_OFF + 4, 1);
	memcpy(img + STR_OFF + 1, "linux-gate.so.1", 16);
	static const uint8_t vsyscall[] = {0xcd, 0x80, 0xc3}; /* int $0x80; ret */
	memcpy(img + VDSO_KERNEL_VSYSCALL, vsyscall, sizeof vsyscall);
	/* the trampolines are the frame's retcode bytes, as in Linux's vdso32/sigreturn.S */
	sigframe_retcode(img + VDSO_KERNEL_SIGRETURN, 0);
	sigframe_retcode(img + VDSO_KERNEL_RT_SIGRETURN, 1);
}
