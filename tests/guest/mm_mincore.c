/*
 * mincore: which pages of a mapping are resident: untouched anonymous pages
 * are not, written ones are; pages of a file just written are in the page
 * cache even before they are mapped. Argument and range checks.
 * Authoritative golden: both.
 */
#include "guestutil.h"

static void show(const char *label, void *p, int n)
{
	unsigned char v[64];
	int r = mincore(p, n * PG, v);
	printf("%s: ", label);
	if (r) {
		printf("%s\n", errname(errno));
		return;
	}
	for (int i = 0; i < n; i++)
		putchar(v[i] & 1 ? '1' : '0');
	putchar('\n');
}

int main(void)
{
	guest_init();
	scratch_dir("mm_mincore");
	char *p = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	show("fresh anon", p, 8);
	p[PG] = 1;
	p[5 * PG] = 1;
	show("after writing pages 1 and 5", p, 8);
	(void)*(volatile char *)(p + 3 * PG);
	show("after reading page 3 (zero page)", p, 8);
	int fd = make_file(scratch_path("f"), 6 * PG);
	char *f = mmap(NULL, 8 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
	show("file just written, 6 of 8 pages exist", f, 8);
	unsigned char v[8];
	printf("unaligned address: %s\n", mincore(p + 1, PG, v) ? errname(errno) : "ok");
	printf("unaligned length is fine: %s\n", mincore(p, 10, v) ? errname(errno) : "ok");
	munmap(p + 6 * PG, PG);
	printf("range over a hole: %s\n", mincore(p, 8 * PG, v) ? errname(errno) : "ok");
	printf("vector not writable: %s\n", mincore(p, PG, (unsigned char *)main) ? errname(errno) : "ok");
	printf("length 0: %s\n", mincore(p, 0, v) ? errname(errno) : "ok");
	scratch_done();
	return 0;
}
