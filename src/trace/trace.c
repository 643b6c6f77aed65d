/* The event sink: classes, filters, formats (trace.h). */
#include <string.h>

#include "trace/trace.h"
#include "trace/trace_int.h"

static const struct {
	const char *name;
	unsigned bit;
} classes[] = {
    {"fault", TRACE_FAULT}, {"syscall", TRACE_SYSCALL}, {"mm", TRACE_MM},
    {"tlb", TRACE_TLB},	    {"signal", TRACE_SIGNAL},	{"walk", TRACE_WALK},
    {"swap", TRACE_SWAP},   {"kmem", TRACE_KMEM},	{"sched", TRACE_SCHED},
    {"all", TRACE_ALL},
};

int trace_parse_classes(const char *s, unsigned *mask, const char **bad)
{
	*mask = 0;
	while (*s) {
		size_t n = strcspn(s, ",");
		bool found = false;
		for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
			if (strlen(classes[i].name) == n && !strncmp(s, classes[i].name, n)) {
				*mask |= classes[i].bit;
				found = true;
			}
		}
		if (!found) {
			*bad = s;
			return -1;
		}
		s += n + (s[n] == ',');
	}
	return *mask ? 0 : -1;
}

void trace_init(struct trace *tr, FILE *out, enum trace_format fmt, unsigned mask)
{
	memset(tr, 0, sizeof *tr);
	tr->out = out;
	tr->format = fmt;
	tr->mask = mask;
	tr->addr_hi = 1ull << 32;
	tr->tlb_sample = 1;
	tr->pid = tr->tid = tr->first_tid = 1000;
}

void trace_end(struct trace *tr)
{
	if (tr->format == TRACE_JSON && tr->out) {
		if (!tr->written)
			fprintf(tr->out, "{\"traceEvents\": [");
		fprintf(tr->out,
			"\n], \"displayTimeUnit\": \"ns\", \"otherData\": {\"clock\": "
			"\"instructions retired (1 instruction = 1 us on the time axis)\"}}\n");
	}
	if (tr->out)
		fflush(tr->out);
}

uint64_t trace_now(const struct trace *tr)
{
	return tr->clock ? tr->clock(tr->clock_ctx) : 0;
}

bool trace_want(struct trace *tr, unsigned cls, bool has_addr, uint64_t addr)
{
	return trace_want_at(tr, cls, trace_now(tr), has_addr, addr);
}

bool trace_want_at(struct trace *tr, unsigned cls, uint64_t now, bool has_addr, uint64_t addr)
{
	if (!trace_enabled(tr, cls))
		return false;
	if (now < tr->insn_from || (tr->insn_to && now >= tr->insn_to))
		return false;
	if (has_addr && (addr < tr->addr_lo || addr >= tr->addr_hi))
		return false;
	if (tr->npids && !trace_pid_wanted(tr, tr->pid, tr->tid))
		return false;
	if (cls == TRACE_TLB && tr->tlb_sample > 1 && tr->tlb_seen++ % tr->tlb_sample)
		return false;
	return true;
}

void trace_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

void trace_json_begin(struct trace *tr, const char *name, const char *cat, const char *ph,
		      uint64_t ts)
{
	FILE *f = tr->out;
	fprintf(f, "%s\n{\"name\": ", tr->written ? "," : "{\"traceEvents\": [");
	trace_json_str(f, name);
	fprintf(f, ", \"cat\": \"%s\", \"ph\": \"%s\", \"ts\": %llu, \"pid\": %d, \"tid\": %d", cat,
		ph, (unsigned long long)ts, tr->pid, tr->tid);
	if (!strcmp(ph, "i"))
		fprintf(f, ", \"s\": \"t\"");
	tr->written++;
}
