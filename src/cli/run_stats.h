/*
 * The statistics `vmlab run --stats` writes at exit, as text for people or as one JSON object
 * (schema: docs/stats.schema.json). Everything that can change a count is in them: the
 * machine configuration, the guest's environment and limits.
 */
#ifndef VMLAB_CLI_RUN_STATS_H
#define VMLAB_CLI_RUN_STATS_H
#include <stdio.h>

#include "cli/version.h"
#include "kernel/machine.h"

#define VMLAB_STATS_SCHEMA 3 /* 2: the per-process table; 3: execution.jit_threshold */

/* What the run was, besides the machine: what the command line said and what happened. */
struct run_info {
	int argc;
	char **argv;	      /* vmlab's own command line */
	const char *program;  /* the guest path of the program run, or NULL */
	char **env;	      /* the guest's environment */
	const char *env_base; /* "fixed", "host" or "clear" */
	bool ran;	      /* the program was loaded and run */
	int status;	      /* vmlab's exit status */
	double wall_seconds;
};

void run_stats_print(FILE *f, const struct run_info *ri, struct machine *m, bool json);
/* `vmlab run --help-stats`: each line of the text form, what it means. */
void run_stats_help(FILE *f);
#endif
