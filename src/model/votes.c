/* SPDX-License-Identifier: GPL-3.0-or-later */
/* votes: the votes table of the history file. Votes are few (one per
 * judged prompt): their statements are prepared per call, not kept. */
#include "model/votes.h"

#include <stdio.h>
#include <string.h>

#include "model/history_db.h"
#include "util/jsonesc.h"

#define VOTES_SCHEMA 5 /* the schema step that made the table */

static sqlite3_stmt *prepare(struct history *h, const char *sql, const char *what)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(h->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		hdb_set_err(h, what, rc);
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/* The models and the reply rows as JSON arrays. */
static void arrays(const struct history_vote *v, struct buf *models, struct buf *replies)
{
	buf_append_char(models, '[');
	buf_append_char(replies, '[');
	for (int i = 0; i < v->ncol && i < VOTE_COLS; i++) {
		if (i > 0) {
			buf_append_char(models, ',');
			buf_append_char(replies, ',');
		}
		jsonesc_append(models, v->models[i], strlen(v->models[i]));
		buf_printf(replies, "%lld", v->replies[i]);
	}
	buf_append_char(models, ']');
	buf_append_char(replies, ']');
}

long long history_vote_add(struct history *h, const struct history_vote *v, long long now)
{
	const char *what = "cannot store the vote";
	sqlite3_stmt *st = prepare(h, "INSERT INTO votes (conv, created, prompt, models, replies,"
	                              " winner, blind) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", what);
	if (st == NULL)
		return -1;
	struct buf models, replies;
	buf_init(&models, 0);
	buf_init(&replies, 0);
	arrays(v, &models, &replies);
	sqlite3_bind_int64(st, 1, v->conv);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_text(st, 3, v->prompt ? v->prompt : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, buf_str(&models), (int)models.len, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, buf_str(&replies), (int)replies.len, SQLITE_STATIC);
	if (v->winner == VOTE_PENDING)
		sqlite3_bind_null(st, 6);
	else
		sqlite3_bind_int(st, 6, v->winner);
	sqlite3_bind_int(st, 7, (int)v->blind);
	int rc = sqlite3_step(st);
	long long id = rc == SQLITE_DONE ? sqlite3_last_insert_rowid(h->db) : -1;
	if (rc != SQLITE_DONE)
		hdb_set_err(h, what, rc);
	sqlite3_finalize(st);
	buf_done(&models);
	buf_done(&replies);
	return id;
}

int history_vote_cast(struct history *h, long long id, int winner, long long now)
{
	const char *what = "cannot store the vote";
	sqlite3_stmt *st = prepare(h, "UPDATE votes SET winner = ?2, created = ?3"
	                              " WHERE id = ?1 AND winner IS NULL", what);
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, winner);
	sqlite3_bind_int64(st, 3, now);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		hdb_set_err(h, what, rc);
		return -1;
	}
	if (sqlite3_changes(h->db) == 0) {
		snprintf(h->err, sizeof(h->err), "no vote %lld waits to be cast", id);
		return -1;
	}
	return 0;
}

/* The JSON arrays of a row into v (json_each reads them; a value that is
 * not an array gives no columns). */
static int read_arrays(struct history *h, sqlite3_stmt *each, sqlite3_stmt *row,
                       struct history_vote *v)
{
	v->ncol = 0;
	for (int a = 0; a < 2; a++) {
		size_t n;
		const char *json = hdb_col_bytes(row, 5 + a, &n);
		sqlite3_bind_text(each, 1, json, (int)n, SQLITE_STATIC);
		int i = 0, rc;
		while ((rc = sqlite3_step(each)) == SQLITE_ROW && i < VOTE_COLS) {
			if (a == 0) {
				const char *s = hdb_col_bytes(each, 0, &n);
				hdb_oneline(v->models[i], VOTE_NAME, s, n);
			} else {
				v->replies[i] = sqlite3_column_int64(each, 0);
			}
			i++;
		}
		hdb_done(each);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			hdb_set_err(h, "cannot read the votes", rc);
			return -1;
		}
		if (a == 0)
			v->ncol = i;
	}
	return 0;
}

#define VOTE_ROW "SELECT id, conv, created, prompt, winner, models, replies, blind FROM votes "

/* A row of VOTE_ROW into v. 0, or -1. */
static int read_vote(struct history *h, sqlite3_stmt *each, sqlite3_stmt *row,
                     struct history_vote *v)
{
	memset(v, 0, sizeof(*v));
	v->id = sqlite3_column_int64(row, 0);
	v->conv = sqlite3_column_int64(row, 1);
	v->created = sqlite3_column_int64(row, 2);
	v->prompt = hdb_col_str(row, 3);
	v->winner = sqlite3_column_type(row, 4) == SQLITE_NULL ? VOTE_PENDING
	                                                        : sqlite3_column_int(row, 4);
	int blind = sqlite3_column_int(row, 7);
	v->blind = blind == 2 ? VOTE_STRICT : blind == 1 ? VOTE_BLIND : VOTE_SEEN;
	if (read_arrays(h, each, row, v) < 0)
		return -1;
	/* A winner that names no column (a file edited by hand) is no winner. */
	if (v->winner >= v->ncol || v->winner < VOTE_PENDING)
		v->winner = VOTE_NONE;
	return 0;
}

/* Walks the rows of sql (since bound to ?1) into fn. How many, or -1. */
static int walk(struct history *h, const char *sql, long long since, history_vote_fn fn,
                void *ctx)
{
	const char *what = "cannot read the votes";
	if (h->version < VOTES_SCHEMA)
		return 0;
	sqlite3_stmt *row = prepare(h, sql, what);
	sqlite3_stmt *each = row ? prepare(h, "SELECT value FROM json_each(?1) ORDER BY key", what)
	                         : NULL;
	if (each == NULL) {
		sqlite3_finalize(row);
		return -1;
	}
	sqlite3_bind_int64(row, 1, since);
	int n = 0, rc;
	struct history_vote v;
	while ((rc = sqlite3_step(row)) == SQLITE_ROW) {
		if (read_vote(h, each, row, &v) < 0) {
			n = -1;
			break;
		}
		n++;
		if (fn(ctx, &v) != 0)
			break;
	}
	if (n >= 0 && rc != SQLITE_ROW && rc != SQLITE_DONE) {
		hdb_set_err(h, what, rc);
		n = -1;
	}
	sqlite3_finalize(each);
	sqlite3_finalize(row);
	return n;
}

int history_votes(struct history *h, long long since, history_vote_fn fn, void *ctx)
{
	return walk(h, VOTE_ROW "WHERE winner IS NOT NULL AND created >= ?1 ORDER BY created, id",
	            since, fn, ctx);
}

struct pending {
	struct history_vote *v;
	struct buf *prompt;
};

static int take_pending(void *ctx, const struct history_vote *v)
{
	struct pending *p = ctx;
	*p->v = *v;
	buf_reset(p->prompt);
	buf_append_str(p->prompt, v->prompt);
	p->v->prompt = buf_str(p->prompt);
	return 1;
}

int history_vote_pending(struct history *h, struct history_vote *v, struct buf *prompt)
{
	memset(v, 0, sizeof(*v));
	struct pending p = {v, prompt};
	return walk(h, VOTE_ROW "WHERE winner IS NULL AND ?1 = ?1 ORDER BY id DESC LIMIT 1", 0,
	            take_pending, &p);
}
