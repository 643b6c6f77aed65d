/*
 * swapon(2) and swapoff(2) on a file the guest prepared (mm/swapfile.c's system calls):
 * busybox mkswap writes the header, swapon checks it and adds the file as a swap area,
 * swapoff brings every page back and removes it. The file is opened through the sandbox
 * (docs/sandbox.md) for reading and writing, so it must lie under --rw; the area's I/O goes
 * to that host descriptor only.
 *
 * The header (include/linux/swap.h union swap_header): bytes 1024.. hold version (1),
 * last_page and nr_badpages; the page ends with the magic "SWAPSPACE2". The area has
 * last_page + 1 slots (slot 0 the header), at most what the file holds and what a swap PTE
 * can address. A swap file may have neither bad pages nor holes (Linux maps its blocks
 * once, at swapon), else EINVAL.
 *
 * Privilege: CAP_SYS_ADMIN, which vmlab grants a task whose effective uid is 0 (it models no
 * capability sets).
 */
#include "kernel/mm/swap.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/fs/fs.h"
#include "kernel/fs/fs_internal.h"
#include "kernel/mm/mmap.h"
#include "kernel/task.h"

#define SWAP_FLAG_PREFER 0x8000
#define SWAP_FLAG_DISCARD 0x10000
#define SWAP_FLAG_DISCARD_ONCE 0x20000
#define SWAP_FLAG_DISCARD_PAGES 0x40000
#define SWAP_FLAGS_VALID                                                                           \
	(SWAP_FLAG_PRIO_MASK | SWAP_FLAG_PREFER | SWAP_FLAG_DISCARD | SWAP_FLAG_DISCARD_ONCE |     \
	 SWAP_FLAG_DISCARD_PAGES)
#define MAX_SWAP_BADPAGES ((PAGE_SIZE - 1024 - 512 - 10) / 4)
/* the largest offset a swap PTE holds: 23 bits in a 2-level PTE (swp_entry_to_pte) */
#define SWAPFILE_MAXIMUM_PAGES (1u << 23)

/* Opens the guest's path read-write through the sandbox: the host descriptor or -errno. */
static int open_swapfile(struct task *t, uint32_t upath)
{
	char *path = malloc(PATH_MAX);
	if (!path)
		return -ENOMEM;
	int r = fs_getname(t, upath, path, PATH_MAX);
	if (!r)
		r = fs_open_host(t, GUEST_AT_FDCWD, path, O_RDWR | O_CLOEXEC, 0, true);
	free(path);
	return r;
}

/* read_swap_header: the area's slots (header included), or 0 when the header is refused */
static uint32_t read_swap_header(int fd, const struct stat *st)
{
	uint8_t page[PAGE_SIZE];
	memset(page, 0, sizeof page);
	if (pread(fd, page, PAGE_SIZE, 0) < 0)
		return 0;
	if (memcmp(page + PAGE_SIZE - 10, "SWAPSPACE2", 10))
		return 0;
	uint32_t info[3]; /* version, last_page, nr_badpages */
	memcpy(info, page + 1024, sizeof info);
	if (info[0] != 1 || !info[1])
		return 0;
	uint64_t maxpages = SWAPFILE_MAXIMUM_PAGES;
	if (maxpages > (uint64_t)info[1])
		maxpages = (uint64_t)info[1] + 1;
	if (maxpages > (uint64_t)st->st_size >> PAGE_SHIFT) /* shorter than the header says */
		return 0;
	if (info[2]) /* bad pages: refused on a regular file */
		return 0;
	return maxpages >= 2 ? (uint32_t)maxpages : 0;
}

/* setup_swap_extents on a file: every block of the area must be there */
static bool has_holes(int fd, uint32_t maxpages)
{
	off_t hole = lseek(fd, 0, SEEK_HOLE);
	return hole >= 0 && (uint64_t)hole < (uint64_t)maxpages << PAGE_SHIFT;
}

long sys_swapon(struct task *t, const uint32_t *a)
{
	uint32_t flags = a[1];
	if (flags & ~(uint32_t)SWAP_FLAGS_VALID)
		return -EINVAL;
	if (t->euid != 0)
		return -EPERM;
	struct kmem *km = t->km;
	if (!km || !km->reclaim)
		return -EPERM;
	int fd = open_swapfile(t, a[0]);
	if (fd < 0)
		return fd;
	struct stat st;
	long r = 0;
	uint32_t maxpages = 0;
	if (fstat(fd, &st))
		r = -errno;
	else if (!S_ISREG(st.st_mode))
		r = -EINVAL;
	else if (swap_area_of_file(km, (uint64_t)st.st_dev, (uint64_t)st.st_ino))
		r = -EBUSY;
	else if (!(maxpages = read_swap_header(fd, &st)) || has_holes(fd, maxpages))
		r = -EINVAL;
	char name[256];
	if (!r && fs_guest_path_of_fd(t, fd, name, sizeof name))
		snprintf(name, sizeof name, "(unknown)");
	if (r) {
		close(fd);
		return r;
	}
	int prio = flags & SWAP_FLAG_PREFER ? (int)(flags & SWAP_FLAG_PRIO_MASK) : SWAP_PRIO_NONE;
	return swapon_file(km, fd, maxpages, name, prio, (uint64_t)st.st_dev, (uint64_t)st.st_ino);
}

long sys_swapoff(struct task *t, const uint32_t *a)
{
	if (t->euid != 0)
		return -EPERM;
	struct kmem *km = t->km;
	if (!km || !km->reclaim)
		return -EINVAL;
	int fd = open_swapfile(t, a[0]);
	if (fd < 0)
		return fd;
	struct stat st;
	struct swap_info_struct *si = NULL;
	if (!fstat(fd, &st))
		si = swap_area_of_file(km, (uint64_t)st.st_dev, (uint64_t)st.st_ino);
	close(fd);
	if (!si)
		return -EINVAL;
	/* the pages must fit in what is left (security_vm_enough_memory_mm, charged while the
	 * area goes) */
	uint64_t pages = si->pages; /* si is gone after a successful swapoff */
	if (t->mm && vm_enough_memory(t->mm, pages))
		return -ENOMEM;
	int r = swapoff_area(km, si);
	if (t->mm)
		vm_unacct_memory(t->mm, pages);
	return r;
}
