/*
 * The task list and the scheduler (kernel/sched/core.c in spirit, deterministic by design):
 * one CPU, round-robin over runnable tasks in creation order, a time slice counted in retired
 * instructions. A context switch saves the outgoing task's CPU state (registers, EFLAGS,
 * x87, segment registers, its TLS and LDT descriptors), loads the incoming one's, and loads
 * CR3 with the incoming mm's page directory when the address space changes (the CR3 load
 * flushes the non-global TLB entries, counted); threads of one mm keep CR3 as it is.
 *
 * A system call that must wait calls sched_block(): the task becomes TASK_INTERRUPTIBLE and
 * the call returns -ERESTART_SCHED, on which the run loop backs EIP up to the INT 0x80, so
 * the call runs again, from the start, when the task is woken (its condition holds or a
 * signal is pending). Nothing ever blocks the host.
 */
#ifndef VMLAB_KERNEL_SCHED_H
#define VMLAB_KERNEL_SCHED_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kernel/proc_acct.h"
#include "kernel/task.h"

/* Internal return values of system calls, never seen by the guest (Linux's own numbers). */
#define ERESTARTSYS 512	   /* interrupted by a signal: restart if SA_RESTART, else EINTR */
#define ERESTARTNOHAND 514 /* interrupted: EINTR if a handler runs, else restart */
#define ERESTART_RESTARTBLOCK 516 /* the same, the call's deadline kept for the restart */
#define ERESTART_SCHED 530 /* blocked: run the call again when woken (vmlab's) */

#define SCHED_SLICE_DEFAULT 1000000u /* instructions: 1 ms at the virtual clock's 1 ns/insn */
#define PID_INIT 1
#define PID_FIRST 1000 /* the program vmlab starts, as before */
#define PID_MAX 32768  /* /proc/sys/kernel/pid_max */

struct sched {
	struct task **tasks; /* every task but the modelled init, in creation order */
	size_t nr, cap;
	struct task *init;	      /* pid 1: adopts orphans and reaps them at once; never runs */
	struct task *first;	      /* the program vmlab started (its status is vmlab's) */
	struct task *current;	      /* the task whose context the CPU holds */
	struct mm_struct *active_mm;  /* whose page directory CR3 holds */
	struct mm_struct *mm_to_drop; /* of the task that exited last: released at the switch */
	int last_pid;
	uint64_t slice; /* instructions per time slice */
	uint64_t slice_left;
	uint64_t nr_switches, nr_cr3_loads, nr_forks;
	uint64_t futex_seq;
	uint16_t last_asid;
	int timers;           /* armed ITIMER_REAL timers (itimer.c) */
	uint64_t idle_ns;     /* virtual time that passed with every task blocked until a
			       * timeout: it counts in every task's monotonic clock */ /* --tlb-asid: the last tag given to an address space */
	struct proc_acct_table acct; /* --stats' rows, one per process that ran */
};

/* Sets up the list with the first task (already built) and a modelled init. 0 or -ENOMEM. */
int sched_init(struct sched *s, struct task *first, uint64_t slice);
/* Frees every task but the first (embedded in the machine). */
void sched_destroy(struct sched *s);
/* The next free pid after the last one given (alloc_pid): a pid or -EAGAIN. */
int sched_alloc_pid(struct sched *s);
/* Adds a new task at the end of the run order: 0 or -ENOMEM. */
int sched_add(struct sched *s, struct task *t);
/* The kernel side of a new task: its kernel stack (order-1 pages, KernelStack) and its
 * task_struct slab object. 0 or -ENOMEM. task_free_kernel frees them. */
int task_alloc_kernel(struct task *t);
void task_free_kernel(struct task *t);
/* Takes a dead task out of the list and frees it (not the first task, which stays). */
void sched_remove(struct sched *s, struct task *t);
/* The live (not yet reaped) task with this pid, or NULL. */
struct task *find_task_by_pid(struct sched *s, int pid);

/* Whether t could run now: TASK_RUNNING, or blocked with its wait condition met or a signal
 * pending. */
bool task_can_run(struct task *t);
/* Round-robin: the first task after current (wrapping) that can run, or NULL. */
struct task *pick_next_task(struct sched *s);
/* switch_mm: loads CR3 with mm's page directory, which drops the non-global TLB entries;
 * with ASIDs modelled (--tlb-asid) mm keeps its own tag instead and nothing is dropped
 * (an ASID given anew is flushed first). For exec's new mm and context_switch. */
void switch_mm(struct task *t, struct mm_struct *mm);
/* Saves prev's CPU context (prev may be NULL or dead), loads next's; CR3 when mm changes. */
void context_switch(struct sched *s, struct task *prev, struct task *next);

/* Blocks t in the running system call until woken: -ERESTART_SCHED, or -ERESTARTSYS when a
 * signal is already pending. */
long sched_block(struct task *t, enum wait_kind kind, int host_fd, uint32_t uaddr);
/* write(2) to a blocking pipe wrote done bytes of more: the call goes on for the rest after
 * a wait (its buffer and count registers advanced meanwhile); the result returned in the
 * end counts every byte. */
long sched_write_rest(struct task *t, uint32_t done, int host_fd);
/* The end of a system call for the run loop: a pending partial write's total and registers
 * put back. Returns the value to give the guest. */
long sched_syscall_done(struct task *t, long r);
/* Sends SIGALRM to every process whose real timer has expired (itimer.c). */
void sched_fire_timers(struct sched *s);
/* ITIMER_VIRTUAL and ITIMER_PROF (itimer.c): after t ran, the signals of the CPU-time timers
 * its process has reached; before, the most instructions t may run until the next expires. */
void itimer_cpu_account(struct task *t);
uint64_t itimer_cpu_budget(struct task *t, uint64_t budget);
/* Whether a task other than t is still alive (not a zombie). */
bool sched_others_alive(const struct task *t);
/* The same with a timeout: the task can run again once its virtual monotonic clock reaches
 * deadline (0: none); when every task is blocked, time jumps to the earliest deadline. */
long sched_block_until(struct task *t, enum wait_kind kind, uint64_t deadline);
/* Every task is blocked: moves the clock to the earliest deadline (true), or, when a task
 * polls descriptors of the outside world, waits on the host for them (true); false when
 * nothing can ever wake anyone. */
bool sched_idle(struct sched *s);
/* An explicit wake-up of a task blocked for kind (child exit, futex wake, vfork done). */
void wake_up_task(struct task *t, enum wait_kind kind);

/* What a blocked task waits for, in words ("reads an empty pipe"). */
const char *sched_wait_what(const struct task *t);

/* Every live task is blocked and nothing can wake any: prints one line per task saying what
 * it waits for. */
void sched_report_deadlock(struct sched *s, FILE *f);
/* A task's saved CPU state from the CPU (the caller makes sure t is current). */
void save_context(struct task *t);
#endif
