/* Transparent huge pages, 2-level (4 MB) and PAE (2 MB): a write fault maps one PS PDE, the
 * MMU translates through it with one TLB entry, a partial munmap splits it and frees just
 * the unmapped pages, mprotect of the whole huge page keeps it huge, teardown returns every
 * page to the buddy allocator, MADV_NOHUGEPAGE and --thp=never keep 4 KB pages; fork shares
 * the huge page through a write-protected huge PDE in both (copy_huge_pmd), and a write takes
 * it back whole when no one else maps it or splits the writer's PDE and copies 4 KB. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hw/tlb.h"
#include "kernel/machine.h"
#include "kernel/mm/memory.h"
#include "kernel/mm/mman.h"
#include "kernel/mm/mmap.h"
#include "kernel/mm/pgtable.h"
#include "test_mm_fixture.h"

struct fx {
	struct machine *m;
	struct task *t;
	struct kmem *km;
	uint32_t huge;	    /* bytes of a huge page */
	unsigned nr, order; /* 4 KB pages in it, its buddy order */
};

static int fx_setup(void **state, bool pae, enum thp_mode mode)
{
	struct fx *f = calloc(1, sizeof *f);
	struct machine_config c;
	machine_config_default(&c);
	c.ram_bytes = 64u << 20;
	c.pae = pae;
	f->m = mm_fixture_create(&c, mode);
	if (!f->m)
		return -1;
	f->t = &f->m->task;
	f->km = f->t->km;
	f->huge = pae ? 2u << 20 : 4u << 20;
	f->nr = f->huge >> 12;
	f->order = pae ? 9 : 10;
	*state = f;
	return 0;
}

static int setup_2level(void **state)
{
	return fx_setup(state, false, THP_ALWAYS);
}
static int setup_pae(void **state)
{
	return fx_setup(state, true, THP_ALWAYS);
}
static int setup_never(void **state)
{
	return fx_setup(state, false, THP_NEVER);
}

static int teardown(void **state)
{
	struct fx *f = *state;
	mm_fixture_destroy(f->m);
	free(f);
	return 0;
}

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

/* An anonymous mapping holding exactly one aligned huge page: its start. */
static uint32_t map_aligned(struct fx *f)
{
	struct mm_struct *mm = f->t->mm;
	uint32_t raw = (uint32_t)do_mmap(mm, 0, 3 * f->huge, RW, ANON, NULL, 0);
	assert_true(raw < 0xC0000000u);
	uint32_t p = (raw + f->huge - 1) & ~(f->huge - 1);
	if (p > raw)
		assert_int_equal(do_munmap(mm, raw, p - raw), 0);
	assert_int_equal(do_munmap(mm, p + f->huge, raw + 3 * f->huge - (p + f->huge)), 0);
	return p;
}

static uint64_t nr_free_order(struct fx *f, unsigned order)
{
	uint64_t n = 0;
	for (int z = 0; z < MAX_NR_ZONES; z++)
		n += f->km->zones[z].free_area[order].nr_free;
	return n;
}

static struct fault_outcome fault(struct fx *f, uint32_t addr, uint32_t err)
{
	struct fault_outcome o;
	do_user_addr_fault(f->t, addr, err | PF_U, &o);
	return o;
}

static void test_huge_fault(void **state)
{
	struct fx *f = *state;
	struct mm_struct *mm = f->t->mm;
	uint32_t p = map_aligned(f);
	uint64_t free0 = global_free_pages(f->km), huge0 = nr_free_order(f, f->order);
	uint64_t flt0 = f->t->min_flt, thps0 = f->km->stat[NR_ANON_THPS];
	assert_int_equal(fault(f, p + 12345, PF_W).sig, 0);
	assert_int_equal(f->t->min_flt - flt0, 1);
	uint64_t pmd;
	assert_int_equal(pmd_get(f->km, mm->pgd, p, &pmd), 0);
	assert_true(pmd_trans_huge(pmd));
	assert_true(pmd & PTE_RW);
	assert_true(pmd & PTE_US);
	assert_true(pmd & PTE_D);
	uint64_t base = pte_pfn(pmd);
	assert_int_equal(base % f->nr, 0);
	/* pte_get reads through the huge PDE without splitting it */
	uint64_t pte;
	assert_int_equal(pte_get(f->km, mm->pgd, p + 5 * 4096, &pte), 0);
	assert_int_equal(pte_pfn(pte), base + 5);
	assert_true(pte & PTE_P);
	assert_false(pte & PTE_PS);
	assert_int_equal(pmd_get(f->km, mm->pgd, p, &pmd), 0);
	assert_true(pmd_trans_huge(pmd));
	assert_int_equal(f->km->stat[NR_ANON_THPS] - thps0, f->nr);
	assert_int_equal(mm->rss_anon, f->nr);
	/* the huge page and its deposited page table */
	assert_int_equal(free0 - global_free_pages(f->km), f->nr + 1);
	assert_int_equal(huge0 - nr_free_order(f, f->order), 1);

	/* the MMU: one TLB entry of the huge page's size serves the whole range */
	struct x86_exception ex;
	phys_addr_t pa;
	assert_int_equal(mmu_translate(&f->m->mmu, p + 0x12345, ACC_WRITE, true, &pa, &ex), 0);
	assert_int_equal(pa, (base << 12) + 0x12345);
	struct tlb_entry *e = tlb_peek(f->m->mmu.dtlb, p + 0x12345, f->m->mmu.asid);
	assert_non_null(e);
	assert_int_equal(e->page_shift, f->order + 12);
	unsigned valid = tlb_valid_entries(f->m->mmu.dtlb);
	uint32_t far = p + f->huge - 8;
	assert_int_equal(mmu_translate(&f->m->mmu, far, ACC_WRITE, true, &pa, &ex), 0);
	assert_int_equal(pa, (base << 12) + f->huge - 8);
	assert_int_equal(tlb_valid_entries(f->m->mmu.dtlb), valid);
	uint32_t v = 0xC0FFEE;
	assert_int_equal(mmu_write_linear(&f->m->mmu, p + 20 * 4096, &v, 4, true, &ex), 0);

	/* mprotect of the whole huge page keeps one PS PDE, read-only */
	assert_int_equal(do_mprotect(mm, p, f->huge, PROT_READ), 0);
	assert_int_equal(pmd_get(f->km, mm->pgd, p, &pmd), 0);
	assert_true(pmd_trans_huge(pmd));
	assert_false(pmd & PTE_RW);
	assert_int_equal(do_mprotect(mm, p, f->huge, RW), 0);

	/* munmap of 16 pages splits: the rest stays mapped to the same frames, 16 are freed */
	uint64_t free1 = global_free_pages(f->km);
	uint64_t pt0 = f->km->stat[NR_PAGETABLE];
	assert_int_equal(do_munmap(mm, p, 16 * 4096), 0);
	assert_int_equal(pmd_get(f->km, mm->pgd, p, &pmd), 0);
	assert_true(pmd & PTE_P);
	assert_false(pmd & PTE_PS);
	assert_int_equal(f->km->stat[NR_PAGETABLE], pt0); /* the deposited table took over */
	assert_int_equal(pte_get(f->km, mm->pgd, p, &pte), 0);
	assert_int_equal(pte, 0);
	assert_int_equal(pte_get(f->km, mm->pgd, p + 16 * 4096, &pte), 0);
	assert_int_equal(pte_pfn(pte), base + 16);
	assert_int_equal(f->km->stat[NR_ANON_THPS], thps0);
	assert_int_equal(mm->rss_anon, f->nr - 16);
	assert_int_equal(global_free_pages(f->km) - free1, 16);
	uint32_t r = 0;
	assert_int_equal(mmu_read_linear(&f->m->mmu, p + 20 * 4096, &r, 4, ACC_READ, true, &ex), 0);
	assert_int_equal(r, 0xC0FFEE);
	/* the unmapped part no longer translates (no stale huge TLB entry) */
	assert_int_equal(mmu_translate(&f->m->mmu, p + 8, ACC_READ, true, &pa, &ex), -1);
	assert_int_equal(fault(f, p, PF_W).sig, SIGSEGV);

	/* unmapping the rest gives back every page and the page table: the huge block is
	 * whole again in the buddy allocator. Nothing else is mapped, so under PAE the GB's
	 * PMD goes too (Linux's free_pmd_range), one page more than before the fault. */
	assert_int_equal(mm_vma_count(mm), 1);
	assert_int_equal(do_munmap(mm, p + 16 * 4096, f->huge - 16 * 4096), 0);
	bool pae = f->km->params.pae;
	assert_int_equal(global_free_pages(f->km), free0 + (pae ? 1 : 0));
	if (pae)
		assert_int_equal(physmem_read(f->km->pm, mm->pgd + (p >> 30) * 8, 8), 0);
	assert_int_equal(nr_free_order(f, f->order), huge0);
	assert_int_equal(mm->rss_anon, 0);
}

/* Exit with a huge page still mapped: mmput frees it at once. */
static void test_exit_frees(void **state)
{
	struct fx *f = *state;
	struct mm_struct *mm = f->t->mm;
	uint32_t p = map_aligned(f);
	uint64_t huge0 = nr_free_order(f, f->order);
	uint64_t anon0 = f->km->stat[NR_ANON_PAGES], pt0 = f->km->stat[NR_PAGETABLE];
	assert_int_equal(fault(f, p + f->huge - 1, PF_W).sig, 0);
	assert_int_equal(f->km->stat[NR_PAGETABLE] - pt0, 1);	 /* deposited, as Linux */
	assert_int_equal(fault(f, p - 4096, PF_W).sig, SIGSEGV); /* outside: nothing */
	uint64_t pmd;
	assert_int_equal(pmd_get(f->km, mm->pgd, p, &pmd), 0);
	assert_true(pmd_trans_huge(pmd));
	assert_int_equal(f->km->stat[NR_ANON_PAGES] - anon0, f->nr);
	mmput(mm);
	f->t->mm = NULL;
	assert_int_equal(f->km->stat[NR_ANON_THPS], 0);
	assert_int_equal(f->km->stat[NR_ANON_PAGES], anon0);
	assert_true(nr_free_order(f, f->order) >= huge0);
}

/* A mapping too small for an aligned huge page, MADV_NOHUGEPAGE, and read faults keep
 * 4 KB pages. */
static void test_no_huge(void **state)
{
	struct fx *f = *state;
	struct mm_struct *mm = f->t->mm;
	uint64_t pmd;
	uint32_t p = map_aligned(f);
	assert_int_equal(vma_modify_flags(mm, p, p + f->huge, VM_NOHUGEPAGE, VM_HUGEPAGE), 0);
	assert_int_equal(fault(f, p, PF_W).sig, 0);
	assert_int_equal(pmd_get(f->km, mm->pgd, p, &pmd), 0);
	assert_false(pmd & PTE_PS);
	assert_int_equal(mm->rss_anon, 1);
	uint32_t q = map_aligned(f);
	assert_int_equal(fault(f, q, 0).sig, 0);
	assert_int_equal(pmd_get(f->km, mm->pgd, q, &pmd), 0);
	assert_false(pmd & PTE_PS);
	assert_int_equal(do_munmap(mm, q + 4096, f->huge - 4096), 0);
	assert_int_equal(fault(f, q, PF_W | PF_P).sig, 0);
	assert_int_equal(pmd_get(f->km, mm->pgd, q, &pmd), 0);
	assert_false(pmd & PTE_PS);
	assert_int_equal(f->km->stat[NR_ANON_THPS], 0);
}

/* No free huge block: thp_fault_fallback, and the fault takes a 4 KB page. */
static void test_fallback(void **state)
{
	struct fx *f = *state;
	struct mm_struct *mm = f->t->mm;
	uint32_t p = map_aligned(f);
	struct page *held[64];
	unsigned n = 0;
	int err0 = f->km->last_error;
	while (n < 64 && (held[n] = alloc_pages(f->km, GFP_HIGHUSER_MOVABLE, f->order)))
		n++;
	assert_true(n < 64);
	f->km->last_error = err0;
	uint64_t fb0 = f->m->ctr.v[CTR_thp_fault_fallback];
	assert_int_equal(fault(f, p, PF_W).sig, 0);
	uint64_t pmd;
	assert_int_equal(pmd_get(f->km, mm->pgd, p, &pmd), 0);
	assert_false(pmd & PTE_PS);
	assert_int_equal(mm->rss_anon, 1);
	assert_int_equal(f->m->ctr.v[CTR_thp_fault_fallback] - fb0, 1);
	assert_int_equal(f->km->last_error, err0); /* a fallback is no error */
	while (n)
		__free_pages(f->km, held[--n], f->order);
}

static struct page *head_of(struct fx *f, uint64_t pmd)
{
	return pfn_to_page(f->km, pte_pfn(pmd));
}

/* fork: one huge page, two write-protected huge PDEs, AnonHugePages counted once; when the
 * child is gone the parent's write makes its PDE writable again, still huge. */
static void test_fork_shares(void **state)
{
	struct fx *f = *state;
	struct mm_struct *mm = f->t->mm;
	uint32_t p = map_aligned(f);
	assert_int_equal(fault(f, p, PF_W).sig, 0);
	uint64_t thps0 = f->km->stat[NR_ANON_THPS], pmd, cpmd;
	int err = 0;
	struct mm_struct *c = dup_mm(f->t, mm, &err);
	assert_non_null(c);
	assert_int_equal(pmd_get(f->km, mm->pgd, p, &pmd), 0);
	assert_int_equal(pmd_get(f->km, c->pgd, p, &cpmd), 0);
	assert_true(pmd_trans_huge(pmd) && pmd_trans_huge(cpmd));
	assert_false(pmd & PTE_RW);
	assert_false(cpmd & PTE_RW);
	assert_false(cpmd & PTE_A);
	assert_int_equal(pte_pfn(pmd), pte_pfn(cpmd));
	assert_int_equal(f->km->stat[NR_ANON_THPS], thps0);
	assert_int_equal(c->rss_anon, f->nr);
	struct page *h = head_of(f, pmd);
	assert_int_equal(h->compound_mapcount, 2);
	assert_int_equal(h[7]._mapcount, 1);
	assert_int_equal(h[7]._refcount, 2);
	mmput(c);
	assert_int_equal(h->compound_mapcount, 1);
	assert_int_equal(h[7]._refcount, 1);
	assert_int_equal(f->km->stat[NR_ANON_THPS], thps0);
	uint64_t flt0 = f->t->min_flt;
	assert_int_equal(fault(f, p + 5 * 4096, PF_W | PF_P).sig, 0);
	assert_int_equal(f->t->min_flt - flt0, 1);
	assert_int_equal(pmd_get(f->km, mm->pgd, p, &pmd), 0);
	assert_true(pmd_trans_huge(pmd));
	assert_true(pmd & PTE_RW);
	assert_int_equal(f->km->stat[NR_ANON_THPS], thps0);
}

/* A write while the other process still maps the page: the writer's PDE is split and the
 * written 4 KB copied; the page stays huge in the other, counted until that goes too. */
static void test_fork_split(void **state)
{
	struct fx *f = *state;
	struct mm_struct *mm = f->t->mm;
	uint32_t p = map_aligned(f);
	assert_int_equal(fault(f, p, PF_W).sig, 0);
	uint64_t thps0 = f->km->stat[NR_ANON_THPS], pmd, cpmd, pte;
	int err = 0;
	struct mm_struct *c = dup_mm(f->t, mm, &err);
	assert_non_null(c);
	assert_int_equal(pmd_get(f->km, mm->pgd, p, &pmd), 0);
	uint64_t base = pte_pfn(pmd);
	uint64_t split0 = f->m->ctr.v[CTR_thp_split_pmd];
	assert_int_equal(fault(f, p + 5 * 4096, PF_W | PF_P).sig, 0);
	assert_int_equal(f->m->ctr.v[CTR_thp_split_pmd] - split0, 1);
	assert_int_equal(pmd_get(f->km, mm->pgd, p, &pmd), 0);
	assert_false(pmd & PTE_PS);
	assert_int_equal(pte_get(f->km, mm->pgd, p + 5 * 4096, &pte), 0);
	assert_true(pte & PTE_RW);
	assert_int_not_equal(pte_pfn(pte), base + 5);
	assert_int_equal(pte_get(f->km, mm->pgd, p + 6 * 4096, &pte), 0);
	assert_false(pte & PTE_RW);
	assert_int_equal(pte_pfn(pte), base + 6);
	assert_int_equal(pmd_get(f->km, c->pgd, p, &cpmd), 0);
	assert_true(pmd_trans_huge(cpmd));
	assert_int_equal(f->km->stat[NR_ANON_THPS], thps0);
	struct page *h = pfn_to_page(f->km, base);
	assert_int_equal(h[5]._mapcount, 0);
	assert_int_equal(h[6]._mapcount, 1);
	mmput(c);
	assert_int_equal(f->km->stat[NR_ANON_THPS], thps0 - f->nr);
	assert_int_equal(h->compound_mapcount, 0);
	assert_int_equal(h[5]._refcount, 0);
	assert_int_equal(h[6]._mapcount, 0);
}

static void test_never(void **state)
{
	struct fx *f = *state;
	struct mm_struct *mm = f->t->mm;
	uint32_t p = map_aligned(f);
	assert_int_equal(fault(f, p, PF_W).sig, 0);
	uint64_t pmd;
	assert_int_equal(pmd_get(f->km, mm->pgd, p, &pmd), 0);
	assert_false(pmd & PTE_PS);
	assert_int_equal(mm->rss_anon, 1);
}

/* hugepage_init: THP is off on a machine with less than 512 MB (MemTotal), unless set. */
static void test_boot_mode(void **state)
{
	(void)state;
	static const struct {
		uint64_t mb;
		bool set;
		enum thp_mode want;
	} cases[] = {{64, false, THP_NEVER},
		     {512, false, THP_NEVER},
		     {560, false, THP_ALWAYS},
		     {64, true, THP_MADVISE}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct machine *m = calloc(1, sizeof *m);
		struct machine_config c;
		char err[256];
		machine_config_default(&c);
		c.ram_bytes = cases[i].mb << 20;
		c.thp_set = cases[i].set;
		c.thp = THP_MADVISE;
		assert_int_equal(machine_create(m, &c, err, sizeof err), 0);
		assert_int_equal(m->cfg.thp, cases[i].want);
		machine_destroy(m);
		free(m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    {"huge_fault_2level", test_huge_fault, setup_2level, teardown, NULL},
	    {"huge_fault_pae", test_huge_fault, setup_pae, teardown, NULL},
	    {"exit_frees_2level", test_exit_frees, setup_2level, teardown, NULL},
	    {"exit_frees_pae", test_exit_frees, setup_pae, teardown, NULL},
	    {"no_huge_2level", test_no_huge, setup_2level, teardown, NULL},
	    {"no_huge_pae", test_no_huge, setup_pae, teardown, NULL},
	    {"fallback_2level", test_fallback, setup_2level, teardown, NULL},
	    {"fallback_pae", test_fallback, setup_pae, teardown, NULL},
	    {"fork_shares_2level", test_fork_shares, setup_2level, teardown, NULL},
	    {"fork_shares_pae", test_fork_shares, setup_pae, teardown, NULL},
	    {"fork_split_2level", test_fork_split, setup_2level, teardown, NULL},
	    {"fork_split_pae", test_fork_split, setup_pae, teardown, NULL},
	    {"thp_never", test_never, setup_never, teardown, NULL},
	    {"boot_mode", test_boot_mode, NULL, NULL, NULL},
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
