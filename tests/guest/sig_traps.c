/*
 * The signal each CPU exception of a user program becomes, with si_code, si_addr, the
 * sigcontext's trapno and err, and where EIP points (relative to the instruction):
 * #NP and #SS from segment loads (SIGBUS, SI_KERNEL: do_error_trap with no si_code),
 * ICEBP (INT1, 0xf1: SIGTRAP TRAP_BRKPT at the next instruction), INT3, INT $1 (a DPL-0
 * gate: #GP with the IDT error code, at the first prefix of the INT), HLT (#GP(0)), INTO (#OF),
 * BOUND (#BR). Golden: native only (the i386 run under qemu TCG cannot be trusted for segment
 * faults, see NOTES.md); this host's kernel runs the program in compat mode with the same traps.c
 * paths.
 */
#include "guestutil.h"
#include <asm/ldt.h>

static volatile uintptr_t g_eip;

static void trap_catcher(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	g_eip = uc->uc_mcontext.gregs[REG_EIP];
	g_catcher(sig, si, ucv);
}

/* Each case: the code between its two labels; the fault is at the first byte. */
extern char np_ds[], np_ds_end[], np_ss[], np_ss_end[], icebp[], icebp_end[], int3[], int3_end[];
extern char int1[], int1_end[], gs_int[], gs_int_end[], hlt[], hlt_end[], into[], into_end[],
    bound[], bound_end[];
static int bounds[2] = {10, 20};

static void run(const char *label, void (*f)(void), const char *start, const char *end)
{
	g_sig = 0;
	if (!sigsetjmp(g_jb, 1)) {
		f();
		printf("%s: no signal\n", label);
		return;
	}
	printf("%s: %s %s", label, signame(g_sig),
	       g_code == 1 && g_sig == SIGTRAP ? "TRAP_BRKPT" : sicodename(g_sig, g_code));
	if (g_addr == 0)
		printf(" addr=0");
	else if (g_addr >= (uintptr_t)start && g_addr <= (uintptr_t)end)
		printf(" addr=insn%s", offs((long)(g_addr - (uintptr_t)start)));
	else
		printf(" addr=elsewhere");
	printf(" trapno=%d err=%#x eip=insn%s\n", g_trapno, g_err,
	       offs((long)(g_eip - (uintptr_t)start)));
}

/* The faulting instruction is followed by a jump back, never reached when it faults. */
static void do_np_ds(void)
{
	__asm__ volatile("push %%ds\n np_ds: movw %w0, %%ds\n np_ds_end: pop %%ds"
			 :
			 : "r"(0x7)
			 : "memory");
}
static void do_np_ss(void)
{
	__asm__ volatile("np_ss: movw %w0, %%ss\n np_ss_end:" : : "r"(0xf) : "memory");
}
static void do_icebp(void)
{
	__asm__ volatile("icebp: .byte 0xf1\n icebp_end:");
}
static void do_int3(void)
{
	__asm__ volatile("int3: int3\n int3_end:");
}
static void do_int1(void)
{
	__asm__ volatile("int1: int $1\n int1_end:");
}
static void do_gs_int(void)
{
	__asm__ volatile("gs_int: .byte 0x65\n int $0x81\n gs_int_end:");
}
static void do_hlt(void)
{
	__asm__ volatile("hlt: hlt\n hlt_end:");
}
static void do_into(void)
{
	__asm__ volatile("movb $0x7f, %%al\n addb $1, %%al\n into: into\n into_end:"
			 :
			 :
			 : "eax", "cc");
}
static void do_bound(void)
{
	__asm__ volatile("bound: boundl %0, %1\n bound_end:" : : "r"(30), "m"(bounds));
}

int main(void)
{
	guest_init();
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = trap_catcher;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGTRAP, &sa, NULL);

	/* LDT entry 0: a data segment marked not present; entry 1: the same, for %ss */
	struct user_desc d = {.entry_number = 0,
			      .base_addr = 0,
			      .limit = 0xfffff,
			      .seg_32bit = 1,
			      .limit_in_pages = 1,
			      .seg_not_present = 1,
			      .useable = 1};
	report("modify_ldt not-present entry 0", syscall(SYS_modify_ldt, 0x11, &d, sizeof(d)));
	d.entry_number = 1;
	report("modify_ldt not-present entry 1", syscall(SYS_modify_ldt, 0x11, &d, sizeof(d)));

	run("mov not-present selector to ds", do_np_ds, np_ds, np_ds_end);
	run("mov not-present selector to ss", do_np_ss, np_ss, np_ss_end);
	run("icebp", do_icebp, icebp, icebp_end);
	run("int3", do_int3, int3, int3_end);
	run("int $1", do_int1, int1, int1_end);
	run("gs-prefixed int $0x81", do_gs_int, gs_int, gs_int_end);
	run("hlt", do_hlt, hlt, hlt_end);
	run("into with OF set", do_into, into, into_end);
	run("bound out of range", do_bound, bound, bound_end);
	return 0;
}
