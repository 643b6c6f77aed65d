/*
 * High memory (mm/highmem.c): persistent kmaps in the pkmap window, refcounted, with unused
 * slots reclaimed in one batch (and one global TLB flush) when the search wraps; and
 * kmap_local (kmap_atomic) through the per-CPU fixmap slots, strictly stack-ordered.
 *
 * Where Linux would sleep (every pkmap slot held, waiting for another task's kunmap), vmlab
 * has nobody else to run: kmap returns 0, km->last_error is -EBUSY and the kmap_exhausted
 * counter says so. Nesting kmap_local deeper than KM_MAX_IDX (a BUG in Linux) also returns 0.
 */
#include "kernel/mm/mm_internal.h"
#include "kernel/mm/ktrace_mm.h"
#include "kernel/mm/pgtable.h"

#include <errno.h>

uint32_t fix_to_virt(const struct kmem *km, unsigned idx)
{
	return km->L.fixaddr_top - (idx << PAGE_SHIFT);
}

static uint32_t pkmap_addr(const struct kmem *km, unsigned nr)
{
	return km->L.pkmap_base + (nr << PAGE_SHIFT);
}

unsigned pkmap_nr_in_use(const struct kmem *km)
{
	unsigned n = 0;
	for (unsigned i = 0; i < km->L.last_pkmap; i++)
		n += km->pkmap_count[i] > 1;
	return n;
}

void flush_all_zero_pkmaps(struct kmem *km)
{
	bool need_flush = false;
	for (unsigned i = 0; i < km->L.last_pkmap; i++) {
		/* 1 means mapped but unused: its TLB entries may still be live */
		if (km->pkmap_count[i] != 1)
			continue;
		km->pkmap_count[i] = 0;
		kernel_clear_pte(km, pkmap_addr(km, i));
		km->pkmap_page[i]->pkmap_vaddr = 0;
		km->pkmap_page[i] = NULL;
		need_flush = true;
	}
	if (need_flush) {
		counter_add(km->ctr, CTR_kmap_flushes, 1);
		flush_tlb_kernel_range(km, pkmap_addr(km, 0), pkmap_addr(km, km->L.last_pkmap));
	}
}

static uint32_t map_new_virtual(struct kmem *km, struct page *p)
{
	unsigned count = km->L.last_pkmap;
	for (;;) {
		km->last_pkmap_nr = (km->last_pkmap_nr + 1) & (km->L.last_pkmap - 1);
		if (!km->last_pkmap_nr) {
			flush_all_zero_pkmaps(km);
			count = km->L.last_pkmap;
		}
		if (!km->pkmap_count[km->last_pkmap_nr])
			break;
		if (--count)
			continue;
		counter_add(km->ctr, CTR_kmap_exhausted, 1);
		kmem_error(km, -EBUSY,
			   "kmap: every pkmap slot is in use (Linux would sleep "
			   "until a kunmap; vmlab has no other task to run)");
		return 0;
	}
	unsigned nr = km->last_pkmap_nr;
	uint32_t va = pkmap_addr(km, nr);
	if (kernel_map_page(km, va, page_to_phys(km, p), PAGE_KERNEL)) {
		kmem_error(km, -ENOMEM, "kmap: no page table for the pkmap window");
		return 0;
	}
	km->pkmap_count[nr] = 1;
	km->pkmap_page[nr] = p;
	p->pkmap_vaddr = va;
	return va;
}

uint32_t kmap(struct kmem *km, struct page *p)
{
	if (!PageHighMem(p))
		return page_address(km, p);
	counter_add(km->ctr, CTR_kmap_calls, 1);
	uint32_t va = p->pkmap_vaddr;
	if (!va)
		va = map_new_virtual(km, p);
	if (!va)
		return 0;
	km->pkmap_count[(va - km->L.pkmap_base) >> PAGE_SHIFT]++;
	if (ktrace_mm_on(km, TRACE_KMEM))
		ktrace_kmap(km, "kmap", p, va);
	return va;
}

void kunmap(struct kmem *km, struct page *p)
{
	if (!PageHighMem(p))
		return;
	uint32_t va = p->pkmap_vaddr;
	if (!va) {
		kmem_error(km, -EINVAL, "kunmap: page is not kmapped");
		return;
	}
	unsigned nr = (va - km->L.pkmap_base) >> PAGE_SHIFT;
	if (km->pkmap_count[nr] < 2) {
		kmem_error(km, -EINVAL, "kunmap: unbalanced");
		return;
	}
	/* the slot stays mapped (count 1) until the next batch flush */
	km->pkmap_count[nr]--;
	if (ktrace_mm_on(km, TRACE_KMEM))
		ktrace_kmap(km, "kunmap", p, va);
}

uint32_t kmap_local_page(struct kmem *km, struct page *p)
{
	if (!PageHighMem(p))
		return page_address(km, p);
	if (km->kmap_local_idx >= KM_MAX_IDX) {
		kmem_error(km, -EBUSY, "kmap_local: more than KM_MAX_IDX nested mappings");
		return 0;
	}
	int idx = km->kmap_local_idx;
	uint32_t va = fix_to_virt(km, km->L.fix_kmap_begin + (unsigned)idx);
	if (kernel_map_page(km, va, page_to_phys(km, p), PAGE_KERNEL)) {
		kmem_error(km, -ENOMEM, "kmap_local: no fixmap page table");
		return 0;
	}
	counter_add(km->ctr, CTR_kmap_local_calls, 1);
	km->kmap_local_page[idx] = p;
	km->kmap_local_idx++;
	if (ktrace_mm_on(km, TRACE_KMEM))
		ktrace_kmap(km, "kmap_local", p, va);
	return va;
}

void kunmap_local(struct kmem *km, uint32_t va)
{
	uint32_t lo = fix_to_virt(km, km->L.fix_kmap_begin + KM_MAX_IDX * NR_CPUS_LAYOUT - 1);
	uint32_t hi = fix_to_virt(km, km->L.fix_kmap_begin);
	if (va < lo || va > hi)
		return; /* a lowmem page: kmap_local_page returned its direct-map address */
	int idx = km->kmap_local_idx - 1;
	if (idx < 0 || (va & PAGE_MASK) != fix_to_virt(km, km->L.fix_kmap_begin + (unsigned)idx)) {
		kmem_error(km, -EINVAL, "kunmap_local: not the innermost kmap_local mapping");
		return;
	}
	if (ktrace_mm_on(km, TRACE_KMEM))
		ktrace_kmap(km, "kunmap_local", km->kmap_local_page[idx], va & PAGE_MASK);
	kernel_unmap_page(km, va & PAGE_MASK); /* arch_kmap_local_post_unmap: INVLPG */
	km->kmap_local_page[idx] = NULL;
	km->kmap_local_idx--;
}

void *kmap_host(struct kmem *km, struct page *p, uint32_t *vaddr)
{
	*vaddr = kmap_local_page(km, p);
	if (!*vaddr)
		return NULL;
	return physmem_ptr(km->pm, page_to_phys(km, p));
}

void kunmap_host(struct kmem *km, uint32_t vaddr)
{
	kunmap_local(km, vaddr);
}
