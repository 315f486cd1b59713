/* SPDX-License-Identifier: GPL-3.0-or-later */
/* log: the --debug log. Secrets never reach it. */
#ifndef CIRCUIT_UTIL_LOG_H
#define CIRCUIT_UTIL_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* Opens (appends to) the debug log at path. A file it creates is 0600; an
 * existing one is used as it is, its mode untouched, when it is a regular
 * file, a FIFO with a reader, a terminal or /dev/null. Never blocks. Returns
 * 0, or -1 with errno set: ENXIO for a FIFO nobody reads (or a socket),
 * ENODEV for any other device, EISDIR, ELOOP for a symlink, or what open
 * said. Logging is off until this succeeds. */
int log_open(const char *path);
void log_close(void);
bool log_enabled(void);

/* Registers a value that must never be written (an API key). Values under 4
 * bytes are ignored: redacting them would eat ordinary text. Copied. */
void log_add_secret(const char *secret);
/* Forgets every registered secret (tests; end of run). */
void log_clear_secrets(void);

/* printf-style line; a newline is added. Redacted before it is written. */
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Appends the n bytes at s to out with secrets replaced by "[redacted]":
 * every registered secret wherever it appears; the value of the headers
 * authorization, proxy-authorization, x-api-key, x-goog-api-key, cookie and
 * set-cookie (any case, to the end of the line); a "Bearer" token; and the
 * value of a key= / api_key= URL query parameter. */
void log_redact(const char *s, size_t n, struct buf *out);

/* The registered-secret part of log_redact for a byte stream split
 * anywhere (--record files): a secret split across calls is still caught.
 * Up to (longest secret - 1) bytes are held back until the next call. */
struct redactor {
	struct buf carry;
};
void redactor_init(struct redactor *r);
void redactor_done(struct redactor *r);
/* Appends to out what can be released once the n bytes at p are added. */
void redactor_feed(struct redactor *r, const char *p, size_t n, struct buf *out);
/* End of the stream: releases what was held back. */
void redactor_finish(struct redactor *r, struct buf *out);

#endif
