/*
 * A 16-bit stack segment (SS.B = 0) in a 32-bit program: an LDT data segment loaded into SS,
 * then PUSH, POP, CALL and RET in a loop that runs often enough to be compiled while SS is
 * 32-bit. With SS.B clear, the stack pointer is SP: the pushes wrap from 0x0000 to 0xFFFE
 * inside the segment and ESP's upper half stays as it was. The same loop runs first on the
 * normal stack, so its blocks are hot before SS changes: compiled code must not run them
 * with a 32-bit ESP (vmlab leaves compiled code when SS.B goes clear: docs/jit.md).
 * A flat 16-bit SS (base 0) puts the stack below mmap_min_addr: the first push faults at
 * SP - 4, which a 32-bit ESP would not (a signal on an alternate stack catches it).
 * Authoritative golden: native (the x86-64 host runs 16-bit stack segments with espfix64;
 * scripts/record-guest-golden.sh); without modify_ldt the program says so and exits 0.
 */
#include "guestutil.h"
#include <asm/ldt.h>

/* 128 KB, so that a 64 KB-aligned segment fits inside */
static unsigned char area[2 << 16];

/* the stack pointer and SS to come back to: absolute addresses, which need neither */
static unsigned g_esp, g_ss;

/* n rounds of push, call, pop on the stack SS:start_esp (sel 0: the current one); returns
 * the sum of what the called function read back from the stack (ECX's values), and the
 * stack pointer the rounds ended at in *sp_out (all in registers: with a 16-bit SS no
 * operand may address through ESP) */
static unsigned rounds(unsigned n, unsigned sel, unsigned start_esp, unsigned *sp_out)
{
	unsigned sum, sp;
	__asm__ volatile("mov %%esp, %[gesp]\n\t"
			 "movw %%ss, %[gss]\n\t"
			 "test %%ebx, %%ebx\n\t"
			 "jz 1f\n\t"
			 "mov %%bx, %%ss\n\t"
			 "mov %%edx, %%esp\n\t"
			 "jmp 1f\n" /* the pushes in another block than the SS load */
			 "1:\n\t"
			 "xor %%edx, %%edx\n"
			 "2:\n\t"
			 "push %%ecx\n\t"
			 "push $0x5a5a5a5a\n\t"
			 "call 3f\n\t"
			 "pop %%eax\n\t"
			 "pop %%eax\n\t"
			 "add %%eax, %%edx\n\t"
			 "loop 2b\n\t"
			 "jmp 4f\n"
			 "3:\n\t"
			 "pop %%esi\n\t" /* the return address */
			 "pop %%eax\n\t" /* 0x5a5a5a5a */
			 "xor $0x5a5a5a5a, %%eax\n\t"
			 "add %%eax, %%edx\n\t"
			 "push %%eax\n\t"
			 "push %%esi\n\t"
			 "ret\n"
			 "4:\n\t"
			 "mov %%esp, %%edi\n\t"
			 "movw %[gss], %%ss\n\t"
			 "mov %[gesp], %%esp\n\t"
			 : "=d"(sum), "=D"(sp), "+c"(n), [gesp] "=m"(g_esp), [gss] "=m"(g_ss)
			 : "b"(sel), "0"(start_esp)
			 : "eax", "esi", "memory", "cc");
	*sp_out = sp;
	return sum;
}

int main(void)
{
	guest_init();
	unsigned sp;
	/* the loop hot on the normal stack first */
	unsigned s = 0;
	for (int k = 0; k < 50; k++)
		s += rounds(1000, 0, 0, &sp);
	printf("32-bit stack: sum %u\n", s);

	uintptr_t base = ((uintptr_t)area + 0xffff) & ~(uintptr_t)0xffff;
	struct user_desc d = {
	    .entry_number = 0,
	    .base_addr = (unsigned)base,
	    .limit = 0xffff,
	    .seg_32bit = 0,
	    .contents = 0,
	    .read_exec_only = 0,
	    .limit_in_pages = 0,
	    .seg_not_present = 0,
	    .useable = 1,
	};
	if (syscall(SYS_modify_ldt, 0x11, &d, sizeof d) != 0) {
		printf("modify_ldt: %s (no LDT here: nothing to test)\n", errname(errno));
		return 0;
	}
	unsigned sel = 0 << 3 | 4 | 3;
	/* SP well inside the segment, ESP's upper half set: it must survive */
	s = rounds(1000, sel, 0x12348000u, &sp);
	printf("16-bit stack: sum %u, esp after %#x\n", s, sp);
	/* SP = 8: the pushes wrap to 0xfffc and the pops come back over the wrap */
	s = rounds(1000, sel, 0xabcd0008u, &sp);
	printf("16-bit stack across the wrap: sum %u, esp after %#x\n", s, sp);
	/* the last call's return address went to SP 0xfffc, across the wrap; ECX's last
	 * value (1) to SP 4 */
	unsigned ret, low;
	memcpy(&ret, (void *)(base + 0xfffc), 4);
	memcpy(&low, (void *)(base + 4), 4);
	printf("at SP 0xfffc: an address in rounds(): %s; at SP 4: %u\n",
	       ret > (uintptr_t)rounds && ret < (uintptr_t)rounds + 512 ? "yes" : "no", low);
	/* a flat 16-bit SS (base 0, 4 GB, B clear): with ESP in `area`, the pushes address
	 * SP - 4 = 0x7ffc, below mmap_min_addr, and fault there; with a 32-bit ESP they would
	 * write into `area` */
	d.entry_number = 1;
	d.base_addr = 0;
	d.limit = 0xfffff;
	d.limit_in_pages = 1;
	if (syscall(SYS_modify_ldt, 0x11, &d, sizeof d) != 0) {
		printf("modify_ldt (flat): %s\n", errname(errno));
		return 1;
	}
	static char alt[65536];
	stack_t ss = {.ss_sp = alt, .ss_size = sizeof alt};
	sigaltstack(&ss, NULL);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = g_catcher;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigaction(SIGSEGV, &sa, NULL);
	g_sig = 0;
	if (sigsetjmp(g_jb, 1) == 0)
		s = rounds(1000, 1 << 3 | 4 | 3, (unsigned)base + 0x8000, &sp);
	if (g_sig)
		printf("flat 16-bit stack: %s %s addr=%#lx\n", signame(g_sig),
		       sicodename(g_sig, g_code), (unsigned long)g_addr);
	else
		printf("flat 16-bit stack: no fault (sum %u, esp after %#x)\n", s, sp);
	/* back on the normal stack, hot again */
	s = 0;
	for (int k = 0; k < 5; k++)
		s += rounds(1000, 0, 0, &sp);
	printf("32-bit stack again: sum %u\n", s);
	return 0;
}
