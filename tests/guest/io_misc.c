/*
 * readlink, access/faccessat, ioctl TCGETS and TIOCGWINSZ on things that are
 * not terminals (ENOTTY), ftruncate64/truncate growing and shrinking,
 * umask applied to new files.
 * Authoritative golden: both.
 */
#include "guestutil.h"
#include <termios.h>
#include <sys/ioctl.h>

int main(void)
{
	guest_init();
	scratch_dir("io_misc");
	int fd = make_file(scratch_path("f"), 10);
	symlink("target/name", scratch_path("l"));
	char b[64];
	long n = readlink(scratch_path("l"), b, sizeof(b));
	printf("readlink: %ld bytes: %.*s\n", n, (int)(n > 0 ? n : 0), b);
	n = readlink(scratch_path("l"), b, 4);
	printf("readlink into 4 bytes: %ld: %.4s\n", n, b);
	report_val("readlink of a file", readlink(scratch_path("f"), b, sizeof(b)));
	report_val("readlink missing", readlink(scratch_path("x"), b, sizeof(b)));
	report_val("readlink size 0", readlink(scratch_path("l"), b, 0));
	n = readlink("/proc/self/cwd", b, sizeof(b));
	printf("/proc/self/cwd -> %.*s\n", (int)(n > 0 ? n : 0), b);
	n = readlink("/proc/self/fd/0", b, sizeof(b));
	printf("/proc/self/fd/0 -> %.*s\n", (int)(n > 0 ? n : 0), b);
	report("access F_OK", access(scratch_path("f"), F_OK));
	report("access R_OK|W_OK", access(scratch_path("f"), R_OK | W_OK));
	report("access X_OK on a 0644 file", access(scratch_path("f"), X_OK));
	report("access dangling symlink", access(scratch_path("l"), F_OK));
	report("access bad mode", access(scratch_path("f"), 0x100));
	int dfd = open(g_dir, O_RDONLY | O_DIRECTORY);
	report("faccessat relative", faccessat(dfd, "f", R_OK, 0));
	report("faccessat AT_SYMLINK_NOFOLLOW on the link", syscall(SYS_faccessat2, dfd, "l", F_OK, AT_SYMLINK_NOFOLLOW));
	report("faccessat (old call) relative", syscall(SYS_faccessat, dfd, "f", F_OK));
	struct termios t;
	report("TCGETS on a file", ioctl(fd, TCGETS, &t));
	int p[2];
	pipe(p);
	report("TCGETS on a pipe", ioctl(p[0], TCGETS, &t));
	struct winsize ws;
	report("TIOCGWINSZ on a pipe", ioctl(p[1], TIOCGWINSZ, &ws));
	report("TCGETS on /dev/null (stdin)", ioctl(0, TCGETS, &t));
	report("ioctl on a bad fd", ioctl(77, TCGETS, &t));
	printf("isatty(1): %d\n", isatty(1));
	report("ftruncate64 to 8192", ftruncate64(fd, 8192));
	struct stat st;
	fstat(fd, &st);
	char c = 'x';
	pread(fd, &c, 1, 5000);
	printf("size %ld, grown part reads %d\n", (long)st.st_size, c);
	report("ftruncate64 to 3", ftruncate64(fd, 3));
	fstat(fd, &st);
	printf("size %ld\n", (long)st.st_size);
	report("ftruncate negative", ftruncate64(fd, -1));
	report("ftruncate a pipe", ftruncate64(p[0], 0));
	report("truncate by path to 5", truncate(scratch_path("f"), 5));
	fstat(fd, &st);
	printf("size %ld\n", (long)st.st_size);
	int ro = open(scratch_path("f"), O_RDONLY);
	report("ftruncate an O_RDONLY fd", ftruncate64(ro, 0));
	mode_t old = umask(077);
	printf("umask was %03o\n", (unsigned)old);
	int nf = open(scratch_path("new"), O_CREAT | O_RDWR, 0666);
	fstat(nf, &st);
	printf("0666 under umask 077: %04o\n", (unsigned)st.st_mode & 07777);
	mkdir(scratch_path("d"), 0777);
	stat(scratch_path("d"), &st);
	printf("mkdir 0777 under umask 077: %04o\n", (unsigned)st.st_mode & 07777);
	printf("umask was %03o\n", (unsigned)umask(old));
	scratch_done();
	return 0;
}
