/*
 * A hostile guest racing a host process (tests/e2e/sandbox.sh) that keeps replacing
 * /rw/flip: a symlink to /rw/realdir, to the host path of a directory outside the root,
 * to ../../outside. Whatever the guest sees between its check and its use, it must never
 * read the outside secret nor write the outside victim: vmlab follows every link itself,
 * inside the root, one component at a time. Prints only what cannot vary: leaks found.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 20000, leaks = 0, inside = 0;
	char buf[64];
	for (int i = 0; i < rounds; i++) {
		int fd = open("/rw/flip/secret", O_RDONLY);
		if (fd >= 0) {
			ssize_t n = read(fd, buf, sizeof(buf) - 1);
			buf[n > 0 ? n : 0] = '\0';
			if (strstr(buf, "SECRET"))
				leaks++;
			else
				inside++;
			close(fd);
		}
		fd = open("/rw/flip/victim", O_WRONLY | O_TRUNC);
		if (fd >= 0) {
			write(fd, "pwned\n", 6);
			close(fd);
		}
		fd = open("/rw/flip/../../outside/secret", O_RDONLY);
		if (fd >= 0) {
			ssize_t n = read(fd, buf, sizeof(buf) - 1);
			buf[n > 0 ? n : 0] = '\0';
			if (strstr(buf, "SECRET"))
				leaks++;
			close(fd);
		}
		chmod("/rw/flip/victim", 0777);
	}
	printf("leaks: %d\n", leaks);
	fprintf(stderr, "reads inside the root: %d\n", inside);
	return 0;
}
