/* Switch jump tables, function-pointer tables, computed dispatch. */
#include <stdio.h>

static int f0(int x) { return x + 1; }
static int f1(int x) { return x * 3; }
static int f2(int x) { return x ^ 0x55; }
static int f3(int x) { return x - 7; }
static int (*tab[])(int) = {f0, f1, f2, f3};

static int sw(int v, int acc)
{
	switch (v) {
	case 0: return acc + 17;
	case 1: return acc * 5;
	case 2: return acc - 3;
	case 3: return acc ^ 0x1234;
	case 4: return acc << 2;
	case 5: return acc >> 1;
	case 6: return acc | 0x100;
	case 7: return acc & 0xffff;
	case 8: return -acc;
	case 9: return acc + v * v;
	case 10: return acc % 1000 + 1;
	case 11: return acc / 3;
	case 13: return acc + 13;
	case 17: return acc - 17;
	default: return acc + 1;
	}
}

static const char *name(char c)
{
	switch (c) {
	case 'a': return "alpha";
	case 'b': return "bravo";
	case 'c': return "charlie";
	case 'x': return "xray";
	case 'z': return "zulu";
	}
	return "other";
}

int main(void)
{
	int acc = 1;
	for (int k = 0; k < 10000; k++) {
		acc = sw(k % 19, acc);
		acc = tab[k & 3](acc);
	}
	printf("acc %d\n", acc);
	for (const char *p = "abcxyz"; *p; p++)
		printf("%c=%s ", *p, name(*p));
	printf("\n");
	return 0;
}
