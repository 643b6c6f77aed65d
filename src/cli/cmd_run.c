/* vmlab run [options] -- PROGRAM [ARGS]: a static i386 Linux program on the simulated machine. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/gdbstub.h"
#include "cli/host_stderr.h"
#include "cli/run_options.h"
#include "cli/run_session.h"
#include "kernel/exec.h"
#include "kernel/fs/fs.h"
#include "kernel/machine.h"
#include "kernel/mm/kmem.h"
#include "kernel/mm/mmap.h"
#include "kernel/mm/swap.h"

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: vmlab run [options] [--] PROGRAM [ARGS...]\n"
	    "Runs a static 32-bit x86 Linux executable on the simulated machine; its stdin,\n"
	    "stdout, stderr and exit status are the program's (128+N when signal N kills it).\n\n"
	    "machine:\n"
	    "  --mem=SIZE            RAM (64M, 1G, ...; default 1G): 32M to 4G, to 63G\n"
	    "                        with --paging=pae\n"
	    "  --vmsplit=3G|2G|1G    user/kernel split (default 3G: TASK_SIZE 0xC0000000)\n"
	    "  --paging=2level|pae   paging mode (default 2level; pae enables NX)\n"
	    "  --tlb=ENTRIESxWAYS    modelled TLB geometry (default 64x4)\n"
	    "  --tlb-policy=lru|fifo|random\n"
	    "  --no-tlb              no TLB model (faster; no TLB statistics)\n"
	    "  --tlb-asid            tag TLB entries by address space: a context switch keeps\n"
	    "                        them (default: a CR3 load flushes the non-global ones)\n"
	    "  --no-jit              interpret every instruction (no compiled blocks)\n"
	    "  --jit-threshold=N     compile a block at its Nth execution (default %u)\n"
	    "  --cpu=intel|amd|amd-zen3  whose processor where the architecture leaves\n"
	    "                        results undefined, and CPUID's vendor (default intel)\n"
	    "kernel:\n"
	    "  --fault-around=BYTES  fault_around_bytes (default 65536; 4096 turns it off)\n"
	    "  --overcommit=0|1|2    vm.overcommit_memory (default 0)\n"
	    "  --thp=always|madvise|never  transparent huge pages for anonymous memory\n"
	    "                        (default always as Debian's 686 kernels, never below\n"
	    "                        512 MB of RAM as Linux's hugepage_init)\n"
	    "  --randomize           randomise the layout (default: as booted with norandmaps)\n"
	    "  --seed=N              seed of AT_RANDOM, getrandom and --randomize (default 1)\n"
	    "  --max-insns=N         stop the program after N instructions\n"
	    "  --slice=N             scheduler time slice in instructions (default 1000000)\n"
	    "  --swap=SIZE[:PRIO]    a swap area of SIZE (kept in host memory; docs/swap.md), "
	    "with\n"
	    "                        swapon's priority PRIO (0-32767; default -2, -3, ... in "
	    "order);\n"
	    "                        repeat for more areas (up to 8)\n"
	    "  --swap-file=PATH      keep the first swap area in this (sparse) host file instead\n"
	    "  --reclaim=POLICY      page replacement: linux (default), fifo, lru, clock, random\n"
	    "debugging:\n"
	    "  -g PORT, --gdb=PORT   wait for gdb on localhost TCP PORT before the first\n"
	    "                        instruction (0: any free port, printed on stderr); gdb's\n"
	    "                        `target remote :PORT`, `monitor help` (docs/gdb.md)\n"
	    "files:\n%s",
	    JIT_THRESHOLD_DEFAULT, fs_usage());
	run_options_usage(f);
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 0);
	if (errno || !*s || *end)
		return -1;
	*v = x;
	return 0;
}

/* SIGINT, SIGTERM, SIGHUP, SIGQUIT to vmlab end the guest cleanly between two instructions
 * (machine_request_stop): its shared file mappings are written back, --stats is printed,
 * and vmlab exits with 128 + N. A second one acts at once (SA_RESETHAND): a way out if the
 * first cannot take effect. No SA_RESTART: a host call the guest is blocked in returns. */
static struct machine *running;
static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

static void on_stop_signal(int sig)
{
	if (running)
		machine_request_stop(running, sig);
}

static void catch_stop_signals(struct machine *m)
{
	running = m;
	/* A host write past vmlab's own RLIMIT_FSIZE (the guest may have raised its modelled
	 * limit above it) must fail with EFBIG, as a file system's size limit does, not kill
	 * vmlab with SIGXFSZ. */
	signal(SIGXFSZ, SIG_IGN);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop_signal;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (size_t k = 0; k < sizeof stop_signals / sizeof stop_signals[0]; k++) {
		struct sigaction old;
		/* a signal ignored by whoever started vmlab (nohup, a shell's background job)
		 * stays ignored */
		if (sigaction(stop_signals[k], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(stop_signals[k], &sa, NULL);
	}
}

/* Finds PROGRAM as execvp would: a name without '/' is looked up in $PATH. */
static int open_program(struct task *t, const char *prog, char *found, size_t n)
{
	if (strchr(prog, '/')) {
		snprintf(found, n, "%s", prog);
		return fs_open_host(t, AT_FDCWD, prog, O_RDONLY | O_CLOEXEC, 0, true);
	}
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	int last = -ENOENT;
	while (*path) {
		const char *colon = strchr(path, ':');
		size_t len = colon ? (size_t)(colon - path) : strlen(path);
		snprintf(found, n, "%.*s/%s", (int)len, len ? path : ".", prog);
		int fd = fs_open_host(t, AT_FDCWD, found, O_RDONLY | O_CLOEXEC, 0, true);
		if (fd >= 0)
			return fd;
		if (fd != -ENOENT)
			last = fd;
		path += len + (colon ? 1 : 0);
	}
	return last;
}

int cmd_run(int argc, char **argv)
{
	struct machine_config cfg;
	machine_config_default(&cfg);
	struct fs_config fc;
	fs_config_init(&fc);
	struct run_options ro;
	run_options_init(&ro);
	struct run_session rs = {0};
	int i = 1;
	int status = 2;
	int gdb_port = -1; /* -g: no debugger */
	for (; i < argc; i++) {
		const char *a = argv[i];
		const char *v = strchr(a, '=');
		v = v ? v + 1 : NULL;
		uint64_t x;
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (a[0] != '-')
			break;
		int fr = fs_parse_option(&fc, a, i + 1 < argc ? argv[i + 1] : NULL);
		if (fr < 0)
			goto out;
		if (fr > 0) {
			i += fr - 1;
			continue;
		}
		if ((fr = run_options_parse(&ro, a, i + 1 < argc ? argv[i + 1] : NULL)) < 0)
			goto out;
		if (fr > 0) {
			i += fr - 1;
			continue;
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			status = 0;
			goto out;
		} else if (!strcmp(a, "-g") || !strncmp(a, "--gdb=", 6)) {
			const char *pv = a[1] == 'g' ? (i + 1 < argc ? argv[++i] : NULL) : v;
			if (!pv || parse_u64(pv, &x) || x > 65535) {
				fprintf(stderr, "vmlab run: bad -g port '%s' (0 to 65535)\n",
					pv ? pv : "");
				goto out;
			}
			gdb_port = (int)x;
		} else if (!strncmp(a, "--mem=", 6)) {
			if (mm_parse_size(v, &cfg.ram_bytes)) {
				fprintf(
				    stderr,
				    "vmlab run: bad --mem '%s' (a size: a number with K, M or G)\n",
				    v);
				goto out;
			}
		} else if (!strncmp(a, "--vmsplit=", 10)) {
			if (mm_parse_vmsplit(v, &cfg.split)) {
				fprintf(stderr, "vmlab run: bad --vmsplit '%s' (3G, 2G or 1G)\n", v);
				goto out;
			}
		} else if (!strncmp(a, "--paging=", 9)) {
			if (mm_parse_paging(v, &cfg.pae)) {
				fprintf(stderr, "vmlab run: bad --paging '%s' (2level or pae)\n", v);
				goto out;
			}
		} else if (!strncmp(a, "--tlb=", 6)) {
			if (tlb_geometry_parse(v, &cfg.tlb.l1)) {
				fprintf(stderr, "vmlab run: bad --tlb '%s' (ENTRIESxWAYS, e.g. 64x4)\n", v);
				goto out;
			}
			cfg.tlb.enabled = true;
		} else if (!strcmp(a, "--tlb-asid")) {
			cfg.tlb.asid = true;
		} else if (!strncmp(a, "--tlb-policy=", 13)) {
			if (tlb_policy_parse(v, &cfg.tlb.policy)) {
				fprintf(stderr, "vmlab run: bad --tlb-policy '%s' (lru, fifo, random)\n", v);
				goto out;
			}
		} else if (!strcmp(a, "--no-tlb")) {
			cfg.tlb.enabled = false;
		} else if (!strcmp(a, "--no-jit")) {
			cfg.no_jit = true;
		} else if (!strncmp(a, "--jit-threshold=", 16)) {
			uint64_t t;
			if (parse_u64(v, &t) || t < 1 || t > JIT_THRESHOLD_MAX) {
				fprintf(stderr, "vmlab run: bad --jit-threshold '%s' (1 to %u)\n",
					v, JIT_THRESHOLD_MAX);
				goto out;
			}
			cfg.jit_threshold = (unsigned)t;
		} else if (!strncmp(a, "--cpu=", 6)) {
			int vendor = cpu_vendor_parse(v);
			if (vendor < 0) {
				fprintf(stderr,
					"vmlab run: bad --cpu '%s' (intel, amd or amd-zen3)\n", v);
				goto out;
			}
			cfg.cpu_vendor = (enum cpu_vendor)vendor;
		} else if (!strncmp(a, "--seed=", 7)) {
			if (parse_u64(v, &cfg.seed)) {
				fprintf(stderr, "vmlab run: bad --seed '%s'\n", v);
				goto out;
			}
			cfg.tlb.seed = cfg.seed;
		} else if (!strncmp(a, "--fault-around=", 15)) {
			if (parse_u64(v, &x) || x < 4096 || x > (1u << 22) || (x & (x - 1))) {
				fprintf(stderr, "vmlab run: bad --fault-around '%s' (a power of two, "
						"4096 to 4M)\n",
					v);
				goto out;
			}
			cfg.fault_around_bytes = (uint32_t)x;
		} else if (!strncmp(a, "--thp=", 6)) {
			cfg.thp_set = true;
			if (thp_mode_parse(v, &cfg.thp)) {
				fprintf(stderr, "vmlab run: bad --thp '%s' (always, madvise or never)\n",
					v);
				goto out;
			}
		} else if (!strncmp(a, "--overcommit=", 13)) {
			if (parse_u64(v, &x) || x > 2) {
				fprintf(stderr, "vmlab run: bad --overcommit '%s' (0, 1 or 2)\n", v);
				goto out;
			}
			cfg.overcommit_memory = (int)x;
		} else if (!strcmp(a, "--randomize")) {
			cfg.randomize = true;
		} else if (!strncmp(a, "--slice=", 8)) {
			if (parse_u64(a + 8, &cfg.sched_slice) || !cfg.sched_slice) {
				fprintf(stderr, "vmlab run: bad --slice '%s'\n", a + 8);
				goto out;
			}
		} else if (!strncmp(a, "--swap=", 7)) {
			/* SIZE or SIZE:PRIO; a second --swap adds an area */
			char sz[64];
			const char *colon = strchr(v, ':');
			size_t l = colon ? (size_t)(colon - v) : strlen(v);
			uint64_t bytes = 0, prio = 0;
			bool bad = l >= sizeof sz;
			if (!bad) {
				memcpy(sz, v, l);
				sz[l] = '\0';
				bad = mm_parse_size(sz, &bytes) || bytes < 2 * 4096 ||
				      (colon && (parse_u64(colon + 1, &prio) || prio > SWAP_FLAG_PRIO_MASK));
			}
			if (bad || (cfg.swap_bytes && cfg.nr_swap_extra >= sizeof cfg.swap_extra /
										sizeof cfg.swap_extra[0])) {
				fprintf(stderr,
					"vmlab run: bad --swap '%s' (a size: 8K to 32G, then optionally "
					":PRIO, 0 to 32767; at most 8 areas)\n",
					v);
				goto out;
			}
			int p = colon ? (int)prio : SWAP_PRIO_NONE;
			if (!cfg.swap_bytes) {
				cfg.swap_bytes = bytes;
				cfg.swap_prio = p;
			} else {
				cfg.swap_extra[cfg.nr_swap_extra++] = (struct swap_extra){bytes, p};
			}
		} else if (!strncmp(a, "--swap-file=", 12)) {
			cfg.swap_file = v;
		} else if (!strncmp(a, "--reclaim=", 10)) {
			enum reclaim_policy_id pol;
			if (reclaim_policy_parse(v, &pol)) {
				fprintf(stderr, "vmlab run: bad --reclaim '%s' (linux, fifo, lru, clock "
						"or random)\n",
					v);
				goto out;
			}
			cfg.reclaim_policy = (int)pol;
		} else if (!strncmp(a, "--max-insns=", 12)) {
			if (parse_u64(v, &cfg.max_insns)) {
				fprintf(stderr, "vmlab run: bad --max-insns '%s'\n", v);
				goto out;
			}
		} else {
			fprintf(stderr, "vmlab run: unknown option '%s' (see vmlab run --help)\n", a);
			goto out;
		}
	}
	if (ro.help_stats) {
		run_session_help_stats(stdout);
		status = 0;
		goto out;
	}
	if (i >= argc) {
		fprintf(stderr, "vmlab run: no program given\n");
		usage(stderr);
		goto out;
	}

	if (cfg.swap_file && !cfg.swap_bytes) {
		fprintf(stderr, "vmlab run: --swap-file needs --swap=SIZE\n");
		goto out;
	}
	if (run_session_start(&rs, &ro, argc, argv))
		goto out;
	struct machine *m = calloc(1, sizeof *m);
	if (!m) {
		fprintf(stderr, "vmlab run: out of memory\n");
		goto out;
	}
	char err[512] = "";
	int r = machine_create(m, &cfg, err, sizeof err);
	if (r) {
		fprintf(stderr, "vmlab run: %s\n", err);
		goto destroy;
	}
	struct task *t = &m->task;
	run_session_attach(&rs, m);
	if (run_session_fs_setup(&rs, t, &fc))
		goto destroy;
	/* static: off the host stack, which vmlab keeps small (tests/e2e/sandbox.sh) */
	static char filename[4096], gpath[4096];
	int fd = open_program(t, argv[i], filename, sizeof filename);
	if (fd < 0) {
		fprintf(stderr, "vmlab run: %s: %s\n", argv[i], strerror(-fd));
		status = fd == -ENOENT ? 127 : 126;
	} else {
		if (fs_guest_path_of_fd(t, fd, gpath, sizeof gpath) < 0)
			snprintf(gpath, sizeof gpath, "%s", filename);
		struct mm_layout_config lc = {
			.task_size = vmsplit_task_size(cfg.split),
			.randomize = cfg.randomize,
			.overcommit_memory = cfg.overcommit_memory,
			.overcommit_ratio = cfg.overcommit_ratio,
			.fault_around_bytes = cfg.fault_around_bytes,
			.thp = m->cfg.thp,
		};
		r = exec_binary(t, fd, gpath, filename, argc - i, argv + i, rs.info.env, &lc, err,
				sizeof err);
		close(fd);
		if (!r)
			r = machine_enter_user(m, err, sizeof err);
		if (r) {
			fprintf(stderr, "vmlab run: %s\n", err);
			/* a missing interpreter is ENOENT from execve: 127 as for a missing file */
			status = r == -ENOENT ? 127 : 126;
		} else {
			fflush(stdout);
			host_stderr_protect();
			catch_stop_signals(m);
			rs.info.program = gpath;
			rs.info.ran = true;
			/* on the heap: its receive buffer would not fit a small host stack */
			struct gdbstub *gs = gdb_port >= 0 ? malloc(sizeof *gs) : NULL;
			if (gdb_port >= 0 &&
			    (!gs || gdbstub_listen(gs, gdb_port) || gdbstub_attach(gs, m))) {
				if (!gs)
					fprintf(stderr, "vmlab run: out of memory\n");
				/* no gdb came: 1, or 128 + N when signal N ended the wait */
				status = m->stop_signal ? 128 + m->stop_signal : 1;
				if (gs)
					gdbstub_close(gs);
				free(gs);
				goto finish;
			}
			status = machine_run(m);
			if (gs)
				gdbstub_finish(gs, status);
			free(gs);
		}
	}
finish:
	run_session_finish(&rs, m, status);
	fs_teardown(t);
destroy:
	machine_destroy(m);
	free(m);
out:
	run_session_end(&rs);
	run_options_free(&ro);
	fs_config_free(&fc);
	return status;
}
