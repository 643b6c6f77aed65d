/* Bit operations: popcount, clz/ctz (BSR/BSF), rotates, byte swaps, bit fields, parity. */
#include <stdint.h>
#include <stdio.h>

struct bf {
	unsigned a : 3, b : 7, c : 1, d : 13;
	int e : 5;
};

static uint32_t rol(uint32_t x, unsigned n) { return (x << (n & 31)) | (x >> ((32 - n) & 31)); }
static uint32_t ror(uint32_t x, unsigned n) { return (x >> (n & 31)) | (x << ((32 - n) & 31)); }

int main(void)
{
	uint32_t x = 0x9e3779b9u, h = 0;
	for (int k = 0; k < 3000; k++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		h += (uint32_t)__builtin_popcount(x);
		h += x ? (uint32_t)__builtin_clz(x) * 3 + (uint32_t)__builtin_ctz(x) : 99;
		h ^= rol(x, k) + ror(x, k * 7);
		h += __builtin_bswap32(x) >> 3;
		h += (uint32_t)__builtin_parity(x) + (uint16_t)__builtin_bswap16((uint16_t)x);
		uint64_t y = (uint64_t)x << 32 | h;
		h += (uint32_t)__builtin_popcountll(y) + (uint32_t)__builtin_ctzll(y | 1ull << 63);
		h += (x >> 5 & 1) ? 7 : 11; /* bt-style tests */
		if (k % 500 == 0)
			printf("k=%d x=%08x h=%08x pop=%d clz=%d ctz=%d\n", k, x, h, __builtin_popcount(x),
			       x ? __builtin_clz(x) : -1, x ? __builtin_ctz(x) : -1);
	}
	struct bf b = {0};
	for (int k = 0; k < 100; k++) {
		b.a += 3;
		b.b ^= (unsigned)k;
		b.c = !b.c;
		b.d += (unsigned)k * 97;
		b.e -= 3;
	}
	printf("bitfields %u %u %u %u %d\n", b.a, b.b, b.c, b.d, b.e);
	uint8_t bits[64] = {0};
	for (int k = 0; k < 512; k += 7)
		bits[k / 8] |= (uint8_t)(1u << (k % 8));
	int cnt = 0;
	for (int k = 0; k < 512; k++)
		cnt += bits[k / 8] >> (k % 8) & 1;
	printf("bitmap count %d final %08x\n", cnt, h);
	return 0;
}
