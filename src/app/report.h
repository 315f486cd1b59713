/* SPDX-License-Identifier: GPL-3.0-or-later */
/* report: a headless run's results, built in one place: the --json object
 * (per model the text, stop, usage, figures, error; the run's aggregates),
 * --jsonl's closing lines and the compare table on stderr. */
#ifndef CIRCUIT_APP_REPORT_H
#define CIRCUIT_APP_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "model/metrics.h"
#include "model/sources.h"
#include "util/buf.h"
#include "wire/event.h"

/* One model's reply, as the run ended. */
struct report_row {
	const char *label;    /* the model as the user named it */
	const char *provider; /* who answered; NULL: a blind compare's (the table shows label) */
	const char *model;
	const struct buf *text, *thinking; /* raw, as received */
	const struct sources *sources;     /* cited (--json's "sources"); NULL: none */
	const struct reply_metrics *f;     /* derived */
	const struct wire_usage *usage;    /* NULL: none reported */
	const struct wire_error *error;    /* NULL: none */
	const char *error_line;            /* failure_describe's line, when error */
	bool raw;                          /* text unsanitised (--raw) */
};

/* The --json object, written to out with a newline. metrics: the run's
 * aggregates (per provider, per model, total). */
void report_json(const struct report_row *rows, size_t n, const struct metrics *metrics,
                 FILE *out);

/* --jsonl's last lines for r's reply, t_ms after its request was sent:
 * when it failed, one of kind "error" (text: the failure line, error: as
 * --json has it), then one of kind "done" with the figures under --json's
 * names (stop, usage, ttft_ms, tokens_per_second, cost_usd, ...) and the
 * error. Each line compact, ended by a newline (docs/jsonl.md). */
void report_jsonl_end(const struct report_row *r, long long t_ms, FILE *out);

/* The compare table: one row per model; "★" after the best TTFT and rate. */
void report_table(const struct report_row *rows, size_t n, FILE *out);

#endif
