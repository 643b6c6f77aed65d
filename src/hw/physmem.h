/*
 * Simulated physical memory: one sparse host mapping (MAP_NORESERVE), so RAM the guest never
 * touches costs nothing, plus a physical memory map (RAM ranges, holes, MMIO with callbacks).
 */
#ifndef VMLAB_HW_PHYSMEM_H
#define VMLAB_HW_PHYSMEM_H
#include "hw/x86.h"
#include <stddef.h>

enum phys_range_kind { PHYS_RAM, PHYS_RESERVED, PHYS_HOLE, PHYS_MMIO };

struct mmio_ops {
	/* size is 1, 2, 4 or 8; offset is relative to the region's start */
	uint64_t (*read)(void *opaque, phys_addr_t offset, unsigned size);
	void (*write)(void *opaque, phys_addr_t offset, uint64_t value, unsigned size);
};

struct phys_range {
	phys_addr_t start, end; /* [start, end) */
	enum phys_range_kind kind;
	const char *name;
	const struct mmio_ops *ops; /* PHYS_MMIO only */
	void *opaque;
};

#define PHYSMEM_MAX_RANGES 32

/* Per-frame flag bits kept by physmem for the layers above. */
#define PFRAME_CODE 0x01 /* the CPU holds decoded instructions for this frame */

struct physmem {
	uint8_t *host;         /* host address of physical address 0 */
	phys_addr_t host_size; /* bytes covered by the host mapping (highest RAM end) */
	uint64_t ram_bytes;    /* RAM the machine has (the --mem value) */
	uint64_t max_pfn;      /* highest RAM frame number + 1 */
	/* RAM from 1 MB up to the MMIO window or RAM's end, less its start: where nearly every
	 * access and page table lies, tested first in one compare (physmem_is_ram) */
	phys_addr_t low_ram_span;
	uint8_t *frame_flags;  /* max_pfn bytes of PFRAME_* */
	unsigned nranges;
	struct phys_range ranges[PHYSMEM_MAX_RANGES];
	/* Called when a PFRAME_CODE frame is written or reused (before the flag is cleared). */
	void (*code_invalidate)(void *opaque, uint64_t pfn);
	void *code_opaque;
};

/*
 * Builds a PC-style map for ram_bytes of RAM: RAM 0-640 KB, the legacy hole 640 KB-1 MB,
 * RAM from 1 MB; when RAM reaches into the 32-bit PCI/MMIO window (above 0xC0000000 when
 * high_ok), the rest is placed above 4 GB (reachable only with PAE). Returns 0 or -errno.
 */
int physmem_init(struct physmem *pm, uint64_t ram_bytes, bool above_4g_ok);
/* The RAM sizes physmem_init accepts: multiples of 4 KB from PHYSMEM_MIN_RAM to this. */
#define PHYSMEM_MIN_RAM (2ull << 20)
uint64_t physmem_max_ram(bool above_4g_ok);
void physmem_destroy(struct physmem *pm);
/* RAM bytes actually reachable (ram_bytes minus the legacy hole, minus what the MMIO window
 * swallows when RAM above 4 GB is not allowed). */
uint64_t physmem_ram_usable(const struct physmem *pm);
int physmem_add_mmio(struct physmem *pm, phys_addr_t start, phys_addr_t size, const char *name,
		     const struct mmio_ops *ops, void *opaque);
const struct phys_range *physmem_range(const struct physmem *pm, phys_addr_t pa);

#define PHYSMEM_LEGACY_HOLE_START 0xA0000ull
#define PHYSMEM_LEGACY_HOLE_END 0x100000ull
#define PHYSMEM_MMIO_WINDOW_START 0xC0000000ull
#define PHYSMEM_FOUR_GB 0x100000000ull

/* RAM is fixed at init (MMIO only ever splits holes), so the layout answers without a range
 * lookup; inline because every TLB miss asks it for each table read and the target. */
static inline bool physmem_is_ram(const struct physmem *pm, phys_addr_t pa)
{
	if (__builtin_expect(pa - PHYSMEM_LEGACY_HOLE_END < pm->low_ram_span, 1))
		return true;
	/* one unsigned compare covers the legacy hole: pa - start wraps above it for pa < start */
	if (pa >= pm->host_size || pa - PHYSMEM_LEGACY_HOLE_START < PHYSMEM_LEGACY_HOLE_END - PHYSMEM_LEGACY_HOLE_START)
		return false;
	return pa < PHYSMEM_MMIO_WINDOW_START || pa >= PHYSMEM_FOUR_GB;
}

/* Host pointer to RAM at pa (valid to the end of its frame), or NULL if pa is not RAM. */
static inline uint8_t *physmem_ptr(const struct physmem *pm, phys_addr_t pa)
{
	return physmem_is_ram(pm, pa) ? pm->host + pa : NULL;
}

/* Reads/writes any physical address: RAM, MMIO (callbacks), holes (reads 0xff, writes
 * dropped). Writes invalidate decoded code of the frames they touch. */
uint64_t physmem_read(struct physmem *pm, phys_addr_t pa, unsigned size);
void physmem_write(struct physmem *pm, phys_addr_t pa, uint64_t value, unsigned size);
void physmem_read_buf(struct physmem *pm, phys_addr_t pa, void *buf, size_t n);
void physmem_write_buf(struct physmem *pm, phys_addr_t pa, const void *buf, size_t n);

/* Whoever changes a frame behind the MMU's back (a memcpy into RAM, freeing or reusing it)
 * calls this first, so decoded instructions of that frame are dropped. */
static inline void physmem_frame_changed(struct physmem *pm, uint64_t pfn)
{
	if (pfn < pm->max_pfn && (pm->frame_flags[pfn] & PFRAME_CODE)) {
		pm->frame_flags[pfn] &= (uint8_t)~PFRAME_CODE;
		if (pm->code_invalidate)
			pm->code_invalidate(pm->code_opaque, pfn);
	}
}
#endif
