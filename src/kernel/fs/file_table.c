/* Open file descriptions and the descriptor table (fs/file_table.c, fs/file.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kernel/fs/eventpoll.h"
#include "kernel/fs/file.h"
#include "kernel/fs/fs_internal.h"
#include "kernel/net/af_unix.h"
#include "kernel/task.h"

#define RLIMIT_NOFILE_ 7

struct file *file_alloc(enum file_kind kind, int host_fd, uint32_t f_flags, const char *path)
{
	struct file *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->refcount = 1;
	f->kind = kind;
	f->host_fd = host_fd;
	f->f_flags = f_flags;
	f->path = strdup(path ? path : "");
	if (!f->path) {
		free(f);
		return NULL;
	}
	return f;
}

struct file *file_alloc_generated(const char *path, uint32_t f_flags, char *data, size_t len,
				  int *err)
{
	struct file *f = file_alloc(FILE_PROC, -1, f_flags & ~G_O_CLOEXEC, path);
	if (!f) {
		free(data);
		*err = -ENOMEM;
		return NULL;
	}
	f->data = data;
	f->size = len;
	return f;
}

void free_and_set_path(struct file *f, const char *path)
{
	char *p = strdup(path);
	if (p) {
		free(f->path);
		f->path = p;
	}
}

struct file *file_get(struct file *f)
{
	f->refcount++;
	return f;
}

void file_put(struct file *f)
{
	if (!f)
		return;
	if (--f->refcount > 0) {
		if (f->ep_refs && f->refcount == f->ep_refs) {
			/* the last descriptor closed: the epoll items watching it go with it */
			eventpoll_release_file(f);
			f->refcount = 0;
		} else {
			return;
		}
	}
	if (f->kind == FILE_EPOLL)
		eventpoll_free(f->ep);
	if (f->vmf)
		file_drop_vm_file(f);
	if (f->sk)
		unix_release(f->sk);
	if (f->kind == FILE_HOST && f->host_fd >= 0)
		close(f->host_fd);
	free(f->data);
	free(f->dir_off);
	free(f->path);
	free(f);
}

struct file *fget(struct task *t, int fd)
{
	if (!t->files || fd < 0 || fd >= VMLAB_NR_OPEN || !t->files->fd[fd])
		return NULL;
	return file_get(t->files->fd[fd]);
}

void fput(struct file *f)
{
	file_put(f);
}

int files_limit(struct task *t)
{
	uint64_t cur = t->rlim[RLIMIT_NOFILE_].cur;
	if (cur == 0 || cur > VMLAB_NR_OPEN)
		return VMLAB_NR_OPEN;
	return (int)cur;
}

int fd_install(struct task *t, struct file *f, int minfd, bool cloexec)
{
	int lim = files_limit(t);
	for (int fd = minfd < 0 ? 0 : minfd; fd < lim; fd++) {
		if (!t->files->fd[fd]) {
			t->files->fd[fd] = f;
			t->files->cloexec[fd] = cloexec;
			return fd;
		}
	}
	file_put(f);
	return -EMFILE;
}

int fd_close(struct task *t, int fd)
{
	if (!t->files || fd < 0 || fd >= VMLAB_NR_OPEN || !t->files->fd[fd])
		return -EBADF;
	struct file *f = t->files->fd[fd];
	t->files->fd[fd] = NULL;
	t->files->cloexec[fd] = false;
	file_put(f);
	return 0;
}

int file_identity(struct file *f, uint64_t *dev, uint64_t *ino, uint64_t *size)
{
	if (f->kind != FILE_HOST)
		return -ENODEV;
	struct stat st;
	if (fstat(f->host_fd, &st) < 0)
		return -errno;
	*dev = st.st_dev;
	*ino = st.st_ino;
	*size = (uint64_t)st.st_size;
	return 0;
}

void put_files_struct(struct task *t)
{
	if (!t->files)
		return;
	for (int i = 0; i < VMLAB_NR_OPEN; i++)
		if (t->files->fd[i])
			fd_close(t, i);
	free(t->files);
	t->files = NULL;
}
