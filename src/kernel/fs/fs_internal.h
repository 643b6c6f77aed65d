/* Shared by the fs/ files: the guest's (i386 = asm-generic) open flags and helpers. */
#ifndef VMLAB_KERNEL_FS_FS_INTERNAL_H
#define VMLAB_KERNEL_FS_FS_INTERNAL_H
#include <stddef.h>
#include <stdint.h>

struct task;

#define GUEST_AT_FDCWD (-100)
#define G_O_ACCMODE 03u
#define G_O_RDONLY 0u
#define G_O_WRONLY 01u
#define G_O_RDWR 02u
#define G_O_CREAT 0100u
#define G_O_EXCL 0200u
#define G_O_NOCTTY 0400u
#define G_O_TRUNC 01000u
#define G_O_APPEND 02000u
#define G_O_NONBLOCK 04000u
#define G_O_DSYNC 010000u
#define G_FASYNC 020000u
#define G_O_DIRECT 040000u
#define G_O_LARGEFILE 0100000u
#define G_O_DIRECTORY 0200000u
#define G_O_NOFOLLOW 0400000u
#define G_O_NOATIME 01000000u
#define G_O_CLOEXEC 02000000u
#define G_O_PATH 010000000u
#define G_O_TMPFILE_ONLY 020000000u /* __O_TMPFILE */

/* Host open(2) flags for guest ones (x86 hosts share the numbering; O_CLOEXEC always). */
int host_open_flags(uint32_t gflags);
long do_sys_open(struct task *t, int dirfd, uint32_t upath, uint32_t flags, uint32_t mode);
/* Ends the run when a single-threaded guest would block forever (a pipe it holds both ends
 * of, a futex, a wait): the one-line note and status 128 + SIGKILL. */
long fs_would_block_forever(struct task *t, const char *what);
/* A PATH_MAX buffer from the heap (names never live on the host stack: a path system call
 * must work with a small stack limit). NULL when out of memory; free() it. */
char *fs_name_alloc(void);
/* 0 when host descriptor fd's object lies below one of the canonical host directories,
 * -ENOENT when not, or -errno. */
int fs_host_path_under(int host_fd, const char *const *dirs, size_t ndirs);
/* 0 when host descriptor fd's object lies inside the root, else -EACCES. */
int fs_inside_root(struct task *t, int host_fd);
/* lseek on a host directory in the guest's offsets (readdir.c): the new offset or -errno. */
struct file;
int64_t readdir_seek(struct file *f, int64_t off, int whence);
/* count bytes from the task's seeded generator to ubuf (sys_misc.c), so that /dev/urandom
 * and getrandom runs repeat (the host's device would make every run different): the
 * bytes copied, or -EFAULT when none could be. */
long copy_random_to_user(struct task *t, uint32_t ubuf, uint32_t count);
#endif
