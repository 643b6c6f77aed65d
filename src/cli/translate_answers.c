/*
 * Short answers and grading for `vmlab translate --quiz` (docs/translate.md, "Answers"):
 * the key is read off the full output of tr_run (its "=>" and "fault:" lines), so the
 * grade is the model's verdict, never a second computation.
 *
 * An answer line is "N: physical 0xADDR" or "N: #PF 0xERR" (likewise #GP, #SS, #NP, #TS;
 * "TLB-refill" for a software-refilled TLB's miss). '#' starts a comment.
 */
#include "cli/translate.h"
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_Q 1000

struct answer {
	char kind[16]; /* "physical", "#PF", ... */
	uint64_t value;
	bool has_value, given;
};

static void put_answer(FILE *out, unsigned q, const struct answer *a)
{
	if (a->has_value)
		fprintf(out, "%u: %s 0x%llx\n", q, a->kind, (unsigned long long)a->value);
	else
		fprintf(out, "%u: %s\n", q, a->kind);
}

/* The answers of a full output, in request order; returns how many. */
static unsigned read_key(const char *full, struct answer *a, unsigned max)
{
	unsigned n = 0;
	struct answer cur = {.kind = ""};
	for (const char *l = full; *l;) {
		size_t len = strcspn(l, "\n");
		char line[512];
		snprintf(line, sizeof line, "%.*s", (int)(len < 511 ? len : 511), l);
		l += len + (l[len] == '\n');
		const char *f = strstr(line, "fault: ");
		unsigned long long v;
		char mn[16];
		if (!strncmp(line, "  ", 2) && f && sscanf(f, "fault: %15s", mn) == 1) {
			/* "fault: #PF (vector 14, page fault), error code 0x0006" */
			snprintf(cur.kind, sizeof cur.kind, "%s", mn);
			const char *ec = strstr(f, "error code 0x");
			cur.has_value = ec && sscanf(ec, "error code 0x%llx", &v) == 1;
			cur.value = cur.has_value ? v : 0;
			if (strstr(f, "TLB refill"))
				snprintf(cur.kind, sizeof cur.kind, "TLB-refill");
		} else if (!strncmp(line, "  => ", 5)) {
			if (sscanf(line, "  => physical 0x%llx", &v) == 1) {
				snprintf(cur.kind, sizeof cur.kind, "physical");
				cur.value = v;
				cur.has_value = true;
			}
			if (n < max)
				a[n++] = cur;
			cur = (struct answer){.kind = ""};
		}
	}
	return n;
}

void tr_short_answers(const char *full, FILE *out)
{
	static struct answer key[MAX_Q];
	unsigned n = read_key(full, key, MAX_Q);
	for (unsigned i = 0; i < n; i++)
		put_answer(out, i + 1, &key[i]);
}

/* "N: KIND [VALUE]" into a[N-1]; 0, or -1 with a message. */
static int parse_line(char *s, struct answer *a, unsigned max, const char *file, int line,
		      FILE *err)
{
	char *hash = strchr(s, '#');
	/* '#' starts a comment, except in "#PF" and its kin */
	while (hash && isalpha((unsigned char)hash[1]))
		hash = strchr(hash + 1, '#');
	if (hash)
		*hash = 0;
	char *p = s;
	while (isspace((unsigned char)*p))
		p++;
	if (!*p)
		return 0;
	char *end;
	errno = 0;
	unsigned long q = strtoul(p, &end, 10);
	if (end == p || *end != ':' || !q || q > max) {
		fprintf(err,
			"%s:%d: write 'N: physical 0xADDR' or 'N: #PF 0xERR' (N from 1 to %u)\n",
			file, line, max);
		return -1;
	}
	struct answer *x = &a[q - 1];
	if (x->given) {
		fprintf(err, "%s:%d: question %lu is answered twice\n", file, line, q);
		return -1;
	}
	char kind[16] = "", val[64] = "", extra[8] = "";
	int k = sscanf(end + 1, "%15s %63s %7s", kind, val, extra);
	if (k < 1 || k > 2) {
		fprintf(err,
			"%s:%d: an answer is a kind and a number, e.g. 'physical 0x123abc' or '#PF "
			"0x6'\n",
			file, line);
		return -1;
	}
	/* a bare number is a physical address */
	if (k == 1 && (isdigit((unsigned char)kind[0]))) {
		snprintf(val, sizeof val, "%s", kind);
		snprintf(kind, sizeof kind, "physical");
		k = 2;
	}
	static const char *const kinds[] = {"physical", "#PF", "#GP",	    "#SS",
					    "#NP",	"#TS", "TLB-refill"};
	bool known = false;
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (!strcasecmp(kind, kinds[i])) {
			snprintf(x->kind, sizeof x->kind, "%s", kinds[i]);
			known = true;
		}
	if (!known) {
		fprintf(err, "%s:%d: '%s' is not physical, #PF, #GP, #SS, #NP, #TS or TLB-refill\n",
			file, line, kind);
		return -1;
	}
	x->has_value = k == 2;
	if (k == 2) {
		errno = 0;
		x->value = strtoull(val, &end, 0);
		if (errno || *end) {
			fprintf(err, "%s:%d: '%s' is not a number (0x... or decimal)\n", file, line,
				val);
			return -1;
		}
	}
	x->given = true;
	return 0;
}

static bool same(const struct answer *k, const struct answer *s)
{
	if (strcmp(k->kind, s->kind))
		return false;
	/* a fault without an error code is right with or without "0" */
	if (!k->has_value)
		return !s->has_value || s->value == 0;
	return s->has_value && s->value == k->value;
}

int tr_check_answers(const char *full, const char *student, const char *file, FILE *out, FILE *err)
{
	static struct answer key[MAX_Q], st[MAX_Q];
	unsigned n = read_key(full, key, MAX_Q);
	memset(st, 0, sizeof st);
	int line = 0;
	for (const char *l = student; *l;) {
		size_t len = strcspn(l, "\n");
		char buf[512];
		line++;
		if (len >= sizeof buf) {
			fprintf(err, "%s:%d: line too long\n", file, line);
			return 2;
		}
		memcpy(buf, l, len);
		buf[len] = 0;
		l += len + (l[len] == '\n');
		if (parse_line(buf, st, n, file, line, err))
			return 2;
	}
	unsigned right = 0;
	for (unsigned i = 0; i < n; i++) {
		if (same(&key[i], &st[i])) {
			right++;
			fprintf(out, "%u: right\n", i + 1);
			continue;
		}
		fprintf(out, "%u: %s: the answer is ", i + 1, st[i].given ? "wrong" : "missing");
		if (key[i].has_value)
			fprintf(out, "%s 0x%llx", key[i].kind, (unsigned long long)key[i].value);
		else
			fprintf(out, "%s", key[i].kind);
		if (st[i].given) {
			fprintf(out, ", not ");
			if (st[i].has_value)
				fprintf(out, "%s 0x%llx", st[i].kind,
					(unsigned long long)st[i].value);
			else
				fprintf(out, "%s", st[i].kind);
		}
		fputc('\n', out);
	}
	fprintf(out, "score: %u/%u\n", right, n);
	return right == n ? 0 : 1;
}
