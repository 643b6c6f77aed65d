/* printf of floats and doubles in every conversion (glibc's multi-precision printf code). */
#include <float.h>
#include <stdio.h>

int main(void)
{
	double d[] = {0.0, -0.0, 1.0, -1.5, 3.141592653589793, 2.718281828459045, 1e-300, 1e300,
		      123456789.123456789, 0.1, 1.0 / 3.0, DBL_MAX, DBL_MIN, 5e-324, 65536.0, 1e16,
		      9007199254740993.0, -2.5e-7};
	for (unsigned k = 0; k < sizeof d / sizeof d[0]; k++)
		printf("%g | %e | %.17g | %f | %.3f | %a | %15.8E\n", d[k], d[k], d[k], d[k], d[k], d[k], d[k]);
	float f[] = {0.5f, 1.0f / 3.0f, 3.4e38f, 1.17549435e-38f, 16777217.0f, -7.25f};
	for (unsigned k = 0; k < sizeof f / sizeof f[0]; k++)
		printf("%g %.9g %f\n", f[k], f[k], (double)f[k]);
	long double ld = 1.0L / 3.0L;
	printf("%Lg %.21Lg %Le\n", ld, ld, ld * 1e100L);
	volatile double acc = 0; /* volatile: rounded to double at every step, at any -O */
	for (int k = 1; k <= 1000; k++)
		acc += 1.0 / (k * (double)k);
	printf("basel %.15f\n", acc);
	volatile float fa = 0;
	for (int k = 1; k <= 1000; k++)
		fa += 1.0f / (float)k;
	printf("harmonic float %.7f\n", fa);
	printf("int conv %d %d %u\n", (int)-3.7, (int)2.9999, (unsigned)3e9);
	printf("ll conv %lld %lld\n", (long long)1e18, (long long)-123456789012.75);
	return 0;
}
