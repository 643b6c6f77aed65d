/*
 * The SysV IPC vmlab does not model, for tests/e2e/ipc.sh: semaphores and message queues
 * through ipc(2) (twice each: named once on stderr), an unknown ipc(2) call, and shmctl
 * SHM_LOCK. No golden: the host kernel implements them all.
 */
#include "guestutil.h"

#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

static void call(const char *label, long nr)
{
	long r = syscall(SYS_ipc, nr, IPC_PRIVATE, 1, IPC_CREAT | 0600, 0, 0);
	report(label, r);
}

int main(void)
{
	guest_init();
	call("ipc SEMGET", 2);
	call("ipc SEMGET again", 2);
	call("ipc MSGGET", 13);
	call("ipc 99", 99);
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	report("shmget", id);
	report("SHM_LOCK", shmctl(id, SHM_LOCK, NULL));
	report("rmid", shmctl(id, IPC_RMID, NULL));
	return 0;
}
