/*
 * What a program can see of its processor's vendor: CPUID's vendor string, and the results
 * the architecture leaves undefined, which differ between Intel and AMD (docs/vendors.md).
 * Run natively it prints the host's; under vmlab, those of --cpu.
 */
#include <cpuid.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define ARITH 0x8d5u

/* Runs "INSN" with EAX=a, EBX=b, ECX=c and the arithmetic flags fin; returns the flags. */
#define RUN(name, insn, a, b, c, fin)                                                      \
	do {                                                                               \
		uint32_t ra = (a), rf;                                                     \
		__asm__ volatile("push %[f]\n\tpopf\n\t" insn "\n\tpushf\n\tpop %[f]"      \
				 : [f] "=r"(rf), "+a"(ra)                                  \
				 : "[f]"(((uint32_t)(fin) & ARITH) | 0x202u), "b"(b), "c"(c)           \
				 : "edx", "cc");                                           \
		printf("%-28s eax %08x flags %03x\n", name, ra, rf & ARITH);               \
	} while (0)

int main(void)
{
	unsigned a, b, c, d;
	char v[13];
	__cpuid(0, a, b, c, d);
	memcpy(v, &b, 4), memcpy(v + 4, &d, 4), memcpy(v + 8, &c, 4), v[12] = 0;
	printf("vendor %s\n", v);
	for (uint32_t fin = 0; fin <= ARITH; fin += 0x2c5) {
		RUN("mul bl", "mulb %%bl", 0x12345678u, 7, 0, fin);
		RUN("imul ebx", "imull %%ebx", 0x80000001u, 3, 0, fin);
		RUN("div bl", "xor %%edx,%%edx\n\tdivb %%bl", 0x1234u, 0x99, 0, fin);
		RUN("shl eax, 3", "shll $3, %%eax", 0x71234567u, 0, 0, fin);
		RUN("shr ax, cl (cl=5)", "shrw %%cl, %%ax", 0x1234f00du, 0, 5, fin);
		RUN("sar al, cl (cl=3)", "sarb %%cl, %%al", 0x12345681u, 0, 3, fin);
		RUN("rol eax, 7", "roll $7, %%eax", 0xc0000001u, 0, 0, fin);
		RUN("rcr ax, cl (cl=17)", "rcrw %%cl, %%ax", 0x8001u, 0, 17, fin);
		RUN("shld ax, bx, cl (cl=20)", "shldw %%cl, %%bx, %%ax", 0x1234u, 0xabcd, 20, fin);
		RUN("shrd ax, bx, cl (cl=19)", "shrdw %%cl, %%bx, %%ax", 0x1234u, 0xabcd, 19, fin);
		RUN("shld eax, ebx, 9", "shldl $9, %%ebx, %%eax", 0x40000000u, 0xff000000u, 0, fin);
		RUN("daa", "daa", 0x7fu, 0, 0, fin);
		RUN("aaa", "aaa", 0x1ffu, 0, 0, fin);
		RUN("aas", "aas", 0x100u, 0, 0, fin);
	}

	/* PUSH ES with a 32-bit operand: how many bytes of the slot it writes */
	uint32_t slot;
	__asm__ volatile("push $-1\n\tpop %%eax\n\tpush %%es\n\tpop %0" : "=r"(slot) : : "eax");
	printf("push es: upper half of the slot %04x\n", slot >> 16);

	/* the x87's last-instruction selector (the CS value itself differs between i386 and
	 * x86-64 kernels) and opcode after an FADDP */
	uint16_t env[14];
	__asm__ volatile("fninit\n\tfld1\n\tfld1\n\tfaddp\n\tfnstenv %0\n\tfninit" : "=m"(env));
	printf("fnstenv: fcs %s, fop %03x\n", env[8] ? "the code selector" : "0", env[9] & 0x7ff);
	return 0;
}
