/*
 * One modelled TLB: sets x ways of entries. An entry of page size 2^s lives in set
 * (lin >> s) % sets, so 4 KB and large pages share the structure the way a unified TLB
 * does; a lookup probes the set of every page size currently held.
 */
#include "hw/tlb.h"

#include <stdlib.h>
#include <string.h>

struct tlb {
	const char *name;
	unsigned sets, ways;
	unsigned set_mask; /* sets - 1 when sets is a power of two, else 0 (use %) */
	bool set_pow2;     /* sets is a power of two (one set included): mask, never divide */
	bool ways_pow2;    /* the same for ways (random replacement picks a way) */
	enum tlb_policy policy;
	uint64_t rng;
	struct tlb_entry *e; /* sets * ways, set-major */
	unsigned held[3];    /* valid entries per page size (12, 21, 22) */
	struct tlb_stats stats;
	uint64_t own_clock, *clock, fifo_seq;
	struct counters *ctr;
	void (*drop)(void *opaque, struct tlb_entry *e);
	void *drop_opaque;
};

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

static unsigned shift_slot(unsigned shift)
{
	return shift == 12 ? 0 : shift == 21 ? 1 : 2;
}

static const uint8_t shifts[3] = {12, 21, 22};

static struct tlb_entry *set_of(struct tlb *t, uint32_t vpn)
{
	/* a division per probe is the dearest step of a lookup; the usual geometries avoid it
	 * (one set: mask 0 and vpn % 1 == 0 agree) */
	unsigned set = t->set_pow2 ? vpn & t->set_mask : vpn % t->sets;
	return &t->e[set * t->ways];
}

/* The valid entry mapping lin for asid (global entries match any ASID; any_asid: every
 * entry does). Inlined, so the lookup path carries no any_asid test. */
static inline __attribute__((always_inline)) struct tlb_entry *
find_size(struct tlb *t, uint32_t lin, uint16_t asid, bool any_asid, unsigned k)
{
	uint32_t vpn = lin >> shifts[k];
	struct tlb_entry *s = set_of(t, vpn);
	for (unsigned w = 0; w < t->ways; w++)
		/* vpn first: it is what rejects almost every way on a miss */
		if (s[w].vpn == vpn && s[w].valid && s[w].page_shift == shifts[k] &&
		    (any_asid || s[w].global || s[w].asid == asid))
			return &s[w];
	return NULL;
}

/* The valid entry mapping lin for asid (global entries match any ASID; any_asid: every
 * entry does). Inlined, so the lookup path carries no any_asid test. 4 KB entries first,
 * and the large sizes only when some are held: a TLB without large pages probes once. */
static inline __attribute__((always_inline)) struct tlb_entry *
find(struct tlb *t, uint32_t lin, uint16_t asid, bool any_asid)
{
	struct tlb_entry *e;
	if (t->held[0] && (e = find_size(t, lin, asid, any_asid, 0)))
		return e;
	if (__builtin_expect(!(t->held[1] | t->held[2]), 1))
		return NULL;
	for (unsigned k = 1; k < 3; k++)
		if (t->held[k] && (e = find_size(t, lin, asid, any_asid, k)))
			return e;
	return NULL;
}

struct tlb_entry *tlb_lookup(struct tlb *t, uint32_t lin, uint16_t asid)
{
	t->stats.lookups++;
	struct tlb_entry *e = find(t, lin, asid, false);
	if (!e) {
		t->stats.misses++;
		return NULL;
	}
	t->stats.hits++;
	e->last_use = ++*t->clock;
	return e;
}

struct tlb_entry *tlb_peek(struct tlb *t, uint32_t lin, uint16_t asid)
{
	return find(t, lin, asid, false);
}

static void invalidate(struct tlb *t, struct tlb_entry *e)
{
	if (t->drop)
		t->drop(t->drop_opaque, e);
	e->valid = false;
	t->held[shift_slot(e->page_shift)]--;
}

static uint64_t next_random(struct tlb *t)
{
	t->rng ^= t->rng << 13;
	t->rng ^= t->rng >> 7;
	t->rng ^= t->rng << 17;
	return t->rng;
}

struct set_scan {
	struct tlb_entry *same, *free_way, *old;
};

/*
 * One pass over the set finds what an insert needs: the entry holding the same translation
 * (the last such way, as a refill after a D-bit walk replaces itself), the first free way,
 * and the policy's victim among valid ways (the first least-recent use or oldest fill).
 * Inlined with a constant fifo, so the loop carries no policy test. The victim and the free
 * way are kept as indices chosen by selects, not branches: which way of a set is the least
 * recently used is as good as random to a branch predictor, and mispredicting it once or
 * twice per way was the largest cost of a miss (perf: most of tlb_insert_missed's samples).
 */
static inline __attribute__((always_inline)) struct set_scan
scan_set(struct tlb_entry *s, unsigned ways, const struct tlb_entry *n, bool fifo,
	 bool find_same)
{
	struct set_scan r = {NULL, NULL, s};
	/* the victim starts at way 0 with its own key, so a later way replaces it only when its
	 * key is strictly smaller (ties keep the first); way 0 invalid means a free way exists,
	 * and then the victim is not used */
	unsigned old = 0, free_way = ways;
	uint64_t old_key = fifo ? s->inserted : s->last_use;
	for (unsigned w = 0; w < ways; w++) {
		const struct tlb_entry *x = &s[w];
		bool valid = x->valid;
		if (find_same && valid && x->vpn == n->vpn && x->page_shift == n->page_shift &&
		    (x->global || n->global || x->asid == n->asid))
			r.same = &s[w];
		uint64_t key = fifo ? x->inserted : x->last_use;
		/* all ones where this way is taken: masks, because compilers turn ?: back into
		 * the branch this loop is written to avoid */
		uint64_t older = 0 - (uint64_t)(valid & (key < old_key));
		uint32_t first_free = 0 - (uint32_t)(!valid & (free_way == ways));
		old ^= (old ^ w) & (uint32_t)older;
		old_key ^= (old_key ^ key) & older;
		free_way ^= (free_way ^ w) & first_free;
	}
	r.old = &s[old];
	r.free_way = free_way < ways ? &s[free_way] : NULL;
	return r;
}

/*
 * Copies what the translation is, field by field: n was just built field by field on the
 * caller's stack, and a whole-struct copy reads it back in 16-byte pieces, each of which
 * waits for the narrow stores under it to retire (a failed store-to-load forward, on every
 * fill). The MMU's marks start empty: no fast slot mirrors a new entry yet.
 */
static inline __attribute__((always_inline)) void fill_entry(struct tlb_entry *slot,
							     const struct tlb_entry *n)
{
	slot->vpn = n->vpn;
	slot->page_shift = n->page_shift;
	slot->valid = true;
	slot->global = n->global;
	slot->writable = n->writable;
	slot->user = n->user;
	slot->nx = n->nx;
	slot->dirty = n->dirty;
	slot->fast_mirrors = 0;
	slot->asid = n->asid;
	slot->fast_head = 0;
	slot->frame = n->frame;
}

/* The policy's victim in a set with no free way: the first way with the least key, as
 * scan_set chooses it, without the free-way and same-entry tests. */
static inline __attribute__((always_inline)) unsigned oldest_way(const struct tlb_entry *s,
								 unsigned ways, bool fifo)
{
	unsigned old = 0;
	uint64_t old_key = fifo ? s->inserted : s->last_use;
	for (unsigned w = 1; w < ways; w++) {
		uint64_t key = fifo ? s[w].inserted : s[w].last_use;
		uint64_t older = 0 - (uint64_t)(key < old_key); /* masks: see scan_set */
		old ^= (old ^ w) & (uint32_t)older;
		old_key ^= (old_key ^ key) & older;
	}
	return old;
}

/* a power-of-two way count (the usual geometries) takes a mask, not a division */
static unsigned random_way(struct tlb *t)
{
	uint64_t r = next_random(t);
	return (unsigned)(t->ways_pow2 ? r & (t->ways - 1) : r % t->ways);
}

static inline __attribute__((always_inline)) struct tlb_entry *
insert(struct tlb *t, const struct tlb_entry *n, bool find_same)
{
	unsigned shift = n->page_shift;
	if (shift != 12 && shift != 21 && shift != 22)
		return NULL;
	struct tlb_entry *s = set_of(t, n->vpn);
	struct tlb_entry *slot;
	if (!find_same && t->held[0] + t->held[1] + t->held[2] == t->sets * t->ways) {
		/* Every way of every set is valid (as soon as a program has touched more pages
		 * than the TLB holds, and from then on nearly always): no free way to look for,
		 * and no same entry (find_same), so the victim is all there is to choose. */
		slot = &s[t->policy == TLB_RANDOM ? random_way(t)
			  : t->policy == TLB_FIFO ? oldest_way(s, t->ways, true)
						  : oldest_way(s, t->ways, false)];
		t->stats.evictions++;
		counter_add(t->ctr, CTR_tlb_evictions, 1);
		invalidate(t, slot);
	} else {
		struct set_scan sc = t->policy == TLB_FIFO
					 ? scan_set(s, t->ways, n, true, find_same)
					 : scan_set(s, t->ways, n, false, find_same);
		slot = sc.same;
		if (slot) {
			invalidate(t, slot);
		} else if (sc.free_way) {
			slot = sc.free_way;
		} else {
			slot = t->policy == TLB_RANDOM ? &s[random_way(t)] : sc.old;
			t->stats.evictions++;
			counter_add(t->ctr, CTR_tlb_evictions, 1);
			invalidate(t, slot);
		}
	}
	fill_entry(slot, n);
	slot->last_use = ++*t->clock;
	slot->inserted = ++t->fifo_seq;
	t->held[shift_slot(shift)]++;
	return slot;
}

struct tlb_entry *tlb_insert(struct tlb *t, const struct tlb_entry *n)
{
	return insert(t, n, true);
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
		return insert(t, n, true);
	return insert(t, n, false);
}

void tlb_flush_all(struct tlb *t, bool keep_global)
{
	t->stats.flushes++;
	for (unsigned i = 0; i < t->sets * t->ways; i++)
		if (t->e[i].valid && !(keep_global && t->e[i].global))
			invalidate(t, &t->e[i]);
}

void tlb_flush_asid(struct tlb *t, uint16_t asid, bool keep_global)
{
	t->stats.flushes++;
	for (unsigned i = 0; i < t->sets * t->ways; i++) {
		struct tlb_entry *e = &t->e[i];
		if (e->valid && (e->global ? !keep_global : e->asid == asid))
			invalidate(t, e);
	}
}

void tlb_invalidate(struct tlb *t, uint32_t lin)
{
	struct tlb_entry *e;
	while ((e = find(t, lin, 0, true)))
		invalidate(t, e);
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
