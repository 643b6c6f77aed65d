/*
 * The block compiler: turns a decoded block (struct block) into x86-64 host code that does
 * what the interpreter's handlers would do, with the same lazy-flag state, the same
 * modelled-TLB bookkeeping and the same exits, so the two can hand over at any block
 * boundary. Instructions it has no template for call their interpreter handler. See
 * docs/jit.md.
 */
#ifndef VMLAB_CPU_JIT_H
#define VMLAB_CPU_JIT_H
#include "cpu/cpu_int.h"
#include "cpu/jit_emit.h"
#include <stdio.h>

/* What compiled code returns to cpu_run (c->eip and c->insns are exact then). */
enum { J_CONT = 1, J_EXC, J_EXIT, J_JUMPED /* internal: a handler jumped (eip set) */ };

/* Host registers while compiled code runs. */
#define J_CPU RBX  /* struct cpu * */
#define J_IN RBP   /* struct cpu_internal * */
/* the host address of the guest's base register B while an access group's check holds
 * (jit_group.c) */
#define J_SG R12
#define J_LRU R14  /* the MMU's lru_clock while compiled code runs (stored back around calls) */
#define J_HITS R15 /* data-TLB fast-path hits not yet added to in->fast_hits */
#define J_FETCH                                                                                    \
	R13 /* fetch hits (low 32 bits) and decode-cache hits (high 32 bits) not yet               \
	     * added to in->fast_hits[ACC_FETCH] and in->dc_hits */

#define JIT_MAX_FB 6
#define JIT_RC 3
/* j->rc[k] at a block's entry: R8..R10 hold fast-table slots (or the dead one) of a kind not
 * known here. Compiled code keeps them so on every path out of a block (the entry
 * trampoline and every call into C leave the dead slot there), so a loop's next iteration
 * finds the last one's translations. Serves reads where a write slot may (jit_mem). */
#define JIT_RC_ANY 3
#define JIT_FPAGE_NONE 1u /* (never a page address) */

/* What the host's scratch registers hold (jit_regs.c): host[g] is the host register that
 * holds guest register g's 32 bits, or -1. True where the code ends at `end`, when no jump
 * arrives there (anything emitted that jit_regs.c was not told about moves the end away and
 * so forgets it all); use[] orders the host registers by their last use, for picking a free
 * one. dirty: the guest registers whose store to c->regs is still to come (only between
 * instructions that jit_insn_pure accepts). */
struct jit_rcache {
	uint8_t *end, *label; /* label: e.label when this was saved (jit_regs_restore) */
	uint8_t dirty;
	bool lost; /* a store still to come was forgotten (a compiler bug: jit_regs_lost) */
	int8_t host[8];
	uint32_t use[16];
	uint32_t clock;
};
/* A host register that must hold a guest register where the stubs of the previous
 * instruction rejoin (jit_regs.c). */
struct jit_fill {
	unsigned h, reg;
};
#define JIT_MAX_FILL 8

/* LRU stamps in compiled code (jit_mem.c, docs/jit.md "Seventh session"). The t-th stamp of
 * a block's run (its tick t) has the value base + t * JIT_TICK, base being J_LRU at the
 * block's entry or after the last call into C: exact at compile time, so a stamp may be left
 * out where a later access on the same path stamps the same entry (it owes it), and written
 * afterwards, with its own value, wherever C code runs or the block is left. The gap between
 * two ticks is room for the stamps of the C code a stub runs before it rejoins. */
#define JIT_TICK 16
/* The entries stamps may be owed to: the kept translations' (R8..R10), and the fetch slot of
 * page fpage */
enum { JIT_ENT_FETCH = JIT_RC, JIT_ENTS };
struct jit_lru {
	uint32_t tk;		/* ticks issued since the base */
	uint32_t tr;		/* J_LRU = base + tr * JIT_TICK */
	uint32_t owe[JIT_ENTS]; /* the tick entity e owes its entry (0: none) */
	uint32_t fpage;		/* the page of the fetch slot JIT_ENT_FETCH owes through */
	/* entity + 1 whose entry got tick tk (owed or not) with no C code's stamps after it
	 * on any path to here: a hit through it again changes no order, and is not stamped
	 * (0: none) */
	uint8_t last;
};
/* Which stamps may be owed: a first compilation records the stamps and what ends an entity
 * (ev); the one that is kept owes a stamp whose next event is a stamp of the same entity. */
enum { JIT_EV_STAMP = 1, JIT_EV_KILL, JIT_EV_CALL, JIT_EV_EXIT };
#define JIT_EV_MAX (8 * BLOCK_INSNS_MAX)
struct jit_look {
	uint8_t ev[JIT_EV_MAX]; /* type << 4 | entity */
	unsigned nev;
	bool owe[JIT_EV_MAX]; /* by stamp number */
	unsigned nstamp;
};

/* A kept translation's miss, out of line (jit_mem): the table lookup that replaces the kept
 * entry, emitted with the slow paths after the block's body so that the kept hit falls
 * through. from: the jump to it (patched then); back: where it rejoins (after the kept
 * path's LRU stamp: it stamps the new entry itself). */
struct jit_cold {
	uint8_t *from, *back;
	unsigned sz, acc, r, k;
	struct jit_lru lru; /* at the jump: entity k's owed stamp, if any, goes to its old entry */
	bool stamped;	    /* the fast path stamped its hit (not owed): the new entry too */
	bool skip;	    /* the fast path's hit was not stamped (lru.last): the new entry is */
};
/* A Jcc fall-through's fetch lookup that missed the fast table, out of line (the C lookup,
 * a leave when it fails): the EIP fetched, the instructions retired, and the hits pending
 * (compile time) where it jumps from and where it rejoins the fast path. */
struct jit_fcold {
	uint8_t *from, *back;
	uint32_t eip;
	unsigned retired, pend_d, pend_f, back_d, back_f;
	bool sg; /* an access group holds across the Jcc: checked again after the call */
	struct jit_lru lru, back_lru; /* where it jumps from and where it rejoins */
};

/* The state of one block's compilation. */
struct jit {
	struct emit e;
	struct cpu *c;
	struct block *b;
	unsigned k; /* index of the instruction being compiled */
	int lf;	    /* lf_op after the instructions so far, when known here; -1 otherwise */
	/* The host flags hold the guest's (HF_ALL), all but CF (HF_NOCF), or not (HF_NONE):
	 * on entry to this instruction from the previous one's fast path (hf_in), and after
	 * this one (hf_out, which templates set). A consumer that uses hf_in leaves a
	 * recompute for the previous instruction's slow path to run first (recomp). */
	int hf_in, hf_out;
	/* Kept translations: the fast-table entry of the last single access through ESP (R9),
	 * through EBP (R10) and through anything else (R8), so that a later access to the same
	 * page skips the table lookup. rc[k] is the access type entry k was found for
	 * (ACC_READ, ACC_WRITE) when that holds on every path to here, else -1. Paths that
	 * call C code (which may change the table) point all three at an entry no address
	 * matches before they rejoin. */
	int rc[JIT_RC];
	/* the kept translation each guest base register's accesses go through (jit_rc_assign) */
	uint8_t rc_of[8];
	/* Access groups (jit_group.c): the plan (run[k], the group of instruction k, or -1;
	 * member[k]: its [B + disp] operand is one of the group's), and whether J_SG and R9
	 * hold the current group's translation here (sg_ok). */
	const struct jit_sg_plan *sg;
	bool sg_ok;
	/* The page whose fetch fast slot is known to hold here on the fast path (the block's
	 * entry checked it, or a Jcc's fall-through did, and no C code ran since), or
	 * JIT_FPAGE_NONE: a Jcc's fall-through into it counts its fetch with no check */
	uint32_t fpage;
	/* fpage is the block's own page and its slot maps the block's frame: the entry checked
	 * it and no C code that may change a fast slot ran since (jit_call_sync's callees; the
	 * lazy-flag helpers do not touch the MMU), and stubs rejoining the fast path, the final
	 * exit's included, check the frame again; so a direct exit to that page may chain to
	 * the target's light entry (jit_link) */
	bool fframe;
	bool sg_hit;	/* this instruction's operand was a member's, with no check */
	bool sg_broken; /* a nofault member compiled otherwise (jit_compile) */
	/* the memory operand of the last e_operand: [mb + md] (RDI + 0, or J_SG + disp) */
	unsigned mb;
	int32_t md;
	int recomp_lf;
	unsigned recomp_cc;
	bool recomp;
	bool count_d; /* the data TLB is modelled: count fast-path hits */
	bool count_i; /* instruction fetches are counted (an I-TLB and the fetch model on) */
	/* No flag this instruction writes is read before the next instructions overwrite
	 * them, and nothing can leave the block or fault in between (jit_flags_live): its
	 * template may skip the lazy-flag record (j->lf then says "unknown"). */
	bool dead;
	/* A record only a fault can read before the flags are all written again (jit.c's
	 * defer_candidate): fo_cand is the guest register holding a logic result whose record
	 * the template may leave to the stubs of the instructions up to that write (-1: none);
	 * set_lf then sets fo_new to it (and fo_new_code) instead of storing the record. */
	int fo_cand, fo_new;
	unsigned fo_new_code;
	/* jumps (rel32 fields) to the current instruction's slow path: the whole instruction
	 * through its interpreter handler */
	uint8_t *fb[JIT_MAX_FB];
	unsigned nfb;
	bool fb_overflow;
	/* The host's MXCSR holds the guest's controls (every exception masked) and the flags
	 * raised since it was loaded, not yet in the guest's MXCSR, on entry to this
	 * instruction (mx_in) and after it (mx_out, set by SSE templates): a run of SSE
	 * templates loads it once and stores the flags once (jit_sse.c). */
	bool mx_in, mx_out;
	/* ES, SS and DS are flat and writable, and SS.B set, here: true from the block's entry
	 * (compiled code runs only so: jit_regime_ok) until a handler call that may load a
	 * segment register (jit_mem.c, stack32) */
	bool seg_flat;
	struct jit_rcache rg;
	/* this instruction's code (jit_insn_pure) is jit_regs.c's alone: its register stores
	 * may wait (rg.dirty) */
	bool pure;
	/* Hits counted at compile time, not yet in J_HITS (data) and J_FETCH's low half
	 * (fetch): on a fast path every access is a hit, so their number since the last sync
	 * is known here; added where it must be seen (jit_pend_flush): at every exit and
	 * before every call into C. pend0_*: the same at the start of this instruction, what
	 * its slow path adds (every check of a template comes before its counts). */
	unsigned pend_d, pend_f, pend0_d, pend0_f;
	/* the out-of-line kept-translation misses so far (room for cold_max) */
	struct jit_cold *cold;
	unsigned ncold, cold_max;
	struct jit_fcold *fcold; /* the same for fetch misses */
	unsigned nfcold, fcold_max;
	/* what the host registers hold at this instruction's start (jit_regs_at_insn) */
	struct jit_fill fill[JIT_MAX_FILL];
	unsigned nfill;
	/* LRU ticks and owed stamps here, and at this instruction's start (lru0) */
	struct jit_lru lru, lru0;
	/* stamps and events of the block's body so far (the fast path: body), recorded into
	 * look (rec) or deciding from it which stamps are owed */
	struct jit_look *look;
	bool rec, body;
	unsigned nstamp, nev;
};

/* A slot of the indirect-target cache: a guest EIP and the chained entry of its block (or
 * the shared lookup path). In data memory, not patched into code: writing near running code
 * costs the host a pipeline flush. */
struct jit_site {
	uint32_t eip;
	uint8_t *entry;
};
/* A direct exit chained to a block: unchained again if the block is dropped. */
struct jit_link {
	uint8_t *site; /* the exit's rel32; its unchained path starts right after it */
	struct jit_link *next;
};
#define JIT_ICACHE_BITS 12
#define JIT_ICACHE_SIZE (1u << JIT_ICACHE_BITS)
#define TRAMPOLINE_SIZE 2048u
/* lf_op values: kind << 2 | log2(size), kinds up to LF_MUL */
#define JIT_LF_OPS 48

struct jit_state {
	FILE *perf_map;	      /* /tmp/perf-PID.map for `perf report` (VMLAB_PERF_MAP=1), or NULL */
	const char *dump_dir; /* VMLAB_JIT_DUMP: where compiled blocks are written, or NULL */
	uint8_t *code;
	size_t used;
	uint8_t *data; /* instruction copies for fallback calls */
	size_t data_used;
	uint8_t *epilogue;
	int (*enter)(struct cpu *c, void *code);
	struct mmu_fast dead; /* what kept translations point at when forgotten at run time */
	/* indirect exits look their target up here, by EIP, before asking jit_indirect */
	struct jit_site *icache;
	struct jit_work *work; /* jit_compile's tables (jit.c) */
	uint8_t *icache_miss; /* the lookup path (jit_indirect) for an empty or other slot */
	/* the shared helper that loads the host's flags from a lazy-flag record of a kind
	 * not known at compile time (jit_emit_lf_helper), and its code per lf_op */
	uint8_t *lf_host;
	uint8_t *lf_code; /* where that helper's code starts (its slow half and its table) */
	uint8_t *lf_table[JIT_LF_OPS];
	unsigned long regs_lost; /* blocks not used for jit_regs_lost (tests require none) */
	/* the TLB entry dead's stamps go to (an owed stamp flushed through a kept register
	 * that a call left pointing at dead) */
	struct tlb_entry dead_tlbe;
};

/* Emits the current instruction from a template; false (and nothing emitted) when there is
 * none for it. */
bool jit_insn(struct jit *j, const struct insn *i);
/* Whether instruction i's template, if it has one, stays inline on its fast path (no call
 * into C code, no exit). */
bool jit_insn_inline(const struct insn *i);
/* The same for SSE/SSE2 instructions on XMM registers (jit_sse.c). */
bool jit_sse(struct jit *j, const struct insn *i);
/* The end of a run of SSE templates: the flags it raised OR-ed into the guest's MXCSR and
 * the host's MXCSR back (saved by the entry trampoline at [rsp + 4]); clobbers RCX. The
 * start of one: the guest's controls loaded, every exception masked, flags clear; clobbers
 * RAX. */
void jit_mxcsr_host(struct jit *j);
void jit_mxcsr_guest(struct jit *j);

/* Guest registers (jit_regs.c): load or store a guest register of size sz through host
 * register h; a 32-bit load of a register a host register still holds takes it from there. */
void jit_ld_reg(struct jit *j, unsigned h, unsigned r, unsigned sz);
void jit_st_reg(struct jit *j, unsigned h, unsigned r, unsigned sz);
/* Host registers for templates (busy: a mask of host registers not to pick or overwrite):
 * one that holds guest register r, loaded into a free one if none does (get); one holding
 * r that the caller may change, copied first if it also stands for another guest register
 * (dst); a free one, whatever it held forgotten (tmp; emits nothing). */
unsigned jit_reg_get(struct jit *j, unsigned r, unsigned busy);
unsigned jit_reg_dst(struct jit *j, unsigned r, unsigned busy);
unsigned jit_reg_tmp(struct jit *j, unsigned busy);
/* The host register that holds guest register r here, or -1 (emits nothing). */
int jit_reg_cached(struct jit *j, unsigned r);
/* The code emitted since `from` (straight-line to the caller: any jump arriving in it comes
 * from it) changed the host registers in mask and no guest register (wrote), or guest
 * register r of size sz in c->regs and no host register (stored). */
void jit_reg_wrote(struct jit *j, const uint8_t *from, unsigned mask);
void jit_reg_stored(struct jit *j, const uint8_t *from, unsigned r, unsigned sz);
/* At the start of an instruction: what its start relies on (j->fill), which the previous
 * instruction's stubs load from c->regs before they rejoin. */
void jit_regs_at_insn(struct jit *j);
/* Before code that changes the host registers in mask: the stores still to come from them
 * (rg.dirty) emitted. */
void jit_reg_clobber(struct jit *j, unsigned mask);
/* Every store still to come emitted: c->regs is exact again. */
void jit_regs_flush(struct jit *j);
/* The state at a point the compiler may take the emitted code back to, and back to it. */
void jit_regs_save(struct jit *j, struct jit_rcache *to);
void jit_regs_restore(struct jit *j, const struct jit_rcache *from);
/* After a block's compilation: true (reported once on stderr, counted in regs_lost) when
 * a store still to come was forgotten, a bug of the compiler: the block is then not used. */
bool jit_regs_lost(struct jit *j);
/* Whether instruction i's template (flags dead after it or not) emits only code that
 * jit_regs.c is told about, with no slow path, exit or call: its guest register stores may
 * then wait for a later instruction. */
bool jit_insn_pure(const struct cpu *c, const struct insn *i, bool dead);
/* In a stub, before it rejoins the next instruction: the registers that one relies on. */
void jit_emit_fills(struct jit *j, const struct jit_fill *f, unsigned n);

/* Access groups (jit_group.c): runs of instructions that leave ESP and a base register B
 * alone, whose [B + disp] operands are checked once, as one range, and then addressed from
 * J_SG. */
#define JIT_SG_MAX 32
/* a block whose groups failed this many times is compiled again without them */
#define JIT_SG_FAILS 8
struct jit_sg_plan {
	int8_t run[BLOCK_INSNS_MAX + 1];
	bool member[BLOCK_INSNS_MAX];
	/* nofault[k]: a member whose operand needs no check (an earlier member of its run
	 * made it, and no call can come in between): it cannot fault, so flag liveness takes
	 * it as its register form (jit_flags_before). The compiler verifies that it compiled
	 * so (j->sg_broken otherwise: the block is compiled again without). */
	bool nofault[BLOCK_INSNS_MAX];
	struct {
		int32_t lo, hi; /* the members' bytes: [B + lo, B + hi) */
		unsigned acc;	/* the kind of entry that serves them all */
		uint8_t base;	/* B */
	} g[JIT_SG_MAX];
};
/* Plans block b's groups into p (none when the block may not have them: b->no_sg); with
 * nofault, marks the members that need no check. */
void jit_sg_plan(struct jit *j, struct jit_sg_plan *p, bool nofault);
/* A member's operand: [J_SG + disp] with its hit counted, checking the group first where
 * J_SG does not hold it; false (nothing emitted) when instruction i's access of size sz is
 * not a member's. */
bool jit_sg_operand(struct jit *j, const struct insn *i, unsigned sz, enum mmu_access acc);
/* Whether instruction j->k is a member that needs no check and whose template tells
 * jit_regs.c all it emits: its register stores may wait as a pure instruction's do. */
bool jit_sg_pure(const struct jit *j, const struct insn *i);
/* In a stub that rejoins instruction k, whose fast path expects the group's J_SG and R9:
 * the group checked again after the C code the stub ran, or the block left at k. */
void jit_sg_recheck(struct jit *j, unsigned k);
void jit_fetch_recheck(struct jit *j, unsigned k, uint32_t page, bool frame);

/* Helpers for templates (jit.c). */
void jit_fb_jump(struct jit *j, unsigned cc);	  /* jcc (or jmp, cc < 0) to the slow path */
void jit_ea(struct jit *j, const struct insn *i); /* ESI = the effective address */
/* RDI = host address of the operand at ESI (segment sr, size sz), the hit counted; misses
 * jump to the slow path. base: the guest register the address came from (NOREG: none),
 * which picks the kept translation. Clobbers RAX, RCX, RDX. */
void jit_mem(struct jit *j, unsigned sr, unsigned sz, enum mmu_access acc, unsigned base);
/* The same through kept translation k (R8..R10) whatever the base. */
void jit_mem_kept(struct jit *j, unsigned sr, unsigned sz, enum mmu_access acc, unsigned k);
/* Emits a kept-translation miss recorded by jit_mem (in the cold area: its table miss
 * jumps to the instruction's slow path through j->fb). */
void jit_emit_cold(struct jit *j, const struct jit_cold *c);
void jit_emit_fcold(struct jit *j, const struct jit_fcold *c);
/* Every kept translation forgotten (compile time). */
void jit_rc_forget(struct jit *j);
bool jit_lru(const struct jit *j); /* the TLB's replacement reads LRU stamps */
/* The LRU stamp of a hit on the fast slot at [ent + disp] (none under FIFO or random, or with
 * no TLB of that kind), through host register tmp. */
void jit_stamp_hit(struct jit *j, unsigned ent, int32_t disp, unsigned acc, unsigned tmp);
/* Leaves the block before instruction k, which cpu_run then interprets on from (no new block
 * entry counted: in->jit_resume); k == b->n: at the block's end. */
void jit_leave_resume(struct jit *j, unsigned k);
bool jit_write_serves_read(const struct mmu *m);
/* Which kept translation serves which base register in this block (before it is compiled). */
void jit_rc_assign(struct jit *j);
/* jit_mem in two halves, for instructions with two accesses (both checked before either is
 * counted): the check leaves the fast entry in ent (RAX or R8..R11; clobbers RCX), the
 * finish counts the hit and sets dst to the host address of the guest address in addr
 * (clobbers RAX, RDX). */
void jit_mem_check(struct jit *j, unsigned sr, unsigned sz, enum mmu_access acc, unsigned ent);
void jit_mem_finish(struct jit *j, unsigned ent, unsigned addr, unsigned dst, enum mmu_access acc);
/* Direct exit to a guest EIP after `retired` instructions of the block (chained later). */
void jit_exit_direct(struct jit *j, uint32_t target, unsigned retired);
/* Exit with the guest EIP in ECX after `retired` instructions. */
void jit_exit_indirect(struct jit *j, unsigned retired);
/* Calls fn from compiled code: the pending hits flushed, J_LRU and J_HITS stored for C code
 * first (nothing pending after) and J_LRU reloaded afterwards (C code may do TLB lookups). */
void jit_call_sync(struct jit *j, const void *fn);
/* Shared by jit.c, jit_mem.c and jit_flags.c. */
void jit_exit_code(struct jit *j, int code);  /* EAX = code; to the epilogue */
void jit_add_insns(struct jit *j, int32_t n); /* c->insns += n */
/* Back to cpu_run (J_CONT) at a known EIP after `retired` instructions of the block. */
void jit_leave_at(struct jit *j, uint32_t eip, unsigned retired);
void jit_sync_out(struct emit *e);	      /* J_LRU, J_HITS, J_FETCH stored for C code */
/* The hits counted at compile time added to J_HITS and J_FETCH (no flags changed); the
 * compile-time count is left as it is, for the path that goes on (an exit's is another). */
void jit_pend_flush(struct jit *j);
/* Where a path whose counts were all synced (compile time: none pending) joins one with d
 * data and f fetch hits pending: those taken off the registers here, so that adding them
 * later counts them once (the registers may go below 0 meanwhile; only sums are seen). */
void jit_pend_rejoin(struct jit *j, unsigned d, unsigned f);
void jit_rc_kill(struct jit *j);	      /* run time: no kept translation matches */
/* A hit through kept translation k (R8..R10), known to hold its entry here: the LRU stamp
 * (through host register tmp) unless its entry has the newest one already, and the count. */
void jit_count_kept(struct jit *j, unsigned k, enum mmu_access acc, unsigned tmp);
/* Whether jit_count_kept will emit a stamp (else it needs no temporary). */
bool jit_kept_stamps(const struct jit *j, unsigned k, enum mmu_access acc);
/* On an exit (struct jit_lru): every owed stamp written (through scratch registers ra, rb)
 * and J_LRU moved past the ticks issued, for the next block; compile time's state is left as
 * it is, for the path that goes on. */
void jit_lru_exit(struct jit *j, unsigned ra, unsigned rb);
/* An event of the block's body for the first compilation's record (struct jit_look). */
void jit_look_ev(struct jit *j, unsigned type, unsigned ent);
/* The owed stamps of R8..R10 written before code that changes those registers. */
void jit_lru_kill_kept(struct jit *j, unsigned ra, unsigned rb);
/* In a stub whose call ran with J_LRU at the tick of join (the fast path's state where it
 * rejoins): J_LRU as the fast path has it there, or the block left before instruction k when
 * the C code used more than the tick's gap (jit_leave_resume). */
void jit_lru_rejoin(struct jit *j, const struct jit_lru *join, unsigned k);
/* A fetch hit's stamp on page's slot of the fetch table in RDX (through tmp; RAX and RCX
 * too when another page's slot is owed a stamp). */
bool jit_stamp_fetch(struct jit *j, uint32_t page, unsigned tmp);
/* The fast-table lookup of sz bytes at the linear address in ESI: ent = the entry, ZF set
 * when its tag matches (in its page, not crossing into the next); clobbers tmp. */
void jit_table_probe(struct jit *j, unsigned sz, enum mmu_access acc, unsigned ent, unsigned tmp);
void jit_emit_rc_kill(struct emit *e, const struct mmu_fast *dead); /* the same, any emitter */
/* With RDX = the fetch fast table: a tag mismatch for lin jumps to *miss (patched later). */
void jit_fetch_lookup(struct jit *j, uint32_t lin, uint8_t **miss);
void jit_fetch_frame_lookup(struct jit *j, uint32_t lin, phys_addr_t pa, uint8_t **miss);
/* Host flags recomputed from the lazy record of kind/size lf; false when that does not
 * decide cc (INC/DEC and a CF condition). */
bool jit_recompute(struct jit *j, int lf, unsigned cc);
/* The guest registers instruction i may write (a whitelist of instructions that go on to the
 * next one; false for any other), as bits 1 << R_EAX... */
bool jit_insn_writes(const struct insn *i, unsigned *mask);
/* Host flags = the guest's arithmetic flags from the record, whatever its kind: the shared
 * helper (flags.c decides shifts and MUL), after an inline test of the likely kind. Clobbers
 * RAX and RCX only; the lazy state is left as it is. */
void jit_lf_to_host(struct jit *j);
/* Evaluates guest condition cc; returns the host condition that holds iff it is true.
 * Clobbers RAX and RCX at most (also through the shared helper), none when jit_cond_free:
 * the previous template's host flags are the guest's, and nothing is emitted. */
unsigned jit_cond(struct jit *j, unsigned cc);
bool jit_cond_free(const struct jit *j, unsigned cc);
/* EAX = guest CF (0 or 1). Clobbers RCX. */
void jit_get_cf(struct jit *j);
/* Emits the shared helper (in the trampoline area) that sets the host's arithmetic flags to
 * the guest's from the lazy-flag record, whatever its kind: a host operation per kind and
 * size, flags.c for shifts and MUL. Compiled code calls it where the kind is not known at
 * compile time; it clobbers RAX and RCX only. */
void jit_emit_lf_helper(struct jit *j);
/* Flag liveness: the arithmetic flags (EFL_ARITH bits) live before instruction i given
 * those live after it, as its template (or handler call) uses them: every flag when it may
 * leave the block, fault or call a handler. */
uint32_t jit_flags_before(const struct cpu *c, const struct insn *i, uint32_t after);
/* The I-TLB lookup for falling through a Jcc into the next basic block of the block. */
bool jit_fetch_count(struct jit *j, uint32_t next_eip, unsigned retired);

enum { HF_NONE, HF_ALL, HF_NOCF };

/* The offset of lin's slot in a fast table. */
static inline int32_t jit_fast_slot(uint32_t lin)
{
	return (int32_t)(((lin >> PAGE_SHIFT) & (MMU_FAST_SIZE - 1)) * sizeof(struct mmu_fast));
}

/* Offsets of guest state from the pinned registers. */
#define O_REG(r) ((int32_t)(offsetof(struct cpu, regs) + 4 * (r)))
#define O_REG8(r) ((int32_t)(offsetof(struct cpu, regs) + 4 * ((r)&3) + ((r) >> 2)))
#define O_IN(f) ((int32_t)offsetof(struct cpu_internal, f))
static inline int32_t o_reg(unsigned r, unsigned sz)
{
	return sz == 1 ? O_REG8(r) : O_REG(r);
}

/* ---- the interface to cpu.c ---- */
/* Compiled code runs only where what it was compiled for holds: paging on (so every fast
 * entry of a modelled TLB mirrors a TLB entry: count_hit), CS flat, and the segments
 * compiled code leaves on (in->jit_leave, set by segf_update: ES, SS and DS flat and
 * writable, and a 32-bit stack, so that a push or pop needs no check of its own until a
 * handler may have loaded SS, jit_insn.c's stack32). */
static inline bool jit_regime_ok(const struct cpu *c)
{
	return (c->mmu->regs.cr0 & CR0_PG) && c->mmu->seg.sr[SR_CS].flat && !c->in->jit_leave;
}

int jit_init(struct cpu *c);
void jit_destroy(struct cpu *c);
void jit_reset(struct cpu *c);	   /* drops all compiled code (with the decode cache) */
bool jit_space_low(struct cpu *c); /* time to reset the caches */
bool jit_compile(struct cpu *c, struct block *b); /* sets b->jit, b->jit_chain */
/* Runs compiled code from block b's entry; returns J_*. */
int jit_run(struct cpu *c, struct block *b);
/* After a J_CONT from a direct exit not yet linked: point it at b. */
void jit_link(struct cpu *c, struct block *b);
/* Block b is being dropped: its chained entry now leaves for cpu_run. */
void jit_block_dead(struct cpu *c, struct block *b);
#endif
