/*
 * SysV message queues (ipc/msg.c): typed messages queued in the kernel; msgget, msgsnd,
 * msgrcv and msgctl are syscall-table handlers, the ipc(2) calls come through shm.c's
 * sys_ipc. Limits are Linux 6.1's defaults (include/uapi/linux/msg.h).
 */
#ifndef VMLAB_KERNEL_IPC_MSG_H
#define VMLAB_KERNEL_IPC_MSG_H
#include <stdbool.h>
#include <stdint.h>

struct task;
struct sbuf;

#define MSGMNI 32000
#define MSGMAX 8192
#define MSGMNB 16384

/* testmsg: whether a message of mtype suits a receiver asking for msgtyp in mode (from
 * msg_convert_mode, which turns msgrcv's type and flags into both). */
bool msg_testmsg(int32_t mtype, int32_t msgtyp, int mode);
int msg_convert_mode(int32_t *msgtyp, uint32_t flg);

long do_msgsnd(struct task *t, int msqid, uint32_t msgp, uint32_t msgsz, uint32_t flg);
long do_msgrcv(struct task *t, int msqid, uint32_t msgp, uint32_t bufsz, int32_t msgtyp,
	       uint32_t flg);
long do_msgctl(struct task *t, int msqid, uint32_t cmd, uint32_t buf, bool ipc64);
/* /proc/sysvipc/msg */
void msg_proc_show(struct sbuf *b, struct task *t);
#endif
