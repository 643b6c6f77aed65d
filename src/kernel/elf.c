/* ELF32 header checks: what load_elf_binary refuses, and what vmlab does not support. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kernel/elf.h"

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#define FAIL(code, ...)                                                                            \
	do {                                                                                       \
		snprintf(errbuf, errlen, __VA_ARGS__);                                             \
		return (code);                                                                     \
	} while (0)

int elf_parse(const uint8_t *buf, size_t n, uint64_t file_size, uint32_t task_size,
	      struct elf_image *img, char *errbuf, size_t errlen)
{
	memset(img, 0, sizeof *img);
	img->stack_exec = -1;
	if (n < 52 || file_size < 52)
		FAIL(-ENOEXEC, "not an ELF file: only %llu bytes", (unsigned long long)file_size);
	if (memcmp(buf, "\177ELF", 4))
		FAIL(-ENOEXEC, "not an ELF file: bad magic");
	if (buf[4] != 1)
		FAIL(-ENOEXEC, "not a 32-bit ELF file (EI_CLASS %u): vmlab runs i386 programs",
		     buf[4]);
	if (buf[5] != 1)
		FAIL(-ENOEXEC, "not a little-endian ELF file (EI_DATA %u)", buf[5]);
	if (buf[6] != 1)
		FAIL(-ENOEXEC, "unknown ELF version %u", buf[6]);
	img->e_type = rd16(buf + 16);
	img->e_machine = rd16(buf + 18);
	img->e_entry = rd32(buf + 24);
	img->e_phoff = rd32(buf + 28);
	uint16_t phentsize = rd16(buf + 42);
	img->e_phnum = rd16(buf + 44);
	if (img->e_machine != EM_386)
		FAIL(-ENOEXEC, "ELF machine %u is not i386 (3)", img->e_machine);
	if (img->e_type != ET_EXEC && img->e_type != ET_DYN)
		FAIL(-ENOEXEC, "ELF type %u is neither an executable nor a shared object",
		     img->e_type);
	if (phentsize != sizeof(struct elf32_phdr))
		FAIL(-ENOEXEC, "program header entry size %u (expected 32)", phentsize);
	if (img->e_phnum < 1 || img->e_phnum > ELF_MAX_PHDRS)
		FAIL(-ENOEXEC, "%u program headers (1 to %u allowed)", img->e_phnum,
		     ELF_MAX_PHDRS);
	uint64_t phend = (uint64_t)img->e_phoff + (uint64_t)img->e_phnum * 32;
	if (phend > file_size)
		FAIL(-ENOEXEC, "program headers (offset %u, %u entries) extend past the end of "
			       "the file (%llu bytes)",
		     img->e_phoff, img->e_phnum, (unsigned long long)file_size);
	if (phend > n)
		FAIL(-ENOEXEC, "program headers beyond the first %zu bytes", n);
	int nload = 0;
	for (unsigned i = 0; i < img->e_phnum; i++) {
		const uint8_t *p = buf + img->e_phoff + 32 * i;
		struct elf32_phdr *ph = &img->ph[i];
		ph->p_type = rd32(p);
		ph->p_offset = rd32(p + 4);
		ph->p_vaddr = rd32(p + 8);
		ph->p_paddr = rd32(p + 12);
		ph->p_filesz = rd32(p + 16);
		ph->p_memsz = rd32(p + 20);
		ph->p_flags = rd32(p + 24);
		ph->p_align = rd32(p + 28);
		switch (ph->p_type) {
		case PT_INTERP:
			/* load_elf_binary takes the first one; the name is read by exec */
			if (img->interp_len)
				break;
			if (ph->p_filesz < 2 || ph->p_filesz > ELF_INTERP_MAX)
				FAIL(-ENOEXEC, "interpreter name of %u bytes (2 to %u allowed)",
				     ph->p_filesz, ELF_INTERP_MAX);
			if ((uint64_t)ph->p_offset + ph->p_filesz > file_size)
				FAIL(-ENOEXEC, "interpreter name past the end of the file");
			img->interp_off = ph->p_offset;
			img->interp_len = ph->p_filesz;
			break;
		case PT_GNU_STACK:
			img->stack_exec = (ph->p_flags & ELF_PF_X) ? 1 : 0;
			break;
		case PT_LOAD:
			nload++;
			if (ph->p_filesz > ph->p_memsz)
				FAIL(-EINVAL, "segment %u: file size %#x exceeds memory size %#x", i,
				     ph->p_filesz, ph->p_memsz);
			if ((ph->p_vaddr ^ ph->p_offset) & 0xfff)
				FAIL(-EINVAL, "segment %u: address %#x and file offset %#x differ "
					      "modulo the page size",
				     i, ph->p_vaddr, ph->p_offset);
			if ((uint64_t)ph->p_vaddr + ph->p_memsz > task_size)
				FAIL(-EINVAL, "segment %u: [%#x, +%#x) reaches past the user address "
					      "space (TASK_SIZE %#x)",
				     i, ph->p_vaddr, ph->p_memsz, task_size);
			if ((uint64_t)ph->p_offset + ph->p_filesz > file_size)
				FAIL(-EINVAL, "segment %u: file bytes [%#x, +%#x) lie past the end of "
					      "the file (%llu bytes)",
				     i, ph->p_offset, ph->p_filesz, (unsigned long long)file_size);
			break;
		default:
			break;
		}
	}
	if (!nload)
		FAIL(-ENOEXEC, "no loadable segment (PT_LOAD)");
	/* total_mapping_size and maximum_alignment, for an ET_DYN image placed as a whole */
	uint64_t lo = ~0ull, hi = 0;
	for (unsigned i = 0; i < img->e_phnum; i++) {
		const struct elf32_phdr *ph = &img->ph[i];
		if (ph->p_type != PT_LOAD)
			continue;
		if ((ph->p_vaddr & ~0xfffu) < lo)
			lo = ph->p_vaddr & ~0xfffu;
		if ((uint64_t)ph->p_vaddr + ph->p_memsz > hi)
			hi = (uint64_t)ph->p_vaddr + ph->p_memsz;
		if (ph->p_align && !(ph->p_align & (ph->p_align - 1)) && ph->p_align > img->max_align)
			img->max_align = ph->p_align;
	}
	if (hi <= lo && img->e_type == ET_DYN)
		FAIL(-EINVAL, "the loadable segments cover no memory");
	img->total_size = hi > lo ? (uint32_t)(hi - lo) : 0;
	return 0;
}
