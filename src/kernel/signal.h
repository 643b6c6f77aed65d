/*
 * Signals: what the run loop and the fault handler need from the signal subsystem.
 * Handlers, masks, frames on the guest stack (as i386 Linux lays them out), sigreturn.
 */
#ifndef VMLAB_KERNEL_SIGNAL_H
#define VMLAB_KERNEL_SIGNAL_H
#include <stdint.h>

struct task;

/* Sets up the task's signal state (default actions, nothing blocked or pending). */
int signal_init(struct task *t);
void signal_free(struct task *t);

/* Queues a synchronous fault signal (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP) with its
 * si_code and si_addr, as force_sig_fault does: a blocked or ignored fault signal is
 * unblocked/reset to default first, as Linux does. */
void force_sig_fault(struct task *t, int sig, int si_code, uint32_t addr);
/* Queues a signal from the process itself (kill/tgkill/raise): SI_USER / SI_TKILL. */
int send_sig(struct task *t, int sig, int si_code);

/* Called by the run loop before returning to user mode: delivers one pending, unblocked
 * signal: builds its frame and points eip at the handler, or takes the default action
 * (ignore, stop/continue treated as ignore, terminate: sets t->exited, t->exit_signal,
 * t->exit_code = 128 + sig and prints the one-line report on stderr). */
void do_signal(struct task *t);
#endif
