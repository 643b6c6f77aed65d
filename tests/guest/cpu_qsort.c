/* qsort and bsearch over ints, strings and structs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rec {
	int key;
	char name[12];
	double w;
};
static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}
static int cmp_rec(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	if (x->w != y->w)
		return x->w < y->w ? -1 : 1;
	return x->key - y->key;
}

int main(void)
{
	static int v[5000];
	unsigned s = 7;
	for (int k = 0; k < 5000; k++) {
		s = s * 1664525u + 1013904223u;
		v[k] = (int)(s >> 8) - (1 << 23);
	}
	qsort(v, 5000, sizeof(int), cmp_int);
	long long sum = 0;
	for (int k = 0; k < 5000; k++) {
		sum = sum * 3 + v[k];
		if (k && v[k - 1] > v[k])
			printf("unsorted at %d\n", k);
	}
	printf("ints: min %d max %d median %d sum %lld\n", v[0], v[4999], v[2500], sum);
	int key = v[1234];
	int *f = bsearch(&key, v, 5000, sizeof(int), cmp_int);
	printf("bsearch %ld\n", f ? (long)(f - v) : -1L);
	const char *words[] = {"pear", "apple", "fig", "banana", "cherry", "kiwi", "date", "grape", "lemon", "mango"};
	qsort(words, 10, sizeof(char *), cmp_str);
	for (int k = 0; k < 10; k++)
		printf("%s ", words[k]);
	printf("\n");
	struct rec r[300];
	for (int k = 0; k < 300; k++) {
		s = s * 1664525u + 1013904223u;
		r[k].key = k;
		r[k].w = (double)(s % 97) / 7.0;
		snprintf(r[k].name, sizeof r[k].name, "n%d", (int)(s % 1000));
	}
	qsort(r, 300, sizeof(struct rec), cmp_rec);
	for (int k = 0; k < 300; k += 37)
		printf("%d %s %.4f\n", r[k].key, r[k].name, r[k].w);
	return 0;
}
