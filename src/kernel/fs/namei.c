/*
 * Path resolution through the sandbox (fs/namei.c's job in Linux). A guest path is walked
 * one component at a time from a held host directory descriptor: the root for an absolute
 * path, the working directory, or the *at call's descriptor. Each component is opened with
 * O_PATH | O_NOFOLLOW relative to the previous one, so no host lookup ever follows a
 * symlink or climbs "..": vmlab follows every symlink itself through the guest's view
 * (absolute targets restart at the root, ".." stops at the root, "proc" in the root is the
 * guest's procfs, procfs links such as /proc/self/fd/N lead to the guest's own objects).
 * A renamed directory keeps being reached through its descriptor, never by a stored name.
 * What may be entered, opened and changed is decided in sandbox.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/fs/file.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/fs_internal.h"
#include "kernel/fs/shmdir.h"
#include "kernel/procfs.h"
#include "kernel/task.h"
#include "kernel/uaccess.h"

#define MAXSYMLINKS 40
#define WALK_MAX (2 * PATH_MAX) /* a link target joined to what remains of the path */

int fs_getname(struct task *t, uint32_t upath, char *buf, size_t n)
{
	long r = strncpy_from_user(t, buf, upath, n);
	if (r < 0)
		return (int)r;
	if (r == 0)
		return -ENOENT;
	if ((size_t)r >= n)
		return -ENAMETOOLONG;
	return 0;
}

char *fs_name_alloc(void)
{
	return malloc(PATH_MAX);
}

/* The host path a host descriptor refers to: 0 or -errno. */
static int host_path_of_fd(int host_fd, char *host, size_t n)
{
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", host_fd);
	ssize_t l = readlink(link, host, n - 1);
	if (l < 0)
		return -errno;
	host[l] = '\0';
	return 0;
}

static bool under(const char *path, const char *dir)
{
	size_t l = strlen(dir);
	if (l == 0) /* the host's "/" */
		return path[0] == '/';
	return strncmp(path, dir, l) == 0 && (path[l] == '/' || path[l] == '\0');
}

int fs_host_path_under(int host_fd, const char *const *dirs, size_t ndirs)
{
	char *host = fs_name_alloc();
	if (!host)
		return -ENOMEM;
	int r = host_path_of_fd(host_fd, host, PATH_MAX);
	if (!r) {
		r = -ENOENT;
		for (size_t i = 0; i < ndirs && r; i++)
			if (under(host, dirs[i]))
				r = 0;
	}
	free(host);
	return r;
}

int fs_guest_path_of_fd(struct task *t, int host_fd, char *buf, size_t n)
{
	char *host = fs_name_alloc();
	if (!host)
		return -ENOMEM;
	int r = host_path_of_fd(host_fd, host, PATH_MAX);
	if (!r && !shmdir_guest_path(t->fs, host, buf, n)) {
		const char *root = t->fs->root_host;
		size_t rl = strlen(root);
		if (under(host, root))
			snprintf(buf, n, "%s", host[rl] ? host + rl : "/");
		else
			snprintf(buf, n, "%s", host);
	}
	free(host);
	return r;
}

int fs_cwd_path(struct task *t, char *buf, size_t n)
{
	struct fs_struct *fs = t->fs;
	if (fs->cwd_proc) {
		if (strlen(fs->cwd_proc) >= n)
			return -ERANGE;
		strcpy(buf, fs->cwd_proc);
		return 0;
	}
	struct stat st;
	if (fstat(fs->cwd_fd, &st) == 0 && st.st_nlink == 0)
		return -ENOENT; /* removed: getcwd has no name to give */
	return fs_guest_path_of_fd(t, fs->cwd_fd, buf, n);
}

/* Lexical normalisation of a guest-absolute path: collapses "//", "." and ".." (at the
 * root ".." stays there). */
static void normalise(const char *in, char *out, size_t n)
{
	size_t len = 0;
	out[0] = '\0';
	const char *p = in;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		const char *e = strchr(p, '/');
		size_t cl = e ? (size_t)(e - p) : strlen(p);
		if (cl == 1 && p[0] == '.') {
			/* skip */
		} else if (cl == 2 && p[0] == '.' && p[1] == '.') {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
			out[len] = '\0';
		} else if (len + 1 + cl + 1 < n) {
			out[len++] = '/';
			memcpy(out + len, p, cl);
			len += cl;
			out[len] = '\0';
		}
		p += cl;
	}
	if (len == 0 && n > 1) {
		out[0] = '/';
		out[1] = '\0';
	}
}

/* The modelled sysfs files exist whether or not the root has a /sys: they are recognised
 * by name, from the directory's present name (never a stored one). */
bool fs_is_sysfs_path(struct task *t, int dirfd, const char *path, char *out, size_t n)
{
	char *full = malloc(WALK_MAX);
	if (!full)
		return false;
	full[0] = '\0';
	int r = 0;
	if (path[0] != '/') {
		if (dirfd == GUEST_AT_FDCWD) {
			r = fs_cwd_path(t, full, PATH_MAX);
		} else {
			struct file *f = fget(t, dirfd);
			r = !f ? -EBADF
			    : f->kind == FILE_HOST
				? fs_guest_path_of_fd(t, f->host_fd, full, PATH_MAX)
				: (snprintf(full, PATH_MAX, "%s", f->path), 0);
			if (f)
				fput(f);
		}
	}
	bool yes = false;
	size_t bl = strlen(full);
	if (!r && (size_t)snprintf(full + bl, WALK_MAX - bl, "/%s", path) < WALK_MAX - bl) {
		normalise(full, out, n);
		yes = sysfs_is_modelled(out);
	}
	free(full);
	return yes;
}

/* ---- the walk ---- */

struct walk {
	struct task *t;
	int fd; /* the current host directory (owned), -1 inside procfs */
	uint64_t dev, ino;
	char *proc;	  /* inside procfs: the current directory's path */
	struct file *via; /* the descriptor a magic link led to */
};

static int walk_set_host(struct walk *w, int fd)
{
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	if (w->fd >= 0)
		close(w->fd);
	w->fd = fd;
	w->dev = st.st_dev;
	w->ino = st.st_ino;
	return 0;
}

static int walk_dup(struct walk *w, int host_fd)
{
	int fd = fcntl(host_fd, F_DUPFD_CLOEXEC, 3);
	return fd < 0 ? -errno : walk_set_host(w, fd);
}

static int walk_root(struct walk *w)
{
	return walk_dup(w, w->t->fs->root_fd);
}

static void walk_set_proc(struct walk *w, const char *path)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	snprintf(w->proc, PATH_MAX, "%s", path);
}

static bool at_root(const struct walk *w)
{
	return w->fd >= 0 && w->dev == w->t->fs->root_dev && w->ino == w->t->fs->root_ino;
}

/* A host directory reached through a descriptor must lie inside the root: ".." from one
 * outside (an inherited descriptor) would never meet the root. */
int fs_inside_root(struct task *t, int fd)
{
	const char *dirs[2] = {t->fs->root_host, t->fs->shmdir ? t->fs->shmdir->host : NULL};
	return fs_host_path_under(fd, dirs, dirs[1] ? 2 : 1) ? -EACCES : 0;
}
#define inside_root fs_inside_root

/* The walk goes on at the task's working directory. */
static int walk_cwd(struct walk *w)
{
	const struct fs_struct *fs = w->t->fs;
	if (fs->cwd_proc) {
		walk_set_proc(w, fs->cwd_proc);
		return 0;
	}
	return walk_dup(w, fs->cwd_fd);
}

static int walk_start(struct walk *w, int dirfd, const char *path)
{
	struct task *t = w->t;
	if (path[0] == '/')
		return walk_root(w);
	if (dirfd == GUEST_AT_FDCWD)
		return walk_cwd(w);
	struct file *f = fget(t, dirfd);
	if (!f)
		return -EBADF;
	int r = 0;
	if (f->kind == FILE_HOST) {
		struct stat st;
		if (fstat(f->host_fd, &st) < 0)
			r = -errno;
		else if (!S_ISDIR(st.st_mode))
			r = -ENOTDIR;
		else if (!(r = inside_root(t, f->host_fd)))
			r = sandbox_enter_dir(t, f->host_fd, &st, 0);
		if (!r)
			r = walk_dup(w, f->host_fd);
	} else if (f->proc_dir) {
		walk_set_proc(w, f->path);
	} else {
		r = -ENOTDIR;
	}
	fput(f);
	return r;
}

static int walk_up(struct walk *w)
{
	if (w->fd < 0) {
		if (!strcmp(w->proc, "/proc"))
			return walk_root(w);
		char *s = strrchr(w->proc, '/');
		*s = '\0';
		return 0;
	}
	if (at_root(w))
		return 0;
	if (shmdir_is(w->t->fs, w->dev, w->ino)) /* /dev/shm: up to the root's /dev */
		return walk_set_host(w, openat(w->t->fs->root_fd, "dev",
					       O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
	int fd = openat(w->fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : walk_set_host(w, fd);
}

/* A procfs magic link (/proc/self/fd/N, cwd, root): the walk continues at the object
 * itself, not at a name. */
static int walk_magic(struct walk *w, enum procfs_kind k, int gfd, bool last)
{
	struct task *t = w->t;
	if (k == PROCFS_MAGIC_ROOT)
		return walk_root(w);
	if (k == PROCFS_MAGIC_CWD)
		return walk_cwd(w);
	struct file *f = fget(t, gfd);
	if (!f)
		return -ENOENT;
	int r = 0;
	if (f->kind != FILE_HOST) {
		if (!last && !f->proc_dir)
			r = -ENOTDIR;
		else
			walk_set_proc(w, f->path);
		fput(f);
		return r;
	}
	struct stat st;
	if (fstat(f->host_fd, &st) < 0)
		r = -errno;
	else if (!last && !S_ISDIR(st.st_mode))
		r = -ENOTDIR;
	else if (!last && !(r = inside_root(t, f->host_fd)))
		r = sandbox_enter_dir(t, f->host_fd, &st, 0);
	if (!r)
		r = walk_dup(w, f->host_fd);
	if (r) {
		fput(f);
		return r;
	}
	if (w->via)
		fput(w->via);
	w->via = f;
	return 0;
}

/* Replaces the path still to walk by a link's target followed by the rest. */
static int walk_push(struct walk *w, char *buf, const char **p, const char *target,
		     const char *rest)
{
	if (!*target)
		return -ENOENT;
	char *nb = malloc(WALK_MAX);
	if (!nb)
		return -ENOMEM;
	int n = *rest ? snprintf(nb, WALK_MAX, "%s/%s", target, rest)
		      : snprintf(nb, WALK_MAX, "%s", target);
	if (n < 0 || n >= WALK_MAX) {
		free(nb);
		return -ENAMETOOLONG;
	}
	memcpy(buf, nb, (size_t)n + 1);
	free(nb);
	*p = buf;
	return target[0] == '/' ? walk_root(w) : 0;
}

static void nd_init(struct nameidata *nd)
{
	nd->dirfd = -1;
	nd->last[0] = '\0';
	nd->must_be_dir = false;
	nd->dots = 0;
	nd->proc = NULL;
	nd->via = NULL;
}

void nd_release(struct nameidata *nd)
{
	if (nd->dirfd >= 0)
		close(nd->dirfd);
	nd->dirfd = -1;
	free(nd->proc);
	nd->proc = NULL;
	if (nd->via)
		fput(nd->via);
	nd->via = NULL;
}

/* The walk ends at the current directory (or object) itself. */
static int end_here(struct walk *w, struct nameidata *nd, int dots)
{
	nd->dots = dots;
	if (w->fd < 0) {
		nd->proc = strdup(w->proc);
		return nd->proc ? FS_RESOLVED_PROC : -ENOMEM;
	}
	nd->dirfd = w->fd;
	w->fd = -1;
	if (dots == 4) {
		nd->via = w->via;
		w->via = NULL;
	}
	return 0;
}

static int end_proc(struct nameidata *nd, const char *path)
{
	nd->proc = strdup(path);
	return nd->proc ? FS_RESOLVED_PROC : -ENOMEM;
}

/* np and target are PATH_MAX scratch buffers. */
static int walk_steps(struct walk *w, char *buf, bool follow, struct nameidata *nd, char *np,
		      char *target)
{
	struct task *t = w->t;
	const char *p = buf;
	int links = 0;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p) /* "/" itself, or a link to it */
			return end_here(w, nd, w->fd < 0 ? 0 : at_root(w) ? 3 : 1);
		const char *e = strchr(p, '/');
		size_t cl = e ? (size_t)(e - p) : strlen(p);
		const char *after = p + cl;
		while (*after == '/')
			after++;
		bool last = !*after;
		bool trailing = last && p[cl] == '/';
		if (cl >= sizeof(nd->last))
			return -ENAMETOOLONG;
		char comp[256];
		memcpy(comp, p, cl);
		comp[cl] = '\0';
		p = after;
		const char *rest = last ? (trailing ? "/" : "") : after;
		bool follow_this = !last || follow || trailing;
		int r;
		if (!strcmp(comp, ".")) {
			if (last)
				return end_here(w, nd, w->fd < 0 ? 0 : 1);
			continue;
		}
		if (!strcmp(comp, "..")) {
			if ((r = walk_up(w)))
				return r;
			if (last)
				return end_here(w, nd, w->fd < 0 ? 0 : 2);
			continue;
		}
		if (w->fd < 0) { /* inside the guest's procfs */
			if ((size_t)snprintf(np, PATH_MAX, "%s/%s", w->proc, comp) >= PATH_MAX)
				return -ENAMETOOLONG;
			int gfd = -1;
			enum procfs_kind k = procfs_lookup(t, np, &gfd);
			if (k >= PROCFS_LINK && follow_this) {
				if (++links > MAXSYMLINKS)
					return -ELOOP;
				if (k != PROCFS_LINK) {
					if ((r = walk_magic(w, k, gfd, last)))
						return r;
					if (last)
						return end_here(w, nd, w->fd < 0 ? 0 : 4);
					continue;
				}
				int l = procfs_readlink(t, np, target, PATH_MAX - 1);
				if (l < 0)
					return l;
				target[l] = '\0';
				if ((r = walk_push(w, buf, &p, target, rest)))
					return r;
				continue;
			}
			if (last) {
				nd->must_be_dir = trailing;
				return end_proc(nd, np);
			}
			if (k == PROCFS_NONE)
				return -ENOENT;
			if (k != PROCFS_DIR)
				return -ENOTDIR;
			strcpy(w->proc, np);
			continue;
		}
		if (!strcmp(comp, "shm") && shmdir_in_dev(w->t->fs, w->dev, w->ino)) {
			if ((r = walk_dup(w, w->t->fs->shmdir->fd)))
				return r;
			if (last)
				return end_here(w, nd, 1);
			continue;
		}
		if (at_root(w) && !strcmp(comp, "proc")) {
			walk_set_proc(w, "/proc");
			if (last)
				return end_proc(nd, "/proc");
			continue;
		}
		int o = openat(w->fd, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (o < 0) {
			r = -errno;
			if (r != -ENOENT || !last)
				return r;
			goto parent; /* a name to create */
		}
		struct stat st;
		if (fstat(o, &st) < 0) {
			r = -errno;
			close(o);
			return r;
		}
		if (S_ISLNK(st.st_mode) && follow_this) {
			if (++links > MAXSYMLINKS) {
				close(o);
				return -ELOOP;
			}
			ssize_t l = readlinkat(o, "", target, PATH_MAX - 1);
			r = l < 0 ? -errno : 0;
			close(o);
			if (r)
				return r;
			target[l] = '\0';
			if ((r = walk_push(w, buf, &p, target, rest)))
				return r;
			continue;
		}
		if (last) {
			close(o);
			goto parent;
		}
		if (!S_ISDIR(st.st_mode)) {
			close(o);
			return -ENOTDIR;
		}
		if ((r = sandbox_enter_dir(t, o, &st, w->dev))) {
			close(o);
			return r;
		}
		if ((r = walk_set_host(w, o)))
			return r;
		continue;
	parent:
		nd->dirfd = w->fd;
		w->fd = -1;
		nd->must_be_dir = trailing;
		memcpy(nd->last, comp, cl + 1);
		return 0;
	}
}

int fs_resolve_parent(struct task *t, int dirfd, const char *path, bool follow,
		      struct nameidata *nd)
{
	nd_init(nd);
	if (!*path)
		return -ENOENT;
	if (strlen(path) >= PATH_MAX)
		return -ENAMETOOLONG;
	struct walk w = {.t = t, .fd = -1};
	char *buf = malloc(WALK_MAX), *np = fs_name_alloc(), *target = fs_name_alloc();
	w.proc = fs_name_alloc();
	int r = buf && np && target && w.proc ? 0 : -ENOMEM;
	if (!r) {
		strcpy(buf, path);
		r = walk_start(&w, dirfd, path);
	}
	if (!r)
		r = walk_steps(&w, buf, follow, nd, np, target);
	if (w.fd >= 0)
		close(w.fd);
	if (w.via)
		fput(w.via);
	free(w.proc);
	free(np);
	free(target);
	free(buf);
	if (r < 0)
		nd_release(nd);
	return r;
}

int fs_lookup(struct task *t, int dirfd, const char *path, bool follow, struct nameidata *nd,
	      int *fd)
{
	*fd = -1;
	int r = fs_resolve_parent(t, dirfd, path, follow, nd);
	if (r)
		return r;
	int o = nd->dirfd;
	nd->dirfd = -1;
	if (nd->last[0]) {
		int parent = o;
		o = openat(parent, nd->last, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		r = o < 0 ? -errno : 0;
		close(parent);
	}
	struct stat st;
	if (!r && fstat(o, &st) < 0)
		r = -errno;
	/* a followed last link that a symlink replaced since: not followed twice */
	if (!r && follow && S_ISLNK(st.st_mode))
		r = -ELOOP;
	if (!r && nd->must_be_dir && !S_ISDIR(st.st_mode))
		r = -ENOTDIR;
	if (r) {
		if (o >= 0)
			close(o);
		nd_release(nd);
		return r;
	}
	*fd = o;
	return 0;
}

int fs_lookup_user(struct task *t, int dirfd, uint32_t upath, bool follow, struct nameidata *nd,
		   int *fd)
{
	*fd = -1;
	char *path = fs_name_alloc();
	if (!path)
		return -ENOMEM;
	int r = fs_getname(t, upath, path, PATH_MAX);
	if (!r)
		r = fs_lookup(t, dirfd, path, follow, nd, fd);
	free(path);
	return r;
}

int fs_open_host(struct task *t, int dirfd, const char *path, int host_flags, uint32_t mode,
		 bool follow)
{
	(void)mode;
	struct nameidata nd;
	int obj;
	int r = fs_lookup(t, dirfd, path, follow && !(host_flags & O_NOFOLLOW), &nd, &obj);
	if (r == FS_RESOLVED_PROC)
		r = -EACCES; /* procfs files are made for the guest's descriptors only */
	if (r) {
		nd_release(&nd);
		return r;
	}
	if (host_flags & O_PATH) {
		nd_release(&nd);
		return obj;
	}
	r = sandbox_open_object(t, obj, (uint32_t)host_flags & ~(uint32_t)O_CLOEXEC, nd.via);
	close(obj);
	nd_release(&nd);
	return r;
}

/* ---- configuration ---- */

void fs_config_init(struct fs_config *c)
{
	memset(c, 0, sizeof(*c));
}

void fs_config_free(struct fs_config *c)
{
	free(c->root);
	for (size_t i = 0; i < c->nrw; i++)
		free(c->rw[i]);
	free(c->rw);
	memset(c, 0, sizeof(*c));
}

const char *fs_usage(void)
{
	return "  --root DIR     the guest sees host directory DIR as / (default /)\n"
	       "  --rw DIR       allow writes below host directory DIR (repeatable; default:\n"
	       "                 the current directory and /tmp)\n";
}

/* Appends the malloc'ed string s to the array *v of *n; frees s when there is no memory. */
static int strv_push(char ***v, size_t *n, char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv) {
		free(s);
		return -ENOMEM;
	}
	*v = nv;
	nv[(*n)++] = s;
	return 0;
}

static int set_option(struct fs_config *c, const char *name, const char *val)
{
	if (!val || !*val) {
		fprintf(stderr, "vmlab: %s needs a directory\n", name);
		return -EINVAL;
	}
	struct stat st;
	if (stat(val, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "vmlab: %s %s: not a directory\n", name, val);
		return -ENOTDIR;
	}
	char *v = strdup(val);
	if (!v)
		return -ENOMEM;
	if (!strcmp(name, "--root")) {
		free(c->root);
		c->root = v;
		return 0;
	}
	int r = strv_push(&c->rw, &c->nrw, v);
	if (!r)
		c->rw_given = true;
	return r;
}

int fs_parse_option(struct fs_config *c, const char *opt, const char *next)
{
	static const char *const names[] = {"--root", "--rw"};
	for (size_t i = 0; i < 2; i++) {
		size_t l = strlen(names[i]);
		if (strncmp(opt, names[i], l))
			continue;
		if (opt[l] == '=') {
			int r = set_option(c, names[i], opt + l + 1);
			return r < 0 ? r : 1;
		}
		if (opt[l] == '\0') {
			int r = set_option(c, names[i], next);
			return r < 0 ? r : 2;
		}
	}
	return 0;
}

static char *canonical_host(const char *p)
{
	char *r = realpath(p, NULL);
	if (r && !strcmp(r, "/"))
		r[0] = '\0'; /* "/" is the empty prefix */
	return r;
}

static int add_rw(struct fs_struct *fs, const char *dir)
{
	char *c = canonical_host(dir);
	if (!c) {
		fprintf(stderr, "vmlab: --rw %s: %s\n", dir, strerror(errno));
		return -errno;
	}
	return strv_push(&fs->rw_host, &fs->nrw, c);
}

static int std_file(struct task *t, int hostfd)
{
	int fd = fcntl(hostfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return 0; /* closed on the host: closed in the guest too */
	int fl = fcntl(fd, F_GETFL);
	struct stat st;
	/* the terminal vmlab was given is one the guest may open by name too (/dev/tty) */
	if (isatty(fd) && fstat(fd, &st) == 0 && S_ISCHR(st.st_mode))
		t->fs->std_rdev[hostfd] = st.st_rdev;
	char *path = fs_name_alloc();
	if (!path) {
		close(fd);
		return -ENOMEM;
	}
	if (fs_guest_path_of_fd(t, fd, path, PATH_MAX))
		snprintf(path, PATH_MAX, "/dev/fd/%d", hostfd);
	/* i386 glibc opens everything with O_LARGEFILE; the host does not report it */
	struct file *f = file_alloc(FILE_HOST, fd, (uint32_t)(fl < 0 ? 0 : fl) | 0100000u, path);
	free(path);
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	f->inherited = true;
	int r = fd_install(t, f, hostfd, false);
	return r < 0 ? r : 0;
}

int fs_setup(struct task *t, const struct fs_config *c)
{
	struct fs_struct *fs = calloc(1, sizeof(*fs));
	struct files_struct *files = calloc(1, sizeof(*files));
	if (!fs || !files) {
		free(fs);
		free(files);
		return -ENOMEM;
	}
	t->fs = fs;
	t->files = files;
	fs->root_fd = fs->cwd_fd = -1;
	/* The guest's umask is applied by vmlab: the host's would apply a second time. */
	fs->umask = umask(0);
	/* A write to a pipe nobody reads must give the guest EPIPE/SIGPIPE, not kill vmlab. */
	signal(SIGPIPE, SIG_IGN);
	const char *root = c && c->root ? c->root : "/";
	fs->root_host = canonical_host(root);
	if (!fs->root_host) {
		fprintf(stderr, "vmlab: --root %s: %s\n", root, strerror(errno));
		int e = -errno;
		fs_teardown(t);
		return e;
	}
	fs->root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	int r = fs->root_fd < 0 || fstat(fs->root_fd, &st) < 0 ? -errno : 0;
	if (!r)
		r = sandbox_enter_dir(t, fs->root_fd, &st, 0);
	if (r) {
		fprintf(stderr, "vmlab: cannot use the root %s: %s\n", root, strerror(-r));
		fs_teardown(t);
		return r;
	}
	fs->root_dev = st.st_dev;
	fs->root_ino = st.st_ino;
	if (c && c->rw_given) {
		for (size_t i = 0; i < c->nrw && !r; i++)
			r = add_rw(fs, c->rw[i]);
	} else {
		r = add_rw(fs, ".");
		if (!r && access("/tmp", F_OK) == 0)
			r = add_rw(fs, "/tmp");
	}
	if (!r && (r = shmdir_setup(fs))) {
		fprintf(stderr, "vmlab: no /dev/shm for the guest: %s\n", strerror(-r));
		r = 0;
	}
	/* The guest starts in the host's working directory when it lies inside the root. */
	if (!r) {
		fs->cwd_fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fs->cwd_fd >= 0 && inside_root(t, fs->cwd_fd)) {
			close(fs->cwd_fd);
			fs->cwd_fd = -1;
		}
		if (fs->cwd_fd < 0)
			fs->cwd_fd = fcntl(fs->root_fd, F_DUPFD_CLOEXEC, 3);
		if (fs->cwd_fd < 0)
			r = -errno;
	}
	for (int i = 0; i < 3 && !r; i++)
		r = std_file(t, i);
	if (r) {
		fs_teardown(t);
		return r;
	}
	return 0;
}

void fs_teardown(struct task *t)
{
	put_files_struct(t);
	struct fs_struct *fs = t->fs;
	if (!fs)
		return;
	if (fs->root_fd >= 0)
		close(fs->root_fd);
	if (fs->cwd_fd >= 0)
		close(fs->cwd_fd);
	shmdir_put(fs);
	free(fs->root_host);
	free(fs->cwd_proc);
	for (size_t i = 0; i < fs->nrw; i++)
		free(fs->rw_host[i]);
	free(fs->rw_host);
	free(fs);
	t->fs = NULL;
}
