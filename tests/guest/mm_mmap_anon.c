/*
 * mmap2 of private anonymous memory: zero fill, rounding of the length, the
 * argument checks and their errno values, old_mmap (the i386 mmap system call
 * taking a pointer to its six arguments).
 * Authoritative golden: both.
 */
#include "guestutil.h"

struct mmap_arg_struct {
	unsigned long addr, len, prot, flags, fd, offset;
};

int main(void)
{
	guest_init();
	catch_faults();
	char *p = mmap(NULL, 3 * PG + 100, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("map 3 pages + 100 bytes: %s, page aligned: %s\n", mapfailname(p), (uintptr_t)p % PG ? "no" : "yes");
	int zero = 1;
	for (unsigned long i = 0; i < 4 * PG; i++)
		zero &= p[i] == 0;
	printf("all four pages read zero: %s\n", zero ? "yes" : "no");
	print_fault("write in the rounded-up tail", try_write(p + 4 * PG - 1, 1), p);
	print_fault("write past the end", try_write(p + 4 * PG, 1), p);
	print_maps_rel("maps", p, 4 * PG);
	printf("munmap: %s\n", munmap(p, 4 * PG) ? errname(errno) : "ok");

	errno = 0;
	printf("length 0: %s\n", mapfailname(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)));
	printf("neither private nor shared: %s\n", mapfailname(mmap(NULL, PG, PROT_READ, MAP_ANONYMOUS, -1, 0)));
	printf("private and shared: %s\n",
	       mapfailname(mmap(NULL, PG, PROT_READ, MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)));
	printf("MAP_FIXED unaligned: %s\n",
	       mapfailname(mmap((void *)0x50000123, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)));
	printf("file mapping of fd -1: %s\n", mapfailname(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, -1, 0)));
	printf("file mapping of fd 99: %s\n", mapfailname(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 99, 0)));
	printf("length 0xfffff000: %s\n",
	       mapfailname(mmap(NULL, 0xfffff000UL, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)));
	printf("length 0xffffffff: %s\n",
	       mapfailname(mmap(NULL, 0xffffffffUL, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)));
	p = (char *)syscall(SYS_mmap2, 0, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("raw mmap2: %s\n", (long)p < 0 && (long)p > -4096 ? errname(-(long)p) : "ok");
	munmap(p, PG);

	struct mmap_arg_struct a = {0, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, (unsigned long)-1, 0};
	p = (char *)syscall(SYS_mmap, &a);
	printf("old_mmap: %s\n", p == MAP_FAILED ? errname(errno) : "ok");
	if (p != MAP_FAILED) {
		p[PG] = 5;
		printf("old_mmap memory usable: %s\n", p[PG] == 5 && p[0] == 0 ? "yes" : "no");
		munmap(p, 2 * PG);
	}
	a.offset = 100;
	a.flags = MAP_PRIVATE | MAP_ANONYMOUS;
	p = (char *)syscall(SYS_mmap, &a);
	printf("old_mmap unaligned offset: %s\n", p == MAP_FAILED ? errname(errno) : "ok");
	printf("PROT_EXEC|PROT_WRITE: %s\n",
	       mapfailname(mmap(NULL, PG, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)));
	printf("unknown prot bit 0x100: %s\n",
	       mapfailname(mmap(NULL, PG, 0x100, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)));
	return 0;
}
