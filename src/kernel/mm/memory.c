/*
 * Page faults and user page tables (mm/memory.c, arch/x86/mm/fault.c). PTEs are written into
 * the page tables in simulated physical memory (pgtable.h), where the MMU walks them; the
 * modelled TLB is flushed where Linux flushes it: one INVLPG per page for a range of up to
 * tlb_single_page_flush_ceiling (33) pages, the whole (non-global) TLB beyond; nothing when
 * a PTE only gains rights (the CPU drops a faulting translation itself).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "hw/mmu.h"
#include "kernel/exec.h"
#include "kernel/ktrace.h"
#include "kernel/mm/filemap.h"
#include "kernel/mm/ktrace_mm.h"
#include "kernel/mm/memory.h"
#include "kernel/mm/mmap.h"
#include "kernel/mm/pgtable.h"
#include "kernel/mm/shmem.h"
#include "kernel/mm/swap.h"
#include "kernel/task.h"
#include "kernel/vdso.h"

#define TLB_SINGLE_PAGE_FLUSH_CEILING 33
/* The PROT_NONE marker of a non-present PTE that still maps a page (_PAGE_PROTNONE is the
 * global bit, never set in a user PTE otherwise). */
#define PTE_PROTNONE PTE_G

static struct kmem *mm_km(const struct mm_struct *mm)
{
	return mm->owner ? mm->owner->km : NULL;
}

static bool has_pgtables(const struct mm_struct *mm)
{
	return mm->pgd && mm_km(mm);
}

bool upte_present(uint64_t pte)
{
	return pte & (PTE_P | PTE_PROTNONE);
}

uint64_t zero_pfn(struct mm_struct *mm)
{
	struct kmem *km = mm_km(mm);
	return km && km->zero_page ? page_to_pfn(km, km->zero_page) : 0;
}

/* The shared zero page is mapped without a reference or rmap: never freed, never reused. */
static bool is_zero_pfn(const struct kmem *km, uint64_t pfn)
{
	return km->zero_page && pfn == page_to_pfn(km, km->zero_page);
}

int mm_alloc_pgd(struct mm_struct *mm)
{
	struct kmem *km = mm_km(mm);
	if (!km)
		return -EINVAL;
	phys_addr_t pgd = pgd_alloc(km);
	if (!pgd)
		return -ENOMEM;
	mm->pgd = pgd;
	mmlist_add(km, mm);
	return 0;
}

void mm_free_pgd(struct mm_struct *mm)
{
	struct kmem *km = mm_km(mm);
	for (unsigned i = 0; km && i <= VDSO_PAGES; i++) {
		uint64_t *pfn = i < VDSO_PAGES ? &mm->vdso_pfn[i] : &mm->vvar_pfn;
		if (*pfn)
			put_page(km, pfn_to_page(km, *pfn));
		*pfn = 0;
	}
	if (has_pgtables(mm)) {
		mmlist_del(mm_km(mm), mm);
		pgd_free(mm_km(mm), mm->pgd);
		mm->pgd = 0;
	}
}

uint64_t mm_pgtables_bytes(const struct mm_struct *mm)
{
	struct kmem *km = mm_km(mm);
	if (!has_pgtables(mm))
		return 0;
	uint64_t tables = km->params.pae ? mm->task_size >> 30 : 0;
	for (uint64_t a = 0; a < mm->task_size; a += km->L.pmd_size) {
		uint64_t pmd = 0;
		/* a huge PDE counts its deposited table, as mm_inc_nr_ptes does */
		if (!pmd_get(km, mm->pgd, (uint32_t)a, &pmd) && (pmd & PTE_P))
			tables++;
	}
	return tables * PAGE_SIZE;
}

uint64_t mm_pte(struct mm_struct *mm, uint32_t addr)
{
	uint64_t pte = 0;
	if (has_pgtables(mm) && pte_get(mm_km(mm), mm->pgd, addr, &pte))
		pte = 0;
	return pte;
}

static bool nx_enabled(struct mm_struct *mm)
{
	struct task *t = mm->owner;
	return t && t->mmu && (t->mmu->regs.efer & EFER_NXE) && (t->mmu->regs.cr4 & CR4_PAE);
}

/* vm_get_page_prot: the bits of a PTE for a VMA; writable only when asked (private pages
 * become writable per page, on a write fault). */
static uint64_t pte_prot(struct mm_struct *mm, uint32_t vm_flags, bool writable)
{
	uint64_t p = PTE_A;
	if (!(vm_flags & VM_ACCESS_FLAGS))
		return p | PTE_PROTNONE;
	p |= PTE_P | PTE_US;
	if (writable && (vm_flags & VM_WRITE))
		p |= PTE_RW | PTE_D;
	/* shared writable memory needs no write notification here (shmem, and host files
	 * taken as tmpfs/ramfs files, as on the oracle's initramfs and /tmp): writable at
	 * once, dirtied by the hardware's D bit */
	if ((vm_flags & (VM_SHARED | VM_WRITE)) == (VM_SHARED | VM_WRITE))
		p |= PTE_RW;
	if (!(vm_flags & VM_EXEC) && nx_enabled(mm))
		p |= PTE_NX;
	return p;
}

/* ---- the TLB ---- */

struct flush_range {
	uint32_t start, end; /* end == 0: nothing to flush */
};

static void flush_add(struct flush_range *f, uint32_t addr)
{
	if (!f->end) {
		f->start = addr;
		f->end = addr + PAGE_SIZE;
		return;
	}
	if (addr < f->start)
		f->start = addr;
	if (addr + PAGE_SIZE > f->end)
		f->end = addr + PAGE_SIZE;
}

/* flush_tlb_mm_range */
static void flush_tlb_range(struct mm_struct *mm, const struct flush_range *f)
{
	struct task *t = mm->owner;
	/* another process's tables: its entries left the TLB when CR3 was loaded with ours */
	if (!f->end || !t || !t->mmu || t->mm != mm || t->mmu->regs.cr3 != (uint32_t)mm->pgd)
		return;
	uint32_t n = (f->end - f->start) >> PAGE_SHIFT;
	if (n > TLB_SINGLE_PAGE_FLUSH_CEILING) {
		mmu_flush_tlb(t->mmu, true, CTR_tlb_flush_user_range);
		return;
	}
	for (uint32_t a = f->start; a != f->end; a += PAGE_SIZE)
		mmu_invlpg(t->mmu, a);
}

static void flush_tlb_page(struct mm_struct *mm, uint32_t addr)
{
	struct flush_range f = {addr, addr + PAGE_SIZE};
	flush_tlb_range(mm, &f);
}

/* ---- RSS ---- */

static void rss_add(struct mm_struct *mm, struct page *p, int n)
{
	if (p->mapping == ANON_MAPPING)
		mm->rss_anon += (uint64_t)(int64_t)n;
	else if (PageSwapBacked(p))
		mm->rss_shmem += (uint64_t)(int64_t)n;
	else
		mm->rss_file += (uint64_t)(int64_t)n;
	uint64_t rss = get_mm_rss(mm);
	if (rss > mm->hiwater_rss)
		mm->hiwater_rss = rss;
}

/* Drops one user mapping of the page behind pte. */
static void page_remove_rmap(struct mm_struct *mm, uint64_t pte)
{
	struct kmem *km = mm_km(mm);
	uint64_t pfn = pte_pfn(pte);
	if (is_zero_pfn(km, pfn))
		return;
	struct page *p = pfn_to_page(km, pfn);
	rss_add(mm, p, -1);
	if (p->_mapcount == 1)
		km->nr_mapped_shared--;
	p->_mapcount--;
	if (p->mapping == ANON_MAPPING && p->_mapcount < 0) {
		p->mapping = NULL;
		km->stat[NR_ANON_PAGES] -= km->stat[NR_ANON_PAGES] ? 1 : 0;
	} else if (p->mapping != ANON_MAPPING && p->_mapcount < 0) {
		km->stat[NR_FILE_MAPPED] -= km->stat[NR_FILE_MAPPED] ? 1 : 0;
	}
	/* free_swap_cache: an unmapped page whose slot no PTE refers to leaves the cache */
	if (PageSwapCache(p) && p->_mapcount < 0)
		try_to_free_swap(km, p);
	put_page(km, p);
}

static void page_add_rmap(struct mm_struct *mm, struct page *p, bool anon)
{
	struct kmem *km = mm_km(mm);
	if (anon && p->mapping != ANON_MAPPING) {
		p->mapping = ANON_MAPPING;
		km->stat[NR_ANON_PAGES]++;
	} else if (!anon && p->_mapcount < 0) {
		km->stat[NR_FILE_MAPPED]++;
	}
	p->_mapcount++;
	if (p->_mapcount == 1 && ++km->nr_mapped_shared > km->peak_shared_mapped)
		km->peak_shared_mapped = km->nr_mapped_shared;
	if (km->stat[NR_ANON_PAGES] > km->peak_anon_mapped)
		km->peak_anon_mapped = km->stat[NR_ANON_PAGES];
	if (km->stat[NR_FILE_MAPPED] > km->peak_file_mapped)
		km->peak_file_mapped = km->stat[NR_FILE_MAPPED];
	rss_add(mm, p, 1);
}

/* page_add_new_anon_rmap + lru_cache_add_inactive_or_unevictable: a page the fault made for
 * v at addr; its index is the linear page index rmap finds it by. */
static void page_add_new_anon_rmap(struct mm_struct *mm, struct page *p,
				   const struct vm_area_struct *v, uint32_t addr)
{
	p->index = v->vm_pgoff + ((addr - v->vm_start) >> PAGE_SHIFT);
	page_add_rmap(mm, p, true);
	lru_cache_add(mm_km(mm), p);
}

/* ---- unmapping ---- */

struct zap_ctx {
	struct mm_struct *mm;
	struct flush_range flush;
};

static int zap_pte(uint64_t *pte, uint32_t addr, void *data)
{
	struct zap_ctx *z = data;
	uint64_t old = *pte;
	*pte = 0;
	if (is_swap_pte(old)) {
		struct kmem *km = mm_km(z->mm);
		free_swap_and_cache(km, pte_to_swp_entry(old, km->params.pae));
		z->mm->swapents--;
		return 0;
	}
	if (upte_present(old)) {
		if ((old & PTE_D) && (old & PTE_RW)) {
			/* a shared file page written through this mapping */
			struct kmem *km = mm_km(z->mm);
			struct page *p = pfn_to_page(km, pte_pfn(old));
			if (p->mapping != ANON_MAPPING && p->mapping)
				filemap_set_dirty(p->mapping, p->index);
		}
		page_remove_rmap(z->mm, old);
		if (old & PTE_P)
			flush_add(&z->flush, addr);
	}
	return 0;
}

void zap_page_range(struct mm_struct *mm, uint32_t start, uint32_t end)
{
	if (!has_pgtables(mm) || start >= end)
		return;
	struct zap_ctx z = {mm, {0, 0}};
	apply_to_existing_page_range(mm_km(mm), mm->pgd, start, end, zap_pte, &z);
	flush_tlb_range(mm, &z.flush);
}

void unmap_page_range(struct mm_struct *mm, struct vm_area_struct *v, uint32_t start,
		      uint32_t end)
{
	(void)v;
	zap_page_range(mm, start, end);
}

void free_pgtables(struct mm_struct *mm, uint32_t start, uint32_t end, uint32_t floor,
		   uint32_t ceiling)
{
	if (has_pgtables(mm) && start < end)
		free_pgd_range(mm_km(mm), mm->pgd, start, end, floor, ceiling);
}

/* ---- mprotect ---- */

struct prot_ctx {
	struct mm_struct *mm;
	uint32_t vm_flags;
	struct flush_range flush;
};

static int prot_pte(uint64_t *pte, uint32_t addr, void *data)
{
	struct prot_ctx *c = data;
	uint64_t old = *pte;
	if (!upte_present(old))
		return 0;
	struct kmem *km = mm_km(c->mm);
	uint64_t pfn = pte_pfn(old);
	bool zero = is_zero_pfn(km, pfn);
	/* a private page may stay writable only when it is anonymous and ours alone; shared
	 * mappings keep write access only to pages already dirtied */
	bool keep_write = false;
	if ((c->vm_flags & VM_WRITE) && (old & PTE_RW) && !zero)
		keep_write = true;
	if ((c->vm_flags & VM_WRITE) && !(old & PTE_RW) && !zero && !(c->vm_flags & VM_SHARED)) {
		struct page *p = pfn_to_page(km, pfn);
		/* do_wp_page would reuse it: Linux makes such PTEs writable at once
		 * (MM_CP_TRY_CHANGE_WRITABLE for exclusive anonymous pages) */
		if (p->mapping == ANON_MAPPING && p->_mapcount == 0 && (old & PTE_D))
			keep_write = true;
	}
	uint64_t n = pfn_pte(pfn, pte_prot(c->mm, c->vm_flags, false));
	if (keep_write)
		n |= PTE_RW;
	n |= old & PTE_D;
	if (n != old) {
		*pte = n;
		if (old & PTE_P)
			flush_add(&c->flush, addr);
	}
	return 0;
}

void change_protection(struct mm_struct *mm, struct vm_area_struct *v, uint32_t start,
		       uint32_t end)
{
	if (!has_pgtables(mm))
		return;
	struct prot_ctx c = {mm, v->vm_flags, {0, 0}};
	apply_to_existing_page_range(mm_km(mm), mm->pgd, start, end, prot_pte, &c);
	flush_tlb_range(mm, &c.flush);
}

/* ---- fork ---- */

static int set_pte(struct mm_struct *mm, uint32_t addr, uint64_t pte);

struct copy_ctx {
	struct mm_struct *dst, *src;
	const struct vm_area_struct *v;
	struct flush_range flush;
	uint32_t *addr;
	uint64_t *pte;
	size_t n, cap;
	bool oom;
};

/* copy_present_pte for one source PTE: write-protects a private writable page in the parent
 * (the fork's COW), queues the child's PTE (old, write-protected likewise; clean when
 * shared) to be set once the walk of the parent's tables is over. */
static int copy_pte(uint64_t *pte, uint32_t addr, void *data)
{
	struct copy_ctx *c = data;
	uint64_t old = *pte;
	struct kmem *km = mm_km(c->src);
	bool swap = is_swap_pte(old);
	if (!upte_present(old) && !swap)
		return 0;
	uint64_t child = old & ~(uint64_t)PTE_A;
	bool cow = (c->v->vm_flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;
	if (cow && (old & PTE_RW) && !swap) {
		*pte = old & ~(uint64_t)PTE_RW;
		child &= ~(uint64_t)PTE_RW;
		if (old & PTE_P)
			flush_add(&c->flush, addr);
	}
	if ((c->v->vm_flags & VM_SHARED) && !swap)
		child &= ~(uint64_t)PTE_D;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		uint32_t *a = realloc(c->addr, cap * sizeof *a);
		if (a)
			c->addr = a;
		uint64_t *p = a ? realloc(c->pte, cap * sizeof *p) : NULL;
		if (!p) {
			c->oom = true;
			return 1;
		}
		c->pte = p;
		c->cap = cap;
	}
	if (swap) {
		/* copy_nonpresent_pte: the child refers to the same slot */
		if (swap_duplicate(km, pte_to_swp_entry(old, km->params.pae))) {
			c->oom = true;
			return 1;
		}
		c->dst->swapents++;
		c->addr[c->n] = addr;
		c->pte[c->n++] = old;
		return 0;
	}
	c->addr[c->n] = addr;
	c->pte[c->n++] = child;
	uint64_t pfn = pte_pfn(old);
	if (!is_zero_pfn(km, pfn)) {
		struct page *p = pfn_to_page(km, pfn);
		get_page(p);
		page_add_rmap(c->dst, p, p->mapping == ANON_MAPPING);
	}
	return 0;
}

/* copy_huge_pmd: the child maps the same huge page with its own huge PDE (old, write-
 * protected, a page table deposited with it), and the parent's PDE is write-protected: the
 * page stays huge in both until a write (do_huge_pmd_wp_page). */
static int copy_huge_pmd(struct copy_ctx *c, uint32_t haddr, uint64_t pmd)
{
	struct kmem *km = mm_km(c->src);
	unsigned nr = km->L.pmd_size >> PAGE_SHIFT;
	struct page *head = pfn_to_page(km, pte_pfn(pmd));
	uint64_t child = pmd & ~(uint64_t)(PTE_A | PTE_RW);
	for (unsigned i = 0; i < nr; i++) {
		get_page(head + i);
		page_add_rmap(c->dst, head + i, true);
	}
	if (pmd_set_huge(km, c->dst->pgd, haddr, child)) {
		for (unsigned i = 0; i < nr; i++)
			page_remove_rmap(c->dst, child + ((uint64_t)i << PAGE_SHIFT));
		return -ENOMEM;
	}
	if (pmd & PTE_RW) {
		pmd_set_access(km, c->src->pgd, haddr, pmd & ~(uint64_t)PTE_RW);
		flush_add(&c->flush, haddr); /* one INVLPG drops a large-page entry */
	}
	return 0;
}

int copy_page_range(struct mm_struct *dst, struct mm_struct *src, struct vm_area_struct *v)
{
	if (!has_pgtables(src) || !has_pgtables(dst))
		return 0;
	struct kmem *km = mm_km(src);
	if (v->kind == VMA_VVAR) {
		/* a PFN mapping is copied (vma_needs_copy): the child's own [vvar] frame */
		uint64_t pte = mm_pte(src, v->vm_start);
		if ((pte & PTE_P) && dst->vvar_pfn)
			return set_pte(dst, v->vm_start, pfn_pte(dst->vvar_pfn, pte & ~0x000FFFFFFFFFF000ull & ~(uint64_t)PTE_A));
		return 0;
	}
	/* vma_needs_copy: a VMA without anonymous pages is left to fault in the child (file
	 * pages come back from the page cache, [vdso] from its frames) */
	if (!v->anon_vma || v->kind != VMA_NORMAL)
		return 0;
	struct copy_ctx c = {.dst = dst, .src = src, .v = v};
	uint32_t span = km->L.pmd_size;
	int r = 0;
	/* copy_pmd_range: a huge PDE wholly inside the VMA is shared whole, the rest PTE by PTE */
	for (uint64_t a = v->vm_start; a < v->vm_end && !r && !c.oom;) {
		uint64_t next = (a & ~(uint64_t)(span - 1)) + span;
		uint64_t end = next < v->vm_end ? next : v->vm_end, pmd = 0;
		if (!(a & (span - 1)) && end == next && !pmd_get(km, src->pgd, (uint32_t)a, &pmd) &&
		    pmd_trans_huge(pmd))
			r = copy_huge_pmd(&c, (uint32_t)a, pmd);
		else
			apply_to_existing_page_range(km, src->pgd, (uint32_t)a, (uint32_t)end,
						     copy_pte, &c);
		a = end;
	}
	flush_tlb_range(src, &c.flush);
	if (c.oom)
		r = -ENOMEM;
	for (size_t i = 0; i < c.n; i++) {
		if (!r && set_pte(dst, c.addr[i], c.pte[i]) == 0)
			continue;
		/* no page table for it: the reference taken for the child goes back */
		r = -ENOMEM;
		if (is_swap_pte(c.pte[i])) {
			free_swap_and_cache(km, pte_to_swp_entry(c.pte[i], km->params.pae));
			dst->swapents--;
		} else if (!is_zero_pfn(km, pte_pfn(c.pte[i])))
			page_remove_rmap(dst, c.pte[i]);
	}
	free(c.addr);
	free(c.pte);
	return r;
}

/* ---- mremap ---- */

void move_page_tables(struct mm_struct *mm, uint32_t old_addr, uint32_t new_addr, uint32_t len)
{
	if (!has_pgtables(mm))
		return;
	struct kmem *km = mm_km(mm);
	struct flush_range f = {0, 0};
	for (uint32_t off = 0; off < len; off += PAGE_SIZE) {
		uint64_t pte = 0;
		if (pte_get(km, mm->pgd, old_addr + off, &pte) || !pte)
			continue;
		pte_clear(km, mm->pgd, old_addr + off);
		if (pte & PTE_P)
			flush_add(&f, old_addr + off);
		if (pte_set(km, mm->pgd, new_addr + off, pte)) {
			/* no frame for a page table: the page is lost as on an OOM kill */
			if (is_swap_pte(pte)) {
				free_swap_and_cache(km, pte_to_swp_entry(pte, km->params.pae));
				mm->swapents--;
			} else {
				page_remove_rmap(mm, pte);
			}
		}
	}
	flush_tlb_range(mm, &f);
}

/* ---- faults ---- */

static int set_pte(struct mm_struct *mm, uint32_t addr, uint64_t pte)
{
	return pte_set(mm_km(mm), mm->pgd, addr & PAGE_MASK, pte);
}

/* A zeroed user page. clear_highpage and copy_highpage tell physmem the frame changed, so
 * their callers need not. */
static struct page *alloc_user_page(struct mm_struct *mm)
{
	return alloc_page(mm_km(mm), GFP_HIGHUSER_MOVABLE | __GFP_ZERO);
}

enum fault_result { VMF_OK, VMF_MAJOR, VMF_OOM, VMF_SIGBUS, VMF_SIGSEGV };

/* do_anonymous_page */
static enum fault_result do_anonymous_page(struct task *t, struct vm_area_struct *v,
					   uint32_t addr, bool write)
{
	struct mm_struct *mm = t->mm;
	struct kmem *km = mm_km(mm);
	if (!write && km->zero_page) {
		uint64_t pte = pfn_pte(page_to_pfn(km, km->zero_page), pte_prot(mm, v->vm_flags, false));
		if (set_pte(mm, addr, pte))
			return VMF_OOM;
		COUNT(t->ctr, fault_zero_page);
		return VMF_OK;
	}
	anon_vma_prepare(mm, v);
	struct page *p = alloc_user_page(mm);
	if (!p)
		return VMF_OOM;
	uint64_t pte = pfn_pte(page_to_pfn(km, p), pte_prot(mm, v->vm_flags, write));
	if (set_pte(mm, addr, pte)) {
		put_page(km, p);
		return VMF_OOM;
	}
	page_add_new_anon_rmap(mm, p, v, addr);
	COUNT(t->ctr, fault_demand_zero);
	return VMF_OK;
}

static uint32_t linear_page_index(const struct vm_area_struct *v, uint32_t addr)
{
	return v->vm_pgoff + ((addr - v->vm_start) >> PAGE_SHIFT);
}

/* The number of pages the mapped file has (its size rounded up), asked of the host once
 * per fault, as filemap_map_pages reads i_size once for the whole window. */
static uint64_t file_pages(const struct vm_area_struct *v)
{
	return (vm_file_size(v->vm_file) + PAGE_SIZE - 1) / PAGE_SIZE;
}

static bool beyond_eof(const struct vm_area_struct *v, uint32_t index)
{
	return (uint64_t)index >= file_pages(v);
}

/* do_fault_around / filemap_map_pages: maps the cached pages of a window around addr,
 * read-only, without I/O, none at or past page eof (the file's size in pages). Returns
 * whether addr itself got mapped. */
static bool do_fault_around(struct task *t, struct vm_area_struct *v, uint32_t addr, uint64_t eof)
{
	struct mm_struct *mm = t->mm;
	struct kmem *km = mm_km(mm);
	uint32_t bytes = mm->cfg.fault_around_bytes;
	if (bytes >> PAGE_SHIFT <= 1)
		return false;
	uint32_t nr = bytes >> PAGE_SHIFT;
	uint32_t ptrs = km->L.pmd_size >> PAGE_SHIFT; /* PTEs per page table */
	uint32_t start = addr & ~(bytes - 1) & PAGE_MASK;
	if (start < v->vm_start)
		start = v->vm_start;
	/* never past the page table that holds addr, the VMA, or the window */
	uint64_t table_end = ((uint64_t)(start >> PAGE_SHIFT) / ptrs + 1) * ptrs << PAGE_SHIFT;
	uint64_t end = (uint64_t)start + (uint64_t)nr * PAGE_SIZE;
	if (end > table_end)
		end = table_end;
	if (end > v->vm_end)
		end = v->vm_end;
	struct address_space *as = v->vm_file->mapping;
	bool hit = false;
	for (uint64_t a = start; a < end; a += PAGE_SIZE) {
		uint32_t idx = linear_page_index(v, (uint32_t)a);
		if (idx >= eof)
			break;
		uint64_t pfn = find_get_page(as, idx);
		if (!pfn)
			continue;
		uint64_t old = 0;
		if (pte_get(km, mm->pgd, (uint32_t)a, &old) || old)
			continue;
		/* the mapping's reference, taken first: a page table allocated for the PTE may
		 * make reclaim look for pages to drop */
		struct page *p = pfn_to_page(km, pfn);
		get_page(p);
		if (set_pte(mm, (uint32_t)a, pfn_pte(pfn, pte_prot(mm, v->vm_flags, false)))) {
			put_page(km, p);
			break;
		}
		page_add_rmap(mm, p, false);
		if ((v->vm_flags & (VM_SHARED | VM_WRITE)) == (VM_SHARED | VM_WRITE))
			filemap_set_dirty(as, idx);
		if ((uint32_t)a == (addr & PAGE_MASK))
			hit = true;
	}
	return hit;
}

/* filemap_fault: the cache page of index, read from the host when absent. */
static enum fault_result file_page(struct task *t, struct vm_area_struct *v, uint32_t idx,
				   struct page **out)
{
	struct kmem *km = mm_km(t->mm);
	struct address_space *as = v->vm_file->mapping;
	enum fault_result r = VMF_OK;
	uint64_t pfn = find_get_page(as, idx);
	if (!pfn) {
		int err = 0;
		/* a shmem page is new (zero-filled, a minor fault) or read back from swap
		 * (shmem.c: major unless the swap cache still had it) */
		bool major = true;
		if (vm_file_is_shmem(v->vm_file))
			pfn = shmem_get_page(t, as, idx, &major, &err);
		else
			pfn = filemap_read_page(t, as, idx, &err);
		if (!pfn)
			return err == -EIO ? VMF_SIGBUS : VMF_OOM;
		if (major)
			r = VMF_MAJOR;
	}
	*out = pfn_to_page(km, pfn);
	return r;
}

static enum fault_result do_file_fault(struct task *t, struct vm_area_struct *v, uint32_t addr,
				       bool write)
{
	struct mm_struct *mm = t->mm;
	struct kmem *km = mm_km(mm);
	uint32_t idx = linear_page_index(v, addr);
	uint64_t eof = file_pages(v);
	if (idx >= eof)
		return VMF_SIGBUS;
	if (!write && do_fault_around(t, v, addr, eof)) {
		COUNT(t->ctr, fault_file);
		return VMF_OK;
	}
	struct page *p;
	enum fault_result r = file_page(t, v, idx, &p);
	if (r != VMF_OK && r != VMF_MAJOR)
		return r;
	if (write && !(v->vm_flags & VM_SHARED)) {
		/* do_cow_fault */
		anon_vma_prepare(mm, v);
		get_page(p); /* held across the allocation, which may reclaim */
		struct page *n = alloc_page(km, GFP_HIGHUSER_MOVABLE);
		if (n)
			copy_highpage(km, n, p);
		put_page(km, p);
		if (!n)
			return VMF_OOM;
		if (set_pte(mm, addr, pfn_pte(page_to_pfn(km, n), pte_prot(mm, v->vm_flags, true)))) {
			put_page(km, n);
			return VMF_OOM;
		}
		page_add_new_anon_rmap(mm, n, v, addr);
		COUNT(t->ctr, fault_cow);
		return r;
	}
	/* do_read_fault, do_shared_fault */
	bool w = write && (v->vm_flags & VM_SHARED);
	get_page(p); /* the mapping's reference, held across the page-table allocation */
	if (set_pte(mm, addr, pfn_pte(page_to_pfn(km, p), pte_prot(mm, v->vm_flags, w)))) {
		put_page(km, p);
		return VMF_OOM;
	}
	page_add_rmap(mm, p, false);
	if (w || (v->vm_flags & (VM_SHARED | VM_WRITE)) == (VM_SHARED | VM_WRITE))
		filemap_set_dirty(p->mapping, p->index);
	COUNT(t->ctr, fault_file);
	return r;
}

/* do_wp_page: a write to a present, read-only PTE of a writable VMA. */
static enum fault_result do_wp_page(struct task *t, struct vm_area_struct *v, uint32_t addr,
				    uint64_t pte)
{
	struct mm_struct *mm = t->mm;
	struct kmem *km = mm_km(mm);
	uint64_t pfn = pte_pfn(pte);
	bool zero = is_zero_pfn(km, pfn);
	struct page *old = zero ? NULL : pfn_to_page(km, pfn);
	if (old && (v->vm_flags & VM_SHARED)) {
		/* wp_page_shared: the first write to a shared page dirties it */
		set_pte(mm, addr, pte | PTE_RW | PTE_D | PTE_A);
		if (old->mapping && old->mapping != ANON_MAPPING)
			filemap_set_dirty(old->mapping, old->index);
		COUNT(t->ctr, fault_wp_reuse);
		return VMF_OK;
	}
	/* wp_can_reuse_anon_folio: a swap-cache page we alone map gives its slot up first */
	if (old && old->mapping == ANON_MAPPING && old->_mapcount == 0 && PageSwapCache(old) &&
	    old->_refcount == 2)
		try_to_free_swap(km, old);
	if (old && old->mapping == ANON_MAPPING && old->_mapcount == 0 && old->_refcount == 1) {
		/* the only mapper: reuse the page */
		set_pte(mm, addr, pte | PTE_RW | PTE_D | PTE_A);
		COUNT(t->ctr, fault_wp_reuse);
		return VMF_OK;
	}
	/* wp_page_copy */
	anon_vma_prepare(mm, v);
	if (old)
		get_page(old); /* held across the allocation, which may reclaim */
	struct page *n = zero ? alloc_user_page(mm) : alloc_page(km, GFP_HIGHUSER_MOVABLE);
	if (n && !zero)
		copy_highpage(km, n, old);
	if (old)
		put_page(km, old);
	if (!n)
		return VMF_OOM;
	uint64_t np = pfn_pte(page_to_pfn(km, n), pte_prot(mm, v->vm_flags, true));
	pte_clear(km, mm->pgd, addr & PAGE_MASK);
	flush_tlb_page(mm, addr & PAGE_MASK);
	if (set_pte(mm, addr, np)) {
		put_page(km, n);
		if (!zero)
			page_remove_rmap(mm, pte);
		return VMF_OOM;
	}
	page_add_new_anon_rmap(mm, n, v, addr);
	if (!zero)
		page_remove_rmap(mm, pte);
	COUNT(t->ctr, fault_cow);
	return VMF_OK;
}

int vdso_setup_pages(struct task *t, struct mm_struct *mm)
{
	struct kmem *km = t->km;
	for (unsigned i = 0; i <= VDSO_PAGES; i++) {
		struct page *p = alloc_page(km, GFP_KERNEL | __GFP_ZERO);
		if (!p)
			return -ENOMEM;
		uint64_t pfn = page_to_pfn(km, p);
		if (i < VDSO_PAGES)
			mm->vdso_pfn[i] = pfn;
		else
			mm->vvar_pfn = pfn;
	}
	static uint8_t img[VDSO_PAGES * PAGE_SIZE];
	vdso_build_image(img, sizeof img);
	for (unsigned i = 0; i < VDSO_PAGES; i++)
		physmem_write_buf(km->pm, mm->vdso_pfn[i] << PAGE_SHIFT, img + i * PAGE_SIZE,
				  PAGE_SIZE);
	vdso_init_data(km->pm, mm->vvar_pfn << PAGE_SHIFT);
	mm->vvar_mono_offset_ns = 0;
	return 0;
}

/* Special mappings fault in their own frames: [vdso] its two pages, [vvar] its first page
 * (the other three hold the HPET and pvclock pages, absent here: SIGBUS as on Linux). */
static enum fault_result special_fault(struct task *t, struct vm_area_struct *v, uint32_t addr)
{
	struct mm_struct *mm = t->mm;
	uint32_t idx = (addr - v->vm_start) >> PAGE_SHIFT;
	uint64_t pfn = v->kind == VMA_VDSO ? (idx < VDSO_PAGES ? mm->vdso_pfn[idx] : 0)
					   : (idx == 0 ? mm->vvar_pfn : 0);
	if (!pfn)
		return VMF_SIGBUS;
	if (set_pte(mm, addr, pfn_pte(pfn, pte_prot(mm, v->vm_flags, false))))
		return VMF_OOM;
	COUNT(t->ctr, fault_special);
	return VMF_OK;
}

/* do_swap_page: a fault on a swap entry. The page comes from the swap cache (a minor fault)
 * or is read from its slot, with readahead around it, into a new page that joins the cache
 * (a major fault). It is
 * mapped writable at once only for a write by its sole user (the slot had no other
 * reference and no one else maps the page): a page a fork shared stays shared, read-only,
 * and copy-on-write. The slot is given up when swap is more than half full, the VMA is
 * mlocked, or a write made the page ours alone (should_try_to_free_swap). */
static enum fault_result swapin_pte(struct task *t, struct mm_struct *mm,
				    struct vm_area_struct *v, uint32_t addr, bool write, uint64_t pte)
{
	struct kmem *km = mm_km(mm);
	swp_entry_t e = pte_to_swp_entry(pte, km->params.pae);
	enum fault_result r = VMF_OK;
	struct page *p = lookup_swap_cache(km, e);
	if (p) {
		swap_cache_hit(km, p);
		get_page(p);
		mark_page_accessed(km, p);
	} else {
		int err;
		p = swapin_readahead(km, e, &err);
		if (!p)
			return err == -ENOMEM ? VMF_OOM : VMF_SIGBUS;
		r = VMF_MAJOR;
	}
	bool exclusive = swap_count(km, e) == 1 && p->_mapcount < 0;
	bool writable = write && exclusive;
	uint64_t n = pfn_pte(page_to_pfn(km, p), pte_prot(mm, v->vm_flags, writable));
	if (set_pte(mm, addr, n)) {
		put_page(km, p);
		return VMF_OOM;
	}
	mm->swapents--;
	if (ktrace_mm_on(km, TRACE_SWAP))
		ktrace_swap_in(km, t, p, e, addr, r == VMF_MAJOR);
	page_add_new_anon_rmap(mm, p, v, addr);
	swap_free(km, e);
	if (PageSwapCache(p) && (vm_swap_full(km) || (v->vm_flags & VM_LOCKED) ||
				 (writable && p->_refcount == 2)))
		try_to_free_swap(km, p);
	return r;
}

static enum fault_result do_swap_page(struct task *t, struct vm_area_struct *v, uint32_t addr,
				      bool write, uint64_t pte)
{
	struct kmem *km = mm_km(t->mm);
	swp_entry_t e = pte_to_swp_entry(pte, km->params.pae);
	if (!swp_swap_info(km, e) || !swap_count(km, e))
		return VMF_SIGBUS; /* a bad swap entry: Linux reports it and sends SIGBUS */
	COUNT(t->ctr, fault_swapin);
	return swapin_pte(t, t->mm, v, addr, write, pte);
}

/* ---- swapoff's unuse_mm (mm/swapfile.c) ---- */

struct unuse_ctx {
	bool pae;
	unsigned type;
	uint32_t *addr;
	size_t n, cap;
	bool nomem;
};

static int unuse_collect(uint64_t *pte, uint32_t addr, void *data)
{
	struct unuse_ctx *c = data;
	if (!is_swap_pte(*pte) || swp_type(pte_to_swp_entry(*pte, c->pae)) != c->type)
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		uint32_t *a = realloc(c->addr, cap * sizeof *a);
		if (!a) {
			c->nomem = true;
			return 1;
		}
		c->addr = a;
		c->cap = cap;
	}
	c->addr[c->n++] = addr;
	return 0;
}

int unuse_mm(struct mm_struct *mm, unsigned type)
{
	struct kmem *km = mm_km(mm);
	int err = 0;
	for (struct vm_area_struct *v = vma_first(mm); v && !err; v = vma_next(mm, v)) {
		/* the addresses first: swapping in allocates, and reclaim may rewrite PTEs */
		struct unuse_ctx c = {.pae = km->params.pae, .type = type};
		apply_to_existing_page_range(km, mm->pgd, v->vm_start, v->vm_end, unuse_collect, &c);
		if (c.nomem)
			err = -ENOMEM;
		for (size_t i = 0; i < c.n && !err; i++) {
			uint64_t pte = 0;
			if (pte_get(km, mm->pgd, c.addr[i], &pte) || !is_swap_pte(pte))
				continue;
			swp_entry_t e = pte_to_swp_entry(pte, km->params.pae);
			if (swp_type(e) != type || !swap_count(km, e))
				continue;
			/* unuse_pte: mapped as a read fault would map it (read-only unless the
			 * VMA's protection says otherwise for a page not shared) */
			enum fault_result r = swapin_pte(NULL, mm, v, c.addr[i], false, pte);
			if (r == VMF_OOM)
				err = -ENOMEM;
			else if (r == VMF_SIGBUS)
				err = -EIO;
			uint64_t now = 0;
			if (!err && !pte_get(km, mm->pgd, c.addr[i], &now) && upte_present(now)) {
				struct page *p = pfn_to_page(km, pte_pfn(now));
				if (p && PageSwapCache(p))
					try_to_free_swap(km, p);
			}
		}
		free(c.addr);
	}
	return err;
}

/* ---- transparent huge pages (mm/huge_memory.c) ---- */

/* hugepage_vma_check + transhuge_vma_suitable for an anonymous fault: THP on for the VMA
 * and the aligned huge page around addr entirely inside it. */
const char *thp_mode_name(enum thp_mode m)
{
	return m == THP_NEVER ? "never" : m == THP_MADVISE ? "madvise" : "always";
}

int thp_mode_parse(const char *s, enum thp_mode *m)
{
	for (enum thp_mode i = THP_ALWAYS; i <= THP_NEVER; i++) {
		if (!strcmp(s, thp_mode_name(i))) {
			*m = i;
			return 0;
		}
	}
	return -1;
}

enum thp_mode thp_boot_mode(const struct kmem *km)
{
	return km->totalram_pages < (512ull << (20 - PAGE_SHIFT)) ? THP_NEVER : THP_ALWAYS;
}

bool thp_vma_allowed(const struct mm_struct *mm, const struct vm_area_struct *v)
{
	if (v->kind != VMA_NORMAL || v->vm_file || (v->vm_flags & VM_SHARED) ||
	    (v->vm_flags & VM_NOHUGEPAGE))
		return false;
	return mm->cfg.thp == THP_ALWAYS ||
	       (mm->cfg.thp == THP_MADVISE && (v->vm_flags & VM_HUGEPAGE));
}

static bool thp_vma_suitable(struct mm_struct *mm, const struct vm_area_struct *v, uint32_t addr)
{
	if (!thp_vma_allowed(mm, v))
		return false;
	uint32_t span = mm_km(mm)->L.pmd_size;
	uint64_t haddr = addr & ~(span - 1);
	return haddr >= v->vm_start && haddr + span <= v->vm_end;
}

/* do_huge_pmd_anonymous_page for a write fault over an empty PDE: one zeroed huge page
 * mapped by a PS PDE. The block is handed out as order-0 pages (each its own refcount and
 * mapcount, as split_page leaves them) so that a later split of the mapping frees them one
 * by one, and the buddy allocator merges them back when all are gone. VMF_SIGSEGV here
 * means "fall back to 4 KB pages". */
static enum fault_result do_huge_pmd_anonymous_page(struct task *t, struct vm_area_struct *v,
						    uint32_t addr)
{
	struct mm_struct *mm = t->mm;
	struct kmem *km = mm_km(mm);
	uint32_t span = km->L.pmd_size;
	unsigned nr = span >> PAGE_SHIFT, order = km->params.pae ? 9 : 10;
	int saved_err = km->last_error;
	const char *saved_msg = km->last_error_msg;
	/* GFP_TRANSHUGE_LIGHT: neither direct reclaim nor kswapd for a huge page */
	struct page *p = alloc_pages(km, GFP_HIGHUSER_MOVABLE & ~__GFP_RECLAIM, order);
	if (!p) {
		/* no free huge block: not an error, the fault takes a 4 KB page */
		km->last_error = saved_err;
		km->last_error_msg = saved_msg;
		COUNT(t->ctr, thp_fault_fallback);
		return VMF_SIGSEGV;
	}
	anon_vma_prepare(mm, v);
	p->compound_mapcount = 0; /* pmd_set_huge counts the PDE */
	for (unsigned i = 0; i < nr; i++) {
		p[i]._refcount = 1;
		clear_highpage(km, p + i);
	}
	uint64_t pmd = pfn_pte(page_to_pfn(km, p), pte_prot(mm, v->vm_flags, true)) | PTE_PS;
	if (pmd_set_huge(km, mm->pgd, addr & ~(span - 1), pmd)) {
		for (unsigned i = 0; i < nr; i++)
			put_page(km, p + i);
		COUNT(t->ctr, thp_fault_fallback);
		return VMF_SIGSEGV;
	}
	for (unsigned i = 0; i < nr; i++)
		page_add_new_anon_rmap(mm, p + i, v, (addr & ~(span - 1)) + (i << PAGE_SHIFT));
	COUNT(t->ctr, thp_fault_alloc);
	return VMF_OK;
}

/* do_huge_pmd_wp_page: a write to a write-protected huge PDE (after fork). The page is taken
 * back whole when this PDE is its only user (each of its frames mapped once and referenced
 * once: Linux's page_count of the head is 1); otherwise the PDE is split and the fault goes
 * on as a 4 KB one, which copies the written page (VMF_SIGSEGV here: "fall back"). */
static enum fault_result do_huge_pmd_wp_page(struct task *t, uint32_t addr, uint64_t pmd)
{
	struct mm_struct *mm = t->mm;
	struct kmem *km = mm_km(mm);
	uint32_t span = km->L.pmd_size, haddr = addr & ~(span - 1);
	struct page *head = pfn_to_page(km, pte_pfn(pmd));
	bool exclusive = true;
	for (unsigned i = 0; i < span >> PAGE_SHIFT && exclusive; i++) {
		const struct page *p = head + i;
		exclusive = p->mapping == ANON_MAPPING && p->_mapcount == 0 && p->_refcount == 1 &&
			    !PageSwapCache(p);
	}
	if (exclusive && !pmd_set_access(km, mm->pgd, haddr, pmd | PTE_RW | PTE_D | PTE_A)) {
		COUNT(t->ctr, fault_wp_reuse);
		return VMF_OK;
	}
	split_huge_pmd(km, mm->pgd, haddr);
	return VMF_SIGSEGV;
}

/* handle_mm_fault for an address inside v whose access is allowed. */
static enum fault_result handle_mm_fault(struct task *t, struct vm_area_struct *v,
					 uint32_t addr, bool write)
{
	struct mm_struct *mm = t->mm;
	uint64_t pte = 0, pmd = 0;
	/* __handle_mm_fault: an empty PDE over a THP-suitable range takes a huge page (read
	 * faults keep the 4 KB zero page here, see docs/run.md) */
	if (write && !pmd_get(mm_km(mm), mm->pgd, addr, &pmd)) {
		enum fault_result r = VMF_SIGSEGV;
		if (!pmd && thp_vma_suitable(mm, v, addr))
			r = do_huge_pmd_anonymous_page(t, v, addr);
		else if (pmd_trans_huge(pmd) && !(pmd & PTE_RW))
			r = do_huge_pmd_wp_page(t, addr, pmd);
		if (r != VMF_SIGSEGV)
			return r;
	}
	if (pte_get(mm_km(mm), mm->pgd, addr & PAGE_MASK, &pte))
		return VMF_SIGSEGV;
	if (is_swap_pte(pte))
		return do_swap_page(t, v, addr, write, pte);
	if (!upte_present(pte)) {
		if (v->kind != VMA_NORMAL)
			return special_fault(t, v, addr);
		if (v->vm_file)
			return do_file_fault(t, v, addr, write);
		return do_anonymous_page(t, v, addr, write);
	}
	if (!(pte & PTE_P)) {
		/* a PROT_NONE PTE in an accessible VMA cannot happen: mprotect rewrote it */
		set_pte(mm, addr, pfn_pte(pte_pfn(pte), pte_prot(mm, v->vm_flags, false)));
		COUNT(t->ctr, fault_spurious);
		return VMF_OK;
	}
	if (write && !(pte & PTE_RW))
		return do_wp_page(t, v, addr, pte);
	/* spurious: the PTE already allows the access (flush_tlb_fix_spurious_fault) */
	if (write)
		flush_tlb_page(mm, addr & PAGE_MASK);
	COUNT(t->ctr, fault_spurious);
	return VMF_OK;
}

static bool access_error(uint32_t err, const struct vm_area_struct *v)
{
	if (err & PF_W)
		return !(v->vm_flags & VM_WRITE);
	if (err & PF_P)
		return true;
	return !(v->vm_flags & VM_ACCESS_FLAGS);
}

static void fault_signal(struct fault_outcome *out, int sig, int code, uint32_t addr)
{
	out->sig = sig;
	out->si_code = code;
	out->addr = addr;
}

static void __do_user_addr_fault(struct task *t, uint32_t addr, uint32_t err,
				 struct fault_outcome *out);

void do_user_addr_fault(struct task *t, uint32_t addr, uint32_t err, struct fault_outcome *out)
{
	if (!ktrace_on(t, TRACE_FAULT)) {
		__do_user_addr_fault(t, addr, err, out);
		return;
	}
	uint64_t before[KTRACE_FAULT_KINDS];
	ktrace_fault_snapshot(t, before);
	__do_user_addr_fault(t, addr, err, out);
	ktrace_fault(t, addr, err, out, before);
}

static void __do_user_addr_fault(struct task *t, uint32_t addr, uint32_t err,
				 struct fault_outcome *out)
{
	memset(out, 0, sizeof *out);
	if (t->km && t->km->reclaim) /* the program ran up to here: a new step for reclaim */
		t->km->reclaim->epoch++;
	struct mm_struct *mm = t->mm;
	if (!mm || !has_pgtables(mm) || addr >= mm->task_size || (err & PF_RSVD)) {
		fault_signal(out, SIGSEGV, SEGV_MAPERR, addr);
		return;
	}
	struct vm_area_struct *v = find_vma(mm, addr);
	if (!v) {
		fault_signal(out, SIGSEGV, SEGV_MAPERR, addr);
		return;
	}
	if (v->vm_start > addr) {
		if (!(v->vm_flags & VM_GROWSDOWN) || expand_stack(mm, v, addr)) {
			fault_signal(out, SIGSEGV, SEGV_MAPERR, addr);
			return;
		}
		COUNT(t->ctr, fault_stack_growth);
	}
	if (access_error(err, v)) {
		fault_signal(out, SIGSEGV, SEGV_ACCERR, addr);
		return;
	}
	enum fault_result r = handle_mm_fault(t, v, addr, err & PF_W);
	/* pagefault_out_of_memory: the OOM killer frees another process's memory and the fault
	 * is tried again; when this process is the one chosen, it dies */
	for (int tries = 0; r == VMF_OOM && tries < 8; tries++) {
		struct task *victim = out_of_memory(t, stderr);
		if (!victim || victim == t)
			break;
		v = vma_lookup(mm, addr);
		if (!v)
			break;
		r = handle_mm_fault(t, v, addr, err & PF_W);
	}
	switch (r) {
	case VMF_OK:
	case VMF_MAJOR:
		out->major = r == VMF_MAJOR;
		if (out->major) {
			t->maj_flt++;
			COUNT(t->ctr, fault_major);
		} else {
			t->min_flt++;
			COUNT(t->ctr, fault_minor);
		}
		return;
	case VMF_SIGBUS:
		fault_signal(out, SIGBUS, BUS_ADRERR, addr);
		return;
	case VMF_OOM:
		/* pagefault_out_of_memory: the OOM killer picks this, the only process */
		fault_signal(out, SIGKILL, SI_KERNEL, addr);
		return;
	case VMF_SIGSEGV:
		fault_signal(out, SIGSEGV, SEGV_MAPERR, addr);
		return;
	}
}

/* ---- populate, mincore ---- */

void populate_range(struct mm_struct *mm, uint32_t start, uint32_t end)
{
	struct task *t = mm->owner;
	if (!has_pgtables(mm) || !t)
		return;
	for (uint32_t a = start; a < end && a >= start; a += PAGE_SIZE) {
		struct vm_area_struct *v = vma_lookup(mm, a);
		if (!v || !(v->vm_flags & VM_ACCESS_FLAGS) || (v->vm_flags & VM_LOCKONFAULT))
			continue;
		bool write = (v->vm_flags & (VM_WRITE | VM_SHARED)) == VM_WRITE;
		uint64_t pte = mm_pte(mm, a);
		if ((pte & PTE_P) && (!write || (pte & PTE_RW)))
			continue;
		struct fault_outcome out;
		do_user_addr_fault(t, a, write ? PF_W | ((pte & PTE_P) ? PF_P : 0) : 0, &out);
		if (out.sig)
			return;
	}
}

int mincore_page(struct mm_struct *mm, uint32_t addr)
{
	uint64_t pte = mm_pte(mm, addr);
	if (upte_present(pte))
		return 1;
	if (is_swap_pte(pte)) {
		/* mincore_swap: resident while the swap cache holds it */
		struct kmem *km = mm_km(mm);
		return lookup_swap_cache(km, pte_to_swp_entry(pte, km->params.pae)) ? 1 : 0;
	}
	struct vm_area_struct *v = vma_lookup(mm, addr);
	if (v && v->vm_file && !beyond_eof(v, linear_page_index(v, addr))) {
		if (vm_file_is_shmem(v->vm_file)) /* a swapped page counts while swap-cached */
			return shmem_incore(mm_km(mm), v->vm_file->mapping, linear_page_index(v, addr));
		return find_get_page(v->vm_file->mapping, linear_page_index(v, addr)) ? 1 : 0;
	}
	return 0;
}
