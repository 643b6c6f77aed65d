/*
 * A task: one schedulable guest thread (Linux's task_struct). It ties the machine (CPU, MMU,
 * kernel memory, shared by every task) to the state each subsystem keeps: the address space
 * (mm/mmap.h), open files (fs/), signal state (signal.h), limits, identity; and, for the
 * scheduler (sched.h), its saved CPU context, run state and family links.
 */
#ifndef VMLAB_KERNEL_TASK_H
#define VMLAB_KERNEL_TASK_H
#include <stdbool.h>
#include <stdint.h>

#include "cpu/x87.h"
#include "hw/seg.h"
#include "kernel/syscalls/syscall.h"
#include "trace/counters.h"

struct cpu;
struct mmu;
struct physmem;
struct page_cache;
struct ipc_namespace;
struct kmem;          /* kernel memory: zones, slab, page tables (mm/) */
struct mm_struct;     /* the address space: VMAs, page directory (mm/mmap.h) */
struct files_struct;  /* open files (fs/) */
struct fs_struct;     /* root, cwd, umask, writable directories (fs/) */
struct signal_struct; /* handlers, masks, pending, altstack (signal.h) */
struct sched;         /* the task list and the run queue (sched.h) */

#define VMLAB_RLIM_NLIMITS 16

struct vmlab_rlimit {
	uint64_t cur, max; /* RLIM_INFINITY = ~0ull */
};

/* What a task switched out keeps of the CPU (Linux: pt_regs on the kernel stack, thread_struct
 * with the FPU state and the TLS descriptors that switch_to loads into the GDT). */
struct task_context {
	uint32_t regs[8], eip, eflags;
	struct x87_state fpu;
	struct seg_cache sr[SR_COUNT]; /* the segment registers, hidden parts included */
	uint16_t ldtr;
	uint32_t ldtr_base, ldtr_limit;
	uint64_t tls[3];    /* GDT entries 6-8 (thread.tls_array) */
	uint64_t ldt_desc;  /* GDT entry 17: this process's LDT descriptor, or 0 */
};

enum task_state {
	TASK_RUNNING,       /* runnable (or running: sched->current) */
	TASK_INTERRUPTIBLE, /* blocked in a system call until its wait condition or a signal */
	EXIT_ZOMBIE,        /* exited, waiting for its parent to reap it */
	EXIT_DEAD,          /* reaped: about to be freed */
};

/* What a blocked task waits for (for the scheduler's wake-up test and its deadlock report). */
enum wait_kind {
	WAIT_NONE, WAIT_CHILD, WAIT_VFORK, WAIT_PIPE_READ, WAIT_PIPE_WRITE, WAIT_FUTEX, WAIT_SIGNAL,
	WAIT_POLL, WAIT_SEM, WAIT_MSG
};

/* poll/select/epoll: a host descriptor and the events it waits for (select.c). */
struct poll_host {
	int fd;
	short events;
	bool external; /* not a pipe vmlab made: only the outside world can make it ready */
	/* epoll's edge-triggered items already reported: the events it has already seen do
	 * not count (ignore), and more bytes to read than nread does (by_count) */
	short ignore;
	bool by_count;
	int nread;
};

struct task_wait {
	enum wait_kind kind;
	int host_fd;       /* pipes: the host end polled for readiness */
	uint32_t uaddr;    /* futex: the word's address */
	uint32_t bitset;   /* futex: FUTEX_WAIT_BITSET's mask */
	const void *key_mm;   /* futex key: the mm and address (private), or NULL and the
			       * physical address (shared memory) */
	uint64_t key;
	uint64_t seq;         /* futex: order of arrival (who is woken first) */
	uint64_t deadline;    /* the virtual monotonic time it gives up at (0: never) */
	struct poll_host *ph; /* poll/select: what it polls (owned), nph entries */
	size_t nph;
	bool woken;        /* an explicit wake-up happened (child exit, futex wake, vfork done) */
};

struct task {
	/* the machine */
	struct cpu *cpu;
	struct mmu *mmu;
	struct physmem *pm;
	struct kmem *km;
	struct counters *ctr;
	struct page_cache *page_cache; /* file pages shared by every mapping (mm/filemap.h) */
	struct ipc_namespace *ipc_ns;  /* SysV IPC objects, machine-wide (ipc/shm.h) */
	struct unix_table *unix_names; /* unix-domain socket names, machine-wide (net/) */

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
	uint64_t cmin_flt, cmaj_flt;  /* of reaped children (RUSAGE_CHILDREN, cminflt) */
	uint64_t utime_insns;         /* instructions retired while this task ran */
	uint64_t cutime_insns;        /* of reaped children */
	uint64_t nvcsw, nivcsw;       /* voluntary (blocked) and involuntary (slice) switches */
	int oom_score_adj;            /* /proc/PID/oom_score_adj (signal_struct's in Linux) */
	int oom_score_adj_min;        /* the lowest a privileged writer set (procfs_oom.c) */

	/* scheduling and the process tree (sched.h, fork.c, exit.c) */
	struct sched *sched;          /* NULL: the task runs alone (unit tests) */
	enum task_state state;
	struct task_wait wait;
	struct task_context ctx;      /* valid while switched out */
	struct task *real_parent;     /* who gets SIGCHLD and reaps it (the modelled init when
				       * orphaned) */
	struct task *group_leader;    /* the thread-group leader (itself for a process) */
	int pgid, sid;
	int exit_signal_parent;       /* the signal the parent gets at exit (SIGCHLD for fork;
				       * clone's CSIGNAL), -1 for threads */
	int wait_status;              /* the status wait4 reports: code << 8, or the signal */
	struct task *vfork_parent;    /* CLONE_VFORK: parent blocked until exec or exit */
	bool set_child_tid_pending;   /* CLONE_CHILD_SETTID: written when the child first runs */
	bool exec_done;               /* has called execve (setpgid EACCES from the parent) */
	bool futex_woken;             /* FUTEX_WAKE ended its wait: the call returns 0 */
	uint64_t it_real_value;       /* ITIMER_REAL: its deadline on this process's monotonic
				       * clock (0: off), and its interval (itimer.c) */
	uint64_t it_real_incr;
	uint64_t it_cpu_value[2];     /* ITIMER_VIRTUAL, ITIMER_PROF: the deadline on the
				       * process's CPU time in ns (0: off), and the interval */
	uint64_t it_cpu_incr[2];
	uint64_t call_deadline;       /* a blocking call's timeout, kept while it runs again
				       * after each wake-up (0: none) */
	bool delayed_notify;          /* a zombie leader whose threads still run: the parent
				       * hears of it when the last one exits */
	/* job control (signal.c): this thread is stopped by its group's stop (it runs again on
	 * SIGCONT, or to die of SIGKILL); on the group leader, the group's state as Linux's
	 * signal_struct keeps it: stopped (SIGNAL_STOP_STOPPED) by stop_sig, the stop signal
	 * wait(WUNTRACED) has yet to report (group_exit_code), a continue it has yet to report
	 * (SIGNAL_STOP_CONTINUED) */
	bool jobctl_stopped;
	/* a system call a signal interrupted, backed up onto its INT 0x80 to run again: its
	 * -ERESTART* code and the instruction's length, until do_signal knows whether a
	 * handler runs (then it fails with EINTR instead: handle_signal's rule), which may be
	 * only after a stop and a continue */
	int restart_code;
	uint8_t restart_insn_len;
	bool group_stopped;
	int stop_sig;
	int group_stop_code;
	bool stop_continued;
	bool notify_continued; /* SIGNAL_CLD_CONTINUED: the parent is told when it next runs */
	uint64_t maxrss_pages;        /* the peak RSS, kept when the mm goes at exit */
	uint32_t kstack;              /* a forked task's kernel stack (THREAD_SIZE, order 1) and
				       * task_struct object (slab): kernel addresses, 0 for the
				       * first task, whose are part of the booted kernel */
	uint32_t task_obj;
	char *owned_comm, *owned_exe; /* storage comm/exe_path point into after execve */
	/* a blocking write(2) to a pipe that wrote part and waits to write the rest: what it
	 * wrote so far, and the registers it was called with (restored at the end) */
	bool partial_active;
	uint32_t partial_done, partial_ecx, partial_edx;

	/* randomness (AT_RANDOM, getrandom, randomised layout): a seeded generator */
	uint64_t rng_state;

	/* exit: set by exit/exit_group or a fatal signal; the run loop stops */
	bool exited;
	int exit_code;   /* the status a shell would see: code, or 128 + signal */
	int exit_signal; /* the fatal signal, or 0 */

	uint8_t reported_enosys[(NR_SYSCALLS + 7) / 8];

	/* --stats' per-process table (proc_acct.h): its process's row, and whether this
	 * task's counts are in it yet (at exit) */
	int acct_row;
	bool acct_folded;
};
#endif
