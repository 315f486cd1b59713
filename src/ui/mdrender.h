/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mdrender: one piece of Markdown (a top-level block or a run of them) as
 * styled lines at a width, with md4c; and a top-level fenced code block's
 * label and lines one at a time. Private to ui/markdown. */
#ifndef CIRCUIT_UI_MDRENDER_H
#define CIRCUIT_UI_MDRENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "ui/highlight.h"
#include "ui/markdown.h"
#include "util/buf.h"

/* What rendering produces: lines, link URLs (md_run.link - 1 indexes them)
 * and code blocks' sources, all owned here (mdo_free). */
struct md_out {
	struct md_line *lines;
	size_t n, cap;
	char **urls;
	size_t nurls, urlcap;
	struct buf *codes;
	char **langs; /* each code block's language as its fence names it, "" none */
	size_t ncodes, codecap;
};

/* Drops everything past the first nlines lines, nurls URLs and ncodes code
 * blocks (the open tail before it is rendered again). */
void mdo_truncate(struct md_out *o, size_t nlines, size_t nurls, size_t ncodes);
/* Frees everything; o is empty and reusable. */
void mdo_free(struct md_out *o);
/* A new empty code block's source, appended to o->codes, its language the
 * first word of the info string info[0..n); never NULL. */
struct buf *mdo_code_new(struct md_out *o, const char *info, size_t n);
/* The first word of a fence's info string info[0..n): [*a, *b). */
void mdr_info_word(const char *info, size_t n, size_t *a, size_t *b);

/* A new empty line at the end of o; never NULL (borrowed until o changes). */
struct md_line *mdo_line(struct md_out *o);
/* Appends p[0..n) to l in style (off and len ignored), merging with the
 * last run when alike. */
void mdl_push(struct md_line *l, const char *p, size_t n, const struct md_run *style);
/* The same in a plain style of these flags. */
void mdl_push_flags(struct md_line *l, const char *p, size_t n, unsigned flags);
/* Frees a line's text and runs; l is zeroed. */
void mdl_done(struct md_line *l);
/* Wraps src's text at words to cw columns into new lines of o, each first
 * given pre(arg, line) (a prefix; pre may be NULL), every run with extra
 * flags added. src is borrowed. */
void mdr_wrap(struct md_out *o, const struct md_line *src, unsigned cw, unsigned extra,
              void (*pre)(void *, struct md_line *), void *arg);

/* Renders p[0..n) with md4c and appends its lines; gap: start with an empty
 * line if it renders anything and o already has a line. */
void mdr_segment(struct md_out *o, unsigned width, const char *p, size_t n, bool gap);

/* A top-level fenced block's start: an empty line first when gap and o has
 * a line, then the label line when the info string (its first word) is not
 * empty. Returns the language to highlight with (NULL: plain). */
const struct hl_lang *mdr_fence_open(struct md_out *o, unsigned width, bool gap, const char *info,
                                     size_t n);
/* One line of a top-level code block (no newline): highlighted with lang
 * (NULL: plain) carrying *st, tabs expanded, cut to the width. */
void mdr_fence_line(struct md_out *o, unsigned width, const struct hl_lang *lang,
                    struct hl_state *st, const char *line, size_t n);

#endif
