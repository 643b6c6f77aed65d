/*
 * getrandom (lengths only: the bytes are random), the flags, and the 16
 * AT_RANDOM bytes the kernel put on the initial stack.
 * Authoritative golden: both.
 */
#include "guestutil.h"
#include <sys/auxv.h>
#include <sys/random.h>

int main(void)
{
	guest_init();
	unsigned char a[256], b[256];
	report_val("getrandom 16", getrandom(a, 16, 0));
	report_val("getrandom 256", getrandom(a, 256, 0));
	report_val("getrandom 256 again", getrandom(b, 256, 0));
	printf("the two differ: %s\n", memcmp(a, b, 256) ? "yes" : "no");
	report_val("getrandom 0", getrandom(a, 0, 0));
	report_val("GRND_NONBLOCK", getrandom(a, 32, GRND_NONBLOCK));
	report_val("GRND_RANDOM", getrandom(a, 32, GRND_RANDOM));
	report_val("unknown flag", getrandom(a, 32, 0x100));
	report_val("bad pointer", getrandom((void *)16, 32, 0));
	unsigned char *r = (unsigned char *)getauxval(AT_RANDOM);
	int nz = 0;
	for (int i = 0; r && i < 16; i++)
		nz |= r[i];
	printf("AT_RANDOM present and not all zero: %s\n", r && nz ? "yes" : "no");
	return 0;
}
