/* SPDX-License-Identifier: GPL-3.0-or-later */
/* history_stats: every stored reply's figures, one at a time, for
 * --stats and /stats history (app/stats.c makes the report). */
#include <stdio.h>
#include <string.h>

#include "model/history.h"
#include "model/history_db.h"

/* The figures only: no text column is read into the program. A reply's
 * error kind is in reply_errors from schema 5 on; an older file read as
 * it is has none. */
#define FIGURES_SELECT                                                                             \
	"SELECT m.created, m.provider, m.model, m.outcome, %s, m.ttft, m.ttfo, m.tps,"             \
	" m.tokens_in, m.tokens_out, m.in_est OR m.out_est, m.cost, m.cost_est"                     \
	" FROM messages m %s WHERE m.role = 'assistant' AND m.has_metrics = 1"                     \
	" AND m.created >= ?1 ORDER BY m.id"

enum { F_CREATED, F_PROVIDER, F_MODEL, F_OUTCOME, F_ERROR, F_TTFT, F_TTFO, F_TPS, F_IN, F_OUT,
       F_TOK_EST, F_COST, F_COST_EST };

static enum reply_outcome outcome_of(const char *s)
{
	if (strcmp(s, "ok") == 0)
		return REPLY_OK;
	if (strcmp(s, "cancelled") == 0)
		return REPLY_CANCELLED;
	if (strcmp(s, "live") == 0)
		return REPLY_LIVE;
	return REPLY_ERROR; /* "error", and a newer circuit's word (as history_row reads it) */
}

static void figure_of(sqlite3_stmt *st, struct history_figure *f)
{
	f->created = sqlite3_column_int64(st, F_CREATED);
	snprintf(f->provider, sizeof(f->provider), "%s", hdb_col_str(st, F_PROVIDER));
	snprintf(f->model, sizeof(f->model), "%s", hdb_col_str(st, F_MODEL));
	f->outcome = outcome_of(hdb_col_str(st, F_OUTCOME));
	snprintf(f->error, sizeof(f->error), "%s", hdb_col_str(st, F_ERROR));
	f->ttft = sqlite3_column_int64(st, F_TTFT);
	f->ttfo = sqlite3_column_int64(st, F_TTFO);
	f->tps = sqlite3_column_double(st, F_TPS);
	f->tokens_in = sqlite3_column_int64(st, F_IN);
	f->tokens_out = sqlite3_column_int64(st, F_OUT);
	f->tokens_estimated = sqlite3_column_int(st, F_TOK_EST) != 0;
	f->cost = sqlite3_column_double(st, F_COST);
	f->cost_estimated = sqlite3_column_int(st, F_COST_EST) != 0;
}

int history_figures(struct history *h, long long since, history_figure_fn fn, void *ctx)
{
	char sql[640];
	bool errors = h->version >= 6;
	snprintf(sql, sizeof(sql), FIGURES_SELECT, errors ? "ifnull(e.kind, '')" : "''",
	         errors ? "LEFT JOIN reply_errors e ON e.msg = m.id" : "");
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(h->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		hdb_set_err(h, "cannot read the figures", rc);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_bind_int64(st, 1, since);
	int stop = 0;
	while (stop == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct history_figure f;
		figure_of(st, &f);
		stop = fn(ctx, &f);
	}
	if (stop == 0 && rc != SQLITE_DONE) {
		hdb_set_err(h, "cannot read the figures", rc);
		stop = -1;
	}
	sqlite3_finalize(st);
	return stop < 0 ? -1 : 0;
}
