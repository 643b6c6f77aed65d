/*
 * Reverse mapping (mm/rmap.c): from a page to every PTE that maps it.
 *
 * Linux reaches an anonymous page's mappings through its anon_vma chain and a file page's
 * through the address_space's interval tree of VMAs; in both cases the address in a VMA is
 * vma->vm_start + (page->index - vma->vm_pgoff) pages. vmlab keeps the same arithmetic
 * (an anonymous page's index is its linear page index, kept across fork and mremap because
 * vm_pgoff is) and searches every address space on the mmlist for the VMAs that could map
 * the page (anonymous VMAs for anonymous pages, the VMAs of the file for file pages); a PTE
 * is a mapping when it holds the page's frame. The number found must equal the page's
 * mapcount, else the page is left alone.
 */
#include "kernel/mm/swap.h"
#include "kernel/mm/ktrace_mm.h"
#include "kernel/mm/filemap.h"
#include "kernel/mm/memory.h"
#include "kernel/mm/mmap.h"
#include "kernel/mm/pgtable.h"

#include <errno.h>
#include <stdlib.h>

const char anon_mapping_mark;

void mmlist_add(struct kmem *km, struct mm_struct *mm)
{
	struct vm_reclaim *r = km->reclaim;
	if (!r)
		return;
	if (r->nr_mm == r->cap_mm) {
		size_t cap = r->cap_mm ? r->cap_mm * 2 : 16;
		struct mm_struct **n = realloc(r->mmlist, cap * sizeof *n);
		if (!n)
			return; /* its pages are then never found: never reclaimed */
		r->mmlist = n;
		r->cap_mm = cap;
	}
	r->mmlist[r->nr_mm++] = mm;
}

void mmlist_del(struct kmem *km, struct mm_struct *mm)
{
	struct vm_reclaim *r = km->reclaim;
	for (size_t i = 0; r && i < r->nr_mm; i++) {
		if (r->mmlist[i] == mm) {
			for (size_t j = i + 1; j < r->nr_mm; j++)
				r->mmlist[j - 1] = r->mmlist[j];
			r->nr_mm--;
			return;
		}
	}
}

static bool vma_may_map(const struct page *p, const struct vm_area_struct *v)
{
	if (v->kind != VMA_NORMAL)
		return false;
	if (PageAnon(p))
		return v->anon_vma != 0;
	return v->vm_file && v->vm_file->mapping == p->mapping;
}

size_t rmap_walk(struct kmem *km, struct page *p, struct rmap_hit *hits, size_t max)
{
	struct vm_reclaim *r = km->reclaim;
	if (!r || !p->mapping || p->_mapcount < 0)
		return 0;
	uint64_t pfn = page_to_pfn(km, p);
	size_t n = 0, want = (size_t)p->_mapcount + 1;
	for (size_t i = 0; i < r->nr_mm && n < max && n < want; i++) {
		struct mm_struct *mm = r->mmlist[i];
		if (!mm->pgd)
			continue;
		for (struct vm_area_struct *v = vma_first(mm); v && n < max; v = vma_next(mm, v)) {
			if (!vma_may_map(p, v) || p->index < v->vm_pgoff)
				continue;
			uint32_t pg = p->index - v->vm_pgoff;
			if (pg >= (v->vm_end - v->vm_start) >> PAGE_SHIFT)
				continue;
			uint32_t addr = v->vm_start + (pg << PAGE_SHIFT);
			uint64_t pte = 0;
			if (pte_get(km, mm->pgd, addr, &pte) || !upte_present(pte) ||
			    pte_pfn(pte) != pfn)
				continue;
			hits[n++] = (struct rmap_hit){mm, v, addr, pte};
		}
	}
	return n;
}

void rmap_flush_page(struct kmem *km, struct mm_struct *mm, uint32_t addr)
{
	/* another address space's translations left the TLB when CR3 was loaded */
	if (km->mmu && km->mmu->regs.cr3 == (uint32_t)mm->pgd)
		mmu_invlpg(km->mmu, addr);
}

#define RMAP_MAX 64 /* more mappers than this: the page is treated as not reclaimable */

int page_referenced(struct kmem *km, struct page *p, uint32_t *vm_flags)
{
	struct rmap_hit h[RMAP_MAX];
	size_t n = rmap_walk(km, p, h, RMAP_MAX);
	int refs = 0;
	*vm_flags = 0;
	for (size_t i = 0; i < n; i++) {
		*vm_flags |= h[i].vma->vm_flags;
		if (!(h[i].pte & PTE_A))
			continue;
		refs++;
		/* ptep_clear_flush_young: the next access walks the tables again and sets A */
		pte_set(km, h[i].mm->pgd, h[i].addr, h[i].pte & ~(uint64_t)PTE_A);
		rmap_flush_page(km, h[i].mm, h[i].addr);
	}
	return refs;
}

int try_to_unmap(struct kmem *km, struct page *p)
{
	struct rmap_hit h[RMAP_MAX];
	size_t n = rmap_walk(km, p, h, RMAP_MAX);
	for (size_t i = 0; i < n; i++)
		if (h[i].vma->vm_flags & VM_LOCKED)
			return -EPERM;
	if (n != (size_t)p->_mapcount + 1)
		return -EBUSY;
	bool anon = PageAnon(p);
	swp_entry_t e = {p->private};
	if (!n)
		return 0;
	if (anon && (!PageSwapCache(p) || n > SWAP_MAP_MAX - swap_count(km, e)))
		return -EBUSY;
	if (n >= 2)
		km->nr_mapped_shared--;
	for (size_t i = 0; i < n; i++) {
		struct mm_struct *mm = h[i].mm;
		uint64_t pte = h[i].pte;
		if (pte & PTE_D)
			SetPageFlag(p, PG_dirty);
		if (anon) {
			if (ktrace_mm_on(km, TRACE_SWAP))
				ktrace_swap_unmap(km, p, e, &h[i]);
			swap_duplicate(km, e);
			pte_set(km, mm->pgd, h[i].addr, swp_entry_to_pte(e, km->params.pae));
			mm->rss_anon--;
			mm->swapents++;
		} else {
			if ((pte & PTE_D) && (pte & PTE_RW))
				filemap_set_dirty(p->mapping, p->index);
			pte_clear(km, mm->pgd, h[i].addr);
			if (PageSwapBacked(p))
				mm->rss_shmem--;
			else
				mm->rss_file--;
		}
		rmap_flush_page(km, mm, h[i].addr);
		p->_mapcount--;
		put_page(km, p);
	}
	/* page_remove_rmap's bookkeeping once the last mapping is gone */
	if (anon) {
		p->mapping = NULL;
		km->stat[NR_ANON_PAGES]--;
	} else {
		km->stat[NR_FILE_MAPPED]--;
	}
	return 0;
}
