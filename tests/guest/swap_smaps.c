/*
 * Swap and SwapPss in /proc/self/smaps (smaps_pte_entry): two of four written pages of a
 * private mapping paged out with MADV_PAGEOUT count in Swap and, as each slot is referenced
 * by one PTE, fully in SwapPss; a fork copies the swap entries (swap_duplicate), so in the
 * child each slot has two references and SwapPss halves, as Pss does for the two resident
 * pages; once the child has exited the parent's slots are its own again.
 * No golden: it needs --swap (tests/e2e/swap.sh runs it; the oracle's qemu has no swap).
 */
#include "guestutil.h"
#include <sys/wait.h>

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

static void show(const char *who, const char *p)
{
	printf("%s: Rss %ld Pss %ld Swap %ld SwapPss %ld kB\n", who, smaps_kb(p, "Rss"),
	       smaps_kb(p, "Pss"), smaps_kb(p, "Swap"), smaps_kb(p, "SwapPss"));
}

int main(void)
{
	guest_init();
	char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(p, 7, 4 * PG);
	printf("MADV_PAGEOUT: %s\n", madvise(p, 2 * PG, MADV_PAGEOUT) ? errname(errno) : "OK");
	show("parent", p);
	pid_t pid = fork();
	if (pid == 0) {
		show("child", p);
		_exit(0);
	}
	int st;
	waitpid(pid, &st, 0);
	show("parent after the child exited", p);
	return 0;
}
