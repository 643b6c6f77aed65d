/*
 * The i386 signal frames exactly as Linux 6.1 lays them out on the user stack
 * (arch/x86/include/asm/sigframe.h, uapi/asm/sigcontext.h, uapi/asm-generic/ucontext.h),
 * so a handler that inspects its ucontext, or a debugger, sees what it expects.
 */
#ifndef VMLAB_KERNEL_SIGNAL_FRAME_H
#define VMLAB_KERNEL_SIGNAL_FRAME_H
#include <stddef.h>
#include <stdint.h>

#include "kernel/signal.h"

/* struct sigcontext (32-bit): 88 bytes. */
struct sigcontext_i386 {
	uint16_t gs, gsh, fs, fsh, es, esh, ds, dsh;
	uint32_t edi, esi, ebp, esp, ebx, edx, ecx, eax;
	uint32_t trapno, err, eip;
	uint16_t cs, csh;
	uint32_t eflags, esp_at_signal;
	uint16_t ss, ssh;
	uint32_t fpstate; /* guest pointer to the FPU state below the frame */
	uint32_t oldmask;
	uint32_t cr2;
};

/* struct _fpstate_32: 624 bytes. In the legacy sigframe it is only a placeholder that
 * keeps extramask at its historic offset; the live FPU state sits below the frame. */
struct fpstate_i386 {
	uint8_t fsave[108]; /* cw, sw, tag, ipoff, cssel, dataoff, datasel, _st[8] */
	uint16_t status, magic;
	uint8_t fxsr_and_xmm[512];
};

/* What a CPU without FXSR saves: struct fregs_state, the FNSAVE image plus status. */
struct fregs_state_i386 {
	uint8_t fsave[108];
	uint32_t status; /* the status word at the time of the signal */
};

struct stack_i386 {
	uint32_t ss_sp;
	int32_t ss_flags;
	uint32_t ss_size;
};

struct ucontext_i386 {
	uint32_t uc_flags;
	uint32_t uc_link;
	struct stack_i386 uc_stack;
	struct sigcontext_i386 uc_mcontext;
	uint32_t uc_sigmask[2];
};

struct sigframe_i386 {
	uint32_t pretcode;
	int32_t sig;
	struct sigcontext_i386 sc;
	struct fpstate_i386 fpstate_unused;
	uint32_t extramask[1];
	uint8_t retcode[8];
};

struct rt_sigframe_i386 {
	uint32_t pretcode;
	int32_t sig;
	uint32_t pinfo;
	uint32_t puc;
	struct siginfo_i386 info;
	struct ucontext_i386 uc;
	uint8_t retcode[8];
};

_Static_assert(sizeof(struct sigcontext_i386) == 88, "sigcontext");
_Static_assert(sizeof(struct fpstate_i386) == 624, "_fpstate_32");
_Static_assert(sizeof(struct fregs_state_i386) == 112, "fregs_state");
_Static_assert(sizeof(struct siginfo_i386) == 128, "siginfo");
_Static_assert(sizeof(struct ucontext_i386) == 116, "ucontext");
_Static_assert(sizeof(struct sigframe_i386) == 732, "sigframe");
_Static_assert(sizeof(struct rt_sigframe_i386) == 268, "rt_sigframe");
_Static_assert(offsetof(struct sigframe_i386, extramask) == 720, "extramask");
_Static_assert(offsetof(struct rt_sigframe_i386, uc) == 144, "uc");

/* Where setup_frame would place a frame of frame_size bytes for a signal whose handler
 * runs on a stack whose current top is sp: the FPU state goes first (64-byte aligned),
 * then the frame, aligned so that (frame + 4) is 16-byte aligned, as after a call.
 * Returns the frame address and stores the FPU state address. */
uint32_t sigframe_place(uint32_t sp, uint32_t frame_size, uint32_t *fpstate);

/* The retcode bytes Linux writes (popl %eax; movl $__NR_sigreturn,%eax; int $0x80 and
 * movl $__NR_rt_sigreturn,%eax; int $0x80): still part of the ABI, though glibc uses
 * SA_RESTORER. */
void sigframe_retcode(uint8_t out[8], int rt);

/* sigaltstack's ss_flags (i386 values) and the smallest alternate stack it accepts. */
#define SS_ONSTACK_ 1
#define SS_DISABLE_ 2
#define SS_AUTODISARM_ (1u << 31)
#define MINSIGSTKSZ_ 2048

/* Whether sp is on the task's alternate signal stack. */
bool on_sig_stack(const struct signal_struct *s, uint32_t sp);
/* do_sigaltstack: makes (ss_sp, ss_flags, ss_size) the alternate stack of a task running at
 * sp. 0; -EPERM while on the current one, -EINVAL for a bad mode, -ENOMEM when too small.
 * sigaltstack and rt_sigreturn (restore_altstack) both set it this way. */
int do_sigaltstack(struct task *t, uint32_t ss_sp, uint32_t ss_flags, uint32_t ss_size,
		   uint32_t sp);
/* The ss_flags sigaltstack reports for a task at sp. */
uint32_t sas_ss_flags(const struct signal_struct *s, uint32_t sp);

/* Builds the frame for sig on the guest stack and points the CPU at the handler; 0, or
 * -EFAULT when the frame cannot be written (the caller then forces SIGSEGV). */
int setup_rt_or_legacy_frame(struct task *t, int sig, const struct k_sigaction *ka,
			     const struct siginfo_i386 *info, uint64_t saved_mask);
#endif
