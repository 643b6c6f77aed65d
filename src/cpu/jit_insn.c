/*
 * Templates: host code for single guest instructions (see jit.h). Each template does all
 * of its memory translations before it changes any state, so that a fast-path miss can run
 * the whole instruction through its interpreter handler instead.
 */
#include "cpu/jit.h"

bool jit_insn(struct jit *j, const struct insn *i)
{
	(void)j;
	(void)i;
	return false;
}
