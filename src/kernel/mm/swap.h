/*
 * Memory pressure: swap areas (swapfile.c), the swap cache (swap_state.c), reverse mapping
 * (rmap.c), the LRU lists and page reclaim with kswapd and direct reclaim (vmscan.c, the
 * replacement policy behind reclaim_policy.h), and the OOM killer (oom_kill.c). See
 * docs/swap.md.
 *
 * All of it hangs off km->reclaim, set up by vmscan_init; a kmem without it (the kmem unit
 * tests) has no LRU, no swap and no reclaim, and every hook below is a no-op there.
 */
#ifndef VMLAB_KERNEL_MM_SWAP_H
#define VMLAB_KERNEL_MM_SWAP_H
#include "kernel/mm/kmem.h"

#include <stdio.h>

struct mm_struct;
struct task;

/* ---- swap entries (include/linux/swapops.h, arch/x86/include/asm/pgtable-{2,3}level.h) --- */
#define MAX_SWAPFILES_SHIFT 5
#define MAX_SWAPFILES 32 /* 1 << MAX_SWAPFILES_SHIFT, less the special types Linux reserves */
/* The arch-independent form: type in the top bits of an unsigned long (32 bits on i386,
 * BITS_PER_XA_VALUE = 31), offset below. */
#define SWP_TYPE_SHIFT (31 - MAX_SWAPFILES_SHIFT)
#define SWP_OFFSET_MASK ((1u << SWP_TYPE_SHIFT) - 1)
typedef struct {
	uint32_t val;
} swp_entry_t;

static inline swp_entry_t swp_entry(unsigned type, uint32_t offset)
{
	return (swp_entry_t){(uint32_t)type << SWP_TYPE_SHIFT | (offset & SWP_OFFSET_MASK)};
}
static inline unsigned swp_type(swp_entry_t e)
{
	return e.val >> SWP_TYPE_SHIFT;
}
static inline uint32_t swp_offset(swp_entry_t e)
{
	return e.val & SWP_OFFSET_MASK;
}

/*
 * The entry as a non-present PTE holds it.
 *  2-level: type in bits 1-5 (above _PAGE_BIT_PRESENT), offset from bit 9 (above
 *  _PAGE_BIT_PROTNONE, the global bit): 23 bits of offset.
 *  PAE: type in bits 59-63, the offset inverted (the L1TF mitigation: a non-present PTE
 *  never points at real memory) in bits 9-58.
 * Bits 0 (present) and 8 (PROTNONE) stay clear in both, so a swap PTE is neither present
 * nor a PROT_NONE mapping, and never zero (offset 0 is the header, never allocated).
 */
static inline uint64_t swp_entry_to_pte(swp_entry_t e, bool pae)
{
	uint64_t type = swp_type(e), off = swp_offset(e);
	if (!pae)
		return (uint64_t)(uint32_t)(type << 1 | off << 9);
	return (~off << 14 >> 5) | type << 59;
}
static inline swp_entry_t pte_to_swp_entry(uint64_t pte, bool pae)
{
	if (!pae)
		return swp_entry((unsigned)(pte >> 1) & 0x1f, (uint32_t)pte >> 9);
	return swp_entry((unsigned)(pte >> 59), (uint32_t)(~pte << 5 >> 14));
}
/* A PTE that is neither empty nor maps a page (present or PROT_NONE) holds a swap entry. */
static inline bool is_swap_pte(uint64_t pte)
{
	return pte && !(pte & (PTE_P | PTE_G));
}

/* ---- swap areas (swapfile.c) ---- */
#define SWAP_HAS_CACHE 0x40 /* swap_map flag: the swap cache holds a page for the slot */
#define SWAP_MAP_MAX 0x3e   /* the most PTE references a slot counts (no continuation) */
#define SWAPFILE_CLUSTER 256

struct swap_info_struct {
	unsigned type;
	int prio;
	char name[256];        /* as /proc/swaps shows it */
	uint32_t max;	       /* slots, header included */
	uint32_t pages;	       /* usable slots (max - 1) */
	uint32_t inuse_pages;
	uint8_t *swap_map;     /* per slot: PTE references | SWAP_HAS_CACHE */
	uint32_t *csum;	       /* per slot: checksum of the data written (integrity) */
	uint32_t *shadow;      /* per slot: the evicted page's shadow entry (workingset.c) */
	struct page **cache;   /* the swap cache: the page of each slot, or NULL */
	uint32_t cluster_next; /* where the next allocation scan starts */
	uint32_t lowest_bit, highest_bit;
	int fd;		       /* --swap-file: a sparse host file; -1: host memory */
	uint8_t *mem;	       /* host-memory area (MAP_NORESERVE: untouched slots cost nothing) */
	bool writeok;	       /* SWP_WRITEOK: slots may be handed out (not during swapoff) */
	bool is_file;	       /* a guest's swapon on a file: "file" in /proc/swaps */
	uint64_t dev, ino;     /* the host file's identity (a guest's swapon) */
};

/* One line of /proc/swaps per area; the areas a machine boots with. prio: SWAP_PRIO_NONE
 * for swapon's default (one below the lowest so far, -2 for the first), else 0..32767
 * (SWAP_FLAG_PREFER). */
#define SWAP_PRIO_NONE (-32768 - 1)
#define SWAP_FLAG_PRIO_MASK 0x7fff
int swapon_area(struct kmem *km, uint64_t bytes, const char *host_path, int prio, char *err,
		size_t n);
void swap_areas_free(struct kmem *km);
/* sys_swapon's part (swapon.c checked the header and the file): an area of maxpages slots
 * (header included) kept in the host file behind fd (owned from now on, closed on error),
 * shown as name. 0 or -errno (-EPERM: no free type). */
int swapon_file(struct kmem *km, int fd, uint32_t maxpages, const char *name, int prio,
		uint64_t dev, uint64_t ino);
/* The active area kept in the host file (dev, ino), or NULL. */
struct swap_info_struct *swap_area_of_file(struct kmem *km, uint64_t dev, uint64_t ino);
/* swapoff: every page of si back in memory (try_to_unuse over every address space), then
 * the area goes and lower automatic priorities move up by one. 0, or -ENOMEM (the pages do
 * not fit: the area stays in use) or -EIO. */
int swapoff_area(struct kmem *km, struct swap_info_struct *si);
/* unuse_mm (memory.c): every swap PTE of area type in mm swapped in. 0 or -errno. */
int unuse_mm(struct mm_struct *mm, unsigned type);
int proc_swaps_show(struct kmem *km, char *buf, size_t len);
/* get_swap_page: a free slot (its count 0 | SWAP_HAS_CACHE), or val 0 when swap is full. */
swp_entry_t get_swap_page(struct kmem *km);
/* swap_duplicate: one more PTE reference to the slot. 0 or -ENOMEM (count saturated). */
int swap_duplicate(struct kmem *km, swp_entry_t e);
/* swap_free: one PTE reference less; the slot is freed when nothing refers to it. */
void swap_free(struct kmem *km, swp_entry_t e);
/* free_swap_and_cache: a swap PTE is zapped: drop its reference and the cached page with
 * the slot once it is unused. */
void free_swap_and_cache(struct kmem *km, swp_entry_t e);
/* The swap cache lets go of the slot (SWAP_HAS_CACHE cleared, the slot freed if unused). */
void swapcache_free_entry(struct kmem *km, swp_entry_t e);
/* PTE references of a slot (swp_swapcount). */
unsigned swap_count(struct kmem *km, swp_entry_t e);
uint64_t total_swap_pages(const struct kmem *km);
uint64_t nr_swap_pages(const struct kmem *km); /* free slots */
bool vm_swap_full(const struct kmem *km);
struct swap_info_struct *swp_swap_info(struct kmem *km, swp_entry_t e);

/* ---- swap cache (swap_state.c) ---- */
/* vm.page-cluster: swap readahead reads up to 1 << SWAP_PAGE_CLUSTER slots */
#define SWAP_PAGE_CLUSTER 3
struct page *lookup_swap_cache(struct kmem *km, swp_entry_t e);
/* A fault found p in the swap cache: a page readahead brought in counts as a hit
 * (swap_ra_hit) and widens the next readahead window. */
void swap_cache_hit(struct kmem *km, struct page *p);
/* swapin_readahead (swap_cluster_readahead): the page of slot e, read with its neighbours
 * in an aligned cluster of the window swapin_nr_pages gives; every page read joins the swap
 * cache and the LRU. The page comes with a reference for the caller; NULL with *err -EIO (a
 * bad read) or -ENOMEM. */
struct page *swapin_readahead(struct kmem *km, swp_entry_t e, int *err);
void add_to_swap_cache(struct kmem *km, struct page *p, swp_entry_t e);
void delete_from_swap_cache(struct kmem *km, struct page *p);
/* try_to_free_swap / folio_free_swap: a swap-cache page no PTE refers to by slot leaves the
 * cache and its slot is freed. Returns whether it did. */
bool try_to_free_swap(struct kmem *km, struct page *p);
/* swap_writepage / swap_readpage: the page's bytes to or from its slot. Reading checks the
 * checksum kept when the slot was written: -EIO on a mismatch. */
int swap_writepage(struct kmem *km, struct page *p);
int swap_readpage(struct kmem *km, struct page *p, swp_entry_t e);
static inline bool PageSwapCache(const struct page *p)
{
	return PageFlag(p, PG_swapcache);
}

/* ---- refault detection (workingset.c) ---- */
/* workingset_eviction: reclaim frees anonymous page p, whose slot e keeps its data: the slot
 * remembers when (the nonresident age) and whether p was active once (PG_workingset). */
void workingset_eviction(struct kmem *km, struct page *p, swp_entry_t e);
/* workingset_refault: p was just read from slot e: a refault when the slot has a shadow;
 * activated when it was evicted within the workingset's size of pages ago. */
void workingset_refault(struct kmem *km, struct page *p, swp_entry_t e);
/* workingset_activation: a page was activated (ages the nonresident pages). */
void workingset_activation(struct kmem *km);

/* ---- reverse mapping (rmap.c) ---- */
/* Every address space with page tables (Linux's mmlist): rmap walks them. */
void mmlist_add(struct kmem *km, struct mm_struct *mm);
void mmlist_del(struct kmem *km, struct mm_struct *mm);
/* Anonymous pages: page->mapping holds this mark, page->index the linear page index. */
extern const char anon_mapping_mark;
#define ANON_MAPPING ((void *)&anon_mapping_mark)
static inline bool PageAnon(const struct page *p)
{
	return p->mapping == ANON_MAPPING;
}
struct rmap_hit {
	struct mm_struct *mm;
	struct vm_area_struct *vma;
	uint32_t addr;
	uint64_t pte;
};
/* Every PTE mapping p (anonymous: the VMAs whose linear index covers page->index; file: the
 * VMAs of its address_space), at most max. Returns how many were found. */
size_t rmap_walk(struct kmem *km, struct page *p, struct rmap_hit *hits, size_t max);
/* folio_referenced: clears the Accessed bit of every PTE mapping p; the number that had it.
 * *vm_flags gets the union of the mapping VMAs' flags (VM_LOCKED, VM_EXEC). */
int page_referenced(struct kmem *km, struct page *p, uint32_t *vm_flags);
/* try_to_unmap: every PTE mapping p replaced by the swap entry of p (anonymous, in the swap
 * cache) or cleared (file pages); the dirty bits go to the page. 0; -EPERM when a mapping
 * VMA is mlocked, -EBUSY when not every mapping was found: nothing is changed then. */
int try_to_unmap(struct kmem *km, struct page *p);
/* Flushes one user translation if mm's tables are the live ones. */
void rmap_flush_page(struct kmem *km, struct mm_struct *mm, uint32_t addr);

/* ---- LRU and reclaim (vmscan.c) ---- */
enum lru_list {
	LRU_INACTIVE_ANON,
	LRU_ACTIVE_ANON,
	LRU_INACTIVE_FILE,
	LRU_ACTIVE_FILE,
	LRU_UNEVICTABLE,
	NR_LRU_LISTS
};

enum reclaim_policy_id { RECLAIM_LINUX, RECLAIM_FIFO, RECLAIM_LRU, RECLAIM_CLOCK, RECLAIM_RANDOM,
			 NR_RECLAIM_POLICIES };
const char *reclaim_policy_name(enum reclaim_policy_id id);
int reclaim_policy_parse(const char *s, enum reclaim_policy_id *id);

struct reclaim_policy;

/* What the machine keeps for reclaim (Linux: the node's lruvec, kswapd's pgdat state, the
 * swap_info array). */
struct vm_reclaim {
	struct list_head lru[NR_LRU_LISTS];
	uint64_t nr_lru[NR_LRU_LISTS];
	const struct reclaim_policy *policy;
	void *policy_data;
	uint64_t seed;
	struct swap_info_struct *swap_info[MAX_SWAPFILES];
	unsigned nr_swapfiles;
	int least_priority;
	/* the swap slots cache (mm/swap_slots.c): slots come in batches of SWAP_BATCH from one
	 * area, the next batch from the next area of the same priority (get_swap_pages'
	 * round robin) */
	struct swap_info_struct *batch_si;
	unsigned batch_left;
	uint64_t swap_peak; /* the most slots in use at once */
	struct mm_struct **mmlist;
	size_t nr_mm, cap_mm;
	bool kswapd_wake;  /* an allocation went below a low watermark: kswapd runs next */
	int in_reclaim;    /* reclaim does not recurse into reclaim */
	uint64_t kswapd_wakeups, allocstall;
	/* the program's progress as reclaim sees it: a fault, or one more page brought in
	 * (lru_cache_add); a policy can tell a page aged in this very step from one aged
	 * before it. Starts at 1 (0 is "never looked at" in page->lru_epoch). */
	uint32_t epoch;
	uint64_t epoch_reclaimed; /* pages reclaimed since the epoch began */
	uint64_t allocstall_zone[MAX_NR_ZONES]; /* by the highest zone of the request */
	/* swap readahead's state (swapin_nr_pages: globals in Linux) */
	uint32_t ra_hits;       /* swapin_readahead_hits: readahead pages used since last time */
	uint32_t ra_prev_offset, ra_last_pages;
	/* the lruvec's nonresident_age: evictions and activations so far (workingset.c) */
	uint32_t nonresident_age;
};

/* Sets up the LRU and the policy. 0 or -ENOMEM. */
int vmscan_init(struct kmem *km, enum reclaim_policy_id policy, uint64_t seed);
void vmscan_destroy(struct kmem *km);
/* lru_cache_add: a page the program now maps (anonymous) or caches (file) joins the LRU. */
void lru_cache_add(struct kmem *km, struct page *p);
/* The page leaves the LRU (it is being freed). */
void lru_del(struct kmem *km, struct page *p);
/* mark_page_accessed for a page found through a lookup (swap cache hit). */
void mark_page_accessed(struct kmem *km, struct page *p);
/* wakeup_kswapd: note that kswapd must run (at the next point the run loop gives it). */
void wakeup_kswapd(struct kmem *km);
/* kswapd's balance_pgdat: reclaims until every zone is above its high watermark (or
 * nothing more can be reclaimed). Returns pages reclaimed. */
uint64_t kswapd_run(struct kmem *km);
/* try_to_free_pages: direct reclaim for an allocation of gfp/order that failed its
 * watermark. Returns pages reclaimed. */
uint64_t try_to_free_pages(struct kmem *km, gfp_t gfp, unsigned order);
/* madvise(MADV_COLD / MADV_PAGEOUT) on [start, end) of mm: the pages only mm maps are
 * deactivated, or reclaimed at once (swapped out, or dropped from the page cache). */
void madvise_cold_or_pageout(struct kmem *km, struct mm_struct *mm, uint32_t start,
			     uint32_t end, bool pageout);
/* Reclaims up to nr pages with the policy (the core of both). */
uint64_t shrink_node(struct kmem *km, uint64_t nr, bool kswapd);

/* ---- the OOM killer (oom_kill.c) ---- */
#define OOM_SCORE_ADJ_MIN (-1000)
#define OOM_SCORE_ADJ_MAX 1000
/* oom_badness: the points of a task, or INT64_MIN when it may not be chosen. */
int64_t oom_badness(struct task *t, uint64_t totalpages);
/* /proc/PID/oom_score */
unsigned long proc_oom_score(struct task *t);
/* out_of_memory: picks the task with the highest badness among those sharing t's scheduler,
 * kills it with SIGKILL (its memory reaped at once, as the oom_reaper does) and reports it
 * on f. Returns the victim, or NULL when there is none. */
struct task *out_of_memory(struct task *t, FILE *f);

/* ---- statistics (--stats) ---- */
void swap_print_stats(FILE *f, struct kmem *km, bool json);
#endif
