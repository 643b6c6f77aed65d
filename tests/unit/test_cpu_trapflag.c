/*
 * EFLAGS.TF: the single-step #DB after each instruction that began with TF set (a trap:
 * EIP past it, DR6.BS), none after the POPF that sets TF, one after the POPF that clears it,
 * none after a faulting instruction or INT 0x80; in both engines.
 */
#include "test_cpu_fixture.h"

static void expect_step(struct fx *f, uint32_t eip)
{
	assert_int_equal(cpu_run(&f->c, 100000, &f->ex), CPU_EXIT_EXCEPTION);
	assert_int_equal(f->ex.vector, X86_DB);
	assert_int_equal(f->ex.error_code, DR6_BS);
	assert_false(f->ex.has_error_code);
	assert_int_equal(f->c.eip, eip);
}

static void stepping(bool jit)
{
	struct fx *f = fx_new(true);
	f->c.jit = f->c.jit && jit;
	static const uint8_t code[] = {
	    0x9c,				       /* 0: pushf */
	    0x81,  0x0c, 0x24, 0,    1,	   0,	 0,    /* 1: or dword [esp], 0x100 */
	    0x9d,				       /* 8: popf (sets TF: no trap) */
	    0x40,				       /* 9: inc eax */
	    0xeb,  0x01,			       /* 10: jmp +1 */
	    0x90,				       /* 12: (skipped) */
	    0x9c,				       /* 13: pushf */
	    0x81,  0x24, 0x24, 0xff, 0xfe, 0xff, 0xff, /* 14: and dword [esp], ~0x100 */
	    0x9d,				       /* 21: popf (clears TF: traps) */
	    0x40,				       /* 22: inc eax */
	    INT80,				       /* 23 */
	};
	fx_code(f, code, sizeof(code));
	f->c.regs[R_EAX] = 0;
	/* the same code twice: compiled (or decoded) once, stepped the second time too */
	for (int round = 0; round < 2; round++) {
		f->c.eip = CODE;
		expect_step(f, CODE + 10); /* after inc eax */
		expect_step(f, CODE + 13); /* a taken jump traps at its target */
		expect_step(f, CODE + 14);
		expect_step(f, CODE + 21);
		expect_step(f, CODE + 22); /* the POPF that cleared TF */
		assert_int_equal(cpu_run(&f->c, 100000, &f->ex), CPU_EXIT_SYSCALL);
		assert_false(cpu_get_eflags(&f->c) & EFL_TF);
	}
	assert_int_equal(f->c.regs[R_EAX], 4);
	/* REP MOVSB: a trap after each iteration, EIP at the instruction until ECX is 0 */
	cpu_set_eflags(&f->c, 0x202 | EFL_TF);
	f->c.regs[R_ESI] = DATA;
	f->c.regs[R_EDI] = DATA + 64;
	f->c.regs[R_ECX] = 3;
	static const uint8_t rep[] = {0xf3, 0xa4, INT80};
	fx_code(f, rep, sizeof(rep));
	expect_step(f, CODE);
	assert_int_equal(f->c.regs[R_ECX], 2);
	expect_step(f, CODE);
	expect_step(f, CODE + 2);
	assert_int_equal(f->c.regs[R_ECX], 0);
	assert_int_equal(f->c.regs[R_EDI], DATA + 67);
	/* with TF set, a fault is a fault (no trap), INT 0x80 is no trap either */
	cpu_set_eflags(&f->c, 0x202 | EFL_TF);
	f->c.regs[R_EBX] = HOLE;
	assert_int_equal(RUN(f, 0x8b, 0x03, INT80), CPU_EXIT_EXCEPTION); /* mov eax, [ebx] */
	assert_int_equal(f->ex.vector, X86_PF);
	assert_int_equal(f->c.eip, CODE);
	assert_int_equal(RUN(f, INT80), CPU_EXIT_SYSCALL);
	assert_int_equal(f->c.eip, CODE + 2);
	fx_free(f);
}

static void stepping_compiled(void **state)
{
	(void)state;
	stepping(true);
}
static void stepping_interpreted(void **state)
{
	(void)state;
	stepping(false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(stepping_compiled),
	    cmocka_unit_test(stepping_interpreted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
