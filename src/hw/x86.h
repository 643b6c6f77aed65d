/* Architectural constants shared by every layer (Intel SDM vol. 3). */
#ifndef VMLAB_HW_X86_H
#define VMLAB_HW_X86_H
#include <stdbool.h>
#include <stdint.h>

typedef uint64_t phys_addr_t;

#define PAGE_SHIFT 12
#define PAGE_SIZE 4096u
#define PAGE_MASK (~(PAGE_SIZE - 1))

/* Exception vectors (SDM vol. 3, table 6-1). */
enum x86_vector {
	X86_DE = 0, X86_DB = 1, X86_NMI = 2, X86_BP = 3, X86_OF = 4, X86_BR = 5, X86_UD = 6,
	X86_NM = 7, X86_DF = 8, X86_TS = 10, X86_NP = 11, X86_SS = 12, X86_GP = 13,
	X86_PF = 14, X86_MF = 16, X86_AC = 17, X86_XM = 19,
	/* Not an x86 vector: vmlab's software-refilled TLB mode reports a miss with it
	 * (cr2 = the linear address), as a MIPS TLB-refill exception would. */
	X86_TLB_REFILL = 0x100,
};

/* An exception as the CPU raises it: the kernel decides what it means. */
struct x86_exception {
	uint16_t vector;
	bool has_error_code;
	uint32_t error_code;
	uint32_t cr2; /* #PF and X86_TLB_REFILL: the faulting linear address */
};

/* #DB: error_code carries the DR6 bits of its cause (has_error_code stays false: #DB pushes
 * none). BS: the single-step trap of EFLAGS.TF. */
#define DR6_BS (1u << 14)

/* #PF error code bits (SDM vol. 3, 4.7). */
#define PF_P (1u << 0)    /* 0: not present, 1: protection violation */
#define PF_W (1u << 1)    /* the access was a write */
#define PF_U (1u << 2)    /* the access was made in user mode (CPL 3) */
#define PF_RSVD (1u << 3) /* a reserved bit was set in a paging entry */
#define PF_I (1u << 4)    /* instruction fetch (reported when NX is enabled) */

#define CR0_PE (1u << 0)
#define CR0_MP (1u << 1)
#define CR0_EM (1u << 2)
#define CR0_TS (1u << 3)
#define CR0_NE (1u << 5)
#define CR0_WP (1u << 16)
#define CR0_PG (1u << 31)
#define CR4_PSE (1u << 4)
#define CR4_PAE (1u << 5)
#define CR4_PGE (1u << 7)
#define CR4_OSFXSR (1u << 9)     /* the OS saves SSE state with FXSAVE: SSE enabled */
#define CR4_OSXMMEXCPT (1u << 10) /* unmasked SIMD FP exceptions are #XM, not #UD */
#define EFER_NXE (1u << 11)

/* Paging-structure entry bits, common to 32-bit and PAE formats. */
#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7)  /* in a PDE: large page */
#define PTE_PAT (1ull << 7) /* in a PTE */
#define PTE_G (1ull << 8)
#define PTE_AVL_MASK (7ull << 9)
#define PTE_PAT_LARGE (1ull << 12) /* PAT bit of a large-page PDE */
#define PTE_NX (1ull << 63)

/* Access kinds, as the MMU distinguishes them. */
enum mmu_access { ACC_READ = 0, ACC_WRITE = 1, ACC_FETCH = 2 };

/* Segment registers in ModRM sreg encoding order. */
enum sreg { SR_ES = 0, SR_CS = 1, SR_SS = 2, SR_DS = 3, SR_FS = 4, SR_GS = 5, SR_COUNT = 6 };
#endif
