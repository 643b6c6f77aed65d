/* The buddy allocator against an independent invariant checker: randomized allocate/free
 * sequences, no overlap, per-order counts, full coalescing once everything is freed. */
#include "test_kmem_fixture.h"
#include "kernel/mm/mm_internal.h"

struct held {
	struct page *p;
	unsigned order;
	gfp_t gfp;
};

/* Walks every free list: blocks aligned, inside their zone, marked, disjoint from each
 * other and from the allocated blocks; nr_free and free_pages agree with the lists. */
static void check_invariants(struct kfix *f, const struct held *h, unsigned nheld)
{
	struct kmem *km = &f->km;
	uint8_t *owner = calloc(km->max_pfn, 1);
	assert_non_null(owner);
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zn = &km->zones[z];
		uint64_t free_pages = 0;
		for (unsigned o = 0; o < MAX_ORDER; o++) {
			unsigned long n = 0;
			for (struct list_head *l = zn->free_area[o].free_list.next;
			     l != &zn->free_area[o].free_list; l = l->next) {
				struct page *p = list_entry(l, struct page, lru);
				uint64_t pfn = page_to_pfn(km, p);
				assert_true(PageBuddy(p));
				assert_int_equal(p->private, o);
				assert_int_equal(pfn & ((1ull << o) - 1), 0);
				assert_true(pfn >= zn->zone_start_pfn);
				assert_true(pfn + (1ull << o) <=
					    zn->zone_start_pfn + zn->spanned_pages);
				for (uint64_t i = 0; i < (1ull << o); i++) {
					assert_int_equal(owner[pfn + i], 0);
					owner[pfn + i] = 1;
				}
				/* a free block whose buddy is also free at the same order would
				 * have been merged */
				uint64_t b = pfn ^ (1ull << o);
				if (o < MAX_ORDER - 1 && b < km->max_pfn) {
					struct page *bp = pfn_to_page(km, b);
					assert_false(PageBuddy(bp) && bp->private == o &&
						     page_zonenum(bp) == (enum zone_type)z);
				}
				n++;
			}
			assert_int_equal(n, zn->free_area[o].nr_free);
			free_pages += (uint64_t)n << o;
		}
		assert_int_equal(free_pages, zn->free_pages);
	}
	for (unsigned i = 0; i < nheld; i++) {
		uint64_t pfn = page_to_pfn(km, h[i].p);
		assert_int_equal(pfn & ((1ull << h[i].order) - 1), 0);
		for (uint64_t j = 0; j < (1ull << h[i].order); j++) {
			assert_int_equal(owner[pfn + j], 0); /* no overlap with free or held */
			owner[pfn + j] = 2;
			assert_false(PageBuddy(h[i].p + j));
		}
	}
	free(owner);
}

static void snapshot(struct kfix *f, unsigned long out[MAX_NR_ZONES][MAX_ORDER])
{
	for (int z = 0; z < MAX_NR_ZONES; z++)
		for (int o = 0; o < MAX_ORDER; o++)
			out[z][o] = f->km.zones[z].free_area[o].nr_free;
}

static void randomized_sequence(bool pae)
{
	struct kfix *f = kfix_boot(256, pae, VMSPLIT_2G);  /* 2G split: no highmem at 256 MB */
	struct kfix *g = kfix_boot(1024, pae, VMSPLIT_3G); /* with highmem */
	struct kfix *fx[2] = {f, g};
	for (int m = 0; m < 2; m++) {
		struct kfix *x = fx[m];
		unsigned long before[MAX_NR_ZONES][MAX_ORDER], after[MAX_NR_ZONES][MAX_ORDER];
		check_invariants(x, NULL, 0);
		snapshot(x, before);
		uint64_t free0 = global_free_pages(&x->km);
		static struct held h[4096];
		unsigned n = 0;
		uint64_t seed = 0x5eed0001 + (uint64_t)m;
		static const gfp_t gfps[] = {GFP_KERNEL, GFP_HIGHUSER_MOVABLE, GFP_DMA, GFP_KERNEL};
		for (int step = 0; step < 6000; step++) {
			uint64_t r = kfix_rand(&seed);
			if (n < 4096 && (r % 3 != 0 || n == 0)) {
				unsigned order = (unsigned)((r >> 8) % 6);
				gfp_t gfp = gfps[(r >> 16) % 4];
				struct page *p = alloc_pages(&x->km, gfp, order);
				if (!p)
					continue;
				enum zone_type zt = page_zonenum(p);
				if (gfp == GFP_DMA)
					assert_int_equal(zt, ZONE_DMA);
				if (gfp == GFP_KERNEL)
					assert_true(zt != ZONE_HIGHMEM);
				h[n++] = (struct held){p, order, gfp};
			} else {
				unsigned i = (unsigned)((r >> 20) % n);
				__free_pages(&x->km, h[i].p, h[i].order);
				h[i] = h[--n];
			}
			if (step % 1000 == 999)
				check_invariants(x, h, n);
		}
		while (n) {
			n--;
			__free_pages(&x->km, h[n].p, h[n].order);
		}
		check_invariants(x, NULL, 0);
		snapshot(x, after);
		assert_int_equal(global_free_pages(&x->km), free0);
		assert_memory_equal(before, after, sizeof before); /* fully coalesced again */
	}
	kfix_free(f);
	kfix_free(g);
}

static void randomized_2level(void **state)
{
	(void)state;
	randomized_sequence(false);
}

static void randomized_pae(void **state)
{
	(void)state;
	randomized_sequence(true);
}

/* Taking one page from a zone whose smallest free block has order k splits it into one
 * free block of each order below k. */
static void split_counts_per_order(void **state)
{
	(void)state;
	struct kfix *f = kfix_boot(1024, false, VMSPLIT_3G);
	struct zone *z = &f->km.zones[ZONE_HIGHMEM];
	/* drain the small orders so that the next page comes from a whole order-10 block */
	struct page *pages[4096];
	unsigned n = 0;
	for (unsigned o = 0; o < MAX_ORDER - 1; o++)
		while (z->free_area[o].nr_free) {
			struct page *p = alloc_pages(&f->km, GFP_HIGHUSER_MOVABLE, o);
			assert_non_null(p);
			assert_int_equal(page_zonenum(p), ZONE_HIGHMEM);
			pages[n] = p;
			pages[n++]->private = o; /* remember the order in a field the test owns */
		}
	unsigned long big = z->free_area[MAX_ORDER - 1].nr_free;
	assert_true(big > 0);
	uint64_t splits = f->ctr.v[CTR_buddy_splits];
	struct page *p = alloc_page(&f->km, GFP_HIGHUSER_MOVABLE);
	assert_non_null(p);
	assert_int_equal(z->free_area[MAX_ORDER - 1].nr_free, big - 1);
	for (unsigned o = 0; o < MAX_ORDER - 1; o++)
		assert_int_equal(z->free_area[o].nr_free, 1);
	assert_int_equal(f->ctr.v[CTR_buddy_splits] - splits, MAX_ORDER - 1);
	uint64_t merges = f->ctr.v[CTR_buddy_merges];
	__free_page(&f->km, p);
	assert_int_equal(f->ctr.v[CTR_buddy_merges] - merges, MAX_ORDER - 1);
	assert_int_equal(z->free_area[MAX_ORDER - 1].nr_free, big);
	while (n--) {
		unsigned o = pages[n]->private;
		pages[n]->private = 0;
		__free_pages(&f->km, pages[n], o);
	}
	check_invariants(f, NULL, 0);
	kfix_free(f);
}

static void bad_requests_fail_cleanly(void **state)
{
	(void)state;
	struct kfix *f = kfix_boot(64, false, VMSPLIT_3G);
	assert_null(alloc_pages(&f->km, GFP_KERNEL, MAX_ORDER));
	assert_int_equal(f->km.last_error, -EINVAL);
	/* exhaust lowmem: allocations stop at the min watermark, they do not eat it */
	unsigned n = 0;
	while (alloc_pages(&f->km, GFP_KERNEL, 0))
		n++;
	assert_true(n > 1000);
	assert_int_equal(f->km.last_error, -ENOMEM);
	for (int z = 0; z <= ZONE_NORMAL; z++) {
		struct zone *zn = &f->km.zones[z];
		assert_true(zn->free_pages + 1 >= zn->wmark_min + zn->lowmem_reserve[ZONE_NORMAL]);
	}
	kfix_free(f);
}

static void zeroed_pages_are_zero(void **state)
{
	(void)state;
	struct kfix *f = kfix_boot(1024, false, VMSPLIT_3G);
	struct page *p = alloc_page(&f->km, GFP_HIGHUSER_MOVABLE);
	memset(physmem_ptr(&f->pm, page_to_phys(&f->km, p)), 0xAB, PAGE_SIZE);
	__free_page(&f->km, p);
	struct page *q = alloc_page(&f->km, GFP_HIGHUSER_MOVABLE | __GFP_ZERO);
	assert_ptr_equal(p, q); /* LIFO: the same frame comes back */
	uint8_t *h = physmem_ptr(&f->pm, page_to_phys(&f->km, q));
	for (unsigned i = 0; i < PAGE_SIZE; i++)
		assert_int_equal(h[i], 0);
	assert_int_equal(f->km.kmap_local_idx, 0); /* clear_highpage unmapped its slot */
	kfix_free(f);
}

/* __free_pages drops a reference (the last one frees); a second free is refused;
 * reserved pages such as the zero page are never freed by put_page. */
static void references_and_double_free(void **state)
{
	(void)state;
	struct kfix *f = kfix_boot(64, false, VMSPLIT_3G);
	struct kmem *km = &f->km;
	uint64_t free0 = global_free_pages(km);
	struct page *p = alloc_page(km, GFP_KERNEL);
	get_page(p);
	put_page(km, p);
	assert_int_equal(global_free_pages(km), free0 - 1);
	put_page(km, p);
	assert_int_equal(global_free_pages(km), free0);
	km->last_error = 0;
	__free_page(km, p);
	assert_int_equal(km->last_error, -EINVAL);
	assert_int_equal(global_free_pages(km), free0);
	struct page *z = km->zero_page;
	int rc = z->_refcount;
	put_page(km, z);
	get_page(z);
	assert_int_equal(z->_refcount, rc);
	assert_true(PageReserved(z));
	check_invariants(f, NULL, 0);
	kfix_free(f);
}

/* Boot writes the struct pages of a wholly free MAX_ORDER block only when something first
 * reaches them; until then they cost no host memory. Read through pfn_to_page, every frame
 * shows what an eager boot would have left: memblock reservations and holes reserved
 * (refcount 1), free RAM not, zones from the pfn, nothing mapped. */
static void mem_map_is_written_lazily(void **state)
{
	(void)state;
	struct kfix *f = kfix_boot(1024, false, VMSPLIT_3G);
	struct kmem *km = &f->km;
	uint64_t blocks = (km->max_pfn >> MEM_MAP_BLOCK_SHIFT) + 1, lazy = 0;
	for (uint64_t b = 0; b < blocks; b++)
		lazy += km->mem_map_block[b] == MEM_MAP_BLOCK_FREE;
	assert_true(lazy > blocks * 9 / 10);
	for (uint64_t pfn = 0; pfn < km->max_pfn; pfn++) {
		struct page *p = pfn_to_page(km, pfn);
		bool reserved = !kmem_pfn_usable(km, pfn);
		for (unsigned i = 0; i < km->nres; i++)
			if ((pfn + 1) << PAGE_SHIFT > km->res[i].start &&
			    pfn << PAGE_SHIFT < km->res[i].end)
				reserved = true;
		assert_int_equal(page_zonenum(p), pfn_zone(km, pfn));
		assert_int_equal(p->_mapcount, -1);
		if (reserved) {
			assert_true(PageReserved(p));
			assert_int_equal(p->_refcount, 1);
		} else if (p != km->zero_page) {
			assert_false(PageReserved(p));
		}
	}
	for (uint64_t b = 0; b < blocks; b++)
		assert_int_equal(km->mem_map_block[b], MEM_MAP_BLOCK_READY);
	check_invariants(f, NULL, 0);
	/* an order-10 allocation, split to order 0 and freed, merges back */
	struct kfix *g = kfix_boot(256, true, VMSPLIT_3G);
	km = &g->km;
	uint64_t free0 = global_free_pages(km);
	struct page *big = alloc_pages(km, GFP_HIGHUSER, MAX_ORDER - 1);
	assert_non_null(big);
	for (unsigned i = 1; i < (1u << (MAX_ORDER - 1)); i++)
		assert_int_equal(big[i]._mapcount, -1);
	__free_pages(km, big, MAX_ORDER - 1);
	struct page *one[64];
	for (unsigned i = 0; i < 64; i++)
		assert_non_null(one[i] = alloc_page(km, GFP_HIGHUSER));
	for (unsigned i = 0; i < 64; i++)
		__free_page(km, one[i]);
	assert_int_equal(global_free_pages(km), free0);
	check_invariants(g, NULL, 0);
	kfix_free(g);
	kfix_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(randomized_2level),
	    cmocka_unit_test(randomized_pae),
	    cmocka_unit_test(split_counts_per_order),
	    cmocka_unit_test(bad_requests_fail_cleanly),
	    cmocka_unit_test(zeroed_pages_are_zero),
	    cmocka_unit_test(references_and_double_free),
	    cmocka_unit_test(mem_map_is_written_lazily), /* keeps the pairs above */
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
