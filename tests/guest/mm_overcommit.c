/*
 * The overcommit policy as the guest sees it: the sysctls, CommitLimit and
 * Committed_AS, and a request larger than any free part of the address
 * space (ENOMEM whatever the policy).
 * Authoritative golden: i386 (a compat task on x86-64 has 4 GB of address
 * space, and the host's RAM sets CommitLimit).
 */
#include "guestutil.h"

int main(void)
{
	guest_init();
	char *s = slurp("/proc/sys/vm/overcommit_memory");
	printf("overcommit_memory: %s", s ? s : "unreadable\n");
	s = slurp("/proc/sys/vm/overcommit_ratio");
	printf("overcommit_ratio: %s", s ? s : "unreadable\n");
	s = slurp("/proc/meminfo");
	printf("CommitLimit present: %s, Committed_AS present: %s\n", strstr(s, "CommitLimit:") ? "yes" : "no",
	       strstr(s, "Committed_AS:") ? "yes" : "no");
	void *p = mmap(NULL, 3500UL << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("3500 MB private writable: %s\n", mapfailname(p));
	p = mmap(NULL, 2900UL << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	printf("2900 MB NORESERVE: %s\n", mapfailname(p));
	p = mmap(NULL, 1500UL << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("1500 MB private writable (more than the RAM of the i386 run): %s\n", mapfailname(p));
	return 0;
}
