/*
 * File mappings: private and shared, with an offset, what a write through
 * each does to the file, and the permission checks against the open mode.
 * Authoritative golden: both.
 */
#include "guestutil.h"

int main(void)
{
	guest_init();
	catch_faults();
	scratch_dir("mm_mmap_file");
	const char *path = scratch_path("data");
	int fd = make_file(path, 5 * PG);
	char *sh = mmap(NULL, 5 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *pr = mmap(NULL, 5 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	printf("shared map: %s, private map: %s\n", mapfailname(sh), mapfailname(pr));
	printf("contents: %.8s %.8s\n", sh + PG, pr + 2 * PG + 10);
	sh[0] = 'S';
	pr[PG] = 'P';
	char buf[8];
	pread(fd, buf, 1, 0);
	printf("shared write reaches the file: %s\n", buf[0] == 'S' ? "yes" : "no");
	pread(fd, buf, 1, PG);
	printf("private write stays private: %s\n", buf[0] == 'a' + PG % 26 ? "yes" : "no");
	printf("private mapping sees the shared write: %s\n", pr[0] == 'S' ? "yes" : "no");
	pwrite(fd, "W", 1, 2 * PG);
	printf("write() seen by shared map: %s, by untouched private page: %s\n", sh[2 * PG] == 'W' ? "yes" : "no",
	       pr[2 * PG] == 'W' ? "yes" : "no");
	pwrite(fd, "X", 1, PG);
	printf("write() seen by the private copied page: %s\n", pr[PG] == 'X' ? "yes" : "no");
	print_maps_rel("shared", sh, 5 * PG);
	munmap(sh, 5 * PG);
	munmap(pr, 5 * PG);

	char *o = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, fd, 3 * PG);
	printf("offset 3 pages: %s, first byte %c\n", mapfailname(o), o[0]);
	print_maps_rel("offset map", o, 2 * PG);
	munmap(o, 2 * PG);
	printf("unaligned offset: %s\n", mapfailname(mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 100)));
	close(fd);

	int ro = open(path, O_RDONLY);
	printf("O_RDONLY, MAP_SHARED PROT_WRITE: %s\n",
	       mapfailname(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0)));
	char *q = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
	printf("O_RDONLY, MAP_PRIVATE PROT_WRITE: %s\n", mapfailname(q));
	q[0] = 'q';
	printf("O_RDONLY private map writable: %s\n", q[0] == 'q' ? "yes" : "no");
	q = mmap(NULL, PG, PROT_READ, MAP_SHARED, ro, 0);
	printf("O_RDONLY shared read-only map: %s\n", mapfailname(q));
	printf("mprotect it PROT_WRITE: %s\n", mprotect(q, PG, PROT_READ | PROT_WRITE) ? errname(errno) : "ok");
	close(ro);
	printf("mapping survives close: %c\n", q[1]);
	int wo = open(path, O_WRONLY);
	printf("O_WRONLY, MAP_SHARED PROT_READ: %s\n", mapfailname(mmap(NULL, PG, PROT_READ, MAP_SHARED, wo, 0)));
	close(wo);
	int dfd = open(g_dir, O_RDONLY | O_DIRECTORY);
	printf("mapping a directory: %s\n", mapfailname(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, dfd, 0)));
	close(dfd);
	int pfd[2];
	pipe(pfd);
	printf("mapping a pipe: %s\n", mapfailname(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, pfd[0], 0)));
	scratch_done();
	return 0;
}
