/* SPDX-License-Identifier: GPL-3.0-or-later */
/* base64: bytes as RFC 4648 base64 (the standard alphabet, padded), the
 * form every provider takes an image in. */
#ifndef CIRCUIT_UTIL_BASE64_H
#define CIRCUIT_UTIL_BASE64_H

#include <stddef.h>

#include "util/buf.h"

/* The length of n bytes encoded: 4 characters per 3 bytes, rounded up. */
size_t base64_len(size_t n);

/* The n bytes at p encoded, appended to out (no line breaks, '=' padding).
 * Returns 0, or -1 past out's cap (out unchanged then). */
int base64_append(struct buf *out, const void *p, size_t n);

/* The n bytes at p encoded into a new NUL-terminated string (the caller
 * frees it); its length in *len when len is not NULL. Aborts on out of
 * memory, as util/mem does. */
char *base64_encode(const void *p, size_t n, size_t *len);

/* The n characters at s decoded (RFC 4648 section 4: the standard
 * alphabet; the '=' padding may be left out, as some servers do), the
 * bytes appended to out. Returns 0, or -1 when s is not base64 (a
 * character outside the alphabet, '=' before the end, a length that
 * leaves a lone character, bits set past the last byte) or past out's cap;
 * out is unchanged then. */
int base64_decode(const char *s, size_t n, struct buf *out);

#endif
