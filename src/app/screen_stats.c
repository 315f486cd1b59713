/* SPDX-License-Identifier: GPL-3.0-or-later */
/* screen_stats: the /stats view: per provider and per provider:model the
 * session's figures, then its totals; live while replies stream. */
#include "app/screen_core.h"

#include <stdio.h>
#include <string.h>

#include "util/glyphs.h"
#include "util/units.h"
#include "util/width.h"

#define NAME_COLS 24

/* s in exactly cols cells: cut with an ellipsis when longer, padded. */
static void cell(struct buf *b, const char *s, size_t cols)
{
	size_t n = strlen(s), w = width_str(s, n);
	if (w > cols) {
		size_t ew = width_str(glyph->ellipsis, strlen(glyph->ellipsis));
		size_t cut_w;
		size_t cut = width_cut(s, n, cols - ew, &cut_w);
		buf_append(b, s, cut);
		buf_append_str(b, glyph->ellipsis);
		w = cut_w + ew;
	} else {
		buf_append(b, s, n);
	}
	for (; w < cols; w++)
		buf_append_char(b, ' ');
}

/* One row: an aggregate's figures; breaker NULL for a model's row (its
 * provider's breaker is on the provider's row). */
static void stats_row(struct buf *b, const struct metrics_agg *g, const char *breaker)
{
	char p50[UNITS_MAX], p95[UNITS_MAX], tps[UNITS_MAX], in[UNITS_MAX], out[UNITS_MAX];
	char cost[UNITS_MAX], trips[24] = "-", replies[32];
	units_ms(metrics_agg_ttft(g, 50), p50, sizeof(p50));
	units_ms(metrics_agg_ttft(g, 95), p95, sizeof(p95));
	double t = metrics_agg_tps(g, 50);
	if (t >= 0)
		snprintf(tps, sizeof(tps), "%.1f", t);
	else
		snprintf(tps, sizeof(tps), "-");
	units_count(g->tokens_in, g->tokens_estimated, in, sizeof(in));
	units_count(g->tokens_out, g->tokens_estimated, out, sizeof(out));
	units_cost(g->priced > 0 ? g->cost : -1, g->cost_estimated, cost, sizeof(cost));
	if (breaker != NULL)
		snprintf(trips, sizeof(trips), "%lu", g->breaker_trips);
	snprintf(replies, sizeof(replies), "%u/%u", g->active, g->count + g->active);
	cell(b, g->name, NAME_COLS);
	buf_printf(b, " %8s %4u  %7s %7s  %7s  %5s  %-9s %7s/%-7s %10s  ", replies, g->errors, p50,
	           p95, tps, trips, breaker ? breaker : "", in, out, cost);
	metrics_sparkline(g, 16, b);
	buf_append_char(b, '\n');
}

static void head(struct buf *b, const char *first, const char *breaker)
{
	buf_printf(b, "%-24s %8s %4s  %7s %7s  %7s  %5s  %-9s %15s %10s  %s\n", first, "replies",
	           "err", "ttft p50", "p95", "tok/s", "trips", breaker, "tokens in/out", "cost",
	           "recent ttft");
}

/* The breaker's state as a word: "closed", "open 27s", "disabled". */
static void breaker_word(struct screen *sc, struct provider *p, long long now, char *out,
                         size_t n)
{
	const struct breaker *br = router_breaker(sc->s.rt, p);
	const struct router_counts *rc = router_counts(sc->s.rt, p);
	snprintf(out, n, "-");
	if (br != NULL) {
		enum breaker_state st = breaker_state(br, now);
		if (st == BREAKER_OPEN)
			snprintf(out, n, "open %llds", (breaker_remaining_ms(br, now) + 999) / 1000);
		else
			snprintf(out, n, "%s", breaker_state_name(st));
		metrics_set_trips(&sc->metrics, p->name, breaker_trips(br));
	}
	if (rc && rc->disabled)
		snprintf(out, n, "disabled");
}

/* The router's last error: the server's words passed util/untrusted as
 * they left the stream (net/stream.c), redacted and one line. */
static void last_error(struct buf *b, const char *text)
{
	buf_printf(b, "%-24s last error: %s\n", "", text);
}

static void provider_rows(struct screen *sc, long long now, struct buf *b)
{
	for (int i = 0; i < sc->nstats; i++) {
		struct provider *p = sc->stats[i].p;
		char state[24];
		breaker_word(sc, p, now, state, sizeof(state));
		const struct breaker *br = router_breaker(sc->s.rt, p);
		const struct router_counts *rc = router_counts(sc->s.rt, p);
		const struct metrics_agg *g = metrics_provider(&sc->metrics, p->name);
		if (g != NULL)
			stats_row(b, g, state);
		if (rc && (rc->retries || rc->fallbacks || br != NULL))
			buf_printf(b, "%-24s retries %u · fallbacks %u · consecutive failures %d\n", "",
			           rc->retries, rc->fallbacks, br ? breaker_consecutive_failures(br) : 0);
		if (rc && rc->last_error[0])
			last_error(b, rc->last_error);
	}
}

void screen_stats_text(struct screen *sc, long long now, struct buf *b)
{
	if (sc->stats_history != NULL) {
		buf_append_str(b, sc->stats_history);
		return;
	}
	buf_append_str(b, "stats of this session · Esc or /stats closes\n\n");
	head(b, "provider", "breaker");
	provider_rows(sc, now, b);
	if (sc->metrics.nmodel > 0) {
		buf_append_char(b, '\n');
		head(b, "provider:model", "");
		for (size_t i = 0; i < sc->metrics.nmodel; i++)
			stats_row(b, &sc->metrics.model[i], NULL);
	}
	const struct metrics_agg *t = &sc->metrics.total;
	char in[UNITS_MAX], out[UNITS_MAX], cost[UNITS_MAX];
	units_count(t->tokens_in, t->tokens_estimated, in, sizeof(in));
	units_count(t->tokens_out, t->tokens_estimated, out, sizeof(out));
	buf_printf(b, "\nsession: %u repl%s (%u streaming) · %u error%s · %u cancelled · tokens in %s "
	           "out %s", t->count, t->count == 1 ? "y" : "ies", t->active, t->errors,
	           t->errors == 1 ? "" : "s", t->cancelled, in, out);
	if (t->priced > 0) {
		units_cost(t->cost, t->cost_estimated, cost, sizeof(cost));
		buf_printf(b, " · cost %s", cost);
	} else {
		buf_append_str(b, " · cost - (no [price.MODEL] for these models)");
	}
	if (t->count == 0 && t->active == 0)
		buf_append_str(b, "\n\n(nothing sent yet)");
}
