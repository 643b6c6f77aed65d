/*
 * A far jump into an LDT code segment whose base is not 0 runs the code at base + offset,
 * also when the same offset was run (and compiled) before as flat code: the block at a linear
 * address must not be taken for the one at CS.base + EIP. Two far jumps through a flat CS
 * first, then one through an LDT descriptor with base 0x1000; each lands on code that puts
 * its number in EAX and far-jumps back.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <asm/ldt.h>

struct farptr { uint32_t off; uint16_t sel; } __attribute__((packed));
struct farptr back __attribute__((used)), to __attribute__((used));

static int run(void)
{
	int r;
	__asm__ volatile(
		"movl $1f, %%eax\n\t"
		"movl %%eax, back\n\t"
		"movw %%cs, %%ax\n\t"
		"movw %%ax, back+4\n\t"
		"movl $back, %%ebx\n\t"
		"ljmp *to\n\t"
		"1:\n\t"
		: "=a"(r) : : "ebx", "memory");
	return r;
}

int main(void)
{
	uint8_t *p = mmap((void *)0x40000000, 0x2000, PROT_READ | PROT_WRITE | PROT_EXEC,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	/* f at p: mov eax,1; ljmp *(%ebx);  g at p+0x1000: mov eax,2; ljmp *(%ebx) */
	static const uint8_t f[] = {0xB8, 1, 0, 0, 0, 0xFF, 0x2B};
	memcpy(p, f, sizeof f);
	memcpy(p + 0x1000, f, sizeof f);
	p[0x1001] = 2;
	uint16_t cs;
	__asm__("movw %%cs, %0" : "=r"(cs));
	to.off = (uint32_t)(uintptr_t)p;
	to.sel = cs;
	int a = run();
	int a2 = run();
	struct user_desc code = {.entry_number = 0, .base_addr = 0x1000, .limit = 0xfffff, .seg_32bit = 1,
				 .contents = 2, .read_exec_only = 0, .limit_in_pages = 1, .useable = 1};
	long r = syscall(SYS_modify_ldt, 0x11, &code, sizeof(code));
	to.off = (uint32_t)(uintptr_t)p; /* linear p + 0x1000 = g */
	to.sel = 0x7;
	int b = run();
	printf("modify_ldt %ld; flat: %d %d; ldt code segment with base 0x1000: %d\n", r, a, a2, b);
	return 0;
}
