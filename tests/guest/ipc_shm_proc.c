/*
 * /proc/sysvipc/shm: its header and a segment's line (key, perms, size, pids, nattch while
 * attached twice, owners, rss after touching two of its four pages, swap), times checked
 * for being set rather than printed, and the directory listing of /proc/sysvipc.
 * Golden: the real i386 kernel.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

#define KEY 0x5eed0042

int main(void)
{
	int id = shmget(KEY, 4 * 4096 + 100, IPC_CREAT | 0640);
	char *a = shmat(id, NULL, 0), *b = shmat(id, NULL, SHM_RDONLY);
	a[0] = 1;
	a[2 * 4096] = 2;
	volatile char c = b[0];
	(void)c;
	FILE *f = fopen("/proc/sysvipc/shm", "r");
	char line[512];
	if (!f || !fgets(line, sizeof line, f)) {
		printf("no /proc/sysvipc/shm\n");
		return 1;
	}
	printf("header: %s", line);
	while (fgets(line, sizeof line, f)) {
		int key, shmid;
		unsigned perms, size, cpid, lpid, nattch, uid, gid, cuid, cgid, rss, swap;
		unsigned long long at, dt, ct;
		if (sscanf(line, "%d %d %o %u %u %u %u %u %u %u %u %llu %llu %llu %u %u", &key, &shmid,
			   &perms, &size, &cpid, &lpid, &nattch, &uid, &gid, &cuid, &cgid, &at, &dt, &ct,
			   &rss, &swap) != 16 || key != KEY)
			continue;
		printf("line: id_ok=%d perms=%o size=%u cpid_is_me=%d lpid_is_me=%d nattch=%u uid=%u "
		       "cuid=%u atime_set=%d dtime=%llu ctime_set=%d rss=%u swap=%u width=%zu\n",
		       shmid == id, perms, size, cpid == (unsigned)getpid(), lpid == (unsigned)getpid(),
		       nattch, uid, cuid, at != 0, dt, ct != 0, rss, swap, strlen(line));
	}
	fclose(f);
	DIR *d = opendir("/proc/sysvipc");
	struct dirent *e;
	char names[3][16];
	int n = 0;
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' && n < 3)
			snprintf(names[n++], sizeof names[0], "%s", e->d_name);
	qsort(names, n, sizeof names[0], (int (*)(const void *, const void *))strcmp);
	printf("/proc/sysvipc:");
	for (int i = 0; i < n; i++)
		printf(" %s", names[i]);
	printf("\n");
	shmdt(a);
	shmdt(b);
	shmctl(id, IPC_RMID, NULL);
	return 0;
}
