/*
 * The MMU: logical (segment:offset) -> linear (segmentation) -> physical (TLB, walk), with
 * rights checks, #GP/#SS/#PF and CR2. One entry point per access.
 *
 * The fast path: a small direct-mapped cache of host pointers per (access kind, user/
 * supervisor), keyed by linear page. An entry exists only while the modelled TLB holds the
 * translation, and a hit on it counts as a hit of that TLB entry (and refreshes its LRU
 * stamp), so the TLB statistics are what the modelled TLB would report (design.md).
 * Write entries are never installed for frames with PFRAME_CODE, nor before D is set.
 */
#ifndef VMLAB_HW_MMU_H
#define VMLAB_HW_MMU_H
#include "hw/paging.h"
#include "hw/physmem.h"
#include "hw/seg.h"
#include "hw/tlb.h"
#include "trace/counters.h"
#include "trace/trace.h"

#define MMU_FAST_BITS 10
#define MMU_FAST_SIZE (1u << MMU_FAST_BITS)
#define MMU_FAST_INVALID 1u /* never equal to a page-aligned tag */

struct mmu_fast {
	uint32_t tag;               /* linear page address, or MMU_FAST_INVALID */
	uint32_t tag_hi; /* data entries 0: compiled code compares tag as a 64-bit value; fetch
			  * entries: the frame number (tag and frame in one compare) */
	uintptr_t addend;           /* the host address of linear address lin is addend + lin
				     * (the page's host address minus the tag): mmu_fast_host */
	struct tlb_entry *tlbe;     /* the modelled TLB entry this mirrors (NULL: TLB off) */
	struct tlb_stats *stats;    /* that TLB's statistics */
};

/* The host address of linear address lin in the page a fast entry maps. */
static inline uint8_t *mmu_fast_host(const struct mmu_fast *f, uint32_t lin)
{
	return (uint8_t *)(f->addend + lin);
}

struct mmu {
	struct physmem *pm;
	struct counters *ctr;
	struct paging_regs regs; /* CR0, CR3, CR4, EFER */
	uint32_t cr2;
	unsigned cpl;            /* current privilege level, set by the CPU */
	uint16_t asid;           /* current address-space id when ASIDs are modelled */
	struct seg_state seg;
	struct tlb_config tlbcfg;
	struct tlb *itlb, *dtlb, *l2tlb; /* itlb == dtlb when not split; l2tlb may be NULL */
	uint64_t lru_clock;
	struct mmu_fast fast[3][2][MMU_FAST_SIZE]; /* [enum mmu_access][user][page hash] */
	bool fast_quiet; /* a whole-TLB flush already dropped every fast entry */
	/* mmu_ptr_slow takes its general path for every access, never its common case: the
	 * unit test that shows the two do the same sets it on one of two machines */
	bool slow_general_only;
	/* No TLB modelled: the linear pages [lo, hi] bound every large-page translation made
	 * since the fast table was last emptied (its 4 KB slots can be anywhere in it); an
	 * INVLPG elsewhere drops only its own page's slots. lo > hi: none. */
	uint32_t fast_large_lo, fast_large_hi;
	/* The fast slots that mirror a large-page TLB entry form a list per entry (head in
	 * tlb_entry.fast_head), so dropping the entry visits only its own slots. Slot s of the
	 * flattened table is link s + 1; 0 ends a list. */
	uint16_t fast_next[3 * 2 * MMU_FAST_SIZE], fast_prev[3 * 2 * MMU_FAST_SIZE];
	uint8_t fast_large[3 * 2 * MMU_FAST_SIZE]; /* the slot is on such a list */
	/* Slots that may hold an entry: set by every install, emptied by a flush, which then
	 * visits only them. A context switch flushes the table, and a process touches a few
	 * dozen pages between two switches, not 6 144 slots' worth. */
	uint64_t fast_live[3 * 2 * MMU_FAST_SIZE / 64];
	/* last, to leave the hot fields where they were */
	struct trace *trace;       /* the event stream (trace/trace.h), or NULL: not traced */
	const char *trace_filling; /* the TLB being filled while traced: drops are evictions */
	/* A debugger's data breakpoints (the gdb stub's watchpoints), or NULL: told of every
	 * data access the model makes after its translation succeeded. While it is set no fast
	 * entry is installed (mmu_set_watch empties the table), so every access of the
	 * interpreter takes a slow path that reports it; the CPU does not run compiled code
	 * then (the caller turns cpu.jit off). */
	void (*watch)(void *ctx, uint32_t lin, unsigned size, enum mmu_access acc);
	void *watch_ctx;
};

/* cfg NULL: tlb_config_default. The TLBs keep pointers into *m: do not move it after init.
 * Initial state: CR0 = PE (protected mode, paging off), CPL 0, every segment register
 * holding a flat 4 GB ring-0 segment (CS code, others data), GDTR/LDTR empty.
 * Returns 0 or -EINVAL (bad TLB geometry, software refill without a TLB) / -ENOMEM. */
int mmu_init(struct mmu *m, struct physmem *pm, const struct tlb_config *cfg,
	     struct counters *ctr);
void mmu_destroy(struct mmu *m);

/* Control registers: the flush rules of the SDM (CR3 load flushes non-global entries unless
 * ASIDs are modelled; toggling CR4.PGE/PSE/PAE or CR0.PG/WP flushes everything). */
void mmu_write_cr0(struct mmu *m, uint32_t v);
void mmu_write_cr3(struct mmu *m, uint32_t v);
void mmu_write_cr4(struct mmu *m, uint32_t v);
void mmu_write_efer(struct mmu *m, uint64_t v);
void mmu_invlpg(struct mmu *m, uint32_t lin);
void mmu_flush_tlb(struct mmu *m, bool keep_global, enum counter_id cause);
void mmu_set_asid(struct mmu *m, uint16_t asid);
/* Drops the non-global entries tagged with asid from every TLB (as INVPCID would), e.g.
 * before an ASID is given to a new address space; counted under cause. */
void mmu_flush_asid(struct mmu *m, uint16_t asid, enum counter_id cause);

/* Loads a segment register through the GDT/LDT with the SDM's checks (SS rules included).
 * On failure fills *ex (#GP(sel), #NP(sel), #SS(sel), #GP(0)) and returns -1. */
int mmu_load_seg(struct mmu *m, enum sreg sr, uint16_t sel, struct x86_exception *ex);

/* Descriptor tables: LGDT, and LLDT (the selector must name an LDT descriptor in the GDT;
 * a null selector leaves the LDT unusable). */
void mmu_set_gdtr(struct mmu *m, uint32_t base, uint16_t limit);
int mmu_load_ldtr(struct mmu *m, uint16_t sel, struct x86_exception *ex);
/*
 * LAR/LSL/VERR/VERW's look at a descriptor: 1 with *raw (the 8 descriptor bytes) when the
 * selector passes the instruction's checks at the current CPL, 0 when it does not (a null
 * selector, one beyond its table's limit or in an absent LDT, a type or privilege the
 * instruction rejects: ZF = 0, no fault), -1 with *ex when reading the descriptor faults.
 */
int mmu_probe_seg(struct mmu *m, uint16_t sel, enum seg_probe kind, uint64_t *raw,
		  struct x86_exception *ex);

/*
 * Translates a linear address for an access in the given mode through the TLB (and the walk
 * on a miss); counts. In software-refill mode a miss returns -1 with X86_TLB_REFILL.
 * Returns 0 and *pa, or -1 with *ex.
 */
int mmu_translate(struct mmu *m, uint32_t lin, enum mmu_access acc, bool user, phys_addr_t *pa,
		  struct x86_exception *ex);

/* Software-refill mode: the kernel loads a TLB entry for lin (walking its own tables). */
int mmu_tlb_refill(struct mmu *m, uint32_t lin, enum mmu_access acc, bool user,
		   struct x86_exception *ex);

/*
 * Whole accesses from segment:offset (size 1..16 bytes, any alignment). An access that
 * crosses a page checks both pages before anything is written. MMIO and holes are handled.
 * Uses the current CPL. Returns 0, or -1 with *ex (also sets m->cr2 for #PF).
 */
int mmu_read(struct mmu *m, enum sreg sr, uint32_t off, void *buf, unsigned size,
	     enum mmu_access acc, struct x86_exception *ex);
int mmu_write(struct mmu *m, enum sreg sr, uint32_t off, const void *buf, unsigned size,
	      struct x86_exception *ex);
/* The same from a linear address (no segmentation), with an explicit mode. */
int mmu_read_linear(struct mmu *m, uint32_t lin, void *buf, unsigned size, enum mmu_access acc,
		    bool user, struct x86_exception *ex);
int mmu_write_linear(struct mmu *m, uint32_t lin, const void *buf, unsigned size, bool user,
		     struct x86_exception *ex);

/*
 * The slow half of the fast path, for a caller whose fast-table lookup missed: translates lin
 * (which must not cross a page for the caller's access), installs a fast entry when the target is RAM (and, for writes, the page
 * is dirty-marked and not PFRAME_CODE), and returns the host pointer; NULL with *ex on a
 * fault; NULL with ex->vector == 0xFFFF when the target is not RAM (use mmu_read/write).
 */
uint8_t *mmu_ptr_slow(struct mmu *m, uint32_t lin, enum mmu_access acc,
		      struct x86_exception *ex);

/* The fast entry for lin in this mode, counted as the TLB hit it stands for; or NULL. */
static inline struct mmu_fast *mmu_fast_hit(struct mmu *m, uint32_t lin, enum mmu_access acc,
					    bool user)
{
	struct mmu_fast *f = &m->fast[acc][user][(lin >> PAGE_SHIFT) & (MMU_FAST_SIZE - 1)];
	if (__builtin_expect(f->tag != (lin & PAGE_MASK), 0))
		return NULL;
	if (f->tlbe) {
		f->tlbe->last_use = ++m->lru_clock;
		f->stats->lookups++;
		f->stats->hits++;
		counter_add(m->ctr, CTR_tlb_lookups, 1);
		counter_add(m->ctr, CTR_tlb_hits, 1);
		if (acc == ACC_FETCH)
			counter_add(m->ctr, CTR_tlb_fetch_lookups, 1);
	}
	return f;
}

/* The hot path: a host pointer for an access that does not cross a page. */
static inline uint8_t *mmu_ptr(struct mmu *m, uint32_t lin, enum mmu_access acc,
			       struct x86_exception *ex)
{
	struct mmu_fast *f = mmu_fast_hit(m, lin, acc, m->cpl == 3);
	if (__builtin_expect(f != NULL, 1))
		return mmu_fast_host(f, lin);
	return mmu_ptr_slow(m, lin, acc, ex);
}

/* Sets or clears (fn NULL) the watch callback; drops every fast entry. */
void mmu_set_watch(struct mmu *m, void (*fn)(void *, uint32_t, unsigned, enum mmu_access),
		   void *ctx);
/* Reports a data access to the watch callback, if any (the slow paths call it). */
static inline void mmu_watch_access(struct mmu *m, uint32_t lin, unsigned size,
				    enum mmu_access acc)
{
	if (__builtin_expect(m->watch != NULL, 0))
		m->watch(m->watch_ctx, lin, size, acc);
}

/* Drops fast entries (all, or those of one frame: used when a frame becomes PFRAME_CODE). */
void mmu_fast_flush(struct mmu *m);
void mmu_fast_flush_frame(struct mmu *m, uint64_t pfn);
/* Marks a frame as holding decoded code (write fast entries to it are dropped). */
void mmu_mark_code_frame(struct mmu *m, uint64_t pfn);
#endif
