/*
 * MMX, SSE and SSE2 (0F-prefixed opcodes with the 66/F3/F2 mandatory prefixes): the
 * decoding of each form into what it reads and writes, the data moves in C, and everything
 * that computes run on the host's own SIMD unit with the guest's MXCSR (sse_host.c), so
 * results and exception flags are the hardware's. Memory operands go through the MMU like
 * any other instruction's; unmasked MXCSR exceptions are #XM (docs/cpu.md, "SSE and SSE2").
 */
#include "cpu/exec.h"
#include "cpu/sse_host.h"

#include <pthread.h>

/* Operand classes of the ModRM.reg and ModRM.rm operands. */
enum { C_NONE, C_X, C_M, C_G };
/* Mandatory prefixes. */
enum { P_NONE, P_66, P_F3, P_F2 };

enum sse_kind {
	S_UD = 0,
	S_HOST,	       /* computed on the host: reg op= r/m */
	S_LOAD,	       /* reg <- r/m (msz bytes, zero-extended to the register) */
	S_STORE,       /* r/m <- reg (msz bytes; a register destination gets all of reg) */
	S_MOVS_LOAD,   /* MOVSS/MOVSD: a register source merges, memory zero-extends */
	S_MOVS_STORE,  /* MOVSS/MOVSD to r/m: a register destination merges */
	S_MOVLP_LOAD,  /* MOVLPS/MOVLPD from memory; register form MOVHLPS */
	S_MOVHP_LOAD,  /* MOVHPS/MOVHPD from memory; register form MOVLHPS */
	S_MOVHP_STORE, /* MOVHPS/MOVHPD to memory */
	S_MOVQ_STORE,  /* 66 0F D6: a register destination is zero-extended */
	S_MASKMOV,
	S_EMMS,
	S_GRP15,
};

#define F_ALIGN 0x01   /* a 16-byte memory operand must be aligned (#GP(0)) */
#define F_IMM 0x02     /* an imm8 follows */
#define F_FP 0x04      /* may raise SIMD floating-point exceptions */
#define F_CMPFL 0x08   /* COMISS family: writes ZF PF CF, no register */
#define F_REGONLY 0x10 /* a memory operand is #UD */
#define F_MEMONLY 0x20 /* a register operand is #UD */
#define F_GRP 0x40     /* 0F 71-73: ModRM.reg selects the shift, rm is the register */

/* The result elements an underflow can come from (see unmasked_ue). */
enum { E_NONE, E_SS, E_PS, E_SD, E_PD, E_PS2 };

struct sse_op {
	uint8_t kind, r, m, msz, fl, elt;
};

static struct sse_op ops[4][256];
static pthread_once_t ops_once = PTHREAD_ONCE_INIT;

static void set(unsigned p, unsigned op, uint8_t kind, uint8_t r, uint8_t m, uint8_t msz,
		uint8_t fl, uint8_t elt)
{
	ops[p][op] = (struct sse_op){kind, r, m, msz, fl, elt};
}
/* A packed/scalar floating-point family: PS, PD (16 bytes, aligned), SS (4), SD (8). */
static void fp4(unsigned op, uint8_t fl, bool ue)
{
	set(P_NONE, op, S_HOST, C_X, C_X, 16, F_ALIGN | F_FP | fl, ue ? E_PS : E_NONE);
	set(P_66, op, S_HOST, C_X, C_X, 16, F_ALIGN | F_FP | fl, ue ? E_PD : E_NONE);
	set(P_F3, op, S_HOST, C_X, C_X, 4, F_FP | fl, ue ? E_SS : E_NONE);
	set(P_F2, op, S_HOST, C_X, C_X, 8, F_FP | fl, ue ? E_SD : E_NONE);
}
/* An integer SIMD operation: MMX (mm, mm/m64) and SSE2 (xmm, xmm/m128). */
static void simd(unsigned op, uint8_t mmx_msz, uint8_t fl)
{
	set(P_NONE, op, S_HOST, C_M, C_M, mmx_msz, fl, E_NONE);
	set(P_66, op, S_HOST, C_X, C_X, 16, F_ALIGN | fl, E_NONE);
}

static void build_ops(void)
{
	/* moves */
	set(P_NONE, 0x10, S_LOAD, C_X, C_X, 16, 0, 0);	 /* MOVUPS */
	set(P_66, 0x10, S_LOAD, C_X, C_X, 16, 0, 0);	 /* MOVUPD */
	set(P_F3, 0x10, S_MOVS_LOAD, C_X, C_X, 4, 0, 0); /* MOVSS */
	set(P_F2, 0x10, S_MOVS_LOAD, C_X, C_X, 8, 0, 0); /* MOVSD */
	set(P_NONE, 0x11, S_STORE, C_X, C_X, 16, 0, 0);
	set(P_66, 0x11, S_STORE, C_X, C_X, 16, 0, 0);
	set(P_F3, 0x11, S_MOVS_STORE, C_X, C_X, 4, 0, 0);
	set(P_F2, 0x11, S_MOVS_STORE, C_X, C_X, 8, 0, 0);
	set(P_NONE, 0x12, S_MOVLP_LOAD, C_X, C_X, 8, 0, 0); /* MOVLPS, MOVHLPS */
	set(P_66, 0x12, S_MOVLP_LOAD, C_X, C_X, 8, F_MEMONLY, 0);
	set(P_NONE, 0x13, S_STORE, C_X, C_X, 8, F_MEMONLY, 0);
	set(P_66, 0x13, S_STORE, C_X, C_X, 8, F_MEMONLY, 0);
	set(P_NONE, 0x16, S_MOVHP_LOAD, C_X, C_X, 8, 0, 0); /* MOVHPS, MOVLHPS */
	set(P_66, 0x16, S_MOVHP_LOAD, C_X, C_X, 8, F_MEMONLY, 0);
	set(P_NONE, 0x17, S_MOVHP_STORE, C_X, C_X, 8, F_MEMONLY, 0);
	set(P_66, 0x17, S_MOVHP_STORE, C_X, C_X, 8, F_MEMONLY, 0);
	set(P_NONE, 0x28, S_LOAD, C_X, C_X, 16, F_ALIGN, 0); /* MOVAPS */
	set(P_66, 0x28, S_LOAD, C_X, C_X, 16, F_ALIGN, 0);
	set(P_NONE, 0x29, S_STORE, C_X, C_X, 16, F_ALIGN, 0);
	set(P_66, 0x29, S_STORE, C_X, C_X, 16, F_ALIGN, 0);
	set(P_NONE, 0x2B, S_STORE, C_X, C_X, 16, F_ALIGN | F_MEMONLY, 0); /* MOVNTPS */
	set(P_66, 0x2B, S_STORE, C_X, C_X, 16, F_ALIGN | F_MEMONLY, 0);
	set(P_NONE, 0x6E, S_LOAD, C_M, C_G, 4, 0, 0); /* MOVD mm, r/m32 */
	set(P_66, 0x6E, S_LOAD, C_X, C_G, 4, 0, 0);
	set(P_NONE, 0x6F, S_LOAD, C_M, C_M, 8, 0, 0);	   /* MOVQ mm, mm/m64 */
	set(P_66, 0x6F, S_LOAD, C_X, C_X, 16, F_ALIGN, 0); /* MOVDQA */
	set(P_F3, 0x6F, S_LOAD, C_X, C_X, 16, 0, 0);	   /* MOVDQU */
	set(P_NONE, 0x7E, S_STORE, C_M, C_G, 4, 0, 0);	   /* MOVD r/m32, mm */
	set(P_66, 0x7E, S_STORE, C_X, C_G, 4, 0, 0);
	set(P_F3, 0x7E, S_LOAD, C_X, C_X, 8, 0, 0); /* MOVQ xmm, xmm/m64 */
	set(P_NONE, 0x7F, S_STORE, C_M, C_M, 8, 0, 0);
	set(P_66, 0x7F, S_STORE, C_X, C_X, 16, F_ALIGN, 0);
	set(P_F3, 0x7F, S_STORE, C_X, C_X, 16, 0, 0);
	set(P_NONE, 0xC3, S_STORE, C_G, C_G, 4, F_MEMONLY, 0); /* MOVNTI */
	set(P_66, 0xD6, S_MOVQ_STORE, C_X, C_X, 8, 0, 0);
	set(P_F3, 0xD6, S_LOAD, C_X, C_M, 8, F_REGONLY, 0);		/* MOVQ2DQ */
	set(P_F2, 0xD6, S_LOAD, C_M, C_X, 8, F_REGONLY, 0);		/* MOVDQ2Q */
	set(P_NONE, 0xE7, S_STORE, C_M, C_M, 8, F_MEMONLY, 0);		/* MOVNTQ */
	set(P_66, 0xE7, S_STORE, C_X, C_X, 16, F_ALIGN | F_MEMONLY, 0); /* MOVNTDQ */
	set(P_NONE, 0xF7, S_MASKMOV, C_M, C_M, 8, F_REGONLY, 0);
	set(P_66, 0xF7, S_MASKMOV, C_X, C_X, 16, F_REGONLY, 0);
	set(P_NONE, 0x77, S_EMMS, C_NONE, C_NONE, 0, 0, 0);
	set(P_NONE, 0xAE, S_GRP15, C_NONE, C_NONE, 0, 0, 0);

	/* floating point */
	for (unsigned op = 0x14; op <= 0x15; op++) { /* UNPCKLPS/PD, UNPCKHPS/PD */
		set(P_NONE, op, S_HOST, C_X, C_X, 16, F_ALIGN, 0);
		set(P_66, op, S_HOST, C_X, C_X, 16, F_ALIGN, 0);
	}
	set(P_NONE, 0x2A, S_HOST, C_X, C_M, 8, F_FP, 0); /* CVTPI2PS */
	set(P_66, 0x2A, S_HOST, C_X, C_M, 8, F_FP, 0);	 /* CVTPI2PD */
	set(P_F3, 0x2A, S_HOST, C_X, C_G, 4, F_FP, 0);	 /* CVTSI2SS */
	set(P_F2, 0x2A, S_HOST, C_X, C_G, 4, F_FP, 0);	 /* CVTSI2SD */
	for (unsigned op = 0x2C; op <= 0x2D; op++) {	 /* CVT(T)PS2PI ... CVT(T)SD2SI */
		set(P_NONE, op, S_HOST, C_M, C_X, 8, F_FP, 0);
		set(P_66, op, S_HOST, C_M, C_X, 16, F_ALIGN | F_FP, 0);
		set(P_F3, op, S_HOST, C_G, C_X, 4, F_FP, 0);
		set(P_F2, op, S_HOST, C_G, C_X, 8, F_FP, 0);
	}
	for (unsigned op = 0x2E; op <= 0x2F; op++) { /* UCOMISS/D, COMISS/D */
		set(P_NONE, op, S_HOST, C_X, C_X, 4, F_FP | F_CMPFL, 0);
		set(P_66, op, S_HOST, C_X, C_X, 8, F_FP | F_CMPFL, 0);
	}
	set(P_NONE, 0x50, S_HOST, C_G, C_X, 0, F_REGONLY, 0); /* MOVMSKPS */
	set(P_66, 0x50, S_HOST, C_G, C_X, 0, F_REGONLY, 0);
	fp4(0x51, 0, false);			     /* SQRT */
	for (unsigned op = 0x52; op <= 0x53; op++) { /* RSQRT, RCP: PS and SS only */
		set(P_NONE, op, S_HOST, C_X, C_X, 16, F_ALIGN, 0);
		set(P_F3, op, S_HOST, C_X, C_X, 4, 0, 0);
	}
	for (unsigned op = 0x54; op <= 0x57; op++) { /* AND, ANDN, OR, XOR */
		set(P_NONE, op, S_HOST, C_X, C_X, 16, F_ALIGN, 0);
		set(P_66, op, S_HOST, C_X, C_X, 16, F_ALIGN, 0);
	}
	fp4(0x58, 0, true);					      /* ADD */
	fp4(0x59, 0, true);					      /* MUL */
	fp4(0x5C, 0, true);					      /* SUB */
	fp4(0x5D, 0, false);					      /* MIN */
	fp4(0x5E, 0, true);					      /* DIV */
	fp4(0x5F, 0, false);					      /* MAX */
	fp4(0xC2, F_IMM, false);				      /* CMPPS/PD/SS/SD */
	set(P_NONE, 0x5A, S_HOST, C_X, C_X, 8, F_FP, 0);	      /* CVTPS2PD */
	set(P_66, 0x5A, S_HOST, C_X, C_X, 16, F_ALIGN | F_FP, E_PS2); /* CVTPD2PS */
	set(P_F3, 0x5A, S_HOST, C_X, C_X, 4, F_FP, 0);		      /* CVTSS2SD */
	set(P_F2, 0x5A, S_HOST, C_X, C_X, 8, F_FP, E_SS);	      /* CVTSD2SS */
	set(P_NONE, 0x5B, S_HOST, C_X, C_X, 16, F_ALIGN | F_FP, 0);   /* CVTDQ2PS */
	set(P_66, 0x5B, S_HOST, C_X, C_X, 16, F_ALIGN | F_FP, 0);     /* CVTPS2DQ */
	set(P_F3, 0x5B, S_HOST, C_X, C_X, 16, F_ALIGN | F_FP, 0);     /* CVTTPS2DQ */
	set(P_66, 0xE6, S_HOST, C_X, C_X, 16, F_ALIGN | F_FP, 0);     /* CVTTPD2DQ */
	set(P_F3, 0xE6, S_HOST, C_X, C_X, 8, 0, 0);		      /* CVTDQ2PD */
	set(P_F2, 0xE6, S_HOST, C_X, C_X, 16, F_ALIGN | F_FP, 0);     /* CVTPD2DQ */
	set(P_NONE, 0xC6, S_HOST, C_X, C_X, 16, F_ALIGN | F_IMM, 0);  /* SHUFPS */
	set(P_66, 0xC6, S_HOST, C_X, C_X, 16, F_ALIGN | F_IMM, 0);    /* SHUFPD */

	/* integer SIMD */
	for (unsigned op = 0x60; op <= 0x62; op++) /* PUNPCKL*: the MMX forms read 32 bits */
		simd(op, 4, 0);
	for (unsigned op = 0x63; op <= 0x6B; op++)
		simd(op, 8, 0);
	set(P_66, 0x6C, S_HOST, C_X, C_X, 16, F_ALIGN, 0);	   /* PUNPCKLQDQ */
	set(P_66, 0x6D, S_HOST, C_X, C_X, 16, F_ALIGN, 0);	   /* PUNPCKHQDQ */
	set(P_NONE, 0x70, S_HOST, C_M, C_M, 8, F_IMM, 0);	   /* PSHUFW */
	set(P_66, 0x70, S_HOST, C_X, C_X, 16, F_ALIGN | F_IMM, 0); /* PSHUFD */
	set(P_F3, 0x70, S_HOST, C_X, C_X, 16, F_ALIGN | F_IMM, 0); /* PSHUFHW */
	set(P_F2, 0x70, S_HOST, C_X, C_X, 16, F_ALIGN | F_IMM, 0); /* PSHUFLW */
	for (unsigned op = 0x71; op <= 0x73; op++) {
		set(P_NONE, op, S_HOST, C_NONE, C_M, 0, F_GRP | F_IMM | F_REGONLY, 0);
		set(P_66, op, S_HOST, C_NONE, C_X, 0, F_GRP | F_IMM | F_REGONLY, 0);
	}
	for (unsigned op = 0x74; op <= 0x76; op++) /* PCMPEQB/W/D */
		simd(op, 8, 0);
	set(P_NONE, 0xC4, S_HOST, C_M, C_G, 2, F_IMM, 0); /* PINSRW */
	set(P_66, 0xC4, S_HOST, C_X, C_G, 2, F_IMM, 0);
	set(P_NONE, 0xC5, S_HOST, C_G, C_M, 0, F_IMM | F_REGONLY, 0); /* PEXTRW */
	set(P_66, 0xC5, S_HOST, C_G, C_X, 0, F_IMM | F_REGONLY, 0);
	for (unsigned op = 0xD1; op <= 0xFE; op++) {
		if (op == 0xD6 || op == 0xE6 || op == 0xE7 || op == 0xF0 || op == 0xF7 ||
		    op == 0xFF)
			continue;
		if (op == 0xD7) { /* PMOVMSKB */
			set(P_NONE, op, S_HOST, C_G, C_M, 0, F_REGONLY, 0);
			set(P_66, op, S_HOST, C_G, C_X, 0, F_REGONLY, 0);
			continue;
		}
		simd(op, 8, 0);
	}
}

/* The mandatory prefix: F2/F3 (the last one) before 66. */
static unsigned prefix_of(const struct insn *i)
{
	if (i->rep == 0xF3)
		return P_F3;
	if (i->rep == 0xF2)
		return P_F2;
	return i->pfx66 ? P_66 : P_NONE;
}
static const uint8_t prefix_byte[4] = {0, 0x66, 0xF3, 0xF2};

static bool touches_xmm(const struct sse_op *o)
{
	return o->r == C_X || o->m == C_X;
}

/* #UD, #NM and #MF before anything is read: CR0.EM, CR4.OSFXSR for instructions on XMM
 * registers, CR0.TS, and for the MMX registers a pending x87 exception. */
static int state_checks(struct cpu *c, bool xmm, bool mmx)
{
	uint32_t cr0 = c->mmu->regs.cr0;
	if ((cr0 & CR0_EM) || (xmm && !(c->mmu->regs.cr4 & CR4_OSFXSR)))
		return UD(c);
	if (cr0 & CR0_TS)
		return raise(c, X86_NM, false, 0);
	if (mmx && (c->fpu.sw & 0x80))
		return raise(c, X86_MF, false, 0);
	return 0;
}

static uint32_t mxcsr_writable(const struct cpu *c)
{
	return cpu_vendor_is_amd(c->vendor) ? MXCSR_WRITABLE_AMD : MXCSR_WRITABLE_INTEL;
}

/* Must this 16-byte operand be aligned? With AMD's MXCSR.MM only the explicitly aligned
 * moves keep the check. */
static bool align_required(const struct cpu *c, const struct insn *i, const struct sse_op *o,
			   unsigned sz)
{
	if (!(o->fl & F_ALIGN) || sz != 16)
		return false;
	if (!(c->sse.mxcsr & MXCSR_MM))
		return true;
	switch (i->op) {
	case 0x28:
	case 0x29:
	case 0x2B: return true; /* MOVAPS/PD, MOVNTPS/PD */
	case 0x6F:
	case 0x7F:
	case 0xE7: return true; /* MOVDQA, MOVNTDQ */
	}
	return false;
}

static uint32_t lin_of(struct cpu *c, const struct insn *i, uint32_t off)
{
	return c->mmu->seg.sr[i->sreg].d.base + off;
}

/* The r/m memory operand: sz bytes into buf; 16-byte aligned when the form requires it. */
static int rd_mem(struct cpu *c, const struct insn *i, const struct sse_op *o, void *buf,
		  unsigned sz)
{
	uint32_t off = ea(c, i);
	if (align_required(c, i, o, sz) && (lin_of(c, i, off) & 15))
		return GP0(c);
	uint8_t *p = fast_hit(c, i->sreg, off, sz, ACC_READ, SEGF_R);
	if (p) {
		memcpy(buf, p, sz);
		return 0;
	}
	return cpu_mem_read(c, (enum sreg)i->sreg, off, buf, sz, &c->in->ex) ? X_EXC : 0;
}
static int wr_mem(struct cpu *c, const struct insn *i, const struct sse_op *o, const void *buf,
		  unsigned sz)
{
	uint32_t off = ea(c, i);
	if (align_required(c, i, o, sz) && (lin_of(c, i, off) & 15))
		return GP0(c);
	uint8_t *p = fast_hit(c, i->sreg, off, sz, ACC_WRITE, SEGF_W);
	if (p) {
		memcpy(p, buf, sz);
		return 0;
	}
	return cpu_mem_write(c, (enum sreg)i->sreg, off, buf, sz, &c->in->ex) ? X_EXC : 0;
}

/* Register operands as bytes (an MMX register is the x87 register's significand; the caller
 * has run x87_mmx_enter, so it is current). */
static void get_reg(struct cpu *c, unsigned cls, unsigned n, uint8_t *buf)
{
	switch (cls) {
	case C_X: memcpy(buf, c->sse.xmm[n].b, 16); break;
	case C_M: memcpy(buf, &c->fpu.r[n].mant, 8); break;
	case C_G: memcpy(buf, &c->regs[n], 4); break;
	}
}
static void put_reg(struct cpu *c, unsigned cls, unsigned n, const uint8_t *buf)
{
	switch (cls) {
	case C_X: memcpy(c->sse.xmm[n].b, buf, 16); break;
	case C_M:
		memcpy(&c->fpu.r[n].mant, buf, 8);
		c->fpu.r[n].sexp = 0xffff; /* an MMX write sets the exponent and sign bits */
		break;
	case C_G: memcpy(&c->regs[n], buf, 4); break;
	}
}

static bool uses_mmx(const struct insn *i, const struct sse_op *o)
{
	return o->r == C_M || (o->m == C_M && i->mod3);
}

/* Common entry: the state checks. */
static int enter(struct cpu *c, const struct insn *i, const struct sse_op *o)
{
	if (((o->fl & F_REGONLY) && !i->mod3) || ((o->fl & F_MEMONLY) && i->mod3))
		return UD(c);
	bool mmx = uses_mmx(i, o);
	int r = state_checks(c, touches_xmm(o), mmx);
	if (r)
		return r;
	if (mmx)
		x87_writeback(&c->fpu); /* the MMX registers' values into c->fpu.r */
	return 0;
}
/* A completed instruction on MMX registers moves the x87 to MMX mode (TOP 0, all valid);
 * a fault before that leaves the x87 state untouched. */
#define FINISH(c, i, o)                                                                            \
	do {                                                                                       \
		if (uses_mmx(i, o))                                                                \
			x87_mmx_enter(&(c)->fpu, false);                                           \
		NEXT(c, i);                                                                        \
	} while (0)

/* ---- computed on the host ---- */
static bool is_denormal32(uint32_t v)
{
	return (v & 0x7f800000u) == 0 && (v & 0x007fffffu) != 0;
}
static bool is_denormal64(uint64_t v)
{
	return (v & 0x7ff0000000000000ull) == 0 && (v & 0x000fffffffffffffull) != 0;
}
/*
 * With underflow unmasked, the processor signals underflow for any tiny result, exact or
 * not (masked, only when it is also inexact: that is the flag the host gave). The host ran
 * with FZ off in that case, so a tiny result shows as a denormal.
 */
static bool tiny_result(const uint8_t *d, unsigned elt)
{
	static const uint8_t n32[] = {[E_SS] = 1, [E_PS] = 4, [E_PS2] = 2};
	static const uint8_t n64[] = {[E_SD] = 1, [E_PD] = 2};
	for (unsigned k = 0; elt < sizeof(n32) && k < n32[elt]; k++) {
		uint32_t v;
		memcpy(&v, d + 4 * k, 4);
		if (is_denormal32(v))
			return true;
	}
	for (unsigned k = 0; elt < sizeof(n64) && k < n64[elt]; k++) {
		uint64_t v;
		memcpy(&v, d + 8 * k, 8);
		if (is_denormal64(v))
			return true;
	}
	return false;
}

/*
 * With overflow or underflow unmasked, no result is delivered, and the precision flag
 * follows each element: one that overflowed or is tiny raises it when its exact result
 * has more significant bits than the format (rounding it with an unbounded exponent is
 * inexact), the others as usual (as an AMD EPYC shows). The host's flags merge the elements
 * and reflect the delivered (saturated or denormalized) results, so each element is run
 * again alone as the scalar form of the instruction, and an overflowed or tiny one once more
 * on operands scaled by powers of two into the normal range (exact scalings, which keep the
 * exactness of the result).
 */
struct fp_fmt {
	unsigned mbits, bias;
	uint64_t emask, sign;
};
static const struct fp_fmt fmt32 = {23, 127, 0x7f800000u, 0x80000000u};
static const struct fp_fmt fmt64 = {52, 1023, 0x7ff0000000000000ull, 1ull << 63};

/* v = sign * 1.m * 2^(*e - bias) with the significand normalized (a subnormal shifted up);
 * false for zero, infinities and NaNs */
static bool split(uint64_t v, const struct fp_fmt *f, int *e, uint64_t *m)
{
	uint64_t mm = v & ((1ull << f->mbits) - 1);
	int ee = (int)((v & f->emask) >> f->mbits);
	if (ee == (int)(f->emask >> f->mbits))
		return false;
	if (ee == 0) {
		if (!mm)
			return false;
		ee = 1;
		while (!(mm >> f->mbits)) {
			mm <<= 1;
			ee--;
		}
		mm &= (1ull << f->mbits) - 1;
	}
	*e = ee;
	*m = mm;
	return true;
}
/* v scaled by 2^-shift, exactly when the result is normal; zero when it would fall below */
static uint64_t scaled(uint64_t v, int shift, const struct fp_fmt *f)
{
	int e;
	uint64_t m;
	if (!split(v, f, &e, &m))
		return v;
	e -= shift;
	if (e < 1)
		return v & f->sign;
	return (v & f->sign) | (uint64_t)e << f->mbits | m;
}

/* PE of one element of a scalar operation whose exact result is out of the normal range. */
static uint32_t unbounded_inexact(uint8_t pfx, uint8_t op, uint64_t a, uint64_t b, uint32_t mxcsr)
{
	const struct fp_fmt *f = pfx == 0xF3 ? &fmt32 : &fmt64;
	unsigned w = pfx == 0xF3 ? 4 : 8;
	int ea = 0, eb = 0;
	uint64_t ma = 0, mb = 0;
	bool na = split(a, f, &ea, &ma), nb = split(b, f, &eb, &mb);
	if (op == 0x5A) /* CVTSD2SS: the double's significand bits below a single's */
		return nb && (mb & ((1ull << 29) - 1)) ? MXCSR_PE : 0;
	if (op == 0x59 || op == 0x5E) { /* MUL, DIV: each significand alone */
		if (na)
			a = scaled(a, ea - (int)f->bias, f);
		if (nb)
			b = scaled(b, eb - (int)f->bias, f);
	} else { /* ADD, SUB: both alike, the larger to exponent 0 */
		int k = na && (!nb || ea >= eb) ? ea : eb;
		a = scaled(a, k - (int)f->bias, f);
		b = scaled(b, k - (int)f->bias, f);
	}
	struct sse_io io;
	memset(&io, 0, sizeof(io));
	memcpy(io.d, &a, w);
	memcpy(io.s, &b, w);
	io.mxcsr = mxcsr;
	if (sse_host_run(&io, pfx, op, 0xC1, false, 0, SSE_HOST_XMM))
		return 0;
	return io.mxcsr & MXCSR_PE;
}

static uint32_t precision_unmasked(const struct sse_op *o, uint8_t op, const uint8_t *d,
				   const uint8_t *s, uint32_t mxcsr, uint32_t unmasked)
{
	unsigned lanes, w, rw = 0;
	uint8_t pfx;
	switch (o->elt) {
	case E_PS: lanes = 4, w = 4, pfx = 0xF3; break;
	case E_SS: lanes = 1, w = 4, pfx = 0xF3; break;
	case E_PD: lanes = 2, w = 8, pfx = 0xF2; break;
	case E_SD: lanes = 1, w = 8, pfx = 0xF2; break;
	case E_PS2: lanes = 2, w = 8, pfx = 0xF2, rw = 4; break; /* CVTPD2PS per double */
	default: return 0;
	}
	if (op == 0x5A && o->elt == E_SS)
		w = 8, pfx = 0xF2, rw = 4; /* CVTSD2SS: a double source, a single result */
	if (!rw)
		rw = w;
	uint32_t pe = 0;
	for (unsigned k = 0; k < lanes; k++) {
		struct sse_io io;
		memset(&io, 0, sizeof(io));
		memcpy(io.d, d + k * w, w);
		memcpy(io.s, s + k * w, w);
		io.mxcsr = mxcsr;
		if (sse_host_run(&io, pfx, op, 0xC1, false, 0, SSE_HOST_XMM))
			return 0;
		uint32_t fl = io.mxcsr;
		uint64_t r = 0;
		memcpy(&r, io.d, rw);
		bool denormal = rw == 4 ? is_denormal32((uint32_t)r) : is_denormal64(r);
		bool out_of_range = ((fl & MXCSR_OE) && (unmasked & MXCSR_OE)) ||
				    ((unmasked & MXCSR_UE) && ((fl & MXCSR_UE) || denormal));
		if (!out_of_range) {
			pe |= fl & MXCSR_PE;
			continue;
		}
		uint64_t a = 0, b = 0;
		memcpy(&a, d + k * w, w);
		memcpy(&b, s + k * w, w);
		pe |= unbounded_inexact(pfx, op, a, b, mxcsr);
	}
	return pe;
}

static int h_host(struct cpu *c, const struct insn *i)
{
	const struct sse_op *o = &ops[i->imm2][i->op];
	int r = enter(c, i, o);
	if (r)
		return r;
	struct sse_io io;
	memset(&io, 0, sizeof(io));
	unsigned dreg = (o->fl & F_GRP) ? i->rm : i->reg;
	unsigned dcls = (o->fl & F_GRP) ? o->m : o->r;
	if (dcls == C_X || dcls == C_M)
		get_reg(c, dcls, dreg, io.d);
	if (!(o->fl & F_GRP)) {
		if (i->mod3) {
			if (o->m == C_G)
				io.gpr = c->regs[i->rm];
			else
				get_reg(c, o->m, i->rm, io.s);
		} else if (o->m == C_G) {
			uint8_t b[4] = {0};
			if (rd_mem(c, i, o, b, o->msz))
				return X_EXC;
			memcpy(&io.gpr, b, 4);
		} else if (rd_mem(c, i, o, io.s, o->msz)) {
			return X_EXC;
		}
	}
	uint32_t g = c->sse.mxcsr;
	/* bits 16 and up (AMD's MM) never reach the host: an Intel host would #GP on them */
	io.mxcsr = (g & 0xffffu & ~MXCSR_FLAGS) | MXCSR_MASKS;
	if (!(g & MXCSR_UM))
		io.mxcsr &= ~MXCSR_FZ; /* FZ applies only to masked underflow */
	enum sse_host_regs hr = dcls == C_M   ? SSE_HOST_MM_OUT
				: o->m == C_M ? SSE_HOST_MM_IN
					      : SSE_HOST_XMM;
	uint8_t modrm = (o->fl & F_GRP) ? (uint8_t)(0xC0 | i->reg << 3) : 0xC1;
	if (hr != SSE_HOST_XMM)
		x87_writeback(&c->fpu); /* the thunk uses the host's MMX registers */
	uint8_t d0[16];
	uint32_t run_mxcsr = io.mxcsr;
	memcpy(d0, io.d, 16);
	if (sse_host_run(&io, prefix_byte[i->imm2], i->op, modrm, o->fl & F_IMM, (uint8_t)i->imm,
			 hr))
		return UD(c); /* the host cannot run generated code: no SSE */
	uint32_t raised = io.mxcsr & MXCSR_FLAGS;
	if (o->fl & F_FP) {
		uint32_t unmasked = ~(g >> 7) & MXCSR_FLAGS;
		if ((unmasked & MXCSR_UE) && o->elt && tiny_result(io.d, o->elt))
			raised |= MXCSR_UE;
		uint32_t pre = raised & (MXCSR_IE | MXCSR_DE | MXCSR_ZE);
		uint32_t post = raised & (MXCSR_OE | MXCSR_UE);
		/* an unmasked exception on the inputs stops before the result is rounded: only
		 * those flags; an unmasked overflow or underflow: precision as computed without
		 * exponent bounds (precision_unmasked); otherwise every flag detected */
		uint32_t report = 0;
		if (pre & unmasked)
			report = pre;
		else if (post & unmasked)
			report = pre | post |
				 precision_unmasked(o, i->op, d0, io.s, run_mxcsr, unmasked);
		else if (raised & unmasked)
			report = raised;
		if (report) {
			c->sse.mxcsr |= report;
			if (uses_mmx(i, o)) /* CVT*PS2PI/CVT*PD2PI: MMX mode before the #XM */
				x87_mmx_enter(&c->fpu, false);
			if (!(c->mmu->regs.cr4 & CR4_OSXMMEXCPT))
				return UD(c);
			return raise(c, X86_XM, false, 0);
		}
	}
	c->sse.mxcsr |= raised;
	if (o->fl & F_CMPFL) {
		uint32_t f = (uint32_t)io.rflags & (EFL_ZF | EFL_PF | EFL_CF);
		set_arith(c->in, f); /* OF SF AF cleared */
	} else if (dcls == C_G) {
		c->regs[i->reg] = io.gpr;
	} else {
		put_reg(c, dcls, dreg, io.d);
	}
	FINISH(c, i, o);
}

/* ---- moves ---- */
static int h_load(struct cpu *c, const struct insn *i) /* reg <- r/m */
{
	const struct sse_op *o = &ops[i->imm2][i->op];
	int r = enter(c, i, o);
	if (r)
		return r;
	uint8_t b[16] = {0};
	if (i->mod3) {
		uint8_t t[16];
		get_reg(c, o->m, i->rm, t);
		memcpy(b, t, o->msz);
	} else if (rd_mem(c, i, o, b, o->msz)) {
		return X_EXC;
	}
	put_reg(c, o->r, i->reg, b);
	FINISH(c, i, o);
}
static int h_store(struct cpu *c, const struct insn *i) /* r/m <- reg */
{
	const struct sse_op *o = &ops[i->imm2][i->op];
	int r = enter(c, i, o);
	if (r)
		return r;
	uint8_t b[16] = {0};
	get_reg(c, o->r, i->reg, b);
	if (i->mod3) {
		uint8_t t[16] = {0};
		memcpy(t, b, o->msz);
		put_reg(c, o->m, i->rm, t);
	} else if (wr_mem(c, i, o, b, o->msz)) {
		return X_EXC;
	}
	FINISH(c, i, o);
}
static int h_movs_load(struct cpu *c, const struct insn *i) /* MOVSS/MOVSD xmm, xmm/m */
{
	const struct sse_op *o = &ops[i->imm2][i->op];
	int r = enter(c, i, o);
	if (r)
		return r;
	union xmm_reg *d = &c->sse.xmm[i->reg];
	if (i->mod3) {
		memcpy(d->b, c->sse.xmm[i->rm].b, o->msz);
		FINISH(c, i, o);
	}
	uint8_t b[16] = {0};
	if (rd_mem(c, i, o, b, o->msz))
		return X_EXC;
	memcpy(d->b, b, 16);
	FINISH(c, i, o);
}
static int h_movs_store(struct cpu *c, const struct insn *i) /* MOVSS/MOVSD xmm/m, xmm */
{
	const struct sse_op *o = &ops[i->imm2][i->op];
	int r = enter(c, i, o);
	if (r)
		return r;
	const union xmm_reg *s = &c->sse.xmm[i->reg];
	if (i->mod3) {
		memcpy(c->sse.xmm[i->rm].b, s->b, o->msz);
		FINISH(c, i, o);
	}
	if (wr_mem(c, i, o, s->b, o->msz))
		return X_EXC;
	FINISH(c, i, o);
}
/* MOVLPS/MOVLPD (half 0), MOVHPS/MOVHPD (half 1): 8 bytes into that half of reg; the
 * register forms (MOVHLPS, MOVLHPS) take rm's other half. */
static int movp_load(struct cpu *c, const struct insn *i, unsigned half)
{
	const struct sse_op *o = &ops[i->imm2][i->op];
	int r = enter(c, i, o);
	if (r)
		return r;
	union xmm_reg *d = &c->sse.xmm[i->reg];
	uint64_t v;
	if (i->mod3)
		v = c->sse.xmm[i->rm].q[half ^ 1];
	else if (rd_mem(c, i, o, &v, 8))
		return X_EXC;
	d->q[half] = v;
	FINISH(c, i, o);
}
static int h_movlp_load(struct cpu *c, const struct insn *i)
{
	return movp_load(c, i, 0);
}
static int h_movhp_load(struct cpu *c, const struct insn *i)
{
	return movp_load(c, i, 1);
}
static int h_movhp_store(struct cpu *c, const struct insn *i)
{
	const struct sse_op *o = &ops[i->imm2][i->op];
	int r = enter(c, i, o);
	if (r)
		return r;
	if (wr_mem(c, i, o, &c->sse.xmm[i->reg].q[1], 8))
		return X_EXC;
	FINISH(c, i, o);
}
static int h_movq_store(struct cpu *c, const struct insn *i) /* 66 0F D6 */
{
	const struct sse_op *o = &ops[i->imm2][i->op];
	int r = enter(c, i, o);
	if (r)
		return r;
	uint64_t v = c->sse.xmm[i->reg].q[0];
	if (i->mod3) {
		c->sse.xmm[i->rm].q[0] = v;
		c->sse.xmm[i->rm].q[1] = 0;
		FINISH(c, i, o);
	}
	if (wr_mem(c, i, o, &v, 8))
		return X_EXC;
	FINISH(c, i, o);
}
/*
 * MASKMOVQ/MASKMOVDQU: the bytes of reg whose mask byte (rm) has its top bit set go to
 * DS:EDI (segment override allowed). The whole 8 or 16 bytes are translated for writing
 * first, whatever the mask (an AMD EPYC faults on them even with a clear mask, which the
 * SDM allows), so a fault leaves memory unchanged; unselected bytes keep their values. The
 * MMX form enters MMX mode before the access, as that processor does.
 */
static int h_maskmov(struct cpu *c, const struct insn *i)
{
	const struct sse_op *o = &ops[i->imm2][i->op];
	int r = enter(c, i, o);
	if (r)
		return r;
	uint8_t v[16], m[16];
	get_reg(c, o->r, i->reg, v);
	get_reg(c, o->m, i->rm, m);
	if (uses_mmx(i, o))
		x87_mmx_enter(&c->fpu, false);
	uint32_t base = i->asz16 ? c->regs[R_EDI] & 0xffff : c->regs[R_EDI];
	unsigned sr = i->ovr ? i->sreg : SR_DS;
	uint8_t *p;
	if (mem_rmw_ptr(c, sr, base, o->msz, &p))
		return X_EXC;
	if (!p) { /* not RAM: the selected bytes one by one */
		for (unsigned k = 0; k < o->msz; k++)
			if ((m[k] & 0x80) &&
			    cpu_mem_write(c, (enum sreg)sr, base + k, &v[k], 1, &c->in->ex))
				return X_EXC;
		NEXT(c, i);
	}
	for (unsigned k = 0; k < o->msz; k++)
		if (m[k] & 0x80)
			p[k] = v[k];
	rmw_commit(c, p);
	NEXT(c, i);
}
static int h_emms(struct cpu *c, const struct insn *i)
{
	int r = state_checks(c, false, true);
	if (r)
		return r;
	x87_mmx_enter(&c->fpu, true);
	NEXT(c, i);
}

/* ---- 0F AE: FXSAVE, FXRSTOR, LDMXCSR, STMXCSR, the fences, CLFLUSH ---- */
static int fx_checks(struct cpu *c, const struct insn *i, uint32_t *off)
{
	uint32_t cr0 = c->mmu->regs.cr0;
	if (cr0 & CR0_EM)
		return UD(c);
	if (cr0 & CR0_TS)
		return raise(c, X86_NM, false, 0);
	*off = ea(c, i);
	if (lin_of(c, i, *off) & 15)
		return GP0(c);
	return 0;
}

void cpu_fxsave_image(struct cpu *c, uint8_t fx[512])
{
	x87_fxsave_image(&c->fpu, fx);
	memcpy(fx + 24, &c->sse.mxcsr, 4);
	uint32_t mask = mxcsr_writable(c);
	memcpy(fx + 28, &mask, 4);
	for (unsigned k = 0; k < 8; k++)
		memcpy(fx + 160 + 16 * k, c->sse.xmm[k].b, 16);
}

int cpu_fxrstor_image(struct cpu *c, const uint8_t fx[512], bool sanitize)
{
	uint32_t mxcsr;
	memcpy(&mxcsr, fx + 24, 4);
	if (mxcsr & ~mxcsr_writable(c)) {
		if (!sanitize)
			return -1;
		mxcsr &= mxcsr_writable(c);
	}
	x87_fxrstor_image(&c->fpu, fx);
	c->sse.mxcsr = mxcsr;
	for (unsigned k = 0; k < 8; k++)
		memcpy(c->sse.xmm[k].b, fx + 160 + 16 * k, 16);
	return 0;
}

static int h_fxsave(struct cpu *c, const struct insn *i)
{
	uint32_t off;
	int r = fx_checks(c, i, &off);
	if (r)
		return r;
	/* bytes 288-511 (reserved, and 464-511 for software) are not written */
	uint8_t img[512];
	cpu_fxsave_image(c, img);
	if (cpu_mem_write(c, (enum sreg)i->sreg, off, img, 288, &c->in->ex))
		return X_EXC;
	NEXT(c, i);
}
static int h_fxrstor(struct cpu *c, const struct insn *i)
{
	uint32_t off;
	int r = fx_checks(c, i, &off);
	if (r)
		return r;
	uint8_t img[512];
	if (cpu_mem_read(c, (enum sreg)i->sreg, off, img, 288, &c->in->ex))
		return X_EXC;
	if (cpu_fxrstor_image(c, img, false))
		return GP0(c);
	NEXT(c, i);
}
static int h_ldst_mxcsr(struct cpu *c, const struct insn *i)
{
	int r = state_checks(c, true, false);
	if (r)
		return r;
	uint32_t v;
	if (i->reg == 3) { /* STMXCSR */
		if (mem_write(c, i->sreg, ea(c, i), 4, c->sse.mxcsr))
			return X_EXC;
		NEXT(c, i);
	}
	if (mem_read(c, i->sreg, ea(c, i), 4, &v))
		return X_EXC;
	if (v & ~mxcsr_writable(c))
		return GP0(c);
	c->sse.mxcsr = v;
	NEXT(c, i);
}
static int h_fence(struct cpu *c, const struct insn *i)
{
	NEXT(c, i); /* one processor, in-order memory: nothing to order */
}
static int h_clflush(struct cpu *c, const struct insn *i)
{
	/* no caches are modelled; the line's address is checked like a byte read */
	uint32_t v;
	if (mem_read(c, i->sreg, ea(c, i), 1, &v))
		return X_EXC;
	NEXT(c, i);
}

/* ---- selection ---- */
static bool grp_ok(unsigned pfx, unsigned op, unsigned reg)
{
	switch (op) {
	case 0x71:
	case 0x72: return reg == 2 || reg == 4 || reg == 6;
	default: return reg == 2 || reg == 6 || (pfx == P_66 && (reg == 3 || reg == 7));
	}
}

insn_fn select_sse(struct insn *i, unsigned opc)
{
	if (opc < 0x100)
		return NULL;
	pthread_once(&ops_once, build_ops);
	unsigned pfx = prefix_of(i), op = opc & 0xff;
	const struct sse_op *o = &ops[pfx][op];
	i->imm2 = pfx;
	switch (o->kind) {
	case S_HOST:
		if ((o->fl & F_GRP) && !grp_ok(pfx, op, i->reg))
			return NULL;
		return h_host;
	case S_LOAD: return h_load;
	case S_STORE: return h_store;
	case S_MOVS_LOAD: return h_movs_load;
	case S_MOVS_STORE: return h_movs_store;
	case S_MOVLP_LOAD: return h_movlp_load;
	case S_MOVHP_LOAD: return h_movhp_load;
	case S_MOVHP_STORE: return h_movhp_store;
	case S_MOVQ_STORE: return h_movq_store;
	case S_MASKMOV: return h_maskmov;
	case S_EMMS: return h_emms;
	case S_GRP15:
		if (i->mod3)
			return i->reg >= 5 ? h_fence : NULL;
		switch (i->reg) {
		case 0: return h_fxsave;
		case 1: return h_fxrstor;
		case 2:
		case 3: return h_ldst_mxcsr;
		case 7: return h_clflush;
		}
		return NULL;
	}
	return NULL;
}

void sse_init(struct sse_state *s)
{
	memset(s, 0, sizeof(*s));
	s->mxcsr = MXCSR_DEFAULT;
}
