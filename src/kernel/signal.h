/*
 * Signals: what the run loop and the fault handler need from the signal subsystem.
 * Handlers, masks, frames on the guest stack (as i386 Linux lays them out), sigreturn.
 */
#ifndef VMLAB_KERNEL_SIGNAL_H
#define VMLAB_KERNEL_SIGNAL_H
#include <stdbool.h>
#include <stdint.h>

struct task;

#define VMLAB_NSIG 64
#define SIGBIT(sig) (1ull << ((sig) - 1))

/* The i386 kernel's struct sigaction (rt_sigaction): handler, flags, restorer, mask. */
struct k_sigaction {
	uint32_t handler; /* SIG_DFL 0, SIG_IGN 1, or a guest address */
	uint32_t flags;
	uint32_t restorer;
	uint64_t mask;
};

/* i386 siginfo_t: 128 bytes; the union starts at offset 12. */
struct siginfo_i386 {
	int32_t si_signo, si_errno, si_code;
	uint32_t u[29]; /* kill: pid, uid; fault: addr */
};

/* The handlers (Linux's sighand_struct): shared by the tasks a clone with CLONE_SIGHAND made
 * (a process's threads among them), so that sigaction in one is seen by all; count is the
 * number of tasks that use it. */
struct sighand_struct {
	int count;
	struct k_sigaction action[VMLAB_NSIG + 1]; /* index = signal number */
};

struct signal_struct {
	struct sighand_struct *sighand;
	uint64_t blocked, pending;
	struct siginfo_i386 info[VMLAB_NSIG + 1]; /* one queued instance per signal */
	uint32_t sas_ss_sp, sas_ss_size, sas_ss_flags; /* sigaltstack; flags: SS_AUTODISARM */
	/* the last trap, for sigcontext (trapno, err, cr2) as Linux's thread_struct keeps it */
	uint32_t trap_nr, error_code, cr2;
	/* why each pending signal was queued (enum sig_origin in signal.c), so that the
	 * one-line report of a fatal one says what happened */
	uint8_t origin[VMLAB_NSIG + 1];
	/* sigsuspend: the mask to put back once the handler's frame saved it */
	bool restore_sigmask;
	uint64_t saved_sigmask;
};

/* Sets up the task's signal state (default actions, nothing blocked or pending). */
int signal_init(struct task *t);
/* Drops the task's signal state and its reference to the handlers. */
void signal_free(struct task *t);
/* copy_sighand: the new task c shares parent p's handlers (CLONE_SIGHAND) or gets a copy
 * of them; the rest of c's signal state must already be copied. 0 or -ENOMEM. */
int copy_sighand(struct task *c, const struct task *p, bool share);
/* unshare_sighand (execve): a private copy of the handlers if other tasks share them.
 * 0 or -ENOMEM. */
int unshare_sighand(struct task *t);

/* Queues a synchronous fault signal (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP) with its
 * si_code and si_addr, as force_sig_fault does: a blocked or ignored fault signal is
 * unblocked/reset to default first, as Linux does. */
void force_sig_fault(struct task *t, int sig, int si_code, uint32_t addr);
/* The same, recording the CPU exception (vector, error code, cr2) for the sigcontext's
 * trapno/err/cr2 fields. Prefer this one from the fault path. */
void force_sig_fault_trap(struct task *t, int sig, int si_code, uint32_t addr,
			  uint32_t trapno, uint32_t err, uint32_t cr2);
/* sigreturn's signal_fault: SIGSEGV (SI_KERNEL, catchable), the sigcontext's trap fields
 * left as they were, as Linux leaves them. */
void force_sig_bad_frame(struct task *t);
/* Queues a signal from the process itself (kill/tgkill/raise): SI_USER / SI_TKILL. */
int send_sig(struct task *t, int sig, int si_code);

/* Queues a signal with the caller's siginfo (rt_sigqueueinfo): 0 or -EINVAL. */
int send_sig_info(struct task *t, const struct siginfo_i386 *info);

/* Called by the run loop before returning to user mode: delivers one pending, unblocked
 * signal: builds its frame and points eip at the handler, or takes the default action
 * (ignore; stop: the whole thread group stops, its parent told; terminate: sets t->exited,
 * t->exit_signal, t->exit_code = 128 + sig and prints the one-line report on stderr). */
void do_signal(struct task *t);

/* True when do_signal has work: an unblocked signal pending, or the parent to tell that the
 * process was continued. */
bool signal_work_pending(const struct task *t);

/* True when an unblocked signal is pending (the run loop may skip do_signal otherwise). */
bool signal_pending(const struct task *t);

/* Whether sig's default action is to be ignored (SIGCHLD, SIGURG, SIGWINCH, and SIGCONT
 * once it has continued the process). */
bool sig_default_ignored(int sig);

/* Whether the signal that ends an interrupted system call would run a handler (the call
 * then fails with EINTR; otherwise it is restarted when it allows). */
bool signal_handler_pending(const struct task *t);

/* "SIGSEGV", or "SIG42"/"SIGRTMIN+3" style names; static storage. */
const char *signal_name(int sig);

/* Terminates the task with sig's default action and the one-line report on stderr. */
void signal_kill_task(struct task *t, int sig, const struct siginfo_i386 *info);
#endif
