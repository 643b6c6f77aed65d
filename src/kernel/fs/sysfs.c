/*
 * The sysfs files vmlab models: /sys/kernel/mm/transparent_hugepage/enabled, which tells a
 * program the THP mode (vmlab run --thp) as Linux prints it, the active choice bracketed.
 * Other /sys paths are the host's, as before. The file is generated at open time like a
 * procfs file and is read-only here (Linux lets root change the mode by writing to it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kernel/fs/file.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/fs_internal.h"
#include "kernel/fs/stat_i386.h"
#include "kernel/mm/mmap.h"
#include "kernel/task.h"

#define THP_ENABLED "/sys/kernel/mm/transparent_hugepage/enabled"

bool sysfs_is_modelled(const char *norm)
{
	return !strcmp(norm, THP_ENABLED);
}

/* enabled_show */
static int thp_enabled_show(struct task *t, char *buf, size_t n)
{
	enum thp_mode m = t->mm ? t->mm->cfg.thp : THP_ALWAYS;
	size_t pos = 0;
	for (enum thp_mode i = THP_ALWAYS; i <= THP_NEVER; i++) {
		int w = snprintf(buf + pos, n - pos, m == i ? "[%s]%s" : "%s%s", thp_mode_name(i),
				 i < THP_NEVER ? " " : "\n");
		if (w < 0 || (size_t)w >= n - pos)
			return -ENOMEM;
		pos += (size_t)w;
	}
	return (int)pos;
}

struct file *sysfs_open(struct task *t, const char *norm, uint32_t flags, int *err)
{
	if (!sysfs_is_modelled(norm)) {
		*err = -ENOENT;
		return NULL;
	}
	if ((flags & G_O_ACCMODE) != G_O_RDONLY || (flags & (G_O_TRUNC | G_O_CREAT))) {
		*err = -EACCES;
		return NULL;
	}
	if (flags & G_O_DIRECTORY) {
		*err = -ENOTDIR;
		return NULL;
	}
	char *data = malloc(64);
	int len = data ? thp_enabled_show(t, data, 64) : -ENOMEM;
	if (len < 0) {
		free(data);
		*err = len;
		return NULL;
	}
	return file_alloc_generated(norm, flags, data, (size_t)len, err);
}

int sysfs_stat(struct task *t, const char *norm, struct stat *st)
{
	if (!fs_stat_guest(t, norm, st))
		return 0;
	memset(st, 0, sizeof *st);
	st->st_mode = S_IFREG | 0444;
	st->st_nlink = 1;
	st->st_size = 4096;
	st->st_blksize = 4096;
	return 0;
}
