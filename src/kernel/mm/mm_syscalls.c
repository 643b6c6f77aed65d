/* The memory system calls of i386 Linux: argument checks and errno values as mm/ gives them. */
#include <errno.h>
#include <stdlib.h>

#include "kernel/mm/filemap.h"
#include "kernel/mm/memory.h"
#include "kernel/mm/mman.h"
#include "kernel/mm/mmap.h"
#include "kernel/mm/swap.h"
#include "kernel/task.h"
#include "kernel/uaccess.h"

#define PG 4096u
#define PG_ALIGN(x) (((x) + PG - 1) & ~(PG - 1))
#define RLIMIT_MEMLOCK 8

long sys_brk(struct task *t, const uint32_t *a)
{
	return (long)do_brk(t->mm, a[0]);
}

/* ksys_mmap_pgoff */
static long mmap_pgoff(struct task *t, uint32_t addr, uint32_t len, uint32_t prot,
		       uint32_t flags, uint32_t fd, uint32_t pgoff)
{
	struct vm_file *file = NULL;
	if (!(flags & MAP_ANONYMOUS)) {
		int err = -EBADF;
		file = fs_fd_vm_file(t, (int)fd, &err);
		if (!file)
			return err;
	} else if (flags & MAP_HUGETLB) {
		return -ENOMEM; /* no hugetlbfs pages are reserved (nr_hugepages = 0) */
	}
	long r = do_mmap(t->mm, addr, len, prot, flags, file, pgoff);
	if (file)
		vm_file_put(file);
	return r;
}

long sys_mmap2(struct task *t, const uint32_t *a)
{
	return mmap_pgoff(t, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* old_mmap: one pointer to struct mmap_arg_struct {addr, len, prot, flags, fd, offset} */
long sys_mmap(struct task *t, const uint32_t *a)
{
	uint32_t m[6];
	for (int i = 0; i < 6; i++)
		if (get_user_u32(t, a[0] + 4u * (uint32_t)i, &m[i]))
			return -EFAULT;
	if (m[5] & (PG - 1))
		return -EINVAL;
	return mmap_pgoff(t, m[0], m[1], m[2], m[3], m[4], m[5] >> 12);
}

long sys_munmap(struct task *t, const uint32_t *a)
{
	return do_munmap(t->mm, a[0], a[1]);
}

long sys_mprotect(struct task *t, const uint32_t *a)
{
	return do_mprotect(t->mm, a[0], a[1], a[2]);
}

long sys_mremap(struct task *t, const uint32_t *a)
{
	return do_mremap(t->mm, a[0], a[1], a[2], a[3], a[4]);
}

/* ---- madvise ---- */

static bool madvise_valid(uint32_t b)
{
	switch (b) {
	case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL: case MADV_WILLNEED:
	case MADV_DONTNEED: case MADV_FREE: case MADV_REMOVE: case MADV_DONTFORK:
	case MADV_DOFORK: case MADV_MERGEABLE: case MADV_UNMERGEABLE: case MADV_HUGEPAGE:
	case MADV_NOHUGEPAGE: case MADV_DONTDUMP: case MADV_DODUMP: case MADV_WIPEONFORK:
	case MADV_KEEPONFORK: case MADV_COLD: case MADV_PAGEOUT: case MADV_POPULATE_READ:
	case MADV_POPULATE_WRITE:
		return true;
	}
	return false;
}

/* One VMA's part [s, e) of a madvise range. */
static int madvise_vma(struct mm_struct *mm, struct vm_area_struct *v, uint32_t s, uint32_t e,
		       uint32_t b)
{
	switch (b) {
	case MADV_NORMAL:
		return vma_modify_flags(mm, s, e, 0, VM_SEQ_READ | VM_RAND_READ);
	case MADV_RANDOM:
		return vma_modify_flags(mm, s, e, VM_RAND_READ, VM_SEQ_READ);
	case MADV_SEQUENTIAL:
		return vma_modify_flags(mm, s, e, VM_SEQ_READ, VM_RAND_READ);
	case MADV_DONTFORK:
		if (v->vm_flags & VM_IO)
			return -EINVAL;
		return vma_modify_flags(mm, s, e, VM_DONTCOPY, 0);
	case MADV_DOFORK:
		if (v->vm_flags & VM_IO)
			return -EINVAL;
		return vma_modify_flags(mm, s, e, 0, VM_DONTCOPY);
	case MADV_DONTDUMP:
		return vma_modify_flags(mm, s, e, VM_DONTDUMP, 0);
	case MADV_DODUMP:
		if (v->vm_flags & VM_SPECIAL)
			return -EINVAL;
		return vma_modify_flags(mm, s, e, 0, VM_DONTDUMP);
	case MADV_WIPEONFORK:
	case MADV_KEEPONFORK:
		if (v->vm_file || (v->vm_flags & VM_SHARED))
			return -EINVAL;
		if (b == MADV_WIPEONFORK)
			return vma_modify_flags(mm, s, e, VM_WIPEONFORK, 0);
		return vma_modify_flags(mm, s, e, 0, VM_WIPEONFORK);
	case MADV_HUGEPAGE:
	case MADV_NOHUGEPAGE:
		/* hugepage_madvise: kept in the flags (smaps "hg"/"nh") that the huge-page
		 * fault consults (memory.c thp_vma_suitable); pages already mapped stay */
		if (b == MADV_HUGEPAGE)
			return vma_modify_flags(mm, s, e, VM_HUGEPAGE, VM_NOHUGEPAGE);
		return vma_modify_flags(mm, s, e, VM_NOHUGEPAGE, VM_HUGEPAGE);
	case MADV_MERGEABLE:
	case MADV_UNMERGEABLE:
		/* KSM is not modelled: refused as by a kernel without CONFIG_KSM */
		return -EINVAL;
	case MADV_WILLNEED:
		if (v->vm_file)
			filemap_readahead(mm->owner, v->vm_file->mapping,
					  v->vm_pgoff + ((s - v->vm_start) >> 12), (e - s) >> 12);
		return 0;
	case MADV_DONTNEED:
	case MADV_FREE:
		if (v->vm_flags & (VM_LOCKED | VM_PFNMAP))
			return -EINVAL;
		if (b == MADV_FREE && (v->vm_file || (v->vm_flags & VM_SHARED)))
			return -EINVAL;
		/* MADV_FREE frees lazily, only under memory pressure; without it the pages
		 * keep their contents, which is what a program can observe */
		if (b == MADV_DONTNEED)
			zap_page_range(mm, s, e);
		return 0;
	case MADV_REMOVE:
		if (!(v->vm_flags & VM_SHARED) || !(v->vm_flags & VM_WRITE))
			return -EACCES;
		return -EOPNOTSUPP; /* hole punching of host files is not modelled */
	case MADV_COLD:
	case MADV_PAGEOUT:
		if (v->vm_flags & (VM_LOCKED | VM_PFNMAP))
			return -EINVAL;
		if (mm->owner && mm->owner->km)
			madvise_cold_or_pageout(mm->owner->km, mm, s, e, b == MADV_PAGEOUT);
		return 0;
	case MADV_POPULATE_READ:
	case MADV_POPULATE_WRITE:
		if (!(v->vm_flags & VM_ACCESS_FLAGS) || (v->vm_flags & VM_PFNMAP))
			return -EINVAL;
		if (b == MADV_POPULATE_WRITE && !(v->vm_flags & VM_WRITE))
			return -EINVAL;
		populate_range(mm, s, e);
		return 0;
	}
	return -EINVAL;
}

long sys_madvise(struct task *t, const uint32_t *a)
{
	uint32_t start = a[0], len_in = a[1], b = a[2];
	if (!madvise_valid(b))
		return -EINVAL;
	if (start & (PG - 1))
		return -EINVAL;
	uint32_t len = PG_ALIGN(len_in);
	if (len_in && !len)
		return -EINVAL;
	uint32_t end = start + len;
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	struct mm_struct *mm = t->mm;
	int unmapped = 0;
	uint32_t s = start;
	while (s < end) {
		struct vm_area_struct *v = find_vma(mm, s);
		if (!v || v->vm_start >= end)
			return -ENOMEM;
		if (v->vm_start > s) {
			unmapped = -ENOMEM;
			s = v->vm_start;
		}
		uint32_t e = v->vm_end < end ? v->vm_end : end;
		int r = madvise_vma(mm, v, s, e, b);
		if (r)
			return r;
		s = e;
	}
	return unmapped;
}

/* ---- mlock ---- */

static bool can_do_mlock(struct task *t)
{
	return t->euid == 0 || t->rlim[RLIMIT_MEMLOCK].cur != 0;
}

static uint64_t count_mm_mlocked(struct mm_struct *mm, uint32_t start, uint32_t end)
{
	uint64_t n = 0;
	for (struct vm_area_struct *v = find_vma(mm, start); v && v->vm_start < end;
	     v = vma_next(mm, v)) {
		if (!(v->vm_flags & VM_LOCKED))
			continue;
		uint32_t s = v->vm_start > start ? v->vm_start : start;
		uint32_t e = v->vm_end < end ? v->vm_end : end;
		n += (e - s) >> 12;
	}
	return n;
}

/* The pages [*s, *e) that [start, start + len) touches; -EINVAL when they wrap. */
static int mlock_range(uint32_t start, uint32_t len, uint32_t *s, uint32_t *e)
{
	*s = start & ~(PG - 1);
	*e = *s + PG_ALIGN(len + (start & (PG - 1)));
	return *e < *s ? -EINVAL : 0;
}

/* apply_vma_lock_flags: the whole range must be mapped */
static bool range_mapped(struct mm_struct *mm, uint32_t start, uint32_t end)
{
	for (uint32_t s = start; s < end;) {
		struct vm_area_struct *v = vma_lookup(mm, s);
		if (!v)
			return false;
		s = v->vm_end;
	}
	return true;
}

static long do_mlock(struct task *t, uint32_t ustart, uint32_t ulen, uint32_t flags)
{
	struct mm_struct *mm = t->mm;
	if (!can_do_mlock(t))
		return -EPERM;
	uint32_t start, end;
	if (mlock_range(ustart, ulen, &start, &end))
		return -EINVAL;
	uint32_t len = end - start;
	uint64_t lim = t->rlim[RLIMIT_MEMLOCK].cur;
	uint64_t locked = (len >> 12) + mm->locked_vm;
	if (lim != ~0ull && t->euid != 0 && locked > lim >> 12) {
		locked -= count_mm_mlocked(mm, start, end);
		if (locked > lim >> 12)
			return -ENOMEM;
	}
	if (!len)
		return 0;
	if (!range_mapped(mm, start, end))
		return -ENOMEM;
	int r = vma_modify_flags(mm, start, end, VM_LOCKED | flags,
				 VM_LOCKONFAULT & ~flags);
	if (r)
		return r;
	if (!(flags & VM_LOCKONFAULT))
		populate_range(mm, start, end);
	return 0;
}

long sys_mlock(struct task *t, const uint32_t *a)
{
	return do_mlock(t, a[0], a[1], 0);
}

long sys_mlock2(struct task *t, const uint32_t *a)
{
	if (a[2] & ~(uint32_t)MLOCK_ONFAULT)
		return -EINVAL;
	return do_mlock(t, a[0], a[1], (a[2] & MLOCK_ONFAULT) ? VM_LOCKONFAULT : 0);
}

long sys_munlock(struct task *t, const uint32_t *a)
{
	struct mm_struct *mm = t->mm;
	uint32_t start, end;
	if (mlock_range(a[0], a[1], &start, &end))
		return -EINVAL;
	if (!range_mapped(mm, start, end))
		return -ENOMEM;
	return end > start ? vma_modify_flags(mm, start, end, 0, VM_LOCKED_MASK) : 0;
}

/* Gives every VMA (but VM_SPECIAL ones when skip_special) the lock bits set, one at a time:
 * the list changes as they merge. */
static void lock_all_vmas(struct mm_struct *mm, uint32_t set, bool skip_special)
{
	uint32_t addr = 0;
	for (;;) {
		struct vm_area_struct *v = find_vma(mm, addr);
		if (!v)
			break;
		uint32_t s = v->vm_start, e = v->vm_end;
		if (!skip_special || !(v->vm_flags & VM_SPECIAL))
			vma_modify_flags(mm, s, e, set, VM_LOCKED_MASK & ~set);
		addr = e;
		if (!addr)
			break;
	}
}

long sys_mlockall(struct task *t, const uint32_t *a)
{
	uint32_t flags = a[0];
	struct mm_struct *mm = t->mm;
	if (!flags || (flags & ~(uint32_t)(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) ||
	    flags == MCL_ONFAULT)
		return -EINVAL;
	if (!can_do_mlock(t))
		return -EPERM;
	uint64_t lim = t->rlim[RLIMIT_MEMLOCK].cur;
	if ((flags & MCL_CURRENT) && lim != ~0ull && t->euid != 0 && mm->total_vm > lim >> 12)
		return -ENOMEM;
	mm->def_flags &= ~VM_LOCKED_MASK;
	if (flags & MCL_FUTURE) {
		mm->def_flags |= VM_LOCKED;
		if (flags & MCL_ONFAULT)
			mm->def_flags |= VM_LOCKONFAULT;
	}
	if (!(flags & MCL_CURRENT))
		return 0;
	lock_all_vmas(mm, VM_LOCKED | ((flags & MCL_ONFAULT) ? VM_LOCKONFAULT : 0), true);
	if (!(flags & MCL_ONFAULT))
		populate_range(mm, 0, mm->task_size);
	return 0;
}

long sys_munlockall(struct task *t, const uint32_t *a)
{
	(void)a;
	struct mm_struct *mm = t->mm;
	mm->def_flags &= ~VM_LOCKED_MASK;
	lock_all_vmas(mm, 0, false);
	return 0;
}

/* ---- msync, mincore ---- */

long sys_msync(struct task *t, const uint32_t *a)
{
	uint32_t start = a[0], len = a[1], flags = a[2];
	struct mm_struct *mm = t->mm;
	if (flags & ~(uint32_t)(MS_ASYNC | MS_INVALIDATE | MS_SYNC))
		return -EINVAL;
	if (start & (PG - 1))
		return -EINVAL;
	if ((flags & MS_ASYNC) && (flags & MS_SYNC))
		return -EINVAL;
	uint32_t alen = PG_ALIGN(len);
	uint32_t end = start + alen;
	if (alen < len || end < start)
		return -ENOMEM;
	if (end == start)
		return 0;
	int unmapped = 0;
	for (;;) {
		struct vm_area_struct *v = find_vma(mm, start);
		if (!v)
			return -ENOMEM;
		if (start < v->vm_start) {
			unmapped = -ENOMEM;
			start = v->vm_start;
			if (start >= end)
				return unmapped;
		}
		if ((flags & MS_INVALIDATE) && (v->vm_flags & VM_LOCKED))
			return -EBUSY;
		uint32_t e = v->vm_end < end ? v->vm_end : end;
		/* MS_ASYNC too: the host file is what read() sees, so it must hold the data
		 * once msync returns (on Linux the page cache itself is what read() sees) */
		if ((flags & (MS_SYNC | MS_ASYNC)) && v->vm_file && (v->vm_flags & VM_SHARED)) {
			int r = filemap_write_range(v->vm_file->mapping,
						    v->vm_pgoff + ((start - v->vm_start) >> 12),
						    (e - start) >> 12);
			if (r)
				return r;
		}
		start = v->vm_end;
		if (start >= end)
			return unmapped;
	}
}

long sys_mincore(struct task *t, const uint32_t *a)
{
	uint32_t start = a[0], len = a[1], vec = a[2];
	struct mm_struct *mm = t->mm;
	if (start & (PG - 1))
		return -EINVAL;
	if (len > mm->task_size || start > mm->task_size - len)
		return -ENOMEM;
	uint32_t pages = (len >> 12) + ((len & (PG - 1)) != 0);
	uint8_t buf[256];
	for (uint32_t done = 0; done < pages;) {
		uint32_t n = pages - done < sizeof buf ? pages - done : (uint32_t)sizeof buf;
		for (uint32_t i = 0; i < n; i++) {
			uint32_t addr = start + ((done + i) << 12);
			if (!vma_lookup(mm, addr))
				return -ENOMEM;
			buf[i] = (uint8_t)mincore_page(mm, addr);
		}
		if (copy_to_user(t, vec + done, buf, n))
			return -EFAULT;
		done += n;
	}
	return 0;
}
