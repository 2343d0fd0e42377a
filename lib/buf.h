/* buf: a growable byte buffer that stays NUL-terminated, for building
 * responses and documents piece by piece. An allocation failure is sticky
 * (oom) so callers check once at the end. */
#ifndef SKIFF_BUF_H
#define SKIFF_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *p;
	size_t len, cap;
	bool oom;
	size_t max;	/* 0: no limit; else appends past max bytes fail (too_big) */
	bool too_big;
};

/* Append n bytes; returns 0, -ENOMEM (and sets oom) or -E2BIG past max
 * (and sets too_big; nothing is appended). */
int buf_put(struct buf *b, const void *s, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_free(struct buf *b);

#endif
