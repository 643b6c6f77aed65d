/*
 * Host execution of guest x87 instructions. For every (opcode, ModRM) form a tiny thunk is
 * generated once:
 *
 *	pushfq; pop rax; and rax, ~0x8d5; or rax, rdx; push rax; popfq   guest CF..OF in
 *	fxrstor [rdi]           guest state in
 *	<opcode> <modrm>        the instruction; a memory form addresses [rsi]
 *	fxsave [rdi]            state out
 *	fninit                  the host x87 back to its initial state, nothing pending
 *	pushfq; pop rax; ret    flags out (FCOMI)
 *
 * Why the host never takes SIGFPE although the guest's control word may unmask exceptions:
 * an x87 exception is delivered at the next *waiting* x87 instruction; FXSAVE and FNINIT do
 * not wait, and FNINIT clears the pending exception, so it never survives the thunk. The
 * caller guarantees no exception is pending in the image it passes (it raises the guest's
 * #MF itself instead), so FXRSTOR and the instruction cannot trap either. FXRSTOR also loads
 * MXCSR (set to the host's current value) and the XMM registers, which the x86-64 calling
 * convention lets a called function clobber.
 */
#include "cpu/x87_host.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#if !defined(__x86_64__)
#error "vmlab's x87 runs guest instructions on the host x87: an x86-64 host is required"
#endif

/*
 * Each form has a 64-byte slot: the self-contained thunk above at +0, the resident one
 * (x87_host_step) at +32. Two more slots after the forms hold the enter/leave stubs.
 */
#define THUNK_SIZE 64
#define STEP_OFFSET 32
#define THUNK_COUNT (8 * 256 + 2)
#define ENTER_SLOT (8 * 256)
#define LEAVE_SLOT (8 * 256 + 1)

typedef uint64_t (*x87_thunk_fn)(uint8_t *fx, void *mem, uint64_t flags);

static uint8_t *thunks;
static pthread_once_t thunks_once = PTHREAD_ONCE_INIT;

/* Memory forms use mod=00 rm=110, which in 64-bit mode is [rsi]; register forms as given. */
static unsigned host_modrm(uint8_t modrm)
{
	return (modrm >> 6) == 3 ? modrm : (modrm & 0x38u) | 0x06u;
}

static void emit_thunk(uint8_t *p, uint8_t opcode, uint8_t modrm)
{
	static const uint8_t head[] = {
	    0x9c,				/* pushfq */
	    0x58,				/* pop rax */
	    0x48, 0x25, 0x2a, 0xf7, 0xff, 0xff, /* and rax, ~0x8d5 */
	    0x48, 0x09, 0xd0,			/* or rax, rdx */
	    0x50,				/* push rax */
	    0x9d,				/* popfq */
	    0x0f, 0xae, 0x0f,			/* fxrstor [rdi] */
	};
	static const uint8_t tail[] = {
	    0x0f, 0xae, 0x07, /* fxsave [rdi] */
	    0xdb, 0xe3,	      /* fninit */
	    0x9c,	      /* pushfq */
	    0x58,	      /* pop rax */
	    0xc3,	      /* ret */
	};
	memcpy(p, head, sizeof(head));
	p += sizeof(head);
	*p++ = opcode;
	*p++ = modrm;
	memcpy(p, tail, sizeof(tail));
}

/* FCMOVcc (DA/DB C0-DF) is the only form that reads EFLAGS: only it pays for POPFQ. */
static bool reads_flags(uint8_t opcode, uint8_t modrm)
{
	return (opcode == 0xda || opcode == 0xdb) && modrm >= 0xc0 && modrm < 0xe0;
}

/*
 * The resident form: the guest state is already in the host x87 (x87_host_enter).
 *	[pushfq; pop rax; and rax, ~0x8d5; or rax, rdx; push rax; popfq]   FCMOVcc only
 *	<opcode> <modrm>
 *	pushfq; pop rax; shl eax, 16       flags after it, in bits 16-27 (FCOMI)
 *	fnstsw ax                          the status word (non-waiting) in bits 0-15
 *	ret
 */
static void emit_step(uint8_t *p, uint8_t opcode, uint8_t modrm)
{
	static const uint8_t head[] = {
	    0x9c, 0x58, 0x48, 0x25, 0x2a, 0xf7, 0xff, 0xff, 0x48, 0x09, 0xd0, 0x50, 0x9d,
	};
	static const uint8_t tail[] = {
	    0x9c,	      /* pushfq */
	    0x58,	      /* pop rax */
	    0xc1, 0xe0, 0x10, /* shl eax, 16 */
	    0xdf, 0xe0,	      /* fnstsw ax */
	    0xc3,	      /* ret */
	};
	if (reads_flags(opcode, modrm)) {
		memcpy(p, head, sizeof(head));
		p += sizeof(head);
	}
	*p++ = opcode;
	*p++ = modrm;
	memcpy(p, tail, sizeof(tail));
}

static void build_thunks(void)
{
	size_t len = (size_t)THUNK_SIZE * THUNK_COUNT;
	uint8_t *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		perror("vmlab: x87: mmap for host thunks");
		return;
	}
	memset(m, 0xcc, len); /* int3 in every unused byte */
	for (unsigned op = 0; op < 8; op++)
		for (unsigned modrm = 0; modrm < 256; modrm++)
			if (host_modrm((uint8_t)modrm) == modrm) {
				uint8_t *slot = m + (op * 256 + modrm) * THUNK_SIZE;
				emit_thunk(slot, (uint8_t)(0xd8 + op), (uint8_t)modrm);
				emit_step(slot + STEP_OFFSET, (uint8_t)(0xd8 + op),
					  (uint8_t)modrm);
			}
	static const uint8_t enter[] = {0x0f, 0xae, 0x0f, 0xc3};	     /* fxrstor [rdi]; ret */
	static const uint8_t leave[] = {0x0f, 0xae, 0x07, 0xdb, 0xe3, 0xc3}; /* fxsave; fninit */
	memcpy(m + ENTER_SLOT * THUNK_SIZE, enter, sizeof(enter));
	memcpy(m + LEAVE_SLOT * THUNK_SIZE, leave, sizeof(leave));
	if (mprotect(m, len, PROT_READ | PROT_EXEC) != 0) {
		perror("vmlab: x87: mprotect(PROT_EXEC) for host thunks");
		munmap(m, len);
		return;
	}
	thunks = m;
}

uint8_t *x87_host_image(void)
{
	static _Thread_local uint8_t fx[512] __attribute__((aligned(16)));
	return fx;
}

static x87_thunk_fn thunk_at(size_t off)
{
	x87_thunk_fn fn;
	uint8_t *code = thunks + off;
	memcpy(&fn, &code, sizeof(fn));
	return fn;
}

int x87_host_enter(uint8_t *fx)
{
	pthread_once(&thunks_once, build_thunks);
	if (!thunks)
		return -1;
	uint32_t mxcsr = __builtin_ia32_stmxcsr();
	memcpy(fx + 24, &mxcsr, 4);
	thunk_at((size_t)ENTER_SLOT * THUNK_SIZE)(fx, NULL, 0);
	return 0;
}

void x87_host_leave(uint8_t *fx)
{
	thunk_at((size_t)LEAVE_SLOT * THUNK_SIZE)(fx, NULL, 0);
}

uint32_t x87_host_step(void *mem, uint32_t eflags, uint8_t opcode, uint8_t modrm)
{
	size_t off = ((opcode & 7u) * 256 + host_modrm(modrm)) * THUNK_SIZE + STEP_OFFSET;
	return (uint32_t)thunk_at(off)(NULL, mem, eflags & 0x8d5u);
}

int64_t x87_host_run(uint8_t *fx, void *mem, uint32_t eflags, uint8_t opcode, uint8_t modrm)
{
	pthread_once(&thunks_once, build_thunks);
	if (!thunks)
		return -1;
	/* FXRSTOR loads MXCSR too: keep the host's (its reserved bits must be clear anyway) */
	uint32_t mxcsr = __builtin_ia32_stmxcsr();
	memcpy(fx + 24, &mxcsr, 4);
	x87_thunk_fn fn;
	uint8_t *code = thunks + ((opcode & 7u) * 256 + host_modrm(modrm)) * THUNK_SIZE;
	memcpy(&fn, &code, sizeof(fn));
	uint64_t fl = fn(fx, mem, eflags & 0x8d5u);
	return (int64_t)(fl & 0x8d5u);
}
