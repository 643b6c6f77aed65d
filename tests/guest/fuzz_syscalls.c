/*
 * A system-call fuzzer: `fuzz_syscalls SEED COUNT` makes COUNT system calls chosen by a
 * seeded generator, every number from 0 to past the end of the table, with adversarial
 * arguments: bad and unaligned pointers, pointers straddling into unmapped or read-only
 * pages, kernel addresses, huge and negative lengths and descriptors, overlapping buffers,
 * structures (iovecs, sigactions, timespecs, mmap argument blocks) full of such values, and
 * path names of files that exist, do not, are too long or are not terminated.
 * tests/e2e/fuzz_syscalls.sh runs it under vmlab: whatever the calls do to the program,
 * vmlab must not crash, hang or trip the sanitizers. No golden: what it prints is only a
 * summary for the person reproducing a seed.
 *
 * It keeps itself alive, so that a seed explores many calls: no argument may point into
 * its own image, heap (static glibc keeps the TLS block there) or stack, and calls that
 * change the address space may only touch the "arena" window it owns; fault signals return
 * to the loop through siglongjmp, others are caught and ignored; after a call that changes
 * signal state its handlers and mask are put back, and %gs after any call.
 * Not called, so that the run stays one process in one sandbox: exit and exit_group,
 * fork, vfork, clone and clone3 (another harness will exercise processes), and device, FIFO
 * or socket nodes (mknod is made to ask for regular files only; socket addresses are
 * abstract names, unnamed or not AF_UNIX). Socket calls get sockets mostly non-blocking,
 * messages (msghdr, mmsghdr) with names, vectors and control data (SCM_RIGHTS of pooled
 * descriptors, SCM_CREDENTIALS, junk headers) built in the arena. It refuses to start unless
 * / holds FUZZ-SANDBOX-ROOT and descriptors 0, 1 and 2 are regular files (or closed). Paths stay
 * inside the sandbox root the test gives and avoid /proc/PID/{fd,root,cwd,exe,map_files,mem} and
 * /dev/fd, whose hardening is tested by the hostile-guest suite, not here. Calls that can
 * only end the run (pause, sigsuspend, waits no one can end) are made rarely.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#define ARENA 0x30000000u
#define ARENA_PAGES 32u
#define WINDOW (1u << 20) /* the address range calls that change mappings may touch */
#define PG 4096u

long raw_syscall6(long nr, long a, long b, long c, long d, long e, long f);
__asm__(".text\n"
	".globl raw_syscall6\n"
	"raw_syscall6:\n"
	"	push %ebp\n push %edi\n push %esi\n push %ebx\n"
	"	mov 20(%esp), %eax\n mov 24(%esp), %ebx\n mov 28(%esp), %ecx\n"
	"	mov 32(%esp), %edx\n mov 36(%esp), %esi\n mov 40(%esp), %edi\n"
	"	mov 44(%esp), %ebp\n"
	"	int $0x80\n"
	"	pop %ebx\n pop %esi\n pop %edi\n pop %ebp\n ret\n");

/* sigreturn with %esp on a frame of random words: it never comes back here (the restored
 * state faults, or the call fails with SIGSEGV) */
void raw_sigreturn(long nr, uint32_t sp);
__asm__(".globl raw_sigreturn\n"
	"raw_sigreturn:\n"
	"	mov 4(%esp), %eax\n mov 8(%esp), %esp\n int $0x80\n ud2\n");

static uint64_t rng;
static uint32_t rnd(void)
{
	/* splitmix64 */
	uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return (uint32_t)((z ^ (z >> 31)) >> 32);
}
static uint32_t below(uint32_t n)
{
	return n ? rnd() % n : 0;
}

/* what must not be touched: [img_lo, img_hi) is the image, bss and heap; [stk_lo, 3 GB)
 * the stack, the environment and the vdso near it */
static uint32_t img_lo, img_hi, stk_lo, vdso_lo, vdso_hi;
static uint16_t gs_sel;
static sigjmp_buf jb;
static long ncalls, nfaults, nsignals, nerrors;

static int protected(uint32_t lo, uint32_t len)
{
	uint64_t hi = (uint64_t)lo + (len ? len : 1);
	return (lo < img_hi && hi > img_lo) || (lo < 0xC0000000u && hi > stk_lo) ||
	       (lo < vdso_hi && hi > vdso_lo);
}

static int protected_addr(uint32_t v)
{
	return protected(v, 1);
}

static const char *const names[] = {
    "f",
    "d",
    "d/sub",
    "d/g",
    "l",
    "dangling",
    "loop",
    "new",
    "new2",
    "d/new",
    ".",
    "..",
    "/",
    "",
    "//f",
    "d/../f",
    "f/",
    "f/x",
    "d/sub/../../f",
    "../../../f",
    "/d/sub/",
    "nonexistent/x",
    "/proc/self/maps",
    "/proc/self/status",
    "/proc/meminfo",
    "/proc/self/smaps",
    "/proc/self",
    "/proc/1000/stat",
    "/proc/cpuinfo",
    "/proc",
    "/sys/kernel/mm/transparent_hugepage/enabled",
    "/tmp",
    "/etc/passwd",
    "d/sub/deep/er/still",
};

/* A value from one of the kinds an argument may be; never one inside the protected ranges. */
static uint32_t value(void);
static int depth; /* structures hold plain values, not more structures */

static uint32_t arena_ptr(void)
{
	switch (below(6)) {
	case 0: return ARENA + below(ARENA_PAGES) * PG;		 /* page aligned */
	case 1: return ARENA + below(ARENA_PAGES * PG);		 /* anywhere, unaligned */
	case 2: return ARENA + ARENA_PAGES * PG - 1 - below(16); /* straddles the end */
	case 3: return ARENA + 4 * PG - below(8);		 /* straddles the read-only page */
	case 4: return ARENA + 8 * PG - below(8);		 /* straddles the PROT_NONE page */
	default: return ARENA + below(WINDOW);			 /* maybe unmapped */
	}
}

static void fill_random(uint32_t at, uint32_t bytes)
{
	/* words a call may read as pointers, lengths, flags: all safe values */
	depth++;
	for (uint32_t i = 0; i + 4 <= bytes; i += 4) {
		uint32_t w = below(4) ? value() : rnd() & 0xff;
		*(volatile uint32_t *)(uintptr_t)(at + i) = w;
	}
	depth--;
}

/* a path name written into the arena: a known name, junk, or a long one */
static uint32_t path_ptr(void)
{
	uint32_t p = ARENA + (16 + below(8)) * PG + below(3000);
	char *s = (char *)(uintptr_t)p;
	size_t room = ARENA + 24 * PG - p - 1;
	switch (below(8)) {
	case 0: { /* too long, or a path whose components are */
		size_t n = below(2) ? 4200 : 300, stride = 1 + below(300);
		n = n < room ? n : room;
		memset(s, 'a' + below(3), n);
		for (size_t i = stride; i < n; i += stride)
			s[i] = '/';
		s[n] = 0;
		break;
	}
	case 1: /* junk bytes, maybe unterminated up to the end of the mapped arena */
		for (size_t i = 0; i < 64 && i < room; i++)
			s[i] = (char)(1 + below(255));
		s[below(64)] = below(4) ? 0 : s[0];
		break;
	default: {
		const char *n = names[below(sizeof(names) / sizeof(names[0]))];
		size_t l = strlen(n);
		memcpy(s, n, l + 1);
	}
	}
	return p;
}

/* an iovec array in the arena whose buffers overlap each other and the array itself */
static uint32_t iovec_ptr(void)
{
	uint32_t p = ARENA + (24 + below(4)) * PG + below(64) * 8;
	uint32_t *v = (uint32_t *)(uintptr_t)p;
	for (int i = 0; i < 16; i++) {
		v[2 * i] = below(3) ? arena_ptr() : value();
		v[2 * i + 1] = below(4) ? below(5000) : value();
	}
	return p;
}

static uint32_t value(void)
{
	static const uint32_t special[] = {
	    0,		 1,	      2,	   3,		4,	     0x7fffffffu,
	    0x80000000u, 0xffffffffu, 0xfffffffeu, 0xfffff000u, 0xc0000000u, 0xbffff000u,
	    0xbfffffffu, 0xc0001000u, 0xfff,	   0x1000,	0x10000,     0x7ffff000u,
	    0x10000000u, 4095,	      4097,	   0x40000000u, 65536,	     1024,
	    1025,	 0xffff,      ~0xfffu,
	};
	uint32_t v;
	switch (below(12)) {
	case 0: v = special[below(sizeof(special) / sizeof(special[0]))]; break;
	case 1: v = (uint32_t)(int32_t)(below(70) - 3); break; /* small, and -1..-3 */
	case 2: v = below(24); break;			       /* descriptors */
	case 3: v = arena_ptr(); break;
	case 4: v = depth ? arena_ptr() : path_ptr(); break;
	case 5:
		depth++;
		v = depth > 1 ? arena_ptr() : iovec_ptr();
		depth--;
		break;
	case 6: v = 1u << below(32); break;			/* one flag bit */
	case 7: v = rnd() & rnd(); break;			/* sparse flags */
	case 8: v = below(PG * 4) * (below(2) ? 1 : PG); break; /* sizes */
	case 9: v = 0xC0000000u + below(0x40000000u); break;	/* kernel addresses */
	default: v = rnd(); break;
	}
	return protected_addr(v) ? arena_ptr() : v;
}

enum {
	NR_exit = 1,
	NR_fork = 2,
	NR_execve = 11,
	NR_mknod = 14,
	NR_brk = 45,
	NR_signal = 48,
	NR_sigaction = 67,
	NR_ssetmask = 69,
	NR_sigsuspend = 72,
	NR_pause = 29,
	NR_old_mmap = 90,
	NR_munmap = 91,
	NR_sigreturn = 119,
	NR_clone = 120,
	NR_mprotect = 125,
	NR_sigprocmask = 126,
	NR_msync = 144,
	NR_mlock = 150,
	NR_munlock = 151,
	NR_mremap = 163,
	NR_rt_sigreturn = 173,
	NR_rt_sigaction = 174,
	NR_rt_sigprocmask = 175,
	NR_rt_sigtimedwait = 177,
	NR_rt_sigsuspend = 179,
	NR_vfork = 190,
	NR_mmap2 = 192,
	NR_mincore = 218,
	NR_madvise = 219,
	NR_futex = 240,
	NR_set_thread_area = 243,
	NR_exit_group = 252,
	NR_remap_file_pages = 257,
	NR_mbind = 274,
	NR_waitid = 284,
	NR_mknodat = 297,
	NR_move_pages = 317,
	NR_mlock2 = 376,
	NR_pkey_mprotect = 380,
	NR_rt_sigtimedwait_time64 = 421,
	NR_futex_time64 = 422,
	NR_clone3 = 435,
	NR_execveat = 358,
	NR_process_madvise = 440,
	NR_futex_waitv = 449,
	NR_wait4 = 114,
	NR_waitpid = 7,
	NR_kill = 37,
	NR_tkill = 238,
	NR_tgkill = 270,
	NR_rt_sigqueueinfo = 178,
	NR_rt_tgsigqueueinfo = 335,
	NR_sigaltstack = 186,
	NR_setrlimit = 75,
	NR_prlimit64 = 340,
	NR_modify_ldt = 123,
	NR_mlockall = 152,
	NR_shmat = 397,
	NR_shmdt = 398,
	NR_ipc = 117,
	NR_mseal = 462,
	NR_set_mempolicy_home_node = 450,
};

/* Descriptors and other small results of successful calls, for later calls to use. */
static uint32_t pool[16];
static unsigned npool;
static uint32_t fd_value(void);

/* Socket arguments live in arena pages 28-30: a sockaddr_un (abstract, unnamed, or junk
 * of another family: never a path, which would make a socket node), its length. */
#define SOCK_PAGE (ARENA + 28 * PG)
static uint32_t sockaddr_ptr(void)
{
	static const char *const abs[] = {"a", "b", "vmlab-fuzz", "\x01"};
	uint32_t p = SOCK_PAGE + below(4) * 128;
	uint8_t *a = (uint8_t *)(uintptr_t)p;
	memset(a, 0, 112);
	a[0] = below(8) ? 1 : (uint8_t)below(50); /* AF_UNIX, or any family */
	if (a[0] == 1 || below(2)) {
		a[2] = 0; /* abstract */
		const char *n = abs[below(4)];
		memcpy(a + 3, n, strlen(n));
	} else {
		for (int i = 2; i < 112; i++)
			a[i] = (uint8_t)rnd();
	}
	if (a[0] == 1)
		a[2] = 0;
	return below(16) ? p : value();
}

static uint32_t addrlen_value(void)
{
	switch (below(6)) {
	case 0: return 2;
	case 1: return 110;
	case 2: return value();
	default: return 3 + below(12);
	}
}

/* flags of a send or receive: mostly MSG_DONTWAIT (a lone process would wait forever) */
static uint32_t msg_flags(void)
{
	static const uint32_t bits[] = {0x1, 0x2, 0x8, 0x20, 0x100, 0x4000, 0x10000, 0x40000000};
	uint32_t f = below(16) ? 0x40 : 0;
	for (int k = below(3); k > 0; k--)
		f |= bits[below(sizeof(bits) / sizeof(bits[0]))];
	return below(16) ? f : value();
}

/* control data: SCM_RIGHTS of pooled (or any) descriptors, SCM_CREDENTIALS, or junk */
static uint32_t control_ptr(uint32_t *len)
{
	uint32_t p = SOCK_PAGE + PG + below(8) * 256, off = 0;
	uint32_t *w = (uint32_t *)(uintptr_t)p;
	for (int k = 1 + below(3); k > 0 && off < 200; k--) {
		uint32_t *c = w + off / 4, n;
		switch (below(4)) {
		case 0:
			n = below(6);
			c[0] = 12 + 4 * n;
			c[1] = 1;
			c[2] = 1;
			for (uint32_t i = 0; i < n; i++)
				c[3 + i] = fd_value();
			break;
		case 1:
			c[0] = 24;
			c[1] = 1;
			c[2] = 2;
			c[3] = below(4) ? 1000 : value();
			c[4] = below(4) ? 0 : value();
			c[5] = below(4) ? 0 : value();
			break;
		default:
			c[0] = below(2) ? below(40) : value();
			c[1] = below(2) ? 1 : value();
			c[2] = below(4);
			c[3] = fd_value();
		}
		off += below(8) ? ((c[0] < 64 ? c[0] : 12) + 3) & ~3u : below(64);
	}
	*len = below(8) ? off : value();
	return below(16) ? p : value();
}

/* mostly a sound iovec (small buffers in the arena's read-write pages), so that messages
 * get past the checks and move data; else the overlapping kind */
static uint32_t msg_iovec(void)
{
	if (!below(3))
		return iovec_ptr();
	uint32_t p = SOCK_PAGE + 2 * PG + 1024 + below(16) * 64;
	uint32_t *v = (uint32_t *)(uintptr_t)p;
	for (int i = 0; i < 4; i++) {
		v[2 * i] = ARENA + 9 * PG + below(3 * PG);
		v[2 * i + 1] = below(8) ? below(300) : below(3 * PG);
	}
	return p;
}

/* a struct msghdr (i386: 28 bytes) in the arena */
static uint32_t msghdr_at(uint32_t p)
{
	uint32_t *m = (uint32_t *)(uintptr_t)p;
	m[0] = below(3) ? 0 : sockaddr_ptr();
	m[1] = addrlen_value();
	m[2] = msg_iovec();
	m[3] = below(8) ? below(5) : value();
	m[4] = below(3) ? 0 : control_ptr(&m[5]);
	if (!m[4])
		m[5] = below(8) ? 0 : value();
	m[6] = value();
	return p;
}

static uint32_t msghdr_ptr(void)
{
	return below(16) ? msghdr_at(SOCK_PAGE + 2 * PG + below(8) * 32) : value();
}

/* a vector of struct mmsghdr (32 bytes each) */
static uint32_t mmsg_ptr(void)
{
	uint32_t p = SOCK_PAGE + 2 * PG + 512 + below(4) * 4;
	for (int i = 0; i < 8; i++)
		msghdr_at(p + 32 * i);
	return below(16) ? p : value();
}

/* the argument block of socketcall(2): typed words for the call it names */
static uint32_t socketcall_args(uint32_t call)
{
	uint32_t p = SOCK_PAGE + 3 * PG - 64;
	uint32_t *v = (uint32_t *)(uintptr_t)p;
	for (int i = 0; i < 6; i++)
		v[i] = value();
	v[0] = call == 1 || call == 8 ? (below(8) ? 1 : v[0]) : fd_value();
	if (call == 1 || call == 8)
		v[1] = below(2) ? 0x801 : below(2) ? 0x802 : 0x805;
	if (call == 2 || call == 3) {
		v[1] = sockaddr_ptr();
		v[2] = addrlen_value();
	}
	if (call == 16 || call == 17) {
		v[1] = msghdr_ptr();
		v[2] = msg_flags();
	}
	if (call == 9 || call == 10 || call == 11 || call == 12)
		v[3] = msg_flags();
	return below(16) ? p : value();
}

static uint32_t fd_value(void)
{
	switch (below(8)) {
	case 0: return (uint32_t)-100; /* AT_FDCWD */
	case 1: return below(6);
	case 2: return value();
	default: return npool ? pool[below(npool < 16 ? npool : 16)] : below(6);
	}
}

static uint32_t open_flags(void)
{
	static const uint32_t bits[] = {0x40,	  0x80,	   0x200,   0x400,   0x800,
					0x8000,	  0x10000, 0x20000, 0x80000, 0x200000,
					0x410000, 0x1000,  0x4000};
	uint32_t f = below(3);
	for (int k = below(4); k > 0; k--)
		f |= bits[below(sizeof(bits) / sizeof(bits[0]))];
	return below(16) ? f : value();
}

/* (The socket calls come last: socket, socketpair, bind, connect, listen, accept4,
 * getsockopt, setsockopt, getsockname, getpeername, sendto, sendmsg, recvfrom, recvmsg,
 * shutdown, recvmmsg and its time64 call, sendmmsg, socketcall; F AF_UNIX mostly, T a
 * socket type, A a sockaddr, n its length, g message flags, M a msghdr, V an mmsghdr
 * vector, C a socketcall number, S its argument block.)
 * Argument kinds of the calls worth reaching past their first checks: f descriptor,
 * p path, b buffer, l length, o open flags, m mode, i small number, v iovec array,
 * a address in the window, s signal number, P our pid (1000 under vmlab), z a sigset's
 * size (8), 0 zero, x anything. */
static const struct {
	uint16_t nr;
	const char *kinds;
} typed[] = {
    {3, "fbl"},	     {4, "fbl"},      {5, "pom"},      {6, "f"},       {8, "pm"},
    {9, "pp"},	     {10, "p"},	      {12, "p"},       {15, "pm"},     {19, "fii"},
    {33, "pi"},	     {38, "pp"},      {39, "pm"},      {40, "p"},      {41, "f"},
    {42, "b"},	     {54, "fxb"},     {55, "fib"},     {63, "ff"},     {83, "pp"},
    {85, "pbl"},     {92, "pl"},      {93, "fl"},      {94, "fm"},     {106, "pb"},
    {108, "fb"},     {118, "f"},      {133, "f"},      {140, "fiibi"}, {141, "fbl"},
    {145, "fvi"},    {146, "fvi"},    {180, "fbli0"},  {181, "fbli0"}, {183, "bl"},
    {187, "ffbl"},   {192, "alixfi"}, {195, "pb"},     {196, "pb"},    {197, "fb"},
    {212, "pii"},    {220, "fbl"},    {221, "fib"},    {239, "ffbl"},  {295, "fpom"},
    {296, "fpm"},    {300, "fpbi"},   {301, "fpi"},    {302, "fpfp"},  {303, "fpfpi"},
    {304, "pfp"},    {305, "fpbl"},   {306, "fpm"},    {307, "fpi"},   {320, "fpbi"},
    {331, "bi"},     {333, "fvii0"},  {334, "fvii0"},  {383, "fpiib"}, {90, "x"},
    {91, "al"},	     {125, "ali"},    {163, "alli"},   {219, "ali"},   {144, "ali"},
    {174, "sbbz"},   {175, "ibbz"},   {186, "bb"},     {37, "Ps"},     {238, "Ps"},
    {270, "PPs"},    {178, "Psb"},    {162, "bb"},     {265, "iibb"},  {355, "bli"},
    {340, "Pibb"},   {243, "b"},      {123, "ibl"},    {45, "x"},      {241, "Plb"},
    {27, "i"},	     {104, "ibb"},    {105, "ib"},     {60, "m"},      {122, "b"},
    {116, "b"},	     {77, "ib"},      {191, "ib"},     {76, "ib"},     {13, "b"},
    {78, "bb"},	     {403, "ib"},     {407, "iib"},    {172, "iiiii"}, {384, "ib"},
    {359, "FT0"},    {360, "FT0b"},   {361, "fAn"},    {362, "fAn"},   {363, "fi"},
    {364, "fbbT"},   {365, "fiibb"},  {366, "fiibl"},  {367, "fbb"},   {368, "fbb"},
    {369, "fblgAn"}, {370, "fMg"},    {371, "fblgbb"}, {372, "fMg"},   {373, "fi"},
    {337, "fVigb"},  {417, "fVigb"},  {345, "fVig"},   {102, "CS"},    {359, "FT0"},
    {360, "FT0b"},   {370, "fMg"},    {372, "fMg"},
};

static void typed_args(uint32_t nr, uint32_t *a)
{
	for (size_t k = 0; k < sizeof(typed) / sizeof(typed[0]); k++) {
		if (typed[k].nr != nr)
			continue;
		for (int i = 0; typed[k].kinds[i]; i++) {
			switch (typed[k].kinds[i]) {
			case 'f': a[i] = fd_value(); break;
			case 'p': a[i] = path_ptr(); break;
			case 'b': a[i] = arena_ptr(); break;
			case 'l': a[i] = below(4) ? below(PG * 3) : value(); break;
			case 'o': a[i] = open_flags(); break;
			case 'm': a[i] = below(8) ? rnd() & 07777 : value(); break;
			case 'i': a[i] = below(4) ? below(8) : value(); break;
			case 'v': a[i] = iovec_ptr(); break;
			case 'a': a[i] = ARENA + below(WINDOW / PG) * PG; break;
			case 's': a[i] = below(8) ? 1 + below(64) : value(); break;
			case 'P': a[i] = below(4) ? 1000 : below(2) ? 0 : value(); break;
			case 'z': a[i] = below(8) ? 8 : value(); break;
			case '0': a[i] = 0; break;
			case 'F': a[i] = below(8) ? 1 : value(); break; /* AF_UNIX */
			case 'T': /* SOCK_STREAM, DGRAM, SEQPACKET, mostly SOCK_NONBLOCK */
				a[i] = (below(3) == 0 ? 1
					: below(2)    ? 2
						      : 5) |
				       (below(8) ? 0x800 : 0) | (below(2) ? 0x80000 : 0);
				a[i] = below(16) ? a[i] : value();
				break;
			case 'A': a[i] = sockaddr_ptr(); break;
			case 'n': a[i] = addrlen_value(); break;
			case 'g': a[i] = msg_flags(); break;
			case 'M': a[i] = msghdr_ptr(); break;
			case 'V': a[i] = mmsg_ptr(); break;
			case 'C': a[i] = below(16) ? 1 + below(20) : value(); break;
			case 'S': a[i] = socketcall_args(a[0]); break;
			default: a[i] = value();
			}
		}
		return;
	}
}

/* Rewrites the arguments of calls that change mappings so that they stay in the window. */
static void confine(uint32_t nr, uint32_t *a)
{
	switch (nr) {
	case NR_munmap:
	case NR_mprotect:
	case NR_msync:
	case NR_mlock:
	case NR_munlock:
	case NR_madvise:
	case NR_mincore:
	case NR_remap_file_pages:
	case NR_mbind:
	case NR_mlock2:
	case NR_pkey_mprotect:
	case NR_mseal:
	case NR_set_mempolicy_home_node:
		if (protected(a[0], a[1]))
			a[0] = ARENA + below(WINDOW) / (below(2) ? 1 : PG) * (below(2) ? 1 : PG);
		if (protected(a[0], a[1]))
			a[1] = below(WINDOW);
		break;
	case NR_mmap2:
		/* MAP_FIXED (0x10) or MAP_FIXED_NOREPLACE (0x100000) at a protected place */
		if ((a[3] & 0x100010u) && protected(a[0], a[1])) {
			a[0] = ARENA + below(WINDOW / PG) * PG;
			if (protected(a[0], a[1]))
				a[1] = below(WINDOW);
		}
		break;
	case NR_old_mmap: {
		/* the six arguments are in memory at a[0] */
		uint32_t p = ARENA + 28 * PG + below(64) * 4;
		uint32_t *m = (uint32_t *)(uintptr_t)p;
		for (int i = 0; i < 6; i++)
			m[i] = value();
		if ((m[3] & 0x100010u) && protected(m[0], m[1])) {
			m[0] = ARENA + below(WINDOW / PG) * PG;
			m[1] = below(WINDOW);
		}
		a[0] = below(8) ? p : value();
		break;
	}
	case NR_mremap:
		if (protected(a[0], a[1]))
			a[0] = ARENA + below(WINDOW / PG) * PG, a[1] = below(WINDOW);
		/* MREMAP_FIXED: the new place too */
		if ((a[3] & 2) && protected(a[4], a[2]))
			a[4] = ARENA + below(WINDOW / PG) * PG, a[2] = below(WINDOW);
		break;
	case NR_brk:
		/* only growing: static glibc's TLS block is at the start of the heap */
		if (a[0] && a[0] < img_hi)
			a[0] = img_hi + below(1 << 20);
		break;
	case NR_process_madvise:
	case NR_move_pages: a[1] = below(8) ? iovec_ptr() : a[1]; break;
	case NR_mknod:
		a[1] = (a[1] & 07777) | (below(4) ? 0100000 : 0); /* S_IFREG or 0 */
		break;
	case NR_mknodat: a[2] = (a[2] & 07777) | (below(4) ? 0100000 : 0); break;
	case NR_set_thread_area: {
		/* glibc's TLS entry (gs_sel >> 3) stays as it is */
		uint32_t p = ARENA + 29 * PG + below(64) * 4;
		uint32_t *u = (uint32_t *)(uintptr_t)p;
		for (int i = 0; i < 4; i++)
			u[i] = value();
		if (u[0] == (uint32_t)(gs_sel >> 3) || below(2))
			u[0] = below(2) ? 0xffffffffu : 7 + below(2);
		if (u[1] >= img_lo && u[1] < 0xC0000000u)
			u[1] = ARENA;
		a[0] = below(8) ? p : value();
		break;
	}
	case NR_kill:
	case NR_tkill:
	case NR_rt_sigqueueinfo:
		/* SIGKILL ends the run: rarely */
		if (a[1] == 9 && below(50))
			a[1] = 10;
		break;
	case NR_tgkill:
	case NR_rt_tgsigqueueinfo:
		if (a[2] == 9 && below(50))
			a[2] = 10;
		break;
	}
}

/* rarely: calls that end the run (no one can wake the waits) or whose arguments say so */
static int rare(uint32_t nr)
{
	switch (nr) {
	case NR_pause:
	case NR_sigsuspend:
	case NR_rt_sigsuspend:
	case NR_rt_sigtimedwait:
	case NR_rt_sigtimedwait_time64:
	case NR_futex:
	case NR_futex_time64:
	case NR_futex_waitv:
	case NR_sigreturn:
	case NR_rt_sigreturn:
	case NR_execve:
	case NR_execveat:
	case 42:
	case 331: /* pipe, pipe2: a read of an empty pipe waits forever */ return 1;
	}
	return 0;
}

static int never(uint32_t nr)
{
	return nr == NR_exit || nr == NR_exit_group || nr == NR_fork || nr == NR_vfork ||
	       nr == NR_clone || nr == NR_clone3 || nr == NR_ipc || nr == NR_shmat ||
	       nr == NR_shmdt;
}

/* what a call or a sigreturn of random words may have changed that the C code relies on:
 * %gs (the TLS), and EFLAGS.AC (alignment checks) and DF */
static void restore_gs(void)
{
	__asm__ volatile("movw %0, %%gs\n"
			 "pushfl\n andl $~0x40400, (%%esp)\n popfl"
			 :
			 : "r"(gs_sel)
			 : "cc", "memory");
}

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	restore_gs();
	nsignals++;
	if (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP ||
	    sig == SIGSYS) {
		nfaults++;
		siglongjmp(jb, 1);
	}
}

/* the handlers' own stack, in the protected image: a sigreturn may leave %esp anywhere */
static char altstack[64 * 1024];

/* The handlers are installed with rt_sigaction itself: glibc's sigaction refuses 32 and 33
 * (its own), and a kill of either would end the run. */
void restore_rt(void);
__asm__(".globl restore_rt\n"
	"restore_rt:\n"
	"	movl $173, %eax\n int $0x80\n");

static void install_handlers(void)
{
	struct {
		uint32_t handler, flags, restorer, mask[2];
	} ka = {(uint32_t)(uintptr_t)on_signal,
		SA_SIGINFO | SA_NODEFER | SA_ONSTACK | 0x04000000 /* SA_RESTORER */,
		(uint32_t)(uintptr_t)restore_rt,
		{0, 0}};
	stack_t st = {.ss_sp = altstack, .ss_size = sizeof(altstack)};
	raw_syscall6(186 /* sigaltstack */, (long)&st, 0, 0, 0, 0, 0);
	for (int s = 1; s < 65; s++)
		if (s != SIGKILL && s != SIGSTOP)
			raw_syscall6(NR_rt_sigaction, s, (long)&ka, 0, 8, 0, 0);
	uint32_t none[2] = {0, 0};
	raw_syscall6(NR_rt_sigprocmask, SIG_SETMASK, (long)none, 0, 8, 0, 0);
}

static void put_num(char *buf, size_t *n, unsigned long long v)
{
	char d[24];
	int k = 0;
	do
		d[k++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (k)
		buf[(*n)++] = d[--k];
}

static void say(const char *label, unsigned long long v, const char *end)
{
	char buf[128];
	size_t n = 0;
	for (const char *p = label; *p; p++)
		buf[n++] = *p;
	put_num(buf, &n, v);
	for (const char *p = end; *p; p++)
		buf[n++] = *p;
	raw_syscall6(4, 1, (long)buf, (long)n, 0, 0, 0);
}

int main(int argc, char **argv)
{
	/* Random system calls on a real kernel (kill(-1, ...), reboot, settimeofday as root)
	 * would damage the machine: run only where the root directory is the sandbox the test
	 * made, which holds this file. */
	if (raw_syscall6(33 /* access */, (long)"/FUZZ-SANDBOX-ROOT", 0, 0, 0, 0, 0) != 0) {
		static const char msg[] = "fuzz_syscalls: refusing to run: / is not a fuzzing "
					  "sandbox (run it under vmlab --root=DIR, DIR holding "
					  "FUZZ-SANDBOX-ROOT; see tests/e2e/fuzz_syscalls.sh)\n";
		raw_syscall6(4, 2, (long)msg, sizeof(msg) - 1, 0, 0, 0);
		return 2;
	}
	/* and its inherited descriptors must be scratch files: it may chmod, chown, truncate or
	 * write them, and a host device (/dev/null, a terminal) would carry that outside */
	for (int fd = 0; fd < 3; fd++) {
		uint32_t st[32]; /* struct stat64: st_mode at byte 16 */
		if (raw_syscall6(197 /* fstat64 */, fd, (long)st, 0, 0, 0, 0) == 0 &&
		    (st[4] & 0170000) != 0100000) {
			static const char msg[] =
			    "fuzz_syscalls: refusing to run: descriptors 0, 1 "
			    "and 2 must be regular scratch files\n";
			raw_syscall6(4, 2, (long)msg, sizeof(msg) - 1, 0, 0, 0);
			return 2;
		}
	}
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 1;
	long count = argc > 2 ? atol(argv[2]) : 1000;
	rng = seed;
	extern char __executable_start[];
	img_lo = (uint32_t)(uintptr_t)__executable_start & ~(PG - 1);
	img_hi = (uint32_t)raw_syscall6(NR_brk, 0, 0, 0, 0, 0, 0) + (1u << 20);
	raw_syscall6(NR_brk, img_hi, 0, 0, 0, 0, 0); /* room the fuzzed brk may not take back */
	volatile char probe;
	stk_lo = ((uint32_t)(uintptr_t)&probe & ~(PG - 1)) - (1u << 20);
	/* the stack below us is in use from now on: grow it over the 1 MB it may use */
	{
		volatile char grow[256 * 1024];
		grow[0] = grow[sizeof(grow) - 1] = 0;
	}
	__asm__ volatile("movw %%gs, %0" : "=r"(gs_sel));
	/* the vDSO (static glibc makes its system calls through it) and the vvar pages */
	vdso_lo = (uint32_t)getauxval(AT_SYSINFO_EHDR);
	vdso_hi = vdso_lo ? vdso_lo + 8 * PG : 0;
	vdso_lo = vdso_lo ? vdso_lo - 8 * PG : 0;
	if (mmap((void *)ARENA, ARENA_PAGES * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		return 2;
	install_handlers();
	say("fuzz_syscalls: seed ", seed, "\n");

	uint32_t last_nr = 0;
	volatile int arena_broken = 1;
	for (ncalls = 0; ncalls < count; ncalls++) {
		/* a fault (in a call, or writing an arena a call changed) comes back here */
		if (sigsetjmp(jb, 0)) {
			arena_broken = 1;
			restore_gs();
			install_handlers();
			continue;
		}
		/* the arena's shape: read-only page 4, PROT_NONE page 8, the rest read-write
		 * (put back now and then, and after a fault: calls may have changed it) */
		if (arena_broken || ncalls % 64 == 0) {
			arena_broken = 0;
			mmap((void *)ARENA, ARENA_PAGES * PG, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			fill_random(ARENA, 4 * PG);
			mprotect((void *)(ARENA + 4 * PG), PG, PROT_READ);
			mprotect((void *)(ARENA + 8 * PG), PG, PROT_NONE);
		}
		uint32_t nr;
		do {
			switch (below(16)) {
			case 0: nr = 451 + below(600); break; /* past the table */
			case 1: nr = below(4) ? rnd() : 0x80000000u | below(500); break;
			case 2:
			case 3:
			case 4:
			case 5:
			case 6:
			case 7: nr = typed[below(sizeof(typed) / sizeof(typed[0]))].nr; break;
			default: nr = below(451);
			}
		} while (never(nr) || (rare(nr) && below(300)));
		uint32_t a[6];
		for (int i = 0; i < 6; i++)
			a[i] = value();
		if (below(4))
			typed_args(nr, a);
		confine(nr, a);
		fill_random(ARENA + 9 * PG + below(4) * PG, 256);
		last_nr = nr;
		long r;
		if (nr == NR_sigreturn || nr == NR_rt_sigreturn) {
			uint32_t sp = ARENA + 12 * PG + below(2 * PG);
			fill_random(sp, 1024);
			raw_sigreturn(nr, sp);
			r = 0;
		} else {
			r = raw_syscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		}
		restore_gs();
		if (r < 0 && r > -4096)
			nerrors++;
		else if (r >= 0 && r < 1024 && nr != 4 && nr != 3)
			pool[npool++ % 16] = (uint32_t)r;
		if (r == 0 && nr == 360 && a[3] >= ARENA + 9 * PG && a[3] < ARENA + 31 * PG &&
		    a[3] + 8 <= ARENA + 32 * PG &&
		    (a[3] < ARENA + 4 * PG || a[3] >= ARENA + 5 * PG)) {
			/* socketpair's two descriptors */
			pool[npool++ % 16] = *(volatile uint32_t *)(uintptr_t)a[3];
			pool[npool++ % 16] = *(volatile uint32_t *)(uintptr_t)(a[3] + 4);
		}
		if (nr == NR_rt_sigaction || nr == NR_sigaction || nr == NR_signal ||
		    nr == NR_rt_sigprocmask || nr == NR_sigprocmask || nr == NR_ssetmask ||
		    nr == NR_sigaltstack)
			install_handlers();
	}
	say("fuzz_syscalls: calls ", (unsigned long long)ncalls, "");
	say(", errors ", (unsigned long long)nerrors, "");
	say(", faults ", (unsigned long long)nfaults, "");
	say(", signals ", (unsigned long long)nsignals, "");
	say(", last call ", last_nr, "\n");
	return 0;
}
