/* Capture, environment, limit and trace options of `vmlab run` (run_options.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

#include "cli/run_options.h"

#define INF (~0ull)

void run_options_init(struct run_options *o)
{
	memset(o, 0, sizeof *o);
}

void run_options_free(struct run_options *o)
{
	free(o->env_ops);
	free(o->rlimit_ops);
	o->env_ops = NULL;
	o->rlimit_ops = NULL;
}

/* Linux's RLIMIT_ numbers (asm-generic/resource.h, which i386 uses). */
static const char *const rlimit_names[VMLAB_RLIM_NLIMITS] = {
    "cpu",     "fsize", "data",	 "stack",      "core",	   "rss",  "nproc",  "nofile",
    "memlock", "as",	"locks", "sigpending", "msgqueue", "nice", "rtprio", "rttime",
};

const char *rlimit_name(int r)
{
	return r >= 0 && r < VMLAB_RLIM_NLIMITS ? rlimit_names[r] : NULL;
}

/* "unlimited", or a count with an optional K/M/G suffix (powers of 1024). */
static int parse_limit(const char *s, size_t len, uint64_t *v)
{
	if ((len == 9 && !strncasecmp(s, "unlimited", 9)) ||
	    (len == 8 && !strncasecmp(s, "infinity", 8))) {
		*v = INF;
		return 0;
	}
	char buf[32];
	if (!len || len >= sizeof buf)
		return -1;
	memcpy(buf, s, len);
	buf[len] = 0;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(buf, &end, 0);
	if (errno || end == buf || buf[0] == '-')
		return -1;
	unsigned shift = 0;
	if (*end) {
		const char *units = "KMG";
		const char *u = strchr(units, *end & ~0x20);
		if (!u || end[1])
			return -1;
		shift = 10 * (unsigned)(u - units + 1);
	}
	if (shift && x > (INF >> shift))
		return -1;
	*v = (uint64_t)x << shift;
	return 0;
}

/* NAME=SOFT[:HARD]; a lone value sets both */
static int parse_rlimit(struct run_options *o, const char *s)
{
	const char *eq = strchr(s, '=');
	if (!eq)
		return -1;
	int res = -1;
	for (int r = 0; r < VMLAB_RLIM_NLIMITS; r++)
		if (strlen(rlimit_names[r]) == (size_t)(eq - s) &&
		    !strncasecmp(s, rlimit_names[r], (size_t)(eq - s)))
			res = r;
	if (res < 0)
		return -1;
	const char *v = eq + 1, *colon = strchr(v, ':');
	struct rlimit_op op = {.resource = res};
	if (parse_limit(v, colon ? (size_t)(colon - v) : strlen(v), &op.cur))
		return -1;
	op.max = op.cur;
	if (colon && parse_limit(colon + 1, strlen(colon + 1), &op.max))
		return -1;
	if (op.cur > op.max)
		return -1;
	struct rlimit_op *n = realloc(o->rlimit_ops, (o->n_rlimit_ops + 1) * sizeof *n);
	if (!n)
		return -1;
	o->rlimit_ops = n;
	n[o->n_rlimit_ops++] = op;
	return 0;
}

static int add_env_op(struct run_options *o, bool unset, const char *arg)
{
	if (!*arg ||
	    (unset ? strchr(arg, '=') != NULL : strchr(arg, '=') == arg || !strchr(arg, '=')))
		return -1;
	struct env_op *n = realloc(o->env_ops, (o->n_env_ops + 1) * sizeof *n);
	if (!n)
		return -1;
	o->env_ops = n;
	n[o->n_env_ops++] = (struct env_op){unset, arg};
	return 0;
}

/* "--name=value" or "--name value": the value, and how many arguments it took */
static const char *value_of(const char *a, const char *name, const char *next, int *used)
{
	size_t n = strlen(name);
	if (strncmp(a, name, n))
		return NULL;
	if (a[n] == '=') {
		*used = 1;
		return a + n + 1;
	}
	if (a[n] == 0 && next) {
		*used = 2;
		return next;
	}
	return NULL;
}

int run_options_parse(struct run_options *o, const char *a, const char *next)
{
	int used = 1;
	const char *v;
	if (!strcmp(a, "--stats")) {
		o->stats = STATS_TEXT;
	} else if (!strncmp(a, "--stats=", 8)) {
		v = a + 8;
		if (!strcmp(v, "text"))
			o->stats = STATS_TEXT;
		else if (!strcmp(v, "json"))
			o->stats = STATS_JSON;
		else {
			fprintf(stderr, "vmlab run: bad --stats '%s' (text or json)\n", v);
			return -1;
		}
	} else if ((v = value_of(a, "--stats-file", next, &used))) {
		o->stats_file = v;
	} else if ((v = value_of(a, "--log-file", next, &used))) {
		o->log_file = v;
	} else if (!strcmp(a, "--help-stats")) {
		o->help_stats = true;
	} else if (!strcmp(a, "--env-clear")) {
		o->env_base = ENV_CLEAR;
	} else if (!strcmp(a, "--env-host")) {
		o->env_base = ENV_HOST;
	} else if (!strncmp(a, "-E", 2) || !strncmp(a, "-U", 2)) {
		bool unset = a[1] == 'U';
		v = a[2] ? a + 2 : next;
		used = a[2] ? 1 : 2;
		if (!v || add_env_op(o, unset, v)) {
			fprintf(stderr, "vmlab run: bad %s '%s' (%s)\n", unset ? "-U" : "-E",
				v ? v : "", unset ? "-U NAME" : "-E NAME=VALUE");
			return -1;
		}
	} else if (!strcmp(a, "--rlimit-host")) {
		o->rlimit_host = true;
	} else if ((v = value_of(a, "--rlimit", next, &used))) {
		if (parse_rlimit(o, v)) {
			fprintf(stderr,
				"vmlab run: bad --rlimit '%s' (NAME=SOFT[:HARD], NAME one of "
				"stack, nofile, core, as, data, fsize, memlock, nproc, ...; "
				"values like 8M or unlimited)\n",
				v);
			return -1;
		}
	} else if ((v = value_of(a, "--trace", next, &used))) {
		o->trace_classes = v;
	} else if ((v = value_of(a, "--trace-file", next, &used))) {
		o->trace_file = v;
	} else if ((v = value_of(a, "--trace-format", next, &used))) {
		o->trace_format = v;
	} else if ((v = value_of(a, "--trace-addr", next, &used))) {
		o->trace_addr = v;
	} else if ((v = value_of(a, "--trace-insns", next, &used))) {
		o->trace_insns = v;
	} else if ((v = value_of(a, "--trace-tlb-sample", next, &used))) {
		o->trace_tlb_sample = v;
	} else if ((v = value_of(a, "--trace-pid", next, &used))) {
		o->trace_pid = v;
	} else if (!strcmp(a, "--strace")) {
		o->strace = true;
	} else if ((v = value_of(a, "--report", next, &used))) {
		o->report_file = v;
	} else if ((v = value_of(a, "--report-interval", next, &used))) {
		o->report_interval = v;
	} else if ((v = value_of(a, "--dump-state-file", next, &used))) {
		o->dump_state_file = v;
	} else if ((v = value_of(a, "--dump-state", next, &used))) {
		o->dump_state = v;
	} else if ((v = value_of(a, "--dump-addr", next, &used))) {
		o->dump_addr = v;
	} else {
		return 0;
	}
	return used;
}

void run_options_usage(FILE *f)
{
	fprintf(f,
		"output:\n"
		"  --stats[=text|json]   statistics at exit (on stderr unless --stats-file)\n"
		"  --stats-file=PATH     write the statistics to PATH (implies --stats)\n"
		"  --log-file=PATH       vmlab's own messages to PATH; the program keeps stderr\n"
		"  --help-stats          what each line of the statistics means\n"
		"guest environment and limits (docs/observe.md):\n"
		"  (default: PATH=/usr/local/bin:/usr/bin:/bin HOME=/, Linux's boot-time limits)\n"
		"  --env-host            start from vmlab's own environment\n"
		"  --env-clear           start from an empty environment\n"
		"  -E NAME=VALUE         set a variable;  -U NAME  remove one\n"
		"  --rlimit NAME=SOFT[:HARD]  a resource limit (stack, nofile, core, as, ...;\n"
		"                        8M, 1024, unlimited)\n"
		"  --rlimit-host         start from vmlab's own limits\n"
		"events (docs/observe.md):\n"
		"  --trace=CLASSES       fault,syscall,mm,tlb,signal,walk,swap,kmem,sched\n"
		"                        (or all)\n"
		"  --trace-file=PATH     where the events go (default stderr)\n"
		"  --trace-format=text|json|strace  a line per event, Chrome/Perfetto trace\n"
		"                        JSON (default when PATH ends in .json), or strace's\n"
		"  --trace-addr=LO-HI    only events whose address is in [LO, HI)\n"
		"  --trace-insns=FROM-TO only events between these instruction counts\n"
		"  --trace-tlb-sample=N  keep one TLB event in N (default 1)\n"
		"  --trace-pid=PID[,PID...]  only the events of these processes or threads\n"
		"                        lines only\n"
		"  --strace              --trace=syscall in strace's format on stderr\n"
		"report (docs/observe.md, \"Report\"):\n"
		"  --report=FILE.html    at exit, one self-contained page: configuration, the\n"
		"                        address-space map, plots over time, page tables, the\n"
		"                        faulting instructions disassembled, the totals\n"
		"  --report-interval=N   sample every N instructions at first (default 1000)\n"
		"state for `vmlab translate` (docs/translate.md):\n"
		"  --dump-state=exit|fault|insn=N  write the machine (CRs, GDT/LDT, page-table\n"
		"                        paths, TLB) as a translate state file at that moment\n"
		"  --dump-state-file=PATH  where (default vmlab-state.vm)\n"
		"  --dump-addr=ADDR,...  the addresses whose paths it holds (default: EIP,\n"
		"                        ESP and the faulting address)\n");
}

/* ---- the guest's environment ---- */

static const char *const fixed_env[] = {
    "PATH=/usr/local/bin:/usr/bin:/bin",
    "HOME=/",
};

static size_t name_len(const char *s)
{
	const char *eq = strchr(s, '=');
	return eq ? (size_t)(eq - s) : strlen(s);
}

static void env_remove(char **env, size_t *n, const char *name, size_t len)
{
	size_t w = 0;
	for (size_t r = 0; r < *n; r++) {
		if (name_len(env[r]) == len && !strncmp(env[r], name, len))
			free(env[r]);
		else
			env[w++] = env[r];
	}
	*n = w;
	env[w] = NULL;
}

void run_env_free(char **env)
{
	if (!env)
		return;
	for (char **e = env; *e; e++)
		free(*e);
	free(env);
}

char **run_env_build(const struct run_options *o, char *const *host)
{
	size_t nbase = 0;
	const char *const *base = NULL;
	if (o->env_base == ENV_FIXED) {
		base = fixed_env;
		nbase = sizeof fixed_env / sizeof fixed_env[0];
	} else if (o->env_base == ENV_HOST && host) {
		base = (const char *const *)host;
		while (host[nbase])
			nbase++;
	}
	char **env = calloc(nbase + o->n_env_ops + 1, sizeof *env);
	if (!env)
		return NULL;
	size_t n = 0;
	for (size_t i = 0; i < nbase; i++)
		if (!(env[n++] = strdup(base[i])))
			goto oom;
	for (size_t i = 0; i < o->n_env_ops; i++) {
		const char *arg = o->env_ops[i].arg;
		/* -E replaces a variable in place of its first definition, as setenv appends */
		env_remove(env, &n, arg, name_len(arg));
		if (!o->env_ops[i].unset && !(env[n++] = strdup(arg)))
			goto oom;
	}
	env[n] = NULL;
	return env;
oom:
	run_env_free(env);
	return NULL;
}

/* ---- the guest's limits ---- */

void run_rlimits_build(const struct run_options *o, uint64_t totalram_pages,
		       struct vmlab_rlimit rl[VMLAB_RLIM_NLIMITS])
{
	if (o->rlimit_host) {
		for (int r = 0; r < VMLAB_RLIM_NLIMITS; r++) {
			struct rlimit h;
			if (getrlimit(r, &h)) {
				rl[r].cur = rl[r].max = INF;
				continue;
			}
			rl[r].cur = h.rlim_cur == RLIM_INFINITY ? INF : (uint64_t)h.rlim_cur;
			rl[r].max = h.rlim_max == RLIM_INFINITY ? INF : (uint64_t)h.rlim_max;
		}
	} else {
		for (int r = 0; r < VMLAB_RLIM_NLIMITS; r++)
			rl[r].cur = rl[r].max = INF;
		/* set_max_threads: RAM / (8 * THREAD_SIZE), 8 KB stacks on i386; half for a user */
		uint64_t threads = totalram_pages * 4096 / (8 * 8192);
		if (threads < 20)
			threads = 20;
		rl[3].cur = 8u << 20;		       /* stack: 8 MB soft, unlimited hard */
		rl[4].cur = 0;			       /* core: 0 soft */
		rl[6].cur = rl[6].max = threads / 2;   /* nproc */
		rl[7].cur = 1024, rl[7].max = 4096;    /* nofile: INR_OPEN_CUR, INR_OPEN_MAX */
		rl[8].cur = rl[8].max = 8u << 20;      /* memlock: MLOCK_LIMIT */
		rl[11].cur = rl[11].max = threads / 2; /* sigpending */
		rl[12].cur = rl[12].max = 819200;      /* msgqueue: MQ_BYTES_MAX */
		rl[13].cur = rl[13].max = 0;	       /* nice */
		rl[14].cur = rl[14].max = 0;	       /* rtprio */
	}
	for (size_t i = 0; i < o->n_rlimit_ops; i++) {
		rl[o->rlimit_ops[i].resource].cur = o->rlimit_ops[i].cur;
		rl[o->rlimit_ops[i].resource].max = o->rlimit_ops[i].max;
	}
}
