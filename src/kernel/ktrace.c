/* The kernel's events: strace-style system calls, VMA changes, faults, signals (ktrace.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "hw/paging.h"
#include "kernel/ktrace.h"
#include "kernel/mm/memory.h"
#include "kernel/mm/mmap.h"
#include "kernel/signal.h"
#include "kernel/syscalls/syscall.h"

/* ---- a growing line ---- */

struct sbuf {
	char s[2048];
	size_t n;
};

static void sb_add(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(struct sbuf *b, const char *fmt, ...)
{
	if (b->n >= sizeof b->s - 1)
		return;
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(b->s + b->n, sizeof b->s - b->n, fmt, ap);
	va_end(ap);
	if (r > 0)
		b->n += (size_t)r < sizeof b->s - b->n ? (size_t)r : sizeof b->s - 1 - b->n;
}

/* ---- guest memory, read without faulting and without touching TLB or A/D bits ---- */

static size_t peek(struct task *t, uint32_t addr, void *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		uint32_t lin = addr + (uint32_t)done;
		struct walk_result res;
		struct x86_exception ex;
		if (paging_walk(t->pm, &t->mmu->regs, lin, ACC_READ, false, false, &res, &ex))
			break;
		size_t in_page = PAGE_SIZE - (lin & (PAGE_SIZE - 1));
		size_t k = n - done < in_page ? n - done : in_page;
		physmem_read_buf(t->pm, res.pa, (char *)buf + done, k);
		done += k;
	}
	return done;
}

#define STR_MAX 32 /* strace's default -s */

/* A quoted string as strace shows it: escapes, at most STR_MAX bytes, "..." after. With
 * len < 0 a NUL-terminated string, else len bytes. Unreadable: the address. */
static void sb_str(struct sbuf *b, struct task *t, uint32_t addr, long len)
{
	if (!addr) {
		sb_add(b, "NULL");
		return;
	}
	unsigned char tmp[STR_MAX + 1];
	size_t want = len < 0 ? STR_MAX + 1 : (size_t)len > STR_MAX ? STR_MAX : (size_t)len;
	size_t got = peek(t, addr, tmp, want);
	size_t n = got;
	bool more = len >= 0 && (size_t)len > STR_MAX;
	if (len < 0) {
		void *z = memchr(tmp, 0, got);
		if (z)
			n = (size_t)((unsigned char *)z - tmp);
		else if (got == want)
			n = STR_MAX, more = true;
		else {
			sb_add(b, "%#x", addr);
			return;
		}
	} else if (got < want) {
		sb_add(b, "%#x", addr);
		return;
	}
	sb_add(b, "\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = tmp[i];
		switch (c) {
		case '\n': sb_add(b, "\\n"); break;
		case '\t': sb_add(b, "\\t"); break;
		case '\r': sb_add(b, "\\r"); break;
		case '"': sb_add(b, "\\\""); break;
		case '\\': sb_add(b, "\\\\"); break;
		default:
			if (c < 0x20 || c >= 0x7f)
				sb_add(b, "\\%o", c);
			else
				sb_add(b, "%c", c);
		}
	}
	sb_add(b, "\"%s", more ? "..." : "");
}

/* ---- flags ---- */

struct flag {
	uint32_t bit;
	const char *name;
};

static void sb_flags(struct sbuf *b, uint32_t v, const struct flag *f, size_t n)
{
	bool any = false;
	for (size_t i = 0; i < n; i++) {
		if ((v & f[i].bit) == f[i].bit) {
			sb_add(b, "%s%s", any ? "|" : "", f[i].name);
			v &= ~f[i].bit;
			any = true;
		}
	}
	if (v || !any)
		sb_add(b, "%s%#x", any ? "|" : "", v);
}

#define NFLAGS(a) (sizeof(a) / sizeof((a)[0]))

static const struct flag open_flags[] = {
    /* in strace's order */
    {0100, "O_CREAT"},	      {0200, "O_EXCL"},		{0400, "O_NOCTTY"},
    {01000, "O_TRUNC"},	      {02000, "O_APPEND"},	{04000, "O_NONBLOCK"},
    {010000, "O_DSYNC"},      {020000, "O_ASYNC"},	{040000, "O_DIRECT"},
    {0100000, "O_LARGEFILE"}, {01000000, "O_NOATIME"},	{02000000, "O_CLOEXEC"},
    {010000000, "O_PATH"},    {0200000, "O_DIRECTORY"}, {0400000, "O_NOFOLLOW"},
};
static const struct flag prot_flags[] = {
    {1, "PROT_READ"},
    {2, "PROT_WRITE"},
    {4, "PROT_EXEC"},
    {0x01000000, "PROT_GROWSDOWN"},
    {0x02000000, "PROT_GROWSUP"},
};
static const struct flag map_flags[] = {
    {0x10, "MAP_FIXED"},       {0x20, "MAP_ANONYMOUS"},	   {0x100, "MAP_GROWSDOWN"},
    {0x800, "MAP_DENYWRITE"},  {0x1000, "MAP_EXECUTABLE"}, {0x2000, "MAP_LOCKED"},
    {0x4000, "MAP_NORESERVE"}, {0x8000, "MAP_POPULATE"},   {0x10000, "MAP_NONBLOCK"},
    {0x20000, "MAP_STACK"},    {0x40000, "MAP_HUGETLB"},   {0x100000, "MAP_FIXED_NOREPLACE"},
};

static void sb_open_flags(struct sbuf *b, uint32_t v)
{
	static const char *const acc[] = {"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"};
	sb_add(b, "%s", acc[v & 3]);
	v &= ~3u;
	if (v) {
		sb_add(b, "|");
		sb_flags(b, v, open_flags, NFLAGS(open_flags));
	}
}

static void sb_map_flags(struct sbuf *b, uint32_t v)
{
	static const char *const type[] = {"0", "MAP_SHARED", "MAP_PRIVATE", "MAP_SHARED_VALIDATE"};
	sb_add(b, "%s", type[v & 3]);
	v &= ~3u;
	if (v) {
		sb_add(b, "|");
		sb_flags(b, v, map_flags, NFLAGS(map_flags));
	}
}

static void sb_prot(struct sbuf *b, uint32_t v)
{
	if (!v)
		sb_add(b, "PROT_NONE");
	else
		sb_flags(b, v, prot_flags, NFLAGS(prot_flags));
}

static void sb_sig(struct sbuf *b, uint32_t s)
{
	const char *n = s && s <= 64 ? signal_name((int)s) : NULL;
	if (n && strncmp(n, "SIG", 3) == 0)
		sb_add(b, "%s", n);
	else
		sb_add(b, "%u", s);
}

/* a signal set as strace prints it: [USR1 RT_8], or ~[...] when most signals are in it */
static void sb_sigset(struct sbuf *b, struct task *t, uint32_t addr)
{
	uint64_t set;
	if (!addr) {
		sb_add(b, "NULL");
		return;
	}
	if (peek(t, addr, &set, sizeof set) != sizeof set) {
		sb_add(b, "%#x", addr);
		return;
	}
	bool inv = __builtin_popcountll(set) > 32;
	if (inv)
		set = ~set;
	sb_add(b, "%s[", inv ? "~" : "");
	bool first = true;
	for (int sig = 1; sig <= 64; sig++) {
		if (!(set >> (sig - 1) & 1))
			continue;
		sb_add(b, "%s", first ? "" : " ");
		first = false;
		if (sig == 32)
			sb_add(b, "RTMIN");
		else if (sig > 32)
			sb_add(b, "RT_%d", sig - 32);
		else
			sb_add(b, "%s", signal_name(sig) + 3);
	}
	sb_add(b, "]");
}

/* the i386 kernel's struct sigaction: handler, flags, restorer, mask */
static void sb_sigaction(struct sbuf *b, struct task *t, uint32_t addr)
{
	static const struct flag sa_flags[] = {
	    {1, "SA_NOCLDSTOP"},	  {2, "SA_NOCLDWAIT"},	      {0x04000000, "SA_RESTORER"},
	    {0x08000000, "SA_ONSTACK"},	  {0x10000000, "SA_RESTART"}, {0x40000000, "SA_NODEFER"},
	    {0x80000000, "SA_RESETHAND"}, {4, "SA_SIGINFO"},
	};
	uint32_t sa[3];
	if (!addr) {
		sb_add(b, "NULL");
		return;
	}
	if (peek(t, addr, sa, sizeof sa) != sizeof sa) {
		sb_add(b, "%#x", addr);
		return;
	}
	sb_add(b, "{sa_handler=");
	if (sa[0] <= 1)
		sb_add(b, "%s", sa[0] ? "SIG_IGN" : "SIG_DFL");
	else
		sb_add(b, "%#x", sa[0]);
	sb_add(b, ", sa_mask=");
	sb_sigset(b, t, addr + 12);
	sb_add(b, ", sa_flags=");
	if (sa[1])
		sb_flags(b, sa[1], sa_flags, NFLAGS(sa_flags));
	else
		sb_add(b, "0");
	if (sa[1] & 0x04000000)
		sb_add(b, ", sa_restorer=%#x", sa[2]);
	sb_add(b, "}");
}

/* ---- the decoders: one letter per argument ----
 * d int, u unsigned, x hex, p pointer (NULL or hex), f fd, F dirfd (AT_FDCWD), s path,
 * B buffer written (length: next argument), R buffer read (shown after the call, the
 * result's length), o open flags, m mode (octal), P prot, M mmap flags, S signal,
 * O mmap2's page offset shown in bytes, W lseek's whence, H sigprocmask's how, K a signal
 * set, A a struct sigaction, r an RLIMIT_, C a clock id, G getrandom's flags, I an ioctl
 * request, T statx's AT_ flags, X statx's mask */
struct decoder {
	const char *name, *args;
	char result; /* 'd' number, 'x' address */
};

static const struct decoder decoders[] = {
    {"exit", "d", 'd'},
    {"read", "fRu", 'd'},
    {"write", "fBu", 'd'},
    {"open", "som", 'd'},
    {"close", "f", 'd'},
    {"creat", "sm", 'd'},
    {"unlink", "s", 'd'},
    {"chdir", "s", 'd'},
    {"time", "p", 'd'},
    {"lseek", "fdW", 'd'},
    {"getpid", "", 'd'},
    {"getuid", "", 'd'},
    {"access", "sd", 'd'},
    {"kill", "dS", 'd'},
    {"rename", "ss", 'd'},
    {"mkdir", "sm", 'd'},
    {"rmdir", "s", 'd'},
    {"dup", "f", 'd'},
    {"pipe", "p", 'd'},
    {"brk", "p", 'x'},
    {"ioctl", "fIx", 'd'},
    {"umask", "m", 'd'},
    {"dup2", "ff", 'd'},
    {"getppid", "", 'd'},
    {"readlink", "spu", 'd'},
    {"munmap", "pu", 'd'},
    {"ftruncate", "fu", 'd'},
    {"fsync", "f", 'd'},
    {"mprotect", "puP", 'd'},
    {"uname", "p", 'd'},
    {"_llseek", "fuupW", 'd'},
    {"getdents", "fpu", 'd'},
    {"readv", "fpu", 'd'},
    {"writev", "fpu", 'd'},
    {"msync", "pux", 'd'},
    {"mlock", "pu", 'd'},
    {"munlock", "pu", 'd'},
    {"nanosleep", "pp", 'd'},
    {"mremap", "puuxp", 'x'},
    {"rt_sigreturn", "", 'd'},
    {"sigreturn", "", 'd'},
    {"rt_sigaction", "SAAu", 'd'},
    {"rt_sigprocmask", "HKKu", 'd'},
    {"getcwd", "pu", 'd'},
    {"sigaltstack", "pp", 'd'},
    {"ugetrlimit", "rp", 'd'},
    {"getrlimit", "rp", 'd'},
    {"setrlimit", "rp", 'd'},
    {"mmap2", "puPMfO", 'x'},
    {"stat64", "sp", 'd'},
    {"lstat64", "sp", 'd'},
    {"fstat64", "fp", 'd'},
    {"getuid32", "", 'd'},
    {"getgid32", "", 'd'},
    {"geteuid32", "", 'd'},
    {"getegid32", "", 'd'},
    {"mincore", "pup", 'd'},
    {"madvise", "pud", 'd'},
    {"getdents64", "fpu", 'd'},
    {"fcntl64", "fdx", 'd'},
    {"gettid", "", 'd'},
    {"futex", "pddp", 'd'},
    {"set_thread_area", "p", 'd'},
    {"exit_group", "d", 'd'},
    {"set_tid_address", "p", 'd'},
    {"clock_gettime", "Cp", 'd'},
    {"clock_gettime64", "Cp", 'd'},
    {"tgkill", "ddS", 'd'},
    {"openat", "Fsom", 'd'},
    {"mkdirat", "Fsm", 'd'},
    {"fstatat64", "Fspx", 'd'},
    {"unlinkat", "Fsx", 'd'},
    {"readlinkat", "Fspu", 'd'},
    {"faccessat", "Fsd", 'd'},
    {"set_robust_list", "pu", 'd'},
    {"pipe2", "px", 'd'},
    {"dup3", "ffx", 'd'},
    {"prlimit64", "drpp", 'd'},
    {"getrandom", "puG", 'd'},
    {"statx", "FsTXp", 'd'},
    {"rseq", "pxxx", 'd'},
    {"sysinfo", "p", 'd'},
    {"gettimeofday", "pp", 'd'},
    {"getrusage", "dp", 'd'},
};

static const struct decoder *find_decoder(const char *name)
{
	for (size_t i = 0; i < NFLAGS(decoders); i++)
		if (!strcmp(decoders[i].name, name))
			return &decoders[i];
	return NULL;
}

static void sb_arg(struct sbuf *b, struct task *t, char kind, const uint32_t *a, int i)
{
	uint32_t v = a[i];
	switch (kind) {
	case 'd':
	case 'f': sb_add(b, "%d", (int32_t)v); break;
	case 'F':
		if ((int32_t)v == -100)
			sb_add(b, "AT_FDCWD");
		else
			sb_add(b, "%d", (int32_t)v);
		break;
	case 'u': sb_add(b, "%u", v); break;
	case 'x': sb_add(b, "%#x", v); break;
	case 'p':
		if (v)
			sb_add(b, "%#x", v);
		else
			sb_add(b, "NULL");
		break;
	case 's': sb_str(b, t, v, -1); break;
	case 'B': sb_str(b, t, v, (long)a[i + 1]); break;
	case 'o': sb_open_flags(b, v); break;
	case 'm': sb_add(b, "%#o", v); break;
	case 'P': sb_prot(b, v); break;
	case 'M': sb_map_flags(b, v); break;
	case 'S': sb_sig(b, v); break;
	case 'O': sb_add(b, "%#llx", (unsigned long long)v << 12); break;
	case 'r': {
		static const char *const res[] = {"CPU",      "FSIZE", "DATA",	 "STACK",
						  "CORE",     "RSS",   "NPROC",	 "NOFILE",
						  "MEMLOCK",  "AS",    "LOCKS",	 "SIGPENDING",
						  "MSGQUEUE", "NICE",  "RTPRIO", "RTTIME"};
		if (v < 16)
			sb_add(b, "RLIMIT_%s", res[v]);
		else
			sb_add(b, "%#x /* RLIMIT_??? */", v);
		break;
	}
	case 'C': {
		static const char *const clk[] = {
		    "CLOCK_REALTIME",	       "CLOCK_MONOTONIC",     "CLOCK_PROCESS_CPUTIME_ID",
		    "CLOCK_THREAD_CPUTIME_ID", "CLOCK_MONOTONIC_RAW", "CLOCK_REALTIME_COARSE",
		    "CLOCK_MONOTONIC_COARSE",  "CLOCK_BOOTTIME"};
		if (v < 8)
			sb_add(b, "%s", clk[v]);
		else
			sb_add(b, "%d", (int32_t)v);
		break;
	}
	case 'G': {
		static const struct flag grnd[] = {
		    {1, "GRND_NONBLOCK"}, {2, "GRND_RANDOM"}, {4, "GRND_INSECURE"}};
		if (v)
			sb_flags(b, v, grnd, NFLAGS(grnd));
		else
			sb_add(b, "0");
		break;
	}
	case 'I': {
		static const struct {
			uint32_t req;
			const char *name;
		} ioc[] = {{0x5401, "TCGETS"},	   {0x5402, "TCSETS"},	  {0x5403, "TCSETSW"},
			   {0x540f, "TIOCGPGRP"},  {0x5410, "TIOCSPGRP"}, {0x5413, "TIOCGWINSZ"},
			   {0x5414, "TIOCSWINSZ"}, {0x541b, "FIONREAD"},  {0x5421, "FIONBIO"}};
		const char *n = NULL;
		for (size_t k = 0; k < NFLAGS(ioc); k++)
			if (ioc[k].req == v)
				n = ioc[k].name;
		if (n)
			sb_add(b, "%s", n);
		else
			sb_add(b, "%#x", v);
		break;
	}
	case 'T': {
		/* statx's flags: the sync type is a value in the low bits of 0x6000 */
		static const struct flag at[] = {{0x100, "AT_SYMLINK_NOFOLLOW"},
						 {0x800, "AT_NO_AUTOMOUNT"},
						 {0x1000, "AT_EMPTY_PATH"}};
		uint32_t sync = v & 0x6000;
		sb_add(b, "%s",
		       sync == 0x2000	? "AT_STATX_FORCE_SYNC"
		       : sync == 0x4000 ? "AT_STATX_DONT_SYNC"
					: "AT_STATX_SYNC_AS_STAT");
		v &= ~0x6000u;
		if (v) {
			sb_add(b, "|");
			sb_flags(b, v, at, NFLAGS(at));
		}
		break;
	}
	case 'X':
		if (v == 0x7ff)
			sb_add(b, "STATX_BASIC_STATS");
		else
			sb_add(b, "%#x", v);
		break;
	case 'K': sb_sigset(b, t, v); break;
	case 'A': sb_sigaction(b, t, v); break;
	case 'H': {
		static const char *const how[] = {"SIG_BLOCK", "SIG_UNBLOCK", "SIG_SETMASK"};
		if (v < 3)
			sb_add(b, "%s", how[v]);
		else
			sb_add(b, "%u", v);
		break;
	}
	case 'W': {
		static const char *const w[] = {"SEEK_SET", "SEEK_CUR", "SEEK_END", "SEEK_DATA",
						"SEEK_HOLE"};
		if (v < 5)
			sb_add(b, "%s", w[v]);
		else
			sb_add(b, "%u", v);
		break;
	}
	default: sb_add(b, "%#x", v);
	}
}

static void sb_result(struct sbuf *b, long r, char kind)
{
	if (r < 0 && r >= -4095) {
		int e = (int)-r;
		const char *name = strerrorname_np(e);
		sb_add(b, " = -1 %s (%s)", name ? name : "E?", strerror(e));
	} else if (kind == 'x') {
		sb_add(b, " = %#lx", (unsigned long)(uint32_t)r);
	} else {
		sb_add(b, " = %ld", r);
	}
}

/* ---- VMAs before and after an mm call ---- */

struct vma_rec {
	uint32_t start, end, flags, pgoff;
	char name[48];
};

struct vma_snap {
	struct vma_rec *v;
	size_t n;
};

static void snap(struct task *t, struct vma_snap *s)
{
	s->v = NULL;
	s->n = 0;
	if (!t->mm)
		return;
	size_t cap = mm_vma_count(t->mm);
	s->v = calloc(cap ? cap : 1, sizeof *s->v);
	if (!s->v)
		return;
	for (struct vm_area_struct *v = vma_first(t->mm); v && s->n < cap; v = vma_next(t->mm, v)) {
		struct vma_rec *r = &s->v[s->n++];
		r->start = v->vm_start;
		r->end = v->vm_end;
		r->flags = v->vm_flags;
		r->pgoff = v->vm_pgoff;
		char buf[256];
		const char *nm = vma_name(t->mm, v, buf, sizeof buf);
		snprintf(r->name, sizeof r->name, "%s", nm ? nm : "");
	}
}

static bool same_vma(const struct vma_rec *a, const struct vma_rec *b)
{
	return a->start == b->start && a->end == b->end && a->flags == b->flags &&
	       !strcmp(a->name, b->name);
}

static bool in_snap(const struct vma_snap *s, const struct vma_rec *r)
{
	for (size_t i = 0; i < s->n; i++)
		if (same_vma(&s->v[i], r))
			return true;
	return false;
}

static void sb_vma(struct sbuf *b, char sign, const struct vma_rec *r)
{
	sb_add(b, "%c %08x-%08x %c%c%c%c%s%s\n", sign, r->start, r->end,
	       r->flags & VM_READ ? 'r' : '-', r->flags & VM_WRITE ? 'w' : '-',
	       r->flags & VM_EXEC ? 'x' : '-', r->flags & VM_MAYSHARE ? 's' : 'p',
	       r->name[0] ? " " : "", r->name);
}

static void emit_mm(struct task *t, const char *op, uint32_t start, uint32_t end,
		    const struct vma_snap *before, const struct vma_snap *after)
{
	struct sbuf b = {.n = 0};
	for (size_t i = 0; i < before->n; i++)
		if (!in_snap(after, &before->v[i]))
			sb_vma(&b, '-', &before->v[i]);
	for (size_t i = 0; i < after->n; i++)
		if (!in_snap(before, &after->v[i]))
			sb_vma(&b, '+', &after->v[i]);
	if (b.n && b.s[b.n - 1] == '\n')
		b.s[--b.n] = 0;
	if (!b.n)
		sb_add(&b, "(no VMA changed)");
	trace_mm(ktrace(t), op, start, end, b.s);
}

static bool is_mm_call(const char *n)
{
	return !strcmp(n, "mmap2") || !strcmp(n, "mmap") || !strcmp(n, "munmap") ||
	       !strcmp(n, "mprotect") || !strcmp(n, "mremap") || !strcmp(n, "brk");
}

/* ---- system calls ---- */

long ktrace_syscall(struct task *t, uint32_t nr, const uint32_t *a,
		    long (*invoke)(struct task *, uint32_t, const uint32_t *))
{
	struct trace *tr = ktrace(t);
	const char *name = syscall_name(nr);
	char unknown[32];
	if (!name) {
		snprintf(unknown, sizeof unknown, "syscall_%u", nr);
		name = unknown;
	}
	bool mm = (tr->mask & TRACE_MM) && is_mm_call(name);
	struct vma_snap before = {0}, after = {0};
	uint32_t old_brk = t->mm ? t->mm->brk : 0;
	if (mm)
		snap(t, &before);
	const struct decoder *d = find_decoder(name);
	const char *spec = d ? d->args : "xxx";
	uint64_t start = t->cpu ? t->cpu->insns : 0;
	bool ends = !strcmp(name, "exit") || !strcmp(name, "exit_group");
	struct sbuf b = {.n = 0};
	if (ends) {
		/* no return to write: the line now, as strace's "= ?" */
		sb_add(&b, "%s(%d) = ?", name, (int32_t)a[0]);
		if (tr->mask & TRACE_SYSCALL)
			trace_syscall(tr, name, b.s, start);
		return invoke(t, nr, a);
	}
	long r = invoke(t, nr, a);
	/* the arguments are read after the call: by then the kernel has faulted in what it
	 * read (a path in a page not yet touched), and what it wrote is there to show */
	sb_add(&b, "%s(", name);
	for (int i = 0; spec[i]; i++) {
		/* open's mode is an argument only with O_CREAT (or O_TMPFILE) */
		if (spec[i] == 'm' && i && spec[i - 1] == 'o' && !(a[i - 1] & (0100 | 020000000)))
			break;
		sb_add(&b, "%s", i ? ", " : "");
		if (spec[i] != 'R')
			sb_arg(&b, t, spec[i], a, i);
		else if (r < 0)
			sb_add(&b, "%#x", a[i]); /* nothing was read: the buffer's address */
		else
			sb_str(&b, t, a[i], r);
	}
	sb_add(&b, ")");
	sb_result(&b, r, d ? d->result : 'd');
	if (tr->mask & TRACE_SYSCALL)
		trace_syscall(tr, name, b.s, start);
	if (mm) {
		snap(t, &after);
		uint32_t s0 = a[0], e0 = a[0] + a[1];
		if (!strcmp(name, "brk")) {
			/* between the old and the new break */
			uint32_t nb = t->mm ? t->mm->brk : old_brk;
			s0 = old_brk < nb ? old_brk : nb;
			e0 = old_brk < nb ? nb : old_brk;
		} else if ((!strcmp(name, "mmap2") || !strcmp(name, "mmap")) && r >= 0) {
			s0 = (uint32_t)r;
			e0 = s0 + ((a[1] + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1));
		} else if (!strcmp(name, "mremap") && r >= 0) {
			s0 = (uint32_t)r;
			e0 = s0 + a[2];
		}
		emit_mm(t, name, s0, e0 < s0 ? s0 : e0, &before, &after);
		free(before.v);
		free(after.v);
	}
	return r;
}

/* ---- faults ---- */

static const enum counter_id kind_ctr[KTRACE_FAULT_KINDS] = {
    CTR_fault_demand_zero, CTR_fault_zero_page, CTR_fault_file,	   CTR_fault_cow,
    CTR_fault_wp_reuse,	   CTR_thp_fault_alloc, CTR_fault_special, CTR_fault_spurious};
static const char *const kind_name[KTRACE_FAULT_KINDS] = {
    "demand_zero", "zero_page", "file", "cow", "wp_reuse", "thp", "special", "spurious"};

void ktrace_fault_snapshot(const struct task *t, uint64_t before[KTRACE_FAULT_KINDS])
{
	for (int k = 0; k < KTRACE_FAULT_KINDS; k++)
		before[k] = t->ctr ? t->ctr->v[kind_ctr[k]] : 0;
}

void ktrace_fault(struct task *t, uint32_t addr, uint32_t err, const struct fault_outcome *out,
		  const uint64_t before[KTRACE_FAULT_KINDS])
{
	const char *kind = "-";
	for (int k = 0; k < KTRACE_FAULT_KINDS && t->ctr; k++)
		if (t->ctr->v[kind_ctr[k]] != before[k])
			kind = kind_name[k];
	char outcome[64];
	if (!out->sig)
		snprintf(outcome, sizeof outcome, "%s", out->major ? "major" : "minor");
	else if (out->sig == SIGKILL)
		snprintf(outcome, sizeof outcome, "out of memory (SIGKILL)");
	else
		snprintf(outcome, sizeof outcome, "%s %s", signal_name(out->sig),
			 out->si_code == 1   ? (out->sig == SIGBUS ? "BUS_ADRALN" : "SEGV_MAPERR")
			 : out->si_code == 2 ? (out->sig == SIGBUS ? "BUS_ADRERR" : "SEGV_ACCERR")
					     : "");
	/* a kernel access (copy_to_user) faults at the system call: EIP is the int $0x80's */
	trace_fault(ktrace(t), kind, addr, t->cpu ? t->cpu->eip : 0, err, outcome);
}

/* ---- signals ---- */

const char *si_code_name(int sig, int code)
{
	switch (code) {
	case 0: return "SI_USER";
	case 0x80: return "SI_KERNEL";
	case -1: return "SI_QUEUE";
	case -6: return "SI_TKILL";
	}
	if (sig == SIGSEGV)
		return code == 1 ? "SEGV_MAPERR" : code == 2 ? "SEGV_ACCERR" : NULL;
	if (sig == SIGBUS)
		return code == 1 ? "BUS_ADRALN" : code == 2 ? "BUS_ADRERR" : NULL;
	if (sig == SIGFPE)
		return code == 1 ? "FPE_INTDIV" : NULL;
	if (sig == SIGILL)
		return code == 2 ? "ILL_ILLOPN" : NULL;
	if (sig == SIGTRAP)
		return code == 1 ? "TRAP_BRKPT" : code == 2 ? "TRAP_TRACE" : NULL;
	return NULL;
}

void ktrace_signal(struct task *t, int sig, const struct siginfo_i386 *info, uint32_t handler)
{
	struct trace *tr = ktrace(t);
	/* Linux drops an ignored signal when it is sent: strace never sees it */
	if (handler == 1 && tr->format == TRACE_STRACE)
		return;
	struct sbuf b = {.n = 0};
	const char *sn = signal_name(sig);
	const char *cn = si_code_name(sig, info->si_code);
	sb_add(&b, "--- %s {si_signo=%s, si_code=", sn, sn);
	if (cn)
		sb_add(&b, "%s", cn);
	else
		sb_add(&b, "%d", info->si_code);
	bool fault =
	    info->si_code > 0 && info->si_code < 0x80 &&
	    (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP);
	if (fault && info->u[0])
		sb_add(&b, ", si_addr=%#x", info->u[0]);
	else if (fault)
		sb_add(&b, ", si_addr=NULL");
	else if (info->si_code <= 0)
		sb_add(&b, ", si_pid=%u, si_uid=%u", info->u[0], info->u[1]);
	sb_add(&b, "} ---");
	if (tr->format != TRACE_STRACE) {
		if (handler == 0)
			sb_add(&b, " default action");
		else if (handler == 1)
			sb_add(&b, " ignored");
		else
			sb_add(&b, " handler %#x", handler);
	}
	trace_signal(tr, sig, sn, b.s);
}
