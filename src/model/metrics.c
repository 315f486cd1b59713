/* SPDX-License-Identifier: GPL-3.0-or-later */
/* metrics: the figures of one reply, and their aggregates for the run. */
#include "model/metrics.h"

#include <assert.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/glyphs.h"
#include "util/mem.h"
#include "util/units.h"

/* Provider aggregates are keyed on at most what struct reply_metrics can
 * hold, so a long name given to metrics_begin() and the same name copied
 * into r->provider land on one aggregate. Models: METRICS_NAME on both. */
#define PROVIDER_KEY (sizeof(((struct reply_metrics *)0)->provider))
#define MODEL_KEY    METRICS_NAME

/* A percentile rank within this of a whole number is that number: p * n /
 * 100 in floating point can land a hair above the exact rank. */
#define RANK_SLACK 1e-9

void reply_metrics_init(struct reply_metrics *r)
{
	memset(r, 0, sizeof(*r));
	r->outcome = REPLY_LIVE;
	r->ttfb = -1;
	r->ttft = -1;
	r->ttfo = -1;
	r->last = -1;
	r->total = -1;
	r->last_byte = -1;
	r->max_gap = -1;
	r->usage_in = -1;
	r->usage_out = -1;
	r->usage_thinking = -1;
	r->tokens_in = -1;
	r->tokens_out = -1;
	r->tokens_thinking = -1;
	r->tps = -1;
	r->cost = -1;
}

/* ceil(bytes / 4), the rough bytes-per-token of English text; saturates
 * rather than wrapping. */
static long long estimate(size_t bytes)
{
	size_t t = bytes / 4 + (bytes % 4 != 0);
	if (t > (size_t)LLONG_MAX)
		return LLONG_MAX;
	return (long long)t;
}

static size_t add_sat(size_t a, size_t b)
{
	return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

void metrics_derive(struct reply_metrics *r, const struct metrics_price *price)
{
	r->in_estimated = r->usage_in < 0;
	r->tokens_in = r->in_estimated ? estimate(r->prompt_bytes) : r->usage_in;

	r->out_estimated = r->usage_out < 0;
	if (r->out_estimated) {
		/* Every delta carries at least one token, whatever its size. */
		long long est = estimate(add_sat(r->text_bytes, r->thinking_bytes));
		long long deltas = r->deltas > (size_t)LLONG_MAX ? LLONG_MAX : (long long)r->deltas;
		r->tokens_out = deltas > est ? deltas : est;
	} else {
		r->tokens_out = r->usage_out;
	}

	/* No thinking text and no count: surely none, not an estimate of 0. */
	r->thinking_estimated = r->usage_thinking < 0 && r->thinking_bytes > 0;
	r->tokens_thinking = r->usage_thinking >= 0 ? r->usage_thinking
	                     : r->thinking_estimated ? estimate(r->thinking_bytes)
	                                             : 0;

	/* The rate of generation: from the first token to the last, so the
	 * wait before the first one does not dilute it. */
	if (r->ttft >= 0 && r->last > r->ttft)
		r->tps = (double)r->tokens_out * 1000.0 / (double)(r->last - r->ttft);
	else
		r->tps = -1;
	r->tps_estimated = r->out_estimated;

	if (price != NULL && price->known && r->outcome == REPLY_ERROR && r->deltas == 0 &&
	    r->usage_in < 0 && r->usage_out < 0) {
		/* Failed without a token or a count (refused, unreachable): a
		 * provider bills nothing for that, so no estimate either. */
		r->cost = 0;
		r->cost_estimated = false;
	} else if (price != NULL && price->known) {
		r->cost = (double)r->tokens_in * price->input / 1e6 +
		          (double)r->tokens_out * price->output / 1e6;
		r->cost_estimated = r->in_estimated || r->out_estimated;
	} else {
		r->cost = -1;
		r->cost_estimated = false;
	}
}

long long metrics_stall(const struct reply_metrics *r, long long now_since_t0)
{
	long long since = r->last_byte >= 0 ? r->last_byte : 0;
	long long stall = now_since_t0 - since;
	return stall > 0 ? stall : 0;
}

int metrics_best_ttft(const struct reply_metrics *const *r, size_t n)
{
	int best = -1;
	for (size_t i = 0; i < n && i <= INT_MAX; i++) {
		if (r[i] == NULL || r[i]->outcome != REPLY_OK || r[i]->ttft < 0)
			continue;
		/* Strictly lower, so a tie stays with the first. */
		if (best < 0 || r[i]->ttft < r[best]->ttft)
			best = (int)i;
	}
	return best;
}

int metrics_best_tps(const struct reply_metrics *const *r, size_t n)
{
	int best = -1;
	for (size_t i = 0; i < n && i <= INT_MAX; i++) {
		if (r[i] == NULL || r[i]->outcome != REPLY_OK || !(r[i]->tps >= 0))
			continue;
		if (best < 0 || r[i]->tps > r[best]->tps)
			best = (int)i;
	}
	return best;
}

/* The nearest rank, 1..n, of percentile p among n values (n > 0). Written
 * so that p <= 0 and NaN give the minimum. */
static size_t rank_of(size_t n, double p)
{
	if (!(p > 0))
		return 1;
	if (p >= 100)
		return n;
	/* p * n first: p / 100 is rarely exact (7 / 100 * 100 > 7). */
	double x = p * (double)n / 100.0;
	size_t k = (size_t)x; /* 0 <= x < n */
	if ((double)k < x - RANK_SLACK)
		k++;
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return k;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

/* NaN sorts after every number, so the order stays total for qsort. */
static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	bool xn = x != x, yn = y != y;
	if (xn || yn)
		return xn - yn;
	return (x > y) - (x < y);
}

long long metrics_percentile(const long long *v, size_t n, double p)
{
	if (n == 0)
		return -1;
	long long stack[METRICS_SAMPLES];
	long long *s = n <= METRICS_SAMPLES ? stack : xmalloc(n * sizeof(*s));
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_ll);
	long long out = s[rank_of(n, p) - 1];
	if (s != stack)
		free(s);
	return out;
}

double metrics_percentile_d(const double *v, size_t n, double p)
{
	if (n == 0)
		return -1;
	double stack[METRICS_SAMPLES];
	double *s = n <= METRICS_SAMPLES ? stack : xmalloc(n * sizeof(*s));
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_d);
	double out = s[rank_of(n, p) - 1];
	if (s != stack)
		free(s);
	return out;
}

/* ---- aggregates ---------------------------------------------------------- */

/* name cut to what an aggregate keyed on `key` bytes stores; NULL is "". */
static void key_of(char out[METRICS_NAME], const char *name, size_t key)
{
	snprintf(out, METRICS_NAME, "%.*s", (int)(key - 1), name != NULL ? name : "");
}

static struct metrics_agg *agg_find(struct metrics_agg *v, size_t n, const char *name, size_t key)
{
	char k[METRICS_NAME];
	key_of(k, name, key);
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, k) == 0)
			return &v[i];
	return NULL;
}

/* Pointers into *v are invalid after this (it may move the array). */
static struct metrics_agg *agg_get(struct metrics_agg **v, size_t *n, size_t *cap, const char *name,
                                   size_t key)
{
	struct metrics_agg *a = agg_find(*v, *n, name, key);
	if (a != NULL)
		return a;
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 4;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	a = &(*v)[(*n)++];
	memset(a, 0, sizeof(*a));
	key_of(a->name, name, key);
	return a;
}

static struct metrics_agg *prov_get(struct metrics *m, const char *name)
{
	return agg_get(&m->prov, &m->nprov, &m->cap_prov, name, PROVIDER_KEY);
}

static struct metrics_agg *model_get(struct metrics *m, const char *name)
{
	return agg_get(&m->model, &m->nmodel, &m->cap_model, name, MODEL_KEY);
}

void metrics_init(struct metrics *m)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->total.name, sizeof(m->total.name), "total");
}

void metrics_done(struct metrics *m)
{
	free(m->prov);
	free(m->model);
	memset(m, 0, sizeof(*m));
}

/* A model's aggregate is keyed "provider:model": the same name served by
 * two providers is two rows. */
static void model_key(char out[METRICS_NAME], const char *provider, const char *model)
{
	char p[METRICS_NAME];
	key_of(p, provider, PROVIDER_KEY); /* as the provider's own row cuts it */
	struct buf b;
	buf_init(&b, 0);
	buf_printf(&b, "%s:%s", p, model != NULL ? model : "");
	key_of(out, buf_str(&b), MODEL_KEY);
	buf_done(&b);
}

void metrics_begin(struct metrics *m, const char *provider, const char *model)
{
	char k[METRICS_NAME];
	model_key(k, provider, model);
	prov_get(m, provider)->active++;
	model_get(m, k)->active++;
	m->total.active++;
}

static void unbegin(struct metrics_agg *a)
{
	if (a != NULL && a->active > 0)
		a->active--;
}

static void add_reply(struct metrics_agg *a, const struct reply_metrics *r)
{
	a->count++;
	if (r->outcome == REPLY_ERROR)
		a->errors++;
	else if (r->outcome == REPLY_CANCELLED)
		a->cancelled++;

	if (r->tokens_in >= 0) {
		a->tokens_in += r->tokens_in;
		a->tokens_estimated |= r->in_estimated;
	}
	if (r->tokens_out >= 0) {
		a->tokens_out += r->tokens_out;
		a->tokens_estimated |= r->out_estimated;
	}
	if (r->tokens_thinking >= 0) {
		a->tokens_thinking += r->tokens_thinking;
		a->tokens_estimated |= r->thinking_estimated;
	}

	if (r->cost >= 0) {
		a->cost += r->cost;
		a->priced++;
		a->cost_estimated |= r->cost_estimated;
	}

	/* A failed reply's wait for its first token is still a wait the user
	 * had; its rate is not a rate, so only finished replies give one. */
	if (r->ttft >= 0)
		a->ttft[a->nttft++ % METRICS_SAMPLES] = r->ttft;
	if (r->outcome == REPLY_OK && r->tps >= 0)
		a->tps[a->ntps++ % METRICS_SAMPLES] = r->tps;
}

void metrics_end(struct metrics *m, const char *provider, const char *model,
                 const struct reply_metrics *r)
{
	assert(r != NULL);
	/* Only what was begun: an unknown name is not created to go down. */
	char k[METRICS_NAME];
	model_key(k, provider, model);
	unbegin(agg_find(m->prov, m->nprov, provider, PROVIDER_KEY));
	unbegin(agg_find(m->model, m->nmodel, k, MODEL_KEY));
	unbegin(&m->total);

	/* r->provider and r->model may not be NUL-terminated by a careless
	 * writer; key_of reads at most their size less one. */
	char p[METRICS_NAME], rm[METRICS_NAME], md[METRICS_NAME];
	key_of(p, r->provider[0] != '\0' ? r->provider : provider, PROVIDER_KEY);
	key_of(rm, r->model[0] != '\0' ? r->model : model, METRICS_NAME);
	model_key(md, p, rm);
	add_reply(prov_get(m, p), r);
	add_reply(model_get(m, md), r);
	add_reply(&m->total, r);
}

void metrics_set_trips(struct metrics *m, const char *provider, unsigned long trips)
{
	prov_get(m, provider)->breaker_trips = trips;
	m->total.breaker_trips = 0;
	for (size_t i = 0; i < m->nprov; i++)
		m->total.breaker_trips += m->prov[i].breaker_trips;
}

const struct metrics_agg *metrics_provider(const struct metrics *m, const char *name)
{
	return agg_find(m->prov, m->nprov, name, PROVIDER_KEY);
}

const struct metrics_agg *metrics_model(const struct metrics *m, const char *name)
{
	return agg_find(m->model, m->nmodel, name, MODEL_KEY);
}

const struct metrics_agg *metrics_model_of(const struct metrics *m, const char *provider,
                                           const char *model)
{
	char k[METRICS_NAME];
	model_key(k, provider, model);
	return agg_find(m->model, m->nmodel, k, MODEL_KEY);
}

/* The ring holds the first n samples in order until it wraps, then all of
 * them in some rotation; a percentile does not care which. */
static size_t kept(size_t n)
{
	return n < METRICS_SAMPLES ? n : METRICS_SAMPLES;
}

long long metrics_agg_ttft(const struct metrics_agg *a, double p)
{
	return metrics_percentile(a->ttft, kept(a->nttft), p);
}

double metrics_agg_tps(const struct metrics_agg *a, double p)
{
	return metrics_percentile_d(a->tps, kept(a->ntps), p);
}

void metrics_sparkline(const struct metrics_agg *a, size_t width, struct buf *out)
{
	size_t shown = kept(a->nttft);
	if (width < shown)
		shown = width;
	if (shown == 0)
		return;

	size_t first = a->nttft - shown; /* index of the oldest shown sample */
	long long lo = LLONG_MAX, hi = LLONG_MIN;
	for (size_t i = first; i < a->nttft; i++) {
		long long v = a->ttft[i % METRICS_SAMPLES];
		if (v < lo)
			lo = v;
		if (v > hi)
			hi = v;
	}
	for (size_t i = first; i < a->nttft; i++) {
		long long v = a->ttft[i % METRICS_SAMPLES];
		int level = 3; /* a flat line sits in the middle */
		if (hi > lo) {
			/* In double: (v - lo) * 7 may not fit for absurd samples. */
			level = (int)((double)(v - lo) * 7.0 / (double)(hi - lo) + 0.5);
			if (level > 7)
				level = 7;
		}
		if (buf_append_str(out, glyph->blocks[level]) < 0)
			return;
	}
}

/* Kept for the app until it calls units_ms itself: one formatter per
 * quantity, so this is that one. */
void metrics_fmt_ms(long long ms, char *out, size_t size)
{
	units_ms(ms, out, size);
}
