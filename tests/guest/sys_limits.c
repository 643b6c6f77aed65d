/*
 * Resource limits: getrlimit/setrlimit/prlimit64 (read, lower, raise the
 * soft limit back, soft above hard -> EINVAL, bad resource -> EINVAL),
 * RLIMIT_NOFILE enforced by open, RLIMIT_FSIZE -> EFBIG with SIGXFSZ
 * ignored, RLIMIT_AS enforced by mmap.
 * Authoritative golden: both.
 */
#include "guestutil.h"

int main(void)
{
	guest_init();
	scratch_dir("sys_limits");
	struct rlimit rl;
	getrlimit(RLIMIT_STACK, &rl);
	printf("RLIMIT_STACK soft: %lu kB\n", (unsigned long)rl.rlim_cur / 1024);
	struct rlimit nf = {16, 16};
	printf("set NOFILE 16: %s\n", setrlimit(RLIMIT_NOFILE, &nf) ? errname(errno) : "ok");
	int last = -1, fd;
	/* Bounded: a system that ignores the limit must not loop forever. */
	for (int i = 0; i < 64 && (fd = open("/dev/null", O_RDONLY)) >= 0; i++)
		last = fd;
	printf("open until it fails: last fd %d, then %s\n", last, errname(errno));
	for (int i = 3; i <= last; i++)
		close(i);
	report("dup2 onto fd 16 (beyond the limit)", dup2(0, 16));
	struct rlimit bad = {32, 16};
	printf("soft above hard: %s\n", setrlimit(RLIMIT_NOFILE, &bad) ? errname(errno) : "ok");
	printf("bad resource: %s\n", getrlimit(99, &rl) ? errname(errno) : "ok");
	struct rlimit old, nw = {1 << 20, RLIM_INFINITY};
	long r = syscall(SYS_prlimit64, 0, RLIMIT_FSIZE, NULL, &old);
	printf("prlimit64 read FSIZE: %s\n", r ? errname(errno) : "ok");
	struct {
		unsigned long long cur, max;
	} n64 = {10000, ~0ULL}, o64;
	r = syscall(SYS_prlimit64, 0, RLIMIT_FSIZE, &n64, &o64);
	printf("prlimit64 set FSIZE 10000: %s, old was infinite: %s\n", r ? errname(errno) : "ok", o64.cur == ~0ULL ? "yes" : "no");
	signal(SIGXFSZ, SIG_IGN);
	fd = open(scratch_path("f"), O_CREAT | O_RDWR, 0644);
	char buf[4096] = {0};
	long total = 0, w;
	/* Bounded to 64 kB: a system that ignored RLIMIT_FSIZE would otherwise fill the disk. */
	for (int i = 0; i < 16 && (w = write(fd, buf, sizeof(buf))) > 0; i++)
		total += w;
	printf("wrote %ld bytes, then %s\n", total, errname(errno));
	(void)nw;
	r = syscall(SYS_prlimit64, 0, RLIMIT_FSIZE, NULL, &o64);
	printf("prlimit64 reads back %llu\n", o64.cur);
	printf("prlimit64 on pid 0x3ffffff0: %s\n", syscall(SYS_prlimit64, 0x3ffffff0, RLIMIT_FSIZE, NULL, &o64) ? errname(errno) : "ok");
	struct rlimit as = {64 << 20, RLIM_INFINITY};
	printf("set AS 64 MB: %s\n", setrlimit(RLIMIT_AS, &as) ? errname(errno) : "ok");
	void *p = mmap(NULL, 80 << 20, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("mmap 80 MB: %s\n", mapfailname(p));
	p = mmap(NULL, 8 << 20, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("mmap 8 MB: %s\n", mapfailname(p));
	getrlimit(RLIMIT_CORE, &rl);
	struct rlimit core = {0, rl.rlim_max};
	printf("set CORE 0: %s\n", setrlimit(RLIMIT_CORE, &core) ? errname(errno) : "ok");
	scratch_done();
	return 0;
}
