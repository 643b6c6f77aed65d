/*
 * Templates: host code for single guest instructions (see jit.h). Each template does all
 * of its memory translations before it changes any state, so that a fast-path miss can run
 * the whole instruction through its interpreter handler instead. Values are worked on
 * zero-extended in 32-bit host registers and recorded in the lazy-flag state exactly as the
 * handlers record them (flags.c materialises both alike).
 */
#include "cpu/jit.h"

enum { F_EG, F_GE, F_EI }; /* E op= G, G op= E, E op= imm */

static void ld_reg(struct jit *j, unsigned h, unsigned r, unsigned sz)
{
	jit_ld_reg(j, h, r, sz);
}
static void st_reg(struct jit *j, unsigned h, unsigned r, unsigned sz)
{
	jit_st_reg(j, h, r, sz);
}
static void mask(struct jit *j, unsigned h, unsigned sz)
{
	if (sz < 4)
		e_movzx_rr(&j->e, sz, h, h);
}
static unsigned lf_code(unsigned kind, unsigned sz)
{
	return kind << 2 | (sz >> 1);
}
/* The lazy-flag record of an operation: result in res, operands in a and b (NOREG: not
 * needed by this kind, which reads only the result). */
static void set_lf(struct jit *j, unsigned kind, unsigned sz, unsigned res, unsigned a, unsigned b)
{
	struct emit *e = &j->e;
	/* A dead record (overwritten before anything reads it, a fault included) is not
	 * stored, and lf_op keeps the kind j->lf says: the stub of a slow path stores that kind
	 * again before it rejoins, over its handler's (whose record nothing reads either), so
	 * the next live record of that kind needs no store of it (an ADD whose flags the next
	 * ADD overwrites, in md5's rounds) */
	if (j->dead) {
		j->hf_out = HF_NONE;
		return;
	}
	/* read by a fault alone: the stubs up to the next full write store it (jit.c) */
	if (j->fo_cand >= 0 && kind == LF_LOGIC && sz == 4) {
		j->fo_new = j->fo_cand;
		j->fo_new_code = lf_code(kind, sz);
		j->hf_out = HF_NONE;
		return;
	}
	/* j->lf is what lf_op holds here on every path (a slow path's handler records the
	 * same kind as the template): the same kind again needs no store */
	if (j->lf != (int)lf_code(kind, sz))
		e_store_imm(e, 4, J_IN, O_IN(lf_op), lf_code(kind, sz));
	if (kind != LF_ADD && kind != LF_SUB) /* (theirs follows from a and b: lf_result) */
		e_store(e, 4, res, J_IN, O_IN(lf_res));
	if (a != NOREG)
		e_store(e, 4, a, J_IN, O_IN(lf_a));
	if (b != NOREG)
		e_store(e, 4, b, J_IN, O_IN(lf_b));
	j->lf = (int)lf_code(kind, sz);
}
static unsigned bit(unsigned h)
{
	return 1u << h;
}
static bool mem_ok(const struct insn *i)
{
	return i->mod3 || !i->asz16;
}
/* The E operand (memory forms) at [j->mb + j->md]: an access group's member at J_SG + disp
 * (jit_group.c), or RDI = its host pointer (ESI = its address). The host registers that still
 * hold guest registers are told to jit_regs.c. */
static void e_operand(struct jit *j, const struct insn *i, unsigned sz, enum mmu_access acc)
{
	if (jit_sg_operand(j, i, sz, acc))
		return;
	uint8_t *from = j->e.p;
	jit_ea(j, i);
	jit_mem(j, i->sreg, sz, acc, i->base);
	/* (the access's code, its miss paths out of line included, changes RAX, RSI and RDI
	 * alone: jit_mem_kept) */
	jit_reg_wrote(j, from, bit(RAX) | bit(RSI) | bit(RDI));
	j->mb = RDI;
	j->md = 0;
}

/* ---- ALU: ADD OR AND SUB XOR CMP, TEST ---- */
/* Code that changes no register (the lazy-flag record's stores), told to jit_regs.c. */
static void rec(struct jit *j, int32_t off, unsigned h)
{
	uint8_t *from = j->e.p;
	e_store(&j->e, 4, h, J_IN, off);
	jit_reg_wrote(j, from, 0);
}
static void rec_imm(struct jit *j, int32_t off, uint32_t v)
{
	uint8_t *from = j->e.p;
	e_store_imm(&j->e, 4, J_IN, off, v);
	jit_reg_wrote(j, from, 0);
}
/* The record's kind and operation code (when live) after a 32-bit template, or none. */
static void lf32(struct jit *j, unsigned kind, unsigned res, int hf)
{
	if (j->dead) {
		j->hf_out = HF_NONE;
		return;
	}
	if (j->fo_cand >= 0 && kind == LF_LOGIC) { /* as in set_lf */
		j->fo_new = j->fo_cand;
		j->fo_new_code = lf_code(kind, 4);
		j->hf_out = HF_NONE;
		return;
	}
	if (kind != LF_ADD && kind != LF_SUB) /* (theirs follows from a and b: lf_result) */
		rec(j, O_IN(lf_res), res);
	if (j->lf != (int)lf_code(kind, 4)) /* else lf_op holds it already (set_lf) */
		rec_imm(j, O_IN(lf_op), lf_code(kind, 4));
	j->lf = (int)lf_code(kind, 4);
	j->hf_out = hf;
}
/* The source operand of a 32-bit operation: a host register, an immediate or (when no
 * flag record needs its value) [base + disp]. */
struct src {
	enum { S_REG, S_IMM, S_MEM } k;
	unsigned h, base;
	int32_t disp;
	uint32_t imm;
};
/* op (0..7 as the guest's) dst, src; dst changed, but by CMP */
static void alu_op(struct jit *j, unsigned op, unsigned dst, const struct src *s)
{
	struct emit *e = &j->e;
	uint8_t *from = e->p;
	if (s->k == S_REG)
		e_alu_rr(e, 4, op, dst, s->h);
	else if (s->k == S_IMM)
		e_alu_ri(e, 4, op, dst, (int32_t)s->imm);
	else
		e_alu_rm(e, 4, op, dst, s->base, s->disp);
	jit_reg_wrote(j, from, op == 7 ? 0 : bit(dst));
}
static void rec_b(struct jit *j, const struct src *s)
{
	if (s->k == S_IMM)
		rec_imm(j, O_IN(lf_b), s->imm);
	else
		rec(j, O_IN(lf_b), s->h);
}
/* 32-bit ADD/OR/AND/SUB/XOR/CMP/TEST (op 8) whose destination is a register (E op= G,
 * G op= E, E op= imm with E a register; G op= m32): on the host registers that hold the
 * guest's (jit_regs.c), in place, the record's operands stored before the host's operation
 * changes them. With the flags dead a CMP or TEST of registers emits nothing. */
static bool t_alu32(struct jit *j, const struct insn *i, unsigned op, int form)
{
	struct emit *e = &j->e;
	bool test = op == 8, carry = op == 2 || op == 3;
	op = test ? 4 : op;
	bool store = op != 7 && !test, live = !j->dead;
	unsigned kind = op == 0		       ? LF_ADD
			: op == 2	       ? LF_ADC
			: op == 3	       ? LF_SBB
			: (op == 5 || op == 7) ? LF_SUB
					       : LF_LOGIC;
	unsigned d = form == F_GE ? i->reg : i->rm, busy = 0;
	struct src s = {.k = S_IMM, .imm = i->imm};
	int sreg = -1; /* a source register not held by a host register yet */
	if (i->mod3 && form != F_EI && (form == F_GE ? i->rm : i->reg) == d &&
	    (op == 6 || (op == 5 && !live))) { /* XOR r, r (SUB r, r): 0, whatever r held */
		unsigned z = jit_reg_tmp(j, 0);
		uint8_t *from = e->p;
		e_alu_rr(e, 4, 6, z, z);
		jit_reg_wrote(j, from, bit(z));
		lf32(j, kind, z, HF_ALL);
		jit_st_reg(j, z, d, 4);
		return true;
	}
	unsigned cin = 0; /* ADC, SBB: the carry-in (0 or 1), for the record */
	if (carry) {	  /* the host's CF made the guest's */
		unsigned clob = jit_cond_free(j, CC_B) ? 0 : bit(RAX) | bit(RCX);
		jit_reg_clobber(j, clob);
		uint8_t *from = e->p;
		if (jit_cond(j, CC_B) != CC_B) /* (it returns the condition asked for) */
			return false;
		jit_reg_wrote(j, from, clob);
		cin = jit_reg_tmp(j, 0); /* (a store to come, at most: the flags stay) */
		from = e->p;
		e_setcc(e, CC_B, cin);
		e_movzx_rr(e, 1, cin, cin);
		jit_reg_wrote(j, from, bit(cin));
		busy = bit(cin);
	}
	if (!i->mod3) { /* G op= m32 */
		e_operand(j, i, 4, ACC_READ);
		busy = bit(RDI);
		if (!store && !live)
			return true;
		if (live) {
			s = (struct src){.k = S_REG, .h = jit_reg_tmp(j, busy)};
			uint8_t *from = j->e.p;
			e_load(&j->e, 4, s.h, j->mb, j->md);
			jit_reg_wrote(j, from, bit(s.h));
			busy |= bit(s.h);
		} else
			s = (struct src){.k = S_MEM, .base = j->mb, .disp = j->md};
	} else if (form != F_EI) {
		if (!store && !live)
			return true; /* nothing to do */
		unsigned g = form == F_GE ? i->rm : i->reg;
		int c = jit_reg_cached(j, g);
		if (c >= 0) {
			s = (struct src){.k = S_REG, .h = (unsigned)c};
			busy |= bit((unsigned)c);
		} else if (g == d || live)
			sreg = (int)g;
		else
			s = (struct src){.k = S_MEM, .base = J_CPU, .disp = O_REG(g)};
	} else if (!store && !live)
		return true;
	unsigned dh = store ? jit_reg_dst(j, d, busy) : jit_reg_get(j, d, busy);
	busy |= bit(dh);
	if (sreg >= 0) {
		s = (struct src){.k = S_REG,
				 .h = (unsigned)sreg == d ? dh
							  : jit_reg_get(j, (unsigned)sreg, busy)};
		busy |= bit(s.h);
	}
	if (store) {
		if (live && kind != LF_LOGIC) {
			rec(j, O_IN(lf_a), dh);
			rec_b(j, &s);
		}
		alu_op(j, op, dh, &s); /* ADC, SBB: with the guest's CF (nothing changed it) */
		if (live && carry)
			rec(j, O_IN(lf_aux), cin);
		lf32(j, kind, dh, HF_ALL);
		jit_st_reg(j, dh, d, 4);
		return true;
	}
	/* CMP, TEST with the flags live: CMP's operands recorded (its result is not), TEST's
	 * result in a temporary */
	unsigned res = dh;
	if (kind == LF_SUB) {
		alu_op(j, 7, dh, &s);
	} else if (test && s.k == S_REG && s.h == dh) { /* TEST r, r: the result is r */
		uint8_t *from = j->e.p;
		e_test_rr(&j->e, 4, dh, dh);
		jit_reg_wrote(j, from, 0);
	} else {
		res = jit_reg_tmp(j, busy);
		uint8_t *from = j->e.p;
		e_mov_rr(&j->e, 4, res, dh);
		jit_reg_wrote(j, from, bit(res));
		alu_op(j, op, res, &s);
	}
	if (kind != LF_LOGIC) {
		rec(j, O_IN(lf_a), dh);
		rec_b(j, &s);
	}
	lf32(j, kind, res, HF_ALL);
	return true;
}
/* The same with a memory destination (E op= G, E op= imm; CMP and TEST only read it). */
static bool t_alu32_m(struct jit *j, const struct insn *i, unsigned op, int form)
{
	struct emit *e = &j->e;
	bool test = op == 8;
	op = test ? 4 : op;
	bool store = op != 7 && !test, live = !j->dead;
	unsigned kind = op == 0 ? LF_ADD : (op == 5 || op == 7) ? LF_SUB : LF_LOGIC;
	e_operand(j, i, 4, store ? ACC_WRITE : ACC_READ);
	unsigned busy = bit(RDI);
	struct src s = {.k = S_IMM, .imm = i->imm};
	if (!store && !live)
		return true;
	if (form == F_EG) {
		s = (struct src){.k = S_REG, .h = jit_reg_get(j, i->reg, busy)};
		busy |= bit(s.h);
	}
	if (!live) { /* op [rdi], src */
		uint8_t *from = e->p;
		if (s.k == S_REG)
			e_alu_mr(e, 4, op, j->mb, j->md, s.h);
		else
			e_alu_mi(e, 4, op, j->mb, j->md, (int32_t)s.imm);
		jit_reg_wrote(j, from, 0);
		return true;
	}
	unsigned a = jit_reg_tmp(j, busy), res = a;
	uint8_t *from = e->p;
	e_load(e, 4, a, j->mb, j->md);
	jit_reg_wrote(j, from, bit(a));
	busy |= bit(a);
	if (kind != LF_LOGIC) {
		rec(j, O_IN(lf_a), a);
		rec_b(j, &s);
	}
	if (!store && kind == LF_SUB) { /* CMP: the operands recorded, not the result */
		alu_op(j, 7, a, &s);
		lf32(j, kind, a, HF_ALL);
		return true;
	}
	if (!store) {
		res = jit_reg_tmp(j, busy);
		from = e->p;
		e_mov_rr(e, 4, res, a);
		jit_reg_wrote(j, from, bit(res));
	}
	alu_op(j, op, res, &s);
	if (store) {
		from = e->p;
		e_store(e, 4, res, j->mb, j->md);
		jit_reg_wrote(j, from, 0);
	}
	lf32(j, kind, res, HF_ALL);
	return true;
}
static bool t_alu(struct jit *j, const struct insn *i, unsigned op, unsigned sz, int form)
{
	struct emit *e = &j->e;
	if (!mem_ok(i))
		return false;
	if (sz == 4 && (op != 2 && op != 3))
		return i->mod3 || form == F_GE ? t_alu32(j, i, op, form)
					       : t_alu32_m(j, i, op, form);
	if (sz == 4 && i->mod3) /* ADC, SBB of registers */
		return t_alu32(j, i, op, form);
	bool test = op == 8, store = op != 7 && !test;
	if (test)
		op = 4;
	bool carry = op == 2 || op == 3;
	if (carry) { /* the carry-in first: it may take a call */
		jit_get_cf(j);
		e_mov_rr(e, 4, R11, RAX);
	}
	if (!i->mod3) {
		e_operand(j, i, sz, form == F_GE || !store ? ACC_READ : ACC_WRITE);
		if (form == F_GE) {
			ld_reg(j, RAX, i->reg, sz);
			e_load(e, sz, RCX, j->mb, j->md);
		} else {
			e_load(e, sz, RAX, j->mb, j->md);
			if (form == F_EG)
				ld_reg(j, RCX, i->reg, sz);
			else
				e_mov_ri(e, RCX, i->imm & szmask(sz));
		}
	} else {
		unsigned d = form == F_GE ? i->reg : i->rm, s = form == F_GE ? i->rm : i->reg;
		ld_reg(j, RAX, d, sz);
		if (form == F_EI)
			e_mov_ri(e, RCX, i->imm & szmask(sz));
		else
			ld_reg(j, RCX, s, sz);
	}
	if (op == 7) {
		/* at the operand size, so the host's flags are the guest's (its result is not
		 * recorded: lf_result) */
		e_alu_rr(e, sz, 7, RAX, RCX);
	} else {
		e_mov_rr(e, 4, RDX, RAX);
		if (carry) { /* ADC: a + b + cf, SBB: a - b - cf */
			e_alu_rr(e, 4, op == 2 ? 0 : 5, RDX, RCX);
			e_alu_rr(e, 4, op == 2 ? 0 : 5, RDX, R11);
		} else
			/* at the operand size, so the host's flags are the guest's; the
			 * upper bits of EDX are masked off below */
			e_alu_rr(e, sz, op, RDX, RCX);
		mask(j, RDX, sz);
	}
	if (store) {
		if (!i->mod3 && form != F_GE)
			e_store(e, sz, RDX, j->mb, j->md);
		else
			st_reg(j, RDX, form == F_GE ? i->reg : i->rm, sz);
	}
	if (carry) {
		if (!j->dead)
			e_store(e, 4, R11, J_IN, O_IN(lf_aux));
	} else
		j->hf_out = HF_ALL; /* the host's operation set the guest's flags */
	unsigned kind = op == 0		       ? LF_ADD
			: op == 2	       ? LF_ADC
			: op == 3	       ? LF_SBB
			: (op == 5 || op == 7) ? LF_SUB
					       : LF_LOGIC;
	if (kind == LF_LOGIC)
		set_lf(j, kind, sz, RDX, NOREG, NOREG);
	else
		set_lf(j, kind, sz, RDX, RAX, RCX);
	return true;
}

/* ---- MOV, LEA, MOVZX/MOVSX ---- */
/* sz bytes at [base + disp], zero- or sign-extended (sx), into a free host register told to
 * jit_regs.c (the guest registers the others hold stay): that register. */
static unsigned load_tmp(struct jit *j, unsigned sz, bool sx, unsigned base, int32_t disp)
{
	unsigned h = jit_reg_tmp(j, bit(base));
	uint8_t *from = j->e.p;
	if (sx)
		e_load_sx(&j->e, sz, h, base, disp);
	else
		e_load(&j->e, sz, h, base, disp);
	jit_reg_wrote(j, from, bit(h));
	return h;
}
static bool t_mov(struct jit *j, const struct insn *i, unsigned sz, int form)
{
	struct emit *e = &j->e;
	if (!mem_ok(i))
		return false;
	if (form == F_GE) { /* G = E */
		if (i->mod3 && sz == 4) {
			st_reg(j, jit_reg_get(j, i->rm, 0), i->reg, 4);
			return true;
		}
		if (i->mod3) {
			ld_reg(j, RAX, i->rm, sz);
			st_reg(j, RAX, i->reg, sz);
			return true;
		}
		/* (32 bits: a host register that then holds the guest's) */
		e_operand(j, i, sz, ACC_READ);
		st_reg(j, load_tmp(j, sz, false, j->mb, j->md), i->reg, sz);
		return true;
	}
	if (i->mod3) {
		if (form == F_EG && sz == 4) /* a store from where the source is held */
			st_reg(j, jit_reg_get(j, i->reg, 0), i->rm, 4);
		else if (form == F_EG) {
			ld_reg(j, RAX, i->reg, sz);
			st_reg(j, RAX, i->rm, sz);
		} else {
			uint8_t *from = e->p;
			e_store_imm(e, sz, J_CPU, o_reg(i->rm, sz), i->imm);
			jit_reg_stored(j, from, i->rm, sz);
		}
		return true;
	}
	e_operand(j, i, sz, ACC_WRITE);
	if (form == F_EG && sz < 4) {
		unsigned h = jit_reg_tmp(j, bit(j->mb));
		ld_reg(j, h, i->reg, sz);
		uint8_t *from = e->p;
		e_store(e, sz, h, j->mb, j->md);
		jit_reg_wrote(j, from, 0);
		return true;
	}
	/* a 32-bit store from where the source is held, or an immediate's */
	unsigned h = form == F_EG ? jit_reg_get(j, i->reg, bit(j->mb)) : 0;
	uint8_t *from = e->p;
	if (form == F_EG)
		e_store(e, 4, h, j->mb, j->md);
	else
		e_store_imm(e, sz, j->mb, j->md, i->imm);
	jit_reg_wrote(j, from, 0);
	return true;
}
static bool t_moffs(struct jit *j, const struct insn *i)
{
	struct emit *e = &j->e;
	unsigned sz = i->imm2;
	if (i->asz16)
		return false;
	e_mov_ri(e, RSI, i->disp);
	if (i->opc < 0xA2) {
		jit_mem(j, i->sreg, sz, ACC_READ, NOREG);
		e_load(e, sz, RAX, j->mb, j->md);
		st_reg(j, RAX, R_EAX, sz);
	} else {
		jit_mem(j, i->sreg, sz, ACC_WRITE, NOREG);
		ld_reg(j, RAX, R_EAX, sz);
		e_store(e, sz, RAX, j->mb, j->md);
	}
	return true;
}
static bool t_lea(struct jit *j, const struct insn *i)
{
	struct emit *e = &j->e;
	if (i->mod3 || i->asz16)
		return false;
	if (osz(i) == 4) { /* one host LEA on the registers that hold base and index */
		int32_t disp = (int32_t)i->disp;
		unsigned busy = 0, b = 0, x = 0;
		if (i->base != NOREG) {
			b = jit_reg_get(j, i->base, 0);
			busy = bit(b);
			if (i->index == NOREG && disp == 0) { /* a copy */
				st_reg(j, b, i->reg, 4);
				return true;
			}
		}
		if (i->index != NOREG) {
			x = jit_reg_get(j, i->index, busy);
			busy |= bit(x);
		}
		if (i->base == NOREG && i->index == NOREG) {
			uint8_t *from = e->p;
			e_store_imm(e, 4, J_CPU, O_REG(i->reg), i->disp);
			jit_reg_stored(j, from, i->reg, 4);
			return true;
		}
		unsigned d = jit_reg_tmp(j, busy);
		uint8_t *from = e->p;
		if (i->base != NOREG && i->index != NOREG)
			e_lea_sib(e, d, b, x, i->scale, disp);
		else if (i->base != NOREG)
			e_lea(e, 4, d, b, disp);
		else if (i->scale == 0)
			e_lea(e, 4, d, x, disp);
		else
			e_lea_idx(e, d, x, i->scale, disp);
		jit_reg_wrote(j, from, bit(d));
		st_reg(j, d, i->reg, 4);
		return true;
	}
	jit_ea(j, i);
	st_reg(j, RSI, i->reg, osz(i));
	return true;
}
static bool t_movx(struct jit *j, const struct insn *i)
{
	unsigned ssz = (i->opc & 1) ? 2 : 1;
	bool sx = i->opc >= 0x1BE;
	if (!mem_ok(i))
		return false;
	unsigned base = J_CPU;
	int32_t disp = o_reg(i->rm, ssz);
	if (!i->mod3) {
		e_operand(j, i, ssz, ACC_READ);
		base = j->mb;
		disp = j->md;
	}
	/* (the source in c->regs is exact: the instruction is not one whose stores wait); the
	 * register then holds a 32-bit destination */
	st_reg(j, load_tmp(j, ssz, sx, base, disp), i->reg, osz(i));
	return true;
}
static bool t_xchg(struct jit *j, const struct insn *i)
{
	unsigned sz = i->imm2;
	if (!i->mod3)
		return false;
	ld_reg(j, RAX, i->rm, sz);
	ld_reg(j, RCX, i->reg, sz);
	st_reg(j, RCX, i->rm, sz);
	st_reg(j, RAX, i->reg, sz);
	return true;
}

/* ---- the stack (32-bit operand size on a 32-bit flat stack) ---- */
/* Leaves for the slow path unless SS is a 32-bit stack. */
static void stack32(struct jit *j)
{
	if (j->seg_flat) /* SS.B is set (jit_regime_ok, in->jit_leave) */
		return;
	e_op_mem(&j->e, 4, 0x81, 7, J_IN, O_IN(sp_mask));
	e_u32(&j->e, 0xffffffffu);
	jit_fb_jump(j, CC_NE);
}
/* ESI = ESP - 4, RDI = its host address */
static void push_slot(struct jit *j)
{
	stack32(j);
	ld_reg(j, RSI, R_ESP, 4);
	e_alu_ri(&j->e, 4, 5, RSI, 4);
	jit_mem(j, SR_SS, 4, ACC_WRITE, R_ESP);
}
/* ESI = ESP, RDI = its host address */
static void pop_slot(struct jit *j, unsigned base_reg)
{
	stack32(j);
	ld_reg(j, RSI, base_reg, 4);
	jit_mem(j, SR_SS, 4, ACC_READ, base_reg);
}
static bool t_push_r(struct jit *j, const struct insn *i)
{
	push_slot(j);
	ld_reg(j, RAX, i->rm, 4); /* PUSH ESP pushes the old value */
	e_store(&j->e, 4, RAX, j->mb, j->md);
	st_reg(j, RSI, R_ESP, 4);
	return true;
}
static bool t_push_imm(struct jit *j, const struct insn *i)
{
	push_slot(j);
	e_store_imm(&j->e, 4, j->mb, j->md, i->imm);
	st_reg(j, RSI, R_ESP, 4);
	return true;
}
static bool t_pop_r(struct jit *j, const struct insn *i)
{
	pop_slot(j, R_ESP);
	e_load(&j->e, 4, RAX, j->mb, j->md);
	e_alu_ri(&j->e, 4, 0, RSI, 4);
	st_reg(j, RSI, R_ESP, 4);
	st_reg(j, RAX, i->rm, 4); /* after ESP: POP ESP loads the popped value */
	return true;
}
static bool t_leave(struct jit *j)
{
	pop_slot(j, R_EBP);
	e_load(&j->e, 4, RAX, j->mb, j->md);
	e_alu_ri(&j->e, 4, 0, RSI, 4);
	st_reg(j, RSI, R_ESP, 4);
	st_reg(j, RAX, R_EBP, 4);
	return true;
}

/* ---- control transfers ---- */
static bool t_jcc(struct jit *j, const struct insn *i)
{
	struct emit *e = &j->e;
	/* the previous template's host flags, which the condition takes as they are, go on
	 * to the next instruction (a CMP's for a second Jcc, or for INC/DEC's CF) when the
	 * fall-through's fetch count leaves them; that count then has no slow path
	 * rejoining the fall-through after C code (a Jcc has no stub: nothing else arrives
	 * at the next instruction, whose jit_cond would have it recompute them anyway) */
	bool pass = jit_cond_free(j, i->opc & 15);
	int hf = j->hf_in;
	unsigned hcc = jit_cond(j, i->opc & 15);
	uint8_t *stay = e_jcc(e, hcc ^ 1);
	jit_exit_direct(j, i->disp, j->k + 1);
	e_label(e, stay);
	if (i->imm2 && j->c->tlb_fetch_model)
		pass = jit_fetch_count(j, i->eip + i->len, j->k + 1) && pass;
	if (pass)
		j->hf_out = hf;
	return true;
}
static bool t_jmp(struct jit *j, const struct insn *i)
{
	if (i->osz16)
		return false;
	jit_exit_direct(j, i->eip + i->len + i->imm, j->k + 1);
	return true;
}
static bool t_call(struct jit *j, const struct insn *i)
{
	if (i->osz16)
		return false;
	push_slot(j);
	e_store_imm(&j->e, 4, j->mb, j->md, i->eip + i->len);
	st_reg(j, RSI, R_ESP, 4);
	jit_exit_direct(j, i->eip + i->len + i->imm, j->k + 1);
	return true;
}
static bool t_ret(struct jit *j, const struct insn *i)
{
	if (i->osz16)
		return false;
	pop_slot(j, R_ESP);
	e_load(&j->e, 4, RCX, j->mb, j->md);
	e_alu_ri(&j->e, 4, 0, RSI, i->opc == 0xC2 ? 4 + (int32_t)(i->imm & 0xffff) : 4);
	st_reg(j, RSI, R_ESP, 4);
	jit_exit_indirect(j, j->k + 1);
	return true;
}
static bool t_jmp_E(struct jit *j, const struct insn *i)
{
	if (i->osz16 || !mem_ok(i))
		return false;
	if (i->mod3)
		ld_reg(j, RCX, i->rm, 4);
	else {
		e_operand(j, i, 4, ACC_READ);
		e_load(&j->e, 4, RCX, j->mb, j->md);
	}
	jit_exit_indirect(j, j->k + 1);
	return true;
}
/* R8..R10 are about to hold other things: the stamps their entries are owed written first
 * (through RAX and RDX, told to the register cache). */
static void kill_kept(struct jit *j)
{
	jit_reg_clobber(j, bit(RAX) | bit(RDX));
	uint8_t *from = j->e.p;
	jit_lru_kill_kept(j, RAX, RDX);
	jit_reg_wrote(j, from, bit(RAX) | bit(RDX));
}

/* R8D = a 32-bit r/m operand and ESI = ESP - 4, RDI = the stack slot's host address: both
 * accesses checked before either is counted (the operand's first, as the handlers do). */
static void rm_and_push_slot(struct jit *j, const struct insn *i)
{
	struct emit *e = &j->e;
	kill_kept(j);
	if (i->mod3) {
		push_slot(j);
		ld_reg(j, R8, i->rm, 4);
		jit_rc_forget(j); /* R8 no longer holds a kept entry */
		return;
	}
	jit_ea(j, i);
	jit_mem_check(j, i->sreg, 4, ACC_READ, R9);
	e_mov_rr(e, 4, R10, RSI);
	stack32(j);
	ld_reg(j, RSI, R_ESP, 4);
	e_alu_ri(e, 4, 5, RSI, 4);
	jit_mem_check(j, SR_SS, 4, ACC_WRITE, R11);
	jit_mem_finish(j, R9, R10, RDI, ACC_READ);
	e_load(e, 4, R8, RDI, 0);
	jit_mem_finish(j, R11, RSI, RDI, ACC_WRITE);
	jit_rc_forget(j); /* R8..R11 held other things */
}
static bool t_push_E(struct jit *j, const struct insn *i)
{
	if (i->osz16 || !mem_ok(i))
		return false;
	rm_and_push_slot(j, i);
	e_store(&j->e, 4, R8, RDI, 0);
	st_reg(j, RSI, R_ESP, 4);
	jit_rc_kill(j); /* R8..R10 held values: the dead slot, as later blocks expect */
	return true;
}
static bool t_call_E(struct jit *j, const struct insn *i)
{
	if (i->osz16 || !mem_ok(i))
		return false;
	rm_and_push_slot(j, i);
	e_store_imm(&j->e, 4, RDI, 0, i->eip + i->len);
	st_reg(j, RSI, R_ESP, 4);
	e_mov_rr(&j->e, 4, RCX, R8);
	jit_rc_kill(j); /* R8..R10 held values: the dead slot, as later blocks expect */
	jit_exit_indirect(j, j->k + 1);
	return true;
}

/* ---- INC/DEC, shifts, IMUL, SETcc, CMOVcc, CDQ ---- */
static bool t_incdec(struct jit *j, const struct insn *i, bool dec)
{
	struct emit *e = &j->e;
	unsigned sz = i->imm2;
	if (!mem_ok(i))
		return false;
	int lf0 = j->lf;
	bool keep_aux =
	    j->dead || (lf0 >= 0 && ((unsigned)lf0 >> 2 == LF_INC || (unsigned)lf0 >> 2 == LF_DEC));
	if (i->mod3 && sz == 4) { /* in place; CF (kept) from the record before, in R11 */
		unsigned busy = 0;
		if (!keep_aux) {
			jit_reg_clobber(j, bit(RAX) | bit(RCX) | bit(R11));
			uint8_t *from = e->p;
			jit_get_cf(j); /* clobbers RAX and RCX alone, also through the helper */
			e_mov_rr(e, 4, R11, RAX);
			jit_reg_wrote(j, from, bit(RAX) | bit(RCX) | bit(R11));
			busy = bit(R11);
		}
		unsigned d = jit_reg_dst(j, i->rm, busy);
		uint8_t *from = e->p;
		e_op_rr(e, 4, 0xFF, dec ? 1 : 0, d); /* the host's flags but CF */
		jit_reg_wrote(j, from, bit(d));
		/* (no lf_a, no lf_b: INC and DEC's flags need the result and lf_aux only, in
		 * flags.c and in jit_recompute) */
		if (!j->dead && !keep_aux)
			rec(j, O_IN(lf_aux), R11);
		lf32(j, dec ? LF_DEC : LF_INC, d, HF_NOCF);
		st_reg(j, d, i->rm, 4);
		return true;
	}
	if (!keep_aux) {
		jit_get_cf(j);
		e_mov_rr(e, 4, R11, RAX);
	}
	if (!i->mod3) {
		e_operand(j, i, sz, ACC_WRITE);
		e_load(e, sz, RAX, j->mb, j->md);
	} else
		ld_reg(j, RAX, i->rm, sz);
	e_mov_rr(e, 4, RDX, RAX);
	e_op_rr(e, sz, 0xFF, dec ? 1 : 0, RDX); /* INC/DEC: the host's flags but CF */
	mask(j, RDX, sz);
	if (!i->mod3)
		e_store(e, sz, RDX, j->mb, j->md);
	else
		st_reg(j, RDX, i->rm, sz);
	if (!keep_aux)
		e_store(e, 4, R11, J_IN, O_IN(lf_aux));
	if (!j->dead)
		j->hf_out = HF_NOCF;
	set_lf(j, dec ? LF_DEC : LF_INC, sz, RDX, NOREG, NOREG);
	return true;
}
/* SHL/SHR/SAR of a register by an immediate count (or 1) */
/* SHL/SHR/SAR (Intel's model) of a register or memory: RAX = the operand (sign-extended for
 * SAR), RDI = its host pointer (memory) */
static void shift_load(struct jit *j, const struct insn *i, unsigned op, unsigned sz)
{
	struct emit *e = &j->e;
	bool sx = op == 7 && sz < 4;
	if (!i->mod3) {
		if (sx)
			e_load_sx(e, sz, RAX, j->mb, j->md);
		else
			e_load(e, sz, RAX, j->mb, j->md);
	} else if (sx)
		e_load_sx(e, sz, RAX, J_CPU, o_reg(i->rm, sz));
	else
		ld_reg(j, RAX, i->rm, sz);
}
static void shift_store(struct jit *j, const struct insn *i, unsigned sz)
{
	if (!i->mod3)
		e_store(&j->e, sz, RDX, j->mb, j->md);
	else
		st_reg(j, RDX, i->rm, sz);
}
static bool t_shift(struct jit *j, const struct insn *i)
{
	struct emit *e = &j->e;
	unsigned sz = i->imm2 & 7, form = i->imm2 >> 4;
	unsigned op = i->reg == 6 ? 4 : i->reg;
	if (!mem_ok(i) || op < 4)
		return false;
	if (!i->mod3) /* translated (as a write) whatever the count, as h_shift's e_begin */
		e_operand(j, i, sz, ACC_WRITE);
	if (form == 1) { /* by CL: a count of 0 (mod 32) changes nothing, flags included */
		ld_reg(j, RCX, R_ECX, 4);
		e_alu_ri(e, 4, 4, RCX, 31);
		uint8_t *none = e_jcc(e, CC_E);
		shift_load(j, i, op, sz);
		e_mov_rr(e, 4, RDX, RAX);
		e_shift_rcl(e, op, RDX);
		mask(j, RDX, sz);
		if (op == 7 && sz < 4)
			mask(j, RAX, sz);
		shift_store(j, i, sz);
		if (!j->dead)
			e_store_imm(e, 4, J_IN, O_IN(lf_aux), 0);
		set_lf(j, op == 4 ? LF_SHL : op == 5 ? LF_SHR : LF_SAR, sz, RDX, RAX, RCX);
		e_label(e, none);
		j->lf = -1; /* the old record when the count was 0 */
		return true;
	}
	unsigned cnt = (form == 0 ? 1 : i->imm & 0xff) & 31;
	if (cnt == 0)
		return true; /* no effect (a memory operand was translated above) */
	if (i->mod3 && sz == 4) { /* in place on the host register that holds it */
		unsigned d = jit_reg_dst(j, i->rm, 0);
		bool live = !j->dead;
		if (live)
			rec(j, O_IN(lf_a), d);
		uint8_t *from = e->p;
		e_shift_ri(e, 4, op, d, (uint8_t)cnt);
		jit_reg_wrote(j, from, bit(d));
		if (live) {
			rec_imm(j, O_IN(lf_b), cnt);
			rec_imm(j, O_IN(lf_aux), 0);
		}
		lf32(j, op == 4 ? LF_SHL : op == 5 ? LF_SHR : LF_SAR, d, HF_NONE);
		st_reg(j, d, i->rm, 4);
		return true;
	}
	shift_load(j, i, op, sz);
	e_mov_rr(e, 4, RDX, RAX);
	e_shift_ri(e, 4, op, RDX, (uint8_t)cnt);
	mask(j, RDX, sz);
	if (op == 7 && sz < 4)
		mask(j, RAX, sz);
	shift_store(j, i, sz);
	e_mov_ri(e, RCX, cnt);
	if (!j->dead)
		e_store_imm(e, 4, J_IN, O_IN(lf_aux), 0);
	set_lf(j, op == 4 ? LF_SHL : op == 5 ? LF_SHR : LF_SAR, sz, RDX, RAX, RCX);
	return true;
}
/* RCX = the r/m32 operand (a multiplier's) */
static void rm32_to_rcx(struct jit *j, const struct insn *i)
{
	if (i->mod3)
		ld_reg(j, RCX, i->rm, 4);
	else {
		e_operand(j, i, 4, ACC_READ);
		e_load(&j->e, 4, RCX, j->mb, j->md);
	}
}
/* IMUL r32, r/m32 (0F AF) and IMUL r32, r/m32, imm (69, 6B) */
static bool t_imul(struct jit *j, const struct insn *i)
{
	struct emit *e = &j->e;
	if (i->osz16 || !mem_ok(i))
		return false;
	rm32_to_rcx(j, i);
	if (i->opc == 0x1AF)
		ld_reg(j, RAX, i->reg, 4);
	else
		e_mov_ri(e, RAX, i->imm);
	e_imul_rr(e, RAX, RCX);
	e_setcc(e, CC_O, RDX);
	e_movzx_rr(e, 1, RDX, RDX);
	st_reg(j, RAX, i->reg, 4);
	if (!j->dead)
		e_store(e, 4, RDX, J_IN, O_IN(lf_aux));
	e_mov_ri(e, RCX, 0);
	set_lf(j, LF_MUL, 4, RAX, RCX, RCX);
	return true;
}
/* MUL r/m32 (F7 /4): EDX:EAX = EAX * r/m32, recorded as the handler records it on Intel (the
 * low half, CF = OF = a high half that is not 0; AMD's keeps SF, ZF, AF and PF: no template).
 * Compilers divide by constants with it. */
static bool t_mul(struct jit *j, const struct insn *i)
{
	struct emit *e = &j->e;
	if (i->osz16 || i->imm2 != 4 || !mem_ok(i))
		return false;
	rm32_to_rcx(j, i);
	ld_reg(j, RAX, R_EAX, 4);
	e_op_rr(e, 4, 0xF7, 4, RCX); /* mul ecx: CF = OF = EDX != 0 */
	e_setcc(e, CC_B, RCX);
	e_movzx_rr(e, 1, RCX, RCX);
	st_reg(j, RAX, R_EAX, 4);
	st_reg(j, RDX, R_EDX, 4);
	if (!j->dead)
		e_store(e, 4, RCX, J_IN, O_IN(lf_aux));
	e_mov_ri(e, RCX, 0);
	set_lf(j, LF_MUL, 4, RAX, RCX, RCX);
	return true;
}
/* ---- rotates, NOT, NEG ---- */
/* The arithmetic flags materialised in in->eflags (lf_op = LF_NONE), as get_flags leaves
 * them, before an instruction that changes only some of them. Clobbers RAX, RCX and RDX. */
static void flags_to_eflags(struct jit *j)
{
	struct emit *e = &j->e;
	int lf = j->lf;
	unsigned kind = lf >= 0 ? (unsigned)lf >> 2 : LF_NONE;
	if (lf == LF_NONE)
		return;
	j->lf = LF_NONE;
	if (lf < 0 || kind < LF_ADD || kind > LF_DEC) {
		/* a kind not known here (a record left by another block), or a shift's or MUL's:
		 * the host flags the shared helper gives a condition, merged as below. It keeps
		 * R8..R11 and the kept translations; a C call here (flags_materialize) cost a
		 * call's synchronisation and the kept translations (BT at the start of busybox
		 * sort's compare function: 2.5 M times in a 1 MB sort) */
		j->hf_in = HF_NONE;
		e_op_mem(e, 4, 0x81, 7, J_IN, O_IN(lf_op));
		e_u32(e, LF_NONE);
		uint8_t *done = e_jcc(e, CC_E);
		jit_lf_to_host(j);
		e_byte(e, 0x9C); /* pushfq; pop rax */
		e_byte(e, 0x58);
		e_alu_ri(e, 4, 4, RAX, EFL_ARITH);
		/* a logic record's AF: flags.c clears it, the host's TEST leaves it undefined */
		e_load(e, 4, RCX, J_IN, O_IN(lf_op));
		e_alu_ri(e, 4, 4, RCX, ~3);
		e_alu_ri(e, 4, 7, RCX, LF_LOGIC << 2);
		uint8_t *other = e_jcc(e, CC_NE);
		e_alu_ri(e, 4, 4, RAX, (int32_t)~EFL_AF);
		e_label(e, other);
		e_load(e, 4, RCX, J_IN, O_IN(eflags));
		e_alu_ri(e, 4, 4, RCX, (int32_t)~EFL_ARITH);
		e_alu_rr(e, 4, 1, RCX, RAX);
		e_store(e, 4, RCX, J_IN, O_IN(eflags));
		e_store_imm(e, 4, J_IN, O_IN(lf_op), LF_NONE);
		e_label(e, done);
		return;
	}
	if (j->hf_in == HF_ALL || (j->hf_in == HF_NOCF && (kind == LF_INC || kind == LF_DEC))) {
		/* the previous template's own host flags (its slow path recomputes them) */
		j->recomp = true;
		j->recomp_lf = lf;
		j->recomp_cc = CC_E;
	} else
		jit_recompute(j, lf, CC_E); /* every flag but INC/DEC's CF */
	j->hf_in = HF_NONE;
	e_byte(e, 0x9C); /* pushfq; pop rax */
	e_byte(e, 0x58);
	/* TEST leaves AF undefined on the host; flags.c clears it. INC/DEC keep the CF in aux. */
	uint32_t host = kind == LF_LOGIC		     ? EFL_ARITH & ~EFL_AF
			: (kind == LF_INC || kind == LF_DEC) ? EFL_ARITH & ~EFL_CF
							     : EFL_ARITH;
	e_alu_ri(e, 4, 4, RAX, (int32_t)host);
	if (kind == LF_INC || kind == LF_DEC) {
		e_load(e, 4, RDX, J_IN, O_IN(lf_aux));
		e_alu_ri(e, 4, 4, RDX, EFL_CF);
		e_alu_rr(e, 4, 1, RAX, RDX);
	}
	e_load(e, 4, RCX, J_IN, O_IN(eflags));
	e_alu_ri(e, 4, 4, RCX, (int32_t)~EFL_ARITH);
	e_alu_rr(e, 4, 1, RCX, RAX);
	e_store(e, 4, RCX, J_IN, O_IN(eflags));
	e_store_imm(e, 4, J_IN, O_IN(lf_op), LF_NONE);
}
/* rol/ror reg (8/16/32-bit) by CL (cnt < 0) or an immediate */
static void e_rot(struct emit *e, unsigned sz, unsigned op, unsigned reg, int cnt)
{
	if (sz == 2)
		e_byte(e, 0x66);
	e_rex(e, false, 0, reg, sz == 1);
	e_byte(e, (uint8_t)((cnt < 0 ? 0xD2 : 0xC0) | (sz != 1)));
	e_byte(e, (uint8_t)(0xC0 | op << 3 | (reg & 7)));
	if (cnt >= 0)
		e_byte(e, (uint8_t)cnt);
}
/* R11D = bit (bits-1) ^ bit 0 of v (first_top) or bit (bits-1) ^ bit (bits-2) of v */
static void of_bits(struct emit *e, unsigned v, unsigned bits, bool first_top)
{
	e_mov_rr(e, 4, R11, v);
	if (first_top) {
		e_shift_ri(e, 4, 5, R11, (uint8_t)(bits - 1));
		e_alu_rr(e, 4, 6, R11, v);
	} else {
		e_alu_rr(e, 4, 0, R11, R11);
		e_alu_rr(e, 4, 6, R11, v);
		e_shift_ri(e, 4, 5, R11, (uint8_t)(bits - 1));
	}
	e_alu_ri(e, 4, 4, R11, 1);
}
/* ROL, ROR (group 2 /0, /1) by 1, CL or an immediate, register or memory. CF and OF as
 * h_shift computes them for the CPU's vendor, the other flags kept: materialised in
 * in->eflags (unless dead). */
static bool t_rot(struct jit *j, const struct insn *i)
{
	struct emit *e = &j->e;
	unsigned sz = i->imm2 & 7, form = i->imm2 >> 4, bits = sz * 8, op = i->reg;
	bool amd = cpu_vendor_is_amd(j->c->vendor);
	if (!mem_ok(i))
		return false;
	unsigned cnt = (form == 0 ? 1 : i->imm & 0xff) & 31;
	if (form != 1 && cnt == 0) { /* no effect, but a memory operand is still translated */
		if (!i->mod3)
			e_operand(j, i, sz, ACC_WRITE);
		return true;
	}
	bool live = !j->dead;
	if (!live && i->mod3 && sz == 4 && form != 1) { /* no flags: the host's rotate in place */
		unsigned d = jit_reg_dst(j, i->rm, 0);
		uint8_t *from = e->p;
		e_rot(e, 4, op, d, (int)cnt);
		jit_reg_wrote(j, from, bit(d));
		st_reg(j, d, i->rm, 4);
		j->lf = -1;
		return true;
	}
	if (live)
		flags_to_eflags(j);
	if (!i->mod3) {
		e_operand(j, i, sz, ACC_WRITE);
		e_load(e, sz, RAX, j->mb, j->md);
	} else
		ld_reg(j, RAX, i->rm, sz);
	uint8_t *none = NULL;
	if (form == 1) { /* a count of 0 (mod 32) changes nothing, flags included */
		ld_reg(j, RCX, R_ECX, 4);
		e_alu_ri(e, 4, 4, RCX, 31);
		none = e_jcc(e, CC_E);
	}
	e_mov_rr(e, 4, RDX, RAX);
	e_rot(e, sz, op, RDX, form == 1 ? -1 : (int)cnt);
	if (!i->mod3)
		e_store(e, sz, RDX, j->mb, j->md);
	else
		st_reg(j, RDX, i->rm, sz);
	if (live) {
		/* Intel: OF of the first one-bit step, from the operand (a register rotated by an
		 * immediate other than 1 keeps OF); AMD: of the last, from the result */
		bool keep_of = !amd && i->mod3 && form == 2 && cnt != 1;
		if (!keep_of) {
			if (amd)
				of_bits(e, RDX, bits, op == 0);
			else
				of_bits(e, RAX, bits, op == 1);
			e_shift_ri(e, 4, 4, R11, 11);
		}
		e_mov_rr(e, 4, RCX, RDX);
		if (op == 0)
			e_alu_ri(e, 4, 4, RCX, 1);
		else
			e_shift_ri(e, 4, 5, RCX, (uint8_t)(bits - 1));
		if (!keep_of)
			e_alu_rr(e, 4, 1, RCX, R11);
		e_alu_mi(e, 4, 4, J_IN, O_IN(eflags),
			 (int32_t) ~(keep_of ? EFL_CF : EFL_CF | EFL_OF));
		e_alu_mr(e, 4, 1, J_IN, O_IN(eflags), RCX);
		j->lf = LF_NONE; /* the slow path leaves it so too */
	} else
		j->lf = -1;
	if (none)
		e_label(e, none);
	return true;
}
static bool t_not(struct jit *j, const struct insn *i)
{
	struct emit *e = &j->e;
	unsigned sz = i->imm2;
	if (!mem_ok(i))
		return false;
	if (i->mod3 && sz == 4 && jit_reg_cached(j, i->rm) >= 0) {
		unsigned d = jit_reg_dst(j, i->rm, 0);
		uint8_t *from = e->p;
		e_op_rr(e, 4, 0xF7, 2, d);
		jit_reg_wrote(j, from, bit(d));
		st_reg(j, d, i->rm, 4);
		return true;
	}
	if (i->mod3) {
		uint8_t *from = e->p;
		e_op_mem(e, sz, 0xF7, 2, J_CPU, o_reg(i->rm, sz));
		jit_reg_stored(j, from, i->rm, sz);
		return true;
	}
	e_operand(j, i, sz, ACC_WRITE);
	e_op_mem(e, sz, 0xF7, 2, j->mb, j->md);
	return true;
}
static bool t_neg(struct jit *j, const struct insn *i)
{
	struct emit *e = &j->e;
	unsigned sz = i->imm2;
	if (!mem_ok(i))
		return false;
	if (i->mod3 && sz == 4) { /* 0 - a in place: the host's flags are NEG's */
		unsigned d = jit_reg_dst(j, i->rm, 0);
		if (!j->dead) {
			rec_imm(j, O_IN(lf_a), 0);
			rec(j, O_IN(lf_b), d);
		}
		uint8_t *from = e->p;
		e_op_rr(e, 4, 0xF7, 3, d);
		jit_reg_wrote(j, from, bit(d));
		lf32(j, LF_SUB, d, HF_ALL);
		st_reg(j, d, i->rm, 4);
		return true;
	}
	if (!i->mod3) {
		e_operand(j, i, sz, ACC_WRITE);
		e_load(e, sz, RCX, j->mb, j->md);
	} else
		ld_reg(j, RCX, i->rm, sz);
	e_mov_ri(e, RAX, 0);
	e_mov_ri(e, RDX, 0);
	e_alu_rr(e, sz, 5, RDX, RCX); /* 0 - a: the host's flags are NEG's */
	mask(j, RDX, sz);
	if (!i->mod3)
		e_store(e, sz, RDX, j->mb, j->md);
	else
		st_reg(j, RDX, i->rm, sz);
	j->hf_out = HF_ALL;
	set_lf(j, LF_SUB, sz, RDX, RAX, RCX);
	return true;
}

static bool t_setcc(struct jit *j, const struct insn *i)
{
	struct emit *e = &j->e;
	if (!i->mod3)
		return false;
	int hf = j->hf_in;
	/* AL..BL of a register a host register holds: set in its low byte, in place */
	bool held = i->rm < 4 && jit_reg_cached(j, i->rm) >= 0;
	unsigned clob = jit_cond_free(j, i->opc & 15) && held ? 0 : bit(RAX) | bit(RCX);
	jit_reg_clobber(j, clob);
	uint8_t *from = e->p;
	unsigned hcc = jit_cond(j, i->opc & 15); /* clobbers RAX and RCX alone */
	if (!held)
		e_setcc(e, hcc, RAX);
	jit_reg_wrote(j, from, clob);
	if (held) {
		unsigned h = jit_reg_dst(j, i->rm, 0); /* (movs and stores: the flags stay) */
		from = e->p;
		e_setcc(e, hcc, h);
		jit_reg_wrote(j, from, bit(h));
		st_reg(j, h, i->rm, 4);
	} else
		st_reg(j, RAX, i->rm, 1);
	if (hcc == (i->opc & 15u))
		j->hf_out = hf; /* setcc and the store leave the host flags alone */
	return true;
}
static bool t_cmov(struct jit *j, const struct insn *i)
{
	struct emit *e = &j->e;
	unsigned sz = osz(i);
	if (!mem_ok(i))
		return false;
	/* the condition first (it may take a call), kept in R11B; the source is read whatever
	 * it is (a fault is taken either way) */
	unsigned hcc = jit_cond(j, i->opc & 15);
	e_setcc(e, hcc, R11);
	if (i->mod3)
		ld_reg(j, RAX, i->rm, sz);
	else {
		e_operand(j, i, sz, ACC_READ);
		e_load(e, sz, RAX, j->mb, j->md);
	}
	e_test_rr(e, 1, R11, R11);
	uint8_t *skip = e_jcc(e, CC_E);
	st_reg(j, RAX, i->reg, sz);
	e_label(e, skip);
	return true;
}
/* BSWAP r32 (0F C8+r) in place; no flag changes. (BSWAP r16 is left to the handler: its
 * result is undefined in the SDM.) */
static bool t_bswap(struct jit *j, const struct insn *i)
{
	struct emit *e = &j->e;
	unsigned r = i->opc & 7;
	if (i->osz16)
		return false;
	unsigned d = jit_reg_dst(j, r, 0);
	uint8_t *from = e->p;
	if (d & 8)
		e_byte(e, 0x41);
	e_byte(e, 0x0F);
	e_byte(e, (uint8_t)(0xC8 + (d & 7)));
	jit_reg_wrote(j, from, bit(d));
	st_reg(j, d, r, 4);
	return true;
}
static bool t_cdq(struct jit *j, const struct insn *i)
{
	if (i->osz16)
		return false;
	ld_reg(j, RAX, R_EAX, 4);
	e_shift_ri(&j->e, 4, 7, RAX, 31);
	st_reg(j, RAX, R_EDX, 4);
	return true;
}

/* BT, BTS, BTR, BTC (0F A3/AB/B3/BB with a register offset, 0F BA /4-/7 with an immediate):
 * 16/32-bit, a register operand or memory with an immediate offset (a register offset
 * addresses memory outside the operand). CF = the bit, the other flags kept: materialised
 * in in->eflags as h_bt leaves them (unless dead). */
static bool t_bt(struct jit *j, const struct insn *i)
{
	struct emit *e = &j->e;
	unsigned sz = osz(i), bits = sz * 8;
	bool immf = i->opc == 0x1BA;
	unsigned kind = immf ? i->reg & 3 : (i->op >> 3) & 3; /* 0 BT, 1 BTS, 2 BTR, 3 BTC */
	static const unsigned alu[4] = {0, 1, 4, 6};	      /* -, OR, AND (inverted), XOR */
	if (!mem_ok(i) || (!i->mod3 && !immf))
		return false;
	bool live = !j->dead;
	if (live)
		flags_to_eflags(j);
	if (!i->mod3) {
		e_operand(j, i, sz, kind ? ACC_WRITE : ACC_READ);
		e_load(e, sz, RAX, j->mb, j->md);
	} else
		ld_reg(j, RAX, i->rm, sz);
	e_mov_rr(e, 4, RDX, RAX);
	if (immf) {
		unsigned bit = i->imm & (bits - 1);
		uint32_t m = 1u << bit;
		if (bit)
			e_shift_ri(e, 4, 5, RDX, (uint8_t)bit);
		if (kind)
			e_alu_ri(e, 4, alu[kind], RAX, (int32_t)(kind == 2 ? ~m : m));
	} else {
		ld_reg(j, RCX, i->reg, sz);
		e_alu_ri(e, 4, 4, RCX, (int32_t)(bits - 1));
		e_shift_rcl(e, 5, RDX);
		if (kind) {
			e_mov_ri(e, R11, 1);
			e_shift_rcl(e, 4, R11);
			if (kind == 2)
				e_alu_ri(e, 4, 6, R11, -1);
			e_alu_rr(e, 4, alu[kind], RAX, R11);
		}
	}
	if (kind) {
		if (!i->mod3)
			e_store(e, sz, RAX, j->mb, j->md);
		else
			st_reg(j, RAX, i->rm, sz);
	}
	if (live) {
		e_alu_ri(e, 4, 4, RDX, EFL_CF);
		e_alu_mi(e, 4, 4, J_IN, O_IN(eflags), (int32_t)~EFL_CF);
		e_alu_mr(e, 4, 1, J_IN, O_IN(eflags), RDX);
		j->lf = LF_NONE; /* the slow path leaves it so too */
	} else
		j->lf = -1;
	return true;
}
bool jit_insn(struct jit *j, const struct insn *i)
{
	unsigned opc = i->opc;
	unsigned sz = (opc & 1) ? osz(i) : 1;
	if ((i->rep && opc != 0x90 && opc != 0xC3) || i->lock || i->len > 15)
		return false; /* prefixes (or faults) the templates do not model */
	if (opc < 0x40 && (opc & 7) < 6) {
		unsigned form = opc & 7;
		if (form >= 4) /* AL/eAX, imm: the decoder made it a register operand */
			return t_alu(j, i, opc >> 3, sz, F_EI);
		return t_alu(j, i, opc >> 3, sz, form < 2 ? F_EG : F_GE);
	}
	switch (opc) {
	case 0x80:
	case 0x81:
	case 0x83: return t_alu(j, i, i->reg, opc == 0x80 ? 1 : osz(i), F_EI);
	case 0x84:
	case 0x85: return t_alu(j, i, 8, sz, F_EG);
	case 0xA8:
	case 0xA9: return t_alu(j, i, 8, sz, F_EI);
	case 0xF6:
	case 0xF7:
		switch (i->reg) {
		case 0:
		case 1: return t_alu(j, i, 8, i->imm2, F_EI);
		case 2: return t_not(j, i);
		case 3: return t_neg(j, i);
		case 4: return opc == 0xF7 && j->c->vendor == CPU_VENDOR_INTEL && t_mul(j, i);
		}
		return false;
	case 0x88:
	case 0x89: return t_mov(j, i, sz, F_EG);
	case 0x8A:
	case 0x8B: return t_mov(j, i, sz, F_GE);
	case 0xC6:
	case 0xC7: return i->reg == 0 && t_mov(j, i, i->imm2, F_EI);
	case 0xA0:
	case 0xA1:
	case 0xA2:
	case 0xA3: return t_moffs(j, i);
	case 0x8D: return t_lea(j, i);
	case 0x1B6:
	case 0x1B7:
	case 0x1BE:
	case 0x1BF: return t_movx(j, i);
	case 0x86:
	case 0x87: return t_xchg(j, i);
	case 0x90: return true;
	case 0x68:
	case 0x6A: return !i->osz16 && t_push_imm(j, i);
	case 0xC9: return !i->osz16 && t_leave(j);
	case 0xE8: return t_call(j, i);
	case 0xE9:
	case 0xEB: return t_jmp(j, i);
	case 0xC2:
	case 0xC3: return t_ret(j, i);
	case 0xFE: return i->reg < 2 && t_incdec(j, i, i->reg == 1);
	case 0xFF:
		switch (i->reg) {
		case 0:
		case 1: return t_incdec(j, i, i->reg == 1);
		case 2: return t_call_E(j, i);
		case 4: return t_jmp_E(j, i);
		case 6: return t_push_E(j, i);
		}
		return false;
	case 0xC0:
	case 0xC1:
	case 0xD0:
	case 0xD1:
	case 0xD2:
	case 0xD3:
		if (i->reg < 2) /* both vendors' rotate flags are computed here */
			return t_rot(j, i);
		return j->c->vendor == CPU_VENDOR_INTEL && t_shift(j, i);
	/* AMD's undefined flags after shifts and multiplies come from the interpreter's
	 * handlers (docs/vendors.md): no templates for them */
	case 0x1AF:
	case 0x69:
	case 0x6B: return j->c->vendor == CPU_VENDOR_INTEL && t_imul(j, i);
	case 0x99: return t_cdq(j, i);
	case 0x1A3:
	case 0x1AB:
	case 0x1B3:
	case 0x1BB: return t_bt(j, i);
	case 0x1BA: return i->reg >= 4 && t_bt(j, i);
	}
	if (opc >= 0x40 && opc <= 0x4F)
		return t_incdec(j, i, opc >= 0x48);
	if (opc >= 0x50 && opc <= 0x57)
		return !i->osz16 && t_push_r(j, i);
	if (opc >= 0x58 && opc <= 0x5F)
		return !i->osz16 && t_pop_r(j, i);
	if (opc >= 0x91 && opc <= 0x97)
		return t_xchg(j, i);
	if (opc >= 0xB0 && opc <= 0xBF)
		return t_mov(j, i, i->imm2, F_EI);
	if ((opc >= 0x70 && opc <= 0x7F) || (opc >= 0x180 && opc <= 0x18F))
		return t_jcc(j, i);
	if (opc >= 0x190 && opc <= 0x19F)
		return t_setcc(j, i);
	if (opc >= 0x140 && opc <= 0x14F)
		return t_cmov(j, i);
	if (opc >= 0x118 && opc <= 0x11F)
		return true; /* hint NOPs */
	if (opc >= 0x1C8 && opc <= 0x1CF)
		return t_bswap(j, i);
	return false;
}

bool jit_insn_pure(const struct cpu *c, const struct insn *i, bool dead)
{
	unsigned opc = i->opc;
	if ((i->rep && opc != 0x90) || i->lock || i->len > 15)
		return false;
	if (opc == 0x90)
		return true;
	bool r32 = i->mod3 && !i->osz16;
	if (opc < 0x40 && (opc & 7) < 6) { /* t_alu32 */
		unsigned form = opc & 7;
		return !i->osz16 && (form == 5 || (i->mod3 && (form & 1)));
	}
	if ((opc >= 0x40 && opc <= 0x4F) || (opc >= 0xB8 && opc <= 0xBF) ||
	    (opc >= 0x91 && opc <= 0x97) || (opc >= 0x1C8 && opc <= 0x1CF))
		return !i->osz16; /* INC/DEC r32, MOV r32, imm32, XCHG eAX, r32, BSWAP r32 */
	if (opc >= 0x190 && opc <= 0x19F)
		return i->mod3; /* SETcc r8 */
	unsigned form = i->imm2 >> 4;
	switch (opc) {
	case 0x81:
	case 0x83: return r32;
	case 0x85:
	case 0x87:
	case 0x89:
	case 0x8B: return r32;
	case 0xA9: return !i->osz16;
	case 0xC7: return r32 && i->reg == 0;
	case 0xF7: return r32 && i->reg < 4; /* TEST imm, NOT, NEG */
	case 0xFF: return r32 && i->reg < 2;
	case 0x8D: return !i->mod3 && !i->asz16 && !i->osz16;
	case 0xC1:
	case 0xD1: /* t_shift (Intel) and t_rot (flags dead) by an immediate or 1 */
		if (!r32 || form == 1)
			return false;
		if (i->reg < 2)
			return dead;
		return i->reg >= 4 && c->vendor == CPU_VENDOR_INTEL;
	}
	return false;
}

/* Templates whose fast path stays inline: no call into C code, no exit from the block (a
 * run of SSE templates goes on across them, see jit.h). Their slow paths are stubs, which
 * end the run like any other. */
bool jit_insn_inline(const struct insn *i)
{
	unsigned opc = i->opc;
	if (opc < 0x40 && (opc & 7) < 6)
		return (opc >> 3) != 2 && (opc >> 3) != 3; /* not ADC/SBB: the carry may call */
	if ((opc >= 0x50 && opc <= 0x5F) || (opc >= 0x91 && opc <= 0x97) ||
	    (opc >= 0xB0 && opc <= 0xBF) || (opc >= 0x118 && opc <= 0x11F) ||
	    (opc >= 0x1C8 && opc <= 0x1CF))
		return true;
	switch (opc) {
	case 0x80:
	case 0x81:
	case 0x83: return i->reg != 2 && i->reg != 3;
	case 0xF6:
	case 0xF7: return i->reg < 4;
	case 0xC6:
	case 0xC7: return i->reg == 0;
	case 0x84:
	case 0x85:
	case 0xA8:
	case 0xA9:
	case 0x88:
	case 0x89:
	case 0x8A:
	case 0x8B:
	case 0xA0:
	case 0xA1:
	case 0xA2:
	case 0xA3:
	case 0x8D:
	case 0x1B6:
	case 0x1B7:
	case 0x1BE:
	case 0x1BF:
	case 0x86:
	case 0x87:
	case 0x90:
	case 0x68:
	case 0x6A:
	case 0x69:
	case 0x6B:
	case 0x1AF:
	case 0x99: return true;
	}
	return false;
}

/* Flag liveness (see jit.h). Only instructions whose template works on registers alone
 * (no memory access, so no slow path, no fault, no call that can leave) let flags die
 * across them; anything else may expose the flags to a handler, a fault or an exit. */
uint32_t jit_flags_before(const struct cpu *c, const struct insn *i, uint32_t after)
{
	const uint32_t all = EFL_ARITH;
	unsigned opc = i->opc;
	bool intel = c->vendor == CPU_VENDOR_INTEL;
	if ((i->rep && opc != 0x90) || i->lock || i->len > 15)
		return all;
	if (opc < 0x40 && (opc & 7) < 6) {
		unsigned op = opc >> 3;
		if (!i->mod3)
			return all;
		return op == 2 || op == 3 ? all : 0; /* ADC/SBB read CF */
	}
	if (opc >= 0x118 && opc <= 0x11F)
		return after; /* hint NOPs */
	if (opc >= 0x1C8 && opc <= 0x1CF)
		return i->osz16 ? all : after; /* BSWAP r32 changes no flag; r16: its handler */
	if ((opc >= 0xB0 && opc <= 0xBF) || (opc >= 0x91 && opc <= 0x97))
		return i->mod3 ? after : all; /* MOV r, imm; XCHG eAX, r */
	if (opc >= 0x40 && opc <= 0x4F)
		return !i->mod3 ? all : after ? EFL_CF : 0; /* INC/DEC: CF kept, the rest written */
	switch (opc) {
	case 0x80:
	case 0x81:
	case 0x83:
		if (!i->mod3)
			return all;
		return i->reg == 2 || i->reg == 3 ? all : 0;
	case 0x84:
	case 0x85: return i->mod3 ? 0 : all;
	case 0xA8:
	case 0xA9: return i->mod3 ? 0 : all;
	case 0xF6:
	case 0xF7:
		if (!i->mod3)
			return all;
		switch (i->reg) {
		case 0:
		case 1:
		case 3: return 0;     /* TEST, NEG */
		case 2: return after; /* NOT */
		case 4:		      /* MUL (Intel's record writes them all) */
			return intel && opc == 0xF7 && !i->osz16 ? 0 : all;
		}
		return all;
	case 0x88:
	case 0x89:
	case 0x8A:
	case 0x8B:
	case 0x86:
	case 0x87: return i->mod3 ? after : all;
	case 0xC6:
	case 0xC7: return i->mod3 && i->reg == 0 ? after : all;
	case 0x8D: return !i->mod3 && !i->asz16 ? after : all; /* LEA: no access */
	case 0x1B6:
	case 0x1B7:
	case 0x1BE:
	case 0x1BF: return i->mod3 ? after : all;
	case 0x90: return after;
	case 0x99: return i->osz16 ? all : after;
	case 0xFE:
	case 0xFF:
		if (!i->mod3 || i->reg > 1)
			return all;
		return after ? EFL_CF : 0;
	case 0xC0:
	case 0xC1:
	case 0xD0:
	case 0xD1:
	case 0xD2:
	case 0xD3: {
		/* templates: ROL/ROR for both vendors, SHL/SHR/SAR for Intel's model */
		if (!i->mod3 || (i->reg >= 2 && i->reg < 4) || (i->reg >= 4 && !intel))
			return all;
		unsigned form = i->imm2 >> 4;
		unsigned cnt = (form == 0 ? 1 : i->imm & 0xff) & 31;
		if (form == 1 || cnt == 0)
			return after; /* a count of 0 keeps every flag */
		if (i->reg < 2)
			return after & ~(uint32_t)EFL_CF; /* ROL/ROR: CF written (OF may be kept) */
		return 0; /* SHL/SHR/SAR by an immediate: all written */
	}
	case 0x1AF:
	case 0x69:
	case 0x6B: return intel && !i->osz16 && i->mod3 ? 0 : all;
	case 0x1A3:
	case 0x1AB:
	case 0x1B3:
	case 0x1BB:
	case 0x1BA: /* BT*: CF written, the rest kept */
		return i->mod3 && (opc != 0x1BA || i->reg >= 4) ? after & ~(uint32_t)EFL_CF : all;
	}
	return all;
}
