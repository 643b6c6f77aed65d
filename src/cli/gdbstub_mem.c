/*
 * Guest memory for gdb (m, M): the live page tables walked in software, physical memory
 * read and written directly; nothing counted, no fault taken.
 */
#include "cli/gdbstub.h"

#include <stdlib.h>
#include <string.h>

#include "kernel/mm/mmap.h"

/* ---- memory ---- */

/* Private anonymous memory the program has not touched yet: no paging entry at all (not
 * even a swap entry) in a readable VMA. It reads as zeros, as the zero page a read fault
 * would map; the stub says so without bringing the page in. */
static bool untouched_anon(struct machine *m, uint32_t lin, const struct walk_result *res)
{
	struct task *t = m->sched.current ? m->sched.current : &m->task;
	if (!t->mm || !res->nsteps || res->steps[res->nsteps - 1].entry != 0)
		return false;
	const struct vm_area_struct *v = find_vma(t->mm, lin);
	return v && v->vm_start <= lin && !v->vm_file && v->kind == VMA_NORMAL &&
	       (v->vm_flags & VM_READ) && !(v->vm_flags & (VM_SHARED | VM_SPECIAL));
}

size_t gdbstub_peek(struct machine *m, uint32_t addr, void *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		uint32_t lin = addr + (uint32_t)done;
		struct walk_result res;
		struct x86_exception ex;
		size_t in_page = PAGE_SIZE - (lin & (PAGE_SIZE - 1));
		size_t k = n - done < in_page ? n - done : in_page;
		if (paging_walk(&m->pm, &m->mmu.regs, lin, ACC_READ, true, false, &res, &ex)) {
			if (!untouched_anon(m, lin, &res))
				break;
			memset((char *)buf + done, 0, k);
		} else if (physmem_is_ram(&m->pm, res.pa))
			physmem_read_buf(&m->pm, res.pa, (char *)buf + done, k);
		else
			break;
		done += k;
		if (lin + k == 0)
			break; /* the top of the address space */
	}
	return done;
}

/* A debugger's write: only into pages the program itself could write now (present and
 * writable for user mode: no copy-on-write break, no page brought in). The walk sets A and
 * D, as the write it is; decoded code of the frame is dropped. */
static int poke(struct machine *m, uint32_t addr, const uint8_t *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		uint32_t lin = addr + (uint32_t)done;
		struct walk_result res;
		struct x86_exception ex;
		if (paging_walk(&m->pm, &m->mmu.regs, lin, ACC_WRITE, true, false, &res, &ex) ||
		    !physmem_is_ram(&m->pm, res.pa))
			return -1;
		size_t in_page = PAGE_SIZE - (lin & (PAGE_SIZE - 1));
		done += n - done < in_page ? n - done : in_page;
		if (lin + in_page == 0 && done < n)
			return -1;
	}
	for (done = 0; done < n;) {
		uint32_t lin = addr + (uint32_t)done;
		struct walk_result res;
		struct x86_exception ex;
		paging_walk(&m->pm, &m->mmu.regs, lin, ACC_WRITE, true, true, &res, &ex);
		size_t in_page = PAGE_SIZE - (lin & (PAGE_SIZE - 1));
		size_t k = n - done < in_page ? n - done : in_page;
		physmem_frame_changed(&m->pm, res.pa >> PAGE_SHIFT);
		physmem_write_buf(&m->pm, res.pa, buf + done, k);
		done += k;
	}
	return 0;
}

bool gdbstub_parse_addr_len(const char **p, uint64_t *addr, uint64_t *len, char sep)
{
	return !gdb_parse_hex(p, addr) && *(*p)++ == sep && !gdb_parse_hex(p, len) &&
	       *addr <= 0xffffffffu;
}

void gdbstub_read_mem(struct gdbstub *g, const char *p)
{
	uint64_t addr, len;
	if (!gdbstub_parse_addr_len(&p, &addr, &len, ',') || *p) {
		gdbstub_send_str(g, "E01");
		return;
	}
	if (len > (GDB_PACKET_MAX - 4) / 2)
		len = (GDB_PACKET_MAX - 4) / 2;
	uint8_t *buf = malloc(len ? len : 1);
	char *hex = malloc(2 * len + 1);
	if (!buf || !hex) {
		gdbstub_send_str(g, "E0c");
	} else {
		size_t got = gdbstub_peek(g->m, (uint32_t)addr, buf, len);
		if (!got && len)
			gdbstub_send_str(g, "E0e");
		else {
			gdb_tohex(hex, buf, got);
			gdbstub_send(g, hex, 2 * got);
		}
	}
	free(buf);
	free(hex);
}

void gdbstub_write_mem(struct gdbstub *g, const char *p)
{
	uint64_t addr, len;
	if (!gdbstub_parse_addr_len(&p, &addr, &len, ',') || *p++ != ':' || len > GDB_PACKET_MAX ||
	    strlen(p) != 2 * len) {
		gdbstub_send_str(g, "E01");
		return;
	}
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf || gdb_fromhex(buf, len, p, 2 * len) != (long)len ||
	    poke(g->m, (uint32_t)addr, buf, len))
		gdbstub_send_str(g, "E0e");
	else
		gdbstub_send_str(g, "OK");
	free(buf);
}
