/*
 * vmlab kmem: boots the kernel's memory setup on a described machine, prints the layout the
 * way Linux's boot log does, then allocates with kmalloc, vmalloc, kmap, kmap_local and
 * ioremap and shows, for each, the kernel virtual address, the frames behind it and the
 * page-table walk that the MMU makes for a supervisor access.
 */
#include "hw/mmu.h"
#include "hw/paging.h"
#include "kernel/mm/kmem.h"
#include "kernel/mm/pgtable.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kmem_opts {
	struct mm_params p;
	const char *proc;
	bool no_demo;
};

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: vmlab kmem [--mem=SIZE] [--vmsplit=3G|2G|1G] [--paging=2level|pae]\n"
	    "                  [--vmalloc=SIZE] [--proc=LIST] [--no-demo]\n"
	    "  --mem=SIZE        RAM (default 1024M; K, M, G suffixes)\n"
	    "  --vmsplit=S       user/kernel split, PAGE_OFFSET 0xC0000000/0x80000000/0x40000000\n"
	    "  --paging=MODE     2level (Debian 686) or pae (686-pae)\n"
	    "  --vmalloc=SIZE    like Linux's vmalloc= boot option (default reserve 128M)\n"
	    "  --proc=LIST       print /proc files: "
	    "meminfo,zoneinfo,buddyinfo,slabinfo,vmallocinfo\n"
	    "  --no-demo         only the layout (and --proc)\n");
}

static int parse(int argc, char **argv, struct kmem_opts *o)
{
	static const struct option longopts[] = {
	    {"mem", required_argument, 0, 'm'},	   {"vmsplit", required_argument, 0, 's'},
	    {"paging", required_argument, 0, 'p'}, {"vmalloc", required_argument, 0, 'v'},
	    {"proc", required_argument, 0, 'P'},   {"no-demo", no_argument, 0, 'n'},
	    {"help", no_argument, 0, 'h'},	   {0, 0, 0, 0},
	};
	mm_params_default(&o->p, 1024ull << 20);
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (mm_parse_size(optarg, &o->p.ram_bytes)) {
				fprintf(stderr, "vmlab kmem: bad --mem '%s'\n", optarg);
				return 2;
			}
			break;
		case 's':
			if (mm_parse_vmsplit(optarg, &o->p.split)) {
				fprintf(stderr, "vmlab kmem: --vmsplit must be 3G, 2G or 1G\n");
				return 2;
			}
			break;
		case 'p':
			if (mm_parse_paging(optarg, &o->p.pae)) {
				fprintf(stderr, "vmlab kmem: --paging must be 2level or pae\n");
				return 2;
			}
			break;
		case 'v':
			if (mm_parse_size(optarg, &o->p.vmalloc_reserve) || !o->p.vmalloc_reserve ||
			    o->p.vmalloc_reserve > (1ull << 30)) {
				fprintf(stderr, "vmlab kmem: bad --vmalloc '%s' (1 byte .. 1G)\n",
					optarg);
				return 2;
			}
			break;
		case 'P': o->proc = optarg; break;
		case 'n': o->no_demo = true; break;
		case 'h': usage(stdout); return 1;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vmlab kmem: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (o->p.ram_bytes & (PAGE_SIZE - 1) || o->p.ram_bytes < (32ull << 20)) {
		fprintf(stderr, "vmlab kmem: --mem must be a multiple of 4K and at least 32M\n");
		return 2;
	}
	return 0;
}

static const char *zone_of(struct kmem *km, phys_addr_t pa)
{
	uint64_t pfn = pa >> PAGE_SHIFT;
	return pfn < km->max_pfn ? km->zones[page_zonenum(pfn_to_page(km, pfn))].name : "-";
}

static void print_walk(struct kmem *km, uint32_t va)
{
	struct paging_regs r;
	kmem_kernel_regs(km, &r);
	struct walk_result res;
	struct x86_exception ex;
	int rc = paging_walk(km->pm, &r, va, ACC_READ, false, false, &res, &ex);
	static const char *lvl[] = {"", "PTE", "PDE", "PDPTE"};
	printf("      walk CR3=0x%08x", r.cr3);
	for (unsigned i = 0; i < res.nsteps && i < 3; i++)
		printf(" -> %s[%u]=0x%0*llx", lvl[res.steps[i].level], res.steps[i].index,
		       km->params.pae ? 16 : 8, (unsigned long long)res.steps[i].entry);
	if (rc)
		printf(" -> #PF error 0x%x\n", ex.error_code);
	else
		printf(" -> pa 0x%09llx (%u KB page%s)\n", (unsigned long long)res.pa,
		       res.page_size >> 10, res.global ? ", global" : "");
}

static void show_range(struct kmem *km, const char *what, uint32_t va, unsigned pages)
{
	printf("  %s\n", what);
	for (unsigned i = 0; i < pages; i++) {
		uint32_t a = va + i * PAGE_SIZE;
		phys_addr_t pa;
		if (kmem_virt_to_phys(km, a, &pa)) {
			printf("    va 0x%08x: not mapped\n", a);
			continue;
		}
		printf("    va 0x%08x -> pa 0x%09llx  pfn 0x%05llx  zone %s\n", a,
		       (unsigned long long)pa, (unsigned long long)(pa >> PAGE_SHIFT),
		       zone_of(km, pa));
		print_walk(km, a);
	}
}

static void print_layout(struct kmem *km)
{
	const struct kernel_layout *L = &km->L;
	printf("Machine: --mem=%lluM --vmsplit=%s --paging=%s, vmalloc reserve %u MB%s\n",
	       (unsigned long long)(km->params.ram_bytes >> 20),
	       (const char *[]){"3G", "2G", "1G"}[km->params.split],
	       km->params.pae ? "pae" : "2level", L->vmalloc_reserve >> 20,
	       km->params.vmalloc_reserve ? " (vmalloc= + 8 MB)" : "");
	printf("BIOS-e820 usable RAM, after Linux's trimming:\n");
	for (unsigned i = 0; i < km->nram; i++)
		printf("  [mem 0x%016llx-0x%016llx]\n",
		       (unsigned long long)(km->ram[i].start_pfn << PAGE_SHIFT),
		       (unsigned long long)((km->ram[i].end_pfn << PAGE_SHIFT) - 1));
	printf("%lluMB HIGHMEM available.\n%lluMB LOWMEM available.\n",
	       (unsigned long long)(((km->max_pfn - km->max_low_pfn) << PAGE_SHIFT) >> 20),
	       (unsigned long long)((km->max_low_pfn << PAGE_SHIFT) >> 20));
	printf("  mapped low ram: 0 - %08llx\n",
	       (unsigned long long)(km->max_low_pfn << PAGE_SHIFT));
	printf("Zone ranges:\n");
	for (int z = 0; z < ZONE_MOVABLE; z++) {
		const struct zone *zn = &km->zones[z];
		if (!zn->spanned_pages) {
			printf("  %-8s empty\n", zn->name);
			continue;
		}
		printf(
		    "  %-8s [mem 0x%016llx-0x%016llx]\n", zn->name,
		    (unsigned long long)(zn->zone_start_pfn << PAGE_SHIFT),
		    (unsigned long long)(((zn->zone_start_pfn + zn->spanned_pages) << PAGE_SHIFT) -
					 1));
	}
	printf("Zones (pages):      spanned  present  managed     min     low    high\n");
	for (int z = 0; z < MAX_NR_ZONES; z++) {
		const struct zone *zn = &km->zones[z];
		printf("  %-8s        %9llu %8llu %8llu %7llu %7llu %7llu\n", zn->name,
		       (unsigned long long)zn->spanned_pages, (unsigned long long)zn->present_pages,
		       (unsigned long long)zn->managed_pages, (unsigned long long)zn->wmark_min,
		       (unsigned long long)zn->wmark_low, (unsigned long long)zn->wmark_high);
	}
	printf("min_free_kbytes %llu\n", (unsigned long long)km->min_free_kbytes);
	printf("Boot-time reservations (memblock):\n");
	for (unsigned i = 0; i < km->nres; i++)
		printf("  [mem 0x%09llx-0x%09llx] %6llu KB  %s\n",
		       (unsigned long long)km->res[i].start, (unsigned long long)km->res[i].end - 1,
		       (unsigned long long)((km->res[i].end - km->res[i].start) >> 10),
		       km->res[i].what);
	printf("Virtual kernel memory layout:\n");
	printf("    fixmap  : 0x%08x - 0x%08x   (%5u kB)  %u permanent + boot-time slots\n",
	       L->fixaddr_tot_start, L->fixaddr_top, (L->fixaddr_top - L->fixaddr_tot_start) >> 10,
	       L->fix_end_of_permanent);
	printf("    kmap_local: 0x%08x - 0x%08x  (%u slots per CPU, fixmap FIX_KMAP_BEGIN=%u)\n",
	       fix_to_virt(km, L->fix_kmap_begin + KM_MAX_IDX - 1),
	       fix_to_virt(km, L->fix_kmap_begin) + PAGE_SIZE, KM_MAX_IDX, L->fix_kmap_begin);
	printf("    cpu_entry_area: 0x%08x   ldt: 0x%08x\n", L->cpu_entry_area_base, L->ldt_base);
	printf("    pkmap   : 0x%08x - 0x%08x   (%5u kB)  LAST_PKMAP %u\n", L->pkmap_base,
	       L->pkmap_base + L->last_pkmap * PAGE_SIZE, L->last_pkmap * 4, L->last_pkmap);
	printf("    vmalloc : 0x%08x - 0x%08x   (%5u MB)\n", L->vmalloc_start, L->vmalloc_end,
	       (L->vmalloc_end - L->vmalloc_start) >> 20);
	printf("    lowmem  : 0x%08x - 0x%08x   (%5u MB)\n", L->page_offset, L->high_memory,
	       (L->high_memory - L->page_offset) >> 20);
	printf("    MAXMEM = VMALLOC_END - PAGE_OFFSET - __VMALLOC_RESERVE = 0x%08llx (%llu MB)\n",
	       (unsigned long long)L->maxmem, (unsigned long long)(L->maxmem >> 20));
	printf("swapper_pg_dir at 0x%09llx\n\n", (unsigned long long)km->swapper_pg_dir);
}

/* Fills the pkmap window, shows what happens when it is full, and the batch flush that
 * frees the unused slots. */
static int pkmap_demo(struct kmem *km)
{
	unsigned n = km->L.last_pkmap;
	struct zone *hz = &km->zones[ZONE_HIGHMEM];
	if (hz->free_pages < n + hz->wmark_low + 16) {
		printf("(no room in HighMem to fill the %u pkmap slots: skipped)\n", n);
		return 0;
	}
	struct page **pg = calloc(n + 1, sizeof(*pg));
	if (!pg)
		return -1;
	for (unsigned i = 0; i <= n; i++)
		if (!(pg[i] = alloc_page(km, GFP_HIGHUSER_MOVABLE)) || !PageHighMem(pg[i])) {
			printf("(HighMem ran out while filling the pkmap window: skipped)\n");
			n = i + (pg[i] != NULL); /* free what we have */
			goto out;
		}
	struct counters *c = km->ctr;
	unsigned mapped = 0;
	for (unsigned i = 0; i < n; i++)
		mapped += kmap(km, pg[i]) != 0;
	printf(
	    "\nkmap of %u more HighMem pages without kunmap: %u mapped, pkmap slots in use %u/%u\n",
	    n, mapped, pkmap_nr_in_use(km), n);
	uint32_t v = kmap(km, pg[n]);
	printf("  one more kmap -> 0x%08x: %s\n", v, v ? "mapped?!" : km->last_error_msg);
	kunmap(km, pg[5]);
	uint64_t fl0 = c ? c->v[CTR_kmap_flushes] : 0, tlb0 = c ? c->v[CTR_tlb_flush_kernel] : 0;
	v = kmap(km, pg[n]);
	printf("  kunmap one, kmap again -> 0x%08x: the wrapped search ran flush_all_zero_pkmaps "
	       "(%llu batch flush, %llu whole-TLB flush)\n",
	       v, (unsigned long long)(c ? c->v[CTR_kmap_flushes] - fl0 : 0),
	       (unsigned long long)(c ? c->v[CTR_tlb_flush_kernel] - tlb0 : 0));
	for (unsigned i = 0; i <= n; i++)
		if (i != 5)
			kunmap(km, pg[i]);
	n++;
out:
	for (unsigned i = 0; i < n; i++)
		__free_page(km, pg[i]);
	free(pg);
	return 0;
}

static int demo(struct kmem *km)
{
	printf("kmalloc(100, GFP_KERNEL): a slab object in lowmem, at __va(phys)\n");
	uint32_t k = kmalloc(km, 100, GFP_KERNEL);
	if (!k)
		return -ENOMEM;
	printf("  -> 0x%08x (cache %s), __pa = 0x%09llx\n", k, kmalloc_slab(km, 100)->name,
	       (unsigned long long)__pa(km, k));
	show_range(km, "the page it lives in:", k & PAGE_MASK, 1);

	printf("\nkmalloc(12288, GFP_KERNEL): above kmalloc-8k's class -> an order-2 block "
	       "from the buddy allocator; virtually AND physically contiguous\n");
	uint32_t big = kmalloc(km, 12288, GFP_KERNEL);
	if (!big)
		return -ENOMEM;
	show_range(km, "its pages:", big, 3);

	printf("\nvmalloc(4 pages): virtually contiguous, physically scattered, HighMem "
	       "allowed, a guard page after it\n");
	/* some churn first, as a running kernel has: the buddy lists are no longer in order */
	struct page *hold[8];
	for (int i = 0; i < 8; i++)
		hold[i] = alloc_page(km, GFP_HIGHUSER_MOVABLE);
	for (int i = 0; i < 8; i += 2)
		if (hold[i])
			__free_page(km, hold[i]);
	uint32_t v = vmalloc(km, 4 * PAGE_SIZE);
	if (!v)
		return -ENOMEM;
	show_range(km, "its pages:", v, 4);
	show_range(km, "the guard page:", v + 4 * PAGE_SIZE, 1);

	printf("\nalloc_page(GFP_HIGHUSER_MOVABLE): a user page, from HighMem when there is any\n");
	struct page *hp = alloc_page(km, GFP_HIGHUSER_MOVABLE);
	if (!hp)
		return -ENOMEM;
	printf("  pfn 0x%05llx zone %s, page_address() = 0x%08x%s\n",
	       (unsigned long long)page_to_pfn(km, hp), km->zones[page_zonenum(hp)].name,
	       page_address(km, hp),
	       PageHighMem(hp) ? "  (no kernel logical address: kmap it to touch it)" : "");
	uint32_t kv = kmap(km, hp);
	if (!kv) {
		printf("  kmap failed: %s\n", km->last_error_msg);
		return -EBUSY;
	}
	printf("kmap(page): a persistent slot in the pkmap window\n");
	show_range(km, "mapping:", kv, 1);
	uint32_t lv = kmap_local_page(km, hp);
	printf("kmap_local_page(page): a per-CPU fixmap slot (stack-ordered, no sleeping)\n");
	show_range(km, "mapping:", lv, 1);
	kunmap_local(km, lv);
	kunmap(km, hp);
	if (pkmap_demo(km))
		return -ENOMEM;

	printf("\nioremap(0xfed00000, 1024): device memory (HPET) in the vmalloc area, uncached\n");
	uint32_t io = ioremap(km, 0xfed00000ull, 1024);
	if (!io)
		printf("  ioremap failed: %s\n", km->last_error_msg);
	else
		show_range(km, "mapping:", io, 1);

	printf("\nProcess page directories share the kernel part:\n");
	phys_addr_t pgd = pgd_alloc(km);
	if (!pgd)
		return -ENOMEM;
	uint32_t v2 = vmalloc(km, 8u << 20); /* needs new kernel page tables */
	printf("  pgd_alloc -> 0x%09llx; then vmalloc(8 MB) -> 0x%08x (new kernel page tables)\n",
	       (unsigned long long)pgd, v2);
	if (v2) {
		struct paging_regs r;
		pgd_regs(km, pgd, &r);
		struct walk_result res;
		struct x86_exception ex;
		int rc =
		    paging_walk(km->pm, &r, v2 + (4u << 20), ACC_READ, false, false, &res, &ex);
		printf("  walk of 0x%08x through the process directory: %s", v2 + (4u << 20),
		       rc ? "#PF\n" : "");
		if (!rc)
			printf("pa 0x%09llx (%s)\n", (unsigned long long)res.pa,
			       km->params.pae ? "shared kernel PMD"
					      : "kernel PDE synced to pgd_list");
	}
	printf("\n");
	return 0;
}

static int print_proc(struct kmem *km, const char *list)
{
	static char buf[1 << 20];
	char *copy = strdup(list), *save = NULL;
	if (!copy)
		return -ENOMEM;
	int rc = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int n;
		if (!strcmp(t, "meminfo"))
			n = proc_meminfo_show(km, buf, sizeof buf);
		else if (!strcmp(t, "zoneinfo"))
			n = proc_zoneinfo_show(km, buf, sizeof buf);
		else if (!strcmp(t, "buddyinfo"))
			n = proc_buddyinfo_show(km, buf, sizeof buf);
		else if (!strcmp(t, "slabinfo"))
			n = proc_slabinfo_show(km, buf, sizeof buf);
		else if (!strcmp(t, "vmallocinfo"))
			n = proc_vmallocinfo_show(km, buf, sizeof buf);
		else {
			fprintf(stderr, "vmlab kmem: unknown /proc file '%s'\n", t);
			rc = -EINVAL;
			break;
		}
		if (n < 0) {
			rc = n;
			break;
		}
		printf("==> /proc/%s <==\n", t);
		fwrite(buf, 1, (size_t)n, stdout);
	}
	free(copy);
	return rc;
}

int cmd_kmem(int argc, char **argv)
{
	struct kmem_opts o = {0};
	int rc = parse(argc, argv, &o);
	if (rc)
		return rc == 1 ? 0 : rc;
	struct physmem pm;
	/* the machine has its RAM above 4 GB either way; a 2-level kernel just cannot use it */
	int err = physmem_init(&pm, o.p.ram_bytes, true);
	if (err) {
		fprintf(stderr, "vmlab kmem: cannot build a machine with --mem=%llu bytes: %s\n",
			(unsigned long long)o.p.ram_bytes, strerror(-err));
		return 1;
	}
	static struct counters ctr;
	static struct mmu mmu;
	struct tlb_config tc;
	tlb_config_default(&tc);
	if ((err = mmu_init(&mmu, &pm, &tc, &ctr))) {
		fprintf(stderr, "vmlab kmem: mmu_init: %s\n", strerror(-err));
		physmem_destroy(&pm);
		return 1;
	}
	static struct kmem km;
	err = mm_init(&km, &pm, &mmu, &ctr, &o.p);
	if (err) {
		fprintf(stderr, "vmlab kmem: memory setup failed: %s%s%s\n", strerror(-err),
			km.last_error_msg ? ": " : "", km.last_error_msg ? km.last_error_msg : "");
		mmu_destroy(&mmu);
		physmem_destroy(&pm);
		return 1;
	}
	struct paging_regs r;
	kmem_kernel_regs(&km, &r);
	mmu_write_cr4(&mmu, r.cr4);
	mmu_write_cr3(&mmu, r.cr3);
	mmu_write_cr0(&mmu, r.cr0);
	print_layout(&km);
	rc = 0;
	if (!o.no_demo && (err = demo(&km))) {
		fprintf(stderr, "vmlab kmem: demo failed: %s (%s)\n", strerror(-err),
			km.last_error_msg ? km.last_error_msg : "");
		rc = 1;
	}
	if (!rc && o.proc && print_proc(&km, o.proc))
		rc = 2;
	if (!o.no_demo && !rc) {
		printf("Counters:\n");
		counters_print(stdout, &ctr, 0);
	}
	mm_destroy(&km);
	mmu_destroy(&mmu);
	physmem_destroy(&pm);
	return rc;
}
