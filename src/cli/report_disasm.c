/* The faulting instructions of the report, decoded by capstone (report.h). */
#include <capstone/capstone.h>

#include "cli/report.h"
#include "cli/report_svg.h"

#define BEFORE 4 /* instructions shown before the faulting one */
#define AFTER 2

static void row(FILE *f, const cs_insn *in, bool fault)
{
	fprintf(f, "<tr%s><td class=\"addr\">%08llx</td><td class=\"bytes\">",
		fault ? " class=\"fault\"" : "", (unsigned long long)in->address);
	for (uint16_t k = 0; k < in->size; k++)
		fprintf(f, "%s%02x", k ? " " : "", in->bytes[k]);
	fprintf(f, "</td><td class=\"insn\">");
	html_escape(f, in->mnemonic);
	if (in->op_str[0]) {
		fputc(' ', f);
		html_escape(f, in->op_str);
	}
	fprintf(f, "</td></tr>\n");
}

/* Decodes from start; the index of the instruction at eip, or -1 when none begins there. */
static int decode(csh h, const uint8_t *code, size_t n, uint32_t start, uint32_t eip, cs_insn **out,
		  size_t *count)
{
	*count = cs_disasm(h, code, n, start, 0, out);
	for (size_t i = 0; i < *count; i++)
		if ((*out)[i].address == eip)
			return (int)i;
	return -1;
}

int report_disasm_rows(FILE *f, const uint8_t *code, size_t n, uint32_t start, uint32_t eip,
		       bool exact)
{
	csh h;
	if (!n || eip < start || eip - start >= n ||
	    cs_open(CS_ARCH_X86, CS_MODE_32, &h) != CS_ERR_OK)
		return 0;
	cs_option(h, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT);
	cs_insn *in = NULL;
	size_t count = 0;
	int at = -1;
	/* exact: from start, else from eip itself (data in code); a guess: the first byte
	 * from which the decoding reaches eip (x86 code falls into step within a few
	 * instructions, so that is nearly always the real sequence) */
	for (uint32_t from = start; at < 0 && from <= eip;
	     from = exact && from < eip ? eip : from + 1) {
		if (in)
			cs_free(in, count);
		in = NULL;
		at = decode(h, code + (from - start), n - (from - start), from, eip, &in, &count);
	}
	int rows = 0;
	if (at >= 0) {
		size_t first = at > BEFORE ? (size_t)at - BEFORE : 0;
		size_t to = (size_t)at + AFTER + 1 < count ? (size_t)at + AFTER + 1 : count;
		for (size_t i = first; i < to; i++, rows++)
			row(f, &in[i], i == (size_t)at);
	}
	if (in)
		cs_free(in, count);
	cs_close(&h);
	return rows;
}
