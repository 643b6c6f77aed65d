/* The counter set, generated from counters.def. */
#ifndef VMLAB_TRACE_COUNTERS_H
#define VMLAB_TRACE_COUNTERS_H
#include <stdint.h>
#include <stdio.h>

enum counter_id {
#define COUNTER(name, unit, meaning) CTR_##name,
#include "trace/counters.def"
#undef COUNTER
	CTR_COUNT
};

/* One per machine; every component holds a pointer to its machine's set. */
struct counters {
	uint64_t v[CTR_COUNT];
};

struct counter_info {
	const char *name, *unit, *meaning;
};

extern const struct counter_info counter_info[CTR_COUNT];

static inline void counter_add(struct counters *c, enum counter_id id, uint64_t n)
{
	if (c)
		c->v[id] += n;
}
#define COUNT(c, id) counter_add((c), CTR_##id, 1)

/* Prints every non-zero counter (all when all != 0) as "name value unit  # meaning". */
void counters_print(FILE *f, const struct counters *c, int all);
/* Prints the set as one JSON object {"name": value, ...}. */
void counters_print_json(FILE *f, const struct counters *c);
#endif
