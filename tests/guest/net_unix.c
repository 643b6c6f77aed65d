/*
 * Unix-domain sockets: socketpair (stream and datagram), a path-bound server with
 * listen/accept and a forked client, abstract names and autobind, datagrams with sender
 * addresses, recvmsg's MSG_TRUNC, shutdown, socket options, poll on a listener, the errors
 * of each call, and the socketcall(2) multiplexer.
 * Golden: the real i386 kernel is authoritative. Runs in /tmp (the recording's cwd).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <linux/net.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define PATH "vmlab-net-unix.sock"

static const char *en(int r)
{
	return r < 0 ? strerror(errno) : "ok";
}

static socklen_t un_addr(struct sockaddr_un *a, const char *path, int abstract)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	if (abstract) {
		memcpy(a->sun_path + 1, path, strlen(path));
		return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(path));
	}
	strcpy(a->sun_path, path);
	return sizeof *a;
}

static void show_name(const char *what, int fd, int peer)
{
	struct sockaddr_un a;
	socklen_t len = sizeof a;
	memset(&a, 0, sizeof a);
	int r = peer ? getpeername(fd, (struct sockaddr *)&a, &len) : getsockname(fd, (struct sockaddr *)&a, &len);
	if (r < 0) {
		printf("%s: %s\n", what, strerror(errno));
		return;
	}
	printf("%s: len %u family %d path \"%s\"%s\n", what, (unsigned)len, a.sun_family,
	       a.sun_path[0] ? a.sun_path : a.sun_path + 1, len > 2 && !a.sun_path[0] ? " (abstract)" : "");
}

static void pairs(void)
{
	int sv[2];
	printf("socketpair stream: %s\n", en(socketpair(AF_UNIX, SOCK_STREAM, 0, sv)));
	char buf[64];
	printf("write 5: %zd\n", write(sv[0], "hello", 5));
	printf("send 3: %zd\n", send(sv[0], "abc", 3, 0));
	ssize_t n = read(sv[1], buf, sizeof buf);
	printf("read: %zd \"%.*s\"\n", n, (int)n, buf);
	show_name("getsockname of a pair", sv[0], 0);
	show_name("getpeername of a pair", sv[0], 1);
	int v = -1;
	socklen_t l = sizeof v;
	getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &l);
	printf("SO_TYPE %d (len %u)", v, (unsigned)l);
	getsockopt(sv[0], SOL_SOCKET, SO_DOMAIN, &v, &l);
	printf(", SO_DOMAIN %d", v);
	getsockopt(sv[0], SOL_SOCKET, SO_ACCEPTCONN, &v, &l);
	printf(", SO_ACCEPTCONN %d\n", v);
	struct ucred cr;
	l = sizeof cr;
	getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &l);
	printf("SO_PEERCRED: pid is mine %s, uid %d, len %u\n", cr.pid == getpid() ? "yes" : "no", cr.uid, (unsigned)l);
	v = 1000;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
	l = sizeof v;
	getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, &l);
	printf("SO_SNDBUF after setting 1000: %d\n", v);
	printf("getsockopt level 6: %s\n", en(getsockopt(sv[0], 6, 1, &v, &l)));
	printf("getsockopt unknown name: %s\n", en(getsockopt(sv[0], SOL_SOCKET, 12345, &v, &l)));
	printf("shutdown SHUT_WR: %s\n", en(shutdown(sv[0], SHUT_WR)));
	printf("peer reads after it: %zd\n", read(sv[1], buf, sizeof buf));
	signal(SIGPIPE, SIG_IGN);
	n = send(sv[0], "x", 1, 0);
	printf("send after SHUT_WR: %zd %s\n", n, strerror(errno));
	printf("shutdown 3: %s\n", en(shutdown(sv[0], 3)));
	char link[64] = "";
	char p[64];
	snprintf(p, sizeof p, "/proc/self/fd/%d", sv[0]);
	n = readlink(p, link, sizeof link - 1);
	printf("/proc/self/fd link starts with socket:[ : %s\n", n > 0 && !strncmp(link, "socket:[", 8) ? "yes" : "no");
	struct stat st;
	fstat(sv[0], &st);
	printf("fstat: S_ISSOCK %d mode %o\n", S_ISSOCK(st.st_mode), st.st_mode & 0777);
	printf("lseek: %s\n", en((int)lseek(sv[0], 0, SEEK_SET)));
	close(sv[0]);
	close(sv[1]);

	printf("socketpair dgram: %s\n", en(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv)));
	send(sv[0], "one", 3, 0);
	send(sv[0], "second", 6, 0);
	write(sv[0], "", 0);
	n = recv(sv[1], buf, sizeof buf, 0);
	printf("recv: %zd \"%.*s\"", n, (int)n, buf);
	n = read(sv[1], buf, 3);
	printf(", read 3 of 6: %zd \"%.*s\"", n, (int)n, buf);
	n = recv(sv[1], buf, sizeof buf, 0);
	printf(", empty datagram: %zd\n", n);
	send(sv[0], "truncated", 9, 0);
	struct iovec iov = {buf, 4};
	struct sockaddr_un from;
	struct msghdr m = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1};
	n = recvmsg(sv[1], &m, 0);
	printf("recvmsg into 4: %zd \"%.*s\" flags MSG_TRUNC %d namelen %u\n", n, (int)n, buf,
	       !!(m.msg_flags & MSG_TRUNC), (unsigned)m.msg_namelen);
	send(sv[0], "truncated", 9, 0);
	n = recv(sv[1], buf, 4, MSG_TRUNC);
	printf("recv MSG_TRUNC into 4: %zd\n", n);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	n = recv(sv[1], buf, sizeof buf, 0);
	printf("recv on an empty non-blocking socket: %zd %s\n", n, strerror(errno));
	close(sv[0]);
	close(sv[1]);
}

static void server(void)
{
	unlink(PATH);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a;
	socklen_t al = un_addr(&a, PATH, 0);
	printf("listen before bind: %s\n", en(listen(s, 5)));
	printf("bind %s: %s\n", PATH, en(bind(s, (struct sockaddr *)&a, al)));
	printf("bind again: %s\n", en(bind(s, (struct sockaddr *)&a, al)));
	struct stat st;
	lstat(PATH, &st);
	printf("the node: S_ISSOCK %d mode %o\n", S_ISSOCK(st.st_mode), st.st_mode & 0777);
	int s2 = socket(AF_UNIX, SOCK_STREAM, 0);
	printf("another bind to the name: %s\n", en(bind(s2, (struct sockaddr *)&a, al)));
	printf("connect before listen: %s\n", en(connect(s2, (struct sockaddr *)&a, al)));
	printf("accept before listen: %s\n", en(accept(s, NULL, NULL)));
	printf("listen: %s\n", en(listen(s, 5)));
	show_name("getsockname of the listener", s, 0);
	show_name("getpeername of the listener", s, 1);
	int v;
	socklen_t l = sizeof v;
	getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, &v, &l);
	printf("SO_ACCEPTCONN %d\n", v);
	fcntl(s, F_SETFL, O_NONBLOCK);
	printf("non-blocking accept with nobody: %s\n", en(accept(s, NULL, NULL)));
	fcntl(s, F_SETFL, 0);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int c = socket(AF_UNIX, SOCK_STREAM, 0);
		int r = connect(c, (struct sockaddr *)&a, al);
		char buf[32];
		if (r == 0 && write(c, "ping", 4) == 4) {
			ssize_t n = read(c, buf, sizeof buf);
			printf("child: connect ok, reply %zd \"%.*s\"\n", n, (int)(n > 0 ? n : 0), buf);
			show_name("child: getpeername", c, 1);
			show_name("child: getsockname", c, 0);
			printf("child: connect again: %s\n", en(connect(c, (struct sockaddr *)&a, al)));
		} else {
			printf("child: connect %s\n", strerror(errno));
		}
		fflush(stdout);
		_exit(0);
	}
	struct pollfd p = {s, POLLIN, 0};
	int pr = poll(&p, 1, 5000);
	printf("poll on the listener: %d revents POLLIN %d\n", pr, !!(p.revents & POLLIN));
	struct sockaddr_un peer;
	socklen_t pl = sizeof peer;
	int c = accept(s, (struct sockaddr *)&peer, &pl);
	printf("accept: %s, peer address len %u\n", c >= 0 ? "ok" : strerror(errno), (unsigned)pl);
	char buf[32];
	ssize_t n = read(c, buf, sizeof buf);
	printf("server read %zd \"%.*s\"\n", n, (int)(n > 0 ? n : 0), buf);
	show_name("accepted: getsockname", c, 0);
	show_name("accepted: getpeername", c, 1);
	write(c, "pong", 4);
	fflush(stdout);
	int st2;
	waitpid(pid, &st2, 0);
	n = read(c, buf, sizeof buf);
	printf("after the client exited: read %zd\n", n);
	close(c);
	close(s);
	printf("connect after the listener closed: %s\n", en(connect(s2, (struct sockaddr *)&a, al)));
	close(s2);
	unlink(PATH);
	int s3 = socket(AF_UNIX, SOCK_STREAM, 0);
	printf("connect to a missing path: %s\n", en(connect(s3, (struct sockaddr *)&a, al)));
	int fd = open(PATH, O_CREAT | O_WRONLY, 0644);
	close(fd);
	printf("connect to a regular file: %s\n", en(connect(s3, (struct sockaddr *)&a, al)));
	unlink(PATH);
	int d = socket(AF_UNIX, SOCK_DGRAM, 0);
	printf("datagram bind of the path: %s\n", en(bind(d, (struct sockaddr *)&a, al)));
	printf("stream connect to a datagram path: %s\n", en(connect(s3, (struct sockaddr *)&a, al)));
	struct sockaddr_un a2;
	socklen_t al2 = un_addr(&a2, PATH "2", 0);
	unlink(PATH "2");
	int br = bind(d, (struct sockaddr *)&a2, al2);
	printf("bind a bound socket to a new path: %s", en(br));
	printf(", the path exists after: %s\n", access(PATH "2", F_OK) == 0 ? "yes" : "no");
	close(d);
	unlink(PATH);
	unlink(PATH "2");
	close(s3);
}

static void abstract(void)
{
	int r = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un a, b;
	socklen_t al = un_addr(&a, "vmlab-abstract", 1);
	printf("bind abstract: %s\n", en(bind(r, (struct sockaddr *)&a, al)));
	show_name("its name", r, 0);
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	printf("sendto from an unbound socket: %zd\n", sendto(s, "anon", 4, 0, (struct sockaddr *)&a, al));
	char buf[32];
	struct sockaddr_un from;
	socklen_t fl = sizeof from;
	memset(&from, 0x55, sizeof from);
	ssize_t n = recvfrom(r, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
	printf("recvfrom: %zd \"%.*s\" from len %u\n", n, (int)n, buf, (unsigned)fl);
	socklen_t bl = un_addr(&b, "vmlab-sender", 1);
	bind(s, (struct sockaddr *)&b, bl);
	sendto(s, "named", 5, 0, (struct sockaddr *)&a, al);
	fl = sizeof from;
	n = recvfrom(r, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
	printf("recvfrom: %zd \"%.*s\" from len %u \"%.*s\"\n", n, (int)n, buf, (unsigned)fl,
	       fl > 3 ? (int)fl - 3 : 0, from.sun_path + 1);
	n = send(s, "x", 1, 0);
	printf("send unconnected: %zd %s\n", n, strerror(errno));
	printf("connect: %s\n", en(connect(s, (struct sockaddr *)&a, al)));
	printf("send connected: %zd\n", send(s, "conn", 4, 0));
	n = recv(r, buf, sizeof buf, 0);
	printf("recv: %zd\n", n);
	show_name("getpeername of the connected datagram socket", s, 1);
	int t = socket(AF_UNIX, SOCK_DGRAM, 0);
	printf("bind to a name in use: %s\n", en(bind(t, (struct sockaddr *)&a, al)));
	struct sockaddr_un au = {.sun_family = AF_UNIX};
	printf("autobind: %s\n", en(bind(t, (struct sockaddr *)&au, sizeof(sa_family_t))));
	struct sockaddr_un got;
	socklen_t gl = sizeof got;
	getsockname(t, (struct sockaddr *)&got, &gl);
	printf("autobind name: len %u abstract %d\n", (unsigned)gl, got.sun_path[0] == 0);
	printf("listen on a datagram socket: %s\n", en(listen(t, 1)));
	printf("accept on a datagram socket: %s\n", en(accept(t, NULL, NULL)));
	int st = socket(AF_UNIX, SOCK_STREAM, 0);
	printf("stream connect to a datagram's abstract name: %s\n", en(connect(st, (struct sockaddr *)&a, al)));
	printf("a stream socket binds the same abstract name: %s\n", en(bind(st, (struct sockaddr *)&a, al)));
	close(r);
	n = send(s, "x", 1, 0);
	printf("send to a closed peer: %zd %s\n", n, strerror(errno));
	close(s);
	close(t);
	close(st);
}

static void errors(void)
{
	printf("socket(AF_UNIX, 99): %s\n", en(socket(AF_UNIX, 99, 0)));
	printf("socket(AF_UNIX, STREAM, 7): %s\n", en(socket(AF_UNIX, SOCK_STREAM, 7)));
	printf("socket(AF_UNIX, STREAM|0x10000): %s\n", en(socket(AF_UNIX, SOCK_STREAM | 0x10000, 0)));
	printf("socket(1234): %s\n", en(socket(1234, SOCK_STREAM, 0)));
	int fd = open("/dev/null", O_RDONLY);
	printf("bind on a file: %s\n", en(bind(fd, NULL, 0)));
	close(fd);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	printf("SOCK_NONBLOCK|SOCK_CLOEXEC: flags O_NONBLOCK %d, FD_CLOEXEC %d\n",
	       !!(fcntl(s, F_GETFL) & O_NONBLOCK), fcntl(s, F_GETFD));
	struct sockaddr_un a = {.sun_family = AF_INET};
	printf("bind with family AF_INET: %s\n", en(bind(s, (struct sockaddr *)&a, sizeof a)));
	printf("bind with length 1: %s\n", en(bind(s, (struct sockaddr *)&a, 1)));
	printf("getpeername unconnected: %s\n", en(getpeername(s, (struct sockaddr *)&a, &(socklen_t){sizeof a})));
	printf("shutdown unconnected: %s\n", en(shutdown(s, SHUT_RD)));
	ssize_t n = send(s, "x", 1, 0);
	printf("send unconnected: %zd %s\n", n, strerror(errno));
	close(s);
	unsigned long args[4] = {AF_UNIX, SOCK_STREAM, 0, 0};
	int sv[2];
	args[3] = (unsigned long)sv;
	long r = syscall(SYS_socketcall, SYS_SOCKETPAIR, args);
	printf("socketcall(SYS_SOCKETPAIR): %ld, fds differ %d\n", r, sv[0] != sv[1]);
	unsigned long sargs[4] = {(unsigned long)sv[0], (unsigned long)"via", 3, 0};
	r = syscall(SYS_socketcall, SYS_SEND, sargs);
	char buf[8];
	unsigned long rargs[4] = {(unsigned long)sv[1], (unsigned long)buf, sizeof buf, 0};
	n = syscall(SYS_socketcall, SYS_RECV, rargs);
	printf("socketcall SEND %ld RECV %ld \"%.*s\"\n", r, n, (int)n, buf);
	errno = 0;
	r = syscall(SYS_socketcall, 0, args);
	printf("socketcall(0): %ld %s\n", r, strerror(errno));
	r = syscall(SYS_socketcall, 99, args);
	printf("socketcall(99): %ld %s\n", r, strerror(errno));
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	pairs();
	server();
	abstract();
	errors();
	return 0;
}
