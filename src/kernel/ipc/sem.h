/*
 * SysV semaphores (ipc/sem.c): sets of counters processes wait on; semget, semctl and
 * semtimedop_time64 are syscall-table handlers, the ipc(2) calls come through shm.c's
 * sys_ipc. Limits are Linux 6.1's defaults (include/uapi/linux/sem.h).
 */
#ifndef VMLAB_KERNEL_IPC_SEM_H
#define VMLAB_KERNEL_IPC_SEM_H
#include <stdbool.h>
#include <stdint.h>

struct task;
struct sbuf;

#define SEMMNI 32000
#define SEMMSL 32000
#define SEMMNS (SEMMNI * SEMMSL)
#define SEMOPM 500
#define SEMVMX 32767
#define SEMAEM SEMVMX

/* struct sembuf, unpacked. */
struct sembuf_k {
	uint16_t sem_num;
	int16_t sem_op;
	int16_t sem_flg;
};

/* perform_atomic_semop: applies sops to semval[nsems] (and SEM_UNDO's to semadj) all or
 * nothing. 0 done; 1 it must wait (*blocking: the index of the operation that waits);
 * -EAGAIN for that with IPC_NOWAIT; -ERANGE past SEMVMX or the adjustment's range.
 * sem_num must be below nsems. */
int sem_perform(int *semval, uint32_t nsems, const struct sembuf_k *sops, uint32_t nsops,
		int16_t *semadj, int *blocking);

long do_semtimedop(struct task *t, int semid, uint32_t usops, uint32_t nsops, uint32_t utimeout,
		   bool time64);
long do_semctl(struct task *t, int semid, int semnum, uint32_t cmd, uint32_t arg, bool ipc64);
/* /proc/sysvipc/sem */
void sem_proc_show(struct sbuf *b, struct task *t);
#endif
