/*
 * The modelled TLB: user-set geometry and replacement, 4 KB and large-page entries, global
 * pages, optional ASID tags; hardware-walked (x86) or software-refilled (MIPS-style) mode.
 */
#ifndef VMLAB_HW_TLB_H
#define VMLAB_HW_TLB_H
#include "hw/x86.h"
#include "trace/counters.h"

enum tlb_policy { TLB_LRU, TLB_FIFO, TLB_RANDOM };
enum tlb_refill { TLB_REFILL_HW, TLB_REFILL_SW };

/* Geometry of one TLB: entries = sets * ways; ways == entries is fully associative,
 * ways == 1 direct-mapped. entries need not be a power of two (set = vpn % sets). */
struct tlb_geometry {
	unsigned entries, ways;
};

struct tlb_config {
	bool enabled;            /* false: no TLB is modelled (raw speed, no TLB statistics) */
	struct tlb_geometry l1;  /* unified L1, or the D-TLB when split */
	bool split;              /* separate I-TLB and D-TLB */
	struct tlb_geometry l1i; /* the I-TLB when split */
	struct tlb_geometry l2;  /* second-level shared TLB; entries == 0: none */
	enum tlb_policy policy;
	uint64_t seed;           /* for TLB_RANDOM */
	bool asid;               /* tag entries with an address-space id: CR3 loads do not flush */
	enum tlb_refill refill;
};

/* Defaults: 64-entry 4-way unified L1, LRU, hardware-walked, no ASIDs. */
void tlb_config_default(struct tlb_config *c);
/* Parses "64x4", "64" (fully associative), "48x1", ... Returns 0 or -1. */
int tlb_geometry_parse(const char *s, struct tlb_geometry *g);
int tlb_policy_parse(const char *s, enum tlb_policy *p);

struct tlb_entry {
	uint32_t vpn;       /* linear address >> page_shift */
	uint8_t page_shift; /* 12, 21 or 22 */
	bool valid, global, writable, user, nx, dirty;
	uint8_t fast_mirrors; /* 4 KB page: the MMU's fast tables that may mirror it (mmu.c) */
	uint16_t asid;
	uint16_t fast_head; /* large page: the MMU's list of fast slots mirroring it (mmu.c) */
	phys_addr_t frame;  /* physical base of the page */
	uint64_t last_use;  /* LRU order (the MMU's clock) */
	uint64_t inserted;  /* FIFO order */
};

/* Per-TLB statistics (the global counters aggregate them). */
struct tlb_stats {
	uint64_t lookups, hits, misses, evictions, flushes, invlpg;
};

struct tlb; /* opaque: defined in tlb.c */

struct tlb *tlb_new(const struct tlb_geometry *g, enum tlb_policy p, uint64_t seed,
		    const char *name);
void tlb_free(struct tlb *t);
struct tlb_entry *tlb_lookup(struct tlb *t, uint32_t lin, uint16_t asid); /* counts */
struct tlb_entry *tlb_insert(struct tlb *t, const struct tlb_entry *e);   /* may evict */
/* The same, straight after tlb_lookup(t, address of e, e->asid) returned NULL (and nothing
 * changed t since): the same decisions, without looking for an entry to replace. */
struct tlb_entry *tlb_insert_missed(struct tlb *t, const struct tlb_entry *e);
void tlb_flush_all(struct tlb *t, bool keep_global);
void tlb_flush_asid(struct tlb *t, uint16_t asid, bool keep_global);
void tlb_invlpg(struct tlb *t, uint32_t lin);
const struct tlb_stats *tlb_get_stats(const struct tlb *t);
const char *tlb_name(const struct tlb *t);

/* Wiring used by the MMU: a shared LRU clock (so fast-path hits stamp entries on the same
 * scale), the machine's counters (evictions), and a hook called for every valid entry
 * just before it is invalidated or replaced. Any argument may be NULL. */
void tlb_attach(struct tlb *t, uint64_t *clock, struct counters *ctr,
		void (*drop)(void *opaque, struct tlb_entry *e), void *opaque);
/* Finds an entry without counting or touching LRU state (for reports). */
struct tlb_entry *tlb_peek(struct tlb *t, uint32_t lin, uint16_t asid);
/* Invalidates every entry mapping lin (any ASID) without counting an INVLPG: used when a
 * #PF drops the faulting translation, as the SDM says it does. */
void tlb_invalidate(struct tlb *t, uint32_t lin);
struct tlb_stats *tlb_stats_mut(struct tlb *t);
const char *tlb_policy_name(enum tlb_policy p);
unsigned tlb_ways(const struct tlb *t);
unsigned tlb_valid_entries(const struct tlb *t);
/* Iterates entry slots, 0 .. tlb_count_entries()-1 (sets * ways, set-major); entry_at gives
 * NULL for an invalid slot. Valid entries (for `vmlab translate` and reports). */
unsigned tlb_count_entries(const struct tlb *t);
const struct tlb_entry *tlb_entry_at(const struct tlb *t, unsigned i); /* NULL when invalid */
#endif
