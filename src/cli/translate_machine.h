/* The machine `vmlab translate` builds from a parsed state: physical memory and an MMU. */
#ifndef VMLAB_CLI_TRANSLATE_MACHINE_H
#define VMLAB_CLI_TRANSLATE_MACHINE_H
#include "cli/translate.h"

struct machine {
	struct physmem pm;
	struct mmu m;
	struct counters ctr;
	bool pm_ok, mmu_ok;
	bool setup_ad; /* the segment loads set A/D bits in paging entries */
	enum paging_mode mode;
	/* segment loads made while building, for the header */
	bool loaded[SR_COUNT];
	int load_rc[SR_COUNT];
	struct x86_exception load_ex[SR_COUNT];
};

/* Builds the state into the model: memory, control registers, descriptor tables, segment
 * loads, TLB contents. NULL after one "FILE:LINE: ..." line on err. */
struct machine *machine_build(const struct tr_state *st, FILE *err);
void machine_free(struct machine *mc);
const char *tr_mode_name(enum paging_mode mode);
#endif
