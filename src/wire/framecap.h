/* SPDX-License-Identifier: GPL-3.0-or-later */
/* framecap: how big one frame (an SSE line or event, a JSON value) may grow.
 *
 * Every frame is capped at max (1 MiB by default). A frame whose first
 * FRAMECAP_LOOK bytes (or max, if smaller) name an image field may grow to big (32 MiB by
 * default): Gemini image models send a whole base64 image as one part
 * ("inlineData"), OpenAI's Responses API one as the result of an
 * "image_generation_call", the Images API as "b64_json". The rule needs no
 * JSON parse and cannot be talked into more than big: a hostile line that
 * names an image still stops there, and the reply cap still counts the
 * image's bytes (sink_image). Internal to src/wire. */
#ifndef CIRCUIT_WIRE_FRAMECAP_H
#define CIRCUIT_WIRE_FRAMECAP_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

#define FRAMECAP_LOOK ((size_t)64 << 10)

/* True when the first min(FRAMECAP_LOOK, max) bytes of a ++ b (a frame's
 * start: the bytes held so far, then the ones arriving) name an image
 * field. max is the frame's ordinary cap: a frame is judged only once it
 * passes max, so the bytes judged are always all there, wherever the
 * stream was cut. Either part may be empty. */
bool framecap_image(const char *a, size_t an, const char *b, size_t bn, size_t max);

/* Before appending n bytes at p to b, a frame capped at max: when they
 * would not fit, b holds the frame's start (or is empty) and that start
 * names an image, raises b's cap to big. The append itself is the
 * caller's, and still fails past the cap then in force. */
void framecap_grow(struct buf *b, size_t big, const char *p, size_t n);
static inline void framecap_fit(struct buf *b, size_t big, const char *p, size_t n)
{
	if (b->max != 0 && b->max < big && (n > b->max || b->len > b->max - n))
		framecap_grow(b, big, p, n); /* the rare case, out of line */
}

/* After a frame: a buffer raised past max gives its memory back and its
 * cap returns to max. A no-op for every ordinary frame. */
void framecap_reset(struct buf *b, size_t max);

#endif
