/*
 * brk: growth, shrink, the unaligned return value, a request below the
 * start, growth into another mapping and past RLIMIT_DATA (both fail and
 * return the old break). Values are printed relative to the initial break.
 * Authoritative golden: both (native and i386 must agree).
 */
#include "guestutil.h"

static unsigned long sys_brk(unsigned long a)
{
	return syscall(SYS_brk, a);
}

int main(void)
{
	guest_init();
	catch_faults();
	unsigned long b0 = sys_brk(0);
	printf("initial brk page aligned: %s\n", b0 % PG == 0 ? "yes" : "no");
	unsigned long b = sys_brk(b0 + 10000);
	printf("grow by 10000: brk=start%+ld\n", (long)(b - b0));
	char *p = (char *)b0;
	printf("new memory reads zero: %s\n", p[0] == 0 && p[9999] == 0 ? "yes" : "no");
	p[9999] = 7;
	print_fault("touch last page of heap", try_write(p + 3 * PG - 1, 1), p);
	print_fault("touch beyond heap", try_write(p + 3 * PG, 1), p);
	b = sys_brk(b0 + 100);
	printf("shrink to start+100: brk=start%+ld\n", (long)(b - b0));
	print_fault("touch freed page", try_read(p + PG), p);
	printf("first page kept: %s\n", try_read(p) == 0 ? "yes" : "no");
	b = sys_brk(b0 + 3 * PG);
	printf("regrow: brk=start%+ld, old byte at 9999 now %d\n", (long)(b - b0), p[9999]);
	/* Below the end of bss: refused, the current break comes back. */
	b = sys_brk(0x08048000);
	printf("below start_brk: brk=start%+ld\n", (long)(b - b0));
	b = sys_brk(0);
	printf("brk(0): start%+ld\n", (long)(b - b0));

	/* A mapping 1 MB above the break blocks growth across it. */
	void *blk = mmap((void *)(b0 + 0x100000), PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	printf("blocker at start+1M: %s\n", mapfailname(blk));
	b = sys_brk(b0 + 0x200000);
	printf("grow across blocker: brk=start%+ld\n", (long)(b - b0));
	b = sys_brk(b0 + 0x100000 - PG);
	printf("grow up to blocker: brk=start%+ld\n", (long)(b - b0));
	b = sys_brk(b0 + 0x100000);
	printf("grow onto blocker: brk=start%+ld\n", (long)(b - b0));
	munmap(blk, PG);

	/* RLIMIT_DATA counts the whole data segment (data, bss and heap). */
	struct rlimit rl;
	getrlimit(RLIMIT_DATA, &rl);
	struct rlimit small = {b0 - 0x08048000 + 0x40000, rl.rlim_max};
	printf("setrlimit DATA: %s\n", setrlimit(RLIMIT_DATA, &small) ? errname(errno) : "ok");
	b = sys_brk(b0 + 0x800000);
	printf("grow past RLIMIT_DATA: brk=start%+ld\n", (long)(b - b0));
	setrlimit(RLIMIT_DATA, &rl);
	b = sys_brk(b0 + 0x800000);
	printf("after restoring the limit: brk=start%+ld\n", (long)(b - b0));
	b = sys_brk(b0);
	printf("back to start: brk=start%+ld\n", (long)(b - b0));
	void *s = sbrk(0);
	printf("sbrk(0) == brk: %s\n", (unsigned long)s == b0 ? "yes" : "no");
	return 0;
}
