/*
 * execve between dynamically linked programs: a child runs this program again through
 * fork+execve and through vfork+execve (ld.so, libc and the PIE mapped afresh in the new
 * image, AT_BASE set), and an execve whose interpreter is missing (ENOENT), shorter than an
 * ELF header (EIO) or no ELF file (ELIBBAD) fails back to the caller, whose image is intact.
 * tests/e2e/dynamic.sh passes the broken programs' paths. Golden: native (setarch -R).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *ename(int e)
{
	switch (e) {
	case ENOENT: return "ENOENT";
	case ELIBBAD: return "ELIBBAD";
	case EIO: return "EIO";
	case ENOEXEC: return "ENOEXEC";
	case EACCES: return "EACCES";
	default: return "other";
	}
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "child")) {
		printf("child %s: AT_BASE set %d\n", argv[2], getauxval(AT_BASE) != 0);
		return 3;
	}
	char *self = argv[0];
	fflush(stdout);
	pid_t p = fork();
	if (p == 0) {
		execl(self, self, "child", "fork", (char *)NULL);
		_exit(127);
	}
	int st;
	waitpid(p, &st, 0);
	printf("fork+execve: exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	fflush(stdout);
	p = vfork();
	if (p == 0) {
		execl(self, self, "child", "vfork", (char *)NULL);
		_exit(127);
	}
	waitpid(p, &st, 0);
	printf("vfork+execve: exit %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	for (int i = 1; i < argc; i++) {
		char *av[] = {argv[i], NULL};
		errno = 0;
		int r = execv(argv[i], av);
		printf("execve of broken program %d: %d %s\n", i, r, ename(errno));
	}
	printf("still here\n");
	return 0;
}
