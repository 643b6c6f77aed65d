/*
 * One simulated machine running one program: the configuration object every result is
 * printed with (design.md), the parts (physmem, MMU with its TLBs, kernel memory, CPU, task)
 * and the run loop (CPU exits -> system calls, faults, signals).
 */
#ifndef VMLAB_KERNEL_MACHINE_H
#define VMLAB_KERNEL_MACHINE_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cpu/cpu.h"
#include "hw/mmu.h"
#include "hw/physmem.h"
#include "kernel/mm/kmem.h"
#include "kernel/mm/mmap.h"
#include "kernel/sched.h"
#include "kernel/task.h"
#include "trace/counters.h"

struct machine_config {
	uint64_t ram_bytes;          /* --mem, default 1 GB */
	enum vmsplit split;          /* --vmsplit, default 3G */
	bool pae;                    /* --paging=pae */
	struct tlb_config tlb;       /* --tlb, --tlb-policy, --no-tlb */
	uint32_t fault_around_bytes; /* --fault-around, default 65536 */
	int overcommit_memory;       /* --overcommit, default 0 */
	unsigned overcommit_ratio;   /* 50 */
	enum thp_mode thp;           /* --thp, default always (Debian's 686 kernels) */
	uint64_t seed;               /* --seed: AT_RANDOM, getrandom, randomised layout */
	bool randomize;              /* --randomize (default: norandmaps) */
	uint64_t max_insns;          /* --max-insns: stop after this many (0: no limit) */
	bool no_jit;                 /* --no-jit: interpret every block */
	uint64_t sched_slice;        /* --slice: instructions per time slice (0: default) */
};

void machine_config_default(struct machine_config *c);
/* "name value" lines, or one JSON object (no newline) */
void machine_config_print(FILE *f, const struct machine_config *c, bool json);
uint32_t vmsplit_task_size(enum vmsplit s);

struct machine {
	struct machine_config cfg;
	struct counters ctr;
	struct physmem pm;
	struct mmu mmu;
	struct kmem km;
	struct cpu cpu;
	struct task task;  /* the program vmlab starts (more come from fork: sched) */
	struct sched sched;
	uint32_t gdt;    /* kernel virtual address of the GDT (GDT_ENTRIES descriptors) */
	bool pm_ok, mmu_ok, km_ok, cpu_ok;
	/* what --stats reports after the address space is gone */
	uint64_t peak_rss_pages;
	bool insn_limit_hit;
};

/* Builds the machine and the (empty) task; 0 or -errno with a message in err. The machine
 * must not move afterwards (the MMU's TLBs point into it). */
int machine_create(struct machine *m, const struct machine_config *c, char *err, size_t n);
/* Enters user mode at the program exec_binary loaded: segment registers, CPL 3. */
int machine_enter_user(struct machine *m, char *err, size_t n);
/* Runs the task until it exits; returns its exit status (code, or 128 + signal). */
int machine_run(struct machine *m);
void machine_destroy(struct machine *m);
/* Statistics: configuration, instructions, faults, TLB, walks, peak RSS, frames by zone. */
void machine_print_stats(FILE *f, struct machine *m, bool json);
#endif
