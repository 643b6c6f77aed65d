/*
 * The buddy allocator (mm/page_alloc.c): per-zone free lists of orders 0..MAX_ORDER-1,
 * split on allocation, merge with the buddy (pfn ^ (1 << order)) on free, zone fallback
 * down the zonelist, watermarks and lowmem_reserve as 6.1 computes them.
 * Not modelled: per-CPU page lists (pcp), migrate types, compaction. Reclaim (vmscan.c):
 * the slow path wakes kswapd, and an allocation that fails the min watermark reclaims
 * directly before it fails.
 */
#include "kernel/mm/kmem.h"
#include "kernel/mm/ktrace_mm.h"
#include "kernel/mm/mm_internal.h"
#include "kernel/mm/swap.h"

#include <errno.h>
#include <string.h>

static const unsigned lowmem_reserve_ratio[MAX_NR_ZONES] = {256, 32, 0, 0};
#define WATERMARK_SCALE_FACTOR 10

enum zone_type gfp_zone(gfp_t gfp)
{
	if (gfp & __GFP_DMA)
		return ZONE_DMA;
	if (gfp & __GFP_HIGHMEM)
		return (gfp & __GFP_MOVABLE) ? ZONE_MOVABLE : ZONE_HIGHMEM;
	return ZONE_NORMAL;
}

static bool page_is_buddy(struct kmem *km, uint64_t pfn, unsigned order, enum zone_type zt)
{
	if (pfn >= km->max_pfn)
		return false;
	struct page *b = pfn_to_page(km, pfn);
	return PageBuddy(b) && b->private == order && page_zonenum(b) == zt;
}

static void add_to_free_list(struct zone *z, struct page *p, unsigned order)
{
	SetPageFlag(p, PG_buddy);
	p->private = order;
	list_add(&p->lru, &z->free_area[order].free_list);
	z->free_area[order].nr_free++;
}

static void del_from_free_list(struct zone *z, struct page *p, unsigned order)
{
	list_del_init(&p->lru);
	ClearPageFlag(p, PG_buddy);
	p->private = 0;
	z->free_area[order].nr_free--;
}

static void free_one_page(struct kmem *km, uint64_t pfn, unsigned order)
{
	struct page *p = pfn_to_page(km, pfn);
	enum zone_type zt = page_zonenum(p);
	struct zone *z = &km->zones[zt];
	z->free_pages += 1ull << order;
	while (order < MAX_ORDER - 1) {
		uint64_t buddy = pfn ^ (1ull << order);
		if (!page_is_buddy(km, buddy, order, zt))
			break;
		del_from_free_list(z, pfn_to_page(km, buddy), order);
		counter_add(km->ctr, CTR_buddy_merges, 1);
		pfn &= buddy;
		order++;
	}
	add_to_free_list(z, pfn_to_page(km, pfn), order);
}

void free_range_to_buddy(struct kmem *km, uint64_t start_pfn, uint64_t end_pfn)
{
	for (uint64_t pfn = start_pfn; pfn < end_pfn; pfn++) {
		struct page *p = pfn_to_page(km, pfn);
		ClearPageFlag(p, PG_reserved);
		p->_refcount = 0;
		km->zones[page_zonenum(p)].managed_pages++;
	}
	while (start_pfn < end_pfn) {
		unsigned order = MAX_ORDER - 1;
		while (order && ((start_pfn & ((1ull << order) - 1)) ||
				 start_pfn + (1ull << order) > end_pfn))
			order--;
		free_one_page(km, start_pfn, order);
		start_pfn += 1ull << order;
	}
}

void free_boot_block(struct kmem *km, uint64_t pfn)
{
	struct page *p = &km->mem_map[pfn]; /* not pfn_to_page: the block stays unwritten */
	enum zone_type zt = pfn_zone(km, pfn);
	p->flags = (uint32_t)zt << ZONES_SHIFT;
	p->_refcount = 0;
	p->_mapcount = -1;
	INIT_LIST_HEAD(&p->lru);
	km->mem_map_block[pfn >> MEM_MAP_BLOCK_SHIFT] = MEM_MAP_BLOCK_FREE;
	struct zone *z = &km->zones[zt];
	z->managed_pages += 1u << (MAX_ORDER - 1);
	z->free_pages += 1u << (MAX_ORDER - 1);
	add_to_free_list(z, p, MAX_ORDER - 1); /* an order-10 block never merges */
}

/* __rmqueue_smallest + expand: the smallest block that fits, split down to order */
static struct page *rmqueue(struct kmem *km, struct zone *z, unsigned order)
{
	for (unsigned o = order; o < MAX_ORDER; o++) {
		struct free_area *fa = &z->free_area[o];
		if (list_empty(&fa->free_list))
			continue;
		struct page *p = list_entry(fa->free_list.next, struct page, lru);
		del_from_free_list(z, p, o);
		/* the split below reaches the block's other struct pages by p + i */
		(void)pfn_to_page(km, page_to_pfn(km, p));
		while (o > order) {
			o--;
			add_to_free_list(z, p + (1u << o), o);
			counter_add(km->ctr, CTR_buddy_splits, 1);
		}
		z->free_pages -= 1ull << order;
		return p;
	}
	return NULL;
}

bool zone_watermark_ok(const struct zone *z, unsigned order, uint64_t mark,
		       enum zone_type highest_zoneidx)
{
	int64_t free = (int64_t)z->free_pages - ((1ll << order) - 1);
	if (free <= (int64_t)(mark + z->lowmem_reserve[highest_zoneidx]))
		return false;
	if (!order)
		return true;
	for (unsigned o = order; o < MAX_ORDER; o++)
		if (z->free_area[o].nr_free)
			return true;
	return false;
}

static struct page *get_page_from_freelist(struct kmem *km, gfp_t gfp, unsigned order, bool use_min)
{
	enum zone_type highest = gfp_zone(gfp);
	bool preferred_seen = false;
	for (int zi = (int)highest; zi >= 0; zi--) {
		struct zone *z = &km->zones[zi];
		if (!populated_zone(z))
			continue; /* zonelists hold populated zones only */
		bool preferred = !preferred_seen;
		preferred_seen = true;
		uint64_t mark = use_min ? z->wmark_min : z->wmark_low;
		if (use_min && (gfp & __GFP_HIGH))
			mark -= mark / 2; /* ALLOC_HIGH */
		if (!zone_watermark_ok(z, order, mark, highest))
			continue;
		struct page *p = rmqueue(km, z, order);
		if (!p)
			continue;
		if (!preferred)
			counter_add(km->ctr, CTR_zone_fallbacks, 1);
		return p;
	}
	return NULL;
}

struct page *alloc_pages(struct kmem *km, gfp_t gfp, unsigned order)
{
	if (order >= MAX_ORDER) {
		kmem_error(km, -EINVAL, "alloc_pages: order above MAX_ORDER - 1");
		return NULL;
	}
	struct page *p = get_page_from_freelist(km, gfp, order, false);
	if (!p) { /* the slow path: kswapd woken, down to the min watermark */
		if (gfp & (__GFP_RECLAIM | __GFP_HIGH))
			wakeup_kswapd(km);
		p = get_page_from_freelist(km, gfp, order, true);
	}
	/* direct reclaim, retried while it makes progress (MAX_RECLAIM_RETRIES) */
	for (int tries = 0; !p && km->reclaim && tries < 16; tries++) {
		uint64_t got = try_to_free_pages(km, gfp, order);
		p = get_page_from_freelist(km, gfp, order, true);
		if (!got)
			break;
	}
	if (!p) {
		kmem_error(km, -ENOMEM, "alloc_pages: no zone above its watermark");
		return NULL;
	}
	for (unsigned i = 0; i < (1u << order); i++) {
		p[i]._refcount = 0;
		p[i]._mapcount = -1;
		p[i].flags &= ~(1u << PG_reserved | 1u << PG_dirty | 1u << PG_table);
	}
	p->_refcount = 1;
	km->zones[page_zonenum(p)].pgalloc += 1ull << order;
	counter_add(km->ctr, CTR_pgalloc, 1ull << order);
	if (ktrace_mm_on(km, TRACE_KMEM))
		ktrace_buddy(km, "page-alloc", p, order);
	if (gfp & __GFP_ZERO)
		for (unsigned i = 0; i < (1u << order); i++)
			clear_highpage(km, p + i);
	return p;
}

static void free_pages_now(struct kmem *km, struct page *page, unsigned order)
{
	uint64_t pfn = page_to_pfn(km, page);
	for (unsigned i = 0; i < (1u << order); i++) {
		lru_del(km, page + i);
		physmem_frame_changed(km->pm, pfn + i);
		page[i].mapping = NULL;
		page[i].index = 0;
		page[i]._refcount = 0;
		page[i]._mapcount = -1;
		page[i].flags &= (0xFu << ZONES_SHIFT); /* keep the zone, drop state */
	}
	counter_add(km->ctr, CTR_pgfree, 1ull << order);
	free_one_page(km, pfn, order);
	if (ktrace_mm_on(km, TRACE_KMEM))
		ktrace_buddy(km, "page-free", page, order);
}

/* Drops the caller's reference; the block goes back when it was the last one (as in 6.1). */
void __free_pages(struct kmem *km, struct page *page, unsigned order)
{
	if (!page || order >= MAX_ORDER)
		return;
	if (PageBuddy(page) || page->_refcount <= 0) {
		kmem_error(km, -EINVAL, "__free_pages: page is already free");
		return;
	}
	if (--page->_refcount == 0)
		free_pages_now(km, page, order);
}

uint32_t __get_free_pages(struct kmem *km, gfp_t gfp, unsigned order)
{
	struct page *p = alloc_pages(km, gfp & ~__GFP_HIGHMEM, order);
	return p ? page_address(km, p) : 0;
}

void free_pages(struct kmem *km, uint32_t addr, unsigned order)
{
	if (addr && virt_addr_valid(km, addr))
		__free_pages(km, virt_to_page(km, addr), order);
}

/* Reserved pages (the zero page, boot allocations) are never counted nor freed. */
void get_page(struct page *p)
{
	if (!PageReserved(p))
		p->_refcount++;
}

void put_page(struct kmem *km, struct page *p)
{
	if (!PageReserved(p))
		__free_pages(km, p, 0);
}

uint64_t global_free_pages(const struct kmem *km)
{
	uint64_t n = 0;
	for (int z = 0; z < MAX_NR_ZONES; z++)
		n += km->zones[z].free_pages;
	return n;
}

void clear_highpage(struct kmem *km, struct page *p)
{
	uint32_t v = kmap_local_page(km, p);
	zero_frame(km, page_to_pfn(km, p));
	if (v)
		kunmap_local(km, v);
}

void copy_highpage(struct kmem *km, struct page *to, struct page *from)
{
	uint32_t vf = kmap_local_page(km, from), vt = kmap_local_page(km, to);
	physmem_frame_changed(km->pm, page_to_pfn(km, to));
	memcpy(physmem_ptr(km->pm, page_to_phys(km, to)),
	       physmem_ptr(km->pm, page_to_phys(km, from)), PAGE_SIZE);
	if (vt)
		kunmap_local(km, vt);
	if (vf)
		kunmap_local(km, vf);
}

static uint64_t int_sqrt(uint64_t x)
{
	uint64_t r = 0;
	for (uint64_t b = 1ull << 62; b; b >>= 2) {
		if (x >= r + b) {
			x -= r + b;
			r = (r >> 1) + b;
		} else {
			r >>= 1;
		}
	}
	return r;
}

/* ZONE_MOVABLE counts as highmem only when it would take its pages from HighMem, i.e. when
 * HighMem is the highest populated zone (find_usable_zone_for_movable) */
static bool is_highmem_idx(const struct kmem *km, int z)
{
	return z == ZONE_HIGHMEM || (z == ZONE_MOVABLE && populated_zone(&km->zones[ZONE_HIGHMEM]));
}

/* __setup_per_zone_wmarks: lowmem zones share min_free_kbytes by managed pages; highmem
 * gets a small fixed min; the low/high steps follow watermark_scale_factor */
static void setup_wmarks_once(struct kmem *km)
{
	uint64_t pages_min = km->min_free_kbytes >> (PAGE_SHIFT - 10), lowmem_pages = 0;
	for (int z = 0; z < MAX_NR_ZONES; z++)
		if (!is_highmem_idx(km, z))
			lowmem_pages += km->zones[z].managed_pages;
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zn = &km->zones[z];
		uint64_t m = zn->managed_pages;
		uint64_t tmp = lowmem_pages ? pages_min * m / lowmem_pages : 0;
		if (is_highmem_idx(km, z)) {
			uint64_t min_pages = m / 1024;
			min_pages = min_pages < 32 ? 32 : min_pages > 128 ? 128 : min_pages;
			zn->wmark_min = min_pages;
		} else {
			zn->wmark_min = tmp;
		}
		uint64_t scale = m * WATERMARK_SCALE_FACTOR / 10000;
		tmp = (tmp >> 2) > scale ? tmp >> 2 : scale;
		zn->wmark_low = zn->wmark_min + tmp;
		zn->wmark_high = zn->wmark_low + tmp;
	}
}

static uint64_t nr_free_buffer_pages(const struct kmem *km)
{
	uint64_t n = 0;
	for (int z = 0; z <= ZONE_NORMAL; z++) {
		const struct zone *zn = &km->zones[z];
		if (zn->managed_pages > zn->wmark_high)
			n += zn->managed_pages - zn->wmark_high;
	}
	return n;
}

void setup_per_zone_wmarks(struct kmem *km)
{
	for (int z = 0; z < MAX_NR_ZONES; z++)
		km->zones[z].wmark_min = km->zones[z].wmark_low = km->zones[z].wmark_high = 0;
	/* init_per_zone_wmark_min: sqrt(lowmem_kbytes * 16), clamped to [128, 262144] */
	uint64_t kb = int_sqrt(nr_free_buffer_pages(km) * 4 * 16);
	km->min_free_kbytes = kb < 128 ? 128 : kb > 262144 ? 262144 : kb;
	setup_wmarks_once(km);
	/* setup_per_zone_lowmem_reserve */
	for (int i = 0; i < MAX_NR_ZONES; i++) {
		struct zone *zn = &km->zones[i];
		uint64_t managed = 0;
		bool clear = !lowmem_reserve_ratio[i] || !zn->managed_pages;
		for (int j = 0; j < MAX_NR_ZONES; j++)
			zn->lowmem_reserve[j] = 0;
		for (int j = i + 1; j < MAX_NR_ZONES; j++) {
			managed += km->zones[j].managed_pages;
			zn->lowmem_reserve[j] = clear ? 0 : managed / lowmem_reserve_ratio[i];
		}
	}
	/* khugepaged's set_recommended_min_free_kbytes (Debian's kernels have THP=always):
	 * two pageblocks per lowmem zone plus MIGRATE_PCPTYPES^2 more, capped at 5% of
	 * lowmem. This, not the square root, sets min_free_kbytes on Debian's i386 kernels
	 * with 512 MB or more; hugepage_init leaves THP off (and khugepaged unstarted) below. */
	uint64_t totalram = 0;
	for (int z = 0; z < MAX_NR_ZONES; z++)
		totalram += km->zones[z].managed_pages;
	if (totalram < (512u << (20 - PAGE_SHIFT)))
		goto reserve;
	uint64_t pageblock = km->params.pae ? 512 : 1024, nr_zones = 0;
	for (int z = 0; z <= ZONE_NORMAL; z++)
		if (populated_zone(&km->zones[z]))
			nr_zones++;
	uint64_t rec = pageblock * nr_zones * 2 + pageblock * nr_zones * 3 * 3;
	uint64_t cap = nr_free_buffer_pages(km) / 20;
	if (rec > cap)
		rec = cap;
	if (rec * 4 > km->min_free_kbytes) {
		km->min_free_kbytes = rec * 4;
		setup_wmarks_once(km);
	}
reserve:
	/* calculate_totalreserve_pages */
	km->totalreserve_pages = 0;
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		struct zone *zn = &km->zones[z];
		uint64_t max = 0;
		for (int j = z; j < MAX_NR_ZONES; j++)
			if (zn->lowmem_reserve[j] > max)
				max = zn->lowmem_reserve[j];
		max += zn->wmark_high;
		if (max > zn->managed_pages)
			max = zn->managed_pages;
		km->totalreserve_pages += max;
	}
}
