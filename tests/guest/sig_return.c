/*
 * A SIGSEGV handler that repairs the saved context instead of jumping out:
 * rt_sigreturn must restore the registers the handler changed. The faulting
 * instruction is "movl (%eax), %ebx" (2 bytes); the handler advances EIP past
 * it and sets EBX, and execution continues after the load. The handler also
 * reports CR2, the trap number and the error code from the sigcontext.
 * Authoritative golden: both.
 */
#include "guestutil.h"

static volatile uintptr_t base;

static void h(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	(void)sig;
	printf("handler: si_addr=base%s cr2=base%s trapno=%d err=%#x\n", offs((long)((uintptr_t)si->si_addr - base)),
	       offs((long)(uc->uc_mcontext.cr2 - base)), (int)uc->uc_mcontext.gregs[REG_TRAPNO],
	       (int)uc->uc_mcontext.gregs[REG_ERR]);
	uc->uc_mcontext.gregs[REG_EIP] += 2;
	uc->uc_mcontext.gregs[REG_EBX] = 0x1234;
}

int main(void)
{
	guest_init();
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = h;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	char *p = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	base = (uintptr_t)p;
	int out;
	__asm__ volatile("movl $7, %%ebx\n\tmovl (%%eax), %%ebx" : "=b"(out) : "a"(p + 0x40) : "memory");
	printf("after the skipped load: ebx=%#x\n", out);
	int esi_after;
	__asm__ volatile("movl $0x55, %%esi\n\tmovl (%%eax), %%ebx\n\tmovl %%esi, %0"
			 : "=r"(esi_after), "=b"(out)
			 : "a"(p + 0x80)
			 : "esi", "memory");
	printf("other registers kept across the signal: esi=%#x\n", esi_after);
	/* eflags carry flag preserved across delivery and sigreturn */
	unsigned char cf;
	__asm__ volatile("stc\n\tmovl (%%eax), %%ebx\n\tsetc %0" : "=q"(cf), "=b"(out) : "a"(p) : "memory");
	printf("carry flag kept: %d\n", cf);
	return 0;
}
