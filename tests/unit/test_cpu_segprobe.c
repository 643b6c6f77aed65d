/*
 * LAR, LSL, VERR, VERW: ZF and results as the SDM defines them, for GDT and LDT selectors,
 * the null selector, selectors beyond their table, system descriptors, DPL/RPL/CPL checks
 * and a fault while reading the descriptor; in both engines (compiled blocks and the
 * interpreter).
 */
#include "test_cpu_fixture.h"

#define LDT_PAGE SUPER /* the LDT lives in the supervisor page */

static void sys_desc(struct fx *f, uint32_t at, uint32_t base, uint32_t limit, uint8_t type,
		     unsigned dpl, bool p)
{
	struct seg_desc d = {
	    .base = base, .limit = limit, .type = type, .s = false, .p = p, .dpl = (uint8_t)dpl};
	physmem_write(&f->pm, at, seg_desc_encode(&d), 8);
}

static void seg_desc_at(struct fx *f, uint32_t at, uint32_t limit, uint8_t type, unsigned dpl,
			bool p, bool g)
{
	struct seg_desc d = {.limit = limit,
			     .type = type,
			     .s = true,
			     .p = p,
			     .g = g,
			     .db = true,
			     .dpl = (uint8_t)dpl};
	physmem_write(&f->pm, at, seg_desc_encode(&d), 8);
}

/*
 * GDT additions: 16 conforming readable code DPL 0, 17 execute-only code DPL 3, 18 read-only
 * data DPL 3 (not present, byte granular, limit 0x1234), 19 the LDT (DPL 3), 20 a 32-bit
 * interrupt gate DPL 3, 21 a 32-bit call gate DPL 3, 22 an available 32-bit TSS DPL 3.
 * LDT: 0 null-looking zeros, 1 data DPL 3, 2 data DPL 2, limit 3 entries.
 */
static struct fx *setup(bool jit)
{
	struct fx *f = fx_new(true);
	f->c.jit = f->c.jit && jit;
	fx_gdt(f, 16, 0, 0xfffff, SEG_TYPE_CODE | SEG_TYPE_CONFORM | SEG_TYPE_READABLE, 0, true);
	fx_gdt(f, 17, 0, 0xfffff, SEG_TYPE_CODE, 3, true);
	seg_desc_at(f, GDT + 18 * 8, 0x1234, 0, 3, false, false);
	sys_desc(f, GDT + 19 * 8, LDT_PAGE, 3 * 8 - 1, 2, 3, true);
	sys_desc(f, GDT + 20 * 8, 0x1000, 0x73, 0xe, 3, true);
	sys_desc(f, GDT + 21 * 8, 0x1000, 0x73, 0xc, 3, true);
	sys_desc(f, GDT + 22 * 8, 0x2000, 0x67, 0x9, 3, true);
	physmem_write(&f->pm, LDT_PAGE, 0, 8);
	seg_desc_at(f, LDT_PAGE + 8, 0xfffff, SEG_TYPE_WRITABLE, 3, true, true);
	seg_desc_at(f, LDT_PAGE + 16, 0xfffff, SEG_TYPE_WRITABLE, 2, true, true);
	assert_int_equal(mmu_load_ldtr(f->m, 19 * 8, &f->ex), 0);
	return f;
}

/* Runs `lar eax, ecx; lsl edx, ecx; pushf; verr cx; pushf; verw cx; pushf; int 0x80` with
 * ECX = sel, EAX = EDX = a marker; returns ZF of LAR/LSL (bits 0, 1), VERR (2), VERW (3). */
#define MARK 0x5a5a5a5au
static unsigned probe(struct fx *f, uint16_t sel, uint32_t *lar, uint32_t *lsl)
{
	static const uint8_t code[] = {
	    0x0f,  0x02, 0xc1, 0x9c, /* lar eax, ecx; pushf */
	    0x0f,  0x03, 0xd1, 0x9c, /* lsl edx, ecx; pushf */
	    0x0f,  0x00, 0xe1, 0x9c, /* verr cx; pushf */
	    0x0f,  0x00, 0xe9, 0x9c, /* verw cx; pushf */
	    INT80,
	};
	f->c.regs[R_ECX] = 0xabcd0000u | sel;
	f->c.regs[R_EAX] = f->c.regs[R_EDX] = MARK;
	f->c.regs[R_ESP] = STACK + PAGE_SIZE;
	cpu_set_eflags(&f->c, 0x202 | EFL_CF); /* CF must survive */
	assert_int_equal(fx_run(f, code, sizeof(code)), CPU_EXIT_SYSCALL);
	unsigned z = 0;
	for (unsigned k = 0; k < 4; k++) {
		uint32_t fl = fx_rd32(f, STACK + PAGE_SIZE - 4 * (k + 1));
		assert_true(fl & EFL_CF);
		if (fl & EFL_ZF)
			z |= 1u << k;
	}
	*lar = f->c.regs[R_EAX];
	*lsl = f->c.regs[R_EDX];
	return z;
}

static void probes(bool jit)
{
	struct fx *f = setup(jit);
	uint32_t lar, lsl;
	/* user code, accessed by the CS load: readable, not writable */
	assert_int_equal(probe(f, 0x73, &lar, &lsl), 0x7);
	assert_int_equal(lar, 0x00cffb00u);
	assert_int_equal(lsl, 0xffffffffu);
	/* user data */
	assert_int_equal(probe(f, 0x7b, &lar, &lsl), 0xf);
	assert_int_equal(lar, 0x00cff300u);
	/* the TLS entry: 4 KB granular limit 0 */
	assert_int_equal(probe(f, 0x33, &lar, &lsl), 0xf);
	assert_int_equal(lsl, 0xfffu);
	/* the null selector, with any RPL: nothing, destinations unchanged */
	for (uint16_t s = 0; s < 4; s++) {
		assert_int_equal(probe(f, s, &lar, &lsl), 0);
		assert_int_equal(lar, MARK);
		assert_int_equal(lsl, MARK);
	}
	/* beyond the GDT's limit (32 entries) */
	assert_int_equal(probe(f, 32 * 8 + 3, &lar, &lsl), 0);
	assert_int_equal(lar, MARK);
	/* kernel code (DPL 0) from CPL 3 */
	assert_int_equal(probe(f, 0x63, &lar, &lsl), 0);
	/* conforming code DPL 0: no privilege check */
	assert_int_equal(probe(f, 16 * 8 + 3, &lar, &lsl), 0x7);
	assert_int_equal(lar, 0x00cf9e00u);
	/* execute-only code: LAR/LSL yes, VERR no */
	assert_int_equal(probe(f, 17 * 8 + 3, &lar, &lsl), 0x3);
	/* read-only data, not present, byte granular: present is not examined */
	assert_int_equal(probe(f, 18 * 8 + 3, &lar, &lsl), 0x7);
	assert_int_equal(lar, 0x00407000u);
	assert_int_equal(lsl, 0x1234u);
	/* the LDT descriptor: LAR and LSL, never VERR/VERW */
	assert_int_equal(probe(f, 19 * 8 + 3, &lar, &lsl), 0x3);
	assert_int_equal(lar, 0x0000e200u);
	assert_int_equal(lsl, 3 * 8 - 1);
	/* an interrupt gate: none; a call gate: LAR only; a TSS: LAR and LSL */
	assert_int_equal(probe(f, 20 * 8 + 3, &lar, &lsl), 0);
	assert_int_equal(probe(f, 21 * 8 + 3, &lar, &lsl), 0x1);
	assert_int_equal(lar, 0x0000ec00u);
	assert_int_equal(lsl, MARK);
	assert_int_equal(probe(f, 22 * 8 + 3, &lar, &lsl), 0x3);
	assert_int_equal(lsl, 0x67u);
	/* LDT selectors: entry 1 DPL 3, entry 2 DPL 2 (below CPL), entry 3 past the limit */
	assert_int_equal(probe(f, 0x0f, &lar, &lsl), 0xf);
	assert_int_equal(lar, 0x00cff200u); /* not accessed: probing does not set A */
	assert_int_equal(probe(f, 0x17, &lar, &lsl), 0);
	assert_int_equal(probe(f, 0x1f, &lar, &lsl), 0);
	/* no LDT loaded: a TI=1 selector is not accessible, no fault */
	assert_int_equal(mmu_load_ldtr(f->m, 0, &f->ex), 0);
	assert_int_equal(probe(f, 0x0f, &lar, &lsl), 0);
	fx_free(f);
}

static void probes_compiled(void **state)
{
	(void)state;
	probes(true);
}
static void probes_interpreted(void **state)
{
	(void)state;
	probes(false);
}

/* The 16-bit forms write the low word only; a memory source is read as a word. */
static void operand_forms(void **state)
{
	(void)state;
	struct fx *f = setup(true);
	fx_wr32(f, DATA, 0xffff007b);
	f->c.regs[R_EAX] = 0x12345678u;
	f->c.regs[R_EDX] = 0x12345678u;
	f->c.regs[R_ECX] = 0x7b;
	/* lar ax, cx; lsl edx, [DATA] (0x7b: the word at DATA) */
	assert_int_equal(
	    RUN(f, 0x66, 0x0f, 0x02, 0xc1, 0x0f, 0x03, 0x15, 0x00, 0x20, 0x00, 0x00, INT80),
	    CPU_EXIT_SYSCALL);
	assert_int_equal(f->c.regs[R_EAX], 0x1234f300u);
	assert_int_equal(f->c.regs[R_EDX], 0xffffffffu);
	/* lsl dx, cx: the limit's low word */
	assert_int_equal(RUN(f, 0x66, 0x0f, 0x03, 0xd1, INT80), CPU_EXIT_SYSCALL);
	assert_int_equal(f->c.regs[R_EDX], 0xffffffffu);
	/* verr [DATA] */
	cpu_set_eflags(&f->c, 0x202);
	assert_int_equal(RUN(f, 0x0f, 0x00, 0x25, 0x00, 0x20, 0x00, 0x00, INT80), CPU_EXIT_SYSCALL);
	assert_true(cpu_get_eflags(&f->c) & EFL_ZF);
	fx_free(f);
}

/* Reading the descriptor is a supervisor access through paging: a fault there is the
 * instruction's #PF, restartable, with nothing changed. */
static void descriptor_fault(void **state)
{
	(void)state;
	struct fx *f = setup(true);
	sys_desc(f, GDT + 19 * 8, HOLE, 3 * 8 - 1, 2, 3, true);
	assert_int_equal(mmu_load_ldtr(f->m, 19 * 8, &f->ex), 0);
	f->c.regs[R_ECX] = 0x0f;
	f->c.regs[R_EAX] = MARK;
	assert_int_equal(RUN(f, 0x90, 0x0f, 0x02, 0xc1, INT80), CPU_EXIT_EXCEPTION);
	assert_int_equal(f->ex.vector, X86_PF);
	assert_int_equal(f->c.eip, CODE + 1);
	assert_int_equal(f->m->cr2, HOLE + 8);
	assert_int_equal(f->c.regs[R_EAX], MARK);
	/* the selector's memory operand faults first when it is the unmapped one */
	f->c.regs[R_EAX] = HOLE;
	assert_int_equal(RUN(f, 0x0f, 0x00, 0x20, INT80), CPU_EXIT_EXCEPTION); /* verr [eax] */
	assert_int_equal(f->ex.vector, X86_PF);
	assert_int_equal(f->m->cr2, HOLE);
	fx_free(f);
}

/* The checks themselves, every CPL/RPL/DPL combination. */
static void privilege_rules(void **state)
{
	(void)state;
	for (unsigned cpl = 0; cpl < 4; cpl++)
		for (unsigned rpl = 0; rpl < 4; rpl++)
			for (unsigned dpl = 0; dpl < 4; dpl++) {
				bool ok = dpl >= cpl && dpl >= rpl;
				struct seg_desc data = {
				    .s = true, .type = SEG_TYPE_WRITABLE, .dpl = (uint8_t)dpl};
				struct seg_desc conf = {.s = true,
							.dpl = (uint8_t)dpl,
							.type = SEG_TYPE_CODE | SEG_TYPE_CONFORM};
				struct seg_desc ldt = {.type = 2, .dpl = (uint8_t)dpl};
				for (unsigned k = 0; k < 4; k++)
					assert_int_equal(seg_probe_ok(&data, k, cpl, rpl), ok);
				assert_true(seg_probe_ok(&conf, SEG_PROBE_LAR, cpl, rpl));
				assert_true(seg_probe_ok(&conf, SEG_PROBE_LSL, cpl, rpl));
				assert_false(seg_probe_ok(&conf, SEG_PROBE_VERR, cpl, rpl));
				conf.type |= SEG_TYPE_READABLE;
				assert_true(seg_probe_ok(&conf, SEG_PROBE_VERR, cpl, rpl));
				assert_false(seg_probe_ok(&conf, SEG_PROBE_VERW, cpl, rpl));
				assert_int_equal(seg_probe_ok(&ldt, SEG_PROBE_LAR, cpl, rpl), ok);
				assert_false(seg_probe_ok(&ldt, SEG_PROBE_VERR, cpl, rpl));
			}
	/* system types: LAR accepts 1 2 3 4 5 9 B C, LSL 1 2 3 9 B */
	for (unsigned t = 0; t < 16; t++) {
		struct seg_desc d = {.type = (uint8_t)t, .dpl = 3};
		bool lar =
		    t == 1 || t == 2 || t == 3 || t == 4 || t == 5 || t == 9 || t == 11 || t == 12;
		bool lsl = t == 1 || t == 2 || t == 3 || t == 9 || t == 11;
		assert_int_equal(seg_probe_ok(&d, SEG_PROBE_LAR, 3, 3), lar);
		assert_int_equal(seg_probe_ok(&d, SEG_PROBE_LSL, 3, 3), lsl);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(probes_compiled), cmocka_unit_test(probes_interpreted),
	    cmocka_unit_test(operand_forms),   cmocka_unit_test(descriptor_fault),
	    cmocka_unit_test(privilege_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
