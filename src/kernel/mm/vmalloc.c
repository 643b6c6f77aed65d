/*
 * vmalloc (mm/vmalloc.c): virtually contiguous kernel memory in [VMALLOC_START,
 * VMALLOC_END), lowest-address first fit, one guard page after every area, pages taken one
 * by one (HighMem allowed) and mapped in swapper_pg_dir. New page tables reach process
 * page directories through pgtable.c (2-level: PDE sync; PAE: shared kernel PMDs).
 * Not modelled: lazy purging of freed areas (vmlab unmaps and flushes at vfree), huge
 * vmalloc mappings, per-CPU vmap blocks.
 */
#include "kernel/mm/mm_internal.h"
#include "kernel/mm/ktrace_mm.h"
#include "kernel/mm/pgtable.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IOREMAP_MAX_ORDER (7 + PAGE_SHIFT)

bool is_vmalloc_addr(const struct kmem *km, uint32_t addr)
{
	return addr >= km->L.vmalloc_start && addr < km->L.vmalloc_end;
}

static unsigned count_order(uint64_t n)
{
	unsigned o = 0;
	while ((1ull << o) < n)
		o++;
	return o;
}

struct vm_struct *get_vm_area(struct kmem *km, size_t size, unsigned flags, const char *caller)
{
	uint64_t sz = ((uint64_t)size + PAGE_SIZE - 1) & PAGE_MASK;
	if (!sz || sz >= (uint64_t)km->L.vmalloc_end - km->L.vmalloc_start) {
		kmem_error(km, -EINVAL, "get_vm_area: size 0 or larger than the vmalloc area");
		return NULL;
	}
	uint64_t align = PAGE_SIZE;
	if (flags & VM_IOREMAP) {
		unsigned o = count_order(sz);
		o = o < PAGE_SHIFT ? PAGE_SHIFT : o > IOREMAP_MAX_ORDER ? IOREMAP_MAX_ORDER : o;
		align = 1ull << o;
	}
	sz += PAGE_SIZE; /* the guard page: an overrun faults instead of corrupting a neighbour */
	uint64_t addr = (km->L.vmalloc_start + align - 1) & ~(align - 1);
	struct vm_struct **link = &km->vmlist;
	for (struct vm_struct *v = km->vmlist; v; v = v->next) {
		if (addr + sz <= v->addr)
			break;
		if (v->addr + v->size > addr)
			addr = (v->addr + v->size + align - 1) & ~(align - 1);
		link = &v->next;
	}
	if (addr + sz > km->L.vmalloc_end) {
		kmem_error(km, -ENOMEM,
			   "vmalloc: allocation failed: no free range in the vmalloc area");
		return NULL;
	}
	struct vm_struct *v = calloc(1, sizeof(*v));
	if (!v) {
		kmem_error(km, -ENOMEM, "get_vm_area: out of host memory");
		return NULL;
	}
	v->addr = (uint32_t)addr;
	v->size = (uint32_t)sz;
	v->flags = flags;
	snprintf(v->caller, sizeof(v->caller), "%s", caller ? caller : "?");
	v->next = *link;
	*link = v;
	return v;
}

void free_vm_area(struct kmem *km, struct vm_struct *v)
{
	for (struct vm_struct **l = &km->vmlist; *l; l = &(*l)->next) {
		if (*l != v)
			continue;
		*l = v->next;
		for (uint32_t a = v->addr; a < v->addr + v->size - PAGE_SIZE; a += PAGE_SIZE)
			kernel_clear_pte(km, a);
		flush_tlb_kernel_range(km, v->addr, v->addr + v->size - PAGE_SIZE);
		for (unsigned i = 0; i < v->nr_pages; i++)
			if (v->pages[i])
				__free_page(km, v->pages[i]);
		if (v->flags & VM_ALLOC)
			km->stat[NR_VMALLOC] -= v->nr_pages;
		if (v->pages_kaddr)
			kfree(km, v->pages_kaddr);
		free(v->pages);
		free(v);
		return;
	}
}

struct vm_struct *find_vm_area(struct kmem *km, uint32_t addr)
{
	for (struct vm_struct *v = km->vmlist; v; v = v->next)
		if (addr >= v->addr && addr < v->addr + v->size - PAGE_SIZE)
			return v;
	return NULL;
}

uint32_t __vmalloc(struct kmem *km, size_t size, gfp_t gfp, const char *caller)
{
	counter_add(km->ctr, CTR_vmalloc_calls, 1);
	uint64_t sz = ((uint64_t)size + PAGE_SIZE - 1) & PAGE_MASK;
	if (!sz || (sz >> PAGE_SHIFT) > km->totalram_pages) {
		kmem_error(km, -EINVAL, "vmalloc: size 0 or more than all RAM");
		return 0;
	}
	struct vm_struct *v = get_vm_area(km, sz, VM_ALLOC, caller);
	if (!v)
		return 0;
	unsigned n = (unsigned)(sz >> PAGE_SHIFT);
	v->pages = calloc(n, sizeof(*v->pages));
	/* the page-pointer array is kernel memory too (4 bytes a page on i386) */
	v->pages_kaddr = kmalloc(km, (size_t)n * 4, gfp & ~(__GFP_HIGHMEM | __GFP_ZERO));
	if (!v->pages || !v->pages_kaddr)
		goto fail;
	if (!(gfp & __GFP_DMA))
		gfp |= __GFP_HIGHMEM;
	for (unsigned i = 0; i < n; i++) {
		v->pages[i] = alloc_page(km, gfp);
		if (!v->pages[i])
			goto fail;
		v->nr_pages = i + 1;
		km->stat[NR_VMALLOC]++;
		if (kernel_map_page(km, v->addr + i * PAGE_SIZE, page_to_phys(km, v->pages[i]),
				    PAGE_KERNEL))
			goto fail;
	}
	if (ktrace_mm_on(km, TRACE_KMEM))
		ktrace_vmalloc(km, "vmalloc", v->addr, v->size - PAGE_SIZE, v->nr_pages);
	return v->addr;
fail:
	kmem_error(km, -ENOMEM, "vmalloc: out of memory");
	free_vm_area(km, v);
	return 0;
}

uint32_t vmalloc(struct kmem *km, size_t size)
{
	return __vmalloc(km, size, GFP_KERNEL, "vmalloc");
}

void vfree(struct kmem *km, uint32_t addr)
{
	if (!addr)
		return;
	struct vm_struct *v = find_vm_area(km, addr);
	if (!v || v->addr != addr || !(v->flags & VM_ALLOC)) {
		kmem_error(km, -EINVAL, "vfree: not the start of a vmalloc area");
		return;
	}
	if (ktrace_mm_on(km, TRACE_KMEM))
		ktrace_vmalloc(km, "vfree", v->addr, v->size - PAGE_SIZE, v->nr_pages);
	free_vm_area(km, v);
}

struct page *vmalloc_to_page(struct kmem *km, uint32_t addr)
{
	uint64_t pte = kernel_pte_get(km, addr);
	if (!pte_present(pte) || pte_pfn(pte) >= km->max_pfn)
		return NULL;
	return pfn_to_page(km, pte_pfn(pte));
}

uint64_t vmalloc_used_kb(const struct kmem *km)
{
	return km->stat[NR_VMALLOC] * 4;
}

uint64_t vmalloc_largest_free(const struct kmem *km)
{
	uint64_t best = 0, prev = km->L.vmalloc_start;
	for (struct vm_struct *v = km->vmlist; v; v = v->next) {
		if (v->addr > prev && v->addr - prev > best)
			best = v->addr - prev;
		prev = v->addr + v->size;
	}
	if (km->L.vmalloc_end > prev && km->L.vmalloc_end - prev > best)
		best = km->L.vmalloc_end - prev;
	return best;
}
