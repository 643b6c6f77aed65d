/*
 * Page-table entries in simulated physical memory, for the kernel's own mappings
 * (swapper_pg_dir) and for process page directories, in 2-level and PAE formats.
 * Entries are passed as uint64_t in both modes (a 2-level entry is the low 32 bits).
 *
 * Sharing of the kernel part, as 6.1 does it:
 *  - 2-level: pgd_alloc copies the kernel PDEs of swapper_pg_dir into the new directory and
 *    puts it on pgd_list; when a kernel mapping later installs a new page table in
 *    swapper_pg_dir (vmalloc, ioremap), the PDE is copied to every directory on pgd_list
 *    (arch_sync_kernel_mappings, ARCH_PAGE_TABLE_SYNC_MASK = PGTBL_PMD_MODIFIED).
 *  - PAE: SHARED_KERNEL_PMD (vmlab models a CPU without Meltdown, so PTI is off): the
 *    kernel PDPT entries of every process point to the very page directories of
 *    swapper_pg_dir, so every kernel mapping is seen by all at once. The PDPT is a 32-byte
 *    object from the pgd_cache slab; the user PMDs are preallocated (PREALLOCATED_PMDS).
 */
#ifndef VMLAB_KERNEL_MM_PGTABLE_H
#define VMLAB_KERNEL_MM_PGTABLE_H
#include "kernel/mm/kmem.h"

/* Protections, as pgtable_types.h composes them. */
#define _PAGE_TABLE (PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D)
#define _KERNPG_TABLE (PTE_P | PTE_RW | PTE_A | PTE_D)
#define PAGE_KERNEL (PTE_P | PTE_RW | PTE_A | PTE_D | PTE_G)
#define PAGE_KERNEL_RO (PTE_P | PTE_A | PTE_G)
#define PAGE_KERNEL_LARGE (PAGE_KERNEL | PTE_PS)
#define PAGE_KERNEL_IO_NOCACHE (PAGE_KERNEL | PTE_PCD | PTE_PWT)

static inline uint64_t pte_pfn(uint64_t pte)
{
	return (pte & 0x000FFFFFFFFFF000ull) >> PAGE_SHIFT;
}
static inline uint64_t pfn_pte(uint64_t pfn, uint64_t prot)
{
	return pfn << PAGE_SHIFT | prot;
}
static inline bool pte_present(uint64_t pte)
{
	return pte & PTE_P;
}
static inline bool pte_none(uint64_t pte)
{
	return pte == 0;
}

/* ---- kernel mappings (init_mm) ---- */
/* Maps one 4 KB page at kernel address va; allocates the page table if needed. */
int kernel_map_page(struct kmem *km, uint32_t va, phys_addr_t pa, uint64_t prot);
/* Clears the PTE of va and invalidates it in the TLB (INVLPG); returns the old entry. */
uint64_t kernel_unmap_page(struct kmem *km, uint32_t va);
/* Clears without flushing (the caller flushes a batch). */
uint64_t kernel_clear_pte(struct kmem *km, uint32_t va);
uint64_t kernel_pte_get(struct kmem *km, uint32_t va);
/* flush_tlb_kernel_range: INVLPG per page up to tlb_single_page_flush_ceiling, else all */
void flush_tlb_kernel_range(struct kmem *km, uint32_t start, uint32_t end);
/* Large/small page counts of the direct map, for DirectMap4k/DirectMap4M in meminfo. */
void direct_map_counts(struct kmem *km, uint64_t *kb_4k, uint64_t *kb_large);

/* ---- process page directories ---- */
/* A new page directory sharing the kernel part; 0 on ENOMEM. The value is a CR3. */
phys_addr_t pgd_alloc(struct kmem *km);
/* Frees the directory and the user page tables under it (not the pages they map). */
void pgd_free(struct kmem *km, phys_addr_t pgd);
/* Reads the PTE of a user address: 0 and *pte (0 when no page table exists), or -EINVAL. */
int pte_get(struct kmem *km, phys_addr_t pgd, uint32_t addr, uint64_t *pte);
/* set_pte_at: allocates the page table on demand (counted in PageTables). 0 or -errno.
 * The caller flushes the TLB when it changes a present entry of a live address space. */
int pte_set(struct kmem *km, phys_addr_t pgd, uint32_t addr, uint64_t pte);
#define set_pte_at pte_set
/* ptep_get_and_clear: clears the PTE, returns the old one (0 if none). */
uint64_t pte_clear(struct kmem *km, phys_addr_t pgd, uint32_t addr);
/* Calls fn for every non-empty PTE (present, or a swap entry) in [start, end) that lies in
 * the user part; fn may rewrite *pte (written back when changed). A non-zero return from
 * fn stops the walk and is returned. Page tables are reached through kmap_local. */
typedef int (*pte_fn_t)(uint64_t *pte, uint32_t addr, void *data);
int apply_to_existing_page_range(struct kmem *km, phys_addr_t pgd, uint32_t start, uint32_t end,
				 pte_fn_t fn, void *data);
/*
 * Transparent huge pages: a user PDE may map a whole huge page (PTE_PS, 4 MB 2-level, 2 MB
 * PAE). pte_get reads through it (the 4 KB PTE equivalent) without changing anything;
 * pte_set and pte_clear on an address under it first split it (__split_huge_pmd) into a
 * page table of 4 KB PTEs that map the same frames with the same bits. The walker below
 * hands fn the 4 KB equivalents; when every PTE of the huge page came back empty the PDE
 * is cleared, when they still form one aligned huge page it stays huge, otherwise it is
 * split. NR_ANON_THPS counts a huge page while at least one PDE (of any process: fork
 * shares them) maps it whole. pmd_set_huge deposits a page table (PageTables) that a split
 * uses and a clear frees. The caller flushes the TLB
 * for what it changed (a split alone changes no translation).
 */
static inline bool pmd_trans_huge(uint64_t pmd)
{
	return (pmd & (PTE_P | PTE_PS)) == (PTE_P | PTE_PS);
}
/* The PDE (PAE: PMD entry) of a user address: 0 and *pmd (0 when empty), or -EINVAL. */
int pmd_get(struct kmem *km, phys_addr_t pgd, uint32_t addr, uint64_t *pmd);
/* Installs a huge-page PDE (must have PTE_PS) in an empty slot, counting its pages in
 * NR_ANON_THPS: 0, -EEXIST when the slot holds a table or a page, -ENOMEM when no page
 * table can be deposited, -EINVAL. */
int pmd_set_huge(struct kmem *km, phys_addr_t pgd, uint32_t addr, uint64_t pmd);
/* pmdp_set_access_flags / pmdp_set_wrprotect: rewrites the bits of the huge PDE over addr
 * (pmd maps the same frames): 0, or -EINVAL when no huge PDE is there. The caller flushes. */
int pmd_set_access(struct kmem *km, phys_addr_t pgd, uint32_t addr, uint64_t pmd);
/* __split_huge_pmd: the huge PDE over addr becomes its deposited page table of 4 KB PTEs
 * (same frames, same bits): 0, or -EINVAL when no huge PDE is there. */
int split_huge_pmd(struct kmem *km, phys_addr_t pgd, uint32_t addr);
/* free_pgd_range: frees the page tables under [addr, end) that lie wholly within
 * [floor, ceiling) (ceiling 0: no ceiling), as Linux after munmap. */
void free_pgd_range(struct kmem *km, phys_addr_t pgd, uint32_t addr, uint32_t end, uint32_t floor,
		    uint32_t ceiling);
/* The paging registers to walk a process directory (supervisor view, kernel CR0/CR4). */
void pgd_regs(const struct kmem *km, phys_addr_t pgd, struct paging_regs *r);
/* Forgets every process directory (machine teardown: their frames die with physmem). */
void pgd_list_destroy(struct kmem *km);
/* Number of process page directories (pgd_list) */
unsigned pgd_count(const struct kmem *km);
#endif
