/*
 * `vmlab run -g PORT`: a gdb stub (gdb's remote serial protocol over TCP on localhost, as
 * qemu-user's -g). It is a front end: the run loop knows it only through machine.debug
 * (kernel/machine.h) and the MMU through mmu.watch (hw/mmu.h). docs/gdb.md.
 */
#ifndef VMLAB_CLI_GDBSTUB_H
#define VMLAB_CLI_GDBSTUB_H
#include "gdbstub/packet.h"
#include "kernel/machine.h"

#define GDBSTUB_MAX_BP 64
#define GDBSTUB_MAX_WP 16

struct gdb_watch {
	uint32_t addr, len;
	int type; /* 2 write, 3 read, 4 access (the Z packet's type) */
};

struct gdbstub {
	struct machine_debug hooks; /* first: the run loop's view of the stub */
	struct machine *m;
	int lfd, fd; /* listening socket, connection (-1: none) */
	struct gdb_rx rx;
	bool noack;
	bool swbreak; /* gdb understands "swbreak" in stop replies (qSupported) */
	int tgid;     /* the process followed: the one vmlab started (docs/gdb.md) */
	uint32_t bp[GDBSTUB_MAX_BP];
	size_t nbp;
	struct gdb_watch wp[GDBSTUB_MAX_WP];
	size_t nwp;
	bool jit_saved; /* cpu.jit before watchpoints turned it off */
	/* the last resume: stepping from (insns, eip); a breakpoint at the resume point does
	 * not stop again before that instruction ran */
	bool started, stepping;
	uint64_t resume_insns;
	uint32_t resume_eip;
	int resume_sig; /* the signal the last C/S packet gave (Linux numbering), or 0 */
	/* a watched access seen during the current run of the CPU */
	bool armed, watch_hit;
	uint64_t run_insns; /* the instruction count when the CPU was last let run */
	uint32_t hit_addr;
	int hit_type;
	uint64_t polls;
	char last_stop[96];
	char *out; /* the last packet framed, for a '-' */
	size_t out_n, out_cap;
};

/* Listens on 127.0.0.1:port (0: a free port) and says on stderr which port it is.
 * 0, or -1 after a message. */
int gdbstub_listen(struct gdbstub *g, int port);
/* Waits for gdb to connect and attaches the stub to the machine, whose program is loaded
 * and not yet started. 0, or -1 after a message. */
int gdbstub_attach(struct gdbstub *g, struct machine *m);
/* The program ended (status as machine_run returns it): tells gdb (W or X), closes. */
void gdbstub_finish(struct gdbstub *g, int status);
void gdbstub_close(struct gdbstub *g);

/* Within the stub (gdbstub.c): a packet to gdb (n bytes, or a string). */
void gdbstub_send(struct gdbstub *g, const char *payload, size_t n);
void gdbstub_send_str(struct gdbstub *g, const char *payload);
/* "ADDR<sep>LEN" in hex at *p (advanced past it); ADDR must fit 32 bits. */
bool gdbstub_parse_addr_len(const char **p, uint64_t *addr, uint64_t *len, char sep);
/* gdbstub_regs.c: g, G, p, P (the packet's text after its letter) and
 * qXfer:features:read:target.xml (the text after "qXfer:features:read:"). */
void gdbstub_read_regs(struct gdbstub *g);
void gdbstub_write_regs(struct gdbstub *g, const char *hex);
void gdbstub_read_reg(struct gdbstub *g, const char *p);
void gdbstub_write_reg(struct gdbstub *g, const char *p);
void gdbstub_xfer_features(struct gdbstub *g, const char *p);
/* gdbstub_mem.c: m and M. */
void gdbstub_read_mem(struct gdbstub *g, const char *p);
void gdbstub_write_mem(struct gdbstub *g, const char *p);

/* gdbstub_monitor.c: a `monitor` command's output into f; false for an unknown command. */
bool gdbstub_monitor(struct gdbstub *g, const char *cmd, FILE *f);
/* Guest memory as the program sees it, read without faulting and without touching the
 * TLB, its statistics or A/D bits; returns the bytes readable from addr on. */
size_t gdbstub_peek(struct machine *m, uint32_t addr, void *buf, size_t n);
#endif
