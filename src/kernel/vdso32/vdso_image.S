/* The built vDSO (linux-gate.so.1, see vdso32.lds), embedded in vmlab as bytes. */
	.section .rodata
	.balign 64
	.globl vdso32_image, vdso32_image_end
vdso32_image:
	.incbin VDSO_SO
vdso32_image_end:
	.section .note.GNU-stack, "", @progbits
