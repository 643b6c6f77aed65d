/*
 * epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait, epoll_pwait2
 * (fs/eventpoll.c). An item's readiness is asked of the host (poll with a zero timeout, as
 * select.c does: a vmlab pipe's state is what the guest made it), masked by the events it
 * asked for. Linux puts an item on the ready list from its wake-up callback; here a scan
 * does, in interest-list order, whenever the instance is looked at:
 * - level-triggered: while the file has an asked-for event;
 * - EPOLLET: when an event appears that was not there at the last look, or a pipe has more
 *   bytes to read than then (6.1's pipe_write wakes its readers at every write);
 * - EPOLLONESHOT: after one report the item asks for nothing until EPOLL_CTL_MOD.
 * epoll_wait blocks in the scheduler on the host descriptors of its items (those an
 * edge-triggered item has already reported do not count) until one changes, a signal
 * comes (EINTR, never restarted, as Linux) or its timeout passes on the virtual clock.
 */
#include "kernel/fs/eventpoll.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "kernel/fs/file.h"
#include "kernel/fs/fs.h"
#include "kernel/mm/mmap.h"
#include "kernel/sched.h"
#include "kernel/signal.h"
#include "kernel/sys_time.h"
#include "kernel/task.h"
#include "kernel/uaccess.h"

#define EPOLLIN_ 0x001u
#define EPOLLERR_ 0x008u
#define EPOLLHUP_ 0x010u
#define EPOLLRDNORM_ 0x040u
#define EPOLLOUT_ 0x004u
#define EPOLLEXCLUSIVE_ (1u << 28)
#define EPOLLWAKEUP_ (1u << 29)
#define EPOLLONESHOT_ (1u << 30)
#define EPOLLET_ (1u << 31)
#define EP_PRIVATE_BITS (EPOLLWAKEUP_ | EPOLLONESHOT_ | EPOLLET_ | EPOLLEXCLUSIVE_)
#define EPOLLEXCLUSIVE_OK_BITS                                                                     \
	(EPOLLIN_ | EPOLLOUT_ | EPOLLERR_ | EPOLLHUP_ | EPOLLWAKEUP_ | EPOLLET_ | EPOLLEXCLUSIVE_)
/* every poll event a host file can report (POLLIN...POLLWRBAND, POLLMSG, POLLRDHUP) */
#define POLL_ALL 0x27ff
#define EP_MAX_NESTS 4
#define EPOLL_CTL_ADD_ 1
#define EPOLL_CTL_DEL_ 2
#define EPOLL_CTL_MOD_ 3
#define EPOLL_CLOEXEC_ 02000000u
#define EVENT_SIZE 12 /* i386's struct epoll_event is packed: u32 events, u64 data */
#define EP_MAX_EVENTS (INT_MAX / EVENT_SIZE)

struct epitem {
	struct eventpoll *ep;
	struct file *file; /* the watched file: one reference held */
	int fd;
	uint32_t events; /* asked for, EPOLLERR | EPOLLHUP added; EP_PRIVATE_BITS only once a
			  * one-shot item fired */
	uint64_t data;
	uint32_t seen; /* edge-triggered: the events at the last look, and the bytes */
	int seen_nread;
	bool ready;		/* on the ready list */
	struct epitem *next;	/* interest list, in insertion order */
	struct epitem *rd_next; /* ready list */
	struct epitem *f_next;	/* the items watching the same file */
};

struct eventpoll {
	struct epitem *items;
	struct epitem *rd_head, *rd_tail;
	bool visiting; /* loop check and nested scans */
};

static bool is_epoll(const struct file *f)
{
	return f->kind == FILE_EPOLL;
}

/* ---- the ready list ---- */

static void rd_append(struct eventpoll *ep, struct epitem *it)
{
	if (it->ready)
		return;
	it->ready = true;
	it->rd_next = NULL;
	if (ep->rd_tail)
		ep->rd_tail->rd_next = it;
	else
		ep->rd_head = it;
	ep->rd_tail = it;
}

static void rd_remove(struct eventpoll *ep, struct epitem *it)
{
	if (!it->ready)
		return;
	struct epitem **pp = &ep->rd_head, *prev = NULL;
	while (*pp && *pp != it) {
		prev = *pp;
		pp = &(*pp)->rd_next;
	}
	if (*pp)
		*pp = it->rd_next;
	if (ep->rd_tail == it)
		ep->rd_tail = prev;
	it->ready = false;
	it->rd_next = NULL;
}

/* ---- readiness ---- */

static bool ep_has_ready(struct task *t, struct eventpoll *ep, int depth);

/* The events the watched file has now, masked by the item's; *nread its bytes to read. */
static uint32_t item_poll(struct task *t, struct epitem *it, int depth, int *nread)
{
	struct file *f = it->file;
	*nread = 0;
	uint32_t ev = 0;
	if (is_epoll(f)) {
		if (depth <= EP_MAX_NESTS && ep_has_ready(t, f->ep, depth + 1))
			ev = EPOLLIN_ | EPOLLRDNORM_;
	} else {
		struct pollfd p = {.fd = f->host_fd, .events = POLL_ALL};
		if (poll(&p, 1, 0) > 0)
			ev = (uint16_t)p.revents;
		if (f->is_pipe && ioctl(f->host_fd, FIONREAD, nread) < 0)
			*nread = 0;
	}
	return ev & it->events & ~EP_PRIVATE_BITS;
}

/* Puts the items that have something to report on the ready list (ep_poll_callback's
 * part), in interest-list order. */
static void ep_scan(struct task *t, struct eventpoll *ep, int depth)
{
	if (ep->visiting)
		return;
	ep->visiting = true;
	for (struct epitem *it = ep->items; it; it = it->next) {
		if (it->ready || !(it->events & ~EP_PRIVATE_BITS))
			continue;
		int n;
		uint32_t ev = item_poll(t, it, depth, &n);
		if (!(it->events & EPOLLET_)) {
			if (ev)
				rd_append(ep, it);
			continue;
		}
		if ((ev & ~it->seen) || ((ev & EPOLLIN_) && n > it->seen_nread)) {
			rd_append(ep, it);
		} else {
			it->seen = ev;
			it->seen_nread = n;
		}
	}
	ep->visiting = false;
}

/* Whether an item would be reported now (ep_read_events_proc): those on the ready list
 * without an event any more leave it. */
static bool ep_has_ready(struct task *t, struct eventpoll *ep, int depth)
{
	if (ep->visiting)
		return false;
	ep_scan(t, ep, depth);
	ep->visiting = true;
	bool any = false;
	for (struct epitem *it = ep->rd_head, *nx; it && !any; it = nx) {
		nx = it->rd_next;
		int n;
		if (item_poll(t, it, depth, &n))
			any = true;
		else
			rd_remove(ep, it);
	}
	ep->visiting = false;
	return any;
}

short eventpoll_poll(struct task *t, struct file *f)
{
	return ep_has_ready(t, f->ep, 0) ? (short)(EPOLLIN_ | EPOLLRDNORM_) : 0;
}

/* ---- items ---- */

static struct epitem *ep_find(struct eventpoll *ep, const struct file *f, int fd)
{
	for (struct epitem *it = ep->items; it; it = it->next)
		if (it->file == f && it->fd == fd)
			return it;
	return NULL;
}

/* Takes the item off its instance's lists and its file's. */
static void item_unlink(struct epitem *it)
{
	struct eventpoll *ep = it->ep;
	rd_remove(ep, it);
	for (struct epitem **pp = &ep->items; *pp; pp = &(*pp)->next)
		if (*pp == it) {
			*pp = it->next;
			break;
		}
	struct file *f = it->file;
	for (struct epitem **pp = &f->ep_links; *pp; pp = &(*pp)->f_next)
		if (*pp == it) {
			*pp = it->f_next;
			break;
		}
	f->ep_refs--;
}

/* ep_remove: the item goes, with its reference to the file. */
static void ep_remove(struct epitem *it)
{
	struct file *f = it->file;
	item_unlink(it);
	free(it);
	file_put(f);
}

void eventpoll_release_file(struct file *f)
{
	while (f->ep_links) {
		struct epitem *it = f->ep_links;
		item_unlink(it);
		free(it);
	}
}

void eventpoll_free(struct eventpoll *ep)
{
	if (!ep)
		return;
	while (ep->items)
		ep_remove(ep->items);
	free(ep);
}

/* A new item is looked at once: on the ready list at once if it has an event. */
static void item_check_now(struct task *t, struct epitem *it)
{
	int n;
	if (item_poll(t, it, 0, &n))
		rd_append(it->ep, it);
}

static int ep_insert(struct task *t, struct eventpoll *ep, struct file *tf, int fd, uint32_t events,
		     uint64_t data)
{
	struct epitem *it = calloc(1, sizeof *it);
	if (!it)
		return -ENOMEM;
	it->ep = ep;
	it->file = file_get(tf);
	it->fd = fd;
	it->events = events;
	it->data = data;
	struct epitem **pp = &ep->items;
	while (*pp)
		pp = &(*pp)->next;
	*pp = it;
	it->f_next = tf->ep_links;
	tf->ep_links = it;
	tf->ep_refs++;
	item_check_now(t, it);
	return 0;
}

/* ep_loop_check: adding `to` (an epoll) to ep must not close a cycle nor nest epolls more
 * than EP_MAX_NESTS deep below it. */
static bool ep_loop(struct eventpoll *ep, struct eventpoll *to, int depth)
{
	if (to->visiting)
		return false;
	bool bad = false;
	to->visiting = true;
	for (struct epitem *it = to->items; it && !bad; it = it->next) {
		if (!is_epoll(it->file))
			continue;
		struct eventpoll *sub = it->file->ep;
		bad = sub == ep || depth > EP_MAX_NESTS || ep_loop(ep, sub, depth + 1);
	}
	to->visiting = false;
	return bad;
}

/* file_can_poll: pipes, terminals, devices with a poll method and epoll instances; not
 * regular files, directories or procfs files (EPERM). */
static bool can_poll(const struct file *f)
{
	if (is_epoll(f))
		return true;
	if (f->kind != FILE_HOST || f->host_dir)
		return false;
	if (f->vdev)
		return f->vdev == DEV_RANDOM || f->vdev == DEV_URANDOM || f->vdev == DEV_TTY;
	struct stat st;
	if (fstat(f->host_fd, &st) < 0)
		return false;
	return !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

/* ---- system calls ---- */

static long do_epoll_create(struct task *t, bool cloexec)
{
	struct file *f = file_alloc(FILE_EPOLL, -1, 02 /* O_RDWR */, "anon_inode:[eventpoll]");
	if (!f)
		return -ENOMEM;
	f->ep = calloc(1, sizeof *f->ep);
	if (!f->ep) {
		file_put(f);
		return -ENOMEM;
	}
	return fd_install(t, f, 0, cloexec);
}

long sys_epoll_create(struct task *t, const uint32_t *a)
{
	if ((int32_t)a[0] <= 0)
		return -EINVAL;
	return do_epoll_create(t, false);
}

long sys_epoll_create1(struct task *t, const uint32_t *a)
{
	if (a[0] & ~EPOLL_CLOEXEC_)
		return -EINVAL;
	return do_epoll_create(t, a[0] & EPOLL_CLOEXEC_);
}

static long epoll_ctl_files(struct task *t, struct file *f, struct file *tf, uint32_t op, int fd,
			    uint32_t events, uint64_t data)
{
	bool has_event = op != EPOLL_CTL_DEL_;
	if (!can_poll(tf))
		return -EPERM;
	if (f == tf || !is_epoll(f))
		return -EINVAL;
	if (has_event && (events & EPOLLEXCLUSIVE_)) {
		if (op == EPOLL_CTL_MOD_)
			return -EINVAL;
		if (op == EPOLL_CTL_ADD_ && (is_epoll(tf) || (events & ~EPOLLEXCLUSIVE_OK_BITS)))
			return -EINVAL;
	}
	struct eventpoll *ep = f->ep;
	if (op == EPOLL_CTL_ADD_ && is_epoll(tf) && ep_loop(ep, tf->ep, 0))
		return -ELOOP;
	struct epitem *it = ep_find(ep, tf, fd);
	switch (op) {
	case EPOLL_CTL_ADD_:
		if (it)
			return -EEXIST;
		return ep_insert(t, ep, tf, fd, events | EPOLLERR_ | EPOLLHUP_, data);
	case EPOLL_CTL_DEL_:
		if (!it)
			return -ENOENT;
		ep_remove(it);
		return 0;
	case EPOLL_CTL_MOD_:
		if (!it)
			return -ENOENT;
		if (it->events & EPOLLEXCLUSIVE_)
			return -EINVAL;
		/* ep_modify: the new events, looked at at once */
		it->events = events | EPOLLERR_ | EPOLLHUP_;
		it->data = data;
		it->seen = 0;
		it->seen_nread = 0;
		if (!it->ready)
			item_check_now(t, it);
		return 0;
	default: return -EINVAL;
	}
}

long sys_epoll_ctl(struct task *t, const uint32_t *a)
{
	uint32_t op = a[1];
	uint8_t ev[EVENT_SIZE];
	if (op != EPOLL_CTL_DEL_ && copy_from_user(t, ev, a[3], sizeof ev))
		return -EFAULT;
	uint32_t events;
	uint64_t data;
	memcpy(&events, ev, 4);
	memcpy(&data, ev + 4, 8);
	struct file *f = fget(t, (int32_t)a[0]);
	if (!f)
		return -EBADF;
	struct file *tf = fget(t, (int32_t)a[2]);
	if (!tf) {
		fput(f);
		return -EBADF;
	}
	long r = epoll_ctl_files(t, f, tf, op, (int32_t)a[2], events, data);
	fput(tf);
	fput(f);
	return r;
}

/* ep_send_events: up to max ready items written to the user's array; a level-triggered
 * one goes back to the tail of the ready list, an edge-triggered one remembers what it
 * reported, a one-shot one is disarmed. The count, or -EFAULT when not even one could be
 * written. */
static long ep_send_events(struct task *t, struct eventpoll *ep, uint32_t uevents, int max)
{
	ep_scan(t, ep, 0);
	struct epitem *requeue = NULL, **rq_tail = &requeue;
	long n = 0;
	while (ep->rd_head && n < max) {
		struct epitem *it = ep->rd_head;
		rd_remove(ep, it);
		int nread;
		uint32_t ev = item_poll(t, it, 0, &nread);
		if (!ev) {
			it->seen = 0;
			it->seen_nread = nread;
			continue;
		}
		uint8_t buf[EVENT_SIZE];
		memcpy(buf, &ev, 4);
		memcpy(buf + 4, &it->data, 8);
		if (copy_to_user(t, uevents + (uint32_t)n * EVENT_SIZE, buf, sizeof buf)) {
			/* back at the head, for the next call */
			it->ready = true;
			it->rd_next = ep->rd_head;
			ep->rd_head = it;
			if (!ep->rd_tail)
				ep->rd_tail = it;
			if (!n)
				n = -EFAULT;
			break;
		}
		n++;
		if (it->events & EPOLLONESHOT_) {
			it->events &= EP_PRIVATE_BITS;
		} else if (it->events & EPOLLET_) {
			it->seen = ev;
			it->seen_nread = nread;
		} else {
			it->ready = true; /* held back from a second report in this call */
			it->rd_next = NULL;
			*rq_tail = it;
			rq_tail = &it->rd_next;
		}
	}
	/* the level-triggered items reported go back at the tail */
	for (struct epitem *it = requeue, *nx; it; it = nx) {
		nx = it->rd_next;
		it->ready = false;
		rd_append(ep, it);
	}
	return n;
}

/* The host descriptors whose change could give ep something to report. */
static void ep_collect_hosts(struct eventpoll *ep, struct poll_host **ph, size_t *n, size_t *cap,
			     int depth)
{
	if (ep->visiting || depth > EP_MAX_NESTS)
		return;
	ep->visiting = true;
	for (struct epitem *it = ep->items; it; it = it->next) {
		uint32_t want = it->events & ~EP_PRIVATE_BITS;
		bool et = it->events & EPOLLET_;
		if (!want)
			continue;
		if (is_epoll(it->file)) {
			if (!(et && (it->seen & EPOLLIN_)))
				ep_collect_hosts(it->file->ep, ph, n, cap, depth + 1);
			continue;
		}
		if (*n == *cap) {
			size_t c = *cap ? *cap * 2 : 8;
			struct poll_host *p = realloc(*ph, c * sizeof *p);
			if (!p)
				break;
			*ph = p;
			*cap = c;
		}
		struct poll_host *h = &(*ph)[(*n)++];
		memset(h, 0, sizeof *h);
		h->fd = it->file->host_fd;
		h->events = (short)(want & POLL_ALL);
		h->external = !it->file->is_pipe;
		if (et) {
			h->ignore = (short)it->seen;
			h->by_count = (want & EPOLLIN_) && it->file->is_pipe;
			h->nread = it->seen_nread;
		}
	}
	ep->visiting = false;
}

void eventpoll_hosts(struct file *f, struct poll_host **ph, size_t *n, size_t *cap)
{
	ep_collect_hosts(f->ep, ph, n, cap, 0);
}

/* The deadline of a wait of ns nanoseconds (< 0: none, ~0), kept across its runs. */
static uint64_t wait_deadline(struct task *t, int64_t ns)
{
	if (ns < 0)
		return ~0ull;
	if (!t->call_deadline)
		t->call_deadline = vclock_monotonic_ns(t) + (uint64_t)ns;
	return t->call_deadline;
}

static long do_epoll_wait(struct task *t, int32_t epfd, uint32_t uevents, int32_t maxevents,
			  int64_t timeout_ns)
{
	if (maxevents <= 0 || maxevents > EP_MAX_EVENTS)
		return -EINVAL;
	/* access_ok: the array must lie in user space */
	uint64_t end = (uint64_t)uevents + (uint64_t)maxevents * EVENT_SIZE;
	if (t->mm && end > t->mm->task_size)
		return -EFAULT;
	struct file *f = fget(t, epfd);
	if (!f)
		return -EBADF;
	if (!is_epoll(f)) {
		fput(f);
		return -EINVAL;
	}
	struct eventpoll *ep = f->ep;
	long n = ep_send_events(t, ep, uevents, maxevents);
	if (n || timeout_ns == 0) {
		fput(f);
		return n;
	}
	uint64_t deadline = wait_deadline(t, timeout_ns);
	if (deadline != ~0ull && vclock_monotonic_ns(t) >= deadline) {
		fput(f);
		return 0;
	}
	struct poll_host *ph = NULL;
	size_t nh = 0, cap = 0;
	ep_collect_hosts(ep, &ph, &nh, &cap, 0);
	fput(f);
	long r = sched_block_until(t, WAIT_POLL, deadline == ~0ull ? 0 : deadline);
	if (r != -ERESTART_SCHED) {
		free(ph);
		return r == -ERESTARTSYS ? -EINTR : r; /* ep_poll: EINTR, not restarted */
	}
	free(t->wait.ph);
	t->wait.ph = ph;
	t->wait.nph = nh;
	return r;
}

long sys_epoll_wait(struct task *t, const uint32_t *a)
{
	int32_t ms = (int32_t)a[3];
	return do_epoll_wait(t, (int32_t)a[0], a[1], (int32_t)a[2],
			     ms < 0 ? -1 : (int64_t)ms * 1000000);
}

/* epoll_pwait's mask: in force during the call; back at the end, or after the handler's
 * frame when a signal ended it (EINTR). */
static long pwait_common(struct task *t, const uint32_t *a, int64_t ns, uint32_t umask,
			 uint32_t size)
{
	struct signal_struct *s = t->signal;
	if (umask) {
		if (size != 8)
			return -EINVAL;
		uint64_t m;
		if (copy_from_user(t, &m, umask, 8))
			return -EFAULT;
		if (!s->restore_sigmask)
			s->saved_sigmask = s->blocked;
		s->restore_sigmask = true;
		s->blocked = m & ~(SIGBIT(9) | SIGBIT(19));
	}
	long r = do_epoll_wait(t, (int32_t)a[0], a[1], (int32_t)a[2], ns);
	if (umask && r != -ERESTART_SCHED && r != -EINTR && s->restore_sigmask) {
		s->blocked = s->saved_sigmask;
		s->restore_sigmask = false;
	}
	return r;
}

long sys_epoll_pwait(struct task *t, const uint32_t *a)
{
	int32_t ms = (int32_t)a[3];
	return pwait_common(t, a, ms < 0 ? -1 : (int64_t)ms * 1000000, a[4], a[5]);
}

long sys_epoll_pwait2(struct task *t, const uint32_t *a)
{
	int64_t ns = -1;
	if (a[3]) {
		int r = get_timespec(t, a[3], &ns, true);
		if (r)
			return r;
	}
	return pwait_common(t, a, ns, a[4], a[5]);
}
