/*
 * Signals between processes (kernel/signal.c kill_something_info, do_tkill): kill to a
 * process, a process group or everyone, tkill/tgkill to one thread; the permission check of
 * kill_ok_by_cred; init takes no signal it has no handler for.
 */
#include <errno.h>
#include <string.h>

#include "kernel/exit.h"
#include "kernel/sched.h"
#include "kernel/signal.h"
#include "kernel/task.h"

static bool may_signal(const struct task *from, const struct task *to)
{
	return from->euid == 0 || from->euid == to->uid || from->uid == to->uid ||
	       from->euid == to->euid || from->uid == to->euid;
}

/* Whether a thread of to's process is still alive (a leader that has exited stays a zombie
 * while its threads run: the process still takes signals). */
static bool process_alive(const struct task *to)
{
	if (to->state < EXIT_ZOMBIE)
		return true;
	const struct sched *s = to->sched;
	for (size_t i = 0; s && i < s->nr; i++)
		if (s->tasks[i]->tgid == to->tgid && s->tasks[i]->state < EXIT_ZOMBIE)
			return true;
	return false;
}

/* One signal to a process (thread false: it waits in the process's shared set for a thread
 * that can take it, to first) or to thread to alone. */
static long send_to(struct task *from, struct task *to, int sig, int si_code, bool thread)
{
	if (to == from->sched->init)
		return from->euid == 0 ? 0
				       : -EPERM; /* init takes no signal it has no handler for */
	if (!may_signal(from, to))
		return -EPERM;
	if (sig == 0 || (thread ? to->state >= EXIT_ZOMBIE : !process_alive(to)))
		return 0;
	struct siginfo_i386 info;
	memset(&info, 0, sizeof info);
	info.si_signo = sig;
	info.si_code = si_code;
	info.u[0] = (uint32_t)from->tgid;
	info.u[1] = from->uid;
	return thread ? send_sig_info_thread(to, &info) : send_sig_info(to, &info);
}

long kill_something(struct task *t, int32_t pid, int sig)
{
	struct sched *s = t->sched;
	if (sig < 0 || sig > VMLAB_NSIG)
		return -EINVAL;
	if (pid == INT32_MIN)
		return -ESRCH;
	if (pid > 0) {
		/* kill_pid_info: any thread's id names its process; that thread is the first
		 * complete_signal asks */
		struct task *to = find_task_by_pid(s, pid);
		if (!to)
			return -ESRCH;
		return send_to(t, to, sig, 0, false);
	}
	int pgid = pid == 0 ? t->pgid : -pid;
	long r = -ESRCH;
	bool any_ok = false;
	for (size_t i = 0; i < s->nr; i++) {
		struct task *to = s->tasks[i];
		if (to->group_leader != to || !process_alive(to))
			continue;
		if (pid == -1 ? to->tgid == t->tgid : to->pgid != pgid)
			continue;
		long e = send_to(t, to, sig, 0, false);
		if (e == 0)
			any_ok = true;
		else
			r = e;
	}
	return any_ok ? 0 : r;
}

long do_tkill(struct task *t, int32_t tgid, int32_t tid, int sig)
{
	if (sig < 0 || sig > VMLAB_NSIG)
		return -EINVAL;
	struct task *to = find_task_by_pid(t->sched, tid);
	if (!to || to->state >= EXIT_ZOMBIE || (tgid > 0 && to->tgid != tgid))
		return -ESRCH;
	if (to == t->sched->init)
		return -EPERM;
	return send_to(t, to, sig, -6 /* SI_TKILL */, true);
}
