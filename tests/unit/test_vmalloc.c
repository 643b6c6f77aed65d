/* vmalloc: virtually contiguous, physically scattered, guard pages, reuse, ioremap,
 * /proc/vmallocinfo and VmallocUsed. */
#include "test_kmem_fixture.h"

#include <stdio.h>

static void scattered_frames_behind_contiguous_addresses(void **state)
{
	(void)state;
	struct kfix *f = kfix_boot(1024, false, VMSPLIT_3G);
	struct kmem *km = &f->km;
	/* fragment HighMem: hold every other page of a run */
	struct page *p[64];
	for (int i = 0; i < 64; i++)
		p[i] = alloc_page(km, GFP_HIGHUSER_MOVABLE);
	for (int i = 0; i < 64; i += 2)
		__free_page(km, p[i]);
	uint32_t v = vmalloc(km, 16 * PAGE_SIZE);
	assert_true(is_vmalloc_addr(km, v));
	assert_int_equal(v, km->L.vmalloc_start);
	int contiguous = 0, high = 0;
	phys_addr_t prev = 0;
	for (int i = 0; i < 16; i++) {
		phys_addr_t pa = 0;
		assert_int_equal(
		    kfix_walk(f, km->swapper_pg_dir, v + i * PAGE_SIZE, false, true, &pa), 0);
		struct page *pg = vmalloc_to_page(km, v + i * PAGE_SIZE);
		assert_int_equal(page_to_phys(km, pg), pa);
		high += PageHighMem(pg);
		contiguous += i && pa == prev + PAGE_SIZE;
		prev = pa;
		/* supervisor only */
		assert_int_equal(
		    kfix_walk(f, km->swapper_pg_dir, v + i * PAGE_SIZE, true, false, &pa), -1);
	}
	assert_int_equal(high, 16);
	assert_true(contiguous < 15);
	/* the guard page after the area is unmapped */
	phys_addr_t pa;
	assert_int_equal(kfix_walk(f, km->swapper_pg_dir, v + 16 * PAGE_SIZE, false, false, &pa),
			 -1);
	uint32_t w = vmalloc(km, 1);
	assert_int_equal(w, v + 17 * PAGE_SIZE);
	assert_int_equal(km->stat[NR_VMALLOC], 17);
	for (int i = 1; i < 64; i += 2)
		__free_page(km, p[i]);
	kfix_free(f);
}

static void vfree_returns_pages_and_range(void **state)
{
	(void)state;
	struct kfix *f = kfix_boot(256, true, VMSPLIT_3G);
	struct kmem *km = &f->km;
	uint32_t a = vmalloc(km, 3 * PAGE_SIZE), b = vmalloc(km, PAGE_SIZE);
	uint64_t free_a = global_free_pages(km);
	uint64_t invl = f->ctr.v[CTR_tlb_flush_invlpg];
	vfree(km, a);
	assert_int_equal(f->ctr.v[CTR_tlb_flush_invlpg] - invl, 3); /* one INVLPG a page */
	assert_int_equal(global_free_pages(km) - free_a, 3 + 0);    /* the pages, not the array */
	phys_addr_t pa;
	assert_int_equal(kfix_walk(f, km->swapper_pg_dir, a, false, false, &pa), -1);
	/* the freed range is the lowest fit again */
	assert_int_equal(vmalloc(km, 2 * PAGE_SIZE), a);
	km->last_error = 0;
	vfree(km, b + PAGE_SIZE / 2);
	assert_int_equal(km->last_error, -EINVAL);
	vfree(km, b);
	assert_int_equal(km->stat[NR_VMALLOC], 2);
	kfix_free(f);
}

static void area_exhaustion_fails_cleanly(void **state)
{
	(void)state;
	struct kfix *f = kfix_boot(1024, false, VMSPLIT_3G);
	struct kmem *km = &f->km;
	uint32_t total = km->L.vmalloc_end - km->L.vmalloc_start;
	assert_int_equal(vmalloc(km, total), 0);
	assert_int_equal(km->last_error, -EINVAL);
	uint64_t free0 = global_free_pages(km);
	uint32_t big = vmalloc(km, total - 2 * PAGE_SIZE); /* fits with its guard page */
	assert_int_not_equal(big, 0);
	assert_int_equal(vmalloc(km, 2 * PAGE_SIZE), 0);
	assert_int_equal(km->last_error, -ENOMEM);
	vfree(km, big);
	/* kernel page tables stay (as in Linux), everything else is back */
	assert_true(free0 - global_free_pages(km) <= total / (4u << 20) + 1);
	kfix_free(f);
}

static void ioremap_maps_devices_not_ram(void **state)
{
	(void)state;
	struct kfix *f = kfix_boot(256, false, VMSPLIT_3G);
	struct kmem *km = &f->km;
	uint32_t io = ioremap(km, 0xFED00010ull, 0x100);
	assert_int_not_equal(io, 0);
	assert_int_equal(io & 0xFFF, 0x10);
	assert_true(is_vmalloc_addr(km, io));
	uint64_t pte = kernel_pte_get(km, io & PAGE_MASK);
	assert_true(pte & PTE_PCD);
	assert_int_equal(pte_pfn(pte), 0xFED00);
	assert_int_equal(km->stat[NR_VMALLOC], 0); /* VmallocUsed counts vmalloc pages only */
	km->last_error = 0;
	assert_int_equal(ioremap(km, 0x2000000, PAGE_SIZE), 0); /* plain RAM */
	assert_int_equal(km->last_error, -EINVAL);
	static char buf[4096];
	assert_true(proc_vmallocinfo_show(km, buf, sizeof buf) > 0);
	char want[128];
	snprintf(want, sizeof want, "0x%08x-0x%08x    8192 ioremap phys=0xfed00000 ioremap\n",
		 io & PAGE_MASK, (io & PAGE_MASK) + 8192);
	assert_string_equal(buf, want);
	iounmap(km, io);
	assert_int_equal(kernel_pte_get(km, io & PAGE_MASK), 0);
	assert_null(km->vmlist);
	kfix_free(f);
}

static void vmallocinfo_and_meminfo(void **state)
{
	(void)state;
	struct kfix *f = kfix_boot(1024, false, VMSPLIT_3G);
	struct kmem *km = &f->km;
	uint32_t v = __vmalloc(km, 5 * PAGE_SIZE, GFP_KERNEL, "test_caller+0x0/0x10");
	static char buf[8192];
	assert_true(proc_vmallocinfo_show(km, buf, sizeof buf) > 0);
	char want[128];
	snprintf(want, sizeof want, "0x%08x-0x%08x   24576 test_caller+0x0/0x10 pages=5 vmalloc\n",
		 v, v + 6 * PAGE_SIZE);
	assert_string_equal(buf, want);
	assert_true(proc_meminfo_show(km, buf, sizeof buf) > 0);
	assert_non_null(strstr(buf, "\nVmallocTotal:     122880 kB\nVmallocUsed:          20 kB\n"
				    "VmallocChunk:          0 kB\n"));
	kfix_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(scattered_frames_behind_contiguous_addresses),
	    cmocka_unit_test(vfree_returns_pages_and_range),
	    cmocka_unit_test(area_exhaustion_fails_cleanly),
	    cmocka_unit_test(ioremap_maps_devices_not_ram),
	    cmocka_unit_test(vmallocinfo_and_meminfo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
