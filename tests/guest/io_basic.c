/*
 * Basic file I/O in a scratch directory under /tmp: open flags (O_CREAT,
 * O_EXCL, O_TRUNC, O_APPEND), read/write, lseek (SEEK_SET/CUR/END, holes),
 * _llseek, pread64/pwrite64, readv/writev, openat, close, and errno values.
 * Authoritative golden: both.
 */
#include "guestutil.h"
#include <sys/uio.h>

int main(void)
{
	guest_init();
	scratch_dir("io_basic");
	const char *f = scratch_path("file");
	int fd = open(f, O_RDWR | O_CREAT | O_EXCL, 0640);
	printf("create: %s\n", fd < 0 ? errname(errno) : "ok");
	printf("create again with O_EXCL: %s\n", open(f, O_RDWR | O_CREAT | O_EXCL, 0640) < 0 ? errname(errno) : "ok");
	report_val("write 11 bytes", write(fd, "hello world", 11));
	report_val("lseek SEEK_CUR 0", lseek(fd, 0, SEEK_CUR));
	report_val("lseek SEEK_SET 6", lseek(fd, 6, SEEK_SET));
	char b[64] = "";
	report_val("read 100", read(fd, b, 100));
	printf("data: %s\n", b);
	report_val("read at EOF", read(fd, b, 100));
	report_val("lseek SEEK_END +10 (makes a hole when written)", lseek(fd, 10, SEEK_END));
	report_val("write 1", write(fd, "!", 1));
	struct stat st;
	fstat(fd, &st);
	printf("size: %ld\n", (long)st.st_size);
	memset(b, 'x', sizeof(b));
	report_val("pread 22 at 0", pread(fd, b, 22, 0));
	printf("hole reads zero: %s\n", b[11] == 0 && b[20] == 0 && b[21] == '!' ? "yes" : "no");
	report_val("pwrite 3 at 2", pwrite(fd, "LLO", 3, 2));
	report_val("offset after pwrite unchanged", lseek(fd, 0, SEEK_CUR));
	report_val("lseek negative", lseek(fd, -100, SEEK_SET));
	report_val("lseek bad whence", lseek(fd, 0, 7));
	unsigned long long res = 0;
	long r = syscall(SYS__llseek, fd, 0, 5, &res, SEEK_SET);
	printf("_llseek to 5: %s, result %llu\n", r ? errname(errno) : "ok", res);
	r = syscall(SYS__llseek, fd, 1, 0, &res, SEEK_SET);
	printf("_llseek to 4 GB: %s, result %llu\n", r ? errname(errno) : "ok", res);
	struct iovec iov[3] = {{"ab", 2}, {"", 0}, {"cdef", 4}};
	lseek(fd, 0, SEEK_SET);
	report_val("writev 3 iovecs", writev(fd, iov, 3));
	char x[3], y[5];
	struct iovec in[2] = {{x, 3}, {y, 5}};
	lseek(fd, 0, SEEK_SET);
	report_val("readv", readv(fd, in, 2));
	printf("readv data: %.3s|%.5s\n", x, y);
	report_val("readv with negative length", readv(fd, (struct iovec[]){{x, (size_t)-1}}, 1));
	close(fd);
	report_val("read closed fd", read(fd, b, 1));
	report_val("close closed fd", close(fd));
	fd = open(f, O_WRONLY | O_APPEND);
	lseek(fd, 0, SEEK_SET);
	write(fd, "END", 3);
	fstat(fd, &st);
	printf("O_APPEND write went to the end: size %ld\n", (long)st.st_size);
	report_val("read from O_WRONLY fd", read(fd, b, 1));
	close(fd);
	fd = open(f, O_RDONLY);
	report_val("write to O_RDONLY fd", write(fd, "x", 1));
	close(fd);
	fd = open(f, O_RDWR | O_TRUNC);
	fstat(fd, &st);
	printf("O_TRUNC: size %ld\n", (long)st.st_size);
	close(fd);
	printf("open missing: %s\n", open(scratch_path("nope"), O_RDONLY) < 0 ? errname(errno) : "ok");
	printf("open dir for writing: %s\n", open(g_dir, O_WRONLY) < 0 ? errname(errno) : "ok");
	printf("O_DIRECTORY on a file: %s\n", open(f, O_RDONLY | O_DIRECTORY) < 0 ? errname(errno) : "ok");
	printf("path through a file: %s\n", open(scratch_path("file/x"), O_RDONLY) < 0 ? errname(errno) : "ok");
	int dfd = open(g_dir, O_RDONLY | O_DIRECTORY);
	int afd = openat(dfd, "file", O_RDONLY);
	printf("openat relative to a dir fd: %s\n", afd < 0 ? errname(errno) : "ok");
	printf("openat relative to a file fd: %s\n", openat(afd, "x", O_RDONLY) < 0 ? errname(errno) : "ok");
	printf("openat AT_FDCWD: %s\n", openat(AT_FDCWD, f, O_RDONLY) < 0 ? errname(errno) : "ok");
	printf("empty path: %s\n", open("", O_RDONLY) < 0 ? errname(errno) : "ok");
	char longname[300];
	memset(longname, 'n', sizeof(longname));
	longname[299] = 0;
	printf("name too long: %s\n", openat(dfd, longname, O_RDONLY) < 0 ? errname(errno) : "ok");
	printf("write to an O_RDONLY fd from a bad pointer: %s\n", write(afd, (void *)16, 1) < 0 ? errname(errno) : "ok");
	fd = make_file(scratch_path("r"), 10);
	report_val("write from a bad pointer", write(fd, (void *)16, 4));
	lseek(fd, 0, SEEK_SET);
	report_val("read into a bad pointer", read(fd, (void *)16, 4));
	report_val("read into a partly bad buffer", read(fd, (char *)sbrk(0) - 4, 8));
	scratch_done();
	return 0;
}
