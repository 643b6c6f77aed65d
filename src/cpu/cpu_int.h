/*
 * The interpreter's private state: decoded instructions, lazy flags, the decode cache, and
 * the inline memory fast path every executor uses.
 */
#ifndef VMLAB_CPU_CPU_INT_H
#define VMLAB_CPU_CPU_INT_H
#include "cpu/cpu.h"
#include <string.h>

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* Handler results. */
enum {
	X_NEXT = 0, /* fall through: the loop advances eip by the instruction length */
	X_JUMP,     /* the handler set eip: the block ends */
	X_EXC,      /* exception in in->ex, eip still at the instruction */
	X_EXIT,     /* leave cpu_run with in->exit_code (eip set by the handler) */
	X_RESTART,  /* fetch again at eip (set by the handler): the instruction did not run */
	X_END,      /* the block's sentinel was reached: every instruction of it retired */
};

struct insn;
typedef int (*insn_fn)(struct cpu *c, const struct insn *i);

/*
 * Threaded dispatch: a handler that completes normally tail-calls the next instruction's
 * handler (a jump, not a call, at -O2); every block ends with a sentinel that returns
 * X_END. in->at always names the executing instruction, so cpu_run knows where a chain
 * stopped. A handler may also return X_NEXT: cpu_run then goes on after in->at.
 */
#define NEXT(c, i) return next_insn((c), (i))

#define NOREG 8

/* One decoded instruction. */
struct insn {
	insn_fn fn;
	uint32_t eip;   /* linear-space EIP of this instruction (blocks are per linear address too) */
	uint8_t len;
	uint8_t op;     /* primary opcode byte (second byte for 0F xx) */
	uint8_t modrm;
	uint8_t reg;    /* ModRM.reg */
	uint8_t rm;     /* ModRM.rm (a register number when mod == 3) */
	uint8_t mod3;   /* register operand */
	uint8_t sreg;   /* segment of the memory operand (after overrides) */
	uint8_t base;   /* NOREG: none */
	uint8_t index;  /* NOREG: none */
	uint8_t scale;
	uint8_t osz16;  /* operand-size 16 */
	uint8_t asz16;  /* address-size 16 */
	uint8_t rep;    /* 0, 0xF3 (REP/REPE) or 0xF2 (REPNE) */
	uint8_t ovr;    /* a segment override prefix was present */
	uint8_t ends;   /* ends a block (control transfer or mode change) */
	uint8_t lock;   /* LOCK prefix */
	uint8_t jcc;    /* a conditional jump: the block goes on past it (a side exit) */
	uint8_t pfx66;  /* a 66 prefix was present (SSE's mandatory prefix) */
	uint16_t opc;   /* the opcode: its byte, or 0x100 | the second byte for 0F xx */
	uint32_t disp;
	uint32_t imm;
	uint32_t imm2;
	/* in a block: the times this instruction's jump left the block early while cpu_run
	 * interpreted it (saturating), which tells jit.c whether a side exit is mostly taken */
	uint8_t taken;
};

/* Lazy-flag kinds; lf_op = kind << 2 | log2(size). */
enum {
	LF_NONE = 0, /* arithmetic flags are in in->eflags */
	LF_ADD,
	LF_ADC,
	LF_SUB,
	LF_SBB,
	LF_LOGIC,
	LF_INC,
	LF_DEC,
	LF_SHL,
	LF_SHR,
	LF_SAR,
	LF_MUL, /* CF = OF = aux != 0 */
};
#define EFL_ARITH (EFL_CF | EFL_PF | EFL_AF | EFL_ZF | EFL_SF | EFL_OF)

/* The result of the recorded operation of lf_op op (unmasked): an ADD's or SUB's (CMP's,
 * NEG's) follows from its operands, so compiled code does not record it and lf_res is not
 * read for them; the other kinds record it. */
static inline __attribute__((always_inline)) uint32_t lf_result(unsigned op, uint32_t res,
								uint32_t a, uint32_t b)
{
	switch (op >> 2) {
	case LF_ADD: return a + b;
	case LF_SUB: return a - b;
	default: return res;
	}
}

struct block;
struct jit_state;
struct jit_link;

/* Most instructions in a decoded block. */
#define BLOCK_INSNS_MAX 64

struct cpu_internal {
	uint32_t eflags; /* non-arithmetic bits always; arithmetic bits when lf_op == 0 */
	unsigned lf_op;
	uint32_t lf_res, lf_a, lf_b, lf_aux;
	struct x86_exception ex;
	enum cpu_exit exit_code;
	uint8_t segf[SR_COUNT]; /* SEGF_* per segment register: may use the flat fast path */
	uint32_t segbase[SR_COUNT]; /* its base, when SEGF_BR/SEGF_BW say offsets need no check */
	bool code32;            /* CS.D */
	uint32_t sp_mask;       /* SS.B ? 0xffffffff : 0xffff */
	bool stop;              /* the executing block was invalidated (self-modifying code) */
	/* right after stop (compiled code tests both in one compare after a handler): a
	 * segment load left ES, SS or DS unfit for compiled code (segf_jit_ok) or SS.B clear,
	 * and compiled code must leave at the next boundary; its chained entries do not check
	 * again */
	bool jit_leave;
	/* Compiled code left block jit_resume before its instruction jit_resume_k because of
	 * jit_leave (or stop): cpu_run interprets the rest of the block from there, as the
	 * interpreter would have gone on in it, with no new block entry counted. NULL: none. */
	struct block *jit_resume;
	unsigned jit_resume_k;
	const struct block *cur;
	const struct insn *blk_first; /* first instruction of the executing block (RDTSC) */
	const struct insn *at;        /* the instruction being executed (threaded dispatch) */
	struct block *trunc;          /* a block cut short by the instruction budget */
	/* decode cache */
	struct block **hash;
	unsigned hash_mask;
	unsigned hash_count;	    /* blocks added since the last reset (the hash grows with it) */
	struct page_blocks **pages; /* per physical frame of decoded blocks (hash by pfn) */
	unsigned pages_mask;
	uint8_t *arena;
	size_t arena_size, arena_used;
	uint64_t tsc_base;
	/* the MMU's fast tables for the current CPL, and fast-path TLB hits not yet added to the
	 * statistics (flushed when cpu_run returns: see cpu_ptr) */
	struct mmu_fast *fast[3];
	uint64_t fast_hits[3];
	/* a read-modify-write operand split across two pages: worked on in bounce[], written
	 * back to both pages by rmw_commit (both were translated for writing first) */
	uint8_t bounce[16];
	uint8_t *split[2];
	unsigned split_n1, split_sz;
	uint32_t idtr_base;
	uint16_t idtr_limit;
	/* the block compiler (jit.c) */
	struct jit_state *jit;
	uint64_t jit_end;       /* the instruction budget's end, for chained blocks */
	uint8_t *jit_link_site; /* the direct exit compiled code left by, not yet chained */
	/* that exit's block's frame number + 1 when its fast path there held its page's fetch
	 * slot checked and the exit's target is on that page (0: not so) */
	uint32_t jit_link_frame;
	bool jit_full;          /* the code buffer is full: reset the caches */
	bool jit_fetch_model;   /* c->tlb_fetch_model the compiled code was made for */
	uint64_t dc_hits;       /* decode-cache hits not yet added to the counter */
	uint64_t jit_k_dc, jit_k_both; /* 1 << 32 and 1 << 32 | 1: what a chained block entry
				       * adds to the JIT's packed fetch/decode-cache hit count */
	/* LRU ticks in compiled code (jit_mem.c): the value of the tick at which compiled code
	 * last called C code (a stub that rejoins checks that C code stayed within one tick of
	 * it: jit_lru_rejoin), and the clock that C code left (the next call starts above) */
	uint64_t jit_lru_mark, jit_lru_floor;
};
/* SEGF_R/SEGF_W: flat (base 0, 4 GB, expand-up) and readable/writable, so an offset is the
 * linear address. SEGF_BR/SEGF_BW: 4 GB and expand-up with any base (a flat segment has them
 * too, with base 0): no limit check can fail, the linear address is offset + segbase. i386
 * glibc's TLS is such a segment (GS): every stack-protector check reads %gs:0x14. */
#define SEGF_R 1
#define SEGF_W 2
#define SEGF_BR 4
#define SEGF_BW 8
/* Compiled code runs only while ES, SS and DS are flat and writable, as Linux's user
 * segments are: its accesses through them then need no segment check (jit_mem.c). The
 * four bytes segf[SR_ES..SR_DS] read as one little-endian word, CS's byte ignored. */
#define SEGF_JIT_MASK                                                                              \
	((uint32_t)(SEGF_R | SEGF_W) << (8 * SR_ES) | (uint32_t)(SEGF_R | SEGF_W) << (8 * SR_SS) | \
	 (uint32_t)(SEGF_R | SEGF_W) << (8 * SR_DS))
static inline bool segf_jit_ok(const uint8_t *segf)
{
	uint32_t v;
	memcpy(&v, segf, 4);
	return (v & SEGF_JIT_MASK) == SEGF_JIT_MASK;
}

/* A basic block of decoded instructions: one physical page, ends at a control transfer. */
struct block {
	struct block *hnext;   /* hash chain */
	struct block *pnext;   /* same-page chain */
	phys_addr_t pa;        /* physical address of the first instruction */
	uint32_t eip;          /* its EIP (decoded instructions carry absolute EIPs) */
	struct block *link[2]; /* successors seen last (checked by physical address) */
	bool code32;
	bool valid;
	/* the last instruction crosses into the next page, whose frame is pa2 (page-aligned):
	 * the block runs only while that page still maps there (get_block) */
	bool straddle;
	bool in2; /* also on pa2's same-page chain (through pnext2): pa2 is another frame */
	uint16_t n;
	uint16_t runs; /* executions before it was compiled (c->jit_threshold) */
	/* compiled code left it because an access group's range no longer fit its checks
	 * (jit_group.c), and whether it is to be compiled without access groups */
	uint8_t sg_fails;
	bool no_sg;
	phys_addr_t pa2;
	struct block *pnext2;
	uint8_t *jit;       /* compiled code's entry from cpu_run, or NULL */
	uint8_t *jit_chain; /* its entry from other compiled blocks */
	/* its entry from a block on its page and frame whose fast path held the fetch slot
	 * checked (jit_link), past the check of its page's frame; NULL: none */
	uint8_t *jit_light;
	uint8_t *jit_bail;  /* where that entry leaves for cpu_run */
	struct jit_link *jit_in; /* direct exits of other blocks chained to it */
	struct insn insns[];
};

struct page_blocks {
	struct page_blocks *next;
	uint64_t pfn;
	struct block *first;
};

static inline __attribute__((always_inline)) int next_insn(struct cpu *c, const struct insn *i)
{
	c->in->at = i + 1;
	return i[1].fn(c, i + 1);
}

/* ---- registers ---- */
static inline __attribute__((always_inline)) uint8_t *reg8p(struct cpu *c, unsigned r)
{
	return (uint8_t *)&c->regs[r & 3] + (r >> 2);
}
static inline __attribute__((always_inline)) uint32_t getreg(struct cpu *c, unsigned r, unsigned sz)
{
	if (sz == 4)
		return c->regs[r];
	if (sz == 2)
		return c->regs[r] & 0xffff;
	return *reg8p(c, r);
}
static inline __attribute__((always_inline)) void setreg(struct cpu *c, unsigned r, unsigned sz, uint32_t v)
{
	if (sz == 4)
		c->regs[r] = v;
	else if (sz == 2)
		c->regs[r] = (c->regs[r] & 0xffff0000u) | (v & 0xffff);
	else
		*reg8p(c, r) = (uint8_t)v;
}

/* ---- effective addresses ---- */
static inline __attribute__((always_inline)) uint32_t ea16(struct cpu *c, const struct insn *i)
{
	uint32_t a = i->disp;
	if (i->base != NOREG)
		a += c->regs[i->base];
	if (i->index != NOREG)
		a += c->regs[i->index];
	return a & 0xffff;
}
static inline __attribute__((always_inline)) uint32_t ea(struct cpu *c, const struct insn *i)
{
	if (unlikely(i->asz16))
		return ea16(c, i);
	uint32_t a = i->disp;
	if (i->base != NOREG)
		a += c->regs[i->base];
	if (i->index != NOREG)
		a += c->regs[i->index] << i->scale;
	return a;
}

/* ---- memory ---- */
void cpu_flush_fast_hits(struct cpu *c);

int mem_read_slow(struct cpu *c, unsigned sr, uint32_t off, unsigned sz, uint32_t *v);
int mem_write_slow(struct cpu *c, unsigned sr, uint32_t off, unsigned sz, uint32_t v);
int mem_rmw_ptr_slow(struct cpu *c, unsigned sr, uint32_t off, unsigned sz, uint8_t **pp);

static inline __attribute__((always_inline)) uint32_t ld(const uint8_t *p, unsigned sz)
{
	if (sz == 4) {
		uint32_t v;
		memcpy(&v, p, 4);
		return v;
	}
	if (sz == 2) {
		uint16_t v;
		memcpy(&v, p, 2);
		return v;
	}
	return *p;
}
static inline __attribute__((always_inline)) void st(uint8_t *p, unsigned sz, uint32_t v)
{
	if (sz == 4)
		memcpy(p, &v, 4);
	else if (sz == 2) {
		uint16_t w = (uint16_t)v;
		memcpy(p, &w, 2);
	} else
		*p = (uint8_t)v;
}

/* The fast-table entry that maps lin's page for accesses of kind acc, or NULL; nothing is
 * counted (the decoder and the block lookups ask it without making a TLB lookup). */
static inline __attribute__((always_inline)) struct mmu_fast *
fast_entry(struct cpu_internal *in, uint32_t lin, enum mmu_access acc)
{
	struct mmu_fast *f = &in->fast[acc][(lin >> PAGE_SHIFT) & (MMU_FAST_SIZE - 1)];
	return f->tag == (lin & PAGE_MASK) ? f : NULL;
}

/* The fast-table lookup of a linear address whose access stays in its page: the hit counted
 * as a TLB hit (LRU stamp, batched count), or NULL (nothing counted). */
static inline __attribute__((always_inline)) uint8_t *fast_hit_lin(struct cpu *c, uint32_t lin,
								   enum mmu_access acc)
{
	struct mmu_fast *f = fast_entry(c->in, lin, acc);
	if (likely(f != NULL)) {
		struct tlb_entry *e = f->tlbe;
		if (e) {
			e->last_use = ++c->mmu->lru_clock;
			c->in->fast_hits[acc]++;
		}
		uint8_t *p = mmu_fast_host(f, lin);
		if (p == NULL) /* fast entries map RAM: tells the compiler, which then */
			__builtin_unreachable(); /* tests the hit only once */
		return p;
	}
	return NULL;
}

/*
 * The MMU's mmu_ptr with the statistics batched: a hit on a fast entry refreshes the
 * mirrored TLB entry's LRU stamp at once (replacement decisions stay exact) and counts the
 * lookup and hit in in->fast_hits, which cpu_run adds to the TLB's statistics and the
 * counters before it returns, so every figure read outside cpu_run is exact.
 */
static inline __attribute__((always_inline)) uint8_t *cpu_ptr(struct cpu *c, uint32_t lin,
							      enum mmu_access acc)
{
	uint8_t *p = fast_hit_lin(c, lin, acc);
	if (likely(p != NULL))
		return p;
	return mmu_ptr_slow(c->mmu, lin, acc, &c->in->ex);
}

/* The fast-table hit alone; NULL sends the caller to its out-of-line slow path, so the
 * inlined fast path makes no call (and needs no saved registers). */
static inline __attribute__((always_inline)) uint8_t *fast_hit(struct cpu *c, unsigned sr,
							       uint32_t off, unsigned sz,
							       enum mmu_access acc, uint8_t need)
{
	if (likely((c->in->segf[sr] & need) && (off & 0xfff) <= 4096 - sz))
		return fast_hit_lin(c, off, acc);
	return NULL;
}

static inline __attribute__((always_inline)) int mem_read(struct cpu *c, unsigned sr,
							  uint32_t off, unsigned sz, uint32_t *v)
{
	uint8_t *p = fast_hit(c, sr, off, sz, ACC_READ, SEGF_R);
	if (likely(p != NULL)) {
		*v = ld(p, sz);
		return 0;
	}
	return mem_read_slow(c, sr, off, sz, v);
}
static inline __attribute__((always_inline)) int mem_write(struct cpu *c, unsigned sr,
							   uint32_t off, unsigned sz, uint32_t v)
{
	uint8_t *p = fast_hit(c, sr, off, sz, ACC_WRITE, SEGF_W);
	if (likely(p != NULL)) {
		st(p, sz, v);
		return 0;
	}
	return mem_write_slow(c, sr, off, sz, v);
}
/*
 * Read-modify-write: one translation with write intent (as the hardware's locked/RMW access
 * does). *pp is a host pointer (the bounce buffer for an operand split across pages: see
 * rmw_commit), or NULL when the operand is not in RAM: then use mem_read + mem_write.
 */
static inline __attribute__((always_inline)) int mem_rmw_ptr(struct cpu *c, unsigned sr,
							     uint32_t off, unsigned sz,
							     uint8_t **pp)
{
	uint8_t *p = fast_hit(c, sr, off, sz, ACC_WRITE, SEGF_W);
	if (likely(p != NULL)) {
		*pp = p;
		return 0;
	}
	return mem_rmw_ptr_slow(c, sr, off, sz, pp);
}

void rmw_commit_split(struct cpu *c);
/* After storing the new value of an operand obtained from mem_rmw_ptr. */
static inline __attribute__((always_inline)) void rmw_commit(struct cpu *c, const uint8_t *p)
{
	if (unlikely(p == c->in->bounce))
		rmw_commit_split(c);
}

/* ---- flags ---- */
uint32_t flags_materialize(struct cpu_internal *in);
bool cond_slow(struct cpu_internal *in, unsigned cc);
bool get_cf_slow(struct cpu_internal *in);

static inline __attribute__((always_inline)) void setlf(struct cpu_internal *in, unsigned kind, unsigned sz, uint32_t res,
			 uint32_t a, uint32_t b)
{
	in->lf_op = kind << 2 | (sz >> 1);
	in->lf_res = res;
	in->lf_a = a;
	in->lf_b = b;
}
static inline __attribute__((always_inline)) uint32_t get_flags(struct cpu_internal *in)
{
	return in->lf_op == LF_NONE ? in->eflags : flags_materialize(in);
}
static inline __attribute__((always_inline)) bool get_cf(struct cpu_internal *in)
{
	if (in->lf_op == LF_NONE)
		return in->eflags & EFL_CF;
	return get_cf_slow(in);
}
/* Sets the arithmetic flags eagerly (after computing them all). */
static inline __attribute__((always_inline)) void set_arith(struct cpu_internal *in, uint32_t f)
{
	in->eflags = (in->eflags & ~EFL_ARITH) | (f & EFL_ARITH);
	in->lf_op = LF_NONE;
}
static inline __attribute__((always_inline)) uint32_t szmask(unsigned sz)
{
	return sz == 4 ? 0xffffffffu : (1u << (sz * 8)) - 1;
}
static inline __attribute__((always_inline)) uint32_t szsign(unsigned sz)
{
	return 1u << (sz * 8 - 1);
}
static inline __attribute__((always_inline)) uint32_t sext(uint32_t v, unsigned sz)
{
	return sz == 4 ? v : sz == 2 ? (uint32_t)(int32_t)(int16_t)v : (uint32_t)(int32_t)(int8_t)v;
}
static inline __attribute__((always_inline)) uint32_t parity_flag(uint32_t r)
{
	return __builtin_parity(r & 0xff) ? 0 : EFL_PF;
}
/* ZF, SF, PF of a result. */
static inline __attribute__((always_inline)) uint32_t szp(uint32_t r, unsigned sz)
{
	uint32_t f = parity_flag(r);
	if ((r & szmask(sz)) == 0)
		f |= EFL_ZF;
	if (r & szsign(sz))
		f |= EFL_SF;
	return f;
}

/* Condition cc decided from the lazy state alone: 0 or 1, or -1 when cond_slow must decide
 * (kept apart so that a caller can put the call out of line). */
static inline __attribute__((always_inline)) int cond_lazy(const struct cpu_internal *in,
							   unsigned cc)
{
	unsigned op = in->lf_op;
	if (op != LF_NONE && op >> 2 != LF_MUL && ((cc >> 1) == 2 || (cc >> 1) == 4)) {
		/* every lazy kind but MUL (ZF clear) derives ZF and SF from the result; the
		 * masks by table (op & 3 is log2 of the size: 0, 1 or 2) */
		static const uint32_t mask[4] = {0xff, 0xffff, 0xffffffffu, 0xffffffffu};
		static const uint32_t sign[4] = {0x80, 0x8000, 0x80000000u, 0x80000000u};
		uint32_t r = lf_result(op, in->lf_res, in->lf_a, in->lf_b);
		bool v = (cc >> 1) == 2 ? (r & mask[op & 3]) == 0 : (r & sign[op & 3]) != 0;
		return v ^ (cc & 1);
	}
	if (op >> 2 == LF_SUB) {
		unsigned sz = 1u << (op & 3);
		uint32_t a = in->lf_a, b = in->lf_b;
		bool r;
		switch (cc >> 1) {
		case 1: r = a < b; break;                                  /* B */
		case 2: r = a == b; break;                                 /* E */
		case 3: r = a <= b; break;                                 /* BE */
		case 6: r = (int32_t)sext(a, sz) < (int32_t)sext(b, sz); break;  /* L */
		case 7: r = (int32_t)sext(a, sz) <= (int32_t)sext(b, sz); break; /* LE */
		default: return -1;
		}
		return r ^ (cc & 1);
	}
	if (op >> 2 == LF_LOGIC) {
		unsigned sz = 1u << (op & 3);
		uint32_t r = in->lf_res;
		bool v;
		switch (cc >> 1) {
		case 2: v = (r & szmask(sz)) == 0; break;
		case 4: v = (r & szsign(sz)) != 0; break;
		case 7: v = (r & szmask(sz)) == 0 || (r & szsign(sz)); break;
		default: return -1;
		}
		return v ^ (cc & 1);
	}
	return -1;
}

static inline __attribute__((always_inline)) bool cond(struct cpu_internal *in, unsigned cc)
{
	int t = cond_lazy(in, cc);
	return t >= 0 ? t : cond_slow(in, cc);
}

/* ---- stack ---- */
static inline __attribute__((always_inline)) uint32_t sp_mask(struct cpu *c)
{
	return c->in->sp_mask;
}
static inline __attribute__((always_inline)) int push(struct cpu *c, unsigned sz, uint32_t v)
{
	uint32_t m = sp_mask(c);
	uint32_t nsp = (c->regs[R_ESP] - sz) & m;
	if (mem_write(c, SR_SS, nsp, sz, v))
		return -1;
	c->regs[R_ESP] = (c->regs[R_ESP] & ~m) | nsp;
	return 0;
}
static inline __attribute__((always_inline)) int pop(struct cpu *c, unsigned sz, uint32_t *v)
{
	uint32_t m = sp_mask(c);
	if (mem_read(c, SR_SS, c->regs[R_ESP] & m, sz, v))
		return -1;
	c->regs[R_ESP] = (c->regs[R_ESP] & ~m) | ((c->regs[R_ESP] + sz) & m);
	return 0;
}

static inline __attribute__((always_inline)) int raise(struct cpu *c, unsigned vec, bool has_err, uint32_t err)
{
	c->in->ex.vector = (uint16_t)vec;
	c->in->ex.has_error_code = has_err;
	c->in->ex.error_code = err;
	c->in->ex.cr2 = 0;
	return X_EXC;
}
#define UD(c) raise((c), X86_UD, false, 0)
#define GP0(c) raise((c), X86_GP, true, 0)

/*
 * A Jcc inside a block is a side exit; falling through enters the next basic block, which
 * is one instruction-fetch TLB lookup as for any block entry (i->imm2 set: the decoder
 * leaves it clear when the Jcc ends its block, so that cpu_run counts the entry instead).
 * Returns X_NEXT, or `jumped` with eip set when the fetch cannot be done here.
 */
int jcc_fallthrough_slow(struct cpu *c, const struct insn *i, int jumped);
static inline __attribute__((always_inline)) int jcc_fallthrough(struct cpu *c,
								const struct insn *i,
								int jumped)
{
	if (!i->imm2 || !c->tlb_fetch_model)
		NEXT(c, i);
	/* cpu_ptr's fast half here, its slow half out of line (no stack frame on this path) */
	uint32_t lin = i->eip + i->len + c->mmu->seg.sr[SR_CS].d.base;
	if (likely(fast_hit_lin(c, lin, ACC_FETCH) != NULL))
		NEXT(c, i);
	return jcc_fallthrough_slow(c, i, jumped);
}

/* Operand size of an instruction with a "v" operand. */
static inline __attribute__((always_inline)) unsigned osz(const struct insn *i)
{
	return i->osz16 ? 2 : 4;
}

/* ---- decoding and the cache ---- */
/* Fetch source for the decoder: bytes [0, avail) are at p; beyond, fetched through the MMU. */
struct fetch {
	struct cpu *c;
	const uint8_t *p;
	unsigned avail, pos;
	uint32_t eip;
	bool crossed; /* needed bytes beyond avail */
	bool next_page_looked; /* one of them was fetched through the MMU */
	bool fault;
	uint8_t buf[16];
};
/* Decodes one instruction; returns 0, or -1 on a fetch fault (c->in->ex). */
int decode_insn(struct fetch *f, bool code32, struct insn *i);
void segf_update(struct cpu *c);
/* The decoded block at (pa, eip, code32), or NULL. */
struct block *cpu_find_block(struct cpu *c, phys_addr_t pa, uint32_t eip, bool code32);
int load_seg(struct cpu *c, unsigned sr, uint16_t sel);

/* Handler tables built by the executors. */
extern const insn_fn op_table[256];
extern const insn_fn op0f_table[256];
int op_ud(struct cpu *c, const struct insn *i);

#endif
