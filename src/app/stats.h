/* SPDX-License-Identifier: GPL-3.0-or-later */
/* stats: the history's figures as a report, per provider:model (circuit
 * --stats, /stats history): replies, errors and their kinds, TTFT p50 and
 * p95, TTFO p50, tok/s p50, tokens, cost, the errors that count toward a
 * breaker, and a TTFT spread over fixed buckets. Percentiles are
 * nearest-rank (metrics_percentile). Definitions: docs/metrics.md. */
#ifndef CIRCUIT_APP_STATS_H
#define CIRCUIT_APP_STATS_H

#include <stdbool.h>
#include <stddef.h>

#include "model/history.h"
#include "util/buf.h"

/* The TTFT spread's buckets: under 50, 100, 200, 500 ms, 1, 2, 5 s, and
 * 5 s or more. */
#define STATS_BUCKETS 8
extern const long long stats_bucket_edges[STATS_BUCKETS - 1];

/* Error kinds told apart in a row; more go under "other". */
#define STATS_KINDS 20

enum stats_sort { STATS_BY_REPLIES, STATS_BY_TTFT, STATS_BY_TPS, STATS_BY_COST };

struct stats_kind {
	char name[24]; /* wire_error_kind_name's word; "unrecorded": stored before schema 5 */
	unsigned n;
};

/* One provider:model's figures. */
struct stats_row {
	char name[96]; /* "provider:model" */
	char provider[24], model[64];
	unsigned replies;                 /* every stored reply: ok + errors + cancelled + cut */
	unsigned ok, errors, cancelled;   /* cut (a killed writer's) = the rest */
	struct stats_kind kinds[STATS_KINDS];
	int nkinds;
	unsigned breaker_failures;        /* errors whose kind counts toward a breaker */
	long long ttft_p50, ttft_p95, ttfo_p50; /* ms, -1 none */
	double tps_p50;                   /* -1 none */
	size_t nttft, nttfo, ntps;        /* the samples behind them */
	long long tokens_in, tokens_out;  /* sums of the known counts */
	bool tokens_estimated;
	double cost;                      /* sum over the priced replies */
	unsigned priced;
	bool cost_estimated;
	unsigned buckets[STATS_BUCKETS];  /* replies with a TTFT, per bucket */
	/* the samples while collecting (freed by stats_collect) */
	long long *ttft_v, *ttfo_v;
	double *tps_v;
	size_t cap_ttft, cap_ttfo, cap_tps;
};

struct stats_query {
	long long since;   /* unix s; 0: all */
	const char *model; /* NULL: all; else a "provider:model", a provider or a model */
	enum stats_sort sort;
};

struct stats_report {
	struct stats_query q;
	struct stats_row *v;
	size_t n, cap;
	unsigned replies, errors; /* over every row */
};

/* "replies", "ttft", "tps", "cost" into *out. 0, or -1. */
int stats_parse_sort(const char *s, enum stats_sort *out);
const char *stats_sort_name(enum stats_sort s);

/* Reads h's replies matching q into r (zeroed first), the rows sorted as
 * q says. 0, or -1 (history_error(h) says why; r holds nothing). Free r
 * with stats_report_done either way. */
int stats_collect(struct history *h, const struct stats_query *q, struct stats_report *r);
void stats_report_done(struct stats_report *r);

/* The report as a table (glyph's chart marks: ASCII outside UTF-8),
 * appended to out. An empty report is its title and "(no replies)"
 * saying so. */
void stats_text(const struct stats_report *r, struct buf *out);
/* The report as one JSON object, exact numbers (docs/metrics.md), with a
 * newline at the end. */
void stats_json(const struct stats_report *r, struct buf *out);

/* circuit --stats: opens the history at path (NULL: the default) read-only
 * and prints the report of the replies since SINCE (NULL: all) of model
 * (NULL: all), sorted by sort (NULL: replies), as a table or JSON. No
 * history yet is an empty report. Returns the exit status: 0, 1 (an
 * unreadable history, a failed write) or 2 (a bad --since or --sort, said
 * on stderr). */
int stats_cli(const char *path, const char *since, const char *model, const char *sort, bool json,
              long long now);

#endif
