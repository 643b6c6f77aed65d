/*
 * Copy-on-write of a private file mapping: a read fault maps the page-cache
 * page, the first write copies it (one more fault), the copy is anonymous
 * memory; the file and a shared mapping of it keep the original.
 * Authoritative golden: both.
 */
#include "guestutil.h"

#define N 32

int main(void)
{
	guest_init();
	scratch_dir("fault_cow_file");
	int fd = make_file(scratch_path("f"), N * PG);
	char *pr = mmap(NULL, N * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	char *sh = mmap(NULL, N * PG, PROT_READ, MAP_SHARED, fd, 0);
	long f0 = minflt();
	volatile char c = pr[0];
	long f1 = minflt();
	printf("read page 0: %ld fault(s), Anonymous %ld kB\n", f1 - f0, smaps_kb(pr, "Anonymous"));
	f1 = minflt();
	pr[0] = 'X';
	long f2 = minflt();
	printf("write page 0 after reading it: %ld fault(s), Anonymous %ld kB\n", f2 - f1, smaps_kb(pr, "Anonymous"));
	f2 = minflt();
	pr[31 * PG] = 'Y';
	long f3 = minflt();
	printf("write page 31 never read: %ld fault(s), Anonymous %ld kB\n", f3 - f2, smaps_kb(pr, "Anonymous"));
	char b;
	pread(fd, &b, 1, 0);
	printf("file unchanged: %s, shared mapping unchanged: %s\n", b == 'a' ? "yes" : "no", sh[0] == 'a' ? "yes" : "no");
	printf("private view: %c%c\n", pr[0], pr[31 * PG]);
	printf("Private_Dirty %ld kB\n", smaps_kb(pr, "Private_Dirty"));
	(void)c;
	scratch_done();
	return 0;
}
