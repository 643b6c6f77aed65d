/*
 * The x87 FPU: decoding of D8-DF into what each form does with memory, the control
 * instructions (environment, control and status words) in software, and everything that
 * computes on the host's x87 (x87_host.c), so results are those of real hardware.
 */
#include "cpu/x87.h"

#include <string.h>

#include "cpu/cpu.h"
#include "cpu/cpu_int.h"
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

/*
 * The guest FPU whose registers, tags, control and status words are in this thread's host
 * x87 (docs/x87.md, "Resident state"); NULL when the host x87 is in its FNINIT state. While
 * an FPU is resident its cw and sw fields stay current, the registers and tags do not.
 */
static _Thread_local struct x87_state *resident;

static void from_fxsave(struct x87_state *f, const uint8_t *fx);

void x87_writeback(struct x87_state *f)
{
	if (!f || resident != f)
		return;
	uint8_t *fx = x87_host_image();
	x87_host_leave(fx);
	resident = NULL;
	from_fxsave(f, fx);
}

/* The state is about to be replaced as a whole: the host's copy is discarded. */
static void drop_resident(struct x87_state *f)
{
	if (resident == f) {
		x87_host_leave(x87_host_image());
		resident = NULL;
	}
}

void x87_init(struct x87_state *f)
{
	drop_resident(f);
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
 * The selectors are not kept by Intel processors with FCS/FDS deprecation (CPUID.7:EBX[13],
 * every recent one): they store them as 0 (docs/x87.md). AMD keeps the selectors it loads
 * (keep_sel).
 */
static unsigned load_env(struct x87_state *f, const uint8_t *p, bool opsize16, bool keep_sel)
{
	f->fcs = f->fds = 0;
	if (opsize16) {
		f->cw = cw_stored(get16(p + 0));
		f->sw = get16(p + 2);
		f->tw = get16(p + 4);
		f->fip = get16(p + 6);
		f->fdp = get16(p + 10);
		if (keep_sel) {
			f->fcs = get16(p + 8);
			f->fds = get16(p + 12);
		}
		f->fop = 0;
		return 14;
	}
	f->cw = cw_stored(get16(p + 0));
	f->sw = get16(p + 4);
	f->tw = get16(p + 8);
	f->fip = get32(p + 12);
	f->fop = (uint16_t)((get32(p + 16) >> 16) & 0x7ff);
	f->fdp = get32(p + 20);
	if (keep_sel) {
		f->fcs = get16(p + 16);
		f->fds = get16(p + 24);
	}
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
	if (resident == f)
		x87_writeback(resident);
	store_env(f, img, false);
	store_regs(f, img + 28);
}

void x87_restore_image(struct x87_state *f, const uint8_t img[108])
{
	drop_resident(f);
	load_env(f, img, false, false);
	load_regs(f, img + 28);
	retag(f);
	update_es(f);
}

/*
 * Memory operands take the interpreter's inline fast path when it hits (the translation and
 * TLB statistics of any MOV), else the MMU's general path (which also raises the faults).
 */
/* memcpy with the operand sizes spelt out, so none of them becomes a library call */
static inline void copy_operand(void *d, const void *s, unsigned n)
{
	switch (n) {
	case 2: memcpy(d, s, 2); break;
	case 4: memcpy(d, s, 4); break;
	case 8: memcpy(d, s, 8); break;
	case 10: memcpy(d, s, 10); break;
	default: memcpy(d, s, n); break;
	}
}

static int x87_read(struct cpu *c, enum sreg sr, uint32_t ea, void *buf, unsigned n,
		    struct x86_exception *ex)
{
	uint8_t *p = fast_hit(c, sr, ea, n, ACC_READ, SEGF_R);
	if (p) {
		copy_operand(buf, p, n);
		return 0;
	}
	return cpu_mem_read(c, sr, ea, buf, n, ex);
}

static int x87_write(struct cpu *c, enum sreg sr, uint32_t ea, const void *buf, unsigned n,
		     struct x86_exception *ex)
{
	uint8_t *p = fast_hit(c, sr, ea, n, ACC_WRITE, SEGF_W);
	if (p) {
		copy_operand(p, buf, n);
		return 0;
	}
	return cpu_mem_write(c, sr, ea, buf, n, ex);
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

/*
 * The pointers as the modelled processor keeps them (docs/x87.md, docs/vendors.md) after a
 * computing instruction. Intel: the instruction pointer always, the opcode and (with a
 * memory operand) the data pointer only when the instruction raises an unmasked exception,
 * the selectors 0 (FCS/FDS deprecation). AMD: all of them on every such instruction, the
 * selectors included.
 */
static void set_pointers(struct cpu *c, struct x87_state *f, uint8_t opcode, uint8_t modrm,
			 enum sreg sr, uint32_t ea, uint16_t unmasked)
{
	bool is_mem = (modrm >> 6) != 3;
	f->fip = c->eip;
	if (cpu_vendor_is_amd(c->vendor)) {
		f->fcs = c->mmu->seg.sr[SR_CS].selector;
		f->fop = (uint16_t)(((opcode & 7u) << 8) | modrm);
		if (is_mem) {
			f->fdp = ea;
			f->fds = c->mmu->seg.sr[sr].selector;
		}
		return;
	}
	f->fcs = f->fds = 0;
	if (unmasked) {
		f->fop = (uint16_t)(((opcode & 7u) << 8) | modrm);
		if (is_mem)
			f->fdp = ea;
	}
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

/*
 * The self-contained path: the state goes through the FXSAVE image for this one instruction
 * and is committed only at the end, so a fault on either memory access leaves the FPU
 * untouched (restartable). Requires f not to be resident.
 */
static int compute_slow(struct cpu *c, uint8_t opcode, uint8_t modrm, enum sreg sr,
			uint32_t ea, struct x87_form form, uint8_t *mem, struct x86_exception *ex)
{
	struct x87_state *f = &c->fpu;
	struct x87_state nf = *f;
	if (host_compute(c, &nf, opcode, modrm, form, mem))
		return x87_raise(ex, X86_UD);
	uint16_t raised = nf.sw & SW_EXC_MASK & (uint16_t)~f->sw;
	uint16_t unmasked = raised & (uint16_t)~nf.cw;
	set_pointers(c, &nf, opcode, modrm, sr, ea, unmasked);
	if (form.kind == K_STORE && !(unmasked & (SW_IE | SW_OE | SW_UE))) {
		/* An unmasked invalid, overflow or underflow leaves the destination alone. */
		if (x87_write(c, sr, ea, mem, form.size, ex))
			return -1;
	} else if (form.kind == K_STORE && cpu_vendor_is_amd(c->vendor)) {
		/* ... but AMD checks that it could be written first (a #PF comes before): the
		 * destination is translated for writing, nothing is written */
		uint8_t *p;
		if (mem_rmw_ptr(c, sr, ea, form.size, &p)) {
			*ex = c->in->ex;
			return -1;
		}
	}
	*f = nf;
	return 0;
}

/* Makes f the resident FPU (loading it into the host x87); false if the host cannot. */
static bool make_resident(struct x87_state *f)
{
	if (resident == f)
		return true;
	x87_writeback(resident);
	uint8_t *fx = x87_host_image();
	to_fxsave(f, fx);
	if (x87_host_enter(fx))
		return false;
	resident = f;
	return true;
}

/* FSTP m32/m64, FISTP m16/m32 (reg 3), FSTP m80 (DB /7), FBSTP and FISTP m64 (DF /6 /7) */
static bool store_pops(uint8_t opcode, unsigned reg)
{
	return reg == 3 || (opcode == 0xdb && reg == 7) || (opcode == 0xdf && reg >= 6);
}

/*
 * Undoes a store run on the resident state, whose memory write must not happen (it faults,
 * or the instruction takes the self-contained path). A store changes no register: only the
 * status word (flags, C1, TOP) and, if it popped, the tag of the old ST(0), which becomes
 * empty. That tag is known when the store started with IE and SF clear: the store then set
 * SF exactly when ST(0) was empty (a stack underflow is its only stack fault); otherwise
 * ST(0) held a value, and its tag is that of the register's contents.
 */
static void undo_store(struct x87_state *f, uint16_t old_sw, uint16_t sw)
{
	unsigned old_top = (old_sw >> SW_TOP_SHIFT) & 7;
	bool popped = ((old_sw ^ sw) >> SW_TOP_SHIFT & 7) != 0;
	x87_writeback(f);
	if (popped && !(sw & SW_SF)) {
		unsigned t = tag_of(&f->r[old_top]);
		f->tw = (uint16_t)((f->tw & ~(3u << (2 * old_top))) | (t << (2 * old_top)));
	}
	f->sw = old_sw;
}

/*
 * The resident path: the instruction runs on the guest state kept in the host x87. A store
 * whose memory write faults is undone (undo_store); a popping store that starts with IE or
 * SF already set runs as its non-popping twin (FST/FIST, reg field 2: no pop to undo) and,
 * once the write succeeded, again as itself on the same operand (same result, flags and
 * C1, now with the pop); FSTP m80, FBSTP and FISTP m64 have no twin. An instruction that
 * raises an unmasked exception is written back at once, so no exception is ever left
 * pending in the host x87 outside a thunk. Returns 1 when the instruction must take the
 * self-contained path instead (with f written back and unchanged).
 */
static int compute_resident(struct cpu *c, uint8_t opcode, uint8_t modrm, enum sreg sr,
			    uint32_t ea, struct x87_form form, uint8_t *mem,
			    struct x86_exception *ex)
{
	struct x87_state *f = &c->fpu;
	unsigned reg = (modrm >> 3) & 7;
	uint16_t old_sw = f->sw;
	bool twin = form.kind == K_STORE && store_pops(opcode, reg) && (old_sw & (SW_IE | SW_SF));
	if (twin && reg != 3)
		return 1;
	uint8_t run_modrm = twin ? (uint8_t)(modrm - 0x08) : modrm;
	uint32_t efl = (form.flags_in || form.flags_out) ? cpu_get_eflags(c) : 0;
	uint32_t out = x87_host_step(mem, efl, opcode, run_modrm);
	uint16_t sw = (uint16_t)out;
	uint16_t unmasked = sw & (uint16_t)~f->cw & SW_EXC_MASK;
	if (form.kind == K_STORE) {
		if (unmasked) {
			undo_store(f, old_sw, sw);
			return 1;
		}
		if (x87_write(c, sr, ea, mem, form.size, ex)) {
			undo_store(f, old_sw, sw);
			return -1;
		}
		if (twin) {
			uint8_t scratch[16];
			sw = (uint16_t)x87_host_step(scratch, 0, opcode, modrm);
			unmasked = sw & (uint16_t)~f->cw & SW_EXC_MASK;
		}
	}
	f->sw = sw;
	set_pointers(c, f, opcode, modrm, sr, ea, unmasked);
	if (unmasked)
		x87_writeback(f);
	if (form.flags_out) {
		const uint32_t arith = EFL_CF | EFL_PF | EFL_AF | EFL_ZF | EFL_SF | EFL_OF;
		cpu_set_eflags(c, (efl & ~arith) | ((out >> 16) & arith));
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

	/* cw and sw are current even while resident; everything else needs the state here */
	switch (form.kind) {
	case K_UD: return x87_raise(ex, X86_UD);
	case K_FNSTCW: put16(buf, f->cw); return x87_write(c, sr, ea, buf, 2, ex);
	case K_FNSTSW_M: put16(buf, f->sw); return x87_write(c, sr, ea, buf, 2, ex);
	case K_FNSTSW_AX: c->regs[R_EAX] = (c->regs[R_EAX] & 0xffff0000u) | f->sw; return 0;
	case K_FNOP_NW: return 0;
	case K_REG:
	case K_LOAD:
	case K_STORE:
	case K_FLDCW: break;
	default: x87_writeback(f); break;
	}

	switch (form.kind) {
	case K_FNCLEX: f->sw &= (uint16_t) ~(SW_EXC_MASK | SW_SF | SW_ES | SW_B); return 0;
	case K_FNINIT: fninit(f); return 0;
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
		if (x87_read(c, sr, ea, buf, 2, ex))
			return -1;
		if (resident == f) {
			/* the host's control word must follow; it recomputes ES/B as we would */
			f->sw = (uint16_t)x87_host_step(buf, 0, opcode, modrm);
			f->cw = cw_stored(get16(buf));
			if (unmasked_pending(f))
				x87_writeback(f);
			return 0;
		}
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
		unsigned off = load_env(&nf, buf, opsize16, cpu_vendor_is_amd(c->vendor));
		if (form.kind == K_FRSTOR)
			load_regs(&nf, buf + off);
		retag(&nf);
		update_es(&nf);
		*f = nf;
		return 0;
	}
	default: break;
	}

	/* A computing instruction: the operand is read before anything changes. */
	uint8_t mem[16] = {0};
	if (form.kind == K_LOAD && x87_read(c, sr, ea, mem, form.size, ex))
		return -1;
	if (make_resident(f)) {
		int r = compute_resident(c, opcode, modrm, sr, ea, form, mem, ex);
		if (r <= 0)
			return r;
	}
	x87_writeback(f);
	return compute_slow(c, opcode, modrm, sr, ea, form, mem, ex);
}

/*
 * The x87 part of the FXSAVE image (bytes 0-23 and the registers at 32-159; SDM vol. 1,
 * 10.5.1): the abridged tag, the pointers and the opcode as kept, zeros in the reserved
 * bytes and in each register slot's upper six bytes.
 */
void x87_fxsave_image(const struct x87_state *f, uint8_t *fx)
{
	if (resident == f)
		x87_writeback(resident);
	memset(fx, 0, 24);
	memset(fx + 32, 0, 128);
	to_fxsave(f, fx);
	put16(fx + 2, f->sw);
	put16(fx + 6, f->fop);
	put32(fx + 8, f->fip);
	put16(fx + 12, f->fcs);
	put32(fx + 16, f->fdp);
	put16(fx + 20, f->fds);
}

void x87_fxrstor_image(struct x87_state *f, const uint8_t *fx)
{
	drop_resident(f);
	from_fxsave(f, fx);
	f->cw = cw_stored(f->cw);
	f->fop = get16(fx + 6) & 0x7ff;
	f->fip = get32(fx + 8);
	f->fcs = get16(fx + 12);
	f->fdp = get32(fx + 16);
	f->fds = get16(fx + 20);
	update_es(f);
}

/* An MMX instruction: the stack top becomes 0 and every register valid (EMMS: empty). */
void x87_mmx_enter(struct x87_state *f, bool emms)
{
	x87_writeback(f);
	f->sw &= (uint16_t) ~(7u << SW_TOP_SHIFT);
	f->tw = emms ? 0xffff : 0;
	retag(f); /* the full tag word as FNSAVE shows it: 10 (special) for an MMX value */
}
