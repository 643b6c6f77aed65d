/*
 * /proc/self/maps of a static program: the executable's four PT_LOAD
 * mappings plus glibc's RELRO split, the bss and brk heap, vvar/vdso below
 * mmap_base, the stack at the top; then new mappings placed top-down below
 * the vDSO, an mprotect split, a file mapping and a hole. Printed without
 * the device and inode columns and with files reduced to their last path
 * component (those depend on the file system the program lives on).
 * Authoritative golden: i386 only (run as /probe/proc_maps-O0 with
 * environment PATH=/bin under norandmaps). The native layout differs.
 * Golden per build: -O0 and -O2 binaries differ in size, so do their maps.
 */
#include "guestutil.h"

static void dump(const char *label)
{
	char *s = slurp("/proc/self/maps");
	printf("%s:\n", label);
	for (char *line = s; line && *line;) {
		char *nl = strchr(line, '\n');
		char range[32], perms[8], off[16], path[256] = "";
		if (nl)
			*nl = 0;
		if (sscanf(line, "%31s %7s %15s %*s %*s %255[^\n]", range, perms, off, path) >= 3) {
			char *slash = path[0] == '/' ? strrchr(path, '/') : NULL;
			printf("  %s %s %s %s\n", range, perms, off, slash ? slash + 1 : path);
		}
		line = nl ? nl + 1 : NULL;
	}
}

int main(void)
{
	guest_init();
	scratch_dir("proc_maps");
	dump("at start");
	char *a = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *b = mmap(NULL, 5 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mprotect(b + PG, PG, PROT_READ);
	int fd = make_file(scratch_path("data"), 2 * PG);
	char *f = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, fd, 0);
	char *c = mmap(NULL, PG, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(a + PG, PG);
	void *heap = malloc(200000); /* brk grows */
	dump("after mmaps, an mprotect split, a hole and malloc");
	(void)f;
	(void)c;
	(void)heap;
	scratch_done();
	return 0;
}
