/*
 * The x87 FPU: decoding of D8-DF into what each form does with memory, the control
 * instructions (environment, control and status words) in software, and everything that
 * computes on the host's x87 (x87_host.c), so results are those of real hardware.
 */
#include "cpu/x87.h"

#include <string.h>

#include "cpu/cpu.h"
#include "cpu/x87_host.h"

#define SW_IE 0x0001
#define SW_DE 0x0002
#define SW_ZE 0x0004
#define SW_OE 0x0008
#define SW_UE 0x0010
#define SW_PE 0x0020
#define SW_SF 0x0040
#define SW_ES 0x0080
#define SW_B 0x8000
#define SW_TOP_SHIFT 11
#define SW_EXC_MASK 0x003f

enum x87_kind {
	K_UD,	 /* #UD */
	K_REG,	 /* register form computed on the host */
	K_LOAD,	 /* reads a memory operand, then computes on the host */
	K_STORE, /* computes on the host, then writes a memory operand */
	K_FLDENV,
	K_FLDCW,
	K_FNSTENV,
	K_FNSTCW,
	K_FRSTOR,
	K_FNSAVE,
	K_FNSTSW_M,
	K_FNSTSW_AX,
	K_FNCLEX,
	K_FNINIT,
	K_FNOP_NW, /* FNENI/FNDISI/FNSETPM: ignored since the 80387, and non-waiting */
};

struct x87_form {
	enum x87_kind kind;
	unsigned size;	/* memory operand bytes for K_LOAD/K_STORE */
	bool flags_out; /* FCOMI/FUCOMI family: writes ZF PF CF (and clears OF SF AF) */
	bool flags_in;	/* FCMOVcc: reads CF ZF PF */
};

static struct x87_form mem_form(uint8_t op, unsigned reg)
{
	static const unsigned arith_size[8] = {4, 0, 4, 0, 8, 0, 2, 0};
	struct x87_form f = {K_UD, 0, false, false};
	switch (op) {
	case 0xd8:
	case 0xda:
	case 0xdc:
	case 0xde:
		f.kind = K_LOAD;
		f.size = arith_size[op - 0xd8];
		return f;
	case 0xd9: {
		static const enum x87_kind k[8] = {K_LOAD,   K_UD,    K_STORE,	 K_STORE,
						   K_FLDENV, K_FLDCW, K_FNSTENV, K_FNSTCW};
		f.kind = k[reg];
		f.size = 4;
		return f;
	}
	case 0xdb: {
		/* /1 is FISTTP (SSE3): not on the i686 vmlab models. */
		static const enum x87_kind k[8] = {K_LOAD, K_UD,   K_STORE, K_STORE,
						   K_UD,   K_LOAD, K_UD,    K_STORE};
		f.kind = k[reg];
		f.size = reg >= 4 ? 10 : 4;
		return f;
	}
	case 0xdd: {
		static const enum x87_kind k[8] = {K_LOAD,   K_UD, K_STORE,  K_STORE,
						   K_FRSTOR, K_UD, K_FNSAVE, K_FNSTSW_M};
		f.kind = k[reg];
		f.size = 8;
		return f;
	}
	default: { /* 0xdf */
		static const enum x87_kind k[8] = {K_LOAD, K_UD,   K_STORE, K_STORE,
						   K_LOAD, K_LOAD, K_STORE, K_STORE};
		static const unsigned sz[8] = {2, 0, 2, 2, 10, 8, 10, 8};
		f.kind = k[reg];
		f.size = sz[reg];
		return f;
	}
	}
}

/* Register forms, including the aliases real processors execute (FSTP1, FXCH4, FCOMP5...). */
static struct x87_form reg_form(uint8_t op, uint8_t modrm)
{
	struct x87_form f = {K_REG, 0, false, false};
	switch (op) {
	case 0xd8:
	case 0xdc: return f;
	case 0xd9:
		if ((modrm >= 0xd1 && modrm <= 0xd7) || modrm == 0xe2 || modrm == 0xe3 ||
		    modrm == 0xe6 || modrm == 0xe7 || modrm == 0xef)
			f.kind = K_UD;
		return f;
	case 0xda:
		if (modrm >= 0xe0 && modrm != 0xe9)
			f.kind = K_UD;
		f.flags_in = modrm < 0xe0; /* FCMOVB/E/BE/U */
		return f;
	case 0xdb:
		if (modrm < 0xe0) {
			f.flags_in = true; /* FCMOVNB/NE/NBE/NU */
			return f;
		}
		if (modrm >= 0xe8 && modrm <= 0xf7) {
			f.flags_out = true; /* FUCOMI, FCOMI */
			return f;
		}
		switch (modrm) {
		case 0xe0:
		case 0xe1:
		case 0xe4: f.kind = K_FNOP_NW; break;
		case 0xe2: f.kind = K_FNCLEX; break;
		case 0xe3: f.kind = K_FNINIT; break;
		default: f.kind = K_UD; break;
		}
		return f;
	case 0xdd:
		if (modrm >= 0xf0)
			f.kind = K_UD;
		return f;
	case 0xde:
		if (modrm >= 0xd8 && modrm <= 0xdf && modrm != 0xd9)
			f.kind = K_UD;
		return f;
	default: /* 0xdf */
		if (modrm < 0xe0)
			return f; /* FFREEP, FXCH7, FSTP8, FSTP9 */
		if (modrm == 0xe0)
			f.kind = K_FNSTSW_AX;
		else if (modrm >= 0xe8 && modrm <= 0xf7)
			f.flags_out = true; /* FUCOMIP, FCOMIP */
		else
			f.kind = K_UD;
		return f;
	}
}

static inline unsigned x87_top(const struct x87_state *f)
{
	return (f->sw >> SW_TOP_SHIFT) & 7;
}

/* The tag hardware computes for a non-empty register: 00 valid, 01 zero, 10 special. */
static unsigned tag_of(const struct x87_reg *r)
{
	unsigned exp = r->sexp & 0x7fff;
	if (exp == 0x7fff)
		return 2;
	if (exp == 0)
		return r->mant == 0 ? 1 : 2;
	return (r->mant >> 63) ? 0 : 2; /* an unnormal is special */
}

/* FLDENV/FRSTOR keep only empty/non-empty from the image and reclassify the rest. */
static void retag(struct x87_state *f)
{
	uint16_t tw = 0;
	for (unsigned i = 0; i < 8; i++) {
		unsigned t = (f->tw >> (2 * i)) & 3;
		if (t != 3)
			t = tag_of(&f->r[i]);
		tw |= (uint16_t)(t << (2 * i));
	}
	f->tw = tw;
}

static bool unmasked_pending(const struct x87_state *f)
{
	return (f->sw & ~f->cw & SW_EXC_MASK) != 0;
}

/* ES and B follow the exception flags and the masks, as FNSTSW shows them after a load. */
static void update_es(struct x87_state *f)
{
	if (unmasked_pending(f))
		f->sw |= SW_ES | SW_B;
	else
		f->sw &= (uint16_t) ~(SW_ES | SW_B);
}

void x87_init(struct x87_state *f)
{
	memset(f, 0, sizeof(*f));
	f->cw = 0x037f;
	f->sw = 0;
	f->tw = 0xffff;
}

/* FNINIT (and the end of FNSAVE): the registers keep their contents, only tagged empty. */
static void fninit(struct x87_state *f)
{
	struct x87_reg r[8];
	memcpy(r, f->r, sizeof(r));
	x87_init(f);
	memcpy(f->r, r, sizeof(r));
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get32(const uint8_t *p)
{
	return get16(p) | ((uint32_t)get16(p + 2) << 16);
}

/*
 * The environment as FNSTENV writes it in protected mode. The reserved upper halves read as
 * 0xFFFF on real processors, which programs that dump their environment can see.
 */
static unsigned store_env(const struct x87_state *f, uint8_t *p, bool opsize16)
{
	if (opsize16) {
		put16(p + 0, f->cw);
		put16(p + 2, f->sw);
		put16(p + 4, f->tw);
		put16(p + 6, (uint16_t)f->fip);
		put16(p + 8, f->fcs);
		put16(p + 10, (uint16_t)f->fdp);
		put16(p + 12, f->fds);
		return 14;
	}
	put32(p + 0, 0xffff0000u | f->cw);
	put32(p + 4, 0xffff0000u | f->sw);
	put32(p + 8, 0xffff0000u | f->tw);
	put32(p + 12, f->fip);
	put32(p + 16, f->fcs | ((uint32_t)(f->fop & 0x7ff) << 16));
	put32(p + 20, f->fdp);
	put32(p + 24, 0xffff0000u | f->fds);
	return 28;
}

/* Control-word bits 6 (reads as 1), 7 and 13-15 are not stored. */
static uint16_t cw_stored(uint16_t v)
{
	return (uint16_t)((v & 0x1f3f) | 0x0040);
}

/*
 * The selectors are not kept: processors with FCS/FDS deprecation (CPUID.7:EBX[13], every
 * recent one) store them as 0, and vmlab's FPU is that of its host (docs/x87.md).
 */
static unsigned load_env(struct x87_state *f, const uint8_t *p, bool opsize16)
{
	if (opsize16) {
		f->cw = cw_stored(get16(p + 0));
		f->sw = get16(p + 2);
		f->tw = get16(p + 4);
		f->fip = get16(p + 6);
		f->fdp = get16(p + 10);
		f->fcs = f->fds = 0;
		f->fop = 0;
		return 14;
	}
	f->cw = cw_stored(get16(p + 0));
	f->sw = get16(p + 4);
	f->tw = get16(p + 8);
	f->fip = get32(p + 12);
	f->fop = (uint16_t)((get32(p + 16) >> 16) & 0x7ff);
	f->fdp = get32(p + 20);
	f->fcs = f->fds = 0;
	return 28;
}

/* Registers in an image are in stack order: ST(0) first. */
static void store_regs(const struct x87_state *f, uint8_t *p)
{
	unsigned top = x87_top(f);
	for (unsigned i = 0; i < 8; i++) {
		const struct x87_reg *r = &f->r[(top + i) & 7];
		memcpy(p + 10 * i, &r->mant, 8);
		put16(p + 10 * i + 8, r->sexp);
	}
}

static void load_regs(struct x87_state *f, const uint8_t *p)
{
	unsigned top = x87_top(f);
	for (unsigned i = 0; i < 8; i++) {
		struct x87_reg *r = &f->r[(top + i) & 7];
		memcpy(&r->mant, p + 10 * i, 8);
		r->sexp = get16(p + 10 * i + 8);
	}
}

void x87_save_image(const struct x87_state *f, uint8_t img[108])
{
	store_env(f, img, false);
	store_regs(f, img + 28);
}

void x87_restore_image(struct x87_state *f, const uint8_t img[108])
{
	load_env(f, img, false);
	load_regs(f, img + 28);
	retag(f);
	update_es(f);
}

static int x87_raise(struct x86_exception *ex, uint16_t vector)
{
	memset(ex, 0, sizeof(*ex));
	ex->vector = vector;
	return -1;
}

int x87_fwait(struct cpu *c, struct x86_exception *ex)
{
	if (unmasked_pending(&c->fpu))
		return x87_raise(ex, X86_MF);
	return 0;
}

/*
 * The host runs the instruction from an FXSAVE image (FXRSTOR/FXSAVE are cheaper than
 * FRSTOR/FNSAVE): FCW, FSW, abridged tag (one bit per register: not empty), registers in
 * stack order at 32 + 16 * i. The pointer fields are not used: the guest's are kept here.
 */
static void to_fxsave(const struct x87_state *f, uint8_t *fx)
{
	put16(fx + 0, f->cw);
	/* Nothing is pending (checked by the caller), so ES/B must not reach the host. */
	put16(fx + 2, f->sw & (uint16_t) ~(SW_ES | SW_B));
	uint8_t abridged = 0;
	for (unsigned i = 0; i < 8; i++)
		if (((f->tw >> (2 * i)) & 3) != 3)
			abridged |= (uint8_t)(1u << i);
	fx[4] = abridged;
	unsigned top = x87_top(f);
	for (unsigned i = 0; i < 8; i++) {
		const struct x87_reg *r = &f->r[(top + i) & 7];
		memcpy(fx + 32 + 16 * i, &r->mant, 8);
		put16(fx + 40 + 16 * i, r->sexp);
	}
}

static void from_fxsave(struct x87_state *f, const uint8_t *fx)
{
	f->cw = get16(fx + 0);
	f->sw = get16(fx + 2);
	unsigned top = x87_top(f);
	for (unsigned i = 0; i < 8; i++) {
		struct x87_reg *r = &f->r[(top + i) & 7];
		memcpy(&r->mant, fx + 32 + 16 * i, 8);
		r->sexp = get16(fx + 40 + 16 * i);
	}
	uint16_t tw = 0;
	for (unsigned i = 0; i < 8; i++) {
		unsigned t = (fx[4] >> i) & 1 ? tag_of(&f->r[i]) : 3;
		tw |= (uint16_t)(t << (2 * i));
	}
	f->tw = tw;
}

static int host_compute(struct cpu *c, struct x87_state *nf, uint8_t opcode, uint8_t modrm,
			struct x87_form form, uint8_t *mem)
{
	uint8_t *fx = x87_host_image();
	to_fxsave(nf, fx);
	/* materialising lazily computed flags costs: only for the instructions that use them */
	uint32_t efl = (form.flags_in || form.flags_out) ? cpu_get_eflags(c) : 0;
	int64_t out = x87_host_run(fx, mem, efl, opcode, modrm);
	if (out < 0)
		return -1;
	from_fxsave(nf, fx);
	if (form.flags_out) {
		const uint32_t arith = EFL_CF | EFL_PF | EFL_AF | EFL_ZF | EFL_SF | EFL_OF;
		cpu_set_eflags(c, (efl & ~arith) | ((uint32_t)out & arith));
	}
	return 0;
}

int x87_execute(struct cpu *c, uint8_t opcode, uint8_t modrm, enum sreg sr, uint32_t ea,
		bool opsize16, struct x86_exception *ex)
{
	struct x87_state *f = &c->fpu;
	bool is_mem = (modrm >> 6) != 3;
	struct x87_form form =
	    is_mem ? mem_form(opcode, (modrm >> 3) & 7) : reg_form(opcode, modrm);
	uint8_t buf[108];

	switch (form.kind) {
	case K_UD: return x87_raise(ex, X86_UD);
	case K_FNSTCW: put16(buf, f->cw); return cpu_mem_write(c, sr, ea, buf, 2, ex);
	case K_FNSTSW_M: put16(buf, f->sw); return cpu_mem_write(c, sr, ea, buf, 2, ex);
	case K_FNSTSW_AX: c->regs[R_EAX] = (c->regs[R_EAX] & 0xffff0000u) | f->sw; return 0;
	case K_FNCLEX: f->sw &= (uint16_t) ~(SW_EXC_MASK | SW_SF | SW_ES | SW_B); return 0;
	case K_FNINIT: fninit(f); return 0;
	case K_FNOP_NW: return 0;
	case K_FNSTENV: {
		unsigned n = store_env(f, buf, opsize16);
		if (cpu_mem_write(c, sr, ea, buf, n, ex))
			return -1;
		/* FNSTENV masks all exceptions after storing (SDM). */
		f->cw |= SW_EXC_MASK;
		update_es(f);
		return 0;
	}
	case K_FNSAVE: {
		unsigned n = store_env(f, buf, opsize16);
		store_regs(f, buf + n);
		if (cpu_mem_write(c, sr, ea, buf, n + 80, ex))
			return -1;
		fninit(f);
		return 0;
	}
	default: break;
	}

	/* Everything below is a waiting instruction: a pending unmasked exception comes first. */
	if (unmasked_pending(f))
		return x87_raise(ex, X86_MF);

	switch (form.kind) {
	case K_FLDCW:
		if (cpu_mem_read(c, sr, ea, buf, 2, ex))
			return -1;
		f->cw = cw_stored(get16(buf));
		update_es(f);
		return 0;
	case K_FLDENV:
	case K_FRSTOR: {
		unsigned n = opsize16 ? 14 : 28;
		if (form.kind == K_FRSTOR)
			n += 80;
		if (cpu_mem_read(c, sr, ea, buf, n, ex))
			return -1;
		struct x87_state nf = *f;
		unsigned off = load_env(&nf, buf, opsize16);
		if (form.kind == K_FRSTOR)
			load_regs(&nf, buf + off);
		retag(&nf);
		update_es(&nf);
		*f = nf;
		return 0;
	}
	default: break;
	}

	/* A computing instruction: operand in, host x87, operand out; commit only at the end,
	 * so a fault on either memory access leaves the FPU untouched (restartable). */
	uint8_t mem[16] = {0};
	if (form.kind == K_LOAD && cpu_mem_read(c, sr, ea, mem, form.size, ex))
		return -1;
	struct x87_state nf = *f;
	if (host_compute(c, &nf, opcode, modrm, form, mem))
		return x87_raise(ex, X86_UD);
	uint16_t raised = nf.sw & SW_EXC_MASK & (uint16_t)~f->sw;
	uint16_t unmasked = raised & (uint16_t)~nf.cw;
	/*
	 * The pointers as the host processor keeps them (docs/x87.md): the instruction pointer
	 * on every computing instruction; the opcode only when the instruction raises an
	 * unmasked exception, and the data pointer only when one with a memory operand does;
	 * the selectors read as 0 (FCS/FDS deprecation).
	 */
	nf.fip = c->eip;
	nf.fcs = 0;
	nf.fds = 0;
	if (unmasked) {
		nf.fop = (uint16_t)(((opcode & 7u) << 8) | modrm);
		if (is_mem)
			nf.fdp = ea;
	}
	if (form.kind == K_STORE && !(unmasked & (SW_IE | SW_OE | SW_UE))) {
		/* An unmasked invalid, overflow or underflow leaves the destination alone. */
		if (cpu_mem_write(c, sr, ea, mem, form.size, ex))
			return -1;
	}
	*f = nf;
	return 0;
}
