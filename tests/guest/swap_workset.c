/*
 * A working set larger than RAM: with --swap it must page, and every byte must come back.
 * Usage: swap_workset MB MODE [ROUNDS] [FORK]
 *   MODE seq: rounds of sequential passes; rand: random page order (a fixed LCG);
 *   hot: a loop over the whole set with a small hot set touched between every access.
 *   FORK 1: a child is forked after the first pass and checks the same pages (shared
 *   copy-on-write, swapped through reverse mapping) while the parent changes its own copy.
 * Prints whether the data survived, and facts that do not depend on timing: that pages
 * were swapped (major faults > 0, pswpout > 0) and that mincore saw non-resident pages.
 * The counts themselves depend on the replacement policy and the kernel, so they are not
 * printed (swap.sh checks them with --stats).
 */
#include "guestutil.h"
#include <sys/wait.h>

static uint32_t pattern(uint32_t page, uint32_t word, uint32_t gen)
{
	uint32_t x = page * 2654435761u ^ word * 40503u ^ gen * 0x9e3779b9u;
	return x ^ x >> 13;
}

static long vmstat(const char *name)
{
	FILE *f = fopen("/proc/vmstat", "r");
	char k[64];
	long v, r = -1;
	while (f && fscanf(f, "%63s %ld", k, &v) == 2)
		if (!strcmp(k, name))
			r = v;
	if (f)
		fclose(f);
	return r;
}

static uint32_t *base;
static uint32_t npages;

static void fill(uint32_t pg, uint32_t gen)
{
	uint32_t *w = base + pg * (PG / 4);
	for (uint32_t i = 0; i < PG / 4; i += 64) /* a few words per page: fast, still checked */
		w[i] = pattern(pg, i, gen);
	w[PG / 4 - 1] = pattern(pg, PG / 4 - 1, gen);
}

static int check(uint32_t pg, uint32_t gen)
{
	uint32_t *w = base + pg * (PG / 4);
	for (uint32_t i = 0; i < PG / 4; i += 64)
		if (w[i] != pattern(pg, i, gen))
			return 1;
	if (w[PG / 4 - 1] != pattern(pg, PG / 4 - 1, gen))
		return 1;
	/* the words not written stay zero */
	return w[1] != 0;
}

static uint32_t lcg = 12345;
static uint32_t next_page(const char *mode, uint32_t i)
{
	if (!strcmp(mode, "rand")) {
		lcg = lcg * 1103515245u + 12345u;
		return (lcg >> 8) % npages;
	}
	return i;
}

static int pass(const char *mode, uint32_t gen, int verify, uint32_t hot)
{
	int bad = 0;
	lcg = 12345 + gen;
	for (uint32_t i = 0; i < npages; i++) {
		uint32_t pg = next_page(mode, i);
		if (verify)
			bad += check(pg, gen);
		else
			fill(pg, gen);
		for (uint32_t h = 0; h < hot; h++) /* the hot set lives in the first pages */
			bad += check(h, 0);
	}
	return bad;
}

static long my_majflt(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_majflt;
}

static int nonresident(void)
{
	static unsigned char vec[1 << 18];
	if (npages > sizeof vec || mincore(base, (size_t)npages * PG, vec))
		return -1;
	int n = 0;
	for (uint32_t i = 0; i < npages; i++)
		n += !(vec[i] & 1);
	return n;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: swap_workset MB seq|rand|hot [ROUNDS] [FORK]\n");
		return 2;
	}
	npages = (uint32_t)atoi(argv[1]) * 256;
	const char *mode = argv[2];
	int rounds = argc > 3 ? atoi(argv[3]) : 2;
	int forked = argc > 4 && atoi(argv[4]);
	uint32_t hot = !strcmp(mode, "hot") ? 8 : 0;
	base = mmap(NULL, (size_t)npages * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	if (base == MAP_FAILED) {
		printf("mmap: %s\n", errname(errno));
		return 1;
	}
	int bad = 0;
	/* generation 0 everywhere first: the hot set checks against it */
	for (uint32_t pg = 0; pg < npages; pg++)
		fill(pg, 0);
	long maj0 = my_majflt();
	pid_t child = -1;
	if (forked) {
		child = fork();
		if (child == 0) {
			/* the child reads the pages it shares with its parent */
			int cbad = 0;
			for (int r = 0; r < rounds; r++)
				cbad += pass("seq", 0, 1, 0);
			printf("child: %s\n", cbad ? "DATA CORRUPTED" : "data intact");
			fflush(stdout);
			_exit(cbad ? 1 : 0);
		}
		int st;
		waitpid(child, &st, 0);
		printf("child exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	}
	for (int r = 1; r <= rounds; r++) {
		uint32_t gen = hot ? 0 : (uint32_t)r;
		if (!hot)
			bad += pass(mode, gen, 0, 0);
		bad += pass(mode, gen, 1, hot);
	}
	long maj = my_majflt() - maj0;
	int nr = nonresident();
	printf("%s %u pages, %d rounds: %s\n", mode, npages, rounds,
	       bad ? "DATA CORRUPTED" : "data intact");
	printf("major faults: %s\n", maj > 0 ? "yes" : "none");
	printf("pswpout: %s\n", vmstat("pswpout") > 0 ? "yes" : "none");
	printf("mincore non-resident pages: %s\n", nr > 0 ? "yes" : nr < 0 ? "error" : "none");
	return bad ? 1 : 0;
}
