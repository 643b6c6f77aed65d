/*
 * The MMU's watch callback (the gdb stub's watchpoints, hw/mmu.h): once set, every data
 * access of the interpreter reaches it with its linear address, size and kind, even for
 * pages whose fast entries existed before (mmu_set_watch empties the table and no entry is
 * installed while it is set): plain loads and stores, read-modify-write, REP STOS, PUSH,
 * x87 operands, an access crossing a page. The TLB statistics are the same with and
 * without it. And a budget of one instruction runs exactly one, in both engines (the
 * stub's single step and breakpoints rest on it).
 */
#include "test_cpu_fixture.h"

struct rec {
	uint32_t lin;
	unsigned size;
	enum mmu_access acc;
};
static struct rec recs[64];
static unsigned nrec;

static void on_access(void *ctx, uint32_t lin, unsigned size, enum mmu_access acc)
{
	(void)ctx;
	if (nrec < 64)
		recs[nrec++] = (struct rec){lin, size, acc};
}

static bool seen(uint32_t lin, unsigned size, enum mmu_access acc)
{
	for (unsigned i = 0; i < nrec; i++)
		if (recs[i].lin == lin && recs[i].size == size && recs[i].acc == acc)
			return true;
	return false;
}

static const uint8_t code[] = {
    0xa1,  0x00, 0x20, 0x00, 0x00,	       /* mov eax, [DATA] */
    0xa3,  0x08, 0x20, 0x00, 0x00,	       /* mov [DATA+8], eax */
    0x83,  0x05, 0x10, 0x20, 0x00, 0x00, 0x01, /* add dword [DATA+16], 1 */
    0xbf,  0x20, 0x20, 0x00, 0x00,	       /* mov edi, DATA+32 */
    0xb9,  0x04, 0x00, 0x00, 0x00,	       /* mov ecx, 4 */
    0xf3,  0xab,			       /* rep stosd */
    0x50,				       /* push eax */
    0xd9,  0x05, 0x30, 0x20, 0x00, 0x00,       /* fld dword [DATA+48] */
    0xdd,  0xd8,			       /* fstp st0 */
    0x8b,  0x1d, 0xfe, 0x2f, 0x00, 0x00,       /* mov ebx, [DATA+0xffe] (crosses) */
    INT80,
};

static void run_once(struct fx *f)
{
	f->c.regs[R_ESP] = STACK + PAGE_SIZE;
	fx_code(f, code, sizeof code);
	assert_int_equal(cpu_run(&f->c, 1000, &f->ex), CPU_EXIT_SYSCALL);
}

static void watched(bool jit)
{
	struct fx *f = fx_new(true);
	struct fx *g = fx_new(true); /* the same without a watch: the statistics to match */
	f->c.jit = f->c.jit && jit;
	g->c.jit = f->c.jit;
	run_once(f); /* fills the fast table */
	run_once(g);
	nrec = 0;
	f->c.jit = false; /* as the stub does while a watchpoint exists */
	mmu_set_watch(f->m, on_access, NULL);
	run_once(f);
	run_once(g);
	assert_true(seen(DATA, 4, ACC_READ));
	assert_true(seen(DATA + 8, 4, ACC_WRITE));
	assert_true(seen(DATA + 16, 4, ACC_WRITE)); /* read-modify-write */
	for (uint32_t k = 0; k < 4; k++)
		assert_true(seen(DATA + 32 + 4 * k, 4, ACC_WRITE)); /* each REP STOS element */
	assert_true(seen(STACK + PAGE_SIZE - 4, 4, ACC_WRITE));	    /* push */
	assert_true(seen(DATA + 48, 4, ACC_READ));		    /* x87 operand */
	assert_true(seen(DATA + 0xffe, 4, ACC_READ));		    /* across a page */
	for (unsigned i = 0; i < nrec; i++)
		assert_int_not_equal(recs[i].acc, ACC_FETCH);
	const struct tlb_stats *a = tlb_get_stats(f->m->dtlb), *b = tlb_get_stats(g->m->dtlb);
	assert_int_equal(a->lookups, b->lookups);
	assert_int_equal(a->hits, b->hits);
	assert_int_equal(a->misses, b->misses);
	/* cleared: fast entries come back, nothing is reported */
	mmu_set_watch(f->m, NULL, NULL);
	nrec = 0;
	run_once(f);
	assert_int_equal(nrec, 0);
	fx_free(f);
	fx_free(g);
}

static void watch_interp(void **state)
{
	(void)state;
	watched(false);
}
static void watch_jit_warm(void **state)
{
	(void)state;
	watched(true);
}

/* cpu_run with a budget of 1 retires one instruction, whether the block is compiled or not */
static void budget_of_one(bool jit)
{
	struct fx *f = fx_new(true);
	f->c.jit = f->c.jit && jit;
	static const uint8_t loop[] = {
	    0x40,	/* inc eax */
	    0x43,	/* inc ebx */
	    0x41,	/* inc ecx */
	    0xeb, 0xfb, /* jmp back to the start */
	};
	fx_code(f, loop, sizeof loop);
	assert_int_equal(cpu_run(&f->c, 4000, &f->ex), CPU_EXIT_LIMIT); /* warm: compiled */
	f->c.eip = CODE;
	uint32_t a = f->c.regs[R_EAX], b = f->c.regs[R_EBX];
	uint64_t i0 = f->c.insns;
	assert_int_equal(cpu_run(&f->c, 1, &f->ex), CPU_EXIT_LIMIT);
	assert_int_equal(f->c.insns, i0 + 1);
	assert_int_equal(f->c.eip, CODE + 1);
	assert_int_equal(f->c.regs[R_EAX], a + 1);
	assert_int_equal(f->c.regs[R_EBX], b);
	assert_int_equal(cpu_run(&f->c, 1, &f->ex), CPU_EXIT_LIMIT);
	assert_int_equal(f->c.eip, CODE + 2);
	assert_int_equal(f->c.regs[R_EBX], b + 1);
	assert_int_equal(cpu_run(&f->c, 2, &f->ex), CPU_EXIT_LIMIT);
	assert_int_equal(f->c.eip, CODE); /* inc ecx, jmp */
	assert_int_equal(f->c.insns, i0 + 4);
	fx_free(f);
}

static void one_interp(void **state)
{
	(void)state;
	budget_of_one(false);
}
static void one_jit(void **state)
{
	(void)state;
	budget_of_one(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(watch_interp),
	    cmocka_unit_test(watch_jit_warm),
	    cmocka_unit_test(one_interp),
	    cmocka_unit_test(one_jit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
