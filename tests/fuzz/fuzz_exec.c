/* libFuzzer target: the whole exec path (ELF checks, segment mapping, bss, brk, vDSO, the
 * initial stack) on a fresh machine for every input; any input must load or be refused
 * with a message, never crash. Build: make fuzz. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kernel/exec.h"
#include "kernel/machine.h"
#include "kernel/mm/mmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct machine *m;
	static struct machine_config c;
	if (!m) {
		m = calloc(1, sizeof *m);
		machine_config_default(&c);
		c.ram_bytes = 32u << 20;
	}
	char err[512] = "";
	if (machine_create(m, &c, err, sizeof err))
		__builtin_trap();
	struct task *t = &m->task;
	for (int i = 0; i < VMLAB_RLIM_NLIMITS; i++)
		t->rlim[i].cur = t->rlim[i].max = ~0ull;
	t->rlim[3].cur = 8u << 20;
	int fd = memfd_create("fuzz", 0);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		__builtin_trap();
	char *argv[] = {"prog", "arg", NULL};
	char *envp[] = {"PATH=/bin", NULL};
	struct mm_layout_config lc = {.task_size = 0xC0000000u, .overcommit_ratio = 50,
				      .fault_around_bytes = 65536};
	int r = exec_binary(t, fd, "/prog", "prog", 2, argv, envp, &lc, err, sizeof err);
	if (r && !err[0])
		__builtin_trap(); /* a refusal must say why */
	close(fd);
	machine_destroy(m);
	return 0;
}
