/* The x87 FPU: state and one-instruction execution (opcodes D8-DF). */
#ifndef VMLAB_CPU_X87_H
#define VMLAB_CPU_X87_H
#include "hw/x86.h"

struct cpu;

/* An 80-bit extended real: 64-bit significand (explicit integer bit), sign+15-bit exponent. */
struct x87_reg {
	uint64_t mant;
	uint16_t sexp;
};

struct x87_state {
	struct x87_reg r[8]; /* physical registers R0-R7; ST(i) = r[(top + i) & 7] */
	uint16_t cw;	     /* control word (FNINIT: 0x037F) */
	uint16_t sw;	     /* status word, TOP in bits 13-11 */
	uint16_t tw;	     /* full tag word, 2 bits per register (11 = empty) */
	uint16_t fop;	     /* last opcode (11 bits) */
	uint32_t fip, fdp;   /* last instruction / data pointer offsets */
	uint16_t fcs, fds;   /* their selectors */
};

void x87_init(struct x87_state *f); /* FNINIT state */

/*
 * Executes one x87 instruction: opcode is 0xD8..0xDF, modrm its ModRM byte; for memory
 * forms (mod != 3) sr:ea is the operand's address, computed by the decoder. opsize16 selects
 * the 16-bit forms of FLDENV/FNSTENV/FRSTOR/FNSAVE. Returns 0, or -1 with *ex (a memory
 * fault, #UD, or #MF for an unmasked pending exception, as the SDM defines).
 * c->eip must still be the instruction's own address (it becomes FIP); nothing of the FPU
 * or memory changes when it returns -1, so the instruction can be restarted.
 * Results are computed on the host's x87 (docs/x87.md).
 */
int x87_execute(struct cpu *c, uint8_t opcode, uint8_t modrm, enum sreg sr, uint32_t ea,
		bool opsize16, struct x86_exception *ex);

/*
 * Between x87 instructions the FPU's registers and tags may live in the calling thread's host
 * x87 (docs/x87.md); cw and sw are always current. x87_writeback makes all of *f current
 * again and frees the host x87: cpu_run calls it before returning, and whoever calls
 * x87_execute directly must call it before reading f->r or f->tw. x87_init,
 * x87_save_image and x87_restore_image handle a resident f themselves.
 */
void x87_writeback(struct x87_state *f);

/* FWAIT/WAIT: #MF (returns -1) when an unmasked exception is pending. */
int x87_fwait(struct cpu *c, struct x86_exception *ex);

/* The 108-byte FNSAVE image (32-bit protected-mode format), for signal frames. */
void x87_save_image(const struct x87_state *f, uint8_t img[108]);
void x87_restore_image(struct x87_state *f, const uint8_t img[108]);
/* The x87 part of a 512-byte FXSAVE image (bytes 0-23, registers at 32-159) and back
 * (FXRSTOR: the full tag word from the abridged one and the registers' contents). */
void x87_fxsave_image(const struct x87_state *f, uint8_t *fx);
void x87_fxrstor_image(struct x87_state *f, const uint8_t *fx);
/* The x87 side of an MMX instruction: TOP = 0 and all registers valid, or all empty for
 * EMMS. Also writes back a resident state, so f->r holds the MMX registers' values. */
void x87_mmx_enter(struct x87_state *f, bool emms);
#endif
