/*
 * A small program whose memory-system events `vmlab run --trace=walk,swap,kmem` are
 * checked against a golden (tests/e2e/observe_trace_mem.sh), and whose state at its fatal
 * fault `--dump-state=fault` writes for `vmlab translate` (docs/tutorial.md):
 * four anonymous pages touched (walks, buddy allocations, kmap_local to zero highmem
 * pages), paged out with MADV_PAGEOUT (swap-out of each, with the mapping rmap found) and
 * one read back (a major fault: swap-in), a fork (task_struct and mm_struct from their
 * slab caches, a copy-on-write fault in the child), an LDT of 601 entries (larger than a
 * page: vmalloc'ed, vfree'd at exit), then a write to an address no VMA covers: SIGSEGV.
 * Run it with --swap (any size) for the swap events.
 */
#include "guestutil.h"

#include <asm/ldt.h>
#include <sys/wait.h>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

int main(void)
{
	syscall(SYS_write, 1, "start\n", 6);
	char *p = (char *)syscall(SYS_mmap2, 0, 4 * PG, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (int i = 0; i < 4; i++)
		p[i * PG] = (char)(i + 1);
	syscall(SYS_madvise, p, 4 * PG, MADV_PAGEOUT);
	volatile char c = p[PG]; /* back from swap */
	int pid = (int)syscall(SYS_fork);
	if (pid == 0) {
		p[0] = 9; /* copy-on-write */
		syscall(SYS_exit_group, 0);
	}
	syscall(SYS_wait4, pid, 0, 0, 0);
	struct user_desc d = {
	    .entry_number = 600, .base_addr = 0x1000, .limit = 0xff, .seg_32bit = 1, .useable = 1};
	long r = syscall(SYS_modify_ldt, 1, &d, sizeof d);
	syscall(SYS_write, 1, r == 0 && c == 2 ? "ok\n" : "bad\n", r == 0 && c == 2 ? 3 : 4);
	*(volatile int *)0x00123456 = 1; /* no VMA: SIGSEGV, SEGV_MAPERR */
	return 0;
}
