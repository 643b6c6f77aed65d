/* kmap: refcounted pkmap slots, batch flush when the search wraps, exhaustion (every slot
 * held: kmap returns 0 and says why), reuse; kmap_local nesting through fixmap slots. */
#include "test_kmem_fixture.h"

static struct page *highpage(struct kfix *f)
{
	struct page *p = alloc_page(&f->km, GFP_HIGHUSER_MOVABLE);
	assert_non_null(p);
	assert_true(PageHighMem(p));
	return p;
}

static void lowmem_pages_need_no_slot(void **state)
{
	(void)state;
	struct kfix *f = kfix_boot(1024, false, VMSPLIT_3G);
	struct page *p = alloc_page(&f->km, GFP_KERNEL);
	assert_int_equal(kmap(&f->km, p), page_address(&f->km, p));
	assert_int_equal(kmap_local_page(&f->km, p), page_address(&f->km, p));
	assert_int_equal(f->km.kmap_local_idx, 0);
	assert_int_equal(f->ctr.v[CTR_kmap_calls], 0);
	kunmap(&f->km, p);
	kfix_free(f);
}

static void highmem_has_no_address_until_kmapped(void **state)
{
	(void)state;
	struct kfix *f = kfix_boot(1024, false, VMSPLIT_3G);
	struct kmem *km = &f->km;
	struct page *p = highpage(f);
	assert_int_equal(page_address(km, p), 0);
	uint32_t v = kmap(km, p);
	assert_true(v >= km->L.pkmap_base && v < km->L.pkmap_base + km->L.last_pkmap * PAGE_SIZE);
	assert_int_equal(kmap(km, p), v); /* the same slot, one more reference */
	assert_int_equal(page_address(km, p), v);
	phys_addr_t pa;
	assert_int_equal(kfix_walk(f, km->swapper_pg_dir, v, false, true, &pa), 0);
	assert_int_equal(pa, page_to_phys(km, p));
	assert_int_equal(pkmap_nr_in_use(km), 1);
	kunmap(km, p);
	kunmap(km, p);
	assert_int_equal(pkmap_nr_in_use(km), 0);
	/* unused but still mapped until the next batch flush (Linux's lazy scheme) */
	assert_int_equal(kfix_walk(f, km->swapper_pg_dir, v, false, false, &pa), 0);
	km->last_error = 0;
	kunmap(km, p); /* unbalanced */
	assert_int_equal(km->last_error, -EINVAL);
	kfix_free(f);
}

static void exhaustion_and_batch_flush(bool pae)
{
	struct kfix *f = kfix_boot(1024, pae, VMSPLIT_3G);
	struct kmem *km = &f->km;
	unsigned n = km->L.last_pkmap;
	struct page **pg = calloc(n + 1, sizeof(*pg));
	for (unsigned i = 0; i <= n; i++)
		pg[i] = highpage(f);
	for (unsigned i = 0; i < n; i++)
		assert_int_not_equal(kmap(km, pg[i]), 0);
	assert_int_equal(pkmap_nr_in_use(km), n);
	/* every slot held: Linux would sleep for a kunmap; vmlab reports it */
	assert_int_equal(kmap(km, pg[n]), 0);
	assert_int_equal(km->last_error, -EBUSY);
	assert_int_equal(f->ctr.v[CTR_kmap_exhausted], 1);
	/* release one: the next kmap finds it only after a batch flush of unused slots */
	uint32_t freed = page_address(km, pg[7]);
	kunmap(km, pg[7]);
	uint64_t flushes = f->ctr.v[CTR_kmap_flushes], tlbk = f->ctr.v[CTR_tlb_flush_kernel];
	uint32_t v = kmap(km, pg[n]);
	assert_int_equal(v, freed);
	assert_int_equal(f->ctr.v[CTR_kmap_flushes] - flushes, 1);
	assert_int_equal(f->ctr.v[CTR_tlb_flush_kernel] - tlbk, 1);
	assert_int_equal(page_address(km, pg[7]), 0);
	for (unsigned i = 0; i <= n; i++)
		if (i != 7)
			kunmap(km, pg[i]);
	assert_int_equal(pkmap_nr_in_use(km), 0);
	free(pg);
	kfix_free(f);
}

static void exhaustion_2level(void **state)
{
	(void)state;
	exhaustion_and_batch_flush(false);
}

static void exhaustion_pae(void **state)
{
	(void)state;
	exhaustion_and_batch_flush(true);
}

/* Cycling map/unmap through more pages than slots: one batch flush per wrap. */
static void reuse_flushes_once_per_wrap(void **state)
{
	(void)state;
	struct kfix *f = kfix_boot(1024, false, VMSPLIT_3G);
	struct kmem *km = &f->km;
	unsigned n = km->L.last_pkmap;
	/* distinct pages: a page still mapped (count 1) would get its old slot back */
	struct page **pg = calloc(3 * n, sizeof(*pg));
	for (unsigned i = 0; i < 3 * n; i++) {
		pg[i] = highpage(f);
		assert_int_not_equal(kmap(km, pg[i]), 0);
		kunmap(km, pg[i]);
		if (i % n == n - 2)
			assert_int_equal(f->ctr.v[CTR_kmap_flushes], i / n);
	}
	assert_int_equal(f->ctr.v[CTR_kmap_flushes], 3);
	/* the same page again while its slot is unused but not yet flushed: same address */
	uint32_t v = page_address(km, pg[3 * n - 1]);
	assert_int_not_equal(v, 0);
	assert_int_equal(kmap(km, pg[3 * n - 1]), v);
	kunmap(km, pg[3 * n - 1]);
	free(pg);
	kfix_free(f);
}

static void kmap_local_nests_as_a_stack(void **state)
{
	(void)state;
	struct kfix *f = kfix_boot(1024, true, VMSPLIT_3G);
	struct kmem *km = &f->km;
	uint32_t v[KM_MAX_IDX];
	struct page *p[KM_MAX_IDX + 1];
	for (int i = 0; i <= KM_MAX_IDX; i++)
		p[i] = highpage(f);
	for (int i = 0; i < KM_MAX_IDX; i++) {
		v[i] = kmap_local_page(km, p[i]);
		assert_int_equal(v[i], fix_to_virt(km, km->L.fix_kmap_begin + (unsigned)i));
		assert_true(v[i] >= km->L.fixaddr_start);
		phys_addr_t pa;
		assert_int_equal(kfix_walk(f, km->swapper_pg_dir, v[i], false, true, &pa), 0);
		assert_int_equal(pa, page_to_phys(km, p[i]));
		if (i)
			assert_int_equal(v[i], v[i - 1] - PAGE_SIZE); /* fixmap grows down */
	}
	assert_int_equal(kmap_local_page(km, p[KM_MAX_IDX]), 0);
	assert_int_equal(km->last_error, -EBUSY);
	km->last_error = 0;
	kunmap_local(km, v[3]); /* not the innermost: refused, nothing changes */
	assert_int_equal(km->last_error, -EINVAL);
	assert_int_equal(km->kmap_local_idx, KM_MAX_IDX);
	uint64_t invl = f->ctr.v[CTR_tlb_flush_invlpg];
	for (int i = KM_MAX_IDX - 1; i >= 0; i--)
		kunmap_local(km, v[i]);
	assert_int_equal(km->kmap_local_idx, 0);
	assert_int_equal(f->ctr.v[CTR_tlb_flush_invlpg] - invl, KM_MAX_IDX);
	phys_addr_t pa;
	assert_int_equal(kfix_walk(f, km->swapper_pg_dir, v[0], false, false, &pa), -1);
	/* the bytes go where the mapping says */
	uint32_t slot;
	uint8_t *h = kmap_host(km, p[0], &slot);
	h[5] = 0x5A;
	kunmap_host(km, slot);
	assert_int_equal(*(uint8_t *)physmem_ptr(&f->pm, page_to_phys(km, p[0]) + 5), 0x5A);
	kfix_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(lowmem_pages_need_no_slot),
	    cmocka_unit_test(highmem_has_no_address_until_kmapped),
	    cmocka_unit_test(exhaustion_2level),
	    cmocka_unit_test(exhaustion_pae),
	    cmocka_unit_test(reuse_flushes_once_per_wrap),
	    cmocka_unit_test(kmap_local_nests_as_a_stack),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
