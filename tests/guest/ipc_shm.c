/*
 * SysV shared memory (shmget/shmat/shmdt/shmctl): a segment shared across
 * fork (the child writes, the parent reads), shm_nattch through IPC_STAT at
 * each step (attach, fork, split by mprotect, detach, child exit), the
 * /proc/self/maps line of an attachment, SHM_RDONLY and SHM_RND, IPC_RMID
 * while attached (destroyed at the last detach), keys with IPC_CREAT and
 * IPC_EXCL, and the error cases. Ids differ from run to run: only their
 * relations are printed. Authoritative golden: i386 (the native one differs
 * where shmget's overcommit check sees this host's RAM).
 */
#include "guestutil.h"

#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEY 0x766d6c01

static long nattch(int id)
{
	struct shmid_ds ds;
	if (shmctl(id, IPC_STAT, &ds) == -1)
		return -errno;
	return (long)ds.shm_nattch;
}

static void stat_line(const char *label, int id)
{
	struct shmid_ds ds;
	if (shmctl(id, IPC_STAT, &ds) == -1) {
		printf("%s: %s\n", label, errname(errno));
		return;
	}
	printf("%s: key=%#x mode=%#o size=%lu nattch=%lu uid=%u cuid=%u cpid_is_me=%d "
	       "lpid_is_me=%d atime=%d dtime=%d\n",
	       label, (unsigned)ds.shm_perm.__key, (unsigned)ds.shm_perm.mode,
	       (unsigned long)ds.shm_segsz, (unsigned long)ds.shm_nattch, (unsigned)ds.shm_perm.uid,
	       (unsigned)ds.shm_perm.cuid, ds.shm_cpid == getpid(), ds.shm_lpid == getpid(),
	       ds.shm_atime != 0, ds.shm_dtime != 0);
}

/* The maps line of the attachment at p, with the inode compared to the id. */
static void maps_line(const char *label, const void *p, int id)
{
	char *m = slurp("/proc/self/maps");
	char want[32];
	snprintf(want, sizeof want, "%08lx-", (unsigned long)(uintptr_t)p);
	char *l = m ? strstr(m, want) : NULL;
	if (!l) {
		printf("%s: not in maps\n", label);
		return;
	}
	unsigned long s, e, off, ino;
	char perm[8], dev[16], name[64] = "";
	if (sscanf(l, "%lx-%lx %7s %lx %15s %lu %63[^\n]", &s, &e, perm, &off, dev, &ino, name) <
	    6) {
		printf("%s: unparsable\n", label);
		return;
	}
	char *sp = name;
	while (*sp == ' ')
		sp++;
	printf("%s: len=%#lx %s off=%lx dev=%s ino_is_id=%d name=%s\n", label, e - s, perm, off,
	       dev, ino == (unsigned long)id, sp);
}

int main(void)
{
	guest_init();
	catch_faults();
	/* a segment a previous run left behind */
	int old = shmget(KEY, 0, 0);
	if (old != -1)
		shmctl(old, IPC_RMID, NULL);

	int id = shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0600);
	report("shmget private", id);
	stat_line("stat new", id);

	char *p = shmat(id, NULL, 0);
	report("shmat", p == (void *)-1 ? -1 : 0);
	printf("shmat aligned: %d\n", ((uintptr_t)p & (PG - 1)) == 0);
	stat_line("stat attached", id);
	maps_line("maps", p, id);
	printf("zero filled: %d %d\n", p[0], p[9999]);
	printf("tail of the last page: %s\n", try_write(p + 12287, 1) ? "fault" : "writable");

	pid_t c = fork();
	if (c == 0) {
		printf("child nattch: %ld\n", nattch(id));
		strcpy(p, "written by the child");
		p[8000] = 42;
		_exit(0);
	}
	int st;
	waitpid(c, &st, 0);
	printf("parent reads: %s %d\n", p, p[8000]);
	printf("nattch after child exit: %ld\n", nattch(id));

	/* a split VMA counts as two attaches, as Linux's vm_ops->open does */
	report("mprotect split", mprotect(p, PG, PROT_READ));
	printf("nattch after split: %ld\n", nattch(id));
	report("mprotect back", mprotect(p, PG, PROT_READ | PROT_WRITE));
	printf("nattch after merge: %ld\n", nattch(id));

	/* a second attachment, read-only */
	char *r = shmat(id, NULL, SHM_RDONLY);
	report("shmat rdonly", r == (void *)-1 ? -1 : 0);
	printf("nattch two: %ld\n", nattch(id));
	maps_line("maps rdonly", r, id);
	printf("rdonly reads: %s\n", r);
	print_fault("rdonly write", try_write(r, 'x'), r);
	report("shmdt rdonly", shmdt(r));
	report("shmdt again", shmdt(r));
	report("shmdt unaligned", shmdt(p + 1));
	printf("nattch one: %ld\n", nattch(id));

	/* a chosen address: exact, unaligned, SHM_RND, and over an existing mapping */
	char *hole = mmap(NULL, 8 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(hole, 8 * PG);
	char *q = shmat(id, hole + PG, 0);
	printf("shmat at addr: %s\n", q == hole + PG ? "there" : errname(errno));
	printf("same memory: %s\n", q == hole + PG ? q : "-");
	q = shmat(id, hole + 2 * PG + 100, 0);
	printf("shmat unaligned: %s\n", q == (void *)-1 ? errname(errno) : "mapped");
	q = shmat(id, hole + 5 * PG + 100, SHM_RND);
	printf("shmat SHM_RND: %s\n", q == hole + 5 * PG ? "rounded" : errname(errno));
	q = shmat(id, hole + PG, 0);
	printf("shmat over a mapping: %s\n", q == (void *)-1 ? errname(errno) : "mapped");
	q = shmat(id, hole + PG, SHM_REMAP);
	printf("shmat SHM_REMAP: %s\n", q == hole + PG ? "there" : errname(errno));
	printf("nattch four: %ld\n", nattch(id));
	report("shmdt remap", shmdt(hole + PG));
	report("shmdt rnd", shmdt(hole + 5 * PG));
	printf("nattch back to one: %ld\n", nattch(id));

	/* IPC_RMID while attached: the segment lives on, unnamed, until the last detach */
	report("rmid attached", shmctl(id, IPC_RMID, NULL));
	stat_line("stat removed", id);
	printf("still readable: %s\n", p);
	c = fork();
	if (c == 0) {
		printf("child of removed nattch: %ld\n", nattch(id));
		char *x = shmat(id, NULL, 0);
		printf("child attach removed: %s\n", x == (void *)-1 ? errname(errno) : "attached");
		_exit(0);
	}
	waitpid(c, &st, 0);
	printf("nattch removed: %ld\n", nattch(id));
	report("shmdt last", shmdt(p));
	printf("stat after last detach: %s\n", errname(-nattch(id)));
	report("rmid gone", shmctl(id, IPC_RMID, NULL));

	/* keys */
	int k = shmget(KEY, 5000, 0600);
	report("shmget key no IPC_CREAT", k);
	k = shmget(KEY, 5000, IPC_CREAT | 0640);
	report("shmget key create", k);
	stat_line("stat key", k);
	int k2 = shmget(KEY, 4096, 0);
	printf("shmget key again same id: %d\n", k2 == k);
	report("shmget key larger", shmget(KEY, 8192, 0));
	report("shmget key excl", shmget(KEY, 4096, IPC_CREAT | IPC_EXCL | 0600));
	report("rmid key", shmctl(k, IPC_RMID, NULL));
	report("shmget key after rmid", shmget(KEY, 4096, 0));

	/* errors */
	report("shmget size 0", shmget(IPC_PRIVATE, 0, IPC_CREAT | 0600));
	int h = shmget(IPC_PRIVATE, 0x7fffffff, IPC_CREAT | 0600);
	report("shmget 2 GB (ENOMEM when above RAM + swap)", h);
	if (h != -1)
		shmctl(h, IPC_RMID, NULL);
	h = shmget(IPC_PRIVATE, 0x7fffffff, IPC_CREAT | SHM_NORESERVE | 0600);
	report("shmget 2 GB SHM_NORESERVE", h);
	if (h != -1)
		shmctl(h, IPC_RMID, NULL);
	report("shmat bad id", shmat(-1, NULL, 0) == (void *)-1 ? -1 : 0);
	report("shmat stale id", shmat(id, NULL, 0) == (void *)-1 ? -1 : 0);
	report("shmctl stale", shmctl(id, IPC_STAT, &(struct shmid_ds){0}));
	int e = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	report("shmctl bad cmd", shmctl(e, 1234, NULL));
	/* the direct system call (glibc goes through ipc(2) and a buffer of its own): always
	 * the 64-bit layout, IPC_64 not a flag there */
	report("shmctl stat fault", syscall(SYS_shmctl, e, IPC_STAT, 8));
	report("shmctl IPC_64 direct", syscall(SYS_shmctl, e, IPC_STAT | 0x100, 8));
	struct shmid_ds ds;
	report("shmctl direct", syscall(SYS_shmctl, e, IPC_STAT, &ds));
	printf("direct segsz: %lu\n", (unsigned long)ds.shm_segsz);
	report("shmctl negative id", shmctl(-5, IPC_RMID, NULL));
	report("rmid e", shmctl(e, IPC_RMID, NULL));
	return 0;
}
