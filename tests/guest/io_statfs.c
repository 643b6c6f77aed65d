/*
 * statfs64/fstatfs64/statfs/fstatfs (procfs described as simple_statfs does, the wrong
 * struct size, bad descriptors and paths), fadvise64_64/fadvise64 (ESPIPE on a pipe, bad
 * advice, negative length, O_PATH and closed descriptors), and the reading xattr calls
 * (procfs has no handler: EOPNOTSUPP and an empty list; bad names ERANGE; a path and its
 * descriptor agree). Nothing printed depends on the host's file systems.
 * Authoritative golden: both (native and the real i386 kernels print the same).
 */
#include "guestutil.h"
#include <sys/statfs.h>
#include <sys/xattr.h>

struct sfs64 {
	uint32_t f_type, f_bsize;
	uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	uint32_t f_fsid[2], f_namelen, f_frsize, f_flags, f_spare[4];
} __attribute__((packed, aligned(4)));

int main(void)
{
	guest_init();
	struct sfs64 s;
	report("statfs64 /proc", syscall(SYS_statfs64, "/proc", sizeof s, &s));
	printf("/proc: type %#x bsize %u frsize %u namelen %u blocks %llu files %llu\n", s.f_type,
	       s.f_bsize, s.f_frsize, s.f_namelen, (unsigned long long)s.f_blocks,
	       (unsigned long long)s.f_files);
	report("statfs64 with size 80", syscall(SYS_statfs64, "/proc", 80, &s));
	report("statfs64 missing path", syscall(SYS_statfs64, "/nonexistent/x", sizeof s, &s));
	report("statfs64 bad buffer", syscall(SYS_statfs64, "/proc", sizeof s, (void *)8));
	int pfd = open("/proc/self/status", O_RDONLY);
	struct sfs64 f;
	report("fstatfs64 of a procfs file", syscall(SYS_fstatfs64, pfd, sizeof f, &f));
	printf("same type as the path: %d\n", f.f_type == s.f_type);
	report("fstatfs64 bad fd", syscall(SYS_fstatfs64, 999, sizeof f, &f));
	struct sfs64 r1, r2;
	int root = open("/", O_RDONLY | O_DIRECTORY);
	long a = syscall(SYS_statfs64, "/", sizeof r1, &r1);
	long b = syscall(SYS_fstatfs64, root, sizeof r2, &r2);
	printf("statfs64 / and fstatfs64 of it: %ld %ld, same type %d, same bsize %d, bsize > 0 %d\n",
	       a, b, r1.f_type == r2.f_type, r1.f_bsize == r2.f_bsize, r1.f_bsize > 0);
	int opath = open("/", O_PATH);
	report("fstatfs64 of an O_PATH descriptor", syscall(SYS_fstatfs64, opath, sizeof f, &f));
	uint32_t old[16];
	report("statfs (32-bit) /proc", syscall(SYS_statfs, "/proc", old));
	printf("old statfs type %#x bsize %u namelen %u\n", old[0], old[1], old[9]);
	report("fstatfs (32-bit) of a procfs file", syscall(SYS_fstatfs, pfd, old));

	int p[2];
	pipe(p);
	report("fadvise64_64 on a pipe", syscall(SYS_fadvise64_64, p[0], 0, 0, 0, 0, 0));
	report("fadvise64_64 SEQUENTIAL on a procfs file", syscall(SYS_fadvise64_64, pfd, 0, 0, 0, 0, 2));
	report("fadvise64_64 DONTNEED on /", syscall(SYS_fadvise64_64, root, 0, 0, 4096, 0, 4));
	report("fadvise64_64 advice 6", syscall(SYS_fadvise64_64, root, 0, 0, 0, 0, 6));
	report("fadvise64_64 negative length", syscall(SYS_fadvise64_64, root, 0, 0, -1, -1, 0));
	report("fadvise64_64 negative offset", syscall(SYS_fadvise64_64, root, -4096, -1, 0, 0, 0));
	report("fadvise64_64 closed fd", syscall(SYS_fadvise64_64, 999, 0, 0, 0, 0, 0));
	report("fadvise64_64 O_PATH fd", syscall(SYS_fadvise64_64, opath, 0, 0, 0, 0, 0));
	report("fadvise64 WILLNEED", syscall(SYS_fadvise64, root, 0, 0, 100, 3));
	report("fadvise64 on a pipe", syscall(SYS_fadvise64, p[1], 0, 0, 100, 3));
	report("posix_fadvise NOREUSE (returns the error)", -posix_fadvise(root, 0, 0, 5));

	char v[256];
	report("getxattr on procfs", getxattr("/proc/self/status", "user.x", v, sizeof v));
	report("lgetxattr on procfs", lgetxattr("/proc/self/status", "user.x", v, sizeof v));
	report("fgetxattr on procfs", fgetxattr(pfd, "user.x", v, sizeof v));
	report("listxattr on procfs", listxattr("/proc/self/status", v, sizeof v));
	report("flistxattr on procfs", flistxattr(pfd, v, sizeof v));
	report("getxattr empty name", getxattr("/", "", v, sizeof v));
	char big[300];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = 0;
	memcpy(big, "user.", 5);
	report("getxattr 299-byte name", getxattr("/", big, v, sizeof v));
	report("getxattr missing path", getxattr("/nonexistent/x", "user.x", v, sizeof v));
	report("fgetxattr closed fd", fgetxattr(999, "user.x", v, sizeof v));
	report("fgetxattr O_PATH fd", fgetxattr(opath, "user.x", v, sizeof v));
	errno = 0;
	long g1 = getxattr("/", "user.vmlab-none", v, sizeof v);
	int e1 = errno;
	errno = 0;
	long g2 = fgetxattr(root, "user.vmlab-none", v, sizeof v);
	int e2 = errno;
	printf("getxattr and fgetxattr of / agree: %d (no such attribute or none supported: %d)\n",
	       g1 == g2 && e1 == e2, g1 < 0 && (e1 == ENODATA || e1 == EOPNOTSUPP));
	long l1 = listxattr("/", NULL, 0), l2 = flistxattr(root, NULL, 0);
	printf("listxattr and flistxattr of / agree on the size: %d\n", l1 == l2);
	return 0;
}
