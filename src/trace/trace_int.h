/* Shared by the sink (trace.c) and the event writers (events.c). */
#ifndef VMLAB_TRACE_TRACE_INT_H
#define VMLAB_TRACE_TRACE_INT_H
#include "trace/trace.h"

uint64_t trace_now(const struct trace *tr);
/* trace_want for an event that happened at instruction count now (a system call: its start) */
bool trace_want_at(struct trace *tr, unsigned cls, uint64_t now, bool has_addr, uint64_t addr);
void trace_json_str(FILE *f, const char *s);
/* Opens one trace event object: name, category, phase ("i", "X", "C"), time; the caller
 * adds its fields and closes it with "}". */
void trace_json_begin(struct trace *tr, const char *name, const char *cat, const char *ph,
		      uint64_t ts);
#endif
