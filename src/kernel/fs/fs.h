/*
 * The guest's view of the host file system: every path is resolved below a root directory
 * (--root, default /) so that neither ".." nor a symlink can leave it, and writes (create,
 * truncate, open for writing, unlink, rename, mkdir, rmdir) are allowed only below the
 * directories the user names (--rw DIR, repeatable; default: the current directory and /tmp).
 * Paths under /proc are served by procfs.c instead (synthetic files made at open time).
 *
 * Resolution uses openat2(RESOLVE_IN_ROOT) from a descriptor of the root: the host kernel
 * then treats the root as "/" for "..", absolute symlinks and magic links alike.
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
	char *cwd;          /* the guest's working directory, a canonical guest path */
	int cwd_fd;         /* O_PATH descriptor of it */
	uint32_t umask;
	char **rw_host;     /* canonical host paths of the writable directories */
	size_t nrw;
	bool reported_denied;
};

/* Path resolution results. */
struct nameidata {
	int dirfd;          /* O_PATH host descriptor of the parent directory (owned) */
	char last[256];     /* the last component ("" when the path names the root or ends
			       in "." or ".."; then dirfd is the object itself) */
	char guest[4096];   /* canonical guest path of the parent (or the object) */
	bool must_be_dir;   /* the path ended in "/": the object has to be a directory */
	int dots;           /* last is empty because the path ended in "." (1), ".." (2), or
			       named the root (3): the kinds rmdir tells apart */
};

/* The host path of a host descriptor relative to the root as the guest sees it. */
int fs_guest_path_of_fd(struct task *t, int host_fd, char *buf, size_t n);

/* Opens path (relative to the guest directory dirfd, or AT_FDCWD) through the sandbox with
 * host open flags; returns a host descriptor or -errno. */
int fs_open_host(struct task *t, int dirfd, const char *path, int host_flags, uint32_t mode,
		 bool follow);
/* Resolves everything but the last component (following symlinks in the last component too
 * when follow is set, up to 40 links). 0 or -errno; release with nd_release.
 * FS_RESOLVED_PROC (positive) when a followed symlink led into /proc: nd->guest is then the
 * normalised procfs path and there is no descriptor. */
#define FS_RESOLVED_PROC 1
int fs_resolve_parent(struct task *t, int dirfd, const char *path, bool follow,
		      struct nameidata *nd);
void nd_release(struct nameidata *nd);
/* 0 when writes are allowed at host descriptor fd (a directory or file), else -EROFS with a
 * one-time note on stderr. */
int fs_may_write(struct task *t, int host_fd, const char *what);

/* Copies a guest path string (at most PATH_MAX); 0 or -errno (-EFAULT, -ENAMETOOLONG,
 * -ENOENT for ""). */
int fs_getname(struct task *t, uint32_t upath, char *buf, size_t n);

/* True when the canonical (lexically normalised) guest path lies in /proc: filled into
 * out as the normalised path. */
bool fs_is_proc_path(struct task *t, int dirfd, const char *path, char *out, size_t n);
/* True when the normalised guest path (filled into out) is a sysfs file vmlab models
 * (sysfs.c); any other /sys path is the host's. */
bool fs_is_sysfs_path(struct task *t, int dirfd, const char *path, char *out, size_t n);
bool sysfs_is_modelled(const char *norm);
/* Opens a modelled sysfs file (contents generated now, read-only): the file, or NULL and
 * *err. */
struct file *sysfs_open(struct task *t, const char *norm, uint32_t flags, int *err);
/* fstat of an open modelled sysfs file: what the path itself stats to (the root's /sys),
 * or, without one, a 0444 regular file of 4096 bytes as sysfs attributes report. */
struct stat;
int sysfs_stat(struct task *t, const char *norm, struct stat *st);
#endif
