/*
 * One simulated machine running one program: the configuration object every result is
 * printed with (design.md), the parts (physmem, MMU with its TLBs, kernel memory, CPU, task)
 * and the run loop (CPU exits -> system calls, faults, signals).
 */
#ifndef VMLAB_KERNEL_MACHINE_H
#define VMLAB_KERNEL_MACHINE_H
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cpu/cpu.h"
#include "hw/mmu.h"
#include "hw/physmem.h"
#include "kernel/mm/kmem.h"
#include "kernel/mm/mmap.h"
#include "kernel/run_observer.h"
#include "kernel/sched.h"
#include "kernel/task.h"
#include "trace/counters.h"

struct dump_request;

/* A block is compiled at its JIT_THRESHOLD_DEFAULT-th execution (vmlab run
 * --jit-threshold): a program's start runs once and is cheaper interpreted (docs/jit.md). */
#define JIT_THRESHOLD_DEFAULT 16
#define JIT_THRESHOLD_MAX 65535

struct machine_config {
	uint64_t ram_bytes;          /* --mem, default 1 GB */
	enum vmsplit split;          /* --vmsplit, default 3G */
	bool pae;                    /* --paging=pae */
	struct tlb_config tlb;       /* --tlb, --tlb-policy, --no-tlb */
	uint32_t fault_around_bytes; /* --fault-around, default 65536 */
	int overcommit_memory;       /* --overcommit, default 0 */
	unsigned overcommit_ratio;   /* 50 */
	enum thp_mode thp;           /* --thp; machine_create sets it when thp_set is false */
	bool thp_set;                /* --thp given: otherwise the boot default (thp_boot_mode) */
	uint64_t seed;               /* --seed: AT_RANDOM, getrandom, randomised layout */
	bool randomize;              /* --randomize (default: norandmaps) */
	uint64_t max_insns;          /* --max-insns: stop after this many (0: no limit) */
	bool no_jit;                 /* --no-jit: interpret every block */
	unsigned jit_threshold;	     /* --jit-threshold: compile a block at its Nth run */
	enum cpu_vendor cpu_vendor;  /* --cpu: whose undefined results (default intel) */
	uint64_t sched_slice;        /* --slice: instructions per time slice (0: default) */
	uint64_t swap_bytes;         /* --swap: a swap area of this size (0: none) */
	const char *swap_file;       /* --swap-file: kept in this host file (NULL: host memory) */
	int swap_prio;               /* --swap=SIZE:PRIO (SWAP_PRIO_NONE: swapon's default) */
	/* more --swap options: further areas, in host memory */
	unsigned nr_swap_extra;
	struct swap_extra {
		uint64_t bytes;
		int prio;
	} swap_extra[7];
	int reclaim_policy;          /* --reclaim: enum reclaim_policy_id (0: linux) */
};

void machine_config_default(struct machine_config *c);

/* The least RAM a machine boots with. Debian's 686 kernel runs at 16 MB
 * (CONFIG_PHYSICAL_START: its decompressor never places it lower) and its image takes 14 MB;
 * mem_map, the kernel page tables, the first slabs and the zero page follow in lowmem, so
 * about 30.5 MB (2level) or 30.6 MB (pae) is the true floor; 32M leaves the program room. */
#define MACHINE_MIN_RAM (32ull << 20)
/* 0 when c->ram_bytes can be built (a multiple of 4 KB from MACHINE_MIN_RAM to what the
 * paging mode addresses), else -1 with the reason in err. */
int machine_check_ram(const struct machine_config *c, char *err, size_t n);
/* "name value" lines, or one JSON object (no newline) */
void machine_config_print(FILE *f, const struct machine_config *c, bool json);
uint32_t vmsplit_task_size(enum vmsplit s);

/*
 * A debugger attached to the run loop (the gdb stub, src/cli/gdbstub.c); machine.debug is
 * NULL otherwise and the loop then pays one test per CPU exit.
 */
struct machine_debug {
	/* Before the CPU runs t: may stop the program and talk to the debugger (it may end
	 * the run with machine_request_stop). Returns the most instructions the CPU may run
	 * before the loop asks again (1: one at a time), 0 for no limit of its own. */
	uint64_t (*before_run)(struct machine_debug *d, struct task *t);
	/* Signal sig is about to be delivered to t (or to take its default action): returns
	 * false when the debugger discards it, as a ptrace tracer may. */
	bool (*signal)(struct machine_debug *d, struct task *t, int sig);
};

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
	/* a host signal asked the run to end (machine_request_stop); 0: none */
	volatile sig_atomic_t stop_signal;
	/* --report: told of samples, faults and exits (run_observer.h); NULL: nobody */
	struct run_observer *observer;
	struct dump_request *dump; /* --dump-state (dump_state.h), or NULL */
	struct machine_debug *debug; /* a debugger's hooks, or NULL */
};

/* Builds the machine and the (empty) task; 0 or -errno with a message in err. The machine
 * must not move afterwards (the MMU's TLBs point into it). */
int machine_create(struct machine *m, const struct machine_config *c, char *err, size_t n);
/* The reclaim policy and swap area of c (machine_create calls it): 0 or -errno and err. */
int machine_swap_setup(struct machine *m, char *err, size_t n);
/* Enters user mode at the program exec_binary loaded: segment registers, CPL 3. */
int machine_enter_user(struct machine *m, char *err, size_t n);
/* Runs the task until it exits; returns its exit status (code, or 128 + signal). */
int machine_run(struct machine *m);
void machine_destroy(struct machine *m);
/* Asks machine_run to end the program at the next instruction boundary as if signal sig
 * had killed it (status 128 + sig); async-signal-safe: a host signal handler may call it. */
void machine_request_stop(struct machine *m, int sig);
/* The run loop's check: true (and the task ended, with a note on stderr) once a stop was
 * requested. */
bool machine_stop_requested(struct machine *m);
#endif
