/*
 * /proc/self/stat and /proc/self/statm: state, thread count, the minflt
 * counter against getrusage, vsize against VmSize, statm against status,
 * startstack inside the [stack] VMA, and /proc/self/pagemap's present bit.
 * Authoritative golden: both.
 */
#include "guestutil.h"

static unsigned long field(int n)
{
	char *s = slurp("/proc/self/stat");
	char *p = strrchr(s, ')') + 2; /* field 3 */
	for (int i = 3; i < n; i++)
		p = strchr(p, ' ') + 1;
	return strtoul(p, NULL, 10);
}

int main(void)
{
	guest_init();
	char *s = slurp("/proc/self/stat");
	char *lp = strchr(s, '('), *rp = strrchr(s, ')');
	int len = (int)(rp - lp - 1);
	if (len > 3 && lp[len - 2] == '-' && lp[len - 1] == 'O') /* drop the -O0/-O2 build suffix */
		len -= 3;
	printf("comm: %.*s\n", len, lp + 1);
	printf("state: %c\n", rp[2]);
	printf("num_threads: %lu\n", field(20));
	long f0 = field(10), r0 = minflt(), j0 = field(12);
	char *p = mmap(NULL, 32 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (int i = 0; i < 32; i++)
		p[i * PG] = 1;
	long f1 = field(10), r1 = minflt();
	printf("minflt delta for 32 pages: stat %ld, getrusage %ld\n", f1 - f0, r1 - r0);
	/* The absolute majflt depends on whether the binary was in the page cache. */
	printf("majflt delta: %ld\n", (long)field(12) - j0);
	unsigned long vsize = field(23);
	printf("vsize == VmSize: %s\n", vsize / 1024 == (unsigned long)status_kb("VmSize") ? "yes" : "no");
	unsigned long start = field(28);
	char *m = slurp("/proc/self/maps");
	char *l = strstr(m, "[stack]");
	while (l > m && l[-1] != '\n')
		l--;
	unsigned long lo, hi;
	sscanf(l, "%lx-%lx", &lo, &hi);
	printf("startstack inside [stack]: %s\n", start >= lo && start < hi ? "yes" : "no");
	unsigned long sz, res, shared, text, lib, data;
	sscanf(slurp("/proc/self/statm"), "%lu %lu %lu %lu %lu %lu", &sz, &res, &shared, &text, &lib, &data);
	printf("statm size*4 == VmSize: %s, lib %lu\n", sz * 4 == (unsigned long)status_kb("VmSize") ? "yes" : "no", lib);
	printf("statm text*4 == VmExe: %s\n", text * 4 == (unsigned long)status_kb("VmExe") ? "yes" : "no");
	int fd = open("/proc/self/pagemap", O_RDONLY);
	char *q = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	q[0] = 1;
	unsigned long long e[2];
	long n = pread(fd, e, sizeof(e), (uintptr_t)q / PG * 8);
	printf("pagemap: read %ld bytes, touched page present %d, untouched present %d, exclusive %d\n", n,
	       (int)(e[0] >> 63), (int)(e[1] >> 63), (int)(e[0] >> 56 & 1));
	return 0;
}
