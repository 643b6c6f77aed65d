/* Slab: kmalloc size classes, geometry as SLUB computes it, reuse, release of empty slabs,
 * large kmalloc, accounting, /proc/slabinfo. */
#include "test_kmem_fixture.h"

#include <stdio.h>

static struct kfix *F;
static int setup(void **state)
{
	(void)state;
	F = kfix_boot(256, false, VMSPLIT_3G);
	return 0;
}
static int teardown(void **state)
{
	(void)state;
	kfix_free(F);
	return 0;
}

static void size_classes(void **state)
{
	(void)state;
	struct kmem *km = &F->km;
	static const struct {
		size_t size;
		const char *cache;
	} c[] = {{1, "kmalloc-8"},     {8, "kmalloc-8"},     {9, "kmalloc-16"},
		 {64, "kmalloc-64"},   {65, "kmalloc-96"},   {96, "kmalloc-96"},
		 {97, "kmalloc-128"},  {129, "kmalloc-192"}, {192, "kmalloc-192"},
		 {193, "kmalloc-256"}, {1000, "kmalloc-1k"}, {4097, "kmalloc-8k"},
		 {8192, "kmalloc-8k"}};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		assert_string_equal(kmalloc_slab(km, c[i].size)->name, c[i].cache);
		uint32_t o = kmalloc(km, c[i].size, GFP_KERNEL);
		assert_true(virt_addr_valid(km, o));
		assert_int_equal(ksize(km, o), kmalloc_slab(km, c[i].size)->object_size);
		kfree(km, o);
	}
	assert_null(kmalloc_slab(km, 8193));
	/* GFP_DMA objects come from dma-kmalloc-N caches whose slabs sit in ZONE_DMA */
	uint32_t d = kmalloc(km, 100, GFP_DMA);
	assert_string_equal(kmalloc_slab_gfp(km, 100, GFP_DMA)->name, "dma-kmalloc-128");
	assert_int_equal(page_zonenum(virt_to_page(km, d)), ZONE_DMA);
	kfree(km, d);
}

/* Geometry as Debian's kernels show it in /proc/slabinfo (objperslab, pagesperslab). */
static void slub_geometry(void **state)
{
	(void)state;
	struct kmem *km = &F->km;
	static const struct {
		const char *name;
		unsigned size, objs, pages;
	} g[] = {
	    {"kmalloc-8", 8, 512, 1},	   {"kmalloc-96", 96, 42, 1},  {"kmalloc-192", 192, 21, 1},
	    {"kmalloc-512", 512, 8, 1},	   {"kmalloc-1k", 1024, 8, 2}, {"kmalloc-2k", 2048, 8, 4},
	    {"kmalloc-4k", 4096, 8, 8},	   {"kmalloc-8k", 8192, 4, 8}, {"task_struct", 2944, 11, 8},
	    {"vm_area_struct", 72, 56, 1}, {"mm_struct", 576, 14, 2}};
	for (size_t i = 0; i < sizeof g / sizeof g[0]; i++) {
		bool found = false;
		for (struct list_head *l = km->slab_caches.next; l != &km->slab_caches;
		     l = l->next) {
			struct kmem_cache *s = list_entry(l, struct kmem_cache, list);
			if (strcmp(s->name, g[i].name))
				continue;
			found = true;
			assert_int_equal(s->size, g[i].size);
			assert_int_equal(s->oo_objects, g[i].objs);
			assert_int_equal(1u << s->order, g[i].pages);
		}
		assert_true(found);
	}
}

static void objects_are_lowmem_and_disjoint(void **state)
{
	(void)state;
	struct kmem *km = &F->km;
	uint32_t o[300];
	for (int i = 0; i < 300; i++) {
		o[i] = kmalloc(km, 100, GFP_KERNEL);
		assert_int_equal(o[i] % 128, 0);
		assert_int_equal(__va(km, __pa(km, o[i])), o[i]);
		assert_false(PageHighMem(virt_to_page(km, o[i])));
		/* the bytes are in simulated RAM at __pa */
		memset(kmem_host(km, o[i]), i & 0xff, 100);
	}
	for (int i = 0; i < 300; i++) {
		assert_int_equal(*(uint8_t *)physmem_ptr(&F->pm, __pa(km, o[i]) + 99), i & 0xff);
		for (int j = 0; j < i; j++)
			assert_true(o[i] >= o[j] + 128 || o[j] >= o[i] + 128);
	}
	for (int i = 0; i < 300; i++)
		kfree(km, o[i]);
}

static void freed_object_is_reused_first(void **state)
{
	(void)state;
	struct kmem *km = &F->km;
	uint32_t a = kmalloc(km, 32, GFP_KERNEL), b = kmalloc(km, 32, GFP_KERNEL);
	kfree(km, a);
	assert_int_equal(kmalloc(km, 32, GFP_KERNEL), a);
	uint32_t z = kzalloc(km, 32, GFP_KERNEL);
	for (int i = 0; i < 32; i++)
		assert_int_equal(((uint8_t *)kmem_host(km, z))[i], 0);
	kfree(km, z);
	kfree(km, a);
	kfree(km, b);
}

/* Freeing every object returns slabs to the buddy allocator beyond min_partial; shrink
 * returns the rest. */
static void empty_slabs_go_back_to_the_page_allocator(void **state)
{
	(void)state;
	struct kmem *km = &F->km;
	struct kmem_cache *s = kmem_cache_create(km, "test_obj", 200, 0, SLAB_HWCACHE_ALIGN);
	assert_non_null(s);
	assert_int_equal(s->size, 256); /* aligned to the 64-byte cache line */
	uint64_t free0 = global_free_pages(km), slab0 = km->stat[NR_SLAB_UNRECLAIMABLE];
	static uint32_t o[2000];
	for (int i = 0; i < 2000; i++)
		assert_int_not_equal(o[i] = kmem_cache_alloc(km, s, GFP_KERNEL), 0);
	unsigned long slabs = s->nr_slabs;
	assert_int_equal(slabs, (2000 + s->oo_objects - 1) / s->oo_objects);
	assert_int_equal(km->stat[NR_SLAB_UNRECLAIMABLE] - slab0, slabs << s->order);
	assert_int_equal(free0 - global_free_pages(km), slabs << s->order);
	for (int i = 0; i < 2000; i++)
		kmem_cache_free(km, s, o[i]);
	assert_int_equal(s->active_objects, 0);
	assert_int_equal(s->nr_slabs, s->min_partial);
	assert_int_equal(kmem_cache_shrink(km, s), (int)s->min_partial);
	assert_int_equal(s->nr_slabs, 0);
	assert_int_equal(global_free_pages(km), free0);
	assert_int_equal(km->stat[NR_SLAB_UNRECLAIMABLE], slab0);
	kmem_cache_destroy(km, s);
}

static void large_kmalloc_uses_pages(void **state)
{
	(void)state;
	struct kmem *km = &F->km;
	uint64_t free0 = global_free_pages(km);
	uint32_t a = kmalloc(km, 20000, GFP_KERNEL); /* order 3 */
	assert_int_equal(a & (PAGE_SIZE - 1), 0);
	assert_false(PageSlab(virt_to_page(km, a)));
	assert_int_equal(ksize(km, a), 32768);
	assert_int_equal(free0 - global_free_pages(km), 8);
	kfree(km, a);
	assert_int_equal(global_free_pages(km), free0);
	assert_int_equal(kmalloc(km, 0, GFP_KERNEL), 16); /* ZERO_SIZE_PTR */
	kfree(km, 16);
}

static void bad_frees_are_reported(void **state)
{
	(void)state;
	struct kmem *km = &F->km;
	km->last_error = 0;
	kfree(km, 0x1234); /* not a kernel address */
	assert_int_equal(km->last_error, -EINVAL);
	uint32_t a = kmalloc(km, 64, GFP_KERNEL);
	km->last_error = 0;
	kmem_cache_free(km, kmalloc_slab(km, 64), a + 4); /* not an object boundary */
	assert_int_equal(km->last_error, -EINVAL);
	km->last_error = 0;
	kmem_cache_free(km, kmalloc_slab(km, 128), a); /* the wrong cache */
	assert_int_equal(km->last_error, -EINVAL);
	kfree(km, a);
}

static void slabinfo_format(void **state)
{
	(void)state;
	struct kmem *km = &F->km;
	uint32_t o[10];
	for (int i = 0; i < 10; i++)
		o[i] = kmalloc(km, 8, GFP_KERNEL);
	static char buf[65536];
	assert_true(proc_slabinfo_show(km, buf, sizeof buf) > 0);
	assert_memory_equal(buf, "slabinfo - version: 2.1\n# name ", 31);
	char line[200];
	snprintf(line, sizeof line,
		 "\nkmalloc-8         %6lu %6lu      8  512    1 : tunables    0    0    0 : "
		 "slabdata %6lu %6lu      0\n",
		 kmalloc_slab(km, 8)->active_objects, kmalloc_slab(km, 8)->total_objects,
		 kmalloc_slab(km, 8)->nr_slabs, kmalloc_slab(km, 8)->nr_slabs);
	assert_non_null(strstr(buf, line));
	for (int i = 0; i < 10; i++)
		kfree(km, o[i]);
	assert_true(proc_meminfo_show(km, buf, sizeof buf) > 0);
	char want[64];
	snprintf(
	    want, sizeof want, "\nSlab:           %8llu kB\n",
	    (unsigned long long)(km->stat[NR_SLAB_RECLAIMABLE] + km->stat[NR_SLAB_UNRECLAIMABLE]) *
		4);
	assert_non_null(strstr(buf, want));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(size_classes),
	    cmocka_unit_test(slub_geometry),
	    cmocka_unit_test(objects_are_lowmem_and_disjoint),
	    cmocka_unit_test(freed_object_is_reused_first),
	    cmocka_unit_test(empty_slabs_go_back_to_the_page_allocator),
	    cmocka_unit_test(large_kmalloc_uses_pages),
	    cmocka_unit_test(bad_frees_are_reported),
	    cmocka_unit_test(slabinfo_format),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
