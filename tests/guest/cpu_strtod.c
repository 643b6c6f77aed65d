/* strtod/strtof/strtol and friends. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	const char *s[] = {"0", "1.5", "-2.25e10", "3.14159265358979323846264338327950288",
			   "1e-320", "1e400", "0x1.8p3", "  42abc", "inf", "-nan", ".5e1",
			   "123456789012345678901234567890", "2.2250738585072011e-308", "4.9e-324",
			   "1.7976931348623157e308", "0.30000000000000004"};
	for (unsigned k = 0; k < sizeof s / sizeof s[0]; k++) {
		char *end;
		errno = 0;
		double d = strtod(s[k], &end);
		float f = strtof(s[k], NULL);
		printf("%-40s -> %.17g (%a) float %.9g rest '%s' erange %d\n", s[k], d, d, f, end,
		       errno == ERANGE);
	}
	const char *l[] = {"12345", "-2147483648", "2147483648", "0x7fffffff", "0777", "zzz", "99999999999999999999"};
	for (unsigned k = 0; k < sizeof l / sizeof l[0]; k++) {
		errno = 0;
		long v = strtol(l[k], NULL, 0);
		int e1 = errno;
		errno = 0;
		unsigned long u = strtoul(l[k], NULL, 0);
		long long ll = strtoll(l[k], NULL, 10);
		printf("%s: %ld(%d) %lu %lld(%d)\n", l[k], v, e1, u, ll, errno);
	}
	printf("atof %g atoi %d\n", atof("6.02214076e23"), atoi("-77x"));
	return 0;
}
