/*
 * /proc/self/smaps of known mappings, every field of each entry (the header
 * line reduced to its permissions, since addresses and inodes vary):
 * anonymous private (written, read only through the zero page, untouched; a
 * written page made PROT_NONE), a
 * file mapped private read-only, anonymous private pages shared with a forked
 * child (Pss halves, then a COW write makes one page private again) and a
 * MAP_SHARED mapping both processes wrote. Parent and child take turns
 * through pipes so the output order is fixed.
 * Authoritative golden: i386 (the x86-64 kernel adds a KSM line and VmFlags
 * of its own).
 */
#include "guestutil.h"

#include <sys/wait.h>

/* Prints the smaps entry of the VMA starting at addr, header reduced to its perms.
 * file_clean_dirty: a file's pages are dirty on the oracle's initramfs (ramfs never
 * writes back) and clean on a disk after fsync, so only their sum is printed. */
static void print_smap_as(const char *label, const void *addr, int file_clean_dirty)
{
	char *s = slurp("/proc/self/smaps");
	char want[32];
	int in = 0;
	long kb = 0;
	snprintf(want, sizeof(want), "%08lx-", (unsigned long)(uintptr_t)addr);
	printf("== %s\n", label);
	for (char *line = s; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		if (isxdigit((unsigned char)line[0]) && strchr(line, '-') == line + 8) {
			in = !strncmp(line, want, 9);
			if (in)
				printf("perms %.4s\n", line + 18);
		} else if (in && file_clean_dirty && !strncmp(line, "Pss_Dirty:", 10)) {
		} else if (in && file_clean_dirty && !strncmp(line, "Private_Clean:", 14)) {
			kb = strtol(line + 14, NULL, 10);
		} else if (in && file_clean_dirty && !strncmp(line, "Private_Dirty:", 14)) {
			printf("Private_Clean+Private_Dirty: %ld kB\n",
			       kb + strtol(line + 14, NULL, 10));
		} else if (in) {
			printf("%s\n", line);
		}
		line = nl ? nl + 1 : NULL;
	}
}

static void print_smap(const char *label, const void *addr)
{
	print_smap_as(label, addr, 0);
}

int main(void)
{
	guest_init();
	/* one reservation, the mappings at fixed places in it with a hole between each so
	 * no two VMAs merge */
	char *r = mmap(NULL, 64 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *anon = mmap(r + PG, 4 * PG, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	anon[0] = 1;
	anon[PG] = 2;
	volatile char c = anon[2 * PG]; /* the zero page: not counted */
	(void)c;
	print_smap("anonymous, 2 pages written, 1 read, 1 untouched", anon);

	/* a PROT_NONE PTE still maps its page (_PAGE_PROTNONE): it counts, it is no swap entry */
	char *none = mmap(r + 20 * PG, 2 * PG, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	none[0] = 1;
	mprotect(none, 2 * PG, PROT_NONE);
	print_smap("anonymous, 1 of 2 pages written, then PROT_NONE", none);

	scratch_dir("proc_smaps");
	int fd = open(scratch_path("file"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	static char buf[3 * 4096];
	memset(buf, 'x', sizeof(buf));
	if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
		printf("write: %s\n", errname(errno));
	fsync(fd);
	char *file = mmap(r + 6 * PG, 3 * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
	close(fd);
	unlink(scratch_path("file"));
	c = file[0];
	c = file[PG];
	print_smap_as("file private read-only, 2 of 3 pages read", file, 1);

	char *cow = mmap(r + 10 * PG, 4 * PG, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	char *shm = mmap(r + 15 * PG, 2 * PG, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	memset(cow, 3, 4 * PG);
	memset(shm, 4, 2 * PG);
	int to_parent[2], to_child[2];
	if (pipe(to_parent) || pipe(to_child))
		return 1;
	pid_t pid = fork();
	if (pid == 0) {
		print_smap("child: 4 written pages shared with the parent", cow);
		cow[0] = 5; /* COW: this page becomes the child's own */
		print_smap("child: after writing 1 of them", cow);
		print_smap("child: MAP_SHARED, not touched since fork", shm);
		shm[0] = 6;
		print_smap("child: MAP_SHARED, 1 page written", shm);
		write(to_parent[1], "x", 1);
		read(to_child[0], buf, 1);
		_exit(0);
	}
	read(to_parent[0], buf, 1);
	print_smap("parent: the same 4 pages, the child's copy of 1", cow);
	print_smap("parent: MAP_SHARED, 1 page also mapped by the child", shm);
	write(to_child[1], "x", 1);
	int st;
	waitpid(pid, &st, 0);
	print_smap("parent: after the child exited", cow);
	return 0;
}
