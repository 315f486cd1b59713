/* SPDX-License-Identifier: GPL-3.0-or-later */
/* transcript: one thread on screen: wrapped, scrolled, drawn once per turn. */
#include "ui/transcript.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/theme.h"
#include "ui/wrap.h"
#include "util/width.h"
#include "util/mem.h"

/* The wrapped lines of one text (a message's text or thinking). */
struct wrapped {
	struct wrap_line *lines;
	size_t n, cap;
};

struct cache {
	const struct message *m;
	unsigned long version;
	struct wrapped text, think;
	int rows; /* lines this message takes on screen */
};

struct transcript {
	struct cache *c;
	size_t n, cap;
	unsigned long conv_version;
	int width;
	int scroll; /* lines up from the bottom; 0 follows the tail */
	int total;  /* lines of the whole thread at this width */
	size_t open_from; /* the oldest message still streaming (n: none) */
	bool show_thinking;
	bool recount; /* thinking toggled: every message's row count changes */
	/* the thread the cache belongs to, and its removals then: a cache of
	 * another thread, or of messages since removed, is thrown away before
	 * any cached pointer is followed */
	const struct conversation *conv;
	unsigned long removals;
};

struct transcript *transcript_new(void)
{
	return xcalloc(1, sizeof(struct transcript));
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
	}
	t->n = 0;
}

void transcript_free(struct transcript *t)
{
	if (t == NULL)
		return;
	reset_cache(t);
	free(t->c);
	free(t);
}

/* Wraps what changed: only the open lines at the end are wrapped again
 * (wrap_tail), so a token costs about a line, however long the paragraph. */
static void rewrap(struct wrapped *w, const struct buf *b, int width)
{
	wrap_tail(buf_str(b), b->len, (unsigned)width, &w->lines, &w->n, &w->cap);
}

static int message_rows(const struct transcript *t, const struct cache *c)
{
	const struct message *m = c->m;
	int rows = 1; /* the label line */
	if (m->thinking.len > 0)
		rows += t->show_thinking ? (int)c->think.n : 1;
	rows += (int)c->text.n;
	if (m->interrupted)
		rows++;
	return rows + 1; /* a blank line between messages */
}

/* Brings the cache in line with conv: new messages, changed messages. */
static void update(struct transcript *t, const struct conversation *conv, int width)
{
	if (width != t->width || conv != t->conv || conv->removals != t->removals ||
	    conv->n < t->n) {
		reset_cache(t); /* resize, /clear, another thread: wrap everything again */
		t->width = width;
		t->total = 0;
		t->open_from = 0;
		t->conv = conv;
		t->removals = conv->removals;
		t->recount = false;
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
	t->open_from = t->n;
	for (size_t i = from; i < t->n; i++) {
		struct cache *c = &t->c[i];
		if (c->m->streaming && t->open_from == t->n)
			t->open_from = i;
		if (c->version == c->m->version)
			continue;
		int before = c->rows;
		rewrap(&c->text, &c->m->text, width);
		rewrap(&c->think, &c->m->thinking, width);
		c->version = c->m->version;
		c->rows = message_rows(t, c);
		t->total += c->rows - before;
		added_below += c->rows - before;
	}
	/* Scrolled up: keep the view where it is while output arrives below. */
	if (t->scroll > 0 && added_below > 0)
		t->scroll += added_below;
}

/* Draws one wrapped line. Tabs are laid out as wrap measured them
 * (wrap_tab_width), not by curses' own tab stops. */
static void draw_row(WINDOW *w, int y, int cols, const char *s, size_t n, attr_t attr)
{
	wmove(w, y, 0);
	wattrset(w, attr);
	unsigned col = 0;
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\t')
			continue;
		waddnstr(w, s + run, (int)(i - run));
		col += (unsigned)width_str(s + run, i - run);
		for (unsigned k = wrap_tab_width(col, (unsigned)cols); k > 0; k--, col++)
			waddch(w, ' ');
		run = i + 1;
	}
	waddnstr(w, s + run, (int)(n - run));
	wattrset(w, 0);
}

/* Draws message c's row number r (0 = its label line) at screen row y. */
static void draw_message_row(const struct transcript *t, const struct cache *c, int r, WINDOW *w,
                             int y, int cols)
{
	const struct message *m = c->m;
	if (r == 0) {
		enum theme_element e = m->kind == MSG_USER        ? THEME_TRANSCRIPT_USER
		                       : m->kind == MSG_ASSISTANT ? THEME_TRANSCRIPT_ASSISTANT
		                       : m->kind == MSG_ERROR     ? THEME_ERROR
		                                                  : THEME_NOTICE;
		/* The label, then the figures: cut to the width, never wrapped
		 * (a wrapped row would write over the row below). */
		size_t lw;
		size_t ln = width_cut(m->label, strlen(m->label), (size_t)cols, &lw);
		draw_row(w, y, cols, m->label, ln, theme_attr(e));
		const char *meta = m->streaming ? "streaming…" : m->meta;
		if (*meta != '\0' && lw + 2 < (size_t)cols) {
			size_t mn = width_cut(meta, strlen(meta), (size_t)cols - lw - 2, NULL);
			wattrset(w, theme_attr(THEME_TRANSCRIPT_THINKING));
			waddstr(w, "  ");
			waddnstr(w, meta, (int)mn);
			wattrset(w, 0);
		}
		return;
	}
	r--;
	if (m->thinking.len > 0) {
		int trows = t->show_thinking ? (int)c->think.n : 1;
		if (r < trows) {
			attr_t a = theme_attr(THEME_TRANSCRIPT_THINKING);
			if (!t->show_thinking) {
				char line[96];
				snprintf(line, sizeof(line), "▸ thinking (%zu lines, Ctrl-T shows)", c->think.n);
				draw_row(w, y, cols, line, width_cut(line, strlen(line), (size_t)cols, NULL), a);
			} else {
				const struct wrap_line *l = &c->think.lines[r];
				draw_row(w, y, cols, buf_str(&m->thinking) + l->off, l->len, a);
			}
			return;
		}
		r -= trows;
	}
	if (r < (int)c->text.n) {
		const struct wrap_line *l = &c->text.lines[r];
		enum theme_element e = m->kind == MSG_ERROR    ? THEME_ERROR
		                       : m->kind == MSG_NOTICE ? THEME_NOTICE
		                                               : THEME_TRANSCRIPT_TEXT;
		draw_row(w, y, cols, buf_str(&m->text) + l->off, l->len, theme_attr(e));
		if (m->streaming && r == (int)c->text.n - 1 && (int)l->width < cols) {
			wattrset(w, theme_attr(THEME_TRANSCRIPT_ASSISTANT));
			waddstr(w, "▌");
			wattrset(w, 0);
		}
		return;
	}
	r -= (int)c->text.n;
	if (m->interrupted && r == 0)
		draw_row(w, y, cols, "[interrupted]", width_cut("[interrupted]", 13, (size_t)cols, NULL),
		         theme_attr(THEME_ERROR));
}

void transcript_draw(struct transcript *t, const struct conversation *conv, WINDOW *w)
{
	int rows, cols;
	getmaxyx(w, rows, cols);
	update(t, conv, cols > 0 ? cols : 1);
	werase(w);
	int max_scroll = t->total > rows ? t->total - rows : 0;
	if (t->scroll > max_scroll)
		t->scroll = max_scroll;
	/* Walk up from the bottom: the last screen row shows line
	 * (total - 1 - scroll) of the thread. */
	int marker = t->scroll > 0 ? 1 : 0;
	int y = rows - 1 - marker;
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
		for (; r >= 0 && y >= 0; r--, y--)
			if (r < c->rows - 1) /* the last row is the blank separator */
				draw_message_row(t, c, r, w, y, cols);
	}
	if (marker) {
		wmove(w, rows - 1, 0);
		wattrset(w, theme_attr(THEME_MARKER));
		static const char m[] = "── new output below (End or PgDn) ──";
		waddnstr(w, m, (int)width_cut(m, sizeof(m) - 1, (size_t)cols - 1, NULL));
		wattrset(w, 0);
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
}

bool transcript_following(const struct transcript *t)
{
	return t->scroll == 0;
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
