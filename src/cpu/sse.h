/* The SSE/SSE2 state: XMM0-7 and MXCSR (the MMX registers alias the x87's, cpu/x87.h). */
#ifndef VMLAB_CPU_SSE_H
#define VMLAB_CPU_SSE_H
#include <stdint.h>

union xmm_reg {
	uint8_t b[16];
	uint16_t w[8];
	uint32_t d[4];
	uint64_t q[2];
};

struct sse_state {
	union xmm_reg xmm[8];
	uint32_t mxcsr;
};

#define MXCSR_IE 0x0001u
#define MXCSR_DE 0x0002u
#define MXCSR_ZE 0x0004u
#define MXCSR_OE 0x0008u
#define MXCSR_UE 0x0010u
#define MXCSR_PE 0x0020u
#define MXCSR_FLAGS 0x003fu
#define MXCSR_DAZ 0x0040u
#define MXCSR_MASKS 0x1f80u /* IM DM ZM OM UM PM: flag << 7 */
#define MXCSR_UM 0x0800u
#define MXCSR_FZ 0x8000u
#define MXCSR_DEFAULT 0x1f80u
#define MXCSR_MM 0x20000u /* AMD's misaligned SSE mode */
/* The bits software may set (FXSAVE's MXCSR_MASK): everything up to FZ, DAZ included; AMD
 * also MM. A reserved bit makes LDMXCSR/FXRSTOR #GP(0). */
#define MXCSR_WRITABLE_INTEL 0xffffu
#define MXCSR_WRITABLE_AMD 0x2ffffu

void sse_init(struct sse_state *s);
#endif
