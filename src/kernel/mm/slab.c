/*
 * Slab allocation the way SLUB lays it out (mm/slub.c, mm/slab_common.c): a cache carves
 * slabs of 2^order pages from the buddy allocator into equal objects; a free object holds
 * the kernel address of the next free one (the freelist lives in the objects themselves,
 * in simulated RAM). kmalloc uses the size classes 8..8192 with 96 and 192; bigger
 * requests go straight to the page allocator. Objects are lowmem: kernel logical
 * addresses, __pa(obj) is their physical address.
 * Not modelled: per-CPU slabs and cache merging (aliases); every slab is on the node lists.
 */
#include "kernel/mm/mm_internal.h"
#include "kernel/mm/ktrace_mm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ZERO_SIZE_PTR 16u
#define SLUB_MAX_ORDER 3 /* PAGE_ALLOC_COSTLY_ORDER */
#define MAX_OBJS_PER_PAGE 32767u
#define CACHE_LINE 64u /* L1_CACHE_BYTES of a 686 build */

static unsigned get_order(uint64_t size)
{
	unsigned o = 0;
	while ((uint64_t)PAGE_SIZE << o < size)
		o++;
	return o;
}

static unsigned order_objects(unsigned order, unsigned size)
{
	return (unsigned)((PAGE_SIZE << order) / size);
}

/* calc_slab_order: the smallest order with at most 1/fract of the slab left over */
static unsigned calc_slab_order(unsigned size, unsigned min_objects, unsigned max_order,
				unsigned fract)
{
	if (order_objects(0, size) > MAX_OBJS_PER_PAGE)
		return get_order((uint64_t)size * MAX_OBJS_PER_PAGE) - 1;
	unsigned order = get_order((uint64_t)min_objects * size);
	for (; order <= max_order; order++) {
		unsigned slab = PAGE_SIZE << order;
		if (slab % size <= slab / fract)
			break;
	}
	return order;
}

/* calculate_order for one CPU: slub_min_objects = 4 * (fls(1) + 1) = 8 */
static unsigned calculate_order(unsigned size)
{
	unsigned min_objects = 8, max_objects = order_objects(SLUB_MAX_ORDER, size);
	if (min_objects > max_objects)
		min_objects = max_objects;
	while (min_objects > 1) {
		for (unsigned fract = 16; fract >= 4; fract /= 2) {
			unsigned o = calc_slab_order(size, min_objects, SLUB_MAX_ORDER, fract);
			if (o <= SLUB_MAX_ORDER)
				return o;
		}
		min_objects--;
	}
	unsigned o = calc_slab_order(size, 1, SLUB_MAX_ORDER, 1);
	if (o <= SLUB_MAX_ORDER)
		return o;
	return calc_slab_order(size, 1, MAX_ORDER - 1, 1);
}

struct kmem_cache *kmem_cache_create(struct kmem *km, const char *name, unsigned size,
				     unsigned align, unsigned flags)
{
	if (!size || size > (PAGE_SIZE << (MAX_ORDER - 1)) || (align & (align - 1))) {
		kmem_error(km, -EINVAL, "kmem_cache_create: bad size or alignment");
		return NULL;
	}
	struct kmem_cache *s = calloc(1, sizeof(*s));
	if (!s) {
		kmem_error(km, -ENOMEM, "kmem_cache_create: out of host memory");
		return NULL;
	}
	snprintf(s->name, sizeof(s->name), "%s", name);
	/* calculate_alignment */
	unsigned a = align < 4 ? 4 : align;
	if (flags & SLAB_HWCACHE_ALIGN) {
		unsigned ralign = CACHE_LINE;
		while (size <= ralign / 2)
			ralign /= 2;
		if (ralign > a)
			a = ralign;
	}
	s->object_size = size;
	s->align = a;
	s->size = (size + a - 1) & ~(a - 1);
	s->offset = (s->object_size / 2) & ~3u; /* the free pointer in the middle (6.1) */
	s->order = calculate_order(s->size);
	s->oo_objects = order_objects(s->order, s->size);
	unsigned lg = 0;
	while ((2u << lg) <= s->size)
		lg++;
	s->min_partial = lg / 2 < 5 ? 5 : lg / 2 > 10 ? 10 : lg / 2;
	s->reclaimable = flags & SLAB_RECLAIM_ACCOUNT;
	s->allocflags = (flags & SLAB_CACHE_DMA) ? __GFP_DMA : 0;
	INIT_LIST_HEAD(&s->partial);
	INIT_LIST_HEAD(&s->full);
	list_add(&s->list, &km->slab_caches);
	return s;
}

static uint32_t *freeptr(struct kmem *km, struct kmem_cache *s, uint32_t obj)
{
	return (uint32_t *)kmem_host(km, obj + s->offset);
}

static void account_slab(struct kmem *km, struct kmem_cache *s, int64_t pages)
{
	km->stat[s->reclaimable ? NR_SLAB_RECLAIMABLE : NR_SLAB_UNRECLAIMABLE] += (uint64_t)pages;
}

static struct page *new_slab(struct kmem *km, struct kmem_cache *s, gfp_t gfp)
{
	gfp &= ~(__GFP_HIGHMEM | __GFP_ZERO | __GFP_MOVABLE | __GFP_DMA);
	struct page *p = alloc_pages(km, gfp | s->allocflags, s->order);
	if (!p)
		return NULL;
	for (unsigned i = 0; i < (1u << s->order); i++) {
		SetPageFlag(&p[i], PG_slab);
		p[i].slab_cache = s;
		p[i].index = i; /* distance to the slab's first page */
	}
	uint32_t base = page_address(km, p);
	for (unsigned i = 0; i < s->oo_objects; i++) {
		uint32_t obj = base + i * s->size;
		*freeptr(km, s, obj) = i + 1 < s->oo_objects ? obj + s->size : 0;
	}
	p->freelist = base;
	p->inuse = 0;
	p->objects = (uint16_t)s->oo_objects;
	s->nr_slabs++;
	s->total_objects += s->oo_objects;
	account_slab(km, s, 1 << s->order);
	list_add(&p->lru, &s->partial);
	s->nr_partial++;
	return p;
}

static void discard_slab(struct kmem *km, struct kmem_cache *s, struct page *p)
{
	list_del_init(&p->lru);
	s->nr_partial--;
	s->nr_slabs--;
	s->total_objects -= p->objects;
	account_slab(km, s, -(1 << s->order));
	for (unsigned i = 0; i < (1u << s->order); i++) {
		ClearPageFlag(&p[i], PG_slab);
		p[i].slab_cache = NULL;
		p[i].index = 0;
	}
	p->freelist = 0;
	__free_pages(km, p, s->order);
}

uint32_t kmem_cache_alloc(struct kmem *km, struct kmem_cache *s, gfp_t gfp)
{
	if (!s)
		return 0;
	struct page *p;
	if (!list_empty(&s->partial))
		p = list_entry(s->partial.next, struct page, lru);
	else if (!(p = new_slab(km, s, gfp)))
		return 0;
	uint32_t obj = p->freelist;
	p->freelist = *freeptr(km, s, obj);
	p->inuse++;
	s->active_objects++;
	if (p->inuse == p->objects) {
		list_del_init(&p->lru);
		s->nr_partial--;
		list_add(&p->lru, &s->full);
	}
	if (gfp & __GFP_ZERO)
		memset(kmem_host(km, obj), 0, s->object_size);
	if (ktrace_mm_on(km, TRACE_KMEM))
		ktrace_slab(km, "slab-alloc", s, obj);
	return obj;
}

static struct page *slab_head(struct kmem *km, uint32_t obj)
{
	struct page *p = virt_to_page(km, obj);
	return PageSlab(p) ? p - p->index : NULL;
}

void kmem_cache_free(struct kmem *km, struct kmem_cache *s, uint32_t obj)
{
	if (!obj)
		return;
	struct page *p = virt_addr_valid(km, obj) ? slab_head(km, obj) : NULL;
	uint32_t base = p ? page_address(km, p) : 0;
	if (!p || p->slab_cache != s || (obj - base) % s->size || !p->inuse) {
		kmem_error(km, -EINVAL, "kmem_cache_free: not an allocated object of this cache");
		return;
	}
	bool was_full = p->inuse == p->objects;
	*freeptr(km, s, obj) = p->freelist;
	p->freelist = obj;
	p->inuse--;
	s->active_objects--;
	if (ktrace_mm_on(km, TRACE_KMEM))
		ktrace_slab(km, "slab-free", s, obj);
	if (was_full) {
		list_del_init(&p->lru);
		list_add_tail(&p->lru, &s->partial);
		s->nr_partial++;
	}
	/* an empty slab goes back to the page allocator once enough partial slabs are kept */
	if (!p->inuse && s->nr_partial > s->min_partial)
		discard_slab(km, s, p);
}

int kmem_cache_shrink(struct kmem *km, struct kmem_cache *s)
{
	int freed = 0;
	for (struct list_head *l = s->partial.next, *n; l != &s->partial; l = n) {
		n = l->next;
		struct page *p = list_entry(l, struct page, lru);
		if (!p->inuse) {
			discard_slab(km, s, p);
			freed++;
		}
	}
	return freed;
}

void kmem_cache_destroy(struct kmem *km, struct kmem_cache *s)
{
	if (!s)
		return;
	kmem_cache_shrink(km, s);
	/* objects still allocated: Linux complains and leaks the cache; vmlab frees it all */
	while (!list_empty(&s->full) || !list_empty(&s->partial)) {
		struct list_head *h = !list_empty(&s->full) ? &s->full : &s->partial;
		struct page *p = list_entry(h->next, struct page, lru);
		if (h == &s->full)
			s->nr_partial++; /* discard_slab expects it counted as partial */
		s->active_objects -= p->inuse;
		discard_slab(km, s, p);
	}
	list_del_init(&s->list);
	free(s);
}

/* kmalloc_index: 1..8 -> 8, 65..96 -> 96, 129..192 -> 192, else the next power of two;
 * GFP_DMA requests have their own dma-kmalloc-N caches, whose slabs come from ZONE_DMA */
struct kmem_cache *kmalloc_slab_gfp(struct kmem *km, size_t size, gfp_t gfp)
{
	if (!size || size > KMALLOC_MAX_CACHE_SIZE)
		return NULL;
	bool dma = gfp & __GFP_DMA;
	if (size > 64 && size <= 96)
		return dma ? km->kmalloc_dma_96 : km->kmalloc_96;
	if (size > 128 && size <= 192)
		return dma ? km->kmalloc_dma_192 : km->kmalloc_192;
	unsigned i = 3;
	while ((1u << i) < size)
		i++;
	return dma ? km->kmalloc_dma_caches[i] : km->kmalloc_caches[i];
}

struct kmem_cache *kmalloc_slab(struct kmem *km, size_t size)
{
	return kmalloc_slab_gfp(km, size, GFP_KERNEL);
}

uint32_t kmalloc(struct kmem *km, size_t size, gfp_t gfp)
{
	counter_add(km->ctr, CTR_kmalloc_calls, 1);
	if (!size)
		return ZERO_SIZE_PTR;
	if (size > KMALLOC_MAX_CACHE_SIZE) {
		/* kmalloc_large: whole pages, still accounted as unreclaimable slab (6.1) */
		unsigned order = get_order(size);
		if (order >= MAX_ORDER) {
			kmem_error(km, -ENOMEM, "kmalloc: larger than the biggest buddy block");
			return 0;
		}
		struct page *p = alloc_pages(km, gfp & ~(__GFP_HIGHMEM | __GFP_MOVABLE), order);
		if (!p)
			return 0;
		SetPageFlag(p, PG_head);
		p->private = order;
		km->stat[NR_SLAB_UNRECLAIMABLE] += 1u << order;
		return page_address(km, p);
	}
	return kmem_cache_alloc(km, kmalloc_slab_gfp(km, size, gfp), gfp);
}

uint32_t kzalloc(struct kmem *km, size_t size, gfp_t gfp)
{
	return kmalloc(km, size, gfp | __GFP_ZERO);
}

void kfree(struct kmem *km, uint32_t obj)
{
	if (obj <= ZERO_SIZE_PTR)
		return;
	if (!virt_addr_valid(km, obj)) {
		kmem_error(km, -EINVAL, "kfree: not a kmalloc address");
		return;
	}
	counter_add(km->ctr, CTR_kfree_calls, 1);
	struct page *p = virt_to_page(km, obj);
	if (PageSlab(p)) {
		kmem_cache_free(km, (p - p->index)->slab_cache, obj);
		return;
	}
	if (!PageFlag(p, PG_head) || obj != page_address(km, p) || p->_refcount != 1) {
		kmem_error(km, -EINVAL, "kfree: not a kmalloc address");
		return;
	}
	unsigned order = p->private;
	ClearPageFlag(p, PG_head);
	p->private = 0;
	km->stat[NR_SLAB_UNRECLAIMABLE] -= 1u << order;
	__free_pages(km, p, order);
}

size_t ksize(struct kmem *km, uint32_t obj)
{
	if (obj <= ZERO_SIZE_PTR || !virt_addr_valid(km, obj))
		return 0;
	struct page *p = virt_to_page(km, obj);
	if (PageSlab(p))
		return (p - p->index)->slab_cache->object_size;
	return PageFlag(p, PG_head) ? (size_t)PAGE_SIZE << p->private : 0;
}

int kmem_slab_init(struct kmem *km)
{
	static const char *names[] = {"kmalloc-8",   "kmalloc-16",  "kmalloc-32",  "kmalloc-64",
				      "kmalloc-128", "kmalloc-256", "kmalloc-512", "kmalloc-1k",
				      "kmalloc-2k",  "kmalloc-4k",  "kmalloc-8k"};
	char dname[32];
	for (unsigned i = 3; i <= KMALLOC_SHIFT_HIGH; i++) {
		snprintf(dname, sizeof dname, "dma-%s", names[i - 3]);
		if (!(km->kmalloc_caches[i] = kmem_cache_create(km, names[i - 3], 1u << i, 0, 0)) ||
		    !(km->kmalloc_dma_caches[i] =
			  kmem_cache_create(km, dname, 1u << i, 0, SLAB_CACHE_DMA)))
			return -ENOMEM;
		if (i == 6 && (!(km->kmalloc_96 = kmem_cache_create(km, "kmalloc-96", 96, 0, 0)) ||
			       !(km->kmalloc_dma_96 = kmem_cache_create(km, "dma-kmalloc-96", 96, 0,
									SLAB_CACHE_DMA))))
			return -ENOMEM;
		if (i == 7 &&
		    (!(km->kmalloc_192 = kmem_cache_create(km, "kmalloc-192", 192, 0, 0)) ||
		     !(km->kmalloc_dma_192 =
			   kmem_cache_create(km, "dma-kmalloc-192", 192, 0, SLAB_CACHE_DMA))))
			return -ENOMEM;
	}
	/* object sizes as Debian's 6.1 kernels report them in /proc/slabinfo */
	bool pae = km->params.pae;
	km->task_struct_cachep = kmem_cache_create(km, "task_struct", pae ? 3008 : 2944, 64, 0);
	km->mm_cachep = kmem_cache_create(km, "mm_struct", 576, 64, 0);
	km->vm_area_cachep = kmem_cache_create(km, "vm_area_struct", pae ? 80 : 72, 0, 0);
	km->pgd_cachep = pae ? kmem_cache_create(km, "pgd_cache", 32, 32, 0) : NULL;
	if (!km->task_struct_cachep || !km->mm_cachep || !km->vm_area_cachep ||
	    (pae && !km->pgd_cachep))
		return -ENOMEM;
	return 0;
}

void kmem_slab_destroy(struct kmem *km)
{
	if (!km->slab_caches.next)
		return;
	while (!list_empty(&km->slab_caches))
		kmem_cache_destroy(km, list_entry(km->slab_caches.next, struct kmem_cache, list));
}
