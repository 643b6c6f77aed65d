/*
 * For tests/e2e/host_limits.sh: raises RLIMIT_FSIZE to infinity (the guest is root, so its
 * modelled limit may go past the one vmlab itself runs under), then writes and truncates
 * past 2 GB. The host refuses what its own limit forbids: the guest must get EFBIG, and
 * vmlab must live on. No golden: the outcome depends on the host limit the test sets.
 */
#include "guestutil.h"

int main(void)
{
	struct rlimit r = {RLIM_INFINITY, RLIM_INFINITY};
	report("setrlimit(RLIMIT_FSIZE, infinity)", setrlimit(RLIMIT_FSIZE, &r));
	int fd = open("big", O_RDWR | O_CREAT | O_TRUNC, 0644);
	report("pwrite64 at 2 GB", syscall(SYS_pwrite64, fd, "x", 1, 0, 2));
	report("ftruncate64 to 3 GB", syscall(SYS_ftruncate64, fd, 0, 3));
	report("write at 4 KB", pwrite(fd, "y", 1, 4096));
	close(fd);
	unlink("big");
	return 0;
}
