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
	bool amd = b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163; /* "AuthenticAMD" */
	/* Hygon's Dhyana is a Zen core: its undefined results are AMD's */
	bool hygon = b == 0x6f677948 && d == 0x6e65476e && c == 0x656e6975; /* "HygonGenuine" */
	if (!amd && !hygon)
		return CPU_VENDOR_INTEL;
	__get_cpuid(1, &a, &b, &c, &d);
	unsigned family = ((a >> 8) & 0xf) + ((a >> 20) & 0xff),
		 model = ((a >> 4) & 0xf) | ((a >> 12) & 0xf0);
	/* Zen 3 is family 19h, models 00h-0Fh and 20h-5Fh (Zen 4: 10h-1Fh, 60h-7Fh, A0h-AFh);
	 * the Zen 1 and 2 of family 17h and Hygon's 18h were not measured: taken as Zen 3 */
	if (family < 0x19 || (family == 0x19 && (model < 0x10 || (model >= 0x20 && model < 0x60))))
		return CPU_VENDOR_AMD_ZEN3;
	return CPU_VENDOR_AMD;
#endif
	return CPU_VENDOR_INTEL;
}

static const char *const names[] = {
    [CPU_VENDOR_INTEL] = "intel", [CPU_VENDOR_AMD] = "amd", [CPU_VENDOR_AMD_ZEN3] = "amd-zen3"};

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
