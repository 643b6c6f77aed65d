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
#include <sys/syscall.h>
#include <unistd.h>

#include "kernel/fs/file.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/fs_internal.h"
#include "kernel/mm/filemap.h"
#include "kernel/procfs.h"
#include "kernel/signal.h"
#include "kernel/task.h"
#include "kernel/uaccess.h"

int host_open_flags(uint32_t gflags)
{
	return (int)(gflags & ~(G_O_LARGEFILE | G_O_CLOEXEC)) | O_CLOEXEC;
}

/* Creates nd's last name as a new file (the parent must be writable): a host descriptor,
 * -EEXIST when the name appeared meanwhile, or -errno. */
static int create_file(struct task *t, struct nameidata *nd, uint32_t flags, uint32_t mode)
{
	if (nd->must_be_dir)
		return -EISDIR; /* "name/": a new name cannot be a file */
	int r = fs_may_write(t, nd->dirfd, "creating a file");
	if (r)
		return r;
	int hflags =
	    (host_open_flags(flags) & ~(O_TRUNC | O_NONBLOCK)) | O_CREAT | O_EXCL | O_NOFOLLOW;
	int fd = openat(nd->dirfd, nd->last, hflags, (mode & 07777) & ~t->fs->umask);
	return fd < 0 ? -errno : fd;
}

/* Opens the object obj names for the guest, as do_dentry_open would after the lookup. */
static int open_object(struct task *t, int obj, const struct nameidata *nd, uint32_t flags,
		       uint32_t mode, bool follow)
{
	struct stat st;
	if (fstat(obj, &st) < 0)
		return -errno;
	if ((flags & G_O_CREAT) && (flags & G_O_EXCL))
		return -EEXIST;
	if (follow && S_ISLNK(st.st_mode))
		return -ELOOP; /* a symlink put there since the walk followed the name */
	if ((nd->must_be_dir || (flags & G_O_DIRECTORY)) && !S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if ((flags & G_O_CREAT) && S_ISDIR(st.st_mode))
		return -EISDIR;
	if ((flags & G_O_TMPFILE_ONLY) && !(flags & G_O_PATH)) {
		/* O_TMPFILE: an unnamed file in directory obj, which must be writable */
		if (!S_ISDIR(st.st_mode))
			return -ENOTDIR;
		int r = fs_may_write(t, obj, "creating a file");
		if (r)
			return r;
		int fd = openat(obj, ".", host_open_flags(flags), (mode & 07777) & ~t->fs->umask);
		return fd < 0 ? -errno : fd;
	}
	return sandbox_open_object(t, obj, flags & ~(G_O_CREAT | G_O_EXCL), nd->via);
}

/* The guest file for a new host descriptor: size check, O_TRUNC, kind. */
static long install_host(struct task *t, int fd, uint32_t flags, bool created, const char *path)
{
	struct stat st;
	long r = 0;
	if (fstat(fd, &st) < 0) {
		r = -errno;
	} else if (!(flags & G_O_LARGEFILE) && S_ISREG(st.st_mode) && st.st_size > INT32_MAX) {
		r = -EOVERFLOW;
	} else if (!created && (flags & G_O_TRUNC) && S_ISREG(st.st_mode) &&
		   (flags & G_O_ACCMODE) != G_O_RDONLY) {
		/* sandbox_open_object judged O_TRUNC a write, like opening for writing */
		if (ftruncate(fd, 0) < 0)
			r = -errno;
		else
			filemap_note_truncate(t, fd, 0);
	}
	char *gpath = r ? NULL : fs_name_alloc();
	if (!r && !gpath)
		r = -ENOMEM;
	if (r) {
		close(fd);
		return r;
	}
	if (fs_guest_path_of_fd(t, fd, gpath, PATH_MAX))
		snprintf(gpath, PATH_MAX, "%s", path);
	struct file *f = file_alloc(
	    FILE_HOST, fd, flags & ~(G_O_CREAT | G_O_EXCL | G_O_NOCTTY | G_O_TRUNC | G_O_CLOEXEC),
	    gpath);
	free(gpath);
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	f->is_pipe = S_ISFIFO(st.st_mode) && !(flags & G_O_PATH);
	f->host_dir = S_ISDIR(st.st_mode);
	f->vdev = (flags & G_O_PATH) ? DEV_NONE : (int)sandbox_device(t, &st);
	return fd_install(t, f, 0, flags & G_O_CLOEXEC);
}

static long open_resolved(struct task *t, int dirfd, const char *path, uint32_t flags,
			  uint32_t mode)
{
	bool creat = flags & G_O_CREAT;
	bool follow = !(flags & G_O_NOFOLLOW) && !(creat && (flags & G_O_EXCL));
	for (int attempt = 0;; attempt++) {
		struct nameidata nd;
		int r = fs_resolve_parent(t, dirfd, path, follow, &nd);
		if (r == FS_RESOLVED_PROC) { /* /proc/..., or a link into it (/dev/stdout) */
			struct file *f = procfs_open(t, nd.proc, flags, &r);
			nd_release(&nd);
			return f ? fd_install(t, f, 0, flags & G_O_CLOEXEC) : r;
		}
		if (r)
			return r;
		int obj = -1, fd;
		bool created = false;
		if (nd.last[0]) {
			obj = openat(nd.dirfd, nd.last, O_PATH | O_NOFOLLOW | O_CLOEXEC);
			if (obj < 0 && errno != ENOENT) {
				fd = -errno;
			} else if (obj < 0 && (!creat || (flags & G_O_TMPFILE_ONLY))) {
				fd = -ENOENT;
			} else if (obj < 0) {
				fd = create_file(t, &nd, flags, mode);
				created = fd >= 0;
				if (fd == -EEXIST && !(flags & G_O_EXCL) && attempt < 3) {
					nd_release(&nd);
					continue; /* created meanwhile: open it as it is now */
				}
			}
		} else {
			obj = nd.dirfd;
			nd.dirfd = -1;
		}
		if (obj >= 0) {
			fd = open_object(t, obj, &nd, flags, mode, follow);
			close(obj);
		}
		nd_release(&nd);
		return fd < 0 ? fd : install_host(t, fd, flags, created, path);
	}
}

long do_sys_open(struct task *t, int dirfd, uint32_t upath, uint32_t flags, uint32_t mode)
{
	char *path = fs_name_alloc(), *norm = fs_name_alloc();
	long r = path && norm ? fs_getname(t, upath, path, PATH_MAX) : -ENOMEM;
	if (!r && fs_is_sysfs_path(t, dirfd, path, norm, PATH_MAX)) {
		int e = 0;
		struct file *f = sysfs_open(t, norm, flags, &e);
		r = f ? fd_install(t, f, 0, flags & G_O_CLOEXEC) : e;
	} else if (!r) {
		r = open_resolved(t, dirfd, path, flags, mode);
	}
	free(path);
	free(norm);
	return r;
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
	struct nameidata nd;
	int obj;
	int r = fs_lookup_user(t, dirfd, upath, !(flags & 0x100u), &nd, &obj);
	if (r == FS_RESOLVED_PROC) {
		struct stat st;
		r = procfs_stat(t, nd.proc, false, &st);
		nd_release(&nd);
		return r ? r : (mode & W_OK) ? -EACCES : 0;
	}
	if (r)
		return r;
	nd_release(&nd);
	if (syscall(SYS_faccessat2, obj, "", (int)mode, AT_EMPTY_PATH | (flags & 0x200u)) < 0) {
		r = -errno;
	} else if (mode & W_OK) {
		struct stat st;
		if (fstat(obj, &st) == 0 && !(S_ISCHR(st.st_mode) && sandbox_device(t, &st)))
			r = fs_may_write(t, obj, "write access");
	}
	close(obj);
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

/* The working directory becomes host directory fd (taken over) or procfs path proc. */
static long set_cwd(struct task *t, int fd, const char *proc)
{
	if (fd >= 0) {
		struct stat st;
		long r = fstat(fd, &st) < 0 ? -errno : !S_ISDIR(st.st_mode) ? -ENOTDIR : 0;
		if (!r && syscall(SYS_faccessat2, fd, "", X_OK, AT_EMPTY_PATH) < 0)
			r = -errno;
		if (r) {
			close(fd);
			return r;
		}
		if (t->fs->cwd_fd >= 0)
			close(t->fs->cwd_fd);
		t->fs->cwd_fd = fd;
		free(t->fs->cwd_proc);
		t->fs->cwd_proc = NULL;
		return 0;
	}
	char *c = strdup(proc);
	if (!c)
		return -ENOMEM;
	free(t->fs->cwd_proc);
	t->fs->cwd_proc = c;
	return 0;
}

long sys_chdir(struct task *t, const uint32_t *a)
{
	struct nameidata nd;
	int fd;
	int r = fs_lookup_user(t, GUEST_AT_FDCWD, a[0], true, &nd, &fd);
	if (r == FS_RESOLVED_PROC) {
		struct stat st;
		r = procfs_stat(t, nd.proc, true, &st);
		if (!r)
			r = S_ISDIR(st.st_mode) ? (int)set_cwd(t, -1, nd.proc) : -ENOTDIR;
		nd_release(&nd);
		return r;
	}
	if (r)
		return r;
	nd_release(&nd);
	return set_cwd(t, fd, NULL);
}

long sys_fchdir(struct task *t, const uint32_t *a)
{
	struct file *f = fget(t, (int32_t)a[0]);
	if (!f)
		return -EBADF;
	long r;
	if (f->kind != FILE_HOST) {
		r = f->proc_dir ? set_cwd(t, -1, f->path) : -ENOTDIR;
	} else {
		/* a directory outside the root (an inherited one) is never a starting point */
		struct stat st;
		r = fstat(f->host_fd, &st) < 0 ? -errno : !S_ISDIR(st.st_mode) ? -ENOTDIR : 0;
		if (!r)
			r = fs_inside_root(t, f->host_fd);
		int fd = r ? -1 : fcntl(f->host_fd, F_DUPFD_CLOEXEC, 3);
		if (!r)
			r = fd < 0 ? -errno : set_cwd(t, fd, NULL);
	}
	fput(f);
	return r;
}

long sys_getcwd(struct task *t, const uint32_t *a)
{
	char *buf = fs_name_alloc();
	if (!buf)
		return -ENOMEM;
	long r = fs_cwd_path(t, buf, PATH_MAX);
	if (!r) {
		size_t len = strlen(buf) + 1;
		r = len > a[1] ? -ERANGE : copy_to_user(t, a[0], buf, len) ? -EFAULT : (long)len;
	}
	free(buf);
	return r;
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
	struct nameidata nd;
	int obj;
	int r = fs_lookup_user(t, GUEST_AT_FDCWD, upath, true, &nd, &obj);
	if (r == FS_RESOLVED_PROC) {
		nd_release(&nd);
		return -EACCES;
	}
	if (r)
		return r;
	nd_release(&nd);
	struct stat st;
	long ret = fstat(obj, &st) < 0	  ? -errno
		   : S_ISDIR(st.st_mode)  ? -EISDIR
		   : !S_ISREG(st.st_mode) ? -EINVAL
					  : 0;
	int fd = ret ? -1 : sandbox_open_object(t, obj, G_O_WRONLY | G_O_LARGEFILE, NULL);
	close(obj);
	if (!ret && fd < 0)
		ret = fd;
	if (!ret) {
		ret = do_truncate_fd(t, fd, len);
		close(fd);
	}
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
	struct stat st;
	if (f->f_flags & G_O_PATH)
		r = -EBADF;
	else if (f->kind != FILE_HOST || (f->f_flags & G_O_ACCMODE) == G_O_RDONLY)
		r = -EINVAL;
	else if (fstat(f->host_fd, &st) < 0 || !S_ISREG(st.st_mode))
		r = -EINVAL; /* only regular files are truncated */
	else if ((r = sandbox_may_change_file(t, f, "truncate")) == 0)
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
