/*
 * statfs, fstatfs, statfs64, fstatfs64 (fs/statfs.c) and fadvise64, fadvise64_64
 * (mm/fadvise.c). A host object is described by the host's statfs, in the i386 layouts;
 * ST_RDONLY is added where the sandbox refuses changes (outside every --rw directory), as
 * a read-only mount reports itself. procfs and sysfs objects are the guest's own file
 * systems, reported as simple_statfs reports them.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "kernel/fs/file.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/fs_internal.h"
#include "kernel/syscalls/syscall.h"
#include "kernel/task.h"
#include "kernel/uaccess.h"

#define ST_RDONLY_ 0x0001u
#define ST_NOSUID_ 0x0002u
#define ST_NODEV_ 0x0004u
#define ST_NOEXEC_ 0x0008u
#define ST_VALID_ 0x0020u
#define ST_RELATIME_ 0x0400u
#define PROC_SUPER_MAGIC_ 0x9fa0u
#define SYSFS_MAGIC_ 0x62656572u

struct kstatfs {
	uint32_t f_type, f_bsize;
	uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	uint32_t f_fsid[2], f_namelen, f_frsize, f_flags;
};

/* i386 struct statfs64 (packed: 64-bit members 4-byte aligned): 84 bytes. */
struct __attribute__((packed, aligned(4))) statfs64_i386 {
	uint32_t f_type, f_bsize;
	uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	uint32_t f_fsid[2], f_namelen, f_frsize, f_flags, f_spare[4];
};
_Static_assert(sizeof(struct statfs64_i386) == 84, "i386 struct statfs64");

/* i386 struct statfs: 64 bytes. */
struct statfs_i386 {
	uint32_t f_type, f_bsize, f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	uint32_t f_fsid[2], f_namelen, f_frsize, f_flags, f_spare[4];
};
_Static_assert(sizeof(struct statfs_i386) == 64, "i386 struct statfs");

static int host_statfs(struct task *t, int host_fd, struct kstatfs *k)
{
	struct statfs s;
	if (fstatfs(host_fd, &s) < 0)
		return -errno;
	memset(k, 0, sizeof *k);
	k->f_type = (uint32_t)s.f_type;
	k->f_bsize = (uint32_t)s.f_bsize;
	k->f_blocks = s.f_blocks;
	k->f_bfree = s.f_bfree;
	k->f_bavail = s.f_bavail;
	k->f_files = s.f_files;
	k->f_ffree = s.f_ffree;
	memcpy(k->f_fsid, &s.f_fsid, sizeof k->f_fsid);
	k->f_namelen = (uint32_t)s.f_namelen;
	k->f_frsize = (uint32_t)(s.f_frsize ? s.f_frsize : s.f_bsize);
	k->f_flags = (uint32_t)s.f_flags | ST_VALID_;
	struct fs_struct *fs = t->fs;
	if (!fs || fs_host_path_under(host_fd, (const char *const *)fs->rw_host, fs->nrw))
		k->f_flags |= ST_RDONLY_;
	return 0;
}

/* simple_statfs of the guest's procfs or sysfs, mounted nosuid,nodev,noexec,relatime. */
static void pseudo_statfs(const char *path, struct kstatfs *k)
{
	memset(k, 0, sizeof *k);
	k->f_type = strncmp(path, "/sys", 4) == 0 ? SYSFS_MAGIC_ : PROC_SUPER_MAGIC_;
	k->f_bsize = k->f_frsize = 4096;
	k->f_namelen = 255;
	k->f_flags = ST_VALID_ | ST_NOSUID_ | ST_NODEV_ | ST_NOEXEC_ | ST_RELATIME_;
}

static int statfs_path(struct task *t, uint32_t upath, struct kstatfs *k)
{
	struct nameidata nd;
	int fd;
	int r = fs_lookup_user(t, GUEST_AT_FDCWD, upath, true, &nd, &fd);
	if (r == FS_RESOLVED_PROC) {
		pseudo_statfs(nd.proc, k);
		nd_release(&nd);
		return 0;
	}
	if (r)
		return r;
	nd_release(&nd);
	r = host_statfs(t, fd, k);
	close(fd);
	return r;
}

static int statfs_fd(struct task *t, int gfd, struct kstatfs *k)
{
	struct file *f = fget(t, gfd);
	if (!f)
		return -EBADF;
	int r = 0;
	if (f->kind == FILE_HOST)
		r = host_statfs(t, f->host_fd, k);
	else
		pseudo_statfs(f->path ? f->path : "/proc", k);
	fput(f);
	return r;
}

static long put_statfs64(struct task *t, uint32_t size, uint32_t ubuf, int r,
			 const struct kstatfs *k)
{
	if (r)
		return r;
	if (size != sizeof(struct statfs64_i386))
		return -EINVAL;
	struct statfs64_i386 o = {0};
	o.f_type = k->f_type;
	o.f_bsize = k->f_bsize;
	o.f_blocks = k->f_blocks;
	o.f_bfree = k->f_bfree;
	o.f_bavail = k->f_bavail;
	o.f_files = k->f_files;
	o.f_ffree = k->f_ffree;
	memcpy(o.f_fsid, k->f_fsid, sizeof o.f_fsid);
	o.f_namelen = k->f_namelen;
	o.f_frsize = k->f_frsize;
	o.f_flags = k->f_flags;
	return copy_to_user(t, ubuf, &o, sizeof o) ? -EFAULT : 0;
}

/* do_statfs_native: counts that do not fit 32 bits are EOVERFLOW (files may be -1). */
static long put_statfs(struct task *t, uint32_t ubuf, int r, const struct kstatfs *k)
{
	if (r)
		return r;
	const uint64_t hi = 0xffffffff00000000ull;
	if ((k->f_blocks | k->f_bfree | k->f_bavail) & hi)
		return -EOVERFLOW;
	if ((k->f_files != ~0ull && (k->f_files & hi)) ||
	    (k->f_ffree != ~0ull && (k->f_ffree & hi)))
		return -EOVERFLOW;
	struct statfs_i386 o = {0};
	o.f_type = k->f_type;
	o.f_bsize = k->f_bsize;
	o.f_blocks = (uint32_t)k->f_blocks;
	o.f_bfree = (uint32_t)k->f_bfree;
	o.f_bavail = (uint32_t)k->f_bavail;
	o.f_files = (uint32_t)k->f_files;
	o.f_ffree = (uint32_t)k->f_ffree;
	memcpy(o.f_fsid, k->f_fsid, sizeof o.f_fsid);
	o.f_namelen = k->f_namelen;
	o.f_frsize = k->f_frsize;
	o.f_flags = k->f_flags;
	return copy_to_user(t, ubuf, &o, sizeof o) ? -EFAULT : 0;
}

long sys_statfs(struct task *t, const uint32_t *a)
{
	struct kstatfs k;
	return put_statfs(t, a[1], statfs_path(t, a[0], &k), &k);
}

long sys_fstatfs(struct task *t, const uint32_t *a)
{
	struct kstatfs k;
	return put_statfs(t, a[1], statfs_fd(t, (int)a[0], &k), &k);
}

long sys_statfs64(struct task *t, const uint32_t *a)
{
	struct kstatfs k;
	return put_statfs64(t, a[1], a[2], statfs_path(t, a[0], &k), &k);
}

long sys_fstatfs64(struct task *t, const uint32_t *a)
{
	struct kstatfs k;
	return put_statfs64(t, a[1], a[2], statfs_fd(t, (int)a[0], &k), &k);
}

/*
 * ksys_fadvise64_64: the checks Linux makes. The advice itself changes nothing vmlab models:
 * host files count as page-cached already (docs/run.md) and there is no readahead window.
 */
static long do_fadvise(struct task *t, int gfd, int64_t offset, int64_t len, uint32_t advice)
{
	(void)offset;
	struct file *f = fget(t, gfd);
	if (!f)
		return -EBADF;
	if (f->f_flags & G_O_PATH) {
		fput(f);
		return -EBADF;
	}
	long r = 0;
	struct stat st;
	if (f->anon_pipe ||
	    (f->kind == FILE_HOST && fstat(f->host_fd, &st) == 0 && S_ISFIFO(st.st_mode)))
		r = -ESPIPE;
	else if (advice > 5 || len < 0) /* NORMAL RANDOM SEQUENTIAL WILLNEED DONTNEED NOREUSE */
		r = -EINVAL;
	fput(f);
	return r;
}

long sys_fadvise64(struct task *t, const uint32_t *a)
{
	/* len is a size_t here: never negative */
	return do_fadvise(t, (int)a[0], (int64_t)syscall_arg_u64(a, 1), a[3], a[4]);
}

long sys_fadvise64_64(struct task *t, const uint32_t *a)
{
	return do_fadvise(t, (int)a[0], (int64_t)syscall_arg_u64(a, 1),
			  (int64_t)syscall_arg_u64(a, 3), a[5]);
}
