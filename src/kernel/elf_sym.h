/*
 * Symbol names for crash reports: the ELF .symtab of the file mapped at an address.
 */
#ifndef VMLAB_KERNEL_ELF_SYM_H
#define VMLAB_KERNEL_ELF_SYM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Writes "symbol+0xoff" for the byte at file offset file_off of the ELF file open on the
 * host descriptor fd: 0, or -1 when the file has no symbol table (stripped), is not a
 * well-formed ELF32 file, or no function or object covers that address. The table is read
 * on the first call for a file and kept until another file is asked about.
 */
int elf_sym_describe(int fd, uint64_t file_off, char *buf, size_t n);
/* Frees the cached table (for leak checks at exit and in tests). */
void elf_sym_cache_drop(void);
#endif
