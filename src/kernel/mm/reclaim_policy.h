/*
 * The page-replacement policy behind reclaim (vmscan.c): which page to try next. One small
 * interface so that a researcher can add a policy in a file of its own (policy_*.c) and
 * compare it with the others on the same program: every policy reports the same statistics
 * (pgscan, pgsteal, pswpin/out, major faults).
 *
 * The core (vmscan.c) owns the lists' bookkeeping: lru_link/lru_unlink put a page on a list
 * of the machine's vm_reclaim and keep the Active/Inactive counts of /proc/meminfo by the
 * page's flags (PG_active, PG_swapbacked). A policy decides which list and where, and hands
 * out candidates with isolate(); the core tries to reclaim each and gives back the ones it
 * could not with putback().
 */
#ifndef VMLAB_KERNEL_MM_RECLAIM_POLICY_H
#define VMLAB_KERNEL_MM_RECLAIM_POLICY_H
#include "kernel/mm/swap.h"

#define SWAP_CLUSTER_MAX 32u

struct scan_control {
	uint64_t nr_to_reclaim, nr_reclaimed;
	uint64_t nr_scanned; /* pages looked at: a policy counts each with lru_scanned() */
	uint64_t nr_scanned_anon, nr_scanned_file;
	uint64_t scan_limit; /* isolate returns NULL once nr_scanned reaches it */
	bool kswapd;
	bool may_swap; /* a free swap slot exists: anonymous pages can go */
};

struct reclaim_policy {
	const char *name;
	/* a page the program maps, or the page cache holds, becomes evictable */
	void (*add)(struct kmem *km, struct page *p);
	/* a page found again through a lookup (swap-cache hit): optional */
	void (*accessed)(struct kmem *km, struct page *p);
	/* the next page to try, taken off its list (lru_unlink), or NULL: nothing more */
	struct page *(*isolate)(struct kmem *km, struct scan_control *sc);
	/* the core could not reclaim p (pinned, no swap slot, write error); activate: it should
	 * be kept longer (Linux moves such pages to the active list) */
	void (*putback)(struct kmem *km, struct page *p, bool activate);
};

extern const struct reclaim_policy reclaim_policy_linux, reclaim_policy_fifo,
	reclaim_policy_lru, reclaim_policy_clock, reclaim_policy_random;

/* The list a page is counted on by its flags (PG_unevictable, PG_swapbacked, PG_active). */
enum lru_list page_lru(const struct page *p);
/* Puts p on list (at its head or tail) and counts it as page_lru(p) says. */
void lru_link(struct kmem *km, struct page *p, struct list_head *list, bool tail);
void lru_unlink(struct kmem *km, struct page *p);
/* A refaulting page just added to the LRU comes back active (folio_set_active before
 * folio_add_lru): the linux policy moves it to its active list; the single-list policies
 * have none. */
void lru_activate_refault(struct kmem *km, struct page *p);
/* The page at the tail (oldest end) of a list, or NULL. */
struct page *lru_tail(struct list_head *list);
/* Counts a page looked at (pgscan_kswapd/direct, pgscan_anon/file). */
void lru_scanned(struct kmem *km, struct scan_control *sc, const struct page *p);
/* The oldest page of the single list simple policies keep that reclaim may take now. */
struct page *simple_isolate_oldest(struct kmem *km, struct scan_control *sc);
/* Whether reclaim may take p now: anonymous pages need swap. */
bool lru_evictable_now(const struct scan_control *sc, const struct page *p);
#endif
