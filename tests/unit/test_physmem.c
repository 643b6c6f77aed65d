/* Physical memory: the PC-style map, sparse host backing, holes, MMIO, code invalidation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hw/physmem.h"

#define MB (1ull << 20)
#define GB (1ull << 30)

static void small_machine_map(void **state)
{
	(void)state;
	struct physmem pm;
	assert_int_equal(physmem_init(&pm, 64 * MB, false), 0);
	assert_int_equal(pm.max_pfn, 64 * MB / 4096);
	assert_int_equal(pm.ram_bytes, 64 * MB);
	assert_int_equal(physmem_ram_usable(&pm), 64 * MB - 384 * 1024);
	assert_true(physmem_is_ram(&pm, 0));
	assert_true(physmem_is_ram(&pm, 0x9ffff));
	assert_false(physmem_is_ram(&pm, 0xa0000));
	assert_false(physmem_is_ram(&pm, 0xfffff));
	assert_true(physmem_is_ram(&pm, 0x100000));
	assert_true(physmem_is_ram(&pm, 64 * MB - 1));
	assert_false(physmem_is_ram(&pm, 64 * MB));
	assert_false(physmem_is_ram(&pm, 0xfee00000));
	assert_int_equal(physmem_range(&pm, 0xb8000)->kind, PHYS_HOLE);
	assert_int_equal(physmem_range(&pm, 0xc0000000)->kind, PHYS_HOLE);
	assert_int_equal(physmem_range(&pm, 0x200000)->kind, PHYS_RAM);
	assert_null(physmem_range(&pm, 5 * GB));
	assert_ptr_equal(physmem_ptr(&pm, 0x1234), pm.host + 0x1234);
	assert_null(physmem_ptr(&pm, 0xa0000));
	/* ranges are sorted and do not overlap */
	for (unsigned i = 1; i < pm.nranges; i++)
		assert_true(pm.ranges[i].start >= pm.ranges[i - 1].end);
	physmem_destroy(&pm);
}

static void four_gigabytes(void **state)
{
	(void)state;
	struct physmem pm;
	/* without PAE the MMIO window swallows the top GB, as on a 32-bit PC */
	assert_int_equal(physmem_init(&pm, 4 * GB, false), 0);
	assert_int_equal(pm.max_pfn, 3 * GB / 4096);
	assert_int_equal(physmem_ram_usable(&pm), 3 * GB - 384 * 1024);
	assert_false(physmem_is_ram(&pm, 3 * GB));
	physmem_destroy(&pm);
	/* with PAE it is remapped above 4 GB */
	assert_int_equal(physmem_init(&pm, 4 * GB, true), 0);
	assert_int_equal(pm.max_pfn, 5 * GB / 4096);
	assert_int_equal(physmem_ram_usable(&pm), 4 * GB - 384 * 1024);
	assert_false(physmem_is_ram(&pm, 3 * GB));
	assert_false(physmem_is_ram(&pm, 4 * GB - 1));
	assert_true(physmem_is_ram(&pm, 4 * GB));
	assert_true(physmem_is_ram(&pm, 5 * GB - 1));
	assert_false(physmem_is_ram(&pm, 5 * GB));
	physmem_write(&pm, 4 * GB + 0x123, 0x1122334455667788ull, 8);
	assert_int_equal(physmem_read(&pm, 4 * GB + 0x123, 8), 0x1122334455667788ull);
	physmem_destroy(&pm);
}

static void bad_sizes_are_refused(void **state)
{
	(void)state;
	struct physmem pm;
	assert_int_not_equal(physmem_init(&pm, 0, false), 0);
	assert_int_not_equal(physmem_init(&pm, MB, false), 0);
	assert_int_not_equal(physmem_init(&pm, 16 * MB + 1, false), 0);
	assert_int_not_equal(physmem_init(&pm, 4 * GB + 4096, false), 0);
	assert_int_not_equal(physmem_init(&pm, 128 * GB, true), 0);
	assert_null(pm.host);
}

static long resident_kb(void)
{
	long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld %ld", &size, &res) != 2)
		res = -1;
	fclose(f);
	return res * (sysconf(_SC_PAGESIZE) / 1024);
}

/* Untouched RAM costs no host memory. */
static void backing_is_sparse(void **state)
{
	(void)state;
	struct physmem pm;
	long before = resident_kb();
	assert_int_equal(physmem_init(&pm, 4 * GB, true), 0);
	for (uint64_t a = 0; a < 4 * GB; a += 256 * MB)
		if (physmem_is_ram(&pm, a))
			physmem_write(&pm, a, 1, 1);
	long after = resident_kb();
	assert_true(before > 0);
	/* 16 touched pages and a 1.3 MB frame-flag array, not gigabytes */
	assert_true(after - before < 32 * 1024);
	physmem_destroy(&pm);
}

static void holes_float_high_and_drop_writes(void **state)
{
	(void)state;
	struct physmem pm;
	assert_int_equal(physmem_init(&pm, 16 * MB, false), 0);
	assert_int_equal(physmem_read(&pm, 0xa0000, 4), 0xffffffffu);
	physmem_write(&pm, 0xa0000, 0, 4);
	assert_int_equal(physmem_read(&pm, 0xa0000, 1), 0xff);
	assert_int_equal(physmem_read(&pm, 0xa0000, 8), ~0ull);
	/* an access straddling RAM and the hole: RAM bytes below, ones above */
	physmem_write(&pm, 0x9fffe, 0x1234, 2);
	assert_int_equal(physmem_read(&pm, 0x9fffe, 4), 0xffff1234u);
	uint8_t buf[8];
	physmem_read_buf(&pm, 0x9fffc, buf, 8);
	assert_int_equal(buf[2], 0x34);
	assert_int_equal(buf[3], 0x12);
	assert_int_equal(buf[4], 0xff);
	/* beyond every range */
	assert_int_equal(physmem_read(&pm, 0x200000000ull, 2), 0xffff);
	physmem_destroy(&pm);
}

struct dev {
	uint8_t regs[64];
	unsigned reads, writes, last_size;
};

static uint64_t dev_read(void *opaque, phys_addr_t off, unsigned size)
{
	struct dev *d = opaque;
	uint64_t v = 0;
	d->reads++;
	d->last_size = size;
	memcpy(&v, d->regs + off, size);
	return v;
}

static void dev_write(void *opaque, phys_addr_t off, uint64_t v, unsigned size)
{
	struct dev *d = opaque;
	d->writes++;
	d->last_size = size;
	memcpy(d->regs + off, &v, size);
}

static const struct mmio_ops dev_ops = {dev_read, dev_write};

static void mmio_regions(void **state)
{
	(void)state;
	struct physmem pm;
	struct dev d = {0};
	assert_int_equal(physmem_init(&pm, 32 * MB, false), 0);
	unsigned n = pm.nranges;
	assert_int_equal(physmem_add_mmio(&pm, 0xfec00000, 64, "ioapic", &dev_ops, &d), 0);
	assert_int_equal(pm.nranges, n + 2); /* the window split around the device */
	assert_int_equal(physmem_add_mmio(&pm, 0x100000, 4096, "over RAM", &dev_ops, &d), -EBUSY);
	assert_int_equal(physmem_add_mmio(&pm, 0xfec00020, 64, "overlap", &dev_ops, &d), -EBUSY);
	assert_int_equal(physmem_add_mmio(&pm, 0xfed00000, 0, "empty", &dev_ops, &d), -EINVAL);
	assert_int_equal(physmem_add_mmio(&pm, 0xfed00000, 16, "no ops", NULL, &d), -EINVAL);
	const struct phys_range *r = physmem_range(&pm, 0xfec00010);
	assert_int_equal(r->kind, PHYS_MMIO);
	assert_string_equal(r->name, "ioapic");
	assert_int_equal(physmem_range(&pm, 0xfec00040)->kind, PHYS_HOLE);
	assert_int_equal(physmem_range(&pm, 0xfebfffff)->kind, PHYS_HOLE);
	physmem_write(&pm, 0xfec00008, 0xdeadbeef, 4);
	assert_int_equal(d.writes, 1);
	assert_int_equal(d.last_size, 4);
	assert_int_equal(physmem_read(&pm, 0xfec00008, 4), 0xdeadbeef);
	assert_false(physmem_is_ram(&pm, 0xfec00008));
	/* buffers reach devices in naturally sized pieces */
	uint8_t buf[13];
	for (int i = 0; i < 13; i++)
		buf[i] = (uint8_t)(0xa0 + i);
	d.writes = 0;
	physmem_write_buf(&pm, 0xfec00010, buf, 13);
	assert_int_equal(d.writes, 3); /* 8 + 4 + 1 */
	assert_memory_equal(d.regs + 0x10, buf, 13);
	uint8_t back[13];
	physmem_read_buf(&pm, 0xfec00010, back, 13);
	assert_memory_equal(back, buf, 13);
	/* a 3-byte access is split into bytes for the device */
	d.writes = 0;
	physmem_write(&pm, 0xfec00030, 0x332211, 3);
	assert_int_equal(d.writes, 3);
	assert_int_equal(physmem_read(&pm, 0xfec00030, 3), 0x332211);
	physmem_destroy(&pm);
}

static uint64_t changed[8];
static unsigned nchanged;

static void on_code_change(void *opaque, uint64_t pfn)
{
	(void)opaque;
	if (nchanged < 8)
		changed[nchanged] = pfn;
	nchanged++;
}

static void writes_invalidate_code_frames(void **state)
{
	(void)state;
	struct physmem pm;
	assert_int_equal(physmem_init(&pm, 16 * MB, false), 0);
	pm.code_invalidate = on_code_change;
	nchanged = 0;
	pm.frame_flags[0x200] |= PFRAME_CODE;
	pm.frame_flags[0x201] |= PFRAME_CODE;
	physmem_write(&pm, 0x1ff000, 1, 4); /* not code */
	assert_int_equal(nchanged, 0);
	uint8_t buf[32] = {0};
	physmem_write_buf(&pm, 0x200ff0, buf, 32); /* spans both code frames */
	assert_int_equal(nchanged, 2);
	assert_int_equal(changed[0], 0x200);
	assert_int_equal(changed[1], 0x201);
	assert_false(pm.frame_flags[0x200] & PFRAME_CODE);
	physmem_write(&pm, 0x200000, 1, 1); /* flag cleared: no second call */
	assert_int_equal(nchanged, 2);
	/* a write straddling two frames checks the second one too */
	pm.frame_flags[0x203] |= PFRAME_CODE;
	physmem_write(&pm, 0x202ffe, 0xffffffff, 4);
	assert_int_equal(nchanged, 3);
	assert_int_equal(changed[2], 0x203);
	/* reads never invalidate; frame_changed does, once */
	pm.frame_flags[0x204] |= PFRAME_CODE;
	physmem_read(&pm, 0x204000, 8);
	assert_int_equal(nchanged, 3);
	physmem_frame_changed(&pm, 0x204);
	physmem_frame_changed(&pm, 0x204);
	physmem_frame_changed(&pm, pm.max_pfn + 10); /* out of range: ignored */
	assert_int_equal(nchanged, 4);
	physmem_destroy(&pm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(small_machine_map),
		cmocka_unit_test(four_gigabytes),
		cmocka_unit_test(bad_sizes_are_refused),
		cmocka_unit_test(backing_is_sparse),
		cmocka_unit_test(holes_float_high_and_drop_writes),
		cmocka_unit_test(mmio_regions),
		cmocka_unit_test(writes_invalidate_code_frames),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
