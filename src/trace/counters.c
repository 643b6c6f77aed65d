#include "trace/counters.h"

const struct counter_info counter_info[CTR_COUNT] = {
#define COUNTER(name, unit, meaning) {#name, unit, meaning},
#include "trace/counters.def"
#undef COUNTER
};

void counters_print(FILE *f, const struct counters *c, int all)
{
	for (int i = 0; i < CTR_COUNT; i++) {
		if (!all && !c->v[i])
			continue;
		fprintf(f, "  %-28s %14llu %-12s # %s\n", counter_info[i].name,
			(unsigned long long)c->v[i], counter_info[i].unit, counter_info[i].meaning);
	}
}

void counters_print_json(FILE *f, const struct counters *c)
{
	fputc('{', f);
	for (int i = 0; i < CTR_COUNT; i++)
		fprintf(f, "%s\"%s\": %llu", i ? ", " : "", counter_info[i].name,
			(unsigned long long)c->v[i]);
	fputc('}', f);
}
