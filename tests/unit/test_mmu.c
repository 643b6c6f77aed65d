/* The MMU end to end: segmentation + TLB + walk + fast path, on tables built in physmem. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "hw/mmu.h"
#include "hw/tlb_set.h"

#define PD 0x10000u
#define PT 0x11000u

struct rig {
	struct physmem pm;
	struct mmu m;
	struct counters ctr;
};

static void wr32(struct rig *r, phys_addr_t pa, uint32_t v)
{
	physmem_write(&r->pm, pa, v, 4);
}

static uint32_t rd32(struct rig *r, phys_addr_t pa)
{
	return (uint32_t)physmem_read(&r->pm, pa, 4);
}

/* 2-level tables: PDE 0 -> PT; lin 0x1000*i -> 0x100000 + 0x1000*i with the given flags. */
static struct rig *rig_new(const struct tlb_config *cfg)
{
	static struct rig r;
	memset(&r.ctr, 0, sizeof(r.ctr));
	assert_int_equal(physmem_init(&r.pm, 64u << 20, false), 0);
	assert_int_equal(mmu_init(&r.m, &r.pm, cfg, &r.ctr), 0);
	wr32(&r, PD, PT | 7);
	for (unsigned i = 0; i < 16; i++)
		wr32(&r, PT + 4 * i, (0x100000 + 0x1000 * i) | 7);
	mmu_write_cr3(&r.m, PD);
	mmu_write_cr0(&r.m, CR0_PE | CR0_PG | CR0_WP);
	return &r;
}

static void rig_free(struct rig *r)
{
	mmu_destroy(&r->m);
	physmem_destroy(&r->pm);
}

static void read_write_through_paging(void **state)
{
	(void)state;
	struct rig *r = rig_new(NULL);
	struct x86_exception ex;
	uint32_t v = 0x12345678, got = 0;
	assert_int_equal(mmu_write(&r->m, SR_DS, 0x2004, &v, 4, &ex), 0);
	assert_int_equal(rd32(r, 0x102004), 0x12345678);
	assert_int_equal(mmu_read(&r->m, SR_DS, 0x2004, &got, 4, ACC_READ, &ex), 0);
	assert_int_equal(got, 0x12345678);
	/* A on the PDE and PTE, D on the PTE of the written page */
	assert_true(rd32(r, PD) & PTE_A);
	assert_int_equal(rd32(r, PT + 8) & (PTE_A | PTE_D), PTE_A | PTE_D);
	assert_int_equal(r->ctr.v[CTR_page_walks], 1);
	assert_int_equal(r->ctr.v[CTR_tlb_misses], 1);
	assert_int_equal(r->ctr.v[CTR_tlb_hits], 1);
	rig_free(r);
}

static void fast_path_counts_as_tlb_hits(void **state)
{
	(void)state;
	struct rig *r = rig_new(NULL);
	struct x86_exception ex;
	uint8_t *p = mmu_ptr(&r->m, 0x3010, ACC_READ, &ex);
	assert_non_null(p);
	assert_ptr_equal(p, r->pm.host + 0x103010);
	for (int i = 0; i < 10; i++)
		assert_ptr_equal(mmu_ptr(&r->m, 0x3020, ACC_READ, &ex), r->pm.host + 0x103020);
	const struct tlb_stats *s = tlb_get_stats(r->m.dtlb);
	assert_int_equal(s->lookups, 11);
	assert_int_equal(s->hits, 10);
	assert_int_equal(s->misses, 1);
	assert_int_equal(r->ctr.v[CTR_tlb_hits], 10);
	/* INVLPG drops the fast entry with the TLB entry: the next access walks again */
	mmu_invlpg(&r->m, 0x3000);
	assert_non_null(mmu_ptr(&r->m, 0x3000, ACC_READ, &ex));
	assert_int_equal(s->misses, 2);
	assert_int_equal(r->ctr.v[CTR_page_walks], 2);
	rig_free(r);
}

static void not_present_faults_with_cr2(void **state)
{
	(void)state;
	struct rig *r = rig_new(NULL);
	struct x86_exception ex;
	uint32_t v = 1;
	r->m.cpl = 3;
	wr32(r, PT + 4 * 5, 0);
	assert_int_equal(mmu_write(&r->m, SR_DS, 0x5008, &v, 4, &ex), -1);
	assert_int_equal(ex.vector, X86_PF);
	assert_int_equal(ex.error_code, PF_W | PF_U);
	assert_int_equal(ex.cr2, 0x5008);
	assert_int_equal(r->m.cr2, 0x5008);
	rig_free(r);
}

static void cross_page_write_faulting_on_second_page_writes_nothing(void **state)
{
	(void)state;
	struct rig *r = rig_new(NULL);
	struct x86_exception ex;
	uint32_t v = 0xaabbccdd;
	wr32(r, PT + 4 * 7, 0x107000 | 5); /* read-only */
	assert_int_equal(mmu_write(&r->m, SR_DS, 0x6ffe, &v, 4, &ex), -1);
	assert_int_equal(ex.vector, X86_PF);
	assert_int_equal(ex.cr2, 0x7000);
	assert_int_equal(ex.error_code, PF_P | PF_W);
	assert_int_equal(physmem_read(&r->pm, 0x106ffe, 2), 0);
	rig_free(r);
}


static uint64_t walks(struct rig *r)
{
	return r->ctr.v[CTR_page_walks];
}

static phys_addr_t xl(struct rig *r, uint32_t lin, enum mmu_access acc, bool user)
{
	phys_addr_t pa = ~0ull;
	struct x86_exception ex;
	if (mmu_translate(&r->m, lin, acc, user, &pa, &ex) < 0)
		fail_msg("translate %#x faulted: vector %#x ec %#x", lin, ex.vector, ex.error_code);
	return pa;
}

/* A TLB entry loaded by a read with D = 0 cannot serve a write: the write walks again and
 * sets D; later writes hit. */
static void clean_entry_rewalks_on_write(void **state)
{
	(void)state;
	struct rig *r = rig_new(NULL);
	xl(r, 0x4000, ACC_READ, false);
	assert_int_equal(walks(r), 1);
	assert_false(rd32(r, PT + 16) & PTE_D);
	xl(r, 0x4000, ACC_WRITE, false);
	assert_int_equal(walks(r), 2);
	assert_true(rd32(r, PT + 16) & PTE_D);
	xl(r, 0x4004, ACC_WRITE, false);
	assert_int_equal(walks(r), 2);
	/* the fast path likewise: a write pointer appears only once the entry is dirty */
	struct x86_exception ex;
	xl(r, 0x5000, ACC_READ, false);
	assert_non_null(mmu_ptr(&r->m, 0x5000, ACC_READ, &ex));
	assert_int_equal(walks(r), 3);
	assert_non_null(mmu_ptr(&r->m, 0x5000, ACC_WRITE, &ex));
	assert_int_equal(walks(r), 4);
	assert_true(rd32(r, PT + 20) & PTE_D);
	assert_non_null(mmu_ptr(&r->m, 0x5008, ACC_WRITE, &ex));
	assert_int_equal(walks(r), 4);
	assert_int_equal(r->ctr.v[CTR_ad_updates], 2 + 1 + 1 + 1); /* PDE A, PTE A+D; PTE A; D */
	rig_free(r);
}

/* The D-bit walk refreshes the entry's rights from memory; fast entries that encoded the
 * old rights must go with them. */
static void dirty_rewalk_refreshes_rights_everywhere(void **state)
{
	(void)state;
	struct rig *r = rig_new(NULL);
	struct x86_exception ex;
	r->m.cpl = 3;
	assert_non_null(mmu_ptr(&r->m, 0x3000, ACC_READ, &ex));
	wr32(r, PT + 12, 0x103000 | 3); /* now supervisor-only, no INVLPG */
	assert_non_null(mmu_ptr(&r->m, 0x3000, ACC_READ, &ex)); /* stale, as on hardware */
	r->m.cpl = 0;
	assert_non_null(mmu_ptr(&r->m, 0x3000, ACC_WRITE, &ex)); /* walks: D, fresh rights */
	r->m.cpl = 3;
	assert_null(mmu_ptr(&r->m, 0x3000, ACC_READ, &ex));
	assert_int_equal(ex.vector, X86_PF);
	assert_int_equal(ex.error_code, PF_P | PF_U);
	rig_free(r);
}

static void global_pages_survive_cr3_until_pge_toggles(void **state)
{
	(void)state;
	struct rig *r = rig_new(NULL);
	mmu_write_cr4(&r->m, CR4_PGE);
	wr32(r, PT + 4, 0x101000 | PTE_G | 7);
	xl(r, 0x1000, ACC_READ, false); /* global */
	xl(r, 0x2000, ACC_READ, false); /* not global */
	assert_int_equal(walks(r), 2);
	uint64_t cr3_flushes = r->ctr.v[CTR_tlb_flush_cr3];
	mmu_write_cr3(&r->m, PD);
	assert_int_equal(r->ctr.v[CTR_tlb_flush_cr3], cr3_flushes + 1);
	xl(r, 0x1000, ACC_READ, false);
	assert_int_equal(walks(r), 2);
	xl(r, 0x2000, ACC_READ, false);
	assert_int_equal(walks(r), 3);
	/* clearing CR4.PGE flushes everything, global entries too */
	uint64_t cr4_flushes = r->ctr.v[CTR_tlb_flush_cr4];
	mmu_write_cr4(&r->m, 0);
	assert_int_equal(r->ctr.v[CTR_tlb_flush_cr4], cr4_flushes + 1);
	xl(r, 0x1000, ACC_READ, false);
	assert_int_equal(walks(r), 4);
	/* and with PGE off the G bit does not make an entry survive CR3 loads */
	mmu_write_cr3(&r->m, PD);
	xl(r, 0x1000, ACC_READ, false);
	assert_int_equal(walks(r), 5);
	rig_free(r);
}

static void invlpg_drops_one_page_and_stale_entries_are_modelled(void **state)
{
	(void)state;
	struct rig *r = rig_new(NULL);
	assert_int_equal(xl(r, 0x3000, ACC_READ, false), 0x103000);
	xl(r, 0x4000, ACC_READ, false);
	/* the kernel changes a PTE: until INVLPG the TLB still holds the old translation */
	wr32(r, PT + 12, 0x200000 | 7);
	assert_int_equal(xl(r, 0x3000, ACC_READ, false), 0x103000);
	mmu_invlpg(&r->m, 0x3abc);
	assert_int_equal(r->ctr.v[CTR_tlb_flush_invlpg], 1);
	assert_int_equal(xl(r, 0x3000, ACC_READ, false), 0x200000);
	assert_int_equal(walks(r), 3);
	xl(r, 0x4000, ACC_READ, false);
	assert_int_equal(walks(r), 3);
	rig_free(r);
}

/* A #PF invalidates the faulting translation (SDM 4.10.4.1): a write refused by a stale
 * read-only entry succeeds on retry once memory says the page is writable (a spurious fault,
 * as Linux expects). */
static void fault_from_stale_entry_then_retry_walks(void **state)
{
	(void)state;
	struct rig *r = rig_new(NULL);
	wr32(r, PT + 12, 0x103000 | 5);
	xl(r, 0x3000, ACC_READ, true);
	wr32(r, PT + 12, 0x103000 | 7);
	phys_addr_t pa;
	struct x86_exception ex;
	assert_int_equal(mmu_translate(&r->m, 0x3000, ACC_WRITE, true, &pa, &ex), -1);
	assert_int_equal(ex.error_code, PF_P | PF_W | PF_U);
	assert_int_equal(walks(r), 1);
	assert_int_equal(r->ctr.v[CTR_page_faults_hw], 1);
	assert_int_equal(xl(r, 0x3000, ACC_WRITE, true), 0x103000);
	assert_int_equal(walks(r), 2);
	rig_free(r);
}

static void asids_keep_address_spaces_apart(void **state)
{
	(void)state;
	struct tlb_config c;
	tlb_config_default(&c);
	c.asid = true;
	struct rig *r = rig_new(&c);
	/* a second address space: PD2 maps lin 0x1000 to 0x300000 */
	wr32(r, 0x20000, 0x21000 | 7);
	wr32(r, 0x21000 + 4, 0x300000 | 7);
	mmu_set_asid(&r->m, 1);
	assert_int_equal(xl(r, 0x1000, ACC_READ, false), 0x101000);
	mmu_set_asid(&r->m, 2);
	mmu_write_cr3(&r->m, 0x20000);
	assert_int_equal(xl(r, 0x1000, ACC_READ, false), 0x300000);
	assert_int_equal(walks(r), 2);
	/* back to the first: its entry survived the CR3 load */
	mmu_set_asid(&r->m, 1);
	mmu_write_cr3(&r->m, PD);
	assert_int_equal(xl(r, 0x1000, ACC_READ, false), 0x101000);
	assert_int_equal(walks(r), 2);
	assert_int_equal(r->ctr.v[CTR_tlb_flush_cr3], 0);
	/* the fast path must not leak a translation across ASIDs either */
	struct x86_exception ex;
	assert_ptr_equal(mmu_ptr(&r->m, 0x1000, ACC_READ, &ex), r->pm.host + 0x101000);
	mmu_set_asid(&r->m, 2);
	mmu_write_cr3(&r->m, 0x20000);
	assert_ptr_equal(mmu_ptr(&r->m, 0x1000, ACC_READ, &ex), r->pm.host + 0x300000);
	assert_int_equal(walks(r), 2);
	/* recycling ASID 1 drops its entries only */
	mmu_flush_asid(&r->m, 1, CTR_tlb_flush_kernel);
	assert_int_equal(r->ctr.v[CTR_tlb_flush_kernel], 1);
	assert_int_equal(xl(r, 0x1000, ACC_READ, false), 0x300000); /* ASID 2: still cached */
	assert_int_equal(walks(r), 2);
	mmu_set_asid(&r->m, 1);
	mmu_write_cr3(&r->m, PD);
	assert_int_equal(xl(r, 0x1000, ACC_READ, false), 0x101000);
	assert_int_equal(walks(r), 3);
	rig_free(r);
	/* without ASIDs the same switch flushes */
	r = rig_new(NULL);
	xl(r, 0x1000, ACC_READ, false);
	mmu_write_cr3(&r->m, PD);
	xl(r, 0x1000, ACC_READ, false);
	assert_int_equal(walks(r), 2);
	rig_free(r);
}

static void software_refill(void **state)
{
	(void)state;
	struct tlb_config c;
	tlb_config_default(&c);
	c.refill = TLB_REFILL_SW;
	struct rig *r = rig_new(&c);
	phys_addr_t pa;
	struct x86_exception ex;
	/* a miss traps to the kernel with the address; the hardware does not walk */
	assert_int_equal(mmu_translate(&r->m, 0x6123, ACC_READ, true, &pa, &ex), -1);
	assert_int_equal(ex.vector, X86_TLB_REFILL);
	assert_int_equal(ex.cr2, 0x6123);
	assert_int_equal(walks(r), 0);
	assert_int_equal(r->ctr.v[CTR_tlb_refill_traps], 1);
	assert_int_equal(mmu_tlb_refill(&r->m, 0x6123, ACC_READ, true, &ex), 0);
	assert_int_equal(xl(r, 0x6123, ACC_READ, true), 0x106123);
	/* a write through the clean entry traps again (MIPS: TLB modified) */
	assert_int_equal(mmu_translate(&r->m, 0x6123, ACC_WRITE, true, &pa, &ex), -1);
	assert_int_equal(ex.vector, X86_TLB_REFILL);
	assert_int_equal(mmu_tlb_refill(&r->m, 0x6123, ACC_WRITE, true, &ex), 0);
	assert_true(rd32(r, PT + 24) & PTE_D);
	assert_int_equal(xl(r, 0x6123, ACC_WRITE, true), 0x106123);
	/* the kernel's refill of an unmapped page is a page fault */
	wr32(r, PT + 28, 0);
	assert_int_equal(mmu_tlb_refill(&r->m, 0x7000, ACC_READ, true, &ex), -1);
	assert_int_equal(ex.vector, X86_PF);
	assert_int_equal(ex.error_code, PF_U);
	/* the fast path traps too */
	assert_null(mmu_ptr(&r->m, 0x8000, ACC_READ, &ex));
	assert_int_equal(ex.vector, X86_TLB_REFILL);
	rig_free(r);
	/* software refill needs a modelled TLB */
	struct physmem pm;
	static struct mmu m;
	assert_int_equal(physmem_init(&pm, 16u << 20, false), 0);
	c.enabled = false;
	assert_int_not_equal(mmu_init(&m, &pm, &c, NULL), 0);
	physmem_destroy(&pm);
}

static void split_itlb_dtlb_and_l2(void **state)
{
	(void)state;
	struct tlb_config c;
	tlb_config_default(&c);
	c.split = true;
	c.l1 = (struct tlb_geometry){1, 1};
	c.l1i = (struct tlb_geometry){2, 2};
	c.l2 = (struct tlb_geometry){64, 4};
	struct rig *r = rig_new(&c);
	assert_ptr_not_equal(r->m.itlb, r->m.dtlb);
	xl(r, 0x1000, ACC_FETCH, true);
	xl(r, 0x1000, ACC_READ, true); /* D-TLB miss, L2 hit: no walk */
	assert_int_equal(walks(r), 1);
	assert_int_equal(tlb_get_stats(r->m.itlb)->misses, 1);
	assert_int_equal(tlb_get_stats(r->m.dtlb)->misses, 1);
	assert_int_equal(tlb_get_stats(r->m.l2tlb)->hits, 1);
	assert_int_equal(r->ctr.v[CTR_tlb_hits], 1);
	assert_int_equal(r->ctr.v[CTR_tlb_misses], 1);
	/* the 1-entry D-TLB thrashes between two pages; L2 absorbs it */
	for (int i = 0; i < 5; i++) {
		xl(r, 0x2000, ACC_READ, true);
		xl(r, 0x1000, ACC_READ, true);
	}
	assert_int_equal(walks(r), 2);
	assert_int_equal(tlb_get_stats(r->m.dtlb)->evictions, 10);
	assert_int_equal(tlb_get_stats(r->m.dtlb)->hits, 0);
	/* the I-TLB kept its entry */
	xl(r, 0x1000, ACC_FETCH, true);
	assert_int_equal(tlb_get_stats(r->m.itlb)->hits, 1);
	/* INVLPG reaches every level */
	mmu_invlpg(&r->m, 0x1000);
	xl(r, 0x1000, ACC_FETCH, true);
	assert_int_equal(walks(r), 3);
	assert_int_equal(r->ctr.v[CTR_tlb_lookups], r->ctr.v[CTR_tlb_hits] + r->ctr.v[CTR_tlb_misses]);
	rig_free(r);
}

/* A fast entry lives exactly as long as the TLB entry it mirrors. */
static void fast_entries_follow_tlb_evictions(void **state)
{
	(void)state;
	struct tlb_config c;
	tlb_config_default(&c);
	c.l1 = (struct tlb_geometry){1, 1};
	struct rig *r = rig_new(&c);
	struct x86_exception ex;
	assert_non_null(mmu_ptr(&r->m, 0x1000, ACC_READ, &ex));
	assert_non_null(mmu_ptr(&r->m, 0x1000, ACC_READ, &ex));
	assert_non_null(mmu_ptr(&r->m, 0x2000, ACC_READ, &ex)); /* evicts 0x1000 */
	assert_non_null(mmu_ptr(&r->m, 0x1000, ACC_READ, &ex));
	const struct tlb_stats *s = tlb_get_stats(r->m.dtlb);
	assert_int_equal(s->hits, 1);
	assert_int_equal(s->misses, 3);
	assert_int_equal(s->evictions, 2);
	assert_int_equal(walks(r), 3);
	/* large pages: one TLB entry mirrored by many fast entries, all dropped together */
	wr32(r, PD + 4, 0x400000 | PTE_PS | 7);
	mmu_write_cr4(&r->m, CR4_PSE);
	for (uint32_t a = 0x400000; a < 0x410000; a += 0x1000)
		assert_ptr_equal(mmu_ptr(&r->m, a, ACC_READ, &ex), r->pm.host + a);
	assert_int_equal(walks(r), 4);
	assert_non_null(mmu_ptr(&r->m, 0x1000, ACC_READ, &ex)); /* evicts the 4 MB entry */
	assert_non_null(mmu_ptr(&r->m, 0x408000, ACC_READ, &ex));
	assert_int_equal(walks(r), 6);
	/* mmu_read uses the same fast entries and counts the same way */
	uint32_t v;
	uint64_t hits = s->hits;
	assert_int_equal(mmu_read(&r->m, SR_DS, 0x408010, &v, 4, ACC_READ, &ex), 0);
	assert_int_equal(s->hits, hits + 1);
	rig_free(r);
}

static void tlb_disabled_behaves_like_a_tlb_for_flushes(void **state)
{
	(void)state;
	struct tlb_config c;
	tlb_config_default(&c);
	c.enabled = false;
	struct rig *r = rig_new(&c);
	assert_null(r->m.dtlb);
	struct x86_exception ex;
	assert_ptr_equal(mmu_ptr(&r->m, 0x3000, ACC_READ, &ex), r->pm.host + 0x103000);
	wr32(r, PT + 12, 0x200000 | 7);
	assert_ptr_equal(mmu_ptr(&r->m, 0x3000, ACC_READ, &ex), r->pm.host + 0x103000);
	mmu_write_cr3(&r->m, PD);
	assert_ptr_equal(mmu_ptr(&r->m, 0x3000, ACC_READ, &ex), r->pm.host + 0x200000);
	wr32(r, PT + 12, 0x201000 | 7);
	mmu_invlpg(&r->m, 0x3000);
	assert_ptr_equal(mmu_ptr(&r->m, 0x3000, ACC_READ, &ex), r->pm.host + 0x201000);
	wr32(r, PT + 12, 0x202000 | 7);
	mmu_flush_tlb(&r->m, false, CTR_tlb_flush_kernel);
	assert_ptr_equal(mmu_ptr(&r->m, 0x3000, ACC_READ, &ex), r->pm.host + 0x202000);
	assert_int_equal(r->ctr.v[CTR_tlb_lookups], 0);
	assert_int_equal(walks(r), 4);
	rig_free(r);
}

static uint64_t invalidated_pfn;
static int invalidations;

static void on_code_write(void *opaque, uint64_t pfn)
{
	(void)opaque;
	invalidated_pfn = pfn;
	invalidations++;
}

static void writes_to_code_frames_invalidate(void **state)
{
	(void)state;
	struct rig *r = rig_new(NULL);
	r->pm.code_invalidate = on_code_write;
	invalidations = 0;
	struct x86_exception ex;
	uint8_t *w = mmu_ptr(&r->m, 0x2000, ACC_WRITE, &ex);
	assert_non_null(w);
	mmu_mark_code_frame(&r->m, 0x102);
	assert_true(r->pm.frame_flags[0x102] & PFRAME_CODE);
	/* the write pointer was withdrawn: the next write goes slow and invalidates */
	w = mmu_ptr(&r->m, 0x2000, ACC_WRITE, &ex);
	assert_non_null(w);
	assert_int_equal(invalidations, 1);
	assert_int_equal(invalidated_pfn, 0x102);
	assert_false(r->pm.frame_flags[0x102] & PFRAME_CODE);
	mmu_ptr(&r->m, 0x2000, ACC_WRITE, &ex);
	assert_int_equal(invalidations, 1);
	/* mmu_write and physmem writes invalidate too */
	mmu_mark_code_frame(&r->m, 0x102);
	uint8_t b = 0x90;
	assert_int_equal(mmu_write(&r->m, SR_DS, 0x2001, &b, 1, &ex), 0);
	assert_int_equal(invalidations, 2);
	mmu_mark_code_frame(&r->m, 0x102);
	physmem_write(&r->pm, 0x102fff, 0xcc, 1);
	assert_int_equal(invalidations, 3);
	/* reads and fetches leave code alone */
	mmu_mark_code_frame(&r->m, 0x102);
	assert_non_null(mmu_ptr(&r->m, 0x2000, ACC_FETCH, &ex));
	assert_int_equal(mmu_read(&r->m, SR_CS, 0x2000, &b, 1, ACC_FETCH, &ex), 0);
	assert_int_equal(invalidations, 3);
	rig_free(r);
}

static uint64_t dev_reg;
static unsigned dev_reads, dev_writes;

static uint64_t dev_read(void *opaque, phys_addr_t off, unsigned size)
{
	(void)opaque;
	(void)size;
	dev_reads++;
	return off == 0 ? dev_reg : 0x55;
}

static void dev_write(void *opaque, phys_addr_t off, uint64_t v, unsigned size)
{
	(void)opaque;
	(void)size;
	dev_writes++;
	if (off == 0)
		dev_reg = v;
}

static void mmio_through_paging(void **state)
{
	(void)state;
	struct rig *r = rig_new(NULL);
	static const struct mmio_ops ops = {dev_read, dev_write};
	assert_int_equal(physmem_add_mmio(&r->pm, 0xfec00000, 0x1000, "dev", &ops, NULL), 0);
	wr32(r, PT + 4 * 9, 0xfec00000 | 3);
	struct x86_exception ex;
	assert_null(mmu_ptr(&r->m, 0x9000, ACC_READ, &ex));
	assert_int_equal(ex.vector, 0xFFFF);
	uint32_t v = 0xabcd;
	assert_int_equal(mmu_write(&r->m, SR_DS, 0x9000, &v, 4, &ex), 0);
	assert_int_equal(dev_reg, 0xabcd);
	v = 0;
	assert_int_equal(mmu_read(&r->m, SR_DS, 0x9000, &v, 4, ACC_READ, &ex), 0);
	assert_int_equal(v, 0xabcd);
	assert_int_equal(dev_writes, 1);
	assert_int_equal(dev_reads, 1);
	rig_free(r);
}

static void segments_apply_before_paging(void **state)
{
	(void)state;
	struct rig *r = rig_new(NULL);
	struct x86_exception ex;
	/* DS: base 0x3000, limit 0xfff; SS: same shape */
	struct seg_desc d = {.base = 0x3000, .limit = 0xfff, .type = SEG_TYPE_WRITABLE, .s = true,
			     .p = true, .db = true};
	seg_cache_set(&r->m.seg.sr[SR_DS], 0x10, &d);
	seg_cache_set(&r->m.seg.sr[SR_SS], 0x18, &d);
	uint32_t v = 7, got = 0;
	assert_int_equal(mmu_write(&r->m, SR_DS, 0x10, &v, 4, &ex), 0);
	assert_int_equal(rd32(r, 0x103010), 7);
	assert_int_equal(mmu_read(&r->m, SR_DS, 0xffd, &got, 4, ACC_READ, &ex), -1);
	assert_int_equal(ex.vector, X86_GP);
	assert_int_equal(ex.error_code, 0);
	assert_int_equal(mmu_read(&r->m, SR_SS, 0xffd, &got, 4, ACC_READ, &ex), -1);
	assert_int_equal(ex.vector, X86_SS);
	assert_int_equal(r->ctr.v[CTR_seg_faults], 2);
	rig_free(r);
}

static void cross_page_accesses(void **state)
{
	(void)state;
	struct rig *r = rig_new(NULL);
	struct x86_exception ex;
	uint8_t buf[16], got[16];
	for (int i = 0; i < 16; i++)
		buf[i] = (uint8_t)(i + 1);
	assert_int_equal(mmu_write(&r->m, SR_DS, 0x1ff8, buf, 16, &ex), 0);
	assert_int_equal(physmem_read(&r->pm, 0x101ff8, 8), 0x0807060504030201ull);
	assert_int_equal(physmem_read(&r->pm, 0x102000, 8), 0x100f0e0d0c0b0a09ull);
	assert_int_equal(mmu_read(&r->m, SR_DS, 0x1ff8, got, 16, ACC_READ, &ex), 0);
	assert_memory_equal(buf, got, 16);
	/* the two pages map to unrelated frames: the data follows the mapping */
	wr32(r, PT + 8, 0x300000 | 7);
	mmu_invlpg(&r->m, 0x2000);
	assert_int_equal(mmu_write(&r->m, SR_DS, 0x1ffe, buf, 4, &ex), 0);
	assert_int_equal(physmem_read(&r->pm, 0x101ffe, 2), 0x0201);
	assert_int_equal(physmem_read(&r->pm, 0x300000, 2), 0x0403);
	/* a read faulting on the second page reports that page */
	wr32(r, PT + 8, 0);
	mmu_invlpg(&r->m, 0x2000);
	assert_int_equal(mmu_read(&r->m, SR_DS, 0x1fff, got, 2, ACC_READ, &ex), -1);
	assert_int_equal(ex.cr2, 0x2000);
	assert_int_equal(mmu_read(&r->m, SR_DS, 0, got, 4097, ACC_READ, &ex), -1);
	rig_free(r);
}

static void privilege_and_wp_select_fast_tables(void **state)
{
	(void)state;
	struct rig *r = rig_new(NULL);
	struct x86_exception ex;
	wr32(r, PT + 12, 0x103000 | 1); /* supervisor, read-only */
	assert_non_null(mmu_ptr(&r->m, 0x3000, ACC_READ, &ex));
	r->m.cpl = 3;
	assert_null(mmu_ptr(&r->m, 0x3000, ACC_READ, &ex));
	assert_int_equal(ex.error_code, PF_P | PF_U);
	r->m.cpl = 0;
	assert_null(mmu_ptr(&r->m, 0x3000, ACC_WRITE, &ex)); /* WP = 1 */
	assert_int_equal(ex.error_code, PF_P | PF_W);
	mmu_write_cr0(&r->m, CR0_PE | CR0_PG);
	assert_non_null(mmu_ptr(&r->m, 0x3000, ACC_WRITE, &ex));
	mmu_write_cr0(&r->m, CR0_PE | CR0_PG | CR0_WP);
	assert_null(mmu_ptr(&r->m, 0x3000, ACC_WRITE, &ex));
	/* paging off: identity, no TLB involved */
	mmu_write_cr0(&r->m, CR0_PE);
	assert_ptr_equal(mmu_ptr(&r->m, 0x123456, ACC_WRITE, &ex), r->pm.host + 0x123456);
	assert_null(mmu_ptr(&r->m, 0xc0000000u, ACC_READ, &ex)); /* MMIO window: not RAM */
	assert_int_equal(ex.vector, 0xFFFF);
	uint32_t v;
	assert_int_equal(mmu_read(&r->m, SR_DS, 0xc0000000u, &v, 4, ACC_READ, &ex), 0);
	assert_int_equal(v, 0xffffffffu); /* nothing answers */
	rig_free(r);
}

static void pae_through_the_mmu(void **state)
{
	(void)state;
	struct rig *r = rig_new(NULL);
	/* PDPT at 0x30000, PD at 0x31000; a 2 MB page above 4 GB is not RAM here, so map low */
	physmem_write(&r->pm, 0x30000 + 8 * 3, 0x31000 | 1, 8);
	physmem_write(&r->pm, 0x31000 + 8 * 0x1ff, 0x600000 | PTE_PS | 7 | PTE_NX, 8);
	mmu_write_cr4(&r->m, CR4_PAE);
	mmu_write_efer(&r->m, EFER_NXE);
	mmu_write_cr3(&r->m, 0x30000);
	assert_int_equal(xl(r, 0xffe12345u, ACC_WRITE, true), 0x612345);
	phys_addr_t pa;
	struct x86_exception ex;
	assert_int_equal(mmu_translate(&r->m, 0xffe12345u, ACC_FETCH, true, &pa, &ex), -1);
	assert_int_equal(ex.error_code, PF_P | PF_U | PF_I);
	/* turning NXE off makes that XD bit reserved (after the flush the change requires) */
	mmu_write_efer(&r->m, 0);
	assert_int_equal(mmu_translate(&r->m, 0xffe12345u, ACC_READ, true, &pa, &ex), -1);
	assert_int_equal(ex.error_code, PF_P | PF_U | PF_RSVD);
	rig_free(r);
}

/*
 * mmu_ptr_slow's common case (a straight line for the usual miss and slow-path hit) against
 * its general path, on two machines given the same random tables and the same random
 * accesses: every answer, fault, count, TLB entry and stamp, fast slot and A/D bit in memory
 * must agree after each access. The tables mix rights, A/D bits, absent entries, global and
 * 4 MB pages and frames that are not RAM; between accesses an entry may change (a stale
 * translation is modelled), a page be INVLPGed or CR3 reloaded.
 */
#define CP_PD 0x20000u
#define CP_PT 0x21000u /* 4 tables: lin 0 .. 16 MB, the next 4 MB through a large page */
#define CP_PAGES 4096u

static uint64_t cp_rng;
static uint32_t cp_rand(void)
{
	cp_rng ^= cp_rng << 13;
	cp_rng ^= cp_rng >> 7;
	cp_rng ^= cp_rng << 17;
	return (uint32_t)(cp_rng >> 11);
}

static uint32_t cp_pte(void)
{
	uint32_t r = cp_rand(), f = 0;
	if (r % 10)
		f |= PTE_P;
	if ((r >> 4) % 10 < 7)
		f |= PTE_RW;
	if ((r >> 8) % 10 < 8)
		f |= PTE_US;
	if ((r >> 12) & 1)
		f |= PTE_A;
	if ((r >> 13) & 1)
		f |= PTE_D;
	if ((r >> 14) % 16 == 0)
		f |= PTE_G;
	/* most frames RAM, a few in the legacy hole or the MMIO window */
	uint32_t frame = (r >> 18) % 32 == 0   ? 0xA0000u + ((r >> 23) % 8) * 0x1000u
			 : (r >> 18) % 32 == 1 ? 0xC0000000u
					       : 0x400000u + ((r >> 8) % 2048) * 0x1000u;
	return frame | f;
}

static void cp_tables(struct rig *r[2])
{
	for (unsigned i = 0; i < 4; i++) {
		uint32_t pde = (CP_PT + 0x1000 * i) | PTE_P | PTE_RW | PTE_US;
		if (i == 3)
			pde &= ~(uint32_t)PTE_RW;
		for (unsigned k = 0; k < 2; k++)
			wr32(r[k], CP_PD + 4 * i, pde);
	}
	for (unsigned k = 0; k < 2; k++) /* 4 MB page at 16 MB, user and writable */
		wr32(r[k], CP_PD + 16, 0x1000000u | PTE_PS | PTE_P | PTE_RW | PTE_US | PTE_A);
	for (unsigned i = 0; i < CP_PAGES; i++) {
		uint32_t v = cp_pte();
		for (unsigned k = 0; k < 2; k++)
			wr32(r[k], CP_PT + 4 * i, v);
	}
}

static void cp_same_tlb(struct tlb *a, struct tlb *b)
{
	if (!a || !b) {
		assert_true(!a && !b);
		return;
	}
	assert_memory_equal(&a->stats, &b->stats, sizeof a->stats);
	assert_memory_equal(a->held, b->held, sizeof a->held);
	for (unsigned i = 0; i < a->sets * a->ways; i++) {
		struct tlb_entry *x = &a->e[i], *y = &b->e[i];
		assert_int_equal(x->valid, y->valid);
		if (!x->valid)
			continue;
		assert_int_equal(x->vpn, y->vpn);
		assert_int_equal(x->page_shift, y->page_shift);
		assert_int_equal(
		    x->global + 2 * x->writable + 4 * x->user + 8 * x->nx + 16 * x->dirty,
		    y->global + 2 * y->writable + 4 * y->user + 8 * y->nx + 16 * y->dirty);
		assert_int_equal(x->frame, y->frame);
		assert_int_equal(x->last_use, y->last_use);
		assert_int_equal(x->inserted, y->inserted);
	}
}

/* The TLB entry a fast slot mirrors, as an index into its TLB (comparable across machines). */
static long cp_entry_index(const struct mmu *m, const struct tlb_entry *e)
{
	if (!e)
		return -1;
	const struct tlb *t[3] = {m->dtlb, m->itlb, m->l2tlb};
	for (unsigned i = 0; i < 3; i++)
		if (t[i] && e >= t[i]->e && e < t[i]->e + t[i]->sets * t[i]->ways)
			return (long)(i * 100000 + (e - t[i]->e));
	fail_msg("a fast slot mirrors no TLB entry");
	return -2;
}

static void cp_same_state(struct rig *r[2])
{
	struct mmu *a = &r[0]->m, *b = &r[1]->m;
	assert_memory_equal(r[0]->ctr.v, r[1]->ctr.v, sizeof r[0]->ctr.v);
	assert_int_equal(a->lru_clock, b->lru_clock);
	assert_int_equal(a->cr2, b->cr2);
	cp_same_tlb(a->dtlb, b->dtlb);
	if (a->itlb != a->dtlb)
		cp_same_tlb(a->itlb, b->itlb);
	cp_same_tlb(a->l2tlb, b->l2tlb);
	const struct mmu_fast *fa = &a->fast[0][0][0], *fb = &b->fast[0][0][0];
	for (unsigned s = 0; s < 3 * 2 * MMU_FAST_SIZE; s++) {
		assert_int_equal(fa[s].tag, fb[s].tag);
		if (fa[s].tag == MMU_FAST_INVALID)
			continue;
		assert_int_equal(fa[s].tag_hi, fb[s].tag_hi);
		assert_int_equal(mmu_fast_host(&fa[s], fa[s].tag) - r[0]->pm.host,
				 mmu_fast_host(&fb[s], fb[s].tag) - r[1]->pm.host);
		assert_int_equal(cp_entry_index(a, fa[s].tlbe), cp_entry_index(b, fb[s].tlbe));
	}
	/* A and D bits the walks wrote */
	assert_memory_equal(r[0]->pm.host + CP_PD, r[1]->pm.host + CP_PD, 0x5000);
}

static void cp_run(const struct tlb_config *cfg, uint64_t seed, unsigned steps)
{
	static struct rig rigs[2];
	struct rig *r[2] = {&rigs[0], &rigs[1]};
	cp_rng = seed;
	for (unsigned k = 0; k < 2; k++) {
		memset(&r[k]->ctr, 0, sizeof r[k]->ctr);
		assert_int_equal(physmem_init(&r[k]->pm, 64u << 20, false), 0);
		assert_int_equal(mmu_init(&r[k]->m, &r[k]->pm, cfg, &r[k]->ctr), 0);
	}
	r[1]->m.slow_general_only = true;
	cp_tables(r);
	for (unsigned k = 0; k < 2; k++) {
		mmu_write_cr4(&r[k]->m, CR4_PSE | CR4_PGE);
		mmu_write_cr3(&r[k]->m, CP_PD);
		mmu_write_cr0(&r[k]->m, CR0_PE | CR0_PG | ((seed & 1) ? CR0_WP : 0));
	}
	for (unsigned i = 0; i < steps; i++) {
		uint32_t x = cp_rand();
		if (x % 64 == 0) { /* an entry changes under the TLB */
			uint32_t pte = cp_pte(), at = CP_PT + 4 * (cp_rand() % CP_PAGES);
			for (unsigned k = 0; k < 2; k++)
				wr32(r[k], at, pte);
			continue;
		}
		/* a small working set most of the time, so that slots and entries are reused */
		uint32_t page = (x >> 6) % 4 ? (x >> 8) % 48 : (x >> 8) % (CP_PAGES + 1024);
		uint32_t lin = page * 0x1000u + (cp_rand() % 0x1000u & ~3u);
		if (x % 64 == 1) {
			for (unsigned k = 0; k < 2; k++)
				mmu_invlpg(&r[k]->m, lin);
			continue;
		}
		if (x % 256 == 2) {
			for (unsigned k = 0; k < 2; k++)
				mmu_write_cr3(&r[k]->m, CP_PD);
			continue;
		}
		enum mmu_access acc = (enum mmu_access)((x >> 2) % 3);
		unsigned cpl = (x >> 4) % 4 ? 3 : 0;
		uint8_t *p[2];
		struct x86_exception ex[2];
		for (unsigned k = 0; k < 2; k++) {
			memset(&ex[k], 0, sizeof ex[k]);
			r[k]->m.cpl = cpl;
			p[k] = mmu_ptr(&r[k]->m, lin, acc, &ex[k]);
		}
		assert_int_equal(p[0] != NULL, p[1] != NULL);
		if (p[0])
			assert_int_equal(p[0] - r[0]->pm.host, p[1] - r[1]->pm.host);
		else
			assert_memory_equal(&ex[0], &ex[1], sizeof ex[0]);
		cp_same_state(r);
	}
	/* the common case did run, and the general path had its share */
	assert_true(r[0]->ctr.v[CTR_page_walks] > steps / 50);
	for (unsigned k = 0; k < 2; k++) {
		mmu_destroy(&r[k]->m);
		physmem_destroy(&r[k]->pm);
	}
}

static void common_path_is_exact(void **state)
{
	(void)state;
	struct tlb_config c;
	tlb_config_default(&c);
	cp_run(&c, 0x9e3779b97f4a7c15ull, 6000);
	c.l1 = (struct tlb_geometry){8, 2};
	c.policy = TLB_FIFO;
	cp_run(&c, 0x1234567ull, 6000);
	c.l1 = (struct tlb_geometry){6, 3}; /* sets not a power of two */
	c.policy = TLB_RANDOM;
	c.seed = 7;
	cp_run(&c, 0xabcdefull, 6000);
	tlb_config_default(&c);
	c.split = true;
	c.l1i = (struct tlb_geometry){4, 4};
	c.asid = true;
	cp_run(&c, 0x5555ull, 6000);
	c.l1 = (struct tlb_geometry){1, 1};
	c.split = false;
	cp_run(&c, 0x77ull, 6000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(read_write_through_paging),
	    cmocka_unit_test(fast_path_counts_as_tlb_hits),
	    cmocka_unit_test(not_present_faults_with_cr2),
	    cmocka_unit_test(cross_page_write_faulting_on_second_page_writes_nothing),
	    cmocka_unit_test(clean_entry_rewalks_on_write),
	    cmocka_unit_test(dirty_rewalk_refreshes_rights_everywhere),
	    cmocka_unit_test(global_pages_survive_cr3_until_pge_toggles),
	    cmocka_unit_test(invlpg_drops_one_page_and_stale_entries_are_modelled),
	    cmocka_unit_test(fault_from_stale_entry_then_retry_walks),
	    cmocka_unit_test(asids_keep_address_spaces_apart),
	    cmocka_unit_test(software_refill),
	    cmocka_unit_test(split_itlb_dtlb_and_l2),
	    cmocka_unit_test(fast_entries_follow_tlb_evictions),
	    cmocka_unit_test(tlb_disabled_behaves_like_a_tlb_for_flushes),
	    cmocka_unit_test(writes_to_code_frames_invalidate),
	    cmocka_unit_test(mmio_through_paging),
	    cmocka_unit_test(segments_apply_before_paging),
	    cmocka_unit_test(cross_page_accesses),
	    cmocka_unit_test(privilege_and_wp_select_fast_tables),
	    cmocka_unit_test(pae_through_the_mmu),
	    cmocka_unit_test(common_path_is_exact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
