/*
 * Regression (issue 9): glibc's readdir in a program built without _FILE_OFFSET_BITS=64
 * (32-bit off_t and d_off) must list a directory of an ext4 disk; with the host's 64-bit
 * hash offsets passed through it failed with EOVERFLOW after 0 entries. telldir/seekdir
 * must bring back the same entry. Run on DIR (made by tests/e2e/sandbox.sh with many
 * entries) under vmlab and natively, outputs compared.
 */
#undef _FILE_OFFSET_BITS
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	_Static_assert(sizeof(long) == 4 && sizeof(((struct dirent *)0)->d_off) == 4,
		       "a 32-bit readdir");
	DIR *d = opendir(argv[1]);
	if (!d) {
		printf("opendir: %s\n", strerror(errno));
		return 1;
	}
	static char *names[4096];
	int n = 0;
	long mark = -1;
	char marked[256] = "";
	struct dirent *e;
	errno = 0;
	while ((e = readdir(d)) && n < 4096) {
		names[n++] = strdup(e->d_name);
		if (n == 100) { /* the position after the 100th entry */
			mark = telldir(d);
			struct dirent *next = readdir(d);
			if (next) {
				snprintf(marked, sizeof(marked), "%s", next->d_name);
				names[n++] = strdup(next->d_name);
			}
		}
	}
	printf("readdir ended: %s\n", errno ? strerror(errno) : "end of directory");
	printf("entries: %d\n", n);
	if (mark != -1) {
		seekdir(d, mark);
		e = readdir(d);
		printf("seekdir to the 101st entry: %s\n",
		       e && !strcmp(e->d_name, marked) ? "same entry" : "different entry");
	}
	rewinddir(d);
	int again = 0;
	while (readdir(d))
		again++;
	printf("after rewinddir: %d entries\n", again);
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), cmp);
	unsigned long h = 5381;
	for (int i = 0; i < n; i++)
		for (const char *p = names[i]; *p; p++)
			h = h * 33 + (unsigned char)*p;
	printf("names hash: %08lx\n", h);
	return 0;
}
