/*
 * epoll (fs/eventpoll.c): an epoll instance is a file (FILE_EPOLL) holding an interest list
 * of (descriptor, file) items and a ready list. Readiness is asked of the host without
 * waiting, as poll does (select.c); the ready list keeps Linux's order (items in the order
 * they were found ready, a level-triggered one back at the tail after each report).
 */
#ifndef VMLAB_KERNEL_FS_EVENTPOLL_H
#define VMLAB_KERNEL_FS_EVENTPOLL_H
#include <stdbool.h>
#include <stddef.h>

struct file;
struct eventpoll;
struct poll_host;
struct task;

/* The epoll file f is gone: its items and their references go. */
void eventpoll_free(struct eventpoll *ep);
/* Every descriptor of f is closed and only epoll items hold it: they are removed. */
void eventpoll_release_file(struct file *f);
/* The poll mask of an epoll file (EPOLLIN | EPOLLRDNORM when an item is ready), for poll
 * and select. */
short eventpoll_poll(struct task *t, struct file *f);
/* Appends to the array *ph (n used of cap, grown with realloc) the host descriptors whose
 * change could give the epoll file f something to report, for a blocked poll or select. */
void eventpoll_hosts(struct file *f, struct poll_host **ph, size_t *n, size_t *cap);
#endif
