/* SysV shared memory without a guest program (ipc/shm.c): ids and keys, shm_nattch through
 * IPC_STAT as attaches come and go (fork copies one, shmdt drops it), segment VMAs that do
 * not merge back after a split, ipc(2)'s SHMAT writing the address back, and IPC_RMID
 * destroying the segment at the last detach. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/machine.h"
#include "kernel/mm/memory.h"
#include "kernel/mm/mman.h"
#include "kernel/mm/mmap.h"
#include "kernel/sched.h"
#include "kernel/uaccess.h"
#include "test_mm_fixture.h"

long sys_fork(struct task *t, const uint32_t *a);
long sys_ipc(struct task *t, const uint32_t *a);
long sys_shmget(struct task *t, const uint32_t *a);
long sys_shmat(struct task *t, const uint32_t *a);
long sys_shmdt(struct task *t, const uint32_t *a);
long sys_shmctl(struct task *t, const uint32_t *a);
long sys_mprotect(struct task *t, const uint32_t *a);

struct fx {
	struct machine *m;
	struct task *t;
	uint32_t buf; /* a user page for IPC_STAT */
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

static long shmget(struct task *t, uint32_t key, uint32_t size, uint32_t flg)
{
	uint32_t a[3] = {key, size, flg};
	return sys_shmget(t, a);
}

static long shmat(struct task *t, long id, uint32_t addr, uint32_t flg)
{
	uint32_t a[3] = {(uint32_t)id, addr, flg};
	return sys_shmat(t, a);
}

static long shmdt(struct task *t, uint32_t addr)
{
	uint32_t a[1] = {addr};
	return sys_shmdt(t, a);
}

/* IPC_STAT (struct shmid64_ds) into f->buf; word i of it, or -errno. */
static long stat_word(struct fx *f, struct task *t, long id, int i)
{
	uint32_t a[3] = {(uint32_t)id, 2 /* IPC_STAT */, f->buf};
	long r = sys_shmctl(t, a);
	if (r)
		return r;
	uint32_t w[21];
	assert_int_equal(copy_from_user(t, w, f->buf, sizeof w), 0);
	return (long)w[i];
}

#define W_KEY 0
#define W_MODE 5
#define W_SEGSZ 9
#define W_NATTCH 18

static void test_ids_and_keys(void **state)
{
	struct fx *f = *state;
	struct task *t = f->t;
	assert_int_equal(shmget(t, 0, 10000, 01000 | 0600), 0);
	assert_int_equal(shmget(t, 0, 4096, 01000 | 0600), 1);
	assert_int_equal(shmget(t, 0x1234, 4096, 0600), -ENOENT);
	assert_int_equal(shmget(t, 0x1234, 4096, 01000 | 0640), 2);
	assert_int_equal(shmget(t, 0x1234, 0, 0), 2);
	assert_int_equal(shmget(t, 0x1234, 8192, 0), -EINVAL);
	assert_int_equal(shmget(t, 0x1234, 4096, 03000 | 0600), -EEXIST);
	assert_int_equal(shmget(t, 0, 0, 01000), -EINVAL);
	assert_int_equal(stat_word(f, t, 2, W_KEY), 0x1234);
	assert_int_equal(stat_word(f, t, 2, W_MODE), 0640);
	assert_int_equal(stat_word(f, t, 0, W_SEGSZ), 10000);
	assert_int_equal(stat_word(f, t, 32768, W_SEGSZ), -EINVAL); /* wrong sequence */
	/* the old layout through ipc(2) without IPC_64: nattch is the u16 at byte 36 */
	uint32_t a[6] = {24 /* SHMCTL */, 0, 2, 0, f->buf, 0};
	assert_int_equal(sys_ipc(t, a), 0);
	uint8_t old[48];
	assert_int_equal(copy_from_user(t, old, f->buf, sizeof old), 0);
	uint32_t segsz;
	memcpy(&segsz, old + 16, 4);
	assert_int_equal(segsz, 10000);
}

static void test_nattch_fork_rmid(void **state)
{
	struct fx *f = *state;
	struct task *t = f->t;
	long id = shmget(t, 0, 3 * PAGE_SIZE, 01000 | 0600);
	assert_true(id >= 0);
	long addr = shmat(t, id, 0, 0);
	assert_true(addr > 0 && (addr & 0xFFF) == 0);
	uint32_t a = (uint32_t)addr;
	assert_int_equal(stat_word(f, t, id, W_NATTCH), 1);
	struct vm_area_struct *v = vma_lookup(t->mm, a);
	assert_non_null(v);
	assert_true(v->vm_flags & VM_SHARED);
	assert_int_equal(v->vm_end - v->vm_start, 3 * PAGE_SIZE);

	/* a split counts twice and stays split */
	uint32_t mp[3] = {a, PAGE_SIZE, PROT_READ};
	assert_int_equal(sys_mprotect(t, mp), 0);
	assert_int_equal(stat_word(f, t, id, W_NATTCH), 2);
	mp[2] = PROT_READ | PROT_WRITE;
	assert_int_equal(sys_mprotect(t, mp), 0);
	assert_int_equal(stat_word(f, t, id, W_NATTCH), 2);
	assert_int_equal(vma_lookup(t->mm, a)->vm_end, a + PAGE_SIZE);

	/* fork copies both VMAs; the child's shmdt takes its whole attach */
	long pid = sys_fork(t, NULL);
	assert_true(pid > PID_FIRST);
	struct task *c = find_task_by_pid(&f->m->sched, (int)pid);
	assert_non_null(c);
	assert_int_equal(stat_word(f, t, id, W_NATTCH), 4);
	assert_int_equal(shmdt(c, a + 1), -EINVAL);
	assert_int_equal(shmdt(c, a), 0);
	assert_null(vma_lookup(c->mm, a));
	assert_null(vma_lookup(c->mm, a + 2 * PAGE_SIZE));
	assert_int_equal(shmdt(c, a), -EINVAL);
	assert_int_equal(stat_word(f, t, id, W_NATTCH), 2);

	/* ipc(2) SHMAT: the address comes back through the third argument */
	uint32_t ia[6] = {21 /* SHMAT */, (uint32_t)id, 010000 /* SHM_RDONLY */, f->buf + 64, 0, 0};
	assert_int_equal(sys_ipc(t, ia), 0);
	uint32_t r;
	assert_int_equal(copy_from_user(t, &r, f->buf + 64, 4), 0);
	assert_int_equal(vma_lookup(t->mm, r)->vm_flags & VM_WRITE, 0);
	assert_int_equal(stat_word(f, t, id, W_NATTCH), 3);

	/* removed while attached: unnamed, SHM_DEST, still there until the last detach */
	uint32_t rm[3] = {(uint32_t)id, 0 /* IPC_RMID */, 0};
	assert_int_equal(sys_shmctl(t, rm), 0);
	assert_int_equal(stat_word(f, t, id, W_MODE), 01600);
	uint32_t dt[6] = {22 /* SHMDT */, 0, 0, 0, r, 0};
	assert_int_equal(sys_ipc(t, dt), 0);
	assert_int_equal(stat_word(f, t, id, W_NATTCH), 2);
	assert_int_equal(shmdt(t, a), 0);
	assert_int_equal(stat_word(f, t, id, W_NATTCH), -EINVAL);
	assert_int_equal(sys_shmctl(t, rm), -EINVAL);
	/* unknown ipc(2) calls are ENOSYS, as Linux answers */
	uint32_t bad[6] = {99, 0, 0, 0, 0, 0};
	assert_int_equal(sys_ipc(t, bad), -ENOSYS);
}

/* Hostile sizes and counts: errors, not host allocations or crashes. */
static void test_limits(void **state)
{
	struct fx *f = *state;
	struct task *t = f->t;
	/* SHMMAX: more than RAM + swap fails the overcommit check, unless SHM_NORESERVE */
	assert_int_equal(shmget(t, 0, 0xFEFFFFFFu, 01000 | 0600), -ENOMEM);
	long big = shmget(t, 0, 0xFEFFFFFFu, 010000 | 01000 | 0600);
	assert_true(big >= 0);
	assert_int_equal(shmget(t, 0, 0xFF000000u, 01000 | 0600), -EINVAL);
	assert_int_equal(shmat(t, big, 0, 0), -ENOMEM); /* no room in 3 GB */
	assert_int_equal(stat_word(f, t, big, W_NATTCH), 0);
	assert_int_equal(shmat(t, big, 0x1000, 020000 /* SHM_RND */), -EINVAL); /* overlaps */
	assert_int_equal(shmat(t, 0, 0, 040000 /* SHM_REMAP without an address */), -EINVAL);
	int n = 1;
	while (shmget(t, 0, 1, 01000 | 0600) >= 0)
		n++;
	assert_int_equal(n, 4096); /* SHMMNI */
	assert_int_equal(shmget(t, 0, 1, 01000 | 0600), -ENOSPC);
	/* IPC_INFO: the limits, and the highest index in use */
	uint32_t info[3] = {0, 3 /* IPC_INFO */, f->buf};
	assert_int_equal(sys_shmctl(t, info), 4095);
	uint32_t lim[9];
	assert_int_equal(copy_from_user(t, lim, f->buf, sizeof lim), 0);
	assert_int_equal(lim[0], 0xFEFFFFFFu);
	assert_int_equal(lim[2], 4096);
	uint32_t oinfo[6] = {24 /* SHMCTL */, 0, 3 /* IPC_INFO, old layout */, 0, f->buf, 0};
	assert_int_equal(sys_ipc(t, oinfo), 4095);
	assert_int_equal(copy_from_user(t, lim, f->buf, 4), 0);
	assert_int_equal(lim[0], 0x7FFFFFFFu);
	uint32_t rm[3] = {(uint32_t)big, 0, 0};
	assert_int_equal(sys_shmctl(t, rm), 0);
	/* the freed index is reused with the next sequence number */
	assert_int_equal(shmget(t, 0, 1, 01000 | 0600), 32768 + big);
}

static long shmctl(struct task *t, long id, uint32_t cmd, uint32_t buf)
{
	uint32_t a[3] = {(uint32_t)id, cmd, buf};
	return sys_shmctl(t, a);
}

#define SHM_LOCK 11
#define SHM_UNLOCK 12
#define SHM_INFO 14
#define RLIMIT_MEMLOCK 8

/* shmctl_do_lock's rules: the owner or creator (else EPERM), a non-zero RLIMIT_MEMLOCK for
 * SHM_LOCK (else EPERM), the user's locked segments within it (user_shm_lock: ENOMEM), none
 * of it for CAP_IPC_LOCK (euid 0); SHM_LOCKED in the mode; IPC_RMID gives the charge back. */
static void test_lock(void **state)
{
	struct fx *f = *state;
	struct task *t = f->t;
	t->uid = t->euid = 1000;
	t->rlim[RLIMIT_MEMLOCK].cur = 64 * 1024;
	long a = shmget(t, 0, 16 * 1024, 01000 | 0600);
	long b = shmget(t, 0, 64 * 1024, 01000 | 0600);
	assert_true(a >= 0 && b >= 0);
	assert_int_equal(shmctl(t, a, SHM_LOCK, 0), 0);
	assert_int_equal(stat_word(f, t, a, W_MODE) & 02000, 02000);
	assert_int_equal(shmctl(t, a, SHM_LOCK, 0), 0); /* already locked: nothing more charged */
	assert_int_equal(shmctl(t, b, SHM_LOCK, 0), -ENOMEM); /* 16 + 64 KB > 64 KB */
	assert_int_equal(stat_word(f, t, b, W_MODE) & 02000, 0);
	t->euid = 2000; /* neither owner nor creator */
	assert_int_equal(shmctl(t, a, SHM_UNLOCK, 0), -EPERM);
	t->euid = 1000;
	t->rlim[RLIMIT_MEMLOCK].cur = 0;
	assert_int_equal(shmctl(t, b, SHM_LOCK, 0), -EPERM);
	assert_int_equal(shmctl(t, a, SHM_UNLOCK, 0), 0); /* unlocking needs no limit */
	assert_int_equal(stat_word(f, t, a, W_MODE) & 02000, 0);
	assert_int_equal(shmctl(t, a, SHM_UNLOCK, 0), 0);
	t->rlim[RLIMIT_MEMLOCK].cur = 64 * 1024;
	assert_int_equal(shmctl(t, a, SHM_LOCK, 0), 0);
	assert_int_equal(shmctl(t, a, 0 /* IPC_RMID */, 0), 0); /* not attached: gone, uncharged */
	assert_int_equal(shmctl(t, b, SHM_LOCK, 0), 0);
	long c = shmget(t, 0, 4096, 01000 | 0600);
	assert_int_equal(shmctl(t, c, SHM_LOCK, 0), -ENOMEM);
	t->euid = 0; /* CAP_IPC_LOCK: no limit */
	assert_int_equal(shmctl(t, c, SHM_LOCK, 0), 0);
	assert_int_equal(shmctl(t, 99999, SHM_LOCK, 0), -EINVAL);
	/* SHM_INFO: used_ids, shm_tot (pages), shm_rss, shm_swp (nothing touched) */
	assert_int_equal(shmctl(t, 0, SHM_INFO, f->buf), 2);
	uint32_t w[6];
	assert_int_equal(copy_from_user(t, w, f->buf, sizeof w), 0);
	assert_int_equal(w[0], 2);
	assert_int_equal(w[1], 16 + 1);
	assert_int_equal(w[2], 0);
	assert_int_equal(w[3], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_ids_and_keys, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_nattch_fork_rmid, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
