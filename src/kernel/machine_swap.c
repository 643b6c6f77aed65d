/* The machine's memory-pressure setup: the reclaim policy and the swap area it boots with
 * (--reclaim, --swap, --swap-file; docs/swap.md). */
#include <errno.h>
#include <stdio.h>

#include "kernel/machine.h"
#include "kernel/mm/swap.h"

int machine_swap_setup(struct machine *m, char *err, size_t n)
{
	const struct machine_config *c = &m->cfg;
	if (vmscan_init(&m->km, (enum reclaim_policy_id)c->reclaim_policy, c->seed)) {
		snprintf(err, n, "out of memory");
		return -ENOMEM;
	}
	if (c->swap_bytes)
		return swapon_area(&m->km, c->swap_bytes, c->swap_file, 0, err, n);
	return 0;
}
