/*
 * The differential tester's wire format between tests/tools/diffcpu (generator, interpreter
 * side, comparer) and build/native/diffcpu_native (the host CPU side). Fixed-size records,
 * host byte order, one dc_in answered by one dc_out over a pipe.
 *
 * Both sides place the case at the same linear addresses, so pointers in registers mean the
 * same thing: code at DC_CODE, a data page at DC_DATA, a stack page at DC_STACK with ESP
 * starting at its middle. Nothing else is mapped on the interpreter side; on the native side
 * other addresses belong to the helper and cases must not touch them.
 */
#ifndef DIFFCPU_CASE_H
#define DIFFCPU_CASE_H
#include <stdint.h>

#define DC_MAGIC_IN 0x44434931u	 /* "DCI1" */
#define DC_MAGIC_OUT 0x44434f31u /* "DCO1" */
#define DC_CODE 0x00300000u
#define DC_DATA 0x00200000u
#define DC_STACK 0x00380000u
/* A page below 64 KB for 16-bit address forms; only used when the host lets the helper map
 * it (vm.mmap_min_addr), which the helper reports in dc_out.low_mapped. */
#define DC_LOW 0x0000f000u
#define DC_PAGE 4096u
#define DC_ESP (DC_STACK + DC_PAGE / 2)
#define DC_CODE_MAX 112
/* The flags a case may set and the comparison looks at: CF PF AF ZF SF DF OF. */
#define DC_FLAGS 0x0cd5u

struct dc_in {
	uint32_t magic, id;
	uint32_t code_len;
	uint32_t code_off; /* where the code starts in the code page; bytes past its end are
			    * left out (they are unmapped), and so is the end marker when it
			    * does not fit: the case then ends with a fetch #PF */
	uint8_t code[DC_CODE_MAX];
	uint32_t regs[8]; /* eax ecx edx ebx esp ebp esi edi; esp is normally DC_ESP */
	uint32_t eflags;  /* DC_FLAGS bits only */
	uint32_t use_fpu; /* load fpu[] before running (else the FNINIT state) */
	uint8_t fpu[108]; /* FRSTOR image, 32-bit format */
	uint8_t data[DC_PAGE];
	uint8_t stack[DC_PAGE];
	uint8_t low[DC_PAGE];
	uint32_t mxcsr;	      /* loaded with the XMM registers before running */
	uint8_t xmm[8][16];
};

struct dc_out {
	uint32_t magic, id;
	uint32_t vector; /* 0xffffffff: the code ran to its end; else the exception vector */
	uint32_t err;	 /* the exception's error code (as the host reports it) */
	uint32_t eip;	 /* end of code, or the faulting instruction */
	uint32_t regs[8];
	uint32_t eflags;
	uint16_t sregs[6]; /* es cs ss ds fs gs */
	uint32_t gs_base;  /* the base of the helper's GS segment (its TLS block) */
	uint8_t fpu[108];  /* FNSAVE image, 32-bit format */
	uint8_t data[DC_PAGE];
	uint8_t stack[DC_PAGE];
	uint8_t low[DC_PAGE];
	uint32_t low_mapped;
	uint32_t mxcsr; /* after the code (or at the fault) */
	uint8_t xmm[8][16];
};
#define DC_NO_EXCEPTION 0xffffffffu
#define DC_TIMEOUT 0xfffffffeu
#endif
