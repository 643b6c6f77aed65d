/*
 * Page reclaim (mm/vmscan.c): the LRU bookkeeping, shrink_page_list for one page at a time,
 * kswapd's balance_pgdat and direct reclaim. Which page to try next is the policy's choice
 * (reclaim_policy.h); what reclaiming a page means is the same for all: an anonymous page
 * gets a swap slot and enters the swap cache, every PTE mapping it becomes a swap entry
 * (rmap.c), the page is written if dirty and leaves the swap cache, and the frame goes back
 * to the buddy allocator.
 *
 * kswapd is modelled, not threaded: an allocation that finds the preferred zone below its
 * low watermark wakes it (wakeup_kswapd), and the run loop lets it run at the next exit from
 * the CPU (a system call, a fault, the end of a slice), deterministically. It reclaims until
 * a zone is above its high watermark (pgdat_balanced). An allocation that fails the min
 * watermark reclaims itself (direct reclaim, counted as a stall) before it fails.
 */
#include "kernel/mm/reclaim_policy.h"
#include "kernel/mm/ktrace_mm.h"
#include "kernel/mm/filemap.h"
#include "kernel/mm/memory.h"
#include "kernel/mm/mm_internal.h"
#include "kernel/mm/mmap.h"
#include "kernel/mm/pgtable.h"
#include "kernel/mm/shmem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const struct reclaim_policy *const policies[NR_RECLAIM_POLICIES] = {
    [RECLAIM_LINUX] = &reclaim_policy_linux, [RECLAIM_FIFO] = &reclaim_policy_fifo,
    [RECLAIM_LRU] = &reclaim_policy_lru,     [RECLAIM_CLOCK] = &reclaim_policy_clock,
    [RECLAIM_RANDOM] = &reclaim_policy_random,
};

const char *reclaim_policy_name(enum reclaim_policy_id id)
{
	return id < NR_RECLAIM_POLICIES ? policies[id]->name : "?";
}

int reclaim_policy_parse(const char *s, enum reclaim_policy_id *id)
{
	for (int i = 0; i < NR_RECLAIM_POLICIES; i++) {
		if (!strcmp(s, policies[i]->name)) {
			*id = (enum reclaim_policy_id)i;
			return 0;
		}
	}
	return -1;
}

int vmscan_init(struct kmem *km, enum reclaim_policy_id policy, uint64_t seed)
{
	struct vm_reclaim *r = calloc(1, sizeof *r);
	if (!r)
		return -ENOMEM;
	for (int i = 0; i < NR_LRU_LISTS; i++)
		INIT_LIST_HEAD(&r->lru[i]);
	r->policy = policies[policy < NR_RECLAIM_POLICIES ? policy : RECLAIM_LINUX];
	r->seed = seed ? seed : 0x9e3779b97f4a7c15ull;
	r->least_priority = -1;
	r->epoch = 1;
	km->reclaim = r;
	return 0;
}

void vmscan_destroy(struct kmem *km)
{
	struct vm_reclaim *r = km->reclaim;
	if (!r)
		return;
	swap_areas_free(km);
	free(r->mmlist);
	free(r);
	km->reclaim = NULL;
}

/* ---- list bookkeeping ---- */

static const enum mm_stat lru_stat[NR_LRU_LISTS] = {NR_INACTIVE_ANON, NR_ACTIVE_ANON,
						    NR_INACTIVE_FILE, NR_ACTIVE_FILE,
						    NR_UNEVICTABLE};

enum lru_list page_lru(const struct page *p)
{
	if (PageFlag(p, PG_unevictable))
		return LRU_UNEVICTABLE;
	enum lru_list l = PageSwapBacked(p) ? LRU_INACTIVE_ANON : LRU_INACTIVE_FILE;
	return PageFlag(p, PG_active) ? l + 1 : l;
}

void lru_link(struct kmem *km, struct page *p, struct list_head *list, bool tail)
{
	struct vm_reclaim *r = km->reclaim;
	enum lru_list l = page_lru(p);
	if (tail)
		list_add_tail(&p->lru, list);
	else
		list_add(&p->lru, list);
	SetPageFlag(p, PG_lru);
	r->nr_lru[l]++;
	km->stat[lru_stat[l]]++;
}

void lru_unlink(struct kmem *km, struct page *p)
{
	struct vm_reclaim *r = km->reclaim;
	enum lru_list l = page_lru(p);
	list_del_init(&p->lru);
	ClearPageFlag(p, PG_lru);
	r->nr_lru[l]--;
	km->stat[lru_stat[l]]--;
}

struct page *lru_tail(struct list_head *list)
{
	return list_empty(list) ? NULL : list_entry(list->prev, struct page, lru);
}

void lru_scanned(struct kmem *km, struct scan_control *sc, const struct page *p)
{
	sc->nr_scanned++;
	if (PageSwapBacked(p))
		sc->nr_scanned_anon++;
	else
		sc->nr_scanned_file++;
	counter_add(km->ctr, sc->kswapd ? CTR_pgscan_kswapd : CTR_pgscan_direct, 1);
	counter_add(km->ctr, PageSwapBacked(p) ? CTR_pgscan_anon : CTR_pgscan_file, 1);
}

bool lru_evictable_now(const struct scan_control *sc, const struct page *p)
{
	return !PageSwapBacked(p) || sc->may_swap || PageSwapCache(p);
}

void lru_cache_add(struct kmem *km, struct page *p)
{
	struct vm_reclaim *r = km->reclaim;
	if (!r || PageFlag(p, PG_lru))
		return;
	if (PageAnon(p))
		SetPageFlag(p, PG_swapbacked);
	r->epoch++;
	r->epoch_reclaimed = 0;
	r->policy->add(km, p);
}

void lru_activate_refault(struct kmem *km, struct page *p)
{
	struct vm_reclaim *r = km->reclaim;
	if (!r || r->policy != &reclaim_policy_linux || !PageFlag(p, PG_lru) ||
	    PageFlag(p, PG_active) || PageFlag(p, PG_unevictable))
		return;
	lru_unlink(km, p);
	SetPageFlag(p, PG_active);
	lru_link(km, p, &r->lru[page_lru(p)], false);
}

void lru_del(struct kmem *km, struct page *p)
{
	if (km->reclaim && PageFlag(p, PG_lru))
		lru_unlink(km, p);
}

void mark_page_accessed(struct kmem *km, struct page *p)
{
	struct vm_reclaim *r = km->reclaim;
	if (r && PageFlag(p, PG_lru) && r->policy->accessed)
		r->policy->accessed(km, p);
}

/* ---- reclaiming one page ---- */

enum page_references { PAGE_RECLAIMED, PAGE_KEEP, PAGE_ACTIVATE, PAGE_CULL };

/* A page-cache page (a file's or shmem's) unmapped from every PTE through rmap:
 * PAGE_RECLAIMED when that worked, PAGE_KEEP when someone else pins it (more references than
 * the cache's and one per mapping) or a PTE could not be changed, PAGE_CULL when mlocked. */
static enum page_references unmap_cached_page(struct kmem *km, struct page *p)
{
	if (p->_refcount != p->_mapcount + 2)
		return PAGE_KEEP;
	int r = try_to_unmap(km, p);
	if (r == -EPERM)
		return PAGE_CULL;
	return r ? PAGE_KEEP : PAGE_RECLAIMED;
}

/* A page-cache page: every mapping unmapped (their dirty bits passed to the cache), then
 * written back if dirty and dropped (__remove_mapping); the next fault reads it again. */
static enum page_references shrink_file_page(struct kmem *km, struct page *p)
{
	struct address_space *as = p->mapping;
	if (!as)
		return PAGE_KEEP;
	enum page_references u = unmap_cached_page(km, p);
	if (u != PAGE_RECLAIMED)
		return u;
	if (filemap_remove_page(as, p))
		return PAGE_ACTIVATE;
	return PAGE_RECLAIMED;
}

/* A shmem page (a SysV segment's, a shared anonymous mapping's): unmapped everywhere, then
 * shmem_writepage moves it from the object's page cache to the swap cache and writes it; the
 * object keeps the swap entry, and the frame goes as an anonymous page's does. */
static enum page_references shrink_shmem_page(struct kmem *km, struct scan_control *sc,
					      struct page *p)
{
	/* folio_evictable: a SHM_LOCK'd segment's pages are culled before anything else */
	if (shmem_mapping_unevictable(p->mapping))
		return PAGE_CULL;
	if (!sc->may_swap)
		return PAGE_ACTIVATE;
	enum page_references u = unmap_cached_page(km, p);
	if (u != PAGE_RECLAIMED)
		return u;
	/* no slot (swap filled up meanwhile) or a failed write: AOP_WRITEPAGE_ACTIVATE */
	if (shmem_writepage(km, p))
		return PAGE_ACTIVATE;
	if (p->_refcount != 1)
		return PAGE_KEEP;
	workingset_eviction(km, p, (swp_entry_t){p->private});
	delete_from_swap_cache(km, p);
	return PAGE_RECLAIMED;
}

/* shrink_page_list for one isolated page */
static enum page_references shrink_page(struct kmem *km, struct scan_control *sc,
					struct page *p)
{
	if (!PageSwapBacked(p))
		return shrink_file_page(km, p);
	if (p->mapping && !PageAnon(p))
		return shrink_shmem_page(km, sc, p);
	if (!PageSwapCache(p)) {
		if (!sc->may_swap)
			return PAGE_ACTIVATE;
		/* add_to_swap */
		swp_entry_t e = get_swap_page(km);
		if (!e.val)
			return PAGE_ACTIVATE;
		add_to_swap_cache(km, p, e);
		SetPageFlag(p, PG_dirty);
	}
	/* every reference is a mapping or the swap cache's: anything more pins the page (a
	 * fault or a copy in progress holds it) */
	if (p->_refcount != p->_mapcount + 2)
		return PAGE_KEEP;
	int r = try_to_unmap(km, p);
	if (r == -EPERM)
		return PAGE_CULL;
	if (r)
		return PAGE_KEEP;
	if (PageDirty(p) && swap_writepage(km, p))
		return PAGE_ACTIVATE;
	if (p->_refcount != 1)
		return PAGE_KEEP;
	/* __remove_mapping: the cache's reference is the last; the frame is free, and the slot
	 * keeps a shadow of it */
	workingset_eviction(km, p, (swp_entry_t){p->private});
	delete_from_swap_cache(km, p);
	return PAGE_RECLAIMED;
}

/* A page the core could not take: the policy keeps it, or the unevictable list does. */
static void putback(struct kmem *km, struct page *p, enum page_references res)
{
	struct vm_reclaim *r = km->reclaim;
	if (res == PAGE_CULL) {
		ClearPageFlag(p, PG_active);
		SetPageFlag(p, PG_unevictable);
		lru_link(km, p, &r->lru[LRU_UNEVICTABLE], false);
		counter_add(km->ctr, CTR_unevictable_culled, 1);
		return;
	}
	r->policy->putback(km, p, res == PAGE_ACTIVATE);
}

void lru_cull_unevictable(struct kmem *km, struct page *p)
{
	if (!km->reclaim || !PageFlag(p, PG_lru) || PageFlag(p, PG_unevictable))
		return;
	lru_unlink(km, p);
	putback(km, p, PAGE_CULL);
}

void check_move_unevictable_page(struct kmem *km, struct page *p)
{
	struct vm_reclaim *r = km->reclaim;
	if (!r || !PageFlag(p, PG_lru) || !PageFlag(p, PG_unevictable))
		return;
	lru_unlink(km, p);
	ClearPageFlag(p, PG_unevictable);
	ClearPageFlag(p, PG_active);
	r->policy->add(km, p);
	counter_add(km->ctr, CTR_unevictable_rescued, 1);
}

static uint64_t nr_evictable(const struct vm_reclaim *r)
{
	uint64_t n = 0;
	for (int i = 0; i < LRU_UNEVICTABLE; i++)
		n += r->nr_lru[i];
	return n;
}

/* Reclaims up to nr pages looking at no more than limit pages; *scanned gets the count. */
static uint64_t shrink_node_limit(struct kmem *km, uint64_t nr, bool kswapd, uint64_t limit,
				  uint64_t *scanned)
{
	struct vm_reclaim *r = km->reclaim;
	if (!r || r->in_reclaim)
		return 0;
	r->in_reclaim++;
	struct scan_control sc = {
	    .nr_to_reclaim = nr,
	    .kswapd = kswapd,
	    .may_swap = nr_swap_pages(km) > 0,
	    .scan_limit = limit,
	};
	while (sc.nr_reclaimed < sc.nr_to_reclaim && sc.nr_scanned < sc.scan_limit) {
		struct page *p = r->policy->isolate(km, &sc);
		if (!p)
			break;
		bool anon = PageSwapBacked(p);
		enum page_references res = shrink_page(km, &sc, p);
		if (res != PAGE_RECLAIMED) {
			putback(km, p, res);
			continue;
		}
		sc.nr_reclaimed++;
		r->epoch_reclaimed++;
		counter_add(km->ctr, kswapd ? CTR_pgsteal_kswapd : CTR_pgsteal_direct, 1);
		counter_add(km->ctr, anon ? CTR_pgsteal_anon : CTR_pgsteal_file, 1);
		sc.may_swap = nr_swap_pages(km) > 0;
	}
	r->in_reclaim--;
	if (ktrace_mm_on(km, TRACE_SWAP))
		ktrace_reclaim(km, kswapd, nr, sc.nr_scanned, sc.nr_reclaimed);
	if (scanned)
		*scanned = sc.nr_scanned;
	return sc.nr_reclaimed;
}

uint64_t shrink_node(struct kmem *km, uint64_t nr, bool kswapd)
{
	/* every evictable page looked at twice at most: each can be aged once and then
	 * tried */
	uint64_t limit = km->reclaim ? 2 * nr_evictable(km->reclaim) + SWAP_CLUSTER_MAX : 0;
	return shrink_node_limit(km, nr, kswapd, limit, NULL);
}

/* ---- MADV_COLD, MADV_PAGEOUT ---- */

void madvise_cold_or_pageout(struct kmem *km, struct mm_struct *mm, uint32_t start,
			     uint32_t end, bool pageout)
{
	struct vm_reclaim *r = km->reclaim;
	if (!r || r->in_reclaim)
		return;
	r->in_reclaim++;
	struct scan_control sc = {.nr_to_reclaim = ~0ull, .may_swap = nr_swap_pages(km) > 0,
				  .scan_limit = ~0ull};
	for (uint32_t a = start; a < end && a >= start; a += PAGE_SIZE) {
		uint64_t pte = mm_pte(mm, a);
		if (!(pte & PTE_P) || pte_pfn(pte) >= km->max_pfn)
			continue;
		struct page *p = pfn_to_page(km, pte_pfn(pte));
		/* other processes' mappings are left alone (page_mapcount != 1); the zero page
		 * and anything off the LRU too */
		if (!PageLRU(p) || p->_mapcount != 0)
			continue;
		if (pte & PTE_A) {
			pte_set(km, mm->pgd, a, pte & ~(uint64_t)PTE_A);
			rmap_flush_page(km, mm, a);
		}
		ClearPageFlag(p, PG_referenced);
		lru_unlink(km, p);
		if (!pageout) {
			/* deactivate_page: the inactive list's head, as a page not used lately */
			ClearPageFlag(p, PG_active);
			r->policy->add(km, p);
			continue;
		}
		/* reclaim_pages: references ignored; what cannot go goes back */
		if (shrink_page(km, &sc, p) != PAGE_RECLAIMED)
			r->policy->putback(km, p, false);
	}
	r->in_reclaim--;
}

/* ---- kswapd and direct reclaim ---- */

void wakeup_kswapd(struct kmem *km)
{
	if (km->reclaim)
		km->reclaim->kswapd_wake = true;
}

/* pgdat_balanced: any populated zone above its high watermark */
static bool pgdat_balanced(const struct kmem *km)
{
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zone = &km->zones[z];
		if (populated_zone(zone) && zone->managed_pages &&
		    zone_watermark_ok(zone, 0, zone->wmark_high, (enum zone_type)z))
			return true;
	}
	return false;
}

uint64_t kswapd_run(struct kmem *km)
{
	struct vm_reclaim *r = km->reclaim;
	if (!r || !r->kswapd_wake)
		return 0;
	r->kswapd_wake = false;
	r->kswapd_wakeups++;
	counter_add(km->ctr, CTR_kswapd_wakeups, 1);
	if (ktrace_mm_on(km, TRACE_SWAP))
		ktrace_kswapd_wake(km);
	/* kswapd runs beside the program in Linux: between two of its looks at a page the
	 * program may use it again. Here the program waits while kswapd runs, so one run looks
	 * at each evictable page once at most; what it could not free, the next run (or direct
	 * reclaim) will, after the program has had its chance to use the pages again. */
	uint64_t total = 0, budget = nr_evictable(r) + SWAP_CLUSTER_MAX;
	while (!pgdat_balanced(km) && budget) {
		uint64_t scanned = 0;
		uint64_t got = shrink_node_limit(km, SWAP_CLUSTER_MAX, true, budget, &scanned);
		budget -= scanned < budget ? scanned : budget;
		if (!got)
			break;
		total += got;
	}
	return total;
}

uint64_t try_to_free_pages(struct kmem *km, gfp_t gfp, unsigned order)
{
	struct vm_reclaim *r = km->reclaim;
	if (!r || r->in_reclaim || !(gfp & __GFP_RECLAIM))
		return 0;
	r->allocstall++;
	r->allocstall_zone[gfp_zone(gfp)]++;
	counter_add(km->ctr, CTR_allocstall, 1);
	uint64_t want = SWAP_CLUSTER_MAX > (1u << order) ? SWAP_CLUSTER_MAX : 1u << order;
	return shrink_node(km, want, false);
}

/* ---- --stats ---- */

void swap_print_stats(FILE *f, struct kmem *km, bool json)
{
	struct vm_reclaim *r = km->reclaim;
	if (!r)
		return;
	const uint64_t *v = km->ctr->v;
	unsigned long long peak = (unsigned long long)r->swap_peak * 4;
	/* a run that never met memory pressure, on the defaults, keeps its statistics short */
	if (!total_swap_pages(km) && r->policy == &reclaim_policy_linux && !v[CTR_kswapd_wakeups] &&
	    !v[CTR_allocstall] && !v[CTR_oom_kill])
		return;
	if (json) {
		fprintf(f, "\"reclaim\": {\"policy\": \"%s\", \"swap_total_kb\": %llu, "
			   "\"swap_peak_kb\": %llu}, ",
			r->policy->name, (unsigned long long)total_swap_pages(km) * 4, peak);
		return;
	}
	fprintf(f, "reclaim: policy %s; swap %llu kB, peak use %llu kB\n", r->policy->name,
		(unsigned long long)total_swap_pages(km) * 4, peak);
	fprintf(f,
		"swap: major faults %llu, swap-ins %llu (pages read %llu), pages written %llu; "
		"readahead %llu (hits %llu)\n",
		(unsigned long long)v[CTR_fault_major], (unsigned long long)v[CTR_fault_swapin],
		(unsigned long long)v[CTR_pswpin], (unsigned long long)v[CTR_pswpout],
		(unsigned long long)v[CTR_swap_ra], (unsigned long long)v[CTR_swap_ra_hit]);
	fprintf(f, "reclaim: scanned %llu (kswapd %llu, direct %llu; anon %llu, file %llu), "
		   "stolen %llu (kswapd %llu, direct %llu; anon %llu, file %llu)\n",
		(unsigned long long)(v[CTR_pgscan_kswapd] + v[CTR_pgscan_direct]),
		(unsigned long long)v[CTR_pgscan_kswapd], (unsigned long long)v[CTR_pgscan_direct],
		(unsigned long long)v[CTR_pgscan_anon], (unsigned long long)v[CTR_pgscan_file],
		(unsigned long long)(v[CTR_pgsteal_kswapd] + v[CTR_pgsteal_direct]),
		(unsigned long long)v[CTR_pgsteal_kswapd], (unsigned long long)v[CTR_pgsteal_direct],
		(unsigned long long)v[CTR_pgsteal_anon], (unsigned long long)v[CTR_pgsteal_file]);
	fprintf(f, "reclaim: kswapd wakeups %llu, direct-reclaim stalls %llu, OOM kills %llu\n",
		(unsigned long long)v[CTR_kswapd_wakeups], (unsigned long long)v[CTR_allocstall],
		(unsigned long long)v[CTR_oom_kill]);
}
