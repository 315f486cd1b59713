/* SPDX-License-Identifier: GPL-3.0-or-later */
/* markdown: a reply's Markdown as styled lines laid out to a width, as it
 * streams, at O(the open tail) per append.
 *
 * Only the last top-level block of a document can still change while text
 * is appended: every block before it is final. Final lines are rendered
 * once and never again; each append re-parses only the open tail (with
 * md4c). A list or quote finishes its items as it goes; a fenced code block
 * highlights each completed line once (util: ui/highlight). Streaming the
 * text in any pieces gives exactly the lines rendering it whole gives. */
#ifndef CIRCUIT_UI_MARKDOWN_H
#define CIRCUIT_UI_MARKDOWN_H

#include <stdbool.h>
#include <stddef.h>

#include "ui/highlight.h"
#include "util/buf.h"

/* How a run is shown: flags combine (a bold word in a heading in a quote). */
enum {
	MD_STRONG = 1 << 0,
	MD_EMPH = 1 << 1,
	MD_STRIKE = 1 << 2,
	MD_CODE = 1 << 3,     /* inline code */
	MD_HEADING = 1 << 4,  /* a heading's text (level in md_run.level) */
	MD_QUOTE = 1 << 5,    /* a block quote's text and its bar */
	MD_LINK = 1 << 6,     /* a link's text */
	MD_URL = 1 << 7,      /* a link's URL, shown dimmed after its text */
	MD_BLOCK = 1 << 8,    /* a code block's text (token in md_run.token) */
	MD_LANG = 1 << 9,     /* a code block's label (its language) */
	MD_RULE = 1 << 10,    /* a horizontal rule, a table's rules */
	MD_MARKER = 1 << 11,  /* a list's bullet or number, a task's box */
	MD_TH = 1 << 12,      /* a table's header cells */
};

/* One styled run of a line: bytes [off, off + len) of its text. */
struct md_run {
	size_t off, len;
	unsigned flags;
	enum hl_token token; /* with MD_BLOCK */
	unsigned char level; /* with MD_HEADING: 1..6 */
	size_t link;         /* with MD_LINK / MD_URL: 1 + index into the URLs, 0 none */
};

/* One line as shown: at most the width's columns (util/width), no control
 * byte, runs sorted and covering the text (plain runs included). */
struct md_line {
	struct buf text;
	struct md_run *runs;
	size_t nruns, cap;
};

struct md_doc;

/* A document laid out to width columns (>= 20; tables fit it or wrap
 * their cells, code wraps, nothing is ever wider). Returns the document. */
struct md_doc *md_new(int width);
void md_free(struct md_doc *d);

/* Appends n bytes of the reply (sanitised UTF-8: no control but \n and
 * \t); re-renders the open tail. */
void md_append(struct md_doc *d, const char *p, size_t n);
/* The reply ended: everything is final (an unclosed fence closes). */
void md_finish(struct md_doc *d);
/* Lays everything out again at a new width (a resize: once, not per token). */
void md_set_width(struct md_doc *d, int width);
/* The columns d is laid out to: no line is wider. */
int md_width(const struct md_doc *d);

/* Lines so far; the first md_final() never change again (a consumer draws
 * them once), the rest are the open tail's, replaced by the next append. */
size_t md_count(const struct md_doc *d);
size_t md_final(const struct md_doc *d);
const struct md_line *md_line_at(const struct md_doc *d, size_t i);

/* A link's URL (index from md_run.link - 1), as the model wrote it: for a
 * hyperlink circuit writes itself (OSC 8), never for raw bytes. */
const char *md_url(const struct md_doc *d, size_t i);

/* The code blocks so far (for /copy code N): their source without fences,
 * in order; NULL past the last. */
const char *md_code_block(const struct md_doc *d, size_t i, size_t *len);
/* Code block i's language as its fence names it ("python", "ts"), "" when
 * it names none; NULL past the last. */
const char *md_code_lang(const struct md_doc *d, size_t i);

#endif
