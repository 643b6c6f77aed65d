/*
 * Floating-point guest benchmark for bench/x87_bench.sh: a small n-body integration and a
 * series sum in double precision (gcc -m32 compiles them to x87 code). Prints the results
 * with all digits, so any difference from native execution shows.
 *   usage: bench_fpu SCALE [fadd|int|mem]   (a timing loop of SCALE million iterations)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define N 5

struct body {
	double x[3], v[3], m;
};

static struct body bodies[N] = {
    {{0, 0, 0}, {0, 0, 0}, 39.47841760435743},
    {{4.84, -1.16, -0.10}, {0.606, 2.81, -0.02}, 0.037},
    {{8.34, 4.12, -0.40}, {-1.01, 1.82, 0.008}, 0.011},
    {{12.89, -15.11, -0.22}, {1.08, 0.868, -0.01}, 0.0017},
    {{15.37, -25.91, 0.179}, {0.979, 0.594, -0.034}, 0.002},
};

static void advance(double dt)
{
	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < N; j++) {
			double d[3], d2 = 0;
			for (int k = 0; k < 3; k++) {
				d[k] = bodies[i].x[k] - bodies[j].x[k];
				d2 += d[k] * d[k];
			}
			double mag = dt / (d2 * sqrt(d2));
			for (int k = 0; k < 3; k++) {
				bodies[i].v[k] -= d[k] * bodies[j].m * mag;
				bodies[j].v[k] += d[k] * bodies[i].m * mag;
			}
		}
	for (int i = 0; i < N; i++)
		for (int k = 0; k < 3; k++)
			bodies[i].x[k] += dt * bodies[i].v[k];
}

/*
 * Timing loops for the cost of one x87 instruction: the same three-instruction loop with
 * an FADD ST, ST(1) or an integer ADD, and one that loads, adds and stores doubles.
 */
static double loop_fadd(int n)
{
	double r;
	__asm__ volatile("fldz\n\tfld1\n"
			 "1:\tfadd %%st, %%st(1)\n\tdec %1\n\tjnz 1b\n\t"
			 "fstp %%st(0)"
			 : "=t"(r), "+r"(n)
			 :
			 : "cc");
	return r;
}

static double loop_int(int n)
{
	unsigned x = 0;
	__asm__ volatile("1:\tadd %1, %0\n\tdec %1\n\tjnz 1b" : "+r"(x), "+r"(n) : : "cc");
	return x;
}

static double loop_mem(int n)
{
	volatile double a = 0.5, b = 1.25;
	__asm__ volatile("1:\tfldl %1\n\tfaddl %2\n\tfstpl %1\n\tdec %0\n\tjnz 1b"
			 : "+r"(n), "+m"(a)
			 : "m"(b)
			 : "cc");
	return a;
}

int main(int argc, char **argv)
{
	int scale = argc > 1 ? atoi(argv[1]) : 1;
	if (argc > 2) {
		int n = scale * 1000000;
		double r = argv[2][0] == 'f' ? loop_fadd(n) : argv[2][0] == 'm' ? loop_mem(n)
							: loop_int(n);
		printf("%.17g\n", r);
		return 0;
	}
	for (int s = 0; s < scale * 20000; s++)
		advance(0.01);
	double sum = 0, sign = 1;
	for (int k = 0; k < scale * 200000; k++, sign = -sign)
		sum += sign / (2 * k + 1);
	printf("%.17g %.17g %.17g\n", bodies[1].x[0], bodies[4].v[2], 4 * sum);
	return 0;
}
