/*
 * Regression (issue 9): a read of an empty FIFO the guest opened O_RDWR blocked forever in
 * the host's read, beyond --max-insns. A single-process guest holding the only writer can
 * never be woken: vmlab must say so and end the run (status 137), as for its own pipes.
 * argv[1]: a FIFO made by tests/e2e/sandbox.sh. Not comparable with a native run (that
 * one would hang).
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc != 2)
		return 2;
	int fd = open(argv[1], O_RDWR);
	printf("open O_RDWR: %s\n", fd < 0 ? "failed" : "ok");
	char c = 0;
	printf("write: %zd\n", write(fd, "z", 1));
	ssize_t r = read(fd, &c, 1);
	printf("read: %zd %c\n", r, c);
	printf("reading the empty FIFO\n");
	ssize_t n = read(fd, &c, 1);
	printf("read returned %zd: should not be reached\n", n);
	return 0;
}
