/*
 * The initial stack exec builds: argc at the bottom, then argv[] and envp[]
 * (NULL-terminated), the auxv; above them the strings: arguments, then the
 * environment, and at the very top the executable's name followed by a
 * 4-byte zero. Printed as offsets from the top of the [stack] VMA.
 * Authoritative golden: i386 (run as /probe/exec_stack-O0 with environment
 * PATH=/bin); the relations hold on both.
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
	printf("argv[0] string at end%s\n", offs((long)((uintptr_t)argv[0] - hi)));
	printf("environ[0] string right after argv strings: %s\n",
	       environ[0] == argv[argc - 1] + strlen(argv[argc - 1]) + 1 ? "yes" : "no");
	printf("environment: %s\n", environ[0] ? environ[0] : "(empty)");
	char *last = environ[0] ? environ[0] : argv[argc - 1];
	for (char **e = environ; *e; e++)
		last = *e;
	printf("execfn right after the last environment string: %s\n", execfn == last + strlen(last) + 1 ? "yes" : "no");
	printf("argv[] array at end%s, 16-byte aligned argc: %s\n", offs((long)((uintptr_t)argv - hi)),
	       (uintptr_t)argcp % 16 == 0 ? "yes" : "no");
	unsigned char *rnd = (unsigned char *)getauxval(AT_RANDOM);
	char *plat = (char *)getauxval(AT_PLATFORM);
	printf("AT_RANDOM at end%s, AT_PLATFORM at end%s\n", offs((long)((uintptr_t)rnd - hi)),
	       offs((long)((uintptr_t)plat - hi)));
	printf("platform string right below argv[0]'s string: %s\n", plat + strlen(plat) + 1 <= argv[0] ? "yes" : "no");
	printf("stack VMA size: %lu kB\n", (hi - lo) / 1024);
	return 0;
}
