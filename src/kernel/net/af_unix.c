/*
 * Unix-domain sockets (net/unix/af_unix.c): see af_unix.h. A socket is a struct file whose
 * host descriptor is:
 * - a connected stream or seqpacket socket: its end of a host socketpair of that type, so
 *   read, write, poll and the pipe-like blocking (read_write.c) work unchanged;
 * - a listening socket: the read end of a host socketpair written one byte per connection
 *   waiting in its queue, so accept blocks and poll reports POLLIN as Linux does;
 * - a datagram socket: the read end of its own receive queue, a host SOCK_DGRAM socketpair;
 *   a sender writes the sender's address and the data as one host datagram to the other
 *   end (recvfrom then knows who sent it);
 * - a socket not yet connected or listening: one end of a host socketpair whose other end
 *   is closed (reads give end of file).
 * Control data travels beside the host data, in order: the receiving socket keeps a queue
 * of records (struct unix_rec), one per message of a datagram or seqpacket socket, and for
 * a stream one per run of bytes with the same credentials (a send passing files has its
 * own), keyed by the stream position they start at. Files in flight are references held
 * by the records: they go when the record is received or the socket is released.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpu/cpu.h"
#include "kernel/fs/file.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/fs_internal.h"
#include "kernel/net/unix_int.h"
#include "kernel/sched.h"
#include "kernel/signal.h"
#include "kernel/task.h"
#include "kernel/uaccess.h"

#define SOL_SOCKET_ 1
#define SO_REUSEADDR_ 2
#define SO_TYPE_ 3
#define SO_ERROR_ 4
#define SO_SNDBUF_ 7
#define SO_RCVBUF_ 8
#define SO_KEEPALIVE_ 9
#define SO_PASSCRED_ 16
#define SO_PEERCRED_ 17
#define SO_ACCEPTCONN_ 30
#define SO_PROTOCOL_ 38
#define SO_DOMAIN_ 39
#define WMEM_DEFAULT 212992 /* net.core.wmem_default and rmem_default */
#define WMEM_MAX 212992
#define SOCK_MIN_SNDBUF 4480 /* 2 * (2048 + an i386 sk_buff, aligned) */
#define SOCK_MIN_RCVBUF 2240
#define SOMAXCONN_ 4096
#define HDR_SIZE (4 + SUN_MAX) /* a datagram's sender address, before its data */

enum unix_state { US_UNCONNECTED, US_LISTENING, US_CONNECTED };

/* The control data of a message (datagram, seqpacket) or of the stream bytes [start, end). */
struct unix_rec {
	uint64_t start, end;
	bool has_creds; /* else the receiver is told pid 0 and the overflow ids */
	int32_t creds[3];
	int nfds;
	struct file **fp;
	struct unix_rec *next;
};

struct unix_sock {
	int refs; /* the file's, and each datagram socket connected to it */
	bool dead;
	int type;
	enum unix_state state;
	struct unix_table *tab;
	uint8_t addr[SUN_MAX]; /* the bound sockaddr_un, addr_len bytes (0: unbound) */
	uint32_t addr_len;
	uint8_t peer_addr[SUN_MAX]; /* the peer's, peer_len bytes (0: unnamed) */
	uint32_t peer_len;
	bool path_bound; /* a path name: the node's identity */
	uint64_t dev, ino;
	int rx_w;	    /* datagram: the host end senders write to (-1 otherwise) */
	int notify_w;	    /* listening: written once per queued connection (-1 otherwise) */
	int room_r, room_w; /* listening: a byte per accept, for connects waiting for room */
	/* the socket whose host end a call on this one sleeps on (a connect waiting for room
	 * in a listener's queue, a datagram send for room in a receiver's): a reference,
	 * so that the end stays open, until the next such call or the release */
	struct unix_sock *waiting_for;
	struct file **queue;
	size_t nq, capq;
	int backlog;
	struct unix_sock
	    *peer; /* the connected peer (datagram: the one connect chose), a reference */
	int shut;  /* RCV_SHUTDOWN 1, SEND_SHUTDOWN 2 */
	int32_t cred[3], peer_cred[3];		 /* pid, uid, gid at socket/connect time */
	int fd;					 /* the file's host descriptor (f->host_fd) */
	struct unix_rec *rq, **rq_tail;		 /* control records of what waits to be read */
	uint64_t rx_pos;			 /* a stream: the bytes read so far */
	struct unix_sock *all_next, **all_pprev; /* the table's list of every socket */
	int sndbuf, rcvbuf;
	bool passcred, reuseaddr, keepalive;
	struct unix_sock *next; /* the table's list of bound sockets */
};

struct unix_table {
	struct unix_sock *bound;
	unsigned autobind; /* the next autobind name */
	struct unix_sock *all;
	struct unix_rec *reap; /* records whose files are being let go (iteratively: a file
				  in flight may be a socket holding files in flight ...) */
	bool reaping;
};

struct unix_table *unix_table_create(void)
{
	return calloc(1, sizeof(struct unix_table));
}

static void rec_free(struct unix_rec *r)
{
	free(r->fp);
	free(r);
}

/* Lets go of a chain of records: their files are put without recursion. */
static void recs_drop(struct unix_table *tab, struct unix_rec *r)
{
	while (r) {
		struct unix_rec *next = r->next;
		r->next = tab->reap;
		tab->reap = r;
		r = next;
	}
	if (tab->reaping)
		return;
	tab->reaping = true;
	while (tab->reap) {
		struct unix_rec *x = tab->reap;
		tab->reap = x->next;
		for (int i = 0; i < x->nfds; i++)
			file_put(x->fp[i]);
		rec_free(x);
	}
	tab->reaping = false;
}

static void sk_drop_recs(struct unix_sock *sk)
{
	struct unix_rec *r = sk->rq;
	sk->rq = NULL;
	sk->rq_tail = &sk->rq;
	recs_drop(sk->tab, r);
}

void unix_table_destroy(struct unix_table *tab)
{
	/* Sockets still here are held by files in flight in a cycle (a socket sent over
	 * itself): Linux's garbage collector frees them; vmlab does when the machine ends. */
	for (bool again = true; again && tab;) {
		again = false;
		for (struct unix_sock *s = tab->all; s; s = s->all_next)
			if (s->rq) {
				sk_drop_recs(s);
				again = true;
				break;
			}
	}
	free(tab);
}

static void sock_put(struct unix_sock *sk)
{
	if (--sk->refs > 0)
		return;
	if (sk->all_pprev) {
		*sk->all_pprev = sk->all_next;
		if (sk->all_next)
			sk->all_next->all_pprev = sk->all_pprev;
	}
	if (sk->rx_w >= 0)
		close(sk->rx_w);
	if (sk->room_r >= 0)
		close(sk->room_r);
	if (sk->room_w >= 0)
		close(sk->room_w);
	free(sk->queue);
	free(sk);
}

static void unbind(struct unix_sock *sk)
{
	for (struct unix_sock **p = &sk->tab->bound; *p; p = &(*p)->next)
		if (*p == sk) {
			*p = sk->next;
			break;
		}
}

void unix_release(struct unix_sock *sk)
{
	sk->dead = true;
	if (sk->addr_len && sk->tab)
		unbind(sk);
	for (size_t i = 0; i < sk->nq; i++)
		file_put(sk->queue[i]); /* connections never accepted: their clients see EOF */
	sk->nq = 0;
	/* rx_w stays open until the socket is freed: a sender sleeping until it is
	 * writable (it holds a reference: waiting_for) must not poll a reused number */
	if (sk->notify_w >= 0)
		close(sk->notify_w);
	sk->notify_w = -1;
	if (sk->peer)
		sock_put(sk->peer);
	sk->peer = NULL;
	if (sk->waiting_for)
		sock_put(sk->waiting_for);
	sk->waiting_for = NULL;
	if (sk->room_w >= 0) /* connects waiting for room: refused now */
		(void)!write(sk->room_w, "", 1);
	sk_drop_recs(sk); /* files in flight to a socket closed unread */
	sock_put(sk);
}

static void set_cred(struct task *t, int32_t cred[3])
{
	cred[0] = t->tgid;
	cred[1] = (int32_t)t->euid;
	cred[2] = (int32_t)t->egid;
}

static int host_pair(int type, int sv[2])
{
	return socketpair(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0 ? -errno : 0;
}

static int host_type(int type)
{
	return type == SOCK_STREAM_  ? SOCK_STREAM
	       : type == SOCK_DGRAM_ ? SOCK_DGRAM
				     : SOCK_SEQPACKET;
}

/* A socket file holding host_fd, named socket:[inode] as /proc/self/fd shows it. */
static struct file *sock_file(struct task *t, int type, int host_fd, uint32_t flags)
{
	struct unix_sock *sk = calloc(1, sizeof *sk);
	struct file *f =
	    sk ? file_alloc(FILE_HOST, host_fd, G_O_RDWR | (flags & G_O_NONBLOCK), "socket:")
	       : NULL;
	if (!f) {
		free(sk);
		close(host_fd);
		return NULL;
	}
	sk->refs = 1;
	sk->type = type;
	sk->tab = t->unix_names;
	sk->fd = host_fd;
	sk->rq_tail = &sk->rq;
	if (sk->tab) {
		sk->all_next = sk->tab->all;
		if (sk->all_next)
			sk->all_next->all_pprev = &sk->all_next;
		sk->all_pprev = &sk->tab->all;
		sk->tab->all = sk;
	}
	sk->rx_w = sk->notify_w = sk->room_r = sk->room_w = -1;
	sk->sndbuf = sk->rcvbuf = WMEM_DEFAULT;
	set_cred(t, sk->cred);
	f->sk = sk;
	f->is_pipe = f->anon_pipe = true; /* blocking as vmlab's pipes block */
	struct stat st;
	if (fstat(host_fd, &st) == 0) {
		char name[64];
		snprintf(name, sizeof name, "socket:[%llu]", (unsigned long long)st.st_ino);
		free_and_set_path(f, name);
	}
	return f;
}

/* A new unconnected socket: the end of a host pair whose other end is closed, or for a
 * datagram socket its receive queue. */
static struct file *new_socket(struct task *t, int type, uint32_t flags, int *err)
{
	int sv[2];
	if ((*err = host_pair(host_type(type), sv)))
		return NULL;
	struct file *f = sock_file(t, type, sv[0], flags);
	if (!f) {
		close(sv[1]);
		*err = -ENOMEM;
		return NULL;
	}
	if (type == SOCK_DGRAM_)
		f->sk->rx_w = sv[1];
	else
		close(sv[1]);
	return f;
}

static int check_type(int family, uint32_t type, int protocol, int *kind)
{
	if (type & ~(SOCK_TYPE_MASK_ | SOCK_NONBLOCK_ | SOCK_CLOEXEC_))
		return -EINVAL;
	*kind = (int)(type & SOCK_TYPE_MASK_);
	if (family != AF_UNIX_) {
		static bool reported;
		if (!reported && family > 0 && family < 46)
			fprintf(stderr,
				"vmlab: socket family %d is not modelled (only AF_UNIX): "
				"EAFNOSUPPORT (reported once)\n",
				family);
		reported = true;
		return -EAFNOSUPPORT;
	}
	if (protocol != 0 && protocol != AF_UNIX_)
		return -EPROTONOSUPPORT;
	if (*kind == SOCK_RAW_)
		*kind = SOCK_DGRAM_; /* unix_create: SOCK_RAW is a datagram socket */
	else if (*kind != SOCK_STREAM_ && *kind != SOCK_DGRAM_ && *kind != SOCK_SEQPACKET_)
		return -ESOCKTNOSUPPORT;
	return 0;
}

static uint32_t fflags(uint32_t type)
{
	return (type & SOCK_NONBLOCK_) ? G_O_NONBLOCK : 0;
}

long unix_socket(struct task *t, int family, uint32_t type, int protocol)
{
	int kind, err = check_type(family, type, protocol, &kind);
	if (err)
		return err;
	struct file *f = new_socket(t, kind, fflags(type), &err);
	if (!f)
		return err;
	return fd_install(t, f, 0, type & SOCK_CLOEXEC_);
}

/* Connects two fresh sockets a and b (socketpair) with the host pair sv. */
static void join_pair(struct task *t, struct unix_sock *a, struct unix_sock *b)
{
	a->state = b->state = US_CONNECTED;
	set_cred(t, a->peer_cred);
	set_cred(t, b->peer_cred);
	a->peer = b;
	b->peer = a;
	a->refs++;
	b->refs++;
}

long unix_socketpair(struct task *t, int family, uint32_t type, int protocol, uint32_t usv)
{
	int kind, err = check_type(family, type, protocol, &kind);
	if (err)
		return err;
	struct file *a, *b;
	if (kind == SOCK_DGRAM_) {
		a = new_socket(t, kind, fflags(type), &err);
		b = a ? new_socket(t, kind, fflags(type), &err) : NULL;
	} else {
		int sv[2];
		if ((err = host_pair(host_type(kind), sv)))
			return err;
		a = sock_file(t, kind, sv[0], fflags(type));
		b = a ? sock_file(t, kind, sv[1], fflags(type)) : (close(sv[1]), NULL);
		err = -ENOMEM;
	}
	if (!a || !b) {
		file_put(a);
		return err;
	}
	join_pair(t, a->sk, b->sk);
	bool ce = type & SOCK_CLOEXEC_;
	int fa = fd_install(t, a, 0, ce);
	if (fa < 0) {
		file_put(b);
		return fa;
	}
	int fb = fd_install(t, b, 0, ce);
	if (fb < 0) {
		fd_close(t, fa);
		return fb;
	}
	uint32_t sv[2] = {(uint32_t)fa, (uint32_t)fb};
	if (copy_to_user(t, usv, sv, sizeof sv)) {
		fd_close(t, fa);
		fd_close(t, fb);
		return -EFAULT;
	}
	return 0;
}

/* The socket behind guest descriptor fd: a reference to its file, or NULL with *err. */
static struct file *sock_fget(struct task *t, int fd, long *err)
{
	struct file *f = fget(t, fd);
	if (!f) {
		*err = -EBADF;
		return NULL;
	}
	if (!f->sk) {
		fput(f);
		*err = -ENOTSOCK;
		return NULL;
	}
	return f;
}

long unix_sock_check(struct task *t, int fd)
{
	long err;
	struct file *f = sock_fget(t, fd, &err);
	if (!f)
		return err;
	fput(f);
	return 0;
}

/* unix_mkname: the address at uaddr as it will be kept (a path NUL-terminated and measured
 * as Linux measures it); 0 for a path, 1 for an abstract name, 2 for autobind. */
static int get_name(struct task *t, uint32_t uaddr, int32_t addrlen, uint8_t *a, uint32_t *len)
{
	if (addrlen < 2 || (uint32_t)addrlen > SUN_MAX)
		return -EINVAL;
	memset(a, 0, SUN_MAX);
	if (copy_from_user(t, a, uaddr, (size_t)addrlen))
		return -EFAULT;
	if ((a[0] | a[1] << 8) != AF_UNIX_)
		return -EINVAL;
	if (addrlen == 2) {
		*len = 2;
		return 2;
	}
	if (a[2] == 0) {
		*len = (uint32_t)addrlen;
		return 1;
	}
	*len = 2 + (uint32_t)strnlen((const char *)a + 2, SUN_MAX - 2) + 1;
	if (*len > SUN_MAX)
		*len = SUN_MAX;
	return 0;
}

/* Abstract names are per socket type (Linux hashes the type in): a stream and a datagram
 * socket may hold the same one. */
static struct unix_sock *find_abstract(struct unix_table *tab, const uint8_t *a, uint32_t len,
				       int type)
{
	for (struct unix_sock *s = tab->bound; s; s = s->next)
		if (!s->path_bound && s->type == type && s->addr_len == len &&
		    !memcmp(s->addr, a, len))
			return s;
	return NULL;
}

static void add_bound(struct unix_sock *sk, const uint8_t *a, uint32_t len)
{
	memcpy(sk->addr, a, len);
	sk->addr_len = len;
	sk->next = sk->tab->bound;
	sk->tab->bound = sk;
}

/* unix_autobind: an abstract name of five hex digits */
static int autobind(struct unix_sock *sk)
{
	for (unsigned tries = 0; tries < 0x100000; tries++) {
		uint8_t a[9] = {AF_UNIX_, 0, 0}; /* snprintf's NUL lands in a[8], not kept */
		snprintf((char *)a + 3, 6, "%05x", sk->tab->autobind++ & 0xfffff);
		if (!find_abstract(sk->tab, a, 8, sk->type)) {
			add_bound(sk, a, 8);
			return 0;
		}
	}
	return -ENOSPC;
}

long unix_bind(struct task *t, int fd, uint32_t uaddr, int32_t addrlen)
{
	long err;
	struct file *f = sock_fget(t, fd, &err);
	if (!f)
		return err;
	struct unix_sock *sk = f->sk;
	uint8_t a[SUN_MAX];
	uint32_t len;
	int kind = get_name(t, uaddr, addrlen, a, &len);
	if (kind < 0)
		err = kind;
	else if (kind == 0) {
		/* unix_bind_bsd: the node first (EADDRINUSE), then "already bound" (EINVAL,
		 * and the new node goes again) */
		uint64_t dev, ino;
		err = fs_mknod_socket(t, (const char *)a + 2, &dev, &ino);
		if (!err && sk->addr_len) {
			fs_unlink_path(t, (const char *)a + 2);
			err = -EINVAL;
		} else if (!err) {
			sk->dev = dev;
			sk->ino = ino;
			sk->path_bound = true;
			add_bound(sk, a, len);
		}
	} else if (sk->addr_len)
		err = -EINVAL;
	else if (kind == 2)
		err = autobind(sk);
	else
		err = find_abstract(sk->tab, a, len, sk->type) ? -EADDRINUSE
							       : (add_bound(sk, a, len), 0);
	fput(f);
	return err;
}

/* unix_find_other: the bound socket an address names. */
static long find_other(struct task *t, const uint8_t *a, uint32_t len, int kind, int type,
		       struct unix_sock **out)
{
	struct unix_sock *s = NULL;
	if (kind == 1) {
		s = find_abstract(t->unix_names, a, len, type);
	} else {
		uint64_t dev, ino;
		int r = fs_socket_node(t, (const char *)a + 2, &dev, &ino);
		if (r)
			return r;
		for (s = t->unix_names->bound; s; s = s->next)
			if (s->path_bound && s->dev == dev && s->ino == ino)
				break;
	}
	if (!s || s->dead)
		return -ECONNREFUSED;
	if (s->type != type)
		return -EPROTOTYPE;
	*out = s;
	return 0;
}

static long stream_connect(struct task *t, struct file *f, struct unix_sock *other)
{
	struct unix_sock *sk = f->sk;
	if (other->state != US_LISTENING)
		return -ECONNREFUSED;
	if (sk->waiting_for) {
		sock_put(sk->waiting_for);
		sk->waiting_for = NULL;
	}
	if ((int)other->nq > other->backlog) {
		/* unix_wait_for_peer: a full queue; the caller sleeps until an accept makes
		 * room (or the listener goes), the listener kept meanwhile */
		if (f->f_flags & G_O_NONBLOCK)
			return -EAGAIN;
		if (other->room_r < 0) {
			int sv[2];
			long e = host_pair(SOCK_STREAM, sv);
			if (e)
				return e;
			other->room_r = sv[0];
			other->room_w = sv[1];
		}
		char drain[64];
		while (read(other->room_r, drain, sizeof drain) > 0)
			;
		if (!t->sched)
			return fs_would_block_forever(t, "a connect to a full listen queue");
		long r = sched_block(t, WAIT_PIPE_READ, other->room_r, 0);
		if (r == -ERESTART_SCHED) {
			sk->waiting_for = other;
			other->refs++;
		}
		return r == -ERESTARTSYS ? -ERESTARTSYS : r;
	}
	if (other->nq == other->capq) {
		size_t cap = other->capq ? other->capq * 2 : 8;
		struct file **q = realloc(other->queue, cap * sizeof *q);
		if (!q)
			return -ENOMEM;
		other->queue = q;
		other->capq = cap;
	}
	int sv[2];
	long err = host_pair(host_type(sk->type), sv);
	if (err)
		return err;
	struct file *s = sock_file(t, sk->type, sv[1], 0);
	if (!s) {
		close(sv[0]);
		return -ENOMEM;
	}
	/* the server's socket: the listener's name and owner, the client's as its peer */
	struct unix_sock *ss = s->sk;
	ss->state = US_CONNECTED;
	memcpy(ss->addr, other->addr, other->addr_len);
	ss->addr_len = other->addr_len;
	memcpy(ss->peer_addr, sk->addr, sk->addr_len);
	ss->peer_len = sk->addr_len;
	memcpy(ss->cred, other->cred, sizeof ss->cred);
	memcpy(ss->peer_cred, sk->cred, sizeof ss->peer_cred);
	other->queue[other->nq++] = s;
	char one = 1;
	if (write(other->notify_w, &one, 1) != 1) {
		other->nq--;
		file_put(s);
		close(sv[0]);
		return -EAGAIN;
	}
	close(f->host_fd);
	f->host_fd = sk->fd = sv[0];
	sk->peer = ss; /* each end knows the other (its control records go there) */
	ss->peer = sk;
	ss->refs++;
	sk->refs++;
	sk->state = US_CONNECTED;
	memcpy(sk->peer_addr, other->addr, other->addr_len);
	sk->peer_len = other->addr_len;
	set_cred(t, sk->cred);
	memcpy(sk->peer_cred, other->cred, sizeof sk->peer_cred);
	return 0;
}

long unix_connect(struct task *t, int fd, uint32_t uaddr, int32_t addrlen)
{
	long err;
	struct file *f = sock_fget(t, fd, &err);
	if (!f)
		return err;
	struct unix_sock *sk = f->sk, *other = NULL;
	uint8_t a[SUN_MAX];
	uint32_t len;
	if (sk->type == SOCK_DGRAM_ && addrlen >= 2 && uaddr) {
		uint16_t fam = 0;
		if (!copy_from_user(t, &fam, uaddr, 2) && fam == AF_UNSPEC_) {
			/* a datagram socket's connect to AF_UNSPEC dissolves the association */
			if (sk->peer)
				sock_put(sk->peer);
			sk->peer = NULL;
			sk->peer_len = 0;
			sk->state = US_UNCONNECTED;
			fput(f);
			return 0;
		}
	}
	int kind = get_name(t, uaddr, addrlen, a, &len);
	if (kind < 0)
		err = kind;
	else if (kind == 2)
		err = -EINVAL;
	else if (sk->type != SOCK_DGRAM_ && sk->passcred && !sk->addr_len && (err = autobind(sk)))
		; /* unix_stream_connect: a socket passing credentials gets a name first */
	else if (sk->type != SOCK_DGRAM_ && sk->state == US_CONNECTED)
		err = -EISCONN;
	else if (sk->state == US_LISTENING)
		err = -EINVAL;
	else if (!(err = find_other(t, a, len, kind, sk->type, &other))) {
		if (sk->type == SOCK_DGRAM_) {
			if (!sk->addr_len && sk->passcred)
				autobind(sk);
			other->refs++;
			if (sk->peer)
				sock_put(sk->peer);
			sk->peer = other;
			memcpy(sk->peer_addr, other->addr, other->addr_len);
			sk->peer_len = other->addr_len;
			sk->state = US_CONNECTED;
		} else {
			err = stream_connect(t, f, other);
		}
	}
	fput(f);
	return err;
}

long unix_listen(struct task *t, int fd, int32_t backlog)
{
	long err;
	struct file *f = sock_fget(t, fd, &err);
	if (!f)
		return err;
	struct unix_sock *sk = f->sk;
	if (sk->type == SOCK_DGRAM_)
		err = -EOPNOTSUPP;
	else if (!sk->addr_len || sk->state == US_CONNECTED)
		err = -EINVAL;
	else {
		err = 0;
		if ((uint32_t)backlog > SOMAXCONN_)
			backlog = SOMAXCONN_;
		sk->backlog = backlog;
		if (sk->state != US_LISTENING) {
			int sv[2];
			if (!(err = host_pair(SOCK_STREAM, sv))) {
				close(f->host_fd);
				f->host_fd = sk->fd = sv[0];
				sk->notify_w = sv[1];
				sk->state = US_LISTENING;
			}
		}
	}
	fput(f);
	return err;
}

int unix_put_addr(struct task *t, const uint8_t *kaddr, uint32_t klen, uint32_t uaddr,
		  uint32_t ulen)
{
	uint32_t have;
	if (get_user_u32(t, ulen, &have))
		return -EFAULT;
	if ((int32_t)have < 0)
		return -EINVAL;
	if (klen && copy_to_user(t, uaddr, kaddr, have < klen ? have : klen))
		return -EFAULT;
	return put_user_u32(t, ulen, klen) ? -EFAULT : 0;
}

static const uint8_t unnamed[2] = {AF_UNIX_, 0};

long unix_accept(struct task *t, int fd, uint32_t uaddr, uint32_t uaddrlen, uint32_t flags)
{
	if (flags & ~(SOCK_NONBLOCK_ | SOCK_CLOEXEC_))
		return -EINVAL;
	long err;
	struct file *f = sock_fget(t, fd, &err);
	if (!f)
		return err;
	struct unix_sock *sk = f->sk;
	if (sk->type == SOCK_DGRAM_) {
		fput(f);
		return -EOPNOTSUPP;
	}
	if (sk->state != US_LISTENING) {
		fput(f);
		return -EINVAL;
	}
	char one;
	if (read(f->host_fd, &one, 1) != 1) {
		bool nb = f->f_flags & G_O_NONBLOCK;
		int host_fd = f->host_fd;
		fput(f);
		if (nb)
			return -EAGAIN;
		return t->sched
			   ? sched_block(t, WAIT_PIPE_READ, host_fd, 0)
			   : fs_would_block_forever(t, "accept on a socket nobody connects to");
	}
	if (!sk->nq) { /* a notification without a connection: never index an empty queue */
		fput(f);
		return -EAGAIN;
	}
	struct file *s = sk->queue[0];
	memmove(sk->queue, sk->queue + 1, --sk->nq * sizeof *sk->queue);
	if (sk->room_w >= 0) /* room for a connect that waits */
		(void)!write(sk->room_w, "", 1);
	fput(f);
	if (flags & SOCK_NONBLOCK_)
		s->f_flags |= G_O_NONBLOCK;
	int nfd = fd_install(t, s, 0, flags & SOCK_CLOEXEC_);
	if (nfd < 0 || !uaddr)
		return nfd;
	struct unix_sock *ss = s->sk;
	int r = ss->peer_len ? unix_put_addr(t, ss->peer_addr, ss->peer_len, uaddr, uaddrlen)
			     : unix_put_addr(t, unnamed, 2, uaddr, uaddrlen);
	if (r) {
		fd_close(t, nfd);
		return r;
	}
	return nfd;
}

long unix_getname(struct task *t, int fd, uint32_t uaddr, uint32_t uaddrlen, int peer)
{
	long err;
	struct file *f = sock_fget(t, fd, &err);
	if (!f)
		return err;
	struct unix_sock *sk = f->sk;
	if (peer && sk->state != US_CONNECTED)
		err = -ENOTCONN;
	else if (peer)
		err = sk->peer_len ? unix_put_addr(t, sk->peer_addr, sk->peer_len, uaddr, uaddrlen)
				   : unix_put_addr(t, unnamed, 2, uaddr, uaddrlen);
	else
		err = sk->addr_len ? unix_put_addr(t, sk->addr, sk->addr_len, uaddr, uaddrlen)
				   : unix_put_addr(t, unnamed, 2, uaddr, uaddrlen);
	fput(f);
	return err;
}

long unix_shutdown(struct task *t, int fd, int how)
{
	long err;
	struct file *f = sock_fget(t, fd, &err);
	if (!f)
		return err;
	struct unix_sock *sk = f->sk;
	if (how < 0 || how > 2)
		err = -EINVAL;
	else {
		/* unix_shutdown: any socket; the host end of a connected stream passes it on
		 * (a listener's or an unconnected socket's host end has no peer to tell) */
		err = 0;
		sk->shut |= how + 1;
		if (sk->type != SOCK_DGRAM_ && sk->state == US_CONNECTED)
			shutdown(f->host_fd, how);
	}
	fput(f);
	return err;
}

static long int_opt(struct task *t, uint32_t uval, uint32_t ulen, int32_t v)
{
	uint32_t len;
	if (get_user_u32(t, ulen, &len))
		return -EFAULT;
	if ((int32_t)len < 0)
		return -EINVAL;
	if (len > 4)
		len = 4;
	if (copy_to_user(t, uval, &v, len) || put_user_u32(t, ulen, len))
		return -EFAULT;
	return 0;
}

long unix_getsockopt(struct task *t, int fd, int level, int name, uint32_t uval, uint32_t ulen)
{
	long err;
	struct file *f = sock_fget(t, fd, &err);
	if (!f)
		return err;
	struct unix_sock *sk = f->sk;
	if (level != SOL_SOCKET_) {
		fput(f);
		return -EOPNOTSUPP;
	}
	switch (name) {
	case SO_TYPE_: err = int_opt(t, uval, ulen, sk->type); break;
	case SO_ERROR_: err = int_opt(t, uval, ulen, 0); break;
	case SO_DOMAIN_: err = int_opt(t, uval, ulen, AF_UNIX_); break;
	case SO_PROTOCOL_: err = int_opt(t, uval, ulen, 0); break;
	case SO_ACCEPTCONN_: err = int_opt(t, uval, ulen, sk->state == US_LISTENING); break;
	case SO_SNDBUF_: err = int_opt(t, uval, ulen, sk->sndbuf); break;
	case SO_RCVBUF_: err = int_opt(t, uval, ulen, sk->rcvbuf); break;
	case SO_PASSCRED_: err = int_opt(t, uval, ulen, sk->passcred); break;
	case SO_REUSEADDR_: err = int_opt(t, uval, ulen, sk->reuseaddr); break;
	case SO_KEEPALIVE_: err = int_opt(t, uval, ulen, sk->keepalive); break;
	case SO_PEERCRED_: {
		/* struct ucred of the peer at connect (socketpair) time; unconnected: none */
		int32_t cred[3] = {0, -1, -1};
		if (sk->state == US_CONNECTED)
			memcpy(cred, sk->peer_cred, sizeof cred);
		uint32_t len;
		if (get_user_u32(t, ulen, &len))
			err = -EFAULT;
		else if ((int32_t)len < 0)
			err = -EINVAL;
		else {
			len = len < 12 ? len : 12;
			err = copy_to_user(t, uval, cred, len) || put_user_u32(t, ulen, len)
				  ? -EFAULT
				  : 0;
		}
		break;
	}
	default: err = -ENOPROTOOPT;
	}
	fput(f);
	return err;
}

long unix_setsockopt(struct task *t, int fd, int level, int name, uint32_t uval, int32_t len)
{
	long err;
	struct file *f = sock_fget(t, fd, &err);
	if (!f)
		return err;
	struct unix_sock *sk = f->sk;
	int32_t v = 0;
	if (level != SOL_SOCKET_)
		err = -EOPNOTSUPP;
	else if (len < 4)
		err = -EINVAL;
	else if (copy_from_user(t, &v, uval, 4))
		err = -EFAULT;
	else {
		err = 0;
		switch (name) {
		case SO_SNDBUF_:
		case SO_RCVBUF_: {
			/* sock_setsockopt: doubled, within [SOCK_MIN_*BUF, 2 * the max] */
			uint32_t u = (uint32_t)v > WMEM_MAX ? WMEM_MAX : (uint32_t)v;
			int min = name == SO_SNDBUF_ ? SOCK_MIN_SNDBUF : SOCK_MIN_RCVBUF;
			int b = (int)(u * 2) < min ? min : (int)(u * 2);
			*(name == SO_SNDBUF_ ? &sk->sndbuf : &sk->rcvbuf) = b;
			break;
		}
		case SO_PASSCRED_: sk->passcred = v != 0; break;
		case SO_REUSEADDR_: sk->reuseaddr = v != 0; break;
		case SO_KEEPALIVE_: sk->keepalive = v != 0; break;
		default: err = -ENOPROTOOPT;
		}
	}
	fput(f);
	return err;
}

void unix_scm_release(struct unix_scm *scm)
{
	for (int i = 0; i < scm->nfds; i++)
		file_put(scm->fp[i]);
	scm->nfds = 0;
}

/* The record of what sk sends to other now: the credentials (claimed, or the sender's
 * when either end passes them: maybe_add_creds) and a reference to each file. */
static struct unix_rec *rec_new(struct task *t, const struct unix_sock *sk,
				const struct unix_sock *other, const struct unix_scm *scm)
{
	struct unix_rec *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	if (scm && scm->has_creds) {
		r->has_creds = true;
		memcpy(r->creds, scm->creds, sizeof r->creds);
	} else if (sk->passcred || other->passcred) {
		r->has_creds = true;
		set_cred(t, r->creds);
	}
	if (scm && scm->nfds) {
		r->fp = malloc((size_t)scm->nfds * sizeof *r->fp);
		if (!r->fp) {
			free(r);
			return NULL;
		}
		for (int i = 0; i < scm->nfds; i++)
			r->fp[i] = file_get(scm->fp[i]);
		r->nfds = scm->nfds;
	}
	return r;
}

static bool same_creds(const struct unix_rec *a, const struct unix_rec *b)
{
	if (!a || !b)
		return (!a || !a->has_creds) && (!b || !b->has_creds);
	return a->has_creds == b->has_creds &&
	       (!a->has_creds || !memcmp(a->creds, b->creds, sizeof a->creds));
}

/* Queues r at other; a stream's run of bytes joins the last one when nothing tells them
 * apart (no files, the same credentials), so a queue stays short. */
static void rec_queue(struct unix_sock *other, struct unix_rec *r)
{
	struct unix_rec *last =
	    other->rq
		? (struct unix_rec *)((char *)other->rq_tail - offsetof(struct unix_rec, next))
		: NULL;
	if (other->type == SOCK_STREAM_ && last && !last->nfds && !r->nfds &&
	    last->end == r->start && same_creds(last, r)) {
		last->end = r->end;
		rec_free(r);
		return;
	}
	*other->rq_tail = r;
	other->rq_tail = &r->next;
}

/* What the receiver learns of a message with record r (NULL: none): credentials when it
 * passes them (pid 0 and the overflow ids when the sender gave none), and its files, taken
 * from r (or new references on a peek). */
static void rec_deliver(struct unix_sock *sk, struct unix_rec *r, bool peek, struct unix_scm *scm)
{
	if (!scm) {
		if (r && !peek) {
			struct unix_rec tmp = *r;
			tmp.next = NULL;
			r->fp = NULL;
			r->nfds = 0;
			struct unix_rec *c = malloc(sizeof *c);
			if (c) {
				*c = tmp;
				recs_drop(sk->tab, c);
			} else {
				for (int i = 0; i < tmp.nfds; i++)
					file_put(tmp.fp[i]);
				free(tmp.fp);
			}
		}
		return;
	}
	scm->passcred = sk->passcred;
	scm->nfds = 0;
	if (r && r->has_creds)
		memcpy(scm->creds, r->creds, sizeof scm->creds);
	else {
		scm->creds[0] = 0;
		scm->creds[1] = scm->creds[2] = 65534; /* overflowuid, overflowgid */
	}
	if (!r || !r->nfds)
		return;
	for (int i = 0; i < r->nfds; i++)
		scm->fp[i] = peek ? file_get(r->fp[i]) : r->fp[i];
	scm->nfds = r->nfds;
	if (!peek) {
		free(r->fp);
		r->fp = NULL;
		r->nfds = 0;
	}
}

/* A message (datagram, seqpacket) was received: its record, the first queued. */
static void msg_received(struct unix_sock *sk, bool peek, struct unix_scm *scm)
{
	struct unix_rec *r = sk->rq;
	rec_deliver(sk, r, peek, scm);
	if (r && !peek) {
		sk->rq = r->next;
		if (!sk->rq)
			sk->rq_tail = &sk->rq;
		r->next = NULL;
		recs_drop(sk->tab, r);
	}
}

/* How much of a stream one receive may take from position rx_pos (unix_stream_read_generic):
 * it stops after the bytes that carried files, and with SO_PASSCRED before bytes of other
 * credentials. */
static size_t stream_limit(const struct unix_sock *sk, size_t want, const struct unix_rec **at)
{
	uint64_t pos = sk->rx_pos;
	const struct unix_rec *r = sk->rq, *cover = NULL;
	while (r && r->end <= pos)
		r = r->next;
	if (r && r->start <= pos)
		cover = r;
	*at = cover;
	for (; r && r->start < pos + want; r = r->next) {
		if (sk->passcred && r != cover && !same_creds(r, cover))
			return (size_t)(r->start - pos);
		if (r->nfds) {
			if (r->end - pos < want)
				want = (size_t)(r->end - pos);
			break;
		}
	}
	return want;
}

/* n bytes of the stream were received (or peeked) from rx_pos. */
static void stream_received(struct unix_sock *sk, size_t n, bool peek, struct unix_scm *scm)
{
	uint64_t pos = sk->rx_pos, end = pos + n;
	struct unix_rec *cover = NULL, *fds = NULL;
	for (struct unix_rec *r = sk->rq; r && r->start < end; r = r->next) {
		if (r->end <= pos)
			continue;
		if (!cover && r->start <= pos)
			cover = r;
		if (r->nfds && !fds)
			fds = r;
	}
	rec_deliver(sk, fds, peek, scm);
	if (scm && cover && cover->has_creds) {
		memcpy(scm->creds, cover->creds, sizeof scm->creds);
	} else if (scm) {
		scm->creds[0] = 0;
		scm->creds[1] = scm->creds[2] = 65534;
	}
	if (peek)
		return;
	sk->rx_pos = end;
	struct unix_rec *done = NULL, **tail = &done;
	while (sk->rq && sk->rq->end <= end) {
		struct unix_rec *r = sk->rq;
		sk->rq = r->next;
		r->next = NULL;
		*tail = r;
		tail = &r->next;
	}
	if (!sk->rq)
		sk->rq_tail = &sk->rq;
	recs_drop(sk->tab, done);
}

static long would_block(struct task *t, struct file *f, uint32_t flags, bool writing, int host_fd)
{
	if ((f->f_flags & G_O_NONBLOCK) || (flags & MSG_DONTWAIT_))
		return -EAGAIN;
	if (t->sched)
		return sched_block(t, writing ? WAIT_PIPE_WRITE : WAIT_PIPE_READ, host_fd, 0);
	return fs_would_block_forever(t, writing ? "a send to a full socket"
						 : "a receive from an empty socket");
}

static long epipe(struct task *t, uint32_t flags)
{
	if (!(flags & MSG_NOSIGNAL_))
		send_sig(t, SIGPIPE, 0);
	return -EPIPE;
}

static long dgram_send(struct task *t, struct file *f, const uint8_t *buf, size_t len,
		       uint32_t flags, uint32_t uaddr, int32_t addrlen, const struct unix_scm *scm)
{
	struct unix_sock *sk = f->sk, *other = sk->peer;
	if (uaddr) {
		uint8_t a[SUN_MAX];
		uint32_t alen;
		int kind = get_name(t, uaddr, addrlen, a, &alen);
		if (kind < 0)
			return kind;
		if (kind == 2)
			return -EINVAL;
		/* unix_dgram_sendmsg: a sender passing credentials gets a name first */
		long r = sk->passcred && !sk->addr_len ? autobind(sk) : 0;
		if (!r)
			r = find_other(t, a, alen, kind, sk->type, &other);
		if (r)
			return r;
	} else if (!other) {
		return -ENOTCONN;
	} else if (sk->passcred && !sk->addr_len) {
		long r = autobind(sk);
		if (r)
			return r;
	}
	if (sk->shut & 2)
		return epipe(t, flags);
	if (other->dead) {
		if (other == sk->peer) { /* the association dissolves: ENOTCONN next time */
			sk->peer = NULL;
			sk->peer_len = 0;
			sk->state = US_UNCONNECTED;
			sock_put(other);
		}
		return -ECONNREFUSED;
	}
	if (len > (size_t)sk->sndbuf - 32)
		return -EMSGSIZE;
	uint8_t *msg = malloc(HDR_SIZE + len);
	struct unix_rec *rec = msg ? rec_new(t, sk, other, scm) : NULL;
	if (!rec) {
		free(msg);
		return -ENOMEM;
	}
	memset(msg, 0, HDR_SIZE);
	memcpy(msg, &sk->addr_len, 4);
	memcpy(msg + 4, sk->addr, sk->addr_len);
	memcpy(msg + HDR_SIZE, buf, len);
	ssize_t n = send(other->rx_w, msg, HDR_SIZE + len, MSG_DONTWAIT | MSG_NOSIGNAL);
	int e = errno;
	free(msg);
	if (n < 0) {
		recs_drop(sk->tab, rec);
		if (e != EAGAIN)
			return -e;
		long r = would_block(t, f, flags, true, other->rx_w);
		if (r == -ERESTART_SCHED && sk->waiting_for != other) {
			/* the receiver's queue end is polled while this sleeps: keep it */
			if (sk->waiting_for)
				sock_put(sk->waiting_for);
			sk->waiting_for = other;
			other->refs++;
		}
		return r;
	}
	rec_queue(other, rec);
	return (long)len;
}

/* A stream or seqpacket send of len bytes to the connected peer, with its record. */
static long conn_send(struct task *t, struct file *f, const uint8_t *buf, size_t len,
		      uint32_t flags, const struct unix_scm *scm)
{
	struct unix_sock *sk = f->sk, *other = sk->peer;
	struct unix_rec *rec = NULL;
	uint64_t base = 0;
	if (other && !other->dead) {
		/* a stream's bytes start where the receiver's unread bytes end */
		int queued = 0;
		if (sk->type == SOCK_STREAM_ && ioctl(other->fd, FIONREAD, &queued) < 0)
			queued = 0;
		base = other->rx_pos + (uint64_t)queued;
		if (!(rec = rec_new(t, sk, other, scm)))
			return -ENOMEM;
	}
	ssize_t n = send(f->host_fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	int e = errno;
	if (rec && (sk->type == SOCK_STREAM_ ? n > 0 : n >= 0)) {
		rec->start = base;
		rec->end = base + (uint64_t)n;
		rec_queue(other, rec);
	} else if (rec) {
		recs_drop(sk->tab, rec);
	}
	if (n >= 0)
		return n;
	if (e == EAGAIN)
		return would_block(t, f, flags, true, f->host_fd);
	if (e == EPIPE || e == ECONNRESET)
		return epipe(t, flags);
	return -e;
}

static long send_file(struct task *t, struct file *f, const uint8_t *buf, size_t len,
		      uint32_t flags, uint32_t uaddr, int32_t addrlen, const struct unix_scm *scm)
{
	long err;
	struct unix_sock *sk = f->sk;
	if (sk->type == SOCK_DGRAM_)
		err = dgram_send(t, f, buf, len, flags, uaddr, addrlen, scm);
	else if (uaddr)
		err = sk->state == US_CONNECTED ? -EISCONN : -EOPNOTSUPP;
	else if (sk->state != US_CONNECTED)
		err = sk->shut & 2 ? epipe(t, flags) : -ENOTCONN;
	else if (sk->shut & 2)
		err = epipe(t, flags);
	else
		err = conn_send(t, f, buf, len, flags, scm);
	return err;
}

size_t unix_partial_skip(const struct task *t)
{
	return t->partial_active ? t->partial_done : 0;
}

/* A call moved done units (this time round) of more and must wait for the rest (blocked:
 * what would_block said): it runs again once woken, skipping what is done
 * (unix_partial_skip), and returns the whole count in the end (sched_syscall_done), or the
 * count so far when a signal interrupts it, as Linux returns a partial transfer. */
long unix_partial_wait(struct task *t, long done, long blocked)
{
	if (blocked != -ERESTART_SCHED)
		return done;
	if (!t->partial_active) {
		/* the registers stay: the call itself knows how far it got */
		t->partial_active = true;
		t->partial_done = 0;
		t->partial_ecx = t->cpu->regs[R_ECX];
		t->partial_edx = t->cpu->regs[R_EDX];
	}
	t->partial_done += (uint32_t)done;
	return -ERESTART_SCHED;
}

static bool nonblocking(const struct file *f, uint32_t flags)
{
	return (f->f_flags & G_O_NONBLOCK) || (flags & MSG_DONTWAIT_);
}

/* A send; all: a blocking stream send goes on until everything is sent (unix_stream_sendmsg
 * waits for room), after skipping what earlier rounds sent. */
static long send_all(struct task *t, struct file *f, const uint8_t *buf, size_t len, uint32_t flags,
		     uint32_t uaddr, int32_t addrlen, const struct unix_scm *scm, bool all)
{
	size_t skip = 0;
	if (all && f->sk->type == SOCK_STREAM_) {
		skip = unix_partial_skip(t);
		skip = skip < len ? skip : len;
	} else {
		all = false;
	}
	long err =
	    send_file(t, f, buf + skip, len - skip, flags, uaddr, addrlen, skip ? NULL : scm);
	if (all && err > 0 && (size_t)err < len - skip && !nonblocking(f, flags) && t->sched)
		err = unix_partial_wait(t, err, would_block(t, f, flags, true, f->host_fd));
	return err;
}

long unix_send(struct task *t, int fd, const uint8_t *buf, size_t len, uint32_t flags,
	       uint32_t uaddr, int32_t addrlen, const struct unix_scm *scm, bool all)
{
	long err;
	struct file *f = sock_fget(t, fd, &err);
	if (!f)
		return err;
	err = send_all(t, f, buf, len, flags, uaddr, addrlen, scm, all);
	fput(f);
	return err;
}

long unix_waitall(struct task *t, int fd, uint32_t flags, long got, size_t want, bool had_fds)
{
	if (!(flags & MSG_WAITALL_) || (flags & MSG_PEEK_) || got <= 0 || (size_t)got >= want ||
	    had_fds || !t->sched)
		return got;
	long err;
	struct file *f = sock_fget(t, fd, &err);
	if (!f)
		return got;
	struct unix_sock *sk = f->sk;
	int queued = 0;
	/* more is there already: the receive stopped at other credentials, as Linux's does */
	if (sk->type == SOCK_STREAM_ && !nonblocking(f, flags) && !(sk->shut & 1) &&
	    (ioctl(f->host_fd, FIONREAD, &queued) < 0 || queued == 0))
		got = unix_partial_wait(t, got, would_block(t, f, flags, false, f->host_fd));
	fput(f);
	return got;
}

static long recv_file(struct task *t, struct file *f, uint8_t *buf, size_t len, uint32_t flags,
		      uint8_t *from, uint32_t *from_len, int *truncated, struct unix_scm *scm)
{
	bool peek = flags & MSG_PEEK_;
	if (scm)
		scm->nfds = 0;
	long err;
	struct unix_sock *sk = f->sk;
	int hf = (flags & MSG_PEEK_) ? MSG_PEEK : 0;
	*from_len = 0;
	*truncated = 0;
	if (sk->state == US_LISTENING) {
		err = -EINVAL;
	} else if (sk->type == SOCK_DGRAM_) {
		uint8_t *msg = malloc(HDR_SIZE + len);
		ssize_t n =
		    msg ? recv(f->host_fd, msg, HDR_SIZE + len, MSG_DONTWAIT | MSG_TRUNC | hf) : -1;
		int e = msg ? errno : ENOMEM;
		if (n < 0 && e == EAGAIN && (sk->shut & 1))
			err = 0;
		else if (n < 0)
			err = e == EAGAIN ? would_block(t, f, flags, false, f->host_fd) : -e;
		else if ((size_t)n < HDR_SIZE)
			err = -EIO; /* only vmlab writes this queue */
		else {
			size_t data = (size_t)n - HDR_SIZE;
			memcpy(from_len, msg, 4);
			if (*from_len > SUN_MAX)
				*from_len = 0;
			memcpy(from, msg + 4, *from_len);
			*truncated = data > len;
			memcpy(buf, msg + HDR_SIZE, data < len ? data : len);
			err = (flags & MSG_TRUNC_) ? (long)data : (long)(data < len ? data : len);
			msg_received(sk, peek, scm);
		}
		free(msg);
	} else if (sk->shut & 1) {
		err = 0;
	} else {
		const struct unix_rec *at;
		size_t want = sk->type == SOCK_STREAM_ ? stream_limit(sk, len, &at) : len;
		ssize_t n = recv(f->host_fd, buf, want,
				 MSG_DONTWAIT | hf | (sk->type == SOCK_SEQPACKET_ ? MSG_TRUNC : 0));
		if (n >= 0 && sk->type == SOCK_SEQPACKET_) {
			/* a message, even an empty one (end of file: none queued) */
			*truncated = (size_t)n > len;
			if (!(flags & MSG_TRUNC_) && (size_t)n > len)
				n = (ssize_t)len;
			if (n > 0 || sk->rq)
				msg_received(sk, peek, scm);
		} else if (n > 0) {
			stream_received(sk, (size_t)n, peek, scm);
		}
		if (n >= 0) {
			err = n;
			if (n > 0 && sk->peer_len) {
				memcpy(from, sk->peer_addr, sk->peer_len);
				*from_len = sk->peer_len;
			}
		} else if (errno == EAGAIN) {
			err = sk->state == US_CONNECTED
				  ? would_block(t, f, flags, false, f->host_fd)
				  : -EAGAIN;
		} else {
			err = errno == ECONNRESET ? 0 : -errno;
		}
	}
	return err;
}

long unix_recv(struct task *t, int fd, uint8_t *buf, size_t len, uint32_t flags, uint8_t *from,
	       uint32_t *from_len, int *truncated, struct unix_scm *scm)
{
	long err;
	struct file *f = sock_fget(t, fd, &err);
	if (!f)
		return err;
	err = recv_file(t, f, buf, len, flags, from, from_len, truncated, scm);
	fput(f);
	return err;
}

#define RW_MAX (1u << 20) /* one read or write of a datagram socket moves at most this */

long unix_read(struct task *t, struct file *f, uint32_t ubuf, uint32_t count)
{
	size_t len = count < RW_MAX ? count : RW_MAX;
	uint8_t *buf = malloc(len ? len : 1), from[SUN_MAX];
	uint32_t from_len;
	int trunc;
	if (!buf)
		return -ENOMEM;
	long r = recv_file(t, f, buf, len, 0, from, &from_len, &trunc, NULL);
	if (r > 0 && copy_to_user(t, ubuf, buf, (size_t)r))
		r = -EFAULT;
	free(buf);
	return r;
}

long unix_write(struct task *t, struct file *f, uint32_t ubuf, uint32_t count)
{
	size_t len = count < RW_MAX ? count : RW_MAX;
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	long r =
	    copy_from_user(t, buf, ubuf, len) ? -EFAULT : send_file(t, f, buf, len, 0, 0, 0, NULL);
	free(buf);
	return r;
}

/* readv/writev on a socket (sock_read_iter, sock_write_iter): one receive scattered over
 * the vector, or one send of the gathered vector (a stream's waits to send everything).
 * iov holds cnt (base, len) pairs the caller checked. */
long unix_rw_iov(struct task *t, struct file *f, const uint32_t *iov, uint32_t cnt, bool writing)
{
	uint64_t sum = 0;
	for (uint32_t i = 0; i < cnt; i++)
		sum += iov[2 * i + 1];
	size_t len = sum < RW_MAX ? (size_t)sum : RW_MAX, off = 0;
	uint8_t *buf = malloc(len ? len : 1), from[SUN_MAX];
	if (!buf)
		return -ENOMEM;
	long r = 0;
	if (writing) {
		for (uint32_t i = 0; i < cnt && off < len; i++) {
			size_t n = iov[2 * i + 1] < len - off ? iov[2 * i + 1] : len - off;
			if (n && copy_from_user(t, buf + off, iov[2 * i], n)) {
				r = -EFAULT;
				break;
			}
			off += n;
		}
		if (!r)
			r = send_all(t, f, buf, len, 0, 0, 0, NULL, true);
		free(buf);
		return r;
	}
	uint32_t from_len;
	int trunc;
	r = recv_file(t, f, buf, len, 0, from, &from_len, &trunc, NULL);
	size_t got = r > 0 ? (size_t)r : 0;
	for (uint32_t i = 0; i < cnt && off < got; i++) {
		size_t n = iov[2 * i + 1] < got - off ? iov[2 * i + 1] : got - off;
		if (n && copy_to_user(t, iov[2 * i], buf + off, n)) {
			r = -EFAULT;
			break;
		}
		off += n;
	}
	free(buf);
	return r;
}

long unix_sendfile(struct task *t, struct file *out, int in_fd, int64_t *pos, uint32_t count)
{
	size_t len = count < RW_MAX ? count : RW_MAX;
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	off_t at = pos ? (off_t)*pos : lseek(in_fd, 0, SEEK_CUR);
	ssize_t got = pread(in_fd, buf, len, at);
	long r = got < 0 ? -errno : 0;
	size_t sent = 0;
	while (got > 0 && sent < (size_t)got) {
		/* the page cache's pages one by one (sock_sendpage): a message each on a
		 * datagram or seqpacket socket; after the first, no waiting for room */
		size_t n = (size_t)got - sent;
		if (out->sk->type != SOCK_STREAM_) {
			size_t to_page = 4096 - (size_t)((uint64_t)(at + (off_t)sent) % 4096);
			n = n < to_page ? n : to_page;
		}
		r = send_file(t, out, buf + sent, n, sent ? MSG_DONTWAIT_ : 0, 0, 0, NULL);
		if (r <= 0)
			break;
		sent += (size_t)r;
		if ((size_t)r < n)
			break;
	}
	free(buf);
	if (pos)
		*pos += (int64_t)sent;
	else
		lseek(in_fd, at + (off_t)sent, SEEK_SET);
	return sent ? (long)sent : r;
}
