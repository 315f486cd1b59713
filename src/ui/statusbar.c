/* SPDX-License-Identifier: GPL-3.0-or-later */
/* statusbar: per-provider health on one line. */
#include "ui/statusbar.h"

#include <stdio.h>
#include <string.h>

#include "ui/theme.h"
#include "util/width.h"

static const char *glyph(enum provider_health h)
{
	switch (h) {
	case HEALTH_OK: return "●";
	case HEALTH_ERROR: return "✖";
	case HEALTH_OPEN: return "◌";
	case HEALTH_HALFOPEN: return "◐";
	case HEALTH_IDLE: break;
	}
	return "○";
}

static void segment(const struct provider_status *p, struct buf *b)
{
	buf_printf(b, "%s %s", p->name, glyph(p->health));
	if (p->health == HEALTH_OPEN) {
		/* DESIGN.md: "google ◌ open 27s" — the countdown to its probe. */
		buf_printf(b, " open %llds", p->open_ms >= 0 ? (p->open_ms + 999) / 1000 : 0);
		return;
	}
	if (p->health == HEALTH_HALFOPEN)
		buf_append_str(b, " probing");
	if (p->ttft_ms >= 0)
		buf_printf(b, " %lldms", p->ttft_ms);
	if (p->tps >= 0)
		buf_printf(b, " %.0ft/s", p->tps);
	buf_printf(b, " %u/%u", p->active, p->total);
	if (p->stall_ms >= 2000)
		buf_printf(b, " stalled %llds", p->stall_ms / 1000);
}

void statusbar_format(const struct status *s, int cols, struct buf *out)
{
	struct buf right, seg;
	buf_init(&right, 0);
	buf_init(&seg, 0);
	buf_printf(&right, "%s%s%s", s->notice, s->notice[0] ? " │ " : "", s->model);
	size_t rw = width_str(buf_str(&right), right.len);
	size_t room = cols > 0 ? (size_t)cols : 0;
	size_t used = 0;
	for (int i = 0; i < s->np; i++) {
		buf_reset(&seg);
		if (i > 0)
			buf_append_str(&seg, " │ ");
		segment(&s->p[i], &seg);
		size_t w = width_str(buf_str(&seg), seg.len);
		if (used + w + (rw ? rw + 2 : 0) > room) {
			if (used + 2 <= room) {
				buf_append_str(out, " …");
				used += 2;
			}
			break;
		}
		buf_append(out, seg.data, seg.len);
		used += w;
	}
	if (rw > 0 && used + 2 < room) {
		/* Right-aligned, shortened if it must be; the screen's last cell
		 * stays empty (writing it can scroll some terminals). */
		size_t cut_w;
		size_t cut = width_cut(buf_str(&right), right.len, room - used - 2, &cut_w);
		for (size_t i = used + cut_w; i < room - 1; i++)
			buf_append_char(out, ' ');
		buf_append(out, right.data, cut);
	}
	buf_done(&right);
	buf_done(&seg);
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
