/*
 * The two processor vendors vmlab models where the architecture leaves results undefined
 * (docs/vendors.md), and which one the host is: the differential tester compares vmlab
 * with the host, so it models the host's vendor.
 */
#include "cpu/cpu.h"
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

enum cpu_vendor cpu_vendor_of_host(void)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned a, b, c, d;
	if (!__get_cpuid(0, &a, &b, &c, &d))
		return CPU_VENDOR_INTEL;
	if (b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163)
		return CPU_VENDOR_AMD; /* "AuthenticAMD" */
	/* Hygon's Dhyana is a Zen core: its undefined results are AMD's */
	if (b == 0x6f677948 && d == 0x6e65476e && c == 0x656e6975)
		return CPU_VENDOR_AMD; /* "HygonGenuine" */
#endif
	return CPU_VENDOR_INTEL;
}

static const char *const names[] = {[CPU_VENDOR_INTEL] = "intel", [CPU_VENDOR_AMD] = "amd"};

int cpu_vendor_parse(const char *s)
{
	for (unsigned v = 0; v < sizeof(names) / sizeof(names[0]); v++)
		if (!strcmp(s, names[v]))
			return (int)v;
	return -1;
}

const char *cpu_vendor_name(enum cpu_vendor v)
{
	return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] : "?";
}
