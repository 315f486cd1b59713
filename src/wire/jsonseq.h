/* SPDX-License-Identifier: GPL-3.0-or-later */
/* jsonseq: framing of a streamed JSON array and of NDJSON. */
#ifndef CIRCUIT_WIRE_JSONSEQ_H
#define CIRCUIT_WIRE_JSONSEQ_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

enum jsonseq_mode {
	/* One JSON array streamed element by element (Gemini streamGenerateContent
	 * without alt=sse): "[", pretty-printed objects with any separators
	 * ("\r\n,\r\n", "\n,\r\n"), "]". A bare top-level object (an error body)
	 * is a frame too. Framed by a string-aware bracket scanner. */
	JSONSEQ_ARRAY,
	/* One JSON value per line (Ollama): LF or CRLF ends a line, blank lines
	 * are skipped, a last line without its LF is a frame at the end. */
	JSONSEQ_NDJSON,
};

/* One complete value: borrowed for the call, not NUL-terminated, bytes as
 * sent (not yet UTF-8 checked). */
typedef void (*jsonseq_frame_fn)(void *ctx, const char *json, size_t len);

struct jsonseq {
	enum jsonseq_mode mode;
	jsonseq_frame_fn fn;
	void *ctx;
	size_t max;
	size_t big; /* the cap of a value that names an image (wire/framecap.h):
	             * jsonseq_init sets it to max; the decoder raises it */
	struct buf frame; /* a value that spans reads */
	int depth;        /* bracket depth inside the current value */
	bool in_value;
	bool in_string;
	bool escape;
	bool opened; /* ARRAY: the outer "[" was seen */
	bool closed; /* ARRAY: the outer "]" was seen */
	bool failed;
	size_t failed_cap; /* once failed: the cap that was passed */
	size_t frames;
	size_t junk; /* bytes outside any value that are not separators */
};

/* max caps one value (0: 1 MiB). */
void jsonseq_init(struct jsonseq *s, enum jsonseq_mode mode, size_t max, jsonseq_frame_fn fn,
                  void *ctx);
void jsonseq_done(struct jsonseq *s);
/* Returns 0, or -1 once a value passed the cap (then and on every later call). */
int jsonseq_feed(struct jsonseq *s, const char *p, size_t n);
/* End of input. NDJSON: a last unterminated line is a frame. ARRAY: an
 * unfinished value is dropped. */
void jsonseq_finish(struct jsonseq *s);

#endif
