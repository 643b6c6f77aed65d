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
#include "kernel/fs/file.h"
#include "kernel/sched.h"
#include "kernel/sys_time.h"
#include "kernel/syscalls/syscall.h"
#include "kernel/task.h"
#include "kernel/uaccess.h"

#define IO_MAX (1u << 20) /* one call moves at most this much (a stream returns a count) */
#define UIO_MAXIOV_ 1024
#define MSG_TRUNC_FLAG 0x20u
#define MSG_CTRUNC_ 0x8u
#define SOL_SOCKET_ 1
#define SCM_RIGHTS_ 1
#define SCM_CREDENTIALS_ 2
#define CMSG_HDR 12u	  /* struct cmsghdr on i386: len, level, type */
#define OPTMEM_MAX 20480u /* net.core.optmem_max: the most control data one send copies */
#define INT_MAX_ 0x7fffffffu

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
	long e = unix_sock_check(t, (int32_t)a[0]);
	if (e)
		return e;
	size_t len = a[2] < IO_MAX ? a[2] : IO_MAX;
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	long r = copy_from_user(t, buf, a[1], len)
		     ? -EFAULT
		     : unix_send(t, (int32_t)a[0], buf, len, a[3], a[4], (int32_t)a[5], NULL, true);
	free(buf);
	return r;
}

/* recvfrom(fd, buf, len, flags, addr, addrlen) */
long sys_recvfrom(struct task *t, const uint32_t *a)
{
	long e = unix_sock_check(t, (int32_t)a[0]);
	if (e)
		return e;
	size_t len = a[2] < IO_MAX ? a[2] : IO_MAX;
	uint8_t *buf = malloc(len ? len : 1), from[SUN_MAX];
	uint32_t from_len;
	int trunc;
	if (!buf)
		return -ENOMEM;
	/* MSG_WAITALL: what earlier rounds of this call received is in the buffer already */
	size_t skip = (a[3] & MSG_WAITALL_) ? unix_partial_skip(t) : 0;
	skip = skip < len ? skip : len;
	long r = unix_recv(t, (int32_t)a[0], buf, len - skip, a[3], from, &from_len, &trunc, NULL);
	if (r >= 0) {
		size_t got = (size_t)r < len - skip ? (size_t)r : len - skip;
		if (got && copy_to_user(t, a[1] + (uint32_t)skip, buf, got))
			r = -EFAULT;
		else if (a[4]) {
			int e = unix_put_addr(t, from, from_len, a[4], a[5]);
			if (e)
				r = e;
		}
	}
	free(buf);
	if (r > 0)
		r = unix_waitall(t, (int32_t)a[0], a[3], r, len - skip, false);
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

static uint32_t cmsg_align(uint32_t n)
{
	return (n + 3u) & ~3u;
}

/* scm_fp_copy: a reference to the file of each descriptor of an SCM_RIGHTS message. */
static long scm_rights(struct task *t, const uint8_t *data, uint32_t n, struct unix_scm *scm)
{
	if (n == 0)
		return 0;
	if (n > SCM_MAX_FD_ || scm->nfds + (int)n > SCM_MAX_FD_)
		return -EINVAL;
	for (uint32_t i = 0; i < n; i++) {
		int32_t fd;
		memcpy(&fd, data + 4 * i, 4);
		struct file *f = fget(t, fd);
		if (!f)
			return -EBADF;
		scm->fp[scm->nfds++] = f;
	}
	return 0;
}

/* scm_check_creds: a process may claim its own pid, uid and gid (real or effective);
 * root (CAP_SYS_ADMIN, CAP_SETUID, CAP_SETGID) may claim any that exist. */
static long scm_creds(struct task *t, const uint8_t *data, struct unix_scm *scm)
{
	int32_t c[3];
	memcpy(c, data, sizeof c);
	if (c[1] == -1 || c[2] == -1)
		return -EINVAL;
	bool root = t->euid == 0;
	if (!((c[0] == t->tgid || root) &&
	      ((uint32_t)c[1] == t->uid || (uint32_t)c[1] == t->euid || root) &&
	      ((uint32_t)c[2] == t->gid || (uint32_t)c[2] == t->egid || root)))
		return -EPERM;
	if (c[0] != t->tgid && (c[0] <= 0 || !t->sched || !find_task_by_pid(t->sched, c[0])))
		return -ESRCH;
	memcpy(scm->creds, c, sizeof c);
	scm->has_creds = true;
	return 0;
}

/* __scm_send: the control messages of a sendmsg (ctl, len bytes as the guest gave them). */
static long scm_parse(struct task *t, const uint8_t *ctl, uint32_t len, struct unix_scm *scm)
{
	for (uint32_t off = 0; len - off >= CMSG_HDR;) {
		uint32_t h[3];
		memcpy(h, ctl + off, sizeof h);
		if (h[0] < CMSG_HDR || h[0] > len - off)
			return -EINVAL;
		long r = 0;
		if (h[1] != SOL_SOCKET_)
			r = 0;
		else if (h[2] == SCM_RIGHTS_)
			r = scm_rights(t, ctl + off + CMSG_HDR, (h[0] - CMSG_HDR) / 4, scm);
		else if (h[2] == SCM_CREDENTIALS_)
			r = h[0] != CMSG_HDR + 12 ? -EINVAL
						  : scm_creds(t, ctl + off + CMSG_HDR, scm);
		else
			r = -EINVAL;
		if (r)
			return r;
		if (cmsg_align(h[0]) > len - off)
			break;
		off += cmsg_align(h[0]);
	}
	return 0;
}

/* put_cmsg: one control message into the guest's buffer at *ctl (*left bytes), cut short
 * (MSG_CTRUNC) when it does not fit. */
static void put_cmsg(struct task *t, uint32_t *ctl, uint32_t *left, uint32_t *mflags, int type,
		     const void *data, uint32_t len)
{
	if (*left < CMSG_HDR) {
		*mflags |= MSG_CTRUNC_;
		return;
	}
	uint32_t cmlen = CMSG_HDR + len;
	if (*left < cmlen) {
		*mflags |= MSG_CTRUNC_;
		cmlen = *left;
	}
	uint32_t h[3] = {cmlen, SOL_SOCKET_, (uint32_t)type};
	if (copy_to_user(t, *ctl, h, sizeof h) ||
	    copy_to_user(t, *ctl + CMSG_HDR, data, cmlen - CMSG_HDR))
		return;
	uint32_t adv = cmsg_align(CMSG_HDR + len);
	adv = adv < *left ? adv : *left;
	*ctl += adv;
	*left -= adv;
}

/* scm_detach_fds: as many of the passed files as fit become new descriptors of t; the
 * rest are closed (MSG_CTRUNC). */
static void detach_fds(struct task *t, uint32_t *ctl, uint32_t *left, uint32_t *mflags,
		       struct unix_scm *scm)
{
	bool cloexec = *mflags & MSG_CMSG_CLOEXEC_;
	int fdmax = *left <= CMSG_HDR ? 0 : (int)((*left - CMSG_HDR) / 4);
	if (fdmax > scm->nfds)
		fdmax = scm->nfds;
	int i;
	for (i = 0; i < fdmax; i++) {
		int nfd = fd_install(t, file_get(scm->fp[i]), 0, cloexec);
		if (nfd < 0)
			break;
		if (put_user_u32(t, *ctl + CMSG_HDR + 4u * (uint32_t)i, (uint32_t)nfd)) {
			fd_close(t, nfd);
			break;
		}
	}
	if (i > 0) {
		uint32_t h[3] = {CMSG_HDR + 4u * (uint32_t)i, SOL_SOCKET_, SCM_RIGHTS_};
		if (!copy_to_user(t, *ctl, h, sizeof h)) {
			uint32_t adv = cmsg_align(h[0]);
			adv = adv < *left ? adv : *left;
			*ctl += adv;
			*left -= adv;
		}
	}
	if (i < scm->nfds || (scm->nfds && fdmax <= 0))
		*mflags |= MSG_CTRUNC_;
	unix_scm_release(scm);
}

/* scm_recv: the credentials (SO_PASSCRED), then the files; the control bytes used. */
static uint32_t scm_put(struct task *t, const struct msghdr32 *m, uint32_t *mflags,
			struct unix_scm *scm)
{
	if (!m->control) {
		if (scm->passcred || scm->nfds)
			*mflags |= MSG_CTRUNC_;
		unix_scm_release(scm);
		return 0;
	}
	uint32_t ctl = m->control, left = m->controllen;
	if (scm->passcred)
		put_cmsg(t, &ctl, &left, mflags, SCM_CREDENTIALS_, scm->creds, 12);
	if (scm->nfds)
		detach_fds(t, &ctl, &left, mflags, scm);
	return ctl - m->control;
}

/* The start of sendmsg and recvmsg: fd must be a socket (checked first, as Linux orders
 * its errors), then the msghdr at umsg and its vector (*iov: the caller frees it). */
static long get_msghdr(struct task *t, int fd, uint32_t umsg, struct msghdr32 *m,
		       uint32_t (**iov)[2], size_t *total)
{
	long e = unix_sock_check(t, fd);
	if (e)
		return e;
	if (copy_from_user(t, m, umsg, sizeof *m))
		return -EFAULT;
	return get_iov(t, m, iov, total);
}

/* ____sys_sendmsg: the msghdr at umsg; the bytes sent (all: a blocking stream send waits
 * to send everything). */
static long do_sendmsg(struct task *t, int fd, uint32_t umsg, uint32_t flags, bool all)
{
	struct msghdr32 m;
	uint32_t(*iov)[2];
	size_t total;
	long r = get_msghdr(t, fd, umsg, &m, &iov, &total);
	if (r)
		return r;
	struct unix_scm *scm = NULL;
	uint8_t *ctl = NULL;
	if (m.controllen > INT_MAX_ || m.controllen >= OPTMEM_MAX)
		r = -ENOBUFS;
	else if (m.controllen) {
		ctl = malloc(m.controllen);
		scm = calloc(1, sizeof *scm);
		if (!ctl || !scm)
			r = -ENOMEM;
		else if (copy_from_user(t, ctl, m.control, m.controllen))
			r = -EFAULT;
		else
			r = scm_parse(t, ctl, m.controllen, scm);
	}
	free(ctl);
	if (r) {
		if (scm)
			unix_scm_release(scm);
		free(scm);
		free(iov);
		return r;
	}
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
		r = unix_send(t, fd, buf, total, flags, m.name, (int32_t)m.namelen, scm, all);
	if (scm)
		unix_scm_release(scm);
	free(scm);
	free(buf);
	free(iov);
	return r;
}

long sys_sendmsg(struct task *t, const uint32_t *a)
{
	return do_sendmsg(t, (int32_t)a[0], a[1], a[2], true);
}

/* ____sys_recvmsg: into the msghdr at umsg; the bytes received (all: MSG_WAITALL is
 * honoured). */
static long do_recvmsg(struct task *t, int fd, uint32_t umsg, uint32_t flags, bool all)
{
	struct msghdr32 m;
	uint32_t(*iov)[2];
	size_t total;
	long r = get_msghdr(t, fd, umsg, &m, &iov, &total);
	if (r)
		return r;
	uint8_t *buf = malloc(total ? total : 1), from[SUN_MAX];
	struct unix_scm *scm = calloc(1, sizeof *scm);
	uint32_t from_len;
	int trunc;
	size_t skip = all && (flags & MSG_WAITALL_) ? unix_partial_skip(t) : 0;
	skip = skip < total ? skip : total;
	r = buf && scm ? unix_recv(t, fd, buf, total - skip, flags, from, &from_len, &trunc, scm)
		       : -ENOMEM;
	bool had_fds = scm && scm->nfds;
	if (r >= 0) {
		/* into the vector from byte skip on */
		size_t got = (size_t)r < total - skip ? (size_t)r : total - skip, at = 0, off = 0;
		for (uint32_t i = 0; i < m.iovlen && off < got; i++) {
			size_t l = iov[i][1], from_i = skip > at ? skip - at : 0;
			at += l;
			if (from_i >= l)
				continue;
			size_t n = l - from_i < got - off ? l - from_i : got - off;
			if (n && copy_to_user(t, iov[i][0] + (uint32_t)from_i, buf + off, n)) {
				r = -EFAULT;
				break;
			}
			off += n;
		}
	}
	if (r >= 0) {
		/* the name as recvfrom gives it, the control data, MSG_TRUNC for a cut message */
		uint32_t namelen = m.name ? (from_len < m.namelen ? from_len : m.namelen) : 0;
		if (namelen && copy_to_user(t, m.name, from, namelen))
			r = -EFAULT;
		m.namelen = m.name ? from_len : 0;
		m.flags = (flags & MSG_CMSG_CLOEXEC_) | (trunc ? MSG_TRUNC_FLAG : 0);
		m.controllen = scm_put(t, &m, &m.flags, scm);
		if (r >= 0 && copy_to_user(t, umsg, &m, sizeof m))
			r = -EFAULT;
	}
	if (scm)
		unix_scm_release(scm);
	free(scm);
	free(buf);
	free(iov);
	if (all && r > 0)
		r = unix_waitall(t, fd, flags, r, total - skip, had_fds);
	return r;
}

long sys_recvmsg(struct task *t, const uint32_t *a)
{
	return do_recvmsg(t, (int32_t)a[0], a[1], a[2], true);
}

#define MSG_OOB_ 0x1u
#define MSG_WAITFORONE_ 0x10000u
#define MMSG_SIZE 32u /* struct mmsghdr: a msghdr and msg_len */

/* A multi-message call sent or received done messages this round before its result r:
 * the count so far, an error when there is none, or a wait for more (the messages of the
 * earlier rounds are skipped when it runs again: unix_partial_skip). */
static long mmsg_result(struct task *t, long r, long done, size_t before)
{
	if (r == -ERESTART_SCHED || r == -ERESTARTSYS)
		return done || before ? unix_partial_wait(t, done, r) : r;
	return done || before ? done : r;
}

/* __sys_sendmmsg */
static long do_sendmmsg(struct task *t, int fd, uint32_t uvec, uint32_t vlen, uint32_t flags)
{
	long e = unix_sock_check(t, fd);
	if (e)
		return e;
	if (vlen > UIO_MAXIOV_)
		vlen = UIO_MAXIOV_;
	size_t before = unix_partial_skip(t);
	long r = 0, done = 0;
	for (uint32_t i = (uint32_t)before; i < vlen; i++) {
		r = do_sendmsg(t, fd, uvec + i * MMSG_SIZE, flags, false);
		if (r < 0)
			break;
		if (put_user_u32(t, uvec + i * MMSG_SIZE + 28, (uint32_t)r)) {
			r = -EFAULT;
			break;
		}
		done++;
		r = 0;
	}
	return mmsg_result(t, r, done, before);
}

long sys_sendmmsg(struct task *t, const uint32_t *a)
{
	return do_sendmmsg(t, (int32_t)a[0], a[1], a[2], a[3]);
}

/* __sys_recvmmsg: after each message the timeout (a timespec at uts, 64-bit fields for the
 * time64 call) is checked; what is left of it is written back. */
static long do_recvmmsg(struct task *t, int fd, uint32_t uvec, uint32_t vlen, uint32_t flags,
			uint32_t uts, bool t64)
{
	int64_t timeout = 0;
	if (uts) {
		int r = get_timespec(t, uts, &timeout, t64);
		if (r)
			return r;
	}
	long e = unix_sock_check(t, fd);
	if (e)
		return e;
	uint64_t end = vclock_monotonic_ns(t) + (uint64_t)timeout;
	if (vlen > UIO_MAXIOV_)
		vlen = UIO_MAXIOV_;
	size_t before = unix_partial_skip(t);
	long r = 0, done = 0;
	for (uint32_t i = (uint32_t)before; i < vlen; i++) {
		uint32_t f = flags & ~MSG_WAITFORONE_;
		if (i > 0 && (flags & MSG_WAITFORONE_))
			f |= MSG_DONTWAIT_;
		r = do_recvmsg(t, fd, uvec + i * MMSG_SIZE, f, false);
		if (r < 0)
			break;
		if (put_user_u32(t, uvec + i * MMSG_SIZE + 28, (uint32_t)r)) {
			r = -EFAULT;
			break;
		}
		done++;
		r = 0;
		if (flags & MSG_OOB_)
			break;
		if (uts && vclock_monotonic_ns(t) >= end)
			break;
	}
	if (uts && (done || before)) {
		/* the time left (0 once it has passed), written back as Linux does */
		uint64_t n = vclock_monotonic_ns(t), left = n < end ? end - n : 0;
		if (put_timespec(t, uts, (int64_t)left, t64))
			return -EFAULT;
	}
	return mmsg_result(t, r, done, before);
}

long sys_recvmmsg(struct task *t, const uint32_t *a)
{
	return do_recvmmsg(t, (int32_t)a[0], a[1], a[2], a[3], a[4], false);
}

long sys_recvmmsg_time64(struct task *t, const uint32_t *a)
{
	return do_recvmmsg(t, (int32_t)a[0], a[1], a[2], a[3], a[4], true);
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
	case 19: return sys_recvmmsg(t, v);
	default: return sys_sendmmsg(t, v);
	}
}
