/*
 * /dev/shm, where glibc's shm_open and sem_open make their files. vmlab has no in-kernel
 * tmpfs yet: /dev/shm is a directory of this run's own, made on the host at start (in the
 * host's /dev/shm when it can, a tmpfs, else $TMPDIR or /tmp), writable by the guest,
 * removed with everything in it at the end. The walk (namei.c) enters it for the name "shm"
 * in the root's /dev, whatever the root holds there, and leaves it for /dev on "..";
 * guest-visible names of what lies inside say /dev/shm/... . Its files are ordinary host
 * files to the rest of vmlab: their pages are page-cache pages, shared by every mapping.
 */
#ifndef VMLAB_KERNEL_FS_SHMDIR_H
#define VMLAB_KERNEL_FS_SHMDIR_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fs_struct;

struct shmdir {
	int fd;			   /* O_PATH descriptor of the host directory */
	char *host;		   /* its canonical host path */
	uint64_t dev, ino;	   /* its identity */
	uint64_t dev_dev, dev_ino; /* the root's /dev, where "shm" leads here */
	int refs;		   /* fs_structs sharing it (fork copies them) */
};

/* Makes the directory when the root has a /dev directory, and adds it to the writable ones.
 * 0, or -errno (nothing made; the run goes on without /dev/shm is the caller's choice). */
int shmdir_setup(struct fs_struct *fs);
/* Drops fs's reference; the last one removes the directory and its contents. */
void shmdir_put(struct fs_struct *fs);
/* Whether the host directory (dev, ino) is the root's /dev (the walk's "shm" goes here). */
bool shmdir_in_dev(const struct fs_struct *fs, uint64_t dev, uint64_t ino);
/* Whether (dev, ino) is the /dev/shm directory itself (".." goes to /dev). */
bool shmdir_is(const struct fs_struct *fs, uint64_t dev, uint64_t ino);
/* A host path below the directory as the guest names it ("/dev/shm/NAME"): true when it
 * was one. */
bool shmdir_guest_path(const struct fs_struct *fs, const char *host, char *buf, size_t n);
#endif
