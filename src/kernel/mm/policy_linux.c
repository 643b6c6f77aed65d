/*
 * Linux 6.1's two-list reclaim (mm/vmscan.c without MGLRU, which Debian's 686 kernels leave
 * off): active and inactive lists for anonymous and file pages; new pages start inactive;
 * reclaim takes pages from the inactive tail and looks at their PTEs' Accessed bits
 * (folio_check_references): a page referenced once is kept on the inactive list with
 * PG_referenced, referenced again (or through several PTEs) it is activated; the active list
 * is aged into the inactive one whenever the inactive list is too small (inactive_is_low:
 * inactive x ratio < active, ratio = sqrt(10 x GB of the list), 1 below 1 GB), every page
 * deactivated but executable file pages that were referenced (shrink_active_list).
 * Anonymous and file pages share the pressure as get_scan_count shares it with the default
 * swappiness (60): each type is scanned in proportion to its list size times its priority
 * (60 for anonymous pages, 200 - 60 for file pages); anonymous pages only when swap has
 * room (or they are in the swap cache already).
 */
#include "kernel/mm/mmap.h"
#include "kernel/mm/reclaim_policy.h"

static struct list_head *lru(struct kmem *km, enum lru_list l)
{
	return &km->reclaim->lru[l];
}

static void linux_add(struct kmem *km, struct page *p)
{
	ClearPageFlag(p, PG_active);
	lru_link(km, p, lru(km, page_lru(p)), false);
}

static unsigned long isqrt(unsigned long x)
{
	unsigned long r = 0;
	while ((r + 1) * (r + 1) <= x)
		r++;
	return r;
}

static bool inactive_is_low(struct kmem *km, enum lru_list inactive)
{
	uint64_t in = km->reclaim->nr_lru[inactive], act = km->reclaim->nr_lru[inactive + 1];
	uint64_t gb = (in + act) >> (30 - PAGE_SHIFT);
	uint64_t ratio = gb ? isqrt(10 * gb) : 1;
	return in * ratio < act;
}

/* shrink_active_list: ages up to nr pages from the active tail */
static void shrink_active_list(struct kmem *km, struct scan_control *sc, enum lru_list inactive,
			       unsigned nr)
{
	(void)sc;
	for (unsigned i = 0; i < nr; i++) {
		struct page *p = lru_tail(lru(km, inactive + 1));
		if (!p)
			return;
		lru_unlink(km, p);
		counter_add(km->ctr, CTR_pgrefill, 1);
		uint32_t vm_flags;
		int refs = page_referenced(km, p, &vm_flags);
		if (refs && (vm_flags & VM_EXEC) && !PageSwapBacked(p)) {
			lru_link(km, p, lru(km, inactive + 1), false);
			workingset_activation(km);
			continue;
		}
		ClearPageFlag(p, PG_active);
		SetPageFlag(p, PG_workingset); /* it was active: a refault restores the workingset */
		lru_link(km, p, lru(km, inactive), false);
		counter_add(km->ctr, CTR_pgdeactivate, 1);
	}
}

/* A page put on an active list ages the nonresident pages (move_folios_to_lru,
 * workingset_activation): refault distances count activations as well as evictions. */
static void activate(struct kmem *km, struct page *p)
{
	SetPageFlag(p, PG_active);
	lru_link(km, p, lru(km, page_lru(p)), false);
	counter_add(km->ctr, CTR_pgactivate, 1);
	workingset_activation(km);
}

#define SWAPPINESS 60

static uint64_t lru_size(struct kmem *km, enum lru_list inactive)
{
	return km->reclaim->nr_lru[inactive] + km->reclaim->nr_lru[inactive + 1];
}

/* The inactive list to take from next: the type behind its share of the scanning, aged
 * first when its inactive list is low; NULL when neither type has a page to offer. */
static struct page *next_candidate(struct kmem *km, struct scan_control *sc)
{
	uint64_t anon = lru_size(km, LRU_INACTIVE_ANON), file = lru_size(km, LRU_INACTIVE_FILE);
	if (!sc->may_swap && !km->stat[NR_SWAPCACHE])
		anon = 0;
	if (!anon && !file)
		return NULL;
	enum lru_list first = LRU_INACTIVE_FILE;
	if (!file || (anon && sc->nr_scanned_file * SWAPPINESS * anon >
				      sc->nr_scanned_anon * (200 - SWAPPINESS) * file))
		first = LRU_INACTIVE_ANON;
	enum lru_list order[2] = {first, first == LRU_INACTIVE_FILE ? LRU_INACTIVE_ANON
								 : LRU_INACTIVE_FILE};
	for (int i = 0; i < 2; i++) {
		enum lru_list in = order[i];
		if (!(in == LRU_INACTIVE_ANON ? anon : file))
			continue;
		if (inactive_is_low(km, in) || list_empty(lru(km, in)))
			shrink_active_list(km, sc, in, SWAP_CLUSTER_MAX);
		struct page *p = lru_tail(lru(km, in));
		if (p)
			return p;
	}
	return NULL;
}

static struct page *linux_isolate(struct kmem *km, struct scan_control *sc)
{
	while (sc->nr_scanned < sc->scan_limit) {
		struct page *p = next_candidate(km, sc);
		if (!p)
			return NULL;
		/* kswapd runs beside the program in Linux; here the program waits, so kswapd
		 * stops at a page it already looked at in this step of the program: its verdict
		 * would be "unused" only because the program could not run. Direct reclaim goes
		 * on (as Linux does at a lower priority): the allocation needs the page. */
		if (sc->kswapd && p->lru_epoch == km->reclaim->epoch)
			return NULL;
		p->lru_epoch = km->reclaim->epoch;
		enum lru_list in = page_lru(p);
		lru_unlink(km, p);
		lru_scanned(km, sc, p);
		if (!lru_evictable_now(sc, p)) {
			activate(km, p);
			continue;
		}
		/* folio_check_references */
		uint32_t vm_flags;
		int refs = page_referenced(km, p, &vm_flags);
		bool was_referenced = PageFlag(p, PG_referenced);
		if (refs) {
			SetPageFlag(p, PG_referenced);
			if (was_referenced || refs > 1 || ((vm_flags & VM_EXEC) && !PageSwapBacked(p))) {
				activate(km, p);
				continue;
			}
			lru_link(km, p, lru(km, in), false); /* keep: another trip round */
			counter_add(km->ctr, CTR_pgrotated, 1);
			continue;
		}
		ClearPageFlag(p, PG_referenced);
		return p;
	}
	return NULL;
}

static void linux_putback(struct kmem *km, struct page *p, bool act)
{
	if (act) {
		activate(km, p);
		return;
	}
	lru_link(km, p, lru(km, page_lru(p)), false);
}

/* mark_page_accessed: referenced once more; an inactive page referenced twice activates */
static void linux_accessed(struct kmem *km, struct page *p)
{
	if (!PageFlag(p, PG_active) && PageFlag(p, PG_referenced) && !PageFlag(p, PG_unevictable)) {
		lru_unlink(km, p);
		ClearPageFlag(p, PG_referenced);
		activate(km, p);
		return;
	}
	SetPageFlag(p, PG_referenced);
}

const struct reclaim_policy reclaim_policy_linux = {
    .name = "linux",
    .add = linux_add,
    .accessed = linux_accessed,
    .isolate = linux_isolate,
    .putback = linux_putback,
};
