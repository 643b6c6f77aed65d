/*
 * The page cache: one address_space per host inode (st_dev, st_ino) or shmem object, holding
 * the frames its pages were read into, found by page index through a hash table. Frames
 * stay cached after the last mapping goes (as on Linux without memory pressure), which is
 * what makes a second mapping of a file fault in minor faults and fault-around work.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kernel/mm/filemap.h"
#include "kernel/mm/filemap_internal.h"
#include "kernel/mm/kmem.h"
#include "kernel/mm/memory.h"
#include "kernel/mm/mmap.h"
#include "kernel/mm/shmem.h"
#include "kernel/mm/swap.h"
#include "kernel/task.h"

struct page_cache *page_cache_create(struct task *t)
{
	struct page_cache *pc = calloc(1, sizeof *pc);
	if (pc) {
		pc->t = t;
		pc->next_shmem_ino = 1;
	}
	return pc;
}

uint64_t page_cache_pages(const struct page_cache *pc)
{
	return pc ? pc->pages : 0;
}

static struct kmem *pc_km(const struct page_cache *pc)
{
	return pc->t ? pc->t->km : NULL;
}

static size_t slot_hash(uint32_t idx, size_t n)
{
	return (size_t)((idx * 2654435761u) & (n - 1));
}

struct cache_slot *slot_find(const struct address_space *as, uint32_t idx)
{
	if (!as->nslots)
		return NULL;
	for (size_t i = slot_hash(idx, as->nslots);; i = (i + 1) & (as->nslots - 1)) {
		struct cache_slot *s = &as->slots[i];
		if (!s->used)
			return NULL;
		if (s->index == idx)
			return s;
	}
}

int slot_insert(struct address_space *as, uint32_t idx, uint64_t pfn)
{
	if ((as->npages + 1) * 2 > as->nslots) {
		size_t n = as->nslots ? as->nslots * 2 : 64;
		struct cache_slot *ns = calloc(n, sizeof *ns);
		if (!ns)
			return -ENOMEM;
		for (size_t i = 0; i < as->nslots; i++) {
			if (!as->slots[i].used)
				continue;
			size_t j = slot_hash(as->slots[i].index, n);
			while (ns[j].used)
				j = (j + 1) & (n - 1);
			ns[j] = as->slots[i];
		}
		free(as->slots);
		as->slots = ns;
		as->nslots = n;
	}
	size_t j = slot_hash(idx, as->nslots);
	while (as->slots[j].used)
		j = (j + 1) & (as->nslots - 1);
	as->slots[j] = (struct cache_slot){.index = idx, .used = 1, .pfn = pfn};
	as->npages++;
	return 0;
}

static void writeback_slot(struct address_space *as, struct cache_slot *s)
{
	struct kmem *km = pc_km(as->pc);
	if (s->evicted || !(s->dirty || s->shared_w) || as->shmem || as->wfd < 0 || !km)
		return;
	struct page *p = pfn_to_page(km, s->pfn);
	uint32_t va;
	uint8_t *h = kmap_host(km, p, &va);
	if (!h)
		return;
	struct stat st;
	if (fstat(as->wfd, &st) == 0) {
		/* never extend the file: only the bytes below EOF are written back */
		uint64_t off = (uint64_t)s->index * PAGE_SIZE;
		if (off < (uint64_t)st.st_size) {
			uint64_t n = (uint64_t)st.st_size - off;
			if (n > PAGE_SIZE)
				n = PAGE_SIZE;
			if (pwrite(as->wfd, h, n, (off_t)off) == (ssize_t)n)
				s->dirty = 0;
		} else {
			s->dirty = 0;
		}
	}
	kunmap_host(km, va);
}

static void as_free(struct address_space *as)
{
	struct kmem *km = pc_km(as->pc);
	for (size_t i = 0; i < as->nslots; i++) {
		struct cache_slot *s = &as->slots[i];
		if (!s->used || s->evicted)
			continue;
		if (s->swapped) {
			if (km) /* shmem_evict_inode: the object's swap goes with it */
				free_swap_and_cache(km, (swp_entry_t){s->swap});
			continue;
		}
		writeback_slot(as, s);
		if (km) {
			struct page *p = pfn_to_page(km, s->pfn);
			p->mapping = NULL;
			km->stat[NR_FILE_PAGES] -= km->stat[NR_FILE_PAGES] ? 1 : 0;
			if (as->shmem)
				km->stat[NR_SHMEM] -= km->stat[NR_SHMEM] ? 1 : 0;
			put_page(km, p);
		}
		as->pc->pages--;
	}
	free(as->slots);
	if (as->fd >= 0)
		close(as->fd);
	if (as->wfd >= 0)
		close(as->wfd);
	free(as);
}

void page_cache_destroy(struct page_cache *pc)
{
	if (!pc)
		return;
	while (pc->list) {
		struct address_space *as = pc->list;
		pc->list = as->next;
		as_free(as);
	}
	free(pc);
}

/* A new reference-1 vm_file of as (NULL for /dev/zero, which has no page cache). */
static struct vm_file *file_new(struct address_space *as, const char *path, bool r, bool w,
				int *err)
{
	struct vm_file *f = calloc(1, sizeof *f);
	if (!f || !(f->path = strdup(path ? path : ""))) {
		free(f);
		*err = -ENOMEM;
		return NULL;
	}
	f->refcount = 1;
	f->mapping = as;
	f->readable = r;
	f->writable = w;
	f->devzero = !as;
	if (as)
		as->refcount++;
	return f;
}

struct vm_file *vm_file_open_fd(struct page_cache *pc, int host_fd, const char *guest_path,
				bool readable, bool writable, int *err)
{
	struct stat st;
	if (fstat(host_fd, &st)) {
		*err = -errno;
		return NULL;
	}
	if (S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 5)
		return file_new(NULL, "/dev/zero", readable, writable, err);
	if (!S_ISREG(st.st_mode)) {
		*err = -ENODEV;
		return NULL;
	}
	struct address_space *as;
	for (as = pc->list; as; as = as->next)
		if (!as->shmem && as->dev == st.st_dev && as->ino == st.st_ino)
			break;
	if (!as) {
		as = calloc(1, sizeof *as);
		if (!as) {
			*err = -ENOMEM;
			return NULL;
		}
		as->pc = pc;
		as->dev = st.st_dev;
		as->ino = st.st_ino;
		as->wfd = -1;
		as->fd = fcntl(host_fd, F_DUPFD_CLOEXEC, 3);
		if (as->fd < 0) {
			*err = -errno;
			free(as);
			return NULL;
		}
		as->next = pc->list;
		pc->list = as;
	}
	if (writable && as->wfd < 0)
		as->wfd = fcntl(host_fd, F_DUPFD_CLOEXEC, 3);
	return file_new(as, guest_path, readable, writable, err);
}

struct vm_file *vm_file_shmem(struct page_cache *pc, uint64_t size, int *err)
{
	struct address_space *as = calloc(1, sizeof *as);
	if (!as) {
		*err = -ENOMEM;
		return NULL;
	}
	as->pc = pc;
	as->fd = as->wfd = -1;
	as->shmem = true;
	as->shmem_size = size;
	as->shmem_ino = pc->next_shmem_ino++;
	as->next = pc->list;
	pc->list = as;
	if (pc_km(pc) && pc_km(pc)->reclaim) /* swapoff's shmem_unuse walks the shmem objects */
		pc_km(pc)->reclaim->shmem_pc = pc;
	struct vm_file *f = file_new(as, "/dev/zero (deleted)", true, true, err);
	if (!f) {
		pc->list = as->next;
		free(as);
	}
	return f;
}

struct vm_file *vm_file_get(struct vm_file *f)
{
	f->refcount++;
	return f;
}

int vm_file_shmem_rename(struct vm_file *f, const char *path, uint64_t ino)
{
	char *n = strdup(path);
	if (!n)
		return -ENOMEM;
	free(f->path);
	f->path = n;
	f->mapping->shmem_ino = ino;
	return 0;
}

void vm_file_put(struct vm_file *f)
{
	if (--f->refcount > 0) {
		if (f->refcount == 1 && f->detached)
			f->detached(f->owner);
		return;
	}
	struct address_space *as = f->mapping;
	if (!as) {
		free(f->path);
		free(f);
		return;
	}
	if (--as->refcount == 0 && as->shmem) {
		/* the last user of a shmem object is gone: its pages with it */
		struct address_space **pp = &as->pc->list;
		while (*pp != as)
			pp = &(*pp)->next;
		*pp = as->next;
		as_free(as);
	} else if (as->refcount == 0) {
		/* dirty pages reach the file when the last mapping goes (as at close) */
		for (size_t i = 0; i < as->nslots; i++)
			if (as->slots[i].used)
				writeback_slot(as, &as->slots[i]);
	}
	free(f->path);
	free(f);
}

int vm_file_host_fd(const struct vm_file *f)
{
	return f->mapping && !f->mapping->shmem ? f->mapping->fd : -1;
}

void vm_file_identity(const struct vm_file *f, struct vm_file_id *id)
{
	const struct address_space *as = f->mapping;
	if (!as || as->shmem) {
		/* shmem objects live on the internal tmpfs mount, device 00:01 */
		id->dev_major = 0;
		id->dev_minor = 1;
		id->ino = as->shmem_ino;
		return;
	}
	id->dev_major = major(as->dev);
	id->dev_minor = minor(as->dev);
	id->ino = as->ino;
}

uint64_t vm_file_size(const struct vm_file *f)
{
	const struct address_space *as = f->mapping;
	if (!as)
		return 0;
	if (as->shmem)
		return as->shmem_size;
	struct stat st;
	return fstat(as->fd, &st) == 0 ? (uint64_t)st.st_size : 0;
}

bool vm_file_is_shmem(const struct vm_file *f)
{
	return f->mapping && f->mapping->shmem;
}

uint64_t find_get_page(struct address_space *as, uint32_t index)
{
	struct cache_slot *s = slot_find(as, index);
	if (s)
		return s->evicted ? 0 : s->pfn;
	if (as->shmem || !as->pc->t || !as->pc->t->km)
		return 0;
	/* A host file's pages count as cached: the host's page cache stands in for the
	 * guest's, as an initramfs or a file just written is cached on the real kernel. The
	 * frame is filled now, without I/O accounting. */
	int err = 0;
	return filemap_read_page(as->pc->t, as, index, &err);
}

static struct address_space *as_of_fd(struct page_cache *pc, int host_fd)
{
	struct stat st;
	if (!pc || fstat(host_fd, &st) || !S_ISREG(st.st_mode))
		return NULL;
	for (struct address_space *as = pc->list; as; as = as->next)
		if (!as->shmem && as->dev == st.st_dev && as->ino == st.st_ino)
			return as;
	return NULL;
}

void filemap_note_write(struct task *t, int host_fd, uint64_t off, const void *buf,
			uint64_t len)
{
	struct address_space *as = as_of_fd(t->page_cache, host_fd);
	struct kmem *km = t->km;
	if (!as || !km)
		return;
	const uint8_t *src = buf;
	while (len) {
		uint32_t idx = (uint32_t)(off / PAGE_SIZE);
		uint32_t in = (uint32_t)(off % PAGE_SIZE);
		uint64_t n = PAGE_SIZE - in < len ? PAGE_SIZE - in : len;
		struct cache_slot *s = slot_find(as, idx);
		if (s && !s->evicted) {
			physmem_frame_changed(km->pm, s->pfn);
			physmem_write_buf(km->pm, (s->pfn << PAGE_SHIFT) + in, src, (size_t)n);
		}
		src += n;
		off += n;
		len -= n;
	}
}

void filemap_note_read(struct task *t, int host_fd, uint64_t off, uint64_t len)
{
	struct address_space *as = as_of_fd(t->page_cache, host_fd);
	if (!as || !len)
		return;
	uint32_t first = (uint32_t)(off / PAGE_SIZE);
	uint64_t last = (off + len - 1) / PAGE_SIZE;
	filemap_write_range(as, first, (uint32_t)(last - first + 1));
}

uint64_t filemap_read_page(struct task *t, struct address_space *as, uint32_t index, int *err)
{
	struct cache_slot *cs = slot_find(as, index);
	if (cs && cs->swapped) {
		bool major;
		return shmem_swapin(t, as, index, &major, err);
	}
	if (cs && !cs->evicted)
		return cs->pfn;
	uint64_t pfn;
	struct kmem *km = t->km;
	struct page *p = alloc_page(km, GFP_HIGHUSER_MOVABLE);
	if (!p) {
		*err = -ENOMEM;
		return 0;
	}
	pfn = page_to_pfn(km, p);
	physmem_frame_changed(km->pm, pfn);
	uint32_t va;
	uint8_t *h = kmap_host(km, p, &va);
	if (!h) {
		put_page(km, p);
		*err = -ENOMEM;
		return 0;
	}
	memset(h, 0, PAGE_SIZE);
	if (!as->shmem) {
		ssize_t n = pread(as->fd, h, PAGE_SIZE, (off_t)index * PAGE_SIZE);
		if (n < 0) {
			kunmap_host(km, va);
			put_page(km, p);
			*err = -EIO;
			return 0;
		}
	}
	kunmap_host(km, va);
	/* a shadow entry is filled again (the allocation may have reclaimed: look it up anew;
	 * reclaim only marks entries, it never moves them) */
	cs = slot_find(as, index);
	if (cs) {
		cs->pfn = pfn;
		cs->evicted = cs->dirty = cs->shared_w = 0;
	} else if (slot_insert(as, index, pfn)) {
		put_page(km, p);
		*err = -ENOMEM;
		return 0;
	}
	p->mapping = as;
	p->index = index;
	SetPageFlag(p, PG_uptodate);
	km->stat[NR_FILE_PAGES]++;
	as->pc->pages++;
	if (as->shmem) {
		/* swap-backed: the anonymous lists, written to swap under pressure (shmem.c) */
		SetPageFlag(p, PG_swapbacked);
		km->stat[NR_SHMEM]++;
		lru_cache_add(km, p);
		shmem_check_unevictable(km, as, p);
	} else {
		/* a file page joins the inactive file list: reclaim may drop it */
		lru_cache_add(km, p);
	}
	return pfn;
}

void filemap_readahead(struct task *t, struct address_space *as, uint32_t index, uint32_t n)
{
	uint64_t size = 0;
	if (!as->shmem) {
		struct stat st;
		if (fstat(as->fd, &st))
			return;
		size = (uint64_t)st.st_size;
	} else {
		size = as->shmem_size;
	}
	uint64_t last = (size + PAGE_SIZE - 1) / PAGE_SIZE;
	for (uint64_t i = index; i < (uint64_t)index + n && i < last; i++) {
		int err = 0;
		if (!filemap_read_page(t, as, (uint32_t)i, &err))
			return;
	}
}

int filemap_remove_page(struct address_space *as, struct page *p)
{
	struct kmem *km = pc_km(as->pc);
	struct cache_slot *s = slot_find(as, p->index);
	if (!km || !s || s->pfn != page_to_pfn(km, p) || as->shmem)
		return -EINVAL;
	/* pageout: a dirty page is written back before it may go */
	writeback_slot(as, s);
	if (s->dirty)
		return -EIO;
	/* the slot stays as a shadow entry (Linux keeps one in the xarray for workingset) */
	s->evicted = 1;
	s->pfn = 0;
	s->shared_w = 0;
	p->mapping = NULL;
	km->stat[NR_FILE_PAGES] -= km->stat[NR_FILE_PAGES] ? 1 : 0;
	as->pc->pages--;
	put_page(km, p);
	return 0;
}

void filemap_set_dirty(struct address_space *as, uint32_t index)
{
	struct cache_slot *s = slot_find(as, index);
	if (s && !s->evicted)
		s->dirty = s->shared_w = 1;
}

int filemap_write_range(struct address_space *as, uint32_t index, uint32_t n)
{
	for (size_t i = 0; i < as->nslots; i++) {
		struct cache_slot *s = &as->slots[i];
		if (s->used && s->index >= index && s->index - index < n) {
			writeback_slot(as, s);
			if (s->dirty)
				return -EIO;
		}
	}
	return 0;
}

void filemap_note_truncate(struct task *t, int host_fd, uint64_t size)
{
	struct address_space *as = as_of_fd(t->page_cache, host_fd);
	struct kmem *km = t->km;
	if (!as || !km)
		return;
	uint64_t keep = (size + PAGE_SIZE - 1) / PAGE_SIZE; /* pages still (partly) in the file */
	/* unmap_mapping_range: every PTE of a page past the end goes */
	struct mm_struct *mm = t->mm;
	for (struct vm_area_struct *v = mm ? vma_first(mm) : NULL; v; v = vma_next(mm, v)) {
		if (!v->vm_file || v->vm_file->mapping != as)
			continue;
		uint64_t first = v->vm_pgoff, last = first + ((v->vm_end - v->vm_start) >> PAGE_SHIFT);
		if (last <= keep)
			continue;
		uint64_t from = keep > first ? keep : first;
		zap_page_range(mm, v->vm_start + (uint32_t)((from - first) << PAGE_SHIFT), v->vm_end);
	}
	/* truncate_inode_pages: the cache keeps what lies below the new end */
	size_t n = as->nslots;
	struct cache_slot *old = as->slots;
	as->slots = NULL;
	as->nslots = as->npages = 0;
	for (size_t i = 0; i < n; i++) {
		struct cache_slot *s = &old[i];
		if (!s->used || s->evicted)
			continue; /* shadow entries go with a truncation */
		struct page *p = pfn_to_page(km, s->pfn);
		if (s->index >= keep) {
			p->mapping = NULL;
			km->stat[NR_FILE_PAGES] -= km->stat[NR_FILE_PAGES] ? 1 : 0;
			put_page(km, p);
			as->pc->pages--;
			continue;
		}
		if (s->index == keep - 1 && size % PAGE_SIZE) {
			static const uint8_t zeros[PAGE_SIZE];
			uint32_t in = (uint32_t)(size % PAGE_SIZE);
			physmem_frame_changed(km->pm, s->pfn);
			physmem_write_buf(km->pm, (s->pfn << PAGE_SHIFT) + in, zeros, PAGE_SIZE - in);
		}
		if (slot_insert(as, s->index, s->pfn) == 0) {
			struct cache_slot *ns = slot_find(as, s->index);
			ns->dirty = s->dirty;
			ns->shared_w = s->shared_w;
		}
	}
	free(old);
}
