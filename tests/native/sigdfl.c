/*
 * Runs a program with every signal at its default action and none blocked, as a process
 * started by init on the real i386 kernel is. The native goldens are recorded through it, so
 * what the calling shell or test harness ignores (SigIgn in /proc/self/status) cannot leak in.
 * usage: sigdfl PROGRAM [ARGS...]
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: sigdfl PROGRAM [ARGS...]\n");
		return 2;
	}
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL); /* SIGKILL/SIGSTOP and reserved ones fail harmlessly */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execv(argv[1], argv + 1);
	perror(argv[1]);
	return 127;
}
