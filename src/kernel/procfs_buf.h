/* A growing text buffer for procfs generators (what seq_file is to Linux's). */
#ifndef VMLAB_KERNEL_PROCFS_BUF_H
#define VMLAB_KERNEL_PROCFS_BUF_H
#include <stdbool.h>
#include <stddef.h>

struct sbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_putc(struct sbuf *b, char c);
/* seq_pad: spaces up to column width (counted from the line start), then c (if not 0). */
void sb_pad(struct sbuf *b, size_t line_start, size_t width, char c);
/* Takes the buffer (NULL when out of memory). */
char *sb_take(struct sbuf *b, size_t *len);
#endif
