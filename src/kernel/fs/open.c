/*
 * open, close, access, the working directory, umask and truncate (fs/open.c), through the
 * sandbox of namei.c and the procfs of procfs.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kernel/fs/file.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/fs_internal.h"
#include "kernel/mm/filemap.h"
#include "kernel/procfs.h"
#include "kernel/signal.h"
#include "kernel/task.h"
#include "kernel/uaccess.h"

/* Character devices a guest may open for writing wherever they are: they write no file. */
static bool harmless_chardev(dev_t rdev)
{
	unsigned ma = major(rdev), mi = minor(rdev);
	if (ma == 1)
		return mi == 3 || mi == 5 || mi == 7 || mi == 8 || mi == 9; /* null zero full random urandom */
	return ma == 5 || ma == 4 || (ma >= 136 && ma <= 143); /* ttys and ptys */
}

int host_open_flags(uint32_t gflags)
{
	return (int)(gflags & ~(G_O_LARGEFILE | G_O_CLOEXEC)) | O_CLOEXEC;
}

static bool wants_write(uint32_t flags)
{
	return (flags & G_O_ACCMODE) != G_O_RDONLY || (flags & G_O_TRUNC);
}

long do_sys_open(struct task *t, int dirfd, uint32_t upath, uint32_t flags, uint32_t mode)
{
	char path[PATH_MAX], proc[PATH_MAX];
	int r = fs_getname(t, upath, path, sizeof(path));
	if (r)
		return r;
	bool cloexec = flags & G_O_CLOEXEC;
	if (fs_is_sysfs_path(t, dirfd, path, proc, sizeof(proc))) {
		struct file *f = sysfs_open(t, proc, flags, &r);
		return f ? fd_install(t, f, 0, cloexec) : r;
	}
	if (fs_is_proc_path(t, dirfd, path, proc, sizeof(proc))) {
		struct file *f = procfs_open(t, proc, flags, &r);
		return f ? fd_install(t, f, 0, cloexec) : r;
	}
	bool creat = flags & G_O_CREAT;
	bool follow = !(flags & G_O_NOFOLLOW) && !(creat && (flags & G_O_EXCL));
	struct nameidata nd;
	r = fs_resolve_parent(t, dirfd, path, follow, &nd);
	if (r == FS_RESOLVED_PROC) { /* a symlink led into /proc (/dev/stdout, /etc/mtab) */
		struct file *f = procfs_open(t, nd.guest, flags, &r);
		return f ? fd_install(t, f, 0, cloexec) : r;
	}
	if (r) {
		nd_release(&nd);
		return r;
	}
	int hflags = host_open_flags(flags) & ~O_TRUNC;
	if (nd.must_be_dir) {
		/* "name/": a directory or nothing; a new name cannot be a file */
		struct stat ds;
		bool there = fstatat(nd.dirfd, nd.last, &ds, 0) == 0;
		if ((there && !S_ISDIR(ds.st_mode)) || (!there && !creat)) {
			nd_release(&nd);
			return there ? -ENOTDIR : -ENOENT;
		}
		if (!there) {
			nd_release(&nd);
			return -EISDIR;
		}
		hflags |= O_DIRECTORY;
	}
	int fd;
	const char *name = nd.last[0] ? nd.last : ".";
	struct stat st;
	bool exists = fstatat(nd.dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
	if (!exists && creat && !(flags & G_O_TMPFILE_ONLY)) {
		r = fs_may_write(t, nd.dirfd, "creating a file");
		if (r) {
			nd_release(&nd);
			return r;
		}
	}
	fd = openat(nd.dirfd, name, hflags | (follow ? 0 : O_NOFOLLOW),
		    (mode & 07777) & ~t->fs->umask);
	if (fd < 0) {
		r = -errno;
		nd_release(&nd);
		return r;
	}
	nd_release(&nd);
	if (fstat(fd, &st) == 0) {
		bool ok_dev = S_ISCHR(st.st_mode) && harmless_chardev(st.st_rdev);
		if (exists && (wants_write(flags) || (flags & G_O_TMPFILE_ONLY)) && !ok_dev &&
		    !S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode)) {
			r = fs_may_write(t, fd, "opening for writing");
			if (r) {
				close(fd);
				return r;
			}
		}
		if (!(flags & G_O_LARGEFILE) && S_ISREG(st.st_mode) && st.st_size > INT32_MAX) {
			close(fd);
			return -EOVERFLOW;
		}
		if ((flags & G_O_TRUNC) && S_ISREG(st.st_mode) &&
		    (flags & G_O_ACCMODE) != G_O_RDONLY) {
			if (ftruncate(fd, 0) < 0) {
				r = -errno;
				close(fd);
				return r;
			}
			filemap_note_truncate(t, fd, 0);
		}
	}
	char gpath[PATH_MAX];
	if (fs_guest_path_of_fd(t, fd, gpath, sizeof(gpath)))
		snprintf(gpath, sizeof(gpath), "%s", path);
	struct file *f = file_alloc(FILE_HOST, fd, flags & ~(G_O_CREAT | G_O_EXCL | G_O_NOCTTY |
							    G_O_TRUNC | G_O_CLOEXEC),
				    gpath);
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	return fd_install(t, f, 0, cloexec);
}

long sys_open(struct task *t, const uint32_t *a)
{
	return do_sys_open(t, GUEST_AT_FDCWD, a[0], a[1], a[2]);
}

long sys_openat(struct task *t, const uint32_t *a)
{
	return do_sys_open(t, (int32_t)a[0], a[1], a[2], a[3]);
}

long sys_creat(struct task *t, const uint32_t *a)
{
	return do_sys_open(t, GUEST_AT_FDCWD, a[0], G_O_CREAT | G_O_WRONLY | G_O_TRUNC, a[1]);
}

long sys_close(struct task *t, const uint32_t *a)
{
	return fd_close(t, (int32_t)a[0]);
}

/* faccessat2: the check is the host's (vmlab runs the guest with the host's identity),
 * except that write access outside the writable directories is refused as open would. */
static long do_faccessat(struct task *t, int dirfd, uint32_t upath, uint32_t mode,
			 uint32_t flags)
{
	if (mode & ~7u)
		return -EINVAL;
	if (flags & ~(0x200u /* AT_EACCESS */ | 0x100u /* AT_SYMLINK_NOFOLLOW */ |
		      0x1000u /* AT_EMPTY_PATH */))
		return -EINVAL;
	char path[PATH_MAX], proc[PATH_MAX];
	int r = fs_getname(t, upath, path, sizeof(path));
	if (r)
		return r;
	if (fs_is_proc_path(t, dirfd, path, proc, sizeof(proc))) {
		struct stat st;
		r = procfs_stat(t, proc, !(flags & 0x100u), &st);
		if (r)
			return r;
		return (mode & W_OK) ? -EACCES : 0;
	}
	struct nameidata nd;
	r = fs_resolve_parent(t, dirfd, path, !(flags & 0x100u), &nd);
	if (r == FS_RESOLVED_PROC) {
		struct stat st;
		r = procfs_stat(t, nd.guest, true, &st);
		return r ? r : (mode & W_OK) ? -EACCES : 0;
	}
	if (!r) {
		const char *name = nd.last[0] ? nd.last : ".";
		if (faccessat(nd.dirfd, name, (int)mode, AT_SYMLINK_NOFOLLOW) < 0)
			r = -errno;
		else if (mode & W_OK) {
			struct stat st;
			if (fstatat(nd.dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    !(S_ISCHR(st.st_mode) && harmless_chardev(st.st_rdev))) {
				int fd = openat(nd.dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
				if (fd >= 0) {
					r = fs_may_write(t, fd, "write access") ? -EROFS : 0;
					close(fd);
				}
			}
		}
	}
	nd_release(&nd);
	return r;
}

long sys_access(struct task *t, const uint32_t *a)
{
	return do_faccessat(t, GUEST_AT_FDCWD, a[0], a[1], 0);
}

long sys_faccessat(struct task *t, const uint32_t *a)
{
	return do_faccessat(t, (int32_t)a[0], a[1], a[2], 0);
}

long sys_faccessat2(struct task *t, const uint32_t *a)
{
	return do_faccessat(t, (int32_t)a[0], a[1], a[2], a[3]);
}

long sys_umask(struct task *t, const uint32_t *a)
{
	uint32_t old = t->fs->umask;
	t->fs->umask = a[0] & 0777;
	return old;
}

static long set_cwd(struct task *t, int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)) {
		close(fd);
		return -ENOTDIR;
	}
	char g[PATH_MAX];
	int r = fs_guest_path_of_fd(t, fd, g, sizeof(g));
	char *c = r ? NULL : strdup(g);
	if (!c) {
		close(fd);
		return r ? r : -ENOMEM;
	}
	free(t->fs->cwd);
	t->fs->cwd = c;
	if (t->fs->cwd_fd >= 0)
		close(t->fs->cwd_fd);
	t->fs->cwd_fd = fd;
	return 0;
}

long sys_chdir(struct task *t, const uint32_t *a)
{
	char path[PATH_MAX], proc[PATH_MAX];
	int r = fs_getname(t, a[0], path, sizeof(path));
	if (r)
		return r;
	if (fs_is_proc_path(t, GUEST_AT_FDCWD, path, proc, sizeof(proc))) {
		struct stat st;
		r = procfs_stat(t, proc, true, &st);
		if (r)
			return r;
		if (!S_ISDIR(st.st_mode))
			return -ENOTDIR;
		char *c = strdup(proc);
		if (!c)
			return -ENOMEM;
		free(t->fs->cwd);
		t->fs->cwd = c;
		return 0;
	}
	int fd = fs_open_host(t, GUEST_AT_FDCWD, path, O_PATH | O_DIRECTORY | O_CLOEXEC, 0, true);
	if (fd < 0)
		return fd;
	return set_cwd(t, fd);
}

long sys_fchdir(struct task *t, const uint32_t *a)
{
	struct file *f = fget(t, (int32_t)a[0]);
	if (!f)
		return -EBADF;
	long r;
	if (f->kind != FILE_HOST) {
		r = f->proc_dir ? 0 : -ENOTDIR;
		if (!r) {
			char *c = strdup(f->path);
			if (c) {
				free(t->fs->cwd);
				t->fs->cwd = c;
			} else {
				r = -ENOMEM;
			}
		}
	} else {
		int fd = fcntl(f->host_fd, F_DUPFD_CLOEXEC, 3);
		r = fd < 0 ? -errno : set_cwd(t, fd);
	}
	fput(f);
	return r;
}

long sys_getcwd(struct task *t, const uint32_t *a)
{
	size_t len = strlen(t->fs->cwd) + 1;
	if (len > a[1])
		return -ERANGE;
	if (copy_to_user(t, a[0], t->fs->cwd, len))
		return -EFAULT;
	return (long)len;
}

static long do_truncate_fd(struct task *t, int fd, uint64_t len)
{
	if ((int64_t)len < 0)
		return -EINVAL;
	uint64_t lim = t->rlim[1].cur; /* RLIMIT_FSIZE */
	if (lim != ~0ull && len > lim) {
		send_sig(t, SIGXFSZ, 0);
		return -EFBIG;
	}
	if (ftruncate(fd, (off_t)len) < 0)
		return -errno;
	filemap_note_truncate(t, fd, len);
	return 0;
}

static long do_truncate(struct task *t, uint32_t upath, uint64_t len)
{
	char path[PATH_MAX], proc[PATH_MAX];
	int r = fs_getname(t, upath, path, sizeof(path));
	if (r)
		return r;
	if (fs_is_proc_path(t, GUEST_AT_FDCWD, path, proc, sizeof(proc)))
		return -EACCES;
	int fd = fs_open_host(t, GUEST_AT_FDCWD, path, O_WRONLY | O_CLOEXEC, 0, true);
	if (fd < 0)
		return fd;
	r = fs_may_write(t, fd, "truncate");
	long ret = r ? r : do_truncate_fd(t, fd, len);
	close(fd);
	return ret;
}

long sys_truncate(struct task *t, const uint32_t *a)
{
	return do_truncate(t, a[0], (uint64_t)(int64_t)(int32_t)a[1]);
}

long sys_truncate64(struct task *t, const uint32_t *a)
{
	return do_truncate(t, a[0], syscall_arg_u64(a, 1));
}

static long do_ftruncate(struct task *t, int gfd, uint64_t len)
{
	struct file *f = fget(t, gfd);
	if (!f)
		return -EBADF;
	long r;
	if (f->kind != FILE_HOST || (f->f_flags & G_O_ACCMODE) == G_O_RDONLY)
		r = -EINVAL;
	else
		r = do_truncate_fd(t, f->host_fd, len);
	fput(f);
	return r;
}

long sys_ftruncate(struct task *t, const uint32_t *a)
{
	return do_ftruncate(t, (int32_t)a[0], (uint64_t)(int64_t)(int32_t)a[1]);
}

long sys_ftruncate64(struct task *t, const uint32_t *a)
{
	return do_ftruncate(t, (int32_t)a[0], syscall_arg_u64(a, 1));
}
