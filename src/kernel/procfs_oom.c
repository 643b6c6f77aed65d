/*
 * /proc/PID/oom_score_adj and the legacy /proc/PID/oom_adj (fs/proc/base.c in Linux): their
 * text, and writing them. The setting belongs to the process (signal_struct in Linux): a
 * write changes every thread of the group, and the processes that share its address space
 * without being a vfork child (CLONE_VM without CLONE_THREAD), as __set_oom_adj does.
 *
 * Permissions: lowering oom_score_adj below the lowest value a privileged writer set
 * (oom_score_adj_min), or oom_adj below the current setting, needs CAP_SYS_RESOURCE. vmlab
 * models no capability sets: a task has every capability while its effective uid is 0 and
 * none otherwise, which is what Linux gives a process that does not use capset or
 * SECBIT_KEEP_CAPS.
 */
#include "kernel/procfs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/fs/file.h"
#include "kernel/mm/swap.h"
#include "kernel/procfs_buf.h"
#include "kernel/sched.h"
#include "kernel/task.h"
#include "kernel/uaccess.h"

/* the legacy scale (include/uapi/linux/oom.h) */
#define OOM_DISABLE (-17)
#define OOM_ADJUST_MIN (-16)
#define OOM_ADJUST_MAX 15
#define PROC_NUMBUF 13

static bool capable_sys_resource(const struct task *t)
{
	return t->euid == 0;
}

bool procfs_oom_file(const char *rest)
{
	return !strcmp(rest, "oom_score_adj") || !strcmp(rest, "oom_adj");
}

int procfs_oom_show(struct sbuf *b, struct task *t, const char *rest)
{
	if (!strcmp(rest, "oom_score_adj")) {
		sb_printf(b, "%d\n", t->oom_score_adj);
		return 0;
	}
	if (!strcmp(rest, "oom_adj")) {
		/* scaled down, truncated, and never above the top of the old range (the i386
		 * 6.1 oracle shows 15 for 999, which scales to 16) */
		int adj = t->oom_score_adj * -OOM_DISABLE / OOM_SCORE_ADJ_MAX;
		if (adj > OOM_ADJUST_MAX)
			adj = OOM_ADJUST_MAX;
		sb_printf(b, "%d\n", adj);
		return 0;
	}
	return -ENOENT;
}

/* kstrtoint(s, 0, &v): an optional sign, 0x for hex, a leading 0 for octal, then digits to
 * the end but for one newline. -EINVAL for anything else, -ERANGE beyond int. */
static int parse_int(const char *s, int *v)
{
	bool neg = false;
	if (*s == '-') {
		neg = true;
		s++;
	}
	if (*s == '+')
		s++;
	unsigned base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
	    ((s[2] >= '0' && s[2] <= '9') || ((s[2] | 0x20) >= 'a' && (s[2] | 0x20) <= 'f'))) {
		base = 16;
		s += 2;
	} else if (s[0] == '0') {
		base = 8;
	}
	unsigned long long r = 0;
	bool range = false;
	const char *start = s;
	for (;; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (unsigned)((*s | 0x20) - 'a' + 10);
		else
			break;
		if (d >= base)
			break;
		if (r > (~0ull - d) / base)
			range = true;
		else
			r = r * base + d;
	}
	if (s == start)
		return -EINVAL;
	if (range)
		return -ERANGE;
	if (*s == '\n')
		s++;
	if (*s)
		return -EINVAL;
	if (neg ? r > 0x80000000ull : r > 0x7fffffffull)
		return -ERANGE;
	*v = neg ? (int)(0 - r) : (int)r;
	return 0;
}

/* The process /proc/<tgid> names, from the file's path. */
static struct task *target_of(struct task *t, const char *path)
{
	int tgid = (int)strtol(path + 6, NULL, 10); /* "/proc/<tgid>/..." */
	if (tgid == t->tgid)
		return t;
	struct sched *s = t->sched;
	for (size_t i = 0; s && i < s->nr; i++)
		if (s->tasks[i]->tgid == tgid && s->tasks[i]->state < EXIT_ZOMBIE)
			return s->tasks[i];
	return NULL;
}

static void set_one(struct task *p, int adj, bool set_min)
{
	p->oom_score_adj = adj;
	if (set_min)
		p->oom_score_adj_min = adj;
}

/* __set_oom_adj */
static int set_oom_adj(struct task *t, struct task *task, int adj, bool legacy)
{
	if (legacy) {
		if (adj < task->oom_score_adj && !capable_sys_resource(t))
			return -EACCES;
		static bool warned;
		if (!warned) {
			warned = true;
			fprintf(stderr,
				"%s (%d): /proc/%d/oom_adj is deprecated, please use "
				"/proc/%d/oom_score_adj instead.\n",
				t->comm ? t->comm : "?", t->pid, task->tgid, task->tgid);
		}
	} else if (adj < task->oom_score_adj_min && !capable_sys_resource(t)) {
		return -EACCES;
	}
	bool set_min = !legacy && capable_sys_resource(t);
	struct sched *s = task->sched;
	set_one(task, adj, set_min);
	for (size_t i = 0; s && i < s->nr; i++) {
		struct task *p = s->tasks[i];
		if (p == task || p->state >= EXIT_ZOMBIE)
			continue;
		bool same_group = p->tgid == task->tgid;
		/* a process sharing the mm, unless either is a vfork child (which shares it only
		 * until it execs or exits) */
		bool shares = !same_group && task->mm && p->mm == task->mm && !task->vfork_parent &&
			      !p->vfork_parent;
		if (same_group || shares)
			set_one(p, adj, set_min);
	}
	return 0;
}

long procfs_oom_write(struct task *t, struct file *f, uint32_t ubuf, uint32_t count)
{
	const char *base = strrchr(f->path, '/');
	if (!base || !procfs_oom_file(base + 1))
		return -EBADF;
	bool legacy = !strcmp(base + 1, "oom_adj");
	char buf[PROC_NUMBUF];
	memset(buf, 0, sizeof(buf));
	if (count > sizeof(buf) - 1)
		count = sizeof(buf) - 1;
	if (copy_from_user(t, buf, ubuf, count))
		return -EFAULT;
	/* strstrip */
	char *s = buf;
	while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		s++;
	size_t l = strlen(s);
	while (l && (s[l - 1] == ' ' || (s[l - 1] >= '\t' && s[l - 1] <= '\r')))
		s[--l] = '\0';
	int v;
	int err = parse_int(s, &v);
	if (err)
		return err;
	if (legacy) {
		if ((v < OOM_ADJUST_MIN || v > OOM_ADJUST_MAX) && v != OOM_DISABLE)
			return -EINVAL;
		/* the top of the old scale is the top of the new one */
		v = v == OOM_ADJUST_MAX ? OOM_SCORE_ADJ_MAX : v * OOM_SCORE_ADJ_MAX / -OOM_DISABLE;
	} else if (v < OOM_SCORE_ADJ_MIN || v > OOM_SCORE_ADJ_MAX) {
		return -EINVAL;
	}
	struct task *task = target_of(t, f->path);
	if (!task)
		return -ESRCH;
	err = set_oom_adj(t, task, v, legacy);
	return err ? err : (long)count;
}
