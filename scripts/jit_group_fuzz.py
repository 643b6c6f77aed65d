#!/usr/bin/env python3
"""Random [B + disp] code for the block compiler's access groups (src/cpu/jit_group.c).

Each seed makes a guest program whose hot loop is one hand-written asm block: loads, stores and
read-modify-write forms of every size through EBX, ESI, EDI, EBP and ESP with displacements of
+-512 bytes (ranges across page boundaries, as the bases move through 8 pages), the bases changed
in the middle by the whitelisted forms that write them (XOR, BTC, XCHG, CMOVcc, BSWAP, SETcc on
BL, MOV to BL, LEA, NEG, ROL), Jcc inside the block, and accesses through ECX to pages far apart
(which evict the groups' TLB entries on small TLBs). Every program runs under
`vmlab run --stats` with and without --no-jit on several machines: output, exit status and
statistics must be the same, byte for byte (the native run is no oracle here: the programs
read flags the architecture leaves undefined).

usage: scripts/jit_group_fuzz.py FIRST_SEED LAST_SEED [VMLAB]
"""
import os, random, subprocess, sys, tempfile

CONFIGS = ["--jit-threshold=1", "--no-tlb --jit-threshold=1", "--tlb=1 --jit-threshold=1",
           "--tlb=16x2 --tlb-policy=fifo --jit-threshold=1", "--tlb=8x2",
           "--paging=pae --tlb-policy=random --jit-threshold=1",
           "--cpu=amd --tlb=4x1 --jit-threshold=1"]


def program(seed):
    random.seed(seed)
    B = ['ebx', 'esi', 'edi', 'ebp', 'esp']
    D = ['eax', 'edx']
    def disp(b):
        if b == 'esp':
            return random.randrange(16, 2044, 1)
        return random.randrange(-508, 508)
    def mem(b):
        return '%d(%%%s)' % (disp(b), b)
    def sz():
        return random.choice(['l', 'l', 'l', 'w', 'b'])
    def reg(s, r):
        return {'l': '%' + r, 'w': '%' + r[1:], 'b': '%' + r[1] + 'l'}[s]
    lines = []
    for n in range(random.randrange(20, 60)):
        c = random.random()
        b = random.choice(B)
        if c < 0.55:
            s = sz(); d = random.choice(D)
            op = random.choice(['mov', 'add', 'sub', 'xor', 'and', 'or', 'cmp', 'test', 'adc', 'sbb'])
            form = random.randrange(3)
            if form == 0:
                lines.append('%s%s %s, %s' % (op, s, reg(s, d), mem(b)))
            elif form == 1 and op != 'test':
                lines.append('%s%s %s, %s' % (op, s, mem(b), reg(s, d)))
            else:
                lines.append('%s%s $%d, %s' % (op, s, random.randrange(-100, 100), mem(b)))
        elif c < 0.70:
            s = sz()
            op = random.choice(['inc', 'dec', 'not', 'neg', 'shl', 'shr', 'sar', 'rol', 'ror', 'shlc', 'setc', 'bt', 'bts', 'btc'])
            if op in ('shl', 'shr', 'sar', 'rol', 'ror'):
                lines.append('%s%s $%d, %s' % (op, s, random.randrange(0, 33), mem(b)))
            elif op == 'shlc':
                lines.append('shl%s %%cl, %s' % (s, mem(b)))
            elif op == 'setc':
                lines.append('set%s %s' % (random.choice(['c', 'z', 'nz', 'l', 'g', 'o', 's']), mem(b)))
            elif op in ('bt', 'bts', 'btc'):
                s = random.choice(['l', 'w'])
                lines.append('%s%s $%d, %s' % (op, s, random.randrange(0, 16), mem(b)))
            else:
                lines.append('%s%s %s' % (op, s, mem(b)))
        elif c < 0.78:
            op = random.choice(['movzbl', 'movsbl', 'movzwl', 'movswl', 'imull', 'cmovzl', 'cmovcl', 'xchgl', 'xchgb'])
            d = random.choice(D)
            if op == 'imull':
                lines.append('imull $%d, %s, %%%s' % (random.randrange(-50, 50), mem(b), d))
            elif op == 'xchgb':
                lines.append('xchgb %%%sl, %s' % (d[1], mem(b)))
            else:
                lines.append('%s %s, %%%s' % (op, mem(b), d))
        elif c < 0.86:
            # change a base, keeping it within its window
            r = random.choice(['ebx', 'esi', 'edi', 'ebp'])
            o = random.choice(['xor', 'btc', 'xchg', 'cmov', 'bswap', 'setc', 'movb', 'lea', 'negneg', 'rol'])
            if o == 'xor':
                lines.append('xorl $%d, %%%s' % (random.randrange(1, 64) * 4, r))
            elif o == 'btc':
                lines.append('btcl $%d, %%%s' % (random.randrange(2, 9), r))
            elif o == 'xchg':
                r2 = random.choice([x for x in ['ebx', 'esi', 'edi', 'ebp'] if x != r])
                lines.append('xchgl %%%s, %%%s' % (r, r2))
            elif o == 'cmov':
                r2 = random.choice([x for x in ['ebx', 'esi', 'edi', 'ebp'] if x != r])
                lines.append('cmovnzl %%%s, %%%s' % (r2, r))
            elif o == 'bswap':
                lines.append('bswap %%%s' % r); lines.append('xorl $0x10000000, %%%s' % r); lines.append('bswap %%%s' % r)
            elif o == 'setc':
                lines.append('setc %bl')
            elif o == 'movb':
                lines.append('movb %al, %bl')
            elif o == 'lea':
                k = random.randrange(-8, 8) * 4
                lines.append('leal %d(%%%s), %%%s' % (k, r, r)); lines.append('xorl $%d, %%%s' % (random.randrange(0, 16) * 4, r))
                lines.append('leal %d(%%%s), %%%s' % (-k, r, r))
            elif o == 'negneg':
                lines.append('negl %%%s' % r); lines.append('negl %%%s' % r)
            else:
                lines.append('roll $16, %%%s' % r); lines.append('roll $16, %%%s' % r)
        elif c < 0.92:
            # an access far away through ECX
            lines.append('addl %%eax, %d(%%ecx)' % random.choice([0, 2048, 4096, 8192, 4092]))
            lines.append('addl $%d, %%ecx' % random.choice([4096, 8192, 12288]))
            lines.append('andl $0xffff, %ecx')
            lines.append('orl $far, %ecx')
        elif c < 0.96:
            lines.append('testl $%d, %%eax' % random.choice([1, 2, 4, 8, 16]))
            lines.append('j%s 1f' % random.choice(['z', 'nz', 'c', 's']))
            lines.append('addl %%edx, %s' % mem(random.choice(B)))
            lines.append('1:')
        else:
            lines.append(random.choice(['cdq', 'cwde', 'bswap %eax', 'mull %edx', 'xchgl %eax, %edx']))
    asm = '\\n\\t'.join(l.replace('%','%%') for l in lines)
    return (r'''
    #include <stdio.h>
    #include <string.h>
    unsigned char area[16 * 4096] __attribute__((aligned(4096)));
    unsigned char far[0x20000] __attribute__((aligned(0x20000)));
    unsigned regs[8]; unsigned char *gp; unsigned gr;
    __attribute__((noinline)) void body(unsigned char *p, unsigned r)
    {
    	__asm__ volatile(
    		"pushal\n\t"
    		"mov %%esp, %%eax\n\t"
    		"sub $2560, %%esp\n\t"
    		"and $-16, %%esp\n\t"
    		"push %%eax\n\t"
    		"sub $12, %%esp\n\t"
    		"mov gp, %%ebx\n\t"
    		"lea 1024(%%ebx), %%esi\n\t"
    		"lea 2048(%%ebx), %%edi\n\t"
    		"lea 3072(%%ebx), %%ebp\n\t"
    		"mov gr, %%eax\n\t"
    		"mov %%eax, %%edx\n\t"
    		"shl $5, %%edx\n\t"
    		"mov %%eax, %%ecx\n\t"
    		"and $0x1f, %%ecx\n\t"
    		"shl $12, %%ecx\n\t"
    		"or $far, %%ecx\n\t"
    		"''' + asm + r'''\n\t"
    		"mov %%eax, regs\n\t"
    		"mov %%edx, regs+4\n\t"
    		"add $12, %%esp\n\t"
    		"pop %%esp\n\t"
    		"popal\n\t"
    		:
    		:
    		: "memory", "cc");
    }
    int main(void)
    {
    	for (unsigned k = 0; k < sizeof area; k++)
    		area[k] = (unsigned char)(k * 131 + (k >> 9));
    	unsigned h = 2166136261u;
    	for (unsigned r = 0; r < 3000; r++) {
    		unsigned off = 4096 + (r * 52) % (8 * 4096);
    		gp = area + off; gr = r; body(area + off, r);
    		h = (h ^ regs[0]) * 16777619u;
    		h = (h ^ regs[1]) * 16777619u;
    	}
    	for (unsigned k = 0; k < sizeof area; k++)
    		h = (h ^ area[k]) * 16777619u;
    	for (unsigned k = 0; k < sizeof far; k += 4)
    		h = (h ^ *(unsigned *)&far[k]) * 16777619u;
    	printf("%08x\n", h);
    	return 0;
    }''')


def stats(vmlab, cfg, binary, nojit):
    cmd = [vmlab, "run"] + cfg.split() + (["--no-jit"] if nojit else []) + ["--stats", binary]
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=300)
    err = [l for l in p.stderr.decode(errors="replace").splitlines()
           if not l.startswith(("command", "wall time"))]
    return p.stdout.decode(errors="replace"), p.returncode, err


def main():
    first, last = int(sys.argv[1]), int(sys.argv[2])
    vmlab = sys.argv[3] if len(sys.argv) > 3 else "build/rel/vmlab"
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(first, last + 1):
            c, b = os.path.join(tmp, "t.c"), os.path.join(tmp, "t")
            with open(c, "w") as f:
                f.write(program(seed))
            subprocess.run(["gcc", "-m32", "-static", "-O2", "-w", "-o", b, c], check=True)
            for cfg in CONFIGS:
                j, i = stats(vmlab, cfg, b, False), stats(vmlab, cfg, b, True)
                if j != i:
                    bad += 1
                    print("seed %d, %s: compiled code and the interpreter differ" % (seed, cfg))
    print("%d seeds, %d differences" % (last - first + 1, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
