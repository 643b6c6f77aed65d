/*
 * Segment-register loads (SDM vol. 2, MOV/POP to a segment register; vol. 3, 5.10): the
 * descriptor is read from the GDT/LDT in simulated memory with an implicit supervisor
 * access through paging, checked, and its Accessed bit set as the processor does.
 */
#include "hw/mmu.h"

static int sel_fault(struct mmu *m, uint16_t vector, uint32_t ec, struct x86_exception *ex)
{
	counter_add(m->ctr, CTR_seg_faults, 1);
	*ex = (struct x86_exception){.vector = vector, .has_error_code = true, .error_code = ec};
	return -1;
}

void mmu_set_gdtr(struct mmu *m, uint32_t base, uint16_t limit)
{
	m->seg.gdtr_base = base;
	m->seg.gdtr_limit = limit;
}

/* The linear address of the descriptor sel names; false when it lies outside its table
 * (or names an LDT while none is loaded). */
static bool descriptor_addr(const struct mmu *m, uint16_t sel, uint32_t *lin)
{
	uint32_t base, limit;
	if (SEL_TI(sel)) {
		if (SEL_INDEX(m->seg.ldtr) == 0)
			return false;
		base = m->seg.ldtr_base;
		limit = m->seg.ldtr_limit;
	} else {
		base = m->seg.gdtr_base;
		limit = m->seg.gdtr_limit;
	}
	if ((uint32_t)(sel | 7) > limit)
		return false;
	*lin = base + (sel & ~7u);
	return true;
}

/* Reads and decodes the descriptor sel names; *lin gets its linear address. */
static int read_descriptor(struct mmu *m, uint16_t sel, struct seg_desc *d, uint32_t *lin,
			   struct x86_exception *ex)
{
	if (!descriptor_addr(m, sel, lin))
		return sel_fault(m, X86_GP, sel & 0xfffc, ex);
	uint64_t raw;
	if (mmu_read_linear(m, *lin, &raw, 8, ACC_READ, false, ex) < 0)
		return -1;
	seg_desc_decode(raw, d);
	return 0;
}

/* The processor marks a descriptor used by setting its Accessed bit (type bit 0). */
static int set_accessed(struct mmu *m, uint32_t lin, struct seg_desc *d,
			struct x86_exception *ex)
{
	if (!d->s || (d->type & SEG_TYPE_ACCESSED))
		return 0;
	d->type |= SEG_TYPE_ACCESSED;
	uint8_t b = (uint8_t)(seg_desc_encode(d) >> 40); /* type, S, DPL, P */
	return mmu_write_linear(m, lin + 5, &b, 1, false, ex);
}

static void load_real_mode(struct mmu *m, enum sreg sr, uint16_t sel)
{
	/* real mode: base = selector * 16, 64 KB, readable/writable (CS executable) */
	struct seg_desc d = {.base = (uint32_t)sel << 4, .limit = 0xffff, .s = true, .p = true};
	d.type = sr == SR_CS ? SEG_TYPE_CODE | SEG_TYPE_READABLE | SEG_TYPE_ACCESSED
			     : SEG_TYPE_WRITABLE | SEG_TYPE_ACCESSED;
	seg_cache_set(&m->seg.sr[sr], sel, &d);
}

int mmu_load_seg(struct mmu *m, enum sreg sr, uint16_t sel, struct x86_exception *ex)
{
	if ((unsigned)sr >= SR_COUNT)
		return sel_fault(m, X86_GP, 0, ex);
	counter_add(m->ctr, CTR_seg_loads, 1);
	if (!(m->regs.cr0 & CR0_PE)) {
		load_real_mode(m, sr, sel);
		return 0;
	}
	struct seg_cache *c = &m->seg.sr[sr];
	unsigned rpl = SEL_RPL(sel), cpl = m->cpl;
	uint32_t ec = sel & 0xfffc;
	if (SEL_INDEX(sel) == 0 && !SEL_TI(sel)) {
		if (sr == SR_SS || sr == SR_CS)
			return sel_fault(m, X86_GP, 0, ex);
		/* a null selector loads fine; using it faults later */
		c->selector = sel;
		c->usable = false;
		c->flat = false;
		return 0;
	}
	struct seg_desc d;
	uint32_t lin;
	if (read_descriptor(m, sel, &d, &lin, ex) < 0)
		return -1;
	bool code = d.type & SEG_TYPE_CODE;
	switch (sr) {
	case SR_SS:
		if (rpl != cpl || !d.s || code || !(d.type & SEG_TYPE_WRITABLE) || d.dpl != cpl)
			return sel_fault(m, X86_GP, ec, ex);
		if (!d.p)
			return sel_fault(m, X86_SS, ec, ex);
		break;
	case SR_CS:
		/* checked as a far JMP at the current CPL; a privilege change sets m->cpl first */
		if (!d.s || !code)
			return sel_fault(m, X86_GP, ec, ex);
		if ((d.type & SEG_TYPE_CONFORM) ? d.dpl > cpl : (rpl > cpl || d.dpl != cpl))
			return sel_fault(m, X86_GP, ec, ex);
		if (!d.p)
			return sel_fault(m, X86_NP, ec, ex);
		sel = (uint16_t)((sel & ~3u) | cpl);
		break;
	default:
		if (!d.s || (code && !(d.type & SEG_TYPE_READABLE)))
			return sel_fault(m, X86_GP, ec, ex);
		if (!(code && (d.type & SEG_TYPE_CONFORM)) && (rpl > d.dpl || cpl > d.dpl))
			return sel_fault(m, X86_GP, ec, ex);
		if (!d.p)
			return sel_fault(m, X86_NP, ec, ex);
		break;
	}
	if (set_accessed(m, lin, &d, ex) < 0)
		return -1;
	seg_cache_set(c, sel, &d);
	return 0;
}

int mmu_load_ldtr(struct mmu *m, uint16_t sel, struct x86_exception *ex)
{
	counter_add(m->ctr, CTR_seg_loads, 1);
	if (SEL_INDEX(sel) == 0 && !SEL_TI(sel)) {
		m->seg.ldtr = 0;
		m->seg.ldtr_base = m->seg.ldtr_limit = 0;
		return 0;
	}
	if (SEL_TI(sel))
		return sel_fault(m, X86_GP, sel & 0xfffc, ex);
	struct seg_desc d;
	uint32_t lin;
	if (read_descriptor(m, sel, &d, &lin, ex) < 0)
		return -1;
	if (d.s || d.type != 2) /* 2: LDT system descriptor */
		return sel_fault(m, X86_GP, sel & 0xfffc, ex);
	if (!d.p)
		return sel_fault(m, X86_NP, sel & 0xfffc, ex);
	m->seg.ldtr = sel;
	m->seg.ldtr_base = d.base;
	m->seg.ldtr_limit = seg_desc_eff_limit(&d);
	return 0;
}

int mmu_probe_seg(struct mmu *m, uint16_t sel, enum seg_probe kind, uint64_t *raw,
		  struct x86_exception *ex)
{
	uint32_t lin;
	if ((SEL_INDEX(sel) == 0 && !SEL_TI(sel)) || !descriptor_addr(m, sel, &lin))
		return 0;
	/* an implicit supervisor read, as for a segment load; the Accessed bit is left alone */
	if (mmu_read_linear(m, lin, raw, 8, ACC_READ, false, ex) < 0)
		return -1;
	struct seg_desc d;
	seg_desc_decode(*raw, &d);
	return seg_probe_ok(&d, kind, m->cpl, SEL_RPL(sel));
}
