/*
 * The machine and its run loop. The CPU runs until it leaves user mode; the kernel then does
 * what i386 Linux does on that entry: a system call (eax = number, ebx..ebp = arguments,
 * result in eax), a page fault (do_user_addr_fault), another exception (its signal), and
 * before returning to user mode, signal delivery.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "kernel/dump_state.h"
#include "kernel/exec.h"
#include "kernel/exit.h"
#include "kernel/ipc/shm.h"
#include "kernel/sched.h"
#include "kernel/machine.h"
#include "kernel/mm/filemap.h"
#include "kernel/mm/memory.h"
#include "kernel/mm/mman.h"
#include "kernel/mm/mmap.h"
#include "kernel/mm/pgtable.h"
#include "kernel/mm/swap.h"
#include "kernel/net/af_unix.h"
#include "kernel/signal.h"
#include "kernel/syscalls/syscall.h"
#include "kernel/sys_time.h"
#include "kernel/uaccess.h"
#include "kernel/vdso.h"

void machine_config_default(struct machine_config *c)
{
	memset(c, 0, sizeof *c);
	c->ram_bytes = 1ull << 30;
	c->split = VMSPLIT_3G;
	tlb_config_default(&c->tlb);
	c->fault_around_bytes = 65536;
	c->overcommit_memory = OVERCOMMIT_GUESS;
	c->overcommit_ratio = 50;
	c->seed = 1;
	c->swap_prio = SWAP_PRIO_NONE;
	c->jit_threshold = JIT_THRESHOLD_DEFAULT;
}

uint32_t vmsplit_task_size(enum vmsplit s)
{
	return s == VMSPLIT_1G ? 0x40000000u : s == VMSPLIT_2G ? 0x80000000u : 0xC0000000u;
}

static const char *policy_name(enum tlb_policy p)
{
	return p == TLB_FIFO ? "fifo" : p == TLB_RANDOM ? "random" : "lru";
}

void machine_config_print(FILE *f, const struct machine_config *c, bool json)
{
	const char *split = c->split == VMSPLIT_1G ? "1G" : c->split == VMSPLIT_2G ? "2G" : "3G";
	char tlb[64];
	if (c->tlb.enabled)
		snprintf(tlb, sizeof tlb, "%ux%u", c->tlb.l1.entries, c->tlb.l1.ways);
	else
		snprintf(tlb, sizeof tlb, "off");
	if (json) {
		fprintf(f,
			"{\"mem_bytes\": %llu, \"vmsplit\": \"%s\", \"paging\": \"%s\", \"tlb\": "
			"\"%s\", \"tlb_policy\": \"%s\", \"fault_around_bytes\": %u, "
			"\"overcommit_memory\": %d, \"overcommit_ratio\": %u, \"thp\": \"%s\", "
			"\"seed\": %llu, \"randomize\": %s, \"cpu\": \"%s\"}",
			(unsigned long long)c->ram_bytes, split, c->pae ? "pae" : "2level", tlb,
			policy_name(c->tlb.policy), c->fault_around_bytes, c->overcommit_memory,
			c->overcommit_ratio, thp_mode_name(c->thp), (unsigned long long)c->seed,
			c->randomize ? "true" : "false", cpu_vendor_name(c->cpu_vendor));
		return;
	}
	fprintf(f, "machine: mem %llu MB, vmsplit %s, paging %s, tlb %s %s, fault-around %u, "
		   "overcommit %d (ratio %u), thp %s, seed %llu, %s, cpu %s\n",
		(unsigned long long)(c->ram_bytes >> 20), split, c->pae ? "pae" : "2level", tlb,
		policy_name(c->tlb.policy), c->fault_around_bytes, c->overcommit_memory,
		c->overcommit_ratio, thp_mode_name(c->thp), (unsigned long long)c->seed,
		c->randomize ? "randomized layout" : "norandmaps", cpu_vendor_name(c->cpu_vendor));
	uint64_t swap = c->swap_bytes;
	for (unsigned i = 0; i < c->nr_swap_extra; i++)
		swap += c->swap_extra[i].bytes;
	if (swap || c->reclaim_policy)
		fprintf(f, "memory pressure: swap %llu kB%s%s, reclaim %s\n",
			(unsigned long long)(swap >> 10), c->nr_swap_extra ? " in several areas" : "",
			c->swap_file ? " (first in a host file)" : "",
			reclaim_policy_name((enum reclaim_policy_id)c->reclaim_policy));
}

/* The i386 GDT as Linux lays it out: TLS 6-8 (set_thread_area fills them), kernel CS/DS
 * 12/13, user CS/DS 14/15; flat 4 GB segments. */
static int setup_gdt(struct machine *m)
{
	struct page *p = alloc_page(&m->km, GFP_KERNEL | __GFP_ZERO);
	if (!p)
		return -ENOMEM;
	m->gdt = page_address(&m->km, p);
	uint8_t *host = kmem_host(&m->km, m->gdt);
	if (!m->gdt || !host)
		return -ENOMEM;
	physmem_frame_changed(&m->pm, page_to_pfn(&m->km, p));
	memset(host, 0, PAGE_SIZE);
	struct {
		unsigned idx;
		uint8_t type, dpl;
	} segs[] = {
		{GDT_ENTRY_KERNEL_CS, SEG_TYPE_CODE | SEG_TYPE_READABLE | SEG_TYPE_ACCESSED, 0},
		{GDT_ENTRY_KERNEL_DS, SEG_TYPE_WRITABLE | SEG_TYPE_ACCESSED, 0},
		{GDT_ENTRY_DEFAULT_USER_CS, SEG_TYPE_CODE | SEG_TYPE_READABLE | SEG_TYPE_ACCESSED, 3},
		{GDT_ENTRY_DEFAULT_USER_DS, SEG_TYPE_WRITABLE | SEG_TYPE_ACCESSED, 3},
	};
	for (size_t i = 0; i < sizeof segs / sizeof segs[0]; i++) {
		struct seg_desc d = {.base = 0, .limit = 0xFFFFF, .type = segs[i].type, .s = true,
				     .p = true, .g = true, .db = true, .dpl = segs[i].dpl};
		uint64_t raw = seg_desc_encode(&d);
		memcpy(host + segs[i].idx * 8, &raw, 8);
	}
	mmu_set_gdtr(&m->mmu, m->gdt, GDT_ENTRIES * 8 - 1);
	return 0;
}

static void task_limits(struct task *t)
{
	/* the limits vmlab itself runs under, as a native run of the program would see them */
	for (int r = 0; r < VMLAB_RLIM_NLIMITS; r++) {
		struct rlimit rl;
		if (getrlimit(r, &rl)) {
			t->rlim[r].cur = t->rlim[r].max = ~0ull;
			continue;
		}
		t->rlim[r].cur = rl.rlim_cur == RLIM_INFINITY ? ~0ull : (uint64_t)rl.rlim_cur;
		t->rlim[r].max = rl.rlim_max == RLIM_INFINITY ? ~0ull : (uint64_t)rl.rlim_max;
	}
}

int machine_create(struct machine *m, const struct machine_config *c, char *err, size_t n)
{
	memset(m, 0, sizeof *m);
	m->cfg = *c;
	if (machine_check_ram(c, err, n))
		return -EINVAL;
	int r = physmem_init(&m->pm, c->ram_bytes, c->pae);
	if (r) {
		snprintf(err, n, "cannot create %llu MB of simulated RAM (%s)",
			 (unsigned long long)(c->ram_bytes >> 20), strerror(-r));
		return r;
	}
	m->pm_ok = true;
	r = mmu_init(&m->mmu, &m->pm, &c->tlb, &m->ctr);
	if (r) {
		snprintf(err, n, "bad TLB configuration (%s)", strerror(-r));
		return r;
	}
	m->mmu_ok = true;
	struct mm_params p;
	mm_params_default(&p, c->ram_bytes);
	p.split = c->split;
	p.pae = c->pae;
	r = mm_init(&m->km, &m->pm, &m->mmu, &m->ctr, &p);
	if (r) {
		snprintf(err, n,
			 "cannot boot the kernel memory manager with this RAM size and "
			 "split (%s)",
			 m->km.last_error_msg ? m->km.last_error_msg : strerror(-r));
		return r;
	}
	m->km_ok = true;
	if (!c->thp_set)
		m->cfg.thp = thp_boot_mode(&m->km);
	if ((r = machine_swap_setup(m, err, n)))
		return r;
	r = cpu_init(&m->cpu, &m->mmu, &m->ctr);
	if (r) {
		snprintf(err, n, "cannot create the CPU (%s)", strerror(-r));
		return r;
	}
	m->cpu_ok = true;
	if (c->no_jit)
		m->cpu.jit = false;
	m->cpu.jit_threshold = c->jit_threshold;
	m->cpu.vendor = c->cpu_vendor;
	/* paging on with the kernel's own tables; exec loads the process's CR3 */
	struct paging_regs pr;
	kmem_kernel_regs(&m->km, &pr);
	/* fpu__init_cpu_generic: FXSAVE-aware OS, #XM for unmasked SIMD exceptions */
	mmu_write_cr4(&m->mmu, pr.cr4 | CR4_OSFXSR | CR4_OSXMMEXCPT);
	if (c->pae)
		mmu_write_efer(&m->mmu, pr.efer | EFER_NXE);
	mmu_write_cr3(&m->mmu, pr.cr3);
	mmu_write_cr0(&m->mmu, pr.cr0 | CR0_PE | CR0_PG | CR0_WP | CR0_NE);
	if ((r = setup_gdt(m))) {
		snprintf(err, n, "no memory for the GDT");
		return r;
	}
	struct task *t = &m->task;
	t->cpu = &m->cpu;
	t->mmu = &m->mmu;
	t->pm = &m->pm;
	t->km = &m->km;
	t->ctr = &m->ctr;
	t->pid = t->tgid = 1000;
	t->ppid = 999;
	t->uid = (uint32_t)getuid();
	t->euid = (uint32_t)geteuid();
	t->gid = (uint32_t)getgid();
	t->egid = (uint32_t)getegid();
	t->rng_state = c->seed;
	task_limits(t);
	t->page_cache = page_cache_create(t);
	t->ipc_ns = ipc_ns_create();
	t->unix_names = unix_table_create();
	if (!t->page_cache || !t->ipc_ns || !t->unix_names || signal_init(t) || sched_init(&m->sched, t, c->sched_slice)) {
		snprintf(err, n, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

int machine_enter_user(struct machine *m, char *err, size_t n)
{
	struct x86_exception ex;
	/* as after the IRET of start_thread: CPL 3, user segments, %fs = %gs = 0 */
	m->mmu.cpl = 3;
	static const struct {
		enum sreg sr;
		uint16_t sel;
	} s[] = {{SR_CS, __USER_CS}, {SR_SS, __USER_DS}, {SR_DS, __USER_DS},
		 {SR_ES, __USER_DS}, {SR_FS, 0},	{SR_GS, 0}};
	for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
		if (mmu_load_seg(&m->mmu, s[i].sr, s[i].sel, &ex)) {
			snprintf(err, n, "cannot load segment register %d with %#x (vector %u)",
				 (int)s[i].sr, s[i].sel, ex.vector);
			return -EINVAL;
		}
	}
	return 0;
}

static void kill_the_rest(struct machine *m, int sig);

const enum counter_id run_observer_fault_kind_ctr[RUN_OBSERVER_FAULT_KINDS] = {
	CTR_fault_demand_zero, CTR_fault_zero_page, CTR_fault_file,     CTR_fault_cow,
	CTR_fault_wp_reuse,    CTR_thp_fault_alloc, CTR_fault_special,  CTR_fault_spurious,
	CTR_fault_sigsegv,     CTR_fault_sigbus,
};

/* the observer sees a task's address space before do_exit releases it */
static void exit_observed(struct machine *m, struct task *t)
{
	if (m->observer && t->mm)
		m->observer->task_exit(m->observer, t);
	do_exit(t);
}

void machine_destroy(struct machine *m)
{
	struct task *t = &m->task;
	struct sched *s = &m->sched;
	if (s->init) {
		/* tasks left (a run that was not run to its end): their address spaces and
		 * files go as at exit */
		kill_the_rest(m, SIGKILL);
		if (s->mm_to_drop) {
			if (t->mm == s->mm_to_drop)
				t->mm = NULL;
			mmput(s->mm_to_drop);
			s->mm_to_drop = NULL;
		}
		sched_destroy(s);
	}
	if (t->mm) {
		m->peak_rss_pages = t->mm->hiwater_rss;
		mmput(t->mm);
		t->mm = NULL;
	}
	ipc_ns_destroy(t->ipc_ns); /* its segments' files are in the page cache */
	unix_table_destroy(t->unix_names);
	t->unix_names = NULL;
	t->ipc_ns = NULL;
	if (t->page_cache)
		page_cache_destroy(t->page_cache);
	t->page_cache = NULL;
	if (t->signal)
		signal_free(t);
	if (m->cpu_ok)
		cpu_destroy(&m->cpu);
	if (m->km_ok) {
		vmscan_destroy(&m->km);
		mm_destroy(&m->km);
	}
	if (m->mmu_ok)
		mmu_destroy(&m->mmu);
	if (m->pm_ok)
		physmem_destroy(&m->pm);
	m->cpu_ok = m->km_ok = m->mmu_ok = m->pm_ok = false;
}

/* ---- exit ---- */

long sys_exit_group(struct task *t, const uint32_t *a)
{
	t->exited = true;
	t->exit_code = (int)(a[0] & 0xff);
	t->exit_signal = 0;
	zap_other_threads(t);
	return 0;
}

/* exit: this thread only; the process ends with its last thread. */
long sys_exit(struct task *t, const uint32_t *a)
{
	t->exited = true;
	t->exit_code = (int)(a[0] & 0xff);
	t->exit_signal = 0;
	return 0;
}

/* ---- the loop ---- */

static void user_fault(struct task *t, const struct x86_exception *ex)
{
	struct fault_outcome out;
	do_user_addr_fault(t, ex->cr2, ex->error_code, &out);
	if (!out.sig)
		return;
	if (out.sig == SIGKILL) {
		if (t->exited)
			return; /* the OOM killer chose this task and said so */
		fprintf(stderr, "vmlab: out of memory at %#x: the OOM killer ends the program\n",
			out.addr);
		signal_kill_task(t, SIGKILL, NULL);
		return;
	}
	/* counted here, not in the fault handler: a uaccess fault is -EFAULT, not a signal */
	counter_add(t->ctr, out.sig == SIGBUS ? CTR_fault_sigbus : CTR_fault_sigsegv, 1);
	force_sig_fault_trap(t, out.sig, out.si_code, out.addr, X86_PF, ex->error_code, ex->cr2);
}

/* fpu__exception_code: the si_code of an x87 (#MF: the status word's flags not masked by
 * the control word) or SIMD (#XM: MXCSR's flags not masked by its own mask bits) exception */
static int fpe_code(const struct cpu *c, bool simd)
{
	unsigned e = simd ? ~(c->sse.mxcsr >> 7) & c->sse.mxcsr & 0x3f
			  : c->fpu.sw & ~c->fpu.cw & 0x3f;
	if (e & 0x01)
		return 7; /* FPE_FLTINV */
	if (e & 0x04)
		return 3; /* FPE_FLTDIV */
	if (e & 0x08)
		return 4; /* FPE_FLTOVF */
	if (e & 0x12)
		return 5; /* FPE_FLTUND */
	if (e & 0x20)
		return 6; /* FPE_FLTRES */
	return 0;
}

static void user_exception(struct task *t, const struct x86_exception *ex)
{
	struct cpu *c = t->cpu;
	uint32_t err = ex->has_error_code ? ex->error_code : 0;
	switch (ex->vector) {
	case X86_PF:
		user_fault(t, ex);
		return;
	case X86_TLB_REFILL: {
		struct x86_exception e2;
		if (mmu_tlb_refill(t->mmu, ex->cr2, ACC_READ, true, &e2) && e2.vector == X86_PF)
			user_fault(t, &e2);
		return;
	}
	case X86_DE:
		force_sig_fault_trap(t, SIGFPE, FPE_INTDIV, c->eip, X86_DE, 0, 0);
		return;
	case X86_UD:
		force_sig_fault_trap(t, SIGILL, ILL_ILLOPN, c->eip, X86_UD, 0, 0);
		return;
	case X86_DB:
		if (ex->error_code & DR6_BS) {
			/* exc_debug_user: a single step is SIGTRAP/TRAP_TRACE at the next EIP */
			force_sig_fault_trap(t, SIGTRAP, 2 /* TRAP_TRACE */, c->eip, X86_DB, 0, 0);
			return;
		}
		/* otherwise only ICEBP raises #DB here; with no reason in DR6 it is a
		 * breakpoint, reported at the next instruction (send_sigtrap) */
		force_sig_fault_trap(t, SIGTRAP, TRAP_BRKPT, c->eip, X86_DB, 0, 0);
		return;
	case X86_BP:
		force_sig_fault_trap(t, SIGTRAP, SI_KERNEL, 0, ex->vector, 0, 0);
		return;
	case X86_MF:
	case X86_XM: {
		int code = fpe_code(c, ex->vector == X86_XM);
		if (code)
			force_sig_fault_trap(t, SIGFPE, code, c->eip, ex->vector, 0, 0);
		return;
	}
	case X86_AC:
		force_sig_fault_trap(t, SIGBUS, BUS_ADRALN, c->eip, X86_AC, err, 0);
		return;
	case X86_NP:
	case X86_SS:
		/* exc_segment_not_present, exc_stack_segment: do_error_trap with SIGBUS */
		force_sig_fault_trap(t, SIGBUS, SI_KERNEL, 0, ex->vector, err, 0);
		return;
	default:
		/* #GP, #TS, #BR, #OF...: do_general_protection and friends */
		force_sig_fault_trap(t, SIGSEGV, SI_KERNEL, 0, ex->vector, err, 0);
		return;
	}
}

static void run_syscall(struct task *t)
{
	struct cpu *c = t->cpu;
	uint32_t a[6] = {c->regs[R_EBX], c->regs[R_ECX], c->regs[R_EDX],
			 c->regs[R_ESI], c->regs[R_EDI], c->regs[R_EBP]};
	long r;
	if (t->partial_active && t->signal && t->signal->stop_wakeup)
		/* pipe_write left at the stop with what it had written: it returns that now,
		 * whatever room the pipe has after SIGCONT */
		r = sched_syscall_done(t, -ERESTARTSYS);
	else
		r = sched_syscall_done(t, syscall_dispatch(t, c->regs[R_EAX], a));
	if (r == -ERESTART_SCHED) {
		/* blocked: the call runs again when the task is woken */
		c->eip -= c->exit_insn_len;
		t->nvcsw++;
		return;
	}
	if (r == -ERESTARTSYS || r == -ERESTARTNOHAND || r == -ERESTART_RESTARTBLOCK) {
		/* interrupted: EIP back on the INT 0x80 (EAX still its number) to run again,
		 * unless do_signal runs a handler that makes it fail with EINTR; a restart
		 * block keeps the deadline it had (a sleep goes on where it was) */
		if (r != -ERESTART_RESTARTBLOCK)
			t->call_deadline = 0;
		c->eip -= c->exit_insn_len;
		t->restart_code = (int)-r;
		t->restart_insn_len = (uint8_t)c->exit_insn_len;
		return;
	}
	t->call_deadline = 0;
	if (!t->exited)
		c->regs[R_EAX] = (uint32_t)r;
}

/* --dump-state=fault: the first page fault that raised a signal (the moment a student
 * wants to see: the tables as the failing walk found them) */
static void user_exception_dumped(struct machine *m, struct task *t, const struct x86_exception *ex)
{
	uint64_t before = m->ctr.v[CTR_fault_sigsegv] + m->ctr.v[CTR_fault_sigbus];
	user_exception(t, ex);
	if (m->ctr.v[CTR_fault_sigsegv] + m->ctr.v[CTR_fault_sigbus] != before)
		dump_state_write(m, t, "fault", true, ex->cr2, ex->error_code);
}

/* --dump-state=exit: the program's address space just before do_exit tears it down */
static void exit_dump(struct machine *m, struct task *t)
{
	if (m->dump && !m->dump->done && m->dump->when == DUMP_EXIT && t == m->sched.first && t->mm)
		dump_state_write(m, t, "exit", false, 0, 0);
}

/* An exception from user mode to the kernel, through --dump-state=fault when it waits */
static void exception_to_kernel(struct machine *m, struct task *t, const struct x86_exception *ex)
{
	if (m->dump && !m->dump->done && m->dump->when == DUMP_FAULT && ex->vector == X86_PF)
		user_exception_dumped(m, t, ex);
	else
		user_exception(t, ex);
}

static void run_exit(struct machine *m, struct task *t, enum cpu_exit e,
		     const struct x86_exception *ex)
{
	struct cpu *c = &m->cpu;
	switch (e) {
	case CPU_EXIT_LIMIT:
		break;
	case CPU_EXIT_SYSCALL:
		run_syscall(t);
		break;
	case CPU_EXIT_EXCEPTION:
		if (m->observer && ex->vector == X86_PF) {
			uint64_t before[RUN_OBSERVER_FAULT_KINDS];
			for (int k = 0; k < RUN_OBSERVER_FAULT_KINDS; k++)
				before[k] = m->ctr.v[run_observer_fault_kind_ctr[k]];
			uint32_t eip = c->eip; /* #PF is a fault: EIP is the instruction's */
			exception_to_kernel(m, t, ex);
			m->observer->fault(m->observer, t, eip, ex->cr2, ex->error_code, before);
			break;
		}
		exception_to_kernel(m, t, ex);
		break;
	case CPU_EXIT_INT:
		if (ex->vector == 3) {
			force_sig_fault_trap(t, SIGTRAP, SI_KERNEL, 0, X86_BP, 0, 0);
		} else if (ex->vector == 4) {
			force_sig_fault_trap(t, SIGSEGV, SI_KERNEL, 0, X86_OF, 0, 0);
		} else {
			/* a gate of DPL 0: #GP with the IDT error code, at the INT (its
			 * prefixes included) */
			c->eip -= c->exit_insn_len;
			force_sig_fault_trap(t, SIGSEGV, SI_KERNEL, 0, X86_GP,
					     (uint32_t)ex->vector << 3 | 2, 0);
		}
		break;
	case CPU_EXIT_HLT:
		force_sig_fault_trap(t, SIGSEGV, SI_KERNEL, 0, X86_GP, 0, 0);
		break;
	}
}

/* Picks who runs next and switches to it; NULL when nobody can run. */
static struct task *schedule(struct sched *s)
{
	struct task *prev = s->current;
	struct task *next = pick_next_task(s);
	if (!next)
		return NULL;
	if (prev && next != prev && prev->jobctl_stopped && !prev->exited &&
	    prev->state == TASK_RUNNING)
		prev->nvcsw++; /* stopped: it gave the CPU up */
	else if (prev && next != prev && prev->state == TASK_RUNNING && !prev->exited)
		prev->nivcsw++; /* preempted at the end of its slice */
	bool resumed = next->state == TASK_INTERRUPTIBLE;
	context_switch(s, prev, next);
	s->slice_left = s->slice;
	if (resumed) {
		next->state = TASK_RUNNING;
		next->wait.kind = WAIT_NONE;
		next->wait.woken = false;
		next->wait.deadline = 0;
		free(next->wait.ph);
		next->wait.ph = NULL;
		next->wait.nph = 0;
	} else if (!next->exited && signal_work_pending(next)) {
		/* a preempted or new task: signals sent meanwhile, before it runs on */
		do_signal(next);
	}
	if (next->set_child_tid_pending && !next->exited) {
		/* schedule_tail: CLONE_CHILD_SETTID's word, in the child's own memory */
		next->set_child_tid_pending = false;
		put_user_u32(next, next->set_child_tid, (uint32_t)next->pid);
	}
	if ((next != prev || resumed) && next->rseq && !next->exited) {
		/* rseq_preempt/rseq_migrate: back in user mode after a switch, the kernel
		 * publishes the CPU number again (cpu_id_start, cpu_id). It is a write like
		 * any other: on a page fork made copy-on-write, a fault. */
		static const uint32_t cpu0[2] = {0, 0};
		if (copy_to_user(next, next->rseq, cpu0, sizeof cpu0))
			force_sig_fault(next, SIGSEGV, SI_KERNEL, 0);
	}
	return next;
}

/* Ends the run: every task still alive is killed (deadlock or --max-insns). */
static void kill_the_rest(struct machine *m, int sig)
{
	struct sched *s = &m->sched;
	for (size_t i = 0; i < s->nr; i++) {
		struct task *t = s->tasks[i];
		if (t->state >= EXIT_ZOMBIE)
			continue;
		t->exited = true;
		t->exit_signal = sig;
		t->exit_code = 128 + sig;
		exit_observed(m, t);
		i = (size_t)-1; /* the list may have changed: again from the start */
	}
}

/* The signal do_signal is about to take, shown to the debugger first (as ptrace's signal-
 * delivery-stop): it may discard it. SIGKILL is not its to stop. */
static void debugger_signal(struct machine *m, struct task *t)
{
	int sig = signal_peek(t);
	if (!sig || sig == SIGKILL)
		return;
	if (!m->debug->signal(m->debug, t, sig))
		signal_discard(t, sig);
}

int machine_run(struct machine *m)
{
	struct sched *s = &m->sched;
	struct cpu *c = &m->cpu;
	if (!s->active_mm)
		s->active_mm = s->first->mm;
	for (;;) {
		if (machine_stop_requested(m)) {
			kill_the_rest(m, m->stop_signal);
			break;
		}
		if (s->timers)
			sched_fire_timers(s);
		struct task *t = s->current;
		if (!t || t->state != TASK_RUNNING || !task_can_run(t) || !s->slice_left) {
			t = schedule(s);
			if (!t && sched_idle(s))
				continue; /* a timeout came, or the outside world answered */
			if (!t)
				break;
			if (!task_can_run(t))
				continue; /* a signal just stopped it as it was switched in */
		}
		if (t->exited) {
			exit_dump(m, t);
			exit_observed(m, t);
			continue;
		}
		uint64_t budget = s->slice_left;
		if (m->debug) {
			uint64_t lim = m->debug->before_run(m->debug, t);
			if (m->stop_signal)
				continue; /* the debugger ended the run */
			if (lim && lim < budget)
				budget = lim;
		}
		if (m->cfg.max_insns) {
			if (c->insns >= m->cfg.max_insns) {
				m->insn_limit_hit = true;
				fprintf(stderr, "vmlab: stopped after %llu instructions (--max-insns)\n",
					(unsigned long long)c->insns);
				kill_the_rest(m, SIGXCPU);
				break;
			}
			if (m->cfg.max_insns - c->insns < budget)
				budget = m->cfg.max_insns - c->insns;
		}
		/* --dump-state=insn=N: the CPU stops at exactly N */
		if (m->dump && !m->dump->done && m->dump->when == DUMP_INSN &&
		    m->dump->insn > c->insns && m->dump->insn - c->insns < budget)
			budget = m->dump->insn - c->insns;
		struct task *l = t->group_leader ? t->group_leader : t;
		if (l->it_real_value) {
			/* stop when the real timer is due, to deliver SIGALRM on time */
			uint64_t now = vclock_monotonic_ns(l);
			uint64_t due = l->it_real_value > now ? l->it_real_value - now : 0;
			if (due / VMLAB_NS_PER_INSN + 1 < budget)
				budget = due / VMLAB_NS_PER_INSN + 1;
		}
		budget = itimer_cpu_budget(t, budget);
		struct x86_exception ex;
		memset(&ex, 0, sizeof ex);
		uint64_t before = c->insns;
		vdso_update_data(t); /* exit_to_user_mode: the vDSO's clocks see sleeps too */
		t->restart_code = 0; /* back in user mode: no signal came for it */
		enum cpu_exit e = cpu_run(c, budget, &ex);
		uint64_t ran = c->insns - before;
		t->utime_insns += ran;
		itimer_cpu_account(t);
		s->slice_left -= ran < s->slice_left ? ran : s->slice_left;
		if (m->dump && !m->dump->done && m->dump->when == DUMP_INSN &&
		    c->insns >= m->dump->insn)
			dump_state_write(m, t, "insn", false, 0, 0);
		run_exit(m, t, e, &ex);
		if (m->observer && c->insns >= m->observer->next_sample)
			m->observer->sample(m->observer);
		if (m->km.reclaim && m->km.reclaim->kswapd_wake)
			kswapd_run(&m->km); /* kswapd's turn: at a CPU exit, deterministically */
		if (!t->exited && t->state == TASK_RUNNING && signal_work_pending(t)) {
			if (m->debug)
				debugger_signal(m, t);
			do_signal(t);
		}
		if (t->exited) {
			exit_dump(m, t);
			exit_observed(m, t);
		}
	}
	bool alive = false;
	for (size_t i = 0; i < s->nr; i++)
		alive |= s->tasks[i]->state < EXIT_ZOMBIE;
	if (alive && !m->insn_limit_hit) {
		sched_report_deadlock(s, stderr);
		kill_the_rest(m, SIGKILL);
	}
	struct task *first = s->first;
	if (first->mm)
		m->peak_rss_pages = first->mm->hiwater_rss;
	else if (first->maxrss_pages > m->peak_rss_pages)
		m->peak_rss_pages = first->maxrss_pages;
	return first->exit_code;
}

