/*
 * Every fault fork costs, as getrusage counts it: in the parent across fork() (the stack
 * page glibc's fork writes is now COW), in the child from its start (its stack, glibc's
 * TLS and lock resets, CLONE_CHILD_SETTID's word), and the child's total seen by wait4.
 * Golden per build (the counts depend on the code of the binary).
 * Authoritative golden: i386 (fault counts).
 * Golden: i386 only. Natively (several CPUs, x86-64 kernel) one of the parent's faults falls
 * before or after its second getrusage depending on whether the child ran first.
 */
#include "guestutil.h"
#include <sys/wait.h>

int main(void)
{
	guest_init();
	long a = minflt();
	pid_t p = fork();
	if (p == 0) {
		long c = minflt();
		printf("child: %ld fault(s) from its start to its first getrusage\n", c);
		_exit(0);
	}
	long b = minflt();
	int st;
	struct rusage ru;
	wait4(p, &st, 0, &ru);
	long d = minflt();
	printf("parent: %ld fault(s) across fork, %ld across wait4\n", b - a, d - b);
	printf("child's total: %ld minor, %ld major\n", ru.ru_minflt, ru.ru_majflt);
	return 0;
}
