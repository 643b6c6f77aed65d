/*
 * The /proc windows onto the kernel's memory, in the byte formats of Linux 6.1
 * (fs/proc/meminfo.c, mm/vmstat.c, mm/slab_common.c, mm/vmalloc.c). Each *_show writes
 * into buf and returns the length, or -ENOSPC when buf is too small.
 * Fields that belong to layers above (page cache, anonymous pages, swap) come from
 * km->stat, which those layers feed.
 */
#include "kernel/mm/mm_internal.h"
#include "kernel/mm/pgtable.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

struct out {
	char *buf;
	size_t len, pos;
	bool overflow;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = o->pos < o->len ? o->len - o->pos : 0;
	int n = vsnprintf(o->buf + (room ? o->pos : 0), room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		o->overflow = true;
	else
		o->pos += (size_t)n;
}

static int finish(struct out *o)
{
	return o->overflow ? -ENOSPC : (int)o->pos;
}

static void kb(struct out *o, const char *label, uint64_t pages)
{
	put(o, "%-16s%8llu kB\n", label, (unsigned long long)(pages * 4));
}

/* si_mem_available */
static uint64_t mem_available(const struct kmem *km)
{
	uint64_t wmark_low = 0;
	for (int z = 0; z < MAX_NR_ZONES; z++)
		wmark_low += km->zones[z].wmark_low;
	int64_t avail = (int64_t)global_free_pages(km) - (int64_t)km->totalreserve_pages;
	uint64_t pagecache = km->stat[NR_ACTIVE_FILE] + km->stat[NR_INACTIVE_FILE];
	pagecache -= pagecache / 2 < wmark_low ? pagecache / 2 : wmark_low;
	avail += (int64_t)pagecache;
	uint64_t recl = km->stat[NR_SLAB_RECLAIMABLE];
	avail += (int64_t)(recl - (recl / 2 < wmark_low ? recl / 2 : wmark_low));
	return avail < 0 ? 0 : (uint64_t)avail;
}

int proc_meminfo_show(struct kmem *km, char *buf, size_t len)
{
	struct out o = {buf, len, 0, false};
	const uint64_t *s = km->stat;
	uint64_t freeram = global_free_pages(km), freehigh = km->zones[ZONE_HIGHMEM].free_pages;
	int64_t cached =
	    (int64_t)s[NR_FILE_PAGES] - (int64_t)s[NR_SWAPCACHE] - (int64_t)s[NR_BUFFERS];
	kb(&o, "MemTotal:", km->totalram_pages);
	kb(&o, "MemFree:", freeram);
	kb(&o, "MemAvailable:", mem_available(km));
	kb(&o, "Buffers:", s[NR_BUFFERS]);
	kb(&o, "Cached:", cached < 0 ? 0 : (uint64_t)cached);
	kb(&o, "SwapCached:", s[NR_SWAPCACHE]);
	kb(&o, "Active:", s[NR_ACTIVE_ANON] + s[NR_ACTIVE_FILE]);
	kb(&o, "Inactive:", s[NR_INACTIVE_ANON] + s[NR_INACTIVE_FILE]);
	kb(&o, "Active(anon):", s[NR_ACTIVE_ANON]);
	kb(&o, "Inactive(anon):", s[NR_INACTIVE_ANON]);
	kb(&o, "Active(file):", s[NR_ACTIVE_FILE]);
	kb(&o, "Inactive(file):", s[NR_INACTIVE_FILE]);
	kb(&o, "Unevictable:", s[NR_UNEVICTABLE]);
	kb(&o, "Mlocked:", s[NR_MLOCK]);
	kb(&o, "HighTotal:", km->totalhigh_pages);
	kb(&o, "HighFree:", freehigh);
	kb(&o, "LowTotal:", km->totalram_pages - km->totalhigh_pages);
	kb(&o, "LowFree:", freeram - freehigh);
	kb(&o, "SwapTotal:", s[NR_SWAP_TOTAL]);
	kb(&o, "SwapFree:", s[NR_SWAP_FREE]);
	kb(&o, "Zswap:", 0);
	kb(&o, "Zswapped:", 0);
	kb(&o, "Dirty:", s[NR_FILE_DIRTY]);
	kb(&o, "Writeback:", s[NR_WRITEBACK]);
	kb(&o, "AnonPages:", s[NR_ANON_PAGES]);
	kb(&o, "Mapped:", s[NR_FILE_MAPPED]);
	kb(&o, "Shmem:", s[NR_SHMEM]);
	kb(&o, "KReclaimable:", s[NR_SLAB_RECLAIMABLE]);
	kb(&o, "Slab:", s[NR_SLAB_RECLAIMABLE] + s[NR_SLAB_UNRECLAIMABLE]);
	kb(&o, "SReclaimable:", s[NR_SLAB_RECLAIMABLE]);
	kb(&o, "SUnreclaim:", s[NR_SLAB_UNRECLAIMABLE]);
	put(&o, "%-16s%8llu kB\n", "KernelStack:", (unsigned long long)s[NR_KERNEL_STACK_KB]);
	kb(&o, "PageTables:", s[NR_PAGETABLE]);
	kb(&o, "SecPageTables:", 0);
	kb(&o, "NFS_Unstable:", 0);
	kb(&o, "Bounce:", 0);
	kb(&o, "WritebackTmp:", 0);
	/* overcommit_ratio 50 */
	kb(&o, "CommitLimit:", km->totalram_pages * 50 / 100 + s[NR_SWAP_TOTAL]);
	kb(&o, "Committed_AS:", s[NR_COMMITTED_AS]);
	put(&o, "%-16s%8llu kB\n",
	    "VmallocTotal:", (unsigned long long)((km->L.vmalloc_end - km->L.vmalloc_start) >> 10));
	kb(&o, "VmallocUsed:", s[NR_VMALLOC]);
	kb(&o, "VmallocChunk:", 0); /* 6.1 always prints 0 */
	kb(&o, "Percpu:", 0);
	put(&o, "HardwareCorrupted: %5llu kB\n", 0ull);
	kb(&o, "AnonHugePages:", s[NR_ANON_THPS]);
	kb(&o, "ShmemHugePages:", 0);
	kb(&o, "ShmemPmdMapped:", 0);
	kb(&o, "FileHugePages:", 0);
	kb(&o, "FilePmdMapped:", 0);
	put(&o,
	    "HugePages_Total:   %5u\nHugePages_Free:    %5u\nHugePages_Rsvd:    %5u\n"
	    "HugePages_Surp:    %5u\n",
	    0, 0, 0, 0);
	put(&o, "Hugepagesize:   %8u kB\n", km->params.pae ? 2048 : 4096);
	put(&o, "Hugetlb:        %8u kB\n", 0);
	uint64_t k4, kl;
	direct_map_counts(km, &k4, &kl);
	put(&o, "DirectMap4k:    %8llu kB\n", (unsigned long long)k4);
	put(&o, "DirectMap%s:    %8llu kB\n", km->params.pae ? "2M" : "4M", (unsigned long long)kl);
	return finish(&o);
}

int proc_buddyinfo_show(struct kmem *km, char *buf, size_t len)
{
	struct out o = {buf, len, 0, false};
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zn = &km->zones[z];
		if (!populated_zone(zn))
			continue;
		put(&o, "Node 0, zone %8s ", zn->name);
		for (int i = 0; i < MAX_ORDER; i++)
			put(&o, "%6lu ", zn->free_area[i].nr_free);
		put(&o, "\n");
	}
	return finish(&o);
}

static int fls64(uint64_t x)
{
	int n = 0;
	while (x) {
		n++;
		x >>= 1;
	}
	return n;
}

int proc_zoneinfo_show(struct kmem *km, char *buf, size_t len)
{
	struct out o = {buf, len, 0, false};
	const uint64_t *s = km->stat;
	const struct {
		const char *name;
		uint64_t v;
	} node[] = {
	    {"nr_inactive_anon", s[NR_INACTIVE_ANON]},
	    {"nr_active_anon", s[NR_ACTIVE_ANON]},
	    {"nr_inactive_file", s[NR_INACTIVE_FILE]},
	    {"nr_active_file", s[NR_ACTIVE_FILE]},
	    {"nr_unevictable", s[NR_UNEVICTABLE]},
	    {"nr_slab_reclaimable", s[NR_SLAB_RECLAIMABLE]},
	    {"nr_slab_unreclaimable", s[NR_SLAB_UNRECLAIMABLE]},
	    {"nr_isolated_anon", 0},
	    {"nr_isolated_file", 0},
	    {"workingset_nodes", 0},
	    {"workingset_refault_anon", 0},
	    {"workingset_refault_file", 0},
	    {"workingset_activate_anon", 0},
	    {"workingset_activate_file", 0},
	    {"workingset_restore_anon", 0},
	    {"workingset_restore_file", 0},
	    {"workingset_nodereclaim", 0},
	    {"nr_anon_pages", s[NR_ANON_PAGES]},
	    {"nr_mapped", s[NR_FILE_MAPPED]},
	    {"nr_file_pages", s[NR_FILE_PAGES]},
	    {"nr_dirty", s[NR_FILE_DIRTY]},
	    {"nr_writeback", s[NR_WRITEBACK]},
	    {"nr_writeback_temp", 0},
	    {"nr_shmem", s[NR_SHMEM]},
	    {"nr_shmem_hugepages", 0},
	    {"nr_shmem_pmdmapped", 0},
	    {"nr_file_hugepages", 0},
	    {"nr_file_pmdmapped", 0},
	    {"nr_anon_transparent_hugepages", s[NR_ANON_THPS] / (km->L.pmd_size >> PAGE_SHIFT)},
	    {"nr_vmscan_write", 0},
	    {"nr_vmscan_immediate_reclaim", 0},
	    {"nr_dirtied", 0},
	    {"nr_written", 0},
	    {"nr_throttled_written", 0},
	    {"nr_kernel_misc_reclaimable", 0},
	    {"nr_foll_pin_acquired", 0},
	    {"nr_foll_pin_released", 0},
	    {"nr_kernel_stack", s[NR_KERNEL_STACK_KB]},
	    {"nr_page_table_pages", s[NR_PAGETABLE]},
	    {"nr_sec_page_table_pages", 0},
	    {"nr_swapcached", s[NR_SWAPCACHE]},
	};
	bool first = true;
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zn = &km->zones[z];
		put(&o, "Node 0, zone %8s", zn->name);
		if (first && populated_zone(zn)) {
			first = false;
			put(&o, "\n  per-node stats");
			for (size_t i = 0; i < sizeof node / sizeof node[0]; i++)
				put(&o, "\n      %-12s %llu", node[i].name,
				    (unsigned long long)node[i].v);
		}
		put(&o,
		    "\n  pages free     %llu\n        boost    0\n        min      %llu"
		    "\n        low      %llu\n        high     %llu\n        spanned  %llu"
		    "\n        present  %llu\n        managed  %llu\n        cma      0"
		    "\n        protection: (",
		    (unsigned long long)zn->free_pages, (unsigned long long)zn->wmark_min,
		    (unsigned long long)zn->wmark_low, (unsigned long long)zn->wmark_high,
		    (unsigned long long)zn->spanned_pages, (unsigned long long)zn->present_pages,
		    (unsigned long long)zn->managed_pages);
		for (int j = 0; j < MAX_NR_ZONES; j++)
			put(&o, "%s%llu", j ? ", " : "", (unsigned long long)zn->lowmem_reserve[j]);
		put(&o, ")");
		if (!populated_zone(zn)) {
			put(&o, "\n");
			continue;
		}
		const char *zs[] = {"nr_zone_inactive_anon",
				    "nr_zone_active_anon",
				    "nr_zone_inactive_file",
				    "nr_zone_active_file",
				    "nr_zone_unevictable",
				    "nr_zone_write_pending",
				    "nr_mlock",
				    "nr_bounce",
				    "nr_zspages",
				    "nr_free_cma"};
		put(&o, "\n      %-12s %llu", "nr_free_pages", (unsigned long long)zn->free_pages);
		for (size_t i = 0; i < sizeof zs / sizeof zs[0]; i++)
			put(&o, "\n      %-12s %u", zs[i], 0); /* per-zone LRU split: not kept */
		/* zone_batchsize and calculate_normal_threshold for one CPU; pcp lists are
		 * not modelled, so their count is 0 */
		uint64_t batch = zn->managed_pages >> 10;
		batch = (batch > 256 ? 256 : batch) / 4;
		if (batch < 1)
			batch = 1;
		uint64_t b = batch + batch / 2, p2 = 1;
		while (p2 * 2 <= b)
			p2 *= 2;
		batch = p2 - 1 ? p2 - 1 : 1;
		int thr = 2 * 1 * (1 + fls64(zn->managed_pages >> (27 - PAGE_SHIFT)));
		put(&o,
		    "\n  pagesets\n    cpu: 0\n              count: 0\n              high:  %llu"
		    "\n              batch: %llu\n  vm stats threshold: %d"
		    "\n  node_unreclaimable:  0\n  start_pfn:           %llu\n",
		    (unsigned long long)zn->wmark_low, (unsigned long long)batch,
		    thr > 125 ? 125 : thr, (unsigned long long)zn->zone_start_pfn);
	}
	return finish(&o);
}

int proc_slabinfo_show(struct kmem *km, char *buf, size_t len)
{
	struct out o = {buf, len, 0, false};
	put(&o, "slabinfo - version: 2.1\n# name            <active_objs> <num_objs> <objsize> "
		"<objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : "
		"slabdata <active_slabs> <num_slabs> <sharedavail>\n");
	for (struct list_head *l = km->slab_caches.next; l != &km->slab_caches; l = l->next) {
		const struct kmem_cache *c = list_entry(l, struct kmem_cache, list);
		put(&o,
		    "%-17s %6lu %6lu %6u %4u %4d : tunables %4u %4u %4u : slabdata %6lu %6lu "
		    "%6lu\n",
		    c->name, c->active_objects, c->total_objects, c->size, c->oo_objects,
		    1 << c->order, 0, 0, 0, c->nr_slabs, c->nr_slabs, 0ul);
	}
	return finish(&o);
}

int proc_vmallocinfo_show(struct kmem *km, char *buf, size_t len)
{
	struct out o = {buf, len, 0, false};
	for (const struct vm_struct *v = km->vmlist; v; v = v->next) {
		put(&o, "0x%08x-0x%08x %7u %s", v->addr, v->addr + v->size, v->size, v->caller);
		if (v->nr_pages)
			put(&o, " pages=%u", v->nr_pages);
		if (v->flags & VM_IOREMAP)
			put(&o, km->params.pae ? " phys=0x%016llx" : " phys=0x%08llx",
			    (unsigned long long)v->phys_addr);
		if (v->flags & VM_IOREMAP)
			put(&o, " ioremap");
		if (v->flags & VM_ALLOC)
			put(&o, " vmalloc");
		if (v->flags & VM_MAP)
			put(&o, " vmap");
		put(&o, "\n");
	}
	return finish(&o);
}
