/* SPDX-License-Identifier: GPL-3.0-or-later */
/* statusbar: per-provider health on one line. */
#ifndef CIRCUIT_UI_STATUSBAR_H
#define CIRCUIT_UI_STATUSBAR_H

#include <curses.h>

#include "model/status.h"
#include "util/buf.h"

/* The text of the bar for cols columns, without colours (for tests and
 * for narrow terminals), appended to out. One segment per provider, each
 * read the same way: "openai ● 412ms 61.2 tok/s 1/4": name, health mark
 * (glyph->ok, error, open, half, idle), the state's words when there are
 * any ("open 27.0s" until an open breaker's probe, "half-open", "probing"
 * while the probe streams, "stalled 3000ms" from 2 s without a byte), TTFT,
 * tok/s ("≈" an estimate) when known, replies streaming / begun. Segments
 * are joined by " │ "; the notice and the model sit at the right. The
 * current provider comes first, whatever p[]'s order. Too narrow: the
 * others go first, from the end, then the current one's figures, from
 * the right, a trailing ellipsis saying something was left out; then the
 * right part is shortened or goes; the current one's name and state only
 * when the line is narrower than they are. The last cell stays empty. */
void statusbar_format(const struct status *s, int cols, struct buf *out);
void statusbar_draw(const struct status *s, WINDOW *w);

#endif
