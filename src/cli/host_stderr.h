/* vmlab's own stderr, kept writable whatever the guest does to the file it shares. */
#ifndef VMLAB_CLI_HOST_STDERR_H
#define VMLAB_CLI_HOST_STDERR_H
/* Routes stderr through a stream whose writes undo, for their duration, the O_NONBLOCK and
 * O_DIRECT a guest may have set on the open file description behind its own descriptor 2
 * (a duplicate of vmlab's): with them vmlab's reports (the fatal-signal line, --stats)
 * would fail with EAGAIN or EINVAL and be lost. */
void host_stderr_protect(void);
#endif
