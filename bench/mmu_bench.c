/*
 * Translations per second through the MMU: the TLB-hit fast path (mmu_ptr), whole accesses
 * (mmu_read), a TLB miss that walks the tables, and the walk alone (no TLB modelled).
 * Wall-clock time is used only to report speed; the model itself never reads the clock.
 * Usage: mmu_bench [iterations-in-millions]   (default 20)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "hw/mmu.h"

#define PD 0x10000u
#define PT0 0x20000u      /* 16 page tables: 64 MB mapped */
#define LIN_BASE 0x08000000u
#define PHYS_BASE 0x1000000u
#define NPAGES (16u * 1024)

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void build_tables(struct physmem *pm)
{
	for (unsigned t = 0; t < 16; t++) {
		physmem_write(pm, PD + 4 * ((LIN_BASE >> 22) + t), (PT0 + 0x1000 * t) | 7, 4);
		for (unsigned i = 0; i < 1024; i++)
			physmem_write(pm, PT0 + 0x1000 * t + 4 * i,
				      (PHYS_BASE + ((t * 1024 + i) << 12)) | 7, 4);
	}
}

static int machine(struct physmem *pm, struct mmu *m, struct counters *ctr,
		   const struct tlb_config *cfg)
{
	if (physmem_init(pm, 256u << 20, false) || mmu_init(m, pm, cfg, ctr)) {
		fprintf(stderr, "mmu_bench: cannot set up the machine\n");
		return -1;
	}
	build_tables(pm);
	mmu_write_cr3(m, PD);
	mmu_write_cr0(m, CR0_PE | CR0_PG | CR0_WP);
	m->cpl = 3;
	return 0;
}

static void report(const char *what, uint64_t n, double secs, const struct counters *c)
{
	printf("%-44s %8.1f M translations/s  (%llu in %.3f s; tlb hits %llu, walks %llu)\n", what,
	       n / secs / 1e6, (unsigned long long)n, secs,
	       (unsigned long long)c->v[CTR_tlb_hits], (unsigned long long)c->v[CTR_page_walks]);
}

int main(int argc, char **argv)
{
	long millions = argc > 1 ? strtol(argv[1], NULL, 10) : 20;
	if (millions <= 0 || millions > 100000) {
		fprintf(stderr, "usage: mmu_bench [iterations-in-millions]\n");
		return 2;
	}
	uint64_t n = (uint64_t)millions * 1000000;
	static struct mmu m;
	struct physmem pm;
	struct counters ctr = {0};
	struct x86_exception ex;
	volatile uint32_t sink = 0;
	struct tlb_config cfg;
	tlb_config_default(&cfg);

	/* 1. TLB hits through mmu_ptr: 32 pages, well inside a 64-entry TLB */
	if (machine(&pm, &m, &ctr, &cfg))
		return 1;
	uint32_t acc = 0;
	double t0 = now();
	for (uint64_t i = 0; i < n; i++) {
		uint32_t lin = LIN_BASE + ((i & 31) << 12) + ((i * 4) & 0xffc);
		acc += *mmu_ptr(&m, lin, ACC_READ, &ex);
	}
	report("mmu_ptr, TLB hit (fast path)", n, now() - t0, &ctr);

	/* 2. whole 4-byte accesses through mmu_read (segment check + fast entry) */
	ctr = (struct counters){0};
	t0 = now();
	for (uint64_t i = 0; i < n; i++) {
		uint32_t v, off = LIN_BASE + ((i & 31) << 12) + ((i * 4) & 0xffc);
		mmu_read(&m, SR_DS, off, &v, 4, ACC_READ, &ex);
		acc += v;
	}
	report("mmu_read 4 bytes, TLB hit", n, now() - t0, &ctr);

	/* 3. mmu_translate on hits: the modelled TLB lookup without the fast table */
	ctr = (struct counters){0};
	t0 = now();
	for (uint64_t i = 0; i < n; i++) {
		phys_addr_t pa;
		mmu_translate(&m, LIN_BASE + ((i & 31) << 12), ACC_READ, true, &pa, &ex);
		acc += (uint32_t)pa;
	}
	report("mmu_translate, TLB hit (modelled lookup)", n, now() - t0, &ctr);
	mmu_destroy(&m);
	physmem_destroy(&pm);

	/* 4. TLB thrashed: 16384 pages cycled through a 64-entry TLB, every access walks */
	uint64_t nw = n / 4;
	ctr = (struct counters){0};
	if (machine(&pm, &m, &ctr, &cfg))
		return 1;
	t0 = now();
	for (uint64_t i = 0; i < nw; i++) {
		uint32_t lin = LIN_BASE + ((uint32_t)(i % NPAGES) << 12);
		acc += *mmu_ptr(&m, lin, ACC_READ, &ex);
	}
	report("mmu_ptr, TLB miss + walk + refill", nw, now() - t0, &ctr);
	mmu_destroy(&m);
	physmem_destroy(&pm);

	/* 5. no TLB modelled: every translation is a bare two-level walk */
	cfg.enabled = false;
	ctr = (struct counters){0};
	if (machine(&pm, &m, &ctr, &cfg))
		return 1;
	t0 = now();
	for (uint64_t i = 0; i < nw; i++) {
		phys_addr_t pa;
		mmu_translate(&m, LIN_BASE + ((uint32_t)(i % NPAGES) << 12), ACC_READ, true, &pa,
			      &ex);
		acc += (uint32_t)pa;
	}
	report("mmu_translate, no TLB (walk only)", nw, now() - t0, &ctr);
	mmu_destroy(&m);
	physmem_destroy(&pm);
	sink = acc;
	(void)sink;
	return 0;
}
