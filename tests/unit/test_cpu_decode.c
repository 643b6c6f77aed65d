/*
 * Decoder forms: ModRM/SIB addressing (32- and 16-bit), prefixes (operand size, address size,
 * segment overrides, LOCK, REP), immediates and their sign extension, 8-bit high registers,
 * and the executors of the less common instructions gcc and glibc emit.
 */
#include "test_cpu_fixture.h"

#define EAX f->c.regs[R_EAX]
#define EBX f->c.regs[R_EBX]
#define ECX f->c.regs[R_ECX]
#define EDX f->c.regs[R_EDX]
#define ESI f->c.regs[R_ESI]
#define EDI f->c.regs[R_EDI]
#define ESP f->c.regs[R_ESP]
#define EBP f->c.regs[R_EBP]
#define OK(r) assert_int_equal((r), CPU_EXIT_SYSCALL)

static void addressing_forms(void **state)
{
	(void)state;
	struct fx *f = fx_new(true);
	EBX = 0x100;
	ECX = 3;
	EBP = 0x2000;
	OK(RUN(f, 0x8d, 0x44, 0x8b, 0x10, INT80)); /* lea eax, [ebx+ecx*4+0x10] */
	assert_int_equal(EAX, 0x11c);
	OK(RUN(f, 0x8d, 0x04, 0xcd, 0x00, 0x01, 0, 0, INT80)); /* lea eax, [ecx*8+0x100] */
	assert_int_equal(EAX, 0x118);
	OK(RUN(f, 0x8d, 0x45, 0xfc, INT80)); /* lea eax, [ebp-4] */
	assert_int_equal(EAX, 0x1ffc);
	OK(RUN(f, 0x8d, 0x84, 0x24, 0x00, 0x10, 0, 0, INT80)); /* lea eax, [esp+0x1000] */
	assert_int_equal(EAX, ESP + 0x1000);
	fx_wr32(f, DATA + 8, 0xcafe);
	OK(RUN(f, 0x8b, 0x05, 0x08, 0x20, 0, 0, INT80)); /* mov eax, [DATA+8] */
	assert_int_equal(EAX, 0xcafe);
	/* 16-bit addressing: lea eax, [bx+si+5] with 0x67; the sum wraps at 64 KB */
	EBX = 0x1fff0;
	ESI = 0xfff0;
	OK(RUN(f, 0x67, 0x8d, 0x40, 0x05, INT80));
	assert_int_equal(EAX, (0xfff0 + 0xfff0 + 5) & 0xffff);
	/* mov ax, [bp+di] defaults to SS; mov ax,[0x2008] (mod 0 rm 6: disp16) */
	EBP = DATA;
	EDI = 8;
	OK(RUN(f, 0x67, 0x66, 0x8b, 0x03, 0x67, 0x8b, 0x1e, 0x08, 0x20, INT80));
	assert_int_equal(EAX & 0xffff, 0xcafe);
	assert_int_equal(EBX, 0xcafe);
	fx_free(f);
}

static void prefixes_and_immediates(void **state)
{
	(void)state;
	struct fx *f = fx_new(true);
	EAX = 0xaaaa5555;
	OK(RUN(f, 0x66, 0xb8, 0x34, 0x12, INT80)); /* mov ax, 0x1234 */
	assert_int_equal(EAX, 0xaaaa1234);
	OK(RUN(f, 0x66, 0x05, 0xff, 0xff, INT80)); /* add ax, 0xffff: carries out of 16 bits */
	assert_int_equal(EAX, 0xaaaa1233);
	assert_true(cpu_get_eflags(&f->c) & EFL_CF);
	OK(RUN(f, 0x83, 0xc0, 0xff, INT80)); /* add eax, -1 */
	assert_int_equal(EAX, 0xaaaa1232);
	OK(RUN(f, 0xb4, 0x7e, 0x88, 0xe7, 0x80, 0xc7, 0x01, INT80)); /* mov ah,0x7e; mov bh,ah; add bh,1 */
	assert_int_equal((EAX >> 8) & 0xff, 0x7e);
	assert_int_equal((EBX >> 8) & 0xff, 0x7f);
	uint32_t sp = ESP;
	OK(RUN(f, 0x6a, 0xff, 0x59, INT80)); /* push -1; pop ecx */
	assert_int_equal(ECX, 0xffffffffu);
	assert_int_equal(ESP, sp);
	OK(RUN(f, 0x66, 0x6a, 0x80, 0x66, 0x59, INT80)); /* push word -128; pop cx */
	assert_int_equal(ECX, 0xffffff80u);
	/* lock add [DATA], ebx; fs/gs override: gs:[0] reads the TLS segment */
	fx_wr32(f, DATA, 40);
	EBX = 2;
	OK(RUN(f, 0xf0, 0x01, 0x1d, 0x00, 0x20, 0, 0, INT80));
	assert_int_equal(fx_rd32(f, DATA), 42);
	/* 16 prefixes: longer than 15 bytes is #GP(0) */
	assert_int_equal(RUN(f, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
			     0x66, 0x66, 0x66, 0x66, 0x90),
			 CPU_EXIT_EXCEPTION);
	assert_int_equal(f->ex.vector, X86_GP);
	fx_free(f);
}

static void moves_and_exchanges(void **state)
{
	(void)state;
	struct fx *f = fx_new(true);
	EBX = 0x80ff;
	OK(RUN(f, 0x0f, 0xb6, 0xc3, 0x0f, 0xbf, 0xcb, 0x0f, 0xbe, 0xd3, INT80)); /* movzx/movsx */
	assert_int_equal(EAX, 0xff);
	assert_int_equal(ECX, 0xffff80ffu);
	assert_int_equal(EDX, 0xffffffffu);
	EAX = 0x11223344;
	OK(RUN(f, 0x0f, 0xc8, INT80)); /* bswap eax */
	assert_int_equal(EAX, 0x44332211);
	EAX = 1;
	EBX = 2;
	OK(RUN(f, 0x93, 0x0f, 0xc1, 0xd8, INT80)); /* xchg eax,ebx; xadd eax,ebx */
	assert_int_equal(EBX, 2);
	assert_int_equal(EAX, 3);
	/* cmpxchg [DATA], ecx: equal then unequal */
	fx_wr32(f, DATA, 5);
	EAX = 5;
	ECX = 9;
	OK(RUN(f, 0x0f, 0xb1, 0x0d, 0x00, 0x20, 0, 0, INT80));
	assert_int_equal(fx_rd32(f, DATA), 9);
	assert_true(cpu_get_eflags(&f->c) & EFL_ZF);
	OK(RUN(f, 0x0f, 0xb1, 0x0d, 0x00, 0x20, 0, 0, INT80));
	assert_int_equal(EAX, 9);
	assert_false(cpu_get_eflags(&f->c) & EFL_ZF);
	/* cmpxchg8b [DATA] */
	fx_wr32(f, DATA, 1);
	fx_wr32(f, DATA + 4, 2);
	EAX = 1, EDX = 2, EBX = 0x33, ECX = 0x44;
	OK(RUN(f, 0x0f, 0xc7, 0x0d, 0x00, 0x20, 0, 0, INT80));
	assert_int_equal(fx_rd32(f, DATA), 0x33);
	assert_int_equal(fx_rd32(f, DATA + 4), 0x44);
	/* cmov and setcc: cmp 1,2 -> below */
	EAX = 1, EBX = 2, ECX = 7, EDX = 0;
	OK(RUN(f, 0x39, 0xd8, 0x0f, 0x42, 0xd1, 0x0f, 0x9f, 0xc0, INT80)); /* cmovb edx,ecx; setg al */
	assert_int_equal(EDX, 7);
	assert_int_equal(EAX & 0xff, 0);
	/* xlat */
	f->pm.host[DATA + 5] = 0x77;
	EBX = DATA, EAX = 5;
	OK(RUN(f, 0xd7, INT80));
	assert_int_equal(EAX & 0xff, 0x77);
	fx_free(f);
}

static void stack_frames(void **state)
{
	(void)state;
	struct fx *f = fx_new(true);
	uint32_t sp = ESP;
	EBP = 0x1234;
	OK(RUN(f, 0xc8, 0x10, 0x00, 0x00, 0x89, 0xe8, 0xc9, INT80)); /* enter 16,0; mov eax,ebp; leave */
	assert_int_equal(EAX, sp - 4);
	assert_int_equal(ESP, sp);
	assert_int_equal(EBP, 0x1234);
	/* enter 8,2 copies one display entry and pushes the frame pointer */
	EBP = STACK + 0x800;
	fx_wr32(f, STACK + 0x800 - 4, 0xd15b);
	OK(RUN(f, 0xc8, 0x08, 0x00, 0x02, INT80));
	assert_int_equal(EBP, sp - 4);
	assert_int_equal(fx_rd32(f, sp - 4), STACK + 0x800);
	assert_int_equal(fx_rd32(f, sp - 8), 0xd15b);
	assert_int_equal(fx_rd32(f, sp - 12), sp - 4);
	assert_int_equal(ESP, sp - 12 - 8);
	ESP = sp;
	EAX = 1, ECX = 2, EDX = 3, EBX = 4, EBP = 6, ESI = 7, EDI = 8;
	OK(RUN(f, 0x60, 0x31, 0xc0, 0x31, 0xdb, 0x61, INT80)); /* pusha; zero eax, ebx; popa */
	assert_int_equal(EAX, 1);
	assert_int_equal(EBX, 4);
	assert_int_equal(ESP, sp);
	assert_int_equal(fx_rd32(f, sp - 20), sp); /* the ESP pushed is the original one */
	/* call; ret 4 */
	OK(RUN(f, 0x6a, 0x00, 0xe8, 0x02, 0, 0, 0, 0xeb, 0x04, 0xc2, 0x04, 0x00, 0x90, INT80));
	assert_int_equal(ESP, sp);
	assert_int_equal(f->c.eip, CODE + 15);
	fx_free(f);
}

static void strings(void **state)
{
	(void)state;
	struct fx *f = fx_new(true);
	/* rep stosd, rep movsb (overlapping forward), repne scasb as strlen */
	EDI = DATA, ECX = 4, EAX = 0x61616161;
	OK(RUN(f, 0xfc, 0xf3, 0xab, INT80));
	assert_int_equal(fx_rd32(f, DATA + 12), 0x61616161);
	assert_int_equal(EDI, DATA + 16);
	f->pm.host[DATA + 16] = 0;
	EDI = DATA, ECX = 0xffffffffu, EAX = 0;
	OK(RUN(f, 0xf2, 0xae, INT80));
	assert_int_equal(~ECX - 1, 16);
	ESI = DATA, EDI = DATA2, ECX = 17;
	OK(RUN(f, 0xf3, 0xa4, INT80));
	assert_int_equal(memcmp(f->pm.host + DATA, f->pm.host + DATA2, 17), 0);
	/* repe cmpsb stops at the first difference */
	f->pm.host[DATA2 + 5] = 'X';
	ESI = DATA, EDI = DATA2, ECX = 17;
	OK(RUN(f, 0xf3, 0xa6, INT80));
	assert_int_equal(ESI, DATA + 6);
	assert_int_equal(ECX, 11);
	assert_false(cpu_get_eflags(&f->c) & EFL_ZF);
	/* std; lodsw walks down */
	ESI = DATA + 2;
	OK(RUN(f, 0xfd, 0x66, 0xad, 0xfc, INT80));
	assert_int_equal(ESI, DATA);
	assert_int_equal(EAX & 0xffff, 0x6161);
	/* a string move that crosses pages element by element */
	ESI = DATA + 0xffe, EDI = DATA2 + 0x100, ECX = 1;
	fx_wr32(f, DATA + 0xffc, 0xdeadbeef);
	f->pm.host[DATA2] = 0xab;
	OK(RUN(f, 0xa5, INT80)); /* movsd, source crossing into DATA2 */
	assert_int_equal(fx_rd32(f, DATA2 + 0x100), 0x61abdeadu);
	assert_int_equal(ESI, DATA2 + 2);
	fx_free(f);
}

static void bits_and_loops(void **state)
{
	(void)state;
	struct fx *f = fx_new(true);
	/* bts [DATA], eax with a bit offset beyond the dword: bit string addressing */
	memset(f->pm.host + DATA, 0, 64);
	EAX = 100;
	OK(RUN(f, 0x0f, 0xab, 0x05, 0x00, 0x20, 0, 0, INT80));
	assert_int_equal(f->pm.host[DATA + 12], 1u << 4);
	EAX = (uint32_t)-1; /* bit -1: the top bit of the dword below */
	OK(RUN(f, 0x0f, 0xa3, 0x05, 0x10, 0x20, 0, 0, INT80)); /* bt [DATA+0x10], eax */
	assert_false(cpu_get_eflags(&f->c) & EFL_CF);
	EBX = 0x00f00000;
	OK(RUN(f, 0x0f, 0xbc, 0xc3, 0x0f, 0xbd, 0xcb, INT80)); /* bsf eax,ebx; bsr ecx,ebx */
	assert_int_equal(EAX, 20);
	assert_int_equal(ECX, 23);
	EAX = 0x12345678, EBX = 0x9abcdef0;
	OK(RUN(f, 0x0f, 0xa4, 0xd8, 0x08, INT80)); /* shld eax, ebx, 8 */
	assert_int_equal(EAX, 0x3456789a);
	/* loop: sum 1..10 */
	ECX = 10, EAX = 0;
	OK(RUN(f, 0x01, 0xc8, 0xe2, 0xfc, INT80));
	assert_int_equal(EAX, 55);
	ECX = 0;
	OK(RUN(f, 0xe3, 0x02, 0xb0, 0x01, INT80)); /* jecxz skips mov al,1 */
	assert_int_equal(EAX & 0xff, 55);
	/* imul 3-operand, mul/div 16-bit, cdq, cbw */
	EBX = 7;
	OK(RUN(f, 0x6b, 0xc3, 0xfd, INT80)); /* imul eax, ebx, -3 */
	assert_int_equal(EAX, (uint32_t)-21);
	OK(RUN(f, 0x99, INT80));
	assert_int_equal(EDX, 0xffffffffu);
	EAX = 0x80;
	OK(RUN(f, 0x66, 0x98, INT80)); /* cbw */
	assert_int_equal(EAX & 0xffff, 0xff80);
	/* DAA after 0x19 + 0x28 = 0x41 -> 0x47 */
	EAX = 0x19;
	OK(RUN(f, 0x04, 0x28, 0x27, INT80));
	assert_int_equal(EAX & 0xff, 0x47);
	fx_free(f);
}

static void cpuid_and_x87_dispatch(void **state)
{
	(void)state;
	struct fx *f = fx_new(true);
	EAX = 0;
	OK(RUN(f, 0x0f, 0xa2, INT80));
	assert_int_equal(EBX, 0x756e6547);
	assert_int_equal(EDX, 0x49656e69);
	assert_int_equal(ECX, 0x6c65746e);
	EAX = 1;
	OK(RUN(f, 0x0f, 0xa2, INT80));
	assert_int_equal(EAX, 0xf29);  /* family 15 model 2 stepping 9: a Pentium 4 */
	assert_int_equal(EBX, 4u << 8); /* a 32-byte CLFLUSH line */
	assert_int_equal(ECX, 0);       /* no SSE3 */
	assert_int_equal(EDX, 0x0788a159u);
	assert_true(EDX & (1u << 15)); /* CMOV */
	assert_true(EDX & (1u << 8));  /* CX8 */
	assert_true(EDX & (1u << 23)); /* MMX */
	assert_true(EDX & (1u << 24)); /* FXSR */
	assert_true(EDX & (1u << 25)); /* SSE */
	assert_true(EDX & (1u << 26)); /* SSE2 */
	f->c.vendor = CPU_VENDOR_AMD;
	EAX = 1;
	OK(RUN(f, 0x0f, 0xa2, INT80));
	assert_int_equal(EAX, 0xf48); /* family 15 model 4: the same features */
	assert_int_equal(EDX, 0x0788a159u);
	f->c.vendor = CPU_VENDOR_INTEL;
	/* fld1; fstp dword [DATA]; the memory operand's address is the decoder's */
	OK(RUN(f, 0xd9, 0xe8, 0xd9, 0x1d, 0x00, 0x20, 0, 0, INT80));
	assert_int_equal(fx_rd32(f, DATA), 0x3f800000);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(addressing_forms),
		cmocka_unit_test(prefixes_and_immediates),
		cmocka_unit_test(moves_and_exchanges),
		cmocka_unit_test(stack_frames),
		cmocka_unit_test(strings),
		cmocka_unit_test(bits_and_loops),
		cmocka_unit_test(cpuid_and_x87_dispatch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
