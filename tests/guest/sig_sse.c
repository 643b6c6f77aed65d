/*
 * SSE state across signals: an unmasked divide-by-zero in DIVSS is SIGFPE with si_code
 * FPE_FLTDIV at the instruction; the handler starts with the default MXCSR and cleared XMM
 * registers; the frame holds the interrupted state in its FXSAVE image (right after the
 * 112-byte fregs_state header, whose magic says so), and what the handler writes there
 * (MXCSR with the exception masked, a new XMM6) is what the program resumes with; the
 * registers it did not touch come back as they were.
 * Authoritative golden: both.
 */
#include "guestutil.h"
#include <ucontext.h>

static volatile int got_code = -1, fault_at_divss;
static volatile unsigned h_mxcsr, h_xmm7_zero, magic, saved_mxcsr;
extern char divss_insn[];

static void on_fpe(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	ucontext_t *uc = ctx;
	got_code = si->si_code;
	fault_at_divss = (char *)si->si_addr == divss_insn;
	unsigned m;
	__asm__ volatile("stmxcsr %0" : "=m"(m));
	h_mxcsr = m;
	unsigned char x7[16];
	__asm__ volatile("movdqu %%xmm7, %0" : "=m"(x7));
	h_xmm7_zero = 1;
	for (int i = 0; i < 16; i++)
		if (x7[i])
			h_xmm7_zero = 0;
	unsigned char *raw = (unsigned char *)uc->uc_mcontext.fpregs;
	unsigned short mg;
	memcpy(&mg, raw + 110, 2);
	magic = mg;
	unsigned char *fx = raw + 112;
	memcpy((void *)&saved_mxcsr, fx + 24, 4);
	unsigned v = 0x1f80; /* everything masked, flags clear: DIVSS runs again without trap */
	memcpy(fx + 24, &v, 4);
	for (int i = 0; i < 16; i++)
		fx[160 + 6 * 16 + i] = (unsigned char)(0xa0 + i);
}

int main(void)
{
	guest_init();
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fpe;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGFPE, &sa, NULL);
	float one = 1.0f, zero = 0.0f, res = 0;
	unsigned mx = 0x1f80 & ~(1u << 9); /* ZM clear */
	unsigned char x5[16], x6[16];
	static const unsigned char pat[16] = {1, 2,  3,	 4,  5,	 6,  7,	 8,
					      9, 10, 11, 12, 13, 14, 15, 16};
	unsigned after;
	__asm__ volatile("movdqu %5, %%xmm5\n\t"
			 "movdqu %5, %%xmm6\n\t"
			 "movdqu %5, %%xmm7\n\t"
			 "ldmxcsr %4\n\t"
			 "movss %2, %%xmm0\n\t"
			 "movss %3, %%xmm1\n\t"
			 ".globl divss_insn\n"
			 "divss_insn:\n\t"
			 "divss %%xmm1, %%xmm0\n\t"
			 "movss %%xmm0, %0\n\t"
			 "stmxcsr %1\n\t"
			 "movdqu %%xmm5, %6\n\t"
			 "movdqu %%xmm6, %7\n\t"
			 : "=m"(res), "=m"(after)
			 : "m"(one), "m"(zero), "m"(mx), "m"(pat), "m"(x5), "m"(x6)
			 : "memory"); /* built without -msse: gcc keeps nothing in XMM registers */
	printf("SIGFPE si_code %d (FPE_FLTDIV is %d), at the DIVSS: %s\n", got_code, FPE_FLTDIV,
	       fault_at_divss ? "yes" : "no");
	printf("handler MXCSR %#x, XMM7 cleared: %s\n", h_mxcsr, h_xmm7_zero ? "yes" : "no");
	printf("frame magic %#x, saved MXCSR %#x\n", magic, saved_mxcsr);
	printf("after return: result %s, MXCSR %#x\n", res > 1e38f ? "+inf" : "other", after);
	printf("XMM5 kept: %s, XMM6 from the frame: %s\n", memcmp(x5, pat, 16) ? "no" : "yes",
	       x6[0] == 0xa0 && x6[15] == 0xaf ? "yes" : "no");
	return 0;
}
