/*
 * procfs inside the guest: paths under /proc name synthetic files whose contents are
 * generated when they are opened (as seq_file does for a read from the start), from the
 * task's address space, counters and kernel memory. oom_score_adj and oom_adj are writable.
 */
#ifndef VMLAB_KERNEL_PROCFS_H
#define VMLAB_KERNEL_PROCFS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

struct task;
struct file;

/* uname -r, /proc/version: a 6.1 i386 kernel */
#define VMLAB_UTS_RELEASE "6.1.0-vmlab"

/* path is a normalised guest path starting with /proc. A new struct file, or NULL with
 * *err (-ENOENT, -EACCES for writes, -ENOTDIR, -EISDIR). */
struct file *procfs_open(struct task *t, const char *path, uint32_t flags, int *err);
/* The target of a procfs symlink (/proc/self, /proc/self/exe, cwd, root, fd/N): its length,
 * or -EINVAL (not a link), -ENOENT. */
int procfs_readlink(struct task *t, const char *path, char *buf, size_t n);
/* What a normalised procfs path names, for the path walk (fs/namei.c): the magic links
 * (fd/N with *fd set, cwd, root) lead to an object rather than to a name. */
enum procfs_kind {
	PROCFS_NONE,
	PROCFS_DIR,
	PROCFS_FILE,
	PROCFS_LINK,       /* self, thread-self, exe: followed by their text */
	PROCFS_MAGIC_FD,
	PROCFS_MAGIC_CWD,
	PROCFS_MAGIC_ROOT,
};
enum procfs_kind procfs_lookup(struct task *t, const char *path, int *fd);
/* stat of a procfs path (follow: through its symlinks). 0 or -errno. */
int procfs_stat(struct task *t, const char *path, bool follow, struct stat *st);

/* Reads the pagemap file at path (/proc/<pid>/pagemap as opened) into t's buffer: 8 bytes
 * per virtual page of that task, from *pos (advanced); 0 once the task is gone. */
long procfs_pagemap_read(struct task *t, const char *path, uint32_t ubuf, uint32_t count,
			 uint64_t *pos);

/* The file-generators, exposed for unit tests: each returns a malloc'ed NUL-terminated text
 * (or NULL on failure) with its length in *len. */
char *procfs_generate(struct task *t, const char *path, size_t *len, int *err);

/* The writable per-process files (procfs_oom.c): is /proc/PID/REST one, and a write(2) to an
 * open one (its path names the process): the bytes taken, or -errno. */
bool procfs_oom_file(const char *rest);
long procfs_oom_write(struct task *t, struct file *f, uint32_t ubuf, uint32_t count);

/* "address 0x... in r-xp 08048000-080b7000 /path" style description of addr for the
 * fatal-signal report (appended to buf). */
int signal_describe_addr(struct task *t, uint32_t addr, char *buf, size_t n);
#endif
