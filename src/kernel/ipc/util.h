/*
 * What SysV semaphores and message queues share (Linux's ipc/util.c): the id table of one
 * kind of object (ids are seq * 32768 + index, the index given cyclically, seq bumped when
 * it wraps), the permission rules, and the i386 layouts of struct ipc64_perm and the old
 * struct ipc_perm. Shared memory (shm.c) keeps its own table in the same shape.
 */
#ifndef VMLAB_KERNEL_IPC_UTIL_H
#define VMLAB_KERNEL_IPC_UTIL_H
#include <stdbool.h>
#include <stdint.h>

struct task;

/* include/uapi/linux/ipc.h */
#define IPC_PRIVATE 0
#define IPC_CREAT 00001000
#define IPC_EXCL 00002000
#define IPC_NOWAIT 00004000
#define IPC_RMID 0
#define IPC_SET 1
#define IPC_STAT 2
#define IPC_INFO 3
#define IPC_64 0x0100
#define IPCMNI 32768u

/* The head of every object (kern_ipc_perm). */
struct kern_ipc_perm {
	int id;
	int32_t key;
	uint32_t uid, gid, cuid, cgid;
	uint32_t mode; /* permission bits (and, for shm, SHM_DEST) */
	uint16_t seq;
	bool deleted;
};

struct ipc_ids {
	struct kern_ipc_perm **slot; /* mni entries */
	uint32_t mni, in_use;
	uint32_t hwm;	  /* slots at and above it were never used (loops stop there) */
	int32_t last_idx; /* the index allocated last (-1: none yet) */
	uint16_t seq;
};

int ipc_ids_init(struct ipc_ids *ids, uint32_t mni);
void ipc_ids_free(struct ipc_ids *ids);
/* ipc_addid: a slot and an id for p, or -ENOSPC. */
int ipc_addid(struct ipc_ids *ids, struct kern_ipc_perm *p);
void ipc_rmid(struct ipc_ids *ids, struct kern_ipc_perm *p);
/* ipc_obtain_object_check: the object of id, or NULL (EINVAL). */
struct kern_ipc_perm *ipc_obtain(const struct ipc_ids *ids, int id);
/* The object at index idx whatever its sequence (the *_STAT commands), or NULL. */
struct kern_ipc_perm *ipc_obtain_idx(const struct ipc_ids *ids, int idx);
struct kern_ipc_perm *ipc_findkey(const struct ipc_ids *ids, int32_t key);
/* ipc_get_maxidx: the highest index in use, -1 when none. */
int ipc_get_maxidx(const struct ipc_ids *ids);
/* A new object's owner and mode (the low 9 bits of flg). */
void ipc_perm_init(struct kern_ipc_perm *p, const struct task *t, int32_t key, uint32_t flg);

/* ipcperms: flag holds the S_IRUGO/S_IWUGO bits wanted. 0 or -EACCES. */
int ipcperms(const struct task *t, const struct kern_ipc_perm *p, uint32_t flag);
/* The IPC_SET / IPC_RMID check: the owner, the creator or root. */
bool ipc_is_owner(const struct task *t, const struct kern_ipc_perm *p);
/* Seconds of the virtual realtime clock (the *_time fields). */
int64_t ipc_now(const struct task *t);
/* The old interface's 16-bit ids (overflowuid). */
uint16_t ipc_low16(uint32_t id);

/* struct ipc64_perm (36 bytes) and the old struct ipc_perm (16 bytes). */
void ipc64_perm_put(const struct kern_ipc_perm *p, uint8_t out[36]);
void ipc_old_perm_put(const struct kern_ipc_perm *p, uint8_t out[16]);
/* The uid, gid and mode an IPC_SET buffer carries, in either layout. */
void ipc64_perm_get(const uint8_t in[36], uint32_t *uid, uint32_t *gid, uint32_t *mode);
void ipc_old_perm_get(const uint8_t in[16], uint32_t *uid, uint32_t *gid, uint32_t *mode);

void ipc_put16(uint8_t *p, uint16_t v);
void ipc_put32(uint8_t *p, uint32_t v);
uint32_t ipc_get32(const uint8_t *p);
uint16_t ipc_get16(const uint8_t *p);

/* The machine-wide namespace's semaphore and message-queue parts (shm.c holds them), NULL
 * when there is none. */
struct sem_ns;
struct msg_ns;
struct sem_ns *ipc_sem_ns(const struct task *t);
struct msg_ns *ipc_msg_ns(const struct task *t);

/* sem.c, msg.c: made and freed with the namespace (NULL when out of memory). */
struct sem_ns *sem_ns_create(void);
void sem_ns_destroy(struct sem_ns *sn);
struct msg_ns *msg_ns_create(void);
void msg_ns_destroy(struct msg_ns *mn);
/* do_exit: t's waits end; the last thread of a process applies its SEM_UNDO adjustments. */
void exit_sem(struct task *t);
void exit_msg(struct task *t);
/* The ipc(2) calls of each (call numbers 1-4 and 11-14). */
long sem_ipc_call(struct task *t, uint32_t call, uint32_t version, const uint32_t *a);
long msg_ipc_call(struct task *t, uint32_t call, uint32_t version, const uint32_t *a);
#endif
