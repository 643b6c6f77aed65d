/* The ELF checks of exec: a valid static executable parses; each kind of malformed or
 * unsupported file is refused with a message naming the problem. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/elf.h"

static uint8_t img[4096];
static struct elf_image ei;
static char why[256];

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }

/* A minimal valid executable: text at 0x08048000, data+bss, PT_GNU_STACK. */
static void build(void)
{
	memset(img, 0, sizeof img);
	memcpy(img, "\177ELF\1\1\1", 7);
	put16(img + 16, ET_EXEC);
	put16(img + 18, EM_386);
	put32(img + 20, 1);
	put32(img + 24, 0x08048100);
	put32(img + 28, 52);
	put16(img + 40, 52);
	put16(img + 42, 32);
	put16(img + 44, 3);
	uint8_t *ph = img + 52;
	put32(ph, PT_LOAD); put32(ph + 4, 0); put32(ph + 8, 0x08048000);
	put32(ph + 16, 0x800); put32(ph + 20, 0x800); put32(ph + 24, ELF_PF_R | ELF_PF_X);
	ph += 32;
	put32(ph, PT_LOAD); put32(ph + 4, 0x800); put32(ph + 8, 0x08049800);
	put32(ph + 16, 0x100); put32(ph + 20, 0x3000); put32(ph + 24, ELF_PF_R | ELF_PF_W);
	ph += 32;
	put32(ph, PT_GNU_STACK); put32(ph + 24, ELF_PF_R | ELF_PF_W);
}

static int parse(size_t n)
{
	return elf_parse(img, n, n, 0xC0000000u, &ei, why, sizeof why);
}

static void test_valid(void **state)
{
	(void)state;
	build();
	assert_int_equal(parse(sizeof img), 0);
	assert_int_equal(ei.e_phnum, 3);
	assert_int_equal(ei.e_entry, 0x08048100);
	assert_int_equal(ei.stack_exec, 0);
	assert_int_equal(ei.ph[1].p_memsz, 0x3000);
}

#define REFUSED(code, fragment)                                                                    \
	do {                                                                                       \
		assert_int_equal(parse(sizeof img), (code));                                       \
		assert_non_null(strstr(why, (fragment)));                                          \
	} while (0)

static void test_bad_headers(void **state)
{
	(void)state;
	build(); img[0] = 'X'; REFUSED(-ENOEXEC, "bad magic");
	build(); img[4] = 2; REFUSED(-ENOEXEC, "32-bit");
	build(); img[5] = 2; REFUSED(-ENOEXEC, "little-endian");
	build(); put16(img + 18, 62); REFUSED(-ENOEXEC, "not i386");
	build(); put16(img + 16, 4); REFUSED(-ENOEXEC, "neither an executable");
	build(); put16(img + 42, 56); REFUSED(-ENOEXEC, "entry size");
	build(); put16(img + 44, 0); REFUSED(-ENOEXEC, "program headers");
	build(); put16(img + 44, 60000); REFUSED(-ENOEXEC, "program headers");
	build(); put32(img + 28, 0xFFFFFFF0u); REFUSED(-ENOEXEC, "past the end");
	build();
	assert_int_equal(elf_parse(img, 20, 20, 0xC0000000u, &ei, why, sizeof why), -ENOEXEC);
	assert_non_null(strstr(why, "only 20 bytes"));
}

static void test_bad_segments(void **state)
{
	(void)state;
	uint8_t *ph1 = img + 52, *ph2 = img + 84, *ph3 = img + 116;
	build(); put32(ph2 + 16, 0x4000); REFUSED(-EINVAL, "exceeds memory size");
	build(); put32(ph2 + 4, 0x801); REFUSED(-EINVAL, "modulo the page size");
	build(); put32(ph2 + 8, 0xBFFFF800u); REFUSED(-EINVAL, "TASK_SIZE");
	build(); put32(ph2 + 20, 0xFFFFFFFFu); put32(ph2 + 16, 0x100); REFUSED(-EINVAL, "TASK_SIZE");
	build(); put32(ph1 + 16, 0x10000); put32(ph1 + 20, 0x10000); REFUSED(-EINVAL, "past the end");
	build(); put32(ph3, PT_INTERP); put32(ph3 + 4, 0x300); put32(ph3 + 16, 1);
	REFUSED(-ENOEXEC, "interpreter name of 1 bytes");
	build(); put32(ph3, PT_INTERP); put32(ph3 + 4, 0x300); put32(ph3 + 16, 5000);
	REFUSED(-ENOEXEC, "interpreter name of 5000 bytes");
	build(); put32(ph3, PT_INTERP); put32(ph3 + 4, 0xff0); put32(ph3 + 16, 0x20);
	REFUSED(-ENOEXEC, "interpreter name past the end");
	build(); put32(ph1, PT_NULL); put32(ph2, 4 /* PT_NOTE */); REFUSED(-ENOEXEC, "no loadable");
	build(); put32(ph3 + 24, ELF_PF_R | ELF_PF_W | ELF_PF_X);
	assert_int_equal(parse(sizeof img), 0);
	assert_int_equal(ei.stack_exec, 1);
	build(); put32(ph3, PT_NULL);
	assert_int_equal(parse(sizeof img), 0);
	assert_int_equal(ei.stack_exec, -1);
}

/* ET_DYN: a PIE (with PT_INTERP) and a shared object (ld.so, static-pie) are accepted; the
 * interpreter's name is located, the image's span and alignment computed. */
static void test_dyn(void **state)
{
	(void)state;
	uint8_t *ph1 = img + 52, *ph2 = img + 84, *ph3 = img + 116;
	build();
	put16(img + 16, ET_DYN);
	put32(img + 24, 0x100);
	put32(ph1 + 8, 0); put32(ph1 + 28, 0x1000);
	put32(ph2 + 8, 0x1800); put32(ph2 + 28, 0x10000);
	put32(ph3, PT_INTERP); put32(ph3 + 4, 0x300); put32(ph3 + 16, 19);
	assert_int_equal(parse(sizeof img), 0);
	assert_int_equal(ei.e_type, ET_DYN);
	assert_int_equal(ei.interp_off, 0x300);
	assert_int_equal(ei.interp_len, 19);
	assert_int_equal(ei.total_size, 0x1800 + 0x3000);
	assert_int_equal(ei.max_align, 0x10000);
	/* a second PT_INTERP is ignored, as Linux takes the first */
	put16(img + 44, 4);
	uint8_t *ph4 = img + 148;
	put32(ph4, PT_INTERP); put32(ph4 + 4, 0x400); put32(ph4 + 16, 7);
	assert_int_equal(parse(sizeof img), 0);
	assert_int_equal(ei.interp_off, 0x300);
	/* p_align 0x3000 is no power of two: skipped */
	put32(ph2 + 28, 0x3000);
	assert_int_equal(parse(sizeof img), 0);
	assert_int_equal(ei.max_align, 0x1000);
	/* a shared object whose segments cover nothing */
	build();
	put16(img + 16, ET_DYN);
	put32(ph1 + 8, 0); put32(ph1 + 16, 0); put32(ph1 + 20, 0);
	put32(ph2, PT_NULL);
	REFUSED(-EINVAL, "cover no memory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_bad_segments),
		cmocka_unit_test(test_dyn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
