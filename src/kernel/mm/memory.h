/*
 * Page faults (arch/x86/mm/fault.c do_user_addr_fault, mm/memory.c handle_mm_fault) and the
 * page-table work of the address space: PTEs live in simulated physical memory, where the
 * MMU walks them.
 */
#ifndef VMLAB_KERNEL_MM_MEMORY_H
#define VMLAB_KERNEL_MM_MEMORY_H
#include <stdbool.h>
#include <signal.h> /* SIGSEGV, SEGV_MAPERR ...: the host's values are i386 Linux's */
#include <stdint.h>

struct task;
struct mm_struct;
struct vm_area_struct;

/* What a fault came to. */
struct fault_outcome {
	int sig;      /* 0: resolved (retry the access); else SIGSEGV or SIGBUS */
	int si_code;  /* SEGV_MAPERR, SEGV_ACCERR, BUS_ADRERR */
	uint32_t addr;
	bool major;
};

/*
 * Handles a #PF at addr with the hardware error code (PF_P, PF_W, PF_U, PF_I). A fault the
 * kernel cannot resolve is reported in *out and not signalled: the caller (the run loop or
 * uaccess) decides. Counts faults (fault_* counters, t->min_flt/maj_flt).
 */
void do_user_addr_fault(struct task *t, uint32_t addr, uint32_t error_code,
			struct fault_outcome *out);

/* The page directory of an address space (pgd_alloc): 0 or -ENOMEM. Sets mm->pgd. */
int mm_alloc_pgd(struct mm_struct *mm);
/* Frees it and every user page table (pgd_free); mmput calls it. */
void mm_free_pgd(struct mm_struct *mm);
/* Allocates the frames behind [vdso] (__kernel_vsyscall: int $0x80; ret) and the first
 * [vvar] page (zeroed); they are mapped on first touch, as special mappings fault. */
int vdso_setup_pages(struct task *t, struct mm_struct *mm);

/* The PTE of a user address (0 when none): for mincore, procfs (pagemap, smaps). */
uint64_t mm_pte(struct mm_struct *mm, uint32_t addr);
/* Whether a user PTE maps a page (present, or present-but-PROT_NONE). */
bool upte_present(uint64_t pte);
/* mm_pgtables_bytes: the user page tables of mm (PTE tables; with PAE also the user PMDs,
 * preallocated), counted from the directory. For the OOM badness. */
uint64_t mm_pgtables_bytes(const struct mm_struct *mm);
/* The shared zero page's frame number (pagemap, smaps). */
uint64_t zero_pfn(struct mm_struct *mm);
/* MADV_DONTNEED: drops the pages of [start, end) (zap_page_range). */
void zap_page_range(struct mm_struct *mm, uint32_t start, uint32_t end);
/* Whether the THP policy (--thp, MADV_[NO]HUGEPAGE) lets anonymous private VMA v take huge
 * pages: the fault path and smaps THPeligible both ask this. */
bool thp_vma_allowed(const struct mm_struct *mm, const struct vm_area_struct *v);
/* mincore for one page: 1 when resident (mapped, or in the page cache for file VMAs). */
int mincore_page(struct mm_struct *mm, uint32_t addr);

#endif
