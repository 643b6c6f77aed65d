/* The i386 struct stat64 and struct statx, byte for byte as the guest sees them. */
#ifndef VMLAB_KERNEL_FS_STAT_I386_H
#define VMLAB_KERNEL_FS_STAT_I386_H
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

struct task;

/* arch/x86/include/uapi/asm/stat.h, 32-bit: 64-bit members are 4-byte aligned there. */
struct __attribute__((packed)) stat64_i386 {
	uint64_t st_dev;
	uint8_t __pad0[4];
	uint32_t __st_ino;
	uint32_t st_mode;
	uint32_t st_nlink;
	uint32_t st_uid;
	uint32_t st_gid;
	uint64_t st_rdev;
	uint8_t __pad3[4];
	int64_t st_size;
	uint32_t st_blksize;
	uint64_t st_blocks;
	uint32_t st_atime_, st_atime_nsec;
	uint32_t st_mtime_, st_mtime_nsec;
	uint32_t st_ctime_, st_ctime_nsec;
	uint64_t st_ino;
};
_Static_assert(sizeof(struct stat64_i386) == 96, "stat64");
_Static_assert(offsetof(struct stat64_i386, st_size) == 44, "st_size");
_Static_assert(offsetof(struct stat64_i386, st_blocks) == 56, "st_blocks");
_Static_assert(offsetof(struct stat64_i386, st_ino) == 88, "st_ino");

struct statx_timestamp_i386 {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t __reserved;
};

struct statx_i386 {
	uint32_t stx_mask, stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink, stx_uid, stx_gid;
	uint16_t stx_mode, __spare0;
	uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
	struct statx_timestamp_i386 stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
	uint64_t stx_mnt_id;
	uint64_t __spare2[13];
};
_Static_assert(sizeof(struct statx_i386) == 256, "statx");
_Static_assert(offsetof(struct statx_i386, stx_atime) == 64, "stx_atime");
_Static_assert(offsetof(struct statx_i386, stx_rdev_major) == 128, "stx_rdev");

uint32_t encode_dev_i386(uint64_t dev);
void stat64_from_host(const struct stat *st, struct stat64_i386 *o);
void statx_from_host(const struct stat *st, struct statx_i386 *o);
/* stat of a canonical guest path (procfs or host). */
int fs_stat_fd_path(struct task *t, const char *guest, struct stat *st);
#define fs_stat_guest fs_stat_fd_path
#endif
