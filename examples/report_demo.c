/*
 * A small program to read a report of (`make run`, docs/observe.md "Report"): a heap
 * filled by malloc, a 1 MB anonymous mapping of which every other page is touched, and a
 * child process that writes into half of those pages, so that it takes copy-on-write
 * faults while the parent's stay shared. Built with gcc -m32 -static.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096
#define AREA (1 << 20)

/* one write per page, every stride-th page: a demand-zero (or copy-on-write) fault each */
__attribute__((noinline)) static void touch(char *p, size_t bytes, size_t stride)
{
	for (size_t off = 0; off < bytes; off += stride * PAGE)
		p[off] = 1;
}

int main(void)
{
	char *heap = malloc(96 * 1024); /* below the mmap threshold: from brk */
	char *area = mmap(NULL, AREA, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!heap || area == MAP_FAILED) {
		perror("report_demo");
		return 1;
	}
	memset(heap, 1, 96 * 1024);
	touch(area, AREA, 2);
	pid_t pid = fork();
	if (pid == 0) {
		touch(area, AREA / 2, 2); /* the child's copies of the first half */
		_exit(0);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	long sum = 0;
	for (size_t off = 0; off < AREA; off += PAGE)
		sum += area[off];
	printf("report_demo: touched %d pages, child exited with %d, sum %ld\n", AREA / PAGE / 2,
	       WEXITSTATUS(status), sum);
	return 0;
}
