/*
 * Segment limits enforced by the CPU on data accesses through %fs: a 64-byte
 * TLS segment (set_thread_area), a 4 kB LDT segment, a 16-byte one, an
 * expand-down segment whose low offsets are the forbidden ones, and a 4-byte
 * read straddling the limit. A violation is #GP(0): SIGSEGV with si_code
 * SI_KERNEL, si_addr 0, trap 13, error code 0.
 * Golden: native only. The i386 kernel runs under qemu TCG, which does not
 * check data segment limits (all these reads succeed there), so only the
 * native run on a real CPU can record them; record-guest-golden.sh skips
 * the i386 run for programs that say "Golden: native only".
 */
#include "guestutil.h"
#include <asm/ldt.h>

static char buf[8192] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!@";

static int load_fs(unsigned short sel)
{
	g_sig = 0;
	if (sigsetjmp(g_jb, 1))
		return g_sig;
	__asm__ volatile("movw %0, %%fs" : : "r"(sel));
	return 0;
}

static void try_fs(const char *label, unsigned off)
{
	unsigned v = 0;
	g_sig = 0;
	if (!sigsetjmp(g_jb, 1)) {
		__asm__ volatile("movl %%fs:(%1), %0" : "=r"(v) : "r"(off));
		printf("%s: no fault, read %.4s\n", label, (char *)&v);
		return;
	}
	printf("%s: %s %s addr=%#lx trapno=%d err=%#x\n", label, signame(g_sig), sicodename(g_sig, g_code),
	       (unsigned long)g_addr, g_trapno, g_err);
}

int main(void)
{
	guest_init();
	catch_faults();
	struct user_desc t = {.entry_number = -1, .base_addr = (uintptr_t)buf, .limit = 63, .seg_32bit = 1, .useable = 1};
	printf("set_thread_area 64-byte segment: %s\n", syscall(SYS_set_thread_area, &t) ? errname(errno) : "ok");
	load_fs((t.entry_number << 3) | 3);
	try_fs("TLS read at 60 (last dword)", 60);
	try_fs("TLS read at 61 (straddles the limit)", 61);
	try_fs("TLS read at 64", 64);
	try_fs("TLS read at 0xfffffffc", 0xfffffffcU);

	struct user_desc d = {.entry_number = 0, .base_addr = (uintptr_t)buf, .limit = 0xfff, .seg_32bit = 1, .useable = 1};
	if (syscall(SYS_modify_ldt, 0x11, &d, sizeof(d))) {
		printf("modify_ldt: %s\n", errname(errno));
		return 0;
	}
	load_fs(0x7);
	try_fs("LDT 4 kB segment, read at 0xffc", 0xffc);
	try_fs("LDT 4 kB segment, read at 0xffd", 0xffd);
	try_fs("LDT 4 kB segment, read at 0x1000", 0x1000);
	struct user_desc s16 = {.entry_number = 1, .base_addr = (uintptr_t)buf + 4, .limit = 15, .seg_32bit = 1};
	syscall(SYS_modify_ldt, 1, &s16, sizeof(s16));
	load_fs(0xf);
	try_fs("16-byte segment, read at 12", 12);
	try_fs("16-byte segment, read at 16", 16);
	struct user_desc e = {.entry_number = 3, .base_addr = (uintptr_t)buf, .limit = 0xff, .seg_32bit = 1, .contents = 1,
			      .useable = 1};
	syscall(SYS_modify_ldt, 0x11, &e, sizeof(e));
	load_fs(0x1f);
	try_fs("expand-down, read at 0x10 (the hole)", 0x10);
	try_fs("expand-down, read at 0xfc (straddles into the valid part)", 0xfc);
	try_fs("expand-down, read at 0x100 (first valid offset)", 0x100);
	load_fs(0);
	try_fs("null selector in %fs, read at 0", 0);
	return 0;
}
