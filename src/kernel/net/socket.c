/*
 * The socket system calls (net/socket.c): the i386 socketcall(2) multiplexer and the
 * direct calls (359-373), which unpack the guest's arguments, buffers and struct msghdr
 * and hand them to the unix-domain model (af_unix.c), the only family vmlab has.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/net/unix_int.h"
#include "kernel/syscalls/syscall.h"
#include "kernel/task.h"
#include "kernel/uaccess.h"

#define IO_MAX (1u << 20) /* one call moves at most this much (a stream returns a count) */
#define UIO_MAXIOV_ 1024
#define MSG_TRUNC_FLAG 0x20u

long sys_socket(struct task *t, const uint32_t *a)
{
	return unix_socket(t, (int32_t)a[0], a[1], (int32_t)a[2]);
}

long sys_socketpair(struct task *t, const uint32_t *a)
{
	return unix_socketpair(t, (int32_t)a[0], a[1], (int32_t)a[2], a[3]);
}

long sys_bind(struct task *t, const uint32_t *a)
{
	return unix_bind(t, (int32_t)a[0], a[1], (int32_t)a[2]);
}

long sys_connect(struct task *t, const uint32_t *a)
{
	return unix_connect(t, (int32_t)a[0], a[1], (int32_t)a[2]);
}

long sys_listen(struct task *t, const uint32_t *a)
{
	return unix_listen(t, (int32_t)a[0], (int32_t)a[1]);
}

long sys_accept4(struct task *t, const uint32_t *a)
{
	return unix_accept(t, (int32_t)a[0], a[1], a[2], a[3]);
}

long sys_getsockname(struct task *t, const uint32_t *a)
{
	return unix_getname(t, (int32_t)a[0], a[1], a[2], 0);
}

long sys_getpeername(struct task *t, const uint32_t *a)
{
	return unix_getname(t, (int32_t)a[0], a[1], a[2], 1);
}

long sys_shutdown(struct task *t, const uint32_t *a)
{
	return unix_shutdown(t, (int32_t)a[0], (int32_t)a[1]);
}

long sys_getsockopt(struct task *t, const uint32_t *a)
{
	return unix_getsockopt(t, (int32_t)a[0], (int32_t)a[1], (int32_t)a[2], a[3], a[4]);
}

long sys_setsockopt(struct task *t, const uint32_t *a)
{
	return unix_setsockopt(t, (int32_t)a[0], (int32_t)a[1], (int32_t)a[2], a[3], (int32_t)a[4]);
}

/* sendto(fd, buf, len, flags, addr, addrlen); send is the same without an address */
long sys_sendto(struct task *t, const uint32_t *a)
{
	size_t len = a[2] < IO_MAX ? a[2] : IO_MAX;
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	long r = copy_from_user(t, buf, a[1], len)
		     ? -EFAULT
		     : unix_send(t, (int32_t)a[0], buf, len, a[3], a[4], (int32_t)a[5]);
	free(buf);
	return r;
}

/* recvfrom(fd, buf, len, flags, addr, addrlen) */
long sys_recvfrom(struct task *t, const uint32_t *a)
{
	size_t len = a[2] < IO_MAX ? a[2] : IO_MAX;
	uint8_t *buf = malloc(len ? len : 1), from[SUN_MAX];
	uint32_t from_len;
	int trunc;
	if (!buf)
		return -ENOMEM;
	long r = unix_recv(t, (int32_t)a[0], buf, len, a[3], from, &from_len, &trunc);
	if (r >= 0) {
		size_t got = (size_t)r < len ? (size_t)r : len;
		if (got && copy_to_user(t, a[1], buf, got))
			r = -EFAULT;
		else if (a[4]) {
			int e = unix_put_addr(t, from, from_len, a[4], a[5]);
			if (e)
				r = e;
		}
	}
	free(buf);
	return r;
}

/* struct msghdr and struct iovec of a 32-bit task */
struct msghdr32 {
	uint32_t name, namelen, iov, iovlen, control, controllen, flags;
};

static long get_iov(struct task *t, const struct msghdr32 *m, uint32_t (**iov)[2], size_t *total)
{
	if (m->iovlen > UIO_MAXIOV_)
		return -EMSGSIZE;
	*iov = calloc(m->iovlen ? m->iovlen : 1, sizeof **iov);
	if (!*iov)
		return -ENOMEM;
	if (m->iovlen && copy_from_user(t, *iov, m->iov, m->iovlen * sizeof **iov)) {
		free(*iov);
		return -EFAULT;
	}
	uint64_t sum = 0;
	for (uint32_t i = 0; i < m->iovlen; i++)
		sum += (*iov)[i][1];
	if (sum > 0x7fffffff) {
		free(*iov);
		return -EINVAL;
	}
	*total = sum < IO_MAX ? (size_t)sum : IO_MAX;
	return 0;
}

static long cmsg_not_modelled(void)
{
	static bool reported;
	if (!reported)
		fprintf(stderr, "vmlab: control messages (SCM_RIGHTS, SCM_CREDENTIALS) are not "
				"modelled: sendmsg gives EOPNOTSUPP (reported once)\n");
	reported = true;
	return -EOPNOTSUPP;
}

long sys_sendmsg(struct task *t, const uint32_t *a)
{
	struct msghdr32 m;
	if (copy_from_user(t, &m, a[1], sizeof m))
		return -EFAULT;
	if (m.controllen)
		return cmsg_not_modelled();
	uint32_t(*iov)[2];
	size_t total;
	long r = get_iov(t, &m, &iov, &total);
	if (r)
		return r;
	uint8_t *buf = malloc(total ? total : 1);
	size_t off = 0;
	for (uint32_t i = 0; buf && i < m.iovlen && off < total && !r; i++) {
		size_t n = iov[i][1] < total - off ? iov[i][1] : total - off;
		if (n && copy_from_user(t, buf + off, iov[i][0], n))
			r = -EFAULT;
		off += n;
	}
	if (!buf)
		r = -ENOMEM;
	if (!r)
		r = unix_send(t, (int32_t)a[0], buf, total, a[2], m.name, (int32_t)m.namelen);
	free(buf);
	free(iov);
	return r;
}

long sys_recvmsg(struct task *t, const uint32_t *a)
{
	struct msghdr32 m;
	if (copy_from_user(t, &m, a[1], sizeof m))
		return -EFAULT;
	uint32_t(*iov)[2];
	size_t total;
	long r = get_iov(t, &m, &iov, &total);
	if (r)
		return r;
	uint8_t *buf = malloc(total ? total : 1), from[SUN_MAX];
	uint32_t from_len;
	int trunc;
	r = buf ? unix_recv(t, (int32_t)a[0], buf, total, a[2], from, &from_len, &trunc) : -ENOMEM;
	if (r >= 0) {
		size_t got = (size_t)r < total ? (size_t)r : total, off = 0;
		for (uint32_t i = 0; i < m.iovlen && off < got; i++) {
			size_t n = iov[i][1] < got - off ? iov[i][1] : got - off;
			if (n && copy_to_user(t, iov[i][0], buf + off, n)) {
				r = -EFAULT;
				break;
			}
			off += n;
		}
	}
	if (r >= 0) {
		/* the name as recvfrom gives it, no control data, MSG_TRUNC for a cut datagram */
		uint32_t namelen = m.name ? (from_len < m.namelen ? from_len : m.namelen) : 0;
		if (namelen && copy_to_user(t, m.name, from, namelen))
			r = -EFAULT;
		m.namelen = m.name ? from_len : 0;
		m.controllen = 0;
		m.flags = trunc ? MSG_TRUNC_FLAG : 0;
		if (r >= 0 && copy_to_user(t, a[1], &m, sizeof m))
			r = -EFAULT;
	}
	free(buf);
	free(iov);
	return r;
}

/* socketcall(call, args): the argument count of each call, as net/socket.c's nargs */
long sys_socketcall(struct task *t, const uint32_t *a)
{
	static const uint8_t nargs[21] = {0, 3, 3, 3, 2, 3, 3, 3, 4, 4, 4,
					  6, 6, 2, 5, 5, 3, 3, 4, 5, 4};
	uint32_t call = a[0];
	if (call < 1 || call > 20)
		return -EINVAL;
	uint32_t v[6] = {0};
	if (copy_from_user(t, v, a[1], nargs[call] * 4u))
		return -EFAULT;
	switch (call) {
	case 1: return sys_socket(t, v);
	case 2: return sys_bind(t, v);
	case 3: return sys_connect(t, v);
	case 4: return sys_listen(t, v);
	case 5: { /* accept: accept4 with no flags */
		uint32_t w[4] = {v[0], v[1], v[2], 0};
		return sys_accept4(t, w);
	}
	case 6: return sys_getsockname(t, v);
	case 7: return sys_getpeername(t, v);
	case 8: return sys_socketpair(t, v);
	case 9: { /* send: sendto without an address */
		uint32_t w[6] = {v[0], v[1], v[2], v[3], 0, 0};
		return sys_sendto(t, w);
	}
	case 10: { /* recv: recvfrom without an address */
		uint32_t w[6] = {v[0], v[1], v[2], v[3], 0, 0};
		return sys_recvfrom(t, w);
	}
	case 11: return sys_sendto(t, v);
	case 12: return sys_recvfrom(t, v);
	case 13: return sys_shutdown(t, v);
	case 14: return sys_setsockopt(t, v);
	case 15: return sys_getsockopt(t, v);
	case 16: return sys_sendmsg(t, v);
	case 17: return sys_recvmsg(t, v);
	case 18: return sys_accept4(t, v);
	default: { /* recvmmsg, sendmmsg */
		static bool reported;
		if (!reported)
			fprintf(stderr, "vmlab: unimplemented socketcall %s (%u)\n",
				call == 19 ? "recvmmsg" : "sendmmsg", call);
		reported = true;
		return -ENOSYS;
	}
	}
}
