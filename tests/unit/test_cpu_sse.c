/*
 * MMX, SSE and SSE2: results against the host's own SIMD unit, MXCSR flags and #XM, the
 * state checks (#UD, #NM, #MF), alignment #GP, restartable page faults, FXSAVE/FXRSTOR, the
 * x87/MMX transition; each in both engines (compiled blocks and the interpreter).
 */
#include "test_cpu_fixture.h"

#include <immintrin.h>

static struct fx *sse_new(bool jit)
{
	struct fx *f = fx_new(true);
	f->c.jit = f->c.jit && jit;
	mmu_write_cr4(f->m, CR4_OSFXSR | CR4_OSXMMEXCPT);
	return f;
}

static void set_ps(struct fx *f, unsigned n, float a, float b, float c, float d)
{
	float v[4] = {a, b, c, d};
	memcpy(f->c.sse.xmm[n].b, v, 16);
}

static void expect_exc(struct fx *f, enum cpu_exit r, unsigned vec, uint32_t eip)
{
	assert_int_equal(r, CPU_EXIT_EXCEPTION);
	assert_int_equal(f->ex.vector, vec);
	assert_int_equal(f->c.eip, eip);
}

/* ADDPS/SQRTPD/CVTSD2SI under each rounding mode: the host's results, bit for bit. */
static void arithmetic(bool jit)
{
	struct fx *f = sse_new(jit);
	unsigned host_csr = _mm_getcsr();
	for (unsigned rc = 0; rc < 4; rc++) {
		uint32_t csr = MXCSR_DEFAULT | rc << 13;
		set_ps(f, 0, 1.0f, 1e30f, -3.25f, 0.1f);
		set_ps(f, 1, 1e-8f, 1e30f, 1.5f, 0.2f);
		double d[2] = {2.0, 1e-300};
		memcpy(f->c.sse.xmm[2].b, d, 16);
		f->c.sse.mxcsr = csr;
		/* addps xmm0, xmm1; sqrtpd xmm3, xmm2; cvtsd2si eax, xmm2 */
		assert_int_equal(
		    RUN(f, 0x0f, 0x58, 0xc1, 0x66, 0x0f, 0x51, 0xda, 0xf2, 0x0f, 0x2d, 0xc2, INT80),
		    CPU_EXIT_SYSCALL);
		/* volatile: computed by the host at run time, not folded by the compiler */
		static volatile float in0[4] = {1.0f, 1e30f, -3.25f, 0.1f};
		static volatile float in1[4] = {1e-8f, 1e30f, 1.5f, 0.2f};
		static volatile double in2[2] = {2.0, 1e-300};
		__m128 x0 = _mm_setr_ps(in0[0], in0[1], in0[2], in0[3]);
		__m128 x1 = _mm_setr_ps(in1[0], in1[1], in1[2], in1[3]);
		__m128d x2 = _mm_setr_pd(in2[0], in2[1]);
		_mm_setcsr(csr);
		__asm__ volatile("addps %1, %0" : "+x"(x0) : "x"(x1));
		__m128d s;
		__asm__ volatile("sqrtpd %1, %0" : "=x"(s) : "x"(x2));
		int cv;
		__asm__ volatile("cvtsd2si %1, %0" : "=r"(cv) : "x"(x2));
		__m128 a = x0;
		unsigned after = _mm_getcsr();
		_mm_setcsr(host_csr);
		assert_memory_equal(f->c.sse.xmm[0].b, &a, 16);
		assert_memory_equal(f->c.sse.xmm[3].b, &s, 16);
		assert_int_equal(f->c.regs[R_EAX], (uint32_t)cv);
		assert_int_equal(f->c.sse.mxcsr, after);
	}
	fx_free(f);
}
static void arithmetic_compiled(void **state)
{
	(void)state;
	arithmetic(true);
}
static void arithmetic_interpreted(void **state)
{
	(void)state;
	arithmetic(false);
}

/* LDMXCSR/STMXCSR; a reserved bit is #GP(0) with MXCSR unchanged. */
static void mxcsr_load_store(void **state)
{
	(void)state;
	struct fx *f = sse_new(true);
	assert_int_equal(f->c.sse.mxcsr, MXCSR_DEFAULT);
	fx_wr32(f, DATA, 0x7f80 | MXCSR_DAZ);
	/* ldmxcsr [DATA]; stmxcsr [DATA+4] */
	assert_int_equal(
	    RUN(f, 0x0f, 0xae, 0x15, 0x00, 0x20, 0, 0, 0x0f, 0xae, 0x1d, 0x04, 0x20, 0, 0, INT80),
	    CPU_EXIT_SYSCALL);
	assert_int_equal(f->c.sse.mxcsr, 0x7f80 | MXCSR_DAZ);
	assert_int_equal(fx_rd32(f, DATA + 4), 0x7f80 | MXCSR_DAZ);
	fx_wr32(f, DATA, 0x10000 | MXCSR_DEFAULT);
	expect_exc(f, RUN(f, 0x0f, 0xae, 0x15, 0x00, 0x20, 0, 0), X86_GP, CODE);
	assert_int_equal(f->ex.error_code, 0);
	assert_int_equal(f->c.sse.mxcsr, 0x7f80 | MXCSR_DAZ);
	fx_free(f);
}

/* Unmasked exceptions: #XM with the destination unchanged and the flag set; masked: the
 * default result and the flag. Without CR4.OSXMMEXCPT the unmasked one is #UD. */
static void simd_exceptions(void **state)
{
	(void)state;
	struct fx *f = sse_new(true);
	set_ps(f, 0, 1.0f, 2.0f, 3.0f, 4.0f);
	set_ps(f, 1, 0.0f, 1.0f, 1.0f, 1.0f);
	f->c.sse.mxcsr = MXCSR_DEFAULT & ~(MXCSR_ZE << 7);			      /* ZM clear */
	expect_exc(f, RUN(f, 0x90, 0xf3, 0x0f, 0x5e, 0xc1, INT80), X86_XM, CODE + 1); /* divss */
	float v;
	memcpy(&v, f->c.sse.xmm[0].b, 4);
	assert_true(v == 1.0f);
	assert_int_equal(f->c.sse.mxcsr & MXCSR_FLAGS, MXCSR_ZE);
	mmu_write_cr4(f->m, CR4_OSFXSR);
	expect_exc(f, RUN(f, 0xf3, 0x0f, 0x5e, 0xc1, INT80), X86_UD, CODE);
	f->c.sse.mxcsr = MXCSR_DEFAULT;
	assert_int_equal(RUN(f, 0xf3, 0x0f, 0x5e, 0xc1, INT80), CPU_EXIT_SYSCALL);
	memcpy(&v, f->c.sse.xmm[0].b, 4);
	assert_true(v > 1e38f); /* +inf */
	assert_int_equal(f->c.sse.mxcsr, MXCSR_DEFAULT | MXCSR_ZE);
	/* underflow unmasked: an exact tiny result still signals it (masked, it would not) */
	uint32_t tiny = 0x00000002, two = 0x40000000; /* a denormal, 2.0 */
	memcpy(f->c.sse.xmm[0].b, &tiny, 4);
	memcpy(f->c.sse.xmm[1].b, &two, 4);
	f->c.sse.mxcsr = MXCSR_DEFAULT;
	assert_int_equal(RUN(f, 0xf3, 0x0f, 0x5e, 0xc1, INT80), CPU_EXIT_SYSCALL); /* divss */
	assert_int_equal(f->c.sse.mxcsr, MXCSR_DEFAULT | MXCSR_DE); /* a denormal operand */
	mmu_write_cr4(f->m, CR4_OSFXSR | CR4_OSXMMEXCPT);
	memcpy(f->c.sse.xmm[0].b, &tiny, 4);
	f->c.sse.mxcsr = MXCSR_DEFAULT & ~MXCSR_UM;
	expect_exc(f, RUN(f, 0xf3, 0x0f, 0x5e, 0xc1, INT80), X86_XM, CODE);
	assert_int_equal(f->c.sse.mxcsr & MXCSR_FLAGS, MXCSR_DE | MXCSR_UE);
	/* unmasked underflow or overflow: the precision flag is that of the result rounded
	 * without exponent bounds (as measured on an AMD EPYC): a tiny product exact there but
	 * not as a denormal raises none; an overflowed inexact one does */
	static const uint32_t cases[][4] = {
	    /* a, b, MXCSR, flags after (#XM) */
	    {0x00800003, 0x3e800000, MXCSR_DEFAULT & ~MXCSR_UM, MXCSR_UE},
	    {0x00c00001, 0x3f000001, MXCSR_DEFAULT & ~MXCSR_UM, MXCSR_UE | MXCSR_PE},
	    {0x7f000001, 0x40000001, MXCSR_DEFAULT & ~(MXCSR_OE << 7), MXCSR_OE | MXCSR_PE},
	    {0x7f000000, 0x40000000, MXCSR_DEFAULT & ~(MXCSR_OE << 7), MXCSR_OE},
	};
	for (unsigned k = 0; k < 4; k++) {
		memcpy(f->c.sse.xmm[0].b, &cases[k][0], 4);
		memcpy(f->c.sse.xmm[1].b, &cases[k][1], 4);
		f->c.sse.mxcsr = cases[k][2];
		expect_exc(f, RUN(f, 0xf3, 0x0f, 0x59, 0xc1, INT80), X86_XM, CODE); /* mulss */
		assert_int_equal(f->c.sse.mxcsr & MXCSR_FLAGS, cases[k][3]);
		assert_int_equal(f->c.sse.xmm[0].d[0], cases[k][0]); /* nothing delivered */
	}
	/* masked, the denormalized result's inexactness */
	memcpy(f->c.sse.xmm[0].b, &cases[0][0], 4);
	memcpy(f->c.sse.xmm[1].b, &cases[0][1], 4);
	f->c.sse.mxcsr = MXCSR_DEFAULT;
	assert_int_equal(RUN(f, 0xf3, 0x0f, 0x59, 0xc1, INT80), CPU_EXIT_SYSCALL);
	assert_int_equal(f->c.sse.mxcsr & MXCSR_FLAGS, MXCSR_UE | MXCSR_PE);
	fx_free(f);
}

/* CR0.EM and CR4.OSFXSR: #UD; CR0.TS: #NM; a pending x87 exception: #MF for MMX only. */
static void state_checks(void **state)
{
	(void)state;
	struct fx *f = sse_new(true);
	mmu_write_cr0(f->m, f->m->regs.cr0 | CR0_TS);
	expect_exc(f, RUN(f, 0x0f, 0x58, 0xc1), X86_NM, CODE);
	expect_exc(f, RUN(f, 0x0f, 0xfc, 0xc1), X86_NM, CODE); /* paddb mm0, mm1 */
	mmu_write_cr0(f->m, (f->m->regs.cr0 & ~CR0_TS) | CR0_EM);
	expect_exc(f, RUN(f, 0x0f, 0x58, 0xc1), X86_UD, CODE);
	expect_exc(f, RUN(f, 0x0f, 0xfc, 0xc1), X86_UD, CODE);
	mmu_write_cr0(f->m, f->m->regs.cr0 & ~CR0_EM);
	mmu_write_cr4(f->m, 0);
	expect_exc(f, RUN(f, 0x0f, 0x58, 0xc1), X86_UD, CODE);
	assert_int_equal(RUN(f, 0x0f, 0xfc, 0xc1, INT80), CPU_EXIT_SYSCALL); /* MMX needs none */
	/* fld1; fld1; fdivp with ZM clear and a zero: no, simpler: an unmasked pending IE */
	f->c.fpu.cw = 0x037e;
	f->c.fpu.sw = 0x0081;
	expect_exc(f, RUN(f, 0x0f, 0xfc, 0xc1), X86_MF, CODE);
	fx_free(f);
}

/* MOVAPS needs 16-byte alignment (#GP(0)), MOVUPS not; a page-crossing access faults with
 * nothing written or loaded. */
static void alignment_and_faults(void **state)
{
	(void)state;
	struct fx *f = sse_new(true);
	for (unsigned k = 0; k < 32; k++)
		physmem_write(&f->pm, DATA + k, k, 1);
	f->c.regs[R_EAX] = DATA + 8;
	expect_exc(f, RUN(f, 0x0f, 0x28, 0x00), X86_GP, CODE); /* movaps xmm0, [eax] */
	assert_int_equal(f->ex.error_code, 0);
	expect_exc(f, RUN(f, 0x66, 0x0f, 0xfc, 0x00), X86_GP, CODE);	     /* paddb xmm0, [eax] */
	assert_int_equal(RUN(f, 0x0f, 0x10, 0x00, INT80), CPU_EXIT_SYSCALL); /* movups */
	assert_int_equal(f->c.sse.xmm[0].b[0], 8);
	assert_int_equal(f->c.sse.xmm[0].b[15], 23);
	/* movups xmm1, [eax] across into the unmapped page: #PF, xmm1 unchanged */
	memset(f->c.sse.xmm[1].b, 0x77, 16);
	f->c.regs[R_EAX] = DATA2 + PAGE_SIZE - 8;
	expect_exc(f, RUN(f, 0x0f, 0x10, 0x08), X86_PF, CODE);
	assert_int_equal(f->m->cr2, HOLE);
	assert_int_equal(f->c.sse.xmm[1].b[0], 0x77);
	/* movups [eax], xmm0 across: nothing of the first page written */
	fx_wr32(f, DATA2 + PAGE_SIZE - 8, 0xdeadbeef);
	expect_exc(f, RUN(f, 0x0f, 0x11, 0x00), X86_PF, CODE);
	assert_int_equal(fx_rd32(f, DATA2 + PAGE_SIZE - 8), 0xdeadbeef);
	/* a store to a read-only page */
	f->c.regs[R_EAX] = RO;
	expect_exc(f, RUN(f, 0x66, 0x0f, 0x7f, 0x00), X86_PF, CODE); /* movdqa [eax], xmm0 */
	fx_free(f);
}

/* COMISS: ZF PF CF as the SDM's table, OF SF AF cleared. */
static void compare_flags(void **state)
{
	(void)state;
	struct fx *f = sse_new(true);
	static const float pairs[][2] = {{1, 2}, {2, 1}, {3, 3}, {0, __builtin_nanf("")}};
	static const uint32_t want[] = {EFL_CF, 0, EFL_ZF, EFL_ZF | EFL_PF | EFL_CF};
	for (unsigned k = 0; k < 4; k++) {
		set_ps(f, 0, pairs[k][0], 0, 0, 0);
		set_ps(f, 1, pairs[k][1], 0, 0, 0);
		cpu_set_eflags(&f->c, 0x202 | EFL_OF | EFL_SF | EFL_AF);
		assert_int_equal(RUN(f, 0x0f, 0x2e, 0xc1, INT80), CPU_EXIT_SYSCALL); /* ucomiss */
		assert_int_equal(cpu_get_eflags(&f->c) &
				     (EFL_CF | EFL_PF | EFL_AF | EFL_ZF | EFL_SF | EFL_OF),
				 want[k]);
	}
	fx_free(f);
}

/* Integer SIMD, conversions and moves with general registers. */
static void integer_and_moves(void **state)
{
	(void)state;
	struct fx *f = sse_new(true);
	for (unsigned k = 0; k < 16; k++)
		f->c.sse.xmm[1].b[k] = (uint8_t)(k * 17 + (k & 1 ? 0x80 : 0));
	/* pmovmskb eax, xmm1; pshufd xmm0, xmm1, 0x1b; movd ecx, xmm0; cvttsd2si edx, xmm2 */
	double d = -7.9;
	memcpy(f->c.sse.xmm[2].b, &d, 8);
	assert_int_equal(RUN(f, 0x66, 0x0f, 0xd7, 0xc1, 0x66, 0x0f, 0x70, 0xc1, 0x1b, 0x66, 0x0f,
			     0x7e, 0xc1, 0xf2, 0x0f, 0x2c, 0xd2, INT80),
			 CPU_EXIT_SYSCALL);
	__m128i x;
	memcpy(&x, f->c.sse.xmm[1].b, 16);
	assert_int_equal(f->c.regs[R_EAX], (uint32_t)_mm_movemask_epi8(x));
	assert_int_equal(f->c.regs[R_ECX], f->c.sse.xmm[1].d[3]);
	assert_int_equal(f->c.regs[R_EDX], (uint32_t)-7);
	/* maskmovdqu xmm0, xmm1 to [edi]: only the selected bytes */
	memset(f->c.sse.xmm[0].b, 0xab, 16);
	f->c.regs[R_EDI] = DATA + 32;
	for (unsigned k = 0; k < 16; k++)
		physmem_write(&f->pm, DATA + 32 + k, 0x11, 1);
	assert_int_equal(RUN(f, 0x66, 0x0f, 0xf7, 0xc1, INT80), CPU_EXIT_SYSCALL);
	for (unsigned k = 0; k < 16; k++)
		assert_int_equal(physmem_read(&f->pm, DATA + 32 + k, 1),
				 (f->c.sse.xmm[1].b[k] & 0x80) ? 0xab : 0x11);
	fx_free(f);
}

/* MMX: the registers are the x87's; an MMX instruction makes TOP 0 and every tag valid
 * (FNSAVE shows "special" for MMX values), EMMS empties them. */
static void mmx_and_x87(bool jit)
{
	struct fx *f = sse_new(jit);
	/* fld1; fld1 (TOP 6); paddb mm0, mm1 */
	assert_int_equal(RUN(f, 0xd9, 0xe8, 0xd9, 0xe8, INT80), CPU_EXIT_SYSCALL);
	x87_writeback(&f->c.fpu);
	f->c.fpu.r[0].mant = 0x0102030405060708ull;
	f->c.fpu.r[1].mant = 0x1010101010101010ull;
	assert_int_equal(RUN(f, 0x0f, 0xfc, 0xc1, INT80), CPU_EXIT_SYSCALL);
	assert_true(f->c.fpu.r[0].mant == 0x1112131415161718ull);
	assert_int_equal(f->c.fpu.r[0].sexp, 0xffff);
	assert_int_equal((f->c.fpu.sw >> 11) & 7, 0);
	assert_int_equal(f->c.fpu.tw & 3, 2); /* R0: special */
	/* emms */
	assert_int_equal(RUN(f, 0x0f, 0x77, INT80), CPU_EXIT_SYSCALL);
	assert_int_equal(f->c.fpu.tw, 0xffff);
	fx_free(f);
}
static void mmx_compiled(void **state)
{
	(void)state;
	mmx_and_x87(true);
}
static void mmx_interpreted(void **state)
{
	(void)state;
	mmx_and_x87(false);
}

/* FXSAVE's image and FXRSTOR back; a misaligned area is #GP(0). */
static void fxsave_fxrstor(void **state)
{
	(void)state;
	struct fx *f = sse_new(true);
	set_ps(f, 5, 1, 2, 3, 4);
	f->c.sse.mxcsr = MXCSR_DEFAULT | MXCSR_FZ;
	f->c.regs[R_EAX] = DATA + 16;
	/* fld1; fxsave [eax] */
	assert_int_equal(RUN(f, 0xd9, 0xe8, 0x0f, 0xae, 0x00, INT80), CPU_EXIT_SYSCALL);
	assert_int_equal(fx_rd32(f, DATA + 16) & 0xffff, 0x037f);	  /* FCW */
	assert_int_equal((fx_rd32(f, DATA + 16) >> 16) & 0x3800, 0x3800); /* TOP 7 */
	assert_int_equal(physmem_read(&f->pm, DATA + 16 + 4, 1), 0x80);	  /* R7 in use */
	assert_int_equal(fx_rd32(f, DATA + 16 + 24), MXCSR_DEFAULT | MXCSR_FZ);
	assert_int_equal(fx_rd32(f, DATA + 16 + 28), MXCSR_WRITABLE_INTEL);
	assert_int_equal(physmem_read(&f->pm, DATA + 16 + 32 + 9, 1), 0x3f);	/* 1.0's exponent */
	assert_int_equal(fx_rd32(f, DATA + 16 + 160 + 5 * 16 + 4), 0x40000000); /* 2.0f */
	/* change the image: xmm5's first float, MXCSR; FXRSTOR brings them in */
	fx_wr32(f, DATA + 16 + 160 + 5 * 16, 0x40400000);
	fx_wr32(f, DATA + 16 + 24, MXCSR_DEFAULT | (1u << 13));
	sse_init(&f->c.sse);
	x87_init(&f->c.fpu);
	assert_int_equal(RUN(f, 0x0f, 0xae, 0x08, INT80), CPU_EXIT_SYSCALL);
	assert_int_equal(f->c.sse.xmm[5].d[0], 0x40400000);
	assert_int_equal(f->c.sse.mxcsr, MXCSR_DEFAULT | (1u << 13));
	assert_int_equal((f->c.fpu.sw >> 11) & 7, 7);
	x87_writeback(&f->c.fpu);
	assert_int_equal((f->c.fpu.tw >> 14) & 3, 0); /* R7 valid again */
	/* a reserved MXCSR bit in the image: #GP(0), nothing loaded */
	fx_wr32(f, DATA + 16 + 24, 1u << 20);
	expect_exc(f, RUN(f, 0x0f, 0xae, 0x08), X86_GP, CODE);
	assert_int_equal(f->c.sse.mxcsr, MXCSR_DEFAULT | (1u << 13));
	f->c.regs[R_EAX] = DATA + 8;
	expect_exc(f, RUN(f, 0x0f, 0xae, 0x00), X86_GP, CODE);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(arithmetic_compiled), cmocka_unit_test(arithmetic_interpreted),
	    cmocka_unit_test(mxcsr_load_store),	   cmocka_unit_test(simd_exceptions),
	    cmocka_unit_test(state_checks),	   cmocka_unit_test(alignment_and_faults),
	    cmocka_unit_test(compare_flags),	   cmocka_unit_test(integer_and_moves),
	    cmocka_unit_test(mmx_compiled),	   cmocka_unit_test(mmx_interpreted),
	    cmocka_unit_test(fxsave_fxrstor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
