/*
 * /proc/self/status: the field names in order (kernel-version specific),
 * a few fixed values (State, Threads, the signal masks) and the Vm* fields'
 * changes when the program maps, touches, locks and unmaps memory.
 * Authoritative golden: i386 for the field list; both for the deltas.
 */
#include "guestutil.h"

static void names(void)
{
	char *s = slurp("/proc/self/status");
	printf("fields:");
	for (char *l = s; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		char *c = strchr(l, ':');
		if (c)
			printf(" %.*s", (int)(c - l), l);
	}
	printf("\n");
}

static void line(const char *name)
{
	char *s = slurp("/proc/self/status");
	char *l = strstr(s, name);
	char *e = l ? strchr(l, '\n') : NULL;
	printf("%.*s\n", l ? (int)(e - l) : 0, l ? l : "");
}

int main(void)
{
	guest_init();
	names();
	line("State:");
	line("Threads:");
	line("SigBlk:");
	line("SigIgn:");
	long size0 = status_kb("VmSize"), data0 = status_kb("VmData"), rss0 = status_kb("VmRSS"),
	     anon0 = status_kb("RssAnon");
	char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("mmap 1 MB: VmSize +%ld kB, VmData +%ld kB\n", status_kb("VmSize") - size0, status_kb("VmData") - data0);
	for (int i = 0; i < 256; i++)
		p[i * PG] = 1;
	long drss = status_kb("VmRSS") - rss0, danon = status_kb("RssAnon") - anon0;
	/* 6.1 batches RSS counter updates per task (up to 64 events), hence the
	 * tolerance; VmRSS also counts file pages mapped by fault-around meanwhile. */
	printf("touch 256 pages: RssAnon grew by 1024 kB +- 256: %s, VmRSS by at least 768 kB: %s\n",
	       danon >= 768 && danon <= 1280 ? "yes" : "no", drss >= 768 ? "yes" : "no");
	long hwm = status_kb("VmHWM");
	printf("VmHWM >= VmRSS: %s\n", hwm >= status_kb("VmRSS") ? "yes" : "no");
	long lck0 = status_kb("VmLck");
	mlock(p, 64 * PG);
	printf("mlock 64 pages: VmLck +%ld kB\n", status_kb("VmLck") - lck0);
	munlock(p, 64 * PG);
	char *ro = mmap(NULL, 1 << 20, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("read-only mapping: VmData +%ld kB (not counted)\n", status_kb("VmData") - data0 - 1024);
	munmap(ro, 1 << 20);
	munmap(p, 1 << 20);
	printf("after munmap: VmSize back: %s, VmData back: %s\n", status_kb("VmSize") == size0 ? "yes" : "no",
	       status_kb("VmData") == data0 ? "yes" : "no");
	printf("VmPeak >= VmSize + 1024: %s\n", status_kb("VmPeak") >= size0 + 1024 ? "yes" : "no");
	printf("VmExe > 0: %s, VmLib: %ld kB\n", status_kb("VmExe") > 0 ? "yes" : "no", status_kb("VmLib"));
	return 0;
}
