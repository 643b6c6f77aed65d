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

#include "kernel/mm/mmap.h"
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

static void send_packet_n(struct gdbstub *g, const char *payload, size_t n)
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

static void send_packet(struct gdbstub *g, const char *payload)
{
	send_packet_n(g, payload, strlen(payload));
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

/* ---- registers: gdb's i386 numbering (target.xml below) ---- */

enum {
	REG_EIP = 8,
	REG_EFLAGS = 9,
	REG_CS = 10,
	REG_ST0 = 16,
	REG_FCTRL = 24,
	REG_XMM0 = 32,
	REG_MXCSR = 40,
	REG_ORIG_EAX = 41,
	NREGS = 42
};

static const enum sreg seg_of_reg[6] = {SR_CS, SR_SS, SR_DS, SR_ES, SR_FS, SR_GS};

static unsigned reg_size(int r)
{
	return r >= REG_ST0 && r < REG_FCTRL ? 10 : r >= REG_XMM0 && r < REG_MXCSR ? 16 : 4;
}

/* Register r's bytes (little-endian) from the CPU and an FXSAVE image of it. */
static unsigned reg_get(struct machine *m, const uint8_t fx[512], int r, uint8_t *out)
{
	struct cpu *c = &m->cpu;
	uint32_t v = 0;
	if (r < 8)
		v = c->regs[r];
	else if (r == REG_EIP)
		v = c->eip;
	else if (r == REG_EFLAGS)
		v = cpu_get_eflags(c);
	else if (r < REG_ST0)
		v = m->mmu.seg.sr[seg_of_reg[r - REG_CS]].selector;
	else if (r < REG_FCTRL) {
		memcpy(out, fx + 32 + 16 * (r - REG_ST0), 10);
		return 10;
	} else if (r < REG_XMM0) {
		static const unsigned off[8] = {0, 2, 0, 12, 8, 20, 16, 6}; /* FXSAVE offsets */
		static const unsigned sz[8] = {2, 2, 0, 2, 4, 2, 4, 2};
		unsigned k = (unsigned)(r - REG_FCTRL);
		if (k == 2)
			v = c->fpu.tw; /* the full tag word, as gdb's ftag */
		else
			memcpy(&v, fx + off[k], sz[k]);
		if (k == 7)
			v &= 0x7ff;
	} else if (r < REG_MXCSR) {
		memcpy(out, fx + 160 + 16 * (r - REG_XMM0), 16);
		return 16;
	} else if (r == REG_MXCSR)
		v = c->sse.mxcsr;
	else
		v = 0xffffffffu; /* orig_eax: stopped outside a system call */
	memcpy(out, &v, 4);
	return 4;
}

/* Sets register r (size bytes at in); 0 or -1 when the value cannot be taken. */
static int reg_set(struct machine *m, int r, const uint8_t *in)
{
	struct cpu *c = &m->cpu;
	uint32_t v;
	if (r >= REG_ST0 && r < REG_MXCSR && r != REG_FCTRL && r != REG_FCTRL + 1) {
		/* x87 data and control-flow registers, XMM: through an FXSAVE image */
		uint8_t fx[512];
		memset(fx, 0, sizeof fx);
		cpu_fxsave_image(c, fx);
		if (r < REG_FCTRL)
			memcpy(fx + 32 + 16 * (r - REG_ST0), in, 10);
		else if (r >= REG_XMM0)
			memcpy(fx + 160 + 16 * (r - REG_XMM0), in, 16);
		else {
			static const unsigned off[8] = {0, 2, 4, 12, 8, 20, 16, 6};
			unsigned k = (unsigned)(r - REG_FCTRL);
			memcpy(&v, in, 4);
			if (k == 2) { /* full tag word -> FXSAVE's abridged one */
				uint8_t ab = 0;
				for (int i = 0; i < 8; i++)
					if (((v >> (2 * i)) & 3) != 3)
						ab |= (uint8_t)(1u << i);
				fx[4] = ab;
			} else
				memcpy(fx + off[k], &v, k == 4 || k == 6 ? 4 : 2);
		}
		return cpu_fxrstor_image(c, fx, false) ? -1 : 0;
	}
	memcpy(&v, in, 4);
	if (r < 8)
		c->regs[r] = v;
	else if (r == REG_EIP)
		c->eip = v;
	else if (r == REG_EFLAGS) {
		/* what ptrace lets a tracer change (Linux's FLAG_MASK, without RF) */
		uint32_t mask = EFL_CF | EFL_PF | EFL_AF | EFL_ZF | EFL_SF | EFL_TF | EFL_DF |
				EFL_OF | EFL_AC | (1u << 14);
		cpu_set_eflags(c, (cpu_get_eflags(c) & ~mask) | (v & mask));
	} else if (r < REG_ST0) {
		enum sreg sr = seg_of_reg[r - REG_CS];
		struct x86_exception ex;
		if (m->mmu.seg.sr[sr].selector == (uint16_t)v)
			return 0;
		if ((v & 3) != 3 || mmu_load_seg(&m->mmu, sr, (uint16_t)v, &ex))
			return -1; /* ptrace's putreg refuses what the CPU would not load */
	} else if (r == REG_FCTRL || r == REG_FCTRL + 1) {
		if (r == REG_FCTRL)
			c->fpu.cw = (uint16_t)v;
		else
			c->fpu.sw = (uint16_t)v;
	} else if (r == REG_MXCSR) {
		uint8_t fx[512];
		memset(fx, 0, sizeof fx);
		cpu_fxsave_image(c, fx);
		memcpy(fx + 24, &v, 4);
		return cpu_fxrstor_image(c, fx, false) ? -1 : 0;
	} else if (r == REG_ORIG_EAX)
		return v == 0xffffffffu ? 0 : -1;
	else
		return -1;
	return 0;
}

static void cmd_read_regs(struct gdbstub *g)
{
	uint8_t fx[512], b[16];
	char hex[2 * 320 + 1];
	size_t o = 0;
	memset(fx, 0, sizeof fx);
	cpu_fxsave_image(&g->m->cpu, fx);
	for (int r = 0; r < NREGS; r++) {
		unsigned n = reg_get(g->m, fx, r, b);
		gdb_tohex(hex + o, b, n);
		o += 2 * n;
	}
	send_packet_n(g, hex, o);
}

static void cmd_write_regs(struct gdbstub *g, const char *hex)
{
	size_t len = strlen(hex), o = 0;
	for (int r = 0; r < NREGS && o < len; r++) {
		uint8_t b[16];
		unsigned n = reg_size(r);
		if (len - o < 2 * n || gdb_fromhex(b, n, hex + o, 2 * n) < 0) {
			send_packet(g, "E01");
			return;
		}
		uint8_t cur[16];
		uint8_t fx[512];
		memset(fx, 0, sizeof fx);
		cpu_fxsave_image(&g->m->cpu, fx);
		reg_get(g->m, fx, r, cur);
		if (memcmp(cur, b, n) && reg_set(g->m, r, b)) {
			send_packet(g, "E01");
			return;
		}
		o += 2 * n;
	}
	send_packet(g, "OK");
}

static void cmd_read_reg(struct gdbstub *g, const char *p)
{
	uint64_t r;
	if (gdb_parse_hex(&p, &r) || r >= NREGS) {
		send_packet(g, "E01");
		return;
	}
	uint8_t fx[512], b[16];
	char hex[33];
	memset(fx, 0, sizeof fx);
	cpu_fxsave_image(&g->m->cpu, fx);
	unsigned n = reg_get(g->m, fx, (int)r, b);
	gdb_tohex(hex, b, n);
	send_packet_n(g, hex, 2 * n);
}

static void cmd_write_reg(struct gdbstub *g, const char *p)
{
	uint64_t r;
	uint8_t b[16];
	if (gdb_parse_hex(&p, &r) || r >= NREGS || *p++ != '=' ||
	    gdb_fromhex(b, reg_size((int)r), p, strlen(p)) != (long)reg_size((int)r) ||
	    reg_set(g->m, (int)r, b)) {
		send_packet(g, "E01");
		return;
	}
	send_packet(g, "OK");
}

/* ---- memory ---- */

/* Private anonymous memory the program has not touched yet: no paging entry at all (not
 * even a swap entry) in a readable VMA. It reads as zeros, as the zero page a read fault
 * would map; the stub says so without bringing the page in. */
static bool untouched_anon(struct machine *m, uint32_t lin, const struct walk_result *res)
{
	struct task *t = m->sched.current ? m->sched.current : &m->task;
	if (!t->mm || !res->nsteps || res->steps[res->nsteps - 1].entry != 0)
		return false;
	const struct vm_area_struct *v = find_vma(t->mm, lin);
	return v && v->vm_start <= lin && !v->vm_file && v->kind == VMA_NORMAL &&
	       (v->vm_flags & VM_READ) && !(v->vm_flags & (VM_SHARED | VM_SPECIAL));
}

size_t gdbstub_peek(struct machine *m, uint32_t addr, void *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		uint32_t lin = addr + (uint32_t)done;
		struct walk_result res;
		struct x86_exception ex;
		size_t in_page = PAGE_SIZE - (lin & (PAGE_SIZE - 1));
		size_t k = n - done < in_page ? n - done : in_page;
		if (paging_walk(&m->pm, &m->mmu.regs, lin, ACC_READ, true, false, &res, &ex)) {
			if (!untouched_anon(m, lin, &res))
				break;
			memset((char *)buf + done, 0, k);
		} else if (physmem_is_ram(&m->pm, res.pa))
			physmem_read_buf(&m->pm, res.pa, (char *)buf + done, k);
		else
			break;
		done += k;
		if (lin + k == 0)
			break; /* the top of the address space */
	}
	return done;
}

/* A debugger's write: only into pages the program itself could write now (present and
 * writable for user mode: no copy-on-write break, no page brought in). The walk sets A and
 * D, as the write it is; decoded code of the frame is dropped. */
static int poke(struct machine *m, uint32_t addr, const uint8_t *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		uint32_t lin = addr + (uint32_t)done;
		struct walk_result res;
		struct x86_exception ex;
		if (paging_walk(&m->pm, &m->mmu.regs, lin, ACC_WRITE, true, false, &res, &ex) ||
		    !physmem_is_ram(&m->pm, res.pa))
			return -1;
		size_t in_page = PAGE_SIZE - (lin & (PAGE_SIZE - 1));
		done += n - done < in_page ? n - done : in_page;
		if (lin + in_page == 0 && done < n)
			return -1;
	}
	for (done = 0; done < n;) {
		uint32_t lin = addr + (uint32_t)done;
		struct walk_result res;
		struct x86_exception ex;
		paging_walk(&m->pm, &m->mmu.regs, lin, ACC_WRITE, true, true, &res, &ex);
		size_t in_page = PAGE_SIZE - (lin & (PAGE_SIZE - 1));
		size_t k = n - done < in_page ? n - done : in_page;
		physmem_frame_changed(&m->pm, res.pa >> PAGE_SHIFT);
		physmem_write_buf(&m->pm, res.pa, buf + done, k);
		done += k;
	}
	return 0;
}

static bool parse_addr_len(const char **p, uint64_t *addr, uint64_t *len, char sep)
{
	return !gdb_parse_hex(p, addr) && *(*p)++ == sep && !gdb_parse_hex(p, len) &&
	       *addr <= 0xffffffffu;
}

static void cmd_read_mem(struct gdbstub *g, const char *p)
{
	uint64_t addr, len;
	if (!parse_addr_len(&p, &addr, &len, ',') || *p) {
		send_packet(g, "E01");
		return;
	}
	if (len > (GDB_PACKET_MAX - 4) / 2)
		len = (GDB_PACKET_MAX - 4) / 2;
	uint8_t *buf = malloc(len ? len : 1);
	char *hex = malloc(2 * len + 1);
	if (!buf || !hex) {
		send_packet(g, "E0c");
	} else {
		size_t got = gdbstub_peek(g->m, (uint32_t)addr, buf, len);
		if (!got && len)
			send_packet(g, "E0e");
		else {
			gdb_tohex(hex, buf, got);
			send_packet_n(g, hex, 2 * got);
		}
	}
	free(buf);
	free(hex);
}

static void cmd_write_mem(struct gdbstub *g, const char *p)
{
	uint64_t addr, len;
	if (!parse_addr_len(&p, &addr, &len, ',') || *p++ != ':' || len > GDB_PACKET_MAX ||
	    strlen(p) != 2 * len) {
		send_packet(g, "E01");
		return;
	}
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf || gdb_fromhex(buf, len, p, 2 * len) != (long)len ||
	    poke(g->m, (uint32_t)addr, buf, len))
		send_packet(g, "E0e");
	else
		send_packet(g, "OK");
	free(buf);
}

/* ---- queries ---- */

static const char target_xml[] =
    "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
    "<target version=\"1.0\">\n<architecture>i386</architecture>\n<osabi>GNU/Linux</osabi>\n"
    "<feature name=\"org.gnu.gdb.i386.core\">\n"
    "<flags id=\"i386_eflags\" size=\"4\">"
    "<field name=\"CF\" start=\"0\" end=\"0\"/><field name=\"\" start=\"1\" end=\"1\"/>"
    "<field name=\"PF\" start=\"2\" end=\"2\"/><field name=\"AF\" start=\"4\" end=\"4\"/>"
    "<field name=\"ZF\" start=\"6\" end=\"6\"/><field name=\"SF\" start=\"7\" end=\"7\"/>"
    "<field name=\"TF\" start=\"8\" end=\"8\"/><field name=\"IF\" start=\"9\" end=\"9\"/>"
    "<field name=\"DF\" start=\"10\" end=\"10\"/><field name=\"OF\" start=\"11\" end=\"11\"/>"
    "<field name=\"NT\" start=\"14\" end=\"14\"/><field name=\"RF\" start=\"16\" end=\"16\"/>"
    "<field name=\"VM\" start=\"17\" end=\"17\"/><field name=\"AC\" start=\"18\" end=\"18\"/>"
    "<field name=\"VIF\" start=\"19\" end=\"19\"/><field name=\"VIP\" start=\"20\" end=\"20\"/>"
    "<field name=\"ID\" start=\"21\" end=\"21\"/></flags>\n"
    "<reg name=\"eax\" bitsize=\"32\" type=\"int32\" regnum=\"0\"/>"
    "<reg name=\"ecx\" bitsize=\"32\" type=\"int32\"/>"
    "<reg name=\"edx\" bitsize=\"32\" type=\"int32\"/>"
    "<reg name=\"ebx\" bitsize=\"32\" type=\"int32\"/>"
    "<reg name=\"esp\" bitsize=\"32\" type=\"data_ptr\"/>"
    "<reg name=\"ebp\" bitsize=\"32\" type=\"data_ptr\"/>"
    "<reg name=\"esi\" bitsize=\"32\" type=\"int32\"/>"
    "<reg name=\"edi\" bitsize=\"32\" type=\"int32\"/>"
    "<reg name=\"eip\" bitsize=\"32\" type=\"code_ptr\"/>"
    "<reg name=\"eflags\" bitsize=\"32\" type=\"i386_eflags\"/>"
    "<reg name=\"cs\" bitsize=\"32\" type=\"int32\"/><reg name=\"ss\" bitsize=\"32\" "
    "type=\"int32\"/>"
    "<reg name=\"ds\" bitsize=\"32\" type=\"int32\"/><reg name=\"es\" bitsize=\"32\" "
    "type=\"int32\"/>"
    "<reg name=\"fs\" bitsize=\"32\" type=\"int32\"/><reg name=\"gs\" bitsize=\"32\" "
    "type=\"int32\"/>\n"
    "<reg name=\"st0\" bitsize=\"80\" type=\"i387_ext\"/><reg name=\"st1\" bitsize=\"80\" "
    "type=\"i387_ext\"/>"
    "<reg name=\"st2\" bitsize=\"80\" type=\"i387_ext\"/><reg name=\"st3\" bitsize=\"80\" "
    "type=\"i387_ext\"/>"
    "<reg name=\"st4\" bitsize=\"80\" type=\"i387_ext\"/><reg name=\"st5\" bitsize=\"80\" "
    "type=\"i387_ext\"/>"
    "<reg name=\"st6\" bitsize=\"80\" type=\"i387_ext\"/><reg name=\"st7\" bitsize=\"80\" "
    "type=\"i387_ext\"/>\n"
    "<reg name=\"fctrl\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
    "<reg name=\"fstat\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
    "<reg name=\"ftag\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
    "<reg name=\"fiseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
    "<reg name=\"fioff\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
    "<reg name=\"foseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
    "<reg name=\"fooff\" bitsize=\"32\" type=\"int\" group=\"float\"/>"
    "<reg name=\"fop\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n</feature>\n"
    "<feature name=\"org.gnu.gdb.i386.sse\">\n"
    "<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>"
    "<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>"
    "<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>"
    "<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>"
    "<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>"
    "<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>"
    "<union id=\"vec128\"><field name=\"v4_float\" type=\"v4f\"/>"
    "<field name=\"v2_double\" type=\"v2d\"/><field name=\"v16_int8\" type=\"v16i8\"/>"
    "<field name=\"v8_int16\" type=\"v8i16\"/><field name=\"v4_int32\" type=\"v4i32\"/>"
    "<field name=\"v2_int64\" type=\"v2i64\"/><field name=\"uint128\" type=\"uint128\"/></union>\n"
    "<flags id=\"i386_mxcsr\" size=\"4\">"
    "<field name=\"IE\" start=\"0\" end=\"0\"/><field name=\"DE\" start=\"1\" end=\"1\"/>"
    "<field name=\"ZE\" start=\"2\" end=\"2\"/><field name=\"OE\" start=\"3\" end=\"3\"/>"
    "<field name=\"UE\" start=\"4\" end=\"4\"/><field name=\"PE\" start=\"5\" end=\"5\"/>"
    "<field name=\"DAZ\" start=\"6\" end=\"6\"/><field name=\"IM\" start=\"7\" end=\"7\"/>"
    "<field name=\"DM\" start=\"8\" end=\"8\"/><field name=\"ZM\" start=\"9\" end=\"9\"/>"
    "<field name=\"OM\" start=\"10\" end=\"10\"/><field name=\"UM\" start=\"11\" end=\"11\"/>"
    "<field name=\"PM\" start=\"12\" end=\"12\"/><field name=\"FZ\" start=\"15\" "
    "end=\"15\"/></flags>\n"
    "<reg name=\"xmm0\" bitsize=\"128\" type=\"vec128\" regnum=\"32\"/>"
    "<reg name=\"xmm1\" bitsize=\"128\" type=\"vec128\"/><reg name=\"xmm2\" bitsize=\"128\" "
    "type=\"vec128\"/>"
    "<reg name=\"xmm3\" bitsize=\"128\" type=\"vec128\"/><reg name=\"xmm4\" bitsize=\"128\" "
    "type=\"vec128\"/>"
    "<reg name=\"xmm5\" bitsize=\"128\" type=\"vec128\"/><reg name=\"xmm6\" bitsize=\"128\" "
    "type=\"vec128\"/>"
    "<reg name=\"xmm7\" bitsize=\"128\" type=\"vec128\"/>"
    "<reg name=\"mxcsr\" bitsize=\"32\" type=\"i386_mxcsr\" group=\"vector\"/>\n</feature>\n"
    "<feature name=\"org.gnu.gdb.i386.linux\">"
    "<reg name=\"orig_eax\" bitsize=\"32\" type=\"int\" regnum=\"41\"/></feature>\n"
    "</target>\n";

static void cmd_xfer_features(struct gdbstub *g, const char *p)
{
	const char *name = "target.xml:";
	uint64_t off, len;
	if (strncmp(p, name, strlen(name))) {
		send_packet(g, "E00");
		return;
	}
	p += strlen(name);
	if (!parse_addr_len(&p, &off, &len, ',') || *p) {
		send_packet(g, "E01");
		return;
	}
	size_t total = sizeof target_xml - 1;
	if (off >= total) {
		send_packet(g, "l");
		return;
	}
	if (len > GDB_PACKET_MAX / 2)
		len = GDB_PACKET_MAX / 2;
	size_t n = total - off < len ? total - off : len;
	char *buf = malloc(n + 1);
	if (!buf) {
		send_packet(g, "E0c");
		return;
	}
	buf[0] = off + n < total ? 'm' : 'l';
	memcpy(buf + 1, target_xml + off, n);
	send_packet_n(g, buf, n + 1);
	free(buf);
}

static void cmd_monitor(struct gdbstub *g, const char *hex)
{
	size_t hl = strlen(hex);
	char cmd[512];
	long n = gdb_fromhex(cmd, sizeof cmd - 1, hex, hl);
	if (n < 0) {
		send_packet(g, "E01");
		return;
	}
	cmd[n] = '\0';
	char *text = NULL;
	size_t tn = 0;
	FILE *f = open_memstream(&text, &tn);
	if (!f) {
		send_packet(g, "E0c");
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
		send_packet_n(g, pkt, 2 * k + 1);
	}
	free(pkt);
	free(text);
	send_packet(g, "OK");
}

/* ---- stops and resumes ---- */

static bool resume_with(struct gdbstub *g, const char *p, bool step, bool with_sig)
{
	uint64_t v = 0;
	g->resume_sig = 0;
	if (with_sig) {
		if (gdb_parse_hex(&p, &v)) {
			send_packet(g, "E01");
			return false;
		}
		g->resume_sig = sig_from_gdb((int)v);
		if (*p == ';')
			p++;
	}
	if (*p) {
		if (gdb_parse_hex(&p, &v) || v > 0xffffffffu) {
			send_packet(g, "E01");
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
	send_packet(g, "E01");
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
		case '?': send_packet(g, g->last_stop); break;
		case 'g': cmd_read_regs(g); break;
		case 'G': cmd_write_regs(g, p + 1); break;
		case 'p': cmd_read_reg(g, p + 1); break;
		case 'P': cmd_write_reg(g, p + 1); break;
		case 'm': cmd_read_mem(g, p + 1); break;
		case 'M': cmd_write_mem(g, p + 1); break;
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
			    !parse_addr_len(&q, &addr, &len, ',')) {
				send_packet(g, "E01");
				break;
			}
			if (type != 0 && (type < 2 || type > 4)) {
				send_packet(g, ""); /* Z1: no hardware breakpoints; gdb uses Z0 */
				break;
			}
			send_packet(
			    g, set_point(g, p[0] == 'Z', (int)type, (uint32_t)addr, (uint32_t)len)
				   ? "E0c"
				   : "OK");
			break;
		}
		case 'H':
		case 'T': send_packet(g, "OK"); break;
		case 'D':
			send_packet(g, "OK");
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
				send_packet(g, "vCont;c;C;s;S");
			else if (!strncmp(p, "vCont;", 6)) {
				if (cmd_vcont(g, p + 6))
					return true;
			} else if (!strncmp(p, "vKill", 5)) {
				send_packet(g, "OK");
				fprintf(stderr, "vmlab: gdb killed the program\n");
				drop_connection(g);
				machine_request_stop(g->m, SIGKILL);
				return false;
			} else
				send_packet(g, "");
			break;
		case 'q':
			if (!strncmp(p, "qSupported", 10)) {
				g->swbreak = strstr(p, "swbreak+") != NULL;
				snprintf(reply, sizeof reply,
					 "PacketSize=%x;qXfer:features:read+;QStartNoAckMode+%s",
					 GDB_PACKET_MAX, g->swbreak ? ";swbreak+" : "");
				send_packet(g, reply);
			} else if (!strncmp(p, "qXfer:features:read:", 20))
				cmd_xfer_features(g, p + 20);
			else if (!strcmp(p, "qAttached"))
				send_packet(g, "0"); /* vmlab started it: gdb's quit kills it */
			else if (!strcmp(p, "qC")) {
				snprintf(reply, sizeof reply, "QC%x", current_task(g)->pid);
				send_packet(g, reply);
			} else if (!strcmp(p, "qfThreadInfo")) {
				snprintf(reply, sizeof reply, "m%x", current_task(g)->pid);
				send_packet(g, reply);
			} else if (!strcmp(p, "qsThreadInfo"))
				send_packet(g, "l");
			else if (!strncmp(p, "qRcmd,", 6))
				cmd_monitor(g, p + 6);
			else if (!strncmp(p, "qSymbol", 7))
				send_packet(g, "OK");
			else
				send_packet(g, "");
			break;
		case 'Q':
			if (!strcmp(p, "QStartNoAckMode")) {
				send_packet(g, "OK");
				g->noack = true;
			} else
				send_packet(g, "");
			break;
		default:
			send_packet(g, ""); /* not supported: gdb's convention */
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
		send_packet(g, g->last_stop);
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
	send_packet(g, reply);
	/* let gdb read it and hang up first (it may still ask a question or two); a gdb that
	 * stays connected is given two seconds */
	struct timeval tv = {.tv_sec = 2};
	setsockopt(g->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	for (int i = 0; i < 20 && g->fd >= 0; i++) {
		if (!recv_packet(g, NULL))
			break;
		if (g->rx.buf[0] == 'k' || g->rx.buf[0] == 'D' || !strncmp(g->rx.buf, "vKill", 5)) {
			if (g->rx.buf[0] != 'k')
				send_packet(g, "OK");
			break;
		}
		send_packet(g, g->rx.buf[0] == '?' ? reply : "E01");
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
