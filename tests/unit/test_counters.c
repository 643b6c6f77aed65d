/* The counter list is generated from one X-macro file: names are unique and described. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "trace/counters.h"

static void every_counter_is_described(void **state)
{
	(void)state;
	for (int i = 0; i < CTR_COUNT; i++) {
		assert_non_null(counter_info[i].name);
		assert_true(strlen(counter_info[i].unit) > 0);
		assert_true(strlen(counter_info[i].meaning) > 10);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(counter_info[i].name, counter_info[j].name);
	}
}

static void counting_adds_to_the_named_counter(void **state)
{
	(void)state;
	struct counters c = {0};
	COUNT(&c, tlb_hits);
	counter_add(&c, CTR_tlb_hits, 2);
	assert_int_equal(c.v[CTR_tlb_hits], 3);
	assert_int_equal(c.v[CTR_tlb_misses], 0);
	COUNT(NULL, tlb_hits); /* a component without a counter set counts nothing */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_counter_is_described),
		cmocka_unit_test(counting_adds_to_the_named_counter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
