/*
 * The page-table walker against the Intel SDM (vol. 3, 4.3, 4.4, 4.6, 4.7, 4.8), exhaustively:
 * every combination of P, R/W, U/S and XD in the PDE and the PTE (or the large-page PDE), for
 * every access kind, privilege and CR0.WP, in 32-bit paging, PAE without NXE and PAE with
 * NXE. The expected outcome is computed here from the SDM's text, not by the walker.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "hw/mmu.h"
#include "hw/paging.h"

enum mode { M_2LEVEL, M_PAE, M_PAE_NXE, M_COUNT };
static const char *const mode_name[] = {"32-bit", "PAE", "PAE+NXE"};

/* Flag combinations are 4-bit numbers: */
#define F_P 1u
#define F_RW 2u
#define F_US 4u
#define F_XD 8u

#define PDPT 0x10000u
#define PD 0x11000u
#define PT 0x12000u
#define FRAME 0x200000u
#define LIN 0x00405123u /* PDPTE 0, PDE 2 (4 MB: PDE 1), PTE 5 */

static struct physmem pm;

static int setup(void **state)
{
	(void)state;
	return physmem_init(&pm, 64u << 20, false);
}

static int teardown(void **state)
{
	(void)state;
	physmem_destroy(&pm);
	return 0;
}

static uint64_t flags_to_bits(unsigned f)
{
	return ((f & F_P) ? PTE_P : 0) | ((f & F_RW) ? PTE_RW : 0) | ((f & F_US) ? PTE_US : 0) |
	       ((f & F_XD) ? PTE_NX : 0);
}

static struct paging_regs regs_for(enum mode md, bool wp)
{
	struct paging_regs r = {.cr0 = CR0_PE | CR0_PG | (wp ? CR0_WP : 0), .maxphyaddr = 36};
	if (md == M_2LEVEL) {
		r.cr3 = PD;
		r.cr4 = CR4_PSE;
	} else {
		r.cr3 = PDPT;
		r.cr4 = CR4_PAE;
		r.efer = md == M_PAE_NXE ? EFER_NXE : 0;
	}
	return r;
}

static phys_addr_t pde_addr(enum mode md, bool large)
{
	if (md == M_2LEVEL)
		return PD + 4 * (LIN >> 22);
	(void)large;
	return PD + 8 * ((LIN >> 21) & 0x1ff);
}

static phys_addr_t pte_addr(enum mode md)
{
	return PT + (md == M_2LEVEL ? 4 : 8) * ((LIN >> 12) & (md == M_2LEVEL ? 0x3ff : 0x1ff));
}

/* Writes the tables: pde/pte are flag combinations; large: the PDE maps a large page. */
static void build(enum mode md, unsigned pde, unsigned pte, bool large)
{
	uint8_t zero[4096] = {0};
	physmem_write_buf(&pm, PDPT, zero, 4096);
	physmem_write_buf(&pm, PD, zero, 4096);
	physmem_write_buf(&pm, PT, zero, 4096);
	unsigned esz = md == M_2LEVEL ? 4 : 8;
	uint64_t pde_v = flags_to_bits(pde);
	if (md == M_2LEVEL)
		pde_v &= ~PTE_NX;
	pde_v |= large ? (PTE_PS | (md == M_2LEVEL ? 0x800000u : 0x400000u)) : PT;
	uint64_t pte_v = (flags_to_bits(pte) | FRAME);
	if (md == M_2LEVEL)
		pte_v &= ~PTE_NX;
	if (md != M_2LEVEL)
		physmem_write(&pm, PDPT, PD | PTE_P, 8);
	physmem_write(&pm, pde_addr(md, large), pde_v, esz);
	if (!large)
		physmem_write(&pm, pte_addr(md), pte_v, esz);
}

struct outcome {
	bool fault;
	uint32_t error_code;
};

/*
 * The SDM's rules, stated case by case.
 * 4.7: a #PF's error code has P = 0 when the fault is a not-present entry, P = 1 for a rights
 * violation or a reserved bit; W/R = the access was a write; U/S = the access was in user
 * mode; RSVD = a reserved bit was set; I/D = an instruction fetch, only if IA32_EFER.NXE = 1
 * (with PAE).
 * 4.4.2/Table 4-8..4-11: with NXE = 0 the XD bit of a PAE entry is reserved.
 * 4.6.1: user-mode data reads need U/S = 1 in every paging-structure entry; user-mode writes
 * also need R/W = 1 in every entry (regardless of CR0.WP); supervisor-mode reads are always
 * allowed; supervisor-mode writes need R/W = 1 everywhere only if CR0.WP = 1; instruction
 * fetches follow the read rule plus, with NXE = 1, XD = 0 in every entry.
 */
static struct outcome sdm(enum mode md, unsigned pde, unsigned pte, bool large,
			  enum mmu_access acc, bool user, bool wp)
{
	bool nxe = md == M_PAE_NXE, pae = md != M_2LEVEL;
	uint32_t ec = 0;
	if (acc == ACC_WRITE)
		ec |= PF_W;
	if (user)
		ec |= PF_U;
	if (acc == ACC_FETCH && nxe)
		ec |= PF_I;
	unsigned levels[2] = {pde, pte};
	unsigned n = large ? 1 : 2;
	for (unsigned i = 0; i < n; i++) {
		if (!(levels[i] & F_P))
			return (struct outcome){true, ec};
		if (pae && !nxe && (levels[i] & F_XD))
			return (struct outcome){true, ec | PF_P | PF_RSVD};
	}
	bool all_us = true, all_rw = true, any_xd = false;
	for (unsigned i = 0; i < n; i++) {
		all_us &= (levels[i] & F_US) != 0;
		all_rw &= (levels[i] & F_RW) != 0;
		any_xd |= nxe && (levels[i] & F_XD);
	}
	bool allowed;
	if (user) {
		switch (acc) {
		case ACC_READ: allowed = all_us; break;
		case ACC_WRITE: allowed = all_us && all_rw; break;
		default: allowed = all_us && !any_xd; break;
		}
	} else {
		switch (acc) {
		case ACC_READ: allowed = true; break;
		case ACC_WRITE: allowed = !wp || all_rw; break;
		default: allowed = !any_xd; break;
		}
	}
	return allowed ? (struct outcome){false, 0} : (struct outcome){true, ec | PF_P};
}

static const char *const acc_name[] = {"read", "write", "fetch"};

static unsigned run_matrix(bool large)
{
	unsigned checked = 0;
	for (int md = 0; md < M_COUNT; md++) {
		unsigned nflags = md == M_2LEVEL ? 8 : 16; /* no XD bit in 32-bit entries */
		for (unsigned pde = 0; pde < nflags; pde++)
			for (unsigned pte = 0; pte < (large ? 1 : nflags); pte++)
				for (int acc = 0; acc < 3; acc++)
					for (int user = 0; user < 2; user++)
						for (int wp = 0; wp < 2; wp++) {
	build((enum mode)md, pde, pte, large);
	struct paging_regs r = regs_for((enum mode)md, wp);
	struct walk_result res;
	struct x86_exception ex = {0};
	int rc = paging_walk(&pm, &r, LIN, (enum mmu_access)acc, user, true, &res, &ex);
	struct outcome want = sdm((enum mode)md, pde, pte, large, (enum mmu_access)acc, user, wp);
	char what[160];
	snprintf(what, sizeof(what), "%s %s PDE %x PTE %x %s %s WP=%d", mode_name[md],
		 large ? "large" : "4K", pde, pte, acc_name[acc], user ? "user" : "super", wp);
	if ((rc < 0) != want.fault)
		fail_msg("%s: walker %s, SDM %s", what, rc < 0 ? "faults" : "allows",
			 want.fault ? "faults" : "allows");
	if (want.fault) {
		if (ex.vector != X86_PF || ex.error_code != want.error_code || ex.cr2 != LIN)
			fail_msg("%s: got vector %u ec %#x cr2 %#x, want #PF ec %#x", what,
				 ex.vector, ex.error_code, ex.cr2, want.error_code);
	} else {
		uint32_t psize = large ? (md == M_2LEVEL ? 4u << 20 : 2u << 20) : 4096u;
		phys_addr_t frame = large ? (md == M_2LEVEL ? 0x800000u : 0x400000u) : FRAME;
		assert_int_equal(res.page_size, psize);
		assert_int_equal(res.pa, frame + (LIN & (psize - 1)));
	}
	checked++;
						}
	}
	return checked;
}

static void rights_matrix_4k(void **state)
{
	(void)state;
	/* 2-level: 8*8, PAE: 16*16 twice; times 3 accesses, 2 privileges, 2 WP */
	assert_int_equal(run_matrix(false), (64 + 256 + 256) * 12);
}

static void rights_matrix_large(void **state)
{
	(void)state;
	assert_int_equal(run_matrix(true), (8 + 16 + 16) * 12);
}

/* 4.8: A is set in every entry used by a successful translation, D in the final one on a
 * write only; a faulting access leaves the tables unchanged. */
static void accessed_and_dirty(void **state)
{
	(void)state;
	for (int md = 0; md < M_COUNT; md++)
		for (int large = 0; large < 2; large++)
			for (int acc = 0; acc < 3; acc++) {
				build((enum mode)md, F_P | F_RW | F_US, F_P | F_RW | F_US, large);
				struct paging_regs r = regs_for((enum mode)md, true);
				struct walk_result res;
				struct x86_exception ex;
				unsigned esz = md == M_2LEVEL ? 4 : 8;
				assert_int_equal(paging_walk(&pm, &r, LIN, (enum mmu_access)acc, true,
							     true, &res, &ex),
						 0);
				uint64_t pde = physmem_read(&pm, pde_addr((enum mode)md, large), esz);
				uint64_t last = large ? pde : physmem_read(&pm, pte_addr((enum mode)md), esz);
				assert_true(pde & PTE_A);
				assert_true(last & PTE_A);
				assert_int_equal(!!(last & PTE_D), acc == ACC_WRITE);
				if (!large)
					assert_false(pde & PTE_D); /* D belongs to the last level only */
				if (md != M_2LEVEL) /* a PDPTE has no A bit: bit 5 is reserved */
					assert_int_equal(physmem_read(&pm, PDPT, 8), PD | PTE_P);
				assert_int_equal(res.ad_writes, large ? 1 : 2);
				assert_int_equal(res.nsteps, (md != M_2LEVEL) + 2 - large);
				/* a second walk finds A (and D) already set: no writes */
				assert_int_equal(paging_walk(&pm, &r, LIN, (enum mmu_access)acc, true,
							     true, &res, &ex),
						 0);
				assert_int_equal(res.ad_writes, 0);
			}
	/* a walk without set_ad (vmlab translate) and a faulting walk change nothing */
	build(M_2LEVEL, F_P | F_RW, F_P | F_RW, false);
	struct paging_regs r = regs_for(M_2LEVEL, true);
	struct x86_exception ex;
	assert_int_equal(paging_walk(&pm, &r, LIN, ACC_WRITE, false, false, NULL, &ex), 0);
	assert_int_equal(paging_walk(&pm, &r, LIN, ACC_READ, true, true, NULL, &ex), -1);
	assert_int_equal(physmem_read(&pm, pde_addr(M_2LEVEL, false), 4), PT | 3);
	assert_int_equal(physmem_read(&pm, pte_addr(M_2LEVEL), 4), FRAME | 3);
}

static void expect_rsvd(const struct paging_regs *r, uint32_t lin, enum mmu_access acc,
			bool user, const char *what)
{
	struct x86_exception ex = {0};
	if (paging_walk(&pm, r, lin, acc, user, true, NULL, &ex) != -1)
		fail_msg("%s: walk succeeded, want RSVD fault", what);
	uint32_t want = PF_P | PF_RSVD | (acc == ACC_WRITE ? PF_W : 0) | (user ? PF_U : 0);
	if (ex.vector != X86_PF || ex.error_code != want)
		fail_msg("%s: ec %#x, want %#x", what, ex.error_code, want);
}

static void expect_ok(const struct paging_regs *r, uint32_t lin, phys_addr_t pa,
		      const char *what)
{
	struct x86_exception ex = {0};
	struct walk_result res;
	if (paging_walk(&pm, r, lin, ACC_READ, false, true, &res, &ex) != 0)
		fail_msg("%s: fault ec %#x, want a translation", what, ex.error_code);
	if (res.pa != pa)
		fail_msg("%s: pa %#llx, want %#llx", what, (unsigned long long)res.pa,
			 (unsigned long long)pa);
}

/* Reserved bits (SDM Tables 4-4, 4-8 .. 4-11): above MAXPHYADDR, PDPTE bits 1, 2, 5-8 and 63,
 * bits 13-20 of a 2 MB PDE, bits 17-21 of a 4 MB PDE (PSE-36 with MAXPHYADDR 36). */
static void reserved_bits(void **state)
{
	(void)state;
	char what[80];
	struct paging_regs r = regs_for(M_PAE_NXE, true);
	/* PDPTE */
	static const unsigned pdpte_rsvd[] = {1, 2, 5, 6, 7, 8, 36, 51, 52, 62, 63};
	for (unsigned i = 0; i < sizeof(pdpte_rsvd) / sizeof(pdpte_rsvd[0]); i++) {
		build(M_PAE_NXE, F_P | F_RW, F_P | F_RW, false);
		physmem_write(&pm, PDPT, PD | PTE_P | (1ull << pdpte_rsvd[i]), 8);
		snprintf(what, sizeof(what), "PDPTE bit %u", pdpte_rsvd[i]);
		expect_rsvd(&r, LIN, ACC_WRITE, false, what);
	}
	/* PDPTE ignored bits 9-11 are not reserved; a not-present PDPTE is P=0, whatever else */
	build(M_PAE_NXE, F_P | F_RW, F_P | F_RW, false);
	physmem_write(&pm, PDPT, PD | PTE_P | (7ull << 9), 8);
	expect_ok(&r, LIN, FRAME + (LIN & 0xfff), "PDPTE AVL bits");
	physmem_write(&pm, PDPT, PD | 0x1e6 | (1ull << 63), 8);
	struct x86_exception ex;
	assert_int_equal(paging_walk(&pm, &r, LIN, ACC_READ, true, true, NULL, &ex), -1);
	assert_int_equal(ex.error_code, PF_U);
	/* PDE and PTE: bits 36..62 with MAXPHYADDR 36 */
	static const unsigned high[] = {36, 40, 51, 52, 62};
	for (unsigned i = 0; i < 5; i++)
		for (int level = 1; level <= 2; level++) {
			build(M_PAE_NXE, F_P | F_RW, F_P | F_RW, false);
			phys_addr_t a = level == 2 ? pde_addr(M_PAE, false) : pte_addr(M_PAE);
			physmem_write(&pm, a, physmem_read(&pm, a, 8) | (1ull << high[i]), 8);
			snprintf(what, sizeof(what), "PAE level %d bit %u", level, high[i]);
			expect_rsvd(&r, LIN, ACC_READ, true, what);
		}
	/* a wider MAXPHYADDR makes bit 36..39 address bits */
	build(M_PAE_NXE, F_P | F_RW, F_P | F_RW, false);
	physmem_write(&pm, pte_addr(M_PAE), FRAME | 3 | (1ull << 38), 8);
	r.maxphyaddr = 40;
	expect_ok(&r, LIN, (1ull << 38) + FRAME + (LIN & 0xfff), "bit 38 with MAXPHYADDR 40");
	r.maxphyaddr = 36;
	/* 2 MB PDE: bits 13..20 reserved, bit 12 is PAT */
	for (unsigned b = 12; b <= 20; b++) {
		build(M_PAE_NXE, F_P | F_RW, 0, true);
		phys_addr_t a = pde_addr(M_PAE, true);
		physmem_write(&pm, a, physmem_read(&pm, a, 8) | (1ull << b), 8);
		snprintf(what, sizeof(what), "2 MB PDE bit %u", b);
		if (b == 12)
			expect_ok(&r, LIN, 0x400000 + (LIN & 0x1fffff), what);
		else
			expect_rsvd(&r, LIN, ACC_READ, false, what);
	}
	/* 32-bit paging, 4 MB PDE, MAXPHYADDR 36: bits 13-16 are address bits 32-35, 17-21 are
	 * reserved (bit 21 is reserved for every MAXPHYADDR) */
	struct paging_regs r2 = regs_for(M_2LEVEL, true);
	for (unsigned b = 13; b <= 21; b++) {
		build(M_2LEVEL, F_P | F_RW, 0, true);
		phys_addr_t a = pde_addr(M_2LEVEL, true);
		physmem_write(&pm, a, physmem_read(&pm, a, 4) | (1u << b), 4);
		snprintf(what, sizeof(what), "4 MB PDE bit %u", b);
		if (b <= 16)
			expect_ok(&r2, LIN, (1ull << (32 + b - 13)) + 0x800000 + (LIN & 0x3fffff),
				  what);
		else
			expect_rsvd(&r2, LIN, ACC_READ, false, what);
	}
	r2.maxphyaddr = 40;
	build(M_2LEVEL, F_P | F_RW, 0, true);
	physmem_write(&pm, pde_addr(M_2LEVEL, true), 0x800000 | PTE_PS | 3 | (1u << 20), 4);
	expect_ok(&r2, LIN, (1ull << 39) + 0x800000 + (LIN & 0x3fffff), "4 MB PDE bit 20, M=40");
	physmem_write(&pm, pde_addr(M_2LEVEL, true), 0x800000 | PTE_PS | 3 | (1u << 21), 4);
	expect_rsvd(&r2, LIN, ACC_READ, false, "4 MB PDE bit 21, M=40");
	/* a reserved bit in a not-present entry is not looked at */
	build(M_PAE_NXE, F_P | F_RW, 0, false);
	physmem_write(&pm, pte_addr(M_PAE), 1ull << 40, 8);
	assert_int_equal(paging_walk(&pm, &r, LIN, ACC_READ, false, true, NULL, &ex), -1);
	assert_int_equal(ex.error_code, 0);
}

/* 4.3: with CR4.PSE = 0 the PS bit of a 32-bit PDE is ignored: the PDE points to a table. */
static void pse_off_ignores_ps(void **state)
{
	(void)state;
	build(M_2LEVEL, F_P | F_RW, F_P | F_RW, false);
	phys_addr_t a = pde_addr(M_2LEVEL, false);
	physmem_write(&pm, a, physmem_read(&pm, a, 4) | PTE_PS, 4);
	struct paging_regs r = regs_for(M_2LEVEL, true);
	r.cr4 = 0;
	expect_ok(&r, LIN, FRAME + (LIN & 0xfff), "PS with PSE off");
	r.cr4 = CR4_PSE;
	/* with PSE on the same PDE maps a 4 MB page: bits 31:22 are 0, and PSE-36 reads the
	 * table address's bits 13 and 16 as physical-address bits 32 and 35 */
	expect_ok(&r, LIN, (1ull << 32) | (1ull << 35) | (LIN & 0x3fffff), "PS with PSE on");
}

static void large_pages_and_global(void **state)
{
	(void)state;
	struct walk_result res;
	struct x86_exception ex;
	/* 4 MB page at 0xC00000 (PDE 1), global with PGE */
	build(M_2LEVEL, F_P | F_RW | F_US, 0, true);
	phys_addr_t a = pde_addr(M_2LEVEL, true);
	physmem_write(&pm, a, 0xc00000 | PTE_PS | PTE_G | 7, 4);
	struct paging_regs r = regs_for(M_2LEVEL, true);
	assert_int_equal(paging_walk(&pm, &r, LIN, ACC_READ, true, true, &res, &ex), 0);
	assert_int_equal(res.pa, 0xc00000 + (LIN & 0x3fffff));
	assert_int_equal(res.frame, 0xc00000);
	assert_int_equal(res.page_size, 4u << 20);
	assert_false(res.global); /* G counts only with CR4.PGE */
	r.cr4 |= CR4_PGE;
	assert_int_equal(paging_walk(&pm, &r, LIN, ACC_READ, true, true, &res, &ex), 0);
	assert_true(res.global);
	assert_int_equal(res.nsteps, 1);
	assert_int_equal(res.steps[0].level, 2);
	assert_int_equal(res.steps[0].index, LIN >> 22);
	/* 2 MB page, PAE with NXE, XD in the PDE: data fine, fetch faults with I/D */
	build(M_PAE_NXE, F_P | F_RW | F_US | F_XD, 0, true);
	struct paging_regs p = regs_for(M_PAE_NXE, true);
	assert_int_equal(paging_walk(&pm, &p, LIN, ACC_WRITE, true, true, &res, &ex), 0);
	assert_int_equal(res.page_size, 2u << 20);
	assert_true(res.nx);
	assert_true(res.dirty);
	assert_int_equal(res.nsteps, 2);
	assert_int_equal(res.steps[0].level, 3);
	assert_int_equal(paging_walk(&pm, &p, LIN, ACC_FETCH, true, true, &res, &ex), -1);
	assert_int_equal(ex.error_code, PF_P | PF_U | PF_I);
	/* paging off: identity */
	struct paging_regs off = {.cr0 = CR0_PE};
	assert_int_equal(paging_walk(&pm, &off, 0xdeadbeef, ACC_WRITE, true, true, &res, &ex), 0);
	assert_int_equal(res.pa, 0xdeadbeef);
	assert_int_equal(paging_mode_of(&off), PAGING_NONE);
	assert_int_equal(paging_mode_of(&p), PAGING_PAE);
	assert_int_equal(paging_mode_of(&r), PAGING_2LEVEL);
}

/* A walk's steps record what a student would write down: table, index, entry address. */
static void walk_steps_recorded(void **state)
{
	(void)state;
	build(M_PAE, F_P | F_RW, F_P | F_RW, false);
	struct paging_regs r = regs_for(M_PAE, true);
	struct walk_result res;
	struct x86_exception ex;
	assert_int_equal(paging_walk(&pm, &r, LIN, ACC_READ, false, false, &res, &ex), 0);
	assert_int_equal(res.nsteps, 3);
	assert_int_equal(res.steps[0].table, PDPT);
	assert_int_equal(res.steps[1].table, PD);
	assert_int_equal(res.steps[1].index, (LIN >> 21) & 0x1ff);
	assert_int_equal(res.steps[2].table, PT);
	assert_int_equal(res.steps[2].addr, PT + 8 * ((LIN >> 12) & 0x1ff));
	assert_int_equal(res.steps[2].entry, FRAME | 3);
	/* a fault records the steps up to the bad entry */
	physmem_write(&pm, pte_addr(M_PAE), 0, 8);
	assert_int_equal(paging_walk(&pm, &r, LIN, ACC_READ, false, false, &res, &ex), -1);
	assert_int_equal(res.nsteps, 3);
	assert_int_equal(res.steps[2].entry, 0);
}

/*
 * The same matrix through the MMU with the translation already cached: a supervisor read
 * loads the TLB entry, then the access under test is decided from the TLB entry (a write
 * through a clean entry walks again to set D). The outcome must still be the SDM's.
 */
static void rights_matrix_through_tlb(void **state)
{
	(void)state;
	static struct mmu m;
	struct counters ctr;
	unsigned checked = 0;
	assert_int_equal(mmu_init(&m, &pm, NULL, &ctr), 0);
	for (int md = 0; md < M_COUNT; md++)
		for (int large = 0; large < 2; large++) {
			unsigned nflags = md == M_2LEVEL ? 8 : 16;
			for (unsigned pde = 0; pde < nflags; pde++)
				for (unsigned pte = 0; pte < (large ? 1u : nflags); pte++)
					for (int acc = 0; acc < 3; acc++)
						for (int user = 0; user < 2; user++)
							for (int wp = 0; wp < 2; wp++) {
	build((enum mode)md, pde, pte, large);
	struct paging_regs r = regs_for((enum mode)md, wp);
	mmu_write_cr0(&m, r.cr0);
	mmu_write_cr4(&m, r.cr4);
	mmu_write_efer(&m, r.efer);
	mmu_write_cr3(&m, r.cr3);
	mmu_flush_tlb(&m, false, CTR_tlb_flush_kernel);
	phys_addr_t pa;
	struct x86_exception ex = {0};
	if (mmu_translate(&m, LIN, ACC_READ, false, &pa, &ex) < 0)
		continue; /* not cached: the walk matrix covers it */
	uint64_t hits = tlb_get_stats(m.dtlb)->hits;
	memset(&ctr, 0, sizeof(ctr));
	int rc = mmu_translate(&m, LIN, (enum mmu_access)acc, user, &pa, &ex);
	struct outcome want = sdm((enum mode)md, pde, pte, large, (enum mmu_access)acc, user, wp);
	assert_int_equal(tlb_get_stats(m.dtlb)->hits, hits + 1); /* unified: fetches too */
	assert_int_equal(ctr.v[CTR_tlb_hits], 1);
	if ((rc < 0) != want.fault || (want.fault && ex.error_code != want.error_code))
		fail_msg("%s %s PDE %x PTE %x %s %s WP=%d via TLB: rc %d ec %#x, SDM %s ec %#x",
			 mode_name[md], large ? "large" : "4K", pde, pte, acc_name[acc],
			 user ? "user" : "super", wp, rc, ex.error_code,
			 want.fault ? "faults" : "allows", want.error_code);
	/* only a write through a clean entry walks again */
	assert_int_equal(ctr.v[CTR_page_walks], acc == ACC_WRITE && !want.fault);
	checked++;
							}
		}
	/* every present, reserved-bit-free combination was checked through the TLB */
	assert_int_equal(checked, (4 * 4 + 8 * 8 + 4 * 4) * 12 + (4 + 8 + 4) * 12);
	mmu_destroy(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rights_matrix_4k),
		cmocka_unit_test(rights_matrix_large),
		cmocka_unit_test(rights_matrix_through_tlb),
		cmocka_unit_test(accessed_and_dirty),
		cmocka_unit_test(reserved_bits),
		cmocka_unit_test(pse_off_ignores_ps),
		cmocka_unit_test(large_pages_and_global),
		cmocka_unit_test(walk_steps_recorded),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
