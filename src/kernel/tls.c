/* set_thread_area, get_thread_area and modify_ldt (arch/x86/kernel/tls.c, ldt.c). */
#include "kernel/tls.h"

#include <errno.h>
#include <string.h>

#include "cpu/cpu.h"
#include "hw/seg.h"
#include "kernel/mm/kmem.h"
#include "kernel/task.h"
#include "kernel/uaccess.h"

#define UD_SEG_32BIT(f) ((f) & 1u)
#define UD_CONTENTS(f) (((f) >> 1) & 3u)
#define UD_READ_EXEC_ONLY(f) (((f) >> 3) & 1u)
#define UD_LIMIT_IN_PAGES(f) (((f) >> 4) & 1u)
#define UD_SEG_NOT_PRESENT(f) (((f) >> 5) & 1u)
#define UD_USEABLE(f) (((f) >> 6) & 1u)

bool user_desc_empty(const struct user_desc_i386 *u)
{
	return u->base_addr == 0 && u->limit == 0 && UD_CONTENTS(u->flags) == 0 &&
	       UD_READ_EXEC_ONLY(u->flags) == 1 && UD_SEG_32BIT(u->flags) == 0 &&
	       UD_LIMIT_IN_PAGES(u->flags) == 0 && UD_SEG_NOT_PRESENT(u->flags) == 1 &&
	       UD_USEABLE(u->flags) == 0;
}

bool user_desc_zero(const struct user_desc_i386 *u)
{
	return u->base_addr == 0 && u->limit == 0 && (u->flags & 0x7f) == 0;
}

uint64_t user_desc_to_raw(const struct user_desc_i386 *u)
{
	struct seg_desc d = {
		.base = u->base_addr,
		.limit = u->limit & 0xfffff,
		.type = (uint8_t)(((UD_READ_EXEC_ONLY(u->flags) ^ 1) << 1) |
				  (UD_CONTENTS(u->flags) << 2) | 1 /* accessed */),
		.s = true,
		.dpl = 3,
		.p = !UD_SEG_NOT_PRESENT(u->flags),
		.avl = UD_USEABLE(u->flags),
		.db = UD_SEG_32BIT(u->flags),
		.g = UD_LIMIT_IN_PAGES(u->flags),
	};
	return seg_desc_encode(&d);
}

void raw_to_user_desc(uint64_t raw, uint32_t idx, struct user_desc_i386 *u)
{
	struct seg_desc d;
	seg_desc_decode(raw, &d);
	memset(u, 0, sizeof(*u));
	u->entry_number = idx;
	u->base_addr = d.base;
	u->limit = d.limit;
	u->flags = (uint32_t)d.db | (uint32_t)(d.type >> 2 & 3) << 1 |
		   (uint32_t)!(d.type & 2) << 3 | (uint32_t)d.g << 4 | (uint32_t)!d.p << 5 |
		   (uint32_t)d.avl << 6;
}

/* Kernel memory through the MMU with supervisor rights, as the kernel writes its tables. */
static int kread(struct task *t, uint32_t va, uint64_t *v)
{
	struct x86_exception ex;
	return mmu_read_linear(t->mmu, va, v, 8, ACC_READ, false, &ex) ? -EFAULT : 0;
}

static int kwrite(struct task *t, uint32_t va, uint64_t v)
{
	struct x86_exception ex;
	return mmu_write_linear(t->mmu, va, &v, 8, false, &ex) ? -EFAULT : 0;
}

static uint32_t gdt_entry(struct task *t, unsigned idx)
{
	return t->mmu->seg.gdtr_base + idx * 8;
}

/* Reloads DS/ES/FS/GS that hold sel, so the new descriptor takes effect (as
 * set_thread_area and modify_ldt do for the current task); a selector that no longer
 * loads becomes null, as loadsegment's fixup makes it. */
static void reload_segments(struct task *t, uint16_t sel, bool by_table, bool ldt)
{
	static const enum sreg regs[] = {SR_DS, SR_ES, SR_FS, SR_GS};
	for (size_t i = 0; i < 4; i++) {
		uint16_t cur = t->mmu->seg.sr[regs[i]].selector;
		bool hit = by_table ? (SEL_TI(cur) == (unsigned)ldt && (cur & ~3u) != 0)
				    : cur == sel;
		if (!hit)
			continue;
		struct x86_exception ex;
		if (mmu_load_seg(t->mmu, regs[i], cur, &ex))
			mmu_load_seg(t->mmu, regs[i], 0, &ex);
	}
}

static bool tls_desc_okay(const struct user_desc_i386 *u)
{
	if (user_desc_empty(u) || user_desc_zero(u))
		return true;
	/* 16-bit TLS segments would need espfix; code and non-present ones are refused */
	return UD_SEG_32BIT(u->flags) && UD_CONTENTS(u->flags) <= 1 &&
	       !UD_SEG_NOT_PRESENT(u->flags);
}

long sys_set_thread_area(struct task *t, const uint32_t *a)
{
	struct user_desc_i386 u;
	if (copy_from_user(t, &u, a[0], sizeof(u)))
		return -EFAULT;
	if (!tls_desc_okay(&u))
		return -EINVAL;
	int32_t idx = (int32_t)u.entry_number;
	if (idx == -1) {
		idx = -ESRCH;
		for (int i = 0; i < GDT_ENTRY_TLS_ENTRIES; i++) {
			uint64_t raw;
			if (kread(t, gdt_entry(t, GDT_ENTRY_TLS_MIN_ + (unsigned)i), &raw))
				return -EFAULT;
			if (raw == 0) {
				idx = GDT_ENTRY_TLS_MIN_ + i;
				break;
			}
		}
		if (idx < 0)
			return idx;
		if (put_user_u32(t, a[0], (uint32_t)idx))
			return -EFAULT;
	}
	if (idx < GDT_ENTRY_TLS_MIN_ || idx >= GDT_ENTRY_TLS_MIN_ + GDT_ENTRY_TLS_ENTRIES)
		return -EINVAL;
	uint64_t raw = user_desc_empty(&u) || user_desc_zero(&u) ? 0 : user_desc_to_raw(&u);
	if (kwrite(t, gdt_entry(t, (unsigned)idx), raw))
		return -EFAULT;
	reload_segments(t, (uint16_t)(idx << 3 | 3), false, false);
	return 0;
}

long sys_get_thread_area(struct task *t, const uint32_t *a)
{
	uint32_t idx;
	if (get_user_u32(t, a[0], &idx))
		return -EFAULT;
	if (idx < GDT_ENTRY_TLS_MIN_ || idx >= GDT_ENTRY_TLS_MIN_ + GDT_ENTRY_TLS_ENTRIES)
		return -EINVAL;
	uint64_t raw;
	if (kread(t, gdt_entry(t, idx), &raw))
		return -EFAULT;
	struct user_desc_i386 u;
	raw_to_user_desc(raw, idx, &u);
	return copy_to_user(t, a[0], &u, sizeof(u)) ? -EFAULT : 0;
}

static void free_ldt(struct task *t, uint32_t ldt, uint32_t entries)
{
	if (!ldt)
		return;
	if (entries * 8 > PAGE_SIZE)
		vfree(t->km, ldt);
	else
		kfree(t->km, ldt);
}

void tls_release(struct task *t)
{
	free_ldt(t, t->ldt, t->ldt_entries);
	t->ldt = 0;
	t->ldt_entries = 0;
}

int ldt_dup_context(struct task *p, struct task *c)
{
	c->ldt = c->ldt_entries = 0;
	c->ctx.ldt_desc = 0;
	c->ctx.ldtr = 0;
	c->ctx.ldtr_base = c->ctx.ldtr_limit = 0;
	if (!p->ldt)
		return 0;
	uint32_t n = p->ldt_entries, size = n * 8;
	uint32_t ldt = size > PAGE_SIZE ? vmalloc(c->km, size) : kzalloc(c->km, size, GFP_KERNEL);
	if (!ldt)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t v = 0;
		if (kread(p, p->ldt + i * 8, &v) || kwrite(c, ldt + i * 8, v)) {
			free_ldt(c, ldt, n);
			return -ENOMEM;
		}
	}
	struct seg_desc d = {.base = ldt, .limit = size - 1, .type = 2, .s = false, .dpl = 0,
			     .p = true};
	c->ldt = ldt;
	c->ldt_entries = n;
	/* what switch_to loads for the child: GDT entry 17 and LDTR as the parent had them */
	c->ctx.ldt_desc = seg_desc_encode(&d);
	c->ctx.ldtr = p->ctx.ldtr;
	c->ctx.ldtr_base = ldt;
	c->ctx.ldtr_limit = size - 1;
	return 0;
}

/* write_ldt: a new, larger-or-equal LDT with one entry changed, installed at once
 * (alloc_ldt_struct, finalize_ldt_struct, install_ldt). */
static long write_ldt(struct task *t, uint32_t uptr, uint32_t bytecount, bool oldmode)
{
	struct user_desc_i386 u;
	if (bytecount != sizeof(u))
		return -EINVAL;
	if (copy_from_user(t, &u, uptr, sizeof(u)))
		return -EFAULT;
	if (u.entry_number >= LDT_ENTRIES)
		return -EINVAL;
	if (UD_CONTENTS(u.flags) == 3 && (oldmode || !UD_SEG_NOT_PRESENT(u.flags)))
		return -EINVAL;
	uint64_t raw = 0;
	if (!((oldmode && !u.base_addr && !u.limit) || user_desc_empty(&u))) {
		raw = user_desc_to_raw(&u);
		if (oldmode)
			raw &= ~(1ull << 52); /* AVL */
	}
	uint32_t n = u.entry_number + 1 > t->ldt_entries ? u.entry_number + 1 : t->ldt_entries;
	uint32_t size = n * 8;
	uint32_t ldt = size > PAGE_SIZE ? vmalloc(t->km, size) : kzalloc(t->km, size, GFP_KERNEL);
	if (!ldt)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t v = 0;
		if (i == u.entry_number)
			v = raw;
		else if (i < t->ldt_entries && kread(t, t->ldt + i * 8, &v))
			v = 0;
		if (kwrite(t, ldt + i * 8, v)) {
			free_ldt(t, ldt, n);
			return -EFAULT;
		}
	}
	/* the LDT system descriptor in the GDT, then LLDT */
	struct seg_desc d = {.base = ldt, .limit = size - 1, .type = 2, .s = false, .dpl = 0,
			     .p = true};
	if (kwrite(t, gdt_entry(t, GDT_ENTRY_LDT), seg_desc_encode(&d))) {
		free_ldt(t, ldt, n);
		return -EFAULT;
	}
	struct x86_exception ex;
	if (mmu_load_ldtr(t->mmu, GDT_ENTRY_LDT << 3, &ex)) {
		free_ldt(t, ldt, n);
		return -EFAULT;
	}
	free_ldt(t, t->ldt, t->ldt_entries);
	t->ldt = ldt;
	t->ldt_entries = n;
	reload_segments(t, 0, true, true);
	return 0;
}

static long read_ldt(struct task *t, uint32_t uptr, uint32_t bytecount)
{
	if (!t->ldt)
		return 0;
	if (bytecount > LDT_ENTRIES * 8)
		bytecount = LDT_ENTRIES * 8;
	uint32_t have = t->ldt_entries * 8 < bytecount ? t->ldt_entries * 8 : bytecount;
	for (uint32_t off = 0; off < have; off += 8) {
		uint64_t v;
		if (kread(t, t->ldt + off, &v) || copy_to_user(t, uptr + off, &v, 8))
			return -EFAULT;
	}
	if (have < bytecount && clear_user(t, uptr + have, bytecount - have))
		return -EFAULT;
	return bytecount;
}

long sys_modify_ldt(struct task *t, const uint32_t *a)
{
	switch (a[0]) {
	case 0:
		return read_ldt(t, a[1], a[2]);
	case 1:
		return write_ldt(t, a[1], a[2], true);
	case 2: { /* read_default_ldt: five zeroed descriptors */
		uint32_t n = a[2] > 5 * 8 ? 5 * 8 : a[2];
		return clear_user(t, a[1], n) ? -EFAULT : (long)n;
	}
	case 0x11:
		return write_ldt(t, a[1], a[2], false);
	default:
		return -ENOSYS;
	}
}
