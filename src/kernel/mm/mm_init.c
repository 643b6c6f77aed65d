/*
 * Boot-time memory setup, in the order i386 Linux 6.1 does it: the virtual layout
 * (pgtable_32_areas.h, fixmap.h), the e820 map (arch/x86/kernel/e820.c), the lowmem limit
 * (arch/x86/mm/init_32.c find_low_pfn_range), memblock reservations, mem_map and the zones
 * (mm/page_alloc.c free_area_init), the kernel page tables, then memblock_free_all and the
 * watermarks.
 */
#include "kernel/mm/kmem.h"
#include "kernel/mm/mm_internal.h"
#include "kernel/mm/pgtable.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MB (1024ull * 1024)
#define FOUR_GB_PFN 0x100000ull
#define MAX_DMA_PFN 4096ull	 /* 16 MB */
#define PHYSICAL_START (16 * MB) /* CONFIG_PHYSICAL_START of Debian's kernels */
#define TOTAL_FIX_BTMAPS 512u
#define FIX_RESERVED_BEFORE_KMAP                                                                   \
	4u /* FIX_HOLE, FIX_DBGP_BASE, FIX_EARLYCON_MEM_BASE, FIX_APIC_BASE */
#define MAX_IO_APICS 128u
#define FIX_AFTER_KMAP 3u /* FIX_PCIE_MCFG, FIX_APEI_GHES_IRQ, FIX_APEI_GHES_NMI */

/* Kernel image kept after boot (text, rodata, data, smp_locks, bss; init is freed): measured
 * from the ELF program headers and section table of Debian's 6.1.0-50 vmlinux images. */
#define DEBIAN_686_IMAGE 0xE02000ull
#define DEBIAN_686_PAE_IMAGE 0xE23000ull

void mm_params_default(struct mm_params *p, uint64_t ram_bytes)
{
	memset(p, 0, sizeof(*p));
	p->ram_bytes = ram_bytes;
	p->split = VMSPLIT_3G;
	p->pae = false;
	p->vmalloc_reserve = 0;
	p->highpte = true;
	p->firmware_e820 = true;
	p->kernel_image_bytes = 0; /* 0: the Debian image of the chosen paging mode */
}

int mm_parse_size(const char *s, uint64_t *out)
{
	/* digits first: strtoull would take "-1" as 2^64-1 and skip leading blanks */
	if (!s || *s < '0' || *s > '9')
		return -1;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno)
		return -1;
	uint64_t mul = 1;
	switch (*end) {
	case 'k':
	case 'K':
		mul = 1024;
		end++;
		break;
	case 'm':
	case 'M':
		mul = MB;
		end++;
		break;
	case 'g':
	case 'G':
		mul = 1024 * MB;
		end++;
		break;
	case '\0': break;
	default: return -1;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || end == s || (v && mul > UINT64_MAX / v))
		return -1;
	*out = v * mul;
	return 0;
}

int mm_parse_vmsplit(const char *s, enum vmsplit *out)
{
	if (!strcmp(s, "3G"))
		*out = VMSPLIT_3G;
	else if (!strcmp(s, "2G"))
		*out = VMSPLIT_2G;
	else if (!strcmp(s, "1G"))
		*out = VMSPLIT_1G;
	else
		return -1;
	return 0;
}

int mm_parse_paging(const char *s, bool *pae)
{
	if (!strcmp(s, "2level"))
		*pae = false;
	else if (!strcmp(s, "pae"))
		*pae = true;
	else
		return -1;
	return 0;
}

void mm_compute_layout(const struct mm_params *p, uint64_t max_pfn, struct kernel_layout *L)
{
	memset(L, 0, sizeof(*L));
	static const uint32_t offsets[] = {0xC0000000u, 0x80000000u, 0x40000000u};
	L->page_offset = offsets[p->split];
	L->pmd_size = p->pae ? (2u << 20) : (4u << 20);
	uint32_t pmd_mask = ~(L->pmd_size - 1);
	unsigned ptrs_per_pte = p->pae ? 512 : 1024;
	L->last_pkmap = p->pae ? 512 : 1024;
	L->fixaddr_top = 0xFFFFF000u;

	/* enum fixed_addresses: permanent slots, then the boot-time btmaps rounded so that
	 * they do not straddle a page table */
	L->fix_kmap_begin = FIX_RESERVED_BEFORE_KMAP + MAX_IO_APICS;
	uint32_t perm = L->fix_kmap_begin + KM_MAX_IDX * NR_CPUS_LAYOUT + FIX_AFTER_KMAP;
	uint32_t bt_end = perm;
	if ((perm ^ (perm + TOTAL_FIX_BTMAPS - 1)) & ~(ptrs_per_pte - 1))
		bt_end = perm + TOTAL_FIX_BTMAPS - (perm & (TOTAL_FIX_BTMAPS - 1));
	L->fix_end_of_permanent = perm;
	L->fix_end_of_fixed = bt_end + TOTAL_FIX_BTMAPS;
	L->fixaddr_start = L->fixaddr_top - perm * PAGE_SIZE;
	L->fixaddr_tot_start = L->fixaddr_top - L->fix_end_of_fixed * PAGE_SIZE;

	uint32_t cea_pages = NR_CPUS_LAYOUT * CEA_PAGES_PER_CPU;
	L->cpu_entry_area_base = (L->fixaddr_tot_start - PAGE_SIZE * (cea_pages + 1)) & pmd_mask;
	L->ldt_base = (L->cpu_entry_area_base - PAGE_SIZE) & pmd_mask;
	L->pkmap_base = (L->ldt_base - PAGE_SIZE) & pmd_mask;
	L->vmalloc_end = L->pkmap_base - 2 * PAGE_SIZE;
	/* `vmalloc=` adds the 8 MB guard hole to what it is given (pgtable_32.c) */
	L->vmalloc_reserve =
	    p->vmalloc_reserve ? (uint32_t)(p->vmalloc_reserve + VMALLOC_OFFSET) : 128u << 20;
	uint64_t room = (uint64_t)L->vmalloc_end - L->page_offset;
	L->maxmem = room > L->vmalloc_reserve ? room - L->vmalloc_reserve : 0;
	uint64_t max_low = max_pfn;
	if (max_low > L->maxmem >> PAGE_SHIFT)
		max_low = L->maxmem >> PAGE_SHIFT;
	L->high_memory = (uint32_t)(L->page_offset + (max_low << PAGE_SHIFT));
	L->vmalloc_start = L->high_memory + VMALLOC_OFFSET;
}

void kmem_kernel_regs(const struct kmem *km, struct paging_regs *r)
{
	memset(r, 0, sizeof(*r));
	r->cr0 = CR0_PE | CR0_PG | CR0_WP;
	r->cr3 = (uint32_t)km->swapper_pg_dir;
	r->cr4 = CR4_PSE | CR4_PGE | (km->params.pae ? CR4_PAE : 0);
	r->maxphyaddr = 36;
}

static void add_reservation(struct kmem *km, phys_addr_t start, phys_addr_t end, const char *what)
{
	if (km->nres < MM_MAX_RESERVATIONS && end > start)
		km->res[km->nres++] = (struct mm_reservation){start, end, what};
}

static bool pfn_reserved(const struct kmem *km, uint64_t pfn)
{
	phys_addr_t pa = pfn << PAGE_SHIFT;
	for (unsigned i = 0; i < km->nres; i++)
		if (pa + PAGE_SIZE > km->res[i].start && pa < km->res[i].end)
			return true;
	return false;
}

bool kmem_pfn_usable(const struct kmem *km, uint64_t pfn)
{
	for (unsigned i = 0; i < km->nram; i++)
		if (pfn >= km->ram[i].start_pfn && pfn < km->ram[i].end_pfn)
			return true;
	return false;
}

/* The BIOS e820 map as SeaBIOS reports it under qemu, then Linux's own trimming
 * (trim_bios_range: page 0 becomes reserved; the legacy hole is never RAM). */
static int build_e820(struct kmem *km)
{
	const struct physmem *pm = km->pm;
	phys_addr_t top_below_4g = 0;
	for (unsigned i = 0; i < pm->nranges; i++)
		if (pm->ranges[i].kind == PHYS_RAM &&
		    pm->ranges[i].end <= (FOUR_GB_PFN << PAGE_SHIFT) &&
		    pm->ranges[i].end > top_below_4g)
			top_below_4g = pm->ranges[i].end;
	km->nram = 0;
	for (unsigned i = 0; i < pm->nranges; i++) {
		const struct phys_range *r = &pm->ranges[i];
		if (r->kind != PHYS_RAM)
			continue;
		phys_addr_t s = r->start, e = r->end;
		if (km->params.firmware_e820) {
			if (e == 0xA0000)
				e = 0x9FC00; /* the EBDA: last KB below 640 KB */
			if (e == top_below_4g)
				e -= 128 * 1024; /* ACPI tables, FACS */
		}
		if (s == 0)
			s = PAGE_SIZE; /* "e820: update [mem 0x00000000-0x00000fff] usable ==>
					  reserved" */
		uint64_t sp = (s + PAGE_SIZE - 1) >> PAGE_SHIFT, ep = e >> PAGE_SHIFT;
		/* HIGHMEM4G cannot reach above 4 GB; PAE reaches 64 GB */
		uint64_t lim = km->params.pae ? (1ull << 24) : FOUR_GB_PFN;
		if (ep > lim)
			ep = lim;
		if (sp >= ep)
			continue;
		km->ram[km->nram].start_pfn = sp;
		km->ram[km->nram].end_pfn = ep;
		km->nram++;
	}
	if (!km->nram)
		return -EINVAL;
	km->max_pfn = km->ram[km->nram - 1].end_pfn;
	return 0;
}

static uint64_t present_in(const struct kmem *km, uint64_t s, uint64_t e)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < km->nram; i++) {
		uint64_t a = km->ram[i].start_pfn > s ? km->ram[i].start_pfn : s;
		uint64_t b = km->ram[i].end_pfn < e ? km->ram[i].end_pfn : e;
		if (b > a)
			n += b - a;
	}
	return n;
}

/* memblock_alloc for lowmem before the buddy allocator runs: top-down below max_low_pfn,
 * avoiding reserved and absent frames, recorded as a reservation. */
phys_addr_t memblock_alloc_low(struct kmem *km, uint64_t bytes, const char *what)
{
	uint64_t n = (bytes + PAGE_SIZE - 1) >> PAGE_SHIFT;
	uint64_t end = km->max_low_pfn;
	while (end >= n + MAX_DMA_PFN) {
		uint64_t s = end - n, bad = 0;
		for (uint64_t p = s; p < end; p++)
			if (!kmem_pfn_usable(km, p) || pfn_reserved(km, p))
				bad = p + 1;
		if (!bad) {
			add_reservation(km, s << PAGE_SHIFT, end << PAGE_SHIFT, what);
			/* no memset: boot runs on RAM fresh from physmem_init, all zero, and
			 * writing it would make the host back every frame (9 MB per GB) */
			return s << PAGE_SHIFT;
		}
		end = bad - 1;
	}
	return 0;
}

static void init_zones(struct kmem *km)
{
	static const char *names[MAX_NR_ZONES] = {"DMA", "Normal", "HighMem", "Movable"};
	uint64_t node_start = km->ram[0].start_pfn, node_end = km->max_pfn;
	uint64_t lim[MAX_NR_ZONES][2] = {
	    {0, MAX_DMA_PFN < km->max_low_pfn ? MAX_DMA_PFN : km->max_low_pfn},
	    {MAX_DMA_PFN, km->max_low_pfn},
	    {km->max_low_pfn, km->max_pfn},
	    {0, 0},
	};
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zn = &km->zones[z];
		memset(zn, 0, sizeof(*zn));
		zn->name = names[z];
		for (int o = 0; o < MAX_ORDER; o++)
			INIT_LIST_HEAD(&zn->free_area[o].free_list);
		uint64_t s = lim[z][0] > node_start ? lim[z][0] : node_start;
		uint64_t e = lim[z][1] < node_end ? lim[z][1] : node_end;
		if (z == ZONE_MOVABLE || e <= s) {
			/* an empty zone starts where the previous one ended, as Linux prints it */
			zn->zone_start_pfn =
			    z ? km->zones[z - 1].zone_start_pfn + km->zones[z - 1].spanned_pages
			      : 0;
			continue;
		}
		zn->zone_start_pfn = s;
		zn->spanned_pages = e - s;
		zn->present_pages = present_in(km, s, e);
	}
}

enum zone_type pfn_zone(const struct kmem *km, uint64_t pfn)
{
	if (pfn < MAX_DMA_PFN)
		return ZONE_DMA;
	return pfn < km->max_low_pfn ? ZONE_NORMAL : ZONE_HIGHMEM;
}

/* Linux's boot state of a struct page (memmap_init: reserved until memblock frees it). */
static void init_boot_page(struct page *p, enum zone_type zt)
{
	p->flags = (uint32_t)zt << ZONES_SHIFT | 1u << PG_reserved;
	p->_refcount = 1;
	p->_mapcount = -1;
	INIT_LIST_HEAD(&p->lru);
}

void mem_map_init_block(const struct kmem *km, uint64_t block)
{
	uint8_t *state = &km->mem_map_block[block];
	uint64_t pfn = block << MEM_MAP_BLOCK_SHIFT, end = pfn + (1u << MEM_MAP_BLOCK_SHIFT);
	if (end > km->max_pfn)
		end = km->max_pfn;
	if (*state == MEM_MAP_BLOCK_FREE) {
		/* the tail of a free order-10 block, as free_range_to_buddy leaves it; the
		 * head was written at boot and may have changed since */
		uint32_t zone_bits = (uint32_t)pfn_zone(km, pfn) << ZONES_SHIFT;
		for (pfn++; pfn < end; pfn++) {
			struct page *p = &km->mem_map[pfn];
			p->flags = zone_bits;
			p->_mapcount = -1;
			INIT_LIST_HEAD(&p->lru);
		}
	} else {
		for (; pfn < end; pfn++)
			init_boot_page(&km->mem_map[pfn], pfn_zone(km, pfn));
	}
	*state = MEM_MAP_BLOCK_READY;
}

/* The array is whole blocks long; calloc of this size maps fresh zeroed host memory, backed
 * only where written. */
static int init_mem_map(struct kmem *km)
{
	uint64_t blocks = (km->max_pfn >> MEM_MAP_BLOCK_SHIFT) + 1;
	km->mem_map = calloc(blocks << MEM_MAP_BLOCK_SHIFT, sizeof(struct page));
	km->mem_map_block = calloc(blocks, 1);
	if (!km->mem_map || !km->mem_map_block) {
		free(km->mem_map);
		free(km->mem_map_block);
		km->mem_map = NULL;
		km->mem_map_block = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* A MAX_ORDER block at pfn that is usable RAM below ram_end, in one zone, untouched so far
 * and free of memblock reservations: boot can hand it over without writing its mem_map. */
static bool boot_block_free(const struct kmem *km, uint64_t pfn, uint64_t ram_end)
{
	uint64_t end = pfn + (1u << MEM_MAP_BLOCK_SHIFT);
	if ((pfn & ((1u << MEM_MAP_BLOCK_SHIFT) - 1)) || end > ram_end ||
	    km->mem_map_block[pfn >> MEM_MAP_BLOCK_SHIFT] != MEM_MAP_BLOCK_BOOT ||
	    pfn_zone(km, pfn) != pfn_zone(km, end - 1))
		return false;
	phys_addr_t a = pfn << PAGE_SHIFT, b = end << PAGE_SHIFT;
	for (unsigned i = 0; i < km->nres; i++)
		if (km->res[i].start < b && km->res[i].end > a)
			return false;
	return true;
}

int mm_init(struct kmem *km, struct physmem *pm, struct mmu *mmu, struct counters *ctr,
	    const struct mm_params *p)
{
	memset(km, 0, sizeof(*km));
	km->params = *p;
	km->pm = pm;
	km->mmu = mmu;
	km->ctr = ctr;
	km->struct_page_bytes =
	    36; /* 686 with MEMCG: flags, 5-word union, mapcount, refcount, memcg */
	INIT_LIST_HEAD(&km->pgd_list);
	INIT_LIST_HEAD(&km->slab_caches);
	if (!km->params.kernel_image_bytes)
		km->params.kernel_image_bytes = p->pae ? DEBIAN_686_PAE_IMAGE : DEBIAN_686_IMAGE;

	int err = build_e820(km);
	if (err)
		return err;
	mm_compute_layout(&km->params, km->max_pfn, &km->L);
	/* find_low_pfn_range: lowmem_pfn_init or highmem_pfn_init */
	uint64_t maxmem_pfn = km->L.maxmem >> PAGE_SHIFT;
	km->max_low_pfn = km->max_pfn > maxmem_pfn ? maxmem_pfn : km->max_pfn;
	km->highstart_pfn = km->max_low_pfn;
	if (km->max_low_pfn <= MAX_DMA_PFN + 1024 ||
	    km->params.kernel_image_bytes + PHYSICAL_START > (km->max_low_pfn << PAGE_SHIFT)) {
		kmem_error(km, -ENOMEM,
			   "lowmem too small for the kernel image at 16 MB and mem_map "
			   "(less RAM is not bootable; a smaller vmalloc reserve or a "
			   "lower split gives more lowmem)");
		return -ENOMEM;
	}

	/* memblock reservations, in setup_arch order */
	add_reservation(km, 0, 1 * MB, "low 1 MB (BIOS, real-mode trampoline)");
	add_reservation(km, PHYSICAL_START, PHYSICAL_START + km->params.kernel_image_bytes,
			"kernel image (text, rodata, data, bss)");
	init_zones(km);
	err = init_mem_map(km);
	if (err)
		return err;
	/* FLATMEM: alloc_node_mem_map covers the node rounded to MAX_ORDER blocks */
	uint64_t mm_pages =
	    ((km->max_pfn + (1u << (MAX_ORDER - 1)) - 1) & ~((1ull << (MAX_ORDER - 1)) - 1));
	if (!memblock_alloc_low(km, mm_pages * km->struct_page_bytes,
				"mem_map (struct page array)")) {
		kmem_error(km, -ENOMEM, "no room in lowmem for mem_map");
		mm_destroy(km);
		return -ENOMEM;
	}

	err = kernel_pgtable_init(km);
	if (err) {
		mm_destroy(km);
		return err;
	}

	/* memblock_free_all: every usable, unreserved frame goes to the buddy allocator, in
	 * ascending order (the free lists' order depends on it); a wholly free MAX_ORDER
	 * block without writing its struct pages */
	for (unsigned i = 0; i < km->nram; i++) {
		uint64_t s = km->ram[i].start_pfn, e = km->ram[i].end_pfn;
		uint64_t run = s;
		for (uint64_t pfn = s; pfn <= e; pfn++) {
			if (pfn < e && boot_block_free(km, pfn, e)) {
				if (pfn > run)
					free_range_to_buddy(km, run, pfn);
				free_boot_block(km, pfn);
				pfn += (1u << MEM_MAP_BLOCK_SHIFT) - 1;
				run = pfn + 1;
				continue;
			}
			if (pfn == e || pfn_reserved(km, pfn) ||
			    pfn_zone(km, pfn) != pfn_zone(km, run)) {
				if (pfn > run)
					free_range_to_buddy(km, run, pfn);
				run = pfn_reserved(km, pfn) ? pfn + 1 : pfn;
			}
		}
	}
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		km->totalram_pages += km->zones[z].managed_pages;
		if (z == ZONE_HIGHMEM)
			km->totalhigh_pages += km->zones[z].managed_pages;
	}
	setup_per_zone_wmarks(km);

	err = kmem_slab_init(km);
	if (!err) {
		/* ZERO_PAGE: Linux's is in .bss (empty_zero_page); here a reserved lowmem frame */
		km->zero_page = alloc_page(km, GFP_KERNEL | __GFP_ZERO);
		if (!km->zero_page)
			err = -ENOMEM;
		else
			SetPageFlag(km->zero_page, PG_reserved);
	}
	if (err) {
		mm_destroy(km);
		return err;
	}
	return 0;
}

void mm_destroy(struct kmem *km)
{
	kmem_slab_destroy(km);
	while (km->vmlist)
		free_vm_area(km, km->vmlist);
	pgd_list_destroy(km);
	free(km->mem_map);
	km->mem_map = NULL;
	free(km->mem_map_block);
	km->mem_map_block = NULL;
}

uint32_t page_address(const struct kmem *km, const struct page *p)
{
	if (PageHighMem(p))
		return p->pkmap_vaddr;
	return __va(km, page_to_phys(km, p));
}

void *kmem_host(const struct kmem *km, uint32_t va)
{
	if (!virt_addr_valid(km, va))
		return NULL;
	return physmem_ptr(km->pm, __pa(km, va));
}
