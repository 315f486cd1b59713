/* SPDX-License-Identifier: GPL-3.0-or-later */
/* width: terminal display width of UTF-8 text (wcwidth), cut by columns. */
#ifndef CIRCUIT_UTIL_WIDTH_H
#define CIRCUIT_UTIL_WIDTH_H

#include <stddef.h>

/* Widths come from libc's wcwidth() in the current locale: the program calls
 * setlocale(LC_ALL, "") and expects a UTF-8 locale. Under the "C" locale
 * every non-ASCII character counts 1. The width of a sequence is the sum of
 * its code points' widths, which is what ncurses assumes when it places
 * them, so what we measure is where the cursor ends up.
 *
 * Nothing here allocates or fails; input need not be NUL-terminated. */

/* Widest a cluster can get (see width_cluster): joins that would pass it
 * start a new cluster instead, so a hostile "x ZWJ x ZWJ ..." cannot build
 * one unbreakable run of any width. */
#define WIDTH_CLUSTER_MAX 16

/* One UTF-8 character at s (n bytes available, n > 0): sets *len to its byte
 * length and returns its column width: 0 for combining marks, ZWJ, variation
 * selectors and other zero-width characters; 2 for CJK and most emoji; 1
 * otherwise. An invalid or truncated sequence is one byte of width 1 (it is
 * shown as U+FFFD). Control characters, tab and newline included, count 1:
 * model text is sanitized before it gets here, and the callers that lay out
 * tabs expand them by column. n == 0: *len = 0, returns 0. */
int width_char(const char *s, size_t n, size_t *len);

/* One user-perceived character ("cluster") at s: a base character with every
 * zero-width character that follows it (combining marks, ZWJ, variation
 * selectors, tag characters), an emoji joined to the previous one by ZWJ (👨‍👩‍👧),
 * a pair of regional indicators (a flag, 🇨🇭) and an emoji modifier (skin
 * tone) after an emoji. Cutting text only between clusters never separates a
 * mark from its base. A control character is a cluster of its own. Sets
 * *cols to the cluster's width (the sum of its characters', capped joins:
 * WIDTH_CLUSTER_MAX) and returns its byte length (0 only when n == 0). */
size_t width_cluster(const char *s, size_t n, unsigned *cols);

/* Columns taken by the n bytes at s on one line starting at column 0. A tab
 * advances to the next multiple of 8; every other character counts as in
 * width_char. */
size_t width_str(const char *s, size_t n);

/* The longest prefix of s[0..n) that fits in cols columns, cut only between
 * clusters (never inside a character, never between a base and its marks).
 * Tabs as in width_str: a tab that would pass cols ends the prefix. Returns
 * the prefix's byte length and sets *used (may be NULL) to its width. */
size_t width_cut(const char *s, size_t n, size_t cols, size_t *used);

#endif
