/*
 * An address space as the report shows it: its VMAs with the pages resident and swapped
 * in each, and how full its page tables are. Everything is read straight from simulated
 * physical memory, as the MMU would read it, and nothing is written: no kmap (whose
 * INVLPGs would be counted), no Accessed bit, no TLB fill. A report changes no count.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/report.h"
#include "hw/paging.h"
#include "kernel/mm/memory.h"
#include "kernel/mm/mmap.h"
#include "kernel/mm/swap.h"

#define PAE_ADDR_MASK 0x000FFFFFFFFFF000ull

/* A page-table entry at physical address pa, or 0 when it is not in RAM. */
static uint64_t entry_at(struct physmem *pm, phys_addr_t pa, bool pae)
{
	const uint8_t *p = paging_entry_ptr(pm, pa);
	if (!p)
		return 0;
	return pae ? paging_load64(p) : paging_load32(p);
}

/* The physical address of the page directory that maps addr (PAE: through the PDPT), or
 * 0 when none is present. */
static phys_addr_t pd_of(struct physmem *pm, uint64_t cr3, bool pae, uint32_t addr)
{
	if (!pae)
		return cr3 & 0xFFFFF000u;
	uint64_t pdpte = entry_at(pm, (cr3 & ~0x1Full) + (addr >> 30) * 8, true);
	return (pdpte & PTE_P) ? pdpte & PAE_ADDR_MASK : 0;
}

static uint64_t pde_of(struct physmem *pm, uint64_t cr3, bool pae, uint32_t addr)
{
	phys_addr_t pd = pd_of(pm, cr3, pae, addr);
	if (!pd)
		return 0;
	return pae ? entry_at(pm, pd + ((addr >> 21) & 511) * 8, true)
		   : entry_at(pm, pd + (addr >> 22) * 4, false);
}

static phys_addr_t table_of(uint64_t pde, bool pae)
{
	return pae ? pde & PAE_ADDR_MASK : pde & 0xFFFFF000u;
}

/* Resident and swapped pages of [start, end): smaps' Rss (the zero page left out, a
 * PROT_NONE page in) and Swap. */
static void count_range(struct physmem *pm, uint64_t cr3, bool pae, uint64_t zero, uint32_t start,
			uint32_t end, uint64_t *rss, uint64_t *swap)
{
	uint32_t span = pae ? 1u << 21 : 1u << 22;
	uint64_t a = start;
	while (a < end) {
		uint64_t next = (a | (span - 1)) + 1;
		uint64_t stop = next < end ? next : end;
		uint64_t pde = pde_of(pm, cr3, pae, (uint32_t)a);
		if (!(pde & PTE_P)) {
			a = next;
			continue;
		}
		if (pde & PTE_PS) {
			*rss += (stop - a) >> PAGE_SHIFT;
			a = next;
			continue;
		}
		phys_addr_t pt = table_of(pde, pae);
		for (; a < stop; a += PAGE_SIZE) {
			uint32_t i = (uint32_t)(a >> 12) & (pae ? 511 : 1023);
			uint64_t pte = entry_at(pm, pt + i * (pae ? 8 : 4), pae);
			if (!pte)
				continue;
			if (is_swap_pte(pte))
				(*swap)++;
			else if (!(pte & PTE_P) ||
				 ((pae ? pte & PAE_ADDR_MASK : pte & 0xFFFFF000u) >> PAGE_SHIFT) !=
				     zero)
				(*rss)++;
		}
	}
}

static int snapshot_vmas(struct report_view *p, struct task *t, bool pae, uint64_t zero)
{
	struct mm_struct *mm = t->mm;
	size_t n = 0;
	for (struct vm_area_struct *v = vma_first(mm); v; v = vma_next(mm, v))
		n++;
	p->vmas = calloc(n ? n : 1, sizeof *p->vmas);
	if (!p->vmas)
		return -1;
	for (struct vm_area_struct *v = vma_first(mm); v; v = vma_next(mm, v)) {
		struct report_vma *rv = &p->vmas[p->nvmas++];
		rv->start = v->vm_start;
		rv->end = v->vm_end;
		rv->flags = v->vm_flags;
		char nb[4096];
		const char *name = vma_name(mm, v, nb, sizeof nb);
		if (name && *name) {
			/* a long path keeps its end: the file's name */
			size_t len = strlen(name);
			const char *s =
			    len >= sizeof rv->name ? name + len - (sizeof rv->name - 4) : name;
			snprintf(rv->name, sizeof rv->name, "%s%s", s == name ? "" : "...", s);
		}
		count_range(t->pm, mm->pgd, pae, zero, v->vm_start, v->vm_end, &rv->rss_pages,
			    &rv->swap_pages);
	}
	return 0;
}

/* Every present PDE below TASK_SIZE, with the PTEs present in its table. */
static int snapshot_tables(struct report_view *p, struct task *t, bool pae)
{
	struct mm_struct *mm = t->mm;
	struct physmem *pm = t->pm;
	uint32_t span = pae ? 1u << 21 : 1u << 22;
	uint32_t per = pae ? 512 : 1024;
	p->ptes_per_table = per;
	p->user_pdes = (uint32_t)(((uint64_t)mm->task_size + span - 1) / span);
	uint32_t all = pae ? 4 * 512 : 1024;
	if (pae)
		for (uint32_t k = 0; k < 4; k++)
			p->pdpt_present +=
			    (entry_at(pm, (mm->pgd & ~0x1Full) + k * 8, true) & PTE_P) != 0;
	size_t cap = 16;
	p->pdes = malloc(cap * sizeof *p->pdes);
	if (!p->pdes)
		return -1;
	for (uint32_t k = 0; k < all; k++) {
		uint32_t base = (uint32_t)((uint64_t)k * span);
		uint64_t pde = pde_of(pm, mm->pgd, pae, base);
		if (!(pde & PTE_P))
			continue;
		if (k >= p->user_pdes) {
			p->kernel_pdes_present++;
			continue;
		}
		if (p->npdes == cap) {
			struct report_pde *n = realloc(p->pdes, 2 * cap * sizeof *n);
			if (!n)
				return -1;
			p->pdes = n;
			cap *= 2;
		}
		struct report_pde *d = &p->pdes[p->npdes++];
		memset(d, 0, sizeof *d);
		d->index = pae ? k & 511 : k;
		d->pdpt = pae ? k >> 9 : 0;
		d->base = base;
		d->huge = (pde & PTE_PS) != 0;
		if (d->huge) {
			d->present = per;
			continue;
		}
		phys_addr_t pt = table_of(pde, pae);
		for (uint32_t i = 0; i < per; i++) {
			uint64_t pte = entry_at(pm, pt + i * (pae ? 8 : 4), pae);
			if (pte & PTE_P)
				d->present++;
			else if (is_swap_pte(pte))
				d->swap++;
		}
	}
	return 0;
}

void report_view_free(struct report_view *v)
{
	free(v->vmas);
	free(v->pdes);
	memset(v, 0, sizeof *v);
}

int report_mm_snapshot(struct report_view *p, struct task *t)
{
	report_view_free(p);
	p->pid = t->tgid;
	if (!t->mm || !t->km)
		return 0;
	p->rss_pages = get_mm_rss(t->mm);
	bool pae = t->km->params.pae;
	p->pae = pae;
	p->cr3 = t->mm->pgd;
	if (snapshot_vmas(p, t, pae, zero_pfn(t->mm)) || snapshot_tables(p, t, pae))
		return -1;
	return 0;
}

size_t report_mm_peek(struct task *t, uint32_t addr, void *buf, size_t n)
{
	size_t done = 0;
	if (!t->mm || !t->km)
		return 0;
	bool pae = t->km->params.pae;
	while (done < n) {
		uint32_t lin = addr + (uint32_t)done;
		uint64_t pde = pde_of(t->pm, t->mm->pgd, pae, lin);
		if (!(pde & PTE_P))
			break;
		phys_addr_t pa;
		if (pde & PTE_PS) {
			uint32_t span = pae ? 1u << 21 : 1u << 22;
			phys_addr_t frame = pae ? pde & 0x000FFFFFFFE00000ull : pde & 0xFFC00000u;
			pa = frame + (lin & (span - 1));
		} else {
			uint32_t i = (lin >> 12) & (pae ? 511 : 1023);
			uint64_t pte = entry_at(t->pm, table_of(pde, pae) + i * (pae ? 8 : 4), pae);
			if (!(pte & PTE_P) || !(pte & PTE_US))
				break;
			pa = (pae ? pte & PAE_ADDR_MASK : pte & 0xFFFFF000u) | (lin & 0xFFF);
		}
		size_t in_page = PAGE_SIZE - (lin & (PAGE_SIZE - 1));
		size_t k = n - done < in_page ? n - done : in_page;
		const uint8_t *src = physmem_ptr(t->pm, pa);
		const uint8_t *last = physmem_ptr(t->pm, pa + k - 1);
		if (!src || !last)
			break;
		memcpy((char *)buf + done, src, k);
		done += k;
	}
	return done;
}
