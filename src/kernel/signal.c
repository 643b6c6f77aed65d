/*
 * Signal state, queueing and delivery for the single guest thread (kernel/signal.c and
 * arch/x86/kernel/signal.c in Linux). Frames are built in signal_frame.c.
 */
#include "kernel/signal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "kernel/exit.h"
#include "kernel/ktrace.h"
#include "kernel/procfs.h"
#include "kernel/sched.h"
#include "kernel/signal_frame.h"
#include "kernel/signal_report.h"
#include "kernel/task.h"


/* Signals the CPU raises for the instruction just run: delivered before any other. */
#define SYNCHRONOUS_MASK                                                                    \
	(SIGBIT(SIGSEGV) | SIGBIT(SIGBUS) | SIGBIT(SIGILL) | SIGBIT(SIGTRAP) | SIGBIT(SIGFPE) | \
	 SIGBIT(SIGSYS))

static const char *const names[] = {
	[1] = "SIGHUP",   [2] = "SIGINT",     [3] = "SIGQUIT",  [4] = "SIGILL",
	[5] = "SIGTRAP",  [6] = "SIGABRT",    [7] = "SIGBUS",   [8] = "SIGFPE",
	[9] = "SIGKILL",  [10] = "SIGUSR1",   [11] = "SIGSEGV", [12] = "SIGUSR2",
	[13] = "SIGPIPE", [14] = "SIGALRM",   [15] = "SIGTERM", [16] = "SIGSTKFLT",
	[17] = "SIGCHLD", [18] = "SIGCONT",   [19] = "SIGSTOP", [20] = "SIGTSTP",
	[21] = "SIGTTIN", [22] = "SIGTTOU",   [23] = "SIGURG",  [24] = "SIGXCPU",
	[25] = "SIGXFSZ", [26] = "SIGVTALRM", [27] = "SIGPROF", [28] = "SIGWINCH",
	[29] = "SIGIO",   [30] = "SIGPWR",    [31] = "SIGSYS",
};

const char *signal_name(int sig)
{
	static char buf[16];
	if (sig >= 1 && sig < (int)(sizeof(names) / sizeof(names[0])))
		return names[sig];
	if (sig >= 32 && sig <= VMLAB_NSIG) {
		snprintf(buf, sizeof(buf), "SIGRT%d", sig - 32);
		return buf;
	}
	snprintf(buf, sizeof(buf), "signal %d", sig);
	return buf;
}

int signal_init(struct task *t)
{
	struct signal_struct *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->sighand = calloc(1, sizeof(*s->sighand));
	if (!s->sighand) {
		free(s);
		return -ENOMEM;
	}
	s->sighand->count = 1;
	t->signal = s;
	return 0;
}

static void put_sighand(struct sighand_struct *h)
{
	if (h && --h->count == 0)
		free(h);
}

void signal_free(struct task *t)
{
	if (t->signal)
		put_sighand(t->signal->sighand);
	free(t->signal);
	t->signal = NULL;
}

int copy_sighand(struct task *c, const struct task *p, bool share)
{
	struct sighand_struct *h = p->signal->sighand;
	if (share) {
		h->count++;
	} else {
		struct sighand_struct *n = malloc(sizeof(*n));
		if (!n) {
			c->signal->sighand = NULL;
			return -ENOMEM;
		}
		*n = *h;
		n->count = 1;
		h = n;
	}
	c->signal->sighand = h;
	return 0;
}

int unshare_sighand(struct task *t)
{
	struct sighand_struct *h = t->signal->sighand;
	if (h->count == 1)
		return 0;
	struct sighand_struct *n = malloc(sizeof(*n));
	if (!n)
		return -ENOMEM;
	*n = *h;
	n->count = 1;
	h->count--;
	t->signal->sighand = n;
	return 0;
}

enum sig_default { ACT_TERM, ACT_CORE, ACT_IGN, ACT_STOP, ACT_CONT };

static enum sig_default default_action(int sig)
{
	switch (sig) {
	case SIGCHLD:
	case SIGURG:
	case SIGWINCH:
		return ACT_IGN;
	case SIGSTOP:
	case SIGTSTP:
	case SIGTTIN:
	case SIGTTOU:
		return ACT_STOP;
	case SIGCONT:
		return ACT_CONT;
	case SIGQUIT:
	case SIGILL:
	case SIGTRAP:
	case SIGABRT:
	case SIGBUS:
	case SIGFPE:
	case SIGSEGV:
	case SIGXCPU:
	case SIGXFSZ:
	case SIGSYS:
		return ACT_CORE;
	default:
		return ACT_TERM;
	}
}

/* sig_kernel_ignore: SIGCONT's default action, once prepare_signal has done its work, is to
 * be ignored like SIGCHLD's. */
bool sig_default_ignored(int sig)
{
	enum sig_default d = default_action(sig);
	return d == ACT_IGN || d == ACT_CONT;
}

/* What sig would do if delivered now: ignored signals are dropped at send time, as
 * Linux's sig_ignored does (blocked ones stay queued: the mask may change). */
static bool sig_ignored(const struct signal_struct *s, int sig)
{
	if (s->blocked & SIGBIT(sig))
		return false;
	uint32_t h = s->sighand->action[sig].handler;
	return h == 1 /* SIG_IGN */ || (h == 0 && sig_default_ignored(sig));
}

#define STOP_MASK (SIGBIT(SIGSTOP) | SIGBIT(SIGTSTP) | SIGBIT(SIGTTIN) | SIGBIT(SIGTTOU))

/* fn on every live thread of t's process (t alone when there is no scheduler). */
static void each_thread(struct task *t, void (*fn)(struct task *o, int arg), int arg)
{
	if (!t->sched) {
		fn(t, arg);
		return;
	}
	struct sched *s = t->sched;
	for (size_t i = 0; i < s->nr; i++)
		if (s->tasks[i]->tgid == t->tgid && s->tasks[i]->state < EXIT_ZOMBIE)
			fn(s->tasks[i], arg);
}

static void flush_pending(struct task *o, int mask_kind)
{
	if (o->signal)
		o->signal->pending &= mask_kind ? ~STOP_MASK : ~SIGBIT(SIGCONT);
	if (mask_kind)
		o->jobctl_stopped = false; /* SIGCONT: runs again */
}

static void stop_thread(struct task *o, int arg)
{
	(void)arg;
	if (!o->exited)
		o->jobctl_stopped = true;
}

/* prepare_signal's job control, at send time: a stop signal discards a pending SIGCONT; a
 * SIGCONT discards pending stop signals and continues a stopped process: wait(WCONTINUED)
 * can report it now, its parent gets CLD_CONTINUED when it next runs (do_signal). */
static void prepare_signal(struct task *t, int sig)
{
	struct task *leader = t->group_leader ? t->group_leader : t;
	if (STOP_MASK & SIGBIT(sig)) {
		each_thread(t, flush_pending, 0);
		return;
	}
	if (sig != SIGCONT)
		return;
	each_thread(t, flush_pending, 1);
	if (leader->group_stopped) {
		leader->group_stopped = false;
		leader->group_stop_code = 0;
		leader->stop_continued = true;
		leader->notify_continued = true;
	}
}

/* do_signal_stop: the whole thread group stops (on one CPU every other thread is already
 * off it, so the group stop completes at once) and the parent is told: CLD_STOPPED. */
static void do_signal_stop(struct task *t, int sig)
{
	struct task *leader = t->group_leader ? t->group_leader : t;
	each_thread(t, stop_thread, 0);
	leader->group_stopped = true;
	leader->stop_sig = sig;
	leader->group_stop_code = sig;
	leader->stop_continued = false;
	leader->notify_continued = false;
	do_notify_parent_cldstop(leader, CLD_STOPPED);
}

/* Where a queued signal came from: a process (kill, sigqueue...), a CPU exception, the
 * kernel failing to build a handler's frame, or sigreturn finding no frame to restore. */
enum sig_origin { ORIGIN_SENT, ORIGIN_TRAP, ORIGIN_FRAME, ORIGIN_SIGRETURN };

static void queue(struct task *t, const struct siginfo_i386 *info, enum sig_origin origin)
{
	struct signal_struct *s = t->signal;
	int sig = info->si_signo;
	prepare_signal(t, sig);
	if (sig_ignored(s, sig))
		return;
	/* One instance per signal: standard signals do not queue in Linux either, and a
	 * single thread cannot send a second real-time one before the first is taken. */
	if (s->pending & SIGBIT(sig))
		return;
	s->pending |= SIGBIT(sig);
	s->info[sig] = *info;
	s->origin[sig] = (uint8_t)origin;
}

void force_sig_fault_trap(struct task *t, int sig, int si_code, uint32_t addr, uint32_t trapno,
			  uint32_t err, uint32_t cr2)
{
	struct signal_struct *s = t->signal;
	s->trap_nr = trapno;
	s->error_code = err;
	s->cr2 = cr2;
	/* force_sig_info_to_task: the program cannot ignore or block its own fault. */
	if ((s->blocked & SIGBIT(sig)) || s->sighand->action[sig].handler == 1) {
		s->sighand->action[sig].handler = 0;
		s->blocked &= ~SIGBIT(sig);
	}
	struct siginfo_i386 info = {.si_signo = sig, .si_code = si_code};
	info.u[0] = addr;
	s->pending &= ~SIGBIT(sig); /* the newest fault's details win */
	queue(t, &info, ORIGIN_TRAP);
}

void force_sig_bad_frame(struct task *t)
{
	struct signal_struct *s = t->signal;
	if ((s->blocked & SIGBIT(SIGSEGV)) || s->sighand->action[SIGSEGV].handler == 1) {
		s->sighand->action[SIGSEGV].handler = 0;
		s->blocked &= ~SIGBIT(SIGSEGV);
	}
	struct siginfo_i386 info = {.si_signo = SIGSEGV, .si_code = SI_KERNEL};
	s->pending &= ~SIGBIT(SIGSEGV);
	queue(t, &info, ORIGIN_SIGRETURN);
}

void force_sig_fault(struct task *t, int sig, int si_code, uint32_t addr)
{
	uint32_t trapno = sig == SIGSEGV || sig == SIGBUS ? 14 : sig == SIGFPE ? 0 : 6;
	force_sig_fault_trap(t, sig, si_code, addr, trapno, 0, sig == SIGSEGV ? addr : 0);
}

int send_sig(struct task *t, int sig, int si_code)
{
	if (sig < 0 || sig > VMLAB_NSIG)
		return -EINVAL;
	if (sig == 0)
		return 0;
	struct siginfo_i386 info = {.si_signo = sig, .si_code = si_code};
	info.u[0] = (uint32_t)t->tgid; /* si_pid */
	info.u[1] = t->uid;            /* si_uid */
	queue(t, &info, ORIGIN_SENT);
	return 0;
}

int send_sig_info(struct task *t, const struct siginfo_i386 *info)
{
	if (info->si_signo < 0 || info->si_signo > VMLAB_NSIG)
		return -EINVAL;
	if (info->si_signo)
		queue(t, info, ORIGIN_SENT);
	return 0;
}

bool signal_pending(const struct task *t)
{
	const struct signal_struct *s = t->signal;
	return s && (s->pending & ~s->blocked) != 0;
}

bool signal_handler_pending(const struct task *t)
{
	const struct signal_struct *s = t->signal;
	uint64_t ready = s ? s->pending & ~s->blocked : 0;
	int sig = ready ? __builtin_ctzll(ready) + 1 : 0;
	return sig && s->sighand->action[sig].handler > 1;
}

/* The next signal to deliver, as next_signal does: synchronous faults first, then the
 * lowest number. */
static int next_signal(const struct signal_struct *s)
{
	uint64_t ready = s->pending & ~s->blocked;
	if (!ready)
		return 0;
	if (ready & SYNCHRONOUS_MASK)
		ready &= SYNCHRONOUS_MASK;
	return __builtin_ctzll(ready) + 1;
}

/* The exceptions that reach a program as a signal without an address (SI_KERNEL), named
 * as Linux's traps.c names them in its log line. */
static const char *trap_name(uint32_t vector)
{
	switch (vector) {
	case X86_BP: return "int3";
	case X86_OF: return "overflow (INTO)";
	case X86_BR: return "bound range exceeded";
	case X86_TS: return "invalid TSS";
	case X86_NP: return "segment not present";
	case X86_SS: return "stack segment";
	case X86_GP: return "general protection fault";
	default: return "exception";
	}
}

static void kill_task(struct task *t, int sig, const struct siginfo_i386 *info,
		      enum sig_origin origin)
{
	char where[512] = "";
	bool fault = info && info->si_code > 0 && info->si_code < SI_KERNEL &&
		     (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE ||
		      sig == SIGTRAP);
	if (fault) {
		uint32_t addr = info->u[0];
		int n = snprintf(where, sizeof(where), " (address 0x%08x", addr);
		if (sig == SIGSEGV || sig == SIGBUS) {
			signal_describe_addr(t, addr, where + n, sizeof(where) - (size_t)n - 1);
		}
		if (origin == ORIGIN_TRAP) {
			size_t len = strlen(where);
			signal_report_fault(t, sig, info, where + len, sizeof(where) - len - 1);
		}
		strncat(where, ")", sizeof(where) - strlen(where) - 1);
	} else if (origin == ORIGIN_FRAME) {
		snprintf(where, sizeof(where), " (the signal frame could not be written)");
	} else if (origin == ORIGIN_SIGRETURN) {
		snprintf(where, sizeof(where), " (sigreturn found no valid signal frame)");
	} else if (origin == ORIGIN_TRAP && info && info->si_code == SI_KERNEL) {
		const struct signal_struct *s = t->signal;
		char eip[320];
		signal_report_eip(t, t->cpu ? t->cpu->eip : 0, eip, sizeof eip);
		snprintf(where, sizeof(where), " (%s, trap %u, error code %#x, %s)",
			 trap_name(s->trap_nr), s->trap_nr, s->error_code, eip);
	}
	fprintf(stderr, "vmlab: killed by %s%s\n", signal_name(sig), where);
	t->exited = true;
	t->exit_signal = sig;
	t->exit_code = 128 + sig;
	zap_other_threads(t); /* do_group_exit: the whole process dies */
}

void signal_kill_task(struct task *t, int sig, const struct siginfo_i386 *info)
{
	kill_task(t, sig, info, ORIGIN_SENT);
}

/* force_sigsegv: the frame could not be built; SIGSEGV with the default action. */
static void force_sigsegv(struct task *t)
{
	struct signal_struct *s = t->signal;
	s->sighand->action[SIGSEGV].handler = 0;
	s->blocked &= ~SIGBIT(SIGSEGV);
	struct siginfo_i386 info = {.si_signo = SIGSEGV, .si_code = SI_KERNEL};
	s->pending &= ~SIGBIT(SIGSEGV);
	queue(t, &info, ORIGIN_FRAME);
}

/* handle_signal's rule for a system call a signal interrupted, now that a handler is to run
 * for it: -ERESTARTSYS fails with EINTR unless the handler has SA_RESTART; -ERESTARTNOHAND
 * and -ERESTART_RESTARTBLOCK always do. Otherwise it stays backed up, to run again. */
static void syscall_restart_for_handler(struct task *t, const struct k_sigaction *ka)
{
	if (!t->restart_code)
		return;
	if (t->restart_code != ERESTARTSYS || !(ka->flags & 0x10000000u /* SA_RESTART */)) {
		t->cpu->eip += t->restart_insn_len;
		t->cpu->regs[R_EAX] = (uint32_t)-EINTR;
		t->call_deadline = 0;
	}
	t->restart_code = 0;
}

bool signal_work_pending(const struct task *t)
{
	const struct task *l = t->group_leader ? t->group_leader : t;
	return signal_pending(t) || l->notify_continued;
}

void do_signal(struct task *t)
{
	struct signal_struct *s = t->signal;
	struct task *leader = t->group_leader ? t->group_leader : t;
	if (leader->notify_continued) {
		/* get_signal's SIGNAL_CLD_MASK: the first thread to run after a SIGCONT */
		leader->notify_continued = false;
		do_notify_parent_cldstop(leader, CLD_CONTINUED);
	}
	while (!t->exited) {
		int sig = next_signal(s);
		if (!sig)
			break;
		s->pending &= ~SIGBIT(sig);
		struct siginfo_i386 info = s->info[sig];
		struct k_sigaction *ka = &s->sighand->action[sig];
		if (ktrace_on(t, TRACE_SIGNAL | TRACE_SYSCALL))
			ktrace_signal(t, sig, &info, ka->handler);
		if (ka->handler == 1)
			continue;
		if (ka->handler == 0) {
			enum sig_default d = default_action(sig);
			if (d == ACT_IGN || d == ACT_CONT)
				continue;
			if (d == ACT_STOP) {
				/* the terminal's stop signals do not stop an orphaned process
				 * group: nobody would continue it */
				if (sig != SIGSTOP && is_current_pgrp_orphaned(t))
					continue;
				do_signal_stop(t, sig);
				return; /* further signals when it is continued */
			}
			kill_task(t, sig, &info, (enum sig_origin)s->origin[sig]);
			return;
		}
		syscall_restart_for_handler(t, ka);
		uint64_t saved = s->restore_sigmask ? s->saved_sigmask : s->blocked;
		struct k_sigaction act = *ka;
		if (setup_rt_or_legacy_frame(t, sig, &act, &info, saved) < 0) {
			force_sigsegv(t);
			continue;
		}
		s->restore_sigmask = false;
		/* signal_delivered: block sa_mask (and sig unless SA_NODEFER) during the
		 * handler; SA_RESETHAND resets to default. */
		uint64_t add = act.mask;
		if (!(act.flags & 0x40000000u))
			add |= SIGBIT(sig);
		/* signal_delivered ORs into the mask in force now (sigsuspend's temporary
		 * one included); the frame keeps the one to restore */
		s->blocked |= add & ~(SIGBIT(SIGKILL) | SIGBIT(SIGSTOP));
		if (act.flags & 0x80000000u)
			ka->handler = 0;
		/* exit_to_user_mode_loop: while a signal the handler does not block is still
		 * pending, another frame goes on top; the last one set up runs first */
	}
	t->restart_code = 0; /* no handler: the call runs again */
	if (s->restore_sigmask) {
		s->blocked = s->saved_sigmask;
		s->restore_sigmask = false;
	}
}
