/* The MMU end to end: segmentation + TLB + walk + fast path, on tables built in physmem. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "hw/mmu.h"

#define PD 0x10000u
#define PT 0x11000u

struct rig {
	struct physmem pm;
	struct mmu m;
	struct counters ctr;
};

static void wr32(struct rig *r, phys_addr_t pa, uint32_t v)
{
	physmem_write(&r->pm, pa, v, 4);
}

static uint32_t rd32(struct rig *r, phys_addr_t pa)
{
	return (uint32_t)physmem_read(&r->pm, pa, 4);
}

/* 2-level tables: PDE 0 -> PT; lin 0x1000*i -> 0x100000 + 0x1000*i with the given flags. */
static struct rig *rig_new(const struct tlb_config *cfg)
{
	static struct rig r;
	memset(&r.ctr, 0, sizeof(r.ctr));
	assert_int_equal(physmem_init(&r.pm, 64u << 20, false), 0);
	assert_int_equal(mmu_init(&r.m, &r.pm, cfg, &r.ctr), 0);
	wr32(&r, PD, PT | 7);
	for (unsigned i = 0; i < 16; i++)
		wr32(&r, PT + 4 * i, (0x100000 + 0x1000 * i) | 7);
	mmu_write_cr3(&r.m, PD);
	mmu_write_cr0(&r.m, CR0_PE | CR0_PG | CR0_WP);
	return &r;
}

static void rig_free(struct rig *r)
{
	mmu_destroy(&r->m);
	physmem_destroy(&r->pm);
}

static void read_write_through_paging(void **state)
{
	(void)state;
	struct rig *r = rig_new(NULL);
	struct x86_exception ex;
	uint32_t v = 0x12345678, got = 0;
	assert_int_equal(mmu_write(&r->m, SR_DS, 0x2004, &v, 4, &ex), 0);
	assert_int_equal(rd32(r, 0x102004), 0x12345678);
	assert_int_equal(mmu_read(&r->m, SR_DS, 0x2004, &got, 4, ACC_READ, &ex), 0);
	assert_int_equal(got, 0x12345678);
	/* A on the PDE and PTE, D on the PTE of the written page */
	assert_true(rd32(r, PD) & PTE_A);
	assert_int_equal(rd32(r, PT + 8) & (PTE_A | PTE_D), PTE_A | PTE_D);
	assert_int_equal(r->ctr.v[CTR_page_walks], 1);
	assert_int_equal(r->ctr.v[CTR_tlb_misses], 1);
	assert_int_equal(r->ctr.v[CTR_tlb_hits], 1);
	rig_free(r);
}

static void fast_path_counts_as_tlb_hits(void **state)
{
	(void)state;
	struct rig *r = rig_new(NULL);
	struct x86_exception ex;
	uint8_t *p = mmu_ptr(&r->m, 0x3010, ACC_READ, &ex);
	assert_non_null(p);
	assert_ptr_equal(p, r->pm.host + 0x103010);
	for (int i = 0; i < 10; i++)
		assert_ptr_equal(mmu_ptr(&r->m, 0x3020, ACC_READ, &ex), r->pm.host + 0x103020);
	const struct tlb_stats *s = tlb_get_stats(r->m.dtlb);
	assert_int_equal(s->lookups, 11);
	assert_int_equal(s->hits, 10);
	assert_int_equal(s->misses, 1);
	assert_int_equal(r->ctr.v[CTR_tlb_hits], 10);
	/* INVLPG drops the fast entry with the TLB entry: the next access walks again */
	mmu_invlpg(&r->m, 0x3000);
	assert_non_null(mmu_ptr(&r->m, 0x3000, ACC_READ, &ex));
	assert_int_equal(s->misses, 2);
	assert_int_equal(r->ctr.v[CTR_page_walks], 2);
	rig_free(r);
}

static void not_present_faults_with_cr2(void **state)
{
	(void)state;
	struct rig *r = rig_new(NULL);
	struct x86_exception ex;
	uint32_t v = 1;
	r->m.cpl = 3;
	wr32(r, PT + 4 * 5, 0);
	assert_int_equal(mmu_write(&r->m, SR_DS, 0x5008, &v, 4, &ex), -1);
	assert_int_equal(ex.vector, X86_PF);
	assert_int_equal(ex.error_code, PF_W | PF_U);
	assert_int_equal(ex.cr2, 0x5008);
	assert_int_equal(r->m.cr2, 0x5008);
	rig_free(r);
}

static void cross_page_write_faulting_on_second_page_writes_nothing(void **state)
{
	(void)state;
	struct rig *r = rig_new(NULL);
	struct x86_exception ex;
	uint32_t v = 0xaabbccdd;
	wr32(r, PT + 4 * 7, 0x107000 | 5); /* read-only */
	assert_int_equal(mmu_write(&r->m, SR_DS, 0x6ffe, &v, 4, &ex), -1);
	assert_int_equal(ex.vector, X86_PF);
	assert_int_equal(ex.cr2, 0x7000);
	assert_int_equal(ex.error_code, PF_P | PF_W);
	assert_int_equal(physmem_read(&r->pm, 0x106ffe, 2), 0);
	rig_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(read_write_through_paging),
		cmocka_unit_test(fast_path_counts_as_tlb_hits),
		cmocka_unit_test(not_present_faults_with_cr2),
		cmocka_unit_test(cross_page_write_faulting_on_second_page_writes_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
