/*
 * Conditions and carries in compiled code: the guest's flags recomputed with the host's
 * own instructions from the lazy-flag record (the same ISA sets the same flags), or asked
 * of flags.c when the record's kind is not known at compile time.
 */
#include "cpu/jit.h"

static int jit_cond_slow(struct cpu_internal *in, unsigned cc)
{
	return cond(in, cc);
}
static uint32_t jit_cf_slow(struct cpu_internal *in)
{
	return get_cf(in);
}

void jit_get_cf(struct jit *j)
{
	struct emit *e = &j->e;
	int lf = j->lf;
	unsigned kind = lf >= 0 ? (unsigned)lf >> 2 : 0;
	if (lf >= 0 && kind == LF_LOGIC) {
		e_mov_ri(e, RAX, 0);
		return;
	}
	if (lf >= 0 && (kind == LF_SUB || kind == LF_ADD)) {
		/* SUB: a < b; ADD: res < a (operands are kept zero-extended) */
		if (kind == LF_SUB) {
			e_load(e, 4, RCX, J_IN, O_IN(lf_a));
			e_alu_rm(e, 4, 7, RCX, J_IN, O_IN(lf_b));
		} else {
			e_load(e, 4, RCX, J_IN, O_IN(lf_res));
			e_alu_rm(e, 4, 7, RCX, J_IN, O_IN(lf_a));
		}
		e_setcc(e, CC_B, RAX);
		e_movzx_rr(e, 1, RAX, RAX);
		return;
	}
	if (lf >= 0 && (kind == LF_INC || kind == LF_DEC)) {
		e_load(e, 4, RAX, J_IN, O_IN(lf_aux));
		e_alu_ri(e, 4, 4, RAX, EFL_CF);
		return;
	}
	e_mov_rr(e, 8, RDI, J_IN);
	e_call(e, (const void *)jit_cf_slow);
	jit_rc_forget(j);
	e_movzx_rr(e, 1, RAX, RAX);
}

/* Recomputes the host flags of the recorded operation of kind/size lf; false when that
 * does not give every flag condition cc needs. */
bool jit_recompute(struct jit *j, int lf, unsigned cc)
{
	struct emit *e = &j->e;
	unsigned kind = (unsigned)lf >> 2, sz = 1u << (lf & 3);
	switch (kind) {
	case LF_SUB:
		e_load(e, sz >= 4 ? 4 : sz, RAX, J_IN, O_IN(lf_a));
		e_alu_rm(e, sz, 7, RAX, J_IN, O_IN(lf_b));
		return true;
	case LF_ADD:
		e_load(e, sz >= 4 ? 4 : sz, RAX, J_IN, O_IN(lf_a));
		e_alu_rm(e, sz, 0, RAX, J_IN, O_IN(lf_b));
		return true;
	case LF_LOGIC:
		e_load(e, sz >= 4 ? 4 : sz, RAX, J_IN, O_IN(lf_res));
		e_test_rr(e, sz, RAX, RAX);
		return true;
	case LF_ADC:
	case LF_SBB: /* CF = the carry-in, then the same operation */
		e_load(e, 4, RCX, J_IN, O_IN(lf_aux));
		e_shift_ri(e, 4, 5, RCX, 1);
		e_load(e, sz >= 4 ? 4 : sz, RAX, J_IN, O_IN(lf_a));
		e_alu_rm(e, sz, kind == LF_ADC ? 2 : 3, RAX, J_IN, O_IN(lf_b));
		return true;
	case LF_INC:
	case LF_DEC:
		if ((cc >> 1) == 1 || (cc >> 1) == 3)
			return false; /* CF is not the host's */
		e_load(e, sz >= 4 ? 4 : sz, RAX, J_IN, O_IN(lf_a));
		e_op_rr(e, sz, 0xFF, kind == LF_INC ? 0 : 1, RAX);
		return true;
	}
	return false;
}

unsigned jit_cond(struct jit *j, unsigned cc)
{
	struct emit *e = &j->e;
	bool cf = (cc >> 1) == 1 || (cc >> 1) == 3;
	if (j->lf >= 0 && (j->hf_in == HF_ALL || (j->hf_in == HF_NOCF && !cf))) {
		/* the previous instruction's host operation left the flags: nothing to do here,
		 * but its slow path must recompute them before it comes back */
		j->recomp = true;
		j->recomp_lf = j->lf;
		j->recomp_cc = cc;
		j->hf_in = HF_NONE;
		return cc;
	}
	j->hf_in = HF_NONE;
	if (j->lf >= 0 && jit_recompute(j, j->lf, cc))
		return cc;
	/* not known here: the commonest lazy state (a 32-bit SUB/CMP) inline, others in C */
	const int sub32 = LF_SUB << 2 | 2;
	e_op_mem(e, 4, 0x81, 7, J_IN, O_IN(lf_op));
	e_u32(e, (uint32_t)sub32);
	uint8_t *other = e_jcc(e, CC_NE);
	jit_recompute(j, sub32, cc);
	e_setcc(e, cc, RAX);
	uint8_t *join = e_jmp(e);
	e_label(e, other);
	e_mov_rr(e, 8, RDI, J_IN);
	e_mov_ri(e, RSI, cc);
	e_call(e, (const void *)jit_cond_slow);
	jit_rc_forget(j);
	e_label(e, join);
	e_test_rr(e, 1, RAX, RAX);
	return CC_NE;
}
