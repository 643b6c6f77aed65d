/*
 * The block compiler's frame: the code buffer, entering and leaving compiled code, block
 * prologues, exits and their chaining, and the fallback that runs one instruction through
 * its interpreter handler. The templates for single instructions are in jit_insn.c.
 *
 * Compiled code keeps all guest state where the interpreter keeps it (c->regs, the lazy
 * flags in cpu_internal), so a block can always be left at an instruction boundary and
 * the interpreter take over. c->insns is exact at block entry and is brought up to date at
 * every exit and around every fallback call.
 */
#include "cpu/jit.h"
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>

#define JIT_CODE_SIZE (64u << 20)
#define JIT_DATA_SIZE (16u << 20)
/* room one block can need at most (64 instructions with their stubs) */
#define JIT_BLOCK_MAX (256u << 10)

/* ---- the helpers compiled code calls ---- */
static int jit_fallback_exit(struct cpu *c, int r, const struct insn *i)
{
	switch (r) {
	case X_JUMP: c->insns++; return J_JUMPED;
	case X_RESTART: return J_CONT;
	case X_EXC: c->eip = i->eip; return J_EXC;
	default: /* X_EXIT */ c->insns++; return J_EXIT;
	}
}
/*
 * An exit to a computed EIP (c->eip, c->insns exact): the compiled entry of the block there,
 * with get_block's fetch lookup and decode-cache hit counted, or NULL (cpu_run then looks
 * it up). site: the exit's one-entry cache (struct jit_site) to point at this target; NULL
 * for none.
 */
static void *jit_indirect(struct cpu *c, uint8_t *site)
{
	struct cpu_internal *in = c->in;
	uint32_t lin = c->eip;
	in->stop = false; /* a new block: a store into the last one no longer matters */
	/* TF is set (POPF or IRET set it): cpu_run single-steps from here */
	if (in->eflags & EFL_TF)
		return NULL;
	/* a handler's exit (a far transfer, a MOV to CR0) may leave what compiled code needs:
	 * then cpu_run goes on, with CS's base and limit, or interpreting */
	if (!jit_regime_ok(c))
		return NULL;
	struct mmu_fast *f = fast_entry(in, lin, ACC_FETCH);
	if (!f)
		return NULL;
	phys_addr_t pa = (phys_addr_t)(mmu_fast_host(f, lin) - c->mmu->pm->host);
	struct block *b = cpu_find_block(c, pa, lin, in->code32);
	if (!b || !b->jit || b->n > in->jit_end - c->insns)
		return NULL;
	/* a block crossing into the next page: that page must still map to the frame it was
	 * decoded from (else cpu_run's get_block decodes it afresh) */
	uint32_t lin2 = (lin & PAGE_MASK) + PAGE_SIZE;
	struct mmu_fast *f2;
	if (b->straddle && (!(f2 = fast_entry(in, lin2, ACC_FETCH)) ||
			    mmu_fast_host(f2, lin2) != c->mmu->pm->host + b->pa2))
		return NULL;
	if (c->tlb_fetch_model) {
		/* the fetches' lookups, hits, counted as get_block does */
		cpu_ptr(c, lin, ACC_FETCH);
		if (b->straddle)
			cpu_ptr(c, lin2, ACC_FETCH);
	}
	in->dc_hits++;
	if (site) {
		struct jit_site *st = (struct jit_site *)(void *)site;
		st->eip = lin;
		st->entry = b->jit_chain;
	}
	return b->jit;
}

/* ---- small emitters over the pinned registers ---- */
void jit_exit_code(struct jit *j, int code)
{
	jit_pend_flush(j);
	jit_lru_exit(j, RAX, RDX);
	e_mov_ri(&j->e, RAX, (uint32_t)code);
	e_patch(e_jmp(&j->e), j->c->in->jit->epilogue);
}
void jit_add_insns(struct jit *j, int32_t n)
{
	if (n)
		e_alu_mi(&j->e, 8, 0, J_CPU, (int32_t)offsetof(struct cpu, insns), n);
}

void jit_leave_at(struct jit *j, uint32_t eip, unsigned retired)
{
	e_store_imm(&j->e, 4, J_CPU, (int32_t)offsetof(struct cpu, eip), eip);
	jit_add_insns(j, (int32_t)retired);
	jit_exit_code(j, J_CONT);
}

void jit_leave_resume(struct jit *j, unsigned k)
{
	struct emit *e = &j->e;
	if (k == j->b->n) { /* nothing of the block left: cpu_run goes on after it */
		const struct insn *last = &j->b->insns[k - 1];
		jit_leave_at(j, last->eip + last->len, k);
		return;
	}
	e_mov_ri64(e, RSI, (uint64_t)(uintptr_t)j->b);
	e_store(e, 8, RSI, J_IN, O_IN(jit_resume));
	e_store_imm(e, 4, J_IN, O_IN(jit_resume_k), k);
	jit_leave_at(j, j->b->insns[k].eip, k);
}

void jit_fb_jump(struct jit *j, unsigned cc)
{
	/* the slow path counts what was pending at the instruction's start: a check after a
	 * count of this instruction would be counted twice (never done: no template then) */
	if (j->pend_d != j->pend0_d || j->pend_f != j->pend0_f)
		j->fb_overflow = true;
	uint8_t *at = cc > 15 ? e_jmp(&j->e) : e_jcc(&j->e, cc);
	if (j->nfb < JIT_MAX_FB)
		j->fb[j->nfb++] = at;
	else
		j->fb_overflow = true;
}

/* An exit: what is pending goes into the registers, and the owed stamps into their entries
 * (the next block starts with none), which the code after the exit, another path, still has
 * to count and stamp. Through RAX and RDX (an indirect exit's EIP is in RCX). */
struct exit_state {
	unsigned pend[2];
	struct jit_lru lru;
};
static void exit_begin(struct jit *j, struct exit_state *x)
{
	/* owing a stamp across a side exit saves its three instructions where the exit is not
	 * taken and costs a max of five where it is: not across one the interpreter saw taken
	 * in half of the block's runs or more (insn.taken; b->runs counts them, and the one
	 * compiled) */
	const struct block *b = j->b;
	if (j->k + 1 >= b->n || (b->insns[j->k].taken && 2u * b->insns[j->k].taken >= b->runs))
		jit_look_ev(j, JIT_EV_EXIT, 0);
	jit_pend_flush(j);
	jit_lru_exit(j, RAX, RDX);
	x->pend[0] = j->pend_d;
	x->pend[1] = j->pend_f;
	x->lru = j->lru;
	j->pend_d = j->pend_f = 0;
	memset(&j->lru, 0, sizeof j->lru);
}
static void exit_end(struct jit *j, const struct exit_state *x)
{
	j->pend_d = x->pend[0];
	j->pend_f = x->pend[1];
	j->lru = x->lru;
}

void jit_exit_direct(struct jit *j, uint32_t target, unsigned retired)
{
	struct emit *e = &j->e;
	struct exit_state x;
	exit_begin(j, &x);
	jit_add_insns(j, (int32_t)retired);
	uint8_t *site = e_jmp(e); /* chained later by jit_link */
	e_label(e, site);
	e_store_imm(e, 4, J_CPU, (int32_t)offsetof(struct cpu, eip), target);
	e_mov_ri64(e, RAX, (uint64_t)(uintptr_t)site);
	e_store(e, 8, RAX, J_IN, O_IN(jit_link_site));
	/* the target may be entered past its frame's check: its page is this block's, whose
	 * slot the path here holds as the entry checked it (jit.h, fframe) */
	bool light = j->fframe && ((target ^ j->b->eip) & PAGE_MASK) == 0;
	e_store_imm(e, 4, J_IN, O_IN(jit_link_frame),
		    light ? (uint32_t)(j->b->pa >> PAGE_SHIFT) + 1 : 0);
	jit_exit_code(j, J_CONT);
	exit_end(j, &x);
}

/* Leaves through jit_indirect: jumps to what it finds, or exits to cpu_run. RSI = the site. */
static void indirect_lookup(struct jit *j)
{
	struct emit *e = &j->e;
	e_mov_rr(e, 8, RDI, J_CPU);
	jit_call_sync(j, (const void *)jit_indirect);
	e_test_rr(e, 8, RAX, RAX);
	uint8_t *none = e_jcc(e, CC_E);
	e_byte(e, 0xFF); /* jmp rax */
	e_byte(e, 0xE0);
	e_label(e, none);
	jit_exit_code(j, J_CONT);
}

void jit_exit_indirect(struct jit *j, unsigned retired)
{
	struct emit *e = &j->e;
	struct jit_state *s = j->c->in->jit;
	struct exit_state x;
	exit_begin(j, &x);
	e_store(e, 4, RCX, J_CPU, (int32_t)offsetof(struct cpu, eip));
	jit_add_insns(j, (int32_t)retired);
	/* RSI = the cache slot of ECX: ((eip >> 12) ^ eip) mod size, times 16 */
	_Static_assert(sizeof(struct jit_site) == 16, "jit_site");
	e_mov_rr(e, 4, RAX, RCX);
	e_shift_ri(e, 4, 5, RAX, 12);
	e_alu_rr(e, 4, 6, RAX, RCX);
	e_alu_ri(e, 4, 4, RAX, JIT_ICACHE_SIZE - 1);
	e_shift_ri(e, 4, 4, RAX, 4);
	e_mov_ri64(e, RSI, (uint64_t)(uintptr_t)s->icache);
	e_alu_rr(e, 8, 0, RSI, RAX);
	/* cmp ecx, [rsi]; jne miss; jmp [rsi + 8] (an empty slot's entry is the miss path) */
	e_alu_rm(e, 4, 7, RCX, RSI, (int32_t)offsetof(struct jit_site, eip));
	e_patch(e_jcc(e, CC_NE), s->icache_miss);
	e_byte(e, 0xFF);
	e_mem(e, 4, RSI, (int32_t)offsetof(struct jit_site, entry));
	exit_end(j, &x);
}

static void icache_clear(struct jit_state *s)
{
	for (unsigned k = 0; k < JIT_ICACHE_SIZE; k++) {
		s->icache[k].eip = 0;
		s->icache[k].entry = s->icache_miss;
	}
}

/* ---- one instruction through its handler ---- */
static const struct insn *copy_insn(struct jit_state *s, const struct insn *i, insn_fn end)
{
	size_t n = 2 * sizeof(struct insn);
	if (s->data_used + n > JIT_DATA_SIZE)
		return NULL;
	struct insn *q = (struct insn *)(s->data + s->data_used);
	s->data_used += n;
	q[0] = *i;
	memset(&q[1], 0, sizeof(q[1]));
	q[1].fn = end;
	return q;
}

static int h_jit_end(struct cpu *c, const struct insn *i)
{
	(void)c;
	(void)i;
	return X_END;
}

static void emit_deferred_lf(struct jit *j);

/* Calls the handler of instruction k; on a normal completion control goes on after this
 * code; exits otherwise. */
static bool emit_fallback(struct jit *j, const struct insn *i)
{
	struct emit *e = &j->e;
	struct jit_state *s = j->c->in->jit;
	const struct insn *q = copy_insn(s, i, h_jit_end);
	if (!q)
		return false;
	int32_t k = (int32_t)j->k;
	emit_deferred_lf(j);
	jit_add_insns(j, k);
	/* in->cur: a store into this block's frame stops it (code_invalidate), as in cpu_run */
	e_mov_ri64(e, RSI, (uint64_t)(uintptr_t)j->b);
	e_store(e, 8, RSI, J_IN, O_IN(cur));
	e_mov_ri64(e, RSI, (uint64_t)(uintptr_t)q);
	e_store(e, 8, RSI, J_IN, O_IN(at));
	e_store(e, 8, RSI, J_IN, O_IN(blk_first));
	e_mov_rr(e, 8, RDI, J_CPU);
	jit_call_sync(j, (const void *)q->fn);
	e_test_rr(e, 4, RAX, RAX);
	uint8_t *done1 = e_jcc(e, CC_E); /* X_NEXT */
	e_alu_ri(e, 4, 7, RAX, X_END);
	uint8_t *done2 = e_jcc(e, CC_E);
	e_mov_rr(e, 8, RDI, J_CPU);
	e_mov_rr(e, 4, RSI, RAX);
	e_mov_ri64(e, RDX, (uint64_t)(uintptr_t)q);
	e_call(e, (const void *)jit_fallback_exit);
	e_alu_ri(e, 4, 7, RAX, J_JUMPED);
	e_patch(e_jcc(e, CC_NE), s->epilogue);
	e_mov_ri(e, RSI, 0);
	indirect_lookup(j);
	e_label(e, done1);
	e_label(e, done2);
	jit_add_insns(j, -k);
	/* a store into a frame of decoded code, or segments compiled code cannot run under:
	 * leave at this boundary */
	_Static_assert(offsetof(struct cpu_internal, jit_leave) ==
			   offsetof(struct cpu_internal, stop) + 1,
		       "stop and jit_leave in one word");
	e_op_mem(e, 2, 0x83, 7, J_IN, O_IN(stop));
	e_byte(e, 0);
	uint8_t *go = e_jcc(e, CC_E);
	jit_leave_resume(j, (unsigned)k + 1); /* cpu_run goes on in this block */
	e_label(e, go);
	return true;
}

/* ---- blocks ---- */
/* Jumps to bail unless the fetch fast table (RDX) maps lin's page to the frame at pa */
static void chain_frame_check(struct jit *j, uint32_t lin, phys_addr_t pa, uint8_t *bail)
{
	uint8_t *miss;
	jit_fetch_frame_lookup(j, lin, pa, &miss);
	e_patch(miss, bail);
}

/* The chained entry: what cpu_run's get_block does before it runs a block (that the page
 * still maps to the block's frame, the budget, the fetch's I-TLB lookup, the decode-cache
 * hit), inline; anything else leaves for cpu_run at the block's EIP. A block whose last
 * instruction crosses into the next page also checks that page's mapping and counts its
 * fetch lookup after the first page's, as get_block's straddle_ok does. Returns the light
 * entry, past the frame's check (NULL for a block that crosses pages): a block on the same
 * page and frame whose fast path still holds that page's slot as its entry checked it
 * enters there (jit_link), the check's outcome known. */
static uint8_t *emit_chain_prologue(struct jit *j, uint8_t *bail)
{
	struct emit *e = &j->e;
	struct block *b = j->b;
	uint32_t lin = b->eip, lin2 = (lin & PAGE_MASK) + PAGE_SIZE;
	bool fetch = j->count_i && j->c->mmu->itlb;
	e_load(e, 8, RDX, J_IN, O_IN(fast) + 8 * ACC_FETCH);
	chain_frame_check(j, lin, b->pa, bail);
	if (b->straddle)
		chain_frame_check(j, lin2, b->pa2, bail);
	uint8_t *light = b->straddle ? NULL : e->p;
	if (light && fetch) /* the stamp's slot (the full entry loads it twice) */
		e_load(e, 8, RDX, J_IN, O_IN(fast) + 8 * ACC_FETCH);
	e_load(e, 8, RAX, J_CPU, (int32_t)offsetof(struct cpu, insns));
	e_alu_ri(e, 8, 0, RAX, b->n);
	e_alu_rm(e, 8, 7, RAX, J_IN, O_IN(jit_end));
	e_patch(e_jcc(e, CC_A), bail);
	/* the fetch hit and the decode-cache hit in one add to J_FETCH (the stamp without
	 * its count) */
	if (fetch) { /* paging is on: the entries mirror TLB entries (count_hit) */
		jit_stamp_fetch(j, lin & PAGE_MASK, RAX);
		e_alu_rm(e, 8, 0, J_FETCH, J_IN, O_IN(jit_k_both));
		if (b->straddle) { /* the second page's fetch: a hit, stamped after the first */
			jit_stamp_hit(j, RDX, jit_fast_slot(lin2), ACC_FETCH, RAX);
			e_alu_ri(e, 8, 0, J_FETCH, 1);
		}
	} else
		e_alu_rm(e, 8, 0, J_FETCH, J_IN, O_IN(jit_k_dc));
	return light;
}

/* VMLAB_JIT_DUMP=DIR: each compiled block's code (bail stub first) into DIR/EIP.bin, for
 * `objdump -D -b binary -m i386:x86-64`. */
static void dump_block(struct jit_state *s, const struct block *b, const uint8_t *from,
		       const uint8_t *to)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%08x.bin", s->dump_dir, b->eip);
	FILE *f = fopen(path, "wb");
	if (!f)
		return;
	fwrite(from, 1, (size_t)(to - from), f);
	fclose(f);
}

/* The compiler's per-block tables, kept off the host stack (vmlab must run with a small
 * one: tests/e2e/sandbox.sh): one per jit_state, reused by every compilation. */
struct jit_work {
	uint8_t *label[BLOCK_INSNS_MAX + 1];
	/* fallback stubs of templates, emitted after the body */
	struct {
		uint8_t *fb[JIT_MAX_FB];
		unsigned nfb, k;
		unsigned c0, c1; /* its kept-translation misses: j.cold[c0..c1) */
		int lf;
		bool mx; /* the host's MXCSR held the guest's on entry */
	} stub[BLOCK_INSNS_MAX];
	/* mx[k]: the host's MXCSR holds the guest's controls before instruction k (jit.h) */
	bool mx[BLOCK_INSNS_MAX + 1];
	/* instructions whose entry from the previous one's slow path recomputes the flags */
	struct {
		int lf;
		unsigned cc;
		bool on;
	} recomp[BLOCK_INSNS_MAX + 1];
	/* fills[k]: what the host registers hold at instruction k's start (jit_regs.c) */
	struct {
		struct jit_fill f[JIT_MAX_FILL];
		unsigned n;
	} fills[BLOCK_INSNS_MAX + 1];
	/* lf[k]: the lazy-flag kind compiled code takes in->lf_op to hold before instruction k
	 * (j.lf; -1 unknown) */
	int lf[BLOCK_INSNS_MAX + 1];
	/* flag liveness: live[k] = the arithmetic flags live before instruction k */
	uint32_t live[BLOCK_INSNS_MAX + 1];
	/* fo_reg[k] >= 0: a record the fast path left out (jit.h, fo_cand) must be in memory
	 * when instruction k goes to its handler: lf_op = fo_code[k], lf_res = that register */
	int8_t fo_reg[BLOCK_INSNS_MAX + 1];
	uint8_t fo_code[BLOCK_INSNS_MAX + 1];
	/* the hits pending (compile time) at the start of instruction k: data, fetch */
	unsigned pend[BLOCK_INSNS_MAX + 1][2];
	/* the kept-translation misses, emitted out of line before their stubs (jit_mem) */
	struct jit_cold cold[2 * BLOCK_INSNS_MAX];
	/* the Jcc fall-throughs' fetch misses, out of line after the block's last exit */
	struct jit_fcold fcold[BLOCK_INSNS_MAX];
	/* access groups (jit_group.c); sg_in[k]: instruction k's fast path expects J_SG and R9
	 * to hold its group's translation (stubs rejoining it check the group again) */
	struct jit_sg_plan sg;
	bool sg_in[BLOCK_INSNS_MAX + 1];
	/* fpage[k]: j.fpage before instruction k (stubs rejoining it check that page again) */
	uint32_t fpage[BLOCK_INSNS_MAX + 1];
	bool fframe[BLOCK_INSNS_MAX + 1]; /* j.fframe before instruction k */
	/* lru[k]: the LRU ticks and owed stamps before instruction k */
	struct jit_lru lru[BLOCK_INSNS_MAX + 1];
	/* the first compilation's record of stamps (jit_compile) */
	struct jit_look look;
};

/* Before instruction j->k's handler: the record the fast path left out (jit.h, fo_cand),
 * for the handler and any fault it raises. c->regs is exact there: every call syncs the
 * registers first, and no instruction between wrote that register (defer_candidate). */
static void emit_deferred_lf(struct jit *j)
{
	struct jit_work *w = j->c->in->jit->work;
	if (j->k >= j->b->n || w->fo_reg[j->k] < 0)
		return;
	struct emit *e = &j->e;
	e_load(e, 4, RAX, J_CPU, O_REG((unsigned)w->fo_reg[j->k]));
	e_store(e, 4, RAX, J_IN, O_IN(lf_res));
	e_store_imm(e, 4, J_IN, O_IN(lf_op), w->fo_code[j->k]);
}

/*
 * Instruction k's logic record, when only a fault can read it: k is AND, OR or XOR of 32-bit
 * registers (or a register and an immediate), and what follows up to an instruction m that
 * writes every arithmetic flag without reading one is only moves (no flag read or written)
 * that leave k's destination alone, as does m. The stubs of k + 1
 * .. m then store the record (its result is the destination register, exact in c->regs at
 * any call), and the fast path does not. Returns that register and *end = m, or -1.
 * (gzip's longest_match: `and $0x7fff,%edx`, two loads, then a CMP.)
 */
static int defer_candidate(const struct jit *j, unsigned k, unsigned *end)
{
	const struct block *b = j->b;
	const struct insn *i = &b->insns[k];
	if (i->osz16 || i->lock || i->rep)
		return -1;
	unsigned o = i->opc;
	int r;
	if ((o == 0x09 || o == 0x21 || o == 0x31) && i->mod3)
		r = i->rm;
	else if ((o == 0x0B || o == 0x23 || o == 0x33) && i->mod3)
		r = i->reg;
	else if ((o == 0x81 || o == 0x83) && i->mod3 && (i->reg == 1 || i->reg == 4 || i->reg == 6))
		r = i->rm;
	else if (o == 0x0D || o == 0x25 || o == 0x35)
		r = R_EAX;
	else
		return -1;
	for (unsigned t = k + 1; t < b->n; t++) {
		const struct insn *q = &b->insns[t];
		unsigned w, p = q->opc;
		if (q->lock || q->rep || q->asz16 || !jit_insn_writes(q, &w) || (w & (1u << r)))
			return -1;
		/* every flag written, none read: what the liveness says of its register form (its
		 * memory operand's fault is the stubs' to cover) */
		struct insn rq = *q;
		rq.mod3 = 1;
		rq.rm = R_EAX;
		if (jit_flags_before(j->c, &rq, EFL_ARITH) == 0) {
			*end = t;
			return r;
		}
		bool move = p == 0x88 || p == 0x89 || p == 0x8A || p == 0x8B || p == 0x8D ||
			    p == 0x1B6 || p == 0x1B7 || p == 0x1BE || p == 0x1BF ||
			    (p >= 0xB8 && p <= 0xBF) || ((p == 0xC6 || p == 0xC7) && q->reg == 0);
		if (!move)
			return -1;
	}
	return -1;
}

/* Which of the body's stamps may be owed: those whose entity's next event is a stamp of it
 * (not a call, nor the entity taking another entry). True when there is one. */
static bool look_decide(struct jit_look *l, unsigned nev)
{
	unsigned n = nev < JIT_EV_MAX ? nev : JIT_EV_MAX, ns = 0;
	bool any = false;
	for (unsigned a = 0; a < n; a++) {
		if (l->ev[a] >> 4 != JIT_EV_STAMP)
			continue;
		unsigned ent = l->ev[a] & 15;
		bool owe = false;
		for (unsigned x = a + 1; x < n; x++) {
			unsigned type = l->ev[x] >> 4;
			if (type == JIT_EV_CALL || type == JIT_EV_EXIT)
				break;
			if ((l->ev[x] & 15) == ent) {
				owe = type == JIT_EV_STAMP;
				break;
			}
		}
		l->owe[ns++] = owe;
		any |= owe;
	}
	l->nstamp = ns;
	return any;
}

/* One compilation of block b: 1 done, 0 not (the interpreter runs it), -1 when an access group
 * member planned as needing no check compiled otherwise (nofault: compile it again without).
 * rec: record the body's stamps in the work's look, else owe those it says. */
static int compile(struct cpu *c, struct block *b, bool nofault, bool rec)
{
	struct cpu_internal *in = c->in;
	struct jit_state *s = in->jit;
	if (jit_space_low(c)) { /* cpu_run resets the caches before the next block */
		in->jit_full = true;
		return 0;
	}
	size_t data0 = s->data_used;
	struct jit j = {.c = c, .b = b, .lf = -1, .count_i = c->tlb_fetch_model, .seg_flat = true};
	jit_rc_forget(&j);
	jit_rc_assign(&j);
	jit_sg_plan(&j, &s->work->sg, nofault);
	for (unsigned k = 0; k < JIT_RC; k++)
		j.rc[k] = JIT_RC_ANY; /* what the last block left there (jit.h) */
	j.e.p = s->code + s->used;
	j.e.end = s->code + JIT_CODE_SIZE;
	struct emit *e = &j.e;
	struct jit_work *w = s->work;
	w->mx[0] = false;
	unsigned nstub = 0;
	memset(w->recomp, 0, sizeof w->recomp);
	w->fills[0].n = 0;
	w->fills[b->n].n = 0;
	j.cold = w->cold;
	j.cold_max = sizeof w->cold / sizeof w->cold[0];
	j.fcold = w->fcold;
	j.fcold_max = sizeof w->fcold / sizeof w->fcold[0];

	uint8_t *bail = e->p;
	jit_leave_at(&j, b->eip, 0);
	uint8_t *chain = e->p;
	/* both entries looked up the block's first page: the chained one below, cpu_run's and
	 * jit_indirect's in C (whose lookup installs the slot: code is RAM). Not a block that
	 * crosses into the next page: decoding it afresh, just before cpu_run compiles and
	 * enters it, looks the second page up, which may evict the first one's entry */
	j.fpage = b->straddle ? JIT_FPAGE_NONE : b->eip & PAGE_MASK;
	j.fframe = !b->straddle;
	/* the body from here: the chained entry's stamp too (owed or not, the other entry
	 * arrives with its fetch stamped by C code, before the block's ticks) */
	j.look = &w->look;
	j.rec = rec;
	j.body = true;
	if (rec)
		w->look.nev = w->look.nstamp = 0;
	uint8_t *light = emit_chain_prologue(&j, bail);
	uint8_t *entry = e->p;
	/* flag liveness (w->live) */
	w->live[b->n] = EFL_ARITH;
	for (unsigned k = b->n; k-- > 0;) {
		struct insn r = b->insns[k];
		if (j.sg && j.sg->nofault[k]) { /* its access cannot fault: as its register form */
			r.mod3 = 1;
			r.rm = R_EAX;
		}
		w->live[k] = jit_flags_before(c, &r, w->live[k + 1]);
	}
	/* a logic record left to the stubs of the instructions up to fo_end (defer_candidate) */
	int fo_reg = -1, fo_end = -1;
	unsigned fo_code = 0;
	for (unsigned k = 0; k < b->n; k++) {
		const struct insn *i = &b->insns[k];
		/* outside a group, or in another one: its first member checks it anew */
		if (!j.sg || j.sg->run[k] < 0 || (k && j.sg->run[k] != j.sg->run[k - 1]))
			j.sg_ok = false;
		w->sg_in[k] = j.sg_ok;
		bool sg_ok0 = j.sg_ok;
		uint32_t fpage0 = w->fpage[k] = j.fpage;
		bool fframe0 = w->fframe[k] = j.fframe;
		j.dead = w->live[k + 1] == 0;
		j.k = k;
		w->fo_reg[k] = (int)k <= fo_end ? (int8_t)fo_reg : -1;
		w->fo_code[k] = (uint8_t)fo_code;
		unsigned fo_cand_end = 0;
		j.fo_new = -1;
		j.fo_cand = j.dead ? -1 : defer_candidate(&j, k, &fo_cand_end);
		/* register stores wait only across instructions whose code jit_regs.c sees whole
		 * (not one that leaves a run of SSE templates first) */
		j.pure = (jit_insn_pure(c, i, j.dead) || jit_sg_pure(&j, i)) &&
			 !(w->mx[k] && !jit_insn_inline(i));
		if (!j.pure)
			jit_regs_flush(&j);
		w->label[k] = e->p;
		j.k = k;
		j.nfb = 0;
		j.fb_overflow = false;
		int lf0 = j.lf;
		w->lf[k] = lf0;
		uint8_t *start = e->p;
		j.hf_in = j.hf_out;
		j.hf_out = HF_NONE;
		j.recomp = false;
		jit_regs_at_insn(&j); /* what the stubs of instruction k - 1 rejoin with */
		struct jit_rcache rg0;
		jit_regs_save(&j, &rg0);
		/* SSE templates first: a run of them keeps the guest's MXCSR loaded (mx) */
		j.mx_in = w->mx[k];
		j.mx_out = false;
		int rc0[JIT_RC];
		unsigned ncold0 = j.ncold, nfcold0 = j.nfcold;
		j.pend0_d = w->pend[k][0] = j.pend_d;
		j.pend0_f = w->pend[k][1] = j.pend_f;
		j.lru0 = w->lru[k] = j.lru;
		unsigned nstamp0 = j.nstamp, nev0 = j.nev;
		memcpy(rc0, j.rc, sizeof rc0);
		j.sg_hit = false;
		bool sse = i->opc >= 0x100 && jit_sse(&j, i) && !j.fb_overflow && !e->full;
		if (!sse) {
			e->p = start;
			e->full = false;
			jit_regs_restore(&j, &rg0);
			j.nfb = 0;
			j.fb_overflow = false;
			j.lf = lf0;
			memcpy(j.rc, rc0, sizeof rc0);
			j.sg_ok = sg_ok0;
			j.fpage = fpage0;
			j.fframe = fframe0;
			j.ncold = ncold0;
			j.nfcold = nfcold0;
			j.pend_d = j.pend0_d;
			j.pend_f = j.pend0_f;
			j.lru = j.lru0;
			j.nstamp = nstamp0;
			j.nev = nev0;
			j.mx_out = false;
			if (w->mx[k] && jit_insn_inline(i)) {
				j.mx_out = true; /* the run goes on across it */
			} else if (w->mx[k]) {	 /* anything else runs under the host's MXCSR */
				jit_mxcsr_host(&j);
				j.hf_in = HF_NONE; /* that took the host's flags */
				j.mx_in = false;
			}
			start = e->p;
			jit_regs_save(&j, &rg0);
		}
		w->mx[k + 1] = j.mx_out;
		if (sse || (jit_insn(&j, i) && !j.fb_overflow && !e->full)) {
			if ((int)k >= fo_end)
				fo_end = -1;
			if (j.fo_new >= 0) {
				fo_reg = j.fo_new;
				fo_code = j.fo_new_code;
				fo_end = (int)fo_cand_end;
			}
			/* a member taken as unable to fault: its operand had no check, and
			 * nothing of it may go to its handler */
			if (j.sg && j.sg->nofault[k] && (!j.sg_hit || j.nfb || j.ncold > ncold0))
				j.sg_broken = true;
			memcpy(w->fills[k].f, j.fill, sizeof j.fill);
			w->fills[k].n = j.nfill;
			if (j.recomp) {
				w->recomp[k].on = true;
				w->recomp[k].lf = j.recomp_lf;
				w->recomp[k].cc = j.recomp_cc;
			}
			if (j.nfb || j.ncold > ncold0) {
				memcpy(w->stub[nstub].fb, j.fb, sizeof(j.fb));
				w->stub[nstub].nfb = j.nfb;
				w->stub[nstub].c0 = ncold0;
				w->stub[nstub].c1 = j.ncold;
				w->stub[nstub].k = k;
				w->stub[nstub].lf = lf0;
				w->stub[nstub].mx = j.mx_in;
				nstub++;
				/* its stub rejoins the next instruction after C code ran: no entry
				 * is known to have the newest stamp there (jit_group.c's members
				 * have no check that would find out) */
				j.lru.last = 0;
			}
			continue;
		}
		e->p = start;
		e->full = false;
		jit_regs_restore(&j, &rg0);
		if ((int)k >= fo_end) /* (its handler stores the record left out: emit_fallback) */
			fo_end = -1;
		j.fpage = fpage0;
		j.fframe = fframe0;
		j.pure = false;
		jit_regs_flush(&j); /* (pure templates do not fail: only a full buffer does) */
		w->fills[k].n = 0;
		j.nfb = 0;
		j.ncold = ncold0;
		j.nfcold = nfcold0;
		j.pend_d = j.pend0_d;
		j.pend_f = j.pend0_f;
		j.lru = j.lru0;
		j.nstamp = nstamp0;
		j.nev = nev0;
		j.lf = -1;
		j.hf_out = HF_NONE;
		w->mx[k + 1] = false;
		if (j.mx_in) /* no template after all: its handler ends the run */
			jit_mxcsr_host(&j);
		jit_rc_forget(&j);
		if (j.sg && j.sg->nofault[k])
			j.sg_broken = true; /* its handler would see the flags left out before it */
		if (!emit_fallback(&j, i))
			goto fail;
		j.seg_flat = false; /* the handler may have loaded a segment register */
	}
	/* (a store left waiting across a member's code it was not told about: a bug, but
	 * one compiling without the plan's members avoids) */
	if (j.sg_broken || (nofault && j.sg && j.rg.lost)) {
		s->data_used = data0;
		return -1;
	}
	j.pure = false;
	jit_regs_flush(&j);
	w->label[b->n] = e->p;
	w->fpage[b->n] = j.fpage;
	w->fframe[b->n] = j.fframe;
	w->lf[b->n] = j.lf;
	w->pend[b->n][0] = j.pend_d;
	w->pend[b->n][1] = j.pend_f;
	w->lru[b->n] = j.lru;
	j.body = false;
	if (rec && look_decide(&w->look, j.nev)) {
		s->data_used = data0; /* compiled again, owing what it can */
		return 2;
	}
	if (w->mx[b->n])
		jit_mxcsr_host(&j);
	{
		const struct insn *last = &b->insns[b->n - 1];
		j.k = b->n;
		jit_exit_direct(&j, last->eip + last->len, b->n);
	}
	for (unsigned t = 0; t < j.nfcold; t++)
		jit_emit_fcold(&j, &w->fcold[t]);
	for (unsigned t = 0; t < nstub; t++) {
		/* the instruction's kept-translation misses first: their table misses come
		 * here too. Pending there and in the stub: the hits of the instructions
		 * before it; its own, the handler counts. */
		j.k = w->stub[t].k;
		j.pend_d = j.pend0_d = w->pend[j.k][0];
		j.pend_f = j.pend0_f = w->pend[j.k][1];
		j.lru = j.lru0 = w->lru[j.k];
		j.nfb = 0;
		j.fb_overflow = false;
		for (unsigned c = w->stub[t].c0; c < w->stub[t].c1; c++)
			jit_emit_cold(&j, &w->cold[c]);
		if (j.fb_overflow)
			goto fail;
		for (unsigned f = 0; f < j.nfb; f++)
			e_label(e, j.fb[f]);
		for (unsigned f = 0; f < w->stub[t].nfb; f++)
			e_label(e, w->stub[t].fb[f]);
		if (w->stub[t].mx) /* handlers see the flags, and run under the host's MXCSR */
			jit_mxcsr_host(&j);
		unsigned nk = w->stub[t].k + 1;
		/* what was owed at the instruction's start written, and C code's clock after the
		 * ticks the fast path issues up to where the stub rejoins */
		j.lru = j.lru0;
		j.lru.tk = w->lru[nk].tk;
		if (!emit_fallback(&j, &b->insns[w->stub[t].k]))
			goto fail;
		if (nk < b->n && w->sg_in[nk]) /* (nothing pending: the call synced it) */
			jit_sg_recheck(&j, nk);
		/* (the block's final exit too, where it may chain to a light entry: the last
		 * instruction's handler may have evicted the code page's entry) */
		if (w->fpage[nk] != JIT_FPAGE_NONE && (nk < b->n || w->fframe[nk]))
			jit_fetch_recheck(&j, nk, w->fpage[nk], w->fframe[nk]);
		/* the call synced everything; the fast path arrives with its own pending */
		jit_lru_rejoin(&j, &w->lru[nk], nk);
		/* a handler that reads the flags without writing them (CMOVcc's) may leave
		 * them materialised (LF_NONE) over the record of the kind the fast path takes
		 * lf_op to hold; that record is still there, so lf_op names its kind again (a
		 * handler that writes them records the template's kind: the same store). After
		 * jit_lru_rejoin, which may leave the block for cpu_run: inside a span whose
		 * record the stubs store (defer_candidate), that record is the one to leave with */
		if (w->lf[nk] >= 0)
			e_store_imm(e, 4, J_IN, O_IN(lf_op), (uint32_t)w->lf[nk]);
		jit_pend_rejoin(&j, w->pend[nk][0], w->pend[nk][1]);
		if (w->mx[nk]) /* the next instruction expects the guest's */
			jit_mxcsr_guest(&j);
		if (w->recomp[nk].on) /* the next instruction expects the host flags */
			jit_recompute(&j, w->recomp[nk].lf, w->recomp[nk].cc);
		/* emit_fallback's call left the dead slot in R8..R10 (jit_call_sync) */
		jit_emit_fills(&j, w->fills[nk].f, w->fills[nk].n);
		e_patch(e_jmp(e), w->label[nk]);
	}
	if (e->full)
		goto fail;
	if (jit_regs_lost(&j)) { /* a bug, but not the guest's: the interpreter runs it */
		s->data_used = data0;
		b->runs = 0;
		return 0;
	}
	b->jit = entry;
	b->jit_chain = chain;
	b->jit_light = light;
	b->jit_bail = bail;
	if (s->dump_dir)
		dump_block(s, b, bail, e->p);
	if (s->perf_map)
		fprintf(s->perf_map, "%lx %lx guest_%08x_n%u\n", (unsigned long)(uintptr_t)bail,
			(unsigned long)(e->p - bail), b->eip, b->n);
	s->used = (size_t)(e->p - s->code + 15) & ~(size_t)15;
	return 1;
fail: /* out of room: cpu_run resets the caches before the next block */
	s->data_used = data0;
	in->jit_full = true;
	return 0;
}

/* Compiled first recording its LRU stamps, and again owing those a later stamp supersedes
 * (2: the first found some). */
bool jit_compile(struct cpu *c, struct block *b)
{
	bool nofault = true;
	int r = compile(c, b, nofault, true);
	if (r < 0) {
		nofault = false;
		r = compile(c, b, nofault, true);
	}
	if (r == 2)
		r = compile(c, b, nofault, false);
	return r == 1;
}

/* physmem is about to change a frame whose block b is compiled: its chained entry now
 * leaves for cpu_run (jumps into it from other blocks stay valid). */
void jit_block_dead(struct cpu *c, struct block *b)
{
	if (!b->jit_chain)
		return;
	struct jit_state *s = c->in->jit;
	struct jit_site *st = &s->icache[((b->eip >> 12) ^ b->eip) & (JIT_ICACHE_SIZE - 1)];
	if (st->entry == b->jit_chain)
		st->entry = s->icache_miss;
	struct emit e = {.p = b->jit_chain, .end = b->jit_chain + 5};
	e_patch(e_jmp(&e), b->jit_bail);
	b->jit = NULL;
	/* the exits chained to it go back to asking cpu_run, which chains them anew */
	for (struct jit_link *l = b->jit_in; l; l = l->next)
		e_patch(l->site, l->site + 4);
	b->jit_in = NULL;
}

void jit_link(struct cpu *c, struct block *b)
{
	struct cpu_internal *in = c->in;
	struct jit_state *s = in->jit;
	uint8_t *site = in->jit_link_site;
	in->jit_link_site = NULL;
	if (!site || !b->jit_chain || s->data_used + sizeof(struct jit_link) > JIT_DATA_SIZE)
		return;
	struct jit_link *l = (struct jit_link *)(void *)(s->data + s->data_used);
	s->data_used += (sizeof(*l) + 15) & ~(size_t)15;
	l->site = site;
	l->next = b->jit_in;
	b->jit_in = l;
	/* (jit_block_dead takes the link back either way) */
	bool light = b->jit_light && in->jit_link_frame == (uint32_t)(b->pa >> PAGE_SHIFT) + 1;
	e_patch(site, light ? b->jit_light : b->jit_chain);
}

#if defined(__clang__)
__attribute__((no_sanitize("function"))) /* compiled code has no type signature */
#endif
int jit_run(struct cpu *c, struct block *b)
{
	struct cpu_internal *in = c->in;
	in->jit_link_site = NULL;
	return in->jit->enter(c, b->jit);
}

bool jit_space_low(struct cpu *c)
{
	struct jit_state *s = c->in->jit;
	return s && (s->used + JIT_BLOCK_MAX > JIT_CODE_SIZE ||
		     s->data_used + 2 * sizeof(struct insn) * BLOCK_INSNS_MAX > JIT_DATA_SIZE);
}

/* The entry trampoline (int enter(struct cpu *, void *code)) and the shared epilogue. */
static void emit_trampoline(struct jit_state *s, struct cpu *c)
{
	struct emit e = {.p = s->code, .end = s->code + TRAMPOLINE_SIZE};
	static const uint8_t pro[] = {0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41,
				      0x56, 0x41, 0x57, 0x48, 0x83, 0xEC, 0x08};
	for (size_t k = 0; k < sizeof pro; k++)
		e_byte(&e, pro[k]);
	/* stmxcsr [rsp + 4]: the host's MXCSR, which SSE templates put back (jit_mxcsr_host) */
	static const uint8_t save_mxcsr[] = {0x0F, 0xAE, 0x5C, 0x24, 0x04};
	for (size_t k = 0; k < sizeof save_mxcsr; k++)
		e_byte(&e, save_mxcsr[k]);
	e_mov_rr(&e, 8, J_CPU, RDI);
	e_load(&e, 8, J_IN, RDI, (int32_t)offsetof(struct cpu, in));
	e_load(&e, 8, RAX, RDI, (int32_t)offsetof(struct cpu, mmu));
	e_load(&e, 8, J_LRU, RAX, (int32_t)offsetof(struct mmu, lru_clock));
	e_alu_rr(&e, 4, 6, J_HITS, J_HITS);
	e_alu_rr(&e, 4, 6, J_FETCH, J_FETCH);
	jit_emit_rc_kill(&e, &s->dead); /* no kept translation (JIT_RC_ANY) */
	e_byte(&e, 0xFF); /* jmp rsi */
	e_byte(&e, 0xE6);
	s->epilogue = e.p;
	/* past the gap of the last tick (struct jit_lru): C code's stamps come after any that
	 * compiled code's C calls and out-of-line hits left there */
	e_lea(&e, 8, J_LRU, J_LRU, JIT_TICK - 1);
	jit_sync_out(&e);
	static const uint8_t epi[] = {0x48, 0x83, 0xC4, 0x08, 0x41, 0x5F, 0x41, 0x5E,
				      0x41, 0x5D, 0x41, 0x5C, 0x5D, 0x5B, 0xC3};
	for (size_t k = 0; k < sizeof epi; k++)
		e_byte(&e, epi[k]);
	s->enter = (int (*)(struct cpu *, void *))(void *)s->code;
	/* the indirect-cache miss path, entered with RSI = the slot */
	struct jit j = {.c = c, .e = e};
	s->icache_miss = j.e.p;
	indirect_lookup(&j);
	s->lf_code = j.e.p;
	jit_emit_lf_helper(&j);
	s->used = TRAMPOLINE_SIZE;
	if (j.e.full)
		abort(); /* TRAMPOLINE_SIZE is too small */
}

void jit_reset(struct cpu *c)
{
	struct jit_state *s = c->in->jit;
	if (!s)
		return;
	s->used = TRAMPOLINE_SIZE;
	s->data_used = 0;
	icache_clear(s);
	c->in->jit_link_site = NULL;
}

/* The shared code's parts, by name, in the perf map (so that a profile does not show them
 * as bare addresses): the entry, the epilogue, the indirect-cache miss path, and the
 * lazy-flag helper's slow half and per-kind operations, then its entry, in the order
 * emit_trampoline lays them out. */
static void perf_map_trampoline(struct jit_state *s)
{
	const struct {
		const uint8_t *at;
		const char *name;
	} part[] = {{s->code, "jit_enter"},
		    {s->epilogue, "jit_epilogue"},
		    {s->icache_miss, "jit_icache_miss"},
		    {s->lf_code, "jit_lf_ops"},
		    {s->lf_host, "jit_lf_helper"},
		    {s->code + TRAMPOLINE_SIZE, NULL}};
	for (size_t k = 0; part[k].name; k++)
		if (part[k].at && part[k + 1].at > part[k].at)
			fprintf(s->perf_map, "%lx %lx %s\n", (unsigned long)(uintptr_t)part[k].at,
				(unsigned long)(part[k + 1].at - part[k].at), part[k].name);
}

int jit_init(struct cpu *c)
{
#if !defined(__x86_64__)
	(void)c;
	return -1; /* compiled code is x86-64: other hosts interpret */
#endif
	struct jit_state *s = calloc(1, sizeof(*s));
	if (!s)
		return -1;
	void *p = mmap(NULL, JIT_CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	s->data = malloc(JIT_DATA_SIZE);
	s->icache = malloc(JIT_ICACHE_SIZE * sizeof(*s->icache));
	s->work = malloc(sizeof *s->work);
	if (p == MAP_FAILED || !s->data || !s->icache || !s->work) {
		if (p != MAP_FAILED)
			munmap(p, JIT_CODE_SIZE);
		free(s->data);
		free(s->icache);
		free(s->work);
		free(s);
		return -1;
	}
	s->code = p;
	c->in->jit = s; /* the trampoline's exits need it */
	c->in->jit_k_dc = 1ull << 32;
	c->in->jit_k_both = 1ull << 32 | 1;
	s->dead.tag = MMU_FAST_INVALID;
	s->dead.tag_hi = 1;
	s->dead.tlbe = &s->dead_tlbe;
	emit_trampoline(s, c);
	icache_clear(s);
	s->dump_dir = getenv("VMLAB_JIT_DUMP");
	if (s->dump_dir && !*s->dump_dir)
		s->dump_dir = NULL;
	/* "1": where perf looks for it; an absolute path: there (bench/iprofile.sh, whose
	 * counts must not depend on how many digits the host's pid has) */
	const char *pm = getenv("VMLAB_PERF_MAP");
	if (pm && (*pm == '1' || *pm == '/')) {
		char path[64];
		snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)getpid());
		s->perf_map = fopen(*pm == '/' ? pm : path, "w");
		if (s->perf_map) {
			setvbuf(s->perf_map, NULL, _IOLBF, 0);
			perf_map_trampoline(s);
		}
	}
	c->in->jit = s;
	return 0;
}

void jit_destroy(struct cpu *c)
{
	struct jit_state *s = c->in->jit;
	if (!s)
		return;
	munmap(s->code, JIT_CODE_SIZE);
	if (s->perf_map)
		fclose(s->perf_map);
	free(s->data);
	free(s->icache);
	free(s->work);
	free(s);
	c->in->jit = NULL;
}
