/* SPDX-License-Identifier: GPL-3.0-or-later */
/* statusbar: per-provider health on one line. */
#include "ui/statusbar.h"

#include <stdio.h>
#include <string.h>

#include "ui/theme.h"
#include "util/glyphs.h"
#include "util/units.h"
#include "util/width.h"

/* A segment's figures, in the order they read and are kept: TTFT, tok/s,
 * replies. */
#define FIGURES 3

static const char *health_mark(enum provider_health h)
{
	switch (h) {
	case HEALTH_OK: return glyph->ok;
	case HEALTH_ERROR: return glyph->error;
	case HEALTH_OPEN: return glyph->open;
	case HEALTH_HALFOPEN: return glyph->half;
	case HEALTH_IDLE: break;
	}
	return glyph->idle;
}

/* The head of a segment: name, mark, and the words of its state (an open
 * breaker's countdown, a half-open one, a stall). It is never dropped for
 * the current provider. The countdowns go in whole seconds (up for the
 * wait to a probe, down for a stall), so the line changes once a second,
 * not at every frame. */
static void segment_head(const struct provider_status *p, struct buf *b)
{
	char t[UNITS_MAX];
	buf_printf(b, "%s %s", p->name, health_mark(p->health));
	if (p->health == HEALTH_OPEN) {
		units_seconds(p->open_ms >= 0 ? p->open_ms : 0, t, sizeof(t));
		buf_printf(b, " open %s", t);
	} else if (p->health == HEALTH_HALFOPEN) {
		/* The probe is in flight only while a reply streams. */
		buf_append_str(b, p->active > 0 ? " probing" : " half-open");
	}
	if (p->stall_ms >= 2000) {
		units_seconds(p->stall_ms / 1000 * 1000, t, sizeof(t));
		buf_printf(b, " stalled %s", t);
	}
}

/* The first nfig of the segment's figures (the unknown ones are not
 * written: each figure names its unit). */
static void segment_figures(const struct provider_status *p, int nfig, struct buf *b)
{
	char t[UNITS_MAX];
	int k = 0;
	if (p->ttft_ms >= 0 && k++ < nfig) {
		units_ms(p->ttft_ms, t, sizeof(t));
		buf_printf(b, " %s", t);
	}
	if (p->tps >= 0 && k++ < nfig) {
		units_tps(p->tps, p->tps_estimated, t, sizeof(t));
		buf_printf(b, " %s", t);
	}
	if (k++ < nfig) {
		char total[UNITS_MAX];
		units_count(p->active, false, t, sizeof(t));
		units_count(p->total, false, total, sizeof(total));
		buf_printf(b, " %s/%s", t, total);
	}
}

static int figure_count(const struct provider_status *p)
{
	return (p->ttft_ms >= 0) + (p->tps >= 0) + 1;
}

/* The providers in the order they are drawn: the current one first, then
 * the others as p[] has them. Returns how many; *cur says whether order[0]
 * is the current one. */
static int draw_order(const struct status *s, int *order, bool *cur)
{
	int n = 0, np = s->np < STATUS_MAX_PROVIDERS ? s->np : STATUS_MAX_PROVIDERS;
	*cur = false;
	for (int i = 0; i < np && !*cur; i++)
		if (s->p[i].current) {
			order[n++] = i;
			*cur = true;
		}
	for (int i = 0; i < np; i++)
		if (!(*cur && i == order[0]))
			order[n++] = i;
	return n;
}

/* The left part: the first `shown` providers of order, the current one
 * with its first nfig figures, the others whole; a trailing ellipsis when
 * something was left out. Returns its width. */
static size_t left_part(const struct status *s, const int *order, int shown, bool cur, int nfig,
                        bool cut, struct buf *out)
{
	buf_reset(out);
	for (int i = 0; i < shown; i++) {
		const struct provider_status *p = &s->p[order[i]];
		if (i > 0)
			buf_printf(out, " %s ", glyph->vrule);
		segment_head(p, out);
		segment_figures(p, i == 0 && cur ? nfig : FIGURES, out);
	}
	if (cut)
		buf_printf(out, "%s%s", shown > 0 ? " " : "", glyph->ellipsis);
	return width_str(buf_str(out), out->len);
}

/* Fills left with the most that fits in room cells beside `need` cells of
 * the right part: other providers go first, from the end, then the
 * current one's figures, from the right. false when even its head and
 * the right part do not fit together (left then holds the head). */
static bool fit_left(const struct status *s, size_t room, size_t need, struct buf *left)
{
	int order[STATUS_MAX_PROVIDERS];
	bool cur;
	int n = draw_order(s, order, &cur);
	int figs = cur ? figure_count(&s->p[order[0]]) : 0;
	for (int shown = n; shown >= (cur ? 1 : 0); shown--)
		if (left_part(s, order, shown, cur, figs, shown < n, left) + need <= room)
			return true;
	for (int k = figs - 1; k >= 0; k--)
		if (left_part(s, order, 1, cur, k, true, left) + need <= room)
			return true;
	int shown = cur ? 1 : 0;
	bool cut = n > shown || figs > 0;
	if (left_part(s, order, shown, cur, 0, cut, left) > room && cut)
		left_part(s, order, shown, cur, 0, false, left); /* the head alone, if it fits */
	return false;
}

/* b cut to its first n bytes (n <= len). */
static void cut_to(struct buf *b, size_t n)
{
	b->len = n;
	if (b->data != NULL)
		b->data[n] = '\0';
}

/* Nothing fits whole: the left part (the current provider's head) stays,
 * cut only when wider than the line; the right part is shortened, or goes.
 * Sets the widths of both. */
static void squeeze(struct buf *left, struct buf *right, size_t room, size_t *lw, size_t *rw)
{
	size_t ew = width_str(glyph->ellipsis, strlen(glyph->ellipsis));
	*lw = width_str(buf_str(left), left->len);
	if (*lw > room) {
		size_t keep = room > ew ? room - ew : room;
		cut_to(left, width_cut(buf_str(left), left->len, keep, lw));
		if (room > ew) {
			buf_append_str(left, glyph->ellipsis);
			*lw += ew;
		}
	}
	*rw = 0;
	/* A stub of a name says nothing: three cells of it at least. */
	if (right->len > 0 && *lw + 1 + 3 + ew <= room) {
		cut_to(right, width_cut(buf_str(right), right->len, room - *lw - 1 - ew, rw));
		buf_append_str(right, glyph->ellipsis);
		*rw += ew;
	}
}

void statusbar_format(const struct status *s, int cols, struct buf *out)
{
	if (cols < 2)
		return;
	/* The screen's last cell stays empty: writing it can scroll some
	 * terminals. */
	size_t room = (size_t)cols - 1;
	struct buf right, left;
	buf_init(&right, 0);
	buf_init(&left, 0);
	if (s->notice[0] != '\0')
		buf_printf(&right, "%s %s ", s->notice, glyph->vrule);
	buf_append_str(&right, s->model);
	size_t rw = width_str(buf_str(&right), right.len), lw;
	if (fit_left(s, room, rw > 0 ? rw + 1 : 0, &left))
		lw = width_str(buf_str(&left), left.len);
	else
		squeeze(&left, &right, room, &lw, &rw);
	buf_append(out, left.data, left.len);
	if (rw > 0) {
		for (size_t i = lw + rw; i < room; i++)
			buf_append_char(out, ' ');
		buf_append(out, right.data, right.len);
	}
	buf_done(&right);
	buf_done(&left);
}

void statusbar_draw(const struct status *s, WINDOW *w)
{
	int rows, cols;
	getmaxyx(w, rows, cols);
	(void)rows;
	struct buf line;
	buf_init(&line, 0);
	statusbar_format(s, cols, &line);
	/* The line as last drawn: most frames (a token each) change nothing
	 * here, and drawing it costs more than the token. A window that is new
	 * or was touched is drawn whatever it held. There is one status bar. */
	static struct buf last;
	static attr_t last_attr;
	attr_t attr = theme_attr(THEME_STATUS);
	if (!is_wintouched(w) && attr == last_attr && line.len == last.len &&
	    memcmp(buf_str(&line), buf_str(&last), line.len) == 0) {
		buf_done(&line);
		return;
	}
	buf_reset(&last);
	buf_append(&last, line.data, line.len);
	last_attr = attr;
	werase(w);
	wbkgdset(w, theme_attr(THEME_STATUS) | ' ');
	wattrset(w, theme_attr(THEME_STATUS));
	wmove(w, 0, 0);
	for (int i = 0; i < cols; i++)
		waddch(w, ' ');
	wmove(w, 0, 0);
	waddnstr(w, buf_str(&line), (int)line.len);
	wattrset(w, 0);
	wnoutrefresh(w);
	buf_done(&line);
}
