/* CPU-bound integer benchmark for bench/cpu.sh: sieve, hashing, sorting, a little VM. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t sieve[2000000];

static int cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int scale = argc > 1 ? atoi(argv[1]) : 1;
	uint32_t h = 0;
	for (int rep = 0; rep < scale; rep++) {
		memset(sieve, 1, sizeof sieve);
		int primes = 0;
		for (uint32_t i = 2; i < sizeof sieve; i++)
			if (sieve[i]) {
				primes++;
				for (uint32_t j = i * 2; j < sizeof sieve; j += i)
					sieve[j] = 0;
			}
		h = h * 31 + (uint32_t)primes;
		static uint32_t v[200000];
		uint32_t x = 12345u + (uint32_t)rep;
		for (int k = 0; k < 200000; k++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			v[k] = x;
		}
		qsort(v, 200000, sizeof v[0], cmp);
		for (int k = 0; k < 200000; k += 1000)
			h = h * 33 + v[k];
		/* a tiny stack VM: dispatch-heavy code */
		static const uint8_t prog[] = {1, 7, 1, 5, 2, 1, 3, 4, 3, 5, 0};
		int32_t st[16];
		for (int it = 0; it < 300000; it++) {
			int sp = 0;
			for (const uint8_t *p = prog; *p; p++) {
				switch (*p) {
				case 1: st[sp++] = p[1] + it; p++; break;
				case 2: sp--; st[sp - 1] += st[sp]; break;
				case 3: st[sp - 1] *= 3; break;
				case 4: st[sp - 1] ^= 0x5a5a; break;
				case 5: st[sp - 1] -= 1; break;
				}
			}
			h += (uint32_t)st[0];
		}
	}
	printf("bench result %08x\n", h);
	return 0;
}
