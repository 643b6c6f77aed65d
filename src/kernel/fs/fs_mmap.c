/*
 * The file side of mmap: the vm_file of a guest descriptor, made on the first mmap of that
 * open file description and kept with it, so that every mapping of one description shares
 * one vm_file (as they share one struct file in Linux) and two opens give two.
 */
#include <errno.h>

#include "kernel/fs/file.h"
#include "kernel/fs/fs_internal.h"
#include "kernel/mm/filemap.h"
#include "kernel/task.h"

struct vm_file *fs_fd_vm_file(struct task *t, int fd, int *err)
{
	struct file *f = fget(t, fd);
	if (!f) {
		*err = -EBADF;
		return NULL;
	}
	struct vm_file *v = NULL;
	if (f->kind != FILE_HOST || f->is_pipe || (f->f_flags & G_O_PATH)) {
		*err = f->f_flags & G_O_PATH ? -EBADF : -ENODEV;
	} else if (f->vmf) {
		v = vm_file_get(f->vmf);
	} else if (!t->page_cache) {
		*err = -ENODEV;
	} else {
		uint32_t acc = f->f_flags & G_O_ACCMODE;
		f->vmf = vm_file_open_fd(t->page_cache, f->host_fd, f->path, acc != G_O_WRONLY,
					 acc != G_O_RDONLY, err);
		if (f->vmf)
			v = vm_file_get(f->vmf);
	}
	fput(f);
	return v;
}

void file_drop_vm_file(struct file *f)
{
	vm_file_put(f->vmf);
	f->vmf = NULL;
}
