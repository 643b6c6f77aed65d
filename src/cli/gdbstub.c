/*
 * The gdb stub: sockets, packets, registers, memory, breakpoints, watchpoints, stepping,
 * stop replies. docs/gdb.md says what gdb sees and what it cannot do.
 *
 * Breakpoints are never written into guest memory: while any exists (or a step is asked
 * for) the run loop runs the CPU one instruction at a time and the stub compares EIP before
 * each one. Watchpoints are the MMU's (mmu.watch): every data access the model makes is
 * reported after its translation; the MMU installs no fast entries and the CPU runs no
 * compiled code while one exists.
 */
#include "cli/gdbstub.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "kernel/signal.h"

/* ---- signals: Linux i386 numbers <-> gdb's own numbering (gdb/signals.def) ---- */

static const uint8_t linux_to_gdb[32] = {
    0,	 1,  2,	 3,  4,	 5,  6,	 10, 8,	 9,  30, 11, 31, 13, 14, 15,
    143, 20, 19, 17, 18, 21, 22, 16, 24, 25, 26, 27, 28, 23, 32, 12,
};

static int sig_to_gdb(int sig)
{
	if (sig > 0 && sig < 32)
		return linux_to_gdb[sig];
	if (sig == 32)
		return 77;
	if (sig >= 33 && sig <= 63)
		return 45 + sig - 33;
	if (sig == 64)
		return 78;
	return 143; /* GDB_SIGNAL_UNKNOWN */
}

static int sig_from_gdb(int gs)
{
	for (int s = 1; s <= 64; s++)
		if (sig_to_gdb(s) == gs && gs != 143)
			return s;
	return 0;
}

/* ---- the connection ---- */

static void drop_connection(struct gdbstub *g);

static bool send_raw(struct gdbstub *g, const char *p, size_t n)
{
	while (n && g->fd >= 0) {
		ssize_t w = send(g->fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			drop_connection(g);
			return false;
		}
		p += w;
		n -= (size_t)w;
	}
	return g->fd >= 0;
}

void gdbstub_send(struct gdbstub *g, const char *payload, size_t n)
{
	size_t need = n * 2 + 8;
	if (need > g->out_cap) {
		char *o = realloc(g->out, need);
		if (!o) {
			drop_connection(g);
			return;
		}
		g->out = o;
		g->out_cap = need;
	}
	g->out_n = gdb_frame(g->out, g->out_cap, payload, n);
	send_raw(g, g->out, g->out_n);
}

void gdbstub_send_str(struct gdbstub *g, const char *payload)
{
	gdbstub_send(g, payload, strlen(payload));
}

/* Reads until a whole packet arrived (true) or the connection is gone (false). An interrupt
 * byte while waiting sets *intr when intr is given. */
static bool recv_packet(struct gdbstub *g, bool *intr)
{
	uint8_t buf[512];
	for (;;) {
		if (g->fd < 0)
			return false;
		ssize_t r = recv(g->fd, buf, 1, 0);
		if (r < 0 && errno == EINTR) {
			if (g->m && g->m->stop_signal)
				return false; /* vmlab itself was told to stop */
			continue;
		}
		if (r <= 0) {
			drop_connection(g);
			return false;
		}
		switch (gdb_rx_byte(&g->rx, buf[0])) {
		case GDB_RX_PACKET:
			if (!g->noack && !send_raw(g, "+", 1))
				return false;
			return true;
		case GDB_RX_BAD:
			if (!g->noack && !send_raw(g, "-", 1))
				return false;
			break;
		case GDB_RX_NAK:
			if (g->out_n && !send_raw(g, g->out, g->out_n))
				return false;
			break;
		case GDB_RX_INTERRUPT:
			if (intr)
				*intr = true;
			break;
		default: break;
		}
	}
}

int gdbstub_listen(struct gdbstub *g, int port)
{
	memset(g, 0, sizeof *g);
	g->fd = g->lfd = -1;
	gdb_rx_init(&g->rx);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		fprintf(stderr, "vmlab run: -g: socket: %s\n", strerror(errno));
		return -1;
	}
	int one = 1;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof a;
	if (bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 1) ||
	    getsockname(s, (struct sockaddr *)&a, &len)) {
		fprintf(stderr, "vmlab run: -g %d: cannot listen on 127.0.0.1:%d: %s\n", port, port,
			strerror(errno));
		close(s);
		return -1;
	}
	g->lfd = s;
	fprintf(stderr, "vmlab: waiting for gdb on localhost:%u (target remote :%u)\n",
		ntohs(a.sin_port), ntohs(a.sin_port));
	fflush(stderr);
	return 0;
}

static uint64_t before_run(struct machine_debug *d, struct task *t);
static bool on_signal(struct machine_debug *d, struct task *t, int sig);

int gdbstub_attach(struct gdbstub *g, struct machine *m)
{
	int fd;
	do
		fd = accept4(g->lfd, NULL, NULL, SOCK_CLOEXEC);
	while (fd < 0 && errno == EINTR && !m->stop_signal);
	if (fd < 0) {
		if (m->stop_signal)
			fprintf(stderr, "vmlab: stopped by %s while waiting for gdb\n",
				signal_name(m->stop_signal));
		else
			fprintf(stderr, "vmlab run: -g: no connection from gdb: %s\n",
				strerror(errno));
		return -1;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	close(g->lfd);
	g->lfd = -1;
	g->fd = fd;
	g->m = m;
	g->tgid = m->task.tgid;
	g->hooks.before_run = before_run;
	g->hooks.signal = on_signal;
	m->debug = &g->hooks;
	return 0;
}

/* ---- breakpoints and watchpoints ---- */

static void on_access(void *ctx, uint32_t lin, unsigned size, enum mmu_access acc)
{
	struct gdbstub *g = ctx;
	if (!g->armed || g->watch_hit || acc == ACC_FETCH)
		return;
	for (size_t i = 0; i < g->nwp; i++) {
		const struct gdb_watch *w = &g->wp[i];
		if ((uint64_t)lin + size <= w->addr || lin >= (uint64_t)w->addr + w->len)
			continue;
		if ((w->type == 2 && acc != ACC_WRITE) || (w->type == 3 && acc != ACC_READ))
			continue;
		g->watch_hit = true;
		g->hit_addr = lin > w->addr ? lin : w->addr;
		g->hit_type = w->type;
		return;
	}
}

static void watch_update(struct gdbstub *g)
{
	struct machine *m = g->m;
	bool on = g->nwp > 0;
	if (on == (m->mmu.watch != NULL))
		return;
	if (on) {
		g->jit_saved = m->cpu.jit;
		m->cpu.jit = false; /* compiled code keeps translations of its own */
		mmu_set_watch(&m->mmu, on_access, g);
	} else {
		mmu_set_watch(&m->mmu, NULL, NULL);
		m->cpu.jit = g->jit_saved;
	}
}

static int set_point(struct gdbstub *g, bool insert, int type, uint32_t addr, uint32_t len)
{
	if (type == 0) {
		for (size_t i = 0; i < g->nbp; i++)
			if (g->bp[i] == addr) {
				if (!insert)
					g->bp[i] = g->bp[--g->nbp];
				return 0;
			}
		if (!insert)
			return 0;
		if (g->nbp == GDBSTUB_MAX_BP)
			return -1;
		g->bp[g->nbp++] = addr;
		return 0;
	}
	for (size_t i = 0; i < g->nwp; i++)
		if (g->wp[i].addr == addr && g->wp[i].len == len && g->wp[i].type == type) {
			if (!insert) {
				g->wp[i] = g->wp[--g->nwp];
				watch_update(g);
			}
			return 0;
		}
	if (!insert)
		return 0;
	if (g->nwp == GDBSTUB_MAX_WP || len == 0 || len > 4096)
		return -1;
	g->wp[g->nwp++] = (struct gdb_watch){addr, len, type};
	watch_update(g);
	return 0;
}

static void drop_connection(struct gdbstub *g)
{
	if (g->fd >= 0) {
		close(g->fd);
		g->fd = -1;
	}
	if (g->m) {
		/* gdb went away (detach, or the connection dropped): the program runs on
		 * unobserved, at full speed */
		g->nbp = 0;
		g->nwp = 0;
		watch_update(g);
		g->m->debug = NULL;
		g->stepping = false;
	}
}

/* ---- queries ---- */

static void cmd_monitor(struct gdbstub *g, const char *hex)
{
	size_t hl = strlen(hex);
	char cmd[512];
	long n = gdb_fromhex(cmd, sizeof cmd - 1, hex, hl);
	if (n < 0) {
		gdbstub_send_str(g, "E01");
		return;
	}
	cmd[n] = '\0';
	char *text = NULL;
	size_t tn = 0;
	FILE *f = open_memstream(&text, &tn);
	if (!f) {
		gdbstub_send_str(g, "E0c");
		return;
	}
	if (!gdbstub_monitor(g, cmd, f))
		fprintf(f, "vmlab: unknown monitor command '%s' (try: monitor help)\n", cmd);
	fclose(f);
	/* the text as console output packets ('O' + hex), then OK */
	size_t chunk = (GDB_PACKET_MAX - 16) / 2;
	char *pkt = malloc(2 * chunk + 2);
	for (size_t o = 0; pkt && o < tn; o += chunk) {
		size_t k = tn - o < chunk ? tn - o : chunk;
		pkt[0] = 'O';
		gdb_tohex(pkt + 1, text + o, k);
		gdbstub_send(g, pkt, 2 * k + 1);
	}
	free(pkt);
	free(text);
	gdbstub_send_str(g, "OK");
}

/* ---- stops and resumes ---- */

static bool resume_with(struct gdbstub *g, const char *p, bool step, bool with_sig)
{
	uint64_t v = 0;
	g->resume_sig = 0;
	if (with_sig) {
		if (gdb_parse_hex(&p, &v)) {
			gdbstub_send_str(g, "E01");
			return false;
		}
		g->resume_sig = sig_from_gdb((int)v);
		if (*p == ';')
			p++;
	}
	if (*p) {
		if (gdb_parse_hex(&p, &v) || v > 0xffffffffu) {
			gdbstub_send_str(g, "E01");
			return false;
		}
		g->m->cpu.eip = (uint32_t)v;
	}
	g->stepping = step;
	return true;
}

/* vCont;ACTION[:thread][;ACTION...]: the first action decides, for the whole process. */
static bool cmd_vcont(struct gdbstub *g, const char *p)
{
	char a = *p++;
	if (a == 'c' || a == 's')
		return resume_with(g, "", a == 's', false);
	if (a == 'C' || a == 'S') {
		char sig[3] = {p[0], p[0] ? p[1] : 0, 0};
		return resume_with(g, sig, a == 'S', true);
	}
	gdbstub_send_str(g, "E01");
	return false;
}

static struct task *current_task(struct gdbstub *g)
{
	struct task *t = g->m->sched.current;
	return t ? t : &g->m->task;
}

/* Serves gdb until it resumes the program (true) or goes away / kills it (false). */
static bool serve(struct gdbstub *g)
{
	while (recv_packet(g, NULL)) {
		char *p = g->rx.buf;
		char reply[64];
		uint64_t type, addr, len;
		switch (p[0]) {
		case '?': gdbstub_send_str(g, g->last_stop); break;
		case 'g': gdbstub_read_regs(g); break;
		case 'G': gdbstub_write_regs(g, p + 1); break;
		case 'p': gdbstub_read_reg(g, p + 1); break;
		case 'P': gdbstub_write_reg(g, p + 1); break;
		case 'm': gdbstub_read_mem(g, p + 1); break;
		case 'M': gdbstub_write_mem(g, p + 1); break;
		case 'c':
		case 's':
			if (resume_with(g, p + 1, p[0] == 's', false))
				return true;
			break;
		case 'C':
		case 'S':
			if (resume_with(g, p + 1, p[0] == 'S', true))
				return true;
			break;
		case 'Z':
		case 'z': {
			const char *q = p + 1;
			if (gdb_parse_hex(&q, &type) || *q++ != ',' ||
			    !gdbstub_parse_addr_len(&q, &addr, &len, ',')) {
				gdbstub_send_str(g, "E01");
				break;
			}
			if (type != 0 && (type < 2 || type > 4)) {
				gdbstub_send_str(g,
						 ""); /* Z1: no hardware breakpoints; gdb uses Z0 */
				break;
			}
			gdbstub_send_str(
			    g, set_point(g, p[0] == 'Z', (int)type, (uint32_t)addr, (uint32_t)len)
				   ? "E0c"
				   : "OK");
			break;
		}
		case 'H':
		case 'T': gdbstub_send_str(g, "OK"); break;
		case 'D':
			gdbstub_send_str(g, "OK");
			fprintf(stderr, "vmlab: gdb detached; the program runs on\n");
			drop_connection(g);
			return false;
		case 'k':
			fprintf(stderr, "vmlab: gdb killed the program\n");
			drop_connection(g);
			machine_request_stop(g->m, SIGKILL);
			return false;
		case 'v':
			if (!strcmp(p, "vCont?"))
				gdbstub_send_str(g, "vCont;c;C;s;S");
			else if (!strncmp(p, "vCont;", 6)) {
				if (cmd_vcont(g, p + 6))
					return true;
			} else if (!strncmp(p, "vKill", 5)) {
				gdbstub_send_str(g, "OK");
				fprintf(stderr, "vmlab: gdb killed the program\n");
				drop_connection(g);
				machine_request_stop(g->m, SIGKILL);
				return false;
			} else
				gdbstub_send_str(g, "");
			break;
		case 'q':
			if (!strncmp(p, "qSupported", 10)) {
				g->swbreak = strstr(p, "swbreak+") != NULL;
				snprintf(reply, sizeof reply,
					 "PacketSize=%x;qXfer:features:read+;QStartNoAckMode+%s",
					 GDB_PACKET_MAX, g->swbreak ? ";swbreak+" : "");
				gdbstub_send_str(g, reply);
			} else if (!strncmp(p, "qXfer:features:read:", 20))
				gdbstub_xfer_features(g, p + 20);
			else if (!strcmp(p, "qAttached"))
				gdbstub_send_str(g,
						 "0"); /* vmlab started it: gdb's quit kills it */
			else if (!strcmp(p, "qC")) {
				snprintf(reply, sizeof reply, "QC%x", current_task(g)->pid);
				gdbstub_send_str(g, reply);
			} else if (!strcmp(p, "qfThreadInfo")) {
				snprintf(reply, sizeof reply, "m%x", current_task(g)->pid);
				gdbstub_send_str(g, reply);
			} else if (!strcmp(p, "qsThreadInfo"))
				gdbstub_send_str(g, "l");
			else if (!strncmp(p, "qRcmd,", 6))
				cmd_monitor(g, p + 6);
			else if (!strncmp(p, "qSymbol", 7))
				gdbstub_send_str(g, "OK");
			else
				gdbstub_send_str(g, "");
			break;
		case 'Q':
			if (!strcmp(p, "QStartNoAckMode")) {
				gdbstub_send_str(g, "OK");
				g->noack = true;
			} else
				gdbstub_send_str(g, "");
			break;
		default:
			gdbstub_send_str(g, ""); /* not supported: gdb's convention */
			break;
		}
	}
	return false;
}

/* Reports a stop, serves gdb, and prepares the resume. False: no longer debugging. */
static bool stop(struct gdbstub *g, struct task *t, int gdbsig, const char *extra)
{
	snprintf(g->last_stop, sizeof g->last_stop, "T%02xthread:%x;%s", gdbsig, t->pid,
		 extra ? extra : "");
	if (g->started)
		gdbstub_send_str(g, g->last_stop);
	g->started = true;
	if (!serve(g))
		return false;
	g->resume_insns = g->m->cpu.insns;
	g->resume_eip = g->m->cpu.eip;
	return true;
}

static bool is_breakpoint(const struct gdbstub *g, uint32_t eip)
{
	for (size_t i = 0; i < g->nbp; i++)
		if (g->bp[i] == eip)
			return true;
	return false;
}

/* gdb's Ctrl-C: the interrupt byte, looked for now and then while the program runs. */
static bool interrupted(struct gdbstub *g)
{
	struct pollfd pf = {.fd = g->fd, .events = POLLIN};
	while (g->fd >= 0 && poll(&pf, 1, 0) > 0) {
		uint8_t b;
		ssize_t r = recv(g->fd, &b, 1, 0);
		if (r <= 0) {
			fprintf(stderr, "vmlab: gdb went away; the program runs on\n");
			drop_connection(g);
			return false;
		}
		if (gdb_rx_byte(&g->rx, b) == GDB_RX_INTERRUPT)
			return true;
	}
	return false;
}

static uint64_t before_run(struct machine_debug *d, struct task *t)
{
	struct gdbstub *g = (struct gdbstub *)d;
	struct cpu *c = &g->m->cpu;
	g->armed = false;
	if (t->tgid != g->tgid)
		return 0; /* another process (a fork's child): not followed */
	bool hit = g->watch_hit && c->insns != g->run_insns; /* the access's instruction ended */
	g->watch_hit = false;
	bool fresh = c->insns == g->resume_insns && c->eip == g->resume_eip;
	bool ok = true;
	if (!g->started) {
		ok = stop(g, t, 5, NULL);
	} else if (hit) {
		char extra[48];
		const char *kind = g->hit_type == 2   ? "watch"
				   : g->hit_type == 3 ? "rwatch"
						      : "awatch";
		snprintf(extra, sizeof extra, "%s:%x;", kind, g->hit_addr);
		ok = stop(g, t, 5, extra);
	} else if (g->stepping && !fresh) {
		ok = stop(g, t, 5, NULL);
	} else if (!fresh && is_breakpoint(g, c->eip)) {
		ok = stop(g, t, 5, g->swbreak ? "swbreak:;" : NULL);
	} else if (((++g->polls & 0xffff) == 0 || !(g->stepping || g->nbp || g->nwp)) &&
		   interrupted(g)) {
		ok = stop(g, t, 2, NULL);
	}
	if (!ok || g->fd < 0)
		return 0;
	if (g->resume_sig) {
		send_sig(t, g->resume_sig, 0 /* SI_USER */);
		g->resume_sig = 0;
	}
	g->armed = g->nwp > 0;
	g->run_insns = c->insns;
	return g->stepping || g->nbp || g->nwp ? 1 : 0;
}

static bool on_signal(struct machine_debug *d, struct task *t, int sig)
{
	struct gdbstub *g = (struct gdbstub *)d;
	if (t->tgid != g->tgid || g->fd < 0)
		return true;
	if (!stop(g, t, sig_to_gdb(sig), NULL))
		return true; /* gdb went away: the signal takes its course */
	/* ptrace's rule: the signal goes on when the resume names one, else it is dropped */
	bool deliver = g->resume_sig != 0;
	g->resume_sig = 0;
	return deliver;
}

void gdbstub_finish(struct gdbstub *g, int status)
{
	if (g->fd < 0) { /* gdb detached or killed the program before */
		gdbstub_close(g);
		return;
	}
	struct task *t = g->m->sched.first ? g->m->sched.first : &g->m->task;
	char reply[16];
	if (t->exit_signal)
		snprintf(reply, sizeof reply, "X%02x", sig_to_gdb(t->exit_signal));
	else
		snprintf(reply, sizeof reply, "W%02x", status & 0xff);
	gdbstub_send_str(g, reply);
	/* let gdb read it and hang up first (it may still ask a question or two); a gdb that
	 * stays connected is given two seconds */
	struct timeval tv = {.tv_sec = 2};
	setsockopt(g->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	for (int i = 0; i < 20 && g->fd >= 0; i++) {
		if (!recv_packet(g, NULL))
			break;
		if (g->rx.buf[0] == 'k' || g->rx.buf[0] == 'D' || !strncmp(g->rx.buf, "vKill", 5)) {
			if (g->rx.buf[0] != 'k')
				gdbstub_send_str(g, "OK");
			break;
		}
		gdbstub_send_str(g, g->rx.buf[0] == '?' ? reply : "E01");
	}
	gdbstub_close(g);
}

void gdbstub_close(struct gdbstub *g)
{
	if (g->m)
		g->m->debug = NULL;
	if (g->fd >= 0)
		close(g->fd);
	if (g->lfd >= 0)
		close(g->lfd);
	g->fd = g->lfd = -1;
	free(g->out);
	g->out = NULL;
	g->out_n = g->out_cap = 0;
}
