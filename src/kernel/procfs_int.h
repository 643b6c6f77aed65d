/* procfs generators shared between procfs.c (paths) and procfs_pid.c (per-process files). */
#ifndef VMLAB_KERNEL_PROCFS_INT_H
#define VMLAB_KERNEL_PROCFS_INT_H
#include <stdbool.h>

struct sbuf;
struct task;

void procfs_maps(struct sbuf *b, struct task *t);
void procfs_smaps(struct sbuf *b, struct task *t);
/* smaps_rollup: every VMA summed, with Pss split into anonymous, file and shmem. */
void procfs_smaps_rollup(struct sbuf *b, struct task *t);
void procfs_statm(struct sbuf *b, struct task *t);
void procfs_pid_stat(struct sbuf *b, struct task *t);
void procfs_status(struct sbuf *b, struct task *t);
/* cmdline/environ of w as t reads them (another process's memory through its page tables). */
int procfs_user_range(struct sbuf *b, struct task *t, struct task *w, bool env);
/* The task a canonical /proc/<pid>/... path shows, or NULL (gone, or not per-process). */
struct task *procfs_task_of(struct task *t, const char *canon);
/* oom_score_adj, oom_adj (procfs_oom.c): 0, or -ENOENT for another name */
int procfs_oom_show(struct sbuf *b, struct task *t, const char *rest);
#endif
