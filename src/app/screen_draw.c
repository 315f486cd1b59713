/* SPDX-License-Identifier: GPL-3.0-or-later */
/* screen_draw: one frame: the thread (or the columns, or /stats), the
 * rule, the input pane and the status bar, drawn once per loop turn with
 * only what changed. */
#include "app/screen_core.h"

#include <stdio.h>
#include <string.h>

#include "app/blind.h"
#include "app/reply_figures.h"
#include "net/stream.h"
#include "net/transport.h"
#include "ui/inputline.h"
#include "ui/statusbar.h"
#include "ui/transcript.h"
#include "util/width.h"

/* While text streams in, the status bar's figures are drawn again at most
 * this often (a frame per token would spend more on them than on the
 * token); a timer brings the last figures in, so they are never staler. */
#define STATUS_MS 50
#define BREAKER_TICK_MS 1000

struct pstat *screen_pstat(struct screen *sc, struct provider *p)
{
	for (int i = 0; i < sc->nstats; i++)
		if (sc->stats[i].p == p)
			return &sc->stats[i];
	if (sc->nstats == PROVIDERS_MAX)
		return &sc->stats[sc->nstats - 1];
	struct pstat *s = &sc->stats[sc->nstats++];
	s->p = p;
	s->health = HEALTH_IDLE;
	s->ttft = -1;
	s->tps = -1;
	return s;
}

static void tick_done(void *ctx, long long now)
{
	unsigned long *tick = ctx;
	(void)now;
	*tick = 0; /* the loop's frame after this draws what the timer was for */
}

/* A provider's breaker as the status bar shows it. Returns true when open
 * (its countdown needs a frame each second). */
static bool breaker_health(struct screen *sc, struct pstat *s, struct provider_status *p,
                           long long now)
{
	const struct breaker *br = router_breaker(sc->s.rt, s->p);
	if (br == NULL)
		return false;
	enum breaker_state bs = breaker_state(br, now);
	if (bs == BREAKER_OPEN) {
		p->health = HEALTH_OPEN;
		p->open_ms = breaker_remaining_ms(br, now);
		return true;
	}
	if (bs == BREAKER_HALF_OPEN)
		p->health = HEALTH_HALFOPEN;
	return false;
}

/* A provider's live streams: the newest figures, the shortest stall. */
static void live_figures(struct screen *sc, struct provider *prov, struct provider_status *p,
                         long long now)
{
	for (int k = -1; k < sc->ncol; k++) {
		const struct reply *rp = k < 0 ? sc->single : sc->col[k].live;
		/* Between attempts (a retry waiting) the stream is the failed
		 * one: nothing is stalled then. */
		if (rp == NULL || rp->done || routed_provider(rp->rr) != prov ||
		    stream_finished(routed_stream(rp->rr)))
			continue;
		struct reply_metrics f;
		screen_reply_figures(rp, &f);
		long long stall = metrics_stall(&f, now - stream_metrics(routed_stream(rp->rr))->t0);
		if (p->stall_ms < 0 || stall < p->stall_ms)
			p->stall_ms = stall;
		if (f.ttft >= 0 && f.tps >= 0) {
			p->ttft_ms = f.ttft;
			p->tps = f.tps;
			p->tps_estimated = f.tps_estimated;
		}
	}
}

/* The provider the current model goes to (NULL: it does not resolve). */
static struct provider *current_provider(struct screen *sc)
{
	struct provider *p;
	const char *m;
	char err[256];
	if (sc->ncol > 0)
		return NULL;
	return providers_resolve(sc->s.ps, sc->model, &p, &m, err, sizeof(err)) == 0 ? p : NULL;
}

static void fill_status(struct screen *sc, struct status *st, long long now)
{
	memset(st, 0, sizeof(*st));
	bool any_open = false;
	struct provider *cur = current_provider(sc);
	if (cur != NULL)
		screen_pstat(sc, cur); /* the provider in use shows, used or not */
	/* A blind compare: no provider shows (its health would name it). */
	for (int i = 0; i < sc->nstats && st->np < STATUS_MAX_PROVIDERS && !screen_blind(sc); i++) {
		struct pstat *s = &sc->stats[i];
		struct provider_status *p = &st->p[st->np++];
		snprintf(p->name, sizeof(p->name), "%s", s->p->name);
		p->health = s->health;
		p->current = s->p == cur;
		p->ttft_ms = s->ttft;
		p->tps = s->tps;
		p->tps_estimated = s->tps_estimated;
		/* Replies, as /stats counts them (a reply's retries are one). */
		const struct metrics_agg *g = metrics_provider(&sc->metrics, s->p->name);
		p->active = g ? g->active : 0;
		p->total = g ? g->count + g->active : 0;
		p->stall_ms = -1;
		p->open_ms = -1;
		any_open |= breaker_health(sc, s, p, now);
		live_figures(sc, s->p, p, now);
	}
	/* The countdown of an open breaker needs a redraw each second; the
	 * timer exists only while one is open. */
	if (any_open && sc->breaker_tick == 0)
		sc->breaker_tick = timer_add(sc->s.t, now + BREAKER_TICK_MS, tick_done, &sc->breaker_tick);
	if (sc->ncol > 0)
		snprintf(st->model, sizeof(st->model), "%scompare: %d models",
		         screen_blind(sc) ? "blind " : "", sc->ncol);
	else
		snprintf(st->model, sizeof(st->model), "%s", sc->model);
	snprintf(st->notice, sizeof(st->notice), "%s", sc->notice);
}

static const char *column_state(const struct column *c)
{
	switch (c->last.outcome) {
	case REPLY_OK: return "done";
	case REPLY_CANCELLED: return "cancelled";
	case REPLY_ERROR: return "error";
	case REPLY_LIVE: break;
	}
	return "idle";
}

/* The compare view: each column's header from its live or last reply; the
 * winners marked once every stream has ended. */
static void draw_columns(struct screen *sc)
{
	struct column_head heads[COMPARE_MAX];
	struct reply_metrics live[COMPARE_MAX], last[COMPARE_MAX];
	const struct reply_metrics *fin[COMPARE_MAX];
	char letters[COMPARE_MAX][4];
	enum blind_mode mask = screen_blind(sc) ? (enum blind_mode)sc->blind : BLIND_OFF;
	const struct conversation *convs[COMPARE_MAX];
	bool all_ended = true;
	for (int i = 0; i < sc->ncol; i++) {
		struct column *c = &sc->col[i];
		struct column_head *h = &heads[i];
		memset(h, 0, sizeof(*h));
		h->label = screen_blind_label(sc, i, c->model, letters[i]);
		fin[i] = NULL;
		convs[i] = &c->conv;
		if (c->live != NULL && !c->live->done) {
			screen_reply_figures(c->live, &live[i]);
			h->m = &live[i];
			h->state = live[i].ttft >= 0 ? "streaming" : "waiting";
			blind_mask(&live[i], mask); /* blind: no cost (strict: no times) */
			all_ended = false;
		} else if (c->has_last) {
			last[i] = c->last;
			blind_mask(&last[i], mask);
			h->m = fin[i] = &last[i];
			h->state = column_state(c);
		} else {
			h->state = "idle";
		}
	}
	if (all_ended) {
		int bt = metrics_best_ttft(fin, (size_t)sc->ncol);
		int bp = metrics_best_tps(fin, (size_t)sc->ncol);
		if (bt >= 0)
			heads[bt].win_ttft = true;
		if (bp >= 0)
			heads[bp].win_tps = true;
	}
	columns_draw(sc->cv, sc->tui.transcript, heads, convs, sc->ncol);
}

static void draw_stats(struct screen *sc, long long now, WINDOW *w)
{
	int rows, cols;
	getmaxyx(w, rows, cols);
	struct buf b;
	buf_init(&b, 0);
	screen_stats_text(sc, now, &b);
	werase(w);
	const char *p = buf_str(&b);
	for (int y = 0; y < rows && *p; y++) {
		size_t len = strcspn(p, "\n");
		size_t cut = width_cut(p, len, (size_t)cols, NULL);
		wattrset(w, y == 0 ? theme_attr(THEME_NOTICE) : 0);
		mvwaddnstr(w, y, 0, p, (int)cut);
		p += len + (p[len] == '\n');
	}
	wattrset(w, 0);
	wnoutrefresh(w);
	buf_done(&b);
}

/* The transcript's area: the thread, /stats or the columns take turns
 * there; each draws only what changed, so a switch draws the new one whole. */
static void draw_view(struct screen *sc, long long now)
{
	enum view view = sc->stats_view ? VIEW_STATS : sc->ncol > 0 ? VIEW_COLUMNS : VIEW_THREAD;
	if (view != sc->drawn_view) {
		touchwin(sc->tui.transcript);
		if (sc->cv != NULL)
			columns_release(sc->cv);
		sc->drawn_view = view;
	}
	if (view == VIEW_STATS)
		draw_stats(sc, now, sc->tui.transcript);
	else if (view == VIEW_COLUMNS)
		draw_columns(sc);
	else
		transcript_draw(sc->tr, &sc->conv, sc->tui.transcript);
}

/* Tab-Tab's choices: on the status bar when they fit, else in the thread. */
static void show_hint(struct screen *sc)
{
	const char *hint = inputline_take_hint();
	if (*hint == '\0')
		return;
	if (strlen(hint) < sizeof(sc->notice) &&
	    width_str(hint, strlen(hint)) + 24 < (size_t)sc->tui.cols)
		screen_note(sc, "%s", hint);
	else
		screen_say(sc, MSG_NOTICE, hint);
}

void screen_draw(struct screen *sc, long long now)
{
	show_hint(sc);
	int want = inputline_height(sc->tui.cols, tui_input_max(&sc->tui));
	if (want != sc->tui.input_rows || sc->relayout) {
		tui_layout(&sc->tui, want);
		inputline_set_screen_size(sc->tui.rows, sc->tui.cols);
		sc->relayout = false;
	}
	draw_view(sc, now);
	tui_draw_rule(&sc->tui);
	if (!sc->text_turn || now - sc->status_at >= STATUS_MS || is_wintouched(sc->tui.status)) {
		struct status st;
		fill_status(sc, &st, now);
		statusbar_draw(&st, sc->tui.status);
		sc->status_at = now;
	} else if (sc->status_tick == 0) {
		sc->status_tick = timer_add(sc->s.t, sc->status_at + STATUS_MS, tick_done, &sc->status_tick);
	}
	sc->text_turn = false;
	if (inputline_take_dirty() || is_wintouched(sc->tui.input))
		inputline_draw(sc->tui.input, theme_attr(THEME_PROMPT), theme_attr(THEME_INPUT));
	inputline_place_cursor(sc->tui.input);
	doupdate();
}
