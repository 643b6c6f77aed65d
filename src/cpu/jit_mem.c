/*
 * Memory accesses in compiled code: effective addresses, the MMU fast table inline with
 * its exact TLB bookkeeping (LRU stamp, batched hit counts in registers), the kept
 * translations of the last accesses, and the instruction-fetch lookup of a Jcc's
 * fall-through. See docs/jit.md.
 */
#include "cpu/jit.h"

/* jcc_fallthrough_slow's lookup: true when the fetch can go on */
static int jit_fetch_slow(struct cpu *c, uint32_t lin)
{
	return mmu_ptr_slow(c->mmu, lin, ACC_FETCH, &c->in->ex) != NULL;
}

void jit_ea(struct jit *j, const struct insn *i)
{
	struct emit *e = &j->e;
	/* base and index from the host registers that hold them (jit_regs.c), else from
	 * c->regs (exact here: an instruction with a memory operand is never pure) into RSI
	 * or RAX, whichever the other does not hold; nothing told to jit_regs.c (the caller
	 * says what the whole access changed) */
	int hb = i->base != NOREG ? jit_reg_cached(j, i->base) : -1;
	int hx = i->index != NOREG ? jit_reg_cached(j, i->index) : -1;
	int32_t d = (int32_t)i->disp;
	if (i->base != NOREG && hb < 0) {
		hb = hx == RSI ? RAX : RSI;
		e_load(e, 4, (unsigned)hb, J_CPU, O_REG(i->base));
	}
	if (i->index != NOREG && hx < 0) {
		hx = hb == RAX ? RSI : RAX;
		e_load(e, 4, (unsigned)hx, J_CPU, O_REG(i->index));
	}
	if (hb >= 0 && hx >= 0)
		e_lea_sib(e, RSI, (unsigned)hb, (unsigned)hx, i->scale, d);
	else if (hb >= 0) {
		if (hb != RSI || d)
			e_lea(e, 4, RSI, (unsigned)hb, d);
	} else if (hx >= 0)
		e_lea_idx(e, RSI, (unsigned)hx, i->scale, d);
	else
		e_mov_ri(e, RSI, i->disp);
}

static const unsigned rc_reg[JIT_RC] = {R8, R9, R10};

/* Only LRU replacement reads the stamps (FIFO takes the fill order, random a draw): under
 * the others compiled code leaves them out. */
bool jit_lru(const struct jit *j)
{
	return j->c->mmu->tlbcfg.policy == TLB_LRU;
}

static bool tlb_modelled(const struct jit *j, unsigned acc)
{
	return acc == ACC_FETCH ? j->c->mmu->itlb : j->c->mmu->dtlb;
}
/* ---- LRU stamps (struct jit_lru) ---- */
static bool lru_ticks(const struct jit *j, unsigned acc)
{
	return tlb_modelled(j, acc) && jit_lru(j);
}

/* An event of the block's body, recorded by the first compilation (jit_look) */
void jit_look_ev(struct jit *j, unsigned type, unsigned ent)
{
	if (!j->body || !j->rec || !j->look)
		return;
	if (j->nev < JIT_EV_MAX)
		j->look->ev[j->nev] = (uint8_t)(type << 4 | ent);
	j->nev++;
}
/* Whether the body's next stamp is owed (a later one of the same entity supersedes it, as
 * the first compilation found) */
static bool look_owes(const struct jit *j)
{
	return j->body && !j->rec && j->look && j->nstamp < j->look->nstamp &&
	       j->look->owe[j->nstamp];
}
/* A stamp of entity ent: whether it is owed */
static bool look_stamp(struct jit *j, unsigned ent)
{
	if (!j->body)
		return false;
	jit_look_ev(j, JIT_EV_STAMP, ent);
	bool owe = look_owes(j);
	j->nstamp++;
	return owe;
}

/* A stamp at a new tick through the fast slot at [slot + disp] (its entry through tmp): the
 * mirrored TLB entry's, as cpu_ptr does. Compiled code runs with paging on (jit_regime_ok),
 * where every fast entry of a modelled TLB mirrors a TLB entry (install_fast), so the entry
 * needs no NULL test. */
static void stamp_now(struct jit *j, unsigned slot, int32_t disp, unsigned tmp)
{
	struct emit *e = &j->e;
	uint32_t t = ++j->lru.tk;
	e_load(e, 8, tmp, slot, disp + (int32_t)offsetof(struct mmu_fast, tlbe));
	/* (an LEA: the host's flags stay, for a Jcc's fall-through that passes them on) */
	e_lea(e, 8, J_LRU, J_LRU, (int32_t)(t - j->lru.tr) * JIT_TICK);
	e_store(e, 8, J_LRU, tmp, (int32_t)offsetof(struct tlb_entry, last_use));
	j->lru.tr = t;
	j->lru.last = 0;
}

void jit_stamp_hit(struct jit *j, unsigned ent, int32_t disp, unsigned acc, unsigned tmp)
{
	if (lru_ticks(j, acc))
		stamp_now(j, ent, disp, tmp);
}

/* The stamp of a hit through entity ent, whose fast slot is at [slot + disp]: owed, or at
 * its tick now (which supersedes what the entity owed: the same entry on this path). */
static void stamp_ent(struct jit *j, unsigned ent, unsigned slot, int32_t disp, unsigned acc,
		      unsigned tmp)
{
	if (!lru_ticks(j, acc) || j->lru.last == ent + 1)
		return;
	if (look_stamp(j, ent))
		j->lru.owe[ent] = ++j->lru.tk;
	else {
		j->lru.owe[ent] = 0;
		stamp_now(j, slot, disp, tmp);
	}
	j->lru.last = (uint8_t)(ent + 1);
}

/* Entity ent's owed stamp into its entry, unless the entry has a newer one (another kept
 * register may mirror it, or C code stamped it after the stamp was owed): through ra (the
 * entry) and rb (the value); no jump, so that the register cache may stay. True when it
 * wrote one (its compare changed the host's flags). */
static bool flush_ent(struct jit *j, unsigned ent, unsigned ra, unsigned rb)
{
	struct emit *e = &j->e;
	uint32_t t = j->lru.owe[ent];
	if (!t)
		return false;
	const int32_t lu = (int32_t)offsetof(struct tlb_entry, last_use);
	if (ent == JIT_ENT_FETCH) {
		e_load(e, 8, ra, J_IN, O_IN(fast) + 8 * ACC_FETCH);
		e_load(e, 8, ra, ra,
		       jit_fast_slot(j->lru.fpage) + (int32_t)offsetof(struct mmu_fast, tlbe));
	} else
		e_load(e, 8, ra, rc_reg[ent], (int32_t)offsetof(struct mmu_fast, tlbe));
	e_lea(e, 8, rb, J_LRU, ((int32_t)t - (int32_t)j->lru.tr) * JIT_TICK);
	e_umax_rm(e, rb, ra, lu);
	e_store(e, 8, rb, ra, lu);
	j->lru.owe[ent] = 0;
	return true;
}

/* Entity ent is about to stand for another entry: what it owed written first (true: some
 * was, flush_ent). */
static bool kill_ent(struct jit *j, unsigned ent, unsigned ra, unsigned rb)
{
	jit_look_ev(j, JIT_EV_KILL, ent);
	bool flushed = flush_ent(j, ent, ra, rb);
	if (j->lru.last == ent + 1)
		j->lru.last = 0;
	return flushed;
}

/* Every owed stamp written, and J_LRU at the last tick issued (compile time's state then
 * says nothing is owed). */
static void lru_advance(struct jit *j, unsigned ra, unsigned rb)
{
	for (unsigned k = 0; k < JIT_ENTS; k++)
		flush_ent(j, k, ra, rb);
	if (j->lru.tk != j->lru.tr)
		e_lea(&j->e, 8, J_LRU, J_LRU, (int32_t)(j->lru.tk - j->lru.tr) * JIT_TICK);
	j->lru.tr = j->lru.tk;
}

void jit_lru_exit(struct jit *j, unsigned ra, unsigned rb)
{
	if (!jit_lru(j))
		return;
	/* (the next block's ticks start a tick further, above the stamps that C code and
	 * out-of-line hits with no tick may have left in this one's gap; C code, the
	 * epilogue's and any call's, starts above them too) */
	struct jit_lru keep = j->lru;
	lru_advance(j, ra, rb);
	j->lru = keep;
}

void jit_lru_kill_kept(struct jit *j, unsigned ra, unsigned rb)
{
	for (unsigned k = 0; k < JIT_RC; k++)
		kill_ent(j, k, ra, rb);
}

void jit_lru_rejoin(struct jit *j, const struct jit_lru *join, unsigned k)
{
	struct emit *e = &j->e;
	if (!jit_lru(j))
		return;
	/* RAX = the value of the join's tick, which the call was made at */
	e_load(e, 8, RAX, J_IN, O_IN(jit_lru_mark));
	e_lea(e, 8, RCX, RAX, JIT_TICK);
	e_alu_rr(e, 8, 7, J_LRU, RCX);
	uint8_t *ok = e_jcc(e, CC_B);
	jit_leave_resume(j, k);
	e_label(e, ok);
	e_store(e, 8, J_LRU, J_IN, O_IN(jit_lru_floor));
	e_lea(e, 8, J_LRU, RAX, -(int32_t)(join->tk - join->tr) * JIT_TICK);
	j->lru = *join;
	j->lru.last = 0;
}

/* The hit's count: at compile time, added to the registers at the next sync */
static void add_hit(struct jit *j, unsigned acc)
{
	if (tlb_modelled(j, acc))
		++*(acc == ACC_FETCH ? &j->pend_f : &j->pend_d);
}
/* Both, through RDX, for a slot no entity stands for. */
static void count_hit(struct jit *j, unsigned ent, int32_t disp, unsigned acc)
{
	jit_stamp_hit(j, ent, disp, acc, RDX);
	add_hit(j, acc);
}

bool jit_kept_stamps(const struct jit *j, unsigned k, enum mmu_access acc)
{
	return lru_ticks(j, acc) && j->lru.last != k + 1 && !look_owes(j);
}

/* A hit through kept translation k: its stamp (owed when a later hit through k supersedes
 * it) and its count. */
void jit_count_kept(struct jit *j, unsigned k, enum mmu_access acc, unsigned tmp)
{
	stamp_ent(j, k, rc_reg[k], 0, acc, tmp);
	add_hit(j, acc);
}

/* The stamp of a fetch hit on page's slot in the fetch table at RDX (what the fetch entity
 * owed another page's slot written first, through RAX and RCX): the fetch entity's when page is the
 * one whose slot the fast path keeps checked (j->fpage: stubs check it again), else at its tick
 * now. True when the host's flags changed (only a flush of what was owed changes them: the
 * stamps advance the clock with LEA). */
bool jit_stamp_fetch(struct jit *j, uint32_t page, unsigned tmp)
{
	bool flushed = false;
	if (j->lru.fpage != page || page != j->fpage)
		flushed = kill_ent(j, JIT_ENT_FETCH, RAX, RCX);
	if (page == j->fpage) {
		j->lru.fpage = page;
		stamp_ent(j, JIT_ENT_FETCH, RDX, jit_fast_slot(page), ACC_FETCH, tmp);
	} else
		jit_stamp_hit(j, RDX, jit_fast_slot(page), ACC_FETCH, tmp);
	return flushed;
}

void jit_pend_flush(struct jit *j)
{
	if (j->pend_d)
		e_lea(&j->e, 8, J_HITS, J_HITS, (int32_t)j->pend_d);
	if (j->pend_f)
		e_lea(&j->e, 8, J_FETCH, J_FETCH, (int32_t)j->pend_f);
}

void jit_pend_rejoin(struct jit *j, unsigned d, unsigned f)
{
	if (d)
		e_lea(&j->e, 8, J_HITS, J_HITS, -(int32_t)d);
	if (f)
		e_lea(&j->e, 8, J_FETCH, J_FETCH, -(int32_t)f);
	j->pend_d = d;
	j->pend_f = f;
}

/* Before C code runs: the clock and the pending hits where C sees them. Uses RCX only
 * (argument registers RDI, RSI, RDX and the result in RAX stay). */
void jit_sync_out(struct emit *e)
{
	e_load(e, 8, RCX, J_CPU, (int32_t)offsetof(struct cpu, mmu));
	e_store(e, 8, J_LRU, RCX, (int32_t)offsetof(struct mmu, lru_clock));
	e_alu_mr(e, 8, 0, J_IN, O_IN(fast_hits) + 8 * ACC_READ, J_HITS);
	e_alu_rr(e, 4, 6, J_HITS, J_HITS);
	e_mov_rr(e, 4, RCX, J_FETCH); /* the low half: fetch hits */
	e_alu_mr(e, 8, 0, J_IN, O_IN(fast_hits) + 8 * ACC_FETCH, RCX);
	e_shift_ri(e, 8, 5, J_FETCH, 32); /* the high half: decode-cache hits */
	e_alu_mr(e, 8, 0, J_IN, O_IN(dc_hits), J_FETCH);
	e_alu_rr(e, 4, 6, J_FETCH, J_FETCH);
}

void jit_call_sync(struct jit *j, const void *fn)
{
	j->fpage = JIT_FPAGE_NONE; /* C code may replace any fast slot */
	j->fframe = false;
	jit_pend_flush(j);
	j->pend_d = j->pend_f = 0;
	jit_look_ev(j, JIT_EV_CALL, 0);
	/* the owed stamps written, and C code's clock at the tick issued last (the mark), or
	 * above what the C code of a stub that rejoined since left (the floor): its stamps come
	 * after all those, and, where a stub rejoins, before the fast path's next tick
	 * (jit_lru_rejoin) */
	if (jit_lru(j)) {
		lru_advance(j, RAX, RCX);
		e_store(&j->e, 8, J_LRU, J_IN, O_IN(jit_lru_mark));
		e_umax_rm(&j->e, J_LRU, J_IN, O_IN(jit_lru_floor));
	}
	memset(&j->lru, 0, sizeof j->lru);
	jit_sync_out(&j->e);
	e_call(&j->e, fn);
	jit_rc_kill(j); /* C code took R8..R10: the dead slot there, as every block expects */
	jit_rc_forget(j);
	e_load(&j->e, 8, RCX, J_CPU, (int32_t)offsetof(struct cpu, mmu));
	e_load(&j->e, 8, J_LRU, RCX, (int32_t)offsetof(struct mmu, lru_clock));
}

/* The segment part of an access through sr at offset ESI: a segment the fast path cannot
 * take sends the instruction to its slow path. DS, ES, SS and CS must be flat, so ESI is the
 * linear address already (ES, SS and DS are checked once, at the block's entry, unless a
 * handler has run since); FS and GS (the TLS segments) may have any base with a 4 GB limit,
 * added to ESI here (a 32-bit add: linear addresses wrap at 4 GB as the processor's do). */
static void seg_prologue(struct jit *j, unsigned sr, enum mmu_access acc)
{
	struct emit *e = &j->e;
	bool based = sr == SR_FS || sr == SR_GS;
	unsigned need = acc == ACC_WRITE ? SEGF_W : SEGF_R;
	if (j->seg_flat && sr <= SR_DS && (SEGF_JIT_MASK >> (8 * sr) & need))
		return; /* checked at the block's entry, and no handler ran since */
	e_test_m8(e, J_IN, O_IN(segf) + (int32_t)sr, based ? need << 2 : need);
	jit_fb_jump(j, CC_E);
	if (based)
		e_alu_rm(e, 4, 0, RSI, J_IN, O_IN(segbase) + 4 * (int32_t)sr);
}

/* The fast-table lookup of sz bytes at the linear address in ESI: ent = the entry, and
 * the flags say whether its tag matches (ZF: the access is in its page, not crossing into
 * the next). Clobbers tmp. */
void jit_table_probe(struct jit *j, unsigned sz, enum mmu_access acc, unsigned ent, unsigned tmp)
{
	struct emit *e = &j->e;
	/* ent = the fast entry: (lin >> 12) & (MMU_FAST_SIZE - 1), times its size */
	_Static_assert(sizeof(struct mmu_fast) == 32 && MMU_FAST_SIZE == 1024, "fast entry");
	e_mov_rr(e, 4, ent, RSI);
	e_shift_ri(e, 4, 5, ent, PAGE_SHIFT - 5);
	e_alu_ri(e, 4, 4, ent, (MMU_FAST_SIZE - 1) << 5);
	e_alu_rm(e, 8, 0, ent, J_IN, O_IN(fast) + 8 * (int32_t)acc);
	/* the tag against the page of the last byte: a miss also when the access crosses
	 * into the next page */
	e_lea(e, 4, tmp, RSI, (int32_t)sz - 1);
	e_alu_ri(e, 4, 4, tmp, (int32_t)PAGE_MASK);
	e_alu_rm(e, 4, 7, tmp, ent, (int32_t)offsetof(struct mmu_fast, tag));
}
static void table_lookup(struct jit *j, unsigned sz, enum mmu_access acc, unsigned ent,
			 unsigned tmp)
{
	jit_table_probe(j, sz, acc, ent, tmp);
	jit_fb_jump(j, CC_NE);
}

void jit_mem_check(struct jit *j, unsigned sr, unsigned sz, enum mmu_access acc, unsigned ent)
{
	seg_prologue(j, sr, acc);
	table_lookup(j, sz, acc, ent, RCX);
}

void jit_mem_finish(struct jit *j, unsigned ent, unsigned addr, unsigned dst, enum mmu_access acc)
{
	struct emit *e = &j->e;
	count_hit(j, ent, 0, acc);
	e_load(e, 8, dst, ent, (int32_t)offsetof(struct mmu_fast, addend));
	e_alu_rr(e, 8, 0, dst, addr); /* addr is zero-extended (written as 32 bits) */
}

/* ESP's accesses keep R9. Of the other base registers, the two with the most accesses in the
 * block keep R8 and R10, and the rest share R8: optimised code rarely uses EBP as a frame
 * pointer, and a loop that walks two arrays through two registers (gzip's longest_match,
 * strcmp) would otherwise replace one translation with the other at every access. Which of
 * R8 and R10 a base takes follows the parity of its register number where it can (R8 for
 * an even one): blocks are compiled one at a time, and two blocks of one loop that each walk
 * one array, through different registers (gzip's longest_match: the window through ECX,
 * prev[] through EAX), would otherwise both take R8 and replace each other's entry on every
 * iteration (gzip 0.97x the time). The choice changes only which accesses find their page
 * kept, never what is counted. */
void jit_rc_assign(struct jit *j)
{
	unsigned n[8] = {0};
	for (unsigned k = 0; k < j->b->n; k++) {
		const struct insn *i = &j->b->insns[k];
		if (!i->mod3 && i->base < 8 && i->base != R_ESP)
			n[i->base]++;
	}
	unsigned first = R_ESP, second = R_ESP;
	for (unsigned r = 0; r < 8; r++) {
		if (r == R_ESP || !n[r])
			continue;
		if (first == R_ESP || n[r] > n[first]) {
			second = first;
			first = r;
		} else if (second == R_ESP || n[r] > n[second])
			second = r;
	}
	memset(j->rc_of, 0, sizeof j->rc_of);
	j->rc_of[R_ESP] = 1;
	if (second != R_ESP) { /* R8 to an even one if either is */
		j->rc_of[first & 1 ? first : second] = 2;
	} else if (first != R_ESP && first & 1)
		j->rc_of[first] = 2;
}

void jit_rc_forget(struct jit *j)
{
	j->sg_ok = false; /* what R9 holds is no longer known */
	for (unsigned k = 0; k < JIT_RC; k++)
		j->rc[k] = -1;
}

/* Runtime: the kept translations point at an entry no address matches (its 64-bit tag is
 * above 32 bits). */
void jit_emit_rc_kill(struct emit *e, const struct mmu_fast *dead)
{
	e_mov_ri64(e, R8, (uint64_t)(uintptr_t)dead);
	e_mov_rr(e, 8, R9, R8);
	e_mov_rr(e, 8, R10, R8);
}

void jit_rc_kill(struct jit *j)
{
	j->sg_ok = false; /* R9 with the rest */
	jit_emit_rc_kill(&j->e, &j->c->in->jit->dead);
}

void jit_mem(struct jit *j, unsigned sr, unsigned sz, enum mmu_access acc, unsigned base)
{
	unsigned k = base < 8 ? j->rc_of[base] : 0;
	/* while an access group holds, R9 is its own (jit_group.c): the others take R8 */
	jit_mem_kept(j, sr, sz, acc, k == 1 && j->sg_ok ? 0 : k);
}

/* Where a write fast slot may serve a read as the interpreter's read would be served: with a
 * hardware-walked TLB the read is a TLB hit on the same entry, counted alike (software refill
 * can leave a 4 KB and a large entry for one page); with none, the read slot of a page with a
 * write slot is always there (mmu.c's fast_pair_read_write), so neither engine walks. */
bool jit_write_serves_read(const struct mmu *m)
{
	return !m->dtlb || m->tlbcfg.refill == TLB_REFILL_HW;
}

void jit_mem_kept(struct jit *j, unsigned sr, unsigned sz, enum mmu_access acc, unsigned k)
{
	struct emit *e = &j->e;
	unsigned r = rc_reg[k];
	/* a kept entry serves an access of its own kind, and a write one reads too where
	 * jit_write_serves_read says. A read one never serves a write: the page may be clean,
	 * or a frame holding code. */
	int rc = j->rc[k];
	bool write_serves_read = jit_write_serves_read(j->c->mmu);
	seg_prologue(j, sr, acc);
	_Static_assert(JIT_RC_ANY != ACC_READ && JIT_RC_ANY != ACC_WRITE, "kept kinds");
	if (rc >= 0 && (rc == (int)acc || (acc == ACC_READ && write_serves_read))) {
		/* (address ^ tag) <= 4096 - size: the entry's page, not crossing its end */
		_Static_assert(offsetof(struct mmu_fast, tag_hi) == 4, "64-bit tag");
		e_mov_rr(e, 8, RAX, RSI);
		e_alu_rm(e, 8, 6, RAX, r, (int32_t)offsetof(struct mmu_fast, tag));
		e_alu_ri(e, 8, 7, RAX, (int32_t)(PAGE_SIZE - sz));
		uint8_t *other = e_jcc(e, CC_A);
		/* a TLB hit on the same entry, counted as ever */
		struct jit_lru at = j->lru;
		jit_count_kept(j, k, acc, RDI);
		bool skip = lru_ticks(j, acc) && j->lru.tk == at.tk;
		uint8_t *back = e->p;
		e->label = back; /* the miss path rejoins here (its count is compile time's) */
		e_load(e, 8, RDI, r, (int32_t)offsetof(struct mmu_fast, addend));
		e_alu_rr(e, 8, 0, RDI, RSI);
		if (j->ncold < j->cold_max)
			j->cold[j->ncold++] =
			    (struct jit_cold){.from = other,
					      .back = back,
					      .sz = sz,
					      .acc = acc,
					      .r = r,
					      .k = k,
					      .lru = at,
					      .stamped = j->lru.tk != at.tk && !j->lru.owe[k],
					      .skip = skip};
		else
			j->fb_overflow = true; /* no room: the handler runs it */
	} else {
		/* k gets another entry: what it owed goes to the one it held */
		kill_ent(j, k, RAX, RDI);
		table_lookup(j, sz, acc, RAX, RDI);
		stamp_ent(j, k, RAX, 0, acc, RDI);
		add_hit(j, acc);
		e_load(e, 8, RDI, RAX, (int32_t)offsetof(struct mmu_fast, addend));
		e_alu_rr(e, 8, 0, RDI, RSI);
		e_mov_rr(e, 8, r, RAX);
	}
	j->rc[k] = (int)acc;
	j->mb = RDI;
	j->md = 0;
}

/* The kept entry r missed: the table lookup (a miss there jumps to the instruction's slow
 * path), the new entry stamped and kept in r, then back to the kept path's count. */
void jit_emit_cold(struct jit *j, const struct jit_cold *c)
{
	struct emit *e = &j->e;
	e_label(e, c->from);
	j->lru = c->lru;
	/* through RAX and RDI alone (the fast path keeps guest registers in the others) */
	flush_ent(j, c->k, RAX, RDI); /* owed to the entry r held */
	table_lookup(j, c->sz, c->acc, RAX, RDI);
	if (c->stamped) { /* the fast path's stamp, on the new entry (owed: owed there too) */
		stamp_now(j, RAX, 0, RDI);
	} else if (c->skip) {
		/* the fast path's entry had the newest stamp; the new one needs a newer one,
		 * in the last tick's gap above whatever C code or another such hit left there
		 * (the floor, which it becomes), or the instruction goes to its handler */
		int32_t v = (int32_t)(c->lru.tk - c->lru.tr) * JIT_TICK;
		e_lea(e, 8, RDI, J_LRU, v);
		e_umax_rm(e, RDI, J_IN, O_IN(jit_lru_floor));
		e_lea(e, 8, RDI, RDI, 1);
		e_alu_rr(e, 8, 5, RDI, J_LRU); /* (its distance from the clock) */
		e_alu_ri(e, 8, 7, RDI, v + JIT_TICK);
		jit_fb_jump(j, CC_AE);
		e_alu_rr(e, 8, 0, RDI, J_LRU);
		e_store(e, 8, RDI, J_IN, O_IN(jit_lru_floor));
		e_mov_rr(e, 8, c->r, RAX);
		e_load(e, 8, RAX, RAX, (int32_t)offsetof(struct mmu_fast, tlbe));
		e_store(e, 8, RDI, RAX, (int32_t)offsetof(struct tlb_entry, last_use));
		e_patch(e_jmp(e), c->back);
		return;
	}
	e_mov_rr(e, 8, c->r, RAX);
	e_patch(e_jmp(e), c->back);
}

/* Whether the fetch fast table in RDX maps lin's page to the frame at pa: the entry's tag
 * and frame number (install_fast) in one 64-bit compare, through RAX; a mismatch jumps to
 * *miss (patched by the caller). */
void jit_fetch_frame_lookup(struct jit *j, uint32_t lin, phys_addr_t pa, uint8_t **miss)
{
	struct emit *e = &j->e;
	_Static_assert(offsetof(struct mmu_fast, tag_hi) == 4, "64-bit tag");
	e_mov_ri64(e, RAX, (uint64_t)(pa >> PAGE_SHIFT) << 32 | (lin & PAGE_MASK));
	e_alu_rm(e, 8, 7, RAX, RDX, jit_fast_slot(lin) + (int32_t)offsetof(struct mmu_fast, tag));
	*miss = e_jcc(e, CC_NE);
}

/* The I-TLB lookup of a fetch at lin whose slot and tag are known here, in the fetch fast
 * table the caller loaded into RDX: a tag mismatch jumps to *miss (patched by the caller). */
void jit_fetch_lookup(struct jit *j, uint32_t lin, uint8_t **miss)
{
	struct emit *e = &j->e;
	e_op_mem(e, 4, 0x81, 7, RDX, jit_fast_slot(lin) + (int32_t)offsetof(struct mmu_fast, tag));
	e_u32(e, lin & PAGE_MASK);
	*miss = e_jcc(e, CC_NE);
}

bool jit_fetch_count(struct jit *j, uint32_t next_eip, unsigned retired)
{
	struct emit *e = &j->e;
	uint32_t page = next_eip & PAGE_MASK;
	if (j->fpage == page) {
		/* no C code ran since that page's slot was checked (stubs that rejoin check it
		 * again: jit_fetch_recheck), so it still mirrors the I-TLB entry: the hit, with
		 * no check and no slow path (and no code when its stamp is owed) */
		uint8_t *p0 = e->p;
		e_load(e, 8, RDX, J_IN, O_IN(fast) + 8 * ACC_FETCH);
		uint8_t *p1 = e->p;
		bool flushed = jit_stamp_fetch(j, page, RDX);
		if (e->p == p1)
			e->p = p0;
		add_hit(j, ACC_FETCH);
		return !flushed; /* (the host's flags stay) */
	}
	struct jit_fcold c = {.eip = next_eip,
			      .retired = retired,
			      .pend_d = j->pend_d,
			      .pend_f = j->pend_f,
			      /* the group goes on past the Jcc (else the next instruction
			       * checks anew) */
			      .sg = j->sg_ok && j->k + 1 < j->b->n &&
				    j->sg->run[j->k + 1] == j->sg->run[j->k]};
	c.lru = j->lru;
	e_load(e, 8, RDX, J_IN, O_IN(fast) + 8 * ACC_FETCH);
	jit_fetch_lookup(j, next_eip, &c.from);
	/* the miss path's lookup installs the slot: the page the fast path keeps checked (its
	 * frame not) */
	j->fpage = page;
	j->fframe = false;
	jit_stamp_fetch(j, page, RDX);
	add_hit(j, ACC_FETCH);
	c.back = e->p;
	e->label = c.back; /* the miss path rejoins here */
	c.back_d = j->pend_d;
	c.back_f = j->pend_f;
	j->lru.last = 0; /* the miss path rejoins after its C code */
	c.back_lru = j->lru;
	if (j->nfcold < j->fcold_max)
		j->fcold[j->nfcold++] = c;
	else
		j->fb_overflow = true; /* no room: the handler runs it */
	/* R8..R10 kept on the fast path; the slow one kills them at run time */
	return false;
}

/* A stub rejoining instruction k, whose fast path takes page's fetch slot to hold (j->fpage):
 * its handler ran C code, which may have replaced the slot. If it did, the rest of the block
 * is interpreted (cpu_run, in->jit_resume), whose Jcc looks the fetch up anew. */
void jit_fetch_recheck(struct jit *j, unsigned k, uint32_t page, bool frame)
{
	struct emit *e = &j->e;
	uint8_t *miss;
	e_load(e, 8, RDX, J_IN, O_IN(fast) + 8 * ACC_FETCH);
	if (frame) /* the block's own page, which must still map its frame (jit.h, fframe) */
		jit_fetch_frame_lookup(j, page, j->b->pa, &miss);
	else
		jit_fetch_lookup(j, page, &miss);
	uint8_t *ok = e_jmp(e);
	e_label(e, miss);
	jit_leave_resume(j, k);
	e_label(e, ok);
}

/* The fetch missed the fast table: the lookup in C (c->insns exact for what it may trace,
 * the Jcc having retired, and no handler's position left in in->cur: cpu_insns_now); a
 * fault or an I-TLB miss that cannot be taken here leaves for cpu_run at the EIP. */
void jit_emit_fcold(struct jit *j, const struct jit_fcold *c)
{
	struct emit *e = &j->e;
	e_label(e, c->from);
	j->pend_d = c->pend_d;
	j->pend_f = c->pend_f;
	j->lru = c->lru; /* (C code's clock after the tick of the fast path's stamp) */
	j->lru.tk = c->back_lru.tk;
	jit_add_insns(j, (int32_t)c->retired);
	e_store_imm(e, 8, J_IN, O_IN(cur), 0);
	e_mov_rr(e, 8, RDI, J_CPU);
	e_mov_ri(e, RSI, c->eip);
	jit_call_sync(j, (const void *)jit_fetch_slow);
	jit_add_insns(j, -(int32_t)c->retired);
	e_test_rr(e, 4, RAX, RAX);
	uint8_t *ok = e_jcc(e, CC_NE);
	jit_leave_at(j, c->eip, c->retired);
	e_label(e, ok); /* the call left the dead slot in R8..R10; the fast path kept them */
	if (c->sg)	/* (the Jcc is instruction retired - 1 of the group's run) */
		jit_sg_recheck(j, c->retired);
	jit_lru_rejoin(j, &c->back_lru, c->retired);
	jit_pend_rejoin(j, c->back_d, c->back_f); /* the call synced; the fast path counted */
	e_patch(e_jmp(e), c->back);
}
