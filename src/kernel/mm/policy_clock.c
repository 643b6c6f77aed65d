/*
 * CLOCK (second chance): the pages form a circle with a hand at the oldest; a page under
 * the hand whose Accessed bit is set gets the bit cleared and the hand moves on (the page
 * goes to the newest end); the first page found without the bit is taken. New pages enter
 * just behind the hand (the newest end). One list, newest at the head, the hand at the tail.
 *
 * Reclaim frees pages in batches while the program waits, but the definition lets the
 * program run between two replacements: a page whose bit the hand cleared must have had the
 * chance to be used again before the hand may take it. So within one step of the program
 * (an epoch: vm_reclaim.epoch) the hand stops at a page it cleared in that same step, except
 * for the first replacement of the step, which after a full turn (every page referenced)
 * takes the page where the turn began, as the textbook clock does.
 */
#include "kernel/mm/reclaim_policy.h"

static struct list_head *the_list(struct kmem *km)
{
	return &km->reclaim->lru[LRU_INACTIVE_ANON];
}

static void clock_add(struct kmem *km, struct page *p)
{
	lru_link(km, p, the_list(km), false);
}

static struct page *clock_isolate(struct kmem *km, struct scan_control *sc)
{
	struct vm_reclaim *r = km->reclaim;
	struct list_head *h = the_list(km);
	while (sc->nr_scanned < sc->scan_limit && !list_empty(h)) {
		struct page *p = lru_tail(h);
		bool aged_now = PageFlag(p, PG_referenced) && p->lru_epoch == r->epoch;
		if (aged_now && r->epoch_reclaimed)
			return NULL; /* the hand is back where it began this step */
		lru_unlink(km, p);
		lru_scanned(km, sc, p);
		uint32_t vm_flags;
		if (!lru_evictable_now(sc, p) || (!aged_now && page_referenced(km, p, &vm_flags))) {
			/* second chance: the bit cleared, the hand moves on */
			SetPageFlag(p, PG_referenced);
			p->lru_epoch = r->epoch;
			lru_link(km, p, h, false);
			continue;
		}
		ClearPageFlag(p, PG_referenced);
		return p;
	}
	return NULL;
}

static void clock_putback(struct kmem *km, struct page *p, bool activate)
{
	(void)activate;
	lru_link(km, p, the_list(km), false);
}

const struct reclaim_policy reclaim_policy_clock = {
    .name = "clock",
    .add = clock_add,
    .isolate = clock_isolate,
    .putback = clock_putback,
};
