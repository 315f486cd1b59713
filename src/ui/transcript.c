/* SPDX-License-Identifier: GPL-3.0-or-later */
/* transcript: one thread on screen: wrapped, scrolled, drawn once per turn. */
#include "ui/transcript.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/mdview.h"
#include "ui/theme.h"
#include "ui/wrap.h"
#include "util/glyphs.h"
#include "util/mem.h"
#include "util/units.h"
#include "util/width.h"

/* The wrapped lines of one text (a message's text or thinking). */
struct wrapped {
	struct wrap_line *lines;
	size_t n, cap;
	size_t len; /* of the text wrapped */
	unsigned long resets; /* the message's thinking_resets then */
};

struct cache {
	const struct message *m;
	unsigned long version;
	struct wrapped text, think;
	struct mdview md_text, md_think; /* rendered Markdown (an assistant's, rendering on) */
	int rows; /* lines this message takes on screen */
};

struct transcript {
	struct cache *c;
	size_t n, cap;
	unsigned long conv_version;
	int width;
	int scroll; /* lines up from the bottom; 0 follows the tail */
	int total;  /* lines of the whole thread at this width */
	bool unseen; /* output arrived since the view was scrolled up: the marker */
	bool top;    /* a thread shorter than the window starts at its top row */
	size_t open_from; /* the oldest message still streaming (n: none) */
	bool show_thinking;
	bool recount; /* thinking toggled: every message's row count changes */
	bool render;   /* assistant messages as Markdown (else wrapped raw text) */
	bool relayout; /* render switched: everything is laid out again */
	/* the thread the cache belongs to, and its removals then: a cache of
	 * another thread, or of messages since removed, is thrown away before
	 * any cached pointer is followed */
	const struct conversation *conv;
	unsigned long removals;
	/* what each row of the window shows, valid for shown_rows rows (0
	 * before the first draw), and a row being built */
	struct rowdraw *shown;
	size_t shown_cap;
	int shown_rows;
	struct rowdraw scratch;
	long long shown_first; /* the line on the top row then (may be < 0) */
};

struct transcript *transcript_new(void)
{
	struct transcript *t = xcalloc(1, sizeof(struct transcript));
	t->render = true;
	return t;
}

static void wrapped_free(struct wrapped *w)
{
	free(w->lines);
	memset(w, 0, sizeof(*w));
}

static void reset_cache(struct transcript *t)
{
	for (size_t i = 0; i < t->n; i++) {
		wrapped_free(&t->c[i].text);
		wrapped_free(&t->c[i].think);
		mdview_done(&t->c[i].md_text);
		mdview_done(&t->c[i].md_think);
	}
	t->n = 0;
}

void transcript_free(struct transcript *t)
{
	if (t == NULL)
		return;
	reset_cache(t);
	free(t->c);
	for (size_t i = 0; i < t->shown_cap; i++)
		rowdraw_free(&t->shown[i]);
	free(t->shown);
	rowdraw_free(&t->scratch);
	free(t);
}

/* Wraps what changed: only the open lines at the end are wrapped again
 * (wrap_tail), so a token costs about a line, however long the paragraph. */
static void rewrap(struct wrapped *w, const struct buf *b, unsigned long resets, int width)
{
	/* Text only grows, but for thinking dropped when a stream falls back
	 * to another provider before its first token (msg_reset_thinking):
	 * then wrap it all again, wrap_tail's lines being of a text that is
	 * gone. */
	if (resets != w->resets) {
		w->n = 0;
		w->resets = resets;
	} else if (b->len == w->len && w->n > 0) {
		return; /* the message changed, not this text */
	}
	w->len = b->len;
	wrap_tail(buf_str(b), b->len, (unsigned)width, &w->lines, &w->n, &w->cap);
}

/* Whether c's texts are drawn from Markdown. */
static bool rendered(const struct transcript *t, const struct cache *c)
{
	return t->render && c->m->kind == MSG_ASSISTANT;
}

/* Lines of c's text, and of its thinking, as shown. */
static size_t text_lines(const struct transcript *t, const struct cache *c)
{
	return rendered(t, c) ? mdview_count(&c->md_text) : c->text.n;
}

static size_t think_lines(const struct transcript *t, const struct cache *c)
{
	return rendered(t, c) ? mdview_count(&c->md_think) : c->think.n;
}

static int message_rows(const struct transcript *t, const struct cache *c)
{
	const struct message *m = c->m;
	int rows = 1; /* the label line */
	if (m->thinking.len > 0)
		rows += t->show_thinking ? (int)think_lines(t, c) : 1;
	rows += (int)text_lines(t, c);
	rows += (int)m->att.n; /* a line per attached file */
	if (m->interrupted)
		rows++;
	return rows + 1; /* a blank line between messages */
}

/* Lays out what changed of c's texts: Markdown fed only its new bytes, or
 * the raw text's open lines wrapped again. */
static void lay_out(const struct transcript *t, struct cache *c, int width)
{
	const struct message *m = c->m;
	if (rendered(t, c)) {
		mdview_feed(&c->md_text, &m->text, 0, width, m->streaming);
		if (m->thinking.len > 0 || c->md_think.doc != NULL)
			mdview_feed(&c->md_think, &m->thinking, m->thinking_resets, width,
			            m->streaming);
		return;
	}
	rewrap(&c->text, &m->text, 0, width);
	rewrap(&c->think, &m->thinking, m->thinking_resets, width);
}

/* Brings the cache in line with conv: new messages, changed messages. */
static void update(struct transcript *t, const struct conversation *conv, int width)
{
	bool had = t->n > 0; /* rows counted before: output can arrive below them */
	bool other = conv != t->conv || conv->removals != t->removals || conv->n < t->n;
	if (other)
		t->unseen = false; /* another thread, or /clear: nothing new below */
	if (width != t->width || other || t->relayout) {
		reset_cache(t); /* resize, /clear, another thread: wrap everything again */
		t->width = width;
		t->total = 0;
		t->open_from = 0;
		t->conv = conv;
		t->removals = conv->removals;
		t->recount = false;
		t->relayout = false;
		had = false;
	}
	if (t->recount) {
		t->recount = false;
		t->total = 0;
		for (size_t i = 0; i < t->n; i++) {
			t->c[i].rows = message_rows(t, &t->c[i]);
			t->total += t->c[i].rows;
		}
	}
	/* A finished message never changes again: only messages from the
	 * oldest one still streaming on, and new ones, need a look. So a frame
	 * costs the open tail, not the thread. */
	size_t from = t->open_from < t->n ? t->open_from : t->n;
	if (conv->n > t->cap) {
		t->cap = conv->n * 2;
		t->c = xrealloc(t->c, t->cap * sizeof(*t->c));
	}
	while (t->n < conv->n) {
		struct cache *c = &t->c[t->n];
		memset(c, 0, sizeof(*c));
		c->m = conv->v[t->n];
		c->version = (unsigned long)-1;
		t->n++;
	}
	int added_below = 0;
	bool arrived = false;
	t->open_from = t->n;
	for (size_t i = from; i < t->n; i++) {
		struct cache *c = &t->c[i];
		if (c->m->streaming && t->open_from == t->n)
			t->open_from = i;
		if (c->version == c->m->version)
			continue;
		arrived = true;
		int before = c->rows;
		lay_out(t, c, width);
		c->version = c->m->version;
		c->rows = message_rows(t, c);
		t->total += c->rows - before;
		added_below += c->rows - before;
	}
	/* Scrolled up: keep the view where it is while output arrives below
	 * (or goes), and say that it did.
	 * (After a resize or another thread there is no view to keep: the
	 * offset from the bottom stays.) */
	if (had && t->scroll > 0 && arrived)
		t->unseen = true;
	if (had && t->scroll > 0 && added_below != 0) {
		/* (fewer rows: a fallback dropped the thinking) */
		t->scroll += added_below;
		if (t->scroll < 1)
			t->scroll = 1; /* still scrolled up: the marker stays */
	}
}

/* What one screen row shows: text in one attribute, then maybe a tail in
 * another (a label's figures after two spaces, or the streaming cursor). */
struct row {
	const char *s;
	size_t n;
	attr_t attr;
	const char *tail;
	size_t tn;
	attr_t tail_attr;
	bool gap; /* two spaces before the tail */
	const struct md_line *ml; /* a rendered line instead of s (attr: its base) */
	bool ml_fits;             /* and it needs no cutting to the width */
	char tmp[160];
};

/* Row r of c's rendered text; the streaming cursor after the last line. */
static void md_row(const struct cache *c, int r, int cols, struct row *o)
{
	const struct md_line *l = mdview_line(&c->md_text, (size_t)r);
	o->ml = l;
	o->ml_fits = mdview_fits(&c->md_text, cols);
	o->attr = 0;
	if (c->m->streaming && (size_t)r + 1 == mdview_count(&c->md_text) &&
	    width_str(l->text.data, l->text.len) < (size_t)cols) {
		o->tail = glyph->cursor;
		o->tn = strlen(o->tail);
		o->tail_attr = theme_attr(THEME_TRANSCRIPT_ASSISTANT);
	}
}

/* Row r of c's thinking: the collapsed line, or a line of it in full. */
static void thinking_row(const struct transcript *t, const struct cache *c, int r, int cols,
                         struct row *o)
{
	o->attr = theme_attr(THEME_TRANSCRIPT_THINKING);
	if (!t->show_thinking) {
		char lines[UNITS_MAX];
		units_plural((long long)think_lines(t, c), "line", lines, sizeof(lines));
		snprintf(o->tmp, sizeof(o->tmp), "%s thinking (%s, Ctrl-T shows)", glyph->more,
		         lines);
		o->s = o->tmp;
		o->n = width_cut(o->tmp, strlen(o->tmp), (size_t)cols, NULL);
	} else if (rendered(t, c)) {
		o->ml = mdview_line(&c->md_think, (size_t)r);
		o->ml_fits = mdview_fits(&c->md_think, cols);
	} else {
		const struct wrap_line *l = &c->think.lines[r];
		o->s = buf_str(&c->m->thinking) + l->off;
		o->n = l->len;
	}
}

/* A prompt's file: "📎 name (image/png, 120.0 KiB)", cut to the width. */
static void attachment_row(const struct attachment *a, int cols, struct row *o)
{
	char desc[sizeof(o->tmp) - 8];
	attachment_describe(a, desc, sizeof(desc));
	snprintf(o->tmp, sizeof(o->tmp), "%s %s", glyph->clip, desc);
	o->s = o->tmp;
	o->n = width_cut(o->tmp, strlen(o->tmp), (size_t)cols, NULL);
	o->attr = theme_attr(THEME_NOTICE);
}

/* Message c's row number r (0 = its label line; the last, c->rows - 1, is
 * the blank line between messages). */
static void describe_row(const struct transcript *t, const struct cache *c, int r, int cols,
                         struct row *o)
{
	const struct message *m = c->m;
	o->s = o->tail = "";
	o->n = o->tn = 0;
	o->attr = o->tail_attr = 0;
	o->gap = false;
	o->ml = NULL;
	if (r >= c->rows - 1)
		return;
	if (r == 0) {
		enum theme_element e = m->kind == MSG_USER        ? THEME_TRANSCRIPT_USER
		                       : m->kind == MSG_ASSISTANT ? THEME_TRANSCRIPT_ASSISTANT
		                       : m->kind == MSG_ERROR     ? THEME_ERROR
		                                                  : THEME_NOTICE;
		/* The label, then the figures: cut to the width, never wrapped
		 * (a wrapped row would write over the row below). */
		size_t lw;
		o->s = m->label;
		o->n = width_cut(m->label, strlen(m->label), (size_t)cols, &lw);
		o->attr = theme_attr(e);
		/* While it streams, its meta says what it waits for, if it waits. */
		const char *meta = m->meta;
		if (m->streaming && *m->meta == '\0') {
			snprintf(o->tmp, sizeof(o->tmp), "streaming%s", glyph->ellipsis);
			meta = o->tmp;
		}
		if (*meta != '\0' && lw + 2 < (size_t)cols) {
			o->gap = true;
			o->tail = meta;
			o->tn = width_cut(meta, strlen(meta), (size_t)cols - lw - 2, NULL);
			o->tail_attr = theme_attr(THEME_TRANSCRIPT_THINKING);
		}
		return;
	}
	r--;
	if (m->thinking.len > 0) {
		int trows = t->show_thinking ? (int)think_lines(t, c) : 1;
		if (r < trows) {
			thinking_row(t, c, r, cols, o);
			return;
		}
		r -= trows;
	}
	if (rendered(t, c) && r < (int)mdview_count(&c->md_text)) {
		md_row(c, r, cols, o);
		return;
	}
	if (r < (int)c->text.n) {
		const struct wrap_line *l = &c->text.lines[r];
		enum theme_element e = m->kind == MSG_ERROR    ? THEME_ERROR
		                       : m->kind == MSG_NOTICE ? THEME_NOTICE
		                                               : THEME_TRANSCRIPT_TEXT;
		o->s = buf_str(&m->text) + l->off;
		o->n = l->len;
		o->attr = theme_attr(e);
		if (m->streaming && r == (int)c->text.n - 1 && (int)l->width < cols) {
			o->tail = glyph->cursor;
			o->tn = strlen(o->tail);
			o->tail_attr = theme_attr(THEME_TRANSCRIPT_ASSISTANT);
		}
		return;
	}
	r -= (int)text_lines(t, c);
	if (r < (int)m->att.n) {
		attachment_row(&m->att.v[r], cols, o);
		return;
	}
	r -= (int)m->att.n;
	if (m->interrupted && r == 0) {
		o->s = "[interrupted]";
		o->n = width_cut(o->s, strlen(o->s), (size_t)cols, NULL);
		o->attr = theme_attr(THEME_ERROR);
	}
}

/* o as styled bytes, into t's scratch row. */
static void build_row(struct rowdraw *out, int cols, const struct row *o)
{
	rowdraw_clear(out);
	if (o->ml != NULL)
		mdview_row(out, cols, o->ml_fits, o->ml, o->attr);
	else
		rowdraw_add(out, o->attr, o->s, o->n, cols);
	if (o->tn > 0) {
		if (o->gap)
			rowdraw_add(out, o->tail_attr, "  ", 2, cols);
		rowdraw_add(out, o->tail_attr, o->tail, o->tn, cols);
	}
}

/* Row y is to show o: drawn only from where it differs from what it shows. */
static void put_row(struct transcript *t, WINDOW *w, int y, int cols, const struct row *o)
{
	build_row(&t->scratch, cols, o);
	rowdraw_put(w, y, &t->shown[y], &t->scratch);
}

/* The marker over the bottom row: output arrived below the view. */
static void marker_row(struct row *o, int cols)
{
	memset(o, 0, sizeof(*o));
	const char *h = glyph->hrule;
	snprintf(o->tmp, sizeof(o->tmp), "%s%s new output below (End or PgDn) %s%s", h, h, h, h);
	o->s = o->tmp;
	o->tail = "";
	o->n = width_cut(o->tmp, strlen(o->tmp), cols > 1 ? (size_t)cols - 1 : 0, NULL);
	o->attr = theme_attr(THEME_MARKER);
}

/* Draws the thread's lines from row `bottom` up, the last of them showing
 * line (total - 1 - scroll); the marker's row is left to it. */
static void draw_lines(struct transcript *t, WINDOW *w, int cols, int bottom, int marker_y)
{
	struct row o;
	int y = bottom;
	int skip = t->scroll; /* lines below the view */
	for (size_t i = t->n; i-- > 0 && y >= 0;) {
		const struct cache *c = &t->c[i];
		int r = c->rows - 1;
		if (skip >= c->rows) {
			skip -= c->rows;
			continue;
		}
		r -= skip;
		skip = 0;
		for (; r >= 0 && y >= 0; r--, y--) {
			if (y == marker_y)
				continue;
			describe_row(t, c, r, cols, &o);
			put_row(t, w, y, cols, &o);
		}
	}
	memset(&o, 0, sizeof(o));
	o.s = o.tail = "";
	for (; y >= 0; y--)
		put_row(t, w, y, cols, &o); /* above the thread's first line */
}

static void reverse_rows(struct rowdraw *r, int a, int b) /* [a, b) */
{
	for (b--; a < b; a++, b--) {
		struct rowdraw x = r[a];
		r[a] = r[b];
		r[b] = x;
	}
}

/* The view moved by k lines (k > 0: its text went up, as when a reply grows
 * a line at the bottom): the window's rows move with it, and what they show,
 * so only the rows that came in are drawn (curses may scroll the terminal). */
static void shift_rows(struct transcript *t, WINDOW *w, int rows, long long k)
{
	if (k == 0 || k >= rows || -k >= rows)
		return;
	int n = (int)k;
	scrollok(w, TRUE);
	wscrl(w, n);
	scrollok(w, FALSE);
	int m = n > 0 ? n : rows + n; /* rotate left by m */
	reverse_rows(t->shown, 0, m);
	reverse_rows(t->shown, m, rows);
	reverse_rows(t->shown, 0, rows);
	for (int y = n > 0 ? rows - n : 0; y < (n > 0 ? rows : -n); y++)
		rowdraw_clear(&t->shown[y]);
}

void transcript_draw(struct transcript *t, const struct conversation *conv, WINDOW *w)
{
	int rows, cols;
	getmaxyx(w, rows, cols);
	update(t, conv, cols > 0 ? cols : 1);
	/* Rows are drawn only where they change, from where they change: a
	 * token redraws the end of the row it lands on (and a scroll of the
	 * view every row). Everything is drawn again when the window is new,
	 * was touched by another view, or changed its height. (What is kept is
	 * the rows' content, so a cache thrown away, as by /clear, needs
	 * nothing here.) */
	if (rows != t->shown_rows || is_wintouched(w)) {
		werase(w);
		if ((size_t)rows > t->shown_cap) {
			t->shown = xrealloc(t->shown, (size_t)rows * sizeof(*t->shown));
			memset(t->shown + t->shown_cap, 0,
			       ((size_t)rows - t->shown_cap) * sizeof(*t->shown));
			t->shown_cap = (size_t)rows;
		}
		for (int y = 0; y < rows; y++)
			rowdraw_clear(&t->shown[y]);
		t->shown_rows = rows;
	}
	/* Scrolled all the way up, the thread's first line is on the top row. */
	int max_scroll = t->total > rows ? t->total - rows : 0;
	if (t->scroll > max_scroll)
		t->scroll = max_scroll;
	if (t->scroll == 0)
		t->unseen = false;
	/* The marker lies over the bottom row rather than pushing the lines up,
	 * so the view does not move when it appears. */
	int marker_y = t->unseen ? rows - 1 : -1;
	int bottom = t->top && t->total < rows ? t->total - 1 : rows - 1;
	long long first = (long long)t->total - 1 - t->scroll - bottom;
	if (t->shown_rows == rows && !is_wintouched(w))
		shift_rows(t, w, rows, first - t->shown_first);
	t->shown_first = first;
	struct row o;
	memset(&o, 0, sizeof(o));
	o.s = o.tail = "";
	for (int y = rows - 1; y > bottom; y--)
		put_row(t, w, y, cols, &o); /* below a short thread drawn from the top */
	draw_lines(t, w, cols, bottom, marker_y);
	if (marker_y >= 0) {
		marker_row(&o, cols);
		put_row(t, w, marker_y, cols, &o);
	}
	wnoutrefresh(w);
}

void transcript_scroll(struct transcript *t, int lines)
{
	/* Clamped to the thread when drawn; saturated here, as a view that is
	 * not drawn (hidden column, /stats open) may be scrolled many times. */
	long long v = (long long)t->scroll + lines;
	t->scroll = v < 0 ? 0 : v > (1 << 30) ? 1 << 30 : (int)v;
}

void transcript_follow(struct transcript *t)
{
	t->scroll = 0;
	t->unseen = false;
}

bool transcript_following(const struct transcript *t)
{
	return t->scroll == 0;
}

int transcript_scrolled(const struct transcript *t)
{
	return t->scroll;
}

void transcript_set_thinking(struct transcript *t, bool show)
{
	if (show == t->show_thinking)
		return;
	t->show_thinking = show;
	/* The row counts change; they are counted at the next draw, once the
	 * cache is known to hold live messages (it may hold a cleared thread). */
	t->recount = true;
}

bool transcript_thinking(const struct transcript *t)
{
	return t->show_thinking;
}

void transcript_set_top(struct transcript *t, bool top)
{
	t->top = top;
}

void transcript_set_render(struct transcript *t, bool md)
{
	if (md == t->render)
		return;
	t->render = md;
	/* Every assistant message is laid out again, once, at the next draw
	 * (the cache may hold a cleared thread until then). */
	t->relayout = true;
}

bool transcript_render(const struct transcript *t)
{
	return t->render;
}
