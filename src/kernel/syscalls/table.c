/* The i386 system-call table, built from syscalls.def. */
#include <errno.h>
#include <stdio.h>

#include "kernel/ktrace.h"
#include "kernel/syscalls/syscall.h"
#include "kernel/task.h"
#include "trace/counters.h"

struct syscall_entry {
	const char *name;
	syscall_fn fn;
};

/* A handler vmlab does not implement is a NULL weak reference: "not implemented". */
static const struct syscall_entry table[NR_SYSCALLS] = {
#define SYSCALL(nr, name) [nr] = {#name, sys_##name},
#include "kernel/syscalls/syscalls.def"
#undef SYSCALL
};

const char *syscall_name(uint32_t nr)
{
	return nr < NR_SYSCALLS ? table[nr].name : NULL;
}

static long invoke(struct task *t, uint32_t nr, const uint32_t *a);

long syscall_dispatch(struct task *t, uint32_t nr, const uint32_t *a)
{
	counter_add(t->ctr, CTR_syscalls, 1);
	if (ktrace_on(t, TRACE_SYSCALL | TRACE_MM))
		return ktrace_syscall(t, nr, a, invoke);
	return invoke(t, nr, a);
}

static long invoke(struct task *t, uint32_t nr, const uint32_t *a)
{
	const struct syscall_entry *e = nr < NR_SYSCALLS ? &table[nr] : NULL;
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
