/* Process benchmarks for bench/procs.sh:
 *   fork N      a 64 MB process (every page written) forks N children that _exit at once,
 *               each waited for: the cost of copying page tables and tearing them down
 *   pipe MB     MB megabytes through a pipe to a child, 64 KB at a time
 *   pingpong N  one byte back and forth between two processes N times (2N switches) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static int fork_bench(long n)
{
	size_t len = 64u << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	for (long i = 0; i < n; i++) {
		pid_t c = fork();
		if (c == 0)
			_exit(0);
		int st;
		waitpid(c, &st, 0);
	}
	printf("forked %ld times with 64 MB\n", n);
	return 0;
}

static int pipe_bench(long mb)
{
	int p[2];
	pipe(p);
	static char buf[65536];
	pid_t c = fork();
	if (c == 0) {
		close(p[1]);
		long got = 0;
		ssize_t k;
		while ((k = read(p[0], buf, sizeof buf)) > 0)
			got += k;
		printf("read %ld bytes\n", got);
		_exit(0);
	}
	close(p[0]);
	memset(buf, 'x', sizeof buf);
	for (long i = 0; i < mb * 16; i++)
		write(p[1], buf, sizeof buf);
	close(p[1]);
	int st;
	waitpid(c, &st, 0);
	return 0;
}

static int pingpong(long n)
{
	int a[2], b[2];
	pipe(a);
	pipe(b);
	char ch = 0;
	pid_t c = fork();
	if (c == 0) {
		for (long i = 0; i < n; i++) {
			read(a[0], &ch, 1);
			write(b[1], &ch, 1);
		}
		_exit(0);
	}
	for (long i = 0; i < n; i++) {
		write(a[1], &ch, 1);
		read(b[0], &ch, 1);
	}
	int st;
	waitpid(c, &st, 0);
	printf("%ld round trips\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	long n = atol(argv[2]);
	if (!strcmp(argv[1], "fork"))
		return fork_bench(n);
	if (!strcmp(argv[1], "pipe"))
		return pipe_bench(n);
	if (!strcmp(argv[1], "pingpong"))
		return pingpong(n);
	return 2;
}
