/*
 * Random: any evictable page, chosen by a generator seeded from --seed (xorshift64*), so a
 * run is repeatable. One list; the choice is an index into it.
 */
#include "kernel/mm/reclaim_policy.h"

static struct list_head *the_list(struct kmem *km)
{
	return &km->reclaim->lru[LRU_INACTIVE_ANON];
}

static void random_add(struct kmem *km, struct page *p)
{
	lru_link(km, p, the_list(km), false);
}

static uint64_t next_random(struct vm_reclaim *r)
{
	uint64_t x = r->seed;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->seed = x;
	return x * 0x2545f4914f6cdd1dull;
}

static struct page *random_isolate(struct kmem *km, struct scan_control *sc)
{
	struct vm_reclaim *r = km->reclaim;
	uint64_t n = 0;
	for (int i = 0; i < LRU_UNEVICTABLE; i++)
		n += r->nr_lru[i];
	struct list_head *h = the_list(km);
	while (n && sc->nr_scanned < sc->scan_limit) {
		uint64_t k = next_random(r) % n;
		struct list_head *e = h->next;
		while (k--)
			e = e->next;
		struct page *p = list_entry(e, struct page, lru);
		lru_unlink(km, p);
		lru_scanned(km, sc, p);
		if (lru_evictable_now(sc, p))
			return p;
		lru_link(km, p, h, false);
	}
	return NULL;
}

static void random_putback(struct kmem *km, struct page *p, bool activate)
{
	(void)activate;
	lru_link(km, p, the_list(km), false);
}

const struct reclaim_policy reclaim_policy_random = {
    .name = "random",
    .add = random_add,
    .isolate = random_isolate,
    .putback = random_putback,
};
