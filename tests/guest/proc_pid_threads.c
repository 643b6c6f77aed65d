/*
 * /proc/PID/task/TID for the threads of a process: a second thread blocked reading a pipe
 * is listed in /proc/self/task (not in /proc), its task/TID/status says S with Pid = its
 * tid and Tgid = the process's, Threads counts 2 in both threads' files, /proc/TID opens
 * although /proc does not list it, and the thread's own /proc/thread-self is
 * <pid>/task/<tid>. After the join, task/ lists one thread again and task/TID is gone.
 * Tids are printed relative to the process's pid.
 * Authoritative golden: both.
 */
#include "guestutil.h"
#include <dirent.h>
#include <pthread.h>
#include <sys/syscall.h>

static int p[2];
static volatile pid_t thread_tid;
static char thread_self[64];

static void *worker(void *arg)
{
	(void)arg;
	thread_tid = (pid_t)syscall(SYS_gettid);
	ssize_t n = readlink("/proc/thread-self", thread_self, sizeof thread_self - 1);
	thread_self[n < 0 ? 0 : n] = '\0';
	char c;
	while (read(p[0], &c, 1) > 0)
		;
	return NULL;
}

static int rd(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	ssize_t r = read(fd, buf, n - 1);
	close(fd);
	buf[r < 0 ? 0 : r] = '\0';
	return (int)r;
}

/* a status field, or its difference from rel (named what) when rel is not 0 */
static void field_rel(const char *path, const char *name, long rel, const char *what)
{
	static char s[4096];
	int r = rd(path, s, sizeof s);
	if (r < 0) {
		printf("  %s: %s\n", name, errname(-r));
		return;
	}
	char key[32];
	snprintf(key, sizeof key, "\n%s:", name);
	char *l = strstr(s, key);
	if (!l) {
		printf("  %s: (absent)\n", name);
		return;
	}
	l += strlen(key);
	while (*l == '\t' || *l == ' ')
		l++;
	if (rel)
		printf("  %s: %s%+ld\n", name, what, atol(l) - rel);
	else
		printf("  %s: %.*s\n", name, (int)strcspn(l, "\n"), l);
}

static void field(const char *path, const char *name, long rel)
{
	field_rel(path, name, rel, "pid");
}

static int count_dir(const char *dir, pid_t want, int *found)
{
	DIR *d = opendir(dir);
	int n = 0;
	*found = 0;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		n++;
		*found |= atoi(e->d_name) == want;
	}
	if (d)
		closedir(d);
	return n;
}

int main(void)
{
	guest_init();
	pid_t pid = getpid();
	if (pipe(p))
		return 1;
	pthread_t th;
	pthread_create(&th, NULL, worker, NULL);
	char path[128];
	/* wait until the thread blocks in read */
	for (int i = 0; i < 2000; i++) {
		static char s[512];
		snprintf(path, sizeof path, "/proc/self/task/%d/stat", thread_tid);
		if (thread_tid && rd(path, s, sizeof s) > 0 && strrchr(s, ')')[2] == 'S')
			break;
		usleep(1000);
	}
	pid_t tid = thread_tid;
	printf("thread tid differs from the pid: %s\n", tid != pid ? "yes" : "no");
	int found;
	int n = count_dir("/proc/self/task", tid, &found);
	printf("/proc/self/task: %d entries, the thread: %s\n", n, found ? "yes" : "no");
	count_dir("/proc", tid, &found);
	printf("/proc lists the thread: %s\n", found ? "yes" : "no");
	snprintf(path, sizeof path, "/proc/self/task/%d/status", tid);
	printf("task/TID/status:\n");
	field(path, "State", 0);
	field(path, "Tgid", pid);
	field_rel(path, "Pid", tid, "tid");
	field(path, "Threads", 0);
	printf("/proc/self/status:\n");
	field("/proc/self/status", "State", 0);
	field("/proc/self/status", "Pid", pid);
	field("/proc/self/status", "Threads", 0);
	snprintf(path, sizeof path, "/proc/%d/status", tid);
	printf("/proc/TID/status:\n");
	field_rel(path, "Pid", tid, "tid");
	field(path, "Tgid", pid);
	snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
	static char s[512];
	rd(path, s, sizeof s);
	printf("task/TID/stat: pid tid%+ld, threads %s\n", atol(s) - tid,
	       strstr(strrchr(s, ')'), " 2 0 ") ? "2" : "?");
	char want[64];
	snprintf(want, sizeof want, "%d/task/%d", pid, tid);
	printf("the thread's thread-self is <pid>/task/<tid>: %s\n",
	       strcmp(thread_self, want) ? "no" : "yes");
	snprintf(path, sizeof path, "/proc/self/task/%d/task", tid);
	int r = rd(path, s, sizeof s);
	printf("task/TID/task: %s\n", r < 0 ? errname(-r) : "exists");
	printf("/proc/thread-self/task: %s\n",
	       opendir("/proc/thread-self/task") ? "exists" : errname(errno));
	close(p[1]);
	pthread_join(th, NULL);
	n = count_dir("/proc/self/task", tid, &found);
	printf("after the join: /proc/self/task: %d entr%s, the thread: %s\n", n,
	       n == 1 ? "y" : "ies", found ? "yes" : "no");
	snprintf(path, sizeof path, "/proc/self/task/%d/status", tid);
	r = rd(path, s, sizeof s);
	printf("task/TID/status: %s\n", r < 0 ? errname(-r) : "readable");
	field("/proc/self/status", "Threads", 0);
	return 0;
}
