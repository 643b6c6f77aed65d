/*
 * Page-cache sharing between two processes running the same dynamic program: the parent
 * runs this program again in a child (fork + execve) and waits; each prints the smaps
 * counters of ld.so's and libc's text. The numbers depend on who else maps the libraries
 * (on a host, every other process), so tests/e2e/dynamic.sh checks them under vmlab only:
 * alone, Pss equals Rss and nothing is shared; with the parent, the child's shared pages
 * count half (Pss = Shared/2 + Private, exactly, with two mappers), and smaps_rollup sums
 * the VMAs. Checked under vmlab only.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *who)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512], name[256] = "";
	int text = 0;
	while (f && fgets(line, sizeof line, f)) {
		char perms[8];
		unsigned long kb;
		if (sscanf(line, "%*x-%*x %7s %*s %*s %*s %255s", perms, name) == 2 && strchr(line, '/')) {
			text = !strcmp(perms, "r-xp") && (strstr(name, "/ld-linux") || strstr(name, "/libc.so"));
			if (text)
				printf("%s %s", who, strrchr(name, '/') + 1);
			continue;
		}
		if (!text)
			continue;
		char key[32];
		if (sscanf(line, "%31[^:]: %lu kB", key, &kb) == 2 &&
		    (!strcmp(key, "Rss") || !strcmp(key, "Pss") || !strcmp(key, "Shared_Clean") ||
		     !strcmp(key, "Private_Clean") || !strcmp(key, "Private_Dirty")))
			printf(" %s=%lu", key, kb);
		if (!strncmp(line, "VmFlags", 7)) {
			printf("\n");
			text = 0;
		}
	}
	if (f)
		fclose(f);
	f = fopen("/proc/self/smaps_rollup", "r");
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "Rss:", 4) || !strncmp(line, "Pss:", 4))
			printf("%s rollup %s", who, line);
	if (f)
		fclose(f);
}

/* The rollup's page counts are the sums over every VMA of smaps. */
static void check_rollup(const char *who)
{
	static const char *const keys[] = {"Rss", "Shared_Clean", "Shared_Dirty", "Private_Clean",
					   "Private_Dirty", "Referenced", "Anonymous", NULL};
	unsigned long sum[8] = {0}, roll[8] = {0};
	const char *files[2] = {"/proc/self/smaps", "/proc/self/smaps_rollup"};
	for (int fi = 0; fi < 2; fi++) {
		FILE *f = fopen(files[fi], "r");
		char line[512], key[32];
		unsigned long kb;
		while (f && fgets(line, sizeof line, f))
			if (sscanf(line, "%31[^:]: %lu kB", key, &kb) == 2)
				for (int k = 0; keys[k]; k++)
					if (!strcmp(key, keys[k]))
						(fi ? roll : sum)[k] += kb;
		if (f)
			fclose(f);
	}
	printf("%s rollup sums smaps: %d\n", who, memcmp(sum, roll, sizeof sum) == 0 && roll[0] > 0);
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		show("child");
		check_rollup("child");
		return 0;
	}
	show("alone");
	check_rollup("alone");
	fflush(stdout);
	pid_t p = fork();
	if (p == 0) {
		execl(argv[0], argv[0], "child", (char *)NULL);
		_exit(127);
	}
	int st;
	waitpid(p, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
