/*
 * Sleeping with other processes around: a sleeping parent lets its child run and wakes in
 * the middle of the child's own sleeps (the order of their lines is fixed by the times
 * asked: 30 ms against ticks every 20 ms); a signal ends a long sleep of another process.
 * Authoritative golden: both.
 */
#include "guestutil.h"
#include <sys/wait.h>
#include <time.h>

int main(void)
{
	guest_init();
	pid_t c = fork();
	if (c == 0) {
		for (int i = 0; i < 3; i++) {
			printf("child tick %d\n", i);
			usleep(20000);
		}
		_exit(0);
	}
	usleep(30000);
	printf("parent after 30 ms\n");
	waitpid(c, NULL, 0);
	pid_t d = fork();
	if (d == 0) {
		sleep(100);
		_exit(3);
	}
	usleep(1000);
	kill(d, SIGTERM);
	int st;
	waitpid(d, &st, 0);
	printf("sleeper killed by %s\n", WIFSIGNALED(st) ? signame(WTERMSIG(st)) : "nothing");
	struct timespec req = {0, 5000000}, rem = {9, 9};
	int r = nanosleep(&req, &rem);
	printf("nanosleep alone: %d\n", r);
	return 0;
}
