/*
 * The LDT across fork (ldt_dup_context): the child inherits a copy of its parent's LDT and
 * the selector loaded in %fs; an entry the child rewrites changes only its own copy.
 * Authoritative golden: i386.
 */
#include "guestutil.h"
#include <asm/ldt.h>
#include <sys/wait.h>

static unsigned first[4] = {0x11111111, 0x22222222};
static unsigned second[4] = {0x33333333, 0x44444444};

static int set_entry(unsigned idx, void *base)
{
	struct user_desc d = {.entry_number = idx, .base_addr = (unsigned long)base, .limit = 15,
			      .seg_32bit = 1};
	return syscall(SYS_modify_ldt, 0x11, &d, sizeof d);
}

static unsigned read_fs(unsigned off)
{
	unsigned v;
	__asm__ volatile("movl %%fs:(%1), %0" : "=r"(v) : "r"(off));
	return v;
}

static void load_fs(unsigned short sel)
{
	__asm__ volatile("movw %0, %%fs" : : "r"(sel));
}

static long ldt_bytes(void)
{
	static unsigned char tab[64 * 8];
	return syscall(SYS_modify_ldt, 0, tab, sizeof tab);
}

int main(void)
{
	guest_init();
	printf("write entry 2: %d\n", set_entry(2, first));
	load_fs(2 << 3 | 4 | 3);
	printf("parent %%fs:0 = %#x, LDT bytes %ld\n", read_fs(0), ldt_bytes());
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		printf("child %%fs:4 = %#x (inherited selector and table), LDT bytes %ld\n", read_fs(4),
		       ldt_bytes());
		printf("child rewrites entry 2: %d\n", set_entry(2, second));
		load_fs(2 << 3 | 4 | 3);
		printf("child %%fs:0 = %#x\n", read_fs(0));
		fflush(stdout);
		_exit(0);
	}
	int st;
	waitpid(pid, &st, 0);
	load_fs(2 << 3 | 4 | 3);
	printf("parent after the child: %%fs:0 = %#x\n", read_fs(0));
	return 0;
}
