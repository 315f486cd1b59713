/* SPDX-License-Identifier: GPL-3.0-or-later */
/* jsonesc: write JSON string literals in one canonical form. */
#ifndef CIRCUIT_UTIL_JSONESC_H
#define CIRCUIT_UTIL_JSONESC_H

#include <stddef.h>

#include "util/buf.h"

/* The value of hex digit c (either case), -1 if it is none: the digits of
 * a \uXXXX escape, for every reader of one. */
static inline int jsonesc_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Append the n bytes at s as a quoted JSON string. " \ and controls below
 * U+0020 are escaped (\n \r \t \b \f by name, others as \u00xx in
 * lowercase hex), and so is whatever a terminal or a JavaScript reader
 * would act on if a reader printed the text raw: DEL, the C1 controls
 * U+0080..U+009F, U+2028 and U+2029, and the bidi embeddings, overrides and
 * isolates (U+202A..U+202E, U+2066..U+2069), all as \uxxxx; everything
 * else is written raw. s should be valid UTF-8. Returns -1 past out's cap. */
int jsonesc_append(struct buf *out, const char *s, size_t n);

/* jsonesc_append without the quotes: a long string written in pieces (cut
 * where a character begins, so each piece escapes as the whole would). */
int jsonesc_body(struct buf *out, const char *s, size_t n);

/* Appends the n bytes of JSON text at json (another encoder's output, such
 * as jansson's) with DEL, C1, U+2028/U+2029 and the bidi controls written
 * as \uxxxx, as jsonesc_append writes them. Outside strings JSON holds none
 * of these, so the result is the same JSON value. Returns -1 past out's
 * cap. */
int jsonesc_harden(struct buf *out, const char *json, size_t n);

/* Appends v as the shortest JSON number that reads back as v (%.15g to
 * %.17g); a figure unknown (v < 0) or not finite as null. Returns -1 past
 * out's cap. */
int jsonesc_number(struct buf *out, double v);

#endif
