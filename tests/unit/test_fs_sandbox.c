/* The fs sandbox: paths resolve below --root whatever ".." and symlinks say, and writes are
 * allowed only below --rw directories. Runs on a scratch tree in /tmp, no guest needed. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

#include "kernel/fs/file.h"
#include "kernel/fs/fs.h"
#include "kernel/task.h"

#define AT_FDCWD_GUEST (-100)

struct fx {
	char base[PATH_MAX];   /* scratch directory: base/root is the guest's "/" */
	char root[PATH_MAX + 16];
	struct task t;
	struct fs_config fc;
};

static void mk(const char *base, const char *rel, const char *content)
{
	char p[2 * PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", base, rel);
	if (content) {
		FILE *f = fopen(p, "w");
		assert_non_null(f);
		fputs(content, f);
		fclose(f);
	} else {
		assert_int_equal(mkdir(p, 0755), 0);
	}
}

static void ln(const char *base, const char *rel, const char *target)
{
	char p[2 * PATH_MAX];
	snprintf(p, sizeof(p), "%s/%s", base, rel);
	assert_int_equal(symlink(target, p), 0);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	snprintf(f->base, sizeof(f->base), "/tmp/vmlab-fs-XXXXXX");
	if (!mkdtemp(f->base))
		return -1;
	/* base/outside/secret must stay unreachable from base/root */
	mk(f->base, "outside", NULL);
	mk(f->base, "outside/secret", "secret\n");
	mk(f->base, "root", NULL);
	mk(f->base, "root/a", NULL);
	mk(f->base, "root/a/b", NULL);
	mk(f->base, "root/file", "inside\n");
	mk(f->base, "root/rw", NULL);
	mk(f->base, "root/rw/data", "data\n");
	ln(f->base, "root/up", "../../../../outside");
	ln(f->base, "root/abs", "/outside/secret");
	ln(f->base, "root/a/b/toroot", "/file");
	ln(f->base, "root/a/rel", "b");
	ln(f->base, "root/loop1", "loop2");
	ln(f->base, "root/loop2", "loop1");
	ln(f->base, "root/rw/escape", "/file");
	ln(f->base, "root/proc_link", "/proc/self/maps");
	snprintf(f->root, sizeof(f->root), "%s/root", f->base);
	fs_config_init(&f->fc);
	char rw[PATH_MAX + 32];
	snprintf(rw, sizeof(rw), "--rw=%s/rw", f->root);
	char rootopt[PATH_MAX + 32];
	snprintf(rootopt, sizeof(rootopt), "--root=%s", f->root);
	if (fs_parse_option(&f->fc, rootopt, NULL) != 1 || fs_parse_option(&f->fc, rw, NULL) != 1)
		return -1;
	if (fs_setup(&f->t, &f->fc))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	fs_teardown(&f->t);
	fs_config_free(&f->fc);
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->base);
	int r = system(cmd);
	free(f);
	return r == 0 ? 0 : -1;
}

/* Reads what a guest path opens to ("" when it fails: then returns -errno). */
static int read_guest(struct fx *f, const char *path, char *buf, size_t n)
{
	buf[0] = '\0';
	int fd = fs_open_host(&f->t, AT_FDCWD_GUEST, path, O_RDONLY | O_CLOEXEC, 0, true);
	if (fd < 0)
		return fd;
	ssize_t l = read(fd, buf, n - 1);
	close(fd);
	buf[l < 0 ? 0 : l] = '\0';
	return 0;
}

static void test_dotdot_stops_at_root(void **state)
{
	struct fx *f = *state;
	char buf[64];
	assert_int_equal(read_guest(f, "/../../../outside/secret", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(read_guest(f, "/../../../file", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "inside\n");
	assert_int_equal(read_guest(f, "a/b/../../file", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "inside\n");
}

static void test_symlinks_stay_inside(void **state)
{
	struct fx *f = *state;
	char buf[64];
	/* a relative link climbing out and an absolute one both resolve inside the root */
	assert_int_equal(read_guest(f, "/up/secret", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(read_guest(f, "/abs", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(read_guest(f, "/a/b/toroot", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "inside\n");
	assert_int_equal(read_guest(f, "/loop1", buf, sizeof(buf)), -ELOOP);
}

static void test_resolve_parent_follows_last_link(void **state)
{
	struct fx *f = *state;
	struct nameidata nd;
	char g[PATH_MAX];
	assert_int_equal(fs_resolve_parent(&f->t, AT_FDCWD_GUEST, "/a/b/toroot", true, &nd), 0);
	assert_int_equal(fs_guest_path_of_fd(&f->t, nd.dirfd, g, sizeof(g)), 0);
	assert_string_equal(g, "/");
	assert_string_equal(nd.last, "file");
	nd_release(&nd);
	assert_int_equal(fs_resolve_parent(&f->t, AT_FDCWD_GUEST, "/a/rel/toroot", false, &nd), 0);
	assert_int_equal(fs_guest_path_of_fd(&f->t, nd.dirfd, g, sizeof(g)), 0);
	assert_string_equal(g, "/a/b");
	assert_string_equal(nd.last, "toroot");
	nd_release(&nd);
	assert_int_equal(fs_resolve_parent(&f->t, AT_FDCWD_GUEST, "/loop1", true, &nd), -ELOOP);
	nd_release(&nd);
	assert_int_equal(fs_resolve_parent(&f->t, AT_FDCWD_GUEST, "", true, &nd), -ENOENT);
	/* a symlink into /proc leads to the guest's procfs, not the host's */
	assert_int_equal(fs_resolve_parent(&f->t, AT_FDCWD_GUEST, "/proc_link", true, &nd),
			 FS_RESOLVED_PROC);
	char want[64];
	snprintf(want, sizeof(want), "/proc/%d/maps", f->t.tgid); /* "self" followed */
	assert_string_equal(nd.proc, want);
	nd_release(&nd);
	assert_int_equal(fs_resolve_parent(&f->t, AT_FDCWD_GUEST, "/proc_link", false, &nd), 0);
	assert_string_equal(nd.last, "proc_link");
	nd_release(&nd);
	/* "dir/" must name a directory; ".", ".." and "/" are told apart for rmdir */
	assert_int_equal(fs_resolve_parent(&f->t, AT_FDCWD_GUEST, "/a/b//", false, &nd), 0);
	assert_string_equal(nd.last, "b");
	assert_true(nd.must_be_dir);
	nd_release(&nd);
	const char *dots[] = {"/a/.", "/a/..", "/"};
	for (int i = 0; i < 3; i++) {
		assert_int_equal(fs_resolve_parent(&f->t, AT_FDCWD_GUEST, dots[i], false, &nd), 0);
		assert_string_equal(nd.last, "");
		assert_int_equal(nd.dots, i + 1);
		nd_release(&nd);
	}
}

static void test_guest_paths(void **state)
{
	struct fx *f = *state;
	int fd = fs_open_host(&f->t, AT_FDCWD_GUEST, "/a/rel", O_PATH | O_CLOEXEC, 0, true);
	assert_true(fd >= 0);
	char g[PATH_MAX];
	assert_int_equal(fs_guest_path_of_fd(&f->t, fd, g, sizeof(g)), 0);
	assert_string_equal(g, "/a/b");
	close(fd);
	/* the working directory starts at "/" when the host's lies outside the root */
	assert_int_equal(fs_cwd_path(&f->t, g, sizeof(g)), 0);
	assert_string_equal(g, "/");
}

static void test_writes_only_below_rw(void **state)
{
	struct fx *f = *state;
	int fd = fs_open_host(&f->t, AT_FDCWD_GUEST, "/rw/data", O_PATH | O_CLOEXEC, 0, true);
	assert_true(fd >= 0);
	assert_int_equal(fs_may_write(&f->t, fd, "test"), 0);
	close(fd);
	fd = fs_open_host(&f->t, AT_FDCWD_GUEST, "/file", O_PATH | O_CLOEXEC, 0, true);
	assert_true(fd >= 0);
	assert_int_equal(fs_may_write(&f->t, fd, "test"), -EROFS);
	close(fd);
	/* a symlink inside the writable directory leads out of it: judged by its target */
	fd = fs_open_host(&f->t, AT_FDCWD_GUEST, "/rw/escape", O_PATH | O_CLOEXEC, 0, true);
	assert_true(fd >= 0);
	assert_int_equal(fs_may_write(&f->t, fd, "test"), -EROFS);
	close(fd);
}

/* Where a path ends: in the guest's procfs (never the host's) whichever way it gets there. */
static void test_proc_paths(void **state)
{
	struct fx *f = *state;
	struct nameidata nd;
	char want[64];
	snprintf(want, sizeof(want), "/proc/%d/stat", f->t.tgid);
	assert_int_equal(
	    fs_resolve_parent(&f->t, AT_FDCWD_GUEST, "/a/../proc//self/./stat", true, &nd),
	    FS_RESOLVED_PROC);
	assert_string_equal(nd.proc, want);
	nd_release(&nd);
	assert_int_equal(fs_resolve_parent(&f->t, AT_FDCWD_GUEST, "../../proc", true, &nd),
			 FS_RESOLVED_PROC);
	assert_string_equal(nd.proc, "/proc");
	nd_release(&nd);
	/* ".." out of procfs is the root again */
	assert_int_equal(
	    fs_resolve_parent(&f->t, AT_FDCWD_GUEST, "/proc/self/../../file", true, &nd), 0);
	assert_string_equal(nd.last, "file");
	nd_release(&nd);
	/* the host's /proc entries vmlab does not serve do not exist */
	assert_int_equal(fs_resolve_parent(&f->t, AT_FDCWD_GUEST, "/proc/self/mem/x", true, &nd),
			 -ENOENT);
	assert_int_equal(fs_resolve_parent(&f->t, AT_FDCWD_GUEST, "/procfoo", true, &nd), 0);
	assert_string_equal(nd.last, "procfoo");
	nd_release(&nd);
	assert_int_equal(fs_resolve_parent(&f->t, AT_FDCWD_GUEST, "/a/proc/self", true, &nd),
			 -ENOENT);
}

static void test_options(void **state)
{
	(void)state;
	struct fs_config c;
	fs_config_init(&c);
	assert_int_equal(fs_parse_option(&c, "--rw", "/tmp"), 2);
	assert_int_equal(fs_parse_option(&c, "--rw=/tmp", NULL), 1);
	assert_int_equal(c.nrw, 2);
	assert_true(c.rw_given);
	assert_int_equal(fs_parse_option(&c, "--stats", NULL), 0);
	assert_true(fs_parse_option(&c, "--root", "/nonexistent/dir") < 0);
	assert_true(fs_parse_option(&c, "--root", NULL) < 0);
	assert_true(fs_parse_option(&c, "--rw=", NULL) < 0);
	fs_config_free(&c);
}

static void test_fd_table(void **state)
{
	struct fx *f = *state;
	/* 0-2 are the host's stdin/out/err when open; a new file takes the lowest free slot */
	int hfd = fs_open_host(&f->t, AT_FDCWD_GUEST, "/file", O_RDONLY | O_CLOEXEC, 0, true);
	assert_true(hfd >= 0);
	struct file *file = file_alloc(FILE_HOST, hfd, 0, "/file");
	int fd = fd_install(&f->t, file, 0, false);
	assert_true(fd >= 0);
	struct file *g = fget(&f->t, fd);
	assert_ptr_equal(g, file);
	assert_int_equal(g->refcount, 2);
	fput(g);
	int fd2 = fd_install(&f->t, file_get(file), fd + 1, true);
	assert_int_equal(fd2, fd + 1);
	assert_true(f->t.files->cloexec[fd2]);
	assert_int_equal(fd_close(&f->t, fd), 0);
	assert_int_equal(fd_close(&f->t, fd), -EBADF);
	assert_int_equal(file->refcount, 1);
	assert_int_equal(fd_close(&f->t, fd2), 0);
	assert_null(fget(&f->t, fd2));
	assert_null(fget(&f->t, -1));
	assert_null(fget(&f->t, VMLAB_NR_OPEN));
}

/* The devices vmlab models; every other node is no device at all. */
static void test_devices(void **state)
{
	struct fx *f = *state;
	struct stat st = {.st_mode = S_IFCHR | 0666};
	st.st_rdev = makedev(1, 3);
	assert_int_equal(sandbox_device(&f->t, &st), DEV_NULL);
	st.st_rdev = makedev(1, 9);
	assert_int_equal(sandbox_device(&f->t, &st), DEV_URANDOM);
	st.st_rdev = makedev(5, 0);
	assert_int_equal(sandbox_device(&f->t, &st), DEV_TTY);
	st.st_rdev = makedev(1, 1); /* /dev/mem */
	assert_int_equal(sandbox_device(&f->t, &st), DEV_NONE);
	st.st_mode = S_IFBLK | 0660;
	st.st_rdev = makedev(1, 3);
	assert_int_equal(sandbox_device(&f->t, &st), DEV_NONE);
}

/* sandbox_open_object judges the object, whatever the name that led to it. */
static void test_open_object(void **state)
{
	struct fx *f = *state;
	char p[PATH_MAX + 32];
	snprintf(p, sizeof(p), "%s/fifo", f->root);
	assert_int_equal(mkfifo(p, 0644), 0);
	snprintf(p, sizeof(p), "%s/rw/fifo", f->root);
	assert_int_equal(mkfifo(p, 0644), 0);
	int obj = fs_open_host(&f->t, AT_FDCWD_GUEST, "/file", O_PATH | O_CLOEXEC, 0, true);
	assert_true(obj >= 0);
	assert_int_equal(sandbox_open_object(&f->t, obj, O_WRONLY, NULL), -EROFS);
	assert_int_equal(sandbox_open_object(&f->t, obj, O_RDONLY | O_TRUNC, NULL), -EROFS);
	int fd = sandbox_open_object(&f->t, obj, O_RDONLY, NULL);
	assert_true(fd >= 0);
	close(fd);
	close(obj);
	obj = fs_open_host(&f->t, AT_FDCWD_GUEST, "/rw/data", O_PATH | O_CLOEXEC, 0, true);
	fd = sandbox_open_object(&f->t, obj, O_RDWR, NULL);
	assert_true(fd >= 0);
	close(fd);
	close(obj);
	/* a FIFO never blocks the host, and one outside --rw is not written */
	obj = fs_open_host(&f->t, AT_FDCWD_GUEST, "/fifo", O_PATH | O_CLOEXEC, 0, true);
	assert_int_equal(sandbox_open_object(&f->t, obj, O_WRONLY | O_NONBLOCK, NULL), -EROFS);
	fd = sandbox_open_object(&f->t, obj, O_RDONLY, NULL);
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
	close(fd);
	close(obj);
	obj = fs_open_host(&f->t, AT_FDCWD_GUEST, "/rw/fifo", O_PATH | O_CLOEXEC, 0, true);
	fd = sandbox_open_object(&f->t, obj, O_RDWR, NULL);
	assert_true(fd >= 0);
	close(fd);
	close(obj);
	/* a symlink itself is not opened */
	obj =
	    fs_open_host(&f->t, AT_FDCWD_GUEST, "/abs", O_PATH | O_NOFOLLOW | O_CLOEXEC, 0, false);
	assert_true(obj >= 0);
	assert_int_equal(sandbox_open_object(&f->t, obj, O_RDONLY, NULL), -ELOOP);
	close(obj);
}

/* A directory descriptor keeps naming its directory after a rename (no stored path). */
static void test_rename_under_descriptor(void **state)
{
	struct fx *f = *state;
	int hfd =
	    fs_open_host(&f->t, AT_FDCWD_GUEST, "/a", O_PATH | O_DIRECTORY | O_CLOEXEC, 0, true);
	assert_true(hfd >= 0);
	int gfd = fd_install(&f->t, file_alloc(FILE_HOST, hfd, O_PATH, "/a"), 3, false);
	assert_true(gfd >= 0);
	char from[PATH_MAX + 32], to[PATH_MAX + 32];
	snprintf(from, sizeof(from), "%s/a", f->root);
	snprintf(to, sizeof(to), "%s/a2", f->root);
	assert_int_equal(rename(from, to), 0);
	assert_int_equal(mkdir(from, 0755), 0);
	struct nameidata nd;
	assert_int_equal(fs_resolve_parent(&f->t, gfd, "b", false, &nd), 0);
	char g[PATH_MAX];
	assert_int_equal(fs_guest_path_of_fd(&f->t, nd.dirfd, g, sizeof(g)), 0);
	assert_string_equal(g, "/a2");
	nd_release(&nd);
	/* and ".." from it climbs to the root, never past */
	assert_int_equal(fs_resolve_parent(&f->t, gfd, "../../../file", true, &nd), 0);
	assert_int_equal(fs_guest_path_of_fd(&f->t, nd.dirfd, g, sizeof(g)), 0);
	assert_string_equal(g, "/");
	nd_release(&nd);
	fd_close(&f->t, gfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_dotdot_stops_at_root, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_symlinks_stay_inside, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_resolve_parent_follows_last_link, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_guest_paths, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_writes_only_below_rw, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_proc_paths, setup, teardown),
	    cmocka_unit_test(test_options),
	    cmocka_unit_test_setup_teardown(test_fd_table, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_devices, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_open_object, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rename_under_descriptor, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
