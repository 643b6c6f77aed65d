/*
 * Transparent huge pages. Debian's i386 kernels are built with THP
 * "always": a write fault in an anonymous mapping that covers a whole
 * aligned huge page (4 MB with 2-level paging, 2 MB with PAE) maps a huge
 * page at once: one fault, Rss and AnonHugePages jump by the huge page size.
 * MADV_NOHUGEPAGE turns it off for a mapping.
 * Authoritative golden: i386 (the x86-64 host here runs THP in "madvise"
 * mode, and its huge pages are 2 MB).
 */
#include "guestutil.h"

#define HUGE (4UL << 20)

int main(void)
{
	guest_init();
	char *s = slurp("/sys/kernel/mm/transparent_hugepage/enabled");
	printf("THP setting: %s", s ? s : "none\n");
	char *raw = mmap(NULL, 3 * HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p = (char *)(((uintptr_t)raw + HUGE - 1) & ~(HUGE - 1));
	munmap(raw, p - raw);
	munmap(p + HUGE, raw + 3 * HUGE - (p + HUGE));
	long f0 = minflt();
	p[12345] = 1;
	long f1 = minflt();
	printf("write one byte in an aligned 4 MB mapping: %ld fault(s), Rss %ld kB, AnonHugePages %ld kB\n", f1 - f0,
	       smaps_kb(p, "Rss"), smaps_kb(p, "AnonHugePages"));
	char *q = mmap(NULL, 3 * HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a = (char *)(((uintptr_t)q + HUGE - 1) & ~(HUGE - 1));
	printf("MADV_NOHUGEPAGE: %s\n", madvise(q, 3 * HUGE, MADV_NOHUGEPAGE) ? errname(errno) : "ok");
	f0 = minflt();
	a[12345] = 1;
	f1 = minflt();
	printf("same with MADV_NOHUGEPAGE: %ld fault(s), Rss %ld kB\n", f1 - f0, smaps_kb(q, "Rss"));
	char *r = mmap(NULL, 64 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	f0 = minflt();
	r[0] = 1;
	f1 = minflt();
	printf("small mapping: %ld fault(s), Rss %ld kB\n", f1 - f0, smaps_kb(r, "Rss"));
	return 0;
}
