/*
 * CLOCK (second chance): the pages form a circle with a hand at the oldest; a page under
 * the hand whose Accessed bit is set gets the bit cleared and the hand moves on (the page
 * goes to the newest end); the first page found without the bit is taken. New pages enter
 * just behind the hand (the newest end). One list, newest at the head, the hand at the tail.
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
	struct list_head *h = the_list(km);
	while (sc->nr_scanned < sc->scan_limit && !list_empty(h)) {
		struct page *p = lru_tail(h);
		lru_unlink(km, p);
		lru_scanned(km, sc, p);
		uint32_t vm_flags;
		if (!lru_evictable_now(sc, p) || page_referenced(km, p, &vm_flags)) {
			lru_link(km, p, h, false); /* second chance: the hand moves on */
			continue;
		}
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
