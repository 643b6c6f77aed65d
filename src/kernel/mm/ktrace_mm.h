/*
 * The memory manager's side of the event stream (trace/trace.h): the swap class (swap-out
 * with the mappings rmap found, swap-in with the fault it serves, reclaim scans, kswapd
 * wakeups, OOM kills) and the kmem class (buddy, slab, vmalloc, kmap). Each hook is one
 * line at its call site, behind ktrace_mm_on: with tracing off it costs one test of a
 * pointer. The hooks only read state, so a traced run counts what an untraced one does.
 */
#ifndef VMLAB_KERNEL_MM_KTRACE_MM_H
#define VMLAB_KERNEL_MM_KTRACE_MM_H
#include "kernel/mm/kmem.h"
#include "kernel/mm/swap.h"
#include "trace/trace.h"

static inline bool ktrace_mm_on(const struct kmem *km, unsigned cls)
{
	return km->mmu && trace_enabled(km->mmu->trace, cls);
}

/* kmem */
void ktrace_buddy(struct kmem *km, const char *what, struct page *p, unsigned order);
void ktrace_slab(struct kmem *km, const char *what, const struct kmem_cache *s, uint32_t obj);
void ktrace_vmalloc(struct kmem *km, const char *what, uint32_t addr, uint32_t size,
		    unsigned nr_pages);
void ktrace_kmap(struct kmem *km, const char *what, struct page *p, uint32_t va);

/* swap */
void ktrace_swap_unmap(struct kmem *km, struct page *p, swp_entry_t e, const struct rmap_hit *h);
void ktrace_swap_out(struct kmem *km, struct page *p, swp_entry_t e);
void ktrace_swap_in(struct kmem *km, struct task *t, struct page *p, swp_entry_t e, uint32_t addr,
		    bool major);
void ktrace_reclaim(struct kmem *km, bool kswapd, uint64_t want, uint64_t scanned,
		    uint64_t reclaimed);
void ktrace_kswapd_wake(struct kmem *km);
void ktrace_oom_kill(struct kmem *km, struct task *victim, int64_t points);
#endif
