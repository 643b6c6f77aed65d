/* A small program for the gdb stub's test (tests/e2e/gdbstub.sh): a function to break at,
 * a global the test watches, a loop to step through, an exit status to check, and a SIGSEGV on request. */
#include <stdio.h>

volatile int counter;
int table[16] = {1, 2, 3, 5, 8, 13, 21, 34};

__attribute__((noinline)) int add_step(int x)
{
	counter += x;
	return counter;
}

int main(int argc, char **argv)
{
	int sum = 0;
	if (argc > 1 && argv[1][0] == 's')
		*(volatile int *)0 = 1; /* "segv": a fault the debugger sees as SIGSEGV */
	for (int i = 0; i < 8; i++)
		sum += add_step(table[i]);
	printf("sum %d counter %d\n", sum, counter);
	return counter & 0x7f;
}
