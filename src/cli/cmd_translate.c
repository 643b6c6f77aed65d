/* `vmlab translate FILE` and `vmlab translate --quiz SEED [--answers]`. */
#include "cli/translate.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: vmlab translate FILE           walk the addresses FILE asks for\n"
	    "       vmlab translate --quiz SEED    print a random exercise (a state file)\n"
	    "       vmlab translate --quiz SEED --answers   print its worked solution\n"
	    "       vmlab translate --quiz SEED --answers=short   one line per question\n"
	    "       vmlab translate --quiz SEED --check ANSWERS   grade a student's answers\n"
	    "         quiz options: --paging=2level|pae --segments=on|off --tlb=on|off\n"
	    "         --questions=N --topics=pages,large,unmapped,limits,kernel,tlb\n"
	    "       vmlab translate FILE --check ANSWERS   grade answers to FILE's requests\n"
	    "       vmlab translate --state FILE ADDR [read|write|fetch] [user|kernel]\n"
	    "                                      walk one linear address on FILE's machine\n"
	    "                                      (e.g. a `vmlab run --dump-state` file)\n"
	    "\n"
	    "FILE describes a machine state, one statement a line ('#' starts a comment);\n"
	    "'-' reads standard input. The format is in docs/translate.md:\n"
	    "  paging none|2level|pae        cr0/cr3/cr4/efer VALUE or flags (PG WP PSE PAE NXE "
	    "...)\n"
	    "  ram 64M    maxphyaddr 36      cpl 0..3\n"
	    "  gdtr base=ADDR limit=BYTES    gdt N = 0xRAW | gdt N base= limit= type= dpl= g= db= "
	    "p= s=\n"
	    "  ldtr SELECTOR                 ldt N = 0xRAW | ldt N base= ...\n"
	    "  cs|ds|es|fs|gs|ss = SELECTOR  (loaded through the model's segment-load checks)\n"
	    "  pdpte|pde|pte TABLE[INDEX] = VALUE [P RW US PWT PCD A D PS PAT G NX]\n"
	    "  mem32|mem64 ADDR[+OFF] = VALUE\n"
	    "  tlb ENTRIESxWAYS [lru|fifo|random] [itlb=GEOM] [l2=GEOM] [seed=N] [asid] "
	    "[refill=sw]\n"
	    "  tlb-entry LINEAR = FRAME [4k|2m|4m] [rw] [us] [nx] [g] [d] [itlb|l2]\n"
	    "  translate SEG:OFFSET|linear ADDR read|write|fetch [user|kernel] [size=N]\n"
	    "\n"
	    "Each translation prints the selector, descriptor, limit check, linear address, TLB\n"
	    "lookup, each paging entry with its bits, and the physical address or the fault with\n"
	    "its vector and decoded error code. Exit status: 0, or 2 for a bad file or option.\n");
}

/* Reads a whole file (or stdin for "-") as text. */
static char *slurp(const char *path, FILE *err)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	if (!f) {
		fprintf(err, "vmlab translate: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (n + 1 >= cap) {
			if (cap >= (16u << 20)) {
				fprintf(err, "vmlab translate: %s: larger than 16 MB\n", path);
				free(buf);
				buf = NULL;
				break;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		errno = 0;
		size_t r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0) {
			if (ferror(f)) {
				fprintf(err, "vmlab translate: %s: %s\n", path,
					errno ? strerror(errno) : "read error");
				free(buf);
				buf = NULL;
			}
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	if (!buf)
		return NULL;
	buf[n] = 0;
	if (memchr(buf, 0, n)) {
		fprintf(err, "vmlab translate: %s: contains a NUL byte: not a text file\n", path);
		free(buf);
		return NULL;
	}
	return buf;
}

static int translate_text(const char *name, const char *text)
{
	struct tr_state st;
	int rc = tr_parse(name, text, &st, stderr) || tr_run(&st, stdout, stderr) ? 2 : 0;
	tr_state_free(&st);
	return rc;
}

/*
 * `--state FILE ADDR [read|write|fetch] [user|kernel]`: the machine of FILE (a state file,
 * e.g. from `vmlab run --dump-state`) and one linear address, walked as the machine would.
 * The access and mode default to those of a request of FILE for the same address (the
 * faulting access a dump records), else a read in the CPL's mode. FILE's own requests are
 * not run.
 */
static int translate_state(const char *file, char **args, int nargs)
{
	const char *acc = NULL, *mode = NULL;
	char *end;
	errno = 0;
	unsigned long long addr = nargs ? strtoull(args[0], &end, 0) : 0;
	if (!nargs || errno || end == args[0] || *end || addr > 0xffffffffull ||
	    args[0][0] == '-') {
		fprintf(stderr,
			"vmlab translate: --state FILE needs a linear ADDR (e.g. 0x08048000)\n");
		return 2;
	}
	for (int i = 1; i < nargs; i++) {
		if (!strcmp(args[i], "read") || !strcmp(args[i], "write") ||
		    !strcmp(args[i], "fetch"))
			acc = args[i];
		else if (!strcmp(args[i], "user") || !strcmp(args[i], "kernel"))
			mode = args[i];
		else {
			fprintf(stderr,
				"vmlab translate: '%s' is not read, write, fetch, user or kernel\n",
				args[i]);
			return 2;
		}
	}
	char *text = slurp(file, stderr);
	if (!text)
		return 2;
	/* the request goes at the end of the text, so that its [line N] is a real line */
	size_t n = strlen(text);
	char *full = malloc(n + 128);
	if (!full) {
		free(text);
		return 1;
	}
	snprintf(full, n + 128, "%s%stranslate linear 0x%08llx %s%s%s\n", text,
		 n && text[n - 1] != '\n' ? "\n" : "", addr, acc ? acc : "read", mode ? " " : "",
		 mode ? mode : "");
	free(text);
	struct tr_state st;
	int rc = 2;
	if (!tr_parse(file, full, &st, stderr)) {
		struct tr_request rq = st.req.v[st.req.n - 1];
		for (size_t i = 0; i + 1 < st.req.n && (!acc || !mode); i++) {
			const struct tr_request *o = &st.req.v[i];
			if (!o->linear || o->offset != (uint32_t)addr)
				continue;
			if (!acc)
				rq.acc = o->acc;
			if (!mode)
				rq.user = o->user;
		}
		st.req.v[0] = rq;
		st.req.n = 1;
		rc = tr_run(&st, stdout, stderr) ? 2 : 0;
	}
	tr_state_free(&st);
	free(full);
	return rc;
}

static int parse_seed(const char *s, uint64_t *seed)
{
	char *end;
	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end)
		return -1;
	*seed = v;
	return 0;
}

/* "on"/"off" into 1/0; -1 when neither */
static int on_off(const char *v)
{
	return !strcmp(v, "on") ? 1 : !strcmp(v, "off") ? 0 : -1;
}

/* The value of "--name=V" or "--name V" (advancing *i), or NULL when argv[*i] is not it. */
static const char *opt_value(int argc, char **argv, int *i, const char *name, bool *missing)
{
	size_t n = strlen(name);
	const char *a = argv[*i];
	if (strncmp(a, name, n))
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n])
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

/* The full output of translating text, in memory (NULL after messages on stderr). */
static char *translate_to_string(const char *name, const char *text)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&buf, &len);
	if (!mf)
		return NULL;
	struct tr_state st;
	int bad = tr_parse(name, text, &st, stderr) || tr_run(&st, mf, stderr);
	tr_state_free(&st);
	fclose(mf);
	if (bad) {
		free(buf);
		return NULL;
	}
	return buf;
}

int cmd_translate(int argc, char **argv)
{
	const char *file = NULL, *seed_s = NULL, *answers = NULL, *check = NULL, *v;
	bool quiz = false, quiz_opt = false;
	struct tr_quiz_opts qo = {.paging = -1, .tlb = -1};
	for (int i = 1; i < argc; i++) {
		bool missing = false;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--state")) {
			if (i + 1 >= argc) {
				fprintf(stderr,
					"vmlab translate: --state needs a FILE and an ADDR\n");
				return 2;
			}
			return translate_state(argv[i + 1], argv + i + 2, argc - i - 2);
		} else if (!strcmp(argv[i], "--answers")) {
			answers = "full";
		} else if (!strncmp(argv[i], "--answers=", 10)) {
			answers = argv[i] + 10;
			if (strcmp(answers, "full") && strcmp(answers, "short")) {
				fprintf(stderr,
					"vmlab translate: --answers=full or --answers=short\n");
				return 2;
			}
		} else if ((v = opt_value(argc, argv, &i, "--quiz", &missing)) ||
			   (v = opt_value(argc, argv, &i, "--seed", &missing))) {
			quiz = true;
			seed_s = v;
		} else if ((v = opt_value(argc, argv, &i, "--check", &missing))) {
			check = v;
		} else if ((v = opt_value(argc, argv, &i, "--paging", &missing))) {
			quiz_opt = true;
			qo.paging = !strcmp(v, "2level") ? 0 : !strcmp(v, "pae") ? 1 : -2;
			if (qo.paging == -2) {
				fprintf(stderr,
					"vmlab translate: --paging=2level or --paging=pae\n");
				return 2;
			}
		} else if ((v = opt_value(argc, argv, &i, "--segments", &missing))) {
			quiz_opt = true;
			if (on_off(v) < 0) {
				fprintf(stderr,
					"vmlab translate: --segments=on or --segments=off\n");
				return 2;
			}
			qo.no_segments = !on_off(v);
		} else if ((v = opt_value(argc, argv, &i, "--tlb", &missing))) {
			quiz_opt = true;
			if ((qo.tlb = on_off(v)) < 0) {
				fprintf(stderr, "vmlab translate: --tlb=on or --tlb=off\n");
				return 2;
			}
		} else if ((v = opt_value(argc, argv, &i, "--questions", &missing))) {
			uint64_t q;
			quiz_opt = true;
			if (parse_seed(v, &q) || q < 1 || q > 100) {
				fprintf(stderr,
					"vmlab translate: --questions is a number from 1 to 100\n");
				return 2;
			}
			qo.questions = (unsigned)q;
		} else if ((v = opt_value(argc, argv, &i, "--topics", &missing))) {
			const char *bad = NULL;
			quiz_opt = true;
			if (tr_quiz_topics_parse(v, &qo.topics, &bad)) {
				fprintf(stderr,
					"vmlab translate: bad topic '%s' (pages, large, unmapped, "
					"limits, "
					"kernel, tlb, all)\n",
					bad ? bad : v);
				return 2;
			}
		} else if (missing) {
			fprintf(stderr, "vmlab translate: %s needs a value%s\n", argv[i],
				!strcmp(argv[i], "--quiz") ? " (a SEED, a number)" : "");
			return 2;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "vmlab translate: unknown option '%s' (see --help)\n",
				argv[i]);
			return 2;
		} else if (file) {
			fprintf(stderr, "vmlab translate: one FILE at a time ('%s' and '%s')\n",
				file, argv[i]);
			return 2;
		} else {
			file = argv[i];
		}
	}
	if (answers && !quiz) {
		fprintf(stderr, "vmlab translate: --answers goes with --quiz SEED\n");
		return 2;
	}
	if (quiz_opt && !quiz) {
		fprintf(stderr, "vmlab translate: --paging, --segments, --tlb, --questions and "
				"--topics go with --quiz SEED\n");
		return 2;
	}
	if (quiz && file) {
		fprintf(stderr, "vmlab translate: --quiz generates its own state; drop '%s'\n",
			file);
		return 2;
	}
	if (answers && check) {
		fprintf(stderr, "vmlab translate: --answers prints the key, --check grades: one or "
				"the other\n");
		return 2;
	}
	char *text = NULL, name[64];
	if (quiz) {
		if (parse_seed(seed_s, &qo.seed)) {
			fprintf(stderr, "vmlab translate: quiz seed '%s' is not a number\n",
				seed_s);
			return 2;
		}
		if (!answers && !check) {
			tr_quiz_ex(&qo, stdout);
			return 0;
		}
		/* the answers are the translation of exactly the text the quiz prints */
		size_t len = 0;
		FILE *mf = open_memstream(&text, &len);
		if (!mf) {
			perror("vmlab translate");
			return 1;
		}
		tr_quiz_ex(&qo, mf);
		fclose(mf);
		snprintf(name, sizeof name, "quiz-%llu.vm", (unsigned long long)qo.seed);
		file = name;
	} else {
		if (!file) {
			usage(stderr);
			return 2;
		}
		if (!(text = slurp(file, stderr)))
			return 2;
	}
	int rc;
	if (!check && (!answers || !strcmp(answers, "full"))) {
		rc = translate_text(file, text);
		free(text);
		return rc;
	}
	char *full = translate_to_string(file, text);
	free(text);
	if (!full)
		return 2;
	if (!check) {
		tr_short_answers(full, stdout);
		free(full);
		return 0;
	}
	char *student = slurp(check, stderr);
	rc = student ? tr_check_answers(full, student, check, stdout, stderr) : 2;
	free(student);
	free(full);
	return rc;
}
