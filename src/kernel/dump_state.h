/*
 * `vmlab run --dump-state` (docs/translate.md, "From a run to an exercise"): the live
 * machine written as a `vmlab translate` state file - control registers, paging mode, the
 * GDT/LDT, the segment registers, the page-table entries on the path of chosen addresses
 * and the TLB contents - so that `vmlab translate` replays the walks the machine made.
 */
#ifndef VMLAB_KERNEL_DUMP_STATE_H
#define VMLAB_KERNEL_DUMP_STATE_H
#include <stdbool.h>
#include <stdint.h>

struct machine;
struct task;

enum dump_when { DUMP_NONE, DUMP_EXIT, DUMP_FAULT, DUMP_INSN };

#define DUMP_MAX_ADDRS 16

struct dump_request {
	enum dump_when when;
	uint64_t insn;	  /* DUMP_INSN: the instruction count */
	const char *path; /* where the state file goes */
	uint32_t addrs[DUMP_MAX_ADDRS];
	unsigned naddrs; /* 0: EIP, ESP and the faulting address */
	bool done;	 /* written (once per run) */
};

/* "exit", "fault", "insn=N": 0, or -1. */
int dump_parse_when(const char *s, struct dump_request *d);
/* "ADDR,ADDR,...": 0, or -1. */
int dump_parse_addrs(const char *s, struct dump_request *d);

/* Writes the state of task t now; why names the moment ("exit", "fault", "insn"); a fault
 * gives its address and error code (has_fault). 0, or -1 after a message on stderr. */
int dump_state_write(struct machine *m, struct task *t, const char *why, bool has_fault,
		     uint32_t fault_addr, uint32_t err);
#endif
