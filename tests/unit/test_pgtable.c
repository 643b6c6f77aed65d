/* Process page directories on the kmem API, in 2-level and PAE: set/get/clear, the walk the
 * MMU makes, page-table accounting, HIGHPTE, iteration, the shared kernel part and vmalloc
 * mappings reaching every process. */
#include "test_kmem_fixture.h"

#define USER_PTE (PTE_P | PTE_RW | PTE_US)

static void set_get_clear(bool pae)
{
	struct kfix *f = kfix_boot(1024, pae, VMSPLIT_3G);
	struct kmem *km = &f->km;
	uint64_t free0 = global_free_pages(km);
	phys_addr_t pgd = pgd_alloc(km);
	assert_int_not_equal(pgd, 0);
	assert_int_equal(pgd_count(km), 1);
	uint64_t pt0 = km->stat[NR_PAGETABLE];
	struct page *frame = alloc_page(km, GFP_HIGHUSER_MOVABLE);
	uint64_t pte = pfn_pte(page_to_pfn(km, frame), USER_PTE);
	assert_int_equal(pte_set(km, pgd, 0x08048000, pte), 0);
	assert_int_equal(km->stat[NR_PAGETABLE] - pt0, 1);
	uint64_t got;
	assert_int_equal(pte_get(km, pgd, 0x08048000, &got), 0);
	assert_int_equal(got, pte);
	assert_int_equal(pte_get(km, pgd, 0x08049000, &got), 0);
	assert_int_equal(got, 0);
	assert_int_equal(pte_get(km, pgd, 0x40000000, &got), 0); /* no page table there */
	assert_int_equal(got, 0);
	/* the MMU sees it: user write through the process directory */
	phys_addr_t pa;
	assert_int_equal(kfix_walk(f, pgd, 0x08048123, true, true, &pa), 0);
	assert_int_equal(pa, page_to_phys(km, frame) + 0x123);
	/* HIGHPTE: the user page table itself came from HighMem */
	struct paging_regs r;
	pgd_regs(km, pgd, &r);
	struct walk_result res;
	struct x86_exception ex;
	assert_int_equal(paging_walk(&f->pm, &r, 0x08048000, ACC_READ, true, false, &res, &ex), 0);
	phys_addr_t table = res.steps[res.nsteps - 1].table;
	assert_true(PageHighMem(pfn_to_page(km, table >> PAGE_SHIFT)));
	/* the kernel half is there too, supervisor only */
	assert_int_equal(kfix_walk(f, pgd, km->L.page_offset + 0x100000, false, false, &pa), 0);
	assert_int_equal(pa, 0x100000);
	assert_int_equal(kfix_walk(f, pgd, km->L.page_offset + 0x100000, true, false, &pa), -1);
	assert_int_equal(pte_clear(km, pgd, 0x08048000), pte);
	assert_int_equal(pte_clear(km, pgd, 0x08048000), 0);
	assert_int_equal(kfix_walk(f, pgd, 0x08048000, true, false, &pa), -1);
	/* refusals */
	assert_int_equal(pte_set(km, pgd, km->L.page_offset, pte), -EINVAL);
	if (!pae)
		assert_int_equal(pte_set(km, pgd, 0x1000, pte | PTE_NX), -EINVAL);
	else
		assert_int_equal(pte_set(km, pgd, 0x1000, pte | PTE_NX), 0);
	__free_page(km, frame);
	pgd_free(km, pgd);
	assert_int_equal(pgd_count(km), 0);
	assert_int_equal(km->stat[NR_PAGETABLE], pt0 - (pae ? 3 : 0));
	if (pae) /* the PDPT came from the pgd_cache slab, which keeps its empty slab */
		assert_int_equal(kmem_cache_shrink(km, km->pgd_cachep), 1);
	assert_int_equal(global_free_pages(km), free0); /* nothing leaked */
	kfix_free(f);
}

static void set_get_clear_2level(void **state)
{
	(void)state;
	set_get_clear(false);
}

static void set_get_clear_pae(void **state)
{
	(void)state;
	set_get_clear(true);
}

struct iter {
	unsigned n;
	uint32_t first, last;
};

static int count_and_protect(uint64_t *pte, uint32_t addr, void *data)
{
	struct iter *it = data;
	if (!it->n++)
		it->first = addr;
	it->last = addr;
	*pte &= ~PTE_RW; /* as mprotect or fork's COW would */
	return 0;
}

static void iterate_across_a_page_table_boundary(bool pae)
{
	struct kfix *f = kfix_boot(512, pae, VMSPLIT_3G);
	struct kmem *km = &f->km;
	phys_addr_t pgd = pgd_alloc(km);
	uint32_t base = pae ? 0x001F8000 : 0x003F8000; /* 8 pages below a PMD boundary */
	for (int i = 0; i < 16; i++)
		assert_int_equal(
		    pte_set(km, pgd, base + i * PAGE_SIZE, pfn_pte(0x1000 + (uint64_t)i, USER_PTE)),
		    0);
	/* a swap entry is not present but is visited */
	assert_int_equal(pte_set(km, pgd, base + 20 * PAGE_SIZE, 0x1234ull << 12), 0);
	struct iter it = {0};
	assert_int_equal(apply_to_existing_page_range(km, pgd, base + PAGE_SIZE,
						      base + 30 * PAGE_SIZE, count_and_protect,
						      &it),
			 0);
	assert_int_equal(it.n, 16);
	assert_int_equal(it.first, base + PAGE_SIZE);
	assert_int_equal(it.last, base + 20 * PAGE_SIZE);
	uint64_t pte;
	pte_get(km, pgd, base + 3 * PAGE_SIZE, &pte);
	assert_int_equal(pte, pfn_pte(0x1003, PTE_P | PTE_US));
	pte_get(km, pgd, base, &pte);
	assert_true(pte & PTE_RW); /* outside the range: untouched */
	assert_int_equal(km->kmap_local_idx, 0);
	/* free_pgd_range frees page tables wholly inside the range (the floor, where the PTEs
	 * below end, keeps the PAE PMD) */
	uint64_t pt = km->stat[NR_PAGETABLE];
	free_pgd_range(km, pgd, base + 8 * PAGE_SIZE, base + 8 * PAGE_SIZE + km->L.pmd_size,
		       base + 8 * PAGE_SIZE, 0);
	assert_int_equal(km->stat[NR_PAGETABLE], pt - 1);
	pte_get(km, pgd, base + 9 * PAGE_SIZE, &pte);
	assert_int_equal(pte, 0);
	pgd_free(km, pgd);
	kfix_free(f);
}

static void iterate_2level(void **state)
{
	(void)state;
	iterate_across_a_page_table_boundary(false);
}

static void iterate_pae(void **state)
{
	(void)state;
	iterate_across_a_page_table_boundary(true);
}

/* A vmalloc mapping made after pgd_alloc needs a new kernel page table; every process sees
 * it (2-level: the PDE is synced to pgd_list; PAE: the kernel PMD is shared). */
static void vmalloc_reaches_every_process(bool pae)
{
	struct kfix *f = kfix_boot(1024, pae, VMSPLIT_3G);
	struct kmem *km = &f->km;
	phys_addr_t a = pgd_alloc(km);
	uint32_t v = vmalloc(km, 8u << 20); /* spans page tables no one had yet */
	assert_int_not_equal(v, 0);
	phys_addr_t b = pgd_alloc(km);
	for (uint32_t off = 0; off < (8u << 20); off += (1u << 20)) {
		phys_addr_t pk, pa, pb;
		assert_int_equal(kfix_walk(f, km->swapper_pg_dir, v + off, false, true, &pk), 0);
		assert_int_equal(kfix_walk(f, a, v + off, false, true, &pa), 0);
		assert_int_equal(kfix_walk(f, b, v + off, false, true, &pb), 0);
		assert_int_equal(pa, pk);
		assert_int_equal(pb, pk);
	}
	/* and unmapping reaches them too */
	vfree(km, v);
	phys_addr_t pa;
	assert_int_equal(kfix_walk(f, a, v, false, false, &pa), -1);
	pgd_free(km, a);
	pgd_free(km, b);
	kfix_free(f);
}

static void vmalloc_sync_2level(void **state)
{
	(void)state;
	vmalloc_reaches_every_process(false);
}

static void vmalloc_sync_pae(void **state)
{
	(void)state;
	vmalloc_reaches_every_process(true);
}

static void splits_place_the_kernel_part(void **state)
{
	(void)state;
	for (int s = VMSPLIT_3G; s <= VMSPLIT_1G; s++) {
		for (int pae = 0; pae < 2; pae++) {
			struct kfix *f = kfix_boot(512, pae, (enum vmsplit)s);
			struct kmem *km = &f->km;
			phys_addr_t pgd = pgd_alloc(km);
			uint32_t user_top = km->L.page_offset - PAGE_SIZE;
			assert_int_equal(pte_set(km, pgd, user_top, pfn_pte(0x2000, USER_PTE)), 0);
			phys_addr_t pa;
			assert_int_equal(kfix_walk(f, pgd, user_top, true, false, &pa), 0);
			assert_int_equal(kfix_walk(f, pgd, km->L.page_offset, false, false, &pa),
					 0);
			assert_int_equal(pa, 0);
			pgd_free(km, pgd);
			kfix_free(f);
		}
	}
}

/* PAE: free_pgd_range frees a user PMD (clearing its PDPTE) when the whole GB lies between
 * floor and ceiling, as Linux's free_pmd_range; the next mapping there allocates it again. */
static void pae_pmd_freed_and_reallocated(void **state)
{
	(void)state;
	struct kfix *f = kfix_boot(512, true, VMSPLIT_3G);
	struct kmem *km = &f->km;
	phys_addr_t pgd = pgd_alloc(km);
	const uint32_t gb1 = 0x40000000, X = gb1 + 0x201000; /* in the GB's second table */
	uint64_t pt0 = km->stat[NR_PAGETABLE], pte, pmd;
	assert_int_equal(pte_set(km, pgd, X, pfn_pte(0x1000, USER_PTE)), 0);
	assert_int_equal(km->stat[NR_PAGETABLE], pt0 + 1);
	pte_clear(km, pgd, X);
	/* the VMA below ends above the table's start: the table stays */
	free_pgd_range(km, pgd, X, X + 0x1000, gb1 + 0x300000, 0x80000000);
	assert_int_equal(km->stat[NR_PAGETABLE], pt0 + 1);
	/* it ends inside the GB, below the table: the table goes, the PMD stays */
	free_pgd_range(km, pgd, X, X + 0x1000, gb1 + 0x1000, 0x80000000);
	assert_int_equal(km->stat[NR_PAGETABLE], pt0);
	assert_true(physmem_read(&f->pm, pgd + 8, 8) & PTE_P);
	/* nothing from floor to ceiling in the GB: its PMD goes as well */
	assert_int_equal(pte_set(km, pgd, X, pfn_pte(0x1000, USER_PTE)), 0);
	pte_clear(km, pgd, X);
	free_pgd_range(km, pgd, X, X + 0x1000, 0x08050000, 0xb7000000);
	assert_int_equal(km->stat[NR_PAGETABLE], pt0 - 1);
	assert_int_equal(physmem_read(&f->pm, pgd + 8, 8), 0);
	assert_int_equal(pte_get(km, pgd, X, &pte), 0);
	assert_int_equal(pte, 0);
	assert_int_equal(pmd_get(km, pgd, gb1, &pmd), 0);
	assert_int_equal(pmd, 0);
	/* a walk there is a not-present fault; a new PTE brings PMD and table back */
	phys_addr_t pa;
	assert_int_equal(kfix_walk(f, pgd, gb1 + 0x5000, true, false, &pa), -1);
	assert_int_equal(pte_set(km, pgd, gb1 + 0x5000, pfn_pte(0x1005, USER_PTE)), 0);
	assert_int_equal(km->stat[NR_PAGETABLE], pt0 + 1);
	assert_int_equal(kfix_walk(f, pgd, gb1 + 0x5000, true, false, &pa), 0);
	assert_int_equal(pa, 0x1005000);
	/* the GBs around keep their PMDs */
	assert_true(physmem_read(&f->pm, pgd, 8) & PTE_P);
	assert_true(physmem_read(&f->pm, pgd + 16, 8) & PTE_P);
	pgd_free(km, pgd);
	kfix_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(set_get_clear_2level),
	    cmocka_unit_test(set_get_clear_pae),
	    cmocka_unit_test(iterate_2level),
	    cmocka_unit_test(iterate_pae),
	    cmocka_unit_test(vmalloc_sync_2level),
	    cmocka_unit_test(vmalloc_sync_pae),
	    cmocka_unit_test(splits_place_the_kernel_part),
	    cmocka_unit_test(pae_pmd_freed_and_reallocated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
