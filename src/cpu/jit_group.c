/*
 * Access groups: optimised i386 code keeps most of its locals at [ESP + disp] and walks its
 * structures through a base register and small displacements, and each such access would
 * otherwise cost a TLB check of its own (jit_mem). Within a run of instructions that leaves
 * ESP and a base register B alone, every [B + disp] operand lies in one range known at compile
 * time; the first of them checks the whole range at once (one fast-table entry, of a kind that
 * serves every member, the range within its page) and leaves the host address of the guest's
 * B in J_SG, so that the others are plain host accesses at [J_SG + disp].
 *
 * Every member still counts its TLB hit and, as the interpreter would, stamps the entry for
 * the LRU order unless it has the newest stamp already (jit_count_kept, through R9, which
 * holds the group's entry): the statistics are the interpreter's. The check holds only where
 * no C code has run since (C code may replace TLB entries): a call into C ends it (jit_rc_kill),
 * and a stub that rejoins a group's instruction after its handler checks again, or leaves the
 * block there for the interpreter (in->jit_resume) when the range no longer fits. A block
 * whose stubs keep failing so (a range across a page boundary) is compiled again without
 * groups (cpu_run, b->no_sg). See docs/jit.md.
 */
#include "cpu/jit.h"

static unsigned bit(unsigned r)
{
	return 1u << r;
}
/* a register operand r of any size: the 32-bit register it is part of (AH..BH are 4..7) and,
 * conservatively, the register of that number */
static unsigned reg_any(unsigned r)
{
	return bit(r & 7) | bit(r & 3);
}

/* (jit.h) conservatively: a partial register counts as its whole register and as the one of
 * its number */
bool jit_insn_writes(const struct insn *i, unsigned *mask)
{
	if (i->ends || i->rep || i->lock)
		return false;
	if (i->jcc) {
		/* a Jcc inside the block: its fall-through's fetch lookup, when it calls C
		 * code, checks the group again (jit_emit_fcold) */
		*mask = 0;
		return true;
	}
	unsigned o = i->opc, rm = i->mod3 ? reg_any(i->rm) : 0, reg = reg_any(i->reg);
	if (o < 0x40) { /* ALU: E op= G, G op= E, AL/EAX op= imm */
		unsigned f = o & 7;
		*mask = f <= 1 ? rm : f <= 3 ? reg : bit(R_EAX);
		return f <= 5;
	}
	if ((o >= 0x40 && o <= 0x4F) || (o >= 0xB0 && o <= 0xBF) || (o >= 0x1C8 && o <= 0x1CF)) {
		*mask = reg_any(o & 7); /* INC/DEC, MOV r, imm, BSWAP */
		return true;
	}
	if (o >= 0x90 && o <= 0x97) { /* XCHG eAX, r */
		*mask = bit(R_EAX) | reg_any(o & 7);
		return true;
	}
	if (o >= 0x140 && o <= 0x14F) { /* CMOVcc */
		*mask = reg;
		return true;
	}
	if (o >= 0x190 && o <= 0x19F) { /* SETcc */
		*mask = rm;
		return true;
	}
	switch (o) {
	case 0x69:
	case 0x6B:
	case 0x8A:
	case 0x8B:
	case 0x8D:
	case 0x1AF:
	case 0x1B6:
	case 0x1B7:
	case 0x1BE:
	case 0x1BF:
	case 0x1BC:
	case 0x1BD: *mask = reg; return true;
	case 0x84:
	case 0x85:
	case 0xA8:
	case 0xA9:
	case 0x1A3: *mask = 0; return true;
	case 0x86:
	case 0x87: *mask = reg | rm; return true;
	case 0x88:
	case 0x89:
	case 0xC6:
	case 0xC7:
	case 0x80:
	case 0x81:
	case 0x83:
	case 0xC0:
	case 0xC1:
	case 0xD0:
	case 0xD1:
	case 0xD2:
	case 0xD3:
	case 0x1AB:
	case 0x1B3:
	case 0x1BB:
	case 0x1BA:
		*mask = rm; /* ModRM.reg is the operation (or the source) */
		return true;
	case 0xFE:
	case 0xFF: /* INC, DEC only */ *mask = rm; return i->reg <= 1;
	case 0xF6:
	case 0xF7: /* TEST, NOT, NEG; MUL, IMUL, DIV, IDIV write EAX and EDX */
		*mask = i->reg <= 1 ? 0 : i->reg <= 3 ? rm : bit(R_EAX) | bit(R_EDX);
		return true;
	case 0x98: *mask = bit(R_EAX); return true;
	case 0x99: *mask = bit(R_EDX); return true;
	default: return false;
	}
}

/* The segment an operand through base b takes unless overridden: the groups' members take
 * it (flat where compiled code runs, checked at the block's entry; after a handler, by the
 * group's check). */
static unsigned default_sr(unsigned b)
{
	return b == R_ESP || b == R_EBP ? SR_SS : SR_DS;
}
/* A member's displacement: within +-(2^31 - 4 KB), so that lo, hi, -lo and d + size are all
 * 32-bit values (a range's members lie within 1 KB of each other only modulo 4 GB otherwise:
 * [B - 0x7ffffff0] and [B + 0x7ffffff0] are 32 bytes apart, and J_SG + disp would address
 * host memory 4 GB away from the guest's page) */
#define SG_DISP_MAX 0x7ffff000
/* A member's operand: 32-bit addressing through a base alone, in its default segment; not
 * LEA's (no access). */
static bool plain_operand(const struct insn *i)
{
	int32_t d = (int32_t)i->disp;
	return !i->mod3 && !i->asz16 && i->base < 8 && i->index == NOREG && i->opc != 0x8D &&
	       i->sreg == default_sr(i->base) && d >= -SG_DISP_MAX && d <= SG_DISP_MAX;
}

/* Whether instruction i (a member) only reads its memory operand. Anything not listed is
 * taken as a write, which needs a group of write-kind entries. */
static bool reads_only(const struct insn *i)
{
	unsigned o = i->opc;
	if (o < 0x40)
		return (o & 7) == 2 || (o & 7) == 3 || (o >= 0x38 && o <= 0x3B);
	switch (o) {
	case 0x69:
	case 0x6B:
	case 0x84:
	case 0x85:
	case 0x8A:
	case 0x8B:
	case 0x1AF:
	case 0x1B6:
	case 0x1B7:
	case 0x1BE:
	case 0x1BF:
	case 0x1A3:
	case 0x1BC:
	case 0x1BD: return true;
	case 0x80:
	case 0x81:
	case 0x83: /* CMP */ return i->reg == 7;
	case 0xF6:
	case 0xF7: /* TEST, MUL, IMUL, DIV, IDIV */ return i->reg <= 1 || i->reg >= 4;
	case 0x1BA: /* BT */ return i->reg == 4;
	default: return o >= 0x140 && o <= 0x14F; /* CMOVcc */
	}
}

/* A group's range must stay well within a page, or it would seldom fit in one. */
#define SG_SPAN_MAX 1024

/* The group through base b that could start at instruction s of the run that ends at e: it
 * ends at the first instruction that writes b (or would widen the range too much); n members
 * (a bit each in `members`), their bytes [lo, hi), and whether they read and write. */
struct cand {
	unsigned n, end;
	uint64_t members;
	int64_t lo, hi;
	bool reads, writes;
};
_Static_assert(BLOCK_INSNS_MAX <= 64, "a member bit per instruction");
static struct cand candidate(const struct block *blk, unsigned s, unsigned e, unsigned b)
{
	struct cand c = {.end = e};
	for (unsigned x = s; x < e; x++) {
		const struct insn *i = &blk->insns[x];
		unsigned w = 0;
		jit_insn_writes(i, &w);
		bool m = plain_operand(i) && i->base == b && !(w & bit(b));
		int64_t d = (int32_t)i->disp; /* (64-bit: the span of any two stays exact) */
		if (m && c.n && (d < c.lo ? c.hi - d : d + 4 - c.lo) > SG_SPAN_MAX)
			m = false, w |= bit(b); /* the range would grow too wide: it ends here */
		if (!m && (w & bit(b))) {
			c.end = x;
			break;
		}
		if (!m)
			continue;
		if (!c.n || d < c.lo)
			c.lo = d;
		if (!c.n || d + 4 > c.hi)
			c.hi = d + 4;
		c.n++;
		c.members |= 1ull << x;
		if (reads_only(i))
			c.reads = true;
		else
			c.writes = true;
	}
	return c;
}

/* Whether instruction i has a template that stays inline (jit_insn_inline), in the form it
 * has here: XCHG with memory and BT/BTS/BTR/BTC with a register offset into memory go to
 * their handlers, and so do shifts and IMUL under AMD's model (their undefined flags come
 * from the handlers). A member after one would be compiled twice: its plan breaks. */
static bool templated(const struct cpu *c, const struct insn *i)
{
	unsigned o = i->opc;
	if (!jit_insn_inline(i))
		return false;
	if (!i->mod3 &&
	    (o == 0x86 || o == 0x87 || o == 0x1A3 || o == 0x1AB || o == 0x1B3 || o == 0x1BB))
		return false;
	bool shift = (o == 0xC0 || o == 0xC1 || (o >= 0xD0 && o <= 0xD3)) && i->reg >= 4;
	bool imul = o == 0x69 || o == 0x6B || o == 0x1AF;
	return c->vendor == CPU_VENDOR_INTEL || !(shift || imul);
}

void jit_sg_plan(struct jit *j, struct jit_sg_plan *p, bool nofault)
{
	const struct block *blk = j->b;
	const struct mmu *m = j->c->mmu;
	bool mixed_ok = jit_write_serves_read(m); /* (jit_mem.c) */
	unsigned ng = 0, n = blk->n;
	memset(p->member, 0, sizeof p->member);
	memset(p->nofault, 0, sizeof p->nofault);
	for (unsigned k = 0; k <= n; k++)
		p->run[k] = -1;
	j->sg = NULL;
	if (blk->no_sg)
		return;
	for (unsigned s = 0; s < n;) {
		/* a run: instructions of the whitelist that leave ESP alone */
		unsigned e = s, w;
		while (e < n && jit_insn_writes(&blk->insns[e], &w) && !(w & bit(R_ESP)))
			e++;
		/* groups in it, greedily: from each start, the base with the most members
		 * (ESP first among equals) before it is written */
		for (unsigned k = s; k < e && ng < JIT_SG_MAX;) {
			static const uint8_t order[8] = {R_ESP, R_EBP, R_ESI, R_EDI,
							 R_EBX, R_EDX, R_ECX, R_EAX};
			struct cand best = {0};
			unsigned bb = 0;
			for (unsigned x = 0; x < 8; x++) {
				struct cand c = candidate(blk, k, e, order[x]);
				if (c.n >= 2 && (!(c.reads && c.writes) || mixed_ok) &&
				    c.n > best.n) {
					best = c;
					bb = order[x];
				}
			}
			if (!best.n) {
				k++;
				continue;
			}
			p->g[ng].lo = (int32_t)best.lo; /* (32-bit values: SG_DISP_MAX) */
			p->g[ng].hi = (int32_t)best.hi;
			p->g[ng].acc = best.writes ? ACC_WRITE : ACC_READ;
			p->g[ng].base = (uint8_t)bb;
			for (unsigned x = k; x < best.end; x++) {
				p->run[x] = (int8_t)ng;
				p->member[x] = best.members >> x & 1;
			}
			ng++;
			k = best.end;
		}
		s = e + 1;
	}
	if (!ng)
		return;
	j->sg = p;
	/* the members after a group's first, with only inline code (no call: jit_insn_inline)
	 * since the member before them and in themselves */
	bool held = false;
	for (unsigned k = 0; k < n && nofault; k++) {
		const struct insn *i = &blk->insns[k];
		if (k && p->run[k] != p->run[k - 1])
			held = false;
		if (p->run[k] < 0)
			continue;
		bool inl = templated(j->c, i) || i->jcc; /* (a Jcc's exit is no way in) */
		if (p->member[k] && inl && held)
			p->nofault[k] = true;
		if (!inl)
			held = false;
		else if (p->member[k])
			held = true;
	}
}

bool jit_sg_operand(struct jit *j, const struct insn *i, unsigned sz, enum mmu_access acc)
{
	const struct jit_sg_plan *p = j->sg;
	if (!p || !p->member[j->k] || sz > 4 || !plain_operand(i))
		return false;
	unsigned g = (unsigned)p->run[j->k], b = p->g[g].base;
	int32_t d = (int32_t)i->disp, lo = p->g[g].lo, hi = p->g[g].hi;
	if (i->base != b || d < lo || d + (int32_t)sz > hi ||
	    (acc == ACC_WRITE && p->g[g].acc != ACC_WRITE))
		return false; /* (not as planned: the access on its own) */
	struct emit *e = &j->e;
	uint8_t *from = e->p;
	int h = jit_reg_cached(j, b);
	unsigned clob = 0;
	if (!j->sg_ok) {
		const unsigned all = bit(RAX) | bit(RSI) | bit(RDI); /* (jit_mem_kept's) */
		jit_reg_clobber(j, all);
		from = e->p;
		/* the check: ESI = B + lo, the whole range as one access through R9 (it counts
		 * this member's hit), J_SG = the host address of B */
		if (h >= 0)
			e_lea(e, 4, RSI, (unsigned)h, lo);
		else {
			e_load(e, 4, RSI, J_CPU, O_REG(b));
			if (lo)
				e_alu_ri(e, 4, 0, RSI, lo);
		}
		jit_mem_kept(j, default_sr(b), (unsigned)(hi - lo), (enum mmu_access)p->g[g].acc,
			     1);
		e_lea(e, 8, J_SG, RDI, -lo);
		clob = all;
		j->sg_ok = true;
	} else {
		/* the stamp (when the last one went elsewhere) through a free host register
		 * of those a normal access changes (templates keep values of their own in R11
		 * across their operand): the guest registers the others hold, and their stores
		 * still to come, stay */
		unsigned t = jit_kept_stamps(j, 1, acc) ? jit_reg_tmp(j, bit(R11)) : RDX;
		from = e->p;
		jit_count_kept(j, 1, acc, t);
		if (e->p != from)
			clob = bit(t);
		j->sg_hit = true;
	}
	jit_reg_wrote(j, from, clob);
	j->mb = J_SG;
	j->md = d;
	return true;
}

void jit_sg_recheck(struct jit *j, unsigned k)
{
	struct emit *e = &j->e;
	const struct jit_sg_plan *p = j->sg;
	unsigned g = (unsigned)p->run[k];
	int32_t lo = p->g[g].lo;
	e_load(e, 4, RSI, J_CPU, O_REG(p->g[g].base));
	if (lo)
		e_alu_ri(e, 4, 0, RSI, lo);
	/* a lookup, not an access: nothing counted */
	jit_table_probe(j, (unsigned)(p->g[g].hi - lo), (enum mmu_access)p->g[g].acc, RAX, RCX);
	uint8_t *fail = e_jcc(e, CC_NE);
	e_mov_rr(e, 8, R9, RAX);
	e_load(e, 8, J_SG, RAX, (int32_t)offsetof(struct mmu_fast, addend));
	e_alu_rr(e, 8, 0, J_SG, RSI);
	if (lo)
		e_lea(e, 8, J_SG, J_SG, -lo);
	uint8_t *ok = e_jmp(e);
	e_label(e, fail);
	/* counted for cpu_run (b->no_sg), then the rest of the block interpreted */
	e_mov_ri64(e, RSI, (uint64_t)(uintptr_t)j->b);
	e_alu_mi(e, 1, 0, RSI, (int32_t)offsetof(struct block, sg_fails), 1);
	jit_leave_resume(j, k);
	e_label(e, ok);
}

bool jit_sg_pure(const struct jit *j, const struct insn *i)
{
	if (!j->sg || !j->sg->nofault[j->k] || i->osz16 || i->lock || i->rep)
		return false;
	unsigned o = i->opc;
	/* 32-bit ALU (not ADC, SBB) both ways, MOV both ways and from an immediate: the
	 * templates (t_alu32, t_alu32_m, t_mov) tell jit_regs.c all they emit */
	if (o < 0x40)
		return ((o & 7) == 1 || (o & 7) == 3) && (o >> 3) != 2 && (o >> 3) != 3;
	switch (o) {
	case 0x81:
	case 0x83: return i->reg != 2 && i->reg != 3;
	case 0x85:
	case 0x89:
	case 0x8B: return true;
	case 0xC7: return i->reg == 0;
	default: return false;
	}
}
