/*
 * Swap for shmem objects (mm/shmem.c's shmem_writepage, shmem_swapin_folio, shmem_unuse,
 * shmem_lock). A shmem object is an address_space of the page cache (filemap.c) with no
 * backing file: its pages are swap-backed, on the anonymous LRU lists. Under pressure
 * reclaim unmaps such a page from every PTE (rmap.c) and shmem_writepage takes it out of the
 * object's cache: the slot of its index keeps the swap entry instead (Linux keeps it in the
 * mapping's xarray), holding one reference to the swap slot, and the page, now in the swap
 * cache, is written and freed. The PTEs that mapped it are simply gone (no swap PTEs: the
 * object, not the page tables, knows where the page is), so the next touch is a fault on the
 * file, which finds the entry and reads the page back: shmem_swapin goes through the swap
 * cache and swap readahead as do_swap_page does, returns the page to the object's cache and
 * frees its slot at once (a shmem page never keeps its slot once back).
 */
#include "kernel/mm/shmem.h"
#include "kernel/mm/filemap.h"
#include "kernel/mm/filemap_internal.h"
#include "kernel/mm/kmem.h"
#include "kernel/mm/memory.h"
#include "kernel/mm/swap.h"
#include "kernel/task.h"

#include <errno.h>

int shmem_incore(struct kmem *km, struct address_space *as, uint32_t index)
{
	const struct cache_slot *s = slot_find(as, index);
	if (!s)
		return 0;
	if (s->swapped)
		return lookup_swap_cache(km, (swp_entry_t){s->swap}) ? 1 : 0;
	return !s->evicted && s->pfn ? 1 : 0;
}

bool shmem_mapping_unevictable(const struct address_space *as)
{
	return as && as->shmem && as->unevictable;
}

void shmem_check_unevictable(struct kmem *km, const struct address_space *as, struct page *p)
{
	if (shmem_mapping_unevictable(as))
		lru_cull_unevictable(km, p);
}

/* The page leaves the object's cache (shmem_delete_from_page_cache's accounting). */
static void shmem_uncache(struct kmem *km, struct address_space *as, struct page *p)
{
	p->mapping = NULL;
	km->stat[NR_FILE_PAGES] -= km->stat[NR_FILE_PAGES] ? 1 : 0;
	km->stat[NR_SHMEM] -= km->stat[NR_SHMEM] ? 1 : 0;
	as->pc->pages--;
}

static void shmem_cache(struct kmem *km, struct address_space *as, struct page *p, uint32_t index)
{
	p->mapping = as;
	p->index = index;
	km->stat[NR_FILE_PAGES]++;
	km->stat[NR_SHMEM]++;
	as->pc->pages++;
}

int shmem_writepage(struct kmem *km, struct page *p)
{
	struct address_space *as = p->mapping;
	struct cache_slot *s = as && as->shmem ? slot_find(as, p->index) : NULL;
	uint64_t pfn = page_to_pfn(km, p);
	if (!s || s->swapped || s->pfn != pfn)
		return -EINVAL;
	swp_entry_t e = get_swap_page(km);
	if (!e.val)
		return -ENOSPC;
	/* swap_shmem_alloc: the object's entry is the slot's one reference */
	swap_duplicate(km, e);
	add_to_swap_cache(km, p, e);
	s->swapped = 1;
	s->swap = e.val;
	s->pfn = 0;
	s->dirty = s->shared_w = 0;
	as->nr_swapped++;
	shmem_uncache(km, as, p);
	put_page(km, p); /* the page cache's reference: the swap cache holds the page now */
	SetPageFlag(p, PG_dirty);
	if (swap_writepage(km, p) == 0)
		return 0;
	/* the write failed: the page goes back where it was, the slot is given up */
	s = slot_find(as, p->index);
	s->swapped = 0;
	s->swap = 0;
	s->pfn = pfn;
	as->nr_swapped--;
	get_page(p);
	shmem_cache(km, as, p, s->index);
	delete_from_swap_cache(km, p);
	swap_free(km, e);
	return -EIO;
}

uint64_t shmem_swapin(struct task *t, struct address_space *as, uint32_t index, bool *major,
		      int *err)
{
	struct kmem *km = t->km;
	struct cache_slot *s = slot_find(as, index);
	*major = false;
	if (!s || !s->swapped) {
		*err = -EINVAL;
		return 0;
	}
	swp_entry_t e = {s->swap};
	struct page *p = lookup_swap_cache(km, e);
	if (p) {
		get_page(p);
		swap_cache_hit(km, p);
	} else {
		/* shmem_swapin_cluster: the same cluster readahead as an anonymous page's */
		p = swapin_readahead(km, e, err);
		if (!p)
			return 0;
		*major = true;
	}
	/* the readahead allocated, so reclaim may have run: look the slot up again (reclaim
	 * changes entries in place, never moves them; the entry is still the object's) */
	s = slot_find(as, index);
	uint64_t pfn = page_to_pfn(km, p);
	/* shmem_add_to_page_cache, delete_from_swap_cache, swap_free: the page is the
	 * object's again and the slot goes; our reference becomes the page cache's */
	s->swapped = 0;
	s->swap = 0;
	s->pfn = pfn;
	s->evicted = 0;
	as->nr_swapped--;
	shmem_cache(km, as, p, index);
	delete_from_swap_cache(km, p);
	swap_free(km, e);
	shmem_check_unevictable(km, as, p);
	return pfn;
}

uint64_t shmem_get_page(struct task *t, struct address_space *as, uint32_t index, bool *major,
			int *err)
{
	struct cache_slot *s = slot_find(as, index);
	*major = false;
	if (s && s->swapped) {
		counter_add(t->km->ctr, CTR_fault_swapin, 1);
		return shmem_swapin(t, as, index, major, err);
	}
	return filemap_read_page(t, as, index, err);
}

int shmem_unuse(struct kmem *km, unsigned type)
{
	struct page_cache *pc = km->reclaim ? km->reclaim->shmem_pc : NULL;
	if (!pc || !pc->t)
		return 0;
	for (struct address_space *as = pc->list; as; as = as->next) {
		if (!as->shmem || !as->nr_swapped)
			continue;
		/* by index, so that readahead brings the neighbours in order; a slot table
		 * rehash (none happens here: no slot is inserted) would not disturb it */
		for (size_t i = 0; i < as->nslots && as->nr_swapped; i++) {
			struct cache_slot *s = &as->slots[i];
			if (!s->used || !s->swapped || swp_type((swp_entry_t){s->swap}) != type)
				continue;
			int err = 0;
			bool major;
			if (!shmem_swapin(pc->t, as, s->index, &major, &err))
				return err ? err : -ENOMEM;
		}
	}
	return 0;
}

void shmem_lock(struct kmem *km, struct vm_file *f, bool lock)
{
	struct address_space *as = f->mapping;
	if (!as || !as->shmem)
		return;
	as->unevictable = lock;
	if (lock)
		return; /* resident pages are culled as reclaim meets them (folio_evictable) */
	/* shmem_unlock_mapping: check_move_unevictable_folios over the object's pages */
	for (size_t i = 0; i < as->nslots; i++) {
		struct cache_slot *s = &as->slots[i];
		if (s->used && !s->swapped && !s->evicted && s->pfn)
			check_move_unevictable_page(km, pfn_to_page(km, s->pfn));
	}
}

void shmem_page_counts(const struct vm_file *f, uint32_t first, uint32_t n, uint64_t *rss,
		       uint64_t *swapped)
{
	const struct address_space *as = f->mapping;
	*rss = *swapped = 0;
	if (!as || !as->shmem)
		return;
	for (size_t i = 0; i < as->nslots; i++) {
		const struct cache_slot *s = &as->slots[i];
		if (!s->used || s->index < first || s->index - first >= n)
			continue;
		if (s->swapped)
			(*swapped)++;
		else if (!s->evicted && s->pfn)
			(*rss)++;
	}
}
