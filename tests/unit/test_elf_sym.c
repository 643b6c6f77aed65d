/* Symbols for crash reports (kernel/elf_sym.c): a file offset is named through the PT_LOAD
 * that maps it and .symtab; a stripped file, a non-ELF file, and tables whose offsets,
 * sizes or names point outside the file give no symbol and no out-of-bounds read (the
 * sanitizer build checks the reads). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kernel/elf_sym.h"

static uint8_t img[0x1000];

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}
static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

#define SHOFF 0x800
#define SYMOFF 0x900
#define STROFF 0xa00

/* Text at file 0 mapped at 0x08048000 (0x800 bytes); sections: null, .symtab, .strtab;
 * symbols: f at 0x08048100 (0x40 bytes), g at 0x08048200 (size 0), an undefined one. */
static void build(void)
{
	memset(img, 0, sizeof img);
	memcpy(img, "\177ELF\1\1\1", 7);
	put16(img + 16, 2);
	put16(img + 18, 3);
	put32(img + 28, 52);
	put32(img + 32, SHOFF);
	put16(img + 42, 32);
	put16(img + 44, 1);
	put16(img + 46, 40);
	put16(img + 48, 3);
	uint8_t *ph = img + 52;
	put32(ph, 1), put32(ph + 4, 0), put32(ph + 8, 0x08048000), put32(ph + 16, 0x800),
	    put32(ph + 20, 0x800);
	uint8_t *sh = img + SHOFF + 40;
	put32(sh + 4, 2), put32(sh + 16, SYMOFF), put32(sh + 20, 4 * 16), put32(sh + 24, 2);
	sh += 40;
	put32(sh + 4, 3), put32(sh + 16, STROFF), put32(sh + 20, 16);
	memcpy(img + STROFF, "\0f\0g\0undef\0", 11);
	uint8_t *s = img + SYMOFF + 16;
	put32(s, 1), put32(s + 4, 0x08048100), put32(s + 8, 0x40), s[12] = 2, put16(s + 14, 1);
	s += 16;
	put32(s, 3), put32(s + 4, 0x08048200), s[12] = 2, put16(s + 14, 1);
	s += 16;
	put32(s, 5), put32(s + 4, 0x08048300), s[12] = 2, put16(s + 14, 0);
}

/* A new temporary file may get the inode, size and mtime of the one just closed: drop the
 * cache so that each case reads its own file. */
static int tmpfile_with(size_t n)
{
	elf_sym_cache_drop();
	char path[] = "/tmp/test_elf_sym.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, img, n), (ssize_t)n);
	return fd;
}

/* the name at file offset off, or "" for none */
static const char *name_at(int fd, uint64_t off)
{
	static char buf[64];
	if (elf_sym_describe(fd, off, buf, sizeof buf))
		buf[0] = 0;
	return buf;
}

static void test_names(void **state)
{
	(void)state;
	build();
	int fd = tmpfile_with(sizeof img);
	assert_string_equal(name_at(fd, 0x100), "f+0");
	assert_string_equal(name_at(fd, 0x13f), "f+0x3f");
	assert_string_equal(name_at(fd, 0x140), "");	   /* past f's size, before g */
	assert_string_equal(name_at(fd, 0x250), "g+0x50"); /* size 0: up to the next */
	assert_string_equal(name_at(fd, 0x90), "");	   /* below every symbol */
	assert_string_equal(name_at(fd, 0x900), "");	   /* not in a PT_LOAD */
	close(fd);
	elf_sym_cache_drop();
}

static void test_malformed(void **state)
{
	(void)state;
	build();
	int fd = tmpfile_with(0x800); /* the section headers are past the end */
	assert_string_equal(name_at(fd, 0x100), "");
	close(fd);
	build();
	put32(img + SHOFF + 40 + 20, 0xfffffff0); /* .symtab larger than the file */
	fd = tmpfile_with(sizeof img);
	assert_string_equal(name_at(fd, 0x100), "");
	close(fd);
	build();
	put32(img + SHOFF + 80 + 16, 0xfffffffc); /* .strtab's offset past the end */
	fd = tmpfile_with(sizeof img);
	assert_string_equal(name_at(fd, 0x100), "");
	close(fd);
	build();
	put32(img + SHOFF + 40 + 24, 200); /* .symtab's sh_link out of range */
	fd = tmpfile_with(sizeof img);
	assert_string_equal(name_at(fd, 0x100), "");
	close(fd);
	build();
	put32(img + SYMOFF + 16, 1000); /* f's name outside .strtab: skipped */
	memset(img + STROFF, 'x', 16);	/* and no NUL in .strtab at all */
	fd = tmpfile_with(sizeof img);
	assert_string_equal(name_at(fd, 0x100), "");
	assert_string_equal(name_at(fd, 0x200), "xxxxxxxxxxxxx+0"); /* cut at the table's end */
	close(fd);
	build();
	put16(img + 48, 0); /* stripped: no sections */
	fd = tmpfile_with(sizeof img);
	assert_string_equal(name_at(fd, 0x100), "");
	close(fd);
	memcpy(img, "#!/bin/sh\n", 10); /* not ELF */
	fd = tmpfile_with(sizeof img);
	assert_string_equal(name_at(fd, 0x100), "");
	close(fd);
	assert_int_equal(elf_sym_describe(-1, 0, (char[8]){0}, 8), -1);
	elf_sym_cache_drop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
