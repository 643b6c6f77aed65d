/* The machine's memory-pressure setup: the reclaim policy and the swap areas it boots with
 * (--reclaim, --swap (repeatable), --swap-file; docs/swap.md). */
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
	if (c->swap_bytes) {
		int r = swapon_area(&m->km, c->swap_bytes, c->swap_file, c->swap_prio, err, n);
		if (r)
			return r;
	}
	for (unsigned i = 0; i < c->nr_swap_extra; i++) {
		int r = swapon_area(&m->km, c->swap_extra[i].bytes, NULL, c->swap_extra[i].prio, err,
				    n);
		if (r)
			return r;
	}
	return 0;
}
