/*
 * User memory from the kernel: each page is translated by the MMU as a supervisor access
 * with the task's page tables (CR0.WP set, so a write to a COW page faults as it does on
 * Linux), a #PF goes to the fault handler, and only a fault it cannot resolve gives -EFAULT.
 */
#include <errno.h>
#include <string.h>

#include "hw/mmu.h"
#include "kernel/mm/memory.h"
#include "kernel/mm/mmap.h"
#include "kernel/task.h"
#include "kernel/uaccess.h"

/* A fault retried this often without progress is a kernel bug, not a user error. */
#define UACCESS_MAX_RETRIES 8

static bool access_ok(struct task *t, uint32_t addr, size_t n)
{
	uint32_t limit = t->mm ? t->mm->task_size : 0xC0000000u;
	return n <= limit && addr <= limit - n;
}

/* The bytes from lin to the end of its page, at most left: one user_page translation each. */
static size_t page_chunk(uint32_t lin, size_t left)
{
	size_t room = PAGE_SIZE - (lin & ~PAGE_MASK);
	return room < left ? room : left;
}

/* Translates one user page for the kernel; 0 and *pa, or -EFAULT. */
static int user_page(struct task *t, uint32_t lin, enum mmu_access acc, phys_addr_t *pa)
{
	for (int tries = 0; tries < UACCESS_MAX_RETRIES; tries++) {
		struct x86_exception ex;
		if (mmu_translate(t->mmu, lin, acc, false, pa, &ex) == 0)
			return 0;
		if (ex.vector == X86_TLB_REFILL) {
			if (mmu_tlb_refill(t->mmu, lin, acc, false, &ex) == 0)
				continue;
		}
		if (ex.vector != X86_PF)
			return -EFAULT;
		struct fault_outcome out;
		do_user_addr_fault(t, lin, ex.error_code, &out);
		if (out.sig)
			return -EFAULT;
	}
	return -EFAULT;
}

/* Copies between the host buffer and user memory, page by page, up to the first page that
 * is not accessible: the bytes copied. */
static size_t user_copy_upto(struct task *t, uint32_t uaddr, void *buf, const void *src,
			     size_t n, bool to_user)
{
	size_t done = 0;
	while (done < n) {
		uint32_t lin = uaddr + (uint32_t)done;
		size_t chunk = page_chunk(lin, n - done);
		phys_addr_t pa;
		if (!access_ok(t, lin, chunk) ||
		    user_page(t, lin, to_user ? ACC_WRITE : ACC_READ, &pa))
			break;
		if (to_user) {
			if (src)
				physmem_write_buf(t->pm, pa, (const uint8_t *)src + done, chunk);
			else {
				static const uint8_t zeros[PAGE_SIZE];
				physmem_write_buf(t->pm, pa, zeros, chunk);
			}
		} else {
			physmem_read_buf(t->pm, pa, (uint8_t *)buf + done, chunk);
		}
		done += chunk;
	}
	return done;
}

/* All or -EFAULT; a range reaching past TASK_SIZE fails before anything is copied. */
static int user_copy(struct task *t, uint32_t uaddr, void *buf, const void *src, size_t n,
		     bool to_user)
{
	if (!access_ok(t, uaddr, n))
		return -EFAULT;
	return user_copy_upto(t, uaddr, buf, src, n, to_user) == n ? 0 : -EFAULT;
}

size_t copy_to_user_partial(struct task *t, uint32_t udst, const void *src, size_t n)
{
	return src ? user_copy_upto(t, udst, NULL, src, n, true) : 0;
}

size_t copy_from_user_partial(struct task *t, void *dst, uint32_t usrc, size_t n)
{
	return user_copy_upto(t, usrc, dst, NULL, n, false);
}

int copy_from_user(struct task *t, void *dst, uint32_t usrc, size_t n)
{
	return user_copy(t, usrc, dst, NULL, n, false);
}

int copy_to_user(struct task *t, uint32_t udst, const void *src, size_t n)
{
	if (!src && n)
		return -EFAULT;
	return user_copy(t, udst, NULL, src, n, true);
}

int clear_user(struct task *t, uint32_t udst, size_t n)
{
	return user_copy(t, udst, NULL, NULL, n, true);
}

long strncpy_from_user(struct task *t, char *dst, uint32_t usrc, size_t n)
{
	size_t done = 0;
	while (done < n) {
		uint32_t lin = usrc + (uint32_t)done;
		size_t chunk = page_chunk(lin, n - done);
		if (!access_ok(t, lin, chunk))
			return -EFAULT;
		phys_addr_t pa;
		if (user_page(t, lin, ACC_READ, &pa))
			return -EFAULT;
		physmem_read_buf(t->pm, pa, dst + done, chunk);
		char *nul = memchr(dst + done, 0, chunk);
		if (nul)
			return (long)(nul - dst);
		done += chunk;
	}
	return -ENAMETOOLONG;
}

int get_user_u32(struct task *t, uint32_t uaddr, uint32_t *v)
{
	uint8_t b[4];
	int r = copy_from_user(t, b, uaddr, 4);
	if (!r)
		*v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
		     (uint32_t)b[3] << 24;
	return r;
}

int put_user_u32(struct task *t, uint32_t uaddr, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	return copy_to_user(t, uaddr, b, 4);
}
