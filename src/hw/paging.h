/* The page-table walker: 32-bit 2-level (4 KB, 4 MB with PSE) and PAE (4 KB, 2 MB, NX). */
#ifndef VMLAB_HW_PAGING_H
#define VMLAB_HW_PAGING_H
#include "hw/physmem.h"

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
/* The bits of a present entry at this level (3 PDPTE, 2 PDE, 1 PTE) that must be 0 in the
 * current paging mode (SDM tables 4-4, 4-8 .. 4-11): what the walk checks for RSVD faults. */
uint64_t paging_rsvd_bits(const struct paging_regs *r, int level, uint64_t entry);
/* The #PF error code for an access (P = protection/reserved, RSVD as given). */
uint32_t paging_pf_error(const struct paging_regs *r, enum mmu_access acc, bool user,
			 bool present, bool rsvd);
#endif
