/*
 * The auxiliary vector exec put on the stack: the order of the entry types,
 * and the values that do not depend on the CPU or the user: AT_PAGESZ,
 * AT_CLKTCK, AT_PHDR/AT_PHENT/AT_PHNUM against the ELF header, AT_ENTRY,
 * AT_BASE, AT_FLAGS, AT_SECURE, AT_PLATFORM, AT_EXECFN, the vDSO's ELF
 * header at AT_SYSINFO_EHDR and AT_SYSINFO inside it, ids agreeing with
 * the system calls.
 * Authoritative golden: i386 (an x86-64 kernel adds other entry types).
 */
#include "guestutil.h"
#include <elf.h>
#include <sys/auxv.h>

extern char **environ;
extern char _start[];

/* The value the kernel put in the vector. getauxval(AT_HWCAP) is not that: static glibc
 * rewrites its copy of AT_HWCAP on i386 from the CPU features it finds (only SSE2 survives). */
static unsigned long raw_auxval(const Elf32_auxv_t *av, unsigned type)
{
	for (; av->a_type != AT_NULL; av++)
		if (av->a_type == type)
			return av->a_un.a_val;
	return 0;
}

int main(int argc, char **argv)
{
	guest_init();
	char **e = environ;
	while (*e)
		e++;
	Elf32_auxv_t *av = (Elf32_auxv_t *)(e + 1);
	printf("auxv types:");
	for (Elf32_auxv_t *a = av; a->a_type != AT_NULL; a++)
		printf(" %u", a->a_type);
	printf(" 0\n");
	printf("AT_PAGESZ %lu, AT_CLKTCK %lu, AT_PHENT %lu, AT_BASE %lu, AT_FLAGS %lu, AT_SECURE %lu\n", getauxval(AT_PAGESZ),
	       getauxval(AT_CLKTCK), getauxval(AT_PHENT), getauxval(AT_BASE), getauxval(AT_FLAGS), getauxval(AT_SECURE));
	Elf32_Ehdr *eh = (Elf32_Ehdr *)0x08048000;
	printf("AT_PHDR == load address + e_phoff: %s\n", getauxval(AT_PHDR) == 0x08048000 + eh->e_phoff ? "yes" : "no");
	printf("AT_PHNUM == e_phnum: %s\n", getauxval(AT_PHNUM) == eh->e_phnum ? "yes" : "no");
	printf("AT_ENTRY == _start == e_entry: %s\n",
	       getauxval(AT_ENTRY) == (uintptr_t)_start && eh->e_entry == (uintptr_t)_start ? "yes" : "no");
	printf("AT_UID/EUID/GID/EGID match: %s\n",
	       getauxval(AT_UID) == getuid() && getauxval(AT_EUID) == geteuid() && getauxval(AT_GID) == getgid() &&
			       getauxval(AT_EGID) == getegid()
		       ? "yes"
		       : "no");
	printf("AT_PLATFORM: %s\n", (char *)getauxval(AT_PLATFORM));
	printf("AT_EXECFN equals argv[0]: %s\n", !strcmp((char *)getauxval(AT_EXECFN), argv[0]) ? "yes" : "no");
	printf("AT_EXECFN lies above argv[0]'s string: %s\n", getauxval(AT_EXECFN) > (uintptr_t)argv[0] ? "yes" : "no");
	unsigned char *vd = (unsigned char *)getauxval(AT_SYSINFO_EHDR);
	printf("AT_SYSINFO_EHDR is an ELF header: %s\n", vd && !memcmp(vd, ELFMAG, SELFMAG) ? "yes" : "no");
	unsigned long sysinfo = getauxval(AT_SYSINFO);
	printf("AT_SYSINFO inside the vDSO's first 2 pages: %s\n",
	       sysinfo > (uintptr_t)vd && sysinfo < (uintptr_t)vd + 2 * PG ? "yes" : "no");
	printf("AT_HWCAP present: %s, AT_MINSIGSTKSZ present: %s\n", raw_auxval(av, AT_HWCAP) ? "yes" : "no",
	       getauxval(AT_MINSIGSTKSZ) ? "yes" : "no");
	printf("argc %d\n", argc);
	return 0;
}
