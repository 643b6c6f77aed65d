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

/* One signal to a process (its group leader holds the process's signal state here). */
static long send_to(struct task *from, struct task *to, int sig, int si_code)
{
	if (to == from->sched->init)
		return from->euid == 0 ? 0
				       : -EPERM; /* init takes no signal it has no handler for */
	if (!may_signal(from, to))
		return -EPERM;
	if (sig == 0 || to->state >= EXIT_ZOMBIE)
		return 0;
	struct siginfo_i386 info;
	memset(&info, 0, sizeof info);
	info.si_signo = sig;
	info.si_code = si_code;
	info.u[0] = (uint32_t)from->tgid;
	info.u[1] = from->uid;
	return send_sig_info(to, &info);
}

long kill_something(struct task *t, int32_t pid, int sig)
{
	struct sched *s = t->sched;
	if (sig < 0 || sig > VMLAB_NSIG)
		return -EINVAL;
	if (pid == INT32_MIN)
		return -ESRCH;
	if (pid > 0) {
		struct task *to = find_task_by_pid(s, pid);
		if (!to || (to->group_leader != to && to->tgid != pid))
			return -ESRCH;
		return send_to(t, to->group_leader, sig, 0);
	}
	int pgid = pid == 0 ? t->pgid : -pid;
	long r = -ESRCH;
	bool any_ok = false;
	for (size_t i = 0; i < s->nr; i++) {
		struct task *to = s->tasks[i];
		if (to->group_leader != to || to->state >= EXIT_ZOMBIE)
			continue;
		if (pid == -1 ? to->tgid == t->tgid : to->pgid != pgid)
			continue;
		long e = send_to(t, to, sig, 0);
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
	return send_to(t, to, sig, -6 /* SI_TKILL */);
}
