/*
 * The i386 processor: registers, flags, the x87, and the interpreter loop. It touches memory
 * only through the MMU and hands exceptions and INT 0x80 up to whoever runs it (the kernel).
 */
#ifndef VMLAB_CPU_CPU_H
#define VMLAB_CPU_CPU_H
#include "cpu/sse.h"
#include "cpu/x87.h"
#include "hw/mmu.h"

enum { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI };

#define EFL_CF (1u << 0)
#define EFL_PF (1u << 2)
#define EFL_AF (1u << 4)
#define EFL_ZF (1u << 6)
#define EFL_SF (1u << 7)
#define EFL_TF (1u << 8)
#define EFL_IF (1u << 9)
#define EFL_DF (1u << 10)
#define EFL_OF (1u << 11)
#define EFL_ID (1u << 21)
#define EFL_AC (1u << 18)

enum cpu_exit {
	CPU_EXIT_LIMIT,     /* the instruction budget ran out */
	CPU_EXIT_EXCEPTION, /* *ex holds it; eip is the faulting instruction, state unchanged
			     * (a trap, the #DB of ICEBP: eip is past the instruction) */
	CPU_EXIT_SYSCALL,   /* INT 0x80 executed; eip is past it */
	CPU_EXIT_INT,       /* another INT n (n in ex->vector); eip is past it */
	CPU_EXIT_HLT,       /* HLT (privileged: user mode gets #GP instead) */
};

struct cpu_internal; /* the interpreter's private state (decode cache, lazy flags, ...) */

/*
 * Whose processor is modelled where the SDM and APM leave a result undefined (flags after
 * MUL, DIV, shifts, BCD, BSF/BSR; SHLD/SHRD past the operand size; PUSH Sreg's upper bytes;
 * the x87's last-instruction selector and opcode), and what CPUID reports. docs/vendors.md.
 */
enum cpu_vendor {
	CPU_VENDOR_INTEL, /* the default: runs are the same on every host */
	CPU_VENDOR_AMD,	  /* "amd": AMD family 19h (Zen 4) and 1Ah (Zen 5) */
	/* "amd-zen3": AMD family 19h's Zen 3 cores, which differ from the later ones in BSF and
	 * BSR alone (their flags but ZF unchanged); family 17h is assumed to do the same */
	CPU_VENDOR_AMD_ZEN3,
};

/* Either AMD model: everything but BSF/BSR's flags is the same in both. */
static inline bool cpu_vendor_is_amd(enum cpu_vendor v)
{
	return v == CPU_VENDOR_AMD || v == CPU_VENDOR_AMD_ZEN3;
}

struct cpu {
	uint32_t regs[8];
	uint32_t eip;
	struct x87_state fpu;
	struct sse_state sse; /* XMM0-7, MXCSR */
	struct mmu *mmu;
	struct counters *ctr;
	uint64_t insns;        /* instructions retired: the virtual clock */
	bool tlb_fetch_model;  /* count an I-TLB lookup per fetched block (see docs/cpu.md) */
	bool jit;              /* run blocks as compiled host code (docs/jit.md); on where the
				* host can (x86-64), off: interpret */
	/* a block is compiled at its Nth execution (1: the first); code that runs once or
	 * twice, as most of a program's start does, costs less interpreted than compiled */
	unsigned jit_threshold;
	enum cpu_vendor vendor; /* set before the first cpu_run, never after */
	uint8_t exit_insn_len; /* after CPU_EXIT_SYSCALL/INT: length of the INT instruction,
				* prefixes included (eip - exit_insn_len is its address) */
	struct cpu_internal *in;
};

int cpu_init(struct cpu *c, struct mmu *m, struct counters *ctr);
void cpu_destroy(struct cpu *c);
/* Architectural EFLAGS (materialises lazily computed flags). */
uint32_t cpu_get_eflags(struct cpu *c);
void cpu_set_eflags(struct cpu *c, uint32_t v);
/* Runs until an exit; at most max_insns instructions. */
enum cpu_exit cpu_run(struct cpu *c, uint64_t max_insns, struct x86_exception *ex);
/* The vendor of the processor vmlab runs on (Intel where it cannot tell), and a vendor's
 * name ("intel", "amd", "amd-zen3") from and to a string; cpu_vendor_parse returns -1 for
 * others. */
enum cpu_vendor cpu_vendor_of_host(void);
int cpu_vendor_parse(const char *s);
const char *cpu_vendor_name(enum cpu_vendor v);
/* The 512-byte FXSAVE image of the x87 and SSE state as the modelled processor writes it
 * (bytes 0-287; 288-511 are left alone, as FXSAVE leaves them), and FXRSTOR's reading of
 * one (bytes 0-287): -1 when MXCSR has a reserved bit set, unless sanitize (as Linux's
 * sigreturn does) clears them instead. */
void cpu_fxsave_image(struct cpu *c, uint8_t fx[512]);
int cpu_fxrstor_image(struct cpu *c, const uint8_t fx[512], bool sanitize);

/* Forgets decoded instructions (all, or one physical frame). */
void cpu_flush_decoded(struct cpu *c);

/* Memory access for helpers of the interpreter (x87, string ops): segment:offset with the
 * current CPL; 0 or -1 with *ex. */
int cpu_mem_read(struct cpu *c, enum sreg sr, uint32_t off, void *buf, unsigned size,
		 struct x86_exception *ex);
int cpu_mem_write(struct cpu *c, enum sreg sr, uint32_t off, const void *buf, unsigned size,
		  struct x86_exception *ex);
/* Instructions retired before the one executing (c->insns between instructions): the
 * interpreter adds a block's count at its end, so inside a block the position in it counts
 * too, as RDTSC does; compiled code brings c->insns up to date around its calls into C. */
uint64_t cpu_insns_now(const struct cpu *c);
/* Blocks the block compiler declined because it lost a deferred register store
 * (jit_regs_lost: a compiler bug the interpreter hides); test tools require none. */
unsigned long cpu_jit_regs_lost(const struct cpu *c);
#endif
