/*
 * The rights a mapping keeps from its descriptor's open mode (do_mmap: a shared mapping of
 * a descriptor not open for writing has no VM_MAYWRITE, so neither mmap nor mprotect may
 * make it writable; a private one may, its writes going to private copies), for a regular
 * file and for /dev/zero, whose shared mapping is shmem when writable and plain anonymous
 * memory when the descriptor is read-only (mmap_zero sees no VM_SHARED).
 * Authoritative golden: native (the same code paths in mm/mmap.c and drivers/char/mem.c).
 */
#include "guestutil.h"

static void perms(const char *label, const void *p)
{
	char *s = slurp("/proc/self/maps"), want[16];
	snprintf(want, sizeof(want), "%08lx-", (unsigned long)(uintptr_t)p);
	for (char *line = s; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (!strncmp(line, want, 9)) {
			printf("%s: maps perms %.4s\n", label, line + 18);
			return;
		}
	printf("%s: not in maps\n", label);
}

static void try_map(const char *label, int fd, int prot, int flags)
{
	void *p = mmap(NULL, 2 * PG, prot, flags, fd, 0);
	printf("%s: %s\n", label, mapfailname(p));
	if (p != MAP_FAILED)
		munmap(p, 2 * PG);
}

static void check_shared_ro(const char *what, int fd)
{
	char label[128];
	char *p = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, fd, 0);
	snprintf(label, sizeof(label), "%s: MAP_SHARED PROT_READ", what);
	printf("%s: %s\n", label, mapfailname(p));
	if (p == MAP_FAILED)
		return;
	perms(label, p);
	printf("%s: first byte %d\n", label, p[0]);
	snprintf(label, sizeof(label), "%s: mprotect(PROT_READ|PROT_WRITE)", what);
	report(label, mprotect(p, 2 * PG, PROT_READ | PROT_WRITE));
	snprintf(label, sizeof(label), "%s: mprotect(PROT_WRITE) of the second page", what);
	report(label, mprotect(p + PG, PG, PROT_WRITE));
	snprintf(label, sizeof(label), "%s: mprotect(PROT_NONE) then PROT_READ", what);
	report(label, mprotect(p, 2 * PG, PROT_NONE) ?: mprotect(p, 2 * PG, PROT_READ));
	snprintf(label, sizeof(label), "%s: write to the mapping", what);
	print_fault(label, try_write(p, 'X'), p);
	snprintf(label, sizeof(label), "%s: after the failed calls", what);
	perms(label, p);
	munmap(p, 2 * PG);

	snprintf(label, sizeof(label), "%s: MAP_SHARED PROT_READ|PROT_WRITE", what);
	try_map(label, fd, PROT_READ | PROT_WRITE, MAP_SHARED);
	snprintf(label, sizeof(label), "%s: MAP_SHARED PROT_WRITE", what);
	try_map(label, fd, PROT_WRITE, MAP_SHARED);

	p = mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
	snprintf(label, sizeof(label), "%s: MAP_PRIVATE PROT_READ", what);
	printf("%s: %s\n", label, mapfailname(p));
	if (p == MAP_FAILED)
		return;
	snprintf(label, sizeof(label), "%s: MAP_PRIVATE mprotect(PROT_READ|PROT_WRITE)", what);
	report(label, mprotect(p, 2 * PG, PROT_READ | PROT_WRITE));
	snprintf(label, sizeof(label), "%s: MAP_PRIVATE write", what);
	print_fault(label, try_write(p, 'X'), p);
	perms(label, p);
	munmap(p, 2 * PG);
}

int main(void)
{
	guest_init();
	catch_faults();
	scratch_dir("mm_mmap_rdonly");
	const char *path = scratch_path("f");
	int w = make_file(path, 2 * PG);
	close(w);

	int fd = open(path, O_RDONLY);
	check_shared_ro("file O_RDONLY", fd);
	char b = 0;
	pread(fd, &b, 1, 0);
	printf("file unchanged by the private write: %s\n", b == 'a' ? "yes" : "no");
	close(fd);

	fd = open(path, O_WRONLY);
	try_map("file O_WRONLY: MAP_SHARED PROT_WRITE", fd, PROT_WRITE, MAP_SHARED);
	try_map("file O_WRONLY: MAP_PRIVATE PROT_READ", fd, PROT_READ, MAP_PRIVATE);
	close(fd);

	fd = open(path, O_RDWR);
	char *p = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, fd, 0);
	printf("file O_RDWR: MAP_SHARED PROT_READ: %s\n", mapfailname(p));
	report("file O_RDWR: mprotect(PROT_READ|PROT_WRITE)",
	       mprotect(p, 2 * PG, PROT_READ | PROT_WRITE));
	perms("file O_RDWR", p);
	close(fd);
	/* the mapping outlives the descriptor and keeps its rights */
	report("file O_RDWR, fd closed: mprotect(PROT_READ) then back",
	       mprotect(p, 2 * PG, PROT_READ) ?: mprotect(p, 2 * PG, PROT_READ | PROT_WRITE));
	munmap(p, 2 * PG);

	fd = open("/dev/zero", O_RDONLY);
	check_shared_ro("/dev/zero O_RDONLY", fd);
	close(fd);

	fd = open("/dev/zero", O_WRONLY);
	try_map("/dev/zero O_WRONLY: MAP_SHARED PROT_WRITE", fd, PROT_WRITE, MAP_SHARED);
	try_map("/dev/zero O_WRONLY: MAP_SHARED PROT_READ", fd, PROT_READ, MAP_SHARED);
	try_map("/dev/zero O_WRONLY: MAP_PRIVATE PROT_READ|PROT_WRITE", fd, PROT_READ | PROT_WRITE,
		MAP_PRIVATE);
	close(fd);

	fd = open("/dev/zero", O_RDWR);
	p = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, fd, 0);
	printf("/dev/zero O_RDWR: MAP_SHARED PROT_READ: %s\n", mapfailname(p));
	report("/dev/zero O_RDWR: mprotect(PROT_READ|PROT_WRITE)",
	       mprotect(p, 2 * PG, PROT_READ | PROT_WRITE));
	print_fault("/dev/zero O_RDWR: write", try_write(p, 'X'), p);
	perms("/dev/zero O_RDWR", p);
	close(fd);
	scratch_done();
	return 0;
}
