/* The sched class and the pid filter (trace.h): which task runs, and its life events. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "trace/trace_int.h"

int trace_parse_pids(struct trace *tr, const char *s)
{
	tr->npids = 0;
	while (*s) {
		char *end;
		errno = 0;
		long v = strtol(s, &end, 10);
		if (errno || end == s || v <= 0 || v > 0x7fffffff || (*end && *end != ',') ||
		    tr->npids >= TRACE_MAX_PIDS)
			return -1;
		tr->pids[tr->npids++] = (int)v;
		if (*end == ',' && !end[1])
			return -1; /* a trailing comma: a pid left out */
		s = *end ? end + 1 : end;
	}
	return tr->npids ? 0 : -1;
}

bool trace_pid_wanted(const struct trace *tr, int pid, int tid)
{
	if (!tr->npids)
		return true;
	for (unsigned i = 0; i < tr->npids; i++)
		if (tr->pids[i] == pid || tr->pids[i] == tid)
			return true;
	return false;
}

void trace_set_task(struct trace *tr, int pid, int tid)
{
	tr->pid = pid;
	tr->tid = tid;
}

/* The class and window filters, then the pid filter on either of two tasks: a switch or a
 * fork concerns both. */
static bool sched_want(struct trace *tr, int pa, int ta, int pb, int tb)
{
	unsigned np = tr->npids;
	tr->npids = 0;
	bool w = trace_want(tr, TRACE_SCHED, false, 0);
	tr->npids = np;
	return w && tr->format != TRACE_STRACE &&
	       (trace_pid_wanted(tr, pa, ta) || (pb && trace_pid_wanted(tr, pb, tb)));
}

static void text_line(struct trace *tr, uint64_t ts)
{
	fprintf(tr->out, "@%llu %-7s ", (unsigned long long)ts, "sched");
	tr->written++;
}

void trace_sched_switch(struct trace *tr, int prev_pid, int prev_tid, int next_pid, int next_tid,
			const char *reason, const char *mmu)
{
	if (!sched_want(tr, prev_pid, prev_tid, next_pid, next_tid))
		return;
	uint64_t ts = trace_now(tr);
	if (tr->format == TRACE_TEXT) {
		text_line(tr, ts);
		fprintf(tr->out, "switch %d/%d -> %d/%d (%s) %s\n", prev_pid, prev_tid, next_pid,
			next_tid, reason, mmu);
		return;
	}
	/* on the incoming task's track: it runs from here */
	trace_json_begin(tr, "switch", "sched", "i", ts);
	fprintf(tr->out,
		", \"args\": {\"prev_pid\": %d, \"prev_tid\": %d, \"next_pid\": %d, "
		"\"next_tid\": %d, \"reason\": ",
		prev_pid, prev_tid, next_pid, next_tid);
	trace_json_str(tr->out, reason);
	fprintf(tr->out, ", \"mmu\": ");
	trace_json_str(tr->out, mmu);
	fprintf(tr->out, "}}");
}

void trace_sched_task(struct trace *tr, const char *what, int pid, int tid, int other_pid,
		      int other_tid, const char *detail)
{
	if (!sched_want(tr, pid, tid, other_pid, other_tid))
		return;
	uint64_t ts = trace_now(tr);
	if (tr->format == TRACE_TEXT) {
		text_line(tr, ts);
		fprintf(tr->out, "%s %d/%d", what, pid, tid);
		if (other_pid)
			fprintf(tr->out, " -> %d/%d", other_pid, other_tid);
		fprintf(tr->out, "%s%s\n", *detail ? " " : "", detail);
		return;
	}
	/* the event is the task's own, whoever is on the CPU */
	int cur_pid = tr->pid, cur_tid = tr->tid;
	tr->pid = pid;
	tr->tid = tid;
	trace_json_begin(tr, what, "sched", "i", ts);
	tr->pid = cur_pid;
	tr->tid = cur_tid;
	fprintf(tr->out, ", \"args\": {");
	if (other_pid)
		fprintf(tr->out, "\"child_pid\": %d, \"child_tid\": %d, ", other_pid, other_tid);
	fprintf(tr->out, "\"detail\": ");
	trace_json_str(tr->out, detail);
	fprintf(tr->out, "}}");
}
