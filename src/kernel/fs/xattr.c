/*
 * getxattr, lgetxattr, fgetxattr, listxattr, llistxattr, flistxattr (fs/xattr.c): extended
 * attributes are read from the host object the guest path or descriptor resolves to (inside
 * the sandbox). Guest procfs and sysfs objects have no xattr handler: getxattr is
 * EOPNOTSUPP and the list is empty, as on Linux without an LSM. Setting and removing
 * attributes stay unimplemented (ENOSYS): no guest change reaches host metadata.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "kernel/fs/file.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/fs_internal.h"
#include "kernel/task.h"
#include "kernel/uaccess.h"

#define XATTR_NAME_MAX_ 255
#define XATTR_SIZE_MAX_ 65536u
#define XATTR_LIST_MAX_ 65536u

/* What a guest path or descriptor names: a host path (the object itself, not followed
 * further), or a pseudo-file-system object. */
struct xtarget {
	char host[PATH_MAX];
	bool pseudo;
	int fd; /* FILE_HOST descriptor targets: the host descriptor (not owned) */
};

static int host_path_of(int fd, char *buf)
{
	char link[64];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, buf, PATH_MAX - 1);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return 0;
}

static int target_path(struct task *t, uint32_t upath, bool follow, struct xtarget *x)
{
	struct nameidata nd;
	int fd;
	x->pseudo = false;
	x->fd = -1;
	int r = fs_lookup_user(t, GUEST_AT_FDCWD, upath, follow, &nd, &fd);
	if (r == FS_RESOLVED_PROC) {
		x->pseudo = true;
		nd_release(&nd);
		return 0;
	}
	if (r)
		return r;
	nd_release(&nd);
	r = host_path_of(fd, x->host);
	close(fd);
	return r;
}

static long copy_name(struct task *t, uint32_t uname, char *name)
{
	long l = strncpy_from_user(t, name, uname, XATTR_NAME_MAX_ + 1);
	if (l < 0)
		return l == -ENAMETOOLONG ? -ERANGE : l;
	if (l == 0 || l > XATTR_NAME_MAX_)
		return -ERANGE;
	return 0;
}

/* getxattr: the value into the guest buffer, or its size when size is 0. */
static long get_value(struct task *t, const struct xtarget *x, const char *name, uint32_t uval,
		      uint32_t size)
{
	if (x->pseudo)
		return -EOPNOTSUPP;
	if (size > XATTR_SIZE_MAX_)
		size = XATTR_SIZE_MAX_;
	char *buf = malloc(size ? size : 1);
	if (!buf)
		return -ENOMEM;
	ssize_t n = x->fd >= 0 ? fgetxattr(x->fd, name, size ? buf : NULL, size)
			       : lgetxattr(x->host, name, size ? buf : NULL, size);
	long r = n < 0 ? -errno : n;
	if (n > 0 && size && copy_to_user(t, uval, buf, (size_t)n))
		r = -EFAULT;
	free(buf);
	return r;
}

static long list_names(struct task *t, const struct xtarget *x, uint32_t ulist, uint32_t size)
{
	if (x->pseudo)
		return 0;
	if (size > XATTR_LIST_MAX_)
		size = XATTR_LIST_MAX_;
	char *buf = malloc(size ? size : 1);
	if (!buf)
		return -ENOMEM;
	ssize_t n = x->fd >= 0 ? flistxattr(x->fd, size ? buf : NULL, size)
			       : llistxattr(x->host, size ? buf : NULL, size);
	long r = n < 0 ? -errno : n;
	if (n > 0 && size && copy_to_user(t, ulist, buf, (size_t)n))
		r = -EFAULT;
	free(buf);
	return r;
}

static long path_getxattr(struct task *t, const uint32_t *a, bool follow)
{
	char name[XATTR_NAME_MAX_ + 1];
	struct xtarget x;
	long r = target_path(t, a[0], follow, &x);
	if (!r)
		r = copy_name(t, a[1], name);
	return r ? r : get_value(t, &x, name, a[2], a[3]);
}

static long path_listxattr(struct task *t, const uint32_t *a, bool follow)
{
	struct xtarget x;
	long r = target_path(t, a[0], follow, &x);
	return r ? r : list_names(t, &x, a[1], a[2]);
}

/* A descriptor's target; O_PATH descriptors are EBADF here, as fdget refuses them. */
static struct file *target_fd(struct task *t, int gfd, struct xtarget *x)
{
	struct file *f = fget(t, gfd);
	if (!f)
		return NULL;
	if (f->f_flags & G_O_PATH) {
		fput(f);
		return NULL;
	}
	x->pseudo = f->kind != FILE_HOST;
	x->fd = f->kind == FILE_HOST ? f->host_fd : -1;
	return f;
}

long sys_getxattr(struct task *t, const uint32_t *a)
{
	return path_getxattr(t, a, true);
}

long sys_lgetxattr(struct task *t, const uint32_t *a)
{
	return path_getxattr(t, a, false);
}

long sys_fgetxattr(struct task *t, const uint32_t *a)
{
	struct xtarget x;
	struct file *f = target_fd(t, (int)a[0], &x);
	if (!f)
		return -EBADF;
	char name[XATTR_NAME_MAX_ + 1];
	long r = copy_name(t, a[1], name);
	if (!r)
		r = get_value(t, &x, name, a[2], a[3]);
	fput(f);
	return r;
}

long sys_listxattr(struct task *t, const uint32_t *a)
{
	return path_listxattr(t, a, true);
}

long sys_llistxattr(struct task *t, const uint32_t *a)
{
	return path_listxattr(t, a, false);
}

long sys_flistxattr(struct task *t, const uint32_t *a)
{
	struct xtarget x;
	struct file *f = target_fd(t, (int)a[0], &x);
	if (!f)
		return -EBADF;
	long r = list_names(t, &x, a[1], a[2]);
	fput(f);
	return r;
}
