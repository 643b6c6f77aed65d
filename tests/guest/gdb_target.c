/* A small program for the gdb stub's test (tests/e2e/gdbstub.sh): a function to break at,
 * a global the test watches, a loop to step through, an exit status to check, a SIGSEGV and a fork on request. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

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
	if (argc > 1 && argv[1][0] == 'f') {
		/* "fork": a child runs add_step too, unobserved by the stub */
		pid_t pid = fork();
		if (pid == 0)
			_exit(add_step(1000) == 1000 ? 0 : 1);
		int st;
		if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
			return 99;
	}
	for (int i = 0; i < 8; i++)
		sum += add_step(table[i]);
	printf("sum %d counter %d\n", sum, counter);
	return counter & 0x7f;
}
