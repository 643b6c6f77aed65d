/* Unix-domain control messages without a guest program (net/af_unix.c, net/socket.c): the
 * references SCM_RIGHTS holds on the files it passes (taken at send, moved to the new
 * descriptors at receive, dropped for those that did not fit and when the receiver closes
 * unread), a stream read that stops after the bytes carrying files, and a socket sent over
 * itself (a cycle only the end of the machine breaks: the sanitizer build would report it
 * as a leak otherwise). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/fs/file.h"
#include "kernel/fs/fs.h"
#include "kernel/machine.h"
#include "kernel/mm/mman.h"
#include "kernel/mm/mmap.h"
#include "kernel/uaccess.h"
#include "test_mm_fixture.h"

long sys_socketpair(struct task *t, const uint32_t *a);
long sys_sendmsg(struct task *t, const uint32_t *a);
long sys_recvmsg(struct task *t, const uint32_t *a);
long sys_close(struct task *t, const uint32_t *a);

#define AF_UNIX_ 1
#define SOCK_STREAM_ 1
#define SOCK_DGRAM_ 2
#define SOCK_NONBLOCK_ 0x800
#define MSG_CTRUNC_ 0x8

struct fx {
	struct machine *m;
	struct task *t;
	uint32_t buf; /* a user page: msghdr at 0, iovec at 64, control at 128, data at 512 */
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	f->m = mm_fixture_user();
	if (!f->m)
		return -1;
	f->t = &f->m->task;
	if (fs_setup(f->t, NULL))
		return -1;
	f->buf = (uint32_t)do_mmap(f->t->mm, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	fs_teardown(f->t);
	mm_fixture_destroy(f->m);
	free(f);
	return 0;
}

static void pair(struct fx *f, uint32_t type, int sv[2])
{
	uint32_t a[4] = {AF_UNIX_, type | SOCK_NONBLOCK_, 0, f->buf + 1024};
	assert_int_equal(sys_socketpair(f->t, a), 0);
	uint32_t v[2];
	assert_int_equal(copy_from_user(f->t, v, f->buf + 1024, 8), 0);
	sv[0] = (int)v[0];
	sv[1] = (int)v[1];
}

static void do_close(struct fx *f, int fd)
{
	uint32_t a[1] = {(uint32_t)fd};
	assert_int_equal(sys_close(f->t, a), 0);
}

/* A msghdr over len bytes of data at buf+512 and ctllen bytes of control at buf+128. */
static void put_msg(struct fx *f, uint32_t len, uint32_t ctllen)
{
	uint32_t iov[2] = {f->buf + 512, len};
	uint32_t m[7] = {0, 0, f->buf + 64, 1, ctllen ? f->buf + 128 : 0, ctllen, 0};
	assert_int_equal(copy_to_user(f->t, f->buf + 64, iov, sizeof iov), 0);
	assert_int_equal(copy_to_user(f->t, f->buf, m, sizeof m), 0);
}

static long send_fds(struct fx *f, int s, const char *data, const int *fds, int n)
{
	uint32_t c[3 + 8] = {12 + 4 * (uint32_t)n, 1, 1};
	if (n)
		memcpy(c + 3, fds, 4 * (size_t)n);
	assert_int_equal(copy_to_user(f->t, f->buf + 128, c, 12 + 4 * (size_t)n), 0);
	assert_int_equal(copy_to_user(f->t, f->buf + 512, data, strlen(data)), 0);
	put_msg(f, (uint32_t)strlen(data), n ? 12 + 4 * (uint32_t)n : 0);
	uint32_t a[3] = {(uint32_t)s, f->buf, 0};
	return sys_sendmsg(f->t, a);
}

/* recvmsg of up to len bytes with ctllen bytes of control; the msghdr's flags in *flags. */
static long recv_fds(struct fx *f, int s, uint32_t len, uint32_t ctllen, uint32_t *flags)
{
	put_msg(f, len, ctllen);
	uint32_t a[3] = {(uint32_t)s, f->buf, 0};
	long r = sys_recvmsg(f->t, a);
	uint32_t m[7];
	assert_int_equal(copy_from_user(f->t, m, f->buf, sizeof m), 0);
	*flags = m[6];
	return r;
}

static int refs(struct fx *f, int fd)
{
	return f->t->files->fd[fd]->refcount;
}

static void test_rights_references(void **state)
{
	struct fx *f = *state;
	int d[2], s[2];
	pair(f, SOCK_DGRAM_, d);
	pair(f, SOCK_STREAM_, s);
	int two[2] = {s[0], s[1]};
	assert_int_equal(refs(f, s[0]), 1);
	assert_int_equal(send_fds(f, d[0], "x", two, 2), 1);
	assert_int_equal(refs(f, s[0]), 2); /* held in flight */
	/* room for one: it becomes a descriptor, the other is dropped */
	uint32_t flags;
	assert_int_equal(recv_fds(f, d[1], 16, 16, &flags), 1);
	assert_int_equal(flags & MSG_CTRUNC_, MSG_CTRUNC_);
	uint32_t c[4];
	assert_int_equal(copy_from_user(f->t, c, f->buf + 128, sizeof c), 0);
	assert_int_equal(c[0], 16);
	int got = (int)c[3];
	assert_ptr_equal(f->t->files->fd[got], f->t->files->fd[s[0]]);
	assert_int_equal(refs(f, s[0]), 2); /* the new descriptor's */
	assert_int_equal(refs(f, s[1]), 1);
	do_close(f, got);
	/* closed unread: the files in flight go */
	assert_int_equal(send_fds(f, d[0], "y", two, 2), 1);
	assert_int_equal(refs(f, s[1]), 2);
	do_close(f, d[1]);
	assert_int_equal(refs(f, s[0]), 1);
	assert_int_equal(refs(f, s[1]), 1);
	do_close(f, d[0]);
	do_close(f, s[0]);
	do_close(f, s[1]);
}

static void test_stream_stops_after_files(void **state)
{
	struct fx *f = *state;
	int s[2];
	pair(f, SOCK_STREAM_, s);
	assert_int_equal(send_fds(f, s[0], "ab", NULL, 0), 2);
	assert_int_equal(send_fds(f, s[0], "CD", &s[0], 1), 2);
	assert_int_equal(send_fds(f, s[0], "ef", NULL, 0), 2);
	uint32_t flags;
	assert_int_equal(recv_fds(f, s[1], 100, 64, &flags), 4); /* "abCD" and the file */
	uint32_t c[4];
	assert_int_equal(copy_from_user(f->t, c, f->buf + 128, sizeof c), 0);
	assert_int_equal(c[0], 16);
	assert_int_equal(c[2], 1); /* SCM_RIGHTS */
	do_close(f, (int)c[3]);
	assert_int_equal(recv_fds(f, s[1], 100, 64, &flags), 2);
	uint32_t m[7];
	assert_int_equal(copy_from_user(f->t, m, f->buf, sizeof m), 0);
	assert_int_equal(m[5], 0); /* no control data with "ef" */
	assert_int_equal(recv_fds(f, s[1], 100, 64, &flags), -EAGAIN);
	do_close(f, s[0]);
	do_close(f, s[1]);
}

static void test_self_cycle(void **state)
{
	struct fx *f = *state;
	int s[2];
	pair(f, SOCK_STREAM_, s);
	/* each end in flight to the other: nothing reachable once both are closed */
	assert_int_equal(send_fds(f, s[0], "1", &s[0], 1), 1);
	assert_int_equal(send_fds(f, s[1], "2", &s[1], 1), 1);
	do_close(f, s[0]);
	do_close(f, s[1]);
	/* teardown's machine_destroy breaks the cycle (unix_table_destroy) */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_rights_references, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stream_stops_after_files, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_self_cycle, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
