/*
 * The page cache (mm/filemap.c): host file contents read into simulated frames, keyed by
 * (file identity, page index), shared by every mapping of that file; and struct vm_file, what
 * a VMA holds: one per open file description, as Linux's struct file (two open() calls give
 * two, which is why their mappings never merge).
 */
#ifndef VMLAB_KERNEL_MM_FILEMAP_H
#define VMLAB_KERNEL_MM_FILEMAP_H
#include <stdbool.h>
#include <stdint.h>

struct task;
struct page_cache;
struct address_space; /* one per host inode (or per shmem object) */
struct page;

struct vm_file {
	int refcount;
	struct address_space *mapping;
	char *path;          /* the guest path /proc/self/maps prints */
	bool readable, writable; /* FMODE_READ / FMODE_WRITE of the open */
	bool devzero;        /* /dev/zero: mapping is NULL; mmap makes anonymous memory */
	/* A SysV shm segment's file (ipc/shm.c), as Linux's shm_vm_ops->close: called with
	 * owner when a put leaves only the segment's own reference (its last attach is gone).
	 * VMAs of such a file never merge. */
	void (*detached)(void *owner);
	void *owner;
};

/* Identity of the inode, for /proc/self/maps ("MAJ:MIN INODE"). */
struct vm_file_id {
	uint32_t dev_major, dev_minor;
	uint64_t ino;
};

struct page_cache *page_cache_create(struct task *t);
/* Writes back dirty shared pages and frees every cached frame. */
void page_cache_destroy(struct page_cache *pc);

/*
 * A vm_file for an open host file descriptor (dup'ed: the caller keeps its own fd). The
 * page cache entry is shared with every other vm_file of the same inode. NULL and *err.
 */
struct vm_file *vm_file_open_fd(struct page_cache *pc, int host_fd, const char *guest_path,
				bool readable, bool writable, int *err);
/* A shmem object of size bytes (MAP_SHARED|MAP_ANONYMOUS): "/dev/zero (deleted)". */
struct vm_file *vm_file_shmem(struct page_cache *pc, uint64_t size, int *err);
/* SysV shm names its shmem file "/SYSV%08x (deleted)" with the segment id as inode.
 * 0 or -ENOMEM. */
int vm_file_shmem_rename(struct vm_file *f, const char *path, uint64_t ino);
struct vm_file *vm_file_get(struct vm_file *f);
void vm_file_put(struct vm_file *f);
void vm_file_identity(const struct vm_file *f, struct vm_file_id *id);
/* The file's current size in bytes (host files can change under us: re-read each time). */
uint64_t vm_file_size(const struct vm_file *f);
bool vm_file_is_shmem(const struct vm_file *f);
/* The host descriptor the file is read through (-1 for shmem/dev/zero): for reading its
 * ELF symbols in a crash report. */
int vm_file_host_fd(const struct vm_file *f);

/*
 * Implemented by the fs subsystem: the vm_file of guest descriptor fd (a new reference), so
 * that mmap of the same descriptor twice gives the same vm_file. NULL and *err (-EBADF,
 * -EACCES, -ENODEV for files that cannot be mapped).
 */
struct vm_file *fs_fd_vm_file(struct task *t, int fd, int *err);

/*
 * Coherency with read()/write() (the fs subsystem calls these for regular files): data
 * written to a host file reaches the cached frames mapped from it; a read first writes
 * back pages a shared mapping dirtied in its range. host_fd is the descriptor used.
 */
void filemap_note_write(struct task *t, int host_fd, uint64_t off, const void *buf,
			uint64_t len);
void filemap_note_read(struct task *t, int host_fd, uint64_t off, uint64_t len);
/* After ftruncate: pages wholly beyond the new size leave the cache and every mapping (the
 * next touch is SIGBUS), the tail of the last page reads as zeroes. */
void filemap_note_truncate(struct task *t, int host_fd, uint64_t size);

/* Page-cache lookups for the fault handler (pfn, or 0 when absent; frame 0 is never
 * cached). A host file's pages all count as cached (find_get_page fills a frame on first
 * use, without I/O accounting: the host's page cache stands in for the guest's); shmem
 * pages exist once touched. filemap_read_page reads the page from the host and returns its
 * frame, or 0 on failure (*err). */
uint64_t find_get_page(struct address_space *as, uint32_t index);
uint64_t filemap_read_page(struct task *t, struct address_space *as, uint32_t index, int *err);
/* Readahead (MADV_WILLNEED): pages [index, index+n) into the cache, no mapping. */
void filemap_readahead(struct task *t, struct address_space *as, uint32_t index, uint32_t n);
/* Marks a cached page dirty (a shared writable mapping wrote to it). */
void filemap_set_dirty(struct address_space *as, uint32_t index);
/* Reclaim drops an unmapped cache page (remove_mapping): written back first when dirty.
 * 0, -EIO when the write-back failed (the page stays), -EINVAL when p is not cached here. */
int filemap_remove_page(struct address_space *as, struct page *p);
/* Writes dirty pages of [index, index+n) back to the host file. 0 or -errno. */
int filemap_write_range(struct address_space *as, uint32_t index, uint32_t n);
/* Pages of the page cache (for /proc/meminfo Cached and mincore). */
uint64_t page_cache_pages(const struct page_cache *pc);
#endif
