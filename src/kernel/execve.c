/*
 * execve and execveat (fs/exec.c do_execveat_common, fs/binfmt_script.c): the arguments
 * copied out of the old address space, `#!` scripts resolved to their interpreter, the
 * program loaded into a new mm (exec.c) and the old one dropped; then what begin_new_exec
 * and setup_new_exec reset: close-on-exec descriptors, caught signals, the alternate
 * stack, TLS and LDT, the FPU, a vfork parent let go.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpu/cpu.h"
#include "kernel/exec.h"
#include "kernel/ktrace.h"
#include "kernel/exit.h"
#include "kernel/fs/file.h"
#include "kernel/fs/fs.h"
#include "kernel/mm/mmap.h"
#include "kernel/sched.h"
#include "kernel/signal.h"
#include "kernel/tls.h"
#include "kernel/uaccess.h"

#define PATH_MAX_ 4096
#define MAX_ARG_STRLEN (32u * 4096u)
#define MAX_ARG_STRINGS 0x7FFFFFFF
#define BINPRM_BUF_SIZE 256
#define BINPRM_MAX_RECURSION 4
#define AT_FDCWD_ (-100)
#define AT_EMPTY_PATH_ 0x1000u
#define AT_SYMLINK_NOFOLLOW_ 0x100u
#define RLIMIT_STACK_ 3

struct strv {
	char **v;
	int n, cap;
	size_t bytes; /* counted against the stack limit as copy_strings does */
};

static void strv_free(struct strv *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}

static int strv_push(struct strv *s, char *str, int at)
{
	if (!str)
		return -ENOMEM;
	if (s->n + 2 > s->cap) {
		int cap = s->cap ? s->cap * 2 : 16;
		char **n = realloc(s->v, (size_t)cap * sizeof *n);
		if (!n) {
			free(str);
			return -ENOMEM;
		}
		s->v = n;
		s->cap = cap;
	}
	if (at < 0 || at > s->n)
		at = s->n;
	memmove(&s->v[at + 1], &s->v[at], (size_t)(s->n - at) * sizeof *s->v);
	s->v[at] = str;
	s->n++;
	s->v[s->n] = NULL;
	s->bytes += strlen(str) + 1 + 4;
	return 0;
}

/* copy_strings: a NULL-terminated array of user strings (a NULL array is empty). */
static int copy_strv(struct task *t, uint32_t uarr, struct strv *out)
{
	char *buf = malloc(MAX_ARG_STRLEN);
	if (!buf)
		return -ENOMEM;
	int r = 0;
	for (uint32_t i = 0; uarr; i++) {
		uint32_t p;
		if (get_user_u32(t, uarr + i * 4, &p)) {
			r = -EFAULT;
			break;
		}
		if (!p)
			break;
		if (i >= MAX_ARG_STRINGS) {
			r = -E2BIG;
			break;
		}
		long n = strncpy_from_user(t, buf, p, MAX_ARG_STRLEN);
		if (n < 0) {
			r = n == -ENAMETOOLONG ? -E2BIG : (int)n;
			break;
		}
		if ((r = strv_push(out, strdup(buf), -1)))
			break;
	}
	free(buf);
	if (!r && !out->v) {
		out->v = calloc(1, sizeof *out->v);
		out->cap = 1;
		r = out->v ? 0 : -ENOMEM;
	}
	return r;
}

/* Opens the program: a host descriptor of a regular, executable file, or -errno. */
static int open_exec(struct task *t, int dirfd, const char *path, bool follow)
{
	int fd = fs_open_host(t, dirfd, path, O_RDONLY | O_CLOEXEC, 0, follow);
	if (fd < 0)
		return fd == -ELOOP && !follow ? -ELOOP : fd;
	struct stat st;
	if (fstat(fd, &st)) {
		int e = -errno;
		close(fd);
		return e;
	}
	bool x = t->euid == 0
		     ? (st.st_mode & 0111) != 0
		     : (st.st_uid == t->euid ? (st.st_mode & 0100) != 0 : (st.st_mode & 0011) != 0);
	if (!S_ISREG(st.st_mode) || !x) {
		close(fd);
		return -EACCES;
	}
	return fd;
}

/* binfmt_script: "#!interp [arg]" in the first line. 1 and the two strings (malloc'ed), 0
 * when the file is no script, or -errno. */
static int parse_shebang(int fd, char **interp, char **arg)
{
	char buf[BINPRM_BUF_SIZE + 1];
	ssize_t n = pread(fd, buf, BINPRM_BUF_SIZE, 0);
	if (n < 2 || buf[0] != '#' || buf[1] != '!')
		return 0;
	buf[n] = 0;
	char *end = memchr(buf, '\n', (size_t)n);
	if (!end) {
		/* a line longer than the buffer is cut where the interpreter name cannot be */
		end = buf + n;
	}
	*end = 0;
	char *p = buf + 2;
	while (*p == ' ' || *p == '\t')
		p++;
	char *e = end;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == 0))
		*--e = 0;
	if (!*p)
		return -ENOEXEC;
	char *q = p;
	while (*q && *q != ' ' && *q != '\t')
		q++;
	char *a = NULL;
	if (*q) {
		*q++ = 0;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q)
			a = q;
	}
	*interp = strdup(p);
	*arg = a ? strdup(a) : NULL;
	if (!*interp || (a && !*arg)) {
		free(*interp);
		free(*arg);
		return -ENOMEM;
	}
	return 1;
}

/* flush_signal_handlers and the rest of what a new program starts without. */
static void reset_for_new_program(struct task *t)
{
	struct signal_struct *s = t->signal;
	for (int i = 1; i <= VMLAB_NSIG; i++) {
		if (s->sighand->action[i].handler != 1)
			s->sighand->action[i].handler = 0;
		s->sighand->action[i].flags = 0;
		s->sighand->action[i].restorer = 0;
		s->sighand->action[i].mask = 0;
	}
	s->sas_ss_sp = s->sas_ss_size = 0;
	s->sas_ss_flags = 0;
	/* do_close_on_exec */
	if (t->files) {
		for (int fd = 0; fd < VMLAB_NR_OPEN; fd++)
			if (t->files->fd[fd] && t->files->cloexec[fd])
				fd_close(t, fd);
	}
	/* flush_thread: no TLS descriptors, no LDT, a fresh FPU; start_thread's segments */
	if (t->ldt)
		tls_release(t);
	struct x86_exception ex;
	for (unsigned i = 0; i < GDT_ENTRY_TLS_ENTRIES; i++) {
		uint64_t z = 0;
		mmu_write_linear(t->mmu, t->mmu->seg.gdtr_base + (GDT_ENTRY_TLS_MIN_ + i) * 8, &z,
				 8, false, &ex);
	}
	x87_init(&t->cpu->fpu);
	static const struct {
		enum sreg sr;
		uint16_t sel;
	} segs[] = {{SR_CS, __USER_CS}, {SR_SS, __USER_DS}, {SR_DS, __USER_DS},
		    {SR_ES, __USER_DS}, {SR_FS, 0},	    {SR_GS, 0}};
	for (size_t i = 0; i < sizeof segs / sizeof segs[0]; i++)
		mmu_load_seg(t->mmu, segs[i].sr, segs[i].sel, &ex);
	t->robust_list = t->robust_len = 0;
	t->rseq = t->rseq_len = t->rseq_sig = 0;
	t->exec_done = true;
}

static long do_execveat(struct task *t, int dirfd, uint32_t ufilename, uint32_t uargv,
			uint32_t uenvp, uint32_t flags)
{
	if (flags & ~(AT_EMPTY_PATH_ | AT_SYMLINK_NOFOLLOW_))
		return -EINVAL;
	if (!t->mm)
		return -EFAULT;
	char *filename = malloc(PATH_MAX_);
	if (!filename)
		return -ENOMEM;
	long n = strncpy_from_user(t, filename, ufilename, PATH_MAX_);
	if (n < 0) {
		free(filename);
		return n;
	}
	if (!n && !(flags & AT_EMPTY_PATH_)) {
		free(filename);
		return -ENOENT;
	}
	struct strv argv = {0}, envp = {0};
	long r = copy_strv(t, uargv, &argv);
	if (!r)
		r = copy_strv(t, uenvp, &envp);
	uint64_t stack_lim = t->rlim[RLIMIT_STACK_].cur;
	uint64_t limit = stack_lim == ~0ull ? 0x7fffffffull : stack_lim / 4;
	if (limit < 32 * 4096)
		limit = 32 * 4096;
	if (!r && argv.bytes + envp.bytes > limit)
		r = -E2BIG;
	int fd = -1;
	char *path = NULL, *exe = NULL; /* what is opened; the program's file in the end */
	if (!r) {
		path = strdup(filename);
		r = path ? 0 : -ENOMEM;
	}
	int depth = 0;
	while (!r) {
		fd = open_exec(t, depth ? AT_FDCWD_ : dirfd, path,
			       depth || !(flags & AT_SYMLINK_NOFOLLOW_));
		if (fd < 0) {
			r = fd;
			break;
		}
		char *interp = NULL, *arg = NULL;
		int sb = parse_shebang(fd, &interp, &arg);
		if (sb <= 0) {
			r = sb;
			break;
		}
		if (++depth > BINPRM_MAX_RECURSION) {
			free(interp);
			free(arg);
			r = -ELOOP;
			break;
		}
		close(fd);
		fd = -1;
		/* argv[0] becomes the script's path; interp and arg go in front of it */
		if (argv.n) {
			free(argv.v[0]);
			argv.v[0] = strdup(path);
			r = argv.v[0] ? 0 : -ENOMEM;
		} else {
			r = strv_push(&argv, strdup(path), 0);
		}
		if (!r && arg)
			r = strv_push(&argv, arg, 0);
		else
			free(arg);
		if (!r)
			r = strv_push(&argv, strdup(interp), 0);
		free(path);
		path = interp;
	}
	if (r) {
		if (fd >= 0)
			close(fd);
		free(path);
		free(filename);
		strv_free(&argv);
		strv_free(&envp);
		return r;
	}
	char gpath[4096];
	if (fs_guest_path_of_fd(t, fd, gpath, sizeof gpath) < 0)
		snprintf(gpath, sizeof gpath, "%s", path);
	exe = strdup(gpath);
	struct mm_layout_config cfg = t->mm->cfg;
	struct mm_struct *old = t->mm;
	struct task *vfork_parent = t->vfork_parent;
	char err[512] = "";
	/* the name the new program sees in AT_EXECFN and comm: owned by the task from now */
	r = exe ? exec_binary(t, fd, gpath, filename, argv.n, argv.v, envp.v, &cfg, err, sizeof err)
		: -ENOMEM;
	close(fd);
	free(path);
	strv_free(&argv);
	strv_free(&envp);
	if (t->mm == old) {
		/* nothing was replaced: the old program goes on with the error */
		free(exe);
		free(filename);
		return r;
	}
	/* de_thread: the other threads of the process go (the pid stays this thread's) */
	zap_other_threads(t);
	COUNT(t->ctr, proc_execs);
	free(t->owned_comm);
	t->owned_comm = filename; /* t->comm points into it */
	free(t->owned_exe);
	t->owned_exe = exe;
	t->exe_path = exe;
	if (ktrace_on(t, TRACE_SCHED))
		ktrace_sched_exec(t);
	if (vfork_parent) {
		/* exec_mm_release: the parent may run again */
		wake_up_task(vfork_parent, WAIT_VFORK);
		t->vfork_parent = NULL;
	}
	t->clear_child_tid = 0;
	/* unshare_sighand: the handlers a CLONE_SIGHAND sibling still uses are not reset
	 * for it */
	if (!r && unshare_sighand(t)) {
		r = -ENOMEM;
		snprintf(err, sizeof err, "no memory for the signal handlers");
	}
	if (r) {
		/* past the point of no return: the process is gone with its old image */
		fprintf(stderr, "vmlab: execve: %s\n", err);
		signal_kill_task(t, SIGSEGV, NULL);
		return 0;
	}
	reset_for_new_program(t);
	return 0;
}

long sys_execve(struct task *t, const uint32_t *a)
{
	return do_execveat(t, AT_FDCWD_, a[0], a[1], a[2], 0);
}

long sys_execveat(struct task *t, const uint32_t *a)
{
	return do_execveat(t, (int)a[0], a[1], a[2], a[3], a[4]);
}
