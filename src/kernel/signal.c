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

/* Where a queued signal came from: a process (kill, sigqueue...), a CPU exception, the
 * kernel failing to build a handler's frame, or sigreturn finding no frame to restore. */
enum sig_origin { ORIGIN_SENT, ORIGIN_TRAP, ORIGIN_FRAME, ORIGIN_SIGRETURN };

#define RLIMIT_SIGPENDING_ 11
#define SI_USER_ 0

static void sigqueue_free_all(struct sigqueue **q)
{
	while (*q) {
		struct sigqueue *e = *q;
		*q = e->next;
		free(e);
	}
}

/* flush_sigqueue_mask: the instances of the signals of mask leave the set. */
static void flush_sigqueue_mask(uint64_t *set, struct sigqueue **q, uint64_t mask)
{
	*set &= ~mask;
	while (*q) {
		struct sigqueue *e = *q;
		if (SIGBIT(e->sig) & mask) {
			*q = e->next;
			free(e);
		} else {
			q = &e->next;
		}
	}
}

static uint64_t count_charged(const struct sigqueue *q, uint32_t uid)
{
	uint64_t n = 0;
	for (; q; q = q->next)
		n += q->charged && q->uid == uid;
	return n;
}

/* The instances charged to uid in every pending set of the machine (a zombie keeps its own
 * until reaped, as Linux frees them in release_task); a shared set counts once. */
static uint64_t user_queued(const struct task *t, uint32_t uid)
{
	if (!t->sched)
		return t->signal ? count_charged(t->signal->queue, uid) +
				       count_charged(t->signal->shared->queue, uid)
				 : 0;
	const struct sched *sc = t->sched;
	uint64_t n = 0;
	for (size_t i = 0; i < sc->nr; i++) {
		const struct signal_struct *s = sc->tasks[i]->signal;
		if (!s)
			continue;
		n += count_charged(s->queue, uid);
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = sc->tasks[j]->signal && sc->tasks[j]->signal->shared == s->shared;
		if (!seen)
			n += count_charged(s->shared->queue, uid);
	}
	return n;
}

uint64_t signal_user_queued(const struct task *t)
{
	return user_queued(t, t->uid);
}

/* __sigqueue_alloc: an instance for target t, charged to t's user; past t's
 * RLIMIT_SIGPENDING there is none unless override_rlimit (a standard signal from the kernel
 * or kill()). NULL also when the host has no memory for it. */
static struct sigqueue *sigqueue_alloc(struct task *t, bool override_rlimit)
{
	if (!override_rlimit && user_queued(t, t->uid) + 1 > t->rlim[RLIMIT_SIGPENDING_].cur)
		return NULL;
	struct sigqueue *e = calloc(1, sizeof(*e));
	if (e) {
		e->charged = true;
		e->uid = t->uid;
	}
	return e;
}

static void sigqueue_append(struct sigqueue **q, struct sigqueue *e)
{
	while (*q)
		q = &(*q)->next;
	e->next = NULL;
	*q = e;
}

/* collect_signal: the oldest instance of sig leaves the set (sig stays pending while
 * another is queued). A signal pending without an instance (its siginfo lost to the limit)
 * reads as SI_USER from pid 0, as Linux fills it. */
static void collect_signal(int sig, uint64_t *set, struct sigqueue **q,
			   struct siginfo_i386 *info, enum sig_origin *origin)
{
	struct sigqueue **first = NULL;
	bool more = false;
	for (struct sigqueue **pp = q; *pp && !more; pp = &(*pp)->next) {
		if ((*pp)->sig != sig)
			continue;
		if (first)
			more = true;
		else
			first = pp;
	}
	if (!more)
		*set &= ~SIGBIT(sig);
	if (first) {
		struct sigqueue *e = *first;
		*first = e->next;
		*info = e->info;
		if (origin)
			*origin = (enum sig_origin)e->origin;
		free(e);
		return;
	}
	memset(info, 0, sizeof(*info));
	info->si_signo = sig;
	info->si_code = SI_USER_;
	if (origin)
		*origin = ORIGIN_SENT;
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
	s->shared = calloc(1, sizeof(*s->shared));
	if (!s->shared) {
		free(s->sighand);
		free(s);
		return -ENOMEM;
	}
	s->shared->count = 1;
	t->signal = s;
	return 0;
}

static void put_sighand(struct sighand_struct *h)
{
	if (h && --h->count == 0)
		free(h);
}

static void put_shared(struct shared_pending *p)
{
	if (p && --p->count == 0) {
		sigqueue_free_all(&p->queue);
		free(p);
	}
}

void signal_free(struct task *t)
{
	if (t->signal) {
		sigqueue_free_all(&t->signal->queue);
		put_sighand(t->signal->sighand);
		put_shared(t->signal->shared);
	}
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

int copy_signal(struct task *c, const struct task *p, bool thread)
{
	struct signal_struct *s = c->signal;
	s->pending = 0;
	s->queue = NULL; /* the parent's instances stay the parent's */
	s->shared_wakeup = false;
	s->in_sigtimedwait = false;
	s->stop_wakeup = false;
	if (thread) {
		s->shared = p->signal->shared;
		s->shared->count++;
		return 0;
	}
	s->shared = calloc(1, sizeof(*s->shared));
	if (!s->shared)
		return -ENOMEM;
	s->shared->count = 1;
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
	if ((s->blocked | (s->in_sigtimedwait ? s->real_blocked : 0)) & SIGBIT(sig))
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
	uint64_t keep = mask_kind ? ~STOP_MASK : ~SIGBIT(SIGCONT);
	if (o->signal) {
		flush_sigqueue_mask(&o->signal->pending, &o->signal->queue, ~keep);
		flush_sigqueue_mask(&o->signal->shared->signal, &o->signal->shared->queue, ~keep);
	}
	if (mask_kind)
		o->jobctl_stopped = false; /* SIGCONT: runs again */
}

static void stop_thread(struct task *o, int arg)
{
	if (o->exited)
		return;
	o->jobctl_stopped = true;
	/* a thread blocked in a call leaves it (a vfork parent's wait is not interruptible);
	 * the one taking the stop (arg, its pid) is not in a call */
	if (o->pid != arg && o->state == TASK_INTERRUPTIBLE && o->wait.kind != WAIT_VFORK &&
	    o->signal)
		o->signal->stop_wakeup = true;
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
	each_thread(t, stop_thread, t->pid);
	leader->group_stopped = true;
	leader->stop_sig = sig;
	leader->group_stop_code = sig;
	leader->stop_continued = false;
	leader->notify_continued = false;
	do_notify_parent_cldstop(leader, CLD_STOPPED);
}

static struct task *current_task(struct task *t)
{
	return t->sched ? t->sched->current : t;
}

/* wants_signal: o could take sig now: it does not block it, is not leaving, is not stopped
 * (but for SIGKILL), and is either on the CPU or not already told of a signal. */
static bool wants_signal(struct task *o, int sig)
{
	if (!o->signal || (o->signal->blocked & SIGBIT(sig)))
		return false;
	if (o->exited || o->state >= EXIT_ZOMBIE)
		return false;
	if (sig == SIGKILL)
		return true;
	if (o->jobctl_stopped)
		return false;
	return o == current_task(o) || !signal_pending(o);
}

/* The live thread after o in its process's thread list (creation order), wrapping. */
static struct task *next_thread(struct task *o)
{
	struct sched *s = o->sched;
	size_t at = 0;
	while (at < s->nr && s->tasks[at] != o)
		at++;
	for (size_t k = 1; k <= s->nr; k++) {
		struct task *n = s->tasks[(at + k) % s->nr];
		if (n->tgid == o->tgid && n->state < EXIT_ZOMBIE)
			return n;
	}
	return o;
}

/* complete_signal: a signal of the process (sent to it through t) is given to one thread:
 * t if it can take it, otherwise the next one that can, from where the last search ended;
 * that thread is told (its wait ends). With none, it waits until a thread unblocks it.
 * SIGKILL reaches every thread at once, as the group exit Linux starts here does. */
static void complete_signal(struct task *t, int sig, const struct siginfo_i386 *info)
{
	struct shared_pending *sp = t->signal->shared;
	struct task *chosen = NULL;
	if (wants_signal(t, sig))
		chosen = t;
	else if (t->sched) {
		struct task *start =
		    sp->curr_target ? find_task_by_pid(t->sched, sp->curr_target) : NULL;
		if (!start || start->tgid != t->tgid || start->state >= EXIT_ZOMBIE)
			start = t->state < EXIT_ZOMBIE ? t : next_thread(t);
		struct task *o = start;
		do {
			if (o != t && wants_signal(o, sig)) {
				chosen = o;
				break;
			}
			o = next_thread(o);
		} while (o != start);
		if (chosen)
			sp->curr_target = chosen->pid;
	}
	if (!chosen)
		return;
	if (sig == SIGKILL && t->sched) {
		for (size_t i = 0; i < t->sched->nr; i++) {
			struct task *o = t->sched->tasks[i];
			if (o->tgid != t->tgid || o->state >= EXIT_ZOMBIE || !o->signal)
				continue;
			if (o->signal->pending & SIGBIT(SIGKILL))
				continue;
			o->signal->pending |= SIGBIT(SIGKILL);
			/* Linux queues no instance for SIGKILL (nothing is charged); this
			 * one keeps the sender for the kill report */
			struct sigqueue *e = calloc(1, sizeof(*e));
			if (e) {
				e->sig = SIGKILL;
				e->info = *info;
				e->origin = ORIGIN_SENT;
				sigqueue_append(&o->signal->queue, e);
			}
		}
		flush_sigqueue_mask(&sp->signal, &sp->queue, SIGBIT(SIGKILL));
		return;
	}
	chosen->signal->shared_wakeup = true;
}

/* __send_signal_locked: queues sig for thread t (group false) or for t's process (group
 * true). A standard signal already pending is dropped (legacy_queue); a real-time one queues
 * each instance. Past RLIMIT_SIGPENDING a real-time signal not from kill() fails with
 * EAGAIN; otherwise the signal is still made pending, its siginfo lost. */
static int queue_to(struct task *t, const struct siginfo_i386 *info, enum sig_origin origin,
		    bool group)
{
	struct signal_struct *s = t->signal;
	int sig = info->si_signo;
	prepare_signal(t, sig);
	if (sig_ignored(s, sig))
		return 0;
	uint64_t *set = group ? &s->shared->signal : &s->pending;
	struct sigqueue **q = group ? &s->shared->queue : &s->queue;
	if (sig < VMLAB_SIGRTMIN && (*set & SIGBIT(sig)))
		return 0;
	struct sigqueue *e;
	if (sig == SIGKILL) {
		e = calloc(1, sizeof(*e)); /* uncharged: see complete_signal */
	} else {
		bool override_rlimit = sig < VMLAB_SIGRTMIN && info->si_code >= 0;
		e = sigqueue_alloc(t, override_rlimit);
		if (!e && sig >= VMLAB_SIGRTMIN && info->si_code != SI_USER_)
			return -EAGAIN;
	}
	if (e) {
		e->sig = sig;
		e->info = *info;
		e->origin = (uint8_t)origin;
		sigqueue_append(q, e);
	}
	*set |= SIGBIT(sig);
	if (group)
		complete_signal(t, sig, info);
	return 0;
}

static void queue(struct task *t, const struct siginfo_i386 *info, enum sig_origin origin)
{
	queue_to(t, info, origin, false);
}

/* The newest fault's details win over a pending one of the same signal. */
static void drop_own(struct signal_struct *s, int sig)
{
	flush_sigqueue_mask(&s->pending, &s->queue, SIGBIT(sig));
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
	drop_own(s, sig);
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
	drop_own(s, SIGSEGV);
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
	return queue_to(t, &info, ORIGIN_SENT, true);
}

int send_sig_info(struct task *t, const struct siginfo_i386 *info)
{
	if (info->si_signo < 0 || info->si_signo > VMLAB_NSIG)
		return -EINVAL;
	if (info->si_signo)
		return queue_to(t, info, ORIGIN_SENT, true);
	return 0;
}

int send_sig_info_thread(struct task *t, const struct siginfo_i386 *info)
{
	if (info->si_signo < 0 || info->si_signo > VMLAB_NSIG)
		return -EINVAL;
	if (info->si_signo)
		return queue_to(t, info, ORIGIN_SENT, false);
	return 0;
}

/* The signals t would take now: its own, and the process's when it was told of them. */
static uint64_t ready_set(const struct signal_struct *s)
{
	uint64_t p = s->pending | (s->shared_wakeup ? s->shared->signal : 0);
	return p & ~s->blocked;
}

bool signal_pending(const struct task *t)
{
	const struct signal_struct *s = t->signal;
	return s && (ready_set(s) != 0 || s->stop_wakeup);
}

/* The next signal of set to take, as next_signal does: synchronous faults first, then the
 * lowest number. */
static int next_signal(uint64_t ready)
{
	if (!ready)
		return 0;
	if (ready & SYNCHRONOUS_MASK)
		ready &= SYNCHRONOUS_MASK;
	return __builtin_ctzll(ready) + 1;
}

bool signal_handler_pending(const struct task *t)
{
	const struct signal_struct *s = t->signal;
	if (!s)
		return false;
	/* the one do_signal takes first: the thread's own, then the process's */
	int sig = next_signal(s->pending & ~s->blocked);
	if (!sig)
		sig = next_signal(ready_set(s));
	return sig && s->sighand->action[sig].handler > 1;
}

int signal_peek(const struct task *t)
{
	const struct signal_struct *s = t->signal;
	if (!s)
		return 0;
	int sig = next_signal(s->pending & ~s->blocked);
	return sig ? sig : next_signal(s->shared->signal & ~s->blocked);
}

void signal_discard(struct task *t, int sig)
{
	struct signal_struct *s = t->signal;
	struct siginfo_i386 info;
	if (s->pending & ~s->blocked & SIGBIT(sig))
		collect_signal(sig, &s->pending, &s->queue, &info, NULL);
	else if (s->shared->signal & SIGBIT(sig))
		collect_signal(sig, &s->shared->signal, &s->shared->queue, &info, NULL);
}

void signal_discard_all(struct task *t, int sig)
{
	struct signal_struct *s = t->signal;
	flush_sigqueue_mask(&s->pending, &s->queue, SIGBIT(sig));
	flush_sigqueue_mask(&s->shared->signal, &s->shared->queue, SIGBIT(sig));
	for (size_t i = 0; t->sched && i < t->sched->nr; i++) {
		struct task *o = t->sched->tasks[i];
		if (o->tgid == t->tgid && o->signal && o->state < EXIT_ZOMBIE)
			flush_sigqueue_mask(&o->signal->pending, &o->signal->queue, SIGBIT(sig));
	}
}

uint64_t signal_pending_set(const struct task *t)
{
	return t->signal ? t->signal->pending : 0;
}

uint64_t signal_shared_pending_set(const struct task *t)
{
	return t->signal ? t->signal->shared->signal : 0;
}

/* recalc_sigpending for the shared set: t stops for a process signal it does not block. */
static void recalc_sigpending(struct task *t)
{
	struct signal_struct *s = t->signal;
	s->shared_wakeup = (s->shared->signal & ~s->blocked) != 0;
}

/* retarget_shared_pending: the process signals of which (that t can no longer take) go to
 * the other threads that can, each told of those it takes. */
static void retarget_shared_pending(struct task *t, uint64_t which)
{
	uint64_t retarget = t->signal->shared->signal & which;
	if (!retarget || !t->sched)
		return;
	for (struct task *o = next_thread(t); o != t && retarget; o = next_thread(o)) {
		if (o->exited || !o->signal)
			continue;
		if (!(retarget & ~o->signal->blocked))
			continue;
		retarget &= o->signal->blocked;
		o->signal->shared_wakeup = true;
	}
}

void set_current_blocked(struct task *t, uint64_t mask)
{
	struct signal_struct *s = t->signal;
	mask &= ~(SIGBIT(SIGKILL) | SIGBIT(SIGSTOP));
	if (signal_pending(t))
		retarget_shared_pending(t, mask & ~s->blocked);
	s->blocked = mask;
	recalc_sigpending(t);
}

void exit_signals(struct task *t)
{
	struct signal_struct *s = t->signal;
	if (!s || !t->sched)
		return;
	struct task *n = next_thread(t);
	if (s->shared->curr_target == t->pid)
		s->shared->curr_target = n != t ? n->pid : 0;
	if (n != t && signal_pending(t))
		retarget_shared_pending(t, ~s->blocked);
	s->shared_wakeup = false;
}

int dequeue_signal(struct task *t, uint64_t mask, struct siginfo_i386 *info)
{
	struct signal_struct *s = t->signal;
	int sig = next_signal(s->pending & mask);
	if (sig) {
		collect_signal(sig, &s->pending, &s->queue, info, NULL);
		recalc_sigpending(t);
		return sig;
	}
	sig = next_signal(s->shared->signal & mask);
	if (sig)
		collect_signal(sig, &s->shared->signal, &s->shared->queue, info, NULL);
	recalc_sigpending(t);
	return sig;
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
	drop_own(s, SIGSEGV);
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
	s->stop_wakeup = false; /* the call it ended has returned */
	if (leader->notify_continued) {
		/* get_signal's SIGNAL_CLD_MASK: the first thread to run after a SIGCONT */
		leader->notify_continued = false;
		do_notify_parent_cldstop(leader, CLD_CONTINUED);
	}
	while (!t->exited) {
		/* get_signal: the thread's own signals (faults first), then the process's; a
		 * thread that stops for one of its own also takes the process's */
		bool own = (s->pending & ~s->blocked) != 0;
		int sig = own ? next_signal(s->pending & ~s->blocked)
			      : next_signal(s->shared->signal & ~s->blocked);
		if (!sig)
			break;
		struct siginfo_i386 info;
		enum sig_origin origin;
		if (own)
			collect_signal(sig, &s->pending, &s->queue, &info, &origin);
		else
			collect_signal(sig, &s->shared->signal, &s->shared->queue, &info,
				       &origin);
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
			kill_task(t, sig, &info, origin);
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
		set_current_blocked(t, s->blocked | add);
		if (act.flags & 0x80000000u)
			ka->handler = 0;
		/* exit_to_user_mode_loop: while a signal the handler does not block is still
		 * pending, another frame goes on top; the last one set up runs first */
	}
	t->restart_code = 0; /* no handler: the call runs again */
	if (s->restore_sigmask) {
		s->restore_sigmask = false;
		set_current_blocked(t, s->saved_sigmask);
	}
	recalc_sigpending(t);
}
