/*
 * Memory pressure as the real i386 kernel shows it with a swap disk: what
 * scripts/linux-oracle/record-swap.sh records (tests/golden/linux/686/swap/) and
 * tests/e2e/swap_oracle.sh compares vmlab with. No golden in tests/guest/expected: it runs
 * with a swap device, which the plain guest goldens have not.
 * Usage: swap_oracle seq|rand|hot MB        a working set of MB megabytes, filled and
 *                                           verified twice (two generations);
 *        swap_oracle pageout PAGES          MADV_PAGEOUT of PAGES touched pages, then a
 *                                           read of each;
 *        swap_oracle areas MB               MB touched once with several swap areas: how
 *                                           the slots spread over them (priorities).
 * Prints /proc/swaps and SwapTotal, whether the data survived, and the raw counters the
 * run moved (getrusage faults, /proc/vmstat deltas, mincore's non-resident pages at the
 * end): the comparison decides which of them must match exactly and which depend on timing.
 */
#include "guestutil.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

static const char *const counters[] = {
	"pswpin", "pswpout", "swap_ra", "swap_ra_hit", "workingset_refault_anon",
	"workingset_activate_anon", "workingset_restore_anon", "oom_kill", NULL};
#define NCTR 8

static void vmstat(long *v)
{
	FILE *f = fopen("/proc/vmstat", "r");
	char k[64];
	long x;
	for (int i = 0; i < NCTR; i++)
		v[i] = -1;
	while (f && fscanf(f, "%63s %ld", k, &x) == 2)
		for (int i = 0; i < NCTR; i++)
			if (!strcmp(k, counters[i]))
				v[i] = x;
	if (f)
		fclose(f);
}

static long meminfo_kb(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char k[64];
	long v, r = -1;
	while (f && fscanf(f, "%63s %ld kB", k, &v) == 2)
		if (!strcmp(k, key))
			r = v;
	if (f)
		fclose(f);
	return r;
}

static void show_swaps(void)
{
	FILE *f = fopen("/proc/swaps", "r");
	char line[256];
	while (f && fgets(line, sizeof line, f))
		printf("swaps: %s", line);
	if (f)
		fclose(f);
	printf("SwapTotal: %ld kB\n", meminfo_kb("SwapTotal:"));
}

static uint32_t pattern(uint32_t page, uint32_t word, uint32_t gen)
{
	uint32_t x = page * 2654435761u ^ word * 40503u ^ gen * 0x9e3779b9u;
	return x ^ x >> 13;
}

static uint32_t *base;
static uint32_t npages;

static void fill(uint32_t pg, uint32_t gen)
{
	uint32_t *w = base + pg * (PG / 4);
	for (uint32_t i = 0; i < PG / 4; i += 256)
		w[i] = pattern(pg, i, gen);
}

static int check(uint32_t pg, uint32_t gen)
{
	uint32_t *w = base + pg * (PG / 4);
	for (uint32_t i = 0; i < PG / 4; i += 256)
		if (w[i] != pattern(pg, i, gen))
			return 1;
	return w[1] != 0;
}

static uint32_t lcg;
static uint32_t page_at(const char *mode, uint32_t i)
{
	if (!strcmp(mode, "rand")) {
		lcg = lcg * 1103515245u + 12345u;
		return (lcg >> 8) % npages;
	}
	return i;
}

/* hot: between two accesses of the loop the first HOT pages are read again */
#define HOT 16

static int pass(const char *mode, uint32_t gen, int verify)
{
	int bad = 0;
	lcg = 12345 + gen;
	for (uint32_t i = 0; i < npages; i++) {
		uint32_t pg = page_at(mode, i);
		if (!strcmp(mode, "hot") && pg < HOT)
			continue; /* the hot set keeps generation 0 */
		if (verify)
			bad += check(pg, gen);
		else
			fill(pg, gen);
		if (!strcmp(mode, "hot"))
			for (uint32_t h = 0; h < HOT; h++)
				bad += check(h, 0);
	}
	return bad;
}

static long nonresident(void)
{
	unsigned char *vec = malloc(npages);
	if (!vec || mincore(base, (size_t)npages * PG, vec))
		return -1;
	long n = 0;
	for (uint32_t i = 0; i < npages; i++)
		n += !(vec[i] & 1);
	free(vec);
	return n;
}

static void counts(const long *v0, const struct rusage *r0, long nonres)
{
	long v1[NCTR];
	struct rusage r1;
	vmstat(v1);
	getrusage(RUSAGE_SELF, &r1);
	printf("majflt %ld\n", r1.ru_majflt - r0->ru_majflt);
	printf("minflt %ld\n", r1.ru_minflt - r0->ru_minflt);
	for (int i = 0; i < NCTR; i++)
		printf("%s %ld\n", counters[i], v0[i] < 0 || v1[i] < 0 ? -1 : v1[i] - v0[i]);
	printf("nonresident %ld\n", nonres);
}

/* After the fill: each area's use ("area NAME prio P used_kb U"), and the facts the
 * priorities decide: areas of the highest priority in use share it within one batch of
 * slots (SWAP_BATCH, 64 pages), lower ones untouched while those have room. */
static void areas_report(void)
{
	FILE *f = fopen("/proc/swaps", "r");
	char line[256], name[64], type[32];
	long size[8], used[8];
	int prio[8], n = 0;
	while (f && fgets(line, sizeof line, f))
		if (n < 8 && sscanf(line, "%63s %31s %ld %ld %d", name, type, &size[n], &used[n],
				    &prio[n]) == 5) {
			printf("area %s prio %d\nused_kb %ld\n", name, prio[n], used[n]);
			n++;
		}
	if (f)
		fclose(f);
	int top = -32768, spread_ok = 1, lower_ok = 1;
	for (int i = 0; i < n; i++)
		if (used[i] && prio[i] > top)
			top = prio[i];
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++) {
			if (prio[i] == top && prio[j] == top && used[i] - used[j] > 64 * 4)
				spread_ok = 0;
			if (prio[i] < top && used[i] && prio[j] == top && used[j] < size[j] - 64 * 4)
				lower_ok = 0;
		}
	printf("areas of the top priority in use share it within a batch: %s\n",
	       spread_ok ? "yes" : "no");
	printf("lower priorities unused while the top has room: %s\n", lower_ok ? "yes" : "no");
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: swap_oracle seq|rand|hot MB | pageout PAGES\n");
		return 2;
	}
	const char *mode = argv[1];
	long arg = atol(argv[2]);
	show_swaps();
	/* what the kernel leaves the program: vmlab's kernel uses less memory than the real one */
	printf("memfree_kb %ld\n", meminfo_kb("MemFree:"));
	npages = !strcmp(mode, "pageout") ? (uint32_t)arg : (uint32_t)arg * 256;
	printf("%s %ld%s: %u pages\n", mode, arg, !strcmp(mode, "pageout") ? " pages" : " MB", npages);
	base = mmap(NULL, (size_t)npages * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	if (base == MAP_FAILED) {
		printf("mmap: %s\n", errname(errno));
		return 1;
	}
	long v0[NCTR];
	struct rusage r0;
	int bad = 0;
	if (!strcmp(mode, "pageout")) {
		for (uint32_t pg = 0; pg < npages; pg++)
			fill(pg, 1);
		vmstat(v0);
		getrusage(RUSAGE_SELF, &r0);
		int r = madvise(base, (size_t)npages * PG, MADV_PAGEOUT);
		printf("madvise(MADV_PAGEOUT): %s\n", r ? errname(errno) : "0");
		long nr = nonresident();
		printf("after pageout:\n");
		counts(v0, &r0, nr);
		vmstat(v0);
		getrusage(RUSAGE_SELF, &r0);
		for (uint32_t pg = 0; pg < npages; pg++)
			bad += check(pg, 1);
		printf("after reading back: %s\n", bad ? "DATA CORRUPTED" : "data intact");
		counts(v0, &r0, nonresident());
		return bad != 0;
	}
	if (!strcmp(mode, "areas")) {
		/* the spread right after the fill: swap-ins then free slots unevenly (a page read
		 * back gives its slot up while swap is more than half full) */
		for (uint32_t pg = 0; pg < npages; pg++)
			fill(pg, 1);
		areas_report();
		for (uint32_t pg = 0; pg < npages; pg++)
			bad += check(pg, 1);
		printf("areas: %s\n", bad ? "DATA CORRUPTED" : "data intact");
		return bad != 0;
	}
	if (!strcmp(mode, "hot"))
		for (uint32_t pg = 0; pg < HOT; pg++)
			fill(pg, 0);
	vmstat(v0);
	getrusage(RUSAGE_SELF, &r0);
	for (uint32_t gen = 1; gen <= 2; gen++) {
		bad += pass(mode, gen, 0);
		bad += pass(mode, gen, 1);
	}
	printf("%s: %s\n", mode, bad ? "DATA CORRUPTED" : "data intact");
	counts(v0, &r0, nonresident());
	return bad != 0;
}
