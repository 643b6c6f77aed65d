/*
 * POSIX shared memory and named semaphores, which glibc makes as files in /dev/shm:
 * shm_open (O_CREAT, O_EXCL, reopen), ftruncate, an mmap MAP_SHARED shared across fork (the
 * child writes through its own second mapping too), its /proc/self/maps name, /dev/shm as
 * a sticky world-writable directory listing the file, shm_unlink, and a named semaphore
 * (sem_open) a child posts and its parent waits on.
 */
#include "guestutil.h"

#include <dirent.h>
#include <semaphore.h>
#include <sys/wait.h>
#include <unistd.h>

#define NAME "/vmlab-posix-shm"
#define SEMNAME "/vmlab-posix-sem"

static void maps_name(void *addr)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	unsigned long want = (unsigned long)addr;
	while (f && fgets(line, sizeof line, f)) {
		unsigned long s, e;
		char perms[8];
		if (sscanf(line, "%lx-%lx %7s", &s, &e, perms) != 3 || s != want)
			continue;
		char *path = strchr(line, '/');
		printf("maps: %s size=%lu %s", perms, e - s, path ? path : "(none)\n");
	}
	if (f)
		fclose(f);
}

int main(void)
{
	guest_init();
	shm_unlink(NAME);
	struct stat st;
	if (stat("/dev/shm", &st) == 0)
		printf("/dev/shm: dir=%d mode=%#o\n", S_ISDIR(st.st_mode), st.st_mode & 07777);
	else
		printf("/dev/shm: %s\n", errname(errno));
	int fd = shm_open(NAME, O_CREAT | O_EXCL | O_RDWR, 0600);
	report("shm_open create", fd);
	report("shm_open excl again", shm_open(NAME, O_CREAT | O_EXCL | O_RDWR, 0600));
	report("ftruncate 8192", ftruncate(fd, 8192));
	fstat(fd, &st);
	printf("fstat: size=%lld mode=%#o\n", (long long)st.st_size, st.st_mode & 07777);
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	printf("mmap: %s\n", mapfailname(p));
	if (p == MAP_FAILED)
		return 1;
	maps_name(p);
	strcpy(p, "parent");
	pid_t pid = fork();
	if (pid == 0) {
		printf("child sees: %s\n", p);
		strcpy(p + 4096, "child wrote the second page");
		int fd2 = shm_open(NAME, O_RDWR, 0);
		char *q = fd2 >= 0 ? mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0)
				   : MAP_FAILED;
		if (q != MAP_FAILED)
			strcpy(q + 100, "through a second mapping");
		_exit(q == MAP_FAILED);
	}
	int status;
	waitpid(pid, &status, 0);
	printf("child exit: %d\n", WEXITSTATUS(status));
	printf("parent sees: '%s' '%s'\n", p + 4096, p + 100);
	char b[32] = {0};
	pread(fd, b, 24, 100);
	printf("read(2) sees: '%s'\n", b);

	DIR *d = opendir("/dev/shm");
	int seen = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (!strcmp(e->d_name, NAME + 1))
			seen = 1;
	if (d)
		closedir(d);
	printf("listed in /dev/shm: %d\n", seen);
	report("shm_unlink", shm_unlink(NAME));
	report("shm_open after unlink", shm_open(NAME, O_RDWR, 0));
	printf("mapping still there: %s\n", p);
	munmap(p, 8192);
	close(fd);

	sem_unlink(SEMNAME);
	sem_t *s = sem_open(SEMNAME, O_CREAT | O_EXCL, 0600, 0);
	printf("sem_open: %s\n", s == SEM_FAILED ? errname(errno) : "ok");
	if (s == SEM_FAILED)
		return 1;
	pid = fork();
	if (pid == 0) {
		sem_t *c = sem_open(SEMNAME, 0);
		usleep(10000);
		printf("child posts\n");
		sem_post(c);
		_exit(0);
	}
	int r = sem_wait(s);
	printf("parent waited: %s\n", r ? errname(errno) : "ok");
	waitpid(pid, &status, 0);
	int v = -1;
	sem_getvalue(s, &v);
	printf("value: %d\n", v);
	report("sem_unlink", sem_unlink(SEMNAME));
	sem_close(s);
	return 0;
}
