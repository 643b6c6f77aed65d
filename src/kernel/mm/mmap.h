/*
 * The address space of a process, as Linux keeps it (include/linux/mm_types.h): an mm_struct
 * holding vm_area_structs ordered by address, merged and split by the rules of mm/mmap.c.
 *
 * VMA iteration (for procfs and reports):
 *   for (struct vm_area_struct *v = vma_first(mm); v; v = vma_next(mm, v)) ...
 *   find_vma(mm, addr): the first VMA with vm_end > addr (it may start above addr), or NULL.
 *   vma_name(mm, v, buf, n): the last column of /proc/self/maps ("" for anonymous memory).
 * A VMA pointer stays valid until the next call that changes the address space.
 */
#ifndef VMLAB_KERNEL_MM_MMAP_H
#define VMLAB_KERNEL_MM_MMAP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct task;
struct vm_file;

/* vm_flags (include/linux/mm.h). */
#define VM_NONE 0x00000000u
#define VM_READ 0x00000001u
#define VM_WRITE 0x00000002u
#define VM_EXEC 0x00000004u
#define VM_SHARED 0x00000008u
#define VM_MAYREAD 0x00000010u
#define VM_MAYWRITE 0x00000020u
#define VM_MAYEXEC 0x00000040u
#define VM_MAYSHARE 0x00000080u
#define VM_GROWSDOWN 0x00000100u
#define VM_PFNMAP 0x00000400u
#define VM_LOCKED 0x00002000u
#define VM_IO 0x00004000u
#define VM_SEQ_READ 0x00008000u
#define VM_RAND_READ 0x00010000u
#define VM_DONTCOPY 0x00020000u
#define VM_DONTEXPAND 0x00040000u
#define VM_LOCKONFAULT 0x00080000u
#define VM_ACCOUNT 0x00100000u
#define VM_NORESERVE 0x00200000u
#define VM_WIPEONFORK 0x02000000u
#define VM_DONTDUMP 0x04000000u
#define VM_MIXEDMAP 0x10000000u
#define VM_HUGEPAGE 0x20000000u
#define VM_NOHUGEPAGE 0x40000000u
#define VM_ACCESS_FLAGS (VM_READ | VM_WRITE | VM_EXEC)
#define VM_SPECIAL (VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP)
#define VM_LOCKED_MASK (VM_LOCKED | VM_LOCKONFAULT)

/* What a VMA is, beyond its flags: decides its name in /proc/self/maps. */
enum vma_kind { VMA_NORMAL, VMA_VVAR, VMA_VDSO };

struct vm_area_struct {
	uint32_t vm_start, vm_end; /* [vm_start, vm_end) */
	uint32_t vm_flags;
	uint32_t vm_pgoff;         /* file offset in pages; addr >> 12 for anonymous memory */
	struct vm_file *vm_file;   /* holds a reference; NULL for anonymous memory */
	uint32_t anon_vma;         /* 0: none yet; VMAs sharing a number may merge */
	enum vma_kind kind;
};

/* The i386 user layout (arch/x86/include/asm/page_32_types.h, arch/x86/mm/mmap.c). */
#define STACK_GUARD_GAP_PAGES 256u
#define MMAP_MIN_ADDR 0x10000u /* vm.mmap_min_addr, Debian's default */
#define VVAR_PAGES 4u
#define VDSO_PAGES 2u

/* /sys/kernel/mm/transparent_hugepage/enabled; Debian's 686 kernels are built with "always"
 * (thp_boot_mode says what a machine boots with). */
enum thp_mode { THP_ALWAYS, THP_MADVISE, THP_NEVER };
/* "always", "madvise" or "never", as --thp and /sys/kernel/mm/transparent_hugepage spell them */
const char *thp_mode_name(enum thp_mode m);
/* The mode thp_mode_name spells s: 0, or -1. */
int thp_mode_parse(const char *s, enum thp_mode *m);
struct kmem;
/* hugepage_init: a machine with less than 512 MB of RAM (totalram_pages, MemTotal) boots with
 * THP off ("never"), where a huge page's memory would cost more than its TLB reach saves;
 * otherwise with the built-in "always". */
enum thp_mode thp_boot_mode(const struct kmem *km);

struct mm_layout_config {
	uint32_t task_size;     /* 0xC0000000 for VMSPLIT_3G */
	bool randomize;         /* randomize_va_space = 2 when set; off = norandmaps */
	int overcommit_memory;  /* 0 heuristic, 1 always, 2 never */
	unsigned overcommit_ratio; /* percent, 50 */
	uint32_t fault_around_bytes; /* 65536; a power of two, >= 4096 */
	enum thp_mode thp;           /* THP_ALWAYS (0) unless set */
};

struct mm_struct {
	struct vm_area_struct **vmas; /* sorted by vm_start, never overlapping */
	size_t nr, cap;
	struct task *owner;  /* a task using it: the machine (km, mmu) and limits come from it */
	int mm_users;        /* tasks using it (CLONE_VM, vfork); mmput frees at 0 */
	uint32_t slab_obj;   /* a forked mm's mm_struct object in the mm_struct cache */
	struct mm_layout_config cfg;
	uint32_t task_size, mmap_base, stack_top;
	uint32_t start_code, end_code, start_data, end_data;
	uint32_t start_brk, brk, start_stack;
	uint32_t arg_start, arg_end, env_start, env_end;
	uint32_t vdso_base;
	uint64_t vdso_pfn[VDSO_PAGES], vvar_pfn; /* frames behind [vdso] and [vvar] page 0 */
	uint64_t vvar_mono_offset_ns;            /* what [vvar] now says (vdso_update_data) */
	bool read_implies_exec; /* personality READ_IMPLIES_EXEC (no PT_GNU_STACK) */
	uint32_t def_flags;  /* VM_LOCKED | VM_LOCKONFAULT after mlockall(MCL_FUTURE) */
	uint32_t next_anon_vma;
	/* page counts, as /proc/self/status reports them */
	uint64_t total_vm, locked_vm, data_vm, exec_vm, stack_vm, pinned_vm;
	uint64_t hiwater_vm; /* the largest total_vm so far (VmPeak) */
	uint64_t rss_file, rss_anon, rss_shmem, hiwater_rss;
	uint64_t swapents; /* PTEs holding a swap entry (MM_SWAPENTS: VmSwap, oom_badness) */
	uint64_t committed_pages; /* VM_ACCOUNT pages charged (vm_committed_as share) */
	uint64_t pgd; /* physical address of the page directory (or PDPT with PAE): CR3 */
	uint16_t asid; /* --tlb-asid: the tag its TLB entries carry (0: none given yet) */
	uint64_t rng; /* randomised layout: from the task's seed */
};

/* Pages mapped (VmRSS). rss_add raises hiwater_rss with it, so that is always the peak. */
static inline uint64_t get_mm_rss(const struct mm_struct *mm)
{
	return mm->rss_file + mm->rss_anon + mm->rss_shmem;
}

/* Creates an empty address space with the layout of cfg (mmap_base computed from the stack
 * rlimit). Returns NULL on allocation failure. The page tables are set up by the caller
 * (memory.c mm_alloc_pgd). */
struct mm_struct *mm_alloc(struct task *t, const struct mm_layout_config *cfg);
/* Drops a user; the last one unmaps everything (pages freed, shared file pages written
 * back) and frees the mm. */
void mmput(struct mm_struct *mm);
/* fork's dup_mm/dup_mmap: a copy of oldmm for task owner: every VMA but VM_DONTCOPY ones
 * (VM_WIPEONFORK ones empty), their page tables copied by copy_page_range (private writable
 * pages write-protected in both: copy-on-write), VM_ACCOUNT charged again. NULL and *err. */
struct mm_struct *dup_mm(struct task *owner, struct mm_struct *oldmm, int *err);

/* mmap_base for a stack rlimit (bytes, ~0 = unlimited) and a random offset in pages. */
uint32_t mmap_base_for(uint32_t task_size, uint64_t stack_rlimit, uint32_t rnd_pages);

struct vm_area_struct *vma_first(const struct mm_struct *mm);
struct vm_area_struct *vma_next(const struct mm_struct *mm, const struct vm_area_struct *v);
struct vm_area_struct *vma_prev(const struct mm_struct *mm, const struct vm_area_struct *v);
struct vm_area_struct *find_vma(const struct mm_struct *mm, uint32_t addr);
/* The VMA that contains addr, or NULL. */
struct vm_area_struct *vma_lookup(const struct mm_struct *mm, uint32_t addr);
size_t mm_vma_count(const struct mm_struct *mm);
/* The name column of /proc/self/maps: the file's path, [heap], [stack], [vvar], [vdso]. */
const char *vma_name(const struct mm_struct *mm, const struct vm_area_struct *v, char *buf,
		     size_t n);

/* The in-kernel mmap (do_mmap): prot PROT_*, flags MAP_*, pgoff in pages; file may be NULL.
 * Returns the address, or -errno in a negative long. */
long do_mmap(struct mm_struct *mm, uint32_t addr, uint32_t len, uint32_t prot, uint32_t flags,
	     struct vm_file *file, uint32_t pgoff);
int do_munmap(struct mm_struct *mm, uint32_t start, uint32_t len);
int do_mprotect(struct mm_struct *mm, uint32_t start, uint32_t len, uint32_t prot);
long do_mremap(struct mm_struct *mm, uint32_t old_addr, uint32_t old_len, uint32_t new_len,
	       uint32_t flags, uint32_t new_addr);
/* sys_brk: the new break, or the old one on failure. */
uint32_t do_brk(struct mm_struct *mm, uint32_t brk);
/* vm_brk_flags: an anonymous mapping at [addr, addr+len) (exec's bss). 0 or -errno. */
int vm_brk_flags(struct mm_struct *mm, uint32_t addr, uint32_t len, uint32_t flags);
/* Finds room for len bytes (get_unmapped_area): the address or -ENOMEM. */
long get_unmapped_area(struct mm_struct *mm, uint32_t addr, uint32_t len, uint32_t pgoff,
		       uint32_t flags);
/* expand_stack: grows a VM_GROWSDOWN VMA down to addr's page. 0 or -ENOMEM. */
int expand_stack(struct mm_struct *mm, struct vm_area_struct *vma, uint32_t addr);
/* Whether a stack-growth fault at addr failed because of RLIMIT_STACK (for reports). */
bool stack_growth_over_rlimit(struct mm_struct *mm, uint32_t addr);
/* Inserts a special mapping ([vvar], [vdso]). 0 or -errno. */
int install_special_mapping(struct mm_struct *mm, uint32_t addr, uint32_t len,
			    uint32_t vm_flags, enum vma_kind kind);
/* The stack VMA exec creates: [stack_top - len, stack_top), VM_GROWSDOWN. */
int setup_stack_vma(struct mm_struct *mm, uint32_t stack_top, uint32_t len, bool exec);

/* Changes the flags of [start, end) (which must be mapped) with split and merge as
 * mprotect_fixup/madvise_update_vma do. 0 or -errno. */
int vma_modify_flags(struct mm_struct *mm, uint32_t start, uint32_t end, uint32_t set,
		     uint32_t clear);
/* Gives a VMA an anon_vma (anon_vma_prepare): a compatible neighbour's, or a new one. */
void anon_vma_prepare(struct mm_struct *mm, struct vm_area_struct *v);

/* Overcommit (mm/util.c __vm_enough_memory): 0 or -ENOMEM. Charges on success. */
int vm_enough_memory(struct mm_struct *mm, uint64_t pages);
void vm_unacct_memory(struct mm_struct *mm, uint64_t pages);
/* System-wide committed pages and the commit limit (for /proc/meminfo). */
uint64_t vm_committed_pages(void);
uint64_t vm_commit_limit_pages(struct mm_struct *mm);

/* Called when a VMA's pages are gone (unmap): frees frames, clears PTEs, flushes the TLB.
 * Implemented in memory.c. */
void unmap_page_range(struct mm_struct *mm, struct vm_area_struct *v, uint32_t start,
		      uint32_t end);
/* Changes the protection of present PTEs in [start, end) to match the VMA's new flags
 * (change_protection). Implemented in memory.c. */
void change_protection(struct mm_struct *mm, struct vm_area_struct *v, uint32_t start,
		       uint32_t end);
/* fork: copies the PTEs of v from src to dst (copy_page_range). 0 or -ENOMEM. memory.c. */
int copy_page_range(struct mm_struct *dst, struct mm_struct *src, struct vm_area_struct *v);
/* Moves the PTEs of [old, old+len) to new (move_page_tables). Implemented in memory.c. */
void move_page_tables(struct mm_struct *mm, uint32_t old_addr, uint32_t new_addr, uint32_t len);
/* Frees the page tables under [start, end), a run of unmapped VMAs, that lie within
 * [floor, ceiling): the end of the VMA below and the start of the one above (0: none)
 * (free_pgtables). memory.c. */
void free_pgtables(struct mm_struct *mm, uint32_t start, uint32_t end, uint32_t floor,
		   uint32_t ceiling);
/* Faults in [start, end) as get_user_pages would (MAP_POPULATE, mlock). memory.c. */
void populate_range(struct mm_struct *mm, uint32_t start, uint32_t end);
#endif
