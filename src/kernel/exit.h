/*
 * Ending tasks and waiting for them (kernel/exit.c), and signals between processes
 * (kill_pid_info, kill_pgrp): what the run loop and the system calls of other subsystems
 * need from the process tree.
 */
#ifndef VMLAB_KERNEL_EXIT_H
#define VMLAB_KERNEL_EXIT_H
#include <stdbool.h>
#include <stdint.h>

struct task;

/* do_exit for a task whose t->exited is set (exit_code, exit_signal say how): releases its
 * address space, files and children (to init), becomes a zombie and notifies its parent
 * (SIGCHLD, a waiting wait4), or is reaped at once (init's child, SIGCHLD ignored). */
void do_exit(struct task *t);
/* exit_group/a fatal signal: every other thread of t's group exits too (their exited flags
 * set with t's status). */
void zap_other_threads(struct task *t);
/* do_notify_parent_cldstop: leader's process stopped (CLD_STOPPED) or was continued
 * (CLD_CONTINUED): SIGCHLD to its parent unless that ignores it or asked SA_NOCLDSTOP, and
 * a waiting parent woken either way. */
void do_notify_parent_cldstop(struct task *leader, int why);
/* is_current_pgrp_orphaned: no process of t's process group has a parent in another group
 * of the same session (the terminal's stop signals are then discarded). */
bool is_current_pgrp_orphaned(struct task *t);
/* kill.c: kill(2) from t: pid > 0 one process, 0 t's group, -1 everyone else, < -1 group -pid.
 * 0 or -errno (ESRCH, EPERM, EINVAL). */
long kill_something(struct task *t, int32_t pid, int sig);
/* tgkill/tkill from t: tgid -1 for tkill. */
long do_tkill(struct task *t, int32_t tgid, int32_t tid, int sig);
/* futex_wake (futex.c): wakes up to nr tasks waiting on uaddr of t's address space (shared:
 * on its physical word) whose bitset meets bitset. The number woken, or -errno. */
long futex_wake(struct task *t, uint32_t uaddr, bool shared, int nr, uint32_t bitset);
#endif
