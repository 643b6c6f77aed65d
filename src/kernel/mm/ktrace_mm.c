/* The swap and kmem events (ktrace_mm.h). */
#include <stdio.h>

#include "kernel/mm/ktrace_mm.h"
#include "kernel/mm/mmap.h"
#include "kernel/task.h"

#define N(a) (unsigned)(sizeof(a) / sizeof((a)[0]))

static struct trace *tr_of(struct kmem *km)
{
	return km->mmu->trace;
}

static const char *zone_of(const struct page *p)
{
	static const char *const names[] = {"DMA", "Normal", "HighMem"};
	unsigned z = page_zonenum(p);
	return z < 3 ? names[z] : "?";
}

void ktrace_buddy(struct kmem *km, const char *what, struct page *p, unsigned order)
{
	uint64_t pfn = page_to_pfn(km, p);
	struct trace_arg a[] = {TRACE_HEX("pfn", pfn), TRACE_NUM("order", order),
				TRACE_STR("zone", zone_of(p)),
				TRACE_NUM("free_pages", global_free_pages(km))};
	trace_event_args(tr_of(km), TRACE_KMEM, what, false, 0, a, N(a));
	trace_counter(tr_of(km), TRACE_KMEM, "free pages", "free", global_free_pages(km));
}

void ktrace_slab(struct kmem *km, const char *what, const struct kmem_cache *s, uint32_t obj)
{
	struct trace_arg a[] = {TRACE_STR("cache", s->name), TRACE_HEX("object", obj),
				TRACE_NUM("size", s->object_size),
				TRACE_NUM("active", s->active_objects)};
	trace_event_args(tr_of(km), TRACE_KMEM, what, false, 0, a, N(a));
}

void ktrace_vmalloc(struct kmem *km, const char *what, uint32_t addr, uint32_t size,
		    unsigned nr_pages)
{
	struct trace_arg a[] = {TRACE_HEX("start", addr), TRACE_HEX("end", (uint64_t)addr + size),
				TRACE_NUM("pages", nr_pages)};
	trace_event_args(tr_of(km), TRACE_KMEM, what, false, 0, a, N(a));
}

void ktrace_kmap(struct kmem *km, const char *what, struct page *p, uint32_t va)
{
	struct trace_arg a[] = {TRACE_HEX("pfn", p ? page_to_pfn(km, p) : 0),
				TRACE_HEX("vaddr", va)};
	trace_event_args(tr_of(km), TRACE_KMEM, what, false, 0, a, N(a));
}

static uint64_t swap_used(const struct kmem *km)
{
	return total_swap_pages(km) - nr_swap_pages(km);
}

void ktrace_swap_unmap(struct kmem *km, struct page *p, swp_entry_t e, const struct rmap_hit *h)
{
	char vma[48] = "-";
	if (h->vma)
		snprintf(vma, sizeof vma, "%08x-%08x", h->vma->vm_start, h->vma->vm_end);
	struct task *o = h->mm ? h->mm->owner : NULL;
	struct trace_arg a[] = {
	    TRACE_HEX("pfn", page_to_pfn(km, p)), TRACE_NUM("type", swp_type(e)),
	    TRACE_HEX("slot", swp_offset(e)),	  TRACE_NUM("pid", o ? (uint64_t)o->tgid : 0),
	    TRACE_HEX("address", h->addr),	  TRACE_STR("vma", vma)};
	trace_event_args(tr_of(km), TRACE_SWAP, "unmap", true, h->addr, a, N(a));
}

void ktrace_swap_out(struct kmem *km, struct page *p, swp_entry_t e)
{
	struct trace_arg a[] = {TRACE_HEX("pfn", page_to_pfn(km, p)),
				TRACE_NUM("type", swp_type(e)), TRACE_HEX("slot", swp_offset(e)),
				TRACE_NUM("swap_used", swap_used(km)),
				TRACE_NUM("swap_total", total_swap_pages(km))};
	trace_event_args(tr_of(km), TRACE_SWAP, "swap-out", false, 0, a, N(a));
	trace_counter(tr_of(km), TRACE_SWAP, "swap used", "pages", swap_used(km));
}

void ktrace_swap_in(struct kmem *km, struct task *t, struct page *p, swp_entry_t e, uint32_t addr,
		    bool major)
{
	struct trace_arg a[] = {TRACE_NUM("type", swp_type(e)),
				TRACE_HEX("slot", swp_offset(e)),
				TRACE_HEX("pfn", page_to_pfn(km, p)),
				TRACE_NUM("pid", t ? (uint64_t)t->tgid : 0),
				TRACE_HEX("address", addr),
				TRACE_STR("fault", major ? "major" : "minor (swap cache)"),
				TRACE_NUM("swap_used", swap_used(km))};
	trace_event_args(tr_of(km), TRACE_SWAP, "swap-in", true, addr, a, N(a));
	trace_counter(tr_of(km), TRACE_SWAP, "swap used", "pages", swap_used(km));
}

void ktrace_reclaim(struct kmem *km, bool kswapd, uint64_t want, uint64_t scanned,
		    uint64_t reclaimed)
{
	struct trace_arg a[] = {TRACE_STR("by", kswapd ? "kswapd" : "direct"),
				TRACE_NUM("wanted", want), TRACE_NUM("scanned", scanned),
				TRACE_NUM("reclaimed", reclaimed),
				TRACE_NUM("free_pages", global_free_pages(km))};
	trace_event_args(tr_of(km), TRACE_SWAP, "reclaim", false, 0, a, N(a));
	trace_counter(tr_of(km), TRACE_SWAP, "free pages", "free", global_free_pages(km));
}

void ktrace_kswapd_wake(struct kmem *km)
{
	struct trace_arg a[] = {TRACE_NUM("free_pages", global_free_pages(km))};
	trace_event_args(tr_of(km), TRACE_SWAP, "kswapd-wake", false, 0, a, N(a));
}

void ktrace_oom_kill(struct kmem *km, struct task *victim, int64_t points)
{
	struct trace_arg a[] = {TRACE_NUM("pid", (uint64_t)victim->tgid),
				TRACE_STR("comm", victim->comm ? victim->comm : "?"),
				TRACE_NUM("points", points < 0 ? 0 : (uint64_t)points),
				TRACE_NUM("rss_pages", victim->mm ? victim->mm->rss_anon +
									victim->mm->rss_file +
									victim->mm->rss_shmem
								  : 0)};
	trace_event_args(tr_of(km), TRACE_SWAP, "oom-kill", false, 0, a, N(a));
}
