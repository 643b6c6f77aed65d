/*
 * Signal frames on the guest stack and sigreturn (arch/x86/kernel/signal.c: get_sigframe,
 * __setup_frame, __setup_rt_frame, restore_sigcontext; fpu/signal.c for the FPU part).
 *
 * The FPU state is saved as an FXSR CPU's is on i386 (vmlab's CPUID reports FXSR and SSE):
 * the fregs_state header (the FNSAVE-format image, the status word, magic 0) followed by the
 * 512-byte FXSAVE image (64-byte aligned) with its software-reserved bytes; the handler
 * then starts with a freshly initialised FPU and SSE state, and sigreturn restores the x87
 * from the header and MXCSR and the XMM registers from the FXSAVE image.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "cpu/cpu.h"
#include "kernel/exec.h"
#include "kernel/mm/mmap.h"
#include "kernel/signal.h"
#include "kernel/signal_frame.h"
#include "kernel/task.h"
#include "kernel/uaccess.h"

#define USER_CS 0x73
#define USER_DS 0x7b
#define NR_sigreturn 119
#define NR_rt_sigreturn 173
#define SA_SIGINFO_ 0x00000004u
#define SA_RESTORER_ 0x04000000u
#define SA_ONSTACK_ 0x08000000u
/* The EFLAGS bits sigreturn may change (FIX_EFLAGS): AC OF DF TF SF ZF AF PF CF RF. */
#define FIX_EFLAGS 0x00050dd5u

#define FXSAVE_SIZE 512u
#define FPX_SW_MAGIC1 0x46505853u /* FP_XSTATE_MAGIC1 */
#define FPX_SW_MAGIC2_SIZE 4u /* FP_XSTATE_MAGIC2_SIZE */

uint32_t sigframe_place(uint32_t sp, uint32_t frame_size, uint32_t *fpstate)
{
	/* fpu__alloc_mathframe with FXSR: the FXSAVE image 64-byte aligned, the fregs_state
	 * header right below it */
	sp = ((sp - FXSAVE_SIZE) & ~63u) - (uint32_t)sizeof(struct fregs_state_i386);
	*fpstate = sp;
	/* align_sigframe (32-bit): ((sp + 4) & -16) - 4 */
	return ((sp - frame_size + 4) & ~15u) - 4;
}

void sigframe_retcode(uint8_t out[8], int rt)
{
	memset(out, 0, 8);
	if (rt) { /* movl $173, %eax; int $0x80; (pad) */
		out[0] = 0xb8;
		out[1] = NR_rt_sigreturn;
		out[5] = 0xcd;
		out[6] = 0x80;
	} else { /* popl %eax; movl $119, %eax; int $0x80 */
		out[0] = 0x58;
		out[1] = 0xb8;
		out[2] = NR_sigreturn;
		out[6] = 0xcd;
		out[7] = 0x80;
	}
}

bool on_sig_stack(const struct signal_struct *s, uint32_t sp)
{
	return sp > s->sas_ss_sp && sp - s->sas_ss_sp <= s->sas_ss_size;
}

uint32_t sas_ss_flags(const struct signal_struct *s, uint32_t sp)
{
	if (!s->sas_ss_size)
		return SS_DISABLE_;
	return on_sig_stack(s, sp) ? SS_ONSTACK_ : 0;
}

int do_sigaltstack(struct task *t, uint32_t ss_sp, uint32_t ss_flags, uint32_t ss_size,
		   uint32_t sp)
{
	struct signal_struct *s = t->signal;
	if (on_sig_stack(s, sp))
		return -EPERM;
	uint32_t mode = ss_flags & ~SS_AUTODISARM_;
	if (mode != SS_DISABLE_ && mode != SS_ONSTACK_ && mode != 0)
		return -EINVAL;
	if (mode == SS_DISABLE_) {
		ss_sp = 0;
		ss_size = 0;
	} else if (ss_size < MINSIGSTKSZ_) {
		return -ENOMEM;
	}
	s->sas_ss_sp = ss_sp;
	s->sas_ss_size = ss_size;
	s->sas_ss_flags = ss_flags & SS_AUTODISARM_;
	return 0;
}

static uint16_t sel(struct task *t, enum sreg r)
{
	return t->mmu->seg.sr[r].selector;
}

static void fill_sigcontext(struct task *t, struct sigcontext_i386 *sc, uint32_t fpstate,
			    uint32_t mask0)
{
	const struct cpu *c = t->cpu;
	const struct signal_struct *s = t->signal;
	memset(sc, 0, sizeof(*sc));
	sc->gs = sel(t, SR_GS);
	sc->fs = sel(t, SR_FS);
	sc->es = sel(t, SR_ES);
	sc->ds = sel(t, SR_DS);
	sc->edi = c->regs[R_EDI];
	sc->esi = c->regs[R_ESI];
	sc->ebp = c->regs[R_EBP];
	sc->esp = c->regs[R_ESP];
	sc->ebx = c->regs[R_EBX];
	sc->edx = c->regs[R_EDX];
	sc->ecx = c->regs[R_ECX];
	sc->eax = c->regs[R_EAX];
	sc->trapno = s->trap_nr;
	sc->err = s->error_code;
	sc->eip = c->eip;
	sc->cs = sel(t, SR_CS);
	sc->eflags = cpu_get_eflags(t->cpu);
	sc->esp_at_signal = c->regs[R_ESP];
	sc->ss = sel(t, SR_SS);
	sc->fpstate = fpstate;
	sc->oldmask = mask0;
	sc->cr2 = s->cr2;
}

static int save_fpu(struct task *t, uint32_t fpstate)
{
	struct cpu *c = t->cpu;
	struct fregs_state_i386 fr;
	uint8_t fx[FXSAVE_SIZE];
	x87_save_image(&c->fpu, fr.fsave);
	fr.status = c->fpu.sw; /* save_fsave_header: swd, then magic X86_FXSR_MAGIC (0) */
	cpu_fxsave_image(c, fx);
	/* save_xstate_epilog: the software-reserved bytes (464-511) FXSAVE leaves alone */
	struct {
		uint32_t magic1, extended_size;
		uint64_t xfeatures;
		uint32_t xstate_size, padding[7];
	} sw = {FPX_SW_MAGIC1,
		FXSAVE_SIZE + FPX_SW_MAGIC2_SIZE + (uint32_t)sizeof(struct fregs_state_i386),
		3 /* x87 and SSE */, FXSAVE_SIZE, {0}};
	_Static_assert(sizeof(sw) == 48, "_fpx_sw_bytes");
	uint32_t buf_fx = fpstate + (uint32_t)sizeof(fr);
	/* bytes 288-463 of the image are not written: FXSAVE does not store them */
	if (copy_to_user(t, fpstate, &fr, sizeof(fr)) || copy_to_user(t, buf_fx, fx, 288) ||
	    copy_to_user(t, buf_fx + 464, &sw, sizeof(sw)))
		return -EFAULT;
	/* fpu__clear_user_states: the handler gets a clean FPU, MXCSR and XMM registers */
	x87_init(&c->fpu);
	sse_init(&c->sse);
	return 0;
}

/* Points the CPU at the handler with the user segments Linux loads for it. */
static int enter_handler(struct task *t, uint32_t frame, uint32_t handler)
{
	struct x86_exception ex;
	struct cpu *c = t->cpu;
	if (mmu_load_seg(t->mmu, SR_DS, USER_DS, &ex) || mmu_load_seg(t->mmu, SR_ES, USER_DS, &ex) ||
	    mmu_load_seg(t->mmu, SR_SS, USER_DS, &ex) || mmu_load_seg(t->mmu, SR_CS, USER_CS, &ex))
		return -EFAULT;
	c->regs[R_ESP] = frame;
	c->eip = handler;
	cpu_set_eflags(c, cpu_get_eflags(c) & ~(EFL_DF | EFL_TF | (1u << 16) /* RF */));
	return 0;
}

int setup_rt_or_legacy_frame(struct task *t, int sig, const struct k_sigaction *ka,
			     const struct siginfo_i386 *info, uint64_t saved_mask)
{
	struct signal_struct *s = t->signal;
	struct cpu *c = t->cpu;
	bool rt = ka->flags & SA_SIGINFO_;
	uint32_t sp = c->regs[R_ESP];
	bool entering_altstack = false;
	bool nested_altstack = on_sig_stack(s, sp) && (s->sas_ss_flags & SS_AUTODISARM_);
	if ((ka->flags & SA_ONSTACK_) && sas_ss_flags(s, sp) == 0) {
		sp = s->sas_ss_sp + s->sas_ss_size;
		entering_altstack = true;
	}
	uint32_t fpstate;
	uint32_t size = rt ? sizeof(struct rt_sigframe_i386) : sizeof(struct sigframe_i386);
	uint32_t frame = sigframe_place(sp, size, &fpstate);
	/* Overflowing the alternate stack must not scribble below it: Linux fails the frame. */
	if ((entering_altstack || nested_altstack) && !on_sig_stack(s, frame))
		return -EFAULT;
	uint32_t onstack_flags = sas_ss_flags(s, c->regs[R_ESP]);
	uint32_t ss_sp = s->sas_ss_sp, ss_size = s->sas_ss_size, ss_fl = s->sas_ss_flags;
	if (save_fpu(t, fpstate))
		return -EFAULT;
	/* Linux's choice: the handler's SA_RESTORER, else the vDSO trampoline, else the retcode
	 * in the frame (kept there for debuggers and old programs, as Linux does). */
	uint32_t restorer;
	if (ka->flags & SA_RESTORER_)
		restorer = ka->restorer;
	else if (t->mm && t->mm->vdso_base)
		restorer = t->mm->vdso_base + (rt ? VDSO_KERNEL_RT_SIGRETURN : VDSO_KERNEL_SIGRETURN);
	else
		restorer = frame + (uint32_t)(rt ? offsetof(struct rt_sigframe_i386, retcode)
						 : offsetof(struct sigframe_i386, retcode));
	if (rt) {
		struct rt_sigframe_i386 f;
		memset(&f, 0, sizeof(f));
		f.pretcode = restorer;
		f.sig = sig;
		f.pinfo = frame + (uint32_t)offsetof(struct rt_sigframe_i386, info);
		f.puc = frame + (uint32_t)offsetof(struct rt_sigframe_i386, uc);
		f.info = *info;
		f.uc.uc_flags = 0; /* no UC_FP_XSTATE: FXSR without XSAVE */
		f.uc.uc_stack.ss_sp = ss_sp;
		f.uc.uc_stack.ss_flags = (int32_t)(onstack_flags | ss_fl);
		f.uc.uc_stack.ss_size = ss_size;
		fill_sigcontext(t, &f.uc.uc_mcontext, fpstate, (uint32_t)saved_mask);
		f.uc.uc_sigmask[0] = (uint32_t)saved_mask;
		f.uc.uc_sigmask[1] = (uint32_t)(saved_mask >> 32);
		sigframe_retcode(f.retcode, 1);
		if (copy_to_user(t, frame, &f, sizeof(f)))
			return -EFAULT;
		c->regs[R_EAX] = (uint32_t)sig;
		c->regs[R_EDX] = f.pinfo;
		c->regs[R_ECX] = f.puc;
	} else {
		struct sigframe_i386 f;
		memset(&f, 0, sizeof(f));
		f.pretcode = restorer;
		f.sig = sig;
		fill_sigcontext(t, &f.sc, fpstate, (uint32_t)saved_mask);
		f.extramask[0] = (uint32_t)(saved_mask >> 32);
		sigframe_retcode(f.retcode, 0);
		if (copy_to_user(t, frame, &f, sizeof(f)))
			return -EFAULT;
		c->regs[R_EAX] = (uint32_t)sig;
		c->regs[R_EDX] = 0;
		c->regs[R_ECX] = 0;
	}
	if (enter_handler(t, frame, ka->handler))
		return -EFAULT;
	if (entering_altstack && (s->sas_ss_flags & SS_AUTODISARM_)) {
		s->sas_ss_sp = 0;
		s->sas_ss_size = 0;
	}
	return 0;
}

/* restore_sigcontext: registers, segments, the changeable flags and the FPU. A segment
 * the program broke makes the return fail, which Linux turns into SIGSEGV. */
static int restore_sigcontext(struct task *t, const struct sigcontext_i386 *sc)
{
	struct cpu *c = t->cpu;
	struct x86_exception ex;
	const uint16_t segs[] = {[SR_ES] = sc->es, [SR_CS] = sc->cs | 3, [SR_SS] = sc->ss | 3,
				 [SR_DS] = sc->ds, [SR_FS] = sc->fs, [SR_GS] = sc->gs};
	for (int r = 0; r < SR_COUNT; r++)
		if (mmu_load_seg(t->mmu, (enum sreg)r, segs[r], &ex))
			return -EFAULT;
	c->regs[R_EDI] = sc->edi;
	c->regs[R_ESI] = sc->esi;
	c->regs[R_EBP] = sc->ebp;
	c->regs[R_ESP] = sc->esp;
	c->regs[R_EBX] = sc->ebx;
	c->regs[R_EDX] = sc->edx;
	c->regs[R_ECX] = sc->ecx;
	c->regs[R_EAX] = sc->eax;
	c->eip = sc->eip;
	cpu_set_eflags(c, (cpu_get_eflags(c) & ~FIX_EFLAGS) | (sc->eflags & FIX_EFLAGS));
	if (sc->fpstate) {
		/* __fpu_restore_sig for an ia32 FXSR frame: MXCSR (reserved bits cleared) and the
		 * XMM registers from the FXSAVE image, the x87 from the fregs_state header */
		struct fregs_state_i386 fr;
		uint8_t fx[FXSAVE_SIZE];
		if (copy_from_user(t, &fr, sc->fpstate, sizeof(fr)) ||
		    copy_from_user(t, fx, sc->fpstate + (uint32_t)sizeof(fr), 288))
			return -EFAULT;
		cpu_fxrstor_image(c, fx, true);
		x87_restore_image(&c->fpu, fr.fsave);
	} else {
		x87_init(&c->fpu); /* fpu__clear_user_states */
		sse_init(&c->sse);
	}
	return 0;
}

static void set_blocked(struct task *t, uint64_t mask)
{
	set_current_blocked(t, mask);
}

static long bad_frame(struct task *t)
{
	/* signal_fault + force_sig(SIGSEGV): si_code SI_KERNEL, catchable */
	force_sig_bad_frame(t);
	return (long)(int32_t)t->cpu->regs[R_EAX];
}

long sys_sigreturn(struct task *t, const uint32_t *a)
{
	(void)a;
	/* The handler's ret popped pretcode and the retcode's popl took sig. */
	uint32_t frame = t->cpu->regs[R_ESP] - 8;
	struct sigframe_i386 f;
	if (copy_from_user(t, &f, frame, sizeof(f)))
		return bad_frame(t);
	set_blocked(t, (uint64_t)f.sc.oldmask | (uint64_t)f.extramask[0] << 32);
	if (restore_sigcontext(t, &f.sc))
		return bad_frame(t);
	return (long)(int32_t)t->cpu->regs[R_EAX];
}

long sys_rt_sigreturn(struct task *t, const uint32_t *a)
{
	(void)a;
	uint32_t frame = t->cpu->regs[R_ESP] - 4;
	struct rt_sigframe_i386 f;
	if (copy_from_user(t, &f, frame, sizeof(f)))
		return bad_frame(t);
	set_blocked(t, (uint64_t)f.uc.uc_sigmask[0] | (uint64_t)f.uc.uc_sigmask[1] << 32);
	if (restore_sigcontext(t, &f.uc.uc_mcontext))
		return bad_frame(t);
	/* restore_altstack: a failure here is ignored, as in Linux (it only reports) */
	const struct stack_i386 *st = &f.uc.uc_stack;
	do_sigaltstack(t, st->ss_sp, (uint32_t)st->ss_flags, st->ss_size, t->cpu->regs[R_ESP]);
	return (long)(int32_t)t->cpu->regs[R_EAX];
}
