/* Decoders that turn register, descriptor, entry and error-code bits into words. */
#ifndef VMLAB_CLI_TRANSLATE_PRINT_H
#define VMLAB_CLI_TRANSLATE_PRINT_H
#include "hw/mmu.h"
#include <stdio.h>

/* A bit and its SDM name; tables end with {0, NULL}. The parser reads these names, the
 * printer writes them. */
struct bitname {
	uint64_t bit;
	const char *name;
};
extern const struct bitname trp_cr0_bits[], trp_cr4_bits[], trp_efer_bits[];

/* "PE PG WP" for the set bits named in CR0; likewise CR4, EFER. */
void trp_cr0(char *buf, size_t n, uint32_t v);
void trp_cr4(char *buf, size_t n, uint32_t v);
void trp_efer(char *buf, size_t n, uint64_t v);
/* The type field of a descriptor in words: "data, read/write, expand-down, accessed". */
void trp_desc_type(char *buf, size_t n, const struct seg_desc *d);
/* All fields of a descriptor on one line. */
void trp_desc_fields(FILE *out, const char *indent, const struct seg_desc *d);
/* The bits of a paging entry: "P RW US A" or "not present". */
void trp_entry_bits(char *buf, size_t n, uint64_t e, int level, enum paging_mode mode);
/* An exception with its vector, name and error code decoded, indented. */
void trp_exception(FILE *out, const char *indent, const struct x86_exception *ex);
const char *trp_vector_name(unsigned vector);
const char *trp_size_name(uint64_t page_size);
/* The walk of linear address lin as `vmlab translate` explains it, on a live MMU (the gdb
 * stub's `monitor translate`) without changing it: the TLB entry that would match (peeked,
 * not counted), each paging entry (read without setting A/D), the rights for this access,
 * the physical address. Returns 0, or -1 when the access would fault. */
int trp_walk_live(FILE *out, struct mmu *m, uint32_t lin, enum mmu_access acc, bool user);
#endif
