/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wrap: word wrap of UTF-8 text by display width, into byte ranges. */
#ifndef CIRCUIT_UI_WRAP_H
#define CIRCUIT_UI_WRAP_H

#include <stdbool.h>
#include <stddef.h>

/* One screen line: the bytes text[off, off + len) (never the '\n' that ends
 * a paragraph, never the spaces dropped at a wrap) and the columns they take
 * when drawn from column 0, tabs laid out as wrap_tab_width says.
 *
 * open: where this line ends (or where the next one starts) was decided by
 * looking at bytes within a few of the end of the text, so text appended
 * there may change it. Only lines at the end of the text are open, and every
 * line after an open one is open; the last line always is. */
struct wrap_line {
	size_t off, len;
	unsigned short width;
	bool open;
};

/* How a tab at column col advances on a line of `limit` columns: to the next
 * multiple of 8, or to the limit when that comes first (a terminal's tab stops
 * at the right margin). Past the limit (col >= limit), to the next multiple
 * of 8. Drawing code uses this too, so a tab lands where wrap measured it. */
unsigned wrap_tab_width(unsigned col, unsigned limit);

/* Wraps text[0..n) (UTF-8, sanitized: no controls but '\n' and '\t') to
 * `width` columns and appends the lines to the growable array *lines holding
 * *nlines of *cap entries (all three may start as NULL, 0, 0; grown with
 * xrealloc, the caller frees *lines). Offsets are into text. Returns how many
 * lines it appended (always at least one).
 *
 * - '\n' ends a paragraph. Every paragraph gives at least one line: an empty
 *   one an empty line, and text ending in '\n' (or n == 0) a final empty
 *   line: the open line where streaming continues.
 * - A line breaks at the last space that keeps it within width; the spaces
 *   at the break are shown on neither line (a continuation line never starts
 *   with a space). Spaces that fit are kept, leading indentation included.
 * - A word wider than the line is split between characters; so is CJK text,
 *   which has no spaces. A 2-column character that does not fit in the last
 *   column starts the next line.
 * - Text is only ever cut between clusters (util/width.h: width_cluster): a
 *   UTF-8 character, a base with its combining marks, a ZWJ emoji sequence,
 *   a flag stay whole.
 * - A tab is kept in the line's bytes and advances as wrap_tab_width says,
 *   counted from the line's start.
 * - width 0 counts as 1 (and widths past 65535 as 65535). Every line holds at
 *   least one cluster, so wrapping always ends; a line is wider than width
 *   only when it is one cluster wider than width (a 2-column character when
 *   width is 1).
 * O(n) time; no allocation but the array's growth.
 *
 * Incremental use: a line is made from its first byte on, knowing nothing
 * of the lines before it, and looks only a few bytes past where it ends. So
 * when text grows, every line that is not open stays as it was, and wrapping
 * again from the first open line's start gives the rest: see wrap_tail. */
size_t wrap_text(const char *text, size_t n, unsigned width, struct wrap_line **lines,
                 size_t *nlines, size_t *cap);

/* Where the last paragraph of text[0..n) starts: the byte after the last
 * '\n', or 0 when there is none. */
size_t wrap_paragraph_start(const char *text, size_t n);

/* Brings *lines up to date after text grew: *lines must hold wrap_text of a
 * prefix of the current text[0..n) at the same width (or be empty). Drops the
 * open lines and wraps text again from the first one's start, so the cost is
 * about one line plus the new bytes, however long the paragraph or the text.
 * Afterwards *lines is exactly wrap_text(text, n, width). Returns the index
 * of the first line it rewrote: lines before it are unchanged. */
size_t wrap_tail(const char *text, size_t n, unsigned width, struct wrap_line **lines,
                 size_t *nlines, size_t *cap);

#endif
