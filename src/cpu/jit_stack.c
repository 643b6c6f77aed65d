/*
 * Stack groups: optimised i386 code keeps most of its locals at [ESP + disp], and each such
 * access would otherwise cost a TLB check of its own (jit_mem). Within a run of instructions
 * that leaves ESP alone, every [ESP + disp] operand lies in one range known at compile time;
 * the first of them checks the whole range at once (one fast-table entry, of a kind that
 * serves every member, the range within its page) and leaves the host address of the guest's
 * ESP in J_SG, so that the others are plain host accesses at [J_SG + disp].
 *
 * Every member still counts its TLB hit and, as the interpreter would, stamps the entry for
 * the LRU order unless it has the newest stamp already (jit_count_kept, through R9, which
 * holds the group's entry): the statistics are the interpreter's. The check holds only where
 * no C code has run since (C code may replace TLB entries): a call into C ends it (jit_rc_kill),
 * and a stub that rejoins a member's run after its handler checks again, or leaves the block
 * there for the interpreter (in->jit_resume) when the range no longer fits. A block whose
 * stubs keep failing so (a range across a page boundary) is compiled again without groups
 * (cpu_run, b->no_sg). See docs/jit.md.
 */
#include "cpu/jit.h"

/* A member's operand: 32-bit addressing through ESP alone, in SS (flat where compiled code
 * runs, checked at the block's entry; after a handler, by the group's check). */
static bool esp_operand(const struct insn *i)
{
	return !i->mod3 && !i->asz16 && i->base == R_ESP && i->index == NOREG && i->sreg == SR_SS;
}

/* Whether instruction i certainly leaves ESP as it is and goes on to the next instruction
 * (a whitelist: anything else ends a run). reg_dst/rm_dst: ESP is named where the form
 * writes a register. */
static bool keeps_esp(const struct insn *i)
{
	if (i->jcc || i->ends || i->rep || i->lock)
		return false;
	unsigned o = i->opc;
	bool rm_esp = i->mod3 && i->rm == R_ESP, reg_esp = i->reg == R_ESP;
	if (o < 0x40) /* ALU: r/m forms, then AL/EAX with an immediate */
		return (o & 7) <= 3 ? !rm_esp && !reg_esp : (o & 7) <= 5;
	if ((o >= 0x40 && o <= 0x4F) || (o >= 0xB0 && o <= 0xBF) || (o >= 0x1C8 && o <= 0x1CF) ||
	    (o >= 0x90 && o <= 0x97)) /* the register in the opcode (AH too, conservatively) */
		return (o & 7) != R_ESP;
	switch (o) {
	case 0x69:
	case 0x6B:
	case 0x84:
	case 0x85:
	case 0x86:
	case 0x87:
	case 0x88:
	case 0x89:
	case 0x8A:
	case 0x8B:
	case 0x8D:
	case 0x1AF:
	case 0x1B6:
	case 0x1B7:
	case 0x1BE:
	case 0x1BF:
	case 0x1A3:
	case 0x1AB:
	case 0x1B3:
	case 0x1BB:
	case 0x1BC:
	case 0x1BD: return !rm_esp && !reg_esp;
	case 0x80:
	case 0x81:
	case 0x83:
	case 0xC0:
	case 0xC1:
	case 0xC6:
	case 0xC7:
	case 0xD0:
	case 0xD1:
	case 0xD2:
	case 0xD3:
	case 0xF6:
	case 0xF7:
	case 0x1BA: return !rm_esp; /* ModRM.reg is the operation */
	case 0xFE:
	case 0xFF: /* INC, DEC only */ return i->reg <= 1 && !rm_esp;
	case 0x98:
	case 0x99:
	case 0xA8:
	case 0xA9: return true;
	default:
		if ((o >= 0x140 && o <= 0x14F)) /* CMOVcc */
			return !rm_esp && !reg_esp;
		if (o >= 0x190 && o <= 0x19F) /* SETcc */
			return !rm_esp;
		return false;
	}
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

void jit_sg_plan(struct jit *j, struct jit_sg_plan *p, bool nofault)
{
	const struct block *b = j->b;
	const struct mmu *m = j->c->mmu;
	/* a read served by a write-kind entry is counted alike only with a hardware-walked
	 * TLB (jit_mem) */
	bool mixed_ok = m->dtlb && m->tlbcfg.refill == TLB_REFILL_HW;
	unsigned ng = 0;
	int cur = -1; /* the run being planned, or -1 */
	unsigned members = 0, reads = 0, writes = 0;
	int32_t lo = 0, hi = 0;
	memset(p->member, 0, sizeof p->member);
	memset(p->nofault, 0, sizeof p->nofault);
	j->sg = NULL;
	if (b->no_sg)
		return;
	for (unsigned k = 0; k <= b->n; k++) {
		const struct insn *i = k < b->n ? &b->insns[k] : NULL;
		bool keeps = i && keeps_esp(i);
		if (!keeps || cur < 0) {
			/* the run so far ends: a group when two members or more fit */
			if (cur >= 0) {
				bool ok = members >= 2 && hi - lo <= SG_SPAN_MAX &&
					  (!(reads && writes) || mixed_ok);
				if (ok) {
					p->g[cur].lo = lo;
					p->g[cur].hi = hi;
					p->g[cur].acc = writes ? ACC_WRITE : ACC_READ;
				}
				for (unsigned x = 0; x < k; x++)
					if (p->run[x] == cur && !ok) {
						p->run[x] = -1;
						p->member[x] = false;
					}
				if (ok)
					ng++;
				cur = -1;
			}
			if (keeps && ng < JIT_SG_MAX) {
				cur = (int)ng;
				members = reads = writes = 0;
			}
		}
		if (k == b->n)
			break;
		p->run[k] = (int8_t)cur;
		if (cur < 0 || !esp_operand(i) || i->opc == 0x8D) /* (LEA: no access) */
			continue;
		int32_t d = (int32_t)i->disp;
		if (!members || d < lo)
			lo = d;
		if (!members || d + 4 > hi)
			hi = d + 4;
		members++;
		p->member[k] = true;
		if (reads_only(i))
			reads++;
		else
			writes++;
	}
	p->run[b->n] = -1;
	if (!ng)
		return;
	j->sg = p;
	/* the members after a run's first, with only inline code (no call: jit_insn_inline)
	 * since the member before them and in themselves */
	bool held = false;
	for (unsigned k = 0; k < b->n && nofault; k++) {
		const struct insn *i = &b->insns[k];
		if (k && p->run[k] != p->run[k - 1])
			held = false;
		if (p->run[k] < 0)
			continue;
		bool inl = jit_insn_inline(i);
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
	if (!p || !p->member[j->k] || sz > 4 || !esp_operand(i))
		return false;
	unsigned g = (unsigned)p->run[j->k];
	int32_t d = (int32_t)i->disp, lo = p->g[g].lo, hi = p->g[g].hi;
	if (d < lo || d + (int32_t)sz > hi || (acc == ACC_WRITE && p->g[g].acc != ACC_WRITE))
		return false; /* (not as planned: the access on its own) */
	struct emit *e = &j->e;
	uint8_t *from = e->p;
	int h = jit_reg_cached(j, R_ESP);
	unsigned clob = 0;
	if (!j->sg_ok) {
		jit_reg_clobber(j, 1u << RAX | 1u << RCX | 1u << RDX | 1u << RSI | 1u << RDI);
		from = e->p;
		/* the check: ESI = ESP + lo, the whole range as one access through R9 (it
		 * counts this member's hit), J_SG = the host address of ESP */
		if (h >= 0)
			e_lea(e, 4, RSI, (unsigned)h, lo);
		else {
			e_load(e, 4, RSI, J_CPU, O_REG(R_ESP));
			if (lo)
				e_alu_ri(e, 4, 0, RSI, lo);
		}
		jit_mem(j, SR_SS, (unsigned)(hi - lo), (enum mmu_access)p->g[g].acc, R_ESP);
		e_lea(e, 8, J_SG, RDI, -lo);
		clob = 1u << RAX | 1u << RCX | 1u << RDX | 1u << RSI | 1u << RDI;
		j->sg_ok = true;
	} else {
		/* the stamp (when the last one went elsewhere) through a free host register
		 * of those a normal access changes (templates keep values of their own in R11
		 * across their operand): the guest registers the others hold, and their stores
		 * still to come, stay */
		unsigned t = j->last_rc != 1 ? jit_reg_tmp(j, 1u << R11) : RDX;
		from = e->p;
		jit_count_kept(j, 1, acc, t);
		if (e->p != from)
			clob = 1u << t;
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
	const struct insn *i = &j->b->insns[k];
	e_load(e, 4, RSI, J_CPU, O_REG(R_ESP));
	if (lo)
		e_alu_ri(e, 4, 0, RSI, lo);
	/* a lookup, not an access: nothing counted */
	jit_table_probe(j, (unsigned)(p->g[g].hi - lo), (enum mmu_access)p->g[g].acc, RAX);
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
	e_store(e, 8, RSI, J_IN, O_IN(jit_resume));
	e_store_imm(e, 4, J_IN, O_IN(jit_resume_k), k);
	jit_leave_at(j, i->eip, k);
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
