/*
 * Thread-local storage through real segmentation (arch/x86/kernel/tls.c, ldt.c):
 * set_thread_area/get_thread_area write and read the GDT's TLS entries 6-8, modify_ldt
 * builds an LDT in kernel memory with its system descriptor in GDT entry 17, and both
 * reload the segment registers that used a changed descriptor. The GDT itself is exec's
 * (machine.c): tls.c finds it through GDTR and writes it through the MMU.
 */
#ifndef VMLAB_KERNEL_TLS_H
#define VMLAB_KERNEL_TLS_H
#include <stdbool.h>
#include <stdint.h>

struct task;

#define GDT_ENTRY_TLS_MIN_ 6
#define GDT_ENTRY_TLS_ENTRIES 3
#define GDT_ENTRY_LDT 17
#define LDT_ENTRIES 8192

/* struct user_desc, 16 bytes on i386 (the flags are bit-fields of one unsigned int). */
struct user_desc_i386 {
	uint32_t entry_number;
	uint32_t base_addr;
	uint32_t limit;
	uint32_t flags; /* seg_32bit:1 contents:2 read_exec_only:1 limit_in_pages:1
			   seg_not_present:1 useable:1 */
};

/* fill_ldt: the descriptor a user_desc asks for (DPL 3, accessed bit set). */
uint64_t user_desc_to_raw(const struct user_desc_i386 *u);
/* fill_user_desc: the user_desc a descriptor reads back as. */
void raw_to_user_desc(uint64_t raw, uint32_t idx, struct user_desc_i386 *u);
/* LDT_empty / LDT_zero: the "no segment" forms. */
bool user_desc_empty(const struct user_desc_i386 *u);
bool user_desc_zero(const struct user_desc_i386 *u);

/* Frees the task's LDT (exit, exec). */
void tls_release(struct task *t);
/* ldt_dup_context: the child of fork or clone gets a copy of the parent's LDT (Linux's is
 * per mm: a CLONE_VM thread shares it there, and gets a copy taken at clone here), loaded
 * as the parent has it (p's context must be saved). -ENOMEM when no copy can be made. */
int ldt_dup_context(struct task *p, struct task *c);
#endif
