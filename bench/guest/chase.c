/* Pointer chase over MB megabytes (default 256): one node per 4 KB page, linked in a random
 * cycle (Sattolo), followed STEPS times (default 10 M). Nearly every step misses the TLB. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	long mb = argc > 1 ? atol(argv[1]) : 256, steps = argc > 2 ? atol(argv[2]) : 10000000;
	size_t pages = (size_t)mb << 8;
	char *mem = malloc(pages << 12);
	uint32_t *perm = malloc(pages * sizeof *perm);
	if (!mem || !perm)
		return 1;
	uint32_t x = 12345;
	for (size_t i = 0; i < pages; i++)
		perm[i] = (uint32_t)i;
	for (size_t i = pages - 1; i > 0; i--) {
		x = x * 1103515245u + 12345u;
		size_t j = (x >> 8) % i;
		uint32_t t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	for (size_t i = 0; i < pages; i++) /* node i points to node perm[i] */
		*(void **)(mem + (i << 12) + (i * 64 % 4096)) =
		    mem + ((size_t)perm[i] << 12) + (perm[i] * 64u % 4096);
	void **p = (void **)mem;
	for (long s = 0; s < steps; s++)
		p = *p;
	printf("end %u\n", (unsigned)(((char *)p - mem) >> 12));
	return 0;
}
