/*
 * FIFO: the page that became resident first goes first, whatever its use. All evictable
 * pages share one list (the machine's first LRU list), newest at the head.
 */
#include "kernel/mm/reclaim_policy.h"

static struct list_head *the_list(struct kmem *km)
{
	return &km->reclaim->lru[LRU_INACTIVE_ANON];
}

static void fifo_add(struct kmem *km, struct page *p)
{
	lru_link(km, p, the_list(km), false);
}

/* The oldest page reclaim may take now; others are passed over, not reordered. */
struct page *simple_isolate_oldest(struct kmem *km, struct scan_control *sc)
{
	struct list_head *h = the_list(km);
	for (struct list_head *e = h->prev; e != h && sc->nr_scanned < sc->scan_limit; e = e->prev) {
		struct page *p = list_entry(e, struct page, lru);
		if (!lru_evictable_now(sc, p))
			continue;
		lru_unlink(km, p);
		lru_scanned(km, sc, p);
		return p;
	}
	return NULL;
}

/* A page that could not go counts as newly loaded. */
static void fifo_putback(struct kmem *km, struct page *p, bool activate)
{
	(void)activate;
	lru_link(km, p, the_list(km), false);
}

const struct reclaim_policy reclaim_policy_fifo = {
    .name = "fifo",
    .add = fifo_add,
    .isolate = simple_isolate_oldest,
    .putback = fifo_putback,
};
