/* The i386 system-call table, built from syscalls.def. */
#include <errno.h>
#include <stdio.h>

#include "kernel/syscalls/syscall.h"
#include "kernel/task.h"
#include "trace/counters.h"

struct syscall_entry {
	const char *name;
	syscall_fn fn;
};

static const struct syscall_entry *table(void)
{
	/* Built on first use: the addresses of weak functions are not constant expressions
	 * everywhere, and a NULL one means "not implemented". */
	static struct syscall_entry t[NR_SYSCALLS];
	static int built;
	if (!built) {
#define SYSCALL(nr, name) t[nr] = (struct syscall_entry){#name, sys_##name};
#include "kernel/syscalls/syscalls.def"
#undef SYSCALL
		built = 1;
	}
	return t;
}

const char *syscall_name(uint32_t nr)
{
	return nr < NR_SYSCALLS ? table()[nr].name : NULL;
}

long syscall_dispatch(struct task *t, uint32_t nr, const uint32_t *a)
{
	counter_add(t->ctr, CTR_syscalls, 1);
	const struct syscall_entry *e = nr < NR_SYSCALLS ? &table()[nr] : NULL;
	if (e && e->fn)
		return e->fn(t, a);
	/* Numbers past the table are reported every time: they are rare and always a bug. */
	uint8_t bit = (uint8_t)(1u << (nr % 8));
	if (nr >= NR_SYSCALLS || !(t->reported_enosys[nr / 8] & bit)) {
		fprintf(stderr, "vmlab: unimplemented syscall %s (%u)\n",
			e && e->name ? e->name : "unknown", nr);
		if (nr < NR_SYSCALLS)
			t->reported_enosys[nr / 8] |= bit;
	}
	return -ENOSYS;
}
