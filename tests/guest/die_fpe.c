/*
 * Death by SIGFPE: integer division by zero (#DE) with the default action,
 * after a handled one (si_code FPE_INTDIV, si_addr the dividing instruction).
 * Exit status 136.
 * Authoritative golden: both.
 */
#include "guestutil.h"

static sigjmp_buf jb;
static volatile int code;
static volatile uintptr_t addr, eip;

static void h(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	(void)sig;
	code = si->si_code;
	addr = (uintptr_t)si->si_addr;
	eip = uc->uc_mcontext.gregs[REG_EIP];
	siglongjmp(jb, 1);
}

int main(void)
{
	guest_init();
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = h;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGFPE, &sa, NULL);
	volatile int zero = 0, r = 0;
	if (!sigsetjmp(jb, 1))
		r = 1000 / zero;
	printf("handled: %s, si_addr equals the saved EIP: %s, trap 0 result %d\n", sicodename(SIGFPE, code),
	       addr == eip ? "yes" : "no", r);
	int lo = (int)0x80000000, m1 = -1, dx;
	code = 0;
	if (!sigsetjmp(jb, 1))
		__asm__ volatile("cltd\n\tidivl %2" : "+a"(lo), "=&d"(dx) : "r"(m1));
	printf("INT_MIN / -1: %s\n", sicodename(SIGFPE, code));
	signal(SIGFPE, SIG_DFL);
	printf("dividing by zero with the default action\n");
	/* idiv in asm: gcc rewrites 1 / x without a division. */
	int q = 100, d2;
	__asm__ volatile("cltd\n\tidivl %2" : "+a"(q), "=&d"(d2) : "r"((int)zero));
	r = q;
	printf("still alive: %d\n", r);
	return 0;
}
