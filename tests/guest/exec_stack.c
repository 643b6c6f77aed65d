/*
 * The initial stack exec builds: argc at the bottom, then argv[] and envp[]
 * (NULL-terminated), the auxv; above them the strings: arguments, then the
 * environment, and at the very top the executable's name followed by a
 * 4-byte zero; below the strings the platform string and the 16 AT_RANDOM
 * bytes. Printed as relations, so that the output does not depend on the
 * length of the program's path or environment.
 * Authoritative golden: i386 (the x86-64 kernel puts the compat stack
 * elsewhere and keeps 8 bytes, not 4, above the file name).
 */
#include "guestutil.h"
#include <sys/auxv.h>

extern char **environ;

int main(int argc, char **argv)
{
	guest_init();
	char *m = slurp("/proc/self/maps");
	char *l = strstr(m, "[stack]");
	while (l > m && l[-1] != '\n')
		l--;
	unsigned long lo, hi;
	sscanf(l, "%lx-%lx", &lo, &hi);
	printf("stack end %s 0xc0000000\n", hi == 0xc0000000UL ? "is" : "is not");
	int *argcp = (int *)argv - 1;
	printf("argc below argv[]: %s (%d)\n", *argcp == argc ? "yes" : "no", *argcp);
	printf("envp[] right after argv[]'s NULL: %s\n", environ == argv + argc + 1 ? "yes" : "no");
	char *execfn = (char *)getauxval(AT_EXECFN);
	printf("execfn ends 4 bytes below the stack end: %s\n",
	       (uintptr_t)execfn + strlen(execfn) + 1 + 4 == hi ? "yes" : "no");
	printf("environ[0] string right after argv strings: %s\n",
	       environ[0] == argv[argc - 1] + strlen(argv[argc - 1]) + 1 ? "yes" : "no");
	printf("environment: %s\n", environ[0] ? environ[0] : "(empty)");
	char *last = environ[0] ? environ[0] : argv[argc - 1];
	for (char **e = environ; *e; e++)
		last = *e;
	printf("execfn right after the last environment string: %s\n", execfn == last + strlen(last) + 1 ? "yes" : "no");
	printf("argc 16-byte aligned: %s\n", (uintptr_t)argcp % 16 == 0 ? "yes" : "no");
	unsigned char *rnd = (unsigned char *)getauxval(AT_RANDOM);
	char *plat = (char *)getauxval(AT_PLATFORM);
	char **e = environ;
	while (*e)
		e++;
	printf("AT_PLATFORM string within 16 bytes below argv[0]'s string: %s\n",
	       plat + strlen(plat) + 1 <= argv[0] && plat + strlen(plat) + 1 + 16 > argv[0] ? "yes" : "no");
	printf("AT_RANDOM bytes right below the platform string: %s\n", rnd + 16 == (unsigned char *)plat ? "yes" : "no");
	unsigned long *av = (unsigned long *)(e + 1);
	while (av[0] != AT_NULL)
		av += 2;
	printf("AT_RANDOM above the end of the auxv: %s\n", (uintptr_t)rnd >= (uintptr_t)(av + 2) ? "yes" : "no");
	printf("stack VMA size: %lu kB\n", (hi - lo) / 1024);
	return 0;
}
