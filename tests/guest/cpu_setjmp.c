/* setjmp/longjmp across frames, nested. */
#include <setjmp.h>
#include <stdio.h>

static jmp_buf outer, inner;
static int depth_reached;

static void dive(int n)
{
	volatile char pad[64];
	pad[n % 64] = (char)n;
	depth_reached = n + pad[n % 64] - n;
	if (n == 50)
		longjmp(inner, n);
	dive(n + 1);
}

static int try_level(int v)
{
	int r = setjmp(inner);
	if (r == 0) {
		dive(v);
		return -1;
	}
	return r;
}

int main(void)
{
	volatile int count = 0;
	int r = setjmp(outer);
	count++;
	printf("setjmp returned %d (count %d)\n", r, count);
	if (r < 5)
		longjmp(outer, r + 1);
	for (int k = 0; k < 40; k += 10)
		printf("try_level(%d) = %d depth %d\n", k, try_level(k), depth_reached);
	return 0;
}
