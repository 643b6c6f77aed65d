/*
 * Touches memory 1 MB at a time: argv[1] MB (required, so that a run without arguments
 * cannot eat a host's memory), then prints how much. Used by tests/e2e/mem_sizes.sh to run machines
 * of the smallest sizes to their limit: the OOM killer must end the program cleanly. No golden (its
 * output depends on --mem).
 */
#include "guestutil.h"

int main(int argc, char **argv)
{
	if (argc < 2) {
		printf("usage: mm_fill MB\n");
		return 2;
	}
	long want = atol(argv[1]), n = 0;
	for (; n < want; n++) {
		char *p =
		    mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			printf("mmap failed after %ld MB: %s\n", n, errname(errno));
			return 1;
		}
		for (long i = 0; i < 1 << 20; i += PG)
			p[i] = 1;
	}
	printf("touched %ld MB\n", n);
	return 0;
}
