/*
 * The SSE templates of compiled blocks (src/cpu/jit_sse.c) against the interpreter's
 * handlers on random straight-line SSE2 code: moves between XMM registers and memory
 * (aligned, misaligned, crossing into the next page, faulting on an unmapped one), the
 * scalar and packed double operations, (U)COMISD with the flags pushed, conversions, the
 * logic operations, integer loads and stores inside a run of SSE templates (their slow paths
 * end it), and LDMXCSR of random control words (rounding, DAZ, FZ, now and then an
 * unmasked exception, which must be #XM at the same instruction) in the middle of a block.
 * Both engines must end with the same registers, XMM registers, MXCSR, EFLAGS, memory,
 * exception (vector, error code, CR2), instruction count and TLB statistics.
 */
#include "test_cpu_fixture.h"

static uint32_t rng_state;
static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}
static unsigned pick(unsigned n)
{
	return rnd() % n;
}

struct prog {
	uint8_t b[4096];
	size_t n;
};
static void put(struct prog *p, unsigned v)
{
	p->b[p->n++] = (uint8_t)v;
}
static void put32(struct prog *p, uint32_t v)
{
	for (int k = 0; k < 4; k++)
		put(p, v >> (8 * k));
}
/* an absolute memory operand: mostly 16-byte aligned in DATA, sometimes misaligned,
 * crossing into DATA2, or in the unmapped HOLE */
static void mem_operand(struct prog *p, unsigned reg)
{
	uint32_t a;
	unsigned k = pick(40);
	if (k == 0)
		a = HOLE + 16 * pick(4);
	else if (k < 4)
		a = DATA2 - 1 - pick(12);
	else if (k < 8)
		a = DATA + pick(256);
	else
		a = DATA + 16 * pick(16);
	put(p, reg << 3 | 5);
	put32(p, a);
}
/* xmm, xmm/m (register form half of the time) */
static void modrm(struct prog *p)
{
	if (pick(2))
		put(p, 0xC0 | pick(8) << 3 | pick(8));
	else
		mem_operand(p, pick(8));
}

static void gen_insn(struct prog *p)
{
	static const uint8_t arith[] = {0x51, 0x58, 0x59, 0x5C, 0x5D, 0x5E, 0x5F};
	switch (pick(16)) {
	case 0: /* MOVSD, MOVUPD, MOVAPD, MOVDQA, MOVDQU (loads and stores), MOVQ */
	case 1: {
		static const uint8_t form[][2] = {{0xF2, 0x10}, {0xF2, 0x11}, {0x66, 0x10},
						  {0x66, 0x11}, {0x66, 0x28}, {0x66, 0x29},
						  {0x66, 0x6F}, {0x66, 0x7F}, {0xF3, 0x6F},
						  {0xF3, 0x7F}, {0xF3, 0x7E}, {0x66, 0xD6}};
		unsigned k = pick(sizeof form / sizeof form[0]);
		put(p, form[k][0]);
		put(p, 0x0F);
		put(p, form[k][1]);
		modrm(p);
		break;
	}
	case 2: /* LDMXCSR from a slot the program's data set up (below) */
		put(p, 0x0F);
		put(p, 0xAE);
		put(p, 2 << 3 | 5);
		put32(p, DATA + 0x400 + 4 * pick(8));
		break;
	case 3: /* (U)COMISD, then PUSHF/POP EAX to see the flags */
		put(p, 0x66);
		put(p, 0x0F);
		put(p, 0x2E + pick(2));
		modrm(p);
		put(p, 0x9C);
		put(p, 0x58);
		break;
	case 4: /* CVTSI2SD xmm, r/m32 */
		put(p, 0xF2);
		put(p, 0x0F);
		put(p, 0x2A);
		if (pick(2))
			put(p, 0xC0 | pick(8) << 3 | pick(8));
		else
			mem_operand(p, pick(8));
		break;
	case 5: /* CVTTSD2SI / CVTSD2SI r32 (not ESP), xmm/m64 */
		put(p, 0xF2);
		put(p, 0x0F);
		put(p, 0x2C + pick(2));
		if (pick(2))
			put(p, 0xC0 | (pick(2) ? 0 : 1) << 3 | pick(8));
		else
			mem_operand(p, pick(2) ? 0 : 1);
		break;
	case 6: /* the logic operations, PS/PD, and PXOR/PADDQ */
		if (pick(3)) {
			if (pick(2))
				put(p, 0x66);
			put(p, 0x0F);
			put(p, 0x54 + pick(4));
		} else {
			put(p, 0x66);
			put(p, 0x0F);
			put(p, pick(2) ? 0xEF : 0xD4);
		}
		modrm(p);
		break;
	case 7: /* CVTSD2SS, CVTSS2SD */
		put(p, pick(2) ? 0xF2 : 0xF3);
		put(p, 0x0F);
		put(p, 0x5A);
		modrm(p);
		break;
	case 8: /* CMPSD/CMPPD imm */
		put(p, pick(2) ? 0xF2 : 0x66);
		put(p, 0x0F);
		put(p, 0xC2);
		modrm(p);
		put(p, pick(8));
		break;
	case 9: /* integer instructions inside a run: ADD reg, imm; MOV reg, [mem]; ADD [mem], reg
		 */
		if (pick(3) == 0) {
			put(p, 0x81);
			put(p, 0xC0 | pick(4));
			put32(p, rnd());
		} else {
			put(p, pick(2) ? 0x8B : 0x01);
			mem_operand(p, pick(4));
		}
		break;
	default: /* ADD/MUL/SUB/DIV/MIN/MAX/SQRT, SD (mostly) or PD */
		put(p, pick(4) ? 0xF2 : 0x66);
		put(p, 0x0F);
		put(p, arith[pick(sizeof arith)]);
		modrm(p);
		break;
	}
}

/* doubles worth testing: zeros, ones, denormals, extremes, infinities, NaNs, random */
static uint64_t interesting(void)
{
	static const uint64_t v[] = {
	    0,
	    1ull << 63,
	    0x3ff0000000000000ull,
	    0xbff0000000000000ull,
	    1,
	    0x000fffffffffffffull,
	    0x0010000000000000ull,
	    0x7fefffffffffffffull,
	    0x7ff0000000000000ull,
	    0xfff0000000000000ull,
	    0x7ff8000000000000ull,
	    0x7ff0000000000001ull,
	    0x4000000000000000ull,
	    0x3fb999999999999aull,
	    0x41dfffffffc00000ull,
	    0xc1e0000000000000ull,
	};
	if (pick(3))
		return v[pick(sizeof v / sizeof v[0])];
	return (uint64_t)rnd() << 32 | rnd();
}

struct run {
	uint32_t regs[8], eip, eflags, mxcsr;
	union xmm_reg xmm[8];
	uint64_t insns;
	enum cpu_exit exit;
	struct x86_exception ex;
	uint32_t cr2;
	struct counters ctr;
	uint8_t data[2 * PAGE_SIZE];
};

static void run_prog(struct fx *f, const struct prog *p, const uint32_t *regs, const uint8_t *data,
		     const union xmm_reg *xmm, struct run *r)
{
	memcpy(f->c.regs, regs, sizeof(f->c.regs));
	f->c.regs[R_ESP] = STACK + PAGE_SIZE;
	cpu_set_eflags(&f->c, 0x202);
	memcpy(f->c.sse.xmm, xmm, sizeof(f->c.sse.xmm));
	f->c.sse.mxcsr = MXCSR_DEFAULT;
	memcpy(f->pm.host + DATA, data, 2 * PAGE_SIZE);
	fx_code(f, p->b, p->n);
	memset(&f->ex, 0, sizeof(f->ex));
	r->exit = cpu_run(&f->c, 100000, &f->ex);
	memcpy(r->regs, f->c.regs, sizeof(r->regs));
	memcpy(r->xmm, f->c.sse.xmm, sizeof(r->xmm));
	r->mxcsr = f->c.sse.mxcsr;
	r->eip = f->c.eip;
	r->eflags = cpu_get_eflags(&f->c);
	r->insns = f->c.insns;
	r->ex = f->ex;
	r->cr2 = f->m->cr2;
	r->ctr = f->ctr;
	memcpy(r->data, f->pm.host + DATA, sizeof(r->data));
}

static void compare(const struct run *a, const struct run *b, unsigned prog)
{
	if (a->exit != b->exit || a->eip != b->eip || a->eflags != b->eflags ||
	    a->mxcsr != b->mxcsr || a->insns != b->insns)
		fail_msg("program %u: exit %d/%d eip %#x/%#x eflags %#x/%#x mxcsr %#x/%#x insns "
			 "%llu/%llu",
			 prog, a->exit, b->exit, a->eip, b->eip, a->eflags, b->eflags, a->mxcsr,
			 b->mxcsr, (unsigned long long)a->insns, (unsigned long long)b->insns);
	assert_memory_equal(a->regs, b->regs, sizeof(a->regs));
	assert_memory_equal(a->xmm, b->xmm, sizeof(a->xmm));
	if (a->exit == CPU_EXIT_EXCEPTION) {
		assert_int_equal(a->ex.vector, b->ex.vector);
		assert_int_equal(a->ex.error_code, b->ex.error_code);
		assert_int_equal(a->cr2, b->cr2);
	}
	assert_memory_equal(&a->ctr, &b->ctr, sizeof(a->ctr));
	assert_memory_equal(a->data, b->data, sizeof(a->data));
}

static void engines_agree(enum cpu_vendor v, uint32_t seed)
{
	struct fx *fj = fx_new(true), *fi = fx_new(true);
	fj->c.vendor = v;
	fi->c.vendor = v;
	fi->c.jit = false;
	mmu_write_cr4(fj->m, CR4_OSFXSR | CR4_OSXMMEXCPT);
	mmu_write_cr4(fi->m, CR4_OSFXSR | CR4_OSXMMEXCPT);
	static struct prog p;
	static uint8_t data[2 * PAGE_SIZE];
	static struct run rj, ri;
	rng_state = seed;
	unsigned exceptions = 0;
	for (unsigned prog = 0; prog < 1500; prog++) {
		p.n = 0;
		unsigned n = 4 + pick(30);
		for (unsigned k = 0; k < n; k++)
			gen_insn(&p);
		put(&p, 0xCD); /* INT 0x80 */
		put(&p, 0x80);
		uint32_t regs[8];
		for (int k = 0; k < 8; k++)
			regs[k] = pick(4) ? rnd() : pick(40);
		for (size_t k = 0; k < sizeof(data); k += 8) {
			uint64_t d = interesting();
			memcpy(data + k, &d, 8);
		}
		/* LDMXCSR's slots: random rounding, DAZ and FZ; mostly every exception masked */
		for (unsigned k = 0; k < 8; k++) {
			uint32_t m = MXCSR_MASKS | (rnd() & (0x6000u | MXCSR_DAZ | MXCSR_FZ));
			if (!pick(6))
				m &= ~(MXCSR_IE << (7 + pick(6)));
			memcpy(data + 0x400 + 4 * k, &m, 4);
		}
		union xmm_reg xmm[8];
		for (int k = 0; k < 8; k++) {
			xmm[k].q[0] = interesting();
			xmm[k].q[1] = interesting();
		}
		/* twice each: the second run is the compiled one when the first compiled it */
		for (int round = 0; round < 2; round++) {
			run_prog(fj, &p, regs, data, xmm, &rj);
			run_prog(fi, &p, regs, data, xmm, &ri);
			compare(&rj, &ri, prog);
			exceptions += round && rj.exit == CPU_EXIT_EXCEPTION;
		}
	}
	/* both ends are reached: programs that fault (#PF, #GP, #XM) and programs that do not */
	assert_true(exceptions > 50 && exceptions < 1450);
	fx_free(fj);
	fx_free(fi);
}

static void intel(void **state)
{
	(void)state;
	engines_agree(CPU_VENDOR_INTEL, 0x2468ace1u);
}
static void amd(void **state)
{
	(void)state;
	engines_agree(CPU_VENDOR_AMD, 0x13579bdfu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(intel),
	    cmocka_unit_test(amd),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
