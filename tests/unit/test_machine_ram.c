/* The RAM sizes a machine accepts (--mem), their parsing, and a stop requested from
 * outside (a host signal) ending the task as that signal would. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/machine.h"
#include "kernel/mm/kmem.h"

static void test_parse_size(void **state)
{
	(void)state;
	uint64_t v = 0;
	assert_int_equal(mm_parse_size("32M", &v), 0);
	assert_int_equal(v, 32ull << 20);
	assert_int_equal(mm_parse_size("0x2000000", &v), 0);
	assert_int_equal(v, 32ull << 20);
	assert_int_equal(mm_parse_size("63G", &v), 0);
	assert_int_equal(v, 63ull << 30);
	assert_int_equal(mm_parse_size("4096K", &v), 0);
	assert_int_equal(v, 4ull << 20);
	/* refused: signs, blanks, overflow (as a number, and once scaled), junk */
	const char *bad[] = {"-1",	     "+1M",  " 1M",   "",   "M",   "18446744073709551616",
			     "17179869184G", "1.5G", "64MiB", "1T", "12 M"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_not_equal(mm_parse_size(bad[i], &v), 0);
}

static void test_ram_bounds(void **state)
{
	(void)state;
	struct machine_config c;
	char err[256];
	machine_config_default(&c);
	uint64_t ok2[] = {32ull << 20, (32ull << 20) + 4096, 1ull << 30, 4ull << 30};
	for (size_t i = 0; i < sizeof ok2 / sizeof ok2[0]; i++) {
		c.ram_bytes = ok2[i];
		assert_int_equal(machine_check_ram(&c, err, sizeof err), 0);
	}
	uint64_t bad2[] = {
	    0, 16ull << 20, (32ull << 20) - 4096, (32ull << 20) + 1, (4ull << 30) + 4096, ~0ull};
	for (size_t i = 0; i < sizeof bad2 / sizeof bad2[0]; i++) {
		c.ram_bytes = bad2[i];
		assert_int_equal(machine_check_ram(&c, err, sizeof err), -1);
		assert_true(strlen(err) > 0);
	}
	c.pae = true;
	c.ram_bytes = 63ull << 30;
	assert_int_equal(machine_check_ram(&c, err, sizeof err), 0);
	c.ram_bytes = (63ull << 30) + 4096;
	assert_int_equal(machine_check_ram(&c, err, sizeof err), -1);
	assert_non_null(strstr(err, "at most 63G"));
	c.ram_bytes = 16ull << 20;
	assert_int_equal(machine_check_ram(&c, err, sizeof err), -1);
	assert_non_null(strstr(err, "at least 32M"));
}

static void test_stop_request(void **state)
{
	(void)state;
	struct machine *m = calloc(1, sizeof *m);
	assert_non_null(m);
	assert_false(machine_stop_requested(m));
	assert_false(m->task.exited);
	machine_request_stop(m, SIGTERM);
	machine_request_stop(m, SIGINT); /* the first one wins */
	assert_true(machine_stop_requested(m));
	assert_true(m->task.exited);
	assert_int_equal(m->task.exit_signal, SIGTERM);
	assert_int_equal(m->task.exit_code, 128 + SIGTERM);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_size),
	    cmocka_unit_test(test_ram_bounds),
	    cmocka_unit_test(test_stop_request),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
