/*
 * The RAM sizes a machine can be built with, and why the bounds are what they are.
 */
#include <stdio.h>

#include "hw/physmem.h"
#include "kernel/machine.h"

static void fmt_size(char *buf, size_t n, uint64_t bytes)
{
	if (bytes % (1ull << 30) == 0)
		snprintf(buf, n, "%lluG", (unsigned long long)(bytes >> 30));
	else
		snprintf(buf, n, "%lluM", (unsigned long long)(bytes >> 20));
}

int machine_check_ram(const struct machine_config *c, char *err, size_t n)
{
	uint64_t max = physmem_max_ram(c->pae);
	char lo[32], hi[32];
	fmt_size(lo, sizeof lo, MACHINE_MIN_RAM);
	fmt_size(hi, sizeof hi, max);
	if (c->ram_bytes < MACHINE_MIN_RAM) {
		snprintf(err, n,
			 "--mem must be at least %s: the kernel (Debian's 686) runs at 16 MB and "
			 "its image takes 14 MB, then mem_map, page tables and slabs need lowmem",
			 lo);
		return -1;
	}
	if (c->ram_bytes > max) {
		snprintf(err, n, "--mem must be at most %s with --paging=%s (%s)", hi,
			 c->pae ? "pae" : "2level",
			 c->pae ? "36-bit physical addresses: 64 GB, less the 1 GB MMIO window "
				  "below 4 GB"
				: "32-bit physical addresses; --paging=pae reaches 63G");
		return -1;
	}
	if (c->ram_bytes % PAGE_SIZE) {
		snprintf(err, n, "--mem must be a multiple of 4K (a whole number of page frames)");
		return -1;
	}
	return 0;
}
