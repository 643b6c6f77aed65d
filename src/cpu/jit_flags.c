/*
 * Conditions and carries in compiled code: the guest's flags recomputed with the host's
 * own instructions from the lazy-flag record (the same ISA sets the same flags). When the
 * record's kind is not known at compile time, a shared helper picks the host operation by
 * the record's kind at run time (flags.c decides the rare kinds).
 */
#include "cpu/jit.h"

/* The record of a kind the helper has no host operation for (shifts, MUL): flags.c's
 * arithmetic flags, the lazy state left as it is (as get_cf_slow leaves it). */
static uint32_t jit_flags_slow(struct cpu_internal *in)
{
	uint32_t eflags = in->eflags;
	unsigned op = in->lf_op;
	uint32_t f = flags_materialize(in);
	in->eflags = eflags;
	in->lf_op = op;
	return f;
}

/* call rel32 (compiled code and the helper share the code buffer) */
static void e_call_rel(struct emit *e, const uint8_t *target)
{
	e_byte(e, 0xE8);
	uint8_t *at = e->p;
	e_u32(e, 0);
	if (!e->full)
		e_patch(at, target);
}

/* Host flags = the guest's, from a record of kind op (ADD..DEC, not 64-bit): its host
 * operation, with INC/DEC's kept CF first put back from lf_aux. */
static void host_op(struct jit *j, unsigned op)
{
	struct emit *e = &j->e;
	unsigned kind = op >> 2;
	if (kind == LF_INC || kind == LF_DEC) {
		e_load(e, 4, RCX, J_IN, O_IN(lf_aux));
		e_shift_ri(e, 4, 5, RCX, 1);
	}
	jit_recompute(j, (int)op, CC_E);
}

/* Host flags = the guest's arithmetic flags, for a record whose kind compiled code does not
 * know: a call to the shared helper (jit_emit_lf_helper). Clobbers RAX and RCX only. */
void jit_lf_to_host(struct jit *j)
{
	struct emit *e = &j->e;
	/* the kind the record has now, at the block's first entry (cpu_run compiles a block
	 * just before it runs it), is the likely one: tested inline first */
	unsigned guess = j->c->in->lf_op, kind = guess >> 2;
	uint8_t *other = NULL, *done = NULL;
	if (kind >= LF_ADD && kind <= LF_DEC && (guess & 3) != 3) {
		e_op_mem(e, 4, 0x81, 7, J_IN, O_IN(lf_op));
		e_u32(e, guess);
		other = e_jcc(e, CC_NE);
		host_op(j, guess);
		done = e_jmp(e);
		e_label(e, other);
	}
	e_call_rel(e, j->c->in->jit->lf_host);
	e_label(e, done);
}

void jit_emit_lf_helper(struct jit *j)
{
	struct emit *e = &j->e;
	struct jit_state *s = j->c->in->jit;
	uint8_t *rare = e->p;
	/* flags.c decides; the registers compiled code may hold live are kept (the stack is
	 * 16-byte aligned at the call: compiled code's RSP is, the helper's call and the
	 * seven pushes add 64 bytes) */
	static const uint8_t save[] = {0x52, 0x56, 0x57, 0x41, 0x50, 0x41,
				       0x51, 0x41, 0x52, 0x41, 0x53}; /* push rdx rsi rdi r8-r11 */
	static const uint8_t restore[] = {0x41, 0x5B, 0x41, 0x5A, 0x41, 0x59,
					  0x41, 0x58, 0x5F, 0x5E, 0x5A};
	for (size_t k = 0; k < sizeof save; k++)
		e_byte(e, save[k]);
	e_mov_rr(e, 8, RDI, J_IN);
	e_call(e, (const void *)jit_flags_slow);
	for (size_t k = 0; k < sizeof restore; k++)
		e_byte(e, restore[k]);
	uint8_t *to_host = e_jmp(e);
	/* LF_NONE: in->eflags holds them; loaded into the host's with pushfq's counterpart,
	 * every other bit (TF, DF, AC, ...) clear */
	uint8_t *none = e->p;
	e_load(e, 4, RAX, J_IN, O_IN(eflags));
	e_label(e, to_host);
	e_alu_ri(e, 4, 4, RAX, EFL_ARITH);
	e_byte(e, 0x50); /* push rax; popfq; ret */
	e_byte(e, 0x9D);
	e_byte(e, 0xC3);
	/* a host operation per kind and size the record can hold */
	_Static_assert((LF_MUL << 2 | 3) < JIT_LF_OPS, "lf_host table");
	for (unsigned op = 0; op < JIT_LF_OPS; op++) {
		unsigned kind = op >> 2;
		s->lf_table[op] = op == LF_NONE ? none : rare;
		if (kind < LF_ADD || kind > LF_DEC || (op & 3) == 3)
			continue;
		s->lf_table[op] = e->p;
		host_op(j, op);
		e_byte(e, 0xC3);
	}
	/* the entry: jmp [table + lf_op * 8] (any other value: flags.c) */
	s->lf_host = e->p;
	e_load(e, 4, RCX, J_IN, O_IN(lf_op));
	e_alu_ri(e, 4, 7, RCX, JIT_LF_OPS - 1);
	e_patch(e_jcc(e, CC_A), rare);
	e_mov_ri64(e, RAX, (uint64_t)(uintptr_t)s->lf_table);
	e_byte(e, 0xFF); /* jmp [rax + rcx * 8] */
	e_byte(e, 0x24);
	e_byte(e, 0xC8);
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
	if (jit_cond_free(j, CC_B)) { /* the previous template's host operation left CF */
		e_setcc(e, jit_cond(j, CC_B), RAX);
		e_movzx_rr(e, 1, RAX, RAX);
		return;
	}
	if (lf >= 0 && (kind == LF_SUB || kind == LF_ADD)) {
		/* SUB: a < b (operands are kept zero-extended); ADD: the addition's carry at
		 * its size (no result recorded: lf_result) */
		if (kind == LF_SUB) {
			e_load(e, 4, RCX, J_IN, O_IN(lf_a));
			e_alu_rm(e, 4, 7, RCX, J_IN, O_IN(lf_b));
		} else
			jit_recompute(j, lf, CC_B);
		e_setcc(e, CC_B, RAX);
		e_movzx_rr(e, 1, RAX, RAX);
		return;
	}
	if (lf >= 0 && (kind == LF_INC || kind == LF_DEC)) {
		e_load(e, 4, RAX, J_IN, O_IN(lf_aux));
		e_alu_ri(e, 4, 4, RAX, EFL_CF);
		return;
	}
	jit_lf_to_host(j);
	e_setcc(e, CC_B, RAX);
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
		/* the operand from the result (the record keeps no lf_a for them: flags.c
		 * needs the result and lf_aux only), then the operation again */
		e_load(e, sz >= 4 ? 4 : sz, RAX, J_IN, O_IN(lf_res));
		e_op_rr(e, sz, 0xFF, kind == LF_INC ? 1 : 0, RAX);
		e_op_rr(e, sz, 0xFF, kind == LF_INC ? 0 : 1, RAX);
		return true;
	}
	return false;
}

bool jit_cond_free(const struct jit *j, unsigned cc)
{
	bool cf = (cc >> 1) == 1 || (cc >> 1) == 3;
	return j->lf >= 0 && (j->hf_in == HF_ALL || (j->hf_in == HF_NOCF && !cf));
}

unsigned jit_cond(struct jit *j, unsigned cc)
{
	if (jit_cond_free(j, cc)) {
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
	/* not known here */
	jit_lf_to_host(j);
	return cc;
}
