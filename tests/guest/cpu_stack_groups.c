/*
 * Locals at [ESP + disp] in hot loops, with ESP at every 16-byte position of a page: the
 * block compiler checks a run's stack operands once, as one range (src/cpu/jit_group.c).
 * Where the range crosses a page boundary that check fails on every pass, and the block must
 * leave for the interpreter and then be compiled again without it; everywhere else the
 * members are plain host accesses. Each position's result is printed, so that any member
 * that read or wrote the wrong slot shows. A third loop writes its stack slots through
 * byte, word and read-modify-write forms. The same holds for any base register that a run
 * leaves alone: a frame pointer (EBP), and a pointer walking 28-byte records laid across
 * pages, some of them across a page boundary.
 */
#include <stdio.h>

/* -O2 keeps v[] on the stack and addresses it as [esp + disp]; volatile keeps every access */
__attribute__((noinline)) static unsigned mix(unsigned n, unsigned x)
{
	volatile unsigned v[16];
	for (int k = 0; k < 16; k++)
		v[k] = x * 2654435761u + (unsigned)k;
	for (unsigned r = 0; r < n; r++) {
		v[0] += v[5] ^ r;
		v[3] = v[0] + v[15];
		v[7] ^= v[3] >> 3;
		v[15] = v[7] * 3 + v[1];
		v[1] -= v[15];
		v[9] = (v[9] << 5 | v[9] >> 27) + v[0];
		if (v[9] & 0x80000000u)
			v[2]++;
	}
	return v[0] + v[1] + v[2] + v[3] + v[7] + v[9] + v[15];
}

__attribute__((noinline)) static unsigned narrow(unsigned n, unsigned x)
{
	volatile unsigned char b[8];
	volatile unsigned short h[4];
	volatile unsigned w[4];
	for (int k = 0; k < 8; k++)
		b[k] = (unsigned char)(x + (unsigned)k);
	for (int k = 0; k < 4; k++) {
		h[k] = (unsigned short)(x * 7 + (unsigned)k);
		w[k] = x ^ (unsigned)k;
	}
	for (unsigned r = 0; r < n; r++) {
		b[r & 7] += b[(r + 3) & 7];
		h[1] ^= (unsigned short)(b[2] * 31);
		w[2] += h[1];
		w[0] = w[2] - w[3];
		w[3] |= w[0] & 0x10101;
		b[5] = (unsigned char)(w[3] >> 8);
	}
	unsigned s = 0;
	for (int k = 0; k < 8; k++)
		s = s * 33 + b[k];
	return s + h[1] + w[0] + w[2] + w[3];
}

/* [EBP - disp] locals (a frame pointer kept) */
__attribute__((noinline, optimize("no-omit-frame-pointer"))) static unsigned framed(unsigned n,
										   unsigned x)
{
	volatile unsigned a = x, b = x * 3, c = x ^ 0x5555, d = 7;
	for (unsigned r = 0; r < n; r++) {
		a += b ^ r;
		c = (c << 3 | c >> 29) + a;
		b -= c & 0xff;
		d = d * 5 + (a >> 7);
	}
	return a + b + c + d;
}

/* [ESI + disp] (or whichever register the compiler picks) through records across pages */
struct rec {
	unsigned k, v, w;
	unsigned short s;
	unsigned char t, u;
	unsigned x, y, z;
};
static struct rec recs[3 * 4096 / sizeof(struct rec)];
__attribute__((noinline)) static unsigned walk(unsigned rounds)
{
	unsigned h = 0;
	unsigned n = sizeof recs / sizeof recs[0];
	for (unsigned r = 0; r < rounds; r++)
		for (unsigned k = 0; k < n; k++) {
			struct rec *p = &recs[k];
			p->v += p->k ^ r;
			p->w = p->v + p->x;
			p->s = (unsigned short)(p->s + p->w);
			p->t ^= (unsigned char)p->v;
			p->z = p->y - p->w + p->t;
			h = h * 31 + p->z;
		}
	return h;
}

/* ESP moved down by `pad` bytes (rounded to 16 by the compiler), then the loops run there */
__attribute__((noinline)) static unsigned at(unsigned pad, unsigned x)
{
	volatile char room[pad + 1];
	room[0] = (char)x;
	room[pad] = (char)x;
	return mix(300, x + room[0]) ^ narrow(200, x);
}

int main(void)
{
	unsigned total = 0;
	for (unsigned pad = 0; pad < 4096 + 256; pad += 16) {
		unsigned r = at(pad, pad / 16);
		total = total * 31 + r;
		if (pad % 512 == 0)
			printf("pad %4u: %08x\n", pad, r);
	}
	printf("total %08x\n", total);
	printf("framed %08x\n", framed(100000, 12345));
	for (unsigned k = 0; k < sizeof recs / sizeof recs[0]; k++) {
		recs[k].k = k * 2654435761u;
		recs[k].x = k;
		recs[k].y = ~k;
	}
	printf("walk %08x\n", walk(40));
	return 0;
}
