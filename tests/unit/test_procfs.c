/* procfs text as i386 Linux prints it: maps lines and their name column, statm, stat's
 * field count, status, and the paths that exist (no page tables needed). */
#include <errno.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/mm/mman.h"
#include "kernel/mm/mmap.h"
#include "kernel/procfs.h"
#include "kernel/signal.h"
#include "kernel/task.h"

struct fixture {
	struct task t;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	for (int i = 0; i < VMLAB_RLIM_NLIMITS; i++)
		f->t.rlim[i].cur = f->t.rlim[i].max = ~0ull;
	f->t.rlim[3].cur = 8u << 20;
	f->t.pid = f->t.tgid = 1000;
	f->t.ppid = 999;
	f->t.comm = "a-very-long-program-name";
	struct mm_layout_config c = {.task_size = 0xC0000000u, .overcommit_ratio = 50,
				     .fault_around_bytes = 65536};
	f->t.mm = mm_alloc(&f->t, &c);
	if (!f->t.mm || signal_init(&f->t))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	signal_free(&f->t);
	mmput(f->t.mm);
	free(f);
	return 0;
}

static char *gen(struct fixture *f, const char *path, int *err)
{
	size_t len;
	char *s = procfs_generate(&f->t, path, &len, err);
	if (s)
		assert_int_equal(strlen(s), len);
	return s;
}

static void test_maps_format(void **state)
{
	struct fixture *f = *state;
	long a = do_mmap(f->t.mm, 0x10000000, 3 * 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0);
	assert_int_equal(a, 0x10000000);
	long b = do_mmap(f->t.mm, 0x20000000, 4096, PROT_READ | PROT_EXEC,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0);
	assert_int_equal(b, 0x20000000);
	assert_int_equal(setup_stack_vma(f->t.mm, 0xC0000000u, 0x21000, false), 0);
	f->t.mm->start_stack = 0xbffffe00u; /* exec sets it: vma_name names that VMA [stack] */
	int err;
	char *s = gen(f, "/proc/self/maps", &err);
	assert_non_null(s);
	/* anonymous private memory has no name: the line ends right after the inode */
	const char *l1 = "10000000-10003000 rw-p 00000000 00:00 0 \n";
	assert_memory_equal(s, l1, strlen(l1));
	assert_non_null(strstr(s, "\n20000000-20001000 r-xp 00000000 00:00 0 \n"));
	/* names start at column 49 on a 32-bit kernel (seq_setwidth 48, then one space) */
	char *st = strstr(s, "bffdf000-c0000000 rw-p 00000000 00:00 0");
	assert_non_null(st);
	assert_memory_equal(st + 40, "         [stack]\n", 17);
	assert_int_equal(strchr(st, '[') - st, 49);
	free(s);
}

static void test_statm_and_stat(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(do_mmap(f->t.mm, 0x10000000, 5 * 4096, PROT_READ,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0),
			 0x10000000);
	int err;
	char *s = gen(f, "/proc/self/statm", &err);
	assert_non_null(s);
	unsigned long v[7];
	assert_int_equal(sscanf(s, "%lu %lu %lu %lu %lu %lu %lu", &v[0], &v[1], &v[2], &v[3],
				&v[4], &v[5], &v[6]), 7);
	assert_int_equal(v[0], f->t.mm->total_vm);
	assert_int_equal(v[4], 0);
	assert_int_equal(v[6], 0);
	free(s);
	s = gen(f, "/proc/1000/stat", &err);
	assert_non_null(s);
	/* pid, the comm truncated to 15 characters, state R, then 49 more fields */
	assert_memory_equal(s, "1000 (a-very-long-pro) R 999 ", 29);
	int fields = 2; /* pid and comm; then one per space */
	for (char *p = strchr(s, ')') + 1; *p; p++)
		if (*p == ' ')
			fields++;
	assert_int_equal(fields, 52);
	free(s);
}

static void test_status(void **state)
{
	struct fixture *f = *state;
	send_sig(&f->t, SIGUSR1, 0);
	f->t.signal->blocked = SIGBIT(SIGUSR1) | SIGBIT(SIGINT);
	int err;
	char *s = gen(f, "/proc/thread-self/status", &err);
	assert_non_null(s);
	assert_non_null(strstr(s, "Name:\ta-very-long-pro\n"));
	assert_non_null(strstr(s, "Pid:\t1000\nPPid:\t999\n"));
	assert_non_null(strstr(s, "SigBlk:\t0000000000000202\n"));
	assert_non_null(strstr(s, "Threads:\t1\n"));
	assert_non_null(strstr(s, "VmSize:\t"));
	free(s);
}

static void test_paths(void **state)
{
	struct fixture *f = *state;
	int err;
	assert_null(gen(f, "/proc/1/maps", &err));
	assert_int_equal(err, -ENOENT);
	assert_null(gen(f, "/proc/self/nonexistent", &err));
	assert_int_equal(err, -ENOENT);
	char buf[64];
	int n = procfs_readlink(&f->t, "/proc/self", buf, sizeof(buf));
	assert_int_equal(n, 4);
	assert_memory_equal(buf, "1000", 4);
	assert_int_equal(procfs_readlink(&f->t, "/proc/self/maps", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(procfs_readlink(&f->t, "/proc/self/exe", buf, sizeof(buf)), -ENOENT);
	f->t.exe_path = "/bin/prog";
	n = procfs_readlink(&f->t, "/proc/1000/exe", buf, sizeof(buf));
	assert_int_equal(n, 9);
	assert_memory_equal(buf, "/bin/prog", 9);
	struct stat st;
	assert_int_equal(procfs_stat(&f->t, "/proc/self/pagemap", false, &st), 0);
	assert_int_equal(st.st_mode, S_IFREG | 0400);
	assert_int_equal(procfs_stat(&f->t, "/proc/self", false, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(procfs_stat(&f->t, "/proc/self", true, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	char *s = gen(f, "/proc/cpuinfo", &err);
	assert_non_null(s);
	assert_non_null(strstr(s, "vendor_id\t: GenuineIntel\ncpu family\t: 15\nmodel\t\t: 2\n"));
	assert_non_null(strstr(s, "flags\t\t: fpu pse tsc pae cx8 pge cmov"));
	free(s);
	s = gen(f, "/proc", &err); /* a directory lists its entries, one "type name" a line */
	assert_non_null(s);
	/* proc_root_readdir's order: the fixed entries, then the pids */
	assert_non_null(strstr(s, "l self\nl thread-self\n"));
	assert_non_null(strstr(s, "f swaps\nd 1000\n"));
	free(s);
	s = gen(f, "/proc/1000/task", &err);
	assert_non_null(s);
	assert_string_equal(s, "d 1000\n");
	free(s);
	assert_null(gen(f, "/proc/1001/status", &err)); /* no such task */
	assert_int_equal(err, -ENOENT);
	assert_null(gen(f, "/proc/01000/status", &err)); /* not how procfs spells a pid */
	assert_int_equal(err, -ENOENT);
	s = gen(f, "/proc/1000/task/1000/stat", &err);
	assert_non_null(s);
	assert_int_equal(strncmp(s, "1000 (", 6), 0);
	free(s);
	n = procfs_readlink(&f->t, "/proc/thread-self", buf, sizeof(buf));
	assert_int_equal(n, 14);
	assert_memory_equal(buf, "1000/task/1000", 14);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_maps_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_statm_and_stat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paths, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
