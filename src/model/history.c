/* SPDX-License-Identifier: GPL-3.0-or-later */
/* history: opening the file, its schema and migrations (writing: history_write.c).
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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/history_db.h"
#include "util/paths.h"
#include "util/mem.h"
#include "util/sanitize.h"

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
/* The page cache's cap, KiB (see configure_db). */
#define CACHE_KIB 256

/* ---- the schema ------------------------------------------------------------ */

/* A new file gets the whole schema at once (hdb_schema, made from the
 * column table); upgrades[v] takes an older file from user_version v to
 * v + 1 (v >= 1: 0 is a new file). A new version appends a step here and
 * raises HISTORY_SCHEMA_VERSION; no step is ever edited once released.
 * A column added to HISTORY_COLUMNS has its step here:
 *   "ALTER TABLE messages ADD COLUMN name TYPE NOT NULL DEFAULT x;" */
static const char *const upgrades[] = {
    [0] = NULL,
    /* 1 -> 2: every word of a search is a prefix; FTS5 answers a prefix of
     * 2 or 3 characters from an index of its own, not by merging every
     * word that starts with it (100 times slower for "ka" at 100 000
     * messages). The option is the table's: rebuilt, once. */
    [1] = "DROP TABLE messages_fts;"
          "CREATE VIRTUAL TABLE messages_fts USING fts5(text, thinking, content='messages',"
          " content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='2 3');"
          "INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');",
    /* 2 -> 3: a live reply's checkpoints append parts instead of writing
     * the whole row again (and its index) every time. */
    [2] = HDB_PARTS_TABLE,
    /* 3 -> 4: the index covers the first HDB_INDEX_CHARS characters of a
     * message (one huge reply made FTS5 hold 1.5 times its size while it
     * was indexed, and the triggers that read new.text a copy of it),
     * through a view, its words put in from C; rebuilt once. And the rows
     * of a conversation read in order without a sort. */
    [3] = "DROP TRIGGER messages_ai; DROP TRIGGER messages_ad; DROP TRIGGER messages_au;"
          "DROP TABLE messages_fts;" HDB_SEARCH_INDEX
          "INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');" HDB_ROWS_INDEX,
    /* 4 -> 5: a prompt's files (-f, /file), sent again on resume. */
    [4] = HDB_ATTACH_TABLE,
    /* 5 -> 6: a failed reply's error kind, for --stats. */
    [5] = HDB_ERRORS_TABLE,
    /* 6 -> 7: the sources a reply cites, listed after it. */
    [6] = HDB_SOURCES_TABLE,
    /* 7 -> 8: the votes on compares (the leaderboard's data). */
    [7] = HDB_VOTES_TABLE,
};

_Static_assert(sizeof(upgrades) / sizeof(upgrades[0]) == HISTORY_SCHEMA_VERSION,
               "one upgrade step per schema version after the first");

/* ---- opening --------------------------------------------------------------- */

/* The path for messages: one line, nothing a terminal would act on. */
static void quote_path(struct buf *q, const char *path)
{
	size_t n = strlen(path);
	sanitize_append(q, path, n);
	for (size_t i = 0; i < q->len; i++)
		if (q->data[i] == '\n' || q->data[i] == '\t')
			q->data[i] = ' ';
}

/* Where history_open says why it failed. */
struct opening {
	const char *path, *qpath; /* as given; quoted for messages */
	char *err;
	size_t errlen;
};

static void say(const struct opening *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void say(const struct opening *o, const char *fmt, ...)
{
	if (o->err == NULL || o->errlen == 0)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->err, o->errlen, fmt, ap);
	va_end(ap);
}

/* The message for a failure of SQLite on the file (open or first use). */
static void open_error(const struct opening *o, int rc, const char *detail)
{
	const char *q = o->qpath;
	switch (rc & 0xff) {
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		say(o, "%s is not a history database (corrupt?)" OFF MOVE_IT, q);
		break;
	case SQLITE_READONLY:
	case SQLITE_PERM: say(o, "cannot write the history at %s (read-only)" OFF, q); break;
	case SQLITE_FULL: say(o, "cannot write the history at %s (disk full)" OFF, q); break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED: say(o, "the history at %s is locked by another program" OFF, q); break;
	default: say(o, "cannot open the history at %s (%s)" OFF, q, detail); break;
	}
}

/* Why open(2) refused the file, in the user's words. */
static void refused(const struct opening *o, int e)
{
	if (e == ELOOP) {
		say(o, "%s is a symbolic link, not a plain file" OFF, o->qpath);
		return;
	}
	if (e == EACCES || e == EPERM || e == EROFS || e == ETXTBSY) {
		int rfd = open(o->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		int re = errno;
		if (rfd >= 0) {
			close(rfd);
			say(o, "cannot write the history at %s (read-only)" OFF, o->qpath);
			return;
		}
		if (re == ENOENT) {
			say(o, "cannot create the history at %s (%s)" OFF, o->qpath, strerror(e));
			return;
		}
	}
	say(o, "cannot open the history at %s (%s)" OFF, o->qpath, strerror(e));
}

/* Creates the file 0600 if it is not there, and checks what is: a plain
 * file (not a link) we may read and write; one readable by others is
 * tightened to 0600. SQLite gives the -wal and -shm files the database's
 * mode, so they are 0600 too. 0, or -1 with the error said. */
static int prepare_file(const struct opening *o)
{
	int fd = open(o->path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		refused(o, errno);
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		say(o, "%s is not a plain file" OFF, o->qpath);
		return -1;
	}
	if ((st.st_mode & 077) != 0)
		(void)fchmod(fd, 0600); /* best effort: not ours to change, it stays as it was */
	close(fd);
	return 0;
}

/* One pragma or statement whose result (if any) is one integer. */
static int exec1(sqlite3 *db, const char *sql, long long *ival)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (ival != NULL)
			*ival = sqlite3_column_int64(st, 0);
		rc = SQLITE_DONE;
	}
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(st);
	return rc;
}

/* One step of migrate(), inside its transaction: from version v to the
 * version it returns in *to. An SQLite code. */
static int upgrade_step(sqlite3 *db, long long v, long long *to, char **msg)
{
	const char *sql = v == 0 ? hdb_schema : upgrades[v];
	*to = v == 0 ? HISTORY_SCHEMA_VERSION : v + 1;
	int rc = sqlite3_exec(db, sql, NULL, NULL, msg);
	if (rc == SQLITE_OK && v == 0)
		rc = sqlite3_exec(db, hdb_schema_more, NULL, NULL, msg);
	if (rc == SQLITE_OK) {
		char set[96];
		snprintf(set, sizeof(set), "PRAGMA user_version = %lld; PRAGMA application_id = %d",
		         *to, APPLICATION_ID);
		rc = sqlite3_exec(db, set, NULL, NULL, NULL);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return rc;
}

/* Brings the file to HISTORY_SCHEMA_VERSION, one step per transaction; the
 * version is read again inside the write lock, so two circuits opening a
 * new file at once do not both create it. */
static int migrate(sqlite3 *db, const struct opening *o)
{
	for (;;) {
		int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		long long v = 0, objects = 0;
		if (rc == SQLITE_OK)
			rc = exec1(db, "PRAGMA user_version", &v);
		if (rc == SQLITE_OK && v == 0)
			rc = exec1(db, "SELECT count(*) FROM sqlite_master", &objects);
		if (rc != SQLITE_OK) {
			open_error(o, rc, sqlite3_errmsg(db));
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
		if (v >= HISTORY_SCHEMA_VERSION || (v == 0 && objects > 0)) {
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			if (v > 0)
				return 0;
			say(o,
			    "%s is another program's database, not a circuit history" OFF MOVE_IT,
			    o->qpath);
			return -1;
		}
		char *msg = NULL;
		long long to;
		rc = upgrade_step(db, v, &to, &msg);
		if (rc != SQLITE_OK) {
			char detail[256];
			snprintf(detail, sizeof(detail), "schema %lld to %lld: %s", v, to,
			         msg != NULL ? msg : sqlite3_errmsg(db));
			sqlite3_free(msg);
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			open_error(o, rc, detail);
			return -1;
		}
		sqlite3_free(msg);
	}
}

/* A conversation's newest row: among conversations updated in the same
 * second (times are whole seconds), the one written to last is the
 * newest (-c and --last go on with what was just said). */
#define NEWEST_MESSAGE "(SELECT max(m.id) FROM messages m WHERE m.conv = c.id)"

/* How many statements (in enum order) a file of schema version has the
 * tables for: a file opened read-only is read as it is. */
static int statements_of(long long version)
{
	return version >= 7   ? ST_COUNT
	       : version >= 6 ? ST_FIRST_OF_7
	       : version >= 5 ? ST_FIRST_OF_6
	       : version >= 3 ? ST_FIRST_OF_5
	                      : ST_FIRST_OF_3;
}

static int prepare_all(struct history *h)
{
	struct buf add, upd, rows, ckp;
	buf_init(&add, 0);
	buf_init(&upd, 0);
	buf_init(&rows, 0);
	buf_init(&ckp, 0);
	hdb_sql_add(&add);
	hdb_sql_update(&upd);
	hdb_sql_rows(&rows);
	hdb_sql_checkpoint(&ckp);
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
	                    " ORDER BY c.updated DESC, " NEWEST_MESSAGE " DESC, c.id DESC"
	                    " LIMIT ?1 OFFSET ?2",
	    [ST_COUNT_CONVS] = "SELECT count(*) FROM conversations",
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
	    [ST_LAST] = "SELECT c.id FROM conversations c ORDER BY c.updated DESC, " NEWEST_MESSAGE
	                " DESC, c.id DESC LIMIT 1",
	    [ST_CONV] = "SELECT created, updated, system FROM conversations WHERE id = ?1",
	    [ST_ROWS] = rows.data,
	    [ST_DELETE] = "DELETE FROM conversations WHERE id = ?1",
	    /* rowid order straight from the index: no sort, so snippet() runs
	     * only for the rows the LIMIT keeps; 12 tokens of context, the
	     * match between bytes 1 and 2 and a cut marked 3 (sanitised text
	     * holds no such bytes), for history_find to mark as it shows. */
	    [ST_SEARCH] = "SELECT m.id, m.conv, m.created, m.role, m.label, m.model,"
	                  " snippet(messages_fts, -1, char(1), char(2), char(3), 12)"
	                  " FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid"
	                  " WHERE messages_fts MATCH ?1 ORDER BY messages_fts.rowid DESC LIMIT ?2",
	    [ST_CHECKPOINT] = ckp.data,
	    [ST_PART_ADD] = "INSERT INTO message_parts (msg, text, thinking, raw) VALUES (?, ?, ?, ?)",
	    [ST_PARTS] = "SELECT text, thinking, raw FROM message_parts WHERE msg = ?1 ORDER BY id",
	    [ST_PARTS_DROP] = "DELETE FROM message_parts WHERE msg = ?1",
	    [ST_INDEX_ADD] = HDB_SQL_INDEX_ADD,
	    [ST_INDEX_DROP] = HDB_SQL_INDEX_DROP,
	    [ST_ATTACH_ADD] = "INSERT INTO attachments (msg, name, type, size, sha256, text, image)"
	                      " VALUES (?, ?, ?, ?, ?, ?, ?)",
	    [ST_ATTACHED] = "SELECT name, type, sha256, coalesce(text, image) FROM attachments"
	                    " WHERE msg = ?1 ORDER BY id",
	    [ST_ATTACH_META] = "SELECT name, type, size, sha256 FROM attachments WHERE msg = ?1"
	                       " ORDER BY id",
	    [ST_ERROR_SET] = HDB_SQL_ERROR_SET,
	    [ST_SOURCE_ADD] = "INSERT INTO sources (msg, url, title) VALUES (?1, ?2, ?3)",
	    [ST_SOURCES] = "SELECT url, title FROM sources WHERE msg = ?1 ORDER BY id",
	    [ST_SOURCES_DROP] = "DELETE FROM sources WHERE msg = ?1",
	};
	int rc = SQLITE_OK;
	int n = statements_of(h->version);
	for (int i = 0; i < n && rc == SQLITE_OK; i++)
		rc = sqlite3_prepare_v3(h->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &h->st[i],
		                        NULL);
	buf_done(&add);
	buf_done(&upd);
	buf_done(&rows);
	buf_done(&ckp);
	return rc;
}

static void free_history(struct history *h)
{
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(h->st[i]);
	sqlite3_close(h->db);
	free(h);
}

/* Opens the file read-write into *db (NULL on failure). 0, or -1 said. */
static int open_db(const struct opening *o, sqlite3 **db)
{
	if (prepare_file(o) < 0)
		return -1;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
#ifdef SQLITE_OPEN_NOFOLLOW
	flags |= SQLITE_OPEN_NOFOLLOW;
#endif
	int rc = sqlite3_open_v2(o->path, db, flags, NULL);
	if (rc != SQLITE_OK) {
		open_error(o, rc, *db != NULL ? sqlite3_errmsg(*db) : "out of memory");
		return -1;
	}
	sqlite3_extended_result_codes(*db, 1);
	sqlite3_busy_timeout(*db, BUSY_TIMEOUT_MS);
	if (sqlite3_db_readonly(*db, "main") == 1) {
		open_error(o, SQLITE_READONLY, "read-only");
		return -1;
	}
	return 0;
}

/* Reads what the file is, *version its schema. The first statement reads
 * the header: a file that is not a database fails here (SQLITE_NOTADB).
 * Where WAL cannot work (no shared memory on some network file systems)
 * SQLite keeps its rollback journal, which is as durable, so the mode it
 * reports is not checked (nor set, when the file is opened read-only:
 * write false). 0 ours, or -1 said. */
static int check_db(sqlite3 *db, const struct opening *o, long long *version, bool write)
{
	long long app = 0;
	int rc = write ? exec1(db, "PRAGMA journal_mode = WAL", NULL) : SQLITE_OK;
	if (rc == SQLITE_OK)
		rc = exec1(db, "PRAGMA user_version", version);
	if (rc == SQLITE_OK)
		rc = exec1(db, "PRAGMA application_id", &app);
	if (rc != SQLITE_OK) {
		open_error(o, rc, sqlite3_errmsg(db));
		return -1;
	}
	if (app != 0 && app != APPLICATION_ID) {
		say(o, "%s is another program's database, not a circuit history" OFF MOVE_IT,
		    o->qpath);
		return -1;
	}
	if (*version > HISTORY_SCHEMA_VERSION) {
		say(o,
		    "%s was written by a newer circuit (history schema %lld; this one reads "
		    "up to %d)" OFF,
		    o->qpath, *version, HISTORY_SCHEMA_VERSION);
		return -1;
	}
	return 0;
}

/* The connection's settings. 0, or -1 said. */
static int configure_db(sqlite3 *db, const struct opening *o)
{
	int rc = exec1(db, "PRAGMA synchronous = NORMAL", NULL);
	if (rc == SQLITE_OK)
		rc = exec1(db, "PRAGMA foreign_keys = ON", NULL);
	/* What is deleted is overwritten with zeros, not left in free pages
	 * (/delete promises the words are gone from the file). */
	if (rc == SQLITE_OK)
		rc = exec1(db, "PRAGMA secure_delete = ON", NULL);
	/* A page cache of CACHE_KIB at most (SQLite's default is 2 MiB): the
	 * history is written a row at a time and read a page of the list or
	 * one conversation at a time; the OS caches the file anyway. */
	if (rc == SQLITE_OK) {
		char sql[64];
		snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%d", CACHE_KIB);
		rc = exec1(db, sql, NULL);
	}
	if (rc == SQLITE_OK) {
		char sql[64];
		snprintf(sql, sizeof(sql), "PRAGMA journal_size_limit = %lld", WAL_LIMIT);
		rc = exec1(db, sql, NULL);
	}
	if (rc != SQLITE_OK) {
		open_error(o, rc, sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/* The opened file's history (of schema version), its statements
 * prepared; NULL said (db is closed either way on failure). */
static struct history *make_history(sqlite3 *db, const struct opening *o, long long version)
{
	struct history *h = xcalloc(1, sizeof(*h));
	h->db = db;
	h->version = version;
	int rc = prepare_all(h);
	if (rc != SQLITE_OK) {
		char detail[256];
		snprintf(detail, sizeof(detail), "its tables are not what circuit expects: %s",
		         sqlite3_errmsg(db));
		open_error(o, rc, detail);
		free_history(h); /* closes db */
		return NULL;
	}
	return h;
}

/* The start of either open: err cleared, the path checked and quoted into
 * q for messages (o->qpath points into it), SQLite loaded. False, with err
 * set (and then off after it), when there is no path or no SQLite. */
static bool opening_begin(struct opening *o, struct buf *q, const char *no_path, const char *off)
{
	say(o, "%s", "");
	buf_init(q, 0);
	if (o->path == NULL || *o->path == '\0') {
		say(o, "%s", no_path);
		return false;
	}
	quote_path(q, o->path);
	o->qpath = buf_str(q);
	char why[256];
	if (libsqlite_load(why, sizeof(why)) < 0) {
		say(o, "%s%s", why, off);
		return false;
	}
	return true;
}

struct history *history_open(const char *path, char *err, size_t errlen)
{
	struct opening o = {path, "", err, errlen};
	struct buf q;
	if (!opening_begin(&o, &q, "no path for the history" OFF, OFF)) {
		buf_done(&q);
		return NULL;
	}
	struct history *h = NULL;
	sqlite3 *db = NULL;
	long long version = 0;
	/* Up to date (the usual case): no write lock taken at all. */
	if (open_db(&o, &db) == 0 && check_db(db, &o, &version, true) == 0 && configure_db(db, &o) == 0 &&
	    (version == HISTORY_SCHEMA_VERSION || migrate(db, &o) == 0))
		h = make_history(db, &o, HISTORY_SCHEMA_VERSION);
	else
		sqlite3_close(db);
	buf_done(&q);
	return h;
}

/* sqlite3_open_v2 read-only: of the path, or (immutable) of its URI
 * with immutable=1. An SQLite code, *db set either way. */
static int open_ro(const char *path, bool immutable, sqlite3 **db)
{
	int flags = SQLITE_OPEN_READONLY;
#ifdef SQLITE_OPEN_NOFOLLOW
	flags |= SQLITE_OPEN_NOFOLLOW;
#endif
	if (!immutable)
		return sqlite3_open_v2(path, db, flags, NULL);
	struct buf uri;
	buf_init(&uri, 0);
	buf_append_str(&uri, "file:");
	for (const unsigned char *p = (const unsigned char *)path; *p != '\0'; p++) {
		if (*p == '/' || *p == '.' || *p == '-' || *p == '_' || (*p >= '0' && *p <= '9') ||
		    ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z'))
			buf_append_char(&uri, (char)*p);
		else
			buf_printf(&uri, "%%%02X", *p);
	}
	buf_append_str(&uri, "?immutable=1");
	int rc = sqlite3_open_v2(buf_str(&uri), db, flags | SQLITE_OPEN_URI, NULL);
	buf_done(&uri);
	return rc;
}

/* Opens the existing file at o->path read-only into *db. A WAL file is
 * read through its -shm index, which SQLite must create when it is not
 * there: in a read-only folder it cannot. With no -wal file either (the
 * last writer closed cleanly: everything is in the file) the file is
 * read as immutable, needing neither. 0, or -1 said. */
static int open_db_readonly(const struct opening *o, sqlite3 **db)
{
	struct stat st;
	if (lstat(o->path, &st) != 0) {
		if (errno == ENOENT)
			say(o, "no history yet at %s: it begins with the first prompt", o->qpath);
		else
			say(o, "cannot read the history at %s (%s)", o->qpath, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		say(o, "%s is not a plain file", o->qpath);
		return -1;
	}
	int rc = open_ro(o->path, false, db);
	if (rc == SQLITE_OK)
		rc = exec1(*db, "PRAGMA user_version", NULL); /* the first read */
	char wal[1100];
	int k = snprintf(wal, sizeof(wal), "%s-wal", o->path);
	if ((rc & 0xff) == SQLITE_READONLY || (rc & 0xff) == SQLITE_CANTOPEN) {
		if (k > 0 && (size_t)k < sizeof(wal) && lstat(wal, &st) != 0 && errno == ENOENT) {
			sqlite3_close(*db);
			*db = NULL;
			rc = open_ro(o->path, true, db);
		}
	}
	if (rc != SQLITE_OK) {
		open_error(o, rc, *db != NULL ? sqlite3_errmsg(*db) : "out of memory");
		return -1;
	}
	sqlite3_extended_result_codes(*db, 1);
	sqlite3_busy_timeout(*db, BUSY_TIMEOUT_MS);
	return 0;
}

struct history *history_open_readonly(const char *path, char *err, size_t errlen)
{
	struct opening o = {path, "", err, errlen};
	struct buf q;
	if (!opening_begin(&o, &q, "no path for the history", "")) {
		buf_done(&q);
		return NULL;
	}
	struct history *h = NULL;
	sqlite3 *db = NULL;
	long long version = 0;
	bool ours = open_db_readonly(&o, &db) == 0 && check_db(db, &o, &version, false) == 0;
	if (ours && version == 0) /* an empty file: a history created, nothing in it yet */
		say(&o, "no history yet at %s: it begins with the first prompt", o.qpath);
	if (ours && version > 0)
		h = make_history(db, &o, version); /* closes db when it fails */
	else
		sqlite3_close(db);
	buf_done(&q);
	return h;
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
	/* The folders are made; a failure shows when the file is opened, with
	 * the reason, so it is not reported here. */
	return paths_user(PATHS_DATA, "history.db", true, buf, n);
}

const char *history_error(const struct history *h)
{
	return h != NULL ? h->err : "history is off";
}
