/* Bits into words for `vmlab translate`: what a student looks up in the SDM's tables. */
#include "cli/translate_print.h"
#include <string.h>

const struct bitname trp_cr0_bits[] = {{CR0_PE, "PE"}, {CR0_TS, "TS"}, {CR0_NE, "NE"},
				       {CR0_WP, "WP"}, {CR0_PG, "PG"}, {0, NULL}};
const struct bitname trp_cr4_bits[] = {{CR4_PSE, "PSE"}, {CR4_PAE, "PAE"}, {CR4_PGE, "PGE"},
				       {0, NULL}};
const struct bitname trp_efer_bits[] = {{EFER_NXE, "NXE"}, {0, NULL}};

static void names(char *buf, size_t n, uint64_t v, const struct bitname *b)
{
	size_t l = 0;
	buf[0] = 0;
	for (; b->name; b++)
		if (v & b->bit) {
			int w = snprintf(buf + l, n - l, "%s%s", l ? " " : "", b->name);
			if (w < 0 || (size_t)w >= n - l)
				return;
			l += (size_t)w;
		}
	if (!l)
		snprintf(buf, n, "-");
}

void trp_cr0(char *buf, size_t n, uint32_t v)
{
	names(buf, n, v, trp_cr0_bits);
}

void trp_cr4(char *buf, size_t n, uint32_t v)
{
	names(buf, n, v, trp_cr4_bits);
}

void trp_efer(char *buf, size_t n, uint64_t v)
{
	names(buf, n, v, trp_efer_bits);
}

void trp_desc_type(char *buf, size_t n, const struct seg_desc *d)
{
	if (!d->s) {
		static const char *const sys[16] = {"reserved",
						    "16-bit TSS (available)",
						    "LDT",
						    "16-bit TSS (busy)",
						    "16-bit call gate",
						    "task gate",
						    "16-bit interrupt gate",
						    "16-bit trap gate",
						    "reserved",
						    "32-bit TSS (available)",
						    "reserved",
						    "32-bit TSS (busy)",
						    "32-bit call gate",
						    "reserved",
						    "32-bit interrupt gate",
						    "32-bit trap gate"};
		snprintf(buf, n, "system: %s", sys[d->type & 15]);
		return;
	}
	if (d->type & SEG_TYPE_CODE)
		snprintf(buf, n, "code, %s, %s%s",
			 (d->type & SEG_TYPE_READABLE) ? "execute/read" : "execute-only",
			 (d->type & SEG_TYPE_CONFORM) ? "conforming" : "non-conforming",
			 (d->type & SEG_TYPE_ACCESSED) ? ", accessed" : "");
	else
		snprintf(buf, n, "data, %s, %s%s",
			 (d->type & SEG_TYPE_WRITABLE) ? "read/write" : "read-only",
			 (d->type & SEG_TYPE_EXPDOWN) ? "expand-down" : "expand-up",
			 (d->type & SEG_TYPE_ACCESSED) ? ", accessed" : "");
}

void trp_desc_fields(FILE *out, const char *indent, const struct seg_desc *d)
{
	char type[80];
	uint32_t eff = seg_desc_eff_limit(d);
	trp_desc_type(type, sizeof type, d);
	fprintf(out, "%sbase 0x%08x  limit 0x%05x  G %d (%s: byte limit 0x%08x)\n", indent, d->base,
		d->limit, d->g, d->g ? "4 KB units, limit*4096+0xfff" : "byte units", eff);
	fprintf(out, "%stype 0x%x S %d (%s)  D/B %d  DPL %d  P %d\n", indent, d->type, d->s, type,
		d->db, d->dpl, d->p);
}

void trp_entry_bits(char *buf, size_t n, uint64_t e, int level, enum paging_mode mode)
{
	if (!(e & PTE_P)) {
		snprintf(buf, n, "P=0 (not present)");
		return;
	}
	if (mode == PAGING_PAE && level == 3) {
		/* a PDPTE has only P, PWT and PCD */
		static const struct bitname b[] = {
		    {PTE_P, "P"}, {PTE_PWT, "PWT"}, {PTE_PCD, "PCD"}, {0, NULL}};
		names(buf, n, e, b);
		return;
	}
	/* bit 7 is PS in a PDE and PAT in a PTE */
	static const struct bitname pde[] = {{PTE_P, "P"},     {PTE_RW, "RW"},	 {PTE_US, "US"},
					     {PTE_PWT, "PWT"}, {PTE_PCD, "PCD"}, {PTE_A, "A"},
					     {PTE_D, "D"},     {PTE_PS, "PS"},	 {PTE_G, "G"},
					     {PTE_NX, "NX"},   {0, NULL}};
	static const struct bitname pte[] = {{PTE_P, "P"},     {PTE_RW, "RW"},	 {PTE_US, "US"},
					     {PTE_PWT, "PWT"}, {PTE_PCD, "PCD"}, {PTE_A, "A"},
					     {PTE_D, "D"},     {PTE_PAT, "PAT"}, {PTE_G, "G"},
					     {PTE_NX, "NX"},   {0, NULL}};
	names(buf, n, e, level == 1 ? pte : pde);
	size_t l = strlen(buf);
	if (!(e & PTE_RW) && l < n)
		snprintf(buf + l, n - l, " (read-only%s)", (e & PTE_US) ? "" : ", supervisor");
	else if (!(e & PTE_US) && l < n)
		snprintf(buf + l, n - l, " (supervisor)");
}

const char *trp_vector_name(unsigned vector)
{
	switch (vector) {
	case X86_DE: return "divide error";
	case X86_UD: return "invalid opcode";
	case X86_DF: return "double fault";
	case X86_TS: return "invalid TSS";
	case X86_NP: return "segment not present";
	case X86_SS: return "stack-segment fault";
	case X86_GP: return "general protection";
	case X86_PF: return "page fault";
	case X86_TLB_REFILL: return "TLB refill (software-refilled TLB)";
	default: return "exception";
	}
}

static const char *vector_mnemonic(unsigned vector)
{
	switch (vector) {
	case X86_TS: return "#TS";
	case X86_NP: return "#NP";
	case X86_SS: return "#SS";
	case X86_GP: return "#GP";
	case X86_PF: return "#PF";
	case X86_TLB_REFILL: return "TLB-refill";
	default: return "#?";
	}
}

void trp_exception(FILE *out, const char *indent, const struct x86_exception *ex)
{
	uint32_t ec = ex->error_code;
	if (ex->vector == X86_TLB_REFILL) {
		fprintf(out,
			"%sfault: TLB refill exception (not an x86 vector: the software-refilled "
			"TLB missed)\n",
			indent);
		fprintf(out, "%s  the kernel must load an entry for linear 0x%08x\n", indent,
			ex->cr2);
		return;
	}
	fprintf(out, "%sfault: %s (vector %u, %s)", indent, vector_mnemonic(ex->vector), ex->vector,
		trp_vector_name(ex->vector));
	if (!ex->has_error_code) {
		fprintf(out, ", no error code\n");
		return;
	}
	fprintf(out, ", error code 0x%04x\n", ec);
	if (ex->vector == X86_PF) {
		fprintf(out, "%s  P=%u (%s)  W/R=%u (%s)  U/S=%u (%s)  RSVD=%u%s  I/D=%u%s\n",
			indent, ec & PF_P ? 1 : 0,
			ec & PF_P ? "protection violation" : "page not present", ec & PF_W ? 1 : 0,
			ec & PF_W ? "write" : "read", ec & PF_U ? 1 : 0,
			ec & PF_U ? "user mode" : "supervisor mode", ec & PF_RSVD ? 1 : 0,
			ec & PF_RSVD ? " (reserved bit set in an entry)" : "", ec & PF_I ? 1 : 0,
			ec & PF_I ? " (instruction fetch)" : "");
		fprintf(out, "%s  CR2 = 0x%08x (the faulting linear address)\n", indent, ex->cr2);
	} else if (ec == 0) {
		fprintf(out,
			"%s  error code 0: the fault is about the segment's use, not about a "
			"selector\n",
			indent);
	} else {
		fprintf(out, "%s  selector index %u, TI=%u (%s), IDT=%u, EXT=%u\n", indent, ec >> 3,
			(ec >> 2) & 1, (ec >> 2) & 1 ? "LDT" : "GDT", (ec >> 1) & 1, ec & 1);
	}
}

const char *trp_size_name(uint64_t page_size)
{
	return page_size == (4u << 20) ? "4 MB" : page_size == (2u << 20) ? "2 MB" : "4 KB";
}
