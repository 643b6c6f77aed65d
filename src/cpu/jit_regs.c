/*
 * Guest registers in compiled code. They live in c->regs, where the interpreter keeps them
 * (docs/jit.md), so every template stores its result there and the next one loads it back.
 * That reload waits for the store to be forwarded: a few cycles on the dependency chain of
 * every instruction in code like SHA-256's rounds. So a load of the 32-bit register that the
 * code just emitted stored (or loaded), with nothing emitted in between and no jump arriving
 * in between, takes the value from the host register that still holds it.
 *
 * Across an instruction boundary a jump does arrive: the previous instruction's slow path
 * (its stub) rejoins at the start of this one with that host register holding something
 * else. The compiler records what such a load relied on (jit_fill) and the stub loads it
 * from c->regs before it rejoins (jit_emit_fills).
 */
#include "cpu/jit.h"

void jit_st_reg(struct jit *j, unsigned h, unsigned r, unsigned sz)
{
	struct emit *e = &j->e;
	e_store(e, sz, h, J_CPU, o_reg(r, sz));
	if (sz == 4)
		j->fw = (struct jit_fw){.end = e->p, .reg = r, .h = h, .k = j->k};
}

void jit_ld_reg(struct jit *j, unsigned h, unsigned r, unsigned sz)
{
	struct emit *e = &j->e;
	const struct jit_fw *fw = &j->fw;
	/* fw->k + 1 == j->k: at the very start of this instruction (nothing emitted since the
	 * previous one's last store), where its stubs rejoin: they must fill fw->h */
	if (sz == 4 && fw->end == e->p && e->label != e->p && fw->reg == r &&
	    (fw->k == j->k || (fw->k + 1 == j->k && j->nfill < JIT_MAX_FILL))) {
		if (fw->k != j->k)
			j->fill[j->nfill++] = (struct jit_fill){.h = fw->h, .reg = r};
		if (h == fw->h)
			return;
		e_mov_rr(e, 4, h, fw->h); /* then h is the one that holds r at e->p */
	} else {
		e_load(e, sz, h, J_CPU, o_reg(r, sz));
	}
	if (sz == 4)
		j->fw = (struct jit_fw){.end = e->p, .reg = r, .h = h, .k = j->k};
}

void jit_fw_rewind(struct jit *j, const uint8_t *to)
{
	if (j->fw.end > to)
		j->fw.end = NULL;
}

void jit_emit_fills(struct jit *j, const struct jit_fill *f, unsigned n)
{
	for (unsigned x = 0; x < n; x++)
		e_load(&j->e, 4, f[x].h, J_CPU, O_REG(f[x].reg));
}
