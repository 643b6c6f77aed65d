/* VMA rules without page tables: layout, merge and split, munmap, mprotect, mremap, brk. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/mm/mman.h"
#include "kernel/mm/mmap.h"
#include "kernel/task.h"

struct fixture {
	struct task t;
	struct mm_struct *mm;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	for (int i = 0; i < VMLAB_RLIM_NLIMITS; i++)
		f->t.rlim[i].cur = f->t.rlim[i].max = ~0ull;
	f->t.rlim[3].cur = 8u << 20; /* RLIMIT_STACK */
	f->t.rlim[8].cur = 8u << 20; /* RLIMIT_MEMLOCK */
	f->t.euid = 1000;
	struct mm_layout_config c = {.task_size = 0xC0000000u, .overcommit_ratio = 50,
				     .fault_around_bytes = 65536};
	f->mm = mm_alloc(&f->t, &c);
	f->t.mm = f->mm;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	mmput(f->mm);
	free(f);
	return 0;
}

/* "start-end flags;" for every VMA, flags as rwxp */
static const char *layout(struct mm_struct *mm)
{
	static char buf[4096];
	buf[0] = 0;
	for (struct vm_area_struct *v = vma_first(mm); v; v = vma_next(mm, v)) {
		char one[64];
		snprintf(one, sizeof one, "%08x-%08x %c%c%c%c;", v->vm_start, v->vm_end,
			 v->vm_flags & VM_READ ? 'r' : '-', v->vm_flags & VM_WRITE ? 'w' : '-',
			 v->vm_flags & VM_EXEC ? 'x' : '-', v->vm_flags & VM_MAYSHARE ? 's' : 'p');
		strcat(buf, one);
	}
	return buf;
}

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static void test_mmap_base(void **state)
{
	(void)state;
	/* 8 MB stack + 1 MB guard gap is below the 128 MB minimum gap */
	assert_int_equal(mmap_base_for(0xC0000000u, 8u << 20, 0), 0xB8000000u);
	/* a 1 GB stack limit: gap 1 GB + 1 MB */
	assert_int_equal(mmap_base_for(0xC0000000u, 1ull << 30, 0), 0x7FF00000u);
	/* capped at 5/6 of TASK_SIZE */
	assert_int_equal(mmap_base_for(0xC0000000u, 3ull << 30, 0), 0x20000000u);
	assert_int_equal(mmap_base_for(0x80000000u, 8u << 20, 0), 0x78000000u);
}

static void test_topdown_and_merge(void **state)
{
	struct fixture *f = *state;
	long a = do_mmap(f->mm, 0, 8192, RW, ANON, NULL, 0);
	assert_int_equal(a, 0xB7FFE000);
	long b = do_mmap(f->mm, 0, 4096, RW, ANON, NULL, 0);
	assert_int_equal(b, 0xB7FFD000);
	/* adjacent anonymous mappings with equal flags are one VMA */
	assert_string_equal(layout(f->mm), "b7ffd000-b8000000 rw-p;");
	long c = do_mmap(f->mm, 0, 4096, PROT_READ, ANON, NULL, 0);
	assert_int_equal(c, 0xB7FFC000);
	assert_int_equal(mm_vma_count(f->mm), 2);
	assert_int_equal(f->mm->total_vm, 4);
}

static void test_munmap_split(void **state)
{
	struct fixture *f = *state;
	long a = do_mmap(f->mm, 0, 5 * 4096, RW, ANON, NULL, 0);
	assert_int_equal(a, 0xB7FFB000);
	assert_int_equal(do_munmap(f->mm, (uint32_t)a + 4096, 4096), 0);
	assert_string_equal(layout(f->mm), "b7ffb000-b7ffc000 rw-p;b7ffd000-b8000000 rw-p;");
	/* unaligned start and zero length */
	assert_int_equal(do_munmap(f->mm, (uint32_t)a + 1, 4096), -EINVAL);
	assert_int_equal(do_munmap(f->mm, (uint32_t)a, 0), -EINVAL);
	/* unmapping a hole is fine */
	assert_int_equal(do_munmap(f->mm, 0x10000000, 4096), 0);
	/* the hole is reused by the next mapping of its size */
	long b = do_mmap(f->mm, 0, 4096, RW, ANON, NULL, 0);
	assert_int_equal(b, 0xB7FFC000);
	assert_string_equal(layout(f->mm), "b7ffb000-b8000000 rw-p;");
	assert_int_equal(f->mm->total_vm, 5);
}

static void test_mprotect_split_merge(void **state)
{
	struct fixture *f = *state;
	long a = do_mmap(f->mm, 0, 3 * 4096, RW, ANON, NULL, 0);
	assert_int_equal(do_mprotect(f->mm, (uint32_t)a + 4096, 4096, PROT_READ), 0);
	assert_string_equal(layout(f->mm),
			    "b7ffd000-b7ffe000 rw-p;b7ffe000-b7fff000 r--p;b7fff000-b8000000 rw-p;");
	/* back to RW: the three parts merge again */
	assert_int_equal(do_mprotect(f->mm, (uint32_t)a + 4096, 4096, RW), 0);
	assert_string_equal(layout(f->mm), "b7ffd000-b8000000 rw-p;");
	/* errors: unaligned, unmapped, bad bits */
	assert_int_equal(do_mprotect(f->mm, (uint32_t)a + 1, 4096, RW), -EINVAL);
	assert_int_equal(do_mprotect(f->mm, 0x10000000, 4096, RW), -ENOMEM);
	assert_int_equal(do_mprotect(f->mm, (uint32_t)a, 4096, 0x40), -EINVAL);
	/* a range running past the mapping changes the mapped part, then fails */
	assert_int_equal(do_mprotect(f->mm, (uint32_t)a, 4 * 4096, PROT_READ), -ENOMEM);
	assert_string_equal(layout(f->mm), "b7ffd000-b8000000 r--p;");
	assert_int_equal(do_mprotect(f->mm, (uint32_t)a, 0, PROT_READ), 0);
}

static void test_fixed_noreplace_and_hint(void **state)
{
	struct fixture *f = *state;
	long a = do_mmap(f->mm, 0x20000000, 4096, RW, ANON | MAP_FIXED, NULL, 0);
	assert_int_equal(a, 0x20000000);
	assert_int_equal(do_mmap(f->mm, 0x20000000, 4096, RW, ANON | MAP_FIXED_NOREPLACE, NULL, 0),
			 -EEXIST);
	/* a free hint is used as is */
	assert_int_equal(do_mmap(f->mm, 0x30000000, 4096, RW, ANON, NULL, 0), 0x30000000);
	/* a taken hint falls back to the top-down search */
	assert_int_equal(do_mmap(f->mm, 0x30000000, 4096, RW, ANON, NULL, 0), 0xB7FFF000);
	/* MAP_FIXED replaces */
	assert_int_equal(do_mmap(f->mm, 0x20000000, 8192, PROT_READ, ANON | MAP_FIXED, NULL, 0),
			 0x20000000);
	assert_string_equal(layout(f->mm), "20000000-20002000 r--p;30000000-30001000 rw-p;"
					   "b7fff000-b8000000 rw-p;");
	/* a hint below mmap_min_addr is rounded up to it */
	assert_int_equal(do_mmap(f->mm, 0x1000, 4096, RW, ANON, NULL, 0), 0x10000);
	assert_int_equal(do_mmap(f->mm, 0, 0, RW, ANON, NULL, 0), -EINVAL);
	assert_int_equal(do_mmap(f->mm, 0, 4096, RW, MAP_ANONYMOUS, NULL, 0), -EINVAL);
	assert_int_equal(do_mmap(f->mm, 0x20000001, 4096, RW, ANON | MAP_FIXED, NULL, 0),
			 -EINVAL);
}

static void test_brk(void **state)
{
	struct fixture *f = *state;
	struct mm_struct *mm = f->mm;
	/* the bss VMA exec makes, then the break right after it */
	assert_int_equal(vm_brk_flags(mm, 0x080ee000, 0x3000, 0), 0);
	mm->start_brk = mm->brk = 0x080f1000;
	assert_int_equal(do_brk(mm, 0x08113000), 0x08113000);
	/* the heap does not merge with the bss VMA below start_brk */
	assert_string_equal(layout(mm), "080ee000-080f1000 rw-p;080f1000-08113000 rw-p;");
	char name[64];
	assert_string_equal(vma_name(mm, vma_first(mm), name, sizeof name), "[heap]");
	/* an unaligned break is returned as asked; the VMA ends on the page */
	assert_int_equal(do_brk(mm, 0x08113801), 0x08113801);
	assert_string_equal(layout(mm), "080ee000-080f1000 rw-p;080f1000-08114000 rw-p;");
	/* shrinking unmaps */
	assert_int_equal(do_brk(mm, 0x08100000), 0x08100000);
	assert_string_equal(layout(mm), "080ee000-080f1000 rw-p;080f1000-08100000 rw-p;");
	/* below start_brk: the current break */
	assert_int_equal(do_brk(mm, 0x08000000), 0x08100000);
	/* up against a mapping: refused, the old break stays */
	assert_int_equal(do_mmap(mm, 0x08200000, 4096, RW, ANON | MAP_FIXED, NULL, 0),
			 0x08200000);
	assert_int_equal(do_brk(mm, 0x08200000), 0x08100000);
	assert_int_equal(do_brk(mm, 0x081ff000), 0x081ff000);
}

static void test_mremap(void **state)
{
	struct fixture *f = *state;
	struct mm_struct *mm = f->mm;
	long a = do_mmap(mm, 0x40000000, 2 * 4096, RW, ANON | MAP_FIXED, NULL, 0);
	/* grows in place when there is room */
	assert_int_equal(do_mremap(mm, (uint32_t)a, 8192, 4 * 4096, 0, 0), a);
	assert_string_equal(layout(mm), "40000000-40004000 rw-p;");
	/* blocked: ENOMEM without MAYMOVE, a new place with it */
	do_mmap(mm, 0x40004000, 4096, PROT_READ, ANON | MAP_FIXED, NULL, 0);
	assert_int_equal(do_mremap(mm, (uint32_t)a, 4 * 4096, 8 * 4096, 0, 0), -ENOMEM);
	long n = do_mremap(mm, (uint32_t)a, 4 * 4096, 8 * 4096, MREMAP_MAYMOVE, 0);
	assert_int_equal(n, 0xB7FF8000);
	assert_string_equal(layout(mm), "40004000-40005000 r--p;b7ff8000-b8000000 rw-p;");
	/* shrinking unmaps the tail */
	assert_int_equal(do_mremap(mm, (uint32_t)n, 8 * 4096, 4096, 0, 0), n);
	assert_string_equal(layout(mm), "40004000-40005000 r--p;b7ff8000-b7ff9000 rw-p;");
	/* errors */
	assert_int_equal(do_mremap(mm, 0x50000000, 4096, 8192, MREMAP_MAYMOVE, 0), -EFAULT);
	assert_int_equal(do_mremap(mm, (uint32_t)n, 4096, 8192, MREMAP_FIXED, 0x60000000), -EINVAL);
	assert_int_equal(do_mremap(mm, (uint32_t)n + 1, 4096, 8192, 0, 0), -EINVAL);
	assert_int_equal(do_mremap(mm, (uint32_t)n, 4096, 0, 0, 0), -EINVAL);
	/* MREMAP_FIXED moves to the address given */
	assert_int_equal(do_mremap(mm, (uint32_t)n, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED,
				   0x60000000),
			 0x60000000);
	assert_string_equal(layout(mm), "40004000-40005000 r--p;60000000-60001000 rw-p;");
}

static void test_stack_growth(void **state)
{
	struct fixture *f = *state;
	struct mm_struct *mm = f->mm;
	assert_int_equal(setup_stack_vma(mm, 0xC0000000u, 0x21000, false), 0);
	struct vm_area_struct *s = vma_lookup(mm, 0xBFFFF000u);
	assert_non_null(s);
	mm->start_stack = 0xBFFFF000u;
	char name[64];
	assert_string_equal(vma_name(mm, s, name, sizeof name), "[stack]");
	assert_int_equal(expand_stack(mm, s, 0xBFF00010u), 0);
	assert_int_equal(s->vm_start, 0xBFF00000u);
	/* beyond RLIMIT_STACK */
	assert_int_equal(expand_stack(mm, s, 0xBF000000u), -ENOMEM);
	/* within stack_guard_gap of a mapping below */
	do_mmap(mm, 0xBFE00000u, 4096, RW, ANON | MAP_FIXED, NULL, 0);
	assert_int_equal(expand_stack(mm, s, 0xBFEF0000u), -ENOMEM);
	/* the search for free space keeps the gap below the stack too */
	mm->mmap_base = 0xC0000000u;
	long a = do_mmap(mm, 0, 4096, RW, ANON, NULL, 0);
	assert_true(a > 0 && (uint32_t)a + 4096 <= 0xBFE00000u);
}

static void test_overcommit_never(void **state)
{
	struct fixture *f = *state;
	f->mm->cfg.overcommit_memory = OVERCOMMIT_NEVER;
	/* 1 GB assumed RAM, ratio 50: about 512 MB can be committed */
	assert_int_equal(do_mmap(f->mm, 0, 0x30000000, RW, ANON, NULL, 0), -ENOMEM);
	long a = do_mmap(f->mm, 0, 0x10000000, RW, ANON, NULL, 0);
	assert_true(a > 0);
	/* read-only and MAP_NORESERVE are not charged... except NORESERVE in mode 2 */
	assert_true(do_mmap(f->mm, 0, 0x30000000, PROT_READ, ANON, NULL, 0) > 0);
	assert_int_equal(do_mmap(f->mm, 0, 0x30000000, RW, ANON | MAP_NORESERVE, NULL, 0),
			 -ENOMEM);
	/* making the read-only mapping writable charges it */
	f->mm->cfg.overcommit_memory = OVERCOMMIT_ALWAYS;
	assert_true(do_mmap(f->mm, 0, 0x30000000, RW, ANON, NULL, 0) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mmap_base),
		cmocka_unit_test_setup_teardown(test_topdown_and_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_munmap_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mprotect_split_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fixed_noreplace_and_hint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_brk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mremap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stack_growth, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overcommit_never, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
