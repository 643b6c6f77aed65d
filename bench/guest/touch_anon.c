/* Touches MB megabytes (default 1024) of fresh anonymous memory, one write per page: every
 * write is a demand-zero page fault. Prints the page count and the minor faults it took. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>

int main(int argc, char **argv)
{
	long mb = argc > 1 ? atol(argv[1]) : 1024;
	size_t len = (size_t)mb << 20;
	struct rusage r0, r1;
	getrusage(RUSAGE_SELF, &r0);
	/* in 64 MB pieces: a 1 GB region does not fit below mmap_base on a 3G split */
	size_t piece = 64u << 20, pages = 0;
	for (size_t done = 0; done < len; done += piece) {
		char *p = mmap(NULL, piece, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		for (size_t o = 0; o < piece; o += 4096, pages++)
			p[o] = 1;
		munmap(p, piece);
	}
	getrusage(RUSAGE_SELF, &r1);
	printf("pages %zu minflt %ld\n", pages, r1.ru_minflt - r0.ru_minflt);
	return 0;
}
