/*
 * uname (machine "i686" for a 32-bit process, sysname "Linux") and
 * sysinfo (the unit, RAM totals consistent with /proc/meminfo).
 * Authoritative golden: both (the native run uses setarch i686, which makes
 * a compat process's uname say i686 as an i386 kernel does).
 */
#include "guestutil.h"
#include <sys/utsname.h>
#include <sys/sysinfo.h>

int main(void)
{
	guest_init();
	struct utsname u;
	printf("uname: %s\n", uname(&u) ? errname(errno) : "ok");
	printf("sysname: %s\n", u.sysname);
	printf("machine: %s\n", u.machine);
	printf("release starts with a digit: %s\n", u.release[0] >= '0' && u.release[0] <= '9' ? "yes" : "no");
	printf("nodename non-empty: %s\n", u.nodename[0] ? "yes" : "no");
	printf("uname bad pointer: %s\n", uname((struct utsname *)16) ? errname(errno) : "ok");
	struct sysinfo si;
	printf("sysinfo: %s\n", sysinfo(&si) ? errname(errno) : "ok");
	printf("mem_unit: %u\n", si.mem_unit);
	printf("freeram <= totalram: %s\n", si.freeram <= si.totalram ? "yes" : "no");
	printf("procs >= 1: %s\n", si.procs >= 1 ? "yes" : "no");
	char *m = slurp("/proc/meminfo");
	long total = strtol(strchr(m, ':') + 1, NULL, 10);
	printf("totalram * mem_unit == MemTotal: %s\n",
	       (unsigned long long)si.totalram * si.mem_unit / 1024 == (unsigned long long)total ? "yes" : "no");
	printf("uptime >= 0: %s\n", si.uptime >= 0 ? "yes" : "no");
	printf("totalswap: %lu\n", si.totalswap);
	return 0;
}
