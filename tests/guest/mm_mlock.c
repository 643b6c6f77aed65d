/*
 * mlock, munlock, mlock2(MLOCK_ONFAULT), mlockall and munlockall: locking
 * prefaults (no faults afterwards), VmLck in /proc/self/status and the
 * VMA split that locking part of a mapping causes.
 * Authoritative golden: both.
 */
#include "guestutil.h"

#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif

int main(void)
{
	guest_init();
	long l0 = status_kb("VmLck");
	char *p = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long f0 = minflt();
	printf("mlock 4 pages: %s\n", mlock(p + 4 * PG, 4 * PG) ? errname(errno) : "ok");
	long f1 = minflt();
	for (int i = 4; i < 8; i++)
		p[i * PG] = 1;
	long f2 = minflt();
	printf("pages resident after mlock: %ld kB, faults touching them afterwards %ld\n",
	       smaps_kb(p + 4 * PG, "Rss"), f2 - f1);
	(void)f0;
	printf("VmLck grew by %ld kB\n", status_kb("VmLck") - l0);
	printf("Locked in smaps of the middle VMA: %ld kB\n", smaps_kb(p + 4 * PG, "Locked"));
	print_maps_rel("split by mlock", p, 16 * PG);
	printf("munlock: %s\n", munlock(p + 4 * PG, 4 * PG) ? errname(errno) : "ok");
	printf("VmLck back: %s\n", status_kb("VmLck") == l0 ? "yes" : "no");
	print_maps_rel("merged again", p, 16 * PG);

	f0 = minflt();
	long r = syscall(SYS_mlock2, p + 8 * PG, 4 * PG, MLOCK_ONFAULT);
	f1 = minflt();
	printf("mlock2 ONFAULT: %s, faults in it %ld\n", r ? errname(errno) : "ok", f1 - f0);
	p[8 * PG] = 1;
	printf("VmLck after touching one ONFAULT page: %ld kB\n", status_kb("VmLck") - l0);
	printf("mlock2 bad flags: %s\n", syscall(SYS_mlock2, p, PG, 2) ? errname(errno) : "ok");
	munlock(p + 8 * PG, 4 * PG);

	printf("mlock unaligned start (rounded): %s\n", mlock(p + 100, 10) ? errname(errno) : "ok");
	printf("VmLck for it: %ld kB\n", status_kb("VmLck") - l0);
	munlock(p, PG);
	munmap(p + 14 * PG, PG);
	printf("mlock over a hole: %s\n", mlock(p + 12 * PG, 4 * PG) ? errname(errno) : "ok");
	munlock(p, 16 * PG);

	printf("mlockall(CURRENT|FUTURE): %s\n", mlockall(MCL_CURRENT | MCL_FUTURE) ? errname(errno) : "ok");
	char *q = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	f0 = minflt();
	for (int i = 0; i < 8; i++)
		q[i * PG] = 1;
	f1 = minflt();
	printf("new mapping after MCL_FUTURE: faults touching it %ld\n", f1 - f0);
	printf("whole program locked: %s\n", status_kb("VmLck") > 100 ? "yes" : "no");
	printf("munlockall: %s\n", munlockall() ? errname(errno) : "ok");
	printf("VmLck after munlockall: %ld kB\n", status_kb("VmLck"));
	printf("mlockall(0): %s\n", mlockall(0) ? errname(errno) : "ok");
	printf("mlockall(ONFAULT alone): %s\n", mlockall(4) ? errname(errno) : "ok");
	return 0;
}
