/* The memory system's events (trace.h): page-table walks, swap and reclaim, the kernel's
 * allocators. Text: one line per event (a walk adds one line per entry); JSON: instant
 * events with the details in args, and counter tracks. */
#include <string.h>

#include "trace/trace_int.h"

typedef unsigned long long ull;

static const char *class_name(unsigned cls)
{
	return cls == TRACE_WALK ? "walk" : cls == TRACE_SWAP ? "swap" : "kmem";
}

static const char *level_name(int level)
{
	return level == 3 ? "PDPTE" : level == 2 ? "PDE" : "PTE";
}

/* The bits of an entry, by their SDM names; bit 7 is PS in a PDE and PAT in a PTE, and a
 * PAE PDPTE has only P, PWT and PCD. */
static void entry_bits(char *buf, size_t n, uint64_t e, int level, bool pae)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} b[] = {{1, "P"},  {2, "RW"}, {4, "US"},   {8, "PWT"}, {16, "PCD"},
		 {32, "A"}, {64, "D"}, {128, "PS"}, {256, "G"}, {1ull << 63, "NX"}};
	size_t l = 0;
	buf[0] = 0;
	if (!(e & 1)) {
		snprintf(buf, n, "not-present");
		return;
	}
	for (size_t i = 0; i < sizeof b / sizeof b[0]; i++) {
		if (!(e & b[i].bit))
			continue;
		if (pae && level == 3 && b[i].bit != 1 && b[i].bit != 8 && b[i].bit != 16)
			continue;
		const char *name = b[i].bit == 128 && level == 1 ? "PAT" : b[i].name;
		int w = snprintf(buf + l, n - l, "%s%s", l ? " " : "", name);
		if (w < 0 || (size_t)w >= n - l)
			return;
		l += (size_t)w;
	}
}

static void pf_bits(char *buf, size_t n, uint32_t err)
{
	snprintf(buf, n, "%s %s %s%s%s", err & 1 ? "protection" : "not-present",
		 err & 2      ? "write"
		 : (err & 16) ? "fetch"
			      : "read",
		 err & 4 ? "user" : "kernel", err & 8 ? " reserved-bit" : "",
		 (err & 16) && (err & 2) ? " fetch" : "");
}

void trace_walk(struct trace *tr, uint32_t lin, const char *access, bool user, bool pae,
		const struct trace_walk_level *lv, unsigned n, bool fault, uint32_t err,
		uint64_t pa, uint32_t page_size)
{
	if (!trace_want(tr, TRACE_WALK, true, lin) || tr->format == TRACE_STRACE)
		return;
	uint64_t ts = trace_now(tr);
	char bits[96];
	FILE *f = tr->out;
	if (tr->format == TRACE_TEXT) {
		fprintf(f, "@%llu %-7s 0x%08x %s %s (%s): ", (ull)ts, "walk", lin, access,
			user ? "user" : "kernel", pae ? "pae" : "2level");
		if (fault) {
			pf_bits(bits, sizeof bits, err);
			fprintf(f, "#PF err=%#x (%s)\n", err, bits);
		} else {
			fprintf(f, "-> 0x%08llx (%u KB page)\n", (ull)pa, page_size >> 10);
		}
		for (unsigned i = 0; i < n; i++) {
			entry_bits(bits, sizeof bits, lv[i].entry, lv[i].level, pae);
			fprintf(f, "        %-5s 0x%08llx[0x%03x] @0x%08llx = 0x%0*llx %s\n",
				level_name(lv[i].level), (ull)lv[i].table, lv[i].index,
				(ull)lv[i].addr, pae ? 16 : 8, (ull)lv[i].entry, bits);
		}
		tr->written++;
		return;
	}
	trace_json_begin(tr, fault ? "walk fault" : "walk", "walk", "i", ts);
	fprintf(f,
		", \"args\": {\"address\": \"0x%08x\", \"access\": \"%s\", \"mode\": \"%s\", "
		"\"paging\": \"%s\", \"levels\": [",
		lin, access, user ? "user" : "kernel", pae ? "pae" : "2level");
	for (unsigned i = 0; i < n; i++) {
		entry_bits(bits, sizeof bits, lv[i].entry, lv[i].level, pae);
		fprintf(f,
			"%s{\"level\": \"%s\", \"table\": \"0x%08llx\", \"index\": %u, "
			"\"entry_address\": \"0x%08llx\", \"value\": \"0x%llx\", \"bits\": \"%s\"}",
			i ? ", " : "", level_name(lv[i].level), (ull)lv[i].table, lv[i].index,
			(ull)lv[i].addr, (ull)lv[i].entry, bits);
	}
	fprintf(f, "]");
	if (fault) {
		pf_bits(bits, sizeof bits, err);
		fprintf(f, ", \"error_code\": %u, \"fault\": \"%s\"}}", err, bits);
	} else {
		fprintf(f, ", \"physical\": \"0x%llx\", \"page_size\": %u}}", (ull)pa, page_size);
	}
}

void trace_event_args(struct trace *tr, unsigned cls, const char *what, bool has_addr,
		      uint64_t addr, const struct trace_arg *a, unsigned n)
{
	if (!trace_want(tr, cls, has_addr, addr) || tr->format == TRACE_STRACE)
		return;
	uint64_t ts = trace_now(tr);
	FILE *f = tr->out;
	if (tr->format == TRACE_TEXT) {
		fprintf(f, "@%llu %-7s %s", (ull)ts, class_name(cls), what);
		for (unsigned i = 0; i < n; i++) {
			if (a[i].kind == TRACE_ARG_STR)
				fprintf(f, " %s=%s", a[i].key, a[i].s);
			else if (a[i].kind == TRACE_ARG_HEX)
				fprintf(f, " %s=0x%llx", a[i].key, (ull)a[i].v);
			else
				fprintf(f, " %s=%llu", a[i].key, (ull)a[i].v);
		}
		fputc('\n', f);
		tr->written++;
		return;
	}
	trace_json_begin(tr, what, class_name(cls), "i", ts);
	fprintf(f, ", \"args\": {");
	for (unsigned i = 0; i < n; i++) {
		fprintf(f, "%s\"%s\": ", i ? ", " : "", a[i].key);
		if (a[i].kind == TRACE_ARG_STR)
			trace_json_str(f, a[i].s);
		else if (a[i].kind == TRACE_ARG_HEX)
			fprintf(f, "\"0x%llx\"", (ull)a[i].v);
		else
			fprintf(f, "%llu", (ull)a[i].v);
	}
	fprintf(f, "}}");
}

void trace_counter(struct trace *tr, unsigned cls, const char *track, const char *key, uint64_t v)
{
	if (tr->format != TRACE_JSON || !trace_want(tr, cls, false, 0))
		return;
	trace_json_begin(tr, track, class_name(cls), "C", trace_now(tr));
	fprintf(tr->out, ", \"args\": {\"%s\": %llu}}", key, (ull)v);
}
