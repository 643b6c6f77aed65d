/* Inside the socket layer: af_unix.c's model, used by socket.c's system calls. */
#ifndef VMLAB_KERNEL_NET_UNIX_INT_H
#define VMLAB_KERNEL_NET_UNIX_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/net/af_unix.h"

#define AF_UNSPEC_ 0
#define AF_UNIX_ 1
#define SOCK_STREAM_ 1
#define SOCK_DGRAM_ 2
#define SOCK_RAW_ 3
#define SOCK_SEQPACKET_ 5
#define SOCK_TYPE_MASK_ 0xf
#define SOCK_NONBLOCK_ 0x800u
#define SOCK_CLOEXEC_ 0x80000u
#define MSG_PEEK_ 0x2u
#define MSG_TRUNC_ 0x20u
#define MSG_DONTWAIT_ 0x40u
#define MSG_WAITALL_ 0x100u
#define MSG_NOSIGNAL_ 0x4000u
#define MSG_CMSG_CLOEXEC_ 0x40000000u
#define SCM_MAX_FD_ 253
#define SUN_MAX 110u /* sizeof(struct sockaddr_un): family and 108 bytes of path */

struct file;

/* The control data of one message (struct scm_cookie): the files SCM_RIGHTS passes (a
 * reference each, owned by whoever holds the struct) and the credentials SCM_CREDENTIALS
 * claims (send) or the receiver is told (recv, when passcred is set). */
struct unix_scm {
	int nfds;
	struct file *fp[SCM_MAX_FD_];
	bool has_creds;	  /* send: SCM_CREDENTIALS given */
	bool passcred;	  /* recv: the socket has SO_PASSCRED (creds to report) */
	int32_t creds[3]; /* pid, uid, gid */
};
/* Drops the file references of scm. */
void unix_scm_release(struct unix_scm *scm);

/* sockfd_lookup_light: 0 when fd is a socket, else -EBADF or -ENOTSOCK (the calls' first
 * check, before their arguments are read). */
long unix_sock_check(struct task *t, int fd);
long unix_socket(struct task *t, int family, uint32_t type, int protocol);
long unix_socketpair(struct task *t, int family, uint32_t type, int protocol, uint32_t usv);
long unix_bind(struct task *t, int fd, uint32_t uaddr, int32_t addrlen);
long unix_connect(struct task *t, int fd, uint32_t uaddr, int32_t addrlen);
long unix_listen(struct task *t, int fd, int32_t backlog);
long unix_accept(struct task *t, int fd, uint32_t uaddr, uint32_t uaddrlen, uint32_t flags);
long unix_getname(struct task *t, int fd, uint32_t uaddr, uint32_t uaddrlen, int peer);
long unix_shutdown(struct task *t, int fd, int how);
long unix_setsockopt(struct task *t, int fd, int level, int name, uint32_t uval, int32_t len);
long unix_getsockopt(struct task *t, int fd, int level, int name, uint32_t uval, uint32_t ulen);
/* sendmsg/recvmsg on a kernel buffer: to (or from) the address at uaddr (0: none), len
 * bytes; recv gives the sender's address in *from (*from_len bytes, 0: unnamed) and sets
 * *truncated when a datagram did not fit. */
long unix_send(struct task *t, int fd, const uint8_t *buf, size_t len, uint32_t flags,
	       uint32_t uaddr, int32_t addrlen, const struct unix_scm *scm, bool all);
/* scm (may be NULL: the files are dropped) receives the message's control data. */
long unix_recv(struct task *t, int fd, uint8_t *buf, size_t len, uint32_t flags, uint8_t *from,
	       uint32_t *from_len, int *truncated, struct unix_scm *scm);
/* A blocking transfer that moved part of what it was asked waits for the rest (MSG_WAITALL,
 * a stream send): unix_partial_skip is how much earlier rounds of this call moved; after a
 * receive of got bytes of want, unix_waitall gives got or blocks (-ERESTART_SCHED). */
size_t unix_partial_skip(const struct task *t);
/* done units moved this round, then blocked (would_block's -ERESTART_SCHED, or a signal):
 * -ERESTART_SCHED to go on after the wait, or done when interrupted. */
long unix_partial_wait(struct task *t, long done, long blocked);
long unix_waitall(struct task *t, int fd, uint32_t flags, long got, size_t want, bool had_fds);
/* move_addr_to_user: klen bytes of kaddr to uaddr, within the length at ulen; the length. */
int unix_put_addr(struct task *t, const uint8_t *kaddr, uint32_t klen, uint32_t uaddr,
		  uint32_t ulen);
#endif
