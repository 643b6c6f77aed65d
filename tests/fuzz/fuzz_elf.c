/* libFuzzer target: the ELF header and program-header checks of exec must refuse any input
 * with a message, never crash or read out of bounds. Build: make fuzz. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "kernel/elf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct elf_image img;
	char why[256];
	/* the loader reads at most 64 KB of headers; the file may claim to be larger */
	size_t n = size < 65536 ? size : 65536;
	uint64_t file_size = size;
	if (size >= 4) {
		uint32_t extra;
		memcpy(&extra, data + size - 4, 4);
		file_size += extra & 0xffff;
	}
	int r = elf_parse(data, n, file_size, 0xC0000000u, &img, why, sizeof why);
	if (r == 0) {
		/* what the loader relies on afterwards */
		for (unsigned i = 0; i < img.e_phnum; i++) {
			const struct elf32_phdr *ph = &img.ph[i];
			if (ph->p_type == PT_LOAD &&
			    (ph->p_filesz > ph->p_memsz ||
			     (uint64_t)ph->p_vaddr + ph->p_memsz > 0xC0000000u ||
			     (uint64_t)ph->p_offset + ph->p_filesz > file_size))
				__builtin_trap();
		}
	} else if (!why[0]) {
		__builtin_trap(); /* a refusal must say why */
	}
	return 0;
}
