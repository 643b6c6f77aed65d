/* Zones, the lowmem limit, watermarks and zone fallback. Expected zone sizes at 1 GB are
 * the ones Debian's 6.1 kernels print under qemu (tests/golden/linux, docs/kmem.md). */
#include "test_kmem_fixture.h"

static void layout_2level_matches_debian_686(void **state)
{
	(void)state;
	struct kfix *f = kfix_boot(1024, false, VMSPLIT_3G);
	struct kmem *km = &f->km;
	assert_int_equal(km->L.pkmap_base, 0xFEC00000u);
	assert_int_equal(km->L.vmalloc_end, 0xFEBFE000u);
	assert_int_equal(km->max_low_pfn, 0x36BFE);
	assert_int_equal(km->zones[ZONE_DMA].zone_start_pfn, 1);
	assert_int_equal(km->zones[ZONE_DMA].spanned_pages, 4095);
	assert_int_equal(km->zones[ZONE_DMA].present_pages, 3998);
	assert_int_equal(km->zones[ZONE_NORMAL].spanned_pages, 220158);
	assert_int_equal(km->zones[ZONE_NORMAL].present_pages, 220158);
	assert_int_equal(km->zones[ZONE_HIGHMEM].zone_start_pfn, 224254);
	assert_int_equal(km->zones[ZONE_HIGHMEM].present_pages, 37858);
	/* VmallocTotal: 122880 kB */
	assert_int_equal((km->L.vmalloc_end - km->L.vmalloc_start) >> 10, 122880);
	kfix_free(f);
}

static void layout_pae_matches_debian_686_pae(void **state)
{
	(void)state;
	struct kfix *f = kfix_boot(1024, true, VMSPLIT_3G);
	struct kmem *km = &f->km;
	assert_int_equal(km->L.last_pkmap, 512);
	assert_int_equal(km->L.pkmap_base, 0xFF000000u);
	assert_int_equal(km->zones[ZONE_NORMAL].spanned_pages, 221182);
	assert_int_equal(km->zones[ZONE_HIGHMEM].zone_start_pfn, 225278);
	assert_int_equal(km->zones[ZONE_HIGHMEM].present_pages, 36834);
	kfix_free(f);
}

/* The lowmem limit follows the split and the vmalloc reserve; small machines have no
 * highmem at all. */
static void lowmem_limit_follows_split_and_reserve(void **state)
{
	(void)state;
	struct mm_params p;
	struct kernel_layout L3, L1, Lv;
	mm_params_default(&p, 4096ull << 20);
	mm_compute_layout(&p, 0x100000, &L3);
	p.split = VMSPLIT_1G;
	mm_compute_layout(&p, 0x100000, &L1);
	assert_int_equal(L3.maxmem + 0x80000000ull, L1.maxmem);
	p.split = VMSPLIT_3G;
	p.vmalloc_reserve = 256ull << 20;
	mm_compute_layout(&p, 0x100000, &Lv);
	/* vmalloc=256M reserves 256 MB + the 8 MB hole, 136 MB more than the default */
	assert_int_equal(L3.maxmem - Lv.maxmem, 136ull << 20);
	assert_int_equal(Lv.vmalloc_end - Lv.vmalloc_start, 256u << 20);

	struct kfix *f = kfix_boot(64, false, VMSPLIT_3G);
	assert_int_equal(f->km.zones[ZONE_HIGHMEM].present_pages, 0);
	assert_int_equal(f->km.max_low_pfn, f->km.max_pfn);
	assert_int_equal(f->km.zones[ZONE_NORMAL].spanned_pages, 0x3FE0 - 4096);
	kfix_free(f);
}

/* __setup_per_zone_wmarks recomputed independently from the zone sizes. */
static void watermarks_as_linux_computes_them(void **state)
{
	(void)state;
	for (int pae = 0; pae < 2; pae++) {
		struct kfix *f = kfix_boot(1024, pae, VMSPLIT_3G);
		struct kmem *km = &f->km;
		uint64_t pages_min = km->min_free_kbytes / 4;
		uint64_t low =
		    km->zones[ZONE_DMA].managed_pages + km->zones[ZONE_NORMAL].managed_pages;
		for (int z = ZONE_DMA; z <= ZONE_NORMAL; z++) {
			struct zone *zn = &km->zones[z];
			uint64_t share = pages_min * zn->managed_pages / low;
			assert_int_equal(zn->wmark_min, share);
			uint64_t step = share / 4 > zn->managed_pages / 1000
					    ? share / 4
					    : zn->managed_pages / 1000;
			assert_int_equal(zn->wmark_low, zn->wmark_min + step);
			assert_int_equal(zn->wmark_high, zn->wmark_min + 2 * step);
		}
		struct zone *hz = &km->zones[ZONE_HIGHMEM];
		uint64_t hmin = hz->managed_pages / 1024;
		assert_int_equal(hz->wmark_min, hmin < 32 ? 32 : hmin > 128 ? 128 : hmin);
		/* khugepaged's recommendation (capped at 5% of lowmem) beats sqrt(16 * lowmem_kb)
		 */
		assert_true(km->min_free_kbytes > 40000 && km->min_free_kbytes < 45000);
		/* lowmem_reserve: DMA keeps managed(Normal..)/256 from Normal requests */
		assert_int_equal(km->zones[ZONE_DMA].lowmem_reserve[ZONE_NORMAL],
				 km->zones[ZONE_NORMAL].managed_pages / 256);
		assert_int_equal(km->zones[ZONE_NORMAL].lowmem_reserve[ZONE_HIGHMEM],
				 km->zones[ZONE_HIGHMEM].managed_pages / 32);
		assert_int_equal(km->zones[ZONE_HIGHMEM].lowmem_reserve[ZONE_MOVABLE], 0);
		kfix_free(f);
	}
}

/* User pages prefer HighMem and fall back to Normal once HighMem reaches its low
 * watermark; GFP_KERNEL never gets HighMem; GFP_DMA never leaves DMA. */
static void zone_fallback_by_allocation_type(void **state)
{
	(void)state;
	struct kfix *f = kfix_boot(1024, false, VMSPLIT_3G);
	struct kmem *km = &f->km;
	struct zone *hz = &km->zones[ZONE_HIGHMEM];
	uint64_t n = 0;
	struct page *p;
	while ((p = alloc_page(km, GFP_HIGHUSER_MOVABLE)) && page_zonenum(p) == ZONE_HIGHMEM)
		n++;
	assert_non_null(p);
	assert_int_equal(page_zonenum(p), ZONE_NORMAL);
	assert_int_equal(f->ctr.v[CTR_zone_fallbacks], 1);
	/* the fast path stops at the low watermark (plus nothing reserved above HighMem) */
	assert_true(hz->free_pages <= hz->wmark_low + hz->lowmem_reserve[ZONE_MOVABLE]);
	assert_true(n + hz->wmark_low >= hz->managed_pages - 1);

	for (int i = 0; i < 100; i++)
		assert_int_not_equal(page_zonenum(alloc_page(km, GFP_KERNEL)), ZONE_HIGHMEM);
	struct zone *dz = &km->zones[ZONE_DMA];
	uint64_t dma = 0;
	while ((p = alloc_page(km, GFP_DMA))) {
		assert_int_equal(page_zonenum(p), ZONE_DMA);
		dma++;
	}
	/* DMA stops at its watermark although Normal has plenty */
	assert_true(dz->free_pages <= dz->wmark_low + 1 || dz->free_pages <= dz->wmark_min + 1);
	assert_true(km->zones[ZONE_NORMAL].free_pages > 100000);
	assert_true(dma > 3000);
	kfix_free(f);
}

/* GFP_KERNEL falls back from Normal to DMA, but lowmem_reserve keeps DMA's share for DMA
 * requests: the fallback stops well above DMA's own watermark. */
static void lowmem_reserve_protects_dma(void **state)
{
	(void)state;
	struct kfix *f = kfix_boot(256, false, VMSPLIT_3G);
	struct kmem *km = &f->km;
	struct zone *dz = &km->zones[ZONE_DMA];
	uint64_t before = f->ctr.v[CTR_zone_fallbacks];
	while (alloc_page(km, GFP_KERNEL))
		;
	assert_true(f->ctr.v[CTR_zone_fallbacks] > before); /* some came from DMA */
	assert_true(dz->free_pages + 1 >= dz->wmark_min + dz->lowmem_reserve[ZONE_NORMAL]);
	assert_true(dz->lowmem_reserve[ZONE_NORMAL] > 0);
	/* and a DMA request still succeeds: the reserve was for it */
	assert_non_null(alloc_page(km, GFP_DMA));
	kfix_free(f);
}

static void no_highmem_means_no_fallback_count(void **state)
{
	(void)state;
	struct kfix *f = kfix_boot(64, false, VMSPLIT_3G);
	struct page *p = alloc_page(&f->km, GFP_HIGHUSER_MOVABLE);
	assert_non_null(p);
	assert_int_equal(page_zonenum(p), ZONE_NORMAL);
	assert_int_equal(f->ctr.v[CTR_zone_fallbacks], 0); /* Normal is the first zone listed */
	kfix_free(f);
}

static void proc_buddyinfo_and_zoneinfo_format(void **state)
{
	(void)state;
	struct kfix *f = kfix_boot(1024, false, VMSPLIT_3G);
	static char buf[65536];
	int n = proc_buddyinfo_show(&f->km, buf, sizeof buf);
	assert_true(n > 0);
	assert_memory_equal(buf, "Node 0, zone      DMA ", 22);
	assert_non_null(strstr(buf, "\nNode 0, zone   Normal "));
	assert_non_null(strstr(buf, "\nNode 0, zone  HighMem "));
	assert_null(strstr(buf, "Movable"));
	n = proc_zoneinfo_show(&f->km, buf, sizeof buf);
	assert_true(n > 0);
	assert_non_null(strstr(buf, "        spanned  220158\n        present  220158\n"));
	assert_non_null(strstr(buf, "  start_pfn:           224254\n"));
	assert_non_null(strstr(buf, "Node 0, zone  Movable\n  pages free     0\n"));
	assert_int_equal(proc_zoneinfo_show(&f->km, buf, 100), -ENOSPC);
	kfix_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(layout_2level_matches_debian_686),
	    cmocka_unit_test(layout_pae_matches_debian_686_pae),
	    cmocka_unit_test(lowmem_limit_follows_split_and_reserve),
	    cmocka_unit_test(watermarks_as_linux_computes_them),
	    cmocka_unit_test(zone_fallback_by_allocation_type),
	    cmocka_unit_test(lowmem_reserve_protects_dma),
	    cmocka_unit_test(no_highmem_means_no_fallback_count),
	    cmocka_unit_test(proc_buddyinfo_and_zoneinfo_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
