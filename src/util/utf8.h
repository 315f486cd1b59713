/* SPDX-License-Identifier: GPL-3.0-or-later */
/* utf8: validation and incremental decoding with U+FFFD replacement. */
#ifndef CIRCUIT_UTIL_UTF8_H
#define CIRCUIT_UTIL_UTF8_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* Incremental decoder following the WHATWG "UTF-8 decode" algorithm: a
 * character split across calls is joined; every maximal invalid subpart
 * becomes one U+FFFD ("C0 AF" is two, "E0 80 AF" three, a truncated
 * "E4 B8" then LF is one and the LF). An ASCII byte is never swallowed as a
 * continuation. Output is always valid UTF-8. Plain value, no allocation. */
struct utf8_decoder {
	unsigned char pend[4]; /* bytes of the character in progress */
	unsigned char npend;
	unsigned char need;  /* continuation bytes still expected */
	unsigned char lower; /* bounds for the next continuation byte */
	unsigned char upper;
};

void utf8_decoder_init(struct utf8_decoder *d);
/* Decode n bytes into out. Returns 0, or -1 when out's cap is reached (the
 * decoder is then in an unspecified state: stop using it). */
int utf8_decode(struct utf8_decoder *d, const char *p, size_t n, struct buf *out);
/* End of input: a character left incomplete becomes U+FFFD. */
int utf8_decode_finish(struct utf8_decoder *d, struct buf *out);

/* One-shot: the n bytes at p, repaired, appended to out. */
int utf8_repair(const char *p, size_t n, struct buf *out);
/* True when the n bytes at p are complete, valid UTF-8 (fast on ASCII). */
bool utf8_valid(const char *p, size_t n);
/* How many of the n bytes at p are valid UTF-8 from the start: n when all
 * are, else the offset of the first byte of the first invalid or
 * incomplete sequence. */
size_t utf8_valid_prefix(const char *p, size_t n);

/* The longest prefix of the n bytes at p, at most max bytes, that does not
 * end inside a UTF-8 character (a string cut to fit a fixed buffer, or a
 * long text written in pieces). */
size_t utf8_cut(const char *p, size_t n, size_t max);
/* src copied into dst (size bytes, > 0), cut where a character begins when
 * it does not fit; always terminated. */
void utf8_copy(char *dst, size_t size, const char *src);

/* Encode code point cp (<= 0x10FFFF) into out[0..4); returns the length. */
size_t utf8_encode(unsigned long cp, char out[4]);

#define UTF8_REPLACEMENT "\xEF\xBF\xBD"

#endif
