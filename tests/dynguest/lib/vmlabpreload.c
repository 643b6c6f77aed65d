/* libvmlabpreload.so: LD_PRELOAD'ed by tests/e2e/dynamic.sh, it interposes lib_value. */
int lib_value(void)
{
	return 200;
}
