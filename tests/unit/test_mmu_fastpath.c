/*
 * "Statistics are exact": the same random program of accesses, PTE changes, INVLPGs, CR3
 * loads and privilege switches is run twice on identical machines, once through the fast
 * path (mmu_ptr) and once through mmu_translate alone. Every outcome (address or fault) and
 * every TLB statistic must agree, for each policy and several geometries, split and L2
 * included. A third run with no TLB modelled must agree on every outcome that does not
 * depend on TLB staleness (the program always INVLPGs after changing a PTE).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "hw/mmu.h"

#define PD 0x10000u
#define PT 0x11000u /* 4 page tables: PDEs 0..3 */
#define PD_LARGE 4u  /* PDE 4 maps a 4 MB page */
#define NPAGES (4u * 1024)

struct machine {
	struct physmem pm;
	struct mmu m;
	struct counters ctr;
};

static void machine_init(struct machine *mc, const struct tlb_config *cfg)
{
	memset(&mc->ctr, 0, sizeof(mc->ctr));
	assert_int_equal(physmem_init(&mc->pm, 64u << 20, false), 0);
	assert_int_equal(mmu_init(&mc->m, &mc->pm, cfg, &mc->ctr), 0);
	for (unsigned t = 0; t < 4; t++)
		physmem_write(&mc->pm, PD + 4 * t, (PT + 0x1000 * t) | 7, 4);
	physmem_write(&mc->pm, PD + 4 * PD_LARGE, 0x1000000 | PTE_PS | PTE_G | 7, 4);
	for (unsigned i = 0; i < NPAGES; i++)
		physmem_write(&mc->pm, PT + 4 * i, (0x400000 + (i << 12)) | 7 | (i % 5 == 0 ? PTE_G : 0),
			      4);
	mmu_write_cr4(&mc->m, CR4_PSE | CR4_PGE);
	mmu_write_cr3(&mc->m, PD);
	mmu_write_cr0(&mc->m, CR0_PE | CR0_PG | CR0_WP);
}

static void machine_free(struct machine *mc)
{
	mmu_destroy(&mc->m);
	physmem_destroy(&mc->pm);
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

enum path { VIA_PTR, VIA_TRANSLATE };

/* Runs the program; returns a hash of every outcome. */
static uint64_t run(struct machine *mc, enum path how, uint64_t seed, unsigned steps)
{
	uint64_t s = seed, h = 1469598103934665603ull;
	for (unsigned i = 0; i < steps; i++) {
		uint64_t r = rng_next(&s);
		unsigned op = r % 100;
		/* a working set with locality, plus the large page */
		uint32_t page = (uint32_t)((r >> 8) % 10 < 8 ? (r >> 16) % 96 : (r >> 16) % NPAGES);
		uint32_t lin = (page << 12) | (uint32_t)((r >> 40) & 0xffc);
		if ((r >> 30) % 16 == 0)
			lin = (PD_LARGE << 22) | (uint32_t)((r >> 34) & 0x3ffffc);
		if (op < 2) {
			/* the kernel changes a PTE's rights, then INVLPGs as it must */
			uint32_t p = (uint32_t)(r >> 20) % 96;
			uint32_t flags = 1 | (uint32_t)((r >> 50) & 6);
			physmem_write(&mc->pm, PT + 4 * p, (0x400000 + (p << 12)) | flags, 4);
			mmu_invlpg(&mc->m, p << 12);
			continue;
		}
		if (op < 3) {
			mmu_write_cr3(&mc->m, PD);
			continue;
		}
		if (op < 8) {
			mc->m.cpl = mc->m.cpl ? 0 : 3;
			continue;
		}
		enum mmu_access acc = op < 60 ? ACC_READ : op < 85 ? ACC_WRITE : ACC_FETCH;
		struct x86_exception ex = {0};
		uint64_t outcome;
		if (how == VIA_PTR) {
			uint8_t *p = mmu_ptr(&mc->m, lin, acc, &ex);
			outcome = p ? (uint64_t)(p - mc->pm.host) : 0x100000000ull | ex.error_code;
		} else {
			phys_addr_t pa;
			int rc = mmu_translate(&mc->m, lin, acc, mc->m.cpl == 3, &pa, &ex);
			outcome = rc == 0 ? pa : 0x100000000ull | ex.error_code;
		}
		h = (h ^ outcome) * 1099511628211ull;
	}
	return h;
}

/* Every fast slot that mirrors a large-page entry is on that entry's list exactly once, and
 * the lists hold nothing else: what lets a large entry's drop visit only its own slots. */
static void check_large_lists(struct mmu *m)
{
	struct mmu_fast *base = &m->fast[0][0][0];
	unsigned n = 3 * 2 * MMU_FAST_SIZE, linked = 0, listed = 0;
	static uint8_t seen[3 * 2 * MMU_FAST_SIZE];
	memset(seen, 0, sizeof seen);
	for (unsigned s = 0; s < n; s++) {
		struct tlb_entry *e = base[s].tlbe;
		assert_int_equal(m->fast_large[s], e && e->page_shift != 12);
		if (!e || e->page_shift == 12)
			continue;
		linked++;
		if (seen[s])
			continue;
		unsigned prev = 0;
		for (unsigned l = e->fast_head; l; prev = l, l = m->fast_next[l - 1]) {
			assert_true(l <= n);
			assert_ptr_equal(base[l - 1].tlbe, e);
			assert_int_equal(m->fast_prev[l - 1], prev);
			assert_int_equal(seen[l - 1], 0);
			seen[l - 1] = 1;
			listed++;
		}
		assert_int_equal(seen[s], 1);
	}
	assert_int_equal(listed, linked);
}

static void compare(const struct tlb_config *cfg, uint64_t seed)
{
	static struct machine a, b;
	machine_init(&a, cfg);
	machine_init(&b, cfg);
	uint64_t ha = run(&a, VIA_PTR, seed, 60000);
	uint64_t hb = run(&b, VIA_TRANSLATE, seed, 60000);
	assert_int_equal(ha, hb);
	check_large_lists(&a.m);
	struct tlb *ta[3] = {a.m.dtlb, a.m.itlb, a.m.l2tlb}, *tb[3] = {b.m.dtlb, b.m.itlb, b.m.l2tlb};
	for (int i = 0; i < 3; i++) {
		if (!ta[i])
			continue;
		const struct tlb_stats *x = tlb_get_stats(ta[i]), *y = tlb_get_stats(tb[i]);
		assert_int_equal(x->lookups, y->lookups);
		assert_int_equal(x->hits, y->hits);
		assert_int_equal(x->misses, y->misses);
		assert_int_equal(x->evictions, y->evictions);
		assert_int_equal(x->flushes, y->flushes);
		assert_int_equal(x->invlpg, y->invlpg);
	}
	static const enum counter_id ids[] = {CTR_tlb_lookups, CTR_tlb_hits, CTR_tlb_misses,
					      CTR_tlb_evictions, CTR_page_walks, CTR_ad_updates,
					      CTR_page_faults_hw};
	for (unsigned i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (a.ctr.v[ids[i]] != b.ctr.v[ids[i]])
			fail_msg("%s: fast path %llu, translate %llu", counter_info[ids[i]].name,
				 (unsigned long long)a.ctr.v[ids[i]],
				 (unsigned long long)b.ctr.v[ids[i]]);
	/* the program exercised hits, misses and evictions */
	assert_true(a.ctr.v[CTR_tlb_hits] > 400);
	assert_true(a.ctr.v[CTR_tlb_evictions] > 100);
	assert_true(a.ctr.v[CTR_page_faults_hw] > 10);
	/* and the TLB made no difference to any outcome */
	struct tlb_config off = *cfg;
	off.enabled = false;
	static struct machine c;
	machine_init(&c, &off);
	assert_int_equal(run(&c, VIA_PTR, seed, 60000), ha);
	machine_free(&c);
	machine_free(&a);
	machine_free(&b);
}

static void fast_path_statistics_are_exact(void **state)
{
	(void)state;
	static const struct tlb_geometry geo[] = {{64, 4}, {1, 1}, {16, 1}, {48, 3}, {32, 32}};
	for (unsigned g = 0; g < sizeof(geo) / sizeof(geo[0]); g++)
		for (int p = 0; p < 3; p++) {
			struct tlb_config cfg;
			tlb_config_default(&cfg);
			cfg.l1 = geo[g];
			cfg.policy = (enum tlb_policy)p;
			cfg.seed = 99 + g;
			compare(&cfg, 0x1234567 + g * 3 + (unsigned)p);
		}
}

static void fast_path_statistics_are_exact_split_l2(void **state)
{
	(void)state;
	for (int p = 0; p < 3; p++) {
		struct tlb_config cfg;
		tlb_config_default(&cfg);
		cfg.split = true;
		cfg.l1 = (struct tlb_geometry){16, 4};
		cfg.l1i = (struct tlb_geometry){8, 2};
		cfg.l2 = (struct tlb_geometry){96, 6};
		cfg.policy = (enum tlb_policy)p;
		compare(&cfg, 777 + (unsigned)p);
	}
}

static void machine_init_no_tlb(struct machine *mc)
{
	struct tlb_config off;
	tlb_config_default(&off);
	off.enabled = false;
	machine_init(mc, &off);
}

/* Read through the fast path: the physical address, or ~0 on a fault. */
static uint64_t read_pa(struct machine *mc, uint32_t lin)
{
	struct x86_exception ex = {0};
	uint8_t *p = mmu_ptr(&mc->m, lin, ACC_READ, &ex);
	return p ? (uint64_t)(p - mc->pm.host) : ~0ull;
}

/* With no TLB modelled the fast table is the only cache of translations: an INVLPG drops
 * what caches its page (one slot per access kind) and keeps the rest, unless the page may
 * lie in a large page, whose 4 KB slices are spread over the whole table. */
static void no_tlb_invlpg_drops_its_page(void **state)
{
	(void)state;
	static struct machine c;
	machine_init_no_tlb(&c);
	const uint32_t a = 1u << 12, b = 2u << 12;
	assert_int_equal(read_pa(&c, a), 0x401000);
	assert_int_equal(read_pa(&c, b), 0x402000);
	uint64_t walks = c.ctr.v[CTR_page_walks];
	physmem_write(&c.pm, PT + 4, 0x800000 | 7, 4);
	mmu_invlpg(&c.m, a);
	assert_int_equal(read_pa(&c, b), 0x402000); /* still cached: no walk */
	assert_int_equal(c.ctr.v[CTR_page_walks], walks);
	assert_int_equal(read_pa(&c, a), 0x800000); /* dropped: walked, new frame */
	assert_int_equal(c.ctr.v[CTR_page_walks], walks + 1);
	/* two slices of the large page, far apart in the table */
	const uint32_t big = PD_LARGE << 22;
	assert_int_equal(read_pa(&c, big + 0x5000), 0x1005000);
	assert_int_equal(read_pa(&c, big + 0x3ff000), 0x13ff000);
	physmem_write(&c.pm, PD + 4 * PD_LARGE, 0x1400000 | PTE_PS | 7, 4);
	mmu_invlpg(&c.m, big + 0x100000);
	assert_int_equal(read_pa(&c, big + 0x3ff000), 0x17ff000);
	assert_int_equal(read_pa(&c, big + 0x5000), 0x1405000);
	/* a CR3 load empties the table and forgets the large pages: back to one page */
	mmu_write_cr3(&c.m, PD);
	assert_int_equal(read_pa(&c, b), 0x402000);
	walks = c.ctr.v[CTR_page_walks];
	mmu_invlpg(&c.m, a);
	assert_int_equal(read_pa(&c, b), 0x402000);
	assert_int_equal(c.ctr.v[CTR_page_walks], walks);
	machine_free(&c);
}

/* With no TLB modelled a write slot always comes with the read slot of its page (mmu.c's
 * fast_pair_read_write): what lets compiled code serve a read from a kept write slot with
 * the interpreter's counts. */
static void check_pairs(const struct mmu *m)
{
	for (unsigned u = 0; u < 2; u++)
		for (unsigned i = 0; i < MMU_FAST_SIZE; i++) {
			const struct mmu_fast *w = &m->fast[ACC_WRITE][u][i];
			const struct mmu_fast *r = &m->fast[ACC_READ][u][i];
			if (w->tag == MMU_FAST_INVALID)
				continue;
			assert_int_equal(r->tag, w->tag);
			assert_true(r->addend == w->addend);
		}
}

static void no_tlb_write_slot_implies_read_slot(void **state)
{
	(void)state;
	static struct machine c;
	machine_init_no_tlb(&c);
	/* a write installs both slots: the read that follows does not walk */
	const uint32_t a = 5u << 12, b = a + (MMU_FAST_SIZE << 12); /* b: a's index */
	struct x86_exception ex = {0};
	assert_non_null(mmu_ptr(&c.m, a, ACC_WRITE, &ex));
	uint64_t walks = c.ctr.v[CTR_page_walks];
	assert_int_equal(read_pa(&c, a), 0x405000);
	assert_int_equal(c.ctr.v[CTR_page_walks], walks);
	check_pairs(&c.m);
	/* b shares the index, and b's read takes a's write slot with a's read slot */
	assert_int_equal(read_pa(&c, b), 0x400000 + ((MMU_FAST_SIZE + 5) << 12));
	assert_int_equal(c.m.fast[ACC_WRITE][0][5].tag, MMU_FAST_INVALID);
	check_pairs(&c.m);
	/* and the invariant holds through the random program, checked along the way */
	for (unsigned k = 0; k < 30; k++) {
		run(&c, VIA_PTR, 0xabc + k, 2000);
		check_pairs(&c.m);
	}
	machine_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(fast_path_statistics_are_exact),
	    cmocka_unit_test(fast_path_statistics_are_exact_split_l2),
	    cmocka_unit_test(no_tlb_write_slot_implies_read_slot),
	    cmocka_unit_test(no_tlb_invlpg_drops_its_page),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
