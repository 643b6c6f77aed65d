/*
 * `vmlab run --report=FILE.html`: one self-contained page about the run (docs/observe.md,
 * "Report"). report.c gathers while the program runs (samples on the instruction clock,
 * faults by instruction, each process's address space and page tables at its end);
 * report_html.c writes the page at the end with plots made by report_svg.c and the
 * disassembly of report_disasm.c. Everything on the page comes from the instruction clock
 * and the machine's state, so the same run gives the same bytes.
 */
#ifndef VMLAB_CLI_REPORT_H
#define VMLAB_CLI_REPORT_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/run_stats.h"
#include "kernel/machine.h"
#include "kernel/run_observer.h"

#define REPORT_INTERVAL_DEFAULT 1000u /* instructions between two samples at first */
#define REPORT_MAX_SAMPLES 1024u      /* past this the interval doubles, every other goes */
#define REPORT_MAX_PROCS 8u	      /* processes with their own series and maps */
#define REPORT_TOP_EIPS 20u	      /* faulting instructions listed */
#define REPORT_CODE_BYTES 96u	      /* code kept around a faulting instruction */

/* one process's state at one sample */
struct report_proc_point {
	uint32_t sample;
	int slot; /* index in report.procs */
	uint64_t rss_anon, rss_file, rss_shmem, swapents, faults;
};

struct report_sample {
	uint64_t insns;
	uint64_t kinds[RUN_OBSERVER_FAULT_KINDS]; /* cumulative fault counts by kind */
	uint64_t major, tlb_lookups, tlb_misses, pswpin, pswpout;
	uint64_t swap_used_pages, free_pages;
};

struct report_vma {
	uint32_t start, end, flags;
	uint64_t rss_pages, swap_pages;
	char name[96];
};

/* a page table (or a huge page) under one user PDE */
struct report_pde {
	uint32_t index;		/* PDE number in its directory (PAE: its PD) */
	uint32_t pdpt;		/* PAE: PDPT entry of the directory (0 with 2-level) */
	uint32_t base;		/* first linear address it maps */
	bool huge;		/* a 4 MB (2 MB with PAE) page, no table */
	uint32_t present, swap; /* PTEs present, PTEs holding a swap entry */
};

/* an address space at one moment: its VMAs and its page tables */
struct report_view {
	int pid;
	uint64_t insns;	    /* when it was taken */
	uint64_t rss_pages; /* the process's RSS then */
	struct report_vma *vmas;
	size_t nvmas;
	uint64_t cr3;
	bool pae;
	uint32_t pdpt_present;	      /* PAE: present PDPT entries */
	uint32_t user_pdes;	      /* PDE slots below TASK_SIZE */
	uint32_t kernel_pdes_present; /* shared kernel part */
	uint32_t ptes_per_table;
	struct report_pde *pdes; /* present user PDEs */
	size_t npdes;
};

/* a process: its identity, its address space at its end and near its peak */
struct report_proc {
	int pid, ppid;
	char comm[32];
	bool ended;
	uint64_t end_insns, peak_rss;
	struct report_view at_exit;
	/* taken at a sample each time the RSS has grown by a quarter since the last one:
	 * within 25% of the peak (shown when the exit's is well below it) */
	struct report_view at_peak;
};

struct report_eip {
	uint32_t eip;
	uint64_t count;
	uint64_t kinds[RUN_OBSERVER_FAULT_KINDS];
	int pid; /* the first process it faulted in */
	char sym[128];
	uint8_t code[REPORT_CODE_BYTES];
	uint32_t code_start; /* linear address of code[0] */
	uint32_t code_len;   /* bytes readable */
	bool code_exact;     /* code_start is the symbol's start, not a guess */
};

struct report {
	struct run_observer obs; /* first: the run loop's view */
	struct machine *m;
	const char *path;
	uint64_t interval, first_interval;
	struct report_sample *samples;
	size_t nsamples, cap_samples;
	struct report_proc_point *points;
	size_t npoints, cap_points;
	struct report_proc procs[REPORT_MAX_PROCS];
	size_t nprocs;
	uint64_t procs_untracked; /* processes past REPORT_MAX_PROCS */
	struct report_eip *eips;  /* open-addressed by eip */
	size_t eip_cap, neips;
	uint64_t user_faults;
	bool oom; /* a gathering step ran out of host memory: the page says so */
};

/* Starts gathering on m (sets m->observer); interval 0: the default. Always 0. The page
 * is written to path at the end (the caller checks first that it can be). */
int report_start(struct report *r, struct machine *m, const char *path, uint64_t interval);
/* The last sample, then the page; 0, or -1 after a message. Detaches from the machine
 * (which report_free, after the machine is gone, does not touch). */
int report_finish(struct report *r, const struct run_info *ri);
void report_free(struct report *r);

/* ---- report_mm.c: an address space read without side effects ---- */
/* The VMAs of t with their resident and swapped pages, and its page-table occupancy. */
int report_mm_snapshot(struct report_view *p, struct task *t);
void report_view_free(struct report_view *v);
/* Up to n bytes of t's memory at addr, read through its page tables without faulting or
 * touching A/D bits or the TLB: the number read. */
size_t report_mm_peek(struct task *t, uint32_t addr, void *buf, size_t n);

/* ---- report_html.c ---- */
int report_write_html(FILE *f, const struct report *r, const struct run_info *ri);

/* ---- report_disasm.c (capstone, AT&T syntax as gdb and objdump print by default) ---- */
/* Table rows (<tr>) of the instructions in code (n bytes at linear address start) around
 * eip: a few before it, it (class "fault") and two after. Unless exact (start is where an
 * instruction begins, e.g. the function's symbol), decoding starts at the first byte from
 * which it reaches eip, as a debugger guesses the lines before an address. The number of
 * rows, 0 when the bytes do not decode (a fault on fetching the code itself). */
int report_disasm_rows(FILE *f, const uint8_t *code, size_t n, uint32_t start, uint32_t eip,
		       bool exact);
#endif
