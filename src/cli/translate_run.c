/*
 * Walks each requested address through the built machine and explains it. Every verdict printed (limit check, walk, rights, TLB hit or miss, fault and error code)
 * comes from the model's own functions; this file only explains what they did.
 */
#include "cli/translate_machine.h"
#include "cli/translate_print.h"
#include <stdlib.h>
#include <string.h>

static void tlb_geom(char *buf, size_t n, const struct tlb_geometry *g)
{
	if (g->ways == 1)
		snprintf(buf, n, "%u entries, direct-mapped", g->entries);
	else if (g->ways == g->entries)
		snprintf(buf, n, "%u entries, fully associative", g->entries);
	else
		snprintf(buf, n, "%u entries, %u sets x %u ways", g->entries, g->entries / g->ways,
			 g->ways);
}

static void print_header(struct machine *mc, const struct tr_state *st, FILE *out)
{
	const struct paging_regs *r = &mc->m.regs;
	char a[96], b[96], c[96];
	trp_cr0(a, sizeof a, r->cr0);
	trp_cr4(b, sizeof b, r->cr4);
	trp_efer(c, sizeof c, r->efer);
	fprintf(out, "machine\n");
	fprintf(
	    out, "  paging %s; CR0 0x%08x (%s), CR3 0x%08x, CR4 0x%08x (%s), EFER 0x%llx (%s)\n",
	    tr_mode_name(mc->mode), r->cr0, a, r->cr3, r->cr4, b, (unsigned long long)r->efer, c);
	fprintf(out, "  RAM %llu MB, MAXPHYADDR %u; CPL %u\n", (unsigned long long)(st->ram >> 20),
		st->maxphyaddr, mc->m.cpl);
	if (st->tlb_set) {
		const struct tlb_config *t = &mc->m.tlbcfg;
		static const char *const pol[] = {"LRU", "FIFO", "random"};
		tlb_geom(a, sizeof a, &t->l1);
		fprintf(out, "  TLB: %s %s, %s replacement%s%s", t->split ? "D-TLB" : "unified", a,
			pol[t->policy], t->asid ? ", ASID-tagged" : "",
			t->refill == TLB_REFILL_SW ? ", software-refilled" : "");
		if (t->split) {
			tlb_geom(a, sizeof a, &t->l1i);
			fprintf(out, "; I-TLB %s", a);
		}
		if (t->l2.entries) {
			tlb_geom(a, sizeof a, &t->l2);
			fprintf(out, "; L2 %s", a);
		}
		fprintf(out, "; %zu entries preloaded\n", st->tlbents.n);
	}
	if (st->gdtr_set)
		fprintf(out, "  GDTR base 0x%08x limit 0x%04x", mc->m.seg.gdtr_base,
			mc->m.seg.gdtr_limit);
	if (st->ldtr_set)
		fprintf(out, "; LDTR 0x%04x -> LDT base 0x%08x limit 0x%x", mc->m.seg.ldtr,
			mc->m.seg.ldtr_base, mc->m.seg.ldtr_limit);
	if (st->gdtr_set)
		fputc('\n', out);
	static const enum sreg order[] = {SR_CS, SR_SS, SR_DS, SR_ES, SR_FS, SR_GS};
	for (unsigned i = 0; i < SR_COUNT; i++) {
		enum sreg sr = order[i];
		if (!mc->loaded[sr])
			continue;
		uint16_t sel = st->sreg[sr];
		fprintf(out, "  load %s = 0x%04x (index %u, TI %u, RPL %u): ", tr_sreg_name(sr),
			sel, SEL_INDEX(sel), SEL_TI(sel), SEL_RPL(sel));
		if (mc->load_rc[sr]) {
			fprintf(out, "refused\n");
			trp_exception(out, "    ", &mc->load_ex[sr]);
		} else if (!mc->m.seg.sr[sr].usable) {
			fprintf(out, "null selector (any access through %s raises #GP(0))\n",
				tr_sreg_name(sr));
		} else {
			const struct seg_cache *c = &mc->m.seg.sr[sr];
			fprintf(out, "base 0x%08x, byte limit 0x%08x\n", c->d.base, c->eff_limit);
		}
	}
	if (mc->setup_ad)
		fprintf(
		    out,
		    "  (the loads read the descriptors and set their Accessed bits through paging, "
		    "as the CPU does: the entries mapping the GDT/LDT now have A/D set)\n");
}

/* What the TLBs and the walker did during one mmu_translate. */
struct snap {
	struct tlb_stats l1, l2;
	uint64_t walks;
};

static void take_snap(struct machine *mc, struct tlb *l1, struct snap *s)
{
	memset(s, 0, sizeof *s);
	if (l1)
		s->l1 = *tlb_get_stats(l1);
	if (mc->m.l2tlb)
		s->l2 = *tlb_get_stats(mc->m.l2tlb);
	s->walks = mc->ctr.v[CTR_page_walks];
}

/* The entry the model would match, without counting or touching LRU state. */
static const struct tlb_entry *tlb_find(struct tlb *t, uint32_t lin, uint16_t asid)
{
	return t ? tlb_peek(t, lin, asid) : NULL;
}

static void print_tlb_entry(FILE *out, const struct tlb_entry *e)
{
	fprintf(out, "page 0x%08x (%s) -> frame 0x%08llx, RW=%d US=%d NX=%d D=%d G=%d",
		(uint32_t)((uint64_t)e->vpn << e->page_shift), trp_size_name(1ull << e->page_shift),
		(unsigned long long)e->frame, e->writable, e->user, e->nx, e->dirty, e->global);
}

static const char *level_name(int level)
{
	return level == 3 ? "PDPTE" : level == 2 ? "PDE" : "PTE";
}

static bool step_is_large(const struct paging_regs *r, enum paging_mode mode,
			  const struct walk_step *s)
{
	if (s->level != 2 || !(s->entry & PTE_P) || !(s->entry & PTE_PS))
		return false;
	return mode == PAGING_PAE || (r->cr4 & CR4_PSE);
}

static void print_split(FILE *out, enum paging_mode mode, uint32_t lin)
{
	if (mode == PAGING_PAE)
		fprintf(
		    out,
		    "    linear 0x%08x: PDPT index %u (bits 31-30), directory index 0x%03x (bits "
		    "29-21), table index 0x%03x (bits 20-12), offset 0x%03x (bits 11-0)\n",
		    lin, lin >> 30, (lin >> 21) & 0x1ff, (lin >> 12) & 0x1ff, lin & 0xfff);
	else
		fprintf(
		    out,
		    "    linear 0x%08x: directory index 0x%03x (bits 31-22), table index 0x%03x "
		    "(bits 21-12), offset 0x%03x (bits 11-0)\n",
		    lin, lin >> 22, (lin >> 12) & 0x3ff, lin & 0xfff);
}

static void print_walk(FILE *out, const struct paging_regs *r, enum paging_mode mode,
		       const struct walk_result *wr)
{
	bool pae = mode == PAGING_PAE;
	unsigned esize = pae ? 8 : 4;
	for (unsigned i = 0; i < wr->nsteps; i++) {
		const struct walk_step *s = &wr->steps[i];
		char bits[128];
		trp_entry_bits(bits, sizeof bits, s->entry, s->level, mode);
		if (i == 0)
			fprintf(out,
				"    %-5s CR3 0x%08x -> table 0x%08llx + 0x%03x*%u = 0x%08llx: ",
				level_name(s->level), r->cr3, (unsigned long long)s->table,
				s->index, esize, (unsigned long long)s->addr);
		else
			fprintf(out, "    %-5s table 0x%08llx + 0x%03x*%u = 0x%08llx: ",
				level_name(s->level), (unsigned long long)s->table, s->index, esize,
				(unsigned long long)s->addr);
		if (pae)
			fprintf(out, "0x%016llx  %s\n", (unsigned long long)s->entry, bits);
		else
			fprintf(out, "0x%08llx  %s\n", (unsigned long long)s->entry, bits);
		if (!(s->entry & PTE_P))
			continue;
		uint64_t addr = pae ? s->entry & 0x000ffffffffff000ull : s->entry & 0xfffff000ull;
		if (step_is_large(r, mode, s)) {
			uint64_t frame = i + 1 == wr->nsteps && wr->page_size > PAGE_SIZE
					     ? wr->frame
					     : addr & ~((uint64_t)(pae ? 0x1fffff : 0x3fffff));
			fprintf(out, "          PS=1: a %s page, frame 0x%08llx\n",
				pae ? "2 MB" : "4 MB", (unsigned long long)frame);
		} else if (s->level == 1) {
			fprintf(out, "          a 4 KB page, frame 0x%08llx\n",
				(unsigned long long)addr);
		} else {
			if (s->level == 2 && (s->entry & PTE_PS))
				fprintf(out, "          PS=1 is ignored: CR4.PSE is clear\n");
			fprintf(out, "          next table at 0x%08llx\n",
				i + 1 < wr->nsteps ? (unsigned long long)wr->steps[i + 1].table
						   : (unsigned long long)addr);
		}
	}
}

/* Names the reserved bits of the last entry read (SDM vol. 3, tables 4-5 and 4-8 to 4-11),
 * to explain a #PF with RSVD=1 that the walker reported. */
static void print_rsvd(FILE *out, const struct paging_regs *r, enum paging_mode mode,
		       const struct walk_result *wr)
{
	const struct walk_step *s = &wr->steps[wr->nsteps ? wr->nsteps - 1 : 0];
	unsigned m = r->maxphyaddr ? r->maxphyaddr : 36;
	uint64_t e = wr->nsteps ? s->entry : 0;
	uint64_t mask = paging_rsvd_bits(r, s->level, e);
	bool pae = mode == PAGING_PAE;
	fprintf(out, "    reserved bits set in the %s 0x%llx:", level_name(s->level),
		(unsigned long long)e);
	for (int b = 63; b >= 0; b--) {
		if (!(e & mask & (1ull << b)))
			continue;
		const char *why =
		    b == 63 ? (s->level == 3 ? "XD, which a PDPTE lacks" : "XD while EFER.NXE=0")
		    : pae && b >= (int)m ? "at or above MAXPHYADDR"
		    : s->level == 3	 ? "reserved in a PDPTE"
		    : pae		 ? "bits 20-13 of a 2 MB PDE"
					 : "between the PSE-36 address bits and bit 22";
		fprintf(out, " bit %d (%s)", b, why);
	}
	fprintf(out, "; MAXPHYADDR %u\n", m);
}

/* Why the walker refused, from the combined rights it reported. */
static void print_rights(FILE *out, const struct paging_regs *r, enum paging_mode mode,
			 const struct walk_result *wr, enum mmu_access acc, bool user, int rc,
			 const struct x86_exception *ex)
{
	if (rc && (ex->vector != X86_PF || !(ex->error_code & PF_P)))
		return;
	if (rc && (ex->error_code & PF_RSVD)) {
		print_rsvd(out, r, mode, wr);
		return;
	}
	fprintf(out, "    rights (AND of every level): R/W=%d U/S=%d", wr->writable, wr->user);
	if (r->cr4 & CR4_PAE)
		fprintf(out, " NX=%d%s", wr->nx, (r->efer & EFER_NXE) ? "" : " (EFER.NXE=0)");
	fprintf(out, "; CR0.WP=%d; %s %s: ", (r->cr0 & CR0_WP) ? 1 : 0,
		user ? "user" : "supervisor", tr_acc_name(acc));
	if (!rc) {
		fprintf(out, "allowed\n");
		return;
	}
	if (user && !wr->user)
		fprintf(out, "refused, a user access to a supervisor page\n");
	else if (acc == ACC_WRITE && !wr->writable)
		fprintf(out, "refused, a write to a read-only page%s\n",
			user ? "" : " (supervisor writes obey R/W because CR0.WP=1)");
	else if (acc == ACC_FETCH && wr->nx)
		fprintf(out, "refused, an instruction fetch from a no-execute page\n");
	else
		fprintf(out, "refused\n");
}

/* Reports A/D bits the model's walk wrote, by comparing the entries before and after. */
static void print_ad(FILE *out, struct machine *mc, const struct walk_result *wr)
{
	unsigned esize = mc->mode == PAGING_PAE ? 8 : 4;
	for (unsigned i = 0; i < wr->nsteps; i++) {
		const struct walk_step *s = &wr->steps[i];
		uint64_t now = physmem_read(&mc->pm, s->addr, esize);
		if (now == s->entry)
			continue;
		uint64_t set = now & ~s->entry;
		fprintf(out, "    the walk set %s%s%s in the %s at 0x%08llx: now 0x%0*llx\n",
			(set & PTE_A) ? "A" : "", (set & PTE_A) && (set & PTE_D) ? " and " : "",
			(set & PTE_D) ? "D" : "", level_name(s->level), (unsigned long long)s->addr,
			(int)esize * 2, (unsigned long long)now);
	}
}

/* One page of an access: TLB, walk, rights, physical address or #PF. */
static int translate_page(FILE *out, struct machine *mc, uint32_t lin, enum mmu_access acc,
			  bool user, phys_addr_t *pa, struct x86_exception *ex)
{
	struct tlb *l1 = acc == ACC_FETCH ? mc->m.itlb : mc->m.dtlb;
	struct walk_result wr;
	struct x86_exception wex;
	struct snap before, after;
	bool tlb_on = mc->m.tlbcfg.enabled && l1;

	if (mc->mode != PAGING_NONE)
		print_split(out, mc->mode, lin);
	/* the entries as they are before the access, for the explanation */
	int wrc = paging_walk(&mc->pm, &mc->m.regs, lin, acc, user, false, &wr, &wex);
	uint16_t asid = mc->m.tlbcfg.asid ? mc->m.asid : 0;
	struct tlb_entry pre1 = {0}, pre2 = {0};
	if (tlb_on) {
		const struct tlb_entry *e = tlb_find(l1, lin, asid);
		if (e)
			pre1 = *e;
		e = tlb_find(mc->m.l2tlb, lin, asid);
		if (e)
			pre2 = *e;
	}
	take_snap(mc, l1, &before);
	int rc = mmu_translate(&mc->m, lin, acc, user, pa, ex);
	take_snap(mc, l1, &after);
	bool walked = after.walks > before.walks;
	bool hit = false;

	if (tlb_on) {
		const char *name =
		    mc->m.tlbcfg.split ? (acc == ACC_FETCH ? "I-TLB" : "D-TLB") : "TLB";
		bool h1 = after.l1.hits > before.l1.hits, m1 = after.l1.misses > before.l1.misses;
		bool h2 = after.l2.hits > before.l2.hits;
		hit = h1 || h2;
		fprintf(out, "    %s lookup of page 0x%05x: ", name, lin >> PAGE_SHIFT);
		if (h1) {
			fprintf(out, "hit, entry ");
			print_tlb_entry(out, &pre1);
		} else if (m1 && h2) {
			fprintf(out, "miss; L2 TLB: hit, entry ");
			print_tlb_entry(out, &pre2);
			fprintf(out, " (copied into the L1 TLB)");
		} else if (m1) {
			fprintf(out, "miss%s", mc->m.l2tlb ? "; L2 TLB: miss" : "");
		} else {
			fprintf(out, "not looked up");
		}
		fputc('\n', out);
		if (hit && walked && acc == ACC_WRITE)
			fprintf(out,
				"    a write through a clean entry (D=0): the MMU walks the tables "
				"to set D\n");
		else if (hit && rc && ex->vector == X86_PF)
			fprintf(out,
				"    the cached rights forbid this access: #PF from the TLB entry, "
				"without a walk; the entry is invalidated\n");
		else if (!hit && rc && ex->vector == X86_TLB_REFILL)
			fprintf(out, "    software-refilled TLB: no hardware walk\n");
	}
	if (mc->mode == PAGING_NONE) {
		if (!rc)
			fprintf(out, "    paging is off: physical = linear = 0x%08llx\n",
				(unsigned long long)*pa);
		return rc;
	}
	if (walked || !tlb_on) {
		print_walk(out, &mc->m.regs, mc->mode, &wr);
		print_rights(out, &mc->m.regs, mc->mode, &wr, acc, user, wrc, &wex);
		if (wrc != rc || (!rc && wr.pa != *pa))
			fprintf(out,
				"    note: the MMU's answer differs from the walk of the tables "
				"as they stand (a stale TLB entry?)\n");
	}
	if (rc)
		return rc;
	if (walked || !tlb_on) {
		unsigned obits = wr.page_size == (4u << 20)   ? 22
				 : wr.page_size == (2u << 20) ? 21
							      : 12;
		fprintf(out, "    physical = frame 0x%08llx + offset 0x%x (bits %u-0) = 0x%08llx\n",
			(unsigned long long)wr.frame, lin & (wr.page_size - 1), obits - 1,
			(unsigned long long)*pa);
		print_ad(out, mc, &wr);
		if (tlb_on) {
			const struct tlb_entry *e = tlb_find(l1, lin, asid);
			if (e) {
				fprintf(out, "    TLB now holds ");
				print_tlb_entry(out, e);
				fputc('\n', out);
			}
		}
	} else {
		const struct tlb_entry *e = tlb_find(l1, lin, asid);
		if (!e)
			e = tlb_find(mc->m.l2tlb, lin, asid);
		uint32_t mask = e ? (1u << e->page_shift) - 1 : PAGE_SIZE - 1;
		fprintf(out,
			"    physical = frame 0x%08llx (from the TLB, no walk) + offset 0x%x = "
			"0x%08llx\n",
			(unsigned long long)(*pa - (lin & mask)), lin & mask,
			(unsigned long long)*pa);
		if (wrc == 0 && wr.pa != *pa)
			fprintf(
			    out,
			    "    note: the page tables now map this address to 0x%08llx: the TLB "
			    "entry is stale (the kernel changed the tables without INVLPG)\n",
			    (unsigned long long)wr.pa);
		else if (wrc != 0)
			fprintf(out,
				"    note: a walk of the tables now would fault: the TLB entry is "
				"stale (the kernel changed the tables without INVLPG)\n");
	}
	return 0;
}

/* Segmentation: selector, descriptor, checks, linear address (seg_check decides). */
static int translate_seg(FILE *out, struct machine *mc, const struct tr_state *st,
			 const struct tr_request *rq, uint32_t *lin, struct x86_exception *ex)
{
	const struct seg_cache *c = &mc->m.seg.sr[rq->sr];
	uint16_t sel = c->selector;
	uint32_t last = rq->offset + rq->size - 1;
	fprintf(out, "  segmentation\n");
	bool reset = !st->sreg_set[rq->sr];
	if (reset)
		fprintf(out,
			"    %s was not loaded by the file: its descriptor cache holds the "
			"model's reset state\n",
			tr_sreg_name(rq->sr));
	else
		fprintf(out, "    %s = 0x%04x: index %u, TI %u (%s), RPL %u\n",
			tr_sreg_name(rq->sr), sel, SEL_INDEX(sel), SEL_TI(sel),
			SEL_TI(sel) ? "LDT" : "GDT", SEL_RPL(sel));
	if (c->usable) {
		uint32_t tbase = SEL_TI(sel) ? mc->m.seg.ldtr_base : mc->m.seg.gdtr_base;
		if (!reset)
			fprintf(out,
				"    descriptor at %s base 0x%08x + %u*8 = 0x%08x: 0x%016llx "
				"(cached in "
				"%s)\n",
				SEL_TI(sel) ? "LDT" : "GDT", tbase, SEL_INDEX(sel),
				tbase + SEL_INDEX(sel) * 8u,
				(unsigned long long)seg_desc_encode(&c->d), tr_sreg_name(rq->sr));
		trp_desc_fields(out, "      ", &c->d);
		if (seg_is_expand_down(&c->d))
			fprintf(out, "    valid offsets (expand-down, B=%d): 0x%08x..0x%08x\n",
				c->d.db, c->eff_limit + 1, c->d.db ? 0xffffffffu : 0xffffu);
		else
			fprintf(out, "    valid offsets: 0x00000000..0x%08x\n", c->eff_limit);
		fprintf(out, "    access: %s of %u byte%s at offsets 0x%08x..0x%08x\n",
			tr_acc_name(rq->acc), rq->size, rq->size == 1 ? "" : "s", rq->offset, last);
	} else {
		fprintf(out, "    a null selector: the register holds no usable segment\n");
	}
	if (seg_check(c, rq->sr, rq->offset, rq->size, rq->acc, lin, ex)) {
		if (!c->usable)
			fprintf(out, "    refused: access through a null segment register\n");
		else if (!seg_rights_ok(&c->d, rq->acc))
			fprintf(out, "    refused: the segment type does not allow a %s\n",
				tr_acc_name(rq->acc));
		else
			fprintf(out, "    refused: offsets outside the segment limit\n");
		return -1;
	}
	fprintf(out, "    limit and type checks pass\n");
	fprintf(out, "    linear = base 0x%08x + offset 0x%08x = 0x%08x\n", c->d.base, rq->offset,
		*lin);
	return 0;
}

static void translate_one(FILE *out, struct machine *mc, const struct tr_state *st,
			  const struct tr_request *rq)
{
	struct x86_exception ex = {0};
	uint32_t lin = rq->offset;
	bool user = rq->user >= 0 ? rq->user : mc->m.cpl == 3;
	phys_addr_t pa[2] = {0, 0};
	fprintf(out, "\n");
	if (rq->linear)
		fprintf(out, "translate linear 0x%08x %s, %s mode", rq->offset,
			tr_acc_name(rq->acc), user ? "user" : "supervisor");
	else
		fprintf(out, "translate %s:0x%08x %s, %s mode (CPL %u)", tr_sreg_name(rq->sr),
			rq->offset, tr_acc_name(rq->acc), user ? "user" : "supervisor", mc->m.cpl);
	if (rq->size > 1)
		fprintf(out, ", %u bytes", rq->size);
	fprintf(out, "   [line %d]\n", rq->line);
	if (!rq->linear && translate_seg(out, mc, st, rq, &lin, &ex)) {
		trp_exception(out, "  ", &ex);
		fprintf(out, "  => %s\n", ex.vector == X86_SS ? "#SS" : "#GP");
		return;
	}
	uint32_t last = lin + rq->size - 1;
	unsigned npages = (last >> PAGE_SHIFT) != (lin >> PAGE_SHIFT) ? 2 : 1;
	for (unsigned p = 0; p < npages; p++) {
		uint32_t a = p ? last & PAGE_MASK : lin;
		if (mc->mode != PAGING_NONE || mc->m.tlbcfg.enabled)
			fprintf(out, "  paging%s\n",
				npages == 2 ? (p ? " (second page)" : " (first page)") : "");
		if (translate_page(out, mc, a, rq->acc, user, &pa[p], &ex)) {
			trp_exception(out, "  ", &ex);
			if (ex.vector == X86_PF)
				fprintf(out, "  => #PF, error code 0x%x, CR2 0x%08x\n",
					ex.error_code, ex.cr2);
			else if (ex.vector == X86_TLB_REFILL)
				fprintf(out, "  => TLB refill exception, linear 0x%08x\n", ex.cr2);
			else
				fprintf(out, "  => exception %u (%s)\n", ex.vector,
					trp_vector_name(ex.vector));
			return;
		}
	}
	if (npages == 2)
		fprintf(out, "  => physical 0x%llx..0x%llx and 0x%llx..0x%llx\n",
			(unsigned long long)pa[0], (unsigned long long)(pa[0] | (PAGE_SIZE - 1)),
			(unsigned long long)pa[1],
			(unsigned long long)(pa[1] + (last & (PAGE_SIZE - 1))));
	else
		fprintf(out, "  => physical 0x%08llx\n", (unsigned long long)pa[0]);
}

int trp_walk_live(FILE *out, struct mmu *m, uint32_t lin, enum mmu_access acc, bool user)
{
	enum paging_mode mode = paging_mode_of(&m->regs);
	struct walk_result wr;
	struct x86_exception wex;
	fprintf(out, "translate linear 0x%08x %s, %s mode (live, nothing changed)\n", lin,
		tr_acc_name(acc), user ? "user" : "supervisor");
	uint16_t asid = m->tlbcfg.asid ? m->asid : 0;
	struct tlb *l1 = acc == ACC_FETCH ? m->itlb : m->dtlb;
	if (m->tlbcfg.enabled && l1) {
		const struct tlb_entry *e = tlb_find(l1, lin, asid);
		const char *name = m->tlbcfg.split ? (acc == ACC_FETCH ? "I-TLB" : "D-TLB") : "TLB";
		fprintf(out, "    %s holds ", name);
		if (e)
			print_tlb_entry(out, e);
		else
			fprintf(out, "no entry for page 0x%05x: the access would walk", lin >> PAGE_SHIFT);
		fputc('\n', out);
		if (!e && m->l2tlb && (e = tlb_find(m->l2tlb, lin, asid))) {
			fprintf(out, "    L2 TLB holds ");
			print_tlb_entry(out, e);
			fputc('\n', out);
		}
	}
	if (mode == PAGING_NONE) {
		fprintf(out, "    paging is off: physical = linear = 0x%08x\n", lin);
		return 0;
	}
	print_split(out, mode, lin);
	int rc = paging_walk(m->pm, &m->regs, lin, acc, user, false, &wr, &wex);
	print_walk(out, &m->regs, mode, &wr);
	print_rights(out, &m->regs, mode, &wr, acc, user, rc, &wex);
	if (rc) {
		trp_exception(out, "  ", &wex);
		if (wex.vector == X86_PF)
			fprintf(out, "  => #PF, error code 0x%x, CR2 0x%08x\n", wex.error_code, lin);
		return -1;
	}
	unsigned obits = wr.page_size == (4u << 20) ? 22 : wr.page_size == (2u << 20) ? 21 : 12;
	fprintf(out, "    physical = frame 0x%08llx + offset 0x%x (bits %u-0) = 0x%08llx\n",
		(unsigned long long)wr.frame, lin & (wr.page_size - 1), obits - 1,
		(unsigned long long)wr.pa);
	fprintf(out, "  => physical 0x%08llx\n", (unsigned long long)wr.pa);
	return 0;
}

int tr_run(const struct tr_state *st, FILE *out, FILE *err)
{
	struct machine *mc = machine_build(st, err);
	if (!mc)
		return -1;
	print_header(mc, st, out);
	for (size_t i = 0; i < st->req.n; i++)
		translate_one(out, mc, st, &st->req.v[i]);
	machine_free(mc);
	return 0;
}
