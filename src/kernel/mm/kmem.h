/*
 * The kernel's own memory, as 32-bit Linux 6.1 manages it: mem_map and zones, the buddy
 * allocator, slab (kmalloc), the kernel page tables (swapper_pg_dir), vmalloc, kmap and
 * kmap_local, ioremap. One struct kmem holds the state of one machine; every function takes
 * it first and otherwise keeps its Linux name.
 *
 * Kernel virtual addresses are uint32_t (the guest's), physical addresses phys_addr_t.
 * Every frame handed out lives in simulated physical memory; kernel code reaches lowmem
 * through the direct map (__va, kmem_host) and highmem only through kmap.
 */
#ifndef VMLAB_KERNEL_MM_KMEM_H
#define VMLAB_KERNEL_MM_KMEM_H
#include "hw/mmu.h"
#include "hw/paging.h"
#include "hw/physmem.h"
#include "trace/counters.h"
#include <stddef.h>

/* ---- lists (include/linux/list.h semantics, own code) ---- */
struct list_head {
	struct list_head *next, *prev;
};
static inline void INIT_LIST_HEAD(struct list_head *h)
{
	h->next = h->prev = h;
}
static inline bool list_empty(const struct list_head *h)
{
	return h->next == h;
}
static inline void list_add(struct list_head *n, struct list_head *h)
{
	n->next = h->next;
	n->prev = h;
	h->next->prev = n;
	h->next = n;
}
static inline void list_add_tail(struct list_head *n, struct list_head *h)
{
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
}
static inline void list_del_init(struct list_head *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	INIT_LIST_HEAD(n);
}
#define list_entry(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

/* ---- configuration ---- */
enum vmsplit { VMSPLIT_3G, VMSPLIT_2G, VMSPLIT_1G };

struct mm_params {
	uint64_t ram_bytes;	  /* --mem */
	enum vmsplit split;	  /* --vmsplit */
	bool pae;		  /* --paging=pae */
	uint64_t vmalloc_reserve; /* __VMALLOC_RESERVE; 0 = Linux's default 128 MB */
	bool highpte;		  /* user page tables may live in HighMem (CONFIG_HIGHPTE) */
	/* Firmware reservations the BIOS reports in its e820 map (qemu + SeaBIOS: the EBDA
	 * below 640 KB and the top 128 KB of RAM below 4 GB for ACPI tables). */
	bool firmware_e820;
	/* Kernel image (text+data+bss at CONFIG_PHYSICAL_START) and other boot-time
	 * reservations Linux makes from memblock; see docs/kmem.md. */
	uint64_t kernel_image_bytes;
};
/* Fills p with vmlab's defaults: 3G split, 2-level, 128 MB reserve, Debian 686 layout. */
void mm_params_default(struct mm_params *p, uint64_t ram_bytes);
/* Parses "64M", "1G", "3072M", "4096K" or a byte count. Returns 0 or -1. */
int mm_parse_size(const char *s, uint64_t *out);
int mm_parse_vmsplit(const char *s, enum vmsplit *out);
/* "2level" or "pae" (the --paging option of run and kmem). Returns 0 or -1. */
int mm_parse_paging(const char *s, bool *pae);

/* The virtual layout at the top of the kernel half (pgtable_32_areas.h, fixmap.h). */
struct kernel_layout {
	uint32_t page_offset;				 /* PAGE_OFFSET = TASK_SIZE */
	uint32_t fixaddr_top;				 /* FIXADDR_TOP (0xfffff000) */
	uint32_t fix_end_of_permanent, fix_end_of_fixed; /* fixmap index counts */
	uint32_t fixaddr_start;				 /* FIXADDR_START: permanent fixmap */
	uint32_t fixaddr_tot_start;
	uint32_t fix_kmap_begin; /* index of FIX_KMAP_BEGIN */
	uint32_t cpu_entry_area_base, ldt_base, pkmap_base;
	uint32_t vmalloc_start, vmalloc_end;
	uint32_t high_memory; /* end of the direct map */
	uint32_t vmalloc_reserve;
	uint32_t pmd_size;
	unsigned last_pkmap; /* LAST_PKMAP */
	uint64_t maxmem;     /* MAXMEM: the most lowmem this split can map */
};

#define NR_CPUS_LAYOUT 32    /* CONFIG_NR_CPUS of Debian's 686 kernels: sizes the fixmap */
#define KM_MAX_IDX 16	     /* kmap_local slots per CPU */
#define CEA_PAGES_PER_CPU 43 /* sizeof(struct cpu_entry_area) / PAGE_SIZE on i386 6.1 */

/* ---- struct page ---- */
enum pageflags {
	PG_locked,
	PG_referenced,
	PG_uptodate,
	PG_dirty,
	PG_lru,
	PG_active,
	PG_slab,
	PG_reserved,
	PG_private,
	PG_writeback,
	PG_swapbacked,
	PG_unevictable,
	PG_buddy,
	PG_table,
	PG_head,
	PG_swapcache, /* page->private holds its swap entry (swap.h) */
	PG_readahead, /* brought in by swap readahead, not yet used (swap_state.c) */
	PG_workingset, /* was active once: its refault restores the workingset (workingset.c) */
	PG__count
};
#define ZONES_SHIFT 28 /* the zone id lives in the top bits of page->flags, as in Linux */

struct kmem_cache;
struct page {
	uint32_t flags; /* PG_* bits; zone in bits ZONES_SHIFT.. */
	int32_t _refcount;
	int32_t _mapcount;    /* -1: not mapped into user space */
	struct list_head lru; /* buddy free list, slab partial list, or an LRU list */
	void *mapping;	      /* anon_vma or address_space (upper layers) */
	uint32_t index;	      /* page offset within mapping */
	uint32_t private;     /* buddy: order of a free block; swap: entry */
	/* slab (SLUB keeps these in the same struct page union) */
	struct kmem_cache *slab_cache;
	uint32_t freelist; /* kernel address of the first free object, 0 = none */
	uint16_t inuse, objects;
	uint32_t pkmap_vaddr; /* highmem: persistent kmap address, 0 if none */
	uint32_t lru_epoch;   /* reclaim policies: when the page was last aged (swap.h) */
	uint32_t pmd_huge_pte; /* head of a huge mapping: pfn of its deposited page table */
};

static inline bool PageFlag(const struct page *p, enum pageflags f)
{
	return p->flags >> f & 1;
}
static inline void SetPageFlag(struct page *p, enum pageflags f)
{
	p->flags |= 1u << f;
}
static inline void ClearPageFlag(struct page *p, enum pageflags f)
{
	p->flags &= ~(1u << f);
}
#define PageReserved(p) PageFlag(p, PG_reserved)
#define PageDirty(p) PageFlag(p, PG_dirty)
#define PageLRU(p) PageFlag(p, PG_lru)
#define PageSlab(p) PageFlag(p, PG_slab)
#define PageBuddy(p) PageFlag(p, PG_buddy)
#define PageSwapBacked(p) PageFlag(p, PG_swapbacked)
#define PageLocked(p) PageFlag(p, PG_locked)

/* ---- zones ---- */
enum zone_type { ZONE_DMA, ZONE_NORMAL, ZONE_HIGHMEM, ZONE_MOVABLE, MAX_NR_ZONES };
#define MAX_ORDER 11 /* orders 0..10 */

struct free_area {
	struct list_head free_list;
	unsigned long nr_free;
};

struct zone {
	const char *name;
	uint64_t zone_start_pfn;
	uint64_t spanned_pages, present_pages, managed_pages;
	uint64_t free_pages;
	uint64_t wmark_min, wmark_low, wmark_high;
	uint64_t lowmem_reserve[MAX_NR_ZONES];
	uint64_t pgalloc; /* pages allocated from this zone (vmstat pgalloc_<zone>) */
	struct free_area free_area[MAX_ORDER];
};
static inline bool populated_zone(const struct zone *z)
{
	return z->present_pages != 0;
}

/* ---- GFP (include/linux/gfp_types.h meaning, own values) ---- */
typedef unsigned gfp_t;
#define __GFP_DMA 0x01u
#define __GFP_HIGHMEM 0x02u
#define __GFP_MOVABLE 0x08u
#define __GFP_HIGH 0x20u
#define __GFP_IO 0x40u
#define __GFP_FS 0x80u
#define __GFP_ZERO 0x100u
#define __GFP_RECLAIM 0x400u
#define __GFP_HARDWALL 0x100000u
#define __GFP_ACCOUNT 0x400000u
#define __GFP_NOWARN 0x2000u
#define GFP_ATOMIC (__GFP_HIGH)
#define GFP_KERNEL (__GFP_RECLAIM | __GFP_IO | __GFP_FS)
#define GFP_USER (GFP_KERNEL | __GFP_HARDWALL)
#define GFP_DMA __GFP_DMA
#define GFP_HIGHUSER (GFP_USER | __GFP_HIGHMEM)
#define GFP_HIGHUSER_MOVABLE (GFP_HIGHUSER | __GFP_MOVABLE)

/* ---- slab ---- */
#define KMALLOC_SHIFT_HIGH 13 /* kmalloc-8k is the largest cache; bigger goes to pages */
#define KMALLOC_MAX_CACHE_SIZE (1u << KMALLOC_SHIFT_HIGH)

struct kmem_cache {
	char name[32];
	unsigned object_size, size, align;
	unsigned order, oo_objects; /* pages per slab = 1 << order, objects per slab */
	unsigned min_partial;
	struct list_head partial; /* slabs with free objects (including empty ones) */
	struct list_head full;	  /* slabs with every object in use (SLUB tracks these
				     only with debugging; vmlab keeps them for shrink/destroy) */
	unsigned long nr_partial;
	unsigned offset; /* where the free pointer lives inside a free object */
	unsigned long nr_slabs, total_objects, active_objects;
	bool reclaimable;      /* SLAB_RECLAIM_ACCOUNT */
	gfp_t allocflags;      /* __GFP_DMA for SLAB_CACHE_DMA caches */
	struct list_head list; /* all caches, for /proc/slabinfo */
};

/* ---- vmalloc ---- */
#define VM_IOREMAP 0x1u
#define VM_ALLOC 0x2u
#define VM_MAP 0x4u

struct vm_struct {
	struct vm_struct *next; /* sorted by address (vmlist) */
	uint32_t addr, size;	/* size includes the guard page */
	unsigned flags;
	unsigned nr_pages;
	struct page **pages;
	phys_addr_t phys_addr; /* ioremap */
	uint32_t pages_kaddr;  /* the kmalloc'ed page-pointer array it is charged to */
	char caller[40];
};

/* ---- pkmap ---- */
#define LAST_PKMAP_MAX 1024

/* ---- counters for later layers' /proc/meminfo fields (pages) ---- */
enum mm_stat {
	NR_FILE_PAGES,
	NR_ANON_PAGES,
	NR_FILE_MAPPED,
	NR_SHMEM,
	NR_FILE_DIRTY,
	NR_WRITEBACK,
	NR_BUFFERS,
	NR_ACTIVE_ANON,
	NR_INACTIVE_ANON,
	NR_ACTIVE_FILE,
	NR_INACTIVE_FILE,
	NR_UNEVICTABLE,
	NR_MLOCK,
	NR_SWAPCACHE,
	NR_KERNEL_STACK_KB,
	NR_PAGETABLE,
	NR_SLAB_RECLAIMABLE,
	NR_SLAB_UNRECLAIMABLE,
	NR_VMALLOC,
	NR_SWAP_TOTAL,
	NR_SWAP_FREE,
	NR_COMMITTED_AS,
	NR_ANON_THPS, /* pages mapped by huge-page PDEs (AnonHugePages) */
	NR_MM_STATS
};

/* A boot-time reservation (memblock.reserved), for the record and docs. */
struct mm_reservation {
	phys_addr_t start, end;
	const char *what;
};
#define MM_MAX_RESERVATIONS 16

struct kmem {
	struct mm_params params;
	struct physmem *pm;
	struct mmu *mmu; /* may be NULL: no TLB to flush */
	struct counters *ctr;
	struct kernel_layout L;
	/* the e820 map as Linux sees it after trimming: usable RAM ranges */
	unsigned nram;
	struct {
		uint64_t start_pfn, end_pfn;
	} ram[PHYSMEM_MAX_RANGES];
	unsigned nres;
	struct mm_reservation res[MM_MAX_RESERVATIONS];
	uint64_t max_pfn, max_low_pfn, highstart_pfn;
	uint64_t totalram_pages, totalhigh_pages, totalreserve_pages;
	uint64_t min_free_kbytes;
	unsigned struct_page_bytes; /* sizeof(struct page) in a 686 build: sizes the mem_map */
	struct page *mem_map;
	/* mem_map is filled in lazily, one MAX_ORDER block of frames at a time (see
	 * pfn_to_page): MEM_MAP_BLOCK_* per block. The array itself comes zeroed and unbacked
	 * from the host, so untouched blocks cost no host memory. */
	uint8_t *mem_map_block;
	struct zone zones[MAX_NR_ZONES];
	/* kernel page tables */
	phys_addr_t swapper_pg_dir; /* CR3 of the kernel (PAE: the PDPT) */
	phys_addr_t kernel_pmd[4];  /* PAE: the page directories behind the PDPT */
	struct list_head pgd_list;  /* process page directories (pgd_alloc) */
	/* pkmap */
	int pkmap_count[LAST_PKMAP_MAX];
	struct page *pkmap_page[LAST_PKMAP_MAX];
	unsigned last_pkmap_nr;
	/* kmap_local: the stack of CPU 0 */
	int kmap_local_idx;
	struct page *kmap_local_page[KM_MAX_IDX];
	/* slab */
	struct list_head slab_caches;
	struct kmem_cache *kmalloc_caches[KMALLOC_SHIFT_HIGH + 1]; /* by size index */
	struct kmem_cache *kmalloc_96, *kmalloc_192;
	struct kmem_cache *kmalloc_dma_caches[KMALLOC_SHIFT_HIGH + 1]; /* dma-kmalloc-N */
	struct kmem_cache *kmalloc_dma_96, *kmalloc_dma_192;
	struct kmem_cache *vm_area_cachep, *mm_cachep, *task_struct_cachep, *pgd_cachep;
	/* vmalloc */
	struct vm_struct *vmlist;
	/* pages */
	struct page *zero_page; /* ZERO_PAGE(0) */
	uint64_t stat[NR_MM_STATS];
	/* user frames that two or more PTEs map (smaps' Shared_* counted once per frame; no
	 * Linux counter), and the peaks of it, NR_ANON_PAGES and NR_FILE_MAPPED for --stats */
	uint64_t nr_mapped_shared;
	uint64_t peak_anon_mapped, peak_file_mapped, peak_shared_mapped;
	/* reclaim, swap, LRU (swap.h); NULL: none (no LRU is kept) */
	struct vm_reclaim *reclaim;
	int last_error; /* -errno of the last failing call, for reports */
	const char *last_error_msg;
};

/* ---- mm_init.c ---- */
int mm_init(struct kmem *km, struct physmem *pm, struct mmu *mmu, struct counters *ctr,
	    const struct mm_params *p);
void mm_destroy(struct kmem *km);
/* Computes the layout alone (no memory touched): for printing and tests. */
void mm_compute_layout(const struct mm_params *p, uint64_t max_pfn, struct kernel_layout *L);
/* The paging registers of the kernel's own page tables (CR3 = swapper_pg_dir). */
void kmem_kernel_regs(const struct kmem *km, struct paging_regs *r);

/* ---- address conversions (page.h, page_32.h) ---- */
static inline uint64_t page_to_pfn(const struct kmem *km, const struct page *p)
{
	return (uint64_t)(p - km->mem_map);
}
/* The state of a MAX_ORDER block of struct pages. Boot leaves a block that is wholly free
 * RAM as MEM_MAP_BLOCK_FREE: only its first struct page (the free block's head, on the
 * order-10 free list) is written. Any other block starts as MEM_MAP_BLOCK_BOOT: its struct
 * pages would read as Linux's boot state (reserved, refcount 1, unmapped). The first
 * pfn_to_page into a block writes that state out (mem_map_init_block) and marks it READY;
 * page + i arithmetic never leaves a block that pfn_to_page or the allocator has readied
 * (a buddy block never spans two MAX_ORDER blocks). */
enum { MEM_MAP_BLOCK_BOOT, MEM_MAP_BLOCK_READY, MEM_MAP_BLOCK_FREE };
#define MEM_MAP_BLOCK_SHIFT (MAX_ORDER - 1)
void mem_map_init_block(const struct kmem *km, uint64_t block);
static inline struct page *pfn_to_page(const struct kmem *km, uint64_t pfn)
{
	if (__builtin_expect(km->mem_map_block[pfn >> MEM_MAP_BLOCK_SHIFT] != MEM_MAP_BLOCK_READY,
			     0))
		mem_map_init_block(km, pfn >> MEM_MAP_BLOCK_SHIFT);
	return &km->mem_map[pfn];
}
static inline enum zone_type page_zonenum(const struct page *p)
{
	return (enum zone_type)(p->flags >> ZONES_SHIFT);
}
static inline bool PageHighMem(const struct page *p)
{
	return page_zonenum(p) == ZONE_HIGHMEM;
}
static inline phys_addr_t page_to_phys(const struct kmem *km, const struct page *p)
{
	return page_to_pfn(km, p) << PAGE_SHIFT;
}
static inline uint32_t __va(const struct kmem *km, phys_addr_t pa)
{
	return (uint32_t)(pa + km->L.page_offset);
}
static inline phys_addr_t __pa(const struct kmem *km, uint32_t va)
{
	return (phys_addr_t)(va - km->L.page_offset);
}
static inline bool virt_addr_valid(const struct kmem *km, uint32_t va)
{
	return va >= km->L.page_offset && va < km->L.high_memory;
}
static inline struct page *virt_to_page(const struct kmem *km, uint32_t va)
{
	return pfn_to_page(km, __pa(km, va) >> PAGE_SHIFT);
}
/* The kernel logical address of a page, or 0 for highmem (it has none). */
uint32_t page_address(const struct kmem *km, const struct page *p);
/* The host pointer behind a kernel address of the direct map (NULL outside it). */
void *kmem_host(const struct kmem *km, uint32_t va);
/* Any kernel virtual address through swapper_pg_dir (vmalloc, kmap, fixmap too). */
int kmem_virt_to_phys(struct kmem *km, uint32_t va, phys_addr_t *pa);

/* ---- page_alloc.c ---- */
struct page *alloc_pages(struct kmem *km, gfp_t gfp, unsigned order);
static inline struct page *alloc_page(struct kmem *km, gfp_t gfp)
{
	return alloc_pages(km, gfp, 0);
}
void __free_pages(struct kmem *km, struct page *page, unsigned order);
static inline void __free_page(struct kmem *km, struct page *p)
{
	__free_pages(km, p, 0);
}
uint32_t __get_free_pages(struct kmem *km, gfp_t gfp, unsigned order); /* lowmem only */
void free_pages(struct kmem *km, uint32_t addr, unsigned order);
void get_page(struct page *p);
void put_page(struct kmem *km, struct page *p); /* frees at refcount 0 (order 0) */
bool zone_watermark_ok(const struct zone *z, unsigned order, uint64_t mark,
		       enum zone_type highest_zoneidx);
enum zone_type gfp_zone(gfp_t gfp);
uint64_t global_free_pages(const struct kmem *km);
/* Initial release of a free range into the buddy lists (memblock_free_all). */
void free_range_to_buddy(struct kmem *km, uint64_t start_pfn, uint64_t end_pfn);
void setup_per_zone_wmarks(struct kmem *km);
/* Zeroes a frame wherever it lives (kmap_local on highmem). */
void clear_highpage(struct kmem *km, struct page *p);
void copy_highpage(struct kmem *km, struct page *to, struct page *from);

/* ---- slab.c ---- */
int kmem_slab_init(struct kmem *km);
struct kmem_cache *kmem_cache_create(struct kmem *km, const char *name, unsigned size,
				     unsigned align, unsigned flags);
#define SLAB_HWCACHE_ALIGN 0x2000u
#define SLAB_RECLAIM_ACCOUNT 0x20000u
#define SLAB_CACHE_DMA 0x4000u
void kmem_cache_destroy(struct kmem *km, struct kmem_cache *s);
uint32_t kmem_cache_alloc(struct kmem *km, struct kmem_cache *s, gfp_t gfp);
void kmem_cache_free(struct kmem *km, struct kmem_cache *s, uint32_t obj);
int kmem_cache_shrink(struct kmem *km, struct kmem_cache *s); /* frees empty slabs */
uint32_t kmalloc(struct kmem *km, size_t size, gfp_t gfp);
uint32_t kzalloc(struct kmem *km, size_t size, gfp_t gfp);
void kfree(struct kmem *km, uint32_t obj);
size_t ksize(struct kmem *km, uint32_t obj);
struct kmem_cache *kmalloc_slab(struct kmem *km, size_t size); /* the GFP_KERNEL class */
struct kmem_cache *kmalloc_slab_gfp(struct kmem *km, size_t size, gfp_t gfp);
void kmem_slab_destroy(struct kmem *km);

/* ---- vmalloc.c, ioremap.c ---- */
uint32_t vmalloc(struct kmem *km, size_t size);
uint32_t __vmalloc(struct kmem *km, size_t size, gfp_t gfp, const char *caller);
void vfree(struct kmem *km, uint32_t addr);
struct vm_struct *find_vm_area(struct kmem *km, uint32_t addr);
bool is_vmalloc_addr(const struct kmem *km, uint32_t addr);
struct page *vmalloc_to_page(struct kmem *km, uint32_t addr);
/* Reserves [addr, addr + size + guard) in the vmalloc area (get_vm_area_caller). */
struct vm_struct *get_vm_area(struct kmem *km, size_t size, unsigned flags, const char *caller);
void free_vm_area(struct kmem *km, struct vm_struct *v);
uint64_t vmalloc_used_kb(const struct kmem *km);
uint64_t vmalloc_largest_free(const struct kmem *km);
uint32_t ioremap(struct kmem *km, phys_addr_t phys, size_t size);
uint32_t ioremap_cache(struct kmem *km, phys_addr_t phys, size_t size);
void iounmap(struct kmem *km, uint32_t addr);

/* ---- highmem.c ---- */
uint32_t kmap(struct kmem *km, struct page *p); /* 0 when every pkmap slot is in use */
void kunmap(struct kmem *km, struct page *p);
uint32_t kmap_local_page(struct kmem *km, struct page *p); /* 0 when the stack is full */
void kunmap_local(struct kmem *km, uint32_t vaddr);
#define kmap_atomic kmap_local_page
#define kunmap_atomic kunmap_local
/* Host pointer to a page's bytes, for the kernel's own copies: goes through kmap_local for
 * highmem, and must be released with kunmap_host. */
void *kmap_host(struct kmem *km, struct page *p, uint32_t *vaddr);
void kunmap_host(struct kmem *km, uint32_t vaddr);
uint32_t fix_to_virt(const struct kmem *km, unsigned idx);
unsigned pkmap_nr_in_use(const struct kmem *km);
void flush_all_zero_pkmaps(struct kmem *km);

/* ---- proc_mm.c ---- */
int proc_meminfo_show(struct kmem *km, char *buf, size_t len);
int proc_buddyinfo_show(struct kmem *km, char *buf, size_t len);
int proc_zoneinfo_show(struct kmem *km, char *buf, size_t len);
int proc_slabinfo_show(struct kmem *km, char *buf, size_t len);
int proc_vmallocinfo_show(struct kmem *km, char *buf, size_t len);
int proc_vmstat_show(struct kmem *km, char *buf, size_t len);
#endif
