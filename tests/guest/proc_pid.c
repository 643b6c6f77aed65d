/*
 * /proc/PID of another process: a forked child blocked reading a pipe (State S; its maps,
 * status, stat, statm, cmdline, environ, comm, exe, fd/, task/), the same child as a zombie
 * (maps, cmdline, environ empty; exe and cwd ENOENT; State Z; no Umask or Vm lines; statm
 * zeros; the exit code in stat), and after wait4 the pid gone (ENOENT). /proc lists the
 * child; /proc/thread-self is <pid>/task/<tid>; /proc/self/task lists the one thread.
 * Pids and the binary's own addresses are printed relative to the parent's.
 * Golden: i386 only (a 64-bit kernel pads the maps differently and maps no [vvar] there).
 * Authoritative golden: i386.
 */
#include "guestutil.h"
#include <dirent.h>
#include <sys/wait.h>

static pid_t child, parent;

static int rd(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	size_t got = 0;
	for (;;) {
		ssize_t r = read(fd, buf + got, n - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	return (int)got;
}

static char path_buf[128];
static const char *cp(const char *leaf)
{
	snprintf(path_buf, sizeof path_buf, "/proc/%d/%s", child, leaf);
	return path_buf;
}

/* the stat field n (1-based), after the comm's closing parenthesis */
static long stat_field(const char *s, int n)
{
	const char *p = strrchr(s, ')');
	if (!p)
		return -1;
	p += 2;
	if (n == 3)
		return *p;
	for (int i = 3; i < n; i++) {
		p = strchr(p, ' ');
		if (!p)
			return -1;
		p++;
	}
	return atol(p);
}

static char child_state(void)
{
	static char s[1024];
	if (rd(cp("stat"), s, sizeof s) <= 0)
		return '?';
	return (char)stat_field(s, 3);
}

static void wait_state(char want)
{
	for (int i = 0; i < 2000 && child_state() != want; i++)
		usleep(1000);
	printf("child reached state %c: %s\n", want, child_state() == want ? "yes" : "no");
}

static void status_line(const char *st, const char *name)
{
	const char *l = strstr(st, name);
	if (!l) {
		printf("%s (absent)\n", name);
		return;
	}
	const char *e = strchr(l, '\n');
	printf("%.*s\n", (int)(e - l), l);
}

static void status_rel(const char *st, const char *name, pid_t want, const char *what)
{
	char key[32];
	snprintf(key, sizeof key, "\n%s:", name);
	const char *l = strstr(st, key);
	printf("%s: %s: %s\n", name, what, l && atol(l + strlen(key)) == want ? "yes" : "no");
}

static void show_status(void)
{
	static char st[4096];
	rd(cp("status"), st, sizeof st);
	status_line(st, "State:");
	status_line(st, "Threads:");
	status_rel(st, "Tgid", child, "the child");
	status_rel(st, "Pid", child, "the child");
	status_rel(st, "PPid", parent, "the parent");
	printf("Umask line: %s, VmRSS line: %s, VmSize line: %s\n",
	       strstr(st, "Umask:") ? "yes" : "no", strstr(st, "VmRSS:") ? "yes" : "no",
	       strstr(st, "VmSize:") ? "yes" : "no");
	static char me[64], it[64];
	rd("/proc/self/comm", me, sizeof me);
	rd(cp("comm"), it, sizeof it);
	printf("comm as the parent's: %s\n", strcmp(me, it) ? "no" : "yes");
}

static void show_stat(void)
{
	static char s[1024];
	rd(cp("stat"), s, sizeof s);
	printf("stat: pid %s, state %c, ppid %s, threads %ld, vsize %s, rss %s, exit_code %ld\n",
	       atol(s) == child ? "child" : "?", (char)stat_field(s, 3),
	       stat_field(s, 4) == parent ? "parent" : "?", stat_field(s, 20),
	       stat_field(s, 23) ? "nonzero" : "0", stat_field(s, 24) ? "nonzero" : "0",
	       stat_field(s, 52));
}

/* maps with the binary's own addresses masked: permissions, offset, and the name
 * (the special mappings with their addresses) */
static void show_maps(void)
{
	static char m[16384];
	int n = rd(cp("maps"), m, sizeof m);
	printf("maps: %d bytes\n", n < 0 ? n : (int)strlen(m));
	for (char *l = m; *l;) {
		char *e = strchr(l, '\n');
		*e = '\0';
		unsigned long lo, hi, off;
		char perm[8], name[256] = "";
		sscanf(l, "%lx-%lx %7s %lx %*s %*s %255s", &lo, &hi, perm, &off, name);
		if (name[0] == '[' && strcmp(name, "[heap]"))
			printf("  %08lx-%08lx %s %s\n", lo, hi, perm, name);
		else
			printf("  %s %s %s\n", perm, off ? "off>0" : "off=0",
			       name[0] == '/' ? "(the program)"
			       : name[0]      ? name
					      : "(anon)");
		l = e + 1;
	}
}

static void same_as_self(const char *leaf)
{
	static char a[8192], b[8192];
	char self[64];
	snprintf(self, sizeof self, "/proc/self/%s", leaf);
	int na = rd(self, a, sizeof a), nb = rd(cp(leaf), b, sizeof b);
	printf("%s as the parent's: %s (%s)\n", leaf,
	       na == nb && !memcmp(a, b, na > 0 ? (size_t)na : 0) ? "yes" : "no",
	       nb > 0	 ? "non-empty"
	       : nb == 0 ? "empty"
			 : errname(-nb));
}

static void show_link(const char *leaf)
{
	char a[256], b[256];
	ssize_t n = readlink(cp(leaf), b, sizeof b - 1);
	if (n < 0) {
		printf("readlink %s: %s\n", leaf, errname(errno));
		return;
	}
	b[n] = '\0';
	char self[64];
	snprintf(self, sizeof self, "/proc/self/%s", leaf);
	ssize_t m = readlink(self, a, sizeof a - 1);
	a[m < 0 ? 0 : m] = '\0';
	printf("readlink %s: as the parent's: %s\n", leaf, strcmp(a, b) ? "no" : "yes");
}

static void show_fds(void)
{
	char l[64];
	ssize_t n = readlink(cp("fd/3"), l, sizeof l - 1);
	l[n < 0 ? 0 : n] = '\0';
	printf("fd/3 is a pipe: %s\n", !strncmp(l, "pipe:[", 6) ? "yes" : "no");
	DIR *d = opendir(cp("fd"));
	int cnt = 0, has3 = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.') {
			cnt++;
			has3 |= !strcmp(e->d_name, "3");
		}
	if (d)
		closedir(d);
	printf("fd/: %s, lists fd 3: %s\n", d ? (cnt ? "entries" : "empty") : errname(errno),
	       has3 ? "yes" : "no");
}

/* names in dir equal to the decimal pids given */
static void listed(const char *dir, const char *label, pid_t a, pid_t b)
{
	DIR *d = opendir(dir);
	int fa = 0, fb = 0, n = 0;
	struct dirent *e;
	char sa[16], sb[16];
	snprintf(sa, sizeof sa, "%d", a);
	snprintf(sb, sizeof sb, "%d", b);
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		n++;
		fa |= !strcmp(e->d_name, sa);
		fb |= !strcmp(e->d_name, sb);
	}
	if (d)
		closedir(d);
	printf("%s lists the %s: %s", label, a == parent ? "parent" : "child", fa ? "yes" : "no");
	if (b)
		printf(", the child: %s", fb ? "yes" : "no");
	if (strstr(dir, "task"))
		printf(", %d entr%s", n, n == 1 ? "y" : "ies");
	printf("\n");
}

static void gone(const char *what, const char *label)
{
	char buf[64];
	int r = rd(cp(what), buf, sizeof buf);
	printf("%s: %s\n", label, r < 0 ? errname(-r) : "readable");
}

int main(void)
{
	guest_init();
	parent = getpid();
	int p[2];
	if (pipe(p))
		return 1;
	child = fork();
	if (child == 0) {
		close(p[1]);
		char c;
		/* blocks until the parent closes its end */
		while (read(p[0], &c, 1) > 0)
			;
		_exit(7);
	}
	close(p[0]);
	wait_state('S');

	printf("-- the child, blocked in read --\n");
	show_status();
	show_stat();
	show_maps();
	same_as_self("cmdline");
	same_as_self("environ");
	static char m[256];
	rd(cp("statm"), m, sizeof m);
	printf("statm has 7 fields: %s\n",
	       sscanf(m, "%*d %*d %*d %*d %*d %*d %*d") == 0 ? "yes" : "no");
	show_link("exe");
	show_link("cwd");
	show_link("root");
	show_fds();
	listed("/proc", "/proc", parent, child);
	snprintf(m, sizeof m, "/proc/%d/task", child);
	listed(m, "/proc/CHILD/task", child, 0);
	snprintf(m, sizeof m, "task/%d/stat", child);
	gone(m, "task/CHILD/stat");
	snprintf(m, sizeof m, "task/%d/stat", parent);
	gone(m, "task/PARENT/stat");
	snprintf(m, sizeof m, "/proc/%d/task", parent);
	listed(m, "/proc/self/task", parent, 0);
	char ts[64], want[64];
	ssize_t n = readlink("/proc/thread-self", ts, sizeof ts - 1);
	ts[n < 0 ? 0 : n] = '\0';
	snprintf(want, sizeof want, "%d/task/%d", parent, parent);
	printf("thread-self is <pid>/task/<tid>: %s\n", strcmp(ts, want) ? "no" : "yes");

	close(p[1]);
	wait_state('Z');
	printf("-- the child, a zombie --\n");
	show_status();
	show_stat();
	show_maps();
	int r = rd(cp("smaps"), m, sizeof m);
	printf("smaps: %d bytes\n", r);
	same_as_self("cmdline");
	same_as_self("environ");
	rd(cp("statm"), m, sizeof m);
	printf("statm: %s", m);
	show_link("exe");
	show_link("cwd");
	show_link("root");
	show_fds();
	int fd = open(cp("pagemap"), O_RDONLY);
	uint64_t ent;
	printf("pagemap: open %s, read %ld\n", fd < 0 ? errname(errno) : "ok",
	       fd < 0 ? -1L : (long)pread(fd, &ent, 8, 0));
	if (fd >= 0)
		close(fd);
	listed("/proc", "/proc", parent, child);

	int status;
	pid_t w = waitpid(child, &status, 0);
	printf("-- reaped: %s, exit %d --\n", w == child ? "yes" : "no", WEXITSTATUS(status));
	gone("status", "status");
	gone("maps", "maps");
	struct stat sb;
	printf("stat /proc/PID: %s\n", stat(cp(""), &sb) ? errname(errno) : "exists");
	r = rd("/proc/999999/stat", m, sizeof m);
	printf("/proc/999999/stat: %s\n", r < 0 ? errname(-r) : "readable");
	listed("/proc", "/proc", parent, child);
	return 0;
}
