/*
 * For tests/e2e/host_stop.sh: dirties a shared mapping of FILE (3 pages: "shared N" at the
 * start of page N) and a private mapping of FILE2 (its writes must never reach the file),
 * says "ready" on stdout, then waits for vmlab to be stopped by a signal sent to it:
 * spinning, or (argv[3] "read") blocked reading stdin. No golden: it never ends by itself.
 */
#include "guestutil.h"

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644);
	int fd2 = open(argv[2], O_RDWR);
	if (fd < 0 || fd2 < 0 || ftruncate(fd, 3 * PG))
		return 3;
	char *s = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd2, 0);
	if (s == MAP_FAILED || p == MAP_FAILED)
		return 4;
	close(fd);
	close(fd2);
	for (int i = 0; i < 3; i++)
		snprintf(s + i * PG, 16, "shared %d", i);
	memcpy(p, "private", 7);
	write(1, "ready\n", 6);
	if (argc > 3 && !strcmp(argv[3], "read")) {
		char c;
		read(0, &c, 1);
		write(1, "read returned\n", 14);
	}
	for (volatile unsigned long n = 0;; n++)
		;
}
