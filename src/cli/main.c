/* The vmlab command: dispatches to subcommands, each in its own file (cmd_*.c). */
#include <stdio.h>
#include <string.h>

#include "cli/version.h"

/* Subcommands are weak so that the command builds while a subcommand is being written; a
 * missing one says so instead of pretending. */
#define SUBCOMMANDS(X)                                                                             \
	X(run, "run a static i386 Linux program: vmlab run [options] -- PROGRAM [ARGS]")           \
	X(translate, "walk logical addresses through a described machine state, step by step")     \
	X(kmem, "show kmalloc, vmalloc and kmap allocations: addresses, frames, page-table paths")

#define DECLARE(name, help) int cmd_##name(int argc, char **argv) __attribute__((weak));
SUBCOMMANDS(DECLARE)

struct subcommand {
	const char *name, *help;
	int (*fn)(int, char **);
};

static const struct subcommand subcommands[] = {
#define ENTRY(name, help) {#name, help, cmd_##name},
    SUBCOMMANDS(ENTRY)};

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: vmlab COMMAND [options]\n\n"
	    "vmlab runs 32-bit x86 Linux programs on a simulated machine whose memory system\n"
	    "(segmentation, paging, TLB, and a Linux-style memory manager) is modelled in full.\n\n"
	    "commands:\n");
	for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
		fprintf(f, "  %-10s %s%s\n", subcommands[i].name, subcommands[i].help,
			subcommands[i].fn ? "" : " (not built in this version)");
	fprintf(f, "  %-10s %s\n  %-10s %s\n", "help",
		"this list; 'vmlab help COMMAND' is 'vmlab COMMAND --help'", "version",
		"print vmlab's version (also --version)");
	fprintf(
	    f, "\n'vmlab COMMAND --help' describes a command's options; man vmlab has them all.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("vmlab %s\n", VMLAB_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "help")) {
		if (argc < 3) {
			usage(stdout);
			return 0;
		}
		/* vmlab help COMMAND: that command's own --help */
		char help[] = "--help";
		char *args[] = {argv[2], help, NULL};
		for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
			if (!strcmp(argv[2], subcommands[i].name) && subcommands[i].fn)
				return subcommands[i].fn(2, args);
		fprintf(stderr, "vmlab: unknown command '%s'\n", argv[2]);
		usage(stderr);
		return 2;
	}
	for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++) {
		if (strcmp(argv[1], subcommands[i].name))
			continue;
		if (!subcommands[i].fn) {
			fprintf(stderr, "vmlab: '%s' is not built in this version\n", argv[1]);
			return 2;
		}
		return subcommands[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "vmlab: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
