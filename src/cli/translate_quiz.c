/*
 * `vmlab translate --quiz SEED`: a random exercise written in the state-file format, so the
 * answers are exactly `vmlab translate` of the printed text. The generator only decides what
 * the tables contain and which addresses to ask about; it never computes an answer.
 */
#include "cli/translate.h"
#include "hw/seg.h"
#include <string.h>

/* splitmix64: small, seedable, the same on every host */
struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned below(struct rng *r, unsigned n)
{
	return (unsigned)(rnd(r) % n);
}

static bool chance(struct rng *r, unsigned percent)
{
	return below(r, 100) < percent;
}

/* A 4 KB page the quiz maps (or leaves unmapped), for picking questions. */
struct qpage {
	uint32_t lin;
	bool present;
};

static void entry_flags(FILE *out, uint64_t e, bool pae)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} names[] = {{PTE_P, "P"}, {PTE_RW, "RW"}, {PTE_US, "US"}, {PTE_A, "A"},
		     {PTE_D, "D"}, {PTE_PS, "PS"}, {PTE_G, "G"},   {PTE_NX, "NX"}};
	uint64_t frame = e & (pae ? 0x000ffffffffff000ull : 0xfffff000ull);
	if (pae)
		fprintf(out, "0x%09llx", (unsigned long long)frame);
	else
		fprintf(out, "0x%08llx", (unsigned long long)frame);
	for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
		if (e & names[i].bit)
			fprintf(out, " %s", names[i].name);
}

/* Rights for a user 4 KB page: mostly usable, sometimes read-only or kernel-only. */
static uint64_t random_rights(struct rng *r, bool pae, bool nx_ok)
{
	uint64_t e = PTE_P | PTE_US | PTE_RW;
	unsigned k = below(r, 10);
	if (k < 3)
		e &= ~PTE_RW;
	else if (k < 5)
		e &= ~PTE_US;
	if (nx_ok && chance(r, 30))
		e |= PTE_NX;
	/* now and then a reserved bit: XD without EFER.NXE, or an address bit at or above
	 * MAXPHYADDR (36) */
	if (pae && chance(r, 8))
		e |= nx_ok ? 1ull << (36 + below(r, 8)) : PTE_NX;
	if (chance(r, 40))
		e |= PTE_A;
	return e;
}

static const struct {
	const char *name;
	unsigned bit;
} topic_names[] = {{"pages", TRQ_PAGES},   {"large", TRQ_LARGE},   {"unmapped", TRQ_UNMAPPED},
		   {"limits", TRQ_LIMITS}, {"kernel", TRQ_KERNEL}, {"tlb", TRQ_TLB},
		   {"all", TRQ_ALL}};

int tr_quiz_topics_parse(const char *s, unsigned *topics, const char **bad)
{
	*topics = 0;
	while (*s) {
		size_t n = strcspn(s, ",");
		bool found = false;
		for (size_t i = 0; i < sizeof topic_names / sizeof topic_names[0]; i++)
			if (strlen(topic_names[i].name) == n &&
			    !strncmp(s, topic_names[i].name, n)) {
				*topics |= topic_names[i].bit;
				found = true;
			}
		if (!found) {
			*bad = s;
			return -1;
		}
		s += n + (s[n] == ',');
	}
	return *topics ? 0 : -1;
}

/* The topic of a question kind (the draw below: 0-4 pages, 5 large, 6 unmapped, 7-8
 * limits, 9 kernel, 10 tlb). */
static unsigned kind_topic(unsigned kind)
{
	static const unsigned t[] = {TRQ_PAGES,	 TRQ_PAGES,  TRQ_PAGES,	   TRQ_PAGES,
				     TRQ_PAGES,	 TRQ_LARGE,  TRQ_UNMAPPED, TRQ_LIMITS,
				     TRQ_LIMITS, TRQ_KERNEL, TRQ_TLB};
	return t[kind];
}

void tr_quiz(uint64_t seed, FILE *out)
{
	struct tr_quiz_opts o = {.seed = seed, .paging = -1, .tlb = -1};
	tr_quiz_ex(&o, out);
}

/* Every draw is made whatever the options say, so that an option changes only what it
 * names: the same seed with --tlb=on is the same exercise plus a TLB. */
void tr_quiz_ex(const struct tr_quiz_opts *o, FILE *out)
{
	uint64_t seed = o->seed;
	struct rng r = {seed * 0x2545f4914f6cdd1dull + 0x1234567};
	bool pae = chance(&r, 50);
	bool wp = chance(&r, 70);
	bool nxe = pae && chance(&r, 60);
	bool tlb = chance(&r, 50);
	if (o->paging >= 0) {
		pae = o->paging == 1;
		nxe = pae && nxe;
	}
	if (o->tlb >= 0)
		tlb = o->tlb == 1;
	bool segs = !o->no_segments;
	unsigned topics = o->topics ? o->topics : TRQ_ALL & ~TRQ_TLB;
	if (!segs)
		topics &= ~TRQ_LIMITS;
	if (!tlb)
		topics &= ~TRQ_TLB;
	if (!topics)
		topics = TRQ_PAGES;
	const struct qpage *tlb_page = NULL;
	struct qpage pages[16];
	unsigned npages = 0;

	fprintf(out, "# vmlab translate quiz, seed %llu.\n", (unsigned long long)seed);
	if (segs)
		fprintf(
		    out,
		    "# For each 'translate' line: selector -> descriptor -> linear address ->\n");
	else
		fprintf(out, "# For each 'translate' line: linear address ->\n");
	fprintf(out, "# %s -> physical address, or the fault with its error code.\n",
		pae ? "PDPTE -> PDE -> PTE" : "PDE -> PTE");
	fprintf(out, "# Check: vmlab translate --quiz %llu%s%s%s", (unsigned long long)seed,
		o->paging >= 0 ? (pae ? " --paging=pae" : " --paging=2level") : "",
		o->no_segments ? " --segments=off" : "",
		o->tlb >= 0 ? (tlb ? " --tlb=on" : " --tlb=off") : "");
	if (o->questions)
		fprintf(out, " --questions=%u", o->questions);
	for (size_t i = 0, first = 1;
	     o->topics && i + 1 < sizeof topic_names / sizeof topic_names[0]; i++)
		if (o->topics & topic_names[i].bit) {
			fprintf(out, "%s%s", first ? " --topics=" : ",", topic_names[i].name);
			first = 0;
		}
	fprintf(out, " --answers\n");
	fprintf(out, "paging %s\nram 64M\n", pae ? "pae" : "2level");
	fprintf(out, "cr0 PE PG%s\n", wp ? " WP" : "");
	fprintf(out, "cr4 %s\n", pae ? "PAE" : "PSE");
	if (nxe)
		fprintf(out, "efer NXE\n");

	/* tables in low memory, one frame each, in a shuffled order */
	uint32_t frames[8];
	for (unsigned i = 0; i < 8; i++)
		frames[i] = (1 + i) << 12;
	for (unsigned i = 7; i > 0; i--) {
		unsigned j = below(&r, i + 1);
		uint32_t t = frames[i];
		frames[i] = frames[j];
		frames[j] = t;
	}
	unsigned fi = 0;
	uint32_t cr3 = frames[fi++];
	uint32_t pd[4] = {0, 0, 0, 0}; /* per PDPT slot (2-level: pd[0]) */
	fprintf(out, "cr3 0x%08x\n\n", cr3);

	/* the kernel half: one large page at 0xC0000000 holding the GDT */
	uint32_t klin = 0xC0000000u;
	uint32_t kframe = pae ? (2u + below(&r, 8)) << 21 : (1u + below(&r, 4)) << 22;
	if (pae) {
		pd[3] = frames[fi++];
		fprintf(out, "pdpte 0x%08x[3] = 0x%08x P\n", cr3, pd[3]);
	} else {
		pd[0] = cr3;
	}
	unsigned kslot = pae ? 3 : 0;
	unsigned kidx = pae ? (klin >> 21) & 0x1ff : klin >> 22;
	uint64_t kpde =
	    kframe | PTE_P | PTE_RW | PTE_PS | PTE_A | PTE_D | (chance(&r, 30) ? PTE_US : 0);
	fprintf(out, "pde 0x%08x[0x%03x] = ", pd[kslot], kidx);
	entry_flags(out, kpde, pae);
	fprintf(out, "                # kernel, %s page\n", pae ? "2 MB" : "4 MB");

	/* the user half: two page tables near the program's usual address */
	uint32_t ubase = 0x08000000u + (below(&r, 16) << 22);
	for (unsigned t = 0; t < 2; t++) {
		uint32_t tlin = ubase + t * (pae ? (1u << 21) : (1u << 22));
		unsigned slot = pae ? tlin >> 30 : 0;
		if (pae && !pd[slot]) {
			pd[slot] = frames[fi++];
			fprintf(out, "pdpte 0x%08x[%u] = 0x%08x P\n", cr3, slot, pd[slot]);
		}
		uint32_t pt = frames[fi++];
		unsigned didx = pae ? (tlin >> 21) & 0x1ff : tlin >> 22;
		uint64_t pde = pt | PTE_P | PTE_RW | PTE_US | PTE_A;
		if (t == 1 && chance(&r, 35))
			pde &= ~PTE_RW; /* a read-only directory entry overrides RW PTEs */
		fprintf(out, "pde 0x%08x[0x%03x] = ", pd[slot], didx);
		entry_flags(out, pde, pae);
		fputc('\n', out);
		unsigned n = 3 + below(&r, 2);
		unsigned idx = below(&r, 64);
		for (unsigned k = 0; k < n; k++, idx += 1 + below(&r, 3)) {
			uint32_t lin = tlin + (idx << 12);
			bool present = k != 1 || chance(&r, 30);
			uint64_t e = 0;
			if (present)
				e = ((0x1000u + below(&r, 0x3000)) << 12) |
				    random_rights(&r, pae, nxe);
			fprintf(out, "pte 0x%08x[0x%03x] = ", pt, idx);
			entry_flags(out, e, pae);
			fprintf(out, "\n");
			pages[npages++] = (struct qpage){lin, present};
		}
	}

	/* segments: flat Linux-style ones, a small data segment, an expand-down one */
	uint32_t gdt = klin + 0x1000u * (1 + below(&r, 15));
	uint32_t sbase = pages[below(&r, npages)].lin & ~0xfffu;
	uint32_t slimit = 0x7ff + below(&r, 4) * 0x800;
	uint32_t dlimit = 0xfff + below(&r, 4) * 0x1000;
	bool user = chance(&r, 80);
	if (segs) {
		fprintf(out, "\ngdtr base=0x%08x limit=0x3f\n", gdt);
		fprintf(out, "gdt 1 = 0x00cf9b000000ffff     # kernel code\n");
		fprintf(out, "gdt 2 = 0x00cf93000000ffff     # kernel data\n");
		fprintf(out, "gdt 3 = 0x00cffb000000ffff     # user code\n");
		fprintf(out, "gdt 4 = 0x00cff3000000ffff     # user data\n");
		fprintf(out, "gdt 5 base=0x%08x limit=0x%05x type=0x3 dpl=3 g=0 db=1\n", sbase,
			slimit);
		fprintf(out, "gdt 6 base=0x%08x limit=0x%05x type=0x7 dpl=3 g=0 db=0\n",
			sbase - 0x10000u, dlimit);
		fprintf(out,
			"cpl %u\ncs = 0x%02x\nss = 0x%02x\nds = 0x%02x\nes = 0x2b\nfs = 0x33\n",
			user ? 3 : 0, user ? 0x1b : 0x08, user ? 0x23 : 0x10, user ? 0x23 : 0x10);
	} else {
		fprintf(out,
			"\n# segmentation is left out: every address below is linear\ncpl %u\n",
			user ? 3 : 0);
	}

	if (tlb) {
		const struct qpage *p = &pages[below(&r, npages)];
		tlb_page = p;
		fprintf(out,
			"\n# what the TLB holds may disagree with the tables (a stale entry)\n");
		fprintf(out, "tlb %s lru\n", chance(&r, 50) ? "8x2" : "4");
		if (p->present)
			fprintf(out, "tlb-entry 0x%08x = 0x%08x rw us\n", p->lin & ~0xfffu,
				(0x1000u + below(&r, 0x3000)) << 12);
	}

	/* questions */
	fprintf(out, "\n");
	static const char *const accs[] = {"read", "write", "fetch"};
	unsigned nq = 6 + below(&r, 3);
	if (o->questions)
		nq = o->questions;
	/* "ds:" with segments, "linear" (in the CPL's mode) without */
	const char *ds = segs ? "ds:" : "linear ", *cs = segs ? "cs:" : "linear ";
	for (unsigned q = 0; q < nq; q++) {
		unsigned kind = below(&r, 10);
		/* topics chosen: draw again (from all kinds, tlb included) until one fits */
		for (unsigned tries = 0; (o->topics || topics != (TRQ_ALL & ~TRQ_TLB)) &&
					 !(kind_topic(kind) & topics) && tries < 200;
		     tries++)
			kind = below(&r, 11);
		if (!(kind_topic(kind) & topics))
			kind = 0;
		const struct qpage *p = &pages[below(&r, npages)];
		uint32_t off = below(&r, 0x1000);
		if (kind == 10 && tlb_page) {
			unsigned a = below(&r, 2);
			fprintf(out, "translate %s0x%08x %s\n", ds, tlb_page->lin + off, accs[a]);
		} else if (kind < 5 || kind == 10) {
			unsigned a = below(&r, 3);
			fprintf(out, "translate %s0x%08x %s\n", a == 2 ? cs : ds, p->lin + off,
				accs[a]);
		} else if (kind == 5) {
			fprintf(out, "translate %s0x%08x %s\n", ds, klin + (below(&r, 0x1000) << 8),
				chance(&r, 50) ? "read" : "write");
		} else if (kind == 6) {
			/* a directory entry nobody filled in */
			fprintf(out, "translate %s0x%08x read\n", ds,
				0x40000000u + (below(&r, 64) << 22) + off);
		} else if (kind == 7) {
			uint32_t of =
			    chance(&r, 60) ? below(&r, slimit + 1) : slimit + 1 + below(&r, 64);
			fprintf(out, "translate es:0x%08x %s\n", of,
				chance(&r, 50) ? "read" : "write");
		} else if (kind == 8) {
			uint32_t of = chance(&r, 60) ? dlimit + 1 + below(&r, 0xffff - dlimit)
						     : below(&r, dlimit + 1);
			fprintf(out, "translate fs:0x%08x read\n", of);
		} else {
			fprintf(out, "translate linear 0x%08x %s kernel\n", p->lin + off,
				chance(&r, 50) ? "read" : "write");
		}
	}
}
