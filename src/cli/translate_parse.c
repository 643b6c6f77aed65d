/* The machine-state file format of `vmlab translate` (docs/translate.md): one statement a line. */
#include "cli/translate.h"
#include "cli/translate_print.h"
#include "hw/seg.h"
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_TOKENS 32
#define MAX_LINE 1024

struct pctx {
	const char *file;
	int line;
	FILE *err;
	struct tr_state *st;
	char *tok[MAX_TOKENS];
	int ntok;
};

static int perr(struct pctx *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(struct pctx *p, const char *fmt, ...)
{
	va_list ap;
	fprintf(p->err, "%s:%d: ", p->file, p->line);
	va_start(ap, fmt);
	vfprintf(p->err, fmt, ap);
	va_end(ap);
	fputc('\n', p->err);
	return -1;
}

#define VEC_PUSH(vec, item)                                                                        \
	do {                                                                                       \
		if ((vec).n == (vec).cap) {                                                        \
			size_t ncap = (vec).cap ? (vec).cap * 2 : 8;                               \
			void *nv = realloc((vec).v, ncap * sizeof(*(vec).v));                      \
			if (!nv) {                                                                 \
				perror("vmlab translate");                                         \
				exit(1);                                                           \
			}                                                                          \
			(vec).v = nv;                                                              \
			(vec).cap = ncap;                                                          \
		}                                                                                  \
		(vec).v[(vec).n++] = (item);                                                       \
	} while (0)

const char *tr_sreg_name(enum sreg sr)
{
	static const char *const names[SR_COUNT] = {"es", "cs", "ss", "ds", "fs", "gs"};
	return (unsigned)sr < SR_COUNT ? names[sr] : "?";
}

const char *tr_acc_name(enum mmu_access acc)
{
	return acc == ACC_WRITE ? "write" : acc == ACC_FETCH ? "fetch" : "read";
}

static int sreg_parse(const char *s, enum sreg *sr)
{
	for (int i = 0; i < SR_COUNT; i++)
		if (!strcasecmp(s, tr_sreg_name((enum sreg)i))) {
			*sr = (enum sreg)i;
			return 0;
		}
	return -1;
}

/* A number: 0x hex or decimal; the whole string must be used; no sign. */
static int num_parse(const char *s, uint64_t *v)
{
	int base = 10;
	const char *d = s;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		d = s + 2;
	}
	if (!isxdigit((unsigned char)*d) || (base == 10 && !isdigit((unsigned char)*d)))
		return -1;
	errno = 0;
	char *end;
	unsigned long long x = strtoull(d, &end, base);
	if (errno || *end)
		return -1;
	*v = x;
	return 0;
}

static int num_arg(struct pctx *p, const char *what, const char *s, uint64_t max, uint64_t *v)
{
	if (num_parse(s, v))
		return perr(p, "%s: '%s' is not a number (write 0x... for hex, or decimal)", what,
			    s);
	if (*v > max)
		return perr(p, "%s: 0x%llx is too large (at most 0x%llx)", what,
			    (unsigned long long)*v, (unsigned long long)max);
	return 0;
}

/* Sizes: a number with an optional K, M or G suffix (binary units). */
static int size_parse(const char *s, uint64_t *v)
{
	char buf[64];
	size_t n = strlen(s);
	uint64_t mul = 1;
	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, s, n + 1);
	char c = (char)toupper((unsigned char)buf[n - 1]);
	if (c == 'K' || c == 'M' || c == 'G') {
		mul = c == 'K' ? 1ull << 10 : c == 'M' ? 1ull << 20 : 1ull << 30;
		buf[n - 1] = 0;
	}
	if (num_parse(buf, v) || *v > (UINT64_MAX / mul))
		return -1;
	*v *= mul;
	return 0;
}

/* Entry flags as input: PS and PAT both name bit 7 (docs/translate.md). */
static const struct bitname pte_flags[] = {{PTE_P, "P"},     {PTE_RW, "RW"},   {PTE_US, "US"},
					   {PTE_PWT, "PWT"}, {PTE_PCD, "PCD"}, {PTE_A, "A"},
					   {PTE_D, "D"},     {PTE_PS, "PS"},   {PTE_PAT, "PAT"},
					   {PTE_G, "G"},     {PTE_NX, "NX"},   {0, NULL}};

static int flag_lookup(const struct bitname *f, const char *s, uint64_t *bit)
{
	for (; f->name; f++)
		if (!strcasecmp(f->name, s)) {
			*bit = f->bit;
			return 0;
		}
	return -1;
}

static void flag_list(const struct bitname *f, char *buf, size_t n)
{
	buf[0] = 0;
	for (; f->name; f++) {
		size_t l = strlen(buf);
		snprintf(buf + l, n - l, "%s%s", l ? " " : "", f->name);
	}
}

/* tok[from..]: numbers and flag names, ORed together. */
static int value_flags(struct pctx *p, const char *what, int from, const struct bitname *flags,
		       uint64_t max, uint64_t *out)
{
	uint64_t v = 0, x;
	if (from >= p->ntok)
		return perr(p, "%s: missing value", what);
	for (int i = from; i < p->ntok; i++) {
		if (!num_parse(p->tok[i], &x)) {
			if (x > max)
				return perr(p, "%s: 0x%llx is too large (at most 0x%llx)", what,
					    (unsigned long long)x, (unsigned long long)max);
			v |= x;
		} else if (flags && !flag_lookup(flags, p->tok[i], &x)) {
			v |= x;
		} else {
			char names[128] = "";
			if (flags)
				flag_list(flags, names, sizeof names);
			return perr(p, "%s: '%s' is neither a number nor a flag%s%s%s", what,
				    p->tok[i], flags ? " (flags: " : "", flags ? names : "",
				    flags ? ")" : "");
		}
	}
	if (v > max)
		return perr(p, "%s: value 0x%llx is too large", what, (unsigned long long)v);
	*out = v;
	return 0;
}

static int expect_eq(struct pctx *p, int i, const char *form)
{
	if (i >= p->ntok || strcmp(p->tok[i], "="))
		return perr(p, "expected '=' here: %s", form);
	return 0;
}

static int nargs(struct pctx *p, int min, int max, const char *form)
{
	if (p->ntok < min)
		return perr(p, "too few words: %s", form);
	if (max >= 0 && p->ntok > max)
		return perr(p, "unexpected '%s': %s", p->tok[max], form);
	return 0;
}

/* Address forms: A, A+OFF, TABLE[INDEX]. */
static int addr_parse(struct pctx *p, const char *s, struct tr_mem *m)
{
	char buf[128];
	size_t n = strlen(s);
	if (n >= sizeof buf)
		return perr(p, "address '%s' is too long", s);
	memcpy(buf, s, n + 1);
	char *br = strchr(buf, '['), *plus = strchr(buf, '+');
	m->index = 0;
	m->indexed = false;
	if (br) {
		if (n < 4 || buf[n - 1] != ']')
			return perr(p, "address '%s': write TABLE[INDEX], e.g. 0x1000[0x300]", s);
		*br = 0;
		buf[n - 1] = 0;
		if (num_parse(buf, &m->base) || num_parse(br + 1, &m->index))
			return perr(p, "address '%s': table and index must be numbers", s);
		m->indexed = true;
	} else if (plus) {
		*plus = 0;
		if (num_parse(buf, &m->base) || num_parse(plus + 1, &m->index))
			return perr(p, "address '%s': write BASE+OFFSET with numbers", s);
	} else if (num_parse(buf, &m->base)) {
		return perr(p, "address '%s' is not a number, BASE+OFFSET or TABLE[INDEX]", s);
	}
	if (m->base > (1ull << 52) || m->index > (1ull << 32))
		return perr(p, "address '%s' is out of range", s);
	return 0;
}

static int st_mem(struct pctx *p, enum tr_mem_kind kind)
{
	static const char *const forms[] = {
	    "mem32 ADDR = VALUE", "mem64 ADDR = VALUE", "pdpte TABLE[INDEX] = VALUE [FLAGS]",
	    "pde TABLE[INDEX] = VALUE [FLAGS]", "pte TABLE[INDEX] = VALUE [FLAGS]"};
	struct tr_mem m = {.kind = kind, .line = p->line};
	if (nargs(p, 4, kind <= TR_MEM64 ? 4 : -1, forms[kind]) || addr_parse(p, p->tok[1], &m) ||
	    expect_eq(p, 2, forms[kind]))
		return -1;
	if (kind > TR_MEM64 && !m.indexed)
		return perr(p, "%s: write the entry as TABLE[INDEX], e.g. 0x1000[0x300]",
			    p->tok[0]);
	if (kind > TR_MEM64 && m.index >= 1024)
		return perr(p, "%s: index 0x%llx is past the end of a table", p->tok[0],
			    (unsigned long long)m.index);
	if (value_flags(p, p->tok[0], 3, kind > TR_MEM64 ? pte_flags : NULL,
			kind == TR_MEM32 ? 0xffffffffull : UINT64_MAX, &m.value))
		return -1;
	VEC_PUSH(p->st->mem, m);
	return 0;
}

struct type_name {
	const char *name;
	uint8_t type;
	bool s;
};

/* Short names for descriptor types, as a student reads them in the SDM's table 3-1/3-2. */
static const struct type_name type_names[] = {
    {"ro", 0x0, true},	 {"rw", 0x2, true},   {"ro-down", 0x4, true}, {"rw-down", 0x6, true},
    {"x", 0x8, true},	 {"xr", 0xa, true},   {"xc", 0xc, true},      {"xrc", 0xe, true},
    {"ldt", 0x2, false}, {"tss", 0x9, false}, {NULL, 0, false}};

/* `gdt N = RAW` or `gdt N field=value ...`. */
static int st_desc(struct pctx *p, bool ldt)
{
	const char *form =
	    ldt ? "ldt INDEX = 0xRAW8BYTES  or  ldt INDEX base=.. limit=.. type=.. dpl=.. ..."
		: "gdt INDEX = 0xRAW8BYTES  or  gdt INDEX base=.. limit=.. type=.. dpl=.. ...";
	struct tr_desc d = {.line = p->line};
	uint64_t idx;
	if (nargs(p, 3, -1, form) || num_arg(p, "descriptor index", p->tok[1], 8191, &idx))
		return -1;
	d.index = (unsigned)idx;
	if (!strcmp(p->tok[2], "=")) {
		if (nargs(p, 4, 4, form) || num_arg(p, "descriptor", p->tok[3], UINT64_MAX, &d.raw))
			return -1;
	} else {
		struct seg_desc sd = {.p = true, .s = true};
		for (int i = 2; i < p->ntok; i++) {
			char *eq = strchr(p->tok[i], '=');
			uint64_t v;
			if (!eq || eq == p->tok[i])
				return perr(p, "'%s' is not a field=value pair: %s", p->tok[i],
					    form);
			*eq = 0;
			const char *k = p->tok[i], *val = eq + 1;
			if (!strcasecmp(k, "type")) {
				const struct type_name *t;
				for (t = type_names; t->name; t++)
					if (!strcasecmp(t->name, val))
						break;
				if (t->name) {
					sd.type = t->type;
					sd.s = t->s;
					continue;
				}
				if (num_arg(p, "type", val, 15, &v))
					return -1;
				sd.type = (uint8_t)v;
				continue;
			}
			struct {
				const char *name;
				uint64_t max;
			} const fields[] = {{"base", 0xffffffff},
					    {"limit", 0xfffff},
					    {"dpl", 3},
					    {"s", 1},
					    {"p", 1},
					    {"g", 1},
					    {"db", 1},
					    {"l", 1},
					    {"avl", 1}};
			size_t f;
			for (f = 0; f < sizeof fields / sizeof fields[0]; f++)
				if (!strcasecmp(k, fields[f].name))
					break;
			if (f == sizeof fields / sizeof fields[0])
				return perr(
				    p,
				    "unknown descriptor field '%s' (fields: base limit type "
				    "dpl s p g db l avl)",
				    k);
			if (num_arg(p, fields[f].name, val, fields[f].max, &v))
				return -1;
			switch (f) {
			case 0: sd.base = (uint32_t)v; break;
			case 1: sd.limit = (uint32_t)v; break;
			case 2: sd.dpl = (uint8_t)v; break;
			case 3: sd.s = v; break;
			case 4: sd.p = v; break;
			case 5: sd.g = v; break;
			case 6: sd.db = v; break;
			case 7: sd.l = v; break;
			default: sd.avl = v; break;
			}
		}
		d.raw = seg_desc_encode(&sd);
	}
	if (ldt)
		VEC_PUSH(p->st->ldt, d);
	else
		VEC_PUSH(p->st->gdt, d);
	return 0;
}

static int st_tlb(struct pctx *p)
{
	const char *form = "tlb ENTRIESxWAYS [lru|fifo|random] [seed=N] [itlb=GEOM] [l2=GEOM] "
			   "[asid] [refill=hw|sw]";
	struct tlb_config *c = &p->st->tlbcfg;
	if (nargs(p, 2, -1, form))
		return -1;
	if (p->st->tlb_set)
		return perr(p, "the TLB is already described on line %d", p->st->tlb_line);
	tlb_config_default(c);
	c->enabled = true;
	if (tlb_geometry_parse(p->tok[1], &c->l1))
		return perr(p,
			    "TLB geometry '%s': write ENTRIESxWAYS (e.g. 64x4, 16x1) or ENTRIES "
			    "(fully associative)",
			    p->tok[1]);
	for (int i = 2; i < p->ntok; i++) {
		char *t = p->tok[i];
		uint64_t v;
		if (!tlb_policy_parse(t, &c->policy))
			continue;
		if (!strcasecmp(t, "asid")) {
			c->asid = true;
		} else if (!strncasecmp(t, "seed=", 5)) {
			if (num_arg(p, "seed", t + 5, UINT64_MAX, &v))
				return -1;
			c->seed = v;
		} else if (!strncasecmp(t, "itlb=", 5)) {
			if (tlb_geometry_parse(t + 5, &c->l1i))
				return perr(p, "I-TLB geometry '%s' is not ENTRIESxWAYS", t + 5);
			c->split = true;
		} else if (!strncasecmp(t, "l2=", 3)) {
			if (tlb_geometry_parse(t + 3, &c->l2))
				return perr(p, "L2 TLB geometry '%s' is not ENTRIESxWAYS", t + 3);
		} else if (!strcasecmp(t, "refill=hw")) {
			c->refill = TLB_REFILL_HW;
		} else if (!strcasecmp(t, "refill=sw")) {
			c->refill = TLB_REFILL_SW;
		} else {
			return perr(p, "unknown TLB option '%s': %s", t, form);
		}
	}
	p->st->tlb_set = true;
	p->st->tlb_line = p->line;
	return 0;
}

static int st_tlb_entry(struct pctx *p)
{
	const char *form = "tlb-entry LINEAR = FRAME [4k|2m|4m] [rw] [us] [nx] [g] [d] "
			   "[itlb|l2] [asid=N]";
	struct tr_tlbent t = {.line = p->line, .which = TR_TLB_D};
	uint64_t lin, frame, v;
	if (nargs(p, 4, -1, form) || num_arg(p, "linear address", p->tok[1], 0xffffffff, &lin) ||
	    expect_eq(p, 2, form) || num_arg(p, "frame", p->tok[3], (1ull << 52) - 1, &frame))
		return -1;
	t.e.page_shift = 12;
	t.e.valid = true;
	for (int i = 4; i < p->ntok; i++) {
		char *s = p->tok[i];
		if (!strcasecmp(s, "4k"))
			t.e.page_shift = 12;
		else if (!strcasecmp(s, "2m"))
			t.e.page_shift = 21;
		else if (!strcasecmp(s, "4m"))
			t.e.page_shift = 22;
		else if (!strcasecmp(s, "rw"))
			t.e.writable = true;
		else if (!strcasecmp(s, "us"))
			t.e.user = true;
		else if (!strcasecmp(s, "nx"))
			t.e.nx = true;
		else if (!strcasecmp(s, "g"))
			t.e.global = true;
		else if (!strcasecmp(s, "d"))
			t.e.dirty = true;
		else if (!strcasecmp(s, "itlb"))
			t.which = TR_TLB_I;
		else if (!strcasecmp(s, "l2"))
			t.which = TR_TLB_L2;
		else if (!strncasecmp(s, "asid=", 5)) {
			if (num_arg(p, "asid", s + 5, 0xffff, &v))
				return -1;
			t.e.asid = (uint16_t)v;
		} else
			return perr(p, "unknown TLB-entry attribute '%s': %s", s, form);
	}
	uint64_t mask = (1ull << t.e.page_shift) - 1;
	if (frame & mask)
		return perr(p, "frame 0x%llx is not aligned to its %s page",
			    (unsigned long long)frame,
			    t.e.page_shift == 12   ? "4 KB"
			    : t.e.page_shift == 21 ? "2 MB"
						   : "4 MB");
	t.lin = (uint32_t)lin;
	t.e.vpn = (uint32_t)(lin >> t.e.page_shift);
	t.e.frame = frame;
	VEC_PUSH(p->st->tlbents, t);
	return 0;
}

static int st_translate(struct pctx *p)
{
	const char *form =
	    "translate SEG:OFFSET|linear ADDR read|write|fetch [user|kernel] [size=N]";
	struct tr_request r = {.line = p->line, .user = -1, .size = 1};
	uint64_t v;
	int i = 2;
	if (nargs(p, 3, -1, form))
		return -1;
	if (!strcasecmp(p->tok[1], "linear")) {
		if (nargs(p, 4, -1, form) ||
		    num_arg(p, "linear address", p->tok[2], 0xffffffff, &v))
			return -1;
		r.linear = true;
		r.offset = (uint32_t)v;
		i = 3;
	} else {
		char *colon = strchr(p->tok[1], ':');
		if (!colon)
			return perr(p, "'%s' is not SEG:OFFSET (e.g. ds:0x1000) nor 'linear ADDR'",
				    p->tok[1]);
		*colon = 0;
		if (sreg_parse(p->tok[1], &r.sr))
			return perr(p, "'%s' is not a segment register (cs ds es fs gs ss)",
				    p->tok[1]);
		if (num_arg(p, "offset", colon + 1, 0xffffffff, &v))
			return -1;
		r.offset = (uint32_t)v;
	}
	if (!strcasecmp(p->tok[i], "read"))
		r.acc = ACC_READ;
	else if (!strcasecmp(p->tok[i], "write"))
		r.acc = ACC_WRITE;
	else if (!strcasecmp(p->tok[i], "fetch"))
		r.acc = ACC_FETCH;
	else
		return perr(p, "access '%s' is not read, write or fetch", p->tok[i]);
	if (!r.linear && r.acc == ACC_FETCH && r.sr != SR_CS)
		return perr(p, "instruction fetches go through cs, not %s", tr_sreg_name(r.sr));
	for (i++; i < p->ntok; i++) {
		if (!strcasecmp(p->tok[i], "user"))
			r.user = 1;
		else if (!strcasecmp(p->tok[i], "kernel") || !strcasecmp(p->tok[i], "supervisor"))
			r.user = 0;
		else if (!strncasecmp(p->tok[i], "size=", 5)) {
			if (num_arg(p, "size", p->tok[i] + 5, 16, &v))
				return -1;
			if (v == 0)
				return perr(p, "size must be 1 to 16 bytes");
			r.size = (unsigned)v;
		} else
			return perr(p, "unexpected '%s': %s", p->tok[i], form);
	}
	VEC_PUSH(p->st->req, r);
	return 0;
}

static int st_cr(struct pctx *p, int which)
{
	struct tr_state *st = p->st;
	uint64_t v;
	switch (which) {
	case 0:
		if (value_flags(p, "cr0", 1, trp_cr0_bits, 0xffffffff, &v))
			return -1;
		st->cr0 = (uint32_t)v;
		st->cr0_set = true;
		break;
	case 3:
		if (nargs(p, 2, 2, "cr3 VALUE") || num_arg(p, "cr3", p->tok[1], 0xffffffff, &v))
			return -1;
		st->cr3 = (uint32_t)v;
		st->cr3_set = true;
		break;
	case 4:
		if (value_flags(p, "cr4", 1, trp_cr4_bits, 0xffffffff, &v))
			return -1;
		st->cr4 = (uint32_t)v;
		st->cr4_set = true;
		break;
	default:
		if (value_flags(p, "efer", 1, trp_efer_bits, UINT64_MAX, &v))
			return -1;
		st->efer = v;
		st->efer_set = true;
		break;
	}
	st->cr_line = p->line;
	return 0;
}

/* `NAME = VALUE` or `NAME VALUE`: the index of the value word, or -1 for any other shape. */
static int assigned_value(const struct pctx *p)
{
	int vi = (p->ntok == 3 && !strcmp(p->tok[1], "=")) ? 2 : 1;
	return p->ntok == vi + 1 ? vi : -1;
}

static int statement(struct pctx *p)
{
	struct tr_state *st = p->st;
	const char *k = p->tok[0];
	uint64_t v;
	enum sreg sr;

	/* `ds = 0x23` and `ds 0x23` */
	if (!sreg_parse(k, &sr)) {
		int vi = assigned_value(p);
		if (vi < 0)
			return perr(p, "write '%s = SELECTOR'", k);
		if (num_arg(p, "selector", p->tok[vi], 0xffff, &v))
			return -1;
		st->sreg[sr] = (uint16_t)v;
		st->sreg_set[sr] = true;
		st->sreg_line[sr] = p->line;
		return 0;
	}
	if (!strcasecmp(k, "paging")) {
		if (nargs(p, 2, 2, "paging none|2level|pae"))
			return -1;
		if (!strcasecmp(p->tok[1], "none"))
			st->paging = PAGING_NONE;
		else if (!strcasecmp(p->tok[1], "2level") || !strcasecmp(p->tok[1], "32bit"))
			st->paging = PAGING_2LEVEL;
		else if (!strcasecmp(p->tok[1], "pae"))
			st->paging = PAGING_PAE;
		else
			return perr(p, "paging mode '%s' is not none, 2level or pae", p->tok[1]);
		st->paging_set = true;
		st->paging_line = p->line;
		return 0;
	}
	if (!strcasecmp(k, "ram")) {
		if (nargs(p, 2, 2, "ram SIZE (e.g. 64M)"))
			return -1;
		if (size_parse(p->tok[1], &v))
			return perr(p, "RAM size '%s' is not a size like 16M, 512M, 4G", p->tok[1]);
		if (v < PHYSMEM_MIN_RAM || v > physmem_max_ram(true))
			return perr(p, "RAM size '%s' is outside %lluM..%lluM", p->tok[1],
				    (unsigned long long)(PHYSMEM_MIN_RAM >> 20),
				    (unsigned long long)(physmem_max_ram(true) >> 20));
		st->ram = v;
		return 0;
	}
	if (!strcasecmp(k, "maxphyaddr")) {
		if (nargs(p, 2, 2, "maxphyaddr BITS") ||
		    num_arg(p, "maxphyaddr", p->tok[1], 52, &v))
			return -1;
		if (v < 32)
			return perr(p, "maxphyaddr must be 32 to 52 bits");
		st->maxphyaddr = (unsigned)v;
		return 0;
	}
	if (!strcasecmp(k, "cr0"))
		return st_cr(p, 0);
	if (!strcasecmp(k, "cr3"))
		return st_cr(p, 3);
	if (!strcasecmp(k, "cr4"))
		return st_cr(p, 4);
	if (!strcasecmp(k, "efer"))
		return st_cr(p, 8);
	if (!strcasecmp(k, "cpl")) {
		if (nargs(p, 2, 2, "cpl 0..3") || num_arg(p, "cpl", p->tok[1], 3, &v))
			return -1;
		st->cpl = (unsigned)v;
		st->cpl_set = true;
		return 0;
	}
	if (!strcasecmp(k, "gdtr")) {
		const char *form = "gdtr base=ADDR limit=BYTES";
		bool hb = false, hl = false;
		if (nargs(p, 3, 3, form))
			return -1;
		for (int i = 1; i < 3; i++) {
			if (!strncasecmp(p->tok[i], "base=", 5)) {
				if (num_arg(p, "gdtr base", p->tok[i] + 5, 0xffffffff, &v))
					return -1;
				st->gdtr_base = (uint32_t)v;
				hb = true;
			} else if (!strncasecmp(p->tok[i], "limit=", 6)) {
				if (num_arg(p, "gdtr limit", p->tok[i] + 6, 0xffff, &v))
					return -1;
				st->gdtr_limit = (uint16_t)v;
				hl = true;
			}
		}
		if (!hb || !hl)
			return perr(p, "write %s", form);
		st->gdtr_set = true;
		st->gdtr_line = p->line;
		return 0;
	}
	if (!strcasecmp(k, "ldtr")) {
		int vi = assigned_value(p);
		if (vi < 0)
			return perr(p,
				    "write 'ldtr SELECTOR' (a GDT selector of an LDT descriptor)");
		if (num_arg(p, "ldtr", p->tok[vi], 0xffff, &v))
			return -1;
		st->ldtr = (uint16_t)v;
		st->ldtr_set = true;
		st->ldtr_line = p->line;
		return 0;
	}
	if (!strcasecmp(k, "gdt"))
		return st_desc(p, false);
	if (!strcasecmp(k, "ldt"))
		return st_desc(p, true);
	if (!strcasecmp(k, "mem32"))
		return st_mem(p, TR_MEM32);
	if (!strcasecmp(k, "mem64"))
		return st_mem(p, TR_MEM64);
	if (!strcasecmp(k, "pdpte"))
		return st_mem(p, TR_PDPTE);
	if (!strcasecmp(k, "pde"))
		return st_mem(p, TR_PDE);
	if (!strcasecmp(k, "pte"))
		return st_mem(p, TR_PTE);
	if (!strcasecmp(k, "tlb"))
		return st_tlb(p);
	if (!strcasecmp(k, "tlb-entry"))
		return st_tlb_entry(p);
	if (!strcasecmp(k, "translate"))
		return st_translate(p);
	return perr(p, "unknown statement '%s' (see 'vmlab translate --help')", k);
}

/* Splits a line into whitespace-separated words after dropping a '#' comment. */
static int tokenize(struct pctx *p, char *s)
{
	p->ntok = 0;
	char *hash = strchr(s, '#');
	if (hash)
		*hash = 0;
	for (char *c = s; *c; c++)
		if (!isprint((unsigned char)*c) && !isspace((unsigned char)*c))
			return perr(p, "unexpected control character (byte 0x%02x)",
				    (unsigned char)*c);
	char *save = NULL;
	for (char *t = strtok_r(s, " \t\r\n\v\f", &save); t;
	     t = strtok_r(NULL, " \t\r\n\v\f", &save)) {
		if (p->ntok == MAX_TOKENS)
			return perr(p, "too many words on one line (at most %d)", MAX_TOKENS);
		p->tok[p->ntok++] = t;
	}
	return 0;
}

void tr_state_free(struct tr_state *st)
{
	free(st->file);
	free(st->gdt.v);
	free(st->ldt.v);
	free(st->mem.v);
	free(st->tlbents.v);
	free(st->req.v);
	memset(st, 0, sizeof *st);
}

int tr_parse(const char *file, const char *text, struct tr_state *st, FILE *err)
{
	struct pctx p = {.file = file, .err = err, .st = st};
	memset(st, 0, sizeof *st);
	st->file = strdup(file);
	st->ram = 64ull << 20;
	st->maxphyaddr = 36;
	if (!st->file) {
		perror("vmlab translate");
		exit(1);
	}
	const char *c = text;
	char buf[MAX_LINE + 2];
	while (*c) {
		const char *nl = strchr(c, '\n');
		size_t n = nl ? (size_t)(nl - c) : strlen(c);
		p.line++;
		if (n > MAX_LINE)
			return perr(&p, "line longer than %d characters", MAX_LINE);
		memcpy(buf, c, n);
		buf[n] = 0;
		c += n + (nl ? 1 : 0);
		if (tokenize(&p, buf))
			return -1;
		if (p.ntok && statement(&p))
			return -1;
	}
	if (st->req.n == 0) {
		fprintf(err, "%s: no 'translate' line: nothing to do\n", file);
		return -1;
	}
	return 0;
}
