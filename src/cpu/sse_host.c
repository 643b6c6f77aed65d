/*
 * Host execution of guest SSE, SSE2 and MMX instructions. Each form (prefix, opcode, ModRM,
 * immediate) gets a thunk, generated once, into executable memory:
 *
 *	stmxcsr [rsp-16]          the host's MXCSR, restored at the end
 *	ldmxcsr [rdi+36]          the guest's (exceptions masked by the caller)
 *	movdqu xmm0, [rdi]        destination
 *	movdqu xmm1, [rdi+16]     source
 *	mov ecx, [rdi+32]         a general-register source
 *	xor eax, eax
 *	[movq mm0, [rdi]; movq mm1, [rdi+16]]           MMX forms
 *	<prefix> 0F <op> <modrm> [imm8]                 the instruction, register form
 *	movdqu [rdi], xmm0  (or movq [rdi], mm0)
 *	mov [rdi+32], eax         a general-register result
 *	stmxcsr [rdi+36]          flags raised
 *	pushfq; pop qword [rdi+40]                      COMISS/UCOMISS
 *	ldmxcsr [rsp-16]
 *	[emms]
 *	ret
 *
 * The host never takes SIGFPE: the caller runs every instruction with all MXCSR exceptions
 * masked and raises the guest's #XM itself from the flags. x87/MMX state is caller-saved in
 * the x86-64 ABI as far as the tag word goes (EMMS leaves it empty, as a called function
 * must), and MXCSR's control bits are put back before returning.
 */
#include "cpu/sse_host.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#if !defined(__x86_64__)
#error "vmlab's SSE runs guest instructions on the host: an x86-64 host is required"
#endif

#define THUNK_SIZE 64
#define CODE_SIZE (1u << 20) /* 16384 forms: far more than exist */
#define SLOTS (1u << 15)

typedef void (*sse_thunk_fn)(struct sse_io *io);

static uint8_t *code;
static unsigned code_used;
static bool code_failed;
static pthread_mutex_t gen_lock = PTHREAD_MUTEX_INITIALIZER;
/* form key + 1 (0: empty) and the thunk's offset in code; published key last */
static uint32_t slot_key[SLOTS];
static uint32_t slot_off[SLOTS];

static unsigned emit(uint8_t *p, uint8_t prefix, uint8_t op, uint8_t modrm, bool has_imm,
		     uint8_t imm, enum sse_host_regs regs)
{
	static const uint8_t head[] = {
	    0x0f, 0xae, 0x5c, 0x24, 0xf0, /* stmxcsr [rsp-16] */
	    0x0f, 0xae, 0x57, 0x24,	  /* ldmxcsr [rdi+36] */
	    0xf3, 0x0f, 0x6f, 0x07,	  /* movdqu xmm0, [rdi] */
	    0xf3, 0x0f, 0x6f, 0x4f, 0x10, /* movdqu xmm1, [rdi+16] */
	    0x8b, 0x4f, 0x20,		  /* mov ecx, [rdi+32] */
	    0x31, 0xc0,			  /* xor eax, eax */
	};
	static const uint8_t mm_in[] = {
	    0x0f, 0x6f, 0x07,	    /* movq mm0, [rdi] */
	    0x0f, 0x6f, 0x4f, 0x10, /* movq mm1, [rdi+16] */
	};
	static const uint8_t out_xmm[] = {0xf3, 0x0f, 0x7f, 0x07}; /* movdqu [rdi], xmm0 */
	static const uint8_t out_mm[] = {0x0f, 0x7f, 0x07};	   /* movq [rdi], mm0 */
	static const uint8_t tail[] = {
	    0x89, 0x47, 0x20,		  /* mov [rdi+32], eax */
	    0x0f, 0xae, 0x5f, 0x24,	  /* stmxcsr [rdi+36] */
	    0x9c, 0x8f, 0x47, 0x28,	  /* pushfq; pop qword [rdi+40] */
	    0x0f, 0xae, 0x54, 0x24, 0xf0, /* ldmxcsr [rsp-16] */
	};
	unsigned n = 0;
	memcpy(p + n, head, sizeof(head));
	n += sizeof(head);
	if (regs != SSE_HOST_XMM) {
		memcpy(p + n, mm_in, sizeof(mm_in));
		n += sizeof(mm_in);
	}
	if (prefix)
		p[n++] = prefix;
	p[n++] = 0x0f;
	p[n++] = op;
	p[n++] = modrm;
	if (has_imm)
		p[n++] = imm;
	if (regs == SSE_HOST_MM_OUT) {
		memcpy(p + n, out_mm, sizeof(out_mm));
		n += sizeof(out_mm);
	} else {
		memcpy(p + n, out_xmm, sizeof(out_xmm));
		n += sizeof(out_xmm);
	}
	memcpy(p + n, tail, sizeof(tail));
	n += sizeof(tail);
	if (regs != SSE_HOST_XMM) {
		p[n++] = 0x0f; /* emms */
		p[n++] = 0x77;
	}
	p[n++] = 0xc3; /* ret */
	return n;
}

static uint32_t form_key(uint8_t prefix, uint8_t op, uint8_t modrm, bool has_imm, uint8_t imm,
			 enum sse_host_regs regs)
{
	unsigned pfx = prefix == 0x66 ? 1 : prefix == 0xf3 ? 2 : prefix == 0xf2 ? 3 : 0;
	return (uint32_t)pfx << 27 | (uint32_t)regs << 25 | (uint32_t)has_imm << 24 |
	       (uint32_t)op << 16 | (uint32_t)modrm << 8 | imm;
}

static unsigned slot_of(uint32_t key)
{
	return (key * 2654435761u) >> 17; /* 15 bits */
}

/* The thunk's offset, generating it first if needed; -1 without executable memory. */
static long thunk_for(uint32_t key, uint8_t prefix, uint8_t op, uint8_t modrm, bool has_imm,
		      uint8_t imm, enum sse_host_regs regs)
{
	unsigned s = slot_of(key);
	for (;;) {
		uint32_t k = __atomic_load_n(&slot_key[s], __ATOMIC_ACQUIRE);
		if (k == key + 1)
			return slot_off[s];
		if (k == 0)
			break;
		s = (s + 1) & (SLOTS - 1);
	}
	long r = -1;
	pthread_mutex_lock(&gen_lock);
	if (!code && !code_failed) {
		void *m = mmap(NULL, CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED) {
			perror("vmlab: sse: mmap(PROT_EXEC) for host thunks");
			code_failed = true;
		} else {
			code = m;
		}
	}
	if (code) {
		/* look again under the lock: another thread may have made it meanwhile */
		s = slot_of(key);
		while (slot_key[s] != 0 && slot_key[s] != key + 1)
			s = (s + 1) & (SLOTS - 1);
		if (slot_key[s] == key + 1) {
			r = slot_off[s];
		} else if (code_used + THUNK_SIZE <= CODE_SIZE) {
			memset(code + code_used, 0xcc, THUNK_SIZE);
			emit(code + code_used, prefix, op, modrm, has_imm, imm, regs);
			slot_off[s] = code_used;
			r = code_used;
			code_used += THUNK_SIZE;
			__atomic_store_n(&slot_key[s], key + 1, __ATOMIC_RELEASE);
		}
	}
	pthread_mutex_unlock(&gen_lock);
	return r;
}

int sse_host_run(struct sse_io *io, uint8_t prefix, uint8_t op, uint8_t modrm, bool has_imm,
		 uint8_t imm, enum sse_host_regs regs)
{
	uint32_t key = form_key(prefix, op, modrm, has_imm, imm, regs);
	long off = thunk_for(key, prefix, op, modrm, has_imm, imm, regs);
	if (off < 0)
		return -1;
	sse_thunk_fn fn;
	uint8_t *p = code + off;
	memcpy(&fn, &p, sizeof(fn));
	fn(io);
	return 0;
}
