/*
 * The x87: x87_execute on a small machine (physmem + MMU with paging, the real CPU), checked
 * against values of the IEEE formats and the SDM (expected bit patterns are worked out by
 * hand, e.g. 1/3 = 0.0101..b rounded to 24, 53 and 64 bits).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "cpu/cpu.h"
#include "hw/mmu.h"
#include "hw/physmem.h"

#define PD 0x10000u
#define PT 0x11000u
#define MEM 0x20000u	  /* a mapped, writable page */
#define UNMAPPED 0x21000u /* not mapped: #PF */

#define C0 0x0100
#define C1 0x0200
#define C2 0x0400
#define C3 0x4000

struct rig {
	struct physmem pm;
	struct mmu m;
	struct cpu c;
	struct counters ctr;
	struct x86_exception ex;
};

static int setup(void **state)
{
	static struct rig r;
	memset(&r, 0, sizeof(r));
	if (physmem_init(&r.pm, 4u << 20, false) || mmu_init(&r.m, &r.pm, NULL, &r.ctr))
		return -1;
	physmem_write(&r.pm, PD, PT | (uint32_t)(PTE_P | PTE_RW), 4);
	for (uint32_t a = 0; a < MEM + PAGE_SIZE; a += PAGE_SIZE)
		physmem_write(&r.pm, PT + (a >> 12) * 4, a | (uint32_t)(PTE_P | PTE_RW), 4);
	mmu_write_cr3(&r.m, PD);
	mmu_write_cr0(&r.m, CR0_PE | CR0_PG | CR0_NE);
	if (cpu_init(&r.c, &r.m, &r.ctr))
		return -1;
	x87_init(&r.c.fpu);
	r.c.eip = 0x1000;
	*state = &r;
	return 0;
}

static int teardown(void **state)
{
	struct rig *r = *state;
	cpu_destroy(&r->c);
	mmu_destroy(&r->m);
	physmem_destroy(&r->pm);
	return 0;
}

/* Runs one instruction: a register form (ModRM >= 0xC0) or a memory form at MEM + off. */
static int run(struct rig *r, uint8_t op, uint8_t modrm, uint32_t ea)
{
	int ret = x87_execute(&r->c, op, modrm, SR_DS, ea, false, &r->ex);
	x87_writeback(&r->c.fpu); /* the tests read the registers and tags directly */
	return ret;
}

#define OK(r, op, modrm, ea) assert_int_equal(run(r, op, modrm, ea), 0)

static void put(struct rig *r, uint32_t a, const void *p, unsigned n)
{
	physmem_write_buf(&r->pm, a, p, n);
}

static void get(struct rig *r, uint32_t a, void *p, unsigned n)
{
	physmem_read_buf(&r->pm, a, p, n);
}

static unsigned top(struct rig *r)
{
	return (r->c.fpu.sw >> 11) & 7;
}

static const struct x87_reg *st(struct rig *r, unsigned i)
{
	return &r->c.fpu.r[(top(r) + i) & 7];
}

static void set_cw(struct rig *r, uint16_t cw)
{
	put(r, MEM, &cw, 2);
	OK(r, 0xd9, 0x2d, MEM); /* fldcw [MEM] */
}

static void assert_reg(const struct x87_reg *x, uint16_t sexp, uint64_t mant)
{
	assert_int_equal(x->sexp, sexp);
	assert_int_equal(x->mant, mant);
}

static void fresh(struct rig *r)
{
	x87_init(&r->c.fpu);
}

/* 1/3 rounded by the precision control to 24, 53 and 64 bits. */
static void precision_control_rounds_the_significand(void **state)
{
	struct rig *r = *state;
	static const struct {
		uint16_t pc;
		uint64_t mant;
	} cases[] = {
	    {0, 0xaaaaab0000000000ull}, {2, 0xaaaaaaaaaaaaa800ull}, {3, 0xaaaaaaaaaaaaaaabull}};
	for (unsigned i = 0; i < 3; i++) {
		fresh(r);
		set_cw(r, (uint16_t)(0x007f | cases[i].pc << 8));
		uint32_t three = 3;
		put(r, MEM + 8, &three, 4);
		OK(r, 0xd9, 0xe8, 0);	    /* fld1 */
		OK(r, 0xda, 0x35, MEM + 8); /* fidiv dword [MEM+8] */
		assert_reg(st(r, 0), 0x3ffd, cases[i].mant);
		assert_true(r->c.fpu.sw & 0x20); /* inexact */
	}
}

/* FLDPI rounds pi (c90fdaa22168c234c4...) by the rounding control, as processors since the 486 do.
 */
static void constants_follow_the_rounding_control(void **state)
{
	struct rig *r = *state;
	static const uint64_t want[4] = {0xc90fdaa22168c235ull, 0xc90fdaa22168c234ull,
					 0xc90fdaa22168c235ull, 0xc90fdaa22168c234ull};
	for (unsigned rc = 0; rc < 4; rc++) {
		fresh(r);
		set_cw(r, (uint16_t)(0x037f | rc << 10));
		OK(r, 0xd9, 0xeb, 0);
		assert_reg(st(r, 0), 0x4000, want[rc]);
	}
}

static void fsqrt_and_stores_of_every_format(void **state)
{
	struct rig *r = *state;
	fresh(r);
	OK(r, 0xd9, 0xe8, 0); /* fld1 */
	OK(r, 0xd9, 0xe8, 0);
	OK(r, 0xde, 0xc1, 0); /* faddp */
	OK(r, 0xd9, 0xfa, 0); /* fsqrt */
	assert_reg(st(r, 0), 0x3fff, 0xb504f333f9de6484ull);
	OK(r, 0xd9, 0xc0, 0);	/* fld st0 */
	OK(r, 0xdb, 0x3d, MEM); /* fstp tbyte */
	uint8_t t[10];
	get(r, MEM, t, 10);
	assert_int_equal(t[9], 0x3f);
	assert_int_equal(t[7], 0xb5);
	OK(r, 0xdd, 0x15, MEM); /* fst qword */
	double d;
	get(r, MEM, &d, 8);
	assert_true(d == 1.4142135623730951);
	OK(r, 0xd9, 0x15, MEM); /* fst dword */
	float f;
	get(r, MEM, &f, 4);
	assert_true(f == 1.41421354f);
	OK(r, 0xdf, 0x15, MEM); /* fist word: 1 */
	uint16_t w;
	get(r, MEM, &w, 2);
	assert_int_equal(w, 1);
	assert_int_equal(top(r), 7);
	OK(r, 0xdd, 0x1d, MEM); /* fstp qword: pops */
	assert_int_equal(r->c.fpu.tw, 0xffff);
}

/* FIST of +-2.5 under each rounding mode. */
static void integer_stores_round_by_the_control_word(void **state)
{
	struct rig *r = *state;
	static const int32_t want[4][2] = {{2, -2}, {2, -3}, {3, -2}, {2, -2}};
	for (unsigned rc = 0; rc < 4; rc++) {
		for (unsigned s = 0; s < 2; s++) {
			fresh(r);
			set_cw(r, (uint16_t)(0x037f | rc << 10));
			double v = s ? -2.5 : 2.5;
			put(r, MEM + 16, &v, 8);
			OK(r, 0xdd, 0x05, MEM + 16); /* fld qword */
			OK(r, 0xdb, 0x1d, MEM);	     /* fistp dword */
			int32_t got;
			get(r, MEM, &got, 4);
			assert_int_equal(got, want[rc][s]);
		}
	}
}

static void bcd_round_trip(void **state)
{
	struct rig *r = *state;
	fresh(r);
	long long v = -123456789012345678ll;
	put(r, MEM + 32, &v, 8);
	OK(r, 0xdf, 0x2d, MEM + 32); /* fild qword */
	OK(r, 0xdf, 0x35, MEM);	     /* fbstp */
	static const uint8_t want[10] = {0x78, 0x56, 0x34, 0x12, 0x90,
					 0x78, 0x56, 0x34, 0x12, 0x80};
	uint8_t got[10];
	get(r, MEM, got, 10);
	assert_memory_equal(got, want, 10);
	OK(r, 0xdf, 0x25, MEM);	     /* fbld */
	OK(r, 0xdf, 0x3d, MEM + 48); /* fistp qword */
	long long back;
	get(r, MEM + 48, &back, 8);
	assert_true(back == v);
}

/* Masked stack faults: the QNaN indefinite, IE|SF, C1 = 0 for underflow and 1 for overflow. */
static void stack_underflow_and_overflow(void **state)
{
	struct rig *r = *state;
	fresh(r);
	OK(r, 0xd8, 0xc1, 0); /* fadd st0, st1 on an empty stack */
	assert_int_equal(r->c.fpu.sw & (0x41 | C1), 0x41);
	fresh(r);
	for (int i = 0; i < 8; i++)
		OK(r, 0xd9, 0xe8, 0);
	assert_int_equal(r->c.fpu.sw & 0x41, 0);
	OK(r, 0xd9, 0xee, 0); /* a ninth push */
	assert_int_equal(r->c.fpu.sw & (0x41 | C1), 0x41 | C1);
	assert_reg(st(r, 0), 0xffff, 0xc000000000000000ull);
}

/* An unmasked exception is delivered as #MF by the next waiting instruction, not by the
 * one that raised it; FNSTSW and FNCLEX do not wait. */
static void unmasked_exception_is_deferred_to_the_next_waiting_instruction(void **state)
{
	struct rig *r = *state;
	fresh(r);
	set_cw(r, 0x037b);    /* ZM = 0 */
	OK(r, 0xd9, 0xe8, 0); /* fld1 */
	OK(r, 0xd9, 0xee, 0); /* fldz */
	r->c.eip = 0x2345;
	OK(r, 0xde, 0xf9, 0);				/* fdivp: 1/0 */
	assert_int_equal(r->c.fpu.sw & 0x8084, 0x8084); /* B, ES, ZE */
	assert_int_equal(r->c.fpu.fop, 0x6f9);
	assert_int_equal(r->c.fpu.fip, 0x2345);
	assert_int_equal(run(r, 0xd9, 0xe8, 0), -1);
	assert_int_equal(r->ex.vector, X86_MF);
	assert_int_equal(x87_fwait(&r->c, &r->ex), -1);
	r->c.regs[R_EAX] = 0xdead0000;
	OK(r, 0xdf, 0xe0, 0); /* fnstsw ax */
	assert_int_equal(r->c.regs[R_EAX], 0xdead0000u | r->c.fpu.sw);
	OK(r, 0xdb, 0xe2, 0); /* fnclex */
	assert_int_equal(x87_fwait(&r->c, &r->ex), 0);
	OK(r, 0xd9, 0xe8, 0);
}

static void fcomi_sets_eflags_and_fcmov_reads_them(void **state)
{
	struct rig *r = *state;
	fresh(r);
	cpu_set_eflags(&r->c, 0x2 | EFL_OF | EFL_SF | EFL_AF);
	OK(r, 0xd9, 0xe8, 0); /* fld1: st1 */
	OK(r, 0xd9, 0xee, 0); /* fldz: st0 */
	OK(r, 0xdb, 0xf1, 0); /* fcomi st0, st1: 0 < 1 */
	uint32_t fl = cpu_get_eflags(&r->c);
	assert_int_equal(fl & (EFL_CF | EFL_ZF | EFL_PF | EFL_OF | EFL_SF | EFL_AF), EFL_CF);
	OK(r, 0xda, 0xc1, 0); /* fcmovb st0, st1: taken */
	assert_reg(st(r, 0), 0x3fff, 0x8000000000000000ull);
	OK(r, 0xdf, 0xe9, 0); /* fucomip: equal, pops */
	fl = cpu_get_eflags(&r->c);
	assert_int_equal(fl & (EFL_CF | EFL_ZF | EFL_PF), EFL_ZF);
	assert_int_equal(top(r), 7);
}

/* A store that faults changes nothing, so the instruction can be restarted. */
static void faulting_store_leaves_the_fpu_unchanged(void **state)
{
	struct rig *r = *state;
	fresh(r);
	OK(r, 0xd9, 0xeb, 0); /* fldpi */
	struct x87_state before = r->c.fpu;
	assert_int_equal(run(r, 0xdd, 0x1d, UNMAPPED + 8), -1); /* fstp qword */
	assert_int_equal(r->ex.vector, X86_PF);
	assert_memory_equal(&before, &r->c.fpu, sizeof(before));
	assert_int_equal(run(r, 0xdd, 0x05, UNMAPPED), -1); /* fld qword */
	assert_memory_equal(&before, &r->c.fpu, sizeof(before));
}

/*
 * Between instructions the FPU may stay in the host x87 (docs/x87.md): a sequence run that
 * way must end exactly as the same sequence written back after every instruction, through
 * FLDCW while resident, a store that faults, an unmasked exception made pending by FLDCW or
 * by an instruction, the popping stores without a non-popping twin, FCOMI and FCMOV.
 */
struct step {
	uint8_t op, modrm;
	uint32_t ea;
};

struct outcome {
	int rc[40];
	uint16_t vec[40];
	struct x87_state f;
	uint8_t mem[96];
	uint32_t eax, eflags;
};

static void run_sequence(struct rig *r, const struct step *p, unsigned n, bool each,
			 struct outcome *o)
{
	static const double in[2] = {3.0, 0.1};
	static const uint16_t cws[3] = {0x037b, 0x0f7f, 0x027f};
	uint8_t zero[96] = {0};
	fresh(r);
	put(r, MEM, zero, sizeof(zero));
	put(r, MEM, in, sizeof(in));
	put(r, MEM + 32, cws, sizeof(cws));
	cpu_set_eflags(&r->c, 0x2);
	memset(o, 0, sizeof(*o));
	for (unsigned i = 0; i < n; i++) {
		r->c.eip = 0x1000 + 4 * i;
		r->ex.vector = 0;
		if (p[i].op == 0x9b)
			o->rc[i] = x87_fwait(&r->c, &r->ex);
		else if (each)
			o->rc[i] = run(r, p[i].op, p[i].modrm, p[i].ea);
		else
			o->rc[i] = x87_execute(&r->c, p[i].op, p[i].modrm, SR_DS, p[i].ea, false,
					       &r->ex);
		o->vec[i] = o->rc[i] ? r->ex.vector : 0;
	}
	x87_writeback(&r->c.fpu);
	o->f = r->c.fpu;
	get(r, MEM, o->mem, sizeof(o->mem));
	o->eax = r->c.regs[R_EAX];
	o->eflags = cpu_get_eflags(&r->c);
}

static void resident_state_matches_the_written_back_one(void **state)
{
	struct rig *r = *state;
	static const struct step prog[] = {
	    {0xd9, 0xe8, 0},	       {0xdd, 0x05, MEM},	  {0xdc, 0x0d, MEM + 8},
	    {0xd9, 0x2d, MEM + 34},    {0xde, 0xc9, 0},		  {0xd9, 0xea, 0},
	    {0xde, 0xf9, 0},	       {0xdd, 0x15, MEM + 16},	  {0xd9, 0x1d, UNMAPPED},
	    {0xdb, 0x1d, MEM + 24},    {0xd9, 0xe8, 0},		  {0xd9, 0xee, 0},
	    {0xde, 0xf9, 0},	       {0xd9, 0x2d, MEM + 32},	  {0xd9, 0xe8, 0},
	    {0xdf, 0xe0, 0},	       {0xdb, 0xe2, 0},		  {0xd9, 0xeb, 0},
	    {0xdb, 0xf1, 0},	       {0xda, 0xc1, 0},		  {0xd9, 0xc9, 0},
	    {0xdb, 0x3d, MEM + 40},    {0xdf, 0x3d, MEM + 56},	  {0xdf, 0x3d, UNMAPPED - 4},
	    {0xd9, 0xe8, 0},	       {0xd9, 0xee, 0},		  {0xde, 0xf9, 0},
	    {0xdd, 0x1d, MEM + 64},    {0x9b, 0, 0},		  {0xdb, 0xe2, 0},
	    {0xd9, 0x2d, MEM + 36},    {0xd9, 0xfa, 0},		  {0xdd, 0x1d, MEM + 72},
	    {0xdf, 0x1d, MEM + 80},    {0xd9, 0x1d, MEM + 84},	  {0xdd, 0x3d, MEM + 88},
	};
	unsigned n = sizeof(prog) / sizeof(prog[0]);
	static struct outcome each, resident;
	run_sequence(r, prog, n, true, &each);
	run_sequence(r, prog, n, false, &resident);
	/* the sequence does what it is meant to: a #PF, #MF twice, ES pending via FLDCW */
	assert_int_equal(each.vec[8], X86_PF);
	assert_int_equal(each.vec[14], X86_MF);
	assert_int_equal(each.vec[27], X86_MF);
	assert_int_equal(each.vec[28], X86_MF);
	assert_int_equal(each.rc[29], 0);
	assert_memory_equal(each.rc, resident.rc, sizeof(each.rc));
	assert_memory_equal(each.vec, resident.vec, sizeof(each.vec));
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(each.f.r[i].mant, resident.f.r[i].mant);
		assert_int_equal(each.f.r[i].sexp, resident.f.r[i].sexp);
	}
	assert_int_equal(each.f.cw, resident.f.cw);
	assert_int_equal(each.f.sw, resident.f.sw);
	assert_int_equal(each.f.tw, resident.f.tw);
	assert_int_equal(each.f.fop, resident.f.fop);
	assert_int_equal(each.f.fip, resident.f.fip);
	assert_int_equal(each.f.fdp, resident.f.fdp);
	assert_memory_equal(each.mem, resident.mem, sizeof(each.mem));
	assert_int_equal(each.eax, resident.eax);
	assert_int_equal(each.eflags, resident.eflags);
}

static void reserved_encodings_and_fisttp_are_invalid(void **state)
{
	struct rig *r = *state;
	fresh(r);
	static const uint8_t bad[][2] = {{0xd9, 0xd1}, {0xd9, 0xe2}, {0xd9, 0xef}, {0xda, 0xe8},
					 {0xdb, 0xe5}, {0xdb, 0xf8}, {0xdd, 0xf0}, {0xde, 0xd8},
					 {0xdf, 0xe1}, {0xdf, 0xf8}, {0xd9, 0x0d}, {0xdb, 0x0d},
					 {0xdd, 0x0d}, {0xdf, 0x0d}, {0xdb, 0x25}, {0xdd, 0x2d}};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(run(r, bad[i][0], bad[i][1], MEM), -1);
		assert_int_equal(r->ex.vector, X86_UD);
	}
}

static void fxam_classifies(void **state)
{
	struct rig *r = *state;
	fresh(r);
	OK(r, 0xd9, 0xe5, 0); /* empty: C3 C0 */
	assert_int_equal(r->c.fpu.sw & (C3 | C2 | C1 | C0), C3 | C0);
	OK(r, 0xd9, 0xee, 0); /* fldz */
	OK(r, 0xd9, 0xe0, 0); /* fchs: -0 */
	OK(r, 0xd9, 0xe5, 0); /* zero: C3, sign in C1 */
	assert_int_equal(r->c.fpu.sw & (C3 | C2 | C1 | C0), C3 | C1);
	OK(r, 0xd9, 0xe8, 0);
	OK(r, 0xd9, 0xe5, 0); /* normal: C2 */
	assert_int_equal(r->c.fpu.sw & (C3 | C2 | C1 | C0), C2);
}

static void environment_round_trips_in_both_formats(void **state)
{
	struct rig *r = *state;
	for (int o16 = 0; o16 < 2; o16++) {
		fresh(r);
		set_cw(r, 0x0a7f);
		OK(r, 0xd9, 0xe8, 0);
		OK(r, 0xd9, 0xee, 0);
		struct x87_state before = r->c.fpu;
		assert_int_equal(x87_execute(&r->c, 0xd9, 0x35, SR_DS, MEM, o16, &r->ex),
				 0);		       /* fnstenv */
		assert_int_equal(r->c.fpu.cw, 0x0a7f); /* already all masked */
		uint16_t tw;
		get(r, MEM + (o16 ? 4 : 8), &tw, 2);
		assert_int_equal(tw, 0x1fff); /* R6 = ST0 zero (01), R7 = ST1 valid (00) */
		OK(r, 0xdb, 0xe3, 0); /* fninit: registers keep their contents, tagged empty */
		assert_int_equal(r->c.fpu.tw, 0xffff);
		assert_int_equal(x87_execute(&r->c, 0xd9, 0x25, SR_DS, MEM, o16, &r->ex),
				 0); /* fldenv */
		assert_int_equal(r->c.fpu.cw, before.cw);
		assert_int_equal(r->c.fpu.sw, before.sw);
		assert_int_equal(r->c.fpu.tw, before.tw);
	}
	/* FNSAVE stores everything and reinitialises; FRSTOR brings it back */
	fresh(r);
	OK(r, 0xd9, 0xeb, 0);
	struct x87_state before = r->c.fpu;
	OK(r, 0xdd, 0x35, MEM); /* fnsave */
	assert_int_equal(r->c.fpu.cw, 0x037f);
	assert_int_equal(r->c.fpu.tw, 0xffff);
	OK(r, 0xdd, 0x25, MEM); /* frstor */
	assert_memory_equal(&before.r, &r->c.fpu.r, sizeof(before.r));
	assert_int_equal(r->c.fpu.sw, before.sw);
	assert_int_equal(r->c.fpu.tw, before.tw);
}

/* FNSTENV masks every exception after storing; FLDCW keeps only the defined bits. */
static void control_word_rules(void **state)
{
	struct rig *r = *state;
	fresh(r);
	set_cw(r, 0xffc0);
	assert_int_equal(r->c.fpu.cw, 0x1f40);
	OK(r, 0xd9, 0x35, MEM);
	assert_int_equal(r->c.fpu.cw, 0x1f7f);
	OK(r, 0xd9, 0x3d, MEM + 64); /* fnstcw */
	uint16_t cw;
	get(r, MEM + 64, &cw, 2);
	assert_int_equal(cw, 0x1f7f);
}

static void signal_frame_image_round_trips(void **state)
{
	struct rig *r = *state;
	fresh(r);
	OK(r, 0xd9, 0xeb, 0);
	OK(r, 0xd9, 0xe8, 0);
	OK(r, 0xd9, 0xee, 0);
	uint8_t img[108], img2[108];
	x87_save_image(&r->c.fpu, img);
	struct x87_state copy;
	x87_init(&copy);
	x87_restore_image(&copy, img);
	x87_save_image(&copy, img2);
	assert_memory_equal(img, img2, 108);
	assert_memory_equal(&copy.r, &r->c.fpu.r, sizeof(copy.r));
	assert_int_equal(copy.tw, r->c.fpu.tw);
	/* ST(0) is stored first: the zero just loaded */
	assert_int_equal(img[28 + 8] | img[28 + 9], 0);
}

static void transcendental_results_are_the_processors(void **state)
{
	struct rig *r = *state;
	fresh(r);
	OK(r, 0xd9, 0xeb, 0); /* fldpi */
	OK(r, 0xd9, 0xfe, 0); /* fsin: sin of the 66-bit pi the processor uses, not 0 */
	assert_true((st(r, 0)->sexp & 0x7fff) < 0x3fc0);
	assert_true(st(r, 0)->mant != 0);
	OK(r, 0xd9, 0xe8, 0);
	OK(r, 0xd9, 0xe8, 0);
	OK(r, 0xd9, 0xf3, 0); /* fpatan(1, 1) = pi/4 */
	assert_reg(st(r, 0), 0x3ffe, 0xc90fdaa22168c235ull);
	OK(r, 0xd9, 0xe8, 0);
	OK(r, 0xd9, 0xe8, 0);
	OK(r, 0xd9, 0xe8, 0);
	OK(r, 0xde, 0xc1, 0); /* 2, 1 */
	OK(r, 0xd9, 0xfd, 0); /* fscale: 1 * 2^2... st0 = 2, st1 = 1 -> 2 * 2^1 = 4 */
	assert_reg(st(r, 0), 0x4001, 0x8000000000000000ull);
}

/* SDM-defined behaviour of the partial and range-limited instructions. */
static void fprem_fptan_and_out_of_range_operands(void **state)
{
	struct rig *r = *state;
	fresh(r);
	/* FPTAN pushes 1.0 after the tangent */
	OK(r, 0xd9, 0xee, 0); /* fldz */
	OK(r, 0xd9, 0xf2, 0); /* fptan */
	assert_reg(st(r, 0), 0x3fff, 0x8000000000000000ull);
	assert_int_equal(st(r, 1)->mant, 0);
	/* FPREM with an exponent difference over 63 is partial: C2 = 1, to be repeated */
	fresh(r);
	double big = 1e300;
	put(r, MEM, &big, 8);
	OK(r, 0xd9, 0xeb, 0);	/* fldpi: the divisor in ST(1) */
	OK(r, 0xdd, 0x05, MEM); /* fld 1e300 */
	OK(r, 0xd9, 0xf8, 0);	/* fprem */
	assert_true(r->c.fpu.sw & C2);
	int rounds = 1;
	while ((r->c.fpu.sw & C2) && rounds < 100) {
		OK(r, 0xd9, 0xf8, 0);
		rounds++;
	}
	assert_false(r->c.fpu.sw & C2);
	assert_true(rounds > 1);
	/* the remainder is smaller than pi and keeps the dividend's sign */
	assert_true((st(r, 0)->sexp & 0x8000) == 0);
	assert_true((st(r, 0)->sexp & 0x7fff) <= 0x4000);
	/* FSIN of |x| >= 2^63: C2 = 1 and the operand is left as it was */
	fresh(r);
	double huge = 0x1p64;
	put(r, MEM, &huge, 8);
	OK(r, 0xdd, 0x05, MEM);
	OK(r, 0xd9, 0xfe, 0); /* fsin */
	assert_true(r->c.fpu.sw & C2);
	assert_reg(st(r, 0), 0x403f, 0x8000000000000000ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(precision_control_rounds_the_significand),
	    cmocka_unit_test(constants_follow_the_rounding_control),
	    cmocka_unit_test(fsqrt_and_stores_of_every_format),
	    cmocka_unit_test(integer_stores_round_by_the_control_word),
	    cmocka_unit_test(bcd_round_trip),
	    cmocka_unit_test(stack_underflow_and_overflow),
	    cmocka_unit_test(unmasked_exception_is_deferred_to_the_next_waiting_instruction),
	    cmocka_unit_test(fcomi_sets_eflags_and_fcmov_reads_them),
	    cmocka_unit_test(faulting_store_leaves_the_fpu_unchanged),
	    cmocka_unit_test(resident_state_matches_the_written_back_one),
	    cmocka_unit_test(reserved_encodings_and_fisttp_are_invalid),
	    cmocka_unit_test(fxam_classifies),
	    cmocka_unit_test(environment_round_trips_in_both_formats),
	    cmocka_unit_test(control_word_rules),
	    cmocka_unit_test(signal_frame_image_round_trips),
	    cmocka_unit_test(transcendental_results_are_the_processors),
	    cmocka_unit_test(fprem_fptan_and_out_of_range_operands),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
