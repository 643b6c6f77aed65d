/*
 * The replacement-policy reference program: K rounds over M pages, M larger than the frames
 * the program can have, one access per page in order; with HOT=1, one hot page is also
 * touched before every access. Prints, for rounds 2..K, how many accesses found their page
 * not resident (mincore just before the access: a miss is a major fault), for the loop pages
 * and for the hot page apart, the major faults of those rounds (getrusage: the misses plus
 * the faults of the program's other pages, its stack and libc data, which the loop leaves
 * unused for long), and whether the data survived. What each policy must give follows from its definition
 * (tests/e2e/swap.sh states it): with a cyclic loop larger than memory the page used next is
 * always the one used longest ago, so LRU, FIFO and CLOCK (every page referenced since the
 * hand last passed, so it degenerates to FIFO) take a major fault on every access of rounds
 * 2..K: (K-1) x M. The hot page is the most recently used page at every choice, so LRU never
 * evicts it, and its Accessed bit is always set when the hand reaches it, so CLOCK never
 * does: still exactly (K-1) x M. FIFO evicts it once it is the oldest: more.
 * Usage: swap_policy M K HOT
 */
#include "guestutil.h"

int main(int argc, char **argv)
{
	if (argc < 4)
		return 2;
	unsigned m = (unsigned)atoi(argv[1]), k = (unsigned)atoi(argv[2]);
	int hot = atoi(argv[3]);
	volatile unsigned *hotp = mmap(NULL, PG, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *p = mmap(NULL, (size_t)m * PG, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || (void *)hotp == MAP_FAILED)
		return 3;
	madvise(p, (size_t)m * PG, MADV_NOHUGEPAGE);
	*hotp = 0;
	struct rusage ru0, ru1;
	int bad = 0;
	unsigned long loop_miss = 0, hot_miss = 0;
	static unsigned char vec[1];
	for (unsigned r = 0; r < k; r++) {
		if (r == 1)
			getrusage(RUSAGE_SELF, &ru0);
		for (unsigned i = 0; i < m; i++) {
			if (hot) {
				if (r && !mincore((void *)hotp, PG, vec) && !(vec[0] & 1))
					hot_miss++;
				(*hotp)++;
			}
			if (r && !mincore(p + (size_t)i * PG, PG, vec) && !(vec[0] & 1))
				loop_miss++;
			if (p[(size_t)i * PG] != (unsigned char)(r ? r - 1 + i : 0))
				bad++;
			p[(size_t)i * PG] = (unsigned char)(r + i);
		}
	}
	getrusage(RUSAGE_SELF, &ru1);
	printf("loop misses %lu\nhot misses %lu\n", loop_miss, hot_miss);
	printf("majflt %ld\n", ru1.ru_majflt - ru0.ru_majflt);
	printf("%s\n", bad || *hotp != (hot ? m * k : 0) ? "DATA CORRUPTED" : "data intact");
	return 0;
}
