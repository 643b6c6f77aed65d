/* The memory-system events (src/trace/events_mem.c) in their text and JSON forms, and the
 * --dump-state option parsing (src/kernel/dump_state.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/dump_state.h"
#include "trace/trace.h"

static void classes(void **state)
{
	(void)state;
	unsigned m;
	const char *bad = NULL;
	assert_int_equal(trace_parse_classes("walk,swap,kmem", &m, &bad), 0);
	assert_int_equal(m, TRACE_WALK | TRACE_SWAP | TRACE_KMEM);
	assert_int_equal(trace_parse_classes("all", &m, &bad), 0);
	assert_true((m & (TRACE_WALK | TRACE_SWAP | TRACE_KMEM | TRACE_FAULT)) ==
		    (TRACE_WALK | TRACE_SWAP | TRACE_KMEM | TRACE_FAULT));
}

/* The trace's clock: the instruction count a test sets. */
static uint64_t read_clock(const void *ctx)
{
	return *(const uint64_t *)ctx;
}

static char *render(enum trace_format fmt, unsigned mask)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	uint64_t clock = 42;
	struct trace tr;
	trace_init(&tr, f, fmt, mask);
	tr.clock = read_clock;
	tr.clock_ctx = &clock;
	struct trace_walk_level ok[2] = {{2, 0x2df, 0x1000, 0x1b7c, 0x3000067},
					 {1, 0x3f8, 0x3000, 0x3fe0, 0x5000065}};
	trace_walk(&tr, 0xb7ff8010, "write", true, false, ok, 2, false, 0, 0x5010, 4096);
	struct trace_walk_level pf[2] = {{3, 0, 0x1000, 0x1000, 0x2001}, {2, 0, 0x2000, 0x2000, 0}};
	trace_walk(&tr, 0x123456, "read", false, true, pf, 2, true, 0x0, 0, 0);
	struct trace_arg a[] = {TRACE_HEX("pfn", 0x3ff46), TRACE_NUM("order", 0),
				TRACE_STR("zone", "HighMem")};
	trace_event_args(&tr, TRACE_KMEM, "page-alloc", false, 0, a, 3);
	struct trace_arg b[] = {TRACE_HEX("slot", 2), TRACE_HEX("address", 0xb7ff7000)};
	trace_event_args(&tr, TRACE_SWAP, "swap-in", true, 0xb7ff7000, b, 2);
	trace_counter(&tr, TRACE_SWAP, "swap used", "pages", 4);
	trace_end(&tr);
	fclose(f);
	return buf;
}

static void text_form(void **state)
{
	(void)state;
	char *s = render(TRACE_TEXT, TRACE_ALL);
	assert_non_null(
	    strstr(s, "@42 walk    0xb7ff8010 write user (2level): -> 0x00005010 (4 KB page)\n"
		      "        PDE   0x00001000[0x2df] @0x00001b7c = 0x03000067 P RW US A D\n"
		      "        PTE   0x00003000[0x3f8] @0x00003fe0 = 0x05000065 P US A D\n"));
	/* PAE: 8-byte entries; a PDPTE shows only P, PWT, PCD */
	assert_non_null(strstr(
	    s, "@42 walk    0x00123456 read kernel (pae): #PF err=0 (not-present read kernel)\n"
	       "        PDPTE 0x00001000[0x000] @0x00001000 = 0x0000000000002001 P\n"
	       "        PDE   0x00002000[0x000] @0x00002000 = 0x0000000000000000 not-present\n"));
	assert_non_null(strstr(s, "@42 kmem    page-alloc pfn=0x3ff46 order=0 zone=HighMem\n"));
	assert_non_null(strstr(s, "@42 swap    swap-in slot=0x2 address=0xb7ff7000\n"));
	assert_null(strstr(s, "swap used")); /* counter tracks are JSON's */
	free(s);
}

static void json_form(void **state)
{
	(void)state;
	char *s = render(TRACE_JSON, TRACE_ALL);
	assert_non_null(
	    strstr(s, "\"name\": \"walk\", \"cat\": \"walk\", \"ph\": \"i\", \"ts\": 42"));
	assert_non_null(strstr(s,
			       "{\"level\": \"PTE\", \"table\": \"0x00003000\", \"index\": 1016, "
			       "\"entry_address\": \"0x00003fe0\", \"value\": \"0x5000065\", "
			       "\"bits\": \"P US A D\"}"));
	assert_non_null(strstr(s, "\"physical\": \"0x5010\", \"page_size\": 4096}}"));
	assert_non_null(strstr(s, "\"name\": \"walk fault\""));
	assert_non_null(strstr(s, "\"error_code\": 0, \"fault\": \"not-present read kernel\"}}"));
	assert_non_null(
	    strstr(s, "\"args\": {\"pfn\": \"0x3ff46\", \"order\": 0, \"zone\": \"HighMem\"}}"));
	assert_non_null(
	    strstr(s, "\"name\": \"swap used\", \"cat\": \"swap\", \"ph\": \"C\", \"ts\": 42"));
	assert_non_null(strstr(s, "\"args\": {\"pages\": 4}}"));
	free(s);
}

static void filters(void **state)
{
	(void)state;
	/* only the classes asked for; the address filter applies to walks and addressed events */
	char *s = render(TRACE_TEXT, TRACE_KMEM);
	assert_null(strstr(s, "walk"));
	assert_null(strstr(s, "swap"));
	assert_non_null(strstr(s, "page-alloc"));
	free(s);
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	struct trace tr;
	trace_init(&tr, f, TRACE_TEXT, TRACE_ALL);
	tr.addr_lo = 0x1000;
	tr.addr_hi = 0x2000;
	struct trace_walk_level l = {2, 0, 0, 0, 0};
	trace_walk(&tr, 0x3000, "read", true, false, &l, 1, true, 4, 0, 0);
	struct trace_arg a = TRACE_NUM("x", 1);
	trace_event_args(&tr, TRACE_SWAP, "swap-in", true, 0x3000, &a, 1);
	trace_event_args(&tr, TRACE_SWAP, "reclaim", false, 0, &a, 1);
	fclose(f);
	assert_string_equal(buf, "@0 swap    reclaim x=1\n");
	free(buf);
}

static void dump_options(void **state)
{
	(void)state;
	struct dump_request d = {0};
	assert_int_equal(dump_parse_when("exit", &d), 0);
	assert_int_equal(d.when, DUMP_EXIT);
	assert_int_equal(dump_parse_when("fault", &d), 0);
	assert_int_equal(d.when, DUMP_FAULT);
	assert_int_equal(dump_parse_when("insn=0x10", &d), 0);
	assert_int_equal(d.when, DUMP_INSN);
	assert_int_equal(d.insn, 16);
	assert_int_equal(dump_parse_when("insn=", &d), -1);
	assert_int_equal(dump_parse_when("insn=-1", &d), -1);
	assert_int_equal(dump_parse_when("insn=5x", &d), -1);
	assert_int_equal(dump_parse_when("later", &d), -1);
	assert_int_equal(dump_parse_addrs("0x08048000,4096", &d), 0);
	assert_int_equal(d.naddrs, 2);
	assert_int_equal(d.addrs[0], 0x08048000);
	assert_int_equal(d.addrs[1], 4096);
	assert_int_equal(dump_parse_addrs("", &d), -1);
	assert_int_equal(dump_parse_addrs("0x100000000", &d), -1);
	assert_int_equal(dump_parse_addrs("1,,2", &d), -1);
	assert_int_equal(dump_parse_addrs("-1", &d), -1);
	char many[256] = "";
	for (int i = 0; i <= DUMP_MAX_ADDRS; i++)
		strcat(many, i ? ",1" : "1");
	assert_int_equal(dump_parse_addrs(many, &d), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(classes), cmocka_unit_test(text_form),    cmocka_unit_test(json_form),
	    cmocka_unit_test(filters), cmocka_unit_test(dump_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
