/*
 * Lazy flags: arithmetic instructions record (kind, size, result, operands); the six
 * arithmetic flags are computed only when something reads them. See docs/cpu.md for the
 * values chosen where the SDM leaves a flag undefined.
 */
#include "cpu/cpu_int.h"

static uint32_t compute(unsigned op, uint32_t res, uint32_t a, uint32_t b, uint32_t aux)
{
	unsigned sz = 1u << (op & 3);
	uint32_t m = szmask(sz), sign = szsign(sz);
	uint32_t f = 0;
	res = lf_result(op, res, a, b);
	res &= m;
	a &= m;
	b &= m;
	switch (op >> 2) {
	case LF_ADD:
		if (res < a)
			f |= EFL_CF;
		f |= (a ^ b ^ res) & EFL_AF;
		if ((a ^ res) & (b ^ res) & sign)
			f |= EFL_OF;
		break;
	case LF_ADC:
		if (aux ? res <= a : res < a)
			f |= EFL_CF;
		f |= (a ^ b ^ res) & EFL_AF;
		if ((a ^ res) & (b ^ res) & sign)
			f |= EFL_OF;
		break;
	case LF_SUB:
		if (a < b)
			f |= EFL_CF;
		f |= (a ^ b ^ res) & EFL_AF;
		if ((a ^ b) & (a ^ res) & sign)
			f |= EFL_OF;
		break;
	case LF_SBB:
		if (aux ? a <= b : a < b)
			f |= EFL_CF;
		f |= (a ^ b ^ res) & EFL_AF;
		if ((a ^ b) & (a ^ res) & sign)
			f |= EFL_OF;
		break;
	case LF_LOGIC:
		break;
	case LF_INC:
		f |= aux & EFL_CF;
		if ((res & 0xf) == 0)
			f |= EFL_AF;
		if (res == sign)
			f |= EFL_OF;
		break;
	case LF_DEC:
		f |= aux & EFL_CF;
		if ((res & 0xf) == 0xf)
			f |= EFL_AF;
		if (res == sign - 1)
			f |= EFL_OF;
		break;
	case LF_SHL: /* b = count (1..31), a = original */
		if (b <= sz * 8 && ((a >> (sz * 8 - b)) & 1))
			f |= EFL_CF;
		/* OF as for the first one-bit step, whatever the count (what Intel CPUs do;
		 * the SDM defines it for count 1 only) */
		if ((a ^ (a << 1)) & sign)
			f |= EFL_OF;
		if (aux)
			f |= EFL_AF;
		break;
	case LF_SHR:
		if ((a >> (b - 1)) & 1)
			f |= EFL_CF;
		if (a & sign) /* first-step OF: the original sign */
			f |= EFL_OF;
		if (aux)
			f |= EFL_AF;
		break;
	case LF_SAR:
		if (((uint32_t)((int32_t)sext(a, sz) >> (b > 31 ? 31 : b - 1))) & 1)
			f |= EFL_CF;
		if (aux)
			f |= EFL_AF;
		break;
	case LF_MUL:
		/* SF, ZF, AF, PF are undefined: Intel sets SF and PF from the low half of the
		 * product and clears ZF and AF */
		if (aux)
			f |= EFL_CF | EFL_OF;
		return f | (szp(res, sz) & ~EFL_ZF);
	}
	return f | szp(res, sz);
}

uint32_t flags_materialize(struct cpu_internal *in)
{
	uint32_t f = compute(in->lf_op, in->lf_res, in->lf_a, in->lf_b, in->lf_aux);
	in->eflags = (in->eflags & ~EFL_ARITH) | f;
	in->lf_op = LF_NONE;
	return in->eflags;
}

/* CF alone (ADC/SBB/RCL/RCR/INC/DEC/SALC read it), without materialising the other flags:
 * the lazy state stays as it is. */
bool get_cf_slow(struct cpu_internal *in)
{
	unsigned op = in->lf_op;
	uint32_t m = szmask(1u << (op & 3));
	switch (op >> 2) {
	case LF_ADD: return ((in->lf_a + in->lf_b) & m) < (in->lf_a & m);
	case LF_SUB: return (in->lf_a & m) < (in->lf_b & m);
	case LF_LOGIC: return false;
	case LF_INC: case LF_DEC: return in->lf_aux & EFL_CF;
	}
	return compute(op, in->lf_res, in->lf_a, in->lf_b, in->lf_aux) & EFL_CF;
}

bool cond_slow(struct cpu_internal *in, unsigned cc)
{
	uint32_t f = get_flags(in);
	bool r;
	switch (cc >> 1) {
	case 0: r = f & EFL_OF; break;
	case 1: r = f & EFL_CF; break;
	case 2: r = f & EFL_ZF; break;
	case 3: r = f & (EFL_CF | EFL_ZF); break;
	case 4: r = f & EFL_SF; break;
	case 5: r = f & EFL_PF; break;
	case 6: r = !(f & EFL_SF) != !(f & EFL_OF); break;
	default: r = (f & EFL_ZF) || (!(f & EFL_SF) != !(f & EFL_OF)); break;
	}
	return r ^ (cc & 1);
}
