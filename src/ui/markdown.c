/* SPDX-License-Identifier: GPL-3.0-or-later */
/* markdown: a reply's Markdown as styled lines, rendered as it streams.
 *
 * The text is cut into segments at line starts where a new top-level block
 * surely begins; a cut is decided from complete lines only and never moves,
 * so the cuts of a prefix are the cuts of the whole. Every segment but the
 * last (the open tail) is rendered once and final; the tail is rendered
 * again (md4c) on each append. A cut falls before a non-blank line that
 * starts at column 0 and
 *   - follows a blank line, or an ATX heading, or is one;
 *   - opens a fence (``` or ~~~ at column 0);
 *   - is the next item of the list the segment began with (same bullet or
 *     delimiter): a list finishes its items as it goes;
 * and before any non-blank line once the segment has grown past TAIL_MAX
 * bytes (bounded work per append for a huge table, list or quote: the block
 * is split there, and what follows may render differently, e.g. an indented
 * item as code).
 * A paragraph that starts with a letter (no block begins with one), holds
 * no '|' (a table) and no line break, is also cut inside its line once it
 * passes PARA_MAX bytes: before the first word that starts with a letter
 * after a space past that point, the rest going on as a paragraph without a
 * gap. One long line (a reply that never breaks its paragraph) then costs
 * PARA_MAX (1 KiB) per append, not its length; the price is a wrap that starts
 * again at the cut, and emphasis that cannot span it. Such a line's start
 * is cut as soon as its first byte is known (it is a letter: the line-start
 * rules above need nothing more), so the cuts are the same however the text
 * arrives.
 * A fenced code block at column 0 is rendered here, not by md4c: its label
 * when its opening line is complete, each line highlighted once when it is
 * complete (final at once); only its incomplete last line is redrawn. */
#include "ui/markdown.h"

#include <stdlib.h>
#include <string.h>

#include "ui/mdrender.h"
#include "util/mem.h"

#define TAIL_MAX (64 * 1024)
#define PARA_MAX 1024

struct md_doc {
	unsigned width;
	struct buf text;
	struct md_out out;
	size_t nfinal, nfinal_urls, nfinal_codes;
	size_t scanned;  /* text before it is complete lines, scanned */
	size_t searched; /* no newline in [scanned, searched) */
	size_t tail;     /* where the open segment starts */
	bool tail_gap;   /* it is separated from the one before by an empty line */
	bool seg_content, prev_blank, prev_atx, finished;
	char list_kind; /* the open segment's list marker ('-', '.', ')'...), 0 none */
	/* The open segment is a fenced code block at column 0. */
	bool fence;
	char fence_ch;
	size_t fence_len;
	const struct hl_lang *lang;
	struct hl_state hl;
	/* The open segment, for cuts inside a long paragraph's line: [tail,
	 * plain) holds no '|' and no newline unless impure; spaces before
	 * cut_scan were looked at. */
	size_t plain, cut_scan;
	bool impure;
};

static bool is_blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

static size_t run_of(const char *p, size_t n, char c)
{
	size_t i = 0;
	while (i < n && p[i] == c)
		i++;
	return i;
}

/* An ATX heading: 1 to 6 '#' then a space, a tab or the end. */
static bool is_atx(const char *p, size_t n)
{
	size_t k = run_of(p, n, '#');
	return k >= 1 && k <= 6 && (k == n || p[k] == ' ' || p[k] == '\t');
}

/* A fence's opening line at column 0: sets its character and length. */
static bool fence_open(const char *p, size_t n, char *ch, size_t *len)
{
	if (n < 3 || (p[0] != '`' && p[0] != '~'))
		return false;
	size_t k = run_of(p, n, p[0]);
	if (k < 3 || (p[0] == '`' && memchr(p + k, '`', n - k) != NULL))
		return false;
	*ch = p[0];
	*len = k;
	return true;
}

/* A thematic break: three or more of one of - * _ with only spaces. */
static bool is_break(const char *p, size_t n)
{
	size_t count = 0;
	char c = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == ' ' || p[i] == '\t')
			continue;
		if ((c != 0 && p[i] != c) || (p[i] != '-' && p[i] != '*' && p[i] != '_'))
			return false;
		c = p[i];
		count++;
	}
	return count >= 3;
}

/* The list marker a line at column 0 starts with ('-', '+', '*', or the
 * delimiter of a number), when text follows it; 0 otherwise. */
static char marker_kind(const char *p, size_t n)
{
	size_t k = 0;
	char kind = 0;
	if (n > 0 && (p[0] == '-' || p[0] == '+' || p[0] == '*')) {
		kind = p[0];
		k = 1;
	} else {
		while (k < n && k < 9 && p[k] >= '0' && p[k] <= '9')
			k++;
		if (k == 0 || k >= n || (p[k] != '.' && p[k] != ')'))
			return 0;
		kind = p[k++];
	}
	if (k >= n || (p[k] != ' ' && p[k] != '\t') || is_blank(p + k, n - k) || is_break(p, n))
		return 0;
	return kind;
}

/* Everything rendered so far is final. */
static void mark_final(struct md_doc *d)
{
	d->nfinal = d->out.n;
	d->nfinal_urls = d->out.nurls;
	d->nfinal_codes = d->out.ncodes;
}

static void drop_tail(struct md_doc *d)
{
	mdo_truncate(&d->out, d->nfinal, d->nfinal_urls, d->nfinal_codes);
}

/* Ends the open segment at pos (rendered, final); the next starts there.
 * A cut before the open segment's start (a line whose start was cut early,
 * then inside) changes nothing. */
static void seg_cut(struct md_doc *d, size_t pos, bool gap)
{
	if (pos < d->tail)
		return;
	drop_tail(d);
	if (pos > d->tail)
		mdr_segment(&d->out, d->width, d->text.data + d->tail, pos - d->tail, d->tail_gap);
	mark_final(d);
	d->tail = pos;
	d->tail_gap = gap;
	d->seg_content = false;
	d->prev_blank = false;
	d->prev_atx = false;
	d->list_kind = 0;
	d->plain = d->cut_scan = pos;
	d->impure = false;
}

/* No block begins with a letter (ASCII, or any character past it). */
static bool letter(unsigned char c)
{
	return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c >= 0x80;
}

/* Cuts inside the open paragraph's line, looking at text before upto (see
 * the top of the file). */
static void long_cuts(struct md_doc *d, size_t upto)
{
	const char *t = d->text.data;
	while (!d->fence && upto > d->tail + PARA_MAX && letter((unsigned char)t[d->tail])) {
		for (; d->plain < upto && !d->impure; d->plain++)
			d->impure = t[d->plain] == '|' || t[d->plain] == '\n';
		if (d->impure)
			return;
		size_t c = d->cut_scan > d->tail + PARA_MAX ? d->cut_scan : d->tail + PARA_MAX;
		while (c + 1 < upto && !(t[c] == ' ' && letter((unsigned char)t[c + 1])))
			c++;
		d->cut_scan = c;
		if (c + 1 >= upto)
			return;
		size_t plain = d->plain;
		seg_cut(d, c + 1, false);
		d->seg_content = true; /* the paragraph goes on */
		d->plain = plain;      /* [c + 1, plain) was looked at already */
	}
}

/* The opening line [ls, le) of a fenced block at column 0. */
static void fence_begin(struct md_doc *d, size_t ls, size_t le)
{
	seg_cut(d, ls, true);
	const char *p = d->text.data + ls;
	fence_open(p, le - ls, &d->fence_ch, &d->fence_len);
	d->fence = true;
	d->lang = mdr_fence_open(&d->out, d->width, d->tail_gap, p + d->fence_len,
	                         le - ls - d->fence_len);
	hl_state_init(&d->hl);
	mdo_code_new(&d->out, p + d->fence_len, le - ls - d->fence_len);
	mark_final(d);
	d->tail = le < d->text.len ? le + 1 : le;
}

/* A complete line [ls, le) inside the open fence: its closing line, or a
 * line of code (final at once). */
static void fence_line(struct md_doc *d, size_t ls, size_t le)
{
	const char *p = d->text.data + ls;
	size_t n = le - ls, ind = run_of(p, n < 4 ? n : 4, ' ');
	size_t k = ind < 4 ? run_of(p + ind, n - ind, d->fence_ch) : 0;
	if (k >= d->fence_len && is_blank(p + ind + k, n - ind - k)) {
		d->fence = false;
		d->tail = le < d->text.len ? le + 1 : le;
		d->tail_gap = true;
		d->seg_content = d->prev_blank = d->prev_atx = false;
		d->list_kind = 0;
		return;
	}
	drop_tail(d);
	mdr_fence_line(&d->out, d->width, d->lang, &d->hl, p, n);
	struct buf *src = &d->out.codes[d->out.ncodes - 1];
	buf_append(src, p, n);
	buf_append_char(src, '\n');
	mark_final(d);
	d->tail = le < d->text.len ? le + 1 : le;
}

/* One complete line [ls, le) (le: its newline, or the end at finish). */
static void scan_line(struct md_doc *d, size_t ls, size_t le)
{
	if (d->fence) {
		fence_line(d, ls, le);
		return;
	}
	const char *p = d->text.data + ls;
	size_t n = le - ls;
	bool blank = is_blank(p, n), col0 = n > 0 && p[0] != ' ' && p[0] != '\t';
	char ch;
	size_t flen;
	if (!blank && col0 && fence_open(p, n, &ch, &flen)) {
		fence_begin(d, ls, le);
		return;
	}
	if (!blank && col0 && d->seg_content) {
		if (d->prev_blank || d->prev_atx || is_atx(p, n))
			seg_cut(d, ls, true);
		else if (d->list_kind != 0 && marker_kind(p, n) == d->list_kind)
			seg_cut(d, ls, false);
	}
	if (!blank && d->seg_content && ls > d->tail && ls - d->tail > TAIL_MAX)
		seg_cut(d, ls, false);
	if (!blank && !d->seg_content) {
		d->seg_content = true;
		d->list_kind = col0 ? marker_kind(p, n) : 0;
	}
	long_cuts(d, le);
	d->prev_blank = blank;
	d->prev_atx = !blank && col0 && is_atx(p, n);
}

/* The incomplete last line [scanned, len): its start is cut now when its
 * first byte is a letter (what scan_line will decide when it is complete),
 * then inside it. */
static void partial_line(struct md_doc *d)
{
	size_t ls = d->scanned;
	if (d->fence || ls >= d->text.len)
		return;
	if (letter((unsigned char)d->text.data[ls]) && d->seg_content &&
	    (d->prev_blank || d->prev_atx)) {
		seg_cut(d, ls, true);
		d->seg_content = true;
	}
	long_cuts(d, d->text.len);
}

/* Renders the open tail again: md4c on the open segment, or the partial
 * last line of an open fence. */
static void render_tail(struct md_doc *d)
{
	drop_tail(d);
	if (d->fence) {
		if (d->text.len > d->scanned) {
			struct hl_state st = d->hl;
			mdr_fence_line(&d->out, d->width, d->lang, &st, d->text.data + d->scanned,
			               d->text.len - d->scanned);
		}
	} else if (d->text.len > d->tail) {
		mdr_segment(&d->out, d->width, d->text.data + d->tail, d->text.len - d->tail,
		            d->tail_gap);
	}
}

static void doc_reset(struct md_doc *d)
{
	unsigned w = d->width;
	buf_done(&d->text);
	mdo_free(&d->out);
	memset(d, 0, sizeof *d);
	d->width = w;
	buf_init(&d->text, 0);
	d->tail_gap = true;
}

struct md_doc *md_new(int width)
{
	struct md_doc *d = xcalloc(1, sizeof *d);
	d->width = width < 20 ? 20 : (unsigned)width;
	doc_reset(d);
	return d;
}

void md_free(struct md_doc *d)
{
	if (d == NULL)
		return;
	buf_done(&d->text);
	mdo_free(&d->out);
	free(d);
}

void md_append(struct md_doc *d, const char *p, size_t n)
{
	if (d->finished || n == 0 || buf_append(&d->text, p, n) < 0)
		return;
	for (;;) {
		const char *t = d->text.data;
		const char *nl = memchr(t + d->searched, '\n', d->text.len - d->searched);
		if (nl == NULL)
			break;
		size_t le = (size_t)(nl - t);
		scan_line(d, d->scanned, le);
		d->scanned = d->searched = le + 1;
	}
	d->searched = d->text.len;
	partial_line(d);
	render_tail(d);
}

void md_finish(struct md_doc *d)
{
	if (d->finished)
		return;
	if (d->text.len > d->scanned) {
		scan_line(d, d->scanned, d->text.len);
		d->scanned = d->searched = d->text.len;
	}
	if (d->fence) {
		d->fence = false;
		drop_tail(d);
		d->tail = d->text.len;
	} else {
		seg_cut(d, d->text.len, false);
	}
	mark_final(d);
	d->finished = true;
}

int md_width(const struct md_doc *d)
{
	return (int)d->width;
}

void md_set_width(struct md_doc *d, int width)
{
	struct buf text = d->text;
	bool finished = d->finished;
	memset(&d->text, 0, sizeof d->text);
	d->width = width < 20 ? 20 : (unsigned)width;
	doc_reset(d);
	if (text.len > 0)
		md_append(d, text.data, text.len);
	if (finished)
		md_finish(d);
	buf_done(&text);
}

size_t md_count(const struct md_doc *d)
{
	return d->out.n;
}

size_t md_final(const struct md_doc *d)
{
	return d->nfinal;
}

const struct md_line *md_line_at(const struct md_doc *d, size_t i)
{
	return i < d->out.n ? &d->out.lines[i] : NULL;
}

const char *md_url(const struct md_doc *d, size_t i)
{
	return i < d->out.nurls ? d->out.urls[i] : NULL;
}

const char *md_code_lang(const struct md_doc *d, size_t i)
{
	return i < d->out.ncodes ? d->out.langs[i] : NULL;
}

const char *md_code_block(const struct md_doc *d, size_t i, size_t *len)
{
	if (i >= d->out.ncodes)
		return NULL;
	if (len != NULL)
		*len = d->out.codes[i].len;
	return buf_str(&d->out.codes[i]);
}
