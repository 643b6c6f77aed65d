/* Integer arithmetic in every width: wrap-around, signed/unsigned mixing, flags via compares. */
#include <stdint.h>
#include <stdio.h>

static uint32_t seed = 12345;
static uint32_t rnd(void)
{
	seed = seed * 1103515245u + 12345u;
	return seed ^ (seed >> 15);
}

int main(void)
{
	uint32_t h = 0;
	for (int k = 0; k < 2000; k++) {
		uint32_t a = rnd(), b = rnd();
		int32_t sa = (int32_t)a, sb = (int32_t)b;
		uint8_t a8 = (uint8_t)a, b8 = (uint8_t)b;
		int16_t s16 = (int16_t)a, t16 = (int16_t)b;
		h = h * 31 + (a + b);
		h = h * 31 + (a - b);
		h = h * 31 + (a * b);
		h = h * 31 + (uint32_t)(sa < sb) + 2 * (a < b) + 4 * (sa <= sb) + 8 * (a >= b);
		h = h * 31 + (uint8_t)(a8 + b8) + (uint8_t)(a8 * b8);
		h = h * 31 + (uint16_t)(s16 * t16) + (uint16_t)(s16 - t16);
		h = h * 31 + (uint32_t)(s16 < t16) + (uint32_t)(a8 > b8) * 3;
		h = h * 31 + (a >> (b & 31)) + (uint32_t)(sa >> (b & 31)) + (a << (b & 31));
		h = h * 31 + (a & b) + (a | b) + (a ^ b) + ~a;
		h = h * 31 + (uint32_t)(-sa) + (uint32_t)(sa > 0 ? sa : -sa);
		if (k % 250 == 0)
			printf("k=%d a=%08x b=%08x sum=%08x diff=%d prod=%u h=%08x\n", k, a, b, a + b,
			       sa - sb, a * b, h);
	}
	int8_t c = 127;
	c++;
	printf("int8 wrap %d\n", c);
	unsigned short us = 65535;
	us += 2;
	printf("u16 wrap %u\n", us);
	long long ll = 0x7fffffffLL;
	ll += 1;
	printf("ll %lld\n", ll);
	printf("final %08x\n", h);
	return 0;
}
