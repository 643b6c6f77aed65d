/*
 * A task: one guest process (vmlab runs one thread). It ties the machine (CPU, MMU, kernel
 * memory) to the process state each subsystem keeps: the address space (mm/mmap.h), open
 * files (fs/), signal state (signal.h), limits, identity.
 */
#ifndef VMLAB_KERNEL_TASK_H
#define VMLAB_KERNEL_TASK_H
#include <stdbool.h>
#include <stdint.h>

#include "kernel/syscalls/syscall.h"
#include "trace/counters.h"

struct cpu;
struct mmu;
struct physmem;
struct page_cache;
struct kmem;          /* kernel memory: zones, slab, page tables (mm/) */
struct mm_struct;     /* the address space: VMAs, page directory (mm/mmap.h) */
struct files_struct;  /* open files (fs/) */
struct fs_struct;     /* root, cwd, umask, writable directories (fs/) */
struct signal_struct; /* handlers, masks, pending, altstack (signal.h) */

#define VMLAB_RLIM_NLIMITS 16

struct vmlab_rlimit {
	uint64_t cur, max; /* RLIM_INFINITY = ~0ull */
};

struct task {
	/* the machine */
	struct cpu *cpu;
	struct mmu *mmu;
	struct physmem *pm;
	struct kmem *km;
	struct counters *ctr;
	struct page_cache *page_cache; /* file pages shared by every mapping (mm/filemap.h) */

	/* the process */
	int pid, tgid, ppid;
	uint32_t uid, euid, gid, egid;
	struct mm_struct *mm;
	struct files_struct *files;
	struct fs_struct *fs;
	struct signal_struct *signal;
	struct vmlab_rlimit rlim[VMLAB_RLIM_NLIMITS];
	uint32_t set_child_tid, clear_child_tid, robust_list, robust_len;
	const char *comm; /* the executable's base name, for /proc/self/stat and reports */
	const char *exe_path; /* the executable's guest path (/proc/self/exe), set by exec */
	uint64_t sleep_ns;    /* virtual time spent in nanosleep & co. (sys_time.c) */
	uint32_t ldt, ldt_entries; /* modify_ldt's LDT: kernel address and size (tls.c) */
	uint32_t rseq, rseq_len, rseq_sig; /* the registered struct rseq (sys_misc.c) */

	/* accounting, as getrusage and /proc/self/stat report it */
	uint64_t min_flt, maj_flt;

	/* randomness (AT_RANDOM, getrandom, randomised layout): a seeded generator */
	uint64_t rng_state;

	/* exit: set by exit/exit_group or a fatal signal; the run loop stops */
	bool exited;
	int exit_code;   /* the status a shell would see: code, or 128 + signal */
	int exit_signal; /* the fatal signal, or 0 */

	uint8_t reported_enosys[(NR_SYSCALLS + 7) / 8];
};
#endif
