/*
 * A small machine for the CPU unit tests: 2-level paging with identity-mapped user pages,
 * a Linux-style GDT (user CS 0x73, DS 0x7b, a TLS entry at index 6), CPL 3. Code is copied
 * to CODE and run until the CPU exits (a trailing INT 0x80 is the usual end).
 */
#ifndef TEST_CPU_FIXTURE_H
#define TEST_CPU_FIXTURE_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"

#define PD 0x100000u
#define PT 0x101000u
#define CODE 0x1000u     /* code page (user, writable: the tests patch it) */
#define DATA 0x2000u     /* data page */
#define DATA2 0x3000u    /* the page after it */
#define STACK 0x5000u    /* stack page: ESP starts at its top */
#define RO 0x6000u       /* read-only user page */
#define HOLE 0x4000u     /* not mapped */
#define SUPER 0x7000u    /* supervisor-only page */
#define GDT 0x8000u      /* supervisor page holding the GDT */
#define TLS_BASE 0x2800u /* base of the TLS segment (GDT entry 6) */

struct fx {
	struct physmem pm;
	struct mmu *m;
	struct cpu c;
	struct counters ctr;
	struct x86_exception ex;
};

static inline void fx_map(struct fx *f, uint32_t lin, uint32_t flags)
{
	physmem_write(&f->pm, PT + (lin >> 12) * 4, lin | flags, 4);
}

static inline void fx_gdt(struct fx *f, unsigned idx, uint32_t base, uint32_t limit, uint8_t type,
			  unsigned dpl, bool db)
{
	struct seg_desc d = {.base = base, .limit = limit, .type = type, .s = true, .p = true,
			     .g = true, .db = db, .dpl = (uint8_t)dpl};
	uint64_t raw = seg_desc_encode(&d);
	physmem_write(&f->pm, GDT + idx * 8, raw, 8);
}

static inline struct fx *fx_new(bool tlb)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct tlb_config cfg;
	tlb_config_default(&cfg);
	cfg.enabled = tlb;
	f->m = calloc(1, sizeof(*f->m));
	assert_int_equal(physmem_init(&f->pm, 4u << 20, false), 0);
	assert_int_equal(mmu_init(f->m, &f->pm, &cfg, &f->ctr), 0);
	physmem_write(&f->pm, PD, PT | (uint32_t)(PTE_P | PTE_RW | PTE_US), 4);
	uint32_t urw = (uint32_t)(PTE_P | PTE_RW | PTE_US);
	fx_map(f, CODE, urw);
	fx_map(f, DATA, urw);
	fx_map(f, DATA2, urw);
	fx_map(f, STACK, urw);
	fx_map(f, RO, (uint32_t)(PTE_P | PTE_US));
	fx_map(f, SUPER, (uint32_t)(PTE_P | PTE_RW));
	fx_map(f, GDT, (uint32_t)(PTE_P | PTE_RW));
	fx_gdt(f, 14, 0, 0xfffff, SEG_TYPE_CODE | SEG_TYPE_READABLE, 3, true);
	fx_gdt(f, 15, 0, 0xfffff, SEG_TYPE_WRITABLE, 3, true);
	fx_gdt(f, 6, TLS_BASE, 0, SEG_TYPE_WRITABLE, 3, true); /* limit 4 KB - 1 */
	fx_gdt(f, 12, 0, 0xfffff, SEG_TYPE_CODE | SEG_TYPE_READABLE, 0, true);
	mmu_set_gdtr(f->m, GDT, 32 * 8 - 1);
	mmu_write_cr3(f->m, PD);
	mmu_write_cr0(f->m, CR0_PE | CR0_PG | CR0_WP);
	assert_int_equal(cpu_init(&f->c, f->m, &f->ctr), 0);
	f->m->cpl = 3;
	assert_int_equal(mmu_load_seg(f->m, SR_CS, 0x73, &f->ex), 0);
	assert_int_equal(mmu_load_seg(f->m, SR_SS, 0x7b, &f->ex), 0);
	assert_int_equal(mmu_load_seg(f->m, SR_DS, 0x7b, &f->ex), 0);
	assert_int_equal(mmu_load_seg(f->m, SR_ES, 0x7b, &f->ex), 0);
	assert_int_equal(mmu_load_seg(f->m, SR_FS, 0, &f->ex), 0);
	assert_int_equal(mmu_load_seg(f->m, SR_GS, 0, &f->ex), 0);
	f->c.regs[R_ESP] = STACK + PAGE_SIZE;
	f->c.eip = CODE;
	cpu_set_eflags(&f->c, 0x202);
	return f;
}

static inline void fx_free(struct fx *f)
{
	cpu_destroy(&f->c);
	mmu_destroy(f->m);
	physmem_destroy(&f->pm);
	free(f->m);
	free(f);
}

/* Copies code to CODE (as a loader would: decoded copies are dropped) and sets EIP there. */
static inline void fx_code(struct fx *f, const uint8_t *code, size_t n)
{
	physmem_frame_changed(&f->pm, CODE >> 12);
	memcpy(f->pm.host + CODE, code, n);
	f->c.eip = CODE;
}

static inline enum cpu_exit fx_run(struct fx *f, const uint8_t *code, size_t n)
{
	fx_code(f, code, n);
	return cpu_run(&f->c, 100000, &f->ex);
}
#define RUN(f, ...)                                                                         \
	({                                                                                  \
		static const uint8_t code_[] = {__VA_ARGS__};                               \
		fx_run((f), code_, sizeof(code_));                                          \
	})

static inline uint32_t fx_rd32(struct fx *f, uint32_t pa)
{
	return (uint32_t)physmem_read(&f->pm, pa, 4);
}
static inline void fx_wr32(struct fx *f, uint32_t pa, uint32_t v)
{
	physmem_write(&f->pm, pa, v, 4);
}
#define INT80 0xcd, 0x80
#endif
