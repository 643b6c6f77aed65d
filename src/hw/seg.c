/* Segment descriptors and the checks made on every access through a segment (SDM vol. 3, 5.3-5.6). */
#include "hw/seg.h"

void seg_desc_decode(uint64_t raw, struct seg_desc *d)
{
	d->limit = (uint32_t)(raw & 0xffff) | (uint32_t)((raw >> 48) & 0xf) << 16;
	d->base = (uint32_t)((raw >> 16) & 0xffffff) | (uint32_t)((raw >> 56) & 0xff) << 24;
	d->type = (raw >> 40) & 0xf;
	d->s = (raw >> 44) & 1;
	d->dpl = (raw >> 45) & 3;
	d->p = (raw >> 47) & 1;
	d->avl = (raw >> 52) & 1;
	d->l = (raw >> 53) & 1;
	d->db = (raw >> 54) & 1;
	d->g = (raw >> 55) & 1;
}

uint64_t seg_desc_encode(const struct seg_desc *d)
{
	uint64_t raw = 0;
	raw |= d->limit & 0xffff;
	raw |= (uint64_t)(d->base & 0xffffff) << 16;
	raw |= (uint64_t)(d->type & 0xf) << 40;
	raw |= (uint64_t)d->s << 44;
	raw |= (uint64_t)(d->dpl & 3) << 45;
	raw |= (uint64_t)d->p << 47;
	raw |= (uint64_t)((d->limit >> 16) & 0xf) << 48;
	raw |= (uint64_t)d->avl << 52;
	raw |= (uint64_t)d->l << 53;
	raw |= (uint64_t)d->db << 54;
	raw |= (uint64_t)d->g << 55;
	raw |= (uint64_t)(d->base >> 24) << 56;
	return raw;
}

uint32_t seg_desc_eff_limit(const struct seg_desc *d)
{
	uint32_t lim = d->limit & 0xfffff;
	return d->g ? (lim << 12) | 0xfff : lim;
}

bool seg_is_expand_down(const struct seg_desc *d)
{
	return d->s && !(d->type & SEG_TYPE_CODE) && (d->type & SEG_TYPE_EXPDOWN);
}

void seg_cache_set(struct seg_cache *c, uint16_t sel, const struct seg_desc *d)
{
	c->selector = sel;
	c->d = *d;
	c->eff_limit = seg_desc_eff_limit(d);
	c->usable = true;
	c->flat = d->base == 0 && c->eff_limit == 0xffffffffu && !seg_is_expand_down(d);
}

static int seg_fault(enum sreg sr, struct x86_exception *ex)
{
	ex->vector = sr == SR_SS ? X86_SS : X86_GP;
	ex->has_error_code = true;
	ex->error_code = 0;
	ex->cr2 = 0;
	return -1;
}

bool seg_rights_ok(const struct seg_desc *d, enum mmu_access acc)
{
	if (!d->s)
		return false;
	bool code = d->type & SEG_TYPE_CODE;
	switch (acc) {
	case ACC_FETCH: return code;
	case ACC_WRITE: return !code && (d->type & SEG_TYPE_WRITABLE);
	case ACC_READ: return !code || (d->type & SEG_TYPE_READABLE);
	}
	return false;
}

int seg_check(const struct seg_cache *c, enum sreg sr, uint32_t offset, unsigned size,
	      enum mmu_access acc, uint32_t *linear, struct x86_exception *ex)
{
	if (!c->usable)
		return seg_fault(SR_COUNT, ex); /* a null selector is #GP(0) even via SS */
	if (!seg_rights_ok(&c->d, acc))
		return seg_fault(sr, ex);
	if (c->flat) {
		*linear = offset;
		return 0;
	}
	uint64_t first = offset, last = (uint64_t)offset + (size ? size : 1) - 1;
	if (seg_is_expand_down(&c->d)) {
		/* valid offsets are limit+1 .. 0xffff or 0xffffffff (by the B bit) */
		uint64_t upper = c->d.db ? 0xffffffffull : 0xffffull;
		if (first <= c->eff_limit || last > upper)
			return seg_fault(sr, ex);
	} else if (last > c->eff_limit) {
		return seg_fault(sr, ex);
	}
	*linear = c->d.base + offset;
	return 0;
}

/* System descriptor types LAR accepts in protected mode: the 16/32-bit TSSs (available and
 * busy), the LDT, the 16/32-bit call gates and the task gate; LSL only those that describe
 * a segment (the TSSs and the LDT). Interrupt and trap gates and the reserved types fail. */
#define LAR_SYS_TYPES 0x1a3eu /* 1 2 3 4 5 9 B C */
#define LSL_SYS_TYPES 0x0a0eu /* 1 2 3 9 B */

bool seg_probe_ok(const struct seg_desc *d, enum seg_probe kind, unsigned cpl, unsigned rpl)
{
	bool code = d->s && (d->type & SEG_TYPE_CODE);
	switch (kind) {
	case SEG_PROBE_LAR:
	case SEG_PROBE_LSL:
		if (!d->s && !((kind == SEG_PROBE_LAR ? LAR_SYS_TYPES : LSL_SYS_TYPES) >> d->type & 1))
			return false;
		break;
	case SEG_PROBE_VERR:
		if (!d->s || (code && !(d->type & SEG_TYPE_READABLE)))
			return false;
		break;
	case SEG_PROBE_VERW:
		if (!d->s || code || !(d->type & SEG_TYPE_WRITABLE))
			return false;
		break;
	}
	/* conforming code segments are usable from any ring: no privilege check */
	if (code && (d->type & SEG_TYPE_CONFORM))
		return true;
	return d->dpl >= cpl && d->dpl >= rpl;
}
