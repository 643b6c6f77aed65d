/*
 * Throughput of the kernel's allocators on a booted 1 GB machine (2-level): buddy
 * alloc_pages/__free_pages at orders 0 and 3, kmalloc/kfree at 64 and 1024 bytes, and
 * vmalloc/vfree of 4 pages. Each test allocates a batch, then frees it, so both the split
 * and the merge paths (or slab refill and release) are measured. Host wall-clock time is
 * used only to report speed; the model itself never reads a clock.
 */
#include "hw/mmu.h"
#include "kernel/mm/kmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BATCH 4096
#define ROUNDS 200

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void report(const char *what, unsigned long ops, double secs)
{
	printf("%-36s %10.1f M ops/s  (%6.1f ns per alloc+free pair)\n", what, ops / secs / 1e6,
	       secs / (ops / 2) * 1e9);
}

static void bench_buddy(struct kmem *km, gfp_t gfp, unsigned order, const char *name)
{
	static struct page *p[BATCH];
	unsigned long ops = 0;
	double t0 = now();
	for (int r = 0; r < ROUNDS; r++) {
		unsigned n = 0;
		for (; n < BATCH; n++)
			if (!(p[n] = alloc_pages(km, gfp, order)))
				break;
		for (unsigned i = 0; i < n; i++)
			__free_pages(km, p[i], order);
		ops += 2ul * n;
	}
	report(name, ops, now() - t0);
}

static void bench_kmalloc(struct kmem *km, size_t size, const char *name)
{
	static uint32_t o[BATCH];
	unsigned long ops = 0;
	double t0 = now();
	for (int r = 0; r < ROUNDS; r++) {
		for (unsigned i = 0; i < BATCH; i++)
			o[i] = kmalloc(km, size, GFP_KERNEL);
		/* free in a different order than allocated, as real code does */
		for (unsigned i = 0; i < BATCH; i++)
			kfree(km, o[(i * 2654435761u) % BATCH]);
		ops += 2ul * BATCH;
	}
	report(name, ops, now() - t0);
}

static void bench_vmalloc(struct kmem *km)
{
	static uint32_t v[256];
	unsigned long ops = 0;
	double t0 = now();
	for (int r = 0; r < ROUNDS / 4; r++) {
		for (unsigned i = 0; i < 256; i++)
			v[i] = vmalloc(km, 4 * PAGE_SIZE);
		for (unsigned i = 0; i < 256; i++)
			vfree(km, v[i]);
		ops += 2 * 256;
	}
	report("vmalloc/vfree 4 pages", ops, now() - t0);
}

int main(void)
{
	struct physmem pm;
	static struct mmu mmu;
	static struct counters ctr;
	static struct kmem km;
	struct mm_params p;
	mm_params_default(&p, 1024ull << 20);
	struct tlb_config tc;
	tlb_config_default(&tc);
	if (physmem_init(&pm, p.ram_bytes, false) || mmu_init(&mmu, &pm, &tc, &ctr) ||
	    mm_init(&km, &pm, &mmu, &ctr, &p)) {
		fprintf(stderr, "kmem_bench: machine setup failed\n");
		return 1;
	}
	printf("kmem_bench: 1024 MB, 2-level, batches of %d, %d rounds\n", BATCH, ROUNDS);
	bench_buddy(&km, GFP_KERNEL, 0, "buddy order 0 (GFP_KERNEL)");
	bench_buddy(&km, GFP_HIGHUSER_MOVABLE, 0, "buddy order 0 (GFP_HIGHUSER_MOVABLE)");
	bench_buddy(&km, GFP_KERNEL, 3, "buddy order 3 (GFP_KERNEL)");
	bench_kmalloc(&km, 64, "kmalloc/kfree 64 B");
	bench_kmalloc(&km, 1024, "kmalloc/kfree 1 KB");
	bench_kmalloc(&km, 16384, "kmalloc/kfree 16 KB (page allocator)");
	bench_vmalloc(&km);
	mm_destroy(&km);
	mmu_destroy(&mmu);
	physmem_destroy(&pm);
	return 0;
}
