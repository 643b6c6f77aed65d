/* The parts of `vmlab run --report` below the page (src/cli/report_*.c): an address space
 * read without side effects (RSS per VMA as smaps counts it, page-table occupancy, code
 * bytes), the SVG writer's numbers and escaping, and capstone's rows around a faulting
 * instruction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/report.h"
#include "cli/report_svg.h"
#include "kernel/mm/mman.h"
#include "kernel/uaccess.h"
#include "test_mm_fixture.h"

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static void fault(struct task *t, uint32_t addr, uint32_t err)
{
	struct fault_outcome o;
	do_user_addr_fault(t, addr, err | PF_U, &o);
	assert_int_equal(o.sig, 0);
}

static void test_snapshot(void **state)
{
	(void)state;
	struct machine *m = mm_fixture_user();
	assert_non_null(m);
	struct task *t = &m->task;
	uint32_t a = (uint32_t)do_mmap(t->mm, 0, 8 * PAGE_SIZE, RW, ANON, NULL, 0);
	assert_true(a < 0xC0000000u);
	for (int k = 0; k < 6; k += 2)
		fault(t, a + (uint32_t)k * PAGE_SIZE, PF_W); /* three fresh pages */
	fault(t, a + 7 * PAGE_SIZE, 0);			     /* the zero page: not in Rss */
	struct counters before = m->ctr;
	struct report_view v = {0};
	assert_int_equal(report_mm_snapshot(&v, t), 0);
	/* reading changed nothing the statistics count (no kmap, no INVLPG, no walk) */
	assert_memory_equal(&before, &m->ctr, sizeof before);
	struct report_vma *area = NULL;
	for (size_t i = 0; i < v.nvmas; i++)
		if (v.vmas[i].start == a)
			area = &v.vmas[i];
	assert_non_null(area);
	assert_int_equal(area->end, a + 8 * PAGE_SIZE);
	assert_int_equal(area->rss_pages, 3);
	assert_int_equal(area->swap_pages, 0);
	assert_int_equal(v.user_pdes, 768);
	assert_int_equal(v.ptes_per_table, 1024);
	const struct report_pde *d = NULL;
	for (size_t i = 0; i < v.npdes; i++)
		if (v.pdes[i].index == a >> 22)
			d = &v.pdes[i];
	assert_non_null(d);
	assert_false(d->huge);
	assert_int_equal(d->present, 4); /* the zero page's PTE is present too */
	assert_true(v.kernel_pdes_present > 0);

	/* code bytes: what the program wrote, up to the end of what is mapped */
	static const char msg[] = "peek";
	assert_int_equal(copy_to_user(t, a + 2 * PAGE_SIZE - 2, msg, 4), 0);
	before = m->ctr;
	char got[8] = {0};
	assert_int_equal(report_mm_peek(t, a + 2 * PAGE_SIZE - 2, got, 4), 4);
	assert_memory_equal(got, msg, 4);
	assert_int_equal(report_mm_peek(t, a + 5 * PAGE_SIZE - 2, got, 8), 2); /* page 5 absent */
	assert_int_equal(report_mm_peek(t, 0x1000, got, 4), 0);
	assert_memory_equal(&before, &m->ctr, sizeof before);
	report_view_free(&v);
	mm_fixture_destroy(m);
}

static char *chart(const struct svg_series *s, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	svg_line_chart(f, "c<1>", "t&t", "x", "y", s, n);
	fclose(f);
	return buf;
}

static void test_svg(void **state)
{
	(void)state;
	char b[16];
	svg_short_number(b, sizeof b, 0);
	assert_string_equal(b, "0");
	svg_short_number(b, sizeof b, 1500);
	assert_string_equal(b, "1.5k");
	svg_short_number(b, sizeof b, 2000000);
	assert_string_equal(b, "2M");
	svg_short_number(b, sizeof b, 40);
	assert_string_equal(b, "40");
	double x[3] = {0, 500, 1000}, y[3] = {0, 10, 5};
	struct svg_series s[2] = {{"a<b", x, y, 3}, {"c", x, y, 2}};
	char *out = chart(s, 2);
	assert_non_null(strstr(out, "id=\"c&lt;1&gt;\""));
	assert_non_null(strstr(out, "<title>t&amp;t</title>"));
	assert_non_null(strstr(out, "data-series=\"a&lt;b\" data-points=\"3\""));
	assert_non_null(strstr(out, "data-points=\"5\"")); /* the whole figure */
	/* x from 0 to 1000 over the 526 px from x = 64, y from 0 to 10 over 180 px up from 206 */
	assert_non_null(strstr(out, "points=\"64.0,206.0 327.0,26.0 590.0,116.0\""));
	free(out);
	/* the same data, the same bytes */
	char *again = chart(s, 2);
	out = chart(s, 2);
	assert_string_equal(out, again);
	free(out);
	free(again);
}

static char *rows(const uint8_t *code, size_t n, uint32_t start, uint32_t eip, bool exact, int *nr)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	*nr = report_disasm_rows(f, code, n, start, eip, exact);
	fclose(f);
	return buf;
}

static void test_disasm(void **state)
{
	(void)state;
	/* 0x0fff: a stray byte; 0x1000 mov $1,%eax; 0x1005 movl $2,(%ebx); 0x100b ret */
	static const uint8_t code[] = {0x0f, 0xb8, 0x01, 0x00, 0x00, 0x00, 0xc7,
				       0x03, 0x02, 0x00, 0x00, 0x00, 0xc3};
	int n;
	char *out = rows(code + 1, sizeof code - 1, 0x1000, 0x1005, true, &n);
	assert_int_equal(n, 3);
	assert_non_null(strstr(out, "<tr class=\"fault\"><td class=\"addr\">00001005</td>"
				    "<td class=\"bytes\">c7 03 02 00 00 00</td>"
				    "<td class=\"insn\">movl $2, (%ebx)</td></tr>"));
	assert_non_null(strstr(out, "movl $1, %eax"));
	free(out);
	/* not exact: from the stray byte (0f b8 ... is popcnt-like garbage), the first start
	 * whose decoding reaches 0x1005 */
	out = rows(code, sizeof code, 0x0fff, 0x1005, false, &n);
	assert_true(n >= 2);
	assert_non_null(strstr(out, "<tr class=\"fault\"><td class=\"addr\">00001005</td>"));
	free(out);
	/* nothing decodes at an address outside the bytes */
	out = rows(code, sizeof code, 0x0fff, 0x2000, true, &n);
	assert_int_equal(n, 0);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_snapshot),
	    cmocka_unit_test(test_svg),
	    cmocka_unit_test(test_disasm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
