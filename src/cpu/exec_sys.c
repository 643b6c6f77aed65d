/*
 * Segment registers, software interrupts, the x87 hand-off, CPUID, RDTSC, and the system
 * instructions (privileged ones raise #GP(0) outside ring 0).
 */
#include "cpu/exec.h"


static bool privileged(struct cpu *c)
{
	return c->mmu->cpl != 0;
}
static bool io_denied(struct cpu *c)
{
	return c->mmu->cpl > ((c->in->eflags >> 12) & 3);
}

int load_seg(struct cpu *c, unsigned sr, uint16_t sel)
{
	if (mmu_load_seg(c->mmu, (enum sreg)sr, sel, &c->in->ex))
		return -1;
	segf_update(c);
	return 0;
}

/* ---- segment registers ---- */
static int h_mov_from_sreg(struct cpu *c, const struct insn *i) /* 8C */
{
	if (i->reg >= SR_COUNT)
		return UD(c);
	uint32_t sel = c->mmu->seg.sr[i->reg].selector;
	if (i->mod3) {
		/* a 32-bit register destination gets the selector zero-extended */
		setreg(c, i->rm, osz(i), sel);
		NEXT(c, i);
	}
	if (mem_write(c, i->sreg, ea(c, i), 2, sel))
		return X_EXC;
	NEXT(c, i);
}
static int h_mov_to_sreg(struct cpu *c, const struct insn *i) /* 8E */
{
	uint32_t v;
	if (i->reg >= SR_COUNT || i->reg == SR_CS)
		return UD(c);
	if (rd_E(c, i, 2, &v))
		return X_EXC;
	if (load_seg(c, i->reg, (uint16_t)v))
		return X_EXC;
	NEXT(c, i);
}
static int h_push_sreg(struct cpu *c, const struct insn *i)
{
	unsigned sz = osz(i);
	uint32_t sel = c->mmu->seg.sr[i->imm2].selector;
	uint32_t m = sp_mask(c), nsp = (c->regs[R_ESP] - sz) & m;
	/* a 32-bit push of a segment register: recent Intel cores write only the low word, AMD
	 * the selector zero-extended to 4 bytes */
	if (mem_write(c, SR_SS, nsp, cpu_vendor_is_amd(c->vendor) ? sz : 2, sel))
		return X_EXC;
	c->regs[R_ESP] = (c->regs[R_ESP] & ~m) | nsp;
	NEXT(c, i);
}
static int h_pop_sreg(struct cpu *c, const struct insn *i)
{
	unsigned sz = osz(i);
	uint32_t v, m = sp_mask(c);
	if (mem_read(c, SR_SS, c->regs[R_ESP] & m, sz, &v))
		return X_EXC;
	if (load_seg(c, i->imm2, (uint16_t)v))
		return X_EXC;
	c->regs[R_ESP] = (c->regs[R_ESP] & ~m) | ((c->regs[R_ESP] + sz) & m);
	NEXT(c, i);
}
/* The two-part memory operand of LES/LDS/LSS/LFS/LGS, far JMP/CALL and BOUND: sz1 bytes,
 * then sz2 bytes right after them. A register operand is #UD. */
static int rd_mem_pair(struct cpu *c, const struct insn *i, unsigned sz1, uint32_t *v1,
		       unsigned sz2, uint32_t *v2)
{
	if (i->mod3)
		return UD(c);
	uint32_t a = ea(c, i);
	if (mem_read(c, i->sreg, a, sz1, v1) || mem_read(c, i->sreg, a + sz1, sz2, v2))
		return X_EXC;
	return 0;
}
/* LES LDS LSS LFS LGS: offset then selector. */
static int h_lfp(struct cpu *c, const struct insn *i)
{
	unsigned sz = osz(i);
	uint32_t off, sel;
	if (rd_mem_pair(c, i, sz, &off, 2, &sel))
		return X_EXC;
	if (load_seg(c, i->imm2, (uint16_t)sel))
		return X_EXC;
	setreg(c, i->reg, sz, off);
	NEXT(c, i);
}
static int h_arpl(struct cpu *c, const struct insn *i)
{
	struct cpu_internal *in = c->in;
	uint32_t d, s = getreg(c, i->reg, 2);
	/* a read, and a write only when the RPL is raised (the host writes nothing else) */
	if (rd_E(c, i, 2, &d))
		return X_EXC;
	bool adj = (d & 3) < (s & 3);
	if (adj && wr_E(c, i, 2, (d & ~3u) | (s & 3)))
		return X_EXC;
	uint32_t f = get_flags(in);
	in->eflags = adj ? f | EFL_ZF : f & ~EFL_ZF;
	NEXT(c, i);
}

/* ---- interrupts ---- */
static int leave_cpu(struct cpu *c, const struct insn *i, enum cpu_exit why, unsigned vec)
{
	c->in->exit_code = why;
	c->in->ex = (struct x86_exception){.vector = (uint16_t)vec};
	c->exit_insn_len = i->len;
	c->eip = i->eip + i->len;
	return X_EXIT;
}
static int h_int(struct cpu *c, const struct insn *i)
{
	unsigned n = i->imm & 0xff;
	return leave_cpu(c, i, n == 0x80 ? CPU_EXIT_SYSCALL : CPU_EXIT_INT, n);
}
/* INT3 is a software interrupt (the IDT gate's DPL applies); ICEBP (INT1, 0xF1) raises #DB
 * as a trap without the DPL check, as a debug exception: eip is past it */
static int h_int3(struct cpu *c, const struct insn *i)
{
	if (i->op == 0xF1)
		return leave_cpu(c, i, CPU_EXIT_EXCEPTION, X86_DB);
	return leave_cpu(c, i, CPU_EXIT_INT, X86_BP);
}
static int h_into(struct cpu *c, const struct insn *i)
{
	if (!(get_flags(c->in) & EFL_OF))
		NEXT(c, i);
	return leave_cpu(c, i, CPU_EXIT_INT, X86_OF);
}
static int h_bound(struct cpu *c, const struct insn *i)
{
	unsigned sz = osz(i);
	uint32_t lo, hi;
	if (rd_mem_pair(c, i, sz, &lo, sz, &hi))
		return X_EXC;
	int32_t v = (int32_t)sext(getreg(c, i->reg, sz), sz);
	if (v < (int32_t)sext(lo, sz) || v > (int32_t)sext(hi, sz))
		return raise(c, X86_BR, false, 0);
	NEXT(c, i);
}
static int h_hlt(struct cpu *c, const struct insn *i)
{
	if (privileged(c))
		return GP0(c);
	c->in->exit_code = CPU_EXIT_HLT;
	c->eip = i->eip + i->len;
	return X_EXIT;
}
static int h_cli_sti(struct cpu *c, const struct insn *i)
{
	if (io_denied(c))
		return GP0(c);
	if (i->op == 0xFA)
		c->in->eflags &= ~EFL_IF;
	else
		c->in->eflags |= EFL_IF;
	NEXT(c, i);
}
/* IN/OUT/INS/OUTS: #GP(0) above IOPL (there is no TSS I/O bitmap); no port has a device, so
 * reads float high and writes are dropped, as on a PC bus. */
static int h_io(struct cpu *c, const struct insn *i)
{
	if (io_denied(c))
		return GP0(c);
	unsigned op = i->op, sz = (op & 1) ? osz(i) : 1;
	if (op == 0xE4 || op == 0xE5 || op == 0xEC || op == 0xED)
		setreg(c, R_EAX, sz, 0xffffffffu);
	NEXT(c, i);
}
static int h_ud(struct cpu *c, const struct insn *i)
{
	(void)i;
	return UD(c);
}
int op_ud(struct cpu *c, const struct insn *i)
{
	return h_ud(c, i);
}
/* MOV DR, RDMSR/WRMSR, RDPMC: #GP(0) outside ring 0; no debug registers or MSRs exist. */
static int h_gp_or_ud(struct cpu *c, const struct insn *i)
{
	(void)i;
	return privileged(c) ? GP0(c) : UD(c);
}

/* ---- x87 ---- */
static int h_x87(struct cpu *c, const struct insn *i)
{
	uint32_t cr0 = c->mmu->regs.cr0;
	if (cr0 & (CR0_EM | CR0_TS))
		return raise(c, X86_NM, false, 0);
	uint32_t a = i->mod3 ? 0 : ea(c, i);
	c->eip = i->eip; /* the x87 records it as the last instruction pointer */
	if (x87_execute(c, i->op, i->modrm, (enum sreg)i->sreg, a, i->osz16, &c->in->ex))
		return X_EXC;
	NEXT(c, i);
}
static int h_fwait(struct cpu *c, const struct insn *i)
{
	c->eip = i->eip;
	uint32_t cr0 = c->mmu->regs.cr0;
	if ((cr0 & (CR0_TS | (1u << 1))) == (CR0_TS | (1u << 1))) /* TS and MP */
		return raise(c, X86_NM, false, 0);
	if (x87_fwait(c, &c->in->ex))
		return X_EXC;
	NEXT(c, i);
}

/* ---- CPUID, RDTSC ---- */
/* A Pentium 4-class part: FPU, PSE, TSC, PAE, CX8, PGE, CMOV, CLFSH, MMX, FXSR, SSE, SSE2
 * (no SSE3, no HTT, no extended leaves). AT_HWCAP (src/kernel/exec.c) is this word. */
#define CPUID1_EDX                                                                          \
	((1u << 0) | (1u << 3) | (1u << 4) | (1u << 6) | (1u << 8) | (1u << 13) | (1u << 15) | \
	 (1u << 19) | (1u << 23) | (1u << 24) | (1u << 25) | (1u << 26))
static int h_cpuid(struct cpu *c, const struct insn *i)
{
	(void)i;
	uint32_t leaf = c->regs[R_EAX], a = 0, b = 0, cc = 0, d = 0;
	if (leaf >= 0x80000000u) {
		if (leaf == 0x80000000u)
			a = 0x80000000u; /* no extended leaves */
		else
			leaf = 1; /* beyond the maximum: the highest basic leaf's data */
	}
	if (leaf == 0) {
		a = 1;
		if (cpu_vendor_is_amd(c->vendor)) {
			b = 0x68747541; /* "Auth" */
			d = 0x69746e65; /* "enti" */
			cc = 0x444d4163; /* "cAMD" */
		} else {
			b = 0x756e6547; /* "Genu" */
			d = 0x49656e69; /* "ineI" */
			cc = 0x6c65746e; /* "ntel" */
		}
	} else if (leaf < 0x80000000u) {
		/* Intel: family 15, model 2, stepping 9 (a Pentium 4 Northwood); AMD: family 15,
		 * model 4, stepping 8 (an Athlon 64): the same features either way
		 * (docs/vendors.md). EBX: CLFLUSH line 4 x 8 = 32 bytes, one logical CPU. */
		a = cpu_vendor_is_amd(c->vendor) ? 0xf48 : 0xf29;
		b = 4u << 8;
		d = CPUID1_EDX;
	}
	c->regs[R_EAX] = a;
	c->regs[R_EBX] = b;
	c->regs[R_ECX] = cc;
	c->regs[R_EDX] = d;
	NEXT(c, i);
}
#define CR4_TSD (1u << 2)
static int h_rdtsc(struct cpu *c, const struct insn *i)
{
	if ((c->mmu->regs.cr4 & CR4_TSD) && privileged(c))
		return GP0(c);
	/* virtual time: one tick per retired instruction (this one not yet counted; cpu_run
	 * adds a block's instructions when it leaves the block) */
	uint64_t t = c->insns + (uint64_t)(i - c->in->blk_first) + c->in->tsc_base;
	c->regs[R_EAX] = (uint32_t)t;
	c->regs[R_EDX] = (uint32_t)(t >> 32);
	NEXT(c, i);
}

/* ---- descriptor-table and control-register instructions ---- */
/* ZF reports whether LAR/LSL/VERR/VERW accepted the selector; the other flags stay. */
static void set_zf(struct cpu_internal *in, bool z)
{
	uint32_t f = get_flags(in);
	in->eflags = z ? f | EFL_ZF : f & ~EFL_ZF;
}
/* The selector LAR/LSL/VERR/VERW examine: a 16-bit register or memory operand. Outside
 * protected mode they are #UD. */
static int probe_sel(struct cpu *c, const struct insn *i, enum seg_probe kind, uint64_t *raw)
{
	uint32_t sel;
	if (!(c->mmu->regs.cr0 & CR0_PE))
		return UD(c);
	if (rd_E(c, i, 2, &sel))
		return X_EXC;
	int r = mmu_probe_seg(c->mmu, (uint16_t)sel, kind, raw, &c->in->ex);
	return r < 0 ? X_EXC : r; /* 0 or 1 otherwise: X_EXC is neither */
}
static int h_verr_verw(struct cpu *c, const struct insn *i) /* 0F 00 /4, /5 */
{
	uint64_t raw;
	int r = probe_sel(c, i, i->reg == 4 ? SEG_PROBE_VERR : SEG_PROBE_VERW, &raw);
	if (r == X_EXC)
		return r;
	set_zf(c->in, r);
	NEXT(c, i);
}
static int h_lar_lsl(struct cpu *c, const struct insn *i) /* 0F 02, 0F 03 */
{
	uint64_t raw;
	int r = probe_sel(c, i, i->op == 0x02 ? SEG_PROBE_LAR : SEG_PROBE_LSL, &raw);
	if (r == X_EXC)
		return r;
	if (r) {
		uint32_t v;
		if (i->op == 0x02) {
			/* the descriptor's second doubleword, base bits masked off; the SDM leaves
			 * bits 19-16 (limit 19:16) undefined: AMD EPYC returns them, as here */
			v = (uint32_t)(raw >> 32) & 0x00ffff00u;
		} else {
			struct seg_desc d;
			seg_desc_decode(raw, &d);
			v = seg_desc_eff_limit(&d);
		}
		setreg(c, i->reg, osz(i), v);
	}
	set_zf(c->in, r);
	NEXT(c, i);
}

static int h_grp6(struct cpu *c, const struct insn *i) /* 0F 00 */
{
	struct seg_state *s = &c->mmu->seg;
	switch (i->reg) {
	case 0: /* SLDT */
		if (wr_E(c, i, i->mod3 ? osz(i) : 2, s->ldtr))
			return X_EXC;
		NEXT(c, i);
	case 2: { /* LLDT */
		uint32_t v;
		if (privileged(c))
			return GP0(c);
		if (rd_E(c, i, 2, &v))
			return X_EXC;
		if (mmu_load_ldtr(c->mmu, (uint16_t)v, &c->in->ex))
			return X_EXC;
		NEXT(c, i);
	}
	case 1: case 3: /* STR, LTR: no task register is modelled */
		return privileged(c) && i->reg == 3 ? GP0(c) : UD(c);
	case 4: case 5:
		return h_verr_verw(c, i);
	}
	return UD(c);
}
static int h_grp7(struct cpu *c, const struct insn *i) /* 0F 01 */
{
	struct cpu_internal *in = c->in;
	struct mmu *m = c->mmu;
	if (i->mod3)
		return UD(c);
	uint32_t a = ea(c, i);
	switch (i->reg) {
	case 0: case 1: { /* SGDT, SIDT */
		uint32_t base = i->reg ? in->idtr_base : m->seg.gdtr_base;
		uint32_t lim = i->reg ? in->idtr_limit : m->seg.gdtr_limit;
		uint8_t buf[6];
		memcpy(buf, &lim, 2);
		memcpy(buf + 2, &base, 4);
		if (cpu_mem_write(c, i->sreg, a, buf, 6, &in->ex))
			return X_EXC;
		NEXT(c, i);
	}
	case 2: case 3: { /* LGDT, LIDT */
		uint32_t lim, base;
		if (privileged(c))
			return GP0(c);
		if (mem_read(c, i->sreg, a, 2, &lim) || mem_read(c, i->sreg, a + 2, 4, &base))
			return X_EXC;
		if (i->osz16)
			base &= 0xffffff;
		if (i->reg == 2)
			mmu_set_gdtr(m, base, (uint16_t)lim);
		else {
			in->idtr_base = base;
			in->idtr_limit = (uint16_t)lim;
		}
		NEXT(c, i);
	}
	case 4: /* SMSW */
		if (mem_write(c, i->sreg, a, 2, m->regs.cr0 & 0xffff))
			return X_EXC;
		NEXT(c, i);
	case 6: { /* LMSW: can set PE, not clear it */
		uint32_t v;
		if (privileged(c))
			return GP0(c);
		if (mem_read(c, i->sreg, a, 2, &v))
			return X_EXC;
		mmu_write_cr0(m, (m->regs.cr0 & ~0xeu) | (v & 0xf) | (m->regs.cr0 & CR0_PE));
		c->eip = i->eip + i->len;
	return X_JUMP; /* the translation regime changed: leave the block */
	}
	case 7: /* INVLPG */
		if (privileged(c))
			return GP0(c);
		if (!(in->segf[i->sreg] & SEGF_R)) {
			uint32_t lin;
			if (seg_check(&m->seg.sr[i->sreg], (enum sreg)i->sreg, a, 1, ACC_READ, &lin, &in->ex))
				return X_EXC;
			a = lin;
		}
		mmu_invlpg(m, a);
		NEXT(c, i);
	}
	return UD(c);
}
static int h_movcr(struct cpu *c, const struct insn *i) /* 0F 20 / 0F 22 */
{
	struct mmu *m = c->mmu;
	if (privileged(c))
		return GP0(c);
	if (i->op == 0x20) {
		uint32_t v;
		switch (i->reg) {
		case 0: v = m->regs.cr0; break;
		case 2: v = m->cr2; break;
		case 3: v = m->regs.cr3; break;
		case 4: v = m->regs.cr4; break;
		default: return UD(c);
		}
		c->regs[i->rm] = v;
		NEXT(c, i);
	}
	uint32_t v = c->regs[i->rm];
	switch (i->reg) {
	case 0: mmu_write_cr0(m, v); break;
	case 2: m->cr2 = v; break;
	case 3: mmu_write_cr3(m, v); break;
	case 4: mmu_write_cr4(m, v); break;
	default: return UD(c);
	}
	c->eip = i->eip + i->len;
	return X_JUMP; /* the translation regime changed: leave the block */
}
static int h_priv_misc(struct cpu *c, const struct insn *i) /* CLTS INVD WBINVD */
{
	if (privileged(c))
		return GP0(c);
	if (i->op == 0x06)
		mmu_write_cr0(c->mmu, c->mmu->regs.cr0 & ~CR0_TS);
	NEXT(c, i);
}

/* ---- far transfers (same privilege level only) ---- */
static int far_jump(struct cpu *c, uint16_t sel, uint32_t off)
{
	if (SEL_RPL(sel) != c->mmu->cpl)
		return raise(c, X86_GP, true, sel & 0xfffc); /* ring changes go through the kernel */
	if (load_seg(c, SR_CS, sel))
		return X_EXC;
	c->in->code32 = c->mmu->seg.sr[SR_CS].d.db;
	c->eip = off;
	return X_JUMP;
}
static int h_jmpf(struct cpu *c, const struct insn *i) /* EA */
{
	return far_jump(c, (uint16_t)i->imm2, i->imm);
}
static int h_callf(struct cpu *c, const struct insn *i) /* 9A, FF /3 */
{
	unsigned sz = osz(i);
	uint32_t off, sel, m = sp_mask(c), sp = c->regs[R_ESP];
	if (i->op == 0x9A) {
		off = i->imm;
		sel = i->imm2;
	} else if (rd_mem_pair(c, i, sz, &off, 2, &sel)) {
		return X_EXC;
	}
	uint32_t ret = i->eip + i->len, ocs = c->mmu->seg.sr[SR_CS].selector;
	uint8_t buf[8];
	memcpy(buf, &ret, sz);
	memcpy(buf + sz, &ocs, sz);
	uint32_t nsp = (sp - 2 * sz) & m;
	struct seg_cache save = c->mmu->seg.sr[SR_CS];
	int r = far_jump(c, (uint16_t)sel, off);
	if (r != X_JUMP)
		return r;
	if (cpu_mem_write(c, SR_SS, nsp, buf, 2 * sz, &c->in->ex)) {
		c->mmu->seg.sr[SR_CS] = save; /* undo: the fault must leave no trace */
		segf_update(c);
		c->in->code32 = save.d.db;
		c->eip = i->eip;
		return X_EXC;
	}
	c->regs[R_ESP] = (sp & ~m) | nsp;
	return X_JUMP;
}
static int h_jmpf_E(struct cpu *c, const struct insn *i) /* FF /5 */
{
	unsigned sz = osz(i);
	uint32_t off, sel;
	if (rd_mem_pair(c, i, sz, &off, 2, &sel))
		return X_EXC;
	return far_jump(c, (uint16_t)sel, off);
}
static int h_retf(struct cpu *c, const struct insn *i) /* CA, CB, CF (IRET) */
{
	unsigned sz = osz(i), n = i->op == 0xCF ? 3 : 2;
	uint32_t m = sp_mask(c), sp = c->regs[R_ESP], v[3] = {0, 0, 0};
	for (unsigned k = 0; k < n; k++)
		if (mem_read(c, SR_SS, (sp + k * sz) & m, sz, &v[k]))
			return X_EXC;
	uint32_t oldeip = c->eip;
	int r = far_jump(c, (uint16_t)v[1], v[0]);
	if (r != X_JUMP)
		return r;
	(void)oldeip;
	uint32_t add = n * sz + (i->op == 0xCA ? (i->imm & 0xffff) : 0);
	c->regs[R_ESP] = (sp & ~m) | ((sp + add) & m);
	if (i->op == 0xCF) {
		uint32_t f = cpu_get_eflags(c), mask = EFL_ARITH | EFL_TF | EFL_DF | EFL_AC | EFL_ID | (1u << 14);
		if (c->mmu->cpl == 0)
			mask |= EFL_IF | (3u << 12);
		else if (!io_denied(c))
			mask |= EFL_IF;
		if (i->osz16)
			mask &= 0xffff;
		cpu_set_eflags(c, (f & ~mask) | (v[2] & mask));
	}
	return X_JUMP;
}

insn_fn select_sys(struct insn *i, unsigned opc)
{
	switch (opc) {
	case 0x8C: return h_mov_from_sreg;
	case 0x8E: return h_mov_to_sreg;
	case 0x06: case 0x0E: case 0x16: case 0x1E:
		i->imm2 = opc >> 3;
		return h_push_sreg;
	case 0x07: case 0x17: case 0x1F:
		i->imm2 = opc >> 3;
		return h_pop_sreg;
	case 0x1A0: case 0x1A8:
		i->imm2 = opc == 0x1A0 ? SR_FS : SR_GS;
		return h_push_sreg;
	case 0x1A1: case 0x1A9:
		i->imm2 = opc == 0x1A1 ? SR_FS : SR_GS;
		return h_pop_sreg;
	case 0xC4: i->imm2 = SR_ES; return h_lfp;
	case 0xC5: i->imm2 = SR_DS; return h_lfp;
	case 0x1B2: i->imm2 = SR_SS; return h_lfp;
	case 0x1B4: i->imm2 = SR_FS; return h_lfp;
	case 0x1B5: i->imm2 = SR_GS; return h_lfp;
	case 0x63: return h_arpl;
	case 0xCD: return h_int;
	case 0xCC: case 0xF1: return h_int3;
	case 0xCE: return h_into;
	case 0x62: return h_bound;
	case 0xF4: return h_hlt;
	case 0xFA: case 0xFB: return h_cli_sti;
	case 0xE4: case 0xE5: case 0xE6: case 0xE7: case 0xEC: case 0xED: case 0xEE: case 0xEF:
	case 0x6C: case 0x6D: case 0x6E: case 0x6F:
		return h_io;
	case 0x9B: return h_fwait;
	case 0x1A2: return h_cpuid;
	case 0x131: return h_rdtsc;
	case 0x10B: return h_ud; /* UD2 */
	case 0x100: return h_grp6;
	case 0x102: case 0x103: return h_lar_lsl;
	case 0x101: return h_grp7;
	case 0x120: case 0x122:
		if (!i->mod3)
			i->mod3 = 1; /* MOV CR always uses the register form */
		return h_movcr;
	case 0x121: case 0x123: case 0x130: case 0x132: case 0x133:
		return h_gp_or_ud;
	case 0x106: case 0x108: case 0x109: return h_priv_misc;
	case 0xEA: return h_jmpf;
	case 0x9A: return h_callf;
	case 0xCA: case 0xCB: case 0xCF: return h_retf;
	case 0xFF:
		if (i->reg == 3) return h_callf;
		if (i->reg == 5) return h_jmpf_E;
		return NULL;
	}
	if (opc >= 0xD8 && opc <= 0xDF)
		return h_x87;
	return NULL;
}
