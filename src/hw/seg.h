/* The segmentation unit: selectors, descriptors, GDTR/LDTR, descriptor caches (SDM vol. 3, ch. 3, 5). */
#ifndef VMLAB_HW_SEG_H
#define VMLAB_HW_SEG_H
#include "hw/x86.h"

#define SEL_INDEX(s) ((s) >> 3)
#define SEL_TI(s) (((s) >> 2) & 1)
#define SEL_RPL(s) ((s) & 3)

/* Descriptor type bits (S = 1 segments). */
#define SEG_TYPE_ACCESSED 0x1
#define SEG_TYPE_WRITABLE 0x2 /* data */
#define SEG_TYPE_READABLE 0x2 /* code */
#define SEG_TYPE_EXPDOWN 0x4  /* data */
#define SEG_TYPE_CONFORM 0x4  /* code */
#define SEG_TYPE_CODE 0x8

struct seg_desc {
	uint32_t base;
	uint32_t limit; /* the raw 20-bit limit field */
	uint8_t type;   /* 4 bits */
	bool s, p, g, db, l, avl;
	uint8_t dpl;
};

/* A segment register: the visible selector and its hidden descriptor cache. */
struct seg_cache {
	uint16_t selector;
	struct seg_desc d;
	uint32_t eff_limit; /* byte limit after G scaling */
	bool usable;        /* false after loading a null selector */
	bool flat;          /* base 0, 4 GB limit, expand-up: no check can fail except rights */
};

struct seg_state {
	uint32_t gdtr_base; /* linear */
	uint16_t gdtr_limit;
	uint16_t ldtr;      /* selector */
	uint32_t ldtr_base; /* hidden part of LDTR */
	uint32_t ldtr_limit;
	struct seg_cache sr[SR_COUNT];
};

void seg_desc_decode(uint64_t raw, struct seg_desc *d);
uint64_t seg_desc_encode(const struct seg_desc *d);
uint32_t seg_desc_eff_limit(const struct seg_desc *d);
/* Data segment with E set: valid offsets lie above the limit. */
bool seg_is_expand_down(const struct seg_desc *d);
/* The type checks of SDM 5.6: may this access kind go through a segment of this type? */
bool seg_rights_ok(const struct seg_desc *d, enum mmu_access acc);
/* Fills a cache entry from a descriptor (sets eff_limit, usable, flat). */
void seg_cache_set(struct seg_cache *c, uint16_t sel, const struct seg_desc *d);

/* The instructions that examine a descriptor without loading it (SDM vol. 2, LAR, LSL,
 * VERR/VERW). */
enum seg_probe { SEG_PROBE_LAR, SEG_PROBE_LSL, SEG_PROBE_VERR, SEG_PROBE_VERW };
/* Whether the descriptor passes that instruction's type and privilege checks at this CPL
 * and selector RPL (ZF = 1). The present bit is not examined. */
bool seg_probe_ok(const struct seg_desc *d, enum seg_probe kind, unsigned cpl, unsigned rpl);

/*
 * Checks offset..offset+size-1 against the cached segment for this access:
 * limit (expand-down aware, B bit), rights (write to code or read-only data, read of
 * execute-only code), null segment. Fills *ex with #GP(0) or #SS(0) (for SR_SS) and
 * returns -1 on failure; else stores the linear address and returns 0.
 */
int seg_check(const struct seg_cache *c, enum sreg sr, uint32_t offset, unsigned size,
	      enum mmu_access acc, uint32_t *linear, struct x86_exception *ex);
#endif
