/*
 * The JIT's x86-64 encoder (src/cpu/jit_emit.h): each emitter against the bytes GNU as
 * produces for the same instruction (checked once with objdump when this test was written;
 * where the encoder picks another valid form, e.g. 81 /4 for AND EAX, imm32, the bytes were
 * disassembled to the intended instruction). The cases cover what is easy to get wrong:
 * RSP/R12 bases (SIB), RBP/R13 bases (disp8 0), REX.R/B/X, byte registers SIL/DIL, the 0x66
 * prefix before REX, sign-extended immediates.
 */
#include "cpu/jit_emit.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static uint8_t buf[256];

static void check(struct emit *e, const uint8_t *want, size_t n, const char *what)
{
	size_t got = (size_t)(e->p - buf);
	if (got != n || memcmp(buf, want, n) != 0) {
		print_error("%s: %zu bytes emitted, %zu expected\n", what, got, n);
		fail();
	}
}

#define CHECK(call, ...)                                                                           \
	do {                                                                                       \
		struct emit em = {.p = buf, .end = buf + sizeof buf};                              \
		struct emit *e = &em;                                                              \
		static const uint8_t want[] = {__VA_ARGS__};                                       \
		call;                                                                              \
		check(&em, want, sizeof want, #call);                                              \
	} while (0)

static void encodings(void **state)
{
	(void)state;
	CHECK(e_load(e, 4, RAX, R12, 0x10), 0x41, 0x8b, 0x44, 0x24, 0x10);
	CHECK(e_load(e, 4, RAX, RSP, 0x10), 0x8b, 0x44, 0x24, 0x10);
	CHECK(e_load(e, 4, RCX, RBP, 0), 0x8b, 0x4d, 0x00);
	CHECK(e_load(e, 4, RCX, R13, 0), 0x41, 0x8b, 0x4d, 0x00);
	CHECK(e_load(e, 8, R14, RBX, 0x12345), 0x4c, 0x8b, 0xb3, 0x45, 0x23, 0x01, 0x00);
	CHECK(e_load(e, 1, RSI, RBX, 5), 0x0f, 0xb6, 0x73, 0x05);
	CHECK(e_load(e, 2, R8, RBP, 8), 0x44, 0x0f, 0xb7, 0x45, 0x08);
	CHECK(e_load_sx(e, 1, RAX, RDI, 0), 0x0f, 0xbe, 0x07);
	CHECK(e_store(e, 1, RSI, RBX, 4), 0x40, 0x88, 0x73, 0x04);
	CHECK(e_store(e, 1, RDI, RAX, 0), 0x40, 0x88, 0x38);
	CHECK(e_store(e, 2, R13, RBX, 2), 0x66, 0x44, 0x89, 0x6b, 0x02);
	CHECK(e_store_imm(e, 2, RBX, 2, 0x1234), 0x66, 0xc7, 0x43, 0x02, 0x34, 0x12);
	CHECK(e_store_imm(e, 1, RDI, 0, 0x7f), 0xc6, 0x07, 0x7f);
	CHECK(e_store_imm(e, 8, RBP, 0x40, (uint32_t)-5), 0x48, 0xc7, 0x45, 0x40, 0xfb, 0xff, 0xff,
	      0xff);
	CHECK(e_alu_rr(e, 4, 0, RDX, RCX), 0x01, 0xca);
	CHECK(e_alu_rr(e, 4, 7, RDX, R13), 0x44, 0x39, 0xea);
	CHECK(e_alu_ri(e, 8, 0, R14, 1), 0x49, 0x83, 0xc6, 0x01);
	CHECK(e_alu_ri(e, 4, 4, RAX, 0x7fe0), 0x81, 0xe0, 0xe0, 0x7f, 0x00, 0x00);
	CHECK(e_alu_mi(e, 1, 7, RBP, 0x30, 0), 0x80, 0x7d, 0x30, 0x00);
	CHECK(e_alu_mi(e, 4, 7, RBP, 0x20, -1), 0x83, 0x7d, 0x20, 0xff);
	CHECK(e_lea(e, 4, RCX, RSI, 3), 0x8d, 0x4e, 0x03);
	CHECK(e_lea_sib(e, RSI, RSI, RAX, 2, 0x10), 0x40, 0x8d, 0x74, 0x86, 0x10);
	CHECK(e_lea_sib(e, R10, R13, R9, 1, 0), 0x47, 0x8d, 0x54, 0x4d, 0x00);
	CHECK(e_shift_ri(e, 4, 4, RDX, 5), 0xc1, 0xe2, 0x05);
	CHECK(e_shift_ri(e, 4, 5, RAX, 7), 0xc1, 0xe8, 0x07);
	CHECK(e_shift_rcl(e, 7, R11), 0x41, 0xd3, 0xfb);
	CHECK(e_setcc(e, CC_NE, RSI), 0x40, 0x0f, 0x95, 0xc6);
	CHECK(e_setcc(e, CC_E, RAX), 0x0f, 0x94, 0xc0);
	CHECK(e_movzx_rr(e, 1, RSI, RSI), 0x40, 0x0f, 0xb6, 0xf6);
	CHECK(e_imul_rr(e, RAX, RCX), 0x0f, 0xaf, 0xc1);
	CHECK(e_op_rr(e, 4, 0xFF, 0, RDX), 0xff, 0xc2);
	CHECK(e_op_rr(e, 4, 0xFF, 1, R13), 0x41, 0xff, 0xcd);
	CHECK(e_inc_m64(e, RBP, 0x28), 0x48, 0xff, 0x45, 0x28);
	CHECK(e_test_rr(e, 8, RDX, RDX), 0x48, 0x85, 0xd2);
	CHECK(e_test_m8(e, RBP, 0x31, 2), 0xf6, 0x45, 0x31, 0x02);
	CHECK(e_mov_ri(e, R9, 0x12345678), 0x41, 0xb9, 0x78, 0x56, 0x34, 0x12);
	CHECK(e_mov_ri64(e, RAX, 0x1122334455667788ull), 0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44,
	      0x33, 0x22, 0x11);
	CHECK(e_call(e, (const void *)(uintptr_t)0x1122334455667788ull), 0x48, 0xb8, 0x88, 0x77,
	      0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0xff, 0xd0);
	CHECK(e_alu_rm(e, 8, 0, RAX, RBP, 0x100), 0x48, 0x03, 0x85, 0x00, 0x01, 0x00, 0x00);
	CHECK(e_alu_mr(e, 8, 0, RBP, 0x58, R15), 0x4c, 0x01, 0x7d, 0x58);
	CHECK(e_load_sx(e, 2, RAX, RBX, 0x1c), 0x0f, 0xbf, 0x43, 0x1c);
	CHECK(e_store(e, 4, R8, RDI, 0), 0x44, 0x89, 0x07);
}

/* A full buffer never overflows: it stops and says so. */
static void full_buffer(void **state)
{
	(void)state;
	uint8_t small[5];
	struct emit em = {.p = small, .end = small + sizeof small};
	e_mov_ri64(&em, RAX, 0x1122334455667788ull);
	assert_true(em.full);
	assert_ptr_equal(em.p, small + sizeof small);
}

/* Jumps are patched relative to the end of their rel32 field. */
static void jump_patch(void **state)
{
	(void)state;
	struct emit em = {.p = buf, .end = buf + sizeof buf};
	uint8_t *j1 = e_jcc(&em, CC_NE);
	uint8_t *j2 = e_jmp(&em);
	e_patch(j1, buf + 100);
	e_patch(j2, buf);
	static const uint8_t want[] = {0x0f, 0x85, 100 - 6, 0, 0, 0, 0xe9, 0xf5, 0xff, 0xff, 0xff};
	assert_memory_equal(buf, want, sizeof want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(encodings),
	    cmocka_unit_test(full_buffer),
	    cmocka_unit_test(jump_patch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
