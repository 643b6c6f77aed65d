/*
 * The interpreter loop and the decoded-instruction cache. Blocks of decoded instructions are
 * keyed by the physical address of their first byte and never span a page; the frame is
 * marked PFRAME_CODE so that any write to it (which the MMU sends down its slow path) calls
 * back here and drops the frame's blocks before the write lands.
 */
#include "cpu/cpu_int.h"
#include "cpu/exec.h"
#include "cpu/jit.h"
#include <stdlib.h>

#define BLOCK_MAX BLOCK_INSNS_MAX
/* The decode cache's hash starts small and grows to HASH_BITS as blocks come: a short
 * program touches a few of its host pages, not 512 KB of them. */
#define HASH_BITS 16
#define HASH_BITS_START 10
#define PAGES_BITS 12
#define ARENA_SIZE (48u << 20)

/* ---- handler choice (the decoder calls this) ---- */
static int h_toolong(struct cpu *c, const struct insn *i)
{
	(void)i;
	return GP0(c);
}

static bool ends_block(unsigned opc, const struct insn *i)
{
	if ((opc >= 0xE0 && opc <= 0xEB) || (opc >= 0x120 && opc <= 0x123))
		return true;
	switch (opc) {
	case 0xC2: case 0xC3: case 0xCA: case 0xCB: case 0xCC: case 0xCD: case 0xCE: case 0xCF:
	case 0xF1: case 0xF4: case 0x9A: case 0x101: case 0x10B: case 0x106:
		return true;
	case 0xFF:
		return i->reg >= 2 && i->reg <= 5;
	}
	return false;
}

static bool lock_ok(const struct insn *i, unsigned opc);
insn_fn insn_select(struct insn *i, unsigned opc);
insn_fn insn_select(struct insn *i, unsigned opc)
{
	insn_fn f;
	i->ends = ends_block(opc, i);
	if (i->len > 15)
		return h_toolong;
	if (i->lock && !lock_ok(i, opc)) {
		i->ends = 1;
		return op_ud;
	}
	if ((f = select_alu(i, opc)) || (f = select_ctl(i, opc)) || (f = select_str(i, opc)) ||
	    (f = select_sys(i, opc)) || (f = select_sse(i, opc)))
		return f;
	i->ends = 1;
	return op_ud;
}

/* ---- flags and state ---- */
uint32_t cpu_get_eflags(struct cpu *c)
{
	return get_flags(c->in) | 2;
}

void cpu_set_eflags(struct cpu *c, uint32_t v)
{
	c->in->eflags = (v & 0x003f7fd5u) | 2;
	c->in->lf_op = LF_NONE;
}

void segf_update(struct cpu *c)
{
	for (int s = 0; s < SR_COUNT; s++) {
		const struct seg_cache *sc = &c->mmu->seg.sr[s];
		uint8_t f = 0;
		if (sc->usable && sc->d.s && sc->eff_limit == 0xffffffffu &&
		    !seg_is_expand_down(&sc->d)) {
			if (sc->d.type & SEG_TYPE_CODE) {
				if (sc->d.type & SEG_TYPE_READABLE)
					f = SEGF_BR;
			} else {
				f = SEGF_BR;
				if (sc->d.type & SEG_TYPE_WRITABLE)
					f |= SEGF_BW;
			}
			if (sc->flat)
				f |= f >> 2; /* SEGF_BR -> SEGF_R, SEGF_BW -> SEGF_W */
		}
		c->in->segf[s] = f;
		c->in->segbase[s] = f ? sc->d.base : 0;
	}
	c->in->code32 = c->mmu->seg.sr[SR_CS].d.db;
	c->in->sp_mask = c->mmu->seg.sr[SR_SS].d.db ? 0xffffffffu : 0xffff;
	c->in->jit_leave = !segf_jit_ok(c->in->segf) || c->in->sp_mask != 0xffffffffu;
	for (int a = 0; a < 3; a++)
		c->in->fast[a] = c->mmu->fast[a][c->mmu->cpl == 3];
}

uint64_t cpu_insns_now(const struct cpu *c)
{
	const struct cpu_internal *in = c->in;
	if (in && in->cur && in->at && in->blk_first)
		return c->insns + (uint64_t)(in->at - in->blk_first);
	return c->insns;
}

unsigned long cpu_jit_regs_lost(const struct cpu *c)
{
	return c->in && c->in->jit ? c->in->jit->regs_lost : 0;
}

void cpu_flush_fast_hits(struct cpu *c)
{
	struct cpu_internal *in = c->in;
	struct mmu *m = c->mmu;
	for (int a = 0; a < 3; a++) {
		uint64_t n = in->fast_hits[a];
		if (!n)
			continue;
		in->fast_hits[a] = 0;
		struct tlb *t = a == ACC_FETCH ? m->itlb : m->dtlb;
		if (t) {
			struct tlb_stats *st = tlb_stats_mut(t);
			st->lookups += n;
			st->hits += n;
		}
		counter_add(m->ctr, CTR_tlb_lookups, n);
		counter_add(m->ctr, CTR_tlb_hits, n);
		if (a == ACC_FETCH)
			counter_add(m->ctr, CTR_tlb_fetch_lookups, n);
	}
}

/* ---- memory slow paths ---- */
int cpu_mem_read(struct cpu *c, enum sreg sr, uint32_t off, void *buf, unsigned size,
		 struct x86_exception *ex)
{
	return mmu_read(c->mmu, sr, off, buf, size, ACC_READ, ex);
}

int cpu_mem_write(struct cpu *c, enum sreg sr, uint32_t off, const void *buf, unsigned size,
		  struct x86_exception *ex)
{
	return mmu_write(c->mmu, sr, off, buf, size, ex);
}

/* The slow halves of mem_read/mem_write/mem_rmw_ptr: a fast-table miss on a flat segment
 * (translate, install), or an access the fast path cannot do (segment checks, crossing a
 * page, not RAM). */
int mem_read_slow(struct cpu *c, unsigned sr, uint32_t off, unsigned sz, uint32_t *v)
{
	uint32_t x = 0, lin = off + c->in->segbase[sr];
	if ((c->in->segf[sr] & SEGF_BR) && (lin & 0xfff) <= 4096 - sz) {
		/* a based segment (TLS) still hits the fast table; a flat one missed it already */
		uint8_t *p = c->in->segbase[sr] ? fast_hit_lin(c, lin, ACC_READ) : NULL;
		if (p) {
			*v = ld(p, sz);
			return 0;
		}
		p = mmu_ptr_slow(c->mmu, lin, ACC_READ, &c->in->ex);
		if (p) {
			mmu_watch_access(c->mmu, lin, sz, ACC_READ);
			*v = ld(p, sz);
			return 0;
		}
		if (c->in->ex.vector != 0xFFFF)
			return -1;
	}
	if (mmu_read(c->mmu, (enum sreg)sr, off, &x, sz, ACC_READ, &c->in->ex))
		return -1;
	*v = x;
	return 0;
}

int mem_write_slow(struct cpu *c, unsigned sr, uint32_t off, unsigned sz, uint32_t v)
{
	uint32_t lin = off + c->in->segbase[sr];
	if ((c->in->segf[sr] & SEGF_BW) && (lin & 0xfff) <= 4096 - sz) {
		uint8_t *p = c->in->segbase[sr] ? fast_hit_lin(c, lin, ACC_WRITE) : NULL;
		if (p) {
			st(p, sz, v);
			return 0;
		}
		p = mmu_ptr_slow(c->mmu, lin, ACC_WRITE, &c->in->ex);
		if (p) {
			mmu_watch_access(c->mmu, lin, sz, ACC_WRITE);
			st(p, sz, v);
			return 0;
		}
		if (c->in->ex.vector != 0xFFFF)
			return -1;
	}
	return mmu_write(c->mmu, (enum sreg)sr, off, &v, sz, &c->in->ex);
}

int mem_rmw_ptr_slow(struct cpu *c, unsigned sr, uint32_t off, unsigned sz, uint8_t **pp)
{
	struct mmu *m = c->mmu;
	uint32_t lin;
	*pp = NULL;
	if (seg_check(&m->seg.sr[sr], (enum sreg)sr, off, sz, ACC_WRITE, &lin, &c->in->ex))
		return -1;
	if ((lin & ~PAGE_MASK) > PAGE_SIZE - sz) {
		/* crosses a page: both halves translated for writing (a fault on either has
		 * the write error code, as the processor's RMW access), then worked on in the
		 * bounce buffer */
		struct cpu_internal *in = c->in;
		unsigned n1 = PAGE_SIZE - (lin & ~PAGE_MASK);
		uint8_t *p1 = cpu_ptr(c, lin, ACC_WRITE), *p2;
		if (!p1)
			return in->ex.vector == 0xFFFF ? 0 : -1;
		p2 = cpu_ptr(c, lin + n1, ACC_WRITE);
		if (!p2)
			return in->ex.vector == 0xFFFF ? 0 : -1;
		memcpy(in->bounce, p1, n1);
		memcpy(in->bounce + n1, p2, sz - n1);
		mmu_watch_access(m, lin, sz, ACC_WRITE);
		in->split[0] = p1;
		in->split[1] = p2;
		in->split_n1 = n1;
		in->split_sz = sz;
		*pp = in->bounce;
		return 0;
	}
	uint8_t *p = cpu_ptr(c, lin, ACC_WRITE);
	if (p) {
		mmu_watch_access(m, lin, sz, ACC_WRITE);
		*pp = p;
		return 0;
	}
	return c->in->ex.vector == 0xFFFF ? 0 : -1;
}

/* jcc_fallthrough's fetch lookup when the fast table misses: cpu_ptr's slow half. */
int jcc_fallthrough_slow(struct cpu *c, const struct insn *i, int jumped)
{
	uint32_t next = i->eip + i->len;
	uint32_t lin = next + c->mmu->seg.sr[SR_CS].d.base;
	c->in->at = i + 1; /* the Jcc has retired: what the lookup traces is the next one's */
	if (likely(mmu_ptr_slow(c->mmu, lin, ACC_FETCH, &c->in->ex) != NULL))
		NEXT(c, i);
	c->in->at = i; /* cpu_run counts the block's retired instructions from here */
	c->eip = next; /* outside RAM or a fault: the block lookup handles it */
	return jumped;
}

void rmw_commit_split(struct cpu *c)
{
	struct cpu_internal *in = c->in;
	memcpy(in->split[0], in->bounce, in->split_n1);
	memcpy(in->split[1], in->bounce + in->split_n1, in->split_sz - in->split_n1);
}

/* LOCK is valid only on the read-modify-write instructions with a memory destination. */
static bool lock_ok(const struct insn *i, unsigned opc)
{
	if (i->mod3)
		return false;
	if (opc < 0x40)
		return (opc & 7) < 2 && (opc >> 3) != 7;
	switch (opc) {
	case 0x80: case 0x81: case 0x82: case 0x83: return i->reg != 7;
	case 0x86: case 0x87: return true;
	case 0xF6: case 0xF7: return i->reg == 2 || i->reg == 3;
	case 0xFE: case 0xFF: return i->reg < 2;
	case 0x1AB: case 0x1B3: case 0x1BB: case 0x1B0: case 0x1B1: case 0x1C0: case 0x1C1:
		return true;
	case 0x1BA: return i->reg >= 5;
	case 0x1C7: return i->reg == 1;
	}
	return false;
}

/* ---- the decode cache ---- */
static void code_invalidate(void *opaque, uint64_t pfn);

/* The physical address of an invalidated block: no fetch translates to it. */
#define PA_DEAD (~(phys_addr_t)0)

static void cache_reset(struct cpu *c)
{
	struct cpu_internal *in = c->in;
	jit_reset(c);
	memset(in->hash, 0, sizeof(*in->hash) * (in->hash_mask + 1));
	in->hash_count = 0;
	memset(in->pages, 0, sizeof(*in->pages) * (in->pages_mask + 1));
	in->arena_used = 0;
}

static void *arena_alloc(struct cpu_internal *in, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	if (in->arena_used + n > in->arena_size)
		return NULL;
	void *p = in->arena + in->arena_used;
	in->arena_used += n;
	return p;
}

static inline unsigned hash_pa(phys_addr_t pa, unsigned mask)
{
	return (unsigned)((pa * 0x9E3779B1u) >> 12) & mask;
}

/* Four times the buckets, every chain moved (a lookup compares the whole key, so the order
 * within a chain does not matter). Without memory for it the table stays as it is. */
static void hash_grow(struct cpu_internal *in)
{
	unsigned mask = ((in->hash_mask + 1) << 2) - 1;
	struct block **h = calloc(mask + 1, sizeof *h);
	if (!h)
		return;
	for (unsigned i = 0; i <= in->hash_mask; i++)
		for (struct block *b = in->hash[i], *next; b; b = next) {
			next = b->hnext;
			unsigned k = hash_pa(b->pa, mask);
			b->hnext = h[k];
			h[k] = b;
		}
	free(in->hash);
	in->hash = h;
	in->hash_mask = mask;
}

int cpu_init(struct cpu *c, struct mmu *m, struct counters *ctr)
{
	memset(c, 0, sizeof(*c));
	c->mmu = m;
	c->ctr = ctr;
	c->tlb_fetch_model = true;
	struct cpu_internal *in = calloc(1, sizeof(*in));
	if (!in)
		return -1;
	in->hash_mask = (1u << HASH_BITS_START) - 1;
	in->pages_mask = (1u << PAGES_BITS) - 1;
	in->hash = calloc(in->hash_mask + 1, sizeof(*in->hash));
	in->pages = calloc(in->pages_mask + 1, sizeof(*in->pages));
	in->arena_size = ARENA_SIZE;
	in->arena = malloc(in->arena_size);
	in->trunc = malloc(sizeof(struct block) + (BLOCK_MAX + 1) * sizeof(struct insn));
	if (!in->hash || !in->pages || !in->arena || !in->trunc) {
		free(in->trunc);
		free(in->hash);
		free(in->pages);
		free(in->arena);
		free(in);
		return -1;
	}
	in->eflags = 2;
	c->in = in;
	c->jit = jit_init(c) == 0;
	c->jit_threshold = 1;
	in->jit_fetch_model = c->tlb_fetch_model;
	x87_init(&c->fpu);
	sse_init(&c->sse);
	m->pm->code_invalidate = code_invalidate;
	m->pm->code_opaque = c;
	segf_update(c);
	return 0;
}

void cpu_destroy(struct cpu *c)
{
	if (!c->in)
		return;
	if (c->mmu && c->mmu->pm->code_opaque == c) {
		c->mmu->pm->code_invalidate = NULL;
		c->mmu->pm->code_opaque = NULL;
	}
	jit_destroy(c);
	free(c->in->hash);
	free(c->in->pages);
	free(c->in->arena);
	free(c->in->trunc);
	free(c->in);
	c->in = NULL;
}

static void stop_current(struct cpu_internal *in);

void cpu_flush_decoded(struct cpu *c)
{
	if (c->in->cur)
		stop_current(c->in);
	cache_reset(c);
}

static struct page_blocks **page_slot(struct cpu_internal *in, uint64_t pfn)
{
	struct page_blocks **pp = &in->pages[(unsigned)(pfn * 0x9E3779B1u >> 8) & in->pages_mask];
	while (*pp && (*pp)->pfn != pfn)
		pp = &(*pp)->next;
	return pp;
}

/* The sentinel after a block's last instruction. */
static int h_end(struct cpu *c, const struct insn *i)
{
	(void)c;
	(void)i;
	return X_END;
}

/* Replaces the rest of an invalidated executing block: leave it before the next instruction. */
static int h_stop(struct cpu *c, const struct insn *i)
{
	c->eip = i->eip;
	return X_RESTART;
}

/* The executing block was dropped: every instruction of it now leaves the block, so the next
 * instruction boundary re-decodes from memory (the one executing is unaffected). */
static void stop_current(struct cpu_internal *in)
{
	struct block *cur = (struct block *)in->cur;
	for (unsigned k = 0; k < cur->n; k++)
		cur->insns[k].fn = h_stop;
	in->stop = true;
}

/* Block b can no longer be found or entered (it stays on its frames' chains, invalid). */
static void block_drop(struct cpu *c, struct block *b)
{
	struct cpu_internal *in = c->in;
	b->valid = false;
	jit_block_dead(c, b);
	struct block **hp = &in->hash[hash_pa(b->pa, in->hash_mask)];
	while (*hp && *hp != b)
		hp = &(*hp)->hnext;
	if (*hp)
		*hp = b->hnext;
	b->pa = PA_DEAD; /* no successor link can match it now */
}

/* physmem calls this before a write lands in a frame holding decoded code. */
static void code_invalidate(void *opaque, uint64_t pfn)
{
	struct cpu *c = opaque;
	struct cpu_internal *in = c->in;
	struct page_blocks **pp = page_slot(in, pfn), *pb = *pp;
	if (!pb)
		return;
	*pp = pb->next;
	if (in->cur && ((in->cur->pa >> PAGE_SHIFT) == pfn ||
			(in->cur->straddle && (in->cur->pa2 >> PAGE_SHIFT) == pfn)))
		stop_current(in);
	for (struct block *b = pb->first, *next; b; b = next) {
		/* a block whose last instruction crosses into this frame from another one is
		 * on this frame's chain through pnext2 */
		next = b->in2 && (b->pa2 >> PAGE_SHIFT) == pfn ? b->pnext2 : b->pnext;
		if (b->valid) /* else dropped already (with its other frame) */
			block_drop(c, b);
	}
	counter_add(c->ctr, CTR_decode_cache_invalidations, 1);
}

/* Host pointer for an instruction fetch at lin. One modelled I-TLB lookup when the fetch
 * model is on; otherwise the fast table is consulted without counting. */
static inline uint8_t *fetch_ptr(struct cpu *c, uint32_t lin, struct x86_exception *ex)
{
	struct mmu *m = c->mmu;
	if (likely(c->tlb_fetch_model))
		return cpu_ptr(c, lin, ACC_FETCH);
	struct mmu_fast *f = &m->fast[ACC_FETCH][m->cpl == 3][(lin >> PAGE_SHIFT) & (MMU_FAST_SIZE - 1)];
	if (f->tag == (lin & PAGE_MASK))
		return mmu_fast_host(f, lin);
	return mmu_ptr_slow(m, lin, ACC_FETCH, ex);
}

struct block *cpu_find_block(struct cpu *c, phys_addr_t pa, uint32_t eip, bool code32)
{
	struct cpu_internal *in = c->in;
	for (struct block *b = in->hash[hash_pa(pa, in->hash_mask)]; b; b = b->hnext)
		if (b->pa == pa && b->eip == eip && b->code32 == code32)
			return b;
	return NULL;
}

/* The frame the fetch fast table maps lin's page to (the fetch of a crossing instruction's
 * bytes just installed it when that page is RAM), or false. */
static bool fetch_frame(struct cpu *c, uint32_t lin, phys_addr_t *pa)
{
	struct mmu_fast *f = fast_entry(c->in, lin, ACC_FETCH);
	if (!f)
		return false;
	*pa = (phys_addr_t)(mmu_fast_host(f, lin & PAGE_MASK) - c->mmu->pm->host);
	return true;
}

/* On every entry of a block whose last instruction crosses a page: the next page must still
 * map (fetch fast table) to the frame it was decoded from; its fetch is counted as a block
 * entry's is. Otherwise false: the instruction is then fetched afresh, faults included. */
static inline __attribute__((always_inline)) bool straddle_ok(struct cpu *c, const struct block *b,
							      uint32_t lin)
{
	if (likely(!b->straddle))
		return true;
	uint32_t lin2 = (lin & PAGE_MASK) + PAGE_SIZE;
	phys_addr_t pa2;
	if (!c->mmu->seg.sr[SR_CS].flat || !fetch_frame(c, lin2, &pa2) || pa2 != b->pa2)
		return false;
	if (c->tlb_fetch_model)
		cpu_ptr(c, lin2, ACC_FETCH);
	return true;
}

static void page_add(struct cpu_internal *in, uint64_t pfn, struct block *b, bool second)
{
	struct page_blocks **pp = page_slot(in, pfn);
	if (!*pp) {
		struct page_blocks *pb = arena_alloc(in, sizeof(*pb));
		pb->pfn = pfn;
		pb->first = NULL;
		pb->next = NULL;
		*pp = pb;
	}
	if (second)
		b->pnext2 = (*pp)->first;
	else
		b->pnext = (*pp)->first;
	(*pp)->first = b;
}

/* Decodes a block starting at host pointer hp (physical pa, linear lin); NULL when its first
 * instruction crosses the page end. */
static struct block *decode_block(struct cpu *c, uint8_t *hp, phys_addr_t pa, uint32_t lin,
				  bool code32)
{
	struct cpu_internal *in = c->in;
	struct fetch f = {.c = c, .eip = c->eip, .p = hp, .avail = PAGE_SIZE - (lin & ~PAGE_MASK)};
	size_t full = sizeof(struct block) + (BLOCK_MAX + 1) * sizeof(struct insn);
	size_t used0 = in->arena_used;
	struct block *b = arena_alloc(in, full);
	b->pa = pa;
	b->eip = c->eip;
	b->code32 = code32;
	b->valid = true;
	b->straddle = b->in2 = false;
	b->pa2 = 0;
	b->pnext2 = NULL;
	b->link[0] = b->link[1] = NULL;
	b->jit = b->jit_chain = b->jit_light = b->jit_bail = NULL;
	b->jit_in = NULL;
	b->runs = 0;
	b->sg_fails = 0;
	b->no_sg = false;
	unsigned n = 0;
	while (n < BLOCK_MAX) {
		struct insn *i = &b->insns[n];
		if (decode_insn(&f, code32, i))
			break;
		if (f.crossed) {
			/* kept as the last instruction when the next page is RAM the fetch
			 * reached through a flat CS */
			if (!c->mmu->seg.sr[SR_CS].flat ||
			    !fetch_frame(c, (lin & PAGE_MASK) + PAGE_SIZE, &b->pa2))
				break;
			b->straddle = true;
			n++;
			break;
		}
		n++;
		if (i->jcc)
			i->imm2 = 1; /* count the fall-through fetch (cleared below if last) */
		f.p += i->len;
		f.avail -= i->len;
		f.eip += i->len;
		if (i->ends || f.avail == 0)
			break;
	}
	if (n == 0) {
		in->arena_used = used0;
		return NULL;
	}
	if (b->insns[n - 1].jcc)
		b->insns[n - 1].imm2 = 0;
	in->arena_used = used0 + ((sizeof(struct block) + (n + 1) * sizeof(struct insn) + 15) & ~(size_t)15);
	b->n = (uint16_t)n;
	memset(&b->insns[n], 0, sizeof(b->insns[n]));
	b->insns[n].fn = h_end;
	uint64_t pfn = pa >> PAGE_SHIFT;
	page_add(in, pfn, b, false);
	if (b->straddle && (b->pa2 >> PAGE_SHIFT) != pfn) {
		b->in2 = true;
		page_add(in, b->pa2 >> PAGE_SHIFT, b, true);
		mmu_mark_code_frame(c->mmu, b->pa2 >> PAGE_SHIFT);
	}
	if (++in->hash_count > 2 * (in->hash_mask + 1) && in->hash_mask < (1u << HASH_BITS) - 1)
		hash_grow(in);
	unsigned h = hash_pa(pa, in->hash_mask);
	b->hnext = in->hash[h];
	in->hash[h] = b;
	mmu_mark_code_frame(c->mmu, pfn);
	return b;
}

/* One instruction decoded for a single execution (crossing a page, or outside RAM). */
static struct block *decode_single(struct cpu *c, uint8_t *hp, uint32_t lin, struct insn *single,
				   bool *fault)
{
	struct fetch f = {.c = c, .eip = c->eip, .p = hp,
			  .avail = hp ? PAGE_SIZE - (lin & ~PAGE_MASK) : 0};
	if (decode_insn(&f, c->in->code32, single))
		*fault = true;
	return NULL;
}

/*
 * Finds or builds the block at eip. prev is the block that just ran (its successor links
 * are tried before the hash table). Returns the block, or NULL with *single filled (an
 * instruction that crosses a page or sits outside RAM: executed once, uncached), or NULL
 * with *fault set.
 */
static inline __attribute__((always_inline)) struct block *
get_block(struct cpu *c, struct block *prev, struct insn *single, bool *fault, uint64_t *hits)
{
	struct cpu_internal *in = c->in;
	struct mmu *m = c->mmu;
	const struct seg_cache *cs = &m->seg.sr[SR_CS];
	uint32_t lin = c->eip;
	*fault = false;
	if (unlikely(!cs->flat)) {
		if (seg_check(cs, SR_CS, c->eip, 1, ACC_FETCH, &lin, &in->ex)) {
			*fault = true;
			return NULL;
		}
	}
	uint8_t *hp = fetch_ptr(c, lin, &in->ex);
	if (unlikely(!hp)) {
		if (in->ex.vector != 0xFFFF) {
			*fault = true;
			return NULL;
		}
		return decode_single(c, NULL, lin, single, fault); /* not RAM: fetch via mmu_read */
	}
	phys_addr_t pa = (phys_addr_t)(hp - m->pm->host);
	bool code32 = in->code32;
	struct block *b;
	if (prev) {
		/* an invalidated block has pa PA_DEAD and never matches */
		b = prev->link[0];
		if (b && b->eip == c->eip && b->pa == pa && b->code32 == code32 &&
		    straddle_ok(c, b, lin)) {
			(*hits)++;
			return b;
		}
		b = prev->link[1];
		if (b && b->eip == c->eip && b->pa == pa && b->code32 == code32 &&
		    straddle_ok(c, b, lin)) {
			(*hits)++;
			return b;
		}
	}
	if ((b = cpu_find_block(c, pa, c->eip, code32)) != NULL) {
		if (likely(straddle_ok(c, b, lin))) {
			(*hits)++;
			goto link;
		}
		/* the next page is not in the fetch table (the byte-by-byte fetch below
		 * translates it, faults included), or maps another frame now: the block is
		 * dropped and decoded afresh */
		block_drop(c, b);
	}
	counter_add(c->ctr, CTR_decode_cache_misses, 1);
	size_t need = sizeof(struct block) + (BLOCK_MAX + 1) * sizeof(struct insn) + sizeof(struct page_blocks) + 32;
	if (in->arena_used + need > in->arena_size || jit_space_low(c)) {
		cache_reset(c);
		prev = NULL;
	}
	b = decode_block(c, hp, pa, lin, code32);
	if (!b)
		return decode_single(c, hp, lin, single, fault);
link:
	if (prev) {
		prev->link[1] = prev->link[0];
		prev->link[0] = b;
	}
	return b;
}

enum cpu_exit cpu_run(struct cpu *c, uint64_t max_insns, struct x86_exception *ex)
{
	struct cpu_internal *in = c->in;
	uint64_t start = c->insns, end = c->insns + max_insns;
	enum cpu_exit why = CPU_EXIT_LIMIT;
	struct insn single[2];
	struct block *prev = NULL;
	uint64_t hits = 0; /* decode-cache hits, added to the counter on the way out */
	segf_update(c);
	memset(&single[1], 0, sizeof(single[1]));
	single[1].fn = h_end;
	in->jit_link_site = NULL;
	if (unlikely(in->jit_fetch_model != c->tlb_fetch_model)) {
		/* compiled code counts fetches or not: recompile for the new setting */
		cache_reset(c);
		in->jit_fetch_model = c->tlb_fetch_model;
	}
	for (;;) {
		if (c->insns >= end)
			break;
		if (unlikely(in->jit_full)) {
			cache_reset(c);
			in->jit_full = false;
			prev = NULL;
		}
		/* EFLAGS.TF at an instruction's start: it runs alone, then #DB (a trap) */
		bool tf = in->eflags & EFL_TF;
		uint64_t stop = tf ? c->insns + 1 : end;
		bool fault;
		struct block *b = get_block(c, prev, &single[0], &fault, &hits);
		const struct insn *i;
		if (b && !tf && c->jit && in->jit && (uint64_t)b->n <= end - c->insns &&
		    jit_regime_ok(c)) {
			/* compiled code: it may run on through chained blocks */
			if (b->jit || (++b->runs >= c->jit_threshold && jit_compile(c, b))) {
				jit_link(c, b);
				/* at most 2^30 instructions per entry: the packed hit counts
				 * of compiled code (jit.h, J_FETCH) stay below 2^32 */
				in->jit_end = end - c->insns > (1u << 30) ? c->insns + (1u << 30) : end;
				int r = jit_run(c, b);
				in->stop = false;
				in->cur = NULL;
				prev = NULL;
				if (likely(r == J_CONT)) {
					if (likely(!in->jit_resume))
						continue;
					/* it left inside a block (a segment load made ES, SS or
					 * DS unfit for it, or the block was invalidated): the
					 * rest of the block interpreted, as if it had run so all
					 * along (an invalidated block's instructions leave) */
					b = in->jit_resume;
					i = &b->insns[in->jit_resume_k];
					in->jit_resume = NULL;
					if (unlikely(b->sg_fails >= JIT_SG_FAILS && !b->no_sg)) {
						/* its access groups keep failing their checks
						 * (jit_group.c): compiled again without them */
						b->no_sg = true;
						jit_block_dead(c, b);
						b->runs = 0;
					}
					if (in->eflags & EFL_TF)
						continue; /* single-stepped from cpu_run's loop */
					in->cur = b;
					goto interpret;
				}
				*ex = in->ex;
				why = r == J_EXC ? CPU_EXIT_EXCEPTION : in->exit_code;
				break;
			}
		}
		in->jit_link_site = NULL;
		if (b) {
			struct block *run = b;
			if ((uint64_t)b->n > stop - c->insns) {
				/* the budget (or single-stepping) ends inside the block: run a copy
				 * cut short by its own sentinel (it stands in for the block if code
				 * is invalidated) */
				unsigned k = (unsigned)(stop - c->insns);
				run = in->trunc;
				run->pa = b->pa;
				run->eip = b->eip;
				run->code32 = b->code32;
				run->straddle = b->straddle;
				run->pa2 = b->pa2;
				run->n = (uint16_t)k;
				memcpy(run->insns, b->insns, k * sizeof(struct insn));
				run->insns[k] = single[1];
			}
			i = run->insns;
			in->cur = run;
		} else if (fault) {
			*ex = in->ex;
			why = CPU_EXIT_EXCEPTION;
			break;
		} else {
			i = &single[0];
			in->cur = NULL;
		}
	interpret:
		prev = b;
		const struct insn *first = i;
		in->blk_first = first;
		in->stop = false;
		in->at = i;
		/* handlers chain to their successors; one that returns X_NEXT is continued here */
		int r = i->fn(c, i);
		while (unlikely(r == X_NEXT)) {
			i = in->at + 1;
			in->at = i;
			r = i->fn(c, i);
		}
		i = in->at;
		in->cur = NULL;
		c->insns += (uint64_t)(i - first);
		if (likely(r == X_END)) {
			c->eip = i[-1].eip + i[-1].len;
			if (unlikely(tf) && i != first)
				goto single_step;
			continue;
		}
		if (r == X_JUMP) {
			if (b && i >= b->insns && i + 1 < b->insns + b->n && i->taken < UINT8_MAX)
				b->insns[i - b->insns].taken++;
			c->insns++;
			if (unlikely(tf))
				goto single_step;
			continue;
		}
		if (r == X_RESTART)
			continue;
		if (r == X_EXC) {
			c->eip = i->eip;
			*ex = in->ex;
			why = CPU_EXIT_EXCEPTION;
			break;
		}
		c->insns++;
		*ex = in->ex;
		why = in->exit_code;
		break;
	single_step:
		/* the instruction completed with TF set at its start (an INT n, a fault or a
		 * restart does not get here): #DB with DR6.BS, EIP after it */
		*ex = (struct x86_exception){.vector = X86_DB, .error_code = DR6_BS};
		why = CPU_EXIT_EXCEPTION;
		break;
	}
	counter_add(c->ctr, CTR_decode_cache_hits, hits + in->dc_hits);
	in->dc_hits = 0;
	cpu_flush_fast_hits(c);
	x87_writeback(&c->fpu); /* the FPU state may be in the host x87 (docs/x87.md) */
	counter_add(c->ctr, CTR_insns_retired, c->insns - start);
	if (why == CPU_EXIT_EXCEPTION)
		counter_add(c->ctr, CTR_exceptions, 1);
	return why;
}
