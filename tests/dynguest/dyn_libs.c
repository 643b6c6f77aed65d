/*
 * A program linked with a shared library of this tree (build/dynguest/libvmlabtest.so,
 * found through LD_LIBRARY_PATH) and run with and without LD_PRELOAD: TLS of the library
 * seen from it and from the program, symbol versions (the default one at link time, the
 * old one by dlvsym), an IFUNC picked from CPUID, interposition by the preloaded library,
 * dlopen of an already loaded library. Run by tests/e2e/dynamic.sh with the environment it
 * needs (Checked by its own test), against the same run natively.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

extern __thread int lib_tls;
int lib_tls_bump(void);
int lib_version(void);
int lib_pick(void);
int lib_value(void);

int main(void)
{
	printf("lib_value=%d (%s)\n", lib_value(), getenv("LD_PRELOAD") ? "preloaded" : "own");
	int a = lib_tls_bump();
	int b = lib_tls_bump();
	printf("library TLS: %d %d, seen from the program: %d\n", a, b, lib_tls);
	lib_tls = 40;
	printf("after the program's write: %d\n", lib_tls_bump());
	printf("lib_version (default VT_2)=%d\n", lib_version());
	void *h = dlopen("libvmlabtest.so", RTLD_NOW | RTLD_NOLOAD);
	int (*old)(void) = h ? (int (*)(void))dlvsym(h, "lib_version", "VT_1") : NULL;
	printf("dlopen NOLOAD finds it: %d, lib_version@VT_1=%d\n", h != NULL, old ? old() : -1);
	printf("IFUNC lib_pick=%d\n", lib_pick());
	return 0;
}
