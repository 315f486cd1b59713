/* SPDX-License-Identifier: GPL-3.0-or-later */
/* history_db: what the history's files share, and no caller sees
 * (model/history.h stays the one door): the connection and its prepared
 * statements, the one table of a message row's columns, and the small
 * helpers every file uses.
 *
 *   history.c         opening, the schema and its migrations
 *   history_write.c   writing: rows, checkpoints of a live reply (parts)
 *   history_row.c     the column table's code: SQL text, bind, read, JSON
 *   history_read.c    sessions, count, last, load, delete
 *   history_find.c    search, and text made one line (titles, snippets)
 *   history_export.c  Markdown and JSON
 *   history_stats.c   every reply's figures, for --stats */
#ifndef CIRCUIT_MODEL_HISTORY_DB_H
#define CIRCUIT_MODEL_HISTORY_DB_H

#include <stdbool.h>
#include <stddef.h>

#include "model/conversation.h"
#include "model/history.h"
#include "model/libsqlite.h" /* SQLite, by its own names */
#include "util/buf.h"

/* ---- a message row's columns, declared once ------------------------------ */

/* A live reply's text as it grows (schema 3): each checkpoint appends
 * what is new as a part; the final write puts the whole text in the row
 * (indexed then, once) and drops the parts. A row read with parts (its
 * writer was killed) is its text followed by its parts, in order. */
#define HDB_PARTS_TABLE                                                                            \
	"CREATE TABLE message_parts ("                                                             \
	" id INTEGER PRIMARY KEY,"                                                                 \
	" msg INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,"                         \
	" text TEXT NOT NULL DEFAULT '',"                                                          \
	" thinking TEXT NOT NULL DEFAULT '',"                                                      \
	" raw BLOB NOT NULL DEFAULT x'');"                                                         \
	"CREATE INDEX message_parts_by_msg ON message_parts(msg, id);"

/* The search index (schema 4): FTS5 over the first HDB_INDEX_CHARS
 * characters of each message's text and thinking, so one huge reply costs
 * the index (and the memory FTS5 holds for one document while it indexes
 * it) at most that much; words past it are stored and shown but not
 * found (a reply of 64K characters is some 16K tokens: most are
 * whole). A view is the index's content (for 'rebuild' and snippets). A
 * row's words go in from C (history_write.c: index_add binds the
 * first characters of the message, so SQLite never copies a long text to
 * read it, as a trigger reading new.text would), and out by the delete
 * trigger, or ST_INDEX_DROP before a row's text is rewritten. The cap is
 * also what bounds snippet(), whose cost grows with the square of a
 * word's hits in one message: 64K characters of one repeated word take
 * 55 ms, a million took 10 s. */
#define HDB_INDEX_CHARS_N 65536
#define HDB_INDEX_CHARS "65536"
#define HDB_INDEXED(col) "substr(" col ", 1, " HDB_INDEX_CHARS ")"
#define HDB_SEARCH_INDEX                                                                           \
	"CREATE VIEW messages_indexed AS SELECT id, " HDB_INDEXED("text") " AS text, "            \
	HDB_INDEXED("thinking") " AS thinking FROM messages;"                                      \
	"CREATE VIRTUAL TABLE messages_fts USING fts5(text, thinking, content='messages_indexed'," \
	" content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='2 3');"            \
	"CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN"                                \
	" UPDATE conversations SET updated = max(updated, new.updated) WHERE id = new.conv;"       \
	" END;"                                                                                    \
	"CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN"                                \
	" INSERT INTO messages_fts(messages_fts, rowid, text, thinking) VALUES ('delete', old.id, " \
	HDB_INDEXED("old.text") ", " HDB_INDEXED("old.thinking") ");"                             \
	" END;"
#define HDB_SQL_INDEX_ADD "INSERT INTO messages_fts(rowid, text, thinking) VALUES (?1, ?2, ?3)"
#define HDB_SQL_INDEX_DROP                                                                         \
	"INSERT INTO messages_fts(messages_fts, rowid, text, thinking) SELECT 'delete', id, "      \
	HDB_INDEXED("text") ", " HDB_INDEXED("thinking") " FROM messages WHERE id = ?1"

/* A prompt's files (schema 5): name, type, size and hash as shown and
 * exported, and the content sent again when the conversation goes on:
 * a text file's in text, an image's bytes in image (the other NULL). */
#define HDB_ATTACH_TABLE                                                                           \
	"CREATE TABLE attachments ("                                                               \
	" id INTEGER PRIMARY KEY,"                                                                 \
	" msg INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,"                         \
	" name TEXT NOT NULL,"                                                                     \
	" type TEXT NOT NULL,"                                                                     \
	" size INTEGER NOT NULL,"                                                                  \
	" sha256 TEXT NOT NULL,"                                                                   \
	" text TEXT,"                                                                              \
	" image BLOB);"                                                                            \
	"CREATE INDEX attachments_by_msg ON attachments(msg, id);"
/* A reply's error kind (schema 6): the kind a failed reply
 * ended with, as wire_error_kind_name names it ("rate_limit", "server"),
 * for --stats's error kinds. A table of its own, not a column of
 * messages: a file of an older schema opened read-only is read with the
 * same row statements, which a new column would break. A reply without
 * an error (and one written before schema 6) has no row here. */
#define HDB_ERRORS_TABLE                                                                           \
	"CREATE TABLE reply_errors ("                                                              \
	" msg INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,"                      \
	" kind TEXT NOT NULL);"
#define HDB_SQL_ERROR_SET "INSERT OR REPLACE INTO reply_errors (msg, kind) VALUES (?1, ?2)"
/* The sources a reply cites (schema 7, issue 19): each URL once, in the
 * order first cited, written with the reply's last write and loaded with
 * it. Additive: an older file gains the table, its rows cite nothing. */
#define HDB_SOURCES_TABLE                                                                          \
	"CREATE TABLE sources ("                                                                   \
	" id INTEGER PRIMARY KEY,"                                                                 \
	" msg INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,"                         \
	" url TEXT NOT NULL,"                                                                      \
	" title TEXT NOT NULL);"                                                                   \
	"CREATE INDEX sources_by_msg ON sources(msg, id);"
/* The user's votes on compares (schema 8, model/votes.h): the prompt,
 * the models in column order and each column's reply row (JSON arrays),
 * the winner (a column from 0, -1 a tie, -2 none; NULL: not voted yet, a
 * blind compare run from a shell that waits for circuit --vote) and the
 * blind mode (0 off, 1 blind, 2 strict). A conversation deleted takes its
 * votes with it (the prompt is its text). */
#define HDB_VOTES_TABLE                                                                            \
	"CREATE TABLE votes ("                                                                     \
	" id INTEGER PRIMARY KEY,"                                                                 \
	" conv INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,"                   \
	" created INTEGER NOT NULL,"                                                               \
	" prompt TEXT NOT NULL DEFAULT '',"                                                        \
	" models TEXT NOT NULL DEFAULT '[]',"                                                      \
	" replies TEXT NOT NULL DEFAULT '[]',"                                                     \
	" winner INTEGER,"                                                                         \
	" blind INTEGER NOT NULL DEFAULT 0);"                                                      \
	"CREATE INDEX votes_by_time ON votes(created);"                                            \
	"CREATE INDEX votes_by_conv ON votes(conv);"

/* A conversation's rows in order (schema 4): an index on conv alone ends
 * in the rowid, so "WHERE conv = ? ORDER BY id" walks it with no sort (a
 * sort copied every row, a long reply's text included, several times). */
#define HDB_ROWS_INDEX "CREATE INDEX messages_in_order ON messages(conv);"

/* Every column of a message row after its key (id, conv, grp, col, role,
 * created), in the table's order: X(name, kind, field, json).
 *   name   the SQL column;
 *   kind   how it is declared, bound and read (history_row.c, one macro
 *          of each per kind):
 *            LABEL    TEXT, the message's malloc'd label
 *            NAME     TEXT, a char array
 *            TEXT     TEXT, a struct buf
 *            BLOB     BLOB, a struct buf (bytes as they were)
 *            FLAG     INTEGER 0/1, a bool
 *            CUT      INTEGER 0/1, a bool the write decides (a checkpoint
 *                     stores 1, whatever the message says)
 *            STAMP    INTEGER, the time of the write (field: now); not read
 *            OUTCOME  TEXT, enum reply_outcome by name
 *            NUM      INTEGER, -1 unknown (a time in ms, a token count)
 *            SIZE     INTEGER, a size_t, 0 none
 *            REAL     REAL, -1 unknown (NaN and infinity stored as -1);
 *   field  where it lives: m (the struct message), r (its figures, unknown
 *          for a message without), now;
 *   json   its key under "metrics" in the JSON export; "" when it is not
 *          there (the export writes those itself, at the message's level).
 * Adding a column: one line here, and an upgrade step in history.c that
 * adds it to files of an older schema (ALTER TABLE messages ADD COLUMN). */
#define HISTORY_COLUMNS(X)                                                                         \
	X(label, LABEL, m->label, "")                                                              \
	X(provider, NAME, r->provider, "")                                                         \
	X(model, NAME, r->model, "")                                                               \
	X(text, TEXT, m->text, "")                                                                 \
	X(raw, BLOB, m->raw, "")                                                                   \
	X(thinking, TEXT, m->thinking, "")                                                         \
	X(meta, NAME, m->meta, "")                                                                 \
	X(interrupted, CUT, m->interrupted, "")                                                    \
	X(dropped, FLAG, m->dropped, "")                                                           \
	X(stop, NAME, r->stop, "")                                                                 \
	X(updated, STAMP, now, "")                                                                 \
	X(has_metrics, FLAG, m->has_metrics, "")                                                   \
	X(outcome, OUTCOME, r->outcome, "outcome")                                                 \
	X(ttfb, NUM, r->ttfb, "ttfb_ms")                                                           \
	X(ttft, NUM, r->ttft, "ttft_ms")                                                           \
	X(ttfo, NUM, r->ttfo, "ttfo_ms")                                                           \
	X(last_tok, NUM, r->last, "last_token_ms")                                                 \
	X(total, NUM, r->total, "total_ms")                                                        \
	X(last_byte, NUM, r->last_byte, "last_byte_ms")                                            \
	X(max_gap, NUM, r->max_gap, "max_gap_ms")                                                  \
	X(deltas, SIZE, r->deltas, "deltas")                                                       \
	X(text_bytes, SIZE, r->text_bytes, "text_bytes")                                           \
	X(thinking_bytes, SIZE, r->thinking_bytes, "thinking_bytes")                               \
	X(prompt_bytes, SIZE, r->prompt_bytes, "prompt_bytes")                                     \
	X(usage_in, NUM, r->usage_in, "usage_in")                                                  \
	X(usage_out, NUM, r->usage_out, "usage_out")                                               \
	X(usage_thinking, NUM, r->usage_thinking, "usage_thinking")                                \
	X(tokens_in, NUM, r->tokens_in, "tokens_in")                                               \
	X(tokens_out, NUM, r->tokens_out, "tokens_out")                                            \
	X(tokens_thinking, NUM, r->tokens_thinking, "tokens_thinking")                             \
	X(in_est, FLAG, r->in_estimated, "tokens_in_estimated")                                    \
	X(out_est, FLAG, r->out_estimated, "tokens_out_estimated")                                 \
	X(thinking_est, FLAG, r->thinking_estimated, "tokens_thinking_estimated")                  \
	X(tps, REAL, r->tps, "tokens_per_second")                                                  \
	X(tps_est, FLAG, r->tps_estimated, "tokens_per_second_estimated")                          \
	X(cost, REAL, r->cost, "cost_usd")                                                         \
	X(cost_est, FLAG, r->cost_estimated, "cost_estimated")

#define HISTORY_COLUMN_ENUM(name, kind, field, json) HC_##name,
enum history_column { HISTORY_COLUMNS(HISTORY_COLUMN_ENUM) HC_COUNT };
#undef HISTORY_COLUMN_ENUM

/* A row as every SELECT of messages reads it: the key, then the columns
 * above (R_COLUMNS + HC_name). */
enum { R_ID, R_CONV, R_GRP, R_COL, R_ROLE, R_CREATED, R_COLUMNS };
#define R_OF(name)      (R_COLUMNS + HC_##name)
#define HISTORY_ROW_KEY "id, conv, grp, col, role, created"

/* ---- the connection ------------------------------------------------------ */

enum stmt {
	ST_BEGIN,
	ST_SET_SYSTEM,
	ST_BEGIN_COMPARE,
	ST_ADD,
	ST_UPDATE,
	ST_ADOPT,
	ST_SESSIONS,
	ST_COUNT_CONVS,
	ST_TITLE,
	ST_MODELS,
	ST_LAST,
	ST_CONV,
	ST_ROWS,
	ST_DELETE,
	ST_SEARCH,
	ST_CHECKPOINT, /* the row's figures, not its text (schema 3 on) */
	ST_PART_ADD,   /* what a live reply's text grew by since its last write */
	ST_PARTS,      /* a row's parts, in order */
	ST_PARTS_DROP, /* a row's parts, once its text is whole in the row */
	ST_INDEX_ADD,  /* a row's words into the search index (schema 4) */
	ST_INDEX_DROP, /* a row's words out of it, before its text changes */
	ST_ATTACH_ADD, /* a prompt's file (schema 5) */
	ST_ATTACHED,   /* a row's files, whole, in order */
	ST_ATTACH_META, /* a row's files without their content (exports) */
	ST_ERROR_SET,  /* a failed reply's error kind (schema 6) */
	ST_SOURCE_ADD,   /* a source a reply cites (schema 7) */
	ST_SOURCES,      /* a row's sources, in order */
	ST_SOURCES_DROP, /* a row's sources, before they are written again */
	ST_COUNT
};

/* The statements a file older than schema 3 has no table for (opened
 * read-only, it is read as it is: they stay NULL). */
#define ST_FIRST_OF_3 ST_CHECKPOINT
/* And the ones a file older than schema 5 has no table for. */
#define ST_FIRST_OF_5 ST_ATTACH_ADD
/* And the ones a file older than schema 6 has no table for. */
#define ST_FIRST_OF_6 ST_ERROR_SET
/* And the ones a file older than schema 7 has no table for. */
#define ST_FIRST_OF_7 ST_SOURCE_ADD

/* A reply streaming into its row: how much of it the row and its parts
 * hold, so a checkpoint writes only what is new. */
struct hdb_live {
	long long id; /* the row; 0: a free slot */
	size_t text, thinking, raw;
	unsigned long resets; /* the message's thinking_resets then */
};
#define HDB_LIVE_MAX 16 /* replies streaming at once: a compare's 6, with room */

struct history {
	sqlite3 *db;
	long long version; /* the file's schema: older only when opened read-only */
	sqlite3_stmt *st[ST_COUNT];
	struct hdb_live live[HDB_LIVE_MAX];
	char err[512];
};

/* ---- errors and statements (history_row.c) -------------------------------- */

/* h->err = "what: SQLite's message (a hint for the common codes)". */
void hdb_set_err(struct history *h, const char *what, int rc);
/* h->err = what. */
void hdb_set_msg(struct history *h, const char *what);
/* After each use: no statement keeps a read transaction open (which would
 * hold back WAL checkpoints) or a pointer into the caller's buffers. */
void hdb_done(sqlite3_stmt *st);
/* Steps a write to its end and resets it. 0, or -1 with the error set. */
int hdb_run(struct history *h, sqlite3_stmt *st, const char *what);

/* Binds in order, remembering the first failure (too big, out of memory),
 * so a caller checks once. Text is bound without a copy: every statement
 * is stepped and reset before the function that bound it returns. */
struct hdb_binder {
	sqlite3_stmt *st;
	int i;
	int rc;
	bool figures_only; /* hdb_bind_message: not the text columns (ST_CHECKPOINT) */
};
void hdb_int(struct hdb_binder *b, long long v);
void hdb_str(struct hdb_binder *b, const char *s); /* NULL binds "" */

/* Column i as a C string, never NULL. */
const char *hdb_col_str(sqlite3_stmt *st, int i);
/* Column i's bytes (text or blob, as stored): *n set. Never NULL. */
const char *hdb_col_bytes(sqlite3_stmt *st, int i, size_t *n);

/* ---- the column table's code (history_row.c) ------------------------------ */

/* The SQL that creates a new file's tables at HISTORY_SCHEMA_VERSION. */
extern const char hdb_schema[];
extern const char hdb_schema_more[]; /* run after it, in the same transaction */
/* Appends the SQL of the message statements: ST_ADD's, ST_UPDATE's and
 * ST_ROWS's (every row of conversation ?1, in order). */
void hdb_sql_add(struct buf *sql);
void hdb_sql_update(struct buf *sql);
void hdb_sql_rows(struct buf *sql);
/* ST_CHECKPOINT's: every column but the text ones (TEXT and BLOB kinds). */
void hdb_sql_checkpoint(struct buf *sql);
/* Binds every column from m (after b's last index), interrupted as given
 * and updated = now; a message without figures binds unknown ones. */
void hdb_bind_message(struct hdb_binder *b, const struct message *m, bool interrupted,
                      long long now);
/* Reads a row of the R_ layout into m (made by conv_add: its label,
 * text, thinking and raw are replaced): every column; its figures stay
 * unknown when it has none. */
void hdb_read_message(sqlite3_stmt *st, struct message *m);
/* A row's raw bytes are stored empty when they are its text (b_raw): after
 * hdb_read_message, this makes m's raw its text again when it is empty.
 * The export leaves it (it falls back on the text itself, one copy less);
 * hdb_read_parts calls it before the first part's raw bytes. */
void hdb_raw_is_text(struct message *m);
/* m's figures as the JSON export's "metrics" object, or null. */
void hdb_json_metrics(struct buf *out, const struct message *m);
/* The name an outcome is stored and exported by. */
const char *hdb_outcome_name(enum reply_outcome o);

/* ---- text (history_find.c) ------------------------------------------------ */

/* n bytes of text as one line of at most cap - 1 bytes into out: control
 * characters made visible and invalid UTF-8 repaired (util/sanitize), each
 * run of newlines, tabs and spaces one space, trimmed; when it does not
 * fit, cut between characters (util/width clusters, so a mark stays with
 * its base) and ended with glyph->ellipsis. cap >= 8. */
void hdb_oneline(char *out, size_t cap, const char *s, size_t n);

/* ---- reading (history_read.c) --------------------------------------------- */

/* Appends row id's parts, if any, to m's text, thinking and raw (a reply
 * whose writer was killed while it streamed). SQLITE_DONE, or the code. */
int hdb_read_parts(struct history *h, long long id, struct message *m);

/* Appends row id's attachments (names, types, hashes and content) to
 * m's; nothing for a file older than schema 5. SQLITE_DONE, or the code. */
int hdb_read_attachments(struct history *h, long long id, struct message *m);

/* Appends row id's sources to m's; nothing for a file older than the
 * sources step. SQLITE_DONE, or the code. */
int hdb_read_sources(struct history *h, long long id, struct message *m);

/* Replaces row id's sources by m's, inside the caller's transaction.
 * 0, or -1 with the error set (what names the write). */
int hdb_write_sources(struct history *h, long long id, const struct message *m, const char *what);

/* conv's title (its first prompt's first line that is not blank), into out
 * (cap bytes). 0, or -1 with the error set. */
int hdb_title(struct history *h, long long conv, char *out, size_t cap);
/* conv's row: its system prompt (malloc'd, or NULL) and its times when
 * asked. 1 found, 0 no such conversation (error set), -1. */
int hdb_conv_row(struct history *h, long long conv, char **system, long long *created,
                 long long *updated);

#endif
