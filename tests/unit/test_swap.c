/* Swap: the entry encoding in i386 PTEs (2-level and PAE), slot allocation and counts, the
 * reclaim of anonymous pages through rmap (shared by fork), swap-in as a major fault, the
 * LRU rules of the linux policy, mlocked pages, the OOM badness, swap readahead, and several
 * areas with priorities (batches of 64 slots, swapoff). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kernel/machine.h"
#include "kernel/mm/filemap.h"
#include "kernel/mm/memory.h"
#include "kernel/mm/mman.h"
#include "kernel/mm/mmap.h"
#include "kernel/mm/pgtable.h"
#include "kernel/mm/reclaim_policy.h"
#include "kernel/mm/swap.h"
#include "kernel/uaccess.h"

static struct machine *m;
static struct task *t;

static int boot(bool pae, int policy)
{
	struct machine_config c;
	machine_config_default(&c);
	c.ram_bytes = 64u << 20;
	c.pae = pae;
	c.swap_bytes = 8u << 20;
	c.reclaim_policy = policy;
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
	struct mm_layout_config lc = {.task_size = 0xC0000000u, .overcommit_ratio = 50,
				      .fault_around_bytes = 65536, .thp = THP_NEVER};
	t->mm = mm_alloc(t, &lc);
	if (!t->mm || mm_alloc_pgd(t->mm))
		return -1;
	mmu_write_cr3(&m->mmu, (uint32_t)t->mm->pgd);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return boot(false, RECLAIM_LINUX);
}

static int setup_pae(void **state)
{
	(void)state;
	return boot(true, RECLAIM_LINUX);
}

static int teardown(void **state)
{
	(void)state;
	machine_destroy(m);
	free(m);
	return 0;
}

static void test_entry_encoding(void **state)
{
	(void)state;
	/* 2-level: type in bits 1-5, offset from bit 9 */
	swp_entry_t e = swp_entry(3, 5);
	assert_int_equal(swp_type(e), 3);
	assert_int_equal(swp_offset(e), 5);
	assert_int_equal(swp_entry_to_pte(e, false), 3u << 1 | 5u << 9);
	uint64_t top = swp_entry_to_pte(swp_entry(31, (1u << 23) - 1), false);
	assert_int_equal(top, 0xfffffe3eu);
	assert_false(top & (PTE_P | PTE_G));
	/* PAE: type in bits 59-63, the offset inverted in bits 9-58 */
	uint64_t p = swp_entry_to_pte(swp_entry(1, 1), true);
	assert_true(p >> 59 == 1);
	assert_int_equal((p >> 9) & ((1ull << 50) - 1), ((1ull << 50) - 1) & ~1ull);
	assert_int_equal(p & 0x1ff, 0);
	for (unsigned type = 0; type < 32; type += 7) {
		for (uint32_t off = 1; off < (1u << 23); off = off * 3 + 1) {
			swp_entry_t x = swp_entry(type, off);
			for (int pae = 0; pae < 2; pae++) {
				uint64_t pte = swp_entry_to_pte(x, pae);
				assert_true(is_swap_pte(pte));
				assert_int_equal(pte_to_swp_entry(pte, pae).val, x.val);
			}
		}
	}
	/* present and PROT_NONE PTEs are not swap entries; an empty one neither */
	assert_false(is_swap_pte(0));
	assert_false(is_swap_pte(0x1000 | PTE_P));
	assert_false(is_swap_pte(0x1000 | PTE_G));
}

static void test_slots(void **state)
{
	(void)state;
	struct kmem *km = &m->km;
	uint64_t total = total_swap_pages(km);
	assert_int_equal(total, (8u << 20) / 4096 - 1); /* the header page is not usable */
	assert_int_equal(nr_swap_pages(km), total);
	swp_entry_t a = get_swap_page(km), b = get_swap_page(km);
	/* consecutive slots from the first after the header */
	assert_int_equal(swp_offset(a), 1);
	assert_int_equal(swp_offset(b), 2);
	assert_int_equal(nr_swap_pages(km), total - 2);
	/* a slot lives while a PTE or the cache refers to it */
	assert_int_equal(swap_duplicate(km, a), 0);
	assert_int_equal(swap_count(km, a), 1);
	swapcache_free_entry(km, a);
	assert_int_equal(nr_swap_pages(km), total - 2);
	swap_free(km, a);
	assert_int_equal(nr_swap_pages(km), total - 1);
	swapcache_free_entry(km, b);
	assert_int_equal(nr_swap_pages(km), total);
	/* /proc/swaps */
	char buf[512];
	assert_true(proc_swaps_show(km, buf, sizeof buf) > 0);
	assert_non_null(strstr(buf, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"));
	assert_non_null(strstr(buf, "/dev/vda                                partition\t8188\t\t0\t\t-2\n"));
}

/* Several areas: the highest priority first; equal ones in turn, 64 slots (SWAP_BATCH) at a
 * time; the automatic priorities -2, -3, ... and their shift when one goes. */
static void test_priorities(void **state)
{
	(void)state;
	struct kmem *km = &m->km;
	char err[128];
	/* the setup's area is /dev/vda at -2; two at 5 and one more automatic */
	assert_int_equal(swapon_area(km, 1u << 20, NULL, 5, err, sizeof err), 0);
	assert_int_equal(swapon_area(km, 1u << 20, NULL, 5, err, sizeof err), 0);
	assert_int_equal(swapon_area(km, 1u << 20, NULL, SWAP_PRIO_NONE, err, sizeof err), 0);
	char buf[1024];
	assert_true(proc_swaps_show(km, buf, sizeof buf) > 0);
	assert_non_null(strstr(buf, "/dev/vdb                                partition\t1020\t\t0\t\t5\n"));
	assert_non_null(strstr(buf, "/dev/vdd                                partition\t1020\t\t0\t\t-3\n"));
	unsigned first = swp_type(get_swap_page(km));
	assert_true(first == 1 || first == 2);
	for (int i = 1; i < 64; i++)
		assert_int_equal(swp_type(get_swap_page(km)), first);
	for (int i = 0; i < 64; i++) /* the other priority-5 area's batch */
		assert_int_equal(swp_type(get_swap_page(km)), 3 - first);
	assert_int_equal(swp_type(get_swap_page(km)), first);
	/* fill both (255 slots each): only then the -2 area */
	for (int i = 0; i < 255 * 2 - 129; i++) {
		unsigned ty = swp_type(get_swap_page(km));
		assert_true(ty == 1 || ty == 2);
	}
	assert_int_equal(swp_type(get_swap_page(km)), 0);
	/* swapoff of an unused automatic area: the lower one moves up */
	struct swap_info_struct *vda = swp_swap_info(km, swp_entry(0, 1));
	struct swap_info_struct *vdd = swp_swap_info(km, swp_entry(3, 1));
	assert_non_null(vdd);
	swapcache_free_entry(km, swp_entry(0, 1));
	assert_int_equal(vda->inuse_pages, 0);
	uint64_t total = total_swap_pages(km);
	assert_int_equal(swapoff_area(km, vda), 0);
	assert_int_equal(total_swap_pages(km), total - 2047);
	assert_int_equal(vdd->prio, -2);
	assert_null(swp_swap_info(km, swp_entry(0, 1)));
	/* the type is free again */
	assert_int_equal(swapon_area(km, 1u << 20, NULL, SWAP_PRIO_NONE, err, sizeof err), 0);
	assert_non_null(swp_swap_info(km, swp_entry(0, 1)));
	assert_int_equal(swp_swap_info(km, swp_entry(0, 1))->prio, -3);
}

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static uint32_t write_pages(uint32_t n)
{
	uint32_t a = (uint32_t)do_mmap(t->mm, 0, n * 4096, RW, ANON, NULL, 0);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t v = 0x5000 + i;
		assert_int_equal(copy_to_user(t, a + i * 4096 + 8, &v, 4), 0);
	}
	return a;
}

static void check_pages(uint32_t a, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint32_t v = 0;
		assert_int_equal(get_user_u32(t, a + i * 4096 + 8, &v), 0);
		assert_int_equal(v, 0x5000 + i);
	}
}

/* Reclaims every anonymous page it can (the loop ages, then takes). */
static uint64_t reclaim_all(void)
{
	uint64_t total = 0, got;
	while ((got = shrink_node(&m->km, 1u << 20, false)))
		total += got;
	return total;
}

static void swap_out_and_back(void)
{
	struct kmem *km = &m->km;
	struct mm_struct *mm = t->mm;
	uint32_t a = write_pages(16);
	assert_int_equal(mm->rss_anon, 16);
	assert_int_equal(km->stat[NR_INACTIVE_ANON], 16); /* new anonymous pages start inactive */
	assert_true(reclaim_all() >= 16);
	assert_int_equal(mm->rss_anon, 0);
	assert_int_equal(mm->swapents, 16);
	assert_int_equal(m->ctr.v[CTR_pswpout], 16);
	uint64_t pte = mm_pte(mm, a);
	assert_true(is_swap_pte(pte));
	assert_int_equal(mincore_page(mm, a), 0);
	swp_entry_t e = pte_to_swp_entry(pte, km->params.pae);
	assert_int_equal(swap_count(km, e), 1);
	/* the data comes back in slots 1-16, read ahead (swapin_nr_pages): slot 1 alone (next to
	 * the initial previous offset 0, the aligned pair is 0-1 less the header), 2-3 (next to
	 * 1, no hits yet), 4-7 (one hit: 3 rounded up to 4), 8-15 (three hits: 8), 16-23 (the
	 * rest free, skipped): five major faults, eleven pages read ahead and all used */
	uint64_t maj = t->maj_flt;
	check_pages(a, 16);
	assert_int_equal(t->maj_flt - maj, 5);
	assert_int_equal(m->ctr.v[CTR_pswpin], 16);
	assert_int_equal(m->ctr.v[CTR_swap_ra], 11);
	assert_int_equal(m->ctr.v[CTR_swap_ra_hit], 11);
	/* each slot kept the evicted page's shadow: every page read is a refault */
	assert_int_equal(m->ctr.v[CTR_workingset_refault_anon], 16);
	assert_int_equal(mm->swapents, 0);
	assert_int_equal(mm->rss_anon, 16);
	/* read back clean, the pages keep their slots (swap cache): a second reclaim writes
	 * nothing */
	assert_int_equal(km->stat[NR_SWAPCACHE], 16);
	assert_true(reclaim_all() >= 16);
	assert_int_equal(m->ctr.v[CTR_pswpout], 16);
	check_pages(a, 16);
	/* munmap frees slots and cache */
	assert_int_equal(do_munmap(mm, a, 16 * 4096), 0);
	assert_int_equal(km->stat[NR_SWAPCACHE], 0);
	assert_int_equal(nr_swap_pages(km), total_swap_pages(km));
}

static void test_swap_out_in(void **state)
{
	(void)state;
	swap_out_and_back();
}

/* The linux policy: referenced once kept on the inactive list, twice activated. */
static void test_lru_rules(void **state)
{
	(void)state;
	struct kmem *km = &m->km;
	uint32_t a = write_pages(4);
	assert_int_equal(km->stat[NR_INACTIVE_ANON], 4);
	/* every PTE has its Accessed bit from the fault: a first look at each keeps them all
	 * (PG_referenced set, the bits cleared) */
	struct scan_control sc = {.nr_to_reclaim = 4, .scan_limit = 4, .may_swap = true};
	assert_null(reclaim_policy_linux.isolate(km, &sc));
	assert_int_equal(m->ctr.v[CTR_pgrotated], 4);
	assert_int_equal(km->stat[NR_INACTIVE_ANON], 4);
	/* two pages used again are activated; the two others are the ones handed out */
	mmu_flush_tlb(&m->mmu, false, CTR_tlb_flush_kernel);
	uint32_t v;
	get_user_u32(t, a, &v);
	get_user_u32(t, a + 4096, &v);
	struct scan_control sc2 = {.nr_to_reclaim = 4, .scan_limit = 8, .may_swap = true};
	struct page *p1 = reclaim_policy_linux.isolate(km, &sc2);
	struct page *p2 = reclaim_policy_linux.isolate(km, &sc2);
	assert_non_null(p1);
	assert_non_null(p2);
	/* the two used again were activated, then aged back (inactive_is_low: the inactive
	 * list may not be smaller than the active one below 1 GB) */
	assert_int_equal(m->ctr.v[CTR_pgactivate], 2);
	assert_int_equal(m->ctr.v[CTR_pgdeactivate], 2);
	assert_int_equal(p1->index - (a >> 12), 2);
	assert_int_equal(p2->index - (a >> 12), 3);
	reclaim_policy_linux.putback(km, p1, false);
	reclaim_policy_linux.putback(km, p2, false);
	assert_int_equal(km->stat[NR_INACTIVE_ANON], 4);
	/* without further use every page goes */
	assert_int_equal(shrink_node(km, 4, false), 4);
	for (int i = 0; i < 4; i++)
		assert_true(is_swap_pte(mm_pte(t->mm, a + (uint32_t)i * 4096)));
	check_pages(a, 4);
}

/* Pages a fork shares are unmapped from both processes and come back shared. */
static void test_fork_shared(void **state)
{
	(void)state;
	struct kmem *km = &m->km;
	struct mm_struct *mm = t->mm;
	uint32_t a = write_pages(8);
	int err = 0;
	struct mm_struct *child = dup_mm(t, mm, &err);
	assert_non_null(child);
	assert_true(child->pgd != 0);
	uint64_t pte = mm_pte(child, a);
	assert_true(upte_present(pte));
	struct page *p = pfn_to_page(km, pte_pfn(pte));
	assert_int_equal(p->_mapcount, 1);
	assert_true(reclaim_all() >= 8);
	assert_true(is_swap_pte(mm_pte(mm, a)));
	assert_true(is_swap_pte(mm_pte(child, a)));
	swp_entry_t e = pte_to_swp_entry(mm_pte(mm, a), km->params.pae);
	assert_int_equal(swap_count(km, e), 2);
	/* the parent reads it back: the page is mapped read-only, still shared by the slot */
	check_pages(a, 8);
	pte = mm_pte(mm, a);
	assert_false(pte & PTE_RW);
	assert_int_equal(swap_count(km, e), 1);
	mmput(child);
	assert_int_equal(swap_count(km, e), 0);
	check_pages(a, 8);
}

static void test_mlocked_kept(void **state)
{
	(void)state;
	struct kmem *km = &m->km;
	uint32_t a = write_pages(4);
	assert_int_equal(vma_modify_flags(t->mm, a, a + 4 * 4096, VM_LOCKED, 0), 0);
	reclaim_all();
	assert_true(upte_present(mm_pte(t->mm, a)));
	assert_int_equal(km->stat[NR_UNEVICTABLE], 4);
	assert_int_equal(m->ctr.v[CTR_pswpout], 0);
}

/* Page-cache pages: a clean one is dropped and read again (a major fault); a dirty shared
 * one is written back to the file first. */
static void test_file_reclaim(void **state)
{
	(void)state;
	struct kmem *km = &m->km;
	struct mm_struct *mm = t->mm;
	char path[] = "/tmp/vmlab-test-swap-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	static char data[8 * 4096];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (char)('a' + i % 26);
	assert_int_equal(write(fd, data, sizeof data), (ssize_t)sizeof data);
	int err = 0;
	struct vm_file *f = vm_file_open_fd(t->page_cache, fd, "/tmp/f", true, true, &err);
	assert_non_null(f);
	uint32_t a = (uint32_t)do_mmap(mm, 0, 8 * 4096, RW, MAP_SHARED, f, 0);
	char c = 0;
	assert_int_equal(copy_from_user(t, &c, a + 4096, 1), 0);
	assert_int_equal(c, data[4096]);
	assert_int_equal(put_user_u32(t, a + 2 * 4096, 0x51515151u), 0);
	uint64_t cached = km->stat[NR_FILE_PAGES];
	assert_true(cached >= 2);
	assert_true(km->stat[NR_INACTIVE_FILE] + km->stat[NR_ACTIVE_FILE] >= 2);
	assert_true(reclaim_all() >= 2);
	/* every page left the cache and the mapping; the dirty one reached the file */
	assert_int_equal(mm_pte(mm, a + 4096), 0);
	assert_int_equal(mincore_page(mm, a + 4096), 0);
	assert_int_equal(km->stat[NR_FILE_PAGES], 0);
	assert_true(m->ctr.v[CTR_pgsteal_file] >= 2);
	uint32_t w = 0;
	assert_int_equal(pread(fd, &w, 4, 2 * 4096), 4);
	assert_int_equal(w, 0x51515151u);
	/* the next touch reads them again: major faults */
	uint64_t maj = t->maj_flt;
	assert_int_equal(copy_from_user(t, &c, a + 4096, 1), 0);
	assert_int_equal(c, data[4096]);
	assert_int_equal(get_user_u32(t, a + 2 * 4096, &w), 0);
	assert_int_equal(w, 0x51515151u);
	assert_int_equal(t->maj_flt - maj, 2); /* the shadow entries: read again, not found cached */
	assert_int_equal(do_munmap(mm, a, 8 * 4096), 0);
	vm_file_put(f);
	close(fd);
}

static void test_oom_badness(void **state)
{
	(void)state;
	uint32_t a = write_pages(100);
	(void)a;
	uint64_t total = m->km.totalram_pages + total_swap_pages(&m->km);
	int64_t b = oom_badness(t, total);
	assert_true(b >= 100);
	t->oom_score_adj = 500;
	assert_int_equal(oom_badness(t, total), b + 500 * (int64_t)(total / 1000));
	t->oom_score_adj = OOM_SCORE_ADJ_MIN;
	assert_true(oom_badness(t, total) == INT64_MIN);
	assert_int_equal(proc_oom_score(t), 0);
	t->oom_score_adj = 0;
	/* (1000 + points * 1000 / total) * 2 / 3 */
	assert_int_equal(proc_oom_score(t), (unsigned long)((1000 + b * 1000 / (int64_t)total) * 2 / 3));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_entry_encoding),
	    cmocka_unit_test_setup_teardown(test_slots, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_priorities, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_swap_out_in, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_swap_out_in, setup_pae, teardown),
	    cmocka_unit_test_setup_teardown(test_lru_rules, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fork_shared, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mlocked_kept, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_reclaim, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_oom_badness, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
