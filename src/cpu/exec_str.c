/*
 * String instructions MOVS CMPS STOS LODS SCAS with REP/REPE/REPNE. Each iteration commits
 * (ESI/EDI/ECX) only after its memory accesses succeeded, so a fault leaves the registers at
 * the interrupted iteration, as the SDM specifies, and the instruction restarts there.
 * REP MOVS/STOS with DF=0 over flat segments move whole page runs through host pointers and
 * charge the modelled TLB exactly one lookup per element access (see docs/cpu.md).
 */
#include "cpu/exec.h"

/* The TLB bookkeeping of `n` further hits on the fast entry that served `lin`. */
static void charge_hits(struct mmu *m, uint32_t lin, enum mmu_access acc, uint64_t n)
{
	struct mmu_fast *f = &m->fast[acc][m->cpl == 3][(lin >> PAGE_SHIFT) & (MMU_FAST_SIZE - 1)];
	if (n == 0 || !f->tlbe || f->tag != (lin & PAGE_MASK))
		return;
	f->stats->lookups += n;
	f->stats->hits += n;
	counter_add(m->ctr, CTR_tlb_lookups, n);
	counter_add(m->ctr, CTR_tlb_hits, n);
}

/* REP MOVS / REP STOS, forward, 32-bit addressing, flat segments: runs within pages. */
static int rep_fast(struct cpu *c, unsigned sz, bool movs)
{
	struct cpu_internal *in = c->in;
	struct mmu *m = c->mmu;
	while (c->regs[R_ECX]) {
		uint32_t di = c->regs[R_EDI], si = c->regs[R_ESI];
		uint32_t room = (PAGE_SIZE - (di & ~PAGE_MASK)) / sz;
		if (movs) {
			uint32_t r2 = (PAGE_SIZE - (si & ~PAGE_MASK)) / sz;
			if (r2 < room)
				room = r2;
		}
		if (room > c->regs[R_ECX])
			room = c->regs[R_ECX];
		if (room == 0 || ((di | (movs ? si : 0)) & (sz - 1)))
			return 1; /* an element crosses a page: the general loop does it */
		uint8_t *src = NULL, *dst;
		if (movs) {
			src = mmu_ptr(m, si, ACC_READ, &in->ex);
			if (!src)
				return in->ex.vector == 0xFFFF ? 1 : -1;
		}
		dst = mmu_ptr(m, di, ACC_WRITE, &in->ex);
		if (!dst)
			return in->ex.vector == 0xFFFF ? 1 : -1;
		/* the LRU order of the last pair of accesses: source hit, then destination */
		if (movs) {
			charge_hits(m, si, ACC_READ, room - 1);
			charge_hits(m, di, ACC_WRITE, room - 1);
			struct mmu_fast *fs = &m->fast[ACC_READ][m->cpl == 3][(si >> PAGE_SHIFT) & (MMU_FAST_SIZE - 1)];
			struct mmu_fast *fd = &m->fast[ACC_WRITE][m->cpl == 3][(di >> PAGE_SHIFT) & (MMU_FAST_SIZE - 1)];
			m->lru_clock += 2 * (uint64_t)(room - 1);
			if (fs->tlbe && fs->tag == (si & PAGE_MASK))
				fs->tlbe->last_use = m->lru_clock - 1;
			if (fd->tlbe && fd->tag == (di & PAGE_MASK))
				fd->tlbe->last_use = m->lru_clock;
			if (dst > src && dst < src + (size_t)room * sz) {
				/* overlapping forward: element by element, as the hardware repeats */
				for (uint32_t k = 0; k < room; k++)
					st(dst + k * sz, sz, ld(src + k * sz, sz));
			} else
				memmove(dst, src, (size_t)room * sz);
			c->regs[R_ESI] = si + room * sz;
		} else {
			charge_hits(m, di, ACC_WRITE, room - 1);
			struct mmu_fast *fd = &m->fast[ACC_WRITE][m->cpl == 3][(di >> PAGE_SHIFT) & (MMU_FAST_SIZE - 1)];
			m->lru_clock += room - 1;
			if (fd->tlbe && fd->tag == (di & PAGE_MASK))
				fd->tlbe->last_use = m->lru_clock;
			uint32_t v = c->regs[R_EAX];
			if (sz == 1)
				memset(dst, (int)(v & 0xff), room);
			else
				for (uint32_t k = 0; k < room; k++)
					st(dst + k * sz, sz, v);
		}
		c->regs[R_EDI] = di + room * sz;
		c->regs[R_ECX] -= room;
		if (in->stop)
			return 1; /* wrote into decoded code (not possible via fast pointers, but safe) */
	}
	return 0;
}

static int h_string(struct cpu *c, const struct insn *i)
{
	struct cpu_internal *in = c->in;
	unsigned sz = i->imm2;
	uint32_t am = i->asz16 ? 0xffff : 0xffffffffu;
	uint32_t d = (in->eflags & EFL_DF) ? (uint32_t)-(int32_t)sz : sz;
	unsigned op = i->op & 0xFE;
	if (i->rep && (op == 0xA4 || op == 0xAA) && !i->asz16 && d == sz &&
	    !(in->eflags & EFL_TF) && !c->mmu->watch &&
	    (in->segf[SR_ES] & SEGF_W) && (op == 0xAA || (in->segf[i->sreg] & SEGF_R))) {
		int r = rep_fast(c, sz, op == 0xA4);
		if (r < 0)
			return X_EXC;
		if (r == 0)
			NEXT(c, i);
	}
	for (;;) {
		if (i->rep && (c->regs[R_ECX] & am) == 0)
			NEXT(c, i);
		uint32_t si = c->regs[R_ESI] & am, di = c->regs[R_EDI] & am, a, b;
		bool cmp = false;
		switch (op) {
		case 0xA4: /* MOVS */
			if (mem_read(c, i->sreg, si, sz, &a) || mem_write(c, SR_ES, di, sz, a))
				return X_EXC;
			break;
		case 0xA6: /* CMPS */
			if (mem_read(c, i->sreg, si, sz, &a) || mem_read(c, SR_ES, di, sz, &b))
				return X_EXC;
			setlf(in, LF_SUB, sz, (a - b) & szmask(sz), a, b);
			cmp = true;
			break;
		case 0xAA: /* STOS */
			if (mem_write(c, SR_ES, di, sz, getreg(c, R_EAX, sz)))
				return X_EXC;
			break;
		case 0xAC: /* LODS */
			if (mem_read(c, i->sreg, si, sz, &a))
				return X_EXC;
			setreg(c, R_EAX, sz, a);
			break;
		default: /* SCAS */
			a = getreg(c, R_EAX, sz);
			if (mem_read(c, SR_ES, di, sz, &b))
				return X_EXC;
			setlf(in, LF_SUB, sz, (a - b) & szmask(sz), a, b);
			cmp = true;
			break;
		}
		if (op == 0xA4 || op == 0xA6 || op == 0xAC)
			c->regs[R_ESI] = (c->regs[R_ESI] & ~am) | ((si + d) & am);
		if (op != 0xAC)
			c->regs[R_EDI] = (c->regs[R_EDI] & ~am) | ((di + d) & am);
		if (!i->rep)
			NEXT(c, i);
		c->regs[R_ECX] = (c->regs[R_ECX] & ~am) | ((c->regs[R_ECX] - 1) & am);
		if (cmp) {
			bool zf = ((a - b) & szmask(sz)) == 0;
			if (i->rep == 0xF3 ? !zf : zf)
				NEXT(c, i);
		}
		/* wrote into the executing block: finish the rest after re-decoding; or the trap
		 * flag is set: a single-step trap comes after each iteration, EIP still at the
		 * instruction while iterations remain (cpu_run raises it) */
		if (unlikely(in->stop) || unlikely(in->eflags & EFL_TF))
			return (c->regs[R_ECX] & am) == 0 ? X_NEXT : (c->eip = i->eip, X_JUMP);
	}
}

insn_fn select_str(struct insn *i, unsigned opc)
{
	if (opc >= 0xA4 && opc <= 0xAF && opc != 0xA8 && opc != 0xA9) {
		i->imm2 = (opc & 1) ? osz(i) : 1;
		if (opc >= 0xAA && opc != 0xAC && opc != 0xAD) /* STOS, SCAS: no source */
			i->sreg = SR_ES;
		if (!(opc == 0xA6 || opc == 0xA7 || opc == 0xAE || opc == 0xAF) && i->rep)
			i->rep = 0xF3; /* REPNE on MOVS/STOS/LODS acts as REP */
		return h_string;
	}
	return NULL;
}
