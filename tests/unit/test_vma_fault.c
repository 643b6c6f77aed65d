/* Page faults and uaccess on a real machine model: PTEs in simulated memory, the zero page,
 * demand zero, COW, fault-around, SIGBUS past EOF, stack growth, uaccess -EFAULT. */
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
#include "kernel/uaccess.h"
#include "test_mm_fixture.h"

static struct machine *m;
static struct task *t;

static int setup(void **state)
{
	(void)state;
	struct machine_config c;
	machine_config_default(&c);
	c.ram_bytes = 64u << 20;
	m = mm_fixture_create(&c, THP_ALWAYS); /* --thp's default */
	if (!m)
		return -1;
	t = &m->task;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	machine_destroy(m);
	free(m);
	return 0;
}

static struct fault_outcome fault(uint32_t addr, uint32_t err)
{
	struct fault_outcome o;
	do_user_addr_fault(t, addr, err | PF_U, &o);
	return o;
}

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static void test_anonymous(void **state)
{
	(void)state;
	struct mm_struct *mm = t->mm;
	uint32_t a = (uint32_t)do_mmap(mm, 0, 4 * 4096, RW, ANON, NULL, 0);
	uint64_t f0 = t->min_flt;
	/* a read fault maps the zero page read-only */
	assert_int_equal(fault(a, 0).sig, 0);
	uint64_t pte = mm_pte(mm, a);
	assert_true(pte & PTE_P);
	assert_false(pte & PTE_RW);
	assert_int_equal(pte_pfn(pte), zero_pfn(mm));
	assert_int_equal(mm->rss_anon, 0);
	/* writing it copies: a fresh page, writable and dirty */
	assert_int_equal(fault(a, PF_W | PF_P).sig, 0);
	pte = mm_pte(mm, a);
	assert_true((pte & PTE_RW) && (pte & PTE_D));
	assert_int_not_equal(pte_pfn(pte), zero_pfn(mm));
	/* a write to an empty PTE: demand zero */
	assert_int_equal(fault(a + 4096, PF_W).sig, 0);
	assert_int_equal(mm->rss_anon, 2);
	assert_int_equal(t->min_flt - f0, 3);
	assert_int_equal(m->ctr.v[CTR_fault_zero_page], 1);
	assert_int_equal(m->ctr.v[CTR_fault_demand_zero], 1);
	assert_int_equal(m->ctr.v[CTR_fault_cow], 1);
	/* uaccess through the MMU faults pages in as the program would */
	const char msg[] = "through the MMU";
	assert_int_equal(copy_to_user(t, a + 2 * 4096 + 10, msg, sizeof msg), 0);
	char back[sizeof msg];
	assert_int_equal(copy_from_user(t, back, a + 2 * 4096 + 10, sizeof msg), 0);
	assert_string_equal(back, msg);
	assert_int_equal(mm->rss_anon, 3);
	/* read-only: the kernel's write fails with EFAULT, a user write is SEGV_ACCERR */
	assert_int_equal(do_mprotect(mm, a, 4 * 4096, PROT_READ), 0);
	assert_false(mm_pte(mm, a) & PTE_RW);
	assert_int_equal(copy_to_user(t, a, msg, 4), -EFAULT);
	struct fault_outcome o = fault(a + 3 * 4096, PF_W);
	assert_int_equal(o.sig, SIGSEGV);
	assert_int_equal(o.si_code, SEGV_ACCERR);
	assert_int_equal(o.addr, a + 3 * 4096);
	/* nothing mapped: SEGV_MAPERR */
	o = fault(0x1000, 0);
	assert_int_equal(o.si_code, SEGV_MAPERR);
	assert_int_equal(copy_from_user(t, back, 0x1000, 4), -EFAULT);
	assert_int_equal(copy_from_user(t, back, 0xBFFFFFFEu, 4), -EFAULT);
	/* munmap clears the PTEs and gives the pages back */
	assert_int_equal(do_munmap(mm, a, 4 * 4096), 0);
	assert_int_equal(mm_pte(mm, a), 0);
	assert_int_equal(mm->rss_anon, 0);
	/* MADV_DONTNEED equivalent: zap drops pages, the next read sees zeroes */
	a = (uint32_t)do_mmap(mm, 0, 4096, RW, ANON, NULL, 0);
	assert_int_equal(copy_to_user(t, a, msg, 4), 0);
	zap_page_range(mm, a, a + 4096);
	uint32_t v = 1;
	assert_int_equal(get_user_u32(t, a, &v), 0);
	assert_int_equal(v, 0);
}

/* munmap frees only the page tables under the unmapped range that no neighbour shares
 * (Linux's free_pgtables with the floor and ceiling of the VMAs around it): a table half
 * used by the VMA below or above stays, one outside the range is not looked at. */
static void test_munmap_frees_page_tables(void **state)
{
	(void)state;
	struct mm_struct *mm = t->mm;
	struct kmem *km = &m->km;
	const uint32_t P = km->L.pmd_size, B = 0x30000000;
	uint64_t pd;
	assert_int_equal(do_mmap(mm, B, 4096, RW, ANON | MAP_FIXED, NULL, 0), B);
	assert_int_equal(do_mmap(mm, B + 8192, 2 * P + P / 2, RW, ANON | MAP_FIXED, NULL, 0),
			 B + 8192);
	assert_int_equal(do_mmap(mm, B + 2 * P + 3 * P / 4, 4096, RW, ANON | MAP_FIXED, NULL, 0),
			 B + 2 * P + 3 * P / 4);
	uint32_t touch[] = {B, B + 8192, B + P, B + 2 * P, B + 2 * P + 3 * P / 4};
	for (unsigned i = 0; i < sizeof touch / sizeof *touch; i++)
		assert_int_equal(fault(touch[i], PF_W).sig, 0);
	/* a table covering no VMA, far from the range (an empty one is enough to see it) */
	assert_int_equal(pte_set(km, mm->pgd, B + 4 * P, 0), 0);
	assert_int_equal(pmd_get(km, mm->pgd, B + 4 * P, &pd), 0);
	assert_true(pd & PTE_P);
	uint64_t pt0 = km->stat[NR_PAGETABLE];
	/* the middle VMA: its first table is shared with the VMA below, its last with the one
	 * above; only the table in between goes */
	assert_int_equal(do_munmap(mm, B + 8192, 2 * P + P / 2), 0);
	assert_int_equal(km->stat[NR_PAGETABLE], pt0 - 1);
	pmd_get(km, mm->pgd, B, &pd);
	assert_true(pd & PTE_P);
	pmd_get(km, mm->pgd, B + P, &pd);
	assert_int_equal(pd, 0);
	pmd_get(km, mm->pgd, B + 2 * P, &pd);
	assert_true(pd & PTE_P);
	/* the VMA below, now alone in its table */
	assert_int_equal(do_munmap(mm, B, 4096), 0);
	assert_int_equal(km->stat[NR_PAGETABLE], pt0 - 2);
	pmd_get(km, mm->pgd, B, &pd);
	assert_int_equal(pd, 0);
	/* the one above: its table goes, the table beyond the range stays (Linux only visits
	 * the tables under the range) */
	assert_int_equal(do_munmap(mm, B + 2 * P + 3 * P / 4, 4096), 0);
	assert_int_equal(km->stat[NR_PAGETABLE], pt0 - 3);
	pmd_get(km, mm->pgd, B + 2 * P, &pd);
	assert_int_equal(pd, 0);
	pmd_get(km, mm->pgd, B + 4 * P, &pd);
	assert_true(pd & PTE_P);
}

static void test_stack_growth(void **state)
{
	(void)state;
	struct mm_struct *mm = t->mm;
	assert_int_equal(setup_stack_vma(mm, 0xC0000000u, 0x21000, false), 0);
	struct fault_outcome o = fault(0xBFF00000u, PF_W);
	assert_int_equal(o.sig, 0);
	assert_int_equal(vma_lookup(mm, 0xBFF00000u)->vm_start, 0xBFF00000u);
	assert_int_equal(m->ctr.v[CTR_fault_stack_growth], 1);
	/* beyond RLIMIT_STACK */
	o = fault(0xBF700000u, PF_W);
	assert_int_equal(o.sig, SIGSEGV);
	assert_int_equal(o.si_code, SEGV_MAPERR);
}

static void test_file(void **state)
{
	(void)state;
	struct mm_struct *mm = t->mm;
	char path[] = "/tmp/vmlab-test-fault-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	static char data[40 * 4096 + 100];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (char)('a' + i % 26);
	assert_int_equal(write(fd, data, sizeof data), (ssize_t)sizeof data);
	int err = 0;
	struct vm_file *f = vm_file_open_fd(t->page_cache, fd, "/tmp/f", true, true, &err);
	assert_non_null(f);
	/* 64 KB aligned, so a fault-around window is 16 whole pages */
	uint32_t a = 0x40000000u;
	assert_int_equal(do_mmap(mm, a, 48 * 4096, PROT_READ, MAP_PRIVATE | MAP_FIXED, f, 0), a);
	uint64_t f0 = t->min_flt;
	assert_int_equal(fault(a + 5 * 4096, 0).sig, 0);
	assert_int_equal(t->min_flt - f0, 1);
	assert_int_equal(mm->rss_file, 16);
	char c = 0;
	assert_int_equal(copy_from_user(t, &c, a + 5 * 4096 + 3, 1), 0);
	assert_int_equal(c, data[5 * 4096 + 3]);
	/* the last, partial page reads the file's bytes then zeroes */
	assert_int_equal(copy_from_user(t, &c, a + 40 * 4096 + 99, 1), 0);
	assert_int_equal(c, data[40 * 4096 + 99]);
	assert_int_equal(copy_from_user(t, &c, a + 40 * 4096 + 100, 1), 0);
	assert_int_equal(c, 0);
	/* past EOF: SIGBUS */
	struct fault_outcome o = fault(a + 41 * 4096, 0);
	assert_int_equal(o.sig, SIGBUS);
	assert_int_equal(o.si_code, BUS_ADRERR);
	/* a private write copies; the file keeps its byte */
	assert_int_equal(do_mprotect(mm, a, 4096, RW), 0);
	assert_int_equal(fault(a, PF_W | PF_P).sig, 0);
	assert_int_equal(put_user_u32(t, a, 0x21212121u), 0);
	char fb = 0;
	assert_int_equal(pread(fd, &fb, 1, 0), 1);
	assert_int_equal(fb, 'a');
	assert_int_equal(m->ctr.v[CTR_fault_cow], 1);
	/* a shared writable mapping's stores reach the file before a read() of it */
	uint32_t s = (uint32_t)do_mmap(mm, 0, 4096, RW, MAP_SHARED, f, 0);
	assert_int_equal(put_user_u32(t, s, 0x5a5a5a5au), 0);
	filemap_note_read(t, fd, 0, 1);
	assert_int_equal(pread(fd, &fb, 1, 0), 1);
	assert_int_equal(fb, 0x5a);
	/* and a write() reaches the mapped frame */
	assert_int_equal(pwrite(fd, "Q", 1, 8), 1);
	filemap_note_write(t, fd, 8, "Q", 1);
	assert_int_equal(copy_from_user(t, &c, s + 8, 1), 0);
	assert_int_equal(c, 'Q');
	/* truncation: pages past the new end leave the mapping; the next touch is SIGBUS */
	assert_int_equal(ftruncate(fd, 4096), 0);
	filemap_note_truncate(t, fd, 4096);
	assert_int_equal(mm_pte(mm, a + 5 * 4096), 0);
	assert_int_equal(fault(a + 5 * 4096, 0).sig, SIGBUS);
	assert_int_equal(do_munmap(mm, s, 4096), 0);
	vm_file_put(f);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_anonymous, setup, teardown),
		cmocka_unit_test_setup_teardown(test_munmap_frees_page_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stack_growth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
