/*
 * stat64, lstat64, fstat64, fstatat64 and statx on a file, a directory, a
 * symlink and a pipe: size, type and permission bits, link counts; errno
 * values. (No inode numbers, devices, block counts or times: they depend on
 * the file system.)
 * Authoritative golden: both.
 */
#include "guestutil.h"

static void show(const char *label, int r, struct stat *st)
{
	if (r) {
		printf("%s: %s\n", label, errname(errno));
		return;
	}
	const char *t = S_ISREG(st->st_mode) ? "file" : S_ISDIR(st->st_mode) ? "dir" : S_ISLNK(st->st_mode) ? "symlink"
		      : S_ISFIFO(st->st_mode) ? "fifo" : S_ISCHR(st->st_mode) ? "chardev" : "other";
	printf("%s: %s mode %04o nlink %lu", label, t, (unsigned)st->st_mode & 07777, (unsigned long)st->st_nlink);
	if (S_ISREG(st->st_mode) || S_ISLNK(st->st_mode))
		printf(" size %lld", (long long)st->st_size);
	printf("\n");
}

int main(void)
{
	guest_init();
	umask(022);
	scratch_dir("io_stat");
	const char *f = scratch_path("f");
	int fd = make_file(f, 5000);
	fchmod(fd, 0640);
	link(f, scratch_path("hard"));
	symlink("f", scratch_path("sym"));
	symlink("missing", scratch_path("dangling"));
	mkdir(scratch_path("sub"), 0750);
	struct stat st;
	show("stat file", stat(f, &st), &st);
	show("fstat file", fstat(fd, &st), &st);
	show("stat symlink (follows)", stat(scratch_path("sym"), &st), &st);
	show("lstat symlink", lstat(scratch_path("sym"), &st), &st);
	show("stat dangling symlink", stat(scratch_path("dangling"), &st), &st);
	show("lstat dangling symlink", lstat(scratch_path("dangling"), &st), &st);
	show("stat dir", stat(scratch_path("sub"), &st), &st);
	int dfd = open(g_dir, O_RDONLY | O_DIRECTORY);
	show("fstatat relative", fstatat(dfd, "f", &st, 0), &st);
	show("fstatat nofollow", fstatat(dfd, "sym", &st, AT_SYMLINK_NOFOLLOW), &st);
	show("fstatat AT_EMPTY_PATH on the dir fd", fstatat(dfd, "", &st, AT_EMPTY_PATH), &st);
	show("fstatat bad flag", fstatat(dfd, "f", &st, 0x12345), &st);
	show("stat missing", stat(scratch_path("missing"), &st), &st);
	show("stat through a file", stat(scratch_path("f/x"), &st), &st);
	int p[2];
	pipe(p);
	show("fstat pipe", fstat(p[0], &st), &st);
	show("stat /dev/null", stat("/dev/null", &st), &st);
	show("fstat bad fd", fstat(99, &st), &st);
	struct statx sx;
	memset(&sx, 0, sizeof(sx));
	int r = statx(dfd, "f", 0, STATX_BASIC_STATS, &sx);
	printf("statx: %s, type+mode %06o, size %llu, nlink %u, has TYPE|MODE|SIZE|NLINK: %s\n", r ? errname(errno) : "ok",
	       sx.stx_mode, (unsigned long long)sx.stx_size, sx.stx_nlink,
	       (sx.stx_mask & (STATX_TYPE | STATX_MODE | STATX_SIZE | STATX_NLINK)) ==
			       (STATX_TYPE | STATX_MODE | STATX_SIZE | STATX_NLINK)
		       ? "yes"
		       : "no");
	r = statx(dfd, "sym", AT_SYMLINK_NOFOLLOW, STATX_TYPE, &sx);
	printf("statx symlink nofollow: %s, is link %s\n", r ? errname(errno) : "ok", S_ISLNK(sx.stx_mode) ? "yes" : "no");
	printf("statx reserved mask bit: %s\n", statx(dfd, "f", 0, 0x80000000U, &sx) ? errname(errno) : "ok");
	printf("statx bad flags: %s\n", statx(dfd, "f", 0x40000000, STATX_BASIC_STATS, &sx) ? errname(errno) : "ok");
	scratch_done();
	return 0;
}
