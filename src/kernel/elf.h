/*
 * ELF32 executables and shared objects for i386 (ET_EXEC, ET_DYN: PIE, static-pie,
 * ld.so): header and program-header validation, as binfmt_elf reads them. Every rejection names the problem, so a hostile file gets a message, never a crash.
 */
#ifndef VMLAB_KERNEL_ELF_H
#define VMLAB_KERNEL_ELF_H
#include <stddef.h>
#include <stdint.h>

#define PT_NULL 0
#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
#define PT_PHDR 6
#define PT_TLS 7
#define PT_GNU_STACK 0x6474e551
#define ELF_PF_X 1
#define ELF_PF_W 2
#define ELF_PF_R 4
#define ET_EXEC 2
#define ET_DYN 3
#define EM_386 3

struct elf32_phdr {
	uint32_t p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, p_align;
};

#define ELF_INTERP_MAX 4096 /* PATH_MAX */
#define ELF_MAX_PHDRS 128 /* 4 KB of program headers: what Linux reads (ELF_MIN_ALIGN) */

struct elf_image {
	uint16_t e_type, e_machine, e_phnum;
	uint32_t e_entry, e_phoff;
	struct elf32_phdr ph[ELF_MAX_PHDRS];
	int stack_exec; /* -1: no PT_GNU_STACK, 0: non-executable, 1: executable */
	uint32_t interp_off, interp_len; /* the first PT_INTERP (len 0: none) */
	uint32_t total_size; /* first PT_LOAD's page to the end of the last one */
	uint32_t max_align;  /* the largest power-of-two p_align of the PT_LOADs (0: none) */
};

/*
 * Parses and checks the ELF header and program headers of a file of file_size bytes,
 * whose first n bytes are in buf (n >= the program headers' end, or an error says the file
 * is truncated). task_size bounds the segments. Returns 0, or -ENOEXEC/-EINVAL/-ENOMEM with
 * a message in err (static storage, or written into errbuf).
 */
int elf_parse(const uint8_t *buf, size_t n, uint64_t file_size, uint32_t task_size,
	      struct elf_image *img, char *errbuf, size_t errlen);
#endif
