/* libvmlabtest.so for tests/dynguest/dyn_libs.c: what ld.so must do for a shared library:
 * general-dynamic TLS (__tls_get_addr), a versioned symbol with an old and a default
 * version, an IFUNC resolved from CPUID, a function an LD_PRELOAD library interposes. */
__thread int lib_tls = 7;

int lib_tls_bump(void)
{
	return ++lib_tls;
}

int lib_version_old(void)
{
	return 1;
}

int lib_version_new(void)
{
	return 2;
}
__asm__(".symver lib_version_old,lib_version@VT_1");
__asm__(".symver lib_version_new,lib_version@@VT_2");

static int impl_cmov(void)
{
	return 1;
}

static int impl_plain(void)
{
	return 0;
}

/* CMOV is in the CPUID vmlab reports and in every host CPU this runs on */
static int (*resolve_pick(void))(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("cmov") ? impl_cmov : impl_plain;
}
int lib_pick(void) __attribute__((ifunc("resolve_pick")));

int lib_value(void)
{
	return 100;
}
