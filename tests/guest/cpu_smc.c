/* Self-modifying code: a function written into an executable buffer, run, patched in place
 * (the immediate of its MOV), run again; then code patched by itself while running. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

typedef int (*fn_t)(void);

int main(void)
{
	unsigned char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		printf("mmap failed\n");
		return 1;
	}
	/* mov eax, imm32; ret */
	unsigned char code[] = {0xb8, 0x11, 0x00, 0x00, 0x00, 0xc3};
	memcpy(p, code, sizeof code);
	fn_t f = (fn_t)p;
	int sum = 0;
	for (int k = 0; k < 100; k++) {
		int r = f();
		sum += r;
		p[1] = (unsigned char)(k + 1); /* patch the immediate */
	}
	printf("patched loop sum %d\n", sum);
	/* code that stores into its own next instruction:
	 *   mov byte [ecx+off], 0x42   (ecx = base; patches the imm8 of the following add)
	 *   mov eax, 1
	 *   add eax, 5    <- imm8 becomes 0x42 before it executes
	 *   ret */
	unsigned char self[] = {
		0x8b, 0x4c, 0x24, 0x04,       /* mov ecx, [esp+4] */
		0xc6, 0x41, 0x0f, 0x42,       /* mov byte [ecx+15], 0x42 */
		0xb8, 0x01, 0x00, 0x00, 0x00, /* mov eax, 1 */
		0x83, 0xc0, 0x05,             /* add eax, 5 (imm at offset 15) */
		0xc3,
	};
	memcpy(p + 256, self, sizeof self);
	int (*g)(void *) = (int (*)(void *))(p + 256);
	printf("self-patching returns %d\n", g(p + 256));
	p[256 + 15] = 0x05;
	printf("restored returns %d\n", g(p + 1024));
	return 0;
}
