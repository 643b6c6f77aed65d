/* SysV semaphores and message queues without a guest program (ipc/sem.c, msg.c, util.c):
 * the semop rules on plain arrays, msgrcv's type selection, the id allocator, and on the
 * processes' fixture a semop blocking in the scheduler and completed by another task's,
 * EIDRM for a sleeper, SEM_UNDO applied at exit, and a message handed straight to a
 * waiting receiver. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/exit.h"
#include "kernel/ipc/msg.h"
#include "kernel/ipc/sem.h"
#include "kernel/ipc/util.h"
#include "kernel/machine.h"
#include "kernel/mm/mman.h"
#include "kernel/mm/mmap.h"
#include "kernel/sched.h"
#include "kernel/uaccess.h"
#include "test_mm_fixture.h"

long sys_fork(struct task *t, const uint32_t *a);
long sys_semget(struct task *t, const uint32_t *a);
long sys_semctl(struct task *t, const uint32_t *a);
long sys_semtimedop_time64(struct task *t, const uint32_t *a);
long sys_msgget(struct task *t, const uint32_t *a);
long sys_msgsnd(struct task *t, const uint32_t *a);
long sys_msgrcv(struct task *t, const uint32_t *a);
long sys_msgctl(struct task *t, const uint32_t *a);

#define SEM_UNDO 0x1000
#define GETVAL 12
#define GETPID 11
#define GETNCNT 14
#define SETVAL 16

/* ---- pure rules ---- */

static void test_sem_perform(void **state)
{
	(void)state;
	int v[3] = {1, 0, 32766};
	int16_t adj[3] = {0};
	int blk = -1;
	/* all or nothing: the second operation waits, the first is undone */
	struct sembuf_k a[2] = {{0, -1, 0}, {1, -1, 0}};
	assert_int_equal(sem_perform(v, 3, a, 2, adj, &blk), 1);
	assert_int_equal(blk, 1);
	assert_int_equal(v[0], 1);
	a[1].sem_flg = IPC_NOWAIT;
	assert_int_equal(sem_perform(v, 3, a, 2, adj, &blk), -EAGAIN);
	/* wait for zero */
	struct sembuf_k z = {0, 0, 0};
	assert_int_equal(sem_perform(v, 3, &z, 1, adj, &blk), 1);
	z.sem_num = 1;
	assert_int_equal(sem_perform(v, 3, &z, 1, adj, &blk), 0);
	/* past SEMVMX, after an undone first operation */
	struct sembuf_k r[2] = {{0, 1, 0}, {2, 2, 0}};
	assert_int_equal(sem_perform(v, 3, r, 2, adj, &blk), -ERANGE);
	assert_int_equal(v[0], 1);
	/* a semaphore repeated: each operation sees the one before */
	struct sembuf_k d[2] = {{1, 2, SEM_UNDO}, {1, -2, 0}};
	assert_int_equal(sem_perform(v, 3, d, 2, adj, &blk), 0);
	assert_int_equal(v[1], 0);
	assert_int_equal(adj[1], -2);
	/* the adjustment's range is -32768..32767 */
	adj[0] = -32767;
	struct sembuf_k u = {0, 2, SEM_UNDO};
	assert_int_equal(sem_perform(v, 3, &u, 1, adj, &blk), -ERANGE);
	assert_int_equal(adj[0], -32767);
	assert_int_equal(v[0], 1);
	u.sem_op = 1;
	assert_int_equal(sem_perform(v, 3, &u, 1, adj, &blk), 0);
	assert_int_equal(adj[0], -32768);
}

static void test_msg_modes(void **state)
{
	(void)state;
	int32_t typ = 0;
	int m = msg_convert_mode(&typ, 0);
	assert_true(msg_testmsg(7, typ, m));
	typ = 3;
	m = msg_convert_mode(&typ, 0);
	assert_true(msg_testmsg(3, typ, m));
	assert_false(msg_testmsg(2, typ, m));
	m = msg_convert_mode(&typ, 020000 /* MSG_EXCEPT */);
	assert_false(msg_testmsg(3, typ, m));
	assert_true(msg_testmsg(2, typ, m));
	typ = -3;
	m = msg_convert_mode(&typ, 020000); /* a negative type ignores MSG_EXCEPT */
	assert_int_equal(typ, 3);
	assert_true(msg_testmsg(1, typ, m));
	assert_true(msg_testmsg(3, typ, m));
	assert_false(msg_testmsg(4, typ, m));
	typ = INT32_MIN;
	m = msg_convert_mode(&typ, 0);
	assert_int_equal(typ, INT32_MAX);
}

static void test_ids(void **state)
{
	(void)state;
	struct ipc_ids ids;
	struct kern_ipc_perm p[5] = {0};
	assert_int_equal(ipc_ids_init(&ids, 4), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(ipc_addid(&ids, &p[i]), i);
	assert_int_equal(ipc_addid(&ids, &p[4]), -ENOSPC);
	assert_int_equal(ipc_get_maxidx(&ids), 3);
	ipc_rmid(&ids, &p[1]);
	assert_null(ipc_obtain(&ids, 1));
	/* the cyclic search wraps to index 1: a new sequence */
	assert_int_equal(ipc_addid(&ids, &p[4]), (int)IPCMNI + 1);
	assert_ptr_equal(ipc_obtain(&ids, (int)IPCMNI + 1), &p[4]);
	assert_null(ipc_obtain(&ids, 1));
	assert_null(ipc_obtain(&ids, -1));
	ipc_ids_free(&ids);
}

/* ---- on the processes' fixture ---- */

struct fx {
	struct machine *m;
	struct task *t;
	uint32_t buf; /* a user page */
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	f->m = mm_fixture_user();
	if (!f->m)
		return -1;
	f->t = &f->m->task;
	f->buf = (uint32_t)do_mmap(f->t->mm, 0, PAGE_SIZE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	mm_fixture_destroy(f->m);
	free(f);
	return 0;
}

static long semctl(struct task *t, long id, int num, uint32_t cmd, uint32_t arg)
{
	uint32_t a[4] = {(uint32_t)id, (uint32_t)num, cmd, arg};
	return sys_semctl(t, a);
}

/* semop of the sembuf at user address sops. */
static long semop(struct task *t, long id, uint32_t sops)
{
	uint32_t a[4] = {(uint32_t)id, sops, 1, 0};
	return sys_semtimedop_time64(t, a);
}

static void put_sembuf(struct fx *f, uint32_t off, uint16_t num, int16_t op, int16_t flg)
{
	int16_t b[3] = {(int16_t)num, op, flg};
	assert_int_equal(copy_to_user(f->t, f->buf + off, b, 6), 0);
}

static struct task *fork_child(struct fx *f)
{
	long pid = sys_fork(f->t, NULL);
	assert_true(pid > PID_FIRST);
	struct task *c = find_task_by_pid(&f->m->sched, (int)pid);
	assert_non_null(c);
	return c;
}

static void test_sem_block_wake(void **state)
{
	struct fx *f = *state;
	struct task *t = f->t;
	uint32_t ga[3] = {0, 2, 01000 | 0600};
	long id = sys_semget(t, ga);
	assert_true(id >= 0);
	put_sembuf(f, 0, 0, -1, 0); /* P */
	put_sembuf(f, 8, 0, 1, 0);  /* V */
	struct task *c = fork_child(f);
	/* the child waits; its P is done on its behalf by the parent's V */
	assert_int_equal(semop(c, id, f->buf), -ERESTART_SCHED);
	assert_int_equal(c->state, TASK_INTERRUPTIBLE);
	assert_int_equal(c->wait.kind, WAIT_SEM);
	assert_false(task_can_run(c));
	assert_int_equal(semctl(t, id, 0, GETNCNT, 0), 1);
	assert_int_equal(semop(t, id, f->buf + 8), 0);
	assert_true(task_can_run(c));
	assert_int_equal(semctl(t, id, 0, GETVAL, 0), 0);
	assert_int_equal(semctl(t, id, 0, GETNCNT, 0), 0);
	assert_int_equal(semctl(t, id, 0, GETPID, 0), c->tgid);
	c->state = TASK_RUNNING;
	assert_int_equal(semop(c, id, f->buf), 0); /* the call again: its result */

	/* removal wakes a sleeper with EIDRM */
	assert_int_equal(semop(c, id, f->buf), -ERESTART_SCHED);
	assert_int_equal(semctl(t, id, 0, 0 /* IPC_RMID */, 0), 0);
	assert_true(task_can_run(c));
	c->state = TASK_RUNNING;
	assert_int_equal(semop(c, id, f->buf), -EIDRM);
	assert_int_equal(semop(c, id, f->buf), -EINVAL);
}

static void test_sem_undo_at_exit(void **state)
{
	struct fx *f = *state;
	struct task *t = f->t;
	uint32_t ga[3] = {0, 1, 01000 | 0600};
	long id = sys_semget(t, ga);
	assert_int_equal(semctl(t, id, 0, SETVAL, 3), 0);
	put_sembuf(f, 0, 0, -2, SEM_UNDO);
	put_sembuf(f, 8, 0, 0, 0); /* wait for zero */
	struct task *c = fork_child(f);
	assert_int_equal(semop(c, id, f->buf), 0);
	assert_int_equal(semctl(t, id, 0, GETVAL, 0), 1);
	/* a third task waits for zero; the parent takes the last one */
	struct task *w = fork_child(f);
	put_sembuf(f, 16, 0, -1, 0);
	assert_int_equal(semop(t, id, f->buf + 16), 0);
	assert_int_equal(semop(w, id, f->buf + 8), 0);
	/* the child's exit gives its 2 back */
	c->exited = true;
	do_exit(c);
	assert_int_equal(semctl(t, id, 0, GETVAL, 0), 2);
	assert_int_equal(semctl(t, id, 0, GETPID, 0), c->tgid);
}

static void test_msg_pipelined(void **state)
{
	struct fx *f = *state;
	struct task *t = f->t;
	uint32_t ga[2] = {0, 01000 | 0600};
	long id = sys_msgget(t, ga);
	assert_true(id >= 0);
	struct {
		int32_t type;
		char text[8];
	} m = {5, "hello"};
	assert_int_equal(copy_to_user(t, f->buf + 256, &m, sizeof m), 0);
	struct task *c = fork_child(f);
	/* the child waits for type 5 with room for 8 bytes */
	uint32_t ra[5] = {(uint32_t)id, f->buf, 8, 5, 0};
	assert_int_equal(sys_msgrcv(c, ra), -ERESTART_SCHED);
	assert_int_equal(c->wait.kind, WAIT_MSG);
	/* a type 4 message waits in the queue; type 5 goes straight to the child */
	m.type = 4;
	assert_int_equal(copy_to_user(t, f->buf + 512, &m, sizeof m), 0);
	uint32_t sa[4] = {(uint32_t)id, f->buf + 512, 5, 0};
	assert_int_equal(sys_msgsnd(t, sa), 0);
	assert_false(task_can_run(c));
	sa[1] = f->buf + 256;
	assert_int_equal(sys_msgsnd(t, sa), 0);
	assert_true(task_can_run(c));
	c->state = TASK_RUNNING;
	assert_int_equal(sys_msgrcv(c, ra), 5);
	char got[12] = {0};
	assert_int_equal(copy_from_user(c, got, f->buf, 9), 0);
	assert_int_equal(got[0], 5);
	assert_memory_equal(got + 4, "hello", 5);
	/* IPC_STAT: qnum (word 16) is the type 4 message only */
	uint32_t ca[3] = {(uint32_t)id, 2 /* IPC_STAT */, f->buf + 1024};
	assert_int_equal(sys_msgctl(t, ca), 0);
	uint32_t w[22];
	assert_int_equal(copy_from_user(t, w, f->buf + 1024, sizeof w), 0);
	assert_int_equal(w[16], 1);
	assert_int_equal(w[15], 5);
	assert_int_equal(w[19], (uint32_t)c->tgid); /* lrpid */
	/* a full queue: IPC_NOWAIT is EAGAIN */
	uint32_t set[3] = {(uint32_t)id, 1 /* IPC_SET */, f->buf + 1024};
	w[17] = 5; /* qbytes */
	assert_int_equal(copy_to_user(t, f->buf + 1024, w, sizeof w), 0);
	assert_int_equal(sys_msgctl(t, set), 0);
	uint32_t nw[4] = {(uint32_t)id, f->buf + 256, 1, 04000};
	assert_int_equal(sys_msgsnd(t, nw), -EAGAIN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sem_perform),
	    cmocka_unit_test(test_msg_modes),
	    cmocka_unit_test(test_ids),
	    cmocka_unit_test_setup_teardown(test_sem_block_wake, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sem_undo_at_exit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_msg_pipelined, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
