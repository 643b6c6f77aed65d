/*
 * What exec made of the ELF file: the PT_LOAD segments at their addresses,
 * &etext/&edata/&end inside the right mappings, initialised data intact,
 * bss zero, and the first brk above the bss.
 * Authoritative golden: both.
 */
#include "guestutil.h"
#include <elf.h>

extern char etext[], edata[], end[];
static int initialised[4] = {1, 2, 3, 4};
static char bss[100000];

static const char *perms_of(uintptr_t a)
{
	static char ring[4][8];
	static int n;
	char *perms = ring[n++ & 3];
	char *s = slurp("/proc/self/maps");
	for (char *l = s; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		unsigned long lo, hi;
		if (sscanf(l, "%lx-%lx %7s", &lo, &hi, perms) == 3 && a >= lo && a < hi)
			return perms;
	}
	return "unmapped";
}

int main(void)
{
	guest_init();
	Elf32_Ehdr *eh = (Elf32_Ehdr *)0x08048000;
	Elf32_Phdr *ph = (Elf32_Phdr *)(0x08048000 + eh->e_phoff);
	int loads = 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD) {
			loads++;
			printf("PT_LOAD %d: flags %c%c%c, mapped as %s, memsz > filesz: %s\n", loads,
			       ph[i].p_flags & PF_R ? 'R' : '-', ph[i].p_flags & PF_W ? 'W' : '-', ph[i].p_flags & PF_X ? 'X' : '-',
			       perms_of(ph[i].p_vaddr), ph[i].p_memsz > ph[i].p_filesz ? "yes" : "no");
		}
		if (ph[i].p_type == PT_GNU_STACK)
			printf("PT_GNU_STACK: %s\n", ph[i].p_flags & PF_X ? "executable" : "not executable");
	}
	printf("main in %s, etext-1 in %s, initialised data in %s, bss in %s\n", perms_of((uintptr_t)main),
	       perms_of((uintptr_t)etext - 1), perms_of((uintptr_t)initialised), perms_of((uintptr_t)bss));
	printf("initialised data: %d %d %d %d\n", initialised[0], initialised[1], initialised[2], initialised[3]);
	int z = 1;
	for (size_t i = 0; i < sizeof(bss); i++)
		z &= bss[i] == 0;
	printf("bss zero: %s\n", z ? "yes" : "no");
	uintptr_t b = (uintptr_t)sbrk(0);
	printf("the brk area starts at or above end: %s\n", b >= (uintptr_t)end ? "yes" : "no");
	return 0;
}
