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

/* One queued instance of a signal (Linux's struct sigqueue): real-time signals queue every
 * instance, standard ones at most one per pending set. charged: counted against user uid's
 * RLIMIT_SIGPENDING (SigQ) until taken or discarded. */
struct sigqueue {
	struct sigqueue *next;
	struct siginfo_i386 info;
	int sig;
	uint8_t origin; /* enum sig_origin in signal.c */
	bool charged;
	uint32_t uid;
};

#define VMLAB_SIGRTMIN 32

/* The handlers (Linux's sighand_struct): shared by the tasks a clone with CLONE_SIGHAND made
 * (a process's threads among them), so that sigaction in one is seen by all; count is the
 * number of tasks that use it. */
struct sighand_struct {
	int count;
	struct k_sigaction action[VMLAB_NSIG + 1]; /* index = signal number */
};

/* The process-wide pending set (Linux's signal->shared_pending): signals sent to a process
 * as a whole (kill, SIGCHLD, timers) wait here for whichever of its threads takes them first;
 * its threads share it. curr_target is the thread complete_signal starts looking from. */
struct shared_pending {
	int count;
	int curr_target; /* a tid; 0: the target's own thread */
	uint64_t signal;
	struct sigqueue *queue; /* the instances, oldest first */
};

struct signal_struct {
	struct sighand_struct *sighand;
	struct shared_pending *shared;
	/* the thread's own mask and pending set (signals sent to this thread: tgkill, faults) */
	uint64_t blocked, pending;
	struct sigqueue *queue; /* the instances of pending, oldest first */
	/* TIF_SIGPENDING for the shared set: complete_signal chose this thread for a signal of
	 * the process, or the thread's mask changed to let one in; a thread not chosen does
	 * not stop for the process's signals */
	bool shared_wakeup;
	/* a group stop (taken by another thread) ended this thread's interruptible wait, as
	 * JOBCTL_STOP_PENDING's wake-up does: the call leaves with its interrupted result
	 * when it next runs (after SIGCONT), and restarts or fails with EINTR by its rules */
	bool stop_wakeup;
	/* rt_sigtimedwait: the mask to put back; the set waited for is unblocked meanwhile */
	bool in_sigtimedwait;
	uint64_t real_blocked;
	uint32_t sas_ss_sp, sas_ss_size, sas_ss_flags; /* sigaltstack; flags: SS_AUTODISARM */
	/* the last trap, for sigcontext (trapno, err, cr2) as Linux's thread_struct keeps it */
	uint32_t trap_nr, error_code, cr2;
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
/* Queues a signal from the process itself (SIGPIPE, SIGXFSZ, kill with no scheduler): to
 * the process, t first, as Linux's send_sig. si_code SI_USER / SI_TKILL. */
int send_sig(struct task *t, int sig, int si_code);

/* Queues a signal with the caller's siginfo to t's process (PIDTYPE_TGID: kill, SIGCHLD,
 * timers): it waits in the shared set for a thread that does not block it, t first if it
 * can take it (complete_signal). 0, -EINVAL, or -EAGAIN: a real-time signal not sent by
 * kill() (si_code other than SI_USER) past t's RLIMIT_SIGPENDING. */
int send_sig_info(struct task *t, const struct siginfo_i386 *info);
/* The same to thread t alone (tgkill, rt_tgsigqueueinfo: PIDTYPE_PID). */
int send_sig_info_thread(struct task *t, const struct siginfo_i386 *info);

/* copy_signal: a CLONE_THREAD child shares parent p's process-wide pending set, another
 * child starts with an empty one of its own. 0 or -ENOMEM. */
int copy_signal(struct task *c, const struct task *p, bool thread);
/* set_current_blocked: t's mask becomes mask (SIGKILL, SIGSTOP never blocked); signals of
 * the process that t now blocks and was chosen for go to threads that can take them, and a
 * process signal that t now lets in is seen (recalc_sigpending). */
void set_current_blocked(struct task *t, uint64_t mask);
/* exit_signals: a thread leaving hands the process signals it was chosen for to the others. */
void exit_signals(struct task *t);
/* Dequeues the lowest pending signal of mask from t's own set, then the process's (Linux's
 * dequeue_signal): its number and siginfo, or 0. */
int dequeue_signal(struct task *t, uint64_t mask, struct siginfo_i386 *info);
/* Discards sig's pending instances in every thread of t's process and in its shared set
 * (sigaction setting it to be ignored). */
void signal_discard_all(struct task *t, int sig);
/* SigQ: the instances queued for t's user (real uid) in every process, as Linux's
 * UCOUNT_RLIMIT_SIGPENDING counts them. */
uint64_t signal_user_queued(const struct task *t);

/* The signal do_signal would take next (0: none), and dropping it (a debugger's choice). */
int signal_peek(const struct task *t);
void signal_discard(struct task *t, int sig);
/* What sigpending and /proc show: the thread's own pending set, and the process's. */
uint64_t signal_pending_set(const struct task *t);
uint64_t signal_shared_pending_set(const struct task *t);

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
