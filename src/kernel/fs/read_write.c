/*
 * read, write and their vector, positional and 64-bit-offset forms, lseek and sendfile
 * (fs/read_write.c). Data passes through a host buffer: read from the host, then
 * copy_to_user (or copy_from_user, then write), so every guest byte goes through the MMU.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sendfile.h>
#include <unistd.h>

#define sendfile_host sendfile

#include "kernel/fs/file.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/fs_internal.h"
#include "kernel/mm/filemap.h"
#include "kernel/procfs.h"
#include "kernel/signal.h"
#include "kernel/net/af_unix.h"
#include "kernel/sched.h"
#include "kernel/task.h"
#include "kernel/uaccess.h"

#define CHUNK (1u << 20)
#define RLIMIT_FSIZE_ 1
#define MAX_RW_COUNT 0x7ffff000u /* Linux caps one transfer at INT_MAX & PAGE_MASK */

long fs_would_block_forever(struct task *t, const char *what)
{
	fprintf(stderr, "vmlab: %s would wait forever (no other process can wake it)\n", what);
	t->exited = true;
	t->exit_signal = SIGKILL;
	t->exit_code = 128 + SIGKILL;
	return -EINTR;
}

/* A pipe or FIFO is non-blocking on the host: the task sleeps in the scheduler until it is
 * ready (sched.h), so a host call never waits; alone, it would wait forever. */
static long pipe_wait(struct task *t, struct file *f, bool writing)
{
	if (f->f_flags & G_O_NONBLOCK)
		return -EAGAIN;
	if (t->sched)
		return sched_block(t, writing ? WAIT_PIPE_WRITE : WAIT_PIPE_READ, f->host_fd, 0);
	if (!f->anon_pipe)
		return fs_would_block_forever(t, writing ? "a write to a full FIFO"
							 : "a read from an empty FIFO");
	return fs_would_block_forever(t, writing ? "a write to a full pipe"
						 : "a read from an empty pipe");
}

static long host_err(struct task *t, struct file *f, int e, bool writing)
{
	if (e == EAGAIN && f->is_pipe)
		return pipe_wait(t, f, writing);
	if (e == EPIPE)
		send_sig(t, SIGPIPE, 0);
	return -e;
}

static long proc_read(struct file *f, struct task *t, uint32_t ubuf, uint32_t count,
		      uint64_t *pos)
{
	if (f->proc_dir)
		return -EISDIR;
	if (f->pagemap)
		return procfs_pagemap_read(t, f->path, ubuf, count, pos);
	if (*pos >= f->size)
		return 0;
	size_t n = f->size - *pos < count ? f->size - *pos : count;
	if (copy_to_user(t, ubuf, f->data + *pos, n))
		return -EFAULT;
	*pos += n;
	return (long)n;
}

/* The guest's O_NONBLOCK on an inherited stream, whose host flags vmlab leaves as the
 * shell set them: would this transfer wait? */
static bool inherited_would_block(struct file *f, bool regular, bool writing)
{
	if (!f->inherited || regular || !(f->f_flags & G_O_NONBLOCK))
		return false;
	struct pollfd p = {.fd = f->host_fd, .events = writing ? POLLOUT : POLLIN};
	return poll(&p, 1, 0) == 0;
}

/* A pipe, FIFO or socket: never a regular file or a directory, so a read or write needs no
 * fstat to know it (two host calls fewer per message of a pipe ping-pong). */
static bool host_stream(const struct file *f)
{
	return f->is_pipe || f->sk;
}

/* One read at the file's offset (pos == NULL) or at *pos. */
static long file_read(struct task *t, struct file *f, uint32_t ubuf, uint32_t count,
		      int64_t *pos)
{
	if ((f->f_flags & G_O_ACCMODE) == G_O_WRONLY || (f->f_flags & G_O_PATH))
		return -EBADF;
	if (f->kind == FILE_EPOLL)
		return -EINVAL; /* no read method */
	if (count > MAX_RW_COUNT)
		count = MAX_RW_COUNT;
	if (f->kind == FILE_PROC) {
		uint64_t p = pos ? (uint64_t)*pos : f->pos;
		long r = proc_read(f, t, ubuf, count, &p);
		if (pos)
			*pos = (int64_t)p;
		else
			f->pos = p;
		return r;
	}
	if (f->vdev == DEV_RANDOM || f->vdev == DEV_URANDOM)
		return copy_random_to_user(t, ubuf, count);
	struct stat st = {0};
	bool regular = !host_stream(f) && fstat(f->host_fd, &st) == 0 && S_ISREG(st.st_mode);
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (inherited_would_block(f, regular, false))
		return -EAGAIN;
	size_t bufsz = count < CHUNK ? count : CHUNK;
	char *buf = malloc(bufsz ? bufsz : 1);
	if (!buf)
		return -ENOMEM;
	long done = 0;
	while ((uint32_t)done < count) {
		size_t want = count - (uint32_t)done < bufsz ? count - (uint32_t)done : bufsz;
		if (regular) { /* shared mappings' dirty pages first (mm/filemap.h) */
			off_t at = pos ? *pos + done : lseek(f->host_fd, 0, SEEK_CUR);
			if (at >= 0)
				filemap_note_read(t, f->host_fd, (uint64_t)at, want);
		}
		ssize_t n = pos ? pread(f->host_fd, buf, want, *pos + done)
				: read(f->host_fd, buf, want);
		if (n < 0) {
			long e = host_err(t, f, errno, false);
			free(buf);
			return done ? done : e;
		}
		if (n == 0)
			break;
		size_t got = copy_to_user_partial(t, ubuf + (uint32_t)done, buf, (size_t)n);
		if (got < (size_t)n) {
			if (!pos && regular) /* give back what the program never received */
				lseek(f->host_fd, -(off_t)((size_t)n - got), SEEK_CUR);
			free(buf);
			done += (long)got;
			return done ? done : -EFAULT;
		}
		done += n;
		/* Only regular files are read to the full count: a terminal or pipe returns
		 * what it has, and asking again could block. */
		if (!regular || (size_t)n < want)
			break;
	}
	free(buf);
	if (pos)
		*pos += done;
	return done;
}

static long file_write(struct task *t, struct file *f, uint32_t ubuf, uint32_t count,
		       int64_t *pos)
{
	if ((f->f_flags & G_O_ACCMODE) == G_O_RDONLY || (f->f_flags & G_O_PATH))
		return -EBADF;
	if (f->kind == FILE_PROC)
		return f->proc_dir ? -EBADF : procfs_oom_write(t, f, ubuf, count);
	if (f->kind == FILE_EPOLL)
		return -EINVAL; /* no write method */
	if (count > MAX_RW_COUNT)
		count = MAX_RW_COUNT;
	struct stat st = {0};
	bool regular = !host_stream(f) && fstat(f->host_fd, &st) == 0 && S_ISREG(st.st_mode);
	if (inherited_would_block(f, regular, true))
		return -EAGAIN;
	/* the guest's O_APPEND on an inherited file the host opened without it */
	bool append = f->inherited && regular && !pos && (f->f_flags & G_O_APPEND) &&
		      !(fcntl(f->host_fd, F_GETFL) & O_APPEND);
	if (append)
		lseek(f->host_fd, 0, SEEK_END);
	if (regular && count) {
		/* RLIMIT_FSIZE (generic_write_check_limits): SIGXFSZ and EFBIG at the limit, a
		 * short write before it */
		uint64_t lim = t->rlim[RLIMIT_FSIZE_].cur;
		off_t at = pos ? *pos : (f->f_flags & G_O_APPEND) ? st.st_size
								 : lseek(f->host_fd, 0, SEEK_CUR);
		if (lim != ~0ull && at >= 0) {
			if ((uint64_t)at >= lim) {
				send_sig(t, SIGXFSZ, 0);
				return -EFBIG;
			}
			if (count > lim - (uint64_t)at)
				count = (uint32_t)(lim - (uint64_t)at);
		}
	}
	size_t bufsz = count < CHUNK ? count : CHUNK;
	char *buf = malloc(bufsz ? bufsz : 1);
	if (!buf)
		return -ENOMEM;
	long done = 0;
	do {
		size_t want = count - (uint32_t)done < bufsz ? count - (uint32_t)done : bufsz;
		size_t have = copy_from_user_partial(t, buf, ubuf + (uint32_t)done, want);
		if (have == 0 && want) {
			free(buf);
			return done ? done : -EFAULT;
		}
		off_t at = regular ? (pos ? *pos + done : lseek(f->host_fd, 0, SEEK_CUR)) : -1;
		ssize_t n = pos ? pwrite(f->host_fd, buf, have, *pos + done)
				: write(f->host_fd, buf, have);
		if (n < 0) {
			long e = host_err(t, f, errno, true);
			free(buf);
			return done ? done : e;
		}
		if (n > 0 && regular) { /* the cached pages see the write (mm/filemap.h) */
			/* O_APPEND wrote at the end, wherever the offset was */
			off_t end = lseek(f->host_fd, 0, SEEK_CUR);
			if (!pos && (f->f_flags & G_O_APPEND) && end >= n)
				at = end - n;
			if (at >= 0)
				filemap_note_write(t, f->host_fd, (uint64_t)at, buf, (uint64_t)n);
		}
		done += n;
		if ((size_t)n < want)
			break;
	} while ((uint32_t)done < count);
	free(buf);
	if (pos)
		*pos += done;
	return done;
}

static long rw_fd(struct task *t, int fd, uint32_t ubuf, uint32_t count, int64_t *pos,
		  bool writing)
{
	struct file *f = fget(t, fd);
	if (!f)
		return -EBADF;
	long r;
	if (pos && *pos < 0)
		r = -EINVAL;
	else if (pos && f->kind == FILE_HOST && lseek(f->host_fd, 0, SEEK_CUR) < 0)
		r = -ESPIPE;
	else if (f->sk)
		r = writing ? unix_write(t, f, ubuf, count) : unix_read(t, f, ubuf, count);
	else
		r = writing ? file_write(t, f, ubuf, count, pos) : file_read(t, f, ubuf, count, pos);
	fput(f);
	return r;
}

long sys_read(struct task *t, const uint32_t *a)
{
	return rw_fd(t, (int32_t)a[0], a[1], a[2], NULL, false);
}

long sys_write(struct task *t, const uint32_t *a)
{
	long r = rw_fd(t, (int32_t)a[0], a[1], a[2], NULL, true);
	if (r > 0 && (uint32_t)r < a[2] && t->sched) {
		/* pipe_write blocks until all is written: the rest after a wait */
		struct file *f = fget(t, (int32_t)a[0]);
		if (f && f->is_pipe && !(f->f_flags & G_O_NONBLOCK))
			r = sched_write_rest(t, (uint32_t)r, f->host_fd);
		if (f)
			fput(f);
	}
	return r;
}

long sys_pread64(struct task *t, const uint32_t *a)
{
	int64_t pos = (int64_t)syscall_arg_u64(a, 3);
	return rw_fd(t, (int32_t)a[0], a[1], a[2], &pos, false);
}

long sys_pwrite64(struct task *t, const uint32_t *a)
{
	int64_t pos = (int64_t)syscall_arg_u64(a, 3);
	return rw_fd(t, (int32_t)a[0], a[1], a[2], &pos, true);
}

/* readv/writev: struct iovec {void *base; size_t len} of 8 bytes on i386. */
static long rw_vec(struct task *t, int fd, uint32_t uiov, uint32_t cnt, int64_t *pos,
		   bool writing)
{
	if (cnt > 1024)
		return -EINVAL;
	if (cnt == 0)
		return 0;
	uint32_t *iov = malloc(cnt * 8); /* off the host stack: up to 8 KB */
	if (!iov)
		return -ENOMEM;
	long done = copy_from_user(t, iov, uiov, cnt * 8) ? -EFAULT : 0;
	uint64_t total = 0;
	for (uint32_t i = 0; i < cnt && !done; i++) {
		if ((int32_t)iov[2 * i + 1] < 0)
			done = -EINVAL;
		total += iov[2 * i + 1];
	}
	if (!done && total > 0x7fffffff)
		done = -EINVAL;
	struct file *f = done ? NULL : fget(t, fd);
	if (!done && !f)
		done = -EBADF;
	if (f && f->sk) { /* a socket: one message over the whole vector */
		done = unix_rw_iov(t, f, iov, cnt, writing);
		fput(f);
		f = NULL;
	}
	for (uint32_t i = 0; f && i < cnt; i++) {
		uint32_t len = iov[2 * i + 1];
		if (!len)
			continue;
		long r = writing ? file_write(t, f, iov[2 * i], len, pos)
				 : file_read(t, f, iov[2 * i], len, pos);
		if (r < 0) {
			if (!done)
				done = r;
			break;
		}
		done += r;
		if ((uint32_t)r < len || t->exited)
			break;
	}
	free(iov);
	if (f)
		fput(f);
	return done;
}

long sys_readv(struct task *t, const uint32_t *a)
{
	return rw_vec(t, (int32_t)a[0], a[1], a[2], NULL, false);
}

long sys_writev(struct task *t, const uint32_t *a)
{
	return rw_vec(t, (int32_t)a[0], a[1], a[2], NULL, true);
}

long sys_preadv(struct task *t, const uint32_t *a)
{
	int64_t pos = (int64_t)syscall_arg_u64(a, 3);
	return pos < 0 ? -EINVAL : rw_vec(t, (int32_t)a[0], a[1], a[2], &pos, false);
}

long sys_pwritev(struct task *t, const uint32_t *a)
{
	int64_t pos = (int64_t)syscall_arg_u64(a, 3);
	return pos < 0 ? -EINVAL : rw_vec(t, (int32_t)a[0], a[1], a[2], &pos, true);
}

static int64_t do_lseek(struct task *t, int fd, int64_t off, uint32_t whence)
{
	struct file *f = fget(t, fd);
	if (!f)
		return -EBADF;
	int64_t r;
	if (whence > 4) {
		r = -EINVAL;
	} else if (f->kind == FILE_PROC) {
		int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)f->pos
				: whence == SEEK_END ? (int64_t)f->size : -1;
		if (base < 0 || base + off < 0)
			r = -EINVAL;
		else
			r = (int64_t)(f->pos = (uint64_t)(base + off));
	} else if (f->host_dir) {
		r = readdir_seek(f, off, (int)whence);
	} else {
		off_t o = lseek(f->host_fd, (off_t)off, (int)whence);
		r = o < 0 ? -errno : o;
	}
	fput(f);
	return r;
}

long sys_lseek(struct task *t, const uint32_t *a)
{
	int64_t r = do_lseek(t, (int32_t)a[0], (int32_t)a[1], a[2]);
	if (r > INT32_MAX) /* the old call cannot say it: Linux restores nothing, says so */
		return -EOVERFLOW;
	return (long)r;
}

long sys__llseek(struct task *t, const uint32_t *a)
{
	int64_t off = (int64_t)((uint64_t)a[1] << 32 | a[2]);
	int64_t r = do_lseek(t, (int32_t)a[0], off, a[4]);
	if (r < 0)
		return (long)r;
	return copy_to_user(t, a[3], &r, 8) ? -EFAULT : 0;
}

/* sendfile: copies through the guest-visible read and write paths' host sides. */
static long do_sendfile(struct task *t, int out_fd, int in_fd, uint32_t uoff, uint32_t count,
			bool off64)
{
	struct file *in = fget(t, in_fd), *out = fget(t, out_fd);
	long r = 0;
	if (!in || !out) {
		r = -EBADF;
		goto done;
	}
	if ((in->f_flags & G_O_ACCMODE) == G_O_WRONLY || (out->f_flags & G_O_ACCMODE) == G_O_RDONLY) {
		r = -EBADF;
		goto done;
	}
	if ((out->f_flags & G_O_APPEND) || in->kind != FILE_HOST || out->kind != FILE_HOST) {
		r = -EINVAL;
		goto done;
	}
	int64_t off = 0;
	if (uoff) {
		uint32_t w[2] = {0, 0};
		if (copy_from_user(t, w, uoff, off64 ? 8 : 4)) {
			r = -EFAULT;
			goto done;
		}
		off = off64 ? (int64_t)((uint64_t)w[0] | (uint64_t)w[1] << 32) : (int32_t)w[0];
		if (off < 0) {
			r = -EINVAL;
			goto done;
		}
	}
	off_t o = (off_t)off;
	off_t from = uoff ? o : lseek(in->host_fd, 0, SEEK_CUR);
	if (from >= 0)
		filemap_note_read(t, in->host_fd, (uint64_t)from, count);
	ssize_t n;
	if (out->sk && from >= 0) {
		/* into a socket: through its send path (its messages and control records) */
		int64_t at = o;
		n = unix_sendfile(t, out, in->host_fd, uoff ? &at : NULL, count);
		if (n < 0) {
			r = n;
			goto done;
		}
		o = (off_t)at;
	} else if ((n = sendfile_host(out->host_fd, in->host_fd, uoff ? &o : NULL, count)) < 0) {
		r = host_err(t, out, errno, true);
		goto done;
	}
	r = n;
	if (uoff) {
		uint32_t w[2] = {(uint32_t)o, (uint32_t)((uint64_t)o >> 32)};
		if (copy_to_user(t, uoff, w, off64 ? 8 : 4))
			r = -EFAULT;
	}
done:
	if (in)
		fput(in);
	if (out)
		fput(out);
	return r;
}

long sys_sendfile(struct task *t, const uint32_t *a)
{
	return do_sendfile(t, (int32_t)a[0], (int32_t)a[1], a[2], a[3], false);
}

long sys_sendfile64(struct task *t, const uint32_t *a)
{
	return do_sendfile(t, (int32_t)a[0], (int32_t)a[1], a[2], a[3], true);
}
