/* N rounds (default 200000) of mmap of one anonymous page, a write to it (a demand-zero
 * fault) and munmap: the cost of unmapping, page-table freeing included, per call. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200000;
	for (long i = 0; i < n; i++) {
		char *p =
		    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		p[0] = 1;
		if (munmap(p, 4096)) {
			perror("munmap");
			return 1;
		}
	}
	printf("rounds %ld\n", n);
	return 0;
}
