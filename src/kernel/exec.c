/*
 * Loading an i386 ELF executable (load_elf_binary, load_elf_interp): PT_LOAD segments mapped
 * privately from the page cache (ET_EXEC at their addresses, a PIE at ELF_ET_DYN_BASE, a
 * static-pie or ld.so where mmap puts it), the partial bss page zeroed (padzero), whole bss
 * pages anonymous (vm_brk_flags), the break after them; the PT_INTERP interpreter below
 * mmap_base; [vvar] and [vdso]; the stack with its strings and tables (setup_arg_pages,
 * create_elf_tables). docs/dynamic.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpu/cpu.h"
#include "kernel/elf.h"
#include "kernel/exec.h"
#include "kernel/fs/fs.h"
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
/* Where a PIE goes on i386 (arch/x86/include/asm/elf.h: mmap_is_ia32()): 4 MB whatever the
 * user/kernel split, the first 4 MB left free for vm86 and NULL-pointer faults. */
#define ELF_ET_DYN_BASE 0x00400000u

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

/* The auxv entries that depend on where the program and its interpreter were loaded. */
struct auxv_addrs {
	uint32_t phdr, phnum, base, entry;
};

static int create_stack(struct task *t, struct mm_struct *mm, const struct auxv_addrs *ax,
			const char *execfn, struct strtab av, struct strtab ev, bool stack_x,
			char *err, size_t errlen)
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
	AUX(AT_PHDR, ax->phdr);
	AUX(AT_PHENT, 32);
	AUX(AT_PHNUM, ax->phnum);
	AUX(AT_BASE, ax->base);
	AUX(AT_FLAGS, 0);
	AUX(AT_ENTRY, ax->entry);
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

/* Reads and checks the ELF headers of an open file. 0, or -errno with the reason in why. */
static int read_elf(int fd, uint32_t task_size, struct elf_image *img, char *why, size_t n)
{
	struct stat st;
	if (fstat(fd, &st)) {
		snprintf(why, n, "cannot stat (%s)", strerror(errno));
		return -errno;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, n, "not a regular file");
		return -EACCES;
	}
	size_t len = st.st_size < 65536 ? (size_t)st.st_size : 65536;
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf) {
		snprintf(why, n, "out of memory");
		return -ENOMEM;
	}
	ssize_t got = pread(fd, buf, len, 0);
	int r;
	if (got < 0) {
		r = -errno;
		snprintf(why, n, "cannot read (%s)", strerror(errno));
	} else {
		r = elf_parse(buf, (size_t)got, (uint64_t)st.st_size, task_size, img, why, n);
	}
	free(buf);
	return r;
}

/*
 * The PT_INTERP file, opened as load_elf_binary opens it (open_exec, inside the sandbox:
 * the name is resolved below --root) and checked before the point of no return. A host
 * descriptor, or -errno with a message; an interpreter that is no i386 ELF file is ELIBBAD.
 */
static int open_interp(struct task *t, int fd, const char *guest_path, const struct elf_image *img,
		       uint32_t task_size, struct elf_image *iimg, char *name, char *err,
		       size_t errlen)
{
	ssize_t got = pread(fd, name, img->interp_len, img->interp_off);
	if (got != (ssize_t)img->interp_len || name[img->interp_len - 1] != 0) {
		snprintf(err, errlen,
			 "%s: the interpreter name (PT_INTERP) is not a "
			 "NUL-terminated string",
			 guest_path);
		return -ENOEXEC;
	}
	if (!t->fs) {
		snprintf(err, errlen, "%s: no file system to find the interpreter %s in",
			 guest_path, name);
		return -ENOENT;
	}
	int ifd = fs_open_host(t, AT_FDCWD, name, O_RDONLY | O_CLOEXEC, 0, true);
	if (ifd < 0) {
		snprintf(err, errlen, "%s: interpreter %s: %s", guest_path, name, strerror(-ifd));
		return ifd;
	}
	struct stat st;
	bool x = false;
	if (fstat(ifd, &st) == 0)
		x = t->euid == 0 ? (st.st_mode & 0111) != 0
				 : (st.st_uid == t->euid ? (st.st_mode & 0100) != 0
							 : (st.st_mode & 0011) != 0);
	if (!x || !S_ISREG(st.st_mode)) {
		close(ifd);
		snprintf(err, errlen, "%s: interpreter %s: not an executable regular file",
			 guest_path, name);
		return -EACCES;
	}
	char why[200];
	int r = read_elf(ifd, task_size, iimg, why, sizeof why);
	if (r) {
		close(ifd);
		snprintf(err, errlen, "%s: interpreter %s: %s", guest_path, name, why);
		/* elf_read of the interpreter's header: a short file is EIO, not ELIBBAD */
		if (r != -ENOMEM && st.st_size < 52)
			return -EIO;
		return r == -ENOMEM ? r : -ELIBBAD;
	}
	return ifd;
}

/*
 * elf_map: the file part of a segment at addr (page-aligned down). With total_size (the
 * first segment of an ET_DYN image), room for the whole image is mapped first and all but
 * this segment unmapped again, so the image lands in one free range. The address or -errno.
 */
static long elf_map(struct mm_struct *mm, struct vm_file *file, uint32_t addr,
		    const struct elf32_phdr *ph, int prot, uint32_t flags, uint32_t total_size)
{
	uint32_t off_in_page = ph->p_vaddr & (PG - 1);
	uint32_t size = PG_ALIGN(ph->p_filesz + off_in_page);
	uint32_t off = ph->p_offset - off_in_page;
	addr &= ~(PG - 1);
	if (!size)
		return addr;
	if (total_size) {
		total_size = PG_ALIGN(total_size);
		if (total_size < size)
			total_size = size;
		long a = do_mmap(mm, addr, total_size, (uint32_t)prot, flags, file, off >> 12);
		if (a >= 0 && total_size > size)
			do_munmap(mm, (uint32_t)a + size, total_size - size);
		return a;
	}
	return do_mmap(mm, addr, size, (uint32_t)prot, flags, file, off >> 12);
}

/* What loading the executable left for the rest of exec (all biased). */
struct elf_loaded {
	uint32_t load_bias, entry, phdr_addr;
	uint32_t start_code, end_code, start_data, end_data, elf_bss, elf_brk;
	int bss_prot;
};

/* The executable's PT_LOAD segments (load_elf_binary's loop): ET_EXEC at its addresses; a
 * PIE (ET_DYN with an interpreter) at ELF_ET_DYN_BASE; a loader or static-pie (ET_DYN
 * without one) wherever mmap puts it, like any mapping. */
static int load_executable(struct task *t, struct mm_struct *mm, const struct elf_image *img,
			   struct vm_file *file, bool has_interp, struct elf_loaded *L,
			   const char *guest_path, char *err, size_t errlen)
{
	uint32_t load_bias = 0, elf_bss = 0, elf_brk = 0, start_code = ~0u, end_code = 0,
		 start_data = 0, end_data = 0, phdr_addr = 0;
	int bss_prot = 0, r = 0;
	bool first = true;
	for (unsigned i = 0; i < img->e_phnum; i++) {
		const struct elf32_phdr *ph = &img->ph[i];
		if (ph->p_type != PT_LOAD)
			continue;
		if (elf_brk > elf_bss) {
			/* a segment with bss before this one */
			r = set_brk(mm, elf_bss + load_bias, elf_brk + load_bias, bss_prot);
			if (r)
				break;
			/* failure is ignored, as Linux does (odd protections) */
			uint32_t nbyte = elf_bss & (PG - 1);
			if (nbyte) {
				nbyte = PG - nbyte;
				if (nbyte > elf_brk - elf_bss)
					nbyte = elf_brk - elf_bss;
				(void)clear_user(t, elf_bss + load_bias, nbyte);
			}
		}
		int prot = prot_of(ph->p_flags);
		uint32_t flags = MAP_PRIVATE, total_size = 0;
		if (!first) {
			flags |= MAP_FIXED;
		} else if (img->e_type == ET_EXEC) {
			flags |= MAP_FIXED_NOREPLACE;
		} else {
			if (has_interp) {
				load_bias = ELF_ET_DYN_BASE;
				if (mm->cfg.randomize) /* arch_mmap_rnd: mmap_rnd_bits = 8 */
					load_bias += (uint32_t)(rng_next(t) & 0xff) << 12;
				if (img->max_align > PG)
					load_bias &= ~(img->max_align - 1);
				flags |= MAP_FIXED_NOREPLACE;
			}
			load_bias = (load_bias - ph->p_vaddr) & ~(PG - 1);
			total_size = img->total_size;
		}
		long a = elf_map(mm, file, load_bias + ph->p_vaddr, ph, prot, flags, total_size);
		if (a < 0) {
			snprintf(err, errlen, "%s: cannot map segment %u at %#x (%s)", guest_path,
				 i, load_bias + ph->p_vaddr, strerror((int)-a));
			return (int)a;
		}
		if (first && img->e_type == ET_DYN)
			load_bias += (uint32_t)a - ((load_bias + ph->p_vaddr) & ~(PG - 1));
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
	if (r) {
		snprintf(err, errlen, "%s: cannot map the bss (%s)", guest_path, strerror(-r));
		return r;
	}
	L->load_bias = load_bias;
	L->entry = img->e_entry + load_bias;
	L->phdr_addr = phdr_addr + load_bias;
	L->start_code = start_code + load_bias;
	L->end_code = end_code + load_bias;
	L->start_data = start_data + load_bias;
	L->end_data = end_data + load_bias;
	L->elf_bss = elf_bss + load_bias;
	L->elf_brk = elf_brk + load_bias;
	L->bss_prot = bss_prot;
	return 0;
}

/* load_elf_interp: the interpreter's segments, as one image top-down below mmap_base when it
 * is ET_DYN (ld.so), at their own addresses when ET_EXEC; its bss. The load address (what
 * AT_BASE says) or -errno. */
static long load_interp(struct task *t, struct mm_struct *mm, const struct elf_image *img,
			struct vm_file *file, uint32_t no_base)
{
	uint32_t load_addr = 0, elf_bss = 0, last_bss = 0, total_size = img->total_size;
	bool load_addr_set = false;
	int bss_prot = 0;
	for (unsigned i = 0; i < img->e_phnum; i++) {
		const struct elf32_phdr *ph = &img->ph[i];
		if (ph->p_type != PT_LOAD)
			continue;
		uint32_t flags = MAP_PRIVATE;
		int prot = prot_of(ph->p_flags);
		uint32_t vaddr = ph->p_vaddr;
		if (img->e_type == ET_EXEC || load_addr_set)
			flags |= MAP_FIXED;
		else if (no_base && img->e_type == ET_DYN)
			load_addr = -vaddr;
		long a = elf_map(mm, file, load_addr + vaddr, ph, prot, flags, total_size);
		total_size = 0;
		if (a < 0)
			return a;
		if (!load_addr_set && img->e_type == ET_DYN) {
			load_addr = (uint32_t)a - (vaddr & ~(PG - 1));
			load_addr_set = true;
		}
		uint64_t k = (uint64_t)load_addr + ph->p_vaddr;
		if (k >= mm->task_size || ph->p_memsz > mm->task_size ||
		    mm->task_size - ph->p_memsz < k)
			return -ENOMEM;
		uint32_t e = load_addr + ph->p_vaddr + ph->p_filesz;
		if (e > elf_bss)
			elf_bss = e;
		e = load_addr + ph->p_vaddr + ph->p_memsz;
		if (e > last_bss) {
			last_bss = e;
			bss_prot = prot;
		}
	}
	/* the rest of the last file page is zeroed, whole bss pages are anonymous */
	if (padzero(t, elf_bss))
		return -EFAULT;
	elf_bss = PG_ALIGN(elf_bss);
	last_bss = PG_ALIGN(last_bss);
	if (last_bss > elf_bss) {
		int r = vm_brk_flags(mm, elf_bss, last_bss - elf_bss,
				     (bss_prot & PROT_EXEC) ? VM_EXEC : 0);
		if (r)
			return r;
	}
	return (long)load_addr;
}

/* Past the checks: a new mm replaces t's, the executable and its interpreter are mapped,
 * then the break, the vDSO and the stack (load_elf_binary's order). */
static int exec_replace(struct task *t, int host_fd, const char *guest_path, const char *filename,
			int argc, char *const argv[], char *const envp[],
			const struct mm_layout_config *cfg, const struct elf_image *img, int ifd,
			const struct elf_image *iimg, const char *ipath, char *err, size_t errlen)
{
	struct mm_struct *mm = mm_alloc(t, cfg);
	if (!mm || mm_alloc_pgd(mm)) {
		mmput(mm);
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
	if (!file)
		return errf(err, errlen, e, "%s: cannot map the file", guest_path);
	struct elf_loaded L = {0};
	int r = load_executable(t, mm, img, file, ifd >= 0, &L, guest_path, err, errlen);
	vm_file_put(file);
	if (r)
		return r;
	mm->start_code = L.start_code;
	mm->end_code = L.end_code;
	mm->start_data = L.start_data;
	mm->end_data = L.end_data;
	r = set_brk(mm, L.elf_bss, L.elf_brk, L.bss_prot);
	if (!r && L.elf_bss != L.elf_brk && padzero(t, L.elf_bss))
		r = -EFAULT;
	if (r)
		return errf(err, errlen, r, "%s: cannot set up bss and brk", guest_path);
	uint32_t entry = L.entry, interp_base = 0;
	if (ifd >= 0) {
		struct vm_file *ifile = vm_file_open_fd(t->page_cache, ifd, ipath, true, false, &e);
		if (!ifile)
			return errf(err, errlen, e, "%s: cannot map the interpreter", ipath);
		long a = load_interp(t, mm, iimg, ifile, L.load_bias);
		vm_file_put(ifile);
		if (a < 0) {
			snprintf(err, errlen, "%s: cannot load the interpreter %s (%s)", guest_path,
				 ipath, strerror((int)-a));
			return (int)a;
		}
		interp_base = (uint32_t)a;
		entry = interp_base + iimg->e_entry;
	}
	/* A loader run directly (static-pie, ld.so as the program) gets its break in the unused
	 * ELF_ET_DYN_BASE region, away from the mmap area its image sits in, with or without
	 * randomisation (6.1.176 has "binfmt_elf: Move brk for static PIE even if ASLR
	 * disabled"; the real kernel's maps show it). arch_randomize_brk then moves it within
	 * 32 MB when randomising. */
	if (img->e_type == ET_DYN && ifd < 0)
		mm->start_brk = mm->brk = ELF_ET_DYN_BASE;
	if (mm->cfg.randomize)
		mm->start_brk = mm->brk = mm->brk + (uint32_t)((rng_next(t) % 0x2000) << 12);
	r = setup_vdso(t, mm);
	if (r)
		return errf(err, errlen, r, "%s: cannot map the vDSO", guest_path);
	const char *base = strrchr(filename, '/');
	t->comm = base ? base + 1 : filename;
	t->exe_path = guest_path; /* /proc/self/exe; outlives the task as filename does */
	int envc = 0;
	while (envp && envp[envc])
		envc++;
	struct auxv_addrs ax = {
	    .phdr = L.phdr_addr, .phnum = img->e_phnum, .base = interp_base, .entry = L.entry};
	r = create_stack(t, mm, &ax, filename, (struct strtab){argc, argv},
			 (struct strtab){envc, envp}, stack_x, err, errlen);
	if (!r) {
		t->cpu->eip = entry;
		for (int i = 0; i < 8; i++)
			if (i != R_ESP)
				t->cpu->regs[i] = 0;
		cpu_set_eflags(t->cpu, 0x202);
	}
	return r;
}

int exec_binary(struct task *t, int host_fd, const char *guest_path, const char *filename, int argc,
		char *const argv[], char *const envp[], const struct mm_layout_config *cfg,
		char *err, size_t errlen)
{
	struct elf_image *img = malloc(sizeof *img), *iimg = NULL;
	char why[200];
	int r = img ? read_elf(host_fd, cfg->task_size, img, why, sizeof why) : -ENOMEM;
	if (r) {
		snprintf(err, errlen, "%s: %s", guest_path, img ? why : "out of memory");
		free(img);
		return r;
	}
	/* the interpreter is found and checked before the old address space goes */
	int ifd = -1;
	char *iname = NULL, ipath[4096];
	if (img->interp_len) {
		iimg = malloc(sizeof *iimg);
		iname = malloc(img->interp_len);
		if (!iimg || !iname) {
			free(iimg);
			free(iname);
			free(img);
			return errf(err, errlen, -ENOMEM, "%s: out of memory", guest_path);
		}
		ifd = open_interp(t, host_fd, guest_path, img, cfg->task_size, iimg, iname, err,
				  errlen);
		if (ifd < 0) {
			free(iimg);
			free(iname);
			free(img);
			return ifd;
		}
		if (fs_guest_path_of_fd(t, ifd, ipath, sizeof ipath) < 0)
			snprintf(ipath, sizeof ipath, "%s", iname);
	}
	r = exec_replace(t, host_fd, guest_path, filename, argc, argv, envp, cfg, img, ifd, iimg,
			 ipath, err, errlen);
	if (ifd >= 0)
		close(ifd);
	free(iimg);
	free(iname);
	free(img);
	return r;
}
