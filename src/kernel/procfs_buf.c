#include "kernel/procfs_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool grow(struct sbuf *b, size_t need)
{
	if (b->oom)
		return false;
	if (b->len + need + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + need + 1)
		cap *= 2;
	char *s = realloc(b->s, cap);
	if (!s) {
		b->oom = true;
		return false;
	}
	b->s = s;
	b->cap = cap;
	return true;
}

void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void sb_putc(struct sbuf *b, char c)
{
	if (!grow(b, 1))
		return;
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

void sb_pad(struct sbuf *b, size_t line_start, size_t width, char c)
{
	while (b->len - line_start < width && !b->oom)
		sb_putc(b, ' ');
	if (c)
		sb_putc(b, c);
}

char *sb_take(struct sbuf *b, size_t *len)
{
	if (!grow(b, 0)) {
		free(b->s);
		memset(b, 0, sizeof(*b));
		return NULL;
	}
	char *s = b->s;
	*len = b->len;
	s[b->len] = '\0';
	memset(b, 0, sizeof(*b));
	return s;
}
