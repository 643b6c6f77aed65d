/*
 * The details of vmlab's one-line report of a fatal fault (signal.c prints the line): the
 * access and error code of the exception, the si_code, the instruction and its symbol, and
 * whether the stack could not grow because of RLIMIT_STACK. Everything here runs once, when
 * the process dies, so it may read the executable's symbol table.
 */
#include "kernel/signal_report.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cpu/cpu.h"
#include "hw/x86.h"
#include "kernel/elf_sym.h"
#include "kernel/ktrace.h"
#include "kernel/mm/filemap.h"
#include "kernel/mm/mmap.h"
#include "kernel/signal.h"
#include "kernel/task.h"

void signal_report_eip(struct task *t, uint32_t eip, char *buf, size_t n)
{
	int k = snprintf(buf, n, "eip 0x%08x", eip);
	if (k < 0 || (size_t)k >= n || !t->mm)
		return;
	const struct vm_area_struct *v = vma_lookup(t->mm, eip);
	if (!v || !v->vm_file)
		return;
	char sym[256];
	uint64_t off = (uint64_t)(eip - v->vm_start) + ((uint64_t)v->vm_pgoff << 12);
	if (!elf_sym_describe(vm_file_host_fd(v->vm_file), off, sym, sizeof sym))
		snprintf(buf + k, n - (size_t)k, " <%s>", sym);
}

void signal_report_fault(struct task *t, int sig, const struct siginfo_i386 *info, char *buf,
			 size_t n)
{
	const struct signal_struct *s = t->signal;
	uint32_t eip = t->cpu ? t->cpu->eip : 0, addr = info->u[0];
	int k;
	if (s->trap_nr == X86_PF) {
		/* without NX the error code cannot say "fetch": a fault at eip itself is one */
		const char *access = (s->error_code & PF_I) || addr == eip ? "exec"
				     : s->error_code & PF_W		   ? "write"
									   : "read";
		k = snprintf(buf, n, "; %s, error code %#x", access, s->error_code);
	} else {
		k = snprintf(buf, n, "; trap %u, error code %#x", s->trap_nr, s->error_code);
	}
	if (k < 0 || (size_t)k >= n)
		return;
	const char *code = si_code_name(sig, info->si_code);
	k += snprintf(buf + k, n - (size_t)k, ", si_code %d%s%s", info->si_code, code ? " " : "",
		      code ? code : "");
	if ((size_t)k >= n)
		return;
	if (sig == SIGSEGV && s->trap_nr == X86_PF && t->mm &&
	    stack_growth_over_rlimit(t->mm, addr))
		k += snprintf(buf + k, n - (size_t)k, ", stack limit reached");
	if ((size_t)k + 2 >= n)
		return;
	buf[k++] = ',';
	buf[k++] = ' ';
	signal_report_eip(t, eip, buf + k, n - (size_t)k);
}
