/*
 * The registers a signal handler sees when the fault comes right after register-only code,
 * whose stores to the guest's registers compiled blocks may defer (docs/jit.md, "guest
 * registers in host registers"): the ucontext of SIGSEGV (a load, and a store with ESP just
 * moved: the frame must go below the new ESP), SIGFPE (DIV by a register just computed),
 * SIGTRAP and SIGILL (INT3, UD2), and SIGUSR1 from a kill whose arguments were just
 * computed; each handler fixes the cause and returns, and the code goes on. Then code whose
 * deferred registers other instructions read: 8/16-bit parts (AL, AH, AX), XCHG, CMPXCHG and
 * XADD with registers and memory, REP MOVSB, x87 and SSE addressing, and a store into the
 * code's own next instructions. Every case runs 24 times before the one that faults, so
 * that vmlab (default threshold) runs it compiled, and prints the registers it ends with.
 */
#include "guestutil.h"

/* The registers a case starts and ends with: EAX ECX EDX EBX ESI EDI EBP, ESP relative to
 * its value after the case's prologue, EFLAGS. */
struct io {
	uint32_t eax, ecx, edx, ebx, esi, edi, ebp, espd, flags;
};
uint32_t entry_esp;
struct io *cur_io;
uint32_t cell[16];

/* The prologue loads the registers and the arithmetic flags from *io (cdecl argument), the
 * epilogue stores them back (ESP as an offset) and returns. */
#define PRO(name)                                                                                  \
	".text\n.globl " #name "\n" #name ":\n"                                                    \
	"push %ebp\n push %ebx\n push %esi\n push %edi\n"                                          \
	"mov %esp, entry_esp\n mov 20(%esp), %ebp\n mov %ebp, cur_io\n"                            \
	"pushl 32(%ebp)\n popf\n"                                                                  \
	"mov 0(%ebp), %eax\n mov 4(%ebp), %ecx\n mov 8(%ebp), %edx\n mov 12(%ebp), %ebx\n"         \
	"mov 16(%ebp), %esi\n mov 20(%ebp), %edi\n mov 24(%ebp), %ebp\n"
#define EPI                                                                                        \
	"pushf\n push %ebp\n mov cur_io, %ebp\n"                                                   \
	"mov %eax, 0(%ebp)\n mov %ecx, 4(%ebp)\n mov %edx, 8(%ebp)\n mov %ebx, 12(%ebp)\n"         \
	"mov %esi, 16(%ebp)\n mov %edi, 20(%ebp)\n pop %eax\n mov %eax, 24(%ebp)\n"                \
	"pop %eax\n mov %eax, 32(%ebp)\n lea 0(%esp), %eax\n sub entry_esp, %eax\n"                \
	"mov %eax, 28(%ebp)\n mov entry_esp, %esp\n"                                               \
	"pop %edi\n pop %esi\n pop %ebx\n pop %ebp\n ret\n"

void c_load(struct io *);
void c_store(struct io *);
void c_div(struct io *);
void c_traps(struct io *);
void c_kill(struct io *);
void c_partial(struct io *);
void c_xchg(struct io *);
void c_strfpu(struct io *);
extern char c_load_f[], c_store_f[], c_div_f[], c_traps_f1[], c_traps_f2[], c_kill_f[];
#define NLAB 6
static const char *const labels[NLAB] = {"load", "store", "div", "int3", "ud2", "kill"};
static char *const label_at[NLAB] = {c_load_f,	 c_store_f,  c_div_f,
				     c_traps_f1, c_traps_f2, c_kill_f};

/* SIGSEGV on a load through EDX (0 in the faulting run), after register work whose
 * results are still to be stored */
__asm__(PRO(c_load) "mov %eax, %ebx\n add %ecx, %ebx\n xor %esi, %edi\n"
		    "lea 0x10(%ebx,%esi,2), %esi\n ror $7, %edi\n shl $3, %ecx\n"
		    "add %edi, %eax\n neg %ebx\n xchg %eax, %ebp\n sub $0x1234, %ecx\n"
		    "c_load_f: mov (%edx), %edx\n add %edx, %eax\n mov $0, %edx\n" EPI);
/* SIGSEGV on a store to 0x10, with ESP moved just before: the signal frame must not reach
 * the word stored 8 bytes below the old ESP, which EBP reads back at the end */
__asm__(PRO(c_store) "movl $0x5e5e5e5e, -8(%esp)\n sub $64, %esp\n lea -12(%esp), %esp\n"
		     "add $4, %esp\n mov %esi, %eax\n inc %eax\n adc %ebx, %ecx\n"
		     "c_store_f: mov %eax, 0x10(%edx)\n mov 64(%esp), %ebp\n mov $0, %edx\n" EPI);
/* SIGFPE: DIV by ECX = ESI & EDI (0 in the faulting run) */
__asm__(PRO(c_div) "mov %esi, %ecx\n and %edi, %ecx\n mov %ebx, %eax\n mov $0, %edx\n"
		   "lea 0x100000(%edx,%ebx), %edx\n shr $20, %edx\n sub $3, %eax\n"
		   "c_div_f: div %ecx\n add $1, %eax\n" EPI);
/* INT3 (SIGTRAP, EIP after it) and UD2 (SIGILL, the handler skips it) */
__asm__(PRO(c_traps) "add %ebx, %eax\n mov %eax, %edx\n rol $5, %edx\n add $9, %edx\n"
		     "xchg %esi, %edi\n c_traps_f1: int3\n sub %eax, %ecx\n not %ecx\n"
		     "mov %ecx, %ebx\n dec %ebx\n c_traps_f2: ud2\n add $1, %ebx\n" EPI);
/* kill(EBX = the pid, ECX = SIGUSR1) with the arguments just computed; the handler runs
 * on the way back (EAX = 0) */
__asm__(PRO(c_kill) "mov %esi, %ebx\n mov %edi, %ecx\n add $10, %ecx\n mov $37, %eax\n"
		    "c_kill_f: int $0x80\n add %ecx, %eax\n mov $0, %ebx\n" EPI);
/* 8/16-bit parts of registers with stores to come: MOV AL/AH, SETcc into a register just
 * written, a 16-bit ADD, XCHG of byte registers, MOVZX of AH, ADC/SBB after them */
__asm__(PRO(c_partial) "add %ebx, %eax\n mov %al, %ah\n mov %ecx, %edx\n inc %edx\n"
		       "setz %dl\n movzbl %dh, %esi\n add $0x7f, %edx\n mov %dx, %di\n"
		       "add %ecx, %ebx\n xchg %bl, %bh\n lea 3(%ebx), %ecx\n add %cx, %ax\n"
		       "mov %eax, %ebp\n sub %esi, %ebp\n movb $0x5a, %bh\n cmp %ebp, %ecx\n"
		       "setb %cl\n adc %edi, %ebx\n sbb $5, %eax\n" EPI);
/* CMPXCHG and XADD, of registers and memory (EDX points at cell), with EAX just written;
 * XCHG with memory */
__asm__(
    PRO(c_xchg) "mov %ebx, %eax\n add $1, %eax\n cmpxchg %ecx, (%edx)\n setz %bl\n"
		"mov %esi, %eax\n cmpxchg %edi, 4(%edx)\n setz %bh\n xadd %esi, %edi\n"
		"xadd %eax, 8(%edx)\n mov %edi, %ecx\n cmpxchg %esi, %ecx\n xchg %ecx, 12(%edx)\n"
		"xchg %eax, %esi\n lea 1(%eax,%esi), %ebp\n mov $0, %edx\n" EPI);
/* REP MOVSB with ESI, EDI and ECX just computed; FILD/FISTP and MOVDQU/MOVD through a base
 * just computed; FNSTSW AX over a register with a store to come (EDX points at cell) */
__asm__(PRO(c_strfpu) "mov %edx, %esi\n lea 32(%edx), %edi\n mov %ebx, %ecx\n and $15, %ecx\n"
		      "cld\n rep movsb\n lea 4(%edx), %esi\n fildl (%esi)\n add $8, %esi\n"
		      "fistpl 48(%esi)\n mov %ecx, %eax\n add $0x11111111, %eax\n fnstsw %ax\n"
		      "and $0xffff3a00, %eax\n"
		      "lea 16(%edx), %esi\n movdqu (%esi), %xmm0\n movd %xmm0, %ebx\n"
		      "add %eax, %ebx\n mov 60(%edx), %ebp\n sub %edx, %esi\n sub %edx, %edi\n"
		      "mov $0, %edx\n" EPI);

#define NSNAP 4
struct snap {
	int sig, code;
	long addr;
	const char *label;
	long eip;
	struct io r;
};
static struct snap snaps[NSNAP];
static volatile int nsnap;
static int fix_reg = -1;
static uint32_t fix_val;

static void handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	struct snap dummy, *s = nsnap < NSNAP ? &snaps[nsnap++] : &dummy;
	s->sig = sig;
	s->code = si->si_code;
	s->addr = sig == SIGSEGV ? (long)si->si_addr : 0;
	uint32_t eip = (uint32_t)g[REG_EIP];
	s->label = "?";
	s->eip = 0;
	for (int k = 0; k < NLAB; k++)
		if (eip - (uint32_t)(uintptr_t)label_at[k] < 16) {
			s->label = labels[k];
			s->eip = (long)(eip - (uint32_t)(uintptr_t)label_at[k]);
		}
	s->r = (struct io){(uint32_t)g[REG_EAX], (uint32_t)g[REG_ECX],
			   (uint32_t)g[REG_EDX], (uint32_t)g[REG_EBX],
			   (uint32_t)g[REG_ESI], (uint32_t)g[REG_EDI],
			   (uint32_t)g[REG_EBP], (uint32_t)g[REG_ESP] - entry_esp,
			   (uint32_t)g[REG_EFL]};
	if (sig == SIGILL)
		g[REG_EIP] += 2; /* past the UD2 */
	if (fix_reg >= 0)
		g[fix_reg] = (greg_t)fix_val;
}

static uint32_t pid;

/* The arithmetic flags but AF (undefined after some of the operations) */
#define FLAGS 0x8c5

/* a register's value, or "pid" (which differs between runs) */
static const char *val(uint32_t v)
{
	static char buf[8][12];
	static int i;
	i = (i + 1) & 7;
	snprintf(buf[i], sizeof buf[i], v == pid ? "pid" : "%08x", v);
	return buf[i];
}

static void print_io(const char *what, const struct io *r)
{
	printf("  %s: eax=%s ecx=%s edx=%s ebx=%s esi=%s edi=%s ebp=%s esp%s flags=%03x\n", what,
	       val(r->eax), val(r->ecx), val(r->edx), val(r->ebx), val(r->esi), val(r->edi),
	       val(r->ebp), offs((long)(int32_t)r->espd), r->flags & FLAGS);
}

static void run(const char *name, void (*fn)(struct io *), struct io in, int faulting_reg,
		uint32_t fault_val, int fix, uint32_t fixed)
{
	printf("%s:\n", name);
	struct io first = {0};
	int stable = 1;
	for (int k = 0; k < 24; k++) {
		struct io r = in;
		nsnap = 0;
		memcpy(cell,
		       (uint32_t[]){0x01020304, 0x1234, 0xfff0, 0x77, 100, 0x89abcdef, 7, 8, 9, 10,
				    11, 12, 13, 14, 15, 16},
		       sizeof cell);
		fn(&r);
		if (k == 0)
			first = r;
		else if (memcmp(&first, &r, sizeof r))
			stable = 0;
	}
	print_io("result", &first);
	printf("  cells: %08x %08x %08x %08x %08x %08x %08x\n", cell[0], cell[1], cell[2], cell[3],
	       cell[8], cell[9], cell[15]);
	if (!stable)
		printf("  results differ between runs\n");
	if (faulting_reg < 0 && nsnap == 0)
		return;
	nsnap = 0;
	struct io r = in;
	memcpy(cell, (uint32_t[]){0x01020304, 0x1234, 0xfff0, 0x77, 100}, 5 * sizeof cell[0]);
	if (faulting_reg >= 0)
		((uint32_t *)&r)[faulting_reg] = fault_val;
	fix_reg = fix;
	fix_val = fixed;
	fn(&r);
	fix_reg = -1;
	for (int k = 0; k < nsnap; k++) {
		const struct snap *s = &snaps[k];
		printf("  %s %s", signame(s->sig), sicodename(s->sig, s->code));
		if (s->sig == SIGSEGV)
			printf(" addr=%#lx", (unsigned long)s->addr);
		printf(" at %s%s\n", s->label, offs(s->eip));
		print_io("handler", &s->r);
	}
	print_io("after", &r);
}

/* A function in a writable, executable page that stores into its own next instruction
 * right after register work: mov %ecx,%eax; add $5,%eax; mov %eax,%ebx; xor %eax,%ebx;
 * movb $0x42, 15(%edx) (the imm8 of the next ADD); add $7,%ebx; lea 1(%ebx,%eax),%eax; ret */
static void smc(void)
{
	static const unsigned char code[] = {0x89, 0xc8, 0x83, 0xc0, 0x05, 0x89, 0xc3,
					     0x31, 0xc3, 0xc6, 0x42, 0x0f, 0x42, 0x83,
					     0xc3, 0x07, 0x8d, 0x44, 0x03, 0x01, 0xc3};
	unsigned char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		printf("smc: mmap %s\n", errname(errno));
		return;
	}
	memcpy(p, code, sizeof code);
	printf("store into the next instruction:\n");
	for (int k = 0; k < 30; k++) {
		uint32_t a, b;
		__asm__ volatile("call *%%edx"
				 : "=a"(a), "=b"(b)
				 : "c"(0x100 + k), "d"(p)
				 : "memory", "cc");
		if (k % 10 == 0 || k == 29)
			printf("  run %d: eax=%08x ebx=%08x imm=%#x\n", k, a, b, p[15]);
		p[15] = 7;
	}
}

int main(void)
{
	guest_init();
	pid = (uint32_t)getpid();
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGTRAP, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	uint32_t ok = (uint32_t)(uintptr_t)&cell[4];

	run("SIGSEGV on a load", c_load,
	    (struct io){0x11111111, 0x22222222, ok, 0x44444444, 0x55555555, 0x66666666, 0x77777777,
			0, 0x202},
	    2, 0, REG_EDX, ok);
	run("SIGSEGV on a store, ESP just moved", c_store,
	    (struct io){0x1000, 0xfffffff0, (uint32_t)(uintptr_t)cell, 0x20, 0x7fffffff, 0, 0, 0,
			0x203},
	    2, 0, REG_EDX, (uint32_t)(uintptr_t)cell);
	run("SIGFPE on DIV", c_div, (struct io){0, 0, 0, 0x123456, 0xf0f0, 0x0ff0, 0x99, 0, 0x202},
	    5, 0x0f0f, REG_ECX, 3);
	run("INT3 and UD2", c_traps,
	    (struct io){0x8000, 0x1234, 0, 0x7ffff000, 0xaaaa, 0xbbbb, 0xcc, 0, 0x202}, 0, 0x8000,
	    -1, 0);
	run("SIGUSR1 from kill", c_kill, (struct io){0, 0, 0, 0, pid, 0, 0x31, 0, 0x202}, 0, 0, -1,
	    0);
	run("partial registers", c_partial,
	    (struct io){0x12345678, 0x0000ffff, 0x80, 0x00ff00ff, 0, 0, 0, 0, 0x203}, -1, 0, -1, 0);
	run("cmpxchg, xadd, xchg", c_xchg,
	    (struct io){0, 0xcafe, (uint32_t)(uintptr_t)cell, 0x01020303, 0x1234, 0xbeef, 0, 0,
			0x202},
	    -1, 0, -1, 0);
	run("rep movsb, x87, sse", c_strfpu,
	    (struct io){0, 0, (uint32_t)(uintptr_t)cell, 0x2b, 0, 0, 0, 0, 0x202}, -1, 0, -1, 0);
	smc();
	return 0;
}
