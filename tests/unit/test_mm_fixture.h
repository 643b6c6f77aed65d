/*
 * A machine for the unit tests of the user address space: its task has no resource limits
 * but Linux's 8 MB stack, and an empty 3 GB address space whose page directory is in CR3.
 */
#ifndef TEST_MM_FIXTURE_H
#define TEST_MM_FIXTURE_H
#include <stdio.h>
#include <stdlib.h>

#include "kernel/machine.h"
#include "kernel/mm/memory.h"
#include "kernel/mm/mmap.h"

/* The machine c describes, its task's mm placing huge pages as thp says; NULL (after saying
 * why on stderr) when it cannot be made. */
static inline struct machine *mm_fixture_create(const struct machine_config *c, enum thp_mode thp)
{
	struct machine *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	char err[256];
	if (machine_create(m, c, err, sizeof err)) {
		fprintf(stderr, "machine_create: %s\n", err);
		return NULL;
	}
	struct task *t = &m->task;
	for (int i = 0; i < VMLAB_RLIM_NLIMITS; i++)
		t->rlim[i].cur = t->rlim[i].max = ~0ull;
	t->rlim[3].cur = 8u << 20; /* RLIMIT_STACK */
	struct mm_layout_config lc = {.task_size = 0xC0000000u,
				      .overcommit_ratio = 50,
				      .fault_around_bytes = 65536,
				      .thp = thp};
	t->mm = mm_alloc(t, &lc);
	if (!t->mm || mm_alloc_pgd(t->mm))
		return NULL;
	mmu_write_cr3(&m->mmu, (uint32_t)t->mm->pgd);
	return m;
}

/* A 64 MB machine without huge pages whose task runs in user mode as the scheduler's
 * current address space: the processes' fixture (fork, SysV shm). */
static inline struct machine *mm_fixture_user(void)
{
	struct machine_config c;
	machine_config_default(&c);
	c.ram_bytes = 64u << 20;
	c.thp = THP_NEVER;
	struct machine *m = mm_fixture_create(&c, THP_NEVER);
	if (!m)
		return NULL;
	m->sched.active_mm = m->task.mm;
	m->mmu.cpl = 3;
	return m;
}

static inline void mm_fixture_destroy(struct machine *m)
{
	machine_destroy(m);
	free(m);
}
#endif
