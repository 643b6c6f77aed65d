/*
 * Compiled blocks against the interpreter on random straight-line code rich in flag
 * producers and consumers: ALU operations of every size, INC/DEC, NOT/NEG, rotates (every
 * form, register and memory), shifts (register and memory), BT/BTS/BTR/BTC, SETcc, ADC/SBB,
 * PUSHF (which exposes the flags), short Jcc, and memory operands that cross into the next page or
 * fault on an unmapped one in the middle of a block. Both engines, for both vendor models, must end
 * with the same registers, EFLAGS, memory, exception (vector, error code, CR2), instruction count
 * and TLB statistics: flag liveness may drop a lazy-flag record only where nothing can see it.
 * JITF_SEED=N and JITF_N=COUNT (environment) run another seed and more programs per test, for
 * longer searches by hand; the defaults are what the suite runs.
 */
#include "test_cpu_fixture.h"
#include "cpu/jit.h"

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

/* registers the programs use: EAX ECX EDX EBX ESI EDI (ESP and EBP left alone) */
static unsigned reg(void)
{
	static const unsigned r[] = {0, 1, 2, 3, 6, 7};
	return r[pick(6)];
}
static unsigned reg8(void)
{
	return pick(8); /* AL..BH */
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
/* an absolute memory operand: mostly in DATA, sometimes crossing into DATA2, rarely in the
 * unmapped HOLE (a page fault in the middle of the block) */
static void mem_operand(struct prog *p, unsigned ext)
{
	uint32_t a;
	unsigned k = pick(40);
	if (k == 0)
		a = HOLE + pick(64);
	else if (k < 5)
		a = DATA2 - 1 - pick(3);
	else
		a = DATA + pick(256);
	put(p, ext << 3 | 5);
	put32(p, a);
}
static void size_prefix(struct prog *p, unsigned sz)
{
	if (sz == 2)
		put(p, 0x66);
}

static void gen_insn(struct prog *p)
{
	unsigned sz = (unsigned[]){1, 2, 4, 4, 4}[pick(5)];
	unsigned w = sz != 1;
	switch (pick(17)) {
	case 0:
	case 1: /* ALU r, r */
		size_prefix(p, sz);
		put(p, pick(8) << 3 | w);
		put(p, 0xC0 | (sz == 1 ? reg8() : reg()) << 3 | (sz == 1 ? reg8() : reg()));
		break;
	case 2: /* ALU r/m, imm8 */
		if (pick(4) == 0) {
			put(p, 0x83);
			mem_operand(p, pick(8));
		} else {
			put(p, 0x83);
			put(p, 0xC0 | pick(8) << 3 | reg());
		}
		put(p, pick(256));
		break;
	case 3: /* INC/DEC r (every size), TEST r, r */
		if (pick(2)) {
			if (sz == 4)
				put(p, 0x40 | pick(2) << 3 | reg());
			else { /* FE/FF /0 /1 */
				size_prefix(p, sz);
				put(p, 0xFE | w);
				put(p, 0xC0 | pick(2) << 3 | (sz == 1 ? reg8() : reg()));
			}
		} else {
			put(p, 0x85);
			put(p, 0xC0 | reg() << 3 | reg());
		}
		break;
	case 4: /* NOT/NEG; MUL r/m32 (its template, Intel's only) */
		if (pick(3) == 0) {
			put(p, 0xF7);
			if (pick(4) == 0)
				mem_operand(p, 4);
			else
				put(p, 0xC0 | 4 << 3 | reg());
			break;
		}
		size_prefix(p, sz);
		put(p, 0xF6 | w);
		if (pick(4) == 0)
			mem_operand(p, 2 + pick(2));
		else
			put(p, 0xC0 | (2 + pick(2)) << 3 | (sz == 1 ? reg8() : reg()));
		break;
	case 5:
	case 6:
	case 7: { /* ROL/ROR by 1, CL, imm8 */
		unsigned form = pick(3), op = pick(2);
		size_prefix(p, sz);
		put(p, (form == 0 ? 0xD0 : form == 1 ? 0xD2 : 0xC0) | w);
		if (pick(4) == 0)
			mem_operand(p, op);
		else
			put(p, 0xC0 | op << 3 | (sz == 1 ? reg8() : reg()));
		if (form == 2)
			put(p, pick(4) ? pick(40) : pick(256));
		break;
	}
	case 8: /* MOV ECX, small (rotate counts) or MOV r, imm */
		if (pick(2)) {
			put(p, 0xB9);
			put32(p, pick(3) ? pick(70) : rnd());
		} else {
			put(p, 0xB8 | reg());
			put32(p, rnd());
		}
		break;
	case 9:			    /* SHL/SHR/SAR r32 by imm8 or CL (or of memory) */
		if (pick(4) == 0) { /* of memory, every size, by 1, CL or imm8 */
			unsigned form = pick(3);
			size_prefix(p, sz);
			put(p, (form == 0 ? 0xD0 : form == 1 ? 0xD2 : 0xC0) | w);
			mem_operand(p, (unsigned[]){4, 5, 6, 7}[pick(4)]);
			if (form == 2)
				put(p, pick(4) ? pick(34) : pick(256));
			break;
		}
		if (pick(3) == 0) {
			put(p, 0xD3);
			put(p, 0xC0 | (unsigned[]){4, 5, 7}[pick(3)] << 3 | reg());
			break;
		}
		put(p, 0xC1);
		put(p, 0xC0 | (unsigned[]){4, 5, 7}[pick(3)] << 3 | reg());
		put(p, pick(34));
		break;
	case 10: /* PUSHF: the flags, into memory */ put(p, 0x9C); break;
	case 11: /* SETcc r8 */
		put(p, 0x0F);
		put(p, 0x90 | pick(16));
		put(p, 0xC0 | reg8());
		break;
	case 12: /* ADC/SBB r, r (every size) */
		size_prefix(p, sz);
		put(p, (pick(2) ? 0x10 : 0x18) | w);
		put(p, 0xC0 | (sz == 1 ? reg8() << 3 | reg8() : reg() << 3 | reg()));
		break;
	case 13: /* Jcc over a NOP: the flags read, a block boundary on one path */
		put(p, 0x70 | pick(16));
		put(p, 1);
		put(p, 0x90);
		break;
	case 14: /* MOV r32, r32 / LEA: flags pass through */
		if (pick(2)) {
			put(p, 0x89);
			put(p, 0xC0 | reg() << 3 | reg());
		} else {
			put(p, 0x8D);
			put(p, 0x80 | reg() << 3 | reg());
			put32(p, rnd());
		}
		break;
	case 15: { /* BT/BTS/BTR/BTC r/m16/32 by a register or imm8 */
		unsigned kind = pick(4), bsz = sz == 1 ? 4 : sz;
		size_prefix(p, bsz);
		put(p, 0x0F);
		unsigned form = pick(8);
		if (form < 3) { /* register offset, register operand (rarely memory: ECX) */
			put(p, 0xA3 | kind << 3);
			if (form == 0 && pick(4) == 0)
				mem_operand(p, 1);
			else
				put(p, 0xC0 | reg() << 3 | reg());
		} else {
			put(p, 0xBA);
			if (form < 5)
				mem_operand(p, 4 + kind);
			else
				put(p, 0xC0 | (4 + kind) << 3 | reg());
			put(p, pick(4) ? pick(bsz * 8) : pick(256));
		}
		break;
	}
	default: /* ALU r32, [mem] */
		put(p, pick(8) << 3 | 3);
		mem_operand(p, reg());
		break;
	}
}

/* Register traffic for the host-register cache (jit_regs.c): 32-bit operations on
 * registers, read from any of the eight, with loads, stores and memory ALU forms in
 * between (some crossing a page, so their slow paths run and rejoin), partial-register
 * writes, LEA in every addressing form, and flag consumers. */
static unsigned any_reg(void)
{
	return pick(8);
}
static void gen_reg_insn(struct prog *p)
{
	switch (pick(14)) {
	case 0:
	case 1:
	case 2: /* ALU r32, r32, both directions */
		put(p, pick(8) << 3 | (pick(2) ? 1 : 3));
		if ((p->b[p->n - 1] & 2) == 0)
			put(p, 0xC0 | any_reg() << 3 | reg());
		else
			put(p, 0xC0 | reg() << 3 | any_reg());
		break;
	case 3: /* ALU r32, imm8 / imm32; TEST r32, imm32 */
		if (pick(4) == 0) {
			put(p, 0xF7);
			put(p, 0xC0 | reg());
			put32(p, pick(2) ? rnd() : pick(16));
			break;
		}
		put(p, pick(2) ? 0x83 : 0x81);
		put(p, 0xC0 | pick(8) << 3 | reg());
		if (p->b[p->n - 2] == 0x83)
			put(p, pick(256));
		else
			put32(p, rnd());
		break;
	case 4: /* MOV r32, r32 */
		put(p, pick(2) ? 0x89 : 0x8B);
		if (p->b[p->n - 1] == 0x89)
			put(p, 0xC0 | any_reg() << 3 | reg());
		else
			put(p, 0xC0 | reg() << 3 | any_reg());
		break;
	case 5: { /* LEA r32: [b], [b + disp8], [b + i * s + disp], [i * s + disp32] */
		unsigned k = pick(4), d = reg();
		put(p, 0x8D);
		if (k == 0) {
			unsigned b = any_reg();
			if (b == 4 || b == 5) {
				put(p, 0x40 | d << 3 | b);
				if (b == 4)
					put(p, 0x24);
				put(p, pick(256));
			} else
				put(p, d << 3 | b);
		} else if (k == 1) {
			put(p, 0x40 | d << 3 | 4);
			put(p, pick(4) << 6 | (unsigned[]){0, 1, 2, 3, 5, 6, 7}[pick(7)] << 3 |
				   any_reg());
			put(p, pick(256));
		} else if (k == 2) {
			put(p, 0x80 | d << 3 | 4);
			put(p, pick(4) << 6 | (unsigned[]){0, 1, 2, 3, 5, 6, 7}[pick(7)] << 3 |
				   any_reg());
			put32(p, rnd());
		} else {
			put(p, d << 3 | 4);
			put(p, pick(4) << 6 | (unsigned[]){0, 1, 2, 3, 5, 6, 7}[pick(7)] << 3 | 5);
			put32(p, rnd());
		}
		break;
	}
	case 6: /* shifts and rotates of r32 by an immediate */
		put(p, pick(3) ? 0xC1 : 0xD1);
		put(p, 0xC0 | (unsigned[]){0, 1, 4, 5, 7}[pick(5)] << 3 | reg());
		if (p->b[p->n - 2] == 0xC1)
			put(p, pick(40));
		break;
	case 7: /* NOT/NEG, INC/DEC r32 */
		if (pick(2)) {
			put(p, 0xF7);
			put(p, 0xC0 | (2 + pick(2)) << 3 | reg());
		} else
			put(p, 0x40 | pick(2) << 3 | reg());
		break;
	case 8: /* CMP/TEST r32, r32, then a consumer */
		put(p, pick(2) ? 0x39 : 0x85);
		put(p, 0xC0 | any_reg() << 3 | reg());
		switch (pick(3)) {
		case 0:
			put(p, 0x0F);
			put(p, 0x90 | pick(16));
			put(p, 0xC0 | reg8());
			break;
		case 1:
			put(p, 0x70 | pick(16));
			put(p, 1);
			put(p, 0x90);
			break;
		default: put(p, 0x11); put(p, 0xC0 | any_reg() << 3 | reg());
		}
		break;
	case 9: /* MOV r32, imm32; partial writes: MOV r8, imm8, ALU r8, r8, MOV r16, r16 */
		switch (pick(4)) {
		case 0:
			put(p, 0xB8 | reg());
			put32(p, pick(2) ? rnd() : pick(64));
			break;
		case 1:
			put(p, 0xB0 | reg8());
			put(p, pick(256));
			break;
		case 2:
			put(p, pick(8) << 3);
			put(p, 0xC0 | reg8() << 3 | reg8());
			break;
		default:
			put(p, 0x66);
			put(p, 0x89);
			put(p, 0xC0 | any_reg() << 3 | reg());
		}
		break;
	case 10:
	case 11: /* memory: MOV r32, m / m, r32; ALU r32, m; ALU m, r32; ALU m, imm */
		switch (pick(5)) {
		case 0: put(p, 0x8B); break;
		case 1: put(p, 0x89); break;
		case 2: put(p, pick(8) << 3 | 3); break;
		case 3: put(p, pick(8) << 3 | 1); break;
		default:
			put(p, 0x83);
			mem_operand(p, pick(8));
			put(p, pick(256));
			return;
		}
		mem_operand(p, p->b[p->n - 1] == 0x89 || (p->b[p->n - 1] & 2) == 0 ? any_reg()
										   : reg());
		break;
	case 12: /* XCHG r32, r32; MOVZX/MOVSX r32, r8 */
		if (pick(2)) {
			put(p, 0x87);
			put(p, 0xC0 | reg() << 3 | reg());
		} else {
			put(p, 0x0F);
			put(p, pick(2) ? 0xB6 : 0xBE);
			put(p, 0xC0 | reg() << 3 | reg8());
		}
		break;
	default: /* IMUL r32, r32; PUSHF */
		if (pick(4) == 0) {
			put(p, 0x9C);
			break;
		}
		put(p, 0x0F);
		put(p, 0xAF);
		put(p, 0xC0 | reg() << 3 | any_reg());
	}
}

/* The register cache's hard cases (jit_regs.c), for the stores it defers: long runs of
 * register-only instructions on all eight registers (ESP kept inside the stack page) with
 * every form jit_insn_pure accepts (eAX/imm forms, ADC/SBB, XCHG eAX, shifts by 1, the
 * zeroing idioms), broken by what must see c->regs exact: 8/16-bit accesses of the same
 * registers (AH..BH included), PUSH/POP, CMPXCHG/XADD, CPUID/RDTSC/BSWAP/CDQ through their
 * handlers, DIV and loads that fault (#DE, #PF) in the middle of the block, and stores into
 * the block's own code (the immediate of a MOV a few instructions on). */
static unsigned dst_reg(void)
{
	static const unsigned r[] = {0, 1, 2, 3, 5, 6, 7};
	return r[pick(7)];
}
static void gen_pure(struct prog *p)
{
	switch (pick(13)) {
	case 0:
	case 1: /* ALU r32, r32 (ADC/SBB included), both directions; XOR/SUB r, r */
		put(p, pick(8) << 3 | (pick(2) ? 1 : 3));
		if (pick(6) == 0) {
			unsigned r = dst_reg();
			p->b[p->n - 1] = (uint8_t)((pick(2) ? 6 : 5) << 3 | 1);
			put(p, 0xC0 | r << 3 | r);
		} else if ((p->b[p->n - 1] & 2) == 0)
			put(p, 0xC0 | any_reg() << 3 | dst_reg());
		else
			put(p, 0xC0 | dst_reg() << 3 | any_reg());
		break;
	case 2: /* ALU eAX, imm32; ALU r32, imm8/imm32; TEST eAX/r32, imm32 */
		switch (pick(4)) {
		case 0:
			put(p, pick(8) << 3 | 5);
			put32(p, pick(2) ? rnd() : pick(4));
			break;
		case 1:
			put(p, 0xA9);
			put32(p, rnd());
			break;
		case 2:
			put(p, 0xF7);
			put(p, 0xC0 | dst_reg());
			put32(p, rnd());
			break;
		default:
			put(p, pick(2) ? 0x83 : 0x81);
			put(p, 0xC0 | pick(8) << 3 | dst_reg());
			if (p->b[p->n - 2] == 0x83)
				put(p, pick(256));
			else
				put32(p, rnd());
		}
		break;
	case 3: /* MOV r32, r32 / imm32 (B8, C7) */
		switch (pick(3)) {
		case 0:
			put(p, pick(2) ? 0x89 : 0x8B);
			if (p->b[p->n - 1] == 0x89)
				put(p, 0xC0 | any_reg() << 3 | dst_reg());
			else
				put(p, 0xC0 | dst_reg() << 3 | any_reg());
			break;
		case 1:
			put(p, 0xB8 | dst_reg());
			put32(p, rnd());
			break;
		default:
			put(p, 0xC7);
			put(p, 0xC0 | dst_reg());
			put32(p, rnd());
		}
		break;
	case 4: /* XCHG r32, r32; XCHG eAX, r32 */
		if (pick(2)) {
			put(p, 0x87);
			put(p, 0xC0 | dst_reg() << 3 | dst_reg());
		} else
			put(p, 0x90 | dst_reg());
		break;
	case 5: { /* LEA r32 from any register */
		unsigned d = dst_reg();
		put(p, 0x8D);
		if (pick(2)) {
			unsigned b = any_reg();
			put(p, 0x40 | d << 3 | b);
			if (b == 4)
				put(p, 0x24);
			put(p, pick(256));
		} else {
			put(p, 0x80 | d << 3 | 4);
			put(p, pick(4) << 6 | (unsigned[]){0, 1, 2, 3, 5, 6, 7}[pick(7)] << 3 |
				   any_reg());
			put32(p, rnd());
		}
		break;
	}
	case 6: /* SHL/SHR/SAL/SAR/ROL/ROR r32 by 1 or imm8 */
		put(p, pick(2) ? 0xC1 : 0xD1);
		put(p, 0xC0 | (unsigned[]){0, 1, 4, 5, 6, 7}[pick(6)] << 3 | dst_reg());
		if (p->b[p->n - 2] == 0xC1)
			put(p, pick(40));
		break;
	case 7: /* NOT/NEG; INC/DEC (40+r, FF /0 /1) */
		switch (pick(3)) {
		case 0:
			put(p, 0xF7);
			put(p, 0xC0 | (2 + pick(2)) << 3 | dst_reg());
			break;
		case 1: put(p, 0x40 | pick(2) << 3 | dst_reg()); break;
		default: put(p, 0xFF); put(p, 0xC0 | pick(2) << 3 | dst_reg());
		}
		break;
	case 8: /* SETcc r8 */
		put(p, 0x0F);
		put(p, 0x90 | pick(16));
		put(p, 0xC0 | reg8());
		break;
	case 9: /* CMP/TEST r32, r32 */
		put(p, pick(2) ? 0x39 : 0x85);
		put(p, 0xC0 | any_reg() << 3 | any_reg());
		break;
	case 10: /* ESP within the stack page: LEA, SUB/ADD imm8, through EBP */
		switch (pick(4)) {
		case 0:
			put(p, 0x8D);
			put(p, 0x64);
			put(p, 0x24);
			put(p, 256 - 4 * pick(8));
			break;
		case 1:
			put(p, 0x83);
			put(p, 0xEC);
			put(p, 4 * pick(8));
			break;
		case 2:
			put(p, 0x89);
			put(p, 0xE5);
			break; /* mov %esp,%ebp */
		default:
			put(p, 0x83);
			put(p, 0xC4);
			put(p, 4 * pick(3));
		}
		break;
	default: /* NOP */ put(p, 0x90);
	}
}
static void gen_cache_insn(struct prog *p)
{
	if (p->n == 0) { /* lea -0x200(%esp),%esp: room above ESP for what follows */
		static const uint8_t lea[] = {0x8D, 0xA4, 0x24, 0x00, 0xFE, 0xFF, 0xFF};
		memcpy(p->b, lea, sizeof lea);
		p->n = sizeof lea;
	}
	unsigned k = pick(40);
	if (k < 24) {
		gen_pure(p);
		return;
	}
	switch (k) {
	case 24: /* 8-bit: MOV r8, r8 / imm8, ALU r8, r8, XCHG r8, r8 */
		switch (pick(4)) {
		case 0:
			put(p, 0x88);
			put(p, 0xC0 | reg8() << 3 | reg8());
			break;
		case 1:
			put(p, 0xB0 | reg8());
			put(p, pick(256));
			break;
		case 2:
			put(p, pick(8) << 3);
			put(p, 0xC0 | reg8() << 3 | reg8());
			break;
		default: put(p, 0x86); put(p, 0xC0 | reg8() << 3 | reg8());
		}
		break;
	case 25: /* 16-bit: MOV r16, r16 / imm16, ALU r16, r16, INC r16 */
		put(p, 0x66);
		switch (pick(4)) {
		case 0:
			put(p, 0x89);
			put(p, 0xC0 | any_reg() << 3 | dst_reg());
			break;
		case 1:
			put(p, 0xB8 | dst_reg());
			put(p, pick(256));
			put(p, pick(256));
			break;
		case 2:
			put(p, pick(8) << 3 | 1);
			put(p, 0xC0 | any_reg() << 3 | dst_reg());
			break;
		default: put(p, 0x40 | dst_reg());
		}
		break;
	case 26: /* MOVZX/MOVSX r32, r8/r16 */
		put(p, 0x0F);
		put(p, (unsigned[]){0xB6, 0xB7, 0xBE, 0xBF}[pick(4)]);
		put(p, 0xC0 | dst_reg() << 3 | any_reg());
		break;
	case 27: /* PUSH r32 (ESP too), POP r32 (not ESP), PUSH imm8, PUSHF */
		switch (pick(4)) {
		case 0: put(p, 0x50 | any_reg()); break;
		case 1: put(p, 0x58 | dst_reg()); break;
		case 2:
			put(p, 0x6A);
			put(p, pick(256));
			break;
		default: put(p, 0x9C);
		}
		break;
	case 28: /* CMPXCHG, XADD: registers or memory */
		put(p, 0x0F);
		put(p, pick(2) ? 0xB1 : 0xC1);
		if (pick(3) == 0)
			mem_operand(p, dst_reg());
		else
			put(p, 0xC0 | dst_reg() << 3 | dst_reg());
		break;
	case 29: /* handlers that read or write registers */
		switch (pick(6)) {
		case 0:
			put(p, 0x0F);
			put(p, 0xA2);
			break; /* CPUID */
		case 1:
			put(p, 0x0F);
			put(p, 0x31);
			break; /* RDTSC */
		case 2:
			put(p, 0x0F);
			put(p, 0xC8 | dst_reg());
			break;		     /* BSWAP */
		case 3: put(p, 0x99); break; /* CDQ */
		case 4: put(p, 0x98); break; /* CWDE */
		default:
			put(p, 0x0F);
			put(p, 0xAF);
			put(p, 0xC0 | dst_reg() << 3 | any_reg());
		}
		break;
	case 30: /* DIV/IDIV r32 (#DE on overflow); MUL r32 */
		put(p, 0xF7);
		put(p, 0xC0 | (pick(4) ? 4 : 6 + pick(2)) << 3 | any_reg());
		break;
	case 31: /* loads, stores and XCHG with memory (sometimes faulting) */
	case 32:
		switch (pick(5)) {
		case 0:
			put(p, 0x8B);
			mem_operand(p, dst_reg());
			break;
		case 1:
			put(p, 0x89);
			mem_operand(p, any_reg());
			break;
		case 2:
			put(p, 0x87);
			mem_operand(p, dst_reg());
			break;
		case 3:
			put(p, pick(8) << 3 | 1);
			mem_operand(p, any_reg());
			break;
		default: /* through ESP */
			put(p, pick(2) ? 0x89 : 0x8B);
			put(p, 0x44 | (p->b[p->n - 1] == 0x89 ? any_reg() : dst_reg()) << 3);
			put(p, 0x24);
			put(p, 4 * pick(8));
		}
		break;
	case 33: /* CMOVcc r32, r32; Jcc over a NOP */
		if (pick(2)) {
			put(p, 0x0F);
			put(p, 0x40 | pick(16));
			put(p, 0xC0 | dst_reg() << 3 | any_reg());
		} else {
			put(p, 0x70 | pick(16));
			put(p, 1);
			put(p, 0x90);
		}
		break;
	case 34: { /* a store into the immediate of a MOV a few register instructions on */
		struct prog q = {.n = 0};
		unsigned n = pick(5);
		for (unsigned x = 0; x < n; x++)
			gen_pure(&q);
		if (p->n + 10 + q.n + 5 > sizeof(p->b) - 64)
			break;
		put(p, 0xC7);
		put(p, 0x05);
		put32(p, CODE + (uint32_t)(p->n + 8 + q.n + 1));
		put32(p, rnd());
		memcpy(p->b + p->n, q.b, q.n);
		p->n += q.n;
		put(p, 0xB8 | dst_reg());
		put32(p, rnd());
		break;
	}
	default: /* more register work */ gen_pure(p);
	}
}

struct run {
	uint32_t regs[8], eip, eflags;
	uint64_t insns;
	enum cpu_exit exit;
	struct x86_exception ex;
	uint32_t cr2;
	struct counters ctr;
	uint8_t data[2 * PAGE_SIZE], stack[PAGE_SIZE];
};

static void run_prog(struct fx *f, const struct prog *p, const uint32_t *regs, const uint8_t *data,
		     struct run *r)
{
	memcpy(f->c.regs, regs, sizeof(f->c.regs));
	f->c.regs[R_ESP] = STACK + PAGE_SIZE;
	cpu_set_eflags(&f->c, 0x202 | (regs[R_EBP] & 0x8d5));
	memcpy(f->pm.host + DATA, data, 2 * PAGE_SIZE);
	memset(f->pm.host + STACK, 0, PAGE_SIZE);
	fx_code(f, p->b, p->n);
	memset(&f->ex, 0, sizeof(f->ex));
	r->exit = cpu_run(&f->c, 100000, &f->ex);
	memcpy(r->regs, f->c.regs, sizeof(r->regs));
	r->eip = f->c.eip;
	r->eflags = cpu_get_eflags(&f->c);
	r->insns = f->c.insns;
	r->ex = f->ex;
	r->cr2 = f->m->cr2;
	r->ctr = f->ctr;
	memcpy(r->data, f->pm.host + DATA, sizeof(r->data));
	memcpy(r->stack, f->pm.host + STACK, sizeof(r->stack));
}

static void compare(const struct run *a, const struct run *b, unsigned prog)
{
	if (a->exit != b->exit || a->eip != b->eip || a->eflags != b->eflags ||
	    memcmp(a->regs, b->regs, sizeof(a->regs)) || a->insns != b->insns)
		fail_msg("program %u: exit %d/%d eip %#x/%#x eflags %#x/%#x insns %llu/%llu", prog,
			 a->exit, b->exit, a->eip, b->eip, a->eflags, b->eflags,
			 (unsigned long long)a->insns, (unsigned long long)b->insns);
	for (int k = 0; k < 8; k++)
		assert_int_equal(a->regs[k], b->regs[k]);
	if (a->exit == CPU_EXIT_EXCEPTION) {
		assert_int_equal(a->ex.vector, b->ex.vector);
		assert_int_equal(a->ex.error_code, b->ex.error_code);
		assert_int_equal(a->cr2, b->cr2);
	}
	assert_memory_equal(&a->ctr, &b->ctr, sizeof(a->ctr));
	assert_memory_equal(a->data, b->data, sizeof(a->data));
	assert_memory_equal(a->stack, b->stack, sizeof(a->stack));
}

/* nprog programs of 4 to 4 + len - 1 instructions from gen */
static void engines_agree(enum cpu_vendor v, uint32_t seed, void (*gen)(struct prog *),
			  unsigned len)
{
	struct fx *fj = fx_new(true), *fi = fx_new(true);
	fj->c.vendor = v;
	fi->c.vendor = v;
	fi->c.jit = false;
	static struct prog p;
	static uint8_t data[2 * PAGE_SIZE];
	static struct run rj, ri;
	rng_state = getenv("JITF_SEED") ? (uint32_t)strtoul(getenv("JITF_SEED"), NULL, 0) : seed;
	unsigned nprog = getenv("JITF_N") ? (unsigned)atoi(getenv("JITF_N")) : 1500;
	for (unsigned prog = 0; prog < nprog; prog++) {
		p.n = 0;
		unsigned n = 4 + pick(len);
		for (unsigned k = 0; k < n; k++)
			gen(&p);
		put(&p, 0xCD); /* INT 0x80 */
		put(&p, 0x80);
		uint32_t regs[8];
		for (int k = 0; k < 8; k++)
			regs[k] = pick(4) ? rnd() : pick(40);
		for (size_t k = 0; k < sizeof(data); k++)
			data[k] = (uint8_t)rnd();
		/* twice each: the second run is the compiled one when the first compiled it */
		for (int round = 0; round < 2; round++) {
			run_prog(fj, &p, regs, data, &rj);
			run_prog(fi, &p, regs, data, &ri);
			compare(&rj, &ri, prog);
		}
	}
	/* no block was declined for a register store the compiler lost (jit_regs_lost) */
	assert_int_equal(fj->c.in->jit ? fj->c.in->jit->regs_lost : 0, 0);
	fx_free(fj);
	fx_free(fi);
}

/* One run of engines_agree: the vendor modelled, the generator's seed, the instruction
 * generator and the program length (the register cache's runs go past a block's 64). */
struct variant {
	enum cpu_vendor vendor;
	uint32_t seed;
	void (*gen)(struct prog *);
	unsigned len;
};
static void agree(void **state)
{
	const struct variant *v = *state;
	engines_agree(v->vendor, v->seed, v->gen, v->len);
}
#define VARIANT(name, ...)                                                                         \
	{                                                                                          \
#name, agree, NULL, NULL, &(struct variant)                                        \
		{                                                                                  \
			__VA_ARGS__                                                                \
		}                                                                                  \
	}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    VARIANT(intel, CPU_VENDOR_INTEL, 0x12345678u, gen_insn, 40),
	    VARIANT(amd, CPU_VENDOR_AMD, 0x9e3779b9u, gen_insn, 40),
	    VARIANT(registers_intel, CPU_VENDOR_INTEL, 0x2545f491u, gen_reg_insn, 40),
	    VARIANT(registers_amd, CPU_VENDOR_AMD, 0x6c078965u, gen_reg_insn, 40),
	    VARIANT(cache_intel, CPU_VENDOR_INTEL, 0x3c6ef372u, gen_cache_insn, 90),
	    VARIANT(cache_amd, CPU_VENDOR_AMD, 0xa54ff53au, gen_cache_insn, 90),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
