/*
 * set_thread_area / get_thread_area and real segmentation through %fs:
 * glibc's own TLS entry behind %gs (its thread control block points to
 * itself at %gs:0), a new entry chosen by the kernel (entry_number -1), a
 * selector loaded into %fs and memory read through it, a not-present
 * entry, a cleared entry (#GP on loading it), and the range checks. Reads
 * past the segment limit are in seg_limits.c (native golden only).
 * Authoritative golden: i386 (the TLS entries are GDT 6-8 there; an x86-64
 * kernel gives compat tasks GDT 12-14).
 */
#include "guestutil.h"
#include <asm/ldt.h>

static char buf[64] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!@";

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

static void show_desc(const char *label, struct user_desc *d)
{
	printf("%s: entry %u base %s limit %#x seg_32bit %u contents %u read_exec_only %u limit_in_pages %u "
	       "seg_not_present %u useable %u\n",
	       label, d->entry_number, d->base_addr == (uintptr_t)buf ? "=buf" : d->base_addr ? "other" : "0", d->limit,
	       d->seg_32bit, d->contents, d->read_exec_only, d->limit_in_pages, d->seg_not_present, d->useable);
}

int main(void)
{
	guest_init();
	catch_faults();
	unsigned short gs;
	__asm__("movw %%gs, %0" : "=r"(gs));
	printf("glibc's %%gs selector: %#x (GDT entry %u, RPL %u)\n", gs, gs >> 3, gs & 3);
	struct user_desc d = {.entry_number = gs >> 3};
	printf("get_thread_area(glibc's entry): %s\n", syscall(SYS_get_thread_area, &d) ? errname(errno) : "ok");
	uintptr_t self;
	__asm__("movl %%gs:0, %0" : "=r"(self));
	printf("its base is the TCB, which points to itself: %s\n", self == d.base_addr ? "yes" : "no");
	printf("limit %#x limit_in_pages %u seg_32bit %u useable %u\n", d.limit, d.limit_in_pages, d.seg_32bit, d.useable);

	struct user_desc n = {.entry_number = -1, .base_addr = (uintptr_t)buf, .limit = 63, .seg_32bit = 1, .useable = 1};
	long r = syscall(SYS_set_thread_area, &n);
	printf("set_thread_area(-1): %s, entry chosen %u\n", r ? errname(errno) : "ok", n.entry_number);
	struct user_desc back = {.entry_number = n.entry_number};
	syscall(SYS_get_thread_area, &back);
	show_desc("read back", &back);
	unsigned short sel = (n.entry_number << 3) | 3;
	show_fault("load %fs", load_fs(sel));
	unsigned v = 0;
	show_fault("read %fs:4", read_fs(4, &v));
	printf("value: %.4s\n", (char *)&v);
	show_fault("read %fs:60 (last dword inside the limit)", read_fs(60, &v));

	struct user_desc m = n;
	m.entry_number = -1;
	r = syscall(SYS_set_thread_area, &m);
	printf("second -1: %s, entry %u\n", r ? errname(errno) : "ok", m.entry_number);
	struct user_desc o = n;
	o.entry_number = -1;
	r = syscall(SYS_set_thread_area, &o);
	printf("third -1 (all taken): %s\n", r ? errname(errno) : "ok");

	/* Re-point the entry in place: %fs still holds the old descriptor cache,
	 * reloading it picks up the new base. */
	n.base_addr = (uintptr_t)buf + 16;
	syscall(SYS_set_thread_area, &n);
	read_fs(0, &v);
	printf("before reloading %%fs: %.4s\n", (char *)&v);
	load_fs(sel);
	read_fs(0, &v);
	printf("after reloading %%fs: %.4s\n", (char *)&v);

	struct user_desc np = n;
	np.seg_not_present = 1;
	printf("set not-present: %s\n", syscall(SYS_set_thread_area, &np) ? errname(errno) : "ok");
	show_fault("load a not-present selector", load_fs(sel));
	struct user_desc clr = {.entry_number = n.entry_number, .read_exec_only = 1, .seg_not_present = 1};
	printf("clear: %s\n", syscall(SYS_set_thread_area, &clr) ? errname(errno) : "ok");
	back.entry_number = n.entry_number;
	syscall(SYS_get_thread_area, &back);
	show_desc("cleared entry reads back", &back);
	show_fault("load the cleared selector", load_fs(sel));
	load_fs(0);

	struct user_desc bad = n;
	bad.entry_number = 5;
	printf("entry 5: %s\n", syscall(SYS_set_thread_area, &bad) ? errname(errno) : "ok");
	bad.entry_number = 15;
	printf("entry 15: %s\n", syscall(SYS_set_thread_area, &bad) ? errname(errno) : "ok");
	printf("get entry 5: %s\n", syscall(SYS_get_thread_area, &bad) ? errname(errno) : "ok");
	printf("bad pointer: %s\n", syscall(SYS_set_thread_area, (void *)16) ? errname(errno) : "ok");
	return 0;
}
