/*
 * The trap flag: POPF sets TF, and from the next instruction on each one that completes
 * with TF set at its start raises a single-step trap: SIGTRAP with si_code TRAP_TRACE and
 * si_addr the next instruction. The handler runs with TF clear; sigreturn restores it, so
 * stepping goes on; the POPF that clears TF still traps (TF was set when it began). A
 * taken jump traps at its target.
 * Authoritative golden: both.
 */
#include "guestutil.h"
#include <ucontext.h>

extern char tf_start[], tf_skip[], tf_end[];
static volatile int n, handler_tf;
static int codes[16];
static long trap_at[16];

static void on_trap(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	ucontext_t *uc = ctx;
	unsigned fl;
	__asm__ volatile("pushfl; popl %0" : "=r"(fl));
	handler_tf |= fl & 0x100;
	if (n < 16) {
		codes[n] = si->si_code;
		trap_at[n] = (char *)si->si_addr - tf_start;
	}
	n++;
	if (n > 40) /* something went wrong: stop stepping */
		uc->uc_mcontext.gregs[REG_EFL] &= ~0x100;
}

int main(void)
{
	guest_init();
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_trap;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGTRAP, &sa, NULL);
	unsigned eax;
	__asm__ volatile("pushfl\n\t"
			 "orl $0x100, (%%esp)\n\t"
			 "popfl\n"
			 ".globl tf_start\n"
			 "tf_start:\n\t"
			 "nop\n\t"
			 "movl $5, %%eax\n\t"
			 "addl $1, %%eax\n\t"
			 "jmp 1f\n"
			 ".globl tf_skip\n"
			 "tf_skip:\n\t"
			 "nop\n"
			 "1:\n\t"
			 "pushfl\n\t"
			 "andl $~0x100, (%%esp)\n\t"
			 "popfl\n"
			 ".globl tf_end\n"
			 "tf_end:\n\t"
			 "nop\n\t"
			 : "=a"(eax)
			 :
			 : "memory", "cc");
	printf("traps %d, eax %u, TF in the handler: %s\n", n, eax, handler_tf ? "set" : "clear");
	for (int k = 0; k < n && k < 16; k++)
		printf("trap %d: si_code %d (TRAP_TRACE is %d), at tf_start%+ld\n", k, codes[k],
		       TRAP_TRACE, trap_at[k]);
	printf("tf_skip at tf_start%+ld, tf_end at tf_start%+ld\n", (long)(tf_skip - tf_start),
	       (long)(tf_end - tf_start));
	return 0;
}
