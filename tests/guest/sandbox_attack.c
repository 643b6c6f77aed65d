/*
 * A hostile guest: every trick it knows to read outside --root or change anything outside
 * --rw. Run by tests/e2e/sandbox.sh in the scratch tree it builds (the layout is described
 * there); the script compares this output with tests/e2e/expected/sandbox_attack.out and
 * checks from the host that nothing outside --rw changed and nothing outside --root was
 * read. No golden in tests/guest/expected: run_guest.sh does not run it.
 *
 * Modes: none (the fixed attacks, cwd /rw, stdin a file outside the root, stdout a pipe,
 * stderr a file outside the root), "devices" (device nodes, FIFOs and a socket the script
 * made: needs root for mknod), "stdin-dev" (stdin is a device node outside --rw),
 * "sockets" (host listeners the script started, by path inside the root and by abstract
 * name, must stay unreachable; socket nodes only below --rw),
 * "read PATH" (prints what PATH opens to, or the error).
 */
#include "guestutil.h"

#include <stddef.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#define SECRET "SECRET"

static void res(const char *label, long r)
{
	if (r < 0)
		printf("%s: %s\n", label, errname(errno));
	else
		printf("%s: ok\n", label);
}

/* Opens, reads the first line (a leak of the outside secret is shouted), closes. */
static void try_open(const char *label, int dirfd, const char *path, int flags)
{
	int fd = openat(dirfd, path, flags, 0644);
	if (fd < 0) {
		printf("%s: %s\n", label, errname(errno));
		return;
	}
	char buf[22] = ""; /* what identifies a file: not a maps line's inode */
	if ((flags & O_ACCMODE) != O_WRONLY && !(flags & O_PATH)) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		char *nl = strchr(buf, '\n');
		if (nl)
			*nl = '\0';
		for (char *p = buf; *p; p++)
			if (!isprint((unsigned char)*p))
				*p = '.';
	}
	if (strstr(buf, SECRET))
		printf("%s: LEAK %s\n", label, buf);
	else
		printf("%s: opened%s%s\n", label, buf[0] ? " " : "", buf);
	close(fd);
}

static void try_write_fd(const char *label, int fd)
{
	res(label, write(fd, "x", 1));
}

static void inode_changes(const char *label, int fd)
{
	char l[96];
	snprintf(l, sizeof(l), "%s fchmod", label);
	res(l, fchmod(fd, 02606));
	snprintf(l, sizeof(l), "%s fchown", label);
	res(l, fchown(fd, 50566, 12345));
	snprintf(l, sizeof(l), "%s futimens", label);
	struct timespec ts[2] = {{1, 0}, {2, 0}};
	res(l, futimens(fd, ts));
	snprintf(l, sizeof(l), "%s ftruncate", label);
	res(l, ftruncate(fd, 0));
}

static void path_changes(const char *label, int dirfd, const char *path)
{
	char l[96];
	struct timespec ts[2] = {{1, 0}, {2, 0}};
	snprintf(l, sizeof(l), "%s fchmodat", label);
	res(l, fchmodat(dirfd, path, 0777, 0));
	snprintf(l, sizeof(l), "%s fchownat", label);
	res(l, fchownat(dirfd, path, 50566, 12345, AT_SYMLINK_NOFOLLOW));
	snprintf(l, sizeof(l), "%s utimensat", label);
	res(l, utimensat(dirfd, path, ts, 0));
	snprintf(l, sizeof(l), "%s faccessat W_OK", label);
	res(l, faccessat(dirfd, path, W_OK, 0));
	snprintf(l, sizeof(l), "%s open O_WRONLY|O_TRUNC", label);
	try_open(l, dirfd, path, O_WRONLY | O_TRUNC);
	snprintf(l, sizeof(l), "%s open O_RDWR", label);
	try_open(l, dirfd, path, O_RDWR);
}

static void reopen_tricks(void)
{
	char p[64];
	try_open("reopen /proc/self/fd/0 O_RDWR", AT_FDCWD, "/proc/self/fd/0", O_RDWR);
	try_open("reopen /dev/fd/0 O_WRONLY|O_TRUNC", AT_FDCWD, "/dev/fd/0", O_WRONLY | O_TRUNC);
	try_open("reopen /dev/stdin O_RDONLY", AT_FDCWD, "/dev/stdin", O_RDONLY);
	int ro = open("/etc/ro.txt", O_RDONLY);
	snprintf(p, sizeof(p), "/proc/self/fd/%d", ro);
	try_open("reopen ro file O_WRONLY|O_TRUNC", AT_FDCWD, p, O_WRONLY | O_TRUNC);
	try_open("reopen ro file O_RDWR", AT_FDCWD, p, O_RDWR);
	try_open("reopen ro file O_RDONLY", AT_FDCWD, p, O_RDONLY);
	snprintf(p, sizeof(p), "/dev/fd/%d", ro);
	try_open("reopen ro file via /dev/fd O_WRONLY", AT_FDCWD, p, O_WRONLY);
	snprintf(p, sizeof(p), "/proc/self/fd/%d/../ro.txt", ro);
	try_open("ro file fd as a directory", AT_FDCWD, p, O_RDONLY);
	res("truncate via /proc/self/fd", truncate(p, 0));
	snprintf(p, sizeof(p), "/proc/self/fd/%d", ro);
	res("truncate magic link", truncate(p, 0));
	res("chmod magic link", chmod(p, 0777));
	close(ro);
	int op = open("/etc/ro.txt", O_PATH);
	snprintf(p, sizeof(p), "/proc/self/fd/%d", op);
	try_open("reopen O_PATH O_RDWR", AT_FDCWD, p, O_RDWR);
	try_open("reopen O_PATH O_RDONLY", AT_FDCWD, p, O_RDONLY);
	res("fchmod O_PATH", fchmod(op, 0777));
	res("read O_PATH", read(op, p, 1));
	close(op);
	/* stdout is a pipe the guest writes: reopening it for writing gains nothing */
	int so = open("/dev/stdout", O_WRONLY);
	res("reopen /dev/stdout O_WRONLY", so);
	if (so >= 0) {
		dprintf(so, "written through the reopened stdout\n");
		close(so);
	}
	try_open("reopen /dev/stdout O_RDWR", AT_FDCWD, "/dev/stdout", O_RDWR | O_NONBLOCK);
	try_open("/dev/stdout O_NOFOLLOW", AT_FDCWD, "/dev/stdout", O_WRONLY | O_NOFOLLOW);
}

static void proc_tricks(void)
{
	try_open("/dev/fd/../mem O_RDWR", AT_FDCWD, "/dev/fd/../mem", O_RDWR);
	try_open("/dev/fd/../mem O_RDONLY", AT_FDCWD, "/dev/fd/../mem", O_RDONLY);
	try_open("/dev/fd/../maps", AT_FDCWD, "/dev/fd/../maps", O_RDONLY);
	try_open("/dev/fd/../maps O_WRONLY", AT_FDCWD, "/dev/fd/../maps", O_WRONLY);
	try_open("/dev/fd/../environ O_WRONLY", AT_FDCWD, "/dev/fd/../environ", O_WRONLY);
	try_open("/proc/self/mem", AT_FDCWD, "/proc/self/mem", O_RDWR);
	try_open("/proc/self/map_files", AT_FDCWD, "/proc/self/map_files", O_RDONLY | O_DIRECTORY);
	try_open("/proc/self/root/etc/ro.txt O_WRONLY", AT_FDCWD, "/proc/self/root/etc/ro.txt",
		 O_WRONLY);
	try_open("/proc/self/root/etc/ro.txt", AT_FDCWD, "/proc/self/root/etc/ro.txt", O_RDONLY);
	try_open("/proc/self/root/../../outside/secret", AT_FDCWD,
		 "/proc/self/root/../../outside/secret", O_RDONLY);
	try_open("/proc/self/cwd/own.txt O_WRONLY", AT_FDCWD, "/proc/self/cwd/own.txt", O_WRONLY);
	try_open("/proc/self/cwd/../etc/ro.txt O_WRONLY", AT_FDCWD, "/proc/self/cwd/../etc/ro.txt",
		 O_WRONLY);
	try_open("/proc/self/exe O_RDWR", AT_FDCWD, "/proc/self/exe", O_RDWR);
	try_open("/proc/self/exe", AT_FDCWD, "/proc/self/exe", O_RDONLY);
	char l[256];
	ssize_t n = readlink("/proc/self/exe", l, sizeof(l) - 1);
	l[n > 0 ? n : 0] = '\0';
	printf("readlink /proc/self/exe: %s\n", n < 0 ? errname(errno) : l);
	/* the root's own /proc directory is hidden by the guest's procfs */
	try_open("/proc/fake", AT_FDCWD, "/proc/fake", O_RDONLY);
	try_open("/proc/../etc/ro.txt", AT_FDCWD, "/proc/../etc/ro.txt", O_RDONLY);
	int dfd = open("/etc", O_RDONLY | O_DIRECTORY);
	snprintf(l, sizeof(l), "/proc/self/fd/%d/ro.txt", dfd);
	try_open("dir fd magic link /ro.txt O_WRONLY", AT_FDCWD, l, O_WRONLY);
	try_open("dir fd magic link /ro.txt", AT_FDCWD, l, O_RDONLY);
	snprintf(l, sizeof(l), "/proc/self/fd/%d/../../../../outside/secret", dfd);
	try_open("dir fd magic link climbing", AT_FDCWD, l, O_RDONLY);
	close(dfd);
	try_open("/proc/self/fd/0/..", AT_FDCWD, "/proc/self/fd/0/..", O_RDONLY);
	res("mkdir /proc/x", mkdir("/proc/x", 0777));
	res("unlink /proc/self/fd/0", unlink("/proc/self/fd/0"));
	res("symlink into /proc", symlink("/etc", "/proc/self/x"));
}

static void symlink_tricks(void)
{
	try_open("/escape/secret (../../outside)", AT_FDCWD, "/escape/secret", O_RDONLY);
	try_open("/abs_escape/secret (host path)", AT_FDCWD, "/abs_escape/secret", O_RDONLY);
	try_open("/../../outside/secret", AT_FDCWD, "/../../outside/secret", O_RDONLY);
	res("symlink /rw/l1 -> /etc/ro.txt", symlink("/etc/ro.txt", "/rw/l1"));
	try_open("/rw/l1 O_WRONLY", AT_FDCWD, "/rw/l1", O_WRONLY);
	try_open("/rw/l1", AT_FDCWD, "/rw/l1", O_RDONLY);
	res("chmod /rw/l1", chmod("/rw/l1", 0777));
	res("lchown /rw/l1 (the link itself)", lchown("/rw/l1", 0, 0));
	res("symlink /rw/l2 -> /proc/self/fd/0", symlink("/proc/self/fd/0", "/rw/l2"));
	try_open("/rw/l2 O_WRONLY", AT_FDCWD, "/rw/l2", O_WRONLY);
	res("symlink /rw/l3 -> ../../../../outside/secret",
	    symlink("../../../../outside/secret", "/rw/l3"));
	try_open("/rw/l3", AT_FDCWD, "/rw/l3", O_RDONLY);
	res("symlink /rw/l4 -> /dev/fd/../mem", symlink("/dev/fd/../mem", "/rw/l4"));
	try_open("/rw/l4 O_RDWR", AT_FDCWD, "/rw/l4", O_RDWR);
	res("symlink /rw/l5 -> /proc/self/root/..", symlink("/proc/self/root/..", "/rw/l5"));
	try_open("/rw/l5/outside/secret", AT_FDCWD, "/rw/l5/outside/secret", O_RDONLY);
	res("symlink /rw/dangle -> /etc/newfile", symlink("/etc/newfile", "/rw/dangle"));
	try_open("O_CREAT through /rw/dangle", AT_FDCWD, "/rw/dangle", O_CREAT | O_WRONLY);
	res("symlink /rw/dangle2 -> /rw/created", symlink("/rw/created", "/rw/dangle2"));
	try_open("O_CREAT through /rw/dangle2", AT_FDCWD, "/rw/dangle2", O_CREAT | O_WRONLY);
	try_open("O_CREAT|O_EXCL on /rw/dangle2", AT_FDCWD, "/rw/dangle2",
		 O_CREAT | O_EXCL | O_WRONLY);
	/* a symlink to a directory in the middle of a path, and trailing slashes */
	res("symlink /rw/etcdir -> /etc", symlink("/etc", "/rw/etcdir"));
	try_open("/rw/etcdir/ro.txt O_WRONLY", AT_FDCWD, "/rw/etcdir/ro.txt", O_WRONLY);
	res("mkdir /rw/etcdir/", mkdir("/rw/etcdir/", 0755));
	res("unlink /rw/etcdir (the link)", unlink("/rw/etcdir"));
	res("rename /rw/l1 over /etc/ro.txt", rename("/rw/l1", "/etc/ro.txt"));
}

static void link_rename_tricks(void)
{
	char p[64];
	res("link /etc/ro.txt /rw/hl", link("/etc/ro.txt", "/rw/hl"));
	int ro = open("/etc/ro.txt", O_RDONLY);
	snprintf(p, sizeof(p), "/proc/self/fd/%d", ro);
	res("linkat /proc/self/fd/N (ro) /rw/hl2",
	    linkat(AT_FDCWD, p, AT_FDCWD, "/rw/hl2", AT_SYMLINK_FOLLOW));
	close(ro);
	res("link /rw/own.txt /rw/hl3", link("/rw/own.txt", "/rw/hl3"));
	res("link /rw/own.txt /etc/hl", link("/rw/own.txt", "/etc/hl"));
	res("rename /etc/ro.txt /rw/stolen", rename("/etc/ro.txt", "/rw/stolen"));
	res("rename /rw/hl3 /etc/x", rename("/rw/hl3", "/etc/x"));
	res("rename /etc/rodir /rw/d", rename("/etc/rodir", "/rw/d"));
	res("unlink /etc/ro.txt", unlink("/etc/ro.txt"));
	res("rmdir /etc/rodir", rmdir("/etc/rodir"));
	res("mkdir /etc/new", mkdir("/etc/new", 0755));
	res("truncate /etc/ro.txt", truncate("/etc/ro.txt", 0));
	try_open("creat /etc/new.txt", AT_FDCWD, "/etc/new.txt", O_CREAT | O_WRONLY);
	try_open("O_TMPFILE in /etc", AT_FDCWD, "/etc", O_TMPFILE | O_RDWR);
	int tf = open("/rw", O_TMPFILE | O_RDWR, 0600);
	res("O_TMPFILE in /rw", tf);
	if (tf >= 0) {
		snprintf(p, sizeof(p), "/proc/self/fd/%d", tf);
		res("linkat O_TMPFILE into /rw",
		    linkat(AT_FDCWD, p, AT_FDCWD, "/rw/tmp_linked", AT_SYMLINK_FOLLOW));
		res("linkat O_TMPFILE into /etc",
		    linkat(AT_FDCWD, p, AT_FDCWD, "/etc/tmp_linked", AT_SYMLINK_FOLLOW));
		close(tf);
	}
}

static void device_tricks(void)
{
	try_open("/dev/mem", AT_FDCWD, "/dev/mem", O_RDONLY);
	try_open("/dev/mem O_RDWR", AT_FDCWD, "/dev/mem", O_RDWR);
	try_open("/dev/loop (block)", AT_FDCWD, "/dev/loop", O_RDONLY);
	try_open("/dev/zero", AT_FDCWD, "/dev/zero", O_RDONLY);
	int nul = open("/dev/null", O_WRONLY);
	res("open /dev/null O_WRONLY", nul);
	try_write_fd("write /dev/null", nul);
	inode_changes("/dev/null fd", nul);
	close(nul);
	path_changes("/dev/null path", AT_FDCWD, "/dev/null");
	unsigned char r[8];
	int ur = open("/dev/urandom", O_RDONLY);
	res("read /dev/urandom", read(ur, r, sizeof(r)));
	printf("urandom bytes (seeded): %02x%02x%02x%02x%02x%02x%02x%02x\n", r[0], r[1], r[2], r[3],
	       r[4], r[5], r[6], r[7]);
	close(ur);
	/* FIFO and socket nodes outside --rw */
	try_open("/dev/fifo O_WRONLY|O_NONBLOCK", AT_FDCWD, "/dev/fifo", O_WRONLY | O_NONBLOCK);
	int ff = open("/dev/fifo", O_RDONLY | O_NONBLOCK);
	res("/dev/fifo O_RDONLY|O_NONBLOCK", ff);
	if (ff >= 0) {
		inode_changes("/dev/fifo fd", ff);
		char p[64];
		snprintf(p, sizeof(p), "/proc/self/fd/%d", ff);
		try_open("reopen /dev/fifo O_WRONLY", AT_FDCWD, p, O_WRONLY | O_NONBLOCK);
		close(ff);
	}
	path_changes("/dev/fifo path", AT_FDCWD, "/dev/fifo");
	try_open("/dev/sock O_RDWR", AT_FDCWD, "/dev/sock", O_RDWR);
	try_open("/dev/sock O_RDONLY", AT_FDCWD, "/dev/sock", O_RDONLY);
	int sp = open("/dev/sock", O_PATH);
	res("/dev/sock O_PATH", sp);
	if (sp >= 0) {
		char p[64];
		snprintf(p, sizeof(p), "/proc/self/fd/%d", sp);
		try_open("reopen /dev/sock O_RDWR", AT_FDCWD, p, O_RDWR);
		inode_changes("/dev/sock O_PATH fd", sp);
		close(sp);
	}
	path_changes("/dev/sock path", AT_FDCWD, "/dev/sock");
	/* a FIFO below --rw is the guest's to use */
	int rf = open("/rw/fifo", O_RDWR);
	res("/rw/fifo O_RDWR", rf);
	char c = 0;
	res("write /rw/fifo", write(rf, "y", 1));
	res("read /rw/fifo", read(rf, &c, 1));
	printf("read back: %c\n", c);
	res("fchmod /rw/fifo", fchmod(rf, 0600));
	close(rf);
}

static void at_tricks(void)
{
	int etc = open("/etc", O_PATH | O_DIRECTORY);
	int rw = open("/rw", O_RDONLY | O_DIRECTORY);
	int pself = open("/proc/self", O_RDONLY | O_DIRECTORY);
	int reg = open("/etc/ro.txt", O_RDONLY);
	int pipefd[2];
	pipe(pipefd);
	path_changes("AT_FDCWD ../etc/ro.txt", AT_FDCWD, "../etc/ro.txt");
	path_changes("O_PATH /etc fd + ro.txt", etc, "ro.txt");
	path_changes("/rw fd + ../etc/ro.txt", rw, "../etc/ro.txt");
	path_changes("/proc/self fd + fd/0", pself, "fd/0");
	path_changes("/proc/self fd + root/etc/ro.txt", pself, "root/etc/ro.txt");
	try_open("/proc/self fd + maps", pself, "maps", O_RDONLY);
	try_open("/proc/self fd + mem", pself, "mem", O_RDONLY);
	try_open("/proc/self fd + ../../outside/secret", pself, "../../outside/secret", O_RDONLY);
	try_open("regular file fd + x", reg, "x", O_RDONLY);
	try_open("stdin (outside the root) fd + x", 0, "x", O_RDONLY);
	try_open("pipe fd + x", pipefd[0], "x", O_RDONLY);
	try_open("bad fd + x", 99, "x", O_RDONLY);
	try_open("bad fd + /etc/ro.txt (absolute)", 99, "/etc/ro.txt", O_RDONLY);
	res("mkdirat O_PATH /etc fd", mkdirat(etc, "new", 0755));
	res("unlinkat O_PATH /etc fd", unlinkat(etc, "ro.txt", 0));
	res("renameat /etc fd -> /rw fd", renameat(etc, "ro.txt", rw, "x"));
	res("symlinkat in /etc fd", symlinkat("/rw", etc, "sl"));
	res("linkat /etc fd -> /rw fd", linkat(etc, "ro.txt", rw, "hl4", 0));
	res("fchmodat AT_EMPTY_PATH-less O_PATH", fchmodat(etc, "ro.txt", 0600, 0));
	res("mkdirat /rw fd", mkdirat(rw, "made", 0755));
	try_open("openat /rw fd O_CREAT", rw, "made/f", O_CREAT | O_WRONLY);
	close(etc);
	close(rw);
	close(pself);
	close(reg);
	close(pipefd[0]);
	close(pipefd[1]);
}

static void inherited(void)
{
	inode_changes("fd 0 (file outside the root)", 0);
	try_write_fd("write fd 0 (read-only)", 0);
	inode_changes("fd 1 (pipe)", 1);
	inode_changes("fd 2 (file outside the root)", 2);
	try_write_fd("write fd 2 (its stderr)", 2);
	res("dup2 0 -> 5", dup2(0, 5));
	inode_changes("fd 5 (dup of 0)", 5);
	close(5);
}

static void cwd_tricks(void)
{
	char buf[256];
	res("chdir /proc/self/fd", chdir("/proc/self/fd"));
	try_open("cwd /proc/self/fd: 0 O_WRONLY", AT_FDCWD, "0", O_WRONLY);
	try_open("cwd /proc/self/fd: ../mem", AT_FDCWD, "../mem", O_RDONLY);
	printf("getcwd: %s\n", getcwd(buf, sizeof(buf)) ? buf : errname(errno));
	res("chdir /proc/self/root", chdir("/proc/self/root"));
	printf("getcwd: %s\n", getcwd(buf, sizeof(buf)) ? buf : errname(errno));
	try_open("cwd root: etc/ro.txt O_WRONLY", AT_FDCWD, "etc/ro.txt", O_WRONLY);
	res("chdir ../../..", chdir("../../.."));
	printf("getcwd: %s\n", getcwd(buf, sizeof(buf)) ? buf : errname(errno));
	int etc = open("/etc", O_RDONLY | O_DIRECTORY);
	res("fchdir /etc", fchdir(etc));
	try_open("cwd /etc: ro.txt O_WRONLY|O_TRUNC", AT_FDCWD, "ro.txt", O_WRONLY | O_TRUNC);
	res("fchdir stdin (a file)", fchdir(0));
	close(etc);
	res("chdir /rw", chdir("/rw"));
}

/* Status flags of the inherited descriptors: the guest sees what it set, the user's shell
 * (sharing the host open file descriptions) keeps its own. stdin is a FIFO nobody writes
 * yet, stdout a regular file. */
static void setfl(void)
{
	int r[2], fl[2];
	for (int fd = 1; fd >= 0; fd--) {
		r[fd] = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK | O_APPEND);
		fl[fd] = fcntl(fd, F_GETFL);
	}
	/* stdout was opened read-write at offset 0 over a line: only O_APPEND keeps it */
	for (int fd = 0; fd < 2; fd++) {
		res("F_SETFL O_NONBLOCK|O_APPEND", r[fd]);
		printf("fd %d O_NONBLOCK %s, O_APPEND %s\n", fd, fl[fd] & O_NONBLOCK ? "set" : "clear",
		       fl[fd] & O_APPEND ? "set" : "clear");
	}
	char c;
	res("read fd 0 (empty, O_NONBLOCK)", read(0, &c, 1));
}

static void stdin_dev(void)
{
	/* stdin is a device node outside --rw, as /dev/null is when a fuzzer runs with
	 * < /dev/null: its inode must not change through the inherited descriptor */
	inode_changes("fd 0 (device node)", 0);
	try_open("reopen /proc/self/fd/0 O_RDWR", AT_FDCWD, "/proc/self/fd/0", O_RDWR);
	res("fchmodat /proc/self/fd/0", fchmodat(AT_FDCWD, "/proc/self/fd/0", 02606, 0));
	res("chown /dev/stdin", chown("/dev/stdin", 50566, 2147483648u));
}

static int unix_addr(struct sockaddr_un *a, const char *path, int abstract)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	strncpy(a->sun_path + (abstract ? 1 : 0), path, sizeof a->sun_path - 2);
	return (int)(offsetof(struct sockaddr_un, sun_path) + (abstract ? 1 : 0) + strlen(path) +
		     (abstract ? 0 : 1));
}

/* Sockets: vmlab's names never reach the host's socket namespace. */
static void socket_tricks(void)
{
	struct sockaddr_un a;
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	int l = unix_addr(&a, "/host.sock", 0);
	res("connect to a host listener's node inside the root", connect(s, (struct sockaddr *)&a, l));
	l = unix_addr(&a, "vmlab-sandbox-host", 1);
	res("connect to a host listener's abstract name", connect(s, (struct sockaddr *)&a, l));
	close(s);
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	res("sendto the host listener's node", sendto(s, "x", 1, 0, (struct sockaddr *)&a,
						       unix_addr(&a, "/host.sock", 0)));
	l = unix_addr(&a, "/outside.sock", 0);
	res("bind a node in the root, outside --rw", bind(s, (struct sockaddr *)&a, l));
	l = unix_addr(&a, "/escape/x.sock", 0);
	res("bind through a symlink out of the root", bind(s, (struct sockaddr *)&a, l));
	l = unix_addr(&a, "/proc/self/x.sock", 0);
	res("bind in /proc", bind(s, (struct sockaddr *)&a, l));
	close(s);
	int srv = socket(AF_UNIX, SOCK_STREAM, 0), cli = socket(AF_UNIX, SOCK_STREAM, 0);
	l = unix_addr(&a, "/rw/mine.sock", 0);
	res("bind below --rw", bind(srv, (struct sockaddr *)&a, l));
	res("listen", listen(srv, 1));
	res("connect to the guest's own socket", connect(cli, (struct sockaddr *)&a, l));
	res("unlink it", unlink("/rw/mine.sock"));
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	umask(022);
	if (argc == 3 && !strcmp(argv[1], "read")) {
		try_open(argv[2], AT_FDCWD, argv[2], O_RDONLY);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "stdin-dev")) {
		stdin_dev();
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "setfl")) {
		setfl();
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "sockets")) {
		socket_tricks();
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "devices")) {
		device_tricks();
		return 0;
	}
	reopen_tricks();
	proc_tricks();
	symlink_tricks();
	link_rename_tricks();
	at_tricks();
	inherited();
	cwd_tricks();
	return 0;
}
