/* SPDX-License-Identifier: GPL-3.0-or-later */
/* untrusted: the one door for every string a server controls.
 *
 * A server chooses its stop reasons, error messages and codes, HTTP reason
 * phrases, header values, redirect targets, model and tool names. Before
 * any of them reaches a sink (the screen, stderr, stdout, --json, exports,
 * the debug log, record files, the history), it passes here: registered
 * secrets and URL userinfo are redacted (util/redact, also as a server
 * quotes them back JSON-escaped), and nothing a terminal would act on is
 * left. net/stream.c applies untrusted_field to every event's fields as they
 * leave the stream; util/log applies untrusted_escape to every log line.
 * Model text is the exception: it streams through util/sanitize (--raw may
 * let it through as it came). */
#ifndef CIRCUIT_UTIL_UNTRUSTED_H
#define CIRCUIT_UTIL_UNTRUSTED_H

#include <stddef.h>

#include "util/buf.h"

/* Appends the n bytes at p as one safe line: secrets and userinfo
 * redacted; invalid UTF-8 repaired (U+FFFD); newline and tab become a
 * space (a field is one line); other C0 controls and DEL their Control
 * Pictures ("␛", "␇", "␡"); C1 controls U+2426 "␦"; bidi embeddings,
 * overrides and isolates (U+202A..U+202E, U+2066..U+2069) U+FFFD. The
 * output holds no byte below 0x20 and no registered secret. */
void untrusted_field(struct buf *out, const char *p, size_t n);

/* Appends the n bytes at p for a log file that `cat` shows as it was
 * written: redacted as above, then escaped C-style: "\\" for a backslash,
 * "\n" "\r" "\t", "\xNN" for other C0 controls, DEL and bytes that are not
 * UTF-8, "\u0085" for C1 controls and "\u202e" for bidi controls; valid
 * printable UTF-8 is kept. */
void untrusted_escape(struct buf *out, const char *p, size_t n);

#endif
