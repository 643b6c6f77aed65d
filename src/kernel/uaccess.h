/*
 * The kernel's only way to user memory, as in Linux: through the MMU with the task's page
 * tables (a supervisor access to an address below TASK_SIZE, with CR0.WP, so COW and demand
 * paging happen as for the program itself). A fault the fault handler cannot resolve gives
 * -EFAULT, never a signal.
 */
#ifndef VMLAB_KERNEL_UACCESS_H
#define VMLAB_KERNEL_UACCESS_H
#include <stddef.h>
#include <stdint.h>

struct task;

/* 0, or -EFAULT. */
int copy_from_user(struct task *t, void *dst, uint32_t usrc, size_t n);
int copy_to_user(struct task *t, uint32_t udst, const void *src, size_t n);
int clear_user(struct task *t, uint32_t udst, size_t n);
/* As copy_to_user/copy_from_user, but stop at the first page that faults: the bytes copied
 * (read and write deliver that much of a partly bad buffer, as Linux's short copies do). */
size_t copy_to_user_partial(struct task *t, uint32_t udst, const void *src, size_t n);
size_t copy_from_user_partial(struct task *t, void *dst, uint32_t usrc, size_t n);
/* Copies a NUL-terminated string of at most n bytes including the NUL: its length, or
 * -EFAULT, or -ENAMETOOLONG when no NUL is found within n bytes. */
long strncpy_from_user(struct task *t, char *dst, uint32_t usrc, size_t n);
/* Scalars. */
int get_user_u32(struct task *t, uint32_t uaddr, uint32_t *v);
int put_user_u32(struct task *t, uint32_t uaddr, uint32_t v);
#endif
