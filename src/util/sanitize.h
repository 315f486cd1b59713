/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sanitize: model text is data, never terminal control. */
#ifndef CIRCUIT_UTIL_SANITIZE_H
#define CIRCUIT_UTIL_SANITIZE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/utf8.h"

/* Turns text into something safe to put on a terminal, keeping every
 * character visible:
 *   - newline and tab pass; CR LF becomes LF (also across calls);
 *   - other C0 controls and DEL become their Control Pictures (ESC -> U+241B
 *     "␛", BEL -> "␇", NUL -> "␀", a lone CR -> "␍", DEL -> "␡"), so CSI, OSC
 *     (OSC 52 clipboard, OSC 2 title), DCS and every other escape sequence
 *     arrive as inert visible text;
 *   - C1 controls U+0080..U+009F (8-bit CSI/OSC/DCS) become U+2426 "␦";
 *   - invalid UTF-8 becomes U+FFFD; a character split across calls is joined.
 * Output is always valid UTF-8 with no byte below 0x20 but \n and \t. */
struct sanitizer {
	struct utf8_decoder utf8;
	bool cr;            /* a CR ended the previous call */
	struct buf scratch; /* repaired UTF-8 of the current call */
};

void sanitizer_init(struct sanitizer *s);
void sanitizer_done(struct sanitizer *s);
/* Sanitize n bytes, appending to out. -1 when out's cap is reached. */
int sanitizer_feed(struct sanitizer *s, const char *p, size_t n, struct buf *out);
/* End of text: flush a pending CR or incomplete character. */
int sanitizer_finish(struct sanitizer *s, struct buf *out);

/* One-shot form of the above. */
int sanitize_append(struct buf *out, const char *p, size_t n);
/* True when the n bytes need no change (fast check before copying). */
bool sanitize_is_clean(const char *p, size_t n);

#endif
