/* The page-table walker: 32-bit 2-level (4 KB, 4 MB with PSE) and PAE (4 KB, 2 MB, NX). */
#ifndef VMLAB_HW_PAGING_H
#define VMLAB_HW_PAGING_H
#include "hw/physmem.h"

#include <string.h>

enum paging_mode { PAGING_NONE, PAGING_2LEVEL, PAGING_PAE };

/* The control-register state a walk depends on. */
struct paging_regs {
	uint32_t cr0, cr3, cr4;
	uint64_t efer;
	unsigned maxphyaddr; /* physical address width, 36 by default */
};

enum paging_mode paging_mode_of(const struct paging_regs *r);

/* One level of a walk, for `vmlab translate` and traces. */
struct walk_step {
	int level;           /* 3 = PDPTE, 2 = PDE, 1 = PTE */
	unsigned index;      /* index into the table */
	phys_addr_t table;   /* physical address of the table */
	phys_addr_t addr;    /* physical address of the entry */
	uint64_t entry;      /* the entry as read (before A/D updates) */
};

struct walk_result {
	phys_addr_t pa;         /* the translated physical address */
	phys_addr_t frame;      /* physical base of the page */
	uint32_t page_size;     /* 4 KB, 2 MB or 4 MB */
	bool writable, user, nx, global, dirty;
	uint8_t pcd_pwt_pat;    /* caching bits of the final entry, for the record */
	unsigned nsteps;          /* entries read (on a fault: up to and including the bad one) */
	struct walk_step steps[3];
	unsigned ad_writes;       /* entries written back to set A/D */
};

/*
 * Walks the tables for linear address lin. Checks rights for the access kind and mode
 * (user = CPL 3) with CR0.WP and NX, sets A in each entry used and D in the final one on a
 * write when set_ad is true. On a fault fills *ex with #PF (error code, cr2) and returns -1.
 * With paging off, pa = lin. res may be NULL.
 */
int paging_walk(struct physmem *pm, const struct paging_regs *r, uint32_t lin,
		enum mmu_access acc, bool user, bool set_ad, struct walk_result *res,
		struct x86_exception *ex);

static inline bool paging_nx_enabled(const struct paging_regs *r)
{
	return (r->cr4 & CR4_PAE) && (r->efer & EFER_NXE);
}

/* The SDM's access-rights rule for a translation with these combined rights (writable = R/W
 * of every level, user = U/S of every level, nx = XD of any level with EFER.NXE). Inline:
 * every walk and every slow-path TLB hit applies it. */
static inline bool paging_rights_ok(const struct paging_regs *r, bool writable, bool user_page,
				    bool nx, enum mmu_access acc, bool user)
{
	if (user && !user_page)
		return false;
	if (acc == ACC_WRITE && !writable && (user || (r->cr0 & CR0_WP)))
		return false;
	if (acc == ACC_FETCH && nx && paging_nx_enabled(r))
		return false;
	return true;
}
/* A table entry in RAM, or NULL: paging_walk_quick leaves anything else (MMIO callbacks may
 * have side effects, so it must not read what it might then read again) to paging_walk. */
static inline const uint8_t *paging_entry_ptr(const struct physmem *pm, phys_addr_t addr)
{
	return physmem_ptr(pm, addr);
}

static inline uint64_t paging_load64(const uint8_t *p)
{
	uint64_t e;
	memcpy(&e, p, 8);
	return e;
}

static inline uint32_t paging_load32(const uint8_t *p)
{
	uint32_t e;
	memcpy(&e, p, 4);
	return e;
}

/*
 * The walk a TLB miss nearly always makes, without paging_walk's record of each step: every
 * table in RAM, no fault, no reserved bit, and A (and D for a write) already set where the
 * walk would set them, so it writes nothing. Fills res's translation (pa, frame, page_size,
 * writable, user, nx, global, dirty; ad_writes = 0; nsteps, but not steps[] or
 * pcd_pwt_pat) and returns the number of entries read, exactly what paging_walk would
 * report. Returns 0 for anything else, having changed nothing in memory: the caller then
 * makes the full paging_walk, which reads the same entries again and decides the case
 * (fault, RSVD, A/D write-back, MMIO).
 * Paging must be on.
 */
static inline __attribute__((always_inline)) unsigned
paging_walk_quick(const struct physmem *pm, const struct paging_regs *r, uint32_t lin,
		  enum mmu_access acc, bool user, struct walk_result *res)
{
	uint64_t last_bits = acc == ACC_WRITE ? PTE_A | PTE_D : PTE_A;
	const uint8_t *p;
	unsigned n;
	bool nx = false;
	uint64_t frame, last, upper;
	uint32_t size;
	if (!(r->cr4 & CR4_PAE)) {
		if (!(p = paging_entry_ptr(pm, (r->cr3 & 0xfffff000u) + (lin >> 22) * 4)))
			return 0;
		uint64_t pde = paging_load32(p);
		if (!(pde & PTE_P))
			return 0;
		if ((pde & PTE_PS) && (r->cr4 & CR4_PSE)) {
			/* PSE-36 address bits or reserved bits 13-21: the full walk sorts them out */
			if (pde & 0x3fe000u)
				return 0;
			frame = pde & 0xffc00000u;
			size = 4u << 20;
			last = upper = pde;
			n = 1;
		} else {
			if (!(pde & PTE_A))
				return 0;
			p = paging_entry_ptr(pm, (pde & 0xfffff000u) + ((lin >> 12) & 0x3ff) * 4);
			if (!p)
				return 0;
			last = paging_load32(p);
			if (!(last & PTE_P))
				return 0;
			frame = last & 0xfffff000u;
			size = PAGE_SIZE;
			upper = pde;
			n = 2;
		}
	} else {
		unsigned m = r->maxphyaddr ? r->maxphyaddr : 36;
		m = m > 52 ? 52 : m < 32 ? 32 : m;
		uint64_t addr_mask = ((1ull << m) - 1) & ~0xfffull;
		uint64_t rsvd = ((1ull << 63) - 1) & ~((1ull << m) - 1);
		if (!(r->efer & EFER_NXE))
			rsvd |= PTE_NX;
		if (!(p = paging_entry_ptr(pm, (r->cr3 & 0xffffffe0u) + (lin >> 30) * 8)))
			return 0;
		uint64_t pdpte = paging_load64(p);
		if (!(pdpte & PTE_P) || (pdpte & (rsvd | PTE_NX | 0x1e6ull)))
			return 0;
		p = paging_entry_ptr(pm, (pdpte & addr_mask) + ((lin >> 21) & 0x1ff) * 8);
		if (!p)
			return 0;
		uint64_t pde = paging_load64(p);
		if (!(pde & PTE_P) || (pde & rsvd))
			return 0;
		nx = pde & PTE_NX;
		if (pde & PTE_PS) {
			if (pde & 0x1fe000ull)
				return 0;
			frame = pde & addr_mask & ~0x1fffffull;
			size = 2u << 20;
			last = upper = pde;
			n = 2;
		} else {
			if (!(pde & PTE_A))
				return 0;
			p = paging_entry_ptr(pm, (pde & addr_mask) + ((lin >> 12) & 0x1ff) * 8);
			if (!p)
				return 0;
			last = paging_load64(p);
			if (!(last & PTE_P) || (last & rsvd))
				return 0;
			nx = nx || (last & PTE_NX);
			frame = last & addr_mask;
			size = PAGE_SIZE;
			upper = pde;
			n = 3;
		}
		nx = nx && paging_nx_enabled(r);
	}
	if ((last & last_bits) != last_bits)
		return 0;
	bool writable = (upper & PTE_RW) && (last & PTE_RW);
	bool user_page = (upper & PTE_US) && (last & PTE_US);
	if (!paging_rights_ok(r, writable, user_page, nx, acc, user))
		return 0;
	res->pa = frame + (lin & (size - 1));
	res->frame = frame;
	res->page_size = size;
	res->writable = writable;
	res->user = user_page;
	res->nx = nx;
	res->global = (last & PTE_G) && (r->cr4 & CR4_PGE);
	res->dirty = last & PTE_D;
	res->nsteps = n;
	res->ad_writes = 0;
	return n;
}

/* The bits of a present entry at this level (3 PDPTE, 2 PDE, 1 PTE) that must be 0 in the
 * current paging mode (SDM tables 4-4, 4-8 .. 4-11): what the walk checks for RSVD faults. */
uint64_t paging_rsvd_bits(const struct paging_regs *r, int level, uint64_t entry);
/* The #PF error code for an access (P = protection/reserved, RSVD as given). */
uint32_t paging_pf_error(const struct paging_regs *r, enum mmu_access acc, bool user,
			 bool present, bool rsvd);
#endif
