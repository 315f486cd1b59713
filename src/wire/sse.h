/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sse: incremental parser for the WHATWG "text/event-stream" format. */
#ifndef CIRCUIT_WIRE_SSE_H
#define CIRCUIT_WIRE_SSE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* One dispatched event. Every pointer is borrowed for the callback only;
 * each string is valid UTF-8 and NUL-terminated (data may hold NULs of its
 * own: use the lengths). */
struct sse_event {
	const char *type; /* "message" when no event field was given */
	size_t type_len;
	const char *data; /* data lines joined by LF, final LF removed */
	size_t data_len;
	const char *id; /* the last event ID in effect (persists across events) */
	size_t id_len;
	long long retry; /* a valid retry field of this block, else -1 */
};

typedef void (*sse_event_fn)(void *ctx, const struct sse_event *ev);

/* Follows "Parsing an event stream" exactly: one leading BOM stripped at byte
 * 0 only; CR, LF and CRLF line ends (a CRLF split across reads is one); ':'
 * comments; one space after the colon stripped; id without NUL persists;
 * retry only when all ASCII digits; unknown fields ignored; no dispatch of an
 * empty data buffer; the event type reset after each blank line; the last,
 * unterminated event discarded at EOF. Invalid UTF-8 becomes U+FFFD.
 *
 * Complete lines are parsed in place from the caller's bytes; only a line
 * that spans reads is copied. One line, and one event's data, may hold at
 * most max bytes (big when their start names an image field: see
 * wire/framecap.h); past that the parser fails and ignores further input. */
struct sse_parser {
	sse_event_fn fn;
	void *ctx;
	size_t max;
	size_t big; /* the cap of an image's line or event: sse_init sets it to
	             * max (no exception); the decoder raises it */
	struct buf line; /* the start of a line that spans reads */
	struct buf data;
	struct buf type;
	struct buf id;
	long long retry;       /* reconnection time, -1 until set */
	long long block_retry; /* valid retry seen in the current block */
	unsigned char bom;     /* BOM bytes matched; 3 once decided */
	bool skip_lf;          /* the previous read ended in CR */
	bool failed;
	size_t failed_cap; /* once failed: the cap that was passed */
	size_t events;     /* dispatched so far */
};

#define SSE_DEFAULT_MAX (1u << 20)

void sse_init(struct sse_parser *p, size_t max, sse_event_fn fn, void *ctx);
void sse_done(struct sse_parser *p);
/* Parses n more bytes, calling fn for each event completed. Returns 0, or
 * -1 when a line or an event passed the cap (now and on every later call). */
int sse_feed(struct sse_parser *p, const char *bytes, size_t n);
/* End of stream: whatever is pending is discarded, as the spec says. */
void sse_finish(struct sse_parser *p);

#endif
