/*
 * modify_ldt: write LDT entries (func 0x11 new format, func 1 old format),
 * read the table back (func 0) as raw descriptors, load an LDT selector
 * into %fs and read through it, an expand-down segment's inverted limit,
 * the default LDT (func 2) and the checks.
 * Reads past a limit or inside an expand-down hole are in seg_limits.c.
 * Authoritative golden: i386 (the x86-64 host may have modify_ldt disabled).
 */
#include "guestutil.h"
#include <asm/ldt.h>

static char buf[8192] = "LDT-data-segment";

static int load_fs(unsigned short sel)
{
	g_sig = 0;
	if (sigsetjmp(g_jb, 1))
		return g_sig;
	__asm__ volatile("movw %0, %%fs" : : "r"(sel));
	return 0;
}

static int read_fs(unsigned off, unsigned *val)
{
	g_sig = 0;
	if (sigsetjmp(g_jb, 1))
		return g_sig;
	unsigned v;
	__asm__ volatile("movl %%fs:(%1), %0" : "=r"(v) : "r"(off));
	*val = v;
	return 0;
}

static void show_fault(const char *label, int sig)
{
	if (!sig)
		printf("%s: no fault\n", label);
	else
		printf("%s: %s %s addr=%#lx trapno=%d err=%#x\n", label, signame(sig), sicodename(sig, g_code),
		       (unsigned long)g_addr, g_trapno, g_err);
}

int main(void)
{
	guest_init();
	catch_faults();
	unsigned char raw[64];
	long r = syscall(SYS_modify_ldt, 0, raw, sizeof(raw));
	if (r < 0) {
		printf("modify_ldt read: %s\n", errname(errno));
		return 0;
	}
	printf("read an empty LDT: %ld bytes\n", r);
	struct user_desc d = {.entry_number = 0, .base_addr = (uintptr_t)buf, .limit = 0xfff, .seg_32bit = 1, .useable = 1};
	printf("write entry 0 (0x11): %s\n", syscall(SYS_modify_ldt, 0x11, &d, sizeof(d)) ? errname(errno) : "ok");
	r = syscall(SYS_modify_ldt, 0, raw, sizeof(raw));
	printf("read back: %ld bytes; entry 0 descriptor bytes 0,1,5,6: %02x %02x %02x %02x, base matches: %s\n", r, raw[0],
	       raw[1], raw[5], raw[6],
	       (raw[2] | raw[3] << 8 | raw[4] << 16 | (unsigned)raw[7] << 24) == (uintptr_t)buf ? "yes" : "no");
	unsigned v = 0;
	show_fault("load %fs = 0x7 (LDT entry 0, RPL 3)", load_fs(0x7));
	show_fault("read %fs:0", read_fs(0, &v));
	printf("value: %.4s\n", (char *)&v);
	show_fault("read %fs:0xffc", read_fs(0xffc, &v));

	/* Expand-down (contents 1): valid offsets are limit+1 .. 0xffffffff. */
	struct user_desc e = {.entry_number = 3, .base_addr = (uintptr_t)buf, .limit = 0xff, .seg_32bit = 1,
			      .contents = 1, .useable = 1};
	printf("write entry 3 expand-down: %s\n", syscall(SYS_modify_ldt, 0x11, &e, sizeof(e)) ? errname(errno) : "ok");
	show_fault("load %fs = 0x1f", load_fs(0x1f));
	show_fault("read %fs:0x100 (first valid offset)", read_fs(0x100, &v));
	r = syscall(SYS_modify_ldt, 0, raw, sizeof(raw));
	printf("LDT now %ld bytes (entries 0..3)\n", r);

	struct user_desc old = {.entry_number = 1, .base_addr = (uintptr_t)buf + 4, .limit = 15, .seg_32bit = 1};
	printf("write entry 1 (old format 1): %s\n", syscall(SYS_modify_ldt, 1, &old, sizeof(old)) ? errname(errno) : "ok");
	show_fault("load %fs = 0xf", load_fs(0xf));
	show_fault("read %fs:0", read_fs(0, &v));
	printf("value: %.4s\n", (char *)&v);

	struct user_desc code = {.entry_number = 2, .base_addr = 0, .limit = 0xfffff, .seg_32bit = 1, .contents = 2,
				 .read_exec_only = 1, .limit_in_pages = 1, .useable = 1};
	printf("write entry 2 execute-only code: %s\n", syscall(SYS_modify_ldt, 0x11, &code, sizeof(code)) ? errname(errno) : "ok");
	show_fault("load it into %fs", load_fs(0x17));
	show_fault("load entry 9 (beyond the LDT)", load_fs(0x4f));
	show_fault("load entry 0 with RPL 0", load_fs(0x4));
	load_fs(0);

	printf("read default (func 2): %ld\n", syscall(SYS_modify_ldt, 2, raw, sizeof(raw)));
	printf("func 3: %s\n", syscall(SYS_modify_ldt, 3, raw, sizeof(raw)) < 0 ? errname(errno) : "ok");
	struct user_desc big = d;
	big.entry_number = 8192;
	printf("entry 8192: %s\n", syscall(SYS_modify_ldt, 0x11, &big, sizeof(big)) ? errname(errno) : "ok");
	printf("short bytecount: %s\n", syscall(SYS_modify_ldt, 0x11, &d, 4) ? errname(errno) : "ok");
	return 0;
}
