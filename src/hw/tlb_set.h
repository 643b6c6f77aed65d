/*
 * The inside of the TLB model (tlb.c): its structure, lookup and fill as inline functions,
 * shared with the one caller that makes them on every TLB miss, the MMU's miss path
 * (mmu.c). Inlined there, a miss makes no call into the TLB: the entry to fill is built in
 * registers rather than on the stack, and the eviction hook is a direct call. Everything
 * else uses tlb.h, whose functions are these.
 */
#ifndef VMLAB_HW_TLB_SET_H
#define VMLAB_HW_TLB_SET_H
#include "hw/tlb.h"

struct tlb {
	const char *name;
	unsigned sets, ways;
	unsigned set_mask; /* sets - 1 when sets is a power of two, else 0 (use %) */
	bool set_pow2;	   /* sets is a power of two (one set included): mask, never divide */
	bool ways_pow2;	   /* the same for ways (random replacement picks a way) */
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

static inline unsigned tlb_shift_slot(unsigned shift)
{
	return shift == 12 ? 0 : shift == 21 ? 1 : 2;
}

static const uint8_t tlb_shifts[3] = {12, 21, 22};

static inline struct tlb_entry *tlb_set_of(struct tlb *t, uint32_t vpn)
{
	/* a division per probe is the dearest step of a lookup; the usual geometries avoid it
	 * (one set: mask 0 and vpn % 1 == 0 agree) */
	unsigned set = t->set_pow2 ? vpn & t->set_mask : vpn % t->sets;
	return &t->e[set * t->ways];
}

/* The valid entry mapping lin for asid (global entries match any ASID; any_asid: every
 * entry does). Inlined, so the lookup path carries no any_asid test. */
static inline __attribute__((always_inline)) struct tlb_entry *
__tlb_find_size(struct tlb *t, uint32_t lin, uint16_t asid, bool any_asid, unsigned k)
{
	uint32_t vpn = lin >> tlb_shifts[k];
	struct tlb_entry *s = tlb_set_of(t, vpn);
	for (unsigned w = 0; w < t->ways; w++)
		/* vpn first: it is what rejects almost every way on a miss */
		if (s[w].vpn == vpn && s[w].valid && s[w].page_shift == tlb_shifts[k] &&
		    (any_asid || s[w].global || s[w].asid == asid))
			return &s[w];
	return NULL;
}

/* The valid entry mapping lin for asid (global entries match any ASID; any_asid: every
 * entry does). Inlined, so the lookup path carries no any_asid test. 4 KB entries first,
 * and the large sizes only when some are held: a TLB without large pages probes once. */
static inline __attribute__((always_inline)) struct tlb_entry *
__tlb_find(struct tlb *t, uint32_t lin, uint16_t asid, bool any_asid)
{
	struct tlb_entry *e;
	if (t->held[0] && (e = __tlb_find_size(t, lin, asid, any_asid, 0)))
		return e;
	if (__builtin_expect(!(t->held[1] | t->held[2]), 1))
		return NULL;
	for (unsigned k = 1; k < 3; k++)
		if (t->held[k] && (e = __tlb_find_size(t, lin, asid, any_asid, k)))
			return e;
	return NULL;
}

/* A lookup, counted in the TLB's statistics; a hit is stamped for LRU. */
static inline __attribute__((always_inline)) struct tlb_entry *
__tlb_lookup(struct tlb *t, uint32_t lin, uint16_t asid)
{
	t->stats.lookups++;
	struct tlb_entry *e = __tlb_find(t, lin, asid, false);
	if (!e) {
		t->stats.misses++;
		return NULL;
	}
	t->stats.hits++;
	e->last_use = ++*t->clock;
	return e;
}

/* drop, opaque: t's hook (tlb_attach), passed in so that a caller that knows it (the MMU's
 * miss path) calls it directly, or inlines it. */
static inline __attribute__((always_inline)) void
__tlb_invalidate(struct tlb *t, struct tlb_entry *e, void (*drop)(void *, struct tlb_entry *),
		 void *opaque)
{
	if (drop)
		drop(opaque, e);
	e->valid = false;
	t->held[tlb_shift_slot(e->page_shift)]--;
}

static inline uint64_t tlb_next_random(struct tlb *t)
{
	t->rng ^= t->rng << 13;
	t->rng ^= t->rng >> 7;
	t->rng ^= t->rng << 17;
	return t->rng;
}

struct tlb_set_scan {
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
static inline __attribute__((always_inline)) struct tlb_set_scan
tlb_scan_set(struct tlb_entry *s, unsigned ways, const struct tlb_entry *n, bool fifo,
	     bool find_same)
{
	struct tlb_set_scan r = {NULL, NULL, s};
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
static inline __attribute__((always_inline)) void tlb_fill_entry(struct tlb_entry *slot,
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
 * tlb_scan_set chooses it, without the free-way and same-entry tests. */
static inline __attribute__((always_inline)) unsigned tlb_oldest_way(const struct tlb_entry *s,
								     unsigned ways, bool fifo)
{
	unsigned old = 0;
	uint64_t old_key = fifo ? s->inserted : s->last_use;
	for (unsigned w = 1; w < ways; w++) {
		uint64_t key = fifo ? s[w].inserted : s[w].last_use;
		uint64_t older = 0 - (uint64_t)(key < old_key); /* masks: see tlb_scan_set */
		old ^= (old ^ w) & (uint32_t)older;
		old_key ^= (old_key ^ key) & older;
	}
	return old;
}

/* a power-of-two way count (the usual geometries) takes a mask, not a division */
static inline unsigned tlb_random_way(struct tlb *t)
{
	uint64_t r = tlb_next_random(t);
	return (unsigned)(t->ways_pow2 ? r & (t->ways - 1) : r % t->ways);
}

/*
 * The way of t that takes a translation of page vpn (page_shift shift), the entry that held
 * it invalidated (evicted and counted when its set was full); NULL for an odd shift. same:
 * first drop an entry holding the same translation as *same (tlb_insert); NULL only straight
 * after a lookup of a non-global translation missed (tlb_insert_missed says why none can
 * exist then). The caller fills the way in and stamps it (__tlb_commit): the MMU's miss path
 * writes the walk's result straight into it, with no entry built on the stack first.
 */
static inline __attribute__((always_inline)) struct tlb_entry *
__tlb_claim(struct tlb *t, uint32_t vpn, unsigned shift, const struct tlb_entry *same,
	    void (*drop)(void *, struct tlb_entry *), void *opaque)
{
	if (shift != 12 && shift != 21 && shift != 22)
		return NULL;
	struct tlb_entry *s = tlb_set_of(t, vpn);
	struct tlb_entry *slot;
	if (!same && t->held[0] + t->held[1] + t->held[2] == t->sets * t->ways) {
		/* Every way of every set is valid (as soon as a program has touched more pages
		 * than the TLB holds, and from then on nearly always): no free way to look for,
		 * and no same entry either (!same), so the victim is all there is to choose. */
		slot = &s[t->policy == TLB_RANDOM ? tlb_random_way(t)
			  : t->policy == TLB_FIFO ? tlb_oldest_way(s, t->ways, true)
						  : tlb_oldest_way(s, t->ways, false)];
		t->stats.evictions++;
		counter_add(t->ctr, CTR_tlb_evictions, 1);
		__tlb_invalidate(t, slot, drop, opaque);
		return slot;
	}
	struct tlb_entry key = {.vpn = vpn, .page_shift = (uint8_t)shift};
	const struct tlb_entry *n = same ? same : &key;
	struct tlb_set_scan sc = t->policy == TLB_FIFO
				     ? tlb_scan_set(s, t->ways, n, true, same != NULL)
				     : tlb_scan_set(s, t->ways, n, false, same != NULL);
	slot = sc.same;
	if (slot) {
		__tlb_invalidate(t, slot, drop, opaque);
	} else if (sc.free_way) {
		slot = sc.free_way;
	} else {
		slot = t->policy == TLB_RANDOM ? &s[tlb_random_way(t)] : sc.old;
		t->stats.evictions++;
		counter_add(t->ctr, CTR_tlb_evictions, 1);
		__tlb_invalidate(t, slot, drop, opaque);
	}
	return slot;
}

/* A claimed way, filled in: stamped for both policies and counted as held. */
static inline __attribute__((always_inline)) void __tlb_commit(struct tlb *t,
							       struct tlb_entry *slot)
{
	slot->last_use = ++*t->clock;
	slot->inserted = ++t->fifo_seq;
	t->held[tlb_shift_slot(slot->page_shift)]++;
}

/* Fills n into t, evicting when its set is full (counted). find_same: as __tlb_claim's same. */
static inline __attribute__((always_inline)) struct tlb_entry *
__tlb_insert(struct tlb *t, const struct tlb_entry *n, bool find_same,
	     void (*drop)(void *, struct tlb_entry *), void *opaque)
{
	struct tlb_entry *slot =
	    __tlb_claim(t, n->vpn, n->page_shift, find_same ? n : NULL, drop, opaque);
	if (!slot)
		return NULL;
	tlb_fill_entry(slot, n);
	__tlb_commit(t, slot);
	return slot;
}

#endif
