/*
 * One `vmlab run` from the capture side: the guest's environment and limits as the options
 * make them, vmlab's own messages sent to --log-file, the statistics written at the end.
 */
#ifndef VMLAB_CLI_RUN_SESSION_H
#define VMLAB_CLI_RUN_SESSION_H
#include "kernel/dump_state.h"
#include <stdio.h>
#include <time.h>

#include "cli/report.h"
#include "cli/run_options.h"
#include "cli/run_stats.h"
#include "kernel/fs/fs.h"
#include "kernel/machine.h"
#include "trace/trace.h"

struct run_session {
	const struct run_options *o;
	struct run_info info;
	FILE *stats_out;  /* --stats-file, or NULL: stderr */
	int log_fd;	  /* --log-file, or -1 */
	int saved_stderr; /* vmlab's stderr while fd 2 is the log, or -1 */
	struct timespec t0;
	bool started;
	bool tracing;
	struct trace trace;
	FILE *trace_out; /* --trace-file, or NULL: stderr */
	uint64_t report_interval;
	struct report *report; /* --report (on the heap: vmlab runs with a 32 KB stack) */
	struct dump_request dump; /* --dump-state */
};

/* Opens the output files and builds the guest's environment; 0, or -1 after a message. */
int run_session_start(struct run_session *s, const struct run_options *o, int argc, char **argv);
/* Gives the task its resource limits (before exec: the stack limit places mmap_base) and
 * connects the event stream to the machine. */
void run_session_attach(struct run_session *s, struct machine *m);
/* fs_setup with the guest's fds 0-2 taken from vmlab's own (not from the log file). */
int run_session_fs_setup(struct run_session *s, struct task *t, const struct fs_config *fc);
/* At exit: the statistics and the report, when asked for. */
void run_session_finish(struct run_session *s, struct machine *m, int status);
/* Restores stderr, closes the files (safe on a session never started). */
void run_session_end(struct run_session *s);
void run_session_help_stats(FILE *f);
#endif
