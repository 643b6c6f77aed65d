/*
 * The swap cache (mm/swap_state.c) and swap I/O (mm/page_io.c). A page in the swap cache is
 * found by its slot (si->cache), holds one reference for the cache and its entry in
 * page->private; the slot's swap_map carries SWAP_HAS_CACHE meanwhile.
 *
 * I/O is synchronous (the device is host memory or a host file): swap_writepage completes
 * before reclaim goes on, as with a synchronous swap device in Linux. Each write keeps a
 * checksum beside the slot and each read verifies it, so a page that comes back different
 * from what went out is an error (EIO), not silent corruption.
 */
#include "kernel/mm/swap.h"
#include "kernel/mm/ktrace_mm.h"
#include "kernel/mm/mm_internal.h"

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
