/* SPDX-License-Identifier: GPL-3.0-or-later */
/* redact: secrets never leave circuit, however a server quotes them back. */
#ifndef CIRCUIT_UTIL_REDACT_H
#define CIRCUIT_UTIL_REDACT_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

#define REDACTED "[redacted]"

/* Registers a value that must never be written (an API key, a URL
 * password). Values under 4 bytes are ignored: redacting them would eat
 * ordinary text. Copied. */
void redact_add_secret(const char *secret);
/* Registers the password in url's userinfo ("http://user:PASSWORD@host"),
 * if it has one, as a secret. */
void redact_add_url(const char *url);
/* True when a secret is registered (a redactor has something to find). */
bool redact_active(void);
/* False when no registered secret, in any spelling, can start anywhere in
 * the n bytes at p, nor at their end (a cheap test: two bytes a place): a
 * redactor holding nothing would let them through as they are. */
bool redact_may_hold(const char *p, size_t n);
/* Forgets every registered secret (tests; end of run). */
void redact_clear(void);

/* Appends the n bytes at s to out with secrets replaced by "[redacted]":
 *   - every registered secret wherever it appears, also JSON-escaped in any
 *     way a server may quote it back ("\/" for '/', "\u002d" for '-', any
 *     character as \uXXXX in either case);
 *   - the userinfo of a URL ("http://user:pw@host" -> "http://[redacted]@host");
 *   - the value of the headers authorization, proxy-authorization,
 *     x-api-key, x-goog-api-key, cookie and set-cookie (any case, to the end
 *     of the line), a "Bearer" token, and the value of a key= / api_key= /
 *     apikey= URL query parameter. */
void redact_append(struct buf *out, const char *s, size_t n);

/* The registered-secret part of redact_append for a byte stream split
 * anywhere (--record files): a secret split across calls is still caught.
 * Up to the longest escaped form of a secret, less one byte, is held back
 * until the next call. */
struct redactor {
	struct buf carry;
};
void redactor_init(struct redactor *r);
void redactor_done(struct redactor *r);
/* Appends to out what can be released once the n bytes at p are added. */
void redactor_feed(struct redactor *r, const char *p, size_t n, struct buf *out);
/* The same for text a reader is waiting for (a reply as it streams): only
 * a tail that more bytes could turn into a secret is held back, so text
 * that cannot be one is released at once. */
void redactor_feed_eager(struct redactor *r, const char *p, size_t n, struct buf *out);
/* True while bytes are held back. */
bool redactor_holds(const struct redactor *r);
/* End of the stream: releases what was held back. */
void redactor_finish(struct redactor *r, struct buf *out);

#endif
