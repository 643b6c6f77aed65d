/*
 * ioremap (arch/x86/mm/ioremap.c): device memory mapped into the vmalloc area, uncached
 * (UC-: PCD set, PWT clear, with the default PAT). Refuses RAM the kernel owns, as
 * __ioremap_check_ram does; reserved frames (firmware tables) may be mapped.
 */
#include "kernel/mm/mm_internal.h"
#include "kernel/mm/pgtable.h"

#include <errno.h>

static uint32_t __ioremap_caller(struct kmem *km, phys_addr_t phys, size_t size, uint64_t prot,
				 const char *caller)
{
	counter_add(km->ctr, CTR_ioremap_calls, 1);
	phys_addr_t last = phys + size - 1;
	if (!size || last < phys) {
		kmem_error(km, -EINVAL, "ioremap: empty or wrapping range");
		return 0;
	}
	phys_addr_t base = phys & ~(phys_addr_t)(PAGE_SIZE - 1);
	phys_addr_t end = (last | (PAGE_SIZE - 1)) + 1;
	for (phys_addr_t pa = base; pa < end; pa += PAGE_SIZE) {
		uint64_t pfn = pa >> PAGE_SHIFT;
		if (kmem_pfn_usable(km, pfn) && !PageReserved(pfn_to_page(km, pfn))) {
			kmem_error(km, -EINVAL,
				   "ioremap on RAM refused (use kmap or the direct map)");
			return 0;
		}
	}
	struct vm_struct *v = get_vm_area(km, end - base, VM_IOREMAP, caller);
	if (!v)
		return 0;
	v->phys_addr = base;
	for (phys_addr_t pa = base; pa < end; pa += PAGE_SIZE) {
		if (kernel_map_page(km, (uint32_t)(v->addr + (pa - base)), pa, prot)) {
			free_vm_area(km, v);
			kmem_error(km, -ENOMEM, "ioremap: no memory for page tables");
			return 0;
		}
	}
	return v->addr + (uint32_t)(phys - base);
}

uint32_t ioremap(struct kmem *km, phys_addr_t phys, size_t size)
{
	return __ioremap_caller(km, phys, size, PAGE_KERNEL | PTE_PCD, "ioremap");
}

uint32_t ioremap_cache(struct kmem *km, phys_addr_t phys, size_t size)
{
	return __ioremap_caller(km, phys, size, PAGE_KERNEL, "ioremap_cache");
}

void iounmap(struct kmem *km, uint32_t addr)
{
	struct vm_struct *v = find_vm_area(km, addr & PAGE_MASK);
	if (!v || !(v->flags & VM_IOREMAP)) {
		kmem_error(km, -EINVAL, "iounmap: not an ioremap address");
		return;
	}
	free_vm_area(km, v);
}
