/*
 * Runs a program with every signal at its default action and none blocked, and with only
 * descriptors 0, 1 and 2 open, as a process started by init on the real i386 kernel is. The
 * native goldens are recorded through it, so what the calling shell or test harness ignores
 * (SigIgn in /proc/self/status) or leaves open (a CI runner's pipe, which would shift every
 * descriptor number the program is given) cannot leak in.
 * usage: sigdfl PROGRAM [ARGS...]
 */
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel's struct sigaction for rt_sigaction. glibc's sigaction() refuses the signals it
 * reserves for itself (32 and 33), so those are reset with the system call directly. */
struct kernel_sigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	unsigned long mask[64 / (8 * sizeof(unsigned long))];
};

/* close_range(2) where the host kernel has it (5.9+), else each descriptor /proc lists. */
static void close_inherited(void)
{
	if (syscall(436 /* SYS_close_range */, 3U, ~0U, 0U) == 0)
		return;
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return;
	int self = dirfd(d);
	int fds[1024], n = 0;
	for (struct dirent *e; (e = readdir(d)) && n < 1024;) {
		int fd = atoi(e->d_name);
		if (fd > 2 && fd != self)
			fds[n++] = fd;
	}
	closedir(d);
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: sigdfl PROGRAM [ARGS...]\n");
		return 2;
	}
	struct kernel_sigaction dfl;
	memset(&dfl, 0, sizeof dfl); /* handler 0 = SIG_DFL */
	for (int sig = 1; sig <= 64; sig++) /* SIGKILL and SIGSTOP fail harmlessly */
		syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof dfl.mask);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	close_inherited();
	execv(argv[1], argv + 1);
	perror(argv[1]);
	return 127;
}
