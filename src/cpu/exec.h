/* Operand helpers shared by the executors (ModRM "E" operands, immediates). */
#ifndef VMLAB_CPU_EXEC_H
#define VMLAB_CPU_EXEC_H
#include "cpu/cpu_int.h"

/* A read-modify-write E operand in progress. */
struct eop {
	uint8_t *p;   /* host pointer, or NULL: go through mem_write */
	uint32_t off; /* offset in i->sreg */
};

static inline __attribute__((always_inline)) int rd_E(struct cpu *c, const struct insn *i, unsigned sz, uint32_t *v)
{
	if (i->mod3) {
		*v = getreg(c, i->rm, sz);
		return 0;
	}
	return mem_read(c, i->sreg, ea(c, i), sz, v);
}
static inline __attribute__((always_inline)) int wr_E(struct cpu *c, const struct insn *i, unsigned sz, uint32_t v)
{
	if (i->mod3) {
		setreg(c, i->rm, sz, v);
		return 0;
	}
	return mem_write(c, i->sreg, ea(c, i), sz, v);
}
static inline __attribute__((always_inline)) int e_begin(struct cpu *c, const struct insn *i, unsigned sz, struct eop *o,
			  uint32_t *v)
{
	if (i->mod3) {
		*v = getreg(c, i->rm, sz);
		return 0;
	}
	o->off = ea(c, i);
	if (mem_rmw_ptr(c, i->sreg, o->off, sz, &o->p))
		return -1;
	if (o->p) {
		*v = ld(o->p, sz);
		return 0;
	}
	return mem_read(c, i->sreg, o->off, sz, v);
}
static inline __attribute__((always_inline)) int e_end(struct cpu *c, const struct insn *i, unsigned sz, struct eop *o,
			uint32_t v)
{
	if (i->mod3) {
		setreg(c, i->rm, sz, v);
		return 0;
	}
	if (o->p) {
		st(o->p, sz, v);
		rmw_commit(c, o->p);
		return 0;
	}
	return mem_write(c, i->sreg, o->off, sz, v);
}

/* Per-file handler selectors: return NULL when the opcode is not theirs. opc is the opcode
 * byte, or 0x100 | second byte for 0F xx. They may rewrite decoded fields (e.g. turn a
 * register-in-opcode form into a ModRM register operand). */
insn_fn select_alu(struct insn *i, unsigned opc);
insn_fn select_ctl(struct insn *i, unsigned opc);
insn_fn select_str(struct insn *i, unsigned opc);
insn_fn select_sys(struct insn *i, unsigned opc);
insn_fn select_sse(struct insn *i, unsigned opc);
#endif
