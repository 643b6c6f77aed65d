/* Swap for shmem pages (src/kernel/mm/shmem.c): a shared mapping of a shmem object is
 * reclaimed to swap through rmap (every PTE cleared, the object keeps the swap entry), read
 * back as major faults through the swap cache and readahead with its slot freed at once,
 * freed with the object, brought back by swapoff; a locked object's pages go to the
 * unevictable list and come back when unlocked. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/machine.h"
#include "kernel/mm/filemap.h"
#include "kernel/mm/memory.h"
#include "kernel/mm/mman.h"
#include "kernel/mm/mmap.h"
#include "kernel/mm/pgtable.h"
#include "kernel/mm/reclaim_policy.h"
#include "kernel/mm/shmem.h"
#include "kernel/mm/swap.h"
#include "kernel/uaccess.h"

static struct machine *m;
static struct task *t;

static int boot(bool pae)
{
	struct machine_config c;
	machine_config_default(&c);
	c.ram_bytes = 64u << 20;
	c.pae = pae;
	c.swap_bytes = 8u << 20;
	c.reclaim_policy = RECLAIM_LINUX;
	c.thp = THP_NEVER;
	m = calloc(1, sizeof *m);
	char err[256];
	if (machine_create(m, &c, err, sizeof err)) {
		fprintf(stderr, "machine_create: %s\n", err);
		return -1;
	}
	t = &m->task;
	for (int i = 0; i < VMLAB_RLIM_NLIMITS; i++)
		t->rlim[i].cur = t->rlim[i].max = ~0ull;
	struct mm_layout_config lc = {.task_size = 0xC0000000u,
				      .overcommit_ratio = 50,
				      .fault_around_bytes = 65536,
				      .thp = THP_NEVER};
	t->mm = mm_alloc(t, &lc);
	if (!t->mm || mm_alloc_pgd(t->mm))
		return -1;
	mmu_write_cr3(&m->mmu, (uint32_t)t->mm->pgd);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return boot(false);
}

static int setup_pae(void **state)
{
	(void)state;
	return boot(true);
}

static int teardown(void **state)
{
	(void)state;
	machine_destroy(m);
	free(m);
	return 0;
}

#define RW (PROT_READ | PROT_WRITE)
#define N 16

static struct vm_file *shmem_object(void)
{
	int err = 0;
	struct vm_file *f = vm_file_shmem(t->page_cache, N * 4096, &err);
	assert_non_null(f);
	return f;
}

static uint32_t map(struct vm_file *f)
{
	long a = do_mmap(t->mm, 0, N * 4096, RW, MAP_SHARED, f, 0); /* takes its own reference */
	assert_true(a > 0);
	return (uint32_t)a;
}

static void write_pages(uint32_t a)
{
	for (uint32_t i = 0; i < N; i++) {
		uint32_t v = 0x7000 + i;
		assert_int_equal(copy_to_user(t, a + i * 4096 + 12, &v, 4), 0);
	}
}

static void check_pages(uint32_t a)
{
	for (uint32_t i = 0; i < N; i++) {
		uint32_t v = 0;
		assert_int_equal(get_user_u32(t, a + i * 4096 + 12, &v), 0);
		assert_int_equal(v, 0x7000 + i);
	}
}

static uint64_t reclaim_all(void)
{
	uint64_t total = 0, got;
	while ((got = shrink_node(&m->km, 1u << 20, false)))
		total += got;
	return total;
}

static void counts(struct vm_file *f, uint64_t *rss, uint64_t *swapped)
{
	shmem_page_counts(f, 0, N, rss, swapped);
}

/* Two mappings of one object (as after fork, or a segment attached twice): reclaim clears
 * both PTEs of each page and the object keeps the entry; no swap PTE anywhere. */
static void test_out_and_back(void **state)
{
	(void)state;
	struct kmem *km = &m->km;
	struct mm_struct *mm = t->mm;
	struct vm_file *f = shmem_object();
	uint32_t a = map(f), b = map(f);
	write_pages(a);
	check_pages(b);
	uint64_t rss, sw;
	counts(f, &rss, &sw);
	assert_int_equal(rss, N);
	assert_int_equal(km->stat[NR_SHMEM], N);
	/* swap-backed: the anonymous lists */
	assert_int_equal(km->stat[NR_INACTIVE_ANON] + km->stat[NR_ACTIVE_ANON], N);
	assert_int_equal(mm->rss_shmem, 2 * N);
	assert_true(reclaim_all() >= N);
	assert_int_equal(mm_pte(mm, a), 0);
	assert_int_equal(mm_pte(mm, b + 4096), 0);
	assert_int_equal(mm->rss_shmem, 0);
	assert_int_equal(mm->swapents, 0);
	assert_int_equal(km->stat[NR_SHMEM], 0);
	assert_int_equal(km->stat[NR_SWAPCACHE], 0);
	assert_int_equal(m->ctr.v[CTR_pswpout], N); /* each page written once, not per mapping */
	counts(f, &rss, &sw);
	assert_int_equal(rss, 0);
	assert_int_equal(sw, N);
	assert_int_equal(total_swap_pages(km) - nr_swap_pages(km), N);
	assert_int_equal(mincore_page(mm, a), 0);
	/* back in slots 1-16 with the readahead of an anonymous page (test_swap.c's windows):
	 * five major faults, eleven pages read ahead */
	uint64_t maj = t->maj_flt;
	/* pages 0 and 1 (slots 1, then 2-3): page 2 waits in the swap cache, which mincore
	 * reports resident (filemap_get_incore_folio looks there for a shmem swap entry) */
	uint32_t v;
	assert_int_equal(get_user_u32(t, a + 12, &v), 0);
	assert_int_equal(get_user_u32(t, a + 4096 + 12, &v), 0);
	assert_int_equal(mincore_page(mm, a + 2 * 4096), 1);
	assert_int_equal(mincore_page(mm, a + 8 * 4096), 0);
	check_pages(a);
	assert_int_equal(t->maj_flt - maj, 5);
	assert_int_equal(m->ctr.v[CTR_pswpin], N);
	assert_int_equal(m->ctr.v[CTR_swap_ra], 11);
	assert_int_equal(m->ctr.v[CTR_swap_ra_hit], 11);
	assert_int_equal(m->ctr.v[CTR_workingset_refault_anon], N);
	/* every slot freed on the way back; the page is the object's again */
	assert_int_equal(nr_swap_pages(km), total_swap_pages(km));
	assert_int_equal(km->stat[NR_SWAPCACHE], 0);
	assert_int_equal(km->stat[NR_SHMEM], N);
	counts(f, &rss, &sw);
	assert_int_equal(rss, N);
	assert_int_equal(sw, 0);
	/* the other mapping finds the pages in the object: minor faults */
	maj = t->maj_flt;
	check_pages(b);
	assert_int_equal(t->maj_flt, maj);
	assert_int_equal(do_munmap(mm, a, N * 4096), 0);
	assert_int_equal(do_munmap(mm, b, N * 4096), 0);
	vm_file_put(f);
}

/* An object that goes while swapped frees its slots. */
static void test_freed_with_object(void **state)
{
	(void)state;
	struct kmem *km = &m->km;
	struct vm_file *f = shmem_object();
	uint32_t a = map(f);
	vm_file_put(f); /* the mapping holds the object alone */
	write_pages(a);
	assert_true(reclaim_all() >= N);
	assert_int_equal(total_swap_pages(km) - nr_swap_pages(km), N);
	assert_int_equal(do_munmap(t->mm, a, N * 4096), 0); /* the last reference */
	assert_int_equal(nr_swap_pages(km), total_swap_pages(km));
	assert_int_equal(km->stat[NR_SHMEM], 0);
}

/* SHM_LOCK: culled to the unevictable list, never written; unlocked: rescued and then
 * reclaimable. */
static void test_locked(void **state)
{
	(void)state;
	struct kmem *km = &m->km;
	struct vm_file *f = shmem_object();
	uint32_t a = map(f);
	write_pages(a);
	shmem_lock(km, f, true);
	reclaim_all();
	assert_int_equal(m->ctr.v[CTR_pswpout], 0);
	assert_int_equal(km->stat[NR_UNEVICTABLE], N);
	assert_int_equal(m->ctr.v[CTR_unevictable_culled], N);
	assert_true(upte_present(mm_pte(t->mm, a)));
	shmem_lock(km, f, false);
	assert_int_equal(km->stat[NR_UNEVICTABLE], 0);
	assert_int_equal(m->ctr.v[CTR_unevictable_rescued], N);
	assert_true(reclaim_all() >= N);
	assert_int_equal(m->ctr.v[CTR_pswpout], N);
	/* a page that joins the LRU of a locked object goes to the unevictable list at once */
	shmem_lock(km, f, true);
	check_pages(a);
	assert_int_equal(km->stat[NR_UNEVICTABLE], N);
	vm_file_put(f);
	assert_int_equal(do_munmap(t->mm, a, N * 4096), 0);
	assert_int_equal(km->stat[NR_UNEVICTABLE], 0);
}

/* swapoff (try_to_unuse) brings the object's pages back. */
static void test_swapoff(void **state)
{
	(void)state;
	struct kmem *km = &m->km;
	struct vm_file *f = shmem_object();
	uint32_t a = map(f);
	write_pages(a);
	assert_true(reclaim_all() >= N);
	assert_int_equal(swapoff_area(km, km->reclaim->swap_info[0]), 0);
	uint64_t rss, sw;
	counts(f, &rss, &sw);
	assert_int_equal(rss, N);
	assert_int_equal(sw, 0);
	assert_int_equal(m->ctr.v[CTR_pswpin], N);
	uint64_t maj = t->maj_flt;
	check_pages(a);
	assert_int_equal(t->maj_flt, maj);
	assert_int_equal(do_munmap(t->mm, a, N * 4096), 0);
	vm_file_put(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_out_and_back, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_out_and_back, setup_pae, teardown),
	    cmocka_unit_test_setup_teardown(test_freed_with_object, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_locked, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_swapoff, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
