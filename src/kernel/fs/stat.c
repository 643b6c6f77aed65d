/*
 * stat64, lstat64, fstat64, fstatat64, statx and readlink (fs/stat.c): the host's answer in
 * the i386 layouts. struct stat64 is packed as i386 lays it out (64-bit members 4-byte
 * aligned); struct statx is the same on every architecture.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kernel/fs/file.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/fs_internal.h"
#include "kernel/fs/stat_i386.h"
#include "kernel/procfs.h"
#include "kernel/task.h"
#include "kernel/uaccess.h"

#define G_AT_SYMLINK_NOFOLLOW 0x100u
#define G_AT_NO_AUTOMOUNT 0x800u
#define G_AT_EMPTY_PATH 0x1000u
#define G_AT_STATX_SYNC_TYPE 0x6000u

/* new_encode_dev: the 32-bit dev_t the i386 ABI reports */
uint32_t encode_dev_i386(uint64_t dev)
{
	uint32_t ma = major(dev), mi = minor(dev);
	return (mi & 0xff) | (ma << 8) | ((mi & ~0xffu) << 12);
}

void stat64_from_host(const struct stat *st, struct stat64_i386 *o)
{
	memset(o, 0, sizeof(*o));
	o->st_dev = encode_dev_i386(st->st_dev);
	o->__st_ino = (uint32_t)st->st_ino;
	o->st_mode = st->st_mode;
	o->st_nlink = (uint32_t)st->st_nlink;
	o->st_uid = st->st_uid;
	o->st_gid = st->st_gid;
	o->st_rdev = encode_dev_i386(st->st_rdev);
	o->st_size = st->st_size;
	o->st_blksize = (uint32_t)st->st_blksize;
	o->st_blocks = (uint64_t)st->st_blocks;
	o->st_atime_ = (uint32_t)st->st_atim.tv_sec;
	o->st_atime_nsec = (uint32_t)st->st_atim.tv_nsec;
	o->st_mtime_ = (uint32_t)st->st_mtim.tv_sec;
	o->st_mtime_nsec = (uint32_t)st->st_mtim.tv_nsec;
	o->st_ctime_ = (uint32_t)st->st_ctim.tv_sec;
	o->st_ctime_nsec = (uint32_t)st->st_ctim.tv_nsec;
	o->st_ino = st->st_ino;
}

/* Looks up a guest path (or a descriptor with AT_EMPTY_PATH) and stats it on the host;
 * with hx, also the host's statx of a host object (hx->stx_mask 0 when there is none). */
static int vfs_stat(struct task *t, int dirfd, uint32_t upath, uint32_t flags, struct stat *st,
		    struct statx *hx)
{
	bool follow = !(flags & G_AT_SYMLINK_NOFOLLOW);
	if (hx)
		hx->stx_mask = 0;
	char *path = fs_name_alloc();
	if (!path)
		return -ENOMEM;
	int r;
	long l = strncpy_from_user(t, path, upath, PATH_MAX);
	if (l == 0 && (flags & G_AT_EMPTY_PATH) && dirfd != GUEST_AT_FDCWD) {
		free(path);
		struct file *f = fget(t, dirfd);
		if (!f)
			return -EBADF;
		r = 0;
		if (f->kind == FILE_HOST) {
			if (fstat(f->host_fd, st) < 0)
				r = -errno;
			else if (hx)
				statx(f->host_fd, "", AT_EMPTY_PATH,
				      STATX_BASIC_STATS | STATX_BTIME | STATX_MNT_ID, hx);
		} else {
			r = procfs_stat(t, f->path, true, st);
		}
		fput(f);
		return r;
	}
	if (l == 0 && (flags & G_AT_EMPTY_PATH))
		strcpy(path, ".");
	r = l < 0 ? (int)l : l == 0 ? -ENOENT : 0;
	struct nameidata nd;
	int fd = -1;
	if (!r)
		r = fs_lookup(t, dirfd, path, follow, &nd, &fd);
	free(path);
	if (r == FS_RESOLVED_PROC) {
		r = procfs_stat(t, nd.proc, follow, st);
		if (!r && nd.must_be_dir && !S_ISDIR(st->st_mode))
			r = -ENOTDIR;
		nd_release(&nd);
		return r;
	}
	if (r)
		return r;
	nd_release(&nd);
	if (fstat(fd, st) < 0)
		r = -errno;
	else if (hx)
		statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS | STATX_BTIME | STATX_MNT_ID, hx);
	close(fd);
	return r;
}

int fs_stat_fd_path(struct task *t, const char *guest, struct stat *st)
{
	struct nameidata nd;
	int fd = -1;
	int r = fs_lookup(t, GUEST_AT_FDCWD, guest, true, &nd, &fd);
	if (r == FS_RESOLVED_PROC) {
		r = procfs_stat(t, nd.proc, true, st);
		nd_release(&nd);
		return r;
	}
	if (r)
		return r;
	nd_release(&nd);
	r = fstat(fd, st) < 0 ? -errno : 0;
	close(fd);
	return r;
}

static long put_stat64(struct task *t, uint32_t ubuf, int r, const struct stat *st)
{
	if (r)
		return r;
	struct stat64_i386 o;
	stat64_from_host(st, &o);
	return copy_to_user(t, ubuf, &o, sizeof(o)) ? -EFAULT : 0;
}

long sys_stat64(struct task *t, const uint32_t *a)
{
	struct stat st;
	return put_stat64(t, a[1], vfs_stat(t, GUEST_AT_FDCWD, a[0], 0, &st, NULL), &st);
}

long sys_lstat64(struct task *t, const uint32_t *a)
{
	struct stat st;
	return put_stat64(t, a[1],
			  vfs_stat(t, GUEST_AT_FDCWD, a[0], G_AT_SYMLINK_NOFOLLOW, &st, NULL), &st);
}

long sys_fstatat64(struct task *t, const uint32_t *a)
{
	if (a[3] & ~(G_AT_SYMLINK_NOFOLLOW | G_AT_NO_AUTOMOUNT | G_AT_EMPTY_PATH))
		return -EINVAL;
	struct stat st;
	return put_stat64(t, a[2], vfs_stat(t, (int32_t)a[0], a[1], a[3], &st, NULL), &st);
}

long sys_fstat64(struct task *t, const uint32_t *a)
{
	struct file *f = fget(t, (int32_t)a[0]);
	if (!f)
		return -EBADF;
	struct stat st;
	int r = 0;
	if (f->kind == FILE_HOST)
		r = fstat(f->host_fd, &st) < 0 ? -errno : 0;
	else if (sysfs_is_modelled(f->path))
		r = sysfs_stat(t, f->path, &st);
	else
		r = procfs_stat(t, f->path, true, &st);
	if (!r && f->kind == FILE_PROC && !f->proc_dir && !sysfs_is_modelled(f->path))
		st.st_size = 0; /* as Linux: procfs files report size 0 */
	fput(f);
	return put_stat64(t, a[1], r, &st);
}

/* The fields a host statx has and a host stat lacks. */
static void statx_take_host(struct statx_i386 *o, const struct statx *hx)
{
	o->stx_mask = hx->stx_mask;
	o->stx_attributes = hx->stx_attributes;
	o->stx_attributes_mask = hx->stx_attributes_mask;
	o->stx_btime.tv_sec = hx->stx_btime.tv_sec;
	o->stx_btime.tv_nsec = hx->stx_btime.tv_nsec;
	o->stx_mnt_id = hx->stx_mnt_id;
}

void statx_from_host(const struct stat *st, struct statx_i386 *o)
{
	memset(o, 0, sizeof(*o));
	o->stx_mask = 0x7ffu; /* STATX_BASIC_STATS */
	o->stx_blksize = (uint32_t)st->st_blksize;
	o->stx_nlink = (uint32_t)st->st_nlink;
	o->stx_uid = st->st_uid;
	o->stx_gid = st->st_gid;
	o->stx_mode = (uint16_t)st->st_mode;
	o->stx_ino = st->st_ino;
	o->stx_size = (uint64_t)st->st_size;
	o->stx_blocks = (uint64_t)st->st_blocks;
	o->stx_atime.tv_sec = st->st_atim.tv_sec;
	o->stx_atime.tv_nsec = (uint32_t)st->st_atim.tv_nsec;
	o->stx_mtime.tv_sec = st->st_mtim.tv_sec;
	o->stx_mtime.tv_nsec = (uint32_t)st->st_mtim.tv_nsec;
	o->stx_ctime.tv_sec = st->st_ctim.tv_sec;
	o->stx_ctime.tv_nsec = (uint32_t)st->st_ctim.tv_nsec;
	o->stx_rdev_major = major(st->st_rdev);
	o->stx_rdev_minor = minor(st->st_rdev);
	o->stx_dev_major = major(st->st_dev);
	o->stx_dev_minor = minor(st->st_dev);
}

/* statx: for host files the host's own statx (birth time, attributes, mount id), else the
 * basic fields. */
long sys_statx(struct task *t, const uint32_t *a)
{
	int dirfd = (int32_t)a[0];
	uint32_t flags = a[2], mask = a[3];
	if (flags & ~(G_AT_SYMLINK_NOFOLLOW | G_AT_NO_AUTOMOUNT | G_AT_EMPTY_PATH |
		      G_AT_STATX_SYNC_TYPE))
		return -EINVAL;
	if ((flags & G_AT_STATX_SYNC_TYPE) == G_AT_STATX_SYNC_TYPE)
		return -EINVAL;
	if (mask & 0x80000000u) /* STATX__RESERVED */
		return -EINVAL;
	struct stat st;
	struct statx hx;
	int r = vfs_stat(t, dirfd, a[1], flags, &st, &hx);
	if (r)
		return r;
	struct statx_i386 o;
	statx_from_host(&st, &o);
	/* the host's statx for the fields stat lacks, when the object is a host file */
	if (hx.stx_mask && hx.stx_ino == st.st_ino)
		statx_take_host(&o, &hx);
	return copy_to_user(t, a[4], &o, sizeof(o)) ? -EFAULT : 0;
}

static long do_readlinkat(struct task *t, int dirfd, uint32_t upath, uint32_t ubuf,
			  int32_t bufsiz)
{
	if (bufsiz <= 0)
		return -EINVAL;
	char *path = fs_name_alloc(), *out = fs_name_alloc();
	long len = path && out ? fs_getname(t, upath, path, PATH_MAX) : -ENOMEM;
	struct nameidata nd;
	if (!len) {
		int r = fs_resolve_parent(t, dirfd, path, false, &nd);
		if (r == FS_RESOLVED_PROC)
			len = nd.must_be_dir ? -EINVAL : procfs_readlink(t, nd.proc, out, PATH_MAX);
		else if (r)
			len = r;
		else if (!nd.last[0])
			len = -EINVAL;
		else if ((len = readlinkat(nd.dirfd, nd.last, out, PATH_MAX)) < 0)
			len = -errno;
		if (r >= 0)
			nd_release(&nd);
	}
	if (len > bufsiz)
		len = bufsiz;
	if (len >= 0 && copy_to_user(t, ubuf, out, (size_t)len))
		len = -EFAULT;
	free(path);
	free(out);
	return len;
}

long sys_readlink(struct task *t, const uint32_t *a)
{
	return do_readlinkat(t, GUEST_AT_FDCWD, a[0], a[1], (int32_t)a[2]);
}

long sys_readlinkat(struct task *t, const uint32_t *a)
{
	return do_readlinkat(t, (int32_t)a[0], a[1], a[2], (int32_t)a[3]);
}
