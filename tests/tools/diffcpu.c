/*
 * The CPU differential tester: generates instruction sequences (per opcode form from a table,
 * and random ones from a seed), runs each on the host processor (build/native/
 * diffcpu_native, a -m32 helper) and in vmlab's interpreter, and compares registers, EFLAGS
 * (CF PF AF ZF SF DF OF), the pages the code may touch, exceptions, and for x87 cases the
 * whole FNSAVE image. Prints one TAP line per group with the first mismatch. docs/difftest.md.
 *
 * The interpreter's machine: paging on, identity mappings of exactly the pages the native
 * helper maps (code, data, stack, and the low page when the host has it) as user pages,
 * CPL 3, flat segments with the selectors the host's 32-bit processes have (from a GDT in
 * simulated memory, so segment loads go through the segmentation unit).
 *
 * Usage: diffcpu [--native PATH] [--seed N] [--scale N] [--group NAME] [--verbose] [--light]
 *                [--no-jit] [--cpu intel|amd|amd-zen3|host]   (the vendor modelled: the host's by
 * default)
 *                [--tlb all|default|off|tiny]   (all: every case on the three machines)
 *                [--replay FILE]   (the AMD model against recorded AMD differences, no host)
 */
#include <cpuid.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../native/diffcpu_case.h"
#include "cpu/cpu.h"
#include "hw/mmu.h"
#include "hw/physmem.h"
#include "trace/counters.h"

/* The interpreter stopped at an INT 0x80 that is not the case's end marker. */
#define DC_STRAY_SYSCALL 0xfffffffdu

/* ---------------------------------------------------------------- random numbers */

static uint64_t rng_state;

static uint64_t rnd64(void)
{
	/* xorshift64*: deterministic from --seed */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static uint32_t rnd32(void)
{
	return (uint32_t)(rnd64() >> 32);
}

static uint32_t below(uint32_t n)
{
	return n ? (uint32_t)(((rnd64() >> 32) * n) >> 32) : 0;
}

static bool chance(unsigned one_in)
{
	return below(one_in) == 0;
}

/* Operand values that find carries, overflows and sign-extension mistakes. */
static uint32_t interesting32(void)
{
	static const uint32_t v[] = {0,		 1,	     2,		 3,	     0x7f,
				     0x80,	 0xff,	     0x100,	 0x7fff,     0x8000,
				     0xffff,	 0x10000,    0x7fffffff, 0x80000000, 0x80000001,
				     0xfffffffe, 0xffffffff, 0x55555555, 0xaaaaaaaa, 0x0000ff00};
	switch (below(6)) {
	case 0:
	case 1: return v[below(sizeof(v) / sizeof(v[0]))];
	case 2: return below(64) - 32;
	case 3: return rnd32() & (0xffu << (8 * below(4)));
	default: return rnd32();
	}
}

/* ---------------------------------------------------------------- cases */

enum { G_MAX = 64 };

struct group {
	const char *name;
	bool x87;    /* compare the FNSAVE image too */
	bool single; /* every case is one instruction (the form table) */
	unsigned ncases, nfail, nundef;
	char first[2200]; /* the first mismatch, for the TAP diagnostic */
	bool first_undef; /* ... and it is one in undefined flags only */
};

static struct group groups[G_MAX];
static unsigned ngroups;
static bool have_low;	 /* the native helper mapped DC_LOW */
static uint32_t gs_base; /* the native helper's GS base: the interpreter's GDT uses it too */
static uint16_t gs_sel;
static unsigned scale = 1;
static bool verbose;
static bool light; /* every third case only (sanitizer builds) */
static bool no_jit; /* interpret every block (the compiled path is the default) */
static int vendor = -1; /* the vendor modelled (--cpu); the host's by default */

struct tcase {
	struct dc_in in;
	unsigned group;
	/* Set by operand emitters, read by value fixups. */
	int rm_reg;	   /* register operand of ModRM (mod 3), or -1 */
	uint32_t mem_addr; /* memory operand's linear address, when rm_reg < 0 */
	int reg_reg;	   /* ModRM.reg */
	unsigned pinned;   /* registers holding addresses: fixups leave them alone */
	unsigned op_pos;   /* offset of the (last) opcode after its prefixes */
	uint32_t seg_base; /* base of the segment override in effect (GS), else 0 */
	bool abs_only;	   /* memory operands as [disp32] only */
};

static void emit(struct tcase *t, uint8_t b)
{
	if (t->in.code_len < DC_CODE_MAX)
		t->in.code[t->in.code_len++] = b;
}

static void emit16(struct tcase *t, uint16_t v)
{
	emit(t, (uint8_t)v);
	emit(t, (uint8_t)(v >> 8));
}

static void emit32(struct tcase *t, uint32_t v)
{
	emit16(t, (uint16_t)v);
	emit16(t, (uint16_t)(v >> 16));
}

static void fill_random(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i += 8) {
		uint64_t r = rnd64();
		memcpy(p + i, &r, n - i < 8 ? n - i : 8);
	}
}

static void case_init(struct tcase *t, unsigned group)
{
	static uint32_t next_id;
	memset(t, 0, sizeof(*t));
	t->in.magic = DC_MAGIC_IN;
	t->in.id = next_id++;
	t->group = group;
	t->rm_reg = -1;
	t->reg_reg = -1;
	for (int i = 0; i < 8; i++)
		t->in.regs[i] = interesting32();
	t->in.regs[R_ESP] = DC_ESP;
	t->in.eflags = rnd32() & DC_FLAGS & ~EFL_DF;
	if (chance(8))
		t->in.eflags |= EFL_DF;
	fill_random(t->in.data, DC_PAGE);
	fill_random(t->in.stack, DC_PAGE);
	if (have_low)
		fill_random(t->in.low, DC_PAGE);
	t->in.mxcsr = MXCSR_DEFAULT; /* no draw: the groups before SSE keep their cases */
}

/* Host pointer into the case's memory for a linear address (NULL if unmapped). */
static uint8_t *case_mem(struct tcase *t, uint32_t addr, unsigned size)
{
	struct {
		uint32_t base;
		uint8_t *p;
	} pages[3] = {{DC_DATA, t->in.data}, {DC_STACK, t->in.stack}, {DC_LOW, t->in.low}};
	for (int i = 0; i < 3; i++)
		if (addr >= pages[i].base && addr + size <= pages[i].base + DC_PAGE)
			return pages[i].p + (addr - pages[i].base);
	return NULL;
}

static uint32_t case_read(struct tcase *t, uint32_t addr, unsigned size)
{
	uint8_t *p = case_mem(t, addr, size);
	uint32_t v = 0;
	if (p)
		memcpy(&v, p, size);
	return v;
}

static void case_write(struct tcase *t, uint32_t addr, uint32_t v, unsigned size)
{
	uint8_t *p = case_mem(t, addr, size);
	if (p)
		memcpy(p, &v, size);
}

/* A register that is not ESP. */
static unsigned any_reg(unsigned avoid)
{
	unsigned r;
	do
		r = below(8);
	while (r == R_ESP || (avoid & (1u << r)));
	return r;
}

/*
 * Emits ModRM/SIB/displacement for a 32-bit memory operand at a random place of the data
 * page (or of the stack page, through ESP/EBP), and sets the registers the form uses.
 * span: bytes the instruction may touch from there. avoid: registers the form must not use.
 */
static void emit_mem32_at(struct tcase *t, unsigned reg, uint32_t target, unsigned avoid);
static void emit_mem32(struct tcase *t, unsigned reg, unsigned span, unsigned avoid)
{
	emit_mem32_at(t, reg, DC_DATA + 16 + below(DC_PAGE - 32 - span), avoid);
}

/* The same at a given linear address (ESP-based forms excepted: they stay near DC_ESP). */
static void emit_mem32_at(struct tcase *t, unsigned reg, uint32_t target, unsigned avoid)
{
	uint32_t lin = target;
	target -= t->seg_base; /* the offset that reaches lin through the segment */
	unsigned kind = t->abs_only ? 0 : below(7);
	int32_t disp = 0;
	reg &= 7;
	t->rm_reg = -1;
	if (kind == 0) { /* [disp32] */
		emit(t, (uint8_t)(reg << 3 | 5));
		emit32(t, target);
	} else if (kind <= 3) { /* [base], [base+disp8], [base+disp32] */
		unsigned base;
		do
			base = any_reg(avoid);
		while (base == R_EBP && kind == 1);
		unsigned mod = kind - 1;
		emit(t, (uint8_t)(mod << 6 | reg << 3 | base));
		if (mod == 1) {
			disp = (int8_t)rnd32();
			emit(t, (uint8_t)disp);
		} else if (mod == 2) {
			/* sometimes a huge displacement: base + disp wraps around 4 GB */
			disp = chance(3) ? (int32_t)rnd32() : (int32_t)(below(4096) - 2048);
			emit32(t, (uint32_t)disp);
		}
		t->in.regs[base] = target - (uint32_t)disp;
		t->pinned |= 1u << base;
	} else if (kind == 4 && !(avoid & (1u << R_ESP)) && !t->seg_base) { /* [esp+disp8] */
		emit(t, (uint8_t)(1 << 6 | reg << 3 | 4));
		emit(t, 0x24);
		disp = (int32_t)below(64) - 32;
		emit(t, (uint8_t)disp);
		lin = DC_ESP + (uint32_t)disp;
		t->pinned |= 1u << R_ESP;
	} else { /* SIB: [base+index*scale+disp] or [index*scale+disp32] */
		unsigned scale_log = below(4), index = any_reg(avoid), base;
		do
			base = any_reg(avoid | 1u << index);
		while (base == index);
		uint32_t ival = below(32);
		bool nobase = chance(4);
		unsigned mod = nobase ? 0 : below(3);
		if (!nobase && base == R_EBP && mod == 0)
			mod = 1;
		emit(t, (uint8_t)(mod << 6 | reg << 3 | 4));
		emit(t, (uint8_t)(scale_log << 6 | index << 3 | (nobase ? 5 : base)));
		if (nobase) {
			disp = (int32_t)(target - (ival << scale_log));
			emit32(t, (uint32_t)disp);
		} else if (mod == 1) {
			disp = (int8_t)rnd32();
			emit(t, (uint8_t)disp);
		} else if (mod == 2) {
			disp = (int32_t)(below(4096) - 2048);
			emit32(t, (uint32_t)disp);
		}
		t->in.regs[index] = ival;
		t->pinned |= 1u << index;
		if (!nobase) {
			t->in.regs[base] = target - (uint32_t)disp - (ival << scale_log);
			t->pinned |= 1u << base;
		}
	}
	t->mem_addr = lin;
}

/* The same with 16-bit addressing (67 prefix emitted by the caller): the low page. */
static void emit_mem16(struct tcase *t, unsigned reg, unsigned span, unsigned avoid)
{
	static const int8_t b16[8] = {R_EBX, R_EBX, R_EBP, R_EBP, -1, -1, R_EBP, R_EBX};
	static const int8_t i16[8] = {R_ESI, R_EDI, R_ESI, R_EDI, R_ESI, R_EDI, -1, -1};
	uint32_t target = DC_LOW + 16 + below(DC_PAGE - 32 - span);
	unsigned rm, mod;
	do {
		rm = below(8);
		mod = below(3);
	} while ((b16[rm] >= 0 && (avoid & (1u << b16[rm]))) ||
		 (i16[rm] >= 0 && (avoid & (1u << i16[rm]))));
	reg &= 7;
	int32_t disp = 0;
	if (mod == 0 && rm == 6) { /* [disp16] */
		emit(t, (uint8_t)(reg << 3 | 6));
		emit16(t, (uint16_t)target);
		t->mem_addr = target;
		t->rm_reg = -1;
		return;
	}
	emit(t, (uint8_t)(mod << 6 | reg << 3 | rm));
	if (mod == 1) {
		disp = (int8_t)rnd32();
		emit(t, (uint8_t)disp);
	} else if (mod == 2) {
		disp = (int16_t)rnd32();
		emit16(t, (uint16_t)disp);
	}
	uint16_t ival = 0;
	if (i16[rm] >= 0) {
		ival = (uint16_t)rnd32();
		t->in.regs[i16[rm]] = (t->in.regs[i16[rm]] & 0xffff0000u) | ival;
		t->pinned |= 1u << i16[rm];
	}
	if (b16[rm] >= 0) {
		uint16_t bval = (uint16_t)(target - (uint32_t)disp - ival);
		t->in.regs[b16[rm]] = (t->in.regs[b16[rm]] & 0xffff0000u) | bval;
		t->pinned |= 1u << b16[rm];
	} else if (i16[rm] >= 0) {
		uint16_t v = (uint16_t)(target - (uint32_t)disp);
		t->in.regs[i16[rm]] = (t->in.regs[i16[rm]] & 0xffff0000u) | v;
	}
	t->mem_addr = target;
	t->rm_reg = -1;
}

/* ---------------------------------------------------------------- the form table */

/* Form flags. */
#define F_V 0x0001	 /* also with the 66 prefix (16-bit operands) */
#define F_MEMONLY 0x0002 /* ModRM must be a memory operand */
#define F_REGONLY 0x0004 /* ModRM must be a register */
#define F_SHIFT 0x0008	 /* counts (CL, ib) from the interesting set */
#define F_DIV 0x0010	 /* divisor and dividend mostly valid, sometimes #DE */
#define F_BITOFS 0x0020	 /* the register bit offset stays near the memory operand */
#define F_CMPX 0x0040	 /* EAX (or EDX:EAX) often equals the destination */
#define F_LCK 0x0080	 /* also with LOCK (memory forms) */
#define F_A16 0x0100	 /* also with 16-bit addressing */
#define F_NOESP 0x0200	 /* ModRM.reg must not be ESP (it is written) */
#define F_BYTE 0x0400	 /* the operand is a byte (span) */
#define F_BOUND 0x0800	 /* BOUND: bounds around the index */
#define F_SEGVAL 0x1000	 /* MOV Sreg / POP Sreg: the value is the host's data selector */
#define F_POPF 0x2000	 /* the popped EFLAGS image is one a CPL-3 program can load */
#define F_ABSMEM 0x4000	 /* memory operands only as [disp32]: sequences move no address */
#define F_FARPTR 0x8000	 /* LDS/LES/LSS/LFS/LGS: a loadable selector after the offset */

struct form {
	const char *group;
	const char *spec;
	unsigned flags;
};

/*
 * Spec: hex bytes; "/r" ModRM with any reg, "/0".."/7" a fixed reg; "+r" adds a register
 * number to the byte before; "+c" a condition code; "ib", "iw", "id", "iv" (iw or id by
 * operand size) immediates; "ao" an absolute moffs address.
 */
static const struct form forms[] = {
    /* ALU: the eight operations in all six encodings, plus group 1 */
    {"alu", "00 /r", F_LCK | F_A16},
    {"alu", "01 /r", F_V | F_LCK | F_A16},
    {"alu", "02 /r", F_NOESP | F_A16},
    {"alu", "03 /r", F_V | F_NOESP},
    {"alu", "04 ib", 0},
    {"alu", "05 iv", F_V},
    {"alu", "08 /r", F_LCK},
    {"alu", "09 /r", F_V | F_LCK},
    {"alu", "0A /r", F_NOESP},
    {"alu", "0B /r", F_V | F_NOESP},
    {"alu", "0C ib", 0},
    {"alu", "0D iv", F_V},
    {"alu", "10 /r", F_LCK},
    {"alu", "11 /r", F_V | F_LCK},
    {"alu", "12 /r", F_NOESP},
    {"alu", "13 /r", F_V | F_NOESP},
    {"alu", "14 ib", 0},
    {"alu", "15 iv", F_V},
    {"alu", "18 /r", F_LCK},
    {"alu", "19 /r", F_V | F_LCK},
    {"alu", "1A /r", F_NOESP},
    {"alu", "1B /r", F_V | F_NOESP},
    {"alu", "1C ib", 0},
    {"alu", "1D iv", F_V},
    {"alu", "20 /r", F_LCK},
    {"alu", "21 /r", F_V | F_LCK},
    {"alu", "22 /r", F_NOESP},
    {"alu", "23 /r", F_V | F_NOESP},
    {"alu", "24 ib", 0},
    {"alu", "25 iv", F_V},
    {"alu", "28 /r", F_LCK},
    {"alu", "29 /r", F_V | F_LCK},
    {"alu", "2A /r", F_NOESP},
    {"alu", "2B /r", F_V | F_NOESP},
    {"alu", "2C ib", 0},
    {"alu", "2D iv", F_V},
    {"alu", "30 /r", F_LCK},
    {"alu", "31 /r", F_V | F_LCK},
    {"alu", "32 /r", F_NOESP},
    {"alu", "33 /r", F_V | F_NOESP},
    {"alu", "34 ib", 0},
    {"alu", "35 iv", F_V},
    {"alu", "38 /r", F_A16},
    {"alu", "39 /r", F_V | F_A16},
    {"alu", "3A /r", 0},
    {"alu", "3B /r", F_V},
    {"alu", "3C ib", 0},
    {"alu", "3D iv", F_V},
    {"grp1", "80 /0 ib", F_LCK},
    {"grp1", "80 /1 ib", F_LCK},
    {"grp1", "80 /2 ib", F_LCK},
    {"grp1", "80 /3 ib", F_LCK},
    {"grp1", "80 /4 ib", F_LCK},
    {"grp1", "80 /5 ib", F_LCK},
    {"grp1", "80 /6 ib", F_LCK},
    {"grp1", "80 /7 ib", F_A16},
    {"grp1", "81 /0 iv", F_V | F_LCK},
    {"grp1", "81 /1 iv", F_V},
    {"grp1", "81 /2 iv", F_V},
    {"grp1", "81 /3 iv", F_V},
    {"grp1", "81 /4 iv", F_V},
    {"grp1", "81 /5 iv", F_V | F_LCK},
    {"grp1", "81 /6 iv", F_V},
    {"grp1", "81 /7 iv", F_V},
    {"grp1", "82 /0 ib", 0},
    {"grp1", "82 /5 ib", 0},
    {"grp1", "82 /7 ib", 0},
    {"grp1", "83 /0 ib", F_V | F_LCK | F_A16},
    {"grp1", "83 /1 ib", F_V},
    {"grp1", "83 /2 ib", F_V},
    {"grp1", "83 /3 ib", F_V},
    {"grp1", "83 /4 ib", F_V},
    {"grp1", "83 /5 ib", F_V},
    {"grp1", "83 /6 ib", F_V},
    {"grp1", "83 /7 ib", F_V},
    /* INC/DEC/NOT/NEG/TEST */
    {"incdec", "40 +r", F_V},
    {"incdec", "48 +r", F_V},
    {"incdec", "FE /0", F_LCK},
    {"incdec", "FE /1", F_LCK},
    {"incdec", "FF /0", F_V | F_LCK},
    {"incdec", "FF /1", F_V | F_LCK},
    {"incdec", "F6 /2", F_LCK},
    {"incdec", "F7 /2", F_V | F_LCK},
    {"incdec", "F6 /3", F_LCK},
    {"incdec", "F7 /3", F_V | F_LCK},
    {"test", "84 /r", 0},
    {"test", "85 /r", F_V},
    {"test", "A8 ib", 0},
    {"test", "A9 iv", F_V},
    {"test", "F6 /0 ib", 0},
    {"test", "F7 /0 iv", F_V},
    {"test", "F6 /1 ib", 0},
    {"test", "F7 /1 iv", F_V},
    /* multiply and divide */
    {"muldiv", "F6 /4", F_A16},
    {"muldiv", "F7 /4", F_V},
    {"muldiv", "F6 /5", 0},
    {"muldiv", "F7 /5", F_V},
    {"muldiv", "0F AF /r", F_V | F_NOESP},
    {"muldiv", "69 /r iv", F_V | F_NOESP},
    {"muldiv", "6B /r ib", F_V | F_NOESP},
    {"muldiv", "F6 /6", F_DIV},
    {"muldiv", "F7 /6", F_V | F_DIV},
    {"muldiv", "F6 /7", F_DIV},
    {"muldiv", "F7 /7", F_V | F_DIV},
    /* moves and conversions */
    {"mov", "88 /r", F_A16},
    {"mov", "89 /r", F_V | F_A16},
    {"mov", "8A /r", F_NOESP},
    {"mov", "8B /r", F_V | F_NOESP | F_A16},
    {"mov", "B0 +r ib", 0},
    {"mov", "B8 +r iv", F_V},
    {"mov", "C6 /0 ib", 0},
    {"mov", "C7 /0 iv", F_V},
    {"mov", "A0 ao", 0},
    {"mov", "A1 ao", F_V},
    {"mov", "A2 ao", 0},
    {"mov", "A3 ao", F_V},
    {"mov", "8D /r", F_V | F_MEMONLY | F_NOESP | F_A16},
    {"mov", "0F B6 /r", F_V | F_NOESP},
    {"mov", "0F B7 /r", F_NOESP},
    {"mov", "0F BE /r", F_V | F_NOESP},
    {"mov", "0F BF /r", F_NOESP},
    {"mov", "98", F_V},
    {"mov", "99", F_V},
    {"mov", "8C /r", F_V},
    {"mov", "8E /r", F_SEGVAL},
    {"xchg", "86 /r", F_LCK | F_NOESP},
    {"xchg", "87 /r", F_V | F_LCK | F_NOESP},
    {"xchg", "90 +r", F_V},
    {"xchg", "0F C0 /r", F_LCK | F_NOESP},
    {"xchg", "0F C1 /r", F_V | F_LCK | F_NOESP},
    {"xchg", "0F B0 /r", F_LCK | F_CMPX},
    {"xchg", "0F B1 /r", F_V | F_LCK | F_CMPX},
    {"xchg", "0F C7 /1", F_MEMONLY | F_CMPX | F_LCK},
    {"xchg", "0F C8 +r", 0},
    {"cmov", "0F 40 +c /r", F_V | F_NOESP},
    {"setcc", "0F 90 +c /0", F_BYTE},
    /* shifts and rotates */
    {"shift", "C0 /0 ib", F_SHIFT},
    {"shift", "C0 /1 ib", F_SHIFT},
    {"shift", "C0 /2 ib", F_SHIFT},
    {"shift", "C0 /3 ib", F_SHIFT},
    {"shift", "C0 /4 ib", F_SHIFT},
    {"shift", "C0 /5 ib", F_SHIFT},
    {"shift", "C0 /6 ib", F_SHIFT},
    {"shift", "C0 /7 ib", F_SHIFT},
    {"shift", "C1 /0 ib", F_V | F_SHIFT},
    {"shift", "C1 /1 ib", F_V | F_SHIFT},
    {"shift", "C1 /2 ib", F_V | F_SHIFT},
    {"shift", "C1 /3 ib", F_V | F_SHIFT},
    {"shift", "C1 /4 ib", F_V | F_SHIFT},
    {"shift", "C1 /5 ib", F_V | F_SHIFT},
    {"shift", "C1 /6 ib", F_V | F_SHIFT},
    {"shift", "C1 /7 ib", F_V | F_SHIFT},
    {"shift", "D0 /0", 0},
    {"shift", "D0 /1", 0},
    {"shift", "D0 /2", 0},
    {"shift", "D0 /3", 0},
    {"shift", "D0 /4", 0},
    {"shift", "D0 /5", 0},
    {"shift", "D0 /6", 0},
    {"shift", "D0 /7", 0},
    {"shift", "D1 /0", F_V},
    {"shift", "D1 /1", F_V},
    {"shift", "D1 /2", F_V},
    {"shift", "D1 /3", F_V},
    {"shift", "D1 /4", F_V},
    {"shift", "D1 /5", F_V},
    {"shift", "D1 /6", F_V},
    {"shift", "D1 /7", F_V},
    {"shift", "D2 /0", F_SHIFT},
    {"shift", "D2 /1", F_SHIFT},
    {"shift", "D2 /2", F_SHIFT},
    {"shift", "D2 /3", F_SHIFT},
    {"shift", "D2 /4", F_SHIFT},
    {"shift", "D2 /5", F_SHIFT},
    {"shift", "D2 /6", F_SHIFT},
    {"shift", "D2 /7", F_SHIFT},
    {"shift", "D3 /0", F_V | F_SHIFT},
    {"shift", "D3 /1", F_V | F_SHIFT},
    {"shift", "D3 /2", F_V | F_SHIFT},
    {"shift", "D3 /3", F_V | F_SHIFT},
    {"shift", "D3 /4", F_V | F_SHIFT},
    {"shift", "D3 /5", F_V | F_SHIFT},
    {"shift", "D3 /6", F_V | F_SHIFT},
    {"shift", "D3 /7", F_V | F_SHIFT},
    {"shld", "0F A4 /r ib", F_V | F_SHIFT},
    {"shld", "0F A5 /r", F_V | F_SHIFT},
    {"shld", "0F AC /r ib", F_V | F_SHIFT},
    {"shld", "0F AD /r", F_V | F_SHIFT},
    /* bit operations */
    {"bitops", "0F A3 /r", F_V | F_BITOFS},
    {"bitops", "0F AB /r", F_V | F_BITOFS | F_LCK},
    {"bitops", "0F B3 /r", F_V | F_BITOFS | F_LCK},
    {"bitops", "0F BB /r", F_V | F_BITOFS | F_LCK},
    {"bitops", "0F BA /4 ib", F_V},
    {"bitops", "0F BA /5 ib", F_V | F_LCK},
    {"bitops", "0F BA /6 ib", F_V | F_LCK},
    {"bitops", "0F BA /7 ib", F_V | F_LCK},
    {"bitops", "0F BC /r", F_V | F_NOESP},
    {"bitops", "0F BD /r", F_V | F_NOESP},
    /* decimal arithmetic and other one-byte forms */
    {"bcd", "27", 0},
    {"bcd", "2F", 0},
    {"bcd", "37", 0},
    {"bcd", "3F", 0},
    {"bcd", "D4 ib", 0},
    {"bcd", "D4 0A", 0},
    {"bcd", "D5 ib", 0},
    {"bcd", "D5 0A", 0},
    {"flags", "9E", 0},
    {"flags", "9F", 0},
    {"flags", "F5", 0},
    {"flags", "F8", 0},
    {"flags", "F9", 0},
    {"flags", "FC", 0},
    {"flags", "FD", 0},
    {"flags", "9C", F_V},
    {"flags", "9D", F_V | F_POPF},
    {"flags", "D6", 0},
    {"stack", "50 +r", F_V},
    {"stack", "58 +r", F_V},
    {"stack", "68 iv", F_V},
    {"stack", "6A ib", F_V},
    {"stack", "FF /6", F_V},
    {"stack", "8F /0", F_V},
    {"stack", "60", F_V},
    {"stack", "61", F_V},
    {"stack", "06", 0},
    {"stack", "0E", 0},
    {"stack", "16", 0},
    {"stack", "1E", 0},
    {"stack", "0F A0", 0},
    {"stack", "0F A8", 0},
    {"stack", "07", F_SEGVAL},
    {"stack", "1F", F_SEGVAL},
    {"stack", "17", F_SEGVAL},
    {"stack", "62 /r", F_V | F_MEMONLY | F_BOUND},
    /* faults a user program can raise */
    {"faults", "0F 0B", 0},
    {"faults", "F4", 0},
    {"faults", "FA", 0},
    {"faults", "FB", 0},
    {"faults", "E4 ib", 0},
    {"faults", "E6 ib", 0},
    {"faults", "EC", 0},
    {"faults", "EF", 0},
    {"faults", "6C", 0},
    {"faults", "6F", 0},
    {"faults", "CC", 0},
    {"faults", "CE", 0},
    {"faults", "CD 41", 0},
    {"faults", "FE /2", 0},
    {"faults", "FF /7", 0},
    {"faults", "0F 06", 0},
    {"faults", "0F 20 /0", F_REGONLY},
    {"faults", "8C /7", F_REGONLY},
    {"faults", "F0 01 /r", F_REGONLY},
    {"faults", "F0 8B /r", F_MEMONLY},
    {"faults", "F0 90", 0},
    {"faults", "0F C7 /1", F_REGONLY},
    {"faults", "8E /1", F_REGONLY},
    {"faults", "0F FF", 0},
    /* memory forms only: with a register operand C4/C5 are the VEX prefixes on the (AVX)
     * host, #UD on vmlab's i686 */
    {"farptr", "C5 /r", F_V | F_FARPTR | F_NOESP | F_MEMONLY},
    {"farptr", "C4 /r", F_V | F_FARPTR | F_NOESP | F_MEMONLY},
    {"farptr", "0F B2 /r", F_V | F_FARPTR},
    {"farptr", "0F B4 /r", F_V | F_FARPTR | F_NOESP},
    {"farptr", "0F B5 /r", F_V | F_FARPTR | F_NOESP},
    {"faults", "D6", 0},
    {"xchg", "66 0F C8 +r", 0},
    {"mov", "63 /r", 0},
    /* the 15-byte limit: 14 prefixes + NOP runs, 15 + NOP is #GP(0) */
    {"faults", "66 66 66 66 66 66 66 66 66 66 66 66 66 66 90", 0},
    {"faults", "66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 90", 0},
    {"faults", "F3 F3 F3 66 66 67 67 3E 3E 26 F3 66 67 2E 01 C0", 0},
    {"nop", "90", 0},
    {"nop", "0F 1F /0", F_V},
    {"nop", "F3 90", 0},
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Values for shift counts: the boundaries of every operand size. */
static uint8_t shift_count(void)
{
	static const uint8_t v[] = {0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 255};
	return chance(3) ? (uint8_t)rnd32() : v[below(sizeof(v))];
}

/* After the instruction is emitted: make values interesting for what the form does. */
static void fixup_values(struct tcase *t, const struct form *f, bool o16, bool byteop)
{
	unsigned sz = byteop ? 1 : o16 ? 2 : 4;
	uint32_t mask = sz == 4 ? 0xffffffffu : (1u << (8 * sz)) - 1;
	if ((f->flags & F_SHIFT) && !(t->pinned & (1u << R_ECX)) && t->rm_reg != R_ECX)
		t->in.regs[R_ECX] = (t->in.regs[R_ECX] & ~0xffu) | shift_count();
	if (f->flags & F_DIV) {
		uint32_t d = t->rm_reg >= 0 ? t->in.regs[t->rm_reg] : case_read(t, t->mem_addr, sz);
		if (sz == 1 && t->rm_reg >= 4)
			d = t->in.regs[t->rm_reg - 4] >> 8;
		d &= mask;
		if (!chance(6) && d != 0 && t->rm_reg != R_EAX && t->rm_reg != R_EDX &&
		    !(sz == 1 && t->rm_reg == 4)) {
			bool sign = f->spec[3] == '7';
			if (sz == 1) {
				uint32_t ah =
				    sign ? ((t->in.regs[R_EAX] & 0x80) ? 0xff : 0) : below(d);
				t->in.regs[R_EAX] = (t->in.regs[R_EAX] & 0xffff00ffu) | ah << 8;
			} else {
				uint32_t hi =
				    sign ? (((t->in.regs[R_EAX] >> (8 * sz - 1)) & 1) ? mask : 0)
					 : below(d);
				t->in.regs[R_EDX] = (t->in.regs[R_EDX] & ~mask) | hi;
			}
		}
	}
	if ((f->flags & F_BITOFS) && t->rm_reg < 0 && t->reg_reg >= 0 &&
	    !(t->pinned & (1u << t->reg_reg))) {
		int32_t ofs = (int32_t)below(256) - 96;
		uint32_t v = (uint32_t)ofs;
		t->in.regs[t->reg_reg] =
		    o16 ? (t->in.regs[t->reg_reg] & 0xffff0000u) | (v & 0xffff) : v;
	}
	if (f->flags & F_CMPX && chance(2)) {
		if (strstr(f->spec, "C7")) {
			t->in.regs[R_EAX] = case_read(t, t->mem_addr, 4);
			t->in.regs[R_EDX] = case_read(t, t->mem_addr + 4, 4);
		} else if (!(t->pinned & 1u)) {
			uint32_t d =
			    t->rm_reg >= 0 ? t->in.regs[t->rm_reg] : case_read(t, t->mem_addr, sz);
			if (sz == 1 && t->rm_reg >= 4)
				d = t->in.regs[t->rm_reg - 4] >> 8;
			t->in.regs[R_EAX] = (t->in.regs[R_EAX] & ~mask) | (d & mask);
		}
	}
	if (f->flags & F_BOUND && t->rm_reg < 0 && t->reg_reg >= 0) {
		uint32_t idx = t->in.regs[t->reg_reg];
		uint32_t lo = idx - below(4), hi = idx + below(4);
		if (chance(3))
			lo = idx + 1 + below(3);
		case_write(t, t->mem_addr, lo, o16 ? 2 : 4);
		case_write(t, t->mem_addr + (o16 ? 2 : 4), hi, o16 ? 2 : 4);
	}
	if (f->flags & F_SEGVAL) {
		/* only the data selector: anything else would break the native helper's own
		 * use of DS/ES/SS after the case */
		uint16_t sel = t->reg_reg == SR_GS ? gs_sel : 0x2b;
		if (t->rm_reg >= 0)
			t->in.regs[t->rm_reg] = (t->in.regs[t->rm_reg] & 0xffff0000u) | sel;
		else if (t->in.code[t->op_pos] == 0x8e)
			case_write(t, t->mem_addr, sel, 2);
		else
			case_write(t, DC_ESP, 0x2b, 4);
	}
	if ((f->flags & F_FARPTR) && t->rm_reg < 0) {
		/* DS/ES/SS get the data selector, FS null (as the host has it), GS the TLS one */
		uint8_t op = t->in.code[t->op_pos];
		uint8_t op2 = t->in.code[t->op_pos + 1];
		uint16_t sel = op != 0x0f ? 0x2b : op2 == 0xb4 ? 0 : op2 == 0xb5 ? gs_sel : 0x2b;
		case_write(t, t->mem_addr + (o16 ? 2 : 4), sel, 2);
	}
	if (f->flags & F_POPF)
		case_write(t, DC_ESP, (rnd32() & (DC_FLAGS | 0x200000u | 0x3200u)) | 2, 4);
	if (!strcmp(f->spec, "61") || !strcmp(f->spec, "58 +r")) {
		/* POPA/POP: a popped ESP stays in the stack page (the helper returns with it) */
		uint32_t o = (f->spec[0] == '6') ? (o16 ? 6 : 12) : 0;
		if (!strcmp(f->spec, "61") || t->in.code[t->in.code_len - 1] == 0x5c)
			case_write(t, DC_ESP + o, DC_ESP - 64 + 4 * below(16), o16 ? 2 : 4);
	}
	if (!strcmp(f->spec, "D7") && !(t->pinned & (1u << R_EBX)))
		t->in.regs[R_EBX] = DC_DATA + below(DC_PAGE - 256);
}

/*
 * Builds one case from a form: prefixes (66, 67, LOCK) as asked, the encoding, operands.
 * Returns false when the combination does not exist (e.g. LOCK without a memory operand).
 */
static bool build_form(struct tcase *t, const struct form *f, bool o16, bool a16, bool lock)
{
	const char *s = f->spec;
	bool memop = false, byteop = (f->flags & F_BYTE) != 0;
	uint8_t last = 0;
	t->seg_base = 0;
	t->abs_only = (f->flags & F_ABSMEM) != 0;
	if (lock)
		emit(t, 0xf0);
	if (o16)
		emit(t, 0x66);
	if (a16)
		emit(t, 0x67);
	if (chance(8)) {
		/* a segment override; CS on a write is #GP(0) on both sides, FS is null (#GP(0)),
		 * GS has the helper's TLS base, which the interpreter's descriptor copies */
		static const uint8_t ovr[] = {0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x65};
		uint8_t o = ovr[below(7)];
		if (a16 && o == 0x65)
			o = 0x3e;
		emit(t, o);
		if (o == 0x65)
			t->seg_base = gs_base;
	}
	unsigned op_pos = t->in.code_len;
	t->op_pos = op_pos;
	while (*s) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		if (s[0] == '/') {
			unsigned reg = s[1] == 'r' ? any_reg(0) : (unsigned)(s[1] - '0');
			if (s[1] == 'r' && (f->flags & F_NOESP) && reg == R_ESP)
				reg = R_EAX;
			if (s[1] == 'r' && (f->flags & F_SEGVAL))
				reg = (unsigned[]){0, 2, 3, 5}[below(4)];
			t->reg_reg = s[1] == 'r' ? (int)reg : -1;
			bool mem = (f->flags & F_MEMONLY) ||
				   (!(f->flags & F_REGONLY) && (lock || a16 || chance(2)));
			if ((f->flags & F_REGONLY) && (lock || a16))
				return false;
			if (mem) {
				memop = true;
				unsigned avoid = (f->flags & F_SHIFT) ? 1u << R_ECX : 0;
				if (s[1] == 'r' && !(f->flags & F_SEGVAL))
					avoid |= 1u << reg;
				if (f->flags & (F_DIV | F_CMPX))
					avoid |= 1u << R_EAX | 1u << R_EDX;
				if (a16)
					emit_mem16(t, reg, 16, avoid);
				else
					emit_mem32(t, reg, 16, avoid);
			} else {
				unsigned rm = any_reg(0);
				if ((f->flags & F_SHIFT) && rm == R_ECX && chance(2))
					rm = R_EBX;
				emit(t, (uint8_t)(0xc0 | reg << 3 | rm));
				t->rm_reg = (int)rm;
			}
			s += 2;
		} else if (s[0] == '+' && s[1] == 'r') {
			unsigned r = any_reg(0);
			t->in.code[t->in.code_len - 1] = (uint8_t)(last + r);
			s += 2;
		} else if (s[0] == '+' && s[1] == 'c') {
			t->in.code[t->in.code_len - 1] = (uint8_t)(last + below(16));
			s += 2;
		} else if (s[0] == 'i') {
			char k = s[1] == 'v' ? (o16 ? 'w' : 'd') : s[1];
			if (k == 'b')
				emit(t, (f->flags & F_SHIFT) ? shift_count()
							     : (uint8_t)interesting32());
			else if (k == 'w')
				emit16(t, (uint16_t)interesting32());
			else
				emit32(t, interesting32());
			s += 2;
		} else if (s[0] == 'a' && s[1] == 'o') {
			if (a16) {
				if (!have_low)
					return false;
				t->mem_addr = DC_LOW + 16 + below(DC_PAGE - 32);
				emit16(t, (uint16_t)t->mem_addr);
			} else {
				t->mem_addr = DC_DATA + 16 + below(DC_PAGE - 32);
				emit32(t, t->mem_addr);
			}
			memop = true;
			s += 2;
		} else {
			int hi = hexval(s[0]), lo = hexval(s[1]);
			if (hi < 0 || lo < 0) {
				fprintf(stderr, "diffcpu: bad form spec '%s'\n", f->spec);
				exit(2);
			}
			last = (uint8_t)(hi << 4 | lo);
			emit(t, last);
			s += 2;
		}
	}
	if (lock && !memop)
		return false;
	if (a16 && !memop)
		return false;
	/* a byte opcode: even low bit of the primary opcode in the classic ALU/MOV rows */
	uint8_t op0 = t->in.code[op_pos];
	if (op0 != 0x0f && op0 < 0xc0 && (op0 & 0xc4) == 0 && !(op0 & 1))
		byteop = true;
	if (op0 == 0x80 || op0 == 0x82 || op0 == 0x84 || op0 == 0x86 || op0 == 0x88 ||
	    op0 == 0x8a || op0 == 0xc0 || op0 == 0xd0 || op0 == 0xd2 || op0 == 0xf6 ||
	    op0 == 0xfe || op0 == 0xc6)
		byteop = true;
	fixup_values(t, f, o16, byteop);
	return true;
}

/* ---------------------------------------------------------------- hand-written groups */

/*
 * Cases are run as they are generated (one pending at a time), so memory stays small
 * whatever the scale: new_case() first runs the case built before.
 */
static struct tcase cur_case;
static bool cur_pending;
static void run_case(struct tcase *t);

static struct tcase *new_case(unsigned group)
{
	if (cur_pending)
		run_case(&cur_case);
	case_init(&cur_case, group);
	cur_pending = true;
	return &cur_case;
}

static void drop_case(void)
{
	cur_pending = false;
}

static void flush_case(void)
{
	if (cur_pending)
		run_case(&cur_case);
	cur_pending = false;
}

static unsigned group_id(const char *name, bool x87)
{
	for (unsigned i = 0; i < ngroups; i++)
		if (!strcmp(groups[i].name, name))
			return i;
	if (ngroups == G_MAX) {
		fprintf(stderr, "diffcpu: too many groups\n");
		exit(2);
	}
	groups[ngroups].name = name;
	groups[ngroups].x87 = x87;
	return ngroups++;
}

static void gen_forms(unsigned per_form)
{
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		const struct form *f = &forms[i];
		unsigned g = group_id(f->group, false);
		groups[g].single = true;
		for (unsigned k = 0; k < per_form; k++) {
			bool o16 = (f->flags & F_V) && (k & 1);
			bool lock = (f->flags & F_LCK) && k % 5 == 4;
			bool a16 = (f->flags & F_A16) && have_low && k % 7 == 3;
			struct tcase *t = new_case(g);
			if (!build_form(t, f, o16, a16, lock))
				drop_case();
		}
	}
}

/* String instructions with every REP form; ESI/EDI in the data page, small counts. */
static void gen_string(unsigned n)
{
	static const uint8_t ops[] = {0xa4, 0xa5, 0xa6, 0xa7, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};
	static const uint8_t reps[] = {0, 0xf3, 0xf2};
	unsigned g = group_id("string", false);
	for (unsigned k = 0; k < n; k++) {
		struct tcase *t = new_case(g);
		uint8_t op = ops[k % sizeof(ops)];
		uint8_t rep = reps[(k / sizeof(ops)) % 3];
		bool o16 = (op & 1) && chance(3);
		bool a16 = have_low && chance(5);
		if (rep)
			emit(t, rep);
		if (o16)
			emit(t, 0x66);
		if (a16)
			emit(t, 0x67);
		if (chance(6) && (op == 0xa4 || op == 0xa5 || op == 0xa6 || op == 0xa7 ||
				  op == 0xac || op == 0xad))
			t->in.code[t->in.code_len++] = 0x26; /* ES override of the source */
		emit(t, op);
		uint32_t base = a16 ? DC_LOW : DC_DATA;
		uint32_t si = base + 256 + below(DC_PAGE - 512),
			 di = base + 256 + below(DC_PAGE - 512);
		if (chance(4))
			di = si + below(8) - 4; /* overlapping moves */
		uint32_t cnt = chance(8) ? 0 : below(24);
		if (a16) {
			t->in.regs[R_ESI] = (t->in.regs[R_ESI] & 0xffff0000u) | (si & 0xffff);
			t->in.regs[R_EDI] = (t->in.regs[R_EDI] & 0xffff0000u) | (di & 0xffff);
			t->in.regs[R_ECX] = (t->in.regs[R_ECX] & 0xffff0000u) | cnt;
		} else {
			t->in.regs[R_ESI] = si;
			t->in.regs[R_EDI] = di;
			t->in.regs[R_ECX] = cnt;
		}
		if (chance(2)) { /* make REPE/REPNE stop somewhere inside */
			uint8_t *p = case_mem(t, si, 1), *q = case_mem(t, di, 1);
			if (p && q && si + 64 < base + DC_PAGE && di + 64 < base + DC_PAGE)
				memmove(q, p, 64 - below(64));
			t->in.regs[R_EAX] = case_read(t, di + 4 * below(4), 4);
		}
	}
}

/* Control transfers: targets inside the code; markers show which path ran. */
static void gen_control(unsigned n)
{
	unsigned g = group_id("control", false);
	for (unsigned k = 0; k < n; k++) {
		struct tcase *t = new_case(g);
		unsigned kind = k % 12;
		switch (kind) {
		case 0: /* Jcc rel8 over a marker */
			emit(t, (uint8_t)(0x70 + below(16)));
			emit(t, 2);
			emit(t, 0xb0), emit(t, 0x11);
			emit(t, 0xb1), emit(t, 0x22);
			break;
		case 1: /* Jcc rel32 */
			emit(t, 0x0f), emit(t, (uint8_t)(0x80 + below(16)));
			emit32(t, 2);
			emit(t, 0xb0), emit(t, 0x11);
			emit(t, 0xb1), emit(t, 0x22);
			break;
		case 2: /* LOOP/LOOPE/LOOPNE/JECXZ, backwards with a counted body */
		{
			uint8_t op = (uint8_t)(0xe0 + below(4));
			bool a16 = chance(4);
			/* CX = 0 runs 65536 times with a 16-bit count; ECX = 0 (4G times) only for
			 * JECXZ */
			t->in.regs[R_ECX] = chance(4) ? (a16 ? 0x10000 : 0) : below(6);
			if (!t->in.regs[R_ECX] && op != 0xe3)
				t->in.regs[R_ECX] = 1;
			emit(t, 0x40); /* inc eax: the body */
			if (op == 0xe3) {
				if (a16)
					emit(t, 0x67);
				emit(t, op), emit(t, 2);
				emit(t, 0xb0), emit(t, 0x11);
			} else {
				if (op !=
				    0xe2) /* ZF-dependent loops need a flag source: cmp ebx, edx */
					emit(t, 0x39), emit(t, 0xd3);
				if (a16)
					emit(t, 0x67);
				emit(t, op);
				emit(t, (uint8_t) - (int8_t)(t->in.code_len + 1));
			}
			break;
		}
		case 3: /* JMP rel8 / rel32 */
			if (chance(2)) {
				emit(t, 0xeb), emit(t, 2);
			} else {
				emit(t, 0xe9), emit32(t, 2);
			}
			emit(t, 0xb0), emit(t, 0x11);
			emit(t, 0xb1), emit(t, 0x22);
			break;
		case 4: /* CALL rel32, the callee pops and returns */
		{
			bool imm = chance(2);
			emit(t, 0xe8), emit32(t, 4);
			emit(t, 0xb0), emit(t, 0x11); /* after return */
			emit(t, 0xeb), emit(t, imm ? 5 : 3);
			emit(t, 0xb1), emit(t, 0x22); /* callee */
			emit(t, imm ? 0xc2 : 0xc3);
			if (imm)
				emit16(t, (uint16_t)(4 * below(4)));
			break;
		}
		case 5: /* CALL r/m32 and JMP r/m32 through a register or memory */
		case 6: {
			bool call = kind == 5;
			unsigned r = any_reg(0);
			bool mem = chance(2);
			emit(t, 0xff);
			unsigned lenpos = t->in.code_len;
			if (mem) {
				emit_mem32(t, call ? 2 : 4, 4, 0);
			} else {
				emit(t, (uint8_t)(0xc0 | (call ? 2 : 4) << 3 | r));
			}
			(void)lenpos;
			uint32_t target = DC_CODE + t->in.code_len + 2;
			emit(t, 0xb0), emit(t, 0x11);
			emit(t, 0xb1), emit(t, 0x22);
			if (mem)
				case_write(t, t->mem_addr, target, 4);
			else
				t->in.regs[r] = target;
			break;
		}
		case 7: /* RET and RET imm16 to a target in the code */
		{
			bool imm = chance(2);
			emit(t, imm ? 0xc2 : 0xc3);
			if (imm)
				emit16(t, (uint16_t)(below(8) * 2));
			uint32_t target = DC_CODE + t->in.code_len + 2;
			emit(t, 0xb0), emit(t, 0x11);
			emit(t, 0xb1), emit(t, 0x22);
			case_write(t, DC_ESP, target, 4);
			break;
		}
		case 8: /* ENTER / LEAVE with EBP in the stack page */
		{
			t->in.regs[R_EBP] = DC_ESP + 64 + 4 * below(32);
			bool o16 = chance(4);
			if (o16)
				emit(t, 0x66);
			emit(t, 0xc8);
			emit16(t, (uint16_t)(below(16) * 4));
			emit(t, (uint8_t)(chance(2) ? 0 : below(5)));
			if (chance(2)) {
				if (o16)
					emit(t, 0x66);
				emit(t, 0xc9);
			}
			break;
		}
		case 9: /* LEAVE alone */
			t->in.regs[R_EBP] = DC_ESP + 4 * below(64);
			if (chance(4))
				emit(t, 0x66);
			emit(t, 0xc9);
			break;
		case 10: /* SETcc/CMOVcc after a compare: flags from real operands */
			emit(t, 0x39), emit(t, (uint8_t)(0xc0 | any_reg(0) << 3 | any_reg(0)));
			emit(t, 0x0f), emit(t, (uint8_t)(0x90 + below(16))),
			    emit(t, (uint8_t)(0xc0 | any_reg(1u << R_ESP)));
			emit(t, 0x0f), emit(t, (uint8_t)(0x40 + below(16))),
			    emit(t, (uint8_t)(0xc0 | any_reg(0) << 3 | any_reg(0)));
			break;
		default: /* XLAT */
			t->in.regs[R_EBX] = DC_DATA + below(DC_PAGE - 256);
			emit(t, 0xd7);
			break;
		}
	}
}

/* Random straight-line sequences of register-only ALU/shift/mul forms: flag chains. */
static void gen_random_seq(unsigned n)
{
	static const char *const specs[] = {
	    "01 /r",	"11 /r", "19 /r", "29 /r",	 "21 /r",	"31 /r",    "09 /r",
	    "39 /r",	"85 /r", "D3 /4", "D3 /5",	 "D3 /7",	"D1 /2",    "D1 /3",
	    "0F AF /r", "F7 /3", "40 +r", "48 +r",	 "0F A5 /r",	"0F AD /r", "0F BC /r",
	    "0F BD /r", "27",	 "2F",	  "37",		 "3F",		"9F",	    "9E",
	    "F5",	"98",	 "99",	  "0F A3 /r",	 "0F BB /r",	"0F C1 /r", "83 /2 ib",
	    "83 /3 ib", "F7 /4", "F7 /5", "0F 40 +c /r", "0F 90 +c /0", "D4 0A"};
	unsigned g = group_id("random-seq", false);
	for (unsigned k = 0; k < n; k++) {
		struct tcase *t = new_case(g);
		unsigned len = 1 + below(6);
		for (unsigned i = 0; i < len; i++) {
			const char *spec = specs[below(sizeof(specs) / sizeof(specs[0]))];
			/* memory operands through [disp32] only, so that registers the sequence
			 * changes cannot move them; not for BT/BTC with a register offset, which
			 * can reach any address */
			bool memok = strcmp(spec, "0F A3 /r") && strcmp(spec, "0F BB /r");
			struct form f = {"random-seq", spec,
					 F_NOESP | (memok ? F_ABSMEM : F_REGONLY)};
			bool o16 = chance(5) && !strchr(f.spec, '+') && f.spec[0] != '2' &&
				   f.spec[0] != '3';
			if (!build_form(t, &f, o16, false, false))
				break;
		}
	}
}

/*
 * Long runs of register instructions as compiled blocks keep them in host registers, their
 * stores to the guest's registers deferred (docs/jit.md): the 32-bit forms worked in place
 * (ALU, eAX/imm, ADC/SBB, MOV, XCHG, LEA, shifts and rotates by an immediate, NOT, NEG,
 * INC, DEC, SETcc) mixed with what reads or writes the registers in part or whole (8/16-bit
 * forms, MOVZX/MOVSX, XCHG r8, CMPXCHG, XADD, CDQ, BSWAP, [disp32] loads and stores), ESP
 * moved within its page (LEA, SUB/ADD, PUSH, POP), and often a fault at the end: a load or
 * store on an unmapped page, a DIV (#DE when the quotient does not fit).
 */
static void gen_regcache(unsigned n)
{
	static const char *const specs[] = {
	    "01 /r",	"03 /r",    "11 /r",	"13 /r",    "19 /r",	"1B /r",    "21 /r",
	    "29 /r",	"2B /r",    "31 /r",	"33 /r",    "39 /r",	"09 /r",    "85 /r",
	    "05 iv",	"15 iv",    "1D iv",	"25 iv",    "2D iv",	"35 iv",    "3D iv",
	    "A9 iv",	"81 /0 iv", "81 /2 iv", "81 /7 iv", "83 /0 ib", "83 /3 ib", "83 /5 ib",
	    "F7 /0 iv", "89 /r",    "8B /r",	"B8 +r iv", "C7 /0 iv", "87 /r",    "90 +r",
	    "8D /r",	"C1 /0 ib", "C1 /1 ib", "C1 /4 ib", "C1 /5 ib", "C1 /7 ib", "D1 /4",
	    "D1 /7",	"F7 /2",    "F7 /3",	"40 +r",    "48 +r",	"FF /0",    "0F 90 +c /0",
	    "88 /r",	"00 /r",    "0F B6 /r", "0F BF /r", "86 /r",	"0F B1 /r", "0F C1 /r",
	    "99",	"0F C8 +r"};
	unsigned g = group_id("regcache", false);
	for (unsigned k = 0; k < n; k++) {
		struct tcase *t = new_case(g);
		unsigned len = 8 + below(32);
		for (unsigned i = 0; i < len && t->in.code_len < DC_CODE_MAX - 24; i++) {
			if (chance(12)) { /* ESP, within its page */
				switch (below(4)) {
				case 0: /* lea -4k(%esp), %esp */
					emit(t, 0x8d), emit(t, 0x64), emit(t, 0x24);
					emit(t, (uint8_t)(256 - 4 * below(8)));
					break;
				case 1: /* sub/add $4k, %esp */
					emit(t, 0x83), emit(t, chance(2) ? 0xec : 0xc4);
					emit(t, (uint8_t)(4 * below(8)));
					break;
				case 2: emit(t, (uint8_t)(0x50 + below(8))); break;
				default: emit(t, (uint8_t)(0x58 + any_reg(0)));
				}
				continue;
			}
			const char *spec = specs[below(sizeof(specs) / sizeof(specs[0]))];
			bool lea = !strcmp(spec, "8D /r"), cmpx = !strcmp(spec, "0F B1 /r");
			/* LEA's operand: any address form (nothing is accessed) */
			unsigned fl = lea    ? F_NOESP | F_MEMONLY
				      : cmpx ? F_NOESP | F_ABSMEM | F_CMPX
					     : F_NOESP | F_ABSMEM | (chance(5) ? 0 : F_REGONLY);
			struct form f = {"regcache", spec, fl};
			bool o16 = chance(8) && spec[0] != '0' && spec[0] != '9' && !lea;
			if (!build_form(t, &f, o16, false, false))
				break;
		}
		switch (below(6)) { /* the end: a fault, or none */
		case 0:
		case 1: /* mov [unmapped], r or mov r, [unmapped] */
			emit(t, chance(2) ? 0x8b : 0x89);
			emit(t, (uint8_t)(any_reg(0) << 3 | 5));
			emit32(t, 0x00500000u);
			break;
		case 2: /* div r32 */
			emit(t, 0xf7);
			emit(t, (uint8_t)(0xf0 | any_reg(0)));
			break;
		default: break;
		}
	}
}

/*
 * Page faults: accesses to unmapped pages and across page ends, string instructions that
 * fault part-way (the registers must show the iterations done), stack overflow, fetches.
 * Nothing else is mapped around the case's pages, on either side.
 */
static void gen_pagefault(unsigned n)
{
	unsigned g = group_id("pagefault", false);
	for (unsigned k = 0; k < n; k++) {
		struct tcase *t = new_case(g);
		static const uint32_t bad[] = {0x00500000u,  DC_DATA + DC_PAGE,
					       DC_DATA - 4,  DC_DATA + DC_PAGE - 2,
					       DC_STACK - 2, 0x00600ffeu};
		uint32_t a = bad[below(sizeof(bad) / sizeof(bad[0]))];
		switch (k % 6) {
		case 0: /* load or store through [disp32] */
			emit(t, chance(2) ? 0x8b : 0x89);
			emit(t, (uint8_t)(any_reg(1u << R_ESP) << 3 | 5));
			emit32(t, a);
			break;
		case 1: /* read-modify-write */
			emit(t, 0x81), emit(t, 0x05), emit32(t, a), emit32(t, interesting32());
			break;
		case 2: /* REP STOS / MOVS running off the end of the data page */
		{
			static const uint8_t ops[] = {0xaa, 0xab, 0xa4, 0xa5};
			uint8_t op = ops[below(4)];
			bool o16 = (op & 1) && chance(3);
			emit(t, 0xf3);
			if (o16)
				emit(t, 0x66);
			emit(t, op);
			t->in.regs[R_EDI] = DC_DATA + DC_PAGE - 1 - below(40);
			t->in.regs[R_ESI] = DC_DATA + below(256);
			t->in.regs[R_ECX] = 20 + below(40);
			if (chance(3)) { /* the source runs off instead */
				t->in.regs[R_ESI] = DC_DATA + DC_PAGE - 1 - below(40);
				t->in.regs[R_EDI] = DC_DATA + below(256);
			}
			if (chance(4)) { /* downwards, off the start */
				t->in.eflags |= EFL_DF;
				t->in.regs[R_EDI] = DC_DATA + below(40);
				t->in.regs[R_ESI] = DC_DATA + 2048 + below(40);
			}
			break;
		}
		case 3: /* the stack runs off its page (PUSH only: the host's PUSHA stores its
			 * first registers before faulting on a later one, vmlab's stores nothing;
			 * both are restartable) */
			t->in.regs[R_ESP] = DC_STACK + below(3) * 2;
			if (chance(2))
				emit(t, 0x66);
			emit(t, (uint8_t)(0x50 + below(8)));
			break;
		case 4: /* a jump to an unmapped page */
			t->in.regs[R_EAX] = chance(2) ? 0x00500000u : DC_CODE + DC_PAGE;
			emit(t, 0xff), emit(t, 0xe0);
			break;
		default: /* CMPXCHG8B / XADD across the end of the page */
			if (chance(2)) {
				emit(t, 0x0f), emit(t, 0xc7), emit(t, 0x0d);
				emit32(t, DC_DATA + DC_PAGE - 4);
			} else {
				emit(t, 0x0f), emit(t, 0xc1), emit(t, 0x05);
				emit32(t, DC_DATA + DC_PAGE - 2);
			}
			break;
		}
	}
}

/*
 * Instructions at the end of the code page, whose successor is not mapped: one that ends
 * exactly at the page end runs and the next fetch faults; one that straddles the end faults
 * at its own address with nothing changed. Decoders that read ahead or cache blocks get
 * this wrong.
 */
static void gen_fetch(unsigned per_form)
{
	unsigned g = group_id("fetch", false);
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		/* recent processors read a ModRM byte after UD0 (0F FF), an i686 did not */
		if (!strcmp(forms[i].spec, "0F FF"))
			continue;
		for (unsigned k = 0; k < per_form; k++) {
			struct tcase *t = new_case(g);
			if (!build_form(t, &forms[i], (forms[i].flags & F_V) && chance(2), false,
					false)) {
				drop_case();
				continue;
			}
			uint32_t len = t->in.code_len;
			/* ends at the page end (k even), or straddles it by 1..len-1 bytes */
			uint32_t over = (k & 1) && len > 1 ? 1 + below(len - 1) : 0;
			t->in.code_off = DC_PAGE - len + over;
		}
	}
}

/* Self-modifying code: stores into instructions about to run (decoded-code invalidation). */
static void gen_smc(unsigned n)
{
	unsigned g = group_id("smc", false);
	for (unsigned k = 0; k < n; k++) {
		struct tcase *t = new_case(g);
		switch (k % 3) {
		case 0: /* mov byte [imm8 of the next instruction], x; mov al, y */
		{
			uint8_t x = (uint8_t)rnd32();
			emit(t, 0xc6), emit(t, 0x05), emit32(t, DC_CODE + 7 + 1), emit(t, x);
			emit(t, 0xb0), emit(t, 0x11);
			break;
		}
		case 1: /* rewrite the next opcode: nop -> inc eax / dec ecx / cmc */
		{
			static const uint8_t ops[] = {0x40, 0x49, 0xf5, 0x90};
			emit(t, 0xc6), emit(t, 0x05), emit32(t, DC_CODE + 7),
			    emit(t, ops[below(4)]);
			emit(t, 0x90);
			emit(t, 0x90);
			break;
		}
		default: /* REP STOSB over the code that follows, then run it */
		{
			unsigned body = 4 + below(8);
			t->in.regs[R_EDI] = DC_CODE + 2;
			t->in.regs[R_ECX] = body;
			t->in.regs[R_EAX] =
			    (t->in.regs[R_EAX] & ~0xffu) | (chance(2) ? 0x40 : 0x90);
			t->in.eflags &= ~EFL_DF;
			emit(t, 0xf3), emit(t, 0xaa);
			for (unsigned i = 0; i < body; i++)
				emit(t, 0x49); /* dec ecx: replaced before it runs */
			break;
		}
		}
	}
}

/* ---------------------------------------------------------------- x87 cases */

static void ld80(long double v, uint8_t *p)
{
	memcpy(p, &v, 10);
}

static void random_x87_value(uint8_t *p)
{
	static const long double v[] = {0.0L,
					-0.0L,
					1.0L,
					-1.0L,
					0.5L,
					2.0L,
					3.0L,
					10.0L,
					1e10L,
					-1e-10L,
					3.14159265358979323846L,
					1e308L,
					1e-308L,
					65535.0L,
					2147483648.0L,
					-2147483649.0L,
					9.2233720368547758e18L,
					1.5L,
					0.1L,
					1e4000L,
					1e-4000L};
	uint64_t m;
	uint16_t e;
	switch (below(8)) {
	case 0: /* infinities, NaNs, denormals, pseudo-denormals, unnormals */
		m = rnd64();
		e = (uint16_t)(chance(2) ? 0x7fff : 0);
		if (chance(3))
			m = 0x8000000000000000ull;
		if (chance(2))
			m &= ~(1ull << 63);
		e |= (uint16_t)(chance(2) ? 0x8000 : 0);
		memcpy(p, &m, 8);
		memcpy(p + 8, &e, 2);
		return;
	case 1: /* random exponent near 1 */
		m = rnd64() | 1ull << 63;
		e = (uint16_t)(0x3fff + below(128) - 64) | (uint16_t)(chance(2) ? 0x8000 : 0);
		memcpy(p, &m, 8);
		memcpy(p + 8, &e, 2);
		return;
	case 2: /* any exponent */
		m = rnd64() | 1ull << 63;
		e = (uint16_t)rnd32();
		if ((e & 0x7fff) == 0x7fff || (e & 0x7fff) == 0)
			e ^= 1;
		memcpy(p, &m, 8);
		memcpy(p + 8, &e, 2);
		return;
	case 3: /* small integers (for FPREM, FRNDINT, FIST) */
		ld80((long double)((int32_t)below(2000) - 1000) / (chance(2) ? 1 : 8), p);
		return;
	default: ld80(v[below(sizeof(v) / sizeof(v[0]))] * (chance(4) ? -1 : 1), p); return;
	}
}

/* A random x87 state: some registers in use, random control word. */
static void random_fpu(struct tcase *t)
{
	uint8_t *img = t->in.fpu;
	unsigned depth = below(9);
	unsigned top = below(8);
	uint16_t cw = 0x037f;
	if (chance(2))
		cw = (uint16_t)((cw & ~0x0c00u) | below(4) << 10); /* rounding */
	if (chance(3))
		cw = (uint16_t)((cw & ~0x0300u) | (uint16_t[]){0, 0x200, 0x300}[below(3)]);
	if (chance(5))
		cw &= (uint16_t) ~(1u << below(6)); /* one exception unmasked */
	uint16_t sw = (uint16_t)((top - depth) & 7) << 11;
	if (chance(4)) /* exception flags already set: pending when unmasked (ES as it may be) */
		sw |= (uint16_t)(rnd32() & (chance(2) ? 0x00ff : 0x007f));
	uint16_t tw = 0;
	for (unsigned i = 0; i < 8; i++) {
		unsigned phys = (top - depth + i) & 7; /* ST(i) */
		if (i >= depth)
			tw |= (uint16_t)(3u << (2 * phys));
	}
	uint32_t w[7] = {0xffff0000u | cw, 0xffff0000u | sw, 0xffff0000u | tw, 0, 0, 0,
			 0xffff0000u};
	memcpy(img, w, sizeof(w));
	for (unsigned i = 0; i < 8; i++)
		random_x87_value(img + 28 + 10 * i);
	t->in.use_fpu = 1;
}

static void fill_x87_memory(struct tcase *t, uint32_t addr)
{
	uint8_t *p = case_mem(t, addr, 16);
	if (!p)
		return;
	switch (below(4)) {
	case 0: {
		float f = (float)((int32_t)below(200) - 100) / 4;
		memcpy(p, &f, 4);
		break;
	}
	case 1: {
		double d = ((double)(int32_t)below(20000) - 10000) / 16;
		memcpy(p, &d, 8);
		break;
	}
	case 2: random_x87_value(p); break;
	default: break; /* random bytes */
	}
}

/* Every x87 encoding: register forms D8-DF C0-FF and memory forms /0-/7. */
static void gen_x87(unsigned per)
{
	unsigned g_reg = group_id("x87-reg", true), g_mem = group_id("x87-mem", true);
	unsigned g_env = group_id("x87-env", true), g_seq = group_id("x87-seq", true);
	for (unsigned op = 0xd8; op <= 0xdf; op++) {
		for (unsigned m = 0xc0; m <= 0xff; m++) {
			for (unsigned k = 0; k < per; k++) {
				struct tcase *t = new_case(g_reg);
				random_fpu(t);
				if (chance(10)) /* an operand-size prefix (ignored) or LOCK (#UD) */
					emit(t, chance(2) ? 0x66 : 0xf0);
				emit(t, (uint8_t)op), emit(t, (uint8_t)m);
				if (chance(4))
					emit(t, 0x9b); /* FWAIT: #MF for an unmasked exception */
			}
		}
		for (unsigned reg = 0; reg < 8; reg++) {
			/* FISTTP (SSE3) is #UD on vmlab's i686; the host has it. */
			if (reg == 1 && (op == 0xdb || op == 0xdd || op == 0xdf))
				continue;
			bool env =
			    (op == 0xd9 && reg >= 4) || (op == 0xdd && (reg == 4 || reg == 6));
			for (unsigned k = 0; k < per * 8; k++) {
				struct tcase *t = new_case(env ? g_env : g_mem);
				random_fpu(t);
				bool o16 = env ? chance(3) : chance(10); /* ignored unless env */
				if (o16)
					emit(t, 0x66);
				else if (chance(20))
					emit(t, 0xf0); /* LOCK: #UD */
				emit(t, (uint8_t)op);
				emit_mem32(t, reg, 112, 0);
				fill_x87_memory(t, t->mem_addr);
				if (op == 0xd9 && reg == 5) /* FLDCW: a sensible control word */
					case_write(t, t->mem_addr,
						   (0x0040 | rnd32() % 0x1000u) |
						       (chance(2) ? 0x3f : 0),
						   2);
				if (chance(4))
					emit(t, 0x9b);
			}
		}
	}
	/* Memory operands that fault (unmapped, or crossing the end of the data page): the
	 * FPU must be left exactly as before. */
	unsigned g_fault = group_id("x87-fault", true);
	static const uint8_t fault_forms[][2] = {
	    {0xdd, 0}, {0xdb, 5}, {0xd9, 0}, {0xdf, 4}, {0xdf, 5}, {0xdd, 3}, {0xdb, 7},
	    {0xd9, 3}, {0xdf, 6}, {0xdf, 7}, {0xdb, 3}, {0xdd, 6}, {0xdd, 4}, {0xd9, 4},
	    {0xd9, 6}, {0xd8, 0}, {0xdc, 6}, {0xde, 1}, {0xd9, 5}, {0xd9, 7}};
	for (unsigned k = 0; k < per * 40; k++) {
		struct tcase *t = new_case(g_fault);
		random_fpu(t);
		const uint8_t *f = fault_forms[below(sizeof(fault_forms) / 2)];
		bool o16 = chance(4);
		if (o16)
			emit(t, 0x66);
		emit(t, f[0]);
		emit(t, (uint8_t)(f[1] << 3 | 5)); /* [disp32] */
		uint32_t a =
		    chance(3) ? 0x00500000u + below(16) : DC_DATA + DC_PAGE - 1 - below(100);
		/* the host writes an 80-bit store (FSTP m80, FBSTP) as 8 + 2 bytes: when the first
		 * 8 lie in the mapped page they are stored before the #PF on the rest; vmlab stores
		 * nothing (both are restartable), so those splits are not generated */
		if (((f[0] == 0xdf && f[1] == 6) || (f[0] == 0xdb && f[1] == 7)) &&
		    a < 0x00500000u && a + 8 <= DC_DATA + DC_PAGE)
			a = DC_DATA + DC_PAGE - 1 - below(7);
		emit32(t, a);
		fill_x87_memory(t, a);
	}

	/* Sequences as compiled code uses them. */
	static const uint8_t
	    seq_ops[][2] =
		{
		    {0xd9, 0xe8}, {0xd9, 0xee}, {0xd9, 0xeb}, {0xd9, 0xea}, {0xd9, 0xe9},
		    {0xd9, 0xec}, {0xd9, 0xed}, {0xde, 0xc1}, {0xde, 0xc9}, {0xde, 0xe9},
		    {0xde, 0xf9}, {0xd9, 0xc9}, {0xd9, 0xfa}, {0xd9, 0xfe}, {0xd9, 0xff},
		    {0xd9, 0xfb}, {0xd9, 0xf2}, {0xd9, 0xf3}, {0xd9, 0xf0}, {0xd9, 0xf1},
		    {0xd9, 0xf9}, {0xd9, 0xf8}, {0xd9, 0xf5}, {0xd9, 0xfd}, {0xd9, 0xf4},
		    {0xd9, 0xfc}, {0xd9, 0xe0}, {0xd9, 0xe1}, {0xd9, 0xe4}, {0xd9, 0xe5},
		    {0xdb, 0xe9}, {0xdf, 0xe9}, {0xdd, 0xd9}, {0xdd, 0xd8}, {0xd9, 0xc0},
		    {0xd8, 0xc1}, {0xdc, 0xc1}, {0xda, 0xc1}, {0xdb, 0xd1}, {0xda, 0xe9},
		    {0xde, 0xd9}, {0xdf, 0xe0}, {0xd9, 0xf6}, {0xd9, 0xf7}, {0xdd, 0xc1},
		    {0xdb, 0xe2}, {0x9e, 0x90}, /* sahf; nop: after FNSTSW AX, as compiled
						   comparisons do */
		    {0x9b, 0x90},		/* fwait; nop */
		};
	for (unsigned k = 0; k < per * 400; k++) {
		struct tcase *t = new_case(g_seq);
		if (chance(2))
			random_fpu(t);
		unsigned len = 1 + below(6);
		for (unsigned i = 0; i < len; i++) {
			if (chance(4)) { /* a load or store through memory */
				static const uint8_t ld[] = {0xd9, 0xdd, 0xdb, 0xdf, 0xda, 0xde};
				uint8_t op = ld[below(sizeof(ld))];
				unsigned reg = (op == 0xda || op == 0xde)
						   ? below(8)
						   : (unsigned[]){0, 2, 3}[below(3)];
				emit(t, op);
				/* [disp32]: FNSTSW AX in the sequence may change an address
				 * register */
				t->abs_only = true;
				emit_mem32(t, reg, 16, 0);
				fill_x87_memory(t, t->mem_addr);
			} else {
				const uint8_t *o = seq_ops[below(sizeof(seq_ops) / 2)];
				emit(t, o[0]), emit(t, o[1]);
			}
		}
	}
}


/* ---------------------------------------------------------------- MMX, SSE, SSE2 */

/* SSE form flags. */
#define S_IMM 0x0001	 /* an imm8 follows */
#define S_REGONLY 0x0002 /* ModRM must be a register */
#define S_MEMONLY 0x0004 /* ModRM must be memory */
#define S_ALIGN 0x0008	 /* a 16-byte operand that must be aligned */
#define S_GREG 0x0010	 /* ModRM.reg is a general register it writes (not ESP) */
#define S_GRM 0x0020	 /* ModRM.rm is a general register (register form) */
#define S_MM 0x0040	 /* works on MMX registers: the mmx group, the x87 state compared */
#define S_GRP 0x0080	 /* 0F 71-73: ModRM.reg is the sub-opcode given in .reg */
#define S_MASKMOV 0x0100 /* stores to DS:EDI */
#define S_GSTORE 0x0200	 /* ModRM.rm is a general register it writes (MOVD r32, xmm) */

struct sse_form {
	uint8_t pfx, op, msz, reg;
	uint16_t fl;
};

/* Every MMX/SSE/SSE2 encoding vmlab models (the i686 + SSE2 of a Pentium 4). */
static const struct sse_form sse_forms[] = {
#define PS4(op, fl)                                                                         \
	{0, op, 16, 0, S_ALIGN | (fl)}, {0x66, op, 16, 0, S_ALIGN | (fl)}, {0xf3, op, 4, 0, fl}, \
	    {0xf2, op, 8, 0, fl}
#define INT2(op, mmsz) {0, op, mmsz, 0, S_MM}, {0x66, op, 16, 0, S_ALIGN}
    {0, 0x10, 16, 0, 0}, {0x66, 0x10, 16, 0, 0}, {0xf3, 0x10, 4, 0, 0}, {0xf2, 0x10, 8, 0, 0},
    {0, 0x11, 16, 0, 0}, {0x66, 0x11, 16, 0, 0}, {0xf3, 0x11, 4, 0, 0}, {0xf2, 0x11, 8, 0, 0},
    {0, 0x12, 8, 0, 0}, {0x66, 0x12, 8, 0, S_MEMONLY}, {0, 0x13, 8, 0, S_MEMONLY},
    {0x66, 0x13, 8, 0, S_MEMONLY}, {0, 0x14, 16, 0, S_ALIGN}, {0x66, 0x14, 16, 0, S_ALIGN},
    {0, 0x15, 16, 0, S_ALIGN}, {0x66, 0x15, 16, 0, S_ALIGN}, {0, 0x16, 8, 0, 0},
    {0x66, 0x16, 8, 0, S_MEMONLY}, {0, 0x17, 8, 0, S_MEMONLY}, {0x66, 0x17, 8, 0, S_MEMONLY},
    {0, 0x28, 16, 0, S_ALIGN}, {0x66, 0x28, 16, 0, S_ALIGN}, {0, 0x29, 16, 0, S_ALIGN},
    {0x66, 0x29, 16, 0, S_ALIGN}, {0, 0x2a, 8, 0, S_MM}, {0x66, 0x2a, 8, 0, S_MM},
    {0xf3, 0x2a, 4, 0, S_GRM}, {0xf2, 0x2a, 4, 0, S_GRM}, {0, 0x2b, 16, 0, S_ALIGN | S_MEMONLY},
    {0x66, 0x2b, 16, 0, S_ALIGN | S_MEMONLY}, {0, 0x2c, 8, 0, S_MM},
    {0x66, 0x2c, 16, 0, S_ALIGN | S_MM}, {0xf3, 0x2c, 4, 0, S_GREG}, {0xf2, 0x2c, 8, 0, S_GREG},
    {0, 0x2d, 8, 0, S_MM}, {0x66, 0x2d, 16, 0, S_ALIGN | S_MM}, {0xf3, 0x2d, 4, 0, S_GREG},
    {0xf2, 0x2d, 8, 0, S_GREG}, {0, 0x2e, 4, 0, 0}, {0x66, 0x2e, 8, 0, 0}, {0, 0x2f, 4, 0, 0},
    {0x66, 0x2f, 8, 0, 0}, {0, 0x50, 0, 0, S_REGONLY | S_GREG},
    {0x66, 0x50, 0, 0, S_REGONLY | S_GREG}, PS4(0x51, 0), {0, 0x52, 16, 0, S_ALIGN},
    {0xf3, 0x52, 4, 0, 0}, {0, 0x53, 16, 0, S_ALIGN}, {0xf3, 0x53, 4, 0, 0},
    {0, 0x54, 16, 0, S_ALIGN}, {0x66, 0x54, 16, 0, S_ALIGN}, {0, 0x55, 16, 0, S_ALIGN},
    {0x66, 0x55, 16, 0, S_ALIGN}, {0, 0x56, 16, 0, S_ALIGN}, {0x66, 0x56, 16, 0, S_ALIGN},
    {0, 0x57, 16, 0, S_ALIGN}, {0x66, 0x57, 16, 0, S_ALIGN}, PS4(0x58, 0), PS4(0x59, 0),
    {0, 0x5a, 8, 0, 0}, {0x66, 0x5a, 16, 0, S_ALIGN}, {0xf3, 0x5a, 4, 0, 0},
    {0xf2, 0x5a, 8, 0, 0}, {0, 0x5b, 16, 0, S_ALIGN}, {0x66, 0x5b, 16, 0, S_ALIGN},
    {0xf3, 0x5b, 16, 0, S_ALIGN}, PS4(0x5c, 0), PS4(0x5d, 0), PS4(0x5e, 0), PS4(0x5f, 0),
    INT2(0x60, 4), INT2(0x61, 4), INT2(0x62, 4), INT2(0x63, 8), INT2(0x64, 8), INT2(0x65, 8),
    INT2(0x66, 8), INT2(0x67, 8), INT2(0x68, 8), INT2(0x69, 8), INT2(0x6a, 8), INT2(0x6b, 8),
    {0x66, 0x6c, 16, 0, S_ALIGN}, {0x66, 0x6d, 16, 0, S_ALIGN}, {0, 0x6e, 4, 0, S_MM | S_GRM},
    {0x66, 0x6e, 4, 0, S_GRM}, {0, 0x6f, 8, 0, S_MM}, {0x66, 0x6f, 16, 0, S_ALIGN},
    {0xf3, 0x6f, 16, 0, 0}, {0, 0x70, 8, 0, S_MM | S_IMM}, {0x66, 0x70, 16, 0, S_ALIGN | S_IMM},
    {0xf3, 0x70, 16, 0, S_ALIGN | S_IMM}, {0xf2, 0x70, 16, 0, S_ALIGN | S_IMM},
    {0, 0x71, 0, 2, S_MM | S_GRP}, {0, 0x71, 0, 4, S_MM | S_GRP}, {0, 0x71, 0, 6, S_MM | S_GRP},
    {0, 0x72, 0, 2, S_MM | S_GRP}, {0, 0x72, 0, 4, S_MM | S_GRP}, {0, 0x72, 0, 6, S_MM | S_GRP},
    {0, 0x73, 0, 2, S_MM | S_GRP}, {0, 0x73, 0, 6, S_MM | S_GRP}, {0x66, 0x71, 0, 2, S_GRP},
    {0x66, 0x71, 0, 4, S_GRP}, {0x66, 0x71, 0, 6, S_GRP}, {0x66, 0x72, 0, 2, S_GRP},
    {0x66, 0x72, 0, 4, S_GRP}, {0x66, 0x72, 0, 6, S_GRP}, {0x66, 0x73, 0, 2, S_GRP},
    {0x66, 0x73, 0, 3, S_GRP}, {0x66, 0x73, 0, 6, S_GRP}, {0x66, 0x73, 0, 7, S_GRP},
    INT2(0x74, 8), INT2(0x75, 8), INT2(0x76, 8), {0, 0x77, 0, 0, S_MM | S_REGONLY},
    {0, 0x7e, 4, 0, S_MM | S_GSTORE}, {0x66, 0x7e, 4, 0, S_GSTORE}, {0xf3, 0x7e, 8, 0, 0},
    {0, 0x7f, 8, 0, S_MM}, {0x66, 0x7f, 16, 0, S_ALIGN}, {0xf3, 0x7f, 16, 0, 0},
    PS4(0xc2, S_IMM), {0, 0xc3, 4, 0, S_MEMONLY | S_GREG}, {0, 0xc4, 2, 0, S_MM | S_GRM | S_IMM},
    {0x66, 0xc4, 2, 0, S_GRM | S_IMM}, {0, 0xc5, 0, 0, S_MM | S_REGONLY | S_GREG | S_IMM},
    {0x66, 0xc5, 0, 0, S_REGONLY | S_GREG | S_IMM}, {0, 0xc6, 16, 0, S_ALIGN | S_IMM},
    {0x66, 0xc6, 16, 0, S_ALIGN | S_IMM}, INT2(0xd1, 8), INT2(0xd2, 8), INT2(0xd3, 8),
    INT2(0xd4, 8), INT2(0xd5, 8), {0x66, 0xd6, 8, 0, 0}, {0xf3, 0xd6, 0, 0, S_REGONLY | S_MM},
    {0xf2, 0xd6, 0, 0, S_REGONLY | S_MM}, {0, 0xd7, 0, 0, S_MM | S_REGONLY | S_GREG},
    {0x66, 0xd7, 0, 0, S_REGONLY | S_GREG}, INT2(0xd8, 8), INT2(0xd9, 8), INT2(0xda, 8),
    INT2(0xdb, 8), INT2(0xdc, 8), INT2(0xdd, 8), INT2(0xde, 8), INT2(0xdf, 8), INT2(0xe0, 8),
    INT2(0xe1, 8), INT2(0xe2, 8), INT2(0xe3, 8), INT2(0xe4, 8), INT2(0xe5, 8),
    {0x66, 0xe6, 16, 0, S_ALIGN}, {0xf3, 0xe6, 8, 0, 0}, {0xf2, 0xe6, 16, 0, S_ALIGN},
    {0, 0xe7, 8, 0, S_MM | S_MEMONLY}, {0x66, 0xe7, 16, 0, S_ALIGN | S_MEMONLY}, INT2(0xe8, 8),
    INT2(0xe9, 8), INT2(0xea, 8), INT2(0xeb, 8), INT2(0xec, 8), INT2(0xed, 8), INT2(0xee, 8),
    INT2(0xef, 8), INT2(0xf1, 8), INT2(0xf2, 8), INT2(0xf3, 8), INT2(0xf4, 8), INT2(0xf5, 8),
    INT2(0xf6, 8), {0, 0xf7, 0, 0, S_MM | S_REGONLY | S_MASKMOV},
    {0x66, 0xf7, 0, 0, S_REGONLY | S_MASKMOV}, INT2(0xf8, 8), INT2(0xf9, 8), INT2(0xfa, 8),
    INT2(0xfb, 8), INT2(0xfc, 8), INT2(0xfd, 8), INT2(0xfe, 8),
#undef PS4
#undef INT2
};

static uint32_t random_f32(void)
{
	static const uint32_t v[] = {
	    0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x3f000000, 0x40400000, 0x7f7fffff,
	    0x00800000, 0x00000001, 0x007fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000,
	    0x7fa00000, 0x4f000000, 0xcf000000, 0x4effffff, 0x3dcccccd, 0x5f000000, 0x00400000,
	    0x01000000, 0x7f000000, 0x3effffff, 0x4b000000};
	switch (below(4)) {
	case 0: return v[below(sizeof(v) / sizeof(v[0]))];
	case 1: return rnd32();
	case 2: /* ordinary numbers near 1 */
		return (rnd32() & 0x807fffffu) | (uint32_t)(127 + below(40) - 20) << 23;
	default: { /* small integers, some halves */
		float f = (float)((int32_t)below(2000) - 1000) / (chance(2) ? 1.0f : 2.0f);
		uint32_t u;
		memcpy(&u, &f, 4);
		return u;
	}
	}
}

static uint64_t random_f64(void)
{
	static const uint64_t v[] = {
	    0, 1ull << 63, 0x3ff0000000000000ull, 0xbff0000000000000ull, 0x7fefffffffffffffull,
	    0x0010000000000000ull, 1, 0x000fffffffffffffull, 0x7ff0000000000000ull,
	    0xfff0000000000000ull, 0x7ff8000000000000ull, 0x7ff4000000000000ull,
	    0x41e0000000000000ull, 0xc1e0000000000000ull, 0x41dfffffffc00000ull,
	    0x3fb999999999999aull, 0x47efffffe0000000ull, 0x36a0000000000000ull,
	    0x3810000000000000ull, 0x380fffffffffffffull, 0x43e0000000000000ull};
	switch (below(4)) {
	case 0: return v[below(sizeof(v) / sizeof(v[0]))];
	case 1: return rnd64();
	case 2: return (rnd64() & 0x800fffffffffffffull) | (uint64_t)(1023 + below(80) - 40) << 52;
	default: {
		double d = (double)((int32_t)below(200000) - 100000) / (chance(2) ? 1.0 : 4.0);
		uint64_t u;
		memcpy(&u, &d, 8);
		return u;
	}
	}
}

/* 16 bytes as singles, doubles, integers or random bytes. */
static void random_sse_value(uint8_t *p)
{
	switch (below(4)) {
	case 0:
		for (int i = 0; i < 4; i++) {
			uint32_t v = random_f32();
			memcpy(p + 4 * i, &v, 4);
		}
		return;
	case 1:
		for (int i = 0; i < 2; i++) {
			uint64_t v = random_f64();
			memcpy(p + 8 * i, &v, 8);
		}
		return;
	case 2:
		for (int i = 0; i < 4; i++) {
			uint32_t v = interesting32();
			memcpy(p + 4 * i, &v, 4);
		}
		return;
	default: fill_random(p, 16); return;
	}
}

/* A random MXCSR: rounding, FZ, DAZ, flags already set, some exceptions unmasked. */
static uint32_t random_mxcsr(void)
{
	uint32_t m = MXCSR_DEFAULT;
	if (chance(2))
		m |= below(4) << 13;
	if (chance(4))
		m |= MXCSR_FZ;
	if (chance(4))
		m |= MXCSR_DAZ;
	if (chance(4))
		m |= rnd32() & MXCSR_FLAGS;
	if (chance(2))
		m &= ~(1u << (7 + below(6)));
	if (chance(6))
		m &= ~(rnd32() & MXCSR_MASKS);
	return m;
}

static void random_sse(struct tcase *t, bool mxcsr)
{
	for (int i = 0; i < 8; i++)
		random_sse_value(t->in.xmm[i]);
	if (mxcsr)
		t->in.mxcsr = random_mxcsr();
}

/* MMX registers: an x87 state whose registers hold random 64-bit values, any TOP and tags. */
static void random_mmx(struct tcase *t)
{
	random_fpu(t);
	for (int i = 0; i < 8; i++) {
		if (chance(4))
			continue; /* keep the x87 value */
		uint64_t v = chance(2) ? rnd64() : (uint64_t)interesting32() << (chance(2) ? 32 : 0);
		memcpy(t->in.fpu + 28 + 10 * i, &v, 8);
		uint16_t e = 0xffff;
		memcpy(t->in.fpu + 36 + 10 * i, &e, 2);
	}
	/* no exception pending: that would be #MF for every MMX instruction */
	uint16_t sw;
	memcpy(&sw, t->in.fpu + 4, 2);
	if (chance(8))
		sw |= 0x80 | 0x01; /* sometimes pending with an unmasked IE */
	else
		sw &= (uint16_t) ~0xff;
	uint16_t cw;
	memcpy(&cw, t->in.fpu, 2);
	if (sw & 0x80)
		cw &= (uint16_t) ~1u;
	memcpy(t->in.fpu + 4, &sw, 2);
	memcpy(t->in.fpu, &cw, 2);
}

/* Where a memory operand goes: aligned to 16 mostly when the form needs it, anywhere
 * sometimes (#GP), across the data page's end or in an unmapped page (#PF) with fault. */
static uint32_t sse_target(const struct sse_form *f, bool fault)
{
	unsigned span = f->msz ? f->msz : 16;
	if (fault) {
		switch (below(3)) {
		case 0: return 0x00500000u + below(64);
		default: return DC_DATA + DC_PAGE - span + 1 + below(span > 1 ? span - 1 : 1);
		}
	}
	uint32_t a = DC_DATA + 32 + below(DC_PAGE - 96);
	if ((f->fl & S_ALIGN) ? !chance(8) : chance(2))
		a &= ~15u;
	return a;
}

static void emit_sse_form(struct tcase *t, const struct sse_form *f, bool mem, bool fault)
{
	if (f->pfx)
		emit(t, f->pfx);
	emit(t, 0x0f);
	emit(t, f->op);
	unsigned reg = below(8), rm = below(8);
	if (f->fl & S_GRP)
		reg = f->reg;
	if (f->fl & S_GREG)
		while (reg == R_ESP)
			reg = below(8);
	if (f->op == 0x77) { /* EMMS: no ModRM */
		return;
	}
	if (!mem) {
		if (f->fl & (S_GSTORE))
			while (rm == R_ESP)
				rm = below(8);
		emit(t, (uint8_t)(0xc0 | reg << 3 | rm));
		if (f->fl & S_MASKMOV) {
			uint32_t a = fault ? DC_DATA + DC_PAGE - 1 - below(8) : DC_DATA + 16 + below(DC_PAGE - 64);
			t->in.regs[R_EDI] = a;
		}
	} else {
		uint32_t a = sse_target(f, fault);
		/* a memory operand must not be based on a register the form writes */
		unsigned avoid = (f->fl & S_GREG) ? 1u << reg : 0;
		emit_mem32_at(t, reg, a, avoid);
		uint8_t *p = case_mem(t, t->mem_addr & ~15u, 16);
		if (p && !fault)
			random_sse_value(p);
		if (f->op == 0xc4 && p) { /* PINSRW m16: any word */
		}
	}
	if (f->fl & (S_IMM | S_GRP))
		emit(t, (uint8_t)(chance(2) ? below(70) : rnd32()));
}

static void gen_sse(unsigned per)
{
	unsigned g_reg = group_id("sse-reg", false), g_mem = group_id("sse-mem", false);
	unsigned g_mmx = group_id("mmx", true), g_mx = group_id("sse-mxcsr", false);
	unsigned g_fault = group_id("sse-fault", true);
	for (size_t i = 0; i < sizeof(sse_forms) / sizeof(sse_forms[0]); i++) {
		const struct sse_form *f = &sse_forms[i];
		bool mm = f->fl & S_MM;
		for (unsigned k = 0; k < per * 4; k++) {
			bool mem = (f->fl & S_MEMONLY) || (!(f->fl & S_REGONLY) && (k & 1));
			bool mx = k % 4 == 3;
			struct tcase *t = new_case(mm ? g_mmx : mx ? g_mx : mem ? g_mem : g_reg);
			random_sse(t, mx);
			if (mm)
				random_mmx(t);
			emit_sse_form(t, f, mem, false);
		}
		/* faults: #PF on the operand (nothing may change), #GP for a misaligned one, #UD
		 * for the wrong operand kind */
		for (unsigned k = 0; k < per; k++) {
			struct tcase *t = new_case(g_fault);
			random_sse(t, chance(2));
			if (mm)
				random_mmx(t);
			bool mem = !(f->fl & S_REGONLY);
			if (f->fl & S_MEMONLY)
				mem = !chance(4);
			else if (f->fl & S_REGONLY)
				mem = chance(4) && f->op != 0x77;
			emit_sse_form(t, f, mem, true);
		}
	}
	/* MXCSR, FXSAVE/FXRSTOR, fences */
	unsigned g_state = group_id("sse-state", true);
	for (unsigned k = 0; k < per * 60; k++) {
		struct tcase *t = new_case(g_state);
		random_sse(t, true);
		if (chance(2))
			random_fpu(t);
		unsigned what = below(6);
		static const uint8_t fence[] = {0xe8, 0xf0, 0xf8};
		emit(t, 0x0f);
		emit(t, 0xae);
		if (what == 5) {
			emit(t, (uint8_t)(fence[below(3)] + below(8)));
			continue;
		}
		static const uint8_t sub[5] = {0, 1, 2, 3, 7}; /* FXSAVE FXRSTOR LDMXCSR STMXCSR CLFLUSH */
		unsigned r = sub[what];
		bool fx = r <= 1;
		bool fault = chance(8);
		uint32_t a;
		if (fault)
			a = chance(2) ? 0x00500000u : DC_DATA + DC_PAGE - (fx ? 256 : 2);
		else if (fx)
			a = (DC_DATA + 64 + below(DC_PAGE - 640)) & (chance(10) ? ~0u : ~15u);
		else
			a = DC_DATA + 16 + below(DC_PAGE - 64);
		emit_mem32_at(t, r, a, 0);
		uint8_t *p = case_mem(t, t->mem_addr, fx ? 512 : 4);
		if (!p || fault)
			continue;
		if (r == 2) { /* LDMXCSR: valid mostly, a reserved bit sometimes (#GP) */
			uint32_t v = random_mxcsr();
			if (chance(8))
				v |= 1u << (chance(2) ? 16 : 18 + below(14));
			memcpy(p, &v, 4);
		} else if (r == 1) { /* FXRSTOR: a consistent image */
			uint8_t img[108];
			struct tcase tmp;
			memcpy(img, t->in.fpu, 108);
			(void)tmp;
			memset(p, 0, 512);
			memcpy(p, img, 2);	/* FCW */
			memcpy(p + 2, img + 4, 2); /* FSW */
			p[4] = (uint8_t)rnd32(); /* abridged tags */
			for (int i = 0; i < 8; i++)
				random_x87_value(p + 32 + 16 * i);
			uint32_t m = random_mxcsr();
			if (chance(10))
				m |= 1u << 20;
			memcpy(p + 24, &m, 4);
			for (int i = 0; i < 8; i++)
				random_sse_value(p + 160 + 16 * i);
		}
	}
}


/* ---------------------------------------------------------------- the trap flag */

/*
 * POPF sets TF, then one instruction runs with it: the single-step trap (#DB, EIP after it)
 * must come where the processor's does: after a completed instruction, after each
 * iteration of a REP string instruction (EIP still at it while ECX is not 0), not after a
 * faulting one; a POPF that clears TF still traps.
 */
static void gen_trapflag(unsigned per)
{
	unsigned g = group_id("trapflag", false);
	static const char *const specs[] = {"01 /r", "F7 /3", "0F AF /r", "40 +r", "D3 /4",
					    "0F BC /r", "87 /r", "8B /r", "89 /r", "C1 /5 ib"};
	for (unsigned k = 0; k < per * 300; k++) {
		struct tcase *t = new_case(g);
		/* pushf; or dword [esp], 0x100; popf */
		static const uint8_t set_tf[] = {0x9c, 0x81, 0x0c, 0x24, 0x00, 0x01, 0x00, 0x00, 0x9d};
		for (unsigned i = 0; i < sizeof(set_tf); i++)
			emit(t, set_tf[i]);
		switch (below(6)) {
		case 0:
		case 1: { /* an ordinary instruction, [disp32] or register operands */
			const char *spec = specs[below(sizeof(specs) / sizeof(specs[0]))];
			struct form f = {"trapflag", spec, F_NOESP | F_ABSMEM};
			if (!build_form(t, &f, false, false, false))
				drop_case();
			break;
		}
		case 2: { /* a string instruction, sometimes with REP: ESI/EDI in the data page */
			static const uint8_t ops[] = {0xa4, 0xa5, 0xaa, 0xab, 0xac, 0xa6, 0xae};
			if (chance(2))
				emit(t, chance(3) ? 0xf2 : 0xf3);
			emit(t, ops[below(sizeof(ops))]);
			t->in.regs[R_ESI] = DC_DATA + 64 + below(1024);
			t->in.regs[R_EDI] = DC_DATA + 2048 + below(1024);
			t->in.regs[R_ECX] = below(5);
			break;
		}
		case 3: /* a jump, taken or not */
			emit(t, (uint8_t)(0x70 + below(16)));
			emit(t, 2);
			emit(t, 0x90);
			emit(t, 0x90);
			break;
		case 4: /* POPF clearing TF again, or PUSHF with it set */
			if (chance(2)) {
				static const uint8_t clr[] = {0x9c, 0x81, 0x24, 0x24, 0xff, 0xfe, 0xff, 0xff, 0x9d};
				for (unsigned i = 0; i < sizeof(clr); i++)
					emit(t, clr[i]);
			} else {
				emit(t, 0x9c);
			}
			break;
		default: /* a load that faults (#PF, no trap), or an SSE/x87 instruction */
			if (chance(3)) {
				emit(t, 0xa1);
				emit32(t, 0x00500000u);
			} else if (chance(2)) {
				random_sse(t, false);
				emit(t, 0x66), emit(t, 0x0f), emit(t, 0xfe), emit(t, (uint8_t)(0xc0 | below(64)));
			} else {
				emit(t, 0xd9), emit(t, 0xe8); /* fld1 */
			}
			break;
		}
	}
}

/* ---------------------------------------------------------------- the interpreter side */

struct machine {
	struct physmem pm;
	struct mmu mmu;
	struct cpu cpu;
	struct counters ctr;
};

#define PD_PHYS 0x00100000u
#define PT_PHYS 0x00101000u
#define GDT_PHYS 0x00102000u

static void map_page(struct machine *mc, uint32_t lin, bool user)
{
	uint32_t pte =
	    (lin & PAGE_MASK) | (uint32_t)(PTE_P | PTE_RW) | (user ? (uint32_t)PTE_US : 0);
	physmem_write(&mc->pm, PT_PHYS + ((lin >> 12) & 1023) * 4, pte, 4);
}

static uint64_t flat_desc(bool code, uint32_t base)
{
	struct seg_desc d = {.base = base,
			     .limit = 0xfffff,
			     .type = code ? 0xb : 0x3,
			     .s = true,
			     .p = true,
			     .g = true,
			     .db = true,
			     .dpl = 3};
	return seg_desc_encode(&d);
}

/*
 * The interpreter runs every case on several machines that differ only in the modelled TLB:
 * results must not depend on it (the fast path, evictions and the TLB-off switch included).
 */
enum tlb_mode { TLB_MODE_DEFAULT, TLB_MODE_OFF, TLB_MODE_TINY, TLB_MODES };
static const char *const tlb_mode_names[TLB_MODES] = {"default", "off", "tiny"};

static int machine_init(struct machine *mc, const uint16_t sregs[6], enum tlb_mode mode)
{
	memset(mc, 0, sizeof(*mc));
	if (physmem_init(&mc->pm, 16u << 20, false))
		return -1;
	struct tlb_config cfg;
	tlb_config_default(&cfg);
	if (mode == TLB_MODE_OFF) {
		cfg.enabled = false;
	} else if (mode ==
		   TLB_MODE_TINY) { /* 2 entries, direct-mapped, split: constant evictions */
		cfg.l1 = (struct tlb_geometry){2, 1};
		cfg.split = true;
		cfg.l1i = (struct tlb_geometry){1, 1};
		cfg.l2.entries = 0;
	}
	if (mmu_init(&mc->mmu, &mc->pm, &cfg, &mc->ctr))
		return -1;
	/* page directory entry 0 covers every page the cases use */
	physmem_write(&mc->pm, PD_PHYS, PT_PHYS | (uint32_t)(PTE_P | PTE_RW | PTE_US), 4);
	map_page(mc, DC_CODE, true);
	map_page(mc, DC_DATA, true);
	map_page(mc, DC_STACK, true);
	if (have_low)
		map_page(mc, DC_LOW, true);
	map_page(mc, GDT_PHYS, false);
	/* the GDT: the host's user selectors (0x23 code, 0x2b data, 0x63 TLS) as DPL 3 segments
	 * with a 4 GB limit, based at 0 except GS, which has the helper's TLS base */
	for (unsigned i = 0; i < 6; i++) {
		uint16_t sel = sregs[i];
		if (SEL_INDEX(sel) && SEL_INDEX(sel) < 32 && !SEL_TI(sel))
			physmem_write(&mc->pm, GDT_PHYS + 8 * SEL_INDEX(sel),
				      flat_desc(i == SR_CS, i == SR_GS ? gs_base : 0), 8);
	}
	mc->mmu.seg.gdtr_base = GDT_PHYS;
	mc->mmu.seg.gdtr_limit = 32 * 8 - 1;
	mmu_write_cr4(&mc->mmu, CR4_OSFXSR | CR4_OSXMMEXCPT); /* as Linux sets them */
	mmu_write_cr3(&mc->mmu, PD_PHYS);
	mmu_write_cr0(&mc->mmu, CR0_PE | CR0_PG | CR0_WP | CR0_NE);
	mc->mmu.cpl = 3;
	for (unsigned i = 0; i < 6; i++) {
		struct x86_exception ex;
		if (mmu_load_seg(&mc->mmu, (enum sreg)i, sregs[i], &ex)) {
			fprintf(stderr,
				"diffcpu: loading selector %#x into sreg %u failed (vector %u)\n",
				sregs[i], i, ex.vector);
			return -1;
		}
	}
	if (cpu_init(&mc->cpu, &mc->mmu, &mc->ctr))
		return -1;
	mc->cpu.jit = mc->cpu.jit && !no_jit;
	mc->cpu.vendor = (enum cpu_vendor)vendor;
	return 0;
}

static void interp_case(struct machine *mc, const struct dc_in *in, struct dc_out *out)
{
	struct cpu *c = &mc->cpu;
	uint8_t code[DC_CODE_MAX + 2];
	uint32_t len = in->code_len > DC_CODE_MAX ? DC_CODE_MAX : in->code_len;
	uint32_t off = in->code_off < DC_PAGE ? in->code_off : 0;
	memset(out, 0, sizeof(*out));
	out->magic = DC_MAGIC_OUT;
	out->id = in->id;
	out->vector = DC_NO_EXCEPTION;
	/* the code, then INT 0x80 where the native helper jumps back */
	memcpy(code, in->code, len);
	code[len] = 0xcd;
	code[len + 1] = 0x80;
	/* only what lies in the code page: the page after it is not mapped */
	uint32_t n = len + 2 <= DC_PAGE - off ? len + 2
		     : len <= DC_PAGE - off   ? len
					      : DC_PAGE - off;
	physmem_write_buf(&mc->pm, DC_CODE + off, code, n);
	physmem_write_buf(&mc->pm, DC_DATA, in->data, DC_PAGE);
	physmem_write_buf(&mc->pm, DC_STACK, in->stack, DC_PAGE);
	if (have_low)
		physmem_write_buf(&mc->pm, DC_LOW, in->low, DC_PAGE);
	cpu_flush_decoded(c);
	memcpy(c->regs, in->regs, sizeof(c->regs));
	cpu_set_eflags(c, (in->eflags & DC_FLAGS) | 0x202u);
	c->eip = DC_CODE + off;
	if (in->use_fpu)
		x87_restore_image(&c->fpu, in->fpu);
	else
		x87_init(&c->fpu);
	c->sse.mxcsr = in->mxcsr;
	memcpy(c->sse.xmm, in->xmm, sizeof(in->xmm));
	/* the host's FNINIT/FRSTOR leave the pointers as they are: start from zero on both */
	struct x86_exception ex;
	memset(&ex, 0, sizeof(ex));
	enum cpu_exit e = cpu_run(c, 1000000, &ex);
	out->eip = c->eip;
	switch (e) {
	case CPU_EXIT_SYSCALL:
		if (c->eip == DC_CODE + off + len + 2)
			out->eip = DC_CODE + off + len;
		else /* cases contain no INT 0x80 of their own: a decoding error */
			out->vector = DC_STRAY_SYSCALL;
		break;
	case CPU_EXIT_EXCEPTION:
		out->vector = ex.vector;
		out->err = ex.has_error_code ? ex.error_code : 0;
		if (ex.vector == X86_PF)
			out->err = ex.error_code;
		break;
	case CPU_EXIT_INT:
		/* Linux's IDT lets CPL 3 reach only vectors 3 and 4 (and 0x80) with INT n: the rest
		 * are #GP(vector*8+2) at the INT instruction */
		if (ex.vector == 3 || ex.vector == 4) {
			out->vector = ex.vector;
		} else {
			out->vector = X86_GP;
			out->err = (uint32_t)ex.vector << 3 | 2;
			out->eip = c->eip - c->exit_insn_len;
		}
		break;
	case CPU_EXIT_HLT: out->vector = X86_GP; break;
	case CPU_EXIT_LIMIT: out->vector = DC_TIMEOUT; break;
	}
	memcpy(out->regs, c->regs, sizeof(out->regs));
	out->eflags = cpu_get_eflags(c);
	x87_save_image(&c->fpu, out->fpu);
	out->mxcsr = c->sse.mxcsr;
	memcpy(out->xmm, c->sse.xmm, sizeof(out->xmm));
	physmem_read_buf(&mc->pm, DC_DATA, out->data, DC_PAGE);
	physmem_read_buf(&mc->pm, DC_STACK, out->stack, DC_PAGE);
	if (have_low)
		physmem_read_buf(&mc->pm, DC_LOW, out->low, DC_PAGE);
}

/* ---------------------------------------------------------------- the native side */

struct native {
	pid_t pid;
	int to, from;
};

static int native_start(struct native *n, const char *path)
{
	int in[2], outp[2];
	if (pipe(in) || pipe(outp))
		return -1;
	n->pid = fork();
	if (n->pid < 0)
		return -1;
	if (n->pid == 0) {
		dup2(in[0], 0);
		dup2(outp[1], 1);
		close(in[0]), close(in[1]), close(outp[0]), close(outp[1]);
		execl(path, path, (char *)NULL);
		fprintf(stderr, "diffcpu: cannot run %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(outp[1]);
	n->to = in[1];
	n->from = outp[0];
	return 0;
}

static int io_full(int fd, void *buf, size_t len, bool wr)
{
	uint8_t *p = buf;
	while (len) {
		ssize_t k = wr ? write(fd, p, len) : read(fd, p, len);
		if (k <= 0) {
			if (k < 0 && errno == EINTR)
				continue;
			return -1;
		}
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

static int native_run(struct native *n, const struct dc_in *in, struct dc_out *out)
{
	if (io_full(n->to, (void *)in, sizeof(*in), true) ||
	    io_full(n->from, out, sizeof(*out), false) || out->magic != DC_MAGIC_OUT ||
	    out->id != in->id)
		return -1;
	return 0;
}

/* ---------------------------------------------------------------- comparison */

static const char *const reg_names[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};

static int fmt_case(char *b, size_t n, const struct dc_in *in)
{
	int k = snprintf(b, n, "case %u code", in->id);
	for (uint32_t i = 0; i < in->code_len && k < (int)n; i++)
		k += snprintf(b + k, n - (size_t)k, " %02x", in->code[i]);
	for (int i = 0; i < 8 && k < (int)n; i++)
		k += snprintf(b + k, n - (size_t)k, "%s %s=%08x", i ? "" : ";", reg_names[i],
			      in->regs[i]);
	if (k < (int)n)
		k += snprintf(b + k, n - (size_t)k, " efl=%03x", in->eflags);
	if (in->use_fpu && k < (int)n) {
		uint16_t cw, sw, tw;
		memcpy(&cw, in->fpu, 2), memcpy(&sw, in->fpu + 4, 2), memcpy(&tw, in->fpu + 8, 2);
		k += snprintf(b + k, n - (size_t)k, " fcw=%04x fsw=%04x ftw=%04x", cw, sw, tw);
	}
	return k;
}

#define OSZAPC (EFL_OF | EFL_SF | EFL_ZF | EFL_AF | EFL_PF | EFL_CF)

/*
 * The flags Intel's SDM leaves undefined for a single instruction (with these operands).
 * Only used to classify differences: the comparison itself is strict, because vmlab is to do
 * what the host does where Intel says "undefined".
 */
static uint32_t undefined_flags(const struct dc_in *in)
{
	const uint8_t *p = in->code;
	unsigned n = in->code_len, i = 0;
	bool o16 = false;
	while (i < n &&
	       (p[i] == 0x66 || p[i] == 0x67 || p[i] == 0xf0 || p[i] == 0xf2 || p[i] == 0xf3 ||
		p[i] == 0x26 || p[i] == 0x2e || p[i] == 0x36 || p[i] == 0x3e))
		o16 |= p[i++] == 0x66;
	if (i >= n)
		return 0;
	uint8_t op = p[i], op2 = i + 1 < n ? p[i + 1] : 0;
	unsigned reg = (op2 >> 3) & 7;
	uint32_t cl = in->regs[R_ECX] & 0xff;
	switch (op) {
	case 0x20:
	case 0x21:
	case 0x22:
	case 0x23:
	case 0x24:
	case 0x25:
	case 0x08:
	case 0x09:
	case 0x0a:
	case 0x0b:
	case 0x0c:
	case 0x0d:
	case 0x30:
	case 0x31:
	case 0x32:
	case 0x33:
	case 0x34:
	case 0x35:
	case 0x84:
	case 0x85:
	case 0xa8:
	case 0xa9: return EFL_AF;
	case 0x80:
	case 0x81:
	case 0x82:
	case 0x83: return (reg == 1 || reg == 4 || reg == 6) ? EFL_AF : 0;
	case 0x27:
	case 0x2f: return EFL_OF;
	case 0x37:
	case 0x3f: return EFL_OF | EFL_SF | EFL_ZF | EFL_PF;
	case 0xd4:
	case 0xd5: return EFL_OF | EFL_AF | EFL_CF;
	case 0x69:
	case 0x6b: return EFL_SF | EFL_ZF | EFL_AF | EFL_PF;
	case 0xf6:
	case 0xf7:
		if (reg == 0 || reg == 1)
			return EFL_AF;
		if (reg == 4 || reg == 5)
			return EFL_SF | EFL_ZF | EFL_AF | EFL_PF;
		if (reg >= 6)
			return OSZAPC;
		return 0;
	case 0xc0:
	case 0xc1:
	case 0xd0:
	case 0xd1:
	case 0xd2:
	case 0xd3: {
		/* the count as the instruction masks it */
		unsigned cnt = (op == 0xd0 || op == 0xd1) ? 1 : (op == 0xd2 || op == 0xd3) ? cl : 0;
		if (op == 0xc0 || op == 0xc1) {
			/* the immediate is the last byte */
			cnt = p[n - 1];
		}
		cnt &= 31;
		if (cnt == 0)
			return 0;
		uint32_t u = cnt != 1 ? EFL_OF : 0;
		if (reg >= 4)
			u |= EFL_AF;
		return u;
	}
	case 0x0f:
		switch (op2) {
		case 0xaf: return EFL_SF | EFL_ZF | EFL_AF | EFL_PF;
		case 0xbc:
		case 0xbd: return EFL_CF | EFL_OF | EFL_SF | EFL_AF | EFL_PF;
		case 0xa3:
		case 0xab:
		case 0xb3:
		case 0xbb:
		case 0xba: return EFL_OF | EFL_SF | EFL_AF | EFL_PF;
		case 0xa4:
		case 0xa5:
		case 0xac:
		case 0xad: {
			unsigned cnt = (op2 == 0xa4 || op2 == 0xac) ? p[n - 1] : cl;
			cnt &= 31;
			if (cnt == 0)
				return 0;
			if (cnt > (o16 ? 16u : 32u))
				return OSZAPC;
			return EFL_AF | (cnt != 1 ? EFL_OF : 0);
		}
		}
		return 0;
	}
	return 0;
}

/* Returns true when equal; otherwise describes the first difference into msg. */
/*
 * AMD family 1Ah (Zen 5) hosts do not copy element by element, as the architecture says,
 * when REP MOVS with 16-bit addresses has its destination less than a block above its
 * source: they copy blocks (up to 8 bytes for MOVSB), so the overlap repeats a longer
 * pattern. vmlab keeps the architectural result; on such a host the low page of these cases
 * is not compared (registers, flags and the other pages are). docs/vendors.md.
 */
static bool host_intel; /* the host is an Intel processor (not --replay) */
static unsigned maskmov_cases;
/* The case's instruction is MASKMOVQ (0F F7) or MASKMOVDQU (66 0F F7), after prefixes. */
static bool maskmov_case(const struct tcase *t)
{
	for (uint32_t k = 0; k + 1 < t->in.code_len; k++) {
		uint8_t b = t->in.code[k];
		if (b == 0x0F)
			return t->in.code[k + 1] == 0xF7;
		if (b != 0x66 && b != 0x67 && b != 0xF2 && b != 0xF3 && b != 0x26 && b != 0x2E &&
		    b != 0x36 && b != 0x3E && b != 0x64 && b != 0x65)
			return false;
	}
	return false;
}
static bool host_block_movs16;
static unsigned block_movs16_cases;
static bool block_movs16(const struct tcase *t)
{
	bool a16 = false;
	for (uint32_t k = 0; k < t->in.code_len; k++) {
		uint8_t b = t->in.code[k];
		if (b == 0x67)
			a16 = true;
		else if (b == 0xA4 || b == 0xA5) {
			uint16_t d = (uint16_t)(t->in.regs[7] - t->in.regs[6]);
			return a16 && k > 0 && d != 0 && d < 256;
		} else if (b != 0xF2 && b != 0xF3 && b != 0x66 && b != 0x26 && b != 0x2E &&
			   b != 0x36 && b != 0x3E && b != 0x65)
			return false;
	}
	return false;
}

static bool compare(const struct tcase *t, const struct dc_out *nat, const struct dc_out *emu,
		    char *msg, size_t n)
{
	int k = fmt_case(msg, n, &t->in);
	char *m = msg + k;
	size_t left = n - (size_t)k;
#define DIFF(...) (snprintf(m, left, "; " __VA_ARGS__), false)
	if (nat->vector != emu->vector && host_intel && maskmov_case(t) &&
	    (nat->vector == X86_PF || emu->vector == X86_PF)) {
		/* MASKMOVQ/MASKMOVDQU: whether bytes with a clear mask bit can fault is
		 * implementation specific (SDM); the model takes what an AMD EPYC does and no
		 * Intel part's answer was ever recorded, so on an Intel host these faults are
		 * not compared (counted in the summary; docs/vendors.md). */
		maskmov_cases++;
		return true;
	}
	if (nat->vector != emu->vector)
		return DIFF("exception: host %d interp %d (eip %08x / %08x)", (int)nat->vector,
			    (int)emu->vector, nat->eip, emu->eip);
	if (nat->vector == DC_TIMEOUT)
		return true;
	if (nat->eip != emu->eip)
		return DIFF("eip: host %08x interp %08x", nat->eip, emu->eip);
	/* the I bit of a #PF error code depends on the paging mode (NX), not on the CPU */
	uint32_t errmask = nat->vector == X86_PF ? ~(uint32_t)PF_I : ~0u;
	if (nat->vector == X86_GP || nat->vector == X86_PF || nat->vector == X86_SS)
		if ((nat->err ^ emu->err) & errmask)
			return DIFF("error code: host %#x interp %#x", nat->err, emu->err);
	for (int i = 0; i < 8; i++)
		if (nat->regs[i] != emu->regs[i])
			return DIFF("%s: host %08x interp %08x", reg_names[i], nat->regs[i],
				    emu->regs[i]);
	if ((nat->eflags ^ emu->eflags) & DC_FLAGS)
		return DIFF("eflags: host %03x interp %03x (differ %03x)", nat->eflags & DC_FLAGS,
			    emu->eflags & DC_FLAGS, (nat->eflags ^ emu->eflags) & DC_FLAGS);
	struct {
		const char *name;
		uint32_t base;
		const uint8_t *a, *b;
	} pages[3] = {{"data", DC_DATA, nat->data, emu->data},
		      {"stack", DC_STACK, nat->stack, emu->stack},
		      {"low", DC_LOW, nat->low, emu->low}};
	bool skip_low = host_block_movs16 && block_movs16(t);
	block_movs16_cases += skip_low;
	for (int p = 0; p < (have_low && !skip_low ? 3 : 2); p++)
		for (unsigned i = 0; i < DC_PAGE; i++)
			if (pages[p].a[i] != pages[p].b[i])
				return DIFF("memory %08x (%s page): host %02x interp %02x",
					    pages[p].base + i, pages[p].name, pages[p].a[i],
					    pages[p].b[i]);
	if (nat->mxcsr != emu->mxcsr)
		return DIFF("mxcsr: host %08x interp %08x", nat->mxcsr, emu->mxcsr);
	for (int i = 0; i < 8; i++)
		if (memcmp(nat->xmm[i], emu->xmm[i], 16)) {
			uint64_t a[2], b[2];
			memcpy(a, nat->xmm[i], 16);
			memcpy(b, emu->xmm[i], 16);
			return DIFF("xmm%d: host %016llx%016llx interp %016llx%016llx", i,
				    (unsigned long long)a[1], (unsigned long long)a[0],
				    (unsigned long long)b[1], (unsigned long long)b[0]);
		}
	if (groups[t->group].x87 && memcmp(nat->fpu, emu->fpu, 108)) {
		static const char *const f[7] = {"fcw",	    "fsw", "ftw", "fip",
						 "fcs/fop", "fdp", "fds"};
		for (int i = 0; i < 7; i++) {
			uint32_t a, b;
			memcpy(&a, nat->fpu + 4 * i, 4);
			memcpy(&b, emu->fpu + 4 * i, 4);
			/* At a fault the host's pointers come from the signal frame's FXSAVE image,
			 * which a 64-bit kernel writes in the 64-bit format: no FCS or FDS there (0).
			 * Only an AMD model has selectors to lose (Intel's read as 0 anyway). */
			if (nat->vector != DC_NO_EXCEPTION && (i == 4 || i == 6)) {
				uint32_t keep = i == 4 ? 0xffff0000u : 0; /* FOP stays */
				a &= keep;
				b &= keep;
			}
			if (a != b)
				return DIFF("%s: host %08x interp %08x", f[i], a, b);
		}
		for (int i = 0; i < 8; i++)
			if (memcmp(nat->fpu + 28 + 10 * i, emu->fpu + 28 + 10 * i, 10)) {
				uint64_t ma, mb;
				uint16_t ea, eb;
				memcpy(&ma, nat->fpu + 28 + 10 * i, 8),
				    memcpy(&ea, nat->fpu + 36 + 10 * i, 2);
				memcpy(&mb, emu->fpu + 28 + 10 * i, 8),
				    memcpy(&eb, emu->fpu + 36 + 10 * i, 2);
				return DIFF("st(%d): host %04x:%016llx interp %04x:%016llx", i, ea,
					    (unsigned long long)ma, eb, (unsigned long long)mb);
			}
	}
#undef DIFF
	return true;
}

/* ---------------------------------------------------------------- main */

static struct native nat;
static struct machine machines[TLB_MODES];
static bool mode_on[TLB_MODES] = {true, true, true};
static struct dc_out nout, eout;
static const char *only;

/*
 * --replay FILE: checks the AMD model on any host against what an AMD processor did, from a
 * file of the differences it showed against the Intel model (../shared/reference/amd/: one
 * line per differing case, "[group] CASE; FIELD: host AMD interp INTEL", recorded with the
 * same seed and scale). Each case runs on an Intel-model machine and an AMD-model one, no
 * native helper: a case in the file must differ first in FIELD with the AMD model giving the
 * processor's value and the Intel model the recorded one; any other case must not differ.
 * Cases whose text (code, registers) is not the recorded one (GS offsets follow the host's
 * TLS base) are left out and counted.
 */
struct replay_case {
	uint32_t id;
	char *text;  /* "case N code ...; eax=..." as fmt_case writes it */
	char *field; /* "FIELD: host H interp I ..." */
};
static struct replay_case *replay;
static size_t nreplay;
static struct machine replay_intel;
static unsigned replay_skipped;

static int replay_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct replay_case *)a)->id, y = ((const struct replay_case *)b)->id;
	return x < y ? -1 : x > y;
}

static int replay_load(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char line[4096];
	size_t cap = 0;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		char *text = strstr(line, "] case "), *last = strrchr(line, ';');
		if (!text || !last || last < text || last[1] != ' ')
			continue;
		*last = 0;
		if (nreplay == cap) {
			cap = cap ? cap * 2 : 4096;
			replay = realloc(replay, cap * sizeof(*replay));
			if (!replay)
				return -1;
		}
		struct replay_case *r = &replay[nreplay++];
		r->id = (uint32_t)strtoul(text + 7, NULL, 10);
		r->text = strdup(text + 2);
		r->field = strdup(last + 2);
		if (!r->text || !r->field)
			return -1;
	}
	fclose(f);
	qsort(replay, nreplay, sizeof(*replay), replay_cmp);
	return 0;
}

/* "FIELD: host H interp I": the field and the two values. */
static bool split_diff(const char *d, char *field, char *host, char *interp)
{
	const char *h = strstr(d, ": host "), *i = h ? strstr(h, " interp ") : NULL;
	if (!h || !i || h - d >= 200)
		return false;
	memcpy(field, d, (size_t)(h - d));
	field[h - d] = 0;
	return sscanf(h + 7, "%63s", host) == 1 && sscanf(i + 8, "%63s", interp) == 1;
}

/* NULL when the case matches its record r (NULL: none), else what is wrong. */
static const char *replay_check(const struct replay_case *r, bool same, const char *msg)
{
	if (!r)
		return same ? NULL : "the AMD model differs from the Intel model where the processor did not";
	if (same)
		return "the AMD model gives the Intel model's result where the processor did not";
	char f1[256], h1[64], i1[64], f2[256], h2[64], i2[64];
	const char *ours = strrchr(msg, ';');
	if (!ours || !split_diff(r->field, f1, h1, i1) || !split_diff(ours + 2, f2, h2, i2))
		return "unreadable difference";
	if (strcmp(f1, f2))
		return "the first difference is in another field";
	if (strcmp(h1, i2))
		return "the AMD model's value is not the processor's";
	if (strcmp(i1, h2))
		return "the Intel model's value is not the recorded one";
	return NULL;
}

static void run_case(struct tcase *t)
{
	struct group *g = &groups[t->group];
	if ((only && strcmp(g->name, only)) || (light && t->in.id % 3))
		return;
	if (replay) {
		char msg[2048];
		struct replay_case key = {.id = t->in.id};
		const struct replay_case *r =
		    bsearch(&key, replay, nreplay, sizeof(*replay), replay_cmp);
		fmt_case(msg, sizeof msg, &t->in);
		if (r && strcmp(r->text, msg)) {
			replay_skipped++;
			return;
		}
		g->ncases++;
		interp_case(&replay_intel, &t->in, &nout);
		interp_case(&machines[TLB_MODE_DEFAULT], &t->in, &eout);
		bool same = compare(t, &nout, &eout, msg, sizeof msg);
		const char *why = replay_check(r, same, msg);
		if (why) {
			char line[2600];
			snprintf(line, sizeof line, "%s: %s%s%s", why, msg, r ? " / recorded: " : "",
				 r ? r->field : "");
			if (!g->nfail++)
				snprintf(g->first, sizeof(g->first), "%.*s", (int)sizeof(g->first) - 1,
					 line);
			if (verbose)
				fprintf(stderr, "[%s] %s\n", g->name, line);
		}
		return;
	}
	if (native_run(&nat, &t->in, &nout)) {
		fprintf(stderr, "diffcpu: the native helper failed on case %u\n", t->in.id);
		exit(2);
	}
	g->ncases++;
	char msg[2048];
	bool same = true;
	enum tlb_mode m;
	for (m = 0; m < TLB_MODES && same; m++) {
		if (!mode_on[m])
			continue;
		/* a block declined for a register store the compiler lost: a bug the
		 * interpreter hides, so the case differs */
		unsigned long lost = cpu_jit_regs_lost(&machines[m].cpu);
		interp_case(&machines[m], &t->in, &eout);
		same = compare(t, &nout, &eout, msg, sizeof(msg));
		if (same && cpu_jit_regs_lost(&machines[m].cpu) != lost) {
			fmt_case(msg, sizeof msg, &t->in);
			size_t k = strlen(msg);
			snprintf(msg + k, sizeof msg - k,
				 "; the block compiler lost a register store (interpreted)");
			same = false;
		}
	}
	/* The host's x87 last-instruction and last-operand pointers are lost when the kernel
	 * switches the native helper out between the instruction and the state capture (AMD's
	 * XSAVE keeps FIP, FDP and FOP only while an exception is pending): a difference in
	 * them alone is checked again on fresh native runs before it counts. */
	for (int again = 0;
	     !same && again < 3 && g->x87 &&
	     (strstr(msg, "fip: host") || strstr(msg, "fcs/fop: host") || strstr(msg, "fdp: host"));
	     again++) {
		if (native_run(&nat, &t->in, &nout)) {
			fprintf(stderr, "diffcpu: the native helper failed on case %u\n", t->in.id);
			exit(2);
		}
		same = true;
		for (m = 0; m < TLB_MODES && same; m++) {
			if (!mode_on[m])
				continue;
			interp_case(&machines[m], &t->in, &eout);
			same = compare(t, &nout, &eout, msg, sizeof(msg));
		}
	}
	if (!same && m - 1 != TLB_MODE_DEFAULT) {
		size_t k = strlen(msg);
		snprintf(msg + k, sizeof(msg) - k, " [TLB %s]", tlb_mode_names[m - 1]);
	}
	if (!same) {
		/* a difference in undefined flags only: counted apart, and shown only when the
		 * group has nothing worse */
		uint32_t d = (nout.eflags ^ eout.eflags) & DC_FLAGS;
		bool undef = false;
		if (g->single && d && !(d & ~undefined_flags(&t->in))) {
			struct dc_out e2 = eout;
			e2.eflags ^= d;
			char tmp[2048];
			undef = compare(t, &nout, &e2, tmp, sizeof(tmp));
		}
		g->nundef += undef;
		if (!g->nfail++ || (g->first_undef && !undef)) {
			snprintf(g->first, sizeof(g->first), "%s%s", msg,
				 undef ? " (flags Intel leaves undefined)" : "");
			g->first_undef = undef;
		}
		if (verbose)
			fprintf(stderr, "[%s] %s%s\n", g->name, msg,
				undef ? " (undefined flags)" : "");
	}
}

int main(int argc, char **argv)
{
	const char *native_path = "build/native/diffcpu_native";
	uint64_t seed = 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--native") && i + 1 < argc)
			native_path = argv[++i];
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--scale") && i + 1 < argc)
			scale = (unsigned)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--group") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "--verbose"))
			verbose = true;
		else if (!strcmp(argv[i], "--light"))
			light = true;
		else if (!strcmp(argv[i], "--no-jit"))
			no_jit = true;
		else if (!strcmp(argv[i], "--replay") && i + 1 < argc) {
			if (replay_load(argv[++i])) {
				fprintf(stderr, "diffcpu: cannot read %s\n", argv[i]);
				return 2;
			}
			vendor = CPU_VENDOR_AMD;
			mode_on[TLB_MODE_OFF] = mode_on[TLB_MODE_TINY] = false;
		} else if (!strcmp(argv[i], "--cpu") && i + 1 < argc) {
			const char *v = argv[++i];
			vendor = !strcmp(v, "host") ? (int)cpu_vendor_of_host() : cpu_vendor_parse(v);
			if (vendor < 0) {
				fprintf(stderr, "diffcpu: --cpu takes intel, amd or host\n");
				return 2;
			}
		}
		else if (!strcmp(argv[i], "--tlb") && i + 1 < argc) {
			const char *v = argv[++i];
			for (enum tlb_mode m = 0; m < TLB_MODES; m++)
				mode_on[m] = !strcmp(v, "all") || !strcmp(v, tlb_mode_names[m]);
		} else {
			fprintf(
			    stderr,
			    "usage: diffcpu [--native PATH] [--seed N] [--scale N] [--group NAME] "
			    "[--verbose] [--light] [--no-jit] [--tlb all|default|off|tiny] "
			    "[--cpu intel|amd|amd-zen3|host] [--replay FILE]\n");
			return 2;
		}
	}
	if (scale == 0)
		scale = 1;
	if (vendor < 0)
		vendor = (int)cpu_vendor_of_host();
	{
		unsigned a = 0, b, c, d;
		__get_cpuid(1, &a, &b, &c, &d);
		unsigned family = ((a >> 8) & 0xf) + ((a >> 8 & 0xf) == 0xf ? (a >> 20) & 0xff : 0);
		host_block_movs16 =
		    !replay && cpu_vendor_is_amd(cpu_vendor_of_host()) && family >= 0x1a;
		host_intel = !replay && cpu_vendor_of_host() == CPU_VENDOR_INTEL;
	}
	rng_state = seed * 0x9e3779b97f4a7c15ull + 1;
	signal(SIGPIPE, SIG_IGN);

	uint16_t sregs[6] = {0x2b, 0x23, 0x2b, 0x2b, 0, 0x63}; /* an x86-64 host's, for --replay */
	/* a probe: the selectors of the host's 32-bit processes and whether the low page exists
	 * (case 0, also with --replay, so that case numbers are the recorded ones) */
	static struct tcase probe;
	case_init(&probe, 0);
	emit(&probe, 0x90);
	if (replay) {
		have_low = true; /* the recorded cases have 16-bit address forms */
		gs_base = 0xf7f00540u; /* a 32-bit process's TLS base near the top, as recorded */
	} else {
		if (access(native_path, X_OK) || native_start(&nat, native_path)) {
			printf("1..1\nok 1 - diffcpu # SKIP native helper %s not available\n",
			       native_path);
			return 0;
		}
		if (native_run(&nat, &probe.in, &nout)) {
			fprintf(stderr, "diffcpu: the native helper did not answer\n");
			return 2;
		}
		have_low = nout.low_mapped != 0;
		memcpy(sregs, nout.sregs, sizeof(sregs));
		gs_base = nout.gs_base;
	}
	gs_sel = sregs[SR_GS];

	for (enum tlb_mode m = 0; m < TLB_MODES; m++) {
		if (mode_on[m] && machine_init(&machines[m], sregs, m)) {
			fprintf(stderr,
				"diffcpu: cannot build the interpreter's machine (TLB %s)\n",
				tlb_mode_names[m]);
			return 2;
		}
	}

	if (replay) {
		if (machine_init(&replay_intel, sregs, TLB_MODE_DEFAULT))
			return 2;
		replay_intel.cpu.vendor = CPU_VENDOR_INTEL;
	}

	gen_forms(6 * scale);
	gen_string(300 * scale);
	gen_control(300 * scale);
	gen_random_seq(600 * scale);
	gen_pagefault(120 * scale);
	gen_smc(60 * scale);
	gen_fetch(scale);
	gen_x87(scale);
	gen_sse(scale); /* after every older group: their case numbers stay */
	gen_trapflag(scale);
	gen_regcache(100 * scale); /* after trapflag: the older case numbers stay */

	flush_case();
	if (!replay) {
		close(nat.to);
		int st;
		waitpid(nat.pid, &st, 0);
	}

	unsigned total = 0, failed = 0, shown = 0;
	for (unsigned i = 0; i < ngroups; i++)
		if (groups[i].ncases)
			shown++;
	printf("1..%u\n", shown);
	unsigned n = 0;
	for (unsigned i = 0; i < ngroups; i++) {
		struct group *g = &groups[i];
		if (!g->ncases)
			continue;
		total += g->ncases;
		failed += g->nfail;
		if (g->nfail)
			printf(
			    "not ok %u - %s: %u of %u cases differ (%u only in flags Intel leaves "
			    "undefined)\n# first: %s\n",
			    ++n, g->name, g->nfail, g->ncases, g->nundef, g->first);
		else
			printf("ok %u - %s: %u cases match the host CPU\n", ++n, g->name,
			       g->ncases);
	}
	printf("# %u cases, %u differ (seed %llu, scale %u, 16-bit address forms %s)\n", total,
	       failed, (unsigned long long)seed, scale, have_low ? "tested" : "not tested");
	if (replay)
		printf("# replayed against %zu recorded AMD cases (%u left out: their text is not the "
		       "recorded one)",
		       nreplay, replay_skipped);
	else
		printf("# modelled vendor %s (host %s)", cpu_vendor_name((enum cpu_vendor)vendor),
		       cpu_vendor_name(cpu_vendor_of_host()));
	if (maskmov_cases)
		printf("; %u MASKMOV faults not compared (implementation specific: docs/vendors.md)",
		       maskmov_cases);
	if (block_movs16_cases)
		printf("; low page not compared in %u overlapping 16-bit REP MOVS cases (the host "
		       "copies blocks: docs/vendors.md)", block_movs16_cases);
	printf("\n");
	return failed ? 1 : 0;
}
