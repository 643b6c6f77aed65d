#!/usr/bin/env python3
"""Host instructions of compiled code, per guest block and per kind of work, from a callgrind
run of vmlab (bench/iprofile.sh). Exact and deterministic where timing is not: two builds'
counts of the same run compare to the instruction.

usage: iprofile.py CALLGRIND_OUT PERF_MAP DUMP_DIR [TOP [BLOCK_EIP]]
With BLOCK_EIP (hex), also that block's host code, each instruction with the times it ran
and its kind (the last compilation of the block, as its dump holds it).
"""
import bisect
import collections
import os
import re
import subprocess
import sys


def self_costs(path):
    """Self Ir per instruction address (callgrind --dump-instr=yes, positions 'instr line')."""
    cost = collections.Counter()
    addr = line = 0
    call_line = False

    def pos(tok, prev):
        if tok == '*':
            return prev
        if tok[0] in '+-':
            return prev + int(tok, 0)
        return int(tok, 0)

    with open(path) as f:
        for l in f:
            c = l[0]
            if c.isdigit() or c in '+-*':
                t = l.split()
                addr = pos(t[0], addr)
                if len(t) > 2:
                    line = pos(t[1], line)
                if call_line:  # a call's inclusive cost: not this instruction's own
                    call_line = False
                    continue
                cost[addr] += int(t[-1])
            elif l.startswith('calls='):
                call_line = True
    return cost


# What a host instruction of compiled code does, by its form (jit.h's pinned registers:
# RBX struct cpu, RBP struct cpu_internal, R13/R15 pending hit counts, R14 the LRU clock)
KINDS = [
    ('lazy-flag record stores', r'^mov\w*\s+\S+,0x(4|8|c|10|14)\(%rbp\)$'),
    ('lazy-flag record loads', r'0x(4|8|c|10|14)\(%rbp\),'),
    ('guest register stores', r'^mov\w*\s+%\w+,(0x1?[0-9a-f])?\(%rbx\)$'),
    ('guest register loads', r'^mov\w*\s+(0x1?[0-9a-f])?\(%rbx\),'),
    ('LRU stamps', r'%r14|^mov\s+0x1[08]\(%r\w+\),%r[a-d]x$'),
    ('hit and instruction counts', r'%r13|%r15|0x158\(%rbx\)'),
    ('block entry checks', r'0x130\(%rbp\)|0xd8\(%rbp\)|^movabs\s+\$0x[0-9a-f]{9,},%rax'),
    ('branches', r'^(j|call|ret)'),
]


def kind_of(ins):
    for name, rx in KINDS:
        if re.search(rx, ins):
            return name
    return 'the rest (addresses, table lookups, the guest\'s own work)'


def disasm(path):
    out = subprocess.run(['objdump', '-D', '-b', 'binary', '-mi386:x86-64', path],
                         capture_output=True, text=True).stdout
    code = {}
    for l in out.splitlines():
        m = re.match(r'\s+([0-9a-f]+):\t(?:[0-9a-f]{2} )+\s*\t(.*)', l)
        if m:
            code[int(m.group(1), 16)] = re.sub(r'\s+', ' ', m.group(2)).strip()
    return code


def main():
    clg, pmap, ddir = sys.argv[1:4]
    top = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    syms = []
    with open(pmap) as f:
        for l in f:
            a, n, name = l.split(None, 2)
            syms.append((int(a, 16), int(n, 16), name.strip()))
    syms.sort()
    starts = [s[0] for s in syms]
    cost = self_costs(clg)
    total = sum(cost.values())
    per_sym = collections.Counter()
    per_kind = collections.Counter()
    code = {}
    for a, v in cost.items():
        i = bisect.bisect_right(starts, a) - 1
        if i < 0 or a >= syms[i][0] + syms[i][1]:
            continue
        name = syms[i][2]
        per_sym[name] += v
        m = re.match(r'guest_([0-9a-f]{8})_', name)
        if not m:
            per_kind['shared code (entry, helpers)'] += v
            continue
        dump = os.path.join(ddir, m.group(1) + '.bin')
        if dump not in code:
            code[dump] = disasm(dump) if os.path.exists(dump) else {}
        ins = code[dump].get(a - syms[i][0])
        # a block compiled more than once keeps only its last dump
        per_kind[kind_of(ins) if ins else 'not in the dump (recompiled)'] += v
    jit = sum(per_sym.values())
    print('host instructions: %d, of which compiled code %d (%.1f%%), vmlab\'s C code %d' %
          (total, jit, 100.0 * jit / total, total - jit))
    print('\ncompiled code by kind of work:')
    for k, v in per_kind.most_common():
        print('%15d %5.1f%%  %s' % (v, 100.0 * v / jit, k))
    print('\nthe %d blocks with the most (guest_EIP_nINSNS):' % top)
    for k, v in per_sym.most_common(top):
        print('%15d %5.1f%%  %s' % (v, 100.0 * v / jit, k))
    if len(sys.argv) > 5:
        show_block(sys.argv[5], syms, cost, ddir)


def show_block(eip, syms, cost, ddir):
    """One block's host code with each instruction's count (its last compilation)."""
    eip = '%08x' % int(eip, 16)
    mine = [s for s in syms if re.match(r'guest_%s_' % eip, s[2])]
    dump = os.path.join(ddir, eip + '.bin')
    if not mine or not os.path.exists(dump):
        print('\nno compiled block at %s' % eip)
        return
    start, size, name = mine[-1]
    print('\n%s (host code at %#x, %d bytes): times run, offset, instruction, kind' %
          (name, start, size))
    for off, ins in sorted(disasm(dump).items()):
        if off >= size:
            break
        print('%12d  %5x  %-44s %s' % (cost[start + off], off, ins, kind_of(ins)))


if __name__ == '__main__':
    main()
