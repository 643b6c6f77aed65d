/*
 * Names a code address for a crash report from the ELF symbol table of the file mapped
 * there, as kallsyms names kernel addresses in an oops. The table is read only when a
 * report is printed, once per file (a one-entry cache keyed by the host inode, size and mtime). The
 * file is the guest's and may be hostile: every offset and size is checked against the file, and a
 * stripped or malformed file just has no symbols.
 */
#include "kernel/elf_sym.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/elf.h"

#define SHT_SYMTAB 2
#define STT_OBJECT 1
#define STT_FUNC 2
#define SHN_UNDEF 0
#define SHN_LORESERVE 0xff00u
#define ELF_SYMTAB_MAX (64u << 20) /* bytes of .symtab or .strtab read at most */

struct sym {
	uint32_t value, size, name;
};

struct symtab {
	bool loaded;
	/* the file read: its inode, and size and mtime in case the host replaced it */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	struct elf32_phdr ph[ELF_MAX_PHDRS];
	unsigned phnum;
	struct sym *syms; /* sorted by value */
	size_t nsyms;
	char *str;
	uint32_t strsize;
};

static struct symtab cache;

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Reads exactly n bytes at off, within a file of size bytes. */
static bool read_at(int fd, uint64_t size, uint64_t off, void *buf, size_t n)
{
	if (off > size || n > size - off)
		return false;
	return pread(fd, buf, n, (off_t)off) == (ssize_t)n;
}

static void *read_alloc(int fd, uint64_t size, uint64_t off, uint32_t n)
{
	if (!n || n > ELF_SYMTAB_MAX)
		return NULL;
	void *p = malloc(n);
	if (p && !read_at(fd, size, off, p, n)) {
		free(p);
		p = NULL;
	}
	return p;
}

static int by_value(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;
	return (x->value > y->value) - (x->value < y->value);
}

static void symtab_clear(struct symtab *s)
{
	free(s->syms);
	free(s->str);
	memset(s, 0, sizeof *s);
}

/* Fills s from the file: the program headers, and the functions and objects of .symtab
 * (none when the file is stripped or its tables do not fit in it). */
static void symtab_load(struct symtab *s, int fd, uint64_t size)
{
	uint8_t eh[52];
	if (!read_at(fd, size, 0, eh, sizeof eh) || memcmp(eh, "\177ELF\1\1", 6))
		return;
	uint32_t phoff = le32(eh + 28), shoff = le32(eh + 32);
	uint16_t phentsize = le16(eh + 42), phnum = le16(eh + 44);
	uint16_t shentsize = le16(eh + 46), shnum = le16(eh + 48);
	if (phentsize == 32 && phnum <= ELF_MAX_PHDRS) {
		for (unsigned i = 0; i < phnum; i++) {
			uint8_t p[32];
			if (!read_at(fd, size, (uint64_t)phoff + i * 32u, p, sizeof p))
				break;
			struct elf32_phdr *h = &s->ph[s->phnum++];
			h->p_type = le32(p), h->p_offset = le32(p + 4), h->p_vaddr = le32(p + 8);
			h->p_filesz = le32(p + 16), h->p_memsz = le32(p + 20);
		}
	}
	if (shentsize != 40 || !shnum)
		return;
	for (unsigned i = 0; i < shnum; i++) {
		uint8_t sh[40], link[40];
		if (!read_at(fd, size, (uint64_t)shoff + i * 40u, sh, sizeof sh))
			return;
		if (le32(sh + 4) != SHT_SYMTAB)
			continue;
		uint32_t l = le32(sh + 24);
		if (l >= shnum || !read_at(fd, size, (uint64_t)shoff + l * 40u, link, sizeof link))
			return;
		uint32_t symoff = le32(sh + 16), symsize = le32(sh + 20);
		uint8_t *raw = read_alloc(fd, size, symoff, symsize);
		s->strsize = le32(link + 20);
		s->str = read_alloc(fd, size, le32(link + 16), s->strsize);
		if (!raw || !s->str || !(s->syms = calloc(symsize / 16 + 1, sizeof *s->syms))) {
			free(raw);
			free(s->str);
			s->str = NULL;
			s->strsize = 0;
			return;
		}
		for (uint32_t k = 0; k + 16 <= symsize; k += 16) {
			const uint8_t *e = raw + k;
			unsigned type = e[12] & 0xf;
			uint16_t shndx = le16(e + 14);
			if ((type != STT_FUNC && type != STT_OBJECT) || shndx == SHN_UNDEF ||
			    shndx >= SHN_LORESERVE || le32(e) >= s->strsize)
				continue;
			s->syms[s->nsyms++] = (struct sym){
			    .value = le32(e + 4), .size = le32(e + 8), .name = le32(e)};
		}
		free(raw);
		qsort(s->syms, s->nsyms, sizeof *s->syms, by_value);
		return;
	}
}

int elf_sym_describe(int fd, uint64_t file_off, char *buf, size_t n)
{
	struct stat st;
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode))
		return -1;
	if (!cache.loaded || cache.dev != st.st_dev || cache.ino != st.st_ino ||
	    cache.size != st.st_size || cache.mtime.tv_sec != st.st_mtim.tv_sec ||
	    cache.mtime.tv_nsec != st.st_mtim.tv_nsec) {
		symtab_clear(&cache);
		cache.loaded = true;
		cache.dev = st.st_dev;
		cache.ino = st.st_ino;
		cache.size = st.st_size;
		cache.mtime = st.st_mtim;
		symtab_load(&cache, fd, (uint64_t)st.st_size);
	}
	/* the file offset to the link-time address, through the PT_LOAD that maps it */
	uint32_t vaddr = 0;
	bool found = false;
	for (unsigned i = 0; i < cache.phnum && !found; i++) {
		const struct elf32_phdr *h = &cache.ph[i];
		if (h->p_type == PT_LOAD && file_off >= h->p_offset &&
		    file_off - h->p_offset < h->p_filesz) {
			vaddr = h->p_vaddr + (uint32_t)(file_off - h->p_offset);
			found = true;
		}
	}
	if (!found || !cache.nsyms)
		return -1;
	/* the last symbol starting at or below vaddr that covers it (size 0: up to the next) */
	size_t lo = 0, hi = cache.nsyms;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cache.syms[mid].value <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i-- > 0;) {
		const struct sym *y = &cache.syms[i];
		if (y->size && vaddr - y->value >= y->size)
			continue;
		if (!y->size && i + 1 < cache.nsyms && cache.syms[i + 1].value <= vaddr)
			continue;
		const char *name = cache.str + y->name;
		int len = (int)strnlen(name, cache.strsize - y->name);
		if (!len)
			continue;
		snprintf(buf, n, "%.*s+%#x", len > 200 ? 200 : len, name, vaddr - y->value);
		return 0;
	}
	return -1;
}

void elf_sym_cache_drop(void)
{
	symtab_clear(&cache);
}
