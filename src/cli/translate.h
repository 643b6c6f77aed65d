/*
 * `vmlab translate`: a machine state described in a small text format (docs/translate.md),
 * built into the hw model, and logical addresses walked through it step by step.
 */
#ifndef VMLAB_CLI_TRANSLATE_H
#define VMLAB_CLI_TRANSLATE_H
#include "hw/mmu.h"
#include <stdio.h>

/* A physical-memory write: `mem32 A = V`, `mem64 A = V`, or a paging entry. */
enum tr_mem_kind { TR_MEM32, TR_MEM64, TR_PDPTE, TR_PDE, TR_PTE };

struct tr_mem {
	enum tr_mem_kind kind;
	phys_addr_t base; /* table base (entries) or address (memNN) */
	uint64_t index;	  /* entry index, or a byte offset for memNN and `base+off` */
	bool indexed;	  /* written as base[index]: scaled by the entry size */
	uint64_t value;
	int line;
};

struct tr_desc {
	unsigned index;
	uint64_t raw;
	int line;
};

enum tr_tlb_which { TR_TLB_D, TR_TLB_I, TR_TLB_L2 };

struct tr_tlbent {
	struct tlb_entry e;
	uint32_t lin;
	enum tr_tlb_which which;
	int line;
};

struct tr_request {
	bool linear; /* `translate linear ADDR`: no segmentation */
	enum sreg sr;
	uint32_t offset; /* the offset, or the linear address */
	enum mmu_access acc;
	int user;      /* -1: from the CPL */
	unsigned size; /* bytes accessed */
	int line;
};

#define TR_VEC(type)                                                                               \
	struct {                                                                                   \
		type *v;                                                                           \
		size_t n, cap;                                                                     \
	}

/* Everything a state file says, before it is built into a machine. */
struct tr_state {
	char *file;
	bool paging_set;
	enum paging_mode paging;
	bool cr0_set, cr3_set, cr4_set, efer_set;
	uint32_t cr0, cr3, cr4;
	uint64_t efer;
	int paging_line, cr_line;
	uint64_t ram;
	unsigned maxphyaddr;
	bool cpl_set;
	unsigned cpl;
	bool gdtr_set;
	uint32_t gdtr_base;
	uint16_t gdtr_limit;
	int gdtr_line;
	bool ldtr_set;
	uint16_t ldtr;
	int ldtr_line;
	TR_VEC(struct tr_desc) gdt;
	TR_VEC(struct tr_desc) ldt;
	bool sreg_set[SR_COUNT];
	uint16_t sreg[SR_COUNT];
	int sreg_line[SR_COUNT];
	TR_VEC(struct tr_mem) mem;
	bool tlb_set;
	struct tlb_config tlbcfg;
	int tlb_line;
	TR_VEC(struct tr_tlbent) tlbents;
	TR_VEC(struct tr_request) req;
};

/* Parses a state file (already read into text). Returns 0, or -1 after printing one line
 * "FILE:LINE: what is wrong" to err. */
int tr_parse(const char *file, const char *text, struct tr_state *st, FILE *err);
void tr_state_free(struct tr_state *st);

/* Builds the machine and prints every requested translation. Returns 0, or -1 after
 * printing one "FILE:LINE: ..." line to err when the state cannot be built. */
int tr_run(const struct tr_state *st, FILE *out, FILE *err);

/* What a quiz asks about (--topics). */
enum tr_quiz_topic {
	TRQ_PAGES = 1u << 0,	/* user 4 KB pages: read, write, fetch */
	TRQ_LARGE = 1u << 1,	/* the kernel's large page */
	TRQ_UNMAPPED = 1u << 2, /* a directory entry nobody filled in */
	TRQ_LIMITS = 1u << 3,	/* segment limits: a small and an expand-down segment */
	TRQ_KERNEL = 1u << 4,	/* supervisor accesses to user pages */
	TRQ_TLB = 1u << 5,	/* the page the TLB holds (perhaps stale) */
	TRQ_ALL = (1u << 6) - 1,
};

struct tr_quiz_opts {
	uint64_t seed;
	int paging;	    /* -1: either; 0: 2-level; 1: PAE */
	bool no_segments;   /* flat: no descriptor tables, linear addresses only */
	int tlb;	    /* -1: sometimes; 0: never; 1: always */
	unsigned questions; /* 0: 6 to 8 */
	unsigned topics;    /* enum tr_quiz_topic bits; 0: the default mix (all but tlb) */
};

/* Writes a random exercise for this seed, in the state-file format. */
void tr_quiz(uint64_t seed, FILE *out);
void tr_quiz_ex(const struct tr_quiz_opts *o, FILE *out);
/* "pages,tlb": the topic bits, or -1 naming the bad word in *bad. */
int tr_quiz_topics_parse(const char *s, unsigned *topics, const char **bad);

/* The short answers of a `vmlab translate` output (tr_run's text), one line a request:
 * "N: physical 0xADDR", "N: #PF 0xERR", "N: #GP 0xERR", ... (docs/translate.md). */
void tr_short_answers(const char *full, FILE *out);
/* Grades a student's answer file against the short answers key: a line per question and
 * a score. 0 all right, 1 some wrong or missing, 2 a malformed file (message on err). */
int tr_check_answers(const char *key, const char *student, const char *file, FILE *out, FILE *err);

/* Names shared by parser, printer and quiz. */
const char *tr_sreg_name(enum sreg sr);
const char *tr_acc_name(enum mmu_access acc);
#endif
