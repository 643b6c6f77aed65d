/*
 * poll, ppoll, select, pselect6 (fs/select.c): readiness of the guest's descriptors, asked
 * of the host without waiting (a vmlab pipe's state is whatever the guest made it; a
 * regular file or a procfs file is always ready). When nothing is ready the task blocks in
 * the scheduler (sched.h) until a descriptor is, a signal comes, or its timeout passes on
 * the virtual clock; the call then runs again and reports.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kernel/fs/eventpoll.h"
#include "kernel/fs/file.h"
#include "kernel/sched.h"
#include "kernel/signal.h"
#include "kernel/sys_time.h"
#include "kernel/task.h"
#include "kernel/uaccess.h"

#define NSEC 1000000000ll
#define POLLIN_SET (POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define POLLOUT_SET (POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define POLLEX_SET (POLLPRI)
#define FD_SETSIZE_ 1024

struct kpollfd {
	int32_t fd;
	int16_t events, revents;
};

/* The host descriptors a blocked call waits on (sched.h's WAIT_POLL). */
struct ph_list {
	struct poll_host *v;
	size_t n, cap;
};

/* The events of one descriptor that hold now; what could change them goes on l. */
static short fd_revents(struct task *t, int fd, short events, struct ph_list *l)
{
	struct file *f = fget(t, fd);
	if (!f)
		return POLLNVAL;
	short ev = events | POLLERR | POLLHUP;
	short r;
	if (f->kind == FILE_EPOLL) {
		r = eventpoll_poll(t, f) & ev;
		/* an epoll descriptor changes with its items' files */
		eventpoll_hosts(f, &l->v, &l->n, &l->cap);
	} else if (f->kind != FILE_HOST) {
		r = (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM) & ev;
	} else {
		struct pollfd p = {.fd = f->host_fd, .events = ev};
		r = poll(&p, 1, 0) > 0 ? (short)(p.revents & (ev | POLLNVAL)) : 0;
		/* a regular file's readiness never changes: nobody outside can make the
		 * events it lacks happen (a wait on it is a deadlock, not a host wait) */
		struct stat st;
		bool external =
		    !f->is_pipe && !(fstat(f->host_fd, &st) == 0 && S_ISREG(st.st_mode));
		if (l->n < l->cap)
			l->v[l->n++] = (struct poll_host){
			    .fd = f->host_fd, .events = ev, .external = external};
	}
	fput(f);
	return r;
}

/* The deadline of a call that takes ns nanoseconds (< 0: none): set the first time it
 * blocks, kept while it runs again. 0 means "do not wait". */
static uint64_t call_deadline(struct task *t, int64_t ns)
{
	if (ns < 0)
		return ~0ull;
	if (!t->call_deadline)
		t->call_deadline = vclock_monotonic_ns(t) + (uint64_t)ns;
	return t->call_deadline;
}

static bool timed_out(struct task *t, uint64_t deadline)
{
	return deadline != ~0ull && vclock_monotonic_ns(t) >= deadline;
}

/* Blocks on the host descriptors in ph (taken over) until deadline. */
static long block_poll(struct task *t, struct poll_host *ph, size_t n, uint64_t deadline)
{
	long r = sched_block_until(t, WAIT_POLL, deadline == ~0ull ? 0 : deadline);
	if (r != -ERESTART_SCHED) {
		/* a signal: EINTR after a handler (poll and select are not restarted then);
		 * a stop and SIGCONT have the call go on to the same deadline */
		free(ph);
		return r == -ERESTARTSYS ? -ERESTART_RESTARTBLOCK : r;
	}
	free(t->wait.ph);
	t->wait.ph = ph;
	t->wait.nph = n;
	return r;
}

static long do_poll(struct task *t, uint32_t ufds, uint32_t nfds, int64_t timeout_ns,
		    uint64_t *left_ns)
{
	if (nfds > (uint32_t)files_limit(t))
		return -EINVAL;
	struct kpollfd *p = nfds ? malloc(nfds * sizeof *p) : NULL;
	struct ph_list l = {calloc(nfds ? nfds : 1, sizeof *l.v), 0, nfds ? nfds : 1};
	struct poll_host *ph = l.v;
	if ((nfds && !p) || !ph) {
		free(p);
		free(ph);
		return -ENOMEM;
	}
	if (nfds && copy_from_user(t, p, ufds, nfds * sizeof *p)) {
		free(p);
		free(ph);
		return -EFAULT;
	}
	long count = 0;
	for (uint32_t i = 0; i < nfds; i++) {
		p[i].revents = 0;
		if (p[i].fd < 0)
			continue;
		p[i].revents = fd_revents(t, p[i].fd, p[i].events, &l);
		if (p[i].revents)
			count++;
	}
	ph = l.v; /* an epoll descriptor's hosts may have grown it */
	size_t nh = l.n;
	/* revents go back whatever happens next */
	for (uint32_t i = 0; i < nfds; i++)
		if (put_user_u32(t, ufds + i * 8 + 4,
				 (uint32_t)(uint16_t)p[i].events | (uint32_t)(uint16_t)p[i].revents
								       << 16)) {
			free(p);
			free(ph);
			return -EFAULT;
		}
	free(p);
	/* the deadline is set from the first pass, ready or not, for ppoll's time left */
	uint64_t deadline = timeout_ns > 0 ? call_deadline(t, timeout_ns) : ~0ull;
	uint64_t now = vclock_monotonic_ns(t);
	*left_ns = deadline != ~0ull && deadline > now ? deadline - now : 0;
	if (count || timeout_ns == 0 || timed_out(t, deadline)) {
		free(ph);
		return count;
	}
	return block_poll(t, ph, nh, deadline);
}

/* A struct timespec (32- or 64-bit) as nanoseconds; -1 for a NULL pointer. */
static int get_timespec_ns(struct task *t, uint32_t uts, bool time64, int64_t *ns)
{
	if (!uts) {
		*ns = -1;
		return 0;
	}
	return get_timespec(t, uts, ns, time64);
}

long sys_poll(struct task *t, const uint32_t *a)
{
	int32_t ms = (int32_t)a[2];
	uint64_t left;
	return do_poll(t, a[0], a[1], ms < 0 ? -1 : (int64_t)ms * 1000000, &left);
}

/* The signal mask a ppoll/pselect6 call runs under: in force until it returns, then the old
 * one back (after the handler's frame when a signal ends the call, as sigsuspend). */
static int set_call_sigmask(struct task *t, uint32_t umask, uint32_t size)
{
	if (!umask)
		return 0;
	if (size != 8)
		return -EINVAL;
	uint64_t m;
	if (copy_from_user(t, &m, umask, 8))
		return -EFAULT;
	struct signal_struct *s = t->signal;
	if (!s->restore_sigmask)
		s->saved_sigmask = s->blocked;
	s->restore_sigmask = true;
	set_current_blocked(t, m);
	return 0;
}

/* The call ended: the mask goes back now unless a signal is to be delivered first (the
 * handler's frame keeps the old one; a call restarted after a stop keeps its own). */
static long end_call_sigmask(struct task *t, uint32_t umask, long r)
{
	if (!umask || r == -ERESTART_SCHED || r == -ERESTART_RESTARTBLOCK)
		return r;
	struct signal_struct *s = t->signal;
	if (s->restore_sigmask) {
		s->restore_sigmask = false;
		set_current_blocked(t, s->saved_sigmask);
	}
	return r;
}

static long ppoll_common(struct task *t, const uint32_t *a, bool time64)
{
	int64_t ns;
	int r = get_timespec_ns(t, a[2], time64, &ns);
	if (r)
		return r;
	if ((r = set_call_sigmask(t, a[3], a[4])))
		return r;
	uint64_t left = 0;
	long v = do_poll(t, a[0], a[1], ns, &left);
	/* ppoll writes the time left back as pselect6 does (poll_select_finish) */
	if (a[2] && ns > 0 && (v >= 0 || v == -ERESTART_RESTARTBLOCK) &&
	    put_timespec(t, a[2], (int64_t)left, time64) && v == -ERESTART_RESTARTBLOCK)
		v = -EINTR;
	return end_call_sigmask(t, a[3], v);
}

long sys_ppoll(struct task *t, const uint32_t *a)
{
	return ppoll_common(t, a, false);
}

long sys_ppoll_time64(struct task *t, const uint32_t *a)
{
	return ppoll_common(t, a, true);
}

/* ---- select ---- */

static int get_fdset(struct task *t, uint32_t u, int n, uint32_t *set)
{
	memset(set, 0, FD_SETSIZE_ / 8);
	if (!u)
		return 0;
	return copy_from_user(t, set, u, (size_t)(n + 31) / 32 * 4);
}

static bool bit(const uint32_t *set, int fd)
{
	return set[fd / 32] >> (fd % 32) & 1;
}

/* fdt->max_fds: the descriptor table starts with BITS_PER_LONG (32) slots and doubles to
 * hold the highest descriptor (vmlab sees the ones open now); select ignores bits beyond. */
static int fdt_max_fds(struct task *t)
{
	int hi = -1;
	for (int fd = 0; t->files && fd < VMLAB_NR_OPEN; fd++)
		if (t->files->fd[fd])
			hi = fd;
	int m = 32;
	while (m <= hi)
		m *= 2;
	return m;
}

static long do_select(struct task *t, int n, uint32_t uin, uint32_t uout, uint32_t uex,
		      int64_t timeout_ns, uint64_t *left_ns)
{
	if (n < 0)
		return -EINVAL;
	if (n > fdt_max_fds(t))
		n = fdt_max_fds(t);
	if (n > FD_SETSIZE_)
		n = FD_SETSIZE_;
	uint32_t in[FD_SETSIZE_ / 32], out[FD_SETSIZE_ / 32], ex[FD_SETSIZE_ / 32];
	uint32_t rin[FD_SETSIZE_ / 32], rout[FD_SETSIZE_ / 32], rex[FD_SETSIZE_ / 32];
	if (get_fdset(t, uin, n, in) || get_fdset(t, uout, n, out) || get_fdset(t, uex, n, ex))
		return -EFAULT;
	memset(rin, 0, sizeof rin);
	memset(rout, 0, sizeof rout);
	memset(rex, 0, sizeof rex);
	struct ph_list l = {calloc((size_t)n + 1, sizeof *l.v), 0, (size_t)n + 1};
	if (!l.v)
		return -ENOMEM;
	long count = 0;
	for (int fd = 0; fd < n; fd++) {
		short want = (bit(in, fd) ? POLLIN_SET : 0) | (bit(out, fd) ? POLLOUT_SET : 0) |
			     (bit(ex, fd) ? POLLEX_SET : 0);
		if (!want)
			continue;
		short r = fd_revents(t, fd, want, &l);
		if (r & POLLNVAL) {
			free(l.v);
			return -EBADF;
		}
		if ((r & POLLIN_SET) && bit(in, fd)) {
			rin[fd / 32] |= 1u << (fd % 32);
			count++;
		}
		if ((r & POLLOUT_SET) && bit(out, fd)) {
			rout[fd / 32] |= 1u << (fd % 32);
			count++;
		}
		if ((r & POLLEX_SET) && bit(ex, fd)) {
			rex[fd / 32] |= 1u << (fd % 32);
			count++;
		}
	}
	/* the deadline is set from the first pass, ready or not: the time left is written
	 * back either way (poll_select_finish) */
	uint64_t deadline = timeout_ns > 0 ? call_deadline(t, timeout_ns) : ~0ull;
	uint64_t now = vclock_monotonic_ns(t);
	*left_ns = deadline != ~0ull && deadline > now ? deadline - now : 0;
	if (!count && timeout_ns != 0 && !timed_out(t, deadline))
		return block_poll(t, l.v, l.n, deadline);
	free(l.v);
	size_t bytes = (size_t)(n + 31) / 32 * 4;
	if ((uin && copy_to_user(t, uin, rin, bytes)) ||
	    (uout && copy_to_user(t, uout, rout, bytes)) ||
	    (uex && copy_to_user(t, uex, rex, bytes)))
		return -EFAULT;
	return count;
}

/* select with a struct timeval (32-bit): the time left written back, as Linux does. */
static long select_tv(struct task *t, int n, uint32_t uin, uint32_t uout, uint32_t uex,
		      uint32_t utv)
{
	int64_t ns = -1;
	if (utv) {
		int32_t tv[2];
		if (copy_from_user(t, tv, utv, 8))
			return -EFAULT;
		if (tv[0] < 0 || tv[1] < 0)
			return -EINVAL;
		/* poll_select_set_timeout: microseconds beyond a second carry over */
		ns = (int64_t)tv[0] * NSEC + (int64_t)tv[1] * 1000;
	}
	uint64_t left = 0;
	long r = do_select(t, n, uin, uout, uex, ns, &left);
	if (utv && ns > 0 && (r >= 0 || r == -ERESTART_RESTARTBLOCK)) {
		/* a timeval it cannot write back is left as it is (and the call cannot be
		 * restarted then), as Linux's sticky path does */
		int32_t tv[2] = {(int32_t)(left / NSEC), (int32_t)(left % NSEC / 1000)};
		if (copy_to_user(t, utv, tv, 8) && r == -ERESTART_RESTARTBLOCK)
			r = -EINTR;
	}
	return r;
}

long sys__newselect(struct task *t, const uint32_t *a)
{
	return select_tv(t, (int)a[0], a[1], a[2], a[3], a[4]);
}

/* old_select: the five arguments in a block in memory */
long sys_select(struct task *t, const uint32_t *a)
{
	uint32_t arg[5];
	if (copy_from_user(t, arg, a[0], sizeof arg))
		return -EFAULT;
	return select_tv(t, (int)arg[0], arg[1], arg[2], arg[3], arg[4]);
}

static long pselect_common(struct task *t, const uint32_t *a, bool time64)
{
	int64_t ns;
	int r = get_timespec_ns(t, a[4], time64, &ns);
	if (r)
		return r;
	uint32_t sig[2] = {0, 0};
	if (a[5] && copy_from_user(t, sig, a[5], 8))
		return -EFAULT;
	if ((r = set_call_sigmask(t, sig[0], sig[1])))
		return r;
	uint64_t left = 0;
	long v = do_select(t, (int)a[0], a[1], a[2], a[3], ns, &left);
	/* the raw call writes the time left back (glibc's pselect hides it from programs by
	 * passing a copy); left is at most the timeout read above, within put_timespec's
	 * range; a timespec it cannot write is left as it is */
	if (a[4] && ns > 0 && (v >= 0 || v == -ERESTART_RESTARTBLOCK) &&
	    put_timespec(t, a[4], (int64_t)left, time64) && v == -ERESTART_RESTARTBLOCK)
		v = -EINTR;
	return end_call_sigmask(t, sig[0], v);
}

long sys_pselect6(struct task *t, const uint32_t *a)
{
	return pselect_common(t, a, false);
}

long sys_pselect6_time64(struct task *t, const uint32_t *a)
{
	return pselect_common(t, a, true);
}
