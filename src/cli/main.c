/* The vmlab command: dispatches to subcommands, each in its own file (cmd_*.c). */
#include <stdio.h>
#include <string.h>

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
	SUBCOMMANDS(ENTRY)
};

static void usage(FILE *f)
{
	fprintf(f, "usage: vmlab COMMAND [options]\n\n"
		   "vmlab runs 32-bit x86 Linux programs on a simulated machine whose memory system\n"
		   "(segmentation, paging, TLB, and a Linux-style memory manager) is modelled in full.\n\n"
		   "commands:\n");
	for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
		fprintf(f, "  %-10s %s%s\n", subcommands[i].name, subcommands[i].help,
			subcommands[i].fn ? "" : " (not built in this version)");
	fprintf(f, "\n'vmlab COMMAND --help' describes a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
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
