/*
 * msync on shared file mappings (MS_SYNC, MS_ASYNC, MS_INVALIDATE) and its
 * checks: flags, alignment, unmapped ranges, a locked range with INVALIDATE.
 * Authoritative golden: both.
 */
#include "guestutil.h"

int main(void)
{
	guest_init();
	scratch_dir("mm_msync");
	int fd = make_file(scratch_path("f"), 4 * PG);
	char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	memcpy(p + PG, "synced", 6);
	printf("MS_SYNC: %s\n", msync(p, 4 * PG, MS_SYNC) ? errname(errno) : "ok");
	char buf[8] = "";
	pread(fd, buf, 6, PG);
	printf("file has: %.6s\n", buf);
	memcpy(p + 2 * PG, "async!", 6);
	printf("MS_ASYNC: %s\n", msync(p, 4 * PG, MS_ASYNC) ? errname(errno) : "ok");
	pread(fd, buf, 6, 2 * PG);
	printf("file has: %.6s\n", buf);
	printf("MS_INVALIDATE: %s\n", msync(p, 4 * PG, MS_INVALIDATE) ? errname(errno) : "ok");
	printf("MS_SYNC|MS_ASYNC: %s\n", msync(p, PG, MS_SYNC | MS_ASYNC) ? errname(errno) : "ok");
	printf("unknown flag: %s\n", msync(p, PG, 8) ? errname(errno) : "ok");
	printf("unaligned address: %s\n", msync(p + 5, PG, MS_SYNC) ? errname(errno) : "ok");
	printf("length 0: %s\n", msync(p, 0, MS_SYNC) ? errname(errno) : "ok");
	printf("unaligned length: %s\n", msync(p, 100, MS_SYNC) ? errname(errno) : "ok");
	munmap(p + 3 * PG, PG);
	printf("range past the mapping: %s\n", msync(p, 4 * PG, MS_SYNC) ? errname(errno) : "ok");
	char *a = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("on anonymous memory: %s\n", msync(a, PG, MS_SYNC) ? errname(errno) : "ok");
	mlock(p, PG);
	printf("MS_INVALIDATE on a locked page: %s\n", msync(p, PG, MS_INVALIDATE) ? errname(errno) : "ok");
	scratch_done();
	return 0;
}
