/*
 * Regressions of the file system bugs of issue 9, run in a scratch directory (argv[1])
 * under vmlab and natively (tests/e2e/sandbox.sh compares the outputs):
 * - a descriptor or working directory on a renamed directory keeps naming that directory
 *   (it used to be resolved again by its old name);
 * - /proc/self/exe is a link to the executable (it used to be ENOENT);
 * - /proc/self/fd/N and getcwd follow a rename.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *base(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static void say_exists(const char *label, const char *path)
{
	struct stat st;
	printf("%s: %s\n", label, stat(path, &st) == 0 ? "exists" : strerror(errno));
}

int main(int argc, char **argv)
{
	char *real = argc == 2 ? realpath(argv[0], NULL) : NULL;
	if (argc != 2 || chdir(argv[1]))
		return 2;
	char buf[PATH_MAX], p[64];
	/* a directory descriptor across rename(a, b); mkdir(a) */
	mkdir("a", 0755);
	int fd = open("a", O_RDONLY | O_DIRECTORY);
	rename("a", "b");
	mkdir("a", 0755);
	int f = openat(fd, "f", O_CREAT | O_WRONLY, 0644);
	printf("openat after rename: %s\n", f < 0 ? strerror(errno) : "ok");
	close(f);
	say_exists("b/f", "b/f");
	say_exists("a/f", "a/f");
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	ssize_t l = readlink(p, buf, sizeof(buf) - 1);
	buf[l > 0 ? l : 0] = '\0';
	printf("fd link names: %s\n", base(buf));
	struct stat st;
	printf("fstatat(fd, \"f\"): %s\n", fstatat(fd, "f", &st, 0) ? strerror(errno) : "ok");
	/* the working directory across rename(c, d); mkdir(c) */
	mkdir("c", 0755);
	chdir("c");
	rename("../c", "../d");
	mkdir("../c", 0755);
	close(open("g", O_CREAT | O_WRONLY, 0644));
	say_exists("../d/g", "../d/g");
	say_exists("../c/g", "../c/g");
	printf("getcwd names: %s\n", getcwd(buf, sizeof(buf)) ? base(buf) : strerror(errno));
	l = readlink("/proc/self/cwd", buf, sizeof(buf) - 1);
	buf[l > 0 ? l : 0] = '\0';
	printf("/proc/self/cwd names: %s\n", base(buf));
	/* fchdir to the renamed descriptor */
	fchdir(fd);
	say_exists("f from fchdir", "f");
	/* a removed working directory */
	mkdir("gone", 0755);
	chdir("gone");
	rmdir("../gone");
	printf("getcwd in a removed directory: %s\n",
	       getcwd(buf, sizeof(buf)) ? "a name" : strerror(errno));
	chdir(argv[1]);
	/* /proc/self/exe */
	l = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	buf[l > 0 ? l : 0] = '\0';
	printf("/proc/self/exe: %s\n", l < 0			    ? strerror(errno)
				       : real && !strcmp(real, buf) ? "the executable"
								    : "other");
	int e = open("/proc/self/exe", O_RDONLY);
	char magic[4] = "";
	printf("open /proc/self/exe: %s\n",
	       e >= 0 && read(e, magic, 4) == 4 && !memcmp(magic, "\177ELF", 4) ? "ELF"
										: strerror(errno));
	printf("stat /proc/self/exe: %s\n", stat("/proc/self/exe", &st) == 0 && S_ISREG(st.st_mode)
						? "regular file"
						: strerror(errno));
	return 0;
}
