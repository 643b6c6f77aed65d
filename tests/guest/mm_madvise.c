/*
 * madvise: MADV_DONTNEED drops private anonymous pages (the next read sees
 * zeroes) and the private copies of a file mapping (the file shows through
 * again); the hint advices are accepted; argument and range checks.
 * Authoritative golden: both.
 */
#include "guestutil.h"

int main(void)
{
	guest_init();
	scratch_dir("mm_madvise");
	char *p = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(p, 'z', 8 * PG);
	printf("Rss before: %ld kB\n", smaps_kb(p, "Rss"));
	printf("DONTNEED pages 2-5: %s\n", madvise(p + 2 * PG, 4 * PG, MADV_DONTNEED) ? errname(errno) : "ok");
	printf("Rss after: %ld kB\n", smaps_kb(p, "Rss"));
	printf("dropped pages read zero: %s, others kept: %s\n", p[2 * PG] == 0 && p[6 * PG - 1] == 0 ? "yes" : "no",
	       p[PG] == 'z' && p[6 * PG] == 'z' ? "yes" : "no");
	long f0 = minflt();
	p[3 * PG] = 1;
	printf("writing a dropped page faults again: %ld fault(s)\n", minflt() - f0);
	print_maps_rel("still one VMA", p, 8 * PG);

	int fd = make_file(scratch_path("f"), 4 * PG);
	char *f = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	f[0] = '#';
	printf("private file page modified: %c\n", f[0]);
	printf("DONTNEED on it: %s\n", madvise(f, PG, MADV_DONTNEED) ? errname(errno) : "ok");
	printf("reads the file again: %c\n", f[0]);

	const struct {
		int adv;
		const char *name;
	} advs[] = {{MADV_NORMAL, "NORMAL"},     {MADV_RANDOM, "RANDOM"},   {MADV_SEQUENTIAL, "SEQUENTIAL"},
		    {MADV_WILLNEED, "WILLNEED"}, {MADV_DONTFORK, "DONTFORK"}, {MADV_DOFORK, "DOFORK"},
		    {MADV_FREE, "FREE"},         {12345, "12345"}};
	for (unsigned i = 0; i < sizeof(advs) / sizeof(advs[0]); i++)
		printf("MADV_%s on anon: %s\n", advs[i].name, madvise(p, 8 * PG, advs[i].adv) ? errname(errno) : "ok");
	printf("WILLNEED on file: %s\n", madvise(f, 4 * PG, MADV_WILLNEED) ? errname(errno) : "ok");
	printf("unaligned address: %s\n", madvise(p + 1, PG, MADV_NORMAL) ? errname(errno) : "ok");
	printf("length 0: %s\n", madvise(p, 0, MADV_NORMAL) ? errname(errno) : "ok");
	munmap(p + 4 * PG, PG);
	printf("range over a hole: %s\n", madvise(p, 8 * PG, MADV_NORMAL) ? errname(errno) : "ok");
	printf("DONTNEED over a hole: %s\n", madvise(p, 8 * PG, MADV_DONTNEED) ? errname(errno) : "ok");
	printf("range unmapped: %s\n", madvise(p + 4 * PG, PG, MADV_NORMAL) ? errname(errno) : "ok");
	printf("RANDOM splits the VMA:\n");
	madvise(p + PG, PG, MADV_RANDOM);
	print_maps_rel("  maps", p, 4 * PG);
	scratch_done();
	return 0;
}
