/* SPDX-License-Identifier: GPL-3.0-or-later */
/* transcript: one thread on screen: wrapped, scrolled, drawn once per turn. */
#ifndef CIRCUIT_UI_TRANSCRIPT_H
#define CIRCUIT_UI_TRANSCRIPT_H

#include <curses.h>
#include <stdbool.h>

#include "model/conversation.h"

struct transcript;

struct transcript *transcript_new(void);
void transcript_free(struct transcript *t);

/* Draws the end of conv (or the part scrolled to) into w. Each message's
 * wrapped lines are cached; when a streaming message grows only its last
 * line or two are wrapped again, and drawing walks up from the bottom, so a
 * token costs the same with 10 lines or 1 M above it. A width change
 * re-wraps everything (a resize). */
void transcript_draw(struct transcript *t, const struct conversation *conv, WINDOW *w);

/* Scrolls by lines (positive: back in time; the draw stops it at the
 * thread's first line, on the top row). Scrolled up, new output does not
 * move the view; once output arrives below it, a marker over the bottom
 * row says so, until the view follows the tail again. */
void transcript_scroll(struct transcript *t, int lines);
/* Back to following the tail. */
void transcript_follow(struct transcript *t);
bool transcript_following(const struct transcript *t);
/* Lines up from the bottom the view is (as last drawn, or scrolled since). */
int transcript_scrolled(const struct transcript *t);
/* Thinking shown in full, or collapsed to one line (the default). */
void transcript_set_thinking(struct transcript *t, bool show);
bool transcript_thinking(const struct transcript *t);
/* md: an assistant's replies (and thinking, dimmed) shown as rendered
 * Markdown (the default), else as their raw text wrapped. Switching lays
 * every message out again at the next draw; the messages are not changed. */
void transcript_set_render(struct transcript *t, bool md);
bool transcript_render(const struct transcript *t);
/* top: a thread shorter than the window starts on its top row (compare
 * columns: every answer starts under its header); false, the default: it
 * ends on the bottom row, as a chat does. */
void transcript_set_top(struct transcript *t, bool top);

#endif
