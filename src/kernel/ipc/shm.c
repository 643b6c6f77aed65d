/*
 * SysV shared memory, in the shape of Linux's ipc/shm.c and ipc/util.c. A segment is a
 * shmem file the namespace holds one reference to; every VMA mapping it holds another, so
 * shm_nattch is the file's reference count less one, and fork (which copies VMAs) and exit
 * (which unmaps them) keep it without hooks of their own. The file's detached callback is
 * shm_close's shm_may_destroy: a segment marked SHM_DEST goes with its last attach.
 */
#include "kernel/ipc/shm.h"
#include "kernel/ipc/util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/mm/filemap.h"
#include "kernel/mm/mman.h"
#include "kernel/mm/mmap.h"
#include "kernel/mm/shmem.h"
#include "kernel/procfs_buf.h"
#include "kernel/syscalls/syscall.h"
#include "kernel/sys_time.h"
#include "kernel/task.h"
#include "kernel/uaccess.h"

/* include/uapi/linux/ipc.h, shm.h */
#define SHM_RDONLY 010000
#define SHM_RND 020000
#define SHM_REMAP 040000
#define SHM_EXEC 0100000
#define SHM_NORESERVE 010000 /* shmget: as SHM_RDONLY's value, a different call */
#define SHM_DEST 01000	     /* mode bits reported by IPC_STAT */
#define SHM_LOCKED 02000
/* ipc(2) call numbers */
#define IPCCALL_SHMAT 21
#define IPCCALL_SHMDT 22
#define IPCCALL_SHMGET 23
#define IPCCALL_SHMCTL 24
/* shmctl commands (include/uapi/linux/shm.h) */
#define SHM_LOCK 11
#define SHM_UNLOCK 12
#define SHM_INFO 14
#define RLIMIT_MEMLOCK 8

/* Limits as a 32-bit kernel's defaults (include/uapi/linux/shm.h, ipc/util.h). */
#define SHMMNI 4096u
#define SHMMIN 1u
#define SHMMAX (0xFFFFFFFFu - (1u << 24))
#define SHMALL (0xFFFFFFFFu - (1u << 24)) /* pages */
#define SEQ_MULTIPLIER 32768u		  /* IPCMNI */
#define PAGE_SZ 4096u

struct shmid_kernel {
	bool used;
	uint16_t seq;
	int32_t key;
	uint32_t uid, gid, cuid, cgid;
	uint32_t mode; /* permission bits, SHM_DEST, SHM_LOCKED */
	uint32_t segsz;
	int cpid, lpid;
	int64_t atime, dtime, ctime;
	struct vm_file *file;
	struct ipc_namespace *ns;
	/* SHM_LOCK's charge (user_shm_lock): pages counted against lock_uid's locked memory */
	uint32_t lock_uid;
	uint32_t lock_pages;
};

struct ipc_namespace {
	/* slots at and above seg_hwm were never used: the loops over segments stop there, so
	 * the array's untouched pages (4096 segments) stay untouched */
	uint32_t seg_hwm;
	struct shmid_kernel seg[SHMMNI];
	uint32_t in_use;
	int32_t last_idx; /* the index allocated last (-1: none yet) */
	uint16_t seq;
	uint64_t shm_tot;  /* pages of all segments */
	bool reported[32]; /* shmctl commands already reported unimplemented */
	struct sem_ns *sem;
	struct msg_ns *msg;
	struct kmem *km; /* the machine's memory, for SHM_LOCK's LRU moves */
};

struct ipc_namespace *ipc_ns_create(void)
{
	struct ipc_namespace *ns = calloc(1, sizeof *ns);
	if (!ns)
		return NULL;
	ns->last_idx = -1;
	ns->sem = sem_ns_create();
	ns->msg = msg_ns_create();
	if (!ns->sem || !ns->msg) {
		ipc_ns_destroy(ns);
		return NULL;
	}
	return ns;
}

struct sem_ns *ipc_sem_ns(const struct task *t)
{
	return t->ipc_ns ? t->ipc_ns->sem : NULL;
}

struct msg_ns *ipc_msg_ns(const struct task *t)
{
	return t->ipc_ns ? t->ipc_ns->msg : NULL;
}

static uint32_t seg_pages(uint32_t size)
{
	return (uint32_t)(((uint64_t)size + PAGE_SZ - 1) / PAGE_SZ);
}

static void shm_unlock(struct shmid_kernel *shp)
{
	struct kmem *km = shp->ns->km;
	if (km)
		shmem_lock(km, shp->file, false);
	shp->mode &= ~(uint32_t)SHM_LOCKED;
	shp->lock_pages = 0;
}

/* shm_destroy: the id is free and the memory with it. */
static void shm_destroy(struct shmid_kernel *shp)
{
	struct vm_file *f = shp->file;
	if (shp->mode & SHM_LOCKED) /* shmem_lock(file, 0, ...): the charge goes back */
		shm_unlock(shp);
	shp->ns->shm_tot -= seg_pages(shp->segsz);
	shp->ns->in_use--;
	shp->used = false;
	shp->file = NULL;
	f->detached = NULL;
	vm_file_put(f);
}

void ipc_ns_destroy(struct ipc_namespace *ns)
{
	if (!ns)
		return;
	ns->km = NULL; /* the machine goes: no LRU moves for the locks dropped here */
	for (uint32_t i = 0; i < ns->seg_hwm; i++)
		if (ns->seg[i].used)
			shm_destroy(&ns->seg[i]);
	sem_ns_destroy(ns->sem);
	msg_ns_destroy(ns->msg);
	free(ns);
}

static uint32_t shm_nattch(const struct shmid_kernel *shp)
{
	return (uint32_t)(shp->file->refcount - 1);
}

/* shm_close's shm_may_destroy, for the file's detached callback. */
static void shm_detached(void *owner)
{
	struct shmid_kernel *shp = owner;
	if (shp->mode & SHM_DEST)
		shm_destroy(shp);
}

static int shm_id(const struct ipc_namespace *ns, const struct shmid_kernel *shp)
{
	return (int)((uint32_t)shp->seq * SEQ_MULTIPLIER + (uint32_t)(shp - ns->seg));
}

/* ipc_obtain_object_check: the segment of id, or NULL (-EINVAL). */
static struct shmid_kernel *shm_lookup(struct ipc_namespace *ns, int id)
{
	if (id < 0)
		return NULL;
	uint32_t idx = (uint32_t)id % SEQ_MULTIPLIER;
	struct shmid_kernel *shp = idx < SHMMNI ? &ns->seg[idx] : NULL;
	if (!shp || !shp->used || shp->seq != (uint32_t)id / SEQ_MULTIPLIER)
		return NULL;
	return shp;
}

/* ipcperms (util.h) for a segment: flag holds the S_IRUGO/S_IWUGO bits wanted. 0 or -EACCES. */
static int shm_ipcperms(const struct task *t, const struct shmid_kernel *shp, uint32_t flag)
{
	uint32_t granted = shp->mode;
	if (t->euid == shp->cuid || t->euid == shp->uid)
		granted >>= 6;
	else if (t->egid == shp->cgid || t->egid == shp->gid)
		granted >>= 3;
	uint32_t want = (flag >> 6 | flag >> 3 | flag) & 7;
	if ((want & ~granted & 7) && t->euid != 0) /* CAP_IPC_OWNER */
		return -EACCES;
	return 0;
}

static bool is_owner(const struct task *t, const struct shmid_kernel *shp)
{
	return t->euid == 0 || t->euid == shp->uid || t->euid == shp->cuid;
}

static int64_t now_s(const struct task *t)
{
	return (int64_t)(vclock_realtime_ns(t) / 1000000000u);
}

/* newseg */
static long shm_newseg(struct task *t, int32_t key, uint32_t size, uint32_t flg)
{
	struct ipc_namespace *ns = t->ipc_ns;
	if (size < SHMMIN || size > SHMMAX)
		return -EINVAL;
	uint32_t pages = seg_pages(size);
	if (ns->shm_tot + pages < ns->shm_tot || ns->shm_tot + pages > SHMALL)
		return -ENOSPC;
	/* shmem_acct_size: the segment's pages must pass the overcommit check (SHM_NORESERVE
	 * skips it unless overcommit is "never"). vmlab checks but does not hold the charge
	 * for the segment's life (docs/ipc.md). */
	if (t->mm && (!(flg & SHM_NORESERVE) || t->mm->cfg.overcommit_memory == OVERCOMMIT_NEVER)) {
		if (vm_enough_memory(t->mm, pages))
			return -ENOMEM;
		vm_unacct_memory(t->mm, pages);
	}
	if (ns->in_use >= SHMMNI) /* ipc_addid, after the file is set up */
		return -ENOSPC;
	/* idr_alloc_cyclic from the index after the last one; a wrap starts a new sequence */
	uint32_t idx = (uint32_t)(ns->last_idx + 1) % SHMMNI;
	while (ns->seg[idx].used)
		idx = (idx + 1) % SHMMNI;
	if ((int32_t)idx <= ns->last_idx) /* ids stay positive ints: seq < 65536 */
		ns->seq = (uint16_t)((ns->seq + 1) % (0x7FFFFFFFu / SEQ_MULTIPLIER + 1));
	int err = 0;
	struct vm_file *f = vm_file_shmem(t->page_cache, size, &err);
	if (!f)
		return err ? err : -ENOMEM;
	struct shmid_kernel *shp = &ns->seg[idx];
	memset(shp, 0, sizeof *shp);
	shp->ns = ns;
	shp->seq = ns->seq;
	char name[32];
	snprintf(name, sizeof name, "/SYSV%08x (deleted)", (uint32_t)key);
	if ((err = vm_file_shmem_rename(f, name, (uint64_t)shm_id(ns, shp)))) {
		vm_file_put(f);
		return err;
	}
	ns->last_idx = (int32_t)idx;
	if (idx >= ns->seg_hwm)
		ns->seg_hwm = idx + 1;
	shp->used = true;
	shp->key = key;
	shp->uid = shp->cuid = t->euid;
	shp->gid = shp->cgid = t->egid;
	shp->mode = flg & 0777;
	shp->segsz = size;
	shp->cpid = t->tgid;
	shp->ctime = now_s(t);
	shp->file = f;
	f->owner = shp;
	f->detached = shm_detached;
	ns->in_use++;
	ns->shm_tot += pages;
	return shm_id(ns, shp);
}

/* ksys_shmget via ipcget: IPC_PRIVATE always creates; a key is looked up first. */
static long do_shmget(struct task *t, int32_t key, uint32_t size, uint32_t flg)
{
	struct ipc_namespace *ns = t->ipc_ns;
	if (!ns)
		return -ENOMEM;
	if (key == IPC_PRIVATE)
		return shm_newseg(t, key, size, flg);
	struct shmid_kernel *shp = NULL;
	for (uint32_t i = 0; i < ns->seg_hwm && !shp; i++)
		if (ns->seg[i].used && ns->seg[i].key == key)
			shp = &ns->seg[i];
	if (!shp)
		return (flg & IPC_CREAT) ? shm_newseg(t, key, size, flg) : -ENOENT;
	if ((flg & IPC_CREAT) && (flg & IPC_EXCL))
		return -EEXIST;
	if (shp->segsz < size) /* shm_more_checks */
		return -EINVAL;
	int r = shm_ipcperms(t, shp, flg & 0777);
	return r ? r : shm_id(ns, shp);
}

/* do_shmat: the address, or -errno. */
static long do_shmat(struct task *t, int id, uint32_t addr, uint32_t shmflg)
{
	if (!t->ipc_ns || !t->mm)
		return -ENOMEM;
	if (id < 0)
		return -EINVAL;
	uint32_t flags = MAP_SHARED;
	if (addr) {
		if (addr & (PAGE_SZ - 1)) { /* SHMLBA is the page size on x86 */
			if (!(shmflg & SHM_RND))
				return -EINVAL;
			addr &= ~(PAGE_SZ - 1);
			if (!addr && (shmflg & SHM_REMAP))
				return -EINVAL;
		}
		flags |= MAP_FIXED;
	} else if (shmflg & SHM_REMAP) {
		return -EINVAL;
	}
	uint32_t prot = PROT_READ, acc = 0444;
	if (!(shmflg & SHM_RDONLY)) {
		prot |= PROT_WRITE;
		acc |= 0222;
	}
	if (shmflg & SHM_EXEC) {
		prot |= PROT_EXEC;
		acc |= 0111;
	}
	struct shmid_kernel *shp = shm_lookup(t->ipc_ns, id);
	if (!shp)
		return -EINVAL;
	int r = shm_ipcperms(t, shp, acc);
	if (r)
		return r;
	uint32_t size = shp->segsz;
	/* the attach in progress pins the segment, as the shm_nattch++ around do_mmap does */
	struct vm_file *f = vm_file_get(shp->file);
	long ret;
	struct vm_area_struct *v = addr ? find_vma(t->mm, addr) : NULL;
	if (addr && !(shmflg & SHM_REMAP) && v && v->vm_start < addr + size) {
		ret = -EINVAL; /* find_vma_intersection */
	} else {
		ret = do_mmap(t->mm, addr, size, prot, flags, f, 0);
		if (ret >= 0) {
			shp->atime = now_s(t);
			shp->lpid = t->tgid;
		}
	}
	vm_file_put(f); /* may destroy a segment removed meanwhile (shm_may_destroy) */
	return ret;
}

static bool is_shm_vma(const struct vm_area_struct *v)
{
	return v->vm_file && v->vm_file->detached == shm_detached;
}

/* ksys_shmdt: unmaps the attach at addr, all of its VMAs (mprotect may have split it). */
static long do_shmdt(struct task *t, uint32_t addr)
{
	struct mm_struct *mm = t->mm;
	if (!mm || (addr & (PAGE_SZ - 1)))
		return -EINVAL;
	struct vm_area_struct *v = find_vma(mm, addr);
	struct vm_file *file = NULL;
	uint32_t size = 0;
	/* the first VMA at or above addr whose offset says it begins at addr */
	for (; v; v = vma_next(mm, v)) {
		if (is_shm_vma(v) && (v->vm_start - addr) / PAGE_SZ == v->vm_pgoff) {
			struct shmid_kernel *shp = v->vm_file->owner;
			file = v->vm_file;
			size = (uint32_t)(((uint64_t)shp->segsz + PAGE_SZ - 1) &
					  ~(uint64_t)(PAGE_SZ - 1));
			shp->dtime = now_s(t);
			shp->lpid = t->tgid;
			break;
		}
	}
	if (!file)
		return -EINVAL;
	/* the file outlives the unmaps below even if this was the last attach */
	vm_file_get(file);
	uint32_t start = v->vm_start;
	do_munmap(mm, start, v->vm_end - start);
	for (v = find_vma(mm, start); v && (uint64_t)v->vm_end - addr <= size;) {
		uint32_t s = v->vm_start, e = v->vm_end;
		bool ours = v->vm_file == file && (s - addr) / PAGE_SZ == v->vm_pgoff;
		if (ours)
			do_munmap(mm, s, e - s);
		v = find_vma(mm, e);
	}
	vm_file_put(file);
	return 0;
}

/* struct ipc64_perm and struct shmid64_ds of the i386 ABI (asm-generic ipcbuf.h, shmbuf.h):
 * 84 bytes, times split into low and high words. */
static void fill_shmid64(const struct shmid_kernel *shp, uint8_t out[84])
{
	uint32_t w[21] = {0};
	w[0] = (uint32_t)shp->key;
	w[1] = shp->uid;
	w[2] = shp->gid;
	w[3] = shp->cuid;
	w[4] = shp->cgid;
	w[5] = shp->mode & 0xFFFF; /* mode (u16), __pad1 */
	w[6] = shp->seq;	   /* seq (u16), __pad2 */
	w[9] = shp->segsz;	   /* w[7], w[8]: __unused1, __unused2 */
	w[10] = (uint32_t)shp->atime;
	w[11] = (uint32_t)((uint64_t)shp->atime >> 32);
	w[12] = (uint32_t)shp->dtime;
	w[13] = (uint32_t)((uint64_t)shp->dtime >> 32);
	w[14] = (uint32_t)shp->ctime;
	w[15] = (uint32_t)((uint64_t)shp->ctime >> 32);
	w[16] = (uint32_t)shp->cpid;
	w[17] = (uint32_t)shp->lpid;
	w[18] = shm_nattch(shp);
	memcpy(out, w, 84);
}

static uint16_t low16(uint32_t id)
{
	return id > 0xFFFF ? 65534 : (uint16_t)id; /* overflowuid */
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/* The old struct shmid_ds (no IPC_64): 16-bit ids, 32-bit times, 48 bytes. */
static void fill_shmid_old(const struct shmid_kernel *shp, uint8_t out[48])
{
	memset(out, 0, 48);
	put32(out, (uint32_t)shp->key);
	put16(out + 4, low16(shp->uid));
	put16(out + 6, low16(shp->gid));
	put16(out + 8, low16(shp->cuid));
	put16(out + 10, low16(shp->cgid));
	put16(out + 12, (uint16_t)shp->mode);
	put16(out + 14, shp->seq);
	put32(out + 16, shp->segsz);
	put32(out + 20, (uint32_t)shp->atime);
	put32(out + 24, (uint32_t)shp->dtime);
	put32(out + 28, (uint32_t)shp->ctime);
	put16(out + 32, (uint16_t)shp->cpid);
	put16(out + 34, (uint16_t)shp->lpid);
	put16(out + 36, (uint16_t)shm_nattch(shp));
}

/* IPC_INFO's struct shminfo64 (ulongs) or struct shminfo (ints): the same five values. */
static long shm_info(struct task *t, uint32_t buf, bool ipc64)
{
	struct ipc_namespace *ns = t->ipc_ns;
	uint32_t w[9] = {SHMMAX, SHMMIN, SHMMNI, SHMMNI, SHMALL, 0, 0, 0, 0};
	if (!ipc64) /* struct shminfo's ints: shmmax saturates, as copy_shminfo_to_user does */
		w[0] = SHMMAX > 0x7FFFFFFFu ? 0x7FFFFFFFu : SHMMAX;
	if (copy_to_user(t, buf, w, ipc64 ? sizeof w : 5 * 4))
		return -EFAULT;
	uint32_t max = 0;
	for (uint32_t i = 0; i < ns->seg_hwm; i++)
		if (ns->seg[i].used)
			max = i;
	return (long)max; /* ipc_get_maxidx */
}

/* IPC_SET: uid, gid and the permission bits from the caller's shmid_ds. */
static long shm_set(struct task *t, struct shmid_kernel *shp, uint32_t buf, bool ipc64)
{
	uint32_t uid, gid, mode;
	if (ipc64) {
		uint8_t in[84];
		if (copy_from_user(t, in, buf, sizeof in))
			return -EFAULT;
		memcpy(&uid, in + 4, 4);
		memcpy(&gid, in + 8, 4);
		uint16_t m;
		memcpy(&m, in + 20, 2);
		mode = m;
	} else {
		uint8_t in[48];
		uint16_t u, g, m;
		if (copy_from_user(t, in, buf, sizeof in))
			return -EFAULT;
		memcpy(&u, in + 4, 2);
		memcpy(&g, in + 6, 2);
		memcpy(&m, in + 12, 2);
		uid = u;
		gid = g;
		mode = m;
	}
	if (!is_owner(t, shp))
		return -EPERM;
	shp->uid = uid;
	shp->gid = gid;
	shp->mode = (shp->mode & ~0777u) | (mode & 0777u);
	shp->ctime = now_s(t);
	return 0;
}

/* SHM_INFO's struct shm_info: used_ids, then shm_tot, shm_rss, shm_swp, swap_attempts,
 * swap_successes (ulongs); the resident and swapped pages of every segment (shm_get_stat).
 * Returns the highest index in use. */
static long shm_get_stat(struct task *t, uint32_t buf)
{
	struct ipc_namespace *ns = t->ipc_ns;
	uint64_t rss = 0, swp = 0;
	uint32_t max = 0;
	for (uint32_t i = 0; i < ns->seg_hwm; i++) {
		if (!ns->seg[i].used)
			continue;
		uint64_t r, w;
		shmem_page_counts(ns->seg[i].file, 0, UINT32_MAX, &r, &w);
		rss += r;
		swp += w;
		max = i;
	}
	uint32_t w[6] = {ns->in_use, (uint32_t)ns->shm_tot, (uint32_t)rss, (uint32_t)swp, 0, 0};
	if (copy_to_user(t, buf, w, sizeof w))
		return -EFAULT;
	return (long)max;
}

/* shmctl_do_lock: SHM_LOCK keeps the segment's pages out of reach of reclaim (they stay
 * where they are: resident ones are culled to the unevictable list when reclaim meets them,
 * swapped ones come back on use and stay); SHM_UNLOCK makes them evictable again. Without
 * CAP_IPC_LOCK (vmlab: euid 0) the caller must own the segment, SHM_LOCK needs a non-zero
 * RLIMIT_MEMLOCK, and the user's locked segments must fit in it (user_shm_lock: ENOMEM). */
static long shmctl_do_lock(struct task *t, int id, uint32_t cmd)
{
	struct ipc_namespace *ns = t->ipc_ns;
	struct shmid_kernel *shp = shm_lookup(ns, id);
	if (!shp)
		return -EINVAL;
	bool cap = t->euid == 0;
	uint64_t limit = t->rlim[RLIMIT_MEMLOCK].cur;
	if (!cap) {
		if (t->euid != shp->uid && t->euid != shp->cuid)
			return -EPERM;
		if (cmd == SHM_LOCK && !limit)
			return -EPERM;
	}
	if (cmd == SHM_UNLOCK) {
		if (shp->mode & SHM_LOCKED)
			shm_unlock(shp);
		return 0;
	}
	if (shp->mode & SHM_LOCKED)
		return 0;
	uint32_t pages = seg_pages(shp->segsz);
	uint64_t locked = pages;
	for (uint32_t i = 0; i < ns->seg_hwm; i++)
		if (ns->seg[i].used && (ns->seg[i].mode & SHM_LOCKED) && ns->seg[i].lock_uid == t->uid)
			locked += ns->seg[i].lock_pages;
	if (!cap && limit != ~0ull && locked > limit / PAGE_SZ)
		return -ENOMEM;
	ns->km = t->km;
	shmem_lock(t->km, shp->file, true);
	shp->mode |= SHM_LOCKED;
	shp->lock_uid = t->uid; /* the caller's ucounts: its real uid's */
	shp->lock_pages = pages;
	return 0;
}

/* ksys_shmctl. The ipc(2) call parses IPC_64 out of cmd (ipc_parse_version); the direct
 * system call always uses the 64-bit layout and takes IPC_64 as part of an unknown cmd. */
static long do_shmctl(struct task *t, int id, uint32_t cmd, uint32_t buf, bool parse_version)
{
	struct ipc_namespace *ns = t->ipc_ns;
	if (!ns)
		return -ENOMEM;
	if (id < 0 || (int32_t)cmd < 0)
		return -EINVAL;
	bool ipc64 = true;
	if (parse_version) {
		ipc64 = cmd & IPC_64;
		cmd &= ~(uint32_t)IPC_64;
	}
	if (cmd == IPC_INFO)
		return shm_info(t, buf, ipc64);
	if (cmd == SHM_INFO)
		return shm_get_stat(t, buf);
	if (cmd == SHM_LOCK || cmd == SHM_UNLOCK)
		return shmctl_do_lock(t, id, cmd);
	if (cmd != IPC_STAT && cmd != IPC_SET && cmd != IPC_RMID) {
		/* SHM_STAT, SHM_STAT_ANY: not modelled */
		if (cmd >= 11 && cmd <= 15) {
			if (!ns->reported[cmd]) {
				fprintf(stderr, "vmlab: unimplemented shmctl command %u\n", cmd);
				ns->reported[cmd] = true;
			}
			return -ENOSYS;
		}
		return -EINVAL;
	}
	struct shmid_kernel *shp = shm_lookup(ns, id);
	if (!shp)
		return -EINVAL;
	if (cmd == IPC_STAT) {
		int r = shm_ipcperms(t, shp, 0444);
		if (r)
			return r;
		if (ipc64) {
			uint8_t out[84];
			fill_shmid64(shp, out);
			return copy_to_user(t, buf, out, sizeof out) ? -EFAULT : 0;
		}
		uint8_t out[48];
		fill_shmid_old(shp, out);
		return copy_to_user(t, buf, out, sizeof out) ? -EFAULT : 0;
	}
	if (cmd == IPC_SET)
		return shm_set(t, shp, buf, ipc64);
	/* IPC_RMID: unnamed at once, gone with the last attach */
	if (!is_owner(t, shp))
		return -EPERM;
	shp->key = IPC_PRIVATE;
	shp->mode |= SHM_DEST;
	if (shm_nattch(shp) == 0)
		shm_destroy(shp);
	return 0;
}

long sys_shmget(struct task *t, const uint32_t *a)
{
	return do_shmget(t, (int32_t)a[0], a[1], a[2]);
}

long sys_shmat(struct task *t, const uint32_t *a)
{
	return do_shmat(t, (int)a[0], a[1], a[2]);
}

long sys_shmdt(struct task *t, const uint32_t *a)
{
	return do_shmdt(t, a[0]);
}

long sys_shmctl(struct task *t, const uint32_t *a)
{
	return do_shmctl(t, (int)a[0], a[1], a[2], false);
}

/* ipc(2): call (version in the high half), first, second, third, ptr, fifth. */
long sys_ipc(struct task *t, const uint32_t *a)
{
	uint32_t call = a[0] & 0xFFFF, version = a[0] >> 16;
	switch (call) {
	case IPCCALL_SHMAT: {
		if (version == 1)
			return -EINVAL; /* the iBCS2 variant */
		long r = do_shmat(t, (int)a[1], a[4], a[2]);
		if (r < 0)
			return r;
		return put_user_u32(t, a[3], (uint32_t)r) ? -EFAULT : 0;
	}
	case IPCCALL_SHMDT: return do_shmdt(t, a[4]);
	case IPCCALL_SHMGET: return do_shmget(t, (int32_t)a[1], a[2], a[3]);
	case IPCCALL_SHMCTL: return do_shmctl(t, (int)a[1], a[2], a[4], true);
	case 1:
	case 2:
	case 3:
	case 4: /* SEMOP, SEMGET, SEMCTL, SEMTIMEDOP */
		return sem_ipc_call(t, call, version, a);
	case 11:
	case 12:
	case 13:
	case 14: /* MSGSND, MSGRCV, MSGGET, MSGCTL */
		return msg_ipc_call(t, call, version, a);
	default: return -ENOSYS; /* as Linux answers an unknown call */
	}
}

/* /proc/sysvipc/shm (sysvipc_shm_proc_show, 32-bit widths): rss and swap are the segment's
 * resident and swapped-out pages, in bytes. */
void shm_proc_show(struct sbuf *b, struct task *t)
{
	struct ipc_namespace *ns = t->ipc_ns;
	sb_printf(b, "       key      shmid perms       size  cpid  lpid nattch   uid   gid  cuid  "
		     "cgid      atime      dtime      ctime        rss       swap\n");
	for (uint32_t i = 0; ns && i < ns->seg_hwm; i++) {
		const struct shmid_kernel *shp = &ns->seg[i];
		if (!shp->used)
			continue;
		uint64_t rss = 0, swp = 0;
		shmem_page_counts(shp->file, 0, UINT32_MAX, &rss, &swp);
		sb_printf(b,
			  "%10d %10d  %4o %10u %5u %5u  %5u %5u %5u %5u %5u %10llu %10llu %10llu %10u "
			  "%10u\n",
			  shp->key, shm_id(ns, shp), shp->mode, shp->segsz, (unsigned)shp->cpid,
			  (unsigned)shp->lpid, shm_nattch(shp), shp->uid, shp->gid, shp->cuid,
			  shp->cgid, (unsigned long long)shp->atime, (unsigned long long)shp->dtime,
			  (unsigned long long)shp->ctime, (uint32_t)rss * (uint32_t)PAGE_SIZE,
			  (uint32_t)swp * (uint32_t)PAGE_SIZE);
	}
}
