/* /dev/shm as a per-run host directory (shmdir.h says why and how). */
#include "kernel/fs/shmdir.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/fs/fs.h"

static int make_dir(char *tmpl, size_t n)
{
	/* the host's /dev/shm is a tmpfs: the pages never go to a disk */
	const char *bases[] = {"/dev/shm", getenv("TMPDIR"), "/tmp"};
	for (size_t i = 0; i < 3; i++) {
		if (!bases[i] || !*bases[i] || access(bases[i], W_OK | X_OK))
			continue;
		snprintf(tmpl, n, "%s/vmlab-shm.XXXXXX", bases[i]);
		if (mkdtemp(tmpl))
			return 0;
	}
	return -errno;
}

int shmdir_setup(struct fs_struct *fs)
{
	struct stat st;
	if (fstatat(fs->root_fd, "dev", &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
		return 0; /* no /dev: no /dev/shm either */
	struct shmdir *d = calloc(1, sizeof *d);
	char tmpl[PATH_MAX];
	if (!d)
		return -ENOMEM;
	d->dev_dev = st.st_dev;
	d->dev_ino = st.st_ino;
	d->fd = -1;
	int r = make_dir(tmpl, sizeof tmpl);
	if (r) {
		free(d);
		return r;
	}
	/* drwxrwxrwt, as a tmpfs mounted there */
	d->host = realpath(tmpl, NULL);
	if (!d->host || chmod(d->host, 01777) < 0 ||
	    (d->fd = open(d->host, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fstat(d->fd, &st) < 0) {
		r = -errno;
		rmdir(tmpl);
		if (d->fd >= 0)
			close(d->fd);
		free(d->host);
		free(d);
		return r;
	}
	d->dev = st.st_dev;
	d->ino = st.st_ino;
	char *c = strdup(d->host);
	char **n = c ? realloc(fs->rw_host, (fs->nrw + 1) * sizeof *n) : NULL;
	if (!n) {
		free(c);
		close(d->fd);
		rmdir(d->host);
		free(d->host);
		free(d);
		return -ENOMEM;
	}
	fs->rw_host = n;
	fs->rw_host[fs->nrw++] = c;
	d->refs = 1;
	fs->shmdir = d;
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void shmdir_put(struct fs_struct *fs)
{
	struct shmdir *d = fs->shmdir;
	fs->shmdir = NULL;
	if (!d || --d->refs > 0)
		return;
	close(d->fd);
	/* everything the guest left there goes: depth first, links not followed */
	nftw(d->host, remove_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	free(d->host);
	free(d);
}

bool shmdir_in_dev(const struct fs_struct *fs, uint64_t dev, uint64_t ino)
{
	const struct shmdir *d = fs->shmdir;
	return d && d->dev_dev == dev && d->dev_ino == ino;
}

bool shmdir_is(const struct fs_struct *fs, uint64_t dev, uint64_t ino)
{
	const struct shmdir *d = fs->shmdir;
	return d && d->dev == dev && d->ino == ino;
}

bool shmdir_guest_path(const struct fs_struct *fs, const char *host, char *buf, size_t n)
{
	const struct shmdir *d = fs->shmdir;
	if (!d)
		return false;
	size_t l = strlen(d->host);
	if (strncmp(host, d->host, l) || (host[l] != '/' && host[l] != '\0'))
		return false;
	snprintf(buf, n, "/dev/shm%s", host + l);
	return true;
}
