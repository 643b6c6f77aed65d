/*
 * The per-process files of procfs (fs/proc/task_mmu.c, array.c, base.c in Linux 6.1):
 * maps, smaps, smaps_rollup, statm, stat, status, pagemap, cmdline, environ, comm. Formats are those of
 * a 32-bit kernel: addresses are 8 hex digits and the maps name column starts after
 * 25 + 6 * sizeof(long) - 1 = 48 characters and one more space.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "kernel/fs/file.h"
#include "kernel/fs/fs.h"
#include "kernel/mm/filemap.h"
#include "kernel/mm/kmem.h"
#include "kernel/mm/memory.h"
#include "kernel/mm/mmap.h"
#include "kernel/mm/pgtable.h"
#include "kernel/mm/swap.h"
#include "kernel/procfs.h"
#include "kernel/procfs_buf.h"
#include "kernel/procfs_int.h"
#include "kernel/sched.h"
#include "kernel/signal.h"
#include "kernel/sys_time.h"
#include "kernel/task.h"
#include "kernel/uaccess.h"

#define MAPS_NAME_COLUMN 48 /* seq_setwidth(m, 25 + sizeof(void *) * 6 - 1) on i386 */

static void vma_dev_ino(const struct vm_area_struct *v, struct vm_file_id *id)
{
	memset(id, 0, sizeof(*id));
	if (v->vm_file)
		vm_file_identity(v->vm_file, id);
}

/* show_map_vma */
static void show_map_vma(struct sbuf *b, struct task *t, const struct vm_area_struct *v)
{
	struct vm_file_id id;
	vma_dev_ino(v, &id);
	uint64_t pgoff = v->vm_file ? (uint64_t)v->vm_pgoff << PAGE_SHIFT : 0;
	size_t start = b->len;
	sb_printf(b, "%08x-%08x %c%c%c%c %08llx %02x:%02x %llu ", v->vm_start, v->vm_end,
		  v->vm_flags & VM_READ ? 'r' : '-', v->vm_flags & VM_WRITE ? 'w' : '-',
		  v->vm_flags & VM_EXEC ? 'x' : '-', v->vm_flags & VM_MAYSHARE ? 's' : 'p',
		  (unsigned long long)pgoff, id.dev_major, id.dev_minor,
		  (unsigned long long)id.ino);
	char nb[4096];
	const char *name = vma_name(t->mm, v, nb, sizeof(nb));
	if (name && *name) {
		sb_pad(b, start, MAPS_NAME_COLUMN, ' ');
		sb_printf(b, "%s", name);
	}
	sb_putc(b, '\n');
}

void procfs_maps(struct sbuf *b, struct task *t)
{
	if (!t->mm)
		return;
	for (struct vm_area_struct *v = vma_first(t->mm); v; v = vma_next(t->mm, v))
		show_map_vma(b, t, v);
}

struct mem_size_stats {
	uint64_t resident, shared_clean, shared_dirty, private_clean, private_dirty;
	uint64_t referenced, anonymous, lazyfree, anon_thp, swap;
	/* proportional sums in bytes << PSS_SHIFT, so sharing divides exactly */
	uint64_t pss, pss_dirty, pss_locked, swap_pss;
	uint64_t pss_anon, pss_file, pss_shmem; /* shown by smaps_rollup only */
};

#define PSS_SHIFT 12

/* smaps_page_accumulate: one page's share, split by kind and by dirty/private. */
static void smaps_page_accumulate(struct mem_size_stats *m, const struct page *p, uint64_t pss,
				  bool dirty, bool locked, bool private)
{
	m->pss += pss;
	if (PageAnon(p))
		m->pss_anon += pss;
	else if (PageSwapBacked(p))
		m->pss_shmem += pss;
	else
		m->pss_file += pss;
	if (locked)
		m->pss_locked += pss;
	if (dirty || PageDirty(p)) {
		m->pss_dirty += pss;
		if (private)
			m->private_dirty += PAGE_SIZE;
		else
			m->shared_dirty += PAGE_SIZE;
	} else {
		if (private)
			m->private_clean += PAGE_SIZE;
		else
			m->shared_clean += PAGE_SIZE;
	}
}

/* smaps_account for one small page: its mapcount decides private or shared and its Pss. */
static void smaps_account(struct mem_size_stats *m, const struct page *p, bool young, bool dirty,
			  bool locked)
{
	if (PageAnon(p)) {
		m->anonymous += PAGE_SIZE;
		/* MADV_FREE'd: clean and no longer swap-backed */
		if (!PageSwapBacked(p) && !dirty && !PageDirty(p))
			m->lazyfree += PAGE_SIZE;
	}
	m->resident += PAGE_SIZE;
	if (young || PageFlag(p, PG_referenced))
		m->referenced += PAGE_SIZE;
	int mapcount = p->_mapcount + 1;
	uint64_t pss = (uint64_t)PAGE_SIZE << PSS_SHIFT;
	if (mapcount >= 2)
		pss /= (uint64_t)mapcount;
	smaps_page_accumulate(m, p, pss, dirty, locked, mapcount < 2);
}

/* smaps_pte_entry: a swap entry counts in Swap and, divided among the PTEs referencing
 * its slot, in SwapPss; a mapped page (present or PROT_NONE) counts unless it is the zero
 * page (vm_normal_page). */
static void smaps_pte_entry(struct task *t, const struct vm_area_struct *v, uint32_t addr,
			    uint64_t pte, struct mem_size_stats *m)
{
	struct kmem *km = t->km;
	if (is_swap_pte(pte)) {
		m->swap += PAGE_SIZE;
		unsigned count = swap_count(km, pte_to_swp_entry(pte, km->params.pae));
		uint64_t pss = (uint64_t)PAGE_SIZE << PSS_SHIFT;
		m->swap_pss += count >= 2 ? pss / count : pss;
		return;
	}
	uint64_t pfn = pte_pfn(pte);
	if (pfn == zero_pfn(t->mm))
		return;
	struct page *p = pfn_to_page(km, pfn);
	uint64_t pmd;
	if (!pmd_get(km, t->mm->pgd, addr, &pmd) && pmd_trans_huge(pmd))
		m->anon_thp += PAGE_SIZE; /* smaps_pmd_entry: mapped by a huge PDE */
	smaps_account(m, p, pte & PTE_A, pte & PTE_D, v->vm_flags & VM_LOCKED);
}

/* smap_gather_stats: the one walker behind smaps and smaps_rollup, so the rollup is the
 * sum of every VMA's smaps. */
static void smap_gather_stats(struct task *t, const struct vm_area_struct *v,
			      struct mem_size_stats *m)
{
	for (uint32_t a = v->vm_start; a < v->vm_end; a += PAGE_SIZE) {
		uint64_t pte;
		if (pte_get(t->km, t->mm->pgd, a, &pte) || pte_none(pte))
			continue;
		smaps_pte_entry(t, v, a, pte, m);
	}
}

static const char *const vmflag_names[32] = {
	"rd", "wr", "ex", "sh", "mr", "mw", "me", "ms", "gd", "um", "pf", NULL,
	"uw", "lo", "io", "sr", "rr", "dc", "de", "lf", "ac", "nr", "ht", "sf",
	"ar", "wf", "dd", NULL, "mm", "hg", "nh", "mg",
};

#define KB(x) ((unsigned long long)(x) >> 10)

/* hugepage_vma_check as smaps asks it: an anonymous private VMA with THP on for it that
 * holds at least one aligned huge page. */
static int thp_eligible(struct task *t, const struct vm_area_struct *v)
{
	if (!thp_vma_allowed(t->mm, v))
		return 0;
	uint32_t span = t->km->L.pmd_size;
	uint64_t first = ((uint64_t)v->vm_start + span - 1) & ~(uint64_t)(span - 1);
	return first + span <= v->vm_end;
}

/* __show_smap: the counters of one VMA, or of all of them (rollup) */
static void show_smap_counts(struct sbuf *b, const struct mem_size_stats *m, bool rollup)
{
	sb_printf(b, "Rss:            %8llu kB\n", KB(m->resident));
	sb_printf(b, "Pss:            %8llu kB\n", KB(m->pss >> PSS_SHIFT));
	sb_printf(b, "Pss_Dirty:      %8llu kB\n", KB(m->pss_dirty >> PSS_SHIFT));
	if (rollup) {
		sb_printf(b, "Pss_Anon:       %8llu kB\n", KB(m->pss_anon >> PSS_SHIFT));
		sb_printf(b, "Pss_File:       %8llu kB\n", KB(m->pss_file >> PSS_SHIFT));
		sb_printf(b, "Pss_Shmem:      %8llu kB\n", KB(m->pss_shmem >> PSS_SHIFT));
	}
	sb_printf(b, "Shared_Clean:   %8llu kB\n", KB(m->shared_clean));
	sb_printf(b, "Shared_Dirty:   %8llu kB\n", KB(m->shared_dirty));
	sb_printf(b, "Private_Clean:  %8llu kB\n", KB(m->private_clean));
	sb_printf(b, "Private_Dirty:  %8llu kB\n", KB(m->private_dirty));
	sb_printf(b, "Referenced:     %8llu kB\n", KB(m->referenced));
	sb_printf(b, "Anonymous:      %8llu kB\n", KB(m->anonymous));
	sb_printf(b, "LazyFree:       %8llu kB\n", KB(m->lazyfree));
	sb_printf(b, "AnonHugePages:  %8llu kB\n", KB(m->anon_thp));
	sb_printf(b, "ShmemPmdMapped: %8llu kB\n", 0ull);
	sb_printf(b, "FilePmdMapped:  %8llu kB\n", 0ull);
	sb_printf(b, "Shared_Hugetlb: %8llu kB\n", 0ull);
	sb_printf(b, "Private_Hugetlb: %7llu kB\n", 0ull);
	sb_printf(b, "Swap:           %8llu kB\n", KB(m->swap));
	sb_printf(b, "SwapPss:        %8llu kB\n", KB(m->swap_pss >> PSS_SHIFT));
	sb_printf(b, "Locked:         %8llu kB\n", KB(m->pss_locked >> PSS_SHIFT));
}

/* show_smaps_rollup: every VMA's counters summed under one header spanning them all. */
void procfs_smaps_rollup(struct sbuf *b, struct task *t)
{
	struct vm_area_struct *first = t->mm ? vma_first(t->mm) : NULL;
	if (!first)
		return;
	struct mem_size_stats m = {0};
	uint32_t end = 0;
	for (struct vm_area_struct *v = first; v; v = vma_next(t->mm, v)) {
		smap_gather_stats(t, v, &m);
		end = v->vm_end;
	}
	size_t start = b->len;
	sb_printf(b, "%08x-%08x ---p %08x %02x:%02x %u ", first->vm_start, end, 0u, 0u, 0u, 0u);
	sb_pad(b, start, MAPS_NAME_COLUMN, ' ');
	sb_printf(b, "[rollup]\n");
	show_smap_counts(b, &m, true);
}

static void show_smap(struct sbuf *b, struct task *t, const struct vm_area_struct *v)
{
	struct mem_size_stats m = {0};
	smap_gather_stats(t, v, &m);
	show_map_vma(b, t, v);
	sb_printf(b, "Size:           %8llu kB\n", KB(v->vm_end - v->vm_start));
	sb_printf(b, "KernelPageSize: %8u kB\n", 4u);
	sb_printf(b, "MMUPageSize:    %8u kB\n", 4u);
	show_smap_counts(b, &m, false);
	sb_printf(b, "THPeligible:    %d\n", thp_eligible(t, v));
	sb_printf(b, "VmFlags: ");
	for (int i = 0; i < 32; i++)
		if ((v->vm_flags >> i & 1) && vmflag_names[i])
			sb_printf(b, "%s ", vmflag_names[i]);
	sb_putc(b, '\n');
}

void procfs_smaps(struct sbuf *b, struct task *t)
{
	if (!t->mm)
		return;
	for (struct vm_area_struct *v = vma_first(t->mm); v; v = vma_next(t->mm, v))
		show_smap(b, t, v);
}

static uint32_t text_bytes(const struct mm_struct *mm)
{
	return ((mm->end_code + PAGE_SIZE - 1) & PAGE_MASK) - (mm->start_code & PAGE_MASK);
}

/* task_statm */
void procfs_statm(struct sbuf *b, struct task *t)
{
	const struct mm_struct *mm = t->mm;
	if (!mm) {
		sb_printf(b, "0 0 0 0 0 0 0\n");
		return;
	}
	sb_printf(b, "%llu %llu %llu %u 0 %llu 0\n", (unsigned long long)mm->total_vm,
		  (unsigned long long)get_mm_rss(mm),
		  (unsigned long long)(mm->rss_file + mm->rss_shmem), text_bytes(mm) >> PAGE_SHIFT,
		  (unsigned long long)(mm->data_vm + mm->stack_vm));
}

static uint64_t sigset_of(const struct task *t, int which)
{
	const struct signal_struct *s = t->signal;
	if (!s)
		return 0;
	uint64_t ign = 0, cgt = 0;
	for (int i = 1; i <= VMLAB_NSIG; i++) {
		if (s->sighand->action[i].handler == 1)
			ign |= SIGBIT(i);
		else if (s->sighand->action[i].handler > 1)
			cgt |= SIGBIT(i);
	}
	switch (which) {
	case 0: return s->pending;
	case 1: return s->blocked;
	case 2: return ign;
	default: return cgt;
	}
}

/* get_task_state: R for the task on the CPU or runnable, S blocked, Z a zombie. */
static char task_state_char(const struct task *t)
{
	if (t->sched && t == t->sched->init)
		return 'S'; /* the modelled init never runs: it waits for orphans */
	switch (t->state) {
	case TASK_RUNNING: return 'R';
	case TASK_INTERRUPTIBLE: return 'S';
	case EXIT_ZOMBIE: return 'Z';
	default: return 'X';
	}
}

static const char *task_state_name(const struct task *t)
{
	if (t->sched && t == t->sched->init)
		return "S (sleeping)";
	switch (t->state) {
	case TASK_RUNNING: return "R (running)";
	case TASK_INTERRUPTIBLE: return "S (sleeping)";
	case EXIT_ZOMBIE: return "Z (zombie)";
	default: return "X (dead)";
	}
}

/* get_nr_threads: the live and zombie tasks of t's thread group. */
static int nr_threads(const struct task *t)
{
	const struct sched *s = t->sched;
	if (!s)
		return 1;
	int n = 0;
	for (size_t i = 0; i < s->nr; i++)
		n += s->tasks[i]->tgid == t->tgid && s->tasks[i]->state < EXIT_DEAD;
	return n ? n : 1;
}

/* A thread's parent is its process's (the leader's real_parent). */
static int task_ppid(const struct task *t)
{
	const struct task *l = t->group_leader ? t->group_leader : t;
	return l->ppid;
}

/* do_task_stat */
void procfs_pid_stat(struct sbuf *b, struct task *t)
{
	const struct mm_struct *mm = t->mm;
	uint64_t cpu_ticks = vclock_cputime_ns(t) / (1000000000ull / USER_HZ);
	uint64_t rsslim = t->rlim[5].cur; /* RLIMIT_RSS */
	/* PF_RANDOMIZE, PF_FORKNOEXEC (forked, no exec yet), PF_EXITING */
	unsigned flags = (mm && mm->cfg.randomize ? 0x400000u : 0u) |
			 (t->sched && t != t->sched->first && !t->exec_done ? 0x40u : 0u) |
			 (t->state >= EXIT_ZOMBIE ? 0x4u : 0u);
	sb_printf(
	    b,
	    "%d (%.15s) %c %d %d %d 0 -1 %u %llu %llu %llu %llu %llu 0 0 0 20 0 %d 0 0 %llu %llu "
	    "%llu %u %u %u 0 0 %llu %llu %llu %llu 0 0 0 17 0 0 0 0 0 0 %u %u %u %u %u %u "
	    "%u %d\n",
	    t->pid, t->comm ? t->comm : "", task_state_char(t), task_ppid(t),
	    t->pgid ? t->pgid : t->tgid, t->sid ? t->sid : t->tgid, flags,
	    (unsigned long long)t->min_flt, (unsigned long long)t->cmin_flt,
	    (unsigned long long)t->maj_flt, (unsigned long long)t->cmaj_flt,
	    (unsigned long long)cpu_ticks, nr_threads(t),
	    (unsigned long long)(mm ? mm->total_vm * PAGE_SIZE : 0),
	    (unsigned long long)(mm ? get_mm_rss(mm) : 0),
	    (unsigned long long)(rsslim > 0xffffffffull ? 0xffffffffull : rsslim),
	    mm ? mm->start_code : 0, mm ? mm->end_code : 0, mm ? mm->start_stack : 0,
	    (unsigned long long)(sigset_of(t, 0) & 0x7fffffff),
	    (unsigned long long)(sigset_of(t, 1) & 0x7fffffff),
	    (unsigned long long)(sigset_of(t, 2) & 0x7fffffff),
	    (unsigned long long)(sigset_of(t, 3) & 0x7fffffff), mm ? mm->start_data : 0,
	    mm ? mm->end_data : 0, mm ? mm->start_brk : 0, mm ? mm->arg_start : 0,
	    mm ? mm->arg_end : 0, mm ? mm->env_start : 0, mm ? mm->env_end : 0,
	    t->state == EXIT_ZOMBIE ? t->wait_status : 0);
}

#define SEQ_KB(label, pages) sb_printf(b, label "\t%8llu kB\n", (unsigned long long)(pages) * 4)

/* proc_pid_status */
void procfs_status(struct sbuf *b, struct task *t)
{
	const struct mm_struct *mm = t->mm;
	sb_printf(b, "Name:\t%.15s\n", t->comm ? t->comm : "");
	if (t->fs) /* proc_task_umask: not for a zombie, whose fs is gone */
		sb_printf(b, "Umask:\t%04o\n", t->fs->umask);
	sb_printf(b, "State:\t%s\n", task_state_name(t));
	sb_printf(b, "Tgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n", t->tgid, t->pid,
		  task_ppid(t));
	sb_printf(b, "Uid:\t%u\t%u\t%u\t%u\n", t->uid, t->euid, t->euid, t->euid);
	sb_printf(b, "Gid:\t%u\t%u\t%u\t%u\n", t->gid, t->egid, t->egid, t->egid);
	int fdsize = 64;
	while (t->files && fdsize < VMLAB_NR_OPEN) {
		bool high = false;
		for (int i = fdsize; i < VMLAB_NR_OPEN; i++)
			if (t->files->fd[i])
				high = true;
		if (!high)
			break;
		fdsize *= 2;
	}
	sb_printf(b, "FDSize:\t%d\nGroups:\t\n", fdsize);
	sb_printf(b, "NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n", t->tgid, t->pid,
		  t->pgid ? t->pgid : t->tgid, t->sid ? t->sid : t->tgid);
	if (mm) {
		uint32_t text = text_bytes(mm);
		uint64_t lib = mm->exec_vm * PAGE_SIZE - text;
		SEQ_KB("VmPeak:", mm->hiwater_vm); /* raised with total_vm (vm_stat_account) */
		SEQ_KB("VmSize:", mm->total_vm);
		SEQ_KB("VmLck:", mm->locked_vm);
		SEQ_KB("VmPin:", mm->pinned_vm);
		SEQ_KB("VmHWM:", mm->hiwater_rss);
		SEQ_KB("VmRSS:", get_mm_rss(mm));
		SEQ_KB("RssAnon:", mm->rss_anon);
		SEQ_KB("RssFile:", mm->rss_file);
		SEQ_KB("RssShmem:", mm->rss_shmem);
		SEQ_KB("VmData:", mm->data_vm);
		SEQ_KB("VmStk:", mm->stack_vm);
		sb_printf(b, "VmExe:\t%8u kB\n", text >> 10);
		sb_printf(b, "VmLib:\t%8llu kB\n", (unsigned long long)(lib >> 10));
		sb_printf(b, "VmPTE:\t%8llu kB\n", (unsigned long long)(mm->pgtable_bytes >> 10));
		SEQ_KB("VmSwap:", mm->swapents);
		sb_printf(b, "HugetlbPages:\t%8u kB\n", 0u);
	}
	sb_printf(b, "CoreDumping:\t0\nTHP_enabled:\t0\nThreads:\t%d\n", nr_threads(t));
	int queued = __builtin_popcountll(sigset_of(t, 0));
	sb_printf(b, "SigQ:\t%d/%llu\n", queued, (unsigned long long)t->rlim[11].cur);
	sb_printf(b, "SigPnd:\t%016llx\nShdPnd:\t%016llx\n", (unsigned long long)sigset_of(t, 0),
		  0ull);
	sb_printf(b, "SigBlk:\t%016llx\nSigIgn:\t%016llx\nSigCgt:\t%016llx\n",
		  (unsigned long long)sigset_of(t, 1), (unsigned long long)sigset_of(t, 2),
		  (unsigned long long)sigset_of(t, 3));
	uint64_t caps = t->euid == 0 ? 0x000001ffffffffffull : 0;
	sb_printf(b, "CapInh:\t%016llx\nCapPrm:\t%016llx\nCapEff:\t%016llx\n", 0ull,
		  (unsigned long long)caps, (unsigned long long)caps);
	sb_printf(b, "CapBnd:\t%016llx\nCapAmb:\t%016llx\n", 0x000001ffffffffffull, 0ull);
	sb_printf(b, "NoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n");
	sb_printf(b, "Speculation_Store_Bypass:\tnot vulnerable\n");
	sb_printf(b, "SpeculationIndirectBranch:\talways enabled\n");
	sb_printf(b, "Cpus_allowed:\t1\nCpus_allowed_list:\t0\n");
	sb_printf(b, "Mems_allowed:\t1\nMems_allowed_list:\t0\n");
	sb_printf(b, "voluntary_ctxt_switches:\t%llu\nnonvoluntary_ctxt_switches:\t%llu\n",
		  (unsigned long long)t->nvcsw, (unsigned long long)t->nivcsw);
}

/* access_remote_vm for procfs: bytes of w's memory through its own page tables, up to the
 * first page that is not present (a swapped-out page is not brought back for this). */
static size_t remote_read(struct task *w, uint32_t addr, void *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		uint32_t a = addr + (uint32_t)done;
		uint64_t pte;
		if (pte_get(w->km, w->mm->pgd, a, &pte) || pte_none(pte) || is_swap_pte(pte) ||
		    !(pte & PTE_P))
			break;
		size_t in_page = PAGE_SIZE - (a & (PAGE_SIZE - 1));
		size_t k = n - done < in_page ? n - done : in_page;
		physmem_read_buf(w->pm, (pte_pfn(pte) << PAGE_SHIFT) + (a & (PAGE_SIZE - 1)),
				 (char *)buf + done, k);
		done += k;
	}
	return done;
}

/* cmdline and environ: the bytes exec put on the stack */
int procfs_user_range(struct sbuf *b, struct task *t, struct task *w, bool env)
{
	const struct mm_struct *mm = w->mm;
	if (!mm)
		return 0;
	uint32_t s = env ? mm->env_start : mm->arg_start, e = env ? mm->env_end : mm->arg_end;
	for (uint32_t a = s; a < e && !b->oom; a++) {
		uint8_t c;
		if (w->mm == t->mm ? copy_from_user(t, &c, a, 1) != 0
				   : remote_read(w, a, &c, 1) != 1)
			break;
		sb_putc(b, (char)c);
	}
	return 0;
}

/* pagemap_read: 64-bit entries; PFNs shown to root as Linux shows them to CAP_SYS_ADMIN. */
#define PM_PFRAME_MASK ((1ull << 55) - 1)
#define PM_MMAP_EXCLUSIVE (1ull << 56)
#define PM_FILE (1ull << 61)
#define PM_SWAP (1ull << 62)
#define PM_PRESENT (1ull << 63)

/* w's entry for addr, as reader t sees it (PFNs for root only) */
static uint64_t pagemap_entry(struct task *t, struct task *w, uint32_t addr)
{
	struct mm_struct *mm = w->mm;
	const struct vm_area_struct *v = vma_lookup(mm, addr);
	if (!v)
		return 0;
	uint64_t pte;
	if (pte_get(w->km, mm->pgd, addr, &pte) || pte_none(pte))
		return 0;
	if (is_swap_pte(pte)) {
		/* type | offset << MAX_SWAPFILES_SHIFT, shown to CAP_SYS_ADMIN only (6.1) */
		swp_entry_t e = pte_to_swp_entry(pte, w->km->params.pae);
		uint64_t frame = swp_type(e) | (uint64_t)swp_offset(e) << MAX_SWAPFILES_SHIFT;
		return PM_SWAP | (t->euid == 0 ? frame : 0);
	}
	uint64_t pfn = pte_pfn(pte);
	uint64_t e = PM_PRESENT | (t->euid == 0 ? pfn & PM_PFRAME_MASK : 0);
	if (pfn == zero_pfn(mm))
		return e; /* a special page: no struct page is reported */
	struct page *p = pfn_to_page(w->km, pfn);
	if (p->_mapcount == 0)
		e |= PM_MMAP_EXCLUSIVE;
	bool anon = !v->vm_file || p->mapping != v->vm_file->mapping;
	if (!anon)
		e |= PM_FILE;
	return e;
}

long procfs_pagemap_read(struct task *t, const char *path, uint32_t ubuf, uint32_t count,
			 uint64_t *pos)
{
	if ((*pos & 7) || (count & 7))
		return -EINVAL;
	struct task *w = procfs_task_of(t, path);
	if (!w || !w->mm)
		return 0; /* pagemap_read: the task exited, or is a zombie */
	uint64_t vpn = *pos / 8;
	uint64_t end = w->mm->task_size >> PAGE_SHIFT;
	long done = 0;
	uint64_t buf[512];
	while ((uint32_t)done < count && vpn < end) {
		unsigned n = 0;
		while (n < 512 && (uint32_t)done + n * 8 < count && vpn + n < end) {
			buf[n] = pagemap_entry(t, w, (uint32_t)((vpn + n) << PAGE_SHIFT));
			n++;
		}
		if (copy_to_user(t, ubuf + (uint32_t)done, buf, n * 8))
			return done ? done : -EFAULT;
		done += n * 8;
		vpn += n;
	}
	*pos = vpn * 8;
	return done;
}

int signal_describe_addr(struct task *t, uint32_t addr, char *buf, size_t n)
{
	if (!t->mm) {
		snprintf(buf, n, ", no VMA");
		return 0;
	}
	const struct vm_area_struct *v = vma_lookup(t->mm, addr);
	if (!v) {
		snprintf(buf, n, ", no VMA");
		return 0;
	}
	char nb[1024];
	const char *name = vma_name(t->mm, v, nb, sizeof(nb));
	snprintf(buf, n, " in %c%c%c%c %08x-%08x%s%s", v->vm_flags & VM_READ ? 'r' : '-',
		 v->vm_flags & VM_WRITE ? 'w' : '-', v->vm_flags & VM_EXEC ? 'x' : '-',
		 v->vm_flags & VM_MAYSHARE ? 's' : 'p', v->vm_start, v->vm_end,
		 name && *name ? " " : "", name ? name : "");
	return 0;
}
