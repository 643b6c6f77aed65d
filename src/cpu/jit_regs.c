/*
 * Guest registers in compiled code. They live in c->regs, where the interpreter keeps them
 * (docs/jit.md), so every template stores its result there. Reloading it for the next
 * instruction would wait for the store to be forwarded, on the dependency chain of every
 * instruction in code like SHA-256's rounds; so the compiler remembers which of its scratch
 * host registers still hold which guest registers, and templates take them from there.
 *
 * What it remembers holds only where the code it knows about ends: every template that
 * wants to keep it says what its own code changed (jit_reg_wrote, jit_reg_stored, or the
 * loads and stores below); anything else emitted moves the end of the code away and so
 * forgets it all, as does a jump arriving (e_label). So only code the compiler has seen
 * whole, straight-line, relies on it.
 *
 * Across an instruction boundary a jump does arrive: the previous instruction's slow path
 * (its stub) rejoins at the start of this one with the scratch registers holding something
 * else. What the host registers hold at each instruction's start is recorded (jit.c, w->fills)
 * and the stub loads all of it from c->regs before it rejoins (jit_emit_fills).
 *
 * Between instructions whose code is all seen here (jit_insn_pure: registers only, no slow
 * path, no exit, no call), a guest register's store to c->regs may wait (rg.dirty): nothing
 * can look at c->regs there, and a later instruction of the run that writes the register
 * again makes the store unnecessary. The stores still to come are emitted before anything
 * else: before an instruction that is not pure (jit.c), before the block's exit, and before
 * a host register that holds one is changed.
 */
#include "cpu/jit.h"

/* Host registers the templates use as temporaries; the others are pinned (jit.h) or hold
 * kept translations (R8..R10). */
#define SCRATCH (1u << RAX | 1u << RCX | 1u << RDX | 1u << RSI | 1u << RDI | 1u << R11)

static bool scratch(unsigned h)
{
	return h < 16 && (SCRATCH >> h & 1);
}

/* Before code that starts at `at`: forget everything unless it holds there. */
static void sync(struct jit *j, const uint8_t *at)
{
	struct jit_rcache *rg = &j->rg;
	if (rg->end && rg->end == at && j->e.label != at)
		return;
	if (rg->dirty) /* code nobody told about ran before a store still to come */
		rg->lost = true;
	rg->dirty = 0;
	for (unsigned g = 0; g < 8; g++)
		rg->host[g] = -1;
	rg->end = NULL;
}
static void done(struct jit *j)
{
	j->rg.end = j->e.p;
}
static void touch(struct jit *j, unsigned h)
{
	j->rg.use[h] = ++j->rg.clock;
}
/* guest register g no longer held anywhere (a store still to come: lost, a bug) */
static void forget(struct jit *j, unsigned g)
{
	if (j->rg.dirty >> g & 1)
		j->rg.lost = true;
	j->rg.dirty &= (uint8_t) ~(1u << g);
	j->rg.host[g] = -1;
}
static void drop_host(struct jit *j, unsigned h)
{
	for (unsigned g = 0; g < 8; g++)
		if (j->rg.host[g] == (int)h)
			forget(j, g);
}
/* the store of guest register g (32 bits) from the host register that holds it */
static void put(struct jit *j, unsigned g)
{
	e_store(&j->e, 4, (unsigned)j->rg.host[g], J_CPU, O_REG(g));
	j->rg.dirty &= (uint8_t) ~(1u << g);
}
/* the stores still to come from host register h, but guest register `but`'s */
static void flush_host(struct jit *j, unsigned h, unsigned but)
{
	for (unsigned g = 0; g < 8; g++)
		if ((j->rg.dirty >> g & 1) && j->rg.host[g] == (int)h && g != but)
			put(j, g);
}
static void flush_reg(struct jit *j, unsigned g)
{
	if (j->rg.dirty >> g & 1)
		put(j, g);
}
/* the 32-bit register a store of size sz to register r changes */
static unsigned reg32(unsigned r, unsigned sz)
{
	return sz == 1 ? r & 3 : r;
}
static unsigned holders(const struct jit *j, unsigned h)
{
	unsigned n = 0;
	for (unsigned g = 0; g < 8; g++)
		n += j->rg.host[g] == (int)h;
	return n;
}

int jit_reg_cached(struct jit *j, unsigned r)
{
	sync(j, j->e.p);
	return r < 8 ? j->rg.host[r] : -1;
}

void jit_st_reg(struct jit *j, unsigned h, unsigned r, unsigned sz)
{
	struct emit *e = &j->e;
	sync(j, e->p);
	unsigned g = reg32(r, sz);
	if (sz == 4 && scratch(h) && j->pure) { /* the store waits (rg.dirty) */
		j->rg.host[r] = (int8_t)h;
		j->rg.dirty |= (uint8_t)(1u << r);
		touch(j, h);
		done(j);
		return;
	}
	if (sz < 4)
		flush_reg(j, g); /* the rest of the register first */
	e_store(e, sz, h, J_CPU, o_reg(r, sz));
	j->rg.dirty &= (uint8_t) ~(1u << g);
	j->rg.host[g] = -1;
	if (sz == 4 && scratch(h)) {
		j->rg.host[r] = (int8_t)h;
		touch(j, h);
	}
	done(j);
}

void jit_ld_reg(struct jit *j, unsigned h, unsigned r, unsigned sz)
{
	struct emit *e = &j->e;
	sync(j, e->p);
	int have = sz == 4 ? j->rg.host[r] : -1;
	if (have == (int)h) {
		touch(j, h);
		return; /* nothing emitted */
	}
	if (sz < 4)
		flush_reg(j, reg32(r, sz));
	flush_host(j, h, have >= 0 ? r : NOREG);
	if (have >= 0)
		e_mov_rr(e, 4, h, (unsigned)have);
	else
		e_load(e, sz, h, J_CPU, o_reg(r, sz));
	for (unsigned g = 0; g < 8; g++) /* h now holds r (all of it: sz 4) alone */
		if (j->rg.host[g] == (int)h && (g != r || sz < 4))
			forget(j, g); /* (flushed above) */
	if (sz == 4 && scratch(h)) {
		j->rg.host[r] = (int8_t)h; /* a store still to come stays r's */
		touch(j, h);
	}
	done(j);
}

unsigned jit_reg_tmp(struct jit *j, unsigned busy)
{
	sync(j, j->e.p);
	unsigned best = RAX;
	uint32_t best_use = UINT32_MAX;
	unsigned best_rank = 0;
	for (unsigned h = 0; h < 16; h++) {
		if (!scratch(h) || (busy >> h & 1))
			continue;
		/* a register that holds nothing first, one a memory access keeps (RCX, RDX: the
		 * access takes RAX, RSI and RDI) before one it does not, else the least recently
		 * used */
		bool free = holders(j, h) == 0, kept = h == RCX || h == RDX;
		unsigned rank = free ? 2 + kept : 1;
		if (rank > best_rank || (rank == best_rank && j->rg.use[h] < best_use)) {
			best = h;
			best_use = j->rg.use[h];
			best_rank = rank;
		}
	}
	flush_host(j, best, NOREG);
	drop_host(j, best);
	touch(j, best);
	done(j);
	return best;
}

unsigned jit_reg_get(struct jit *j, unsigned r, unsigned busy)
{
	int have = jit_reg_cached(j, r);
	if (have >= 0) {
		touch(j, (unsigned)have);
		return (unsigned)have;
	}
	unsigned h = jit_reg_tmp(j, busy);
	jit_ld_reg(j, h, r, 4);
	return h;
}

unsigned jit_reg_dst(struct jit *j, unsigned r, unsigned busy)
{
	int have = jit_reg_cached(j, r);
	if (have >= 0 && holders(j, (unsigned)have) == 1) {
		/* changed in place and stored by the caller: a store still to come is no
		 * longer needed */
		j->rg.dirty &= (uint8_t) ~(1u << r);
		touch(j, (unsigned)have);
		return (unsigned)have;
	}
	/* not held, or held for another guest register too, which keeps it: a copy */
	unsigned h = jit_reg_tmp(j, busy | (have >= 0 ? 1u << have : 0));
	jit_ld_reg(j, h, r, 4);
	j->rg.dirty &= (uint8_t) ~(1u << r);
	return h;
}

void jit_reg_clobber(struct jit *j, unsigned mask)
{
	sync(j, j->e.p);
	for (unsigned h = 0; h < 16; h++)
		if (mask >> h & 1)
			flush_host(j, h, NOREG);
	done(j);
}

void jit_regs_flush(struct jit *j)
{
	sync(j, j->e.p);
	for (unsigned g = 0; g < 8; g++)
		flush_reg(j, g);
	done(j);
}

void jit_reg_wrote(struct jit *j, const uint8_t *from, unsigned mask)
{
	sync(j, from);
	for (unsigned h = 0; h < 16; h++)
		if (mask >> h & 1)
			drop_host(j, h);
	if (j->e.label > from) /* a jump inside that code, which the caller accounted for */
		j->e.label = NULL;
	done(j);
}

void jit_reg_stored(struct jit *j, const uint8_t *from, unsigned r, unsigned sz)
{
	sync(j, from);
	unsigned g = reg32(r, sz);
	if (sz == 4) /* the store to come is overwritten */
		j->rg.dirty &= (uint8_t) ~(1u << g);
	forget(j, g); /* (a part of it over a store to come: lost) */
	done(j);
}

void jit_regs_at_insn(struct jit *j)
{
	sync(j, j->e.p);
	j->nfill = 0;
	for (unsigned g = 0; g < 8; g++)
		if (j->rg.host[g] >= 0)
			j->fill[j->nfill++] =
			    (struct jit_fill){.h = (unsigned)j->rg.host[g], .reg = g};
}

void jit_regs_save(struct jit *j, struct jit_rcache *to)
{
	*to = j->rg;
	to->label = j->e.label;
}

void jit_regs_restore(struct jit *j, const struct jit_rcache *from)
{
	j->rg = *from;
	j->e.label = from->label;
}

void jit_emit_fills(struct jit *j, const struct jit_fill *f, unsigned n)
{
	for (unsigned x = 0; x < n; x++)
		e_load(&j->e, 4, f[x].h, J_CPU, O_REG(f[x].reg));
}

bool jit_regs_lost(struct jit *j)
{
	static bool told;
	if (!j->rg.lost)
		return false;
	j->c->in->jit->regs_lost++;
	if (!told) {
		told = true;
		fprintf(stderr,
			"vmlab: internal error: the block compiler lost a register store in the "
			"block at %#x; it is interpreted instead\n",
			j->b->eip);
	}
	return true;
}
