/* 64-bit integer arithmetic (libgcc's __divdi3/__udivdi3/__moddi3 and inline sequences). */
#include <inttypes.h>
#include <stdio.h>

int main(void)
{
	uint64_t x = 0x123456789abcdef0ull, acc = 0;
	int64_t s = -987654321012345678ll;
	for (int k = 1; k < 500; k++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		uint64_t d = (x >> (k % 40)) | 1;
		int64_t sd = (int64_t)(x >> 3) * ((k & 1) ? -1 : 1);
		acc += x / d + x % d;
		acc ^= (uint64_t)(s / (sd | 1)) + (uint64_t)(s % (sd | 1));
		acc += (x << (k % 64)) + (x >> (k % 64)) + (uint64_t)((int64_t)x >> (k % 64));
		acc += (uint64_t)(sd < s) + 2 * (uint64_t)(x > acc);
		if (k % 50 == 0)
			printf("k=%d x=%016" PRIx64 " d=%" PRIu64 " q=%" PRIu64 " r=%" PRIu64 " acc=%016" PRIx64 "\n",
			       k, x, d, x / d, x % d, acc);
	}
	printf("s/7=%" PRId64 " s%%7=%" PRId64 " s*3=%" PRId64 "\n", s / 7, s % 7, s * 3);
	printf("umax=%" PRIu64 " smin=%" PRId64 "\n", UINT64_MAX, INT64_MIN);
	uint32_t a = 0xffffffffu, b = 0xfffffffeu;
	printf("widening %" PRIu64 "\n", (uint64_t)a * b);
	printf("final %016" PRIx64 "\n", acc);
	return 0;
}
