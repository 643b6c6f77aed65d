/*
 * The page-table walker (SDM vol. 3, ch. 4). Entries are read from simulated physical
 * memory on every walk, so the tables the kernel writes are exactly the tables walked.
 * A and D are set only when the whole translation succeeds: the SDM leaves the faulting
 * case open, and setting nothing keeps a faulting access free of side effects.
 */
#include "hw/paging.h"

#include <stddef.h>
#include <string.h>

enum paging_mode paging_mode_of(const struct paging_regs *r)
{
	if (!(r->cr0 & CR0_PG))
		return PAGING_NONE;
	return (r->cr4 & CR4_PAE) ? PAGING_PAE : PAGING_2LEVEL;
}

uint32_t paging_pf_error(const struct paging_regs *r, enum mmu_access acc, bool user,
			 bool present, bool rsvd)
{
	uint32_t ec = 0;
	if (present || rsvd)
		ec |= PF_P;
	if (acc == ACC_WRITE)
		ec |= PF_W;
	if (user)
		ec |= PF_U;
	if (rsvd)
		ec |= PF_RSVD;
	/* I/D is reported only when execute-disable is in force */
	if (acc == ACC_FETCH && paging_nx_enabled(r))
		ec |= PF_I;
	return ec;
}

static unsigned maxphyaddr(const struct paging_regs *r)
{
	unsigned m = r->maxphyaddr ? r->maxphyaddr : 36;
	return m > 52 ? 52 : m < 32 ? 32 : m;
}

/* Bits M..62 of a PAE entry: reserved in every PAE entry format (bit 63 is XD). */
static uint64_t pae_high_rsvd(const struct paging_regs *r)
{
	return ((1ull << 63) - 1) & ~((1ull << maxphyaddr(r)) - 1);
}

uint64_t paging_rsvd_bits(const struct paging_regs *r, int level, uint64_t entry)
{
	if (!(r->cr4 & CR4_PAE)) {
		/* only a 4 MB PDE has any: PSE-36 puts address bits 32..M-1 in bits 13..M-20
		 * (M at most 40), and the bits from there up to 21 are reserved */
		if (level != 2 || !(entry & PTE_PS) || !(r->cr4 & CR4_PSE))
			return 0;
		unsigned m = maxphyaddr(r) > 40 ? 40 : maxphyaddr(r);
		return ((1ull << 22) - 1) & ~((1ull << (13 + m - 32)) - 1);
	}
	uint64_t rsvd = pae_high_rsvd(r);
	if (level == 3) /* a PDPTE has no R/W, U/S, A, D, PS, G or XD */
		return rsvd | PTE_NX | 0x1e6ull;
	if (!(r->efer & EFER_NXE))
		rsvd |= PTE_NX;
	if (level == 2 && (entry & PTE_PS))
		rsvd |= 0x1fe000ull; /* bits 20-13 of a 2 MB PDE (bit 12 is PAT) */
	return rsvd;
}

static int pf(const struct paging_regs *r, uint32_t lin, enum mmu_access acc, bool user,
	      bool present, bool rsvd, struct x86_exception *ex)
{
	ex->vector = X86_PF;
	ex->has_error_code = true;
	ex->error_code = paging_pf_error(r, acc, user, present, rsvd);
	ex->cr2 = lin;
	return -1;
}

/* Inlined with a constant esize: a table in RAM (nearly always) is one host load, no range
 * lookup and no variable-length copy. */
static inline __attribute__((always_inline)) uint64_t
read_entry(struct physmem *pm, struct walk_result *res, int level, unsigned index,
	   phys_addr_t table, unsigned esize)
{
	phys_addr_t addr = table + (phys_addr_t)index * esize;
	uint64_t e;
	const uint8_t *p = physmem_ptr(pm, addr);
	if (__builtin_expect(p != NULL, 1)) {
		if (esize == 4) {
			uint32_t e32;
			memcpy(&e32, p, 4);
			e = e32;
		} else {
			memcpy(&e, p, 8);
		}
	} else {
		e = physmem_read(pm, addr, esize);
	}
	struct walk_step *s = &res->steps[res->nsteps++];
	*s = (struct walk_step){level, index, table, addr, e};
	return e;
}

static void set_ad(struct physmem *pm, struct walk_result *res, unsigned step, uint64_t bits)
{
	struct walk_step *s = &res->steps[step];
	if ((s->entry & bits) == bits)
		return;
	/* A and D live in the entry's low byte: write only that byte */
	physmem_write(pm, s->addr, (uint8_t)(s->entry | bits), 1);
	res->ad_writes++;
}

static int walk_2level(struct physmem *pm, const struct paging_regs *r, uint32_t lin,
		       struct walk_result *res, bool *present, bool *rsvd)
{
	uint64_t pde = read_entry(pm, res, 2, lin >> 22, r->cr3 & 0xfffff000u, 4);
	if (!(pde & PTE_P))
		return -1;
	if ((pde & PTE_PS) && (r->cr4 & CR4_PSE)) {
		/* PSE-36: bits 13..(M-20) hold address bits 32..M-1 */
		unsigned m = maxphyaddr(r) > 40 ? 40 : maxphyaddr(r);
		uint64_t high_bits = (1ull << (m - 32)) - 1;
		*present = true;
		if (pde & paging_rsvd_bits(r, 2, pde)) {
			*rsvd = true;
			return -1;
		}
		res->frame = (pde & 0xffc00000u) | (((pde >> 13) & high_bits) << 32);
		res->page_size = 4u << 20;
		res->writable = pde & PTE_RW;
		res->user = pde & PTE_US;
		res->global = (pde & PTE_G) && (r->cr4 & CR4_PGE);
		res->dirty = pde & PTE_D;
		res->pcd_pwt_pat = (pde & (PTE_PWT | PTE_PCD)) | ((pde & PTE_PAT_LARGE) ? 0x80 : 0);
		return 0;
	}
	uint64_t pte = read_entry(pm, res, 1, (lin >> 12) & 0x3ff, pde & 0xfffff000u, 4);
	if (!(pte & PTE_P))
		return -1;
	*present = true;
	res->frame = pte & 0xfffff000u;
	res->page_size = PAGE_SIZE;
	res->writable = (pde & PTE_RW) && (pte & PTE_RW);
	res->user = (pde & PTE_US) && (pte & PTE_US);
	res->global = (pte & PTE_G) && (r->cr4 & CR4_PGE);
	res->dirty = pte & PTE_D;
	res->pcd_pwt_pat = pte & (PTE_PWT | PTE_PCD | PTE_PAT);
	return 0;
}

static int walk_pae(struct physmem *pm, const struct paging_regs *r, uint32_t lin,
		    struct walk_result *res, bool *present, bool *rsvd)
{
	uint64_t addr_mask = ((1ull << maxphyaddr(r)) - 1) & ~0xfffull;

	/* PDPTEs are read on every walk (not latched at MOV CR3); their reserved bits
	 * therefore show up as #PF with RSVD. PDPTEs have no A, R/W, U/S or XD. */
	uint64_t pdpte = read_entry(pm, res, 3, lin >> 30, r->cr3 & 0xffffffe0u, 8);
	if (!(pdpte & PTE_P))
		return -1;
	if (pdpte & paging_rsvd_bits(r, 3, pdpte)) {
		*present = *rsvd = true;
		return -1;
	}
	uint64_t pde = read_entry(pm, res, 2, (lin >> 21) & 0x1ff, pdpte & addr_mask, 8);
	if (!(pde & PTE_P))
		return -1;
	*present = true;
	bool large = pde & PTE_PS;
	if (pde & paging_rsvd_bits(r, 2, pde)) {
		*rsvd = true;
		return -1;
	}
	bool nx = pde & PTE_NX;
	if (large) {
		res->frame = pde & addr_mask & ~0x1fffffull;
		res->page_size = 2u << 20;
		res->writable = pde & PTE_RW;
		res->user = pde & PTE_US;
		res->nx = nx && paging_nx_enabled(r);
		res->global = (pde & PTE_G) && (r->cr4 & CR4_PGE);
		res->dirty = pde & PTE_D;
		res->pcd_pwt_pat = (pde & (PTE_PWT | PTE_PCD)) | ((pde & PTE_PAT_LARGE) ? 0x80 : 0);
		return 0;
	}
	uint64_t pte = read_entry(pm, res, 1, (lin >> 12) & 0x1ff, pde & addr_mask, 8);
	if (!(pte & PTE_P)) {
		*present = false;
		return -1;
	}
	if (pte & paging_rsvd_bits(r, 1, pte)) {
		*rsvd = true;
		return -1;
	}
	res->frame = pte & addr_mask;
	res->page_size = PAGE_SIZE;
	res->writable = (pde & PTE_RW) && (pte & PTE_RW);
	res->user = (pde & PTE_US) && (pte & PTE_US);
	res->nx = (nx || (pte & PTE_NX)) && paging_nx_enabled(r);
	res->global = (pte & PTE_G) && (r->cr4 & CR4_PGE);
	res->dirty = pte & PTE_D;
	res->pcd_pwt_pat = pte & (PTE_PWT | PTE_PCD | PTE_PAT);
	return 0;
}

int paging_walk(struct physmem *pm, const struct paging_regs *r, uint32_t lin,
		enum mmu_access acc, bool user, bool set_ad_bits, struct walk_result *res,
		struct x86_exception *ex)
{
	struct walk_result local;
	if (!res)
		res = &local;
	/* steps[] beyond nsteps mean nothing: a walk writes each step it reads, so only the
	 * rest is cleared (the steps are most of the structure) */
	memset(res, 0, offsetof(struct walk_result, steps));
	res->ad_writes = 0;
	enum paging_mode mode = paging_mode_of(r);
	if (mode == PAGING_NONE) {
		memset(res->steps, 0, sizeof(res->steps));
		res->pa = lin;
		res->frame = lin & PAGE_MASK;
		res->page_size = PAGE_SIZE;
		res->writable = res->user = res->dirty = true;
		return 0;
	}
	bool present = false, rsvd = false;
	int rc = mode == PAGING_PAE ? walk_pae(pm, r, lin, res, &present, &rsvd)
				    : walk_2level(pm, r, lin, res, &present, &rsvd);
	if (rc < 0)
		return pf(r, lin, acc, user, present, rsvd, ex);
	if (!paging_rights_ok(r, res->writable, res->user, res->nx, acc, user))
		return pf(r, lin, acc, user, true, false, ex);
	res->pa = res->frame + (lin & (res->page_size - 1));
	if (set_ad_bits) {
		/* A in every entry that mapped the address (PDPTEs have none), D in the last */
		unsigned first = mode == PAGING_PAE ? 1 : 0;
		uint64_t last_bits = acc == ACC_WRITE ? PTE_A | PTE_D : PTE_A;
		bool all_set = (res->steps[res->nsteps - 1].entry & last_bits) == last_bits;
		for (unsigned i = first; i + 1 < res->nsteps; i++)
			all_set &= (res->steps[i].entry & PTE_A) != 0;
		/* the usual case, every bit already set, writes nothing */
		if (all_set) {
			if (acc == ACC_WRITE)
				res->dirty = true;
			return 0;
		}
		for (unsigned i = first; i < res->nsteps; i++) {
			uint64_t bits = PTE_A;
			if (i == res->nsteps - 1 && acc == ACC_WRITE)
				bits |= PTE_D;
			set_ad(pm, res, i, bits);
		}
		if (acc == ACC_WRITE)
			res->dirty = true;
	}
	return 0;
}
