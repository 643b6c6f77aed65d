/* The events of the stream (trace.h): each as a text line and as a trace-event object. */
#include <string.h>

#include "trace/trace_int.h"

typedef unsigned long long ull;

static void text_prefix(struct trace *tr, const char *cls, uint64_t ts)
{
	fprintf(tr->out, "@%llu %-7s ", (ull)ts, cls);
	/* strace -f's way: the tasks other than the first program are named */
	if (tr->tid != tr->first_tid)
		fprintf(tr->out, "[pid %d] ", tr->tid);
	tr->written++;
}

/* The #PF error code as the SDM names its bits. */
static void decode_err(uint32_t err, char *buf, size_t n)
{
	snprintf(buf, n, "%s %s %s%s%s",
		 err & 2      ? "write"
		 : (err & 16) ? "fetch"
			      : "read",
		 err & 4 ? "user" : "kernel", err & 1 ? "protection" : "not-present",
		 err & 8 ? " reserved-bit" : "", (err & 16) && (err & 2) ? " fetch" : "");
}

void trace_fault(struct trace *tr, const char *kind, uint32_t addr, uint32_t eip, uint32_t err,
		 const char *outcome)
{
	if (!trace_want(tr, TRACE_FAULT, true, addr) || tr->format == TRACE_STRACE)
		return;
	uint64_t ts = trace_now(tr);
	char e[64];
	decode_err(err, e, sizeof e);
	if (tr->format == TRACE_TEXT) {
		text_prefix(tr, "fault", ts);
		fprintf(tr->out, "0x%08x eip=0x%08x err=%#x (%s) -> %s%s%s\n", addr, eip, err, e,
			outcome, *kind == '-' ? "" : " ", *kind == '-' ? "" : kind);
		return;
	}
	trace_json_begin(tr, kind, "fault", "i", ts);
	fprintf(tr->out,
		", \"args\": {\"address\": \"0x%08x\", \"eip\": \"0x%08x\", \"error_code\": %u, "
		"\"access\": \"%s\", \"outcome\": \"%s\"}}",
		addr, eip, err, e, outcome);
	/* a counter track: faults traced so far, resolved and signalled */
	if (*kind == '-')
		tr->fault_signals++;
	else
		tr->faults++;
	trace_json_begin(tr, "faults", "fault", "C", ts);
	fprintf(tr->out, ", \"args\": {\"resolved\": %llu, \"signalled\": %llu}}", (ull)tr->faults,
		(ull)tr->fault_signals);
}

void trace_tlb(struct trace *tr, const char *what, const char *tlb, bool has_addr, uint32_t lin,
	       uint64_t frame, unsigned page_shift, const char *why)
{
	if (!trace_want(tr, TRACE_TLB, has_addr, lin) || tr->format == TRACE_STRACE)
		return;
	uint64_t ts = trace_now(tr);
	bool mapped = !strcmp(what, "fill") || !strcmp(what, "evict");
	if (tr->format == TRACE_TEXT) {
		text_prefix(tr, "tlb", ts);
		fprintf(tr->out, "%s %s", what, tlb);
		if (has_addr)
			fprintf(tr->out, " 0x%08x", lin);
		if (mapped)
			fprintf(tr->out, " -> frame 0x%llx (%u KB page)", (ull)frame,
				(1u << page_shift) >> 10);
		fprintf(tr->out, "%s%s\n", why ? " " : "", why ? why : "");
		return;
	}
	if (!strcmp(what, "miss")) {
		tr->tlb_misses++;
		trace_json_begin(tr, "tlb misses", "tlb", "C", ts);
		fprintf(tr->out, ", \"args\": {\"misses\": %llu}}", (ull)tr->tlb_misses);
	}
	trace_json_begin(tr, what, "tlb", "i", ts);
	fprintf(tr->out, ", \"args\": {\"tlb\": \"%s\"", tlb);
	if (has_addr)
		fprintf(tr->out, ", \"address\": \"0x%08x\"", lin);
	if (mapped)
		fprintf(tr->out, ", \"frame\": \"0x%llx\", \"page_size\": %u", (ull)frame,
			1u << page_shift);
	if (why)
		fprintf(tr->out, ", \"why\": \"%s\"", why);
	fprintf(tr->out, "}}");
}

void trace_syscall(struct trace *tr, const char *name, const char *call, uint64_t start)
{
	if (!trace_want_at(tr, TRACE_SYSCALL, start, false, 0))
		return;
	uint64_t ts = trace_now(tr);
	if (tr->format == TRACE_STRACE) {
		fprintf(tr->out, "%s\n", call);
		tr->written++;
		return;
	}
	if (tr->format == TRACE_TEXT) {
		text_prefix(tr, "syscall", start);
		fprintf(tr->out, "%s\n", call);
		return;
	}
	trace_json_begin(tr, name, "syscall", "X", start);
	fprintf(tr->out, ", \"dur\": %llu, \"args\": {\"call\": ", (ull)(ts - start));
	trace_json_str(tr->out, call);
	fprintf(tr->out, "}}");
}

void trace_mm(struct trace *tr, const char *op, uint32_t start, uint32_t end, const char *changes)
{
	/* an address filter keeps a change whose range meets the filter's */
	if (!trace_want(tr, TRACE_MM, false, 0) || tr->format == TRACE_STRACE)
		return;
	if (end <= tr->addr_lo || start >= tr->addr_hi)
		return;
	uint64_t ts = trace_now(tr);
	if (tr->format == TRACE_TEXT) {
		text_prefix(tr, "mm", ts);
		fprintf(tr->out, "%s 0x%08x-0x%08x", op, start, end);
		for (const char *p = changes; *p;) {
			size_t n = strcspn(p, "\n");
			fprintf(tr->out, "\n        %.*s", (int)n, p);
			p += n + (p[n] == '\n');
		}
		fputc('\n', tr->out);
		return;
	}
	trace_json_begin(tr, op, "mm", "i", ts);
	fprintf(tr->out,
		", \"args\": {\"start\": \"0x%08x\", \"end\": \"0x%08x\", \"vmas\": ", start, end);
	trace_json_str(tr->out, changes);
	fprintf(tr->out, "}}");
}

void trace_signal(struct trace *tr, int sig, const char *name, const char *line)
{
	if (!trace_want(tr, TRACE_SIGNAL | TRACE_SYSCALL, false, 0))
		return;
	/* strace shows signals among the calls; so does --trace=syscall */
	if (!(tr->mask & TRACE_SIGNAL) && tr->format != TRACE_STRACE)
		return;
	uint64_t ts = trace_now(tr);
	if (tr->format == TRACE_STRACE) {
		fprintf(tr->out, "%s\n", line);
		tr->written++;
		return;
	}
	if (tr->format == TRACE_TEXT) {
		text_prefix(tr, "signal", ts);
		fprintf(tr->out, "%s\n", line);
		return;
	}
	trace_json_begin(tr, name, "signal", "i", ts);
	fprintf(tr->out, ", \"args\": {\"signal\": %d, \"delivery\": ", sig);
	trace_json_str(tr->out, line);
	fprintf(tr->out, "}}");
}

void trace_exit(struct trace *tr, int code, const char *signame)
{
	if (!trace_want(tr, TRACE_SIGNAL | TRACE_SYSCALL, false, 0))
		return;
	char line[96];
	if (signame)
		snprintf(line, sizeof line, "+++ killed by %s +++", signame);
	else
		snprintf(line, sizeof line, "+++ exited with %d +++", code);
	uint64_t ts = trace_now(tr);
	if (tr->format == TRACE_STRACE) {
		fprintf(tr->out, "%s\n", line);
		tr->written++;
	} else if (tr->format == TRACE_TEXT) {
		text_prefix(tr, "exit", ts);
		fprintf(tr->out, "%s\n", line);
	} else {
		trace_json_begin(tr, "exit", "signal", "i", ts);
		fprintf(tr->out, ", \"args\": {\"end\": ");
		trace_json_str(tr->out, line);
		fprintf(tr->out, "}}");
	}
}
