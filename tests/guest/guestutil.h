/*
 * Shared helpers for the guest test programs (tests/guest/*.c).
 *
 * Every guest program must print the same text on every run of the same
 * kernel: so no raw addresses (print them relative to a mapping the program
 * made), no timings, and errno values by name (strerror text is a libc
 * choice, the number is the ABI).
 */
#ifndef GUESTUTIL_H
#define GUESTUTIL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <ucontext.h>
#include <unistd.h>
#include <ctype.h>
#include <dirent.h>

#define PG 4096UL

static const char *errname(int e)
{
	switch (e) {
	case 0: return "OK";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case ENXIO: return "ENXIO";
	case E2BIG: return "E2BIG";
	case ENOEXEC: return "ENOEXEC";
	case EBADF: return "EBADF";
	case ECHILD: return "ECHILD";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case EXDEV: return "EXDEV";
	case ENODEV: return "ENODEV";
	case ENOTDIR: return "ENOTDIR";
	case EISDIR: return "EISDIR";
	case EINVAL: return "EINVAL";
	case ENFILE: return "ENFILE";
	case EMFILE: return "EMFILE";
	case ENOTTY: return "ENOTTY";
	case EFBIG: return "EFBIG";
	case ENOSPC: return "ENOSPC";
	case ESPIPE: return "ESPIPE";
	case EROFS: return "EROFS";
	case EMLINK: return "EMLINK";
	case EPIPE: return "EPIPE";
	case ERANGE: return "ERANGE";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	case ENOSYS: return "ENOSYS";
	case ENOTEMPTY: return "ENOTEMPTY";
	case ELOOP: return "ELOOP";
	case EOVERFLOW: return "EOVERFLOW";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ETIMEDOUT: return "ETIMEDOUT";
	case ENOMSG: return "ENOMSG";
	case EIDRM: return "EIDRM";
	case ECONNREFUSED: return "ECONNREFUSED";
	default: {
		static char buf[32];
		snprintf(buf, sizeof(buf), "E#%d", e);
		return buf;
	}
	}
}

/* "label: ok" when ret is not -1, else "label: ENAME". */
static void report(const char *label, long ret)
{
	if (ret == -1)
		printf("%s: %s\n", label, errname(errno));
	else
		printf("%s: ok\n", label);
}

/* "label: ret=N" or "label: ENAME" for calls whose value is meaningful. */
static void report_val(const char *label, long ret)
{
	if (ret == -1)
		printf("%s: %s\n", label, errname(errno));
	else
		printf("%s: ret=%ld\n", label, ret);
}

static const char *mapfailname(void *p)
{
	return p == MAP_FAILED ? errname(errno) : "ok";
}

static const char *signame(int sig)
{
	switch (sig) {
	case 0: return "none";
	case SIGSEGV: return "SIGSEGV";
	case SIGBUS: return "SIGBUS";
	case SIGFPE: return "SIGFPE";
	case SIGILL: return "SIGILL";
	case SIGTRAP: return "SIGTRAP";
	case SIGABRT: return "SIGABRT";
	case SIGUSR1: return "SIGUSR1";
	case SIGUSR2: return "SIGUSR2";
	case SIGTERM: return "SIGTERM";
	case SIGALRM: return "SIGALRM";
	case SIGCHLD: return "SIGCHLD";
	case SIGPIPE: return "SIGPIPE";
	case SIGINT: return "SIGINT";
	case SIGHUP: return "SIGHUP";
	default: return "SIG?";
	}
}

static const char *sicodename(int sig, int code)
{
	if (code == SI_USER) return "SI_USER";
	if (code == SI_KERNEL) return "SI_KERNEL";
	if (code == SI_TKILL) return "SI_TKILL";
	if (code == SI_QUEUE) return "SI_QUEUE";
	if (sig == SIGSEGV && code == SEGV_MAPERR) return "SEGV_MAPERR";
	if (sig == SIGSEGV && code == SEGV_ACCERR) return "SEGV_ACCERR";
	if (sig == SIGBUS && code == BUS_ADRALN) return "BUS_ADRALN";
	if (sig == SIGBUS && code == BUS_ADRERR) return "BUS_ADRERR";
	if (sig == SIGBUS && code == BUS_OBJERR) return "BUS_OBJERR";
	if (sig == SIGFPE && code == FPE_INTDIV) return "FPE_INTDIV";
	if (sig == SIGILL && code == ILL_ILLOPN) return "ILL_ILLOPN";
	return "code?";
}

/* A signed offset as "+0x1000" / "-0x20" (printf's + flag ignores %x). */
static const char *offs(long v)
{
	static char buf[8][24];
	static int i;
	i = (i + 1) & 7;
	snprintf(buf[i], sizeof(buf[i]), "%c%#lx", v < 0 ? '-' : '+', v < 0 ? -(unsigned long)v : (unsigned long)v);
	return buf[i];
}

/* ---- catching faults ------------------------------------------------- */

static sigjmp_buf g_jb;
static volatile int g_sig, g_code, g_trapno, g_err;
static volatile uintptr_t g_addr;

static void g_catcher(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	g_sig = sig;
	g_code = si->si_code;
	g_addr = (uintptr_t)si->si_addr;
	g_trapno = uc->uc_mcontext.gregs[REG_TRAPNO];
	g_err = uc->uc_mcontext.gregs[REG_ERR];
	siglongjmp(g_jb, 1);
}

static void catch_faults(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = g_catcher;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

/* Each returns 0 when the access completed, else the signal it raised. */
static int try_read(const volatile void *p)
{
	g_sig = 0;
	if (sigsetjmp(g_jb, 1))
		return g_sig;
	(void)*(const volatile char *)p;
	return 0;
}

static int try_write(volatile void *p, char v)
{
	g_sig = 0;
	if (sigsetjmp(g_jb, 1))
		return g_sig;
	*(volatile char *)p = v;
	return 0;
}

/* Describes the last caught fault; the address relative to base. */
static void print_fault(const char *label, int sig, const void *base)
{
	if (!sig) {
		printf("%s: no fault\n", label);
		return;
	}
	if (base)
		printf("%s: %s %s addr=base%s", label, signame(sig), sicodename(sig, g_code),
		       offs((long)(g_addr - (uintptr_t)base)));
	else
		printf("%s: %s %s addr=%#lx", label, signame(sig), sicodename(sig, g_code), (unsigned long)g_addr);
	if (sig == SIGSEGV || sig == SIGBUS)
		printf(" trapno=%d err=%#x", g_trapno, g_err);
	printf("\n");
}

/* ---- counters --------------------------------------------------------- */

static long minflt(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

static long majflt(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_majflt;
}

/* Reads a whole (small) file into a static buffer with plain system calls. */
static char g_filebuf[1 << 16];
static char *slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	size_t n = 0;
	if (fd < 0)
		return NULL;
	for (;;) {
		ssize_t r = read(fd, g_filebuf + n, sizeof(g_filebuf) - 1 - n);
		if (r <= 0)
			break;
		n += r;
	}
	close(fd);
	g_filebuf[n] = 0;
	return g_filebuf;
}

/* Value in kB of a "Name:   N kB" line of /proc/self/status, -1 if absent. */
static long status_kb(const char *name)
{
	char *s = slurp("/proc/self/status");
	size_t l = strlen(name);
	for (char *line = s; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (!strncmp(line, name, l) && line[l] == ':')
			return strtol(line + l + 1, NULL, 10);
	return -1;
}

/* Field "name" (e.g. "Rss") of the smaps entry of the VMA starting at addr. */
static long smaps_kb(const void *addr, const char *name)
{
	char *s = slurp("/proc/self/smaps");
	char want[32];
	int in = 0;
	size_t l = strlen(name);
	snprintf(want, sizeof(want), "%08lx-", (unsigned long)(uintptr_t)addr);
	for (char *line = s; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (isxdigit((unsigned char)line[0]) && strchr(line, '-') && strchr(line, '-') - line == 8)
			in = !strncmp(line, want, 9);
		else if (in && !strncmp(line, name, l) && line[l] == ':')
			return strtol(line + l + 1, NULL, 10);
	}
	return -1;
}

/*
 * Prints the lines of /proc/self/maps that overlap [base, base+len), with
 * addresses relative to base and the file reduced to its last component, so
 * that the output does not depend on where the kernel put base.
 */
static void print_maps_rel(const char *label, const void *basev, unsigned long len)
{
	uintptr_t base = (uintptr_t)basev;
	char *s = slurp("/proc/self/maps");
	printf("%s:\n", label);
	for (char *line = s; line && *line;) {
		char *nl = strchr(line, '\n');
		unsigned long a, b, off;
		char perms[8], path[256] = "";
		if (nl)
			*nl = 0;
		if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %255s", &a, &b, perms, &off, path) >= 4 &&
		    b > base && a < base + len) {
			char *slash = strrchr(path, '/');
			printf("  %s..%s %s %08lx %s\n", offs((long)(a - base)), offs((long)(b - base)), perms, off,
			       slash ? slash + 1 : path);
		}
		line = nl ? nl + 1 : NULL;
	}
}

/* ---- a per-program scratch directory in /tmp ---------------------------- */

static char g_dir[128];

/*
 * Removes a directory tree with raw getdents64 into a stack buffer: opendir
 * would malloc, and whether a stale directory existed would then change the
 * heap layout that some programs print.
 */
static void rm_tree(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY);
	char buf[2048], sub[512];
	long n;
	if (fd < 0) {
		unlink(path);
		return;
	}
	/* Bounded, so that a getdents64 that never reaches the end cannot hang us. */
	for (int rounds = 0; rounds < 1000 && (n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0; rounds++) {
		for (long off = 0; off < n;) {
			struct {
				unsigned long long ino;
				long long off;
				unsigned short reclen;
				unsigned char type;
				char name[];
			} *d = (void *)(buf + off);
			off += d->reclen;
			if (!strcmp(d->name, ".") || !strcmp(d->name, ".."))
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, d->name);
			if (d->type == DT_DIR)
				rm_tree(sub);
			else
				unlink(sub);
		}
	}
	close(fd);
	rmdir(path);
}

/*
 * Makes an empty /tmp/vmlab-guest-NAME.PID and returns its path. The pid keeps
 * concurrent runs of one program (native and under vmlab) apart; no program
 * prints the path.
 */
static const char *scratch_dir(const char *name)
{
	snprintf(g_dir, sizeof(g_dir), "/tmp/vmlab-guest-%s.%d", name, (int)getpid());
	rm_tree(g_dir);
	if (mkdir(g_dir, 0755)) {
		printf("scratch dir: %s\n", errname(errno));
		exit(99);
	}
	return g_dir;
}

static void scratch_done(void)
{
	rm_tree(g_dir);
}

/* A path inside the scratch directory; each call returns a new string. */
static const char *scratch_path(const char *leaf)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "%s/%s", g_dir, leaf);
	return strdup(buf);
}

/* Creates path holding len bytes: byte i is 'a' + i % 26. */
static int make_file(const char *path, size_t len)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	char buf[4096];
	for (size_t i = 0; i < len;) {
		size_t n = len - i < sizeof(buf) ? len - i : sizeof(buf);
		for (size_t j = 0; j < n; j++)
			buf[j] = 'a' + (i + j) % 26;
		if (write(fd, buf, n) != (ssize_t)n)
			return -1;
		i += n;
	}
	return fd;
}

/*
 * Grows the stack by 64 kB now, so that later stack growth (printf's buffers)
 * does not land inside a fault-count measurement.
 */
static void __attribute__((noinline)) prefault_stack(void)
{
	volatile char buf[64 * 1024];
	for (size_t i = 0; i < sizeof(buf); i += 512)
		buf[i] = 0;
}

/* Unbuffered stdout: a program that dies by a signal must not lose output. */
static void guest_init(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	prefault_stack();
}

#endif
