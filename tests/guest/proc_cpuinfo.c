/*
 * /proc/cpuinfo agrees with what CPUID tells the program directly: vendor,
 * family/model/stepping, and a few feature flags (fpu, tsc, pse, pae, cx8,
 * cmov, mmx, sse, sse2). Only the agreement is printed, since the CPU
 * differs between machines.
 * Authoritative golden: both.
 */
#include "guestutil.h"
#include <cpuid.h>

static char *field(const char *s, const char *name)
{
	static char v[256];
	char key[64];
	snprintf(key, sizeof(key), "\n%s", name);
	char *l = strstr(s, key);
	if (!l)
		return NULL;
	l = strchr(l, ':') + 2;
	snprintf(v, sizeof(v), "%.*s", (int)(strchr(l, '\n') - l), l);
	return v;
}

static int has_flag(const char *flags, const char *f)
{
	size_t n = strlen(f);
	for (const char *p = flags; (p = strstr(p, f)); p += n)
		if ((p == flags || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
			return 1;
	return 0;
}

int main(void)
{
	guest_init();
	char copy[16384];
	snprintf(copy, sizeof(copy), "\n%s", slurp("/proc/cpuinfo"));
	unsigned a, b, c, d;
	__cpuid(0, a, b, c, d);
	char vendor[13];
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &c, 4);
	vendor[12] = 0;
	char *v = field(copy, "vendor_id");
	printf("vendor_id matches CPUID: %s\n", v && !strcmp(v, vendor) ? "yes" : "no");
	__cpuid(1, a, b, c, d);
	unsigned family = (a >> 8) & 0xf, model = (a >> 4) & 0xf, stepping = a & 0xf;
	if (family == 0xf)
		family += (a >> 20) & 0xff;
	if (family == 6 || family >= 0xf)
		model += ((a >> 16) & 0xf) << 4;
	printf("cpu family matches: %s\n", field(copy, "cpu family") && (unsigned)atoi(field(copy, "cpu family")) == family ? "yes" : "no");
	printf("model matches: %s\n", field(copy, "model\t") && (unsigned)atoi(field(copy, "model\t")) == model ? "yes" : "no");
	printf("stepping matches: %s\n", field(copy, "stepping") && (unsigned)atoi(field(copy, "stepping")) == stepping ? "yes" : "no");
	char flags[4096];
	snprintf(flags, sizeof(flags), "%s", field(copy, "flags") ? field(copy, "flags") : "");
	const struct {
		const char *name;
		unsigned bit;
	} f[] = {{"fpu", 0}, {"tsc", 4}, {"pse", 3}, {"pae", 6}, {"cx8", 8}, {"cmov", 15}, {"mmx", 23}, {"sse", 25}, {"sse2", 26}};
	int all = 1;
	for (unsigned i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		int same = has_flag(flags, f[i].name) == !!(d & (1u << f[i].bit));
		all &= same;
		if (!same)
			printf("flag %s disagrees with CPUID.1:EDX bit %u\n", f[i].name, f[i].bit);
	}
	printf("flags fpu tsc pse pae cx8 cmov mmx sse sse2 agree with CPUID: %s\n", all ? "yes" : "no");
	printf("one processor line per CPU, first is 0: %s\n", !strncmp(copy + 1, "processor\t: 0", 13) ? "yes" : "no");
	return 0;
}
