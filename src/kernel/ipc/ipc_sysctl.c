/* /proc/sys/kernel's IPC limits and /proc/sysvipc: what a 32-bit Linux 6.1 prints. */
#include "kernel/ipc/ipc_proc.h"

#include <errno.h>
#include <string.h>

#include "kernel/ipc/msg.h"
#include "kernel/ipc/sem.h"
#include "kernel/ipc/shm.h"
#include "kernel/procfs_buf.h"

const char *const ipc_sysctl_names[] = {
    "kernel/sem",    "kernel/msgmax", "kernel/msgmnb", "kernel/msgmni",
    "kernel/shmmax", "kernel/shmall", "kernel/shmmni", NULL};
const char *const ipc_proc_names[] = {"shm", "sem", "msg", NULL};

int ipc_sysctl_show(struct sbuf *b, const char *name)
{
	if (!strcmp(name, "kernel/sem")) /* semmsl, semmns, semopm, semmni */
		sb_printf(b, "%d\t%d\t%d\t%d\n", SEMMSL, SEMMNS, SEMOPM, SEMMNI);
	else if (!strcmp(name, "kernel/msgmax"))
		sb_printf(b, "%d\n", MSGMAX);
	else if (!strcmp(name, "kernel/msgmnb"))
		sb_printf(b, "%d\n", MSGMNB);
	else if (!strcmp(name, "kernel/msgmni"))
		sb_printf(b, "%d\n", MSGMNI);
	else if (!strcmp(name, "kernel/shmmax") || !strcmp(name, "kernel/shmall"))
		sb_printf(b, "%u\n", 0xFFFFFFFFu - (1u << 24)); /* ULONG_MAX - 2^24, as shm.c */
	else if (!strcmp(name, "kernel/shmmni"))
		sb_printf(b, "4096\n");
	else
		return -ENOENT;
	return 0;
}

int ipc_proc_show(struct sbuf *b, struct task *t, const char *name)
{
	if (!strcmp(name, "shm"))
		shm_proc_show(b, t);
	else if (!strcmp(name, "sem"))
		sem_proc_show(b, t);
	else if (!strcmp(name, "msg"))
		msg_proc_show(b, t);
	else
		return -ENOENT;
	return 0;
}
