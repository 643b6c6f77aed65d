/*
 * The OOM killer (mm/oom_kill.c). When reclaim and swap cannot give a fault its page, the
 * process with the highest badness (oom_badness: RSS + swap entries + page-table pages, plus
 * oom_score_adj thousandths of RAM + swap) is killed with SIGKILL. Its private memory is
 * taken back at once, as the oom_reaper does, so the faulting task can retry; the others go
 * on. The kernel's log line goes to vmlab's stderr.
 */
#include "kernel/mm/swap.h"
#include "kernel/mm/ktrace_mm.h"
#include "kernel/exit.h"
#include "kernel/mm/memory.h"
#include "kernel/mm/mmap.h"
#include "kernel/sched.h"
#include "kernel/signal.h"

#include <signal.h>

int64_t oom_badness(struct task *t, uint64_t totalpages)
{
	struct mm_struct *mm = t->mm;
	if (!mm || t->oom_score_adj == OOM_SCORE_ADJ_MIN || t->exited || t->state >= EXIT_ZOMBIE)
		return INT64_MIN;
	int64_t points = (int64_t)(get_mm_rss(mm) + mm->swapents + mm_pgtables_bytes(mm) / PAGE_SIZE);
	return points + (int64_t)t->oom_score_adj * (int64_t)(totalpages / 1000);
}

static uint64_t oom_totalpages(struct kmem *km)
{
	return km->totalram_pages + total_swap_pages(km);
}

/* proc_oom_score: the badness scaled to [0, 2000] and then by 2/3, as 6.1 exports it */
unsigned long proc_oom_score(struct task *t)
{
	uint64_t total = oom_totalpages(t->km);
	int64_t b = oom_badness(t, total);
	if (b == INT64_MIN || !total)
		return 0;
	int64_t points = (1000 + b * 1000 / (int64_t)total) * 2 / 3;
	return points > 0 ? (unsigned long)points : 0;
}

/* __oom_reap_task_mm: the victim's private pages go back now */
static void oom_reap(struct mm_struct *mm)
{
	for (struct vm_area_struct *v = vma_first(mm); v; v = vma_next(mm, v))
		if (!(v->vm_flags & (VM_SHARED | VM_LOCKED)) && v->kind == VMA_NORMAL)
			zap_page_range(mm, v->vm_start, v->vm_end);
}

struct task *out_of_memory(struct task *t, FILE *f)
{
	struct kmem *km = t->km;
	uint64_t total = oom_totalpages(km);
	struct task *victim = NULL;
	int64_t best = INT64_MIN;
	struct sched *s = t->sched;
	size_t n = s ? s->nr : 1;
	/* select_bad_process: processes (thread-group leaders) in creation order; a later one
	 * with equal points wins, as oom_evaluate_task's comparison makes it */
	for (size_t i = 0; i < n; i++) {
		struct task *c = s ? s->tasks[i] : t;
		if (c->group_leader && c->group_leader != c)
			continue;
		int64_t b = oom_badness(c, total);
		if (b == INT64_MIN || (victim && b < best))
			continue;
		victim = c;
		best = b;
	}
	if (!victim)
		return NULL;
	struct mm_struct *mm = victim->mm;
	counter_add(km->ctr, CTR_oom_kill, 1);
	if (ktrace_mm_on(km, TRACE_SWAP))
		ktrace_oom_kill(km, victim, best);
	fprintf(f,
		"Out of memory: Killed process %d (%s) total-vm:%llukB, anon-rss:%llukB, "
		"file-rss:%llukB, shmem-rss:%llukB, UID:%u pgtables:%llukB oom_score_adj:%d\n",
		victim->tgid, victim->comm ? victim->comm : "?",
		(unsigned long long)mm->total_vm * 4, (unsigned long long)mm->rss_anon * 4,
		(unsigned long long)mm->rss_file * 4, (unsigned long long)mm->rss_shmem * 4,
		victim->uid, (unsigned long long)mm_pgtables_bytes(mm) >> 10, victim->oom_score_adj);
	fflush(f);
	oom_reap(mm);
	signal_kill_task(victim, SIGKILL, NULL);
	zap_other_threads(victim);
	if (victim->state == TASK_INTERRUPTIBLE)
		victim->state = TASK_RUNNING;
	return victim;
}
