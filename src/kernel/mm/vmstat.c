/*
 * /proc/vmstat in the field order of Linux 6.1 (mm/vmstat.c vmstat_text): the zone counters,
 * the node counters, the dirty thresholds, then the event counters. vmlab has one node, no
 * reclaim, compaction, migration, NUMA or khugepaged, so the events of those mechanisms are
 * zero because they never happen here, as on a kernel where they did not run.
 */
#include "kernel/mm/mm_internal.h"
#include "kernel/mm/swap.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

enum vm_src {
	V_ZERO,		/* a mechanism vmlab does not have: nothing ever counted */
	V_FREE,		/* nr_free_pages */
	V_STAT,		/* km->stat[arg] */
	V_STAT_KB,	/* km->stat[arg], kept in kB as Linux keeps it */
	V_ZONE_ALLOC,	/* pgalloc of zone arg */
	V_DIRTY_THRESH, /* nr_dirty_threshold */
	V_DIRTY_BG,	/* nr_dirty_background_threshold */
	V_STAT_THP,	/* km->stat[arg] in pages, shown in huge pages */
	V_CTR,		/* counter arg */
};

struct vm_field {
	const char *name;
	enum vm_src src;
	int arg;
};

static const struct vm_field fields[] = {
    {"nr_free_pages", V_FREE, 0},
    {"nr_zone_inactive_anon", V_STAT, NR_INACTIVE_ANON},
    {"nr_zone_active_anon", V_STAT, NR_ACTIVE_ANON},
    {"nr_zone_inactive_file", V_STAT, NR_INACTIVE_FILE},
    {"nr_zone_active_file", V_STAT, NR_ACTIVE_FILE},
    {"nr_zone_unevictable", V_STAT, NR_UNEVICTABLE},
    {"nr_zone_write_pending", V_STAT, NR_FILE_DIRTY},
    {"nr_mlock", V_STAT, NR_MLOCK},
    {"nr_bounce", V_ZERO, 0},
    {"nr_zspages", V_ZERO, 0},
    {"nr_free_cma", V_ZERO, 0},
    {"nr_inactive_anon", V_STAT, NR_INACTIVE_ANON},
    {"nr_active_anon", V_STAT, NR_ACTIVE_ANON},
    {"nr_inactive_file", V_STAT, NR_INACTIVE_FILE},
    {"nr_active_file", V_STAT, NR_ACTIVE_FILE},
    {"nr_unevictable", V_STAT, NR_UNEVICTABLE},
    {"nr_slab_reclaimable", V_STAT, NR_SLAB_RECLAIMABLE},
    {"nr_slab_unreclaimable", V_STAT, NR_SLAB_UNRECLAIMABLE},
    {"nr_isolated_anon", V_ZERO, 0},
    {"nr_isolated_file", V_ZERO, 0},
    {"workingset_nodes", V_ZERO, 0},
    {"workingset_refault_anon", V_CTR, CTR_workingset_refault_anon},
    {"workingset_refault_file", V_ZERO, 0},
    {"workingset_activate_anon", V_CTR, CTR_workingset_activate_anon},
    {"workingset_activate_file", V_ZERO, 0},
    {"workingset_restore_anon", V_CTR, CTR_workingset_restore_anon},
    {"workingset_restore_file", V_ZERO, 0},
    {"workingset_nodereclaim", V_ZERO, 0},
    {"nr_anon_pages", V_STAT, NR_ANON_PAGES},
    {"nr_mapped", V_STAT, NR_FILE_MAPPED},
    {"nr_file_pages", V_STAT, NR_FILE_PAGES},
    {"nr_dirty", V_STAT, NR_FILE_DIRTY},
    {"nr_writeback", V_STAT, NR_WRITEBACK},
    {"nr_writeback_temp", V_ZERO, 0},
    {"nr_shmem", V_STAT, NR_SHMEM},
    {"nr_shmem_hugepages", V_ZERO, 0},
    {"nr_shmem_pmdmapped", V_ZERO, 0},
    {"nr_file_hugepages", V_ZERO, 0},
    {"nr_file_pmdmapped", V_ZERO, 0},
    {"nr_anon_transparent_hugepages", V_STAT_THP, NR_ANON_THPS},
    {"nr_vmscan_write", V_ZERO, 0},
    {"nr_vmscan_immediate_reclaim", V_ZERO, 0},
    {"nr_dirtied", V_ZERO, 0},
    {"nr_written", V_ZERO, 0},
    {"nr_throttled_written", V_ZERO, 0},
    {"nr_kernel_misc_reclaimable", V_ZERO, 0},
    {"nr_foll_pin_acquired", V_ZERO, 0},
    {"nr_foll_pin_released", V_ZERO, 0},
    {"nr_kernel_stack", V_STAT_KB, NR_KERNEL_STACK_KB},
    {"nr_page_table_pages", V_STAT, NR_PAGETABLE},
    {"nr_sec_page_table_pages", V_ZERO, 0},
    {"nr_swapcached", V_STAT, NR_SWAPCACHE},
    {"nr_dirty_threshold", V_DIRTY_THRESH, 0},
    {"nr_dirty_background_threshold", V_DIRTY_BG, 0},
    {"pgpgin", V_ZERO, 0},
    {"pgpgout", V_ZERO, 0},
    {"pswpin", V_CTR, CTR_pswpin},
    {"pswpout", V_CTR, CTR_pswpout},
    {"pgalloc_dma", V_ZONE_ALLOC, ZONE_DMA},
    {"pgalloc_normal", V_ZONE_ALLOC, ZONE_NORMAL},
    {"pgalloc_high", V_ZONE_ALLOC, ZONE_HIGHMEM},
    {"pgalloc_movable", V_ZONE_ALLOC, ZONE_MOVABLE},
};

/* The event counters after pgalloc_*: zero unless event_value() gives a source. */
static const char *const events[] = {
    "allocstall_dma",
    "allocstall_normal",
    "allocstall_high",
    "allocstall_movable",
    "pgskip_dma",
    "pgskip_normal",
    "pgskip_high",
    "pgskip_movable",
    "pgfree",
    "pgactivate",
    "pgdeactivate",
    "pglazyfree",
    "pgfault",
    "pgmajfault",
    "pglazyfreed",
    "pgrefill",
    "pgreuse",
    "pgsteal_kswapd",
    "pgsteal_direct",
    "pgdemote_kswapd",
    "pgdemote_direct",
    "pgscan_kswapd",
    "pgscan_direct",
    "pgscan_direct_throttle",
    "pgscan_anon",
    "pgscan_file",
    "pgsteal_anon",
    "pgsteal_file",
    "pginodesteal",
    "slabs_scanned",
    "kswapd_inodesteal",
    "kswapd_low_wmark_hit_quickly",
    "kswapd_high_wmark_hit_quickly",
    "pageoutrun",
    "pgrotated",
    "drop_pagecache",
    "drop_slab",
    "oom_kill",
    "pgmigrate_success",
    "pgmigrate_fail",
    "thp_migration_success",
    "thp_migration_fail",
    "thp_migration_split",
    "compact_migrate_scanned",
    "compact_free_scanned",
    "compact_isolated",
    "compact_stall",
    "compact_fail",
    "compact_success",
    "compact_daemon_wake",
    "compact_daemon_migrate_scanned",
    "compact_daemon_free_scanned",
    "htlb_buddy_alloc_success",
    "htlb_buddy_alloc_fail",
    "unevictable_pgs_culled",
    "unevictable_pgs_scanned",
    "unevictable_pgs_rescued",
    "unevictable_pgs_mlocked",
    "unevictable_pgs_munlocked",
    "unevictable_pgs_cleared",
    "unevictable_pgs_stranded",
    "thp_fault_alloc",
    "thp_fault_fallback",
    "thp_fault_fallback_charge",
    "thp_collapse_alloc",
    "thp_collapse_alloc_failed",
    "thp_file_alloc",
    "thp_file_fallback",
    "thp_file_fallback_charge",
    "thp_file_mapped",
    "thp_split_page",
    "thp_split_page_failed",
    "thp_deferred_split_page",
    "thp_split_pmd",
    "thp_scan_exceed_none_pte",
    "thp_scan_exceed_swap_pte",
    "thp_scan_exceed_share_pte",
    "thp_zero_page_alloc",
    "thp_zero_page_alloc_failed",
    "thp_swpout",
    "thp_swpout_fallback",
    "balloon_inflate",
    "balloon_deflate",
    "balloon_migrate",
    "swap_ra",
    "swap_ra_hit",
    "ksm_swpin_copy",
    "cow_ksm",
    "zswpin",
    "zswpout",
    "direct_map_level2_splits",
    "direct_map_level3_splits",
    "nr_unstable",
};

static uint64_t ctr(const struct kmem *km, enum counter_id id)
{
	return km->ctr ? km->ctr->v[id] : 0;
}

static uint64_t event_value(const struct kmem *km, const char *name)
{
	if (!strcmp(name, "pgfree"))
		return ctr(km, CTR_pgfree);
	if (!strcmp(name, "pgfault"))
		return ctr(km, CTR_fault_minor) + ctr(km, CTR_fault_major);
	if (!strcmp(name, "pgmajfault"))
		return ctr(km, CTR_fault_major);
	if (!strcmp(name, "pgreuse"))
		return ctr(km, CTR_fault_wp_reuse);
	if (!strcmp(name, "thp_fault_alloc"))
		return ctr(km, CTR_thp_fault_alloc);
	if (!strcmp(name, "thp_fault_fallback"))
		return ctr(km, CTR_thp_fault_fallback);
	if (!strcmp(name, "thp_split_pmd"))
		return ctr(km, CTR_thp_split_pmd);
	/* reclaim (vmscan.c, oom_kill.c): allocstall counted for the zone of the request */
	static const struct {
		const char *name;
		enum counter_id id;
	} reclaim[] = {
	    {"pgscan_kswapd", CTR_pgscan_kswapd}, {"pgscan_direct", CTR_pgscan_direct},
	    {"pgsteal_kswapd", CTR_pgsteal_kswapd}, {"pgsteal_direct", CTR_pgsteal_direct},
	    {"pgscan_anon", CTR_pgscan_anon}, {"pgscan_file", CTR_pgscan_file},
	    {"pgsteal_anon", CTR_pgsteal_anon}, {"pgsteal_file", CTR_pgsteal_file},
	    {"pgactivate", CTR_pgactivate}, {"pgdeactivate", CTR_pgdeactivate},
	    {"pgrefill", CTR_pgrefill}, {"pageoutrun", CTR_kswapd_wakeups},
	    {"oom_kill", CTR_oom_kill}, {"unevictable_pgs_culled", CTR_unevictable_culled},
	    {"swap_ra", CTR_swap_ra}, {"swap_ra_hit", CTR_swap_ra_hit},
	};
	for (size_t i = 0; i < sizeof reclaim / sizeof reclaim[0]; i++)
		if (!strcmp(name, reclaim[i].name))
			return ctr(km, reclaim[i].id);
	if (km->reclaim && !strncmp(name, "allocstall_", 11)) {
		static const char *const zn[MAX_NR_ZONES] = {"dma", "normal", "high", "movable"};
		for (int z = 0; z < MAX_NR_ZONES; z++)
			if (!strcmp(name + 11, zn[z]))
				return km->reclaim->allocstall_zone[z];
	}
	return 0;
}

/*
 * mm/page-writeback.c global_dirty_limits: the dirtyable memory is the free pages plus the
 * file LRU less the zones' high watermarks (highmem excluded, vm_highmem_is_dirtyable = 0);
 * thresholds are vm_dirty_ratio (20%) and dirty_background_ratio (10%) of it.
 */
static uint64_t dirtyable_pages(const struct kmem *km)
{
	int64_t x = 0;
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		if (z == ZONE_HIGHMEM)
			continue;
		x += (int64_t)km->zones[z].free_pages - (int64_t)km->zones[z].wmark_high;
	}
	x += (int64_t)(km->stat[NR_ACTIVE_FILE] + km->stat[NR_INACTIVE_FILE]);
	return x > 0 ? (uint64_t)x : 1;
}

int proc_vmstat_show(struct kmem *km, char *buf, size_t len)
{
	size_t pos = 0;
	uint64_t dirtyable = dirtyable_pages(km);
	uint64_t thresh = dirtyable * 20 / 100, bg = dirtyable * 10 / 100;
	size_t nf = sizeof fields / sizeof fields[0], ne = sizeof events / sizeof events[0];
	for (size_t i = 0; i < nf + ne; i++) {
		const char *name = i < nf ? fields[i].name : events[i - nf];
		uint64_t v = 0;
		if (i >= nf) {
			v = event_value(km, name);
		} else {
			const struct vm_field *f = &fields[i];
			switch (f->src) {
			case V_ZERO: v = 0; break;
			case V_FREE: v = global_free_pages(km); break;
			case V_STAT:
			case V_STAT_KB: v = km->stat[f->arg]; break;
			case V_ZONE_ALLOC: v = km->zones[f->arg].pgalloc; break;
			case V_DIRTY_THRESH: v = thresh; break;
			case V_DIRTY_BG: v = bg; break;
			case V_STAT_THP: v = km->stat[f->arg] / (km->L.pmd_size >> PAGE_SHIFT); break;
			case V_CTR: v = ctr(km, (enum counter_id)f->arg); break;
			}
		}
		int n = snprintf(buf + pos, len - pos, "%s %llu\n", name, (unsigned long long)v);
		if (n < 0 || (size_t)n >= len - pos)
			return -ENOSPC;
		pos += (size_t)n;
	}
	return (int)pos;
}
