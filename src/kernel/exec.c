/*
 * Loading a static i386 executable (load_elf_binary): PT_LOAD segments mapped privately from
 * the page cache, the partial bss page zeroed (padzero), whole bss pages anonymous
 * (vm_brk_flags), the break after them; the stack with its strings and tables
 * (setup_arg_pages, create_elf_tables); [vvar] and [vdso] below mmap_base.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpu/cpu.h"
#include "kernel/elf.h"
#include "kernel/exec.h"
#include "kernel/mm/filemap.h"
#include "kernel/mm/kmem.h"
#include "kernel/mm/memory.h"
#include "kernel/mm/mman.h"
#include "kernel/mm/mmap.h"
#include "kernel/sched.h"
#include "kernel/task.h"
#include "kernel/uaccess.h"

#define PG 4096u
#define PG_ALIGN(x) (((x) + PG - 1) & ~(PG - 1))
#define RLIMIT_STACK 3

/* auxv types (include/uapi/linux/auxvec.h, arch/x86/include/uapi/asm/auxvec.h) */
enum {
	AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6, AT_BASE = 7,
	AT_FLAGS = 8, AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12, AT_GID = 13, AT_EGID = 14,
	AT_PLATFORM = 15, AT_HWCAP = 16, AT_CLKTCK = 17, AT_SECURE = 23, AT_RANDOM = 25,
	AT_HWCAP2 = 26, AT_EXECFN = 31, AT_SYSINFO = 32, AT_SYSINFO_EHDR = 33, AT_MINSIGSTKSZ = 51,
};

/* CPUID.1:EDX of the simulated processor (src/cpu/exec_sys.c): FPU PSE TSC PAE CX8 PGE
 * CMOV CLFSH MMX FXSR SSE SSE2. ELF_HWCAP is that word. ELF_HWCAP2 (ring-3 MONITOR/MWAIT,
 * FSGSBASE) is 0 for it; Linux passes AT_HWCAP2 whatever its value. */
#define ELF_HWCAP 0x0788A159u
#define ELF_HWCAP2 0u
/* get_sigframe_size() (init_sigframe_size) for an FXSR CPU without XSAVE: the legacy
 * sigframe (732) + 15 bytes of alignment + fpu__get_fpstate_size() (the 512-byte FXSAVE
 * image and the 112-byte fregs_state) + 63 bytes of alignment, rounded up to 16. */
#define MINSIGSTKSZ_I386 1440u

static int errf(char *err, size_t n, int code, const char *fmt, const char *a)
{
	snprintf(err, n, fmt, a);
	return code;
}

static uint64_t rng_next(struct task *t)
{
	uint64_t z = (t->rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int prot_of(uint32_t pf)
{
	return (pf & ELF_PF_R ? PROT_READ : 0) | (pf & ELF_PF_W ? PROT_WRITE : 0) |
	       (pf & ELF_PF_X ? PROT_EXEC : 0);
}

/* set_brk: anonymous pages for [start, end) page-aligned; the break starts at end. */
static int set_brk(struct mm_struct *mm, uint32_t start, uint32_t end, int prot)
{
	start = PG_ALIGN(start);
	end = PG_ALIGN(end);
	if (end > start) {
		int r = vm_brk_flags(mm, start, end - start, (prot & PROT_EXEC) ? VM_EXEC : 0);
		if (r)
			return r;
	}
	mm->start_brk = mm->brk = end;
	return 0;
}

/* padzero: the rest of the last file-backed page of the data segment. */
static int padzero(struct task *t, uint32_t elf_bss)
{
	uint32_t nbyte = elf_bss & (PG - 1);
	if (nbyte)
		return clear_user(t, elf_bss, PG - nbyte);
	return 0;
}

/* The two [vdso] pages and the [vvar] page each mm maps (arch_setup_additional_pages). */
static int setup_vdso(struct task *t, struct mm_struct *mm)
{
	uint32_t len = (VVAR_PAGES + VDSO_PAGES) * PG;
	long base = get_unmapped_area(mm, 0, len, 0, 0);
	if (base < 0)
		return (int)base;
	int r = install_special_mapping(mm, (uint32_t)base, VVAR_PAGES * PG,
					VM_READ | VM_MAYREAD | VM_IO | VM_PFNMAP, VMA_VVAR);
	if (r)
		return r;
	r = install_special_mapping(mm, (uint32_t)base + VVAR_PAGES * PG, VDSO_PAGES * PG,
				    VM_READ | VM_EXEC | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC,
				    VMA_VDSO);
	if (r)
		return r;
	mm->vdso_base = (uint32_t)base + VVAR_PAGES * PG;
	return vdso_setup_pages(t, mm);
}

struct strtab {
	int n;
	char *const *v;
};

static uint32_t strings_size(struct strtab s)
{
	uint32_t n = 0;
	for (int i = 0; i < s.n; i++)
		n += (uint32_t)strlen(s.v[i]) + 1;
	return n;
}

/* Copies strings upward from p; stores each string's address. */
static int put_strings(struct task *t, uint32_t p, struct strtab s, uint32_t *addrs)
{
	for (int i = 0; i < s.n; i++) {
		size_t l = strlen(s.v[i]) + 1;
		if (copy_to_user(t, p, s.v[i], l))
			return -EFAULT;
		addrs[i] = p;
		p += (uint32_t)l;
	}
	return 0;
}

static int create_stack(struct task *t, struct mm_struct *mm, const struct elf_image *img,
			uint32_t phdr_addr, const char *execfn, struct strtab av, struct strtab ev,
			bool stack_x, char *err, size_t errlen)
{
	uint32_t top = mm->stack_top;
	if (mm->cfg.randomize)
		top -= (uint32_t)(rng_next(t) & 0x7ff) << 12; /* STACK_RND_MASK */
	/* bprm->p starts one pointer below the top; the file name, the environment and the
	 * arguments go below it, in that order */
	uint32_t fnlen = (uint32_t)strlen(execfn) + 1;
	uint32_t total = fnlen + strings_size(ev) + strings_size(av);
	uint64_t slim = t->rlim[RLIMIT_STACK].cur;
	uint64_t maxarg = slim / 4;
	if (maxarg < 32 * PG)
		maxarg = 32 * PG;
	if (total > maxarg || total > 0x2000000)
		return errf(err, errlen, -E2BIG, "%s: argument list too long", execfn);
	uint32_t p = top - 4 - total;
	uint32_t vm_start = p & ~(PG - 1);
	int r = setup_stack_vma(mm, top, top - vm_start, stack_x);
	if (r)
		return errf(err, errlen, r, "%s: cannot set up the stack", execfn);
	struct vm_area_struct *sv = vma_lookup(mm, top - 1);
	/* setup_arg_pages: the stack gets 128 KB beyond the argument pages, within RLIMIT_STACK */
	uint32_t stack_base, stack_size = top - vm_start;
	uint64_t rlim = slim & ~(uint64_t)(PG - 1);
	if ((uint64_t)stack_size + 131072 > rlim)
		stack_base = (uint32_t)(top - rlim);
	else
		stack_base = vm_start - 131072;
	mm->start_stack = p;
	if (stack_base < vm_start && expand_stack(mm, sv, stack_base))
		return errf(err, errlen, -EFAULT, "%s: cannot grow the initial stack", execfn);

	uint32_t *aa = calloc((size_t)av.n + 1, sizeof *aa);
	uint32_t *ea = calloc((size_t)ev.n + 1, sizeof *ea);
	if (!aa || !ea) {
		free(aa);
		free(ea);
		return errf(err, errlen, -ENOMEM, "%s: out of memory", execfn);
	}
	mm->arg_start = p;
	r = put_strings(t, p, av, aa);
	mm->arg_end = mm->env_start = p + strings_size(av);
	if (!r)
		r = put_strings(t, mm->env_start, ev, ea);
	mm->env_end = mm->env_start + strings_size(ev);
	uint32_t execfn_addr = top - 4 - fnlen;
	if (!r && copy_to_user(t, execfn_addr, execfn, fnlen))
		r = -EFAULT;
	/* create_elf_tables */
	uint32_t sp = p;
	if (mm->cfg.randomize)
		sp -= (uint32_t)(rng_next(t) % 8192);
	sp &= ~15u;
	sp -= 5;
	uint32_t u_platform = sp;
	if (!r && copy_to_user(t, sp, "i686", 5))
		r = -EFAULT;
	uint8_t rnd[16];
	for (int i = 0; i < 16; i += 8) {
		uint64_t x = rng_next(t);
		memcpy(rnd + i, &x, 8);
	}
	sp -= 16;
	uint32_t u_rand = sp;
	if (!r && copy_to_user(t, sp, rnd, 16))
		r = -EFAULT;
	uint32_t aux[64];
	int na = 0;
#define AUX(k, v) (aux[na++] = (k), aux[na++] = (v))
	if (mm->vdso_base) {
		AUX(AT_SYSINFO, mm->vdso_base + VDSO_KERNEL_VSYSCALL);
		AUX(AT_SYSINFO_EHDR, mm->vdso_base);
	}
	AUX(AT_MINSIGSTKSZ, MINSIGSTKSZ_I386);
	AUX(AT_HWCAP, ELF_HWCAP);
	AUX(AT_PAGESZ, PG);
	AUX(AT_CLKTCK, 100);
	AUX(AT_PHDR, phdr_addr);
	AUX(AT_PHENT, 32);
	AUX(AT_PHNUM, img->e_phnum);
	AUX(AT_BASE, 0);
	AUX(AT_FLAGS, 0);
	AUX(AT_ENTRY, img->e_entry);
	AUX(AT_UID, t->uid);
	AUX(AT_EUID, t->euid);
	AUX(AT_GID, t->gid);
	AUX(AT_EGID, t->egid);
	AUX(AT_SECURE, 0);
	AUX(AT_RANDOM, u_rand);
	AUX(AT_HWCAP2, ELF_HWCAP2);
	AUX(AT_EXECFN, execfn_addr);
	AUX(AT_PLATFORM, u_platform);
	AUX(AT_NULL, 0);
#undef AUX
	uint32_t items = (uint32_t)(av.n + 1) + (uint32_t)(ev.n + 1) + 1;
	sp = (sp - (uint32_t)na * 4 - items * 4) & ~15u;
	uint32_t w = sp;
	aa[av.n] = 0;
	ea[ev.n] = 0;
	if (!r && put_user_u32(t, w, (uint32_t)av.n))
		r = -EFAULT;
	w += 4;
	for (int i = 0; !r && i <= av.n; i++, w += 4)
		r = put_user_u32(t, w, aa[i]);
	for (int i = 0; !r && i <= ev.n; i++, w += 4)
		r = put_user_u32(t, w, ea[i]);
	if (!r && copy_to_user(t, w, aux, (size_t)na * 4))
		r = -EFAULT;
	free(aa);
	free(ea);
	if (r)
		return errf(err, errlen, r, "%s: cannot write the initial stack", execfn);
	mm->start_stack = sp;
	t->cpu->regs[R_ESP] = sp;
	return 0;
}

int exec_binary(struct task *t, int host_fd, const char *guest_path, const char *filename,
		int argc, char *const argv[], char *const envp[],
		const struct mm_layout_config *cfg, char *err, size_t errlen)
{
	struct stat st;
	if (fstat(host_fd, &st))
		return errf(err, errlen, -errno, "%s: cannot stat", guest_path);
	if (!S_ISREG(st.st_mode))
		return errf(err, errlen, -EACCES, "%s: not a regular file", guest_path);
	size_t n = st.st_size < 65536 ? (size_t)st.st_size : 65536;
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf)
		return errf(err, errlen, -ENOMEM, "%s: out of memory", guest_path);
	ssize_t got = pread(host_fd, buf, n, 0);
	if (got < 0) {
		free(buf);
		return errf(err, errlen, -errno, "%s: cannot read", guest_path);
	}
	struct elf_image *img = malloc(sizeof *img);
	char why[200];
	int r = img ? elf_parse(buf, (size_t)got, (uint64_t)st.st_size, cfg->task_size, img, why,
				sizeof why)
		    : -ENOMEM;
	free(buf);
	if (r) {
		snprintf(err, errlen, "%s: %s", guest_path, img ? why : "out of memory");
		free(img);
		return r;
	}
	struct mm_struct *mm = mm_alloc(t, cfg);
	if (!mm || mm_alloc_pgd(mm)) {
		mmput(mm);
		free(img);
		return errf(err, errlen, -ENOMEM, "%s: no memory for an address space", guest_path);
	}
	if (t->mm)
		mmput(t->mm);
	t->mm = mm;
	/* the CPU now walks the new page tables (activate_mm) */
	switch_mm(t, mm);
	/* elf_read_implies_exec: no PT_GNU_STACK means READ_IMPLIES_EXEC on i386 */
	mm->read_implies_exec = img->stack_exec < 0;
	bool stack_x = img->stack_exec == 1 || (img->stack_exec < 0);

	int e = 0;
	struct vm_file *file = vm_file_open_fd(t->page_cache, host_fd, guest_path, true, false, &e);
	if (!file) {
		free(img);
		return errf(err, errlen, e, "%s: cannot map the file", guest_path);
	}
	uint32_t elf_bss = 0, elf_brk = 0, start_code = ~0u, end_code = 0, start_data = 0,
		 end_data = 0, phdr_addr = 0;
	int bss_prot = 0;
	bool first = true;
	for (unsigned i = 0; i < img->e_phnum && !r; i++) {
		const struct elf32_phdr *ph = &img->ph[i];
		if (ph->p_type != PT_LOAD)
			continue;
		if (elf_brk > elf_bss) {
			/* a segment with bss before this one */
			r = set_brk(mm, elf_bss, elf_brk, bss_prot);
			if (!r && padzero(t, elf_bss))
				r = -EFAULT;
			if (r)
				break;
		}
		int prot = prot_of(ph->p_flags);
		uint32_t off_in_page = ph->p_vaddr & (PG - 1);
		if (ph->p_filesz) {
			long a = do_mmap(mm, ph->p_vaddr - off_in_page, ph->p_filesz + off_in_page,
					 (uint32_t)prot,
					 MAP_PRIVATE | (first ? MAP_FIXED_NOREPLACE : MAP_FIXED), file,
					 (ph->p_offset - off_in_page) >> 12);
			if (a < 0) {
				r = (int)a;
				snprintf(err, errlen,
					 "%s: cannot map segment %u at %#x (%s)", guest_path, i,
					 ph->p_vaddr, strerror((int)-a));
				break;
			}
		}
		first = false;
		if (img->e_phoff >= ph->p_offset && img->e_phoff < ph->p_offset + ph->p_filesz)
			phdr_addr = img->e_phoff - ph->p_offset + ph->p_vaddr;
		uint32_t k = ph->p_vaddr;
		if ((ph->p_flags & ELF_PF_X) && k < start_code)
			start_code = k;
		if (start_data < k)
			start_data = k;
		k = ph->p_vaddr + ph->p_filesz;
		if (k > elf_bss)
			elf_bss = k;
		if ((ph->p_flags & ELF_PF_X) && end_code < k)
			end_code = k;
		if (end_data < k)
			end_data = k;
		k = ph->p_vaddr + ph->p_memsz;
		if (k > elf_brk) {
			bss_prot = prot;
			elf_brk = k;
		}
	}
	vm_file_put(file);
	if (r) {
		if (!*err)
			snprintf(err, errlen, "%s: cannot load (%s)", guest_path, strerror(-r));
		free(img);
		return r;
	}
	mm->start_code = start_code;
	mm->end_code = end_code;
	mm->start_data = start_data;
	mm->end_data = end_data;
	r = set_brk(mm, elf_bss, elf_brk, bss_prot);
	if (!r && elf_bss != elf_brk && padzero(t, elf_bss))
		r = -EFAULT;
	if (r) {
		free(img);
		return errf(err, errlen, r, "%s: cannot set up bss and brk", guest_path);
	}
	if (mm->cfg.randomize) /* arch_randomize_brk: within 32 MB */
		mm->start_brk = mm->brk = mm->brk + (uint32_t)((rng_next(t) % 0x2000) << 12);
	r = setup_vdso(t, mm);
	if (r) {
		free(img);
		return errf(err, errlen, r, "%s: cannot map the vDSO", guest_path);
	}
	const char *base = strrchr(filename, '/');
	t->comm = base ? base + 1 : filename;
	t->exe_path = guest_path; /* /proc/self/exe; outlives the task as filename does */
	int envc = 0;
	while (envp && envp[envc])
		envc++;
	r = create_stack(t, mm, img, phdr_addr, filename, (struct strtab){argc, argv},
			 (struct strtab){envc, envp}, stack_x, err, errlen);
	if (!r) {
		t->cpu->eip = img->e_entry;
		for (int i = 0; i < 8; i++)
			if (i != R_ESP)
				t->cpu->regs[i] = 0;
		cpu_set_eflags(t->cpu, 0x202);
	}
	free(img);
	return r;
}
