/* A booted machine for the kernel-memory unit tests: physmem, MMU, kmem. */
#ifndef VMLAB_TEST_KMEM_FIXTURE_H
#define VMLAB_TEST_KMEM_FIXTURE_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hw/mmu.h"
#include "kernel/mm/kmem.h"
#include "kernel/mm/pgtable.h"

struct kfix {
	struct physmem pm;
	struct mmu mmu;
	struct counters ctr;
	struct kmem km;
};

static inline struct kfix *kfix_boot(uint64_t mem_mb, bool pae, enum vmsplit split)
{
	struct kfix *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	struct mm_params p;
	mm_params_default(&p, mem_mb << 20);
	p.pae = pae;
	p.split = split;
	assert_int_equal(physmem_init(&f->pm, p.ram_bytes, pae), 0);
	struct tlb_config tc;
	tlb_config_default(&tc);
	assert_int_equal(mmu_init(&f->mmu, &f->pm, &tc, &f->ctr), 0);
	assert_int_equal(mm_init(&f->km, &f->pm, &f->mmu, &f->ctr, &p), 0);
	struct paging_regs r;
	kmem_kernel_regs(&f->km, &r);
	mmu_write_cr4(&f->mmu, r.cr4);
	mmu_write_cr3(&f->mmu, r.cr3);
	mmu_write_cr0(&f->mmu, r.cr0);
	return f;
}

static inline void kfix_free(struct kfix *f)
{
	mm_destroy(&f->km);
	mmu_destroy(&f->mmu);
	physmem_destroy(&f->pm);
	free(f);
}

/* Supervisor walk of a kernel address through swapper_pg_dir: 0 and *pa, or -1. */
static inline int kfix_walk(struct kfix *f, phys_addr_t cr3, uint32_t va, bool user, bool write,
			    phys_addr_t *pa)
{
	struct paging_regs r;
	pgd_regs(&f->km, cr3, &r);
	struct walk_result res;
	struct x86_exception ex;
	if (paging_walk(&f->pm, &r, va, write ? ACC_WRITE : ACC_READ, user, false, &res, &ex))
		return -1;
	*pa = res.pa;
	return 0;
}

/* Deterministic generator for the randomized tests (xorshift64*, fixed seed). */
static inline uint64_t kfix_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1Dull;
}
#endif
