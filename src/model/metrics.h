/* SPDX-License-Identifier: GPL-3.0-or-later */
/* metrics: the figures of one reply, and their aggregates for the run.
 *
 * Pure: no clock, no I/O. The app copies what the stream measured into a
 * struct reply_metrics (times in ms after t0, the request handed to curl)
 * and metrics_derive() works out the rest: tokens (reported, else
 * estimated), tokens per second, cost. Finished replies are added to a
 * struct metrics, which keeps per-provider and per-model aggregates and
 * the session totals. Definitions: docs/metrics.md. */
#ifndef CIRCUIT_MODEL_METRICS_H
#define CIRCUIT_MODEL_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

#define METRICS_NAME 64
/* Per aggregate, the most recent TTFT and tok/s samples kept for the
 * percentiles (a ring; older samples drop out). */
#define METRICS_SAMPLES 256

enum reply_outcome {
	REPLY_LIVE,      /* still streaming */
	REPLY_OK,        /* ended normally */
	REPLY_ERROR,     /* failed (before or after its first token) */
	REPLY_CANCELLED, /* the user's Ctrl-C */
};

/* USD per million tokens; known false: no [price.MODEL] for it. */
struct metrics_price {
	double input, output;
	bool known;
};

struct reply_metrics {
	char provider[24];
	char model[METRICS_NAME];
	enum reply_outcome outcome;
	char stop[48]; /* the provider's stop reason ("stop", "end_turn", "STOP"), "" none */
	bool stop_length; /* that reason is the token limit ("length", "max_tokens", ...) */
	char error[24];   /* REPLY_ERROR: its kind as wire_error_kind_name says ("rate_limit",
	                   * "server"), kept in the history for --stats; "" none */

	/* Measured: ms after t0, -1 until known. */
	long long ttfb;     /* first response byte */
	long long ttft;     /* first text or thinking delta */
	long long ttfo;     /* first visible text delta */
	long long last;     /* last text or thinking delta */
	long long total;    /* the end; -1 while live */
	long long last_byte; /* the last byte of any kind */
	long long max_gap;  /* longest wait between two bytes after the first, -1 none */
	size_t deltas;      /* text + thinking events */
	size_t text_bytes, thinking_bytes;
	size_t prompt_bytes; /* the request's text (system + messages), for an input estimate */
	long long usage_in, usage_out, usage_thinking; /* reported, -1 not (yet) */

	/* Derived by metrics_derive(). */
	long long tokens_in;       /* usage_in, else ceil(prompt_bytes / 4) */
	long long tokens_out;      /* usage_out, else max(deltas, ceil(bytes / 4)) */
	long long tokens_thinking; /* usage_thinking, else ceil(thinking_bytes / 4) (0, not an
	                            * estimate, without thinking text); part of tokens_out */
	bool in_estimated, out_estimated, thinking_estimated;
	double tps;                /* tokens_out over last - ttft, in s; -1 unknown */
	bool tps_estimated;        /* == out_estimated */
	double cost;               /* USD; -1 when the price is not known; 0 for a
	                            * REPLY_ERROR without a token or a reported count */
	bool cost_estimated;       /* either token count it uses is an estimate */
};

/* Everything unknown (-1, 0 bytes, REPLY_LIVE, names ""). */
void reply_metrics_init(struct reply_metrics *r);
/* Fills the derived half from the measured half. Call again whenever the
 * measured half changes (each frame while live; once more at the end). */
void metrics_derive(struct reply_metrics *r, const struct metrics_price *price);

/* Stall of a live reply at now_since_t0 (ms after t0): the time since its
 * last byte, or since t0 before any byte. */
long long metrics_stall(const struct reply_metrics *r, long long now_since_t0);

/* The winners among n finished replies (REPLY_OK only): the index of the
 * lowest TTFT and of the highest tok/s, -1 when none qualifies. Ties go to
 * the first. */
int metrics_best_ttft(const struct reply_metrics *const *r, size_t n);
int metrics_best_tps(const struct reply_metrics *const *r, size_t n);

/* A duration as every view writes it: units_ms (util/units.h), which this
 * calls. Deprecated: callers move to units_ms. */
void metrics_fmt_ms(long long ms, char *out, size_t size);

/* Nearest-rank percentile (p in 0..100] of n values (order not needed;
 * the values are not modified): the smallest value with at least p% of the
 * values at or below it. -1 when n is 0. */
long long metrics_percentile(const long long *v, size_t n, double p);
double metrics_percentile_d(const double *v, size_t n, double p);

/* One provider's, one model's, or the session's figures for the run. */
struct metrics_agg {
	char name[METRICS_NAME];
	unsigned count;     /* replies ended: ok + errors + cancelled */
	unsigned active;    /* begun, not ended */
	unsigned errors;
	unsigned cancelled;
	unsigned long breaker_trips; /* set by the app (metrics_set_trips) */
	long long tokens_in, tokens_out, tokens_thinking;
	bool tokens_estimated;       /* some count summed was an estimate */
	double cost;                 /* sum over the replies with a price */
	unsigned priced;             /* how many replies had one */
	bool cost_estimated;
	/* rings of the most recent samples; n* counts every sample ever added */
	long long ttft[METRICS_SAMPLES];
	size_t nttft;
	double tps[METRICS_SAMPLES];
	size_t ntps;
};

struct metrics {
	struct metrics_agg *prov, *model;
	size_t nprov, nmodel, cap_prov, cap_model;
	struct metrics_agg total; /* name "total" */
};

void metrics_init(struct metrics *m);
void metrics_done(struct metrics *m);
/* A reply starts on provider/model: active + 1 on both, and the total. */
void metrics_begin(struct metrics *m, const char *provider, const char *model);
/* It ended. provider/model are the names given to metrics_begin (active - 1
 * there); r, derived, is counted under r->provider and r->model (they
 * differ after a fallback). Samples: TTFT when r has one, tok/s when r
 * ended REPLY_OK with a rate. */
void metrics_end(struct metrics *m, const char *provider, const char *model,
                 const struct reply_metrics *r);
void metrics_set_trips(struct metrics *m, const char *provider, unsigned long trips);

/* NULL when nothing was recorded under that name: a provider's, or a
 * model's as "provider:model" (the same model name served by two providers
 * is two aggregates). The pointer is good
 * until the next begin, end or set_trips (a new name may move the array). */
const struct metrics_agg *metrics_provider(const struct metrics *m, const char *name);
const struct metrics_agg *metrics_model(const struct metrics *m, const char *name);
/* The model's aggregate by its provider's and its own name (cut as the
 * aggregates cut them). */
const struct metrics_agg *metrics_model_of(const struct metrics *m, const char *provider,
                                           const char *model);

/* The aggregate's percentiles over its kept samples; -1 when it has none. */
long long metrics_agg_ttft(const struct metrics_agg *a, double p);
double metrics_agg_tps(const struct metrics_agg *a, double p);

/* The last `width` TTFT samples, oldest first, as block characters
 * (glyph->blocks: ▁▂▃▄▅▆▇█, or "_.-=+*#@" outside a UTF-8 locale; scaled
 * between their own min and max; all equal: the fourth), appended to out.
 * Appends nothing when there are none. */
void metrics_sparkline(const struct metrics_agg *a, size_t width, struct buf *out);

#endif
