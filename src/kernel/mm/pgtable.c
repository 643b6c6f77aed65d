/*
 * Page tables in simulated physical memory: swapper_pg_dir at boot (arch/x86/mm/init_32.c),
 * kernel mappings afterwards, and process page directories (arch/x86/mm/pgtable.c).
 */
#include "kernel/mm/pgtable.h"
#include "kernel/mm/mm_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define ENTRY_ADDR_MASK 0x000FFFFFFFFFF000ull
#define TLB_SINGLE_PAGE_FLUSH_CEILING 33 /* arch/x86/mm/tlb.c */
#define GFP_PGTABLE_KERNEL (GFP_KERNEL | __GFP_ZERO)
#define GFP_PGTABLE_USER (GFP_PGTABLE_KERNEL | __GFP_ACCOUNT)

struct pgd_node {
	struct list_head list;
	phys_addr_t pgd;
};

static unsigned esz(const struct kmem *km)
{
	return km->params.pae ? 8 : 4;
}
static uint64_t rd(struct kmem *km, phys_addr_t a)
{
	return physmem_read(km->pm, a, esz(km));
}
static void wr(struct kmem *km, phys_addr_t a, uint64_t v)
{
	physmem_write(km->pm, a, v, esz(km));
}
static unsigned kernel_pgd_first(const struct kmem *km)
{
	return km->params.pae ? km->L.page_offset >> 30 : km->L.page_offset >> 22;
}
static unsigned pte_index(const struct kmem *km, uint32_t va)
{
	return km->params.pae ? (va >> 12) & 511 : (va >> 12) & 1023;
}
static uint32_t pmd_span(const struct kmem *km)
{
	return km->L.pmd_size;
}

static unsigned huge_nr(const struct kmem *km)
{
	return pmd_span(km) >> PAGE_SHIFT;
}

/* The address of the PDE (PAE: the PMD entry) for va, or 0 when the PDPTE is absent. */
static phys_addr_t pde_slot(struct kmem *km, phys_addr_t pgd, uint32_t va)
{
	if (!km->params.pae)
		return pgd + (va >> 22) * 4;
	uint64_t pdpte = physmem_read(km->pm, pgd + (va >> 30) * 8, 8);
	if (!(pdpte & PTE_P))
		return 0;
	return (pdpte & ENTRY_ADDR_MASK) + ((va >> 21) & 511) * 8;
}

void zero_frame(struct kmem *km, uint64_t pfn)
{
	physmem_frame_changed(km->pm, pfn);
	uint8_t *h = physmem_ptr(km->pm, pfn << PAGE_SHIFT);
	if (h)
		memset(h, 0, PAGE_SIZE);
}

/* 2-level: a PDE installed in the kernel part of swapper_pg_dir is copied into every process
 * directory (arch_sync_kernel_mappings); with PAE the kernel PMDs are shared instead. */
static void sync_kernel_pde(struct kmem *km, uint32_t va, uint64_t pde)
{
	if (km->params.pae)
		return;
	for (struct list_head *l = km->pgd_list.next; l != &km->pgd_list; l = l->next) {
		struct pgd_node *n = list_entry(l, struct pgd_node, list);
		wr(km, pde_slot(km, n->pgd, va), pde);
	}
}

static struct page *alloc_pgtable_page(struct kmem *km, bool user)
{
	gfp_t gfp = user ? GFP_PGTABLE_USER : GFP_PGTABLE_KERNEL;
	if (user && km->params.highpte)
		gfp |= __GFP_HIGHMEM;
	struct page *p = alloc_page(km, gfp);
	if (p) {
		SetPageFlag(p, PG_table);
		if (user)
			km->stat[NR_PAGETABLE]++;
	}
	return p;
}

static void free_pgtable_page(struct kmem *km, phys_addr_t pa, bool user)
{
	struct page *p = pfn_to_page(km, pa >> PAGE_SHIFT);
	ClearPageFlag(p, PG_table);
	if (user)
		km->stat[NR_PAGETABLE]--;
	__free_page(km, p);
}

/*
 * Each huge mapping has a page table deposited with it (pgtable_trans_huge_deposit), counted
 * in PageTables as on Linux, so that a split never fails for want of memory. As Linux keeps
 * them with the PMD page (pmd_huge_pte), the deposits are listed from the struct page of the
 * directory page holding the PDE: one per huge PDE in it, any of them good for any PDE.
 * Several processes may map the same huge page (fork): the page's head counts them
 * (compound_mapcount), and AnonHugePages (NR_ANON_THPS) counts a huge page while any PDE
 * maps it whole.
 */
static struct page *huge_head(struct kmem *km, uint64_t pde)
{
	return pfn_to_page(km, pte_pfn(pde) & ~(uint64_t)(huge_nr(km) - 1));
}

static void deposit(struct kmem *km, phys_addr_t pde_a, struct page *pt)
{
	struct page *dir = pfn_to_page(km, pde_a >> PAGE_SHIFT);
	pt->pmd_huge_pte = dir->pmd_huge_pte;
	dir->pmd_huge_pte = (uint32_t)page_to_pfn(km, pt);
}

static struct page *withdraw_deposit(struct kmem *km, phys_addr_t pde_a)
{
	struct page *dir = pfn_to_page(km, pde_a >> PAGE_SHIFT);
	if (!dir->pmd_huge_pte)
		return NULL;
	struct page *pt = pfn_to_page(km, dir->pmd_huge_pte);
	dir->pmd_huge_pte = pt->pmd_huge_pte;
	pt->pmd_huge_pte = 0;
	return pt;
}

/* page_add_anon_rmap / page_remove_rmap of a whole huge page (compound) */
static void huge_map(struct kmem *km, uint64_t pde)
{
	if (huge_head(km, pde)->compound_mapcount++ == 0)
		km->stat[NR_ANON_THPS] += huge_nr(km);
}

static void huge_unmap(struct kmem *km, uint64_t pde)
{
	if (--huge_head(km, pde)->compound_mapcount == 0)
		km->stat[NR_ANON_THPS] -= huge_nr(km);
}

/* flush_tlb_mm for a PDPTE change (PAE): Linux reloads CR3 when it populates or clears a
 * user PDPTE (pud_populate, ___pmd_free_tlb's need_flush_all). vmlab's walker reads PDPTEs
 * on every walk, so this is for the TLB's own sake: the same flushes as Linux. */
static void pdpte_changed(struct kmem *km, phys_addr_t pgd)
{
	if (km->mmu && (km->mmu->regs.cr0 & CR0_PG) && (km->mmu->regs.cr3 & ~0x1Fu) == pgd)
		mmu_flush_tlb(km->mmu, true, CTR_tlb_flush_user_range);
}

/* __pmd_alloc (PAE): a user PMD for va's empty PDPTE, which munmap's free_pgd_range may
 * have freed. The address of va's PMD entry, or 0 without memory. */
static phys_addr_t pmd_alloc(struct kmem *km, phys_addr_t pgd, uint32_t va)
{
	struct page *p = alloc_page(km, GFP_PGTABLE_USER); /* never highmem: see pgd_alloc */
	if (p)
		p->pmd_huge_pte = 0; /* no deposits yet */
	if (!p)
		return 0;
	SetPageFlag(p, PG_table);
	km->stat[NR_PAGETABLE]++;
	physmem_write(km->pm, pgd + (va >> 30) * 8, page_to_phys(km, p) | PTE_P, 8);
	pdpte_changed(km, pgd);
	return pde_slot(km, pgd, va);
}

/* Physical address of the PTE for va, allocating its page table when alloc is set.
 * 0 with *err = 0: no page table; 0 with *err < 0: failure or a large page. */
static phys_addr_t pte_slot(struct kmem *km, phys_addr_t pgd, uint32_t va, bool alloc, bool user,
			    int *err)
{
	*err = 0;
	phys_addr_t pde_a = pde_slot(km, pgd, va);
	if (!pde_a) {
		/* PAE, a user address whose PMD was freed (the kernel's PDPTE is always there) */
		if (!alloc || !user)
			return 0;
		if (!(pde_a = pmd_alloc(km, pgd, va))) {
			*err = -ENOMEM;
			return 0;
		}
	}
	uint64_t pde = rd(km, pde_a);
	if ((pde & PTE_P) && (pde & PTE_PS)) {
		*err = -EEXIST;
		return 0;
	}
	if (!(pde & PTE_P)) {
		if (!alloc)
			return 0;
		struct page *pt = alloc_pgtable_page(km, user);
		if (!pt) {
			*err = -ENOMEM;
			return 0;
		}
		pde = page_to_phys(km, pt) | (user ? _PAGE_TABLE : _KERNPG_TABLE);
		wr(km, pde_a, pde);
		if (!user)
			sync_kernel_pde(km, va, pde);
	}
	return (pde & ENTRY_ADDR_MASK) + pte_index(km, va) * esz(km);
}

/* ---- boot: swapper_pg_dir ---- */

static int boot_pte_table(struct kmem *km, uint32_t va, phys_addr_t *table)
{
	phys_addr_t pde_a = pde_slot(km, km->swapper_pg_dir, va);
	uint64_t pde = rd(km, pde_a);
	if (!(pde & PTE_P)) {
		phys_addr_t t = memblock_alloc_low(km, PAGE_SIZE, "boot page tables");
		if (!t)
			return -ENOMEM;
		SetPageFlag(pfn_to_page(km, t >> PAGE_SHIFT), PG_table);
		pde = t | _KERNPG_TABLE;
		wr(km, pde_a, pde);
	}
	*table = pde & ENTRY_ADDR_MASK;
	return 0;
}

/* page_table_range_init: page tables (no pages) for a fixed kernel range */
static int boot_populate(struct kmem *km, uint32_t start, uint64_t end)
{
	for (uint64_t va = start & ~(uint64_t)(pmd_span(km) - 1); va < end; va += pmd_span(km)) {
		phys_addr_t t;
		int err = boot_pte_table(km, (uint32_t)va, &t);
		if (err)
			return err;
	}
	return 0;
}

int kernel_pgtable_init(struct kmem *km)
{
	km->swapper_pg_dir = memblock_alloc_low(km, PAGE_SIZE, "swapper_pg_dir");
	if (!km->swapper_pg_dir)
		return -ENOMEM;
	if (km->params.pae) {
		for (unsigned i = kernel_pgd_first(km); i < 4; i++) {
			km->kernel_pmd[i] = memblock_alloc_low(km, PAGE_SIZE, "kernel PMDs");
			if (!km->kernel_pmd[i])
				return -ENOMEM;
			physmem_write(km->pm, km->swapper_pg_dir + i * 8, km->kernel_pmd[i] | PTE_P,
				      8);
		}
	}
	/* kernel_physical_mapping_init: the first PMD with 4 KB pages (fixed MTRRs live
	 * there), large pages in the middle, 4 KB pages for the unaligned tail */
	uint64_t end = km->max_low_pfn << PAGE_SHIFT;
	uint32_t span = pmd_span(km);
	for (uint64_t pa = 0; pa < end;) {
		uint32_t va = (uint32_t)(km->L.page_offset + pa);
		if (pa >= span && pa + span <= end) {
			wr(km, pde_slot(km, km->swapper_pg_dir, va), pa | PAGE_KERNEL_LARGE);
			pa += span;
			continue;
		}
		phys_addr_t t;
		int err = boot_pte_table(km, va, &t);
		if (err)
			return err;
		wr(km, t + pte_index(km, va) * esz(km), pa | PAGE_KERNEL);
		pa += PAGE_SIZE;
	}
	/* fixmap and cpu_entry_area (early_ioremap_page_table_range_init,
	 * setup_cpu_entry_area_ptes) and the pkmap table (permanent_kmaps_init) */
	int err = boot_populate(km, km->L.cpu_entry_area_base, 0x100000000ull);
	if (!err)
		err = boot_populate(km, km->L.pkmap_base,
				    (uint64_t)km->L.pkmap_base + km->L.last_pkmap * PAGE_SIZE);
	return err;
}

/* ---- kernel mappings ---- */

int kernel_map_page(struct kmem *km, uint32_t va, phys_addr_t pa, uint64_t prot)
{
	int err;
	phys_addr_t a = pte_slot(km, km->swapper_pg_dir, va, true, false, &err);
	if (!a)
		return err ? err : -ENOMEM;
	if (!km->params.pae)
		prot &= ~PTE_NX;
	wr(km, a, pa | prot);
	return 0;
}

uint64_t kernel_clear_pte(struct kmem *km, uint32_t va)
{
	int err;
	phys_addr_t a = pte_slot(km, km->swapper_pg_dir, va, false, false, &err);
	if (!a)
		return 0;
	uint64_t old = rd(km, a);
	wr(km, a, 0);
	return old;
}

uint64_t kernel_unmap_page(struct kmem *km, uint32_t va)
{
	uint64_t old = kernel_clear_pte(km, va);
	if ((old & PTE_P) && km->mmu) {
		mmu_invlpg(km->mmu, va);
		COUNT(km->ctr, tlb_invlpg_kernel);
	}
	return old;
}

uint64_t kernel_pte_get(struct kmem *km, uint32_t va)
{
	int err;
	phys_addr_t a = pte_slot(km, km->swapper_pg_dir, va, false, false, &err);
	return a ? rd(km, a) : 0;
}

void flush_tlb_kernel_range(struct kmem *km, uint32_t start, uint32_t end)
{
	if (!km->mmu || end <= start)
		return;
	if ((end - start) >> PAGE_SHIFT > TLB_SINGLE_PAGE_FLUSH_CEILING) {
		mmu_flush_tlb(km->mmu, false, CTR_tlb_flush_kernel);
		return;
	}
	for (uint64_t a = start; a < end; a += PAGE_SIZE) {
		mmu_invlpg(km->mmu, (uint32_t)a);
		COUNT(km->ctr, tlb_invlpg_kernel);
	}
}

void direct_map_counts(struct kmem *km, uint64_t *kb_4k, uint64_t *kb_large)
{
	*kb_4k = *kb_large = 0;
	for (uint64_t va = km->L.page_offset; va < km->L.high_memory;) {
		uint64_t pde = rd(km, pde_slot(km, km->swapper_pg_dir, (uint32_t)va));
		if ((pde & PTE_P) && (pde & PTE_PS)) {
			*kb_large += pmd_span(km) / 1024;
			va += pmd_span(km);
		} else {
			*kb_4k += 4;
			va += PAGE_SIZE;
		}
	}
}

int kmem_virt_to_phys(struct kmem *km, uint32_t va, phys_addr_t *pa)
{
	struct paging_regs r;
	kmem_kernel_regs(km, &r);
	struct walk_result res;
	struct x86_exception ex;
	if (paging_walk(km->pm, &r, va, ACC_READ, false, false, &res, &ex))
		return -EFAULT;
	*pa = res.pa;
	return 0;
}

/* ---- process page directories ---- */

void pgd_regs(const struct kmem *km, phys_addr_t pgd, struct paging_regs *r)
{
	kmem_kernel_regs(km, r);
	r->cr3 = (uint32_t)pgd;
}

unsigned pgd_count(const struct kmem *km)
{
	unsigned n = 0;
	for (struct list_head *l = km->pgd_list.next; l != &km->pgd_list; l = l->next)
		n++;
	return n;
}

phys_addr_t pgd_alloc(struct kmem *km)
{
	struct pgd_node *n = calloc(1, sizeof(*n));
	if (!n)
		return 0;
	phys_addr_t pgd;
	if (!km->params.pae) {
		struct page *p = alloc_page(km, GFP_PGTABLE_USER);
		if (!p)
			goto fail;
		p->pmd_huge_pte = 0; /* no deposits yet */
		pgd = page_to_phys(km, p);
		/* clone_pgd_range: the kernel PDEs as they are now */
		for (unsigned i = kernel_pgd_first(km); i < 1024; i++)
			physmem_write(km->pm, pgd + i * 4,
				      physmem_read(km->pm, km->swapper_pg_dir + i * 4, 4), 4);
	} else {
		uint32_t obj = kmem_cache_alloc(km, km->pgd_cachep, GFP_PGTABLE_USER);
		if (!obj)
			goto fail;
		pgd = __pa(km, obj);
		for (unsigned i = 0; i < 4; i++)
			physmem_write(km->pm, pgd + i * 8, 0, 8);
		for (unsigned i = 0; i < kernel_pgd_first(km); i++) {
			/* preallocate_pmds: never highmem, the PDPT holds 32-bit-reachable PMDs */
			struct page *p = alloc_page(km, GFP_PGTABLE_USER);
			if (p)
				p->pmd_huge_pte = 0; /* no deposits yet */
			if (!p) {
				n->pgd = pgd;
				list_add(&n->list, &km->pgd_list);
				pgd_free(km, pgd); /* frees what exists, and the node */
				kmem_error(km, -ENOMEM, "pgd_alloc: out of memory");
				return 0;
			}
			SetPageFlag(p, PG_table);
			km->stat[NR_PAGETABLE]++;
			physmem_write(km->pm, pgd + i * 8, page_to_phys(km, p) | PTE_P, 8);
		}
		for (unsigned i = kernel_pgd_first(km); i < 4; i++)
			physmem_write(km->pm, pgd + i * 8,
				      physmem_read(km->pm, km->swapper_pg_dir + i * 8, 8), 8);
	}
	n->pgd = pgd;
	list_add(&n->list, &km->pgd_list);
	return pgd;
fail:
	free(n);
	kmem_error(km, -ENOMEM, "pgd_alloc: out of memory");
	return 0;
}

static void free_user_ptes(struct kmem *km, phys_addr_t pgd, uint32_t start, uint64_t end)
{
	uint32_t span = pmd_span(km);
	for (uint64_t va = start; va < end; va += span) {
		phys_addr_t pde_a = pde_slot(km, pgd, (uint32_t)va);
		if (!pde_a)
			continue;
		uint64_t pde = rd(km, pde_a);
		if ((pde & PTE_P) && !(pde & PTE_PS)) {
			wr(km, pde_a, 0);
			free_pgtable_page(km, pde & ENTRY_ADDR_MASK, true);
		} else if (pmd_trans_huge(pde)) {
			/* the pages were unmapped before; a huge PDE left here is a bug */
			kmem_error(km, -EINVAL, "free_pgd_range: huge page still mapped");
			struct page *pt = withdraw_deposit(km, pde_a);
			if (pt)
				free_pgtable_page(km, page_to_phys(km, pt), true);
			wr(km, pde_a, 0);
			huge_unmap(km, pde);
		}
	}
}

void pgd_free(struct kmem *km, phys_addr_t pgd)
{
	if (!pgd)
		return;
	bool found = false;
	for (struct list_head *l = km->pgd_list.next; l != &km->pgd_list; l = l->next) {
		struct pgd_node *n = list_entry(l, struct pgd_node, list);
		if (n->pgd == pgd) {
			list_del_init(&n->list);
			free(n);
			found = true;
			break;
		}
	}
	if (!found) {
		kmem_error(km, -EINVAL, "pgd_free: not a page directory from pgd_alloc");
		return;
	}
	free_user_ptes(km, pgd, 0, km->L.page_offset);
	if (!km->params.pae) {
		__free_page(km, pfn_to_page(km, pgd >> PAGE_SHIFT));
		return;
	}
	for (unsigned i = 0; i < kernel_pgd_first(km); i++) {
		uint64_t e = physmem_read(km->pm, pgd + i * 8, 8);
		if (e & PTE_P)
			free_pgtable_page(km, e & ENTRY_ADDR_MASK, true);
	}
	kmem_cache_free(km, km->pgd_cachep, __va(km, pgd));
}

/* Reads or writes one entry of a (possibly highmem) user page table through kmap_local. */
static int user_pte_access(struct kmem *km, phys_addr_t a, bool write, uint64_t *v)
{
	struct page *pt = pfn_to_page(km, a >> PAGE_SHIFT);
	uint32_t map = kmap_local_page(km, pt);
	if (!map)
		return -EBUSY;
	if (write)
		wr(km, a, *v);
	else
		*v = rd(km, a);
	kunmap_local(km, map);
	return 0;
}

/* ---- transparent huge pages ---- */

/* The 4 KB PTE that maps va the way the huge PDE does: same bits, less PS (and the large
 * page's PAT bit 12, never set here), its share of the frames. */
static uint64_t huge_subpte(const struct kmem *km, uint64_t pde, uint32_t va)
{
	uint64_t base = pde & ENTRY_ADDR_MASK & ~(uint64_t)(pmd_span(km) - 1);
	uint64_t bits = pde & (0xFFFull | PTE_NX) & ~(uint64_t)PTE_PS;
	return (base + (va & (pmd_span(km) - 1) & PAGE_MASK)) | bits;
}

/* Fills the deposited page table with ents (or the 4 KB equivalents of the huge PDE when
 * ents is NULL) and puts it in place of the huge PDE: __split_huge_pmd_locked. pt is the
 * table already withdrawn, or NULL to withdraw it here. */
static int install_split_table(struct kmem *km, phys_addr_t pde_a, const uint64_t *ents,
			       struct page *pt)
{
	uint64_t pde = rd(km, pde_a);
	if (!pt)
		pt = withdraw_deposit(km, pde_a);
	if (!pt)
		pt = alloc_pgtable_page(km, true);
	if (!pt)
		return -ENOMEM;
	phys_addr_t table = page_to_phys(km, pt);
	uint32_t map = kmap_local_page(km, pt);
	for (unsigned i = 0; i < huge_nr(km); i++)
		wr(km, table + i * esz(km), ents ? ents[i] : huge_subpte(km, pde, i << PAGE_SHIFT));
	if (map)
		kunmap_local(km, map);
	wr(km, pde_a, table | _PAGE_TABLE);
	huge_unmap(km, pde);
	counter_add(km->ctr, CTR_thp_split_pmd, 1);
	return 0;
}

static int split_huge_pde(struct kmem *km, phys_addr_t pde_a, const uint64_t *ents)
{
	if (!pde_a || !pmd_trans_huge(rd(km, pde_a)))
		return -EINVAL;
	return install_split_table(km, pde_a, ents, NULL);
}

int pmd_get(struct kmem *km, phys_addr_t pgd, uint32_t addr, uint64_t *pmd)
{
	*pmd = 0;
	if (addr >= km->L.page_offset)
		return -EINVAL;
	phys_addr_t a = pde_slot(km, pgd, addr);
	if (a)
		*pmd = rd(km, a);
	return 0;
}

int pmd_set_huge(struct kmem *km, phys_addr_t pgd, uint32_t addr, uint64_t pmd)
{
	if (addr >= km->L.page_offset || !pmd_trans_huge(pmd) ||
	    (pmd & ENTRY_ADDR_MASK & (pmd_span(km) - 1)) || (!km->params.pae && (pmd >> 32)))
		return -EINVAL;
	phys_addr_t a = pde_slot(km, pgd, addr);
	if (!a && !(a = pmd_alloc(km, pgd, addr)))
		return -ENOMEM;
	if (rd(km, a))
		return -EEXIST;
	struct page *pt = alloc_pgtable_page(km, true);
	if (!pt)
		return -ENOMEM;
	deposit(km, a, pt);
	wr(km, a, pmd);
	huge_map(km, pmd);
	return 0;
}

int pmd_set_access(struct kmem *km, phys_addr_t pgd, uint32_t addr, uint64_t pmd)
{
	if (addr >= km->L.page_offset || !pmd_trans_huge(pmd))
		return -EINVAL;
	phys_addr_t a = pde_slot(km, pgd, addr);
	uint64_t old = a ? rd(km, a) : 0;
	if (!pmd_trans_huge(old) || (old & ENTRY_ADDR_MASK) != (pmd & ENTRY_ADDR_MASK))
		return -EINVAL;
	wr(km, a, pmd);
	return 0;
}

int split_huge_pmd(struct kmem *km, phys_addr_t pgd, uint32_t addr)
{
	if (addr >= km->L.page_offset)
		return -EINVAL;
	return split_huge_pde(km, pde_slot(km, pgd, addr), NULL);
}

/* The walk over a huge PDE for [va, lim): see pgtable.h. */
static int walk_huge_pde(struct kmem *km, phys_addr_t pde_a, uint32_t va, uint64_t lim, pte_fn_t fn,
			 void *data)
{
	uint32_t span = pmd_span(km);
	uint32_t base = va & ~(span - 1);
	if (va != base || lim != (uint64_t)base + span) {
		/* part of the huge page: only a page table can express the result */
		int err = split_huge_pde(km, pde_a, NULL);
		return err ? err : 1;
	}
	uint64_t pde = rd(km, pde_a);
	unsigned n = huge_nr(km);
	uint64_t ents[1024];
	bool changed = false;
	int r = 0;
	struct page *dep = withdraw_deposit(km, pde_a);
	for (unsigned i = 0; i < n; i++) {
		ents[i] = huge_subpte(km, pde, i << PAGE_SHIFT);
		if (r)
			continue;
		uint64_t v = ents[i];
		r = fn(&v, base + (i << PAGE_SHIFT), data);
		if (v != ents[i]) {
			ents[i] = v;
			changed = true;
		}
	}
	if (!changed) {
		if (dep)
			deposit(km, pde_a, dep);
		return r;
	}
	bool none = true, huge = pte_present(ents[0]);
	for (unsigned i = 0; i < n; i++) {
		none = none && !ents[i];
		huge = huge && ents[i] == ents[0] + ((uint64_t)i << PAGE_SHIFT);
	}
	if (none) {
		/* zap_huge_pmd: the deposited table goes with the mapping */
		wr(km, pde_a, 0);
		huge_unmap(km, pde);
		if (dep)
			free_pgtable_page(km, page_to_phys(km, dep), true);
	} else if (huge) {
		wr(km, pde_a, ents[0] | PTE_PS);
		if (huge_head(km, ents[0]) != huge_head(km, pde)) {
			huge_unmap(km, pde);
			huge_map(km, ents[0]);
		}
		if (dep)
			deposit(km, pde_a, dep);
	} else if (install_split_table(km, pde_a, ents, dep)) {
		/* the walkers here change a whole huge page uniformly (zap, mprotect), so
		 * this is not reached by them; another walker loses its changes */
		kmem_error(km, -ENOMEM, "huge page: no page table to split it into");
		r = r ? r : -ENOMEM;
	}
	return r;
}

int pte_get(struct kmem *km, phys_addr_t pgd, uint32_t addr, uint64_t *pte)
{
	*pte = 0;
	if (addr >= km->L.page_offset)
		return -EINVAL;
	int err;
	phys_addr_t a = pte_slot(km, pgd, addr, false, true, &err);
	if (!a && err == -EEXIST) {
		*pte = huge_subpte(km, rd(km, pde_slot(km, pgd, addr)), addr);
		return 0;
	}
	if (!a)
		return err;
	return user_pte_access(km, a, false, pte);
}

int pte_set(struct kmem *km, phys_addr_t pgd, uint32_t addr, uint64_t pte)
{
	if (addr >= km->L.page_offset)
		return -EINVAL;
	if (!km->params.pae && (pte >> 32))
		return -EINVAL; /* a 2-level entry has no room for NX or frames above 4 GB */
	int err;
	phys_addr_t a = pte_slot(km, pgd, addr, true, true, &err);
	if (!a && err == -EEXIST && !(err = split_huge_pde(km, pde_slot(km, pgd, addr), NULL)))
		a = pte_slot(km, pgd, addr, true, true, &err);
	if (!a)
		return err;
	return user_pte_access(km, a, true, &pte);
}

uint64_t pte_clear(struct kmem *km, phys_addr_t pgd, uint32_t addr)
{
	if (addr >= km->L.page_offset)
		return 0;
	int err;
	phys_addr_t a = pte_slot(km, pgd, addr, false, true, &err);
	if (!a && err == -EEXIST && !split_huge_pde(km, pde_slot(km, pgd, addr), NULL))
		a = pte_slot(km, pgd, addr, false, true, &err);
	uint64_t old = 0, zero = 0;
	if (!a || user_pte_access(km, a, false, &old) || !old)
		return 0;
	user_pte_access(km, a, true, &zero);
	return old;
}

int apply_to_existing_page_range(struct kmem *km, phys_addr_t pgd, uint32_t start, uint32_t end,
				 pte_fn_t fn, void *data)
{
	uint64_t e = end > km->L.page_offset ? km->L.page_offset : end;
	uint32_t span = pmd_span(km);
	for (uint64_t va = start & PAGE_MASK; va < e;) {
		uint64_t next = (va & ~(uint64_t)(span - 1)) + span;
		phys_addr_t pde_a = pde_slot(km, pgd, (uint32_t)va);
		uint64_t pde = pde_a ? rd(km, pde_a) : 0;
		if (pmd_trans_huge(pde)) {
			int r =
			    walk_huge_pde(km, pde_a, (uint32_t)va, next < e ? next : e, fn, data);
			if (r == 1)
				continue; /* split: walk the new page table */
			if (r)
				return r;
			va = next;
			continue;
		}
		if (!(pde & PTE_P) || (pde & PTE_PS)) {
			va = next;
			continue;
		}
		phys_addr_t table = pde & ENTRY_ADDR_MASK;
		uint32_t map = kmap_local_page(km, pfn_to_page(km, table >> PAGE_SHIFT));
		if (!map)
			return -EBUSY;
		for (; va < next && va < e; va += PAGE_SIZE) {
			phys_addr_t a = table + pte_index(km, (uint32_t)va) * esz(km);
			uint64_t v = rd(km, a), orig = v;
			if (!v)
				continue;
			int r = fn(&v, (uint32_t)va, data);
			if (v != orig)
				wr(km, a, v);
			if (r) {
				kunmap_local(km, map);
				return r;
			}
		}
		kunmap_local(km, map);
		va = next;
	}
	return 0;
}

/*
 * As mm/memory.c's free_pgd_range: a page table is freed when it covers part of [addr, end)
 * and lies wholly between floor and ceiling (0: the top of the address space), the bounds
 * of the VMAs left around the hole, so that a table still shared with a neighbour stays.
 * The PMD level is preallocated under PAE and is not freed here (see docs/kmem.md).
 */
void free_pgd_range(struct kmem *km, phys_addr_t pgd, uint32_t addr, uint32_t end, uint32_t floor,
		    uint32_t ceiling)
{
	uint32_t mask = ~(pmd_span(km) - 1);
	addr &= mask;
	if (addr < floor) {
		addr += pmd_span(km);
		if (!addr)
			return;
	}
	if (ceiling) {
		ceiling &= mask;
		if (!ceiling)
			return;
	}
	if (end - 1 > ceiling - 1)
		end -= pmd_span(km);
	if (addr > end - 1)
		return;
	/* end - 1 may lie in the last table: walk [addr, end rounded up) */
	uint64_t lim = ((uint64_t)end + pmd_span(km) - 1) & mask;
	if (lim > km->L.page_offset)
		lim = km->L.page_offset;
	if (addr < lim)
		free_user_ptes(km, pgd, addr, lim);
	if (!km->params.pae)
		return;
	/* free_pmd_range: a PMD (1 GB) goes too when it lies wholly within floor..ceiling */
	const uint64_t gb = 1ull << 30;
	uint64_t ceil_pud = ceiling ? ceiling & ~(uint32_t)(gb - 1) : 0;
	if (ceiling && !ceil_pud)
		return;
	bool freed = false;
	for (uint64_t a = addr, next; a != end; a = next) {
		uint64_t base = a & ~(gb - 1);
		next = base + gb < end ? base + gb : end;
		phys_addr_t ent = pgd + (base >> 30) * 8;
		uint64_t pdpte = physmem_read(km->pm, ent, 8);
		if (!(pdpte & PTE_P) || base < floor || base >= km->L.page_offset ||
		    (uint32_t)(next - 1) > (uint32_t)(ceil_pud - 1))
			continue;
		/* no VMA lies in this GB: any table still in the PMD is an orphan */
		free_user_ptes(km, pgd, (uint32_t)base, base + gb);
		physmem_write(km->pm, ent, 0, 8);
		free_pgtable_page(km, pdpte & ENTRY_ADDR_MASK, true);
		freed = true;
	}
	if (freed)
		pdpte_changed(km, pgd);
}

void pgd_list_destroy(struct kmem *km)
{
	if (!km->pgd_list.next)
		return;
	while (!list_empty(&km->pgd_list)) {
		struct pgd_node *n = list_entry(km->pgd_list.next, struct pgd_node, list);
		list_del_init(&n->list);
		free(n);
	}
}
