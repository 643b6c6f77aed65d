/*
 * The system-wide memory files as a program sees them: /proc/meminfo field
 * names in order with a few relations (LowTotal + HighTotal == MemTotal on
 * i386), /proc/buddyinfo and /proc/zoneinfo zone names, /proc/vmstat
 * fields, the smaps field names of one VMA, /proc/slabinfo's header,
 * /proc/vmallocinfo's kinds of entries, /proc/cpuinfo's first field.
 * Authoritative golden: i386 only (field sets and zones are kernel- and
 * architecture-specific).
 */
#include "guestutil.h"

static long kb(const char *s, const char *name)
{
	char key[64];
	snprintf(key, sizeof(key), "\n%s:", name);
	char *l = strstr(s, key);
	return l ? strtol(l + strlen(key), NULL, 10) : -1;
}

int main(void)
{
	guest_init();
	char *s = slurp("/proc/meminfo");
	char copy[8192];
	snprintf(copy, sizeof(copy), "\n%s", s);
	printf("meminfo fields:");
	for (char *l = s; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		printf(" %.*s", (int)(strchr(l, ':') - l), l);
	printf("\n");
	long total = kb(copy, "MemTotal"), low = kb(copy, "LowTotal"), high = kb(copy, "HighTotal");
	printf("LowTotal + HighTotal == MemTotal: %s\n", low >= 0 && high >= 0 && low + high == total ? "yes" : "no");
	printf("MemFree <= MemTotal: %s\n", kb(copy, "MemFree") <= total ? "yes" : "no");
	printf("VmallocTotal: %ld kB\n", kb(copy, "VmallocTotal"));
	printf("Hugepagesize: %ld kB\n", kb(copy, "Hugepagesize"));
	s = slurp("/proc/buddyinfo");
	printf("buddyinfo zones:");
	for (char *z = strstr(s, "zone"); z; z = strstr(z + 4, "zone")) {
		char name[16];
		sscanf(z + 4, "%15s", name);
		printf(" %s", name);
	}
	printf("\n");
	s = slurp("/proc/zoneinfo");
	printf("zoneinfo zones:");
	for (char *z = strstr(s, ", zone"); z; z = strstr(z + 6, ", zone")) {
		char name[16];
		sscanf(z + 6, "%15s", name);
		printf(" %s", name);
	}
	printf("\n");
	snprintf(copy, sizeof(copy), "\n%s", slurp("/proc/vmstat"));
	s = copy;
	const char *want[] = {"nr_free_pages", "pgfault", "pgmajfault", "nr_anon_pages", "nr_mapped", "thp_fault_alloc"};
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char key[64];
		snprintf(key, sizeof(key), "\n%s ", want[i]);
		printf("vmstat has %s: %s\n", want[i], strstr(s, key) ? "yes" : "no");
	}
	char *p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p[0] = 1;
	s = slurp("/proc/self/smaps");
	char want2[16];
	snprintf(want2, sizeof(want2), "%08lx-", (unsigned long)(uintptr_t)p);
	char *v = strstr(s, want2);
	printf("smaps fields:");
	for (char *l = strchr(v, '\n') + 1; l && *l && !(isxdigit((unsigned char)l[0]) && l[8] == '-');
	     l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		printf(" %.*s", (int)(strchr(l, ':') - l), l);
	printf("\n");
	s = slurp("/proc/slabinfo");
	printf("slabinfo header: %.*s\n", s ? (int)(strchr(s, '\n') - s) : 0, s ? s : "");
	s = slurp("/proc/vmallocinfo");
	printf("vmallocinfo has vmalloc and ioremap entries: %s\n",
	       s && strstr(s, " vmalloc") && strstr(s, " ioremap") ? "yes" : "no");
	s = slurp("/proc/cpuinfo");
	printf("cpuinfo starts with: %.*s\n", (int)(strchr(s, ':') - s), s);
	return 0;
}
