/* /proc/vmstat: Linux 6.1's fields in its order, and the allocator's per-zone counts. */
#include "test_kmem_fixture.h"

#include <stdio.h>

/* The text, after a newline of its own so that every field name follows one. */
static char *vmstat(struct kfix *f)
{
	static char buf[16384];
	buf[0] = '\n';
	int n = proc_vmstat_show(&f->km, buf + 1, sizeof buf - 1);
	assert_true(n > 0);
	return buf + 1;
}

static uint64_t field(const char *text, const char *name)
{
	char key[64];
	snprintf(key, sizeof key, "\n%s ", name);
	const char *p = strstr(text - 1, key);
	assert_non_null(p);
	return strtoull(p + strlen(key), NULL, 10);
}

/* The field names, in order, are those the real 6.1 686 kernel printed (recorded golden). */
static void fields_are_linux_6_1s_in_order(void **state)
{
	(void)state;
	FILE *g = fopen("tests/golden/linux/686/mem-1024M/vmstat", "r");
	assert_non_null(g);
	struct kfix *f = kfix_boot(1024, false, VMSPLIT_3G);
	char *text = vmstat(f), *line = text, name[64], want[64];
	unsigned n = 0;
	while (fscanf(g, "%63s %*s", want) == 1) {
		assert_int_equal(sscanf(line, "%63s", name), 1);
		assert_string_equal(name, want);
		line = strchr(line, '\n');
		assert_non_null(line);
		line++;
		n++;
	}
	assert_int_equal(*line, '\0');
	assert_true(n > 150);
	fclose(g);
	kfix_free(f);
}

static void free_pages_and_zone_allocations_follow_the_allocator(void **state)
{
	(void)state;
	struct kfix *f = kfix_boot(1024, false, VMSPLIT_3G);
	uint64_t free0 = field(vmstat(f), "nr_free_pages");
	uint64_t high0 = field(vmstat(f), "pgalloc_high"),
		 norm0 = field(vmstat(f), "pgalloc_normal");
	struct page *user = alloc_pages(&f->km, GFP_HIGHUSER_MOVABLE, 2);
	struct page *kern = alloc_pages(&f->km, GFP_KERNEL, 0);
	assert_non_null(user);
	assert_non_null(kern);
	char *t = vmstat(f);
	assert_int_equal(field(t, "nr_free_pages"), free0 - 5);
	assert_int_equal(field(t, "pgalloc_high"), high0 + 4);
	assert_int_equal(field(t, "pgalloc_normal"), norm0 + 1);
	uint64_t freed0 = field(t, "pgfree");
	__free_pages(&f->km, user, 2);
	assert_int_equal(field(vmstat(f), "pgfree"), freed0 + 4);
	__free_pages(&f->km, kern, 0);
	kfix_free(f);
}

static void a_small_buffer_is_refused(void **state)
{
	(void)state;
	struct kfix *f = kfix_boot(64, false, VMSPLIT_3G);
	char small[100];
	assert_int_equal(proc_vmstat_show(&f->km, small, sizeof small), -ENOSPC);
	kfix_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(fields_are_linux_6_1s_in_order),
	    cmocka_unit_test(free_pages_and_zone_allocations_follow_the_allocator),
	    cmocka_unit_test(a_small_buffer_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
