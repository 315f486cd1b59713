/* SPDX-License-Identifier: GPL-3.0-or-later */
/* stats_print: the history's report as a table or JSON, and circuit
 * --stats (stats.c collects the figures). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app/output.h"
#include "app/stats.h"
#include "util/clock.h"
#include "util/glyphs.h"
#include "util/jsonesc.h"
#include "util/units.h"
#include "util/untrusted.h"
#include "util/width.h"

#define NAME_COLS 26

/* ---- the table ------------------------------------------------------------------ */

/* A name from the file in exactly cols cells: made safe for a terminal
 * (util/untrusted), cut with an ellipsis when longer, padded. */
static void name_cell(struct buf *b, const char *name, size_t cols)
{
	struct buf s;
	buf_init(&s, 0);
	untrusted_field(&s, name, strlen(name));
	const char *p = buf_str(&s);
	size_t n = s.len, w = width_str(p, n);
	if (w > cols) {
		size_t ew = width_str(glyph->ellipsis, strlen(glyph->ellipsis));
		size_t cut = width_cut(p, n, cols - ew, &w);
		buf_append(b, p, cut);
		buf_append_str(b, glyph->ellipsis);
		w += ew;
	} else {
		buf_append(b, p, n);
	}
	for (; w < cols; w++)
		buf_append_char(b, ' ');
	buf_done(&s);
}

/* The TTFT spread: a block per bucket, its height the bucket's share of
 * the row's fullest (glyph->blocks: ASCII outside UTF-8); a blank for an
 * empty bucket. */
static void spread(struct buf *b, const struct stats_row *w)
{
	unsigned max = 0;
	for (int i = 0; i < STATS_BUCKETS; i++)
		max = w->buckets[i] > max ? w->buckets[i] : max;
	for (int i = 0; i < STATS_BUCKETS; i++) {
		if (w->buckets[i] == 0 || max == 0) {
			buf_append_char(b, ' ');
			continue;
		}
		unsigned level = (w->buckets[i] * 8 + max - 1) / max; /* 1..8 */
		buf_append_str(b, glyph->blocks[level - 1]);
	}
}

static void head(struct buf *b)
{
	buf_printf(b, "%-*s %7s %4s %8s %7s %8s %6s %15s %10s %4s  %s\n", NAME_COLS,
	           "provider:model", "replies", "err", "ttft p50", "p95", "ttfo p50", "tok/s",
	           "tokens in/out", "cost", "brk", "ttft spread");
}

static void kinds_line(struct buf *b, const struct stats_row *w)
{
	buf_printf(b, "%-*s errors: ", NAME_COLS, "");
	for (int i = 0; i < w->nkinds; i++)
		buf_printf(b, "%s%s %u", i > 0 ? " " : "", w->kinds[i].name, w->kinds[i].n);
	buf_append_char(b, '\n');
}

static void row_text(struct buf *b, const struct stats_row *w)
{
	char p50[UNITS_MAX], p95[UNITS_MAX], fo[UNITS_MAX], tps[UNITS_MAX] = "-";
	char in[UNITS_MAX], out[UNITS_MAX], cost[UNITS_MAX], io[2 * UNITS_MAX + 1];
	units_ms(w->ttft_p50, p50, sizeof(p50));
	units_ms(w->ttft_p95, p95, sizeof(p95));
	units_ms(w->ttfo_p50, fo, sizeof(fo));
	if (w->tps_p50 >= 0)
		snprintf(tps, sizeof(tps), "%.1f", w->tps_p50);
	units_count(w->tokens_in, w->tokens_estimated, in, sizeof(in));
	units_count(w->tokens_out, w->tokens_estimated, out, sizeof(out));
	snprintf(io, sizeof(io), "%s/%s", in, out);
	units_cost(w->priced > 0 ? w->cost : -1, w->cost_estimated, cost, sizeof(cost));
	name_cell(b, w->name, NAME_COLS);
	/* "≈" is one column in three bytes: the cells that may hold one are
	 * padded by their width, not their bytes */
	buf_printf(b, " %7u %4u %8s %7s %8s %6s ", w->replies, w->errors, p50, p95, fo, tps);
	for (size_t c = width_str(io, strlen(io)); c < 15; c++)
		buf_append_char(b, ' ');
	buf_printf(b, "%s ", io);
	for (size_t c = width_str(cost, strlen(cost)); c < 10; c++)
		buf_append_char(b, ' ');
	buf_printf(b, "%s %4u  ", cost, w->breaker_failures);
	spread(b, w);
	buf_append_char(b, '\n');
	if (w->nkinds > 0)
		kinds_line(b, w);
}

static void title(struct buf *b, const struct stats_report *r)
{
	char since[32];
	units_date(r->q.since, since, sizeof(since));
	buf_printf(b, "replies in the history%s%s%s%s%s %s sorted by %s\n\n",
	           r->q.since > 0 ? " since " : "", r->q.since > 0 ? since : "",
	           r->q.model ? " of \"" : "", r->q.model ? r->q.model : "",
	           r->q.model ? "\"" : "", glyph->dot, stats_sort_name(r->q.sort));
}

void stats_text(const struct stats_report *r, struct buf *out)
{
	struct buf b;
	buf_init(&b, 0);
	title(&b, r);
	if (r->n == 0) {
		buf_append_str(&b, "(no replies)\n");
	} else {
		head(&b);
		for (size_t i = 0; i < r->n; i++)
			row_text(&b, &r->v[i]);
		buf_printf(&b, "\n%u repl%s %s %u error%s\n", r->replies, r->replies == 1 ? "y" : "ies",
		           glyph->dot, r->errors, r->errors == 1 ? "" : "s");
		buf_append_str(&b, "ttft spread: replies by time to first token, under 50, 100, 200, "
		               "500 ms, 1, 2, 5 s, and over\nbrk: errors that count toward a breaker "
		               "(the history does not store the trips themselves)\n");
	}
	/* the title and notes are circuit's own words: ASCII outside UTF-8 */
	glyphs_text(buf_str(&b), out);
	buf_done(&b);
}

/* ---- JSON ----------------------------------------------------------------------- */


static void json_ms(struct buf *b, long long v)
{
	if (v < 0)
		buf_append_str(b, "null");
	else
		buf_printf(b, "%lld", v);
}

static void json_str(struct buf *b, const char *s)
{
	jsonesc_append(b, s, strlen(s));
}

static void row_json_figures(struct buf *b, const struct stats_row *w)
{
	buf_append_str(b, ",\"ttft_ms\":{\"p50\":");
	json_ms(b, w->ttft_p50);
	buf_append_str(b, ",\"p95\":");
	json_ms(b, w->ttft_p95);
	buf_printf(b, ",\"n\":%zu},\"ttfo_ms\":{\"p50\":", w->nttft);
	json_ms(b, w->ttfo_p50);
	buf_printf(b, ",\"n\":%zu},\"tokens_per_second\":{\"p50\":", w->nttfo);
	jsonesc_number(b, w->tps_p50);
	buf_printf(b, ",\"n\":%zu},\"tokens_in\":%lld,\"tokens_out\":%lld,"
	           "\"tokens_estimated\":%s,\"cost_usd\":", w->ntps, w->tokens_in, w->tokens_out,
	           w->tokens_estimated ? "true" : "false");
	jsonesc_number(b, w->priced > 0 ? w->cost : -1);
	buf_printf(b, ",\"priced\":%u,\"cost_estimated\":%s,\"ttft_buckets\":[", w->priced,
	           w->cost_estimated ? "true" : "false");
	for (int i = 0; i < STATS_BUCKETS; i++)
		buf_printf(b, "%s%u", i > 0 ? "," : "", w->buckets[i]);
	buf_append_str(b, "]}");
}

static void row_json(struct buf *b, const struct stats_row *w)
{
	buf_append_str(b, "{\"name\":");
	json_str(b, w->name);
	buf_append_str(b, ",\"provider\":");
	json_str(b, w->provider);
	buf_append_str(b, ",\"model\":");
	json_str(b, w->model);
	buf_printf(b, ",\"replies\":%u,\"ok\":%u,\"errors\":%u,\"cancelled\":%u,\"error_kinds\":{",
	           w->replies, w->ok, w->errors, w->cancelled);
	for (int i = 0; i < w->nkinds; i++) {
		buf_append_str(b, i > 0 ? "," : "");
		json_str(b, w->kinds[i].name);
		buf_printf(b, ":%u", w->kinds[i].n);
	}
	buf_printf(b, "},\"breaker_failures\":%u", w->breaker_failures);
	row_json_figures(b, w);
}

void stats_json(const struct stats_report *r, struct buf *b)
{
	buf_append_str(b, "{\"since\":");
	if (r->q.since > 0)
		buf_printf(b, "%lld", r->q.since);
	else
		buf_append_str(b, "null");
	buf_append_str(b, ",\"model\":");
	if (r->q.model != NULL)
		json_str(b, r->q.model);
	else
		buf_append_str(b, "null");
	buf_printf(b, ",\"sort\":\"%s\",\"replies\":%u,\"errors\":%u,\"ttft_bucket_edges_ms\":[",
	           stats_sort_name(r->q.sort), r->replies, r->errors);
	for (int i = 0; i < STATS_BUCKETS - 1; i++)
		buf_printf(b, "%s%lld", i > 0 ? "," : "", stats_bucket_edges[i]);
	buf_append_str(b, "],\"models\":[");
	for (size_t i = 0; i < r->n; i++) {
		buf_append_str(b, i > 0 ? ",\n" : "\n");
		row_json(b, &r->v[i]);
	}
	buf_append_str(b, r->n > 0 ? "\n]}\n" : "]}\n");
}

/* ---- circuit --stats ------------------------------------------------------------ */

/* The history read-only; *none set (and NULL) when there is no file yet:
 * an empty report, not an error. NULL after a line on stderr otherwise. */
static struct history *open_quietly(const char *path, bool *none)
{
	char buf[1024], err[512];
	*none = false;
	const char *p = path ? path : history_default_path(buf, sizeof(buf));
	if (p == NULL) {
		fputs("circuit: neither XDG_DATA_HOME nor HOME says where the history is; set one\n",
		      stderr);
		return NULL;
	}
	struct stat st;
	if (stat(p, &st) < 0 && errno == ENOENT) {
		*none = true;
		return NULL;
	}
	struct history *h = history_open_readonly(p, err, sizeof(err)); /* reads only */
	if (h == NULL)
		fprintf(stderr, "circuit: %s\n", err);
	return h;
}

/* The query from the command line's words. 0, or 2 after a line. */
static int query_of(struct stats_query *q, const char *since, const char *model,
                    const char *sort, long long now)
{
	memset(q, 0, sizeof(*q));
	q->model = model;
	if (since != NULL && clock_since(since, now, &q->since) < 0) {
		fprintf(stderr, "circuit: --since takes 30m, 24h, 7d, 2w or a date (2026-12-01), not "
		        "\"%s\"; try --since 7d\n", since);
		return 2;
	}
	if (sort != NULL && stats_parse_sort(sort, &q->sort) < 0) {
		fprintf(stderr, "circuit: --sort takes replies, ttft, tps or cost, not \"%s\"; try "
		        "--sort ttft\n", sort);
		return 2;
	}
	return 0;
}

int stats_cli(const char *path, const char *since, const char *model, const char *sort, bool json,
              long long now)
{
	struct stats_query q;
	int rc = query_of(&q, since, model, sort, now);
	if (rc != 0)
		return rc;
	bool none;
	struct history *h = open_quietly(path, &none);
	if (h == NULL && !none)
		return 1;
	struct stats_report r;
	if (stats_collect(h, &q, &r) < 0) {
		fprintf(stderr, "circuit: %s; check the file with sqlite3, or move it away\n",
		        history_error(h));
		history_close(h);
		return 1;
	}
	history_close(h);
	struct buf b;
	buf_init(&b, 0);
	if (json)
		stats_json(&r, &b);
	else
		stats_text(&r, &b);
	fwrite(buf_str(&b), 1, b.len, stdout);
	output_note(stdout);
	buf_done(&b);
	stats_report_done(&r);
	return output_status();
}
