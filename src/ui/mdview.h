/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mdview: a message's Markdown on the screen: the md_doc kept for one text
 * (fed only the bytes new since the last look), and how its styled runs
 * become curses attributes from the theme. The transcript owns one per
 * rendered text. */
#ifndef CIRCUIT_UI_MDVIEW_H
#define CIRCUIT_UI_MDVIEW_H

#include <curses.h>
#include <stdbool.h>
#include <stdint.h>

#include "ui/markdown.h"
#include "ui/rowdraw.h"
#include "ui/theme.h"
#include "util/buf.h"

/* One text's rendering: plain value, zeroed means "nothing fed yet". */
struct mdview {
	struct md_doc *doc; /* owned; NULL before the first feed */
	size_t fed;         /* bytes of the text given to doc */
	unsigned long resets; /* the text's resets when fed (thinking dropped) */
	bool done;          /* md_finish called */
};

/* Brings v in line with text b (resets: the message's thinking_resets, 0
 * for its text): feeds only the bytes new since the last call; a text that
 * was reset (or shrank) is rendered again from its start. streaming false
 * finishes the document (once). width: the window's columns (at least 20
 * is laid out; the caller cuts narrower rows). Returns whether anything
 * changed. */
bool mdview_feed(struct mdview *v, const struct buf *b, unsigned long resets, int width,
                 bool streaming);
/* The lines so far (0 before any feed). */
size_t mdview_count(const struct mdview *v);
/* Line i (< mdview_count). */
const struct md_line *mdview_line(const struct mdview *v, size_t i);
/* Frees v's document; v is zeroed (ready to be fed again). */
void mdview_done(struct mdview *v);

/* The theme element a run is drawn in (its colour): a code token's, inline
 * code, a heading, a link... THEME_TRANSCRIPT_TEXT for plain text. Pure. */
enum theme_element mdview_element(const struct md_run *r);
/* The elements whose attributes (not colours) a run adds to its own
 * element's (strong text and table headers: md.strong, emphasis: md.emphasis,
 * struck: md.strike, in a quote: md.quote), into out[0..4); returns how
 * many. Pure. */
size_t mdview_extras(const struct md_run *r, enum theme_element out[4]);

/* The curses attributes of run r as the theme last applied stands, with
 * base's attributes (not its colour) added: thinking's dim. */
attr_t mdview_attr(const struct md_run *r, attr_t base);
/* Whether every line of v fits cols columns as it is laid out. */
bool mdview_fits(const struct mdview *v, int cols);
/* Appends line l to out, cut to cols columns unless fits (mdview_fits:
 * measuring every row of every frame would cost more than drawing it). */
void mdview_row(struct rowdraw *out, int cols, bool fits, const struct md_line *l, attr_t base);

#endif
