/*
 * SysV IPC seen from vmlab's side, for tests/e2e/ipc.sh: what vmlab does not model (an
 * unknown ipc(2) call, shmctl SHM_STAT, msgrcv MSG_COPY: ENOSYS, each named once on
 * stderr) and that semaphore sets and messages are kernel memory (/proc/slabinfo's kmalloc
 * caches grow with them and shrink when they go). No golden: the host kernel implements
 * them all and its slab differs.
 */
#include "guestutil.h"

#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

static void call(const char *label, long nr)
{
	long r = syscall(SYS_ipc, nr, IPC_PRIVATE, 1, IPC_CREAT | 0600, 0, 0);
	report(label, r);
}

/* The active objects of every kmalloc cache. */
static long kmalloc_objs(void)
{
	FILE *f = fopen("/proc/slabinfo", "r");
	char line[512];
	long sum = 0;
	while (f && fgets(line, sizeof line, f)) {
		char name[64];
		long active;
		if (sscanf(line, "%63s %ld", name, &active) == 2 && !strncmp(name, "kmalloc-", 8))
			sum += active;
	}
	if (f)
		fclose(f);
	return sum;
}

int main(void)
{
	guest_init();
	call("ipc 99", 99);
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	report("shmget", id);
	struct shmid_ds ds;
	report("SHM_STAT", shmctl(0, SHM_STAT, &ds));
	report("rmid", shmctl(id, IPC_RMID, NULL));
	int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	struct {
		long t;
		char x[100];
	} m = {1, "x"};
	msgsnd(q, &m, sizeof m.x, 0);
	report("MSG_COPY", msgrcv(q, &m, sizeof m.x, 0, 040000 | IPC_NOWAIT));
	report("MSG_COPY again", msgrcv(q, &m, sizeof m.x, 0, 040000 | IPC_NOWAIT));

	long before = kmalloc_objs();
	int ids[50];
	for (int i = 0; i < 50; i++) {
		ids[i] = semget(IPC_PRIVATE, 8, IPC_CREAT | 0600);
		msgsnd(q, &m, sizeof m.x, 0);
	}
	long during = kmalloc_objs();
	for (int i = 0; i < 50; i++)
		semctl(ids[i], 0, IPC_RMID);
	msgctl(q, IPC_RMID, NULL);
	long after = kmalloc_objs();
	printf("slab grew by 100 or more: %d\n", during - before >= 100);
	printf("slab shrank by 100 or more: %d\n", during - after >= 100);
	return 0;
}
