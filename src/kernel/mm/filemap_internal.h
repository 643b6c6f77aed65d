/*
 * The page cache's own structures, shared by filemap.c and shmem.c (the swap side of shmem
 * objects). Nothing outside mm/ includes this.
 */
#ifndef VMLAB_KERNEL_MM_FILEMAP_INTERNAL_H
#define VMLAB_KERNEL_MM_FILEMAP_INTERNAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct cache_slot {
	uint32_t index;
	/* dirty: written through a mapping; shared_w: mapped writable into a shared mapping,
	 * so stores may reach it at any time (it is written back at every sync point);
	 * evicted: reclaim dropped the page (a shadow entry: pfn 0), so it is not resident
	 * and the next use reads it again, a major fault */
	uint32_t used : 1, dirty : 1, shared_w : 1, evicted : 1;
	/* swapped: a shmem page reclaim wrote to swap (shmem.c): pfn is 0 and swap holds the
	 * entry, as Linux keeps a swap entry in the shmem mapping's xarray */
	uint32_t swapped : 1;
	uint32_t swap;
	uint64_t pfn;
};

struct address_space {
	struct page_cache *pc;
	struct address_space *next;
	int refcount; /* vm_files pointing here */
	int fd, wfd;  /* host descriptors: read, and write-back (-1: none) */
	dev_t dev;
	ino_t ino;
	bool shmem;
	uint64_t shmem_size;
	uint64_t shmem_ino;
	bool unevictable;    /* AS_UNEVICTABLE: a SHM_LOCK'd segment (shmem_lock) */
	uint64_t nr_swapped; /* shmem: slots holding a swap entry (info->swapped) */
	struct cache_slot *slots;
	size_t nslots, npages;
};

struct page_cache {
	struct task *t;
	struct address_space *list;
	uint64_t pages;
	uint64_t next_shmem_ino;
};

/* The slot of page index idx (a page, a shadow entry or a swap entry), or NULL. */
struct cache_slot *slot_find(const struct address_space *as, uint32_t idx);
/* A new slot for idx holding pfn. 0 or -ENOMEM. */
int slot_insert(struct address_space *as, uint32_t idx, uint64_t pfn);
#endif
