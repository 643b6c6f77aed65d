/*
 * Running one guest SSE/SSE2/MMX instruction on the host's own SIMD unit (x86-64 hosts
 * only), so that every result, rounding and MXCSR flag is the hardware's (docs/cpu.md, "SSE
 * and SSE2"). The guest's operands go in through a small buffer, the instruction runs in its
 * register form with the guest's MXCSR loaded, and the results come back the same way.
 */
#ifndef VMLAB_CPU_SSE_HOST_H
#define VMLAB_CPU_SSE_HOST_H
#include <stdbool.h>
#include <stdint.h>

struct sse_io {
	uint8_t d[16];	 /* xmm0 (and mm0): the destination register, in and out */
	uint8_t s[16];	 /* xmm1 (and mm1): the source register or memory operand */
	uint32_t gpr;	 /* in: ECX, a general-register source; out: EAX, a general result */
	uint32_t mxcsr;	 /* in: loaded for the instruction (the host's is restored after);
			  * out: MXCSR after it */
	uint64_t rflags; /* out: RFLAGS after it (COMISS/UCOMISS) */
} __attribute__((aligned(16)));

/* How the thunk moves the two register operands. */
enum sse_host_regs {
	SSE_HOST_XMM,	 /* xmm0 <- d, xmm1 <- s; d <- xmm0 */
	SSE_HOST_MM_IN,	 /* also mm0 <- d, mm1 <- s (an MMX source); d <- xmm0; EMMS */
	SSE_HOST_MM_OUT, /* also mm0 <- d, mm1 <- s; d <- mm0 (an MMX destination); EMMS */
};

/*
 * Runs `[prefix] 0F op modrm [imm8]` (prefix 0, 0x66, 0xF2 or 0xF3; modrm a register form
 * whose operands are register 0 and 1: xmm/mm/EAX as destination, xmm/mm/ECX as source) on
 * io. The thunk for a form is generated on first use. Returns -1 when the host cannot run
 * generated code (no executable memory), else 0. An MM form clobbers the host x87: the
 * caller must have written back a resident x87 state (x87_writeback).
 */
int sse_host_run(struct sse_io *io, uint8_t prefix, uint8_t op, uint8_t modrm, bool has_imm,
		 uint8_t imm, enum sse_host_regs regs);
#endif
