/*
 * A small x86-64 encoder for the JIT (jit.c, jit_insn.c): only the forms the translator
 * emits. Operands are host registers and [base + disp] memory operands; every function
 * appends to the emitter's buffer and never writes past its end (a full buffer sets
 * `full`, and the block is then not compiled).
 */
#ifndef VMLAB_CPU_JIT_EMIT_H
#define VMLAB_CPU_JIT_EMIT_H
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

enum hreg { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };

/* Host condition codes (the low nibble of Jcc/SETcc/CMOVcc), the same numbering as the
 * guest's. */
enum hcc {
	CC_O,
	CC_NO,
	CC_B,
	CC_AE,
	CC_E,
	CC_NE,
	CC_BE,
	CC_A,
	CC_S,
	CC_NS,
	CC_P,
	CC_NP,
	CC_L,
	CC_GE,
	CC_LE,
	CC_G
};

struct emit {
	uint8_t *p, *end;
	bool full;
	uint8_t *label; /* the last place a forward jump was patched to (e_label) */
};

static inline void e_byte(struct emit *e, uint8_t b)
{
	if (e->p < e->end)
		*e->p++ = b;
	else
		e->full = true;
}
static inline void e_u32(struct emit *e, uint32_t v)
{
	for (int k = 0; k < 4; k++)
		e_byte(e, (uint8_t)(v >> (8 * k)));
}
static inline void e_u64(struct emit *e, uint64_t v)
{
	e_u32(e, (uint32_t)v);
	e_u32(e, (uint32_t)(v >> 32));
}

/* REX prefix when needed: w = 64-bit operand, r = ModRM.reg, b = ModRM.rm/base; byte_r and
 * byte_b say that r or b names a byte register: SPL..DIL need a REX (without one, 4..7 are
 * AH..BH, which the JIT never uses). */
static inline void e_rex2(struct emit *e, bool w, unsigned r, unsigned b, bool byte_r, bool byte_b)
{
	uint8_t rex = (uint8_t)(0x40 | (w ? 8 : 0) | ((r & 8) ? 4 : 0) | ((b & 8) ? 1 : 0));
	if (rex != 0x40 || (byte_r && (r & 7) >= 4) || (byte_b && (b & 7) >= 4))
		e_byte(e, rex);
}
static inline void e_rex(struct emit *e, bool w, unsigned r, unsigned b, bool byte_regs)
{
	e_rex2(e, w, r, b, byte_regs, byte_regs);
}

/* ModRM (+SIB, displacement) for [base + disp]. */
static inline void e_mem(struct emit *e, unsigned reg, unsigned base, int32_t disp)
{
	unsigned mod = disp == 0 && (base & 7) != RBP ? 0 : (disp >= -128 && disp < 128) ? 1 : 2;
	e_byte(e, (uint8_t)(mod << 6 | (reg & 7) << 3 | (base & 7)));
	if ((base & 7) == RSP)
		e_byte(e, 0x24);
	if (mod == 1)
		e_byte(e, (uint8_t)disp);
	else if (mod == 2)
		e_u32(e, (uint32_t)disp);
}

/* opcode reg, [base + disp] with operand size sz (1, 2, 4 or 8); op1 is the opcode for
 * sizes 2/4/8, op1 - 1 for size 1 (the x86 convention for the ALU and MOV opcodes). */
static inline void e_op_mem(struct emit *e, unsigned sz, uint8_t op, unsigned reg, unsigned base,
			    int32_t disp)
{
	if (sz == 2)
		e_byte(e, 0x66);
	e_rex2(e, sz == 8, reg, base, sz == 1, false);
	e_byte(e, sz == 1 ? (uint8_t)(op - 1) : op);
	e_mem(e, reg, base, disp);
}
/* opcode rm, reg (register-direct ModRM). */
static inline void e_op_rr(struct emit *e, unsigned sz, uint8_t op, unsigned reg, unsigned rm)
{
	if (sz == 2)
		e_byte(e, 0x66);
	e_rex(e, sz == 8, reg, rm, sz == 1);
	e_byte(e, sz == 1 ? (uint8_t)(op - 1) : op);
	e_byte(e, (uint8_t)(0xC0 | (reg & 7) << 3 | (rm & 7)));
}

/* cmovcc reg, [base + disp] (64-bit) */
static inline void e_cmov_rm(struct emit *e, unsigned cc, unsigned reg, unsigned base, int32_t disp)
{
	e_rex2(e, true, reg, base, false, false);
	e_byte(e, 0x0F);
	e_byte(e, (uint8_t)(0x40 | cc));
	e_mem(e, reg, base, disp);
}

/* reg = the larger of reg and [base + disp], unsigned 64-bit (cmp, cmovb) */
static inline void e_umax_rm(struct emit *e, unsigned reg, unsigned base, int32_t disp)
{
	e_op_mem(e, 8, 0x3B, reg, base, disp);
	e_cmov_rm(e, CC_B, reg, base, disp);
}

/* mov reg, [base + disp] (sz 4 or 8) / movzx for sz 1 and 2: the value zero-extended. */
static inline void e_load(struct emit *e, unsigned sz, unsigned reg, unsigned base, int32_t disp)
{
	if (sz >= 4) {
		e_op_mem(e, sz, 0x8B, reg, base, disp);
		return;
	}
	e_rex(e, false, reg, base, false);
	e_byte(e, 0x0F);
	e_byte(e, sz == 1 ? 0xB6 : 0xB7);
	e_mem(e, reg, base, disp);
}
/* movsx reg32, byte/word [base + disp] */
static inline void e_load_sx(struct emit *e, unsigned sz, unsigned reg, unsigned base, int32_t disp)
{
	e_rex(e, false, reg, base, false);
	e_byte(e, 0x0F);
	e_byte(e, sz == 1 ? 0xBE : 0xBF);
	e_mem(e, reg, base, disp);
}
/* mov [base + disp], reg (sz 1, 2, 4, 8) */
static inline void e_store(struct emit *e, unsigned sz, unsigned reg, unsigned base, int32_t disp)
{
	e_op_mem(e, sz, 0x89, reg, base, disp);
}
/* mov size [base + disp], imm (sz 1, 2, 4; 8 stores imm sign-extended) */
static inline void e_store_imm(struct emit *e, unsigned sz, unsigned base, int32_t disp,
			       uint32_t imm)
{
	e_op_mem(e, sz, 0xC7, 0, base, disp);
	if (sz == 1)
		e_byte(e, (uint8_t)imm);
	else if (sz == 2) {
		e_byte(e, (uint8_t)imm);
		e_byte(e, (uint8_t)(imm >> 8));
	} else
		e_u32(e, imm);
}
/* mov r32, r32 / mov r64, r64 */
static inline void e_mov_rr(struct emit *e, unsigned sz, unsigned dst, unsigned src)
{
	e_op_rr(e, sz, 0x89, src, dst);
}
/* mov r32, imm32 (zero-extends) */
static inline void e_mov_ri(struct emit *e, unsigned reg, uint32_t imm)
{
	e_rex(e, false, 0, reg, false);
	e_byte(e, (uint8_t)(0xB8 | (reg & 7)));
	e_u32(e, imm);
}
/* mov r64, imm64 */
static inline void e_mov_ri64(struct emit *e, unsigned reg, uint64_t imm)
{
	e_rex(e, true, 0, reg, false);
	e_byte(e, (uint8_t)(0xB8 | (reg & 7)));
	e_u64(e, imm);
}
/* ALU op (0 ADD .. 7 CMP) reg, rm: "op rm, reg" form 01/09/../39 */
static inline void e_alu_rr(struct emit *e, unsigned sz, unsigned op, unsigned dst, unsigned src)
{
	e_op_rr(e, sz, (uint8_t)(op << 3 | 1), src, dst);
}
/* ALU op [base + disp], reg */
static inline void e_alu_mr(struct emit *e, unsigned sz, unsigned op, unsigned base, int32_t disp,
			    unsigned src)
{
	e_op_mem(e, sz, (uint8_t)(op << 3 | 1), src, base, disp);
}
/* ALU op reg, [base + disp] */
static inline void e_alu_rm(struct emit *e, unsigned sz, unsigned op, unsigned dst, unsigned base,
			    int32_t disp)
{
	e_op_mem(e, sz, (uint8_t)(op << 3 | 3), dst, base, disp);
}
/* ALU op reg, imm (32 or 64-bit register, imm sign-extended to 64) */
static inline void e_alu_ri(struct emit *e, unsigned sz, unsigned op, unsigned reg, int32_t imm)
{
	e_rex(e, sz == 8, 0, reg, false);
	if (imm >= -128 && imm < 128) {
		e_byte(e, 0x83);
		e_byte(e, (uint8_t)(0xC0 | op << 3 | (reg & 7)));
		e_byte(e, (uint8_t)imm);
	} else {
		e_byte(e, 0x81);
		e_byte(e, (uint8_t)(0xC0 | op << 3 | (reg & 7)));
		e_u32(e, (uint32_t)imm);
	}
}
/* ALU op size [base + disp], imm (sz 1, 4, 8) */
static inline void e_alu_mi(struct emit *e, unsigned sz, unsigned op, unsigned base, int32_t disp,
			    int32_t imm)
{
	if (sz == 1) {
		e_rex(e, false, 0, base, false);
		e_byte(e, 0x80);
		e_mem(e, op, base, disp);
		e_byte(e, (uint8_t)imm);
		return;
	}
	e_rex(e, sz == 8, 0, base, false);
	bool small = imm >= -128 && imm < 128;
	e_byte(e, small ? 0x83 : 0x81);
	e_mem(e, op, base, disp);
	if (small)
		e_byte(e, (uint8_t)imm);
	else
		e_u32(e, (uint32_t)imm);
}
/* shift group 2 (4 SHL, 5 SHR, 7 SAR) r32 by imm */
static inline void e_shift_ri(struct emit *e, unsigned sz, unsigned op, unsigned reg, uint8_t n)
{
	e_rex(e, sz == 8, 0, reg, false);
	e_byte(e, 0xC1);
	e_byte(e, (uint8_t)(0xC0 | op << 3 | (reg & 7)));
	e_byte(e, n);
}
/* shift group 2 r32 by CL */
static inline void e_shift_rcl(struct emit *e, unsigned op, unsigned reg)
{
	e_rex(e, false, 0, reg, false);
	e_byte(e, 0xD3);
	e_byte(e, (uint8_t)(0xC0 | op << 3 | (reg & 7)));
}
/* movzx r32, r8 / r16 (register source; low byte of a host register, REX as needed) */
static inline void e_movzx_rr(struct emit *e, unsigned sz, unsigned dst, unsigned src)
{
	e_rex(e, false, dst, src, sz == 1);
	e_byte(e, 0x0F);
	e_byte(e, sz == 1 ? 0xB6 : 0xB7);
	e_byte(e, (uint8_t)(0xC0 | (dst & 7) << 3 | (src & 7)));
}
/* lea r64, [base + disp] */
static inline void e_lea(struct emit *e, unsigned sz, unsigned reg, unsigned base, int32_t disp)
{
	e_op_mem(e, sz, 0x8D, reg, base, disp);
}
/* lea r32, [base + index * (1 << scale) + disp] */
static inline void e_lea_sib(struct emit *e, unsigned reg, unsigned base, unsigned index,
			     unsigned scale, int32_t disp)
{
	e_byte(e, (uint8_t)(0x40 | ((reg & 8) ? 4 : 0) | ((index & 8) ? 2 : 0) |
			    ((base & 8) ? 1 : 0)));
	e_byte(e, 0x8D);
	unsigned mod = disp == 0 && (base & 7) != RBP ? 0 : (disp >= -128 && disp < 128) ? 1 : 2;
	e_byte(e, (uint8_t)(mod << 6 | (reg & 7) << 3 | 4));
	e_byte(e, (uint8_t)(scale << 6 | (index & 7) << 3 | (base & 7)));
	if (mod == 1)
		e_byte(e, (uint8_t)disp);
	else if (mod == 2)
		e_u32(e, (uint32_t)disp);
}
/* lea r32, [index * (1 << scale) + disp32] (no base) */
static inline void e_lea_idx(struct emit *e, unsigned reg, unsigned index, unsigned scale,
			     int32_t disp)
{
	e_byte(e, (uint8_t)(0x40 | ((reg & 8) ? 4 : 0) | ((index & 8) ? 2 : 0)));
	e_byte(e, 0x8D);
	e_byte(e, (uint8_t)((reg & 7) << 3 | 4));
	e_byte(e, (uint8_t)(scale << 6 | (index & 7) << 3 | 5));
	e_u32(e, (uint32_t)disp);
}
/* imul r32, r32 */
static inline void e_imul_rr(struct emit *e, unsigned dst, unsigned src)
{
	e_rex(e, false, dst, src, false);
	e_byte(e, 0x0F);
	e_byte(e, 0xAF);
	e_byte(e, (uint8_t)(0xC0 | (dst & 7) << 3 | (src & 7)));
}
/* setcc r8 (low byte; REX when it names SIL/DIL or above) */
static inline void e_setcc(struct emit *e, unsigned cc, unsigned reg)
{
	e_rex(e, false, 0, reg, true);
	e_byte(e, 0x0F);
	e_byte(e, (uint8_t)(0x90 | cc));
	e_byte(e, (uint8_t)(0xC0 | (reg & 7)));
}
/* inc qword [base + disp] */
static inline void e_inc_m64(struct emit *e, unsigned base, int32_t disp)
{
	e_rex(e, true, 0, base, false);
	e_byte(e, 0xFF);
	e_mem(e, 0, base, disp);
}
/* test r, r */
static inline void e_test_rr(struct emit *e, unsigned sz, unsigned a, unsigned b)
{
	e_op_rr(e, sz, 0x85, b, a);
}
/* test byte [base + disp], imm8 */
static inline void e_test_m8(struct emit *e, unsigned base, int32_t disp, uint8_t imm)
{
	e_rex(e, false, 0, base, false);
	e_byte(e, 0xF6);
	e_mem(e, 0, base, disp);
	e_byte(e, imm);
}
/* jcc rel32 / jmp rel32 with the displacement to be patched: returns its address (NULL
 * when the buffer is full: e_patch ignores it) */
static inline uint8_t *e_jcc(struct emit *e, unsigned cc)
{
	e_byte(e, 0x0F);
	e_byte(e, (uint8_t)(0x80 | cc));
	uint8_t *at = e->p;
	e_u32(e, 0);
	return e->full ? NULL : at;
}
static inline uint8_t *e_jmp(struct emit *e)
{
	e_byte(e, 0xE9);
	uint8_t *at = e->p;
	e_u32(e, 0);
	return e->full ? NULL : at;
}
/* Points a rel32 field (from e_jcc/e_jmp) at target. */
static inline void e_patch(uint8_t *at, const uint8_t *target)
{
	if (!at)
		return;
	int32_t rel = (int32_t)(target - (at + 4));
	memcpy(at, &rel, 4);
}
/* Patches the forward jump at `at` to here, and remembers that code arrives here from
 * elsewhere: what the code just before this point left in a register is not known here. */
static inline void e_label(struct emit *e, uint8_t *at)
{
	e_patch(at, e->p);
	e->label = e->p;
}
/* call an absolute address (through RAX) */
static inline void e_call(struct emit *e, const void *fn)
{
	e_mov_ri64(e, RAX, (uint64_t)(uintptr_t)fn);
	e_byte(e, 0xFF);
	e_byte(e, 0xD0);
}
#endif
