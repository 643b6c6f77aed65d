/*
 * Runs a program with every signal at its default action and none blocked, as a process
 * started by init on the real i386 kernel is. The native goldens are recorded through it, so
 * what the calling shell or test harness ignores (SigIgn in /proc/self/status) cannot leak in.
 * usage: sigdfl PROGRAM [ARGS...]
 */
#include <signal.h>
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
	execv(argv[1], argv + 1);
	perror(argv[1]);
	return 127;
}
