/* The capture side of `vmlab run` (run_session.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/run_session.h"

extern char **environ;

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

void run_session_guest_limits(struct run_session *s, struct machine *m)
{
	run_rlimits_build(s->o, m->km_ok ? m->km.totalram_pages : 0, m->task.rlim);
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
	if (s->stats_out)
		fclose(s->stats_out);
	if (s->saved_stderr >= 0) {
		fflush(stderr);
		dup2(s->saved_stderr, 2);
		close(s->saved_stderr);
	}
	if (s->log_fd >= 0)
		close(s->log_fd);
	run_env_free(s->info.env);
	memset(s, 0, sizeof *s);
}

void run_session_help_stats(FILE *f)
{
	run_stats_help(f);
}
