/*
 * The stack's limits: growth past RLIMIT_STACK and growth that would come
 * within stack_guard_gap (256 pages) of the mapping below both fail with
 * SIGSEGV/SEGV_MAPERR; the handler runs on an alternate signal stack.
 * Authoritative golden: both.
 */
#include "guestutil.h"

static unsigned long stack_lo, stack_hi;

static void stack_vma(void)
{
	char *s = slurp("/proc/self/maps");
	char *l = strstr(s, "[stack]");
	while (l > s && l[-1] != '\n')
		l--;
	sscanf(l, "%lx-%lx", &stack_lo, &stack_hi);
}

int main(void)
{
	guest_init();
	static char alt[65536];
	stack_t ss = {.ss_sp = alt, .ss_size = sizeof(alt)};
	sigaltstack(&ss, NULL);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = g_catcher;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigaction(SIGSEGV, &sa, NULL);

	stack_vma();
	char *lo = (char *)stack_lo;
	/* A direct access below the stack VMA grows it (no check against %esp). */
	print_fault("write 64 kB below the stack VMA", try_write(lo - 65536, 1), lo);
	stack_vma();
	printf("stack VMA now starts there: %s\n", stack_lo == (unsigned long)(lo - 65536) ? "yes" : "no");
	print_fault("write 9 MB below the top (past RLIMIT_STACK)", try_write((char *)stack_hi - (9 << 20), 1),
		    (char *)stack_hi);
	struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};
	getrlimit(RLIMIT_STACK, &rl);
	printf("RLIMIT_STACK: %lu kB\n", (unsigned long)rl.rlim_cur / 1024);

	/* A mapping 200 pages below the stack: the gap is now under 256 pages. */
	stack_vma();
	lo = (char *)stack_lo;
	char *blk = mmap(lo - 200 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	printf("mapping 200 pages below the stack: %s\n", mapfailname(blk));
	print_fault("grow the stack by one page", try_write(lo - PG, 1), lo);
	munmap(blk, PG);
	blk = mmap(lo - 300 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	printf("mapping 300 pages below instead: %s\n", mapfailname(blk));
	print_fault("grow by 40 pages (gap stays 259)", try_write(lo - 40 * PG, 1), lo);
	print_fault("grow by 44 pages (gap would be 255)", try_write(lo - 44 * PG, 1), lo);
	munmap(blk, PG);

	/* The handler ran on the alternate stack. */
	int on = 0;
	stack_t cur;
	sigaltstack(NULL, &cur);
	on = cur.ss_flags & SS_ONSTACK;
	printf("back on the normal stack: %s\n", on ? "no" : "yes");
	return 0;
}
