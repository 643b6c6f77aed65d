/*
 * procfs paths: which names exist under /proc, what they are (file, directory, symlink),
 * and the system-wide files (the fs/proc directory in Linux). Per-process files are in
 * procfs_pid.c; the memory-manager files come from the kernel-memory code (mm/proc_mm.c).
 *
 * Every live or zombie task has /proc/<pid> (a thread's is reachable by number but listed
 * only under its process's task/ directory, as Linux's readdir hides them); a reaped pid is
 * absent (ENOENT). /proc/self names the caller's process, /proc/thread-self its
 * task/<tid>. A zombie keeps its directory but has no mm, files or fs: maps and cmdline
 * read empty, exe/cwd/root give ENOENT, fd/ lists nothing (fs/proc/base.c's rules).
 */
#include "kernel/procfs.h"
#include "kernel/mm/swap.h"
#include "cpu/cpu.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <fcntl.h>
#include <unistd.h>

#include "kernel/fs/file.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/fs_internal.h"
#include "kernel/fs/stat_i386.h"
#include "kernel/ipc/ipc_proc.h"
#include "kernel/mm/kmem.h"
#include "kernel/mm/mmap.h"
#include "kernel/procfs_buf.h"
#include "kernel/procfs_int.h"
#include "kernel/sched.h"
#include "kernel/sys_time.h"
#include "kernel/task.h"

#define PROC_DEV_MINOR 22 /* procfs is an anonymous-device superblock: 0:N */

enum pk { PK_NONE, PK_DIR, PK_FILE, PK_LINK };

/* A procfs path split: what, and for per-process files the rest after "/proc/<pid>". */
struct ppath {
	enum pk kind;
	bool pid_dir;   /* below /proc/<pid> */
	bool sys;       /* below /proc/sys: name is the part after "sys/" */
	const char *rest; /* "" for /proc/<pid> itself, else "maps", "fd/3", ... */
	const char *name; /* for top-level files */
	int fd;           /* fd/N */
	struct task *who; /* below /proc/<pid>: the task it shows (a thread below task/<tid>) */
	bool task_list;	  /* /proc/<pid>/task itself */
	bool in_thread;	  /* below /proc/<pid>/task/<tid> */
};

static const char *const pid_files[] = {
	"maps", "smaps", "smaps_rollup", "stat", "statm", "status", "pagemap", "cmdline", "environ", "comm",
	"oom_score", "oom_score_adj", "oom_adj", NULL};
static const char *const pid_links[] = {"exe", "cwd", "root", NULL};
static const char *const top_files[] = {
	"meminfo", "vmstat", "buddyinfo", "zoneinfo", "slabinfo", "vmallocinfo", "cpuinfo",
	"version", "uptime", "loadavg", "swaps", NULL};

/* /proc/sys: the sysctls a program may read to learn how the machine is set up. */
static const char *const sysctl_names[] = {
	"vm/overcommit_memory", "vm/overcommit_ratio", "vm/min_free_kbytes", "vm/max_map_count",
	"vm/mmap_min_addr", "vm/page-cluster", "kernel/randomize_va_space", "kernel/osrelease", "kernel/ostype",
	"kernel/pid_max", "kernel/hostname", NULL};

static int sysctl_show(struct sbuf *b, struct task *t, const char *name)
{
	const struct mm_struct *mm = t->mm;
	if (!strcmp(name, "vm/overcommit_memory"))
		sb_printf(b, "%d\n", mm ? mm->cfg.overcommit_memory : 0);
	else if (!strcmp(name, "vm/overcommit_ratio"))
		sb_printf(b, "%u\n", mm ? mm->cfg.overcommit_ratio : 50);
	else if (!strcmp(name, "vm/min_free_kbytes") && t->km)
		sb_printf(b, "%llu\n", (unsigned long long)t->km->min_free_kbytes);
	else if (!strcmp(name, "vm/max_map_count"))
		sb_printf(b, "65530\n");
	else if (!strcmp(name, "vm/mmap_min_addr"))
		sb_printf(b, "%u\n", MMAP_MIN_ADDR);
	else if (!strcmp(name, "vm/page-cluster"))
		sb_printf(b, "%d\n", SWAP_PAGE_CLUSTER);
	else if (!strcmp(name, "kernel/randomize_va_space"))
		sb_printf(b, "%d\n", mm && mm->cfg.randomize ? 2 : 0);
	else if (!strcmp(name, "kernel/osrelease"))
		sb_printf(b, "%s\n", VMLAB_UTS_RELEASE);
	else if (!strcmp(name, "kernel/ostype"))
		sb_printf(b, "Linux\n");
	else if (!strcmp(name, "kernel/pid_max"))
		sb_printf(b, "32768\n");
	else if (!strcmp(name, "kernel/hostname"))
		sb_printf(b, "vmlab\n");
	else
		return ipc_sysctl_show(b, name);
	return 0;
}

static bool in_list(const char *const *l, const char *s)
{
	for (; *l; l++)
		if (!strcmp(*l, s))
			return true;
	return false;
}

/* A decimal pid as procfs spells it (no sign, no leading zero), or -1. */
static int proc_pid_of(const char *s)
{
	if (*s < '1' || *s > '9' || strlen(s) > 9)
		return -1;
	for (const char *c = s; *c; c++)
		if (*c < '0' || *c > '9')
			return -1;
	return atoi(s);
}

/* The task with this pid, live or zombie; without a scheduler (unit tests) only t. */
static struct task *proc_task(struct task *t, int pid)
{
	if (pid <= 0)
		return NULL;
	if (!t->sched)
		return pid == t->pid || pid == t->tgid ? t : NULL;
	struct task *x = find_task_by_pid(t->sched, pid);
	if (x && x->state == EXIT_DEAD)
		return NULL;
	return x;
}

/* The task a /proc/<name> names; without a scheduler (unit tests) t by its own number,
 * whatever it is. */
static struct task *proc_task_named(struct task *t, const char *name)
{
	if (!t->sched) {
		char own[16];
		snprintf(own, sizeof own, "%d", t->tgid);
		return strcmp(name, own) ? proc_task(t, proc_pid_of(name)) : t;
	}
	return proc_task(t, proc_pid_of(name));
}

/* ptrace_may_access(PTRACE_MODE_READ_FSCREDS) for procfs: root, or the same user whose
 * ids have not changed. environ, pagemap and the links need it. */
static bool proc_may_access(const struct task *t, const struct task *who)
{
	if (t == who || t->tgid == who->tgid || t->euid == 0)
		return true;
	return who->uid == t->euid && who->euid == t->euid && who->gid == t->egid &&
	       who->egid == t->egid;
}

/* Parses a normalised path; "/proc/self" itself is a link, handled by the caller. */
static void parse(struct task *t, const char *path, struct ppath *p)
{
	memset(p, 0, sizeof(*p));
	p->fd = -1;
	if (!strcmp(path, "/proc")) {
		p->kind = PK_DIR;
		return;
	}
	const char *s = path + 6; /* after "/proc/" */
	char first[32];
	size_t l = strcspn(s, "/");
	if (l >= sizeof(first))
		return;
	memcpy(first, s, l);
	first[l] = '\0';
	const char *after = s[l] ? s + l + 1 : "";
	if (!strcmp(first, "sys")) {
		p->sys = true;
		p->name = after;
		if (!*after || !strcmp(after, "vm") || !strcmp(after, "kernel"))
			p->kind = PK_DIR;
		else if (in_list(sysctl_names, after) || in_list(ipc_sysctl_names, after))
			p->kind = PK_FILE;
		return;
	}
	if (!strcmp(first, "sysvipc")) {
		p->name = s;
		if (!*after)
			p->kind = PK_DIR;
		else if (in_list(ipc_proc_names, after))
			p->kind = PK_FILE;
		return;
	}
	struct task *who = NULL;
	if (!strcmp(first, "self") || !strcmp(first, "thread-self")) {
		if (!*after) {
			p->kind = PK_LINK;
			p->name = first;
			return;
		}
		/* resolve_self rewrote the paths that are opened; a stat or readlink may
		 * still come through here */
		who = first[0] == 's' && t->sched ? proc_task(t, t->tgid) : t;
	} else if (!(who = proc_task_named(t, first))) {
		if (!*after && in_list(top_files, first)) {
			p->kind = PK_FILE;
			p->name = s;
		}
		return;
	}
	if (!who)
		return;
	if (!strcmp(first, "thread-self"))
		p->in_thread = true;
	if (!strcmp(after, "task") && !p->in_thread) {
		p->kind = PK_DIR;
		p->pid_dir = p->task_list = true;
		p->who = who;
		p->rest = after;
		return;
	}
	if (!strncmp(after, "task/", 5) && !p->in_thread) {
		/* task/<tid>: a thread of this process, with the per-thread files */
		const char *tid = after + 5;
		size_t tl = strcspn(tid, "/");
		char num[16];
		if (tl >= sizeof num)
			return;
		memcpy(num, tid, tl);
		num[tl] = '\0';
		struct task *th = proc_task_named(t, num);
		if (!th || th->tgid != who->tgid)
			return;
		who = th;
		p->in_thread = true;
		after = tid[tl] ? tid + tl + 1 : "";
	}
	p->who = who;
	p->pid_dir = true;
	p->rest = after;
	if (!*after || !strcmp(after, "fd"))
		p->kind = PK_DIR;
	else if (in_list(pid_files, after))
		p->kind = PK_FILE;
	else if (in_list(pid_links, after))
		p->kind = PK_LINK;
	else if (!strncmp(after, "fd/", 3)) {
		char *end;
		long n = strtol(after + 3, &end, 10);
		if (*end || end == after + 3 || n < 0 || n >= VMLAB_NR_OPEN || !who->files ||
		    !who->files->fd[n])
			return;
		p->fd = (int)n;
		p->kind = PK_LINK;
	}
}

enum procfs_kind procfs_lookup(struct task *t, const char *path, int *fd)
{
	struct ppath p;
	parse(t, path, &p);
	switch (p.kind) {
	case PK_DIR:
		return PROCFS_DIR;
	case PK_FILE:
		return PROCFS_FILE;
	case PK_LINK:
		/* another process's fd, cwd and root: the walk opens what the link's text
		 * names (the magic reopen works on the caller's own tables only) */
		if (p.pid_dir && p.who->tgid != t->tgid)
			return PROCFS_LINK;
		if (p.fd >= 0) {
			*fd = p.fd;
			return PROCFS_MAGIC_FD;
		}
		if (p.pid_dir && !strcmp(p.rest, "cwd"))
			return PROCFS_MAGIC_CWD;
		if (p.pid_dir && !strcmp(p.rest, "root"))
			return PROCFS_MAGIC_ROOT;
		return PROCFS_LINK;
	default:
		return PROCFS_NONE;
	}
}

int procfs_readlink(struct task *t, const char *path, char *buf, size_t n)
{
	struct ppath p;
	parse(t, path, &p);
	if (p.kind == PK_NONE)
		return -ENOENT;
	if (p.kind != PK_LINK)
		return -EINVAL;
	const char *target = NULL;
	char tmp[32];
	char *live = NULL;
	if (!p.pid_dir) {
		if (!strcmp(p.name, "self"))
			snprintf(tmp, sizeof(tmp), "%d", t->tgid);
		else
			snprintf(tmp, sizeof(tmp), "%d/task/%d", t->tgid, t->pid);
		target = tmp;
	} else if (!proc_may_access(t, p.who)) {
		return -EACCES;
	} else if (!strcmp(p.rest, "cwd") && !p.who->fs) {
		return -ENOENT; /* a zombie: exit_fs dropped it */
	} else if (p.fd >= 0 || !strcmp(p.rest, "cwd")) {
		/* where the object is now (a rename moves it), as d_path tells */
		struct task *w = p.who;
		struct file *f = p.fd >= 0 ? w->files->fd[p.fd] : NULL;
		live = malloc(PATH_MAX);
		if (!live)
			return -ENOMEM;
		int r = f ? (f->kind == FILE_HOST && !f->is_pipe
				 ? fs_guest_path_of_fd(w, f->host_fd, live, PATH_MAX)
				 : (snprintf(live, PATH_MAX, "%s", f->path), 0))
			  : fs_cwd_path(w, live, PATH_MAX);
		if (r) {
			free(live);
			return r;
		}
		target = live;
	} else if (!strcmp(p.rest, "exe")) {
		/* get_task_exe_file: through the mm, which a zombie no longer has */
		if (!p.who->exe_path || !p.who->mm)
			return -ENOENT;
		target = p.who->exe_path;
	} else if (!p.who->fs) {
		return -ENOENT;
	} else {
		target = "/";
	}
	size_t l = strlen(target);
	if (l > n)
		l = n;
	memcpy(buf, target, l);
	free(live);
	return (int)l;
}

/* Follows the link a path names (exactly one level: /proc/self -> /proc/<pid>). */
static void resolve_self(struct task *t, const char *in, char *out, size_t n)
{
	const char *s = in + 6;
	if (!strncmp(in, "/proc/", 6) &&
	    (!strncmp(s, "self", 4) && (s[4] == '/' || !s[4])))
		snprintf(out, n, "/proc/%d%s", t->tgid, s + 4);
	else if (!strncmp(in, "/proc/", 6) && !strncmp(s, "thread-self", 11) &&
		 (s[11] == '/' || !s[11]))
		snprintf(out, n, "/proc/%d/task/%d%s", t->tgid, t->pid, s + 11);
	else
		snprintf(out, n, "%s", in);
}

/* Tasks in pid order: thread-group leaders (tgid 0), or the threads of process tgid. */
static void list_pids(struct sbuf *b, struct task *t, int tgid)
{
	struct sched *s = t->sched;
	if (!s) {
		sb_printf(b, "d %d\n", tgid ? t->pid : t->tgid);
		return;
	}
	if (!tgid && s->init)
		sb_printf(b, "d %d\n", PID_INIT);
	int last = PID_INIT;
	for (;;) {
		/* the smallest pid above the last listed: pid order whatever the list's */
		struct task *next = NULL;
		for (size_t i = 0; i < s->nr; i++) {
			struct task *x = s->tasks[i];
			if (x->state == EXIT_DEAD || x->pid <= last)
				continue;
			if (tgid ? x->tgid != tgid : x->pid != x->tgid)
				continue;
			if (!next || x->pid < next->pid)
				next = x;
		}
		if (!next)
			return;
		sb_printf(b, "d %d\n", next->pid);
		last = next->pid;
	}
}

/* /proc's link count: 3 + the processes (each /proc/<pid> a subdirectory). */
static size_t proc_nr_processes(struct task *t)
{
	struct sched *s = t->sched;
	size_t n = s && s->init ? 1 : 0;
	for (size_t i = 0; s && i < s->nr; i++)
		n += s->tasks[i]->state != EXIT_DEAD && s->tasks[i]->pid == s->tasks[i]->tgid;
	return s ? n : 1;
}

int procfs_stat(struct task *t, const char *path, bool follow, struct stat *st)
{
	struct ppath p;
	parse(t, path, &p);
	if (p.kind == PK_LINK && follow) {
		/* the walk in fs/namei.c follows links before a stat; this is for the rest */
		char *buf = malloc(PATH_MAX);
		if (!buf)
			return -ENOMEM;
		int r;
		struct task *w = p.who;
		if (w && !proc_may_access(t, w)) {
			r = -EACCES;
		} else if (p.fd >= 0 && w->files->fd[p.fd]->kind == FILE_HOST) {
			r = fstat(w->files->fd[p.fd]->host_fd, st) < 0 ? -errno : 0;
		} else if (p.fd >= 0) {
			r = procfs_stat(t, w->files->fd[p.fd]->path, true, st);
		} else if (!p.pid_dir) {
			resolve_self(t, path, buf, PATH_MAX);
			r = procfs_stat(t, buf, true, st);
		} else if (strcmp(p.rest, "exe") && !w->fs) {
			r = -ENOENT;
		} else if (!strcmp(p.rest, "cwd") && w->fs->cwd_proc) {
			r = procfs_stat(t, w->fs->cwd_proc, true, st);
		} else if (!strcmp(p.rest, "cwd")) {
			r = fstat(w->fs->cwd_fd, st) < 0 ? -errno : 0;
		} else if (!strcmp(p.rest, "root")) {
			r = fstat(w->fs->root_fd, st) < 0 ? -errno : 0;
		} else {
			r = w->exe_path && w->mm ? fs_stat_guest(t, w->exe_path, st) : -ENOENT;
		}
		free(buf);
		return r;
	}
	if (p.kind == PK_NONE)
		return -ENOENT;
	memset(st, 0, sizeof(*st));
	st->st_dev = makedev(0, PROC_DEV_MINOR);
	st->st_ino = 0x1000 + (ino_t)(strlen(path) * 131 + (unsigned char)path[strlen(path) - 1]);
	st->st_nlink = p.kind == PK_DIR ? 2 : 1;
	st->st_blksize = 1024;
	bool own = p.pid_dir;
	st->st_uid = own ? p.who->euid : 0;
	st->st_gid = own ? p.who->egid : 0;
	switch (p.kind) {
	case PK_DIR:
		st->st_mode = S_IFDIR | (p.rest && !strcmp(p.rest, "fd") ? 0500 : 0555);
		if (!p.pid_dir && !p.sys)
			st->st_nlink = 3 + (nlink_t)proc_nr_processes(t);
		break;
	case PK_LINK:
		st->st_mode = S_IFLNK | 0777;
		break;
	default: {
		if (p.sys) {
			st->st_mode = S_IFREG | 0644;
			break;
		}
		bool priv = p.pid_dir && (!strcmp(p.rest, "pagemap") || !strcmp(p.rest, "environ"));
		bool kern = !p.pid_dir && (!strcmp(p.name, "slabinfo") ||
					   !strcmp(p.name, "vmallocinfo"));
		st->st_mode = S_IFREG | (priv || kern ? 0400 : 0444);
		if (p.pid_dir && (!strcmp(p.rest, "comm") || procfs_oom_file(p.rest)))
			st->st_mode = S_IFREG | 0644;
	}
	}
	uint64_t now = vclock_realtime_ns(t);
	st->st_atim.tv_sec = st->st_mtim.tv_sec = st->st_ctim.tv_sec = (time_t)(now / 1000000000u);
	return 0;
}

static void cpuinfo(struct sbuf *b, enum cpu_vendor v)
{
	/* What Linux prints for the CPU src/cpu/exec_sys.c reports through CPUID: a family 15
	 * model 2 stepping 9 GenuineIntel (or model 4 stepping 8 AuthenticAMD) without a brand
	 * string (so the model name comes from the kernel's table, which has no family 15 entry
	 * for AMD) with FPU PSE TSC PAE CX8 PGE CMOV CLFSH MMX FXSR SSE SSE2 and a 32-byte
	 * CLFLUSH line, at the virtual clock's 1 GHz. */
	bool amd = cpu_vendor_is_amd(v);
	sb_printf(b, "processor\t: 0\nvendor_id\t: %s\ncpu family\t: 15\nmodel\t\t: %d\n"
		     "model name\t: %s\nstepping\t: %d\n"
		     "cpu MHz\t\t: 1000.000\nphysical id\t: 0\nsiblings\t: 1\ncore id\t\t: 0\n"
		     "cpu cores\t: 1\napicid\t\t: 0\ninitial apicid\t: 0\n"
		     "fdiv_bug\t: no\nf00f_bug\t: no\ncoma_bug\t: no\nfpu\t\t: yes\n"
		     "fpu_exception\t: yes\ncpuid level\t: 1\nwp\t\t: yes\n"
		     "flags\t\t: fpu pse tsc pae cx8 pge cmov clflush mmx fxsr sse sse2 cpuid\n"
		     "bugs\t\t:\n"
		     "bogomips\t: 2000.00\nclflush size\t: 32\ncache_alignment\t: 32\n"
		     "address sizes\t: 36 bits physical, 32 bits virtual\npower management:\n\n",
		  amd ? "AuthenticAMD" : "GenuineIntel", amd ? 4 : 2,
		  amd ? "unknown" : "Pentium 4 (Northwood)", amd ? 8 : 9);
}

static int kmem_text(struct sbuf *b, struct task *t, int (*show)(struct kmem *, char *, size_t))
{
	if (!t->km)
		return -ENOENT;
	size_t cap = 1 << 16;
	for (;;) {
		char *buf = malloc(cap);
		if (!buf)
			return -ENOMEM;
		int n = show(t->km, buf, cap);
		if (n < 0) {
			free(buf);
			return n;
		}
		if ((size_t)n < cap) {
			sb_printf(b, "%.*s", n, buf);
			free(buf);
			return 0;
		}
		free(buf);
		cap *= 4;
	}
}

static int top_file(struct sbuf *b, struct task *t, const char *name)
{
	if (!strcmp(name, "meminfo"))
		return kmem_text(b, t, proc_meminfo_show);
	if (!strcmp(name, "vmstat"))
		return kmem_text(b, t, proc_vmstat_show);
	if (!strcmp(name, "buddyinfo"))
		return kmem_text(b, t, proc_buddyinfo_show);
	if (!strcmp(name, "zoneinfo"))
		return kmem_text(b, t, proc_zoneinfo_show);
	if (!strcmp(name, "slabinfo"))
		return kmem_text(b, t, proc_slabinfo_show);
	if (!strcmp(name, "vmallocinfo"))
		return kmem_text(b, t, proc_vmallocinfo_show);
	if (!strcmp(name, "swaps"))
		return kmem_text(b, t, proc_swaps_show);
	if (!strcmp(name, "cpuinfo")) {
		cpuinfo(b, t->cpu ? t->cpu->vendor : CPU_VENDOR_INTEL);
		return 0;
	}
	if (!strcmp(name, "version")) {
		sb_printf(b, "Linux version %s (vmlab) #1 SMP PREEMPT_DYNAMIC vmlab\n",
			  VMLAB_UTS_RELEASE);
		return 0;
	}
	if (!strcmp(name, "uptime")) {
		uint64_t ns = vclock_monotonic_ns(t), idle = ns - vclock_cputime_ns(t);
		sb_printf(b, "%llu.%02llu %llu.%02llu\n", (unsigned long long)(ns / 1000000000u),
			  (unsigned long long)(ns / 10000000u % 100),
			  (unsigned long long)(idle / 1000000000u),
			  (unsigned long long)(idle / 10000000u % 100));
		return 0;
	}
	if (!strcmp(name, "loadavg")) {
		sb_printf(b, "0.00 0.00 0.00 1/1 %d\n", t->tgid);
		return 0;
	}
	return -ENOENT;
}

static void list_dir(struct sbuf *b, struct task *t, const struct ppath *p)
{
	if (p->sys) {
		size_t l = strlen(p->name);
		if (!l) {
			sb_printf(b, "d kernel\nd vm\n");
			return;
		}
		for (const char *const *n = sysctl_names; *n; n++)
			if (!strncmp(*n, p->name, l) && (*n)[l] == '/')
				sb_printf(b, "f %s\n", *n + l + 1);
		for (const char *const *n = ipc_sysctl_names; *n; n++)
			if (!strncmp(*n, p->name, l) && (*n)[l] == '/')
				sb_printf(b, "f %s\n", *n + l + 1);
	} else if (p->name && !strcmp(p->name, "sysvipc")) {
		for (const char *const *n = ipc_proc_names; *n; n++)
			sb_printf(b, "f %s\n", *n);
	} else if (!p->pid_dir) {
		/* proc_root_readdir: the fixed entries, then every process by pid */
		sb_printf(b, "l self\nl thread-self\nd sys\nd sysvipc\n");
		for (const char *const *n = top_files; *n; n++)
			sb_printf(b, "f %s\n", *n);
		list_pids(b, t, 0);
	} else if (p->task_list) {
		list_pids(b, t, p->who->tgid);
	} else if (!strcmp(p->rest, "fd")) {
		struct task *w = p->who;
		for (int i = 0; w->files && i < VMLAB_NR_OPEN; i++)
			if (w->files->fd[i])
				sb_printf(b, "l %d\n", i);
	} else {
		sb_printf(b, "d fd\n");
		if (!p->in_thread)
			sb_printf(b, "d task\n");
		for (const char *const *n = pid_files; *n; n++)
			sb_printf(b, "f %s\n", *n);
		for (const char *const *n = pid_links; *n; n++)
			sb_printf(b, "l %s\n", *n);
	}
}

struct task *procfs_task_of(struct task *t, const char *canon)
{
	struct ppath p;
	parse(t, canon, &p);
	return p.pid_dir ? p.who : NULL;
}

/* The files of /proc/<pid> (or task/<tid>) for task w, read by t. */
static int pid_file(struct sbuf *b, struct task *t, struct task *w, const char *rest)
{
	if (!strcmp(rest, "maps"))
		procfs_maps(b, w);
	else if (!strcmp(rest, "smaps"))
		procfs_smaps(b, w);
	else if (!strcmp(rest, "smaps_rollup"))
		procfs_smaps_rollup(b, w);
	else if (!strcmp(rest, "stat"))
		procfs_pid_stat(b, w);
	else if (!strcmp(rest, "statm"))
		procfs_statm(b, w);
	else if (!strcmp(rest, "status"))
		procfs_status(b, w);
	else if (!strcmp(rest, "cmdline") || !strcmp(rest, "environ"))
		procfs_user_range(b, t, w, rest[0] == 'e');
	else if (!strcmp(rest, "comm"))
		sb_printf(b, "%.15s\n", w->comm ? w->comm : "");
	else if (!strcmp(rest, "oom_score"))
		sb_printf(b, "%lu\n", w->mm ? proc_oom_score(w) : 0ul);
	else if (procfs_oom_file(rest))
		return procfs_oom_show(b, w, rest);
	/* pagemap: computed at read time */
	return 0;
}

char *procfs_generate(struct task *t, const char *path, size_t *len, int *err)
{
	char *buf = malloc(PATH_MAX);
	if (!buf) {
		*err = -ENOMEM;
		return NULL;
	}
	resolve_self(t, path, buf, PATH_MAX);
	struct ppath p;
	parse(t, buf, &p);
	struct sbuf b = {0};
	*err = 0;
	if (p.kind == PK_DIR) {
		list_dir(&b, t, &p);
	} else if (p.kind != PK_FILE) {
		*err = p.kind == PK_NONE ? -ENOENT : -ELOOP;
	} else if (p.sys) {
		*err = sysctl_show(&b, t, p.name);
	} else if (!p.pid_dir && !strncmp(p.name, "sysvipc/", 8)) {
		*err = ipc_proc_show(&b, t, p.name + 8);
	} else if (!p.pid_dir) {
		*err = top_file(&b, t, p.name);
	} else if (!strcmp(p.rest, "environ") && !proc_may_access(t, p.who)) {
		*err = -EACCES;
	} else {
		*err = pid_file(&b, t, p.who, p.rest);
	}
	free(buf); /* p points into it */
	if (*err) {
		free(b.s);
		return NULL;
	}
	char *s = sb_take(&b, len);
	if (!s)
		*err = -ENOMEM;
	return s;
}

static struct file *procfs_open_canon(struct task *t, const char *canon, uint32_t flags,
				      int *err)
{
	struct ppath p;
	parse(t, canon, &p);
	if (p.kind == PK_NONE) {
		*err = -ENOENT;
		return NULL;
	}
	if (p.kind == PK_LINK) {
		/* the walk (fs/namei.c) follows links, reopening what a magic link names; a
		 * link reaching here was not to be followed (O_NOFOLLOW) */
		*err = -ELOOP;
		return NULL;
	}
	bool writable = p.kind == PK_FILE && p.pid_dir && procfs_oom_file(p.rest);
	if (!writable &&
	    ((flags & G_O_ACCMODE) != G_O_RDONLY || (flags & (G_O_TRUNC | G_O_CREAT)))) {
		*err = p.kind == PK_DIR ? -EISDIR : -EACCES;
		return NULL;
	}
	if ((flags & G_O_DIRECTORY) && p.kind != PK_DIR) {
		*err = -ENOTDIR;
		return NULL;
	}
	if (p.pid_dir && (!strcmp(p.rest, "pagemap") || !strcmp(p.rest, "fd")) &&
	    !proc_may_access(t, p.who)) {
		*err = -EACCES;
		return NULL;
	}
	size_t len = 0;
	char *data = procfs_generate(t, canon, &len, err);
	if (!data)
		return NULL;
	struct file *f = file_alloc_generated(canon, flags, data, len, err);
	if (!f)
		return NULL;
	f->proc_dir = p.kind == PK_DIR;
	f->pagemap = p.pid_dir && !strcmp(p.rest, "pagemap");
	return f;
}

struct file *procfs_open(struct task *t, const char *path, uint32_t flags, int *err)
{
	char *canon = malloc(PATH_MAX);
	if (!canon) {
		*err = -ENOMEM;
		return NULL;
	}
	resolve_self(t, path, canon, PATH_MAX);
	struct file *f = procfs_open_canon(t, canon, flags, err);
	free(canon);
	return f;
}
