/*
 * The host side of the CPU differential tester (built with gcc -m32). Reads struct dc_in
 * records on stdin, runs each case's code on the real processor with the case's registers,
 * flags, x87 state and memory, and writes a struct dc_out per case on stdout: the registers,
 * flags, x87 state (FNSAVE) and pages after the code ran, or the exception it raised (caught
 * as a signal; the state is the one the kernel reports at the fault).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "diffcpu_case.h"

#if !defined(__i386__)
#error "diffcpu_native runs 32-bit code: build it with -m32"
#endif

/*
 * The trampoline's variables live on a page at a fixed address, so the assembly needs no
 * relocations (the helper is a PIE).
 */
#define DC_HARNESS 0x00390000 /* no suffix: it is also an assembler operand */
#define H_IN_BLOCK 0	      /* popal order: edi esi ebp (esp) ebx edx ecx eax, then eflags */
#define H_IN_ESP 36
#define H_CODE_ADDR 40
#define H_HOST_ESP 44
#define H_OUT_BLOCK 48 /* pushal order, then eflags above it */
#define H_OUT_ESP 84
#define H_FPU_IN 128
#define H_FPU_OUT 256
#define H_XMM_IN 512
#define H_MXCSR_IN 640
#define H_XMM_OUT 768
#define H_MXCSR_OUT 896
#define H_MXCSR_HOST 900 /* the helper's own (default) MXCSR, put back after the case */
#define STR_(x) #x
#define STR(x) STR_(x)
#define H(off) STR(DC_HARNESS) "+" STR(off)

void dc_enter(void);
void dc_exit(void);

#define XMM_IO(insn, base)                                                                  \
	"	" insn " " H(base) "+0, %xmm0\n	" insn " " H(base) "+16, %xmm1\n"      \
	"	" insn " " H(base) "+32, %xmm2\n	" insn " " H(base) "+48, %xmm3\n"     \
	"	" insn " " H(base) "+64, %xmm4\n	" insn " " H(base) "+80, %xmm5\n"     \
	"	" insn " " H(base) "+96, %xmm6\n	" insn " " H(base) "+112, %xmm7\n"
#define XMM_OUT(base)                                                                       \
	"	movups %xmm0, " H(base) "+0\n	movups %xmm1, " H(base) "+16\n"              \
	"	movups %xmm2, " H(base) "+32\n	movups %xmm3, " H(base) "+48\n"             \
	"	movups %xmm4, " H(base) "+64\n	movups %xmm5, " H(base) "+80\n"             \
	"	movups %xmm6, " H(base) "+96\n	movups %xmm7, " H(base) "+112\n"

/* clang-format off */
__asm__(".text\n"
	".globl dc_enter\n"
	"dc_enter:\n"
	"	pushal\n"
	"	pushfl\n"
	"	movl %esp, " H(H_HOST_ESP) "\n"
	"	frstor " H(H_FPU_IN) "\n"
	XMM_IO("movups", H_XMM_IN)
	"	ldmxcsr " H(H_MXCSR_IN) "\n"
	"	movl $" H(H_IN_BLOCK) ", %esp\n"
	"	popal\n"
	"	popfl\n"
	"	movl " H(H_IN_ESP) ", %esp\n"
	"	jmp *" H(H_CODE_ADDR) "\n"
	".globl dc_exit\n"
	"dc_exit:\n"
	"	movl %esp, " H(H_OUT_ESP) "\n"
	"	movl $" H(H_OUT_BLOCK) "+36, %esp\n"
	"	pushfl\n"
	"	pushal\n"
	"	fnsave " H(H_FPU_OUT) "\n"
	XMM_OUT(H_XMM_OUT)
	"	stmxcsr " H(H_MXCSR_OUT) "\n"
	"	ldmxcsr " H(H_MXCSR_HOST) "\n"
	"	movl " H(H_HOST_ESP) ", %esp\n"
	"	popfl\n"
	"	popal\n"
	"	ret\n");
/* clang-format on */

static sigjmp_buf fault_jmp;
static volatile sig_atomic_t faulted;
static struct dc_out *cur_out;
static uint8_t *code_page, *data_page, *stack_page, *harness, *low_page;

/*
 * The x87 state at a fault, from the signal frame. The kernel's conversion from the FXSAVE
 * image fills FCS/FDS with the task's CS/DS and drops FOP; the FXSAVE copy that follows
 * (magic 0) has what the processor saved, so the pointers are taken from there.
 */
static void fpstate_to_image(const struct _libc_fpstate *fp, uint8_t img[108])
{
	const uint8_t *raw = (const uint8_t *)fp;
	uint32_t w[7] = {fp->cw | 0xffff0000u,
			 fp->sw | 0xffff0000u,
			 fp->tag | 0xffff0000u,
			 fp->ipoff,
			 fp->cssel,
			 fp->dataoff,
			 fp->datasel | 0xffff0000u};
	uint16_t magic, fop, fcs, fds;
	memcpy(&magic, raw + 110, 2);
	if (magic == 0) {
		memcpy(&fop, raw + 112 + 6, 2);
		memcpy(&fcs, raw + 112 + 12, 2);
		memcpy(&fds, raw + 112 + 20, 2);
		w[4] = fcs | (uint32_t)(fop & 0x7ff) << 16;
		w[6] = fds | 0xffff0000u;
	}
	memcpy(img, w, sizeof(w));
	for (int i = 0; i < 8; i++)
		memcpy(img + 28 + 10 * i, &fp->_st[i], 10);
}

static void on_fault(int sig, siginfo_t *si, void *ctx)
{
	(void)si;
	ucontext_t *uc = ctx;
	greg_t *g = uc->uc_mcontext.gregs;
	struct dc_out *o = cur_out;
	if (sig == SIGALRM) {
		o->vector = DC_TIMEOUT; /* the case did not finish */
	} else {
		o->vector = (uint32_t)g[REG_TRAPNO];
		o->err = (uint32_t)g[REG_ERR];
	}
	o->eip = (uint32_t)g[REG_EIP];
	static const int map[8] = {REG_EAX, REG_ECX, REG_EDX, REG_EBX,
				   REG_ESP, REG_EBP, REG_ESI, REG_EDI};
	for (int i = 0; i < 8; i++)
		o->regs[i] = (uint32_t)g[map[i]];
	o->eflags = (uint32_t)g[REG_EFL];
	if (uc->uc_mcontext.fpregs) {
		fpstate_to_image(uc->uc_mcontext.fpregs, o->fpu);
		/* the FXSAVE image after the FNSAVE-format part (magic 0: it is there) */
		const uint8_t *raw = (const uint8_t *)uc->uc_mcontext.fpregs;
		uint16_t magic;
		memcpy(&magic, raw + 110, 2);
		if (magic == 0) {
			memcpy(&o->mxcsr, raw + 112 + 24, 4);
			memcpy(o->xmm, raw + 112 + 160, sizeof(o->xmm));
		}
	}
	faulted = 1;
	siglongjmp(fault_jmp, 1);
}

static void *map_at(uint32_t addr, int prot)
{
	void *p = mmap((void *)(uintptr_t)addr, DC_PAGE, prot,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED || p != (void *)(uintptr_t)addr) {
		fprintf(stderr, "diffcpu_native: cannot map a page at %#x\n", addr);
		exit(2);
	}
	return p;
}

static void run_case(const struct dc_in *in, struct dc_out *out)
{
	memset(out, 0, sizeof(*out));
	out->magic = DC_MAGIC_OUT;
	out->id = in->id;
	out->vector = DC_NO_EXCEPTION;
	cur_out = out;

	uint32_t len = in->code_len > DC_CODE_MAX ? DC_CODE_MAX : in->code_len;
	uint32_t off = in->code_off < DC_PAGE ? in->code_off : 0;
	memset(code_page, 0xcc, DC_PAGE);
	memcpy(code_page + off, in->code, len <= DC_PAGE - off ? len : DC_PAGE - off);
	if (off + len + 5 <= DC_PAGE) { /* jmp dc_exit */
		code_page[off + len] = 0xe9;
		uint32_t rel = (uint32_t)(uintptr_t)dc_exit - (DC_CODE + off + len + 5);
		memcpy(code_page + off + len + 1, &rel, 4);
	}
	memcpy(data_page, in->data, DC_PAGE);
	memcpy(stack_page, in->stack, DC_PAGE);
	if (low_page)
		memcpy(low_page, in->low, DC_PAGE);

	if (in->use_fpu) {
		memcpy(harness + H_FPU_IN, in->fpu, 108);
	} else {
		/* the FNINIT state with zeroed registers (FNINIT itself leaves them stale) */
		static const uint32_t init[7] = {0xffff037fu, 0xffff0000u, 0xffffffffu, 0,
						 0,	      0,	   0xffff0000u};
		memset(harness + H_FPU_IN, 0, 108);
		memcpy(harness + H_FPU_IN, init, sizeof(init));
	}
	/* popal order: edi esi ebp esp ebx edx ecx eax */
	const uint32_t *r = in->regs;
	uint32_t blk[9] = {
	    r[7], r[6], r[5], r[4], r[3], r[2], r[1], r[0], (in->eflags & DC_FLAGS) | 0x202u};
	memcpy(harness + H_IN_BLOCK, blk, sizeof(blk));
	uint32_t code_addr = DC_CODE + off;
	memcpy(harness + H_XMM_IN, in->xmm, sizeof(in->xmm));
	memcpy(harness + H_MXCSR_IN, &in->mxcsr, 4);
	uint32_t host_mxcsr = 0x1f80;
	memcpy(harness + H_MXCSR_HOST, &host_mxcsr, 4);
	memcpy(harness + H_IN_ESP, &r[4], 4);
	memcpy(harness + H_CODE_ADDR, &code_addr, 4);

	faulted = 0;
	alarm(5);
	if (sigsetjmp(fault_jmp, 1) == 0) {
		dc_enter();
		out->eip = DC_CODE + off + len;
		uint32_t b[9]; /* edi esi ebp esp ebx edx ecx eax eflags */
		memcpy(b, harness + H_OUT_BLOCK, sizeof(b));
		uint32_t regs[8] = {b[7], b[6], b[5], b[4], b[3], b[2], b[1], b[0]};
		memcpy(out->regs, regs, sizeof(regs));
		memcpy(&out->regs[4], harness + H_OUT_ESP, 4);
		out->eflags = b[8];
		memcpy(out->fpu, harness + H_FPU_OUT, 108);
		memcpy(out->xmm, harness + H_XMM_OUT, sizeof(out->xmm));
		memcpy(&out->mxcsr, harness + H_MXCSR_OUT, 4);
	}
	alarm(0);
	__asm__ volatile("fninit");
	memcpy(out->data, data_page, DC_PAGE);
	memcpy(out->stack, stack_page, DC_PAGE);
	if (low_page)
		memcpy(out->low, low_page, DC_PAGE);
	out->low_mapped = low_page != NULL;
	uint16_t s[6];
	__asm__ volatile("movw %%es, %0\n\tmovw %%cs, %1\n\tmovw %%ss, %2\n\t"
			 "movw %%ds, %3\n\tmovw %%fs, %4\n\tmovw %%gs, %5"
			 : "=m"(s[0]), "=m"(s[1]), "=m"(s[2]), "=m"(s[3]), "=m"(s[4]), "=m"(s[5]));
	memcpy(out->sregs, s, sizeof(s));
	/* glibc keeps the thread pointer (the GS base) at %gs:0 */
	__asm__ volatile("movl %%gs:0, %0" : "=r"(out->gs_base));
}

static int read_full(void *buf, size_t n)
{
	uint8_t *p = buf;
	while (n) {
		ssize_t k = read(0, p, n);
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int write_full(const void *buf, size_t n)
{
	const uint8_t *p = buf;
	while (n) {
		ssize_t k = write(1, p, n);
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int main(void)
{
	static uint8_t altstack[65536];
	stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack)};
	sigaltstack(&ss, NULL);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGALRM};
	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);

	code_page = map_at(DC_CODE, PROT_READ | PROT_WRITE | PROT_EXEC);
	data_page = map_at(DC_DATA, PROT_READ | PROT_WRITE);
	stack_page = map_at(DC_STACK, PROT_READ | PROT_WRITE);
	harness = map_at(DC_HARNESS, PROT_READ | PROT_WRITE);
	low_page = mmap((void *)(uintptr_t)DC_LOW, DC_PAGE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (low_page != (void *)(uintptr_t)DC_LOW)
		low_page = NULL; /* 16-bit address forms are then not tested */

	static struct dc_in in;
	static struct dc_out out;
	while (read_full(&in, sizeof(in)) == 0) {
		if (in.magic != DC_MAGIC_IN) {
			fprintf(stderr, "diffcpu_native: bad record (magic %#x)\n", in.magic);
			return 2;
		}
		run_case(&in, &out);
		if (write_full(&out, sizeof(out)))
			return 2;
	}
	return 0;
}
