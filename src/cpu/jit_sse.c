/*
 * Templates for SSE/SSE2 instructions on XMM registers (docs/jit.md, "SSE"): the moves, and
 * the computing forms run as the same host instruction the interpreter's thunk runs
 * (sse_host.c), with the same MXCSR control bits, so results and flags are identical. The
 * fast path covers only the common state: SSE enabled and usable (CR0.EM, CR0.TS clear,
 * CR4.OSFXSR set) and, for floating-point forms, every MXCSR exception masked; anything else
 * (an unmasked exception that may need #XM, a misaligned operand, a fast-table miss) runs the
 * whole instruction through its handler (exec_sse.c) before anything is changed.
 */
#include "cpu/jit.h"

/* Mandatory prefixes as select_sse records them in insn.imm2. */
enum { P_NONE, P_66, P_F3, P_F2 };
static const uint8_t prefix_byte[4] = {0, 0x66, 0xF3, 0xF2};

enum { K_HOST, K_LOAD, K_STORE, K_MOVS_LOAD, K_MOVS_STORE };
enum { C_X, C_G }; /* operand classes: an XMM register, a general register */

struct sse_form {
	uint8_t kind, r, m, msz;
	bool align, fp, cmpfl, imm, memonly;
};

/* The forms with templates (a subset of exec_sse.c's table, with the same operand sizes,
 * alignment and exception classes); false for the others. */
static bool form_of(unsigned pfx, unsigned op, struct sse_form *f)
{
	*f = (struct sse_form){.kind = K_HOST, .r = C_X, .m = C_X};
	bool pd = pfx == P_NONE || pfx == P_66; /* packed (PS/PD) */
	switch (op) {
	case 0x10: /* MOVUPS/MOVUPD, MOVSS/MOVSD */
	case 0x11:
		if (pd)
			f->kind = op == 0x10 ? K_LOAD : K_STORE, f->msz = 16;
		else
			f->kind = op == 0x10 ? K_MOVS_LOAD : K_MOVS_STORE,
			f->msz = pfx == P_F3 ? 4 : 8;
		return true;
	case 0x28: /* MOVAPS/MOVAPD */
	case 0x29:
		if (!pd)
			return false;
		f->kind = op == 0x28 ? K_LOAD : K_STORE, f->msz = 16, f->align = true;
		return true;
	case 0x13: /* MOVLPS/MOVLPD to memory */
		if (!pd)
			return false;
		f->kind = K_STORE, f->msz = 8, f->memonly = true;
		return true;
	case 0x6F: /* MOVDQA, MOVDQU */
	case 0x7F:
		if (pfx != P_66 && pfx != P_F3)
			return false;
		f->kind = op == 0x6F ? K_LOAD : K_STORE, f->msz = 16, f->align = pfx == P_66;
		return true;
	case 0x6E: /* MOVD xmm, r/m32 */
		if (pfx != P_66)
			return false;
		f->kind = K_LOAD, f->m = C_G, f->msz = 4;
		return true;
	case 0x7E: /* MOVD r/m32, xmm; MOVQ xmm, xmm/m64 */
		if (pfx == P_66)
			f->kind = K_STORE, f->m = C_G, f->msz = 4;
		else if (pfx == P_F3)
			f->kind = K_LOAD, f->msz = 8;
		else
			return false;
		return true;
	case 0x2A: /* CVTSI2SS, CVTSI2SD */
		if (pd)
			return false;
		f->m = C_G, f->msz = 4, f->fp = true;
		return true;
	case 0x2C: /* CVTTSS2SI/CVTTSD2SI, CVTSS2SI/CVTSD2SI */
	case 0x2D:
		if (pd)
			return false;
		f->r = C_G, f->msz = pfx == P_F3 ? 4 : 8, f->fp = true;
		return true;
	case 0x2E: /* UCOMISS/UCOMISD, COMISS/COMISD */
	case 0x2F:
		if (!pd)
			return false;
		f->msz = pfx == P_NONE ? 4 : 8, f->fp = f->cmpfl = true;
		return true;
	case 0x14: /* UNPCKLPS/PD, UNPCKHPS/PD */
	case 0x15:
	case 0x54: /* AND, ANDN, OR, XOR */
	case 0x55:
	case 0x56:
	case 0x57:
		if (!pd)
			return false;
		f->msz = 16, f->align = true;
		return true;
	case 0xC6: /* SHUFPS, SHUFPD */
		if (!pd)
			return false;
		f->msz = 16, f->align = true, f->imm = true;
		return true;
	case 0xC2: /* CMPPS/PD/SS/SD */
	case 0x51: /* SQRT */
	case 0x58: /* ADD */
	case 0x59: /* MUL */
	case 0x5C: /* SUB */
	case 0x5D: /* MIN */
	case 0x5E: /* DIV */
	case 0x5F: /* MAX */
		f->fp = true, f->imm = op == 0xC2;
		f->msz = pd ? 16 : pfx == P_F3 ? 4 : 8;
		f->align = pd;
		return true;
	case 0x60 ... 0x6D: /* PUNPCK*, PACK*, PCMPGT* */
	case 0x74 ... 0x76: /* PCMPEQB/W/D */
	case 0xD1 ... 0xD5:
	case 0xD8 ... 0xE5: /* the integer SIMD operations on XMM registers */
	case 0xE8 ... 0xEF:
	case 0xF1 ... 0xF6:
	case 0xF8 ... 0xFE:
		if (pfx != P_66)
			return false;
		f->msz = 16, f->align = true;
		return true;
	case 0x5A: /* CVTSS2SD, CVTSD2SS */
		if (pd)
			return false;
		f->msz = pfx == P_F3 ? 4 : 8, f->fp = true;
		return true;
	}
	return false;
}

static int32_t o_xmm(unsigned n)
{
	return (int32_t)(offsetof(struct cpu, sse.xmm) + 16 * n);
}
#define O_MXCSR ((int32_t)offsetof(struct cpu, sse.mxcsr))

/* [prefix] 0F op with a memory ModRM: reg, [base + disp] (xmm0/xmm1, base RBX/RDI/RSP) */
static void x_mem(struct emit *e, uint8_t prefix, uint8_t op, unsigned reg, unsigned base,
		  int32_t disp)
{
	if (prefix)
		e_byte(e, prefix);
	e_byte(e, 0x0F);
	e_byte(e, op);
	e_mem(e, reg, base, disp);
}
/* xmm[reg] <- sz bytes at [base + disp], zero-extended (movss, movq, movups) */
static void x_load(struct emit *e, unsigned reg, unsigned sz, unsigned base, int32_t disp)
{
	if (sz == 4)
		x_mem(e, 0xF3, 0x10, reg, base, disp);
	else if (sz == 8)
		x_mem(e, 0xF3, 0x7E, reg, base, disp);
	else
		x_mem(e, 0, 0x10, reg, base, disp);
}
static void x_store16(struct emit *e, unsigned reg, unsigned base, int32_t disp)
{
	x_mem(e, 0, 0x11, reg, base, disp); /* movups */
}

/*
 * The checks before anything is counted or changed, in one branch to the slow path: SSE
 * usable (the handler raises #UD or #NM otherwise) and, for a floating-point form, every
 * MXCSR exception masked (the handler decides #XM otherwise). Clobbers RAX, RCX, RDX.
 */
static void state_check(struct jit *j, bool fp)
{
	struct emit *e = &j->e;
	e_load(e, 8, RDX, J_CPU, (int32_t)offsetof(struct cpu, mmu));
	e_load(e, 4, RAX, RDX, (int32_t)offsetof(struct mmu, regs.cr0));
	e_alu_ri(e, 4, 4, RAX, (int32_t)(CR0_EM | CR0_TS));
	e_load(e, 4, RCX, RDX, (int32_t)offsetof(struct mmu, regs.cr4));
	e_alu_ri(e, 4, 4, RCX, (int32_t)CR4_OSFXSR);
	e_alu_ri(e, 4, 6, RCX, (int32_t)CR4_OSFXSR);
	e_alu_rr(e, 4, 1, RAX, RCX);
	if (fp) {
		e_load(e, 4, RDX, J_CPU, O_MXCSR);
		e_alu_ri(e, 4, 4, RDX, (int32_t)MXCSR_MASKS);
		e_alu_ri(e, 4, 6, RDX, (int32_t)MXCSR_MASKS);
		e_alu_rr(e, 4, 1, RAX, RDX);
	}
	jit_fb_jump(j, CC_NE);
}

/* ESI = the offset, RDI = the host address of the memory operand; a 16-byte operand that
 * must be aligned and is not goes to the handler (#GP, or AMD's MXCSR.MM). */
static void operand(struct jit *j, const struct insn *i, const struct sse_form *f,
		    enum mmu_access acc)
{
	jit_ea(j, i);
	if (f->align && f->msz == 16) {
		e_byte(&j->e, 0xF7); /* test esi, 15 */
		e_byte(&j->e, 0xC0 | RSI);
		e_u32(&j->e, 15);
		jit_fb_jump(j, CC_NE);
	}
	jit_mem(j, i->sreg, f->msz, acc, i->base);
}

static bool t_load(struct jit *j, const struct insn *i, const struct sse_form *f)
{
	struct emit *e = &j->e;
	state_check(j, false);
	if (i->mod3) {
		if (f->m == C_G)
			x_load(e, 0, 4, J_CPU, O_REG(i->rm));
		else
			x_load(e, 0, f->msz, J_CPU, o_xmm(i->rm));
	} else {
		operand(j, i, f, ACC_READ);
		x_load(e, 0, f->msz, RDI, 0);
	}
	x_store16(e, 0, J_CPU, o_xmm(i->reg));
	return true;
}
static bool t_store(struct jit *j, const struct insn *i, const struct sse_form *f)
{
	struct emit *e = &j->e;
	state_check(j, false);
	if (i->mod3) { /* the whole register (MOVD: its low dword) */
		if (f->m == C_G) {
			e_load(e, 4, RAX, J_CPU, o_xmm(i->reg));
			e_store(e, 4, RAX, J_CPU, O_REG(i->rm));
		} else {
			x_load(e, 0, 16, J_CPU, o_xmm(i->reg));
			x_store16(e, 0, J_CPU, o_xmm(i->rm));
		}
		return true;
	}
	operand(j, i, f, ACC_WRITE);
	if (f->msz == 16) {
		x_load(e, 0, 16, J_CPU, o_xmm(i->reg));
		x_store16(e, 0, RDI, 0);
	} else {
		e_load(e, f->msz, RAX, J_CPU, o_xmm(i->reg));
		e_store(e, f->msz, RAX, RDI, 0);
	}
	return true;
}
/* MOVSS/MOVSD: a register source or destination merges the low element; a memory source
 * zero-extends. */
static bool t_movs(struct jit *j, const struct insn *i, const struct sse_form *f)
{
	struct emit *e = &j->e;
	bool load = f->kind == K_MOVS_LOAD;
	state_check(j, false);
	if (i->mod3) {
		unsigned s = load ? i->rm : i->reg, d = load ? i->reg : i->rm;
		e_load(e, f->msz, RAX, J_CPU, o_xmm(s));
		e_store(e, f->msz, RAX, J_CPU, o_xmm(d));
		return true;
	}
	operand(j, i, f, load ? ACC_READ : ACC_WRITE);
	if (load) {
		x_load(e, 0, f->msz, RDI, 0);
		x_store16(e, 0, J_CPU, o_xmm(i->reg));
	} else {
		e_load(e, f->msz, RAX, J_CPU, o_xmm(i->reg));
		e_store(e, f->msz, RAX, RDI, 0);
	}
	return true;
}

void jit_mxcsr_host(struct jit *j)
{
	struct emit *e = &j->e;
	x_mem(e, 0, 0xAE, 3, RSP, 0); /* stmxcsr [rsp]: the flags the run raised */
	e_load(e, 4, RCX, RSP, 0);
	e_alu_ri(e, 4, 4, RCX, (int32_t)MXCSR_FLAGS);
	e_alu_mr(e, 4, 1, J_CPU, O_MXCSR, RCX);
	x_mem(e, 0, 0xAE, 2, RSP, 4); /* ldmxcsr [rsp + 4] */
}
void jit_mxcsr_guest(struct jit *j)
{
	struct emit *e = &j->e;
	e_load(e, 4, RAX, J_CPU, O_MXCSR);
	e_alu_ri(e, 4, 4, RAX, (int32_t)(0xffffu & ~MXCSR_FLAGS));
	e_alu_ri(e, 4, 1, RAX, (int32_t)MXCSR_MASKS);
	e_store(e, 4, RAX, RSP, 0);
	x_mem(e, 0, 0xAE, 2, RSP, 0); /* ldmxcsr [rsp] */
}

/*
 * A computing form: xmm0 = the destination register, xmm1 (or ECX) = the source, then the
 * instruction in its register form, as the handler's thunk runs it. A floating-point form
 * runs under the guest's MXCSR controls, every exception masked (the state check made sure
 * the guest's are). The host's MXCSR is loaded once for a run of SSE templates, and the
 * flags the run raised are OR-ed into the guest's MXCSR once, at its end (jit_mxcsr_host):
 * they are sticky, and nothing reads them in between but C code, which never runs inside a
 * run (jit_compile ends it before anything else, slow paths included, so a handler sees the
 * flags of every instruction before it and runs under the host's controls).
 */
static bool t_host(struct jit *j, const struct insn *i, const struct sse_form *f)
{
	struct emit *e = &j->e;
	state_check(j, f->fp);
	if (!i->mod3)
		operand(j, i, f, ACC_READ);
	if (f->r == C_X)
		x_load(e, 0, 16, J_CPU, o_xmm(i->reg));
	if (i->mod3) {
		if (f->m == C_G)
			e_load(e, 4, RCX, J_CPU, O_REG(i->rm));
		else
			x_load(e, 1, 16, J_CPU, o_xmm(i->rm));
	} else if (f->m == C_G) {
		e_load(e, 4, RCX, RDI, 0);
	} else {
		x_load(e, 1, f->msz, RDI, 0);
	}
	if (f->fp && !j->mx_in)
		jit_mxcsr_guest(j);
	j->mx_out = j->mx_in || f->fp;
	e_alu_rr(e, 4, 6, RAX, RAX); /* a general result's register, as the thunk */
	if (prefix_byte[i->imm2])
		e_byte(e, prefix_byte[i->imm2]);
	e_byte(e, 0x0F);
	e_byte(e, i->op);
	e_byte(e, 0xC1);
	if (f->imm)
		e_byte(e, (uint8_t)i->imm);
	if (f->cmpfl) {
		e_byte(e, 0x9C); /* pushfq; pop rdx */
		e_byte(e, 0x5A);
	}
	if (f->cmpfl) { /* ZF PF CF; OF SF AF cleared; materialised (lf_op = LF_NONE) */
		e_alu_ri(e, 4, 4, RDX, (int32_t)(EFL_ZF | EFL_PF | EFL_CF));
		e_load(e, 4, RCX, J_IN, O_IN(eflags));
		e_alu_ri(e, 4, 4, RCX, (int32_t)~EFL_ARITH);
		e_alu_rr(e, 4, 1, RCX, RDX);
		e_store(e, 4, RCX, J_IN, O_IN(eflags));
		e_store_imm(e, 4, J_IN, O_IN(lf_op), LF_NONE);
		j->lf = LF_NONE;
	} else if (f->r == C_G) {
		e_store(e, 4, RAX, J_CPU, O_REG(i->reg));
	} else {
		x_store16(e, 0, J_CPU, o_xmm(i->reg));
	}
	return true;
}

bool jit_sse(struct jit *j, const struct insn *i)
{
	struct sse_form f;
	if (i->opc < 0x100 || i->lock || i->len > 15 || i->imm2 > P_F2 ||
	    !form_of(i->imm2, i->op, &f))
		return false;
	if (!i->mod3 && i->asz16)
		return false;
	if (f.memonly && i->mod3)
		return false; /* #UD: the handler's */
	j->mx_out = j->mx_in; /* the moves leave the host's MXCSR alone */
	switch (f.kind) {
	case K_LOAD: return t_load(j, i, &f);
	case K_STORE: return t_store(j, i, &f);
	case K_MOVS_LOAD:
	case K_MOVS_STORE: return t_movs(j, i, &f);
	}
	return t_host(j, i, &f);
}
