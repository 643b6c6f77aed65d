/*
 * The signal system calls (kernel/signal.c, arch/x86/kernel/signal.c in Linux): actions,
 * masks, the alternate stack, kill on oneself, and the waits, which in a single-threaded
 * guest with no timers can only be satisfied by a signal that is already pending.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cpu/cpu.h"
#include "kernel/exit.h"
#include "kernel/sched.h"
#include "kernel/signal.h"
#include "kernel/signal_frame.h"
#include "kernel/task.h"
#include "kernel/uaccess.h"

#define SIG_BLOCK_ 0
#define SIG_UNBLOCK_ 1
#define SIG_SETMASK_ 2
#define UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))
/* UAPI_SA_FLAGS on x86 (with SA_EXPOSE_TAGBITS and SA_RESTORER): the flag bits the
 * kernel keeps; others, SA_UNSUPPORTED among them, read back as 0. */
#define KNOWN_SA_FLAGS 0xdc000807u

static bool valid_sig(uint32_t sig)
{
	return sig >= 1 && sig <= VMLAB_NSIG;
}

/* do_sigaction */
static int do_sigaction(struct task *t, uint32_t sig, const struct k_sigaction *act,
			struct k_sigaction *oact)
{
	struct signal_struct *s = t->signal;
	if (!valid_sig(sig) || (act && (sig == SIGKILL || sig == SIGSTOP)))
		return -EINVAL;
	if (oact)
		*oact = s->sighand->action[sig];
	if (act) {
		struct k_sigaction k = *act;
		k.flags &= KNOWN_SA_FLAGS;
		k.mask &= ~UNBLOCKABLE;
		s->sighand->action[sig] = k;
		/* Setting a pending signal to be ignored discards it (POSIX 3.3.1.3), in
		 * every thread of the process (not in other processes sharing the handlers) */
		bool ign = k.handler == 1 || (k.handler == 0 && sig_default_ignored((int)sig));
		if (ign && !t->sched)
			s->pending &= ~SIGBIT(sig);
		for (size_t i = 0; ign && t->sched && i < t->sched->nr; i++) {
			struct task *o = t->sched->tasks[i];
			if (o->tgid == t->tgid && o->signal && o->state < EXIT_ZOMBIE)
				o->signal->pending &= ~SIGBIT(sig);
		}
	}
	return 0;
}

long sys_rt_sigaction(struct task *t, const uint32_t *a)
{
	if (a[3] != 8)
		return -EINVAL;
	uint32_t u[5];
	struct k_sigaction act, oact;
	if (a[1]) {
		if (copy_from_user(t, u, a[1], 20))
			return -EFAULT;
		act = (struct k_sigaction){u[0], u[1], u[2], (uint64_t)u[3] | (uint64_t)u[4] << 32};
	}
	int r = do_sigaction(t, a[0], a[1] ? &act : NULL, a[2] ? &oact : NULL);
	if (r == 0 && a[2]) {
		uint32_t o[5] = {oact.handler, oact.flags, oact.restorer, (uint32_t)oact.mask,
				 (uint32_t)(oact.mask >> 32)};
		if (copy_to_user(t, a[2], o, 20))
			return -EFAULT;
	}
	return r;
}

/* The old sigaction: handler, a 32-bit mask, flags, restorer. */
long sys_sigaction(struct task *t, const uint32_t *a)
{
	uint32_t u[4];
	struct k_sigaction act, oact;
	if (a[1]) {
		if (copy_from_user(t, u, a[1], 16))
			return -EFAULT;
		act = (struct k_sigaction){u[0], u[2], u[3], u[1]};
	}
	int r = do_sigaction(t, a[0], a[1] ? &act : NULL, a[2] ? &oact : NULL);
	if (r == 0 && a[2]) {
		uint32_t o[4] = {oact.handler, (uint32_t)oact.mask, oact.flags, oact.restorer};
		if (copy_to_user(t, a[2], o, 16))
			return -EFAULT;
	}
	return r;
}

/* signal(2) as the kernel implements it: SA_ONESHOT | SA_NOMASK, returns the old handler. */
long sys_signal(struct task *t, const uint32_t *a)
{
	struct k_sigaction act = {a[1], 0x80000000u | 0x40000000u, 0, 0}, oact;
	int r = do_sigaction(t, a[0], &act, &oact);
	return r ? r : (long)oact.handler;
}

static int do_sigprocmask(struct task *t, uint32_t how, const uint64_t *set, uint64_t *old)
{
	struct signal_struct *s = t->signal;
	if (old)
		*old = s->blocked;
	if (!set)
		return 0;
	uint64_t m = *set & ~UNBLOCKABLE;
	switch (how) {
	case SIG_BLOCK_:
		s->blocked |= m;
		break;
	case SIG_UNBLOCK_:
		s->blocked &= ~m;
		break;
	case SIG_SETMASK_:
		s->blocked = m;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

long sys_rt_sigprocmask(struct task *t, const uint32_t *a)
{
	if (a[3] != 8)
		return -EINVAL;
	uint64_t set, old;
	if (a[1] && copy_from_user(t, &set, a[1], 8))
		return -EFAULT;
	/* Linux checks how only when a set is given. */
	int r = do_sigprocmask(t, a[0], a[1] ? &set : NULL, &old);
	if (r)
		return r;
	if (a[2] && copy_to_user(t, a[2], &old, 8))
		return -EFAULT;
	return 0;
}

long sys_sigprocmask(struct task *t, const uint32_t *a)
{
	uint32_t set32;
	uint64_t old, set = 0;
	if (a[1]) {
		if (copy_from_user(t, &set32, a[1], 4))
			return -EFAULT;
		/* the old call only reaches the first 32 signals */
		uint64_t cur = t->signal->blocked;
		set = a[0] == SIG_SETMASK_ ? (cur & ~0xffffffffull) | set32 : set32;
	}
	int r = do_sigprocmask(t, a[0], a[1] ? &set : NULL, &old);
	if (r)
		return r;
	uint32_t o = (uint32_t)old;
	if (a[2] && copy_to_user(t, a[2], &o, 4))
		return -EFAULT;
	return 0;
}

long sys_sgetmask(struct task *t, const uint32_t *a)
{
	(void)a;
	return (long)(uint32_t)t->signal->blocked;
}

long sys_ssetmask(struct task *t, const uint32_t *a)
{
	uint64_t old = t->signal->blocked;
	uint64_t set = (old & ~0xffffffffull) | a[0];
	do_sigprocmask(t, SIG_SETMASK_, &set, NULL);
	return (long)(uint32_t)old;
}

static long pending_to_user(struct task *t, uint32_t uaddr, unsigned size)
{
	const struct signal_struct *s = t->signal;
	uint64_t p = s->pending & s->blocked; /* sigpending: pending and blocked */
	return copy_to_user(t, uaddr, &p, size) ? -EFAULT : 0;
}

long sys_rt_sigpending(struct task *t, const uint32_t *a)
{
	if (a[1] > 8)
		return -EINVAL;
	return pending_to_user(t, a[0], a[1]);
}

long sys_sigpending(struct task *t, const uint32_t *a)
{
	return pending_to_user(t, a[0], 4);
}

long sys_sigaltstack(struct task *t, const uint32_t *a)
{
	struct signal_struct *s = t->signal;
	uint32_t sp = t->cpu->regs[R_ESP];
	uint32_t old[3] = {s->sas_ss_sp, sas_ss_flags(s, sp) | s->sas_ss_flags, s->sas_ss_size};
	if (a[0]) {
		uint32_t n[3];
		if (copy_from_user(t, n, a[0], 12))
			return -EFAULT;
		int r = do_sigaltstack(t, n[0], n[1], n[2], sp);
		if (r)
			return r;
	}
	if (a[1] && copy_to_user(t, a[1], old, 12))
		return -EFAULT;
	return 0;
}

/* kill and friends reach only this process: the guest is alone in its machine. */
static long kill_self(struct task *t, int32_t pid_ok, uint32_t sig, int si_code)
{
	if (!pid_ok)
		return -ESRCH;
	if (sig > VMLAB_NSIG)
		return -EINVAL;
	return send_sig(t, (int)sig, si_code);
}

long sys_kill(struct task *t, const uint32_t *a)
{
	int32_t pid = (int32_t)a[0];
	if (t->sched) /* other processes exist: exit.c */
		return a[1] > VMLAB_NSIG ? -EINVAL : kill_something(t, pid, (int)a[1]);
	/* pid 0 (own group), -pgid, or our pid; -1 means every process but init and the
	 * caller, and there is no other: ESRCH, as kill_something_info finds none */
	bool ok = pid == t->tgid || pid == 0 || pid == -t->tgid;
	if (pid == INT32_MIN)
		return -ESRCH;
	return kill_self(t, ok, a[1], 0 /* SI_USER */);
}

long sys_tkill(struct task *t, const uint32_t *a)
{
	if ((int32_t)a[0] <= 0)
		return -EINVAL;
	if (t->sched)
		return a[1] > VMLAB_NSIG ? -EINVAL : do_tkill(t, -1, (int32_t)a[0], (int)a[1]);
	return kill_self(t, (int32_t)a[0] == t->pid, a[1], -6 /* SI_TKILL */);
}

long sys_tgkill(struct task *t, const uint32_t *a)
{
	if ((int32_t)a[0] <= 0 || (int32_t)a[1] <= 0)
		return -EINVAL;
	if (t->sched)
		return a[2] > VMLAB_NSIG ? -EINVAL
					 : do_tkill(t, (int32_t)a[0], (int32_t)a[1], (int)a[2]);
	return kill_self(t, (int32_t)a[0] == t->tgid && (int32_t)a[1] == t->pid, a[2],
			 -6 /* SI_TKILL */);
}

/* Nothing outside the guest can send it a signal and it has no timers: a wait with no
 * deliverable signal pending would last forever. Linux would hang; vmlab says so and
 * ends the run (status 128 + SIGKILL, as if the user had killed the hung program). */
static long wait_forever(struct task *t, const char *what)
{
	fprintf(stderr, "vmlab: %s would wait forever (no other process or timer can wake it)\n",
		what);
	t->exited = true;
	t->exit_signal = SIGKILL;
	t->exit_code = 128 + SIGKILL;
	return -EINTR;
}

static long suspend_with(struct task *t, uint64_t mask, const char *what)
{
	struct signal_struct *s = t->signal;
	if (!s->restore_sigmask) /* set: the call runs again after a wait (sched.h) */
		s->saved_sigmask = s->blocked;
	s->restore_sigmask = true;
	s->blocked = mask & ~UNBLOCKABLE;
	if (!signal_pending(t) && t->sched)
		return sched_block(t, WAIT_SIGNAL, -1, 0);
	if (!signal_pending(t)) {
		s->blocked = s->saved_sigmask;
		s->restore_sigmask = false;
		return wait_forever(t, what);
	}
	/* do_signal delivers under the temporary mask and saves the old one in the frame; a
	 * signal without a handler (a stop) has the call run again */
	return -ERESTARTNOHAND;
}

long sys_rt_sigsuspend(struct task *t, const uint32_t *a)
{
	if (a[1] != 8)
		return -EINVAL;
	uint64_t m;
	if (copy_from_user(t, &m, a[0], 8))
		return -EFAULT;
	return suspend_with(t, m, "rt_sigsuspend");
}

long sys_sigsuspend(struct task *t, const uint32_t *a)
{
	/* i386 sigsuspend(int history0, int history1, old_sigset_t mask) */
	uint64_t m = (t->signal->blocked & ~0xffffffffull) | a[2];
	return suspend_with(t, m, "sigsuspend");
}

long sys_pause(struct task *t, const uint32_t *a)
{
	(void)a;
	if (signal_pending(t))
		return -ERESTARTNOHAND;
	if (t->sched)
		return sched_block(t, WAIT_SIGNAL, -1, 0);
	return wait_forever(t, "pause");
}

/* rt_sigtimedwait: takes a pending signal of the set; otherwise only a timeout ends it. */
long sys_rt_sigtimedwait(struct task *t, const uint32_t *a)
{
	if (a[3] != 8)
		return -EINVAL;
	uint64_t set;
	if (copy_from_user(t, &set, a[0], 8))
		return -EFAULT;
	struct signal_struct *s = t->signal;
	uint64_t ready = s->pending & set & ~UNBLOCKABLE;
	if (ready) {
		int sig = __builtin_ctzll(ready) + 1;
		s->pending &= ~SIGBIT(sig);
		if (a[1] && copy_to_user(t, a[1], &s->info[sig], sizeof(s->info[sig])))
			return -EFAULT;
		return sig;
	}
	if (signal_pending(t))
		return -EINTR;
	if (a[2])
		return -EAGAIN; /* the timeout passes; virtual time does not need to move */
	return wait_forever(t, "rt_sigtimedwait");
}

/* rt_sigqueueinfo: the caller's siginfo; only to oneself may it claim a kernel or kill()
 * origin (do_rt_sigqueueinfo). */
static long sigqueueinfo(struct task *t, int32_t tgid, int32_t tid, uint32_t sig, uint32_t uinfo)
{
	struct siginfo_i386 info;
	if (copy_from_user(t, &info, uinfo, sizeof(info)))
		return -EFAULT;
	if (tgid != t->tgid || (tid && tid != t->pid))
		return tgid <= 0 ? -EINVAL : -ESRCH;
	if (sig > VMLAB_NSIG)
		return -EINVAL;
	info.si_signo = (int32_t)sig;
	return send_sig_info(t, &info);
}

long sys_rt_sigqueueinfo(struct task *t, const uint32_t *a)
{
	return sigqueueinfo(t, (int32_t)a[0], 0, a[1], a[2]);
}

long sys_rt_tgsigqueueinfo(struct task *t, const uint32_t *a)
{
	if ((int32_t)a[0] <= 0 || (int32_t)a[1] <= 0)
		return -EINVAL;
	return sigqueueinfo(t, (int32_t)a[0], (int32_t)a[1], a[2], a[3]);
}

long sys_rt_sigtimedwait_time64(struct task *t, const uint32_t *a)
{
	return sys_rt_sigtimedwait(t, a);
}
