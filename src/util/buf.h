/* SPDX-License-Identifier: GPL-3.0-or-later */
/* buf: growable byte buffer with a hard cap, for everything the network fills. */
#ifndef CIRCUIT_UTIL_BUF_H
#define CIRCUIT_UTIL_BUF_H

#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>

/* Bytes live in data[0..len); data[len] is always a NUL once anything was
 * appended, so text can be read as a C string (it may hold NULs of its own).
 * An append that would take len past max fails and changes nothing. */
struct buf {
	char *data;
	size_t len;
	size_t alloc;
	size_t max;
};

/* Empty buffer that will never hold more than max bytes (0: no cap). */
void buf_init(struct buf *b, size_t max);
/* Frees the bytes; the buffer is empty and reusable afterwards. */
void buf_done(struct buf *b);
/* Length to zero, memory kept. */
static inline void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}
/* Append n bytes. Returns 0, or -1 when the cap would be exceeded. */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_append_str(struct buf *b, const char *s);
int buf_append_char(struct buf *b, char c);
/* printf-style append; -1 past the cap. */
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same with a va_list (ap is used up). */
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Drop the first n bytes (n <= len), moving the rest to the front. */
void buf_consume(struct buf *b, size_t n);
/* The string so far: never NULL, "" when empty. Borrowed until the next change. */
const char *buf_str(const struct buf *b);

#endif
