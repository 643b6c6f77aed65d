/*
 * gdb's remote serial protocol, the framing only: "$payload#xx" with a two-digit checksum,
 * '}' escapes, '+'/'-' acknowledgements and the interrupt byte 0x03. No I/O here, so the
 * parser is tested alone (tests/unit/test_gdb_packet.c) and cannot be crashed by a peer.
 */
#ifndef VMLAB_GDBSTUB_PACKET_H
#define VMLAB_GDBSTUB_PACKET_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GDB_PACKET_MAX 16384 /* the PacketSize the stub announces */

enum gdb_rx_state { GDB_RX_IDLE, GDB_RX_DATA, GDB_RX_ESC, GDB_RX_CK1, GDB_RX_CK2 };

struct gdb_rx {
	enum gdb_rx_state st;
	uint8_t sum; /* of the bytes as sent (escapes included) */
	uint8_t ck;  /* the checksum received */
	bool overflow;
	size_t n;
	char buf[GDB_PACKET_MAX + 1]; /* the unescaped payload, NUL-terminated */
};

enum gdb_rx_event {
	GDB_RX_NONE,	  /* more bytes needed */
	GDB_RX_PACKET,	  /* buf[0..n) is a packet with a good checksum: acknowledge with '+' */
	GDB_RX_BAD,	  /* a packet with a bad checksum, or too long: answer '-' */
	GDB_RX_INTERRUPT, /* 0x03 outside a packet: the user pressed Ctrl-C */
	GDB_RX_ACK,	  /* '+' */
	GDB_RX_NAK,	  /* '-': the last packet sent must be sent again */
};

void gdb_rx_init(struct gdb_rx *r);
/* Feeds one byte received; any byte sequence is accepted. */
enum gdb_rx_event gdb_rx_byte(struct gdb_rx *r, uint8_t c);

/* Frames a payload of n bytes into out ("$...#xx", escaping '$', '#', '}' and '*');
 * returns the length, or 0 when out (cap bytes) is too small. */
size_t gdb_frame(char *out, size_t cap, const char *payload, size_t n);

/* Hex helpers: the value of a hex digit or -1; bytes to hex (2n chars, no NUL); hex to at
 * most max bytes (returns the count, or -1 on an odd length or a bad digit). */
int gdb_hexval(char c);
void gdb_tohex(char *out, const void *bytes, size_t n);
long gdb_fromhex(void *bytes, size_t max, const char *hex, size_t len);
/* A hex number at *s (at most 16 digits), advancing *s; -1 when there is none. */
int gdb_parse_hex(const char **s, uint64_t *v);
#endif
