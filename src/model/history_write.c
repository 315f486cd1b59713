/* SPDX-License-Identifier: GPL-3.0-or-later */
/* history_write: writing conversations and messages. Every write is one
 * statement in autocommit (its triggers run inside it) or one explicit
 * transaction, so each is its own transaction (history.c: durability).
 * A live reply's checkpoints append what is new (history_db.h: parts). */
#include <stdio.h>
#include <string.h>

#include "model/history.h"
#include "model/history_db.h"

/* ---- writing --------------------------------------------------------------- */

/* Steps st, bound by b: 0, or -1 with the error set (a failed bind
 * included). */
static int step_bound(struct history *h, struct hdb_binder *b, const char *what)
{
	if (b->rc != SQLITE_OK) {
		hdb_set_err(h, what, b->rc);
		hdb_done(b->st);
		return -1;
	}
	return hdb_run(h, b->st, what);
}

/* Steps st, bound by b, for an insert: its row id, or -1 with the error
 * set. */
static long long insert(struct history *h, struct hdb_binder *b, const char *what)
{
	if (step_bound(h, b, what) < 0)
		return -1;
	return sqlite3_last_insert_rowid(h->db);
}

/* Steps st, bound by b, for an update of row id (what names it for the
 * error when there is no such row). 0, or -1 with the error set. */
static int update(struct history *h, struct hdb_binder *b, const char *what, const char *row,
                  long long id)
{
	if (step_bound(h, b, what) < 0)
		return -1;
	if (row != NULL && sqlite3_changes(h->db) == 0) {
		snprintf(h->err, sizeof(h->err), "no %s %lld", row, id);
		return -1;
	}
	return 0;
}

/* ---- live replies: how much of each the file holds ------------------------- */

static struct hdb_live *live_find(struct history *h, long long id)
{
	for (int i = 0; i < HDB_LIVE_MAX; i++)
		if (h->live[i].id == id)
			return &h->live[i];
	return NULL;
}

/* id's slot, made when it has none: a free one, else the first (its next
 * checkpoint writes its row whole, then appends again). */
static struct hdb_live *live_slot(struct history *h, long long id)
{
	struct hdb_live *l = live_find(h, id);
	if (l == NULL)
		l = live_find(h, 0);
	if (l == NULL)
		l = &h->live[0];
	l->id = id;
	return l;
}

static void live_forget(struct history *h, long long id)
{
	struct hdb_live *l = live_find(h, id);
	if (l != NULL)
		*l = (struct hdb_live){0, 0, 0, 0, 0};
}

/* m, as it is now, is what the file holds. */
static void live_mark(struct hdb_live *l, const struct message *m)
{
	l->text = m->text.len;
	l->thinking = m->thinking.len;
	l->raw = m->raw.len;
	l->resets = m->thinking_resets;
}

/* A conversation may be begun at any time, before its first prompt or
 * after its first reply has ended: its created time is now, its messages
 * keep their own. */
long long history_begin(struct history *h, const char *system, long long now)
{
	struct hdb_binder b = {h->st[ST_BEGIN], 0, SQLITE_OK, false};
	hdb_int(&b, now);
	if (system != NULL)
		hdb_str(&b, system);
	/* else ?2 stays NULL: no system prompt */
	return insert(h, &b, "cannot begin a conversation");
}

int history_set_system(struct history *h, long long conv, const char *system)
{
	struct hdb_binder b = {h->st[ST_SET_SYSTEM], 0, SQLITE_OK, false};
	hdb_int(&b, conv);
	if (system != NULL)
		hdb_str(&b, system);
	return update(h, &b, "cannot store the system prompt", "conversation", conv);
}

long long history_begin_compare(struct history *h, long long conv, const char *models,
                                long long now)
{
	struct hdb_binder b = {h->st[ST_BEGIN_COMPARE], 0, SQLITE_OK, false};
	hdb_int(&b, conv);
	hdb_str(&b, models != NULL ? models : "");
	hdb_int(&b, now);
	return insert(h, &b, "cannot begin a compare");
}

/* One transaction around a write of several statements: BEGIN, or
 * COMMIT (ok) / ROLLBACK. 0, or -1 with the error set. */
static int txn(struct history *h, const char *sql, const char *what)
{
	int rc = sqlite3_exec(h->db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		hdb_set_err(h, what, rc);
		if (strcmp(sql, "BEGIN IMMEDIATE") != 0)
			sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

/* The bytes the first HDB_INDEX_CHARS_N characters of b take: what of a
 * message the search index holds (substr() counts characters so). */
static size_t indexed_len(const struct buf *b)
{
	size_t chars = 0;
	for (size_t i = 0; i < b->len; i++)
		if (((unsigned char)b->data[i] & 0xC0) != 0x80 && chars++ == HDB_INDEX_CHARS_N)
			return i;
	return b->len;
}

/* Row id's words into the search index: the start of m's text and
 * thinking, bound where they are (no copy). 0, or -1 set. */
static int index_add(struct history *h, long long id, const struct message *m,
                     const char *what)
{
	sqlite3_stmt *st = h->st[ST_INDEX_ADD];
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text64(st, 2, m->text.data != NULL ? m->text.data : "", indexed_len(&m->text),
	                    SQLITE_STATIC, SQLITE_UTF8);
	sqlite3_bind_text64(st, 3, m->thinking.data != NULL ? m->thinking.data : "",
	                    indexed_len(&m->thinking), SQLITE_STATIC, SQLITE_UTF8);
	int rc = hdb_run(h, st, what);
	sqlite3_clear_bindings(st);
	return rc;
}

/* m's files under row id (a prompt's), each with its content. 0, or -1 set. */
static int attach_add(struct history *h, long long id, const struct message *m,
                      const char *what)
{
	for (size_t i = 0; i < m->att.n; i++) {
		const struct attachment *a = &m->att.v[i];
		sqlite3_stmt *st = h->st[ST_ATTACH_ADD];
		struct hdb_binder b = {st, 0, SQLITE_OK, false};
		hdb_int(&b, id);
		hdb_str(&b, a->name);
		hdb_str(&b, a->mime);
		hdb_int(&b, (long long)a->size);
		hdb_str(&b, a->sha256);
		int rc = a->image ? sqlite3_bind_null(st, 6)
		                  : sqlite3_bind_text64(st, 6, a->data, a->size, SQLITE_STATIC,
		                                        SQLITE_UTF8);
		if (rc == SQLITE_OK)
			rc = a->image ? sqlite3_bind_blob64(st, 7, a->data, a->size, SQLITE_STATIC)
			              : sqlite3_bind_null(st, 7);
		if (b.rc == SQLITE_OK)
			b.rc = rc;
		rc = step_bound(h, &b, what);
		sqlite3_clear_bindings(st);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* A failed reply's error kind into reply_errors (nothing for a reply
 * without one). 0, or -1 set. */
static int error_set(struct history *h, long long id, const struct message *m,
                     const char *what)
{
	if (!m->has_metrics || m->metrics.error[0] == '\0')
		return 0;
	struct hdb_binder b = {h->st[ST_ERROR_SET], 0, SQLITE_OK, false};
	hdb_int(&b, id);
	hdb_str(&b, m->metrics.error);
	return step_bound(h, &b, what);
}

static const char *role_of(enum msg_kind k)
{
	switch (k) {
	case MSG_USER: return "user";
	case MSG_ASSISTANT: return "assistant";
	default: return NULL;
	}
}

int hdb_write_sources(struct history *h, long long id, const struct message *m, const char *what)
{
	if (h->st[ST_SOURCES_DROP] == NULL)
		return 0; /* read-only: nothing is written anyway */
	sqlite3_stmt *drop = h->st[ST_SOURCES_DROP];
	sqlite3_bind_int64(drop, 1, id);
	if (hdb_run(h, drop, what) < 0)
		return -1;
	for (size_t i = 0; i < m->sources.n; i++) {
		struct hdb_binder b = {h->st[ST_SOURCE_ADD], 0, SQLITE_OK, false};
		hdb_int(&b, id);
		hdb_str(&b, m->sources.v[i].url);
		hdb_str(&b, m->sources.v[i].title);
		if (step_bound(h, &b, what) < 0)
			return -1;
	}
	return 0;
}

/* Notices and errors are circuit's own words about this run, not the
 * conversation: they are not stored, and asking to is refused (-1) so a
 * caller's mistake shows rather than passing quietly. A reply that has
 * already ended is stored as it is, whole: adding it late is the same as
 * adding it live and writing it at its end. */
long long history_add(struct history *h, long long conv, long long group, int column,
                      const struct message *m, long long now)
{
	const char *role = role_of(m->kind);
	if (role == NULL) {
		hdb_set_msg(h, "only prompts and replies are stored");
		return -1;
	}
	if (column < 0) {
		snprintf(h->err, sizeof(h->err), "no column %d", column);
		return -1;
	}
	struct hdb_binder b = {h->st[ST_ADD], 0, SQLITE_OK, false};
	hdb_int(&b, conv);
	hdb_int(&b, group);
	hdb_int(&b, column);
	hdb_str(&b, role);
	hdb_int(&b, now);
	/* A reply still streaming is interrupted until its final write says otherwise. */
	hdb_bind_message(&b, m, m->interrupted || m->streaming, now);
	const char *what = "cannot store a message";
	if (txn(h, "BEGIN IMMEDIATE", what) < 0) {
		hdb_done(b.st);
		return -1;
	}
	long long id = insert(h, &b, what);
	if (id < 0 || index_add(h, id, m, what) < 0 || attach_add(h, id, m, what) < 0 ||
	    error_set(h, id, m, what) < 0 || hdb_write_sources(h, id, m, what) < 0 ||
	    txn(h, "COMMIT", what) < 0) {
		sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	if (m->streaming)
		live_mark(live_slot(h, id), m); /* its checkpoints append to what is there */
	return id;
}

/* Steps st with row id bound as its only parameter. 0, or -1 set. */
static int by_id(struct history *h, enum stmt which, long long id, const char *what)
{
	sqlite3_stmt *st = h->st[which];
	if (st == NULL) {
		hdb_set_msg(h, "the history is open read-only");
		return -1;
	}
	sqlite3_bind_int64(st, 1, id);
	return hdb_run(h, st, what);
}

/* The whole row: every column from m, its parts dropped (the text is
 * whole in the row now), in one transaction. 0, or -1 set. */
static int write_whole(struct history *h, long long id, const struct message *m,
                       bool interrupted, long long now)
{
	const char *what = "cannot store a message";
	if (txn(h, "BEGIN IMMEDIATE", what) < 0)
		return -1;
	if (by_id(h, ST_INDEX_DROP, id, what) < 0) {
		sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	struct hdb_binder b = {h->st[ST_UPDATE], 0, SQLITE_OK, false};
	hdb_bind_message(&b, m, interrupted, now);
	hdb_int(&b, id);
	if (update(h, &b, what, "message", id) < 0 || by_id(h, ST_PARTS_DROP, id, what) < 0 ||
	    index_add(h, id, m, what) < 0 || error_set(h, id, m, what) < 0 ||
	    hdb_write_sources(h, id, m, what) < 0) {
		sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return txn(h, "COMMIT", what);
}

/* The bytes of a that are new since n of them were stored. */
static void grown(struct hdb_binder *b, const struct buf *a, size_t n, bool blob)
{
	const char *p = a->data != NULL ? a->data + n : "";
	b->i++;
	if (b->rc == SQLITE_OK)
		b->rc = blob ? sqlite3_bind_blob64(b->st, b->i, p, a->len - n, SQLITE_STATIC)
		             : sqlite3_bind_text64(b->st, b->i, p, a->len - n, SQLITE_STATIC,
		                                   SQLITE_UTF8);
}

/* A checkpoint of a live reply whose row and parts hold l's lengths of
 * it: what it grew by as a part, and its figures. 0, or -1 set. */
static int write_new(struct history *h, long long id, const struct message *m,
                     struct hdb_live *l, long long now)
{
	const char *what = "cannot store a message";
	if (txn(h, "BEGIN IMMEDIATE", what) < 0)
		return -1;
	int rc = 0;
	if (m->text.len > l->text || m->thinking.len > l->thinking || m->raw.len > l->raw) {
		struct hdb_binder p = {h->st[ST_PART_ADD], 0, SQLITE_OK, false};
		hdb_int(&p, id);
		grown(&p, &m->text, l->text, false);
		grown(&p, &m->thinking, l->thinking, false);
		grown(&p, &m->raw, l->raw, true);
		rc = insert(h, &p, what) < 0 ? -1 : 0;
	}
	struct hdb_binder b = {h->st[ST_CHECKPOINT], 0, SQLITE_OK, true};
	hdb_bind_message(&b, m, true, now);
	hdb_int(&b, id);
	if (rc < 0 || update(h, &b, what, "message", id) < 0) {
		sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	if (txn(h, "COMMIT", what) < 0)
		return -1;
	live_mark(l, m);
	return 0;
}

int history_update(struct history *h, long long id, const struct message *m, bool final,
                   long long now)
{
	if (h->st[ST_CHECKPOINT] == NULL) {
		hdb_set_msg(h, "cannot store a message: the history is open read-only");
		return -1;
	}
	struct hdb_live *l = live_find(h, id);
	/* Only appended to since the last write: the new bytes are enough.
	 * Else (not known live here, thinking started over, text shorter) the
	 * whole row once, and appends from there. */
	if (!final && l != NULL && m->text.len >= l->text && m->thinking.len >= l->thinking &&
	    m->raw.len >= l->raw && m->thinking_resets == l->resets)
		return write_new(h, id, m, l, now);
	if (write_whole(h, id, m, final ? m->interrupted : true, now) < 0)
		return -1;
	if (final)
		live_forget(h, id);
	else
		live_mark(live_slot(h, id), m);
	return 0;
}

int history_adopt(struct history *h, long long group, int column)
{
	if (column <= 0) {
		snprintf(h->err, sizeof(h->err), "no compare column %d to adopt", column);
		return -1;
	}
	struct hdb_binder b = {h->st[ST_ADOPT], 0, SQLITE_OK, false};
	hdb_int(&b, group);
	hdb_int(&b, column);
	return update(h, &b, "cannot adopt a column", NULL, 0);
}
