/*
 * Adversarial access groups (src/cpu/jit_group.c): hand-written runs of [B + disp] operands
 * where the block compiler must not take two operands as one checked range. Each case loops
 * often enough to be compiled, and prints what it read, so a member that went through a stale
 * base or a wrong host address shows against the native golden (and jit_equiv compares every
 * TLB statistic with the interpreter's).
 *  - displacements that are 1 KB apart only modulo 4 GB ([B - 0x7ffffff0], [B + 0x7ffffff0]);
 *  - the base changed between two operands by forms that write it implicitly or in part
 *    (BH, XCHG, BSWAP, CMOVcc, SETcc, BTS/BTC, CDQ/CWDE, MUL/DIV, XADD, CMPXCHG);
 *  - ranges with negative displacements across a page boundary, at every 4-byte position;
 *  - writes after reads on never-written (zero-page) bss pages;
 *  - an access through another base between two members, to pages far apart (with a
 *    one-entry TLB it evicts the members' entry);
 *  - CMOVcc's slow path (an operand across a page boundary) before an ADD and a SETcc.
 */
#include <stdio.h>
#include <stdint.h>

static unsigned buf[64];
/* page-aligned room for the base-changing cases and the page-crossing walks */
static unsigned char area[6 * 4096] __attribute__((aligned(4096)));
/* bss pages nothing writes before the zero-page case */
static unsigned char fresh[16 * 4096] __attribute__((aligned(4096)));
/* pages far apart for the evicting case */
static unsigned char far_pages[32 * 4096] __attribute__((aligned(4096)));

static unsigned h;
static void mixin(unsigned v)
{
	h = (h ^ v) * 16777619u;
}

/* [B - 0x7ffffff0] and [B + 0x7ffffff0]: 32 bytes apart in the guest's 4 GB */
__attribute__((noinline)) static unsigned wrap(uint32_t b)
{
	unsigned a, c;
	__asm__ volatile("movl -0x7ffffff0(%2), %0\n\t"
			 "movl 0x7ffffff0(%2), %1\n\t"
			 : "=&r"(a), "=&r"(c)
			 : "r"(b)
			 : "memory");
	return a * 3 + c;
}
/* the same with 0x80000000 itself (lo = INT32_MIN) and a store */
__attribute__((noinline)) static unsigned wrap_min(uint32_t b, unsigned v)
{
	unsigned a;
	__asm__ volatile("movl -0x80000000(%1), %0\n\t"
			 "addl %2, -0x7ffffffc(%1)\n\t"
			 "addl -0x7ffffff8(%1), %0\n\t"
			 : "=&r"(a)
			 : "r"(b), "r"(v)
			 : "memory", "cc");
	return a;
}
/* [B + 0x7ffffffc] (its last byte at disp 0x7fffffff) with [B + 0x7ffffff8] */
__attribute__((noinline)) static unsigned wrap_max(uint32_t b)
{
	unsigned a;
	__asm__ volatile("movl 0x7ffffff8(%1), %0\n\t"
			 "addl 0x7ffffffc(%1), %0\n\t"
			 : "=&r"(a)
			 : "r"(b)
			 : "memory", "cc");
	return a;
}

/* Base EBX changed between two [EBX + disp] operands (EBX points into area, with room
 * around it for each change). */
#define BASE_CASE(name, change)                                                                    \
	__attribute__((noinline)) static unsigned name(unsigned char *p, unsigned x)               \
	{                                                                                          \
		unsigned a, c;                                                                     \
		__asm__ volatile("push %%ebx\n\t"                                                  \
				 "mov %2, %%ebx\n\t"                                               \
				 "movl 4(%%ebx), %0\n\t"                                           \
				 "addl 8(%%ebx), %0\n\t" change "\n\t"                             \
				 "movl 4(%%ebx), %1\n\t"                                           \
				 "addl 12(%%ebx), %1\n\t"                                          \
				 "pop %%ebx\n\t"                                                   \
				 : "=&d"(a), "=&a"(c)                                              \
				 : "S"(p), "c"(x)                                                  \
				 : "memory", "cc", "edi");                                         \
		return a * 7 + c;                                                                  \
	}
BASE_CASE(bh_xor, "xorb $1, %%bh")
BASE_CASE(bh_mov, "mov %%ebx, %%eax\n\txorb $1, %%ah\n\tmovb %%ah, %%bh")
BASE_CASE(bh_inc, "incb %%bh")
BASE_CASE(bh_add, "movb $1, %%al\n\taddb %%al, %%bh")
BASE_CASE(bh_xchg, "movb %%bh, %%al\n\txorb $2, %%al\n\txchgb %%al, %%bh")
BASE_CASE(bl_setcc, "cmpl $0x80, %%ecx\n\tsetb %%bl")
BASE_CASE(xchg_eax, "lea 64(%%ebx), %%eax\n\txchg %%eax, %%ebx")
BASE_CASE(xchg_rm, "lea 128(%%ebx), %%edi\n\txchg %%edi, %%ebx")
BASE_CASE(bswap2, "bswap %%ebx\n\txorl $0x04000000, %%ebx\n\tbswap %%ebx")
BASE_CASE(cmov, "lea 256(%%ebx), %%edi\n\ttest $1, %%cl\n\tcmovnz %%edi, %%ebx")
BASE_CASE(bts_imm, "btsl $9, %%ebx")
BASE_CASE(btc_reg, "mov $10, %%edi\n\tbtcl %%edi, %%ebx")
BASE_CASE(movzx, "movzbl %%cl, %%edi\n\tlea (%%ebx,%%edi,4), %%ebx")
BASE_CASE(xadd, "mov $32, %%edi\n\txaddl %%edi, %%ebx")
BASE_CASE(cmpxchg, "mov %%ebx, %%eax\n\tlea 48(%%ebx), %%edi\n\tcmpxchgl %%edi, %%ebx")
BASE_CASE(imul3, "imul $1, %%ebx, %%ebx\n\tadd $4, %%ebx")
BASE_CASE(neg2, "negl %%ebx\n\tnegl %%ebx\n\tincl %%ebx\n\tnotl %%ebx\n\tnotl %%ebx")
BASE_CASE(
    shl_rol,
    "rorl $4, %%ebx\n\troll $4, %%ebx\n\tshrl $2, %%ebx\n\tshll $2, %%ebx\n\tsubl $-16, %%ebx")

/* Base EDX changed by MUL (the high half) and DIV (the remainder) */
__attribute__((noinline)) static unsigned muldiv(unsigned char *p, unsigned x)
{
	unsigned a, c;
	__asm__ volatile("mov %2, %%edx\n\t"
			 "movl 4(%%edx), %0\n\t"
			 "addl 8(%%edx), %0\n\t"
			 "lea 128(%2), %1\n\t"
			 "add %1, %1\n\t"
			 "mov $0x80000000, %%eax\n\t"
			 "mull %1\n\t" /* EDX = p + 128 */
			 "addl 4(%%edx), %0\n\t"
			 "addl 12(%%edx), %0\n\t"
			 "mov $64, %%eax\n\t"
			 "mov $-1, %1\n\t"
			 "divl %1\n\t" /* EDX = (p + 128) * 2^32 + 64 mod 2^32 - 1 = p + 192 */
			 "addl 4(%%edx), %0\n\t"
			 "addl 20(%%edx), %0\n\t"
			 "mov %3, %1\n\t"
			 "addl 8(%%edx), %1\n\t"
			 : "=&c"(a), "=&D"(c)
			 : "S"(p), "m"(x)
			 : "memory", "cc", "eax", "edx");
	return a * 5 + c;
}

/* ESP changed in the middle of a run of [ESP + disp] operands by XCHG EAX, ESP */
__attribute__((noinline)) static unsigned esp_xchg(unsigned x)
{
	unsigned a;
	__asm__ volatile("sub $64, %%esp\n\t"
			 "movl %1, 8(%%esp)\n\t"
			 "movl %1, 40(%%esp)\n\t"
			 "notl 40(%%esp)\n\t"
			 "lea 32(%%esp), %%eax\n\t"
			 "movl 8(%%esp), %0\n\t"
			 "xchg %%eax, %%esp\n\t"
			 "addl 8(%%esp), %0\n\t" /* [old ESP + 40] */
			 "xchg %%eax, %%esp\n\t"
			 "addl 8(%%esp), %0\n\t"
			 "add $64, %%esp\n\t"
			 : "=&r"(a)
			 : "r"(x)
			 : "memory", "cc", "eax");
	return a;
}

/* [EBX - 12] .. [EBX + 8] with EBX at every 4-byte position around a page boundary */
__attribute__((noinline)) static unsigned straddle(unsigned char *p)
{
	unsigned a;
	__asm__ volatile("movl -12(%1), %0\n\t"
			 "addl -4(%1), %0\n\t"
			 "xorl %0, 4(%1)\n\t"
			 "addl 8(%1), %0\n\t"
			 "subl -8(%1), %0\n\t"
			 : "=&r"(a)
			 : "r"(p)
			 : "memory", "cc");
	return a;
}

/* reads, then a write, on a page nothing wrote yet (the zero page, read-only, under it) */
__attribute__((noinline)) static unsigned fresh_page(unsigned char *p, unsigned v)
{
	unsigned a;
	__asm__ volatile("movl 4(%1), %0\n\t"
			 "addl 12(%1), %0\n\t"
			 "addl %2, 8(%1)\n\t"
			 "addl 8(%1), %0\n\t"
			 "movb %b2, 16(%1)\n\t"
			 "addl 16(%1), %0\n\t"
			 : "=&r"(a)
			 : "r"(p), "r"(v)
			 : "memory", "cc");
	return a;
}

/* [ESP + disp] members with an access through ESI, to another page, between them */
__attribute__((noinline)) static unsigned evict(unsigned char *q, unsigned x)
{
	unsigned a;
	__asm__ volatile("sub $32, %%esp\n\t"
			 "movl %2, 4(%%esp)\n\t"
			 "movl %2, 8(%%esp)\n\t"
			 "movl 4(%%esp), %0\n\t"
			 "addl (%1), %0\n\t"
			 "addl %0, 8(%%esp)\n\t"
			 "xorl 2048(%1), %0\n\t"
			 "addl 8(%%esp), %0\n\t"
			 "add $32, %%esp\n\t"
			 : "=&r"(a)
			 : "S"(q), "r"(x)
			 : "memory", "cc");
	return a;
}

/* CMOVcc whose operand crosses a page boundary (its slow path: the handler, which reads CF
 * through the lazy flags and may leave them materialised), then an ADD whose record is of the
 * kind the one before CMOVcc left, then SETC to memory (its handler reads that record) */
__attribute__((noinline)) static unsigned cmov_cross(unsigned char *p, unsigned x)
{
	unsigned a = x, d = x * 3;
	__asm__ volatile("addl %2, 4(%3)\n\t"
			 "cmovcl -2(%3), %0\n\t"
			 "addl 8(%3), %1\n\t"
			 "setc 12(%3)\n\t"
			 : "+r"(a), "+r"(d)
			 : "r"(x * 0x9e3779b9u), "r"(p)
			 : "memory", "cc");
	return a * 3 + d + p[12];
}

typedef unsigned (*base_fn)(unsigned char *, unsigned);
static const base_fn base_cases[] = {bh_xor,  bh_mov, bh_inc, bh_add,  bh_xchg, bl_setcc, xchg_eax,
				     xchg_rm, bswap2, cmov,   bts_imm, btc_reg, movzx,	  xadd,
				     cmpxchg, imul3,  neg2,   shl_rol, muldiv};

int main(void)
{
	for (unsigned k = 0; k < 64; k++)
		buf[k] = k * 0x01010101u;
	for (unsigned k = 0; k < sizeof area; k++)
		area[k] = (unsigned char)(k * 7 + (k >> 8));
	for (unsigned k = 0; k < sizeof far_pages; k += 512)
		far_pages[k] = (unsigned char)(k >> 9);

	uint32_t b = (uint32_t)(uintptr_t)&buf[16];
	unsigned s = 0;
	for (int r = 0; r < 100; r++)
		s = s * 7 + wrap(b + 0x7ffffff0u) + wrap_min(b + 0x80000000u, (unsigned)r) +
		    wrap_max(b - 0x7ffffff8u);
	printf("wrap %08x %08x %08x\n", s, buf[16], buf[17]);

	for (unsigned c = 0; c < sizeof base_cases / sizeof base_cases[0]; c++) {
		h = 2166136261u;
		for (unsigned r = 0; r < 200; r++)
			mixin(base_cases[c](area + 2 * 4096 + 64 * (r & 15), r));
		printf("base %2u %08x\n", c, h);
	}

	h = 2166136261u;
	for (unsigned r = 0; r < 200; r++)
		mixin(esp_xchg(r * 2654435761u));
	printf("esp_xchg %08x\n", h);

	h = 2166136261u;
	for (unsigned page = 1; page < 5; page++)
		for (int off = -24; off <= 24; off += 4)
			for (unsigned r = 0; r < 20; r++)
				mixin(straddle(area + page * 4096 + off));
	printf("straddle %08x\n", h);

	h = 2166136261u;
	for (unsigned k = 0; k < sizeof fresh; k += 256)
		for (unsigned r = 0; r < 3; r++)
			mixin(fresh_page(fresh + k, r + k));
	printf("fresh %08x\n", h);

	h = 2166136261u;
	for (unsigned r = 0; r < 400; r++)
		mixin(evict(far_pages + 4096 * (r % 31), r));
	printf("evict %08x\n", h);

	h = 2166136261u;
	for (unsigned r = 0; r < 2000; r++)
		mixin(cmov_cross(area + 4096 * (1 + r % 3) + (r % 5), r));
	printf("cmov_cross %08x\n", h);
	return 0;
}
