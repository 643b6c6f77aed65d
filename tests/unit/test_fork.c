/* Processes without a guest program: fork's page-table copy (private writable pages
 * write-protected in both, shared by reference; the first write copies or reuses),
 * MADV_DONTFORK and MADV_WIPEONFORK, the round-robin order and wake-up tests of the
 * scheduler, and what a context switch does to CR3 and the TLB. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kernel/exit.h"
#include "kernel/machine.h"
#include "kernel/mm/memory.h"
#include "kernel/mm/mman.h"
#include "kernel/mm/mmap.h"
#include "kernel/mm/pgtable.h"
#include "kernel/sched.h"
#include "kernel/signal.h"
#include "test_mm_fixture.h"

long sys_fork(struct task *t, const uint32_t *a);
long sys_madvise(struct task *t, const uint32_t *a);

struct fx {
	struct machine *m;
	struct task *t;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	f->m = mm_fixture_user();
	if (!f->m)
		return -1;
	f->t = &f->m->task;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	mm_fixture_destroy(f->m);
	free(f);
	return 0;
}

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static void fault(struct task *t, uint32_t addr, uint32_t err)
{
	struct fault_outcome o;
	do_user_addr_fault(t, addr, err | PF_U, &o);
	assert_int_equal(o.sig, 0);
}

static struct task *fork_child(struct fx *f)
{
	long pid = sys_fork(f->t, NULL);
	assert_true(pid > PID_FIRST);
	struct task *c = find_task_by_pid(&f->m->sched, (int)pid);
	assert_non_null(c);
	assert_int_equal(c->ppid, f->t->tgid);
	assert_ptr_equal(c->real_parent, f->t);
	assert_int_equal(c->ctx.regs[R_EAX], 0);
	return c;
}

static void test_cow(void **state)
{
	struct fx *f = *state;
	struct kmem *km = f->t->km;
	uint32_t a = (uint32_t)do_mmap(f->t->mm, 0, 4 * PAGE_SIZE, RW, ANON, NULL, 0);
	assert_true(a < 0xC0000000u);
	for (int i = 0; i < 4; i++)
		fault(f->t, a + i * PAGE_SIZE, PF_W);
	uint64_t before = mm_pte(f->t->mm, a);
	assert_true(before & PTE_RW);
	uint64_t flushes =
	    f->m->ctr.v[CTR_tlb_flush_invlpg] + f->m->ctr.v[CTR_tlb_flush_user_range];

	struct task *c = fork_child(f);
	uint64_t pp = mm_pte(f->t->mm, a), cp = mm_pte(c->mm, a);
	/* both read-only, the same frame, mapped twice, the child's entry old */
	assert_false(pp & PTE_RW);
	assert_false(cp & PTE_RW);
	assert_int_equal(pte_pfn(pp), pte_pfn(before));
	assert_int_equal(pte_pfn(cp), pte_pfn(before));
	assert_false(cp & PTE_A);
	struct page *pg = pfn_to_page(km, pte_pfn(before));
	assert_int_equal(pg->_mapcount, 1);
	assert_int_equal(c->mm->rss_anon, f->t->mm->rss_anon);
	/* the parent's live translations were dropped (INVLPG per page) */
	assert_true(f->m->ctr.v[CTR_tlb_flush_invlpg] + f->m->ctr.v[CTR_tlb_flush_user_range] >
		    flushes);

	/* the child writes first: a copy */
	uint64_t cow = f->m->ctr.v[CTR_fault_cow], reuse = f->m->ctr.v[CTR_fault_wp_reuse];
	uint64_t cmin = c->min_flt;
	fault(c, a, PF_W | PF_P);
	cp = mm_pte(c->mm, a);
	assert_true(cp & PTE_RW);
	assert_int_not_equal(pte_pfn(cp), pte_pfn(before));
	assert_int_equal(f->m->ctr.v[CTR_fault_cow], cow + 1);
	assert_int_equal(c->min_flt, cmin + 1);
	assert_int_equal(pg->_mapcount, 0);
	/* then the parent: the page is its alone again, reused in place */
	fault(f->t, a, PF_W | PF_P);
	pp = mm_pte(f->t->mm, a);
	assert_true(pp & PTE_RW);
	assert_int_equal(pte_pfn(pp), pte_pfn(before));
	assert_int_equal(f->m->ctr.v[CTR_fault_wp_reuse], reuse + 1);
	assert_int_equal(f->m->ctr.v[CTR_fault_cow], cow + 1);
}

static void test_dontfork_wipeonfork(void **state)
{
	struct fx *f = *state;
	uint32_t a = (uint32_t)do_mmap(f->t->mm, 0, 2 * PAGE_SIZE, RW, ANON, NULL, 0);
	uint32_t b = (uint32_t)do_mmap(f->t->mm, 0, 2 * PAGE_SIZE, RW, ANON, NULL, 0);
	fault(f->t, a, PF_W);
	fault(f->t, b, PF_W);
	uint32_t args[3] = {a, 2 * PAGE_SIZE, MADV_DONTFORK};
	assert_int_equal(sys_madvise(f->t, args), 0);
	uint32_t args2[3] = {b, 2 * PAGE_SIZE, 18 /* MADV_WIPEONFORK */};
	assert_int_equal(sys_madvise(f->t, args2), 0);
	struct task *c = fork_child(f);
	assert_null(vma_lookup(c->mm, a));
	struct vm_area_struct *v = vma_lookup(c->mm, b);
	assert_non_null(v);
	assert_int_equal(mm_pte(c->mm, b), 0);	   /* empty: it will fault in zeroes */
	assert_true(mm_pte(f->t->mm, b) & PTE_RW); /* the parent's stays as it was */
	assert_int_equal(c->mm->total_vm + 2, f->t->mm->total_vm);
}

static void test_context_switch(void **state)
{
	struct fx *f = *state;
	struct sched *s = &f->m->sched;
	struct task *c = fork_child(f);
	f->m->cpu.regs[R_EBX] = 0x1111;
	c->ctx.regs[R_EBX] = 0x2222;
	uint64_t cr3_flushes = f->m->ctr.v[CTR_tlb_flush_cr3];
	context_switch(s, f->t, c);
	assert_ptr_equal(s->current, c);
	assert_int_equal(f->m->mmu.regs.cr3, (uint32_t)c->mm->pgd);
	assert_int_equal(f->m->cpu.regs[R_EBX], 0x2222);
	assert_int_equal(f->t->ctx.regs[R_EBX], 0x1111);
	assert_int_equal(f->m->ctr.v[CTR_tlb_flush_cr3], cr3_flushes + 1);
	assert_int_equal(s->nr_cr3_loads, 1);
	context_switch(s, c, f->t);
	assert_int_equal(f->m->cpu.regs[R_EBX], 0x1111);
	assert_int_equal(f->m->mmu.regs.cr3, (uint32_t)f->t->mm->pgd);
	assert_int_equal(s->nr_cr3_loads, 2);
	/* a thread of the same mm: no CR3 load, no flush */
	struct task *th = calloc(1, sizeof *th);
	*th = *f->t;
	th->pid = 4242;
	th->state = TASK_RUNNING;
	assert_int_equal(sched_add(s, th), 0);
	cr3_flushes = f->m->ctr.v[CTR_tlb_flush_cr3];
	context_switch(s, f->t, th);
	assert_int_equal(s->nr_cr3_loads, 2);
	assert_int_equal(f->m->ctr.v[CTR_tlb_flush_cr3], cr3_flushes);
	context_switch(s, th, f->t);
	th->state = EXIT_DEAD;
	th->signal = NULL; /* shared with the original: not its to free */
	sched_remove(s, th);
}

static void test_round_robin(void **state)
{
	struct fx *f = *state;
	struct sched *s = &f->m->sched;
	struct task *b = fork_child(f), *c = fork_child(f);
	s->current = f->t;
	assert_ptr_equal(pick_next_task(s), b);
	s->current = b;
	assert_ptr_equal(pick_next_task(s), c);
	s->current = c;
	assert_ptr_equal(pick_next_task(s), f->t);
	/* blocked tasks are passed over until woken */
	b->state = TASK_INTERRUPTIBLE;
	b->wait.kind = WAIT_CHILD;
	s->current = f->t;
	assert_ptr_equal(pick_next_task(s), c);
	wake_up_task(b, WAIT_FUTEX); /* the wrong kind: still asleep */
	assert_false(task_can_run(b));
	wake_up_task(b, WAIT_CHILD);
	assert_true(task_can_run(b));
	/* a pipe: runnable once there is something to read */
	int p[2];
	assert_int_equal(pipe(p), 0);
	c->state = TASK_INTERRUPTIBLE;
	c->wait.kind = WAIT_PIPE_READ;
	c->wait.host_fd = p[0];
	c->wait.woken = false;
	assert_false(task_can_run(c));
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_true(task_can_run(c));
	/* a pending signal wakes any sleeper */
	b->wait.woken = false;
	assert_false(task_can_run(b));
	send_sig(b, SIGUSR1, 0);
	assert_true(task_can_run(b));
	close(p[0]);
	close(p[1]);
	/* nobody runnable: NULL (the run loop's deadlock) */
	f->t->state = c->state = b->state = TASK_INTERRUPTIBLE;
	b->signal->pending = 0;
	c->wait.host_fd = -1;
	c->wait.kind = WAIT_CHILD;
	f->t->wait.kind = WAIT_CHILD;
	f->t->wait.woken = false;
	assert_null(pick_next_task(s));
	f->t->state = b->state = c->state = TASK_RUNNING;
}

static void test_exit_reparent(void **state)
{
	struct fx *f = *state;
	struct sched *s = &f->m->sched;
	struct task *c = fork_child(f);
	s->current = c;
	context_switch(s, f->t, c);
	/* the child forks a grandchild, then exits: the grandchild goes to init */
	long gpid = sys_fork(c, NULL);
	struct task *g = find_task_by_pid(s, (int)gpid);
	assert_non_null(g);
	c->exited = true;
	c->exit_code = 3;
	do_exit(c);
	assert_int_equal(c->state, EXIT_ZOMBIE);
	assert_int_equal(c->wait_status, 3 << 8);
	assert_ptr_equal(g->real_parent, s->init);
	assert_int_equal(g->ppid, PID_INIT);
	/* init reaps its children at once: the grandchild vanishes when it exits */
	context_switch(s, c, g);
	g->exited = true;
	g->exit_signal = SIGTERM;
	do_exit(g);
	assert_null(find_task_by_pid(s, (int)gpid));
	assert_null(s->current); /* it was current: the scheduler forgot it */
	context_switch(s, s->current, f->t);
}

/* A stopped child is not runnable until SIGCONT (or SIGKILL); its parent hears of the stop;
 * a child forked by a process continued but not yet waited for has nothing to report. */
static void test_jobctl(void **state)
{
	struct fx *f = *state;
	struct task *p = f->t;
	p->signal->sighand->action[17].handler = 0x8048000; /* SIGCHLD caught: queued */
	p->stop_continued = p->notify_continued = true;
	p->restart_code = ERESTARTNOHAND;
	struct task *c = fork_child(f);
	assert_false(c->stop_continued || c->notify_continued || c->group_stopped);
	assert_int_equal(c->restart_code, 0);
	p->stop_continued = p->notify_continued = false;
	p->restart_code = 0;
	assert_true(task_can_run(c));
	send_sig(c, 19 /* SIGSTOP */, 0);
	do_signal(c);
	assert_true(c->jobctl_stopped);
	assert_false(task_can_run(c));
	assert_true(p->signal->pending & SIGBIT(17));
	assert_int_equal(p->signal->info[17].si_code, 5 /* CLD_STOPPED */);
	assert_int_equal(p->signal->info[17].u[2], 19);
	send_sig(c, 15 /* SIGTERM */, 0); /* waits for the continue */
	assert_false(task_can_run(c));
	send_sig(c, 18 /* SIGCONT */, 0);
	assert_true(task_can_run(c));
	assert_true(c->stop_continued);
	send_sig(c, 20 /* SIGTSTP */, 0);
	c->signal->pending &= ~SIGBIT(15);
	do_signal(c);
	/* the whole program is one orphaned group under vmlab's init: discarded */
	assert_false(c->jobctl_stopped);
	send_sig(c, 19, 0);
	do_signal(c);
	assert_false(task_can_run(c));
	send_sig(c, 9 /* SIGKILL */, 0);
	assert_true(task_can_run(c)); /* to die */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_cow, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dontfork_wipeonfork, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_context_switch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_round_robin, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_exit_reparent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_jobctl, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
