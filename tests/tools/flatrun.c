/*
 * flatrun: runs a static i386 Linux ELF on the interpreter in a minimal machine, without the
 * kernel: paging on (2-level, 4 KB pages, every region mapped up front onto fresh frames),
 * an i386-Linux-style GDT (user CS 0x73, DS/SS 0x7b, TLS entries 6-8), CPL 3, and a tiny
 * syscall shim. A test tool for the CPU; real programs run under `vmlab run`.
 *
 * usage: flatrun [--no-tlb] [--no-jit] [--stats] [--max-insns N] PROGRAM [ARGS...]
 */
#include "cpu/cpu.h"

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define RAM_BYTES (1024ull << 20)
#define PD_PHYS 0x100000u
#define GDT_LIN 0xffc00000u /* supervisor-only page holding the GDT */
#define STACK_TOP 0xc0000000u
#define STACK_SIZE (8u << 20)
#define MMAP_BASE 0x40000000u
#define GDT_TLS_MIN 6
#define GDT_USER_CS 14
#define GDT_USER_DS 15

static struct physmem pm;
static struct mmu *mmu;
static struct cpu cpu;
static struct counters ctr;
static phys_addr_t next_frame = 2u << 20;
static uint32_t brk_start, brk_cur, mmap_next = MMAP_BASE;

static void die(const char *msg)
{
	fprintf(stderr, "flatrun: %s\n", msg);
	exit(127);
}

static phys_addr_t alloc_frame(void)
{
	phys_addr_t f = next_frame;
	next_frame += PAGE_SIZE;
	if (next_frame > pm.host_size)
		die("out of simulated RAM");
	memset(pm.host + f, 0, PAGE_SIZE);
	return f;
}

static uint32_t *pte_slot(uint32_t lin, bool create)
{
	uint32_t *pd = (uint32_t *)(pm.host + PD_PHYS);
	uint32_t *pde = &pd[lin >> 22];
	if (!(*pde & PTE_P)) {
		if (!create)
			return NULL;
		*pde = (uint32_t)alloc_frame() | PTE_P | PTE_RW | PTE_US;
	}
	uint32_t *pt = (uint32_t *)(pm.host + (*pde & PAGE_MASK));
	return &pt[(lin >> 12) & 1023];
}

/* Maps [start, end) onto fresh zeroed frames (pages already mapped keep their frame). */
static void map_range(uint32_t start, uint32_t end, bool writable, bool user)
{
	for (uint32_t a = start & PAGE_MASK; a < end && a >= (start & PAGE_MASK); a += PAGE_SIZE) {
		uint32_t *pte = pte_slot(a, true);
		if (*pte & PTE_P) {
			if (writable)
				*pte |= PTE_RW;
			continue;
		}
		*pte = (uint32_t)alloc_frame() | PTE_P | (writable ? PTE_RW : 0) | (user ? PTE_US : 0);
	}
}

static void unmap_range(uint32_t start, uint32_t end)
{
	for (uint32_t a = start & PAGE_MASK; a < end && a >= (start & PAGE_MASK); a += PAGE_SIZE) {
		uint32_t *pte = pte_slot(a, false);
		if (pte && (*pte & PTE_P)) {
			physmem_frame_changed(&pm, (*pte & PAGE_MASK) >> PAGE_SHIFT);
			*pte = 0;
			mmu_invlpg(mmu, a);
		}
	}
}

/* Guest memory as the shim sees it: through the page tables, without touching the TLB. */
static uint8_t *gptr(uint32_t lin)
{
	uint32_t *pte = pte_slot(lin, false);
	if (!pte || !(*pte & PTE_P))
		return NULL;
	return pm.host + (*pte & PAGE_MASK) + (lin & ~PAGE_MASK);
}

static int copy_to_guest(uint32_t lin, const void *buf, size_t n)
{
	const uint8_t *b = buf;
	while (n) {
		uint8_t *p = gptr(lin);
		if (!p)
			return -EFAULT;
		size_t k = PAGE_SIZE - (lin & ~PAGE_MASK);
		if (k > n)
			k = n;
		physmem_frame_changed(&pm, (uint64_t)(p - pm.host) >> PAGE_SHIFT);
		memcpy(p, b, k);
		b += k;
		lin += (uint32_t)k;
		n -= k;
	}
	return 0;
}

static int copy_from_guest(void *buf, uint32_t lin, size_t n)
{
	uint8_t *b = buf;
	while (n) {
		uint8_t *p = gptr(lin);
		if (!p)
			return -EFAULT;
		size_t k = PAGE_SIZE - (lin & ~PAGE_MASK);
		if (k > n)
			k = n;
		memcpy(b, p, k);
		b += k;
		lin += (uint32_t)k;
		n -= k;
	}
	return 0;
}

static void set_gdt_entry(unsigned idx, uint32_t base, uint32_t limit, uint8_t type, unsigned dpl,
			  bool g, bool db, bool present)
{
	struct seg_desc d = {.base = base, .limit = limit, .type = type, .s = true, .p = present,
			     .g = g, .db = db, .dpl = (uint8_t)dpl};
	uint64_t raw = present || base || limit ? seg_desc_encode(&d) : 0;
	memcpy(gptr(GDT_LIN + idx * 8), &raw, 8);
}

static void setup_machine(bool tlb)
{
	struct tlb_config cfg;
	if (physmem_init(&pm, RAM_BYTES, false))
		die("physmem_init failed");
	tlb_config_default(&cfg);
	cfg.enabled = tlb;
	mmu = calloc(1, sizeof(*mmu));
	if (!mmu || mmu_init(mmu, &pm, &cfg, &ctr))
		die("mmu_init failed");
	memset(pm.host + PD_PHYS, 0, PAGE_SIZE);
	map_range(GDT_LIN, GDT_LIN + PAGE_SIZE, true, false);
	set_gdt_entry(GDT_USER_CS, 0, 0xfffff, SEG_TYPE_CODE | SEG_TYPE_READABLE, 3, true, true, true);
	set_gdt_entry(GDT_USER_DS, 0, 0xfffff, SEG_TYPE_WRITABLE, 3, true, true, true);
	mmu_set_gdtr(mmu, GDT_LIN, 32 * 8 - 1);
	mmu_write_cr3(mmu, PD_PHYS);
	mmu_write_cr4(mmu, CR4_OSFXSR | CR4_OSXMMEXCPT); /* as Linux sets them: SSE on */
	mmu_write_cr0(mmu, mmu->regs.cr0 | CR0_PG | CR0_WP);
	if (cpu_init(&cpu, mmu, &ctr))
		die("cpu_init failed");
}

static void enter_user_mode(void)
{
	struct x86_exception ex;
	/* as an IRET to ring 3 does: the CPL changes with CS */
	mmu->cpl = 3;
	if (mmu_load_seg(mmu, SR_CS, GDT_USER_CS * 8 | 3, &ex))
		die("loading CS failed");
	static const enum sreg data[] = {SR_SS, SR_DS, SR_ES};
	for (int k = 0; k < 3; k++)
		if (mmu_load_seg(mmu, data[k], GDT_USER_DS * 8 | 3, &ex))
			die("loading a data segment failed");
	if (mmu_load_seg(mmu, SR_FS, 0, &ex) || mmu_load_seg(mmu, SR_GS, 0, &ex))
		die("loading a null selector failed");
}

static uint32_t load_elf(const char *path, uint32_t *phdr, unsigned *phnum)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "flatrun: %s: %s\n", path, strerror(errno));
		exit(127);
	}
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *img = malloc((size_t)sz);
	if (!img || fread(img, 1, (size_t)sz, f) != (size_t)sz)
		die("cannot read the program");
	fclose(f);
	Elf32_Ehdr *eh = (Elf32_Ehdr *)img;
	if (sz < (long)sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS32 || eh->e_machine != EM_386 || eh->e_type != ET_EXEC)
		die("not a static i386 ELF executable");
	if (eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf32_Phdr) > (uint64_t)sz)
		die("truncated program headers");
	Elf32_Phdr *ph = (Elf32_Phdr *)(img + eh->e_phoff);
	uint32_t end = 0;
	*phdr = 0;
	for (unsigned k = 0; k < eh->e_phnum; k++) {
		if (ph[k].p_type == PT_INTERP)
			die("dynamically linked programs are not supported");
		if (ph[k].p_type != PT_LOAD)
			continue;
		if (ph[k].p_offset + (uint64_t)ph[k].p_filesz > (uint64_t)sz || ph[k].p_filesz > ph[k].p_memsz)
			die("bad PT_LOAD segment");
		map_range(ph[k].p_vaddr, ph[k].p_vaddr + ph[k].p_memsz, ph[k].p_flags & PF_W, true);
		copy_to_guest(ph[k].p_vaddr, img + ph[k].p_offset, ph[k].p_filesz);
		if (eh->e_phoff >= ph[k].p_offset && eh->e_phoff < ph[k].p_offset + ph[k].p_filesz)
			*phdr = ph[k].p_vaddr + (eh->e_phoff - ph[k].p_offset);
		if (ph[k].p_vaddr + ph[k].p_memsz > end)
			end = ph[k].p_vaddr + ph[k].p_memsz;
	}
	*phnum = eh->e_phnum;
	brk_start = brk_cur = (end + PAGE_SIZE - 1) & PAGE_MASK;
	uint32_t entry = eh->e_entry;
	free(img);
	return entry;
}

static uint32_t push_bytes(uint32_t *sp, const void *b, size_t n)
{
	*sp -= (uint32_t)n;
	copy_to_guest(*sp, b, n);
	return *sp;
}

static void setup_stack(int argc, char **argv, uint32_t entry, uint32_t phdr, unsigned phnum)
{
	map_range(STACK_TOP - STACK_SIZE, STACK_TOP, true, true);
	uint32_t sp = STACK_TOP - 16;
	uint32_t argp[64];
	if (argc > 63)
		die("too many arguments");
	static const uint8_t rnd[16] = {0x3c, 0x91, 0x5a, 0x07, 0xee, 0x42, 0x18, 0xd3,
					0x6b, 0x20, 0xa4, 0x7f, 0x55, 0x09, 0xc1, 0x8e};
	uint32_t execfn = push_bytes(&sp, argv[0], strlen(argv[0]) + 1);
	for (int k = argc - 1; k >= 0; k--)
		argp[k] = push_bytes(&sp, argv[k], strlen(argv[k]) + 1);
	uint32_t plat = push_bytes(&sp, "i686", 5);
	uint32_t rndp = push_bytes(&sp, rnd, 16);
	sp &= ~15u;
	uint32_t aux[][2] = {
		{AT_PHDR, phdr},   {AT_PHENT, sizeof(Elf32_Phdr)}, {AT_PHNUM, phnum},
		{AT_PAGESZ, 4096}, {AT_BASE, 0},                  {AT_FLAGS, 0},
		{AT_ENTRY, entry}, {AT_UID, 1000},                {AT_EUID, 1000},
		{AT_GID, 1000},    {AT_EGID, 1000},               {AT_HWCAP, 0x0788a159},
		{AT_CLKTCK, 100},  {AT_PLATFORM, plat},           {AT_RANDOM, rndp},
		{AT_SECURE, 0},    {AT_EXECFN, execfn},           {AT_NULL, 0},
	};
	uint32_t words[64 + 64];
	unsigned n = 0;
	words[n++] = (uint32_t)argc;
	for (int k = 0; k < argc; k++)
		words[n++] = argp[k];
	words[n++] = 0; /* argv end */
	words[n++] = 0; /* empty environment */
	for (size_t k = 0; k < sizeof(aux) / sizeof(aux[0]); k++) {
		words[n++] = aux[k][0];
		words[n++] = aux[k][1];
	}
	sp -= n * 4;
	sp &= ~15u;
	copy_to_guest(sp, words, n * 4);
	cpu.regs[R_ESP] = sp;
	cpu.eip = entry;
	cpu_set_eflags(&cpu, 0x202);
}

/* ---- the syscall shim ---- */
static int32_t sys_set_thread_area(uint32_t uinfo)
{
	uint32_t u[4];
	if (copy_from_guest(u, uinfo, 16))
		return -EFAULT;
	uint32_t idx = u[0], base = u[1], limit = u[2], flags = u[3];
	if (idx == 0xffffffffu) {
		idx = GDT_TLS_MIN;
		while (idx < GDT_TLS_MIN + 3 && gptr(GDT_LIN + idx * 8)[5] & 0x80)
			idx++;
		if (idx == GDT_TLS_MIN + 3)
			return -ESRCH;
		copy_to_guest(uinfo, &idx, 4);
	}
	if (idx < GDT_TLS_MIN || idx >= GDT_TLS_MIN + 3)
		return -EINVAL;
	bool seg32 = flags & 1, contents = (flags >> 1) & 3, ro = (flags >> 3) & 1;
	bool lpages = (flags >> 4) & 1, notpresent = (flags >> 5) & 1;
	(void)contents;
	set_gdt_entry(idx, base, limit, ro ? 0 : SEG_TYPE_WRITABLE, 3, lpages, seg32, !notpresent);
	return 0;
}

static int32_t do_write(int fd, uint32_t buf, uint32_t n)
{
	if (fd != 1 && fd != 2)
		return -EBADF;
	char tmp[4096];
	uint32_t done = 0;
	while (done < n) {
		uint32_t k = n - done > sizeof(tmp) ? (uint32_t)sizeof(tmp) : n - done;
		if (copy_from_guest(tmp, buf + done, k))
			return done ? (int32_t)done : -EFAULT;
		if (write(fd, tmp, k) != (ssize_t)k)
			return -EIO;
		done += k;
	}
	return (int32_t)done;
}

static int32_t do_syscall(bool *exited, int *status)
{
	uint32_t *r = cpu.regs;
	uint32_t nr = r[R_EAX], a = r[R_EBX], b = r[R_ECX], c = r[R_EDX];
	switch (nr) {
	case 1: case 252: /* exit, exit_group */
		*exited = true;
		*status = (int)(a & 0xff);
		return 0;
	case 4:
		return do_write((int)a, b, c);
	case 146: { /* writev */
		int32_t total = 0;
		for (uint32_t k = 0; k < c; k++) {
			uint32_t iov[2];
			if (copy_from_guest(iov, b + k * 8, 8))
				return -EFAULT;
			int32_t w = do_write((int)a, iov[0], iov[1]);
			if (w < 0)
				return w;
			total += w;
		}
		return total;
	}
	case 45: /* brk */
		if (a > brk_cur && a < MMAP_BASE) {
			map_range(brk_cur, a, true, true);
			brk_cur = (a + PAGE_SIZE - 1) & PAGE_MASK;
			return (int32_t)a;
		}
		if (a >= brk_start && a <= brk_cur && a) {
			uint32_t na = (a + PAGE_SIZE - 1) & PAGE_MASK;
			unmap_range(na, brk_cur);
			brk_cur = na;
			return (int32_t)a;
		}
		return (int32_t)brk_cur;
	case 243:
		return sys_set_thread_area(a);
	case 122: { /* uname */
		char u[6][65];
		memset(u, 0, sizeof(u));
		strcpy(u[0], "Linux");
		strcpy(u[1], "flatrun");
		strcpy(u[2], "6.1.0");
		strcpy(u[3], "#1 SMP");
		strcpy(u[4], "i686");
		return copy_to_guest(a, u, sizeof(u));
	}
	case 54:
		return -ENOTTY;
	case 116: { /* sysinfo: the machine's RAM, nothing else running */
		uint32_t si[16];
		memset(si, 0, sizeof(si));
		si[4] = (uint32_t)(RAM_BYTES >> 20); /* totalram, in mem_unit (1 MB) */
		si[5] = si[4] - (uint32_t)(next_frame >> 20);
		si[10] = 1; /* procs (low half) */
		si[13] = 1u << 20; /* mem_unit */
		return copy_to_guest(a, si, 64);
	}
	case 85:
		return -ENOENT;
	case 383: case 386: case 311: /* statx, rseq, set_robust_list: glibc copes without */
		return -ENOSYS;
	case 258: /* set_tid_address */
	case 20: case 224: /* getpid, gettid */
		return 1;
	case 191: { /* ugetrlimit: RLIMIT_STACK 8 MB, the rest unlimited */
		uint32_t lim[2] = {a == 3 ? STACK_SIZE : 0xffffffffu, 0xffffffffu};
		return copy_to_guest(b, lim, 8);
	}
	case 355: { /* getrandom: a fixed seeded stream (runs are reproducible) */
		static uint64_t x = 0x9e3779b97f4a7c15ull;
		for (uint32_t k = 0; k < b; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			uint8_t v = (uint8_t)x;
			if (copy_to_guest(a + k, &v, 1))
				return -EFAULT;
		}
		return (int32_t)b;
	}
	case 125: /* mprotect: PROT_WRITE decides PTE_RW */
		if (a & ~PAGE_MASK)
			return -EINVAL;
		for (uint32_t p = a; p < a + b; p += PAGE_SIZE) {
			uint32_t *pte = pte_slot(p, false);
			if (!pte || !(*pte & PTE_P))
				return -ENOMEM;
			*pte = (c & 2) ? *pte | PTE_RW : *pte & ~(uint32_t)PTE_RW;
			mmu_invlpg(mmu, p);
		}
		return 0;
	case 197: case 300: { /* fstat64, fstatat64(fd, "", buf, AT_EMPTY_PATH): stdio are pipes */
		uint32_t fd = a, buf = nr == 197 ? b : c;
		if (nr == 300) {
			char path[2] = {1, 0};
			if (copy_from_guest(path, b, 1) || path[0] != 0)
				return -ENOENT;
		}
		if (fd > 2)
			return -EBADF;
		uint8_t st[96];
		memset(st, 0, sizeof(st));
		uint32_t mode = 0010600, nlink = 1, uid = 1000, blksize = 4096;
		memcpy(st + 16, &mode, 4);
		memcpy(st + 20, &nlink, 4);
		memcpy(st + 24, &uid, 4);
		memcpy(st + 28, &uid, 4);
		memcpy(st + 52, &blksize, 4);
		st[88] = (uint8_t)(fd + 3);
		st[12] = (uint8_t)(fd + 3);
		return copy_to_guest(buf, st, sizeof(st));
	}
	case 192: { /* mmap2 */
		uint32_t len = (b + PAGE_SIZE - 1) & PAGE_MASK, flags = r[R_ESI];
		if (!(flags & 0x20) || (int32_t)r[R_EDI] != -1)
			return -ENODEV; /* only anonymous mappings */
		if (len == 0 || mmap_next + len > STACK_TOP - STACK_SIZE)
			return -ENOMEM;
		uint32_t at = mmap_next;
		mmap_next += len;
		map_range(at, at + len, true, true);
		return (int32_t)at;
	}
	case 91: /* munmap */
		if (a & ~PAGE_MASK)
			return -EINVAL;
		unmap_range(a, a + b);
		return 0;
	case 265: case 403: { /* clock_gettime(32), clock_gettime64: virtual time, 1 ns/insn */
		uint64_t ns = cpu.insns;
		if (nr == 265) {
			uint32_t ts[2] = {(uint32_t)(ns / 1000000000u), (uint32_t)(ns % 1000000000u)};
			return copy_to_guest(b, ts, 8);
		}
		uint32_t ts[4] = {(uint32_t)(ns / 1000000000u), 0, (uint32_t)(ns % 1000000000u), 0};
		return copy_to_guest(b, ts, 16);
	}
	}
	fprintf(stderr, "flatrun: syscall %u not in the shim (-ENOSYS)\n", nr);
	return -ENOSYS;
}

int main(int argc, char **argv)
{
	bool tlb = true, stats = false, jit = true;
	uint64_t max = UINT64_MAX;
	int k = 1;
	for (; k < argc && argv[k][0] == '-'; k++) {
		if (!strcmp(argv[k], "--no-tlb"))
			tlb = false;
		else if (!strcmp(argv[k], "--no-jit"))
			jit = false;
		else if (!strcmp(argv[k], "--stats"))
			stats = true;
		else if (!strcmp(argv[k], "--max-insns") && k + 1 < argc)
			max = strtoull(argv[++k], NULL, 0);
		else
			die("usage: flatrun [--no-tlb] [--no-jit] [--stats] [--max-insns N] PROGRAM [ARGS...]");
	}
	if (k >= argc)
		die("usage: flatrun [--no-tlb] [--no-jit] [--stats] [--max-insns N] PROGRAM [ARGS...]");
	setup_machine(tlb);
	cpu.jit = cpu.jit && jit; /* off when the host cannot run compiled code */
	uint32_t phdr;
	unsigned phnum;
	uint32_t entry = load_elf(argv[k], &phdr, &phnum);
	setup_stack(argc - k, argv + k, entry, phdr, phnum);
	enter_user_mode();
	int status = 0;
	bool exited = false;
	while (!exited) {
		struct x86_exception ex;
		uint64_t left = max - cpu.insns;
		if (left == 0) {
			fprintf(stderr, "flatrun: instruction limit reached at eip %#x\n", cpu.eip);
			status = 124;
			break;
		}
		enum cpu_exit why = cpu_run(&cpu, left > (1u << 24) ? (1u << 24) : left, &ex);
		if (why == CPU_EXIT_LIMIT)
			continue;
		if (why == CPU_EXIT_SYSCALL) {
			int32_t rv = do_syscall(&exited, &status);
			if (!exited)
				cpu.regs[R_EAX] = (uint32_t)rv;
			continue;
		}
		if (why == CPU_EXIT_EXCEPTION)
			fprintf(stderr, "flatrun: exception %u (error %#x, cr2 %#x) at eip %#x\n",
				ex.vector, ex.error_code, ex.cr2, cpu.eip);
		else
			fprintf(stderr, "flatrun: exit %d (vector %u) at eip %#x\n", why, ex.vector,
				cpu.eip);
		status = 128 + 11;
		break;
	}
	fflush(stdout);
	if (stats) {
		fprintf(stderr, "instructions %llu\n", (unsigned long long)cpu.insns);
		counters_print(stderr, &ctr, 0);
	}
	cpu_destroy(&cpu);
	mmu_destroy(mmu);
	free(mmu);
	physmem_destroy(&pm);
	return status;
}
