/* SPDX-License-Identifier: GPL-3.0-or-later */
/* columns: the compare view: one thread per model, side by side. */
#include "ui/columns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/theme.h"
#include "ui/transcript.h"
#include "util/glyphs.h"
#include "util/mem.h"
#include "util/units.h"
#include "util/width.h"

struct column_win {
	WINDOW *head, *body, *rule; /* rule: the cell column right of it (side by side) */
};

struct columns {
	struct transcript *tr[COLUMNS_MAX];
	struct column_win win[COLUMNS_MAX];
	/* the layout the windows were made for */
	int n, rows, cols, y0, x0, made_focus;
	bool made_zoom, made;
	int focus;
	bool zoom, sync;
	int page; /* body rows of the focused column */
};

enum columns_mode columns_layout(int rows, int cols, int n, int focus, bool zoom,
                                 struct column_rect *out)
{
	if (n < 1)
		return COLUMNS_ONE;
	if (focus < 0 || focus >= n)
		focus = 0;
	for (int i = 0; i < n; i++)
		out[i] = (struct column_rect){0, 0, 0, 0, false};
	if (rows < 1 || cols < 1)
		return COLUMNS_ONE;
	if (!zoom && n > 1 && (cols - (n - 1)) / n >= COLUMN_MIN_WIDTH) {
		int w = (cols - (n - 1)) / n, extra = (cols - (n - 1)) % n, x = 0;
		for (int i = 0; i < n; i++) {
			int wi = w + (i < extra ? 1 : 0);
			out[i] = (struct column_rect){0, x, rows, wi, true};
			x += wi + 1;
		}
		return COLUMNS_SIDE;
	}
	if (!zoom && n > 1 && rows >= 2 * n) {
		int h = rows / n, extra = rows % n, y = 0;
		for (int i = 0; i < n; i++) {
			int hi = h + (i < extra ? 1 : 0);
			out[i] = (struct column_rect){y, 0, hi, cols, true};
			y += hi;
		}
		return COLUMNS_STACKED;
	}
	out[focus] = (struct column_rect){0, 0, rows, cols, true};
	return COLUMNS_ONE;
}

/* A header's fields, most useful first: the last ones go first when the
 * header is too wide. */
enum head_field { F_STATE, F_TTFT, F_TPS, F_TOKENS, F_COST, F_COUNT };

static bool field_known(const struct column_head *h, enum head_field f)
{
	const struct reply_metrics *m = h->m;
	switch (f) {
	case F_STATE: return h->state != NULL;
	case F_TTFT: return m != NULL && m->ttft >= 0;
	case F_TPS: return m != NULL && m->tps >= 0;
	/* An estimate of 0 before the first token says nothing. */
	case F_TOKENS: return m != NULL && m->tokens_out >= 0 && (m->ttft >= 0 || !m->out_estimated);
	case F_COST: return m != NULL && m->cost >= 0;
	case F_COUNT: break;
	}
	return false;
}

/* Field f of h, "-" when h does not know it (another column does); the
 * full form names the TTFT, the compact one does not. */
static void field_text(const struct column_head *h, enum head_field f, bool compact, struct buf *b)
{
	const struct reply_metrics *m = h->m;
	bool known = field_known(h, f);
	char t[UNITS_MAX] = "-";
	switch (f) {
	case F_STATE:
		buf_append_str(b, known ? h->state : "-");
		return;
	case F_TTFT:
		if (known)
			units_ms(m->ttft, t, sizeof(t));
		buf_printf(b, "%s%s%s", compact ? "" : "ttft ", t, known && h->win_ttft ? glyph->star : "");
		return;
	case F_TPS:
		if (known)
			units_tps(m->tps, m->tps_estimated, t, sizeof(t));
		buf_printf(b, "%s%s", t, known && h->win_tps ? glyph->star : "");
		return;
	case F_TOKENS:
		if (known)
			units_tokens(m->tokens_out, m->out_estimated, t, sizeof(t));
		break;
	case F_COST:
		if (known)
			units_cost(m->cost, m->cost_estimated, t, sizeof(t));
		break;
	case F_COUNT: return;
	}
	buf_append_str(b, t);
}

/* One header: number, label, the first k of the fields fields[0..nf), in
 * the full or compact form; a trailing ellipsis when k < nf. */
struct head_form {
	const enum head_field *fields;
	int nf, k;
	bool compact;
};

static void head_text(const struct column_head *h, int num, bool focused,
                      const struct head_form *f, struct buf *b)
{
	buf_printf(b, focused ? "[%d] %s" : " %d %s", num, h->label);
	for (int i = 0; i < f->k; i++) {
		if (i == 0 || f->compact)
			buf_append_char(b, ' ');
		else
			buf_printf(b, " %s ", glyph->dot);
		field_text(h, f->fields[i], f->compact, b);
	}
	if (f->k < f->nf)
		buf_printf(b, " %s", glyph->ellipsis);
}

/* Whether every shown column's header fits its width in form f. */
static bool all_fit(const struct column_head *heads, int n, int focus, const int *width,
                    const struct head_form *f)
{
	struct buf b;
	buf_init(&b, 0);
	bool fit = true;
	for (int i = 0; i < n && fit; i++) {
		if (width[i] <= 0)
			continue;
		buf_reset(&b);
		head_text(&heads[i], i + 1, i == focus, f, &b);
		fit = width_str(buf_str(&b), b.len) <= (size_t)width[i];
	}
	buf_done(&b);
	return fit;
}

/* The form every header takes: as many fields as fit in every column,
 * full form before compact. Fields that no shown column knows are left
 * out of all of them. */
static void choose_form(const struct column_head *heads, int n, int focus, const int *width,
                        enum head_field *fields, struct head_form *f)
{
	f->nf = 0;
	for (int k = 0; k < F_COUNT; k++) {
		bool any = false;
		for (int i = 0; i < n && !any; i++)
			any = width[i] > 0 && field_known(&heads[i], (enum head_field)k);
		if (any)
			fields[f->nf++] = (enum head_field)k;
	}
	f->fields = fields;
	for (f->k = f->nf; f->k > 0; f->k--)
		for (int c = 0; c <= 1; c++) {
			f->compact = c;
			if (all_fit(heads, n, focus, width, f))
				return;
		}
	f->compact = false; /* k = 0: the labels alone, cut where they must be */
}

void columns_format_heads(const struct column_head *heads, int n, int focus, const int *width,
                          struct buf *out)
{
	enum head_field fields[F_COUNT];
	struct head_form f;
	choose_form(heads, n, focus, width, fields, &f);
	struct buf b;
	buf_init(&b, 0);
	size_t ew = width_str(glyph->ellipsis, strlen(glyph->ellipsis));
	for (int i = 0; i < n; i++) {
		if (width[i] <= 0)
			continue;
		size_t room = (size_t)width[i];
		buf_reset(&b);
		head_text(&heads[i], i + 1, i == focus, &f, &b);
		if (width_str(buf_str(&b), b.len) <= room) {
			buf_append(&out[i], b.data, b.len);
			continue;
		}
		/* Even the label is too wide: it is cut, and says so. */
		buf_reset(&b);
		struct head_form none = {fields, 0, 0, false};
		head_text(&heads[i], i + 1, i == focus, &none, &b);
		size_t cut = width_cut(buf_str(&b), b.len, room > ew ? room - ew : 0, NULL);
		buf_append(&out[i], b.data, cut);
		if (room >= ew)
			buf_append_str(&out[i], glyph->ellipsis);
	}
	buf_done(&b);
}

struct columns *columns_new(void)
{
	struct columns *c = xcalloc(1, sizeof(*c));
	for (int i = 0; i < COLUMNS_MAX; i++) {
		c->tr[i] = transcript_new();
		/* Every column's first message on the row under its header. */
		transcript_set_top(c->tr[i], true);
	}
	return c;
}

void columns_release(struct columns *c)
{
	for (int i = 0; i < COLUMNS_MAX; i++) {
		struct column_win *w = &c->win[i];
		if (w->head)
			delwin(w->head);
		if (w->body)
			delwin(w->body);
		if (w->rule)
			delwin(w->rule);
		memset(w, 0, sizeof(*w));
	}
	c->made = false;
}

void columns_free(struct columns *c)
{
	if (c == NULL)
		return;
	columns_release(c);
	for (int i = 0; i < COLUMNS_MAX; i++)
		transcript_free(c->tr[i]);
	free(c);
}

/* New windows when the area, the count, the focus (stacked, zoomed) or the
 * zoom changed; otherwise the old ones are drawn over. */
static void make_windows(struct columns *c, WINDOW *area, int n)
{
	int rows, cols, y0, x0;
	getmaxyx(area, rows, cols);
	getbegyx(area, y0, x0);
	if (c->made && c->n == n && c->rows == rows && c->cols == cols && c->y0 == y0 &&
	    c->x0 == x0 && c->made_focus == c->focus && c->made_zoom == c->zoom)
		return;
	columns_release(c);
	struct column_rect r[COLUMNS_MAX];
	enum columns_mode mode = columns_layout(rows, cols, n, c->focus, c->zoom, r);
	for (int i = 0; i < n; i++) {
		if (!r[i].shown)
			continue;
		struct column_win *w = &c->win[i];
		w->head = newwin(1, r[i].w, y0 + r[i].y, x0 + r[i].x);
		if (r[i].h > 1)
			w->body = newwin(r[i].h - 1, r[i].w, y0 + r[i].y + 1, x0 + r[i].x);
		if (mode == COLUMNS_SIDE && i + 1 < n)
			w->rule = newwin(rows, 1, y0, x0 + r[i].x + r[i].w);
	}
	c->n = n;
	c->rows = rows;
	c->cols = cols;
	c->y0 = y0;
	c->x0 = x0;
	c->made_focus = c->focus;
	c->made_zoom = c->zoom;
	c->made = true;
}

static void draw_head(WINDOW *w, const struct buf *line, bool focused)
{
	int hr, hc;
	getmaxyx(w, hr, hc);
	(void)hr;
	attr_t a = theme_attr(THEME_STATUS) | (focused ? A_BOLD : 0);
	werase(w);
	wbkgdset(w, a | ' ');
	wattrset(w, a);
	wmove(w, 0, 0);
	for (int k = 0; k < hc; k++)
		waddch(w, ' ');
	wmove(w, 0, 0);
	waddnstr(w, buf_str(line), (int)line->len);
	wattrset(w, 0);
	wnoutrefresh(w);
}

static void draw_rule(WINDOW *w)
{
	int rr, rc;
	getmaxyx(w, rr, rc);
	(void)rc;
	werase(w);
	wattrset(w, theme_attr(THEME_BORDER));
	for (int y = 0; y < rr; y++)
		mvwaddstr(w, y, 0, glyph->vrule);
	wattrset(w, 0);
	wnoutrefresh(w);
}

void columns_draw(struct columns *c, WINDOW *area, const struct column_head *heads,
                  const struct conversation *const *convs, int n)
{
	if (n < 1)
		return;
	if (n > COLUMNS_MAX)
		n = COLUMNS_MAX;
	if (c->focus >= n)
		c->focus = n - 1;
	make_windows(c, area, n);
	/* The headers together: one form for all of them. */
	struct buf line[COLUMNS_MAX];
	int width[COLUMNS_MAX];
	for (int i = 0; i < n; i++) {
		buf_init(&line[i], 0);
		width[i] = c->win[i].head != NULL ? getmaxx(c->win[i].head) : 0;
	}
	columns_format_heads(heads, n, c->focus, width, line);
	c->page = 1;
	for (int i = 0; i < n; i++) {
		struct column_win *w = &c->win[i];
		if (w->head != NULL)
			draw_head(w->head, &line[i], i == c->focus);
		if (w->body != NULL) {
			transcript_draw(c->tr[i], convs[i], w->body);
			int br = getmaxy(w->body);
			if (i == c->focus)
				c->page = br > 2 ? br - 2 : 1;
		}
		if (w->rule != NULL)
			draw_rule(w->rule);
		buf_done(&line[i]);
	}
}

void columns_focus(struct columns *c, int i)
{
	if (i >= 0 && i < COLUMNS_MAX)
		c->focus = i;
}

int columns_focused(const struct columns *c)
{
	return c->focus;
}

bool columns_toggle_zoom(struct columns *c)
{
	c->zoom = !c->zoom;
	return c->zoom;
}

bool columns_toggle_sync(struct columns *c)
{
	c->sync = !c->sync;
	return c->sync;
}

void columns_scroll(struct columns *c, int lines)
{
	for (int i = 0; i < c->n; i++)
		if (i == c->focus || c->sync)
			transcript_scroll(c->tr[i], lines);
}

void columns_follow(struct columns *c)
{
	/* Every column, drawn or not, focused or not: a new prompt's answers
	 * are to be seen in all of them. */
	for (int i = 0; i < COLUMNS_MAX; i++)
		transcript_follow(c->tr[i]);
}

void columns_set_thinking(struct columns *c, bool show)
{
	for (int i = 0; i < COLUMNS_MAX; i++)
		transcript_set_thinking(c->tr[i], show);
}

void columns_set_render(struct columns *c, bool md)
{
	for (int i = 0; i < COLUMNS_MAX; i++)
		transcript_set_render(c->tr[i], md);
}

int columns_page(const struct columns *c)
{
	return c->page;
}
