/*
 * File descriptors: dup (lowest free number), dup2 (onto an open fd, onto
 * itself), dup3 (O_CLOEXEC, same fd -> EINVAL), fcntl64 F_GETFD/F_SETFD,
 * F_GETFL/F_SETFL (O_APPEND, O_NONBLOCK; access mode unchangeable),
 * F_DUPFD/F_DUPFD_CLOEXEC, shared file offsets between duplicates.
 * Authoritative golden: both.
 */
#include "guestutil.h"

int main(void)
{
	guest_init();
	scratch_dir("io_fcntl_dup");
	int fd = make_file(scratch_path("f"), 100);
	lseek(fd, 0, SEEK_SET);
	printf("make_file fd: %d\n", fd);
	int d = dup(fd);
	printf("dup: %d\n", d);
	close(1 + d);
	char c;
	read(fd, &c, 1);
	printf("offset shared with the dup: %ld\n", (long)lseek(d, 0, SEEK_CUR));
	report_val("dup2 onto 10", dup2(fd, 10));
	report_val("dup2 onto itself", dup2(fd, fd));
	report_val("dup2 of a closed fd", dup2(50, 11));
	report_val("dup2 onto 100000", dup2(fd, 100000));
	report_val("dup3 with O_CLOEXEC onto 12", dup3(fd, 12, O_CLOEXEC));
	report_val("F_GETFD of 12", fcntl(12, F_GETFD));
	report_val("F_GETFD of 10", fcntl(10, F_GETFD));
	report_val("dup3 onto itself", dup3(fd, fd, 0));
	report_val("dup3 bad flags", dup3(fd, 13, 0x1234));
	report_val("F_SETFD FD_CLOEXEC", fcntl(10, F_SETFD, FD_CLOEXEC));
	report_val("F_GETFD", fcntl(10, F_GETFD));
	int fl = fcntl(fd, F_GETFL);
	printf("F_GETFL: access mode O_RDWR %s, O_APPEND %s\n", (fl & O_ACCMODE) == O_RDWR ? "yes" : "no",
	       fl & O_APPEND ? "yes" : "no");
	report_val("F_SETFL O_APPEND|O_NONBLOCK|O_RDONLY", fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK | O_RDONLY));
	fl = fcntl(d, F_GETFL);
	printf("seen through the dup: O_APPEND %s, O_NONBLOCK %s, still O_RDWR %s\n", fl & O_APPEND ? "yes" : "no",
	       fl & O_NONBLOCK ? "yes" : "no", (fl & O_ACCMODE) == O_RDWR ? "yes" : "no");
	report_val("F_DUPFD from 20", fcntl(fd, F_DUPFD, 20));
	report_val("F_DUPFD from 20 again", fcntl(fd, F_DUPFD, 20));
	report_val("F_DUPFD_CLOEXEC from 30", fcntl(fd, F_DUPFD_CLOEXEC, 30));
	report_val("F_GETFD of it", fcntl(30, F_GETFD));
	report_val("fcntl64 F_GETFL via the raw call", syscall(SYS_fcntl64, fd, F_GETFL) & O_ACCMODE);
	report_val("unknown command", fcntl(fd, 9999));
	report_val("bad fd", fcntl(77, F_GETFD));
	int p[2];
	pipe(p);
	printf("pipe fds: %d %d\n", p[0], p[1]);
	report_val("F_GETPIPE_SZ", fcntl(p[0], F_GETPIPE_SZ));
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	report_val("empty non-blocking pipe read", read(p[0], &c, 1));
	close(p[1]);
	report_val("read after the writer closed", read(p[0], &c, 1));
	signal(SIGPIPE, SIG_IGN);
	int q[2];
	pipe(q);
	close(q[0]);
	report_val("write with no reader (SIGPIPE ignored)", write(q[1], "x", 1));
	report_val("pipe2 O_CLOEXEC", pipe2(q, O_CLOEXEC));
	report_val("F_GETFD of its read end", fcntl(q[0], F_GETFD));
	scratch_done();
	return 0;
}
