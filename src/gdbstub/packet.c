/* gdb remote protocol framing (packet.h). */
#include "gdbstub/packet.h"

#include <string.h>

void gdb_rx_init(struct gdb_rx *r)
{
	r->st = GDB_RX_IDLE;
	r->n = 0;
	r->sum = r->ck = 0;
	r->overflow = false;
	r->buf[0] = '\0';
}

int gdb_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void put(struct gdb_rx *r, char c)
{
	if (r->n < GDB_PACKET_MAX)
		r->buf[r->n++] = c;
	else
		r->overflow = true;
}

enum gdb_rx_event gdb_rx_byte(struct gdb_rx *r, uint8_t c)
{
	int v;
	switch (r->st) {
	case GDB_RX_IDLE:
		if (c == '$') {
			r->st = GDB_RX_DATA;
			r->n = 0;
			r->sum = 0;
			r->overflow = false;
			return GDB_RX_NONE;
		}
		if (c == 0x03)
			return GDB_RX_INTERRUPT;
		if (c == '+')
			return GDB_RX_ACK;
		if (c == '-')
			return GDB_RX_NAK;
		return GDB_RX_NONE; /* noise between packets is ignored, as gdbserver does */
	case GDB_RX_DATA:
		if (c == '#') {
			r->st = GDB_RX_CK1;
			return GDB_RX_NONE;
		}
		if (c == '$') { /* a new start: the peer gave up on the previous packet */
			r->n = 0;
			r->sum = 0;
			r->overflow = false;
			return GDB_RX_NONE;
		}
		r->sum = (uint8_t)(r->sum + c);
		if (c == '}')
			r->st = GDB_RX_ESC;
		else
			put(r, (char)c);
		return GDB_RX_NONE;
	case GDB_RX_ESC:
		r->sum = (uint8_t)(r->sum + c);
		put(r, (char)(c ^ 0x20));
		r->st = GDB_RX_DATA;
		return GDB_RX_NONE;
	case GDB_RX_CK1:
		v = gdb_hexval((char)c);
		r->ck = (uint8_t)((v < 0 ? 0 : v) << 4);
		if (v < 0)
			r->overflow = true; /* a bad digit: the packet is rejected */
		r->st = GDB_RX_CK2;
		return GDB_RX_NONE;
	case GDB_RX_CK2:
		v = gdb_hexval((char)c);
		r->st = GDB_RX_IDLE;
		r->buf[r->n] = '\0';
		if (v < 0 || r->overflow || (uint8_t)(r->ck | v) != r->sum) {
			r->n = 0;
			r->buf[0] = '\0';
			return GDB_RX_BAD;
		}
		return GDB_RX_PACKET;
	}
	r->st = GDB_RX_IDLE;
	return GDB_RX_NONE;
}

size_t gdb_frame(char *out, size_t cap, const char *payload, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	uint8_t sum = 0;
	if (cap < 4)
		return 0;
	out[o++] = '$';
	for (size_t i = 0; i < n; i++) {
		char c = payload[i];
		bool esc = c == '$' || c == '#' || c == '}' || c == '*';
		if (o + (esc ? 2 : 1) + 3 > cap)
			return 0;
		if (esc) {
			out[o++] = '}';
			sum = (uint8_t)(sum + '}');
			c = (char)(c ^ 0x20);
		}
		out[o++] = c;
		sum = (uint8_t)(sum + (uint8_t)c);
	}
	out[o++] = '#';
	out[o++] = hex[sum >> 4];
	out[o++] = hex[sum & 15];
	return o;
}

void gdb_tohex(char *out, const void *bytes, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *b = bytes;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
}

long gdb_fromhex(void *bytes, size_t max, const char *hex, size_t len)
{
	uint8_t *b = bytes;
	if (len % 2 || len / 2 > max)
		return -1;
	for (size_t i = 0; i < len / 2; i++) {
		int hi = gdb_hexval(hex[2 * i]), lo = gdb_hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	return (long)(len / 2);
}

int gdb_parse_hex(const char **s, uint64_t *v)
{
	const char *p = *s;
	uint64_t x = 0;
	int n = 0;
	for (int d; (d = gdb_hexval(*p)) >= 0; p++) {
		if (++n > 16)
			return -1;
		x = x << 4 | (uint64_t)d;
	}
	if (!n)
		return -1;
	*s = p;
	*v = x;
	return 0;
}
