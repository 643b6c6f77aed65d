/*
 * The event stream (`vmlab run --trace`, docs/observe.md): one sink per machine, classes of
 * events switched on one by one, filters by address range and instruction window, written
 * as a line per event, in strace's format, or as Chrome/Perfetto trace-event JSON.
 *
 * Producers test trace_enabled() first: with tracing off that is one well-predicted branch
 * on a pointer the component already holds, and nothing on the MMU's fast path or in
 * compiled code is traced at all.
 */
#ifndef VMLAB_TRACE_TRACE_H
#define VMLAB_TRACE_TRACE_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum trace_class {
	TRACE_FAULT = 1u << 0,	 /* page faults: kind, address, EIP, error code, outcome */
	TRACE_SYSCALL = 1u << 1, /* system calls, decoded as strace prints them */
	TRACE_MM = 1u << 2,	 /* mmap/munmap/mprotect/mremap/brk with the VMAs they change */
	TRACE_TLB = 1u << 3,	 /* TLB miss/fill/evict/flush/invlpg and slow-path hits */
	TRACE_SIGNAL = 1u << 4,	 /* signals delivered, and how the process ended */
	TRACE_WALK = 1u << 5,	 /* page-table walks: each level's entry, the result or fault */
	TRACE_SWAP = 1u << 6,	 /* swap-out/in, reclaim scans, kswapd wakeups, OOM kills */
	TRACE_KMEM = 1u << 7,	 /* buddy, slab, vmalloc, kmap: the kernel's own allocations */
	TRACE_SCHED = 1u << 10,	 /* context switches (CR3, TLB), fork, exec, exit */
	TRACE_ALL = ((1u << 8) - 1) | TRACE_SCHED,
};

enum trace_format { TRACE_TEXT, TRACE_JSON, TRACE_STRACE };

struct trace {
	unsigned mask; /* enum trace_class bits */
	enum trace_format format;
	FILE *out;
	/* instructions retired before the one executing: the events' time (the CPU's count,
	 * exact inside a block in either engine: cpu_insns_now) */
	uint64_t (*clock)(const void *ctx);
	const void *clock_ctx;
	uint64_t insn_from, insn_to; /* window [from, to); to == 0: no end */
	uint64_t addr_lo, addr_hi;   /* [lo, hi): events with an address outside are dropped */
	uint64_t tlb_sample;	     /* keep one TLB event in this many (1: all) */
	uint64_t tlb_seen;
	uint64_t written;			    /* events written */
	uint64_t faults, fault_signals, tlb_misses; /* the JSON form's counter tracks */
	int pid;
	/* the task on the CPU (events_sched.c keeps them current), and --trace-pid's list */
	int tid, first_tid;
#define TRACE_MAX_PIDS 16
	int pids[TRACE_MAX_PIDS];
	unsigned npids;
};

static inline bool trace_enabled(const struct trace *tr, unsigned cls)
{
	return __builtin_expect(tr != NULL && (tr->mask & cls) != 0, 0);
}

/* "fault,syscall", "all": the mask, or -1 naming the bad class in *bad. */
int trace_parse_classes(const char *s, unsigned *mask, const char **bad);
/* Fills tr for writing to out (not closed by trace_end): defaults, no filter. */
void trace_init(struct trace *tr, FILE *out, enum trace_format fmt, unsigned mask);
/* Writes what the format needs after the last event (JSON's closing bracket). */
void trace_end(struct trace *tr);

/* Whether an event of this class at this time (and address, when has_addr) passes the
 * filters; a TLB event also passes the sampling. */
bool trace_want(struct trace *tr, unsigned cls, bool has_addr, uint64_t addr);

/* ---- events (events.c); each checks trace_want itself ---- */

/* A page fault: kind ("demand_zero", ..., or "-" when unresolved), error code bits decoded,
 * outcome ("minor", "major", "SIGSEGV SEGV_MAPERR", ...). */
void trace_fault(struct trace *tr, const char *kind, uint32_t addr, uint32_t eip, uint32_t err,
		 const char *outcome);
/* A TLB event: what ("miss", "fill", "hit", "evict", "invlpg", "flush"), its address (lin)
 * and the frame it maps (fill/evict), the TLB's name; a flush has no address. */
void trace_tlb(struct trace *tr, const char *what, const char *tlb, bool has_addr, uint32_t lin,
	       uint64_t frame, unsigned page_shift, const char *why);
/* A system call: its strace-style text "name(args) = result" and when it started. */
void trace_syscall(struct trace *tr, const char *name, const char *call, uint64_t start);
/* An address-space change: op ("mmap", "munmap", "mprotect", "mremap", "brk"), the call's
 * range, and the VMAs removed ("-") and added ("+"), one per line in changes. */
void trace_mm(struct trace *tr, const char *op, uint32_t start, uint32_t end, const char *changes);
/* A signal delivered: its strace line ("--- SIGSEGV {...} ---") and what was done. */
void trace_signal(struct trace *tr, int sig, const char *name, const char *line);
/* The end of the process: "+++ exited with N +++" or "+++ killed by SIG +++". */
void trace_exit(struct trace *tr, int code, const char *signame);

/* ---- memory-system events (events_mem.c) ---- */

/* One entry a walk read: level 3 PDPTE, 2 PDE, 1 PTE. */
struct trace_walk_level {
	int level;
	unsigned index;
	uint64_t table, addr, entry;
};
/* A page-table walk for an access ("read", "write", "fetch") in user or kernel mode: the
 * entries read (as read, before A/D updates), and the physical address and page size, or
 * the #PF error code when it faulted. */
void trace_walk(struct trace *tr, uint32_t lin, const char *access, bool user, bool pae,
		const struct trace_walk_level *lv, unsigned n, bool fault, uint32_t err,
		uint64_t pa, uint32_t page_size);

/* A named value of an event: a string, a number, or a number shown in hex. */
enum trace_arg_kind { TRACE_ARG_STR, TRACE_ARG_NUM, TRACE_ARG_HEX };
struct trace_arg {
	const char *key;
	enum trace_arg_kind kind;
	const char *s;
	uint64_t v;
};
#define TRACE_STR(k, x) ((struct trace_arg){.key = (k), .kind = TRACE_ARG_STR, .s = (x)})
#define TRACE_NUM(k, x) ((struct trace_arg){.key = (k), .kind = TRACE_ARG_NUM, .v = (x)})
#define TRACE_HEX(k, x) ((struct trace_arg){.key = (k), .kind = TRACE_ARG_HEX, .v = (x)})
/* An event of class cls (TRACE_SWAP, TRACE_KMEM) named what, with its arguments: a line
 * "what key=value ..." or a JSON instant event with them in args. has_addr: addr is the
 * event's address for --trace-addr. */
void trace_event_args(struct trace *tr, unsigned cls, const char *what, bool has_addr,
		      uint64_t addr, const struct trace_arg *a, unsigned n);
/* A counter track of class cls (JSON only: text traces carry the values in the events). */
void trace_counter(struct trace *tr, unsigned cls, const char *track, const char *key, uint64_t v);

/* ---- the sched class and the pid filter (events_sched.c) ---- */

/* "1000,1001": --trace-pid's list into tr; -1 when malformed or too long. */
int trace_parse_pids(struct trace *tr, const char *s);
/* Whether --trace-pid keeps the events of task pid/tid (true without a list). */
bool trace_pid_wanted(const struct trace *tr, int pid, int tid);
/* The task now on the CPU: the pid and tid of the events that follow. */
void trace_set_task(struct trace *tr, int pid, int tid);
/* A context switch: the tasks, why prev left (reason), what happened to CR3 and the TLB. */
void trace_sched_switch(struct trace *tr, int prev_pid, int prev_tid, int next_pid, int next_tid,
			const char *reason, const char *mmu);
/* fork/vfork/clone (other: the child's pid and tid), exec, exit (detail: the program, the
 * status). */
void trace_sched_task(struct trace *tr, const char *what, int pid, int tid, int other_pid,
		      int other_tid, const char *detail);
#endif
