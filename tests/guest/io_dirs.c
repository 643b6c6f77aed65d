/*
 * Directories: mkdir, rmdir, rename, unlink, getdents64 (names sorted, with
 * their d_type), chdir/getcwd/fchdir, and the usual errors (EEXIST,
 * ENOTEMPTY, ENOTDIR, EISDIR, ENOENT, EINVAL for renaming into itself).
 * Authoritative golden: both.
 */
#include "guestutil.h"

struct ent {
	char name[64];
	int type;
};

static int cmp(const void *a, const void *b)
{
	return strcmp(((const struct ent *)a)->name, ((const struct ent *)b)->name);
}

static void list(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY);
	char buf[4096];
	struct ent e[32];
	int n = 0;
	long r;
	while ((r = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < r;) {
			struct {
				unsigned long long ino;
				long long off;
				unsigned short reclen;
				unsigned char type;
				char name[];
			} *d = (void *)(buf + off);
			if (n < 32) {
				snprintf(e[n].name, sizeof(e[n].name), "%s", d->name);
				e[n].type = d->type;
				n++;
			}
			off += d->reclen;
		}
	}
	qsort(e, n, sizeof(e[0]), cmp);
	printf("  %d entries:", n);
	for (int i = 0; i < n; i++)
		printf(" %s(%s)", e[i].name, e[i].type == DT_DIR ? "d" : e[i].type == DT_REG ? "f" : e[i].type == DT_LNK ? "l" : "?");
	printf("\n");
	close(fd);
}

int main(void)
{
	guest_init();
	scratch_dir("io_dirs");
	char *start = getcwd(NULL, 0);
	report("mkdir a", mkdir(scratch_path("a"), 0755));
	report("mkdir a again", mkdir(scratch_path("a"), 0755));
	report("mkdir a/b/c (missing parent)", mkdir(scratch_path("a/b/c"), 0755));
	report("mkdir a/b", mkdir(scratch_path("a/b"), 0755));
	close(make_file(scratch_path("a/f1"), 10));
	close(make_file(scratch_path("a/f2"), 20));
	symlink("f1", scratch_path("a/l1"));
	printf("listing a:\n");
	list(scratch_path("a"));
	report("rmdir non-empty a", rmdir(scratch_path("a")));
	report("rmdir a file", rmdir(scratch_path("a/f1")));
	report("unlink a dir", unlink(scratch_path("a/b")));
	report("rename f1 -> f3", rename(scratch_path("a/f1"), scratch_path("a/f3")));
	report("rename f2 over f3", rename(scratch_path("a/f2"), scratch_path("a/f3")));
	report("rename a dir into itself", rename(scratch_path("a"), scratch_path("a/b/a")));
	report("rename a file over a dir", rename(scratch_path("a/f3"), scratch_path("a/b")));
	report("rename missing", rename(scratch_path("a/zz"), scratch_path("a/yy")));
	printf("listing a:\n");
	list(scratch_path("a"));
	report("chdir a", chdir(scratch_path("a")));
	char cwd[256];
	char want[300];
	snprintf(want, sizeof(want), "%s/a", g_dir);
	printf("getcwd is the scratch dir's a: %s\n", getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, want) ? "yes" : "no");
	report("relative mkdir d", mkdir("d", 0700));
	report("chdir to a file", chdir("f3"));
	report("chdir missing", chdir("nope"));
	report("chdir ..", chdir(".."));
	printf("getcwd after chdir ..: the scratch dir: %s\n", getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, g_dir) ? "yes" : "no");
	printf("getcwd into a 4-byte buffer: %s\n", getcwd(cwd, 4) ? "ok" : errname(errno));
	int dfd = open("a/b", O_RDONLY | O_DIRECTORY);
	report("fchdir a/b", fchdir(dfd));
	getcwd(cwd, sizeof(cwd));
	printf("now in .../a/b: %s\n", strstr(cwd, "/a/b") ? "yes" : "no");
	report("unlink symlink", unlink("../l1"));
	report("unlink missing", unlink("../l1"));
	report("rmdir .", rmdir("."));
	chdir(start);
	report("rmdir a/b", rmdir(scratch_path("a/b")));
	report("rmdir a/d", rmdir(scratch_path("a/d")));
	printf("listing a:\n");
	list(scratch_path("a"));
	scratch_done();
	return 0;
}
