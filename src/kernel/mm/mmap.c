/*
 * VMAs (mm/mmap.c): an array of VMA pointers sorted by address (binary search for
 * find_vma; inserting moves pointers, which is cheap for the few hundred VMAs a process has).
 * Merge and split follow vma_merge: a changed range joins a neighbour when flags, file,
 * anon_vma and page offset line up, and never when VM_SPECIAL is set.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/mm/filemap.h"
#include "kernel/mm/memory.h"
#include "kernel/mm/mman.h"
#include "kernel/mm/mmap.h"
#include "kernel/mm/swap.h"
#include "hw/physmem.h"
#include "kernel/mm/kmem.h"
#include "kernel/task.h"

#define MAX_MAP_COUNT 65530u /* vm.max_map_count */
#define SIZE_128M 0x8000000u
#define RLIMIT_DATA 2
#define RLIMIT_STACK 3
#define RLIMIT_MEMLOCK 8
#define RLIMIT_AS 9
#define RLIM_INF (~0ull)

#define PG_SIZE 4096u
#define PG_ALIGN(x) (((x) + PG_SIZE - 1) & ~(PG_SIZE - 1))
#define NPAGES(v) (((v)->vm_end - (v)->vm_start) >> 12)

static uint64_t rlimit(const struct mm_struct *mm, int r)
{
	return mm->owner ? mm->owner->rlim[r].cur : RLIM_INF;
}

static uint32_t stack_guard_gap(void)
{
	return STACK_GUARD_GAP_PAGES << 12;
}

/* ---- the sorted array ---- */

static size_t vma_index(const struct mm_struct *mm, uint32_t addr)
{
	size_t lo = 0, hi = mm->nr;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (mm->vmas[mid]->vm_end > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static size_t index_of(const struct mm_struct *mm, const struct vm_area_struct *v)
{
	size_t i = vma_index(mm, v->vm_start);
	return i;
}

struct vm_area_struct *find_vma(const struct mm_struct *mm, uint32_t addr)
{
	size_t i = vma_index(mm, addr);
	return i < mm->nr ? mm->vmas[i] : NULL;
}

struct vm_area_struct *vma_lookup(const struct mm_struct *mm, uint32_t addr)
{
	struct vm_area_struct *v = find_vma(mm, addr);
	return v && v->vm_start <= addr ? v : NULL;
}

struct vm_area_struct *vma_first(const struct mm_struct *mm)
{
	return mm->nr ? mm->vmas[0] : NULL;
}

struct vm_area_struct *vma_next(const struct mm_struct *mm, const struct vm_area_struct *v)
{
	size_t i = index_of(mm, v) + 1;
	return i < mm->nr ? mm->vmas[i] : NULL;
}

struct vm_area_struct *vma_prev(const struct mm_struct *mm, const struct vm_area_struct *v)
{
	size_t i = index_of(mm, v);
	return i ? mm->vmas[i - 1] : NULL;
}

size_t mm_vma_count(const struct mm_struct *mm)
{
	return mm->nr;
}

static int vma_insert(struct mm_struct *mm, struct vm_area_struct *v)
{
	if (mm->nr == mm->cap) {
		size_t cap = mm->cap ? mm->cap * 2 : 32;
		struct vm_area_struct **n = realloc(mm->vmas, cap * sizeof *n);
		if (!n)
			return -ENOMEM;
		mm->vmas = n;
		mm->cap = cap;
	}
	size_t i = vma_index(mm, v->vm_start);
	memmove(&mm->vmas[i + 1], &mm->vmas[i], (mm->nr - i) * sizeof *mm->vmas);
	mm->vmas[i] = v;
	mm->nr++;
	return 0;
}

static void vma_free(struct vm_area_struct *v)
{
	if (v->vm_file)
		vm_file_put(v->vm_file);
	free(v);
}

static void vma_remove_at(struct mm_struct *mm, size_t i)
{
	memmove(&mm->vmas[i], &mm->vmas[i + 1], (mm->nr - i - 1) * sizeof *mm->vmas);
	mm->nr--;
}

/* ---- accounting (vm_stat_account, may_expand_vm) ---- */

static bool is_exec_mapping(uint32_t f)
{
	return (f & (VM_EXEC | VM_WRITE | VM_GROWSDOWN)) == VM_EXEC;
}
static bool is_stack_mapping(uint32_t f)
{
	return (f & VM_GROWSDOWN) == VM_GROWSDOWN;
}
static bool is_data_mapping(uint32_t f)
{
	return (f & (VM_WRITE | VM_SHARED | VM_GROWSDOWN)) == VM_WRITE;
}

static void vm_stat_account(struct mm_struct *mm, uint32_t flags, int64_t npages)
{
	mm->total_vm += (uint64_t)npages;
	if (mm->total_vm > mm->hiwater_vm)
		mm->hiwater_vm = mm->total_vm;
	if (is_exec_mapping(flags))
		mm->exec_vm += (uint64_t)npages;
	else if (is_stack_mapping(flags))
		mm->stack_vm += (uint64_t)npages;
	else if (is_data_mapping(flags))
		mm->data_vm += (uint64_t)npages;
}

static bool may_expand_vm(struct mm_struct *mm, uint32_t flags, uint64_t npages)
{
	uint64_t as = rlimit(mm, RLIMIT_AS);
	if (as != RLIM_INF && mm->total_vm + npages > as >> 12)
		return false;
	uint64_t data = rlimit(mm, RLIMIT_DATA);
	if (is_data_mapping(flags) && data != RLIM_INF && mm->data_vm + npages > data >> 12)
		return false;
	return true;
}

/* ---- overcommit (mm/util.c __vm_enough_memory) ---- */

static uint64_t committed_as; /* the machine runs one process: its charges are the total */

uint64_t vm_committed_pages(void)
{
	return committed_as;
}

static uint64_t totalram_pages_of(struct mm_struct *mm)
{
	if (mm->owner && mm->owner->km && mm->owner->km->totalram_pages)
		return mm->owner->km->totalram_pages;
	if (mm->owner && mm->owner->pm)
		return physmem_ram_usable(mm->owner->pm) >> 12;
	return 262144; /* an mm without a machine (unit tests): as if 1 GB */
}

static uint64_t swap_pages_of(struct mm_struct *mm)
{
	return mm->owner && mm->owner->km ? total_swap_pages(mm->owner->km) : 0;
}

uint64_t vm_commit_limit_pages(struct mm_struct *mm)
{
	return totalram_pages_of(mm) * mm->cfg.overcommit_ratio / 100 + swap_pages_of(mm);
}

/* vm_committed_as, kept where /proc/meminfo reads it */
static void committed_add(struct mm_struct *mm, int64_t pages)
{
	struct kmem *km = mm->owner ? mm->owner->km : NULL;
	if (km) {
		uint64_t *c = &km->stat[NR_COMMITTED_AS];
		*c = pages < 0 && (uint64_t)-pages > *c ? 0 : *c + (uint64_t)pages;
	}
}

int vm_enough_memory(struct mm_struct *mm, uint64_t pages)
{
	committed_as += pages;
	mm->committed_pages += pages;
	committed_add(mm, (int64_t)pages);
	if (mm->cfg.overcommit_memory == OVERCOMMIT_ALWAYS)
		return 0;
	uint64_t ram = totalram_pages_of(mm);
	if (mm->cfg.overcommit_memory == OVERCOMMIT_GUESS) {
		if (pages <= ram + swap_pages_of(mm))
			return 0;
	} else {
		uint64_t allowed = vm_commit_limit_pages(mm);
		bool admin = mm->owner && mm->owner->euid == 0;
		/* admin_reserve_kbytes and user_reserve_kbytes: 3% of RAM, capped at 8 MB and
		 * 128 MB (mm/util.c init_admin_reserve, init_user_reserve) */
		uint64_t admin_res = ram * 3 / 100, user_res = ram * 3 / 100;
		if (admin_res > 2048)
			admin_res = 2048;
		if (user_res > 32768)
			user_res = 32768;
		if (!admin)
			allowed = allowed > admin_res ? allowed - admin_res : 0;
		uint64_t r = mm->total_vm / 32 < user_res ? mm->total_vm / 32 : user_res;
		allowed = allowed > r ? allowed - r : 0;
		if (committed_as < allowed)
			return 0;
	}
	vm_unacct_memory(mm, pages);
	return -ENOMEM;
}

void vm_unacct_memory(struct mm_struct *mm, uint64_t pages)
{
	committed_add(mm, -(int64_t)pages);
	committed_as -= pages < committed_as ? pages : committed_as;
	mm->committed_pages -= pages < mm->committed_pages ? pages : mm->committed_pages;
}

/* ---- layout ---- */

uint32_t mmap_base_for(uint32_t task_size, uint64_t stack_rlimit, uint32_t rnd_pages)
{
	uint64_t gap = stack_rlimit, pad = stack_guard_gap();
	if (gap + pad > gap)
		gap += pad;
	uint64_t gap_min = SIZE_128M, gap_max = (uint64_t)task_size / 6 * 5;
	if (gap < gap_min)
		gap = gap_min;
	else if (gap > gap_max)
		gap = gap_max;
	return PG_ALIGN((uint32_t)(task_size - gap - ((uint64_t)rnd_pages << 12)));
}

static uint64_t mm_rand(struct mm_struct *mm)
{
	/* splitmix64: the seeded generator of the layout */
	uint64_t z = (mm->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static bool legacy_layout(const struct mm_struct *mm)
{
	return rlimit(mm, RLIMIT_STACK) == RLIM_INF;
}

struct mm_struct *mm_alloc(struct task *t, const struct mm_layout_config *cfg)
{
	struct mm_struct *mm = calloc(1, sizeof *mm);
	if (!mm)
		return NULL;
	mm->owner = t;
	mm->cfg = *cfg;
	if (!mm->cfg.overcommit_ratio)
		mm->cfg.overcommit_ratio = 50;
	mm->task_size = cfg->task_size;
	mm->stack_top = cfg->task_size;
	mm->rng = t ? t->rng_state ^ 0x6d6d61707365656eull : 1;
	uint32_t rnd = 0;
	if (cfg->randomize)
		rnd = (uint32_t)(mm_rand(mm) & 0xff); /* mmap_rnd_bits = 8 on i386 */
	if (legacy_layout(mm))
		mm->mmap_base = PG_ALIGN(mm->task_size / 3) + (rnd << 12);
	else
		mm->mmap_base = mmap_base_for(mm->task_size, rlimit(mm, RLIMIT_STACK), rnd);
	mm->next_anon_vma = 1;
	mm->mm_users = 1;
	return mm;
}

void mmput(struct mm_struct *mm)
{
	if (!mm || --mm->mm_users > 0)
		return;
	while (mm->nr) {
		struct vm_area_struct *v = mm->vmas[mm->nr - 1];
		unmap_page_range(mm, v, v->vm_start, v->vm_end);
		if (v->vm_flags & VM_ACCOUNT)
			vm_unacct_memory(mm, NPAGES(v));
		mm->nr--;
		vma_free(v);
	}
	if (mm->slab_obj && mm->owner && mm->owner->km)
		kmem_cache_free(mm->owner->km, mm->owner->km->mm_cachep, mm->slab_obj);
	mm_free_pgd(mm);
	free(mm->vmas);
	free(mm);
}

struct mm_struct *dup_mm(struct task *owner, struct mm_struct *oldmm, int *err)
{
	struct mm_struct *mm = calloc(1, sizeof *mm);
	if (!mm) {
		*err = -ENOMEM;
		return NULL;
	}
	*mm = *oldmm;
	mm->owner = owner;
	mm->mm_users = 1;
	mm->vmas = NULL;
	mm->nr = mm->cap = 0;
	mm->pgd = 0;
	mm->asid = 0;
	memset(mm->vdso_pfn, 0, sizeof mm->vdso_pfn);
	mm->vvar_pfn = 0;
	mm->rss_file = mm->rss_anon = mm->rss_shmem = 0;
	mm->committed_pages = 0;
	mm->locked_vm = 0;
	mm->def_flags = oldmm->def_flags & ~VM_LOCKED_MASK; /* mlockall is not inherited */
	mm->slab_obj = owner->km ? kmem_cache_alloc(owner->km, owner->km->mm_cachep, GFP_KERNEL) : 0;
	if (owner->km && !mm->slab_obj) {
		free(mm);
		*err = -ENOMEM;
		return NULL;
	}
	*err = mm_alloc_pgd(mm);
	if (*err)
		goto fail;
	/* the vDSO frames are the process's own: new ones with the same contents */
	if (oldmm->vvar_pfn && (*err = vdso_setup_pages(owner, mm)))
		goto fail;
	for (size_t i = 0; i < oldmm->nr; i++) {
		const struct vm_area_struct *o = oldmm->vmas[i];
		if (o->vm_flags & VM_DONTCOPY) {
			vm_stat_account(mm, o->vm_flags, -(int64_t)NPAGES(o));
			continue;
		}
		if ((o->vm_flags & VM_ACCOUNT) && (*err = vm_enough_memory(mm, NPAGES(o))))
			goto fail;
		struct vm_area_struct *v = malloc(sizeof *v);
		if (!v) {
			if (o->vm_flags & VM_ACCOUNT)
				vm_unacct_memory(mm, NPAGES(o));
			*err = -ENOMEM;
			goto fail;
		}
		*v = *o;
		v->vm_flags &= ~VM_LOCKED_MASK;
		if (v->vm_file)
			vm_file_get(v->vm_file);
		if (v->vm_flags & VM_WIPEONFORK)
			v->anon_vma = 0; /* the child starts with fresh zeroed memory here */
		if ((*err = vma_insert(mm, v))) {
			vma_free(v);
			goto fail;
		}
		if (!(v->vm_flags & VM_WIPEONFORK) && (*err = copy_page_range(mm, oldmm, v)))
			goto fail;
	}
	mm->hiwater_rss = get_mm_rss(mm);
	mm->hiwater_vm = mm->total_vm;
	return mm;
fail:
	mmput(mm);
	return NULL;
}

const char *vma_name(const struct mm_struct *mm, const struct vm_area_struct *v, char *buf,
		     size_t n)
{
	if (v->kind == VMA_VVAR)
		return "[vvar]";
	if (v->kind == VMA_VDSO)
		return "[vdso]";
	if (v->vm_file) {
		snprintf(buf, n, "%s", v->vm_file->path ? v->vm_file->path : "");
		return buf;
	}
	if (v->vm_start <= mm->brk && v->vm_end >= mm->start_brk)
		return "[heap]";
	if (v->vm_start <= mm->start_stack && v->vm_end >= mm->start_stack)
		return "[stack]";
	return "";
}

/* ---- merge and split ---- */

/*
 * is_mergeable_anon_vma with the range's anon_vma r and a neighbour's n: a range without
 * anon_vma joins any neighbour; one with an anon_vma joins only a neighbour with the same
 * (a neighbour without one has an empty anon_vma_chain, which is not "singular").
 */
static bool anon_ok(uint32_t r, uint32_t n)
{
	return r == 0 || r == n;
}

/* Flags, file, kind and offsets allow b to follow a as one VMA. */
static bool can_join(const struct vm_area_struct *a, const struct vm_area_struct *b)
{
	if (a->vm_end != b->vm_start || a->vm_flags != b->vm_flags || a->vm_file != b->vm_file ||
	    a->kind != VMA_NORMAL || b->kind != VMA_NORMAL)
		return false;
	if (a->vm_flags & VM_SPECIAL)
		return false;
	/* is_mergeable_vma: not with a vm_ops->close (SysV shm counts its attaches by VMA) */
	if (a->vm_file && a->vm_file->detached)
		return false;
	return a->vm_pgoff + NPAGES(a) == b->vm_pgoff;
}

/* vma_merge for the range that is vmas[i]: into prev, next, or both, by Linux's cases. */
static void merge_around(struct mm_struct *mm, size_t i)
{
	struct vm_area_struct *v = mm->vmas[i];
	struct vm_area_struct *prev = i > 0 ? mm->vmas[i - 1] : NULL;
	struct vm_area_struct *next = i + 1 < mm->nr ? mm->vmas[i + 1] : NULL;
	bool p_ok = prev && can_join(prev, v) && anon_ok(v->anon_vma, prev->anon_vma);
	bool n_ok = next && can_join(v, next) && anon_ok(v->anon_vma, next->anon_vma);
	if (p_ok) {
		prev->vm_end = v->vm_end;
		if (!prev->anon_vma)
			prev->anon_vma = v->anon_vma;
		vma_remove_at(mm, i);
		vma_free(v);
		if (n_ok && (!prev->anon_vma || !next->anon_vma || prev->anon_vma == next->anon_vma)) {
			prev->vm_end = next->vm_end;
			if (!prev->anon_vma)
				prev->anon_vma = next->anon_vma;
			vma_remove_at(mm, i);
			vma_free(next);
		}
	} else if (n_ok) {
		next->vm_start = v->vm_start;
		next->vm_pgoff = v->vm_pgoff;
		if (!next->anon_vma)
			next->anon_vma = v->anon_vma;
		vma_remove_at(mm, i);
		vma_free(v);
	}
}

/* Splits vmas[i] at addr (strictly inside it). 0 or -ENOMEM. */
static int split_vma(struct mm_struct *mm, size_t i, uint32_t addr)
{
	if (mm->nr >= MAX_MAP_COUNT)
		return -ENOMEM;
	struct vm_area_struct *v = mm->vmas[i];
	struct vm_area_struct *n = malloc(sizeof *n);
	if (!n)
		return -ENOMEM;
	*n = *v;
	n->vm_start = addr;
	n->vm_pgoff = v->vm_pgoff + ((addr - v->vm_start) >> 12);
	if (n->vm_file)
		vm_file_get(n->vm_file);
	v->vm_end = addr;
	if (vma_insert(mm, n)) {
		v->vm_end = n->vm_end;
		vma_free(n);
		return -ENOMEM;
	}
	return 0;
}

/* Makes [start, end) begin and end on VMA boundaries. 0 or -ENOMEM. */
static int split_range(struct mm_struct *mm, uint32_t start, uint32_t end)
{
	size_t i = vma_index(mm, start);
	if (i < mm->nr && mm->vmas[i]->vm_start < start && mm->vmas[i]->vm_end > start) {
		int r = split_vma(mm, i, start);
		if (r)
			return r;
	}
	i = vma_index(mm, end - 1);
	if (i < mm->nr && mm->vmas[i]->vm_start < end && mm->vmas[i]->vm_end > end)
		return split_vma(mm, i, end);
	return 0;
}

static bool reusable_anon(const struct vm_area_struct *a, const struct vm_area_struct *b)
{
	/* anon_vma_compatible: adjacent, same file, contiguous offsets, same flags apart from
	 * the access bits */
	return a->vm_end == b->vm_start && a->vm_file == b->vm_file &&
	       !((a->vm_flags ^ b->vm_flags) & ~VM_ACCESS_FLAGS) &&
	       b->vm_pgoff == a->vm_pgoff + NPAGES(a);
}

void anon_vma_prepare(struct mm_struct *mm, struct vm_area_struct *v)
{
	if (v->anon_vma)
		return;
	size_t i = index_of(mm, v);
	if (i + 1 < mm->nr && mm->vmas[i + 1]->anon_vma && reusable_anon(v, mm->vmas[i + 1]))
		v->anon_vma = mm->vmas[i + 1]->anon_vma;
	else if (i > 0 && mm->vmas[i - 1]->anon_vma && reusable_anon(mm->vmas[i - 1], v))
		v->anon_vma = mm->vmas[i - 1]->anon_vma;
	else
		v->anon_vma = mm->next_anon_vma++;
}

/* ---- unmapping ---- */

static void vma_unaccount(struct mm_struct *mm, struct vm_area_struct *v)
{
	uint64_t n = NPAGES(v);
	if (v->vm_flags & VM_ACCOUNT)
		vm_unacct_memory(mm, n);
	if (v->vm_flags & VM_LOCKED)
		mm->locked_vm -= n < mm->locked_vm ? n : mm->locked_vm;
	vm_stat_account(mm, v->vm_flags, -(int64_t)n);
}

/* Removes everything in [start, end) (page aligned, nonempty). 0 or -ENOMEM. */
static int unmap_range(struct mm_struct *mm, uint32_t start, uint32_t end, bool unacct)
{
	size_t i = vma_index(mm, start);
	if (i >= mm->nr || mm->vmas[i]->vm_start >= end)
		return 0;
	int r = split_range(mm, start, end);
	if (r)
		return r;
	i = vma_index(mm, start);
	/* Linux's unmap_region: the page tables go with the VMAs, between the neighbours'
	 * bounds; VMAs less than a PMD apart are freed in one call, as free_pgtables does */
	uint32_t floor = i ? mm->vmas[i - 1]->vm_end : 0;
	struct kmem *km = mm->owner ? mm->owner->km : NULL;
	uint32_t pmd_size = km ? km->L.pmd_size : 4u << 20; /* no page tables: any */
	uint32_t run_start = 0, run_end = 0;
	bool run = false;
	while (i < mm->nr && mm->vmas[i]->vm_start < end) {
		struct vm_area_struct *v = mm->vmas[i];
		unmap_page_range(mm, v, v->vm_start, v->vm_end);
		if (run && (uint64_t)v->vm_start > (uint64_t)run_end + pmd_size) {
			free_pgtables(mm, run_start, run_end, floor, v->vm_start);
			run = false;
		}
		if (!run)
			run_start = v->vm_start;
		run = true;
		run_end = v->vm_end;
		if (!unacct)
			v->vm_flags &= ~VM_ACCOUNT;
		vma_unaccount(mm, v);
		vma_remove_at(mm, i);
		vma_free(v);
	}
	if (run)
		free_pgtables(mm, run_start, run_end, floor,
			      i < mm->nr ? mm->vmas[i]->vm_start : 0);
	return 0;
}

int do_munmap(struct mm_struct *mm, uint32_t start, uint32_t len)
{
	if ((start & (PG_SIZE - 1)) || start > mm->task_size || len > mm->task_size - start)
		return -EINVAL;
	len = PG_ALIGN(len);
	if (!len)
		return -EINVAL;
	return unmap_range(mm, start, start + len, true);
}

/* ---- finding room (get_unmapped_area) ---- */

static uint32_t vm_start_gap(const struct vm_area_struct *v)
{
	uint32_t s = v->vm_start;
	if (v->vm_flags & VM_GROWSDOWN) {
		s -= stack_guard_gap();
		if (s > v->vm_start)
			s = 0;
	}
	return s;
}

static uint32_t low_limit(void)
{
	return MMAP_MIN_ADDR > PG_SIZE ? MMAP_MIN_ADDR : PG_SIZE;
}

/* The highest gap of len bytes below high, at or above low (unmapped_area_topdown). */
static long unmapped_area_topdown(struct mm_struct *mm, uint32_t len, uint32_t low,
				  uint32_t high)
{
	if (high < len || high - len < low)
		return -ENOMEM;
	for (size_t k = vma_index(mm, high) + 1; k-- > 0;) {
		uint32_t top = high;
		if (k < mm->nr && vm_start_gap(mm->vmas[k]) < top)
			top = vm_start_gap(mm->vmas[k]);
		uint32_t bottom = k > 0 ? mm->vmas[k - 1]->vm_end : 0;
		if (bottom < low)
			bottom = low;
		if (top >= len && top - len >= bottom)
			return (long)(top - len);
		if (bottom <= low)
			break;
	}
	return -ENOMEM;
}

/* The lowest gap of len bytes at or above low, below high. */
static long unmapped_area_bottomup(struct mm_struct *mm, uint32_t len, uint32_t low,
				   uint32_t high)
{
	size_t i = vma_index(mm, low);
	uint32_t gap_start = low;
	for (;; i++) {
		if (i > 0 && mm->vmas[i - 1]->vm_end > gap_start)
			gap_start = mm->vmas[i - 1]->vm_end;
		uint32_t gap_end = i < mm->nr ? vm_start_gap(mm->vmas[i]) : high;
		if (gap_end > high)
			gap_end = high;
		if (gap_end >= gap_start && gap_end - gap_start >= len)
			return (long)gap_start;
		if (i >= mm->nr || gap_end >= high)
			return -ENOMEM;
	}
}

long get_unmapped_area(struct mm_struct *mm, uint32_t addr, uint32_t len, uint32_t pgoff,
		       uint32_t flags)
{
	(void)pgoff;
	if (len > mm->task_size)
		return -ENOMEM;
	if (flags & MAP_FIXED) {
		if (addr > mm->task_size - len)
			return -ENOMEM;
		if (addr & (PG_SIZE - 1))
			return -EINVAL;
		return (long)addr;
	}
	if (addr) {
		addr = PG_ALIGN(addr);
		if (addr && mm->task_size - len >= addr && addr >= MMAP_MIN_ADDR) {
			size_t i = vma_index(mm, addr);
			bool ok = true;
			if (i < mm->nr && addr + len > vm_start_gap(mm->vmas[i]))
				ok = false;
			if (i > 0 && addr < mm->vmas[i - 1]->vm_end)
				ok = false;
			if (ok)
				return (long)addr;
		}
	}
	long r;
	if (legacy_layout(mm)) {
		r = unmapped_area_bottomup(mm, len, mm->mmap_base, mm->task_size);
	} else {
		r = unmapped_area_topdown(mm, len, low_limit(), mm->mmap_base);
		if (r < 0) /* the fallback of arch_get_unmapped_area_topdown */
			r = unmapped_area_bottomup(mm, len, PG_ALIGN(mm->task_size / 3),
						   mm->task_size);
	}
	return r;
}

/* ---- creating mappings (mmap_region, do_mmap) ---- */

static uint32_t calc_vm_prot_bits(uint32_t prot)
{
	return (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) |
	       (prot & PROT_EXEC ? VM_EXEC : 0);
}

/* Creates a VMA (no merge), accounting it. The caller has cleared the range. */
static struct vm_area_struct *vma_new(struct mm_struct *mm, uint32_t start, uint32_t end,
				      uint32_t flags, struct vm_file *file, uint32_t pgoff,
				      int *err)
{
	struct vm_area_struct *v = calloc(1, sizeof *v);
	if (!v) {
		*err = -ENOMEM;
		return NULL;
	}
	v->vm_start = start;
	v->vm_end = end;
	v->vm_flags = flags;
	v->vm_pgoff = pgoff;
	v->vm_file = file ? vm_file_get(file) : NULL;
	if ((*err = vma_insert(mm, v))) {
		vma_free(v);
		return NULL;
	}
	vm_stat_account(mm, flags, NPAGES(v));
	if (flags & VM_LOCKED)
		mm->locked_vm += NPAGES(v);
	return v;
}

static long mmap_region(struct mm_struct *mm, struct vm_file *file, uint32_t addr,
			uint32_t len, uint32_t flags, uint32_t pgoff)
{
	uint64_t npages = len >> 12;
	if (!may_expand_vm(mm, flags, npages)) {
		/* a MAP_FIXED over existing mappings frees what it replaces first */
		uint64_t overlap = 0;
		for (size_t i = vma_index(mm, addr); i < mm->nr && mm->vmas[i]->vm_start < addr + len;
		     i++) {
			struct vm_area_struct *v = mm->vmas[i];
			uint32_t s = v->vm_start > addr ? v->vm_start : addr;
			uint32_t e = v->vm_end < addr + len ? v->vm_end : addr + len;
			overlap += (e - s) >> 12;
		}
		if (!may_expand_vm(mm, flags, npages - overlap))
			return -ENOMEM;
	}
	int r = unmap_range(mm, addr, addr + len, true);
	if (r)
		return r;
	/* accountable_mapping: private writable memory is charged unless MAP_NORESERVE */
	if ((flags & (VM_NORESERVE | VM_SHARED | VM_WRITE)) == VM_WRITE) {
		if (vm_enough_memory(mm, npages))
			return -ENOMEM;
		flags |= VM_ACCOUNT;
	}
	struct vm_file *shm = NULL;
	if (!file && (flags & VM_SHARED)) {
		/* shmem_zero_setup: shared anonymous memory is a shmem object */
		int err = 0;
		struct page_cache *pc = mm->owner ? mm->owner->page_cache : NULL;
		shm = pc ? vm_file_shmem(pc, len, &err) : NULL;
		if (!shm) {
			if (flags & VM_ACCOUNT)
				vm_unacct_memory(mm, npages);
			return err ? err : -ENOMEM;
		}
		file = shm;
	}
	int err = 0;
	struct vm_area_struct *v = vma_new(mm, addr, addr + len, flags, file, pgoff, &err);
	if (shm)
		vm_file_put(shm);
	if (!v) {
		if (flags & VM_ACCOUNT)
			vm_unacct_memory(mm, npages);
		return err;
	}
	merge_around(mm, vma_index(mm, addr));
	return (long)addr;
}

long do_mmap(struct mm_struct *mm, uint32_t addr, uint32_t len, uint32_t prot, uint32_t flags,
	     struct vm_file *file, uint32_t pgoff)
{
	if (!len)
		return -EINVAL;
	if ((prot & PROT_READ) && mm->read_implies_exec)
		prot |= PROT_EXEC;
	if (flags & MAP_FIXED_NOREPLACE)
		flags |= MAP_FIXED;
	if (!(flags & MAP_FIXED)) {
		/* round_hint_to_min */
		addr &= ~(PG_SIZE - 1);
		if (addr && addr < MMAP_MIN_ADDR)
			addr = PG_ALIGN(MMAP_MIN_ADDR);
	}
	uint32_t alen = PG_ALIGN(len);
	if (!alen || len > 0xFFFFF000u)
		return -ENOMEM;
	len = alen;
	if (pgoff + (len >> 12) < pgoff)
		return -EOVERFLOW;
	if (mm->nr > MAX_MAP_COUNT)
		return -ENOMEM;
	long a = get_unmapped_area(mm, addr, len, pgoff, flags);
	if (a < 0)
		return a;
	addr = (uint32_t)a;
	/* security_mmap_addr: below vm.mmap_min_addr only with CAP_SYS_RAWIO */
	if (addr < MMAP_MIN_ADDR && !(mm->owner && mm->owner->euid == 0))
		return -EPERM;
	if ((flags & MAP_FIXED_NOREPLACE) && (addr & (PG_SIZE - 1)) == 0) {
		struct vm_area_struct *v = find_vma(mm, addr);
		if (v && v->vm_start < addr + len)
			return -EEXIST;
	}
	uint32_t vm_flags = calc_vm_prot_bits(prot) | mm->def_flags | VM_MAYREAD | VM_MAYWRITE |
			    VM_MAYEXEC;
	if (flags & MAP_GROWSDOWN)
		vm_flags |= VM_GROWSDOWN;
	if (flags & MAP_LOCKED) {
		uint64_t lim = rlimit(mm, RLIMIT_MEMLOCK);
		bool cap = mm->owner && mm->owner->euid == 0;
		if (!cap && lim != RLIM_INF && (mm->locked_vm + (len >> 12)) > lim >> 12)
			return -EAGAIN;
		vm_flags |= VM_LOCKED;
	}
	if (file) {
		switch (flags & MAP_TYPE) {
		case MAP_SHARED:
		case MAP_SHARED_VALIDATE:
			if ((prot & PROT_WRITE) && !file->writable)
				return -EACCES;
			vm_flags |= VM_SHARED | VM_MAYSHARE;
			if (!file->writable)
				vm_flags &= ~(VM_MAYWRITE | VM_SHARED);
			/* fall through */
		case MAP_PRIVATE:
			if (!file->readable)
				return -EACCES;
			break;
		default:
			return -EINVAL;
		}
		if (file->devzero) {
			/* mmap_zero: with VM_SHARED (a writable descriptor) shmem
			 * (shmem_zero_setup), else anonymous memory that keeps the offset it
			 * was given, and VM_MAYSHARE without VM_MAYWRITE when shared */
			file = NULL;
			if (vm_flags & VM_SHARED)
				pgoff = 0;
		}
	} else {
		switch (flags & MAP_TYPE) {
		case MAP_SHARED:
			if (vm_flags & VM_GROWSDOWN)
				return -EINVAL;
			pgoff = 0;
			vm_flags |= VM_SHARED | VM_MAYSHARE;
			break;
		case MAP_PRIVATE:
			pgoff = addr >> 12;
			break;
		default:
			return -EINVAL;
		}
	}
	if ((flags & MAP_NORESERVE) && mm->cfg.overcommit_memory != OVERCOMMIT_NEVER)
		vm_flags |= VM_NORESERVE;
	long r = mmap_region(mm, file, addr, len, vm_flags, pgoff);
	if (r >= 0 && ((vm_flags & VM_LOCKED) ||
		       (flags & (MAP_POPULATE | MAP_NONBLOCK)) == MAP_POPULATE))
		populate_range(mm, addr, addr + len);
	return r;
}

int install_special_mapping(struct mm_struct *mm, uint32_t addr, uint32_t len,
			    uint32_t vm_flags, enum vma_kind kind)
{
	int err = unmap_range(mm, addr, addr + len, true);
	if (err)
		return err;
	struct vm_area_struct *v =
		vma_new(mm, addr, addr + len, vm_flags | VM_DONTEXPAND, NULL, 0, &err);
	if (!v)
		return err;
	v->kind = kind;
	return 0;
}

int setup_stack_vma(struct mm_struct *mm, uint32_t stack_top, uint32_t len, bool exec)
{
	/* VM_STACK_FLAGS: VM_GROWSDOWN | VM_STACK_DEFAULT_FLAGS | VM_ACCOUNT */
	uint32_t flags = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC |
			 VM_GROWSDOWN | VM_ACCOUNT | (exec ? VM_EXEC : 0) | mm->def_flags;
	if (vm_enough_memory(mm, len >> 12))
		return -ENOMEM;
	int err = 0;
	struct vm_area_struct *v = vma_new(mm, stack_top - len, stack_top, flags, NULL,
					   (stack_top - len) >> 12, &err);
	if (!v)
		vm_unacct_memory(mm, len >> 12);
	return v ? 0 : err;
}

int expand_stack(struct mm_struct *mm, struct vm_area_struct *vma, uint32_t addr)
{
	addr &= ~(PG_SIZE - 1);
	if (addr < MMAP_MIN_ADDR)
		return -EPERM;
	if (!(vma->vm_flags & VM_GROWSDOWN))
		return -EFAULT;
	if (addr >= vma->vm_start)
		return 0;
	struct vm_area_struct *prev = vma_prev(mm, vma);
	if (prev && !(prev->vm_flags & VM_GROWSDOWN) && (prev->vm_flags & VM_ACCESS_FLAGS) &&
	    addr - prev->vm_end < stack_guard_gap())
		return -ENOMEM;
	if (prev && prev->vm_end > addr)
		return -ENOMEM;
	anon_vma_prepare(mm, vma);
	uint32_t size = vma->vm_end - addr, grow = (vma->vm_start - addr) >> 12;
	/* acct_stack_growth */
	if (!may_expand_vm(mm, vma->vm_flags, grow))
		return -ENOMEM;
	uint64_t slim = rlimit(mm, RLIMIT_STACK);
	if (slim != RLIM_INF && size > slim)
		return -ENOMEM;
	if (vma->vm_flags & VM_LOCKED) {
		uint64_t lim = rlimit(mm, RLIMIT_MEMLOCK);
		if (lim != RLIM_INF && mm->locked_vm + grow > lim >> 12 &&
		    !(mm->owner && mm->owner->euid == 0))
			return -ENOMEM;
	}
	if (vm_enough_memory(mm, grow))
		return -ENOMEM;
	if (vma->vm_flags & VM_LOCKED)
		mm->locked_vm += grow;
	vm_stat_account(mm, vma->vm_flags, grow);
	vma->vm_start = addr;
	vma->vm_pgoff -= grow;
	return 0;
}

/* Whether a fault at addr below a stack VMA failed because the growth would pass
 * RLIMIT_STACK (and not the guard gap or a mapping in the way): expand_stack's own tests,
 * asked again when the fatal-signal report is printed, so the fault path records nothing. */
bool stack_growth_over_rlimit(struct mm_struct *mm, uint32_t addr)
{
	struct vm_area_struct *vma = find_vma(mm, addr);
	addr &= ~(PG_SIZE - 1);
	if (!vma || !(vma->vm_flags & VM_GROWSDOWN) || addr >= vma->vm_start ||
	    addr < MMAP_MIN_ADDR)
		return false;
	struct vm_area_struct *prev = vma_prev(mm, vma);
	if (prev && ((!(prev->vm_flags & VM_GROWSDOWN) && (prev->vm_flags & VM_ACCESS_FLAGS) &&
		      addr - prev->vm_end < stack_guard_gap()) ||
		     prev->vm_end > addr))
		return false;
	uint64_t slim = rlimit(mm, RLIMIT_STACK);
	return slim != RLIM_INF && vma->vm_end - addr > slim;
}

/* ---- brk ---- */

/* do_brk_flags: an anonymous data mapping at [addr, addr+len), joined to prev when it ends
 * at addr and has the same flags (never to the next VMA). */
static int do_brk_flags(struct mm_struct *mm, struct vm_area_struct *prev, uint32_t addr,
			uint32_t len, uint32_t flags)
{
	flags |= VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_ACCOUNT |
		 mm->def_flags | (mm->read_implies_exec ? VM_EXEC : 0);
	if (!may_expand_vm(mm, flags, len >> 12))
		return -ENOMEM;
	if (mm->nr > MAX_MAP_COUNT)
		return -ENOMEM;
	if (vm_enough_memory(mm, len >> 12))
		return -ENOMEM;
	if (prev && prev->vm_end == addr && !prev->vm_file && prev->kind == VMA_NORMAL &&
	    prev->vm_flags == flags && prev->vm_pgoff + NPAGES(prev) == addr >> 12) {
		prev->vm_end = addr + len;
		vm_stat_account(mm, flags, len >> 12);
		if (flags & VM_LOCKED)
			mm->locked_vm += len >> 12;
		return 0;
	}
	int err = 0;
	if (!vma_new(mm, addr, addr + len, flags, NULL, addr >> 12, &err)) {
		vm_unacct_memory(mm, len >> 12);
		return err;
	}
	return 0;
}

int vm_brk_flags(struct mm_struct *mm, uint32_t addr, uint32_t len, uint32_t flags)
{
	if (flags & ~VM_EXEC)
		return -EINVAL;
	uint32_t alen = PG_ALIGN(len);
	if (alen < len)
		return -ENOMEM;
	if (!alen)
		return 0;
	if (addr > mm->task_size - alen)
		return -ENOMEM;
	int r = unmap_range(mm, addr, addr + alen, true);
	if (r)
		return r;
	size_t i = vma_index(mm, addr);
	struct vm_area_struct *prev = i > 0 ? mm->vmas[i - 1] : NULL;
	r = do_brk_flags(mm, prev, addr, alen, flags);
	if (!r && (mm->def_flags & VM_LOCKED))
		populate_range(mm, addr, addr + alen);
	return r;
}

uint32_t do_brk(struct mm_struct *mm, uint32_t brk)
{
	uint32_t origbrk = mm->brk;
	if (brk < mm->start_brk)
		return origbrk;
	uint64_t dlim = rlimit(mm, RLIMIT_DATA);
	if (dlim != RLIM_INF &&
	    (uint64_t)(brk - mm->start_brk) + (mm->end_data - mm->start_data) > dlim)
		return origbrk;
	uint32_t newbrk = PG_ALIGN(brk), oldbrk = PG_ALIGN(mm->brk);
	if (newbrk < brk) /* wrapped */
		return origbrk;
	if (oldbrk == newbrk) {
		mm->brk = brk;
		return brk;
	}
	if (brk <= mm->brk) {
		mm->brk = brk;
		if (unmap_range(mm, newbrk, oldbrk, true)) {
			mm->brk = origbrk;
			return origbrk;
		}
		return brk;
	}
	struct vm_area_struct *next = find_vma(mm, oldbrk);
	if (next && (uint64_t)newbrk + PG_SIZE > vm_start_gap(next))
		return origbrk;
	if (newbrk > mm->task_size)
		return origbrk;
	/* the VMA the break may extend: one that ends at oldbrk and begins in the heap */
	size_t i = vma_index(mm, oldbrk);
	struct vm_area_struct *prev = i > 0 ? mm->vmas[i - 1] : NULL;
	if (prev && prev->vm_start < mm->start_brk)
		prev = NULL;
	if (do_brk_flags(mm, prev, oldbrk, newbrk - oldbrk, 0))
		return origbrk;
	mm->brk = brk;
	if (mm->def_flags & VM_LOCKED)
		populate_range(mm, oldbrk, newbrk);
	return brk;
}

/* ---- changing flags (mprotect_fixup, madvise_update_vma, mlock_fixup) ---- */

/* Gives [start, end), which lies inside vmas[i], the flags newflags. */
static int vma_fixup(struct mm_struct *mm, size_t i, uint32_t start, uint32_t end,
		     uint32_t newflags)
{
	struct vm_area_struct *v = mm->vmas[i];
	if (v->vm_flags == newflags)
		return 0;
	int r = split_range(mm, start, end);
	if (r)
		return r;
	i = vma_index(mm, start);
	v = mm->vmas[i];
	uint32_t old = v->vm_flags;
	uint64_t n = NPAGES(v);
	vm_stat_account(mm, old, -(int64_t)n);
	vm_stat_account(mm, newflags, (int64_t)n);
	if ((old & VM_LOCKED) && !(newflags & VM_LOCKED))
		mm->locked_vm -= n < mm->locked_vm ? n : mm->locked_vm;
	else if (!(old & VM_LOCKED) && (newflags & VM_LOCKED))
		mm->locked_vm += n;
	v->vm_flags = newflags;
	if ((old ^ newflags) & (VM_READ | VM_WRITE | VM_EXEC | VM_SHARED))
		change_protection(mm, v, v->vm_start, v->vm_end);
	merge_around(mm, i);
	return 0;
}

int vma_modify_flags(struct mm_struct *mm, uint32_t start, uint32_t end, uint32_t set,
		     uint32_t clear)
{
	uint32_t a = start;
	while (a < end) {
		size_t i = vma_index(mm, a);
		if (i >= mm->nr || mm->vmas[i]->vm_start > a)
			return -ENOMEM;
		struct vm_area_struct *v = mm->vmas[i];
		uint32_t e = v->vm_end < end ? v->vm_end : end;
		int r = vma_fixup(mm, i, a, e, (v->vm_flags & ~clear) | set);
		if (r)
			return r;
		a = e;
	}
	return 0;
}

int do_mprotect(struct mm_struct *mm, uint32_t start, uint32_t len, uint32_t prot)
{
	if (start & (PG_SIZE - 1))
		return -EINVAL;
	if (!len)
		return 0;
	uint32_t alen = PG_ALIGN(len);
	if (alen < len || !alen)
		return -ENOMEM;
	uint32_t end = start + alen;
	if (end <= start)
		return -ENOMEM;
	if (prot & ~(uint32_t)(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM | PROT_GROWSDOWN |
			       PROT_GROWSUP))
		return -EINVAL;
	uint32_t grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
	prot &= ~grows;
	if (grows == (PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	if ((prot & PROT_READ) && mm->read_implies_exec)
		prot |= PROT_EXEC;
	size_t i = vma_index(mm, start);
	if (i >= mm->nr)
		return -ENOMEM;
	struct vm_area_struct *v = mm->vmas[i];
	if (grows & PROT_GROWSDOWN) {
		if (v->vm_start >= end)
			return -ENOMEM;
		if (!(v->vm_flags & VM_GROWSDOWN))
			return -EINVAL;
		start = v->vm_start;
	} else if (grows & PROT_GROWSUP) {
		return -EINVAL; /* no VM_GROWSUP VMAs on x86 */
	} else if (v->vm_start > start) {
		return -ENOMEM;
	}
	uint32_t nstart = start;
	for (;;) {
		i = vma_index(mm, nstart);
		v = mm->vmas[i];
		uint32_t newflags = calc_vm_prot_bits(prot) | (v->vm_flags & ~VM_ACCESS_FLAGS);
		/* every requested right must be a "may" right */
		if ((newflags & ~(newflags >> 4)) & VM_ACCESS_FLAGS)
			return -EACCES;
		uint32_t tmp = v->vm_end < end ? v->vm_end : end;
		/* turning into data counts against RLIMIT_DATA */
		if ((newflags & VM_WRITE) && !may_expand_vm(mm, newflags, (tmp - nstart) >> 12) &&
		    may_expand_vm(mm, v->vm_flags, (tmp - nstart) >> 12))
			return -ENOMEM;
		if ((newflags & VM_WRITE) &&
		    !(v->vm_flags & (VM_ACCOUNT | VM_WRITE | VM_SHARED | VM_NORESERVE))) {
			uint64_t n = (tmp - nstart) >> 12;
			if (vm_enough_memory(mm, n))
				return -ENOMEM;
			newflags |= VM_ACCOUNT;
		}
		int r = vma_fixup(mm, i, nstart, tmp, newflags);
		if (r)
			return r;
		nstart = tmp;
		/* the piece may have merged with what follows: continue after it */
		v = mm->vmas[vma_index(mm, tmp - 1)];
		if (nstart < v->vm_end)
			nstart = v->vm_end;
		if (nstart >= end)
			return 0;
		i = vma_index(mm, nstart);
		if (i >= mm->nr || mm->vmas[i]->vm_start != nstart)
			return -ENOMEM;
	}
}

/* ---- mremap ---- */

static long vma_to_resize(struct mm_struct *mm, uint32_t addr, uint32_t old_len,
			  uint32_t new_len, struct vm_area_struct **out)
{
	struct vm_area_struct *v = vma_lookup(mm, addr);
	if (!v)
		return -EFAULT;
	/* old_len 0 duplicates a shared mapping; a private one has nothing to share */
	if (!old_len && !(v->vm_flags & (VM_SHARED | VM_MAYSHARE)))
		return -EINVAL;
	if (old_len > v->vm_end - addr)
		return -EFAULT;
	*out = v;
	if (new_len == old_len)
		return 0;
	if (v->vm_flags & (VM_DONTEXPAND | VM_PFNMAP))
		return -EFAULT;
	if (v->vm_flags & VM_LOCKED) {
		uint64_t lim = rlimit(mm, RLIMIT_MEMLOCK);
		if (lim != RLIM_INF && !(mm->owner && mm->owner->euid == 0) &&
		    mm->locked_vm + ((new_len - old_len) >> 12) > lim >> 12)
			return -EAGAIN;
	}
	if (new_len > old_len && !may_expand_vm(mm, v->vm_flags, (new_len - old_len) >> 12))
		return -ENOMEM;
	return 0;
}

/* move_vma: the pages of [old, old+old_len) move to [new, new+new_len). */
static long move_vma(struct mm_struct *mm, uint32_t old_addr, uint32_t old_len,
		     uint32_t new_len, uint32_t new_addr)
{
	if (mm->nr >= MAX_MAP_COUNT - 3)
		return -ENOMEM;
	int r = split_range(mm, old_addr, old_addr + old_len);
	if (r)
		return r;
	struct vm_area_struct *v = vma_lookup(mm, old_addr);
	uint32_t flags = v->vm_flags;
	if ((flags & VM_ACCOUNT) && new_len > old_len) {
		if (vm_enough_memory(mm, (new_len - old_len) >> 12))
			return -ENOMEM;
	}
	r = unmap_range(mm, new_addr, new_addr + new_len, true);
	if (r)
		return r;
	v = vma_lookup(mm, old_addr);
	struct vm_area_struct *n = malloc(sizeof *n);
	if (!n)
		return -ENOMEM;
	*n = *v;
	n->vm_start = new_addr;
	n->vm_end = new_addr + new_len;
	if (n->vm_file)
		vm_file_get(n->vm_file);
	if (vma_insert(mm, n)) {
		vma_free(n);
		return -ENOMEM;
	}
	vm_stat_account(mm, flags, new_len >> 12);
	if (flags & VM_LOCKED)
		mm->locked_vm += new_len >> 12;
	move_page_tables(mm, old_addr, new_addr, old_len < new_len ? old_len : new_len);
	/* the old range goes without giving back its commitment: it moved */
	unmap_range(mm, old_addr, old_addr + old_len, false);
	merge_around(mm, vma_index(mm, new_addr));
	if ((flags & VM_LOCKED) && new_len > old_len)
		populate_range(mm, new_addr + old_len, new_addr + new_len);
	return (long)new_addr;
}

long do_mremap(struct mm_struct *mm, uint32_t addr, uint32_t old_len, uint32_t new_len,
	       uint32_t flags, uint32_t new_addr)
{
	if (flags & ~(uint32_t)(MREMAP_FIXED | MREMAP_MAYMOVE | MREMAP_DONTUNMAP))
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	if (flags & MREMAP_DONTUNMAP)
		return -EINVAL; /* needs a second mapping of the same pages: not modelled */
	if (addr & (PG_SIZE - 1))
		return -EINVAL;
	uint32_t ol = PG_ALIGN(old_len), nl = PG_ALIGN(new_len);
	if (ol < old_len || nl < new_len)
		return -ENOMEM;
	old_len = ol;
	new_len = nl;
	if (!new_len)
		return -EINVAL;
	struct vm_area_struct *v;
	long r;
	if (flags & MREMAP_FIXED) {
		if (new_addr & (PG_SIZE - 1))
			return -EINVAL;
		if (new_len > mm->task_size || new_addr > mm->task_size - new_len)
			return -EINVAL;
		if ((uint64_t)addr + old_len > new_addr && (uint64_t)new_addr + new_len > addr)
			return -EINVAL;
		r = unmap_range(mm, new_addr, new_addr + new_len, true);
		if (r)
			return r;
		if (old_len > new_len) {
			r = unmap_range(mm, addr + new_len, addr + old_len, true);
			if (r)
				return r;
			old_len = new_len;
		}
		if ((r = vma_to_resize(mm, addr, old_len, new_len, &v)))
			return r;
		return move_vma(mm, addr, old_len, new_len, new_addr);
	}
	if (old_len >= new_len) {
		if (old_len > new_len) {
			r = unmap_range(mm, addr + new_len, addr + old_len, true);
			if (r)
				return r;
		}
		return (long)addr;
	}
	if ((r = vma_to_resize(mm, addr, old_len, new_len, &v)))
		return r;
	if (old_len == v->vm_end - addr) {
		/* vma_expandable: room up to the next VMA's gap */
		uint32_t delta = new_len - old_len, end = v->vm_end + delta;
		struct vm_area_struct *next = vma_next(mm, v);
		if (end > v->vm_end && end <= mm->task_size && (!next || end <= vm_start_gap(next))) {
			if ((v->vm_flags & VM_ACCOUNT) && vm_enough_memory(mm, delta >> 12))
				return -ENOMEM;
			uint32_t old_end = v->vm_end;
			v->vm_end = end;
			vm_stat_account(mm, v->vm_flags, delta >> 12);
			if (v->vm_flags & VM_LOCKED) {
				mm->locked_vm += delta >> 12;
				populate_range(mm, old_end, end);
			}
			return (long)addr;
		}
	}
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	long na = get_unmapped_area(mm, 0, new_len,
				    v->vm_pgoff + ((addr - v->vm_start) >> 12),
				    (v->vm_flags & VM_MAYSHARE) ? MAP_SHARED : 0);
	if (na < 0)
		return na;
	return move_vma(mm, addr, old_len, new_len, (uint32_t)na);
}
