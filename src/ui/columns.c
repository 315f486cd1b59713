/* SPDX-License-Identifier: GPL-3.0-or-later */
/* columns: the compare view: one thread per model, side by side. */
#include "ui/columns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui/theme.h"
#include "ui/transcript.h"
#include "util/mem.h"
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

/* The header in its full form ("· ttft 102ms · 81.3 t/s · 124 tok") or,
 * compact, without the words ("102ms 81t/s 124tok"). */
static void head_text(const struct column_head *h, int num, bool focused, bool compact,
                      struct buf *b)
{
	buf_printf(b, focused ? "[%d] %s %s" : " %d %s %s", num, h->label, h->state);
	const struct reply_metrics *m = h->m;
	if (m == NULL)
		return;
	const char *sep = compact ? " " : " · ";
	if (m->ttft >= 0) {
		buf_printf(b, "%s%s", sep, compact ? "" : "ttft ");
		char t[32];
		metrics_fmt_ms(m->ttft, t, sizeof(t));
		buf_append_str(b, t);
		if (h->win_ttft)
			buf_append_str(b, "★");
	}
	if (m->tps >= 0)
		buf_printf(b, compact && m->tps >= 100 ? "%s%s%.0f%st/s%s" : "%s%s%.1f%st/s%s", sep,
		           m->tps_estimated ? "≈" : "", m->tps, compact ? "" : " ", h->win_tps ? "★" : "");
	if (m->tokens_out >= 0 && (m->ttft >= 0 || !m->out_estimated))
		buf_printf(b, "%s%s%lld%stok", sep, m->out_estimated ? "≈" : "", m->tokens_out,
		           compact ? "" : " ");
	if (m->cost >= 0)
		buf_printf(b, "%s%s$%.4f", sep, m->cost_estimated ? "≈" : "", m->cost);
}

void columns_format_head(const struct column_head *h, int num, bool focused, int width,
                         struct buf *out)
{
	struct buf b;
	buf_init(&b, 0);
	size_t room = width > 0 ? (size_t)width : 0;
	head_text(h, num, focused, false, &b);
	if (width_str(buf_str(&b), b.len) > room) {
		buf_reset(&b);
		head_text(h, num, focused, true, &b);
	}
	if (width_str(buf_str(&b), b.len) <= room) {
		buf_append(out, b.data, b.len);
	} else if (room > 0) {
		size_t cut = width_cut(buf_str(&b), b.len, room - 1, NULL);
		buf_append(out, b.data, cut);
		buf_append_str(out, "…");
	}
	buf_done(&b);
}

struct columns *columns_new(void)
{
	struct columns *c = xcalloc(1, sizeof(*c));
	for (int i = 0; i < COLUMNS_MAX; i++)
		c->tr[i] = transcript_new();
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
	struct buf line;
	buf_init(&line, 0);
	c->page = 1;
	for (int i = 0; i < n; i++) {
		struct column_win *w = &c->win[i];
		if (w->head == NULL)
			continue;
		int hr, hc;
		getmaxyx(w->head, hr, hc);
		(void)hr;
		buf_reset(&line);
		columns_format_head(&heads[i], i + 1, i == c->focus, hc, &line);
		attr_t a = theme_attr(THEME_STATUS) | (i == c->focus ? A_BOLD : 0);
		werase(w->head);
		wbkgdset(w->head, a | ' ');
		wattrset(w->head, a);
		wmove(w->head, 0, 0);
		for (int k = 0; k < hc; k++)
			waddch(w->head, ' ');
		wmove(w->head, 0, 0);
		waddnstr(w->head, buf_str(&line), (int)line.len);
		wattrset(w->head, 0);
		wnoutrefresh(w->head);
		if (w->body != NULL) {
			transcript_draw(c->tr[i], convs[i], w->body);
			if (i == c->focus) {
				int br, bc;
				getmaxyx(w->body, br, bc);
				(void)bc;
				c->page = br > 2 ? br - 2 : 1;
			}
		}
		if (w->rule != NULL) {
			int rr, rc;
			getmaxyx(w->rule, rr, rc);
			(void)rc;
			werase(w->rule);
			wattrset(w->rule, theme_attr(THEME_BORDER));
			for (int y = 0; y < rr; y++)
				mvwaddstr(w->rule, y, 0, "│");
			wattrset(w->rule, 0);
			wnoutrefresh(w->rule);
		}
	}
	buf_done(&line);
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
	for (int i = 0; i < c->n; i++)
		if (i == c->focus || c->sync)
			transcript_follow(c->tr[i]);
}

void columns_set_thinking(struct columns *c, bool show)
{
	for (int i = 0; i < COLUMNS_MAX; i++)
		transcript_set_thinking(c->tr[i], show);
}

int columns_page(const struct columns *c)
{
	return c->page;
}
