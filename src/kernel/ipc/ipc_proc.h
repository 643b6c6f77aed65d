/*
 * The IPC files of procfs: /proc/sysvipc/{sem,msg} (ipc/util.c's sysvipc_proc) and the
 * limits under /proc/sys/kernel (ipc/ipc_sysctl.c), read-only in vmlab.
 */
#ifndef VMLAB_KERNEL_IPC_IPC_PROC_H
#define VMLAB_KERNEL_IPC_IPC_PROC_H
struct sbuf;
struct task;

/* NULL-terminated names below /proc/sys ("kernel/sem", ...) and below /proc/sysvipc. */
extern const char *const ipc_sysctl_names[];
extern const char *const ipc_proc_names[];
/* 0, or -ENOENT for a name not in the lists. */
int ipc_sysctl_show(struct sbuf *b, const char *name);
int ipc_proc_show(struct sbuf *b, struct task *t, const char *name);
#endif
