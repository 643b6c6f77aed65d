/*
 * Refault detection for swapped anonymous pages (mm/workingset.c). When reclaim frees a page
 * whose data stays in its swap slot, the slot keeps a shadow entry: the lruvec's
 * nonresident age at that moment (it grows by one per eviction and per activation) and
 * whether the page had been active (PG_workingset). When the slot is read back, the page
 * is a refault (workingset_refault_anon); its refault distance, the age gone by since, is
 * the number of pages that were evicted or activated meanwhile: had the inactive list been
 * that much longer, the page would have stayed. When the distance fits in what the
 * workingset could give up (active and inactive file pages, and active anonymous pages while
 * swap has room), the page comes back active (workingset_activate_anon), and if it had been
 * active before, the workingset is restoring itself (workingset_restore_anon).
 * vmlab keeps the age exact to 30 bits (Linux packs it with fewer bits and a bucket order on
 * 32-bit machines, dropping precision far beyond any distance that matters here).
 */
#include "kernel/mm/reclaim_policy.h"
#include "kernel/mm/swap.h"

#define SHADOW_VALID 0x80000000u
#define EVICTION_MASK 0x3fffffffu

void workingset_activation(struct kmem *km)
{
	if (km->reclaim)
		km->reclaim->nonresident_age++;
}

void workingset_eviction(struct kmem *km, struct page *p, swp_entry_t e)
{
	struct vm_reclaim *r = km->reclaim;
	struct swap_info_struct *si = swp_swap_info(km, e);
	if (!r || !si)
		return;
	uint32_t age = r->nonresident_age++ & EVICTION_MASK;
	si->shadow[swp_offset(e)] = SHADOW_VALID | age << 1 | (PageFlag(p, PG_workingset) ? 1 : 0);
}

void workingset_refault(struct kmem *km, struct page *p, swp_entry_t e)
{
	struct vm_reclaim *r = km->reclaim;
	struct swap_info_struct *si = swp_swap_info(km, e);
	if (!r || !si || !si->shadow[swp_offset(e)])
		return;
	uint32_t shadow = si->shadow[swp_offset(e)];
	si->shadow[swp_offset(e)] = 0;
	counter_add(km->ctr, CTR_workingset_refault_anon, 1);
	uint32_t eviction = (shadow >> 1) & EVICTION_MASK;
	uint32_t distance = (r->nonresident_age - eviction) & EVICTION_MASK;
	uint64_t workingset = km->stat[NR_ACTIVE_FILE] + km->stat[NR_INACTIVE_FILE];
	if (nr_swap_pages(km))
		workingset += km->stat[NR_ACTIVE_ANON];
	if (distance > workingset)
		return;
	lru_activate_refault(km, p);
	r->nonresident_age++;
	counter_add(km->ctr, CTR_workingset_activate_anon, 1);
	if (shadow & 1) {
		SetPageFlag(p, PG_workingset);
		counter_add(km->ctr, CTR_workingset_restore_anon, 1);
	}
}
