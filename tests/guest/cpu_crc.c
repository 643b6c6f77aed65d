/* Checksums and ciphers: CRC-32, Adler-32, FNV, a TEA block cipher, 16-bit arithmetic. */
#include <stdint.h>
#include <stdio.h>

static uint32_t crc_tab[256];

int main(void)
{
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t c = n;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_tab[n] = c;
	}
	static uint8_t data[65536];
	for (int k = 0; k < 65536; k++)
		data[k] = (uint8_t)(k * 131 + (k >> 8));
	uint32_t crc = 0xffffffffu, a = 1, b = 0, fnv = 2166136261u;
	for (int k = 0; k < 65536; k++) {
		crc = crc_tab[(crc ^ data[k]) & 0xff] ^ (crc >> 8);
		a = (a + data[k]) % 65521;
		b = (b + a) % 65521;
		fnv = (fnv ^ data[k]) * 16777619u;
	}
	printf("crc32 %08x adler %08x fnv %08x\n", crc ^ 0xffffffffu, b << 16 | a, fnv);
	uint32_t v0 = 0x01234567, v1 = 0x89abcdef, key[4] = {1, 2, 3, 4};
	for (int r = 0; r < 1000; r++) {
		uint32_t sum = 0;
		for (int i = 0; i < 32; i++) {
			sum += 0x9e3779b9u;
			v0 += ((v1 << 4) + key[0]) ^ (v1 + sum) ^ ((v1 >> 5) + key[1]);
			v1 += ((v0 << 4) + key[2]) ^ (v0 + sum) ^ ((v0 >> 5) + key[3]);
		}
	}
	printf("tea %08x %08x\n", v0, v1);
	uint16_t s16 = 1;
	int16_t t16 = -5;
	for (int k = 0; k < 1000; k++) {
		s16 = (uint16_t)(s16 * 75 + 74);
		t16 = (int16_t)(t16 * 3 + (s16 >> 3));
	}
	printf("lcg16 %u %d\n", s16, t16);
	return 0;
}
