/*
 * Segmentation against the SDM (vol. 3, 3.4-3.5 descriptors, 5.3 limit checking, 5.5-5.7
 * type and privilege checks; vol. 2, MOV to a segment register): expected outcomes are
 * computed here from the SDM's text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "hw/mmu.h"
#include "hw/seg.h"

/* Linux's own GDT entries, as i386 Linux writes them */
#define KERNEL_CS 0x00cf9a000000ffffull
#define KERNEL_DS 0x00cf92000000ffffull
#define USER_CS 0x00cffa000000ffffull
#define USER_DS 0x00cff2000000ffffull

static void decode_known_descriptors(void **state)
{
	(void)state;
	struct seg_desc d;
	seg_desc_decode(KERNEL_CS, &d);
	assert_int_equal(d.base, 0);
	assert_int_equal(d.limit, 0xfffff);
	assert_int_equal(d.type, 0xa);
	assert_true(d.s && d.p && d.db && d.g);
	assert_false(d.l || d.avl);
	assert_int_equal(d.dpl, 0);
	assert_int_equal(seg_desc_eff_limit(&d), 0xffffffffu);
	seg_desc_decode(USER_DS, &d);
	assert_int_equal(d.dpl, 3);
	assert_int_equal(d.type, 2);
	/* base 0x12345678, limit 0xabcde, byte granular, 16-bit, type 0x3, DPL 1, AVL */
	uint64_t raw = 0x121ab3345678bcdeull;
	seg_desc_decode(raw, &d);
	assert_int_equal(d.base, 0x12345678);
	assert_int_equal(d.limit, 0xabcde);
	assert_int_equal(d.type, 0x3);
	assert_int_equal(d.dpl, 1);
	assert_true(d.avl && d.p && d.s);
	assert_false(d.g || d.db);
	assert_int_equal(seg_desc_eff_limit(&d), 0xabcde);
	/* every bit has a field: encoding undoes decoding for any value */
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < 1000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		seg_desc_decode(x, &d);
		assert_int_equal(seg_desc_encode(&d), x);
	}
	/* G scales the limit by 4 KB and fills the low 12 bits */
	d = (struct seg_desc){.limit = 1, .g = true};
	assert_int_equal(seg_desc_eff_limit(&d), 0x1fff);
	assert_int_equal(SEL_INDEX(0x2b), 5);
	assert_int_equal(SEL_TI(0x2c), 1);
	assert_int_equal(SEL_RPL(0x2b), 3);
}

/* SDM 5.3: expand-up segments allow offsets 0..limit; expand-down segments allow
 * limit+1..0xFFFFFFFF (B = 1) or limit+1..0xFFFF (B = 0); every byte of an access must be
 * allowed; the effective limit is limit * 4096 + 4095 when G = 1. */
static bool sdm_limit_ok(uint32_t raw_limit, bool g, bool expdown, bool b, uint32_t off,
			 unsigned size)
{
	uint64_t lim = g ? (uint64_t)raw_limit * 4096 + 4095 : raw_limit;
	for (uint64_t a = off; a < (uint64_t)off + size; a++) {
		if (!expdown && a > lim)
			return false;
		if (expdown && (a <= lim || a > (b ? 0xffffffffull : 0xffffull)))
			return false;
	}
	return true;
}

static void limit_checks(void **state)
{
	(void)state;
	static const uint32_t limits[] = {0, 0xfff, 0xffff, 0xfffff, 0x12345};
	static const uint32_t offs[] = {0,      1,        0xffe,      0xfff,      0x1000,
					0xfffe, 0xffff,   0x10000,    0x12345,    0x12346,
					0x12345fff, 0x12346000, 0xfffffffc, 0xfffffffe, 0xffffffff};
	static const unsigned sizes[] = {1, 2, 4, 16};
	unsigned n = 0, faults = 0;
	for (unsigned li = 0; li < 5; li++)
		for (int g = 0; g < 2; g++)
			for (int ed = 0; ed < 2; ed++)
				for (int b = 0; b < 2; b++)
					for (unsigned oi = 0; oi < sizeof(offs) / 4; oi++)
						for (unsigned si = 0; si < 4; si++)
							for (int ss = 0; ss < 2; ss++) {
	struct seg_desc d = {.base = 0x1000, .limit = limits[li], .g = g, .db = b, .s = true,
			     .p = true, .type = SEG_TYPE_WRITABLE | (ed ? SEG_TYPE_EXPDOWN : 0)};
	struct seg_cache c;
	seg_cache_set(&c, 0x10, &d);
	uint32_t lin = 0;
	struct x86_exception ex = {0};
	enum sreg sr = ss ? SR_SS : SR_DS;
	int rc = seg_check(&c, sr, offs[oi], sizes[si], ACC_WRITE, &lin, &ex);
	bool want = sdm_limit_ok(limits[li], g, ed, b, offs[oi], sizes[si]);
	if ((rc == 0) != want)
		fail_msg("limit %#x G=%d E=%d B=%d off %#x size %u: got %s", limits[li], g, ed, b,
			 offs[oi], sizes[si], rc == 0 ? "ok" : "fault");
	if (rc == 0) {
		assert_int_equal(lin, 0x1000 + offs[oi]);
	} else {
		faults++;
		assert_int_equal(ex.vector, ss ? X86_SS : X86_GP);
		assert_true(ex.has_error_code);
		assert_int_equal(ex.error_code, 0);
	}
	n++;
							}
	assert_int_equal(n, 5 * 8 * 15 * 4 * 2);
	assert_true(faults > n / 4 && faults < n);
}

/* SDM 3.4.5.1 and 5.6: data segments are readable, writable only with W; code segments are
 * executable, readable only with R, never writable; data is never executable; system
 * descriptors cannot back a segment register. */
static void type_checks(void **state)
{
	(void)state;
	for (unsigned type = 0; type < 16; type++)
		for (int s = 0; s < 2; s++)
			for (int acc = 0; acc < 3; acc++) {
				bool code = type & 8, bit1 = type & 2, want;
				if (!s)
					want = false;
				else if (acc == ACC_FETCH)
					want = code;
				else if (acc == ACC_WRITE)
					want = !code && bit1;
				else
					want = !code || bit1;
				/* expand-down data needs a small limit to leave offsets valid */
				bool ed = (type & 0xc) == 0x4;
				struct seg_desc d = {.limit = ed ? 0 : 0xfffff, .g = !ed, .db = true,
						     .s = s, .p = true, .type = (uint8_t)type};
				struct seg_cache c;
				seg_cache_set(&c, 8, &d);
				uint32_t lin;
				struct x86_exception ex;
				int rc = seg_check(&c, SR_DS, 0x100, 4, (enum mmu_access)acc, &lin, &ex);
				if ((rc == 0) != want)
					fail_msg("type %#x S=%d acc %d: got %d", type, s, acc, rc);
			}
	/* a null selector faults #GP(0) whatever the register */
	struct seg_cache c = {.usable = false};
	uint32_t lin;
	struct x86_exception ex;
	assert_int_equal(seg_check(&c, SR_SS, 0, 1, ACC_READ, &lin, &ex), -1);
	assert_int_equal(ex.vector, X86_GP);
	/* a flat segment is recognised, an expand-down one with the same limit is not flat */
	struct seg_desc flat;
	seg_desc_decode(USER_DS, &flat);
	seg_cache_set(&c, 0x7b, &flat);
	assert_true(c.flat && c.usable);
	flat.type |= SEG_TYPE_EXPDOWN;
	seg_cache_set(&c, 0x7b, &flat);
	assert_false(c.flat);
}

/* --- loads through a GDT and LDT in simulated memory --- */

#define GDT 0x8000u
#define LDT 0x9000u

static struct physmem pm;
static struct mmu m;
static struct counters ctr;

static uint64_t sys_desc(uint32_t base, uint32_t limit, unsigned type)
{
	struct seg_desc d = {.base = base, .limit = limit, .type = (uint8_t)type, .p = true};
	return seg_desc_encode(&d);
}

static void setup_tables(void)
{
	static const uint64_t gdt[] = {
		0,                         /* 0x00 */
		KERNEL_CS & ~(1ull << 40), /* 0x08: accessed bits clear, so loads must set them */
		KERNEL_DS,                 /* 0x10 */
		USER_CS,                   /* 0x18 */
		USER_DS,                   /* 0x20 */
		KERNEL_DS & ~(1ull << 47), /* 0x28: not present */
		0x00cf98000000ffffull,     /* 0x30: execute-only code */
		0x00cf9e000000ffffull,     /* 0x38: conforming readable code, DPL 0 */
		0x00cf90000000ffffull,     /* 0x40: read-only data */
		0,                         /* 0x48: LDT, filled below */
		0,                         /* 0x50: TSS, filled below */
	};
	for (unsigned i = 0; i < sizeof(gdt) / 8; i++)
		physmem_write(&pm, GDT + 8 * i, gdt[i], 8);
	physmem_write(&pm, GDT + 0x48, sys_desc(LDT, 0xf, 2), 8);
	physmem_write(&pm, GDT + 0x50, sys_desc(0xa000, 0x67, 9), 8);
	struct seg_desc ud = {.base = 0x5000, .limit = 0xff, .type = 2, .s = true, .p = true,
			      .dpl = 3, .db = true};
	physmem_write(&pm, LDT + 8, seg_desc_encode(&ud), 8);
	mmu_set_gdtr(&m, GDT, sizeof(gdt) - 1);
}

static int setup(void **state)
{
	(void)state;
	if (physmem_init(&pm, 16u << 20, false) || mmu_init(&m, &pm, NULL, &ctr))
		return -1;
	setup_tables();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mmu_destroy(&m);
	physmem_destroy(&pm);
	return 0;
}

struct load_case {
	unsigned cpl;
	enum sreg sr;
	uint16_t sel;
	uint16_t vector; /* 0: loads */
	uint32_t ec;
};

static const struct load_case cases[] = {
	{0, SR_DS, 0x10, 0, 0},
	{0, SR_DS, 0x00, 0, 0},        /* null into a data register is allowed */
	{3, SR_ES, 0x03, 0, 0},        /* ... with any RPL */
	{0, SR_SS, 0x00, X86_GP, 0},   /* but not into SS */
	{3, SR_SS, 0x03, X86_GP, 0},   /* not at CPL 3 either (only 64-bit mode allows it) */
	{0, SR_CS, 0x00, X86_GP, 0},
	{0, SR_SS, 0x10, 0, 0},
	{0, SR_SS, 0x13, X86_GP, 0x10}, /* SS: RPL must equal CPL */
	{0, SR_SS, 0x20, X86_GP, 0x20}, /* SS: DPL must equal CPL */
	{3, SR_SS, 0x23, 0, 0},
	{3, SR_SS, 0x13, X86_GP, 0x10},
	{0, SR_SS, 0x08, X86_GP, 0x08}, /* SS: code */
	{0, SR_SS, 0x40, X86_GP, 0x40}, /* SS: read-only data */
	{0, SR_SS, 0x28, X86_SS, 0x28}, /* SS: not present is #SS */
	{0, SR_DS, 0x28, X86_NP, 0x28}, /* others: not present is #NP */
	{0, SR_DS, 0x30, X86_GP, 0x30}, /* execute-only code cannot be read */
	{0, SR_DS, 0x08, 0, 0},         /* readable code can */
	{3, SR_DS, 0x08, X86_GP, 0x08}, /* ... if privilege allows (non-conforming) */
	{3, SR_DS, 0x3b, 0, 0},         /* conforming code: no privilege check */
	{3, SR_DS, 0x10, X86_GP, 0x10}, /* CPL > DPL */
	{0, SR_DS, 0x13, X86_GP, 0x10}, /* RPL > DPL */
	{0, SR_DS, 0x23, 0, 0},
	{0, SR_DS, 0x40, 0, 0},         /* read-only data loads fine (writes fault later) */
	{0, SR_FS, 0x48, X86_GP, 0x48}, /* a system descriptor */
	{0, SR_GS, 0x58, X86_GP, 0x58}, /* beyond the GDT limit */
	{0, SR_GS, 0xfff8, X86_GP, 0xfff8},
	{0, SR_DS, 0x0c, X86_GP, 0x0c}, /* TI = 1 with no LDT loaded */
	{0, SR_CS, 0x08, 0, 0},
	{3, SR_CS, 0x1b, 0, 0},
	{0, SR_CS, 0x1b, X86_GP, 0x18}, /* non-conforming code: DPL must equal CPL */
	{0, SR_CS, 0x10, X86_GP, 0x10}, /* data into CS */
	{3, SR_CS, 0x38, 0, 0},         /* conforming, DPL 0 <= CPL 3 */
	{0, SR_CS, 0x28, X86_GP, 0x28}, /* data, and not present: the type check comes first */
};

static void load_segment_registers(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct load_case *c = &cases[i];
		m.cpl = c->cpl;
		struct x86_exception ex = {0};
		int rc = mmu_load_seg(&m, c->sr, c->sel, &ex);
		if (c->vector == 0 && rc != 0)
			fail_msg("case %u (sel %#x): vector %u ec %#x, want a load", i, c->sel,
				 ex.vector, ex.error_code);
		if (c->vector && (rc != -1 || ex.vector != c->vector || ex.error_code != c->ec ||
				  !ex.has_error_code))
			fail_msg("case %u (sel %#x): rc %d vector %u ec %#x, want %u(%#x)", i,
				 c->sel, rc, ex.vector, ex.error_code, c->vector, c->ec);
		if (rc == 0 && (c->sel & ~3u))
			assert_int_equal(m.seg.sr[c->sr].selector & ~3u, c->sel & ~3u);
	}
	m.cpl = 0;
}

static void load_effects(void **state)
{
	(void)state;
	struct x86_exception ex;
	m.cpl = 0;
	/* the Accessed bit is set in the descriptor in memory */
	physmem_write(&pm, GDT + 8, KERNEL_CS & ~(1ull << 40), 8);
	assert_false(physmem_read(&pm, GDT + 8, 8) & (1ull << 40));
	assert_int_equal(mmu_load_seg(&m, SR_CS, 0x08, &ex), 0);
	assert_true(physmem_read(&pm, GDT + 8, 8) & (1ull << 40));
	/* and nothing else in the descriptor changes */
	assert_int_equal(physmem_read(&pm, GDT + 8, 8), KERNEL_CS | (1ull << 40));
	assert_true(m.seg.sr[SR_CS].d.type & SEG_TYPE_ACCESSED);
	/* a null DS loads, and faults #GP(0) on use */
	assert_int_equal(mmu_load_seg(&m, SR_DS, 0, &ex), 0);
	uint32_t v;
	assert_int_equal(mmu_read(&m, SR_DS, 0, &v, 4, ACC_READ, &ex), -1);
	assert_int_equal(ex.vector, X86_GP);
	assert_int_equal(ex.error_code, 0);
	/* a read-only data segment faults on write */
	assert_int_equal(mmu_load_seg(&m, SR_ES, 0x40, &ex), 0);
	assert_int_equal(mmu_write(&m, SR_ES, 0x100, &v, 4, &ex), -1);
	assert_int_equal(ex.vector, X86_GP);
	/* CS takes the CPL as its RPL */
	m.cpl = 3;
	assert_int_equal(mmu_load_seg(&m, SR_CS, 0x38, &ex), 0);
	assert_int_equal(m.seg.sr[SR_CS].selector, 0x3b);
	/* the LDT: LLDT, then a TI = 1 selector */
	m.cpl = 0;
	assert_int_equal(mmu_load_ldtr(&m, 0x50, &ex), -1); /* a TSS is not an LDT */
	assert_int_equal(ex.error_code, 0x50);
	assert_int_equal(mmu_load_ldtr(&m, 0x4c, &ex), -1); /* LLDT needs a GDT selector */
	assert_int_equal(mmu_load_ldtr(&m, 0x48, &ex), 0);
	assert_int_equal(m.seg.ldtr_base, LDT);
	m.cpl = 3;
	assert_int_equal(mmu_load_seg(&m, SR_DS, 0x0f, &ex), 0);
	assert_int_equal(m.seg.sr[SR_DS].d.base, 0x5000);
	physmem_write(&pm, 0x5010, 0xfeedface, 4);
	assert_int_equal(mmu_read(&m, SR_DS, 0x10, &v, 4, ACC_READ, &ex), 0);
	assert_int_equal(v, 0xfeedface);
	assert_int_equal(mmu_read(&m, SR_DS, 0xfd, &v, 4, ACC_READ, &ex), -1); /* limit 0xff */
	assert_int_equal(mmu_load_seg(&m, SR_DS, 0x17, &ex), -1); /* LDT limit 0xf */
	assert_int_equal(ex.error_code, 0x14);
	assert_true(ctr.v[CTR_seg_loads] > 0);
	assert_true(ctr.v[CTR_seg_faults] > 0);
	m.cpl = 0;
}

/* Descriptor reads are implicit supervisor accesses through paging: they work at CPL 3 on
 * a supervisor-only page, and a missing GDT page is a #PF with U/S = 0. */
static void descriptor_reads_go_through_paging(void **state)
{
	(void)state;
	struct x86_exception ex;
	/* identity-map the first 4 MB supervisor-only, except the GDT page: not present */
	physmem_write(&pm, 0x100000, 0x101000 | 3, 4);
	for (unsigned i = 0; i < 1024; i++)
		physmem_write(&pm, 0x101000 + 4 * i, (i << 12) | 3, 4);
	mmu_write_cr3(&m, 0x100000);
	mmu_write_cr0(&m, CR0_PE | CR0_PG | CR0_WP);
	m.cpl = 3;
	assert_int_equal(mmu_load_seg(&m, SR_DS, 0x23, &ex), 0);
	physmem_write(&pm, 0x101000 + 4 * (GDT >> 12), 0, 4);
	mmu_invlpg(&m, GDT);
	assert_int_equal(mmu_load_seg(&m, SR_DS, 0x23, &ex), -1);
	assert_int_equal(ex.vector, X86_PF);
	assert_int_equal(ex.error_code, 0);
	assert_int_equal(ex.cr2, GDT + 0x20);
	mmu_write_cr0(&m, CR0_PE);
	m.cpl = 0;
}

/* Real mode (CR0.PE = 0): base = selector * 16, 64 KB limit, no descriptor read. */
static void real_mode_loads(void **state)
{
	(void)state;
	struct x86_exception ex;
	mmu_write_cr0(&m, 0);
	assert_int_equal(mmu_load_seg(&m, SR_DS, 0x1234, &ex), 0);
	assert_int_equal(m.seg.sr[SR_DS].d.base, 0x12340);
	physmem_write(&pm, 0x12350, 0xabcd, 2);
	uint16_t v = 0;
	assert_int_equal(mmu_read(&m, SR_DS, 0x10, &v, 2, ACC_READ, &ex), 0);
	assert_int_equal(v, 0xabcd);
	assert_int_equal(mmu_read(&m, SR_DS, 0xffff, &v, 2, ACC_READ, &ex), -1);
	assert_int_equal(ex.vector, X86_GP);
	mmu_write_cr0(&m, CR0_PE);
	assert_int_equal(mmu_load_seg(&m, SR_DS, 0x10, &ex), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decode_known_descriptors),
		cmocka_unit_test(limit_checks),
		cmocka_unit_test(type_checks),
		cmocka_unit_test(load_segment_registers),
		cmocka_unit_test(load_effects),
		cmocka_unit_test(descriptor_reads_go_through_paging),
		cmocka_unit_test(real_mode_loads),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
