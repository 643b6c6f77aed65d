/*
 * Integer arithmetic: the eight ALU operations, INC/DEC, NOT/NEG, TEST, shifts and rotates,
 * SHLD/SHRD, MUL/IMUL/DIV/IDIV, bit tests, BSF/BSR, BCD adjustments, CBW/CWD.
 * Flags are committed only after the destination is written (restartable faults).
 */
#include "cpu/exec.h"

/* ---- the eight ALU operations: op 0 ADD, 1 OR, 2 ADC, 3 SBB, 4 AND, 5 SUB, 6 XOR, 7 CMP ---- */
enum { F_EG, F_GE, F_EI };

/* R = A op B masked to the operand size, KIND its lazy-flags kind, AUX the carry-in of
 * ADC/SBB. A macro, not a function: op is a constant in every expansion so the switch folds
 * away, and the memory forms of ADC/SBB compile one register worse through an inline helper. */
#define ALU_RESULT(IN, OP, SZ, A, B, R, AUX, KIND)                                                 \
	do {                                                                                       \
		switch (OP) {                                                                      \
		case 0:                                                                            \
			R = A + B;                                                                 \
			KIND = LF_ADD;                                                             \
			break;                                                                     \
		case 1:                                                                            \
			R = A | B;                                                                 \
			KIND = LF_LOGIC;                                                           \
			break;                                                                     \
		case 2:                                                                            \
			AUX = get_cf(IN);                                                          \
			R = A + B + AUX;                                                           \
			KIND = LF_ADC;                                                             \
			break;                                                                     \
		case 3:                                                                            \
			AUX = get_cf(IN);                                                          \
			R = A - B - AUX;                                                           \
			KIND = LF_SBB;                                                             \
			break;                                                                     \
		case 4:                                                                            \
			R = A & B;                                                                 \
			KIND = LF_LOGIC;                                                           \
			break;                                                                     \
		case 6:                                                                            \
			R = A ^ B;                                                                 \
			KIND = LF_LOGIC;                                                           \
			break;                                                                     \
		default:                                                                           \
			R = A - B;                                                                 \
			KIND = LF_SUB;                                                             \
			break;                                                                     \
		}                                                                                  \
		R &= szmask(SZ);                                                                   \
	} while (0)

/* mode: 0 register operand (mod == 3), 1 memory operand */
static inline __attribute__((always_inline)) int alu(struct cpu *c, const struct insn *i,
						     unsigned op, unsigned sz, int form, int mode)
{
	struct cpu_internal *in = c->in;
	if (mode == 0) { /* register forms: no memory, no fault possible */
		unsigned d = form == F_GE ? i->reg : i->rm;
		uint32_t a = getreg(c, d, sz), b, r, aux = 0;
		unsigned kind;
		b = form == F_EI ? i->imm : getreg(c, form == F_GE ? i->rm : i->reg, sz);
		ALU_RESULT(in, op, sz, a, b, r, aux, kind);
		if (op != 7)
			setreg(c, d, sz, r);
		if (op == 2 || op == 3)
			in->lf_aux = aux;
		setlf(in, kind, sz, r, a, b);
		NEXT(c, i);
	}
	uint32_t a, b, r, aux = 0;
	unsigned kind;
	struct eop o;
	if (form == F_GE) {
		a = getreg(c, i->reg, sz);
		if (rd_E(c, i, sz, &b))
			return X_EXC;
	} else {
		b = form == F_EG ? getreg(c, i->reg, sz) : i->imm;
		if (op == 7 ? rd_E(c, i, sz, &a) : e_begin(c, i, sz, &o, &a))
			return X_EXC;
	}
	ALU_RESULT(in, op, sz, a, b, r, aux, kind);
	if (op != 7) {
		if (form == F_GE)
			setreg(c, i->reg, sz, r);
		else if (e_end(c, i, sz, &o, r))
			return X_EXC;
	}
	in->lf_aux = aux;
	setlf(in, kind, sz, r, a, b);
	NEXT(c, i);
}

#define ALU1(OP, SZ, F)                                                                     \
	static int alu_##OP##_##SZ##_##F(struct cpu *c, const struct insn *i)               \
	{                                                                                   \
		return alu(c, i, OP, SZ, F, 1);                                             \
	}                                                                                   \
	static int alur_##OP##_##SZ##_##F(struct cpu *c, const struct insn *i)              \
	{                                                                                   \
		return alu(c, i, OP, SZ, F, 0);                                             \
	}
#define ALU_SZ(OP, F) ALU1(OP, 1, F) ALU1(OP, 2, F) ALU1(OP, 4, F)
#define ALU_F(OP) ALU_SZ(OP, F_EG) ALU_SZ(OP, F_GE) ALU_SZ(OP, F_EI)
ALU_F(0) ALU_F(1) ALU_F(2) ALU_F(3) ALU_F(4) ALU_F(5) ALU_F(6) ALU_F(7)
#define ALU_T1(P, OP, F) {P##OP##_1_##F, P##OP##_2_##F, P##OP##_4_##F}
#define ALU_T(P, F)                                                                         \
	{ALU_T1(P, 0, F), ALU_T1(P, 1, F), ALU_T1(P, 2, F), ALU_T1(P, 3, F),                \
	 ALU_T1(P, 4, F), ALU_T1(P, 5, F), ALU_T1(P, 6, F), ALU_T1(P, 7, F)}
static const insn_fn alu_tab[2][3][8][3] = {
	{ALU_T(alur_, F_EG), ALU_T(alur_, F_GE), ALU_T(alur_, F_EI)},
	{ALU_T(alu_, F_EG), ALU_T(alu_, F_GE), ALU_T(alu_, F_EI)},
};

static inline unsigned szi(unsigned sz)
{
	return sz >> 1;
}

/* ---- TEST ---- */
static int h_test(struct cpu *c, const struct insn *i)
{
	unsigned sz = i->imm2;
	uint32_t a, b;
	if (rd_E(c, i, sz, &a))
		return X_EXC;
	b = i->op == 0x84 || i->op == 0x85 ? getreg(c, i->reg, sz) : i->imm;
	setlf(c->in, LF_LOGIC, sz, a & b, a, b);
	NEXT(c, i);
}
/* TEST r32, r32 (85 /r, register operand): the commonest form */
static int h_test_rr32(struct cpu *c, const struct insn *i)
{
	uint32_t a = c->regs[i->rm], b = c->regs[i->reg];
	setlf(c->in, LF_LOGIC, 4, a & b, a, b);
	NEXT(c, i);
}

/* ---- INC/DEC ---- */
static int h_incdec(struct cpu *c, const struct insn *i)
{
	struct cpu_internal *in = c->in;
	unsigned sz = i->imm2;
	bool dec = i->reg & 1;
	uint32_t a, r;
	struct eop o;
	if (e_begin(c, i, sz, &o, &a))
		return X_EXC;
	r = (dec ? a - 1 : a + 1) & szmask(sz);
	uint32_t cf = get_cf(in) ? EFL_CF : 0;
	if (e_end(c, i, sz, &o, r))
		return X_EXC;
	in->lf_aux = cf;
	setlf(in, dec ? LF_DEC : LF_INC, sz, r, a, 1);
	NEXT(c, i);
}
static int h_inc32r(struct cpu *c, const struct insn *i)
{
	struct cpu_internal *in = c->in;
	uint32_t a = c->regs[i->rm];
	in->lf_aux = get_cf(in) ? EFL_CF : 0;
	c->regs[i->rm] = a + 1;
	setlf(in, LF_INC, 4, a + 1, a, 1);
	NEXT(c, i);
}
static int h_dec32r(struct cpu *c, const struct insn *i)
{
	struct cpu_internal *in = c->in;
	uint32_t a = c->regs[i->rm];
	in->lf_aux = get_cf(in) ? EFL_CF : 0;
	c->regs[i->rm] = a - 1;
	setlf(in, LF_DEC, 4, a - 1, a, 1);
	NEXT(c, i);
}

/* ---- group 3: NOT NEG MUL IMUL DIV IDIV ---- */
static int h_not(struct cpu *c, const struct insn *i)
{
	unsigned sz = i->imm2;
	uint32_t a;
	struct eop o;
	if (e_begin(c, i, sz, &o, &a))
		return X_EXC;
	if (e_end(c, i, sz, &o, ~a & szmask(sz)))
		return X_EXC;
	NEXT(c, i);
}
static int h_neg(struct cpu *c, const struct insn *i)
{
	unsigned sz = i->imm2;
	uint32_t a, r;
	struct eop o;
	if (e_begin(c, i, sz, &o, &a))
		return X_EXC;
	r = (0 - a) & szmask(sz);
	if (e_end(c, i, sz, &o, r))
		return X_EXC;
	setlf(c->in, LF_SUB, sz, r, 0, a);
	NEXT(c, i);
}

static void mul_flags(struct cpu *c, unsigned sz, uint32_t lo, bool of)
{
	if (unlikely(cpu_vendor_is_amd(c->vendor))) {
		/* AMD leaves SF, ZF, AF and PF as they were */
		uint32_t f = get_flags(c->in) & (EFL_SF | EFL_ZF | EFL_AF | EFL_PF);
		set_arith(c->in, f | (of ? EFL_CF | EFL_OF : 0));
		return;
	}
	c->in->lf_aux = of;
	setlf(c->in, LF_MUL, sz, lo, 0, 0);
}

/* After a DIV or IDIV that completes, Intel leaves every arithmetic flag alone; AMD sets AF,
 * clears SF, ZF and PF, and keeps CF and OF. */
static void div_flags(struct cpu *c)
{
	if (unlikely(cpu_vendor_is_amd(c->vendor)))
		set_arith(c->in, (get_flags(c->in) & (EFL_CF | EFL_OF)) | EFL_AF);
}

static int h_mul(struct cpu *c, const struct insn *i)
{
	unsigned sz = i->imm2;
	uint32_t b;
	if (rd_E(c, i, sz, &b))
		return X_EXC;
	if (sz == 1) {
		uint32_t r = (c->regs[R_EAX] & 0xff) * b;
		setreg(c, R_EAX, 2, r);
		mul_flags(c, 1, r, (r >> 8) != 0);
	} else if (sz == 2) {
		uint32_t r = (c->regs[R_EAX] & 0xffff) * b;
		setreg(c, R_EAX, 2, r);
		setreg(c, R_EDX, 2, r >> 16);
		mul_flags(c, 2, r, (r >> 16) != 0);
	} else {
		uint64_t r = (uint64_t)c->regs[R_EAX] * b;
		c->regs[R_EAX] = (uint32_t)r;
		c->regs[R_EDX] = (uint32_t)(r >> 32);
		mul_flags(c, 4, (uint32_t)r, (r >> 32) != 0);
	}
	NEXT(c, i);
}
static int h_imul1(struct cpu *c, const struct insn *i)
{
	unsigned sz = i->imm2;
	uint32_t b;
	if (rd_E(c, i, sz, &b))
		return X_EXC;
	if (sz == 1) {
		int32_t r = (int8_t)c->regs[R_EAX] * (int8_t)b;
		setreg(c, R_EAX, 2, (uint32_t)r);
		mul_flags(c, 1, (uint32_t)r, r != (int8_t)r);
	} else if (sz == 2) {
		int32_t r = (int16_t)c->regs[R_EAX] * (int16_t)b;
		setreg(c, R_EAX, 2, (uint32_t)r);
		setreg(c, R_EDX, 2, (uint32_t)r >> 16);
		mul_flags(c, 2, (uint32_t)r, r != (int16_t)r);
	} else {
		int64_t r = (int64_t)(int32_t)c->regs[R_EAX] * (int32_t)b;
		c->regs[R_EAX] = (uint32_t)r;
		c->regs[R_EDX] = (uint32_t)((uint64_t)r >> 32);
		mul_flags(c, 4, (uint32_t)r, r != (int32_t)r);
	}
	NEXT(c, i);
}
/* IMUL r, r/m [, imm]: 0F AF, 69, 6B (imm already sign-extended). */
static int h_imul23(struct cpu *c, const struct insn *i)
{
	unsigned sz = osz(i);
	uint32_t b, a;
	if (rd_E(c, i, sz, &b))
		return X_EXC;
	a = i->op == 0xAF ? getreg(c, i->reg, sz) : i->imm;
	int64_t r = (int64_t)(int32_t)sext(a, sz) * (int32_t)sext(b, sz);
	uint32_t lo = (uint32_t)r & szmask(sz);
	setreg(c, i->reg, sz, lo);
	mul_flags(c, sz, lo, r != (int64_t)(int32_t)sext(lo, sz));
	NEXT(c, i);
}
static int h_div(struct cpu *c, const struct insn *i)
{
	unsigned sz = i->imm2;
	uint32_t b;
	if (rd_E(c, i, sz, &b))
		return X_EXC;
	if (b == 0)
		return raise(c, X86_DE, false, 0);
	if (sz == 1) {
		uint32_t n = c->regs[R_EAX] & 0xffff, q = n / b;
		if (q > 0xff)
			return raise(c, X86_DE, false, 0);
		setreg(c, R_EAX, 2, (n % b) << 8 | q);
	} else if (sz == 2) {
		uint32_t n = (c->regs[R_EDX] & 0xffff) << 16 | (c->regs[R_EAX] & 0xffff), q = n / b;
		if (q > 0xffff)
			return raise(c, X86_DE, false, 0);
		setreg(c, R_EAX, 2, q);
		setreg(c, R_EDX, 2, n % b);
	} else {
		uint64_t n = (uint64_t)c->regs[R_EDX] << 32 | c->regs[R_EAX], q = n / b;
		if (q > 0xffffffffu)
			return raise(c, X86_DE, false, 0);
		c->regs[R_EAX] = (uint32_t)q;
		c->regs[R_EDX] = (uint32_t)(n % b);
	}
	div_flags(c);
	NEXT(c, i);
}
static int h_idiv(struct cpu *c, const struct insn *i)
{
	unsigned sz = i->imm2;
	uint32_t bu;
	if (rd_E(c, i, sz, &bu))
		return X_EXC;
	int64_t b = (int32_t)sext(bu, sz), n, q, r;
	if (b == 0)
		return raise(c, X86_DE, false, 0);
	if (sz == 1)
		n = (int16_t)c->regs[R_EAX];
	else if (sz == 2)
		n = (int32_t)((c->regs[R_EDX] & 0xffff) << 16 | (c->regs[R_EAX] & 0xffff));
	else
		n = (int64_t)((uint64_t)c->regs[R_EDX] << 32 | c->regs[R_EAX]);
	if (sz == 4 && n == INT64_MIN && b == -1)
		return raise(c, X86_DE, false, 0);
	q = n / b;
	r = n % b;
	int64_t lim = (int64_t)1 << (sz * 8 - 1);
	if (q >= lim || q < -lim)
		return raise(c, X86_DE, false, 0);
	if (sz == 1)
		setreg(c, R_EAX, 2, ((uint32_t)r & 0xff) << 8 | ((uint32_t)q & 0xff));
	else {
		setreg(c, R_EAX, sz, (uint32_t)q);
		setreg(c, R_EDX, sz, (uint32_t)r);
	}
	div_flags(c);
	NEXT(c, i);
}

/* ---- shifts and rotates (group 2) ---- */
/* AMD's flags after SHL/SHR/SAR by a count other than 0: AF set, SF/ZF/PF of the result. */
static uint32_t amd_shift_flags(unsigned sz, uint32_t r, uint32_t cf, uint32_t of)
{
	return szp(r, sz) | EFL_AF | (cf ? EFL_CF : 0) | (of & 1 ? EFL_OF : 0);
}

static int h_shift(struct cpu *c, const struct insn *i)
{
	struct cpu_internal *in = c->in;
	unsigned sz = i->imm2 & 7, bits = sz * 8;
	unsigned cnt;
	uint32_t a, r, m = szmask(sz);
	struct eop o;
	if (e_begin(c, i, sz, &o, &a))
		return X_EXC;
	switch (i->imm2 >> 4) {
	case 0: cnt = 1; break;
	case 1: cnt = c->regs[R_ECX] & 0xff; break;
	default: cnt = i->imm & 0xff; break;
	}
	cnt &= 31;
	if (cnt == 0)
		NEXT(c, i);
	uint32_t f, nf;
	switch (i->reg) {
	case 0: { /* ROL */
		unsigned k = cnt % bits;
		r = k ? ((a << k) | (a >> (bits - k))) & m : a;
		if (e_end(c, i, sz, &o, r))
			return X_EXC;
		nf = (r & 1) ? EFL_CF : 0;
		/* OF of the first one-bit step for every count, as the host computes it */
		if (((a >> (bits - 1)) ^ (a >> (bits - 2))) & 1)
			nf |= EFL_OF;
		break;
	}
	case 1: { /* ROR */
		unsigned k = cnt % bits;
		r = k ? ((a >> k) | (a << (bits - k))) & m : a;
		if (e_end(c, i, sz, &o, r))
			return X_EXC;
		nf = (r >> (bits - 1)) & 1 ? EFL_CF : 0;
		if (((a >> (bits - 1)) ^ a) & 1)
			nf |= EFL_OF;
		break;
	}
	case 2: case 3: { /* RCL, RCR through a (bits+1)-bit value */
		unsigned k = sz == 4 ? cnt : cnt % (bits + 1);
		bool cin = get_cf(in);
		uint64_t v = (uint64_t)a | (uint64_t)cin << bits, w = ((uint64_t)1 << (bits + 1)) - 1;
		if (k) {
			if (i->reg == 2)
				v = ((v << k) | (v >> (bits + 1 - k))) & w;
			else
				v = ((v >> k) | (v << (bits + 1 - k))) & w;
		}
		r = (uint32_t)v & m;
		if (e_end(c, i, sz, &o, r))
			return X_EXC;
		if (k == 0 && !cpu_vendor_is_amd(c->vendor))
			NEXT(c, i); /* a whole turn (8/16-bit): Intel leaves every flag alone */
		nf = (v >> bits) & 1 ? EFL_CF : 0;
		/* first-step OF: RCL sign ^ next bit, RCR sign ^ carry-in */
		if (i->reg == 2 ? ((a >> (bits - 1)) ^ (a >> (bits - 2))) & 1
				: ((a >> (bits - 1)) & 1) != cin)
			nf |= EFL_OF;
		break;
	}
	case 4: case 6: /* SHL/SAL */
		r = (uint32_t)(((uint64_t)a << cnt) & m);
		if (e_end(c, i, sz, &o, r))
			return X_EXC;
		if (unlikely(cpu_vendor_is_amd(c->vendor))) {
			nf = cnt <= bits ? (uint32_t)(((uint64_t)a << cnt) >> bits) & 1 : 0;
			set_arith(in, amd_shift_flags(sz, r, nf, (r >> (bits - 1)) ^ nf));
			NEXT(c, i);
		}
		in->lf_aux = 0;
		setlf(in, LF_SHL, sz, r, a, cnt);
		NEXT(c, i);
	case 5: /* SHR */
		r = (uint32_t)((uint64_t)a >> cnt);
		if (e_end(c, i, sz, &o, r))
			return X_EXC;
		if (unlikely(cpu_vendor_is_amd(c->vendor))) {
			/* OF: the sign before the last one-bit step */
			uint32_t last = cnt <= bits ? a >> (cnt - 1) : 0;
			set_arith(in, amd_shift_flags(sz, r, last & 1, (last >> (bits - 1)) & 1));
			NEXT(c, i);
		}
		in->lf_aux = 0;
		setlf(in, LF_SHR, sz, r, a, cnt);
		NEXT(c, i);
	default: /* SAR */
		r = (uint32_t)((int32_t)sext(a, sz) >> (cnt > 31 ? 31 : cnt)) & m;
		if (e_end(c, i, sz, &o, r))
			return X_EXC;
		if (unlikely(cpu_vendor_is_amd(c->vendor))) {
			uint32_t cf = (uint32_t)((int32_t)sext(a, sz) >> (cnt - 1)) & 1;
			set_arith(in, amd_shift_flags(sz, r, cf, 0));
			NEXT(c, i);
		}
		in->lf_aux = 0;
		setlf(in, LF_SAR, sz, r, a, cnt);
		NEXT(c, i);
	}
	f = get_flags(in);
	if (unlikely(cpu_vendor_is_amd(c->vendor))) {
		/* OF of the last one-bit step: ROL/RCL the new sign ^ CF, ROR/RCR the two top bits */
		uint32_t x = (i->reg & 1) ? r >> (bits - 2) : (r >> (bits - 1)) << 1 | (nf & EFL_CF);
		nf = (nf & EFL_CF) | (((x ^ (x >> 1)) & 1) ? EFL_OF : 0);
	} else if (i->reg < 2 && i->mod3 && (i->imm2 >> 4) == 2 && cnt != 1) {
		/* Intel: ROL/ROR of a register by an immediate count other than 1 leave OF alone
		 * (CL and memory forms compute it as for the first step) */
		nf = (nf & ~EFL_OF) | (f & EFL_OF);
	}
	in->eflags = (f & ~(EFL_CF | EFL_OF)) | nf;
	NEXT(c, i);
}

/* SHLD/SHRD: 0F A4/A5 (left), AC/AD (right); imm or CL count. */
static int h_shxd(struct cpu *c, const struct insn *i)
{
	struct cpu_internal *in = c->in;
	unsigned sz = osz(i), bits = sz * 8;
	bool left = i->op < 0xA8;
	unsigned cnt = ((i->op & 1) ? c->regs[R_ECX] : i->imm) & 31;
	uint32_t a, b = getreg(c, i->reg, sz), r, m = szmask(sz), cf;
	struct eop o;
	if (e_begin(c, i, sz, &o, &a))
		return X_EXC;
	if (cnt == 0)
		NEXT(c, i);
	if (sz == 4) {
		uint64_t v = left ? ((uint64_t)a << 32 | b) << cnt : ((uint64_t)b << 32 | a) >> cnt;
		r = left ? (uint32_t)(v >> 32) : (uint32_t)v;
		cf = left ? (a >> (32 - cnt)) & 1 : (a >> (cnt - 1)) & 1;
	} else {
		/* 16-bit, counts above 16 undefined: Intel shifts the 48-bit pattern a:b:a, AMD
		 * a:b:b (left) or b:b:a (right), and its CF is then 0 */
		bool amd = cpu_vendor_is_amd(c->vendor);
		uint64_t pat = (uint64_t)a << 32 | (uint64_t)b << 16 | a;
		if (amd)
			pat = left ? (pat & ~0xffffull) | b : (pat & 0xffffffffull) | (uint64_t)b << 32;
		if (left) {
			r = (uint32_t)((pat << cnt) >> 32) & m;
			cf = (uint32_t)((pat << cnt) >> 48) & 1;
		} else {
			r = (uint32_t)(pat >> cnt) & m;
			cf = (uint32_t)(pat >> (cnt - 1)) & 1;
		}
		if (amd && cnt > 16)
			cf = 0;
	}
	if (e_end(c, i, sz, &o, r))
		return X_EXC;
	uint32_t f = szp(r, sz) | (cf ? EFL_CF : 0);
	bool of;
	if (cpu_vendor_is_amd(c->vendor)) {
		/* AF set; OF of the last one-bit step (a 16-bit SHLD by 16 or more: OF = CF) */
		f |= EFL_AF;
		if (left)
			of = sz == 2 && cnt >= 16 ? cf : ((r >> (bits - 1)) ^ cf) & 1;
		else
			of = ((r >> (bits - 1)) ^ (r >> (bits - 2))) & 1;
	} else {
		/* Intel: OF of the first one-bit step for every count (SDM: count 1) */
		of = (left ? (a >> (bits - 1)) ^ (a >> (bits - 2)) : (a >> (bits - 1)) ^ b) & 1;
	}
	set_arith(in, f | (of ? EFL_OF : 0));
	NEXT(c, i);
}

/* ---- bit tests: BT BTS BTR BTC (0F A3/AB/B3/BB with a register offset, 0F BA with imm) ---- */
static int h_bt(struct cpu *c, const struct insn *i)
{
	struct cpu_internal *in = c->in;
	unsigned sz = osz(i), bits = sz * 8;
	unsigned kind; /* 0 BT, 1 BTS, 2 BTR, 3 BTC */
	uint32_t off;
	bool immf = i->op == 0xBA;
	if (immf) {
		kind = i->reg & 3;
		off = i->imm;
	} else {
		kind = (i->op >> 3) & 3;
		off = getreg(c, i->reg, sz);
	}
	uint32_t v, bit;
	struct eop o;
	if (i->mod3) {
		bit = off & (bits - 1);
		v = getreg(c, i->rm, sz);
	} else {
		uint32_t addr = ea(c, i);
		if (immf)
			bit = off & (bits - 1);
		else {
			int32_t so = (int32_t)sext(off, sz);
			addr += (uint32_t)((so >> (sz == 4 ? 5 : 4)) * (int32_t)sz);
			bit = off & (bits - 1);
		}
		if (i->asz16)
			addr &= 0xffff;
		o.off = addr;
		if (kind == 0) {
			if (mem_read(c, i->sreg, addr, sz, &v))
				return X_EXC;
		} else {
			if (mem_rmw_ptr(c, i->sreg, addr, sz, &o.p))
				return X_EXC;
			if (o.p)
				v = ld(o.p, sz);
			else if (mem_read(c, i->sreg, addr, sz, &v))
				return X_EXC;
		}
	}
	bool cf = (v >> bit) & 1;
	if (kind) {
		uint32_t nv = kind == 1 ? v | (1u << bit) : kind == 2 ? v & ~(1u << bit) : v ^ (1u << bit);
		if (i->mod3)
			setreg(c, i->rm, sz, nv);
		else if (o.p) {
			st(o.p, sz, nv);
			rmw_commit(c, o.p);
		} else if (mem_write(c, i->sreg, o.off, sz, nv))
			return X_EXC;
	}
	uint32_t f = get_flags(in);
	in->eflags = (f & ~EFL_CF) | (cf ? EFL_CF : 0);
	NEXT(c, i);
}

/* BSF/BSR: destination unchanged for a zero source (what the host does). */
static int h_bsx(struct cpu *c, const struct insn *i)
{
	struct cpu_internal *in = c->in;
	unsigned sz = osz(i);
	uint32_t v;
	if (rd_E(c, i, sz, &v))
		return X_EXC;
	uint32_t f = get_flags(in);
	uint32_t r = v == 0	     ? 0
		     : i->op == 0xBC ? (uint32_t)__builtin_ctz(v)
				     : 31u - (uint32_t)__builtin_clz(v);
	if (v)
		setreg(c, i->reg, sz, r);
	if (c->vendor == CPU_VENDOR_AMD_ZEN3) /* ZF alone, the rest unchanged */
		f = (f & ~EFL_ZF) | (v == 0 ? EFL_ZF : 0);
	else if (v == 0) /* Intel, Zen 4 and 5: ZF and PF set, the rest clear */
		f = (f & ~EFL_ARITH) | EFL_ZF | EFL_PF;
	else /* PF of the result, CF OF SF AF clear */
		f = (f & ~EFL_ARITH) | parity_flag(r);
	in->eflags = f;
	NEXT(c, i);
}

/* ---- BCD ---- */
static int h_bcd(struct cpu *c, const struct insn *i)
{
	struct cpu_internal *in = c->in;
	uint32_t f = get_flags(in);
	uint8_t al = (uint8_t)c->regs[R_EAX], ah = (uint8_t)(c->regs[R_EAX] >> 8);
	bool cf = f & EFL_CF, af = f & EFL_AF;
	uint32_t nf;
	switch (i->op) {
	case 0x27: case 0x2F: { /* DAA, DAS */
		uint8_t old = al;
		bool sub = i->op == 0x2F, ncf = false, naf = false;
		if ((al & 0xf) > 9 || af) {
			ncf = cf || (sub ? al < 6 : al > 0xf9);
			al = sub ? (uint8_t)(al - 6) : (uint8_t)(al + 6);
			naf = true;
		}
		if (old > 0x99 || cf) {
			al = sub ? (uint8_t)(al - 0x60) : (uint8_t)(al + 0x60);
			ncf = true;
		}
		setreg(c, R_EAX, 1, al);
		nf = szp(al, 1) | (ncf ? EFL_CF : 0) | (naf ? EFL_AF : 0);
		/* OF is undefined: Intel clears it, AMD gives the signed overflow of the
		 * adjustment (an addition for DAA, a subtraction for DAS) */
		if (cpu_vendor_is_amd(c->vendor) && ((sub ? old & ~al : ~old & al) & 0x80))
			nf |= EFL_OF;
		break;
	}
	case 0x37: case 0x3F: { /* AAA, AAS */
		bool sub = i->op == 0x3F;
		uint16_t ax = (uint16_t)(ah << 8 | al), old = ax;
		if ((al & 0xf) > 9 || af) {
			ax = sub ? (uint16_t)(ax - 6 - 0x100) : (uint16_t)(ax + 0x106);
			al = (uint8_t)ax;
			ah = (uint8_t)(ax >> 8);
			nf = EFL_AF | EFL_CF;
		} else
			nf = 0;
		al &= 0xf;
		setreg(c, R_EAX, 2, (uint32_t)ah << 8 | al);
		if (cpu_vendor_is_amd(c->vendor)) {
			/* SF, ZF, PF and OF of the 16-bit adjustment of AX, before AL is masked */
			nf |= szp(ax, 2);
			if ((sub ? old & ~ax : ~old & ax) & 0x8000)
				nf |= EFL_OF;
		} else
			nf |= szp(al, 1);
		break;
	}
	case 0xD4: /* AAM */
		if ((i->imm & 0xff) == 0)
			return raise(c, X86_DE, false, 0);
		ah = (uint8_t)(al / (i->imm & 0xff));
		al = (uint8_t)(al % (i->imm & 0xff));
		setreg(c, R_EAX, 2, (uint32_t)ah << 8 | al);
		nf = szp(al, 1);
		break;
	default: { /* AAD: flags as for the 8-bit ADD it performs (the host's undefined ones too) */
		uint8_t b = (uint8_t)(ah * (i->imm & 0xff)), r = (uint8_t)(al + b);
		setreg(c, R_EAX, 2, r);
		in->lf_aux = 0;
		setlf(in, LF_ADD, 1, r, al, b);
		NEXT(c, i);
	}
	}
	set_arith(in, nf);
	NEXT(c, i);
}

static int h_cbw(struct cpu *c, const struct insn *i)
{
	if (i->osz16)
		setreg(c, R_EAX, 2, sext(c->regs[R_EAX] & 0xff, 1));
	else
		c->regs[R_EAX] = sext(c->regs[R_EAX] & 0xffff, 2);
	NEXT(c, i);
}
static int h_cwd(struct cpu *c, const struct insn *i)
{
	if (i->osz16)
		setreg(c, R_EDX, 2, (c->regs[R_EAX] & 0x8000) ? 0xffff : 0);
	else
		c->regs[R_EDX] = (c->regs[R_EAX] & 0x80000000u) ? 0xffffffffu : 0;
	NEXT(c, i);
}

/* XADD, CMPXCHG, CMPXCHG8B */
static int h_xadd(struct cpu *c, const struct insn *i)
{
	unsigned sz = i->op == 0xC0 ? 1 : osz(i);
	uint32_t a, b = getreg(c, i->reg, sz), r;
	struct eop o;
	if (e_begin(c, i, sz, &o, &a))
		return X_EXC;
	r = (a + b) & szmask(sz);
	if (e_end(c, i, sz, &o, r))
		return X_EXC;
	setreg(c, i->reg, sz, a);
	if (i->mod3 && i->rm == i->reg)
		setreg(c, i->rm, sz, r);
	setlf(c->in, LF_ADD, sz, r, a, b);
	NEXT(c, i);
}
static int h_cmpxchg(struct cpu *c, const struct insn *i)
{
	unsigned sz = i->op == 0xB0 ? 1 : osz(i);
	uint32_t a, acc = getreg(c, R_EAX, sz);
	struct eop o;
	if (e_begin(c, i, sz, &o, &a))
		return X_EXC;
	/* the destination is always written (the old value back when unequal) */
	if (e_end(c, i, sz, &o, a == acc ? getreg(c, i->reg, sz) : a))
		return X_EXC;
	if (a != acc)
		setreg(c, R_EAX, sz, a);
	setlf(c->in, LF_SUB, sz, (acc - a) & szmask(sz), acc, a);
	NEXT(c, i);
}
static int h_cmpxchg8b(struct cpu *c, const struct insn *i)
{
	struct cpu_internal *in = c->in;
	if (i->mod3 || i->reg != 1)
		return UD(c);
	uint32_t off = ea(c, i), lo, hi;
	uint8_t *p;
	if (mem_rmw_ptr(c, i->sreg, off, 8, &p))
		return X_EXC;
	if (p) {
		lo = ld(p, 4);
		hi = ld(p + 4, 4);
	} else if (mem_read(c, i->sreg, off, 4, &lo) || mem_read(c, i->sreg, off + 4, 4, &hi))
		return X_EXC;
	bool eq = lo == c->regs[R_EAX] && hi == c->regs[R_EDX];
	uint32_t nlo = eq ? c->regs[R_EBX] : lo, nhi = eq ? c->regs[R_ECX] : hi;
	if (p) {
		st(p, 4, nlo);
		st(p + 4, 4, nhi);
		rmw_commit(c, p);
	} else {
		uint8_t buf[8];
		memcpy(buf, &nlo, 4);
		memcpy(buf + 4, &nhi, 4);
		if (cpu_mem_write(c, i->sreg, off, buf, 8, &in->ex))
			return X_EXC;
	}
	if (!eq) {
		c->regs[R_EAX] = lo;
		c->regs[R_EDX] = hi;
	}
	uint32_t f = get_flags(in);
	in->eflags = eq ? f | EFL_ZF : f & ~EFL_ZF;
	NEXT(c, i);
}

insn_fn select_alu(struct insn *i, unsigned opc)
{
	unsigned sz = (opc & 1) ? osz(i) : 1;
	if (opc < 0x40 && (opc & 7) < 6) {
		unsigned op = opc >> 3, form = opc & 7;
		if (form >= 4) { /* AL/eAX, imm */
			i->mod3 = 1;
			i->rm = R_EAX;
			return alu_tab[0][F_EI][op][szi(sz)];
		}
		return alu_tab[!i->mod3][form < 2 ? F_EG : F_GE][op][szi(sz)];
	}
	switch (opc) {
	case 0x80: case 0x81: case 0x82: case 0x83:
		sz = opc == 0x81 || opc == 0x83 ? osz(i) : 1;
		if (opc == 0x83)
			i->imm = sext(i->imm, 1) & szmask(sz);
		return alu_tab[!i->mod3][F_EI][i->reg][szi(sz)];
	case 0x84: case 0x85: case 0xA8: case 0xA9:
		if (opc >= 0xA8) {
			i->mod3 = 1;
			i->rm = R_EAX;
		}
		i->imm2 = sz;
		return opc == 0x85 && i->mod3 && sz == 4 ? h_test_rr32 : h_test;
	case 0xF6: case 0xF7:
		i->imm2 = sz;
		switch (i->reg) {
		case 0: case 1: return h_test;
		case 2: return h_not;
		case 3: return h_neg;
		case 4: return h_mul;
		case 5: return h_imul1;
		case 6: return h_div;
		default: return h_idiv;
		}
	case 0xFE:
		if (i->reg > 1)
			return NULL;
		i->imm2 = 1;
		return h_incdec;
	case 0xFF:
		if (i->reg > 1)
			return NULL;
		i->imm2 = osz(i);
		return h_incdec;
	case 0x69: case 0x6B:
		if (opc == 0x6B)
			i->imm = sext(i->imm, 1);
		return h_imul23;
	case 0x1AF:
		return h_imul23;
	case 0xC0: case 0xC1: case 0xD0: case 0xD1: case 0xD2: case 0xD3:
		i->imm2 = sz | (opc >= 0xD2 ? 0x10 : opc >= 0xD0 ? 0 : 0x20);
		return h_shift;
	case 0x1A4: case 0x1A5: case 0x1AC: case 0x1AD:
		return h_shxd;
	case 0x1A3: case 0x1AB: case 0x1B3: case 0x1BB:
		return h_bt;
	case 0x1BA:
		return i->reg >= 4 ? h_bt : NULL;
	case 0x1BC: case 0x1BD:
		return h_bsx;
	case 0x27: case 0x2F: case 0x37: case 0x3F: case 0xD4: case 0xD5:
		return h_bcd;
	case 0x98:
		return h_cbw;
	case 0x99:
		return h_cwd;
	case 0x1C0: case 0x1C1:
		return h_xadd;
	case 0x1B0: case 0x1B1:
		return h_cmpxchg;
	case 0x1C7:
		return h_cmpxchg8b;
	}
	if (opc >= 0x40 && opc <= 0x4F) {
		i->mod3 = 1;
		i->rm = opc & 7;
		i->reg = (opc >> 3) & 1; /* 0 INC, 1 DEC */
		i->imm2 = osz(i);
		if (!i->osz16)
			return opc < 0x48 ? h_inc32r : h_dec32r;
		return h_incdec;
	}
	return NULL;
}
