/* SPDX-License-Identifier: GPL-3.0-or-later */
/* history_row: a message row, from the one table of its columns
 * (HISTORY_COLUMNS in history_db.h): the schema's text, the statements'
 * field lists, binding a message, reading one back and its figures as
 * JSON; and the helpers every history file uses for errors and
 * statements. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/history_db.h"
#include "util/jsonesc.h"
#include "util/mem.h"

/* ---- errors and statements ------------------------------------------------ */

void hdb_set_err(struct history *h, const char *what, int rc)
{
	const char *hint = "";
	switch (rc & 0xff) {
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB: hint = " (the history file is damaged)"; break;
	case SQLITE_FULL: hint = " (disk full)"; break;
	case SQLITE_READONLY: hint = " (the history file is read-only)"; break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED: hint = " (another program holds the history)"; break;
	default: break;
	}
	snprintf(h->err, sizeof(h->err), "%s: %s%s", what, sqlite3_errmsg(h->db), hint);
}

void hdb_set_msg(struct history *h, const char *what)
{
	snprintf(h->err, sizeof(h->err), "%s", what);
}

void hdb_done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

int hdb_run(struct history *h, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		hdb_set_err(h, what, rc);
		hdb_done(st);
		return -1;
	}
	hdb_done(st);
	return 0;
}

void hdb_int(struct hdb_binder *b, long long v)
{
	b->i++;
	if (b->rc == SQLITE_OK)
		b->rc = sqlite3_bind_int64(b->st, b->i, v);
}

static void b_size(struct hdb_binder *b, size_t v)
{
	hdb_int(b, v > (size_t)LLONG_MAX ? LLONG_MAX : (long long)v);
}

/* NaN or infinity are not figures: stored as -1, unknown. */
static void b_double(struct hdb_binder *b, double v)
{
	b->i++;
	if (b->rc == SQLITE_OK)
		b->rc = sqlite3_bind_double(b->st, b->i, isfinite(v) ? v : -1.0);
}

static void b_text(struct hdb_binder *b, const char *s, size_t n)
{
	b->i++;
	if (b->rc == SQLITE_OK)
		b->rc = sqlite3_bind_text64(b->st, b->i, s != NULL ? s : "", s != NULL ? n : 0,
		                            SQLITE_STATIC, SQLITE_UTF8);
}

void hdb_str(struct hdb_binder *b, const char *s)
{
	b_text(b, s, s != NULL ? strlen(s) : 0);
}

static void b_blob(struct hdb_binder *b, const void *p, size_t n)
{
	b->i++;
	/* A NULL pointer would bind SQL NULL: "" binds an empty blob. */
	if (b->rc == SQLITE_OK)
		b->rc = sqlite3_bind_blob64(b->st, b->i, p != NULL ? p : "", p != NULL ? n : 0,
		                            SQLITE_STATIC);
}

/* The raw bytes, stored empty when they are the text byte for byte (the
 * usual case: sanitising changed nothing), so a long reply is not stored
 * twice; hdb_read_message reads them back as the text. */
static void b_raw(struct hdb_binder *b, const struct buf *raw, const struct buf *text)
{
	bool same = raw->len == text->len &&
	            (raw->len == 0 || memcmp(raw->data, text->data, raw->len) == 0);
	b_blob(b, same ? NULL : raw->data, same ? 0 : raw->len);
}

const char *hdb_col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s != NULL ? (const char *)s : "";
}

const char *hdb_col_bytes(sqlite3_stmt *st, int i, size_t *n)
{
	const void *p = sqlite3_column_blob(st, i);
	*n = (size_t)sqlite3_column_bytes(st, i);
	return p != NULL ? p : "";
}

static size_t col_size(sqlite3_stmt *st, int i)
{
	long long v = sqlite3_column_int64(st, i);
	return v < 0 ? 0 : (size_t)v;
}

static void col_buf(sqlite3_stmt *st, int i, struct buf *b)
{
	size_t n;
	const char *p = hdb_col_bytes(st, i, &n);
	buf_reset(b);
	(void)buf_append(b, p, n); /* past the message cap: cut, as live */
}

static void col_label(sqlite3_stmt *st, int i, char **label)
{
	free(*label);
	*label = xstrdup(hdb_col_str(st, i));
}

/* Outcomes are stored by name, not enum value, so reordering enum
 * reply_outcome never changes what old rows mean. */
static const char *const outcome_names[] = {
    [REPLY_LIVE] = "live",
    [REPLY_OK] = "ok",
    [REPLY_ERROR] = "error",
    [REPLY_CANCELLED] = "cancelled",
};

const char *hdb_outcome_name(enum reply_outcome o)
{
	if ((size_t)o < sizeof(outcome_names) / sizeof(outcome_names[0]) &&
	    outcome_names[o] != NULL)
		return outcome_names[o];
	return "error";
}

/* A name this version does not know (a newer circuit's) reads as an error. */
static enum reply_outcome outcome_parse(const char *s)
{
	for (size_t i = 0; i < sizeof(outcome_names) / sizeof(outcome_names[0]); i++)
		if (outcome_names[i] != NULL && s != NULL && strcmp(s, outcome_names[i]) == 0)
			return (enum reply_outcome)i;
	return REPLY_ERROR;
}

/* ---- the kinds: declared, bound, read, exported ----------------------------- */

#define DECL_LABEL   "TEXT NOT NULL DEFAULT ''"
#define DECL_NAME    "TEXT NOT NULL DEFAULT ''"
#define DECL_TEXT    "TEXT NOT NULL DEFAULT ''"
#define DECL_BLOB    "BLOB NOT NULL DEFAULT x''"
#define DECL_FLAG    "INTEGER NOT NULL DEFAULT 0"
#define DECL_CUT     "INTEGER NOT NULL DEFAULT 0"
#define DECL_STAMP   "INTEGER NOT NULL"
#define DECL_OUTCOME "TEXT NOT NULL DEFAULT 'live'"
#define DECL_NUM     "INTEGER NOT NULL DEFAULT -1"
#define DECL_SIZE    "INTEGER NOT NULL DEFAULT 0"
#define DECL_REAL    "REAL NOT NULL DEFAULT -1"

#define BIND_LABEL(b, v)   hdb_str(b, v)
#define BIND_NAME(b, v)    hdb_str(b, v)
#define BIND_TEXT(b, v)                                                                            \
	do {                                                                                       \
		if (!(b)->figures_only)                                                            \
			b_text(b, (v).data, (v).len);                                              \
	} while (0)
#define BIND_BLOB(b, v)                                                                            \
	do {                                                                                       \
		if (!(b)->figures_only)                                                            \
			b_raw(b, &(v), &m->text);                                                  \
	} while (0)
#define BIND_FLAG(b, v)    hdb_int(b, v)
#define BIND_CUT(b, v)     hdb_int(b, interrupted)
#define BIND_STAMP(b, v)   hdb_int(b, v)
#define BIND_OUTCOME(b, v) hdb_str(b, hdb_outcome_name(v))
#define BIND_NUM(b, v)     hdb_int(b, v)
#define BIND_SIZE(b, v)    b_size(b, v)
#define BIND_REAL(b, v)    b_double(b, v)

#define READ_LABEL(st, i, v)   col_label(st, i, &(v))
#define READ_NAME(st, i, v)    snprintf(v, sizeof(v), "%s", hdb_col_str(st, i))
#define READ_TEXT(st, i, v)    col_buf(st, i, &(v))
#define READ_BLOB(st, i, v)    col_buf(st, i, &(v))
#define READ_FLAG(st, i, v)    (v) = sqlite3_column_int(st, i) != 0
#define READ_CUT(st, i, v)     (v) = sqlite3_column_int(st, i) != 0
#define READ_STAMP(st, i, v)   (void)0
#define READ_OUTCOME(st, i, v) (v) = outcome_parse(hdb_col_str(st, i))
#define READ_NUM(st, i, v)     (v) = sqlite3_column_int64(st, i)
#define READ_SIZE(st, i, v)    (v) = col_size(st, i)
#define READ_REAL(st, i, v)    (v) = sqlite3_column_double(st, i)

/* Only the figures have a key of their own under "metrics". */
#define JSON_LABEL(out, key, v)
#define JSON_NAME(out, key, v)
#define JSON_TEXT(out, key, v)
#define JSON_BLOB(out, key, v)
#define JSON_FLAG(out, key, v) json_bool(out, key, v)
#define JSON_CUT(out, key, v)
#define JSON_STAMP(out, key, v)
#define JSON_OUTCOME(out, key, v) json_outcome(out, key, v)
#define JSON_NUM(out, key, v)     json_ll(out, key, v)
#define JSON_SIZE(out, key, v)    json_size(out, key, v)
#define JSON_REAL(out, key, v)    json_double(out, key, v)

/* ---- SQL text --------------------------------------------------------------- */

#define COLUMN_DECL(name, kind, field, json) ", " #name " " DECL_##kind
#define COLUMN_NAME(name, kind, field, json) #name,

static const char *const column_names[] = {HISTORY_COLUMNS(COLUMN_NAME)};

/* The text columns: what a checkpoint leaves to the parts. */
#define BULK_LABEL   false
#define BULK_NAME    false
#define BULK_TEXT    true
#define BULK_BLOB    true
#define BULK_FLAG    false
#define BULK_CUT     false
#define BULK_STAMP   false
#define BULK_OUTCOME false
#define BULK_NUM     false
#define BULK_SIZE    false
#define BULK_REAL    false
#define COLUMN_BULK(name, kind, field, json) BULK_##kind,
static const bool column_bulk[] = {HISTORY_COLUMNS(COLUMN_BULK)};
_Static_assert(sizeof(column_names) / sizeof(column_names[0]) == HC_COUNT, "one name a column");

/* A new file's schema, whole (an older file gets there by the upgrade
 * steps in history.c instead). The FTS index is external content over
 * messages, kept by the triggers (the FTS5 documentation's pattern); a
 * checkpoint that did not change the text does not re-index it. Writes to
 * messages and compare groups move their conversation's updated time
 * forward, never back. AUTOINCREMENT: an id a user wrote down (--resume
 * ID, --export ID) never comes back as another conversation after a
 * /delete. A search word is a prefix: 2 and 3 characters have an index
 * of their own. A file of schema 1 gets the same by its upgrade (tests
 * compare the two, word for word). */
/* clang-format off */
const char hdb_schema[] =
    "CREATE TABLE conversations ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " created INTEGER NOT NULL,"
    " updated INTEGER NOT NULL,"
    " system TEXT);"
    "CREATE INDEX conversations_by_update ON conversations(updated, id);"
    "CREATE TABLE compare_groups ("
    " id INTEGER PRIMARY KEY,"
    " conv INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,"
    " models TEXT NOT NULL,"
    " created INTEGER NOT NULL);"
    "CREATE INDEX compare_groups_by_conv ON compare_groups(conv);"
    "CREATE TABLE messages ("
    " id INTEGER PRIMARY KEY,"
    " conv INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,"
    " grp INTEGER NOT NULL DEFAULT 0,"
    " col INTEGER NOT NULL DEFAULT 0,"
    " role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),"
    " created INTEGER NOT NULL" HISTORY_COLUMNS(COLUMN_DECL) ");"
    "CREATE INDEX messages_by_conv ON messages(conv, col, id);"
    "CREATE INDEX messages_by_group ON messages(grp, col) WHERE grp <> 0;"
    HDB_SEARCH_INDEX
    HDB_ROWS_INDEX
    "CREATE TRIGGER messages_touch AFTER UPDATE OF updated ON messages BEGIN"
    " UPDATE conversations SET updated = max(updated, new.updated) WHERE id = new.conv;"
    " END;"
    "CREATE TRIGGER compare_groups_touch AFTER INSERT ON compare_groups BEGIN"
    " UPDATE conversations SET updated = max(updated, new.created) WHERE id = new.conv;"
    " END;"
    HDB_PARTS_TABLE;

/* The tables of the additive steps since (schema 5 on), apart: one string
 * literal may hold only 4095 bytes in C99. */
const char hdb_schema_more[] =
    HDB_ATTACH_TABLE
    HDB_ERRORS_TABLE
    HDB_SOURCES_TABLE
    HDB_VOTES_TABLE;
/* clang-format on */

/* Appends "c1, c2, ..." (the names), or as many "?" (placeholders); the
 * text columns left out when figures. */
static void column_list_of(struct buf *b, bool names, bool figures)
{
	bool first = true;
	for (int i = 0; i < HC_COUNT; i++) {
		if (figures && column_bulk[i])
			continue;
		if (!first)
			buf_append_str(b, ", ");
		buf_append_str(b, names ? column_names[i] : "?");
		first = false;
	}
}

static void column_list(struct buf *b, bool names)
{
	column_list_of(b, names, false);
}

void hdb_sql_checkpoint(struct buf *sql)
{
	buf_append_str(sql, "UPDATE messages SET (");
	column_list_of(sql, true, true);
	buf_append_str(sql, ") = (");
	column_list_of(sql, false, true);
	buf_append_str(sql, ") WHERE id = ?");
}

void hdb_sql_add(struct buf *sql)
{
	buf_append_str(sql, "INSERT INTO messages (conv, grp, col, role, created, ");
	column_list(sql, true);
	buf_append_str(sql, ") VALUES (?, ?, ?, ?, ?, ");
	column_list(sql, false);
	buf_append_str(sql, ")");
}

void hdb_sql_update(struct buf *sql)
{
	buf_append_str(sql, "UPDATE messages SET (");
	column_list(sql, true);
	buf_append_str(sql, ") = (");
	column_list(sql, false);
	buf_append_str(sql, ") WHERE id = ?");
}

void hdb_sql_rows(struct buf *sql)
{
	buf_append_str(sql, "SELECT " HISTORY_ROW_KEY ", ");
	column_list(sql, true);
	buf_append_str(sql, " FROM messages WHERE conv = ?1 ORDER BY id");
}

/* ---- bind, read ------------------------------------------------------------- */

#define COLUMN_BIND(name, kind, field, json) BIND_##kind(b, field);

void hdb_bind_message(struct hdb_binder *b, const struct message *m, bool interrupted,
                      long long now)
{
	struct reply_metrics none;
	const struct reply_metrics *r = &m->metrics;
	if (!m->has_metrics) {
		reply_metrics_init(&none);
		r = &none;
	}
	HISTORY_COLUMNS(COLUMN_BIND)
}

#define COLUMN_READ(name, kind, field, json) READ_##kind(st, R_OF(name), field);

/* Field by field into a cleared struct, so the figures' padding stays
 * zero (a loaded reply compares equal to the one stored). */
void hdb_read_message(sqlite3_stmt *st, struct message *m)
{
	struct reply_metrics *r = &m->metrics;
	reply_metrics_init(r);
	HISTORY_COLUMNS(COLUMN_READ)
	if (!m->has_metrics)
		reply_metrics_init(r);
}

void hdb_raw_is_text(struct message *m)
{
	if (m->raw.len == 0 && m->text.len > 0) /* stored once: see b_raw */
		(void)buf_append(&m->raw, m->text.data, m->text.len);
}

/* ---- JSON ------------------------------------------------------------------- */

/* ,"key": (the first member of an object without the comma). */
static void json_key(struct buf *out, const char *key)
{
	if (out->len == 0 || out->data[out->len - 1] != '{')
		buf_append_char(out, ',');
	buf_printf(out, "\"%s\":", key);
}

/* -1 is "unknown": null. */
static void json_ll(struct buf *out, const char *key, long long v)
{
	json_key(out, key);
	if (v < 0)
		buf_append_str(out, "null");
	else
		buf_printf(out, "%lld", v);
}

static void json_size(struct buf *out, const char *key, size_t v)
{
	json_key(out, key);
	buf_printf(out, "%zu", v);
}

/* The shortest of %.15g..%.17g that reads back as v; unknown (< 0) or not
 * finite: null. */
static void json_double(struct buf *out, const char *key, double v)
{
	json_key(out, key);
	jsonesc_number(out, v);
}

/* A flag of the message's own (key ""): not under "metrics". */
static void json_bool(struct buf *out, const char *key, bool v)
{
	if (key[0] == '\0')
		return;
	json_key(out, key);
	buf_append_str(out, v ? "true" : "false");
}

static void json_outcome(struct buf *out, const char *key, enum reply_outcome o)
{
	json_key(out, key);
	jsonesc_append(out, hdb_outcome_name(o), strlen(hdb_outcome_name(o)));
}

#define COLUMN_JSON(name, kind, field, json) JSON_##kind(out, json, field);

void hdb_json_metrics(struct buf *out, const struct message *m)
{
	if (!m->has_metrics) {
		buf_append_str(out, "null");
		return;
	}
	const struct reply_metrics *r = &m->metrics;
	buf_append_char(out, '{');
	HISTORY_COLUMNS(COLUMN_JSON)
	buf_append_char(out, '}');
}
