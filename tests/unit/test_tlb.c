/*
 * The TLB model on its own: hit/miss/eviction counts for reference streams worked out by
 * hand (Belady's FIFO anomaly among them), geometries from direct-mapped to fully
 * associative and non-power-of-two, a reference simulator written independently here for
 * long streams, seeded random replacement, page sizes, global entries, ASIDs, INVLPG.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "hw/tlb.h"

static struct tlb *mk(unsigned entries, unsigned ways, enum tlb_policy p, uint64_t seed)
{
	struct tlb_geometry g = {entries, ways};
	struct tlb *t = tlb_new(&g, p, seed, "test");
	assert_non_null(t);
	return t;
}

/* One access to 4 KB page vpn: look it up, insert it on a miss. */
static bool touch(struct tlb *t, uint32_t vpn)
{
	if (tlb_lookup(t, vpn << 12, 0))
		return true;
	struct tlb_entry e = {.vpn = vpn, .page_shift = 12, .frame = (phys_addr_t)vpn << 12};
	assert_non_null(tlb_insert(t, &e));
	return false;
}

/* The same as the MMU's miss path makes it: tlb_insert_missed straight after the miss. */
static bool touch_missed(struct tlb *t, uint32_t vpn)
{
	if (tlb_lookup(t, vpn << 12, 0))
		return true;
	struct tlb_entry e = {.vpn = vpn, .page_shift = 12, .frame = (phys_addr_t)vpn << 12};
	assert_non_null(tlb_insert_missed(t, &e));
	return false;
}

struct counts {
	uint64_t hits, misses, evictions;
};

static void run_stream(struct tlb *t, const uint32_t *s, unsigned n, struct counts want)
{
	for (unsigned i = 0; i < n; i++)
		touch(t, s[i]);
	const struct tlb_stats *st = tlb_get_stats(t);
	assert_int_equal(st->lookups, n);
	assert_int_equal(st->hits, want.hits);
	assert_int_equal(st->misses, want.misses);
	assert_int_equal(st->evictions, want.evictions);
	tlb_free(t);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void belady_stream_fully_associative(void **state)
{
	(void)state;
	static const uint32_t s[] = {1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5};
	/* FIFO: 9 misses with 3 entries but 10 with 4 (Belady's anomaly) */
	run_stream(mk(3, 3, TLB_FIFO, 0), s, N(s), (struct counts){3, 9, 6});
	run_stream(mk(4, 4, TLB_FIFO, 0), s, N(s), (struct counts){2, 10, 6});
	/* LRU is a stack algorithm: more entries never hurt */
	run_stream(mk(3, 3, TLB_LRU, 0), s, N(s), (struct counts){2, 10, 7});
	run_stream(mk(4, 4, TLB_LRU, 0), s, N(s), (struct counts){4, 8, 4});
}

static void geometries(void **state)
{
	(void)state;
	/* direct-mapped 16x1: pages 0 and 16 share a slot */
	static const uint32_t dm[] = {0, 16, 0, 16, 1, 1};
	run_stream(mk(16, 1, TLB_LRU, 0), dm, N(dm), (struct counts){1, 5, 3});
	/* 2-way, 8 sets: 0, 8, 16 share set 0; LRU and FIFO differ on this stream */
	static const uint32_t tw[] = {0, 8, 0, 16, 8};
	run_stream(mk(16, 2, TLB_LRU, 0), tw, N(tw), (struct counts){1, 4, 2});
	run_stream(mk(16, 2, TLB_FIFO, 0), tw, N(tw), (struct counts){2, 3, 1});
	static const uint32_t cyc[] = {0, 8, 16, 0, 8, 16};
	run_stream(mk(16, 2, TLB_LRU, 0), cyc, N(cyc), (struct counts){0, 6, 4});
	/* 48x3: 16 sets, set = vpn % 16; 5, 21, 37, 53 share set 5 */
	static const uint32_t nz[] = {5, 21, 37, 5, 21, 37, 53, 5, 6};
	run_stream(mk(48, 3, TLB_LRU, 0), nz, N(nz), (struct counts){3, 6, 2});
	/* 48x1: 48 sets: 0 and 32 do not conflict (they would with 16 or 32 sets), 0 and 48 do */
	static const uint32_t n48[] = {0, 32, 0, 32, 48, 0, 48};
	run_stream(mk(48, 1, TLB_LRU, 0), n48, N(n48), (struct counts){2, 5, 3});
	/* fully associative 64: 64 pages fit, the 65th evicts the least recently used (0) */
	struct tlb *t = mk(64, 64, TLB_LRU, 0);
	for (int round = 0; round < 2; round++)
		for (uint32_t v = 0; v < 64; v++)
			assert_int_equal(touch(t, v), round == 1);
	assert_false(touch(t, 64));
	assert_int_equal(tlb_get_stats(t)->evictions, 1);
	assert_true(touch(t, 1));
	assert_false(touch(t, 0));
	assert_int_equal(tlb_valid_entries(t), 64);
	tlb_free(t);
}

/*
 * An independent reference: each set is a list ordered by the policy (front = next victim).
 * LRU moves a hit to the back; FIFO does not.
 */
struct ref {
	unsigned sets, ways;
	bool lru;
	uint32_t *v;
	unsigned *n;
	struct counts c;
};

static bool ref_touch(struct ref *r, uint32_t vpn)
{
	uint32_t *set = r->v + (vpn % r->sets) * r->ways;
	unsigned *n = &r->n[vpn % r->sets];
	for (unsigned i = 0; i < *n; i++)
		if (set[i] == vpn) {
			r->c.hits++;
			if (r->lru) {
				memmove(set + i, set + i + 1, (*n - i - 1) * sizeof(*set));
				set[*n - 1] = vpn;
			}
			return true;
		}
	r->c.misses++;
	if (*n == r->ways) {
		r->c.evictions++;
		memmove(set, set + 1, (*n - 1) * sizeof(*set));
		(*n)--;
	}
	set[(*n)++] = vpn;
	return false;
}

static void matches_reference_model(void **state)
{
	(void)state;
	static const struct tlb_geometry geo[] = {{1, 1},  {4, 4},   {16, 1}, {16, 2}, {48, 3},
						  {64, 4}, {12, 12}, {6, 2},  {96, 6}, {35, 7},
						  {10, 5}, {64, 8},  {9, 9}};
	/* both ways of filling: tlb_insert, and tlb_insert_missed (whose full-TLB path picks
	 * the victim without the whole-set scan) */
	for (unsigned c = 0; c < 2 * N(geo); c++)
		for (int lru = 0; lru < 2; lru++) {
			bool (*fill)(struct tlb *, uint32_t) = c < N(geo) ? touch : touch_missed;
			unsigned g = c % N(geo);
			struct tlb *t = mk(geo[g].entries, geo[g].ways, lru ? TLB_LRU : TLB_FIFO, 0);
			struct ref r = {geo[g].entries / geo[g].ways, geo[g].ways, lru, NULL, NULL,
					{0, 0, 0}};
			r.v = calloc(geo[g].entries, sizeof(*r.v));
			r.n = calloc(r.sets, sizeof(*r.n));
			/* a stream with locality: a drifting hot window plus stray references */
			uint32_t x = 12345, base = 0;
			for (unsigned i = 0; i < 20000; i++) {
				x = x * 1103515245u + 12345u;
				uint32_t vpn = (x >> 16) % 10 == 0 ? (x >> 8) % 4096
								   : base + (x >> 16) % 40;
				if (i % 500 == 0)
					base += 7;
				assert_int_equal(fill(t, vpn), ref_touch(&r, vpn));
			}
			const struct tlb_stats *st = tlb_get_stats(t);
			assert_int_equal(st->hits, r.c.hits);
			assert_int_equal(st->misses, r.c.misses);
			assert_int_equal(st->evictions, r.c.evictions);
			free(r.v);
			free(r.n);
			tlb_free(t);
		}
}

static struct counts random_run(uint64_t seed)
{
	struct tlb *t = mk(8, 8, TLB_RANDOM, seed);
	for (int round = 0; round < 100; round++)
		for (uint32_t v = 0; v < 9; v++)
			touch(t, v);
	const struct tlb_stats *st = tlb_get_stats(t);
	struct counts c = {st->hits, st->misses, st->evictions};
	tlb_free(t);
	return c;
}

static void random_is_seeded(void **state)
{
	(void)state;
	/* a 9-page loop over 8 entries: LRU and FIFO miss every time, random does not */
	struct counts a = random_run(42), b = random_run(42), c = random_run(7);
	assert_int_equal(a.hits, b.hits);
	assert_int_equal(a.evictions, b.evictions);
	assert_int_equal(a.hits + a.misses, 900);
	assert_true(a.hits > 0 && a.misses > 9);
	/* once full, every miss evicts */
	assert_int_equal(a.evictions, a.misses - 8);
	assert_true(a.hits != c.hits || a.evictions != c.evictions);
	struct tlb *t = mk(8, 8, TLB_LRU, 0);
	for (int round = 0; round < 100; round++)
		for (uint32_t v = 0; v < 9; v++)
			assert_false(touch(t, v));
	tlb_free(t);
}

static void page_sizes_global_asid_invlpg(void **state)
{
	(void)state;
	struct tlb *t = mk(16, 4, TLB_LRU, 0);
	/* a 4 MB entry answers for every address in it */
	struct tlb_entry big = {.vpn = 0xc0000000u >> 22, .page_shift = 22, .frame = 0x400000,
				.asid = 1};
	assert_non_null(tlb_insert(t, &big));
	struct tlb_entry *e = tlb_lookup(t, 0xc0123456u, 1);
	assert_non_null(e);
	assert_int_equal(e->frame, 0x400000);
	assert_non_null(tlb_lookup(t, 0xc03fffffu, 1));
	assert_null(tlb_lookup(t, 0xc0400000u, 1));
	/* another address space does not see it; a global entry is seen by all */
	assert_null(tlb_lookup(t, 0xc0123456u, 2));
	struct tlb_entry g = {.vpn = 0x1234, .page_shift = 12, .global = true, .asid = 1};
	tlb_insert(t, &g);
	assert_non_null(tlb_lookup(t, 0x1234000, 7));
	struct tlb_entry two = {.vpn = 0x5000, .page_shift = 12, .asid = 2, .frame = 0x9000};
	tlb_insert(t, &two);
	/* flushing ASID 1 keeps ASID 2 and, when asked, global entries */
	tlb_flush_asid(t, 1, true);
	assert_null(tlb_lookup(t, 0xc0123456u, 1));
	assert_non_null(tlb_lookup(t, 0x5000000, 2));
	assert_non_null(tlb_lookup(t, 0x1234000, 1));
	/* INVLPG anywhere inside a large page drops it */
	tlb_insert(t, &big);
	tlb_invlpg(t, 0xc0200000u);
	assert_null(tlb_peek(t, 0xc0000000u, 1));
	assert_int_equal(tlb_get_stats(t)->invlpg, 1);
	/* flush_all(keep_global) keeps only the global entry */
	tlb_flush_all(t, true);
	assert_int_equal(tlb_valid_entries(t), 1);
	assert_non_null(tlb_peek(t, 0x1234000, 3));
	tlb_flush_all(t, false);
	assert_int_equal(tlb_valid_entries(t), 0);
	assert_int_equal(tlb_get_stats(t)->flushes, 3);
	/* slot iteration sees exactly the valid entries */
	tlb_insert(t, &two);
	unsigned seen = 0;
	for (unsigned i = 0; i < tlb_count_entries(t); i++)
		if (tlb_entry_at(t, i)) {
			seen++;
			assert_int_equal(tlb_entry_at(t, i)->vpn, 0x5000);
		}
	assert_int_equal(seen, 1);
	assert_int_equal(tlb_count_entries(t), 16);
	assert_null(tlb_entry_at(t, 99));
	/* re-inserting the same translation replaces it, no eviction */
	tlb_insert(t, &two);
	assert_int_equal(tlb_valid_entries(t), 1);
	assert_int_equal(tlb_get_stats(t)->evictions, 0);
	tlb_free(t);
}

static void parsing(void **state)
{
	(void)state;
	struct tlb_geometry g;
	assert_int_equal(tlb_geometry_parse("64x4", &g), 0);
	assert_int_equal(g.entries, 64);
	assert_int_equal(g.ways, 4);
	assert_int_equal(tlb_geometry_parse("48x3", &g), 0);
	assert_int_equal(tlb_geometry_parse("32", &g), 0);
	assert_int_equal(g.ways, 32);
	static const char *const bad[] = {"", "0", "64x0", "64x5", "x4", "64x", "abc", "4x8",
					  "64y4", "-4"};
	for (unsigned i = 0; i < N(bad); i++)
		assert_int_equal(tlb_geometry_parse(bad[i], &g), -1);
	enum tlb_policy p;
	assert_int_equal(tlb_policy_parse("fifo", &p), 0);
	assert_int_equal(p, TLB_FIFO);
	assert_int_equal(tlb_policy_parse("random", &p), 0);
	assert_int_equal(p, TLB_RANDOM);
	assert_int_equal(tlb_policy_parse("lru", &p), 0);
	assert_int_equal(p, TLB_LRU);
	assert_int_equal(tlb_policy_parse("mru", &p), -1);
	struct tlb_geometry zero = {0, 0}, uneven = {10, 4};
	assert_null(tlb_new(&zero, TLB_LRU, 0, "x"));
	assert_null(tlb_new(&uneven, TLB_LRU, 0, "x"));
	struct tlb_config c;
	tlb_config_default(&c);
	assert_true(c.enabled);
	assert_int_equal(c.l1.entries, 64);
	assert_int_equal(c.l1.ways, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(belady_stream_fully_associative),
		cmocka_unit_test(geometries),
		cmocka_unit_test(matches_reference_model),
		cmocka_unit_test(random_is_seeded),
		cmocka_unit_test(page_sizes_global_asid_invlpg),
		cmocka_unit_test(parsing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
