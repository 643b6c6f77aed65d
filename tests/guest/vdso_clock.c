/*
 * The vDSO's clock functions: the symbols the kernel's linux-gate.so.1 exports (with their
 * versions, read from the image at AT_SYSINFO_EHDR as glibc's dl-vdso does), and that the
 * time they give agrees with the system calls: in order with them, moved on by a sleep,
 * time() equal to the call's, the timezone, the coarse resolution, and the fall-back to the
 * kernel (its -errno result) for a clock the vDSO does not serve.
 * Golden: the real i386 kernel is authoritative (the x86-64 kernel's 32-bit vDSO differs).
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

struct ts32 { int32_t sec, nsec; };
typedef int (*gettime_fn)(int, struct ts32 *);

static const Elf32_Ehdr *eh;
static const Elf32_Sym *symtab;
static const char *strtab;
static const Elf32_Half *versym;
static const Elf32_Verdef *verdef;
static unsigned nsyms;
static uintptr_t load_bias;

static const char *version_name(unsigned idx)
{
	for (const Elf32_Verdef *d = verdef; d;
	     d = d->vd_next ? (const Elf32_Verdef *)((const char *)d + d->vd_next) : NULL)
		if ((d->vd_ndx & 0x7fff) == idx) {
			const Elf32_Verdaux *a = (const Elf32_Verdaux *)((const char *)d + d->vd_aux);
			return strtab + a->vda_name;
		}
	return "?";
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void *lookup(const char *name)
{
	for (unsigned i = 1; i < nsyms; i++)
		if (symtab[i].st_shndx != SHN_UNDEF && symtab[i].st_shndx != SHN_ABS &&
		    !strcmp(strtab + symtab[i].st_name, name))
			return (void *)(load_bias + symtab[i].st_value);
	return NULL;
}

struct ts64 { int64_t sec, nsec; }; /* what clock_gettime64 writes */

static long long ns_of(const struct timespec *t)
{
	return t->tv_sec * 1000000000LL + t->tv_nsec;
}

static long long ns_of64(const struct ts64 *t)
{
	return t->sec * 1000000000LL + t->nsec;
}

int main(void)
{
	eh = (const Elf32_Ehdr *)getauxval(AT_SYSINFO_EHDR);
	if (!eh)
		return 1;
	const Elf32_Phdr *ph = (const Elf32_Phdr *)((const char *)eh + eh->e_phoff);
	const Elf32_Dyn *dyn = NULL;
	load_bias = 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && ph[i].p_offset == 0)
			load_bias = (uintptr_t)eh - ph[i].p_vaddr;
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = (const Elf32_Dyn *)(uintptr_t)ph[i].p_vaddr;
	}
	dyn = (const Elf32_Dyn *)((uintptr_t)dyn + load_bias);
	for (; dyn->d_tag != DT_NULL; dyn++) {
		uintptr_t p = load_bias + dyn->d_un.d_ptr;
		switch (dyn->d_tag) {
		case DT_SYMTAB: symtab = (const Elf32_Sym *)p; break;
		case DT_STRTAB: strtab = (const char *)p; break;
		case DT_HASH: nsyms = ((const Elf32_Word *)p)[1]; break;
		case DT_VERSYM: versym = (const Elf32_Half *)p; break;
		case DT_VERDEF: verdef = (const Elf32_Verdef *)p; break;
		}
	}
	printf("vDSO: %u dynamic symbols, versioned: %s\n", nsyms, versym && verdef ? "yes" : "no");
	char *names[64];
	unsigned nn = 0;
	for (unsigned i = 1; i < nsyms && nn < 64; i++) {
		const Elf32_Sym *s = &symtab[i];
		if (ELF32_ST_BIND(s->st_info) != STB_GLOBAL || s->st_shndx == SHN_UNDEF)
			continue;
		char *b = malloc(128);
		snprintf(b, 128, "%s@%s %s", strtab + s->st_name,
			 versym ? version_name(versym[i] & 0x7fff) : "-",
			 s->st_shndx == SHN_ABS ? "(version)" : ELF32_ST_TYPE(s->st_info) == STT_FUNC ? "function" : "other");
		names[nn++] = b;
	}
	qsort(names, nn, sizeof names[0], cmp_str);
	for (unsigned i = 0; i < nn; i++)
		printf("  %s\n", names[i]);

	struct timespec a, b, c;
	struct ts64 k;
	clock_gettime(CLOCK_MONOTONIC, &a);
	syscall(SYS_clock_gettime64, CLOCK_MONOTONIC, &k);
	clock_gettime(CLOCK_MONOTONIC, &c);
	printf("monotonic: vDSO <= system call <= vDSO: %s\n",
	       ns_of(&a) <= ns_of64(&k) && ns_of64(&k) <= ns_of(&c) ? "yes" : "no");
	clock_gettime(CLOCK_REALTIME, &a);
	syscall(SYS_clock_gettime64, CLOCK_REALTIME, &k);
	clock_gettime(CLOCK_REALTIME, &c);
	printf("realtime: vDSO <= system call <= vDSO: %s\n",
	       ns_of(&a) <= ns_of64(&k) && ns_of64(&k) <= ns_of(&c) ? "yes" : "no");
	struct timespec nap = {0, 50 * 1000 * 1000};
	clock_gettime(CLOCK_MONOTONIC, &a);
	nanosleep(&nap, NULL);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("a 50 ms sleep moves the vDSO's clock by >= 50 ms: %s\n",
	       ns_of(&b) - ns_of(&a) >= 50 * 1000 * 1000 ? "yes" : "no");
	time_t t1 = time(NULL);
	long t2 = syscall(SYS_time, NULL);
	printf("time() and the time system call agree: %s\n", t2 - t1 >= 0 && t2 - t1 <= 1 ? "yes" : "no");
	struct timeval tv;
	struct timezone tz = {-1, -1};
	gettimeofday(&tv, &tz);
	printf("gettimeofday tz: minuteswest %d dsttime %d\n", tz.tz_minuteswest, tz.tz_dsttime);
	struct timespec r;
	clock_getres(CLOCK_MONOTONIC, &r);
	printf("resolution: monotonic %ld ns", r.tv_nsec);
	clock_getres(CLOCK_MONOTONIC_COARSE, &r);
	printf(", monotonic coarse %ld ns\n", r.tv_nsec);

	gettime_fn vgt = (gettime_fn)lookup("__vdso_clock_gettime");
	printf("__vdso_clock_gettime found: %s\n", vgt ? "yes" : "no");
	if (vgt) {
		struct ts32 t;
		printf("  clock 12345 (invalid): %d\n", vgt(12345, &t));
		printf("  CLOCK_PROCESS_CPUTIME_ID (the kernel's): %d\n", vgt(CLOCK_PROCESS_CPUTIME_ID, &t));
		int rc = vgt(CLOCK_BOOTTIME, &t);
		printf("  CLOCK_BOOTTIME: %d, nsec in range: %s\n", rc, t.nsec >= 0 && t.nsec < 1000000000 ? "yes" : "no");
	}
	return 0;
}
