/*
 * Data movement and control flow: MOV/LEA/XCHG/MOVZX/MOVSX/CMOVcc/SETcc/BSWAP, the stack
 * (PUSH/POP/PUSHA/POPA/ENTER/LEAVE/PUSHF/POPF), jumps, calls, returns, LOOP/JCXZ, flag
 * instructions, XLAT.
 */
#include "cpu/exec.h"

static inline void jump_to(struct cpu *c, const struct insn *i, uint32_t target)
{
	c->eip = i->osz16 ? target & 0xffff : target;
}
static inline uint32_t next_eip(struct cpu *c, const struct insn *i)
{
	(void)c;
	return i->eip + i->len;
}

/* ---- moves ---- */
/* The hottest handlers keep their slow paths out of line, as tail calls, so that the fast
 * path needs no stack frame. */
static __attribute__((noinline)) int mov_rm32_slow(struct cpu *c, const struct insn *i,
						   uint32_t a)
{
	if (mem_read_slow(c, i->sreg, a, 4, &c->regs[i->reg]))
		return X_EXC;
	NEXT(c, i);
}
static int h_mov_rm32(struct cpu *c, const struct insn *i) /* 8B mod!=3, 32-bit */
{
	uint32_t a = ea(c, i);
	uint8_t *p = fast_hit(c, i->sreg, a, 4, ACC_READ, SEGF_R);
	if (likely(p != NULL)) {
		c->regs[i->reg] = ld(p, 4);
		NEXT(c, i);
	}
	return mov_rm32_slow(c, i, a);
}
static __attribute__((noinline)) int mov_mr32_slow(struct cpu *c, const struct insn *i,
						   uint32_t a)
{
	if (mem_write_slow(c, i->sreg, a, 4, c->regs[i->reg]))
		return X_EXC;
	NEXT(c, i);
}
static int h_mov_mr32(struct cpu *c, const struct insn *i) /* 89 mod!=3, 32-bit */
{
	uint32_t a = ea(c, i);
	uint8_t *p = fast_hit(c, i->sreg, a, 4, ACC_WRITE, SEGF_W);
	if (likely(p != NULL)) {
		st(p, 4, c->regs[i->reg]);
		NEXT(c, i);
	}
	return mov_mr32_slow(c, i, a);
}
/* The same with a base + displacement operand (32-bit addressing, no index): the commonest
 * memory form, its address one add. */
static int h_mov_rm32_bd(struct cpu *c, const struct insn *i)
{
	uint32_t a = c->regs[i->base] + i->disp;
	uint8_t *p = fast_hit(c, i->sreg, a, 4, ACC_READ, SEGF_R);
	if (likely(p != NULL)) {
		c->regs[i->reg] = ld(p, 4);
		NEXT(c, i);
	}
	return mov_rm32_slow(c, i, a);
}
static int h_mov_mr32_bd(struct cpu *c, const struct insn *i)
{
	uint32_t a = c->regs[i->base] + i->disp;
	uint8_t *p = fast_hit(c, i->sreg, a, 4, ACC_WRITE, SEGF_W);
	if (likely(p != NULL)) {
		st(p, 4, c->regs[i->reg]);
		NEXT(c, i);
	}
	return mov_mr32_slow(c, i, a);
}
static int h_mov_rr32(struct cpu *c, const struct insn *i)
{
	c->regs[i->rm] = c->regs[i->reg];
	NEXT(c, i);
}
static int h_mov_rr32b(struct cpu *c, const struct insn *i) /* 8B mod==3 */
{
	c->regs[i->reg] = c->regs[i->rm];
	NEXT(c, i);
}
static int h_mov_EG(struct cpu *c, const struct insn *i)
{
	if (wr_E(c, i, i->imm2, getreg(c, i->reg, i->imm2)))
		return X_EXC;
	NEXT(c, i);
}
static int h_mov_GE(struct cpu *c, const struct insn *i)
{
	uint32_t v;
	if (rd_E(c, i, i->imm2, &v))
		return X_EXC;
	setreg(c, i->reg, i->imm2, v);
	NEXT(c, i);
}
static int h_mov_EI(struct cpu *c, const struct insn *i)
{
	if (wr_E(c, i, i->imm2, i->imm))
		return X_EXC;
	NEXT(c, i);
}
/* MOV m8/m32, imm: the size known at compile time; the slow path out of line */
#define MOV_MI(SZ)                                                                          \
	static __attribute__((noinline)) int mov_mi##SZ##_slow(struct cpu *c,               \
							      const struct insn *i,         \
							      uint32_t a)                   \
	{                                                                                   \
		if (mem_write_slow(c, i->sreg, a, SZ, i->imm))                              \
			return X_EXC;                                                       \
		NEXT(c, i);                                                                 \
	}                                                                                   \
	static int h_mov_mi##SZ(struct cpu *c, const struct insn *i)                        \
	{                                                                                   \
		uint32_t a = ea(c, i);                                                      \
		uint8_t *p = fast_hit(c, i->sreg, a, SZ, ACC_WRITE, SEGF_W);                \
		if (likely(p != NULL)) {                                                    \
			st(p, SZ, i->imm);                                                  \
			NEXT(c, i);                                                         \
		}                                                                           \
		return mov_mi##SZ##_slow(c, i, a);                                          \
	}
MOV_MI(1) MOV_MI(4)
static int h_mov_ri32(struct cpu *c, const struct insn *i)
{
	c->regs[i->rm] = i->imm;
	NEXT(c, i);
}
static int h_mov_moffs(struct cpu *c, const struct insn *i) /* A0-A3 */
{
	unsigned sz = i->imm2;
	uint32_t v;
	if (i->op < 0xA2) {
		if (mem_read(c, i->sreg, i->disp, sz, &v))
			return X_EXC;
		setreg(c, R_EAX, sz, v);
		NEXT(c, i);
	}
	if (mem_write(c, i->sreg, i->disp, sz, getreg(c, R_EAX, sz)))
		return X_EXC;
	NEXT(c, i);
}
static int h_lea(struct cpu *c, const struct insn *i)
{
	if (i->mod3)
		return UD(c);
	setreg(c, i->reg, osz(i), ea(c, i));
	NEXT(c, i);
}
static int h_xchg(struct cpu *c, const struct insn *i)
{
	unsigned sz = i->imm2;
	uint32_t a, b = getreg(c, i->reg, sz);
	struct eop o;
	if (e_begin(c, i, sz, &o, &a))
		return X_EXC;
	if (e_end(c, i, sz, &o, b))
		return X_EXC;
	setreg(c, i->reg, sz, a);
	NEXT(c, i);
}
static int h_movx(struct cpu *c, const struct insn *i) /* 0F B6 B7 BE BF */
{
	unsigned ssz = (i->op & 1) ? 2 : 1;
	uint32_t v;
	if (rd_E(c, i, ssz, &v))
		return X_EXC;
	if (i->op >= 0xBE)
		v = sext(v, ssz);
	setreg(c, i->reg, osz(i), v);
	NEXT(c, i);
}
/* MOVZX r32, m8 (0F B6, 32-bit operand, memory source): a fast-table miss goes to h_movx,
 * which starts over (nothing has happened yet). */
static int h_movzx_rm8(struct cpu *c, const struct insn *i)
{
	uint8_t *p = fast_hit(c, i->sreg, ea(c, i), 1, ACC_READ, SEGF_R);
	if (likely(p != NULL)) {
		c->regs[i->reg] = *p;
		NEXT(c, i);
	}
	return h_movx(c, i);
}
static int h_cmov(struct cpu *c, const struct insn *i)
{
	uint32_t v;
	unsigned sz = osz(i);
	/* the source is read whatever the condition (a fault is taken either way) */
	if (rd_E(c, i, sz, &v))
		return X_EXC;
	if (cond(c->in, i->op & 15))
		setreg(c, i->reg, sz, v);
	NEXT(c, i);
}
static int h_setcc(struct cpu *c, const struct insn *i)
{
	if (wr_E(c, i, 1, cond(c->in, i->op & 15)))
		return X_EXC;
	NEXT(c, i);
}
/* SETcc r8 with a condition the lazy state decides; otherwise h_setcc. */
static int h_setcc_r(struct cpu *c, const struct insn *i)
{
	int t = cond_lazy(c->in, i->op & 15);
	if (unlikely(t < 0))
		return h_setcc(c, i);
	*reg8p(c, i->rm) = (uint8_t)t;
	NEXT(c, i);
}
static int h_bswap(struct cpu *c, const struct insn *i)
{
	unsigned r = i->op & 7;
	if (i->osz16) /* undefined; the host clears the low word */
		c->regs[r] &= 0xffff0000u;
	else
		c->regs[r] = __builtin_bswap32(c->regs[r]);
	NEXT(c, i);
}
static int h_nop(struct cpu *c, const struct insn *i)
{
	(void)c;
	(void)i;
	NEXT(c, i);
}
static int h_xlat(struct cpu *c, const struct insn *i)
{
	uint32_t a = c->regs[R_EBX] + (c->regs[R_EAX] & 0xff), v;
	if (i->asz16)
		a &= 0xffff;
	if (mem_read(c, i->sreg, a, 1, &v))
		return X_EXC;
	setreg(c, R_EAX, 1, v);
	NEXT(c, i);
}

/* ---- stack ---- */
/* The fast half of a 32-bit push: the host address of the new top-of-stack slot *nsp on a
 * flat stack that hits the fast table, else NULL (the caller's slow path). The caller stores
 * the value and sets ESP itself: a value computed only after the lookup costs no register
 * across it on these hottest pushes. */
static inline __attribute__((always_inline)) uint8_t *push32_slot(struct cpu *c, uint32_t *nsp)
{
	*nsp = c->regs[R_ESP] - 4;
	if (likely(c->in->sp_mask == 0xffffffffu))
		return fast_hit(c, SR_SS, *nsp, 4, ACC_WRITE, SEGF_W);
	return NULL;
}
/* The fast half of reading a 32-bit r/m operand: a register, or memory that hits the fast
 * table. False when the caller must take its slow path (nothing has happened then). */
static inline __attribute__((always_inline)) bool rd_E32_fast(struct cpu *c,
							      const struct insn *i, uint32_t *v)
{
	uint8_t *p;
	if (i->mod3)
		*v = c->regs[i->rm];
	else if (likely((p = fast_hit(c, i->sreg, ea(c, i), 4, ACC_READ, SEGF_R)) != NULL))
		*v = ld(p, 4);
	else
		return false;
	return true;
}
static __attribute__((noinline)) int push_r32_slow(struct cpu *c, const struct insn *i)
{
	if (push(c, 4, c->regs[i->rm]))
		return X_EXC;
	NEXT(c, i);
}
static int h_push_r32(struct cpu *c, const struct insn *i)
{
	uint32_t nsp;
	uint8_t *p = push32_slot(c, &nsp);
	if (likely(p != NULL)) {
		st(p, 4, c->regs[i->rm]);
		c->regs[R_ESP] = nsp;
		NEXT(c, i);
	}
	return push_r32_slow(c, i);
}
static __attribute__((noinline)) int pop_r32_slow(struct cpu *c, const struct insn *i)
{
	uint32_t v;
	if (pop(c, 4, &v))
		return X_EXC;
	c->regs[i->rm] = v;
	NEXT(c, i);
}
static int h_pop_r32(struct cpu *c, const struct insn *i)
{
	uint32_t sp = c->regs[R_ESP];
	if (likely(c->in->sp_mask == 0xffffffffu)) {
		uint8_t *p = fast_hit(c, SR_SS, sp, 4, ACC_READ, SEGF_R);
		if (likely(p != NULL)) {
			c->regs[R_ESP] = sp + 4;
			c->regs[i->rm] = ld(p, 4); /* after ESP: POP ESP loads the popped value */
			NEXT(c, i);
		}
	}
	return pop_r32_slow(c, i);
}
static int h_push_r(struct cpu *c, const struct insn *i)
{
	if (push(c, 2, getreg(c, i->rm, 2)))
		return X_EXC;
	NEXT(c, i);
}
static int h_pop_r(struct cpu *c, const struct insn *i)
{
	uint32_t v;
	if (pop(c, 2, &v))
		return X_EXC;
	setreg(c, i->rm, 2, v);
	NEXT(c, i);
}
static int h_push_imm(struct cpu *c, const struct insn *i)
{
	if (push(c, osz(i), i->imm))
		return X_EXC;
	NEXT(c, i);
}
static int h_push_E(struct cpu *c, const struct insn *i)
{
	uint32_t v;
	if (rd_E(c, i, osz(i), &v))
		return X_EXC;
	if (push(c, osz(i), v))
		return X_EXC;
	NEXT(c, i);
}
/* The 32-bit operand-size forms of the hottest stack and indirect-transfer handlers: the same
 * code with the size a constant, so the access helpers fold to one path. */
static __attribute__((noinline)) int push_E32_push(struct cpu *c, const struct insn *i,
						    uint32_t v)
{
	if (push(c, 4, v))
		return X_EXC;
	NEXT(c, i);
}
static __attribute__((noinline)) int push_E32_slow(struct cpu *c, const struct insn *i)
{
	uint32_t v;
	if (rd_E(c, i, 4, &v))
		return X_EXC;
	return push_E32_push(c, i, v);
}
/* Both accesses' fast halves inline, their slow halves out of line: a fast-table miss on
 * the operand redoes the instruction from the start (nothing has happened yet); one on the
 * stack goes on with the operand already read. */
static int h_push_E32(struct cpu *c, const struct insn *i)
{
	uint32_t v, nsp;
	if (unlikely(!rd_E32_fast(c, i, &v)))
		return push_E32_slow(c, i);
	uint8_t *p = push32_slot(c, &nsp);
	if (likely(p != NULL)) {
		st(p, 4, v);
		c->regs[R_ESP] = nsp;
		NEXT(c, i);
	}
	return push_E32_push(c, i, v);
}
/* POP r/m: the address is computed with ESP already incremented (SDM). */
static int h_pop_E(struct cpu *c, const struct insn *i)
{
	unsigned sz = osz(i);
	uint32_t v, old = c->regs[R_ESP];
	if (pop(c, sz, &v))
		return X_EXC;
	if (wr_E(c, i, sz, v)) {
		c->regs[R_ESP] = old;
		return X_EXC;
	}
	NEXT(c, i);
}
static int h_pusha(struct cpu *c, const struct insn *i)
{
	unsigned sz = osz(i);
	uint32_t m = sp_mask(c), sp = c->regs[R_ESP];
	uint8_t buf[32];
	for (int r = 0; r < 8; r++) {
		uint32_t v = r == R_ESP ? sp : c->regs[r];
		memcpy(buf + (7 - r) * sz, &v, sz);
	}
	uint32_t nsp = (sp - 8 * sz) & m;
	if (cpu_mem_write(c, SR_SS, nsp, buf, 8 * sz, &c->in->ex))
		return X_EXC;
	c->regs[R_ESP] = (sp & ~m) | nsp;
	NEXT(c, i);
}
static int h_popa(struct cpu *c, const struct insn *i)
{
	unsigned sz = osz(i);
	uint32_t m = sp_mask(c), sp = c->regs[R_ESP];
	uint8_t buf[32];
	if (cpu_mem_read(c, SR_SS, sp & m, buf, 8 * sz, &c->in->ex))
		return X_EXC;
	for (int r = 0; r < 8; r++) {
		uint32_t v = 0;
		memcpy(&v, buf + (7 - r) * sz, sz);
		if (r != R_ESP)
			setreg(c, r, sz, v);
	}
	c->regs[R_ESP] = (sp & ~m) | ((sp + 8 * sz) & m);
	NEXT(c, i);
}
static int h_enter(struct cpu *c, const struct insn *i)
{
	unsigned sz = osz(i), level = i->imm2 & 31;
	uint32_t m = sp_mask(c), sp = c->regs[R_ESP], bp = c->regs[R_EBP];
	uint32_t fp = (sp - sz) & m;
	uint32_t nsp = (fp - level * sz) & m;
	if (level) {
		/* copy the display: read every source first, then write */
		uint32_t disp[32];
		for (unsigned k = 1; k < level; k++)
			if (mem_read(c, SR_SS, (bp - k * sz) & m, sz, &disp[k]))
				return X_EXC;
		uint8_t buf[33 * 4];
		unsigned n = level + 1;
		/* layout from fp downwards: bp, disp[1..level-1], fp */
		for (unsigned k = 0; k < n; k++) {
			uint32_t v = k == 0 ? bp : k < level ? disp[k] : fp;
			memcpy(buf + (n - 1 - k) * sz, &v, sz);
		}
		if (cpu_mem_write(c, SR_SS, nsp, buf, n * sz, &c->in->ex))
			return X_EXC;
	} else if (mem_write(c, SR_SS, fp, sz, bp))
		return X_EXC;
	uint32_t fsp = (nsp - (i->imm & 0xffff)) & m;
	setreg(c, R_EBP, sz, fp);
	c->regs[R_ESP] = (sp & ~m) | fsp;
	NEXT(c, i);
}
static int h_leave(struct cpu *c, const struct insn *i)
{
	unsigned sz = osz(i);
	uint32_t m = sp_mask(c), v;
	uint32_t sp = c->regs[R_EBP] & m;
	if (mem_read(c, SR_SS, sp, sz, &v))
		return X_EXC;
	c->regs[R_ESP] = (c->regs[R_ESP] & ~m) | ((sp + sz) & m);
	setreg(c, R_EBP, sz, v);
	NEXT(c, i);
}

/* EFLAGS bits that PUSHF shows and POPF may change at CPL 3 (IOPL 0): not IF, IOPL, VM, RF. */
#define EFL_USER_MASK (EFL_ARITH | EFL_TF | EFL_DF | EFL_AC | EFL_ID | (1u << 14))
static int h_pushf(struct cpu *c, const struct insn *i)
{
	uint32_t f = cpu_get_eflags(c) & ~((1u << 16) | (1u << 17)); /* RF, VM read as 0 */
	if (push(c, osz(i), f))
		return X_EXC;
	NEXT(c, i);
}
static int h_popf(struct cpu *c, const struct insn *i)
{
	uint32_t v, f = cpu_get_eflags(c);
	if (pop(c, osz(i), &v))
		return X_EXC;
	uint32_t mask = EFL_USER_MASK;
	if (c->mmu->cpl == 0)
		mask |= EFL_IF | (3u << 12);
	if (i->osz16)
		mask &= 0xffff;
	cpu_set_eflags(c, (f & ~mask) | (v & mask));
	if (unlikely((v & mask & EFL_TF) && !(f & EFL_TF))) {
		/* TF newly set: the block ends so that cpu_run single-steps the next one */
		c->eip = i->eip + i->len;
		return X_JUMP;
	}
	NEXT(c, i);
}
static int h_lahf(struct cpu *c, const struct insn *i)
{
	(void)i;
	setreg(c, 4 /* AH */, 1, (get_flags(c->in) & 0xd5) | 2);
	NEXT(c, i);
}
static int h_sahf(struct cpu *c, const struct insn *i)
{
	(void)i;
	uint32_t f = get_flags(c->in);
	uint32_t ah = (c->regs[R_EAX] >> 8) & 0xd5;
	c->in->eflags = (f & ~0xd5u) | ah;
	NEXT(c, i);
}
static int h_flagop(struct cpu *c, const struct insn *i)
{
	struct cpu_internal *in = c->in;
	switch (i->op) {
	case 0xF5: get_flags(in); in->eflags ^= EFL_CF; break;
	case 0xF8: get_flags(in); in->eflags &= ~EFL_CF; break;
	case 0xF9: get_flags(in); in->eflags |= EFL_CF; break;
	case 0xFC: in->eflags &= ~EFL_DF; break;
	case 0xFD: in->eflags |= EFL_DF; break;
	}
	NEXT(c, i);
}
static int h_salc(struct cpu *c, const struct insn *i)
{
	(void)i;
	setreg(c, R_EAX, 1, get_cf(c->in) ? 0xff : 0);
	NEXT(c, i);
}

/* ---- control transfers ---- */
/* Jcc: the condition from the lazy state inline; the rest (cond_slow) out of line, so the
 * inline path needs no stack frame. i->disp holds the target (computed at decode). */
static __attribute__((noinline)) int jcc_slow(struct cpu *c, const struct insn *i)
{
	if (cond_slow(c->in, i->op & 15)) {
		c->eip = i->disp;
		return X_JUMP;
	}
	return jcc_fallthrough(c, i, X_JUMP);
}
#define JCC(CC)                                                                             \
	static int h_jcc##CC(struct cpu *c, const struct insn *i)                           \
	{                                                                                   \
		int t = cond_lazy(c->in, CC);                                               \
		if (unlikely(t < 0))                                                        \
			return jcc_slow(c, i);                                              \
		if (t) {                                                                    \
			c->eip = i->disp;                                                   \
			return X_JUMP;                                                      \
		}                                                                           \
		return jcc_fallthrough(c, i, X_JUMP);                                       \
	}
JCC(0) JCC(1) JCC(2) JCC(3) JCC(4) JCC(5) JCC(6) JCC(7)
JCC(8) JCC(9) JCC(10) JCC(11) JCC(12) JCC(13) JCC(14) JCC(15)
static const insn_fn jcc_tab[16] = {h_jcc0, h_jcc1, h_jcc2,  h_jcc3,  h_jcc4,  h_jcc5,
				    h_jcc6, h_jcc7, h_jcc8,  h_jcc9,  h_jcc10, h_jcc11,
				    h_jcc12, h_jcc13, h_jcc14, h_jcc15};
static int h_jmp(struct cpu *c, const struct insn *i)
{
	jump_to(c, i, next_eip(c, i) + i->imm);
	return X_JUMP;
}
static int h_call(struct cpu *c, const struct insn *i)
{
	if (push(c, osz(i), next_eip(c, i)))
		return X_EXC;
	jump_to(c, i, next_eip(c, i) + i->imm);
	return X_JUMP;
}
static int h_ret(struct cpu *c, const struct insn *i)
{
	uint32_t v, m = sp_mask(c);
	if (pop(c, osz(i), &v))
		return X_EXC;
	if (i->op == 0xC2)
		c->regs[R_ESP] = (c->regs[R_ESP] & ~m) | ((c->regs[R_ESP] + (i->imm & 0xffff)) & m);
	jump_to(c, i, v);
	return X_JUMP;
}
static __attribute__((noinline)) int ret32_slow(struct cpu *c)
{
	uint32_t v;
	if (pop(c, 4, &v))
		return X_EXC;
	c->eip = v;
	return X_JUMP;
}
static int h_ret32(struct cpu *c, const struct insn *i) /* C3, 32-bit */
{
	uint32_t sp = c->regs[R_ESP];
	(void)i;
	if (likely(c->in->sp_mask == 0xffffffffu)) {
		uint8_t *p = fast_hit(c, SR_SS, sp, 4, ACC_READ, SEGF_R);
		if (likely(p != NULL)) {
			c->eip = ld(p, 4);
			c->regs[R_ESP] = sp + 4;
			return X_JUMP;
		}
	}
	return ret32_slow(c);
}
static int h_jmp_E32(struct cpu *c, const struct insn *i)
{
	uint32_t v;
	if (rd_E(c, i, 4, &v))
		return X_EXC;
	c->eip = v;
	return X_JUMP;
}
static __attribute__((noinline)) int call_E32_push(struct cpu *c, const struct insn *i,
						    uint32_t v)
{
	if (push(c, 4, next_eip(c, i)))
		return X_EXC;
	c->eip = v;
	return X_JUMP;
}
static __attribute__((noinline)) int call_E32_slow(struct cpu *c, const struct insn *i)
{
	uint32_t v;
	if (rd_E(c, i, 4, &v))
		return X_EXC;
	return call_E32_push(c, i, v);
}
/* As h_push_E32: fast halves inline, slow halves out of line. */
static int h_call_E32(struct cpu *c, const struct insn *i)
{
	uint32_t v, nsp;
	if (unlikely(!rd_E32_fast(c, i, &v)))
		return call_E32_slow(c, i);
	uint8_t *p = push32_slot(c, &nsp);
	if (likely(p != NULL)) {
		st(p, 4, next_eip(c, i));
		c->regs[R_ESP] = nsp;
		c->eip = v;
		return X_JUMP;
	}
	return call_E32_push(c, i, v);
}
static int h_jmp_E(struct cpu *c, const struct insn *i)
{
	uint32_t v;
	if (rd_E(c, i, osz(i), &v))
		return X_EXC;
	jump_to(c, i, v);
	return X_JUMP;
}
static int h_call_E(struct cpu *c, const struct insn *i)
{
	uint32_t v;
	if (rd_E(c, i, osz(i), &v))
		return X_EXC;
	if (push(c, osz(i), next_eip(c, i)))
		return X_EXC;
	jump_to(c, i, v);
	return X_JUMP;
}
static int h_loop(struct cpu *c, const struct insn *i)
{
	uint32_t cx = i->asz16 ? c->regs[R_ECX] & 0xffff : c->regs[R_ECX];
	bool take;
	if (i->op == 0xE3)
		take = cx == 0;
	else {
		cx--;
		if (i->asz16)
			setreg(c, R_ECX, 2, cx);
		else
			c->regs[R_ECX] = cx;
		take = cx != 0;
		if (i->op == 0xE1)
			take = take && cond(c->in, 4);
		else if (i->op == 0xE0)
			take = take && cond(c->in, 5);
	}
	if (take) {
		jump_to(c, i, next_eip(c, i) + i->imm);
		return X_JUMP;
	}
	NEXT(c, i);
}

insn_fn select_ctl(struct insn *i, unsigned opc)
{
	unsigned sz = (opc & 1) ? osz(i) : 1;
	if (opc >= 0x88 && opc <= 0x8B) {
		i->imm2 = sz;
		if (sz == 4) {
			bool bd = !i->mod3 && !i->asz16 && i->base != NOREG && i->index == NOREG;
			if (opc == 0x89)
				return i->mod3 ? h_mov_rr32 : bd ? h_mov_mr32_bd : h_mov_mr32;
			if (opc == 0x8B)
				return i->mod3 ? h_mov_rr32b : bd ? h_mov_rm32_bd : h_mov_rm32;
		}
		return opc < 0x8A ? h_mov_EG : h_mov_GE;
	}
	if (opc >= 0x50 && opc <= 0x5F) {
		i->rm = opc & 7;
		if (opc < 0x58)
			return i->osz16 ? h_push_r : h_push_r32;
		return i->osz16 ? h_pop_r : h_pop_r32;
	}
	if (opc >= 0xB0 && opc <= 0xBF) {
		i->rm = opc & 7;
		i->mod3 = 1;
		i->imm2 = opc >= 0xB8 ? osz(i) : 1;
		return opc >= 0xB8 && !i->osz16 ? h_mov_ri32 : h_mov_EI;
	}
	if ((opc >= 0x70 && opc <= 0x7F) || (opc >= 0x180 && opc <= 0x18F)) {
		if (opc < 0x100)
			i->imm = sext(i->imm, 1);
		else if (i->osz16)
			i->imm = sext(i->imm, 2);
		i->jcc = 1;
		i->disp = i->eip + i->len + i->imm; /* the target, as jump_to would make it */
		if (i->osz16)
			i->disp &= 0xffff;
		return jcc_tab[opc & 15];
	}
	if (opc >= 0x140 && opc <= 0x14F)
		return h_cmov;
	if (opc >= 0x190 && opc <= 0x19F)
		return i->mod3 ? h_setcc_r : h_setcc;
	if (opc >= 0x1C8 && opc <= 0x1CF)
		return h_bswap;
	if (opc >= 0x91 && opc <= 0x97) {
		i->mod3 = 1;
		i->rm = opc & 7;
		i->reg = R_EAX;
		i->imm2 = osz(i);
		return h_xchg;
	}
	switch (opc) {
	case 0xC6: case 0xC7:
		if (i->reg != 0)
			return NULL;
		i->imm2 = sz;
		if (!i->mod3 && sz != 2)
			return sz == 1 ? h_mov_mi1 : h_mov_mi4;
		return h_mov_EI;
	case 0xA0: case 0xA1: case 0xA2: case 0xA3:
		i->imm2 = sz;
		return h_mov_moffs;
	case 0x8D:
		return h_lea;
	case 0x86: case 0x87:
		i->imm2 = sz;
		return h_xchg;
	case 0x90:
		return h_nop;
	case 0x1B6: case 0x1B7: case 0x1BE: case 0x1BF:
		return opc == 0x1B6 && !i->osz16 && !i->mod3 ? h_movzx_rm8 : h_movx;
	case 0x118: case 0x119: case 0x11A: case 0x11B: case 0x11C: case 0x11D: case 0x11E:
	case 0x11F:
		return h_nop; /* hint NOPs / PREFETCHh: no architectural effect */
	case 0xD7:
		return h_xlat;
	case 0x68:
		return h_push_imm;
	case 0x6A:
		i->imm = sext(i->imm, 1) & szmask(osz(i));
		return h_push_imm;
	case 0xFF:
		switch (i->reg) {
		case 2: return i->osz16 ? h_call_E : h_call_E32;
		case 4: return i->osz16 ? h_jmp_E : h_jmp_E32;
		case 6: return i->osz16 ? h_push_E : h_push_E32;
		}
		return NULL;
	case 0x8F:
		return i->reg == 0 ? h_pop_E : NULL;
	case 0x60: return h_pusha;
	case 0x61: return h_popa;
	case 0xC8: return h_enter;
	case 0xC9: return h_leave;
	case 0x9C: return h_pushf;
	case 0x9D: return h_popf;
	case 0x9E: return h_sahf;
	case 0x9F: return h_lahf;
	case 0xF5: case 0xF8: case 0xF9: case 0xFC: case 0xFD:
		return h_flagop;
	case 0xD6: return h_salc;
	case 0xEB:
		i->imm = sext(i->imm, 1);
		return h_jmp;
	case 0xE9:
		if (i->osz16)
			i->imm = sext(i->imm, 2);
		return h_jmp;
	case 0xE8:
		if (i->osz16)
			i->imm = sext(i->imm, 2);
		return h_call;
	case 0xC2: case 0xC3:
		return i->op == 0xC3 && !i->osz16 ? h_ret32 : h_ret;
	case 0xE0: case 0xE1: case 0xE2: case 0xE3:
		i->imm = sext(i->imm, 1);
		return h_loop;
	}
	return NULL;
}
