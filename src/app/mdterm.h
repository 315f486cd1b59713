/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mdterm: a reply's Markdown written to a shell's terminal as it streams
 * (headless -p and --replay on a terminal, or with --render).
 *
 * The text goes through ui/markdown, laid out to the terminal's width. Its
 * final lines are written once, styled with SGR; the open tail's lines are
 * written after them and, with redraw, taken back (cursor up, clear to the
 * end of the screen) and written again at the next piece, so the screen
 * shows the reply rendered as it grows, at the cost of the tail only.
 * Without redraw (not a terminal, or a tail taller than the screen) only
 * final lines are written, and the tail at the end. On a terminal a link's
 * text is also an OSC 8 hyperlink to its URL (http, https or mailto, no
 * control or space in it), which terminals without them ignore. */
#ifndef CIRCUIT_APP_MDTERM_H
#define CIRCUIT_APP_MDTERM_H

#include <stdbool.h>
#include <stdio.h>

struct mdterm;

/* Writes to out, laid out to width columns; rows is the terminal's height
 * (a tail taller than rows - 1 is not redrawn in place); color false keeps
 * structure with bold, italic, underline and indentation only (NO_COLOR);
 * redraw false never moves the cursor. */
struct mdterm *mdterm_new(FILE *out, int width, int rows, bool color, bool redraw);
void mdterm_free(struct mdterm *t);

/* n bytes of the reply (sanitised UTF-8). */
void mdterm_append(struct mdterm *t, const char *p, size_t n);
/* Takes the provisional tail off the screen, so that something else (a
 * notice on stderr, same terminal) can be written below the final lines;
 * the next append writes it again. */
void mdterm_settle(struct mdterm *t);
/* The reply ended: every line is written, the last one ended. */
void mdterm_finish(struct mdterm *t);

/* Whether a reply goes out rendered: --render says yes, --raw and --json
 * no, else yes when fd (stdout) is a terminal, as glow and mods do. */
bool mdterm_wanted(bool raw, bool render, bool json, int fd);

/* A renderer for stdout-bound text written to out (stdout itself, or a
 * compare block's memory file: redraw only when out is the terminal). */
struct mdterm *mdterm_for(FILE *out, bool no_color);

/* The width and height to lay out to for fd (a terminal's size; else
 * COLUMNS, or 80 by 24). */
void mdterm_size(int fd, int *width, int *rows);

#endif
