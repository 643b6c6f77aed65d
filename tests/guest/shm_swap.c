/*
 * Swap for shmem pages (docs/swap.md, docs/ipc.md): a SysV segment and a shared anonymous
 * mapping that together exceed RAM, written by two processes (the child the odd pages, the
 * parent the even ones), are reclaimed to swap and read back intact. What holds by the
 * definitions is printed as yes/no lines:
 *   - every page of the segment is resident or swapped: SHM_INFO's shm_rss + shm_swp = its
 *     pages, and its mapping's smaps Swap is shm_swp pages (a read-only attach's too);
 *   - meminfo's Shmem is the resident shmem pages (the segment's and the shared mapping's);
 *   - the reading pass brings back every page swapped before it (pswpin at least that), and
 *     some of its faults are major (the program's own file pages dropped and read again are
 *     major faults too, so majflt is not bounded by pswpin);
 *   - a SHM_LOCK'd segment touched after the lock stays resident under the same pressure
 *     (mincore), its pages on the unevictable list; SHM_UNLOCK moves them back. Linux adds
 *     pages to the LRU through a per-CPU batch of 15 (PAGEVEC_SIZE), so the culled and
 *     rescued counts may lag by that much there; the lines allow it.
 * Shmem is compared with its value at the start (the oracle's initramfs is on tmpfs, whose
 * pages count there and may be swapped too: within 64 pages).
 * Counts that depend on timing inside Linux (pswpout, pswpin, majflt) are printed as
 * "count NAME N" for the e2e test to compare as ranges.
 * Usage: shm_swap MB [swapoff]   MB: each of the two regions. With "swapoff", the program
 * makes a swap file in its working directory (--rw), swapon, fills, then swapoff must bring
 * every shmem page back (SwapFree back to the total, data intact).
 */
#include "guestutil.h"
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/swap.h>
#include <sys/wait.h>

#ifndef SHM_LOCK
#define SHM_LOCK 11
#define SHM_UNLOCK 12
#endif
#ifndef SHM_INFO
#define SHM_INFO 14
#endif

struct shm_info_k {
	int used_ids;
	unsigned long shm_tot, shm_rss, shm_swp, swap_attempts, swap_successes;
};

static long field(const char *path, const char *name)
{
	char *s = slurp(path);
	size_t l = strlen(name);
	for (char *line = s; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (!strncmp(line, name, l) && (line[l] == ':' || line[l] == ' '))
			return strtol(line + l + 1, NULL, 10);
	return -1;
}
static long vmstat(const char *n) { return field("/proc/vmstat", n); }
static long meminfo(const char *n) { return field("/proc/meminfo", n); }

static uint32_t word(int region, unsigned long page, unsigned i)
{
	return (uint32_t)(region * 0x9e3779b1u) ^ (uint32_t)(page * 2654435761u) ^ (i * 40503u);
}

static void fill(char *base, int region, unsigned long pages, int parity)
{
	for (unsigned long p = parity; p < pages; p += 2) {
		uint32_t *w = (uint32_t *)(base + p * PG);
		for (unsigned i = 0; i < PG / 4; i++)
			w[i] = word(region, p, i);
	}
}

static unsigned long check(const char *base, int region, unsigned long pages)
{
	unsigned long bad = 0;
	for (unsigned long p = 0; p < pages; p++) {
		const uint32_t *w = (const uint32_t *)(base + p * PG);
		for (unsigned i = 0; i < PG / 4; i++)
			if (w[i] != word(region, p, i))
				bad++;
	}
	return bad;
}

static void shminfo(struct shm_info_k *si)
{
	memset(si, 0, sizeof *si);
	shmctl(0, SHM_INFO, (struct shmid_ds *)si);
}

static unsigned long resident(void *base, unsigned long pages)
{
	static unsigned char vec[65536];
	unsigned long n = 0;
	if (pages > sizeof vec || mincore(base, pages * PG, vec))
		return (unsigned long)-1;
	for (unsigned long i = 0; i < pages; i++)
		n += vec[i] & 1;
	return n;
}

static const char *yn(int c) { return c ? "yes" : "no"; }

/* mkswap: a file of pages, the header in page 0 */
static int make_swapfile(const char *name, int pages)
{
	int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);
	static char zero[PG];
	if (fd < 0)
		return -1;
	for (int i = 0; i < pages; i++)
		if (write(fd, zero, PG) != PG)
			return -1;
	char hdr[PG];
	memset(hdr, 0, sizeof hdr);
	unsigned info[4] = {1, (unsigned)pages - 1, 0, 7};
	memcpy(hdr + 1024, info, sizeof info);
	memcpy(hdr + PG - 10, "SWAPSPACE2", 10);
	if (pwrite(fd, hdr, PG, 0) != PG)
		return -1;
	return close(fd);
}

int main(int argc, char **argv)
{
	unsigned long mb = argc > 1 ? strtoul(argv[1], NULL, 0) : 16;
	int do_swapoff = argc > 2 && !strcmp(argv[2], "swapoff");
	unsigned long pages = mb * 1024 * 1024 / PG, lock_pages = 256;
	setvbuf(stdout, NULL, _IONBF, 0);
	if (do_swapoff) {
		int sw_pages = (int)(4 * pages);
		if (make_swapfile("shm-swapfile", sw_pages) || swapon("shm-swapfile", 0)) {
			printf("swapon: %s\n", errname(errno));
			return 1;
		}
	}
	int id = shmget(IPC_PRIVATE, pages * PG, IPC_CREAT | 0600);
	char *seg = shmat(id, NULL, 0);
	char *anon = mmap(NULL, pages * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int lid = shmget(IPC_PRIVATE, lock_pages * PG, IPC_CREAT | 0600);
	char *locked = shmat(lid, NULL, 0);
	if (id < 0 || seg == (void *)-1 || anon == MAP_FAILED || lid < 0 || locked == (void *)-1) {
		printf("setup: %s\n", errname(errno));
		return 1;
	}
	long culled0 = vmstat("unevictable_pgs_culled");
	long unevictable0 = meminfo("Unevictable"), shmem0 = meminfo("Shmem");
	printf("SHM_LOCK: %s\n", shmctl(lid, SHM_LOCK, NULL) ? errname(errno) : "0");
	struct shmid_ds ds;
	shmctl(lid, IPC_STAT, &ds);
	printf("IPC_STAT mode has SHM_LOCKED: %s\n", yn(ds.shm_perm.mode & 02000));
	memset(locked, 0x5a, lock_pages * PG);
	long culled = vmstat("unevictable_pgs_culled") - culled0;
	printf("locked pages culled as they were added (within a batch): %s\n",
	       yn(culled <= (long)lock_pages && culled >= (long)lock_pages - 15));
	printf("Unevictable covers the locked segment (within a batch): %s\n",
	       yn(meminfo("Unevictable") - unevictable0 >= (long)(lock_pages - 15) * 4));

	long out0 = vmstat("pswpout");
	pid_t pid = fork();
	if (pid == 0) {
		fill(seg, 1, pages, 1);
		fill(anon, 2, pages, 1);
		_exit(0);
	}
	int st;
	waitpid(pid, &st, 0);
	fill(seg, 1, pages, 0);
	fill(anon, 2, pages, 0);
	printf("child exited: %s\n", yn(WIFEXITED(st) && WEXITSTATUS(st) == 0));

	struct shm_info_k si;
	shminfo(&si);
	long seg_swap = smaps_kb(seg, "Swap"), anon_swap = smaps_kb(anon, "Swap");
	printf("segment swapped: %s\n", yn(si.shm_swp > 0));
	printf("shared mapping swapped: %s\n", yn(anon_swap > 0));
	printf("shm_rss + shm_swp = the segments' pages: %s\n",
	       yn(si.shm_rss + si.shm_swp == pages + lock_pages));
	printf("smaps Swap of the segment = shm_swp: %s\n", yn(seg_swap == (long)si.shm_swp * 4));
	printf("smaps SwapPss of the segment 0: %s\n", yn(smaps_kb(seg, "SwapPss") == 0));
	char *ro = shmat(id, NULL, SHM_RDONLY);
	printf("a read-only attach shows the same Swap: %s\n",
	       yn(ro != (void *)-1 && smaps_kb(ro, "Swap") == seg_swap));
	shmdt(ro);
	long shmem = meminfo("Shmem");
	long want = (long)(si.shm_rss * 4 + pages * 4 - anon_swap);
	printf("Shmem = resident shmem pages: %s\n", yn(labs(shmem - shmem0 - want) <= 256));
	printf("count shmem_start_kb %ld\ncount shmem_excess_kb %ld\n", shmem0, shmem - shmem0 - want);
	printf("pswpout covers what is in swap: %s\n",
	       yn(vmstat("pswpout") - out0 >= (long)si.shm_swp + anon_swap / 4));
	printf("locked segment resident: %s\n", yn(resident(locked, lock_pages) == lock_pages));

	/* the reading pass */
	long swapped_before = (long)si.shm_swp + anon_swap / 4;
	long in0 = vmstat("pswpin"), maj0 = majflt();
	unsigned long bad = check(seg, 1, pages) + check(anon, 2, pages);
	long pin = vmstat("pswpin") - in0, maj = majflt() - maj0;
	printf("data: %s\n", bad ? "CORRUPT" : "intact");
	printf("pswpin covers the pages swapped before: %s\n", yn(pin >= swapped_before));
	printf("major faults: some: %s\n", yn(maj > 0));
	printf("count swapped %ld\ncount pswpout %ld\ncount pswpin %ld\ncount majflt %ld\n",
	       swapped_before, vmstat("pswpout") - out0, pin, maj);
	int lbad = 0;
	for (unsigned long i = 0; i < lock_pages * PG; i++)
		lbad |= locked[i] != 0x5a;
	printf("locked data: %s\n", lbad ? "CORRUPT" : "intact");
	printf("locked segment still resident: %s\n", yn(resident(locked, lock_pages) == lock_pages));

	long resc0 = vmstat("unevictable_pgs_rescued"), unev0 = meminfo("Unevictable");
	printf("SHM_UNLOCK: %s\n", shmctl(lid, SHM_UNLOCK, NULL) ? errname(errno) : "0");
	long resc = vmstat("unevictable_pgs_rescued") - resc0, shrank = unev0 - meminfo("Unevictable");
	printf("unlocked pages rescued (within a batch): %s\n",
	       yn(resc <= (long)lock_pages && resc >= (long)lock_pages - 15));
	printf("Unevictable shrank by them (within a batch): %s\n",
	       yn(shrank <= (long)lock_pages * 4 && shrank >= (long)(lock_pages - 15) * 4));
	printf("count rescued %ld\ncount unevictable_shrank_kb %ld\ncount culled %ld\n", resc, shrank,
	       culled);

	if (do_swapoff) {
		/* the shared mapping's object goes with its last mapping, its slots with it; the
		 * segment alone fits in RAM, so swapoff can bring it all back */
		long anon_kb = smaps_kb(anon, "Swap");
		long used0 = meminfo("SwapTotal") - meminfo("SwapFree");
		munmap(anon, pages * PG);
		long used1 = meminfo("SwapTotal") - meminfo("SwapFree");
		printf("the shared mapping's slots freed with it: %s\n", yn(used0 - used1 == anon_kb));
		printf("swapoff: %s\n", swapoff("shm-swapfile") ? errname(errno) : "0");
		shminfo(&si);
		printf("after swapoff nothing swapped: %s\n",
		       yn(si.shm_swp == 0 && si.shm_rss == pages + lock_pages && meminfo("SwapTotal") == 0));
		bad = check(seg, 1, pages);
		printf("data after swapoff: %s\n", bad ? "CORRUPT" : "intact");
		unlink("shm-swapfile");
	}
	shmdt(seg);
	shmdt(locked);
	shmctl(id, IPC_RMID, NULL);
	shmctl(lid, IPC_RMID, NULL);
	return 0;
}
