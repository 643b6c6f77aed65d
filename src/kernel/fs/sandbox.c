/*
 * The sandbox's decisions, in one place (docs/sandbox.md): which host objects the guest may
 * reach and which it may change. namei.c walks paths and asks sandbox_enter_dir at each
 * directory; every open of a host object (by path, by /proc/self/fd/N or /dev/fd/N, by
 * fs_open_host) goes through sandbox_open_object; every change of an inode or a directory
 * (by path or by descriptor) goes through fs_may_write or sandbox_may_change_file.
 *
 * - Reading: anything below --root, and the descriptors vmlab hands over (0, 1, 2).
 * - Changing: only objects below a --rw directory, whatever their kind (file, directory,
 *   symlink, FIFO, device node, socket), judged on the object the host descriptor holds
 *   (its canonical path as the host kernel knows it, so no name can lie about it).
 * - Devices: only the ones vmlab models (sandbox_device); any other node gives ENXIO, as
 *   a node without a driver does, and never reaches the host device.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kernel/fs/file.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/fs_internal.h"
#include "kernel/task.h"

#define PROC_SUPER_MAGIC_ 0x9fa0

int fs_may_write(struct task *t, int host_fd, const char *what)
{
	struct fs_struct *fs = t->fs;
	int r = fs_host_path_under(host_fd, (const char *const *)fs->rw_host, fs->nrw);
	if (r != -ENOENT)
		return r;
	if (!fs->reported_denied) {
		char *guest = fs_name_alloc();
		if (guest && fs_guest_path_of_fd(t, host_fd, guest, PATH_MAX))
			snprintf(guest, PATH_MAX, "a descriptor");
		fprintf(stderr,
			"vmlab: %s in %s refused: not below a writable directory (--rw DIR); "
			"the program sees EROFS (reported once)\n",
			what, guest ? guest : "?");
		free(guest);
		fs->reported_denied = true;
	}
	return -EROFS;
}

int sandbox_may_change_file(struct task *t, struct file *f, const char *what)
{
	if (f->kind != FILE_HOST)
		return -EPERM; /* procfs and sysfs files are not changed */
	if (f->anon_pipe)
		return 0; /* a pipe vmlab made for the guest is the guest's own */
	return fs_may_write(t, f->host_fd, what);
}

int sandbox_enter_dir(struct task *t, int fd, const struct stat *st, uint64_t from_dev)
{
	(void)t;
	if (from_dev && st->st_dev == from_dev)
		return 0; /* no mount crossed */
	/* The host's procfs (a bind mount, a --root inside /proc) would show vmlab's own
	 * process: its memory, its descriptors. The guest's procfs is the only one. */
	struct statfs sf;
	if (fstatfs(fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC_)
		return -EACCES;
	return 0;
}

enum vdev sandbox_device(struct task *t, const struct stat *st)
{
	if (!S_ISCHR(st->st_mode))
		return DEV_NONE;
	unsigned ma = major(st->st_rdev), mi = minor(st->st_rdev);
	if (ma == 1) {
		switch (mi) {
		case 3: return DEV_NULL;
		case 5: return DEV_ZERO;
		case 7: return DEV_FULL;
		case 8: return DEV_RANDOM;
		case 9: return DEV_URANDOM;
		}
	}
	if (ma == 5 && mi == 0)
		return DEV_TTY; /* the controlling terminal */
	for (int i = 0; i < 3; i++)
		if (t->fs->std_rdev[i] && t->fs->std_rdev[i] == st->st_rdev)
			return DEV_TTY; /* the terminal vmlab runs on */
	return DEV_NONE;
}

/* A reopen through /proc/self/fd/N of a stream the guest already holds (a pipe, a FIFO, a
 * terminal) with no more access than that descriptor has: no new object is reached. */
static bool reopen_within(const struct file *via, const struct stat *st, uint32_t gflags)
{
	if (!via || (via->f_flags & G_O_PATH))
		return false;
	if (!via->anon_pipe && !S_ISFIFO(st->st_mode) && !S_ISCHR(st->st_mode))
		return false;
	uint32_t want = gflags & G_O_ACCMODE, have = via->f_flags & G_O_ACCMODE;
	bool wr = want == G_O_WRONLY || want == G_O_RDWR,
	     rd = want == G_O_RDONLY || want == G_O_RDWR;
	bool hwr = have == G_O_WRONLY || have == G_O_RDWR,
	     hrd = have == G_O_RDONLY || have == G_O_RDWR;
	return (!wr || hwr) && (!rd || hrd) && !(gflags & G_O_TRUNC);
}

int sandbox_open_object(struct task *t, int obj, uint32_t gflags, struct file *via)
{
	struct stat st;
	if (fstat(obj, &st) < 0)
		return -errno;
	/* nothing on a host procfs (an inherited descriptor may be there) is opened */
	struct statfs sf;
	if (fstatfs(obj, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC_)
		return -EACCES;
	if (gflags & G_O_PATH) {
		int fd = fcntl(obj, F_DUPFD_CLOEXEC, 3);
		return fd < 0 ? -errno : fd;
	}
	if (S_ISLNK(st.st_mode))
		return -ELOOP; /* O_NOFOLLOW met a symlink */
	if (S_ISSOCK(st.st_mode))
		return -ENXIO; /* sockets are not opened (no_open) */
	if (S_ISBLK(st.st_mode) || (S_ISCHR(st.st_mode) && sandbox_device(t, &st) == DEV_NONE))
		return -ENXIO; /* no device behind this node in the guest's machine */
	bool wants_write = (gflags & G_O_ACCMODE) != G_O_RDONLY || (gflags & G_O_TRUNC);
	if (S_ISDIR(st.st_mode) && wants_write)
		return -EISDIR;
	if (wants_write && !S_ISCHR(st.st_mode) && !reopen_within(via, &st, gflags)) {
		int r = fs_may_write(t, obj, "opening for writing");
		if (r)
			return r;
	}
	int hflags = host_open_flags(gflags) & ~(O_CREAT | O_EXCL | O_TRUNC | O_NOFOLLOW);
	/* a FIFO is never waited on by the host: vmlab decides what a wait means (read_write.c) */
	if (S_ISFIFO(st.st_mode))
		hflags |= O_NONBLOCK;
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", obj);
	int fd = open(link, hflags);
	if (fd < 0) {
		int e = errno;
		if (e == ENXIO && S_ISFIFO(st.st_mode) && !(gflags & G_O_NONBLOCK))
			return (int)fs_would_block_forever(t,
							   "opening a FIFO that no process reads");
		return -e;
	}
	return fd;
}
