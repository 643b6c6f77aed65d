/*
 * The stack grows on demand: deep recursion and a large alloca extend the
 * [stack] VMA (VmStk grows); each new stack page is a demand-zero fault.
 * Authoritative golden: both.
 */
#include "guestutil.h"
#include <alloca.h>

static int __attribute__((noinline)) recurse(int n)
{
	volatile char pad[1000];
	pad[0] = (char)n;
	if (n == 0)
		return pad[0];
	return recurse(n - 1) + pad[0];
}

static unsigned long stack_vma_kb(void)
{
	char *s = slurp("/proc/self/maps");
	char *l = strstr(s, "[stack]");
	while (l > s && l[-1] != '\n')
		l--;
	unsigned long a, b;
	sscanf(l, "%lx-%lx", &a, &b);
	return (b - a) / 1024;
}

int main(void)
{
	guest_init();
	long vs0 = status_kb("VmStk");
	unsigned long k0 = stack_vma_kb();
	long f0 = minflt();
	int r = recurse(2000); /* about 2 MB of frames */
	long f1 = minflt();
	unsigned long k1 = stack_vma_kb();
	printf("recursion result: %d\n", r);
	printf("stack VMA grew by at least 1700 kB: %s\n", k1 - k0 >= 1700 ? "yes" : "no");
	printf("VmStk grew by at least 1700 kB: %s\n", status_kb("VmStk") - vs0 >= 1700 ? "yes" : "no");
	printf("faults during recursion at least 470: %s\n", f1 - f0 >= 470 ? "yes" : "no");
	f0 = minflt();
	recurse(2000);
	f1 = minflt();
	printf("second recursion of the same depth: %ld faults\n", f1 - f0);
	volatile char *big = alloca(4 << 20);
	big[0] = 1;
	printf("4 MB alloca, touched at its bottom: ok\n");
	printf("stack VMA now at least 4096 kB: %s\n", stack_vma_kb() >= 4096 ? "yes" : "no");
	return 0;
}
