/*
 * The MMU: translation through the modelled TLB(s) and the walker, and the fast path that
 * mirrors valid L1 TLB entries as host pointers. Every fast entry names the TLB entry it
 * mirrors; the TLB's drop hook removes it whenever that entry goes, so a fast hit is always
 * a hit the modelled TLB would have had.
 */
#include "hw/mmu.h"
#include "hw/tlb_set.h"

#include <errno.h>
#include <string.h>

#define NOT_RAM 0xFFFFu

/* Slot s of the flattened fast table (link s + 1 in the lists of large-page entries). */
static unsigned fast_slot(const struct mmu *m, const struct mmu_fast *f)
{
	return (unsigned)(f - &m->fast[0][0][0]);
}

static void fast_unlink(struct mmu *m, unsigned s, struct tlb_entry *e)
{
	unsigned n = m->fast_next[s], p = m->fast_prev[s];
	if (p)
		m->fast_next[p - 1] = (uint16_t)n;
	else
		e->fast_head = (uint16_t)n;
	if (n)
		m->fast_prev[n - 1] = (uint16_t)p;
	m->fast_large[s] = 0;
}

static void fast_link(struct mmu *m, unsigned s, struct tlb_entry *e)
{
	unsigned h = e->fast_head;
	m->fast_next[s] = (uint16_t)h;
	m->fast_prev[s] = 0;
	if (h)
		m->fast_prev[h - 1] = (uint16_t)(s + 1);
	e->fast_head = (uint16_t)(s + 1);
	m->fast_large[s] = 1;
}

/* Empties a slot that is on no large-page list (one mirroring a 4 KB entry, or none). */
static void fast_drop_small(struct mmu_fast *f)
{
	f->tag = MMU_FAST_INVALID;
	f->tag_hi = 0;
	f->tlbe = NULL;
	f->addend = 0;
	f->stats = NULL;
}

static void fast_drop(struct mmu *m, struct mmu_fast *f)
{
	unsigned s = fast_slot(m, f);
	if (m->fast_large[s])
		fast_unlink(m, s, f->tlbe);
	fast_drop_small(f);
}

void mmu_fast_flush(struct mmu *m)
{
	struct mmu_fast *f = &m->fast[0][0][0];
	for (unsigned w = 0; w < sizeof m->fast_live / sizeof m->fast_live[0]; w++) {
		for (uint64_t live = m->fast_live[w]; live; live &= live - 1)
			fast_drop(m, f + 64 * w + (unsigned)__builtin_ctzll(live));
		m->fast_live[w] = 0;
	}
	m->fast_large_lo = UINT32_MAX;
	m->fast_large_hi = 0;
}

/* Drops the live slots of the tables of access kinds first_acc..last_acc that map the host
 * page hp. */
static void fast_flush_host_page(struct mmu *m, const uint8_t *hp, unsigned first_acc,
				 unsigned last_acc)
{
	struct mmu_fast *f = &m->fast[0][0][0];
	_Static_assert(MMU_FAST_SIZE % 64 == 0, "whole words per table");
	for (unsigned w = first_acc * 2 * MMU_FAST_SIZE / 64;
	     w < (last_acc + 1) * 2 * MMU_FAST_SIZE / 64; w++)
		for (uint64_t live = m->fast_live[w]; live; live &= live - 1) {
			struct mmu_fast *s = f + 64 * w + (unsigned)__builtin_ctzll(live);
			if (s->tag != MMU_FAST_INVALID && mmu_fast_host(s, s->tag) == hp)
				fast_drop(m, s);
		}
}

void mmu_fast_flush_frame(struct mmu *m, uint64_t pfn)
{
	if (pfn < m->pm->max_pfn)
		fast_flush_host_page(m, m->pm->host + (pfn << PAGE_SHIFT), ACC_READ, ACC_FETCH);
}

void mmu_mark_code_frame(struct mmu *m, uint64_t pfn)
{
	if (pfn >= m->pm->max_pfn || (m->pm->frame_flags[pfn] & PFRAME_CODE))
		return;
	m->pm->frame_flags[pfn] |= PFRAME_CODE;
	/* from now on writes to the frame must take the slow path, which invalidates code */
	fast_flush_host_page(m, m->pm->host + (pfn << PAGE_SHIFT), ACC_WRITE, ACC_WRITE);
}

/* Drops the fast entries that mirror TLB entry e. */
static inline __attribute__((always_inline)) void drop_mirrors(struct mmu *m, struct tlb_entry *e)
{
	if (e->page_shift == PAGE_SHIFT) {
		/* only the tables install_fast marked: a page is seldom mirrored in more than
		 * two of the six, and each look is a cache line of its own (32 KB apart). A mark
		 * outlives its slot when the slot is overwritten or flushed, hence the check. */
		struct mmu_fast *f = &m->fast[0][0][e->vpn & (MMU_FAST_SIZE - 1)];
		for (unsigned bits = e->fast_mirrors; bits; bits &= bits - 1) {
			struct mmu_fast *g = f + (unsigned)__builtin_ctz(bits) * MMU_FAST_SIZE;
			if (g->tlbe == e)
				fast_drop_small(g);
		}
		e->fast_mirrors = 0;
		return;
	}
	/* a large page may be mirrored by any 4 KB slot: its list names them */
	while (e->fast_head)
		fast_drop(m, &m->fast[0][0][0] + (e->fast_head - 1));
}

/* The TLB is about to drop e: drop the fast entries that mirror it. */
static void on_tlb_drop(void *opaque, struct tlb_entry *e)
{
	struct mmu *m = opaque;
	if (m->fast_quiet)
		return;
	if (m->trace_filling && trace_enabled(m->trace, TRACE_TLB))
		trace_tlb(m->trace, "evict", m->trace_filling, true, e->vpn << e->page_shift,
			  e->frame, e->page_shift, NULL);
	drop_mirrors(m, e);
}

/*
 * on_tlb_drop for fill's untraced inserts, inlined there: fill never runs within a whole-TLB
 * flush (fast_quiet), and trace_filling is set only by fill_traced.
 */
static inline __attribute__((always_inline)) void on_fill_evict(void *opaque, struct tlb_entry *e)
{
	drop_mirrors(opaque, e);
}

static void init_flat_segments(struct mmu *m)
{
	for (unsigned s = 0; s < SR_COUNT; s++) {
		struct seg_desc d = {.base = 0, .limit = 0xfffff, .s = true, .p = true,
				     .g = true, .db = true, .dpl = 0};
		d.type = s == SR_CS ? SEG_TYPE_CODE | SEG_TYPE_READABLE | SEG_TYPE_ACCESSED
				    : SEG_TYPE_WRITABLE | SEG_TYPE_ACCESSED;
		seg_cache_set(&m->seg.sr[s], 0, &d);
	}
}

int mmu_init(struct mmu *m, struct physmem *pm, const struct tlb_config *cfg,
	     struct counters *ctr)
{
	memset(m, 0, sizeof(*m));
	m->pm = pm;
	m->ctr = ctr;
	if (cfg)
		m->tlbcfg = *cfg;
	else
		tlb_config_default(&m->tlbcfg);
	m->regs.cr0 = CR0_PE;
	m->regs.maxphyaddr = 36;
	init_flat_segments(m);
	for (unsigned s = 0; s < 3 * 2 * MMU_FAST_SIZE; s++)
		fast_drop_small(&m->fast[0][0][0] + s); /* (a zero tag would match page 0) */
	m->fast_large_lo = UINT32_MAX;
	const struct tlb_config *c = &m->tlbcfg;
	if (!c->enabled)
		return c->refill == TLB_REFILL_SW ? -EINVAL : 0;
	/* distinct, reproducible random streams per TLB */
	m->dtlb = tlb_new(&c->l1, c->policy, c->seed, c->split ? "dtlb" : "tlb");
	if (!m->dtlb)
		goto fail;
	m->itlb = m->dtlb;
	if (c->split && !(m->itlb = tlb_new(&c->l1i, c->policy, c->seed + 1, "itlb")))
		goto fail;
	if (c->l2.entries && !(m->l2tlb = tlb_new(&c->l2, c->policy, c->seed + 2, "l2tlb")))
		goto fail;
	tlb_attach(m->dtlb, &m->lru_clock, ctr, on_tlb_drop, m);
	if (m->itlb != m->dtlb)
		tlb_attach(m->itlb, &m->lru_clock, ctr, on_tlb_drop, m);
	if (m->l2tlb)
		tlb_attach(m->l2tlb, &m->lru_clock, ctr, NULL, NULL);
	return 0;
fail:
	mmu_destroy(m);
	return -EINVAL;
}

/* The distinct modelled TLBs: none, the unified or split L1, and the L2. Returns how many. */
static unsigned each_tlb(const struct mmu *m, struct tlb *t[3])
{
	unsigned n = 0;
	if (m->dtlb)
		t[n++] = m->dtlb;
	if (m->itlb && m->itlb != m->dtlb)
		t[n++] = m->itlb;
	if (m->l2tlb)
		t[n++] = m->l2tlb;
	return n;
}

void mmu_destroy(struct mmu *m)
{
	struct tlb *t[3];
	for (unsigned i = 0, n = each_tlb(m, t); i < n; i++)
		tlb_free(t[i]);
	m->itlb = m->dtlb = m->l2tlb = NULL;
}

/* --- flushes and control registers --- */

void mmu_flush_tlb(struct mmu *m, bool keep_global, enum counter_id cause)
{
	mmu_fast_flush(m);
	if (!m->dtlb)
		return;
	struct tlb *t[3];
	m->fast_quiet = true;
	for (unsigned i = 0, n = each_tlb(m, t); i < n; i++)
		tlb_flush_all(t[i], keep_global);
	m->fast_quiet = false;
	counter_add(m->ctr, cause, 1);
	if (trace_enabled(m->trace, TRACE_TLB))
		trace_tlb(m->trace, "flush", "all", false, 0, 0, 0,
			  counter_info[cause].name + sizeof "tlb_flush_" - 1);
}

void mmu_write_cr0(struct mmu *m, uint32_t v)
{
	uint32_t old = m->regs.cr0;
	m->regs.cr0 = v;
	if ((old ^ v) & (CR0_PG | CR0_WP | CR0_PE))
		mmu_flush_tlb(m, false, CTR_tlb_flush_cr4);
}

void mmu_write_cr3(struct mmu *m, uint32_t v)
{
	m->regs.cr3 = v;
	if (m->tlbcfg.asid && m->dtlb) {
		/* tagged entries survive; only the untagged fast path must go */
		mmu_fast_flush(m);
		return;
	}
	mmu_flush_tlb(m, true, CTR_tlb_flush_cr3);
}

void mmu_write_cr4(struct mmu *m, uint32_t v)
{
	uint32_t old = m->regs.cr4;
	m->regs.cr4 = v;
	if ((old ^ v) & (CR4_PGE | CR4_PAE | CR4_PSE))
		mmu_flush_tlb(m, false, CTR_tlb_flush_cr4);
}

void mmu_write_efer(struct mmu *m, uint64_t v)
{
	uint64_t old = m->regs.efer;
	m->regs.efer = v;
	/* cached entries hold XD already interpreted under the old NXE */
	if ((old ^ v) & EFER_NXE)
		mmu_flush_tlb(m, false, CTR_tlb_flush_cr4);
}

void mmu_invlpg(struct mmu *m, uint32_t lin)
{
	counter_add(m->ctr, CTR_tlb_flush_invlpg, 1);
	if (trace_enabled(m->trace, TRACE_TLB))
		trace_tlb(m->trace, "invlpg", "all", true, lin, 0, 0, NULL);
	if (!m->dtlb) {
		/* The fast table is the only TLB: drop what caches lin's translation. That is
		 * its page's slots, unless lin may lie in a large page, whose 4 KB slots are
		 * spread over the whole table. */
		uint32_t page = lin & PAGE_MASK;
		if (page >= m->fast_large_lo && page <= m->fast_large_hi) {
			mmu_fast_flush(m);
			return;
		}
		unsigned i = (lin >> PAGE_SHIFT) & (MMU_FAST_SIZE - 1);
		for (unsigned a = 0; a < 3; a++)
			for (unsigned u = 0; u < 2; u++)
				if (m->fast[a][u][i].tag == page)
					fast_drop(m, &m->fast[a][u][i]);
		return;
	}
	struct tlb *t[3];
	for (unsigned i = 0, n = each_tlb(m, t); i < n; i++)
		tlb_invlpg(t[i], lin);
}

void mmu_set_asid(struct mmu *m, uint16_t asid)
{
	if (m->asid != asid)
		mmu_fast_flush(m);
	m->asid = asid;
}

void mmu_flush_asid(struct mmu *m, uint16_t asid, enum counter_id cause)
{
	if (!m->dtlb)
		return;
	/* the hook drops the fast entries of exactly the entries that go */
	struct tlb *t[3];
	for (unsigned i = 0, n = each_tlb(m, t); i < n; i++)
		tlb_flush_asid(t[i], asid, true);
	counter_add(m->ctr, cause, 1);
}

/* --- translation --- */

static uint16_t cur_asid(const struct mmu *m)
{
	return m->tlbcfg.asid ? m->asid : 0;
}

static int raise_pf(struct mmu *m, struct x86_exception *ex)
{
	counter_add(m->ctr, CTR_page_faults_hw, 1);
	m->cr2 = ex->cr2;
	return -1;
}

/* A walk with its event: always the recorded walk, which reads and writes what the quick
 * one would (the quick walk succeeds only when no A/D bit is to be written), so the counts
 * are those of an untraced run. */
static __attribute__((noinline)) int walk_traced(struct mmu *m, uint32_t lin, enum mmu_access acc,
						 bool user, struct walk_result *res,
						 struct x86_exception *ex)
{
	int rc = paging_walk(m->pm, &m->regs, lin, acc, user, true, res, ex);
	counter_add(m->ctr, CTR_walk_mem_refs, res->nsteps);
	counter_add(m->ctr, CTR_ad_updates, res->ad_writes);
	struct trace_walk_level lv[3];
	for (unsigned i = 0; i < res->nsteps && i < 3; i++)
		lv[i] = (struct trace_walk_level){res->steps[i].level, res->steps[i].index,
						  res->steps[i].table, res->steps[i].addr,
						  res->steps[i].entry};
	trace_walk(m->trace, lin,
		   acc == ACC_FETCH   ? "fetch"
		   : acc == ACC_WRITE ? "write"
				      : "read",
		   user, (m->regs.cr4 & CR4_PAE) != 0, lv, res->nsteps < 3 ? res->nsteps : 3,
		   rc < 0, rc < 0 ? ex->error_code : 0, res->pa, res->page_size);
	return rc < 0 ? raise_pf(m, ex) : 0;
}

/* Inlined (as fill is) so a TLB miss makes one call, into the walker, on its way to the refill. */
static inline __attribute__((always_inline)) int walk(struct mmu *m, uint32_t lin,
						      enum mmu_access acc, bool user,
						      struct walk_result *res,
						      struct x86_exception *ex)
{
	counter_add(m->ctr, CTR_page_walks, 1);
	if (trace_enabled(m->trace, TRACE_WALK))
		return walk_traced(m, lin, acc, user, res, ex);
	/* the quick walk reports the same entry reads and writes nothing, so only its
	 * refusals (faults, A/D write-backs, odd tables) pay for the recorded walk */
	unsigned n = m->regs.cr0 & CR0_PG ? paging_walk_quick(m->pm, &m->regs, lin, acc, user, res) : 0;
	if (__builtin_expect(n != 0, 1)) {
		counter_add(m->ctr, CTR_walk_mem_refs, n);
		return 0;
	}
	int rc = paging_walk(m->pm, &m->regs, lin, acc, user, true, res, ex);
	counter_add(m->ctr, CTR_walk_mem_refs, res->nsteps);
	counter_add(m->ctr, CTR_ad_updates, res->ad_writes);
	return rc < 0 ? raise_pf(m, ex) : 0;
}

static inline unsigned walk_page_shift(const struct walk_result *res)
{
	return res->page_size == PAGE_SIZE ? 12 : res->page_size == (2u << 20) ? 21 : 22;
}

static inline __attribute__((always_inline)) void
entry_from_walk(const struct mmu *m, uint32_t lin, const struct walk_result *res,
		struct tlb_entry *e)
{
	unsigned shift = walk_page_shift(res);
	*e = (struct tlb_entry){
		.vpn = lin >> shift,
		.page_shift = (uint8_t)shift,
		.valid = true,
		.global = res->global,
		.writable = res->writable,
		.user = res->user,
		.nx = res->nx,
		.dirty = res->dirty,
		.asid = cur_asid(m),
		.frame = res->frame,
	};
}

/* The translation of lin is gone from every TLB (a #PF invalidates it, SDM 4.10.4.1). */
static void drop_translation(struct mmu *m, uint32_t lin)
{
	struct tlb *t[3];
	for (unsigned i = 0, n = each_tlb(m, t); i < n; i++)
		tlb_invalidate(t[i], lin);
}

static int refill_trap(struct mmu *m, uint32_t lin, struct x86_exception *ex)
{
	counter_add(m->ctr, CTR_tlb_refill_traps, 1);
	*ex = (struct x86_exception){.vector = X86_TLB_REFILL, .cr2 = lin};
	return -1;
}

/* fill with its events: the entry filled and the entries it evicted (on_tlb_drop) */
static __attribute__((noinline)) struct tlb_entry *
fill_traced(struct mmu *m, struct tlb *t, uint32_t lin, const struct tlb_entry *ne, bool missed)
{
	struct tlb_entry *e;
	if (m->l2tlb)
		missed ? tlb_insert_missed(m->l2tlb, ne) : tlb_insert(m->l2tlb, ne);
	m->trace_filling = tlb_name(t);
	e = missed ? tlb_insert_missed(t, ne) : tlb_insert(t, ne);
	m->trace_filling = NULL;
	trace_tlb(m->trace, "fill", tlb_name(t), true, lin, ne->frame, ne->page_shift, NULL);
	return e;
}

/* missed: lin was just looked up in t (and in the L2) and missed, with nothing changed
 * since, so neither holds an entry this one replaces. */
static inline __attribute__((always_inline)) struct tlb_entry *
fill(struct mmu *m, struct tlb *t, uint32_t lin, const struct walk_result *res, bool missed)
{
	if (__builtin_expect(missed && !res->global && !m->l2tlb, 1) &&
	    !trace_enabled(m->trace, TRACE_TLB)) {
		/* nearly every fill: the walk's result written straight into the claimed way,
		 * not built on the stack and copied (tlb_fill_entry) */
		unsigned shift = walk_page_shift(res);
		struct tlb_entry *slot =
		    __tlb_claim(t, lin >> shift, shift, NULL, on_fill_evict, m);
		entry_from_walk(m, lin, res, slot);
		__tlb_commit(t, slot);
		return slot;
	}
	struct tlb_entry ne;
	entry_from_walk(m, lin, res, &ne);
	if (trace_enabled(m->trace, TRACE_TLB))
		return fill_traced(m, t, lin, &ne, missed);
	if (m->l2tlb)
		missed ? tlb_insert_missed(m->l2tlb, &ne) : tlb_insert(m->l2tlb, &ne);
	/* tlb_insert(_missed) inline, with t's hook (mmu_init attached on_tlb_drop to both L1
	 * TLBs) inlined */
	return __tlb_insert(t, &ne, !missed || ne.global, on_fill_evict, m);
}

/* A write through a clean entry: walk again to set D (and re-check rights in memory). */
static int dirty_rewalk(struct mmu *m, struct tlb *t, struct tlb_entry **ep, uint32_t lin,
			bool user, struct x86_exception *ex)
{
	struct tlb_entry *e = *ep;
	struct walk_result res;
	if (walk(m, lin, ACC_WRITE, user, &res, ex) < 0) {
		drop_translation(m, lin);
		return -1;
	}
	struct tlb_entry ne;
	entry_from_walk(m, lin, &res, &ne);
	if (ne.page_shift != e->page_shift || ne.frame != e->frame) {
		/* the tables changed under a cached entry: replace it */
		drop_translation(m, lin);
		*ep = fill(m, t, lin, &res, false);
		return 0;
	}
	if (ne.writable != e->writable || ne.user != e->user || ne.nx != e->nx)
		on_tlb_drop(m, e); /* fast entries encode the old rights */
	e->dirty = true;
	e->writable = ne.writable;
	e->user = ne.user;
	e->nx = ne.nx;
	e->global = ne.global;
	if (m->l2tlb) {
		struct tlb_entry *e2 = tlb_peek(m->l2tlb, lin, cur_asid(m));
		if (e2 && e2->page_shift == e->page_shift && e2->frame == e->frame)
			e2->dirty = true;
	}
	return 0;
}

/*
 * The translation proper. *used is the L1 entry that served it (NULL with paging off or no
 * modelled TLB), *used_tlb its TLB.
 */
/* A slow-path translation is likely a host cache miss too (the page was not touched lately):
 * the access's line is fetched while the fill or the fast slot's install does its
 * bookkeeping, not after (sort of 10 MB: 0.94x the time; the chase 0.93x) */
static inline __attribute__((always_inline)) void prefetch_access(const struct mmu *m,
								  phys_addr_t pa)
{
	if (pa < m->pm->host_size)
		__builtin_prefetch(m->pm->host + pa);
}

static inline __attribute__((always_inline)) int
xlate(struct mmu *m, uint32_t lin, enum mmu_access acc, bool user, phys_addr_t *pa,
      struct tlb_entry **used, struct tlb **used_tlb, struct x86_exception *ex)
{
	*used = NULL;
	*used_tlb = NULL;
	if (!(m->regs.cr0 & CR0_PG)) {
		*pa = lin;
		return 0;
	}
	struct walk_result res;
	if (!m->dtlb) {
		if (walk(m, lin, acc, user, &res, ex) < 0)
			return -1;
		*pa = res.pa;
		if (res.page_size > PAGE_SIZE) {
			uint32_t base = lin & ~(res.page_size - 1);
			if (base < m->fast_large_lo)
				m->fast_large_lo = base;
			if (base + (res.page_size - PAGE_SIZE) > m->fast_large_hi)
				m->fast_large_hi = base + (res.page_size - PAGE_SIZE);
		}
		return 0;
	}
	struct tlb *t = acc == ACC_FETCH ? m->itlb : m->dtlb;
	uint16_t asid = cur_asid(m);
	counter_add(m->ctr, CTR_tlb_lookups, 1);
	if (acc == ACC_FETCH)
		counter_add(m->ctr, CTR_tlb_fetch_lookups, 1);
	struct tlb_entry *e = __tlb_lookup(t, lin, asid);
	if (!e && m->l2tlb) {
		struct tlb_entry *e2 = tlb_lookup(m->l2tlb, lin, asid);
		if (e2)
			e = tlb_insert(t, e2);
	}
	if (trace_enabled(m->trace, TRACE_TLB))
		trace_tlb(m->trace, e ? "hit" : "miss", tlb_name(t), true, lin, 0, 0,
			  acc == ACC_FETCH ? "fetch" : acc == ACC_WRITE ? "write" : "read");
	if (e) {
		counter_add(m->ctr, CTR_tlb_hits, 1);
		if (!paging_rights_ok(&m->regs, e->writable, e->user, e->nx, acc, user)) {
			drop_translation(m, lin);
			*ex = (struct x86_exception){
				.vector = X86_PF,
				.has_error_code = true,
				.error_code = paging_pf_error(&m->regs, acc, user, true, false),
				.cr2 = lin,
			};
			return raise_pf(m, ex);
		}
		if (acc == ACC_WRITE && !e->dirty) {
			if (m->tlbcfg.refill == TLB_REFILL_SW)
				return refill_trap(m, lin, ex); /* MIPS: TLB-modified */
			if (dirty_rewalk(m, t, &e, lin, user, ex) < 0)
				return -1;
		}
		*pa = e->frame + (lin & ((1u << e->page_shift) - 1));
		prefetch_access(m, *pa);
		*used = e;
		*used_tlb = t;
		return 0;
	}
	counter_add(m->ctr, CTR_tlb_misses, 1);
	if (m->tlbcfg.refill == TLB_REFILL_SW)
		return refill_trap(m, lin, ex);
	if (walk(m, lin, acc, user, &res, ex) < 0)
		return -1;
	prefetch_access(m, res.pa);
	*used = fill(m, t, lin, &res, true);
	*used_tlb = t;
	*pa = res.pa;
	return 0;
}

int mmu_translate(struct mmu *m, uint32_t lin, enum mmu_access acc, bool user, phys_addr_t *pa,
		  struct x86_exception *ex)
{
	struct tlb_entry *e;
	struct tlb *t;
	return xlate(m, lin, acc, user, pa, &e, &t, ex);
}

int mmu_tlb_refill(struct mmu *m, uint32_t lin, enum mmu_access acc, bool user,
		   struct x86_exception *ex)
{
	if (!m->dtlb) {
		*ex = (struct x86_exception){.vector = NOT_RAM};
		return -1;
	}
	struct walk_result res;
	if (walk(m, lin, acc, user, &res, ex) < 0)
		return -1;
	fill(m, acc == ACC_FETCH ? m->itlb : m->dtlb, lin, &res, false);
	return 0;
}

/* --- the fast path --- */

/*
 * With no TLB modelled the fast table is the only cache of translations, and a page's write
 * slot implies its read slot (what may be written may be read, in either mode), kept so both
 * ways: a write install fills the read slot at the same index too, and a read install of
 * another page drops the write slot there (every other drop takes both, or the write slot
 * only). Compiled code then serves a read from a kept write slot as it does over a modelled
 * TLB (jit_mem.c), where the interpreter finds that read slot: neither walks. Without the
 * pairing, code that mixes reads and writes of one page (locals on the stack) moved its kept
 * entry from one table to the other at every turn, and --no-tlb was the slower machine.
 */
static inline __attribute__((always_inline)) void
fast_pair_read_write(struct mmu *m, unsigned s, struct mmu_fast *f, enum mmu_access acc)
{
	if (acc == ACC_READ) {
		struct mmu_fast *w = f + 2 * MMU_FAST_SIZE;
		if (w->tag != MMU_FAST_INVALID && w->tag != f->tag)
			fast_drop_small(w);
		return;
	}
	unsigned r = s - 2 * MMU_FAST_SIZE;
	struct mmu_fast *g = &m->fast[0][0][0] + r;
	m->fast_live[r / 64] |= 1ull << (r % 64);
	*g = *f;
}

/* Called after xlate let the access through. xlate guarantees that, with paging on and a
 * TLB modelled, e is the L1 entry that served it and, for a write, has D set; the two tests
 * below keep the statistics promise (a fast hit is a hit of e) should that ever change. */
static inline __attribute__((always_inline)) void
install_fast(struct mmu *m, uint32_t lin, enum mmu_access acc, bool user, phys_addr_t pa,
	     struct tlb_entry *e, struct tlb *t)
{
	if (acc == ACC_WRITE && e && !e->dirty)
		return;
	if (m->watch)
		return; /* watched: every access takes the slow path that reports it */
	if ((m->regs.cr0 & CR0_PG) && m->dtlb && !e)
		return;
	unsigned s = ((unsigned)acc * 2 + user) * MMU_FAST_SIZE +
		     ((lin >> PAGE_SHIFT) & (MMU_FAST_SIZE - 1));
	struct mmu_fast *f = &m->fast[0][0][0] + s;
	m->fast_live[s / 64] |= 1ull << (s % 64);
	if (m->fast_large[s])
		fast_unlink(m, s, f->tlbe);
	f->tag = lin & PAGE_MASK;
	/* a fetch entry also names its frame, so that compiled code checks the page and the
	 * frame a block was decoded from in one 64-bit compare; data entries keep 0 there, for
	 * the kept translations' compare (the frame number fits: physical addresses are below
	 * 2^36 with PAE) */
	f->tag_hi = acc == ACC_FETCH ? (uint32_t)(pa >> PAGE_SHIFT) : 0;
	f->addend = (uintptr_t)(m->pm->host + (pa & ~(phys_addr_t)(PAGE_SIZE - 1))) - f->tag;
	f->tlbe = e;
	f->stats = t ? &t->stats : NULL;
	if (e && e->page_shift != PAGE_SHIFT)
		fast_link(m, s, e);
	else if (e)
		e->fast_mirrors |= (uint8_t)(1u << (s / MMU_FAST_SIZE));
	if (!m->dtlb && acc != ACC_FETCH)
		fast_pair_read_write(m, s, f, acc);
}

/* One page's part of an access when the fast table missed: translates, and for RAM installs
 * a fast entry. Returns 1 when *pa is RAM, 0 when it is not (MMIO, a hole), -1 on a fault.
 * Inlined (with xlate) into mmu_ptr_slow, which takes nearly every miss: the out-parameters
 * then live in registers and a miss makes no call before the walker's refusals and the TLB. */
static inline __attribute__((always_inline)) int
page_xlate_slow_inline(struct mmu *m, uint32_t lin, enum mmu_access acc, bool user,
		       phys_addr_t *pa, struct x86_exception *ex)
{
	struct tlb_entry *e;
	struct tlb *t;
	if (xlate(m, lin, acc, user, pa, &e, &t, ex) < 0)
		return -1;
	if (!physmem_is_ram(m->pm, *pa))
		return 0;
	/* a write drops the frame's decoded code first (clearing PFRAME_CODE), so the write
	 * entry installed below never covers a frame that holds decoded code */
	if (acc == ACC_WRITE)
		physmem_frame_changed(m->pm, *pa >> PAGE_SHIFT);
	install_fast(m, lin, acc, user, *pa, e, t);
	return 1;
}

static int page_xlate_slow(struct mmu *m, uint32_t lin, enum mmu_access acc, bool user,
			   phys_addr_t *pa, struct x86_exception *ex)
{
	return page_xlate_slow_inline(m, lin, acc, user, pa, ex);
}

/* The same, the fast table first, as mmu_ptr does (fast entries exist only for RAM). */
static int page_xlate(struct mmu *m, uint32_t lin, enum mmu_access acc, bool user,
		      phys_addr_t *pa, struct x86_exception *ex)
{
	struct mmu_fast *f = mmu_fast_hit(m, lin, acc, user);
	if (f) {
		*pa = (phys_addr_t)(mmu_fast_host(f, lin) - m->pm->host);
		return 1;
	}
	return page_xlate_slow(m, lin, acc, user, pa, ex);
}

/* A lookup in t as xlate counts it, with its hit or its miss and walk (n entries read):
 * m->ctr tested once, where counter_add would test it for each. */
static inline __attribute__((always_inline)) void count_lookup(struct mmu *m, struct tlb *t,
							       enum mmu_access acc, unsigned n)
{
	t->stats.lookups++;
	if (n)
		t->stats.misses++;
	else
		t->stats.hits++;
	struct counters *c = m->ctr;
	if (!c)
		return;
	c->v[CTR_tlb_lookups]++;
	if (acc == ACC_FETCH)
		c->v[CTR_tlb_fetch_lookups]++;
	if (n) {
		c->v[CTR_tlb_misses]++;
		c->v[CTR_page_walks]++;
		c->v[CTR_walk_mem_refs] += n;
	} else {
		c->v[CTR_tlb_hits]++;
	}
}

/*
 * mmu_ptr_slow's common case in one straight line: RAM, paging on, an L1 TLB alone (no L2,
 * hardware refill), no trace, and either a TLB hit that needs no D-bit walk or a miss whose
 * walk faults nowhere and writes no A/D bit. Whatever else it
 * meets it declines (NULL) before it has changed anything, and the general path
 * (page_xlate_slow_inline) takes the access whole. Otherwise it counts, stamps, fills and
 * installs exactly what that path would (test_mmu's common_path_is_exact compares both on
 * random accesses); it exists because that path re-tests the machine's configuration and
 * builds the entry on the stack, about 500 host instructions a miss, half of them this.
 */
static inline __attribute__((always_inline)) uint8_t *ptr_slow_common(struct mmu *m, uint32_t lin,
								      enum mmu_access acc)
{
	bool user = m->cpl == 3;
	struct tlb *t = acc == ACC_FETCH ? m->itlb : m->dtlb;
	struct tlb_entry *e = __tlb_find(t, lin, cur_asid(m), false);
	phys_addr_t pa;
	if (e) {
		if (!paging_rights_ok(&m->regs, e->writable, e->user, e->nx, acc, user) ||
		    (acc == ACC_WRITE && !e->dirty))
			return NULL;
		pa = e->frame + (lin & ((1u << e->page_shift) - 1));
		if (!physmem_is_ram(m->pm, pa))
			return NULL;
		prefetch_access(m, pa);
		count_lookup(m, t, acc, 0);
		e->last_use = ++*t->clock;
	} else {
		struct walk_result res;
		unsigned n = paging_walk_quick(m->pm, &m->regs, lin, acc, user, &res);
		if (!n || !physmem_is_ram(m->pm, res.pa))
			return NULL;
		pa = res.pa;
		prefetch_access(m, pa);
		count_lookup(m, t, acc, n);
		e = fill(m, t, lin, &res, true);
	}
	if (acc == ACC_WRITE)
		physmem_frame_changed(m->pm, pa >> PAGE_SHIFT);
	install_fast(m, lin, acc, user, pa, e, t);
	return m->pm->host + pa;
}

static __attribute__((noinline)) uint8_t *
ptr_slow_general(struct mmu *m, uint32_t lin, enum mmu_access acc, struct x86_exception *ex)
{
	phys_addr_t pa;
	int rc = page_xlate_slow_inline(m, lin, acc, m->cpl == 3, &pa, ex);
	if (rc > 0)
		return m->pm->host + pa;
	if (rc == 0)
		*ex = (struct x86_exception){.vector = NOT_RAM};
	return NULL;
}

uint8_t *mmu_ptr_slow(struct mmu *m, uint32_t lin, enum mmu_access acc, struct x86_exception *ex)
{
	if (__builtin_expect((m->regs.cr0 & CR0_PG) && m->dtlb && !m->l2tlb &&
				 m->tlbcfg.refill == TLB_REFILL_HW && !m->slow_general_only &&
				 !trace_enabled(m->trace, TRACE_TLB | TRACE_WALK),
			     1)) {
		uint8_t *p = ptr_slow_common(m, lin, acc);
		if (p)
			return p;
	}
	return ptr_slow_general(m, lin, acc, ex);
}

void mmu_set_watch(struct mmu *m, void (*fn)(void *, uint32_t, unsigned, enum mmu_access),
		   void *ctx)
{
	m->watch = fn;
	m->watch_ctx = ctx;
	mmu_fast_flush(m);
}

/* --- whole accesses --- */

static int bad_size(struct x86_exception *ex)
{
	*ex = (struct x86_exception){.vector = NOT_RAM};
	return -1;
}

/* Splits [lin, lin+size) at the page boundary and translates both parts before any data
 * moves, so a fault on the second page leaves memory untouched. ram[i]: part i is RAM. */
static int xlate_span(struct mmu *m, uint32_t lin, unsigned size, enum mmu_access acc,
		      bool user, phys_addr_t pa[2], unsigned len[2], bool ram[2],
		      struct x86_exception *ex)
{
	unsigned first = PAGE_SIZE - (lin & ~PAGE_MASK);
	len[0] = size < first ? size : first;
	len[1] = size - len[0];
	int rc = page_xlate(m, lin, acc, user, &pa[0], ex);
	if (rc < 0)
		return -1;
	ram[0] = rc;
	if (len[1]) {
		if ((rc = page_xlate(m, lin + len[0], acc, user, &pa[1], ex)) < 0)
			return -1;
		ram[1] = rc;
	}
	return 0;
}

int mmu_read_linear(struct mmu *m, uint32_t lin, void *buf, unsigned size, enum mmu_access acc,
		    bool user, struct x86_exception *ex)
{
	if (size == 0)
		return 0;
	if (size > PAGE_SIZE || acc == ACC_WRITE)
		return bad_size(ex);
	/* fast entries exist only for RAM, so a hit within one page is a plain copy */
	if ((lin & ~PAGE_MASK) + size <= PAGE_SIZE) {
		struct mmu_fast *f = mmu_fast_hit(m, lin, acc, user);
		if (f) {
			memcpy(buf, mmu_fast_host(f, lin), size);
			return 0;
		}
	}
	phys_addr_t pa[2];
	unsigned len[2];
	bool ram[2];
	if (xlate_span(m, lin, size, acc, user, pa, len, ram, ex) < 0)
		return -1;
	mmu_watch_access(m, lin, size, acc);
	uint8_t *b = buf;
	for (unsigned i = 0; i < 2 && len[i]; i++) {
		if (ram[i])
			memcpy(b, m->pm->host + pa[i], len[i]);
		else
			physmem_read_buf(m->pm, pa[i], b, len[i]);
		b += len[i];
	}
	return 0;
}

int mmu_write_linear(struct mmu *m, uint32_t lin, const void *buf, unsigned size, bool user,
		     struct x86_exception *ex)
{
	if (size == 0)
		return 0;
	if (size > PAGE_SIZE)
		return bad_size(ex);
	/* write fast entries exist only for RAM frames holding no decoded code */
	if ((lin & ~PAGE_MASK) + size <= PAGE_SIZE) {
		struct mmu_fast *f = mmu_fast_hit(m, lin, ACC_WRITE, user);
		if (f) {
			memcpy(mmu_fast_host(f, lin), buf, size);
			return 0;
		}
	}
	phys_addr_t pa[2];
	unsigned len[2];
	bool ram[2];
	if (xlate_span(m, lin, size, ACC_WRITE, user, pa, len, ram, ex) < 0)
		return -1;
	mmu_watch_access(m, lin, size, ACC_WRITE);
	const uint8_t *b = buf;
	for (unsigned i = 0; i < 2 && len[i]; i++) {
		/* page_xlate dropped the decoded code of a RAM frame (a fast hit implies none) */
		if (ram[i])
			memcpy(m->pm->host + pa[i], b, len[i]);
		else
			physmem_write_buf(m->pm, pa[i], b, len[i]);
		b += len[i];
	}
	return 0;
}

static int seg_linear(struct mmu *m, enum sreg sr, uint32_t off, unsigned size,
		      enum mmu_access acc, uint32_t *lin, struct x86_exception *ex)
{
	if ((unsigned)sr >= SR_COUNT)
		return bad_size(ex);
	if (seg_check(&m->seg.sr[sr], sr, off, size, acc, lin, ex) < 0) {
		counter_add(m->ctr, CTR_seg_faults, 1);
		return -1;
	}
	return 0;
}

int mmu_read(struct mmu *m, enum sreg sr, uint32_t off, void *buf, unsigned size,
	     enum mmu_access acc, struct x86_exception *ex)
{
	uint32_t lin;
	if (seg_linear(m, sr, off, size, acc, &lin, ex) < 0)
		return -1;
	return mmu_read_linear(m, lin, buf, size, acc, m->cpl == 3, ex);
}

int mmu_write(struct mmu *m, enum sreg sr, uint32_t off, const void *buf, unsigned size,
	      struct x86_exception *ex)
{
	uint32_t lin;
	if (seg_linear(m, sr, off, size, ACC_WRITE, &lin, ex) < 0)
		return -1;
	return mmu_write_linear(m, lin, buf, size, m->cpl == 3, ex);
}
