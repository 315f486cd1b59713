/* SPDX-License-Identifier: GPL-3.0-or-later */
/* stats: the history's figures per provider:model, collected and sorted
 * (stats_print.c writes them as a table or JSON, and runs --stats). */
#include "app/stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/metrics.h"
#include "route/retry.h"
#include "wire/event.h"
#include "util/mem.h"

const long long stats_bucket_edges[STATS_BUCKETS - 1] = {50, 100, 200, 500, 1000, 2000, 5000};

/* ---- the words of the command line ---------------------------------------------- */

static const char *const sort_names[] = {
    [STATS_BY_REPLIES] = "replies",
    [STATS_BY_TTFT] = "ttft",
    [STATS_BY_TPS] = "tps",
    [STATS_BY_COST] = "cost",
};

int stats_parse_sort(const char *s, enum stats_sort *out)
{
	for (size_t i = 0; s != NULL && i < sizeof(sort_names) / sizeof(*sort_names); i++)
		if (strcmp(s, sort_names[i]) == 0) {
			*out = (enum stats_sort)i;
			return 0;
		}
	return -1;
}

const char *stats_sort_name(enum stats_sort s)
{
	return (size_t)s < sizeof(sort_names) / sizeof(*sort_names) ? sort_names[s] : "replies";
}

/* ---- collecting ----------------------------------------------------------------- */

static bool matches(const struct stats_query *q, const struct history_figure *f,
                    const char *name)
{
	return q->model == NULL || strcmp(q->model, name) == 0 || strcmp(q->model, f->model) == 0 ||
	       strcmp(q->model, f->provider) == 0;
}

static struct stats_row *row_of(struct stats_report *r, const struct history_figure *f,
                                const char *name)
{
	for (size_t i = r->n; i-- > 0;)
		if (strcmp(r->v[i].name, name) == 0)
			return &r->v[i];
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 8;
		r->v = xrealloc(r->v, r->cap * sizeof(*r->v));
	}
	struct stats_row *w = &r->v[r->n++];
	memset(w, 0, sizeof(*w));
	snprintf(w->name, sizeof(w->name), "%s", name);
	snprintf(w->provider, sizeof(w->provider), "%s", f->provider);
	snprintf(w->model, sizeof(w->model), "%s", f->model);
	return w;
}

static void push_ll(long long **v, size_t *n, size_t *cap, long long x)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = x;
}

static void push_d(double **v, size_t *n, size_t *cap, double x)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = x;
}

/* The kind's word back to the router's enum: -1 for a word it does not
 * know (a newer circuit's). */
static int kind_of(const char *name)
{
	for (int k = WIRE_ERR_UNKNOWN; k <= WIRE_ERR_REDIRECT; k++)
		if (strcmp(name, wire_error_kind_name((enum wire_error_kind)k)) == 0)
			return k;
	return -1;
}

/* An error that would count toward its provider's breaker, or trip it
 * (billing: a quota gone), as the router counts them (route/retry.h). A
 * kind not recorded counts nowhere. */
static bool breaker_counts(const char *name)
{
	int k = kind_of(name);
	if (k < 0)
		return *name != '\0'; /* a newer kind: the router counts the unknown */
	return retry_counts_for_breaker((enum wire_error_kind)k) ||
	       retry_trips_breaker((enum wire_error_kind)k, -1);
}

static void add_kind(struct stats_row *w, const char *kind)
{
	const char *name = *kind != '\0' ? kind : "unrecorded";
	for (int i = 0; i < w->nkinds; i++)
		if (strcmp(w->kinds[i].name, name) == 0) {
			w->kinds[i].n++;
			return;
		}
	if (w->nkinds == STATS_KINDS) { /* the last one takes the rest */
		struct stats_kind *o = &w->kinds[STATS_KINDS - 1];
		snprintf(o->name, sizeof(o->name), "other");
		o->n++;
		return;
	}
	struct stats_kind *k = &w->kinds[w->nkinds++];
	snprintf(k->name, sizeof(k->name), "%s", name);
	k->n = 1;
}

static int bucket_of(long long ms)
{
	int b = 0;
	while (b < STATS_BUCKETS - 1 && ms >= stats_bucket_edges[b])
		b++;
	return b;
}

static void add_outcome(struct stats_report *r, struct stats_row *w,
                        const struct history_figure *f)
{
	w->replies++;
	r->replies++;
	if (f->outcome == REPLY_OK) {
		w->ok++;
	} else if (f->outcome == REPLY_CANCELLED) {
		w->cancelled++;
	} else if (f->outcome == REPLY_ERROR) {
		w->errors++;
		r->errors++;
		add_kind(w, f->error);
		w->breaker_failures += breaker_counts(f->error);
	}
}

static int take(void *ctx, const struct history_figure *f)
{
	struct stats_report *r = ctx;
	char name[96];
	snprintf(name, sizeof(name), "%s:%s", f->provider, f->model);
	if (!matches(&r->q, f, name))
		return 0;
	struct stats_row *w = row_of(r, f, name);
	add_outcome(r, w, f);
	if (f->ttft >= 0) {
		push_ll(&w->ttft_v, &w->nttft, &w->cap_ttft, f->ttft);
		w->buckets[bucket_of(f->ttft)]++;
	}
	if (f->ttfo >= 0)
		push_ll(&w->ttfo_v, &w->nttfo, &w->cap_ttfo, f->ttfo);
	if (f->outcome == REPLY_OK && f->tps >= 0)
		push_d(&w->tps_v, &w->ntps, &w->cap_tps, f->tps);
	w->tokens_in += f->tokens_in > 0 ? f->tokens_in : 0;
	w->tokens_out += f->tokens_out > 0 ? f->tokens_out : 0;
	w->tokens_estimated |= f->tokens_estimated;
	if (f->cost >= 0) {
		w->cost += f->cost;
		w->priced++;
		w->cost_estimated |= f->cost_estimated;
	}
	return 0;
}

static void free_samples(struct stats_row *w)
{
	free(w->ttft_v);
	free(w->ttfo_v);
	free(w->tps_v);
	w->ttft_v = w->ttfo_v = NULL;
	w->tps_v = NULL;
}

/* The percentiles from the samples, which go. */
static void finish_row(struct stats_row *w)
{
	w->ttft_p50 = metrics_percentile(w->ttft_v, w->nttft, 50);
	w->ttft_p95 = metrics_percentile(w->ttft_v, w->nttft, 95);
	w->ttfo_p50 = metrics_percentile(w->ttfo_v, w->nttfo, 50);
	w->tps_p50 = metrics_percentile_d(w->tps_v, w->ntps, 50);
	free_samples(w);
}

/* ---- sorting -------------------------------------------------------------------- */

static enum stats_sort sorting; /* qsort has no context: set just before it */

/* Smaller first; an unknown (< 0) after every known. */
static int known_first(double a, double b)
{
	if ((a < 0) != (b < 0))
		return a < 0 ? 1 : -1;
	return a < b ? -1 : a > b ? 1 : 0;
}

/* Larger first; an unknown (< 0) after every known. */
static int higher_first(double a, double b)
{
	if ((a < 0) != (b < 0))
		return a < 0 ? 1 : -1;
	return a > b ? -1 : a < b ? 1 : 0;
}

static int by_sort(const void *pa, const void *pb)
{
	const struct stats_row *a = pa, *b = pb;
	int c = 0;
	if (sorting == STATS_BY_TTFT)
		c = known_first((double)a->ttft_p50, (double)b->ttft_p50);
	else if (sorting == STATS_BY_TPS) /* the fastest first */
		c = higher_first(a->tps_p50, b->tps_p50);
	else if (sorting == STATS_BY_COST) /* the cheapest per reply first */
		c = known_first(a->priced ? a->cost / a->priced : -1, b->priced ? b->cost / b->priced : -1);
	if (c == 0 && a->replies != b->replies)
		c = a->replies > b->replies ? -1 : 1;
	return c != 0 ? c : strcmp(a->name, b->name);
}

int stats_collect(struct history *h, const struct stats_query *q, struct stats_report *r)
{
	memset(r, 0, sizeof(*r));
	r->q = *q;
	int rc = h != NULL ? history_figures(h, q->since, take, r) : 0;
	for (size_t i = 0; i < r->n; i++)
		finish_row(&r->v[i]);
	if (rc < 0) {
		stats_report_done(r);
		return -1;
	}
	sorting = q->sort;
	if (r->n > 1)
		qsort(r->v, r->n, sizeof(*r->v), by_sort);
	return 0;
}

void stats_report_done(struct stats_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		free_samples(&r->v[i]);
	free(r->v);
	r->v = NULL;
	r->n = r->cap = 0;
}
