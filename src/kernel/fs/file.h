/*
 * Open files: the guest's descriptor table (struct files_struct) and its open file
 * descriptions (struct file), as Linux keeps them. dup'ed descriptors share one struct
 * file (offset, status flags); FD_CLOEXEC belongs to the descriptor.
 *
 * For mmap (the memory subsystem): fs_fd_vm_file() (declared in mm/filemap.h) gives the
 * vm_file of a descriptor; fget()/fput() give the struct file itself: f->host_fd is a host
 * descriptor of the open file (valid while the reference is held), file_identity() its
 * size and stable identity (dev, ino), f->path the guest path.
 */
#ifndef VMLAB_KERNEL_FS_FILE_H
#define VMLAB_KERNEL_FS_FILE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct task;
struct unix_sock;
struct vm_file;

enum file_kind {
	FILE_HOST,  /* a host file, directory, device, pipe or terminal */
	FILE_PROC,  /* a procfs file: contents generated at open time */
	FILE_EPOLL, /* an epoll instance (fs/eventpoll.h): no host descriptor */
};

struct eventpoll;
struct epitem;

struct file {
	int refcount;
	enum file_kind kind;
	int host_fd;            /* FILE_HOST: the host descriptor (owned) */
	uint32_t f_flags;       /* guest O_* status and access flags as opened */
	char *path;             /* the guest path, for /proc/self/fd and /proc/self/maps */
	bool is_pipe;           /* a pipe or FIFO, non-blocking on the host: a read or write
				   that would block forever in a single-threaded guest ends the
				   run instead */
	bool anon_pipe;         /* a pipe vmlab made (pipe2): the guest's own object */
	bool inherited;         /* vmlab's own stdin/out/err: the host open file description
				   is the user's shell's too, so the O_NONBLOCK and O_APPEND the
				   guest sets are kept in f_flags and emulated (read_write.c) */
	bool host_dir;          /* a host directory (lseek in readdir.c's offsets) */
	int vdev;               /* enum vdev (fs.h): the modelled device this is, or 0 */
	/* a host directory: the guest's 32-bit directory offsets. Offset k is the position
	   after the k-th entry returned, dir_off[k - 1] the host's offset there. */
	int64_t *dir_off;
	uint32_t dir_noff, dir_cap, dir_pos;
	/* FILE_PROC */
	char *data;
	size_t size;
	uint64_t pos;
	bool proc_dir;          /* a procfs directory (getdents lists data's lines) */
	bool pagemap;           /* /proc/self/pagemap: entries computed at read time */
	struct vm_file *vmf;    /* the vm_file once mapped (one per open file description) */
	struct unix_sock *sk;   /* a socket: its unix-domain state (net/af_unix.c) */
	/* FILE_EPOLL: the instance; any file: the epoll items that watch it (f_ep), each
	 * holding one of its references (ep_refs of refcount): once only they hold it, every
	 * descriptor is closed and the items go, as Linux's eventpoll_release does */
	struct eventpoll *ep;
	struct epitem *ep_links;
	int ep_refs;
};

#define VMLAB_NR_OPEN 1024 /* RLIMIT_NOFILE's default soft limit */

struct files_struct {
	struct file *fd[VMLAB_NR_OPEN];
	bool cloexec[VMLAB_NR_OPEN];
};

/* A new struct file holding host_fd (refcount 1). NULL on allocation failure. */
struct file *file_alloc(enum file_kind kind, int host_fd, uint32_t f_flags, const char *path);
/* A generated read-only file (procfs, sysfs) holding the malloc'ed data, which it owns from
 * now on (freed here on failure: NULL and *err = -ENOMEM). */
struct file *file_alloc_generated(const char *path, uint32_t f_flags, char *data, size_t len,
				  int *err);
struct file *file_get(struct file *f);
void file_put(struct file *f);

/* The file of guest descriptor fd with a new reference, or NULL (EBADF). */
struct file *fget(struct task *t, int fd);
void fput(struct file *f);
/* Installs f at the lowest free descriptor >= minfd (taking over the caller's reference);
 * the descriptor, or -EMFILE (the reference is then dropped). */
int fd_install(struct task *t, struct file *f, int minfd, bool cloexec);
/* Closes descriptor fd: 0 or -EBADF. */
int fd_close(struct task *t, int fd);
/* Closes every descriptor of t's table and frees it (t->files becomes NULL). */
void put_files_struct(struct task *t);

/* 0 and the identity of the open host file, or -errno (-ENODEV for procfs files). */
int file_identity(struct file *f, uint64_t *dev, uint64_t *ino, uint64_t *size);

/* Replaces f->path (ignored when out of memory: the old name stays). */
void free_and_set_path(struct file *f, const char *path);
/* Drops f->vmf (fs_mmap.c). */
void file_drop_vm_file(struct file *f);

/* The lowest descriptor limit in force (RLIMIT_NOFILE, capped at VMLAB_NR_OPEN). */
int files_limit(struct task *t);
#endif
