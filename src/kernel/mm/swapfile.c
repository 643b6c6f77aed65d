/*
 * Swap areas (mm/swapfile.c): the areas a machine boots with (`vmlab run --swap=SIZE`, kept
 * in host memory, or in a sparse host file with --swap-file=PATH), slot allocation, the
 * per-slot reference counts (swap_map) and /proc/swaps.
 *
 * An area is laid out as mkswap leaves it: page 0 is the header (SWAPSPACE2), never handed
 * out; slots 1..max-1 hold pages. Slots are handed out as on a rotational device: from
 * cluster_next upwards, so that consecutive swap-outs land in consecutive slots, wrapping
 * to the lowest free slot when the top is reached.
 */
#include "kernel/mm/swap.h"
#include "kernel/mm/mm_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static struct vm_reclaim *rc(const struct kmem *km)
{
	return km->reclaim;
}

struct swap_info_struct *swp_swap_info(struct kmem *km, swp_entry_t e)
{
	if (!rc(km) || swp_type(e) >= rc(km)->nr_swapfiles)
		return NULL;
	struct swap_info_struct *si = rc(km)->swap_info[swp_type(e)];
	return si && swp_offset(e) && swp_offset(e) < si->max ? si : NULL;
}

uint64_t total_swap_pages(const struct kmem *km)
{
	return km->stat[NR_SWAP_TOTAL];
}

uint64_t nr_swap_pages(const struct kmem *km)
{
	return km->stat[NR_SWAP_FREE];
}

/* vm_swap_full: more than half of swap in use */
bool vm_swap_full(const struct kmem *km)
{
	return nr_swap_pages(km) * 2 < total_swap_pages(km);
}

/* The mkswap header: version 1, last_page, no bad pages, the SWAPSPACE2 magic at the end. */
static void write_header(struct swap_info_struct *si, uint8_t *page)
{
	memset(page, 0, PAGE_SIZE);
	uint32_t hdr[3] = {1, si->max - 1, 0};
	memcpy(page + 1024, hdr, sizeof hdr);
	memcpy(page + PAGE_SIZE - 10, "SWAPSPACE2", 10);
}

/* alloc_swap_info: the lowest free type (a swapoff leaves its type free), or -1 */
static int free_type(struct vm_reclaim *r)
{
	for (unsigned i = 0; i < r->nr_swapfiles; i++)
		if (!r->swap_info[i])
			return (int)i;
	return r->nr_swapfiles < MAX_SWAPFILES ? (int)r->nr_swapfiles : -1;
}

static void install_area(struct kmem *km, struct swap_info_struct *si)
{
	struct vm_reclaim *r = rc(km);
	r->swap_info[si->type] = si;
	if (si->type >= r->nr_swapfiles)
		r->nr_swapfiles = si->type + 1;
	si->writeok = true;
	km->stat[NR_SWAP_TOTAL] += si->pages;
	km->stat[NR_SWAP_FREE] += si->pages - si->inuse_pages;
}

static void area_free(struct swap_info_struct *si)
{
	if (si->fd >= 0)
		close(si->fd);
	if (si->mem)
		munmap(si->mem, (size_t)si->max << PAGE_SHIFT);
	free(si->swap_map);
	free(si->csum);
	free(si->shadow);
	free(si->cache);
	free(si);
}

int swapon_area(struct kmem *km, uint64_t bytes, const char *host_path, int prio, char *err,
		size_t n)
{
	struct vm_reclaim *r = rc(km);
	if (!r || free_type(r) < 0) {
		snprintf(err, n, "no more swap areas");
		return -EINVAL;
	}
	uint64_t max = bytes >> PAGE_SHIFT;
	/* a 2-level PTE holds 23 bits of offset (swp_entry_to_pte) */
	if (max < 2 || max > (1u << 23)) {
		snprintf(err, n, "a swap area is 8K to 32G");
		return -EINVAL;
	}
	struct swap_info_struct *si = calloc(1, sizeof *si);
	if (!si)
		goto nomem;
	si->fd = -1;
	si->type = (unsigned)free_type(r);
	si->max = (uint32_t)max;
	si->pages = si->max - 1;
	si->swap_map = calloc(max, 1);
	si->csum = calloc(max, sizeof *si->csum);
	si->shadow = calloc(max, sizeof *si->shadow);
	si->cache = calloc(max, sizeof *si->cache);
	if (!si->swap_map || !si->csum || !si->cache || !si->shadow)
		goto nomem_si;
	uint8_t hdr[PAGE_SIZE];
	write_header(si, hdr);
	if (host_path) {
		si->fd = open(host_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (si->fd < 0 || ftruncate(si->fd, (off_t)bytes) ||
		    pwrite(si->fd, hdr, PAGE_SIZE, 0) != PAGE_SIZE) {
			snprintf(err, n, "cannot use %s as a swap file: %s", host_path,
				 strerror(errno));
			if (si->fd >= 0)
				close(si->fd);
			free(si->swap_map);
			free(si->csum);
			free(si->shadow);
			free(si->cache);
			free(si);
			return -EIO;
		}
	} else {
		void *mem = mmap(NULL, (size_t)bytes, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (mem == MAP_FAILED)
			goto nomem_si;
		si->mem = mem;
		memcpy(si->mem, hdr, PAGE_SIZE);
	}
	/* named as the oracle's swap device: a whole virtio disk */
	snprintf(si->name, sizeof si->name, "/dev/vd%c", 'a' + (int)si->type);
	si->prio = prio == SWAP_PRIO_NONE ? --r->least_priority : prio;
	si->swap_map[0] = 0xff; /* the header: SWAP_MAP_BAD */
	si->lowest_bit = 1;
	si->highest_bit = si->max - 1;
	si->cluster_next = 1;
	install_area(km, si);
	return 0;
nomem_si:
	free(si->swap_map);
	free(si->csum);
	free(si->shadow);
	free(si->cache);
	free(si);
nomem:
	snprintf(err, n, "no host memory for a swap area of %llu bytes", (unsigned long long)bytes);
	return -ENOMEM;
}

void swap_areas_free(struct kmem *km)
{
	struct vm_reclaim *r = rc(km);
	for (unsigned i = 0; r && i < r->nr_swapfiles; i++) {
		if (r->swap_info[i])
			area_free(r->swap_info[i]);
		r->swap_info[i] = NULL;
	}
	if (r) {
		r->nr_swapfiles = 0;
		r->batch_si = NULL;
		r->batch_left = 0;
	}
}

/* scan_swap_map_slots for one slot, from cluster_next */
static uint32_t scan_swap_map(struct swap_info_struct *si)
{
	if (si->inuse_pages == si->pages)
		return 0;
	uint32_t start = si->cluster_next < si->lowest_bit ? si->lowest_bit : si->cluster_next;
	for (uint32_t pass = 0; pass < 2; pass++) {
		uint32_t from = pass ? si->lowest_bit : start;
		uint32_t to = pass ? start : si->highest_bit + 1;
		for (uint32_t off = from; off < to; off++)
			if (!si->swap_map[off])
				return off;
	}
	return 0;
}

/* get_swap_pages' choice for the next batch: the areas with room in priority order, higher
 * first; among equal priorities the one after the area of the last batch (swapon order
 * is the list's order, and an area used goes to the back of its priority), so equal
 * areas take turns batch by batch. */
#define SWAP_BATCH 64
static struct swap_info_struct *next_batch_area(struct vm_reclaim *r)
{
	struct swap_info_struct *best = NULL;
	int last = r->batch_si ? (int)r->batch_si->type : -1;
	for (unsigned k = 1; k <= r->nr_swapfiles; k++) {
		/* from the area after the last one used, round the list */
		unsigned i = (unsigned)(last + (int)k) % r->nr_swapfiles;
		struct swap_info_struct *si = r->swap_info[i];
		if (si && si->writeok && si->inuse_pages < si->pages &&
		    (!best || si->prio > best->prio))
			best = si;
	}
	r->batch_si = best;
	r->batch_left = best ? SWAP_BATCH : 0;
	return best;
}

swp_entry_t get_swap_page(struct kmem *km)
{
	struct vm_reclaim *r = rc(km);
	if (!r || !nr_swap_pages(km))
		return (swp_entry_t){0};
	struct swap_info_struct *best = r->batch_si;
	if (!r->batch_left || !best || !best->writeok || best->inuse_pages == best->pages)
		best = next_batch_area(r);
	if (!best)
		return (swp_entry_t){0};
	r->batch_left--;
	uint32_t off = scan_swap_map(best);
	if (!off)
		return (swp_entry_t){0};
	best->swap_map[off] = SWAP_HAS_CACHE;
	best->inuse_pages++;
	best->cluster_next = off + 1 > best->highest_bit ? best->lowest_bit : off + 1;
	km->stat[NR_SWAP_FREE]--;
	uint64_t used = total_swap_pages(km) - nr_swap_pages(km);
	if (used > r->swap_peak)
		r->swap_peak = used;
	return swp_entry(best->type, off);
}

static void swap_entry_free(struct kmem *km, struct swap_info_struct *si, uint32_t off)
{
	si->swap_map[off] = 0;
	si->csum[off] = 0;
	si->shadow[off] = 0;
	si->inuse_pages--;
	if (si->writeok) /* an area being swapped off counts no free slots */
		km->stat[NR_SWAP_FREE]++;
	if (si->mem) /* give the host its memory back */
		madvise(si->mem + ((size_t)off << PAGE_SHIFT), PAGE_SIZE, MADV_DONTNEED);
}

int swap_duplicate(struct kmem *km, swp_entry_t e)
{
	struct swap_info_struct *si = swp_swap_info(km, e);
	if (!si)
		return -EINVAL;
	uint8_t *m = &si->swap_map[swp_offset(e)];
	if ((*m & ~SWAP_HAS_CACHE) >= SWAP_MAP_MAX)
		return -ENOMEM; /* Linux chains continuation pages; vmlab refuses */
	(*m)++;
	return 0;
}

unsigned swap_count(struct kmem *km, swp_entry_t e)
{
	struct swap_info_struct *si = swp_swap_info(km, e);
	return si ? si->swap_map[swp_offset(e)] & ~SWAP_HAS_CACHE : 0;
}

void swap_free(struct kmem *km, swp_entry_t e)
{
	struct swap_info_struct *si = swp_swap_info(km, e);
	if (!si)
		return;
	uint8_t *m = &si->swap_map[swp_offset(e)];
	if (*m & ~SWAP_HAS_CACHE)
		(*m)--;
	if (!*m)
		swap_entry_free(km, si, swp_offset(e));
}

/* Called by the swap cache when it lets go of the slot's page. */
void swapcache_free_entry(struct kmem *km, swp_entry_t e)
{
	struct swap_info_struct *si = swp_swap_info(km, e);
	if (!si)
		return;
	uint8_t *m = &si->swap_map[swp_offset(e)];
	*m &= (uint8_t)~SWAP_HAS_CACHE;
	if (!*m)
		swap_entry_free(km, si, swp_offset(e));
}

void free_swap_and_cache(struct kmem *km, swp_entry_t e)
{
	struct swap_info_struct *si = swp_swap_info(km, e);
	if (!si)
		return;
	swap_free(km, e);
	struct page *p = si->cache[swp_offset(e)];
	/* the last PTE reference went: a cached page nobody maps is of no more use */
	if (p && !swap_count(km, e) && p->_mapcount < 0)
		try_to_free_swap(km, p);
}

int proc_swaps_show(struct kmem *km, char *buf, size_t len)
{
	size_t pos = 0;
	int w = snprintf(buf, len, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
	if (w < 0 || (size_t)w >= len)
		return -ENOSPC;
	pos = (size_t)w;
	struct vm_reclaim *r = rc(km);
	for (unsigned i = 0; r && i < r->nr_swapfiles; i++) {
		struct swap_info_struct *si = r->swap_info[i];
		if (!si)
			continue;
		unsigned long size = (unsigned long)si->pages * 4, used = (unsigned long)si->inuse_pages * 4;
		int nl = (int)strlen(si->name);
		w = snprintf(buf + pos, len - pos, "%s%*s%s\t%lu\t%s%lu\t%s%d\n", si->name,
			     nl < 40 ? 40 - nl : 1, " ", si->is_file ? "file\t" : "partition", size, size < 10000000 ? "\t" : "",
			     used, used < 10000000 ? "\t" : "", si->prio);
		if (w < 0 || (size_t)w >= len - pos)
			return -ENOSPC;
		pos += (size_t)w;
	}
	return (int)pos;
}

int swapon_file(struct kmem *km, int fd, uint32_t maxpages, const char *name, int prio,
		uint64_t dev, uint64_t ino)
{
	struct vm_reclaim *r = rc(km);
	int type = r ? free_type(r) : -1;
	struct swap_info_struct *si = type >= 0 ? calloc(1, sizeof *si) : NULL;
	if (!si) {
		close(fd);
		return type < 0 ? -EPERM : -ENOMEM;
	}
	si->fd = fd;
	si->type = (unsigned)type;
	si->max = maxpages;
	si->pages = maxpages - 1;
	si->swap_map = calloc(maxpages, 1);
	si->csum = calloc(maxpages, sizeof *si->csum);
	si->shadow = calloc(maxpages, sizeof *si->shadow);
	si->cache = calloc(maxpages, sizeof *si->cache);
	if (!si->swap_map || !si->csum || !si->cache || !si->shadow) {
		area_free(si);
		return -ENOMEM;
	}
	snprintf(si->name, sizeof si->name, "%s", name);
	si->is_file = true;
	si->dev = dev;
	si->ino = ino;
	si->prio = prio == SWAP_PRIO_NONE ? --r->least_priority : prio;
	si->swap_map[0] = 0xff;
	si->lowest_bit = 1;
	si->highest_bit = si->max - 1;
	si->cluster_next = 1;
	install_area(km, si);
	return 0;
}

struct swap_info_struct *swap_area_of_file(struct kmem *km, uint64_t dev, uint64_t ino)
{
	struct vm_reclaim *r = rc(km);
	for (unsigned i = 0; r && i < r->nr_swapfiles; i++) {
		struct swap_info_struct *si = r->swap_info[i];
		if (si && si->is_file && si->dev == dev && si->ino == ino)
			return si;
	}
	return NULL;
}

int swapoff_area(struct kmem *km, struct swap_info_struct *si)
{
	struct vm_reclaim *r = rc(km);
	/* del_from_avail_list: no more slots from it; its free slots leave the counts */
	si->writeok = false;
	if (r->batch_si == si)
		r->batch_si = NULL;
	km->stat[NR_SWAP_FREE] -= si->pages - si->inuse_pages;
	km->stat[NR_SWAP_TOTAL] -= si->pages;
	/* try_to_unuse: every address space's PTEs, then the cache's leftovers (readahead
	 * pages nobody maps) */
	int err = 0;
	for (size_t i = 0; i < r->nr_mm && !err; i++)
		err = unuse_mm(r->mmlist[i], si->type);
	for (uint32_t off = 1; off < si->max && !err; off++)
		if (si->cache[off] && !(si->swap_map[off] & ~SWAP_HAS_CACHE))
			try_to_free_swap(km, si->cache[off]);
	if (!err && si->inuse_pages)
		err = -ENOMEM; /* a reference vmlab could not find: the area cannot go */
	if (err) {
		/* reinsert_swap_info */
		si->writeok = true;
		km->stat[NR_SWAP_TOTAL] += si->pages;
		km->stat[NR_SWAP_FREE] += si->pages - si->inuse_pages;
		return err;
	}
	if (si->prio < 0) {
		/* the automatic priorities below close the gap */
		for (unsigned i = 0; i < r->nr_swapfiles; i++)
			if (r->swap_info[i] && r->swap_info[i]->prio < si->prio)
				r->swap_info[i]->prio++;
		r->least_priority++;
	}
	r->swap_info[si->type] = NULL;
	while (r->nr_swapfiles && !r->swap_info[r->nr_swapfiles - 1])
		r->nr_swapfiles--;
	area_free(si);
	return 0;
}
