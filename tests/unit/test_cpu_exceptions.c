/*
 * Exceptions with precise state: #PF (CR2, error code, nothing committed, restartable),
 * #DE, #UD, #GP for privileged instructions at CPL 3, segment faults, INT n exits, the
 * instruction budget, self-modifying code.
 */
#include "test_cpu_fixture.h"

static void expect_exc(struct fx *f, enum cpu_exit got, unsigned vec, uint32_t eip)
{
	assert_int_equal(got, CPU_EXIT_EXCEPTION);
	assert_int_equal(f->ex.vector, vec);
	assert_int_equal(f->c.eip, eip);
}

static void pf_push_leaves_esp(void **state)
{
	(void)state;
	struct fx *f = fx_new(true);
	f->c.regs[R_ESP] = HOLE + PAGE_SIZE; /* push writes HOLE+0xffc: not present */
	f->c.regs[R_EAX] = 0x1234;
	expect_exc(f, RUN(f, 0x90, 0x50, INT80), X86_PF, CODE + 1);
	assert_int_equal(f->ex.cr2, HOLE + 0xffc);
	assert_int_equal(f->ex.error_code, PF_W | PF_U);
	assert_int_equal(f->c.regs[R_ESP], HOLE + PAGE_SIZE);
	assert_int_equal(f->c.insns, 1);
	/* the kernel maps the page and restarts: the push completes */
	fx_map(f, HOLE, (uint32_t)(PTE_P | PTE_RW | PTE_US));
	mmu_invlpg(f->m, HOLE);
	assert_int_equal(cpu_run(&f->c, 100, &f->ex), CPU_EXIT_SYSCALL);
	assert_int_equal(fx_rd32(f, HOLE + 0xffc), 0x1234);
	assert_int_equal(f->c.regs[R_ESP], HOLE + 0xffc);
	fx_free(f);
}

static void pf_call_and_pop_restartable(void **state)
{
	(void)state;
	struct fx *f = fx_new(true);
	f->c.regs[R_ESP] = HOLE + PAGE_SIZE;
	expect_exc(f, RUN(f, 0xe8, 0x10, 0, 0, 0), X86_PF, CODE); /* call: push faults */
	assert_int_equal(f->c.regs[R_ESP], HOLE + PAGE_SIZE);
	f->c.regs[R_ESP] = HOLE + 0x800;
	f->c.regs[R_EAX] = 7;
	expect_exc(f, RUN(f, 0x58), X86_PF, CODE); /* pop eax */
	assert_int_equal(f->ex.error_code, PF_U);
	assert_int_equal(f->c.regs[R_EAX], 7);
	assert_int_equal(f->c.regs[R_ESP], HOLE + 0x800);
	fx_free(f);
}

static void pf_page_crossing_write_commits_nothing(void **state)
{
	(void)state;
	struct fx *f = fx_new(true);
	fx_wr32(f, DATA2 + 0xffc, 0x11223344);
	f->c.regs[R_EAX] = 0xaabbccdd;
	/* mov [0x3ffe], eax: two bytes in DATA2, two in HOLE */
	expect_exc(f, RUN(f, 0xa3, 0xfe, 0x3f, 0, 0), X86_PF, CODE);
	assert_int_equal(f->ex.cr2, HOLE);
	assert_int_equal(fx_rd32(f, DATA2 + 0xffc), 0x11223344);
	/* add [0x3ffe], eax: read-modify-write, flags untouched too */
	cpu_set_eflags(&f->c, 0x202 | EFL_CF | EFL_ZF);
	expect_exc(f, RUN(f, 0x01, 0x05, 0xfe, 0x3f, 0, 0), X86_PF, CODE);
	assert_int_equal(cpu_get_eflags(&f->c), 0x202 | EFL_CF | EFL_ZF);
	assert_int_equal(fx_rd32(f, DATA2 + 0xffc), 0x11223344);
	fx_free(f);
}

static void pf_rights(void **state)
{
	(void)state;
	struct fx *f = fx_new(true);
	expect_exc(f, RUN(f, 0xa3, 0x00, 0x60, 0, 0), X86_PF, CODE); /* mov [RO], eax */
	assert_int_equal(f->ex.error_code, PF_P | PF_W | PF_U);
	expect_exc(f, RUN(f, 0xa1, 0x00, 0x70, 0, 0), X86_PF, CODE); /* mov eax, [SUPER] */
	assert_int_equal(f->ex.error_code, PF_P | PF_U);
	assert_int_equal(f->ex.cr2, SUPER);
	assert_int_equal(f->m->cr2, SUPER);
	/* a read of the read-only page works; so does CMP (read-only access) */
	fx_wr32(f, RO, 5);
	f->c.regs[R_EAX] = 5;
	assert_int_equal(RUN(f, 0x39, 0x05, 0x00, 0x60, 0, 0, 0x0f, 0x94, 0xc1, INT80),
			 CPU_EXIT_SYSCALL);
	assert_int_equal(f->c.regs[R_ECX] & 0xff, 1);
	fx_free(f);
}

static void pf_rep_movs_resumes(void **state)
{
	(void)state;
	struct fx *f = fx_new(true);
	for (unsigned k = 0; k < 8; k++)
		fx_wr32(f, DATA + 4 * k, 0x100 + k);
	f->c.regs[R_ESI] = DATA;
	f->c.regs[R_EDI] = DATA2 + 0xff0;
	f->c.regs[R_ECX] = 8;
	expect_exc(f, RUN(f, 0xf3, 0xa5, INT80), X86_PF, CODE); /* rep movsd */
	assert_int_equal(f->ex.cr2, HOLE);
	assert_int_equal(f->c.regs[R_ECX], 4);
	assert_int_equal(f->c.regs[R_ESI], DATA + 16);
	assert_int_equal(f->c.regs[R_EDI], HOLE);
	assert_int_equal(fx_rd32(f, DATA2 + 0xffc), 0x103);
	fx_map(f, HOLE, (uint32_t)(PTE_P | PTE_RW | PTE_US));
	mmu_invlpg(f->m, HOLE);
	assert_int_equal(cpu_run(&f->c, 100, &f->ex), CPU_EXIT_SYSCALL);
	assert_int_equal(f->c.regs[R_ECX], 0);
	assert_int_equal(fx_rd32(f, HOLE + 12), 0x107);
	fx_free(f);
}

static void divide_errors(void **state)
{
	(void)state;
	struct fx *f = fx_new(true);
	f->c.regs[R_EAX] = 10;
	f->c.regs[R_EDX] = 0;
	f->c.regs[R_ECX] = 0;
	expect_exc(f, RUN(f, 0x90, 0xf7, 0xf1), X86_DE, CODE + 1); /* div ecx */
	assert_int_equal(f->c.regs[R_EAX], 10);
	f->c.regs[R_EDX] = 5; /* quotient does not fit */
	f->c.regs[R_ECX] = 5;
	expect_exc(f, RUN(f, 0xf7, 0xf1), X86_DE, CODE);
	f->c.regs[R_EAX] = 0x80000000u;
	f->c.regs[R_EDX] = 0xffffffffu;
	f->c.regs[R_ECX] = 0xffffffffu;
	expect_exc(f, RUN(f, 0xf7, 0xf9), X86_DE, CODE); /* idiv: INT_MIN / -1 */
	expect_exc(f, RUN(f, 0xd4, 0x00), X86_DE, CODE); /* aam 0 */
	f->c.regs[R_EAX] = 100;
	f->c.regs[R_EDX] = 0;
	f->c.regs[R_ECX] = 7;
	assert_int_equal(RUN(f, 0xf7, 0xf1, INT80), CPU_EXIT_SYSCALL);
	assert_int_equal(f->c.regs[R_EAX], 14);
	assert_int_equal(f->c.regs[R_EDX], 2);
	fx_free(f);
}

static void undefined_opcodes(void **state)
{
	(void)state;
	struct fx *f = fx_new(true);
	expect_exc(f, RUN(f, 0x0f, 0x0b), X86_UD, CODE);       /* ud2 */
	expect_exc(f, RUN(f, 0x8d, 0xc0), X86_UD, CODE);       /* lea eax, eax */
	expect_exc(f, RUN(f, 0x8e, 0xc8), X86_UD, CODE);       /* mov cs, eax */
	expect_exc(f, RUN(f, 0x0f, 0x28, 0xc1), X86_UD, CODE); /* movaps: CR4.OSFXSR clear */
	expect_exc(f, RUN(f, 0x0f, 0x0f, 0xc1, 0x9e), X86_UD, CODE); /* 3DNow! pfadd: not modelled */
	expect_exc(f, RUN(f, 0x66, 0x0f, 0xd0, 0xc1), X86_UD, CODE); /* addsubpd: no SSE3 */
	expect_exc(f, RUN(f, 0xff, 0xff), X86_UD, CODE);       /* FF /7 */
	fx_free(f);
}

static void privileged_at_cpl3(void **state)
{
	(void)state;
	struct fx *f = fx_new(true);
	static const uint8_t code[][7] = {
		{0xf4},                         /* hlt */
		{0xfa},                         /* cli */
		{0xfb},                         /* sti */
		{0x0f, 0x22, 0xc0},             /* mov cr0, eax */
		{0x0f, 0x20, 0xd8},             /* mov eax, cr3 */
		{0x0f, 0x01, 0x15, 0, 0x20, 0, 0}, /* lgdt [DATA] */
		{0x0f, 0x01, 0x38},             /* invlpg [eax] */
		{0xec},                         /* in al, dx */
		{0xe6, 0x80},                   /* out 0x80, al */
		{0x0f, 0x30},                   /* wrmsr */
		{0x0f, 0x06},                   /* clts */
		{0x0f, 0x00, 0xd0},             /* lldt ax */
	};
	for (size_t k = 0; k < sizeof(code) / sizeof(code[0]); k++) {
		f->c.regs[R_EAX] = DATA;
		enum cpu_exit r = fx_run(f, code[k], sizeof code[k]);
		expect_exc(f, r, X86_GP, CODE);
		assert_true(f->ex.has_error_code);
		assert_int_equal(f->ex.error_code, 0);
	}
	fx_free(f);
}

static void software_interrupts(void **state)
{
	(void)state;
	struct fx *f = fx_new(true);
	assert_int_equal(RUN(f, 0x90, INT80), CPU_EXIT_SYSCALL);
	assert_int_equal(f->c.eip, CODE + 3);
	assert_int_equal(f->ex.vector, 0x80);
	assert_int_equal(RUN(f, 0xcc), CPU_EXIT_INT);
	assert_int_equal(f->ex.vector, X86_BP);
	assert_int_equal(f->c.eip, CODE + 1);
	/* ICEBP: #DB as a trap, past the instruction, prefixes included */
	assert_int_equal(RUN(f, 0x66, 0xf1), CPU_EXIT_EXCEPTION);
	assert_int_equal(f->ex.vector, X86_DB);
	assert_int_equal(f->c.eip, CODE + 2);
	assert_int_equal(RUN(f, 0x65, 0xcd, 0x81), CPU_EXIT_INT);
	assert_int_equal(f->ex.vector, 0x81);
	assert_int_equal(f->c.exit_insn_len, 3); /* a prefixed INT: the kernel backs up 3 bytes */
	/* into with OF set: a trap after the instruction */
	assert_int_equal(RUN(f, 0xb0, 0x7f, 0x04, 0x01, 0xce), CPU_EXIT_INT);
	assert_int_equal(f->ex.vector, X86_OF);
	assert_int_equal(f->c.eip, CODE + 5);
	fx_free(f);
}

static void segment_loads(void **state)
{
	(void)state;
	struct fx *f = fx_new(true);
	fx_wr32(f, TLS_BASE + 0x10, 0xfeedf00d);
	/* mov ax, 0x33; mov gs, ax; mov eax, gs:[0x10]; int 0x80 */
	assert_int_equal(RUN(f, 0x66, 0xb8, 0x33, 0x00, 0x8e, 0xe8, 0x65, 0xa1, 0x10, 0, 0, 0, INT80),
			 CPU_EXIT_SYSCALL);
	assert_int_equal(f->c.regs[R_EAX], 0xfeedf00d);
	assert_int_equal(f->m->seg.sr[SR_GS].selector, 0x33);
	assert_int_equal(f->m->seg.sr[SR_GS].d.base, TLS_BASE);
	/* beyond the 4 KB limit: #GP(0) */
	expect_exc(f, RUN(f, 0x65, 0xa1, 0x00, 0x10, 0, 0), X86_GP, CODE);
	assert_int_equal(f->ex.error_code, 0);
	/* a selector past the GDT limit: #GP(selector), GS unchanged */
	expect_exc(f, RUN(f, 0x66, 0xb8, 0x03, 0x01, 0x8e, 0xe8), X86_GP, CODE + 4);
	assert_int_equal(f->ex.error_code, 0x100);
	assert_int_equal(f->m->seg.sr[SR_GS].selector, 0x33);
	/* a DPL 0 code segment into DS at CPL 3: #GP(selector) */
	expect_exc(f, RUN(f, 0x66, 0xb8, 0x60, 0x00, 0x8e, 0xd8), X86_GP, CODE + 4);
	assert_int_equal(f->ex.error_code, 0x60);
	/* the null selector loads; using it faults */
	expect_exc(f, RUN(f, 0x31, 0xc0, 0x8e, 0xe8, 0x65, 0xa1, 0, 0, 0, 0), X86_GP, CODE + 4);
	/* push/pop of a segment register */
	assert_int_equal(RUN(f, 0x1e, 0x07, 0x8c, 0xc1, INT80), CPU_EXIT_SYSCALL);
	assert_int_equal(f->c.regs[R_ECX], 0x7b);
	fx_free(f);
}

static void budget_and_rdtsc(void **state)
{
	(void)state;
	struct fx *f = fx_new(true);
	static const uint8_t code[] = {0x90, 0x90, 0x90, 0x0f, 0x31, 0x89, 0xc3, 0x0f, 0x31, INT80};
	fx_code(f, code, sizeof code);
	assert_int_equal(cpu_run(&f->c, 2, &f->ex), CPU_EXIT_LIMIT);
	assert_int_equal(f->c.eip, CODE + 2);
	assert_int_equal(f->c.insns, 2);
	assert_int_equal(cpu_run(&f->c, 100, &f->ex), CPU_EXIT_SYSCALL);
	assert_int_equal(f->c.regs[R_EBX], 3); /* three instructions retired before it */
	assert_int_equal(f->c.regs[R_EAX], 5);
	assert_int_equal(f->ctr.v[CTR_insns_retired], 7);
	fx_free(f);
}

static void self_modifying_code(void **state)
{
	(void)state;
	struct fx *f = fx_new(true);
	/* mov byte [CODE+14], 0x42 patches the imm8 of the add that follows in the same block */
	assert_int_equal(RUN(f, 0xc6, 0x05, 0x0e, 0x10, 0, 0, 0x42, 0xb8, 1, 0, 0, 0, 0x83, 0xc0,
			     0x05, INT80),
			 CPU_EXIT_SYSCALL);
	assert_int_equal(f->c.regs[R_EAX], 0x43);
	assert_true(f->ctr.v[CTR_decode_cache_invalidations] >= 1);
	/* run again: the patched code is decoded afresh and patches itself the same way */
	f->c.eip = CODE;
	assert_int_equal(cpu_run(&f->c, 100, &f->ex), CPU_EXIT_SYSCALL);
	assert_int_equal(f->c.regs[R_EAX], 0x43);
	fx_free(f);
}

static void tlb_statistics_exact_without_fetch_model(void **state)
{
	(void)state;
	/* the same program with and without the modelled TLB: same results; with it, every
	 * data access and each block entry is one lookup */
	for (int tlb = 0; tlb < 2; tlb++) {
		struct fx *f = fx_new(tlb);
		fx_wr32(f, DATA, 3);
		uint64_t before = f->ctr.v[CTR_tlb_lookups]; /* the segment loads read the GDT */
		/* mov eax,[DATA]; add eax,[DATA]; mov [DATA+4],eax; int 0x80 */
		assert_int_equal(RUN(f, 0xa1, 0, 0x20, 0, 0, 0x03, 0x05, 0, 0x20, 0, 0, 0xa3, 4,
				     0x20, 0, 0, INT80),
				 CPU_EXIT_SYSCALL);
		assert_int_equal(fx_rd32(f, DATA + 4), 6);
		if (tlb)
			assert_int_equal(f->ctr.v[CTR_tlb_lookups] - before, 4); /* 1 fetch + 3 data */
		else
			assert_int_equal(f->ctr.v[CTR_tlb_lookups] - before, 0);
		fx_free(f);
	}
}

/* One I-TLB lookup per basic-block entry: taken jumps and conditional fall-throughs. */
static void fetch_lookups_per_block_entry(void **state)
{
	(void)state;
	struct fx *f = fx_new(true);
	uint64_t before = f->ctr.v[CTR_tlb_lookups];
	/* mov ecx,5; L: dec ecx; jnz L; int 0x80: entries CODE, L x4 (taken), fall-through */
	assert_int_equal(RUN(f, 0xb9, 5, 0, 0, 0, 0x49, 0x75, 0xfd, INT80), CPU_EXIT_SYSCALL);
	assert_int_equal(f->ctr.v[CTR_tlb_lookups] - before, 6);
	/* with the fetch model off, fetches are not counted */
	f->c.tlb_fetch_model = false;
	before = f->ctr.v[CTR_tlb_lookups];
	f->c.eip = CODE;
	assert_int_equal(cpu_run(&f->c, 100, &f->ex), CPU_EXIT_SYSCALL);
	assert_int_equal(f->ctr.v[CTR_tlb_lookups] - before, 0);
	fx_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pf_push_leaves_esp),
		cmocka_unit_test(pf_call_and_pop_restartable),
		cmocka_unit_test(pf_page_crossing_write_commits_nothing),
		cmocka_unit_test(pf_rights),
		cmocka_unit_test(pf_rep_movs_resumes),
		cmocka_unit_test(divide_errors),
		cmocka_unit_test(undefined_opcodes),
		cmocka_unit_test(privileged_at_cpl3),
		cmocka_unit_test(software_interrupts),
		cmocka_unit_test(segment_loads),
		cmocka_unit_test(budget_and_rdtsc),
		cmocka_unit_test(self_modifying_code),
		cmocka_unit_test(tlb_statistics_exact_without_fetch_model),
		cmocka_unit_test(fetch_lookups_per_block_entry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
