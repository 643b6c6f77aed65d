/* Division: signed/unsigned 8/16/32/64-bit, negative operands, constants (multiply-high). */
#include <inttypes.h>
#include <stdio.h>

static volatile int32_t vdiv[] = {1, -1, 3, -3, 7, 10, -10, 255, 65536, 2147483647, -2147483647};

int main(void)
{
	int32_t nums[] = {0, 1, -1, 17, -17, 1000000007, -1000000007, 2147483647, -2147483647 - 1, 12345};
	for (unsigned i = 0; i < sizeof nums / sizeof nums[0]; i++)
		for (unsigned j = 0; j < sizeof vdiv / sizeof vdiv[0]; j++) {
			int32_t a = nums[i], b = vdiv[j];
			if (a == INT32_MIN && b == -1)
				continue;
			printf("%d/%d=%d r%d u:%u r%u\n", a, b, a / b, a % b, (uint32_t)a / (uint32_t)b, (uint32_t)a % (uint32_t)b);
		}
	for (int32_t a = -50; a <= 50; a += 7)
		printf("%d: /3=%d /5=%d /7=%d %%10=%d u/10=%u\n", a, a / 3, a / 5, a / 7, a % 10, (uint32_t)a / 10u);
	int16_t s = -30000;
	int8_t c = -100;
	volatile int16_t d16 = 7;
	volatile int8_t d8 = -3;
	printf("16: %d %d 8: %d %d\n", s / d16, s % d16, c / d8, c % d8);
	uint64_t u = 0xfedcba9876543210ull;
	int64_t v = -0x123456789abcdefll;
	for (uint64_t d = 3; d < (1ull << 60); d = d * 13 + 1)
		printf("%" PRIu64 ": %" PRIu64 " %" PRIu64 " %" PRId64 " %" PRId64 "\n", d, u / d, u % d, v / (int64_t)d, v % (int64_t)d);
	return 0;
}
