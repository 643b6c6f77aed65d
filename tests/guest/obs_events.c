/*
 * A small program whose events `vmlab run --trace` and `--strace` are checked against
 * goldens (tests/e2e/observe_trace.sh): a write to stdout and one to stderr, a failing open
 * (ENOENT), an anonymous mapping touched (a demand-zero and a zero-page fault), mprotect,
 * a write to a read-only page caught as SIGSEGV, munmap, brk, and SIGUSR1 handled.
 * Raw system calls keep the sequence independent of libc's buffering.
 */
#include "guestutil.h"

static sigjmp_buf back;
static volatile int usr1;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(back, 1);
}

static void on_usr1(int sig)
{
	usr1 = sig;
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	syscall(SYS_write, 1, "out\n", 4);
	syscall(SYS_write, 2, "err\n", 4);
	long r = syscall(SYS_open, "/nonexistent/obs", O_RDONLY);
	char *p = (char *)syscall(SYS_mmap2, 0, 2 * PG, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p[0] = 1;		 /* demand-zero */
	volatile char c = p[PG]; /* zero page */
	(void)c;
	syscall(SYS_mprotect, p, PG, PROT_READ);
	signal(SIGSEGV, on_segv);
	if (!sigsetjmp(back, 1))
		p[1] = 2; /* SEGV_ACCERR, caught */
	syscall(SYS_munmap, p, 2 * PG);
	long b = syscall(SYS_brk, 0);
	syscall(SYS_brk, b + PG);
	signal(SIGUSR1, on_usr1);
	raise(SIGUSR1);
	printf("open %ld, usr1 %d\n", r, usr1);
	return 3;
}
