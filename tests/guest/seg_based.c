/*
 * Accesses through a segment with a base and a 4 GB limit, as i386 glibc's TLS segment
 * (%gs) is: no limit check can fail, the linear address is base + offset, wrapping at 4 GB.
 * vmlab takes these accesses on its fast path (both engines), so this checks that path
 * against the real processor: reads, writes and read-modify-writes in loops (compiled code),
 * an access straddling a page, offsets that wrap past 4 GB, a page fault through the segment
 * (si_addr is the linear address; the error code as for a flat access), a write to a
 * read-only page, a base changed by set_thread_area and a reload, and glibc's own %gs:0x14
 * (the stack protector's canary) read through the same path.
 */
#include "guestutil.h"
#include <asm/ldt.h>

static char area[3 * 4096] __attribute__((aligned(4096)));

static int set_fs_base(int *entry, uint32_t base)
{
	struct user_desc d = {0};
	d.entry_number = (unsigned)*entry;
	d.base_addr = base;
	d.limit = 0xfffff;
	d.seg_32bit = 1;
	d.limit_in_pages = 1;
	d.useable = 1;
	if (syscall(SYS_set_thread_area, &d))
		return -1;
	*entry = (int)d.entry_number;
	unsigned short sel = (unsigned short)(d.entry_number * 8 + 3);
	__asm__ volatile("movw %0, %%fs" : : "r"(sel));
	return 0;
}

static uint32_t rd_fs(uint32_t off)
{
	uint32_t v;
	__asm__ volatile("movl %%fs:(%1), %0" : "=r"(v) : "r"(off) : "memory");
	return v;
}
static void wr_fs(uint32_t off, uint32_t v)
{
	__asm__ volatile("movl %1, %%fs:(%0)" : : "r"(off), "r"(v) : "memory");
}
static void add_fs(uint32_t off, uint32_t v)
{
	__asm__ volatile("addl %1, %%fs:(%0)" : : "r"(off), "r"(v) : "memory", "cc");
}
static uint16_t rd16_fs(uint32_t off)
{
	uint16_t v;
	__asm__ volatile("movw %%fs:(%1), %0" : "=r"(v) : "r"(off) : "memory");
	return v;
}
static uint8_t rd8_fs(uint32_t off)
{
	uint8_t v;
	__asm__ volatile("movb %%fs:(%1), %0" : "=q"(v) : "r"(off) : "memory");
	return v;
}

static int try_rd_fs(uint32_t off, uint32_t *v)
{
	g_sig = 0;
	if (sigsetjmp(g_jb, 1))
		return g_sig;
	*v = rd_fs(off);
	return 0;
}
static int try_wr_fs(uint32_t off, uint32_t v)
{
	g_sig = 0;
	if (sigsetjmp(g_jb, 1))
		return g_sig;
	wr_fs(off, v);
	return 0;
}

static void show(const char *label, int sig, uintptr_t expect_addr)
{
	if (!sig) {
		printf("%s: no fault\n", label);
		return;
	}
	printf("%s: %s %s addr %s trapno %d err %#x\n", label, signame(sig),
	       sicodename(sig, g_code), g_addr == expect_addr ? "= the linear address" : "other",
	       g_trapno, g_err);
}

int main(void)
{
	catch_faults();
	uintptr_t a = (uintptr_t)area;
	int entry = -1;
	if (set_fs_base(&entry, (uint32_t)a)) {
		printf("set_thread_area: %s\n", errname(errno));
		return 1;
	}
	unsigned short gs;
	__asm__ volatile("movw %%gs, %0" : "=r"(gs));
	printf("entry chosen: glibc's TLS entry + %d\n", entry - (gs >> 3));

	/* loops: the blocks are compiled; the stores go through the fast path */
	for (uint32_t k = 0; k < 1024; k++)
		wr_fs(4 * k, k * 2654435761u);
	uint32_t sum = 0;
	for (int rep = 0; rep < 50; rep++)
		for (uint32_t k = 0; k < 1024; k++)
			sum += rd_fs(4 * k) ^ (uint32_t)rep;
	printf("sum of reads: %#x\n", sum);
	for (int rep = 0; rep < 30; rep++)
		for (uint32_t k = 0; k < 1024; k++)
			add_fs(4 * k, k);
	uint32_t chk = 0;
	for (uint32_t k = 0; k < 1024; k++)
		chk = chk * 31 + ((uint32_t *)area)[k];
	printf("after read-modify-writes, seen flat: %#x\n", chk);
	printf("16-bit and 8-bit reads: %#x %#x\n", rd16_fs(6), rd8_fs(4095));

	/* across a page boundary: the last two bytes of page 0, the first two of page 1 */
	memcpy(area + 4094, "\x11\x22\x33\x44", 4);
	uint32_t x = 0;
	for (int rep = 0; rep < 100; rep++)
		x += rd_fs(4094);
	printf("straddling read x100: %#x\n", x);
	for (int rep = 0; rep < 100; rep++)
		wr_fs(8190, 0xa1b2c3d4u + (uint32_t)rep);
	printf("straddling write: %02x %02x %02x %02x\n", (unsigned char)area[8190],
	       (unsigned char)area[8191], (unsigned char)area[8192], (unsigned char)area[8193]);

	/* offsets that wrap: base + off > 4 GB lands below the base */
	uint32_t back = (uint32_t)(0u - 4096u); /* base - 4096 */
	if (set_fs_base(&entry, (uint32_t)a + 4096) == 0) {
		uint32_t same = 0;
		for (int rep = 0; rep < 100; rep++)
			same += rd_fs(back + 8) == ((uint32_t *)area)[2];
		printf("wrapped read (base + 4 GB - 4096 + 8) is area[8], times: %u\n", same);
		wr_fs(back + 12, 0x5eed);
		printf("wrapped write seen flat: %#x\n", ((uint32_t *)area)[3]);
	}

	/* faults through the segment */
	if (mprotect(area + 8192, 4096, PROT_READ))
		printf("mprotect: %s\n", errname(errno));
	set_fs_base(&entry, (uint32_t)a);
	for (int rep = 0; rep < 3; rep++) {
		int s = try_wr_fs(8192 + 16, 1);
		show("write to a read-only page", s, a + 8192 + 16);
	}
	uint32_t v = 0;
	printf("read of it: %s, %#x\n", try_rd_fs(8192 + 16, &v) ? "fault" : "ok", v);
	if (mprotect(area + 8192, 4096, PROT_NONE))
		printf("mprotect: %s\n", errname(errno));
	show("read of a PROT_NONE page", try_rd_fs(8192 + 20, &v), a + 8192 + 20);
	mprotect(area + 8192, 4096, PROT_READ | PROT_WRITE);
	show("after mprotect back", try_wr_fs(8192 + 20, 7), 0);
	printf("the value: %d\n", ((int *)area)[(8192 + 20) / 4]);

	/* a new base, same selector: every access follows the reload */
	for (int k = 0; k < 8; k++) {
		set_fs_base(&entry, (uint32_t)a + 512u * (uint32_t)k);
		wr_fs(0, 1000u + (uint32_t)k);
	}
	for (int k = 0; k < 8; k++)
		printf("%u%s", ((uint32_t *)area)[128 * k], k == 7 ? "\n" : " ");

	/* ES with a base and a 4 KB limit (not flat, not 4 GB): the checked path, in a loop,
	 * with the segment loaded inside the loop's block and outside it */
	{
		struct user_desc d = {0};
		d.entry_number = (unsigned)entry;
		d.base_addr = (uint32_t)a + 256;
		d.limit = 4095;
		d.seg_32bit = 1;
		d.useable = 1;
		if (syscall(SYS_set_thread_area, &d))
			printf("set_thread_area (4 KB): %s\n", errname(errno));
		unsigned short es_sel = (unsigned short)(d.entry_number * 8 + 3), ds_sel;
		__asm__ volatile("movw %%ds, %0" : "=r"(ds_sel));
		for (uint32_t k = 0; k < 64; k++)
			((uint32_t *)area)[64 + k] = 7000 + k;
		uint32_t s1 = 0, s2 = 0;
		for (int rep = 0; rep < 200; rep++) {
			uint32_t v1, v2;
			__asm__ volatile("movw %w3, %%es\n\t"
					 "movl %%es:(%2), %0\n\t"
					 "movl %%es:4(%2), %1\n\t"
					 "addl $1, %%es:252(%2)\n\t"
					 "movw %w4, %%es"
					 : "=&r"(v1), "=&r"(v2)
					 : "r"((uint32_t)(rep % 60) * 4), "r"(es_sel), "r"(ds_sel)
					 : "memory", "cc");
			s1 += v1;
			s2 += v2;
		}
		__asm__ volatile("movw %w0, %%es" : : "r"(es_sel) : "memory");
		uint32_t s3 = 0;
		for (int rep = 0; rep < 200; rep++) {
			uint32_t v;
			__asm__ volatile("movl %%es:(%1), %0"
					 : "=r"(v)
					 : "r"((uint32_t)(rep % 60) * 4)
					 : "memory");
			s3 += v;
		}
		__asm__ volatile("movw %w0, %%es" : : "r"(ds_sel) : "memory");
		printf("4 KB ES at base + 256: sums %u %u %u, RMW target now %u\n", s1, s2, s3,
		       ((uint32_t *)area)[64 + 63]);
	}

	/* glibc's canary through %gs, in a loop */
	uint32_t c0, c1 = 0;
	__asm__ volatile("movl %%gs:0x14, %0" : "=r"(c0));
	for (int rep = 0; rep < 1000; rep++) {
		uint32_t t;
		__asm__ volatile("movl %%gs:0x14, %0" : "=r"(t));
		c1 |= t ^ c0;
	}
	printf("%%gs:0x14 stable over 1000 reads: %s\n", c1 ? "no" : "yes");
	return 0;
}
