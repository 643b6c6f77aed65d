/*
 * Unix-domain control messages and the rest of the socket I/O: SCM_RIGHTS (new descriptors
 * for the same open file, MSG_CMSG_CLOEXEC, MSG_CTRUNC, SCM_MAX_FD, EBADF, files in flight
 * released when the socket closes unread, descriptors bound to their bytes in a stream),
 * SCM_CREDENTIALS with SO_PASSCRED (the checks on what the sender claims), on stream,
 * seqpacket and datagram sockets; MSG_WAITALL, a blocking stream send of more than the
 * buffer, readv/writev on datagram sockets, sendmmsg/recvmmsg, seqpacket boundaries and a
 * blocking connect to a full backlog.
 * Golden: the real i386 kernel is authoritative. Runs in /tmp (the recording's cwd).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *en(long r)
{
	return r < 0 ? strerror(errno) : "ok";
}

/* the call first, then its errno (argument order is unspecified) */
#define SHOW(what, call)                                                                    \
	do {                                                                                \
		errno = 0;                                                                  \
		long r_ = (call);                                                           \
		printf("%s: %ld %s\n", what, r_, en(r_));                                  \
	} while (0)

static int send_fds(int s, const char *data, size_t len, const int *fds, int n, int flags)
{
	char ctl[CMSG_SPACE(sizeof(int) * 300)];
	struct iovec iov = {(void *)data, len};
	struct msghdr m = {0};
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	if (n >= 0) {
		memset(ctl, 0, sizeof ctl);
		m.msg_control = ctl;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * n);
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	}
	return (int)sendmsg(s, &m, flags);
}

/* Receives and prints what came: the data, every control message, the flags. */
static int recv_show(const char *what, int s, size_t len, size_t ctllen, int flags, int *fd_out)
{
	char buf[256], ctl[4096];
	memset(buf, 0, sizeof buf);
	memset(ctl, 0x55, sizeof ctl);
	struct iovec iov = {buf, len};
	struct msghdr m = {0};
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctllen ? ctl : NULL;
	m.msg_controllen = ctllen;
	long r = recvmsg(s, &m, flags);
	if (r < 0) {
		printf("%s: %s\n", what, strerror(errno));
		return -1;
	}
	printf("%s: %ld \"%.*s\" controllen %u flags %#x", what, r, (int)(r < (long)len ? r : (long)len), buf,
	       (unsigned)m.msg_controllen, m.msg_flags);
	if (fd_out)
		*fd_out = -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		printf(" [len %u level %d type %d", (unsigned)c->cmsg_len, c->cmsg_level, c->cmsg_type);
		if (c->cmsg_type == SCM_RIGHTS && c->cmsg_len >= CMSG_LEN(0)) {
			int n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			for (int i = 0; i < n; i++) {
				int fd;
				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
				printf(" fd %d%s", fd, fcntl(fd, F_GETFD) & FD_CLOEXEC ? " cloexec" : "");
				if (fd_out && *fd_out < 0)
					*fd_out = fd;
				else if (i > 0 && n > 4)
					close(fd);
			}
		} else if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
			struct ucred u;
			memcpy(&u, CMSG_DATA(c), sizeof u);
			printf(" pid %s uid %d gid %d",
			       u.pid == getpid() ? "self" : u.pid == 0 ? "0" : u.pid == getppid() ? "parent" : "other",
			       (int)u.uid, (int)u.gid);
		}
		printf("]");
	}
	printf("\n");
	return (int)r;
}

static int tmpfile_with(const char *name, const char *text)
{
	int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);
	write(fd, text, strlen(text));
	unlink(name);
	return fd;
}

static void rights(int type, const char *tname)
{
	printf("-- SCM_RIGHTS on %s\n", tname);
	int sv[2];
	if (socketpair(AF_UNIX, type, 0, sv) < 0) {
		printf("socketpair: %s\n", strerror(errno));
		return;
	}
	int f = tmpfile_with("vmlab-scm-a", "hello file");
	lseek(f, 3, SEEK_SET);
	printf("send one: %d\n", send_fds(sv[0], "x", 1, &f, 1, 0));
	int got;
	recv_show("recv one", sv[1], 16, 64, 0, &got);
	if (got >= 0) {
		/* the same open file: its offset is shared */
		printf("offset seen by the new fd: %ld\n", (long)lseek(got, 0, SEEK_CUR));
		lseek(got, 6, SEEK_SET);
		printf("offset of the original after a seek: %ld\n", (long)lseek(f, 0, SEEK_CUR));
		close(got);
	}
	int two[2] = {f, sv[0]};
	printf("send two: %d\n", send_fds(sv[0], "yy", 2, two, 2, 0));
	recv_show("recv two cloexec", sv[1], 16, 64, MSG_CMSG_CLOEXEC, NULL);
	printf("send two again: %d\n", send_fds(sv[0], "zz", 2, two, 2, 0));
	recv_show("recv with room for one", sv[1], 16, CMSG_SPACE(sizeof(int)), 0, NULL);
	printf("send again: %d\n", send_fds(sv[0], "ww", 2, two, 2, 0));
	recv_show("recv with a 12-byte control", sv[1], 16, 12, 0, NULL);
	printf("send again: %d\n", send_fds(sv[0], "vv", 2, two, 2, 0));
	recv_show("recv without control", sv[1], 16, 0, 0, NULL);
	printf("send again: %d\n", send_fds(sv[0], "uu", 2, two, 2, 0));
	recv_show("recv with 15 bytes of control", sv[1], 16, 15, 0, NULL);
	int bad[2] = {f, 999};
	SHOW("send a bad fd", send_fds(sv[0], "t", 1, bad, 2, 0));
	int many[254];
	for (int i = 0; i < 254; i++)
		many[i] = f;
	SHOW("send 254 fds", send_fds(sv[0], "s", 1, many, 254, 0));
	printf("send 253 fds: %d\n", send_fds(sv[0], "s", 1, many, 253, 0));
	recv_show("recv 253 with room for 5", sv[1], 16, CMSG_SPACE(sizeof(int) * 5), 0, NULL);
	printf("send zero fds: %d\n", send_fds(sv[0], "r", 1, many, 0, 0));
	recv_show("recv zero fds", sv[1], 16, 64, 0, NULL);
	/* peek gives the descriptors too, the real receive again */
	printf("send for peek: %d\n", send_fds(sv[0], "pk", 2, &f, 1, 0));
	recv_show("peek", sv[1], 16, 64, MSG_PEEK, NULL);
	recv_show("recv after peek", sv[1], 16, 64, 0, NULL);
	close(sv[0]);
	close(sv[1]);
	close(f);
}

/* In a stream the descriptors arrive with the first read of their bytes, and a read stops
 * after the bytes that carried them. */
static void stream_order(void)
{
	printf("-- SCM_RIGHTS ordering in a stream\n");
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	int f = tmpfile_with("vmlab-scm-b", "order");
	printf("plain: %d\n", (int)send(sv[0], "abc", 3, 0));
	printf("with fd: %d\n", send_fds(sv[0], "DEF", 3, &f, 1, 0));
	printf("plain: %d\n", (int)send(sv[0], "ghi", 3, 0));
	printf("with fd: %d\n", send_fds(sv[0], "JKL", 3, &f, 1, 0));
	recv_show("read 2", sv[1], 2, 64, 0, NULL);
	recv_show("read 100", sv[1], 100, 64, 0, NULL);
	recv_show("read 100", sv[1], 100, 64, 0, NULL);
	printf("with fd: %d\n", send_fds(sv[0], "MNOP", 4, &f, 1, 0));
	recv_show("read 1", sv[1], 1, 64, 0, NULL);
	recv_show("read 100", sv[1], 100, 64, 0, NULL);
	SHOW("empty send with fd", send_fds(sv[0], "", 0, &f, 1, 0));
	printf("plain: %d\n", (int)send(sv[0], "q", 1, 0));
	recv_show("read 100", sv[1], 100, 64, MSG_DONTWAIT, NULL);
	/* files in flight go when the socket closes unread: the write end of a pipe */
	int p[2];
	pipe(p);
	printf("send pipe write end: %d\n", send_fds(sv[0], "w", 1, &p[1], 1, 0));
	close(p[1]);
	close(sv[1]);
	char c;
	printf("read of the pipe once the receiver closed: %d\n", (int)read(p[0], &c, 1));
	close(p[0]);
	close(sv[0]);
	close(f);
}

static int send_creds(int s, const char *data, pid_t pid, uid_t uid, gid_t gid)
{
	char ctl[CMSG_SPACE(sizeof(struct ucred))];
	struct iovec iov = {(void *)data, strlen(data)};
	struct msghdr m = {0};
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl;
	m.msg_controllen = sizeof ctl;
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_CREDENTIALS;
	c->cmsg_len = CMSG_LEN(sizeof(struct ucred));
	struct ucred u = {pid, uid, gid};
	memcpy(CMSG_DATA(c), &u, sizeof u);
	errno = 0;
	return (int)sendmsg(s, &m, 0);
}

static void creds(int type, const char *tname)
{
	printf("-- SCM_CREDENTIALS on %s\n", tname);
	int sv[2], one = 1;
	socketpair(AF_UNIX, type, 0, sv);
	printf("send before SO_PASSCRED: %d\n", (int)send(sv[0], "a", 1, 0));
	printf("SO_PASSCRED: %s\n", en(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one)));
	recv_show("recv", sv[1], 16, 64, 0, NULL);
	printf("send: %d\n", (int)send(sv[0], "b", 1, 0));
	recv_show("recv", sv[1], 16, 64, 0, NULL);
	printf("send own creds: %d\n", send_creds(sv[0], "c", getpid(), getuid(), getgid()));
	recv_show("recv", sv[1], 16, 64, 0, NULL);
	SHOW("send uid 5 gid 7 (root may)", send_creds(sv[0], "d", getpid(), 5, 7));
	recv_show("recv", sv[1], 16, 64, 0, NULL);
	SHOW("send pid 1 (root may)", send_creds(sv[0], "e", 1, 0, 0));
	recv_show("recv", sv[1], 16, 64, 0, NULL);
	SHOW("send uid -1", send_creds(sv[0], "f", getpid(), (uid_t)-1, 0));
	SHOW("send a pid nobody has", send_creds(sv[0], "f", 32000, 0, 0));
	send(sv[0], "g", 1, 0);
	recv_show("recv small control", sv[1], 16, 20, MSG_DONTWAIT, NULL);
	/* with SO_PASSCRED a stream read does not glue writers with different credentials */
	if (fork() == 0) {
		send(sv[0], "child", 5, 0);
		_exit(0);
	}
	wait(NULL);
	send(sv[0], "parent", 6, 0);
	recv_show("recv", sv[1], 16, 64, 0, NULL);
	recv_show("recv", sv[1], 16, 64, 0, NULL);
	struct msghdr m = {0};
	char ctl[CMSG_SPACE(4)] = {0};
	struct cmsghdr *c = (struct cmsghdr *)ctl;
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = 99;
	c->cmsg_len = CMSG_LEN(4);
	m.msg_control = ctl;
	m.msg_controllen = sizeof ctl;
	SHOW("unknown type", (int)sendmsg(sv[0], &m, 0));
	c->cmsg_level = 6;
	SHOW("another level (ignored)", (int)sendmsg(sv[0], &m, 0));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_len = 200;
	SHOW("cmsg_len past the buffer", (int)sendmsg(sv[0], &m, 0));
	m.msg_controllen = 8;
	SHOW("control shorter than a header", (int)sendmsg(sv[0], &m, 0));
	close(sv[0]);
	close(sv[1]);
}

static void dgram_rights(void)
{
	printf("-- datagrams to a named socket, closed unread\n");
	int a = socket(AF_UNIX, SOCK_DGRAM, 0), b = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un addr = {AF_UNIX, "\0vmlab-scm-dgram"};
	socklen_t alen = offsetof(struct sockaddr_un, sun_path) + 16;
	printf("bind: %s\n", en(bind(b, (struct sockaddr *)&addr, alen)));
	int p[2];
	pipe(p);
	struct iovec iov = {"to b", 4};
	char ctl[CMSG_SPACE(sizeof(int))];
	struct msghdr m = {0};
	m.msg_name = &addr;
	m.msg_namelen = alen;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl;
	m.msg_controllen = sizeof ctl;
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &p[1], sizeof(int));
	printf("sendmsg: %d\n", (int)sendmsg(a, &m, 0));
	printf("sendto plain: %d\n", (int)sendto(a, "plain", 5, 0, (struct sockaddr *)&addr, alen));
	printf("sendmsg: %d\n", (int)sendmsg(a, &m, 0));
	int got;
	recv_show("recv truncated", b, 2, 64, 0, &got);
	close(got);
	recv_show("recv plain", b, 16, 64, 0, NULL);
	close(p[1]);
	close(b);
	char ch;
	printf("pipe read after the receiver closed: %d\n", (int)read(p[0], &ch, 1));
	close(p[0]);
	close(a);
}

static void waitall_and_big_send(void)
{
	printf("-- MSG_WAITALL and a blocking send larger than the buffer\n");
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pid_t pid = fork();
	if (pid == 0) {
		for (int i = 0; i < 4; i++) {
			usleep(1000);
			send(sv[1], "0123456789", 10, 0);
		}
		char go;
		recv(sv[1], &go, 1, 0);
		static char big[1 << 20];
		memset(big, 'b', sizeof big);
		long n = send(sv[1], big, sizeof big, 0);
		printf("child: sent %ld\n", n);
		fflush(stdout);
		_exit(0);
	}
	char buf[64] = {0};
	long n = recv(sv[0], buf, 35, MSG_WAITALL);
	printf("waitall 35: %ld \"%s\"\n", n, buf);
	n = recv(sv[0], buf, 64, MSG_WAITALL | MSG_DONTWAIT);
	printf("waitall with dontwait: %ld\n", n);
	send(sv[0], "g", 1, 0);
	static char big[1 << 20];
	long total = 0;
	while (total < (1 << 20)) {
		n = read(sv[0], big, sizeof big);
		if (n <= 0)
			break;
		total += n;
	}
	waitpid(pid, NULL, 0);
	printf("parent: read %ld\n", total);
	close(sv[1]);
	n = recv(sv[0], buf, 64, MSG_WAITALL);
	printf("waitall at end of file: %ld\n", n);
	close(sv[0]);
}

static void dgram_vectors(void)
{
	printf("-- readv/writev on datagram sockets, sendmmsg/recvmmsg\n");
	int sv[2];
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	struct iovec w[2] = {{"abc", 3}, {"defg", 4}};
	printf("writev: %ld\n", (long)writev(sv[0], w, 2));
	char b1[2], b2[8] = {0};
	struct iovec r[2] = {{b1, 2}, {b2, 8}};
	long n = readv(sv[1], r, 2);
	printf("readv: %ld \"%.2s\" \"%s\"\n", n, b1, b2);
	struct mmsghdr mm[3];
	struct iovec io[3] = {{"one", 3}, {"two!", 4}, {"three", 5}};
	memset(mm, 0, sizeof mm);
	for (int i = 0; i < 3; i++) {
		mm[i].msg_hdr.msg_iov = &io[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	printf("sendmmsg: %d", sendmmsg(sv[0], mm, 3, 0));
	for (int i = 0; i < 3; i++)
		printf(" %u", mm[i].msg_len);
	printf("\n");
	char rb[3][8];
	struct iovec ri[3];
	memset(mm, 0, sizeof mm);
	memset(rb, 0, sizeof rb);
	for (int i = 0; i < 3; i++) {
		ri[i] = (struct iovec){rb[i], i == 2 ? 3 : 8};
		mm[i].msg_hdr.msg_iov = &ri[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	int k = recvmmsg(sv[1], mm, 3, 0, NULL);
	printf("recvmmsg: %d", k);
	for (int i = 0; i < k; i++)
		printf(" [%u \"%.8s\" flags %#x]", mm[i].msg_len, rb[i], mm[i].msg_hdr.msg_flags);
	printf("\n");
	SHOW("recvmmsg on empty", recvmmsg(sv[1], mm, 3, MSG_DONTWAIT, NULL));
	send(sv[0], "x", 1, 0);
	k = recvmmsg(sv[1], mm, 3, MSG_WAITFORONE, NULL);
	printf("recvmmsg waitforone: %d\n", k);
	SHOW("sendmmsg bad vector", sendmmsg(sv[0], (void *)16, 2, 0));
	close(sv[0]);
	close(sv[1]);
}

/* a datagram send waiting for room in a receiver that goes meanwhile */
static void dgram_blocked_send(void)
{
	printf("-- a blocked datagram send, the receiver closed\n");
	int sv[2];
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	static char b[1000];
	int n = 0;
	while (send(sv[0], b, sizeof b, MSG_DONTWAIT) > 0)
		n++;
	printf("filled: %s\n", n > 0 ? "yes" : "no");
	pid_t pid = fork();
	if (pid == 0) {
		usleep(20000);
		_exit(0);
	}
	close(sv[1]);
	SHOW("blocking send, the receiver gone meanwhile", send(sv[0], b, sizeof b, 0));
	SHOW("send again", send(sv[0], b, sizeof b, 0));
	waitpid(pid, NULL, 0);
	close(sv[0]);
}

static void name_len(const char *w, int fd)
{
	struct sockaddr_un a;
	socklen_t l = sizeof a;
	memset(&a, 0, sizeof a);
	getsockname(fd, (struct sockaddr *)&a, &l);
	printf("%s: name length %u%s\n", w, (unsigned)l, l > 2 && !a.sun_path[0] ? " (abstract)" : "");
}

/* a socket passing credentials is given a name (autobind) when it connects or sends */
static void passcred_autobind(void)
{
	printf("-- SO_PASSCRED and autobind\n");
	int one = 1;
	struct sockaddr_un srv = {AF_UNIX, "\0vmlab-scm-ab-s"}, da = {AF_UNIX, "\0vmlab-scm-ab-d"};
	socklen_t sl = offsetof(struct sockaddr_un, sun_path) + 15;
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	bind(l, (struct sockaddr *)&srv, sl);
	listen(l, 5);
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	setsockopt(c, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
	connect(c, (struct sockaddr *)&srv, sl);
	name_len("stream client passing credentials", c);
	int c2 = socket(AF_UNIX, SOCK_STREAM, 0);
	connect(c2, (struct sockaddr *)&srv, sl);
	name_len("stream client not passing them", c2);
	int d = socket(AF_UNIX, SOCK_DGRAM, 0);
	bind(d, (struct sockaddr *)&da, sl);
	setsockopt(d, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
	int s1 = socket(AF_UNIX, SOCK_DGRAM, 0), s2 = socket(AF_UNIX, SOCK_DGRAM, 0);
	sendto(s1, "x", 1, 0, (struct sockaddr *)&da, sl);
	name_len("datagram sender to a receiver passing credentials", s1);
	setsockopt(s2, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
	sendto(s2, "y", 1, 0, (struct sockaddr *)&da, sl);
	name_len("datagram sender passing credentials", s2);
	struct sockaddr_un from;
	for (int i = 0; i < 2; i++) {
		socklen_t fl = sizeof from;
		char ch;
		recvfrom(d, &ch, 1, 0, (struct sockaddr *)&from, &fl);
		printf("received '%c' from a name of length %u\n", ch, (unsigned)fl);
	}
	close(s1);
	close(s2);
	close(d);
	close(c);
	close(c2);
	close(l);
}

/* the socket is looked up before the arguments are read; 0x80000000 (MSG_CMSG_COMPAT of
 * a 64-bit kernel) is no flag to an i386 kernel */
static void call_order(void)
{
	printf("-- the order of the checks\n");
	int sv[2];
	socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
	int f = open("/", O_RDONLY);
	SHOW("sendmsg on a non-socket, bad msghdr", sendmsg(f, (void *)8, 0));
	SHOW("sendmsg on a bad fd", sendmsg(99, (void *)8, 0));
	SHOW("recvmsg on a non-socket", recvmsg(f, (void *)8, 0));
	SHOW("sendto on a non-socket", sendto(f, (void *)8, 4, 0, NULL, 0));
	SHOW("recvfrom on a non-socket", recvfrom(f, (void *)8, 4, 0, NULL, 0));
	SHOW("sendmmsg on a non-socket", sendmmsg(f, (void *)8, 1, 0));
	SHOW("sendmsg with MSG_CMSG_COMPAT", sendmsg(sv[0], (void *)8, 0x80000000));
	SHOW("sendmsg on a bad fd with MSG_CMSG_COMPAT", sendmsg(99, (void *)8, 0x80000000));
	SHOW("recvmsg with MSG_CMSG_COMPAT", recvmsg(sv[0], (void *)8, 0x80000000));
	SHOW("sendmmsg with MSG_CMSG_COMPAT", sendmmsg(99, (void *)8, 1, 0x80000000));
	SHOW("recvmmsg with MSG_CMSG_COMPAT", recvmmsg(99, (void *)8, 1, 0x80000000, NULL));
	close(f);
	close(sv[0]);
	close(sv[1]);
}

/* sendfile into each kind of socket: the messages it makes, the offsets it moves */
static void sendfile_into(void)
{
	printf("-- sendfile into sockets\n");
	static char big[10000];
	memset(big, 'z', sizeof big);
	int f = open("vmlab-scm-sf", O_RDWR | O_CREAT | O_TRUNC, 0600);
	write(f, big, sizeof big);
	unlink("vmlab-scm-sf");
	int types[3] = {SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM};
	for (int i = 0; i < 3; i++) {
		int sv[2];
		socketpair(AF_UNIX, types[i], 0, sv);
		off_t o = 100;
		long n = sendfile(sv[0], f, &o, 9000);
		printf("type %d: sendfile %ld, offset %ld, received", types[i], n, (long)o);
		static char b[20000];
		long r;
		while ((r = recv(sv[1], b, sizeof b, MSG_DONTWAIT)) > 0)
			printf(" %ld", r);
		lseek(f, 5, SEEK_SET);
		n = sendfile(sv[0], f, NULL, 50);
		printf("; at the file's offset: %ld, the file at %ld, received", n,
		       (long)lseek(f, 0, SEEK_CUR));
		while ((r = recv(sv[1], b, sizeof b, MSG_DONTWAIT)) > 0)
			printf(" %ld", r);
		printf("\n");
		close(sv[0]);
		close(sv[1]);
	}
	close(f);
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void seqpacket_and_backlog(void)
{
	printf("-- seqpacket boundaries, connect to a full backlog\n");
	int sv[2];
	socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
	send(sv[0], "first", 5, 0);
	send(sv[0], "second", 6, 0);
	char buf[16] = {0};
	long n = recv(sv[1], buf, 3, 0);
	printf("seqpacket recv 3: %ld \"%.3s\"\n", n, buf);
	n = recv(sv[1], buf, 16, 0);
	printf("seqpacket recv 16: %ld \"%.6s\"\n", n, buf);
	close(sv[0]);
	close(sv[1]);
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un addr = {AF_UNIX, "\0vmlab-scm-backlog"};
	socklen_t alen = offsetof(struct sockaddr_un, sun_path) + 18;
	bind(l, (struct sockaddr *)&addr, alen);
	listen(l, 0);
	int c1 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	printf("connect 1: %s\n", en(connect(c1, (struct sockaddr *)&addr, alen)));
	int c2 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	printf("connect 2 non-blocking: %s\n", en(connect(c2, (struct sockaddr *)&addr, alen)));
	pid_t pid = fork();
	if (pid == 0) {
		usleep(20000);
		int a = accept(l, NULL, NULL);
		printf("child accepted: %s\n", en(a));
		fflush(stdout);
		_exit(0);
	}
	int c3 = socket(AF_UNIX, SOCK_STREAM, 0);
	int r = connect(c3, (struct sockaddr *)&addr, alen);
	const char *e = en(r);
	waitpid(pid, NULL, 0);
	printf("blocking connect 3 once the child accepted: %s\n", e);
	/* the queue is full again: a blocking connect waits, until a signal ... */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	int c4 = socket(AF_UNIX, SOCK_STREAM, 0);
	alarm(1);
	SHOW("blocking connect 4 to a full queue, alarm", connect(c4, (struct sockaddr *)&addr, alen));
	/* ... or until the listener goes */
	pid = fork();
	if (pid == 0) {
		usleep(20000);
		close(l);
		_exit(0);
	}
	close(l);
	SHOW("blocking connect 4 again, the listener closed meanwhile",
	     connect(c4, (struct sockaddr *)&addr, alen));
	waitpid(pid, NULL, 0);
	close(c4);
	close(c1);
	close(c2);
	close(c3);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	rights(SOCK_STREAM, "stream");
	rights(SOCK_SEQPACKET, "seqpacket");
	rights(SOCK_DGRAM, "datagram");
	stream_order();
	creds(SOCK_STREAM, "stream");
	creds(SOCK_DGRAM, "datagram");
	dgram_rights();
	waitall_and_big_send();
	dgram_vectors();
	seqpacket_and_backlog();
	dgram_blocked_send();
	passcred_autobind();
	call_order();
	sendfile_into();
	return 0;
}
