/*
 * Swap for shmem objects (mm/shmem.c): the pages of SysV segments and of shared anonymous
 * mappings are swap-backed. Reclaim writes them to swap (shmem_writepage) and the object
 * keeps the swap entry where the page was; the next use reads it back (shmem_swapin), a
 * major fault. swapoff brings them back (shmem_unuse); SHM_LOCK keeps them in memory
 * (shmem_lock). See docs/swap.md and docs/ipc.md.
 */
#ifndef VMLAB_KERNEL_MM_SHMEM_H
#define VMLAB_KERNEL_MM_SHMEM_H
#include <stdbool.h>
#include <stdint.h>

struct address_space;
struct kmem;
struct page;
struct page_cache;
struct task;
struct vm_file;

/* shmem_writepage: p (a shmem page reclaim has unmapped everywhere) leaves the object's
 * page cache for the swap cache and is written to a new slot; the object keeps the entry.
 * The page cache's reference becomes the swap cache's. 0, -ENOSPC (no free slot) or -EIO
 * (the write failed: p is back in the page cache). */
int shmem_writepage(struct kmem *km, struct page *p);
/* shmem_swapin_folio: the page of index, whose slot holds a swap entry, read back (through
 * the swap cache and swap readahead) into the page cache; its slot is freed. *major when it
 * was read from swap (not found in the swap cache). The pfn, or 0 with *err. */
uint64_t shmem_swapin(struct task *t, struct address_space *as, uint32_t index, bool *major,
		      int *err);
/* shmem_get_folio for a fault: the page of index, swapped in, or new and zeroed. */
uint64_t shmem_get_page(struct task *t, struct address_space *as, uint32_t index, bool *major,
			int *err);
/* shmem_unuse: every shmem page swapped to area type read back. 0 or -ENOMEM/-EIO. */
int shmem_unuse(struct kmem *km, unsigned type);
/* shmem_lock: SHM_LOCK (lock) or SHM_UNLOCK of the object behind f. Unlocking moves its
 * resident pages back from the unevictable list (shmem_unlock_mapping). */
void shmem_lock(struct kmem *km, struct vm_file *f, bool lock);
/* mincore of a shmem page (filemap_get_incore_folio): resident, or swapped with its page
 * still in the swap cache. */
int shmem_incore(struct kmem *km, struct address_space *as, uint32_t index);
bool shmem_mapping_unevictable(const struct address_space *as);
/* A page of a locked object joining the LRU goes to the unevictable list (lru_add_fn). */
void shmem_check_unevictable(struct kmem *km, const struct address_space *as, struct page *p);
/* Pages of f's object resident and swapped, in [first, first + n) pages (SHM_INFO's
 * shm_rss and shm_swp; smaps' Swap of a shared mapping: shmem_partial_swap_usage). */
void shmem_page_counts(const struct vm_file *f, uint32_t first, uint32_t n, uint64_t *rss,
		       uint64_t *swapped);
#endif
