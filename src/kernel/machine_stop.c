/*
 * Stopping a run from outside: the host process got SIGINT, SIGTERM, SIGHUP or SIGQUIT.
 * The request is only recorded (it may come from a signal handler); the run loop acts on it
 * between two instructions, and the program ends as if that signal had killed it: its
 * address space goes away as at any exit, so dirty pages of shared file mappings reach
 * their files, as they would from the page cache of a Linux process killed this way.
 */
#include <stdio.h>

#include "kernel/machine.h"
#include "kernel/signal.h"

void machine_request_stop(struct machine *m, int sig)
{
	if (!m->stop_signal)
		m->stop_signal = sig;
}

bool machine_stop_requested(struct machine *m)
{
	int sig = m->stop_signal;
	if (!sig)
		return false;
	struct task *t = &m->task;
	fprintf(stderr, "vmlab: stopped by %s sent to vmlab, after %llu instructions\n",
		signal_name(sig), (unsigned long long)m->cpu.insns);
	t->exited = true;
	t->exit_signal = sig;
	t->exit_code = 128 + sig;
	return true;
}
