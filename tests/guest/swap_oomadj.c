/*
 * Writing /proc/self/oom_score_adj and the legacy /proc/self/oom_adj: the parsing
 * (kstrtoint, base 0, one trailing newline, surrounding blanks stripped, at most 12 bytes
 * taken), the ranges (-1000..1000; -17 or -16..15), the legacy scale, the file offset
 * ignored, inheritance at fork.
 * Usage: swap_oomadj           as root (the goldens): lowering is allowed, and sets the floor
 *        swap_oomadj unpriv    without CAP_SYS_RESOURCE (a non-root user): lowering below
 *                              the floor (oom_score_adj) or below the current value (oom_adj)
 *                              is EACCES (tests/e2e/swap.sh runs it as nobody, natively and
 *                              under vmlab, and compares).
 * Golden: i386 only (this host's containers take CAP_SYS_RESOURCE from root, so a native
 * run as root is refused what the i386 kernel's root is allowed).
 */
#include "guestutil.h"
#include <sys/wait.h>

static int fd_adj, fd_legacy;

static void show(const char *label)
{
	char a[32] = "", l[32] = "";
	int fa = open("/proc/self/oom_score_adj", O_RDONLY);
	int fl = open("/proc/self/oom_adj", O_RDONLY);
	ssize_t na = fa >= 0 ? read(fa, a, sizeof a - 1) : -1;
	ssize_t nl = fl >= 0 ? read(fl, l, sizeof l - 1) : -1;
	if (na > 0 && a[na - 1] == '\n')
		a[na - 1] = '\0';
	if (nl > 0 && l[nl - 1] == '\n')
		l[nl - 1] = '\0';
	printf("%s: oom_score_adj %s, oom_adj %s\n", label, a, l);
	close(fa);
	close(fl);
}

static void put(int fd, const char *s, size_t n)
{
	ssize_t r = write(fd, s, n);
	printf("write %s \"", fd == fd_legacy ? "oom_adj" : "oom_score_adj");
	for (size_t i = 0; i < n; i++)
		printf(s[i] == '\n' ? "\\n" : "%c", s[i]);
	printf("\" (%zu): %s", n, r < 0 ? errname(errno) : "");
	if (r >= 0)
		printf("%zd", r);
	putchar('\n');
}

#define PUT(fd, s) put(fd, s, sizeof(s) - 1)

int main(int argc, char **argv)
{
	int unpriv = argc > 1 && !strcmp(argv[1], "unpriv");
	fd_adj = open("/proc/self/oom_score_adj", O_WRONLY);
	fd_legacy = open("/proc/self/oom_adj", O_WRONLY);
	if (fd_adj < 0 || fd_legacy < 0) {
		printf("open for writing: %s\n", errname(errno));
		return 1;
	}
	show("start");
	if (unpriv) {
		PUT(fd_adj, "-1");
		PUT(fd_adj, "500");
		show("raised");
		PUT(fd_adj, "0");
		PUT(fd_adj, "-1");
		PUT(fd_legacy, "5");
		PUT(fd_legacy, "3");
		PUT(fd_legacy, "15");
		show("legacy raised");
		PUT(fd_adj, "1000");
		PUT(fd_adj, "900");
		show("end");
		return 0;
	}
	PUT(fd_adj, "500");
	show("500");
	PUT(fd_adj, "1001");
	PUT(fd_adj, "-1001");
	PUT(fd_adj, "abc");
	PUT(fd_adj, "");
	PUT(fd_adj, "12x");
	PUT(fd_adj, " 12 \n");
	show("blanks");
	PUT(fd_adj, "0x10");
	show("hex");
	PUT(fd_adj, "010");
	show("octal");
	PUT(fd_adj, "+5");
	PUT(fd_adj, "-0");
	PUT(fd_adj, "5\n\n");
	PUT(fd_adj, "7\n8");
	PUT(fd_adj, "99999999999999");
	PUT(fd_adj, "4294967296");
	PUT(fd_adj, "1           \n\n\n\n");
	show("long write");
	if (pwrite(fd_adj, "-3", 2, 100) != 2)
		printf("pwrite: %s\n", errname(errno));
	show("pwrite at 100");
	PUT(fd_adj, "-1000");
	show("-1000");
	PUT(fd_adj, "1000");
	show("1000");
	PUT(fd_adj, "-999");
	show("-999");
	PUT(fd_adj, "999");
	show("999 (oom_adj above the legacy range)");
	PUT(fd_legacy, "15");
	show("legacy 15");
	PUT(fd_legacy, "-17");
	show("legacy -17");
	PUT(fd_legacy, "-16");
	show("legacy -16");
	PUT(fd_legacy, "-18");
	PUT(fd_legacy, "16");
	PUT(fd_legacy, "7");
	show("legacy 7");
	PUT(fd_adj, "300");
	fflush(stdout);
	pid_t p = fork();
	if (p == 0) {
		show("child");
		int fc = open("/proc/self/oom_score_adj", O_WRONLY);
		if (fc >= 0)
			PUT(fc, "-20");
		show("child changed");
		fflush(stdout);
		_exit(0);
	}
	int st;
	waitpid(p, &st, 0);
	show("parent after child");
	int ro = open("/proc/self/oom_score_adj", O_RDONLY);
	printf("write to a read-only descriptor: %s\n",
	       write(ro, "1", 1) < 0 ? errname(errno) : "accepted");
	return 0;
}
