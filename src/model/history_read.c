/* SPDX-License-Identifier: GPL-3.0-or-later */
/* history_read: the sessions list, a conversation loaded for the screen,
 * and deleting one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/history.h"
#include "model/history_db.h"
#include "util/mem.h"

/* ---- small reads ----------------------------------------------------------- */

int hdb_title(struct history *h, long long conv, char *out, size_t cap)
{
	sqlite3_stmt *st = h->st[ST_TITLE];
	sqlite3_bind_int64(st, 1, conv);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		hdb_set_err(h, "cannot read a title", rc);
		hdb_done(st);
		return -1;
	}
	size_t n;
	const char *t = hdb_col_bytes(st, 0, &n);
	hdb_oneline(out, cap, t, n);
	hdb_done(st);
	return 0;
}

/* conv's reply labels, distinct, in order of first use, joined by ", ". */
static int models_of(struct history *h, long long conv, char *out, size_t cap)
{
	sqlite3_stmt *st = h->st[ST_MODELS];
	sqlite3_bind_int64(st, 1, conv);
	struct buf b;
	buf_init(&b, 0);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (b.len > cap)
			continue; /* enough to cut from: drain the rest */
		if (b.len > 0)
			buf_append_str(&b, ", ");
		buf_append_str(&b, hdb_col_str(st, 0));
	}
	if (rc != SQLITE_DONE) {
		hdb_set_err(h, "cannot list the sessions", rc);
		hdb_done(st);
		buf_done(&b);
		return -1;
	}
	hdb_done(st);
	hdb_oneline(out, cap, b.data, b.len);
	buf_done(&b);
	return 0;
}

int history_sessions(struct history *h, struct history_session *out, int max)
{
	if (max <= 0)
		return 0;
	sqlite3_stmt *st = h->st[ST_SESSIONS];
	sqlite3_bind_int(st, 1, max);
	int n = 0, rc = SQLITE_DONE;
	while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct history_session *s = &out[n];
		memset(s, 0, sizeof(*s));
		s->id = sqlite3_column_int64(st, 0);
		s->created = sqlite3_column_int64(st, 1);
		s->updated = sqlite3_column_int64(st, 2);
		s->turns = sqlite3_column_int(st, 3);
		if (hdb_title(h, s->id, s->title, sizeof(s->title)) < 0 ||
		    models_of(h, s->id, s->models, sizeof(s->models)) < 0) {
			hdb_done(st);
			return -1;
		}
		n++;
	}
	if (n < max && rc != SQLITE_DONE) {
		hdb_set_err(h, "cannot list the sessions", rc);
		hdb_done(st);
		return -1;
	}
	hdb_done(st);
	return n;
}

long long history_last(struct history *h)
{
	sqlite3_stmt *st = h->st[ST_LAST];
	int rc = sqlite3_step(st);
	long long id = 0;
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		hdb_set_err(h, "cannot find the last conversation", rc);
	hdb_done(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? id : -1;
}

int hdb_conv_row(struct history *h, long long conv, char **system, long long *created,
                 long long *updated)
{
	sqlite3_stmt *st = h->st[ST_CONV];
	sqlite3_bind_int64(st, 1, conv);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		snprintf(h->err, sizeof(h->err), "no conversation %lld", conv);
		hdb_done(st);
		return 0;
	}
	if (rc != SQLITE_ROW) {
		hdb_set_err(h, "cannot read a conversation", rc);
		hdb_done(st);
		return -1;
	}
	if (created != NULL)
		*created = sqlite3_column_int64(st, 0);
	if (updated != NULL)
		*updated = sqlite3_column_int64(st, 1);
	if (system != NULL) {
		size_t n;
		const char *s = hdb_col_bytes(st, 2, &n);
		*system = sqlite3_column_type(st, 2) == SQLITE_NULL ? NULL : xstrndup(s, n);
	}
	hdb_done(st);
	return 1;
}

int history_delete(struct history *h, long long conv)
{
	sqlite3_stmt *st = h->st[ST_DELETE];
	sqlite3_bind_int64(st, 1, conv);
	if (hdb_run(h, st, "cannot delete a conversation") < 0)
		return -1;
	return sqlite3_changes(h->db) > 0 ? 1 : 0;
}

/* ---- loading ---------------------------------------------------------------- */

int history_load(struct history *h, long long conv, struct conversation *c, char **system)
{
	char *sys = NULL;
	if (hdb_conv_row(h, conv, &sys, NULL, NULL) <= 0)
		return -1;
	sqlite3_stmt *st = h->st[ST_ROWS];
	sqlite3_bind_int64(st, 1, conv);
	int n = 0, rc;
	size_t first = c->n;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_int(st, R_COL) != 0)
			continue; /* the thread only */
		bool user = strcmp(hdb_col_str(st, R_ROLE), "user") == 0;
		struct message *m = conv_add(c, user ? MSG_USER : MSG_ASSISTANT, "", NULL);
		hdb_read_message(st, m);
		m->hist_id = sqlite3_column_int64(st, R_ID);
		m->streaming = false;
		n++;
	}
	hdb_done(st);
	if (rc != SQLITE_DONE) {
		hdb_set_err(h, "cannot load a conversation", rc);
		/* Half a thread would pass for the whole one: take it back. */
		struct conversation tail;
		conv_init(&tail);
		conv_move(&tail, c, first);
		conv_done(&tail);
		free(sys);
		return -1;
	}
	if (system != NULL)
		*system = sys;
	else
		free(sys);
	return n;
}
