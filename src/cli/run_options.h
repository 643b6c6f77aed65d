/*
 * The options of `vmlab run` that say what is captured and what the guest is given: statistics
 * and log files, the guest's environment and resource limits, event traces. Parsed apart from
 * the machine's options (cmd_run.c) so that each list stays short.
 */
#ifndef VMLAB_CLI_RUN_OPTIONS_H
#define VMLAB_CLI_RUN_OPTIONS_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kernel/task.h"

enum stats_format { STATS_NONE, STATS_TEXT, STATS_JSON };

/* Where the guest's environment starts before -E/-U apply. */
enum env_base { ENV_FIXED, ENV_HOST, ENV_CLEAR };

struct env_op {
	bool unset; /* -U NAME, else -E NAME=VALUE */
	const char *arg;
};

struct rlimit_op {
	int resource;
	uint64_t cur, max; /* ~0ull: unlimited */
};

struct run_options {
	enum stats_format stats;
	const char *stats_file, *log_file;
	bool help_stats;
	enum env_base env_base;
	struct env_op *env_ops;
	size_t n_env_ops;
	bool rlimit_host;
	struct rlimit_op *rlimit_ops;
	size_t n_rlimit_ops;
	const char *trace_classes, *trace_file, *trace_format, *trace_addr, *trace_insns;
	const char *trace_tlb_sample, *trace_pid;
	bool strace;
	const char *report_file, *report_interval; /* --report, --report-interval */
	const char *dump_state, *dump_state_file, *dump_addr; /* --dump-state, translate.md */
};

void run_options_init(struct run_options *o);
void run_options_free(struct run_options *o);
/* Parses argv[i] (next is argv[i + 1] or NULL) when it is one of these options: returns the
 * number of arguments used (1 or 2), 0 when the option is not one of them, -1 after printing
 * why it is wrong. */
int run_options_parse(struct run_options *o, const char *a, const char *next);
/* The options' lines of `vmlab run --help`. */
void run_options_usage(FILE *f);

/* The guest's environment (NULL-terminated, malloc'd strings); NULL when out of memory.
 * host is the host's environment (for --env-host). */
char **run_env_build(const struct run_options *o, char *const *host);
void run_env_free(char **env);

/* The guest's resource limits: Linux 6.1's boot-time defaults (INIT_RLIMITS, with
 * RLIMIT_NPROC and RLIMIT_SIGPENDING from the RAM as fork_init computes them) unless
 * --rlimit-host, then every --rlimit. */
void run_rlimits_build(const struct run_options *o, uint64_t totalram_pages,
		       struct vmlab_rlimit rl[VMLAB_RLIM_NLIMITS]);
/* "stack", "nofile", ... (Linux's RLIMIT_ names in lower case), or NULL. */
const char *rlimit_name(int resource);
#endif
