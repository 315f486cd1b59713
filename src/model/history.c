/* SPDX-License-Identifier: GPL-3.0-or-later */
/* history: every conversation and message, with its figures, in SQLite.
 *
 * Durability. The file is in WAL mode with synchronous=NORMAL: a commit
 * appends its pages to history.db-wal and returns without an fsync; the
 * WAL is synced only when it is checkpointed into the database. A
 * committed transaction is in the WAL file, so it survives the process
 * being killed (kill -9, a crash): the next open replays it. Only a power
 * loss or an OS crash may lose the last few commits, and even then the
 * file stays consistent. Every write below is one statement in autocommit
 * (its triggers run inside it), so each is its own transaction. */
#include "model/history.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/jsonesc.h"
#include "util/mem.h"
#include "util/sanitize.h"
#include "util/utf8.h"
#include "util/width.h"

#define BUSY_TIMEOUT_MS 2000
/* How every refusal of history_open ends, and the advice for a file that
 * is not ours to fix. */
#define OFF     ": history is off for this run"
#define MOVE_IT "; move it away to start a new one"
/* The WAL is cut back to this after a checkpoint, so one big burst of
 * writes does not leave a file that large behind forever. */
#define WAL_LIMIT ((long long)8 << 20)
/* PRAGMA application_id: "circ", so another program's database with a
 * user_version of its own is not taken for ours. */
#define APPLICATION_ID 0x63697263
#define ELLIPSIS       "\xE2\x80\xA6" /* … */

/* ---- the schema ---------------------------------------------------------- */

/* migrations[v] takes a file from user_version v to v + 1. A new version
 * appends a step here and raises HISTORY_SCHEMA_VERSION; no step is ever
 * edited once released. */
static const char *const migrations[] = {
    /* 0 -> 1: everything. Outcomes are stored by name, not enum value, so
     * reordering enum reply_outcome never changes what old rows mean. The
     * FTS index is external content over messages, kept by the triggers
     * (the FTS5 documentation's pattern); a checkpoint that did not change
     * the text does not re-index it. Writes to messages and compare groups
     * move their conversation's updated time forward, never back. */
    /* AUTOINCREMENT: an id a user wrote down (--resume ID, --export ID)
     * never comes back as another conversation after a /delete. */
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
    " created INTEGER NOT NULL,"
    " label TEXT NOT NULL DEFAULT '',"
    " provider TEXT NOT NULL DEFAULT '',"
    " model TEXT NOT NULL DEFAULT '',"
    " text TEXT NOT NULL DEFAULT '',"
    " raw BLOB NOT NULL DEFAULT x'',"
    " thinking TEXT NOT NULL DEFAULT '',"
    " meta TEXT NOT NULL DEFAULT '',"
    " interrupted INTEGER NOT NULL DEFAULT 0,"
    " dropped INTEGER NOT NULL DEFAULT 0,"
    " stop TEXT NOT NULL DEFAULT '',"
    " updated INTEGER NOT NULL,"
    " has_metrics INTEGER NOT NULL DEFAULT 0,"
    " outcome TEXT NOT NULL DEFAULT 'live',"
    " ttfb INTEGER NOT NULL DEFAULT -1,"
    " ttft INTEGER NOT NULL DEFAULT -1,"
    " ttfo INTEGER NOT NULL DEFAULT -1,"
    " last_tok INTEGER NOT NULL DEFAULT -1,"
    " total INTEGER NOT NULL DEFAULT -1,"
    " last_byte INTEGER NOT NULL DEFAULT -1,"
    " max_gap INTEGER NOT NULL DEFAULT -1,"
    " deltas INTEGER NOT NULL DEFAULT 0,"
    " text_bytes INTEGER NOT NULL DEFAULT 0,"
    " thinking_bytes INTEGER NOT NULL DEFAULT 0,"
    " prompt_bytes INTEGER NOT NULL DEFAULT 0,"
    " usage_in INTEGER NOT NULL DEFAULT -1,"
    " usage_out INTEGER NOT NULL DEFAULT -1,"
    " usage_thinking INTEGER NOT NULL DEFAULT -1,"
    " tokens_in INTEGER NOT NULL DEFAULT -1,"
    " tokens_out INTEGER NOT NULL DEFAULT -1,"
    " tokens_thinking INTEGER NOT NULL DEFAULT -1,"
    " in_est INTEGER NOT NULL DEFAULT 0,"
    " out_est INTEGER NOT NULL DEFAULT 0,"
    " thinking_est INTEGER NOT NULL DEFAULT 0,"
    " tps REAL NOT NULL DEFAULT -1,"
    " tps_est INTEGER NOT NULL DEFAULT 0,"
    " cost REAL NOT NULL DEFAULT -1,"
    " cost_est INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX messages_by_conv ON messages(conv, col, id);"
    "CREATE INDEX messages_by_group ON messages(grp, col) WHERE grp <> 0;"
    "CREATE VIRTUAL TABLE messages_fts USING fts5(text, thinking, content='messages',"
    " content_rowid='id', tokenize='unicode61 remove_diacritics 2');"
    "CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN"
    " INSERT INTO messages_fts(rowid, text, thinking) VALUES (new.id, new.text, new.thinking);"
    " UPDATE conversations SET updated = max(updated, new.updated) WHERE id = new.conv;"
    " END;"
    "CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN"
    " INSERT INTO messages_fts(messages_fts, rowid, text, thinking)"
    "  VALUES ('delete', old.id, old.text, old.thinking);"
    " END;"
    "CREATE TRIGGER messages_au AFTER UPDATE OF text, thinking ON messages"
    " WHEN old.text IS NOT new.text OR old.thinking IS NOT new.thinking BEGIN"
    " INSERT INTO messages_fts(messages_fts, rowid, text, thinking)"
    "  VALUES ('delete', old.id, old.text, old.thinking);"
    " INSERT INTO messages_fts(rowid, text, thinking) VALUES (new.id, new.text, new.thinking);"
    " END;"
    "CREATE TRIGGER messages_touch AFTER UPDATE OF updated ON messages BEGIN"
    " UPDATE conversations SET updated = max(updated, new.updated) WHERE id = new.conv;"
    " END;"
    "CREATE TRIGGER compare_groups_touch AFTER INSERT ON compare_groups BEGIN"
    " UPDATE conversations SET updated = max(updated, new.created) WHERE id = new.conv;"
    " END;",
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == HISTORY_SCHEMA_VERSION,
               "one migration step per schema version");

/* The columns a message write sets, in the order bind_message() binds and
 * read_row() reads them. Adding one: here, in both functions, and in a
 * migration. */
static const char *const fields[] = {
    "label",     "provider",       "model",          "text",         "raw",
    "thinking",  "meta",           "interrupted",    "dropped",      "stop",
    "updated",   "has_metrics",    "outcome",        "ttfb",         "ttft",
    "ttfo",      "last_tok",       "total",          "last_byte",    "max_gap",
    "deltas",    "text_bytes",     "thinking_bytes", "prompt_bytes", "usage_in",
    "usage_out", "usage_thinking", "tokens_in",      "tokens_out",   "tokens_thinking",
    "in_est",    "out_est",        "thinking_est",   "tps",          "tps_est",
    "cost",      "cost_est",
};
#define NFIELDS ((int)(sizeof(fields) / sizeof(fields[0])))

/* A row as read: id, conv, grp, col, role, created, then fields[]. */
enum {
	R_ID,
	R_CONV,
	R_GRP,
	R_COL,
	R_ROLE,
	R_CREATED,
	R_LABEL,
	R_PROVIDER,
	R_MODEL,
	R_TEXT,
	R_RAW,
	R_THINKING,
	R_META,
	R_INTERRUPTED,
	R_DROPPED,
	R_STOP,
	R_UPDATED,
	R_HAS_METRICS,
	R_OUTCOME, /* and the other figures, in fields[] order */
};

enum stmt {
	ST_BEGIN,
	ST_SET_SYSTEM,
	ST_BEGIN_COMPARE,
	ST_ADD,
	ST_UPDATE,
	ST_ADOPT,
	ST_SESSIONS,
	ST_TITLE,
	ST_MODELS,
	ST_LAST,
	ST_CONV,
	ST_LOAD,
	ST_EXPORT,
	ST_DELETE,
	ST_SEARCH,
	ST_COUNT
};

struct history {
	sqlite3 *db;
	sqlite3_stmt *st[ST_COUNT];
	char err[512];
};

/* ---- small helpers ------------------------------------------------------- */

static void set_err(struct history *h, const char *what, int rc)
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

static void set_msg(struct history *h, const char *what)
{
	snprintf(h->err, sizeof(h->err), "%s", what);
}

/* After each use: no statement keeps a read transaction open (which would
 * hold back WAL checkpoints) or a pointer into the caller's buffers. */
static void done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

/* Steps a write to its end. 0, or -1 with the error set. */
static int run(struct history *h, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		set_err(h, what, rc);
		done(st);
		return -1;
	}
	done(st);
	return 0;
}

/* Binds in order, remembering the first failure (too big, out of memory),
 * so a caller checks once. */
struct binder {
	sqlite3_stmt *st;
	int i;
	int rc;
};

static void b_int(struct binder *b, long long v)
{
	b->i++;
	if (b->rc == SQLITE_OK)
		b->rc = sqlite3_bind_int64(b->st, b->i, v);
}

static void b_size(struct binder *b, size_t v)
{
	b_int(b, v > (size_t)LLONG_MAX ? LLONG_MAX : (long long)v);
}

/* NaN or infinity are not figures: stored as -1, unknown. */
static void b_double(struct binder *b, double v)
{
	b->i++;
	if (b->rc == SQLITE_OK)
		b->rc = sqlite3_bind_double(b->st, b->i, isfinite(v) ? v : -1.0);
}

/* Text is bound without a copy: every statement is stepped and reset
 * before the function that bound it returns. */
static void b_text(struct binder *b, const char *s, size_t n)
{
	b->i++;
	if (b->rc == SQLITE_OK)
		b->rc = sqlite3_bind_text64(b->st, b->i, s != NULL ? s : "", s != NULL ? n : 0,
		                            SQLITE_STATIC, SQLITE_UTF8);
}

static void b_str(struct binder *b, const char *s)
{
	b_text(b, s, s != NULL ? strlen(s) : 0);
}

static void b_blob(struct binder *b, const void *p, size_t n)
{
	b->i++;
	/* A NULL pointer would bind SQL NULL: "" binds an empty blob. */
	if (b->rc == SQLITE_OK)
		b->rc = sqlite3_bind_blob64(b->st, b->i, p != NULL ? p : "", p != NULL ? n : 0,
		                            SQLITE_STATIC);
}

static void b_buf_text(struct binder *b, const struct buf *x)
{
	b_text(b, x->data, x->len);
}

static const char *const outcome_names[] = {
    [REPLY_LIVE] = "live",
    [REPLY_OK] = "ok",
    [REPLY_ERROR] = "error",
    [REPLY_CANCELLED] = "cancelled",
};

static const char *outcome_name(enum reply_outcome o)
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

/* Column i as a C string, never NULL. */
static const char *col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s != NULL ? (const char *)s : "";
}

/* Column i's bytes (text or blob, as stored): *n set. Never NULL. */
static const char *col_bytes(sqlite3_stmt *st, int i, size_t *n)
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

/* Binds fields[] from m, starting after b's last index. */
static void bind_message(struct binder *b, const struct message *m, bool interrupted, long long now)
{
	struct reply_metrics none;
	const struct reply_metrics *r = &m->metrics;
	if (!m->has_metrics) {
		reply_metrics_init(&none);
		r = &none;
	}
	b_str(b, m->label);
	b_str(b, r->provider);
	b_str(b, r->model);
	b_buf_text(b, &m->text);
	b_blob(b, m->raw.data, m->raw.len);
	b_buf_text(b, &m->thinking);
	b_str(b, m->meta);
	b_int(b, interrupted);
	b_int(b, m->dropped);
	b_str(b, r->stop);
	b_int(b, now);
	b_int(b, m->has_metrics);
	b_str(b, outcome_name(r->outcome));
	b_int(b, r->ttfb);
	b_int(b, r->ttft);
	b_int(b, r->ttfo);
	b_int(b, r->last);
	b_int(b, r->total);
	b_int(b, r->last_byte);
	b_int(b, r->max_gap);
	b_size(b, r->deltas);
	b_size(b, r->text_bytes);
	b_size(b, r->thinking_bytes);
	b_size(b, r->prompt_bytes);
	b_int(b, r->usage_in);
	b_int(b, r->usage_out);
	b_int(b, r->usage_thinking);
	b_int(b, r->tokens_in);
	b_int(b, r->tokens_out);
	b_int(b, r->tokens_thinking);
	b_int(b, r->in_estimated);
	b_int(b, r->out_estimated);
	b_int(b, r->thinking_estimated);
	b_double(b, r->tps);
	b_int(b, r->tps_estimated);
	b_double(b, r->cost);
	b_int(b, r->cost_estimated);
}

/* The figures of a row read with the R_ layout, into r (whole: names
 * included); false when the row has none (r is then all unknown). Field
 * by field into a cleared struct, so padding stays zero. */
static bool read_metrics(sqlite3_stmt *st, struct reply_metrics *r)
{
	reply_metrics_init(r);
	if (sqlite3_column_int(st, R_HAS_METRICS) == 0)
		return false;
	snprintf(r->provider, sizeof(r->provider), "%s", col_str(st, R_PROVIDER));
	snprintf(r->model, sizeof(r->model), "%s", col_str(st, R_MODEL));
	snprintf(r->stop, sizeof(r->stop), "%s", col_str(st, R_STOP));
	int i = R_OUTCOME;
	r->outcome = outcome_parse(col_str(st, i++));
	r->ttfb = sqlite3_column_int64(st, i++);
	r->ttft = sqlite3_column_int64(st, i++);
	r->ttfo = sqlite3_column_int64(st, i++);
	r->last = sqlite3_column_int64(st, i++);
	r->total = sqlite3_column_int64(st, i++);
	r->last_byte = sqlite3_column_int64(st, i++);
	r->max_gap = sqlite3_column_int64(st, i++);
	r->deltas = col_size(st, i++);
	r->text_bytes = col_size(st, i++);
	r->thinking_bytes = col_size(st, i++);
	r->prompt_bytes = col_size(st, i++);
	r->usage_in = sqlite3_column_int64(st, i++);
	r->usage_out = sqlite3_column_int64(st, i++);
	r->usage_thinking = sqlite3_column_int64(st, i++);
	r->tokens_in = sqlite3_column_int64(st, i++);
	r->tokens_out = sqlite3_column_int64(st, i++);
	r->tokens_thinking = sqlite3_column_int64(st, i++);
	r->in_estimated = sqlite3_column_int(st, i++) != 0;
	r->out_estimated = sqlite3_column_int(st, i++) != 0;
	r->thinking_estimated = sqlite3_column_int(st, i++) != 0;
	r->tps = sqlite3_column_double(st, i++);
	r->tps_estimated = sqlite3_column_int(st, i++) != 0;
	r->cost = sqlite3_column_double(st, i++);
	r->cost_estimated = sqlite3_column_int(st, i++) != 0;
	return true;
}

/* n bytes of text as one line of at most cap - 1 bytes into out: control
 * characters made visible and invalid UTF-8 repaired (util/sanitize), each
 * run of newlines, tabs and spaces one space, trimmed; when it does not
 * fit, cut between characters (util/width clusters, so a mark stays with
 * its base) and ended with "…". cap >= 4. */
static void oneline(char *out, size_t cap, const char *s, size_t n)
{
	struct buf b;
	buf_init(&b, 0);
	sanitize_append(&b, s != NULL ? s : "", s != NULL ? n : 0);
	size_t w = 0;
	bool space = true; /* drops leading blanks */
	for (size_t i = 0; i < b.len; i++) {
		char c = b.data[i];
		if (c == ' ' || c == '\n' || c == '\t') {
			if (!space)
				b.data[w++] = ' ';
			space = true;
		} else {
			b.data[w++] = c;
			space = false;
		}
	}
	if (w > 0 && b.data[w - 1] == ' ')
		w--;
	if (w < cap) {
		memcpy(out, b.len > 0 ? b.data : "", w);
		out[w] = '\0';
		buf_done(&b);
		return;
	}
	size_t limit = cap - 1 - strlen(ELLIPSIS), used = 0;
	while (used < w) {
		unsigned cols;
		size_t k = width_cluster(b.data + used, w - used, &cols);
		if (k == 0 || used + k > limit)
			break;
		used += k;
	}
	/* A hostile cluster longer than the room: cut at a character instead. */
	if (used == 0) {
		while (used < w) {
			size_t k;
			width_char(b.data + used, w - used, &k);
			if (k == 0 || used + k > limit)
				break;
			used += k;
		}
	}
	while (used > 0 && b.data[used - 1] == ' ')
		used--;
	memcpy(out, b.data, used);
	memcpy(out + used, ELLIPSIS, strlen(ELLIPSIS) + 1);
	buf_done(&b);
}

/* ---- opening ------------------------------------------------------------- */

/* The path for messages: one line, nothing a terminal would act on. */
static void quote_path(struct buf *q, const char *path)
{
	size_t n = strlen(path);
	sanitize_append(q, path, n);
	for (size_t i = 0; i < q->len; i++)
		if (q->data[i] == '\n' || q->data[i] == '\t')
			q->data[i] = ' ';
}

static void say(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(char *err, size_t errlen, const char *fmt, ...)
{
	if (err == NULL || errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* The message for a failure of SQLite on the file (open or first use). */
static void open_error(char *err, size_t errlen, const char *qpath, int rc, const char *detail)
{
	switch (rc & 0xff) {
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		say(err, errlen, "%s is not a history database (corrupt?)" OFF MOVE_IT, qpath);
		break;
	case SQLITE_READONLY:
	case SQLITE_PERM:
		say(err, errlen, "cannot write the history at %s (read-only)" OFF, qpath);
		break;
	case SQLITE_FULL:
		say(err, errlen, "cannot write the history at %s (disk full)" OFF, qpath);
		break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		say(err, errlen, "the history at %s is locked by another program" OFF, qpath);
		break;
	default: say(err, errlen, "cannot open the history at %s (%s)" OFF, qpath, detail); break;
	}
}

/* Creates the file 0600 if it is not there, and checks what is: a plain
 * file (not a link) we may read and write; one readable by others is
 * tightened to 0600. SQLite gives the -wal and -shm files the database's
 * mode, so they are 0600 too. 0, or -1 with err said. */
static int prepare_file(const char *path, const char *qpath, char *err, size_t errlen)
{
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = errno;
		if (e == ELOOP) {
			say(err, errlen, "%s is a symbolic link, not a plain file" OFF, qpath);
			return -1;
		}
		if (e == EACCES || e == EPERM || e == EROFS || e == ETXTBSY) {
			int rfd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			int re = errno;
			if (rfd >= 0) {
				close(rfd);
				say(err, errlen, "cannot write the history at %s (read-only)" OFF,
				    qpath);
				return -1;
			}
			if (re == ENOENT) {
				say(err, errlen, "cannot create the history at %s (%s)" OFF, qpath,
				    strerror(e));
				return -1;
			}
		}
		say(err, errlen, "cannot open the history at %s (%s)" OFF, qpath, strerror(e));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		say(err, errlen, "%s is not a plain file" OFF, qpath);
		return -1;
	}
	if ((st.st_mode & 077) != 0)
		(void)fchmod(fd, 0600); /* best effort: not ours to change, it stays as it was */
	close(fd);
	return 0;
}

/* One pragma or statement whose result (if any) is one integer or text. */
static int exec1(sqlite3 *db, const char *sql, long long *ival, char *sval, size_t slen)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (ival != NULL)
			*ival = sqlite3_column_int64(st, 0);
		if (sval != NULL)
			snprintf(sval, slen, "%s", col_str(st, 0));
		rc = SQLITE_DONE;
	}
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(st);
	return rc;
}

/* Brings the file to HISTORY_SCHEMA_VERSION, one step per transaction; the
 * version is read again inside the write lock, so two circuits opening a
 * new file at once do not both create it. */
static int migrate(sqlite3 *db, const char *qpath, char *err, size_t errlen)
{
	for (;;) {
		int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			open_error(err, errlen, qpath, rc, sqlite3_errmsg(db));
			return -1;
		}
		long long v = 0, objects = 0;
		rc = exec1(db, "PRAGMA user_version", &v, NULL, 0);
		if (rc == SQLITE_OK && v == 0)
			rc = exec1(db, "SELECT count(*) FROM sqlite_master", &objects, NULL, 0);
		if (rc != SQLITE_OK) {
			open_error(err, errlen, qpath, rc, sqlite3_errmsg(db));
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
		if (v >= HISTORY_SCHEMA_VERSION) {
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return 0;
		}
		if (v == 0 && objects > 0) {
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			say(err, errlen,
			    "%s is another program's database, not a circuit history" OFF MOVE_IT,
			    qpath);
			return -1;
		}
		char *msg = NULL;
		rc = sqlite3_exec(db, migrations[v], NULL, NULL, &msg);
		if (rc == SQLITE_OK) {
			char sql[96];
			snprintf(sql, sizeof(sql),
			         "PRAGMA user_version = %lld; PRAGMA application_id = %d", v + 1,
			         APPLICATION_ID);
			rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
		}
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			char detail[256];
			snprintf(detail, sizeof(detail), "schema %lld to %lld: %s", v, v + 1,
			         msg != NULL ? msg : sqlite3_errmsg(db));
			sqlite3_free(msg);
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			open_error(err, errlen, qpath, rc, detail);
			return -1;
		}
		sqlite3_free(msg);
	}
}

/* Appends "f1, f2, ..." (names) or "?1, ?2, ..." (from, for placeholders). */
static void field_list(struct buf *b, int from)
{
	for (int i = 0; i < NFIELDS; i++) {
		if (i > 0)
			buf_append_str(b, ", ");
		if (from > 0)
			buf_printf(b, "?%d", from + i);
		else
			buf_append_str(b, fields[i]);
	}
}

#define ROW_COLUMNS "id, conv, grp, col, role, created, "

static int prepare_all(struct history *h)
{
	struct buf add, upd, load, exp;
	buf_init(&add, 0);
	buf_init(&upd, 0);
	buf_init(&load, 0);
	buf_init(&exp, 0);
	buf_append_str(&add, "INSERT INTO messages (conv, grp, col, role, created, ");
	field_list(&add, 0);
	buf_append_str(&add, ") VALUES (?1, ?2, ?3, ?4, ?5, ");
	field_list(&add, 6);
	buf_append_str(&add, ")");
	buf_append_str(&upd, "UPDATE messages SET (");
	field_list(&upd, 0);
	buf_append_str(&upd, ") = (");
	field_list(&upd, 1);
	buf_printf(&upd, ") WHERE id = ?%d", NFIELDS + 1);
	buf_append_str(&load, "SELECT " ROW_COLUMNS);
	field_list(&load, 0);
	buf_append_str(&load, " FROM messages WHERE conv = ?1 AND col = 0 ORDER BY id");
	buf_append_str(&exp, "SELECT " ROW_COLUMNS);
	field_list(&exp, 0);
	buf_append_str(&exp, " FROM messages WHERE conv = ?1 ORDER BY id");

	const char *sql[ST_COUNT] = {
	    [ST_BEGIN] = "INSERT INTO conversations (created, updated, system) VALUES (?1, ?1, ?2)",
	    [ST_SET_SYSTEM] = "UPDATE conversations SET system = ?2 WHERE id = ?1",
	    [ST_BEGIN_COMPARE] =
	        "INSERT INTO compare_groups (conv, models, created) VALUES (?1, ?2, ?3)",
	    [ST_ADD] = add.data,
	    [ST_UPDATE] = upd.data,
	    [ST_ADOPT] = "UPDATE messages SET col = 0 WHERE grp = ?1 AND col = ?2 AND grp <> 0",
	    /* Turns: the thread's prompts; a conversation that is only a
	     * compare counts the compare's (each is in every column: column 1). */
	    [ST_SESSIONS] = "SELECT c.id, c.created, c.updated, coalesce(nullif((SELECT count(*)"
	                    " FROM messages WHERE conv = c.id AND col = 0 AND role = 'user'), 0),"
	                    " (SELECT count(*) FROM messages WHERE conv = c.id AND col = 1"
	                    " AND role = 'user')) FROM conversations c"
	                    " ORDER BY c.updated DESC, c.id DESC LIMIT ?1",
	    /* The first prompt of the thread, else (a conversation that began
	     * with a compare) the first anywhere; 200 characters: more than a
	     * title shows, never a whole paste. */
	    [ST_TITLE] =
	        "SELECT coalesce((SELECT substr(text, 1, 200) FROM messages WHERE conv = ?1"
	        " AND col = 0 AND role = 'user' ORDER BY id LIMIT 1), (SELECT substr(text,"
	        " 1, 200) FROM messages WHERE conv = ?1 AND role = 'user' ORDER BY id"
	        " LIMIT 1), '')",
	    [ST_MODELS] = "SELECT label FROM messages WHERE conv = ?1 AND role = 'assistant'"
	                  " GROUP BY label ORDER BY min(id)",
	    [ST_LAST] = "SELECT id FROM conversations ORDER BY updated DESC, id DESC LIMIT 1",
	    [ST_CONV] = "SELECT created, updated, system FROM conversations WHERE id = ?1",
	    [ST_LOAD] = load.data,
	    [ST_EXPORT] = exp.data,
	    [ST_DELETE] = "DELETE FROM conversations WHERE id = ?1",
	    /* rowid order straight from the index: no sort, so snippet() runs
	     * only for the rows the LIMIT keeps; 12 tokens of context. */
	    [ST_SEARCH] = "SELECT m.id, m.conv, m.created, m.role, m.label, m.model,"
	                  " snippet(messages_fts, -1, '[', ']', '" ELLIPSIS "', 12)"
	                  " FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid"
	                  " WHERE messages_fts MATCH ?1 ORDER BY messages_fts.rowid DESC LIMIT ?2",
	};
	int rc = SQLITE_OK;
	for (int i = 0; i < ST_COUNT && rc == SQLITE_OK; i++)
		rc = sqlite3_prepare_v3(h->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &h->st[i],
		                        NULL);
	buf_done(&add);
	buf_done(&upd);
	buf_done(&load);
	buf_done(&exp);
	return rc;
}

static void free_history(struct history *h)
{
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(h->st[i]);
	sqlite3_close(h->db);
	free(h);
}

struct history *history_open(const char *path, char *err, size_t errlen)
{
	say(err, errlen, "%s", "");
	if (path == NULL || *path == '\0') {
		say(err, errlen, "no path for the history" OFF);
		return NULL;
	}
	struct buf q;
	buf_init(&q, 0);
	quote_path(&q, path);
	const char *qpath = buf_str(&q);
	struct history *h = NULL;
	sqlite3 *db = NULL;

	if (prepare_file(path, qpath, err, errlen) < 0)
		goto fail;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
#ifdef SQLITE_OPEN_NOFOLLOW
	flags |= SQLITE_OPEN_NOFOLLOW;
#endif
	int rc = sqlite3_open_v2(path, &db, flags, NULL);
	if (rc != SQLITE_OK) {
		open_error(err, errlen, qpath, rc,
		           db != NULL ? sqlite3_errmsg(db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
	if (sqlite3_db_readonly(db, "main") == 1) {
		open_error(err, errlen, qpath, SQLITE_READONLY, "read-only");
		goto fail;
	}
	/* The first statement reads the header: a file that is not a database
	 * fails here (SQLITE_NOTADB). Where WAL cannot work (no shared memory
	 * on some network file systems) SQLite keeps its rollback journal,
	 * which is as durable, so the mode it reports is not checked. */
	long long version = 0, app = 0;
	rc = exec1(db, "PRAGMA journal_mode = WAL", NULL, NULL, 0);
	if (rc == SQLITE_OK)
		rc = exec1(db, "PRAGMA user_version", &version, NULL, 0);
	if (rc == SQLITE_OK)
		rc = exec1(db, "PRAGMA application_id", &app, NULL, 0);
	if (rc != SQLITE_OK) {
		open_error(err, errlen, qpath, rc, sqlite3_errmsg(db));
		goto fail;
	}
	if (app != 0 && app != APPLICATION_ID) {
		say(err, errlen,
		    "%s is another program's database, not a circuit history" OFF MOVE_IT, qpath);
		goto fail;
	}
	if (version > HISTORY_SCHEMA_VERSION) {
		say(err, errlen,
		    "%s was written by a newer circuit (history schema %lld; this one reads "
		    "up to %d)" OFF,
		    qpath, version, HISTORY_SCHEMA_VERSION);
		goto fail;
	}
	rc = exec1(db, "PRAGMA synchronous = NORMAL", NULL, NULL, 0);
	if (rc == SQLITE_OK)
		rc = exec1(db, "PRAGMA foreign_keys = ON", NULL, NULL, 0);
	if (rc == SQLITE_OK) {
		char sql[64];
		snprintf(sql, sizeof(sql), "PRAGMA journal_size_limit = %lld", WAL_LIMIT);
		rc = exec1(db, sql, NULL, NULL, 0);
	}
	if (rc != SQLITE_OK) {
		open_error(err, errlen, qpath, rc, sqlite3_errmsg(db));
		goto fail;
	}
	/* Up to date (the usual case): no write lock taken at all. */
	if (version < HISTORY_SCHEMA_VERSION && migrate(db, qpath, err, errlen) < 0)
		goto fail;

	h = xcalloc(1, sizeof(*h));
	h->db = db;
	rc = prepare_all(h);
	if (rc != SQLITE_OK) {
		char detail[256];
		snprintf(detail, sizeof(detail), "its tables are not what circuit expects: %s",
		         sqlite3_errmsg(db));
		open_error(err, errlen, qpath, rc, detail);
		free_history(h); /* closes db */
		buf_done(&q);
		return NULL;
	}
	buf_done(&q);
	return h;

fail:
	sqlite3_close(db);
	buf_done(&q);
	return NULL;
}

void history_close(struct history *h)
{
	if (h != NULL)
		free_history(h);
}

const char *history_default_path(char *buf, size_t n)
{
	if (buf == NULL || n == 0)
		return NULL;
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	int len;
	/* The XDG spec: a relative value is invalid and ignored. */
	if (xdg != NULL && xdg[0] == '/')
		len = snprintf(buf, n, "%s/circuit/history.db", xdg);
	else if (home != NULL && home[0] == '/')
		len = snprintf(buf, n, "%s/.local/share/circuit/history.db", home);
	else
		return NULL;
	if (len < 0 || (size_t)len >= n)
		return NULL;
	/* mkdir -p the folders. A failure shows when the file is opened, with
	 * the reason, so it is not reported here. */
	for (char *p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST) {
			*p = '/';
			break;
		}
		*p = '/';
	}
	return buf;
}

const char *history_error(const struct history *h)
{
	return h != NULL ? h->err : "history is off";
}

/* ---- writing ------------------------------------------------------------- */

long long history_begin(struct history *h, const char *system, long long now)
{
	sqlite3_stmt *st = h->st[ST_BEGIN];
	struct binder b = {st, 0, SQLITE_OK};
	b_int(&b, now);
	if (system != NULL)
		b_str(&b, system);
	/* else ?2 stays NULL: no system prompt */
	if (b.rc != SQLITE_OK) {
		set_err(h, "cannot begin a conversation", b.rc);
		done(st);
		return -1;
	}
	if (run(h, st, "cannot begin a conversation") < 0)
		return -1;
	return sqlite3_last_insert_rowid(h->db);
}

int history_set_system(struct history *h, long long conv, const char *system)
{
	sqlite3_stmt *st = h->st[ST_SET_SYSTEM];
	struct binder b = {st, 0, SQLITE_OK};
	b_int(&b, conv);
	if (system != NULL)
		b_str(&b, system);
	if (b.rc != SQLITE_OK) {
		set_err(h, "cannot store the system prompt", b.rc);
		done(st);
		return -1;
	}
	if (run(h, st, "cannot store the system prompt") < 0)
		return -1;
	if (sqlite3_changes(h->db) == 0) {
		snprintf(h->err, sizeof(h->err), "no conversation %lld", conv);
		return -1;
	}
	return 0;
}

long long history_begin_compare(struct history *h, long long conv, const char *models,
                                long long now)
{
	sqlite3_stmt *st = h->st[ST_BEGIN_COMPARE];
	struct binder b = {st, 0, SQLITE_OK};
	b_int(&b, conv);
	b_str(&b, models != NULL ? models : "");
	b_int(&b, now);
	if (b.rc != SQLITE_OK) {
		set_err(h, "cannot begin a compare", b.rc);
		done(st);
		return -1;
	}
	if (run(h, st, "cannot begin a compare") < 0)
		return -1;
	return sqlite3_last_insert_rowid(h->db);
}

static const char *role_of(enum msg_kind k)
{
	switch (k) {
	case MSG_USER: return "user";
	case MSG_ASSISTANT: return "assistant";
	default: return NULL;
	}
}

/* Notices and errors are circuit's own words about this run, not the
 * conversation: they are not stored, and asking to is refused (-1) so a
 * caller's mistake shows rather than passing quietly. */
long long history_add(struct history *h, long long conv, long long group, int column,
                      const struct message *m, long long now)
{
	const char *role = role_of(m->kind);
	if (role == NULL) {
		set_msg(h, "only prompts and replies are stored");
		return -1;
	}
	if (column < 0) {
		snprintf(h->err, sizeof(h->err), "no column %d", column);
		return -1;
	}
	sqlite3_stmt *st = h->st[ST_ADD];
	struct binder b = {st, 0, SQLITE_OK};
	b_int(&b, conv);
	b_int(&b, group);
	b_int(&b, column);
	b_str(&b, role);
	b_int(&b, now);
	/* A reply still streaming is interrupted until its final write says otherwise. */
	bind_message(&b, m, m->interrupted || m->streaming, now);
	if (b.rc != SQLITE_OK) {
		set_err(h, "cannot store a message", b.rc);
		done(st);
		return -1;
	}
	if (run(h, st, "cannot store a message") < 0)
		return -1;
	return sqlite3_last_insert_rowid(h->db);
}

int history_update(struct history *h, long long id, const struct message *m, bool final,
                   long long now)
{
	sqlite3_stmt *st = h->st[ST_UPDATE];
	struct binder b = {st, 0, SQLITE_OK};
	bind_message(&b, m, final ? m->interrupted : true, now);
	b_int(&b, id);
	if (b.rc != SQLITE_OK) {
		set_err(h, "cannot store a message", b.rc);
		done(st);
		return -1;
	}
	if (run(h, st, "cannot store a message") < 0)
		return -1;
	if (sqlite3_changes(h->db) == 0) {
		snprintf(h->err, sizeof(h->err), "no message %lld", id);
		return -1;
	}
	return 0;
}

int history_adopt(struct history *h, long long group, int column)
{
	if (column <= 0) {
		snprintf(h->err, sizeof(h->err), "no compare column %d to adopt", column);
		return -1;
	}
	sqlite3_stmt *st = h->st[ST_ADOPT];
	struct binder b = {st, 0, SQLITE_OK};
	b_int(&b, group);
	b_int(&b, column);
	if (b.rc != SQLITE_OK) {
		set_err(h, "cannot adopt a column", b.rc);
		done(st);
		return -1;
	}
	return run(h, st, "cannot adopt a column");
}

/* ---- reading ------------------------------------------------------------- */

/* conv's title, one line, into out (cap bytes). */
static int title_of(struct history *h, long long conv, char *out, size_t cap)
{
	sqlite3_stmt *st = h->st[ST_TITLE];
	sqlite3_bind_int64(st, 1, conv);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		set_err(h, "cannot read a title", rc);
		done(st);
		return -1;
	}
	size_t n;
	const char *t = col_bytes(st, 0, &n);
	oneline(out, cap, t, n);
	done(st);
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
		buf_append_str(&b, col_str(st, 0));
	}
	if (rc != SQLITE_DONE) {
		set_err(h, "cannot list the sessions", rc);
		done(st);
		buf_done(&b);
		return -1;
	}
	done(st);
	oneline(out, cap, b.data, b.len);
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
		if (title_of(h, s->id, s->title, sizeof(s->title)) < 0 ||
		    models_of(h, s->id, s->models, sizeof(s->models)) < 0) {
			done(st);
			return -1;
		}
		n++;
	}
	if (n < max && rc != SQLITE_DONE) {
		set_err(h, "cannot list the sessions", rc);
		done(st);
		return -1;
	}
	done(st);
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
		set_err(h, "cannot find the last conversation", rc);
	done(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? id : -1;
}

/* conv's row: its system prompt (malloc'd, or NULL) and its times when asked. 1
 * found, 0 no such conversation (error set), -1. */
static int conv_row(struct history *h, long long conv, char **system, long long *created,
                    long long *updated)
{
	sqlite3_stmt *st = h->st[ST_CONV];
	sqlite3_bind_int64(st, 1, conv);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		snprintf(h->err, sizeof(h->err), "no conversation %lld", conv);
		done(st);
		return 0;
	}
	if (rc != SQLITE_ROW) {
		set_err(h, "cannot read a conversation", rc);
		done(st);
		return -1;
	}
	if (created != NULL)
		*created = sqlite3_column_int64(st, 0);
	if (updated != NULL)
		*updated = sqlite3_column_int64(st, 1);
	if (system != NULL) {
		size_t n;
		const char *s = col_bytes(st, 2, &n);
		*system = sqlite3_column_type(st, 2) == SQLITE_NULL ? NULL : xstrndup(s, n);
	}
	done(st);
	return 1;
}

int history_load(struct history *h, long long conv, struct conversation *c, char **system)
{
	char *sys = NULL;
	int found = conv_row(h, conv, &sys, NULL, NULL);
	if (found <= 0)
		return -1;
	sqlite3_stmt *st = h->st[ST_LOAD];
	sqlite3_bind_int64(st, 1, conv);
	int n = 0, rc;
	size_t first = c->n;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		enum msg_kind kind =
		    strcmp(col_str(st, R_ROLE), "user") == 0 ? MSG_USER : MSG_ASSISTANT;
		struct message *m = conv_add(c, kind, col_str(st, R_LABEL), NULL);
		size_t len;
		const char *p = col_bytes(st, R_TEXT, &len);
		(void)buf_append(&m->text, p, len);
		p = col_bytes(st, R_RAW, &len);
		(void)buf_append(&m->raw, p, len);
		p = col_bytes(st, R_THINKING, &len);
		(void)buf_append(&m->thinking, p, len);
		snprintf(m->meta, sizeof(m->meta), "%s", col_str(st, R_META));
		m->interrupted = sqlite3_column_int(st, R_INTERRUPTED) != 0;
		m->dropped = sqlite3_column_int(st, R_DROPPED) != 0;
		m->hist_id = sqlite3_column_int64(st, R_ID);
		m->has_metrics = read_metrics(st, &m->metrics);
		m->streaming = false;
		n++;
	}
	done(st);
	if (rc != SQLITE_DONE) {
		set_err(h, "cannot load a conversation", rc);
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

int history_delete(struct history *h, long long conv)
{
	sqlite3_stmt *st = h->st[ST_DELETE];
	sqlite3_bind_int64(st, 1, conv);
	if (run(h, st, "cannot delete a conversation") < 0)
		return -1;
	return sqlite3_changes(h->db) > 0 ? 1 : 0;
}

/* Every whitespace-separated word of query as an FTS5 string ("..." with
 * " doubled), joined by spaces: an implicit AND of literal words, so
 * AND, NEAR, *, -, ^ and col: are words like any other. */
static size_t match_expr(const char *query, struct buf *out)
{
	size_t words = 0;
	const char *p = query;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' ||
		       *p == '\v')
			p++;
		if (*p == '\0')
			break;
		if (words++ > 0)
			buf_append_char(out, ' ');
		buf_append_char(out, '"');
		for (; *p != '\0' && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' &&
		       *p != '\f' && *p != '\v';
		     p++) {
			if (*p == '"')
				buf_append_char(out, '"');
			buf_append_char(out, *p);
		}
		buf_append_char(out, '"');
	}
	return words;
}

int history_find(struct history *h, const char *query, struct history_hit *out, int max)
{
	if (max <= 0 || query == NULL)
		return 0;
	struct buf expr;
	buf_init(&expr, 0);
	/* Invalid UTF-8 in the query would only fail to match: repair it so
	 * SQLite is never handed malformed text. */
	struct buf q;
	buf_init(&q, 0);
	utf8_repair(query, strlen(query), &q);
	size_t words = match_expr(buf_str(&q), &expr);
	buf_done(&q);
	if (words == 0) {
		buf_done(&expr);
		return 0;
	}
	sqlite3_stmt *st = h->st[ST_SEARCH];
	struct binder b = {st, 0, SQLITE_OK};
	b_text(&b, expr.data, expr.len);
	b_int(&b, max);
	int n = 0, rc = b.rc;
	bool failed = false;
	while (rc == SQLITE_OK && n < max) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		rc = SQLITE_OK;
		struct history_hit *hit = &out[n++];
		memset(hit, 0, sizeof(*hit));
		hit->message = sqlite3_column_int64(st, 0);
		hit->conv = sqlite3_column_int64(st, 1);
		hit->when = sqlite3_column_int64(st, 2);
		bool user = strcmp(col_str(st, 3), "user") == 0;
		const char *label = col_str(st, 4);
		if (*label == '\0')
			label = user ? "you" : col_str(st, 5);
		oneline(hit->label, sizeof(hit->label), label, strlen(label));
		size_t len;
		const char *t = col_bytes(st, 6, &len);
		oneline(hit->snippet, sizeof(hit->snippet), t, len);
		if (title_of(h, hit->conv, hit->title, sizeof(hit->title)) < 0) {
			failed = true; /* its error is set */
			break;
		}
	}
	if (!failed && rc != SQLITE_OK && rc != SQLITE_DONE) {
		set_err(h, "search failed", rc);
		failed = true;
	}
	done(st);
	buf_done(&expr);
	return failed ? -1 : n;
}

/* ---- export -------------------------------------------------------------- */

/* The n bytes at s as a JSON string, invalid UTF-8 repaired. */
static void json_str(struct buf *out, const char *s, size_t n)
{
	if (utf8_valid(s, n)) {
		jsonesc_append(out, s, n);
		return;
	}
	struct buf r;
	buf_init(&r, 0);
	utf8_repair(s, n, &r);
	jsonesc_append(out, buf_str(&r), r.len);
	buf_done(&r);
}

static void json_cstr(struct buf *out, const char *s)
{
	json_str(out, s, strlen(s));
}

/* -1 is "unknown": null. */
static void json_ll(struct buf *out, const char *key, long long v)
{
	if (v < 0)
		buf_printf(out, ",\"%s\":null", key);
	else
		buf_printf(out, ",\"%s\":%lld", key, v);
}

/* The shortest of %.15g..%.17g that reads back as v; unknown (< 0) or not
 * finite: null. */
static void json_double(struct buf *out, const char *key, double v)
{
	if (!isfinite(v) || v < 0) {
		buf_printf(out, ",\"%s\":null", key);
		return;
	}
	char s[40];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(s, sizeof(s), "%.*g", prec, v);
		if (strtod(s, NULL) == v)
			break;
	}
	buf_printf(out, ",\"%s\":%s", key, s);
}

static void json_bool(struct buf *out, const char *key, bool v)
{
	buf_printf(out, ",\"%s\":%s", key, v ? "true" : "false");
}

static void json_metrics(struct buf *out, const struct reply_metrics *r)
{
	buf_printf(out, "{\"outcome\":\"%s\"", outcome_name(r->outcome));
	json_ll(out, "ttfb_ms", r->ttfb);
	json_ll(out, "ttft_ms", r->ttft);
	json_ll(out, "ttfo_ms", r->ttfo);
	json_ll(out, "last_token_ms", r->last);
	json_ll(out, "total_ms", r->total);
	json_ll(out, "last_byte_ms", r->last_byte);
	json_ll(out, "max_gap_ms", r->max_gap);
	buf_printf(out,
	           ",\"deltas\":%zu,\"text_bytes\":%zu,\"thinking_bytes\":%zu,"
	           "\"prompt_bytes\":%zu",
	           r->deltas, r->text_bytes, r->thinking_bytes, r->prompt_bytes);
	json_ll(out, "usage_in", r->usage_in);
	json_ll(out, "usage_out", r->usage_out);
	json_ll(out, "usage_thinking", r->usage_thinking);
	json_ll(out, "tokens_in", r->tokens_in);
	json_ll(out, "tokens_out", r->tokens_out);
	json_ll(out, "tokens_thinking", r->tokens_thinking);
	json_bool(out, "tokens_in_estimated", r->in_estimated);
	json_bool(out, "tokens_out_estimated", r->out_estimated);
	json_bool(out, "tokens_thinking_estimated", r->thinking_estimated);
	json_double(out, "tokens_per_second", r->tps);
	json_bool(out, "tokens_per_second_estimated", r->tps_estimated);
	json_double(out, "cost_usd", r->cost);
	json_bool(out, "cost_estimated", r->cost_estimated);
	buf_append_char(out, '}');
}

/* Unix seconds as "2025-01-31 12:00:00 UTC" (a format, not the clock). */
static void format_time(long long t, char *out, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (gmtime_r(&tt, &tm) == NULL || strftime(out, n, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(out, n, "%lld", t);
}

/* A reply's figures on one Markdown line; nothing when it has none. */
static void md_figures(struct buf *out, const struct reply_metrics *r, const char *meta)
{
	struct buf f;
	buf_init(&f, 0);
	const char *sep = "";
#define FIG(...)                                                                                   \
	do {                                                                                       \
		buf_append_str(&f, sep);                                                           \
		buf_printf(&f, __VA_ARGS__);                                                       \
		sep = " · ";                                                                       \
	} while (0)
	if (r != NULL) {
		FIG("%s", outcome_name(r->outcome));
		if (r->ttfb >= 0)
			FIG("TTFB %lld ms", r->ttfb);
		if (r->ttft >= 0)
			FIG("TTFT %lld ms", r->ttft);
		if (r->ttfo >= 0)
			FIG("TTFO %lld ms", r->ttfo);
		if (r->total >= 0)
			FIG("total %lld ms", r->total);
		if (r->max_gap >= 0)
			FIG("longest gap %lld ms", r->max_gap);
		if (r->tps >= 0)
			FIG("%s%.1f tok/s", r->tps_estimated ? "≈" : "", r->tps);
		if (r->tokens_in >= 0)
			FIG("%s%lld tokens in", r->in_estimated ? "≈" : "", r->tokens_in);
		if (r->tokens_out >= 0)
			FIG("%s%lld out", r->out_estimated ? "≈" : "", r->tokens_out);
		if (r->tokens_thinking > 0)
			FIG("%s%lld thinking", r->thinking_estimated ? "≈" : "",
			    r->tokens_thinking);
		if (r->cost >= 0)
			FIG("%s$%.4f", r->cost_estimated ? "≈" : "", r->cost);
		if (r->stop[0] != '\0')
			FIG("stop %s", r->stop);
	} else if (meta[0] != '\0') {
		FIG("%s", meta);
	}
#undef FIG
	if (f.len > 0) {
		char line[1024];
		oneline(line, sizeof(line), f.data, f.len);
		buf_printf(out, "*%s*\n\n", line);
	}
	buf_done(&f);
}

/* Text under a heading: the sanitised text, since a Markdown file is
 * often read with cat; ends with one blank line. */
static void md_text(struct buf *out, const char *s, size_t n, const char *prefix)
{
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '\n')
			continue;
		buf_append_str(out, prefix);
		buf_append(out, s + start, i - start);
		buf_append_char(out, '\n');
		start = i + 1;
	}
	buf_append_char(out, '\n');
}

static void export_row(struct buf *out, sqlite3_stmt *st, enum history_format fmt, bool first)
{
	struct reply_metrics r;
	bool has = read_metrics(st, &r);
	long long id = sqlite3_column_int64(st, R_ID);
	long long grp = sqlite3_column_int64(st, R_GRP);
	long long col = sqlite3_column_int64(st, R_COL);
	bool user = strcmp(col_str(st, R_ROLE), "user") == 0;
	size_t tlen, rlen, klen;
	const char *text = col_bytes(st, R_TEXT, &tlen);
	const char *raw = col_bytes(st, R_RAW, &rlen);
	const char *think = col_bytes(st, R_THINKING, &klen);
	/* The raw text is what was sent or received; a row that never had one
	 * (raw empty, text not) falls back on the text. */
	if (rlen == 0 && tlen > 0) {
		raw = text;
		rlen = tlen;
	}
	if (fmt == HISTORY_JSON) {
		buf_printf(out, "%s{\"id\":%lld,\"role\":\"%s\",\"label\":", first ? "" : ",", id,
		           user ? "user" : "assistant");
		json_cstr(out, col_str(st, R_LABEL));
		buf_append_str(out, ",\"provider\":");
		json_cstr(out, col_str(st, R_PROVIDER));
		buf_append_str(out, ",\"model\":");
		json_cstr(out, col_str(st, R_MODEL));
		buf_append_str(out, ",\"text\":");
		json_str(out, raw, rlen);
		buf_append_str(out, ",\"thinking\":");
		json_str(out, think, klen);
		json_bool(out, "interrupted", sqlite3_column_int(st, R_INTERRUPTED) != 0);
		buf_append_str(out, ",\"stop\":");
		json_cstr(out, col_str(st, R_STOP));
		buf_printf(out, ",\"created\":%lld,\"group\":%lld,\"column\":%lld,\"metrics\":",
		           sqlite3_column_int64(st, R_CREATED), grp, col);
		if (has)
			json_metrics(out, &r);
		else
			buf_append_str(out, "null");
		buf_append_char(out, '}');
		return;
	}
	char label[64], when[40];
	const char *l = col_str(st, R_LABEL);
	oneline(label, sizeof(label), l, strlen(l));
	if (label[0] == '\0')
		snprintf(label, sizeof(label), "%s", user ? "you" : "assistant");
	format_time(sqlite3_column_int64(st, R_CREATED), when, sizeof(when));
	buf_printf(out, "## %s · %s", label, when);
	if (col > 0)
		buf_printf(out, " · compare %lld, column %lld", grp, col);
	else if (grp > 0)
		buf_printf(out, " · from compare %lld", grp);
	if (sqlite3_column_int(st, R_INTERRUPTED) != 0)
		buf_append_str(out, " · interrupted");
	buf_append_str(out, "\n\n");
	md_figures(out, has ? &r : NULL, col_str(st, R_META));
	if (klen > 0) {
		buf_append_str(out, "> **thinking**\n>\n");
		md_text(out, think, klen, "> ");
	}
	md_text(out, text, tlen, "");
}

int history_export(struct history *h, long long conv, enum history_format fmt, struct buf *out)
{
	char *system = NULL, title[80];
	long long created = 0, updated = 0;
	if (conv_row(h, conv, &system, &created, &updated) <= 0)
		return -1;
	if (title_of(h, conv, title, sizeof(title)) < 0) {
		free(system);
		return -1;
	}
	/* Built whole, then appended once: out's cap either takes all or none. */
	struct buf b;
	buf_init(&b, 0);
	if (fmt == HISTORY_JSON) {
		buf_printf(&b, "{\"id\":%lld,\"title\":", conv);
		json_cstr(&b, title);
		buf_printf(&b, ",\"created\":%lld,\"updated\":%lld,\"system\":", created, updated);
		if (system != NULL)
			json_cstr(&b, system);
		else
			buf_append_str(&b, "null");
		buf_append_str(&b, ",\"messages\":[");
	} else {
		char c[40], u[40];
		format_time(created, c, sizeof(c));
		format_time(updated, u, sizeof(u));
		buf_printf(&b, "# %s\n\n*conversation %lld · started %s · updated %s*\n\n",
		           title[0] != '\0' ? title : "(untitled)", conv, c, u);
		if (system != NULL && *system != '\0') {
			struct buf s;
			buf_init(&s, 0);
			sanitize_append(&s, system, strlen(system));
			buf_append_str(&b, "## system\n\n");
			md_text(&b, buf_str(&s), s.len, "");
			buf_done(&s);
		}
	}
	free(system);
	sqlite3_stmt *st = h->st[ST_EXPORT];
	sqlite3_bind_int64(st, 1, conv);
	int rc;
	bool first = true;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		export_row(&b, st, fmt, first);
		first = false;
	}
	if (rc != SQLITE_DONE) {
		set_err(h, "cannot export a conversation", rc);
		done(st);
		buf_done(&b);
		return -1;
	}
	done(st);
	if (fmt == HISTORY_JSON)
		buf_append_str(&b, "]}\n");
	int ok = buf_append(out, buf_str(&b), b.len);
	buf_done(&b);
	if (ok < 0) {
		set_msg(h, "the export does not fit its buffer");
		return -1;
	}
	return 0;
}
