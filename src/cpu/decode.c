/*
 * The decoder: prefixes, opcode, ModRM/SIB, displacement and immediates into a struct insn
 * whose handler the executors pick (insn_select). Bytes come from a host pointer into the
 * code page; past the page end they are fetched through the MMU (the instruction crosses a
 * page: cpu.c keeps it as a block's last instruction when the next page is RAM).
 */
#include "cpu/cpu_int.h"

insn_fn insn_select(struct insn *i, unsigned opc);

static int fetch8(struct fetch *f, uint8_t *b)
{
	if (likely(f->pos < f->avail)) {
		*b = f->p[f->pos++];
		return 0;
	}
	if (f->pos >= 15) { /* too long: #GP(0) at execution; stop consuming bytes */
		*b = 0x90;
		f->pos++;
		return 0;
	}
	f->crossed = true;
	/* The next page costs one fetch lookup however many of the instruction's bytes lie
	 * there, as a decoded crossing block's entry counts it (cpu.c's straddle_ok): the
	 * first byte goes through the MMU (faults included), the rest come from the fetch
	 * fast entry that lookup left, when CS is flat and there is one. */
	uint32_t lin = f->eip + f->pos;
	const struct mmu_fast *e;
	if (f->next_page_looked && f->c->mmu->seg.sr[SR_CS].flat &&
	    (e = fast_entry(f->c->in, lin, ACC_FETCH)) != NULL) {
		*b = *mmu_fast_host(e, lin);
		f->pos++;
		return 0;
	}
	if (mmu_read(f->c->mmu, SR_CS, lin, b, 1, ACC_FETCH, &f->c->in->ex)) {
		f->fault = true;
		return -1;
	}
	f->next_page_looked = true;
	f->pos++;
	return 0;
}

static int fetchn(struct fetch *f, unsigned n, uint32_t *v)
{
	uint32_t r = 0;
	for (unsigned k = 0; k < n; k++) {
		uint8_t b;
		if (fetch8(f, &b))
			return -1;
		r |= (uint32_t)b << (8 * k);
	}
	*v = r;
	return 0;
}

/* ModRM-bearing one-byte opcodes. */
static bool has_modrm1(unsigned op)
{
	if (op < 0x40)
		return (op & 7) < 4;
	switch (op) {
	case 0x62: case 0x63: case 0x69: case 0x6B: case 0xC0: case 0xC1: case 0xC4: case 0xC5:
	case 0xC6: case 0xC7: case 0xD0: case 0xD1: case 0xD2: case 0xD3: case 0xF6: case 0xF7:
	case 0xFE: case 0xFF:
		return true;
	}
	return (op >= 0x80 && op <= 0x8F) || (op >= 0xD8 && op <= 0xDF);
}

static bool has_modrm2(unsigned op)
{
	switch (op) {
	case 0x06: case 0x08: case 0x09: case 0x0B: case 0xA0: case 0xA1: case 0xA2: case 0xA8:
	case 0xA9: case 0xAA: case 0x77:
		return false;
	}
	if (op >= 0x30 && op <= 0x37)
		return false;
	if (op >= 0x80 && op <= 0x8F)
		return false;
	if (op >= 0xC8 && op <= 0xCF) /* BSWAP */
		return false;
	return true;
}

static int modrm32(struct fetch *f, struct insn *i, unsigned *defseg)
{
	unsigned mod = i->modrm >> 6, rm = i->modrm & 7;
	uint32_t d = 0;
	i->base = NOREG;
	i->index = NOREG;
	i->scale = 0;
	if (rm == 4) {
		uint8_t sib;
		if (fetch8(f, &sib))
			return -1;
		unsigned base = sib & 7, idx = (sib >> 3) & 7;
		i->scale = sib >> 6;
		if (idx != 4)
			i->index = (uint8_t)idx;
		if (base == 5 && mod == 0) {
			if (fetchn(f, 4, &d))
				return -1;
		} else {
			i->base = (uint8_t)base;
			if (base == R_ESP || base == R_EBP)
				*defseg = SR_SS;
		}
	} else if (rm == 5 && mod == 0) {
		if (fetchn(f, 4, &d))
			return -1;
	} else {
		i->base = (uint8_t)rm;
		if (rm == R_EBP)
			*defseg = SR_SS;
	}
	if (mod == 1) {
		if (fetchn(f, 1, &d))
			return -1;
		d = sext(d, 1);
	} else if (mod == 2) {
		if (fetchn(f, 4, &d))
			return -1;
	}
	i->disp = d;
	return 0;
}

static int modrm16(struct fetch *f, struct insn *i, unsigned *defseg)
{
	static const uint8_t b16[8] = {R_EBX, R_EBX, R_EBP, R_EBP, NOREG, NOREG, R_EBP, R_EBX};
	static const uint8_t x16[8] = {R_ESI, R_EDI, R_ESI, R_EDI, R_ESI, R_EDI, NOREG, NOREG};
	unsigned mod = i->modrm >> 6, rm = i->modrm & 7;
	uint32_t d = 0;
	i->base = b16[rm];
	i->index = x16[rm];
	i->scale = 0;
	if (mod == 0 && rm == 6) {
		i->base = NOREG;
		if (fetchn(f, 2, &d))
			return -1;
	} else if (i->base == R_EBP)
		*defseg = SR_SS;
	if (mod == 1) {
		if (fetchn(f, 1, &d))
			return -1;
		d = sext(d, 1);
	} else if (mod == 2) {
		if (fetchn(f, 2, &d))
			return -1;
	}
	i->disp = d;
	return 0;
}

/* Immediate bytes of a one-byte opcode: 0, 1, 2, or -1 for "operand size" (2 or 4). */
static int imm_size1(unsigned op, unsigned reg)
{
	if (op < 0x40 && (op & 7) == 4)
		return 1;
	if (op < 0x40 && (op & 7) == 5)
		return -1;
	switch (op) {
	case 0x6A: case 0x6B: case 0x80: case 0x82: case 0x83: case 0xA8: case 0xC0: case 0xC1:
	case 0xC6: case 0xCD: case 0xD4: case 0xD5: case 0xEB: case 0xE4: case 0xE5: case 0xE6:
	case 0xE7:
		return 1;
	case 0x68: case 0x69: case 0x81: case 0xA9: case 0xC7: case 0xE8: case 0xE9:
		return -1;
	case 0xC2: case 0xCA:
		return 2;
	case 0xF6:
		return reg < 2 ? 1 : 0;
	case 0xF7:
		return reg < 2 ? -1 : 0;
	}
	if ((op >= 0x70 && op <= 0x7F) || (op >= 0xB0 && op <= 0xB7) || (op >= 0xE0 && op <= 0xE3))
		return 1;
	if (op >= 0xB8 && op <= 0xBF)
		return -1;
	return 0;
}

int decode_insn(struct fetch *f, bool code32, struct insn *i)
{
	uint8_t b;
	unsigned seg = SR_COUNT;
	memset(i, 0, sizeof(*i));
	i->osz16 = !code32;
	i->asz16 = !code32;
	f->pos = 0;
	f->crossed = false;
	f->fault = false;
	for (;;) {
		if (fetch8(f, &b))
			return -1;
		switch (b) {
		case 0x26: seg = SR_ES; continue;
		case 0x2E: seg = SR_CS; continue;
		case 0x36: seg = SR_SS; continue;
		case 0x3E: seg = SR_DS; continue;
		case 0x64: seg = SR_FS; continue;
		case 0x65: seg = SR_GS; continue;
		case 0x66: i->osz16 = code32; i->pfx66 = 1; continue;
		case 0x67: i->asz16 = code32; continue;
		case 0xF0: i->lock = 1; continue; /* one CPU: every RMW is atomic already */
		case 0xF2: case 0xF3: i->rep = b; continue;
		}
		break;
	}
	unsigned opc = b;
	bool modrm;
	int isz;
	if (b == 0x0F) {
		if (fetch8(f, &b))
			return -1;
		opc = 0x100 | b;
		modrm = has_modrm2(b);
	} else
		modrm = has_modrm1(b);
	i->op = b;
	unsigned defseg = SR_DS;
	i->base = NOREG;
	i->index = NOREG;
	if (modrm) {
		if (fetch8(f, &i->modrm))
			return -1;
		i->reg = (i->modrm >> 3) & 7;
		i->rm = i->modrm & 7;
		if (i->modrm >= 0xC0)
			i->mod3 = 1;
		else if (i->asz16 ? modrm16(f, i, &defseg) : modrm32(f, i, &defseg))
			return -1;
	}
	i->sreg = (uint8_t)(seg != SR_COUNT ? seg : defseg);
	i->ovr = seg != SR_COUNT;
	if (opc < 0x100) {
		isz = imm_size1(opc, i->reg);
		if (opc >= 0xA0 && opc <= 0xA3) { /* moffs: address-size offset */
			if (fetchn(f, i->asz16 ? 2 : 4, &i->disp))
				return -1;
		} else if (opc == 0x9A || opc == 0xEA) { /* ptr16:16/32 */
			if (fetchn(f, i->osz16 ? 2 : 4, &i->imm) || fetchn(f, 2, &i->imm2))
				return -1;
		} else if (opc == 0xC8) { /* ENTER Iw, Ib */
			if (fetchn(f, 2, &i->imm) || fetchn(f, 1, &i->imm2))
				return -1;
		}
	} else {
		unsigned o = opc & 0xff;
		if (o >= 0x80 && o <= 0x8F)
			isz = -1;
		else if (o == 0xA4 || o == 0xAC || o == 0xBA || (o >= 0x70 && o <= 0x73) ||
			 o == 0xC2 || (o >= 0xC4 && o <= 0xC6))
			isz = 1; /* the last ones: PSHUF*, shifts by imm8, CMPccPS, PINSRW/PEXTRW, SHUFPS */
		else
			isz = 0;
	}
	if (isz) {
		unsigned n = isz < 0 ? (i->osz16 ? 2 : 4) : (unsigned)isz;
		if (fetchn(f, n, &i->imm))
			return -1;
	}
	i->len = (uint8_t)(f->pos > 15 ? 16 : f->pos);
	i->eip = f->eip;
	i->opc = (uint16_t)opc;
	i->fn = insn_select(i, opc);
	return 0;
}
