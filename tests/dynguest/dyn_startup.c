/*
 * A dynamically linked program's view of its own start: what the kernel's ELF loader put in
 * the auxiliary vector (AT_PHDR, AT_ENTRY, AT_BASE, AT_SYSINFO_EHDR, AT_EXECFN) checked
 * against what ld.so found (dl_iterate_phdr), the break right after the executable, TLS of
 * the main program and of libc, dlopen/dlsym of libm, and the layout of /proc/self/maps
 * without addresses (the kernel's bitness moves them; the shape does not). Built as a PIE,
 * a non-PIE and a static-pie (tests/e2e/dynamic.sh). Golden: native (setarch -R).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

extern char _start[];
static __thread int tls_counter = 41;

struct seen {
	uintptr_t main_phdr, main_addr, ld_addr;
	int nobj, main_phnum;
	uintptr_t main_end;
};

static int cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct seen *s = data;
	if (s->nobj++ == 0) {
		s->main_phdr = (uintptr_t)info->dlpi_phdr;
		s->main_addr = info->dlpi_addr;
		s->main_phnum = info->dlpi_phnum;
		for (int i = 0; i < info->dlpi_phnum; i++) {
			const ElfW(Phdr) *p = &info->dlpi_phdr[i];
			if (p->p_type == PT_LOAD &&
			    info->dlpi_addr + p->p_vaddr + p->p_memsz > s->main_end)
				s->main_end = info->dlpi_addr + p->p_vaddr + p->p_memsz;
		}
	} else if (strstr(info->dlpi_name, "ld-linux")) {
		s->ld_addr = info->dlpi_addr;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct seen s = {0};
	dl_iterate_phdr(cb, &s);
	uintptr_t base = getauxval(AT_BASE);
	printf("argc=%d argv0_is_execfn=%d\n", argc,
	       strcmp(argv[0], (const char *)getauxval(AT_EXECFN)) == 0);
	printf("AT_PHDR matches the main object: %d\n", getauxval(AT_PHDR) == s.main_phdr);
	printf("AT_PHNUM matches: %d\n", (int)getauxval(AT_PHNUM) == s.main_phnum);
	printf("AT_ENTRY is _start: %d\n", getauxval(AT_ENTRY) == (uintptr_t)_start);
	printf("AT_BASE is ld.so's load address: %d (nonzero %d)\n", base == s.ld_addr, base != 0);
	printf("AT_PHENT=%lu AT_PAGESZ=%lu\n", getauxval(AT_PHENT), getauxval(AT_PAGESZ));
	const unsigned char *vdso = (const unsigned char *)getauxval(AT_SYSINFO_EHDR);
	printf("vdso is an ELF image: %d\n", vdso && memcmp(vdso, ELFMAG, SELFMAG) == 0);
	uintptr_t end = (s.main_end + 4095) & ~(uintptr_t)4095;
	/* a static-pie's break moved to ELF_ET_DYN_BASE in later kernels (6.1 does that only
	 * with randomisation): tests/e2e/dynamic.sh checks vmlab's against 6.1's rule */
	bool loader = base == 0;
	if (!loader)
		printf("brk starts after the executable: %d\n",
		       (uintptr_t)sbrk(0) >= end && (uintptr_t)sbrk(0) - end < 0x40000);
	printf("tls=%d\n", ++tls_counter);
	errno = 0;
	int cr = close(-1);
	int e = errno;
	printf("close(-1)=%d errno (libc TLS) EBADF: %d\n", cr, e == EBADF);
	void *h = dlopen("libm.so.6", RTLD_NOW);
	double (*cosp)(double) = h ? (double (*)(double))dlsym(h, "cos") : NULL;
	printf("dlopen libm: %d cos(0)=%.1f\n", h != NULL, cosp ? cosp(0.0) : -1.0);
	char *p = malloc(200000); /* mmap'ed: above the mmap threshold */
	memset(p, 1, 200000);
	char *q = malloc(1000); /* from the heap */
	printf("malloc: %d %d\n", p != NULL, q != NULL && (loader || (uintptr_t)q >= end));
	free(p);
	free(q);
	/* the maps without addresses: permissions, offset, size and name of each line */
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	while (f && fgets(line, sizeof line, f)) {
		unsigned long lo, hi, off;
		char perms[8], name[256] = "";
		if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %255[^\n]", &lo, &hi, perms, &off, name) < 4)
			continue;
		if (!strncmp(name, "[vvar", 5))
			continue; /* [vvar] differs between kernels (4 pages on 6.1, 4+2 on 6.x) */
		if (loader && (!name[0] || !strcmp(name, "[heap]")))
			continue; /* the static-pie's bss and break: see above */
		const char *n = strrchr(name, '/');
		printf("%s %08lx %6lx %s\n", perms, off, hi - lo, n ? n + 1 : name);
	}
	if (argc > 1 && !strcmp(argv[1], "raw")) {
		/* with addresses: tests/e2e/dynamic.sh checks where the kernel put things */
		rewind(f);
		while (fgets(line, sizeof line, f))
			printf("raw %s", line);
	}
	if (h)
		dlclose(h);
	return 0;
}
