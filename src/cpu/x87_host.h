/*
 * Running one guest x87 instruction on the host's own x87 (x86-64 hosts only): the guest
 * state goes in with FXRSTOR, the instruction runs, the state comes back with FXSAVE. This is
 * how vmlab's arithmetic, rounding, transcendental results and status flags are exactly
 * those of real hardware (docs/x87.md).
 */
#ifndef VMLAB_CPU_X87_HOST_H
#define VMLAB_CPU_X87_HOST_H
#include <stdint.h>

/*
 * The calling thread's 512-byte FXSAVE area (16-byte aligned) for x87_host_run: the caller
 * fills the x87 part (bytes 0-5 and the registers at 32..159); MXCSR is set here.
 */
uint8_t *x87_host_image(void);

/*
 * fx: from x87_host_image(), replaced by the state after the instruction. mem: the
 * instruction's memory operand (at least 16 bytes; ignored for register forms). eflags:
 * CF PF AF ZF SF OF as the instruction sees them (FCMOVcc). opcode/modrm: the guest's; a
 * memory form is run with its ModRM pointed at mem. Returns the arithmetic flags after the
 * instruction (FCOMI/FUCOMI results), or -1 when the host cannot run code it generates (no
 * executable memory).
 */
int64_t x87_host_run(uint8_t *fx, void *mem, uint32_t eflags, uint8_t opcode, uint8_t modrm);

/*
 * Resident execution (docs/x87.md): x87_host_enter loads fx (filled as for x87_host_run)
 * into the host x87 and leaves it there; x87_host_step runs one instruction on it and
 * returns the status word after it (bits 0-15) and the arithmetic flags (bits 16-27);
 * x87_host_leave stores the state into fx and reinitialises the host x87 (FNINIT, which also
 * discards a pending exception). Between enter and leave the calling thread must execute no
 * other x87 instruction. x87_host_enter returns -1 when the host cannot run generated code.
 * No unmasked exception may be pending in fx, nor at a step.
 */
int x87_host_enter(uint8_t *fx);
uint32_t x87_host_step(void *mem, uint32_t eflags, uint8_t opcode, uint8_t modrm);
void x87_host_leave(uint8_t *fx);
#endif
