/*
 * SysV shared memory (ipc/shm.c): segments are shmem files (mm/filemap.h) held by the
 * machine-wide IPC namespace; shmat maps them MAP_SHARED, and the number of VMAs mapping
 * one is its shm_nattch, kept by fork (dup_mm) and exit (mmput) through the file's
 * references. The system calls (shmget/shmat/shmdt/shmctl and the ipc(2) multiplexer)
 * are syscall-table handlers.
 */
#ifndef VMLAB_KERNEL_IPC_SHM_H
#define VMLAB_KERNEL_IPC_SHM_H

struct ipc_namespace;
struct sbuf;
struct task;

/* NULL when out of memory. */
struct ipc_namespace *ipc_ns_create(void);
/* Drops every segment (attached or not); call before the page cache goes. NULL is fine. */
void ipc_ns_destroy(struct ipc_namespace *ns);
/* /proc/sysvipc/shm as 32-bit Linux 6.1 prints it. */
void shm_proc_show(struct sbuf *b, struct task *t);
#endif
