/* The capture side of `vmlab run` (run_session.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/run_session.h"
#include "kernel/signal.h"

extern char **environ;

static int trace_setup(struct run_session *s, const struct run_options *o);

/* --dump-state, --dump-state-file, --dump-addr */
static int dump_setup(struct run_session *s, const struct run_options *o)
{
	if (!o->dump_state) {
		if (o->dump_state_file || o->dump_addr) {
			fprintf(stderr, "vmlab run: bad --dump-state-file/--dump-addr without "
					"--dump-state=exit|fault|insn=N\n");
			return -1;
		}
		return 0;
	}
	if (dump_parse_when(o->dump_state, &s->dump)) {
		fprintf(stderr, "vmlab run: bad --dump-state '%s' (exit, fault or insn=N)\n",
			o->dump_state);
		return -1;
	}
	if (o->dump_addr && dump_parse_addrs(o->dump_addr, &s->dump)) {
		fprintf(stderr, "vmlab run: bad --dump-addr '%s' (ADDR,ADDR,... at most %d)\n",
			o->dump_addr, DUMP_MAX_ADDRS);
		return -1;
	}
	s->dump.path = o->dump_state_file ? o->dump_state_file : "vmlab-state.vm";
	return 0;
}

static const char *env_base_name(enum env_base b)
{
	return b == ENV_HOST ? "host" : b == ENV_CLEAR ? "clear" : "fixed";
}

int run_session_start(struct run_session *s, const struct run_options *o, int argc, char **argv)
{
	memset(s, 0, sizeof *s);
	s->o = o;
	s->log_fd = s->saved_stderr = -1;
	s->started = true;
	clock_gettime(CLOCK_MONOTONIC, &s->t0);
	s->info.argc = argc + 1;
	s->info.argv = argv - 1; /* "vmlab" "run" ...: main passed argv + 1 */
	s->info.env_base = env_base_name(o->env_base);
	s->info.env = run_env_build(o, environ);
	if (!s->info.env) {
		fprintf(stderr, "vmlab run: out of memory\n");
		return -1;
	}
	if (o->stats_file) {
		s->stats_out = fopen(o->stats_file, "we");
		if (!s->stats_out) {
			fprintf(stderr, "vmlab run: --stats-file %s: %s\n", o->stats_file,
				strerror(errno));
			return -1;
		}
	}
	if (trace_setup(s, o) || dump_setup(s, o))
		return -1;
	if (o->report_interval) {
		char *end;
		errno = 0;
		s->report_interval = strtoull(o->report_interval, &end, 0);
		if (errno || *end || !*o->report_interval || !s->report_interval) {
			fprintf(stderr, "vmlab run: bad --report-interval '%s' (N >= 1)\n",
				o->report_interval);
			return -1;
		}
	}
	if (o->report_file) {
		/* written at the end: a path that cannot be is found before the run */
		FILE *f = fopen(o->report_file, "we");
		if (!f) {
			fprintf(stderr, "vmlab run: --report %s: %s\n", o->report_file,
				strerror(errno));
			return -1;
		}
		fclose(f);
	}
	if (o->log_file) {
		s->log_fd = open(o->log_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (s->log_fd < 0) {
			fprintf(stderr, "vmlab run: --log-file %s: %s\n", o->log_file,
				strerror(errno));
			return -1;
		}
		/* every message vmlab prints goes to stderr: fd 2 becomes the log */
		fflush(stderr);
		s->saved_stderr = fcntl(2, F_DUPFD_CLOEXEC, 3);
		if (s->saved_stderr < 0 || dup2(s->log_fd, 2) < 0) {
			fprintf(stderr, "vmlab run: --log-file: %s\n", strerror(errno));
			return -1;
		}
	}
	return 0;
}

static uint64_t trace_clock_cpu(const void *cpu)
{
	return cpu_insns_now(cpu);
}

void run_session_attach(struct run_session *s, struct machine *m)
{
	run_rlimits_build(s->o, m->km_ok ? m->km.totalram_pages : 0, m->task.rlim);
	if (s->dump.when != DUMP_NONE)
		m->dump = &s->dump;
	if (s->tracing) {
		s->trace.clock = trace_clock_cpu;
		s->trace.clock_ctx = &m->cpu;
		m->mmu.trace = &s->trace;
	}
	if (s->o->report_file) {
		s->report = malloc(sizeof *s->report);
		if (s->report)
			report_start(s->report, m, s->o->report_file, s->report_interval);
		else
			fprintf(stderr, "vmlab run: --report: out of memory\n");
	}
}

/* "LO-HI" (HI may be empty: no end); numbers in C syntax */
static int parse_range(const char *v, uint64_t *lo, uint64_t *hi, bool hi_optional)
{
	char *end;
	errno = 0;
	*lo = strtoull(v, &end, 0);
	if (errno || end == v || *end != '-')
		return -1;
	const char *h = end + 1;
	if (!*h && hi_optional) {
		*hi = 0;
		return 0;
	}
	*hi = strtoull(h, &end, 0);
	if (errno || end == h || *end || *hi <= *lo)
		return -1;
	return 0;
}

static int trace_setup(struct run_session *s, const struct run_options *o)
{
	unsigned mask = 0;
	const char *bad = NULL;
	if (o->trace_classes && trace_parse_classes(o->trace_classes, &mask, &bad)) {
		fprintf(stderr,
			"vmlab run: bad --trace class '%s' (fault, syscall, mm, tlb, "
			"signal, walk, swap, kmem, sched, all)\n",
			bad ? bad : o->trace_classes);
		return -1;
	}
	enum trace_format fmt = TRACE_TEXT;
	if (o->strace) {
		mask |= TRACE_SYSCALL;
		fmt = TRACE_STRACE;
	}
	if (!mask)
		return 0;
	if (o->trace_format) {
		if (!strcmp(o->trace_format, "json"))
			fmt = TRACE_JSON;
		else if (!strcmp(o->trace_format, "text"))
			fmt = o->strace && !o->trace_classes ? TRACE_STRACE : TRACE_TEXT;
		else if (!strcmp(o->trace_format, "strace"))
			fmt = TRACE_STRACE;
		else {
			fprintf(stderr, "vmlab run: bad --trace-format '%s' (text, json, strace)\n",
				o->trace_format);
			return -1;
		}
	} else if (o->trace_file && strlen(o->trace_file) > 5 &&
		   !strcmp(o->trace_file + strlen(o->trace_file) - 5, ".json")) {
		fmt = TRACE_JSON;
	}
	if (o->trace_file) {
		s->trace_out = fopen(o->trace_file, "we");
		if (!s->trace_out) {
			fprintf(stderr, "vmlab run: --trace-file %s: %s\n", o->trace_file,
				strerror(errno));
			return -1;
		}
	}
	trace_init(&s->trace, s->trace_out ? s->trace_out : stderr, fmt, mask);
	if (o->trace_addr &&
	    parse_range(o->trace_addr, &s->trace.addr_lo, &s->trace.addr_hi, false)) {
		fprintf(stderr,
			"vmlab run: bad --trace-addr '%s' (LO-HI, e.g. 0x8048000-0x8100000)\n",
			o->trace_addr);
		return -1;
	}
	if (o->trace_insns &&
	    parse_range(o->trace_insns, &s->trace.insn_from, &s->trace.insn_to, true)) {
		fprintf(stderr, "vmlab run: bad --trace-insns '%s' (FROM-TO or FROM-)\n",
			o->trace_insns);
		return -1;
	}
	if (o->trace_pid && trace_parse_pids(&s->trace, o->trace_pid)) {
		fprintf(stderr, "vmlab run: bad --trace-pid '%s' (PID[,PID...], at most %d)\n",
			o->trace_pid, TRACE_MAX_PIDS);
		return -1;
	}
	if (o->trace_tlb_sample) {
		char *end;
		errno = 0;
		s->trace.tlb_sample = strtoull(o->trace_tlb_sample, &end, 0);
		if (errno || *end || !s->trace.tlb_sample) {
			fprintf(stderr, "vmlab run: bad --trace-tlb-sample '%s' (N >= 1)\n",
				o->trace_tlb_sample);
			return -1;
		}
	}
	s->tracing = true;
	return 0;
}

int run_session_fs_setup(struct run_session *s, struct task *t, const struct fs_config *fc)
{
	if (s->saved_stderr < 0)
		return fs_setup(t, fc);
	/* the guest's stderr is the one vmlab was started with */
	fflush(stderr);
	dup2(s->saved_stderr, 2);
	int r = fs_setup(t, fc);
	fflush(stderr);
	dup2(s->log_fd, 2);
	return r;
}

void run_session_finish(struct run_session *s, struct machine *m, int status)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s->info.status = status;
	s->info.wall_seconds =
	    (double)(t1.tv_sec - s->t0.tv_sec) + (double)(t1.tv_nsec - s->t0.tv_nsec) / 1e9;
	if (s->info.ran && s->dump.when != DUMP_NONE && !s->dump.done)
		fprintf(stderr, "vmlab: --dump-state=%s: that moment never came; %s not written\n",
			s->o->dump_state, s->dump.path);
	if (s->tracing) {
		struct task *t = &m->task;
		if (s->info.ran && t->exited)
			trace_exit(&s->trace, t->exit_code,
				   t->exit_signal ? signal_name(t->exit_signal) : NULL);
		trace_end(&s->trace);
		m->mmu.trace = NULL;
		s->tracing = false;
	}
	if (s->report)
		report_finish(s->report, &s->info);
	enum stats_format fmt = s->o->stats;
	if (fmt == STATS_NONE && s->o->stats_file)
		fmt = STATS_TEXT;
	if (fmt == STATS_NONE)
		return;
	fflush(stdout);
	run_stats_print(s->stats_out ? s->stats_out : stderr, &s->info, m, fmt == STATS_JSON);
}

void run_session_end(struct run_session *s)
{
	if (!s->started)
		return;
	if (s->tracing)
		trace_end(&s->trace);
	if (s->trace_out)
		fclose(s->trace_out);
	if (s->stats_out)
		fclose(s->stats_out);
	if (s->saved_stderr >= 0) {
		fflush(stderr);
		dup2(s->saved_stderr, 2);
		close(s->saved_stderr);
	}
	if (s->log_fd >= 0)
		close(s->log_fd);
	if (s->report) {
		report_free(s->report);
		free(s->report);
	}
	run_env_free(s->info.env);
	memset(s, 0, sizeof *s);
}

void run_session_help_stats(FILE *f)
{
	run_stats_help(f);
}
