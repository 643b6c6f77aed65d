/*
 * procfs inside the guest: paths under /proc name synthetic read-only files whose contents
 * are generated when they are opened (as seq_file does for a read from the start), from the
 * task's address space, counters and kernel memory.
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
/* stat of a procfs path (follow: through its symlinks). 0 or -errno. */
int procfs_stat(struct task *t, const char *path, bool follow, struct stat *st);

/* Reads /proc/self/pagemap: 8 bytes per virtual page, from *pos (advanced). */
long procfs_pagemap_read(struct task *t, uint32_t ubuf, uint32_t count, uint64_t *pos);

/* The file-generators, exposed for unit tests: each returns a malloc'ed NUL-terminated text
 * (or NULL on failure) with its length in *len. */
char *procfs_generate(struct task *t, const char *path, size_t *len, int *err);

/* "address 0x... in r-xp 08048000-080b7000 /path" style description of addr for the
 * fatal-signal report (appended to buf). */
int signal_describe_addr(struct task *t, uint32_t addr, char *buf, size_t n);
#endif
