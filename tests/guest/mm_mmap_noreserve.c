/*
 * MAP_NORESERVE: a large private writable mapping that is not charged to the
 * commit accounting; only touched pages use memory. Committed_AS in
 * /proc/meminfo grows for the normal mapping and not for the NORESERVE one.
 * Authoritative golden: both.
 */
#include "guestutil.h"

static long meminfo_kb(const char *name)
{
	char *s = slurp("/proc/meminfo");
	char *l = strstr(s, name);
	return l ? strtol(l + strlen(name) + 1, NULL, 10) : -1;
}

int main(void)
{
	guest_init();
	unsigned long len = 256UL << 20;
	long c0 = meminfo_kb("Committed_AS");
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	long c1 = meminfo_kb("Committed_AS");
	printf("256 MB NORESERVE: %s\n", mapfailname(p));
	printf("Committed_AS grew by less than 1 MB: %s\n", c1 - c0 < 1024 ? "yes" : "no");
	for (unsigned long i = 0; i < len; i += 16 << 20)
		p[i] = 1;
	/* Not the exact Rss: Debian's i386 kernel has THP "always" (4 MB pages), see fault_thp. */
	printf("Rss after touching 16 pages is at least 64 kB: %s\n", smaps_kb(p, "Rss") >= 64 ? "yes" : "no");
	char *q = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long c2 = meminfo_kb("Committed_AS");
	printf("256 MB normal: %s, Committed_AS grew by about 256 MB: %s\n", mapfailname(q),
	       c2 - c1 > 250 * 1024 && c2 - c1 < 262 * 1024 ? "yes" : "no");
	munmap(q, len);
	long c3 = meminfo_kb("Committed_AS");
	printf("after munmap it shrank back: %s\n", c2 - c3 > 250 * 1024 ? "yes" : "no");
	char *r = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long c4 = meminfo_kb("Committed_AS");
	printf("read-only private mapping is not charged: %s\n", c4 - c3 < 1024 ? "yes" : "no");
	munmap(r, len);
	munmap(p, len);
	return 0;
}
