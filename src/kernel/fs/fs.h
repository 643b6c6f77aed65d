/*
 * The guest's view of the host file system: every path is resolved below a root directory
 * (--root, default /) so that neither ".." nor a symlink can leave it, and writes (create,
 * truncate, open for writing, unlink, rename, mkdir, rmdir) are allowed only below the
 * directories the user names (--rw DIR, repeatable; default: the current directory and /tmp).
 * Paths under /proc are served by procfs.c instead (synthetic files made at open time).
 *
 * Resolution walks the path component by component from held host descriptors (namei.c);
 * what may be reached and changed is decided in sandbox.c (docs/sandbox.md).
 *
 * For the run command (src/cli/cmd_run.c):
 *   struct fs_config fc; fs_config_init(&fc);
 *   for each option: r = fs_parse_option(&fc, argv[i], argv[i + 1]);
 *       r == 0: not an fs option; r == 1: "--rw=DIR"/"--root=DIR" form, one argument used;
 *       r == 2: "--rw DIR" form, two arguments used; r < 0: bad value (message printed).
 *   fs_setup(t, &fc) after the task exists (opens the root, fd 0-2 = host stdin/out/err);
 *   fs_teardown(t) at exit; fs_config_free(&fc).
 *   fs_usage() is the help text for these options.
 */
#ifndef VMLAB_KERNEL_FS_FS_H
#define VMLAB_KERNEL_FS_FS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

struct task;

struct fs_config {
	char *root;     /* host directory the guest sees as "/" (NULL: "/") */
	char **rw;      /* guest paths below which writes are allowed (NULL: cwd and /tmp) */
	size_t nrw;
	bool rw_given;  /* --rw was used: the defaults no longer apply */
};

void fs_config_init(struct fs_config *c);
void fs_config_free(struct fs_config *c);
int fs_parse_option(struct fs_config *c, const char *opt, const char *next);
const char *fs_usage(void);

/* 0 or -errno (a message on stderr says what was wrong). */
int fs_setup(struct task *t, const struct fs_config *c);
void fs_teardown(struct task *t);

struct fs_struct {
	int root_fd;        /* O_PATH descriptor of the host root directory */
	char *root_host;    /* its canonical host path ("" for "/") */
	uint64_t root_dev, root_ino; /* its identity: ".." stops there, "proc" there is procfs */
	int cwd_fd;         /* O_PATH descriptor of the working directory (a host one) */
	char *cwd_proc;     /* the working directory when it is a procfs one, else NULL */
	uint32_t umask;
	char **rw_host;     /* canonical host paths of the writable directories */
	size_t nrw;
	uint64_t std_rdev[3]; /* the devices vmlab's stdin/out/err are (0: not a device) */
	bool reported_denied;
	struct shmdir *shmdir; /* /dev/shm (shmdir.h), shared by copies, or NULL */
};

/* Path resolution results (namei.c). The walk goes component by component from a held
 * host descriptor (the root, the working directory or the *at descriptor), so a rename
 * elsewhere cannot redirect it, and every symlink (and every procfs link) is followed by
 * vmlab through the guest's view: ".." stops at the root, absolute targets restart at the
 * root, "proc" in the root is the guest's procfs. */
struct nameidata {
	int dirfd;          /* O_PATH host descriptor of the parent directory (owned), or of
			       the object itself when last is empty */
	char last[256];     /* the last component ("" when the path names the root, ends in
			       "." or "..", or a followed procfs magic link named an object) */
	bool must_be_dir;   /* the path ended in "/": the object has to be a directory */
	int dots;           /* last is empty because the path ended in "." (1), ".." (2),
			       named the root (3), or a magic link's object (4) */
	char *proc;         /* FS_RESOLVED_PROC: the normalised procfs path (owned) */
	struct file *via;   /* dots 4 through /proc/self/fd/N: that descriptor's file (a
			       reference: a reopen may not widen its access) */
};

/* The guest path of a host descriptor: relative to the root when inside it, else the
 * host's path (an inherited descriptor). 0 or -errno. */
int fs_guest_path_of_fd(struct task *t, int host_fd, char *buf, size_t n);
/* The guest's working directory as getcwd reports it (-ENOENT once it was removed). */
int fs_cwd_path(struct task *t, char *buf, size_t n);

/* Opens path (relative to the guest directory dirfd, or AT_FDCWD) through the sandbox with
 * host open flags (the same numbers as the guest's on x86): every check of a guest open
 * applies (sandbox.c), a procfs object gives -EACCES; a host descriptor or -errno. */
int fs_open_host(struct task *t, int dirfd, const char *path, int host_flags, uint32_t mode,
		 bool follow);
/* Resolves everything but the last component (following symlinks in the last component too
 * when follow is set, up to 40 links). 0 or -errno; release with nd_release.
 * FS_RESOLVED_PROC (positive) when the path names something in the guest's procfs: nd->proc
 * is then the normalised procfs path and there is no descriptor. */
#define FS_RESOLVED_PROC 1
int fs_resolve_parent(struct task *t, int dirfd, const char *path, bool follow,
		      struct nameidata *nd);
void nd_release(struct nameidata *nd);
/* The object a path names: a host O_PATH descriptor in *fd (owned), or FS_RESOLVED_PROC and
 * the procfs path in nd->proc (release nd then); via as in nameidata. 0 or -errno. */
int fs_lookup(struct task *t, int dirfd, const char *path, bool follow, struct nameidata *nd,
	      int *fd);
/* fs_lookup of the guest's name at upath (fs_getname's errors first). */
int fs_lookup_user(struct task *t, int dirfd, uint32_t upath, bool follow, struct nameidata *nd,
		   int *fd);

/* bind(2) of a unix socket to path: creates its node (S_IFSOCK, 0777 & ~umask) through
 * the sandbox, EADDRINUSE when the name exists; the node's identity in dev, ino. */
int fs_mknod_socket(struct task *t, const char *path, uint64_t *dev, uint64_t *ino);
/* connect(2) to path: the identity of the socket node it names (symlinks followed);
 * -ENOENT and the lookup's errors, -ECONNREFUSED when it is not a socket. */
int fs_socket_node(struct task *t, const char *path, uint64_t *dev, uint64_t *ino);
/* unlink(2) of a kernel-side name (bind's undo). 0 or -errno. */
int fs_unlink_path(struct task *t, const char *path);

/* ---- the sandbox's decisions (sandbox.c): the one place that says what may be reached
 * and what may be changed ---- */

/* 0 when the host object behind descriptor fd (any kind) lies below a writable directory,
 * else -EROFS with a one-time note on stderr. */
int fs_may_write(struct task *t, int host_fd, const char *what);
/* A change of the inode behind an open guest file (fchmod, fchown, futimens, ftruncate):
 * 0, or -EROFS as fs_may_write; vmlab's own pipes are the guest's to change. */
struct file;
int sandbox_may_change_file(struct task *t, struct file *f, const char *what);
/* Opens the object held by the O_PATH descriptor obj for guest flags gflags (O_TRUNC is
 * left to the caller): refuses devices vmlab does not model (ENXIO), sockets (ENXIO),
 * writes outside --rw (EROFS), widening a reopened descriptor (via); FIFOs are opened
 * non-blocking on the host. A new host descriptor (obj is not consumed) or -errno. */
int sandbox_open_object(struct task *t, int obj, uint32_t gflags, struct file *via);
/* 0 when the walk may enter the host directory fd (not on a host procfs mount). */
int sandbox_enter_dir(struct task *t, int fd, const struct stat *st, uint64_t from_dev);
/* The modelled device a host device number is, or DEV_NONE. */
enum vdev { DEV_NONE, DEV_NULL, DEV_ZERO, DEV_FULL, DEV_RANDOM, DEV_URANDOM, DEV_TTY };
enum vdev sandbox_device(struct task *t, const struct stat *st);

/* Copies a guest path string (at most PATH_MAX); 0 or -errno (-EFAULT, -ENAMETOOLONG,
 * -ENOENT for ""). */
int fs_getname(struct task *t, uint32_t upath, char *buf, size_t n);

/* True when the normalised guest path (filled into out) is a sysfs file vmlab models
 * (sysfs.c); any other /sys path is the host's. */
bool fs_is_sysfs_path(struct task *t, int dirfd, const char *path, char *out, size_t n);
bool sysfs_is_modelled(const char *norm);
/* Opens a modelled sysfs file (contents generated now, read-only): the file, or NULL and
 * *err. */
struct file *sysfs_open(struct task *t, const char *norm, uint32_t flags, int *err);
/* fstat of an open modelled sysfs file: what the path itself stats to (the root's /sys),
 * or, without one, a 0444 regular file of 4096 bytes as sysfs attributes report. */
int sysfs_stat(struct task *t, const char *norm, struct stat *st);
#endif
