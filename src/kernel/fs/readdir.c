/*
 * getdents64 and getdents (fs/readdir.c). struct linux_dirent64 is the same on every
 * architecture; a host directory's entries keep the host's names, inodes and types, with
 * offsets of vmlab's own (host_dir_fill); the old getdents gets struct linux_dirent with
 * 32-bit fields. procfs
 * directories list the names procfs_open put in f->data, one per line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kernel/fs/file.h"
#include "kernel/fs/fs_internal.h"
#include "kernel/task.h"
#include "kernel/uaccess.h"

#define DT_DIR_ 4
#define DT_REG_ 8
#define DT_LNK_ 10

struct dirent_sink {
	char *buf;
	size_t cap, len;
	bool old;  /* struct linux_dirent */
	bool full;
};

/* Appends one entry in the guest's format; false when it does not fit. */
static bool emit(struct dirent_sink *s, uint64_t ino, int64_t off, uint8_t type,
		 const char *name)
{
	size_t nl = strlen(name);
	size_t reclen = s->old ? (8 + 2 + nl + 2 + 3) & ~3u : (19 + nl + 1 + 7) & ~7u;
	if (s->len + reclen > s->cap) {
		s->full = true;
		return false;
	}
	char *p = s->buf + s->len;
	memset(p, 0, reclen);
	if (s->old) {
		/* d_ino, d_off (32-bit), d_reclen, name, NUL, then d_type in the last byte */
		uint32_t i32 = (uint32_t)ino, o32 = (uint32_t)off;
		uint16_t rl = (uint16_t)reclen;
		memcpy(p, &i32, 4);
		memcpy(p + 4, &o32, 4);
		memcpy(p + 8, &rl, 2);
		memcpy(p + 10, name, nl);
		p[reclen - 1] = (char)type;
	} else {
		uint16_t rl = (uint16_t)reclen;
		memcpy(p, &ino, 8);
		memcpy(p + 8, &off, 8);
		memcpy(p + 16, &rl, 2);
		p[18] = (char)type;
		memcpy(p + 19, name, nl);
	}
	s->len += reclen;
	return true;
}

static long proc_dir_fill(struct file *f, struct dirent_sink *s)
{
	/* f->pos counts entries already returned; lines are "type name" */
	uint64_t idx = 0;
	const char *p = f->data;
	while (p && *p) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (idx >= f->pos && l > 2) {
			char name[256];
			size_t nl = l - 2 < 255 ? l - 2 : 255;
			memcpy(name, p + 2, nl);
			name[nl] = '\0';
			uint8_t type = p[0] == 'd' ? DT_DIR_ : p[0] == 'l' ? DT_LNK_ : DT_REG_;
			if (!emit(s, 0x1000 + idx, (int64_t)idx + 1, type, name))
				break;
			f->pos = idx + 1;
		}
		idx++;
		p = e ? e + 1 : p + l;
	}
	return 0;
}

/* Records the host offset after the guest's entry number f->dir_pos. */
static int note_dir_off(struct file *f, int64_t host_off)
{
	if (f->dir_pos >= f->dir_cap) {
		uint32_t cap = f->dir_cap ? f->dir_cap * 2 : 64;
		int64_t *n = realloc(f->dir_off, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		f->dir_off = n;
		f->dir_cap = cap;
	}
	f->dir_off[f->dir_pos++] = host_off;
	if (f->dir_pos > f->dir_noff)
		f->dir_noff = f->dir_pos;
	return 0;
}

/* The guest gets small directory offsets (1, 2, 3, ...: the number of entries before the
 * next one) instead of the host's: ext4's are 64-bit hashes, which a 32-bit readdir cannot
 * hold (a real i386 kernel and a 32-bit task on x86-64 get 32-bit ones). They stay valid
 * for lseek/seekdir and telldir through f->dir_off (readdir_seek). */
static long host_dir_fill(struct file *f, struct dirent_sink *s)
{
	/* read host entries in a buffer no larger than the guest's, then convert (old) or
	 * copy; an entry that does not fit is sought back to */
	size_t want = s->cap < 32768 ? s->cap : 32768;
	char *hb = malloc(want ? want : 1);
	if (!hb)
		return -ENOMEM;
	long n = syscall(SYS_getdents64, f->host_fd, hb, want);
	long r = n < 0 ? -errno : 0;
	for (long off = 0; off < n;) {
		uint64_t ino;
		int64_t doff;
		uint16_t rl;
		memcpy(&ino, hb + off, 8);
		memcpy(&doff, hb + off + 8, 8);
		memcpy(&rl, hb + off + 16, 2);
		uint8_t type = (uint8_t)hb[off + 18];
		if (f->dir_pos >= 0x7fffffffu) {
			r = -EOVERFLOW;
			break;
		}
		if (!emit(s, ino, (int64_t)f->dir_pos + 1, type, hb + off + 19)) {
			/* put back this entry and the rest: the host's offset after the last
			 * entry given (the start when none was) */
			lseek(f->host_fd, f->dir_pos ? f->dir_off[f->dir_pos - 1] : 0, SEEK_SET);
			if (off == 0)
				r = -EINVAL; /* the first did not fit */
			break;
		}
		if ((r = note_dir_off(f, doff)))
			break;
		off += rl;
	}
	free(hb);
	return r;
}

int64_t readdir_seek(struct file *f, int64_t off, int whence)
{
	int64_t to = whence == SEEK_SET ? off : whence == SEEK_CUR ? (int64_t)f->dir_pos + off : -1;
	if (to < 0 || to > (int64_t)f->dir_noff)
		return -EINVAL; /* only offsets getdents gave (or 0) lead somewhere */
	if (lseek(f->host_fd, to ? f->dir_off[to - 1] : 0, SEEK_SET) < 0)
		return -errno;
	f->dir_pos = (uint32_t)to;
	return to;
}

static long do_getdents(struct task *t, int fd, uint32_t ubuf, uint32_t count, bool old)
{
	struct file *f = fget(t, fd);
	if (!f)
		return -EBADF;
	long r;
	/* a huge buffer needs no huge host copy: the rest comes with the next call */
	struct dirent_sink s = {.cap = count < (1u << 20) ? count : (1u << 20), .old = old};
	s.buf = malloc(s.cap ? s.cap : 1);
	if (!s.buf) {
		fput(f);
		return -ENOMEM;
	}
	if (f->kind == FILE_PROC)
		r = f->proc_dir ? proc_dir_fill(f, &s) : -ENOTDIR;
	else
		r = host_dir_fill(f, &s);
	if (r == 0 && s.len == 0 && s.full)
		r = -EINVAL; /* the buffer cannot hold one entry */
	if (r == 0)
		r = copy_to_user(t, ubuf, s.buf, s.len) ? -EFAULT : (long)s.len;
	free(s.buf);
	fput(f);
	return r;
}

long sys_getdents64(struct task *t, const uint32_t *a)
{
	return do_getdents(t, (int32_t)a[0], a[1], a[2], false);
}

long sys_getdents(struct task *t, const uint32_t *a)
{
	return do_getdents(t, (int32_t)a[0], a[1], a[2], true);
}
