/* The event sink (src/trace): class parsing, the filters, and the three output forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace/trace.h"

static void classes_parse(void **state)
{
	(void)state;
	unsigned m;
	const char *bad = NULL;
	assert_int_equal(trace_parse_classes("fault,syscall", &m, &bad), 0);
	assert_int_equal(m, TRACE_FAULT | TRACE_SYSCALL);
	assert_int_equal(trace_parse_classes("all", &m, &bad), 0);
	assert_int_equal(m, TRACE_ALL);
	assert_int_equal(trace_parse_classes("tlb,nosuch", &m, &bad), -1);
	assert_string_equal(bad, "nosuch");
	assert_int_equal(trace_parse_classes("", &m, &bad), -1);
}

/* --trace-pid and the sched class: events of other tasks dropped, a switch kept when either
 * side is wanted, lines naming the tasks */
static void pid_filter_and_sched(void **state)
{
	(void)state;
	struct trace tr;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	trace_init(&tr, f, TRACE_TEXT, TRACE_SCHED | TRACE_SYSCALL);
	assert_int_equal(trace_parse_pids(&tr, "1001,x"), -1);
	assert_int_equal(trace_parse_pids(&tr, "1001,"), -1);
	assert_int_equal(trace_parse_pids(&tr, ""), -1);
	assert_int_equal(trace_parse_pids(&tr, "1001,1003"), 0);
	assert_int_equal(tr.npids, 2);
	assert_false(trace_want(&tr, TRACE_SYSCALL, false, 0)); /* 1000 runs */
	trace_set_task(&tr, 1001, 1002);			/* a thread of 1001 */
	assert_true(trace_want(&tr, TRACE_SYSCALL, false, 0));
	trace_set_task(&tr, 1002, 1003); /* thread 1003 named by tid */
	assert_true(trace_want(&tr, TRACE_SYSCALL, false, 0));
	trace_sched_switch(&tr, 1000, 1000, 1001, 1001, "preempted", "cr3 reloaded");
	trace_sched_switch(&tr, 1000, 1000, 1004, 1004, "exited", "cr3 reloaded");
	trace_sched_task(&tr, "fork", 1000, 1000, 1001, 1001, "fork");
	trace_sched_task(&tr, "exit", 1000, 1000, 0, 0, "status 0");
	fclose(f);
	assert_string_equal(buf,
			    "@0 sched   switch 1000/1000 -> 1001/1001 (preempted) cr3 reloaded\n"
			    "@0 sched   fork 1000/1000 -> 1001/1001 fork\n");
	free(buf);
	assert_int_equal(trace_parse_classes("sched", &(unsigned){0}, &(const char *){NULL}), 0);
}

static void off_means_nothing_wanted(void **state)
{
	(void)state;
	assert_false(trace_enabled(NULL, TRACE_FAULT));
	struct trace tr;
	trace_init(&tr, stdout, TRACE_TEXT, TRACE_SYSCALL);
	assert_false(trace_enabled(&tr, TRACE_FAULT));
	assert_false(trace_want(&tr, TRACE_FAULT, true, 0x1000));
	assert_true(trace_want(&tr, TRACE_SYSCALL, false, 0));
}

/* The trace's clock: the instruction count a test sets. */
static uint64_t read_clock(const void *ctx)
{
	return *(const uint64_t *)ctx;
}

static void filters(void **state)
{
	(void)state;
	uint64_t clock = 50;
	struct trace tr;
	trace_init(&tr, stdout, TRACE_TEXT, TRACE_ALL);
	tr.clock = read_clock;
	tr.clock_ctx = &clock;
	tr.insn_from = 100;
	tr.insn_to = 200;
	tr.addr_lo = 0x1000;
	tr.addr_hi = 0x2000;
	assert_false(trace_want(&tr, TRACE_FAULT, true, 0x1800)); /* before the window */
	clock = 150;
	assert_true(trace_want(&tr, TRACE_FAULT, true, 0x1800));
	assert_false(trace_want(&tr, TRACE_FAULT, true, 0x2000)); /* hi is exclusive */
	assert_true(trace_want(&tr, TRACE_SYSCALL, false, 0));	  /* no address: kept */
	clock = 200;
	assert_false(trace_want(&tr, TRACE_SYSCALL, false, 0)); /* to is exclusive */
	clock = 150;
	tr.tlb_sample = 3;
	int kept = 0;
	for (int i = 0; i < 9; i++)
		kept += trace_want(&tr, TRACE_TLB, true, 0x1800);
	assert_int_equal(kept, 3);
}

static char *render(enum trace_format fmt)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	uint64_t clock = 7;
	struct trace tr;
	trace_init(&tr, f, fmt, TRACE_ALL);
	tr.clock = read_clock;
	tr.clock_ctx = &clock;
	trace_fault(&tr, "demand_zero", 0xb7ff8000, 0x8049000, 6, "minor");
	trace_syscall(&tr, "write", "write(1, \"a\\n\", 2) = 2", 5);
	trace_mm(&tr, "munmap", 0xb7ff8000, 0xb7ffa000, "- b7ff8000-b7ffa000 rw-p");
	trace_tlb(&tr, "fill", "tlb", true, 0xb7ff8000, 0x1000, 12, NULL);
	trace_signal(&tr, 11, "SIGSEGV", "--- SIGSEGV {si_signo=SIGSEGV} ---");
	trace_exit(&tr, 3, NULL);
	trace_end(&tr);
	fclose(f);
	return buf;
}

static void text_form(void **state)
{
	(void)state;
	char *s = render(TRACE_TEXT);
	assert_non_null(strstr(s, "@7 fault   0xb7ff8000 eip=0x08049000 err=0x6 (write user "
				  "not-present) -> minor demand_zero\n"));
	assert_non_null(strstr(s, "@5 syscall write(1, \"a\\n\", 2) = 2\n"));
	assert_non_null(strstr(s, "@7 mm      munmap 0xb7ff8000-0xb7ffa000\n        - b7ff8000"));
	assert_non_null(strstr(s, "@7 tlb     fill tlb 0xb7ff8000 -> frame 0x1000 (4 KB page)\n"));
	assert_non_null(strstr(s, "@7 exit    +++ exited with 3 +++\n"));
	free(s);
}

static void strace_form(void **state)
{
	(void)state;
	char *s = render(TRACE_STRACE);
	assert_string_equal(s, "write(1, \"a\\n\", 2) = 2\n--- SIGSEGV {si_signo=SIGSEGV} ---\n"
			       "+++ exited with 3 +++\n");
	free(s);
}

static void json_form(void **state)
{
	(void)state;
	char *s = render(TRACE_JSON);
	assert_true(strncmp(s, "{\"traceEvents\": [\n{", 19) == 0);
	assert_non_null(strstr(s, "\"cat\": \"syscall\", \"ph\": \"X\", \"ts\": 5"));
	assert_non_null(strstr(s, "\"dur\": 2"));
	assert_non_null(strstr(s, "\"call\": \"write(1, \\\"a\\\\n\\\", 2) = 2\""));
	assert_non_null(strstr(s, "\n], \"displayTimeUnit\""));
	/* six events and the fault counter track: six commas between them */
	assert_non_null(strstr(s, "\"name\": \"faults\", \"cat\": \"fault\", \"ph\": \"C\""));
	int commas = 0;
	for (const char *p = s; (p = strstr(p, "},\n{")); p++)
		commas++;
	assert_int_equal(commas, 6);
	free(s);
	/* an empty trace is still a valid document */
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	struct trace tr;
	trace_init(&tr, f, TRACE_JSON, TRACE_FAULT);
	trace_end(&tr);
	fclose(f);
	assert_true(strncmp(buf, "{\"traceEvents\": [\n]", 19) == 0);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(classes_parse),
	    cmocka_unit_test(off_means_nothing_wanted),
	    cmocka_unit_test(pid_filter_and_sched),
	    cmocka_unit_test(filters),
	    cmocka_unit_test(text_form),
	    cmocka_unit_test(strace_form),
	    cmocka_unit_test(json_form),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
