/*
 * Blocks cut at the decoder's cap (64 instructions) whose last instruction is a memory access,
 * each falling through into the next block on the same page: compiled code chains such an
 * exit to the next block's light entry, past its check of the page's frame (docs/jit.md,
 * "Exits and chaining"), which is right only while the code page's fetch slot still maps
 * that frame. Under a one-entry TLB (jit_equiv's "tiny" runs) the last access misses, its
 * handler's fill evicts the code page's entry, and its stub rejoins the block's final exit:
 * that exit must find the fetch slot gone and leave for cpu_run (the full entry's outcome),
 * not enter the next block as if it were there. Each loop prints what it computed, so the
 * native golden checks the results and jit_equiv every statistic against the interpreter.
 */
#include <stdio.h>

static unsigned data[3 * 1024] __attribute__((aligned(4096)));

/* 63 ADDs then a load (the 64th instruction), an ADD, and the loop's DEC/JNZ: two blocks,
 * the first ending at the cap */
static unsigned load_last(unsigned n)
{
	unsigned acc = 0;
	__asm__ volatile(".p2align 8\n"
			 "1:\n"
			 ".rept 63\n"
			 "add $3, %%eax\n"
			 ".endr\n"
			 "mov 4096(%%esi), %%edx\n"
			 "add %%edx, %%eax\n"
			 "dec %%ecx\n"
			 "jnz 1b\n"
			 : "+a"(acc), "+c"(n)
			 : "S"(data)
			 : "edx", "cc", "memory");
	return acc;
}

/* the same with a store last, and an access to another page first, so that each iteration
 * evicts twice */
static unsigned store_last(unsigned n)
{
	unsigned acc = 0;
	__asm__ volatile(".p2align 8\n"
			 "1:\n"
			 "add (%%esi), %%eax\n"
			 ".rept 62\n"
			 "add $5, %%eax\n"
			 ".endr\n"
			 "mov %%eax, 8192(%%esi)\n"
			 "add 8192(%%esi), %%eax\n"
			 "dec %%ecx\n"
			 "jnz 1b\n"
			 : "+a"(acc), "+c"(n)
			 : "S"(data)
			 : "cc", "memory");
	return acc;
}

int main(void)
{
	for (unsigned k = 0; k < 3 * 1024; k++)
		data[k] = k * 2654435761u;
	printf("load last: %08x\n", load_last(2000));
	printf("store last: %08x\n", store_last(2000));
	printf("stored: %08x\n", data[2048]);
	return 0;
}
