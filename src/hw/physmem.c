/*
 * Simulated physical memory. RAM is one MAP_NORESERVE host mapping indexed by physical
 * address, so a frame costs host memory only once the guest touches it, and holes inside
 * the mapping (legacy hole, 32-bit MMIO window) are simply never handed out as RAM.
 */
#include "hw/physmem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* MAXPHYADDR 36: PAE cannot address more. */
#define PHYS_LIMIT (1ull << 36)

static int add_range(struct physmem *pm, phys_addr_t start, phys_addr_t end,
		     enum phys_range_kind kind, const char *name, const struct mmio_ops *ops,
		     void *opaque)
{
	if (pm->nranges >= PHYSMEM_MAX_RANGES)
		return -ENOSPC;
	/* keep the list sorted by start so lookups and printing walk it in address order */
	unsigned i = pm->nranges;
	while (i > 0 && pm->ranges[i - 1].start > start) {
		pm->ranges[i] = pm->ranges[i - 1];
		i--;
	}
	pm->ranges[i] = (struct phys_range){start, end, kind, name, ops, opaque};
	pm->nranges++;
	return 0;
}

uint64_t physmem_max_ram(bool above_4g_ok)
{
	/* with PAE, what the MMIO window displaces moves above 4 GB, up to PHYS_LIMIT */
	return above_4g_ok ? PHYS_LIMIT - PHYSMEM_FOUR_GB + PHYSMEM_MMIO_WINDOW_START : PHYSMEM_FOUR_GB;
}

int physmem_init(struct physmem *pm, uint64_t ram_bytes, bool above_4g_ok)
{
	memset(pm, 0, sizeof(*pm));
	if (ram_bytes < PHYSMEM_MIN_RAM || (ram_bytes & (PAGE_SIZE - 1)) ||
	    ram_bytes > physmem_max_ram(above_4g_ok))
		return -EINVAL;
	pm->ram_bytes = ram_bytes;

	/* RAM is laid out as on a PC: the top of RAM is ram_bytes, the legacy hole swallows
	 * the 384 KB below 1 MB, and whatever would fall into the MMIO window is remapped
	 * above 4 GB (or lost, without PAE, as on a real 32-bit machine). */
	phys_addr_t low_end = ram_bytes < PHYSMEM_MMIO_WINDOW_START ? ram_bytes : PHYSMEM_MMIO_WINDOW_START;
	phys_addr_t high = ram_bytes > PHYSMEM_MMIO_WINDOW_START ? ram_bytes - PHYSMEM_MMIO_WINDOW_START : 0;
	add_range(pm, 0, PHYSMEM_LEGACY_HOLE_START, PHYS_RAM, "System RAM", NULL, NULL);
	add_range(pm, PHYSMEM_LEGACY_HOLE_START, PHYSMEM_LEGACY_HOLE_END, PHYS_HOLE, "legacy hole (VGA, ROM)", NULL,
		  NULL);
	add_range(pm, PHYSMEM_LEGACY_HOLE_END, low_end, PHYS_RAM, "System RAM", NULL, NULL);
	if (low_end < PHYSMEM_MMIO_WINDOW_START)
		add_range(pm, low_end, PHYSMEM_MMIO_WINDOW_START, PHYS_HOLE, "unpopulated", NULL, NULL);
	add_range(pm, PHYSMEM_MMIO_WINDOW_START, PHYSMEM_FOUR_GB, PHYS_HOLE, "PCI/MMIO window", NULL, NULL);
	phys_addr_t top = low_end;
	if (high && above_4g_ok) {
		add_range(pm, PHYSMEM_FOUR_GB, PHYSMEM_FOUR_GB + high, PHYS_RAM, "System RAM (above 4 GB)", NULL,
			  NULL);
		top = PHYSMEM_FOUR_GB + high;
	}
	pm->host_size = top;
	pm->max_pfn = top >> PAGE_SHIFT;
	pm->low_ram_span =
	    low_end > PHYSMEM_LEGACY_HOLE_END ? low_end - PHYSMEM_LEGACY_HOLE_END : 0;
	void *p = mmap(NULL, top, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		int e = errno;
		memset(pm, 0, sizeof(*pm));
		return -e;
	}
	pm->host = p;
	pm->frame_flags = calloc(pm->max_pfn, 1);
	if (!pm->frame_flags) {
		munmap(p, top);
		memset(pm, 0, sizeof(*pm));
		return -ENOMEM;
	}
	return 0;
}

void physmem_destroy(struct physmem *pm)
{
	if (pm->host)
		munmap(pm->host, pm->host_size);
	free(pm->frame_flags);
	memset(pm, 0, sizeof(*pm));
}

uint64_t physmem_ram_usable(const struct physmem *pm)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < pm->nranges; i++)
		if (pm->ranges[i].kind == PHYS_RAM)
			n += pm->ranges[i].end - pm->ranges[i].start;
	return n;
}

int physmem_add_mmio(struct physmem *pm, phys_addr_t start, phys_addr_t size, const char *name,
		     const struct mmio_ops *ops, void *opaque)
{
	if (!size || !ops || !ops->read || !ops->write || start + size < start)
		return -EINVAL;
	phys_addr_t end = start + size;
	/* MMIO may only be carved out of a hole, never out of RAM or another device */
	for (unsigned i = 0; i < pm->nranges; i++) {
		struct phys_range *r = &pm->ranges[i];
		if (start < r->start || end > r->end)
			continue;
		if (r->kind != PHYS_HOLE && r->kind != PHYS_RESERVED)
			return -EBUSY;
		if (pm->nranges + 2 > PHYSMEM_MAX_RANGES)
			return -ENOSPC;
		struct phys_range old = *r;
		/* split the hole into [old.start, start) MMIO [end, old.end) */
		for (unsigned j = i; j + 1 < pm->nranges; j++)
			pm->ranges[j] = pm->ranges[j + 1];
		pm->nranges--;
		if (old.start < start)
			add_range(pm, old.start, start, old.kind, old.name, NULL, NULL);
		add_range(pm, start, end, PHYS_MMIO, name, ops, opaque);
		if (end < old.end)
			add_range(pm, end, old.end, old.kind, old.name, NULL, NULL);
		return 0;
	}
	return -EBUSY;
}

const struct phys_range *physmem_range(const struct physmem *pm, phys_addr_t pa)
{
	unsigned lo = 0, hi = pm->nranges;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		const struct phys_range *r = &pm->ranges[mid];
		if (pa < r->start)
			hi = mid;
		else if (pa >= r->end)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

/* Marks the RAM frames of [pa, pa+n) as changed, before they are written. */
static void frames_changed(struct physmem *pm, phys_addr_t pa, size_t n)
{
	for (uint64_t pfn = pa >> PAGE_SHIFT; pfn <= (pa + n - 1) >> PAGE_SHIFT; pfn++)
		physmem_frame_changed(pm, pfn);
}

/* One access that stays inside one range. */
static uint64_t read_in_range(struct physmem *pm, const struct phys_range *r, phys_addr_t pa,
			      unsigned size)
{
	uint64_t v = 0;
	if (r && r->kind == PHYS_RAM) {
		memcpy(&v, pm->host + pa, size);
		return v;
	}
	if (r && r->kind == PHYS_MMIO && (size & (size - 1)) == 0)
		return r->ops->read(r->opaque, pa - r->start, size);
	if (r && r->kind == PHYS_MMIO) {
		for (unsigned i = 0; i < size; i++)
			v |= (r->ops->read(r->opaque, pa + i - r->start, 1) & 0xff) << (8 * i);
		return v;
	}
	/* an unclaimed bus cycle floats high */
	return size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static void write_in_range(struct physmem *pm, const struct phys_range *r, phys_addr_t pa,
			   uint64_t v, unsigned size)
{
	if (r && r->kind == PHYS_RAM) {
		frames_changed(pm, pa, size);
		memcpy(pm->host + pa, &v, size);
	} else if (r && r->kind == PHYS_MMIO && (size & (size - 1)) == 0) {
		r->ops->write(r->opaque, pa - r->start, v, size);
	} else if (r && r->kind == PHYS_MMIO) {
		for (unsigned i = 0; i < size; i++)
			r->ops->write(r->opaque, pa + i - r->start, (v >> (8 * i)) & 0xff, 1);
	}
}

static bool inside(const struct phys_range *r, phys_addr_t pa, unsigned size)
{
	return r && pa + size <= r->end;
}

uint64_t physmem_read(struct physmem *pm, phys_addr_t pa, unsigned size)
{
	if (size == 0 || size > 8)
		return 0;
	const struct phys_range *r = physmem_range(pm, pa);
	if (!r || inside(r, pa, size))
		return read_in_range(pm, r, pa, size);
	/* straddles two ranges: assemble it byte by byte, little-endian */
	uint64_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v |= read_in_range(pm, physmem_range(pm, pa + i), pa + i, 1) << (8 * i);
	return v;
}

void physmem_write(struct physmem *pm, phys_addr_t pa, uint64_t value, unsigned size)
{
	if (size == 0 || size > 8)
		return;
	const struct phys_range *r = physmem_range(pm, pa);
	if (!r || inside(r, pa, size)) {
		write_in_range(pm, r, pa, value, size);
		return;
	}
	for (unsigned i = 0; i < size; i++)
		write_in_range(pm, physmem_range(pm, pa + i), pa + i, (value >> (8 * i)) & 0xff, 1);
}

/* How much of an n-byte buffer access at pa one step moves: the rest of the buffer within a
 * RAM range; else one device-sized access (devices see at most 8 bytes; holes read as all
 * ones), byte by byte where no range answers. */
static size_t buf_chunk(const struct phys_range *r, phys_addr_t pa, size_t n)
{
	if (!r)
		return 1;
	size_t chunk = r->end - pa < n ? r->end - pa : n;
	if (r->kind == PHYS_RAM)
		return chunk;
	return chunk >= 8 ? 8 : chunk >= 4 ? 4 : chunk >= 2 ? 2 : 1;
}

void physmem_read_buf(struct physmem *pm, phys_addr_t pa, void *buf, size_t n)
{
	uint8_t *b = buf;
	while (n) {
		const struct phys_range *r = physmem_range(pm, pa);
		size_t chunk = buf_chunk(r, pa, n);
		if (r && r->kind == PHYS_RAM) {
			memcpy(b, pm->host + pa, chunk);
		} else {
			uint64_t v = read_in_range(pm, r, pa, (unsigned)chunk);
			memcpy(b, &v, chunk);
		}
		b += chunk;
		pa += chunk;
		n -= chunk;
	}
}

void physmem_write_buf(struct physmem *pm, phys_addr_t pa, const void *buf, size_t n)
{
	const uint8_t *b = buf;
	while (n) {
		const struct phys_range *r = physmem_range(pm, pa);
		size_t chunk = buf_chunk(r, pa, n);
		if (r && r->kind == PHYS_RAM) {
			frames_changed(pm, pa, chunk);
			memcpy(pm->host + pa, b, chunk);
		} else {
			uint64_t v = 0;
			memcpy(&v, b, chunk);
			write_in_range(pm, r, pa, v, (unsigned)chunk);
		}
		b += chunk;
		pa += chunk;
		n -= chunk;
	}
}
