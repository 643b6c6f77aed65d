/*
 * The swap cache (mm/swap_state.c) and swap I/O (mm/page_io.c). A page in the swap cache is
 * found by its slot (si->cache), holds one reference for the cache and its entry in
 * page->private; the slot's swap_map carries SWAP_HAS_CACHE meanwhile.
 *
 * I/O is synchronous (the device is host memory or a host file): swap_writepage completes
 * before reclaim goes on, as with a synchronous swap device in Linux. Each write keeps a
 * checksum beside the slot and each read verifies it, so a page that comes back different
 * from what went out is an error (EIO), not silent corruption.
 *
 * Swap-in reads ahead as 6.1 does on a rotational swap device (the oracle's virtio disk
 * is one, so swap_use_vma_readahead() is false there): swap_cluster_readahead reads the
 * aligned cluster of slots around the one faulted on, its size from swapin_nr_pages: one
 * page until the faults come at neighbouring slots or readahead pages get used, then up to
 * 1 << page-cluster (8). The pages read ahead wait in the swap cache, on the inactive anon
 * list; a fault that finds one is minor. Only with --reclaim=linux: the simple policies
 * page on demand.
 */
#include "kernel/mm/swap.h"
#include "kernel/mm/ktrace_mm.h"
#include "kernel/mm/mm_internal.h"
#include "kernel/mm/reclaim_policy.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

static swp_entry_t page_swap_entry(const struct page *p)
{
	return (swp_entry_t){p->private};
}

struct page *lookup_swap_cache(struct kmem *km, swp_entry_t e)
{
	struct swap_info_struct *si = swp_swap_info(km, e);
	return si ? si->cache[swp_offset(e)] : NULL;
}

void add_to_swap_cache(struct kmem *km, struct page *p, swp_entry_t e)
{
	struct swap_info_struct *si = swp_swap_info(km, e);
	if (!si)
		return;
	si->swap_map[swp_offset(e)] |= SWAP_HAS_CACHE;
	si->cache[swp_offset(e)] = p;
	SetPageFlag(p, PG_swapcache);
	SetPageFlag(p, PG_swapbacked);
	p->private = e.val;
	get_page(p);
	km->stat[NR_SWAPCACHE]++;
}

void delete_from_swap_cache(struct kmem *km, struct page *p)
{
	if (!PageSwapCache(p))
		return;
	swp_entry_t e = page_swap_entry(p);
	struct swap_info_struct *si = swp_swap_info(km, e);
	if (si && si->cache[swp_offset(e)] == p)
		si->cache[swp_offset(e)] = NULL;
	ClearPageFlag(p, PG_swapcache);
	ClearPageFlag(p, PG_readahead);
	p->private = 0;
	km->stat[NR_SWAPCACHE]--;
	swapcache_free_entry(km, e);
	put_page(km, p);
}

bool try_to_free_swap(struct kmem *km, struct page *p)
{
	if (!PageSwapCache(p) || swap_count(km, page_swap_entry(p)))
		return false;
	delete_from_swap_cache(km, p);
	return true;
}

/* A checksum of a page's bytes (FNV-1a over 64-bit words): cheap beside the copy. */
static uint32_t page_csum(const uint8_t *b)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < PAGE_SIZE; i += 8) {
		uint64_t w;
		memcpy(&w, b + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
	}
	return (uint32_t)(h ^ h >> 32) | 1; /* 0 means "never written" */
}

int swap_writepage(struct kmem *km, struct page *p)
{
	swp_entry_t e = page_swap_entry(p);
	struct swap_info_struct *si = swp_swap_info(km, e);
	if (!si)
		return -EINVAL;
	const uint8_t *src = physmem_ptr(km->pm, page_to_phys(km, p));
	uint64_t off = (uint64_t)swp_offset(e) << PAGE_SHIFT;
	if (si->mem)
		memcpy(si->mem + off, src, PAGE_SIZE);
	else if (pwrite(si->fd, src, PAGE_SIZE, (off_t)off) != PAGE_SIZE)
		return -EIO;
	si->csum[swp_offset(e)] = page_csum(src);
	ClearPageFlag(p, PG_dirty);
	counter_add(km->ctr, CTR_pswpout, 1);
	if (ktrace_mm_on(km, TRACE_SWAP))
		ktrace_swap_out(km, p, e);
	return 0;
}

int swap_readpage(struct kmem *km, struct page *p, swp_entry_t e)
{
	struct swap_info_struct *si = swp_swap_info(km, e);
	if (!si)
		return -EINVAL;
	uint64_t pfn = page_to_pfn(km, p);
	physmem_frame_changed(km->pm, pfn);
	uint8_t *dst = physmem_ptr(km->pm, pfn << PAGE_SHIFT);
	uint64_t off = (uint64_t)swp_offset(e) << PAGE_SHIFT;
	if (si->mem)
		memcpy(dst, si->mem + off, PAGE_SIZE);
	else if (pread(si->fd, dst, PAGE_SIZE, (off_t)off) != PAGE_SIZE)
		return -EIO;
	counter_add(km->ctr, CTR_pswpin, 1);
	if (si->csum[swp_offset(e)] && si->csum[swp_offset(e)] != page_csum(dst)) {
		kmem_error(km, -EIO, "swap_readpage: the page read back differs from the one written");
		return -EIO;
	}
	return 0;
}

/* ---- swap readahead (mm/swap_state.c) ---- */

void swap_cache_hit(struct kmem *km, struct page *p)
{
	if (!PageFlag(p, PG_readahead))
		return;
	ClearPageFlag(p, PG_readahead);
	counter_add(km->ctr, CTR_swap_ra_hit, 1);
	if (km->reclaim)
		km->reclaim->ra_hits++;
}

/* __swapin_nr_pages: with no hits to judge by, two pages when this fault is next to the
 * previous one and one otherwise; with hits, hits + 2 rounded up to a power of two (4 at
 * least); at most max_pages, and never below half the previous window (it shrinks
 * slowly). */
static uint32_t swapin_nr_pages(struct vm_reclaim *r, uint32_t offset)
{
	uint32_t max_pages = 1u << SWAP_PAGE_CLUSTER;
	uint32_t hits = r->ra_hits;
	r->ra_hits = 0;
	uint32_t pages = hits + 2;
	if (pages == 2) {
		if (offset != r->ra_prev_offset + 1 && offset != r->ra_prev_offset - 1)
			pages = 1;
	} else {
		uint32_t roundup = 4;
		while (roundup < pages)
			roundup <<= 1;
		pages = roundup;
	}
	if (pages > max_pages)
		pages = max_pages;
	if (pages < r->ra_last_pages / 2)
		pages = r->ra_last_pages / 2;
	if (!hits)
		r->ra_prev_offset = offset;
	r->ra_last_pages = pages;
	return pages;
}

/* __read_swap_cache_async: the page of slot e with a reference for the caller, from the
 * swap cache or read into a new page that joins the cache and the LRU (*allocated). NULL
 * when the slot is free (nothing refers to it) or no page can be had (*err -ENOMEM), or the
 * read failed (*err -EIO). */
static struct page *read_swap_cache_async(struct kmem *km, swp_entry_t e, bool *allocated,
					  int *err)
{
	*allocated = false;
	struct page *p = lookup_swap_cache(km, e);
	if (p) {
		get_page(p);
		return p;
	}
	if (!swp_swap_info(km, e) || !swap_count(km, e))
		return NULL;
	p = alloc_page(km, GFP_HIGHUSER_MOVABLE);
	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	/* the allocation may have reclaimed: the slot is still ours to fill (nothing else
	 * runs), unless reclaim's swap-out put a page for it in the cache meanwhile */
	struct page *q = lookup_swap_cache(km, e);
	if (q || !swap_count(km, e)) {
		put_page(km, p);
		if (q)
			get_page(q);
		return q;
	}
	add_to_swap_cache(km, p, e);
	if (swap_readpage(km, p, e)) {
		delete_from_swap_cache(km, p);
		put_page(km, p);
		*err = -EIO;
		return NULL;
	}
	lru_cache_add(km, p);
	workingset_refault(km, p, e);
	*allocated = true;
	return p;
}

struct page *swapin_readahead(struct kmem *km, swp_entry_t e, int *err)
{
	struct swap_info_struct *si = swp_swap_info(km, e);
	bool allocated;
	*err = -ENOMEM;
	if (!si || !km->reclaim)
		return NULL;
	uint32_t entry_offset = swp_offset(e);
	/* the simple policies page on demand, as their textbook definitions do: readahead
	 * belongs to the Linux model */
	uint32_t mask = km->reclaim->policy == &reclaim_policy_linux
				? swapin_nr_pages(km->reclaim, entry_offset) - 1
				: 0;
	struct page *target = NULL;
	if (mask) {
		uint32_t start = entry_offset & ~mask, end = entry_offset | mask;
		if (!start) /* the header */
			start = 1;
		if (end >= si->max)
			end = si->max - 1;
		for (uint32_t off = start; off <= end; off++) {
			int e2 = 0;
			struct page *p =
				read_swap_cache_async(km, swp_entry(swp_type(e), off), &allocated, &e2);
			if (!p)
				continue;
			if (allocated && off != entry_offset) {
				SetPageFlag(p, PG_readahead);
				counter_add(km->ctr, CTR_swap_ra, 1);
			}
			/* the faulting page stays pinned while the others are allocated (in
			 * Linux it is locked for its I/O, so reclaim passes it by) */
			if (off == entry_offset)
				target = p;
			else
				put_page(km, p);
		}
	}
	if (target)
		return target;
	*err = 0;
	struct page *p = read_swap_cache_async(km, e, &allocated, err);
	if (!p && !*err)
		*err = -EIO; /* the slot is free: a bad entry */
	return p;
}
