/*
 * Faults on a shared writable file mapping: a write fault on an untouched
 * page (do_shared_fault), a read fault then a write (is the page mapped
 * writable at once, or write-protected for dirty tracking and faulted
 * again?), writes after msync, and MAP_SHARED of /dev/zero (shmem).
 * Authoritative golden: i386. The answer to the second question depends on
 * the file system: tmpfs (the i386 run's /tmp) does no dirty tracking, ext4
 * (the native run's /tmp) does: see NOTES.md.
 */
#include "guestutil.h"

#define N 32

int main(void)
{
	guest_init();
	scratch_dir("fault_shared_file");
	int fd = make_file(scratch_path("f"), N * PG);
	/* 64 kB aligned, so that the fault-around windows are whole */
	char *al = mmap(NULL, (N + 16) * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(al, (N + 16) * PG);
	char *p = mmap((char *)(((uintptr_t)al + 0xffff) & ~0xffffUL), N * PG, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_FIXED, fd, 0);
	long f0 = minflt();
	for (int i = 0; i < 8; i++)
		p[i * PG] = 'W';
	long f1 = minflt();
	printf("write 8 untouched pages (16-page window not yet mapped): %ld faults\n", f1 - f0);
	volatile char c;
	f0 = minflt();
	for (int i = 16; i < 24; i++)
		c = p[i * PG];
	f1 = minflt();
	printf("read 8 pages of the next 64 kB window: %ld faults\n", f1 - f0);
	for (int i = 16; i < 24; i++)
		p[i * PG] = 'X';
	long f2 = minflt();
	printf("then write them: %ld faults\n", f2 - f1);
	f0 = minflt();
	for (int i = 24; i < 32; i++)
		p[i * PG] = 'Y';
	f1 = minflt();
	printf("write 8 pages that fault-around mapped: %ld faults\n", f1 - f0);
	msync(p, N * PG, MS_SYNC);
	f1 = minflt();
	for (int i = 0; i < 8; i++)
		p[i * PG + 1] = 'Z';
	f2 = minflt();
	printf("write again after msync(MS_SYNC): %ld faults\n", f2 - f1);
	char b;
	pread(fd, &b, 1, 16 * PG);
	printf("the file sees the writes: %s\n", b == 'X' ? "yes" : "no");
	int z = open("/dev/zero", O_RDWR);
	char *s = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, z, 0);
	f0 = minflt();
	for (int i = 0; i < 8; i++)
		c = s[i * PG];
	f1 = minflt();
	for (int i = 0; i < 8; i++)
		s[i * PG] = 1;
	f2 = minflt();
	printf("shared /dev/zero: read 8 pages %ld faults, then write them %ld faults\n", f1 - f0, f2 - f1);
	(void)c;
	scratch_done();
	return 0;
}
