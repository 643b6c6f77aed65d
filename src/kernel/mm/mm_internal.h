/* Shared between the files of src/kernel/mm that implement the kernel's own memory. */
#ifndef VMLAB_KERNEL_MM_INTERNAL_H
#define VMLAB_KERNEL_MM_INTERNAL_H
#include "kernel/mm/kmem.h"

#define VMALLOC_OFFSET (8u << 20) /* the guard hole between lowmem and vmalloc */

bool kmem_pfn_usable(const struct kmem *km, uint64_t pfn);
enum zone_type pfn_zone(const struct kmem *km, uint64_t pfn);
/* Boot-time lowmem allocation (memblock), zeroed (RAM is still as physmem_init left it:
 * zero); 0 when lowmem is exhausted. */
phys_addr_t memblock_alloc_low(struct kmem *km, uint64_t bytes, const char *what);
/* Builds swapper_pg_dir: the direct map, page tables for fixmap, cpu_entry_area, pkmap. */
int kernel_pgtable_init(struct kmem *km);
/* Boot: hands the wholly free MAX_ORDER block at pfn to the buddy allocator writing only its
 * head's struct page; the others are written when first reached (MEM_MAP_BLOCK_FREE). */
void free_boot_block(struct kmem *km, uint64_t pfn);
/* Zeroes a frame through its physical address, telling physmem first. */
void zero_frame(struct kmem *km, uint64_t pfn);
static inline void kmem_error(struct kmem *km, int err, const char *msg)
{
	km->last_error = err;
	km->last_error_msg = msg;
}
#endif
