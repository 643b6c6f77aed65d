/*
 * What vmlab's one-line report of a fatal signal says beyond the signal's name.
 */
#ifndef VMLAB_KERNEL_SIGNAL_REPORT_H
#define VMLAB_KERNEL_SIGNAL_REPORT_H
#include <stddef.h>
#include <stdint.h>

struct task;
struct siginfo_i386;

/* "eip 0x08049d2c <main+0x2c>": the symbol when the file mapped at eip has a symbol table. */
void signal_report_eip(struct task *t, uint32_t eip, char *buf, size_t n);
/* For a CPU fault: "; write, error code 0x6, si_code 1 SEGV_MAPERR[, stack limit reached],
 * eip ..." (read/write/exec from a page fault's error code; "trap N" for other traps). */
void signal_report_fault(struct task *t, int sig, const struct siginfo_i386 *info, char *buf,
			 size_t n);
#endif
