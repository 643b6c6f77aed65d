/*
 * Path resolution through the sandbox (fs/namei.c's job in Linux): guest paths become
 * canonical guest-absolute paths and are resolved by the host kernel with
 * openat2(RESOLVE_IN_ROOT) from the root's descriptor, so ".." stops at the root and
 * symlinks (absolute or relative) are interpreted inside it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kernel/fs/file.h"
#include "kernel/fs/fs.h"
#include "kernel/task.h"
#include "kernel/uaccess.h"

#define GUEST_AT_FDCWD (-100)
#define MAXSYMLINKS 40

static int host_openat2(int dirfd, const char *path, int flags, uint32_t mode, uint64_t resolve)
{
	struct open_how how = {.flags = (uint64_t)(unsigned)flags, .mode = mode,
			       .resolve = resolve};
	long r = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
	return r < 0 ? -errno : (int)r;
}

int fs_getname(struct task *t, uint32_t upath, char *buf, size_t n)
{
	long r = strncpy_from_user(t, buf, upath, n);
	if (r < 0)
		return (int)r;
	if (r == 0)
		return -ENOENT;
	return 0;
}

/* Lexical normalisation of a guest-absolute path: collapses "//", "." and ".." (at the
 * root ".." stays there). Used for the /proc test and for building canonical names. */
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

/* The guest path a relative name starts from: the working directory or dirfd's file. */
static int base_path(struct task *t, int dirfd, const char *path, char *buf, size_t n)
{
	if (path[0] == '/') {
		buf[0] = '\0';
		return 0;
	}
	if (dirfd == GUEST_AT_FDCWD) {
		snprintf(buf, n, "%s", t->fs->cwd);
		return 0;
	}
	struct file *f = fget(t, dirfd);
	if (!f)
		return -EBADF;
	int r = 0;
	struct stat st;
	if (f->kind == FILE_HOST) {
		if (fstat(f->host_fd, &st) < 0)
			r = -errno;
		else if (!S_ISDIR(st.st_mode))
			r = -ENOTDIR;
	} else if (!f->proc_dir) {
		r = -ENOTDIR;
	}
	if (!r)
		snprintf(buf, n, "%s", f->path ? f->path : "/");
	fput(f);
	return r;
}

/* The full guest path (not yet normalised: ".." must meet symlinks as the kernel does). */
static int full_path(struct task *t, int dirfd, const char *path, char *out, size_t n)
{
	char base[PATH_MAX];
	int r = base_path(t, dirfd, path, base, sizeof(base));
	if (r)
		return r;
	if ((size_t)snprintf(out, n, "%s/%s", base, path) >= n)
		return -ENAMETOOLONG;
	return 0;
}

bool fs_is_proc_path(struct task *t, int dirfd, const char *path, char *out, size_t n)
{
	char full[2 * PATH_MAX];
	if (full_path(t, dirfd, path, full, sizeof(full)))
		return false;
	normalise(full, out, n);
	return strcmp(out, "/proc") == 0 || strncmp(out, "/proc/", 6) == 0;
}

bool fs_is_sysfs_path(struct task *t, int dirfd, const char *path, char *out, size_t n)
{
	char full[2 * PATH_MAX];
	if (full_path(t, dirfd, path, full, sizeof(full)))
		return false;
	normalise(full, out, n);
	return sysfs_is_modelled(out);
}

/* The host path a host descriptor refers to (PATH_MAX bytes): 0 or -errno. */
static int host_path_of_fd(int host_fd, char host[PATH_MAX])
{
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", host_fd);
	ssize_t l = readlink(link, host, PATH_MAX - 1);
	if (l < 0)
		return -errno;
	host[l] = '\0';
	return 0;
}

int fs_guest_path_of_fd(struct task *t, int host_fd, char *buf, size_t n)
{
	char host[PATH_MAX];
	int r = host_path_of_fd(host_fd, host);
	if (r)
		return r;
	const char *root = t->fs->root_host;
	size_t rl = strlen(root);
	if (rl && strncmp(host, root, rl) == 0 && (host[rl] == '/' || host[rl] == '\0'))
		snprintf(buf, n, "%s", host[rl] ? host + rl : "/");
	else
		snprintf(buf, n, "%s", host);
	return 0;
}

static int open_in_root(struct task *t, const char *full, int flags, uint32_t mode)
{
	/* RESOLVE_IN_ROOT takes a relative path from the root descriptor */
	const char *p = full;
	while (*p == '/')
		p++;
	return host_openat2(t->fs->root_fd, *p ? p : ".", flags, mode,
			    RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
}

void nd_release(struct nameidata *nd)
{
	if (nd->dirfd >= 0)
		close(nd->dirfd);
	nd->dirfd = -1;
}

int fs_resolve_parent(struct task *t, int dirfd, const char *path, bool follow,
		      struct nameidata *nd)
{
	char full[2 * PATH_MAX];
	nd->dirfd = -1;
	nd->last[0] = '\0';
	nd->must_be_dir = false;
	nd->dots = 0;
	if (!*path)
		return -ENOENT;
	int r = full_path(t, dirfd, path, full, sizeof(full));
	if (r)
		return r;
	for (int links = 0;; links++) {
		if (links > 0) {
			/* a symlink into /proc (/dev/stdout -> /proc/self/fd/1) leads to the
			 * guest's procfs, not the host's */
			char norm[PATH_MAX];
			normalise(full, norm, sizeof(norm));
			if (!strcmp(norm, "/proc") || !strncmp(norm, "/proc/", 6)) {
				snprintf(nd->guest, sizeof(nd->guest), "%s", norm);
				return FS_RESOLVED_PROC;
			}
		}
		size_t len = strlen(full);
		bool trailing = false;
		while (len > 1 && full[len - 1] == '/') {
			full[--len] = '\0';
			trailing = true;
		}
		char *slash = strrchr(full, '/');
		const char *last = slash ? slash + 1 : full;
		if (!*last || !strcmp(last, ".") || !strcmp(last, "..")) {
			nd->dots = !*last ? 3 : last[1] ? 2 : 1;
			int fd = open_in_root(t, full, O_PATH, 0);
			if (fd < 0)
				return fd;
			nd->dirfd = fd;
			nd->last[0] = '\0';
			return fs_guest_path_of_fd(t, fd, nd->guest, sizeof(nd->guest));
		}
		if (strlen(last) >= sizeof(nd->last))
			return -ENAMETOOLONG;
		char parent[2 * PATH_MAX];
		size_t pl = (size_t)(last - full);
		memcpy(parent, full, pl);
		parent[pl] = '\0';
		int fd = open_in_root(t, parent, O_PATH | O_DIRECTORY, 0);
		if (fd < 0)
			return fd;
		struct stat st;
		if ((follow || trailing) && fstatat(fd, last, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode)) {
			if (links >= MAXSYMLINKS) {
				close(fd);
				return -ELOOP;
			}
			char target[PATH_MAX];
			ssize_t l = readlinkat(fd, last, target, sizeof(target) - 1);
			if (l < 0) {
				r = -errno;
				close(fd);
				return r;
			}
			target[l] = '\0';
			char pguest[PATH_MAX];
			r = fs_guest_path_of_fd(t, fd, pguest, sizeof(pguest));
			close(fd);
			if (r)
				return r;
			int w = target[0] == '/'
					? snprintf(full, sizeof(full), "%s%s", target, trailing ? "/" : "")
					: snprintf(full, sizeof(full), "%s/%s%s", pguest, target,
						   trailing ? "/" : "");
			if ((size_t)w >= sizeof(full))
				return -ENAMETOOLONG;
			continue;
		}
		nd->dirfd = fd;
		nd->must_be_dir = trailing;
		snprintf(nd->last, sizeof(nd->last), "%s", last);
		return fs_guest_path_of_fd(t, fd, nd->guest, sizeof(nd->guest));
	}
}

int fs_open_host(struct task *t, int dirfd, const char *path, int host_flags, uint32_t mode,
		 bool follow)
{
	char full[2 * PATH_MAX];
	if (!*path)
		return -ENOENT;
	int r = full_path(t, dirfd, path, full, sizeof(full));
	if (r)
		return r;
	return open_in_root(t, full, host_flags | (follow ? 0 : O_NOFOLLOW), mode);
}

static bool under(const char *path, const char *dir)
{
	size_t l = strlen(dir);
	if (l == 0) /* the host's "/" */
		return true;
	return strncmp(path, dir, l) == 0 && (path[l] == '/' || path[l] == '\0');
}

int fs_may_write(struct task *t, int host_fd, const char *what)
{
	struct fs_struct *fs = t->fs;
	char host[PATH_MAX];
	int r = host_path_of_fd(host_fd, host);
	if (r)
		return r;
	for (size_t i = 0; i < fs->nrw; i++)
		if (under(host, fs->rw_host[i]))
			return 0;
	if (!fs->reported_denied) {
		char guest[PATH_MAX];
		fs_guest_path_of_fd(t, host_fd, guest, sizeof(guest));
		fprintf(stderr,
			"vmlab: %s in %s refused: not below a writable directory (--rw DIR); "
			"the program sees EROFS (reported once)\n",
			what, guest);
		fs->reported_denied = true;
	}
	return -EROFS;
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
	char path[PATH_MAX];
	if (fs_guest_path_of_fd(t, fd, path, sizeof(path)))
		snprintf(path, sizeof(path), "/dev/fd/%d", hostfd);
	/* i386 glibc opens everything with O_LARGEFILE; the host does not report it */
	struct file *f = file_alloc(FILE_HOST, fd, (uint32_t)(fl < 0 ? 0 : fl) | 0100000u, path);
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
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
	int probe = fs->root_fd < 0 ? -errno : host_openat2(fs->root_fd, ".", O_PATH, 0,
							      RESOLVE_IN_ROOT);
	if (probe < 0) {
		fprintf(stderr, "vmlab: cannot open the root %s%s: %s\n", root,
			probe == -ENOSYS ? " (the host kernel lacks openat2, Linux 5.6+)" : "",
			strerror(-probe));
		fs_teardown(t);
		return probe;
	}
	close(probe);
	int r = 0;
	if (c && c->rw_given) {
		for (size_t i = 0; i < c->nrw && !r; i++)
			r = add_rw(fs, c->rw[i]);
	} else {
		r = add_rw(fs, ".");
		if (!r && access("/tmp", F_OK) == 0)
			r = add_rw(fs, "/tmp");
	}
	/* The guest starts in the host's working directory when it lies inside the root. */
	char cwd[PATH_MAX];
	char *hc = canonical_host(".");
	size_t rl = strlen(fs->root_host);
	if (hc && strncmp(hc, fs->root_host, rl) == 0 && (hc[rl] == '/' || hc[rl] == '\0'))
		snprintf(cwd, sizeof(cwd), "%s", hc[rl] ? hc + rl : "/");
	else
		snprintf(cwd, sizeof(cwd), "/");
	free(hc);
	fs->cwd = strdup(cwd);
	if (!r && !fs->cwd)
		r = -ENOMEM;
	if (!r) {
		fs->cwd_fd = open_in_root(t, cwd, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
		if (fs->cwd_fd < 0)
			r = fs->cwd_fd;
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
	if (t->files) {
		for (int i = 0; i < VMLAB_NR_OPEN; i++)
			if (t->files->fd[i])
				fd_close(t, i);
		free(t->files);
		t->files = NULL;
	}
	struct fs_struct *fs = t->fs;
	if (!fs)
		return;
	if (fs->root_fd >= 0)
		close(fs->root_fd);
	if (fs->cwd_fd >= 0)
		close(fs->cwd_fd);
	free(fs->root_host);
	free(fs->cwd);
	for (size_t i = 0; i < fs->nrw; i++)
		free(fs->rw_host[i]);
	free(fs->rw_host);
	free(fs);
	t->fs = NULL;
}
