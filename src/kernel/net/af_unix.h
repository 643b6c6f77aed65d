/*
 * Unix-domain sockets (net/unix/af_unix.c in Linux) and the socket calls (net/socket.c).
 * Every socket is the guest's own object: its data moves through host socketpairs that
 * vmlab makes (non-blocking, like its pipes: a task that would block sleeps in the
 * scheduler), and its names live in vmlab, never on the host's socket namespace: a path
 * bound by the guest is a socket node created through the sandbox (below a --rw directory),
 * looked up by its identity when someone connects; abstract names are vmlab's table only.
 * docs/sockets.md.
 */
#ifndef VMLAB_KERNEL_NET_AF_UNIX_H
#define VMLAB_KERNEL_NET_AF_UNIX_H
#include <stdbool.h>
#include <stdint.h>

struct file;
struct task;
struct unix_sock;

/* The names bound by the guest: one table per machine (shared by every task). */
struct unix_table;
struct unix_table *unix_table_create(void);
void unix_table_destroy(struct unix_table *tab);

/* The struct file holding sk is gone (file_put). */
void unix_release(struct unix_sock *sk);
/* read(2)/write(2) and readv/writev on a socket: through the socket's own paths, so its
 * control records stay in step with its data (write(2) of a stream returns what fitted:
 * sys_write waits for the rest as for a pipe). */
long unix_read(struct task *t, struct file *f, uint32_t ubuf, uint32_t count);
long unix_write(struct task *t, struct file *f, uint32_t ubuf, uint32_t count);
long unix_rw_iov(struct task *t, struct file *f, const uint32_t *iov, uint32_t cnt, bool writing);
/* sendfile into a socket: up to count bytes of the seekable host file in_fd, at *pos (which
 * advances) or at its offset, sent in one go to a stream, a message per page otherwise;
 * the bytes sent, the rest left unread. */
long unix_sendfile(struct task *t, struct file *out, int in_fd, int64_t *pos, uint32_t count);
#endif
