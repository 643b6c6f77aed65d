/* Recursion: Fibonacci, Ackermann, Towers of Hanoi, N-queens, permutations. */
#include <stdio.h>

static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
static int ack(int m, int n)
{
	if (m == 0) return n + 1;
	if (n == 0) return ack(m - 1, 1);
	return ack(m - 1, ack(m, n - 1));
}
static long moves;
static void hanoi(int n, int a, int b, int c)
{
	if (!n) return;
	hanoi(n - 1, a, c, b);
	moves++;
	hanoi(n - 1, c, b, a);
}
static int queens(int n, int row, unsigned cols, unsigned d1, unsigned d2)
{
	if (row == n) return 1;
	int cnt = 0;
	for (int c = 0; c < n; c++) {
		if ((cols >> c & 1) || (d1 >> (row + c) & 1) || (d2 >> (row - c + n) & 1)) continue;
		cnt += queens(n, row + 1, cols | 1u << c, d1 | 1u << (row + c), d2 | 1u << (row - c + n));
	}
	return cnt;
}
static int perms;
static void permute(char *s, int k, int n)
{
	if (k == n) { perms++; if (perms % 97 == 0) printf("perm %d %s\n", perms, s); return; }
	for (int i = k; i < n; i++) {
		char t = s[k]; s[k] = s[i]; s[i] = t;
		permute(s, k + 1, n);
		t = s[k]; s[k] = s[i]; s[i] = t;
	}
}

int main(void)
{
	printf("fib(24) = %d\n", fib(24));
	printf("ack(2,3) = %d ack(3,4) = %d\n", ack(2, 3), ack(3, 4));
	hanoi(16, 1, 2, 3);
	printf("hanoi 16: %ld moves\n", moves);
	for (int n = 4; n <= 9; n++)
		printf("queens(%d) = %d\n", n, queens(n, 0, 0, 0, 0));
	char s[] = "abcdef";
	permute(s, 0, 6);
	printf("perms %d\n", perms);
	return 0;
}
