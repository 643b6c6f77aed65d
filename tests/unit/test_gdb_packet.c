/* The gdb stub's framing (gdbstub/packet.c): checksums, '}' escapes, acknowledgements and
 * the interrupt byte, the frames it writes (read back by its own parser), and malformed or
 * hostile input: bad checksum digits, oversized packets, random bytes (never a crash, and
 * the parser is ready for the next good packet afterwards). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gdbstub/packet.h"

static struct gdb_rx rx;

/* Feeds a string; returns the last event that was not GDB_RX_NONE (or NONE). */
static enum gdb_rx_event feed(const char *s, size_t n)
{
	enum gdb_rx_event last = GDB_RX_NONE;
	for (size_t i = 0; i < n; i++) {
		enum gdb_rx_event e = gdb_rx_byte(&rx, (uint8_t)s[i]);
		if (e != GDB_RX_NONE)
			last = e;
	}
	return last;
}
#define FEED(s) feed(s, sizeof(s) - 1)

static void test_good_packets(void **state)
{
	(void)state;
	gdb_rx_init(&rx);
	/* 'g' is 0x67 */
	assert_int_equal(FEED("$g#67"), GDB_RX_PACKET);
	assert_int_equal(rx.n, 1);
	assert_string_equal(rx.buf, "g");
	/* "m8048000,4": the checksum as gdb computes it */
	assert_int_equal(FEED("$m8048000,4#31"), GDB_RX_PACKET);
	assert_string_equal(rx.buf, "m8048000,4");
	/* an empty packet */
	assert_int_equal(FEED("$#00"), GDB_RX_PACKET);
	assert_int_equal(rx.n, 0);
	/* acknowledgements and the interrupt byte between packets; noise is ignored */
	assert_int_equal(FEED("+"), GDB_RX_ACK);
	assert_int_equal(FEED("-"), GDB_RX_NAK);
	assert_int_equal(FEED("\x03"), GDB_RX_INTERRUPT);
	assert_int_equal(FEED("xyz\r\n"), GDB_RX_NONE);
	/* 0x03 inside a packet is data, not an interrupt */
	assert_int_equal(FEED("$a\x03#64"), GDB_RX_PACKET);
	assert_int_equal(rx.n, 2);
	assert_int_equal(rx.buf[1], 3);
}

static void test_escapes(void **state)
{
	(void)state;
	gdb_rx_init(&rx);
	/* "}\x03" is '#' (0x23); the checksum covers the bytes as sent: '}' 0x7d + 0x03 */
	assert_int_equal(FEED("$X}\x03#D8"), GDB_RX_PACKET); /* upper-case digits too */
	assert_int_equal(rx.n, 2);
	assert_int_equal(rx.buf[1], '#');
	/* our own frames: every special byte escaped, and the parser reads them back */
	const char payload[] = {'a', '$', '#', '}', '*', 'b', '\0', (char)0xff};
	char out[64];
	size_t n = gdb_frame(out, sizeof out, payload, sizeof payload);
	assert_true(n > 0);
	assert_int_equal(out[0], '$');
	assert_int_equal(out[n - 3], '#');
	assert_null(memchr(out + 1, '$', n - 1));
	assert_null(memchr(out + 1, '*', n - 4)); /* no run-length marker by accident */
	assert_int_equal(feed(out, n), GDB_RX_PACKET);
	assert_int_equal(rx.n, sizeof payload);
	assert_memory_equal(rx.buf, payload, sizeof payload);
	/* too small an output buffer: 0, not an overflow */
	assert_int_equal(gdb_frame(out, 6, payload, sizeof payload), 0);
	assert_int_equal(gdb_frame(out, 3, "", 0), 0);
	assert_int_equal(gdb_frame(out, 4, "", 0), 4);
	assert_memory_equal(out, "$#00", 4);
}

static void test_bad_input(void **state)
{
	(void)state;
	gdb_rx_init(&rx);
	assert_int_equal(FEED("$g#00"), GDB_RX_BAD); /* wrong checksum */
	assert_int_equal(FEED("$g#6z"), GDB_RX_BAD); /* not a hex digit */
	assert_int_equal(FEED("$g#z7"), GDB_RX_BAD);
	assert_int_equal(FEED("$g#67"), GDB_RX_PACKET); /* and the next good one is read */
	/* a restart in the middle: the first packet is dropped */
	assert_int_equal(FEED("$mxx$g#67"), GDB_RX_PACKET);
	assert_string_equal(rx.buf, "g");
	/* a packet longer than the buffer is refused, whatever its checksum */
	gdb_rx_byte(&rx, '$');
	uint8_t sum = 0;
	for (int i = 0; i < GDB_PACKET_MAX + 100; i++) {
		assert_int_equal(gdb_rx_byte(&rx, 'A'), GDB_RX_NONE);
		sum = (uint8_t)(sum + 'A');
	}
	char ck[4];
	snprintf(ck, sizeof ck, "#%02x", sum);
	assert_int_equal(feed(ck, 3), GDB_RX_BAD);
	assert_int_equal(rx.n, 0);
	/* an escape at the very end (before '#') */
	assert_int_equal(FEED("$}#7d"), GDB_RX_NONE); /* '#' escaped: still in the packet */
	assert_int_equal(FEED("#3d"), GDB_RX_BAD);    /* '}' + 0x23 = 0xa0, not 0x3d */
	/* random bytes: no crash, no read past the buffer, then a good packet still parses */
	srand(12345);
	for (int i = 0; i < 200000; i++)
		gdb_rx_byte(&rx, (uint8_t)rand());
	FEED("#00"); /* end whatever packet the noise left open */
	assert_int_equal(FEED("$g#67"), GDB_RX_PACKET);
}

static void test_hex(void **state)
{
	(void)state;
	uint8_t b[4];
	char h[9] = {0};
	assert_int_equal(gdb_fromhex(b, sizeof b, "deadBEEF", 8), 4);
	assert_int_equal(b[0], 0xde);
	assert_int_equal(b[3], 0xef);
	assert_int_equal(gdb_fromhex(b, sizeof b, "abc", 3), -1);	  /* odd length */
	assert_int_equal(gdb_fromhex(b, sizeof b, "zz", 2), -1);	  /* bad digit */
	assert_int_equal(gdb_fromhex(b, sizeof b, "0011223344", 10), -1); /* too long */
	gdb_tohex(h, b, 4);
	assert_string_equal(h, "deadbeef");
	const char *p = "8048000,4";
	uint64_t v;
	assert_int_equal(gdb_parse_hex(&p, &v), 0);
	assert_int_equal(v, 0x8048000);
	assert_int_equal(*p, ',');
	p = ",4";
	assert_int_equal(gdb_parse_hex(&p, &v), -1); /* no digits */
	p = "11112222333344445";
	assert_int_equal(gdb_parse_hex(&p, &v), -1); /* more than 64 bits */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_packets),
	    cmocka_unit_test(test_escapes),
	    cmocka_unit_test(test_bad_input),
	    cmocka_unit_test(test_hex),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
