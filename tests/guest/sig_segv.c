/*
 * SIGSEGV delivered to a handler: si_code SEGV_MAPERR (nothing mapped) or
 * SEGV_ACCERR (mapped, access not allowed), si_addr the faulting byte, the
 * trap number 14 and the page-fault error code in the signal context; then
 * siglongjmp out. Repeated to check the signal mask is restored each time.
 * Authoritative golden: both.
 */
#include "guestutil.h"

int main(void)
{
	guest_init();
	catch_faults();
	char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(p + PG, PG);
	mprotect(p + 2 * PG, PG, PROT_READ);
	mprotect(p + 3 * PG, PG, PROT_NONE);
	print_fault("read NULL+16", try_read((char *)16), NULL);
	print_fault("write NULL+16", try_write((char *)16, 1), NULL);
	print_fault("read unmapped page", try_read(p + PG + 123), p);
	print_fault("write unmapped page", try_write(p + PG + 123, 1), p);
	print_fault("write read-only page", try_write(p + 2 * PG + 5, 1), p);
	print_fault("read read-only page", try_read(p + 2 * PG + 5), p);
	print_fault("read PROT_NONE page", try_read(p + 3 * PG + 9), p);
	print_fault("write PROT_NONE page", try_write(p + 3 * PG + 9, 1), p);
	print_fault("write read-only page again", try_write(p + 2 * PG, 1), p);
	print_fault("read kernel address 0xc0000000", try_read((char *)0xc0000000UL), NULL);
	print_fault("write ok page", try_write(p + 7, 1), p);
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	printf("SIGSEGV blocked after siglongjmp: %s\n", sigismember(&cur, SIGSEGV) ? "yes" : "no");
	/* A 4-byte access straddling into the unmapped page reports the page start. */
	g_sig = 0;
	if (!sigsetjmp(g_jb, 1))
		*(volatile int *)(p + PG - 2) = 1;
	print_fault("4-byte write straddling into the hole", g_sig, p);
	return 0;
}
