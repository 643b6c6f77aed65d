/*
 * LRU: the least recently used page goes first. Recency comes from the PTEs' Accessed bits,
 * which the MMU sets on the walk that loads a translation: reclaim gathers them (and clears
 * them, invalidating the translation so that the next use is seen) once per reclaim pass,
 * before choosing. The program does not run during a pass, so no use is missed between the
 * gathering and the choice; pages used since the previous pass move to the most-recent end
 * in the order they had (their order among themselves is what the bits cannot tell: the
 * recency is exact to the granularity of a reclaim pass). One list, newest at the head.
 */
#include "kernel/mm/reclaim_policy.h"

static struct list_head *the_list(struct kmem *km)
{
	return &km->reclaim->lru[LRU_INACTIVE_ANON];
}

static void lru_add(struct kmem *km, struct page *p)
{
	lru_link(km, p, the_list(km), false);
}

/* The pages referenced since the last pass, oldest first, moved to the head. */
static void refresh(struct kmem *km)
{
	struct list_head *h = the_list(km);
	struct list_head moved;
	INIT_LIST_HEAD(&moved);
	for (struct list_head *e = h->prev, *prev; e != h; e = prev) {
		prev = e->prev;
		struct page *p = list_entry(e, struct page, lru);
		uint32_t vm_flags;
		if (page_referenced(km, p, &vm_flags)) {
			list_del_init(&p->lru);
			list_add(&p->lru, &moved);
		}
	}
	/* moved holds them newest-used-last at its head; splice keeping that order */
	while (!list_empty(&moved)) {
		struct list_head *e = moved.prev;
		list_del_init(e);
		list_add(e, h);
	}
}

static struct page *lru_isolate(struct kmem *km, struct scan_control *sc)
{
	if (!sc->nr_scanned)
		refresh(km);
	return simple_isolate_oldest(km, sc);
}

static void lru_putback(struct kmem *km, struct page *p, bool activate)
{
	(void)activate;
	lru_link(km, p, the_list(km), false);
}

const struct reclaim_policy reclaim_policy_lru = {
    .name = "lru",
    .add = lru_add,
    .isolate = lru_isolate,
    .putback = lru_putback,
};
