/*
 * swapon(2) and swapoff(2) on files the program prepares in its working directory (which
 * must be writable: vmlab --rw), as mkswap leaves them: the header checks, priorities
 * (SWAP_FLAG_PREFER; automatic ones -2, -3, ... moving up when one goes), two areas of equal
 * priority sharing the slots, a lower one unused meanwhile, /proc/swaps, swapoff bringing
 * every page back, and swapoff failing with ENOMEM when the pages cannot fit.
 * Usage: swap_swapon MB   MB: the working set (more than RAM, less than RAM + 2 x 8 MB).
 * No golden: the oracle's only writable file system is tmpfs, which cannot hold a swap file;
 * tests/e2e/swap.sh checks the output against what the definitions give.
 */
#include "guestutil.h"
#include <sys/swap.h>

#ifndef SWAP_FLAG_PREFER
#define SWAP_FLAG_PREFER 0x8000
#endif

/* mkswap: a file of pages zero-filled, the header in page 0 */
static int make_swapfile(const char *name, int pages, unsigned version, unsigned last_page,
			 unsigned badpages, const char *magic, int sparse)
{
	int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	static char zero[PG];
	if (sparse) {
		if (ftruncate(fd, (off_t)pages * PG))
			return -1;
	} else {
		for (int i = 0; i < pages; i++)
			if (write(fd, zero, PG) != PG)
				return -1;
	}
	char hdr[PG];
	memset(hdr, 0, sizeof hdr);
	unsigned info[4] = {version, last_page, badpages, 7};
	memcpy(hdr + 1024, info, sizeof info);
	memcpy(hdr + PG - 10, magic, 10);
	if (pwrite(fd, hdr, PG, 0) != PG)
		return -1;
	close(fd);
	return 0;
}

static void try_on(const char *label, const char *name, int flags)
{
	printf("swapon %s: %s\n", label, swapon(name, flags) ? errname(errno) : "0");
}

static void try_off(const char *label, const char *name)
{
	printf("swapoff %s: %s\n", label, swapoff(name) ? errname(errno) : "0");
}

/* /proc/swaps with each name cut to its last component (the directory varies) */
static long used_a, used_b, used_d;
static void swaps(const char *label)
{
	FILE *f = fopen("/proc/swaps", "r");
	char line[256], name[128], type[16];
	long size, used;
	int prio, n = 0;
	used_a = used_b = used_d = 0;
	printf("%s:\n", label);
	while (f && fgets(line, sizeof line, f)) {
		if (sscanf(line, "%127s %15s %ld %ld %d", name, type, &size, &used, &prio) != 5)
			continue;
		const char *b = strrchr(name, '/');
		printf("  %s %s size %ld prio %d\n", b ? b + 1 : name, type, size, prio);
		n++;
		if (b && !strcmp(b + 1, "sw-a"))
			used_a = used;
		if (b && !strcmp(b + 1, "sw-b"))
			used_b = used;
		if (b && !strcmp(b + 1, "sw-d"))
			used_d = used;
	}
	if (f)
		fclose(f);
}

static char *base;
static size_t npages;

static int verify(void)
{
	int bad = 0;
	for (size_t i = 0; i < npages; i++)
		bad += base[i * PG] != (char)(i * 7 + 1) || base[i * PG + PG - 1] != (char)i;
	return bad;
}

int main(int argc, char **argv)
{
	int mb = argc > 1 ? atoi(argv[1]) : 40;
	int pages = 8 << 8; /* 8 MB files */
	make_swapfile("sw-nomagic", 16, 1, 15, 0, "SWAPSPACEX", 0);
	make_swapfile("sw-v2", 16, 2, 15, 0, "SWAPSPACE2", 0);
	make_swapfile("sw-long", 16, 1, 16, 0, "SWAPSPACE2", 0);
	make_swapfile("sw-bad", 16, 1, 15, 1, "SWAPSPACE2", 0);
	make_swapfile("sw-empty", 16, 1, 0, 0, "SWAPSPACE2", 0);
	make_swapfile("sw-sparse", 16, 1, 15, 0, "SWAPSPACE2", 1);
	make_swapfile("sw-a", pages, 1, pages - 1, 0, "SWAPSPACE2", 0);
	make_swapfile("sw-b", pages, 1, pages - 1, 0, "SWAPSPACE2", 0);
	make_swapfile("sw-c", 256, 1, 255, 0, "SWAPSPACE2", 0);
	make_swapfile("sw-d", 256, 1, 255, 0, "SWAPSPACE2", 0);
	try_on("without the magic", "sw-nomagic", 0);
	try_on("version 2", "sw-v2", 0);
	try_on("last_page past the end", "sw-long", 0);
	try_on("with a bad page", "sw-bad", 0);
	try_on("last_page 0", "sw-empty", 0);
	try_on("with holes", "sw-sparse", 0);
	try_on("a directory", ".", 0);
	try_on("a missing file", "sw-missing", 0);
	try_on("unknown flags", "sw-a", 0x80000);
	try_on("sw-c (automatic priority)", "sw-c", 0);
	try_on("sw-d (automatic priority)", "sw-d", 0);
	try_on("sw-a, priority 5", "sw-a", SWAP_FLAG_PREFER | 5);
	try_on("sw-a again", "sw-a", SWAP_FLAG_PREFER | 5);
	try_on("sw-b, priority 5", "sw-b", SWAP_FLAG_PREFER | 5);
	swaps("four areas");
	try_off("sw-c", "sw-c");
	swaps("sw-c gone, sw-d moved up");
	try_off("sw-c again", "sw-c");
	try_off("a file that is no swap area", "sw-nomagic");

	/* a working set beyond RAM: the two priority-5 areas take it in turns, sw-d waits */
	npages = (size_t)mb << 8;
	base = mmap(NULL, npages * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED) {
		printf("mmap: %s\n", errname(errno));
		return 1;
	}
	for (size_t i = 0; i < npages; i++) {
		base[i * PG] = (char)(i * 7 + 1);
		base[i * PG + PG - 1] = (char)i;
	}
	swaps("after the fill");
	printf("sw-a and sw-b in use, within one batch of 64 slots: %s\n",
	       used_a > 0 && used_b > 0 && labs(used_a - used_b) <= 256 ? "yes" : "no");
	printf("sw-d unused: %s\n", used_d == 0 ? "yes" : "no");
	/* sw-b's pages cannot all come back: RAM is full and sw-d is small */
	try_off("sw-b (its pages do not fit)", "sw-b");
	swaps("after the failed swapoff");
	printf("data: %s\n", verify() ? "CORRUPTED" : "intact");
	npages /= 2; /* the second half goes: room for sw-a's pages */
	munmap(base + npages * PG, npages * PG);
	try_off("sw-a", "sw-a");
	swaps("sw-a gone");
	printf("data: %s\n", verify() ? "CORRUPTED" : "intact");
	try_off("sw-b", "sw-b");
	try_off("sw-d", "sw-d");
	swaps("none left");
	printf("data: %s\n", verify() ? "CORRUPTED" : "intact");
	return 0;
}
