/* The id tables, permissions and user layouts SysV semaphores and message queues share. */
#include "kernel/ipc/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/sys_time.h"
#include "kernel/task.h"

int ipc_ids_init(struct ipc_ids *ids, uint32_t mni)
{
	memset(ids, 0, sizeof *ids);
	ids->slot = calloc(mni, sizeof *ids->slot);
	if (!ids->slot)
		return -ENOMEM;
	ids->mni = mni;
	ids->last_idx = -1;
	return 0;
}

void ipc_ids_free(struct ipc_ids *ids)
{
	free(ids->slot);
	ids->slot = NULL;
}

int ipc_addid(struct ipc_ids *ids, struct kern_ipc_perm *p)
{
	if (ids->in_use >= ids->mni)
		return -ENOSPC;
	/* idr_alloc_cyclic from the index after the last one; a wrap starts a new sequence,
	 * kept so that ids stay positive ints */
	uint32_t idx = (uint32_t)(ids->last_idx + 1) % ids->mni;
	while (ids->slot[idx])
		idx = (idx + 1) % ids->mni;
	if ((int32_t)idx <= ids->last_idx)
		ids->seq = (uint16_t)((ids->seq + 1) % (0x7FFFFFFFu / IPCMNI + 1));
	ids->last_idx = (int32_t)idx;
	if (idx >= ids->hwm)
		ids->hwm = idx + 1;
	ids->slot[idx] = p;
	ids->in_use++;
	p->seq = ids->seq;
	p->id = (int)((uint32_t)p->seq * IPCMNI + idx);
	p->deleted = false;
	return p->id;
}

void ipc_rmid(struct ipc_ids *ids, struct kern_ipc_perm *p)
{
	uint32_t idx = (uint32_t)p->id % IPCMNI;
	if (idx < ids->mni && ids->slot[idx] == p) {
		ids->slot[idx] = NULL;
		ids->in_use--;
	}
	p->deleted = true;
}

struct kern_ipc_perm *ipc_obtain(const struct ipc_ids *ids, int id)
{
	if (id < 0)
		return NULL;
	uint32_t idx = (uint32_t)id % IPCMNI;
	struct kern_ipc_perm *p = idx < ids->mni ? ids->slot[idx] : NULL;
	if (!p || p->seq != (uint32_t)id / IPCMNI)
		return NULL;
	return p;
}

struct kern_ipc_perm *ipc_obtain_idx(const struct ipc_ids *ids, int idx)
{
	if (idx < 0 || (uint32_t)idx >= ids->mni)
		return NULL;
	return ids->slot[idx];
}

struct kern_ipc_perm *ipc_findkey(const struct ipc_ids *ids, int32_t key)
{
	for (uint32_t i = 0; i < ids->hwm; i++)
		if (ids->slot[i] && ids->slot[i]->key == key)
			return ids->slot[i];
	return NULL;
}

int ipc_get_maxidx(const struct ipc_ids *ids)
{
	if (!ids->in_use)
		return -1;
	for (uint32_t i = ids->hwm; i-- > 0;)
		if (ids->slot[i])
			return (int)i;
	return -1;
}

void ipc_perm_init(struct kern_ipc_perm *p, const struct task *t, int32_t key, uint32_t flg)
{
	p->key = key;
	p->uid = p->cuid = t->euid;
	p->gid = p->cgid = t->egid;
	p->mode = flg & 0777;
}

int ipcperms(const struct task *t, const struct kern_ipc_perm *p, uint32_t flag)
{
	uint32_t granted = p->mode;
	if (t->euid == p->cuid || t->euid == p->uid)
		granted >>= 6;
	else if (t->egid == p->cgid || t->egid == p->gid)
		granted >>= 3;
	uint32_t want = (flag >> 6 | flag >> 3 | flag) & 7;
	if ((want & ~granted & 7) && t->euid != 0) /* CAP_IPC_OWNER */
		return -EACCES;
	return 0;
}

bool ipc_is_owner(const struct task *t, const struct kern_ipc_perm *p)
{
	return t->euid == 0 || t->euid == p->uid || t->euid == p->cuid;
}

int64_t ipc_now(const struct task *t)
{
	return (int64_t)(vclock_realtime_ns(t) / 1000000000u);
}

uint16_t ipc_low16(uint32_t id)
{
	return id > 0xFFFF ? 65534 : (uint16_t)id;
}

void ipc_put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

void ipc_put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

uint32_t ipc_get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

uint16_t ipc_get16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}

void ipc64_perm_put(const struct kern_ipc_perm *p, uint8_t out[36])
{
	memset(out, 0, 36);
	ipc_put32(out, (uint32_t)p->key);
	ipc_put32(out + 4, p->uid);
	ipc_put32(out + 8, p->gid);
	ipc_put32(out + 12, p->cuid);
	ipc_put32(out + 16, p->cgid);
	ipc_put16(out + 20, (uint16_t)p->mode);
	ipc_put16(out + 24, p->seq);
}

void ipc_old_perm_put(const struct kern_ipc_perm *p, uint8_t out[16])
{
	ipc_put32(out, (uint32_t)p->key);
	ipc_put16(out + 4, ipc_low16(p->uid));
	ipc_put16(out + 6, ipc_low16(p->gid));
	ipc_put16(out + 8, ipc_low16(p->cuid));
	ipc_put16(out + 10, ipc_low16(p->cgid));
	ipc_put16(out + 12, (uint16_t)p->mode);
	ipc_put16(out + 14, p->seq);
}

void ipc64_perm_get(const uint8_t in[36], uint32_t *uid, uint32_t *gid, uint32_t *mode)
{
	*uid = ipc_get32(in + 4);
	*gid = ipc_get32(in + 8);
	*mode = ipc_get16(in + 20);
}

void ipc_old_perm_get(const uint8_t in[16], uint32_t *uid, uint32_t *gid, uint32_t *mode)
{
	*uid = ipc_get16(in + 4);
	*gid = ipc_get16(in + 6);
	*mode = ipc_get16(in + 12);
}
