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

static void emit(struct wrap_out *o, size_t off, size_t len, unsigned width)
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

/* The lines of the paragraph t[a, e) (no '\n' in it), at most limit columns
 * wide (limit >= 1). Each turn of the outer loop makes one line starting at
 * p. A break at a space goes back to just after the space run and scans the
 * word there again; those bytes fit on the new line (it starts at column 0,
 * and no column they reach is further right than it was), so every byte is
 * scanned at most twice or three times: O(e - a). */
static void wrap_paragraph(const char *t, size_t a, size_t e, unsigned limit, struct wrap_out *o)
{
	if (a == e) {
		emit(o, a, 0, 0);
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
					if (have_brk && t[p - 1] == ' ')
						emit(o, ls, brk - ls, brk_col);
					else
						emit(o, ls, p - ls, col);
					p = skip_spaces(t, p, e);
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
				if (have_brk) {
					emit(o, ls, brk - ls, brk_col);
					p = skip_spaces(t, brk, e);
				} else {
					emit(o, ls, p - ls, col);
				}
				broke = true;
				break;
			}
			col += w;
			p += len;
		}
		if (!broke)
			emit(o, ls, p - ls, col);
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
			wrap_paragraph(t, a, n, limit, o);
			return;
		}
		size_t e = (size_t)(nl - t);
		wrap_paragraph(t, a, e, limit, o);
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
	size_t from = 0;
	if (*nlines > 0) {
		/* The last line is in the last paragraph of the text it was
		 * wrapped from, a prefix of this one: that paragraph's start. */
		from = wrap_paragraph_start(text, (*lines)[*nlines - 1].off);
		while (*nlines > 0 && (*lines)[*nlines - 1].off >= from)
			(*nlines)--;
	}
	size_t first = *nlines;
	struct wrap_out o = {lines, nlines, cap};
	wrap_from(text, from, n, width, &o);
	return first;
}
