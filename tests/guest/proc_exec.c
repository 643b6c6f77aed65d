/*
 * execve from a forked child: the new program gets its argv and envp, descriptors without
 * FD_CLOEXEC stay open and the others close, caught signals go back to SIG_DFL while
 * ignored ones stay ignored, the blocked mask is kept; the exit status reaches the parent.
 * A "#!" script runs its interpreter with the script's path after the interpreter's
 * argument; errors: ENOENT, EACCES, ENOEXEC, EFAULT, and the old program going on.
 * Authoritative golden: both.
 */
#include "guestutil.h"
#include <sys/wait.h>

static void on_usr1(int sig)
{
	(void)sig;
}

/* The program run again by execve: reports what it inherited. */
static int child_main(int argc, char **argv, char **envp)
{
	printf("exec'd: argc %d, argv[1] %s, argv[2] %s\n", argc, argv[1], argc > 2 ? argv[2] : "-");
	int n = 0;
	for (char **e = envp; *e; e++)
		n++;
	printf("exec'd: %d environment strings, MARK=%s\n", n, getenv("MARK") ? getenv("MARK") : "(none)");
	printf("exec'd: fd 5 %s, fd 6 %s\n", fcntl(5, F_GETFD) >= 0 ? "open" : "closed",
	       fcntl(6, F_GETFD) >= 0 ? "open" : "closed");
	struct sigaction sa;
	sigaction(SIGUSR1, NULL, &sa);
	printf("exec'd: SIGUSR1 %s\n", sa.sa_handler == SIG_DFL ? "SIG_DFL" : "not default");
	sigaction(SIGUSR2, NULL, &sa);
	printf("exec'd: SIGUSR2 %s\n", sa.sa_handler == SIG_IGN ? "SIG_IGN" : "not ignored");
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	printf("exec'd: SIGTERM blocked %d\n", sigismember(&cur, SIGTERM));
	return 33;
}

static int script_main(int argc, char **argv)
{
	printf("script mode: argc %d\n", argc);
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		const char *slash = strrchr(s, '/');
		printf("  argv[%d] %s\n", i, slash && i == 2 ? slash + 1 : s);
	}
	return 5;
}

static void try_exec(const char *label, const char *path, char **argv)
{
	char *envp[] = {NULL};
	int r = execve(path, argv, envp);
	printf("%s: %d %s\n", label, r, errname(errno));
}

int main(int argc, char **argv, char **envp)
{
	if (argc > 1 && !strcmp(argv[1], "child"))
		return child_main(argc, argv, envp);
	if (argc > 1 && !strcmp(argv[1], "script-arg"))
		return script_main(argc, argv);
	guest_init();
	scratch_dir("proc_exec");

	int fds[2];
	pipe(fds);
	dup2(fds[0], 5);
	dup2(fds[1], 6);
	fcntl(6, F_SETFD, FD_CLOEXEC);
	signal(SIGUSR1, on_usr1);
	signal(SIGUSR2, SIG_IGN);
	sigset_t b;
	sigemptyset(&b);
	sigaddset(&b, SIGTERM);
	sigprocmask(SIG_BLOCK, &b, NULL);

	pid_t p = fork();
	if (p == 0) {
		char *av[] = {argv[0], "child", "two", NULL};
		char *ev[] = {"MARK=seen", "X=1", NULL};
		execve(argv[0], av, ev);
		printf("execve failed: %s\n", errname(errno));
		_exit(127);
	}
	int st;
	waitpid(p, &st, 0);
	printf("parent: child exited %d with %d\n", WIFEXITED(st), WEXITSTATUS(st));

	/* a script whose interpreter is this program */
	const char *sp = scratch_path("script");
	int fd = open(sp, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	char line[512];
	snprintf(line, sizeof line, "#!%s script-arg\necho never\n", argv[0]);
	write(fd, line, strlen(line));
	close(fd);
	p = fork();
	if (p == 0) {
		char *av[] = {"name-ignored", "extra", NULL};
		char *ev[] = {NULL};
		execve(sp, av, ev);
		printf("script execve failed: %s\n", errname(errno));
		_exit(127);
	}
	waitpid(p, &st, 0);
	printf("parent: script exited with %d\n", WEXITSTATUS(st));

	/* failures leave the caller as it was */
	char *av[] = {"x", NULL};
	try_exec("missing file", scratch_path("nothing"), av);
	fd = open(scratch_path("plain"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	write(fd, "\x7f" "ELF", 4);
	close(fd);
	try_exec("not executable", scratch_path("plain"), av);
	chmod(scratch_path("plain"), 0755);
	try_exec("not a program", scratch_path("plain"), av);
	try_exec("bad argv", argv[0], (char **)8);
	try_exec("a directory", "/tmp", av);
	printf("still here\n");
	scratch_done();
	return 0;
}
