/*
 * Operations on names (fs/namei.c, fs/open.c, fs/utimes.c): unlink, rmdir, mkdir, rename,
 * link, symlink, chmod, chown, utimensat. Each changes a directory or an inode, so each is
 * allowed only below a writable directory (fs_may_write), and /proc refuses them.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/fs/file.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/fs_internal.h"
#include "kernel/task.h"
#include "kernel/uaccess.h"

#define G_AT_SYMLINK_NOFOLLOW 0x100u
#define G_AT_REMOVEDIR 0x200u
#define G_AT_SYMLINK_FOLLOW 0x400u
#define G_AT_EMPTY_PATH 0x1000u

/* Resolves upath's parent, refusing /proc. linkat's source name needs no more: its parent
 * is only read; the object is judged in do_linkat. A followed /proc/self/fd/N names the
 * open file (dots 4), as for O_TMPFILE. */
static int lookup_parent(struct task *t, int dirfd, uint32_t upath, bool follow,
			 struct nameidata *nd)
{
	nd->dirfd = -1;
	nd->proc = NULL;
	nd->via = NULL;
	char *path = fs_name_alloc();
	if (!path)
		return -ENOMEM;
	int r = fs_getname(t, upath, path, PATH_MAX);
	if (!r)
		r = fs_resolve_parent(t, dirfd, path, follow, nd);
	free(path);
	if (r == FS_RESOLVED_PROC) {
		nd_release(nd);
		return -EACCES; /* procfs files are not changed through their names */
	}
	return r;
}

/* Resolves upath's parent for a change, refusing /proc and read-only places. For the
 * calls that create a name, an existing one gives EEXIST first, as filename_create
 * reports it before the read-only error. */
static int lookup_change(struct task *t, int dirfd, uint32_t upath, bool follow,
			 struct nameidata *nd, const char *what, bool create)
{
	int r = lookup_parent(t, dirfd, upath, follow, nd);
	if (r)
		return r;
	struct stat st;
	if (create && (!nd->last[0] || fstatat(nd->dirfd, nd->last, &st, AT_SYMLINK_NOFOLLOW) == 0))
		r = -EEXIST;
	/* ".", ".." and "/" get their own errors before any read-only check */
	if (!r && nd->last[0])
		r = fs_may_write(t, nd->dirfd, what);
	if (r)
		nd_release(nd);
	return r;
}

static int lookup_for_change(struct task *t, int dirfd, uint32_t upath, bool follow,
			     struct nameidata *nd, const char *what)
{
	return lookup_change(t, dirfd, upath, follow, nd, what, false);
}

static long do_unlinkat(struct task *t, int dirfd, uint32_t upath, uint32_t flags)
{
	if (flags & ~G_AT_REMOVEDIR)
		return -EINVAL;
	struct nameidata nd;
	int r = lookup_for_change(t, dirfd, upath, false, &nd,
				  flags ? "removing a directory" : "removing a file");
	if (r)
		return r;
	struct stat st;
	if (!nd.last[0]) /* do_rmdir: "." EINVAL, ".." ENOTEMPTY, "/" EBUSY; unlink EISDIR */
		r = !flags ? -EISDIR : nd.dots == 1 ? -EINVAL : nd.dots == 2 ? -ENOTEMPTY : -EBUSY;
	else if (!flags && nd.must_be_dir)
		r = fstatat(nd.dirfd, nd.last, &st, AT_SYMLINK_NOFOLLOW) < 0 ? -errno
		    : S_ISDIR(st.st_mode)					 ? -EISDIR
										 : -ENOTDIR;
	else if (unlinkat(nd.dirfd, nd.last, flags ? AT_REMOVEDIR : 0) < 0)
		r = -errno;
	nd_release(&nd);
	return r;
}

long sys_unlink(struct task *t, const uint32_t *a)
{
	return do_unlinkat(t, GUEST_AT_FDCWD, a[0], 0);
}

long sys_unlinkat(struct task *t, const uint32_t *a)
{
	return do_unlinkat(t, (int32_t)a[0], a[1], a[2]);
}

long sys_rmdir(struct task *t, const uint32_t *a)
{
	return do_unlinkat(t, GUEST_AT_FDCWD, a[0], G_AT_REMOVEDIR);
}

static long do_mkdirat(struct task *t, int dirfd, uint32_t upath, uint32_t mode)
{
	struct nameidata nd;
	int r = lookup_change(t, dirfd, upath, false, &nd, "creating a directory", true);
	if (r)
		return r;
	if (!nd.last[0])
		r = -EEXIST;
	else if (mkdirat(nd.dirfd, nd.last, (mode & 07777) & ~t->fs->umask) < 0)
		r = -errno;
	nd_release(&nd);
	return r;
}

long sys_mkdir(struct task *t, const uint32_t *a)
{
	return do_mkdirat(t, GUEST_AT_FDCWD, a[0], a[1]);
}

long sys_mkdirat(struct task *t, const uint32_t *a)
{
	return do_mkdirat(t, (int32_t)a[0], a[1], a[2]);
}

static long do_renameat2(struct task *t, int odir, uint32_t oldp, int ndir, uint32_t newp,
			 uint32_t flags)
{
	if (flags & ~7u) /* RENAME_NOREPLACE | EXCHANGE | WHITEOUT */
		return -EINVAL;
	struct nameidata o, n;
	int r = lookup_for_change(t, odir, oldp, false, &o, "renaming");
	if (r)
		return r;
	r = lookup_for_change(t, ndir, newp, false, &n, "renaming");
	if (r) {
		nd_release(&o);
		return r;
	}
	if (!o.last[0] || !n.last[0])
		r = -EBUSY;
	else if (renameat2(o.dirfd, o.last, n.dirfd, n.last, flags) < 0)
		r = -errno;
	nd_release(&o);
	nd_release(&n);
	return r;
}

long sys_rename(struct task *t, const uint32_t *a)
{
	return do_renameat2(t, GUEST_AT_FDCWD, a[0], GUEST_AT_FDCWD, a[1], 0);
}

long sys_renameat(struct task *t, const uint32_t *a)
{
	return do_renameat2(t, (int32_t)a[0], a[1], (int32_t)a[2], a[3], 0);
}

long sys_renameat2(struct task *t, const uint32_t *a)
{
	return do_renameat2(t, (int32_t)a[0], a[1], (int32_t)a[2], a[3], a[4]);
}

static long do_symlinkat(struct task *t, uint32_t utarget, int dirfd, uint32_t upath)
{
	char *target = fs_name_alloc();
	if (!target)
		return -ENOMEM;
	int r = fs_getname(t, utarget, target, PATH_MAX);
	struct nameidata nd;
	if (!r)
		r = lookup_change(t, dirfd, upath, false, &nd, "creating a symlink", true);
	if (!r) {
		/* the target is only text: namei.c interprets it inside the root when walked */
		if (!nd.last[0])
			r = -EEXIST;
		else if (symlinkat(target, nd.dirfd, nd.last) < 0)
			r = -errno;
		nd_release(&nd);
	}
	free(target);
	return r;
}

long sys_symlink(struct task *t, const uint32_t *a)
{
	return do_symlinkat(t, a[0], GUEST_AT_FDCWD, a[1]);
}

long sys_symlinkat(struct task *t, const uint32_t *a)
{
	return do_symlinkat(t, a[0], (int32_t)a[1], a[2]);
}

static long do_linkat(struct task *t, int odir, uint32_t oldp, int ndir, uint32_t newp,
		      uint32_t flags)
{
	if (flags & ~(G_AT_SYMLINK_FOLLOW | G_AT_EMPTY_PATH))
		return -EINVAL;
	struct nameidata o, n;
	int r = lookup_parent(t, odir, oldp, flags & G_AT_SYMLINK_FOLLOW, &o);
	if (r)
		return r;
	r = lookup_change(t, ndir, newp, false, &n, "linking", true);
	if (r) {
		nd_release(&o);
		return r;
	}
	/* a new name below --rw for a file outside it would make that file writable: the
	 * file linked must itself be one the guest may change */
	int src = o.last[0]	? openat(o.dirfd, o.last, O_PATH | O_NOFOLLOW | O_CLOEXEC)
		  : o.dots == 4 ? fcntl(o.dirfd, F_DUPFD_CLOEXEC, 3)
				: -1;
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", src);
	if (!o.last[0] && o.dots != 4)
		r = -EPERM;
	else if (!n.last[0])
		r = -EEXIST;
	else if (src < 0)
		r = -errno;
	else if ((r = fs_may_write(t, src, "linking")) == 0 &&
		 linkat(AT_FDCWD, link, n.dirfd, n.last, AT_SYMLINK_FOLLOW) < 0)
		r = -errno;
	if (src >= 0)
		close(src);
	nd_release(&o);
	nd_release(&n);
	return r;
}

long sys_link(struct task *t, const uint32_t *a)
{
	return do_linkat(t, GUEST_AT_FDCWD, a[0], GUEST_AT_FDCWD, a[1], 0);
}

long sys_linkat(struct task *t, const uint32_t *a)
{
	return do_linkat(t, (int32_t)a[0], a[1], (int32_t)a[2], a[3], a[4]);
}

/* An inode change through a path: the object itself must be below a writable directory. */
static int object_for_change(struct task *t, int dirfd, uint32_t upath, bool follow,
			     const char *what)
{
	struct nameidata nd;
	int fd;
	int r = fs_lookup_user(t, dirfd, upath, follow, &nd, &fd);
	if (r == FS_RESOLVED_PROC) {
		nd_release(&nd);
		return -EPERM;
	}
	if (r)
		return r;
	nd_release(&nd);
	r = fs_may_write(t, fd, what);
	if (r) {
		close(fd);
		return r;
	}
	return fd;
}

static long do_fchmodat(struct task *t, int dirfd, uint32_t upath, uint32_t mode)
{
	int fd = object_for_change(t, dirfd, upath, true, "changing modes");
	if (fd < 0)
		return fd;
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	long r = chmod(p, mode & 07777) < 0 ? -errno : 0;
	close(fd);
	return r;
}

long sys_chmod(struct task *t, const uint32_t *a)
{
	return do_fchmodat(t, GUEST_AT_FDCWD, a[0], a[1]);
}

long sys_fchmodat(struct task *t, const uint32_t *a)
{
	return do_fchmodat(t, (int32_t)a[0], a[1], a[2]);
}

/* An inode change through a descriptor: any kind of object, inherited ones too. */
static int file_for_change(struct task *t, int gfd, const char *what, struct file **out)
{
	struct file *f = fget(t, gfd);
	if (!f)
		return -EBADF;
	int r = (f->f_flags & G_O_PATH) ? -EBADF : sandbox_may_change_file(t, f, what);
	if (r) {
		fput(f);
		return r;
	}
	*out = f;
	return 0;
}

long sys_fchmod(struct task *t, const uint32_t *a)
{
	struct file *f;
	int r = file_for_change(t, (int32_t)a[0], "changing modes", &f);
	if (r)
		return r;
	long ret = fchmod(f->host_fd, a[1] & 07777) < 0 ? -errno : 0;
	fput(f);
	return ret;
}

static long do_fchownat(struct task *t, int dirfd, uint32_t upath, uint32_t uid, uint32_t gid,
			bool follow)
{
	int fd = object_for_change(t, dirfd, upath, follow, "changing owners");
	if (fd < 0)
		return fd;
	long r = fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0 ? -errno : 0;
	close(fd);
	return r;
}

long sys_chown32(struct task *t, const uint32_t *a)
{
	return do_fchownat(t, GUEST_AT_FDCWD, a[0], a[1], a[2], true);
}

long sys_lchown32(struct task *t, const uint32_t *a)
{
	return do_fchownat(t, GUEST_AT_FDCWD, a[0], a[1], a[2], false);
}

long sys_fchownat(struct task *t, const uint32_t *a)
{
	return do_fchownat(t, (int32_t)a[0], a[1], a[2], a[3], !(a[4] & G_AT_SYMLINK_NOFOLLOW));
}

long sys_fchown32(struct task *t, const uint32_t *a)
{
	struct file *f;
	int r = file_for_change(t, (int32_t)a[0], "changing owners", &f);
	if (r)
		return r;
	long ret = fchown(f->host_fd, a[1], a[2]) < 0 ? -errno : 0;
	fput(f);
	return ret;
}

/* utimensat with 64-bit (time64) or 32-bit timespecs; UTIME_NOW is the virtual clock's
 * now would be wrong for a host file: the host's own UTIME_NOW is used. */
static long do_utimensat(struct task *t, int dirfd, uint32_t upath, uint32_t utimes,
			 uint32_t flags, bool time64)
{
	struct timespec ts[2];
	if (utimes) {
		if (time64) {
			int64_t v[4];
			if (copy_from_user(t, v, utimes, sizeof(v)))
				return -EFAULT;
			for (int i = 0; i < 2; i++)
				ts[i] = (struct timespec){.tv_sec = v[2 * i],
							  .tv_nsec = (long)(int32_t)v[2 * i + 1]};
		} else {
			int32_t v[4];
			if (copy_from_user(t, v, utimes, sizeof(v)))
				return -EFAULT;
			for (int i = 0; i < 2; i++)
				ts[i] = (struct timespec){.tv_sec = v[2 * i], .tv_nsec = v[2 * i + 1]};
		}
	}
	if (flags & ~(G_AT_SYMLINK_NOFOLLOW | G_AT_EMPTY_PATH))
		return -EINVAL;
	long r;
	if (!upath) { /* futimens */
		struct file *f;
		r = file_for_change(t, dirfd, "changing times", &f);
		if (r)
			return r;
		r = futimens(f->host_fd, utimes ? ts : NULL) < 0 ? -errno : 0;
		fput(f);
		return r;
	}
	int fd = object_for_change(t, dirfd, upath, !(flags & G_AT_SYMLINK_NOFOLLOW),
				   "changing times");
	if (fd < 0)
		return fd;
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISLNK(st.st_mode))
		r = utimensat(fd, "", utimes ? ts : NULL, AT_EMPTY_PATH) < 0 ? -errno : 0;
	else
		r = utimensat(AT_FDCWD, p, utimes ? ts : NULL, 0) < 0 ? -errno : 0;
	close(fd);
	return r;
}

long sys_utimensat(struct task *t, const uint32_t *a)
{
	return do_utimensat(t, (int32_t)a[0], a[1], a[2], a[3], false);
}

long sys_utimensat_time64(struct task *t, const uint32_t *a)
{
	return do_utimensat(t, (int32_t)a[0], a[1], a[2], a[3], true);
}

/* The parent of a name the kernel holds (not the guest's memory), refusing /proc. */
static int kernel_name_parent(struct task *t, const char *path, struct nameidata *nd)
{
	int r = fs_resolve_parent(t, GUEST_AT_FDCWD, path, false, nd);
	if (r == FS_RESOLVED_PROC) {
		nd_release(nd);
		return -EACCES;
	}
	return r;
}

int fs_mknod_socket(struct task *t, const char *path, uint64_t *dev, uint64_t *ino)
{
	struct nameidata nd;
	int r = kernel_name_parent(t, path, &nd);
	if (r)
		return r;
	struct stat st;
	if (!nd.last[0] || fstatat(nd.dirfd, nd.last, &st, AT_SYMLINK_NOFOLLOW) == 0)
		r = -EADDRINUSE;
	if (!r)
		r = fs_may_write(t, nd.dirfd, "binding a socket");
	if (!r && mknodat(nd.dirfd, nd.last, S_IFSOCK | (0777 & ~t->fs->umask), 0) < 0)
		r = -errno;
	if (!r && fstatat(nd.dirfd, nd.last, &st, AT_SYMLINK_NOFOLLOW) < 0)
		r = -errno;
	if (!r) {
		*dev = st.st_dev;
		*ino = st.st_ino;
	}
	nd_release(&nd);
	return r;
}

int fs_socket_node(struct task *t, const char *path, uint64_t *dev, uint64_t *ino)
{
	struct nameidata nd;
	int fd = -1;
	int r = fs_lookup(t, GUEST_AT_FDCWD, path, true, &nd, &fd);
	if (r == FS_RESOLVED_PROC) {
		nd_release(&nd);
		return -ECONNREFUSED;
	}
	if (r)
		return r;
	struct stat st;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (!S_ISSOCK(st.st_mode))
		r = -ECONNREFUSED;
	else {
		*dev = st.st_dev;
		*ino = st.st_ino;
	}
	close(fd);
	return r;
}

int fs_unlink_path(struct task *t, const char *path)
{
	struct nameidata nd;
	int r = kernel_name_parent(t, path, &nd);
	if (r)
		return r;
	if (!nd.last[0])
		r = -EISDIR;
	else if (!(r = fs_may_write(t, nd.dirfd, "removing a file")) && unlinkat(nd.dirfd, nd.last, 0) < 0)
		r = -errno;
	nd_release(&nd);
	return r;
}
