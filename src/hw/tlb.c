/*
 * One modelled TLB: sets x ways of entries. An entry of page size 2^s lives in set
 * (lin >> s) % sets, so 4 KB and large pages share the structure the way a unified TLB
 * does; a lookup probes the set of every page size currently held. The structure, lookup and
 * fill are in tlb_set.h (inline, for the MMU's miss path).
 */
#include "hw/tlb_set.h"

#include <stdlib.h>
#include <string.h>

void tlb_config_default(struct tlb_config *c)
{
	*c = (struct tlb_config){0};
	c->enabled = true;
	c->l1 = (struct tlb_geometry){64, 4};
	c->l1i = (struct tlb_geometry){64, 4};
	c->policy = TLB_LRU;
	c->seed = 1;
	c->refill = TLB_REFILL_HW;
}

/* entries = sets * ways, within what the model allocates. */
static bool geometry_ok(unsigned long entries, unsigned long ways)
{
	return entries && ways && entries <= 65536 && entries % ways == 0;
}

int tlb_geometry_parse(const char *s, struct tlb_geometry *g)
{
	char *end;
	unsigned long entries = strtoul(s, &end, 10);
	unsigned long ways = entries;
	if (end == s)
		return -1;
	if (*end == 'x' || *end == 'X') {
		const char *w = end + 1;
		ways = strtoul(w, &end, 10);
		if (end == w)
			return -1;
	}
	if (*end || !geometry_ok(entries, ways))
		return -1;
	g->entries = (unsigned)entries;
	g->ways = (unsigned)ways;
	return 0;
}

int tlb_policy_parse(const char *s, enum tlb_policy *p)
{
	static const char *const names[] = {"lru", "fifo", "random"};
	for (unsigned i = 0; i < 3; i++)
		if (!strcmp(s, names[i])) {
			*p = (enum tlb_policy)i;
			return 0;
		}
	return -1;
}

const char *tlb_policy_name(enum tlb_policy p)
{
	return p == TLB_LRU ? "lru" : p == TLB_FIFO ? "fifo" : "random";
}

struct tlb *tlb_new(const struct tlb_geometry *g, enum tlb_policy p, uint64_t seed,
		    const char *name)
{
	if (!geometry_ok(g->entries, g->ways))
		return NULL;
	struct tlb *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->e = calloc(g->entries, sizeof(*t->e));
	if (!t->e) {
		free(t);
		return NULL;
	}
	t->name = name;
	t->ways = g->ways;
	t->sets = g->entries / g->ways;
	t->set_pow2 = (t->sets & (t->sets - 1)) == 0;
	t->set_mask = t->set_pow2 ? t->sets - 1 : 0;
	t->ways_pow2 = (t->ways & (t->ways - 1)) == 0;
	t->policy = p;
	/* xorshift64 must not start at zero */
	t->rng = seed * 0x9e3779b97f4a7c15ull + 0x2545f4914f6cdd1dull;
	if (!t->rng)
		t->rng = 1;
	t->clock = &t->own_clock;
	return t;
}

void tlb_free(struct tlb *t)
{
	if (!t)
		return;
	free(t->e);
	free(t);
}

void tlb_attach(struct tlb *t, uint64_t *clock, struct counters *ctr,
		void (*drop)(void *opaque, struct tlb_entry *e), void *opaque)
{
	t->clock = clock ? clock : &t->own_clock;
	t->ctr = ctr;
	t->drop = drop;
	t->drop_opaque = opaque;
}

struct tlb_entry *tlb_lookup(struct tlb *t, uint32_t lin, uint16_t asid)
{
	return __tlb_lookup(t, lin, asid);
}

struct tlb_entry *tlb_peek(struct tlb *t, uint32_t lin, uint16_t asid)
{
	return __tlb_find(t, lin, asid, false);
}

struct tlb_entry *tlb_insert(struct tlb *t, const struct tlb_entry *n)
{
	return __tlb_insert(t, n, true, t->drop, t->drop_opaque);
}

/*
 * A non-global entry matches a lookup in its ASID exactly when it would be the "same"
 * translation for tlb_insert (same vpn and size, and global or of that ASID), so after a
 * lookup missed there is none to look for. A global entry would also replace other ASIDs'
 * entries for the page, which the lookup did not see: those take the full scan.
 */
struct tlb_entry *tlb_insert_missed(struct tlb *t, const struct tlb_entry *n)
{
	if (n->global)
		return __tlb_insert(t, n, true, t->drop, t->drop_opaque);
	return __tlb_insert(t, n, false, t->drop, t->drop_opaque);
}

void tlb_flush_all(struct tlb *t, bool keep_global)
{
	t->stats.flushes++;
	for (unsigned i = 0; i < t->sets * t->ways; i++)
		if (t->e[i].valid && !(keep_global && t->e[i].global))
			__tlb_invalidate(t, &t->e[i], t->drop, t->drop_opaque);
}

void tlb_flush_asid(struct tlb *t, uint16_t asid, bool keep_global)
{
	t->stats.flushes++;
	for (unsigned i = 0; i < t->sets * t->ways; i++) {
		struct tlb_entry *e = &t->e[i];
		if (e->valid && (e->global ? !keep_global : e->asid == asid))
			__tlb_invalidate(t, e, t->drop, t->drop_opaque);
	}
}

void tlb_invalidate(struct tlb *t, uint32_t lin)
{
	struct tlb_entry *e;
	while ((e = __tlb_find(t, lin, 0, true)))
		__tlb_invalidate(t, e, t->drop, t->drop_opaque);
}

void tlb_invlpg(struct tlb *t, uint32_t lin)
{
	t->stats.invlpg++;
	tlb_invalidate(t, lin);
}

const struct tlb_stats *tlb_get_stats(const struct tlb *t)
{
	return &t->stats;
}

struct tlb_stats *tlb_stats_mut(struct tlb *t)
{
	return &t->stats;
}

const char *tlb_name(const struct tlb *t)
{
	return t->name;
}

unsigned tlb_count_entries(const struct tlb *t)
{
	return t->sets * t->ways;
}

unsigned tlb_ways(const struct tlb *t)
{
	return t->ways;
}

unsigned tlb_valid_entries(const struct tlb *t)
{
	return t->held[0] + t->held[1] + t->held[2];
}

const struct tlb_entry *tlb_entry_at(const struct tlb *t, unsigned i)
{
	if (i >= t->sets * t->ways || !t->e[i].valid)
		return NULL;
	return &t->e[i];
}
