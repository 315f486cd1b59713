/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fastjson: a strict, conservative JSON scanner for the decoders' fast path.
 *
 * The common chunk of a stream (one text delta) does not need a tree: its
 * adapter walks the bytes with these calls, picks out the few values it
 * reads, and emits the same events the jansson path would. The scanner is
 * *sound*, not complete: whatever it accepts, jansson (json_loadb with
 * JSON_ALLOW_NUL) accepts too and reads the same values; anything it is not
 * sure of (a fraction, an exponent, a 19-digit integer, an escaped key, a
 * lone surrogate, deep nesting, a raw control byte) makes it give up, and
 * the frame goes the jansson way. tests/fuzz/fuzz_fastpath.c holds it to
 * that: both paths, every input, the same events.
 *
 * Calls take the cursor (*p) and the end; on success they move the cursor
 * past what they read and return true; on false the cursor is undefined
 * and the caller gives the frame up. */
#ifndef CIRCUIT_WIRE_FASTJSON_H
#define CIRCUIT_WIRE_FASTJSON_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "util/buf.h"

/* A string value as it stands in the input (between its quotes). */
struct fj_str {
	const char *p;
	size_t n;
	bool escaped; /* has a backslash: fj_decode before use */
};

enum fj_kind { FJ_STRING, FJ_NUMBER, FJ_OBJECT, FJ_ARRAY, FJ_TRUE, FJ_FALSE, FJ_NULL };

void fj_ws(const char **p, const char *end);
/* The next non-blank byte is c: step past it. */
bool fj_eat(const char **p, const char *end, char c);
/* A string (the cursor on its opening quote). */
bool fj_string(const char **p, const char *end, struct fj_str *out);
/* The kind of the value at the cursor (after blanks), without moving. */
bool fj_peek(const char **p, const char *end, enum fj_kind *kind);
/* Any value, checked and stepped over; depth counts the enclosing levels. */
bool fj_skip(const char **p, const char *end, int depth);
/* An integer of at most 18 digits (what jansson holds as an integer). */
bool fj_int(const char **p, const char *end, long long *out);

/* Object members: fj_object_begin on "{", then fj_member until it returns
 * false with *done set (the closing "}" was read) or not (malformed).
 * A key with an escape is not compared with anything: the scanner gives up
 * on it (jansson would unescape; we do not guess). */
bool fj_object_begin(const char **p, const char *end);
bool fj_member(const char **p, const char *end, bool *first, struct fj_str *key, bool *done);
/* Inline, so that a literal's strlen is a constant: the scanners compare
 * every key of every chunk with several names. */
static inline bool fj_key_is(const struct fj_str *key, const char *lit)
{
	size_t n = strlen(lit);
	return !key->escaped && key->n == n && memcmp(key->p, lit, n) == 0;
}

/* Array elements the same way. */
bool fj_array_begin(const char **p, const char *end);
bool fj_element(const char **p, const char *end, bool *first, bool *done);

/* The bytes of s with its escapes applied: s itself when it has none,
 * else decoded into scratch (reset first). *n is the length (NUL bytes
 * from \u0000 included). */
const char *fj_decode(const struct fj_str *s, struct buf *scratch, size_t *n);
/* s (decoded) equals lit: a string with an escape never does (an escape
 * in a name or a stop reason is the tree's to read). */
static inline bool fj_str_is(const struct fj_str *s, const char *lit)
{
	return fj_key_is(s, lit);
}

/* For a value read by name: *has says whether it is a string (read into
 * out), as jansson's string getters give NULL for anything else; any
 * other value is checked and skipped. depth: its enclosing levels. */
bool fj_maybe_string(const char **p, const char *end, struct fj_str *out, bool *has, int depth);
/* A key met once per object: bit set in *seen, false when already there
 * (jansson keeps the last of a key twice: not ours to guess). */
bool fj_once(unsigned *seen, unsigned bit);

/* Only blanks from the cursor to the end (jansson's end-of-input check). */
bool fj_end(const char **p, const char *end);

#endif
