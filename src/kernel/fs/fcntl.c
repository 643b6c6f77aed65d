/* fcntl, dup, pipe, ioctl, fsync (fs/fcntl.c, fs/file.c, fs/pipe.c, fs/ioctl.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/fs/file.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/fs_internal.h"
#include "kernel/task.h"
#include "kernel/uaccess.h"

#define G_F_DUPFD 0
#define G_F_GETFD 1
#define G_F_SETFD 2
#define G_F_GETFL 3
#define G_F_SETFL 4
#define G_F_GETLK 5
#define G_F_SETLK 6
#define G_F_SETLKW 7
#define G_F_GETLK64 12
#define G_F_SETLK64 13
#define G_F_SETLKW64 14
#define G_F_DUPFD_CLOEXEC 1030
#define G_F_GETPIPE_SZ 1032
/* the status flags F_SETFL may change (SETFL_MASK) */
#define SETFL_MASK (G_O_APPEND | G_O_NONBLOCK | G_FASYNC | G_O_DIRECT | G_O_NOATIME)

static long do_fcntl(struct task *t, int fd, uint32_t cmd, uint32_t arg)
{
	struct file *f = fget(t, fd);
	if (!f)
		return -EBADF;
	long r;
	switch (cmd) {
	case G_F_DUPFD:
	case G_F_DUPFD_CLOEXEC:
		if (arg >= (uint32_t)files_limit(t))
			r = -EINVAL;
		else
			r = fd_install(t, file_get(f), (int)arg, cmd == G_F_DUPFD_CLOEXEC);
		break;
	case G_F_GETFD:
		r = t->files->cloexec[fd] ? 1 : 0;
		break;
	case G_F_SETFD:
		t->files->cloexec[fd] = arg & 1;
		r = 0;
		break;
	case G_F_GETFL:
		r = f->f_flags;
		break;
	case G_F_SETFL:
		if (f->f_flags & G_O_PATH) {
			r = -EBADF;
			break;
		}
		/* an inherited description is shared with the user's shell: its host flags
		 * are left alone (a terminal left non-blocking would break the shell) */
		if (f->kind == FILE_HOST && !f->is_pipe && !f->inherited) {
			int hf = fcntl(f->host_fd, F_GETFL);
			if (hf >= 0)
				fcntl(f->host_fd, F_SETFL,
				      (hf & ~(int)SETFL_MASK) | (int)(arg & SETFL_MASK & ~G_FASYNC));
		} else if (f->is_pipe) {
			/* a vmlab pipe stays non-blocking on the host; only O_APPEND matters */
		}
		f->f_flags = (f->f_flags & ~SETFL_MASK) | (arg & SETFL_MASK);
		r = 0;
		break;
	case G_F_GETPIPE_SZ:
		r = f->is_pipe ? fcntl(f->host_fd, F_GETPIPE_SZ) : -EBADF;
		break;
	case G_F_GETLK:
	case G_F_SETLK:
	case G_F_SETLKW:
	case G_F_GETLK64:
	case G_F_SETLK64:
	case G_F_SETLKW64: {
		/* One process: every lock it asks for is granted and F_GETLK finds none
		 * (locks held by host processes are not visible to the guest). */
		if (cmd == G_F_GETLK || cmd == G_F_GETLK64) {
			/* l_type is the first short of struct flock/flock64: F_UNLCK = 2 */
			uint16_t unlck = 2;
			r = copy_to_user(t, arg, &unlck, 2) ? -EFAULT : 0;
		} else {
			uint16_t type;
			r = copy_from_user(t, &type, arg, 2) ? -EFAULT : type > 2 ? -EINVAL : 0;
		}
		break;
	}
	default: {
		static bool reported[2048];
		if (cmd < 2048 && !reported[cmd]) {
			fprintf(stderr, "vmlab: unimplemented fcntl command %u\n", cmd);
			reported[cmd] = true;
		}
		r = -EINVAL;
	}
	}
	fput(f);
	return r;
}

long sys_fcntl(struct task *t, const uint32_t *a)
{
	return do_fcntl(t, (int32_t)a[0], a[1], a[2]);
}

long sys_fcntl64(struct task *t, const uint32_t *a)
{
	return do_fcntl(t, (int32_t)a[0], a[1], a[2]);
}

long sys_dup(struct task *t, const uint32_t *a)
{
	struct file *f = fget(t, (int32_t)a[0]);
	if (!f)
		return -EBADF;
	return fd_install(t, f, 0, false);
}

static long do_dup3(struct task *t, int oldfd, int newfd, uint32_t flags)
{
	if (flags & ~G_O_CLOEXEC)
		return -EINVAL;
	if (newfd < 0 || newfd >= files_limit(t))
		return -EBADF;
	struct file *f = fget(t, oldfd);
	if (!f)
		return -EBADF;
	if (t->files->fd[newfd])
		fd_close(t, newfd);
	t->files->fd[newfd] = f;
	t->files->cloexec[newfd] = flags & G_O_CLOEXEC;
	return newfd;
}

long sys_dup2(struct task *t, const uint32_t *a)
{
	int o = (int32_t)a[0], n = (int32_t)a[1];
	if (o == n) {
		struct file *f = fget(t, o);
		if (!f)
			return -EBADF;
		fput(f);
		return n;
	}
	return do_dup3(t, o, n, 0);
}

long sys_dup3(struct task *t, const uint32_t *a)
{
	if (a[0] == a[1])
		return -EINVAL;
	return do_dup3(t, (int32_t)a[0], (int32_t)a[1], a[2]);
}

static long do_pipe2(struct task *t, uint32_t ufds, uint32_t flags)
{
	if (flags & ~(G_O_CLOEXEC | G_O_NONBLOCK | G_O_DIRECT))
		return -EINVAL;
	int p[2];
	/* always non-blocking on the host: see read_write.c pipe_wait */
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK | ((flags & G_O_DIRECT) ? O_DIRECT : 0)) < 0)
		return -errno;
	uint32_t st = flags & (G_O_NONBLOCK | G_O_DIRECT);
	struct file *r = file_alloc(FILE_HOST, p[0], G_O_RDONLY | st, "pipe:");
	struct file *w = file_alloc(FILE_HOST, p[1], G_O_WRONLY | st, "pipe:");
	if (!r || !w) {
		if (r)
			file_put(r);
		else
			close(p[0]);
		if (w)
			file_put(w);
		else
			close(p[1]);
		return -ENOMEM;
	}
	struct stat sb;
	if (fstat(p[0], &sb) == 0) {
		char name[64];
		snprintf(name, sizeof(name), "pipe:[%llu]", (unsigned long long)sb.st_ino);
		free_and_set_path(r, name);
		free_and_set_path(w, name);
	}
	r->is_pipe = w->is_pipe = r->anon_pipe = w->anon_pipe = true;
	bool ce = flags & G_O_CLOEXEC;
	int fr = fd_install(t, r, 0, ce);
	if (fr < 0) {
		file_put(w);
		return fr;
	}
	int fw = fd_install(t, w, 0, ce);
	if (fw < 0) {
		fd_close(t, fr);
		return fw;
	}
	uint32_t fds[2] = {(uint32_t)fr, (uint32_t)fw};
	if (copy_to_user(t, ufds, fds, 8)) {
		fd_close(t, fr);
		fd_close(t, fw);
		return -EFAULT;
	}
	return 0;
}

long sys_pipe(struct task *t, const uint32_t *a)
{
	return do_pipe2(t, a[0], 0);
}

long sys_pipe2(struct task *t, const uint32_t *a)
{
	return do_pipe2(t, a[0], a[1]);
}

/* A terminal query the host terminal answers: the first n bytes of its reply reach arg. */
static long tty_query(struct task *t, const struct file *f, bool tty, unsigned long req,
		      uint32_t arg, size_t n)
{
	unsigned char buf[64];
	if (!tty)
		return -ENOTTY;
	if (ioctl(f->host_fd, req, buf) < 0)
		return -errno;
	return copy_to_user(t, arg, buf, n) ? -EFAULT : 0;
}

/* ioctl: terminal queries reach the host terminal; anything else on a non-terminal is
 * ENOTTY, as Linux answers for files and pipes. */
long sys_ioctl(struct task *t, const uint32_t *a)
{
	struct file *f = fget(t, (int32_t)a[0]);
	if (!f)
		return -EBADF;
	uint32_t cmd = a[1], arg = a[2];
	long r;
	bool tty = f->kind == FILE_HOST && isatty(f->host_fd);
	switch (cmd) {
	case 0x5401: /* TCGETS: struct termios, 36 bytes, the same on i386 and x86-64 */
		r = tty_query(t, f, tty, TCGETS, arg, 36);
		break;
	case 0x5413: /* TIOCGWINSZ: struct winsize, 8 bytes */
		r = tty_query(t, f, tty, TIOCGWINSZ, arg, 8);
		break;
	case 0x540f: /* TIOCGPGRP */
		r = tty_query(t, f, tty, TIOCGPGRP, arg, 4);
		break;
	case 0x541b: { /* FIONREAD */
		int n = 0;
		if (f->kind != FILE_HOST)
			r = -ENOTTY;
		else
			r = ioctl(f->host_fd, FIONREAD, &n) < 0 ? -errno : 0;
		if (!r && copy_to_user(t, arg, &n, 4))
			r = -EFAULT;
		break;
	}
	case 0x5451: /* FIOCLEX */
	case 0x5450: /* FIONCLEX */
		t->files->cloexec[(int32_t)a[0]] = cmd == 0x5451;
		r = 0;
		break;
	case 0x5421: { /* FIONBIO */
		uint32_t on;
		if (copy_from_user(t, &on, arg, 4)) {
			r = -EFAULT;
			break;
		}
		f->f_flags = on ? f->f_flags | G_O_NONBLOCK : f->f_flags & ~G_O_NONBLOCK;
		r = 0;
		break;
	}
	default:
		if (!tty) {
			r = -ENOTTY;
		} else {
			static bool reported;
			if (!reported)
				fprintf(stderr, "vmlab: terminal ioctl 0x%x not supported (EINVAL; "
						"reported once)\n", cmd);
			reported = true;
			r = -EINVAL;
		}
	}
	fput(f);
	return r;
}

static long do_fsync(struct task *t, int fd, bool data)
{
	struct file *f = fget(t, fd);
	if (!f)
		return -EBADF;
	long r = f->kind != FILE_HOST ? -EINVAL
		 : (data ? fdatasync(f->host_fd) : fsync(f->host_fd)) < 0 ? -errno : 0;
	if (r == -EBADF || r == -EROFS)
		r = -EINVAL; /* fsync on a pipe or special file */
	fput(f);
	return r;
}

long sys_fsync(struct task *t, const uint32_t *a)
{
	return do_fsync(t, (int32_t)a[0], false);
}

long sys_fdatasync(struct task *t, const uint32_t *a)
{
	return do_fsync(t, (int32_t)a[0], true);
}
