/* set_thread_area's descriptor encoding (fill_ldt / fill_user_desc) and the "empty" forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hw/seg.h"
#include "kernel/tls.h"

/* seg_32bit | limit_in_pages | useable: what glibc's TLS_INIT_TP asks for */
#define GLIBC_FLAGS (1u | 1u << 4 | 1u << 6)

static void test_glibc_tls_descriptor(void **state)
{
	(void)state;
	struct user_desc_i386 u = {6, 0x12345678, 0xfffff, GLIBC_FLAGS};
	/* base 0x12345678, limit 0xfffff, G=1 D=1 AVL=1, P=1 DPL=3 S=1 type 3 (RW, accessed) */
	assert_true(user_desc_to_raw(&u) == 0x12dff3345678ffffull);
	struct seg_desc d;
	seg_desc_decode(user_desc_to_raw(&u), &d);
	assert_int_equal(d.dpl, 3);
	assert_true(d.p && d.s && d.db && d.g && d.avl);
	assert_int_equal(seg_desc_eff_limit(&d), 0xffffffffu);
}

static void test_roundtrip(void **state)
{
	(void)state;
	/* every flag combination a TLS or LDT entry may have reads back unchanged */
	for (uint32_t fl = 0; fl < 128; fl++) {
		struct user_desc_i386 u = {7, 0xb7e00000u + fl, 0x1234 + fl, fl}, r;
		raw_to_user_desc(user_desc_to_raw(&u), 7, &r);
		assert_int_equal(r.entry_number, 7);
		assert_int_equal(r.base_addr, u.base_addr);
		assert_int_equal(r.limit, u.limit);
		assert_int_equal(r.flags, u.flags);
	}
}

static void test_empty_forms(void **state)
{
	(void)state;
	/* LDT_empty: read_exec_only and seg_not_present set, everything else clear */
	struct user_desc_i386 e = {6, 0, 0, 1u << 3 | 1u << 5};
	assert_true(user_desc_empty(&e));
	struct user_desc_i386 z = {6, 0, 0, 0};
	assert_true(user_desc_zero(&z));
	assert_false(user_desc_empty(&z));
	struct user_desc_i386 g = {6, 0, 0, GLIBC_FLAGS};
	assert_false(user_desc_empty(&g));
	assert_false(user_desc_zero(&g));
	/* an empty descriptor decodes back as not present, read/exec only */
	struct user_desc_i386 r;
	raw_to_user_desc(0, 8, &r);
	assert_int_equal(r.flags, 1u << 3 | 1u << 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_glibc_tls_descriptor),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_empty_forms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
