/*
 * The stub's registers in gdb's i386 numbering, and the target description (target.xml)
 * that tells gdb that numbering: general registers, EFLAGS, segment selectors, the x87,
 * SSE, and Linux's orig_eax.
 */
#include "cli/gdbstub.h"

#include <stdlib.h>
#include <string.h>

/* ---- registers: gdb's i386 numbering (target.xml below) ---- */

enum {
	REG_EIP = 8,
	REG_EFLAGS = 9,
	REG_CS = 10,
	REG_ST0 = 16,
	REG_FCTRL = 24,
	REG_XMM0 = 32,
	REG_MXCSR = 40,
	REG_ORIG_EAX = 41,
	NREGS = 42
};

static const enum sreg seg_of_reg[6] = {SR_CS, SR_SS, SR_DS, SR_ES, SR_FS, SR_GS};

static unsigned reg_size(int r)
{
	return r >= REG_ST0 && r < REG_FCTRL ? 10 : r >= REG_XMM0 && r < REG_MXCSR ? 16 : 4;
}

/* Register r's bytes (little-endian) from the CPU and an FXSAVE image of it. */
static unsigned reg_get(struct machine *m, const uint8_t fx[512], int r, uint8_t *out)
{
	struct cpu *c = &m->cpu;
	uint32_t v = 0;
	if (r < 8)
		v = c->regs[r];
	else if (r == REG_EIP)
		v = c->eip;
	else if (r == REG_EFLAGS)
		v = cpu_get_eflags(c);
	else if (r < REG_ST0)
		v = m->mmu.seg.sr[seg_of_reg[r - REG_CS]].selector;
	else if (r < REG_FCTRL) {
		memcpy(out, fx + 32 + 16 * (r - REG_ST0), 10);
		return 10;
	} else if (r < REG_XMM0) {
		static const unsigned off[8] = {0, 2, 0, 12, 8, 20, 16, 6}; /* FXSAVE offsets */
		static const unsigned sz[8] = {2, 2, 0, 2, 4, 2, 4, 2};
		unsigned k = (unsigned)(r - REG_FCTRL);
		if (k == 2)
			v = c->fpu.tw; /* the full tag word, as gdb's ftag */
		else
			memcpy(&v, fx + off[k], sz[k]);
		if (k == 7)
			v &= 0x7ff;
	} else if (r < REG_MXCSR) {
		memcpy(out, fx + 160 + 16 * (r - REG_XMM0), 16);
		return 16;
	} else if (r == REG_MXCSR)
		v = c->sse.mxcsr;
	else
		v = 0xffffffffu; /* orig_eax: stopped outside a system call */
	memcpy(out, &v, 4);
	return 4;
}

/* Sets register r (size bytes at in); 0 or -1 when the value cannot be taken. */
static int reg_set(struct machine *m, int r, const uint8_t *in)
{
	struct cpu *c = &m->cpu;
	uint32_t v;
	if (r >= REG_ST0 && r < REG_MXCSR && r != REG_FCTRL && r != REG_FCTRL + 1) {
		/* x87 data and control-flow registers, XMM: through an FXSAVE image */
		uint8_t fx[512];
		memset(fx, 0, sizeof fx);
		cpu_fxsave_image(c, fx);
		if (r < REG_FCTRL)
			memcpy(fx + 32 + 16 * (r - REG_ST0), in, 10);
		else if (r >= REG_XMM0)
			memcpy(fx + 160 + 16 * (r - REG_XMM0), in, 16);
		else {
			static const unsigned off[8] = {0, 2, 4, 12, 8, 20, 16, 6};
			unsigned k = (unsigned)(r - REG_FCTRL);
			memcpy(&v, in, 4);
			if (k == 2) { /* full tag word -> FXSAVE's abridged one */
				uint8_t ab = 0;
				for (int i = 0; i < 8; i++)
					if (((v >> (2 * i)) & 3) != 3)
						ab |= (uint8_t)(1u << i);
				fx[4] = ab;
			} else
				memcpy(fx + off[k], &v, k == 4 || k == 6 ? 4 : 2);
		}
		return cpu_fxrstor_image(c, fx, false) ? -1 : 0;
	}
	memcpy(&v, in, 4);
	if (r < 8)
		c->regs[r] = v;
	else if (r == REG_EIP)
		c->eip = v;
	else if (r == REG_EFLAGS) {
		/* what ptrace lets a tracer change (Linux's FLAG_MASK, without RF) */
		uint32_t mask = EFL_CF | EFL_PF | EFL_AF | EFL_ZF | EFL_SF | EFL_TF | EFL_DF |
				EFL_OF | EFL_AC | (1u << 14);
		cpu_set_eflags(c, (cpu_get_eflags(c) & ~mask) | (v & mask));
	} else if (r < REG_ST0) {
		enum sreg sr = seg_of_reg[r - REG_CS];
		struct x86_exception ex;
		if (m->mmu.seg.sr[sr].selector == (uint16_t)v)
			return 0;
		if ((v & 3) != 3 || mmu_load_seg(&m->mmu, sr, (uint16_t)v, &ex))
			return -1; /* ptrace's putreg refuses what the CPU would not load */
	} else if (r == REG_FCTRL || r == REG_FCTRL + 1) {
		if (r == REG_FCTRL)
			c->fpu.cw = (uint16_t)v;
		else
			c->fpu.sw = (uint16_t)v;
	} else if (r == REG_MXCSR) {
		uint8_t fx[512];
		memset(fx, 0, sizeof fx);
		cpu_fxsave_image(c, fx);
		memcpy(fx + 24, &v, 4);
		return cpu_fxrstor_image(c, fx, false) ? -1 : 0;
	} else if (r == REG_ORIG_EAX)
		return v == 0xffffffffu ? 0 : -1;
	else
		return -1;
	return 0;
}

void gdbstub_read_regs(struct gdbstub *g)
{
	uint8_t fx[512], b[16];
	char hex[2 * 320 + 1];
	size_t o = 0;
	memset(fx, 0, sizeof fx);
	cpu_fxsave_image(&g->m->cpu, fx);
	for (int r = 0; r < NREGS; r++) {
		unsigned n = reg_get(g->m, fx, r, b);
		gdb_tohex(hex + o, b, n);
		o += 2 * n;
	}
	gdbstub_send(g, hex, o);
}

void gdbstub_write_regs(struct gdbstub *g, const char *hex)
{
	size_t len = strlen(hex), o = 0;
	for (int r = 0; r < NREGS && o < len; r++) {
		uint8_t b[16];
		unsigned n = reg_size(r);
		if (len - o < 2 * n || gdb_fromhex(b, n, hex + o, 2 * n) < 0) {
			gdbstub_send_str(g, "E01");
			return;
		}
		uint8_t cur[16];
		uint8_t fx[512];
		memset(fx, 0, sizeof fx);
		cpu_fxsave_image(&g->m->cpu, fx);
		reg_get(g->m, fx, r, cur);
		if (memcmp(cur, b, n) && reg_set(g->m, r, b)) {
			gdbstub_send_str(g, "E01");
			return;
		}
		o += 2 * n;
	}
	gdbstub_send_str(g, "OK");
}

void gdbstub_read_reg(struct gdbstub *g, const char *p)
{
	uint64_t r;
	if (gdb_parse_hex(&p, &r) || r >= NREGS) {
		gdbstub_send_str(g, "E01");
		return;
	}
	uint8_t fx[512], b[16];
	char hex[33];
	memset(fx, 0, sizeof fx);
	cpu_fxsave_image(&g->m->cpu, fx);
	unsigned n = reg_get(g->m, fx, (int)r, b);
	gdb_tohex(hex, b, n);
	gdbstub_send(g, hex, 2 * n);
}

void gdbstub_write_reg(struct gdbstub *g, const char *p)
{
	uint64_t r;
	uint8_t b[16];
	if (gdb_parse_hex(&p, &r) || r >= NREGS || *p++ != '=' ||
	    gdb_fromhex(b, reg_size((int)r), p, strlen(p)) != (long)reg_size((int)r) ||
	    reg_set(g->m, (int)r, b)) {
		gdbstub_send_str(g, "E01");
		return;
	}
	gdbstub_send_str(g, "OK");
}

/* ---- the target description ---- */

static const char target_xml[] =
    "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
    "<target version=\"1.0\">\n<architecture>i386</architecture>\n<osabi>GNU/Linux</osabi>\n"
    "<feature name=\"org.gnu.gdb.i386.core\">\n"
    "<flags id=\"i386_eflags\" size=\"4\">"
    "<field name=\"CF\" start=\"0\" end=\"0\"/><field name=\"\" start=\"1\" end=\"1\"/>"
    "<field name=\"PF\" start=\"2\" end=\"2\"/><field name=\"AF\" start=\"4\" end=\"4\"/>"
    "<field name=\"ZF\" start=\"6\" end=\"6\"/><field name=\"SF\" start=\"7\" end=\"7\"/>"
    "<field name=\"TF\" start=\"8\" end=\"8\"/><field name=\"IF\" start=\"9\" end=\"9\"/>"
    "<field name=\"DF\" start=\"10\" end=\"10\"/><field name=\"OF\" start=\"11\" end=\"11\"/>"
    "<field name=\"NT\" start=\"14\" end=\"14\"/><field name=\"RF\" start=\"16\" end=\"16\"/>"
    "<field name=\"VM\" start=\"17\" end=\"17\"/><field name=\"AC\" start=\"18\" end=\"18\"/>"
    "<field name=\"VIF\" start=\"19\" end=\"19\"/><field name=\"VIP\" start=\"20\" end=\"20\"/>"
    "<field name=\"ID\" start=\"21\" end=\"21\"/></flags>\n"
    "<reg name=\"eax\" bitsize=\"32\" type=\"int32\" regnum=\"0\"/>"
    "<reg name=\"ecx\" bitsize=\"32\" type=\"int32\"/>"
    "<reg name=\"edx\" bitsize=\"32\" type=\"int32\"/>"
    "<reg name=\"ebx\" bitsize=\"32\" type=\"int32\"/>"
    "<reg name=\"esp\" bitsize=\"32\" type=\"data_ptr\"/>"
    "<reg name=\"ebp\" bitsize=\"32\" type=\"data_ptr\"/>"
    "<reg name=\"esi\" bitsize=\"32\" type=\"int32\"/>"
    "<reg name=\"edi\" bitsize=\"32\" type=\"int32\"/>"
    "<reg name=\"eip\" bitsize=\"32\" type=\"code_ptr\"/>"
    "<reg name=\"eflags\" bitsize=\"32\" type=\"i386_eflags\"/>"
    "<reg name=\"cs\" bitsize=\"32\" type=\"int32\"/><reg name=\"ss\" bitsize=\"32\" "
    "type=\"int32\"/>"
    "<reg name=\"ds\" bitsize=\"32\" type=\"int32\"/><reg name=\"es\" bitsize=\"32\" "
    "type=\"int32\"/>"
    "<reg name=\"fs\" bitsize=\"32\" type=\"int32\"/><reg name=\"gs\" bitsize=\"32\" "
    "type=\"int32\"/>\n"
    "<reg name=\"st0\" bitsize=\"80\" type=\"i387_ext\"/><reg name=\"st1\" bitsize=\"80\" "
    "type=\"i387_ext\"/>"
    "<reg name=\"st2\" bitsize=\"80\" type=\"i387_ext\"/><reg name=\"st3\" bitsize=\"80\" "
    "type=\"i387_ext\"/>"
    "<reg name=\"st4\" bitsize=\"80\" type=\"i387_ext\"/><reg name=\"st5\" bitsize=\"80\" "
    "type=\"i387_ext\"/>"
    "<reg name=\"st6\" bitsize=\"80\" type=\"i387_ext\"/><reg name=\"st7\" bitsize=\"80\" "
    "type=\"i387_ext\"/>\n"
    "<reg name=\"fctrl\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
    "<reg name=\"fstat\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
    "<reg name=\"ftag\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
    "<reg name=\"fiseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
    "<reg name=\"fioff\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
    "<reg name=\"foseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
    "<reg name=\"fooff\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
    "<reg name=\"fop\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n</feature>\n"
    "<feature name=\"org.gnu.gdb.i386.sse\">\n"
    "<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>"
    "<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>"
    "<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>"
    "<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>"
    "<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>"
    "<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>"
    "<union id=\"vec128\"><field name=\"v4_float\" type=\"v4f\"/>"
    "<field name=\"v2_double\" type=\"v2d\"/><field name=\"v16_int8\" type=\"v16i8\"/>"
    "<field name=\"v8_int16\" type=\"v8i16\"/><field name=\"v4_int32\" type=\"v4i32\"/>"
    "<field name=\"v2_int64\" type=\"v2i64\"/><field name=\"uint128\" type=\"uint128\"/></union>\n"
    "<flags id=\"i386_mxcsr\" size=\"4\">"
    "<field name=\"IE\" start=\"0\" end=\"0\"/><field name=\"DE\" start=\"1\" end=\"1\"/>"
    "<field name=\"ZE\" start=\"2\" end=\"2\"/><field name=\"OE\" start=\"3\" end=\"3\"/>"
    "<field name=\"UE\" start=\"4\" end=\"4\"/><field name=\"PE\" start=\"5\" end=\"5\"/>"
    "<field name=\"DAZ\" start=\"6\" end=\"6\"/><field name=\"IM\" start=\"7\" end=\"7\"/>"
    "<field name=\"DM\" start=\"8\" end=\"8\"/><field name=\"ZM\" start=\"9\" end=\"9\"/>"
    "<field name=\"OM\" start=\"10\" end=\"10\"/><field name=\"UM\" start=\"11\" end=\"11\"/>"
    "<field name=\"PM\" start=\"12\" end=\"12\"/><field name=\"FZ\" start=\"15\" "
    "end=\"15\"/></flags>\n"
    "<reg name=\"xmm0\" bitsize=\"128\" type=\"vec128\" regnum=\"32\"/>"
    "<reg name=\"xmm1\" bitsize=\"128\" type=\"vec128\"/><reg name=\"xmm2\" bitsize=\"128\" "
    "type=\"vec128\"/>"
    "<reg name=\"xmm3\" bitsize=\"128\" type=\"vec128\"/><reg name=\"xmm4\" bitsize=\"128\" "
    "type=\"vec128\"/>"
    "<reg name=\"xmm5\" bitsize=\"128\" type=\"vec128\"/><reg name=\"xmm6\" bitsize=\"128\" "
    "type=\"vec128\"/>"
    "<reg name=\"xmm7\" bitsize=\"128\" type=\"vec128\"/>"
    "<reg name=\"mxcsr\" bitsize=\"32\" type=\"i386_mxcsr\" group=\"vector\"/>\n</feature>\n"
    "<feature name=\"org.gnu.gdb.i386.linux\">"
    "<reg name=\"orig_eax\" bitsize=\"32\" type=\"int\" regnum=\"41\"/></feature>\n"
    "</target>\n";

void gdbstub_xfer_features(struct gdbstub *g, const char *p)
{
	const char *name = "target.xml:";
	uint64_t off, len;
	if (strncmp(p, name, strlen(name))) {
		gdbstub_send_str(g, "E00");
		return;
	}
	p += strlen(name);
	if (!gdbstub_parse_addr_len(&p, &off, &len, ',') || *p) {
		gdbstub_send_str(g, "E01");
		return;
	}
	size_t total = sizeof target_xml - 1;
	if (off >= total) {
		gdbstub_send_str(g, "l");
		return;
	}
	if (len > GDB_PACKET_MAX / 2)
		len = GDB_PACKET_MAX / 2;
	size_t n = total - off < len ? total - off : len;
	char *buf = malloc(n + 1);
	if (!buf) {
		gdbstub_send_str(g, "E0c");
		return;
	}
	buf[0] = off + n < total ? 'm' : 'l';
	memcpy(buf + 1, target_xml + off, n);
	gdbstub_send(g, buf, n + 1);
	free(buf);
}
