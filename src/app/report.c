/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report: the --json object and the compare table of a headless run. */
#include "app/report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util/glyphs.h"
#include "util/jsonesc.h"
#include "util/sanitize.h"
#include "util/units.h"
#include "util/utf8.h"
#include "util/width.h"

/* A JSON string of arbitrary bytes (invalid UTF-8 repaired). */
static json_t *j_bytes(const char *s, size_t n)
{
	struct buf b;
	buf_init(&b, 0);
	utf8_repair(s, n, &b);
	json_t *v = json_stringn(buf_str(&b), b.len);
	buf_done(&b);
	return v;
}

static json_t *j_str(const char *s)
{
	return j_bytes(s, strlen(s));
}

/* Model text for JSON: sanitised unless raw, always valid UTF-8. */
static json_t *j_text(const struct buf *t, bool raw)
{
	struct buf b;
	buf_init(&b, 0);
	if (raw)
		utf8_repair(buf_str(t), t->len, &b);
	else
		sanitize_append(&b, buf_str(t), t->len);
	json_t *v = json_stringn(buf_str(&b), b.len);
	buf_done(&b);
	return v;
}

static json_t *j_ms(long long v)
{
	return v >= 0 ? json_integer(v) : json_null();
}

static void set(json_t *o, const char *k, json_t *v)
{
	json_object_set_new(o, k, v);
}

static json_t *error_json(const struct report_row *r)
{
	if (r->error == NULL)
		return json_null();
	const struct wire_error *e = r->error;
	json_t *je = json_object();
	set(je, "kind", json_string(wire_error_kind_name(e->kind)));
	set(je, "code", j_str(e->code));
	set(je, "message", j_str(r->error_line ? r->error_line : ""));
	set(je, "http_status", e->http_status > 0 ? json_integer(e->http_status) : json_null());
	return je;
}

static void figures_json(json_t *o, const struct reply_metrics *f)
{
	static const char *const outcomes[] = {"live", "ok", "error", "cancelled"};
	set(o, "outcome", json_string(outcomes[f->outcome]));
	set(o, "output_tokens", json_integer(f->tokens_out));
	set(o, "output_tokens_estimated", json_boolean(f->out_estimated));
	set(o, "tokens_in", json_integer(f->tokens_in));
	set(o, "tokens_in_estimated", json_boolean(f->in_estimated));
	set(o, "tokens_out", json_integer(f->tokens_out));
	set(o, "tokens_out_estimated", json_boolean(f->out_estimated));
	set(o, "tokens_thinking", json_integer(f->tokens_thinking));
	set(o, "tokens_thinking_estimated", json_boolean(f->thinking_estimated));
	set(o, "ttfb_ms", j_ms(f->ttfb));
	set(o, "ttft_ms", j_ms(f->ttft));
	set(o, "ttfo_ms", j_ms(f->ttfo));
	set(o, "total_ms", j_ms(f->total));
	set(o, "max_gap_ms", j_ms(f->max_gap));
	set(o, "tokens_per_second", f->tps >= 0 ? json_real(f->tps) : json_null());
	set(o, "tokens_per_second_estimated", json_boolean(f->tps_estimated));
	set(o, "cost_usd", f->cost >= 0 ? json_real(f->cost) : json_null());
	set(o, "cost_estimated", json_boolean(f->cost_estimated));
}

/* The usage as the provider reported it, or null. */
static json_t *usage_json(const struct wire_usage *usage)
{
	if (usage == NULL)
		return json_null();
	json_t *u = json_object();
	set(u, "input", j_ms(usage->input));
	set(u, "output", j_ms(usage->output));
	return u;
}

/* The sources a reply cited: [{"url":…,"title":…}], [] for none. */
static json_t *sources_json(const struct sources *s)
{
	json_t *a = json_array();
	for (size_t i = 0; s != NULL && i < s->n; i++) {
		json_t *o = json_object();
		set(o, "url", j_str(s->v[i].url));
		set(o, "title", j_str(s->v[i].title));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *row_json(const struct report_row *r, bool win_ttft, bool win_tps)
{
	json_t *o = json_object();
	set(o, "model", j_str(r->model));
	set(o, "label", j_str(r->label));
	set(o, "provider", j_str(r->provider));
	set(o, "text", j_text(r->text, r->raw));
	set(o, "thinking", j_text(r->thinking, false));
	set(o, "sources", sources_json(r->sources));
	set(o, "stop", r->f->stop[0] ? j_str(r->f->stop) : json_null());
	set(o, "usage", usage_json(r->usage));
	figures_json(o, r->f);
	set(o, "winner_ttft", json_boolean(win_ttft));
	set(o, "winner_tokens_per_second", json_boolean(win_tps));
	set(o, "error", error_json(r));
	return o;
}

/* One aggregate (model/metrics) as --json shows it. */
static json_t *agg_json(const struct metrics_agg *g)
{
	json_t *o = json_object();
	set(o, "name", j_str(g->name));
	set(o, "count", json_integer(g->count));
	set(o, "active", json_integer(g->active));
	set(o, "errors", json_integer(g->errors));
	set(o, "cancelled", json_integer(g->cancelled));
	set(o, "ttft_p50_ms", j_ms(metrics_agg_ttft(g, 50)));
	set(o, "ttft_p95_ms", j_ms(metrics_agg_ttft(g, 95)));
	double tps = metrics_agg_tps(g, 50);
	set(o, "tokens_per_second_p50", tps >= 0 ? json_real(tps) : json_null());
	set(o, "breaker_trips", json_integer((json_int_t)g->breaker_trips));
	set(o, "tokens_in", json_integer(g->tokens_in));
	set(o, "tokens_out", json_integer(g->tokens_out));
	set(o, "tokens_thinking", json_integer(g->tokens_thinking));
	set(o, "tokens_estimated", json_boolean(g->tokens_estimated));
	set(o, "cost_usd", g->priced > 0 ? json_real(g->cost) : json_null());
	set(o, "cost_estimated", json_boolean(g->cost_estimated));
	return o;
}

static json_t *aggs_json(const struct metrics_agg *g, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, agg_json(&g[i]));
	return a;
}


/* v as JSON text and a newline to out, v freed. jansson leaves DEL, C1 and
 * the bidi controls raw: hardened (util/jsonesc) before out. */
static void put_json(json_t *v, size_t flags, FILE *out)
{
	char *text = json_dumps(v, flags);
	struct buf b;
	buf_init(&b, 0);
	if (text != NULL)
		jsonesc_harden(&b, text, strlen(text));
	buf_append_char(&b, '\n');
	fwrite(b.data, 1, b.len, out);
	buf_done(&b);
	free(text);
	json_decref(v);
}

/* The winners among the rows (metrics_best_*), -1 for none. */
static void winners(const struct report_row *rows, size_t n, int *ttft, int *tps)
{
	const struct reply_metrics *fin[64];
	size_t k = n < 64 ? n : 64;
	for (size_t i = 0; i < k; i++)
		fin[i] = rows[i].f;
	*ttft = k > 1 ? metrics_best_ttft(fin, k) : -1;
	*tps = k > 1 ? metrics_best_tps(fin, k) : -1;
}

void report_json(const struct report_row *rows, size_t n, const struct metrics *metrics,
                 FILE *out)
{
	int bt, bp;
	winners(rows, n, &bt, &bp);
	json_t *root = json_object();
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, row_json(&rows[i], (int)i == bt, (int)i == bp));
	set(root, "models", arr);
	set(root, "providers", aggs_json(metrics->prov, metrics->nprov));
	set(root, "models_summary", aggs_json(metrics->model, metrics->nmodel));
	set(root, "totals", agg_json(&metrics->total));
	json_t *win = json_object();
	set(win, "ttft", bt >= 0 ? j_str(rows[bt].label) : json_null());
	set(win, "tokens_per_second", bp >= 0 ? j_str(rows[bp].label) : json_null());
	set(root, "winners", win);
	put_json(root, JSON_INDENT(2), out);
}

/* One --jsonl line: the head every line has (app/jsonl), then o's keys;
 * compact, hardened, o freed. */
static void jsonl_line(const struct report_row *r, const char *kind, long long t_ms, json_t *o,
                       FILE *out)
{
	json_t *line = json_object();
	set(line, "label", j_str(r->label));
	set(line, "model", j_str(r->model));
	set(line, "provider", j_str(r->provider));
	set(line, "kind", json_string(kind));
	set(line, "t_ms", json_integer(t_ms));
	json_object_update(line, o);
	json_decref(o);
	put_json(line, JSON_COMPACT, out);
}

void report_jsonl_end(const struct report_row *r, long long t_ms, FILE *out)
{
	if (r->error != NULL) {
		json_t *e = json_object();
		set(e, "text", j_str(r->error_line ? r->error_line : ""));
		set(e, "error", error_json(r));
		jsonl_line(r, "error", t_ms, e, out);
	}
	json_t *o = json_object();
	set(o, "stop", r->f->stop[0] ? j_str(r->f->stop) : json_null());
	set(o, "usage", usage_json(r->usage));
	figures_json(o, r->f);
	set(o, "error", error_json(r));
	jsonl_line(r, "done", t_ms, o, out);
}

/* printf pads by bytes: the field width that pads s to cols cells. */
static int pad(const char *s, int cols)
{
	size_t n = strlen(s);
	return cols + (int)(n - width_str(s, n));
}

static void table_row(const struct report_row *r, bool win_ttft, bool win_tps, FILE *out)
{
	const struct reply_metrics *f = r->f;
	char name[96], ttfb[UNITS_MAX], ttft[UNITS_MAX + 4], total[UNITS_MAX];
	char tps[UNITS_MAX + 4], in[UNITS_MAX], outc[UNITS_MAX], cost[UNITS_MAX];
	if (r->provider == NULL) /* a blind compare: its letter */
		snprintf(name, sizeof(name), "%s", r->label);
	else
		snprintf(name, sizeof(name), "%s:%s", r->provider, r->model);
	units_ms(f->ttfb, ttfb, sizeof(ttfb));
	units_ms(f->ttft, ttft, UNITS_MAX);
	units_ms(f->total, total, sizeof(total));
	/* The table's header names the unit: the rate's number alone. */
	if (f->tps >= 0)
		snprintf(tps, UNITS_MAX, "%s%.1f", f->tps_estimated ? glyph->approx : "", f->tps);
	else
		snprintf(tps, UNITS_MAX, "-");
	if (win_ttft)
		snprintf(ttft + strlen(ttft), sizeof(ttft) - strlen(ttft), "%s", glyph->star);
	if (win_tps)
		snprintf(tps + strlen(tps), sizeof(tps) - strlen(tps), "%s", glyph->star);
	units_count(f->tokens_in, f->in_estimated, in, sizeof(in));
	units_count(f->tokens_out, f->out_estimated, outc, sizeof(outc));
	units_cost(f->cost, f->cost_estimated, cost, sizeof(cost));
	const char *stop = r->error ? wire_error_kind_name(r->error->kind) : f->stop[0] ? f->stop : "-";
	/* The stop reason passed util/untrusted as it left the stream. */
	fprintf(out, "%-28s %8s %*s %8s %*s %*s %*s %*s  %s\n", name, ttfb, pad(ttft, 9), ttft, total,
	        pad(tps, 9), tps, pad(in, 7), in, pad(outc, 7), outc, pad(cost, 9), cost, stop);
}

void report_table(const struct report_row *rows, size_t n, FILE *out)
{
	int bt, bp;
	winners(rows, n, &bt, &bp);
	fprintf(out, "%-28s %8s %9s %8s %9s %7s %7s %9s  %s\n", "model", "ttfb", "ttft", "total",
	        "tok/s", "in", "out", "cost", "stop");
	for (size_t i = 0; i < n; i++)
		table_row(&rows[i], (int)i == bt, (int)i == bp, out);
}
