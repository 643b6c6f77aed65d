/*
 * An instruction that crosses from one page into the next is cached with its block (not
 * decoded afresh on every execution), in both engines: stores into either page drop it,
 * and when the second page is unmapped or maps another frame, the instruction is fetched
 * afresh: the #PF (CR2, error code, EIP) and the new bytes are the interpreter's.
 */
#include "test_cpu_fixture.h"

#define LOOP (DATA - 3) /* ADD EAX, imm32: opcode and two bytes of imm on CODE's page */

static void put(struct fx *f, uint32_t pa, const uint8_t *b, size_t n)
{
	physmem_frame_changed(&f->pm, pa >> 12);
	physmem_frame_changed(&f->pm, (pa + (uint32_t)n - 1) >> 12);
	memcpy(f->pm.host + pa, b, n);
}

/* add eax, 0x00000001 (crossing at DATA); dec ecx; jnz LOOP; int 0x80 */
static void put_loop(struct fx *f)
{
	static const uint8_t head[] = {0x05, 0x01, 0x00};
	static const uint8_t tail[] = {0x00, 0x00, 0x49, 0x75, 0xF8, INT80};
	put(f, LOOP, head, sizeof head);
	put(f, DATA, tail, sizeof tail);
}

static enum cpu_exit run_loop(struct fx *f, uint32_t n)
{
	f->c.eip = LOOP;
	f->c.regs[R_EAX] = 0;
	f->c.regs[R_ECX] = n;
	return cpu_run(&f->c, 1000000, &f->ex);
}

static void straddle(bool jit, bool tlb)
{
	struct fx *f = fx_new(tlb);
	f->c.jit = f->c.jit && jit;
	put_loop(f);
	assert_int_equal(run_loop(f, 1000), CPU_EXIT_SYSCALL);
	assert_int_equal(f->c.regs[R_EAX], 1000);
	/* decoded a few times (the block, the block after it), not once per iteration */
	uint64_t misses = f->ctr.v[CTR_decode_cache_misses];
	assert_true(misses < 10);
	assert_int_equal(run_loop(f, 1000), CPU_EXIT_SYSCALL);
	assert_int_equal(f->ctr.v[CTR_decode_cache_misses], misses);

	/* a guest store into the second page changes the crossing instruction's immediate */
	static const uint8_t poke[] = {0xC6, 0x05, 0x00, 0x20, 0x00, 0x00, 0x01, /* mov [DATA], 1 */
				       0xB9, 0x03, 0x00, 0x00, 0x00,		 /* mov ecx, 3 */
				       0x31, 0xC0,				 /* xor eax, eax */
				       0xE9, 0x00, 0x00, 0x00, 0x00};		 /* jmp LOOP */
	uint8_t code[sizeof poke];
	memcpy(code, poke, sizeof poke);
	int32_t rel = (int32_t)LOOP - (int32_t)(CODE + sizeof poke);
	memcpy(code + sizeof poke - 4, &rel, 4);
	put(f, CODE, code, sizeof code);
	f->c.eip = CODE;
	assert_int_equal(cpu_run(&f->c, 1000000, &f->ex), CPU_EXIT_SYSCALL);
	assert_int_equal(f->c.regs[R_EAX], 3 * 0x10001u);
	assert_true(f->ctr.v[CTR_decode_cache_invalidations] >= 1);

	/* the second page unmapped: #PF at the crossing instruction, CR2 the first byte
	 * fetched from the missing page (user, read, not present) */
	fx_map(f, DATA, 0);
	mmu_write_cr3(f->m, PD);
	assert_int_equal(run_loop(f, 5), CPU_EXIT_EXCEPTION);
	assert_int_equal(f->ex.vector, X86_PF);
	assert_int_equal(f->ex.error_code, PF_U);
	assert_int_equal(f->m->cr2, DATA);
	assert_int_equal(f->c.eip, LOOP);
	assert_int_equal(f->c.regs[R_EAX], 0);

	/* mapped again to another frame holding other bytes: those run */
	static const uint8_t other[] = {0x02, 0x00, 0x49, 0x75, 0xF8, INT80};
	put(f, DATA2, other, sizeof other);
	fx_map(f, DATA, DATA2 | (uint32_t)(PTE_P | PTE_RW | PTE_US));
	mmu_write_cr3(f->m, PD);
	assert_int_equal(run_loop(f, 4), CPU_EXIT_SYSCALL);
	assert_int_equal(f->c.regs[R_EAX], 4 * 0x20001u);
	/* and back: the first frame's bytes again */
	fx_map(f, DATA, DATA | (uint32_t)(PTE_P | PTE_RW | PTE_US));
	mmu_write_cr3(f->m, PD);
	assert_int_equal(run_loop(f, 2), CPU_EXIT_SYSCALL);
	assert_int_equal(f->c.regs[R_EAX], 2 * 0x10001u);
	fx_free(f);
}

/*
 * Entered through chained code: CODE calls a RET in the second page, then jumps to the
 * crossing block (compiled code links both exits on the first run). The second page then
 * maps another frame: the RET there refills the fetch table with it, so the jump's chained
 * entry finds that page mapped, to the wrong frame, and must leave the old block for a new
 * decode. The counters (fetch lookups of both pages included) are the engines' own result:
 * the caller compares them.
 */
static void chained(bool jit, bool tlb, struct counters *out)
{
	struct fx *f = fx_new(tlb);
	f->c.jit = f->c.jit && jit;
	put_loop(f);
	static const uint8_t other[] = {0x02, 0x00, 0x49, 0x75, 0xF8, INT80};
	put(f, DATA2, other, sizeof other);
	static const uint8_t ret[] = {0xC3};
	put(f, DATA + 0x10, ret, 1);
	put(f, DATA2 + 0x10, ret, 1);
	uint8_t code[10] = {0xE8, 0, 0, 0, 0, 0xE9}; /* call DATA + 0x10; jmp LOOP */
	int32_t rel = (int32_t)(DATA + 0x10) - (int32_t)(CODE + 5);
	memcpy(code + 1, &rel, 4);
	rel = (int32_t)LOOP - (int32_t)(CODE + 10);
	memcpy(code + 6, &rel, 4);
	put(f, CODE, code, sizeof code);
	static const struct {
		uint32_t frame, n, eax;
	} step[] = {{DATA, 1000, 1000}, {DATA2, 4, 4 * 0x20001u}, {DATA, 3, 3}};
	for (unsigned k = 0; k < 3; k++) {
		fx_map(f, DATA, step[k].frame | (uint32_t)(PTE_P | PTE_RW | PTE_US));
		mmu_write_cr3(f->m, PD);
		f->c.eip = CODE;
		f->c.regs[R_EAX] = 0;
		f->c.regs[R_ECX] = step[k].n;
		assert_int_equal(cpu_run(&f->c, 1000000, &f->ex), CPU_EXIT_SYSCALL);
		assert_int_equal(f->c.regs[R_EAX], step[k].eax);
		assert_int_equal(f->c.regs[R_ESP], STACK + PAGE_SIZE);
	}
	*out = f->ctr;
	fx_free(f);
}

static void chained_entry(void **state)
{
	(void)state;
	for (int tlb = 0; tlb < 2; tlb++) {
		struct counters jit, interp;
		chained(true, tlb, &jit);
		chained(false, tlb, &interp);
		for (unsigned k = 0; k < CTR_COUNT; k++)
			if (jit.v[k] != interp.v[k])
				fail_msg("%s: %llu compiled, %llu interpreted",
					 counter_info[k].name, (unsigned long long)jit.v[k],
					 (unsigned long long)interp.v[k]);
	}
}

static void compiled(void **state)
{
	(void)state;
	straddle(true, true);
	straddle(true, false);
}
static void interpreted(void **state)
{
	(void)state;
	straddle(false, true);
	straddle(false, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(compiled),
	    cmocka_unit_test(interpreted),
	    cmocka_unit_test(chained_entry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
