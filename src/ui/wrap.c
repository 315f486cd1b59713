/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wrap: word wrap of UTF-8 text by display width, into byte ranges. */
#include "ui/wrap.h"

#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include "util/mem.h"
#include "util/width.h"

/* The growable array lines are appended to. */
struct wrap_out {
	struct wrap_line **lines;
	size_t *nlines, *cap;
};

static void emit(struct wrap_out *o, size_t off, size_t len, unsigned width, bool open)
{
	if (*o->nlines == *o->cap) {
		size_t cap = *o->cap > 0 ? *o->cap * 2 : 16;
		*o->lines = xrealloc(*o->lines, cap * sizeof(**o->lines));
		*o->cap = cap;
	}
	struct wrap_line *l = &(*o->lines)[(*o->nlines)++];
	l->off = off;
	l->len = len;
	l->width = (unsigned short)width;
	l->open = open;
}

unsigned wrap_tab_width(unsigned col, unsigned limit)
{
	unsigned stop = (col / 8 + 1) * 8;
	if (col < limit && stop > limit)
		return limit - col;
	return stop - col;
}

/* A space that is a cluster of its own: one that carries a combining mark
 * is a character like any other (the mark must stay with it). */
static bool plain_space(const char *t, size_t p, size_t e)
{
	if (t[p] != ' ')
		return false;
	if (p + 1 == e || (unsigned char)t[p + 1] < 0x80)
		return true;
	unsigned w;
	return width_cluster(t + p, e - p, &w) == 1;
}

static size_t skip_spaces(const char *t, size_t p, size_t e)
{
	while (p < e && plain_space(t, p, e))
		p++;
	return p;
}

/* How far past a cluster's end width_cluster may read to decide where the
 * cluster ends: one more character, at most 4 bytes of UTF-8. plain_space
 * reads the space and that character: 1 + 4. */
#define LOOK_CLUSTER 4
#define LOOK_SPACE 5

/* The lines of the paragraph t[a, e) (no '\n' in it), at most limit columns
 * wide (limit >= 1). Each turn of the outer loop makes one line starting at
 * p. A break at a space goes back to just after the space run and scans the
 * word there again; those bytes fit on the new line (it starts at column 0,
 * and no column they reach is further right than it was), so every byte is
 * scanned at most twice or three times: O(e - a).
 *
 * last: e is the end of the text, where more may be appended. A line is
 * then open when its scan, lookahead included, reached e: the reads are in
 * order, so the last one (the cluster that did not fit, or the byte after
 * the dropped spaces) is the furthest. */
static void wrap_paragraph(const char *t, size_t a, size_t e, unsigned limit, bool last,
                           struct wrap_out *o)
{
	if (a == e) {
		emit(o, a, 0, 0, last);
		return;
	}
	size_t p = a;
	while (p < e) {
		size_t ls = p;         /* the line's first byte */
		unsigned col = 0;      /* columns of t[ls, p) */
		bool have_brk = false; /* a space run after content on this line */
		size_t brk = 0;        /* where that run starts: the line may end there */
		unsigned brk_col = 0;  /* the line's width if it does */
		bool broke = false;
		while (p < e) {
			if (plain_space(t, p, e)) {
				if (col + 1 > limit) {
					/* col >= 1, so the line has content: end it
					 * before this space run, drop the run. */
					size_t next = skip_spaces(t, p, e);
					bool open = last && next + LOOK_SPACE > e;
					if (have_brk && t[p - 1] == ' ')
						emit(o, ls, brk - ls, brk_col, open);
					else
						emit(o, ls, p - ls, col, open);
					p = next;
					broke = true;
					break;
				}
				if (p > ls && t[p - 1] != ' ') {
					have_brk = true;
					brk = p;
					brk_col = col;
				}
				col++;
				p++;
				continue;
			}
			unsigned w;
			size_t len = width_cluster(t + p, e - p, &w);
			if (t[p] == '\t')
				w = wrap_tab_width(col, limit);
			/* The first cluster of a line always goes on it, even
			 * wider than the line: that is what makes wrapping end. */
			if (p > ls && col + w > limit) {
				bool open = last && p + len + LOOK_CLUSTER > e;
				if (have_brk) {
					emit(o, ls, brk - ls, brk_col, open);
					p = skip_spaces(t, brk, e);
				} else {
					emit(o, ls, p - ls, col, open);
				}
				broke = true;
				break;
			}
			col += w;
			p += len;
		}
		if (!broke)
			emit(o, ls, p - ls, col, last);
	}
}

/* The lines of every paragraph of t[from, n), offsets into t. */
static void wrap_from(const char *t, size_t from, size_t n, unsigned width, struct wrap_out *o)
{
	unsigned limit = width;
	if (limit == 0)
		limit = 1;
	if (limit > USHRT_MAX)
		limit = USHRT_MAX;
	size_t a = from;
	for (;;) {
		const char *nl = a < n ? memchr(t + a, '\n', n - a) : NULL;
		if (nl == NULL) {
			wrap_paragraph(t, a, n, limit, true, o);
			return;
		}
		size_t e = (size_t)(nl - t);
		wrap_paragraph(t, a, e, limit, false, o);
		a = e + 1;
	}
}

size_t wrap_text(const char *text, size_t n, unsigned width, struct wrap_line **lines,
                 size_t *nlines, size_t *cap)
{
	struct wrap_out o = {lines, nlines, cap};
	size_t before = *nlines;
	wrap_from(text, 0, n, width, &o);
	return *nlines - before;
}

size_t wrap_paragraph_start(const char *text, size_t n)
{
	while (n > 0 && text[n - 1] != '\n')
		n--;
	return n;
}

size_t wrap_tail(const char *text, size_t n, unsigned width, struct wrap_line **lines,
                 size_t *nlines, size_t *cap)
{
	/* The last line is always open, and so are the ones before it that
	 * the end of the text could change. A line is made from its first byte
	 * on, and that byte is where the line before it ended, which stays:
	 * wrap again from the first open line's start. */
	size_t from = 0;
	while (*nlines > 0 && (*lines)[*nlines - 1].open) {
		from = (*lines)[*nlines - 1].off;
		(*nlines)--;
	}
	size_t first = *nlines;
	struct wrap_out o = {lines, nlines, cap};
	wrap_from(text, from, n, width, &o);
	return first;
}
