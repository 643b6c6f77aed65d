/*
 * Dies of an exception it does not handle; the kind is argv[1] (default: hlt):
 *   hlt    #GP(0): SIGSEGV
 *   int1   INT $1 through a DPL-0 gate: #GP(0xa), SIGSEGV
 *   np     a not-present LDT selector loaded into %ds: #NP, SIGBUS
 *   icebp  INT1 (0xf1): #DB, SIGTRAP
 *   frame  a SIGSEGV handler, then a fault with %esp on unmapped memory: the handler's
 *          frame cannot be written (force_sigsegv), SIGSEGV
 *   sigreturn  rt_sigreturn with %esp on unmapped memory: no frame to restore, SIGSEGV
 *   odirect  O_DIRECT and O_NONBLOCK set on stderr (the open file description vmlab's own
 *          stderr shares), then hlt: vmlab's report must still be written
 *   nullread  a read through NULL: SIGSEGV SEGV_MAPERR, no VMA
 *   rowrite  a write to a read-only page (main's own code): SIGSEGV SEGV_ACCERR
 *   jump   a call to an unmapped address: SIGSEGV at eip itself
 *   recurse  unbounded recursion until the stack reaches RLIMIT_STACK: SIGSEGV
 * tests/e2e/sig_reports.sh runs each and checks vmlab's one-line report and the status
 * against a native run. Golden: native only (the default run).
 */
#include "guestutil.h"
#include <asm/ldt.h>

static void handler(int sig)
{
	(void)sig;
}

/* Each frame keeps a live array, so the compiler can turn neither the recursion into a loop
 * nor the frame into nothing. */
__attribute__((noinline)) static int recurse(int depth)
{
	volatile char pad[1000];
	pad[0] = (char)depth;
	return recurse(depth + 1) + pad[0];
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "hlt";
	printf("dying of %s\n", what);
	fflush(stdout);
	if (!strcmp(what, "int1")) {
		__asm__ volatile("int $1");
	} else if (!strcmp(what, "np")) {
		struct user_desc d = {.entry_number = 0,
				      .limit = 0xfffff,
				      .seg_32bit = 1,
				      .limit_in_pages = 1,
				      .seg_not_present = 1,
				      .useable = 1};
		syscall(SYS_modify_ldt, 0x11, &d, sizeof(d));
		__asm__ volatile("movw %w0, %%ds" : : "r"(0x7));
	} else if (!strcmp(what, "nullread")) {
		printf("%d\n", *(volatile int *)0);
	} else if (!strcmp(what, "rowrite")) {
		*(volatile char *)(void *)main = 0;
	} else if (!strcmp(what, "jump")) {
		((void (*)(void))0x10000)();
	} else if (!strcmp(what, "recurse")) {
		printf("%d\n", recurse(0));
	} else if (!strcmp(what, "icebp")) {
		__asm__ volatile(".byte 0xf1");
	} else if (!strcmp(what, "sigreturn")) {
		__asm__ volatile("movl $0x1000, %%esp\n movl $173, %%eax\n int $0x80"
				 :
				 :
				 : "eax", "memory");
	} else if (!strcmp(what, "frame")) {
		signal(SIGSEGV, handler);
		/* %esp at a page nothing maps; the read of address 0 faults */
		__asm__ volatile("movl $0x1000, %%esp\n movl 0, %%eax" : : : "eax", "memory");
	} else {
		if (!strcmp(what, "odirect") && fcntl(2, F_SETFL, O_DIRECT | O_NONBLOCK))
			printf("fcntl(2, F_SETFL, O_DIRECT|O_NONBLOCK): %s\n", errname(errno));
		fflush(stdout);
		__asm__ volatile("hlt");
	}
	printf("still alive\n");
	return 0;
}
