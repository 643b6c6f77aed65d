/* libm functions as glibc implements them on i386 (x87 code). */
#include <math.h>
#include <stdio.h>

int main(void)
{
	double xs[] = {0.0, 0.5, 1.0, 2.0, 3.14159, 10.0, -0.75, 100.5, 1e-5, 7.25};
	for (unsigned k = 0; k < sizeof xs / sizeof xs[0]; k++) {
		double x = xs[k];
		printf("x=%g sin %.17g cos %.17g tan %.17g\n", x, sin(x), cos(x), tan(x));
		printf("  exp %.17g log %.17g sqrt %.17g cbrt %.17g\n", exp(x), log(fabs(x) + 1), sqrt(fabs(x)), cbrt(x));
		printf("  atan %.17g atan2 %.17g asin %.17g acos %.17g\n", atan(x), atan2(x, 1.5), asin(x / 200), acos(x / 200));
		printf("  pow %.17g log10 %.17g log2 %.17g exp2 %.17g\n", pow(fabs(x) + 0.5, 2.7), log10(fabs(x) + 2), log2(fabs(x) + 3), exp2(x / 3));
		printf("  sinh %.17g cosh %.17g tanh %.17g expm1 %.17g log1p %.17g\n", sinh(x / 10), cosh(x / 10), tanh(x), expm1(x / 7), log1p(fabs(x)));
		printf("  floor %g ceil %g round %g trunc %g rint %g fmod %.17g hypot %.17g\n", floor(x), ceil(x), round(x), trunc(x), rint(x), fmod(x, 0.7), hypot(x, 3));
	}
	float f = 0.3f;
	/* stored to float first: the x87 returns them in extended precision */
	volatile float r[5] = {sinf(f), expf(f), logf(f), powf(f, 1.5f), sqrtf(f)};
	printf("sinf %.9g expf %.9g logf %.9g powf %.9g sqrtf %.9g\n", r[0], r[1], r[2], r[3], r[4]);
	int e;
	double m = frexp(1234.5, &e);
	printf("frexp %g %d ldexp %g modf %g\n", m, e, ldexp(0.75, 10), modf(3.75, &m));
	printf("lgamma %.17g tgamma %.17g erf %.17g\n", lgamma(4.5), tgamma(4.5), erf(0.5));
	return 0;
}
